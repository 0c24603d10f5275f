//! Obligations in the store: the register with the controls that satisfy each and the
//! evidence of compliance; the applicable obligations of each control, as the SoA reads them.

use super::domain::{
    Compliance, Obligation, ObligationDraft, ObligationFilter, ObligationKind, REVIEW_MONTHS,
};
use crate::domain::catalog::ControlRef;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{Arg, SortKey, Sql, Store, Tx, tx_exec, tx_fetch_in, tx_query};
use sqlx::Row;

struct ObligationRow(Obligation);

const COLUMNS: &str = "o.obligation_id, o.title, o.kind, o.reference, o.url, o.jurisdiction, o.summary, \
     o.owner, o.applicable, o.applicability_note, o.compliance, o.counterparty, o.supplier_id, \
     o.reviewed_on, o.review_due, o.starter, o.updated_at, o.revision";

macro_rules! obligation_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for ObligationRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let kind: String = r.try_get(2)?;
                let compliance: String = r.try_get(10)?;
                Ok(ObligationRow(Obligation {
                    id: r.try_get(0)?,
                    title: r.try_get(1)?,
                    kind: ObligationKind::parse(&kind).unwrap_or(ObligationKind::Legal),
                    reference: r.try_get(3)?,
                    url: r.try_get(4)?,
                    jurisdiction: r.try_get(5)?,
                    summary: r.try_get(6)?,
                    owner: r.try_get(7)?,
                    applicable: r.try_get(8)?,
                    applicability_note: r.try_get(9)?,
                    compliance: Compliance::parse(&compliance).unwrap_or(Compliance::NotAssessed),
                    counterparty: r.try_get(11)?,
                    supplier: r.try_get(12)?,
                    reviewed_on: r.try_get(13)?,
                    review_due: r.try_get(14)?,
                    starter: r.try_get(15)?,
                    updated_at: r.try_get(16)?,
                    revision: r.try_get(17)?,
                    controls: Vec::new(),
                    evidence: Vec::new(),
                }))
            }
        }
    };
}
obligation_from_row!(sqlx::sqlite::SqliteRow);
obligation_from_row!(sqlx::postgres::PgRow);

const KEYS: &[SortKey] = &[SortKey::Text("o.title"), SortKey::Text("o.obligation_id")];

fn key_of(o: &Obligation) -> Vec<serde_json::Value> {
    vec![o.title.clone().into(), o.id.clone().into()]
}

type ControlRow = (String, String, String);

/// Fills in the controls and evidence of obligations read.
async fn with_links(tx: &mut Tx, mut items: Vec<Obligation>) -> Result<Vec<Obligation>> {
    let ids: Vec<String> = items.iter().map(|o| o.id.clone()).collect();
    let controls: Vec<ControlRow> = tx_fetch_in!(
        tx,
        ControlRow,
        "select obligation_id, framework_id, control_id from obligation_control where obligation_id in ",
        ids,
        ""
    );
    let evidence: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select obligation_id, evidence_id from obligation_evidence where obligation_id in ",
        ids,
        " order by evidence_id"
    );
    let mut evidence = crate::store::group_links(evidence);
    let mut by: std::collections::HashMap<String, Vec<ControlRef>> = Default::default();
    for (id, framework, control) in controls {
        by.entry(id).or_default().push(ControlRef {
            framework,
            id: control,
        });
    }
    for o in &mut items {
        o.controls = by.remove(&o.id).unwrap_or_default();
        crate::domain::catalog::sort_control_refs(&mut o.controls);
        o.evidence = evidence.remove(&o.id).unwrap_or_default();
    }
    Ok(items)
}

/// An obligation read inside a transaction, or none.
pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<Obligation>> {
    let row: Option<ObligationRow> = tx_query!(
        tx,
        fetch_optional,
        ObligationRow,
        &format!("select {COLUMNS} from obligation o where o.obligation_id = $1"),
        id
    )?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_links(tx, vec![r.0]).await?.pop()),
    }
}

/// Locks an obligation's row and reads it, inside a write.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Obligation> {
    if !tx.lock_row("obligation", "obligation_id", id).await? {
        return Err(Error::NotFound(format!("obligation {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("obligation {id}")))
}

/// The obligation added from a starter, if any.
pub(crate) async fn id_of_starter(tx: &mut Tx, key: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select obligation_id from obligation where starter = $1",
        key
    )?;
    Ok(row.map(|r| r.0))
}

/// Inserts an obligation (its id, if given, must be free).
pub(crate) async fn insert(tx: &mut Tx, d: &ObligationDraft) -> Result<Obligation> {
    let id = match &d.id {
        Some(id) => {
            if crate::store::existing_ids(
                tx,
                "obligation",
                "obligation_id",
                std::slice::from_ref(id),
            )
            .await?
            .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("an obligation with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => crate::store::next_ids(tx, "obligation", "OB", "obligation", "obligation_id", 1)
            .await?
            .pop()
            .unwrap_or_default(),
    };
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into obligation (obligation_id, title, kind, updated_at) values ($1, $2, $3, $4)",
        &id,
        &d.title,
        d.kind.key(),
        &now
    )?;
    write(tx, &id, d, false).await
}

/// Writes an obligation's fields and links (revision + 1 unless it is new).
pub(crate) async fn write(
    tx: &mut Tx,
    id: &str,
    d: &ObligationDraft,
    bump: bool,
) -> Result<Obligation> {
    let now = tx.now().to_string();
    let due = d
        .reviewed_on
        .as_deref()
        .and_then(|r| crate::registers::document::domain::months_after(r, REVIEW_MONTHS));
    tx_exec!(
        tx,
        &format!(
            "update obligation set title = $1, kind = $2, reference = $3, url = $4, jurisdiction = $5,
                summary = $6, owner = $7, applicable = $8, applicability_note = $9, compliance = $10,
                counterparty = $11, supplier_id = $12, reviewed_on = $13, review_due = $14,
                starter = $15, updated_at = $16{}
             where obligation_id = $17",
            if bump { ", revision = revision + 1" } else { "" }
        ),
        &d.title,
        d.kind.key(),
        &d.reference,
        &d.url,
        &d.jurisdiction,
        &d.summary,
        &d.owner,
        d.applicable,
        &d.applicability_note,
        d.compliance.key(),
        &d.counterparty,
        &d.supplier,
        &d.reviewed_on,
        &due,
        &d.starter,
        &now,
        id
    )?;
    tx_exec!(
        tx,
        "delete from obligation_control where obligation_id = $1",
        id
    )?;
    for c in &d.controls {
        tx_exec!(
            tx,
            "insert into obligation_control (obligation_id, framework_id, control_id) values ($1, $2, $3)",
            id,
            &c.framework,
            &c.id
        )?;
    }
    tx_exec!(
        tx,
        "delete from obligation_evidence where obligation_id = $1",
        id
    )?;
    for e in &d.evidence {
        tx_exec!(
            tx,
            "insert into obligation_evidence (obligation_id, evidence_id) values ($1, $2)",
            id,
            e
        )?;
    }
    tx.bump_generation("obligation").await?;
    lock(tx, id).await
}

fn where_filter(sql: &mut Sql, f: &ObligationFilter, backend: crate::config::Backend) {
    if let Some(q) = &f.text {
        sql.push_text_search(
            &[
                "o.obligation_id",
                "o.title",
                "o.reference",
                "o.jurisdiction",
            ],
            q,
            backend,
        );
    }
    if let Some(k) = f.kind {
        sql.push(" and o.kind = ?", [Arg::Text(k.key().into())]);
    }
    if let Some(a) = f.applicable {
        sql.push(
            if a {
                " and o.applicable = true"
            } else {
                " and o.applicable = false"
            },
            [],
        );
    }
    if let Some(c) = f.compliance {
        sql.push(" and o.compliance = ?", [Arg::Text(c.key().into())]);
    }
    if let Some(c) = &f.control {
        sql.push(
            " and o.obligation_id in (select oc.obligation_id from obligation_control oc where oc.framework_id = ? and oc.control_id = ?)",
            [Arg::Text(c.framework.clone()), Arg::Text(c.id.clone())],
        );
    }
    if let Some(day) = &f.review_due_on {
        sql.push(
            " and o.applicable = true and (o.review_due is null or o.review_due <= ?)",
            [Arg::Text(day.clone())],
        );
    }
}

/// An applicable obligation of a control: (control id, obligation id, title, kind key).
pub type ControlObligation = (String, String, String, String);

impl Store {
    /// Obligations by title.
    pub async fn list_obligations(
        &self,
        f: &ObligationFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Obligation>> {
        let mut from = Sql::new("from obligation o where 1 = 1");
        where_filter(&mut from, f, self.backend());
        let page = self
            .keyset_page_ordered(
                COLUMNS,
                from,
                (KEYS, false),
                cursor,
                limit,
                None,
                |r: ObligationRow| r.0,
                key_of,
            )
            .await?;
        let mut tx = self.read_tx().await?;
        let items = with_links(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page { items, ..page })
    }

    pub async fn obligation(&self, id: &str) -> Result<Obligation> {
        let mut tx = self.read_tx().await?;
        let o = read_in(&mut tx, id).await?;
        tx.commit().await?;
        o.ok_or_else(|| Error::NotFound(format!("obligation {id}")))
    }

    /// The starter keys already in the register.
    pub async fn obligation_starters_used(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String,),
            "select starter from obligation where starter is not null"
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// The applicable obligations linked to each control of a framework.
    pub async fn control_obligations(&self, framework: &str) -> Result<Vec<ControlObligation>> {
        Ok(crate::store::pool_query!(
            self,
            fetch_all,
            ControlObligation,
            "select oc.control_id, o.obligation_id, o.title, o.kind
             from obligation_control oc join obligation o on o.obligation_id = oc.obligation_id
             where oc.framework_id = $1 and o.applicable = true
             order by oc.control_id, o.title, o.obligation_id",
            framework
        )?)
    }
}
