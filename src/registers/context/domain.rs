//! The organisation's context (27001 4.1, 4.3): the internal and external issues that bear on
//! what the ISMS must achieve, and the scope statement — what the ISMS covers, where its
//! boundaries run, what it meets at its interfaces and what it depends on — versioned and
//! approved.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// Whether an issue arises inside the organisation or outside it.
    IssueSide,
    "internal or external",
    [
        (Internal, "internal", "internal"),
        (External, "external", "external"),
    ]
);

crate::domain::words::words_enum!(
    /// What an issue is about.
    IssueCategory,
    "a category of issue",
    [
        (Strategic, "strategic", "strategy and governance"),
        (Organisational, "organisational", "organisation and people"),
        (Technological, "technological", "technology"),
        (Legal, "legal", "legal and regulatory"),
        (Economic, "economic", "economy and market"),
        (Social, "social", "society and culture"),
        (Environmental, "environmental", "environment and location"),
        (Partners, "partners", "suppliers and partners"),
        (Other, "other", "other"),
    ]
);

crate::domain::words::words_enum!(
    /// How an issue bears on the ISMS: as a risk, an opportunity or both (6.1.1).
    IssueBearing,
    "a bearing on the ISMS",
    [
        (Risk, "risk", "a risk"),
        (Opportunity, "opportunity", "an opportunity"),
        (Both, "both", "a risk and an opportunity"),
    ]
);

/// Internal or external, also as registers in other languages write it (intern, interne,
/// interno, int; extern, externe, externo, ext).
pub fn parse_side(raw: &str) -> Result<IssueSide, String> {
    match raw.trim().to_lowercase().as_str() {
        "int" | "intern" | "interne" | "interno" | "interna" | "inside" => Ok(IssueSide::Internal),
        "ext" | "extern" | "externe" | "externo" | "externa" | "outside" => Ok(IssueSide::External),
        _ => IssueSide::parse(raw),
    }
}

/// An issue of the organisation's context as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ContextIssue {
    pub id: String,
    pub title: String,
    pub side: IssueSide,
    pub category: IssueCategory,
    pub description: String,
    /// How it affects what the ISMS must achieve.
    pub effect: String,
    pub bearing: IssueBearing,
    /// The risks it gave rise to (ids).
    pub risks: Vec<String>,
    pub owner: String,
    /// `YYYY-MM-DD` of the last review.
    pub reviewed_on: Option<String>,
    /// `YYYY-MM-DD` by which it is to be looked at again.
    pub review_due: Option<String>,
    pub updated_at: String,
    pub revision: i64,
}

impl ContextIssue {
    /// Whether its review has come by `today` (never reviewed and no date counts as due).
    pub fn review_is_due(&self, today: &str) -> bool {
        match &self.review_due {
            Some(d) => d.as_str() <= today,
            None => self.reviewed_on.is_none(),
        }
    }
}

/// An issue as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct IssueInput {
    /// Its id (CI-0001 … when absent); an import keeps the ids of its file.
    #[schema(max_length = 40)]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// internal or external.
    pub side: String,
    /// strategic, organisational, technological, legal, economic, social, environmental,
    /// partners or other.
    pub category: String,
    #[schema(max_length = 5000)]
    pub description: String,
    #[schema(max_length = 5000)]
    pub effect: String,
    /// risk, opportunity or both.
    pub bearing: String,
    /// Risk ids, a list or comma-separated.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub risks: String,
    #[schema(max_length = 200)]
    pub owner: String,
    /// `YYYY-MM-DD` of the last review, or empty.
    pub reviewed_on: String,
    /// `YYYY-MM-DD` of the next review, or empty.
    pub review_due: String,
}

/// A checked issue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IssueDraft {
    pub id: Option<String>,
    pub title: String,
    pub side: IssueSide,
    pub category: IssueCategory,
    pub description: String,
    pub effect: String,
    pub bearing: IssueBearing,
    pub risks: Vec<String>,
    pub owner: String,
    pub reviewed_on: Option<String>,
    pub review_due: Option<String>,
}

impl IssueInput {
    /// Checks the issue; `today` bounds its last review.
    pub fn parse(&self, today: &str) -> Result<IssueDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add(
                "title",
                "name the issue (e.g. Most staff work from home, A new regulator for our sector)",
            );
        }
        let side = match self.side.trim() {
            "" => {
                p.add("side", "say whether the issue is internal or external");
                IssueSide::Internal
            }
            raw => p
                .take("side", parse_side(raw))
                .unwrap_or(IssueSide::Internal),
        };
        let category = match self.category.trim() {
            "" => IssueCategory::Other,
            raw => p
                .take("category", IssueCategory::parse(raw))
                .unwrap_or(IssueCategory::Other),
        };
        let bearing = match self.bearing.trim() {
            "" => IssueBearing::Risk,
            raw => p
                .take("bearing", IssueBearing::parse(raw))
                .unwrap_or(IssueBearing::Risk),
        };
        let description = bounded(&mut p, "description", &self.description, 5000);
        let effect = bounded(&mut p, "effect", &self.effect, 5000);
        let risks = crate::domain::input::ids(&mut p, "risks", &self.risks, "a risk");
        let owner = bounded(&mut p, "owner", &self.owner, 200).to_lowercase();
        if !owner.is_empty() && !owner.contains('@') {
            p.add("owner", format!("'{owner}' is not an e-mail address"));
        }
        let reviewed_on = match self.reviewed_on.trim() {
            "" => None,
            t => p.take("reviewed_on", crate::domain::input::parse_date(t)),
        };
        if reviewed_on.as_deref().is_some_and(|d| d > today) {
            p.add(
                "reviewed_on",
                "a day to come: record a review once it is done",
            );
        }
        let review_due = match self.review_due.trim() {
            "" => None,
            t => p.take("review_due", crate::domain::input::parse_date(t)),
        };
        if let (Some(done), Some(next)) = (&reviewed_on, &review_due)
            && next < done
        {
            p.add(
                "review_due",
                format!("the next review ({next}) comes before the last one ({done})"),
            );
        }
        p.into_result()?;
        Ok(IssueDraft {
            id,
            title,
            side,
            category,
            description,
            effect,
            bearing,
            risks,
            owner,
            reviewed_on,
            review_due,
        })
    }

    /// This input with a spreadsheet row's fields put over it, checked.
    pub fn overlay(
        mut self,
        values: &[(&'static str, String)],
        today: &str,
    ) -> Result<IssueDraft, Error> {
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "title" => self.title = value,
                "side" => self.side = value,
                "category" => self.category = value,
                "description" => self.description = value,
                "effect" => self.effect = value,
                "bearing" => self.bearing = value,
                "risks" => self.risks = value,
                "owner" => self.owner = value,
                "reviewed_on" => self.reviewed_on = value,
                "review_due" => self.review_due = value,
                _ => {}
            }
        }
        self.parse(today)
    }
}

impl From<&ContextIssue> for IssueInput {
    fn from(x: &ContextIssue) -> IssueInput {
        IssueInput {
            id: Some(x.id.clone()),
            title: x.title.clone(),
            side: x.side.key().into(),
            category: x.category.key().into(),
            description: x.description.clone(),
            effect: x.effect.clone(),
            bearing: x.bearing.key().into(),
            risks: x.risks.join(", "),
            owner: x.owner.clone(),
            reviewed_on: x.reviewed_on.clone().unwrap_or_default(),
            review_due: x.review_due.clone().unwrap_or_default(),
        }
    }
}

/// The issues list's filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueFilter {
    pub text: Option<String>,
    pub side: Option<IssueSide>,
    pub category: Option<IssueCategory>,
    /// Only issues whose review has come by this day.
    pub review_due_on: Option<String>,
}

/// The issues list's query (by side, then title).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IssueQuery {
    pub filter: IssueFilter,
}

impl IssueQuery {
    pub const PARAMS: &'static [&'static str] = &["q", "side", "category", "review_due"];

    /// Reads the filter; every malformed value is named.
    pub fn read(params: &crate::domain::query::Params, today: &str) -> Result<IssueQuery, Error> {
        let mut p = Problems::new();
        let side = params
            .get("side")
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.take("side", parse_side(v)));
        let category = params
            .get("category")
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.take("category", IssueCategory::parse(v)));
        let due = params.flag("review_due", &mut p);
        p.into_query_result()?;
        Ok(IssueQuery {
            filter: IssueFilter {
                text: params
                    .get("q")
                    .map(str::trim)
                    .filter(|v| !v.is_empty())
                    .map(str::to_string),
                side,
                category,
                review_due_on: due.then(|| today.to_string()),
            },
        })
    }
}

/// The parts of the scope statement, as written and as approved.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ScopeText {
    /// What the ISMS covers: the organisation, its services, its sites.
    #[schema(max_length = 10000)]
    pub statement: String,
    /// Where it ends: organisational, physical and technical boundaries.
    #[schema(max_length = 10000)]
    pub boundaries: String,
    /// What it meets at its edges: the activities and systems of others it exchanges with.
    #[schema(max_length = 10000)]
    pub interfaces: String,
    /// What it relies on that others provide or decide.
    #[schema(max_length = 10000)]
    pub dependencies: String,
    /// What is left out, and why.
    #[schema(max_length = 10000)]
    pub exclusions: String,
}

/// The parts of a scope, each with its field key and label.
pub const SCOPE_PARTS: [(&str, &str); 5] = [
    ("statement", "Scope statement"),
    ("boundaries", "Boundaries"),
    ("interfaces", "Interfaces"),
    ("dependencies", "Dependencies"),
    ("exclusions", "Exclusions and why"),
];

impl ScopeText {
    /// Checks the text: every part bounded, line ends made one.
    pub fn parse(&self) -> Result<ScopeText, Error> {
        let mut p = Problems::new();
        let mut part = |field: &str, raw: &str| {
            let text = raw.replace("\r\n", "\n");
            if text.chars().count() > 10_000 {
                p.add(field, "at most 10,000 characters");
            }
            text.trim().to_string()
        };
        let out = ScopeText {
            statement: part("statement", &self.statement),
            boundaries: part("boundaries", &self.boundaries),
            interfaces: part("interfaces", &self.interfaces),
            dependencies: part("dependencies", &self.dependencies),
            exclusions: part("exclusions", &self.exclusions),
        };
        p.into_result()?;
        Ok(out)
    }

    /// A part by its field key.
    pub fn part(&self, key: &str) -> &str {
        match key {
            "statement" => &self.statement,
            "boundaries" => &self.boundaries,
            "interfaces" => &self.interfaces,
            "dependencies" => &self.dependencies,
            _ => &self.exclusions,
        }
    }

    /// The parts that differ from `other` (their labels).
    pub fn changed_from(&self, other: &ScopeText) -> Vec<&'static str> {
        SCOPE_PARTS
            .iter()
            .filter(|(k, _)| self.part(k) != other.part(k))
            .map(|(_, l)| *l)
            .collect()
    }

    /// Its canonical text, whose SHA-256 an approval keeps.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// The scope as being written.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Scope {
    pub text: ScopeText,
    /// Empty until it is first written.
    pub updated_at: String,
    pub updated_by: String,
    pub revision: i64,
}

/// An approved version of the scope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ScopeVersion {
    pub version: i64,
    pub approved_by: String,
    pub approved_at: String,
    pub note: String,
    /// SHA-256 of the text as approved.
    pub sha256: String,
    /// Whether the stored text still matches that hash.
    pub intact: bool,
    pub text: ScopeText,
}

/// What makes an approval possible: something written, and something new.
pub fn approval_refusal(draft: &ScopeText, latest: Option<&ScopeVersion>) -> Option<String> {
    if draft.statement.trim().is_empty() {
        return Some("write the scope statement before approving it".into());
    }
    match latest {
        Some(v) if v.text == *draft => Some(format!(
            "version {} already says this: change the scope before approving it again",
            v.version
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue() -> IssueInput {
        IssueInput {
            title: "Νέος ρυθμιστής για τον κλάδο".into(),
            side: "External".into(),
            category: "legal and regulatory".into(),
            bearing: "opportunity".into(),
            risks: "R-0001, R-0002".into(),
            owner: "Ciso@Example.org".into(),
            reviewed_on: "2026-01-10".into(),
            review_due: "2027-01-10".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_issue_reads_labels_and_keys_and_keeps_its_script() {
        let d = issue().parse("2026-06-01").unwrap();
        assert_eq!(d.title, "Νέος ρυθμιστής για τον κλάδο");
        assert_eq!(d.side, IssueSide::External);
        assert_eq!(d.category, IssueCategory::Legal);
        assert_eq!(d.bearing, IssueBearing::Opportunity);
        assert_eq!(d.risks, ["R-0001", "R-0002"]);
        assert_eq!(d.owner, "ciso@example.org");
    }

    #[test]
    fn every_problem_of_an_issue_is_named() {
        let bad = IssueInput {
            title: " ".into(),
            side: "sideways".into(),
            category: "weather".into(),
            owner: "nobody".into(),
            reviewed_on: "2026-07-01".into(),
            review_due: "2026-06-30".into(),
            ..Default::default()
        };
        let Err(Error::Validation(p)) = bad.parse("2026-07-02") else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            ["title", "side", "category", "owner", "review_due"],
            "{p:?}"
        );
        let Err(Error::Validation(p)) = IssueInput {
            side: "internal".into(),
            title: "x".into(),
            reviewed_on: "2026-08-01".into(),
            ..Default::default()
        }
        .parse("2026-07-02") else {
            panic!("a review to come was accepted")
        };
        assert_eq!(p[0].field, "reviewed_on");
    }

    #[test]
    fn a_review_is_due_on_its_day_or_when_never_reviewed() {
        let mut x = ContextIssue {
            id: "CI-0001".into(),
            title: "t".into(),
            side: IssueSide::Internal,
            category: IssueCategory::Other,
            description: String::new(),
            effect: String::new(),
            bearing: IssueBearing::Risk,
            risks: vec![],
            owner: String::new(),
            reviewed_on: None,
            review_due: None,
            updated_at: String::new(),
            revision: 1,
        };
        assert!(x.review_is_due("2026-01-01"));
        x.reviewed_on = Some("2025-12-01".into());
        assert!(!x.review_is_due("2026-01-01"));
        x.review_due = Some("2026-01-01".into());
        assert!(x.review_is_due("2026-01-01"));
        assert!(!x.review_is_due("2025-12-31"));
    }

    #[test]
    fn a_scope_is_approved_only_when_written_and_changed() {
        let draft = ScopeText {
            statement: "Die Entwicklung und der Betrieb von Lohnbuchhaltung als Dienst".into(),
            ..Default::default()
        };
        assert!(approval_refusal(&ScopeText::default(), None).is_some());
        assert!(approval_refusal(&draft, None).is_none());
        let v = ScopeVersion {
            version: 1,
            approved_by: "a@b".into(),
            approved_at: "2026-01-01T00:00:00Z".into(),
            note: String::new(),
            sha256: String::new(),
            intact: true,
            text: draft.clone(),
        };
        assert!(
            approval_refusal(&draft, Some(&v))
                .unwrap()
                .contains("version 1")
        );
        let changed = ScopeText {
            interfaces: "the customers' payroll offices".into(),
            ..draft.clone()
        };
        assert!(approval_refusal(&changed, Some(&v)).is_none());
        assert_eq!(changed.changed_from(&draft), ["Interfaces"]);
        let long = ScopeText {
            boundaries: "x".repeat(10_001),
            ..draft
        };
        assert!(long.parse().is_err());
    }
}
