//! Webhooks' use cases (admins): list, add (the signing key shown once), change, remove, post
//! a test now; and writing an event to every webhook that takes it, inside the write that
//! caused it, so that it goes through the outbox like e-mail — once, with retries.

use super::domain::{Mail, MessageKind};
use super::domain_webhook::{self as hooks, Webhook, WebhookInput, check_id};
use super::store::{self, NewMessage};
use super::store_webhook as hook_store;
use crate::domain::user::ADMIN;
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision};
use crate::store::Tx;

/// Every webhook.
#[tracing::instrument(name = "webhook.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(ctx: &Ctx) -> Result<Vec<Webhook>> {
    ctx.require(ADMIN)?;
    ctx.store().webhooks().await
}

/// One webhook.
#[tracing::instrument(name = "webhook.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Webhook> {
    ctx.require(ADMIN)?;
    check_id(id)?;
    ctx.store()
        .webhook(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("webhook {id}")))
}

/// A webhook just added, with the key it signs with (shown this once).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NewWebhook {
    pub webhook: Webhook,
    /// The key of the `X-Annex-Signature` header: HMAC-SHA256 of `"{timestamp}.{body}"`
    /// with the `X-Annex-Timestamp` header's value. It is not shown again.
    pub signing_key: String,
}

/// Adds a webhook.
#[tracing::instrument(name = "webhook.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &WebhookInput) -> Result<NewWebhook> {
    ctx.require(ADMIN)?;
    let f = input.parse(true)?;
    let key = hooks::new_signing_key();
    let mut tx = ctx.write().await?;
    let id = crate::store::next_ids(&mut tx, "webhook", "WH", "webhook", "webhook_id", 1)
        .await?
        .remove(0);
    hook_store::insert_webhook(&mut tx, &id, &f, &key, ctx.who()).await?;
    let (webhook, _) = hook_store::lock_webhook(&mut tx, &id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("webhook {id}")))?;
    tx.audit(ctx.change("webhook.create", "webhook", &id).after(&webhook))
        .await?;
    tx.commit().await?;
    Ok(NewWebhook {
        webhook,
        signing_key: key,
    })
}

/// A webhook locked for a change, refused when the writer saw an older revision: it as
/// shown, and its stored address.
async fn locked(tx: &mut Tx, id: &str, expected: Expected) -> Result<(Webhook, String)> {
    let (w, url) = hook_store::lock_webhook(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("webhook {id}")))?;
    check_revision(tx, "webhook", id, id, w.revision, expected).await?;
    Ok((w, url))
}

/// Changes a webhook (an empty address keeps the stored one).
#[tracing::instrument(name = "webhook.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &WebhookInput,
) -> Result<Webhook> {
    ctx.require(ADMIN)?;
    check_id(id)?;
    let mut f = input.parse(false)?;
    let mut tx = ctx.write().await?;
    let (before, url) = locked(&mut tx, id, expected).await?;
    if f.url.is_empty() {
        f.url = url;
    }
    hook_store::update_webhook(&mut tx, id, &f).await?;
    let (after, _) = hook_store::lock_webhook(&mut tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("webhook {id}")))?;
    tx.audit(
        ctx.change("webhook.update", "webhook", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a webhook; what waits for it in the outbox is given up.
#[tracing::instrument(name = "webhook.remove", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn remove(ctx: &Ctx, id: &str, expected: Expected) -> Result<()> {
    ctx.require(ADMIN)?;
    check_id(id)?;
    let mut tx = ctx.write().await?;
    let (before, _) = locked(&mut tx, id, expected).await?;
    hook_store::delete_webhook(&mut tx, id).await?;
    tx.audit(ctx.change("webhook.remove", "webhook", id).before(&before))
        .await?;
    tx.commit().await?;
    Ok(())
}

/// The headers of a post: the event, the delivery's id (a receiver can drop one it saw),
/// the moment and the signature.
pub fn headers(
    key: &str,
    kind: &str,
    delivery: &str,
    now: time::OffsetDateTime,
    body: &str,
) -> Vec<(&'static str, String)> {
    let ts = now.unix_timestamp();
    vec![
        ("x-annex-event", kind.to_string()),
        ("x-annex-delivery", delivery.to_string()),
        ("x-annex-timestamp", ts.to_string()),
        ("x-annex-signature", hooks::signature(key, ts, body)),
    ]
}

/// Posts a test event to a webhook now (admins), even while it is turned off, and answers
/// what the receiver said; the error names why it was not delivered.
#[tracing::instrument(name = "webhook.test", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn test(ctx: &Ctx, id: &str) -> Result<String> {
    let hook = get(ctx, id).await?;
    let (url, key, _) = ctx
        .store()
        .webhook_target(id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("webhook {id}")))?;
    let now = ctx.clock().now();
    let at = crate::domain::clock::stamp(now);
    let mail = Mail {
        subject: format!("Annex: test event from {}", ctx.who()),
        heading: String::new(),
        intro: String::new(),
        sections: vec![super::domain::Section {
            title: String::new(),
            lines: vec![super::domain::Line {
                text: "Webhooks from Annex arrive here".into(),
                note: "nothing needs doing".into(),
                link: format!("{}/admin/notifications", ctx.public_url()),
            }],
        }],
        settings_link: String::new(),
    };
    let body = hooks::body(hook.format, MessageKind::Test, &mail, &at);
    let delivery = uuid::Uuid::new_v4().simple().to_string();
    let result = crate::service::webhook::post(&crate::service::webhook::Post {
        url: &url,
        body: &body,
        headers: &headers(&key, "test", &delivery, now, &body),
    })
    .await;
    let mut tx = ctx.write().await?;
    tx.audit(
        ctx.change("webhook.test", "webhook", id)
            .after(serde_json::json!({
                "target": hook.target,
                "delivered": result.is_ok(),
                "error": result.as_ref().err(),
            })),
    )
    .await?;
    tx.commit().await?;
    match result {
        Ok(status) => Ok(format!("{} answered {status}", hook.target)),
        Err(e) => Err(Error::Conflict(format!(
            "{} did not take the event: {e}",
            hook.target
        ))),
    }
}

/// Writes the event told by `mail` for every webhook among `webhooks` that takes `kind`,
/// under `key` (what the event is: a second writer of the same event writes nothing).
pub(crate) async fn enqueue_events(
    tx: &mut Tx,
    webhooks: &[Webhook],
    kind: MessageKind,
    key: &str,
    mail: &Mail,
) -> Result<usize> {
    let mut n = 0;
    let at = tx.now().to_string();
    for w in webhooks.iter().filter(|w| w.takes(kind)) {
        let body = hooks::body(w.format, kind, mail, &at);
        let written = store::enqueue(
            tx,
            &NewMessage {
                key: &format!("hook:{}:{key}", w.id),
                kind: kind.key(),
                channel: "webhook",
                recipient: &w.id,
                subject: &mail.subject,
                text: &body,
                html: "",
            },
        )
        .await?;
        n += usize::from(written);
    }
    Ok(n)
}
