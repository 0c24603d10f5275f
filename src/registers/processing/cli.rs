//! `annex processing`: the record of processing activities on the command line.

use super::domain::{ProcessingInput, transfers_text};
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

/// An activity's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct FieldArgs {
    #[arg(long)]
    owner: Option<String>,
    #[arg(long)]
    purposes: Option<String>,
    /// consent, contract, legal obligation, vital interests, public task or legitimate interests
    #[arg(long)]
    legal_basis: Option<String>,
    /// Separated by ';'
    #[arg(long)]
    data_categories: Option<String>,
    /// yes or no
    #[arg(long)]
    special_categories: Option<String>,
    /// Separated by ';'
    #[arg(long)]
    data_subjects: Option<String>,
    /// Separated by ';'
    #[arg(long)]
    recipients: Option<String>,
    /// Supplier ids, comma-separated
    #[arg(long)]
    processors: Option<String>,
    /// "country | safeguard", separated by ';'
    #[arg(long)]
    transfers: Option<String>,
    #[arg(long)]
    retention: Option<String>,
    /// Asset ids, comma-separated
    #[arg(long)]
    assets: Option<String>,
    #[arg(long)]
    security: Option<String>,
    /// yes or no
    #[arg(long)]
    dpia_required: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    reviewed_on: Option<String>,
}

impl FieldArgs {
    fn apply(self, mut v: ProcessingInput) -> anyhow::Result<ProcessingInput> {
        let set = |to: &mut String, from: Option<String>| {
            if let Some(f) = from {
                *to = f;
            }
        };
        set(&mut v.owner, self.owner);
        set(&mut v.purposes, self.purposes);
        set(&mut v.legal_basis, self.legal_basis);
        set(&mut v.data_categories, self.data_categories);
        set(&mut v.data_subjects, self.data_subjects);
        set(&mut v.recipients, self.recipients);
        set(&mut v.processors, self.processors);
        set(&mut v.transfers, self.transfers);
        set(&mut v.retention, self.retention);
        set(&mut v.assets, self.assets);
        set(&mut v.security, self.security);
        set(&mut v.reviewed_on, self.reviewed_on);
        let mut p = crate::error::Problems::new();
        if let Some(s) = self.special_categories {
            v.special_categories = crate::domain::input::yes_no(&mut p, "special_categories", &s);
        }
        if let Some(d) = self.dpia_required {
            v.dpia_required = crate::domain::input::yes_no(&mut p, "dpia_required", &d);
        }
        p.into_result()?;
        Ok(v)
    }
}

/// `annex processing add`'s arguments.
#[derive(clap::Args, Debug)]
pub struct AddArgs {
    #[arg(long)]
    name: String,
    /// Its id (PA-0001 … when absent)
    #[arg(long)]
    id: Option<String>,
    #[command(flatten)]
    fields: FieldArgs,
}

/// `annex processing edit`'s arguments.
#[derive(clap::Args, Debug)]
pub struct EditArgs {
    id: String,
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    fields: FieldArgs,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the processing activities with their legal basis, processors, transfers and gaps
    #[command(
        after_help = "Examples:\n  annex processing list\n  annex processing list --supplier SUP-0001 --format csv"
    )]
    List {
        /// Only those this supplier processes for us
        #[arg(long)]
        supplier: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show a processing activity
    #[command(after_help = "Example:\n  annex processing show PA-0001")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a processing activity
    #[command(
        after_help = "Example:\n  annex processing add --name Payroll --legal-basis 'legal obligation' --purposes 'paying staff' --data-categories 'name; bank account; salary' --data-subjects employees --processors SUP-0002 --retention '10 years after leaving'"
    )]
    Add(Box<AddArgs>),
    /// Change a processing activity (only the flags given)
    #[command(
        after_help = "Example:\n  annex processing edit PA-0001 --transfers 'United States | standard contractual clauses'"
    )]
    Edit(Box<EditArgs>),
    /// Import processing activities from a CSV or XLSX file (all or nothing)
    #[command(
        after_help = "Examples:\n  annex processing import ropa.xlsx --dry-run\n  annex processing import ropa.csv"
    )]
    Import(crate::cli::ImportArgs),
    /// Export the record of processing activities (the register Art. 30 asks for)
    #[command(after_help = "Example:\n  annex processing export --format xlsx --out ropa.xlsx")]
    Export(crate::cli::ExportArgs),
}

/// The record as a table, processors named.
async fn table_of(
    ctx: &crate::service::Ctx,
    items: &[super::domain::Processing],
) -> anyhow::Result<crate::exchange::Table> {
    let ids: Vec<String> = items.iter().flat_map(|x| x.processors.clone()).collect();
    let names = crate::registers::supplier::service::names(ctx, &ids).await?;
    Ok(super::exchange::processing_table(items, &names))
}

/// Runs `annex processing …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::List { supplier, format } => {
            let all = service::all(ctx, supplier.as_deref()).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", table_of(ctx, &all).await?.csv())?,
                Format::Table => {
                    let mut t = table(&[
                        "id",
                        "processing",
                        "legal basis",
                        "processors",
                        "transfers",
                        "gaps",
                    ]);
                    for x in &all {
                        t.add_row(vec![
                            x.id.clone(),
                            x.name.clone(),
                            x.legal_basis.label().to_string(),
                            x.processors.join(", "),
                            transfers_text(&x.transfers).join("; "),
                            x.gaps().len().to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(
                            all.len(),
                            "processing activity",
                            "processing activities"
                        )
                    )?;
                }
            }
        }
        Command::Show { id, format } => {
            let x = service::get(ctx, &id).await?;
            if matches!(format, Format::Json) {
                writeln!(out, "{}", serde_json::to_string_pretty(&x)?)?;
                return Ok(());
            }
            writeln!(out, "{} {} ({})", x.id, x.name, x.legal_basis.label())?;
            writeln!(out, "purposes: {}", x.purposes)?;
            writeln!(out, "data: {}", x.data_categories.join("; "))?;
            writeln!(out, "about: {}", x.data_subjects.join("; "))?;
            writeln!(out, "processors: {}", x.processors.join(", "))?;
            writeln!(
                out,
                "transfers: {}",
                transfers_text(&x.transfers).join("; ")
            )?;
            writeln!(out, "kept: {}", x.retention)?;
            for g in x.gaps() {
                writeln!(out, "gap: {g}")?;
            }
        }
        Command::Add(args) => {
            let AddArgs { name, id, fields } = *args;
            let v = fields.apply(ProcessingInput {
                id,
                name,
                ..Default::default()
            })?;
            let x = service::create(ctx, &v).await?;
            writeln!(out, "added {} ({})", x.id, x.name)?;
        }
        Command::Edit(args) => {
            let EditArgs { id, name, fields } = *args;
            let current = service::get(ctx, &id).await?;
            let mut v = fields.apply(ProcessingInput::from(&current))?;
            if let Some(n) = name {
                v.name = n;
            }
            let x = service::update(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "saved {} (revision {})", x.id, x.revision)?;
        }
        Command::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::ProcessingImport, &args).await?
        }
        Command::Export(args) => {
            let all = service::all(ctx, None).await?;
            crate::cli::write_export(&table_of(ctx, &all).await?, &args)?;
        }
    }
    Ok(())
}
