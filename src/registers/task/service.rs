//! Tasks' use cases: everyone reads their own tasks ("my work"); managers and admins read
//! anyone's and the team's; a task someone wrote is changed by its owner, its writer or a
//! manager, and commented on by anyone who reads it. Derived tasks are read from the
//! registers each time, so a record that is done has no task any more.

use super::domain::{
    Buckets, CommentInput, ManualTask, Task, TaskComment, TaskInput, TaskKind, TaskQuery,
    TaskStatus, add_days, add_years,
};
use super::store;
use crate::domain::user::{EDITORS, OWNERS};
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision};

/// Who comments on written tasks: everyone who reads but viewers.
pub const COMMENTERS: &[crate::domain::user::Role] = &[
    crate::domain::user::Role::Admin,
    crate::domain::user::Role::Manager,
    crate::domain::user::Role::Contributor,
    crate::domain::user::Role::Auditor,
];

/// How long after expiry evidence still reminds its collector.
const EVIDENCE_GRACE_DAYS: i64 = 30;

/// The signed-in caller's e-mail in lower case (the command line names the owner instead).
pub fn caller(ctx: &Ctx) -> Result<String> {
    ctx.actor
        .user
        .as_ref()
        .map(|u| u.email.to_lowercase())
        .ok_or_else(|| Error::field("owner", "name whose tasks to list (--owner E-MAIL)"))
}

/// Whether the actor may read `owner`'s tasks: their own, or a manager's, an admin's or the
/// operator's view of anyone.
fn may_read_of(ctx: &Ctx, owner: &str) -> bool {
    ctx.actor.is_editor()
        || ctx.actor.channel == crate::service::Channel::Cli
        || ctx
            .actor
            .user
            .as_ref()
            .is_some_and(|u| u.email.eq_ignore_ascii_case(owner))
}

/// Tasks derived from every register (and written ones) that a query asks for: of one owner,
/// or due by a day; the soonest `q.limit`, and whether there are more. The registers' rows
/// are read soonest first up to the limit, so a list's memory is the limit's, whatever the
/// registers hold. Also how many of the computed and personal tasks (all read: they are
/// few) fall in each part of the list (overdue, this week, later).
async fn derived(ctx: &Ctx, q: &TaskQuery) -> Result<(Vec<Task>, bool, [usize; 3])> {
    let today = ctx.today();
    let evidence_from = add_days(&today, -EVIDENCE_GRACE_DAYS);
    let store = ctx.store();
    let (owner, until) = (q.owner.as_deref(), q.until.as_deref());
    let kind = q.kind.map(|k| k.key()).unwrap_or("");
    // One more than the limit says whether there are more.
    let read = i64::try_from(q.limit.saturating_add(1)).unwrap_or(i64::MAX);
    let rows = async {
        match owner {
            Some(o) => store.due_of(o, &evidence_from, kind, read).await,
            None => {
                let u = until.unwrap_or("9999-12-31");
                store
                    .due_until(u, &evidence_from, kind, q.unowned, read)
                    .await
            }
        }
    };
    let personal = async {
        match owner {
            Some(o) => personal(ctx, o).await,
            None => Ok(Vec::new()),
        }
    };
    let (rows, computed, personal) = tokio::try_join!(rows, computed(ctx, owner, until), personal)?;
    let mut extra = [0usize; 3];
    for t in computed.iter().chain(&personal).filter(|t| q.keeps(t)) {
        extra[part_of(t.bucket(&today))] += 1;
    }
    let mut out: Vec<Task> = rows.into_iter().filter_map(task_of_row).collect();
    out.extend(computed);
    out.extend(personal);
    out.retain(|t| q.keeps(t));
    super::domain::sort(&mut out);
    let more = out.len() > q.limit;
    out.truncate(q.limit);
    Ok((out, more, extra))
}

/// What the staff directory's person with this e-mail owes as a member of staff: published
/// documents to acknowledge and training modules of open campaigns to complete. (Everyone
/// in the directory is reminded of these by e-mail with their personal link,
/// `notify::service_owed`; they are not counted in the team view.)
async fn personal(ctx: &Ctx, owner: &str) -> Result<Vec<Task>> {
    let Some(p) = ctx.store().person_by_email(owner).await? else {
        return Ok(Vec::new());
    };
    let (owed, assigned) = tokio::try_join!(
        crate::registers::document::service_ack::owed_by(ctx, &p),
        ctx.store().assigned_to(&p),
    )?;
    let mut out = Vec::new();
    for o in owed.into_iter().filter(|o| o.acknowledged_at.is_none()) {
        out.push(Task::new(
            TaskKind::Acknowledgement,
            &o.document_id,
            &o.version.to_string(),
            &format!("{} (version {})", o.title, o.version),
            owner,
            o.due_on,
            None,
        ));
    }
    for a in assigned.into_iter().filter(|a| a.completed_on.is_none()) {
        out.push(Task::new(
            TaskKind::Course,
            &a.module.id,
            &a.campaign_id,
            &format!("{} ({})", a.module.title, a.campaign),
            owner,
            Some(a.due_on),
            None,
        ));
    }
    Ok(out)
}

/// The tasks whose day Annex computes rather than stores: BIA reviews a year after the last,
/// the SoA's yearly approval, incident notification stages, a plan's exercise a year after
/// the last (today when never), an indicator's next period to record (due on its last day);
/// of one owner or due by a day.
async fn computed(ctx: &Ctx, owner: Option<&str>, until: Option<&str>) -> Result<Vec<Task>> {
    let store = ctx.store();
    let (processes, approvals, stages, planned, indicators) = tokio::try_join!(
        store.reviewed_processes(owner),
        store.last_soa_approvals(),
        notification_stages(ctx),
        store.planned_processes(owner),
        store.manual_indicators(owner),
    )?;
    let today = ctx.today();
    let mut out: Vec<Task> = stages;
    for (id, name, who, last) in planned {
        let due = match last {
            Some(held) => add_years(&held, 1),
            None => Some(today.clone()),
        };
        out.push(Task::new(
            TaskKind::Exercise,
            &id,
            "",
            &format!("recovery plan of {name}"),
            &who,
            due,
            None,
        ));
    }
    for (id, name, who, frequency, last) in indicators {
        let Ok(f) = crate::registers::objective::domain::Frequency::parse(&frequency) else {
            continue;
        };
        let (start, end) = super::domain::period_to_record(last.as_deref(), &today, f);
        out.push(Task::new(
            TaskKind::Measurement,
            &id,
            &start,
            &format!(
                "{name} for {}",
                crate::registers::objective::domain::period_label(&start, f)
            ),
            &who,
            Some(end),
            None,
        ));
    }
    for (id, name, who, reviewed) in processes {
        if let Some(due) = add_years(&reviewed, 1) {
            out.push(Task::new(
                TaskKind::ProcessReview,
                &id,
                "",
                &name,
                &who,
                Some(due),
                None,
            ));
        }
    }
    for (framework, by, at) in approvals {
        if let Some(due) = add_years(&at, 1) {
            out.push(Task::new(
                TaskKind::SoaApproval,
                &framework,
                "",
                &format!("Statement of Applicability ({framework})"),
                &by,
                Some(due),
                None,
            ));
        }
    }
    out.retain(|t| {
        owner.is_none_or(|o| t.owner.eq_ignore_ascii_case(o))
            && until.is_none_or(|u| t.due_on.as_deref().is_some_and(|d| d <= u))
    });
    Ok(out)
}

/// The notification stages still to send of open incidents (the caller sees), as tasks of
/// their handlers due at their hour.
pub async fn notification_stages(ctx: &Ctx) -> Result<Vec<Task>> {
    Ok(crate::registers::incident::service::open_stages(ctx)
        .await?
        .into_iter()
        .filter_map(|(incident, title, handler, stage)| {
            let at = stage.due_at.clone()?;
            Some(Task::new(
                TaskKind::NotificationStage,
                &incident,
                &format!("{}:{}", stage.regime, stage.stage),
                &format!("{title}: {} to {}", stage.name, stage.recipient),
                &handler,
                Some(at[..10.min(at.len())].to_string()),
                Some(at),
            ))
        })
        .collect())
}

/// A row of the store as a task (a row whose kind Annex no longer knows is left out).
fn task_of_row(r: store::DueRow) -> Option<Task> {
    let (kind, record, part, title, owner, due) = r;
    let kind = TaskKind::parse(&kind).ok()?;
    let title = match kind {
        TaskKind::Certificate => {
            let label = part
                .split_once(':')
                .and_then(|(_, k)| {
                    crate::registers::supplier::domain::CertificationKind::parse(k).ok()
                })
                .map(|k| k.label())
                .unwrap_or("certificate");
            format!("{title}: {label}")
        }
        _ => title,
    };
    let part = match kind {
        TaskKind::Certificate => part.split(':').next().unwrap_or("").to_string(),
        _ => part,
    };
    Some(Task::new(kind, &record, &part, &title, &owner, due, None))
}

/// Where a part of the list is in counts of three (overdue, this week, later).
fn part_of(b: super::domain::Bucket) -> usize {
    match b {
        super::domain::Bucket::Overdue => 0,
        super::domain::Bucket::ThisWeek => 1,
        super::domain::Bucket::Later => 2,
    }
}

/// One person's soonest `limit` tasks (`owner` in any case), and whether they have more.
#[tracing::instrument(name = "task.of", skip_all, fields(actor = %ctx.who(), owner = %owner))]
pub async fn of_owner(ctx: &Ctx, owner: &str, limit: usize) -> Result<(Vec<Task>, bool)> {
    let q = TaskQuery {
        owner: Some(owner.to_string()),
        limit,
        ..TaskQuery::default()
    };
    list(ctx, &q).await
}

/// The caller's tasks in three parts (overdue, this week, later), the soonest `limit` of
/// them, and how many each part holds in all.
#[tracing::instrument(name = "task.mine", skip_all, fields(actor = %ctx.who()))]
pub async fn mine(ctx: &Ctx, limit: usize) -> Result<(Buckets, [usize; 3])> {
    ctx.require_reader()?;
    let me = caller(ctx)?;
    let today = ctx.today();
    let q = TaskQuery {
        owner: Some(me.clone()),
        limit,
        ..TaskQuery::default()
    };
    let (tasks, more, extra) = derived(ctx, &q).await?;
    let b = Buckets::of(tasks, &today);
    if !more {
        let listed = [b.overdue.len(), b.this_week.len(), b.later.len()];
        return Ok((b, listed));
    }
    // More than the list: the registers' rows are counted by the database.
    let evidence_from = add_days(&today, -EVIDENCE_GRACE_DAYS);
    let week_end = super::domain::week_end(&today);
    let [overdue, this_week, later, undated] = ctx
        .store()
        .due_counts_of(&me, &evidence_from, &today, &week_end)
        .await?;
    let stored = [overdue, this_week, later + undated];
    Ok((b, std::array::from_fn(|i| stored[i] + extra[i])))
}

/// The caller's tasks due from `from` to `until` (days), soonest first, at most `limit`; and
/// how many of their tasks have no due day (a calendar's month).
#[tracing::instrument(name = "task.between", skip_all, fields(actor = %ctx.who()))]
pub async fn between(
    ctx: &Ctx,
    (from, until): (&str, &str),
    limit: usize,
) -> Result<(Vec<Task>, usize)> {
    ctx.require_reader()?;
    let me = caller(ctx)?;
    let today = ctx.today();
    let evidence_from = add_days(&today, -EVIDENCE_GRACE_DAYS);
    let week_end = super::domain::week_end(&today);
    let read = i64::try_from(limit).unwrap_or(i64::MAX);
    let store = ctx.store();
    let (rows, counts, computed, personal) = tokio::try_join!(
        store.due_of_between(&me, &evidence_from, (from, until), read),
        store.due_counts_of(&me, &evidence_from, &today, &week_end),
        computed(ctx, Some(&me), Some(until)),
        personal(ctx, &me),
    )?;
    let undated = counts[3] + personal.iter().filter(|t| t.due_on.is_none()).count();
    let mut out: Vec<Task> = rows.into_iter().filter_map(task_of_row).collect();
    out.extend(
        computed
            .into_iter()
            .chain(personal)
            .filter(|t| t.due_on.as_deref().is_some_and(|d| d >= from && d <= until)),
    );
    super::domain::sort(&mut out);
    out.truncate(limit);
    Ok((out, undated))
}

/// The soonest tasks a query asks for (at most `q.limit`), and whether there are more: one
/// owner's (the caller's own, or anyone's for managers), or everyone's up to a day
/// (managers; 30 days from today unless `until` says).
#[tracing::instrument(name = "task.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(ctx: &Ctx, q: &TaskQuery) -> Result<(Vec<Task>, bool)> {
    ctx.require_reader()?;
    let mut q = q.clone();
    match &q.owner {
        Some(o) => {
            let o = o.trim().to_lowercase();
            if !may_read_of(ctx, &o) {
                return Err(Error::Forbidden);
            }
            q.owner = Some(o);
        }
        None => {
            if !(ctx.actor.is_editor() || ctx.actor.channel == crate::service::Channel::Cli) {
                return Err(Error::Forbidden);
            }
            if q.until.is_none() {
                q.until = Some(add_days(&ctx.today(), 30));
            }
        }
    }
    let (tasks, more, _) = derived(ctx, &q).await?;
    Ok((tasks, more))
}

/// How many tasks each owner (lower case, "" for nobody) has due by `until`, in the parts of
/// `today` (`kind`: of one kind only). The registers' rows are counted by the database and
/// the few computed tasks here, so the memory is the owners', whatever the registers hold.
async fn counted(
    ctx: &Ctx,
    today: &str,
    until: &str,
    kind: Option<TaskKind>,
) -> Result<std::collections::BTreeMap<String, TeamLine>> {
    let week_end = super::domain::week_end(today);
    let evidence_from = add_days(&ctx.today(), -EVIDENCE_GRACE_DAYS);
    let (counts, computed) = tokio::try_join!(
        ctx.store().due_counts(
            until,
            today,
            &week_end,
            &evidence_from,
            kind.map(|k| k.key()).unwrap_or("")
        ),
        computed(ctx, None, Some(until)),
    )?;
    let line = |key: &str| TeamLine {
        owner: key.to_string(),
        name: if key.is_empty() {
            "nobody".into()
        } else {
            key.to_string()
        },
        overdue: 0,
        this_week: 0,
        later: 0,
    };
    let mut by: std::collections::BTreeMap<String, TeamLine> = Default::default();
    for (owner, overdue, this_week, later) in counts {
        let key = owner.trim().to_string();
        let l = by.entry(key.clone()).or_insert_with(|| line(&key));
        l.overdue += usize::try_from(overdue).unwrap_or(0);
        l.this_week += usize::try_from(this_week).unwrap_or(0);
        l.later += usize::try_from(later).unwrap_or(0);
    }
    for t in computed.iter().filter(|t| kind.is_none_or(|k| k == t.kind)) {
        let key = t.owner.to_lowercase();
        let l = by.entry(key.clone()).or_insert_with(|| line(&key));
        match t.bucket(today) {
            super::domain::Bucket::Overdue => l.overdue += 1,
            super::domain::Bucket::ThisWeek => l.this_week += 1,
            super::domain::Bucket::Later => l.later += 1,
        }
    }
    Ok(by)
}

/// How many tasks each owner has due by `until`, in the parts of `day`, owners in order
/// (digests and escalations: one line per owner, never every task at once).
#[tracing::instrument(name = "task.owners_due", skip_all, fields(actor = %ctx.who(), until = %until))]
pub async fn owners_due(ctx: &Ctx, day: &str, until: &str) -> Result<Vec<TeamLine>> {
    ctx.require(EDITORS)?;
    Ok(counted(ctx, day, until, None)
        .await?
        .into_values()
        .collect())
}

/// One owner's (lower case) tasks due in each of `ranges` (days from and to; from "" for
/// any), soonest first, at most `limit` of each: what a message about them lists. The
/// computed tasks are worked out once for all the ranges.
#[tracing::instrument(name = "task.due_of", skip_all, fields(actor = %ctx.who(), owner = %owner))]
pub async fn due_of(
    ctx: &Ctx,
    owner: &str,
    ranges: &[(&str, &str)],
    limit: usize,
) -> Result<Vec<Task>> {
    ctx.require(EDITORS)?;
    let evidence_from = add_days(&ctx.today(), -EVIDENCE_GRACE_DAYS);
    let read = i64::try_from(limit).unwrap_or(i64::MAX);
    let last = ranges.iter().map(|r| r.1).max().unwrap_or("");
    let computed = computed(ctx, Some(owner), Some(last)).await?;
    let mut out = Vec::new();
    for &(from, until) in ranges {
        let rows = ctx
            .store()
            .due_of_between(owner, &evidence_from, (from, until), read)
            .await?;
        let mut part: Vec<Task> = rows.into_iter().filter_map(task_of_row).collect();
        part.extend(
            computed
                .iter()
                .filter(|t| t.due_on.as_deref().is_some_and(|d| d >= from && d <= until))
                .cloned(),
        );
        super::domain::sort(&mut part);
        part.truncate(limit);
        out.extend(part);
    }
    Ok(out)
}

/// A line of the team view: an owner, their name, and how many tasks they have in each part.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct TeamLine {
    pub owner: String,
    pub name: String,
    pub overdue: usize,
    pub this_week: usize,
    pub later: usize,
}

/// Everyone with tasks due up to `q.until` (30 days by default), most overdue first
/// (managers and admins).
#[tracing::instrument(name = "task.team", skip_all, fields(actor = %ctx.who()))]
pub async fn team(ctx: &Ctx, q: &TaskQuery, named: usize) -> Result<Vec<TeamLine>> {
    ctx.require(EDITORS)?;
    let today = ctx.today();
    let until = q.until.clone().unwrap_or_else(|| add_days(&today, 30));
    let by = counted(ctx, &today, &until, q.kind).await?;
    let mut lines: Vec<TeamLine> = by
        .into_values()
        .filter(|l| !q.unowned || l.owner.is_empty())
        .collect();
    lines.sort_by(|a, b| {
        b.overdue
            .cmp(&a.overdue)
            .then(b.this_week.cmp(&a.this_week))
            .then(a.owner.cmp(&b.owner))
    });
    // Only the lines shown are named (the directory may hold thousands).
    let shown: Vec<String> = lines
        .iter()
        .take(named)
        .filter(|l| !l.owner.is_empty())
        .map(|l| l.owner.clone())
        .collect();
    let names = crate::registers::responsibility::service::names_of(ctx, &shown).await?;
    for l in lines.iter_mut().take(named) {
        if let Some(n) = names.get(&l.owner) {
            l.name = n.clone();
        }
    }
    Ok(lines)
}

/// Written tasks, newest first (`open_only`: those still open), at most `limit` (5,000).
#[tracing::instrument(name = "task.written", skip_all, fields(actor = %ctx.who()))]
pub async fn written(ctx: &Ctx, open_only: bool, limit: i64) -> Result<Vec<ManualTask>> {
    ctx.require_reader()?;
    ctx.store()
        .manual_tasks(open_only, limit.clamp(1, 5000))
        .await
}

#[tracing::instrument(name = "task.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<ManualTask> {
    ctx.require_reader()?;
    ctx.store().manual_task(id).await
}

/// Whether the actor may change a written task: managers and admins, its owner, its writer.
fn may_change(ctx: &Ctx, t: &ManualTask) -> bool {
    ctx.actor.is_editor()
        || ctx.actor.channel == crate::service::Channel::Cli
        || ctx.actor.user.as_ref().is_some_and(|u| {
            u.email.eq_ignore_ascii_case(&t.owner) || u.email.eq_ignore_ascii_case(&t.created_by)
        })
}

async fn check_link(tx: &mut crate::store::Tx, d: &super::domain::TaskDraft) -> Result<()> {
    if !d.link_id.is_empty() && !store::record_exists(tx, &d.link_type, &d.link_id).await? {
        return Err(Error::field(
            "link",
            format!("there is no record {}", d.link_id),
        ));
    }
    Ok(())
}

/// Writes a task (anyone who owns records: contributors, managers, admins); its owner is told
/// by e-mail in the same write when it is someone else.
#[tracing::instrument(name = "task.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &TaskInput) -> Result<ManualTask> {
    ctx.require(OWNERS)?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    check_link(&mut tx, &d).await?;
    let t = store::insert(&mut tx, &d, ctx.who()).await?;
    tx.audit(ctx.change("task.create", "task", &t.id).after(&t))
        .await?;
    crate::registers::notify::service_outbox::assigned_within(ctx, &mut tx, &t, None).await?;
    tx.commit().await?;
    Ok(t)
}

/// Changes a written task (its owner, its writer, managers and admins).
#[tracing::instrument(name = "task.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &TaskInput,
) -> Result<ManualTask> {
    ctx.require_reader()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    if !may_change(ctx, &before) {
        return Err(Error::Forbidden);
    }
    check_revision(&mut tx, "task", id, id, before.revision, expected).await?;
    check_link(&mut tx, &d).await?;
    let after = store::write(&mut tx, &before, &d, &ctx.today()).await?;
    tx.audit(
        ctx.change("task.update", "task", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    crate::registers::notify::service_outbox::assigned_within(
        ctx,
        &mut tx,
        &after,
        Some(&before.owner),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Marks a written task done (or open again).
#[tracing::instrument(name = "task.done", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn set_done(ctx: &Ctx, id: &str, expected: Expected, done: bool) -> Result<ManualTask> {
    let current = get(ctx, id).await?;
    let mut input = TaskInput::from(&current);
    input.status = if done {
        TaskStatus::Done.key().into()
    } else {
        TaskStatus::Open.key().into()
    };
    update(ctx, id, expected.or(Some(current.revision)), &input).await
}

/// Comments on a written task (anyone who reads it but a viewer).
#[tracing::instrument(name = "task.comment", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn comment(ctx: &Ctx, id: &str, input: &CommentInput) -> Result<TaskComment> {
    ctx.require(COMMENTERS)?;
    let body = input.parse()?;
    let mut tx = ctx.write().await?;
    store::lock(&mut tx, id).await?;
    let c = store::add_comment(&mut tx, id, ctx.who(), &body).await?;
    tx.audit(ctx.change("task.comment", "task", id).after(&c))
        .await?;
    tx.commit().await?;
    Ok(c)
}
