//! Nonconformities and corrective actions: managers and admins raise them (auditors too, from
//! their findings); the owner of a nonconformity writes its correction, root cause and
//! actions; the owner of an action marks it done; managers and admins review effectiveness,
//! which closes the nonconformity and the finding it came from.

use super::domain::{
    Action, ActionInput, ActionQuery, ActionStatus, Improvement, NcQuery, NcSource, Nonconformity,
    NonconformityDraft, NonconformityInput, ReviewInput, review_refusal,
};
use super::store;
use crate::domain::query::Page;
use crate::domain::user::Role;
use crate::error::{Error, FieldError, Result};
use crate::registers::imports::service_overlay::{self as overlay, Overlay};
use crate::service::{Ctx, Expected, check_revision};

async fn control_ids(ctx: &Ctx) -> Result<Vec<String>> {
    crate::registers::internal_audit::service::control_ids(ctx).await
}

fn as_strs(ids: &[String]) -> Vec<&str> {
    ids.iter().map(String::as_str).collect()
}

/// Whether the actor edits this nonconformity: managers and admins, or a contributor or an
/// auditor who owns it.
pub fn may_edit(ctx: &Ctx, n: &Nonconformity) -> bool {
    ctx.actor.is_editor()
        || (ctx.actor.has(&[Role::Contributor, Role::Auditor])
            && !n.owner.is_empty()
            && n.owner.eq_ignore_ascii_case(&ctx.actor.name))
}

/// Whether the actor updates this action: who edits its nonconformity, or its owner.
pub fn may_update_action(ctx: &Ctx, n: &Nonconformity, a: &Action) -> bool {
    may_edit(ctx, n)
        || (ctx.actor.has(&[Role::Contributor, Role::Auditor])
            && a.owner.eq_ignore_ascii_case(&ctx.actor.name))
}

#[tracing::instrument(name = "nonconformity.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: &NcQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Nonconformity>> {
    ctx.require_reader()?;
    ctx.store()
        .list_nonconformities(q, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every nonconformity a query selects (exports, the review pack).
#[tracing::instrument(name = "nonconformity.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, q: &NcQuery) -> Result<Vec<Nonconformity>> {
    crate::store::collect_pages(|cursor| async move { list(ctx, q, cursor.as_deref(), 500).await })
        .await
}

#[tracing::instrument(name = "nonconformity.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Nonconformity> {
    ctx.require_reader()?;
    ctx.store().nonconformity(id).await
}

/// The record a nonconformity came from must exist when Annex keeps it (a finding, an
/// incident); a finding opens one nonconformity only.
async fn check_source(
    tx: &mut crate::store::Tx,
    d: &NonconformityDraft,
    id: Option<&str>,
    prefix: &str,
) -> Result<Vec<FieldError>> {
    let mut problems = Vec::new();
    let Some(r) = &d.source_ref else {
        return Ok(problems);
    };
    let (table, column) = match d.source {
        NcSource::Finding => ("audit_finding", "finding_id"),
        NcSource::Incident => ("incident", "incident_id"),
        _ => return Ok(problems),
    };
    let found = crate::store::existing_ids(tx, table, column, std::slice::from_ref(r)).await?;
    if !found.contains(r) {
        problems.push(FieldError::new(
            format!("{prefix}source_ref"),
            format!("there is no {} {r}", d.source.label()),
        ));
    } else if d.source == NcSource::Finding
        && let Some(other) = store::from_source(tx, "finding", r).await?
        && Some(other.as_str()) != id
    {
        problems.push(FieldError::new(
            format!("{prefix}source_ref"),
            format!("finding {r} is followed up by {other} already"),
        ));
    }
    Ok(problems)
}

/// Raises a nonconformity (managers, admins; auditors, and contributors who own it).
#[tracing::instrument(name = "nonconformity.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &NonconformityInput) -> Result<Nonconformity> {
    ctx.require(&[Role::Admin, Role::Manager, Role::Contributor, Role::Auditor])?;
    let ids = control_ids(ctx).await?;
    let d = input.parse(&as_strs(&ids), &ctx.today())?;
    if ctx.actor.has(&[Role::Contributor]) && !d.owner.eq_ignore_ascii_case(&ctx.actor.name) {
        return Err(Error::Forbidden);
    }
    let mut tx = ctx.write().await?;
    let problems = check_source(&mut tx, &d, None, "").await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let x = store::insert(&mut tx, &d).await?;
    tx.audit(
        ctx.change("nonconformity.create", "nonconformity", &x.id)
            .after(&x),
    )
    .await?;
    tx.commit().await?;
    Ok(x)
}

/// Changes a nonconformity: its description, correction, whys and root cause (managers,
/// admins, its owner); a closed one stays as it was closed.
#[tracing::instrument(name = "nonconformity.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &NonconformityInput,
) -> Result<Nonconformity> {
    ctx.require_reader()?;
    let ids = control_ids(ctx).await?;
    let d = input.parse(&as_strs(&ids), &ctx.today())?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    if !may_edit(ctx, &before) {
        return Err(Error::Forbidden);
    }
    check_revision(&mut tx, "nonconformity", id, id, before.revision, expected).await?;
    crate::service::keep_id(d.id.as_deref(), id, "a nonconformity")?;
    if before.closed_on.is_some() {
        return Err(Error::Conflict(format!(
            "{id} was closed on {}: raise a new nonconformity if it recurs",
            before.closed_on.as_deref().unwrap_or_default()
        )));
    }
    let problems = check_source(&mut tx, &d, Some(id), "").await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let after = store::write(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("nonconformity.update", "nonconformity", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Reviews whether a nonconformity's actions were effective (managers and admins): an
/// effective review closes it, and the finding it came from; one that was not sends it back
/// for further action.
#[tracing::instrument(name = "nonconformity.review", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn review(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ReviewInput,
) -> Result<Nonconformity> {
    ctx.require_editor()?;
    let note = input.note.trim();
    if note.is_empty() {
        return Err(Error::field(
            "note",
            "say what was looked at to judge the actions (e.g. a sample of ten changes of job since)",
        ));
    }
    if note.chars().count() > 5000 {
        return Err(Error::field("note", "at most 5,000 characters"));
    }
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "nonconformity", id, id, before.revision, expected).await?;
    if let Some(why) = review_refusal(&before) {
        return Err(Error::Conflict(why));
    }
    let after =
        store::write_review(&mut tx, id, input.effective, note, ctx.who(), &ctx.today()).await?;
    tx.audit(
        ctx.change("nonconformity.review", "nonconformity", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    if input.effective
        && before.source == NcSource::Finding
        && let Some(f) = &before.source_ref
    {
        crate::registers::internal_audit::service::close_finding_within(ctx, &mut tx, f).await?;
    }
    tx.commit().await?;
    Ok(after)
}

// ---- corrective actions ----

#[tracing::instrument(name = "corrective_action.list", skip_all, fields(actor = %ctx.who()))]
pub async fn actions(
    ctx: &Ctx,
    q: &ActionQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Action>> {
    ctx.require_reader()?;
    ctx.store()
        .list_actions(q, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

#[tracing::instrument(name = "corrective_action.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all_actions(ctx: &Ctx, q: &ActionQuery) -> Result<Vec<Action>> {
    crate::store::collect_pages(
        |cursor| async move { actions(ctx, q, cursor.as_deref(), 500).await },
    )
    .await
}

#[tracing::instrument(name = "corrective_action.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn action(ctx: &Ctx, id: &str) -> Result<Action> {
    ctx.require_reader()?;
    ctx.store().corrective_action(id).await
}

/// The nonconformity an action belongs to, locked, refused when closed.
async fn open_nc(tx: &mut crate::store::Tx, id: &str) -> Result<Nonconformity> {
    let Some(_) = store::read_in(tx, id).await? else {
        return Err(Error::field(
            "nonconformity",
            format!("there is no nonconformity {id}"),
        ));
    };
    let n = store::lock(tx, id).await?;
    if n.closed_on.is_some() {
        return Err(Error::Conflict(format!(
            "{id} is closed: its actions stay as they were when it was closed"
        )));
    }
    Ok(n)
}

/// Plans a corrective action (who edits its nonconformity).
#[tracing::instrument(name = "corrective_action.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create_action(ctx: &Ctx, input: &ActionInput) -> Result<Action> {
    ctx.require_reader()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let n = open_nc(&mut tx, &d.nonconformity).await?;
    if !may_edit(ctx, &n) {
        return Err(Error::Forbidden);
    }
    let x = store::insert_action(&mut tx, &d).await?;
    tx.audit(
        ctx.change("corrective_action.create", "corrective_action", &x.id)
            .after(&x),
    )
    .await?;
    tell_owner(ctx, &mut tx, &x, None).await?;
    tx.commit().await?;
    Ok(x)
}

/// Tells an open action's new owner it is theirs, in the write that made it so.
async fn tell_owner(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    a: &Action,
    before_owner: Option<&str>,
) -> Result<()> {
    if a.status != super::domain::ActionStatus::Open {
        return Ok(());
    }
    let task = crate::registers::task::domain::Task::of_record(
        crate::registers::task::domain::TaskKind::CorrectiveAction,
        &a.id,
        &a.title,
        &a.owner,
        Some(a.due_on.clone()),
    );
    crate::registers::notify::service_outbox::record_assigned_within(
        ctx,
        tx,
        &task,
        before_owner,
        a.revision,
    )
    .await
}

/// Changes a corrective action, e.g. marks it done (who edits its nonconformity, or the
/// action's owner).
#[tracing::instrument(name = "corrective_action.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update_action(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ActionInput,
) -> Result<Action> {
    ctx.require_reader()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let before = store::lock_action(&mut tx, id).await?;
    if d.nonconformity != before.nonconformity {
        return Err(Error::field(
            "nonconformity",
            format!("{id} stays with {}", before.nonconformity),
        ));
    }
    let n = open_nc(&mut tx, &before.nonconformity).await?;
    if !may_update_action(ctx, &n, &before) {
        return Err(Error::Forbidden);
    }
    check_revision(
        &mut tx,
        "corrective_action",
        id,
        id,
        before.revision,
        expected,
    )
    .await?;
    crate::service::keep_id(d.id.as_deref(), id, "a corrective action")?;
    let after = store::write_action(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("corrective_action.update", "corrective_action", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tell_owner(ctx, &mut tx, &after, Some(&before.owner)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Imports nonconformities (managers and admins): all rows or none; a row whose id is a
/// nonconformity of Annex updates only the columns its file has.
#[tracing::instrument(name = "nonconformity.import", skip_all, fields(actor = %ctx.who()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    let rows_of = NcRows {
        controls: control_ids(ctx).await?,
        today: ctx.today(),
    };
    overlay::run(ctx, rows_of, rows, dry_run, upload).await
}

/// Nonconformities as rows of a file: a closed one stays as it was closed; its source must
/// exist and carry no other nonconformity.
struct NcRows {
    controls: Vec<String>,
    today: String,
}

impl Overlay for NcRows {
    type Draft = NonconformityDraft;
    type Record = Nonconformity;
    const ENTITY: &'static str = "nonconformity";
    const ACTION: &'static str = "nonconformity";

    fn record_id(r: &Nonconformity) -> &str {
        &r.id
    }

    fn draft_id(d: &NonconformityDraft) -> Option<&str> {
        d.id.as_deref()
    }

    fn new_label(d: &NonconformityDraft) -> String {
        format!("a new nonconformity ({})", d.title)
    }

    fn overlay(
        &self,
        base: Option<&Nonconformity>,
        values: &[(&'static str, String)],
    ) -> Result<NonconformityDraft> {
        base.map(NonconformityInput::from)
            .unwrap_or_default()
            .overlay(values, &as_strs(&self.controls), &self.today)
    }

    async fn read(&self, tx: &mut crate::store::Tx, id: &str) -> Result<Option<Nonconformity>> {
        store::read_in(tx, id).await
    }

    async fn check(
        &mut self,
        tx: &mut crate::store::Tx,
        row: usize,
        d: &NonconformityDraft,
        before: Option<&Nonconformity>,
    ) -> Result<Vec<FieldError>> {
        let mut problems = Vec::new();
        if let Some(b) = before.filter(|b| b.closed_on.is_some())
            && !self.unchanged(b, d)
        {
            problems.push(FieldError::new(
                format!("row {row}, id"),
                format!("{} is closed: it stays as it was closed", b.id),
            ));
        }
        problems.extend(
            check_source(
                tx,
                d,
                before.map(|b| b.id.as_str()),
                &format!("row {row}, "),
            )
            .await?,
        );
        Ok(problems)
    }

    async fn insert(
        &self,
        tx: &mut crate::store::Tx,
        d: &NonconformityDraft,
    ) -> Result<Nonconformity> {
        store::insert(tx, d).await
    }

    async fn write(
        &self,
        tx: &mut crate::store::Tx,
        before: &Nonconformity,
        d: &NonconformityDraft,
    ) -> Result<Nonconformity> {
        store::write(tx, &before.id, d, true).await
    }
}

/// Imports corrective actions (managers and admins): all rows or none; a row whose id is an
/// action of Annex updates only the columns its file has; a closed nonconformity's actions
/// are refused.
#[tracing::instrument(name = "corrective_action.import", skip_all, fields(actor = %ctx.who()))]
pub async fn import_actions(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    let rows_of = ActionRows {
        today: ctx.today(),
        closed: Default::default(),
    };
    overlay::run(ctx, rows_of, rows, dry_run, upload).await
}

/// Corrective actions as rows of a file: each stays with its nonconformity, which must exist
/// and be open (an unchanged row of a closed one is let through).
struct ActionRows {
    today: String,
    /// Nonconformity → whether it is closed (`None`: there is none).
    closed: std::collections::HashMap<String, Option<bool>>,
}

impl Overlay for ActionRows {
    type Draft = super::domain::ActionDraft;
    type Record = Action;
    const ENTITY: &'static str = "corrective_action";
    const ACTION: &'static str = "corrective_action";

    fn record_id(r: &Action) -> &str {
        &r.id
    }

    fn draft_id(d: &Self::Draft) -> Option<&str> {
        d.id.as_deref()
    }

    fn new_label(d: &Self::Draft) -> String {
        format!("a new action ({})", d.title)
    }

    fn overlay(
        &self,
        base: Option<&Action>,
        values: &[(&'static str, String)],
    ) -> Result<Self::Draft> {
        base.map(ActionInput::from)
            .unwrap_or_default()
            .overlay(values, &self.today)
    }

    async fn read(&self, tx: &mut crate::store::Tx, id: &str) -> Result<Option<Action>> {
        store::action_in(tx, id).await
    }

    async fn check(
        &mut self,
        tx: &mut crate::store::Tx,
        row: usize,
        d: &Self::Draft,
        before: Option<&Action>,
    ) -> Result<Vec<FieldError>> {
        let nc = d.nonconformity.clone();
        let closed = match self.closed.get(&nc) {
            Some(c) => *c,
            None => {
                let c = store::read_in(tx, &nc)
                    .await?
                    .map(|n| n.closed_on.is_some());
                self.closed.insert(nc.clone(), c);
                c
            }
        };
        let field = format!("row {row}, nonconformity");
        let unchanged = before.is_some_and(|b| self.unchanged(b, d));
        Ok(match (closed, before) {
            (_, Some(b)) if b.nonconformity != nc => vec![FieldError::new(
                field,
                format!("{} stays with {}", b.id, b.nonconformity),
            )],
            (None, _) => vec![FieldError::new(
                field,
                format!("there is no nonconformity {nc}"),
            )],
            (Some(true), _) if !unchanged => {
                vec![FieldError::new(field, format!("{nc} is closed"))]
            }
            _ => Vec::new(),
        })
    }

    async fn insert(&self, tx: &mut crate::store::Tx, d: &Self::Draft) -> Result<Action> {
        store::insert_action(tx, d).await
    }

    async fn write(
        &self,
        tx: &mut crate::store::Tx,
        before: &Action,
        d: &Self::Draft,
    ) -> Result<Action> {
        store::write_action(tx, &before.id, d, true).await
    }
}

/// The facts clauses 10.1 and 10.2 rest on (readiness), counted by the database.
#[tracing::instrument(name = "improvement.facts", skip_all, fields(actor = %ctx.who()))]
pub async fn facts(
    ctx: &Ctx,
) -> Result<crate::registers::readiness::domain_check::ImprovementFacts> {
    ctx.require_reader()?;
    let today = ctx.today();
    let day = |n: i64| crate::domain::input::days_after(&today, n).unwrap_or_default();
    ctx.store()
        .improvement_facts(&today, &day(-365), &day(-30))
        .await
}

/// (open nonconformities, open actions, open actions past due).
pub async fn counts(ctx: &Ctx) -> Result<(i64, i64, i64)> {
    ctx.require_reader()?;
    ctx.store().improvement_counts(&ctx.today()).await
}

/// The improvement log (10.1), newest first: nonconformities closed as effectively corrected
/// with what removed their cause, and the opportunities for improvement audits raised with
/// what became of them.
pub async fn log(ctx: &Ctx) -> Result<Vec<Improvement>> {
    log_since(ctx, None).await
}

/// The improvement log from a day on (everything when none).
#[tracing::instrument(name = "improvement.log", skip_all, fields(actor = %ctx.who()))]
pub async fn log_since(ctx: &Ctx, since: Option<&str>) -> Result<Vec<Improvement>> {
    use crate::registers::internal_audit::domain_finding::{FindingKind, FindingQuery};
    let closed = all(
        ctx,
        &NcQuery {
            open: Some(false),
            since: since.map(str::to_string),
            ..Default::default()
        },
    )
    .await?;
    let mut out: Vec<Improvement> = closed
        .into_iter()
        .map(|n| {
            let done: Vec<String> = n
                .actions
                .iter()
                .filter(|a| a.status == ActionStatus::Done)
                .map(|a| format!("{} {}", a.id, a.title))
                .collect();
            Improvement {
                on: n.closed_on.clone().unwrap_or_default(),
                kind: "nonconformity".into(),
                what: format!(
                    "Cause removed: {}. Actions: {}.",
                    n.root_cause.trim_end_matches('.'),
                    done.join("; ")
                ),
                id: n.id,
                title: n.title,
            }
        })
        .collect();
    let ofis = crate::registers::internal_audit::service::all_findings(
        ctx,
        &FindingQuery {
            kind: Some(FindingKind::Opportunity),
            raised_since: since.map(str::to_string),
            ..Default::default()
        },
    )
    .await?;
    out.extend(ofis.into_iter().map(|f| Improvement {
        on: f.raised_on.clone(),
        kind: "opportunity".into(),
        what: format!("Raised by audit {}; {}.", f.audit, f.status.label()),
        id: f.id,
        title: f.title,
    }));
    out.sort_by(|a, b| b.on.cmp(&a.on).then_with(|| b.id.cmp(&a.id)));
    Ok(out)
}
