//! Management reviews, their frozen packs and their actions in the store.

use super::domain::{
    Review, ReviewAction, ReviewActionDraft, ReviewActionStatus, ReviewDraft, ReviewStatus,
};
use crate::error::{Error, Result};
use crate::store::{Store, Tx, tx_exec, tx_fetch_in, tx_query};

type ReviewRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
);

const COLUMNS: &str = "review_id, title, planned_on, held_on, status, chair, attendees, feedback, decisions, pack_sha256, updated_at, revision";

fn review_of(r: ReviewRow) -> Review {
    Review {
        id: r.0,
        title: r.1,
        planned_on: r.2,
        held_on: r.3,
        status: ReviewStatus::parse(&r.4).unwrap_or(ReviewStatus::Planned),
        chair: r.5,
        attendees: r.6,
        feedback: r.7,
        decisions: r.8,
        pack_sha256: r.9,
        actions: Vec::new(),
        updated_at: r.10,
        revision: r.11,
    }
}

type ActionRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    i64,
);

const ACTION_COLUMNS: &str =
    "action_id, review_id, title, owner, due_on, status, done_on, updated_at, revision";

fn action_of(r: ActionRow) -> ReviewAction {
    ReviewAction {
        id: r.0,
        review: r.1,
        title: r.2,
        owner: r.3,
        due_on: r.4,
        status: ReviewActionStatus::parse(&r.5).unwrap_or(ReviewActionStatus::Open),
        done_on: r.6,
        updated_at: r.7,
        revision: r.8,
    }
}

async fn with_actions(tx: &mut Tx, mut items: Vec<Review>) -> Result<Vec<Review>> {
    let ids: Vec<String> = items.iter().map(|x| x.id.clone()).collect();
    let rows: Vec<ActionRow> = tx_fetch_in!(
        tx,
        ActionRow,
        &format!("select {ACTION_COLUMNS} from review_action where review_id in "),
        ids,
        " order by action_id"
    );
    let mut by: std::collections::HashMap<String, Vec<ReviewAction>> = Default::default();
    for r in rows {
        let a = action_of(r);
        by.entry(a.review.clone()).or_default().push(a);
    }
    for x in &mut items {
        x.actions = by.remove(&x.id).unwrap_or_default();
    }
    Ok(items)
}

pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<Review>> {
    let r: Option<ReviewRow> = tx_query!(
        tx,
        fetch_optional,
        ReviewRow,
        &format!("select {COLUMNS} from management_review where review_id = $1"),
        id
    )?;
    match r {
        None => Ok(None),
        Some(r) => Ok(with_actions(tx, vec![review_of(r)]).await?.pop()),
    }
}

pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Review> {
    if !tx.lock_row("management_review", "review_id", id).await? {
        return Err(Error::NotFound(format!("management review {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("management review {id}")))
}

pub(crate) async fn insert(tx: &mut Tx, d: &ReviewDraft) -> Result<Review> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("management_review", "review_id", "MR"),
        "a management review",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into management_review (review_id, title, planned_on, updated_at) values ($1, $2, $3, $4)",
        &id,
        &d.title,
        &d.planned_on,
        &now
    )?;
    write(tx, &id, d, false).await
}

pub(crate) async fn write(tx: &mut Tx, id: &str, d: &ReviewDraft, bump: bool) -> Result<Review> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update management_review set title = $1, planned_on = $2, chair = $3, attendees = $4,
                feedback = $5, decisions = $6, updated_at = $7{} where review_id = $8",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.title,
        &d.planned_on,
        &d.chair,
        &d.attendees,
        &d.feedback,
        &d.decisions,
        &now,
        id
    )?;
    lock(tx, id).await
}

/// Holds the review: keeps its pack and the pack's SHA-256, never to change.
pub(crate) async fn hold(
    tx: &mut Tx,
    id: &str,
    day: &str,
    pack: &str,
    sha: &str,
) -> Result<Review> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update management_review set status = 'held', held_on = $1, pack = $2, pack_sha256 = $3,
            updated_at = $4, revision = revision + 1 where review_id = $5",
        day,
        pack,
        sha,
        &now,
        id
    )?;
    lock(tx, id).await
}

pub(crate) async fn action_in(tx: &mut Tx, id: &str) -> Result<Option<ReviewAction>> {
    let r: Option<ActionRow> = tx_query!(
        tx,
        fetch_optional,
        ActionRow,
        &format!("select {ACTION_COLUMNS} from review_action where action_id = $1"),
        id
    )?;
    Ok(r.map(action_of))
}

pub(crate) async fn lock_action(tx: &mut Tx, id: &str) -> Result<ReviewAction> {
    if !tx.lock_row("review_action", "action_id", id).await? {
        return Err(Error::NotFound(format!("review action {id}")));
    }
    action_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("review action {id}")))
}

pub(crate) async fn insert_action(
    tx: &mut Tx,
    review: &str,
    id: Option<&str>,
    d: &ReviewActionDraft,
    today: &str,
) -> Result<ReviewAction> {
    let id =
        crate::store::claim_id(tx, id, ("review_action", "action_id", "RA"), "an action").await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into review_action (action_id, review_id, title, owner, due_on, status, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
        &id,
        review,
        &d.title,
        &d.owner,
        &d.due_on,
        d.status.key(),
        &now
    )?;
    write_action(tx, &id, d, None, today).await
}

pub(crate) async fn write_action(
    tx: &mut Tx,
    id: &str,
    d: &ReviewActionDraft,
    before: Option<&ReviewAction>,
    today: &str,
) -> Result<ReviewAction> {
    let now = tx.now().to_string();
    let done_on = match (d.status, before) {
        (ReviewActionStatus::Done, Some(b)) if b.status == ReviewActionStatus::Done => {
            b.done_on.clone()
        }
        (ReviewActionStatus::Done, _) => Some(today.to_string()),
        _ => None,
    };
    tx_exec!(
        tx,
        &format!(
            "update review_action set title = $1, owner = $2, due_on = $3, status = $4, done_on = $5,
                updated_at = $6{} where action_id = $7",
            if before.is_some() {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.title,
        &d.owner,
        &d.due_on,
        d.status.key(),
        &done_on,
        &now,
        id
    )?;
    lock_action(tx, id).await
}

impl Store {
    /// Every review, newest first (at most 1,000), with its actions.
    pub async fn reviews(&self) -> Result<Vec<Review>> {
        let mut tx = self.read_tx().await?;
        let rows: Vec<ReviewRow> = tx_query!(
            &mut tx,
            fetch_all,
            ReviewRow,
            &format!(
                "select {COLUMNS} from management_review order by planned_on desc, review_id desc limit 1000"
            )
        )?;
        let items = with_actions(&mut tx, rows.into_iter().map(review_of).collect()).await?;
        tx.commit().await?;
        Ok(items)
    }

    /// A review with its frozen pack's text, if held.
    pub async fn review(&self, id: &str) -> Result<(Review, Option<String>)> {
        let mut tx = self.read_tx().await?;
        let r = read_in(&mut tx, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("management review {id}")))?;
        let (pack,): (Option<String>,) = tx_query!(
            &mut tx,
            fetch_one,
            (Option<String>,),
            "select pack from management_review where review_id = $1",
            id
        )?;
        tx.commit().await?;
        Ok((r, pack))
    }

    pub async fn review_action(&self, id: &str) -> Result<ReviewAction> {
        let mut tx = self.read_tx().await?;
        let a = action_in(&mut tx, id).await?;
        tx.commit().await?;
        a.ok_or_else(|| Error::NotFound(format!("review action {id}")))
    }
}
