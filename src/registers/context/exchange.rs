//! The context's issues as a table (CSV, XLSX) and their import: one row per issue; a row
//! whose id is an issue of Annex updates only the columns its file has.

use super::domain::ContextIssue;
use crate::exchange::Table;
use crate::exchange::import::field as f;

const COLUMNS: [&str; 11] = [
    "id",
    "title",
    "side",
    "category",
    "description",
    "effect",
    "bearing",
    "risks",
    "owner",
    "reviewed_on",
    "review_due",
];

/// The issues: one row each.
pub fn issues_table(items: &[ContextIssue]) -> Table {
    let mut t = Table::new("Issues", &COLUMNS, &[]);
    t.rows = items
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                x.title.clone(),
                x.side.label().to_string(),
                x.category.label().to_string(),
                x.description.clone(),
                x.effect.clone(),
                x.bearing.label().to_string(),
                x.risks.join(", "),
                x.owner.clone(),
                x.reviewed_on.clone().unwrap_or_default(),
                x.review_due.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}

const FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "issueid", "ref", "reference", "no"]),
    f(
        "title",
        "title",
        &[
            "title",
            "issue",
            "name",
            "contextissue",
            "thema",
            "sachverhalt",
            "enjeu",
            "cuestión",
        ],
    ),
    f(
        "side",
        "side",
        &[
            "side",
            "internalexternal",
            "internalorexternal",
            "intext",
            "type",
            "internextern",
        ],
    ),
    f(
        "category",
        "category",
        &["category", "kind", "pestle", "area", "kategorie", "domain"],
    ),
    f(
        "description",
        "description",
        &["description", "details", "beschreibung", "detail"],
    ),
    f(
        "effect",
        "effect",
        &[
            "effect",
            "effectontheisms",
            "impact",
            "impactontheisms",
            "relevance",
            "auswirkung",
        ],
    ),
    f(
        "bearing",
        "bearing",
        &["bearing", "riskoropportunity", "riskopportunity", "nature"],
    ),
    f("risks", "risks", &["risks", "riskids", "relatedrisks"]),
    f(
        "owner",
        "owner",
        &["owner", "responsible", "verantwortlich"],
    ),
    f(
        "reviewed_on",
        "reviewed on",
        &["reviewedon", "lastreview", "lastreviewed"],
    ),
    f(
        "review_due",
        "review due",
        &["reviewdue", "nextreview", "reviewdate", "nächsteprüfung"],
    ),
];

/// Imports issues: one row per issue.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[],
    required: "title",
    what: "the issues of the organisation's context",
    noun: "issue",
    split_header: false,
};

/// Imports the context's issues.
pub struct IssueImport;

impl crate::exchange::import::Importer for IssueImport {
    fn key(&self) -> &'static str {
        "context-issues"
    }

    fn path(&self) -> &'static str {
        "context/issues"
    }

    fn title(&self) -> &'static str {
        "Issues of the organisation's context"
    }

    fn hints(&self) -> &'static str {
        "One row per issue, with at least a title and whether it is internal or external. Annex also reads id, category (strategy and governance, organisation and people, technology, legal and regulatory, economy and market, society and culture, environment and location, suppliers and partners, other), description, effect on the ISMS, bearing (a risk, an opportunity or both), risks (ids, comma-separated), owner (e-mail), reviewed on and review due. A row whose id is an issue of Annex updates only the columns the file has."
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
