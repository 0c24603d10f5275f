//! Risks: the scenario (threat, vulnerability, consequence), the owner, three ratings on the
//! organisation's matrix — inherent (no controls), current (measures in place today) and
//! target/residual (after the treatment plan) — each level read from the matrix, the
//! treatment option, and the formal acceptance of the residual risk.

use crate::domain::input::{parse_asset_id, parse_date};
use crate::error::{Error, Problems};
use crate::registers::matrix::domain::Matrix;
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

    /// Whether a cell says more than the treatment read from its first word ("Avoided —
    /// payments outsourced to …"): the rest is worth keeping.
    pub fn said_more(raw: &str) -> bool {
        let ours = Treatment::ALL
            .iter()
            .any(|t| t.label().eq_ignore_ascii_case(raw.trim()));
        !ours && said_more(raw, |w| Treatment::parse(w).is_ok())
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

    /// Whether a cell says more than the status read from its first word.
    pub fn said_more(raw: &str) -> bool {
        let ours = RiskStatus::ALL
            .iter()
            .any(|s| s.label().eq_ignore_ascii_case(raw.trim()));
        !ours && said_more(raw, |w| RiskStatus::parse(w).is_ok())
    }
}

/// Whether `raw` holds words after its first that are not part of a phrase `reads` knows as a
/// whole ("in treatment" is one status; "Avoided — payments outsourced" is a status and more).
fn said_more(raw: &str, reads: impl Fn(&str) -> bool) -> bool {
    let text = raw.trim();
    let words: Vec<&str> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.len() < 2 {
        return false;
    }
    // The whole phrase read as one of our words ("in treatment", "in progress") says nothing
    // more; two words read from the first alone do.
    let phrase = words.join(" ");
    let whole = reads(&phrase) && !reads(words[0]);
    !whole && reads(text)
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
    /// Why a residual rating is above the inherent one (see
    /// [`Risk::residual_above_inherent`]); empty otherwise.
    pub rating_reason: String,
    /// Anything else said about the risk (an import keeps here what a cell said beyond the
    /// word read from it).
    pub notes: String,
    pub created_at: String,
    pub updated_at: String,
    /// Raised by every write: a writer that saw an older revision is refused (409).
    pub revision: i64,
}

impl Risk {
    /// Whether a residual rating (current or target) is worse than the inherent one in
    /// likelihood or impact: controls do not usually make a risk likelier or worse, so
    /// Annex asks why (it warns, it does not refuse).
    pub fn residual_above_inherent(&self) -> bool {
        residual_above(&self.inherent, [&self.current, &self.target])
    }

    /// What a risk manager should look at on this risk: no owner (ISO/IEC 27001 6.1.2 c
    /// asks for one), a residual rating above the inherent one without a reason.
    pub fn warnings(&self) -> Vec<&'static str> {
        let mut w = Vec::new();
        if self.owner.trim().is_empty() {
            w.push("No risk owner: name who is accountable for this risk.");
        }
        if self.residual_above_inherent() && self.rating_reason.trim().is_empty() {
            w.push("A residual rating is above the inherent one: say why, or correct the ratings.");
        }
        w
    }
}

fn residual_above<'a>(inherent: &Rating, residual: impl IntoIterator<Item = &'a Rating>) -> bool {
    residual
        .into_iter()
        .any(|r| r.likelihood > inherent.likelihood || r.impact > inherent.impact)
}

/// A risk as typed. Likelihood and impact may be given by value or by name of the step.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct RiskInput {
    #[schema(pattern = "^ *([A-Za-z0-9._-]{1,40})? *$")]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 2000)]
    pub threat: String,
    #[schema(max_length = 2000)]
    pub vulnerability: String,
    #[schema(max_length = 2000)]
    pub consequence: String,
    /// Who is accountable for the risk: required when a person enters or edits a risk
    /// (imports keep risks without one and list them as a readiness gap).
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub owner: String,
    #[schema(max_length = 100)]
    pub category: String,
    /// A step of the matrix's likelihood scale, by value or name.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    #[schema(required = true)]
    pub inherent_likelihood: String,
    /// A step of the matrix's impact scale, by value or name.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    #[schema(required = true)]
    pub inherent_impact: String,
    /// Empty: the same as inherent.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub current_likelihood: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub current_impact: String,
    /// Empty: the same as current.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub target_likelihood: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub target_impact: String,
    /// modify (default), retain, avoid or share
    pub treatment: String,
    /// open (default), in treatment or closed
    pub status: String,
    /// `YYYY-MM-DD`, or empty.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub review_due_on: String,
    /// Asset ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub assets: String,
    /// Measure ids, comma-separated or a list.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub measures: String,
    /// Why a residual rating (current or target) is above the inherent one; Annex keeps such
    /// a rating and warns until a reason is given.
    #[schema(max_length = 1000)]
    pub rating_reason: String,
    /// Anything else said about the risk.
    #[schema(max_length = 4000)]
    pub notes: String,
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
    pub rating_reason: String,
    pub notes: String,
}

impl RiskDraft {
    /// Gives each rating the level another matrix with the same scales gives it.
    pub fn relevel(&mut self, m: &Matrix) {
        for r in [&mut self.inherent, &mut self.current, &mut self.target] {
            if let Some(level) = m.level_of(r.likelihood, r.impact) {
                r.level = level.key.clone();
            }
        }
    }

    /// See [`Risk::residual_above_inherent`].
    pub fn residual_above_inherent(&self) -> bool {
        residual_above(&self.inherent, [&self.current, &self.target])
    }
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

/// What ISO/IEC 27001 6.1.2 c) asks of a risk entered by a person: an owner.
pub const OWNER_REQUIRED: &str =
    "name the risk owner: who is accountable for this risk (ISO/IEC 27001 6.1.2 c)";

impl RiskInput {
    /// Reads a risk as an import does: a file's risks without an owner are imported and then
    /// listed as a readiness gap (6.1.2).
    pub fn parse(&self, m: &Matrix) -> Result<RiskDraft, Error> {
        self.parse_with(m, false)
    }

    /// Reads a risk a person enters or edits (form, API, command line): it needs an owner.
    pub fn parse_entered(&self, m: &Matrix) -> Result<RiskDraft, Error> {
        self.parse_with(m, true)
    }

    fn parse_with(&self, m: &Matrix, owner_required: bool) -> Result<RiskDraft, Error> {
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
                            format!(
                                "choose {} {what} (one of {})",
                                if likelihood { "a" } else { "an" },
                                steps.join(", ")
                            ),
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
            ("rating_reason", &self.rating_reason, 1000),
            ("notes", &self.notes, 4000),
        ] {
            if value.trim().chars().count() > max {
                p.add(field, format!("at most {max} characters"));
            }
        }
        if owner_required && self.owner.trim().is_empty() {
            p.add("owner", OWNER_REQUIRED);
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
            rating_reason: self.rating_reason.trim().to_string(),
            notes: self.notes.trim().to_string(),
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
            rating_reason: r.rating_reason.clone(),
            notes: r.notes.clone(),
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

/// Which risks to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskFilter {
    /// Residual (target) level key.
    pub level: Option<String>,
    pub owner: Option<String>,
    pub treatment: Option<Treatment>,
    pub asset: Option<String>,
    pub measure: Option<String>,
    /// A control (framework, id): risks treated by a measure that implements it.
    pub control: Option<(String, String)>,
    pub status: Option<StatusFilter>,
    /// Heat-map cell: (which rating, likelihood, impact).
    pub cell: Option<(RatingKind, i64, i64)>,
    pub text: Option<String>,
    /// Risks whose review date is before this day.
    pub review_overdue_on: Option<String>,
    /// Risks whose newest acceptance has expired before this day or needs renewal.
    pub acceptance_lapsed_on: Option<String>,
}

/// A status, or every risk that is not closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusFilter {
    Is(RiskStatus),
    Active,
}

impl StatusFilter {
    /// `active` (every risk not closed) or a status.
    pub fn parse(raw: &str) -> Result<StatusFilter, String> {
        match raw.trim() {
            "active" => Ok(StatusFilter::Active),
            s => RiskStatus::parse(s)
                .map(StatusFilter::Is)
                .map_err(|e| format!("{e} (or active: every risk not closed)")),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingKind {
    Inherent,
    Current,
    Target,
}

impl RatingKind {
    pub fn key(self) -> &'static str {
        match self {
            RatingKind::Inherent => "inherent",
            RatingKind::Current => "current",
            RatingKind::Target => "target",
        }
    }

    pub fn parse(raw: &str) -> Option<RatingKind> {
        match raw {
            "inherent" => Some(RatingKind::Inherent),
            "current" => Some(RatingKind::Current),
            "target" | "residual" => Some(RatingKind::Target),
            _ => None,
        }
    }
}

/// The register's sort orders; each ends in the risk id and has an index in its order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum RiskSort {
    #[default]
    Id,
    Title,
    Owner,
    /// Highest residual likelihood × impact first.
    Residual,
    /// Earliest review due first (undated last).
    Review,
    /// Most recently changed first.
    Updated,
}

impl RiskSort {
    pub const ALL: [RiskSort; 6] = [
        RiskSort::Id,
        RiskSort::Title,
        RiskSort::Owner,
        RiskSort::Residual,
        RiskSort::Review,
        RiskSort::Updated,
    ];

    pub fn key(self) -> &'static str {
        match self {
            RiskSort::Id => "id",
            RiskSort::Title => "title",
            RiskSort::Owner => "owner",
            RiskSort::Residual => "residual",
            RiskSort::Review => "review",
            RiskSort::Updated => "updated",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RiskSort::Id => "id",
            RiskSort::Title => "title",
            RiskSort::Owner => "owner",
            RiskSort::Residual => "residual risk, highest first",
            RiskSort::Review => "review due, earliest first",
            RiskSort::Updated => "last changed",
        }
    }

    pub fn parse(raw: &str) -> Result<RiskSort, Error> {
        RiskSort::ALL
            .into_iter()
            .find(|s| s.key() == raw.trim())
            .ok_or_else(|| {
                Error::field(
                    "sort",
                    format!(
                        "'{}' is not a sort: use id, title, owner, residual, review or updated",
                        raw.trim()
                    ),
                )
            })
    }
}

/// The register's query: the filter and the order, read from a query string by the page and
/// the API, and built from flags by the command line.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskQuery {
    pub filter: RiskFilter,
    pub sort: RiskSort,
}

impl RiskQuery {
    /// The parameters the register reads (besides `cursor` and `limit`).
    pub const PARAMS: &'static [&'static str] = &[
        "q",
        "level",
        "owner",
        "treatment",
        "status",
        "sort",
        "asset",
        "measure",
        "control",
        "cell",
        "attention",
    ];

    /// Reads `q`, `level` (residual level key), `owner`, `treatment`, `status` (or `active`),
    /// `asset`, `measure`, `control`, `cell` (`target:4:5`), `attention` (`review` or
    /// `acceptance`, as of `today`) and `sort`. Every malformed value is named. Whether a
    /// level exists is the matrix's business (checked by the use case).
    pub fn read(params: &crate::domain::query::Params, today: &str) -> Result<RiskQuery, Error> {
        let get = |k: &str| params.get(k).map(str::to_string);
        let mut p = Problems::new();
        let treatment = match get("treatment") {
            Some(t) => p.take("treatment", Treatment::parse(&t)),
            None => None,
        };
        let status = match get("status") {
            None => None,
            Some(s) => p.take("status", StatusFilter::parse(&s)),
        };
        let control = get("control").map(|c| {
            crate::domain::catalog::parse_control_refs(&c)
                .into_iter()
                .next()
                .map(|r| (r.framework, r.id))
                .unwrap_or_default()
        });
        let cell = get("cell").and_then(|c| match parse_cell(&c) {
            Some(cell) => Some(cell),
            None => {
                p.add(
                    "cell",
                    format!("'{c}' is not a heat-map cell: write inherent:L:I, current:L:I or target:L:I"),
                );
                None
            }
        });
        let attention = get("attention");
        match attention.as_deref() {
            None | Some("review") | Some("acceptance") => {}
            Some(other) => p.add(
                "attention",
                format!("'{other}' is not a list: use review or acceptance"),
            ),
        }
        let sort = match get("sort") {
            Some(s) => match RiskSort::parse(&s) {
                Ok(s) => s,
                Err(e) => {
                    for f in e.fields() {
                        p.add(&f.field, &f.message);
                    }
                    RiskSort::Id
                }
            },
            None => RiskSort::Id,
        };
        p.into_query_result()?;
        Ok(RiskQuery {
            filter: RiskFilter {
                level: get("level"),
                owner: get("owner"),
                treatment,
                status,
                asset: get("asset"),
                measure: get("measure"),
                control,
                cell,
                text: get("q"),
                review_overdue_on: (attention.as_deref() == Some("review"))
                    .then(|| today.to_string()),
                acceptance_lapsed_on: (attention.as_deref() == Some("acceptance"))
                    .then(|| today.to_string()),
            },
            sort,
        })
    }
}

/// A heat-map cell `KIND:L:I` (`target:4:5`).
/// A step's value as the heat map writes it: digits only, no sign or leading zero.
fn step_number(v: &str) -> Option<i64> {
    v.parse::<i64>()
        .ok()
        .filter(|n| *n >= 0 && n.to_string() == v)
}

fn parse_cell(c: &str) -> Option<(RatingKind, i64, i64)> {
    let parts: Vec<&str> = c.split(':').collect();
    match (
        parts.first().and_then(|k| RatingKind::parse(k)),
        parts.get(1).and_then(|v| step_number(v)),
        parts.get(2).and_then(|v| step_number(v)),
    ) {
        (Some(k), Some(l), Some(i)) if parts.len() == 3 => Some((k, l, i)),
        _ => None,
    }
}

impl RiskFilter {
    /// The filter with its residual level as the level's key, read by key or name in any
    /// case (`level=High` as `high`); a level, or a heat-map cell, the matrix does not have is
    /// refused, naming the choices.
    pub fn resolved(&self, m: &Matrix) -> Result<RiskFilter, Error> {
        let mut p = Problems::new();
        let mut out = self.clone();
        if let Some(l) = &self.level {
            let raw = l.trim();
            match m
                .levels
                .iter()
                .find(|x| x.key.eq_ignore_ascii_case(raw) || x.name.eq_ignore_ascii_case(raw))
            {
                Some(x) => out.level = Some(x.key.clone()),
                None => {
                    let keys: Vec<&str> = m.levels.iter().map(|l| l.key.as_str()).collect();
                    p.add(
                        "level",
                        format!("'{l}' is not a risk level: use one of {}", keys.join(", ")),
                    );
                }
            }
        }
        if let Some((_, l, i)) = self.cell
            && (!m.likelihood.iter().any(|s| s.value == l)
                || !m.impact.iter().any(|s| s.value == i))
        {
            p.add(
                "cell",
                format!(
                    "there is no cell of likelihood {l} and impact {i}: the matrix has likelihood 1 to {} and impact 1 to {}",
                    m.likelihood.len(),
                    m.impact.len()
                ),
            );
        }
        p.into_query_result()?;
        Ok(out)
    }
}

/// Whether a change of a risk makes its acceptance need renewal: the residual rating or the
/// treatment is no longer what was accepted.
pub fn lapses(acc: &Acceptance, d: &RiskDraft) -> bool {
    !acc.needs_renewal && (acc.accepted.target != d.target || acc.accepted.treatment != d.treatment)
}

/// Checks an acceptance's terms: above the matrix's threshold only an editor (manager or
/// admin) may accept, and with a rationale; the end date must be in the future. Answers the
/// checked (rationale, valid-until date). Who may accept at all is the use case's business.
pub fn check_acceptance(
    r: &Risk,
    m: &Matrix,
    by_editor: bool,
    rationale: &str,
    valid_until: &str,
    today: &str,
) -> Result<(String, String), Error> {
    let above = !m.acceptable(&r.target.level);
    if above && !by_editor {
        return Err(Error::Forbidden);
    }
    let mut p = Problems::new();
    let rationale = rationale.trim().to_string();
    if above && rationale.is_empty() {
        let level = m
            .risk_level(&r.target.level)
            .map(|l| l.name.clone())
            .unwrap_or_default();
        p.add(
            "rationale",
            format!("the residual level {level} is above the acceptance threshold: say why the risk is accepted"),
        );
    }
    if rationale.chars().count() > 5000 {
        p.add("rationale", "at most 5000 characters");
    }
    let until = match parse_date(valid_until) {
        Ok(d) if d.as_str() > today => Some(d),
        Ok(d) => {
            p.add(
                "valid_until",
                format!("{d} is not in the future: an acceptance must stay valid for some time"),
            );
            None
        }
        Err(e) => {
            p.add("valid_until", e);
            None
        }
    };
    p.into_result()?;
    Ok((rationale, until.unwrap_or_default()))
}
