//! Risk rules shared by the pages and the API: who may edit a risk, who may accept it, and the
//! register's query string.

use super::session::Caller;
use crate::domain::asset::parse_date;
use crate::domain::matrix::Matrix;
use crate::domain::risk::{Risk, Treatment};
use crate::domain::user::Role;
use crate::error::{Error, Problems};
use crate::store::{RatingKind, RiskFilter};

fn is_editor(caller: &Caller) -> bool {
    caller
        .user
        .as_ref()
        .is_some_and(|u| matches!(u.role, Role::Admin | Role::Manager))
}

fn is_owner(caller: &Caller, r: &Risk) -> bool {
    caller
        .user
        .as_ref()
        .is_some_and(|u| u.email.eq_ignore_ascii_case(r.owner.trim()))
}

/// Managers and admins edit every risk; a contributor edits the risks they own.
pub fn may_edit(caller: &Caller, r: &Risk) -> bool {
    is_editor(caller)
        || (is_owner(caller, r)
            && caller
                .user
                .as_ref()
                .is_some_and(|u| u.role == Role::Contributor))
}

/// Checks an acceptance: the risk owner (or a manager or admin) accepts; above the matrix's
/// threshold only a manager or admin may, and with a rationale. Answers the checked
/// (rationale, valid-until date).
pub fn check_acceptance(
    caller: &Caller,
    r: &Risk,
    m: &Matrix,
    rationale: &str,
    valid_until: &str,
    today: &str,
) -> Result<(String, String), Error> {
    if !(is_editor(caller)
        || (is_owner(caller, r)
            && caller
                .user
                .as_ref()
                .is_some_and(|u| u.role == Role::Contributor)))
    {
        return Err(Error::Forbidden);
    }
    let above = !m.acceptable(&r.target.level);
    if above && !is_editor(caller) {
        return Err(Error::Forbidden);
    }
    let mut p = Problems::new();
    let rationale = rationale.trim().to_string();
    if above && rationale.is_empty() {
        let level = m
            .risk_level(&r.target.level)
            .map(|l| l.name.clone())
            .unwrap_or_default();
        p.add("rationale", format!("the residual level {level} is above the acceptance threshold: say why the risk is accepted"));
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

/// The register's query: q, level, owner, treatment, asset, measure, control, cell (`target:4:5`).
pub fn risk_filter(pairs: &[(String, String)], m: &Matrix) -> Result<RiskFilter, Error> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let mut p = Problems::new();
    let level = get("level");
    if let Some(l) = &level
        && m.risk_level(l).is_none()
    {
        let keys: Vec<&str> = m.levels.iter().map(|l| l.key.as_str()).collect();
        p.add(
            "level",
            format!("'{l}' is not a risk level: use one of {}", keys.join(", ")),
        );
    }
    let treatment = match get("treatment") {
        Some(t) => p.take("treatment", Treatment::parse(&t)),
        None => None,
    };
    let control = get("control").map(|c| {
        let r = crate::domain::measure::parse_control_refs(&c);
        r.into_iter()
            .next()
            .map(|r| (r.framework, r.id))
            .unwrap_or_default()
    });
    let cell = match get("cell") {
        None => None,
        Some(c) => {
            let parts: Vec<&str> = c.split(':').collect();
            match (
                parts.first().and_then(|k| RatingKind::parse(k)),
                parts.get(1).and_then(|v| v.parse().ok()),
                parts.get(2).and_then(|v| v.parse().ok()),
            ) {
                (Some(k), Some(l), Some(i)) if parts.len() == 3 => Some((k, l, i)),
                _ => {
                    p.add("cell", format!("'{c}' is not a heat-map cell: write inherent:L:I, current:L:I or target:L:I"));
                    None
                }
            }
        }
    };
    p.into_result()?;
    Ok(RiskFilter {
        level,
        owner: get("owner"),
        treatment,
        asset: get("asset"),
        measure: get("measure"),
        control,
        cell,
        text: get("q"),
    })
}
