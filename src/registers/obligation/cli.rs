//! `annex obligation`: the obligations register and its starter list on the command line.

use super::domain::{ObligationInput, ObligationQuery, controls_text};
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

/// An obligation's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct FieldArgs {
    #[arg(long)]
    title: Option<String>,
    /// legal, regulatory or contractual
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    reference: Option<String>,
    #[arg(long)]
    url: Option<String>,
    #[arg(long)]
    jurisdiction: Option<String>,
    /// What it asks of the organisation, in your words
    #[arg(long)]
    summary: Option<String>,
    /// The owner's e-mail address
    #[arg(long)]
    owner: Option<String>,
    /// yes or no
    #[arg(long)]
    applicable: Option<String>,
    #[arg(long)]
    applicability_note: Option<String>,
    /// not assessed, compliant, partially compliant or not compliant
    #[arg(long)]
    compliance: Option<String>,
    #[arg(long)]
    counterparty: Option<String>,
    /// A supplier's id
    #[arg(long)]
    supplier: Option<String>,
    /// Controls that satisfy it, e.g. "5.31, 5.34"
    #[arg(long)]
    controls: Option<String>,
    /// Evidence ids, comma-separated
    #[arg(long)]
    evidence: Option<String>,
    /// YYYY-MM-DD of the last review
    #[arg(long)]
    reviewed_on: Option<String>,
}

impl FieldArgs {
    fn apply(self, mut v: ObligationInput) -> anyhow::Result<ObligationInput> {
        let set = |to: &mut String, from: Option<String>| {
            if let Some(f) = from {
                *to = f;
            }
        };
        set(&mut v.title, self.title);
        set(&mut v.kind, self.kind);
        set(&mut v.reference, self.reference);
        set(&mut v.url, self.url);
        set(&mut v.jurisdiction, self.jurisdiction);
        set(&mut v.summary, self.summary);
        set(&mut v.owner, self.owner);
        set(&mut v.applicability_note, self.applicability_note);
        set(&mut v.compliance, self.compliance);
        set(&mut v.counterparty, self.counterparty);
        set(&mut v.supplier, self.supplier);
        set(&mut v.controls, self.controls);
        set(&mut v.evidence, self.evidence);
        set(&mut v.reviewed_on, self.reviewed_on);
        if let Some(a) = self.applicable {
            let mut p = crate::error::Problems::new();
            v.applicable = crate::domain::input::yes_no(&mut p, "applicable", &a);
            p.into_result()?;
        }
        Ok(v)
    }
}

/// `annex obligation add`'s arguments.
#[derive(clap::Args, Debug)]
pub struct AddArgs {
    /// A key of the starter list (gdpr, nis2, dora, cra, …): its facts fill what is not given
    #[arg(long)]
    starter: Option<String>,
    /// Its id (OB-0001 … when absent)
    #[arg(long)]
    id: Option<String>,
    #[command(flatten)]
    fields: FieldArgs,
}

/// `annex obligation edit`'s arguments.
#[derive(clap::Args, Debug)]
pub struct EditArgs {
    id: String,
    #[command(flatten)]
    fields: FieldArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the obligations with their kind, applicability, compliance and controls
    #[command(
        after_help = "Examples:\n  annex obligation list\n  annex obligation list --applicable --format csv"
    )]
    List {
        /// Only those that apply
        #[arg(long)]
        applicable: bool,
        /// Only those linked to this control
        #[arg(long)]
        control: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show an obligation
    #[command(after_help = "Example:\n  annex obligation show OB-0001")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// The starter list's common obligations not yet in the register
    #[command(after_help = "Example:\n  annex obligation starters")]
    Starters,
    /// Add an obligation, or one of the starter list
    #[command(
        after_help = "Examples:\n  annex obligation add --starter gdpr --applicable yes --controls '5.31, 5.34' --owner dpo@example.com\n  annex obligation add --title 'Hosting contract with Acme' --kind contractual --counterparty Acme --applicable yes --controls 5.20"
    )]
    Add(Box<AddArgs>),
    /// Change an obligation (only the flags given)
    #[command(
        after_help = "Example:\n  annex obligation edit OB-0001 --compliance compliant --reviewed-on 2026-11-30"
    )]
    Edit(Box<EditArgs>),
    /// Import obligations from a CSV or XLSX file (all or nothing)
    #[command(
        after_help = "Examples:\n  annex obligation import legal-register.xlsx --dry-run\n  annex obligation import legal-register.csv"
    )]
    Import(crate::cli::ImportArgs),
    /// Export the obligations register
    #[command(
        after_help = "Example:\n  annex obligation export --format xlsx --out obligations.xlsx"
    )]
    Export(crate::cli::ExportArgs),
}

/// Runs `annex obligation …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::List {
            applicable,
            control,
            format,
        } => {
            let mut pairs = Vec::new();
            if applicable {
                pairs.push(("applicable".to_string(), "1".to_string()));
            }
            if let Some(c) = control {
                pairs.push(("control".to_string(), c));
            }
            let q = ObligationQuery::read(
                &crate::domain::query::Params::from_pairs(pairs),
                &ctx.today(),
            )?;
            let all = service::all(ctx, &q).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", super::exchange::obligations_table(&all).csv())?,
                Format::Table => {
                    let mut t = table(&[
                        "id",
                        "obligation",
                        "kind",
                        "applies",
                        "compliance",
                        "controls",
                    ]);
                    for o in &all {
                        t.add_row(vec![
                            o.id.clone(),
                            o.title.clone(),
                            o.kind.label().to_string(),
                            crate::domain::input::yes(o.applicable),
                            o.compliance.label().to_string(),
                            controls_text(&o.controls),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(all.len(), "obligation", "obligations")
                    )?;
                }
            }
        }
        Command::Show { id, format } => {
            let o = service::get(ctx, &id).await?;
            if matches!(format, Format::Json) {
                writeln!(out, "{}", serde_json::to_string_pretty(&o)?)?;
                return Ok(());
            }
            writeln!(out, "{} {} ({})", o.id, o.title, o.kind.label())?;
            writeln!(out, "reference: {} {}", o.reference, o.url)?;
            writeln!(out, "jurisdiction: {}", o.jurisdiction)?;
            writeln!(
                out,
                "applies: {}{}",
                crate::domain::input::yes(o.applicable),
                if o.applicability_note.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", o.applicability_note)
                }
            )?;
            writeln!(out, "compliance: {}", o.compliance.label())?;
            writeln!(out, "controls: {}", controls_text(&o.controls))?;
            if !o.summary.is_empty() {
                writeln!(out, "{}", o.summary)?;
            }
        }
        Command::Starters => {
            let mut t = table(&["starter", "obligation", "reference", "jurisdiction"]);
            for s in service::starters(ctx).await? {
                t.add_row(vec![
                    s.key.to_string(),
                    s.title.to_string(),
                    s.reference.to_string(),
                    s.jurisdiction.to_string(),
                ]);
            }
            writeln!(out, "{t}")?;
            writeln!(
                out,
                "Add one that applies: annex obligation add --starter KEY --applicable yes --controls '5.31'"
            )?;
        }
        Command::Add(args) => {
            let AddArgs {
                starter,
                id,
                fields,
            } = *args;
            let v = fields.apply(ObligationInput {
                id,
                starter: starter.unwrap_or_default(),
                ..Default::default()
            })?;
            let o = service::create(ctx, &v).await?;
            writeln!(out, "added {} ({})", o.id, o.title)?;
        }
        Command::Edit(args) => {
            let EditArgs { id, fields } = *args;
            let current = service::get(ctx, &id).await?;
            let v = fields.apply(ObligationInput::from(&current))?;
            let o = service::update(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "saved {} (revision {})", o.id, o.revision)?;
        }
        Command::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::ObligationImport, &args).await?
        }
        Command::Export(args) => {
            let all = service::all(ctx, &ObligationQuery::default()).await?;
            crate::cli::write_export(&super::exchange::obligations_table(&all), &args)?;
        }
    }
    Ok(())
}
