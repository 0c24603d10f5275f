//! The clauses of the "Check" and "Act" of the cycle, from the registers that hold them:
//! 9.2 (internal audit), 9.3 (management review), 10.1 and 10.2 (improvement, nonconformity
//! and corrective action).

use super::domain::{Clause, ClauseStatus, ids_text};
use crate::registers::evidence::domain::add_days;

/// The facts 9.2 rests on: the programme whose cycle holds today, its audits and coverage.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFacts {
    /// (id, first day, last day) of the current programme.
    pub programme: Option<(String, String, String)>,
    /// Its coverage, when there is one.
    pub coverage: Option<crate::registers::internal_audit::domain::Coverage>,
    /// Audits completed in the last 12 months (ids).
    pub completed_recently: Vec<String>,
    /// Audits planned or in progress (ids).
    pub planned: Vec<String>,
    /// Nonconformities raised by audits and still open (ids).
    pub open_nonconformities: Vec<String>,
}

/// 9.2: a programme covers the current cycle, audits are done (one in the last 12 months),
/// and every clause and applicable control is audited or planned within the cycle.
pub fn internal_audit_clause(f: &AuditFacts) -> Clause {
    let mut r = Vec::new();
    let status = match (&f.programme, &f.coverage) {
        (Some((id, from, to)), Some(c)) => {
            r.push(format!("programme {id} covers {from} to {to}"));
            r.push(format!(
                "{} of {} clauses and {} of {} applicable controls audited in the cycle",
                c.clauses_audited,
                c.clauses.len(),
                c.controls_audited,
                c.controls.len()
            ));
            let mut met = true;
            if c.not_yet > 0 {
                met = false;
                let ids: Vec<String> = c
                    .clauses
                    .iter()
                    .chain(&c.controls)
                    .filter(|l| {
                        l.covered == crate::registers::internal_audit::domain::Covered::NotYet
                    })
                    .map(|l| l.id.clone())
                    .take(8)
                    .collect();
                r.push(format!(
                    "{} neither audited nor planned: {}",
                    c.not_yet,
                    ids_text(&ids, c.not_yet as i64)
                ));
            }
            if f.completed_recently.is_empty() {
                met = false;
                r.push("no audit was completed in the last 12 months".into());
            } else {
                r.push(format!(
                    "{} in the last 12 months: {}",
                    crate::domain::words::count(
                        f.completed_recently.len(),
                        "audit completed",
                        "audits completed"
                    ),
                    ids_text(&f.completed_recently, f.completed_recently.len() as i64)
                ));
            }
            if !f.planned.is_empty() {
                r.push(format!(
                    "{} planned or in progress: {}",
                    f.planned.len(),
                    ids_text(&f.planned, f.planned.len() as i64)
                ));
            }
            if !f.open_nonconformities.is_empty() {
                r.push(format!(
                    "{} raised by audits still open: {}",
                    crate::domain::words::count(
                        f.open_nonconformities.len(),
                        "nonconformity",
                        "nonconformities"
                    ),
                    ids_text(&f.open_nonconformities, f.open_nonconformities.len() as i64)
                ));
            }
            if met {
                ClauseStatus::Met
            } else {
                ClauseStatus::Partly
            }
        }
        _ => {
            r.push("no audit programme covers today: plan the audits of the cycle".into());
            ClauseStatus::NotMet
        }
    };
    Clause {
        id: "9.2",
        title: "Internal audit",
        status,
        reasons: r,
        href: "/internal-audits",
    }
}

/// The facts 10.1 and 10.2 rest on.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ImprovementFacts {
    /// Nonconformities ever recorded, and those open.
    pub recorded: i64,
    pub open: i64,
    /// Audit nonconformities (findings) that no nonconformity follows up (ids).
    pub findings_unfollowed: Vec<String>,
    /// Open nonconformities raised over 30 days ago without a root cause (ids).
    pub no_root_cause: Vec<String>,
    /// Open corrective actions past their due day (ids).
    pub actions_overdue: Vec<String>,
    /// Nonconformities whose actions are done and wait for their effectiveness review (ids).
    pub awaiting_review: Vec<String>,
    /// Closed in the last 12 months.
    pub closed_recently: i64,
    /// Lines of the improvement log dated in the last 12 months.
    pub improvements_recently: i64,
}

/// 10.1 and 10.2: nonconformities are followed up, their causes found and removed by actions
/// done on time and reviewed for effectiveness; the ISMS improves (its log shows it).
pub fn improvement_clauses(f: &ImprovementFacts) -> [Clause; 2] {
    let mut r = Vec::new();
    let mut gaps = 0;
    r.push(format!(
        "{} recorded, {} open, {} closed in the last 12 months",
        crate::domain::words::count(f.recorded as usize, "nonconformity", "nonconformities"),
        f.open,
        f.closed_recently
    ));
    for (ids, what) in [
        (
            &f.findings_unfollowed,
            "audit nonconformities not followed up by a nonconformity",
        ),
        (
            &f.no_root_cause,
            "open for over 30 days without a root cause",
        ),
        (&f.actions_overdue, "corrective actions overdue"),
    ] {
        if !ids.is_empty() {
            gaps += 1;
            r.push(format!(
                "{} {what}: {}",
                ids.len(),
                ids_text(&ids[..ids.len().min(8)], ids.len() as i64)
            ));
        }
    }
    if !f.awaiting_review.is_empty() {
        r.push(format!(
            "{} waiting for the review of their effectiveness: {}",
            f.awaiting_review.len(),
            ids_text(
                &f.awaiting_review[..f.awaiting_review.len().min(8)],
                f.awaiting_review.len() as i64
            )
        ));
    }
    let s102 = if gaps > 0 {
        ClauseStatus::Partly
    } else if f.recorded == 0 {
        r.push("no nonconformity has been handled yet: an auditor will ask to see one".into());
        ClauseStatus::Partly
    } else {
        ClauseStatus::Met
    };
    let s101 = if f.improvements_recently > 0 {
        ClauseStatus::Met
    } else {
        ClauseStatus::Partly
    };
    let r101 = vec![if f.improvements_recently > 0 {
        format!(
            "{} in the improvement log in the last 12 months",
            crate::domain::words::count(f.improvements_recently as usize, "entry", "entries")
        )
    } else {
        "nothing in the improvement log in the last 12 months: close a nonconformity or take up an opportunity".into()
    }];
    [
        Clause {
            id: "10.1",
            title: "Continual improvement",
            status: s101,
            reasons: r101,
            href: "/improvements",
        },
        Clause {
            id: "10.2",
            title: "Nonconformity and corrective action",
            status: s102,
            reasons: r,
            href: "/nonconformities",
        },
    ]
}

/// 9.3: top management held a review in the last 12 months, wrote its decisions, and the
/// actions reviews decided on are done on time.
pub fn review_clause(reviews: &[crate::registers::review::domain::Review], today: &str) -> Clause {
    use crate::registers::review::domain::ReviewStatus;
    let year_ago = add_days(today, -365);
    let mut r = Vec::new();
    let held = reviews
        .iter()
        .filter(|x| x.status == ReviewStatus::Held)
        .max_by(|a, b| a.held_on.cmp(&b.held_on));
    let overdue: Vec<String> = reviews
        .iter()
        .flat_map(|x| x.actions.iter())
        .filter(|a| a.is_overdue(today))
        .map(|a| a.id.clone())
        .collect();
    let next = reviews
        .iter()
        .filter(|x| x.status == ReviewStatus::Planned)
        .min_by(|a, b| a.planned_on.cmp(&b.planned_on));
    let status = match held {
        None => {
            r.push("no management review has been held".into());
            ClauseStatus::NotMet
        }
        Some(h) => {
            let on = h.held_on.clone().unwrap_or_default();
            r.push(format!("{} held on {on}, its input pack frozen", h.id));
            let mut met = true;
            if on < year_ago {
                met = false;
                r.push("the last review is more than 12 months old".into());
            }
            if h.decisions.trim().is_empty() {
                met = false;
                r.push(format!("{} records no decision", h.id));
            }
            if !overdue.is_empty() {
                met = false;
                r.push(format!(
                    "{} decided by reviews overdue: {}",
                    overdue.len(),
                    ids_text(&overdue[..overdue.len().min(8)], overdue.len() as i64)
                ));
            }
            if met {
                ClauseStatus::Met
            } else {
                ClauseStatus::Partly
            }
        }
    };
    if let Some(n) = next {
        r.push(format!("next: {} planned for {}", n.id, n.planned_on));
    }
    Clause {
        id: "9.3",
        title: "Management review",
        status,
        reasons: r,
        href: "/reviews",
    }
}
