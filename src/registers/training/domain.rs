//! Awareness and training (27002 6.3; 27001 7.2, 7.3): modules (the material, its length and
//! the controls it supports), campaigns that assign modules to an audience of the staff
//! directory by a due date, completions, and the modules a job title requires.

use crate::domain::catalog::{ControlRef, DEFAULT_FRAMEWORK, parse_control_refs};
use crate::domain::input::{parse_date, text_of};
use crate::domain::words::words_enum;
use crate::error::{Error, Problems};
use crate::registers::document::domain_ack::AckScope;
use serde::{Deserialize, Serialize};

words_enum!(
    /// How a completion was recorded.
    CompletionVia,
    "a way of recording",
    [
        (Link, "link", "personal link"),
        (Manager, "manager", "recorded by a manager"),
        (Import, "import", "imported"),
    ]
);

words_enum!(
    /// Where one person stands with a campaign.
    CampaignState,
    "a training status",
    [
        (Completed, "completed", "completed"),
        (Pending, "pending", "pending"),
        (Overdue, "overdue", "overdue"),
    ]
);

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Module {
    pub id: String,
    pub title: String,
    pub description: String,
    /// Where the material is (a course, a video, a document).
    pub material_url: String,
    /// The material as a file (slides, a handout), kept in the evidence vault by its SHA-256.
    pub material_file: Option<crate::domain::upload::KeptFile>,
    pub duration_minutes: Option<i64>,
    /// The controls it supports (6.3 unless said otherwise).
    pub controls: Vec<ControlRef>,
    pub created_at: String,
    pub updated_at: String,
    pub revision: i64,
}

/// A module as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ModuleInput {
    #[schema(pattern = "^ *([A-Za-z0-9._-]{1,40})? *$")]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 5000)]
    pub description: String,
    /// `https://…` or a path in Annex; empty when there is none.
    #[schema(max_length = 2000)]
    pub material_url: String,
    /// 1 to 6000 minutes.
    #[schema(value_type = Option<u64>)]
    pub duration_minutes: Option<serde_json::Value>,
    /// Control ids, comma-separated or a list (default 6.3).
    pub controls: Option<serde_json::Value>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ModuleDraft {
    pub id: Option<String>,
    pub title: String,
    pub description: String,
    pub material_url: String,
    pub duration_minutes: Option<i64>,
    pub controls: Vec<ControlRef>,
}

impl ModuleInput {
    pub fn parse(&self) -> Result<ModuleDraft, Error> {
        let mut p = Problems::new();
        let id = match self.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => p.take(
                "id",
                crate::domain::input::parse_asset_id(raw)
                    .map_err(|e| e.replace("asset id", "module id")),
            ),
            None => None,
        };
        let title = self.title.trim().to_string();
        if title.is_empty() || title.chars().count() > 200 {
            p.add("title", "give the module a title of 1 to 200 characters");
        }
        let url = self.material_url.trim().to_string();
        if !url.is_empty()
            && (url.chars().count() > 2000
                || !(url.starts_with("https://")
                    || url.starts_with("http://")
                    || url.starts_with('/'))
                || url.chars().any(|c| c.is_whitespace() || c.is_control()))
        {
            p.add(
                "material_url",
                "give an address starting with https:// (or a path in Annex), without spaces",
            );
        }
        let duration = match text_of(&self.duration_minutes).trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(m) if (1..=6000).contains(&m) => Some(m),
                _ => {
                    p.add(
                        "duration_minutes",
                        format!("'{raw}' is not 1 to 6000 minutes"),
                    );
                    None
                }
            },
        };
        if self.description.trim().chars().count() > 5000 {
            p.add("description", "at most 5000 characters");
        }
        let mut controls = parse_control_refs(&text_of(&self.controls));
        if controls.is_empty() {
            controls.push(ControlRef {
                framework: DEFAULT_FRAMEWORK.into(),
                id: "6.3".into(),
            });
        }
        p.into_result()?;
        Ok(ModuleDraft {
            id,
            title,
            description: self.description.trim().to_string(),
            material_url: url,
            duration_minutes: duration,
            controls,
        })
    }
}

impl From<&Module> for ModuleInput {
    fn from(m: &Module) -> ModuleInput {
        let controls: Vec<String> = m
            .controls
            .iter()
            .map(|c| {
                if c.framework == DEFAULT_FRAMEWORK {
                    c.id.clone()
                } else {
                    format!("{}:{}", c.framework, c.id)
                }
            })
            .collect();
        ModuleInput {
            id: Some(m.id.clone()),
            title: m.title.clone(),
            description: m.description.clone(),
            material_url: m.material_url.clone(),
            duration_minutes: m
                .duration_minutes
                .map(|d| serde_json::Value::String(d.to_string())),
            controls: Some(serde_json::Value::String(controls.join(", "))),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Campaign {
    pub id: String,
    pub title: String,
    /// The module ids it assigns.
    pub modules: Vec<String>,
    pub scope: AckScope,
    pub groups: Vec<String>,
    /// Completions count from this day.
    pub starts_on: String,
    pub due_on: String,
    pub closed_on: Option<String>,
    /// The evidence item the campaign filed for its modules' controls.
    pub evidence_id: Option<String>,
    pub created_at: String,
    pub created_by: String,
    pub revision: i64,
}

/// A campaign as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CampaignInput {
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// Module ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub modules: String,
    /// everyone (default), departments or job_titles
    pub scope: String,
    /// The departments or job titles, one per line or as a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub groups: String,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^\s*$|^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$")]
    pub starts_on: String,
    /// `YYYY-MM-DD`
    #[schema(
        required = true,
        pattern = r"^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$"
    )]
    pub due_on: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignDraft {
    pub title: String,
    pub modules: Vec<String>,
    pub scope: AckScope,
    pub groups: Vec<String>,
    pub starts_on: String,
    pub due_on: String,
}

impl CampaignInput {
    /// Checks the campaign (`today` fills an empty start); module ids are checked by the store.
    pub fn parse(&self, today: &str) -> Result<CampaignDraft, Error> {
        let mut p = Problems::new();
        let title = self.title.trim().to_string();
        if title.is_empty() || title.chars().count() > 200 {
            p.add("title", "give the campaign a title of 1 to 200 characters");
        }
        let mut modules: Vec<String> = self
            .modules
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        modules.dedup();
        if modules.is_empty() || modules.len() > 50 {
            p.add("modules", "assign 1 to 50 modules, by id (TM-0001)");
        }
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
        } else if groups.is_empty() || groups.len() > 200 {
            p.add(
                "groups",
                format!("name 1 to 200 {} whose people take it", scope.label()),
            );
        }
        let starts_on = match self.starts_on.trim() {
            "" => Some(today.to_string()),
            raw => p.take("starts_on", parse_date(raw)),
        };
        let due_on = match self.due_on.trim() {
            "" => {
                p.add("due_on", "give the day it is due, YYYY-MM-DD");
                None
            }
            raw => p.take("due_on", parse_date(raw)),
        };
        if let (Some(s), Some(d)) = (&starts_on, &due_on)
            && d < s
        {
            p.add(
                "due_on",
                format!("the due day ({d}) is before the start ({s})"),
            );
        }
        p.into_result()?;
        Ok(CampaignDraft {
            title,
            modules,
            scope,
            groups,
            starts_on: starts_on.unwrap_or_default(),
            due_on: due_on.unwrap_or_default(),
        })
    }
}

/// A completion as typed or imported: the person by id, e-mail or staff number, the module
/// by id or title.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CompletionInput {
    /// The person's id, e-mail or staff number.
    #[schema(required = true, min_length = 1, max_length = 254)]
    pub person: String,
    /// The module's id or title.
    #[schema(required = true, min_length = 1, max_length = 200)]
    pub module: String,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = r"^\s*$|^\s*[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])\s*$")]
    pub completed_on: String,
    /// 0 to 100, when the platform scores.
    #[schema(value_type = Option<u64>)]
    pub score: Option<serde_json::Value>,
}

/// A checked completion, its person and module still as given.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletionDraft {
    pub person: String,
    pub module: String,
    pub completed_on: String,
    pub score: Option<i64>,
}

impl CompletionInput {
    pub fn parse(&self, today: &str) -> Result<CompletionDraft, Error> {
        let mut p = Problems::new();
        let person = self.person.trim().to_string();
        if person.is_empty() || person.chars().count() > 254 {
            p.add("person", "name the person by id, e-mail or staff number");
        }
        let module = self.module.trim().to_string();
        if module.is_empty() || module.chars().count() > 200 {
            p.add("module", "name the module by id or title");
        }
        let completed_on = match self.completed_on.trim() {
            "" => Some(today.to_string()),
            raw => p.take("completed_on", parse_date(raw)),
        };
        if let Some(d) = &completed_on
            && d.as_str() > today
        {
            p.add("completed_on", format!("{d} is in the future"));
        }
        let score = match text_of(&self.score).trim().trim_end_matches('%') {
            "" => None,
            raw => match raw.parse::<f64>() {
                Ok(s) if (0.0..=100.0).contains(&s) => Some(s.round() as i64),
                _ => {
                    p.add("score", format!("'{raw}' is not a score from 0 to 100"));
                    None
                }
            },
        };
        p.into_result()?;
        Ok(CompletionDraft {
            person,
            module,
            completed_on: completed_on.unwrap_or_default(),
            score,
        })
    }
}

/// How far one department is with a campaign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct DepartmentProgress {
    pub department: String,
    pub required: i64,
    pub completed: i64,
    pub overdue: i64,
}

/// Where a campaign stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CampaignSummary {
    pub campaign: Campaign,
    pub required: i64,
    pub completed: i64,
    pub overdue: i64,
    pub departments: Vec<DepartmentProgress>,
}

impl CampaignSummary {
    pub fn percent(&self) -> i64 {
        (self.completed * 100)
            .checked_div(self.required)
            .unwrap_or(0)
    }
}

/// One person of a campaign's audience.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CampaignLine {
    pub person_id: String,
    pub name: String,
    pub email: String,
    pub department: String,
    /// Modules completed since the campaign started, of those it assigns.
    pub done: i64,
    pub of: i64,
    pub state: CampaignState,
}

/// Which people of a campaign to list.
pub type CampaignFilter = crate::domain::query::AudienceFilter<CampaignState>;

impl CampaignFilter {
    pub fn read(params: &crate::domain::query::Params) -> Result<CampaignFilter, Error> {
        Self::read_with(params, CampaignState::parse)
    }
}

/// A module a person is assigned, and whether they completed it since the campaign started.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Assigned {
    pub campaign_id: String,
    pub campaign: String,
    pub module: Module,
    pub due_on: String,
    pub completed_on: Option<String>,
}

/// The modules a job title requires, and how many of its people meet it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Competence {
    pub job_title: String,
    pub modules: Vec<String>,
    /// People present with this job title.
    pub people: i64,
    /// Those who completed every required module.
    pub meet: i64,
}

/// Required modules written one job title per line: `Job title: TM-0001, TM-0002`.
pub fn parse_competence(text: &str) -> Result<Vec<(String, Vec<String>)>, Error> {
    let mut p = Problems::new();
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let n = i + 1;
        let Some((title, modules)) = line.rsplit_once(':') else {
            p.add(
                "competence",
                format!("line {n}: write 'Job title: TM-0001, TM-0002'"),
            );
            continue;
        };
        let title = title.trim();
        let modules: Vec<String> = modules
            .split([',', ';'])
            .map(str::trim)
            .filter(|m| !m.is_empty())
            .map(str::to_string)
            .collect();
        if title.is_empty() || title.chars().count() > 200 || modules.is_empty() {
            p.add(
                "competence",
                format!("line {n}: name the job title and at least one module"),
            );
            continue;
        }
        if out.iter().any(|(t, _)| t == title) {
            p.add(
                "competence",
                format!("line {n}: {title} is already on an earlier line"),
            );
            continue;
        }
        out.push((title.to_string(), modules));
    }
    if out.len() > 500 {
        p.add("competence", "at most 500 job titles");
    }
    p.into_result()?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modules_campaigns_and_completions_name_their_bad_fields() {
        let fields =
            |e: Error| -> Vec<String> { e.fields().iter().map(|f| f.field.clone()).collect() };
        let e = ModuleInput {
            title: "".into(),
            material_url: "javascript:alert(1)".into(),
            duration_minutes: Some(serde_json::json!(0)),
            ..ModuleInput::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(fields(e), ["title", "material_url", "duration_minutes"]);
        let m = ModuleInput {
            title: "Φishing awareness".into(),
            ..ModuleInput::default()
        }
        .parse()
        .unwrap();
        assert_eq!(m.controls[0].id, "6.3", "6.3 unless said otherwise");
        let e = CampaignInput {
            title: "Q1".into(),
            scope: "departments".into(),
            due_on: "2026-01-01".into(),
            starts_on: "2026-02-01".into(),
            ..CampaignInput::default()
        }
        .parse("2026-01-15")
        .unwrap_err();
        assert_eq!(fields(e), ["modules", "groups", "due_on"]);
        let e = CompletionInput {
            person: "ana@example.org".into(),
            module: "TM-0001".into(),
            completed_on: "2030-01-01".into(),
            score: Some(serde_json::json!("120%")),
        }
        .parse("2026-12-04")
        .unwrap_err();
        assert_eq!(fields(e), ["completed_on", "score"]);
    }

    #[test]
    fn competence_reads_a_job_title_per_line() {
        let c = parse_competence("Λογιστής: TM-0001, TM-0002\n\nDeveloper: TM-0003").unwrap();
        assert_eq!(c[0].0, "Λογιστής");
        assert_eq!(c[0].1, ["TM-0001", "TM-0002"]);
        let e = parse_competence("Developer TM-0003\nDeveloper: \nA: TM-1\nA: TM-2").unwrap_err();
        let msgs: Vec<String> = e.fields().iter().map(|f| f.message.clone()).collect();
        assert!(
            msgs[0].starts_with("line 1:")
                && msgs[1].starts_with("line 2:")
                && msgs[2].starts_with("line 4:"),
            "{msgs:?}"
        );
    }
}
