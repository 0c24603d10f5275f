//! Gap analysis and certification readiness, computed from the data: implementation of the
//! Statement of Applicability by theme or by any attribute type (optionally within one value of
//! another, e.g. the #Detective controls per security domain), a "what to do next" list, and
//! for the ISO/IEC 27001 clauses the SoA work covers (6.1.2, 6.1.3, 7.5) a status with the
//! reasons behind it.

use crate::error::Result;
use crate::registers::evidence::domain::{State as EvidenceState, add_days};
use crate::registers::soa::domain::SoaRow;
use crate::registers::soa::domain::Status;
use serde::Serialize;

/// How one group of controls stands.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct GapRow {
    /// The theme or attribute value.
    pub key: String,
    pub total: usize,
    pub applicable: usize,
    pub implemented: usize,
    pub partial: usize,
    pub planned: usize,
    pub not_started: usize,
    pub excluded: usize,
    pub undecided: usize,
    /// Applicable controls without valid evidence.
    pub without_evidence: usize,
}

impl GapRow {
    /// Share of the applicable controls that are implemented, 0 to 100.
    pub fn percent_implemented(&self) -> usize {
        (self.implemented * 100)
            .checked_div(self.applicable)
            .unwrap_or(0)
    }

    fn add(&mut self, r: &SoaRow) {
        self.total += 1;
        match r.applicability.applicable {
            None => self.undecided += 1,
            Some(false) => self.excluded += 1,
            Some(true) => {
                self.applicable += 1;
                match r.applicability.status {
                    Status::Implemented => self.implemented += 1,
                    Status::PartiallyImplemented => self.partial += 1,
                    Status::Planned => self.planned += 1,
                    Status::NotStarted | Status::NotApplicable => self.not_started += 1,
                }
                if !r.evidence_state.proves() {
                    self.without_evidence += 1;
                }
            }
        }
    }
}

/// The implementation of `rows` grouped by theme (`by` = `theme`) or by the values of an
/// attribute type, in the order the values are given (a control counts in each of its values).
pub fn gaps_by(rows: &[SoaRow], by: &str, values: &[String]) -> Vec<GapRow> {
    let mut out: Vec<GapRow> = values
        .iter()
        .map(|v| GapRow {
            key: v.clone(),
            ..GapRow::default()
        })
        .collect();
    for r in rows {
        let keys: Vec<&String> = if by == "theme" {
            vec![&r.control.theme]
        } else {
            r.control
                .attributes
                .get(by)
                .map(|v| v.iter().collect())
                .unwrap_or_default()
        };
        for k in keys {
            if let Some(g) = out.iter_mut().find(|g| &g.key == k) {
                g.add(r);
            }
        }
    }
    out
}

/// Whether a control carries an attribute value (`within` = `(type, value)`).
pub fn carries(r: &SoaRow, within: &(String, String)) -> bool {
    r.control
        .attributes
        .get(&within.0)
        .is_some_and(|v| v.iter().any(|x| x.eq_ignore_ascii_case(&within.1)))
}

/// How far a clause's requirement is met.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClauseStatus {
    Met,
    Partly,
    NotMet,
}

impl ClauseStatus {
    pub fn label(self) -> &'static str {
        match self {
            ClauseStatus::Met => "met",
            ClauseStatus::Partly => "partly met",
            ClauseStatus::NotMet => "not met",
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            ClauseStatus::Met => "met",
            ClauseStatus::Partly => "partly",
            ClauseStatus::NotMet => "not_met",
        }
    }
}

/// A clause of ISO/IEC 27001 with its status and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Clause {
    pub id: &'static str,
    pub title: &'static str,
    pub status: ClauseStatus,
    /// What the status rests on, one fact per line.
    pub reasons: Vec<String>,
    /// Where to act.
    pub href: &'static str,
}

/// One item of the "what to do next" list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NextStep {
    /// How many records it concerns.
    pub count: i64,
    pub what: String,
    /// A few of them (ids).
    pub examples: Vec<String>,
    pub href: String,
}

/// Certification readiness and what to do next.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub clauses: Vec<Clause>,
    pub next: Vec<NextStep>,
}

/// The facts about the risk register readiness needs.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskFacts {
    pub open: i64,
    /// Open risks not changed (reviewed) in the last 12 months.
    pub stale: i64,
    pub stale_examples: Vec<String>,
    pub review_overdue: i64,
    /// Open risks without an owner (6.1.2 c asks for one; imports may bring them).
    pub no_owner: i64,
    pub no_owner_examples: Vec<String>,
    /// Open risks rated worse after controls than before, with no reason given.
    pub rating_unexplained: i64,
    pub rating_unexplained_examples: Vec<String>,
    /// Open risks to modify that no measure treats.
    pub untreated: i64,
    pub untreated_examples: Vec<String>,
    pub acceptance_lapsed: i64,
    pub measures_overdue: i64,
    pub measures_overdue_examples: Vec<String>,
    pub evidence_expiring: i64,
    pub evidence_expiring_examples: Vec<String>,
}

/// Facts about the document register.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DocumentFacts {
    /// The top-level information security policies: (id, published, review due).
    pub policies: Vec<(String, bool, bool)>,
    /// Published documents (not retired).
    pub published: i64,
    /// Published documents whose review date has come.
    pub review_due: i64,
    pub review_due_examples: Vec<String>,
    /// Versions waiting for their approver.
    pub in_review: i64,
    pub in_review_examples: Vec<String>,
}

/// Facts about staff, their competence and awareness (27001 7.2, 7.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PeopleFacts {
    /// People present in the staff directory today.
    pub staff: i64,
    /// Job titles that require training: (title, people holding it, those who completed it).
    pub competence: Vec<(String, i64, i64)>,
    /// Campaigns open or due within the last 12 months: (id, asked, completed, overdue).
    pub campaigns: Vec<(String, i64, i64, i64)>,
    /// The information security policy's acknowledgement: (id, asked, acknowledged, overdue).
    pub policy_ack: Option<(String, i64, i64, i64)>,
}

/// Facts about the obligations register (27001 4.2, 27002 5.31): how many apply, and
/// (count, examples) of those linked to no control, due for review, not met, not assessed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObligationFacts {
    pub applicable: i64,
    pub without_controls: (i64, Vec<String>),
    pub review_due: (i64, Vec<String>),
    pub not_met: (i64, Vec<String>),
    pub not_assessed: (i64, Vec<String>),
    /// Interested parties recorded, and those whose needs the ISMS does not address yet.
    pub parties: i64,
    pub unaddressed: (i64, Vec<String>),
}

/// 4.2: the requirements of interested parties that bind the organisation — its legal,
/// regulatory and contractual obligations — are known, each met by controls, assessed and
/// reviewed within a year.
pub fn interested_parties(o: &ObligationFacts) -> Clause {
    let mut r = Vec::new();
    let mut party_gap = false;
    if o.parties == 0 {
        r.push("no interested party is recorded".into());
        party_gap = true;
    } else {
        r.push(format!(
            "{} recorded",
            crate::domain::words::count(
                o.parties as usize,
                "interested party",
                "interested parties"
            )
        ));
        if o.unaddressed.0 > 0 {
            party_gap = true;
            r.push(format!(
                "{} whose needs the ISMS does not address yet: {}",
                o.unaddressed.0,
                ids_text(&o.unaddressed.1, o.unaddressed.0)
            ));
        }
    }
    let status = if o.applicable == 0 {
        r.push(
            "no applicable legal, regulatory or contractual obligation is in the register".into(),
        );
        ClauseStatus::NotMet
    } else {
        r.push(format!(
            "{} apply",
            crate::domain::words::count(o.applicable as usize, "obligation", "obligations")
        ));
        let mut gaps = 0;
        for ((n, ids), what) in [
            (&o.without_controls, "linked to no control"),
            (&o.not_met, "not or only partly met"),
            (&o.not_assessed, "not assessed"),
            (&o.review_due, "due for review"),
        ] {
            if *n > 0 {
                gaps += 1;
                r.push(format!("{n} {what}: {}", ids_text(ids, *n)));
            }
        }
        if gaps == 0 {
            r.push("each is met by its controls, assessed and reviewed within a year".into());
        }
        if gaps == 0 && !party_gap {
            ClauseStatus::Met
        } else {
            ClauseStatus::Partly
        }
    };
    Clause {
        id: "4.2",
        title: "Needs and expectations of interested parties",
        status,
        reasons: r,
        href: "/obligations?applicable=1",
    }
}

/// Facts about the organisation's context (27001 4.1, 4.3).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContextFacts {
    pub internal: i64,
    pub external: i64,
    /// Issues whose review has come: (count, examples).
    pub review_due: (i64, Vec<String>),
    /// Issues that say nothing of their effect on the ISMS.
    pub without_effect: (i64, Vec<String>),
    /// Whether a scope statement is written.
    pub statement: bool,
    /// The parts of the scope left empty that 4.3 asks to consider (their labels).
    pub missing_parts: Vec<&'static str>,
    /// (version, approved_at) of the newest approval.
    pub approved: Option<(i64, String)>,
    /// The parts changed since that approval (their labels).
    pub changed_since: Vec<&'static str>,
}

/// 4.1 and 4.3 from the context register: issues on both sides, each with its effect and
/// reviewed in time; a scope written with its boundaries, interfaces and dependencies,
/// approved within 12 months and unchanged since.
pub fn context_clauses(c: &ContextFacts, today: &str) -> [Clause; 2] {
    let mut r41 = Vec::new();
    let total = c.internal + c.external;
    let s41 = if total == 0 {
        r41.push("no internal or external issue is recorded".into());
        ClauseStatus::NotMet
    } else {
        r41.push(format!(
            "{} internal and {} external",
            crate::domain::words::count(c.internal as usize, "issue", "issues"),
            c.external
        ));
        let mut gaps = 0;
        if c.internal == 0 || c.external == 0 {
            gaps += 1;
            r41.push(format!(
                "no {} issue is recorded",
                if c.internal == 0 {
                    "internal"
                } else {
                    "external"
                }
            ));
        }
        for ((n, ids), what) in [
            (&c.without_effect, "say nothing of their effect on the ISMS"),
            (&c.review_due, "due for review"),
        ] {
            if *n > 0 {
                gaps += 1;
                r41.push(format!("{n} {what}: {}", ids_text(ids, *n)));
            }
        }
        if gaps == 0 {
            r41.push("each says how it affects the ISMS and is within its review date".into());
            ClauseStatus::Met
        } else {
            ClauseStatus::Partly
        }
    };
    let mut r43 = Vec::new();
    let s43 = if !c.statement {
        r43.push("no scope statement is written".into());
        ClauseStatus::NotMet
    } else {
        let mut gaps = 0;
        if !c.missing_parts.is_empty() {
            gaps += 1;
            r43.push(format!(
                "the scope does not say its {}",
                c.missing_parts.join(", ").to_lowercase()
            ));
        }
        match &c.approved {
            None => {
                gaps += 1;
                r43.push("the scope has never been approved".into());
            }
            Some((n, at)) => {
                r43.push(format!(
                    "version {n} approved on {}",
                    crate::domain::clock::display(at)
                ));
                if at.as_str() < add_days(today, -365).as_str() {
                    gaps += 1;
                    r43.push("that approval is more than 12 months old".into());
                }
                if !c.changed_since.is_empty() {
                    gaps += 1;
                    r43.push(format!(
                        "changed since version {n} ({}): approve again",
                        c.changed_since.join(", ").to_lowercase()
                    ));
                }
            }
        }
        if gaps == 0 {
            ClauseStatus::Met
        } else {
            ClauseStatus::Partly
        }
    };
    [
        Clause {
            id: "4.1",
            title: "The organisation and its context",
            status: s41,
            reasons: r41,
            href: "/context",
        },
        Clause {
            id: "4.3",
            title: "The scope of the ISMS",
            status: s43,
            reasons: r43,
            href: "/context/scope",
        },
    ]
}

/// 5.3 from the roles register and the ownership view: the roles every ISMS needs are held,
/// every role has a holder and its responsibilities written, and no one who has left (or whom
/// Annex does not know) still owns records or holds a role.
pub fn roles_clause(
    roles: usize,
    o: &crate::registers::responsibility::domain::Ownership,
) -> Clause {
    use crate::registers::responsibility::domain::Known;
    let mut r = Vec::new();
    let status = if roles == 0 {
        r.push("no role of the ISMS is recorded".into());
        ClauseStatus::NotMet
    } else {
        r.push(crate::domain::words::count(
            roles,
            "role recorded",
            "roles recorded",
        ));
        let mut gaps = 0;
        if !o.required_missing.is_empty() {
            gaps += 1;
            r.push(format!(
                "no one holds a role of {}",
                o.required_missing.join(", ")
            ));
        }
        for (ids, what) in [
            (&o.roles_unheld, "without a holder"),
            (
                &o.roles_undescribed,
                "without their responsibilities written",
            ),
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
        let gone: Vec<String> = o
            .people
            .iter()
            .filter(|p| p.known != Known::Present && (!p.owns.is_empty() || !p.roles.is_empty()))
            .map(|p| p.email.clone())
            .collect();
        if !gone.is_empty() {
            gaps += 1;
            r.push(format!(
                "{} who left or whom Annex does not know still own records or hold roles: {}",
                crate::domain::words::count(gone.len(), "person", "people"),
                ids_text(&gone[..gone.len().min(8)], gone.len() as i64)
            ));
        }
        let mismatched = o
            .people
            .iter()
            .filter(|p| p.known == Known::Present && !p.notes.is_empty())
            .count();
        if mismatched > 0 {
            r.push(format!(
                "{} whose roles and what they own do not match",
                crate::domain::words::count(mismatched, "person", "people")
            ));
        }
        if gaps == 0 {
            r.push("every role is held and described".into());
            ClauseStatus::Met
        } else {
            ClauseStatus::Partly
        }
    };
    Clause {
        id: "5.3",
        title: "Roles, responsibilities and authorities",
        status,
        reasons: r,
        href: "/roles/ownership",
    }
}

/// 6.2 and 9.1 from the objectives and their indicators: objectives with an owner, a date and
/// an indicator; every indicator measured in its last period.
pub fn objective_clauses(
    objectives: &[crate::registers::objective::domain::Objective],
    kpis: &[crate::registers::objective::domain::Kpi],
    today: &str,
) -> [Clause; 2] {
    use crate::registers::objective::domain::{KpiStatus, ObjectiveStatus, period_start};
    let live: Vec<_> = objectives
        .iter()
        .filter(|o| o.status != ObjectiveStatus::Dropped)
        .collect();
    let mut r62 = Vec::new();
    let s62 = if live.is_empty() {
        r62.push("no information security objective is set".into());
        ClauseStatus::NotMet
    } else {
        r62.push(crate::domain::words::count(
            live.len(),
            "objective set",
            "objectives set",
        ));
        let unmeasured: Vec<String> = live
            .iter()
            .filter(|o| {
                !kpis
                    .iter()
                    .any(|k| k.objective.as_deref() == Some(o.id.as_str()))
            })
            .map(|o| o.id.clone())
            .collect();
        let unplanned: Vec<String> = live
            .iter()
            .filter(|o| o.owner.is_empty() || o.due_on.is_none())
            .map(|o| o.id.clone())
            .collect();
        let mut gaps = 0;
        for (ids, what) in [
            (&unmeasured, "no indicator measures"),
            (&unplanned, "without an owner or a date"),
        ] {
            if !ids.is_empty() {
                gaps += 1;
                r62.push(format!(
                    "{} {what}: {}",
                    ids.len(),
                    ids_text(ids, ids.len() as i64)
                ));
            }
        }
        if gaps == 0 {
            r62.push("each has an owner, a date and an indicator".into());
            ClauseStatus::Met
        } else {
            ClauseStatus::Partly
        }
    };
    let mut r91 = Vec::new();
    let s91 = if kpis.is_empty() {
        r91.push("no indicator measures the ISMS".into());
        ClauseStatus::NotMet
    } else {
        r91.push(crate::domain::words::count(
            kpis.len(),
            "indicator",
            "indicators",
        ));
        // Measured in the current period or the one before it.
        let late: Vec<String> = kpis
            .iter()
            .filter(|k| {
                let current = period_start(today, k.frequency);
                let previous = period_start(&add_days(&current, -1), k.frequency);
                k.latest.as_ref().is_none_or(|m| m.period < previous)
            })
            .map(|k| k.id.clone())
            .collect();
        let off: Vec<String> = kpis
            .iter()
            .filter(|k| k.status == KpiStatus::OffTarget)
            .map(|k| k.id.clone())
            .collect();
        if !off.is_empty() {
            r91.push(format!(
                "{} off target: {}",
                off.len(),
                ids_text(&off, off.len() as i64)
            ));
        }
        if late.is_empty() {
            r91.push("each was measured in its last period".into());
            ClauseStatus::Met
        } else {
            r91.push(format!(
                "{} not measured in their last period: {}",
                late.len(),
                ids_text(&late, late.len() as i64)
            ));
            ClauseStatus::Partly
        }
    };
    [
        Clause {
            id: "6.2",
            title: "Information security objectives and planning to achieve them",
            status: s62,
            reasons: r62,
            href: "/objectives",
        },
        Clause {
            id: "9.1",
            title: "Monitoring, measurement, analysis and evaluation",
            status: s91,
            reasons: r91,
            href: "/objectives",
        },
    ]
}

/// Orders clauses by their numbers (4.2 before 4.3 before 6.1.2 before 10.1).
pub fn sort_clauses(clauses: &mut [Clause]) {
    clauses.sort_by_key(|c| clause_order(c.id));
}

/// A clause id's place in the standard ("6.1.2" after "6.1" and before "6.2").
pub fn clause_order(id: &str) -> Vec<u32> {
    id.split('.')
        .map(|n| n.parse::<u32>().unwrap_or(u32::MAX))
        .collect()
}

/// Facts about the approved versions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApprovalFacts {
    /// (version, approved_at) of the newest.
    pub latest: Option<(i64, String)>,
    /// Controls changed since the newest version.
    pub changed_since: usize,
}

pub(crate) fn ids_text(ids: &[String], total: i64) -> String {
    let more = total - ids.len() as i64;
    if more > 0 {
        format!("{} and {more} more", ids.join(", "))
    } else {
        ids.join(", ")
    }
}

/// 7.2: every job title that requires training is held by people who completed it.
fn competence(people: &PeopleFacts) -> (ClauseStatus, Vec<String>) {
    let mut r = Vec::new();
    if people.staff == 0 {
        r.push("the staff directory is empty: import your HR export first".to_string());
        return (ClauseStatus::NotMet, r);
    }
    if people.competence.is_empty() {
        r.push("no job title says which training it requires".to_string());
        return (ClauseStatus::NotMet, r);
    }
    let holders: i64 = people.competence.iter().map(|c| c.1).sum();
    let meet: i64 = people.competence.iter().map(|c| c.2).sum();
    r.push(format!(
        "{} require training; {meet} of {holders} people holding them completed it",
        crate::domain::words::count(people.competence.len(), "job title", "job titles")
    ));
    for (title, n, m) in people.competence.iter().filter(|c| c.2 < c.1).take(5) {
        r.push(format!("{title}: {} of {n} have not", n - m));
    }
    let status = if meet == holders {
        ClauseStatus::Met
    } else {
        ClauseStatus::Partly
    };
    (status, r)
}

/// 7.3: staff acknowledged the information security policy and took part in awareness
/// training within the last 12 months, no one late.
fn awareness(people: &PeopleFacts) -> (ClauseStatus, Vec<String>) {
    let mut r = Vec::new();
    if people.staff == 0 {
        r.push("the staff directory is empty: import your HR export first".to_string());
        return (ClauseStatus::NotMet, r);
    }
    let policy_ok =
        match &people.policy_ack {
            None => {
                r.push(
                    "the information security policy does not ask staff to acknowledge it"
                        .to_string(),
                );
                None
            }
            Some((id, asked, done, overdue)) => {
                r.push(format!(
                "{done} of {asked} people acknowledged the information security policy ({id}){}",
                if *overdue > 0 { format!(", {overdue} overdue") } else { String::new() }
            ));
                Some(*overdue == 0 && *asked > 0)
            }
        };
    let campaigns_ok = if people.campaigns.is_empty() {
        r.push("no training campaign in the last 12 months".to_string());
        None
    } else {
        let mut ok = true;
        for (id, asked, done, overdue) in &people.campaigns {
            r.push(format!(
                "campaign {id}: {done} of {asked} completed{}",
                if *overdue > 0 {
                    format!(", {overdue} overdue")
                } else {
                    String::new()
                }
            ));
            ok &= *overdue == 0;
        }
        Some(ok)
    };
    let status = match (policy_ok, campaigns_ok) {
        (Some(true), Some(true)) => ClauseStatus::Met,
        (None, None) => ClauseStatus::NotMet,
        _ => ClauseStatus::Partly,
    };
    (status, r)
}

/// Readiness from the SoA's rows and the facts, on `today` (`YYYY-MM-DD`).
pub fn readiness(
    rows: &[SoaRow],
    risks: &RiskFacts,
    approval: &ApprovalFacts,
    documents: &DocumentFacts,
    people: &PeopleFacts,
    today: &str,
) -> Readiness {
    let year_ago = add_days(today, -365);
    // 5.2: an information security policy, approved, published and within its review cycle.
    let mut r52 = Vec::new();
    let live: Vec<&(String, bool, bool)> = documents.policies.iter().filter(|p| p.1).collect();
    let s52 = if documents.policies.is_empty() {
        r52.push("no information security policy is in the document register".to_string());
        ClauseStatus::NotMet
    } else if live.is_empty() {
        let ids: Vec<String> = documents.policies.iter().map(|p| p.0.clone()).collect();
        r52.push(format!(
            "the information security policy ({}) is not published yet",
            ids.join(", ")
        ));
        ClauseStatus::Partly
    } else if let Some(due) = live.iter().find(|p| p.2) {
        r52.push(format!(
            "the information security policy ({}) is published but due for review",
            due.0
        ));
        ClauseStatus::Partly
    } else {
        let ids: Vec<String> = live.iter().map(|p| p.0.clone()).collect();
        r52.push(format!(
            "the information security policy ({}) is approved, published and within its review cycle",
            ids.join(", ")
        ));
        ClauseStatus::Met
    };
    // 6.1.2: a risk assessment exists and was reviewed within 12 months.
    let mut r612 = Vec::new();
    let s612 = if risks.open == 0 {
        r612.push("no open risk is recorded: assess the risks to the scope first".to_string());
        ClauseStatus::NotMet
    } else {
        r612.push(format!("{} open risks assessed", risks.open));
        if risks.stale > 0 {
            r612.push(format!(
                "{} not reviewed in the last 12 months: {}",
                risks.stale,
                ids_text(&risks.stale_examples, risks.stale)
            ));
        }
        if risks.review_overdue > 0 {
            r612.push(format!("{} past their review date", risks.review_overdue));
        }
        if risks.no_owner > 0 {
            r612.push(format!(
                "{} without a risk owner: {}",
                crate::domain::words::count(risks.no_owner as usize, "open risk", "open risks"),
                ids_text(&risks.no_owner_examples, risks.no_owner)
            ));
        }
        if risks.rating_unexplained > 0 {
            r612.push(format!(
                "{} rated higher after controls than before, with no reason given: {}",
                crate::domain::words::count(
                    risks.rating_unexplained as usize,
                    "open risk",
                    "open risks"
                ),
                ids_text(&risks.rating_unexplained_examples, risks.rating_unexplained)
            ));
        }
        if risks.stale == risks.open {
            ClauseStatus::NotMet
        } else if risks.stale > 0
            || risks.review_overdue > 0
            || risks.no_owner > 0
            || risks.rating_unexplained > 0
        {
            ClauseStatus::Partly
        } else {
            r612.push("every open risk was reviewed within 12 months".into());
            ClauseStatus::Met
        }
    };
    // 6.1.3: every risk to modify has measures (the treatment plan); the SoA is decided and
    // approved, within 12 months, and unchanged since.
    let undecided = rows
        .iter()
        .filter(|r| r.applicability.applicable.is_none())
        .count();
    let unjustified = rows
        .iter()
        .filter(|r| {
            r.applicability.applicable == Some(false)
                && r.applicability.justification.trim().is_empty()
        })
        .count();
    let mut r613 = Vec::new();
    let mut gaps = 0;
    if risks.untreated > 0 {
        gaps += 1;
        r613.push(format!(
            "{} risks to modify have no measure in the treatment plan: {}",
            risks.untreated,
            ids_text(&risks.untreated_examples, risks.untreated)
        ));
    }
    if risks.acceptance_lapsed > 0 {
        gaps += 1;
        r613.push(format!(
            "{} residual-risk acceptances expired or need renewal",
            risks.acceptance_lapsed
        ));
    }
    if undecided > 0 {
        gaps += 1;
        r613.push(format!(
            "{undecided} controls have no applicability decision"
        ));
    }
    if unjustified > 0 {
        gaps += 1;
        r613.push(format!("{unjustified} exclusions have no justification"));
    }
    let s613 = match &approval.latest {
        None => {
            r613.push("the Statement of Applicability has never been approved".into());
            ClauseStatus::NotMet
        }
        Some((n, at)) => {
            r613.push(format!("version {n} approved at {at}"));
            if at.as_str() < year_ago.as_str() {
                gaps += 1;
                r613.push("that approval is more than 12 months old".into());
            }
            if approval.changed_since > 0 {
                gaps += 1;
                r613.push(format!(
                    "{} controls changed since version {n}: approve again",
                    approval.changed_since
                ));
            }
            if gaps == 0 {
                ClauseStatus::Met
            } else {
                ClauseStatus::Partly
            }
        }
    };
    // 7.5: documented information — the controls in place are evidenced.
    let in_place: Vec<&SoaRow> = rows
        .iter()
        .filter(|r| {
            r.applicability.applicable == Some(true)
                && matches!(
                    r.applicability.status,
                    Status::Implemented | Status::PartiallyImplemented
                )
        })
        .collect();
    let evidenced = in_place
        .iter()
        .filter(|r| r.evidence_state.proves())
        .count();
    let expired = rows
        .iter()
        .filter(|r| r.evidence_state == EvidenceState::Expired)
        .count();
    let mut r75 = Vec::new();
    let s75 = if in_place.is_empty() {
        r75.push("no control is marked implemented or partially implemented yet".into());
        ClauseStatus::NotMet
    } else {
        r75.push(format!(
            "{evidenced} of {} controls in place have valid evidence",
            in_place.len()
        ));
        if expired > 0 {
            r75.push(format!("{expired} controls' evidence has expired"));
        }
        if risks.evidence_expiring > 0 {
            r75.push(format!(
                "{} evidence items expire within 30 days",
                risks.evidence_expiring
            ));
        }
        if evidenced == in_place.len() && expired == 0 && documents.review_due == 0 {
            ClauseStatus::Met
        } else if evidenced == 0 {
            ClauseStatus::NotMet
        } else {
            ClauseStatus::Partly
        }
    };
    // Documents are documented information too: published ones count, overdue reviews too.
    if documents.published > 0 {
        r75.push(format!(
            "{} published",
            crate::domain::words::count(
                documents.published as usize,
                "document is",
                "documents are"
            )
        ));
    }
    if documents.review_due > 0 {
        r75.push(format!(
            "{} past {} review date: {}",
            crate::domain::words::count(documents.review_due as usize, "document", "documents"),
            if documents.review_due == 1 {
                "its"
            } else {
                "their"
            },
            ids_text(&documents.review_due_examples, documents.review_due)
        ));
    }
    let (s72, r72) = competence(people);
    let (s73, r73) = awareness(people);
    let clauses = vec![
        Clause {
            id: "5.2",
            title: "Information security policy",
            status: s52,
            reasons: r52,
            href: "/documents?kind=policy",
        },
        Clause {
            id: "6.1.2",
            title: "Information security risk assessment",
            status: s612,
            reasons: r612,
            href: "/risks",
        },
        Clause {
            id: "6.1.3",
            title: "Information security risk treatment and the Statement of Applicability",
            status: s613,
            reasons: r613,
            href: "/soa/versions",
        },
        Clause {
            id: "7.2",
            title: "Competence",
            status: s72,
            reasons: r72,
            href: "/training/competence",
        },
        Clause {
            id: "7.3",
            title: "Awareness",
            status: s73,
            reasons: r73,
            href: "/training",
        },
        Clause {
            id: "7.5",
            title: "Documented information (evidence)",
            status: s75,
            reasons: r75,
            href: "/evidence",
        },
    ];
    // What to do next, the most pressing first.
    let pick = |f: &dyn Fn(&SoaRow) -> bool| -> (i64, Vec<String>) {
        let ids: Vec<String> = rows
            .iter()
            .filter(|r| f(r))
            .map(|r| r.control.id.clone())
            .collect();
        (ids.len() as i64, ids.into_iter().take(8).collect())
    };
    let mut next = Vec::new();
    let mut push = |count: i64, what: &str, examples: Vec<String>, href: &str| {
        if count > 0 {
            next.push(NextStep {
                count,
                what: what.to_string(),
                examples,
                href: href.to_string(),
            });
        }
    };
    let (n, ex) = pick(&|r| r.applicability.applicable.is_none());
    push(n, "controls to decide", ex, "/soa?applicable=undecided");
    let (n, ex) = pick(&|r| {
        r.applicability.applicable == Some(true) && r.applicability.owner.trim().is_empty()
    });
    push(
        n,
        "applicable controls without an owner",
        ex,
        "/soa?warning=no_owner",
    );
    let (n, ex) = pick(&|r| {
        r.applicability.applicable == Some(true)
            && matches!(
                r.applicability.status,
                Status::Implemented | Status::PartiallyImplemented
            )
            && !r.evidence_state.proves()
    });
    push(
        n,
        "controls in place without valid evidence",
        ex,
        "/soa?warning=no_valid_evidence",
    );
    let (n, ex) = pick(&|r| r.applicability.applicable == Some(true) && r.measures.is_empty());
    push(
        n,
        "applicable controls no measure implements",
        ex,
        "/soa?warning=no_measure",
    );
    push(
        risks.measures_overdue,
        "measures past their due date",
        risks.measures_overdue_examples.clone(),
        "/measures?overdue=1",
    );
    push(
        risks.evidence_expiring,
        "evidence items expiring within 30 days",
        risks.evidence_expiring_examples.clone(),
        "/evidence?expiring=30",
    );
    push(
        risks.untreated,
        "risks to modify without a measure",
        risks.untreated_examples.clone(),
        "/risks?treatment=modify&status=active",
    );
    push(
        risks.stale,
        "risks not reviewed in 12 months",
        risks.stale_examples.clone(),
        "/risks?status=active",
    );
    push(
        documents.review_due,
        "documents due for review",
        documents.review_due_examples.clone(),
        "/documents?review_due=1",
    );
    push(
        documents.in_review,
        "documents waiting for approval",
        documents.in_review_examples.clone(),
        "/documents?status=in_review",
    );
    Readiness { clauses, next }
}

/// The gap analysis' query: `by` (theme or an attribute type) and `within` (`type:value`).
pub fn gaps_query(
    params: &crate::domain::query::Params,
    types: &[crate::domain::catalog::AttributeType],
) -> Result<(String, Option<(String, String)>), crate::error::Error> {
    let get = |k: &str| params.get(k).map(str::to_string);
    let mut p = crate::error::Problems::new();
    let by = get("by").unwrap_or_else(|| "theme".into());
    if by != "theme" && !types.iter().any(|t| t.key == by) {
        p.add(
            "by",
            format!(
                "'{by}' is not a grouping: use theme or {}",
                types
                    .iter()
                    .map(|t| t.key.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        );
    }
    let within = match get("within") {
        None => None,
        Some(w) => match w.split_once(':') {
            Some((t, v))
                if types
                    .iter()
                    .any(|x| x.key == t && x.values.iter().any(|y| y.eq_ignore_ascii_case(v))) =>
            {
                Some((t.to_string(), v.to_string()))
            }
            _ => {
                p.add(
                    "within",
                    format!("'{w}' is not an attribute value: write type:value, e.g. control_type:Detective"),
                );
                None
            }
        },
    };
    p.into_query_result()?;
    Ok((by, within))
}
