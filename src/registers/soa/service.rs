//! The Statement of Applicability's use cases: the SoA's rows (every control with its
//! decision and what is derived about it, kept until the registers behind them change), one
//! control's row, deciding a control (managers and admins; a contributor the controls they
//! own) with the writer's revision checked in the write, approving the SoA as a frozen
//! version, the versions and the comparison of two.

use super::domain::{
    Applicability, ApplicabilityInput, BULK_MAX, BulkDecision, MeasuresByControl, SoaRisks, SoaRow,
    assemble,
};
use super::domain_version::{RowChange, Snapshot, SoaVersion, diff};
use super::store;
use crate::domain::user::{EDITORS, OWNERS};
use crate::error::{Error, Result};
use crate::service::{Actor, Ctx, Expected, check_revision};

/// Managers and admins decide every control; a contributor the controls they own.
pub fn may_edit(actor: &Actor, owner: &str) -> bool {
    actor.may_edit_owned(owner)
}

/// Every control of a framework, in catalogue order, with its decision and what is derived
/// about it (a few queries whatever the size of the catalogue; each kept until the register
/// it comes from changes).
#[tracing::instrument(name = "soa.rows", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn rows(ctx: &Ctx, framework: &str) -> Result<Vec<SoaRow>> {
    ctx.require_reader()?;
    let catalog = ctx.store().catalog(framework).await?;
    let decisions = ctx.store().soa_decisions(framework).await?;
    let by_control = measures(ctx, framework).await?;
    let risks = risks(ctx, framework).await?;
    let evidence = crate::registers::evidence::service::summaries(ctx, framework).await?;
    let mut rows = assemble(
        framework,
        &catalog.controls,
        decisions,
        &by_control,
        &risks,
        &evidence,
        &ctx.today(),
    );
    with_obligations(
        &mut rows,
        &crate::registers::obligation::service::of_controls(ctx, framework).await?,
    );
    Ok(rows)
}

/// Gives each row its applicable obligations, the reasons for inclusion they derive, and the
/// warning on a legal or contractual reason no obligation stands behind.
fn with_obligations(
    rows: &mut [SoaRow],
    of: &crate::registers::obligation::service::ControlObligations,
) {
    use super::domain::{DerivedReason, ObligationLine};
    use crate::registers::obligation::domain::{Linked, ObligationKind, derived_reasons, unbacked};
    for row in rows.iter_mut() {
        let found = of.get(&row.control.id).map(Vec::as_slice).unwrap_or(&[]);
        let linked: Vec<Linked> = found
            .iter()
            .map(|(_, title, kind)| Linked {
                title: title.clone(),
                kind: ObligationKind::parse(kind).unwrap_or(ObligationKind::Legal),
                applicable: true,
            })
            .collect();
        let lines = found
            .iter()
            .zip(&linked)
            .map(|((id, title, _), l)| ObligationLine {
                id: id.clone(),
                title: title.clone(),
                reason: l.kind.reason(),
            })
            .collect();
        let derived = derived_reasons(&linked)
            .into_iter()
            .map(|(reason, obligations)| DerivedReason {
                reason,
                obligations,
            })
            .collect();
        let unbacked = !unbacked(&row.applicability.reasons, &linked).is_empty();
        row.with_obligations(lines, derived, unbacked);
    }
}

/// The measures that implement each control, kept until the measure register changes.
async fn measures(ctx: &Ctx, framework: &str) -> Result<MeasuresByControl> {
    let generation = ctx.store().generation("measure").await?;
    let key = framework.to_string();
    if let Some(v) = ctx.caches().soa_measures.get(&key, generation) {
        return Ok(v);
    }
    let v = std::sync::Arc::new(ctx.store().soa_measures(framework).await?);
    ctx.caches().soa_measures.put(key, generation, v.clone());
    Ok(v)
}

/// The open risks per control, kept until the risk or the measure register changes.
async fn risks(ctx: &Ctx, framework: &str) -> Result<SoaRisks> {
    let [measure, generation] = ctx.store().generations(["measure", "risk"]).await?;
    let key = (framework.to_string(), measure);
    if let Some(v) = ctx.caches().soa_risks.get(&key, generation) {
        return Ok(v);
    }
    let v = ctx.store().soa_risks(framework).await?;
    ctx.caches().soa_risks.put(key, generation, v.clone());
    Ok(v)
}

/// One control's row.
#[tracing::instrument(name = "soa.row", skip_all, fields(actor = %ctx.who(), framework = %framework, id = %id))]
pub async fn row(ctx: &Ctx, framework: &str, id: &str) -> Result<SoaRow> {
    ctx.require_reader()?;
    let catalog = ctx.store().catalog(framework).await?;
    let id = catalog.control(id)?.id.clone();
    rows(ctx, framework)
        .await?
        .into_iter()
        .find(|r| r.control.id == id)
        .ok_or_else(|| Error::NotFound(format!("control {id} in {framework}")))
}

/// Records the decision about a control, audited with the values before and after. A
/// decision that changes nothing writes nothing; a writer who saw an older revision (0: the
/// control was undecided) is refused with who changed what since.
#[tracing::instrument(name = "soa.decide", skip_all, fields(actor = %ctx.who(), framework = %framework, id = %id))]
pub async fn decide(
    ctx: &Ctx,
    framework: &str,
    id: &str,
    expected: Expected,
    input: &ApplicabilityInput,
) -> Result<SoaRow> {
    ctx.require(OWNERS)?;
    let catalog = ctx.store().catalog(framework).await?;
    let id = catalog.control(id)?.id.clone();
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = store::lock_decision(&mut tx, framework, &id).await?;
    let owner = before
        .as_ref()
        .map(|b| b.owner.as_str())
        .unwrap_or_default();
    if !may_edit(&ctx.actor, owner) {
        return Err(Error::Forbidden);
    }
    let object = format!("{framework}:{id}");
    let stored = before.as_ref().map(|b| b.revision).unwrap_or(0);
    check_revision(&mut tx, "soa", &object, &object, stored, expected).await?;
    if let Some(after) = change_of(before.as_ref(), d.applied(framework, &id)) {
        write_audited(ctx, &mut tx, "soa.update", &object, &before, &after).await?;
        tx.commit().await?;
    } else {
        drop(tx);
    }
    row(ctx, framework, &id).await
}

/// Decides several controls at once (managers and admins): the bulk decision's fields over
/// each control's own decision, every control checked as if decided alone, its revision
/// checked when given, all in one write: every problem of every control is named
/// (`controls[8.13].justification`) and nothing is written, or all are, each with its audit
/// entry. Answers the controls that changed.
#[tracing::instrument(name = "soa.decide_many", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn decide_many(ctx: &Ctx, framework: &str, bulk: &BulkDecision) -> Result<Vec<String>> {
    ctx.require(EDITORS)?;
    if bulk.controls.is_empty() {
        return Err(Error::field("controls", "select at least one control"));
    }
    if bulk.controls.len() > BULK_MAX {
        return Err(Error::field(
            "controls",
            format!("decide at most {BULK_MAX} controls at once"),
        ));
    }
    if !bulk.changes_something() {
        return Err(Error::field(
            "applicable",
            "choose what to change: applicability, reasons, owner, status …",
        ));
    }
    if let Some(a) = &bulk.applicable
        && !matches!(super::domain::parse_yes_no(a), Ok(Some(_)))
    {
        return Err(Error::field(
            "applicable",
            format!("'{}' is not yes or no", a.trim()),
        ));
    }
    let catalog = ctx.store().catalog(framework).await?;
    let mut ids: Vec<String> = Vec::new();
    let mut problems: Vec<crate::error::FieldError> = Vec::new();
    for raw in &bulk.controls {
        match catalog.control(raw) {
            Ok(c) if !ids.contains(&c.id) => ids.push(c.id.clone()),
            Ok(_) => {}
            Err(_) => problems.push(crate::error::FieldError::new(
                "controls",
                format!(
                    "'{}' is not a control of {}",
                    raw.trim(),
                    catalog.framework.name
                ),
            )),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut tx = ctx.write().await?;
    let mut writes = Vec::new();
    for id in &ids {
        let before = store::lock_decision(&mut tx, framework, id).await?;
        let object = format!("{framework}:{id}");
        let stored = before.as_ref().map(|b| b.revision).unwrap_or(0);
        let expected = bulk
            .revisions
            .iter()
            .find(|(k, _)| catalog.control(k).is_ok_and(|c| c.id == *id))
            .map(|(_, v)| *v);
        check_revision(&mut tx, "soa", &object, &object, stored, expected).await?;
        let current = before
            .clone()
            .unwrap_or_else(|| Applicability::undecided(framework, id));
        match bulk.over(&current).parse() {
            Ok(d) => {
                if let Some(after) = change_of(before.as_ref(), d.applied(framework, id)) {
                    writes.push((object, before, after));
                }
            }
            Err(Error::Validation(fields)) => {
                problems.extend(fields.into_iter().map(|f| {
                    crate::error::FieldError::new(
                        format!("controls[{id}].{}", f.field),
                        format!("{id}: {}", f.message),
                    )
                }));
            }
            Err(e) => return Err(e),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut changed = Vec::new();
    for (object, before, after) in writes {
        write_audited(ctx, &mut tx, "soa.update", &object, &before, &after).await?;
        changed.push(after.control_id);
    }
    if !changed.is_empty() {
        tx.commit().await?;
    }
    Ok(changed)
}

/// Imports decisions about 2022 controls (managers and admins): every row checked against the
/// catalogue — problems named "row 7, status" and then nothing is written — and then, in one
/// transaction, each control's decision replaced by the file's, audited as `soa.import` with
/// the values before and after. A row that holds what is stored already writes nothing;
/// controls the file leaves out stay as they are. A dry run reports without writing.
#[tracing::instrument(name = "soa.import", skip_all, fields(actor = %ctx.who(), framework = %framework, rows = rows.len()))]
pub async fn import(
    ctx: &Ctx,
    framework: &str,
    rows: Vec<(usize, super::domain_import::RowInput)>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require(EDITORS)?;
    let catalog = ctx.store().catalog(framework).await?;
    let resolve = super::domain_import::resolver(&catalog);
    let mut problems: Vec<crate::error::FieldError> = Vec::new();
    let mut decisions = Vec::new();
    let mut first_row: std::collections::HashMap<String, usize> = Default::default();
    for (n, input) in &rows {
        match input.parse(&resolve) {
            Ok(Some((id, draft))) => {
                if let Some(first) = first_row.get(&id) {
                    problems.push(crate::error::FieldError::new(
                        format!("row {n}, control"),
                        format!("{id} is already on row {first}"),
                    ));
                } else {
                    first_row.insert(id.clone(), *n);
                    decisions.push((id, draft));
                }
            }
            Ok(None) => {}
            Err(e) => problems.extend(e.fields().iter().map(|f| {
                crate::error::FieldError::new(format!("row {n}, {}", f.field), &f.message)
            })),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    if decisions.is_empty() {
        return Err(Error::field(
            "file",
            format!("no row names a control of {}", catalog.framework.name),
        ));
    }
    // Catalogue order, so that the report and the trail read like the SoA.
    let order: std::collections::HashMap<&str, usize> = catalog
        .controls
        .iter()
        .enumerate()
        .map(|(i, c)| (c.id.as_str(), i))
        .collect();
    decisions.sort_by_key(|(id, _)| order.get(id.as_str()).copied().unwrap_or(usize::MAX));
    let mut report = crate::domain::ImportReport::default();
    let mut tx = ctx.store().import_tx(dry_run).await?;
    for (id, draft) in decisions {
        let before = store::lock_decision(&mut tx, framework, &id).await?;
        // A control never decided reads as undecided: a row that leaves it so changes nothing.
        let current = before
            .clone()
            .unwrap_or_else(|| Applicability::undecided(framework, &id));
        match change_of(Some(&current), draft.applied(framework, &id)) {
            None => report.unchanged.push(id),
            Some(after) => {
                let object = format!("{framework}:{id}");
                if !dry_run {
                    write_audited(ctx, &mut tx, "soa.import", &object, &before, &after).await?;
                }
                if before.as_ref().is_some_and(|b| b.applicable.is_some()) {
                    report.updated.push(id);
                } else {
                    report.created.push(id);
                }
            }
        }
    }
    if dry_run {
        return Ok(report);
    }
    crate::registers::imports::service::commit(ctx, tx, upload).await?;
    Ok(report)
}

/// The decision to write, or none when it holds what is stored already (its time and
/// revision aside).
fn change_of(before: Option<&Applicability>, mut after: Applicability) -> Option<Applicability> {
    let unchanged = before.is_some_and(|b| {
        after.updated_at = b.updated_at.clone();
        after.revision = b.revision;
        after == *b
    });
    (!unchanged).then_some(after)
}

/// Writes a decision and its audit entry (`soa.update`, `soa.import`: before and after) in
/// the write.
async fn write_audited(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    action: &str,
    object: &str,
    before: &Option<Applicability>,
    after: &Applicability,
) -> Result<()> {
    let after = store::write_decision(tx, after).await?;
    tx.audit(
        ctx.change(action, "soa", object)
            .before(before)
            .after(&after),
    )
    .await
}

/// The live SoA with its header, as a version would freeze it.
#[tracing::instrument(name = "soa.snapshot", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn snapshot(ctx: &Ctx, framework: &str) -> Result<Snapshot> {
    ctx.require_reader()?;
    Ok(Snapshot {
        organisation: ctx.store().organisation_name().await?.unwrap_or_default(),
        scope: ctx.store().isms_scope().await?,
        rows: rows(ctx, framework).await?,
    })
}

/// Approves the SoA as it is now (managers and admins, confirming management's approval):
/// stores it as the next version with its SHA-256, audited.
#[tracing::instrument(name = "soa.approve", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn approve(ctx: &Ctx, framework: &str, note: &str) -> Result<SoaVersion> {
    ctx.require(EDITORS)?;
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "at most 2000 characters"));
    }
    let snapshot = snapshot(ctx, framework).await?;
    let text = serde_json::to_string(&snapshot)
        .map_err(|e| Error::Internal(anyhow::anyhow!("writing the SoA snapshot: {e}")))?;
    let mut tx = ctx.write().await?;
    let postgres = ctx.backend() == crate::config::Backend::Postgres;
    let v =
        super::store_version::insert_version(&mut tx, postgres, framework, ctx.who(), note, &text)
            .await?;
    tx.audit(
        ctx.change(
            "soa.approve",
            "soa_version",
            &format!("{framework}:{}", v.version),
        )
        .after(&v),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}

/// Every approved version of a framework's SoA, newest first, each checked against its hash
/// and the hash its approval recorded in the audit trail.
#[tracing::instrument(name = "soa.versions", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn versions(ctx: &Ctx, framework: &str) -> Result<Vec<SoaVersion>> {
    ctx.require_reader()?;
    let mut list = ctx.store().soa_versions(framework).await?;
    let mut approved = approvals(ctx, framework, None).await?;
    for v in &mut list {
        v.check_approval(approved.remove(&v.version));
    }
    Ok(list)
}

/// One approved version with its rows as they were, checked against its hash and the hash
/// its approval recorded (`intact` and `problem` say what was found).
#[tracing::instrument(name = "soa.version", skip_all, fields(actor = %ctx.who(), framework = %framework, version = %version))]
pub async fn version(ctx: &Ctx, framework: &str, version: i64) -> Result<(SoaVersion, Snapshot)> {
    ctx.require_reader()?;
    let (mut v, snapshot) = ctx.store().soa_version(framework, version).await?;
    v.check_approval(
        approvals(ctx, framework, Some(version))
            .await?
            .remove(&version),
    );
    Ok((v, snapshot))
}

/// An approved version to show or export as what was approved: refused, saying why, when it
/// no longer matches its approval.
#[tracing::instrument(name = "soa.approved", skip_all, fields(actor = %ctx.who(), framework = %framework, version = %n))]
pub async fn approved(ctx: &Ctx, framework: &str, n: i64) -> Result<(SoaVersion, Snapshot)> {
    let (v, snapshot) = version(ctx, framework, n).await?;
    match &v.problem {
        None => Ok((v, snapshot)),
        Some(problem) => Err(Error::Conflict(format!(
            "Version {n} of the Statement of Applicability no longer matches what was approved, so Annex will not show or export it: {problem}. Restore the database from a backup taken before the change; the audit trail shows who approved what."
        ))),
    }
}

/// What the trail recorded of each approval of a framework's SoA (or of one version, read by
/// its record's index): version → (the entry's number, its chain hash, the content hash it
/// recorded).
async fn approvals(
    ctx: &Ctx,
    framework: &str,
    only: Option<i64>,
) -> Result<std::collections::HashMap<i64, (i64, String, Option<String>)>> {
    let filter = crate::domain::audit::AuditFilter {
        object_type: Some("soa_version".into()),
        object_id: only.map(|n| format!("{framework}:{n}")),
        ..Default::default()
    };
    let prefix = format!("{framework}:");
    let mut out = std::collections::HashMap::new();
    for e in ctx.store().audit_entries(&filter, 100_000).await? {
        let Some(n) = e
            .object_id
            .strip_prefix(&prefix)
            .and_then(|n| n.parse::<i64>().ok())
        else {
            continue;
        };
        if e.action != "soa.approve" {
            continue;
        }
        let recorded = e
            .after
            .as_deref()
            .and_then(|a| serde_json::from_str::<serde_json::Value>(a).ok())
            .and_then(|a| a["content_hash"].as_str().map(str::to_string));
        // Newest first: an approval recorded twice keeps its first record.
        out.insert(n, (e.seq, e.hash, recorded));
    }
    Ok(out)
}

/// A version's rows, or the live SoA's for `None`.
#[tracing::instrument(name = "soa.at", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn at(ctx: &Ctx, framework: &str, n: Option<i64>) -> Result<Snapshot> {
    match n {
        Some(n) => Ok(approved(ctx, framework, n).await?.1),
        None => snapshot(ctx, framework).await,
    }
}

/// What changed between two versions, or since a version (`to` absent).
#[tracing::instrument(name = "soa.changes", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn changes(
    ctx: &Ctx,
    framework: &str,
    from: i64,
    to: Option<i64>,
) -> Result<Vec<RowChange>> {
    let before = approved(ctx, framework, from).await?.1.rows;
    let after = at(ctx, framework, to).await?.rows;
    Ok(diff(&before, &after))
}
