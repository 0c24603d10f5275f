//! `annex supplier`: the supplier register on the command line.

use super::domain::{SupplierInput, SupplierQuery, certifications_text, clauses_text};
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

/// A supplier's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct FieldArgs {
    /// proposed, active, exiting or ended
    #[arg(long)]
    status: Option<String>,
    /// What they provide
    #[arg(long)]
    services: Option<String>,
    /// The owner's e-mail address
    #[arg(long)]
    owner: Option<String>,
    /// yes or no
    #[arg(long)]
    personal_data: Option<String>,
    /// Where they keep the data, separated by ';'
    #[arg(long)]
    data_locations: Option<String>,
    /// Their sub-processors, separated by ';'
    #[arg(long)]
    sub_processors: Option<String>,
    /// Assets whose data they access (ids, comma-separated)
    #[arg(long)]
    assets: Option<String>,
    /// low, medium, high or critical to override the derived criticality ("" to clear)
    #[arg(long)]
    criticality: Option<String>,
    /// Why the override
    #[arg(long)]
    criticality_reason: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    contract_start: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    contract_end: Option<String>,
    /// yes or no
    #[arg(long)]
    auto_renews: Option<String>,
    #[arg(long)]
    notice_days: Option<String>,
    /// YYYY-MM-DD of the last review
    #[arg(long)]
    reviewed_on: Option<String>,
    /// Clauses, separated by ';': "right to audit: in the contract; incident notification: in the contract, 24 h"
    #[arg(long)]
    clauses: Option<String>,
    /// Certifications, separated by ';': "ISO/IEC 27001 certificate | number | issuer | YYYY-MM-DD"
    #[arg(long)]
    certifications: Option<String>,
    /// Cloud services, separated by ';'
    #[arg(long)]
    cloud_services: Option<String>,
    #[arg(long)]
    shared_responsibility: Option<String>,
    #[arg(long)]
    exit_plan: Option<String>,
    /// Evidence ids, comma-separated
    #[arg(long)]
    evidence: Option<String>,
}

fn yes_no(flag: &str, raw: &str) -> anyhow::Result<bool> {
    let mut p = crate::error::Problems::new();
    let b = crate::domain::input::yes_no(&mut p, flag, raw);
    p.into_result()?;
    Ok(b)
}

impl FieldArgs {
    /// The flags given, over `v`.
    fn apply(self, mut v: SupplierInput) -> anyhow::Result<SupplierInput> {
        let set = |to: &mut String, from: Option<String>| {
            if let Some(f) = from {
                *to = f;
            }
        };
        set(&mut v.status, self.status);
        set(&mut v.services, self.services);
        set(&mut v.owner, self.owner);
        set(&mut v.data_locations, self.data_locations);
        set(&mut v.sub_processors, self.sub_processors);
        set(&mut v.assets, self.assets);
        set(&mut v.criticality, self.criticality);
        set(&mut v.criticality_reason, self.criticality_reason);
        set(&mut v.contract_start, self.contract_start);
        set(&mut v.contract_end, self.contract_end);
        set(&mut v.notice_days, self.notice_days);
        set(&mut v.reviewed_on, self.reviewed_on);
        set(&mut v.clauses, self.clauses);
        set(&mut v.certifications, self.certifications);
        set(&mut v.cloud_services, self.cloud_services);
        set(&mut v.shared_responsibility, self.shared_responsibility);
        set(&mut v.exit_plan, self.exit_plan);
        set(&mut v.evidence, self.evidence);
        if let Some(p) = self.personal_data {
            v.personal_data = yes_no("personal_data", &p)?;
        }
        if let Some(a) = self.auto_renews {
            v.auto_renews = yes_no("auto_renews", &a)?;
        }
        Ok(v)
    }
}

/// `annex supplier add`'s arguments.
#[derive(clap::Args, Debug)]
pub struct AddArgs {
    #[arg(long)]
    name: String,
    /// Its id (SUP-0001 … when absent)
    #[arg(long)]
    id: Option<String>,
    #[command(flatten)]
    fields: FieldArgs,
}

/// `annex supplier edit`'s arguments.
#[derive(clap::Args, Debug)]
pub struct EditArgs {
    id: String,
    #[arg(long)]
    name: Option<String>,
    #[command(flatten)]
    fields: FieldArgs,
}

/// `annex supplier list`'s filters.
#[derive(clap::Args, Debug)]
pub struct ListArgs {
    /// Text in the id, name or services
    #[arg(long)]
    q: Option<String>,
    /// low, medium, high or critical
    #[arg(long)]
    criticality: Option<String>,
    /// proposed, active, exiting or ended
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    /// Only those whose review is due
    #[arg(long)]
    review_due: bool,
    /// Only those that provide cloud services
    #[arg(long)]
    cloud: bool,
    #[arg(long, value_enum, default_value = "table")]
    format: Format,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the suppliers with their criticality, contract, clause gaps and next review
    #[command(
        after_help = "Examples:\n  annex supplier list\n  annex supplier list --criticality critical --review-due\n  annex supplier list --format csv"
    )]
    List(Box<ListArgs>),
    /// Show a supplier: criticality and why, contract, clauses, certifications
    #[command(after_help = "Example:\n  annex supplier show SUP-0001")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a supplier
    #[command(
        after_help = "Example:\n  annex supplier add --name 'Acme Payroll' --owner hr@example.com --assets A-0003 --personal-data yes --contract-end 2027-12-31 --notice-days 90 --clauses 'right to audit: in the contract; incident notification: in the contract, 24 h'"
    )]
    Add(Box<AddArgs>),
    /// Change a supplier (only the flags given)
    #[command(
        after_help = "Example:\n  annex supplier edit SUP-0001 --reviewed-on 2026-11-30 --certifications 'ISO/IEC 27001 certificate | IS 123456 | BSI | 2027-06-30'"
    )]
    Edit(Box<EditArgs>),
    /// Import suppliers from a CSV or XLSX file (all or nothing)
    #[command(
        after_help = "Examples:\n  annex supplier import vendors.xlsx --dry-run\n  annex supplier import vendors.csv"
    )]
    Import(crate::cli::ImportArgs),
    /// Export the supplier register
    #[command(after_help = "Example:\n  annex supplier export --format xlsx --out suppliers.xlsx")]
    Export(crate::cli::ExportArgs),
}

/// The query the list's flags ask for.
fn query_of(a: &ListArgs, today: &str) -> anyhow::Result<SupplierQuery> {
    let mut pairs: Vec<(String, String)> = Vec::new();
    for (k, v) in [
        ("q", &a.q),
        ("criticality", &a.criticality),
        ("status", &a.status),
        ("owner", &a.owner),
    ] {
        if let Some(v) = v {
            pairs.push((k.into(), v.clone()));
        }
    }
    if a.review_due {
        pairs.push(("review_due".into(), "1".into()));
    }
    if a.cloud {
        pairs.push(("cloud".into(), "1".into()));
    }
    Ok(SupplierQuery::read(
        &crate::domain::query::Params::from_pairs(pairs),
        today,
    )?)
}

/// Runs `annex supplier …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let today = ctx.today();
    match c {
        Command::List(args) => {
            let q = query_of(&args, &today)?;
            let all = service::all(ctx, &q).await?;
            match args.format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", super::exchange::suppliers_table(&all).csv())?,
                Format::Table => {
                    let mut t = table(&[
                        "id",
                        "supplier",
                        "criticality",
                        "status",
                        "owner",
                        "contract ends",
                        "clause gaps",
                        "next review",
                    ]);
                    for s in &all {
                        t.add_row(vec![
                            s.id.clone(),
                            s.name.clone(),
                            s.criticality.label().to_string(),
                            s.status.label().to_string(),
                            s.owner.clone(),
                            s.contract_end.clone().unwrap_or_default(),
                            s.clause_gaps().len().to_string(),
                            match (&s.review_due, s.review_is_due(&today)) {
                                (Some(d), true) => format!("{d} (due)"),
                                (Some(d), false) => d.clone(),
                                (None, _) => "never reviewed".into(),
                            },
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(all.len(), "supplier", "suppliers")
                    )?;
                }
            }
        }
        Command::Show { id, format } => {
            let s = service::get(ctx, &id).await?;
            if matches!(format, Format::Json) {
                writeln!(out, "{}", serde_json::to_string_pretty(&s)?)?;
                return Ok(());
            }
            writeln!(out, "{} {} ({})", s.id, s.name, s.status.label())?;
            writeln!(out, "services: {}", s.services)?;
            writeln!(out, "owner: {}", s.owner)?;
            write!(out, "criticality: {}", s.criticality.label())?;
            match s.criticality_override {
                Some(_) => writeln!(
                    out,
                    " (set by hand: {}; derived {})",
                    s.criticality_reason,
                    s.derived_criticality.label()
                )?,
                None if s.derived_why.is_empty() => writeln!(out)?,
                None => writeln!(out, " ({})", s.derived_why.join("; "))?,
            }
            writeln!(out, "assets: {}", s.assets.join(", "))?;
            writeln!(
                out,
                "contract: {} to {}{}",
                s.contract_start.clone().unwrap_or_default(),
                s.contract_end.clone().unwrap_or_default(),
                s.notice_by()
                    .map(|d| format!(", notice by {d}"))
                    .unwrap_or_default()
            )?;
            for c in clauses_text(&s.clauses) {
                writeln!(out, "clause: {c}")?;
            }
            for g in s.clause_gaps() {
                writeln!(out, "gap: {g}")?;
            }
            for (c, line) in s
                .certifications
                .iter()
                .zip(certifications_text(&s.certifications))
            {
                let standing = match c.standing(&today) {
                    super::domain::Standing::Current { .. } => "current".to_string(),
                    super::domain::Standing::Lapsing { days, .. } => {
                        format!("lapses in {days} days")
                    }
                    super::domain::Standing::Lapsed { since } => format!("lapsed on {since}"),
                };
                writeln!(out, "certification: {line} ({standing})")?;
            }
            writeln!(
                out,
                "next review: {}",
                s.review_due
                    .clone()
                    .unwrap_or_else(|| "now (never reviewed)".into())
            )?;
        }
        Command::Add(args) => {
            let AddArgs { name, id, fields } = *args;
            let v = fields.apply(SupplierInput {
                id,
                name,
                ..Default::default()
            })?;
            let s = service::create(ctx, &v).await?;
            writeln!(
                out,
                "added {} ({}), criticality {}",
                s.id,
                s.name,
                s.criticality.label()
            )?;
        }
        Command::Edit(args) => {
            let EditArgs { id, name, fields } = *args;
            let current = service::get(ctx, &id).await?;
            let mut v = fields.apply(SupplierInput::from(&current))?;
            if let Some(n) = name {
                v.name = n;
            }
            let s = service::update(ctx, &id, Some(current.revision), &v).await?;
            writeln!(
                out,
                "saved {} (revision {}), criticality {}",
                s.id,
                s.revision,
                s.criticality.label()
            )?;
        }
        Command::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::SupplierImport, &args).await?
        }
        Command::Export(args) => {
            let all = service::all(ctx, &SupplierQuery::default()).await?;
            crate::cli::write_export(&super::exchange::suppliers_table(&all), &args)?;
        }
    }
    Ok(())
}
