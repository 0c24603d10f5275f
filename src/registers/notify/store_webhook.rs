//! Webhooks in the store. A webhook's address and signing key are read only to post to it
//! (`Store::webhook_target`); every other read cuts the address to its host.

use super::domain_webhook::{Webhook, WebhookFields, WebhookRow, events_key, webhook_of};
use crate::error::Result;
use crate::store::{Store, Tx, pool_query, tx_exec, tx_query};

const COLUMNS: &str =
    "webhook_id, name, url, format, events, signing_key, enabled, created_at, created_by, revision";

impl Store {
    /// Every webhook, oldest first.
    pub async fn webhooks(&self) -> Result<Vec<Webhook>> {
        let rows: Vec<WebhookRow> = pool_query!(
            self,
            fetch_all,
            WebhookRow,
            &format!("select {COLUMNS} from webhook order by created_at, webhook_id")
        )?;
        Ok(rows.into_iter().map(webhook_of).collect())
    }

    /// One webhook.
    pub async fn webhook(&self, id: &str) -> Result<Option<Webhook>> {
        let row: Option<WebhookRow> = pool_query!(
            self,
            fetch_optional,
            WebhookRow,
            &format!("select {COLUMNS} from webhook where webhook_id = $1"),
            id
        )?;
        Ok(row.map(webhook_of))
    }

    /// Where a webhook posts, the key it signs with, and whether it is turned on.
    pub async fn webhook_target(&self, id: &str) -> Result<Option<(String, String, bool)>> {
        Ok(pool_query!(
            self,
            fetch_optional,
            (String, String, bool),
            "select url, signing_key, enabled from webhook where webhook_id = $1",
            id
        )?)
    }
}

/// Every webhook, read inside a write (which events go where).
pub(crate) async fn webhooks_in(tx: &mut Tx) -> Result<Vec<Webhook>> {
    let rows: Vec<WebhookRow> = tx_query!(
        tx,
        fetch_all,
        WebhookRow,
        &format!("select {COLUMNS} from webhook order by webhook_id")
    )?;
    Ok(rows.into_iter().map(webhook_of).collect())
}

/// A webhook locked for a change: it as shown, and its stored address.
pub(crate) async fn lock_webhook(tx: &mut Tx, id: &str) -> Result<Option<(Webhook, String)>> {
    if !tx.lock_row("webhook", "webhook_id", id).await? {
        return Ok(None);
    }
    let sql = format!("select {COLUMNS} from webhook where webhook_id = $1");
    let row: Option<WebhookRow> = tx_query!(tx, fetch_optional, WebhookRow, &sql, id)?;
    Ok(row.map(|r| {
        let url = r.2.clone();
        (webhook_of(r), url)
    }))
}

/// Writes a new webhook.
pub(crate) async fn insert_webhook(
    tx: &mut Tx,
    id: &str,
    f: &WebhookFields,
    key: &str,
    by: &str,
) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into webhook (webhook_id, name, url, format, events, signing_key, enabled, created_at, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        id,
        &f.name,
        &f.url,
        f.format.key(),
        &events_key(&f.events),
        key,
        f.enabled,
        &now,
        by
    )?;
    Ok(())
}

/// Writes a changed webhook (`f.url` is the address to keep) and counts its revision up.
pub(crate) async fn update_webhook(tx: &mut Tx, id: &str, f: &WebhookFields) -> Result<()> {
    tx_exec!(
        tx,
        "update webhook set name = $2, url = $3, format = $4, events = $5, enabled = $6, revision = revision + 1
         where webhook_id = $1",
        id,
        &f.name,
        &f.url,
        f.format.key(),
        &events_key(&f.events),
        f.enabled
    )?;
    Ok(())
}

/// Removes a webhook; what waits for it in the outbox is given up when its turn comes.
pub(crate) async fn delete_webhook(tx: &mut Tx, id: &str) -> Result<()> {
    tx_exec!(tx, "delete from webhook where webhook_id = $1", id)?;
    Ok(())
}
