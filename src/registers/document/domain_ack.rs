//! Acknowledgement of published documents: who must acknowledge a document (everyone, some
//! departments or some job titles of the staff directory), within how many days of its
//! publication or of their first day, and what was acknowledged — which version, when, how.

use crate::domain::words::words_enum;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

words_enum!(
    /// Who must acknowledge a document.
    AckScope,
    "an audience",
    [
        (Everyone, "everyone", "everyone"),
        (Departments, "departments", "departments"),
        (JobTitles, "job_titles", "job titles"),
    ]
);

words_enum!(
    /// How an acknowledgement was given.
    AckVia,
    "a way of acknowledging",
    [
        (Link, "link", "personal link"),
        (SignedIn, "signed_in", "signed in"),
        (Recorded, "recorded", "recorded by a manager"),
    ]
);

words_enum!(
    /// Where one person stands with a document.
    AckState,
    "an acknowledgement status",
    [
        (Acknowledged, "acknowledged", "acknowledged"),
        (Pending, "pending", "pending"),
        (Overdue, "overdue", "overdue"),
    ]
);

impl AckScope {
    /// The staff directory's column its groups name, if any.
    pub fn column(self) -> Option<&'static str> {
        match self {
            AckScope::Everyone => None,
            AckScope::Departments => Some("p.department"),
            AckScope::JobTitles => Some("p.job_title"),
        }
    }

    /// Whether a person of this department and job title is among `groups`.
    pub fn includes(self, groups: &[String], department: &str, job_title: &str) -> bool {
        match self {
            AckScope::Everyone => true,
            AckScope::Departments => groups.iter().any(|g| g == department),
            AckScope::JobTitles => groups.iter().any(|g| g == job_title),
        }
    }
}

/// A document's requirement of acknowledgement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AckRule {
    pub document_id: String,
    pub scope: AckScope,
    /// The departments or job titles, for those scopes.
    pub groups: Vec<String>,
    /// Days to acknowledge, from publication (or a later first day).
    pub days: i64,
    pub updated_at: String,
    pub revision: i64,
}

/// A requirement as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AckRuleInput {
    /// Whether acknowledgement is required at all (false removes the requirement).
    pub required: bool,
    /// everyone (default), departments or job_titles
    #[serde(default)]
    pub scope: String,
    /// The departments or job titles, one per line or as a list.
    #[serde(default, deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub groups: String,
    /// 1 to 365 days (default 14).
    #[serde(default, deserialize_with = "crate::domain::input::whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 365)]
    pub days: Option<u32>,
}

/// A checked requirement: `None` when none is required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AckRuleDraft {
    pub scope: AckScope,
    pub groups: Vec<String>,
    pub days: i64,
}

impl AckRuleInput {
    /// The requirement, or none when not `required` (every field is checked either way).
    pub fn parse(&self) -> Result<Option<AckRuleDraft>, Error> {
        let mut p = Problems::new();
        let scope = match self.scope.trim() {
            "" => AckScope::Everyone,
            raw => p
                .take("scope", AckScope::parse(raw))
                .unwrap_or(AckScope::Everyone),
        };
        let mut groups: Vec<String> = self
            .groups
            .split(['\n', ';'])
            .map(str::trim)
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect();
        groups.dedup();
        if scope == AckScope::Everyone {
            groups.clear();
        } else if groups.is_empty() && self.required {
            p.add(
                "groups",
                format!(
                    "name the {} whose people must acknowledge it",
                    scope.label()
                ),
            );
        }
        if groups.len() > 200 || groups.iter().any(|g| g.chars().count() > 200) {
            p.add("groups", "at most 200 names of at most 200 characters");
        }
        let days = self.days.map(i64::from).unwrap_or(14);
        if !(1..=365).contains(&days) {
            p.add("days", format!("'{days}' is not 1 to 365 days"));
        }
        p.into_result()?;
        if !self.required {
            return Ok(None);
        }
        Ok(Some(AckRuleDraft {
            scope,
            groups,
            days,
        }))
    }
}

/// How far one department is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DepartmentAcks {
    /// Empty for people without a department.
    pub department: String,
    pub required: i64,
    pub acknowledged: i64,
    pub overdue: i64,
}

/// Where a document's acknowledgement stands for its published version.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AckSummary {
    pub document_id: String,
    /// The published version people acknowledge.
    pub version: Option<i64>,
    pub rule: Option<AckRule>,
    /// People in the audience today (present, not joining later).
    pub required: i64,
    pub acknowledged: i64,
    pub overdue: i64,
    pub departments: Vec<DepartmentAcks>,
}

impl AckSummary {
    /// Percent acknowledged, rounded down.
    pub fn percent(&self) -> i64 {
        (self.acknowledged * 100)
            .checked_div(self.required)
            .unwrap_or(0)
    }
}

/// One person of a document's audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct AckLine {
    pub person_id: String,
    pub name: String,
    pub email: String,
    pub department: String,
    pub state: AckState,
    /// When they acknowledged, and how.
    pub acknowledged_at: Option<String>,
    pub via: Option<AckVia>,
    /// The day it is due (from publication or their first day).
    pub due_on: Option<String>,
}

/// Which people of a document's audience to list.
pub type AckFilter = crate::domain::query::AudienceFilter<AckState>;

impl AckFilter {
    pub fn read(params: &crate::domain::query::Params) -> Result<AckFilter, Error> {
        Self::read_with(params, AckState::parse)
    }
}

/// A document a person must acknowledge, and whether they have.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Owed {
    pub document_id: String,
    pub title: String,
    pub version: i64,
    pub sha256: String,
    pub due_on: Option<String>,
    pub acknowledged_at: Option<String>,
}

/// The day a person's acknowledgement is due: `days` after the later of the publication and
/// their first day.
pub fn due_on(published_on: &str, started_on: Option<&str>, days: i64) -> Option<String> {
    let from = match started_on {
        Some(s) if s > published_on => s,
        _ => published_on,
    };
    crate::domain::input::days_after(from, days)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rule_names_its_groups_and_days() {
        let e = AckRuleInput {
            required: true,
            scope: "departments".into(),
            groups: " ".into(),
            days: Some(0),
        }
        .parse()
        .unwrap_err();
        let fields: Vec<String> = e.fields().iter().map(|f| f.field.clone()).collect();
        assert_eq!(fields, ["groups", "days"]);
        let r = AckRuleInput {
            required: true,
            scope: "job titles".into(),
            groups: "Λογιστής\nAccountant\n".into(),
            days: None,
        }
        .parse()
        .unwrap()
        .unwrap();
        assert_eq!(r.scope, AckScope::JobTitles);
        assert_eq!(r.groups, ["Λογιστής", "Accountant"]);
        assert_eq!(r.days, 14);
        assert_eq!(AckRuleInput::default().parse().unwrap(), None);
    }

    #[test]
    fn a_latecomer_is_due_from_their_first_day() {
        assert_eq!(due_on("2026-12-01", None, 14).unwrap(), "2026-12-15");
        assert_eq!(
            due_on("2026-12-01", Some("2027-01-04"), 14).unwrap(),
            "2027-01-18"
        );
        assert_eq!(
            due_on("2026-12-01", Some("2020-01-04"), 14).unwrap(),
            "2026-12-15"
        );
    }
}
