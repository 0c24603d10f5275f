//! An audit's findings: major and minor nonconformities, observations and opportunities for
//! improvement, each tied to the requirement it concerns (a clause, a control) and, where the
//! auditor saw it, the record.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// What a finding is.
    FindingKind,
    "a kind of finding",
    [
        (Major, "major", "major nonconformity"),
        (Minor, "minor", "minor nonconformity"),
        (Observation, "observation", "observation"),
        (Opportunity, "ofi", "opportunity for improvement"),
    ]
);

impl FindingKind {
    /// Whether a requirement is not met (a nonconformity to correct, 10.2).
    pub fn is_nonconformity(self) -> bool {
        matches!(self, FindingKind::Major | FindingKind::Minor)
    }
}

/// A kind of finding also as audit reports abbreviate it (major NC, minor NC, NC, obs, OFI,
/// opportunity, improvement) and in German (Hauptabweichung, Nebenabweichung, Beobachtung,
/// Verbesserungspotenzial).
pub fn parse_kind(raw: &str) -> Result<FindingKind, String> {
    let n = raw.trim().to_lowercase().replace(['-', '_'], " ");
    match n.as_str() {
        "major nc" | "major non conformity" | "nc major" | "hauptabweichung" | "major ncr" => {
            Ok(FindingKind::Major)
        }
        "minor nc"
        | "minor non conformity"
        | "nc minor"
        | "nebenabweichung"
        | "nc"
        | "minor ncr"
        | "nonconformity" => Ok(FindingKind::Minor),
        "obs" | "beobachtung" | "remark" => Ok(FindingKind::Observation),
        "opportunity"
        | "improvement"
        | "opportunity for improvement"
        | "verbesserungspotenzial"
        | "verbesserung"
        | "oi" => Ok(FindingKind::Opportunity),
        _ => FindingKind::parse(raw),
    }
}

crate::domain::words::words_enum!(
    /// Whether a finding still asks for something.
    FindingStatus,
    "a finding's status",
    [(Open, "open", "open"), (Closed, "closed", "closed"),]
);

/// A finding as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = AuditFinding)]
pub struct Finding {
    pub id: String,
    /// The audit that raised it.
    pub audit: String,
    pub kind: FindingKind,
    pub title: String,
    /// What the auditor saw: the evidence.
    pub description: String,
    /// The requirement not met or at stake, in words (a policy's rule, a contract's term).
    pub requirement: String,
    /// The clause of ISO/IEC 27001 it concerns.
    pub clause: Option<String>,
    /// The control of ISO/IEC 27002:2022 it concerns.
    pub control: Option<String>,
    /// The record the auditor looked at (its id: R-0042, SUP-0003, …).
    pub record: Option<String>,
    /// Who is to act on it (e-mail).
    pub owner: String,
    pub raised_by: String,
    /// `YYYY-MM-DD`.
    pub raised_on: String,
    pub status: FindingStatus,
    pub updated_at: String,
    pub revision: i64,
}

/// A finding as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = AuditFindingInput)]
#[serde(default, deny_unknown_fields)]
pub struct FindingInput {
    /// Its id (F-0001 … when absent).
    #[schema(max_length = 40)]
    pub id: Option<String>,
    /// The audit's id.
    #[schema(required = true, max_length = 40)]
    pub audit: String,
    /// major, minor, observation or ofi.
    #[schema(required = true)]
    pub kind: String,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 10000)]
    pub description: String,
    #[schema(max_length = 5000)]
    pub requirement: String,
    /// A clause number (9.2), or empty or null.
    #[schema(max_length = 10)]
    pub clause: Option<String>,
    /// A control id (5.18), or empty or null.
    #[schema(max_length = 20)]
    pub control: Option<String>,
    /// A record's id, or empty or null.
    #[schema(max_length = 40)]
    pub record: Option<String>,
    #[schema(max_length = 200)]
    pub owner: String,
    /// `YYYY-MM-DD`; today when empty.
    pub raised_on: String,
    /// open or closed (open when empty).
    pub status: String,
}

/// A checked finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FindingDraft {
    pub id: Option<String>,
    pub audit: String,
    pub kind: FindingKind,
    pub title: String,
    pub description: String,
    pub requirement: String,
    pub clause: Option<String>,
    pub control: Option<String>,
    pub record: Option<String>,
    pub owner: String,
    pub raised_on: String,
    pub status: FindingStatus,
}

impl FindingInput {
    /// Checks the finding; `controls` are the catalogue's ids, `today` bounds the day raised.
    pub fn parse(&self, controls: &[&str], today: &str) -> Result<FindingDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let audit = self.audit.trim().to_string();
        if audit.is_empty() {
            p.add("audit", "name the audit that raised the finding");
        }
        let kind = match self.kind.trim() {
            "" => {
                p.add(
                    "kind",
                    "say what it is: major or minor nonconformity, observation, opportunity for improvement",
                );
                FindingKind::Observation
            }
            raw => p
                .take("kind", parse_kind(raw))
                .unwrap_or(FindingKind::Observation),
        };
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add(
                "title",
                "say in a line what was found (e.g. Access rights not reviewed since 2024)",
            );
        }
        let description = bounded(&mut p, "description", &self.description, 10_000);
        let requirement = bounded(&mut p, "requirement", &self.requirement, 5000);
        let clause = match self.clause.as_deref().unwrap_or("").trim() {
            "" => None,
            c => match crate::domain::clauses::find(c) {
                Some((n, _)) => Some(n.to_string()),
                None => {
                    p.add(
                        "clause",
                        format!(
                            "'{}' is not a clause of ISO/IEC 27001 (4.1 to 10.2)",
                            c.chars().take(20).collect::<String>()
                        ),
                    );
                    None
                }
            },
        };
        let control = match self.control.as_deref().unwrap_or("").trim() {
            "" => None,
            c => match controls.iter().find(|id| id.eq_ignore_ascii_case(c)) {
                Some(id) => Some(id.to_string()),
                None => {
                    p.add(
                        "control",
                        format!(
                            "'{}' is not a control of ISO/IEC 27002:2022",
                            c.chars().take(20).collect::<String>()
                        ),
                    );
                    None
                }
            },
        };
        let record =
            crate::domain::input::record_id(&mut p, "record", self.record.as_deref().unwrap_or(""));
        if kind.is_nonconformity()
            && clause.is_none()
            && control.is_none()
            && self.clause.as_deref().is_none_or(|c| c.trim().is_empty())
            && self.control.as_deref().is_none_or(|c| c.trim().is_empty())
        {
            p.add(
                "clause",
                "a nonconformity names the requirement not met: give its clause or control",
            );
        }
        let owner = bounded(&mut p, "owner", &self.owner, 200).to_lowercase();
        if !owner.is_empty() && (!owner.contains('@') || owner.contains(char::is_whitespace)) {
            p.add("owner", format!("'{owner}' is not an e-mail address"));
        }
        let raised_on = match self.raised_on.trim() {
            "" => Some(today.to_string()),
            t => p.take("raised_on", crate::domain::input::parse_date(t)),
        };
        if raised_on.as_deref().is_some_and(|d| d > today) {
            p.add(
                "raised_on",
                "a day to come: record a finding once it is made",
            );
        }
        let status = match self.status.trim() {
            "" => FindingStatus::Open,
            raw => p
                .take("status", FindingStatus::parse(raw))
                .unwrap_or(FindingStatus::Open),
        };
        p.into_result()?;
        Ok(FindingDraft {
            id,
            audit,
            kind,
            title,
            description,
            requirement,
            clause,
            control,
            record,
            owner,
            raised_on: raised_on.unwrap_or_default(),
            status,
        })
    }

    /// This input with a spreadsheet row's fields put over it, checked.
    pub fn overlay(
        mut self,
        values: &[(&'static str, String)],
        controls: &[&str],
        today: &str,
    ) -> Result<FindingDraft, Error> {
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "audit" => self.audit = value,
                "kind" => self.kind = value,
                "title" => self.title = value,
                "description" => self.description = value,
                "requirement" => self.requirement = value,
                "clause" => self.clause = Some(value),
                "control" => self.control = Some(value),
                "record" => self.record = Some(value),
                "owner" => self.owner = value,
                "raised_on" => self.raised_on = value,
                "status" => self.status = value,
                _ => {}
            }
        }
        self.parse(controls, today)
    }
}

impl From<&Finding> for FindingInput {
    fn from(x: &Finding) -> FindingInput {
        FindingInput {
            id: Some(x.id.clone()),
            audit: x.audit.clone(),
            kind: x.kind.key().into(),
            title: x.title.clone(),
            description: x.description.clone(),
            requirement: x.requirement.clone(),
            clause: x.clause.clone(),
            control: x.control.clone(),
            record: x.record.clone(),
            owner: x.owner.clone(),
            raised_on: x.raised_on.clone(),
            status: x.status.key().into(),
        }
    }
}

/// The findings list's filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FindingQuery {
    pub text: Option<String>,
    pub audit: Option<String>,
    pub kind: Option<FindingKind>,
    pub status: Option<FindingStatus>,
    pub clause: Option<String>,
    pub control: Option<String>,
    pub owner: Option<String>,
    /// Only those raised on or after this day (not a query parameter: the improvement log's).
    pub raised_since: Option<String>,
}

impl FindingQuery {
    pub const PARAMS: &'static [&'static str] =
        &["q", "audit", "kind", "status", "clause", "control", "owner"];

    pub fn read(params: &crate::domain::query::Params) -> Result<FindingQuery, Error> {
        let mut p = Problems::new();
        let kind = params
            .get("kind")
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.take("kind", parse_kind(v)));
        let status = params
            .get("status")
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.take("status", FindingStatus::parse(v)));
        p.into_query_result()?;
        let text = |k: &str| {
            params
                .get(k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Ok(FindingQuery {
            text: text("q"),
            audit: text("audit"),
            kind,
            status,
            clause: text("clause"),
            control: text("control"),
            owner: text("owner").map(|o| o.to_lowercase()),
            raised_since: None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 3] = ["5.15", "5.18", "8.1"];

    #[test]
    fn a_finding_reads_the_words_of_audit_reports() {
        for (raw, kind) in [
            ("Minor NC", FindingKind::Minor),
            ("major nonconformity", FindingKind::Major),
            ("OFI", FindingKind::Opportunity),
            ("Beobachtung", FindingKind::Observation),
            ("opportunity for improvement", FindingKind::Opportunity),
        ] {
            assert_eq!(parse_kind(raw), Ok(kind), "{raw}");
        }
        let d = FindingInput {
            audit: "IA-0001".into(),
            kind: "minor".into(),
            title: "アクセス権の見直しが行われていない".into(),
            control: Some("5.18".into()),
            record: Some("R-0042".into()),
            owner: "Owner@Example.org".into(),
            ..Default::default()
        }
        .parse(&IDS, "2026-12-01")
        .unwrap();
        assert_eq!(d.control.as_deref(), Some("5.18"));
        assert_eq!(d.raised_on, "2026-12-01");
        assert_eq!(d.owner, "owner@example.org");
        assert_eq!(d.status, FindingStatus::Open);
    }

    #[test]
    fn a_nonconformity_names_its_requirement_and_every_problem_is_named() {
        let Err(Error::Validation(p)) = FindingInput {
            audit: "IA-0001".into(),
            kind: "major".into(),
            title: "x".into(),
            ..Default::default()
        }
        .parse(&IDS, "2026-12-01") else {
            panic!("a nonconformity without requirement was accepted")
        };
        assert_eq!(p[0].field, "clause");
        assert!(
            FindingInput {
                audit: "IA-0001".into(),
                kind: "ofi".into(),
                title: "x".into(),
                ..Default::default()
            }
            .parse(&IDS, "2026-12-01")
            .is_ok(),
            "an opportunity needs no requirement"
        );
        let Err(Error::Validation(p)) = FindingInput {
            kind: "worry".into(),
            clause: Some("11.1".into()),
            control: Some("9.9".into()),
            record: Some("R 1".into()),
            owner: "nobody".into(),
            raised_on: "2027-01-01".into(),
            status: "pending".into(),
            ..Default::default()
        }
        .parse(&IDS, "2026-12-01") else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "audit",
                "kind",
                "title",
                "clause",
                "control",
                "record",
                "owner",
                "raised_on",
                "status"
            ]
        );
    }
}
