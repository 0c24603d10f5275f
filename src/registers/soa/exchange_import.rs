//! Importing a Statement of Applicability of ISO/IEC 27002:2022 from a spreadsheet: Annex's own
//! export (so the SoA round-trips like every register) or one made elsewhere (a consultant's
//! workbook, another tool's CSV, a German or Czech SoA). The table is found as for every
//! import; the header may take two rows (tick columns under "reasons for selection"). Which
//! edition a file is written against is told by its control ids, so that one command and one
//! upload take both (a 2013 SoA goes to the migration, `super::migrate`).

use super::domain_import::edition_name;
use super::domain_import::{Edition, RowInput, looks_like};
use crate::domain::ImportReport;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::error::Result;
use crate::exchange::import::{self, Field, Importer, Schema};
use crate::exchange::sheet::Grid;
use crate::service::Ctx;

/// Headers (squashed) of the columns that hold yes or no.
pub(crate) const APPLICABLE: &[&str] = &[
    "applicable",
    "applicability",
    "applicableyn",
    "applicabilityyn",
    "applicableyesno",
    "isapplicable",
    "controlapplicable",
    "applies",
    "selected",
    "included",
    "inscope",
    "anwendbar",
    "anwendbarkeit",
    "aplikovatelnost",
    "aplikovatelné",
    "εφαρμοζεται",
    "εφαρμόζεται",
];

/// Headers of the written justification.
pub(crate) const JUSTIFICATION: &[&str] = &[
    "justification",
    "reason",
    "justificationforinclusionexclusion",
    "justificationforinclusionorexclusion",
    "justificationforinclusion",
    "justificationforselection",
    "justificationapplicability",
    "reasonforinclusionexclusion",
    "reasonforselectionexclusion",
    "reasonsforselectionexclusion",
    "justificationreason",
    "rationale",
    "begründung",
    "odůvodnění",
    "zdůvodnění",
    "αιτιολογηση",
    "αιτιολόγηση",
];

/// Headers of a separate justification for exclusions.
pub(crate) const EXCLUSION_JUSTIFICATION: &[&str] = &[
    "justificationforexclusion",
    "reasonforexclusion",
    "reasonsforexclusion",
    "exclusionjustification",
    "exclusionrationale",
    "whyexcluded",
    "λογοιεξαιρεσησελεγχου",
];

/// Headers of the implementation status.
pub(crate) const STATUS: &[&str] = &[
    "status",
    "implementationstatus",
    "statusofimplementation",
    "controlstatus",
    "currentstatus",
    "implementationstate",
    "implemented",
    "implementation",
    "state",
    "progress",
    "umsetzungsstatus",
    "umsetzung",
    "implementace",
    "stavimplementace",
];

/// Headers of the reasons for inclusion in words.
pub(crate) const REASONS: &[&str] = &[
    "reasons",
    "reasonsforinclusion",
    "reasonforinclusion",
    "reasonsforselection",
    "reasonforselection",
    "selectionreason",
    "selectionreasons",
    "inclusionreason",
    "whyselected",
    "drivers",
    "λογοιεπιλογησελεγχου",
];

pub(crate) const REASON_RISK: &[&str] = &[
    "rra",
    "ra",
    "riskassessment",
    "resultsofriskassessment",
    "resultofriskassessment",
    "riskassessmentresults",
    "risktreatment",
    // Greek: a requirement that came from the risk assessment and treatment.
    "εδκα",
];
pub(crate) const REASON_LEGAL: &[&str] = &[
    "lr",
    "legal",
    "legalrequirement",
    "legalrequirements",
    "legalregulatory",
    "legalandregulatory",
    "regulatory",
    "lawsandregulations",
    // Greek: legal requirement.
    "να",
];
pub(crate) const REASON_CONTRACTUAL: &[&str] = &[
    "co",
    "cr",
    "contractual",
    "contractualobligation",
    "contractualobligations",
    "contractualrequirement",
    "contractualrequirements",
    // Greek: contractual requirement.
    "ασ",
];
pub(crate) const REASON_BUSINESS: &[&str] = &[
    "br",
    "business",
    "businessrequirement",
    "businessrequirements",
    "businessneeds",
];
pub(crate) const REASON_BEST_PRACTICE: &[&str] = &[
    "bp",
    "bestpractice",
    "bestpractices",
    "goodpractice",
    "adoptedbestpractice",
    "adoptedbestpractices",
    "industrybestpractice",
];

/// Headers of the control's owner.
pub(crate) const OWNER: &[&str] = &[
    "owner",
    "controlowner",
    "responsible",
    "responsibility",
    "responsibleperson",
    "accountable",
    "assignee",
    "verantwortlich",
    "verantwortlicher",
    "vlastník",
];

/// Headers of the control id that both editions use.
pub(crate) const CONTROL: &[&str] = &[
    "control",
    "controlid",
    "controlno",
    "controlnumber",
    "controlref",
    "controlreference",
    "ref",
    "refno",
    "reference",
    "annexa",
    "annexaref",
    "annexareference",
    "annexacontrol",
    "annexacontrolid",
    "iso27001",
    "iso27001control",
    "iso27002",
    "iso270012013",
    "iso270022013",
    "id",
    "no",
    "number",
    "kontrollid",
    "kontrolle",
    "maßnahme",
    "opatření",
];

const FIELDS: &[Field] = &[
    Field::new("control", "2022 control (5.1)", CONTROL),
    Field::new("applicable", "applicable (yes or no)", APPLICABLE),
    Field::new("reasons", "reasons for inclusion", REASONS),
    Field::new(
        "reason_risk",
        "ticked: selected by the risk assessment",
        REASON_RISK,
    ),
    Field::new(
        "reason_legal",
        "ticked: legal or regulatory requirement",
        REASON_LEGAL,
    ),
    Field::new(
        "reason_contractual",
        "ticked: contractual obligation",
        REASON_CONTRACTUAL,
    ),
    Field::new(
        "reason_business",
        "ticked: business requirement",
        REASON_BUSINESS,
    ),
    Field::new(
        "reason_best_practice",
        "ticked: good practice",
        REASON_BEST_PRACTICE,
    ),
    Field::new(
        "exclusion_reason",
        "exclusion reason",
        &["exclusionreason", "exclusioncategory", "exclusiontype"],
    ),
    Field::new("justification", "justification", JUSTIFICATION),
    Field::new(
        "exclusion_justification",
        "justification for exclusion",
        EXCLUSION_JUSTIFICATION,
    ),
    Field::new("status", "implementation status", STATUS),
    Field::new(
        "maturity",
        "maturity (0 to 5)",
        &[
            "maturity",
            "maturitylevel",
            "cmm",
            "cmmlevel",
            "capability",
            "reifegrad",
            "vyspělost",
        ],
    ),
    Field::new("owner", "owner", OWNER),
    Field::new(
        "target_date",
        "target date",
        &[
            "targetdate",
            "duedate",
            "due",
            "deadline",
            "implementationdate",
            "targetcompletion",
            "targetcompletiondate",
            "zieldatum",
            "termín",
        ],
    ),
];

/// Columns the catalogue gives (titles, control text, themes): read past, not read.
pub(crate) const FROM_CATALOGUE: &[&str] = &[
    "title",
    "controltitle",
    "controlname",
    "name",
    "description",
    "controldescription",
    "controltext",
    "objective",
    "controlobjective",
    "objectivecontrol",
    "domain",
    "section",
    "clause",
    "category",
    "theme",
    "kontrollname",
    "bereich",
    "název",
];

/// Columns of Annex's own export that Annex computes (attributes, measures, evidence, risks,
/// warnings): read past in a 2022 SoA.
pub(crate) const FROM_ANNEX: &[&str] = &[
    "controltype",
    "securityproperties",
    "informationsecurityproperties",
    "cybersecurityconcepts",
    "operationalcapabilities",
    "securitydomains",
    "measures",
    "evidence",
    "risks",
    "warnings",
    "obligations",
];

pub(crate) const SCHEMA: Schema = Schema {
    fields: FIELDS,
    derived: &[FROM_CATALOGUE, FROM_ANNEX],
    required: "control",
    what: "a Statement of Applicability of 2022",
    noun: "2022",
    split_header: true,
};

/// The edition a file's control ids are written against: the one more of its control cells
/// look like (a 2013 SoA has headings with two numbers too, but more controls with three),
/// `None` when no cell looks like either.
pub fn detect(grids: &[Grid], opts: &import::Options) -> Option<Edition> {
    let table = import::read_table(&SCHEMA, grids, opts).ok()?;
    let col = table
        .columns
        .iter()
        .position(|c| c.field == Some("control"))?;
    let (mut old, mut new) = (0usize, 0usize);
    for (_, cells) in &table.data {
        let cell = cells.get(col).map(String::as_str).unwrap_or_default();
        match looks_like(cell) {
            Some(Edition::E2013) => old += 1,
            Some(Edition::E2022) => new += 1,
            // A 2013 id Excel turned into a date.
            None if super::migrate::domain::control_candidates(cell)
                .iter()
                .any(|c| c.split('.').count() == 3) =>
            {
                old += 1
            }
            None => {}
        }
    }
    match (old, new) {
        (0, 0) => None,
        (o, n) if o > n => Some(Edition::E2013),
        _ => Some(Edition::E2022),
    }
}

/// The 2022 SoA as an import (`annex soa import`, `/soa/import`, `POST /api/v1/soa/import`).
pub struct SoaImport;

impl Importer for SoaImport {
    fn key(&self) -> &'static str {
        "soa"
    }

    fn title(&self) -> &'static str {
        "Statement of Applicability"
    }

    fn hints(&self) -> &'static str {
        "One row per control of ISO/IEC 27002:2022 (5.1, A.5.1 or the id followed by its title), with whether it applies. Annex also reads the reasons for inclusion (in words, or ticks under LR, CO, BR, BP, RRA), the exclusion reason, the justification, the implementation status, the maturity (0 to 5), the owner and the target date. Titles, attributes, measures, evidence, risks and warnings come from Annex and are not read. Controls the file leaves out stay as they are. A file of 2013 controls (A.12.4.1) goes to the migration of a 2013 SoA."
    }

    fn schema(&self) -> &'static Schema {
        &SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: import::Writing<'a>,
    ) -> import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(async move {
            let inputs = rows
                .into_iter()
                .map(|(n, values)| {
                    let mut input = RowInput::default();
                    for (field, value) in values {
                        input.set(field, value);
                    }
                    (n, input)
                })
                .collect();
            super::service::import(ctx, DEFAULT_FRAMEWORK, inputs, how.dry_run, how.upload).await
        })
    }

    fn divert(&self, grids: &[Grid]) -> Option<import::Diversion> {
        (detect(grids, &import::Options::default()) == Some(Edition::E2013)).then(|| {
            import::Diversion {
                kind: super::migrate::domain::UPLOAD_KIND,
                page: "/soa/import-2013",
                api: "POST /api/v1/soa/import-2013",
                why: format!(
                    "its controls are of {} (three numbers, such as A.5.1.1)",
                    edition_name(Edition::E2013)
                ),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn grid(rows: &[&[&str]]) -> Grid {
        Grid {
            sheet: None,
            rows: rows
                .iter()
                .map(|r| r.iter().map(|c| c.to_string()).collect())
                .collect(),
            notes: Default::default(),
        }
    }

    #[test]
    fn the_edition_is_told_by_the_control_ids() {
        let new = grid(&[
            &["Control ID", "Applicable"],
            &["A.5.1", "Yes"],
            &["A.8.34", "Yes"],
        ]);
        let d = |g: &Grid| detect(std::slice::from_ref(g), &import::Options::default());
        assert_eq!(d(&new), Some(Edition::E2022));
        let old = grid(&[
            &["Control", "Applicable"],
            &["A.5.1 Management direction", ""],
            &["A.5.1.1", "Yes"],
            &["A.5.1.2", "Yes"],
            &["A.12.4.1", "Yes"],
        ]);
        assert_eq!(d(&old), Some(Edition::E2013));
        let mangled = grid(&[&["Control", "Applicable"], &["2010-01-01", "Yes"]]);
        assert_eq!(d(&mangled), Some(Edition::E2013));
        let none = grid(&[&["Control", "Applicable"], &["Firewall", "Yes"]]);
        assert_eq!(d(&none), None);
    }
}
