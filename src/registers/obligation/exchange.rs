//! Obligations as tables (CSV, XLSX) and their import: one row per obligation, enums in
//! words, controls as ids; the next review is derived, written and read past.

use super::domain::{Obligation, controls_text};
use crate::domain::input::yes;
use crate::exchange::Table;
use crate::exchange::import::field as f;

const COLUMNS: [&str; 18] = [
    "id",
    "title",
    "kind",
    "reference",
    "url",
    "jurisdiction",
    "summary",
    "owner",
    "applicable",
    "applicability_note",
    "compliance",
    "counterparty",
    "supplier",
    "controls",
    "evidence",
    "reviewed_on",
    "review_due",
    "starter",
];

/// The obligations: one row each.
pub fn obligations_table(obligations: &[Obligation]) -> Table {
    let mut t = Table::new("Obligations", &COLUMNS, &[]);
    t.rows = obligations
        .iter()
        .map(|o| {
            vec![
                o.id.clone(),
                o.title.clone(),
                o.kind.label().to_string(),
                o.reference.clone(),
                o.url.clone(),
                o.jurisdiction.clone(),
                o.summary.clone(),
                o.owner.clone(),
                yes(o.applicable),
                o.applicability_note.clone(),
                o.compliance.label().to_string(),
                o.counterparty.clone(),
                o.supplier.clone().unwrap_or_default(),
                controls_text(&o.controls),
                o.evidence.join(", "),
                o.reviewed_on.clone().unwrap_or_default(),
                o.review_due.clone().unwrap_or_default(),
                o.starter.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}

const FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "obligationid", "ref", "no"]),
    f(
        "title",
        "title",
        &[
            "title",
            "obligation",
            "name",
            "law",
            "regulation",
            "requirement",
            "legislation",
            "gesetz",
        ],
    ),
    f("kind", "kind", &["kind", "type", "category", "source"]),
    f(
        "reference",
        "reference",
        &["reference", "citation", "article", "articles", "number"],
    ),
    f("url", "URL", &["url", "link", "weblink", "sourceurl"]),
    f(
        "jurisdiction",
        "jurisdiction",
        &["jurisdiction", "country", "region", "territory"],
    ),
    f(
        "summary",
        "summary",
        &["summary", "description", "whatitrequires", "requirements"],
    ),
    f("owner", "owner", &["owner", "responsible", "accountable"]),
    f(
        "applicable",
        "applicable",
        &["applicable", "applies", "inscope", "relevant"],
    ),
    f(
        "applicability_note",
        "applicability note",
        &[
            "applicabilitynote",
            "whyapplicable",
            "applicabilityreason",
            "notes",
        ],
    ),
    f(
        "compliance",
        "compliance",
        &["compliance", "compliancestatus", "status"],
    ),
    f(
        "counterparty",
        "counterparty",
        &["counterparty", "party", "customer", "contractparty"],
    ),
    f(
        "supplier",
        "supplier",
        &["supplier", "supplierid", "vendor"],
    ),
    f(
        "controls",
        "controls",
        &["controls", "control", "annexacontrols", "mappedcontrols"],
    ),
    f("evidence", "evidence", &["evidence", "evidenceids"]),
    f(
        "reviewed_on",
        "reviewed on",
        &["reviewedon", "lastreview", "lastreviewed", "reviewdate"],
    ),
    f("starter", "starter", &["starter", "starterkey"]),
];

/// Imports the obligations register: one row per obligation.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[&["reviewdue", "nextreview"]],
    required: "title",
    what: "the register of legal, regulatory and contractual obligations",
    noun: "obligation",
    split_header: false,
};

/// Imports obligations.
pub struct ObligationImport;

impl crate::exchange::import::Importer for ObligationImport {
    fn key(&self) -> &'static str {
        "obligations"
    }

    fn title(&self) -> &'static str {
        "Obligations"
    }

    fn hints(&self) -> &'static str {
        "One row per law, regulation or contract, with at least a title and its kind (legal, regulatory or contractual). Annex also reads id, reference, URL, jurisdiction, summary, owner, applicable (yes or no), applicability note, compliance (not assessed, compliant, partially compliant, not compliant), counterparty, supplier (id), controls (ids such as 5.31, 5.34), evidence (ids) and reviewed on. A row whose id is an obligation of Annex updates it."
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
