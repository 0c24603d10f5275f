//! `annex review` on the command line.

use super::domain::{ReviewActionInput, ReviewInput};
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the management reviews
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Plan a review
    #[command(
        after_help = "Example:\n  annex review add --title 'Management review 2026' --planned-on 2026-12-10 --chair ceo@example.org"
    )]
    Add {
        #[arg(long)]
        title: String,
        /// YYYY-MM-DD
        #[arg(long)]
        planned_on: String,
        #[arg(long, default_value = "")]
        chair: String,
        #[arg(long, default_value = "")]
        attendees: String,
    },
    /// Show a review's input pack (generated now, or as frozen when held)
    #[command(after_help = "Example:\n  annex review show MR-0001 --format json")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Hold a review: its input pack is frozen by its SHA-256
    #[command(after_help = "Example:\n  annex review hold MR-0001")]
    Hold { id: String },
    /// Write a review's decisions, feedback or attendees (only the flags given)
    #[command(
        after_help = "Example:\n  annex review edit MR-0001 --decisions 'Budget for a second security engineer approved'"
    )]
    Edit {
        id: String,
        #[arg(long)]
        decisions: Option<String>,
        #[arg(long)]
        feedback: Option<String>,
        #[arg(long)]
        attendees: Option<String>,
        #[arg(long)]
        chair: Option<String>,
    },
    /// Record an action the review decided on
    #[command(
        after_help = "Example:\n  annex review action MR-0001 --title 'Hire a second security engineer' --owner ceo@example.org --due-on 2027-03-31"
    )]
    Action {
        id: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        owner: String,
        /// YYYY-MM-DD
        #[arg(long)]
        due_on: String,
    },
    /// Write the input pack as a PDF
    #[command(after_help = "Example:\n  annex review pdf MR-0001 --out review.pdf")]
    Pdf {
        id: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Export the reviews
    Export(crate::cli::ExportArgs),
    /// Import reviews from a CSV or XLSX file (all or nothing)
    Import(crate::cli::ImportArgs),
    /// Export the actions reviews decided on
    ExportActions(crate::cli::ExportArgs),
    /// Import the actions of reviews from a CSV or XLSX file (all or nothing)
    ImportActions(crate::cli::ImportArgs),
}

/// Runs `annex review …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::List { format } => {
            let all = service::list(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", super::exchange::reviews_table(&all).csv())?,
                Format::Table => {
                    let mut t = table(&["id", "review", "planned", "held", "open actions"]);
                    for r in &all {
                        t.add_row(vec![
                            r.id.clone(),
                            r.title.clone(),
                            r.planned_on.clone(),
                            r.held_on.clone().unwrap_or_default(),
                            r.open_actions().to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::Add {
            title,
            planned_on,
            chair,
            attendees,
        } => {
            let r = service::create(
                ctx,
                &ReviewInput {
                    title,
                    planned_on,
                    chair,
                    attendees,
                    ..Default::default()
                },
            )
            .await?;
            writeln!(out, "planned {} for {}", r.id, r.planned_on)?;
        }
        Command::Show { id, format } => {
            let r = service::get(ctx, &id).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?,
                _ => {
                    writeln!(
                        out,
                        "{} {} ({}; pack {})\n",
                        r.review.id,
                        r.review.title,
                        r.review.status.label(),
                        if r.frozen {
                            "frozen when held"
                        } else {
                            "generated now"
                        }
                    )?;
                    for s in &r.pack.sections {
                        writeln!(out, "{}", s.title)?;
                        for f in &s.facts {
                            writeln!(out, "  {f}")?;
                        }
                        for row in &s.rows {
                            writeln!(out, "  - {}", row.join(" · "))?;
                        }
                        writeln!(out)?;
                    }
                }
            }
        }
        Command::Hold { id } => {
            let r = service::hold(ctx, &id, None).await?;
            writeln!(
                out,
                "held {} on {}; pack frozen, SHA-256 {}",
                r.review.id,
                r.review.held_on.unwrap_or_default(),
                r.review.pack_sha256.unwrap_or_default()
            )?;
        }
        Command::Edit {
            id,
            decisions,
            feedback,
            attendees,
            chair,
        } => {
            let current = service::get(ctx, &id).await?.review;
            let mut v = ReviewInput::from(&current);
            for (to, from) in [
                (&mut v.decisions, decisions),
                (&mut v.feedback, feedback),
                (&mut v.attendees, attendees),
                (&mut v.chair, chair),
            ] {
                if let Some(f) = from {
                    *to = f;
                }
            }
            let r = service::update(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "saved {} (revision {})", r.id, r.revision)?;
        }
        Command::Action {
            id,
            title,
            owner,
            due_on,
        } => {
            let a = service::create_action(
                ctx,
                &id,
                &ReviewActionInput {
                    title,
                    owner,
                    due_on,
                    status: String::new(),
                },
            )
            .await?;
            writeln!(out, "recorded {} for {}", a.id, a.review)?;
        }
        Command::Pdf { id, out: to } => {
            let (name, bytes) = super::service_pdf::pack_pdf(ctx, &id).await?;
            std::fs::write(&to, &bytes)?;
            writeln!(
                out,
                "wrote {name} to {} ({} bytes)",
                to.display(),
                bytes.len()
            )?;
        }
        Command::Export(args) => {
            let all = service::list(ctx).await?;
            crate::cli::write_export(&super::exchange::reviews_table(&all), &args)?;
        }
        Command::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::ReviewImport, &args).await?
        }
        Command::ExportActions(args) => {
            let all = service::actions(ctx).await?;
            crate::cli::write_export(&super::exchange::actions_table(&all), &args)?;
        }
        Command::ImportActions(args) => {
            crate::cli::import_file(ctx, &super::exchange::ReviewActionImport, &args).await?
        }
    }
    Ok(())
}
