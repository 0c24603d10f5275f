//! Suppliers as tables (CSV, XLSX) and their import: one row per supplier, clauses and
//! certifications as lines, enums in words; what Annex derives (the criticality that
//! applies, the notice date, the next review, the clause gaps) is written and read past.

use super::domain::{Supplier, certifications_text, clauses_text};
use crate::domain::input::yes;
use crate::exchange::Table;
use crate::exchange::import::field as f;

const COLUMNS: [&str; 27] = [
    "id",
    "name",
    "status",
    "services",
    "owner",
    "criticality",
    "criticality_override",
    "criticality_reason",
    "derived_from",
    "personal_data",
    "data_locations",
    "sub_processors",
    "assets",
    "contract_start",
    "contract_end",
    "auto_renews",
    "notice_days",
    "notice_by",
    "reviewed_on",
    "review_due",
    "clauses",
    "clause_gaps",
    "certifications",
    "cloud_services",
    "shared_responsibility",
    "exit_plan",
    "evidence",
];

/// The suppliers: one row each.
pub fn suppliers_table(suppliers: &[Supplier]) -> Table {
    let mut t = Table::new("Suppliers", &COLUMNS, &[]);
    t.rows = suppliers
        .iter()
        .map(|s| {
            vec![
                s.id.clone(),
                s.name.clone(),
                s.status.label().to_string(),
                s.services.clone(),
                s.owner.clone(),
                s.criticality.label().to_string(),
                s.criticality_override
                    .map(|c| c.label().to_string())
                    .unwrap_or_default(),
                s.criticality_reason.clone(),
                s.derived_why.join("; "),
                yes(s.personal_data),
                s.data_locations.join("; "),
                s.sub_processors.join("; "),
                s.assets.join(", "),
                s.contract_start.clone().unwrap_or_default(),
                s.contract_end.clone().unwrap_or_default(),
                yes(s.auto_renews),
                s.notice_days.map(|n| n.to_string()).unwrap_or_default(),
                s.notice_by().unwrap_or_default(),
                s.reviewed_on.clone().unwrap_or_default(),
                s.review_due.clone().unwrap_or_default(),
                clauses_text(&s.clauses).join("; "),
                s.clause_gaps().join("; "),
                certifications_text(&s.certifications).join("; "),
                s.cloud_services.join("; "),
                s.shared_responsibility.clone(),
                s.exit_plan.clone(),
                s.evidence.join(", "),
            ]
        })
        .collect();
    t
}

const FIELDS: &[crate::exchange::import::Field] = &[
    f(
        "id",
        "id",
        &["id", "supplierid", "vendorid", "ref", "reference", "no"],
    ),
    f(
        "name",
        "name",
        &[
            "name",
            "supplier",
            "suppliername",
            "vendor",
            "vendorname",
            "thirdparty",
            "company",
            "lieferant",
            "fournisseur",
            "proveedor",
        ],
    ),
    f(
        "status",
        "status",
        &["status", "relationshipstatus", "state"],
    ),
    f(
        "services",
        "services",
        &[
            "services",
            "service",
            "description",
            "scope",
            "whattheyprovide",
            "productsservices",
        ],
    ),
    f(
        "owner",
        "owner",
        &[
            "owner",
            "supplierowner",
            "relationshipowner",
            "businessowner",
            "contact",
        ],
    ),
    f(
        "criticality",
        "criticality override",
        &["criticalityoverride", "override", "overriddencriticality"],
    ),
    f(
        "criticality_reason",
        "criticality reason",
        &[
            "criticalityreason",
            "overridereason",
            "reasonforoverride",
            "reason",
        ],
    ),
    f(
        "personal_data",
        "personal data",
        &[
            "personaldata",
            "processespersonaldata",
            "pii",
            "gdpr",
            "dataprocessor",
        ],
    ),
    f(
        "data_locations",
        "data locations",
        &[
            "datalocations",
            "datalocation",
            "location",
            "locations",
            "hosting",
            "countries",
        ],
    ),
    f(
        "sub_processors",
        "sub-processors",
        &[
            "subprocessors",
            "subprocessor",
            "subcontractors",
            "fourthparties",
        ],
    ),
    f(
        "assets",
        "assets",
        &["assets", "systems", "dataaccessed", "assetsaccessed"],
    ),
    f(
        "contract_start",
        "contract start",
        &["contractstart", "startdate", "start", "contractstartdate"],
    ),
    f(
        "contract_end",
        "contract end",
        &[
            "contractend",
            "enddate",
            "end",
            "contractenddate",
            "expiry",
            "renewaldate",
        ],
    ),
    f(
        "auto_renews",
        "auto-renews",
        &[
            "autorenews",
            "autorenewal",
            "autorenew",
            "renewsautomatically",
        ],
    ),
    f(
        "notice_days",
        "notice days",
        &["noticedays", "noticeperiod", "notice", "noticeperioddays"],
    ),
    f(
        "reviewed_on",
        "reviewed on",
        &[
            "reviewedon",
            "lastreview",
            "lastreviewed",
            "reviewdate",
            "lastassessment",
        ],
    ),
    f(
        "clauses",
        "clauses",
        &["clauses", "contractclauses", "securityclauses"],
    ),
    f(
        "certifications",
        "certifications",
        &[
            "certifications",
            "certificates",
            "certification",
            "attestations",
        ],
    ),
    f(
        "cloud_services",
        "cloud services",
        &["cloudservices", "cloudservice", "saas", "cloud"],
    ),
    f(
        "shared_responsibility",
        "shared responsibility",
        &[
            "sharedresponsibility",
            "responsibilities",
            "sharedresponsibilitymodel",
        ],
    ),
    f(
        "exit_plan",
        "exit plan",
        &["exitplan", "exitstrategy", "exit"],
    ),
    f("evidence", "evidence", &["evidence", "evidenceids"]),
];

/// Imports the supplier register: one row per supplier.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[
        &["criticality", "currentcriticality"],
        &["derivedfrom", "derivedcriticality"],
        &["noticeby"],
        &["reviewdue", "nextreview"],
        &["clausegaps"],
    ],
    required: "name",
    what: "the supplier register",
    noun: "supplier",
    split_header: false,
};

/// Imports suppliers.
pub struct SupplierImport;

impl crate::exchange::import::Importer for SupplierImport {
    fn key(&self) -> &'static str {
        "suppliers"
    }

    fn title(&self) -> &'static str {
        "Suppliers"
    }

    fn hints(&self) -> &'static str {
        "One row per supplier, with at least a name. Annex also reads id, status, services, owner (e-mail), a criticality override with its reason, personal data (yes or no), data locations, sub-processors, assets (ids of the assets whose data they access), contract start and end, auto-renews, notice days, reviewed on, clauses ('right to audit: in the contract; incident notification: in the contract, 24 h'), certifications ('ISO/IEC 27001 certificate | number | issuer | expiry'), cloud services, shared responsibility, exit plan and evidence (ids). A row whose id or name is a supplier of Annex updates it."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &SCHEMA
    }

    fn named_by(&self) -> Option<crate::exchange::import::NamedBy> {
        Some(crate::exchange::import::NamedBy {
            field: "name",
            table: "supplier",
            id_column: "supplier_id",
            name_column: "name",
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, crate::error::Result<crate::domain::ImportReport>>
    {
        Box::pin(async move { super::service::import(ctx, rows, how.dry_run, how.upload).await })
    }
}

#[cfg(test)]
mod tests {
    use super::super::domain::SupplierInput;
    use crate::error::Error;

    #[test]
    fn a_row_s_bad_values_are_each_named() {
        let values = vec![
            ("name", "Ωμέγα Cloud".to_string()),
            ("personal_data", "perhaps".to_string()),
            ("clauses", "right to audit: maybe".to_string()),
            (
                "certifications",
                "ISO/IEC 27001 certificate | 1 | BSI".to_string(),
            ),
        ];
        let Err(Error::Validation(fields)) =
            SupplierInput::default().overlay(&values, "2026-12-04")
        else {
            panic!("a bad row passed")
        };
        let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(named, ["clauses", "certifications", "personal_data"]);
    }
}
