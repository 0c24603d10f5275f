//! Documents of the ISMS (27001 7.5, 27002 5.1, 5.37): the information security policy,
//! topic-specific policies, procedures, standards and plans, each with an owner, an approver,
//! a review cycle and the controls and clauses it serves; and their versions, written in
//! Markdown, which go from draft through review and approval (frozen by the SHA-256 of their
//! text) to publication.

use crate::domain::catalog::{ControlRef, DEFAULT_FRAMEWORK, parse_control_refs};
use crate::domain::words::words_enum;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

words_enum!(
    /// What a document is.
    DocumentKind,
    "a kind of document",
    [
        (Policy, "policy", "policy"),
        (TopicPolicy, "topic_policy", "topic-specific policy"),
        (Procedure, "procedure", "procedure"),
        (Standard, "standard", "standard"),
        (Plan, "plan", "plan"),
    ]
);

words_enum!(
    /// Where a document's latest version stands, or that the document is retired.
    DocumentStatus,
    "a document status",
    [
        (Draft, "draft", "draft"),
        (InReview, "in_review", "in review"),
        (Approved, "approved", "approved"),
        (Published, "published", "published"),
        (Retired, "retired", "retired"),
    ]
);

words_enum!(
    /// Where one version stands.
    VersionState,
    "a version state",
    [
        (Draft, "draft", "draft"),
        (InReview, "in_review", "in review"),
        (Approved, "approved", "approved"),
        (Published, "published", "published"),
        (Superseded, "superseded", "superseded"),
    ]
);

words_enum!(
    /// How a version written in Annex is exported.
    ExportFormat,
    "an export format",
    [
        (Pdf, "pdf", "PDF"),
        (Docx, "docx", "Word"),
        (Markdown, "markdown", "Markdown"),
    ]
);

impl ExportFormat {
    /// The `format` parameter (PDF when absent).
    pub fn read(params: &crate::domain::query::Params) -> Result<ExportFormat, Error> {
        let mut p = Problems::new();
        let f = match params.get("format") {
            // Only blank space (a no-break space, say) is not "absent": it names no format.
            None if !params.raw("format").is_empty() => {
                p.take("format", ExportFormat::parse(&params.raw("format")))
            }
            None => Some(ExportFormat::Pdf),
            Some(raw) => p.take("format", ExportFormat::parse(raw)),
        };
        p.into_query_result()?;
        Ok(f.unwrap_or(ExportFormat::Pdf))
    }

    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Pdf => "pdf",
            ExportFormat::Docx => "docx",
            ExportFormat::Markdown => "md",
        }
    }

    pub fn media_type(self) -> &'static str {
        match self {
            ExportFormat::Pdf => "application/pdf",
            ExportFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            ExportFormat::Markdown => "text/markdown; charset=utf-8",
        }
    }
}

/// A document of the ISMS.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Document {
    /// `DOC-001`
    pub id: String,
    pub kind: DocumentKind,
    pub title: String,
    /// Who keeps it up to date (an e-mail address).
    pub owner: String,
    /// Who approves its versions (an e-mail address).
    pub approver: String,
    /// A level key of the organisation's classification scheme.
    pub classification: String,
    /// Who it is for: "all staff", departments, roles.
    pub audience: String,
    /// Months between reviews of the published version.
    pub review_months: i64,
    pub status: DocumentStatus,
    /// The published version people read, if any.
    pub current_version: Option<i64>,
    /// The newest version (the one being worked on).
    pub latest_version: i64,
    /// When the published version is to be reviewed (`YYYY-MM-DD`).
    pub next_review_on: Option<String>,
    pub controls: Vec<ControlRef>,
    /// ISO/IEC 27001 clauses it serves, e.g. `5.2`, `7.5`.
    pub clauses: Vec<String>,
    /// The template it was started from, if any.
    pub template: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Raised by every write: a writer that saw an older revision is refused (409).
    pub revision: i64,
}

impl Document {
    /// Published (and not retired) with its review date reached on `today` (`YYYY-MM-DD`).
    pub fn review_due(&self, today: &str) -> bool {
        self.status != DocumentStatus::Retired
            && self.current_version.is_some()
            && self.next_review_on.as_deref().is_some_and(|d| d <= today)
    }
}

/// One version of a document.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Version {
    pub document_id: String,
    /// 1, 2, 3 …
    pub number: i64,
    /// The text, in Markdown.
    pub body: String,
    /// What changed in this version, in the author's words.
    pub change_note: String,
    pub state: VersionState,
    /// The SHA-256 of the text as approved (hex); none before approval.
    pub sha256: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub submitted_by: Option<String>,
    pub submitted_at: Option<String>,
    /// Who approved it (or sent it back), when, and why.
    pub decided_by: Option<String>,
    pub decided_at: Option<String>,
    pub decision_note: String,
    pub published_at: Option<String>,
    /// The evidence item its publication filed for the document's controls.
    pub evidence_id: Option<String>,
    /// An uploaded file that is this version's content instead of its text (kept in the
    /// evidence vault by its SHA-256).
    pub file: Option<crate::domain::upload::KeptFile>,
}

impl Version {
    /// The SHA-256 of what this version is: its file's, or its text's.
    pub fn content_hash(&self) -> String {
        match &self.file {
            Some(f) => f.sha256.clone(),
            None => text_hash(&self.body),
        }
    }
}

/// The kinds of file a version may be (by extension): office documents, PDF, text.
pub const VERSION_FILE_TYPES: &[&str] = &["pdf", "docx", "odt", "pptx", "xlsx", "md", "txt"];

/// A document's fields as typed in a form or an API body (its text is a version's).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DocumentInput {
    #[schema(pattern = "^ *([A-Za-z0-9._-]{1,40})? *$")]
    pub id: Option<String>,
    /// policy, topic_policy, procedure, standard or plan (default: topic_policy).
    pub kind: String,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 200)]
    pub owner: String,
    #[schema(max_length = 200)]
    pub approver: String,
    /// A level of the classification scheme, by key or name (default: the second lowest).
    #[schema(max_length = 100)]
    pub classification: String,
    #[schema(max_length = 500)]
    pub audience: String,
    /// Months between reviews, 1 to 60 (default 12).
    #[schema(value_type = Option<u32>, minimum = 1, maximum = 60)]
    pub review_months: Option<serde_json::Value>,
    /// Control ids, comma-separated or a list (`5.15, 8.5`).
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub controls: String,
    /// ISO/IEC 27001 clauses, comma-separated or a list (`5.2, 7.5`).
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub clauses: String,
    /// On creation only: the key of a template to start from
    /// (`GET /api/v1/documents/templates`).
    #[schema(max_length = 100)]
    pub template: String,
}

/// A checked document; its controls are checked against the catalogue by the use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentDraft {
    pub id: Option<String>,
    pub kind: DocumentKind,
    pub title: String,
    pub owner: String,
    pub approver: String,
    pub classification: String,
    pub audience: String,
    pub review_months: i64,
    pub controls: Vec<ControlRef>,
    pub clauses: Vec<String>,
}

/// Reads a clause number of ISO/IEC 27001's management system (4 to 10): `7.5`, `9.2.1`.
pub fn parse_clause(raw: &str) -> Result<String, String> {
    let c = raw.trim().trim_start_matches(['c', 'C']).trim();
    let parts: Vec<&str> = c.split('.').collect();
    let ok = !parts.is_empty()
        && parts.len() <= 4
        && parts
            .iter()
            .all(|p| !p.is_empty() && p.len() <= 2 && p.chars().all(|ch| ch.is_ascii_digit()))
        && matches!(parts[0].parse::<u32>(), Ok(4..=10));
    if ok {
        Ok(c.to_string())
    } else {
        Err(format!(
            "'{}' is not a clause of ISO/IEC 27001 4 to 10 (e.g. 5.2 or 7.5.3)",
            raw.trim()
        ))
    }
}

impl DocumentInput {
    /// Checks every field against the classification scheme (its level keys and names);
    /// every problem is named.
    pub fn parse(&self, levels: &[(String, String)]) -> Result<DocumentDraft, Error> {
        let mut p = Problems::new();
        let id = match self.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => p.take(
                "id",
                crate::domain::input::parse_asset_id(raw)
                    .map_err(|e| e.replace("asset id", "document id")),
            ),
            None => None,
        };
        let title = self.title.trim().to_string();
        if title.is_empty() || title.chars().count() > 200 {
            p.add("title", "give the document a title of 1 to 200 characters");
        }
        let kind = if self.kind.trim().is_empty() {
            DocumentKind::TopicPolicy
        } else {
            p.take("kind", DocumentKind::parse(&self.kind))
                .unwrap_or(DocumentKind::TopicPolicy)
        };
        let classification = match self.classification.trim() {
            "" => levels
                .get(1)
                .or(levels.first())
                .map(|l| l.0.clone())
                .unwrap_or_default(),
            raw => match levels
                .iter()
                .find(|(k, n)| k.eq_ignore_ascii_case(raw) || n.eq_ignore_ascii_case(raw))
            {
                Some((k, _)) => k.clone(),
                None => {
                    let names: Vec<&str> = levels.iter().map(|l| l.1.as_str()).collect();
                    p.add(
                        "classification",
                        format!(
                            "'{raw}' is not a level of the classification scheme: use {}",
                            names.join(", ")
                        ),
                    );
                    String::new()
                }
            },
        };
        let review_months = match crate::domain::input::text_of(&self.review_months)
            .trim()
            .to_string()
        {
            t if t.is_empty() => 12,
            t => match t.parse::<i64>() {
                Ok(m) if (1..=60).contains(&m) => m,
                _ => {
                    p.add(
                        "review_months",
                        format!("'{t}' is not a review cycle: give 1 to 60 months"),
                    );
                    12
                }
            },
        };
        for (field, value, max) in [
            ("owner", &self.owner, 200),
            ("approver", &self.approver, 200),
            ("audience", &self.audience, 500),
        ] {
            if value.trim().chars().count() > max {
                p.add(field, format!("at most {max} characters"));
            }
        }
        let mut clauses = Vec::new();
        for raw in self
            .clauses
            .split([',', ';', '\n'])
            .filter(|s| !s.trim().is_empty())
        {
            if let Some(c) = p.take("clauses", parse_clause(raw))
                && !clauses.contains(&c)
            {
                clauses.push(c);
            }
        }
        p.into_result()?;
        Ok(DocumentDraft {
            id,
            kind,
            title,
            owner: self.owner.trim().to_string(),
            approver: self.approver.trim().to_string(),
            classification,
            audience: self.audience.trim().to_string(),
            review_months,
            controls: parse_control_refs(&self.controls),
            clauses,
        })
    }
}

/// The ids of controls as people write them: `5.15` for the 2022 catalogue, with the
/// framework otherwise.
pub fn controls_text(controls: &[ControlRef]) -> String {
    controls
        .iter()
        .map(|c| {
            if c.framework == DEFAULT_FRAMEWORK {
                c.id.clone()
            } else {
                format!("{}:{}", c.framework, c.id)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<&Document> for DocumentInput {
    fn from(d: &Document) -> DocumentInput {
        DocumentInput {
            id: Some(d.id.clone()),
            kind: d.kind.key().into(),
            title: d.title.clone(),
            owner: d.owner.clone(),
            approver: d.approver.clone(),
            classification: d.classification.clone(),
            audience: d.audience.clone(),
            review_months: Some(serde_json::Value::from(d.review_months)),
            controls: controls_text(&d.controls),
            clauses: d.clauses.join(", "),
            template: String::new(),
        }
    }
}

/// A step of a document's workflow.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// The author sends the draft to the approver.
    Submit,
    /// The approver approves the version in review (its text is frozen by its hash).
    Approve,
    /// The approver sends it back to draft, saying why.
    Reject,
    /// The approved version becomes the one people read.
    Publish,
    /// A new draft from the newest version's text.
    Revise,
    /// The document is withdrawn (its versions stay readable).
    Retire,
}

impl Step {
    pub fn key(self) -> &'static str {
        match self {
            Step::Submit => "submit",
            Step::Approve => "approve",
            Step::Reject => "reject",
            Step::Publish => "publish",
            Step::Revise => "revise",
            Step::Retire => "retire",
        }
    }

    pub fn parse(raw: &str) -> Option<Step> {
        [
            Step::Submit,
            Step::Approve,
            Step::Reject,
            Step::Publish,
            Step::Revise,
            Step::Retire,
        ]
        .into_iter()
        .find(|s| s.key() == raw.trim())
    }

    /// Why the step cannot be taken now, from the document's status and its latest version's
    /// state; none when it can.
    pub fn refusal(self, d: &Document, latest: &Version) -> Option<String> {
        use VersionState as V;
        if d.status == DocumentStatus::Retired && self != Step::Revise {
            return Some(format!("{} is retired", d.id));
        }
        let n = latest.number;
        match (self, latest.state) {
            (Step::Submit, V::Draft) if latest.file.is_none() && latest.body.trim().is_empty() => {
                Some(format!(
                    "version {n} has no text yet: write it before sending it for approval"
                ))
            }
            (Step::Submit, V::Draft) => None,
            (Step::Approve | Step::Reject, V::InReview) => None,
            (Step::Publish, V::Approved) => None,
            (Step::Revise, V::Published | V::Approved | V::Superseded) => None,
            (Step::Revise, _) if d.status == DocumentStatus::Retired => None,
            (Step::Retire, _) => None,
            (Step::Submit, s) => Some(format!("version {n} is {}, not a draft", s.label())),
            (Step::Approve | Step::Reject, s) => {
                Some(format!("version {n} is {}, not in review", s.label()))
            }
            (Step::Publish, s) => Some(format!("version {n} is {}, not approved", s.label())),
            (Step::Revise, s) => Some(format!(
                "version {n} is still {}: finish it before starting another",
                s.label()
            )),
        }
    }
}

/// Which documents to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentFilter {
    pub kind: Option<DocumentKind>,
    pub status: Option<DocumentStatus>,
    pub owner: Option<String>,
    pub control: Option<ControlRef>,
    /// Only published documents whose review is due on or before this day.
    pub review_due_on: Option<String>,
    pub text: Option<String>,
}

/// The document register's query (by title).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentQuery {
    pub filter: DocumentFilter,
}

impl DocumentQuery {
    pub const PARAMS: &'static [&'static str] =
        &["q", "kind", "status", "owner", "control", "review_due"];

    /// Reads `q`, `kind`, `status`, `owner`, `control` (one id) and `review_due` (published
    /// documents due for review as of `today`); every malformed value is named.
    pub fn read(
        params: &crate::domain::query::Params,
        today: &str,
    ) -> Result<DocumentQuery, Error> {
        let get = |k: &str| params.get(k).map(str::to_string);
        let mut p = Problems::new();
        let kind = get("kind").and_then(|k| p.take("kind", DocumentKind::parse(&k)));
        let status = get("status").and_then(|s| p.take("status", DocumentStatus::parse(&s)));
        let control = match get("control") {
            None => None,
            Some(c) => {
                let mut refs = parse_control_refs(&c);
                if refs.len() == 1 {
                    refs.pop()
                } else {
                    p.add("control", "give one control id, e.g. 5.15");
                    None
                }
            }
        };
        let due = params.flag("review_due", &mut p);
        p.into_query_result()?;
        Ok(DocumentQuery {
            filter: DocumentFilter {
                kind,
                status,
                owner: get("owner"),
                control,
                review_due_on: due.then(|| today.to_string()),
                text: get("q"),
            },
        })
    }
}

/// The SHA-256 of a version's text, in hex.
pub use crate::domain::sha256_hex as text_hash;

/// The day `months` after `day` (`YYYY-MM-DD`), the last of its month when it has fewer days.
pub fn months_after(day: &str, months: i64) -> Option<String> {
    let d = time::Date::parse(
        day.get(..10)?,
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok()?;
    let total = i64::from(d.year()) * 12 + i64::from(u8::from(d.month())) - 1 + months;
    let year = i32::try_from(total.div_euclid(12)).ok()?;
    let month = time::Month::try_from(u8::try_from(total.rem_euclid(12) + 1).ok()?).ok()?;
    let last = time::util::days_in_month(month, year);
    let date = time::Date::from_calendar_date(year, month, d.day().min(last)).ok()?;
    Some(date.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn levels() -> Vec<(String, String)> {
        [
            ("public", "Public"),
            ("internal", "Internal"),
            ("confidential", "Confidential"),
        ]
        .iter()
        .map(|(k, n)| (k.to_string(), n.to_string()))
        .collect()
    }

    #[test]
    fn a_document_s_fields_are_read_and_every_bad_one_named() {
        let d = DocumentInput {
            title: " Access control policy ".into(),
            kind: "Topic-specific policy".into(),
            classification: "confidential".into(),
            controls: "5.15, A.8.5".into(),
            clauses: "7.5, 5.2, 7.5".into(),
            ..Default::default()
        }
        .parse(&levels())
        .unwrap();
        assert_eq!(d.kind, DocumentKind::TopicPolicy);
        assert_eq!(d.title, "Access control policy");
        assert_eq!(d.review_months, 12);
        assert_eq!(d.clauses, ["7.5", "5.2"]);
        assert_eq!(controls_text(&d.controls), "5.15, 8.5");
        let bad = DocumentInput {
            title: "".into(),
            kind: "memo".into(),
            classification: "secret".into(),
            review_months: Some(serde_json::json!(0)),
            clauses: "A.5.1".into(),
            ..Default::default()
        }
        .parse(&levels())
        .unwrap_err();
        let fields: Vec<&str> = bad.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "kind",
                "classification",
                "review_months",
                "clauses"
            ]
        );
        assert!(
            bad.fields()[2]
                .message
                .contains("Public, Internal, Confidential")
        );
    }

    #[test]
    fn review_dates_fall_on_real_days() {
        assert_eq!(months_after("2026-01-31", 1).unwrap(), "2026-02-28");
        assert_eq!(months_after("2026-12-04", 12).unwrap(), "2027-12-04");
        assert_eq!(months_after("2024-02-29", 12).unwrap(), "2025-02-28");
        assert!(months_after("soon", 12).is_none());
    }
}
