//! Nonconformities and corrective action (27001 10.2) and continual improvement (10.1): a
//! nonconformity from an audit finding, an incident, a failed scan, a complaint or noticed by
//! anyone; its correction; its root cause found by asking why up to five times; the corrective
//! actions that remove the cause, each with an owner and a due day; the review of their
//! effectiveness that closes it; and the improvement log that keeps what was learnt.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// Where a nonconformity was found.
    NcSource,
    "a source of nonconformity",
    [
        (Finding, "finding", "internal audit finding"),
        (Incident, "incident", "incident"),
        (Scan, "scan", "failed scan check"),
        (Complaint, "complaint", "complaint"),
        (External, "external", "external audit"),
        (Manual, "manual", "noticed by someone"),
    ]
);

crate::domain::words::words_enum!(
    /// Where a nonconformity stands, computed from what is recorded on it.
    NcStage,
    "a stage of a nonconformity",
    [
        (Analysis, "analysis", "correction and root cause"),
        (Acting, "acting", "corrective actions under way"),
        (Review, "review", "effectiveness to review"),
        (Ineffective, "ineffective", "not effective: plan further action"),
        (Closed, "closed", "closed"),
    ]
);

crate::domain::words::words_enum!(
    /// Where a corrective action stands.
    ActionStatus,
    "an action's status",
    [
        (Open, "open", "open"),
        (Done, "done", "done"),
        (Cancelled, "cancelled", "cancelled"),
    ]
);

/// A corrective action as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = CorrectiveAction)]
pub struct Action {
    pub id: String,
    /// The nonconformity it corrects.
    pub nonconformity: String,
    pub title: String,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub due_on: String,
    pub status: ActionStatus,
    /// `YYYY-MM-DD`, once done.
    pub done_on: Option<String>,
    pub note: String,
    pub updated_at: String,
    pub revision: i64,
}

impl Action {
    /// Open past its due day.
    pub fn is_overdue(&self, today: &str) -> bool {
        self.status == ActionStatus::Open && self.due_on.as_str() < today
    }
}

/// A nonconformity as stored, with its actions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Nonconformity {
    pub id: String,
    pub title: String,
    pub description: String,
    pub source: NcSource,
    /// The record it came from (F-0001, INC-0003, a host's check, a complaint's reference).
    pub source_ref: Option<String>,
    pub clause: Option<String>,
    pub control: Option<String>,
    pub owner: String,
    /// `YYYY-MM-DD`.
    pub raised_on: String,
    /// What was done at once to contain it (10.2 a).
    pub correction: String,
    pub corrected_on: Option<String>,
    /// The answers to "why?", first to last (at most five).
    pub whys: Vec<String>,
    /// The cause the corrective actions remove (10.2 b).
    pub root_cause: String,
    /// The last review of effectiveness: true, false, or none yet (10.2 d).
    pub effective: Option<bool>,
    pub review_note: String,
    pub reviewed_by: String,
    pub reviewed_on: Option<String>,
    /// The moment of the last review (a stamp).
    pub reviewed_at: Option<String>,
    pub closed_on: Option<String>,
    pub actions: Vec<Action>,
    /// Computed: where it stands.
    pub stage: NcStage,
    pub updated_at: String,
    pub revision: i64,
}

/// Where a nonconformity stands from what is recorded on it: closed once reviewed effective;
/// in analysis until its root cause and an action are written; acting while an action is
/// open; to review once every action is done (or, after a review that found them not
/// effective, once an action was done since that review).
pub fn stage(n: &Nonconformity) -> NcStage {
    if n.closed_on.is_some() {
        return NcStage::Closed;
    }
    let live: Vec<&Action> = n
        .actions
        .iter()
        .filter(|a| a.status != ActionStatus::Cancelled)
        .collect();
    if n.root_cause.trim().is_empty() || live.is_empty() {
        return NcStage::Analysis;
    }
    if live.iter().any(|a| a.status == ActionStatus::Open) {
        return NcStage::Acting;
    }
    match (n.effective, &n.reviewed_at) {
        (Some(false), Some(reviewed)) => {
            let newer = live.iter().any(|a| {
                a.status == ActionStatus::Done && a.updated_at.as_str() > reviewed.as_str()
            });
            if newer {
                NcStage::Review
            } else {
                NcStage::Ineffective
            }
        }
        _ => NcStage::Review,
    }
}

/// A nonconformity as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct NonconformityInput {
    /// Its id (NC-0001 … when absent).
    #[schema(max_length = 40)]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(max_length = 10000)]
    pub description: String,
    /// finding, incident, scan, complaint, external or manual (manual when empty).
    pub source: String,
    /// The record it came from: a finding's or an incident's id (which must exist), a
    /// host's check, a complaint's reference.
    #[schema(max_length = 200)]
    pub source_ref: Option<String>,
    #[schema(max_length = 10)]
    pub clause: Option<String>,
    #[schema(max_length = 20)]
    pub control: Option<String>,
    #[schema(max_length = 200)]
    pub owner: String,
    /// `YYYY-MM-DD`; today when empty.
    pub raised_on: String,
    #[schema(max_length = 10000)]
    pub correction: String,
    /// `YYYY-MM-DD`, or empty.
    pub corrected_on: Option<String>,
    /// The answers to "why?", first to last: at most five.
    #[schema(max_items = 5)]
    pub whys: Vec<String>,
    #[schema(max_length = 5000)]
    pub root_cause: String,
}

/// A checked nonconformity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NonconformityDraft {
    pub id: Option<String>,
    pub title: String,
    pub description: String,
    pub source: NcSource,
    pub source_ref: Option<String>,
    pub clause: Option<String>,
    pub control: Option<String>,
    pub owner: String,
    pub raised_on: String,
    pub correction: String,
    pub corrected_on: Option<String>,
    pub whys: Vec<String>,
    pub root_cause: String,
}

fn email(p: &mut Problems, field: &str, raw: &str) -> String {
    let o = bounded(p, field, raw, 200).to_lowercase();
    if !o.is_empty() && (!o.contains('@') || o.contains(char::is_whitespace)) {
        p.add(field, format!("'{o}' is not an e-mail address"));
    }
    o
}

fn optional_day(p: &mut Problems, field: &str, raw: Option<&str>, today: &str) -> Option<String> {
    let d = match raw.unwrap_or("").trim() {
        "" => None,
        t => p.take(field, crate::domain::input::parse_date(t)),
    };
    if d.as_deref().is_some_and(|d| d > today) {
        p.add(field, "a day to come: record it once it has happened");
    }
    d
}

impl NonconformityInput {
    /// Checks the nonconformity; `controls` are the catalogue's ids.
    pub fn parse(&self, controls: &[&str], today: &str) -> Result<NonconformityDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add(
                "title",
                "say in a line what does not conform (e.g. Access rights not reviewed after changes of job)",
            );
        }
        let description = bounded(&mut p, "description", &self.description, 10_000);
        let source = match self.source.trim() {
            "" => NcSource::Manual,
            raw => p
                .take("source", NcSource::parse(raw))
                .unwrap_or(NcSource::Manual),
        };
        let source_ref = match self.source_ref.as_deref().unwrap_or("").trim() {
            "" => None,
            r => Some(bounded(&mut p, "source_ref", r, 200)),
        };
        if matches!(source, NcSource::Finding | NcSource::Incident) && source_ref.is_none() {
            p.add(
                "source_ref",
                format!("give the id of the {} it came from", source.label()),
            );
        }
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
        let owner = email(&mut p, "owner", &self.owner);
        let raised_on = match self.raised_on.trim() {
            "" => Some(today.to_string()),
            t => p.take("raised_on", crate::domain::input::parse_date(t)),
        };
        if raised_on.as_deref().is_some_and(|d| d > today) {
            p.add("raised_on", "a day to come: record it once it is found");
        }
        let correction = bounded(&mut p, "correction", &self.correction, 10_000);
        let corrected_on =
            optional_day(&mut p, "corrected_on", self.corrected_on.as_deref(), today);
        if corrected_on.is_some() && correction.is_empty() {
            p.add("correction", "say what was corrected on that day");
        }
        if self.whys.len() > 5 {
            p.add("whys", "at most five: the fifth why is the root cause's");
        }
        let mut whys = Vec::new();
        for (i, w) in self.whys.iter().take(5).enumerate() {
            let w = bounded(&mut p, &format!("whys.{i}"), w, 2000);
            if !w.is_empty() {
                whys.push(w);
            }
        }
        let root_cause = bounded(&mut p, "root_cause", &self.root_cause, 5000);
        p.into_result()?;
        Ok(NonconformityDraft {
            id,
            title,
            description,
            source,
            source_ref,
            clause,
            control,
            owner,
            raised_on: raised_on.unwrap_or_default(),
            correction,
            corrected_on,
            whys,
            root_cause,
        })
    }

    /// This input with a spreadsheet row's fields put over it, checked.
    pub fn overlay(
        mut self,
        values: &[(&'static str, String)],
        controls: &[&str],
        today: &str,
    ) -> Result<NonconformityDraft, Error> {
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "title" => self.title = value,
                "description" => self.description = value,
                "source" => self.source = value,
                "source_ref" => self.source_ref = Some(value),
                "clause" => self.clause = Some(value),
                "control" => self.control = Some(value),
                "owner" => self.owner = value,
                "raised_on" => self.raised_on = value,
                "correction" => self.correction = value,
                "corrected_on" => self.corrected_on = Some(value),
                "whys" => {
                    self.whys = value
                        .split(" | ")
                        .map(str::trim)
                        .filter(|w| !w.is_empty())
                        .map(str::to_string)
                        .collect()
                }
                "root_cause" => self.root_cause = value,
                _ => {}
            }
        }
        self.parse(controls, today)
    }
}

impl From<&Nonconformity> for NonconformityInput {
    fn from(x: &Nonconformity) -> NonconformityInput {
        NonconformityInput {
            id: Some(x.id.clone()),
            title: x.title.clone(),
            description: x.description.clone(),
            source: x.source.key().into(),
            source_ref: x.source_ref.clone(),
            clause: x.clause.clone(),
            control: x.control.clone(),
            owner: x.owner.clone(),
            raised_on: x.raised_on.clone(),
            correction: x.correction.clone(),
            corrected_on: x.corrected_on.clone(),
            whys: x.whys.clone(),
            root_cause: x.root_cause.clone(),
        }
    }
}

/// A corrective action as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = CorrectiveActionInput)]
#[serde(default, deny_unknown_fields)]
pub struct ActionInput {
    /// Its id (CA-0001 … when absent).
    #[schema(max_length = 40)]
    pub id: Option<String>,
    /// The nonconformity's id.
    #[schema(required = true, max_length = 40)]
    pub nonconformity: String,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(required = true, max_length = 200)]
    pub owner: String,
    /// `YYYY-MM-DD`.
    #[schema(required = true)]
    pub due_on: String,
    /// open, done or cancelled (open when empty).
    pub status: String,
    /// `YYYY-MM-DD`; today when done and empty.
    pub done_on: Option<String>,
    #[schema(max_length = 5000)]
    pub note: String,
}

/// A checked action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionDraft {
    pub id: Option<String>,
    pub nonconformity: String,
    pub title: String,
    pub owner: String,
    pub due_on: String,
    pub status: ActionStatus,
    pub done_on: Option<String>,
    pub note: String,
}

impl ActionInput {
    pub fn parse(&self, today: &str) -> Result<ActionDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let nonconformity = self.nonconformity.trim().to_string();
        if nonconformity.is_empty() {
            p.add(
                "nonconformity",
                "name the nonconformity the action corrects",
            );
        }
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add(
                "title",
                "say what will be done (e.g. Review access rights at every change of job)",
            );
        }
        let owner = email(&mut p, "owner", &self.owner);
        if owner.is_empty() {
            p.add("owner", "name who does it (e-mail)");
        }
        let due_on = match self.due_on.trim() {
            "" => {
                p.add("due_on", "give the day it is due (YYYY-MM-DD)");
                None
            }
            t => p.take("due_on", crate::domain::input::parse_date(t)),
        };
        let status = match self.status.trim() {
            "" => ActionStatus::Open,
            raw => p
                .take("status", ActionStatus::parse(raw))
                .unwrap_or(ActionStatus::Open),
        };
        let given = optional_day(&mut p, "done_on", self.done_on.as_deref(), today);
        let done_on = match status {
            ActionStatus::Done => Some(given.unwrap_or_else(|| today.to_string())),
            _ if given.is_some() => {
                p.add("done_on", "only a done action has a day it was done");
                None
            }
            _ => None,
        };
        let note = bounded(&mut p, "note", &self.note, 5000);
        p.into_result()?;
        Ok(ActionDraft {
            id,
            nonconformity,
            title,
            owner,
            due_on: due_on.unwrap_or_default(),
            status,
            done_on,
            note,
        })
    }

    /// This input with a spreadsheet row's fields put over it, checked.
    pub fn overlay(
        mut self,
        values: &[(&'static str, String)],
        today: &str,
    ) -> Result<ActionDraft, Error> {
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "nonconformity" => self.nonconformity = value,
                "title" => self.title = value,
                "owner" => self.owner = value,
                "due_on" => self.due_on = value,
                "status" => self.status = value,
                "done_on" => self.done_on = Some(value),
                "note" => self.note = value,
                _ => {}
            }
        }
        self.parse(today)
    }
}

impl From<&Action> for ActionInput {
    fn from(x: &Action) -> ActionInput {
        ActionInput {
            id: Some(x.id.clone()),
            nonconformity: x.nonconformity.clone(),
            title: x.title.clone(),
            owner: x.owner.clone(),
            due_on: x.due_on.clone(),
            status: x.status.key().into(),
            done_on: x.done_on.clone(),
            note: x.note.clone(),
        }
    }
}

/// A review of the effectiveness of a nonconformity's actions.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = EffectivenessReview)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewInput {
    /// Whether the actions removed the cause: it does not recur.
    #[schema(required = true)]
    pub effective: bool,
    /// What the reviewer looked at.
    #[schema(required = true, min_length = 1, max_length = 5000)]
    pub note: String,
}

/// Why a review cannot be recorded now, if it cannot.
pub fn review_refusal(n: &Nonconformity) -> Option<String> {
    match n.stage {
        NcStage::Review => None,
        NcStage::Closed => Some(format!("{} is closed already", n.id)),
        NcStage::Analysis => Some(format!(
            "{} has no root cause or no corrective action yet: write them before reviewing",
            n.id
        )),
        NcStage::Acting => Some(format!(
            "{} still has open actions: review their effectiveness once they are done",
            n.id
        )),
        NcStage::Ineffective => Some(format!(
            "the last review found the actions of {} not effective: plan and finish another action first",
            n.id
        )),
    }
}

/// The nonconformities list's filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NcQuery {
    pub text: Option<String>,
    pub source: Option<NcSource>,
    /// The record it came from (a finding's id).
    pub source_ref: Option<String>,
    /// Open (not closed) or closed.
    pub open: Option<bool>,
    pub owner: Option<String>,
    /// Only those open, or raised or closed on or after this day (not a query parameter: the
    /// review pack's and the improvement log's own filter).
    pub since: Option<String>,
}

impl NcQuery {
    pub const PARAMS: &'static [&'static str] = &["q", "source", "source_ref", "state", "owner"];

    pub fn read(params: &crate::domain::query::Params) -> Result<NcQuery, Error> {
        let mut p = Problems::new();
        let source = params
            .get("source")
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.take("source", NcSource::parse(v)));
        let open = match params.get("state").map(str::trim) {
            None | Some("") => None,
            Some("open") => Some(true),
            Some("closed") => Some(false),
            Some(other) => {
                p.add(
                    "state",
                    format!(
                        "'{}' is not a state: use open or closed",
                        other.chars().take(20).collect::<String>()
                    ),
                );
                None
            }
        };
        p.into_query_result()?;
        Ok(NcQuery {
            text: params
                .get("q")
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            source,
            source_ref: params
                .get("source_ref")
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string),
            open,
            owner: params
                .get("owner")
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty()),
            since: None,
        })
    }
}

/// The corrective actions list's filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActionQuery {
    pub status: Option<ActionStatus>,
    pub owner: Option<String>,
    /// Only open actions past their due day (as of this day).
    pub overdue_on: Option<String>,
    pub nonconformity: Option<String>,
}

impl ActionQuery {
    pub const PARAMS: &'static [&'static str] = &["status", "owner", "overdue", "nonconformity"];

    pub fn read(params: &crate::domain::query::Params, today: &str) -> Result<ActionQuery, Error> {
        let mut p = Problems::new();
        let status = params
            .get("status")
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.take("status", ActionStatus::parse(v)));
        let overdue = params.flag("overdue", &mut p);
        p.into_query_result()?;
        Ok(ActionQuery {
            status,
            owner: params
                .get("owner")
                .map(|v| v.trim().to_lowercase())
                .filter(|v| !v.is_empty()),
            overdue_on: overdue.then(|| today.to_string()),
            nonconformity: params
                .get("nonconformity")
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string),
        })
    }
}

/// One line of the improvement log: something the ISMS learnt and changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Improvement {
    /// `YYYY-MM-DD`.
    pub on: String,
    /// `nonconformity` or `opportunity`.
    pub kind: String,
    /// The record's id (NC-0001, F-0004).
    pub id: String,
    pub title: String,
    /// What changed, in words.
    pub what: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn action(status: ActionStatus, done_on: Option<&str>) -> Action {
        Action {
            id: "CA-0001".into(),
            nonconformity: "NC-0001".into(),
            title: "t".into(),
            owner: "o@example.org".into(),
            due_on: "2026-12-01".into(),
            status,
            done_on: done_on.map(str::to_string),
            note: String::new(),
            updated_at: String::new(),
            revision: 1,
        }
    }

    fn nc() -> Nonconformity {
        Nonconformity {
            id: "NC-0001".into(),
            title: "t".into(),
            description: String::new(),
            source: NcSource::Manual,
            source_ref: None,
            clause: None,
            control: None,
            owner: String::new(),
            raised_on: "2026-11-01".into(),
            correction: String::new(),
            corrected_on: None,
            whys: vec![],
            root_cause: String::new(),
            effective: None,
            review_note: String::new(),
            reviewed_by: String::new(),
            reviewed_on: None,
            reviewed_at: None,
            closed_on: None,
            actions: vec![],
            stage: NcStage::Analysis,
            updated_at: String::new(),
            revision: 1,
        }
    }

    #[test]
    fn the_stage_follows_what_is_recorded() {
        let mut n = nc();
        assert_eq!(stage(&n), NcStage::Analysis);
        n.root_cause = "No trigger from HR on a change of job".into();
        assert_eq!(stage(&n), NcStage::Analysis, "a cause without an action");
        n.actions = vec![action(ActionStatus::Open, None)];
        assert_eq!(stage(&n), NcStage::Acting);
        n.actions = vec![
            action(ActionStatus::Done, Some("2026-11-20")),
            action(ActionStatus::Cancelled, None),
        ];
        assert_eq!(stage(&n), NcStage::Review);
        n.effective = Some(false);
        n.reviewed_on = Some("2026-11-25".into());
        n.reviewed_at = Some("2026-11-25T10:00:00Z".into());
        assert_eq!(stage(&n), NcStage::Ineffective);
        assert!(
            review_refusal(&Nonconformity {
                stage: stage(&n),
                ..n.clone()
            })
            .unwrap()
            .contains("not effective")
        );
        let mut later = action(ActionStatus::Done, Some("2026-11-25"));
        later.updated_at = "2026-11-25T11:00:00Z".into();
        n.actions.push(later);
        assert_eq!(
            stage(&n),
            NcStage::Review,
            "another action done since, the same day"
        );
        n.closed_on = Some("2026-12-01".into());
        assert_eq!(stage(&n), NcStage::Closed);
    }

    #[test]
    fn a_nonconformity_keeps_its_script_and_names_every_problem() {
        let d = NonconformityInput {
            title: "Přístupová práva nebyla přezkoumána".into(),
            source: "internal audit finding".into(),
            source_ref: Some("F-0001".into()),
            control: Some("5.18".into()),
            whys: vec![
                "Niemand hat es bemerkt".into(),
                String::new(),
                "HR meldet Wechsel nicht".into(),
            ],
            ..Default::default()
        }
        .parse(&["5.18"], "2026-12-01")
        .unwrap();
        assert_eq!(d.source, NcSource::Finding);
        assert_eq!(d.whys.len(), 2);
        assert_eq!(d.raised_on, "2026-12-01");
        let Err(Error::Validation(p)) = NonconformityInput {
            source: "incident".into(),
            clause: Some("11".into()),
            control: Some("9.9".into()),
            owner: "nobody".into(),
            corrected_on: Some("2027-01-01".into()),
            whys: vec!["1".into(); 6],
            ..Default::default()
        }
        .parse(&["5.18"], "2026-12-01") else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "title",
                "source_ref",
                "clause",
                "control",
                "owner",
                "corrected_on",
                "correction",
                "whys"
            ]
        );
    }

    #[test]
    fn an_action_done_gets_its_day() {
        let d = ActionInput {
            nonconformity: "NC-0001".into(),
            title: "HR meldet jeden Wechsel".into(),
            owner: "HR0@example.org".into(),
            due_on: "2026-12-31".into(),
            status: "done".into(),
            ..Default::default()
        }
        .parse("2026-12-01")
        .unwrap();
        assert_eq!(d.done_on.as_deref(), Some("2026-12-01"));
        assert_eq!(d.owner, "hr0@example.org");
        let Err(Error::Validation(p)) = ActionInput {
            done_on: Some("2026-11-30".into()),
            status: "waiting".into(),
            ..Default::default()
        }
        .parse("2026-12-01") else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "nonconformity",
                "title",
                "owner",
                "due_on",
                "status",
                "done_on"
            ]
        );
        assert!(
            action(ActionStatus::Open, None).is_overdue("2026-12-02")
                && !action(ActionStatus::Done, Some("2026-11-30")).is_overdue("2026-12-02")
        );
    }
}
