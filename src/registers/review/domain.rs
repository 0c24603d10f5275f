//! Management review (27001 9.3): top management looks at the ISMS at planned intervals. A
//! review's input pack is generated from Annex's registers for every input the clause names,
//! frozen by its SHA-256 when the review is held; its decisions are written, and the actions
//! it decides on are tracked until done.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// Whether a review has been held.
    ReviewStatus,
    "a review's status",
    [(Planned, "planned", "planned"), (Held, "held", "held"),]
);

crate::domain::words::words_enum!(
    /// Where an action decided by a review stands.
    ReviewActionStatus,
    "a review action's status",
    [
        (Open, "open", "open"),
        (Done, "done", "done"),
        (Dropped, "dropped", "dropped"),
    ]
);

/// A management review as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Review {
    pub id: String,
    pub title: String,
    /// `YYYY-MM-DD` it is planned for.
    pub planned_on: String,
    /// `YYYY-MM-DD` it was held, once held.
    pub held_on: Option<String>,
    pub status: ReviewStatus,
    /// Who chairs it (e-mail): top management.
    pub chair: String,
    pub attendees: String,
    /// Feedback from interested parties, as gathered for the review (9.3.2 e).
    pub feedback: String,
    /// The decisions taken (9.3.3), written during or after the meeting.
    pub decisions: String,
    /// SHA-256 of the pack as frozen when held.
    pub pack_sha256: Option<String>,
    pub actions: Vec<ReviewAction>,
    pub updated_at: String,
    pub revision: i64,
}

impl Review {
    /// How many of its actions are still open.
    pub fn open_actions(&self) -> usize {
        self.actions
            .iter()
            .filter(|a| a.status == ReviewActionStatus::Open)
            .count()
    }
}

/// A review as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[schema(as = ManagementReviewInput)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewInput {
    /// Its id (MR-0001 … when absent).
    #[schema(max_length = 40)]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// `YYYY-MM-DD`.
    #[schema(required = true)]
    pub planned_on: String,
    #[schema(max_length = 200)]
    pub chair: String,
    #[schema(max_length = 2000)]
    pub attendees: String,
    #[schema(max_length = 20000)]
    pub feedback: String,
    #[schema(max_length = 20000)]
    pub decisions: String,
}

/// A checked review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewDraft {
    pub id: Option<String>,
    pub title: String,
    pub planned_on: String,
    pub chair: String,
    pub attendees: String,
    pub feedback: String,
    pub decisions: String,
}

fn email(p: &mut Problems, field: &str, raw: &str) -> String {
    let o = bounded(p, field, raw, 200).to_lowercase();
    if !o.is_empty() && (!o.contains('@') || o.contains(char::is_whitespace)) {
        p.add(field, format!("'{o}' is not an e-mail address"));
    }
    o
}

impl ReviewInput {
    pub fn parse(&self) -> Result<ReviewDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add("title", "name the review (e.g. Management review 2026)");
        }
        let planned_on = match self.planned_on.trim() {
            "" => {
                p.add("planned_on", "give the day it is planned for (YYYY-MM-DD)");
                String::new()
            }
            t => p
                .take("planned_on", crate::domain::input::parse_date(t))
                .unwrap_or_default(),
        };
        let chair = email(&mut p, "chair", &self.chair);
        let attendees = bounded(&mut p, "attendees", &self.attendees, 2000);
        let feedback = bounded(&mut p, "feedback", &self.feedback, 20_000);
        let decisions = bounded(&mut p, "decisions", &self.decisions, 20_000);
        p.into_result()?;
        Ok(ReviewDraft {
            id,
            title,
            planned_on,
            chair,
            attendees,
            feedback,
            decisions,
        })
    }
}

impl ReviewInput {
    /// This input with a spreadsheet row's fields put over it, checked (held on, status and
    /// the pack's SHA-256 are Annex's: a file does not set them).
    pub fn overlay(mut self, values: &[(&'static str, String)]) -> Result<ReviewDraft, Error> {
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "title" => self.title = value,
                "planned_on" => self.planned_on = value,
                "chair" => self.chair = value,
                "attendees" => self.attendees = value,
                "feedback" => self.feedback = value,
                "decisions" => self.decisions = value,
                _ => {}
            }
        }
        self.parse()
    }
}

impl From<&Review> for ReviewInput {
    fn from(x: &Review) -> ReviewInput {
        ReviewInput {
            id: Some(x.id.clone()),
            title: x.title.clone(),
            planned_on: x.planned_on.clone(),
            chair: x.chair.clone(),
            attendees: x.attendees.clone(),
            feedback: x.feedback.clone(),
            decisions: x.decisions.clone(),
        }
    }
}

/// An action a review decided on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ReviewAction {
    pub id: String,
    pub review: String,
    pub title: String,
    pub owner: String,
    pub due_on: String,
    pub status: ReviewActionStatus,
    pub done_on: Option<String>,
    pub updated_at: String,
    pub revision: i64,
}

impl ReviewAction {
    pub fn is_overdue(&self, today: &str) -> bool {
        self.status == ReviewActionStatus::Open && self.due_on.as_str() < today
    }
}

/// A review action as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ReviewActionInput {
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    #[schema(required = true, max_length = 200)]
    pub owner: String,
    /// `YYYY-MM-DD`.
    #[schema(required = true)]
    pub due_on: String,
    /// open, done or dropped (open when empty).
    pub status: String,
}

/// A checked review action.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewActionDraft {
    pub title: String,
    pub owner: String,
    pub due_on: String,
    pub status: ReviewActionStatus,
}

impl ReviewActionInput {
    pub fn parse(&self) -> Result<ReviewActionDraft, Error> {
        let mut p = Problems::new();
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add("title", "say what was decided to be done");
        }
        let owner = email(&mut p, "owner", &self.owner);
        if owner.is_empty() {
            p.add("owner", "name who does it (e-mail)");
        }
        let due_on = match self.due_on.trim() {
            "" => {
                p.add("due_on", "give the day it is due (YYYY-MM-DD)");
                String::new()
            }
            t => p
                .take("due_on", crate::domain::input::parse_date(t))
                .unwrap_or_default(),
        };
        let status = match self.status.trim() {
            "" => ReviewActionStatus::Open,
            raw => p
                .take("status", ReviewActionStatus::parse(raw))
                .unwrap_or(ReviewActionStatus::Open),
        };
        p.into_result()?;
        Ok(ReviewActionDraft {
            title,
            owner,
            due_on,
            status,
        })
    }
}

/// Why a change of a review's day is refused: a held review keeps the day it was held for.
pub fn day_refusal(before: &Review, planned_on: &str) -> Option<String> {
    (before.status == ReviewStatus::Held && before.planned_on != planned_on).then(|| {
        format!(
            "{} was held on {}: its day stays",
            before.id,
            before.held_on.as_deref().unwrap_or_default()
        )
    })
}

/// A review action as a row of a file: its id (a new one when absent), its review and what
/// was decided.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewActionRow {
    pub id: Option<String>,
    pub review: String,
    pub action: ReviewActionDraft,
}

impl ReviewActionRow {
    /// A spreadsheet row's fields over `base` (or over nothing), checked; the day an action
    /// was done is Annex's, set when it is marked done.
    pub fn overlay(
        base: Option<&ReviewAction>,
        values: &[(&'static str, String)],
    ) -> Result<ReviewActionRow, Error> {
        let mut input = base.map(ReviewActionInput::from).unwrap_or_default();
        let mut id = base.map(|b| b.id.clone());
        let mut review = base.map(|b| b.review.clone()).unwrap_or_default();
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => id = Some(value),
                "review" => review = value,
                "title" => input.title = value,
                "owner" => input.owner = value,
                "due_on" => input.due_on = value,
                "status" => input.status = value,
                _ => {}
            }
        }
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", id.as_deref().unwrap_or(""));
        let review = bounded(&mut p, "review", &review, 40);
        if review.is_empty() {
            p.add("review", "name the review that decided it (MR-0001)");
        }
        let action = match input.parse() {
            Ok(a) => Some(a),
            Err(Error::Validation(fields)) => {
                for f in fields {
                    p.add(&f.field, f.message);
                }
                None
            }
            Err(e) => return Err(e),
        };
        p.into_result()?;
        Ok(ReviewActionRow {
            id,
            review,
            action: action.ok_or_else(|| Error::field("title", "the action could not be read"))?,
        })
    }
}

impl From<&ReviewAction> for ReviewActionInput {
    fn from(x: &ReviewAction) -> ReviewActionInput {
        ReviewActionInput {
            title: x.title.clone(),
            owner: x.owner.clone(),
            due_on: x.due_on.clone(),
            status: x.status.key().into(),
        }
    }
}

/// A series of an indicator in the pack, for its trend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PackTrend {
    pub kpi: String,
    pub name: String,
    pub unit: String,
    pub target: f64,
    /// Periods, oldest first (at most twelve).
    pub periods: Vec<String>,
    pub values: Vec<f64>,
    /// on target, off target, no data.
    pub status: String,
}

/// One input of the pack: what 9.3.2 asks the review to consider, in Annex's words, with the
/// facts and, where there are records, a table of them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct PackSection {
    /// `actions`, `changes`, `nonconformities`, `monitoring`, `audits`, `objectives`,
    /// `feedback`, `risks`, `improvement`, `incidents`.
    pub key: String,
    pub title: String,
    /// The facts, one sentence each.
    pub facts: Vec<String>,
    pub header: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The indicators' trends (monitoring only).
    #[serde(default)]
    pub trends: Vec<PackTrend>,
}

/// The input pack of a review: generated now, or as frozen when the review was held.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Pack {
    /// The review it was made for.
    pub review: String,
    /// When it was generated (a stamp).
    pub generated_at: String,
    /// `YYYY-MM-DD`: what changed since this day is reported (the previous review held, or
    /// twelve months before).
    pub since: String,
    pub sections: Vec<PackSection>,
}

impl Pack {
    /// The canonical text its SHA-256 is taken over.
    pub fn canonical(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }
}

/// A review with its pack: frozen (and whether it still matches its hash) or generated now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ReviewRecord {
    pub review: Review,
    pub pack: Pack,
    /// Whether the pack is the one frozen when the review was held.
    pub frozen: bool,
}

/// Why a review cannot be held now, if it cannot.
pub fn hold_refusal(r: &Review, today: &str) -> Option<String> {
    if r.status == ReviewStatus::Held {
        return Some(format!(
            "{} was held on {}: its pack is frozen",
            r.id,
            r.held_on.as_deref().unwrap_or_default()
        ));
    }
    if r.chair.is_empty() {
        return Some("name the chair (top management) before holding the review".into());
    }
    if r.planned_on.as_str() > today {
        return Some(format!(
            "{} is planned for {}: hold it on that day or move it",
            r.id, r.planned_on
        ));
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_review_names_every_problem_and_is_held_only_when_ready() {
        let Err(Error::Validation(p)) = ReviewInput {
            planned_on: "2026-02-30".into(),
            chair: "board".into(),
            ..Default::default()
        }
        .parse() else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "planned_on", "chair"]);
        let d = ReviewInput {
            title: "Revue de direction 2026".into(),
            planned_on: "2026-12-01".into(),
            chair: "CEO@example.org".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(d.chair, "ceo@example.org");
        let mut r = Review {
            id: "MR-0001".into(),
            title: d.title,
            planned_on: d.planned_on,
            held_on: None,
            status: ReviewStatus::Planned,
            chair: String::new(),
            attendees: String::new(),
            feedback: String::new(),
            decisions: String::new(),
            pack_sha256: None,
            actions: vec![],
            updated_at: String::new(),
            revision: 1,
        };
        assert!(hold_refusal(&r, "2026-12-01").unwrap().contains("chair"));
        r.chair = "ceo@example.org".into();
        assert!(
            hold_refusal(&r, "2026-11-30")
                .unwrap()
                .contains("planned for")
        );
        assert!(hold_refusal(&r, "2026-12-01").is_none());
        r.status = ReviewStatus::Held;
        assert!(hold_refusal(&r, "2026-12-02").unwrap().contains("frozen"));
    }

    #[test]
    fn an_action_names_its_problems() {
        let Err(Error::Validation(p)) = ReviewActionInput {
            status: "later".into(),
            ..Default::default()
        }
        .parse() else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["title", "owner", "due_on", "status"]);
    }
}
