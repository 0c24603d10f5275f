//! Reading the audit trail: pages filtered by object and person, an object's history, and the
//! full verification of the hash chain. Entries are only ever appended (by `Tx::audit`).

use super::{Arg, Sql, Store, bind_once, on_pool, pool_query};
use crate::domain::audit::{AuditFilter, Entry, Verifier, VerifyReport};
use crate::error::Result;
use futures_util::StreamExt;

type EntryRow = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);
const COLUMNS: &str = "seq, occurred_at, actor, action, object_type, object_id, before_json, after_json, prev_hash, hash";

fn entry(r: EntryRow) -> Entry {
    Entry {
        seq: r.0,
        occurred_at: r.1,
        actor: r.2,
        action: r.3,
        object_type: r.4,
        object_id: r.5,
        before: r.6,
        after: r.7,
        prev_hash: r.8,
        hash: r.9,
    }
}

impl Store {
    /// A page of entries, newest first.
    pub async fn audit_entries(&self, filter: &AuditFilter, limit: i64) -> Result<Vec<Entry>> {
        let mut sql = Sql::new(&format!("select {COLUMNS} from audit_event where 1 = 1"));
        if let Some(t) = &filter.object_type {
            sql.push(" and object_type = ?", [Arg::Text(t.clone())]);
        }
        if let Some(o) = &filter.object_id {
            sql.push(" and object_id = ?", [Arg::Text(o.clone())]);
        }
        if let Some(a) = &filter.actor {
            sql.push(" and actor = ?", [Arg::Text(a.clone())]);
        }
        if let Some(s) = filter.before_seq {
            sql.push(" and seq < ?", [Arg::Int(s)]);
        }
        sql.push(
            " order by seq desc limit ?",
            [Arg::Int(limit.clamp(1, 500))],
        );
        let rows: Vec<EntryRow> = on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, EntryRow>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(entry).collect())
    }

    /// The object types and people that appear in the trail, for the filter menus.
    pub async fn audit_facets(&self) -> Result<(Vec<String>, Vec<String>)> {
        let types: Vec<(String,)> = pool_query!(
            self,
            fetch_all,
            (String,),
            "select distinct object_type from audit_event order by 1"
        )?;
        let actors: Vec<(String,)> = pool_query!(
            self,
            fetch_all,
            (String,),
            "select distinct actor from audit_event order by 1"
        )?;
        Ok((
            types.into_iter().map(|t| t.0).collect(),
            actors.into_iter().map(|t| t.0).collect(),
        ))
    }

    /// Walks the whole trail in order and checks every link of the chain, streaming so that
    /// memory does not grow with the trail.
    pub async fn verify_audit_trail(&self) -> Result<VerifyReport> {
        self.walk_audit_trail(Verifier::default()).await
    }

    /// Walks the trail as `verify_audit_trail` does and proves that it still holds entry
    /// `seq` with `hash` (a checkpoint's).
    pub async fn verify_audit_trail_from(&self, seq: i64, hash: &str) -> Result<VerifyReport> {
        self.walk_audit_trail(Verifier::anchored(seq, hash)).await
    }

    /// The head of the trail: the last entry's number and hash.
    pub async fn audit_head(&self) -> Result<(i64, String)> {
        Ok(pool_query!(
            self,
            fetch_one,
            (i64, String),
            "select seq, hash from audit_head where audit_head_id = 1"
        )?)
    }

    async fn walk_audit_trail(&self, mut v: Verifier) -> Result<VerifyReport> {
        let sql = format!("select {COLUMNS} from audit_event order by seq");
        on_pool!(&self.pool, |c| {
            let mut rows = sqlx::query_as::<_, EntryRow>(&sql).fetch(c);
            while let Some(r) = rows.next().await {
                v.feed(&entry(r?));
            }
        });
        let (seq, hash) = self.audit_head().await?;
        v.finish(seq, &hash);
        Ok(VerifyReport {
            checked: v.checked,
            first_break: v.first_break,
        })
    }
}

/// The latest `n` entries about one record, newest first, read inside a write (the version
/// check of optimistic concurrency explains a stale write with them).
pub(crate) async fn recent_changes(
    tx: &mut super::Tx,
    object_type: &str,
    object_id: &str,
    n: i64,
) -> Result<Vec<Entry>> {
    let rows: Vec<EntryRow> = super::tx_query!(
        tx,
        fetch_all,
        EntryRow,
        &format!(
            "select {COLUMNS} from audit_event where object_type = $1 and object_id = $2
             order by seq desc limit $3"
        ),
        object_type,
        object_id,
        n
    )?;
    Ok(rows.into_iter().map(entry).collect())
}
