//! `annex measure`: the treatment plan on the command line — list (filters built straight
//! from the flags), show, add, edit (only the flags given change, applied in the write
//! itself), import and export.

use super::domain::{MeasureFilter, MeasureInput, MeasureStatus};
use super::exchange::measures_table;
use super::service;
use crate::cli::{ExportArgs, Format, ImportArgs, import_file, set, table, write_export};
use crate::domain::catalog::parse_control_refs;
use crate::error::Error;
use crate::service::Ctx;
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List measures by due date (the treatment plan)
    #[command(
        after_help = "Examples:\n  annex measure list\n  annex measure list --overdue --format csv\n  annex measure list --control 5.17"
    )]
    List {
        /// planned, in_progress, implemented or deprecated
        #[arg(long, value_parser = MeasureStatus::parse)]
        status: Option<MeasureStatus>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        control: Option<String>,
        /// Only open measures past their due date
        #[arg(long)]
        overdue: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show one measure
    #[command(after_help = "Example:\n  annex measure show M-0001 --format table")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Add a measure (an id such as M-0001 is given unless --id is)
    #[command(
        after_help = "Example:\n  annex measure add --name 'MFA on VPN' --controls 5.17,8.5 --owner it@example.org --due-on 2027-03-31"
    )]
    Add {
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        fields: MeasureFields,
    },
    /// Change a measure; fields not given keep their value
    #[command(after_help = "Example:\n  annex measure edit M-0001 --status implemented")]
    Edit {
        id: String,
        #[command(flatten)]
        fields: MeasureFields,
    },
    /// Import measures from a CSV or XLSX file: create new ids, update existing ones, all or nothing
    #[command(
        after_help = "Examples:\n  annex measure import plan.csv --dry-run\n  annex measure import plan.xlsx --map 'Action=name' --map 'Annex A=controls'"
    )]
    Import(ImportArgs),
    /// Export the treatment plan as CSV or XLSX (the format `annex measure import` reads)
    #[command(after_help = "Example:\n  annex measure export --format xlsx --out plan.xlsx")]
    Export(ExportArgs),
}

/// The fields of a measure as flags; on `edit`, flags left out keep their value.
#[derive(clap::Args, Debug, Default)]
pub struct MeasureFields {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    /// planned, in progress, implemented or deprecated
    #[arg(long)]
    status: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    due_on: Option<String>,
    /// Free text, e.g. '5 person-days'
    #[arg(long)]
    effort: Option<String>,
    /// Whole currency units
    #[arg(long)]
    cost: Option<String>,
    /// Comma-separated control ids: 5.17,8.5 (another framework as iso27002-2013:9.4.2)
    #[arg(long)]
    controls: Option<String>,
}

impl MeasureFields {
    /// Fills an input from the flags, over the values it already has.
    fn apply(self, mut v: MeasureInput) -> MeasureInput {
        set(&mut v.name, self.name);
        set(&mut v.description, self.description);
        set(&mut v.owner, self.owner);
        set(&mut v.status, self.status);
        set(&mut v.due_on, self.due_on);
        set(&mut v.effort, self.effort);
        if let Some(c) = self.cost {
            v.cost = Some(serde_json::Value::String(c));
        }
        if let Some(c) = self.controls {
            v.controls = Some(serde_json::Value::String(c));
        }
        v
    }
}

/// Runs `annex measure …` as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let today = ctx.today();
    match c {
        Command::List {
            status,
            owner,
            control,
            overdue,
            format,
        } => {
            let control = match control {
                None => None,
                Some(c) => {
                    let mut refs = parse_control_refs(&c);
                    if refs.len() != 1 {
                        return Err(
                            Error::field("--control", "give one control id, e.g. 8.13").into()
                        );
                    }
                    refs.pop()
                }
            };
            let filter = MeasureFilter {
                status,
                owner,
                control,
                overdue_on: overdue.then(|| today.clone()),
                ..MeasureFilter::default()
            };
            let measures = service::all(ctx, &filter).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&measures)?)?,
                Format::Csv => write!(out, "{}", measures_table(&measures).csv())?,
                Format::Table => {
                    let mut t = table(&["id", "name", "owner", "status", "due", "controls"]);
                    for m in &measures {
                        let due = m.due_on.clone().unwrap_or_default();
                        let due = if m.overdue(&today) {
                            format!("{due} (overdue)")
                        } else {
                            due
                        };
                        t.add_row(vec![
                            m.id.clone(),
                            m.name.clone(),
                            m.owner.clone(),
                            m.status.label().to_string(),
                            due,
                            m.controls
                                .iter()
                                .map(|c| c.id.clone())
                                .collect::<Vec<_>>()
                                .join(", "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(measures.len(), "measure", "measures")
                    )?;
                }
            }
        }
        Command::Show { id, format } => {
            let m = service::get(ctx, &id).await?;
            let t = measures_table(std::slice::from_ref(&m));
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&m)?)?,
                Format::Csv => write!(out, "{}", t.csv())?,
                Format::Table => {
                    for (k, v) in t.header.iter().zip(&t.rows[0]) {
                        writeln!(out, "{k:>12}: {v}")?;
                    }
                }
            }
        }
        Command::Add { id, fields } => {
            let input = fields.apply(MeasureInput {
                id,
                ..MeasureInput::default()
            });
            let m = service::create(ctx, &input).await?;
            writeln!(out, "created measure {} ({})", m.id, m.name)?;
        }
        Command::Edit { id, fields } => {
            // The flags apply to the measure as stored, inside the write.
            let (_, m) = service::edit(ctx, &id, None, |stored| Ok(fields.apply(stored))).await?;
            writeln!(out, "saved measure {} ({})", m.id, m.name)?;
        }
        Command::Import(args) => import_file(ctx, &super::exchange::MeasureImport, &args).await?,
        Command::Export(args) => {
            let measures = service::all(ctx, &MeasureFilter::default()).await?;
            write_export(&measures_table(&measures), &args)?;
        }
    }
    Ok(())
}
