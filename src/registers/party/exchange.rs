//! Interested parties as a table (CSV, XLSX) and their import: one row per party; a row
//! whose id is a party of Annex updates only the columns its file has.

use super::domain::Party;
use crate::domain::input::yes;
use crate::exchange::Table;
use crate::exchange::import::field as f;

const COLUMNS: [&str; 8] = [
    "id",
    "name",
    "kind",
    "needs",
    "addressed",
    "obligations",
    "owner",
    "reviewed_on",
];

/// The interested parties: one row each.
pub fn parties_table(items: &[Party]) -> Table {
    let mut t = Table::new("Interested parties", &COLUMNS, &[]);
    t.rows = items
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                x.name.clone(),
                x.kind.label().to_string(),
                x.needs.clone(),
                yes(x.addressed),
                x.obligations.join(", "),
                x.owner.clone(),
                x.reviewed_on.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}

const FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "partyid", "ref", "reference", "no"]),
    f(
        "name",
        "name",
        &[
            "name",
            "party",
            "interestedparty",
            "stakeholder",
            "partyname",
            "interessierteseite",
            "partieintéressée",
            "parteinteresada",
        ],
    ),
    f(
        "kind",
        "kind",
        &["kind", "type", "category", "partytype", "internalexternal"],
    ),
    f(
        "needs",
        "needs",
        &[
            "needs",
            "needsandexpectations",
            "expectations",
            "requirements",
            "relevantrequirements",
            "anforderungen",
        ],
    ),
    f(
        "addressed",
        "addressed",
        &["addressed", "addressedbytheisms", "inscope", "met"],
    ),
    f(
        "obligations",
        "obligations",
        &["obligations", "obligationids", "laws", "contracts"],
    ),
    f("owner", "owner", &["owner", "contact", "responsible"]),
    f(
        "reviewed_on",
        "reviewed on",
        &["reviewedon", "lastreview", "lastreviewed", "reviewdate"],
    ),
];

/// Imports interested parties: one row per party.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[],
    required: "name",
    what: "the interested parties",
    noun: "interested party",
    split_header: false,
};

/// Imports interested parties.
pub struct PartyImport;

impl crate::exchange::import::Importer for PartyImport {
    fn key(&self) -> &'static str {
        "parties"
    }

    fn title(&self) -> &'static str {
        "Interested parties"
    }

    fn hints(&self) -> &'static str {
        "One row per interested party, with at least a name. Annex also reads id, kind (customers, staff, regulators and authorities, suppliers and partners, owners and investors, insurers, the public and the community, other), needs, addressed (yes or no), obligations (ids, comma-separated), owner (e-mail) and reviewed on. A row whose id is a party of Annex updates only the columns the file has."
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
