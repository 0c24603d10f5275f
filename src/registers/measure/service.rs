//! The treatment plan's use cases: reading the plan and a measure, creating and editing
//! measures (managers and admins; a contributor the measures they own), importing them. A
//! write reads the measure (its row locked) inside its transaction and checks the writer's
//! revision there.

use super::domain::{Measure, MeasureDraft, MeasureFilter, MeasureInput, MeasureQuery};
use super::store;
use crate::domain::ImportReport;
use crate::domain::catalog::{check_control_refs, resolve_control_refs};
use crate::domain::query::Page;
use crate::domain::user::OWNERS;
use crate::error::{Error, Result};
use crate::service::{Actor, Ctx, Expected, check_revision, finish_edit, keep_id};

/// Managers and admins edit every measure; a contributor edits the ones they own.
pub fn may_edit(actor: &Actor, m: &Measure) -> bool {
    actor.may_edit_owned(&m.owner)
}

/// A page of the treatment plan, by due date.
#[tracing::instrument(name = "measure.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: &MeasureQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Measure>> {
    ctx.require_reader()?;
    ctx.store()
        .list_measures(&q.filter, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every measure matching a filter, by due date.
#[tracing::instrument(name = "measure.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, f: &MeasureFilter) -> Result<Vec<Measure>> {
    ctx.require_reader()?;
    ctx.store().all_measures(f).await
}

/// The measures that implement a control.
#[tracing::instrument(name = "measure.for_control", skip_all, fields(actor = %ctx.who(), framework = %framework, id = %id))]
pub async fn for_control(ctx: &Ctx, framework: &str, id: &str) -> Result<Vec<Measure>> {
    ctx.require_reader()?;
    ctx.store().measures_for_control(framework, id).await
}

/// The people who own measures, for the filter menu.
#[tracing::instrument(name = "measure.owners", skip_all, fields(actor = %ctx.who()))]
pub async fn owners(ctx: &Ctx) -> Result<Vec<String>> {
    ctx.require_reader()?;
    ctx.store().measure_owners().await
}

#[tracing::instrument(name = "measure.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Measure> {
    ctx.require_reader()?;
    ctx.store().measure(id).await
}

/// Creates a measure (managers and admins); its controls must exist in their catalogues.
#[tracing::instrument(name = "measure.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &MeasureInput) -> Result<Measure> {
    ctx.require_editor()?;
    let mut draft = input.parse()?;
    let catalogs = ctx.store().catalogs().await?;
    resolve_control_refs(&catalogs, &mut draft.controls);
    check_control_refs(&catalogs, &[(String::new(), &draft.controls)])?;
    let mut tx = ctx.write().await?;
    let m = store::insert(&mut tx, &draft).await?;
    tx.audit(ctx.change("measure.create", "measure", &m.id).after(&m))
        .await?;
    tell_owner(ctx, &mut tx, &m, None).await?;
    tx.commit().await?;
    Ok(m)
}

/// Tells a measure's new owner it is theirs (open measures only), in the write that made it so.
async fn tell_owner(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    m: &Measure,
    before_owner: Option<&str>,
) -> Result<()> {
    if !matches!(
        m.status,
        super::domain::MeasureStatus::Planned | super::domain::MeasureStatus::InProgress
    ) {
        return Ok(());
    }
    let task = crate::registers::task::domain::Task::of_record(
        crate::registers::task::domain::TaskKind::Measure,
        &m.id,
        &m.name,
        &m.owner,
        m.due_on.clone(),
    );
    crate::registers::notify::service_outbox::record_assigned_within(
        ctx,
        tx,
        &task,
        before_owner,
        m.revision,
    )
    .await
}

/// Replaces a measure's fields (managers and admins; a contributor the measures they own).
/// A writer who saw an older revision is refused with who changed what since.
#[tracing::instrument(name = "measure.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &MeasureInput,
) -> Result<Measure> {
    Ok(edit(ctx, id, expected, |_| Ok(input.clone())).await?.1)
}

/// Changes a measure from what is stored, inside one write (the command line's `edit`, which
/// changes only the flags given). Answers the measure before and after.
#[tracing::instrument(name = "measure.edit", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn edit(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    change: impl FnOnce(MeasureInput) -> Result<MeasureInput>,
) -> Result<(Measure, Measure)> {
    ctx.require(OWNERS)?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    if !may_edit(&ctx.actor, &before) {
        return Err(Error::Forbidden);
    }
    check_revision(&mut tx, "measure", id, id, before.revision, expected).await?;
    let input = change(MeasureInput::from(&before))?;
    keep_id(input.id.as_deref(), id, "a measure")?;
    let mut draft: MeasureDraft = input.parse()?;
    draft.id = Some(id.to_string());
    let catalogs = ctx.store().catalogs().await?;
    resolve_control_refs(&catalogs, &mut draft.controls);
    check_control_refs(&catalogs, &[(String::new(), &draft.controls)])?;
    let after = store::update(&mut tx, id, &draft).await?;
    tell_owner(ctx, &mut tx, &after, Some(&before.owner)).await?;
    finish_edit(ctx, tx, "measure.update", "measure", id, before, after).await
}

/// Creates or updates (matching on id) many measures in one transaction (managers and admins):
/// every row and control checked first; a dry run writes nothing.
#[tracing::instrument(name = "measure.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<(usize, MeasureDraft)>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<ImportReport> {
    ctx.require_editor()?;
    crate::store::check_unique_ids(rows.iter().map(|(r, d)| (*r, d.id.as_deref())))?;
    let mut rows = rows;
    crate::registers::imports::service::check_row_controls(ctx, &mut rows, |d| &mut d.controls)
        .await?;
    let mut tx = ctx.store().import_tx(dry_run).await?;
    let report = store::import(&mut tx, ctx.who(), rows).await?;
    if dry_run {
        return Ok(report);
    }
    if let Some(id) = upload {
        crate::registers::imports::store::consume(&mut tx, ctx.who(), id).await?;
    }
    tx.commit().await?;
    ctx.store().refresh_statistics_soon();
    Ok(report)
}

/// Starts a planned measure inside another record's write (an incident's lessons learned, an
/// exercise's findings): owned by `owner`, for `control`, with the audit entry. Its id.
pub(crate) async fn start_within(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    name: &str,
    description: String,
    owner: &str,
    control: &str,
) -> Result<String> {
    let draft = MeasureDraft {
        id: None,
        name: name.to_string(),
        description,
        owner: owner.to_string(),
        status: super::domain::MeasureStatus::Planned,
        due_on: None,
        effort: String::new(),
        cost: None,
        controls: vec![crate::domain::catalog::ControlRef {
            framework: crate::domain::catalog::DEFAULT_FRAMEWORK.into(),
            id: control.into(),
        }],
    };
    let m = store::insert(tx, &draft).await?;
    tx.audit(ctx.change("measure.create", "measure", &m.id).after(&m))
        .await?;
    Ok(m.id)
}
