//! The Statement of Applicability as documents an auditor accepts: one row per control with
//! its attributes, the decision and its reasons, implementation, owner, measures, evidence with
//! its dates and the risks that selected it — as CSV (one plain table), XLSX (a title block
//! with the organisation, scope and version above a frozen, filtered table) and PDF (cover,
//! contents, summary, the table, exclusions with their justifications).

use super::domain::SoaRow;
use super::domain_version::SoaVersion;
use crate::exchange::{Table, pdf};

/// The title block of an export.
#[derive(Debug, Clone, Default)]
pub struct Header {
    pub organisation: String,
    pub scope: String,
    /// The catalogue's name, e.g. ISO/IEC 27002:2022.
    pub framework: String,
    /// The approved version shown, or `None` for the live (not approved) state.
    pub version: Option<SoaVersion>,
    /// When the export was made (RFC 3339).
    pub generated_at: String,
    /// People's names by lowercase e-mail address: owners and approvers recorded by address
    /// are printed by name.
    pub names: std::collections::HashMap<String, String>,
}

impl Header {
    /// (label, value) lines for a title block.
    pub fn lines(&self) -> Vec<(String, String)> {
        let mut v = vec![
            ("Organisation".to_string(), self.organisation.clone()),
            (
                "Scope".to_string(),
                if self.scope.is_empty() {
                    "not stated yet (Settings, Scope of the ISMS)".to_string()
                } else {
                    self.scope.clone()
                },
            ),
            ("Controls".to_string(), self.framework.clone()),
        ];
        match &self.version {
            Some(ver) => {
                v.push(("Version".into(), ver.version.to_string()));
                v.push((
                    "Approved by".into(),
                    crate::domain::words::person(&self.names, &ver.approved_by),
                ));
                v.push((
                    "Approved at".into(),
                    crate::domain::clock::display(&ver.approved_at),
                ));
                if !ver.note.is_empty() {
                    v.push(("Approval note".into(), ver.note.clone()));
                }
                v.push(("Content SHA-256".into(), ver.content_hash.clone()));
                // The trail's head just after approving: an auditor can ask for it to be
                // proved by `annex audit verify` against a checkpoint taken since.
                if let (Some(seq), Some(hash)) = (ver.approval_entry, &ver.approval_entry_hash) {
                    v.push((
                        "Approval in the audit trail".into(),
                        format!("entry {seq}, chain hash {hash}"),
                    ));
                }
            }
            None => v.push(("Version".into(), "current state, not approved".to_string())),
        }
        v.push((
            "Generated at".into(),
            crate::domain::clock::display(&self.generated_at),
        ));
        v
    }
}

pub const SOA_COLUMNS: [&str; 21] = [
    "control",
    "title",
    "theme",
    "control_type",
    "security_properties",
    "cybersecurity_concepts",
    "operational_capabilities",
    "security_domains",
    "applicable",
    "reasons",
    "obligations",
    "exclusion_reason",
    "justification",
    "status",
    "maturity",
    "owner",
    "target_date",
    "measures",
    "evidence",
    "risks",
    "warnings",
];

const ATTRIBUTES: [&str; 5] = [
    "control_type",
    "information_security_properties",
    "cybersecurity_concepts",
    "operational_capabilities",
    "security_domains",
];

fn attribute(r: &SoaRow, key: &str) -> String {
    r.control
        .attributes
        .get(key)
        .map(|v| {
            v.iter()
                .map(|x| attribute_value_label(x))
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

/// An attribute value as people read it: `Governance_and_Ecosystem` is "Governance and
/// Ecosystem" (the standard joins the words of its hashtags).
pub fn attribute_value_label(value: &str) -> String {
    value.trim_start_matches('#').replace('_', " ")
}

/// The title of a control's theme in its catalogue ("Organizational controls"), or the
/// theme's id where the catalogue has no such group.
pub fn theme_title(catalog: &crate::domain::catalog::Catalog, theme: &str) -> String {
    catalog
        .groups
        .iter()
        .find(|g| g.id == theme)
        .map(|g| g.title.clone())
        .unwrap_or_else(|| theme.to_string())
}

/// At most this many measures and evidence items are written per control (the newest
/// evidence first); the rest are counted ("and 140 more").
const LISTED: usize = crate::registers::evidence::domain::EVIDENCE_LISTED;

/// The first `LISTED` of `items` joined, then how many more of `total` there are.
fn listed(items: Vec<String>, total: usize, sep: &str) -> String {
    let shown = items.len().min(LISTED);
    let mut text = items.into_iter().take(LISTED).collect::<Vec<_>>().join(sep);
    if total > shown {
        text.push_str(&format!("{sep}and {} more", total - shown));
    }
    text
}

fn measures_text(r: &SoaRow, sep: &str) -> String {
    let items: Vec<String> = r
        .measures
        .iter()
        .map(|m| format!("{} {}", m.id, m.name))
        .collect();
    let total = items.len();
    listed(items, total, sep)
}

/// The evidence of a row, newest first: id, title, collected, valid until.
fn evidence_text(r: &SoaRow, sep: &str) -> String {
    let items: Vec<String> = r
        .evidence
        .iter()
        .map(|e| {
            format!(
                "{} {} (collected {}{})",
                e.evidence_id,
                e.title,
                e.collected_at,
                e.valid_until
                    .as_ref()
                    .map(|v| format!(", valid until {v}"))
                    .unwrap_or_default()
            )
        })
        .collect();
    listed(items, r.evidence_count.max(r.evidence.len()), sep)
}

fn risks_text(r: &SoaRow) -> String {
    let ids: Vec<&str> = r.risks.iter().map(|x| x.id.as_str()).collect();
    let more = r.risk_count - ids.len() as i64;
    match (ids.is_empty(), more > 0) {
        (true, _) => String::new(),
        (false, true) => format!("{} and {more} more", ids.join(", ")),
        (false, false) => ids.join(", "),
    }
}

/// One row per control, the columns of `SOA_COLUMNS`, every value in words (themes by
/// title, reasons, statuses and warnings by label).
pub fn soa_table(rows: &[SoaRow], catalog: &crate::domain::catalog::Catalog) -> Table {
    let mut t = Table::new("Statement of Applicability", &SOA_COLUMNS, &["maturity"]);
    t.rows = rows
        .iter()
        .map(|r| {
            let a = &r.applicability;
            let mut row = vec![
                r.control.id.clone(),
                r.control.title.clone(),
                theme_title(catalog, &r.control.theme),
            ];
            row.extend(ATTRIBUTES.iter().map(|k| attribute(r, k)));
            row.extend([
                a.applicable_word().to_string(),
                a.reasons
                    .iter()
                    .map(|x| x.label())
                    .collect::<Vec<_>>()
                    .join(", "),
                r.obligations_text(),
                a.exclusion_reason
                    .map(|e| e.label().to_string())
                    .unwrap_or_default(),
                a.justification.clone(),
                if a.applicable.is_none() {
                    String::new()
                } else {
                    a.status.label().to_string()
                },
                a.maturity.map(|m| m.to_string()).unwrap_or_default(),
                a.owner.clone(),
                a.target_date.clone().unwrap_or_default(),
                measures_text(r, "; "),
                evidence_text(r, "; "),
                risks_text(r),
                r.warnings
                    .iter()
                    .map(|w| w.label())
                    .collect::<Vec<_>>()
                    .join("; "),
            ]);
            row
        })
        .collect();
    t
}

/// The XLSX workbook: the title block, then the table.
pub fn soa_xlsx(
    h: &Header,
    rows: &[SoaRow],
    catalog: &crate::domain::catalog::Catalog,
) -> crate::error::Result<Vec<u8>> {
    let mut t = soa_table(rows, catalog);
    t.preamble = h.lines();
    t.xlsx()
}

/// The PDF document: cover with the title block, contents, a summary by theme, the table,
/// and the exclusions with their justifications.
pub fn soa_pdf(
    h: &Header,
    rows: &[SoaRow],
    catalog: &crate::domain::catalog::Catalog,
) -> crate::error::Result<Vec<u8>> {
    let title = "Statement of Applicability".to_string();
    let version = match &h.version {
        Some(v) => format!("version {}", v.version),
        None => "current state, not approved".into(),
    };
    let count = |f: &dyn Fn(&SoaRow) -> bool| rows.iter().filter(|r| f(r)).count();
    let mut themes: Vec<String> = rows.iter().map(|r| r.control.theme.clone()).collect();
    themes.dedup();
    let summary_rows = themes
        .iter()
        .map(|theme| {
            let of = |f: &dyn Fn(&SoaRow) -> bool| {
                count(&|r: &SoaRow| r.control.theme == *theme && f(r)).to_string()
            };
            pdf::Row::new(vec![
                theme_title(catalog, theme),
                of(&|_| true),
                of(&|r| r.applicability.applicable == Some(true)),
                of(&|r| r.applicability.applicable == Some(false)),
                of(&|r| r.applicability.applicable.is_none()),
                of(&|r| {
                    r.applicability.status == crate::registers::soa::domain::Status::Implemented
                }),
                of(&|r| !r.warnings.is_empty()),
            ])
        })
        .collect();
    let summary = pdf::Table {
        columns: [
            ("Theme", 2.0),
            ("Controls", 1.0),
            ("Applicable", 1.0),
            ("Excluded", 1.0),
            ("Undecided", 1.0),
            ("Implemented", 1.0),
            ("With warnings", 1.0),
        ]
        .into_iter()
        .map(|(t, w)| pdf::Column::new(t, w))
        .collect(),
        rows: summary_rows,
    };
    let main = pdf::Table {
        columns: [
            ("Control", 0.6),
            ("Title", 2.0),
            ("Applicable", 0.8),
            ("Why", 1.6),
            ("Justification", 2.4),
            ("Status", 1.1),
            ("Maturity", 0.6),
            ("Owner", 1.3),
            ("Measures", 1.6),
            ("Evidence", 2.2),
            ("Risks", 0.9),
        ]
        .into_iter()
        .map(|(t, w)| pdf::Column::new(t, w))
        .collect(),
        rows: rows
            .iter()
            .map(|r| {
                let a = &r.applicability;
                let why = if a.applicable == Some(false) {
                    a.exclusion_reason
                        .map(|e| e.label().to_string())
                        .unwrap_or_default()
                } else {
                    a.reasons
                        .iter()
                        .map(|x| x.label())
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let mut row = pdf::Row::new(vec![
                    r.control.id.clone(),
                    r.control.title.clone(),
                    a.applicable_word().to_string(),
                    why,
                    a.justification.clone(),
                    if a.applicable.is_none() {
                        String::new()
                    } else {
                        a.status.label().to_string()
                    },
                    a.maturity.map(|m| m.to_string()).unwrap_or_default(),
                    crate::domain::words::person(&h.names, &a.owner),
                    measures_text(r, "\n"),
                    evidence_text(r, "\n"),
                    risks_text(r),
                ]);
                row.shade = a.applicable == Some(false);
                row
            })
            .collect(),
    };
    let exclusions: Vec<pdf::Row> = rows
        .iter()
        .filter(|r| r.applicability.applicable == Some(false))
        .map(|r| {
            pdf::Row::new(vec![
                r.control.id.clone(),
                r.control.title.clone(),
                r.applicability
                    .exclusion_reason
                    .map(|e| e.label().to_string())
                    .unwrap_or_default(),
                r.applicability.justification.clone(),
            ])
        })
        .collect();
    let no_exclusion = exclusions.is_empty();
    let mut sections = vec![
        pdf::Section {
            title: "Summary".into(),
            blocks: vec![
                pdf::Block::Paragraph(format!(
                    "{} controls of {}: {} applicable, {} excluded, {} not decided; {} implemented; {} rows raise a warning.",
                    rows.len(),
                    h.framework,
                    count(&|r| r.applicability.applicable == Some(true)),
                    count(&|r| r.applicability.applicable == Some(false)),
                    count(&|r| r.applicability.applicable.is_none()),
                    count(&|r| r.applicability.status == crate::registers::soa::domain::Status::Implemented),
                    count(&|r| !r.warnings.is_empty()),
                )),
                pdf::Block::Table(summary),
            ],
        },
        pdf::Section {
            title: "Controls".into(),
            blocks: vec![
                pdf::Block::Paragraph(
                    "One row per control: whether it applies and why, how far it is implemented, its owner, the measures that implement it, the evidence that proves it (collected, valid until) and the open risks whose treatment selected it. Excluded controls are shaded.".into(),
                ),
                pdf::Block::Table(main),
            ],
        },
    ];
    sections.push(pdf::Section {
        title: "Exclusions and their justification".into(),
        blocks: if no_exclusion {
            vec![pdf::Block::Paragraph("No control is excluded.".into())]
        } else {
            vec![pdf::Block::Table(pdf::Table {
                columns: vec![
                    pdf::Column::new("Control", 0.6),
                    pdf::Column::new("Title", 2.0),
                    pdf::Column::new("Reason", 1.6),
                    pdf::Column::new("Justification", 5.0),
                ],
                rows: exclusions,
            })]
        },
    });
    let doc = pdf::Document {
        title: title.clone(),
        subtitle: h.organisation.clone(),
        cover: h.lines(),
        header: [title.as_str(), h.organisation.as_str(), version.as_str()]
            .iter()
            .filter(|p| !p.trim().is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join(" · "),
        generated_at: h.generated_at.clone(),
        sections,
    };
    pdf::render(&doc)
}

/// The formats the SoA exports to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocFormat {
    Csv,
    Xlsx,
    Pdf,
}

impl DocFormat {
    pub fn parse(raw: &str) -> crate::error::Result<DocFormat> {
        match raw.trim().to_lowercase().as_str() {
            "csv" => Ok(DocFormat::Csv),
            "xlsx" => Ok(DocFormat::Xlsx),
            "pdf" => Ok(DocFormat::Pdf),
            other => Err(crate::error::Error::field(
                "format",
                format!("'{other}' is not an export format: use xlsx, csv or pdf"),
            )),
        }
    }

    /// From the end of a route: `soa.pdf`.
    pub fn of_path(path: &str) -> DocFormat {
        if path.ends_with(".pdf") {
            DocFormat::Pdf
        } else if path.ends_with(".xlsx") {
            DocFormat::Xlsx
        } else {
            DocFormat::Csv
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            DocFormat::Csv => "csv",
            DocFormat::Xlsx => "xlsx",
            DocFormat::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            DocFormat::Csv => "text/csv; charset=utf-8",
            DocFormat::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            DocFormat::Pdf => "application/pdf",
        }
    }
}

/// An export ready to send or write.
pub struct Export {
    pub bytes: Vec<u8>,
    pub format: DocFormat,
    /// e.g. `statement-of-applicability-v3.pdf`
    pub file_name: String,
}

/// The SoA (live, or an approved version) as a document, with the rows `keep` keeps.
pub async fn export(
    ctx: &crate::service::Ctx,
    framework: &str,
    version: Option<i64>,
    keep: impl Fn(&SoaRow) -> bool,
    format: DocFormat,
) -> crate::error::Result<Export> {
    let (meta, snapshot) = match version {
        Some(n) => {
            let (v, snap) = super::service::approved(ctx, framework, n).await?;
            (Some(v), snap)
        }
        None => (None, super::service::snapshot(ctx, framework).await?),
    };
    let catalog = crate::registers::catalog::service::catalog(ctx, framework).await?;
    let header = Header {
        organisation: snapshot.organisation.clone(),
        scope: snapshot.scope.clone(),
        framework: catalog.framework.name.clone(),
        generated_at: ctx.now(),
        version: meta,
        names: crate::registers::people::service::names(ctx).await?,
    };
    let rows: Vec<SoaRow> = snapshot.rows.into_iter().filter(|r| keep(r)).collect();
    let bytes = match format {
        DocFormat::Csv => soa_table(&rows, &catalog).csv().into_bytes(),
        DocFormat::Xlsx => soa_xlsx(&header, &rows, &catalog)?,
        DocFormat::Pdf => soa_pdf(&header, &rows, &catalog)?,
    };
    let suffix = version.map(|n| format!("-v{n}")).unwrap_or_default();
    Ok(Export {
        bytes,
        format,
        file_name: format!("statement-of-applicability{suffix}.{}", format.extension()),
    })
}

impl Export {
    /// As an HTTP download.
    pub fn response(self) -> axum::response::Response {
        use axum::http::header;
        use axum::response::IntoResponse;
        (
            [
                (header::CONTENT_TYPE, self.format.content_type().to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{}\"", self.file_name),
                ),
            ],
            self.bytes,
        )
            .into_response()
    }
}
