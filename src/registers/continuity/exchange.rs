//! Continuity as tables (CSV, XLSX): processes with their BIA in words (impacts by the scale's
//! names, durations as "3 days"), and exercises.

use super::domain::{Exercise, ImpactLevel, Process, duration_words};
use crate::exchange::Table;

const PROCESS_COLUMNS: [&str; 18] = [
    "id",
    "name",
    "owner",
    "description",
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
                p.description.clone(),
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

use crate::exchange::import::field as f;

const PROCESS_FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "processid", "ref", "reference", "no"]),
    f(
        "name",
        "name",
        &[
            "name",
            "process",
            "processname",
            "activity",
            "businessprocess",
            "title",
        ],
    ),
    f(
        "description",
        "description",
        &["description", "details", "notes"],
    ),
    f(
        "owner",
        "owner",
        &["owner", "processowner", "responsible", "accountable"],
    ),
    f(
        "impact_4h",
        "impact after 4 hours",
        &[
            "impactafter4hours",
            "impact4h",
            "4hours",
            "4h",
            "impact4hours",
        ],
    ),
    f(
        "impact_1d",
        "impact after 1 day",
        &[
            "impactafter1day",
            "impact1d",
            "1day",
            "24h",
            "impact24h",
            "impact1day",
        ],
    ),
    f(
        "impact_3d",
        "impact after 3 days",
        &[
            "impactafter3days",
            "impact3d",
            "3days",
            "72h",
            "impact72h",
            "impact3days",
        ],
    ),
    f(
        "impact_1w",
        "impact after 1 week",
        &[
            "impactafter1week",
            "impact1w",
            "1week",
            "7days",
            "impact1week",
        ],
    ),
    f(
        "mtpd",
        "MTPD",
        &[
            "mtpd",
            "maximumtolerableperiodofdisruption",
            "mtd",
            "maximumtolerabledowntime",
        ],
    ),
    f("rto", "RTO", &["rto", "recoverytimeobjective"]),
    f("rpo", "RPO", &["rpo", "recoverypointobjective"]),
    f(
        "min_service",
        "minimum service",
        &[
            "minservice",
            "minimumservice",
            "minimumservicelevel",
            "mbco",
        ],
    ),
    f(
        "assets",
        "assets",
        &[
            "assets",
            "systems",
            "itsystems",
            "applications",
            "dependencies",
        ],
    ),
    f(
        "suppliers",
        "suppliers",
        &["suppliers", "vendors", "thirdparties"],
    ),
    f("roles", "roles", &["roles", "keyroles", "people", "staff"]),
    f(
        "locations",
        "locations",
        &["locations", "sites", "location", "site"],
    ),
    f(
        "reviewed_on",
        "reviewed on",
        &["reviewedon", "lastreview", "reviewdate", "biadate"],
    ),
];

/// Imports the processes and their BIA: one row per process. The plans are Annex's (they are
/// documents linked on the process's page), read past.
pub const PROCESS_SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: PROCESS_FIELDS,
    derived: &[&["plans", "plan"]],
    required: "name",
    what: "the processes and their business impact analysis",
    noun: "process",
    split_header: false,
};

fn process_input(
    values: impl Iterator<Item = (&'static str, String)>,
) -> super::domain::ProcessInput {
    let mut v = super::domain::ProcessInput::default();
    for (field, value) in values {
        match field {
            "id" => v.id = Some(value),
            "name" => v.name = value,
            "description" => v.description = value,
            "owner" => v.owner = value,
            "impact_4h" => v.impact_4h = value,
            "impact_1d" => v.impact_1d = value,
            "impact_3d" => v.impact_3d = value,
            "impact_1w" => v.impact_1w = value,
            "mtpd" => v.mtpd = value,
            "rto" => v.rto = value,
            "rpo" => v.rpo = value,
            "min_service" => v.min_service = value,
            "assets" => v.assets = value,
            "suppliers" => v.suppliers = value,
            "roles" => v.roles = value,
            "locations" => v.locations = value,
            "reviewed_on" => v.reviewed_on = value,
            _ => {}
        }
    }
    v
}

/// Imports processes with their BIA.
pub struct ProcessImport;

impl crate::exchange::import::Importer for ProcessImport {
    fn key(&self) -> &'static str {
        "processes"
    }

    fn title(&self) -> &'static str {
        "Business processes (BIA)"
    }

    fn path(&self) -> &'static str {
        "continuity/processes"
    }

    fn hints(&self) -> &'static str {
        "One row per process, with at least a name. Annex also reads id, owner, the impact after 4 hours, 1 day, 3 days and 1 week (values or names of the impact scale), MTPD, RTO and RPO (3 days, 4h, 15 minutes, or hours), minimum service, assets (ids), suppliers, roles and locations."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &PROCESS_SCHEMA
    }

    fn named_by(&self) -> Option<crate::exchange::import::NamedBy> {
        Some(crate::exchange::import::NamedBy {
            field: "name",
            table: "process",
            id_column: "process_id",
            name_column: "name",
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, crate::error::Result<crate::domain::ImportReport>>
    {
        Box::pin(async move {
            let scale = super::service::impact_scale(ctx).await?;
            let drafts = crate::exchange::import::parse_rows(rows, |values| {
                process_input(values.into_iter()).parse(&scale)
            })?;
            super::service::import(ctx, drafts, how.dry_run, how.upload).await
        })
    }
}

const EXERCISE_FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "exerciseid", "ref", "reference", "no"]),
    f(
        "title",
        "title",
        &["title", "exercise", "name", "test", "testname"],
    ),
    f(
        "kind",
        "kind",
        &["kind", "type", "exercisetype", "testtype", "method"],
    ),
    f(
        "held_on",
        "held on",
        &["heldon", "date", "held", "testdate", "exercisedate", "when"],
    ),
    f(
        "process",
        "process",
        &["process", "processid", "businessprocess"],
    ),
    f("plan", "plan", &["plan", "planid", "continuityplan", "bcp"]),
    f(
        "assets",
        "assets",
        &["assets", "systems", "restoredassets", "itsystems"],
    ),
    f(
        "result",
        "result",
        &["result", "outcome", "status", "passed"],
    ),
    f(
        "achieved_rto",
        "recovery time achieved",
        &[
            "achievedrto",
            "rtoachieved",
            "actualrto",
            "recoverytime",
            "timetorecover",
        ],
    ),
    f(
        "achieved_rpo",
        "data loss achieved",
        &["achievedrpo", "rpoachieved", "actualrpo", "dataloss"],
    ),
    f("scope", "scope", &["scope", "scenario", "description"]),
    f(
        "participants",
        "participants",
        &["participants", "attendees", "people", "team"],
    ),
    f(
        "findings",
        "findings",
        &["findings", "issues", "observations", "lessons", "notes"],
    ),
];

/// Imports the exercises held: one row per exercise. The measures and evidence are what
/// Annex records for them, read past.
pub const EXERCISE_SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: EXERCISE_FIELDS,
    derived: &[&["measures", "measure"], &["evidence"]],
    required: "title",
    what: "the exercises and tests",
    noun: "exercise",
    split_header: false,
};

fn exercise_input(
    values: impl Iterator<Item = (&'static str, String)>,
) -> (Option<String>, super::domain::ExerciseInput) {
    let mut v = super::domain::ExerciseInput::default();
    let mut id = None;
    for (field, value) in values {
        match field {
            "id" if !value.trim().is_empty() => id = Some(value.trim().to_string()),
            "title" => v.title = value,
            "kind" => v.kind = value,
            "held_on" => v.held_on = value,
            "process" => v.process = value,
            "plan" => v.plan = value,
            "assets" => v.assets = value,
            "result" => v.result = value,
            "achieved_rto" => v.achieved_rto = value,
            "achieved_rpo" => v.achieved_rpo = value,
            "scope" => v.scope = value,
            "participants" => v.participants = value,
            "findings" => v.findings = value,
            _ => {}
        }
    }
    (id, v)
}

/// Imports exercises and tests that were held.
pub struct ExerciseImport;

impl crate::exchange::import::Importer for ExerciseImport {
    fn key(&self) -> &'static str {
        "exercises"
    }

    fn title(&self) -> &'static str {
        "Exercises and tests"
    }

    fn path(&self) -> &'static str {
        "continuity/exercises"
    }

    fn hints(&self) -> &'static str {
        "One row per exercise or test that was held, with a title, its kind (tabletop, walkthrough, simulation, restore test, failover), the day it was held and its result (passed, passed with findings, failed). Annex also reads the process (id), the plan (a document id), the assets restored, the recovery time and data loss achieved (3 days, 4h, 15 minutes), scope, participants and findings; each finding written as a line starting with '- ' starts a measure, and each exercise that did not fail files evidence for its controls, as when it is recorded on its page."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &EXERCISE_SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, crate::error::Result<crate::domain::ImportReport>>
    {
        Box::pin(async move {
            let today = ctx.today();
            let drafts = crate::exchange::import::parse_rows(rows, |values| {
                let (id, input) = exercise_input(values.into_iter());
                if let Some(id) = &id
                    && id.chars().count() > 40
                {
                    return Err(crate::error::Error::field("id", "at most 40 characters"));
                }
                Ok((id, input.parse(&today)?))
            })?;
            super::service::import_exercises(ctx, drafts, how.dry_run, how.upload).await
        })
    }
}
