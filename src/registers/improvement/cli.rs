//! `annex nonconformity` and `annex action` on the command line.

use super::domain::{ActionInput, ActionQuery, NcQuery, NonconformityInput, ReviewInput};
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

/// A nonconformity's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct NcArgs {
    #[arg(long)]
    description: Option<String>,
    /// finding, incident, scan, complaint, external or manual
    #[arg(long)]
    source: Option<String>,
    /// The record it came from (F-0001, INC-0003)
    #[arg(long)]
    source_ref: Option<String>,
    #[arg(long)]
    clause: Option<String>,
    #[arg(long)]
    control: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    raised_on: Option<String>,
    /// What was done at once
    #[arg(long)]
    correction: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    corrected_on: Option<String>,
    /// One answer to "why?" per flag, first to last (at most five)
    #[arg(long = "why")]
    whys: Vec<String>,
    #[arg(long)]
    root_cause: Option<String>,
}

impl NcArgs {
    fn apply(self, mut v: NonconformityInput) -> NonconformityInput {
        for (to, from) in [
            (&mut v.description, self.description),
            (&mut v.source, self.source),
            (&mut v.owner, self.owner),
            (&mut v.raised_on, self.raised_on),
            (&mut v.correction, self.correction),
            (&mut v.root_cause, self.root_cause),
        ] {
            if let Some(f) = from {
                *to = f;
            }
        }
        for (to, from) in [
            (&mut v.source_ref, self.source_ref),
            (&mut v.clause, self.clause),
            (&mut v.control, self.control),
            (&mut v.corrected_on, self.corrected_on),
        ] {
            if from.is_some() {
                *to = from;
            }
        }
        if !self.whys.is_empty() {
            v.whys = self.whys;
        }
        v
    }
}

#[derive(Subcommand, Debug)]
pub enum NcCommand {
    /// List nonconformities
    #[command(
        after_help = "Examples:\n  annex nonconformity list --state open\n  annex nonconformity list --source finding"
    )]
    List {
        /// finding, incident, scan, complaint, external or manual
        #[arg(long)]
        source: Option<String>,
        /// open or closed
        #[arg(long)]
        state: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Raise a nonconformity
    #[command(
        after_help = "Example:\n  annex nonconformity add --title 'Access rights not reviewed' --source finding --source-ref F-0001 --control 5.18 --owner it0@example.org"
    )]
    Add {
        #[arg(long)]
        title: String,
        #[command(flatten)]
        fields: NcArgs,
    },
    /// Change a nonconformity: correction, whys, root cause (only the flags given)
    #[command(
        after_help = "Example:\n  annex nonconformity edit NC-0001 --why 'No one reviewed them' --why 'HR does not report changes of job' --root-cause 'No trigger from HR on a change of job'"
    )]
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        fields: NcArgs,
    },
    /// Show a nonconformity with its actions
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Review whether its actions were effective (closes it when they were)
    #[command(
        after_help = "Examples:\n  annex nonconformity review NC-0001 --effective --note 'Ten changes of job since: all reviewed'\n  annex nonconformity review NC-0001 --not-effective --note 'Two of ten missed'"
    )]
    Review {
        id: String,
        #[arg(long, conflicts_with = "not_effective")]
        effective: bool,
        #[arg(long)]
        not_effective: bool,
        #[arg(long)]
        note: String,
    },
    /// Import nonconformities from a CSV or XLSX file (all or nothing)
    Import(crate::cli::ImportArgs),
    /// Export the nonconformities
    Export(crate::cli::ExportArgs),
    /// Show the improvement log (27001 10.1)
    Improvements {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

#[derive(Subcommand, Debug)]
pub enum ActionCommand {
    /// List corrective actions
    #[command(
        after_help = "Examples:\n  annex action list --overdue\n  annex action list --nonconformity NC-0001"
    )]
    List {
        #[arg(long)]
        nonconformity: Option<String>,
        /// open, done or cancelled
        #[arg(long)]
        status: Option<String>,
        #[arg(long)]
        overdue: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Plan a corrective action
    #[command(
        after_help = "Example:\n  annex action add --nonconformity NC-0001 --title 'HR reports every change of job' --owner hr0@example.org --due-on 2027-01-31"
    )]
    Add {
        #[arg(long)]
        nonconformity: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        owner: String,
        /// YYYY-MM-DD
        #[arg(long)]
        due_on: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Mark an action done (today unless --on)
    #[command(after_help = "Example:\n  annex action done CA-0001 --note 'HR form changed'")]
    Done {
        id: String,
        /// YYYY-MM-DD
        #[arg(long)]
        on: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Import corrective actions from a CSV or XLSX file (all or nothing)
    Import(crate::cli::ImportArgs),
    /// Export the corrective actions
    Export(crate::cli::ExportArgs),
}

fn pairs(items: &[(&str, Option<String>)]) -> crate::domain::query::Params {
    crate::domain::query::Params::from_pairs(
        items
            .iter()
            .filter_map(|(k, v)| v.clone().map(|v| (k.to_string(), v)))
            .collect(),
    )
}

/// Runs `annex nonconformity …` as the local operator.
pub async fn nonconformity(c: NcCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        NcCommand::List {
            source,
            state,
            format,
        } => {
            let q = NcQuery::read(&pairs(&[("source", source), ("state", state)]))?;
            let all = service::all(ctx, &q).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(
                    out,
                    "{}",
                    super::exchange::nonconformities_table(&all).csv()
                )?,
                Format::Table => {
                    let mut t =
                        table(&["id", "nonconformity", "source", "raised", "owner", "stage"]);
                    for x in &all {
                        t.add_row(vec![
                            x.id.clone(),
                            x.title.clone(),
                            format!(
                                "{} {}",
                                x.source.label(),
                                x.source_ref.clone().unwrap_or_default()
                            ),
                            x.raised_on.clone(),
                            x.owner.clone(),
                            x.stage.label().to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        NcCommand::Add { title, fields } => {
            let v = fields.apply(NonconformityInput {
                title,
                ..Default::default()
            });
            let x = service::create(ctx, &v).await?;
            writeln!(out, "raised {} ({})", x.id, x.title)?;
        }
        NcCommand::Edit { id, title, fields } => {
            let current = service::get(ctx, &id).await?;
            let mut v = fields.apply(NonconformityInput::from(&current));
            if let Some(t) = title {
                v.title = t;
            }
            let x = service::update(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "saved {} ({})", x.id, x.stage.label())?;
        }
        NcCommand::Show { id, format } => {
            let x = service::get(ctx, &id).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&x)?)?,
                _ => {
                    writeln!(out, "{} {} ({})", x.id, x.title, x.stage.label())?;
                    writeln!(
                        out,
                        "Correction: {}\nRoot cause: {}",
                        x.correction, x.root_cause
                    )?;
                    for (i, w) in x.whys.iter().enumerate() {
                        writeln!(out, "Why {}: {w}", i + 1)?;
                    }
                    let mut t = table(&["action", "title", "owner", "due", "status"]);
                    for a in &x.actions {
                        t.add_row(vec![
                            a.id.clone(),
                            a.title.clone(),
                            a.owner.clone(),
                            a.due_on.clone(),
                            a.status.label().to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        NcCommand::Review {
            id,
            effective,
            not_effective,
            note,
        } => {
            if effective == not_effective {
                anyhow::bail!("say --effective or --not-effective");
            }
            let x = service::review(ctx, &id, None, &ReviewInput { effective, note }).await?;
            writeln!(out, "reviewed {}: {}", x.id, x.stage.label())?;
        }
        NcCommand::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::NonconformityImport, &args).await?
        }
        NcCommand::Export(args) => {
            let all = service::all(ctx, &NcQuery::default()).await?;
            crate::cli::write_export(&super::exchange::nonconformities_table(&all), &args)?;
        }
        NcCommand::Improvements { format } => {
            let log = service::log(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&log)?)?,
                Format::Csv => write!(out, "{}", super::exchange::improvements_table(&log).csv())?,
                Format::Table => {
                    let mut t = table(&["on", "record", "title", "what changed"]);
                    for r in &log {
                        t.add_row(vec![
                            r.on.clone(),
                            r.id.clone(),
                            r.title.clone(),
                            r.what.clone(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
    }
    Ok(())
}

/// Runs `annex action …` as the local operator.
pub async fn action(c: ActionCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        ActionCommand::List {
            nonconformity,
            status,
            overdue,
            format,
        } => {
            let q = ActionQuery::read(
                &pairs(&[
                    ("nonconformity", nonconformity),
                    ("status", status),
                    ("overdue", overdue.then(|| "1".to_string())),
                ]),
                &ctx.today(),
            )?;
            let all = service::all_actions(ctx, &q).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", super::exchange::actions_table(&all).csv())?,
                Format::Table => {
                    let today = ctx.today();
                    let mut t = table(&["id", "nonconformity", "action", "owner", "due", "status"]);
                    for a in &all {
                        t.add_row(vec![
                            a.id.clone(),
                            a.nonconformity.clone(),
                            a.title.clone(),
                            a.owner.clone(),
                            a.due_on.clone(),
                            if a.is_overdue(&today) {
                                "overdue".to_string()
                            } else {
                                a.status.label().to_string()
                            },
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        ActionCommand::Add {
            nonconformity,
            title,
            owner,
            due_on,
            note,
        } => {
            let a = service::create_action(
                ctx,
                &ActionInput {
                    nonconformity,
                    title,
                    owner,
                    due_on,
                    note,
                    ..Default::default()
                },
            )
            .await?;
            writeln!(
                out,
                "planned {} for {} (due {})",
                a.id, a.nonconformity, a.due_on
            )?;
        }
        ActionCommand::Done { id, on, note } => {
            let current = service::action(ctx, &id).await?;
            let mut v = ActionInput::from(&current);
            v.status = "done".into();
            v.done_on = on;
            if let Some(n) = note {
                v.note = n;
            }
            let a = service::update_action(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "{} done on {}", a.id, a.done_on.unwrap_or_default())?;
        }
        ActionCommand::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::ActionImport, &args).await?
        }
        ActionCommand::Export(args) => {
            let all = service::all_actions(ctx, &ActionQuery::default()).await?;
            crate::cli::write_export(&super::exchange::actions_table(&all), &args)?;
        }
    }
    Ok(())
}
