//! `annex objective` and `annex kpi`: objectives, indicators and their measurements on the
//! command line.

use super::domain::{KpiInput, MeasurementInput, ObjectiveInput, period_label};
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum ObjectiveCommand {
    /// List the objectives
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add an objective
    #[command(
        after_help = "Example:\n  annex objective add --title '95% of applicable controls implemented' --owner ciso@example.org --due-on 2027-06-30"
    )]
    Add {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        owner: String,
        /// YYYY-MM-DD
        #[arg(long, default_value = "")]
        due_on: String,
    },
    /// Change an objective's status: open, achieved or dropped
    #[command(after_help = "Example:\n  annex objective status OBJ-0001 achieved")]
    Status { id: String, status: String },
}

#[derive(Subcommand, Debug)]
pub enum KpiCommand {
    /// List the indicators with their latest value and status
    List {
        /// Only those of one objective
        #[arg(long)]
        objective: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add an indicator, measured by hand or computed (see `annex kpi metrics`)
    #[command(
        after_help = "Examples:\n  annex kpi add --name 'Controls implemented' --metric controls_implemented --target 95 --objective OBJ-0001\n  annex kpi add --name 'Phishing clicks' --unit % --target 5 --direction at_most"
    )]
    Add {
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "")]
        objective: String,
        /// manual (default) or a metric's key
        #[arg(long, default_value = "")]
        metric: String,
        #[arg(long)]
        target: String,
        #[arg(long, default_value = "")]
        unit: String,
        /// at_least or at_most
        #[arg(long, default_value = "")]
        direction: String,
        /// monthly, quarterly or yearly
        #[arg(long, default_value = "")]
        frequency: String,
        #[arg(long, default_value = "")]
        owner: String,
        #[arg(long, default_value = "")]
        definition: String,
    },
    /// The metrics Annex computes, with their values now
    Metrics,
    /// Record a measurement of an indicator measured by hand
    #[command(after_help = "Example:\n  annex kpi record KPI-0002 4.5 --period 2026-11-30")]
    Record {
        id: String,
        value: String,
        /// Any day of the period (today's when absent)
        #[arg(long, default_value = "")]
        period: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Measure computed indicators now: one, or every one not yet measured this period
    #[command(after_help = "Examples:\n  annex kpi snapshot KPI-0001\n  annex kpi snapshot")]
    Snapshot { id: Option<String> },
    /// Import measurements from a CSV or XLSX file: indicator, period, value (all or nothing)
    #[command(after_help = "Example:\n  annex kpi import history.xlsx --dry-run")]
    Import(crate::cli::ImportArgs),
    /// Export the indicators, or with --measurements every measurement
    #[command(
        after_help = "Examples:\n  annex kpi export --format xlsx --out kpis.xlsx\n  annex kpi export --measurements --out history.csv"
    )]
    Export {
        #[arg(long)]
        measurements: bool,
        #[command(flatten)]
        args: crate::cli::ExportArgs,
    },
    /// An indicator's measurements
    History {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

/// Runs `annex objective …` as the local operator.
pub async fn objective(c: ObjectiveCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        ObjectiveCommand::List { format } => {
            let all = service::objectives(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                _ => {
                    let mut t = table(&["id", "objective", "status", "by", "owner"]);
                    for o in &all {
                        t.add_row(vec![
                            o.id.clone(),
                            o.title.clone(),
                            o.status.label().to_string(),
                            o.due_on.clone().unwrap_or_default(),
                            o.owner.clone(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        ObjectiveCommand::Add {
            title,
            description,
            owner,
            due_on,
        } => {
            let x = service::create_objective(
                ctx,
                &ObjectiveInput {
                    title,
                    description,
                    owner,
                    due_on,
                    ..Default::default()
                },
            )
            .await?;
            writeln!(out, "added {} ({})", x.id, x.title)?;
        }
        ObjectiveCommand::Status { id, status } => {
            let current = service::objective(ctx, &id).await?;
            let mut v = ObjectiveInput::from(&current);
            v.status = status;
            let x = service::update_objective(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "{} is {}", x.id, x.status.label())?;
        }
    }
    Ok(())
}

/// Runs `annex kpi …` as the local operator.
pub async fn kpi(c: KpiCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        KpiCommand::List { objective, format } => {
            let all = service::kpis(ctx, objective.as_deref()).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                _ => {
                    let mut t = table(&["id", "indicator", "latest", "target", "status"]);
                    for k in &all {
                        t.add_row(vec![
                            k.id.clone(),
                            k.name.clone(),
                            k.latest
                                .as_ref()
                                .map(|m| {
                                    format!(
                                        "{} ({})",
                                        k.shown(m.value),
                                        period_label(&m.period, k.frequency)
                                    )
                                })
                                .unwrap_or_default(),
                            k.target_shown(),
                            k.status.label().to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        KpiCommand::Add {
            name,
            objective,
            metric,
            target,
            unit,
            direction,
            frequency,
            owner,
            definition,
        } => {
            let x = service::create_kpi(
                ctx,
                &KpiInput {
                    id: None,
                    objective,
                    name,
                    definition,
                    metric,
                    unit,
                    target,
                    direction,
                    frequency,
                    owner,
                },
            )
            .await?;
            writeln!(out, "added {} ({}), {}", x.id, x.name, x.status.label())?;
        }
        KpiCommand::Metrics => {
            let mut t = table(&["metric", "what", "now"]);
            for (m, v) in service::metrics_now(ctx).await? {
                t.add_row(vec![
                    m.key().to_string(),
                    m.label().to_string(),
                    v.map(|v| super::domain::show(v, m.unit()))
                        .unwrap_or_else(|| "nothing to measure yet".into()),
                ]);
            }
            writeln!(out, "{t}")?;
        }
        KpiCommand::Record {
            id,
            value,
            period,
            note,
        } => {
            let m = service::record(
                ctx,
                &id,
                &MeasurementInput {
                    period,
                    value,
                    note,
                },
            )
            .await?;
            writeln!(out, "recorded {} for the period from {}", m.value, m.period)?;
        }
        KpiCommand::Snapshot { id: Some(id) } => {
            let m = service::snapshot(ctx, &id).await?;
            writeln!(
                out,
                "measured {id}: {} for the period from {}",
                m.value, m.period
            )?;
        }
        KpiCommand::Snapshot { id: None } => {
            let done = service::snapshot_due(ctx).await?;
            if done.is_empty() {
                writeln!(
                    out,
                    "every computed indicator is measured for its current period"
                )?;
            } else {
                writeln!(out, "measured {}", done.join(", "))?;
            }
        }
        KpiCommand::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::MeasurementImport, &args).await?
        }
        KpiCommand::Export { measurements, args } => {
            let table = if measurements {
                super::exchange::measurements_table(&service::history(ctx, 10_000).await?)
            } else {
                super::exchange::kpis_table(&service::kpis(ctx, None).await?)
            };
            crate::cli::write_export(&table, &args)?;
        }
        KpiCommand::History { id, format } => {
            let k = service::kpi(ctx, &id).await?;
            let ms = service::measurements(ctx, &id, 500).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&ms)?)?,
                _ => {
                    let mut t = table(&["period", "value", "note", "recorded by"]);
                    for m in &ms {
                        t.add_row(vec![
                            period_label(&m.period, k.frequency),
                            k.shown(m.value),
                            m.note.clone(),
                            m.recorded_by.clone(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
    }
    Ok(())
}
