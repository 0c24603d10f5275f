//! `annex evidence`: the evidence vault on the command line — add a file (streamed from disk,
//! hashed, type-checked) or a link, a new version of a file, the list (filters built straight
//! from the flags), one item, and a file written out after checking its SHA-256.

use super::domain::{EvidenceFilter, EvidenceInput, State, Target, parse_days};
use super::service;
use crate::cli::{Format, table};
use crate::error::Error;
use crate::service::Ctx;
use anyhow::Context;
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;

fn state_arg(raw: &str) -> Result<State, String> {
    if raw.trim() == "none" {
        return Err(
            "'none' is not an item's state: use valid, expiring, failing or expired".into(),
        );
    }
    State::parse(raw)
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Add a file (or, with --link, a link) as evidence
    #[command(
        after_help = "Examples:\n  annex evidence add restore-test.pdf --control 8.13 --valid-until 2027-03-31\n  annex evidence add --link https://tickets.example.org/CHG-42 --title 'Change approval' --control 8.32\n\nThe file is kept by its SHA-256 under the data dir (in the database on PostgreSQL)."
    )]
    Add {
        /// The file to keep (not with --link)
        file: Option<PathBuf>,
        /// A web address instead of a file
        #[arg(long)]
        link: Option<String>,
        /// Defaults to the file's name
        #[arg(long)]
        title: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Control ids of ISO/IEC 27002:2022, comma-separated
        #[arg(long)]
        control: Option<String>,
        /// Measure ids, comma-separated
        #[arg(long)]
        measure: Option<String>,
        /// Risk ids, comma-separated
        #[arg(long)]
        risk: Option<String>,
        /// YYYY-MM-DD; today by default
        #[arg(long)]
        collected_at: Option<String>,
        /// YYYY-MM-DD; none by default
        #[arg(long)]
        valid_until: Option<String>,
        /// Who collected it; you by default
        #[arg(long)]
        collected_by: Option<String>,
    },
    /// Upload a new version of an item's file (the earlier ones are kept)
    #[command(
        after_help = "Example:\n  annex evidence version E-0004 restore-test-q2.pdf --valid-until 2027-06-30"
    )]
    Version {
        id: String,
        file: PathBuf,
        /// YYYY-MM-DD; today by default
        #[arg(long)]
        collected_at: Option<String>,
        /// YYYY-MM-DD; kept as it was by default
        #[arg(long)]
        valid_until: Option<String>,
    },
    /// List evidence
    #[command(
        after_help = "Examples:\n  annex evidence list\n  annex evidence list --expiring 30d\n  annex evidence list --state expired --format csv\n  annex evidence list --control 8.13\n  annex evidence list --state failing"
    )]
    List {
        /// Valid today and ending within this many days (30 or 30d)
        #[arg(long)]
        expiring: Option<String>,
        /// valid, expiring, failing (a scan shows its control failing) or expired
        #[arg(long, value_parser = state_arg)]
        state: Option<State>,
        #[arg(long)]
        control: Option<String>,
        #[arg(long)]
        measure: Option<String>,
        #[arg(long)]
        risk: Option<String>,
        #[arg(long)]
        q: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show an item with its versions (JSON)
    Show { id: String },
    /// Write an item's file (checked against its SHA-256) to a file
    #[command(
        after_help = "Example:\n  annex evidence get E-0004 --out restore-test.pdf\n  annex evidence get E-0004 --version 1 --out first.pdf"
    )]
    Get {
        id: String,
        /// The newest by default
        #[arg(long)]
        version: Option<i64>,
        #[arg(long)]
        out: PathBuf,
    },
}
/// Runs `annex evidence …` as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::Add {
            file,
            link,
            title,
            description,
            control,
            measure,
            risk,
            collected_at,
            valid_until,
            collected_by,
        } => {
            if file.is_some() == link.is_some() {
                return Err(Error::BadRequest(
                    "give a FILE to keep, or --link URL (one of them)".into(),
                )
                .into());
            }
            let incoming = match &file {
                Some(path) => Some(super::web::file_from_disk(ctx, path).await?),
                None => None,
            };
            let v = EvidenceInput {
                title: title
                    .or_else(|| incoming.as_ref().map(|f| f.file_name.clone()))
                    .unwrap_or_default(),
                description: description.unwrap_or_default(),
                url: link.unwrap_or_default(),
                collected_at: collected_at.unwrap_or_default(),
                valid_until: valid_until.unwrap_or_default(),
                collected_by: collected_by.unwrap_or_default(),
                controls: control.unwrap_or_default(),
                measures: measure.unwrap_or_default(),
                risks: risk.unwrap_or_default(),
            };
            let e = service::create(ctx, &v, incoming).await?;
            writeln!(
                out,
                "added {} {}{} ({})",
                e.id,
                e.title,
                e.file
                    .as_ref()
                    .map(|f| format!(", {} bytes, sha256 {}", f.size, f.sha256))
                    .unwrap_or_default(),
                e.state.label()
            )?;
        }
        Command::Version {
            id,
            file,
            collected_at,
            valid_until,
        } => {
            let f = super::web::file_from_disk(ctx, &file).await?;
            let today = ctx.today();
            let collected = match collected_at {
                Some(c) => crate::domain::input::parse_date(&c)
                    .map_err(|m| Error::field("--collected-at", m))?,
                None => today,
            };
            let valid = match valid_until {
                Some(v) if v.trim().is_empty() => Some(None),
                Some(v) => Some(Some(
                    crate::domain::input::parse_date(&v)
                        .map_err(|m| Error::field("--valid-until", m))?,
                )),
                None => None,
            };
            let e = service::add_version(ctx, &id, None, f, Some(collected), valid).await?;
            writeln!(out, "{} is now at version {}", e.id, e.version)?;
        }
        Command::List {
            expiring,
            state,
            control,
            measure,
            risk,
            q,
            format,
        } => {
            let expiring_within = match expiring {
                Some(raw) => Some(parse_days(&raw).map_err(|m| Error::field("--expiring", m))?),
                None => None,
            };
            let targets = [
                (Target::Control, control),
                (Target::Measure, measure),
                (Target::Risk, risk),
            ];
            let targets = targets
                .into_iter()
                .filter_map(|(t, id)| id.map(|id| (t, id)))
                .collect();
            let filter = EvidenceFilter {
                state,
                expiring_within,
                targets,
                q,
                limit: i64::MAX / 2,
            };
            let (items, _) = service::list(ctx, &filter).await?;
            let rows: Vec<Vec<String>> = items
                .iter()
                .map(|e| {
                    vec![
                        e.id.clone(),
                        e.title.clone(),
                        e.collected_at.clone(),
                        e.valid_until.clone().unwrap_or_default(),
                        e.state.label().to_string(),
                        match (&e.file, &e.host) {
                            (Some(f), _) => f.file_name.clone(),
                            (None, Some(host)) => format!("scans of {host}"),
                            (None, None) => e.url.clone(),
                        },
                        [e.controls.clone(), e.measures.clone(), e.risks.clone()]
                            .concat()
                            .join(", "),
                    ]
                })
                .collect();
            let header = [
                "id",
                "title",
                "collected_at",
                "valid_until",
                "state",
                "file_or_link",
                "attached_to",
            ];
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&items)?)?,
                Format::Csv => {
                    let mut t = crate::exchange::Table::new("Evidence", &header, &[]);
                    t.rows = rows;
                    write!(out, "{}", t.csv())?
                }
                Format::Table => {
                    let mut t = table(&header);
                    for r in rows {
                        t.add_row(r);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(items.len(), "item", "items")
                    )?;
                }
            }
        }
        Command::Show { id } => {
            let e = service::get(ctx, &id).await?;
            let versions = service::versions(ctx, &id).await?;
            let mut v = serde_json::to_value(&e)?;
            v["versions"] = serde_json::to_value(&versions)?;
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        Command::Get {
            id,
            version,
            out: path,
        } => {
            let (v, mut r) = service::download(ctx, &id, version).await?;
            let mut f = std::fs::File::create(&path)
                .with_context(|| format!("creating {}", path.display()))?;
            while let Some(chunk) = r.next().await? {
                f.write_all(&chunk)?;
            }
            writeln!(
                out,
                "wrote {} (version {}, {} bytes, sha256 {} checked)",
                path.display(),
                v.version,
                v.size,
                v.sha256
            )?;
        }
    }
    Ok(())
}
