//! Indicators and their measurements as tables (CSV, XLSX), and the import of measurements:
//! one row per indicator and period, so that a history kept in a spreadsheet comes into Annex
//! and an export imports back unchanged.

use super::domain::{Kpi, Measurement, period_label, show_plain};
use crate::exchange::Table;
use crate::exchange::import::field as f;

/// The indicators with their latest value and status: one row each.
pub fn kpis_table(items: &[Kpi]) -> Table {
    let mut t = Table::new(
        "Indicators",
        &[
            "id",
            "objective",
            "name",
            "definition",
            "metric",
            "unit",
            "direction",
            "target",
            "frequency",
            "owner",
            "latest_period",
            "latest_value",
            "status",
        ],
        &[],
    );
    t.rows = items
        .iter()
        .map(|k| {
            vec![
                k.id.clone(),
                k.objective.clone().unwrap_or_default(),
                k.name.clone(),
                k.definition.clone(),
                k.metric.label().to_string(),
                k.unit.clone(),
                k.direction.label().to_string(),
                show_plain(k.target),
                k.frequency.label().to_string(),
                k.owner.clone(),
                k.latest
                    .as_ref()
                    .map(|m| period_label(&m.period, k.frequency))
                    .unwrap_or_default(),
                k.latest
                    .as_ref()
                    .map(|m| show_plain(m.value))
                    .unwrap_or_default(),
                k.status.label().to_string(),
            ]
        })
        .collect();
    t
}

const MEASUREMENT_COLUMNS: [&str; 7] = [
    "kpi",
    "name",
    "period",
    "value",
    "note",
    "recorded_by",
    "recorded_at",
];

/// Measurements of indicators: one row per indicator and period, oldest first.
pub fn measurements_table(items: &[(Kpi, Vec<Measurement>)]) -> Table {
    let mut t = Table::new("Measurements", &MEASUREMENT_COLUMNS, &[]);
    for (k, ms) in items {
        for m in ms {
            t.rows.push(vec![
                k.id.clone(),
                k.name.clone(),
                m.period.clone(),
                show_plain(m.value),
                m.note.clone(),
                m.recorded_by.clone(),
                crate::domain::clock::display(&m.recorded_at),
            ]);
        }
    }
    t
}

const FIELDS: &[crate::exchange::import::Field] = &[
    f(
        "kpi",
        "indicator",
        &["kpi", "kpiid", "indicator", "indicatorid", "id", "kennzahl"],
    ),
    f("name", "name", &["name", "indicatorname", "kpiname"]),
    f(
        "period",
        "period",
        &[
            "period",
            "month",
            "date",
            "day",
            "measuredon",
            "monat",
            "datum",
            "zeitraum",
        ],
    ),
    f(
        "value",
        "value",
        &[
            "value",
            "result",
            "measurement",
            "actual",
            "wert",
            "hodnota",
            "τιμή",
        ],
    ),
    f("note", "note", &["note", "notes", "comment", "bemerkung"]),
];

/// Imports measurements: one row per indicator and period.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[&["recordedby"], &["recordedat"]],
    required: "value",
    what: "the measurements of indicators",
    noun: "measurement",
    split_header: false,
};

/// Imports measurements of indicators.
pub struct MeasurementImport;

impl crate::exchange::import::Importer for MeasurementImport {
    fn key(&self) -> &'static str {
        "kpi-measurements"
    }

    fn path(&self) -> &'static str {
        "kpis/measurements"
    }

    fn title(&self) -> &'static str {
        "Measurements of indicators"
    }

    fn hints(&self) -> &'static str {
        "One row per indicator and period: the indicator's id (KPI-0001), a day of the period (YYYY-MM-DD; the month, quarter or year it falls in is the period) and the value; a note if you like. A row for a period already measured replaces its value; a period to come is refused."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<crate::exchange::import::Row>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, crate::error::Result<crate::domain::ImportReport>>
    {
        Box::pin(async move { super::service::import(ctx, rows, how.dry_run, how.upload).await })
    }
}
