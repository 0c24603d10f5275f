//! The document register as a spreadsheet: one row per document, its fields in words.

use super::domain::{Document, DocumentInput};
use crate::domain::ImportReport;
use crate::error::Result;
use crate::exchange::Table;
use crate::exchange::import::{Field, Importer, Schema, parse_rows};
use crate::service::Ctx;

pub const DOCUMENT_COLUMNS: [&str; 14] = [
    "id",
    "title",
    "kind",
    "owner",
    "approver",
    "classification",
    "audience",
    "review_months",
    "status",
    "current_version",
    "latest_version",
    "next_review_on",
    "controls",
    "clauses",
];

/// The register: every document's fields, its status and versions in words.
pub fn documents_table(documents: &[Document]) -> Table {
    let mut t = Table::new(
        "Documents",
        &DOCUMENT_COLUMNS,
        &["review_months", "current_version", "latest_version"],
    );
    t.rows = documents
        .iter()
        .map(|d| {
            let v = DocumentInput::from(d);
            vec![
                d.id.clone(),
                v.title,
                d.kind.label().to_string(),
                v.owner,
                v.approver,
                v.classification,
                v.audience,
                d.review_months.to_string(),
                d.status.label().to_string(),
                d.current_version.map(|n| n.to_string()).unwrap_or_default(),
                d.latest_version.to_string(),
                d.next_review_on.clone().unwrap_or_default(),
                v.controls,
                v.clauses,
            ]
        })
        .collect();
    t
}

use crate::exchange::import::field as f;

const DOCUMENT_FIELDS: &[Field] = &[
    f(
        "id",
        "id",
        &["id", "documentid", "docid", "ref", "reference", "no"],
    ),
    f(
        "title",
        "title",
        &[
            "title",
            "document",
            "documenttitle",
            "name",
            "policy",
            "titel",
            "název",
            "τίτλος",
        ],
    ),
    f(
        "kind",
        "kind",
        &["kind", "type", "documenttype", "category", "art", "typ"],
    ),
    f(
        "owner",
        "owner",
        &[
            "owner",
            "documentowner",
            "author",
            "responsible",
            "eigentümer",
            "vlastník",
        ],
    ),
    f(
        "approver",
        "approver",
        &[
            "approver",
            "approvedby",
            "approval",
            "freigabe",
            "schvaluje",
        ],
    ),
    f(
        "classification",
        "classification",
        &[
            "classification",
            "confidentiality",
            "klassifizierung",
            "klasifikace",
        ],
    ),
    f(
        "audience",
        "audience",
        &["audience", "readers", "appliesto", "scope"],
    ),
    f(
        "review_months",
        "review cycle (months)",
        &[
            "reviewmonths",
            "reviewcycle",
            "reviewcyclemonths",
            "reviewfrequency",
            "reviewinterval",
        ],
    ),
    f(
        "controls",
        "controls",
        &[
            "controls",
            "control",
            "annexa",
            "iso27002",
            "mappedcontrols",
        ],
    ),
    f(
        "clauses",
        "clauses",
        &["clauses", "clause", "iso27001", "iso27001clauses"],
    ),
];

/// Imports the document register: one row per document (its details; its text is written
/// in Annex). Status, versions and review dates are Annex's, read past.
pub const DOCUMENT_SCHEMA: Schema = Schema {
    fields: DOCUMENT_FIELDS,
    derived: &[&[
        "status",
        "currentversion",
        "latestversion",
        "publishedversion",
        "nextreviewon",
        "nextreview",
        "version",
    ]],
    required: "title",
    what: "the document register",
    noun: "document",
    split_header: false,
};

fn document_input(values: impl Iterator<Item = (&'static str, String)>) -> DocumentInput {
    let mut v = DocumentInput::default();
    for (field, value) in values {
        match field {
            "id" => v.id = Some(value),
            "title" => v.title = value,
            "kind" => v.kind = value,
            "owner" => v.owner = value,
            "approver" => v.approver = value,
            "classification" => v.classification = value,
            "audience" => v.audience = value,
            "review_months" => v.review_months = Some(serde_json::Value::String(value)),
            "controls" => v.controls = value,
            "clauses" => v.clauses = value,
            _ => {}
        }
    }
    v
}

/// Imports document registers.
pub struct DocumentImport;

impl Importer for DocumentImport {
    fn key(&self) -> &'static str {
        "documents"
    }

    fn title(&self) -> &'static str {
        "Documents"
    }

    fn hints(&self) -> &'static str {
        "One row per document, with at least a title. Annex also reads id, kind (policy, topic-specific policy, procedure, standard, plan), owner, approver, classification, audience, review cycle in months, controls (5.15, 8.5) and clauses (5.2, 7.5). New documents start with a draft to write in Annex; a document already here keeps its versions and only its details change."
    }

    fn schema(&self) -> &'static Schema {
        &DOCUMENT_SCHEMA
    }

    fn named_by(&self) -> Option<crate::exchange::import::NamedBy> {
        Some(crate::exchange::import::NamedBy {
            field: "title",
            table: "document",
            id_column: "document_id",
            name_column: "title",
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(async move {
            let levels = super::service::levels(ctx).await?;
            let drafts = parse_rows(rows, |values| {
                document_input(values.into_iter()).parse(&levels)
            })?;
            super::service::import(ctx, drafts, how.dry_run, how.upload).await
        })
    }
}

/// A document's audience and where each person stands; with `links` (one per line), the
/// personal link each is sent for a reminder.
pub fn acks_table(lines: &[super::domain_ack::AckLine], links: &[String]) -> Table {
    let mut columns = vec![
        "person_id",
        "name",
        "email",
        "department",
        "state",
        "due_on",
        "acknowledged_at",
        "via",
    ];
    if !links.is_empty() {
        columns.push("link");
    }
    let mut t = Table::new("Acknowledgements", &columns, &[]);
    t.rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut row = vec![
                l.person_id.clone(),
                l.name.clone(),
                l.email.clone(),
                l.department.clone(),
                l.state.label().to_string(),
                l.due_on.clone().unwrap_or_default(),
                l.acknowledged_at
                    .as_deref()
                    .map(crate::domain::clock::display)
                    .unwrap_or_default(),
                l.via.map(|v| v.label().to_string()).unwrap_or_default(),
            ];
            if let Some(link) = links.get(i) {
                row.push(link.clone());
            }
            row
        })
        .collect();
    t
}
