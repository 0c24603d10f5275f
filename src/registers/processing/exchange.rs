//! The record of processing activities as a table (CSV, XLSX) — the register a supervisory
//! authority asks for (Art. 30(1)) — and its import.

use super::domain::{Processing, transfers_text};
use crate::domain::input::yes;
use crate::exchange::Table;
use crate::exchange::import::field as f;

const COLUMNS: [&str; 18] = [
    "id",
    "name",
    "owner",
    "purposes",
    "legal_basis",
    "data_categories",
    "special_categories",
    "data_subjects",
    "recipients",
    "processors",
    "processor_names",
    "transfers",
    "retention",
    "assets",
    "security",
    "dpia_required",
    "reviewed_on",
    "gaps",
];

/// The record: one row per processing activity; processors by id, and by name in a column
/// the import reads past.
pub fn processing_table(items: &[Processing], suppliers: &[(String, String)]) -> Table {
    let name = |id: &String| {
        suppliers
            .iter()
            .find(|s| &s.0 == id)
            .map(|s| s.1.clone())
            .unwrap_or_else(|| id.clone())
    };
    let mut t = Table::new("Record of processing activities", &COLUMNS, &[]);
    t.rows = items
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                x.name.clone(),
                x.owner.clone(),
                x.purposes.clone(),
                x.legal_basis.label().to_string(),
                x.data_categories.join("; "),
                yes(x.special_categories),
                x.data_subjects.join("; "),
                x.recipients.join("; "),
                x.processors.join(", "),
                x.processors.iter().map(name).collect::<Vec<_>>().join("; "),
                transfers_text(&x.transfers).join("; "),
                x.retention.clone(),
                x.assets.join(", "),
                x.security.clone(),
                yes(x.dpia_required),
                x.reviewed_on.clone().unwrap_or_default(),
                x.gaps().join("; "),
            ]
        })
        .collect();
    t
}

const FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "ref", "no", "activityid"]),
    f(
        "name",
        "name",
        &[
            "name",
            "processingactivity",
            "activity",
            "processing",
            "nameofprocessing",
            "verarbeitungstätigkeit",
            "verarbeitungstatigkeit",
        ],
    ),
    f(
        "owner",
        "owner",
        &["owner", "responsible", "department", "businessowner"],
    ),
    f(
        "purposes",
        "purposes",
        &[
            "purposes",
            "purpose",
            "purposesofprocessing",
            "zweck",
            "zwecke",
        ],
    ),
    f(
        "legal_basis",
        "legal basis",
        &["legalbasis", "lawfulbasis", "basis", "rechtsgrundlage"],
    ),
    f(
        "data_categories",
        "data categories",
        &[
            "datacategories",
            "categoriesofpersonaldata",
            "personaldata",
            "datenkategorien",
        ],
    ),
    f(
        "special_categories",
        "special categories",
        &[
            "specialcategories",
            "specialcategorydata",
            "sensitivedata",
            "article9",
        ],
    ),
    f(
        "data_subjects",
        "data subjects",
        &[
            "datasubjects",
            "categoriesofdatasubjects",
            "subjects",
            "betroffene",
        ],
    ),
    f(
        "recipients",
        "recipients",
        &[
            "recipients",
            "categoriesofrecipients",
            "empfänger",
            "empfanger",
        ],
    ),
    f(
        "processors",
        "processors",
        &["processors", "suppliers", "vendors", "processorids"],
    ),
    f(
        "transfers",
        "transfers",
        &[
            "transfers",
            "thirdcountrytransfers",
            "internationaltransfers",
            "transfersoutsidetheeea",
        ],
    ),
    f(
        "retention",
        "retention",
        &[
            "retention",
            "retentionperiod",
            "erasure",
            "timelimits",
            "löschfrist",
        ],
    ),
    f("assets", "assets", &["assets", "systems", "applications"]),
    f(
        "security",
        "security",
        &[
            "security",
            "securitymeasures",
            "technicalandorganisationalmeasures",
            "toms",
        ],
    ),
    f(
        "dpia_required",
        "DPIA required",
        &["dpiarequired", "dpia", "impactassessment"],
    ),
    f(
        "reviewed_on",
        "reviewed on",
        &["reviewedon", "lastreview", "reviewdate"],
    ),
];

/// Imports the record of processing activities: one row per activity.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[&["gaps"], &["processornames"]],
    required: "name",
    what: "the record of processing activities",
    noun: "processing activity",
    split_header: false,
};

/// Imports processing activities.
pub struct ProcessingImport;

impl crate::exchange::import::Importer for ProcessingImport {
    fn key(&self) -> &'static str {
        "processing"
    }

    fn title(&self) -> &'static str {
        "Record of processing activities"
    }

    fn hints(&self) -> &'static str {
        "One row per processing activity, with at least a name and its legal basis. Annex also reads id, owner, purposes, data categories, special categories (yes or no), data subjects, recipients, processors (supplier ids), transfers ('United States | standard contractual clauses'), retention, assets (ids), security measures, DPIA required and reviewed on."
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
