//! Management review's use cases: managers and admins plan reviews, hold them (which freezes
//! their input pack by its SHA-256), write their decisions and the actions they decide on; an
//! action's owner marks it done; everyone signed in reads.

use super::domain::{
    Pack, Review, ReviewAction, ReviewActionInput, ReviewActionRow, ReviewDraft, ReviewInput,
    ReviewRecord, day_refusal, hold_refusal,
};
use super::store;
use crate::error::{Error, FieldError, Result};
use crate::registers::imports::service_overlay::{self as overlay, Overlay};
use crate::service::{Ctx, Expected, check_revision};

#[tracing::instrument(name = "review.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(ctx: &Ctx) -> Result<Vec<Review>> {
    ctx.require_reader()?;
    ctx.store().reviews().await
}

/// A review with its pack: the frozen one once held (refused when it no longer matches its
/// hash), else generated now.
#[tracing::instrument(name = "review.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<ReviewRecord> {
    ctx.require_reader()?;
    let (review, frozen) = ctx.store().review(id).await?;
    match (frozen, &review.pack_sha256) {
        (Some(text), Some(sha)) => {
            let pack: Option<Pack> = serde_json::from_str(&text).ok();
            match pack {
                Some(pack) if crate::domain::sha256_hex(&text) == *sha => Ok(ReviewRecord {
                    review,
                    pack,
                    frozen: true,
                }),
                _ => Err(Error::Conflict(format!(
                    "The input pack of {id} no longer matches what was frozen when it was held (its SHA-256 was {sha}), so Annex will not show it. Restore the database from a backup; the audit trail shows who held the review."
                ))),
            }
        }
        _ => {
            let all = ctx.store().reviews().await?;
            let pack = super::service_pack::generate(ctx, &review, &all).await?;
            Ok(ReviewRecord {
                review,
                pack,
                frozen: false,
            })
        }
    }
}

/// Plans a review (managers and admins).
#[tracing::instrument(name = "review.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &ReviewInput) -> Result<Review> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let x = store::insert(&mut tx, &d).await?;
    tx.audit(ctx.change("review.create", "review", &x.id).after(&x))
        .await?;
    tx.commit().await?;
    Ok(x)
}

/// Changes a review (managers and admins): its plan before it is held, its feedback,
/// attendees and decisions at any time; its pack stays frozen.
#[tracing::instrument(name = "review.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ReviewInput,
) -> Result<Review> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "review", id, id, before.revision, expected).await?;
    crate::service::keep_id(d.id.as_deref(), id, "a management review")?;
    if let Some(why) = day_refusal(&before, &d.planned_on) {
        return Err(Error::field("planned_on", why));
    }
    let after = store::write(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("review.update", "review", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Holds a review (managers and admins): its pack is generated now and frozen with its
/// SHA-256 in the same write, so what was reviewed stays as it was.
#[tracing::instrument(name = "review.hold", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn hold(ctx: &Ctx, id: &str, expected: Expected) -> Result<ReviewRecord> {
    ctx.require_editor()?;
    // The pack reads many registers through their use cases; it is made first, then checked
    // against the review's revision inside the write, so a change in between is refused.
    let current = ctx.store().review(id).await?.0;
    let all = ctx.store().reviews().await?;
    let pack = super::service_pack::generate(ctx, &current, &all).await?;
    let text = pack.canonical();
    let sha = crate::domain::sha256_hex(&text);
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "review", id, id, before.revision, expected).await?;
    if before.revision != current.revision {
        return Err(Error::Conflict(format!(
            "{id} changed while its pack was made: hold it again"
        )));
    }
    if let Some(why) = hold_refusal(&before, &ctx.today()) {
        return Err(Error::Conflict(why));
    }
    let after = store::hold(&mut tx, id, &ctx.today(), &text, &sha).await?;
    tx.audit(
        ctx.change("review.hold", "review", id)
            .before(&before)
            .after(serde_json::json!({"held_on": after.held_on, "pack_sha256": sha})),
    )
    .await?;
    tx.commit().await?;
    Ok(ReviewRecord {
        review: after,
        pack,
        frozen: true,
    })
}

/// Records an action a review decided on (managers and admins).
#[tracing::instrument(name = "review.action.create", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn create_action(ctx: &Ctx, id: &str, input: &ReviewActionInput) -> Result<ReviewAction> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let r = store::lock(&mut tx, id).await?;
    let a = store::insert_action(&mut tx, &r.id, None, &d, &ctx.today()).await?;
    tx.audit(
        ctx.change("review.action.create", "review_action", &a.id)
            .after(&a),
    )
    .await?;
    tell_owner(ctx, &mut tx, &a, None).await?;
    tx.commit().await?;
    Ok(a)
}

/// Tells an open action's new owner it is theirs, in the write that made it so.
async fn tell_owner(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    a: &ReviewAction,
    before_owner: Option<&str>,
) -> Result<()> {
    if a.status != super::domain::ReviewActionStatus::Open {
        return Ok(());
    }
    let task = crate::registers::task::domain::Task::new(
        crate::registers::task::domain::TaskKind::ReviewAction,
        &a.id,
        &a.review,
        &a.title,
        &a.owner,
        Some(a.due_on.clone()),
        None,
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

#[tracing::instrument(name = "review.action.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn action(ctx: &Ctx, id: &str) -> Result<ReviewAction> {
    ctx.require_reader()?;
    ctx.store().review_action(id).await
}

/// Changes a review's action, e.g. marks it done (managers, admins, or its owner).
#[tracing::instrument(name = "review.action.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update_action(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ReviewActionInput,
) -> Result<ReviewAction> {
    ctx.require_reader()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = store::lock_action(&mut tx, id).await?;
    if !ctx.actor.may_edit_owned(&before.owner) {
        return Err(Error::Forbidden);
    }
    check_revision(&mut tx, "review_action", id, id, before.revision, expected).await?;
    let after = store::write_action(&mut tx, id, &d, Some(&before), &ctx.today()).await?;
    tx.audit(
        ctx.change("review.action.update", "review_action", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tell_owner(ctx, &mut tx, &after, Some(&before.owner)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Imports reviews (managers and admins): all rows or none; a row whose id is a review of
/// Annex updates only the columns its file has. A held review keeps its day; whether it was
/// held and its frozen pack are Annex's.
#[tracing::instrument(name = "review.import", skip_all, fields(actor = %ctx.who()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    overlay::run(ctx, ReviewRows, rows, dry_run, upload).await
}

struct ReviewRows;

impl Overlay for ReviewRows {
    type Draft = ReviewDraft;
    type Record = Review;
    const ENTITY: &'static str = "review";
    const ACTION: &'static str = "review";

    fn record_id(r: &Review) -> &str {
        &r.id
    }

    fn draft_id(d: &ReviewDraft) -> Option<&str> {
        d.id.as_deref()
    }

    fn new_label(d: &ReviewDraft) -> String {
        format!("a new review ({})", d.title)
    }

    fn overlay(
        &self,
        base: Option<&Review>,
        values: &[(&'static str, String)],
    ) -> Result<ReviewDraft> {
        base.map(ReviewInput::from)
            .unwrap_or_default()
            .overlay(values)
    }

    async fn read(&self, tx: &mut crate::store::Tx, id: &str) -> Result<Option<Review>> {
        store::read_in(tx, id).await
    }

    async fn check(
        &mut self,
        _: &mut crate::store::Tx,
        row: usize,
        d: &ReviewDraft,
        before: Option<&Review>,
    ) -> Result<Vec<FieldError>> {
        Ok(before
            .and_then(|b| day_refusal(b, &d.planned_on))
            .map(|why| FieldError::new(format!("row {row}, planned_on"), why))
            .into_iter()
            .collect())
    }

    async fn insert(&self, tx: &mut crate::store::Tx, d: &ReviewDraft) -> Result<Review> {
        store::insert(tx, d).await
    }

    async fn write(
        &self,
        tx: &mut crate::store::Tx,
        before: &Review,
        d: &ReviewDraft,
    ) -> Result<Review> {
        store::write(tx, &before.id, d, true).await
    }
}

/// Every action reviews decided on, newest review first.
#[tracing::instrument(name = "review.actions", skip_all, fields(actor = %ctx.who()))]
pub async fn actions(ctx: &Ctx) -> Result<Vec<ReviewAction>> {
    Ok(list(ctx)
        .await?
        .into_iter()
        .flat_map(|r| r.actions)
        .collect())
}

/// Imports the actions reviews decided on (managers and admins): all rows or none; each
/// names its review, which must exist; a row whose id is an action of Annex updates only the
/// columns its file has, and an action stays with its review.
#[tracing::instrument(name = "review.action.import", skip_all, fields(actor = %ctx.who()))]
pub async fn import_actions(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    let rows_of = ActionRows {
        today: ctx.today(),
        reviews: Default::default(),
    };
    overlay::run(ctx, rows_of, rows, dry_run, upload).await
}

struct ActionRows {
    today: String,
    /// Review id → whether it exists.
    reviews: std::collections::HashMap<String, bool>,
}

impl Overlay for ActionRows {
    type Draft = ReviewActionRow;
    type Record = ReviewAction;
    const ENTITY: &'static str = "review_action";
    const ACTION: &'static str = "review.action";

    fn record_id(r: &ReviewAction) -> &str {
        &r.id
    }

    fn draft_id(d: &ReviewActionRow) -> Option<&str> {
        d.id.as_deref()
    }

    fn new_label(d: &ReviewActionRow) -> String {
        format!("a new action of {} ({})", d.review, d.action.title)
    }

    fn overlay(
        &self,
        base: Option<&ReviewAction>,
        values: &[(&'static str, String)],
    ) -> Result<ReviewActionRow> {
        ReviewActionRow::overlay(base, values)
    }

    async fn read(&self, tx: &mut crate::store::Tx, id: &str) -> Result<Option<ReviewAction>> {
        store::action_in(tx, id).await
    }

    async fn check(
        &mut self,
        tx: &mut crate::store::Tx,
        row: usize,
        d: &ReviewActionRow,
        before: Option<&ReviewAction>,
    ) -> Result<Vec<FieldError>> {
        let field = format!("row {row}, review");
        if let Some(b) = before.filter(|b| b.review != d.review) {
            return Ok(vec![FieldError::new(
                field,
                format!("{} stays with {}", b.id, b.review),
            )]);
        }
        let exists = match self.reviews.get(&d.review) {
            Some(e) => *e,
            None => {
                let e = store::read_in(tx, &d.review).await?.is_some();
                self.reviews.insert(d.review.clone(), e);
                e
            }
        };
        Ok(if exists {
            Vec::new()
        } else {
            vec![FieldError::new(
                field,
                format!("there is no management review {}", d.review),
            )]
        })
    }

    async fn insert(&self, tx: &mut crate::store::Tx, d: &ReviewActionRow) -> Result<ReviewAction> {
        store::insert_action(tx, &d.review, d.id.as_deref(), &d.action, &self.today).await
    }

    async fn write(
        &self,
        tx: &mut crate::store::Tx,
        before: &ReviewAction,
        d: &ReviewActionRow,
    ) -> Result<ReviewAction> {
        store::write_action(tx, &before.id, &d.action, Some(before), &self.today).await
    }
}
