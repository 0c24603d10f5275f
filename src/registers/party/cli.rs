//! `annex party`: interested parties on the command line.

use super::domain::PartyInput;
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

/// A party's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct FieldArgs {
    /// customers, staff, regulators, suppliers, owners, insurers, community or other
    #[arg(long)]
    kind: Option<String>,
    /// What they need and expect of our information security
    #[arg(long)]
    needs: Option<String>,
    /// yes or no: the ISMS addresses these needs
    #[arg(long)]
    addressed: Option<String>,
    /// Obligation ids, comma-separated
    #[arg(long)]
    obligations: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    reviewed_on: Option<String>,
}

impl FieldArgs {
    fn apply(self, mut v: PartyInput) -> anyhow::Result<PartyInput> {
        let set = |to: &mut String, from: Option<String>| {
            if let Some(f) = from {
                *to = f;
            }
        };
        set(&mut v.kind, self.kind);
        set(&mut v.needs, self.needs);
        set(&mut v.obligations, self.obligations);
        set(&mut v.owner, self.owner);
        set(&mut v.reviewed_on, self.reviewed_on);
        if let Some(a) = self.addressed {
            let mut p = crate::error::Problems::new();
            v.addressed = crate::domain::input::yes_no(&mut p, "addressed", &a);
            p.into_result()?;
        }
        Ok(v)
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the interested parties
    #[command(after_help = "Example:\n  annex party list --format csv")]
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add an interested party
    #[command(
        after_help = "Example:\n  annex party add --name Customers --kind customers --needs 'their data kept safe; told of breaches' --addressed yes --obligations OB-0001"
    )]
    Add {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Change an interested party (only the flags given)
    #[command(after_help = "Example:\n  annex party edit IP-0001 --addressed yes")]
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Import interested parties from a CSV or XLSX file (all or nothing)
    #[command(
        after_help = "Examples:\n  annex party import parties.xlsx --dry-run\n  annex party import parties.csv"
    )]
    Import(crate::cli::ImportArgs),
    /// Export the interested parties
    #[command(after_help = "Example:\n  annex party export --format xlsx --out parties.xlsx")]
    Export(crate::cli::ExportArgs),
}

/// Runs `annex party …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::List { format } => {
            let all = service::all(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", super::exchange::parties_table(&all).csv())?,
                Format::Table => {
                    let mut t = table(&["id", "party", "kind", "addressed", "obligations"]);
                    for x in &all {
                        t.add_row(vec![
                            x.id.clone(),
                            x.name.clone(),
                            x.kind.label().to_string(),
                            crate::domain::input::yes(x.addressed),
                            x.obligations.join(", "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::Add { name, fields } => {
            let v = fields.apply(PartyInput {
                name,
                ..Default::default()
            })?;
            let x = service::create(ctx, &v).await?;
            writeln!(out, "added {} ({})", x.id, x.name)?;
        }
        Command::Edit { id, name, fields } => {
            let current = service::get(ctx, &id).await?;
            let mut v = fields.apply(PartyInput::from(&current))?;
            if let Some(n) = name {
                v.name = n;
            }
            let x = service::update(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "saved {} (revision {})", x.id, x.revision)?;
        }
        Command::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::PartyImport, &args).await?
        }
        Command::Export(args) => {
            let all = service::all(ctx).await?;
            crate::cli::write_export(&super::exchange::parties_table(&all), &args)?;
        }
    }
    Ok(())
}
