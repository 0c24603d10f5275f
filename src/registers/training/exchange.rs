//! Training as spreadsheets: a learning platform's completion export imported (the person by
//! e-mail, staff number or id; the module by id or title), and a campaign's progress exported.

use super::domain::{CampaignLine, CompletionInput, CompletionVia};
use super::service;
use crate::domain::ImportReport;
use crate::error::Result;
use crate::exchange::Table;
use crate::exchange::import::{Field, Importer, Schema, parse_rows};
use crate::service::Ctx;

use crate::exchange::import::field as f;

const COMPLETION_FIELDS: &[Field] = &[
    f(
        "person",
        "person",
        &[
            "person",
            "email",
            "emailaddress",
            "useremail",
            "learner",
            "learneremail",
            "user",
            "username",
            "employeeid",
            "staffnumber",
            "personid",
            "login",
        ],
    ),
    f(
        "module",
        "module",
        &[
            "module",
            "course",
            "coursename",
            "coursetitle",
            "training",
            "moduleid",
            "courseid",
            "title",
            "kurs",
            "kurz",
            "εκπαίδευση",
        ],
    ),
    f(
        "completed_on",
        "completed on",
        &[
            "completedon",
            "completiondate",
            "completed",
            "datecompleted",
            "finished",
            "finishedon",
            "abgeschlossenam",
            "dokončeno",
        ],
    ),
    f(
        "score",
        "score",
        &["score", "result", "grade", "percent", "ergebnis"],
    ),
];

pub const COMPLETION_SCHEMA: Schema = Schema {
    fields: COMPLETION_FIELDS,
    derived: &[],
    required: "person",
    what: "training completions",
    noun: "completion",
    split_header: false,
};

fn completion_input(values: Vec<(&'static str, String)>) -> CompletionInput {
    let mut v = CompletionInput::default();
    for (field, value) in values {
        match field {
            "person" => v.person = value,
            "module" => v.module = value,
            "completed_on" => v.completed_on = value,
            "score" => v.score = Some(serde_json::Value::String(value)),
            _ => {}
        }
    }
    v
}

/// Imports completion records from a learning platform's export.
pub struct CompletionImport;

impl Importer for CompletionImport {
    fn key(&self) -> &'static str {
        "training"
    }

    fn title(&self) -> &'static str {
        "Training completions"
    }

    fn hints(&self) -> &'static str {
        "One row per completion, as a learning platform exports them: the person (e-mail, staff number or id in the staff directory), the module (its id or title in Annex) and the day completed; a score from 0 to 100 if there is one. A completion already recorded for the same day is kept once."
    }

    fn schema(&self) -> &'static Schema {
        &COMPLETION_SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(async move {
            let today = ctx.today();
            let drafts = parse_rows(rows, |values| completion_input(values).parse(&today))?;
            let n = drafts.len();
            let written =
                service::record(ctx, drafts, CompletionVia::Import, how.dry_run, how.upload)
                    .await?;
            // Completions have no ids: the report counts them.
            let report = ImportReport {
                created: (0..written)
                    .map(|i| format!("completion {}", i + 1))
                    .collect(),
                unchanged: if how.dry_run {
                    Vec::new()
                } else {
                    (written as usize..n)
                        .map(|i| format!("completion {}", i + 1))
                        .collect()
                },
                ..ImportReport::default()
            };
            Ok(report)
        })
    }
}

/// A campaign's audience and where each person stands.
pub fn campaign_table(lines: &[CampaignLine]) -> Table {
    let mut t = Table::new(
        "Training",
        &[
            "person_id",
            "name",
            "email",
            "department",
            "modules_done",
            "modules",
            "state",
        ],
        &["modules_done", "modules"],
    );
    t.rows = lines
        .iter()
        .map(|l| {
            vec![
                l.person_id.clone(),
                l.name.clone(),
                l.email.clone(),
                l.department.clone(),
                l.done.to_string(),
                l.of.to_string(),
                l.state.label().to_string(),
            ]
        })
        .collect();
    t
}
