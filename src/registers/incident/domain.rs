//! Information security events and incidents (27002 5.24–5.28, 6.8): what was reported, by
//! whom and how, its assessment (event or incident, category, severity, personal data, the
//! notification regimes that apply), where its handling stands (reported → triaged →
//! contained → eradicated → recovered → closed), its timeline (appended, never edited) and the
//! lessons learned that close it.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// Where an incident's handling stands.
    IncidentStatus,
    "an incident status",
    [
        (Reported, "reported", "reported"),
        (Triaged, "triaged", "triaged"),
        (Contained, "contained", "contained"),
        (Eradicated, "eradicated", "eradicated"),
        (Recovered, "recovered", "recovered"),
        (Closed, "closed", "closed"),
    ]
);

crate::domain::words::words_enum!(
    /// What triage decided a report is.
    Classification,
    "a classification",
    [
        (Event, "event", "event"),
        (Incident, "incident", "incident"),
    ]
);

/// A level of the organisation's severity scale (configurable; low to critical by default).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityLevel {
    /// What incidents store and the API takes: lower-case letters, digits and `_`.
    #[schema(pattern = "^[a-z0-9_]{1,30}$")]
    pub key: String,
    #[schema(min_length = 1, max_length = 60, pattern = "\\S")]
    pub label: String,
    /// When an incident is this severe, in the organisation's words.
    #[serde(default)]
    #[schema(max_length = 500)]
    pub description: String,
}

/// The severity scale, least severe first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SeverityScale {
    #[schema(min_items = 2, max_items = 10)]
    pub levels: Vec<SeverityLevel>,
}

impl Default for SeverityScale {
    fn default() -> SeverityScale {
        let level = |key: &str, label: &str, description: &str| SeverityLevel {
            key: key.into(),
            label: label.into(),
            description: description.into(),
        };
        SeverityScale {
            levels: vec![
                level(
                    "low",
                    "low",
                    "A nuisance: no data, service or person was harmed.",
                ),
                level(
                    "medium",
                    "medium",
                    "Limited harm: one team, a few records or a short outage.",
                ),
                level(
                    "high",
                    "high",
                    "Serious harm: personal or confidential data, a key service down, customers affected.",
                ),
                level(
                    "critical",
                    "critical",
                    "Harm to the whole organisation: a breach at scale, a long outage, regulators or the press involved.",
                ),
            ],
        }
    }
}

impl SeverityScale {
    /// The level a key or a label names (any case).
    pub fn find(&self, raw: &str) -> Result<&SeverityLevel, String> {
        let t = raw.trim();
        self.levels
            .iter()
            .find(|l| l.key.eq_ignore_ascii_case(t) || l.label.to_lowercase() == t.to_lowercase())
            .ok_or_else(|| {
                let keys: Vec<&str> = self.levels.iter().map(|l| l.key.as_str()).collect();
                format!(
                    "'{t}' is not a severity of the scale: use {}",
                    keys.join(", ")
                )
            })
    }

    /// A stored key in words (the key itself if the scale no longer has it).
    pub fn label(&self, key: &str) -> String {
        self.levels
            .iter()
            .find(|l| l.key == key)
            .map(|l| l.label.clone())
            .unwrap_or_else(|| key.to_string())
    }

    /// Checks a scale as typed: 2 to 10 levels, keys and labels unique.
    pub fn check(&self) -> Result<SeverityScale, Error> {
        let mut p = Problems::new();
        if !(2..=10).contains(&self.levels.len()) {
            p.add("levels", "a scale has 2 to 10 levels");
        }
        let mut out = Vec::new();
        for (i, l) in self.levels.iter().enumerate() {
            let field = format!("levels[{i}]");
            let key = l.key.trim().to_lowercase();
            if key.is_empty()
                || key.len() > 30
                || !key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                p.add(
                    &field,
                    format!("'{key}' is not a key: lower-case letters, digits and _, at most 30"),
                );
            }
            let label = l.label.trim().to_string();
            if label.is_empty() || label.chars().count() > 60 {
                p.add(&field, "a label of 1 to 60 characters");
            }
            if l.description.chars().count() > 500 {
                p.add(&field, "a description of at most 500 characters");
            }
            if out.iter().any(|o: &SeverityLevel| {
                o.key == key || o.label.to_lowercase() == label.to_lowercase()
            }) {
                p.add(&field, format!("'{label}' ({key}) is on the scale twice"));
            }
            out.push(SeverityLevel {
                key,
                label,
                description: l.description.trim().to_string(),
            });
        }
        p.into_result()?;
        Ok(SeverityScale { levels: out })
    }
}

crate::domain::words::words_enum!(
    /// What kind of incident it is.
    Category,
    "a category",
    [
        (LostDevice, "lost_device", "lost or stolen device"),
        (Malware, "malware", "malware"),
        (Phishing, "phishing", "phishing"),
        (UnauthorisedAccess, "unauthorised_access", "unauthorised access"),
        (DataDisclosure, "data_disclosure", "data disclosure"),
        (DenialOfService, "denial_of_service", "denial of service"),
        (Misconfiguration, "misconfiguration", "misconfiguration"),
        (SupplierIncident, "supplier_incident", "supplier incident"),
        (Physical, "physical", "physical"),
        (Other, "other", "other"),
    ]
);

crate::domain::words::words_enum!(
    /// How a report reached Annex.
    ReportedVia,
    "a way of reporting",
    [
        (Page, "page", "signed in"),
        (Link, "link", "report link"),
        (Api, "api", "API"),
        (Cli, "cli", "command line"),
        (Import, "import", "imported"),
    ]
);

crate::domain::words::words_enum!(
    /// What a timeline entry records.
    EntryKind,
    "an entry kind",
    [
        (Reported, "reported", "reported"),
        (Triaged, "triaged", "triaged"),
        (Status, "status", "status"),
        (Action, "action", "action"),
        (Notification, "notification", "notification"),
        (Evidence, "evidence", "evidence"),
        (Custody, "custody", "hand-over"),
        (Task, "task", "task"),
        (Closed, "closed", "closed"),
    ]
);

/// An event or incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Incident {
    /// `INC-0001`
    pub id: String,
    pub title: String,
    /// What happened, in the reporter's words.
    pub description: String,
    /// What the reporter says is affected.
    pub affected: String,
    /// An e-mail address, or `link:P-0001` for someone of the staff directory.
    pub reported_by: String,
    pub reported_via: ReportedVia,
    pub reported_at: String,
    /// When the reporter noticed it (may be before the report).
    pub noticed_at: String,
    /// When the organisation became aware of it: the clocks of the regimes start here.
    pub aware_at: String,
    pub status: IncidentStatus,
    pub classification: Option<Classification>,
    pub classification_reason: String,
    pub classified_at: Option<String>,
    pub category: Option<Category>,
    /// A key of the organisation's severity scale.
    pub severity: Option<String>,
    pub personal_data: bool,
    /// Seen only by managers, admins and auditors (and its handler).
    pub restricted: bool,
    /// The notification regimes that apply (`gdpr`, `nis2`, …).
    pub regimes: Vec<String>,
    /// Who handles it (an e-mail address).
    pub handler: String,
    /// Affected asset ids.
    pub assets: Vec<String>,
    /// Affected business processes (ids of the continuity register).
    pub processes: Vec<String>,
    /// Affected suppliers, by name.
    pub suppliers: Vec<String>,
    /// Affected people or groups of people (customers, staff), in words.
    pub people: Vec<String>,
    /// Lessons learned (required to close).
    pub lessons: String,
    pub root_cause: String,
    /// When it was contained and recovered (the steps of its handling).
    pub contained_at: Option<String>,
    pub recovered_at: Option<String>,
    pub closed_at: Option<String>,
    pub updated_at: String,
    pub revision: i64,
}

/// A report as typed (the reporter's part).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReportInput {
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 10000)]
    pub description: String,
    #[schema(max_length = 2000)]
    pub affected: String,
    /// `YYYY-MM-DDTHH:MM` (local time of the organisation) or RFC 3339; now when empty.
    #[schema(max_length = 40)]
    pub noticed_at: String,
}

/// A checked report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportDraft {
    pub title: String,
    pub description: String,
    pub affected: String,
    /// Stored form, UTC; none: now.
    pub noticed_at: Option<String>,
}

/// Reads a moment typed by a person: RFC 3339, or `YYYY-MM-DDTHH:MM` / `YYYY-MM-DD HH:MM` in
/// the organisation's time zone; answered in the stored form (UTC).
pub fn parse_moment(raw: &str) -> Result<String, String> {
    let t = raw.trim();
    if let Some(v) =
        crate::domain::clock::parse_stamp(t).or_else(|| crate::domain::clock::parse_displayed(t))
    {
        return Ok(crate::domain::clock::stamp(v));
    }
    crate::domain::clock::parse_local(&t.replacen(' ', "T", 1))
        .map(crate::domain::clock::stamp)
        .ok_or_else(|| format!("'{t}' is not a moment: write it as 2026-12-04T14:30"))
}

impl ReportInput {
    /// Checks the report; `now` (stored form) bounds when it can have been noticed.
    pub fn parse(&self, now: &str) -> Result<ReportDraft, Error> {
        let mut p = Problems::new();
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add("title", "say in a few words what happened");
        }
        let description = bounded(&mut p, "description", &self.description, 10_000);
        let affected = bounded(&mut p, "affected", &self.affected, 2000);
        let noticed_at = match self.noticed_at.trim() {
            "" => None,
            raw => p.take("noticed_at", parse_moment(raw)),
        };
        if noticed_at.as_deref().is_some_and(|n| n > now) {
            p.add(
                "noticed_at",
                "a moment in the future: give when it was noticed",
            );
        }
        p.into_result()?;
        Ok(ReportDraft {
            title,
            description,
            affected,
            noticed_at,
        })
    }
}

/// Triage as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TriageInput {
    /// event or incident
    #[schema(required = true)]
    pub classification: String,
    /// Why (required).
    #[schema(required = true, min_length = 1, max_length = 2000, pattern = "\\S")]
    pub reason: String,
    pub category: String,
    pub severity: String,
    pub personal_data: bool,
    /// Restrict who sees it (always so when personal data is involved).
    pub restricted: bool,
    /// Regime keys, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub regimes: String,
    /// Affected asset ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub assets: String,
    /// Affected business process ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub processes: String,
    /// Affected suppliers by name, one per line or a list.
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub suppliers: String,
    /// Affected people or groups (e.g. "1,200 customers of the web shop"), one per line or a
    /// list.
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub people: String,
    /// Who handles it (an e-mail address); the triager when empty.
    #[schema(max_length = 200)]
    pub handler: String,
    /// When the organisation became aware (default: when it was reported).
    #[schema(max_length = 40)]
    pub aware_at: String,
}

/// Checked triage; the regimes and assets are checked against the store by the use case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TriageDraft {
    pub classification: Classification,
    pub reason: String,
    pub category: Option<Category>,
    /// A key of the organisation's severity scale.
    pub severity: Option<String>,
    pub personal_data: bool,
    pub restricted: bool,
    pub regimes: Vec<String>,
    pub assets: Vec<String>,
    pub processes: Vec<String>,
    pub suppliers: Vec<String>,
    pub people: Vec<String>,
    pub handler: String,
    pub aware_at: Option<String>,
}

fn list(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in raw
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if !out.iter().any(|o| o.eq_ignore_ascii_case(item)) {
            out.push(item.to_string());
        }
    }
    out
}

impl TriageInput {
    /// Checks the assessment; the severity against the organisation's scale.
    pub fn parse(&self, now: &str, scale: &SeverityScale) -> Result<TriageDraft, Error> {
        let mut p = Problems::new();
        let classification = p.take(
            "classification",
            Classification::parse(&self.classification),
        );
        let reason = bounded(&mut p, "reason", &self.reason, 2000);
        if reason.is_empty() {
            p.add("reason", "say why it is (or is not) an incident");
        }
        let incident = classification == Some(Classification::Incident);
        let category = match self.category.trim() {
            "" if incident => {
                p.add("category", "an incident needs a category");
                None
            }
            "" => None,
            raw => p.take("category", Category::parse(raw)),
        };
        let severity = match self.severity.trim() {
            "" if incident => {
                p.add("severity", "an incident needs a severity");
                None
            }
            "" => None,
            raw => p.take("severity", scale.find(raw).map(|l| l.key.clone())),
        };
        let handler = bounded(&mut p, "handler", &self.handler, 200).to_lowercase();
        if !handler.is_empty() && !handler.contains('@') {
            p.add("handler", format!("'{handler}' is not an e-mail address"));
        }
        let aware_at = match self.aware_at.trim() {
            "" => None,
            raw => p.take("aware_at", parse_moment(raw)),
        };
        if aware_at.as_deref().is_some_and(|a| a > now) {
            p.add("aware_at", "a moment in the future");
        }
        let regimes = list(&self.regimes);
        let assets = list(&self.assets);
        if assets.len() > 500 {
            p.add("assets", "at most 500 assets");
        }
        let processes = list(&self.processes);
        let names = |p: &mut Problems, field: &str, raw: &str| {
            crate::domain::input::names(p, field, raw, &['\n', ';'])
        };
        let suppliers = names(&mut p, "suppliers", &self.suppliers);
        let people = names(&mut p, "people", &self.people);
        if processes.len() > 200 {
            p.add("processes", "at most 200 processes");
        }
        p.into_result()?;
        Ok(TriageDraft {
            classification: classification.unwrap_or(Classification::Event),
            reason,
            category,
            severity,
            personal_data: self.personal_data,
            restricted: self.restricted || self.personal_data,
            regimes: regimes.into_iter().map(|r| r.to_lowercase()).collect(),
            assets,
            processes,
            suppliers,
            people,
            handler,
            aware_at,
        })
    }
}

/// One line of an incident's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TimelineEntry {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub kind: EntryKind,
    pub text: String,
}

/// A notification as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Notification {
    pub regime: String,
    pub stage: String,
    pub recipient: String,
    pub sent_at: String,
    /// What was sent (the text, or where the file is).
    pub content: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A notification as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NotificationInput {
    #[schema(required = true)]
    pub regime: String,
    #[schema(required = true)]
    pub stage: String,
    #[schema(required = true, min_length = 1, max_length = 300, pattern = "\\S")]
    pub recipient: String,
    /// When it was sent; now when empty.
    #[schema(max_length = 40)]
    pub sent_at: String,
    #[schema(max_length = 20000)]
    pub content: String,
}

/// Closing as typed: what was learned (5.27).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CloseInput {
    #[schema(required = true, min_length = 1, max_length = 10000, pattern = "\\S")]
    pub lessons: String,
    #[schema(max_length = 5000)]
    pub root_cause: String,
    /// Measures to start from the lessons, one title per line (optional).
    #[schema(max_length = 5000)]
    pub measures: String,
    /// Risks to register from the lessons (optional), one per line:
    /// `title | likelihood | impact`, the ratings as steps of the risk matrix by value or
    /// name. Each is owned by the handler and linked to the incident's assets.
    #[schema(max_length = 5000)]
    pub risks: String,
}

/// A risk the lessons of an incident name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LessonRisk {
    pub line: usize,
    pub title: String,
    pub likelihood: String,
    pub impact: String,
}

/// Reads the risks of a closing, one per line: `title | likelihood | impact` (the ratings are
/// checked against the matrix by the risk register).
pub fn lesson_risks(raw: &str) -> Result<Vec<LessonRisk>, String> {
    let mut out = Vec::new();
    for (n, line) in raw.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        match parts.as_slice() {
            [title, likelihood, impact]
                if !title.is_empty() && !likelihood.is_empty() && !impact.is_empty() =>
            {
                if title.chars().count() > 200 {
                    return Err(format!("line {}: a title of at most 200 characters", n + 1));
                }
                out.push(LessonRisk {
                    line: n + 1,
                    title: title.to_string(),
                    likelihood: likelihood.to_string(),
                    impact: impact.to_string(),
                });
            }
            _ => {
                return Err(format!(
                    "line {}: write a risk as title | likelihood | impact, e.g. Recovery keys kept with laptops | 3 | 4",
                    n + 1
                ));
            }
        }
    }
    if out.len() > 20 {
        return Err("at most 20 risks".into());
    }
    Ok(out)
}

/// An incident closed, with the measures and risks its lessons started.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Closed {
    pub incident: Incident,
    /// Ids of the measures started.
    pub measures: Vec<String>,
    /// Ids of the risks registered.
    pub risks: Vec<String>,
}

/// The step from one status to the next, in order; closing is its own use case.
pub fn next_status(s: IncidentStatus) -> Option<IncidentStatus> {
    use IncidentStatus as S;
    match s {
        S::Reported => None,
        S::Triaged => Some(S::Contained),
        S::Contained => Some(S::Eradicated),
        S::Eradicated => Some(S::Recovered),
        S::Recovered | S::Closed => None,
    }
}

/// What the register lists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IncidentFilter {
    pub status: Option<IncidentStatus>,
    /// A key of the organisation's severity scale.
    pub severity: Option<String>,
    pub category: Option<Category>,
    pub classification: Option<Classification>,
    /// Only those not closed.
    pub open: bool,
    pub q: Option<String>,
}

impl IncidentFilter {
    pub const PARAMS: &'static [&'static str] = &[
        "status",
        "severity",
        "category",
        "classification",
        "open",
        "q",
    ];

    pub fn read(params: &crate::domain::query::Params) -> Result<IncidentFilter, Error> {
        let mut p = Problems::new();
        let get = |k: &str| params.get(k).map(str::to_string);
        let status = get("status").and_then(|s| p.take("status", IncidentStatus::parse(&s)));
        // A key of the organisation's scale: any other finds nothing.
        let severity = get("severity")
            .map(|s| s.trim().to_lowercase())
            .filter(|s| !s.is_empty());
        let category = get("category").and_then(|s| p.take("category", Category::parse(&s)));
        let classification =
            get("classification").and_then(|s| p.take("classification", Classification::parse(&s)));
        let open = params.flag("open", &mut p);
        let q = get("q").filter(|q| !q.is_empty());
        p.into_query_result()?;
        Ok(IncidentFilter {
            status,
            severity,
            category,
            classification,
            open,
            q,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-12-04T12:00:00.000000Z";

    #[test]
    fn a_report_needs_a_title_and_cannot_be_noticed_tomorrow() {
        let bad = ReportInput {
            title: " ".into(),
            noticed_at: "2099-01-01T10:00".into(),
            ..ReportInput::default()
        }
        .parse(NOW)
        .unwrap_err();
        let fields: Vec<String> = bad.fields().iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["title", "noticed_at"]);
        let ok = ReportInput {
            title: "Φορητός υπολογιστής χάθηκε".into(),
            noticed_at: "2026-12-04T08:15:00Z".into(),
            ..ReportInput::default()
        }
        .parse(NOW)
        .unwrap();
        assert_eq!(
            ok.noticed_at.as_deref(),
            Some("2026-12-04T08:15:00.000000Z")
        );
    }

    #[test]
    fn an_incident_needs_a_reason_category_and_severity_and_personal_data_restricts_it() {
        let bad = TriageInput {
            classification: "incident".into(),
            ..TriageInput::default()
        }
        .parse(NOW, &SeverityScale::default())
        .unwrap_err();
        let fields: Vec<String> = bad.fields().iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["reason", "category", "severity"]);
        let t = TriageInput {
            classification: "Incident".into(),
            reason: "a laptop with customer data".into(),
            category: "lost or stolen device".into(),
            severity: "high".into(),
            personal_data: true,
            regimes: "GDPR, gdpr".into(),
            ..TriageInput::default()
        }
        .parse(NOW, &SeverityScale::default())
        .unwrap();
        assert!(t.restricted);
        assert_eq!(t.regimes, ["gdpr"]);
        assert_eq!(t.category, Some(Category::LostDevice));
        assert_eq!(t.severity.as_deref(), Some("high"));
        let custom = SeverityScale {
            levels: vec![
                SeverityLevel {
                    key: "sev3".into(),
                    label: "SEV 3".into(),
                    description: String::new(),
                },
                SeverityLevel {
                    key: "sev1".into(),
                    label: "SEV 1 — Κρίσιμο".into(),
                    description: String::new(),
                },
            ],
        };
        let t = TriageInput {
            classification: "incident".into(),
            reason: "down".into(),
            category: "other".into(),
            severity: "sev 1 — κρίσιμο".into(),
            ..TriageInput::default()
        }
        .parse(NOW, &custom)
        .unwrap();
        assert_eq!(
            t.severity.as_deref(),
            Some("sev1"),
            "found by its label in any case"
        );
        let e = TriageInput {
            classification: "incident".into(),
            reason: "down".into(),
            category: "other".into(),
            severity: "high".into(),
            ..TriageInput::default()
        }
        .parse(NOW, &custom)
        .unwrap_err();
        assert!(e.to_string().contains("use sev3, sev1"), "{e}");
        let event = TriageInput {
            classification: "event".into(),
            reason: "a false alarm".into(),
            ..TriageInput::default()
        }
        .parse(NOW, &SeverityScale::default())
        .unwrap();
        assert_eq!(event.classification, Classification::Event);
    }

    #[test]
    fn a_scale_has_two_to_ten_levels_with_unique_keys_and_labels() {
        let level = |k: &str, l: &str| SeverityLevel {
            key: k.into(),
            label: l.into(),
            description: String::new(),
        };
        assert!(
            SeverityScale {
                levels: vec![level("a", "A")]
            }
            .check()
            .is_err()
        );
        let e = SeverityScale {
            levels: vec![
                level("minor", "Minor"),
                level("Minor", "minor"),
                level("x y", ""),
            ],
        }
        .check()
        .unwrap_err()
        .to_string();
        assert!(e.contains("levels[1]") && e.contains("levels[2]"), "{e}");
        let ok = SeverityScale {
            levels: vec![level(" Minor ", "Minor"), level("major", "Major")],
        }
        .check()
        .unwrap();
        assert_eq!(ok.levels[0].key, "minor");
        assert_eq!(
            SeverityScale::default().check().unwrap(),
            SeverityScale::default()
        );
    }
}

/// A task of an incident's handling.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct IncidentTask {
    /// 1, 2, … within the incident.
    pub seq: i64,
    pub title: String,
    /// Who does it (an e-mail address or a name).
    pub owner: String,
    /// YYYY-MM-DD
    pub due_on: Option<String>,
    pub done_at: Option<String>,
    pub done_by: String,
    pub created_by: String,
    pub created_at: String,
}

/// A task as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TaskInput {
    #[schema(required = true, min_length = 1, max_length = 300, pattern = "\\S")]
    pub title: String,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub owner: String,
    /// YYYY-MM-DD
    #[schema(max_length = 10)]
    pub due_on: String,
}

/// A checked task: (title, owner, due day).
pub type TaskDraft = (String, String, Option<String>);

impl TaskInput {
    pub fn parse(&self) -> Result<TaskDraft, Error> {
        let mut p = Problems::new();
        let title = bounded(&mut p, "title", &self.title, 300);
        if title.is_empty() {
            p.add("title", "say what is to be done");
        }
        let owner = bounded(&mut p, "owner", &self.owner, 200).to_lowercase();
        if owner.is_empty() {
            p.add("owner", "say who does it");
        }
        let due_on = match self.due_on.trim() {
            "" => None,
            d => p.take("due_on", crate::domain::input::parse_date(d)),
        };
        p.into_result()?;
        Ok((title, owner, due_on))
    }
}
