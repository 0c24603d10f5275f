//! `annex training`: modules, campaigns and their progress, completions recorded or imported
//! from a learning platform, on the command line.

use super::domain::{CampaignInput, CompletionInput, CompletionVia, ModuleInput};
use super::service;
use crate::cli::{Format, ImportArgs, import_file, table};
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the modules
    #[command(after_help = "Example:\n  annex training modules")]
    Modules {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a module
    #[command(
        after_help = "Example:\n  annex training add-module --title 'Phishing awareness' --url https://learn.example.org/phishing --minutes 20"
    )]
    AddModule {
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        title: String,
        #[arg(long)]
        url: Option<String>,
        #[arg(long)]
        minutes: Option<String>,
        /// Control ids (default 6.3)
        #[arg(long)]
        controls: Option<String>,
    },
    /// List the campaigns with their progress
    #[command(after_help = "Example:\n  annex training campaigns")]
    Campaigns {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Start a campaign
    #[command(
        after_help = "Example:\n  annex training start --title 'Awareness 2027' --modules TM-0001 --due-on 2027-03-31 --scope departments --groups Finance"
    )]
    Start {
        #[arg(long)]
        title: String,
        /// Module ids, comma-separated
        #[arg(long)]
        modules: String,
        /// everyone (default), departments or job_titles
        #[arg(long)]
        scope: Option<String>,
        /// Departments or job titles, comma-separated
        #[arg(long)]
        groups: Option<String>,
        #[arg(long)]
        starts_on: Option<String>,
        #[arg(long)]
        due_on: String,
    },
    /// Show a campaign's progress by department
    #[command(after_help = "Example:\n  annex training status TC-0001")]
    Status { id: String },
    /// Record that someone completed a module
    #[command(
        after_help = "Example:\n  annex training complete --person ana@example.org --module TM-0001 --on 2027-01-15"
    )]
    Complete {
        /// Id, e-mail or staff number
        #[arg(long)]
        person: String,
        /// Module id or title
        #[arg(long)]
        module: String,
        #[arg(long)]
        on: Option<String>,
    },
    /// Import a learning platform's completion export (CSV or XLSX), all or nothing
    #[command(after_help = "Example:\n  annex training import completions.csv --dry-run")]
    Import(ImportArgs),
    /// Set a module's material file (slides, a handout), kept in the evidence vault by its SHA-256
    #[command(after_help = "Example:\n  annex training material TM-0001 --file phishing-2027.pptx")]
    Material {
        id: String,
        #[arg(long, required_unless_present = "remove")]
        file: Option<std::path::PathBuf>,
        /// Remove the module's file instead
        #[arg(long, conflicts_with = "file")]
        remove: bool,
    },
}

/// Runs `annex training …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::Modules { format } => {
            let modules = service::modules(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&modules)?)?,
                _ => {
                    let mut t = table(&["id", "title", "minutes", "controls"]);
                    for m in &modules {
                        t.add_row(vec![
                            m.id.clone(),
                            m.title.clone(),
                            m.duration_minutes
                                .map(|d| d.to_string())
                                .unwrap_or_default(),
                            m.controls
                                .iter()
                                .map(|c| c.id.clone())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::AddModule {
            id,
            title,
            url,
            minutes,
            controls,
        } => {
            let m = service::create_module(
                ctx,
                &ModuleInput {
                    id,
                    title,
                    material_url: url.unwrap_or_default(),
                    duration_minutes: minutes.map(serde_json::Value::String),
                    controls: controls.map(serde_json::Value::String),
                    ..ModuleInput::default()
                },
            )
            .await?;
            writeln!(out, "added module {} ({})", m.id, m.title)?;
        }
        Command::Material { id, file, .. } => {
            let file = match file {
                Some(path) => {
                    Some(crate::registers::evidence::web::file_from_disk(ctx, &path).await?)
                }
                None => None,
            };
            let m = service::set_material_file(ctx, &id, None, file).await?;
            match &m.material_file {
                Some(f) => writeln!(
                    out,
                    "{}'s material is {} ({}, SHA-256 {})",
                    m.id,
                    f.file_name,
                    f.size_label(),
                    f.sha256
                )?,
                None => writeln!(out, "{} has no material file now", m.id)?,
            }
        }
        Command::Campaigns { format } => {
            let campaigns = service::campaigns(ctx).await?;
            let mut rows = Vec::new();
            for c in &campaigns {
                rows.push(service::summary(ctx, &c.id).await?);
            }
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
                _ => {
                    let mut t = table(&["id", "title", "due", "completed"]);
                    for s in &rows {
                        t.add_row(vec![
                            s.campaign.id.clone(),
                            s.campaign.title.clone(),
                            s.campaign.due_on.clone(),
                            format!("{} of {} ({}%)", s.completed, s.required, s.percent()),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::Start {
            title,
            modules,
            scope,
            groups,
            starts_on,
            due_on,
        } => {
            let c = service::create_campaign(
                ctx,
                &CampaignInput {
                    title,
                    modules,
                    scope: scope.unwrap_or_default(),
                    groups: groups.unwrap_or_default().replace(',', "\n"),
                    starts_on: starts_on.unwrap_or_default(),
                    due_on,
                },
            )
            .await?;
            writeln!(
                out,
                "started campaign {} ({}), due {}",
                c.id, c.title, c.due_on
            )?;
        }
        Command::Status { id } => {
            let s = service::summary(ctx, &id).await?;
            writeln!(
                out,
                "{} {}: {} of {} completed ({}%), {} overdue",
                s.campaign.id,
                s.campaign.title,
                s.completed,
                s.required,
                s.percent(),
                s.overdue
            )?;
            let mut t = table(&["department", "assigned", "completed", "overdue"]);
            for d in &s.departments {
                t.add_row(vec![
                    d.department.clone(),
                    d.required.to_string(),
                    d.completed.to_string(),
                    d.overdue.to_string(),
                ]);
            }
            writeln!(out, "{t}")?;
        }
        Command::Complete { person, module, on } => {
            let d = CompletionInput {
                person,
                module,
                completed_on: on.unwrap_or_default(),
                score: None,
            }
            .parse(&ctx.today())?;
            let n = service::record(ctx, vec![(0, d)], CompletionVia::Manager, false, None).await?;
            writeln!(
                out,
                "{}",
                if n == 0 {
                    "already recorded"
                } else {
                    "recorded"
                }
            )?;
        }
        Command::Import(args) => {
            import_file(ctx, &super::exchange::CompletionImport, &args).await?
        }
    }
    Ok(())
}
