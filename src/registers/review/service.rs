//! Management review's use cases: managers and admins plan reviews, hold them (which freezes
//! their input pack by its SHA-256), write their decisions and the actions they decide on; an
//! action's owner marks it done; everyone signed in reads.

use super::domain::{
    Pack, Review, ReviewAction, ReviewActionInput, ReviewInput, ReviewRecord, ReviewStatus,
    hold_refusal,
};
use super::store;
use crate::error::{Error, Result};
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
    if before.status == ReviewStatus::Held && d.planned_on != before.planned_on {
        return Err(Error::field(
            "planned_on",
            format!(
                "{id} was held on {}: its day stays",
                before.held_on.as_deref().unwrap_or_default()
            ),
        ));
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
    let a = store::insert_action(&mut tx, &r.id, &d, &ctx.today()).await?;
    tx.audit(
        ctx.change("review.action.create", "review_action", &a.id)
            .after(&a),
    )
    .await?;
    tx.commit().await?;
    Ok(a)
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
    tx.commit().await?;
    Ok(after)
}

/// The pack of a review as a PDF: (file name, bytes).
#[tracing::instrument(name = "review.pdf", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn pack_pdf(ctx: &Ctx, id: &str) -> Result<(String, Vec<u8>)> {
    let r = get(ctx, id).await?;
    let org = crate::registers::organisation::service::name(ctx).await?;
    let bytes = super::exchange::pack_pdf(&org, &r, &ctx.now())?;
    Ok((format!("{id}-input-pack.pdf"), bytes))
}
