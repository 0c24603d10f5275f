//! Internal audit as tables and documents: the findings (CSV, XLSX) and their import — a
//! row whose id is a finding of Annex updates only the columns its file has — and the audit
//! report as PDF and as an XLSX workbook (the audit, its checklist, its findings).

use super::domain::AuditRecord;
use super::domain::Programme;
use super::domain_finding::Finding;
use crate::exchange::Table;
use crate::exchange::import::field as f;

const COLUMNS: [&str; 13] = [
    "id",
    "audit",
    "kind",
    "title",
    "description",
    "requirement",
    "clause",
    "control",
    "record",
    "owner",
    "raised_by",
    "raised_on",
    "status",
];

/// The findings: one row each.
pub fn findings_table(items: &[Finding]) -> Table {
    let mut t = Table::new("Findings", &COLUMNS, &[]);
    t.rows = items
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                x.audit.clone(),
                x.kind.label().to_string(),
                x.title.clone(),
                x.description.clone(),
                x.requirement.clone(),
                x.clause.clone().unwrap_or_default(),
                x.control.clone().unwrap_or_default(),
                x.record.clone().unwrap_or_default(),
                x.owner.clone(),
                x.raised_by.clone(),
                x.raised_on.clone(),
                x.status.label().to_string(),
            ]
        })
        .collect();
    t
}

const FIELDS: &[crate::exchange::import::Field] = &[
    f(
        "id",
        "id",
        &["id", "findingid", "ref", "reference", "no", "nr"],
    ),
    f(
        "audit",
        "audit",
        &["audit", "auditid", "internalaudit", "prüfung", "audit_id"],
    ),
    f(
        "kind",
        "kind",
        &[
            "kind",
            "type",
            "findingtype",
            "classification",
            "grading",
            "category",
            "art",
            "feststellungsart",
        ],
    ),
    f(
        "title",
        "title",
        &["title", "finding", "summary", "feststellung", "constat"],
    ),
    f(
        "description",
        "description",
        &[
            "description",
            "evidence",
            "objectiveevidence",
            "details",
            "beschreibung",
            "nachweis",
        ],
    ),
    f(
        "requirement",
        "requirement",
        &["requirement", "criterion", "criteria", "anforderung"],
    ),
    f(
        "clause",
        "clause",
        &["clause", "isoclause", "27001clause", "kapitel", "abschnitt"],
    ),
    f(
        "control",
        "control",
        &[
            "control",
            "controlid",
            "annexa",
            "annexacontrol",
            "maßnahme",
        ],
    ),
    f("record", "record", &["record", "recordid", "object"]),
    f(
        "owner",
        "owner",
        &["owner", "responsible", "auditee", "verantwortlich"],
    ),
    f(
        "raised_on",
        "raised on",
        &["raisedon", "date", "found", "datum", "raised"],
    ),
    f("status", "status", &["status", "state"]),
];

/// Imports findings: one row per finding.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[&["raisedby"]],
    required: "title",
    what: "the findings of internal audits",
    noun: "finding",
    split_header: false,
};

/// Imports findings.
pub struct FindingImport;

impl crate::exchange::import::Importer for FindingImport {
    fn key(&self) -> &'static str {
        "findings"
    }

    fn title(&self) -> &'static str {
        "Findings of internal audits"
    }

    fn hints(&self) -> &'static str {
        "One row per finding, with the audit's id (IA-0001), its kind (major nonconformity, minor nonconformity, observation, opportunity for improvement; also major NC, minor NC, OFI) and a title. A nonconformity names its clause (9.2) or control (5.18). Annex also reads id, description (what was seen), requirement, record (an id), owner (e-mail), raised on and status (open, closed). A row whose id is a finding of Annex updates only the columns the file has."
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
        Box::pin(async move {
            super::service::import_findings(ctx, rows, how.dry_run, how.upload).await
        })
    }
}

/// The formats of the audit report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Pdf,
    Xlsx,
}

impl ReportFormat {
    pub fn parse(raw: &str) -> crate::error::Result<ReportFormat> {
        match raw.trim().to_lowercase().as_str() {
            "pdf" | "" => Ok(ReportFormat::Pdf),
            "xlsx" => Ok(ReportFormat::Xlsx),
            other => Err(crate::error::Error::field(
                "format",
                format!(
                    "'{}' is not a report format: use pdf or xlsx",
                    other.chars().take(20).collect::<String>()
                ),
            )),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "pdf",
            ReportFormat::Xlsx => "xlsx",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ReportFormat::Pdf => "application/pdf",
            ReportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        }
    }
}

/// What the report is made of.
pub struct Report<'a> {
    pub organisation: &'a str,
    pub programme: &'a Programme,
    pub record: &'a AuditRecord,
    /// E-mail → name.
    pub names: &'a std::collections::HashMap<String, String>,
    pub generated_at: &'a str,
}

impl Report<'_> {
    fn person(&self, who: &str) -> String {
        let name = crate::domain::words::person(self.names, who);
        if name == who || who.is_empty() {
            who.to_string()
        } else {
            format!("{name} <{who}>")
        }
    }

    /// The audit's facts, in words: (label, value).
    fn facts(&self) -> Vec<(String, String)> {
        let a = &self.record.audit;
        let mut out = vec![
            ("Audit".to_string(), format!("{} {}", a.id, a.title)),
            (
                "Programme".to_string(),
                format!(
                    "{} {} ({} to {})",
                    self.programme.id,
                    self.programme.title,
                    self.programme.starts_on,
                    self.programme.ends_on
                ),
            ),
            ("Scope".to_string(), a.scope_text()),
            (
                "Dates".to_string(),
                if a.starts_on == a.ends_on {
                    a.starts_on.clone()
                } else {
                    format!("{} to {}", a.starts_on, a.ends_on)
                },
            ),
            ("Lead auditor".to_string(), self.person(&a.lead)),
        ];
        if !a.auditors.is_empty() {
            out.push((
                "Auditors".to_string(),
                a.auditors
                    .iter()
                    .map(|x| self.person(x))
                    .collect::<Vec<_>>()
                    .join(", "),
            ));
        }
        if !a.auditees.is_empty() {
            out.push(("Auditees".to_string(), a.auditees.clone()));
        }
        if !a.criteria.is_empty() {
            out.push(("Criteria".to_string(), a.criteria.clone()));
        }
        out.push(("Status".to_string(), a.status.label().to_string()));
        if let Some(d) = &a.completed_on {
            out.push(("Completed on".to_string(), d.clone()));
        }
        out.push((
            "Independence".to_string(),
            if self.record.conflicts.is_empty() {
                "No auditor owns what the audit covers.".to_string()
            } else {
                self.record.conflicts.join("; ")
            },
        ));
        out
    }

    fn summary(&self) -> String {
        use super::domain_finding::FindingKind;
        let f = &self.record.findings;
        let n = |k: FindingKind| f.iter().filter(|x| x.kind == k).count();
        let checked = self
            .record
            .checklist
            .iter()
            .filter(|i| i.result != super::domain::ItemResult::NotChecked)
            .count();
        format!(
            "{} of {} checked. {}: {} major, {} minor nonconformities, {}, {}.",
            checked,
            crate::domain::words::count(self.record.checklist.len(), "item", "items"),
            crate::domain::words::count(f.len(), "finding", "findings"),
            n(FindingKind::Major),
            n(FindingKind::Minor),
            crate::domain::words::count(n(FindingKind::Observation), "observation", "observations"),
            crate::domain::words::count(
                n(FindingKind::Opportunity),
                "opportunity for improvement",
                "opportunities for improvement"
            ),
        )
    }

    fn checklist_rows(&self) -> Vec<Vec<String>> {
        self.record
            .checklist
            .iter()
            .map(|i| {
                vec![
                    format!(
                        "{} {}",
                        if i.kind == "clause" {
                            "Clause"
                        } else {
                            "Control"
                        },
                        i.id
                    ),
                    i.title.clone(),
                    if i.facts.is_empty() {
                        i.state.clone()
                    } else {
                        format!("{}\n{}", i.state, i.facts.join("\n"))
                    },
                    i.result.label().to_string(),
                    i.note.clone(),
                    i.findings.join(", "),
                ]
            })
            .collect()
    }

    fn finding_rows(&self) -> Vec<Vec<String>> {
        self.record
            .findings
            .iter()
            .map(|f| {
                vec![
                    f.id.clone(),
                    f.kind.label().to_string(),
                    [
                        f.clause.as_ref().map(|c| format!("clause {c}")),
                        f.control.as_ref().map(|c| format!("control {c}")),
                        f.record.clone(),
                    ]
                    .into_iter()
                    .flatten()
                    .collect::<Vec<_>>()
                    .join(", "),
                    if f.description.is_empty() {
                        f.title.clone()
                    } else {
                        format!("{}\n{}", f.title, f.description)
                    },
                    self.person(&f.owner),
                    f.status.label().to_string(),
                ]
            })
            .collect()
    }
}

const CHECKLIST_HEADER: [&str; 6] = [
    "Item",
    "Title",
    "State in Annex",
    "Result",
    "Note",
    "Findings",
];
const FINDING_HEADER: [&str; 6] = ["Id", "Kind", "About", "Finding", "Owner", "Status"];

/// The report as a PDF: a cover with the audit's facts, then the conclusion, the checklist
/// and the findings.
pub fn report_pdf(r: &Report) -> crate::error::Result<Vec<u8>> {
    use crate::exchange::pdf;
    let a = &r.record.audit;
    let table = |header: &[&str], widths: &[f32], rows: Vec<Vec<String>>| {
        pdf::Block::Table(pdf::Table {
            columns: header
                .iter()
                .zip(widths)
                .map(|(h, w)| pdf::Column::new(*h, *w))
                .collect(),
            rows: rows.into_iter().map(pdf::Row::new).collect(),
        })
    };
    let mut conclusion = vec![pdf::Block::Paragraph(r.summary())];
    conclusion.push(pdf::Block::Paragraph(if a.conclusion.is_empty() {
        "The auditors have not written their conclusion yet.".to_string()
    } else {
        a.conclusion.clone()
    }));
    pdf::render(&pdf::Document {
        title: format!("Internal audit report: {}", a.title),
        subtitle: r.organisation.to_string(),
        cover: r.facts(),
        header: format!("{} {}", a.id, a.title),
        generated_at: r.generated_at.to_string(),
        sections: vec![
            pdf::Section {
                title: "Summary and conclusion".into(),
                blocks: conclusion,
            },
            pdf::Section {
                title: "Checklist".into(),
                blocks: vec![table(
                    &CHECKLIST_HEADER,
                    &[0.9, 2.0, 3.6, 1.0, 2.0, 0.9],
                    r.checklist_rows(),
                )],
            },
            pdf::Section {
                title: "Findings".into(),
                blocks: if r.record.findings.is_empty() {
                    vec![pdf::Block::Paragraph("The audit raised no finding.".into())]
                } else {
                    vec![table(
                        &FINDING_HEADER,
                        &[0.8, 1.4, 1.4, 4.0, 1.8, 0.8],
                        r.finding_rows(),
                    )]
                },
            },
        ],
    })
}

/// The report as a workbook: the audit's facts and conclusion, the checklist, the findings.
pub fn report_xlsx(r: &Report) -> crate::error::Result<Vec<u8>> {
    let mut audit = Table::new("Audit", &["fact", "value"], &[]);
    audit.rows = r
        .facts()
        .into_iter()
        .chain([
            ("Summary".to_string(), r.summary()),
            ("Conclusion".to_string(), r.record.audit.conclusion.clone()),
        ])
        .map(|(k, v)| vec![k, v])
        .collect();
    audit.preamble = vec![
        ("Organisation".into(), r.organisation.to_string()),
        (
            "Generated".into(),
            crate::domain::clock::display(r.generated_at),
        ),
    ];
    let mut checklist = Table::new(
        "Checklist",
        &["item", "title", "state", "result", "note", "findings"],
        &[],
    );
    checklist.rows = r.checklist_rows();
    let mut findings = Table::new(
        "Findings",
        &["id", "kind", "about", "finding", "owner", "status"],
        &[],
    );
    findings.rows = r.finding_rows();
    crate::exchange::sheet::write_workbook(&[audit, checklist, findings])
}
