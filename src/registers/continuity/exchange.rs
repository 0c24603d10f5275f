//! Continuity as tables (CSV, XLSX): processes with their BIA in words (impacts by the scale's
//! names, durations as "3 days"), and exercises.

use super::domain::{Exercise, ImpactLevel, Process, duration_words};
use crate::exchange::Table;

const PROCESS_COLUMNS: [&str; 17] = [
    "id",
    "name",
    "owner",
    "impact_after_4_hours",
    "impact_after_1_day",
    "impact_after_3_days",
    "impact_after_1_week",
    "mtpd",
    "rto",
    "rpo",
    "min_service",
    "assets",
    "suppliers",
    "roles",
    "locations",
    "plans",
    "reviewed_on",
];

fn words(m: Option<i64>) -> String {
    m.map(duration_words).unwrap_or_default()
}

/// The processes: one row each.
pub fn processes_table(processes: &[Process], scale: &[ImpactLevel]) -> Table {
    let level = |v: Option<i64>| {
        v.map(|v| {
            scale
                .iter()
                .find(|(x, _)| *x == v)
                .map(|(_, n)| n.clone())
                .unwrap_or_else(|| v.to_string())
        })
        .unwrap_or_default()
    };
    let mut t = Table::new("Processes", &PROCESS_COLUMNS, &[]);
    t.rows = processes
        .iter()
        .map(|p| {
            let imp = |i: usize| level(p.impacts.get(i).copied().flatten());
            vec![
                p.id.clone(),
                p.name.clone(),
                p.owner.clone(),
                imp(0),
                imp(1),
                imp(2),
                imp(3),
                words(p.mtpd_minutes),
                words(p.rto_minutes),
                words(p.rpo_minutes),
                p.min_service.clone(),
                p.assets.join(", "),
                p.suppliers.join("; "),
                p.roles.join("; "),
                p.locations.join("; "),
                p.plans.join(", "),
                p.reviewed_on.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}

const EXERCISE_COLUMNS: [&str; 15] = [
    "id",
    "title",
    "kind",
    "held_on",
    "process",
    "plan",
    "assets",
    "result",
    "achieved_rto",
    "achieved_rpo",
    "scope",
    "participants",
    "findings",
    "measures",
    "evidence",
];

/// The exercises: one row each.
pub fn exercises_table(exercises: &[Exercise]) -> Table {
    let mut t = Table::new("Exercises", &EXERCISE_COLUMNS, &[]);
    t.rows = exercises
        .iter()
        .map(|e| {
            vec![
                e.id.clone(),
                e.title.clone(),
                e.kind.label().to_string(),
                e.held_on.clone(),
                e.process.clone().unwrap_or_default(),
                e.plan.clone().unwrap_or_default(),
                e.assets.join(", "),
                e.result.label().to_string(),
                words(e.achieved_rto_minutes),
                words(e.achieved_rpo_minutes),
                e.scope.clone(),
                e.participants.clone(),
                e.findings.clone(),
                e.measures.join(", "),
                e.evidence.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}
