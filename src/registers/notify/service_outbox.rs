//! Writing messages to the outbox inside the write that causes them, so that a message is
//! sent if and only if its change was committed. Called by other registers' use cases.

use super::domain::{Mail, MessageKind, Preferences};
use super::service_webhook::enqueue_events;
use super::store::{self, NewMessage};
use crate::error::Result;
use crate::registers::task::domain::{ManualTask, Task, TaskKind};
use crate::service::Ctx;
use crate::store::Tx;

/// Writes `mail` for `to` under `key` unless that key was written before; answers whether it
/// was written.
pub(crate) async fn enqueue_mail(
    tx: &mut Tx,
    key: &str,
    kind: MessageKind,
    to: &str,
    mail: &Mail,
) -> Result<bool> {
    store::enqueue(
        tx,
        &NewMessage {
            key,
            kind: kind.key(),
            channel: "mail",
            recipient: to,
            subject: &mail.subject,
            text: &mail.text(),
            html: &mail.html(),
        },
    )
    .await
}

/// Whether `email` wants messages of `kind`, read inside the write.
pub(crate) async fn wants_in(tx: &mut Tx, email: &str, kind: MessageKind) -> Result<bool> {
    Ok(match store::preference_in(tx, email).await? {
        Some((digest, muted)) => {
            Preferences::from_row(email.to_string(), &digest, &muted, None, 0).wants(kind)
        }
        None => true,
    })
}

/// Tells the owner of a written task that it was given to them, when someone else gave it
/// (on creation, or when `before_owner` differs) and they want such messages.
pub(crate) async fn assigned_within(
    ctx: &Ctx,
    tx: &mut Tx,
    t: &ManualTask,
    before_owner: Option<&str>,
) -> Result<()> {
    if t.status != crate::registers::task::domain::TaskStatus::Open {
        return Ok(());
    }
    let task = Task::new(
        TaskKind::Manual,
        &t.id,
        "",
        &t.title,
        &t.owner,
        t.due_on.clone(),
        None,
    );
    record_assigned_within(ctx, tx, &task, before_owner, t.revision).await
}

/// Tells the owner of `task` (a measure, a risk, an action someone made theirs) that it is
/// theirs now, when someone else made it so — on creation, or when `before_owner` differs —
/// and they want such messages; once per record and revision.
pub(crate) async fn record_assigned_within(
    ctx: &Ctx,
    tx: &mut Tx,
    task: &Task,
    before_owner: Option<&str>,
    revision: i64,
) -> Result<()> {
    let owner = task.owner.to_lowercase();
    if !owner.contains('@')
        || owner.eq_ignore_ascii_case(ctx.who())
        || before_owner.is_some_and(|b| b.trim().eq_ignore_ascii_case(&owner))
    {
        return Ok(());
    }
    let by = ctx
        .actor
        .user
        .as_ref()
        .map(|u| u.name.clone())
        .unwrap_or_else(|| ctx.who().to_string());
    let key = format!("assignment:{}:{owner}:{revision}", task.id);
    let (today, base) = (ctx.today(), ctx.public_url());
    let webhooks = super::store_webhook::webhooks_in(tx).await?;
    if webhooks.iter().any(|w| w.takes(MessageKind::Assignment)) {
        let event = super::domain::assignment(&by, &owner, task, &today, &base);
        enqueue_events(tx, &webhooks, MessageKind::Assignment, &key, &event).await?;
    }
    if wants_in(tx, &owner, MessageKind::Assignment).await? {
        let mail = super::domain::assignment(&by, "you", task, &today, &base);
        enqueue_mail(tx, &key, MessageKind::Assignment, &owner, &mail).await?;
    }
    Ok(())
}
