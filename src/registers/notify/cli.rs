//! `annex mail` on the command line: a test message, the outbox, sending what waits now, and
//! the webhooks.

use super::domain_webhook::WebhookInput;
use super::{service, service_webhook};
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
    /// List the webhooks
    #[command(after_help = "Example:\n  annex mail webhooks --format json")]
    Webhooks {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a webhook and print its signing key (shown this once)
    #[command(
        name = "webhook-add",
        after_help = "Example:\n  annex mail webhook-add --name '#security' --url https://hooks.slack.com/services/… --format slack --events deadline,escalation"
    )]
    WebhookAdd {
        #[arg(long)]
        name: String,
        #[arg(long)]
        url: String,
        /// json (Annex's own fields), slack or teams
        #[arg(long, default_value = "json")]
        format: String,
        /// deadline, assignment, escalation, host (comma-separated); every event by default
        #[arg(long, default_value = "")]
        events: String,
    },
    /// Post a test event to a webhook now
    #[command(
        name = "webhook-test",
        after_help = "Example:\n  annex mail webhook-test WH-0001"
    )]
    WebhookTest { id: String },
    /// Remove a webhook (events waiting for it are not sent)
    #[command(
        name = "webhook-remove",
        after_help = "Example:\n  annex mail webhook-remove WH-0001"
    )]
    WebhookRemove { id: String },
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
            let d = service::deliver(ctx, &format!("cli:{}", std::process::id())).await?;
            writeln!(
                out,
                "{} sent, {} to try again, {} given up",
                d.sent, d.retried, d.given_up
            )?;
            if ctx.mailer().is_none() {
                writeln!(
                    out,
                    "e-mail is not set up, so only webhooks' events went: give smtp_host and smtp_from in annex.toml (or ANNEX_SMTP_HOST and ANNEX_SMTP_FROM)"
                )?;
            }
        }
        Command::Webhooks { format } => {
            let hooks = service_webhook::list(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&hooks)?)?,
                _ => {
                    let mut t = table(&["id", "name", "posts to", "as", "events", "state"]);
                    for w in &hooks {
                        t.add_row(vec![
                            w.id.clone(),
                            w.name.clone(),
                            format!("{}/…", w.target),
                            w.format.label().to_string(),
                            w.events
                                .iter()
                                .map(|k| k.label())
                                .collect::<Vec<_>>()
                                .join("; "),
                            if w.enabled { "on" } else { "off" }.to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::WebhookAdd {
            name,
            url,
            format,
            events,
        } => {
            let made = service_webhook::create(
                ctx,
                &WebhookInput {
                    name,
                    url,
                    format,
                    events,
                    enabled: String::new(),
                },
            )
            .await?;
            writeln!(
                out,
                "added {} ({}), posting to {}/…\nits signing key (not shown again): {}",
                made.webhook.id, made.webhook.name, made.webhook.target, made.signing_key
            )?;
        }
        Command::WebhookTest { id } => {
            let said = service_webhook::test(ctx, id.trim()).await?;
            writeln!(out, "delivered: {said}")?;
        }
        Command::WebhookRemove { id } => {
            service_webhook::remove(ctx, id.trim(), None).await?;
            writeln!(out, "removed {}", id.trim())?;
        }
    }
    Ok(())
}
