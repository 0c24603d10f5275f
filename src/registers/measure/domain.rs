//! Implementation measures: the organisation's own actions (with an owner, a status, a due
//! date, effort and cost) that implement catalogue controls and treat risks. One measure can
//! serve many controls and many risks.

use crate::domain::catalog::{ControlRef, DEFAULT_FRAMEWORK, parse_control_refs};
use crate::domain::input::parse_date;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MeasureStatus {
    Planned,
    InProgress,
    Implemented,
    Deprecated,
}

impl MeasureStatus {
    pub const ALL: [MeasureStatus; 4] = [
        MeasureStatus::Planned,
        MeasureStatus::InProgress,
        MeasureStatus::Implemented,
        MeasureStatus::Deprecated,
    ];

    pub fn key(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "planned",
            MeasureStatus::InProgress => "in_progress",
            MeasureStatus::Implemented => "implemented",
            MeasureStatus::Deprecated => "deprecated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MeasureStatus::Planned => "planned",
            MeasureStatus::InProgress => "in progress",
            MeasureStatus::Implemented => "implemented",
            MeasureStatus::Deprecated => "deprecated",
        }
    }

    /// Whether work is still due (planned or in progress).
    pub fn open(self) -> bool {
        matches!(self, MeasureStatus::Planned | MeasureStatus::InProgress)
    }

    pub fn parse(raw: &str) -> Result<MeasureStatus, String> {
        let norm = raw.trim().to_lowercase().replace([' ', '-'], "_");
        MeasureStatus::ALL
            .into_iter()
            .find(|s| s.key() == norm)
            .ok_or_else(|| format!("'{}' is not a measure status: use planned, in progress, implemented or deprecated", raw.trim()))
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Measure {
    pub id: String,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub status: MeasureStatus,
    /// `YYYY-MM-DD`
    pub due_on: Option<String>,
    /// Free text, e.g. "5 person-days".
    pub effort: String,
    /// Whole currency units.
    pub cost: Option<i64>,
    pub controls: Vec<ControlRef>,
    pub created_at: String,
    pub updated_at: String,
    /// Raised by every write: a writer that saw an older revision is refused (409).
    pub revision: i64,
}

impl Measure {
    /// Open and past its due date on `today` (`YYYY-MM-DD`).
    pub fn overdue(&self, today: &str) -> bool {
        self.status.open() && self.due_on.as_deref().is_some_and(|d| d < today)
    }
}

/// A measure as typed in a form or an API body.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct MeasureInput {
    #[schema(pattern = "^ *([A-Za-z0-9._-]{1,40})? *$")]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[schema(max_length = 5000)]
    pub description: String,
    #[schema(max_length = 200)]
    pub owner: String,
    /// planned (default), in progress, implemented or deprecated
    pub status: String,
    /// `YYYY-MM-DD`, or empty.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub due_on: String,
    #[schema(max_length = 200)]
    pub effort: String,
    /// Whole currency units, e.g. 12000.
    #[schema(value_type = Option<u64>)]
    pub cost: Option<serde_json::Value>,
    /// Control ids, comma-separated or a list: `5.17, 8.5`; another framework as
    /// `iso27002-2013:9.4.2`. Ids without a framework are ISO/IEC 27002:2022.
    pub controls: Option<serde_json::Value>,
}

/// A checked measure; control references are checked against the catalogue by the store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeasureDraft {
    pub id: Option<String>,
    pub name: String,
    pub description: String,
    pub owner: String,
    pub status: MeasureStatus,
    pub due_on: Option<String>,
    pub effort: String,
    pub cost: Option<i64>,
    pub controls: Vec<ControlRef>,
}

impl MeasureInput {
    pub fn cost_text(&self) -> String {
        crate::domain::input::text_of(&self.cost)
    }

    pub fn controls_text(&self) -> String {
        crate::domain::input::text_of(&self.controls)
    }

    pub fn parse(&self) -> Result<MeasureDraft, Error> {
        let mut p = Problems::new();
        let id = match self.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => p.take(
                "id",
                crate::domain::input::parse_asset_id(raw)
                    .map_err(|e| e.replace("asset id", "measure id")),
            ),
            None => None,
        };
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 200 {
            p.add("name", "give the measure a name of 1 to 200 characters");
        }
        let status = if self.status.trim().is_empty() {
            MeasureStatus::Planned
        } else {
            p.take("status", MeasureStatus::parse(&self.status))
                .unwrap_or(MeasureStatus::Planned)
        };
        let due_on = match self.due_on.trim() {
            "" => None,
            raw => p.take("due_on", parse_date(raw)),
        };
        let cost = match self.cost_text().trim().replace([' ', '_'], "").as_str() {
            "" => None,
            raw => {
                match raw.parse::<i64>() {
                    Ok(c) if c >= 0 => Some(c),
                    _ => {
                        p.add("cost", format!("'{raw}' is not a cost: give a whole, non-negative amount such as 12000"));
                        None
                    }
                }
            }
        };
        for (field, value, max) in [
            ("description", &self.description, 5000),
            ("owner", &self.owner, 200),
            ("effort", &self.effort, 100),
        ] {
            if value.trim().chars().count() > max {
                p.add(field, format!("at most {max} characters"));
            }
        }
        p.into_result()?;
        Ok(MeasureDraft {
            id,
            name,
            description: self.description.trim().to_string(),
            owner: self.owner.trim().to_string(),
            status,
            due_on,
            effort: self.effort.trim().to_string(),
            cost,
            controls: parse_control_refs(&self.controls_text()),
        })
    }
}

impl From<&Measure> for MeasureInput {
    fn from(m: &Measure) -> MeasureInput {
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
        MeasureInput {
            id: Some(m.id.clone()),
            name: m.name.clone(),
            description: m.description.clone(),
            owner: m.owner.clone(),
            status: m.status.key().into(),
            due_on: m.due_on.clone().unwrap_or_default(),
            effort: m.effort.clone(),
            cost: m.cost.map(|c| serde_json::Value::String(c.to_string())),
            controls: Some(serde_json::Value::String(controls.join(", "))),
        }
    }
}

/// Which measures to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasureFilter {
    pub status: Option<MeasureStatus>,
    pub owner: Option<String>,
    pub control: Option<ControlRef>,
    /// Only open measures due before this day (`YYYY-MM-DD`).
    pub overdue_on: Option<String>,
    /// Only the measures that treat this risk.
    pub risk: Option<String>,
    pub text: Option<String>,
}

/// The treatment plan's query (it has one order: by due date, undated last).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MeasureQuery {
    pub filter: MeasureFilter,
}

impl MeasureQuery {
    /// The parameters the treatment plan reads (besides `cursor` and `limit`).
    pub const PARAMS: &'static [&'static str] =
        &["q", "status", "owner", "control", "overdue", "risk"];

    /// Reads `q`, `status`, `owner`, `control` (one id), `overdue` (open measures past their
    /// due date as of `today`) and `risk`; every malformed value is named.
    pub fn read(params: &crate::domain::query::Params, today: &str) -> Result<MeasureQuery, Error> {
        let get = |k: &str| params.get(k).map(str::to_string);
        let mut p = Problems::new();
        let status = match get("status") {
            Some(s) => p.take("status", MeasureStatus::parse(&s)),
            None => None,
        };
        let control = match get("control") {
            None => None,
            Some(c) => {
                let mut refs = parse_control_refs(&c);
                if refs.len() == 1 {
                    refs.pop()
                } else {
                    p.add("control", "give one control id, e.g. 8.13");
                    None
                }
            }
        };
        let overdue = params.flag("overdue", &mut p);
        p.into_query_result()?;
        Ok(MeasureQuery {
            filter: MeasureFilter {
                status,
                owner: get("owner"),
                control,
                overdue_on: overdue.then(|| today.to_string()),
                risk: get("risk"),
                text: get("q"),
            },
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_references_default_to_2022_and_accept_other_frameworks() {
        let refs = parse_control_refs("5.17, A.8.5; iso27002-2013:9.4.2, 5.17");
        assert_eq!(refs.len(), 3);
        assert_eq!(
            refs[1],
            ControlRef {
                framework: DEFAULT_FRAMEWORK.into(),
                id: "8.5".into()
            }
        );
        assert_eq!(refs[2].framework, "iso27002-2013");
    }

    #[test]
    fn bad_fields_are_named() {
        let m = MeasureInput {
            name: "".into(),
            status: "done-ish".into(),
            due_on: "soon".into(),
            cost: Some(serde_json::json!(-5)),
            ..MeasureInput::default()
        };
        let fields: Vec<String> = m
            .parse()
            .unwrap_err()
            .fields()
            .iter()
            .map(|f| f.field.clone())
            .collect();
        assert_eq!(fields, ["name", "status", "due_on", "cost"]);
    }
}
