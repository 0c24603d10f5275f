//! `annex process`, `annex plan` and `annex exercise`: processes and their BIA, the recovery
//! requirements and gaps of assets, continuity plans, and exercises, on the command line.

use super::domain::{ExerciseInput, ProcessInput, duration_words};
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

/// The BIA's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct BiaArgs {
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    /// Impact after 4 hours (a value or a name of the impact scale)
    #[arg(long)]
    impact_4h: Option<String>,
    #[arg(long)]
    impact_1d: Option<String>,
    #[arg(long)]
    impact_3d: Option<String>,
    #[arg(long)]
    impact_1w: Option<String>,
    /// Maximum tolerable period of disruption (e.g. "1 week")
    #[arg(long)]
    mtpd: Option<String>,
    /// Recovery time objective (e.g. "3 days", "4h")
    #[arg(long)]
    rto: Option<String>,
    /// Recovery point objective (e.g. "1 day", "15 minutes")
    #[arg(long)]
    rpo: Option<String>,
    #[arg(long)]
    min_service: Option<String>,
    /// Asset ids, comma-separated
    #[arg(long)]
    assets: Option<String>,
    /// Supplier names, comma-separated
    #[arg(long)]
    suppliers: Option<String>,
    #[arg(long)]
    roles: Option<String>,
    #[arg(long)]
    locations: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    reviewed_on: Option<String>,
}

impl BiaArgs {
    /// The flags given, over `base`.
    fn apply(self, mut v: ProcessInput) -> ProcessInput {
        let set = |to: &mut String, from: Option<String>| {
            if let Some(f) = from {
                *to = f;
            }
        };
        set(&mut v.description, self.description);
        set(&mut v.owner, self.owner);
        set(&mut v.impact_4h, self.impact_4h);
        set(&mut v.impact_1d, self.impact_1d);
        set(&mut v.impact_3d, self.impact_3d);
        set(&mut v.impact_1w, self.impact_1w);
        set(&mut v.mtpd, self.mtpd);
        set(&mut v.rto, self.rto);
        set(&mut v.rpo, self.rpo);
        set(&mut v.min_service, self.min_service);
        set(&mut v.assets, self.assets);
        set(&mut v.suppliers, self.suppliers);
        set(&mut v.roles, self.roles);
        set(&mut v.locations, self.locations);
        set(&mut v.reviewed_on, self.reviewed_on);
        v
    }
}

/// `annex process add`'s arguments.
#[derive(clap::Args, Debug)]
pub struct AddArgs {
    #[arg(long)]
    name: String,
    /// Its id (PR-0001 … when absent)
    #[arg(long)]
    id: Option<String>,
    #[command(flatten)]
    bia: BiaArgs,
}

/// `annex process edit`'s arguments.
#[derive(clap::Args, Debug)]
pub struct EditArgs {
    id: String,
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    bia: BiaArgs,
}

/// `annex exercise record`'s arguments.
#[derive(clap::Args, Debug)]
pub struct RecordArgs {
    #[arg(long)]
    title: String,
    /// tabletop, walkthrough, simulation, restore_test or failover
    #[arg(long)]
    kind: String,
    /// passed, passed_with_findings or failed
    #[arg(long)]
    result: String,
    /// YYYY-MM-DD (today by default)
    #[arg(long, default_value = "")]
    held_on: String,
    #[arg(long, default_value = "")]
    process: String,
    #[arg(long, default_value = "")]
    plan: String,
    #[arg(long, default_value = "")]
    assets: String,
    #[arg(long, default_value = "")]
    scope: String,
    #[arg(long, default_value = "")]
    participants: String,
    #[arg(long, default_value = "")]
    achieved_rto: String,
    #[arg(long, default_value = "")]
    achieved_rpo: String,
    /// Lines starting with "- " start measures
    #[arg(long, default_value = "")]
    findings: String,
}

#[derive(Subcommand, Debug)]
pub enum ProcessCommand {
    /// List the business processes with their RTO and RPO
    #[command(after_help = "Example:\n  annex process list --format csv")]
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show a process with its BIA
    #[command(after_help = "Example:\n  annex process show PR-0001")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a process with its business impact analysis
    #[command(
        after_help = "Example:\n  annex process add --name Payroll --owner hr@example.com --impact-1d 2 --impact-3d 4 --mtpd '1 week' --rto '3 days' --rpo '1 day' --assets A-0001"
    )]
    Add(Box<AddArgs>),
    /// Change a process's BIA (only the flags given)
    #[command(after_help = "Example:\n  annex process edit PR-0001 --rto '2 days'")]
    Edit(Box<EditArgs>),
    /// Import processes and their BIA from a CSV or XLSX file (all or nothing)
    #[command(
        after_help = "Examples:\n  annex process import bia.xlsx --dry-run\n  annex process import bia.csv"
    )]
    Import(crate::cli::ImportArgs),
    /// Export the processes and their BIA
    #[command(after_help = "Example:\n  annex process export --format xlsx --out bia.xlsx")]
    Export(crate::cli::ExportArgs),
    /// Each asset's required RTO and RPO, its last restore test, and the gaps
    #[command(
        after_help = "Examples:\n  annex process requirements\n  annex process requirements --asset A-0001"
    )]
    Requirements {
        #[arg(long)]
        asset: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum PlanCommand {
    /// List the processes' continuity plans
    #[command(after_help = "Example:\n  annex plan list")]
    List,
    /// Give a process a plan: a new one from the continuity plan template, or a document
    #[command(
        after_help = "Examples:\n  annex plan new PR-0001\n  annex plan new PR-0001 --document DOC-0007"
    )]
    New {
        process: String,
        #[arg(long)]
        document: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum ExerciseCommand {
    /// List exercises and tests, the latest first
    #[command(after_help = "Example:\n  annex exercise list --process PR-0001")]
    List {
        #[arg(long)]
        process: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show an exercise
    #[command(after_help = "Example:\n  annex exercise show EX-0001")]
    Show { id: String },
    /// Record an exercise or test that was held
    #[command(
        after_help = "Example:\n  annex exercise record --title 'Payroll restore test' --kind restore_test --process PR-0001 --assets A-0001 --result passed --achieved-rto '2 days'"
    )]
    Record(Box<RecordArgs>),
    /// Import exercises and tests that were held from a CSV or XLSX file (all rows or none)
    #[command(
        after_help = "Examples:\n  annex exercise import exercises.xlsx --dry-run\n  annex exercise import tests.csv"
    )]
    Import(crate::cli::ImportArgs),
    /// Export the exercises and tests
    #[command(after_help = "Example:\n  annex exercise export --format xlsx --out exercises.xlsx")]
    Export(crate::cli::ExportArgs),
}

fn words(m: Option<i64>) -> String {
    m.map(duration_words).unwrap_or_default()
}

/// Runs `annex process …` as the local operator.
pub async fn process(c: ProcessCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        ProcessCommand::List { format } => {
            let all = service::all_processes(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => {
                    let scale = service::impact_scale(ctx).await?;
                    write!(
                        out,
                        "{}",
                        super::exchange::processes_table(&all, &scale).csv()
                    )?
                }
                Format::Table => {
                    let mut t = table(&["id", "process", "owner", "MTPD", "RTO", "RPO", "assets"]);
                    for p in &all {
                        t.add_row(vec![
                            p.id.clone(),
                            p.name.clone(),
                            p.owner.clone(),
                            words(p.mtpd_minutes),
                            words(p.rto_minutes),
                            words(p.rpo_minutes),
                            p.assets.join(", "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(all.len(), "process", "processes")
                    )?;
                }
            }
        }
        ProcessCommand::Show { id, format } => {
            let p = service::process(ctx, &id).await?;
            if matches!(format, Format::Json) {
                writeln!(out, "{}", serde_json::to_string_pretty(&p)?)?;
                return Ok(());
            }
            writeln!(out, "{} {} (owner {})", p.id, p.name, p.owner)?;
            writeln!(
                out,
                "MTPD {}; RTO {}; RPO {}",
                words(p.mtpd_minutes),
                words(p.rto_minutes),
                words(p.rpo_minutes)
            )?;
            writeln!(out, "assets: {}", p.assets.join(", "))?;
            writeln!(out, "plans: {}", p.plans.join(", "))?;
        }
        ProcessCommand::Add(args) => {
            let AddArgs { name, id, bia } = *args;
            let v = bia.apply(ProcessInput {
                id,
                name,
                ..Default::default()
            });
            let p = service::create_process(ctx, &v).await?;
            writeln!(out, "added {} ({})", p.id, p.name)?;
        }
        ProcessCommand::Edit(args) => {
            let EditArgs { id, name, bia } = *args;
            let current = service::process(ctx, &id).await?;
            let mut v = bia.apply(ProcessInput::from(&current));
            if let Some(n) = name {
                v.name = n;
            }
            let p = service::update_process(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "saved {} (revision {})", p.id, p.revision)?;
        }
        ProcessCommand::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::ProcessImport, &args).await?
        }
        ProcessCommand::Export(args) => {
            let all = service::all_processes(ctx).await?;
            let scale = service::impact_scale(ctx).await?;
            crate::cli::write_export(&super::exchange::processes_table(&all, &scale), &args)?;
        }
        ProcessCommand::Requirements { asset, format } => {
            let reqs = service::asset_requirements(ctx, asset.as_deref()).await?;
            if matches!(format, Format::Json) {
                writeln!(out, "{}", serde_json::to_string_pretty(&reqs)?)?;
                return Ok(());
            }
            let mut t = table(&[
                "asset",
                "required RTO",
                "required RPO",
                "last test",
                "achieved",
                "gaps",
            ]);
            for r in &reqs {
                t.add_row(vec![
                    r.asset.clone(),
                    format!(
                        "{} ({})",
                        words(r.required_rto_minutes),
                        r.rto_set_by.clone().unwrap_or_default()
                    ),
                    words(r.required_rpo_minutes),
                    r.tested_by.clone().unwrap_or_else(|| "never".into()),
                    words(r.achieved_rto_minutes),
                    if r.gaps.is_empty() {
                        "none".into()
                    } else {
                        r.gaps.join("; ")
                    },
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    Ok(())
}

/// Runs `annex plan …` as the local operator.
pub async fn plan(c: PlanCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        PlanCommand::List => {
            let mut t = table(&["process", "plan"]);
            for p in service::all_processes(ctx).await? {
                t.add_row(vec![
                    format!("{} {}", p.id, p.name),
                    if p.plans.is_empty() {
                        "none".into()
                    } else {
                        p.plans.join(", ")
                    },
                ]);
            }
            writeln!(out, "{t}")?;
        }
        PlanCommand::New { process, document } => {
            let (p, plan) = service::add_plan(ctx, &process, None, document.as_deref()).await?;
            writeln!(out, "{plan} is a plan of {} ({})", p.id, p.name)?;
            if document.is_none() {
                writeln!(
                    out,
                    "started from the continuity plan template: write it, then `annex document submit {plan}`"
                )?;
            }
        }
    }
    Ok(())
}

/// Runs `annex exercise …` as the local operator.
pub async fn exercise(c: ExerciseCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        ExerciseCommand::List { process, format } => {
            let all = match &process {
                None => service::all_exercises(ctx).await?,
                Some(p) => {
                    service::exercises(ctx, Some(p), None, None, 500)
                        .await?
                        .items
                }
            };
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", super::exchange::exercises_table(&all).csv())?,
                Format::Table => {
                    let mut t =
                        table(&["id", "exercise", "kind", "held", "result", "recovered in"]);
                    for e in &all {
                        t.add_row(vec![
                            e.id.clone(),
                            e.title.clone(),
                            e.kind.label().to_string(),
                            e.held_on.clone(),
                            e.result.label().to_string(),
                            words(e.achieved_rto_minutes),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        ExerciseCommand::Show { id } => {
            let e = service::exercise(ctx, &id).await?;
            writeln!(out, "{}", serde_json::to_string_pretty(&e)?)?;
        }
        ExerciseCommand::Record(args) => {
            let RecordArgs {
                title,
                kind,
                result,
                held_on,
                process,
                plan,
                assets,
                scope,
                participants,
                achieved_rto,
                achieved_rpo,
                findings,
            } = *args;
            let e = service::record_exercise(
                ctx,
                &ExerciseInput {
                    title,
                    kind,
                    held_on,
                    process,
                    plan,
                    assets,
                    scope,
                    participants,
                    result,
                    achieved_rto,
                    achieved_rpo,
                    findings,
                },
            )
            .await?;
            writeln!(out, "recorded {} ({})", e.id, e.result.label())?;
            if let Some(ev) = &e.evidence {
                writeln!(
                    out,
                    "evidence {ev} for controls {}",
                    e.kind.controls().join(", ")
                )?;
            }
            if !e.measures.is_empty() {
                writeln!(out, "measures started: {}", e.measures.join(", "))?;
            }
        }
        ExerciseCommand::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::ExerciseImport, &args).await?
        }
        ExerciseCommand::Export(args) => {
            let all = service::all_exercises(ctx).await?;
            crate::cli::write_export(&super::exchange::exercises_table(&all), &args)?;
        }
    }
    Ok(())
}
