//! Notification regimes: the rules that put a clock on an incident (a personal-data breach to
//! the supervisory authority, a significant incident to the CSIRT, a major ICT incident to the
//! financial supervisor, a customer's contract). A regime has stages; each stage is due a
//! number of hours (or calendar months) after a moment the regime names — when the
//! organisation became aware, when it classified the incident, or when an earlier stage was
//! sent — and, for some, no later than a number of hours after awareness. A stage is done when
//! its notification is recorded. Regime and stage names are facts (laws and articles); the
//! summaries are ours.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

/// What a stage's clock starts from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "kind", content = "stage")]
pub enum ClockStart {
    /// When the organisation became aware of the incident.
    Awareness,
    /// When the incident was classified (triaged) as falling under the regime.
    Classification,
    /// When the named earlier stage's notification was sent (or, until it is, when it is due).
    Stage(String),
}

/// How long a stage may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case", tag = "unit", content = "count")]
pub enum Span {
    Hours(u32),
    /// Calendar months (a month after 31 January is the last day of February).
    Months(u32),
}

impl Span {
    pub fn after(self, t: OffsetDateTime) -> OffsetDateTime {
        match self {
            Span::Hours(h) => t + time::Duration::hours(i64::from(h)),
            Span::Months(m) => add_months(t, m),
        }
    }

    /// In words: `72 hours`, `1 month`.
    pub fn words(self) -> String {
        match self {
            Span::Hours(h) => crate::domain::words::count(h as usize, "hour", "hours"),
            Span::Months(m) => crate::domain::words::count(m as usize, "month", "months"),
        }
    }
}

fn add_months(t: OffsetDateTime, months: u32) -> OffsetDateTime {
    let d = t.date();
    let total = d.year() * 12 + (d.month() as i32 - 1) + months as i32;
    let (year, month0) = (total.div_euclid(12), total.rem_euclid(12));
    let month = time::Month::try_from(month0 as u8 + 1).unwrap_or(time::Month::December);
    let last = time::util::days_in_month(month, year);
    let day = d.day().min(last);
    match time::Date::from_calendar_date(year, month, day) {
        Ok(date) => t.replace_date(date),
        Err(_) => t,
    }
}

/// One notification a regime asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Stage {
    /// `early_warning`, `notification`, …
    pub key: String,
    pub name: String,
    /// Who receives it, in words.
    pub recipient: String,
    pub within: Span,
    pub from: ClockStart,
    /// And in any case no later than this many hours after awareness.
    pub at_latest_hours_after_awareness: Option<u32>,
}

/// A set of notification duties.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Regime {
    /// `gdpr`, `nis2`, `dora`, `contract`, or one the organisation adds.
    pub key: String,
    pub name: String,
    /// The legal reference, as a fact (`Regulation (EU) 2016/679, Art. 33`).
    pub reference: String,
    /// When it applies, in our words.
    pub summary: String,
    /// Whether an incident involving personal data suggests it.
    pub personal_data: bool,
    pub stages: Vec<Stage>,
}

fn stage(
    key: &str,
    name: &str,
    recipient: &str,
    within: Span,
    from: ClockStart,
    at_latest: Option<u32>,
) -> Stage {
    Stage {
        key: key.into(),
        name: name.into(),
        recipient: recipient.into(),
        within,
        from,
        at_latest_hours_after_awareness: at_latest,
    }
}

/// The regimes Annex ships (the organisation switches on those that bind it, and may change
/// the contractual one's hours).
pub fn shipped() -> Vec<Regime> {
    use ClockStart::{Awareness, Classification};
    vec![
        Regime {
            key: "gdpr".into(),
            name: "GDPR personal-data breach".into(),
            reference: "Regulation (EU) 2016/679, Art. 33".into(),
            summary: "A breach of security leading to personal data being destroyed, lost, altered, disclosed or accessed without authority must be reported to the lead supervisory authority unless it is unlikely to put people's rights and freedoms at risk.".into(),
            personal_data: true,
            stages: vec![stage(
                "authority",
                "Notification to the supervisory authority",
                "the lead supervisory authority",
                Span::Hours(72),
                Awareness,
                None,
            )],
        },
        Regime {
            key: "nis2".into(),
            name: "NIS2 significant incident".into(),
            reference: "Directive (EU) 2022/2555, Art. 23".into(),
            summary: "An essential or important entity reports an incident with a significant impact on the services it provides to its CSIRT or competent authority in three steps.".into(),
            personal_data: false,
            stages: vec![
                stage(
                    "early_warning",
                    "Early warning",
                    "the CSIRT or competent authority",
                    Span::Hours(24),
                    Awareness,
                    None,
                ),
                stage(
                    "notification",
                    "Incident notification",
                    "the CSIRT or competent authority",
                    Span::Hours(72),
                    Awareness,
                    None,
                ),
                stage(
                    "final_report",
                    "Final report",
                    "the CSIRT or competent authority",
                    Span::Months(1),
                    ClockStart::Stage("notification".into()),
                    None,
                ),
            ],
        },
        Regime {
            key: "dora".into(),
            name: "DORA major ICT-related incident".into(),
            reference: "Regulation (EU) 2022/2554, Art. 19".into(),
            summary: "A financial entity reports an ICT-related incident it classifies as major to its competent authority: an initial notification, an intermediate report and a final report.".into(),
            personal_data: false,
            stages: vec![
                stage(
                    "initial",
                    "Initial notification",
                    "the competent authority",
                    Span::Hours(4),
                    Classification,
                    Some(24),
                ),
                stage(
                    "intermediate",
                    "Intermediate report",
                    "the competent authority",
                    Span::Hours(72),
                    ClockStart::Stage("initial".into()),
                    None,
                ),
                stage(
                    "final",
                    "Final report",
                    "the competent authority",
                    Span::Months(1),
                    ClockStart::Stage("intermediate".into()),
                    None,
                ),
            ],
        },
        Regime {
            key: "contract".into(),
            name: "Contractual customer notice".into(),
            reference: "the customer contract's security schedule".into(),
            summary: "Customers whose contracts ask to be told of security incidents affecting their data or service, within the hours the contract names.".into(),
            personal_data: false,
            stages: vec![stage(
                "customer",
                "Notice to affected customers",
                "the affected customers",
                Span::Hours(48),
                Awareness,
                None,
            )],
        },
    ]
}

/// Where a stage stands for one incident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StageDue {
    pub regime: String,
    pub stage: String,
    pub name: String,
    pub recipient: String,
    /// When it is due (stored form, UTC); none while its clock has not started.
    pub due_at: Option<String>,
    /// When its notification was sent, if recorded.
    pub sent_at: Option<String>,
    pub state: StageState,
}

crate::domain::words::words_enum!(
    /// How a notification stage stands.
    StageState,
    "a notification state",
    [
        (Waiting, "waiting", "waiting for its clock"),
        (Due, "due", "due"),
        (Overdue, "overdue", "overdue"),
        (Sent, "sent", "sent"),
        (SentLate, "sent_late", "sent late"),
    ]
);

/// The stages of `regime` for an incident the organisation became aware of at `aware_at` and
/// classified at `classified_at`, with the notifications sent so far (stage key → when), as
/// seen at `now`.
pub fn stages_due(
    regime: &Regime,
    aware_at: OffsetDateTime,
    classified_at: Option<OffsetDateTime>,
    sent: &[(String, OffsetDateTime)],
    now: OffsetDateTime,
) -> Vec<StageDue> {
    let mut out: Vec<StageDue> = Vec::new();
    let mut starts: Vec<(String, Option<OffsetDateTime>)> = Vec::new();
    for s in &regime.stages {
        let start = match &s.from {
            ClockStart::Awareness => Some(aware_at),
            ClockStart::Classification => classified_at,
            ClockStart::Stage(earlier) => sent
                .iter()
                .find(|(k, _)| k == earlier)
                .map(|(_, t)| *t)
                .or_else(|| {
                    starts
                        .iter()
                        .find(|(k, _)| k == earlier)
                        .and_then(|(_, t)| *t)
                }),
        };
        let mut due = start.map(|t| s.within.after(t));
        if let Some(h) = s.at_latest_hours_after_awareness {
            let latest = aware_at + time::Duration::hours(i64::from(h));
            due = Some(due.map_or(latest, |d| d.min(latest)));
        }
        let sent_at = sent.iter().find(|(k, _)| *k == s.key).map(|(_, t)| *t);
        let state = match (due, sent_at) {
            (Some(d), Some(t)) if t > d => StageState::SentLate,
            (_, Some(_)) => StageState::Sent,
            (None, None) => StageState::Waiting,
            (Some(d), None) if now > d => StageState::Overdue,
            (Some(_), None) => StageState::Due,
        };
        // A later stage counts from this one's due time until it is sent.
        starts.push((s.key.clone(), sent_at.or(due)));
        out.push(StageDue {
            regime: regime.key.clone(),
            stage: s.key.clone(),
            name: s.name.clone(),
            recipient: s.recipient.clone(),
            due_at: due.map(crate::domain::clock::stamp),
            sent_at: sent_at.map(crate::domain::clock::stamp),
            state,
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    fn regime(key: &str) -> Regime {
        shipped().into_iter().find(|r| r.key == key).unwrap()
    }

    #[test]
    fn a_personal_data_breach_is_due_at_the_authority_72_hours_after_awareness() {
        let aware = datetime!(2026-12-01 09:00 UTC);
        let s = stages_due(
            &regime("gdpr"),
            aware,
            None,
            &[],
            datetime!(2026-12-02 09:00 UTC),
        );
        assert_eq!(s.len(), 1);
        assert_eq!(s[0].due_at.as_deref(), Some("2026-12-04T09:00:00.000000Z"));
        assert_eq!(s[0].state, StageState::Due);
        let later = stages_due(
            &regime("gdpr"),
            aware,
            None,
            &[],
            datetime!(2026-12-04 09:01 UTC),
        );
        assert_eq!(later[0].state, StageState::Overdue);
        let sent = [("authority".to_string(), datetime!(2026-12-02 15:00 UTC))];
        let done = stages_due(
            &regime("gdpr"),
            aware,
            None,
            &sent,
            datetime!(2026-12-09 0:00 UTC),
        );
        assert_eq!(done[0].state, StageState::Sent);
        let late = [("authority".to_string(), datetime!(2026-12-05 15:00 UTC))];
        let done = stages_due(
            &regime("gdpr"),
            aware,
            None,
            &late,
            datetime!(2026-12-09 0:00 UTC),
        );
        assert_eq!(done[0].state, StageState::SentLate);
    }

    #[test]
    fn nis2_counts_its_final_report_a_month_from_the_notification_as_sent() {
        let aware = datetime!(2027-01-31 10:00 UTC);
        let now = datetime!(2027-01-31 12:00 UTC);
        let s = stages_due(&regime("nis2"), aware, None, &[], now);
        let due: Vec<_> = s.iter().map(|s| s.due_at.clone().unwrap()).collect();
        assert_eq!(
            due,
            [
                "2027-02-01T10:00:00.000000Z",
                "2027-02-03T10:00:00.000000Z",
                // A month after 3 February, while the notification is not sent yet.
                "2027-03-03T10:00:00.000000Z"
            ]
        );
        let sent = [("notification".to_string(), datetime!(2027-01-31 20:00 UTC))];
        let s = stages_due(&regime("nis2"), aware, None, &sent, now);
        // A month after 31 January is the last day of February.
        assert_eq!(s[2].due_at.as_deref(), Some("2027-02-28T20:00:00.000000Z"));
    }

    #[test]
    fn dora_starts_at_classification_but_never_later_than_a_day_after_awareness() {
        let aware = datetime!(2027-03-01 08:00 UTC);
        let now = datetime!(2027-03-01 09:00 UTC);
        let s = stages_due(&regime("dora"), aware, None, &[], now);
        // Not classified yet: the 24-hour limit after awareness holds.
        assert_eq!(s[0].due_at.as_deref(), Some("2027-03-02T08:00:00.000000Z"));
        let classified = Some(datetime!(2027-03-01 12:00 UTC));
        let s = stages_due(&regime("dora"), aware, classified, &[], now);
        assert_eq!(s[0].due_at.as_deref(), Some("2027-03-01T16:00:00.000000Z"));
        let late_class = Some(datetime!(2027-03-02 06:00 UTC));
        let s = stages_due(&regime("dora"), aware, late_class, &[], now);
        assert_eq!(s[0].due_at.as_deref(), Some("2027-03-02T08:00:00.000000Z"));
        assert_eq!(s[1].due_at.as_deref(), Some("2027-03-05T08:00:00.000000Z"));
    }

    #[test]
    fn a_stage_without_its_clock_waits() {
        let r = Regime {
            stages: vec![stage(
                "x",
                "X",
                "them",
                Span::Hours(4),
                ClockStart::Classification,
                None,
            )],
            ..regime("contract")
        };
        let s = stages_due(
            &r,
            datetime!(2027-03-01 08:00 UTC),
            None,
            &[],
            datetime!(2027-03-09 08:00 UTC),
        );
        assert_eq!(
            (s[0].state, s[0].due_at.clone()),
            (StageState::Waiting, None)
        );
    }
}
