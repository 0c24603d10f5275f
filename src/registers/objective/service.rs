//! Objectives' and indicators' use cases: managers and admins keep them; an indicator's owner
//! (and managers) record its measurements; everyone signed in reads them. Computed indicators
//! are measured from the registers on demand and by the scheduled snapshot, once per period.

use super::domain::{
    Kpi, KpiDraft, KpiInput, Measurement, MeasurementInput, Metric, MetricFacts, Objective,
    ObjectiveInput, period_start,
};
use super::store;
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision};

#[tracing::instrument(name = "objective.all", skip_all, fields(actor = %ctx.who()))]
pub async fn objectives(ctx: &Ctx) -> Result<Vec<Objective>> {
    ctx.require_reader()?;
    ctx.store().objectives().await
}

#[tracing::instrument(name = "objective.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn objective(ctx: &Ctx, id: &str) -> Result<Objective> {
    ctx.require_reader()?;
    ctx.store().objective(id).await
}

/// Adds an objective (managers and admins).
#[tracing::instrument(name = "objective.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create_objective(ctx: &Ctx, input: &ObjectiveInput) -> Result<Objective> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let x = store::insert_objective(&mut tx, &d).await?;
    tx.audit(ctx.change("objective.create", "objective", &x.id).after(&x))
        .await?;
    tell_owner(ctx, &mut tx, &x, None).await?;
    tx.commit().await?;
    Ok(x)
}

/// Replaces an objective (managers and admins), checking the revision.
#[tracing::instrument(name = "objective.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update_objective(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ObjectiveInput,
) -> Result<Objective> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = store::lock_objective(&mut tx, id).await?;
    check_revision(&mut tx, "objective", id, id, before.revision, expected).await?;
    if d.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::field("id", "an objective keeps its id"));
    }
    let after = store::write_objective(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("objective.update", "objective", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tell_owner(ctx, &mut tx, &after, Some(&before.owner)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Tells an open objective's new owner it is theirs to reach, in the write that made it so.
async fn tell_owner(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    x: &Objective,
    before_owner: Option<&str>,
) -> Result<()> {
    if x.status != super::domain::ObjectiveStatus::Open {
        return Ok(());
    }
    let task = crate::registers::task::domain::Task::of_record(
        crate::registers::task::domain::TaskKind::Objective,
        &x.id,
        &x.title,
        &x.owner,
        x.due_on.clone(),
    );
    crate::registers::notify::service_outbox::record_assigned_within(
        ctx,
        tx,
        &task,
        before_owner,
        x.revision,
    )
    .await
}

#[tracing::instrument(name = "kpi.all", skip_all, fields(actor = %ctx.who()))]
pub async fn kpis(ctx: &Ctx, objective: Option<&str>) -> Result<Vec<Kpi>> {
    ctx.require_reader()?;
    ctx.store().kpis(objective).await
}

#[tracing::instrument(name = "kpi.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn kpi(ctx: &Ctx, id: &str) -> Result<Kpi> {
    ctx.require_reader()?;
    ctx.store().kpi(id).await
}

/// An indicator's measurements, oldest first (the newest `limit`).
#[tracing::instrument(name = "kpi.measurements", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn measurements(ctx: &Ctx, id: &str, limit: i64) -> Result<Vec<Measurement>> {
    ctx.require_reader()?;
    ctx.store().kpi(id).await?;
    ctx.store().measurements(id, limit).await
}

async fn check_objective(tx: &mut crate::store::Tx, d: &KpiDraft) -> Result<()> {
    if let Some(o) = &d.objective
        && store::objective_in(tx, o).await?.is_none()
    {
        return Err(Error::field(
            "objective",
            format!("{o} is not in the objectives"),
        ));
    }
    Ok(())
}

/// Adds an indicator (managers and admins); a computed one is measured at once.
#[tracing::instrument(name = "kpi.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create_kpi(ctx: &Ctx, input: &KpiInput) -> Result<Kpi> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let value = computed(ctx, d.metric).await?;
    let mut tx = ctx.write().await?;
    check_objective(&mut tx, &d).await?;
    let x = store::insert_kpi(&mut tx, &d).await?;
    tx.audit(ctx.change("kpi.create", "kpi", &x.id).after(&x))
        .await?;
    if let Some(v) = value {
        write_value(ctx, &mut tx, &x, v, "", true).await?;
    }
    let x = store::lock_kpi(&mut tx, &x.id).await?;
    tx.commit().await?;
    Ok(x)
}

/// Replaces an indicator (managers and admins), checking the revision.
#[tracing::instrument(name = "kpi.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update_kpi(ctx: &Ctx, id: &str, expected: Expected, input: &KpiInput) -> Result<Kpi> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = store::lock_kpi(&mut tx, id).await?;
    check_revision(&mut tx, "kpi", id, id, before.revision, expected).await?;
    if d.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::field("id", "an indicator keeps its id"));
    }
    check_objective(&mut tx, &d).await?;
    let after = store::write_kpi(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("kpi.update", "kpi", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Whether the actor may record an indicator's measurements: managers and admins, and the
/// contributor who owns it.
pub fn may_record(ctx: &Ctx, k: &Kpi) -> bool {
    ctx.actor.is_editor()
        || (ctx.actor.has(crate::domain::user::OWNERS)
            && !k.owner.is_empty()
            && k.owner.eq_ignore_ascii_case(&ctx.actor.name))
}

async fn write_value(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    k: &Kpi,
    value: f64,
    note: &str,
    replace: bool,
) -> Result<Option<Measurement>> {
    let period = period_start(&ctx.today(), k.frequency);
    write_measurement(ctx, tx, k, period, value, note, replace).await
}

async fn write_measurement(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    k: &Kpi,
    period: String,
    value: f64,
    note: &str,
    replace: bool,
) -> Result<Option<Measurement>> {
    let before = store::measurement_in(tx, &k.id, &period).await?;
    if before.is_some() && !replace {
        return Ok(None);
    }
    let m = Measurement {
        period,
        value,
        note: note.to_string(),
        recorded_by: ctx.who().to_string(),
        recorded_at: tx.now().to_string(),
    };
    if !store::put_measurement(tx, &k.id, &m, replace).await? {
        // Another instance measured the period first.
        return Ok(None);
    }
    let mut change = ctx.change(
        "kpi.measure",
        "kpi_measurement",
        &format!("{}:{}", k.id, m.period),
    );
    if let Some(b) = &before {
        change = change.before(b);
    }
    tx.audit(change.after(&m)).await?;
    Ok(Some(m))
}

/// Records a measurement of an indicator measured by hand (its owner, managers and admins); a
/// second one for the same period replaces the first, audited with both.
#[tracing::instrument(name = "kpi.record", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn record(ctx: &Ctx, id: &str, input: &MeasurementInput) -> Result<Measurement> {
    ctx.require(crate::domain::user::OWNERS)?;
    let mut tx = ctx.write().await?;
    let k = store::lock_kpi(&mut tx, id).await?;
    if !may_record(ctx, &k) {
        return Err(Error::Forbidden);
    }
    if k.metric != Metric::Manual {
        return Err(Error::Conflict(format!(
            "{id} is computed by Annex ({}): measure it now instead of typing a value",
            k.metric.label()
        )));
    }
    let (period, value, note) = input.parse(k.frequency, &k.unit, &ctx.today())?;
    let m = write_measurement(ctx, &mut tx, &k, period, value, &note, true)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("a measurement was not written")))?;
    tx.commit().await?;
    Ok(m)
}

/// The value of a computed metric now (none for one measured by hand or with nothing to
/// measure).
async fn computed(ctx: &Ctx, m: Metric) -> Result<Option<f64>> {
    if m == Metric::Manual {
        return Ok(None);
    }
    Ok(metric_facts(ctx).await?.value(m))
}

/// Measures a computed indicator now for the current period (its owner, managers and
/// admins), replacing what the period held.
#[tracing::instrument(name = "kpi.snapshot", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn snapshot(ctx: &Ctx, id: &str) -> Result<Measurement> {
    ctx.require(crate::domain::user::OWNERS)?;
    let k = ctx.store().kpi(id).await?;
    if !may_record(ctx, &k) {
        return Err(Error::Forbidden);
    }
    if k.metric == Metric::Manual {
        return Err(Error::Conflict(format!(
            "{id} is measured by hand: record its value"
        )));
    }
    let Some(v) = computed(ctx, k.metric).await? else {
        return Err(Error::Conflict(format!(
            "there is nothing to measure for {} yet",
            k.metric.label()
        )));
    };
    let mut tx = ctx.write().await?;
    let k = store::lock_kpi(&mut tx, id).await?;
    let m = write_value(ctx, &mut tx, &k, v, "", true)
        .await?
        .ok_or_else(|| Error::Internal(anyhow::anyhow!("a measurement was not written")))?;
    tx.commit().await?;
    Ok(m)
}

/// Measures every computed indicator that has no measurement for its current period yet
/// (the scheduled snapshot; managers, admins and the system): each period is measured once,
/// however many instances run it. Answers the indicators measured.
#[tracing::instrument(name = "kpi.snapshot_due", skip_all, fields(actor = %ctx.who()))]
pub async fn snapshot_due(ctx: &Ctx) -> Result<Vec<String>> {
    ctx.require_editor()?;
    let today = ctx.today();
    let due: Vec<Kpi> = ctx
        .store()
        .kpis(None)
        .await?
        .into_iter()
        .filter(|k| {
            k.metric != Metric::Manual
                && k.latest
                    .as_ref()
                    .is_none_or(|m| m.period < period_start(&today, k.frequency))
        })
        .collect();
    if due.is_empty() {
        return Ok(Vec::new());
    }
    let facts = metric_facts(ctx).await?;
    let mut tx = ctx.write().await?;
    let mut done = Vec::new();
    for k in due {
        if let Some(v) = facts.value(k.metric)
            && write_value(ctx, &mut tx, &k, v, "", false).await?.is_some()
        {
            done.push(k.id);
        }
    }
    tx.commit().await?;
    Ok(done)
}

/// Every computed metric with its value now.
#[tracing::instrument(name = "kpi.metrics", skip_all, fields(actor = %ctx.who()))]
pub async fn metrics_now(ctx: &Ctx) -> Result<Vec<(Metric, Option<f64>)>> {
    ctx.require_reader()?;
    let f = metric_facts(ctx).await?;
    Ok(Metric::ALL
        .iter()
        .filter(|m| **m != Metric::Manual)
        .map(|m| (*m, f.value(*m)))
        .collect())
}

/// The numbers the computed metrics are read from, gathered from the registers.
pub async fn metric_facts(ctx: &Ctx) -> Result<MetricFacts> {
    use crate::registers::readiness::service_facts as facts;
    let rows = crate::registers::soa::service::rows(ctx, crate::domain::catalog::DEFAULT_FRAMEWORK)
        .await?;
    let applicable: Vec<_> = rows
        .iter()
        .filter(|r| r.applicability.applicable == Some(true))
        .collect();
    let risks = facts::risk_facts(ctx).await?;
    let (documents, people) = facts::document_and_people_facts(ctx).await?;
    let matrix = ctx.store().risk_matrix().await?;
    let above: i64 = ctx
        .store()
        .open_risks_by_level()
        .await?
        .into_iter()
        .filter(|(level, _)| !matrix.acceptable(level))
        .map(|(_, n)| n)
        .sum();
    let suppliers = crate::registers::supplier::service::attention(ctx).await?;
    let active = ctx
        .store()
        .list_suppliers(
            &crate::registers::supplier::domain::SupplierFilter {
                status: Some(crate::registers::supplier::domain::SupplierStatus::Active),
                ..Default::default()
            },
            None,
            1,
        )
        .await?
        .total;
    let obligations = crate::registers::obligation::service::attention(ctx).await?;
    let incidents = crate::registers::incident::service::metrics(ctx).await?;
    let hosts = crate::registers::hosts::service::hosts(ctx).await?;
    Ok(MetricFacts {
        applicable: applicable.len() as i64,
        implemented: applicable
            .iter()
            .filter(|r| {
                r.applicability.status == crate::registers::soa::domain::Status::Implemented
            })
            .count() as i64,
        evidenced: applicable
            .iter()
            .filter(|r| r.evidence_state.proves())
            .count() as i64,
        measures_overdue: risks.measures_overdue,
        risks_open: risks.open,
        risks_stale: risks.stale,
        risks_above_threshold: above,
        acceptances_lapsed: risks.acceptance_lapsed,
        training: people
            .campaigns
            .iter()
            .fold((0, 0), |(a, c), x| (a + x.1, c + x.2)),
        policy_ack: people.policy_ack.map(|(_, asked, done, _)| (asked, done)),
        suppliers: (active, suppliers.review_due.0),
        incident_close_hours: incidents.median_close_hours,
        host_checks: hosts
            .iter()
            .fold((0, 0), |(p, f), h| (p + h.last_pass, f + h.last_fail)),
        obligations: (
            obligations.applicable,
            obligations.applicable - obligations.not_met.0 - obligations.not_assessed.0,
        ),
        documents_review_due: documents.review_due,
        findings_open: crate::registers::internal_audit::service::open_findings_by_kind(ctx)
            .await?
            .iter()
            .map(|(_, n)| n)
            .sum(),
        actions_overdue: crate::registers::improvement::service::counts(ctx).await?.2,
    })
}

/// Imports measurements (managers and admins): each row names an indicator and a day of the
/// period it measures; all rows or none; a row for a period already measured replaces its
/// value (unchanged when the same), so an export imports back unchanged.
#[tracing::instrument(name = "kpi.import", skip_all, fields(actor = %ctx.who()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    use crate::error::FieldError;
    ctx.require_editor()?;
    let today = ctx.today();
    let mut tx = ctx.store().import_tx(dry_run).await?;
    let mut problems = Vec::new();
    let mut targets: Vec<(Kpi, String, f64, String)> = Vec::with_capacity(rows.len());
    let mut seen: std::collections::HashMap<(String, String), usize> = Default::default();
    for (row, values) in &rows {
        let get = |k: &str| {
            values
                .iter()
                .find(|(f, _)| *f == k)
                .map(|(_, v)| v.trim().to_string())
                .unwrap_or_default()
        };
        let id = get("kpi");
        if id.is_empty() {
            problems.push(FieldError::new(
                format!("row {row}, kpi"),
                "name the indicator by its id (KPI-0001)",
            ));
            continue;
        }
        let Some(k) = store::kpi_in(&mut tx, &id).await? else {
            problems.push(FieldError::new(
                format!("row {row}, kpi"),
                format!("{id} is not an indicator of Annex"),
            ));
            continue;
        };
        let input = MeasurementInput {
            period: get("period"),
            value: get("value"),
            note: get("note"),
        };
        match input.parse(k.frequency, &k.unit, &today) {
            Ok((period, value, note)) => {
                if let Some(first) = seen.insert((k.id.clone(), period.clone()), *row) {
                    problems.push(FieldError::new(
                        format!("row {row}, period"),
                        format!("row {first} measures {} for the same period", k.id),
                    ));
                }
                targets.push((k, period, value, note));
            }
            Err(Error::Validation(fields)) => problems.extend(
                fields
                    .into_iter()
                    .map(|f| FieldError::new(format!("row {row}, {}", f.field), f.message)),
            ),
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut report = crate::domain::ImportReport::default();
    for (k, period, value, note) in targets {
        let key = format!("{}:{period}", k.id);
        match store::measurement_in(&mut tx, &k.id, &period).await? {
            Some(m) if m.value == value && m.note == note => {
                report.unchanged.push(key);
                continue;
            }
            Some(_) => report.updated.push(key),
            None => report.created.push(key),
        }
        if !dry_run {
            write_measurement(ctx, &mut tx, &k, period, value, &note, true).await?;
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}

/// Every indicator with its measurements (the newest `limit` each), for an export.
#[tracing::instrument(name = "kpi.history", skip_all, fields(actor = %ctx.who()))]
pub async fn history(ctx: &Ctx, limit: i64) -> Result<Vec<(Kpi, Vec<Measurement>)>> {
    ctx.require_reader()?;
    let mut out = Vec::new();
    for k in ctx.store().kpis(None).await? {
        let ms = ctx.store().measurements(&k.id, limit).await?;
        out.push((k, ms));
    }
    Ok(out)
}
