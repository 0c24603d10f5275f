//! `annex jobs` on the command line: the scheduler's jobs, and running one now.

use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the jobs with their last and next runs
    #[command(after_help = "Examples:\n  annex jobs\n  annex jobs list --format json")]
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Run a job now in this process (it waits while another instance runs it)
    #[command(after_help = "Example:\n  annex jobs run digests")]
    Run { name: String },
}

/// Runs `annex jobs …` as the local operator (`annex jobs` alone lists them).
pub async fn run(c: Option<Command>, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c.unwrap_or(Command::List {
        format: Format::Table,
    }) {
        Command::List { format } => {
            let jobs = service::list(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&jobs)?)?,
                _ => {
                    let mut t = table(&[
                        "job", "schedule", "last run", "outcome", "next run", "runs", "failures",
                    ]);
                    for j in &jobs {
                        t.add_row(vec![
                            j.name.clone(),
                            j.schedule.clone(),
                            j.last_finished_at
                                .as_deref()
                                .map(crate::domain::clock::display)
                                .unwrap_or_else(|| "never".into()),
                            if j.last_error.is_empty() {
                                j.last_outcome.clone()
                            } else {
                                format!("failed: {}", j.last_error)
                            },
                            crate::domain::clock::display(&j.next_run_at),
                            j.runs.to_string(),
                            j.failures.to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::Run { name } => {
            service::run_soon(ctx, &name).await?;
            let ran = service::tick_one(ctx, &name, &format!("cli:{}", std::process::id())).await?;
            match ran {
                Some(Ok(outcome)) => writeln!(out, "{name}: {outcome}")?,
                Some(Err(e)) => anyhow::bail!("{name} failed: {e}"),
                None => writeln!(
                    out,
                    "{name} is running on another instance; it will run again at its next tick"
                )?,
            }
        }
    }
    Ok(())
}
