//! Continuity's use cases: processes and their business impact analysis (managers and
//! admins), their plans (documents, versioned and approved as every document is), the
//! recovery requirement each asset inherits from the processes that depend on it and the gap
//! against its last restore test, and exercises (contributors too) that file evidence for
//! 5.29/5.30/8.13/8.14 and start measures from their findings.

use super::domain::{
    Exercise, ExerciseInput, ImpactLevel, Process, ProcessInput, Requirement, requirements,
};
use super::store;
use crate::domain::query::Page;
use crate::domain::user::OWNERS;
use crate::error::{Error, Result};
use crate::registers::evidence::domain::EvidenceDraft;
use crate::service::{Ctx, Expected, check_revision};

/// The organisation's impact scale (the risk matrix's), on which impacts are rated.
#[tracing::instrument(name = "continuity.impact_scale", skip_all, fields(actor = %ctx.who()))]
pub async fn impact_scale(ctx: &Ctx) -> Result<Vec<ImpactLevel>> {
    ctx.require_reader()?;
    let m = crate::registers::risk::service::matrix(ctx).await?;
    Ok(m.impact.iter().map(|l| (l.value, l.name.clone())).collect())
}

#[tracing::instrument(name = "continuity.processes", skip_all, fields(actor = %ctx.who()))]
pub async fn processes(
    ctx: &Ctx,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Process>> {
    ctx.require_reader()?;
    ctx.store()
        .list_processes(q, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every process (exports, the dependency view).
#[tracing::instrument(name = "continuity.all_processes", skip_all, fields(actor = %ctx.who()))]
pub async fn all_processes(ctx: &Ctx) -> Result<Vec<Process>> {
    crate::store::collect_pages(|cursor| async move {
        processes(ctx, None, cursor.as_deref(), 500).await
    })
    .await
}

#[tracing::instrument(name = "continuity.process", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn process(ctx: &Ctx, id: &str) -> Result<Process> {
    ctx.require_reader()?;
    ctx.store().process(id).await
}

/// Checks that the assets named exist, inside the write.
async fn check_assets(tx: &mut crate::store::Tx, ids: &[String]) -> Result<()> {
    let unknown = store::unknown(tx, "asset", "asset_id", ids).await?;
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(Error::field(
            "assets",
            format!("not in the asset register: {}", unknown.join(", ")),
        ))
    }
}

/// Adds a process with its BIA (managers and admins).
#[tracing::instrument(name = "continuity.create_process", skip_all, fields(actor = %ctx.who()))]
pub async fn create_process(ctx: &Ctx, input: &ProcessInput) -> Result<Process> {
    ctx.require_editor()?;
    let d = input.parse(&impact_scale(ctx).await?)?;
    let mut tx = ctx.write().await?;
    check_assets(&mut tx, &d.assets).await?;
    let p = store::insert_process(&mut tx, &d).await?;
    tx.audit(ctx.change("process.create", "process", &p.id).after(&p))
        .await?;
    tx.commit().await?;
    Ok(p)
}

/// Replaces a process's fields and BIA (managers and admins), checking the revision.
#[tracing::instrument(name = "continuity.update_process", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update_process(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ProcessInput,
) -> Result<Process> {
    ctx.require_editor()?;
    let d = input.parse(&impact_scale(ctx).await?)?;
    let mut tx = ctx.write().await?;
    let before = store::lock_process(&mut tx, id).await?;
    check_revision(&mut tx, "process", id, id, before.revision, expected).await?;
    if d.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::field("id", "a process keeps its id"));
    }
    check_assets(&mut tx, &d.assets).await?;
    let after = store::write_process(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("process.update", "process", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Gives a process a plan (managers and admins): an existing document, or a new one started
/// from the continuity plan template, in the same write. Answers the process and the plan's id.
#[tracing::instrument(name = "continuity.add_plan", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn add_plan(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    document: Option<&str>,
) -> Result<(Process, String)> {
    ctx.require_editor()?;
    let current = ctx.store().process(id).await?;
    let prepared = match document.map(str::trim).filter(|d| !d.is_empty()) {
        Some(_) => None,
        None => Some(
            crate::registers::document::service::prepare(
                ctx,
                &crate::registers::document::domain::DocumentInput {
                    title: format!("Continuity plan: {}", current.name),
                    owner: current.owner.clone(),
                    template: "continuity-plan".into(),
                    ..Default::default()
                },
            )
            .await?,
        ),
    };
    let mut tx = ctx.write().await?;
    let before = store::lock_process(&mut tx, id).await?;
    check_revision(&mut tx, "process", id, id, before.revision, expected).await?;
    let plan = match (&prepared, document) {
        (Some(p), _) => {
            crate::registers::document::service::insert_within(ctx, &mut tx, p)
                .await?
                .id
        }
        (None, Some(doc)) => {
            let doc = doc.trim().to_string();
            if !store::unknown(
                &mut tx,
                "document",
                "document_id",
                std::slice::from_ref(&doc),
            )
            .await?
            .is_empty()
            {
                return Err(Error::field("document", format!("no document {doc}")));
            }
            if before.plans.contains(&doc) {
                return Err(Error::Conflict(format!("{doc} is a plan of {id} already")));
            }
            doc
        }
        (None, None) => unreachable!("a plan is a document given or one started"),
    };
    let after = store::link_plan(&mut tx, id, &plan).await?;
    tx.audit(
        ctx.change("process.plan", "process", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok((after, plan))
}

/// Each asset's recovery requirement from the processes depending on it and the gap against
/// its last restore test (all assets processes depend on, or one).
#[tracing::instrument(name = "continuity.requirements", skip_all, fields(actor = %ctx.who()))]
pub async fn asset_requirements(ctx: &Ctx, asset: Option<&str>) -> Result<Vec<Requirement>> {
    ctx.require_reader()?;
    if asset.is_some() {
        let demands = ctx.store().continuity_demands(asset).await?;
        let achieved = ctx.store().continuity_achieved(asset).await?;
        return Ok(requirements(&demands, &achieved));
    }
    // All of them: kept until a process or an exercise changes (on any instance).
    let generation = ctx.store().generation("continuity").await?;
    if let Some(r) = ctx.caches().continuity_requirements.get(&(), generation) {
        return Ok(r.as_ref().clone());
    }
    let demands = ctx.store().continuity_demands(None).await?;
    let achieved = ctx.store().continuity_achieved(None).await?;
    let r = std::sync::Arc::new(requirements(&demands, &achieved));
    ctx.caches()
        .continuity_requirements
        .put((), generation, r.clone());
    Ok(r.as_ref().clone())
}

#[tracing::instrument(name = "continuity.exercises", skip_all, fields(actor = %ctx.who()))]
pub async fn exercises(
    ctx: &Ctx,
    process: Option<&str>,
    asset: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Exercise>> {
    ctx.require_reader()?;
    ctx.store()
        .list_exercises(process, asset, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every exercise (exports).
pub async fn all_exercises(ctx: &Ctx) -> Result<Vec<Exercise>> {
    crate::store::collect_pages(|cursor| async move {
        exercises(ctx, None, None, cursor.as_deref(), 500).await
    })
    .await
}

#[tracing::instrument(name = "continuity.exercise", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn exercise(ctx: &Ctx, id: &str) -> Result<Exercise> {
    ctx.require_reader()?;
    ctx.store().exercise(id).await
}

/// Records an exercise or test that was held (contributors, managers and admins): unless it
/// failed, it files an evidence item for the controls its kind proves (5.29/5.30; 8.13 for a restore test, 8.14
/// for a failover) and starts a measure for each finding written as a `- ` line, all in one
/// write. A restore test's achieved times become what its assets are known to achieve.
#[tracing::instrument(name = "continuity.record_exercise", skip_all, fields(actor = %ctx.who()))]
pub async fn record_exercise(ctx: &Ctx, input: &ExerciseInput) -> Result<Exercise> {
    ctx.require(OWNERS)?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    if let Some((field, message)) = unknown_references(&mut tx, &d).await?.into_iter().next() {
        return Err(Error::field(field, message));
    }
    let e = record_within(ctx, &mut tx, &d).await?;
    tx.commit().await?;
    Ok(e)
}

/// The process, plan and assets an exercise names that Annex does not have, as (field,
/// message), read inside the write.
async fn unknown_references(
    tx: &mut crate::store::Tx,
    d: &super::domain::ExerciseDraft,
) -> Result<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    if let Some(p) = &d.process
        && !store::unknown(tx, "process", "process_id", std::slice::from_ref(p))
            .await?
            .is_empty()
    {
        out.push(("process", format!("no process {p}")));
    }
    if let Some(doc) = &d.plan
        && !store::unknown(tx, "document", "document_id", std::slice::from_ref(doc))
            .await?
            .is_empty()
    {
        out.push(("plan", format!("no document {doc}")));
    }
    let unknown = store::unknown(tx, "asset", "asset_id", &d.assets).await?;
    if !unknown.is_empty() {
        out.push((
            "assets",
            format!("not in the asset register: {}", unknown.join(", ")),
        ));
    }
    Ok(out)
}

/// Records a checked exercise whose references exist, inside a write: its measures, its
/// evidence, its audit entries.
async fn record_within(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    d: &super::domain::ExerciseDraft,
) -> Result<Exercise> {
    let mut owner = ctx.who().to_string();
    if let Some(p) = &d.process {
        let proc = store::lock_process(tx, p).await?;
        if !proc.owner.is_empty() {
            owner = proc.owner;
        }
    }
    let id = store::next_exercise_id(tx).await?;
    let mut measures = Vec::new();
    for m in &d.measures {
        measures.push(
            crate::registers::measure::service::start_within(
                ctx,
                tx,
                m,
                format!("From the findings of exercise {id}: {}", d.title),
                &owner,
                d.kind.controls()[0],
            )
            .await?,
        );
    }
    let achieved = match (d.achieved_rto_minutes, d.achieved_rpo_minutes) {
        (None, None) => String::new(),
        (rto, rpo) => format!(
            " Achieved: {}{}.",
            rto.map(|m| format!("recovery in {}", super::domain::duration_words(m)))
                .unwrap_or_default(),
            rpo.map(|m| format!(
                "{}data lost up to {}",
                if rto.is_some() { ", " } else { "" },
                super::domain::duration_words(m)
            ))
            .unwrap_or_default()
        ),
    };
    let mut draft = EvidenceDraft {
        title: format!("Exercise {id}: {}", d.title),
        description: format!(
            "{} held on {}, {}.{achieved} Scope: {} Participants: {}",
            d.kind.label(),
            d.held_on,
            d.result.label(),
            if d.scope.is_empty() { "—" } else { &d.scope },
            if d.participants.is_empty() {
                "—"
            } else {
                &d.participants
            },
        ),
        url: format!("/continuity/exercises/{id}"),
        collected_at: d.held_on.clone(),
        valid_until: crate::domain::input::days_after(&d.held_on, 365),
        collected_by: ctx.who().to_string(),
        controls: d.kind.controls().iter().map(|c| c.to_string()).collect(),
        measures: measures.clone(),
        risks: Vec::new(),
    };
    // A failed exercise proves nothing works: its findings start measures, it files no
    // evidence.
    let evidence = if d.result == super::domain::ExerciseResult::Failed {
        None
    } else {
        ctx.store().check_evidence_links(tx, &mut draft).await?;
        let evidence = ctx
            .store()
            .insert_evidence(tx, ctx.who(), &draft, None)
            .await?;
        tx.audit(
            ctx.change("evidence.create", "evidence", &evidence.id)
                .after(&evidence),
        )
        .await?;
        Some(evidence.id)
    };
    let e = store::insert_exercise(tx, &id, d, &measures, evidence.as_deref(), ctx.who()).await?;
    tx.audit(ctx.change("exercise.record", "exercise", &e.id).after(&e))
        .await?;
    Ok(e)
}

/// Imports exercises that were held (managers and admins), all rows or none in one
/// transaction: each new row is recorded as `record_exercise` records one — its evidence
/// filed, its findings' measures started. A row whose id is a recorded exercise must say
/// what it says (an export imports back unchanged): an exercise is a record of what
/// happened, not changed afterwards. A dry run checks everything and writes nothing.
#[tracing::instrument(name = "continuity.import_exercises", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import_exercises(
    ctx: &Ctx,
    rows: Vec<(usize, (Option<String>, super::domain::ExerciseDraft))>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    crate::store::check_unique_ids(rows.iter().map(|(r, (id, _))| (*r, id.as_deref())))?;
    let today = ctx.today();
    let mut tx = ctx.store().import_tx(dry_run).await?;
    let mut problems = Vec::new();
    let mut recorded = Vec::with_capacity(rows.len());
    for (row, (id, d)) in &rows {
        let before = match id {
            Some(id) => store::read_exercise_in(&mut tx, id).await?,
            None => None,
        };
        match &before {
            Some(b) => {
                let same = ExerciseInput::from(b)
                    .parse(&today)
                    .is_ok_and(|old| old == *d);
                if !same {
                    problems.push(crate::error::FieldError::new(
                        format!("row {row}, id"),
                        format!(
                            "{} is recorded as held and is not changed by an import: leave the id empty to record another exercise",
                            b.id
                        ),
                    ));
                }
            }
            None => {
                for (field, message) in unknown_references(&mut tx, d).await? {
                    problems.push(crate::error::FieldError::new(
                        format!("row {row}, {field}"),
                        message,
                    ));
                }
            }
        }
        recorded.push(before.map(|b| b.id));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut report = crate::domain::ImportReport::default();
    for ((_, (_, d)), before) in rows.iter().zip(recorded) {
        match before {
            Some(id) => report.unchanged.push(id),
            None if dry_run => report.created.push(format!("a new exercise: {}", d.title)),
            None => report
                .created
                .push(record_within(ctx, &mut tx, d).await?.id),
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}

/// Imports processes with their BIA (managers and admins), all or none in one transaction: a
/// row whose id exists updates that process (unchanged when it says the same), the others are
/// added; assets must exist. A dry run checks everything and writes nothing.
#[tracing::instrument(name = "continuity.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<(usize, super::domain::ProcessDraft)>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    crate::store::check_unique_ids(rows.iter().map(|(r, d)| (*r, d.id.as_deref())))?;
    let scale = impact_scale(ctx).await?;
    let mut tx = ctx.store().import_tx(dry_run).await?;
    let mut problems = Vec::new();
    for (row, d) in &rows {
        let unknown = store::unknown(&mut tx, "asset", "asset_id", &d.assets).await?;
        if !unknown.is_empty() {
            problems.push(crate::error::FieldError::new(
                format!("row {row}, assets"),
                format!("not in the asset register: {}", unknown.join(", ")),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut report = crate::domain::ImportReport::default();
    for (_, d) in &rows {
        let before = match &d.id {
            Some(id) => store::read_process_in(&mut tx, id).await?,
            None => None,
        };
        match before {
            Some(b) => {
                let same = ProcessInput::from(&b)
                    .parse(&scale)
                    .is_ok_and(|old| old == *d);
                if same {
                    report.unchanged.push(b.id);
                    continue;
                }
                report.updated.push(b.id.clone());
                if !dry_run {
                    let after = store::write_process(&mut tx, &b.id, d, true).await?;
                    tx.audit(
                        ctx.change("process.update", "process", &b.id)
                            .before(&b)
                            .after(&after),
                    )
                    .await?;
                }
            }
            None if dry_run => report
                .created
                .push(d.id.clone().unwrap_or_else(|| "a new process".into())),
            None => {
                let p = store::insert_process(&mut tx, d).await?;
                tx.audit(ctx.change("process.create", "process", &p.id).after(&p))
                    .await?;
                report.created.push(p.id);
            }
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}
