//! Nonconformities, corrective actions and the improvement log as tables (CSV, XLSX), and the
//! imports of nonconformities and of actions (a row whose id is a record of Annex updates only
//! the columns its file has). A nonconformity's whys are one cell, separated by " | ".

use super::domain::{Action, Improvement, Nonconformity};
use crate::exchange::Table;
use crate::exchange::import::field as f;

const NC_COLUMNS: [&str; 17] = [
    "id",
    "title",
    "description",
    "source",
    "source_ref",
    "clause",
    "control",
    "owner",
    "raised_on",
    "correction",
    "corrected_on",
    "whys",
    "root_cause",
    "stage",
    "effective",
    "reviewed_on",
    "closed_on",
];

/// The nonconformities: one row each.
pub fn nonconformities_table(items: &[Nonconformity]) -> Table {
    let mut t = Table::new("Nonconformities", &NC_COLUMNS, &[]);
    t.rows = items
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                x.title.clone(),
                x.description.clone(),
                x.source.label().to_string(),
                x.source_ref.clone().unwrap_or_default(),
                x.clause.clone().unwrap_or_default(),
                x.control.clone().unwrap_or_default(),
                x.owner.clone(),
                x.raised_on.clone(),
                x.correction.clone(),
                x.corrected_on.clone().unwrap_or_default(),
                x.whys.join(" | "),
                x.root_cause.clone(),
                x.stage.label().to_string(),
                x.effective
                    .map(crate::domain::input::yes)
                    .unwrap_or_default(),
                x.reviewed_on.clone().unwrap_or_default(),
                x.closed_on.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}

const ACTION_COLUMNS: [&str; 8] = [
    "id",
    "nonconformity",
    "title",
    "owner",
    "due_on",
    "status",
    "done_on",
    "note",
];

/// The corrective actions: one row each.
pub fn actions_table(items: &[Action]) -> Table {
    let mut t = Table::new("Corrective actions", &ACTION_COLUMNS, &[]);
    t.rows = items
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                x.nonconformity.clone(),
                x.title.clone(),
                x.owner.clone(),
                x.due_on.clone(),
                x.status.label().to_string(),
                x.done_on.clone().unwrap_or_default(),
                x.note.clone(),
            ]
        })
        .collect();
    t
}

/// The improvement log: one row per line.
pub fn improvements_table(items: &[Improvement]) -> Table {
    let mut t = Table::new("Improvements", &["on", "kind", "id", "title", "what"], &[]);
    t.rows = items
        .iter()
        .map(|x| {
            vec![
                x.on.clone(),
                x.kind.clone(),
                x.id.clone(),
                x.title.clone(),
                x.what.clone(),
            ]
        })
        .collect();
    t
}

const NC_FIELDS: &[crate::exchange::import::Field] = &[
    f(
        "id",
        "id",
        &["id", "ncid", "ncr", "ref", "reference", "no", "nr"],
    ),
    f(
        "title",
        "title",
        &[
            "title",
            "nonconformity",
            "summary",
            "abweichung",
            "nonconformité",
        ],
    ),
    f(
        "description",
        "description",
        &["description", "details", "beschreibung"],
    ),
    f(
        "source",
        "source",
        &["source", "origin", "quelle", "herkunft"],
    ),
    f(
        "source_ref",
        "source ref",
        &[
            "sourceref",
            "sourcereference",
            "sourceid",
            "finding",
            "incident",
        ],
    ),
    f("clause", "clause", &["clause", "isoclause", "kapitel"]),
    f("control", "control", &["control", "controlid", "annexa"]),
    f(
        "owner",
        "owner",
        &["owner", "responsible", "verantwortlich"],
    ),
    f(
        "raised_on",
        "raised on",
        &["raisedon", "date", "raised", "datum"],
    ),
    f(
        "correction",
        "correction",
        &[
            "correction",
            "containment",
            "immediateaction",
            "korrektur",
            "sofortmaßnahme",
        ],
    ),
    f("corrected_on", "corrected on", &["correctedon"]),
    f("whys", "whys", &["whys", "5whys", "fivewhys", "why"]),
    f(
        "root_cause",
        "root cause",
        &["rootcause", "cause", "ursache", "grundursache"],
    ),
];

/// Imports nonconformities: one row each.
pub const NC_SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: NC_FIELDS,
    derived: &[&["stage"], &["effective"], &["reviewedon"], &["closedon"]],
    required: "title",
    what: "nonconformities",
    noun: "nonconformity",
    split_header: false,
};

/// Imports nonconformities.
pub struct NonconformityImport;

impl crate::exchange::import::Importer for NonconformityImport {
    fn key(&self) -> &'static str {
        "nonconformities"
    }

    fn title(&self) -> &'static str {
        "Nonconformities"
    }

    fn hints(&self) -> &'static str {
        "One row per nonconformity, with at least a title. Annex also reads id, description, source (internal audit finding, incident, failed scan check, complaint, external audit, noticed by someone) and its reference (a finding's or incident's id must exist), clause, control, owner (e-mail), raised on, correction, corrected on, whys (separated by |) and root cause. NcStage, effectiveness and closure are Annex's: they come from the review, not from a file. A row whose id is a nonconformity of Annex updates only the columns the file has."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &NC_SCHEMA
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

const ACTION_FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "actionid", "caid", "ref", "no", "nr"]),
    f(
        "nonconformity",
        "nonconformity",
        &["nonconformity", "nc", "ncid", "ncr", "abweichung"],
    ),
    f(
        "title",
        "title",
        &[
            "title",
            "action",
            "correctiveaction",
            "maßnahme",
            "korrekturmaßnahme",
        ],
    ),
    f(
        "owner",
        "owner",
        &["owner", "responsible", "verantwortlich"],
    ),
    f(
        "due_on",
        "due on",
        &["dueon", "due", "duedate", "deadline", "fällig", "termin"],
    ),
    f("status", "status", &["status", "state"]),
    f("done_on", "done on", &["doneon", "completed", "erledigt"]),
    f("note", "note", &["note", "notes", "comment", "bemerkung"]),
];

/// Imports corrective actions: one row each.
pub const ACTION_SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: ACTION_FIELDS,
    derived: &[],
    required: "title",
    what: "corrective actions",
    noun: "action",
    split_header: false,
};

/// Imports corrective actions.
pub struct ActionImport;

impl crate::exchange::import::Importer for ActionImport {
    fn key(&self) -> &'static str {
        "corrective-actions"
    }

    fn title(&self) -> &'static str {
        "Corrective actions"
    }

    fn hints(&self) -> &'static str {
        "One row per action, with the nonconformity's id (NC-0001), a title, an owner (e-mail) and a due day. Annex also reads id, status (open, done, cancelled), done on and note. A row whose id is an action of Annex updates only the columns the file has; the actions of a closed nonconformity are refused."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &ACTION_SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<crate::exchange::import::Row>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, crate::error::Result<crate::domain::ImportReport>>
    {
        Box::pin(
            async move { super::service::import_actions(ctx, rows, how.dry_run, how.upload).await },
        )
    }
}
