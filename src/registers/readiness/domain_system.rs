//! The clauses of ISO/IEC 27001 that no single register answers but Annex can still judge from
//! what the registers hold: 6.1.1 (risks and opportunities from the context), 6.3 (changes
//! planned through approved versions), 7.1 (resources: roles held, work owned), 7.4
//! (communication of the policy), 8.1–8.3 (operation: the plan carried out, risks assessed
//! and treated), and the two that sum the others up: 4.4 (the system as a whole) and 5.1
//! (leadership shown in what top management approved and reviewed).

use super::domain::{Clause, ClauseStatus, RiskFacts};

/// What these clauses are computed from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SystemFacts {
    /// Issues of the context that bear a risk (or both), and those no risk is linked to (ids).
    pub issues_bearing_risk: i64,
    pub issues_unlinked: Vec<String>,
    /// Issues that bear an opportunity (or both).
    pub opportunities: i64,
    /// The scope: approved at least once, and the parts changed since.
    pub scope_approved: bool,
    pub scope_changed: Vec<&'static str>,
    /// The SoA: approved at least once, and the controls changed since.
    pub soa_approved: bool,
    pub soa_changed: usize,
    /// Roles: whether an ISMS manager and top management are held; roles no one holds.
    pub isms_manager: bool,
    pub top_management: bool,
    pub roles_unheld: Vec<String>,
    /// Measures and applicable controls no one owns.
    pub measures_unowned: i64,
    pub controls_unowned: i64,
    /// The policy's acknowledgement: (asked, acknowledged).
    pub policy_ack: Option<(i64, i64)>,
    /// Suppliers and obligations past their review date.
    pub suppliers_review_due: i64,
    pub obligations_review_due: i64,
}

fn clause(
    id: &'static str,
    title: &'static str,
    status: ClauseStatus,
    reasons: Vec<String>,
    href: &'static str,
) -> Clause {
    Clause {
        id,
        title,
        status,
        reasons,
        href,
    }
}

fn list(ids: &[String]) -> String {
    let shown: Vec<&str> = ids.iter().take(8).map(String::as_str).collect();
    if ids.len() > 8 {
        format!("{} and {} more", shown.join(", "), ids.len() - 8)
    } else {
        shown.join(", ")
    }
}

/// 6.1.1, 6.3, 7.1, 7.4, 8.1, 8.2 and 8.3.
pub fn system_clauses(f: &SystemFacts, risks: &RiskFacts) -> Vec<Clause> {
    let mut out = Vec::new();

    // 6.1.1: the issues of the context that bear risk lead to risks in the register.
    let mut r = vec![format!(
        "{} of the context bear a risk, {} an opportunity; {} open in the register",
        crate::domain::words::count(f.issues_bearing_risk as usize, "issue", "issues"),
        f.opportunities,
        crate::domain::words::count(risks.open as usize, "risk", "risks")
    )];
    let s = if risks.open == 0 && f.issues_bearing_risk == 0 {
        r.push("no issue of the context and no risk is recorded".into());
        ClauseStatus::NotMet
    } else if !f.issues_unlinked.is_empty() {
        r.push(format!(
            "{} that bear a risk name no risk of the register: {}",
            f.issues_unlinked.len(),
            list(&f.issues_unlinked)
        ));
        ClauseStatus::Partly
    } else if risks.open == 0 {
        r.push("the risk register is empty".into());
        ClauseStatus::Partly
    } else {
        ClauseStatus::Met
    };
    out.push(clause(
        "6.1.1",
        "Actions to address risks and opportunities",
        s,
        r,
        "/context",
    ));

    // 6.3: changes to the ISMS are planned: the scope and the SoA are approved as versions
    // and changed only through new approvals.
    let mut r = Vec::new();
    let mut gaps = 0;
    match (f.scope_approved, f.scope_changed.is_empty()) {
        (false, _) => {
            gaps += 1;
            r.push("the scope has never been approved".into());
        }
        (true, true) => r.push("the scope is as last approved".into()),
        (true, false) => {
            gaps += 1;
            r.push(format!(
                "the scope changed since its approval ({}): approve the change",
                f.scope_changed.join(", ")
            ));
        }
    }
    match (f.soa_approved, f.soa_changed) {
        (false, _) => {
            gaps += 1;
            r.push("the Statement of Applicability has never been approved".into());
        }
        (true, 0) => r.push("the Statement of Applicability is as last approved".into()),
        (true, n) => {
            gaps += 1;
            r.push(format!(
                "{} changed in the Statement of Applicability since its approval",
                crate::domain::words::count(n, "control", "controls")
            ));
        }
    }
    let s = match gaps {
        0 => ClauseStatus::Met,
        _ if !f.scope_approved && !f.soa_approved => ClauseStatus::NotMet,
        _ => ClauseStatus::Partly,
    };
    out.push(clause("6.3", "Planning of changes", s, r, "/context/scope"));

    // 7.1: resources: the ISMS is run by people who hold its roles and own its work.
    let mut r = Vec::new();
    let mut gaps = 0;
    if !f.isms_manager {
        gaps += 1;
        r.push("no one holds the role of ISMS manager".into());
    }
    if !f.roles_unheld.is_empty() {
        gaps += 1;
        r.push(format!("roles no one holds: {}", list(&f.roles_unheld)));
    }
    for (n, what) in [
        (f.measures_unowned, "measures"),
        (f.controls_unowned, "applicable controls"),
    ] {
        if n > 0 {
            gaps += 1;
            r.push(format!("{n} {what} without an owner"));
        }
    }
    if gaps == 0 {
        r.push("every role is held and every measure and applicable control has an owner".into());
    }
    let s = if !f.isms_manager && !f.top_management {
        ClauseStatus::NotMet
    } else if gaps == 0 {
        ClauseStatus::Met
    } else {
        ClauseStatus::Partly
    };
    out.push(clause("7.1", "Resources", s, r, "/roles/ownership"));

    // 7.4: communication: the policy reaches the people it binds.
    let (s, r) = match f.policy_ack {
        None => (
            ClauseStatus::NotMet,
            vec!["no one has been asked to acknowledge the information security policy".into()],
        ),
        Some((asked, done)) => {
            let share = if asked > 0 { done * 100 / asked } else { 0 };
            (
                if asked > 0 && share >= 90 {
                    ClauseStatus::Met
                } else {
                    ClauseStatus::Partly
                },
                vec![format!(
                    "{done} of {asked} people acknowledged the information security policy ({share} %)"
                )],
            )
        }
    };
    out.push(clause("7.4", "Communication", s, r, "/documents"));

    // 8.1: the plan is carried out: measures, supplier and obligation reviews on time.
    let mut r = Vec::new();
    for (n, one, many) in [
        (risks.measures_overdue, "measure", "measures"),
        (f.suppliers_review_due, "supplier", "suppliers"),
        (f.obligations_review_due, "obligation", "obligations"),
    ] {
        if n > 0 {
            let what = crate::domain::words::count(n as usize, one, many);
            r.push(if one == "measure" {
                format!("{what} of the treatment plan overdue")
            } else {
                format!("{what} past the review date")
            });
        }
    }
    let s = if r.is_empty() {
        r.push("measures, supplier reviews and obligation reviews are on time".into());
        ClauseStatus::Met
    } else {
        ClauseStatus::Partly
    };
    out.push(clause(
        "8.1",
        "Operational planning and control",
        s,
        r,
        "/measures",
    ));

    // 8.2: risk assessments are performed at planned intervals.
    let (s, r) = if risks.open == 0 {
        (
            ClauseStatus::NotMet,
            vec!["no open risk: no risk assessment is recorded".to_string()],
        )
    } else if risks.stale > 0 {
        (
            ClauseStatus::Partly,
            vec![format!(
                "{} of {} open risks not reviewed in the last 12 months",
                risks.stale, risks.open
            )],
        )
    } else {
        (
            ClauseStatus::Met,
            vec![format!(
                "each of the {} open risks was assessed in the last 12 months",
                risks.open
            )],
        )
    };
    out.push(clause("8.2", "Performing risk assessments", s, r, "/risks"));

    // 8.3: the risk treatment plan is implemented.
    let mut r = Vec::new();
    if risks.untreated > 0 {
        r.push(format!(
            "{} to modify that no measure treats",
            crate::domain::words::count(risks.untreated as usize, "risk", "risks")
        ));
    }
    if risks.measures_overdue > 0 {
        r.push(format!(
            "{} overdue",
            crate::domain::words::count(risks.measures_overdue as usize, "measure", "measures")
        ));
    }
    let s = if risks.open == 0 {
        r.push("no risk is recorded, so no treatment is planned".into());
        ClauseStatus::NotMet
    } else if r.is_empty() {
        r.push("every risk to modify has measures, none overdue".into());
        ClauseStatus::Met
    } else {
        ClauseStatus::Partly
    };
    out.push(clause(
        "8.3",
        "Implementing risk treatment",
        s,
        r,
        "/measures",
    ));
    out
}

/// 4.4 and 5.1 from the other clauses: the system is established when every clause is met;
/// leadership shows in a held top management role, an approved policy, a held management
/// review and objectives set.
pub fn summary_clauses(clauses: &[Clause], top_management: bool) -> [Clause; 2] {
    let status_of = |id: &str| clauses.iter().find(|c| c.id == id).map(|c| c.status);
    let met = clauses
        .iter()
        .filter(|c| c.status == ClauseStatus::Met)
        .count();
    let not_met: Vec<String> = clauses
        .iter()
        .filter(|c| c.status == ClauseStatus::NotMet)
        .map(|c| c.id.to_string())
        .collect();
    let partly: Vec<String> = clauses
        .iter()
        .filter(|c| c.status == ClauseStatus::Partly)
        .map(|c| c.id.to_string())
        .collect();
    // Named in the standard's order, whatever order the clauses were computed in.
    let (mut not_met, mut partly) = (not_met, partly);
    not_met.sort_by_key(|id| super::domain::clause_order(id));
    partly.sort_by_key(|id| super::domain::clause_order(id));
    let mut r44 = vec![format!("{met} of the other {} clauses met", clauses.len())];
    if !partly.is_empty() {
        r44.push(format!("partly met: {}", partly.join(", ")));
    }
    if !not_met.is_empty() {
        r44.push(format!("not met: {}", not_met.join(", ")));
    }
    let s44 = if not_met.is_empty() && partly.is_empty() {
        ClauseStatus::Met
    } else if not_met.len() * 2 > clauses.len() {
        ClauseStatus::NotMet
    } else {
        ClauseStatus::Partly
    };
    let mut r51 = Vec::new();
    let mut gaps = 0;
    if top_management {
        r51.push("top management holds its role in the ISMS".into());
    } else {
        gaps += 1;
        r51.push("no one holds the top management role".into());
    }
    for (id, what) in [
        ("5.2", "the information security policy"),
        ("6.2", "the objectives"),
        ("9.3", "the management review"),
    ] {
        match status_of(id) {
            Some(ClauseStatus::Met) => r51.push(format!("{what} ({id}): met")),
            Some(s) => {
                gaps += 1;
                r51.push(format!("{what} ({id}): {}", s.label()));
            }
            None => {}
        }
    }
    let s51 = if gaps == 0 {
        ClauseStatus::Met
    } else if !top_management && status_of("9.3") == Some(ClauseStatus::NotMet) {
        ClauseStatus::NotMet
    } else {
        ClauseStatus::Partly
    };
    [
        clause(
            "4.4",
            "The information security management system",
            s44,
            r44,
            "/soa/gaps",
        ),
        clause("5.1", "Leadership and commitment", s51, r51, "/reviews"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_system_clauses_follow_their_facts() {
        let risks = RiskFacts {
            open: 4,
            stale: 1,
            ..Default::default()
        };
        let f = SystemFacts {
            issues_bearing_risk: 2,
            issues_unlinked: vec!["CI-0002".into()],
            scope_approved: true,
            soa_approved: true,
            soa_changed: 3,
            isms_manager: true,
            top_management: true,
            policy_ack: Some((10, 9)),
            ..Default::default()
        };
        let c = system_clauses(&f, &risks);
        let s = |id: &str| c.iter().find(|x| x.id == id).unwrap().status;
        assert_eq!(s("6.1.1"), ClauseStatus::Partly);
        assert_eq!(s("6.3"), ClauseStatus::Partly);
        assert_eq!(s("7.1"), ClauseStatus::Met);
        assert_eq!(s("7.4"), ClauseStatus::Met);
        assert_eq!(s("8.1"), ClauseStatus::Met);
        assert_eq!(s("8.2"), ClauseStatus::Partly);
        assert_eq!(s("8.3"), ClauseStatus::Met);
        let [c44, c51] = summary_clauses(&c, true);
        assert_eq!(c44.status, ClauseStatus::Partly);
        assert!(c44.reasons[1].contains("6.1.1"), "{:?}", c44.reasons);
        assert_eq!(c51.status, ClauseStatus::Met, "{:?}", c51.reasons);
        let empty = system_clauses(&SystemFacts::default(), &RiskFacts::default());
        let [c44, c51] = summary_clauses(&empty, false);
        assert_eq!(c44.status, ClauseStatus::NotMet);
        assert_eq!(c51.status, ClauseStatus::Partly);
    }
}
