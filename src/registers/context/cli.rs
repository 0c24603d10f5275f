//! `annex context` (the issues) and `annex scope` (the scope statement and its approval) on
//! the command line.

use super::domain::{IssueInput, IssueQuery, SCOPE_PARTS, ScopeText};
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

/// An issue's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct FieldArgs {
    /// internal or external
    #[arg(long)]
    side: Option<String>,
    /// strategic, organisational, technological, legal, economic, social, environmental,
    /// partners or other
    #[arg(long)]
    category: Option<String>,
    #[arg(long)]
    description: Option<String>,
    /// How it affects what the ISMS must achieve
    #[arg(long)]
    effect: Option<String>,
    /// risk, opportunity or both
    #[arg(long)]
    bearing: Option<String>,
    /// Risk ids, comma-separated
    #[arg(long)]
    risks: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    reviewed_on: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    review_due: Option<String>,
}

impl FieldArgs {
    fn apply(self, mut v: IssueInput) -> IssueInput {
        let set = |to: &mut String, from: Option<String>| {
            if let Some(f) = from {
                *to = f;
            }
        };
        set(&mut v.side, self.side);
        set(&mut v.category, self.category);
        set(&mut v.description, self.description);
        set(&mut v.effect, self.effect);
        set(&mut v.bearing, self.bearing);
        set(&mut v.risks, self.risks);
        set(&mut v.owner, self.owner);
        set(&mut v.reviewed_on, self.reviewed_on);
        set(&mut v.review_due, self.review_due);
        v
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the issues of the organisation's context
    #[command(
        after_help = "Examples:\n  annex context list\n  annex context list --side external --review-due"
    )]
    List {
        /// internal or external
        #[arg(long)]
        side: Option<String>,
        #[arg(long)]
        category: Option<String>,
        /// Only those whose review has come
        #[arg(long)]
        review_due: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add an issue
    #[command(
        after_help = "Example:\n  annex context add --title 'Most staff work from home' --side internal --category organisational --effect 'endpoints and home networks are in scope'"
    )]
    Add {
        #[arg(long)]
        title: String,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Change an issue (only the flags given)
    #[command(after_help = "Example:\n  annex context edit CI-0001 --reviewed-on 2026-11-30")]
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Import issues from a CSV or XLSX file (all or nothing)
    #[command(
        after_help = "Examples:\n  annex context import issues.xlsx --dry-run\n  annex context import issues.csv"
    )]
    Import(crate::cli::ImportArgs),
    /// Export the issues
    #[command(after_help = "Example:\n  annex context export --format xlsx --out issues.xlsx")]
    Export(crate::cli::ExportArgs),
}

#[derive(Subcommand, Debug)]
pub enum ScopeCommand {
    /// Show the scope as written, and whether it is approved
    #[command(after_help = "Examples:\n  annex scope show\n  annex scope show --version 2")]
    Show {
        /// An approved version instead of the text as written
        #[arg(long)]
        version: Option<i64>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Write the scope (only the parts given)
    #[command(
        after_help = "Example:\n  annex scope edit --statement 'Payroll services for customers, run from Brno and Athens' --interfaces 'customers' HR systems'"
    )]
    Edit {
        #[arg(long)]
        statement: Option<String>,
        #[arg(long)]
        boundaries: Option<String>,
        #[arg(long)]
        interfaces: Option<String>,
        #[arg(long)]
        dependencies: Option<String>,
        #[arg(long)]
        exclusions: Option<String>,
    },
    /// Approve the scope as written: it is kept as the next version
    #[command(
        after_help = "Example:\n  annex scope approve --note 'management meeting of 2026-11-30'"
    )]
    Approve {
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List the approved versions
    Versions,
}

/// Runs `annex context …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::List {
            side,
            category,
            review_due,
            format,
        } => {
            let mut params = Vec::new();
            if let Some(s) = side {
                params.push(("side".to_string(), s));
            }
            if let Some(c) = category {
                params.push(("category".to_string(), c));
            }
            if review_due {
                params.push(("review_due".to_string(), "1".to_string()));
            }
            let q = IssueQuery::read(
                &crate::domain::query::Params::from_pairs(params),
                &ctx.today(),
            )?;
            let all = service::all(ctx, &q).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", super::exchange::issues_table(&all).csv())?,
                Format::Table => {
                    let mut t = table(&["id", "issue", "side", "category", "next review"]);
                    for x in &all {
                        t.add_row(vec![
                            x.id.clone(),
                            x.title.clone(),
                            x.side.label().to_string(),
                            x.category.label().to_string(),
                            x.review_due.clone().unwrap_or_default(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::Add { title, fields } => {
            let v = fields.apply(IssueInput {
                title,
                ..Default::default()
            });
            let x = service::create(ctx, &v).await?;
            writeln!(out, "added {} ({})", x.id, x.title)?;
        }
        Command::Edit { id, title, fields } => {
            let current = service::get(ctx, &id).await?;
            let mut v = fields.apply(IssueInput::from(&current));
            if let Some(t) = title {
                v.title = t;
            }
            let x = service::update(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "saved {} (revision {})", x.id, x.revision)?;
        }
        Command::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::IssueImport, &args).await?
        }
        Command::Export(args) => {
            let all = service::all(ctx, &IssueQuery::default()).await?;
            crate::cli::write_export(&super::exchange::issues_table(&all), &args)?;
        }
    }
    Ok(())
}

fn write_text(out: &mut impl Write, t: &ScopeText) -> std::io::Result<()> {
    for (key, label) in SCOPE_PARTS {
        let text = t.part(key);
        writeln!(
            out,
            "{label}:\n  {}\n",
            if text.is_empty() {
                "(not written)".to_string()
            } else {
                text.replace('\n', "\n  ")
            }
        )?;
    }
    Ok(())
}

/// Runs `annex scope …` as the local operator.
pub async fn scope(c: ScopeCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        ScopeCommand::Show {
            version: Some(n),
            format,
        } => {
            let v = service::scope_version(ctx, n).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?,
                _ => {
                    writeln!(
                        out,
                        "Version {} approved by {} on {}\n",
                        v.version,
                        v.approved_by,
                        crate::domain::clock::display(&v.approved_at)
                    )?;
                    write_text(&mut out, &v.text)?;
                }
            }
        }
        ScopeCommand::Show {
            version: None,
            format,
        } => {
            let (s, versions) = service::scope(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?,
                _ => {
                    match versions.first() {
                        None => writeln!(out, "Never approved.\n")?,
                        Some(v) => {
                            let changed = s.text.changed_from(&v.text);
                            if changed.is_empty() {
                                writeln!(out, "Approved as version {}.\n", v.version)?
                            } else {
                                writeln!(
                                    out,
                                    "Version {} is approved; changed since: {}.\n",
                                    v.version,
                                    changed.join(", ")
                                )?
                            }
                        }
                    }
                    write_text(&mut out, &s.text)?;
                }
            }
        }
        ScopeCommand::Edit {
            statement,
            boundaries,
            interfaces,
            dependencies,
            exclusions,
        } => {
            let (s, _) = service::scope(ctx).await?;
            let mut t = s.text.clone();
            for (to, from) in [
                (&mut t.statement, statement),
                (&mut t.boundaries, boundaries),
                (&mut t.interfaces, interfaces),
                (&mut t.dependencies, dependencies),
                (&mut t.exclusions, exclusions),
            ] {
                if let Some(f) = from {
                    *to = f;
                }
            }
            let after = service::update_scope(ctx, Some(s.revision), &t).await?;
            writeln!(out, "saved the scope (revision {})", after.revision)?;
        }
        ScopeCommand::Approve { note } => {
            let v = service::approve_scope(ctx, None, &note).await?;
            writeln!(
                out,
                "approved the scope as version {} (SHA-256 {})",
                v.version, v.sha256
            )?;
        }
        ScopeCommand::Versions => {
            let (_, versions) = service::scope(ctx).await?;
            let mut t = table(&["version", "approved by", "on", "note", "intact"]);
            for v in &versions {
                t.add_row(vec![
                    v.version.to_string(),
                    v.approved_by.clone(),
                    crate::domain::clock::display(&v.approved_at),
                    v.note.clone(),
                    crate::domain::input::yes(v.intact),
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    Ok(())
}
