//! Tasks: every date in Annex that asks someone to act, as a task for its owner. A task is
//! derived from its record whenever it is read (a measure's due day, a risk's review, an
//! acceptance or a certificate that lapses, …) and so disappears when the record is done;
//! people also write tasks of their own, with comments. Where a task falls ("overdue", "this
//! week", "later") is a rule of the day it is read on.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use crate::registers::objective::domain::{Frequency, period_start};
use serde::{Deserialize, Serialize};
use time::Date;

crate::domain::words::words_enum!(
    /// What a task asks for: the record it comes from, or a task someone wrote.
    TaskKind,
    "a kind of task",
    [
        (Measure, "measure", "measure to implement"),
        (RiskReview, "risk_review", "risk review"),
        (Acceptance, "acceptance", "risk acceptance lapsing"),
        (Evidence, "evidence", "evidence expiring"),
        (SoaApproval, "soa_approval", "yearly SoA approval"),
        (DocumentReview, "document_review", "document review"),
        (Training, "training", "training campaign to close"),
        (SupplierReview, "supplier_review", "supplier review"),
        (Certificate, "certificate", "supplier certificate expiring"),
        (Obligation, "obligation", "obligation review"),
        (NotificationStage, "notification_stage", "incident notification"),
        (IncidentTask, "incident_task", "incident task"),
        (ChecklistStep, "checklist_step", "joiner or leaver step"),
        (CorrectiveAction, "corrective_action", "corrective action"),
        (Audit, "audit", "internal audit"),
        (ManagementReview, "management_review", "management review"),
        (ReviewAction, "review_action", "review action"),
        (Objective, "objective", "objective to reach"),
        (ProcessReview, "process_review", "BIA review"),
        (Exercise, "exercise", "continuity exercise"),
        (Acknowledgement, "acknowledgement", "document to acknowledge"),
        (Course, "course", "training to complete"),
        (Measurement, "measurement", "indicator to measure"),
        (Manual, "manual", "task"),
    ]
);

impl TaskKind {
    /// Where the record of a task of this kind is shown (`record` is its id, `part` what
    /// inside it: a manual task's link, an incident task's number).
    pub fn path(self, record: &str, part: &str) -> String {
        match self {
            TaskKind::Measure => format!("/measures/{record}"),
            TaskKind::RiskReview | TaskKind::Acceptance => format!("/risks/{record}"),
            TaskKind::Evidence => format!("/evidence/{record}"),
            TaskKind::SoaApproval => "/soa/versions".to_string(),
            TaskKind::DocumentReview => format!("/documents/{record}"),
            TaskKind::Training => "/training".to_string(),
            TaskKind::SupplierReview | TaskKind::Certificate => format!("/suppliers/{record}"),
            TaskKind::Obligation => format!("/obligations/{record}"),
            TaskKind::NotificationStage | TaskKind::IncidentTask => {
                format!("/incidents/{record}")
            }
            TaskKind::ChecklistStep => format!("/people/{record}"),
            TaskKind::CorrectiveAction => format!("/corrective-actions/{record}"),
            TaskKind::Audit => format!("/internal-audits/{record}"),
            TaskKind::ManagementReview => format!("/reviews/{record}"),
            TaskKind::ReviewAction => format!("/reviews/{part}"),
            TaskKind::Objective => format!("/objectives/{record}"),
            TaskKind::ProcessReview | TaskKind::Exercise => {
                format!("/continuity/processes/{record}")
            }
            TaskKind::Measurement => format!("/kpis/{record}"),
            TaskKind::Acknowledgement => format!("/documents/{record}"),
            TaskKind::Course => format!("/training/modules/{record}"),
            TaskKind::Manual => format!("/tasks/{record}"),
        }
    }

    /// The record a task of this kind is about, as a noun ("measure", "risk").
    pub fn record_noun(self) -> &'static str {
        match self {
            TaskKind::Measure => "measure",
            TaskKind::RiskReview | TaskKind::Acceptance => "risk",
            TaskKind::Evidence => "evidence item",
            TaskKind::SoaApproval => "Statement of Applicability",
            TaskKind::DocumentReview => "document",
            TaskKind::Training => "training campaign",
            TaskKind::SupplierReview | TaskKind::Certificate => "supplier",
            TaskKind::Obligation => "obligation",
            TaskKind::NotificationStage | TaskKind::IncidentTask => "incident",
            TaskKind::ChecklistStep => "checklist step",
            TaskKind::CorrectiveAction => "corrective action",
            TaskKind::Audit => "internal audit",
            TaskKind::ManagementReview => "management review",
            TaskKind::ReviewAction => "review action",
            TaskKind::Objective => "objective",
            TaskKind::ProcessReview | TaskKind::Exercise => "business process",
            TaskKind::Measurement => "indicator",
            TaskKind::Acknowledgement => "document",
            TaskKind::Course => "training module",
            TaskKind::Manual => "task",
        }
    }

    /// What a person does about it, in a few words ("Review", "Renew").
    pub fn verb(self) -> &'static str {
        match self {
            TaskKind::Measure => "Implement",
            TaskKind::RiskReview | TaskKind::DocumentReview | TaskKind::SupplierReview => "Review",
            TaskKind::Obligation | TaskKind::ProcessReview => "Review",
            TaskKind::Acceptance | TaskKind::Evidence | TaskKind::Certificate => "Renew",
            TaskKind::SoaApproval => "Approve",
            TaskKind::Training => "Close",
            TaskKind::NotificationStage => "Notify",
            TaskKind::Audit => "Start",
            TaskKind::ManagementReview => "Hold",
            TaskKind::Exercise => "Exercise",
            TaskKind::Measurement => "Record",
            TaskKind::Acknowledgement => "Read and acknowledge",
            TaskKind::Course => "Complete",
            TaskKind::IncidentTask
            | TaskKind::ChecklistStep
            | TaskKind::CorrectiveAction
            | TaskKind::ReviewAction
            | TaskKind::Objective
            | TaskKind::Manual => "Complete",
        }
    }
}

/// One task as read: what, whose, when and where to act.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Task {
    /// A stable id: `kind:record` (and `:part` where a record has several).
    pub id: String,
    pub kind: TaskKind,
    /// The record it comes from (a manual task's own id).
    pub record: String,
    pub title: String,
    /// The owner's e-mail as recorded (empty: nobody owns it).
    pub owner: String,
    /// The day it is due (`YYYY-MM-DD`); a manual task may have none.
    pub due_on: Option<String>,
    /// The moment it is due, for deadlines counted in hours (incident notifications).
    pub due_at: Option<String>,
    /// The page of its record.
    pub link: String,
}

impl Task {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        kind: TaskKind,
        record: &str,
        part: &str,
        title: &str,
        owner: &str,
        due_on: Option<String>,
        due_at: Option<String>,
    ) -> Task {
        let id = if part.is_empty() || kind == TaskKind::ReviewAction {
            format!("{}:{record}", kind.key())
        } else {
            format!("{}:{record}:{part}", kind.key())
        };
        Task {
            id,
            kind,
            record: record.to_string(),
            title: title.to_string(),
            owner: owner.trim().to_string(),
            due_on,
            due_at,
            link: kind.path(record, part),
        }
    }

    /// The task of a record that has one (no part, a due day at most).
    pub fn of_record(
        kind: TaskKind,
        record: &str,
        title: &str,
        owner: &str,
        due_on: Option<String>,
    ) -> Task {
        Task::new(kind, record, "", title, owner, due_on, None)
    }

    /// Where it falls on `today`.
    pub fn bucket(&self, today: &str) -> Bucket {
        bucket(self.due_on.as_deref(), today)
    }

    /// Days past its due day on `today` (0 when not overdue).
    pub fn days_overdue(&self, today: &str) -> i64 {
        match (self.due_on.as_deref().and_then(day), day(today)) {
            (Some(due), Some(t)) if due < t => (t - due).whole_days(),
            _ => 0,
        }
    }
}

crate::domain::words::words_enum!(
    /// Where a task falls on the day it is read.
    Bucket,
    "a part of the task list",
    [
        (Overdue, "overdue", "overdue"),
        (ThisWeek, "this_week", "this week"),
        (Later, "later", "later"),
    ]
);

/// A `YYYY-MM-DD` text as a date.
pub fn day(s: &str) -> Option<Date> {
    let f = time::macros::format_description!("[year]-[month]-[day]");
    Date::parse(s.get(..10)?, &f).ok()
}

/// A date as `YYYY-MM-DD`.
pub fn day_text(d: Date) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), u8::from(d.month()), d.day())
}

/// `today` moved by `days` (the day itself when it is not a date).
pub fn add_days(today: &str, days: i64) -> String {
    day(today)
        .and_then(|d| d.checked_add(time::Duration::days(days)))
        .map(day_text)
        .unwrap_or_else(|| today.to_string())
}

/// The same day `years` later (the 28th for the 29th of February).
pub fn add_years(on: &str, years: i32) -> Option<String> {
    let d = day(on)?;
    let y = d.year().checked_add(years)?;
    let moved = Date::from_calendar_date(y, d.month(), d.day())
        .or_else(|_| Date::from_calendar_date(y, d.month(), 28))
        .ok()?;
    Some(day_text(moved))
}

/// The first day of the period after the one starting on `start` (a period's first day).
fn next_period(start: &str, f: Frequency) -> String {
    let months = match f {
        Frequency::Monthly => 1,
        Frequency::Quarterly => 3,
        Frequency::Yearly => 12,
    };
    let year: i32 = start.get(0..4).and_then(|y| y.parse().ok()).unwrap_or(0);
    let month: i32 = start.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    let index = year * 12 + (month - 1) + months;
    format!(
        "{:04}-{:02}-01",
        index.div_euclid(12),
        index.rem_euclid(12) + 1
    )
}

/// The period of an indicator measured by hand that waits for its value, and the day it is
/// due (the period's last day): the one after the last recorded, or today's when none is.
pub fn period_to_record(last: Option<&str>, today: &str, f: Frequency) -> (String, String) {
    let start = match last {
        Some(p) => next_period(&period_start(p, f), f),
        None => period_start(today, f),
    };
    let end = add_days(&next_period(&start, f), -1);
    (start, end)
}

/// The last day of the week of `today` (weeks end on Sunday).
pub fn week_end(today: &str) -> String {
    match day(today) {
        Some(d) => {
            let left = 6 - i64::from(d.weekday().number_days_from_monday());
            add_days(today, left)
        }
        None => today.to_string(),
    }
}

/// Where a task due on `due` falls on `today`: before today is overdue, up to the week's end
/// is this week, anything after (or undated) later.
pub fn bucket(due: Option<&str>, today: &str) -> Bucket {
    match due {
        Some(d) if d < today => Bucket::Overdue,
        Some(d) if d <= week_end(today).as_str() => Bucket::ThisWeek,
        _ => Bucket::Later,
    }
}

/// Tasks in the three parts of a list, each soonest first.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Buckets {
    pub overdue: Vec<Task>,
    pub this_week: Vec<Task>,
    pub later: Vec<Task>,
}

impl Buckets {
    pub fn of(mut tasks: Vec<Task>, today: &str) -> Buckets {
        sort(&mut tasks);
        let mut b = Buckets::default();
        for t in tasks {
            match t.bucket(today) {
                Bucket::Overdue => b.overdue.push(t),
                Bucket::ThisWeek => b.this_week.push(t),
                Bucket::Later => b.later.push(t),
            }
        }
        b
    }

    pub fn len(&self) -> usize {
        self.overdue.len() + self.this_week.len() + self.later.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Soonest first (undated last), then by kind and id, so a list reads the same every time.
pub fn sort(tasks: &mut [Task]) {
    tasks.sort_by(|a, b| {
        let key = |t: &Task| {
            (
                t.due_on.clone().unwrap_or_else(|| "9999-12-31".into()),
                t.due_at.clone().unwrap_or_default(),
            )
        };
        key(a)
            .cmp(&key(b))
            .then(a.kind.rank().cmp(&b.kind.rank()))
            .then(a.id.cmp(&b.id))
    });
}

/// Which tasks a list shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskQuery {
    /// One owner's (lower case); everyone's when none (managers).
    pub owner: Option<String>,
    pub kind: Option<TaskKind>,
    /// Only tasks due on or before this day (`YYYY-MM-DD`); undated manual tasks are left out.
    pub until: Option<String>,
    /// Only tasks nobody owns.
    pub unowned: bool,
    /// At most this many, the soonest.
    pub limit: usize,
}

impl Default for TaskQuery {
    fn default() -> TaskQuery {
        TaskQuery {
            owner: None,
            kind: None,
            until: None,
            unowned: false,
            limit: TaskQuery::LIMIT,
        }
    }
}

impl TaskQuery {
    pub const PARAMS: &'static [&'static str] = &["owner", "kind", "until", "unowned", "limit"];
    /// How many tasks a list holds unless `limit` says (the soonest).
    pub const LIMIT: usize = 1_000;
    /// The most a list (or an export) holds.
    pub const MAX_LIMIT: usize = 10_000;

    /// Reads `owner`, `kind`, `until` (a day or a number of days from `today`), `unowned`
    /// and `limit` (1 to 10,000).
    pub fn read(p: &crate::domain::query::Params, today: &str) -> Result<TaskQuery, Error> {
        let mut q = TaskQuery::default();
        let mut problems = Problems::default();
        match p.limit(TaskQuery::LIMIT as i64, TaskQuery::MAX_LIMIT as i64) {
            Ok(n) => q.limit = usize::try_from(n).unwrap_or(TaskQuery::LIMIT),
            Err(e) => {
                for f in e.fields() {
                    problems.add(&f.field, &f.message);
                }
            }
        }
        if let Some(o) = p.get("owner") {
            if o.chars().count() > 320 {
                problems.add("owner", "an e-mail is at most 320 characters");
            } else if !o.trim().is_empty() {
                q.owner = Some(o.trim().to_lowercase());
            }
        }
        if let Some(k) = p.get("kind").filter(|k| !k.trim().is_empty()) {
            match TaskKind::parse(k) {
                Ok(k) => q.kind = Some(k),
                Err(m) => problems.add("kind", m),
            }
        }
        if let Some(u) = p.get("until").filter(|u| !u.trim_matches(' ').is_empty()) {
            let u = u.trim_matches(' ');
            if let Some(n) = (u.len() <= 4 && u.chars().all(|c| c.is_ascii_digit()))
                .then(|| u.parse::<i64>().ok())
                .flatten()
            {
                if (0..=3660).contains(&n) {
                    q.until = Some(add_days(today, n));
                } else {
                    problems.add(
                        "until",
                        "give a day (YYYY-MM-DD) or 0 to 3660 days from today",
                    );
                }
            } else if u.len() == 10
                && u.char_indices().all(|(i, c)| {
                    if i == 4 || i == 7 {
                        c == '-'
                    } else {
                        c.is_ascii_digit()
                    }
                })
            {
                // Compared as text with the due days: any YYYY-MM-DD orders right, even one
                // no calendar has (the 31st of February ends the month).
                q.until = Some(u.to_string());
            } else {
                problems.add(
                    "until",
                    format!("'{u}' is not a day: give YYYY-MM-DD or a number of days"),
                );
            }
        }
        q.unowned = p.flag("unowned", &mut problems);
        problems.into_query_result()?;
        Ok(q)
    }

    /// Whether `t` is in the list (the store already kept only the owner's and those due).
    pub fn keeps(&self, t: &Task) -> bool {
        self.kind.is_none_or(|k| k == t.kind)
            && (!self.unowned || t.owner.is_empty())
            && self
                .owner
                .as_deref()
                .is_none_or(|o| t.owner.eq_ignore_ascii_case(o))
            && match &self.until {
                Some(u) => t.due_on.as_deref().is_some_and(|d| d <= u.as_str()),
                None => true,
            }
    }
}

crate::domain::words::words_enum!(
    /// Whether a written task is done.
    TaskStatus,
    "a task's status",
    [(Open, "open", "open"), (Done, "done", "done"),]
);

/// A task someone wrote, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[schema(as = ManualTask)]
pub struct ManualTask {
    pub id: String,
    pub title: String,
    pub description: String,
    pub owner: String,
    pub due_on: Option<String>,
    /// The kind of record it is about (`risk`, `measure`, …; empty for none).
    pub link_type: String,
    pub link_id: String,
    pub status: TaskStatus,
    pub done_on: Option<String>,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    pub revision: i64,
    pub comments: Vec<TaskComment>,
}

impl ManualTask {
    /// The page of the record it is about, if any.
    pub fn link(&self) -> Option<String> {
        record_path(&self.link_type, &self.link_id)
    }
}

/// A comment on a written task.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TaskComment {
    pub seq: i64,
    pub author: String,
    pub written_at: String,
    pub body: String,
}

/// The records a written task may link to: the key people give, the id's prefix, and the
/// path of its page.
pub const LINKABLE: &[(&str, &str, &str)] = &[
    ("asset", "A-", "/assets/"),
    ("risk", "R-", "/risks/"),
    ("measure", "M-", "/measures/"),
    ("evidence", "E-", "/evidence/"),
    ("document", "DOC-", "/documents/"),
    ("incident", "INC-", "/incidents/"),
    ("supplier", "SUP-", "/suppliers/"),
    ("obligation", "OB-", "/obligations/"),
    ("audit", "IA-", "/internal-audits/"),
    ("finding", "F-", "/findings/"),
    ("nonconformity", "NC-", "/nonconformities/"),
    ("corrective_action", "CA-", "/corrective-actions/"),
    ("review", "MR-", "/reviews/"),
    ("objective", "OBJ-", "/objectives/"),
    ("kpi", "KPI-", "/kpis/"),
    ("process", "PR-", "/continuity/processes/"),
    ("person", "P-", "/people/"),
    ("task", "T-", "/tasks/"),
];

/// The page of a linked record.
pub fn record_path(link_type: &str, link_id: &str) -> Option<String> {
    if link_id.is_empty() {
        return None;
    }
    LINKABLE
        .iter()
        .find(|(k, _, _)| *k == link_type)
        .map(|(_, _, p)| format!("{p}{link_id}"))
}

/// A written task as typed (form, JSON, flags).
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = WrittenTaskInput)]
pub struct TaskInput {
    #[schema(min_length = 1, max_length = 300)]
    pub title: String,
    #[schema(max_length = 20000)]
    pub description: String,
    /// The owner's e-mail.
    #[schema(min_length = 1, max_length = 320)]
    pub owner: String,
    /// `YYYY-MM-DD`, or empty for none.
    pub due_on: String,
    /// A record it is about, by id (`R-0001`, `M-0003`, …); its kind is read from the id.
    #[schema(max_length = 64)]
    pub link: String,
    pub status: String,
}

/// A written task, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaskDraft {
    pub title: String,
    pub description: String,
    pub owner: String,
    pub due_on: Option<String>,
    pub link_type: String,
    pub link_id: String,
    pub status: TaskStatus,
}

impl TaskInput {
    pub fn parse(&self) -> Result<TaskDraft, Error> {
        let mut p = Problems::default();
        let title = bounded(&mut p, "title", &self.title, 300);
        if title.is_empty() {
            p.add("title", "give the task a title");
        }
        let description = bounded(&mut p, "description", &self.description, 20_000);
        let owner = self.owner.trim().to_string();
        if owner.is_empty() {
            p.add("owner", "name who does it by e-mail");
        } else if owner.chars().count() > 320
            || !owner.contains('@')
            || owner.contains(char::is_whitespace)
        {
            p.add("owner", format!("'{owner}' is not an e-mail address"));
        }
        let due = self.due_on.trim();
        let due_on = if due.is_empty() {
            None
        } else if due.len() == 10 && day(due).is_some() {
            Some(due.to_string())
        } else {
            p.add("due_on", format!("'{due}' is not a day: use YYYY-MM-DD"));
            None
        };
        let link = self.link.trim();
        let (link_type, link_id) = if link.is_empty() {
            (String::new(), String::new())
        } else {
            let upper = link.to_uppercase();
            // The longest prefix that matches (DOC- before D-).
            let found = LINKABLE
                .iter()
                .filter(|(_, prefix, _)| upper.starts_with(prefix))
                .max_by_key(|(_, prefix, _)| prefix.len());
            match found {
                Some((kind, _, _)) if link.len() <= 64 => (kind.to_string(), upper),
                _ => {
                    let all: Vec<&str> = LINKABLE.iter().map(|(_, p, _)| *p).collect();
                    p.add(
                        "link",
                        format!(
                            "'{link}' is not the id of a record Annex keeps: give an id such as R-0001 (ids start with {})",
                            all.join(", ")
                        ),
                    );
                    (String::new(), String::new())
                }
            }
        };
        let status = match self.status.trim() {
            "" => TaskStatus::Open,
            raw => p
                .take("status", TaskStatus::parse(raw))
                .unwrap_or(TaskStatus::Open),
        };
        p.into_result()?;
        Ok(TaskDraft {
            title,
            description,
            owner,
            due_on,
            link_type,
            link_id,
            status,
        })
    }
}

impl From<&ManualTask> for TaskInput {
    fn from(t: &ManualTask) -> TaskInput {
        TaskInput {
            title: t.title.clone(),
            description: t.description.clone(),
            owner: t.owner.clone(),
            due_on: t.due_on.clone().unwrap_or_default(),
            link: t.link_id.clone(),
            status: t.status.key().to_string(),
        }
    }
}

/// A comment as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
#[schema(as = TaskCommentInput)]
pub struct CommentInput {
    #[schema(min_length = 1, max_length = 5000)]
    pub body: String,
}

impl CommentInput {
    pub fn parse(&self) -> Result<String, Error> {
        let mut p = Problems::default();
        let body = bounded(&mut p, "body", &self.body, 5000);
        if body.is_empty() {
            p.add("body", "write the comment");
        }
        p.into_result()?;
        Ok(body)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_indicator_waits_for_the_period_after_its_last_value_due_on_its_last_day() {
        let m = Frequency::Monthly;
        assert_eq!(
            period_to_record(Some("2026-09-01"), "2026-12-05", m),
            ("2026-10-01".into(), "2026-10-31".into())
        );
        assert_eq!(
            period_to_record(None, "2026-12-05", m),
            ("2026-12-01".into(), "2026-12-31".into())
        );
        assert_eq!(
            period_to_record(Some("2026-10-01"), "2026-12-05", Frequency::Quarterly),
            ("2027-01-01".into(), "2027-03-31".into())
        );
        assert_eq!(
            period_to_record(Some("2024-01-01"), "2026-12-05", Frequency::Yearly),
            ("2025-01-01".into(), "2025-12-31".into())
        );
        assert_eq!(
            period_to_record(None, "2028-02-10", m),
            ("2028-02-01".into(), "2028-02-29".into())
        );
    }

    fn task(due: Option<&str>) -> Task {
        Task::new(
            TaskKind::Measure,
            "M-0001",
            "",
            "Encrypt laptops",
            "Ann@Example.org",
            due.map(str::to_string),
            None,
        )
    }

    #[test]
    fn a_task_falls_overdue_this_week_or_later_by_its_day() {
        // 2026-12-02 is a Wednesday: its week ends on Sunday the 6th.
        let today = "2026-12-02";
        assert_eq!(week_end(today), "2026-12-06");
        assert_eq!(task(Some("2026-12-01")).bucket(today), Bucket::Overdue);
        assert_eq!(task(Some("2026-12-02")).bucket(today), Bucket::ThisWeek);
        assert_eq!(task(Some("2026-12-06")).bucket(today), Bucket::ThisWeek);
        assert_eq!(task(Some("2026-12-07")).bucket(today), Bucket::Later);
        assert_eq!(task(None).bucket(today), Bucket::Later);
        assert_eq!(task(Some("2026-11-22")).days_overdue(today), 10);
        assert_eq!(task(Some("2026-12-09")).days_overdue(today), 0);
        // On a Sunday the week is that day.
        assert_eq!(week_end("2026-12-06"), "2026-12-06");
    }

    #[test]
    fn a_task_links_to_its_record_and_its_id_is_stable() {
        let t = task(Some("2026-12-01"));
        assert_eq!(t.id, "measure:M-0001");
        assert_eq!(t.link, "/measures/M-0001");
        assert_eq!(t.owner, "Ann@Example.org");
        let c = Task::new(
            TaskKind::Certificate,
            "S-0002",
            "1",
            "ISO 27001",
            "",
            Some("2027-01-01".into()),
            None,
        );
        assert_eq!(c.id, "certificate:S-0002:1");
        assert_eq!(c.link, "/suppliers/S-0002");
    }

    #[test]
    fn years_are_added_to_the_day_and_the_29th_of_february_becomes_the_28th() {
        assert_eq!(add_years("2025-03-10", 1).as_deref(), Some("2026-03-10"));
        assert_eq!(add_years("2024-02-29", 1).as_deref(), Some("2025-02-28"));
        assert_eq!(add_years("not a day", 1), None);
        assert_eq!(add_days("2026-12-30", 3), "2027-01-02");
    }

    #[test]
    fn a_written_task_names_each_problem_and_reads_its_link_from_the_id() {
        let bad = TaskInput {
            title: " ".into(),
            owner: "not an address".into(),
            due_on: "31/12/2026".into(),
            link: "X-1".into(),
            status: "finished".into(),
            ..Default::default()
        };
        let Err(Error::Validation(problems)) = bad.parse() else {
            panic!("refused")
        };
        let fields: Vec<&str> = problems.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["title", "owner", "due_on", "link", "status"]);
        let ok = TaskInput {
            title: "Ανανέωση πιστοποιητικού".into(),
            owner: "ann@example.org".into(),
            due_on: "2026-12-31".into(),
            link: "doc-0004".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(
            (ok.link_type.as_str(), ok.link_id.as_str()),
            ("document", "DOC-0004")
        );
        assert_eq!(
            record_path(&ok.link_type, &ok.link_id).as_deref(),
            Some("/documents/DOC-0004")
        );
        assert_eq!(ok.status, TaskStatus::Open);
    }

    #[test]
    fn a_query_reads_days_from_today_or_a_day_and_names_a_bad_value() {
        let p = crate::domain::query::Params::parse(Some(
            "kind=measure+to+implement&until=7&owner=Ann@Example.org",
        ))
        .unwrap();
        let q = TaskQuery::read(&p, "2026-12-02").unwrap();
        assert_eq!(q.kind, Some(TaskKind::Measure));
        assert_eq!(q.until.as_deref(), Some("2026-12-09"));
        assert_eq!(q.owner.as_deref(), Some("ann@example.org"));
        assert!(q.keeps(&task(Some("2026-12-09"))));
        assert!(!q.keeps(&task(Some("2026-12-10"))));
        let bad = crate::domain::query::Params::parse(Some("until=soon&kind=nothing")).unwrap();
        assert!(TaskQuery::read(&bad, "2026-12-02").is_err());
    }
}
