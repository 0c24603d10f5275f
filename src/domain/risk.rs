//! Risks: the scenario (threat, vulnerability, consequence), the owner, three ratings on the
//! organisation's matrix — inherent (no controls), current (measures in place today) and
//! target/residual (after the treatment plan) — each level read from the matrix, the
//! treatment option, and the formal acceptance of the residual risk.

use crate::domain::asset::{parse_asset_id, parse_date};
use crate::domain::matrix::Matrix;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

/// The four ways to treat a risk (ISO/IEC 27005 terms in brackets).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Treatment {
    /// Mitigate: apply measures that lower likelihood or impact.
    Modify,
    /// Accept the risk as it is.
    Retain,
    /// Stop the activity that causes it.
    Avoid,
    /// Transfer it, e.g. insurance or a contract.
    Share,
}

impl Treatment {
    pub const ALL: [Treatment; 4] = [
        Treatment::Modify,
        Treatment::Retain,
        Treatment::Avoid,
        Treatment::Share,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Treatment::Modify => "modify",
            Treatment::Retain => "retain",
            Treatment::Avoid => "avoid",
            Treatment::Share => "share",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Treatment::Modify => "modify (mitigate)",
            Treatment::Retain => "retain (accept)",
            Treatment::Avoid => "avoid",
            Treatment::Share => "share (transfer)",
        }
    }

    /// Reads a treatment as people write it: our words, the usual synonyms (mitigate, accept,
    /// transfer, tolerate, terminate …), or a phrase that starts with one ("Accept with
    /// monitoring").
    pub fn parse(raw: &str) -> Result<Treatment, String> {
        let word = |w: &str| match w {
            "modify" | "mitigate" | "reduce" | "treat" | "mitigation" | "reduction" => {
                Some(Treatment::Modify)
            }
            "retain" | "accept" | "tolerate" | "retention" | "acceptance" => {
                Some(Treatment::Retain)
            }
            "avoid" | "terminate" | "avoidance" | "eliminate" => Some(Treatment::Avoid),
            "share" | "transfer" | "insure" | "sharing" => Some(Treatment::Share),
            _ => None,
        };
        let norm = raw.trim().to_lowercase();
        let first = norm
            .split(|c: char| !c.is_alphabetic())
            .find(|w| !w.is_empty())
            .unwrap_or_default();
        word(&norm).or_else(|| word(first)).ok_or_else(|| {
            format!(
                "'{}' is not a treatment: use modify, retain, avoid or share",
                raw.trim()
            )
        })
    }
}

/// Where a risk is in its handling. A closed risk stays in the register with its history;
/// the heat map and the attention lists leave it out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RiskStatus {
    /// Identified and assessed; treatment not started (or the risk is retained).
    Open,
    /// Measures of its treatment plan are under way.
    InTreatment,
    /// No longer relevant: avoided, resolved, or its asset is gone.
    Closed,
}

impl RiskStatus {
    pub const ALL: [RiskStatus; 3] = [
        RiskStatus::Open,
        RiskStatus::InTreatment,
        RiskStatus::Closed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::InTreatment => "in_treatment",
            RiskStatus::Closed => "closed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskStatus::Open => "open",
            RiskStatus::InTreatment => "in treatment",
            RiskStatus::Closed => "closed",
        }
    }

    /// Reads a status as registers write it: our words, the usual ones, or a phrase that
    /// starts with one ("Treatment in progress (finding F1)").
    pub fn parse(raw: &str) -> Result<RiskStatus, String> {
        let word = |w: &str| match w {
            "open" | "new" | "identified" | "assessed" | "accepted" | "monitored" => {
                Some(RiskStatus::Open)
            }
            "in_treatment" | "treatment" | "treating" | "mitigating" | "ongoing" | "progress"
            | "in_progress" => Some(RiskStatus::InTreatment),
            "closed" | "resolved" | "avoided" | "retired" | "done" | "mitigated" => {
                Some(RiskStatus::Closed)
            }
            _ => None,
        };
        let norm = raw.trim().to_lowercase().replace([' ', '-'], "_");
        let first = norm
            .split(|c: char| !c.is_alphabetic())
            .find(|w| !w.is_empty())
            .unwrap_or_default();
        word(&norm).or_else(|| word(first)).ok_or_else(|| {
            format!(
                "'{}' is not a risk status: use open, in treatment or closed",
                raw.trim()
            )
        })
    }
}

/// A likelihood and an impact (values of the matrix's scales) and the level they give.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Rating {
    pub likelihood: i64,
    pub impact: i64,
    /// Key of the risk level, read from the matrix's grid.
    pub level: String,
}

impl Rating {
    pub fn rate(m: &Matrix, likelihood: i64, impact: i64) -> Option<Rating> {
        m.level_of(likelihood, impact).map(|l| Rating {
            likelihood,
            impact,
            level: l.key.clone(),
        })
    }
}

/// What an acceptance accepted, kept with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Accepted {
    pub target: Rating,
    pub treatment: Treatment,
}

/// The formal acceptance of a risk's residual level by its owner (27001 6.1.3 f).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Acceptance {
    pub id: String,
    pub accepted_by: String,
    pub accepted_at: String,
    pub rationale: String,
    /// `YYYY-MM-DD`
    pub valid_until: String,
    pub accepted: Accepted,
    /// The ratings or treatment changed since: the acceptance must be given again.
    pub needs_renewal: bool,
}

impl Acceptance {
    /// active, expired or needs renewal, on `today` (`YYYY-MM-DD`).
    pub fn state(&self, today: &str) -> &'static str {
        if self.needs_renewal {
            "needs renewal"
        } else if self.valid_until.as_str() < today {
            "expired"
        } else {
            "active"
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Risk {
    /// Readable id, e.g. R-0042.
    pub id: String,
    pub title: String,
    pub threat: String,
    pub vulnerability: String,
    pub consequence: String,
    pub owner: String,
    pub category: String,
    pub inherent: Rating,
    pub current: Rating,
    pub target: Rating,
    pub treatment: Treatment,
    pub status: RiskStatus,
    /// `YYYY-MM-DD`
    pub review_due_on: Option<String>,
    pub assets: Vec<String>,
    pub measures: Vec<String>,
    pub acceptance: Option<Acceptance>,
    pub created_at: String,
    pub updated_at: String,
}

/// A risk as typed. Likelihood and impact may be given by value or by name of the step.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RiskInput {
    pub id: Option<String>,
    pub title: String,
    pub threat: String,
    pub vulnerability: String,
    pub consequence: String,
    pub owner: String,
    pub category: String,
    #[serde(deserialize_with = "crate::domain::asset::text_or_number")]
    pub inherent_likelihood: String,
    #[serde(deserialize_with = "crate::domain::asset::text_or_number")]
    pub inherent_impact: String,
    /// Empty: the same as inherent.
    #[serde(deserialize_with = "crate::domain::asset::text_or_number")]
    pub current_likelihood: String,
    #[serde(deserialize_with = "crate::domain::asset::text_or_number")]
    pub current_impact: String,
    /// Empty: the same as current.
    #[serde(deserialize_with = "crate::domain::asset::text_or_number")]
    pub target_likelihood: String,
    #[serde(deserialize_with = "crate::domain::asset::text_or_number")]
    pub target_impact: String,
    /// modify (default), retain, avoid or share
    pub treatment: String,
    /// open (default), in treatment or closed
    pub status: String,
    pub review_due_on: String,
    /// Asset ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::asset::list_or_text")]
    pub assets: String,
    /// Measure ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::asset::list_or_text")]
    pub measures: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RiskDraft {
    pub id: Option<String>,
    pub title: String,
    pub threat: String,
    pub vulnerability: String,
    pub consequence: String,
    pub owner: String,
    pub category: String,
    pub inherent: Rating,
    pub current: Rating,
    pub target: Rating,
    pub treatment: Treatment,
    pub status: RiskStatus,
    pub review_due_on: Option<String>,
    pub assets: Vec<String>,
    pub measures: Vec<String>,
}

fn ids(p: &mut Problems, field: &str, raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    // Ids hold no '/', so "A05/A06" names two.
    for part in raw
        .split([',', ';', '\n', '/'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(id) = p.take(
            field,
            parse_asset_id(part).map_err(|e| e.replace("asset id", "id")),
        ) && !out.contains(&id)
        {
            out.push(id);
        }
    }
    out
}

impl RiskInput {
    pub fn parse(&self, m: &Matrix) -> Result<RiskDraft, Error> {
        let mut p = Problems::new();
        let id = match self.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => p.take(
                "id",
                parse_asset_id(raw).map_err(|e| e.replace("asset id", "risk id")),
            ),
            None => None,
        };
        let title = self.title.trim().to_string();
        if title.is_empty() || title.chars().count() > 200 {
            p.add("title", "give the risk a title of 1 to 200 characters");
        }
        let mut step = |field: &str, raw: &str, likelihood: bool| -> Option<i64> {
            let found = if likelihood {
                m.likelihood_step(raw)
            } else {
                m.impact_step(raw)
            };
            match found {
                Some(s) => Some(s.value),
                None => {
                    let scale = if likelihood { &m.likelihood } else { &m.impact };
                    let steps: Vec<String> = scale
                        .iter()
                        .map(|s| format!("{} {}", s.value, s.name))
                        .collect();
                    let what = if likelihood { "likelihood" } else { "impact" };
                    if raw.trim().is_empty() {
                        p.add(
                            field,
                            format!("choose a {what} (one of {})", steps.join(", ")),
                        );
                    } else {
                        p.add(
                            field,
                            format!(
                                "'{}' is not a level of the {what} scale (expected one of {})",
                                raw.trim(),
                                steps.join(", ")
                            ),
                        );
                    }
                    None
                }
            }
        };
        let il = step("inherent_likelihood", &self.inherent_likelihood, true);
        let ii = step("inherent_impact", &self.inherent_impact, false);
        // A rating left empty takes the one before it; a bad one before it is named once,
        // where it was typed.
        let mut or = |field: &str, raw: &str, likelihood: bool, fallback: Option<i64>| {
            if raw.trim().is_empty() {
                fallback
            } else {
                step(field, raw, likelihood)
            }
        };
        let cl = or("current_likelihood", &self.current_likelihood, true, il);
        let ci = or("current_impact", &self.current_impact, false, ii);
        let tl = or("target_likelihood", &self.target_likelihood, true, cl);
        let ti = or("target_impact", &self.target_impact, false, ci);
        let treatment = if self.treatment.trim().is_empty() {
            Treatment::Modify
        } else {
            p.take("treatment", Treatment::parse(&self.treatment))
                .unwrap_or(Treatment::Modify)
        };
        let status = if self.status.trim().is_empty() {
            RiskStatus::Open
        } else {
            p.take("status", RiskStatus::parse(&self.status))
                .unwrap_or(RiskStatus::Open)
        };
        let review_due_on = match self.review_due_on.trim() {
            "" => None,
            raw => p.take("review_due_on", parse_date(raw)),
        };
        for (field, value, max) in [
            ("threat", &self.threat, 2000),
            ("vulnerability", &self.vulnerability, 2000),
            ("consequence", &self.consequence, 2000),
            ("owner", &self.owner, 200),
            ("category", &self.category, 100),
        ] {
            if value.trim().chars().count() > max {
                p.add(field, format!("at most {max} characters"));
            }
        }
        let assets = ids(&mut p, "assets", &self.assets);
        let measures = ids(&mut p, "measures", &self.measures);
        p.into_result()?;
        let rate =
            |l: Option<i64>, i: Option<i64>| l.zip(i).and_then(|(l, i)| Rating::rate(m, l, i));
        let (Some(inherent), Some(current), Some(target)) =
            (rate(il, ii), rate(cl, ci), rate(tl, ti))
        else {
            return Err(Error::field(
                "inherent_likelihood",
                "the ratings do not fit the risk matrix",
            ));
        };
        Ok(RiskDraft {
            id,
            title,
            threat: self.threat.trim().to_string(),
            vulnerability: self.vulnerability.trim().to_string(),
            consequence: self.consequence.trim().to_string(),
            owner: self.owner.trim().to_string(),
            category: self.category.trim().to_string(),
            inherent,
            current,
            target,
            treatment,
            status,
            review_due_on,
            assets,
            measures,
        })
    }
}

impl From<&Risk> for RiskInput {
    fn from(r: &Risk) -> RiskInput {
        RiskInput {
            id: Some(r.id.clone()),
            title: r.title.clone(),
            threat: r.threat.clone(),
            vulnerability: r.vulnerability.clone(),
            consequence: r.consequence.clone(),
            owner: r.owner.clone(),
            category: r.category.clone(),
            inherent_likelihood: r.inherent.likelihood.to_string(),
            inherent_impact: r.inherent.impact.to_string(),
            current_likelihood: r.current.likelihood.to_string(),
            current_impact: r.current.impact.to_string(),
            target_likelihood: r.target.likelihood.to_string(),
            target_impact: r.target.impact.to_string(),
            treatment: r.treatment.key().into(),
            status: r.status.key().into(),
            review_due_on: r.review_due_on.clone().unwrap_or_default(),
            assets: r.assets.join(", "),
            measures: r.measures.join(", "),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_default_downwards_and_levels_come_from_the_matrix() {
        let m = Matrix::default_5x5();
        let r = RiskInput {
            title: "Ransomware".into(),
            inherent_likelihood: "Likely".into(),
            inherent_impact: "5".into(),
            target_likelihood: "2".into(),
            ..RiskInput::default()
        }
        .parse(&m)
        .unwrap();
        assert_eq!(r.inherent.level, "critical");
        assert_eq!(r.current, r.inherent, "current defaults to inherent");
        assert_eq!(
            (r.target.likelihood, r.target.impact),
            (2, 5),
            "target impact defaults to current"
        );
        assert_eq!(r.target.level, m.level_of(2, 5).unwrap().key);
        assert_eq!(Treatment::parse("Transfer").unwrap(), Treatment::Share);
        assert_eq!(
            Treatment::parse("Accept with monitoring").unwrap(),
            Treatment::Retain
        );
        assert!(Treatment::parse("Open").is_err());
    }

    #[test]
    fn a_misspelt_level_is_named_with_the_choices() {
        let e = RiskInput {
            title: "X".into(),
            inherent_likelihood: "hihg".into(),
            inherent_impact: "3".into(),
            ..RiskInput::default()
        }
        .parse(&Matrix::default_5x5())
        .unwrap_err();
        assert_eq!(e.fields()[0].field, "inherent_likelihood");
        assert!(
            e.fields()[0]
                .message
                .contains("'hihg' is not a level of the likelihood scale (expected one of 1 Rare")
        );
        assert_eq!(
            e.fields().len(),
            1,
            "the current and residual ratings that default to it are not named again"
        );
    }
}
