//! The record of processing activities in the store: each activity with its processors
//! (suppliers) and assets; transfers kept as `country | safeguard` lines.

use super::domain::{LegalBasis, Processing, ProcessingDraft, Safeguard, Transfer, transfers_text};
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{SortKey, Sql, Store, Tx, tx_exec, tx_fetch_in, tx_query};
use sqlx::Row;

struct ProcessingRow(Processing);

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn transfers(text: &str) -> Vec<Transfer> {
    lines(text)
        .iter()
        .filter_map(|l| {
            let (country, safeguard) = l.split_once('|')?;
            Some(Transfer {
                country: country.trim().to_string(),
                safeguard: Safeguard::parse(safeguard).unwrap_or(Safeguard::Missing),
            })
        })
        .collect()
}

const COLUMNS: &str = "x.processing_id, x.name, x.owner, x.purposes, x.legal_basis, x.data_categories, \
     x.special_categories, x.data_subjects, x.recipients, x.transfers, x.retention, x.security, \
     x.dpia_required, x.reviewed_on, x.updated_at, x.revision";

macro_rules! processing_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for ProcessingRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let basis: String = r.try_get(4)?;
                let categories: String = r.try_get(5)?;
                let subjects: String = r.try_get(7)?;
                let recipients: String = r.try_get(8)?;
                let moved: String = r.try_get(9)?;
                Ok(ProcessingRow(Processing {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    owner: r.try_get(2)?,
                    purposes: r.try_get(3)?,
                    legal_basis: LegalBasis::parse(&basis).unwrap_or(LegalBasis::Contract),
                    data_categories: lines(&categories),
                    special_categories: r.try_get(6)?,
                    data_subjects: lines(&subjects),
                    recipients: lines(&recipients),
                    transfers: transfers(&moved),
                    retention: r.try_get(10)?,
                    security: r.try_get(11)?,
                    dpia_required: r.try_get(12)?,
                    reviewed_on: r.try_get(13)?,
                    updated_at: r.try_get(14)?,
                    revision: r.try_get(15)?,
                    processors: Vec::new(),
                    assets: Vec::new(),
                }))
            }
        }
    };
}
processing_from_row!(sqlx::sqlite::SqliteRow);
processing_from_row!(sqlx::postgres::PgRow);

const KEYS: &[SortKey] = &[SortKey::Text("x.name"), SortKey::Text("x.processing_id")];

fn key_of(x: &Processing) -> Vec<serde_json::Value> {
    vec![x.name.clone().into(), x.id.clone().into()]
}

async fn with_links(tx: &mut Tx, mut items: Vec<Processing>) -> Result<Vec<Processing>> {
    let ids: Vec<String> = items.iter().map(|x| x.id.clone()).collect();
    let suppliers: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select processing_id, supplier_id from processing_supplier where processing_id in ",
        ids,
        " order by supplier_id"
    );
    let assets: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select processing_id, asset_id from processing_asset where processing_id in ",
        ids,
        " order by asset_id"
    );
    let (mut suppliers, mut assets) = (
        crate::store::group_links(suppliers),
        crate::store::group_links(assets),
    );
    for x in &mut items {
        x.processors = suppliers.remove(&x.id).unwrap_or_default();
        x.assets = assets.remove(&x.id).unwrap_or_default();
    }
    Ok(items)
}

/// An activity read inside a transaction, or none.
pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<Processing>> {
    let row: Option<ProcessingRow> = tx_query!(
        tx,
        fetch_optional,
        ProcessingRow,
        &format!("select {COLUMNS} from processing x where x.processing_id = $1"),
        id
    )?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_links(tx, vec![r.0]).await?.pop()),
    }
}

/// Locks an activity's row and reads it, inside a write.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Processing> {
    if !tx.lock_row("processing", "processing_id", id).await? {
        return Err(Error::NotFound(format!("processing activity {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("processing activity {id}")))
}

/// Inserts an activity (its id, if given, must be free).
pub(crate) async fn insert(tx: &mut Tx, d: &ProcessingDraft) -> Result<Processing> {
    let id = match &d.id {
        Some(id) => {
            if crate::store::existing_ids(
                tx,
                "processing",
                "processing_id",
                std::slice::from_ref(id),
            )
            .await?
            .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("a processing activity with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => crate::store::next_ids(tx, "processing", "PA", "processing", "processing_id", 1)
            .await?
            .pop()
            .unwrap_or_default(),
    };
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into processing (processing_id, name, legal_basis, updated_at) values ($1, $2, $3, $4)",
        &id,
        &d.name,
        d.legal_basis.key(),
        &now
    )?;
    write(tx, &id, d, false).await
}

/// Writes an activity's fields and links (revision + 1 unless it is new).
pub(crate) async fn write(
    tx: &mut Tx,
    id: &str,
    d: &ProcessingDraft,
    bump: bool,
) -> Result<Processing> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update processing set name = $1, owner = $2, purposes = $3, legal_basis = $4,
                data_categories = $5, special_categories = $6, data_subjects = $7, recipients = $8,
                transfers = $9, retention = $10, security = $11, dpia_required = $12,
                reviewed_on = $13, updated_at = $14{}
             where processing_id = $15",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.name,
        &d.owner,
        &d.purposes,
        d.legal_basis.key(),
        d.data_categories.join("\n"),
        d.special_categories,
        d.data_subjects.join("\n"),
        d.recipients.join("\n"),
        transfers_text(&d.transfers).join("\n"),
        &d.retention,
        &d.security,
        d.dpia_required,
        &d.reviewed_on,
        &now,
        id
    )?;
    tx_exec!(
        tx,
        "delete from processing_supplier where processing_id = $1",
        id
    )?;
    for s in &d.processors {
        tx_exec!(
            tx,
            "insert into processing_supplier (processing_id, supplier_id) values ($1, $2)",
            id,
            s
        )?;
    }
    tx_exec!(
        tx,
        "delete from processing_asset where processing_id = $1",
        id
    )?;
    for a in &d.assets {
        tx_exec!(
            tx,
            "insert into processing_asset (processing_id, asset_id) values ($1, $2)",
            id,
            a
        )?;
    }
    lock(tx, id).await
}

impl Store {
    /// Processing activities by name; of one processor (supplier), when given.
    pub async fn list_processing(
        &self,
        q: Option<&str>,
        supplier: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Processing>> {
        let mut from = Sql::new("from processing x where 1 = 1");
        if let Some(q) = q {
            from.push_text_search(
                &["x.processing_id", "x.name", "x.purposes"],
                q,
                self.backend(),
            );
        }
        if let Some(s) = supplier {
            from.push(
                " and x.processing_id in (select processing_id from processing_supplier where supplier_id = ?)",
                [crate::store::Arg::Text(s.to_string())],
            );
        }
        let page = self
            .keyset_page_ordered(
                COLUMNS,
                from,
                (KEYS, false),
                cursor,
                limit,
                None,
                |r: ProcessingRow| r.0,
                key_of,
            )
            .await?;
        let mut tx = self.read_tx().await?;
        let items = with_links(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page { items, ..page })
    }

    pub async fn processing(&self, id: &str) -> Result<Processing> {
        let mut tx = self.read_tx().await?;
        let x = read_in(&mut tx, id).await?;
        tx.commit().await?;
        x.ok_or_else(|| Error::NotFound(format!("processing activity {id}")))
    }
}
