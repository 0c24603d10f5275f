//! `annex mail` on the command line: a test message, the outbox, and sending what waits now.

use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Send a test message through the configured SMTP server now
    #[command(after_help = "Example:\n  annex mail test --to ann@example.org")]
    Test {
        #[arg(long)]
        to: String,
    },
    /// List the newest messages of the outbox
    #[command(after_help = "Example:\n  annex mail outbox --state failed")]
    Outbox {
        /// pending, sent or failed
        #[arg(long)]
        state: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Send what waits in the outbox now (the scheduler does so every minute)
    #[command(after_help = "Example:\n  annex mail send")]
    Send,
}

/// Runs `annex mail …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::Test { to } => {
            let server = service::send_test(ctx, &to).await?;
            writeln!(out, "sent a test message to {} through {server}", to.trim())?;
        }
        Command::Outbox { state, format } => {
            let o = service::outbox(ctx, state.as_deref()).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&o)?)?,
                _ => {
                    let mut t = table(&["written", "to", "subject", "state", "attempts", "error"]);
                    for m in &o.items {
                        let state = match (&m.sent_at, &m.failed_at) {
                            (Some(at), _) => format!("sent {}", crate::domain::clock::display(at)),
                            (None, Some(at)) => {
                                format!("given up {}", crate::domain::clock::display(at))
                            }
                            (None, None) => "waiting".into(),
                        };
                        t.add_row(vec![
                            crate::domain::clock::display(&m.created_at),
                            m.recipient.clone(),
                            m.subject.clone(),
                            state,
                            m.attempts.to_string(),
                            m.last_error.clone(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{} waiting, {} sent, {} failed; {}",
                        o.pending,
                        o.sent,
                        o.failed,
                        o.server
                            .map(|s| format!("e-mail goes through {s}"))
                            .unwrap_or_else(|| "e-mail is not set up".into())
                    )?;
                }
            }
        }
        Command::Send => {
            if ctx.mailer().is_none() {
                anyhow::bail!(
                    "e-mail is not set up: give smtp_host and smtp_from in annex.toml (or ANNEX_SMTP_HOST and ANNEX_SMTP_FROM)"
                );
            }
            let d = service::deliver(ctx, &format!("cli:{}", std::process::id())).await?;
            writeln!(
                out,
                "{} sent, {} to try again, {} given up",
                d.sent, d.retried, d.given_up
            )?;
        }
    }
    Ok(())
}
