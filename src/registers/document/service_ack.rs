//! Acknowledgement use cases: a document's owner requires its published version to be
//! acknowledged by an audience of the staff directory; each person acknowledges through
//! their personal link or signed in (or a manager records a paper one); everyone signed in
//! sees how far it is, and readers of the directory see who is late.

use super::domain::{Document, DocumentStatus, Version};
use super::domain_ack::{
    AckFilter, AckLine, AckRule, AckRuleInput, AckState, AckSummary, AckVia, Owed, due_on,
};
use super::{service, store, store_ack};
use crate::domain::audit::Change;
use crate::domain::query::Page;
use crate::domain::user::{EDITORS, OWNERS};
use crate::error::{Error, Result};
use crate::registers::staff::domain::{Person, PersonStatus};
use crate::registers::staff::service::STAFF_READERS;
use crate::registers::staff::service_link::Holder;
use crate::service::{Ctx, Expected, check_revision};

/// A document's requirement of acknowledgement, if any.
#[tracing::instrument(name = "document.ack_rule", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn rule(ctx: &Ctx, id: &str) -> Result<Option<AckRule>> {
    ctx.require_reader()?;
    ctx.store().ack_rule(id).await
}

/// Requires (or stops requiring) acknowledgement of a document's published versions: its
/// owner, managers and admins. `expected` is the requirement's revision as read (0: none).
#[tracing::instrument(name = "document.set_ack_rule", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn set_rule(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &AckRuleInput,
) -> Result<Option<AckRule>> {
    ctx.require(OWNERS)?;
    let draft = input.parse()?;
    let mut tx = ctx.write().await?;
    let d = store::lock(&mut tx, id).await?;
    if !service::may_edit(&ctx.actor, &d) {
        return Err(Error::Forbidden);
    }
    let before = store_ack::rule_in(&mut tx, id).await?;
    let stored = before.as_ref().map(|r| r.revision).unwrap_or(0);
    check_revision(&mut tx, "document_ack_rule", id, id, stored, expected).await?;
    let same = match (&before, &draft) {
        (None, None) => true,
        (Some(b), Some(d)) => b.scope == d.scope && b.groups == d.groups && b.days == d.days,
        _ => false,
    };
    if same {
        return Ok(before);
    }
    let after = store_ack::write_rule(&mut tx, id, draft.as_ref()).await?;
    tx.audit(
        ctx.change("document.ack_rule", "document_ack_rule", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The published version and its day, when there is one.
async fn published(ctx: &Ctx, d: &Document) -> Result<Option<(i64, String)>> {
    let Some(n) = d
        .current_version
        .filter(|_| d.status != DocumentStatus::Retired)
    else {
        return Ok(None);
    };
    let v = ctx.store().document_version(&d.id, n).await?;
    let day = v
        .published_at
        .as_deref()
        .and_then(|p| p.get(..10))
        .unwrap_or_default()
        .to_string();
    Ok(Some((n, day)))
}

/// The counts per department, cached until an acknowledgement, a requirement, a person or a
/// document changes (or the day does).
async fn progress(
    ctx: &Ctx,
    rule: &AckRule,
    version: i64,
    day: &str,
) -> Result<Vec<super::domain_ack::DepartmentAcks>> {
    let store = ctx.store();
    let generations = store
        .generations(["acknowledgement", "person", "document"])
        .await?;
    let at = generations.iter().sum();
    let key = (rule.document_id.clone(), version, ctx.today(), generations);
    if let Some(d) = ctx.caches().ack_progress.get(&key, at) {
        return Ok(d);
    }
    let d = store.ack_summary(rule, version, day, &ctx.today()).await?;
    ctx.caches().ack_progress.put(key, at, d.clone());
    Ok(d)
}

/// How far the audience is with the published version: counts, in all and per department
/// (everyone signed in reads the counts).
#[tracing::instrument(name = "document.ack_summary", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn summary(ctx: &Ctx, id: &str) -> Result<AckSummary> {
    ctx.require_reader()?;
    let d = ctx.store().document(id).await?;
    let rule = ctx.store().ack_rule(id).await?;
    let mut s = AckSummary {
        document_id: d.id.clone(),
        version: None,
        rule: rule.clone(),
        required: 0,
        acknowledged: 0,
        overdue: 0,
        departments: Vec::new(),
    };
    let (Some(rule), Some((version, day))) = (rule, published(ctx, &d).await?) else {
        return Ok(s);
    };
    s.version = Some(version);
    s.departments = progress(ctx, &rule, version, &day).await?;
    for dep in &s.departments {
        s.required += dep.required;
        s.acknowledged += dep.acknowledged;
        s.overdue += dep.overdue;
    }
    Ok(s)
}

/// The people of the audience, by name, with where each stands (readers of the directory:
/// it names people).
#[tracing::instrument(name = "document.ack_lines", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn lines(
    ctx: &Ctx,
    id: &str,
    f: &AckFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<AckLine>> {
    ctx.require(STAFF_READERS)?;
    let d = ctx.store().document(id).await?;
    let empty = Page {
        items: Vec::new(),
        total: 0,
        total_capped: false,
        next_cursor: None,
    };
    let (Some(rule), Some((version, day))) =
        (ctx.store().ack_rule(id).await?, published(ctx, &d).await?)
    else {
        return Ok(empty);
    };
    // The counts (cached) say how many a filter without text finds.
    let departments = progress(ctx, &rule, version, &day).await?;
    let known = f.text.is_none().then(|| {
        departments
            .iter()
            .filter(|d| f.department.as_ref().is_none_or(|x| *x == d.department))
            .map(|d| match f.state {
                None => d.required,
                Some(AckState::Acknowledged) => d.acknowledged,
                Some(AckState::Pending) => d.required - d.acknowledged,
                Some(AckState::Overdue) => d.overdue,
            })
            .sum()
    });
    ctx.store()
        .ack_lines(&rule, version, &day, &ctx.today(), f, cursor, limit, known)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every person of the audience a filter finds, by name (exports, reminders).
pub async fn all_lines(ctx: &Ctx, id: &str, f: &AckFilter) -> Result<Vec<AckLine>> {
    crate::store::collect_pages(
        |cursor| async move { lines(ctx, id, f, cursor.as_deref(), 500).await },
    )
    .await
}

/// Whether a rule asks this person (present today, in its departments or job titles).
fn asks(rule: &AckRule, p: &Person, today: &str) -> bool {
    if matches!(p.status(today), PersonStatus::Left | PersonStatus::Joining) {
        return false;
    }
    rule.scope
        .includes(&rule.groups, &p.department, &p.job_title)
}

/// The published documents a person must acknowledge, with those they have (no role is
/// checked: the caller reads a person it may already read, such as the owner of a task list).
pub(crate) async fn owed_by(ctx: &Ctx, p: &Person) -> Result<Vec<Owed>> {
    let today = ctx.today();
    Ok(ctx
        .store()
        .owed_candidates(&p.id)
        .await?
        .into_iter()
        .filter(|(_, rule, _)| asks(rule, p, &today))
        .map(|(mut o, rule, published_on)| {
            o.due_on = due_on(&published_on, p.started_on.as_deref(), rule.days);
            o
        })
        .collect())
}

/// What a person of the directory owes, and what they acknowledged (readers of the directory).
#[tracing::instrument(name = "document.owed_by_person", skip_all, fields(actor = %ctx.who(), id = %p.id))]
pub async fn owed_by_person(ctx: &Ctx, p: &Person) -> Result<Vec<Owed>> {
    ctx.require(STAFF_READERS)?;
    owed_by(ctx, p).await
}

/// What the holder of a personal link owes, each with the version to read (its text or file).
#[tracing::instrument(name = "document.owed_by_link", skip_all, fields(person = %holder.person().id))]
pub async fn owed_by_holder(ctx: &Ctx, holder: &Holder) -> Result<Vec<(Owed, Version)>> {
    let mut out = Vec::new();
    for o in owed_by(ctx, holder.person()).await? {
        let v = ctx
            .store()
            .document_version(&o.document_id, o.version)
            .await?;
        out.push((o, v));
    }
    Ok(out)
}

/// The file of a version the holder of a personal link is asked to acknowledge (and only
/// such a version: the link opens nothing else of the ISMS), checked against its hash.
#[tracing::instrument(name = "document.file_by_link", skip_all, fields(person = %holder.person().id, document = %document))]
pub async fn file_for_holder(
    ctx: &Ctx,
    holder: &Holder,
    document: &str,
) -> Result<(
    crate::domain::upload::KeptFile,
    crate::registers::evidence::service::BlobReader,
)> {
    let owed = owed_by(ctx, holder.person()).await?;
    let Some(o) = owed.into_iter().find(|o| o.document_id == document) else {
        return Err(Error::NotFound(format!(
            "{document} among the documents this link is for"
        )));
    };
    let v = ctx
        .store()
        .document_version(&o.document_id, o.version)
        .await?;
    service::open_version_file(ctx, &v).await
}

/// What the signed-in person owes, when the staff directory has them (by their e-mail).
#[tracing::instrument(name = "document.owed", skip_all, fields(actor = %ctx.who()))]
pub async fn owed_by_me(ctx: &Ctx) -> Result<Option<(Person, Vec<Owed>)>> {
    ctx.require_reader()?;
    let Some(u) = &ctx.actor.user else {
        return Ok(None);
    };
    let Some(p) = ctx.store().person_by_email(u.email.as_str()).await? else {
        return Ok(None);
    };
    let owed = owed_by(ctx, &p).await?;
    Ok(Some((p, owed)))
}

/// Records that `p` acknowledged the published version of `document` (which must ask them
/// and not be acknowledged yet), in one transaction with its audit entry by `actor`.
async fn record_ack(
    ctx: &Ctx,
    p: &Person,
    document: &str,
    via: AckVia,
    actor: &str,
) -> Result<Owed> {
    let owed = owed_by(ctx, p).await?;
    let Some(mut o) = owed.into_iter().find(|o| o.document_id == document) else {
        return Err(Error::Conflict(format!(
            "{document} does not ask {} to acknowledge it",
            p.name
        )));
    };
    let mut tx = ctx.write().await?;
    let d = store::lock(&mut tx, document).await?;
    // The requirement, read again under the document's lock.
    let today = ctx.today();
    if !store_ack::rule_in(&mut tx, document)
        .await?
        .is_some_and(|r| asks(&r, p, &today))
    {
        return Err(Error::Conflict(format!(
            "{document} no longer asks {} to acknowledge it",
            p.name
        )));
    }
    if d.current_version != Some(o.version) {
        return Err(Error::Conflict(
            "a newer version was published meanwhile: read it first".into(),
        ));
    }
    if let Some(at) = store_ack::acknowledged_in(&mut tx, document, o.version, &p.id).await? {
        o.acknowledged_at = Some(at);
        return Ok(o);
    }
    let at =
        store_ack::insert_ack(&mut tx, document, o.version, &p.id, via, actor, &o.sha256).await?;
    tx.audit(
        Change::new(actor, "document.acknowledge", "document", document).after(
            serde_json::json!({ "person": p.id, "version": o.version, "sha256": o.sha256, "via": via.key() }),
        ),
    )
    .await?;
    tx.commit().await?;
    o.acknowledged_at = Some(at);
    Ok(o)
}

/// The signed-in person acknowledges a document.
#[tracing::instrument(name = "document.acknowledge", skip_all, fields(actor = %ctx.who(), id = %document))]
pub async fn acknowledge_signed_in(ctx: &Ctx, document: &str) -> Result<Owed> {
    let Some((p, _)) = owed_by_me(ctx).await? else {
        return Err(Error::Conflict(
            "the staff directory has no one with your e-mail address, so no document asks you to acknowledge it".into(),
        ));
    };
    record_ack(ctx, &p, document, AckVia::SignedIn, ctx.who()).await
}

/// The holder of a personal link acknowledges a document.
#[tracing::instrument(name = "document.acknowledge_by_link", skip_all, fields(id = %document))]
pub async fn acknowledge_by_link(ctx: &Ctx, holder: &Holder, document: &str) -> Result<Owed> {
    let p = holder.person();
    let actor = format!("link:{}", p.id);
    record_ack(ctx, p, document, AckVia::Link, &actor).await
}

/// A manager records an acknowledgement given on paper or by e-mail.
#[tracing::instrument(name = "document.record_ack", skip_all, fields(actor = %ctx.who(), id = %document))]
pub async fn record(ctx: &Ctx, document: &str, person: &str) -> Result<Owed> {
    ctx.require(EDITORS)?;
    let p = ctx.store().person(person).await?;
    record_ack(ctx, &p, document, AckVia::Recorded, ctx.who()).await
}

/// Links for the people of a document's audience who have not acknowledged it yet (the
/// reminder a manager sends until Annex sends e-mail itself): (person, name, e-mail, path).
#[tracing::instrument(name = "document.reminders", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn reminders(ctx: &Ctx, id: &str, days: i64) -> Result<Vec<(AckLine, String)>> {
    ctx.require(EDITORS)?;
    let f = AckFilter {
        state: Some(super::domain_ack::AckState::Pending),
        ..AckFilter::default()
    };
    let pending = all_lines(ctx, id, &f).await?;
    let ids: Vec<String> = pending.iter().map(|l| l.person_id.clone()).collect();
    let links = crate::registers::staff::service_link::make_many(ctx, &ids, days).await?;
    Ok(pending
        .into_iter()
        .zip(links)
        .map(|(l, (_, path))| (l, path))
        .collect())
}

/// Records, for the demo organisation, the acknowledgements `given(person, document)` says
/// were given, of every published version that asks for them (administrators). One audit
/// entry per document says how many.
#[tracing::instrument(name = "document.demo_acknowledgements", skip_all, fields(actor = %ctx.who()))]
pub async fn demo_acknowledgements(
    ctx: &Ctx,
    mut given: impl FnMut(&str, &str) -> bool,
) -> Result<usize> {
    ctx.require(crate::domain::user::ADMIN)?;
    let documents = ctx
        .store()
        .all_documents(&super::domain::DocumentFilter {
            status: Some(DocumentStatus::Published),
            ..Default::default()
        })
        .await?;
    let mut total = 0;
    for d in documents {
        let (Some(rule), Some((version, day))) = (
            ctx.store().ack_rule(&d.id).await?,
            published(ctx, &d).await?,
        ) else {
            continue;
        };
        let sha = ctx
            .store()
            .document_version(&d.id, version)
            .await?
            .sha256
            .unwrap_or_default();
        let mut people = Vec::new();
        let mut cursor: Option<String> = None;
        let pending = AckFilter {
            state: Some(super::domain_ack::AckState::Pending),
            ..AckFilter::default()
        };
        loop {
            let page = ctx
                .store()
                .ack_lines(
                    &rule,
                    version,
                    &day,
                    &ctx.today(),
                    &pending,
                    cursor.as_deref(),
                    500,
                    Some(0),
                )
                .await?;
            people.extend(
                page.items
                    .into_iter()
                    .filter(|l| given(&l.person_id, &d.id))
                    .map(|l| l.person_id),
            );
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        if people.is_empty() {
            continue;
        }
        let mut tx = ctx.write().await?;
        store_ack::insert_acks(
            &mut tx,
            &d.id,
            version,
            &people,
            AckVia::Recorded,
            ctx.who(),
            &sha,
        )
        .await?;
        tx.audit(
            ctx.change("document.acknowledge", "document", &d.id)
                .after(serde_json::json!({ "version": version, "acknowledged_by": people.len(), "via": "demo" })),
        )
        .await?;
        tx.commit().await?;
        total += people.len();
    }
    Ok(total)
}
