//! The document register as a spreadsheet: one row per document, its fields in words.

use super::domain::{Document, DocumentInput};
use crate::exchange::Table;

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
