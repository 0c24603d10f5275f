//! Information security objectives and their indicators (27001 6.2, 9.1): what the
//! organisation sets out to achieve, and for each the indicators that measure it — measured by
//! hand, or computed by Annex from its own registers — with a target, a frequency and an owner;
//! their measurements kept as a time series, one per period.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// Where an objective stands.
    ObjectiveStatus,
    "an objective's status",
    [
        (Open, "open", "in progress"),
        (Achieved, "achieved", "achieved"),
        (Dropped, "dropped", "dropped"),
    ]
);

crate::domain::words::words_enum!(
    /// How often an indicator is measured.
    Frequency,
    "a frequency",
    [
        (Monthly, "monthly", "monthly"),
        (Quarterly, "quarterly", "quarterly"),
        (Yearly, "yearly", "yearly"),
    ]
);

crate::domain::words::words_enum!(
    /// Which side of its target an indicator should stay on.
    Direction,
    "a direction",
    [
        (AtLeast, "at_least", "at least"),
        (AtMost, "at_most", "at most"),
    ]
);

crate::domain::words::words_enum!(
    /// Where an indicator's values come from: measured by hand, or computed by Annex.
    Metric,
    "a source of values",
    [
        (Manual, "manual", "measured by hand"),
        (
            ControlsImplemented,
            "controls_implemented",
            "applicable controls implemented"
        ),
        (
            ControlsEvidenced,
            "controls_evidenced",
            "applicable controls with valid evidence"
        ),
        (MeasuresOverdue, "measures_overdue", "measures overdue"),
        (
            RisksAboveThreshold,
            "risks_above_threshold",
            "open risks above the acceptance threshold"
        ),
        (
            RisksReviewed,
            "risks_reviewed",
            "open risks reviewed within 12 months"
        ),
        (
            AcceptancesLapsed,
            "acceptances_lapsed",
            "risk acceptances lapsed"
        ),
        (
            TrainingCompletion,
            "training_completion",
            "training completion"
        ),
        (
            PolicyAcknowledgement,
            "policy_acknowledgement",
            "acknowledgement of the information security policy"
        ),
        (
            SuppliersReviewedOnTime,
            "suppliers_reviewed_on_time",
            "active suppliers reviewed on time"
        ),
        (
            IncidentCloseDays,
            "incident_close_days",
            "median days to close an incident"
        ),
        (HostPassRate, "host_pass_rate", "host checks passing"),
        (
            ObligationsMet,
            "obligations_met",
            "applicable obligations met"
        ),
        (
            DocumentsReviewDue,
            "documents_review_due",
            "documents past their review date"
        ),
        (FindingsOpen, "findings_open", "audit findings open"),
        (
            ActionsOverdue,
            "actions_overdue",
            "corrective actions overdue"
        ),
    ]
);

impl Metric {
    /// The unit its values are in.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::Manual => "",
            Metric::MeasuresOverdue
            | Metric::RisksAboveThreshold
            | Metric::AcceptancesLapsed
            | Metric::DocumentsReviewDue
            | Metric::FindingsOpen
            | Metric::ActionsOverdue => "count",
            Metric::IncidentCloseDays => "days",
            _ => "%",
        }
    }

    /// The side of the target a good value is on.
    pub fn direction(self) -> Direction {
        match self.unit() {
            "count" | "days" => Direction::AtMost,
            _ => Direction::AtLeast,
        }
    }

    /// How Annex computes it, in our words.
    pub fn definition(self) -> &'static str {
        match self {
            Metric::Manual => "Entered by its owner each period.",
            Metric::ControlsImplemented => {
                "Of the controls the Statement of Applicability marks applicable, the share whose status is implemented."
            }
            Metric::ControlsEvidenced => {
                "Of the applicable controls, the share with at least one evidence item that is current."
            }
            Metric::MeasuresOverdue => {
                "Measures of the treatment plan not yet implemented whose due date has passed."
            }
            Metric::RisksAboveThreshold => {
                "Open risks whose current level ranks above the risk matrix's acceptance threshold."
            }
            Metric::RisksReviewed => {
                "Of the open risks, the share changed or reviewed in the last 12 months."
            }
            Metric::AcceptancesLapsed => {
                "Acceptances of residual risk that have expired or need renewal."
            }
            Metric::TrainingCompletion => {
                "Of the people asked to complete training campaigns open or due in the last 12 months, the share who completed them."
            }
            Metric::PolicyAcknowledgement => {
                "Of the people asked to acknowledge the published information security policy, the share who did."
            }
            Metric::SuppliersReviewedOnTime => {
                "Of the active suppliers, the share not past their review date."
            }
            Metric::IncidentCloseDays => {
                "Median time from the organisation becoming aware of an incident to its closing, over the last 12 months."
            }
            Metric::HostPassRate => {
                "Of the checks that passed or failed in each host's latest scan, the share that passed."
            }
            Metric::ObligationsMet => "Of the applicable obligations, the share assessed as met.",
            Metric::DocumentsReviewDue => "Published documents whose review date has come.",
            Metric::FindingsOpen => "Findings of internal audits still open, whatever their kind.",
            Metric::ActionsOverdue => {
                "Corrective actions of nonconformities still open after their due day."
            }
        }
    }
}

/// The numbers the computed indicators are read from, gathered from the registers.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MetricFacts {
    pub applicable: i64,
    pub implemented: i64,
    pub evidenced: i64,
    pub measures_overdue: i64,
    pub risks_open: i64,
    pub risks_stale: i64,
    pub risks_above_threshold: i64,
    pub acceptances_lapsed: i64,
    /// (asked, completed) over the campaigns counted.
    pub training: (i64, i64),
    /// (asked, acknowledged) of the policy.
    pub policy_ack: Option<(i64, i64)>,
    /// (active, due for review).
    pub suppliers: (i64, i64),
    pub incident_close_hours: Option<f64>,
    /// (passed, failed) over the hosts' latest scans.
    pub host_checks: (i64, i64),
    /// (applicable, met).
    pub obligations: (i64, i64),
    pub documents_review_due: i64,
    pub findings_open: i64,
    pub actions_overdue: i64,
}

fn share(part: i64, whole: i64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

impl MetricFacts {
    /// The metric's value now; none when there is nothing to measure (no applicable control,
    /// no one asked) or it is measured by hand.
    pub fn value(&self, m: Metric) -> Option<f64> {
        match m {
            Metric::Manual => None,
            Metric::ControlsImplemented => share(self.implemented, self.applicable),
            Metric::ControlsEvidenced => share(self.evidenced, self.applicable),
            Metric::MeasuresOverdue => Some(self.measures_overdue as f64),
            Metric::RisksAboveThreshold => Some(self.risks_above_threshold as f64),
            Metric::RisksReviewed => share(self.risks_open - self.risks_stale, self.risks_open),
            Metric::AcceptancesLapsed => Some(self.acceptances_lapsed as f64),
            Metric::TrainingCompletion => share(self.training.1, self.training.0),
            Metric::PolicyAcknowledgement => self.policy_ack.and_then(|(a, d)| share(d, a)),
            Metric::SuppliersReviewedOnTime => {
                share(self.suppliers.0 - self.suppliers.1, self.suppliers.0)
            }
            Metric::IncidentCloseDays => self
                .incident_close_hours
                .map(|h| (h / 24.0 * 10.0).round() / 10.0),
            Metric::HostPassRate => {
                share(self.host_checks.0, self.host_checks.0 + self.host_checks.1)
            }
            Metric::ObligationsMet => share(self.obligations.1, self.obligations.0),
            Metric::DocumentsReviewDue => Some(self.documents_review_due as f64),
            Metric::FindingsOpen => Some(self.findings_open as f64),
            Metric::ActionsOverdue => Some(self.actions_overdue as f64),
        }
    }
}

/// An objective as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Objective {
    pub id: String,
    pub title: String,
    /// What will be done, and with what resources.
    pub description: String,
    pub owner: String,
    /// `YYYY-MM-DD` by which it is to be achieved.
    pub due_on: Option<String>,
    pub status: ObjectiveStatus,
    pub updated_at: String,
    pub revision: i64,
}

/// An objective as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ObjectiveInput {
    #[schema(max_length = 40)]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 5000)]
    pub description: String,
    #[schema(max_length = 200)]
    pub owner: String,
    /// `YYYY-MM-DD`, or empty.
    pub due_on: String,
    /// open (default), achieved or dropped.
    pub status: String,
}

/// A checked objective.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectiveDraft {
    pub id: Option<String>,
    pub title: String,
    pub description: String,
    pub owner: String,
    pub due_on: Option<String>,
    pub status: ObjectiveStatus,
}

fn owner(p: &mut Problems, raw: &str) -> String {
    let owner = bounded(p, "owner", raw, 200).to_lowercase();
    if !owner.is_empty() && !owner.contains('@') {
        p.add("owner", format!("'{owner}' is not an e-mail address"));
    }
    owner
}

impl ObjectiveInput {
    pub fn parse(&self) -> Result<ObjectiveDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add(
                "title",
                "say what the objective is (e.g. 95% of applicable controls implemented by June)",
            );
        }
        let description = bounded(&mut p, "description", &self.description, 5000);
        let owner = owner(&mut p, &self.owner);
        let due_on = match self.due_on.trim() {
            "" => None,
            t => p.take("due_on", crate::domain::input::parse_date(t)),
        };
        let status = match self.status.trim() {
            "" => ObjectiveStatus::Open,
            raw => p
                .take("status", ObjectiveStatus::parse(raw))
                .unwrap_or(ObjectiveStatus::Open),
        };
        p.into_result()?;
        Ok(ObjectiveDraft {
            id,
            title,
            description,
            owner,
            due_on,
            status,
        })
    }
}

impl From<&Objective> for ObjectiveInput {
    fn from(x: &Objective) -> ObjectiveInput {
        ObjectiveInput {
            id: Some(x.id.clone()),
            title: x.title.clone(),
            description: x.description.clone(),
            owner: x.owner.clone(),
            due_on: x.due_on.clone().unwrap_or_default(),
            status: x.status.key().into(),
        }
    }
}

/// An indicator as stored, with its latest measurement and status.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Kpi {
    pub id: String,
    /// The objective it measures, if any.
    pub objective: Option<String>,
    pub name: String,
    /// What is measured and how, in the owner's words.
    pub definition: String,
    pub metric: Metric,
    /// `%`, `count`, `days` or the owner's own.
    pub unit: String,
    pub target: f64,
    pub direction: Direction,
    pub frequency: Frequency,
    pub owner: String,
    pub updated_at: String,
    pub revision: i64,
    /// The newest measurement, if any.
    pub latest: Option<Measurement>,
    pub status: KpiStatus,
}

/// How an indicator stands against its target.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum KpiStatus {
    OnTarget,
    OffTarget,
    NoData,
}

impl KpiStatus {
    pub fn label(self) -> &'static str {
        match self {
            KpiStatus::OnTarget => "on target",
            KpiStatus::OffTarget => "off target",
            KpiStatus::NoData => "not measured yet",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            KpiStatus::OnTarget => "on_target",
            KpiStatus::OffTarget => "off_target",
            KpiStatus::NoData => "no_data",
        }
    }
}

/// Whether `value` meets `target` in `direction`.
pub fn meets(value: f64, target: f64, direction: Direction) -> bool {
    match direction {
        Direction::AtLeast => value >= target,
        Direction::AtMost => value <= target,
    }
}

impl Kpi {
    /// Its status from its latest measurement.
    pub fn status_of(latest: Option<&Measurement>, target: f64, direction: Direction) -> KpiStatus {
        match latest {
            None => KpiStatus::NoData,
            Some(m) if meets(m.value, target, direction) => KpiStatus::OnTarget,
            Some(_) => KpiStatus::OffTarget,
        }
    }

    /// A value with its unit, for people: "93.5%", "4 days", "12".
    pub fn shown(&self, v: f64) -> String {
        show(v, &self.unit)
    }

    pub fn target_shown(&self) -> String {
        format!("{} {}", self.direction.label(), self.shown(self.target))
    }
}

/// A value with its unit, for people.
pub fn show(v: f64, unit: &str) -> String {
    let n = if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v:.1}")
    };
    match unit {
        "%" => format!("{n}%"),
        "" | "count" => n,
        u => format!("{n} {u}"),
    }
}

/// An indicator as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct KpiInput {
    #[schema(max_length = 40)]
    pub id: Option<String>,
    /// An objective's id, or empty.
    #[schema(max_length = 40)]
    pub objective: String,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    #[schema(max_length = 5000)]
    pub definition: String,
    /// manual (default) or the key of a metric Annex computes.
    pub metric: String,
    /// `%`, `count`, `days` or your own (at most 20 characters); a computed metric sets it.
    #[schema(max_length = 20)]
    pub unit: String,
    /// The target value (a number).
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub target: String,
    /// at_least or at_most; a computed metric has its own default.
    pub direction: String,
    /// monthly (default), quarterly or yearly.
    pub frequency: String,
    #[schema(max_length = 200)]
    pub owner: String,
}

/// A checked indicator.
#[derive(Debug, Clone, PartialEq)]
pub struct KpiDraft {
    pub id: Option<String>,
    pub objective: Option<String>,
    pub name: String,
    pub definition: String,
    pub metric: Metric,
    pub unit: String,
    pub target: f64,
    pub direction: Direction,
    pub frequency: Frequency,
    pub owner: String,
}

/// A number people typed: `95`, `95.5`, `95,5`, `95 %`; finite and within ±1e12.
pub fn parse_number(raw: &str) -> Result<f64, String> {
    let t = raw.trim().trim_end_matches('%').trim().replace(',', ".");
    match t.parse::<f64>() {
        Ok(v) if v.is_finite() && v.abs() <= 1e12 => Ok(v),
        _ => Err(format!("'{}' is not a number", raw.trim())),
    }
}

impl KpiInput {
    pub fn parse(&self) -> Result<KpiDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let objective = crate::domain::input::record_id(&mut p, "objective", &self.objective);
        let name = bounded(&mut p, "name", &self.name, 200);
        if name.is_empty() {
            p.add("name", "name the indicator (e.g. Controls implemented)");
        }
        let definition = bounded(&mut p, "definition", &self.definition, 5000);
        let metric = match self.metric.trim() {
            "" => Metric::Manual,
            raw => p
                .take("metric", Metric::parse(raw))
                .unwrap_or(Metric::Manual),
        };
        let unit = if metric == Metric::Manual {
            bounded(&mut p, "unit", &self.unit, 20)
        } else {
            metric.unit().to_string()
        };
        let target = match self.target.trim() {
            "" => {
                p.add("target", "give the value to reach (e.g. 95)");
                0.0
            }
            raw => p.take("target", parse_number(raw)).unwrap_or(0.0),
        };
        if unit == "%" && !(0.0..=100.0).contains(&target) {
            p.add("target", "a share is between 0 and 100");
        }
        let direction = match self.direction.trim() {
            "" => metric.direction(),
            raw => p
                .take("direction", Direction::parse(raw))
                .unwrap_or(Direction::AtLeast),
        };
        let frequency = match self.frequency.trim() {
            "" => Frequency::Monthly,
            raw => p
                .take("frequency", Frequency::parse(raw))
                .unwrap_or(Frequency::Monthly),
        };
        let owner = owner(&mut p, &self.owner);
        p.into_result()?;
        Ok(KpiDraft {
            id,
            objective,
            name,
            definition,
            metric,
            unit,
            target,
            direction,
            frequency,
            owner,
        })
    }
}

impl From<&Kpi> for KpiInput {
    fn from(x: &Kpi) -> KpiInput {
        KpiInput {
            id: Some(x.id.clone()),
            objective: x.objective.clone().unwrap_or_default(),
            name: x.name.clone(),
            definition: x.definition.clone(),
            metric: x.metric.key().into(),
            unit: x.unit.clone(),
            target: show_plain(x.target),
            direction: x.direction.key().into(),
            frequency: x.frequency.key().into(),
            owner: x.owner.clone(),
        }
    }
}

/// A number as typed back into a form.
pub fn show_plain(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        format!("{}", v.round() as i64)
    } else {
        format!("{v}")
    }
}

/// One measurement of an indicator: its period (the period's first day), value and note.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Measurement {
    /// `YYYY-MM-DD`: the first day of the month, quarter or year measured.
    pub period: String,
    pub value: f64,
    pub note: String,
    /// Who recorded it (`system` for a scheduled snapshot).
    pub recorded_by: String,
    pub recorded_at: String,
}

/// A measurement as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct MeasurementInput {
    /// Any day of the period measured (`YYYY-MM-DD`); today's period when empty.
    pub period: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub value: String,
    #[schema(max_length = 2000)]
    pub note: String,
}

impl MeasurementInput {
    /// (period start, value, note), checked; `today` bounds the period.
    pub fn parse(
        &self,
        frequency: Frequency,
        unit: &str,
        today: &str,
    ) -> Result<(String, f64, String), Error> {
        let mut p = Problems::new();
        let day = match self.period.trim() {
            "" => Some(today.to_string()),
            t => p.take("period", crate::domain::input::parse_date(t)),
        };
        let period = day.map(|d| period_start(&d, frequency));
        if period.as_deref().is_some_and(|d| d > today) {
            p.add("period", "a period to come: measure it once it has begun");
        }
        let value = match self.value.trim() {
            "" => {
                p.add("value", "give the value measured");
                None
            }
            raw => p.take("value", parse_number(raw)),
        };
        if unit == "%" && value.is_some_and(|v| !(0.0..=100.0).contains(&v)) {
            p.add("value", "a share is between 0 and 100");
        }
        let note = bounded(&mut p, "note", &self.note, 2000);
        p.into_result()?;
        Ok((period.unwrap_or_default(), value.unwrap_or(0.0), note))
    }
}

/// The first day of the period `day` (`YYYY-MM-DD`) falls in.
pub fn period_start(day: &str, f: Frequency) -> String {
    let year = day.get(0..4).unwrap_or("0000");
    let month: u32 = day.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    match f {
        Frequency::Monthly => format!("{year}-{month:02}-01"),
        Frequency::Quarterly => format!("{year}-{:02}-01", (month - 1) / 3 * 3 + 1),
        Frequency::Yearly => format!("{year}-01-01"),
    }
}

/// A period for people: "2026-11", "2026 Q4", "2026".
pub fn period_label(start: &str, f: Frequency) -> String {
    let year = start.get(0..4).unwrap_or("");
    let month: u32 = start.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    match f {
        Frequency::Monthly => start.get(0..7).unwrap_or(start).to_string(),
        Frequency::Quarterly => format!("{year} Q{}", (month - 1) / 3 + 1),
        Frequency::Yearly => year.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_start_on_their_first_day_and_read_as_words() {
        assert_eq!(period_start("2026-11-17", Frequency::Monthly), "2026-11-01");
        assert_eq!(
            period_start("2026-11-17", Frequency::Quarterly),
            "2026-10-01"
        );
        assert_eq!(
            period_start("2026-03-31", Frequency::Quarterly),
            "2026-01-01"
        );
        assert_eq!(period_start("2026-11-17", Frequency::Yearly), "2026-01-01");
        assert_eq!(period_label("2026-10-01", Frequency::Quarterly), "2026 Q4");
        assert_eq!(period_label("2026-10-01", Frequency::Monthly), "2026-10");
    }

    #[test]
    fn an_indicator_takes_its_unit_and_direction_from_its_metric() {
        let d = KpiInput {
            name: "Kontrolní opatření zavedená".into(),
            metric: "applicable controls implemented".into(),
            target: "95 %".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(d.metric, Metric::ControlsImplemented);
        assert_eq!((d.unit.as_str(), d.target), ("%", 95.0));
        assert_eq!(d.direction, Direction::AtLeast);
        let d = KpiInput {
            name: "Overdue".into(),
            metric: "measures_overdue".into(),
            target: "0".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(d.direction, Direction::AtMost);
        let Err(Error::Validation(p)) = KpiInput {
            name: "x".into(),
            metric: "luck".into(),
            target: "1e400".into(),
            frequency: "hourly".into(),
            ..Default::default()
        }
        .parse() else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["metric", "target", "frequency"], "{p:?}");
    }

    #[test]
    fn computed_values_are_shares_counts_and_days() {
        let f = MetricFacts {
            applicable: 90,
            implemented: 84,
            risks_open: 0,
            incident_close_hours: Some(60.0),
            policy_ack: Some((200, 187)),
            ..Default::default()
        };
        assert_eq!(f.value(Metric::ControlsImplemented), Some(93.3));
        assert_eq!(f.value(Metric::RisksReviewed), None, "nothing to measure");
        assert_eq!(f.value(Metric::IncidentCloseDays), Some(2.5));
        assert_eq!(f.value(Metric::PolicyAcknowledgement), Some(93.5));
        assert_eq!(f.value(Metric::Manual), None);
        assert!(meets(93.3, 95.0, Direction::AtMost));
        assert!(!meets(93.3, 95.0, Direction::AtLeast));
        assert_eq!(show(93.3, "%"), "93.3%");
        assert_eq!(show(4.0, "days"), "4 days");
    }

    #[test]
    fn a_measurement_names_each_problem() {
        let Err(Error::Validation(p)) = MeasurementInput {
            period: "2027-01-01".into(),
            value: "120".into(),
            note: String::new(),
        }
        .parse(Frequency::Monthly, "%", "2026-12-05") else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["period", "value"]);
        let (period, v, _) = MeasurementInput {
            period: "2026-11-20".into(),
            value: "97,5".into(),
            note: String::new(),
        }
        .parse(Frequency::Quarterly, "%", "2026-12-05")
        .unwrap();
        assert_eq!((period.as_str(), v), ("2026-10-01", 97.5));
    }
}
