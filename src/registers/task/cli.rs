//! `annex task` on the command line: anyone's tasks (the operator names the owner), or
//! everyone's due soon; writing, finishing and commenting on tasks.

use super::domain::{CommentInput, TaskInput, TaskQuery};
use super::service;
use crate::cli::{Format, table};
use crate::domain::query::Params;
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List tasks: one person's (--owner), or everyone's due within 30 days (or --until)
    #[command(
        after_help = "Examples:\n  annex task list --owner ann@example.org\n  annex task list --until 7 --kind measure --format csv"
    )]
    List {
        /// Whose tasks (an e-mail); everyone's when left out
        #[arg(long)]
        owner: Option<String>,
        /// The register a task comes from (`measure`, `evidence`, `risk review`, …)
        #[arg(long)]
        kind: Option<String>,
        /// Due on or before this day (YYYY-MM-DD) or within this many days
        #[arg(long)]
        until: Option<String>,
        /// Only tasks nobody owns
        #[arg(long)]
        unowned: bool,
        /// At most this many, the soonest (1 to 10000; 1000 when left out)
        #[arg(long)]
        limit: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Write a task for someone
    #[command(
        after_help = "Example:\n  annex task add --title 'Renew the TLS certificate of the VPN' --owner ann@example.org --due-on 2026-12-20 --link A-0042"
    )]
    Add {
        #[arg(long)]
        title: String,
        #[arg(long)]
        owner: String,
        /// YYYY-MM-DD
        #[arg(long, default_value = "")]
        due_on: String,
        /// The id of a record it is about (R-0001, M-0003, …)
        #[arg(long, default_value = "")]
        link: String,
        #[arg(long, default_value = "")]
        description: String,
    },
    /// Show a written task with its comments
    #[command(after_help = "Example:\n  annex task show T-0003 --format json")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Mark a written task done (--reopen: open again)
    #[command(
        after_help = "Examples:\n  annex task done T-0003\n  annex task done T-0003 --reopen"
    )]
    Done {
        id: String,
        #[arg(long)]
        reopen: bool,
    },
    /// Comment on a written task
    #[command(
        after_help = "Example:\n  annex task comment T-0003 --body 'Two teams have sent theirs'"
    )]
    Comment {
        id: String,
        #[arg(long)]
        body: String,
    },
}

/// Runs `annex task …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::List {
            owner,
            kind,
            until,
            unowned,
            limit,
            format,
        } => {
            let params = Params::from_flags([
                ("owner", owner),
                ("kind", kind),
                ("until", until),
                ("unowned", unowned.then(|| "1".to_string())),
                ("limit", limit),
            ]);
            let q = TaskQuery::read(&params, &ctx.today())?;
            let (tasks, more) = service::list(ctx, &q).await?;
            let names = crate::registers::responsibility::service::names(ctx).await?;
            let today = ctx.today();
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&tasks)?)?,
                Format::Csv => write!(
                    out,
                    "{}",
                    super::exchange::tasks_table(&tasks, &names, &today, &ctx.public_url()).csv()
                )?,
                Format::Table => {
                    let mut t = table(&["due", "when", "task", "from", "owner", "record"]);
                    for x in &tasks {
                        t.add_row(vec![
                            x.due_on.clone().unwrap_or_default(),
                            x.bucket(&today).label().to_string(),
                            format!("{}: {}", x.kind.verb(), x.title),
                            x.kind.label().to_string(),
                            crate::domain::words::person(&names, &x.owner),
                            x.record.clone(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    let shown = crate::domain::words::count(tasks.len(), "task", "tasks");
                    if more {
                        writeln!(
                            out,
                            "{shown}, the soonest: there are more (--limit up to 10000, or narrow with --until or --kind)"
                        )?;
                    } else {
                        writeln!(out, "{shown}")?;
                    }
                }
            }
        }
        Command::Add {
            title,
            owner,
            due_on,
            link,
            description,
        } => {
            let t = service::create(
                ctx,
                &TaskInput {
                    title,
                    owner,
                    due_on,
                    link,
                    description,
                    status: String::new(),
                },
            )
            .await?;
            writeln!(out, "wrote {} for {}", t.id, t.owner)?;
        }
        Command::Show { id, format } => {
            let t = service::get(ctx, &id).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&t)?)?,
                _ => {
                    writeln!(
                        out,
                        "{} {} ({}; for {}; due {})",
                        t.id,
                        t.title,
                        t.status.label(),
                        t.owner,
                        t.due_on.as_deref().unwrap_or("no day")
                    )?;
                    if !t.description.is_empty() {
                        writeln!(out, "\n{}", t.description)?;
                    }
                    for c in &t.comments {
                        writeln!(
                            out,
                            "\n{} ({}):\n{}",
                            c.author,
                            crate::domain::clock::display(&c.written_at),
                            c.body
                        )?;
                    }
                }
            }
        }
        Command::Done { id, reopen } => {
            let t = service::set_done(ctx, &id, None, !reopen).await?;
            writeln!(out, "{} is {}", t.id, t.status.label())?;
        }
        Command::Comment { id, body } => {
            let c = service::comment(ctx, &id, &CommentInput { body }).await?;
            writeln!(out, "comment {} added to {id}", c.seq)?;
        }
    }
    Ok(())
}
