//! Interested parties in the store, with the obligations their requirements are written in.

use super::domain::{Party, PartyDraft, PartyKind};
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{SortKey, Sql, Store, Tx, tx_exec, tx_fetch_in, tx_query};
use sqlx::Row;

struct PartyRow(Party);

const COLUMNS: &str = "x.party_id, x.name, x.kind, x.needs, x.addressed, x.owner, x.reviewed_on, x.updated_at, x.revision";

macro_rules! party_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for PartyRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let kind: String = r.try_get(2)?;
                Ok(PartyRow(Party {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    kind: PartyKind::parse(&kind).unwrap_or(PartyKind::Other),
                    needs: r.try_get(3)?,
                    addressed: r.try_get(4)?,
                    owner: r.try_get(5)?,
                    reviewed_on: r.try_get(6)?,
                    updated_at: r.try_get(7)?,
                    revision: r.try_get(8)?,
                    obligations: Vec::new(),
                }))
            }
        }
    };
}
party_from_row!(sqlx::sqlite::SqliteRow);
party_from_row!(sqlx::postgres::PgRow);

const KEYS: &[SortKey] = &[SortKey::Text("x.name"), SortKey::Text("x.party_id")];

fn key_of(x: &Party) -> Vec<serde_json::Value> {
    vec![x.name.clone().into(), x.id.clone().into()]
}

async fn with_links(tx: &mut Tx, mut items: Vec<Party>) -> Result<Vec<Party>> {
    let ids: Vec<String> = items.iter().map(|x| x.id.clone()).collect();
    let links: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select party_id, obligation_id from party_obligation where party_id in ",
        ids,
        " order by obligation_id"
    );
    let mut links = crate::store::group_links(links);
    for x in &mut items {
        x.obligations = links.remove(&x.id).unwrap_or_default();
    }
    Ok(items)
}

/// A party read inside a transaction, or none.
pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<Party>> {
    let row: Option<PartyRow> = tx_query!(
        tx,
        fetch_optional,
        PartyRow,
        &format!("select {COLUMNS} from party x where x.party_id = $1"),
        id
    )?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_links(tx, vec![r.0]).await?.pop()),
    }
}

/// Locks a party's row and reads it, inside a write.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Party> {
    if !tx.lock_row("party", "party_id", id).await? {
        return Err(Error::NotFound(format!("interested party {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("interested party {id}")))
}

/// Inserts a party (its id, if given, must be free).
pub(crate) async fn insert(tx: &mut Tx, d: &PartyDraft) -> Result<Party> {
    let id = match &d.id {
        Some(id) => {
            if crate::store::existing_ids(tx, "party", "party_id", std::slice::from_ref(id))
                .await?
                .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("an interested party with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => crate::store::next_ids(tx, "party", "IP", "party", "party_id", 1)
            .await?
            .pop()
            .unwrap_or_default(),
    };
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into party (party_id, name, kind, updated_at) values ($1, $2, $3, $4)",
        &id,
        &d.name,
        d.kind.key(),
        &now
    )?;
    write(tx, &id, d, false).await
}

/// Writes a party's fields and links (revision + 1 unless it is new).
pub(crate) async fn write(tx: &mut Tx, id: &str, d: &PartyDraft, bump: bool) -> Result<Party> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update party set name = $1, kind = $2, needs = $3, addressed = $4, owner = $5,
                reviewed_on = $6, updated_at = $7{} where party_id = $8",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.name,
        d.kind.key(),
        &d.needs,
        d.addressed,
        &d.owner,
        &d.reviewed_on,
        &now,
        id
    )?;
    tx_exec!(tx, "delete from party_obligation where party_id = $1", id)?;
    for o in &d.obligations {
        tx_exec!(
            tx,
            "insert into party_obligation (party_id, obligation_id) values ($1, $2)",
            id,
            o
        )?;
    }
    lock(tx, id).await
}

impl Store {
    /// Interested parties by name.
    pub async fn list_parties(
        &self,
        q: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Party>> {
        let mut from = Sql::new("from party x where 1 = 1");
        if let Some(q) = q {
            from.push_text_search(&["x.party_id", "x.name", "x.needs"], q, self.backend());
        }
        let page = self
            .keyset_page_ordered(
                COLUMNS,
                from,
                (KEYS, false),
                cursor,
                limit,
                None,
                |r: PartyRow| r.0,
                key_of,
            )
            .await?;
        let mut tx = self.read_tx().await?;
        let items = with_links(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page { items, ..page })
    }

    pub async fn party(&self, id: &str) -> Result<Party> {
        let mut tx = self.read_tx().await?;
        let x = read_in(&mut tx, id).await?;
        tx.commit().await?;
        x.ok_or_else(|| Error::NotFound(format!("interested party {id}")))
    }
}
