//! The outbox in the store: a message is written once by its key (a second writer of the same
//! message changes nothing), claimed by one sender for a few minutes at a time, and marked
//! sent, or tried again later, or given up after its last attempt.

use super::domain::Policy;
use crate::error::Result;
use crate::store::{Store, Tx, pool_exec, pool_query, tx_exec, tx_query};

const POLICY_KEY: &str = "notification_policy";

/// How many times a message is tried before it is given up.
pub const MAX_ATTEMPTS: i64 = 8;

/// A message in the outbox as stored.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxItem {
    pub id: String,
    pub kind: String,
    /// `mail`, or `webhook` (the recipient is then the webhook's id).
    pub channel: String,
    pub recipient: String,
    pub subject: String,
    pub created_at: String,
    pub attempts: i64,
    pub next_attempt_at: String,
    pub sent_at: Option<String>,
    pub failed_at: Option<String>,
    pub last_error: String,
}

type ItemRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    i64,
    String,
    Option<String>,
    Option<String>,
    String,
);

const ITEM_COLUMNS: &str = "notification_id, kind, channel, recipient, subject, created_at, attempts, next_attempt_at, sent_at, failed_at, last_error";

fn item_of(r: ItemRow) -> OutboxItem {
    OutboxItem {
        id: r.0,
        kind: r.1,
        channel: r.2,
        recipient: r.3,
        subject: r.4,
        created_at: r.5,
        attempts: r.6,
        next_attempt_at: r.7,
        sent_at: r.8,
        failed_at: r.9,
        last_error: r.10,
    }
}

/// A message as written to the outbox.
pub struct NewMessage<'a> {
    pub key: &'a str,
    pub kind: &'a str,
    /// `mail` or `webhook`.
    pub channel: &'a str,
    pub recipient: &'a str,
    pub subject: &'a str,
    pub text: &'a str,
    pub html: &'a str,
}

/// Writes a message unless one with its key is there; answers whether it was written.
pub(crate) async fn enqueue(tx: &mut Tx, m: &NewMessage<'_>) -> Result<bool> {
    let id = uuid::Uuid::new_v4().simple().to_string();
    let now = tx.now().to_string();
    let n = tx_exec!(
        tx,
        "insert into notification_outbox (notification_id, dedupe_key, kind, recipient, subject, body_text, body_html, created_at, next_attempt_at, channel)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9) on conflict (dedupe_key) do nothing",
        &id,
        m.key,
        m.kind,
        m.recipient,
        m.subject,
        m.text,
        m.html,
        &now,
        m.channel
    )?;
    Ok(n == 1)
}

/// The keys among `keys` already in the outbox.
pub(crate) async fn known_keys(
    tx: &mut Tx,
    keys: Vec<String>,
) -> Result<std::collections::HashSet<String>> {
    present(tx, "notification_outbox", "dedupe_key", keys).await
}

/// A claimed message: id, channel, kind, recipient, subject, text, html, attempts so far.
pub type Claimed = (String, String, String, String, String, String, String, i64);

impl Store {
    /// Claims up to `limit` messages due at `now` for `sender` until `until` (e-mail too
    /// when `mail`, else only webhooks' messages): a message another sender holds, or that
    /// was sent or given up, is not claimed.
    pub async fn claim_messages(
        &self,
        sender: &str,
        now: &str,
        until: &str,
        limit: i64,
        mail: bool,
    ) -> Result<Vec<Claimed>> {
        let channel = if mail { "" } else { " and channel = 'webhook'" };
        let free = format!(
            "sent_at is null and failed_at is null and next_attempt_at <= $3 and (claimed_until is null or claimed_until < $3){channel}"
        );
        let sql = format!(
            "update notification_outbox set claimed_by = $1, claimed_until = $2
             where notification_id in (select notification_id from notification_outbox where {free}
                                       order by next_attempt_at, notification_id limit $4)
               and {free}
             returning notification_id, channel, kind, recipient, subject, body_text, body_html, attempts"
        );
        let mut tx = self.write().await?;
        let rows: Vec<Claimed> =
            tx_query!(&mut tx, fetch_all, Claimed, &sql, sender, until, now, limit)?;
        tx.commit().await?;
        Ok(rows)
    }

    /// Marks a message this sender holds as sent.
    pub async fn message_sent(&self, id: &str, sender: &str, at: &str) -> Result<bool> {
        Ok(pool_exec!(
            self,
            "update notification_outbox set sent_at = $3, attempts = attempts + 1, claimed_by = null, claimed_until = null, last_error = ''
             where notification_id = $1 and claimed_by = $2 and sent_at is null",
            id,
            sender,
            at
        )? == 1)
    }

    /// Records a failed attempt: tried again at `retry_at`, or given up at `now` when this
    /// was the last attempt.
    pub async fn message_failed(
        &self,
        id: &str,
        sender: &str,
        now: &str,
        retry_at: Option<&str>,
        error: &str,
    ) -> Result<()> {
        let error: String = error.chars().take(2000).collect();
        match retry_at {
            Some(at) => pool_exec!(
                self,
                "update notification_outbox set attempts = attempts + 1, next_attempt_at = $3, last_error = $4, claimed_by = null, claimed_until = null
                 where notification_id = $1 and claimed_by = $2",
                id,
                sender,
                at,
                &error
            )?,
            None => pool_exec!(
                self,
                "update notification_outbox set attempts = attempts + 1, failed_at = $3, last_error = $4, claimed_by = null, claimed_until = null
                 where notification_id = $1 and claimed_by = $2",
                id,
                sender,
                now,
                &error
            )?,
        };
        Ok(())
    }

    /// The newest messages (`state`: `pending`, `sent`, `failed` or every one), at most
    /// `limit`, and how many are in each state.
    pub async fn outbox(
        &self,
        state: Option<&str>,
        limit: i64,
    ) -> Result<(Vec<OutboxItem>, [i64; 3])> {
        let filter = match state {
            Some("pending") => "where sent_at is null and failed_at is null",
            Some("sent") => "where sent_at is not null",
            Some("failed") => "where failed_at is not null",
            _ => "",
        };
        let rows: Vec<ItemRow> = pool_query!(
            self,
            fetch_all,
            ItemRow,
            &format!(
                "select {ITEM_COLUMNS} from notification_outbox {filter} order by created_at desc, notification_id desc limit $1"
            ),
            limit
        )?;
        let (pending, sent, failed): (i64, i64, i64) = pool_query!(
            self,
            fetch_one,
            (i64, i64, i64),
            "select coalesce(sum(case when sent_at is null and failed_at is null then 1 else 0 end), 0),
                    coalesce(sum(case when sent_at is not null then 1 else 0 end), 0),
                    coalesce(sum(case when failed_at is not null then 1 else 0 end), 0)
             from notification_outbox"
        )?;
        Ok((
            rows.into_iter().map(item_of).collect(),
            [pending, sent, failed],
        ))
    }

    /// The organisation's rules for messages.
    pub async fn notification_policy(&self) -> Result<Policy> {
        self.setting(POLICY_KEY).await
    }

    /// Holders of an ISMS role (lower case).
    pub async fn role_holders(&self, role: &str) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = pool_query!(
            self,
            fetch_all,
            (String,),
            "select lower(email) from isms_role_holder where role_id = $1 order by email",
            role
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Each person's manager in the staff directory (both in lower case), for those who have
    /// one and have not left by `today`.
    pub async fn managers(&self, today: &str) -> Result<std::collections::HashMap<String, String>> {
        let rows: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select lower(email), lower(manager) from person where email <> '' and manager <> '' and (left_on is null or left_on > $1)",
            today
        )?;
        Ok(rows.into_iter().collect())
    }

    /// The e-mail of every admin who can sign in.
    pub async fn admin_emails(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = pool_query!(
            self,
            fetch_all,
            (String,),
            "select lower(email) from user_account where role = 'admin' and disabled = false order by email"
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

/// The rules read inside a write.
pub(crate) async fn policy_in(tx: &mut Tx) -> Result<Policy> {
    tx.setting(POLICY_KEY).await
}

pub(crate) async fn write_policy(tx: &mut Tx, p: &Policy) -> Result<()> {
    tx.put_setting(POLICY_KEY, p).await
}

/// Whether an ISMS role with this id exists.
pub(crate) async fn role_exists(tx: &mut Tx, role: &str) -> Result<bool> {
    let (n,): (i64,) = tx_query!(
        tx,
        fetch_one,
        (i64,),
        "select count(*) from isms_role where role_id = $1",
        role
    )?;
    Ok(n > 0)
}

/// The marks among `keys` already written.
pub(crate) async fn marked(
    tx: &mut Tx,
    keys: Vec<String>,
) -> Result<std::collections::HashSet<String>> {
    present(tx, "notification_mark", "mark_key", keys).await
}

/// Marks `key` as told by the message `key_of_message`.
pub(crate) async fn mark(tx: &mut Tx, key: &str, message_key: &str) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into notification_mark (mark_key, notification_id, created_at) values ($1, $2, $3) on conflict (mark_key) do nothing",
        key,
        message_key,
        &now
    )?;
    Ok(())
}

/// A person's stored choices read inside a write: digest, muted kinds.
pub(crate) async fn preference_in(tx: &mut Tx, email: &str) -> Result<Option<(String, String)>> {
    Ok(tx_query!(
        tx,
        fetch_optional,
        (String, String),
        "select digest, muted from notification_preference where email = $1",
        email
    )?)
}

/// Which of `keys` the column `column` of `table` holds.
async fn present(
    tx: &mut Tx,
    table: &str,
    column: &str,
    keys: Vec<String>,
) -> Result<std::collections::HashSet<String>> {
    let rows: Vec<(String,)> = crate::store::tx_fetch_in!(
        tx,
        (String,),
        &format!("select {column} from {table} where {column} in "),
        keys,
        ""
    );
    Ok(rows.into_iter().map(|r| r.0).collect())
}
