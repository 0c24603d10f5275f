//! The treatment plan as a spreadsheet: its columns for export and import, the headers real
//! treatment plans use for each field, and its import.

use super::domain::{Measure, MeasureInput};
use super::service;
use crate::domain::ImportReport;
use crate::error::Result;
use crate::exchange::Table;
use crate::exchange::import::{Field, Importer, Schema, parse_rows};
use crate::service::Ctx;

pub const MEASURE_COLUMNS: [&str; 9] = [
    "id",
    "name",
    "description",
    "owner",
    "status",
    "due_on",
    "effort",
    "cost",
    "controls",
];

/// Measures (the treatment plan).
pub fn measures_table(measures: &[Measure]) -> Table {
    let mut t = Table::new("Treatment plan", &MEASURE_COLUMNS, &["cost"]);
    t.rows = measures
        .iter()
        .map(|m| {
            let v = MeasureInput::from(m);
            let cost = v.cost_text();
            let controls = v.controls_text();
            vec![
                m.id.clone(),
                v.name,
                v.description,
                v.owner,
                m.status.label().to_string(),
                v.due_on,
                v.effort,
                cost,
                controls,
            ]
        })
        .collect();
    t
}

/// Reads a file name's export format from the end of a route (`risks.xlsx`).
use crate::exchange::import::field as f;

const MEASURE_FIELDS: &[Field] = &[
    f(
        "id",
        "id",
        &["id", "measureid", "ref", "reference", "actionid", "no"],
    ),
    f(
        "name",
        "name",
        &["name", "measure", "measurename", "action", "title"],
    ),
    f(
        "description",
        "description",
        &["description", "details", "notes"],
    ),
    f(
        "owner",
        "owner",
        &[
            "owner",
            "responsible",
            "actionowner",
            "assignee",
            "accountable",
        ],
    ),
    f("status", "status", &["status", "state", "progress"]),
    f(
        "due_on",
        "due on",
        &[
            "dueon",
            "duedate",
            "due",
            "targetdate",
            "deadline",
            "completiondate",
        ],
    ),
    f(
        "effort",
        "effort",
        &["effort", "estimatedeffort", "persondays"],
    ),
    f("cost", "cost", &["cost", "budget", "estimatedcost"]),
    f(
        "controls",
        "controls",
        &[
            "controls",
            "control",
            "controlids",
            "annexa",
            "iso27002",
            "mappedcontrols",
        ],
    ),
];

pub const MEASURE_SCHEMA: Schema = Schema {
    fields: MEASURE_FIELDS,
    derived: &[],
    required: "name",
    what: "the measure register",
    noun: "measure",
    split_header: false,
};

pub fn measure_input(values: impl Iterator<Item = (&'static str, String)>) -> MeasureInput {
    let mut v = MeasureInput::default();
    for (field, value) in values {
        let text = || Some(serde_json::Value::String(value.clone()));
        match field {
            "id" => v.id = Some(value),
            "name" => v.name = value,
            "description" => v.description = value,
            "owner" => v.owner = value,
            "status" => v.status = value,
            "due_on" => v.due_on = value,
            "effort" => v.effort = value,
            "cost" => v.cost = text(),
            "controls" => v.controls = text(),
            _ => {}
        }
    }
    v
}

/// Imports treatment plans.
pub struct MeasureImport;

impl Importer for MeasureImport {
    fn key(&self) -> &'static str {
        "measures"
    }

    fn title(&self) -> &'static str {
        "Measures"
    }

    fn hints(&self) -> &'static str {
        "One row per measure, with at least a name. Annex also reads id, description, owner, status, due date, effort, cost and controls (ids such as 5.17, 8.5)."
    }

    fn schema(&self) -> &'static Schema {
        &MEASURE_SCHEMA
    }

    fn named_by(&self) -> Option<crate::exchange::import::NamedBy> {
        Some(crate::exchange::import::NamedBy {
            field: "name",
            table: "measure",
            id_column: "measure_id",
            name_column: "name",
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(async move {
            let drafts = parse_rows(rows, |values| measure_input(values.into_iter()).parse())?;
            service::import(ctx, drafts, how.dry_run, how.upload).await
        })
    }
}
