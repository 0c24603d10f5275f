//! Suppliers in the store: the register with its assets, contract clauses, certifications
//! and evidence; the derived criticality kept with the generations of the registers it was
//! derived from.

use super::domain::{
    Certification, CertificationKind, ClauseLine, ClauseState, ContractClause, Criticality,
    Derived, Supplier, SupplierDraft, SupplierFilter, SupplierStatus,
};
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{Arg, SortKey, Sql, Store, Tx, tx_exec, tx_fetch_in, tx_query};
use sqlx::Row;

struct SupplierRow(Supplier);

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

const COLUMNS: &str = "s.supplier_id, s.name, s.status, s.services, s.owner, s.personal_data, \
     s.data_locations, s.sub_processors, s.criticality_override, s.criticality_reason, \
     s.derived_criticality, s.derived_why, s.criticality, s.contract_start, s.contract_end, \
     s.auto_renews, s.notice_days, s.reviewed_on, s.review_due, s.cloud_services, \
     s.shared_responsibility, s.exit_plan, s.updated_at, s.revision";

fn criticality(raw: &str) -> Criticality {
    Criticality::parse(raw).unwrap_or(Criticality::Low)
}

macro_rules! supplier_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for SupplierRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let status: String = r.try_get(2)?;
                let locations: String = r.try_get(6)?;
                let subs: String = r.try_get(7)?;
                let over: Option<String> = r.try_get(8)?;
                let derived: String = r.try_get(10)?;
                let why: String = r.try_get(11)?;
                let effective: String = r.try_get(12)?;
                let cloud: String = r.try_get(19)?;
                Ok(SupplierRow(Supplier {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    status: SupplierStatus::parse(&status).unwrap_or(SupplierStatus::Active),
                    services: r.try_get(3)?,
                    owner: r.try_get(4)?,
                    personal_data: r.try_get(5)?,
                    data_locations: lines(&locations),
                    sub_processors: lines(&subs),
                    criticality_override: over.as_deref().map(criticality),
                    criticality_reason: r.try_get(9)?,
                    derived_criticality: criticality(&derived),
                    derived_why: lines(&why),
                    criticality: criticality(&effective),
                    contract_start: r.try_get(13)?,
                    contract_end: r.try_get(14)?,
                    auto_renews: r.try_get(15)?,
                    notice_days: r.try_get(16)?,
                    reviewed_on: r.try_get(17)?,
                    review_due: r.try_get(18)?,
                    cloud_services: lines(&cloud),
                    shared_responsibility: r.try_get(20)?,
                    exit_plan: r.try_get(21)?,
                    updated_at: r.try_get(22)?,
                    revision: r.try_get(23)?,
                    assets: Vec::new(),
                    clauses: Vec::new(),
                    certifications: Vec::new(),
                    evidence: Vec::new(),
                }))
            }
        }
    };
}
supplier_from_row!(sqlx::sqlite::SqliteRow);
supplier_from_row!(sqlx::postgres::PgRow);

const KEYS: &[SortKey] = &[SortKey::Text("s.name"), SortKey::Text("s.supplier_id")];

fn key_of(s: &Supplier) -> Vec<serde_json::Value> {
    vec![s.name.clone().into(), s.id.clone().into()]
}

type ClauseRow = (String, String, String, Option<i64>);
type CertRow = (String, String, String, String, String);

/// Fills in the assets, clauses, certifications and evidence of suppliers read.
async fn with_links(tx: &mut Tx, mut items: Vec<Supplier>) -> Result<Vec<Supplier>> {
    let ids: Vec<String> = items.iter().map(|s| s.id.clone()).collect();
    let assets: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select supplier_id, asset_id from supplier_asset where supplier_id in ",
        ids,
        " order by asset_id"
    );
    let evidence: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select supplier_id, evidence_id from supplier_evidence where supplier_id in ",
        ids,
        " order by evidence_id"
    );
    let clauses: Vec<ClauseRow> = tx_fetch_in!(
        tx,
        ClauseRow,
        "select supplier_id, clause, state, hours from supplier_clause where supplier_id in ",
        ids,
        ""
    );
    let certs: Vec<CertRow> = tx_fetch_in!(
        tx,
        CertRow,
        "select supplier_id, kind, reference, issuer, until_on from supplier_certification where supplier_id in ",
        ids,
        " order by seq"
    );
    let (mut assets, mut evidence) = (
        crate::store::group_links(assets),
        crate::store::group_links(evidence),
    );
    let mut clause_of: std::collections::HashMap<String, Vec<ClauseLine>> = Default::default();
    for (id, clause, state, hours) in clauses {
        if let (Ok(clause), Ok(state)) =
            (ContractClause::parse(&clause), ClauseState::parse(&state))
        {
            clause_of.entry(id).or_default().push(ClauseLine {
                clause,
                state,
                hours,
            });
        }
    }
    let mut cert_of: std::collections::HashMap<String, Vec<Certification>> = Default::default();
    for (id, kind, reference, issuer, until) in certs {
        cert_of.entry(id).or_default().push(Certification {
            kind: CertificationKind::parse(&kind).unwrap_or(CertificationKind::Other),
            reference,
            issuer,
            until,
        });
    }
    for s in &mut items {
        s.assets = assets.remove(&s.id).unwrap_or_default();
        s.evidence = evidence.remove(&s.id).unwrap_or_default();
        s.clauses = clause_of.remove(&s.id).unwrap_or_default();
        s.clauses.sort_by_key(|l| l.clause.rank());
        s.certifications = cert_of.remove(&s.id).unwrap_or_default();
    }
    Ok(items)
}

/// A supplier read inside a transaction, or none.
pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<Supplier>> {
    let row: Option<SupplierRow> = tx_query!(
        tx,
        fetch_optional,
        SupplierRow,
        &format!("select {COLUMNS} from supplier s where s.supplier_id = $1"),
        id
    )?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_links(tx, vec![r.0]).await?.pop()),
    }
}

/// Locks a supplier's row and reads it, inside a write.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Supplier> {
    if !tx.lock_row("supplier", "supplier_id", id).await? {
        return Err(Error::NotFound(format!("supplier {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("supplier {id}")))
}

/// Inserts a supplier (its id, if given, must be free).
pub(crate) async fn insert(tx: &mut Tx, d: &SupplierDraft, derived: &Derived) -> Result<Supplier> {
    let id = match &d.id {
        Some(id) => {
            if crate::store::existing_ids(tx, "supplier", "supplier_id", std::slice::from_ref(id))
                .await?
                .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("a supplier with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => next_id(tx).await?,
    };
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into supplier (supplier_id, name, updated_at) values ($1, $2, $3)",
        &id,
        &d.name,
        &now
    )?;
    write(tx, &id, d, derived, false).await
}

/// The next supplier id.
pub(crate) async fn next_id(tx: &mut Tx) -> Result<String> {
    Ok(
        crate::store::next_ids(tx, "supplier", "SUP", "supplier", "supplier_id", 1)
            .await?
            .pop()
            .unwrap_or_default(),
    )
}

/// Writes a supplier's fields and links (revision + 1 unless it is new).
pub(crate) async fn write(
    tx: &mut Tx,
    id: &str,
    d: &SupplierDraft,
    derived: &Derived,
    bump: bool,
) -> Result<Supplier> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update supplier set name = $1, name_key = $24, clause_gaps = $25, status = $2, services = $3, owner = $4, personal_data = $5,
                data_locations = $6, sub_processors = $7, criticality_override = $8,
                criticality_reason = $9, derived_criticality = $10, derived_why = $11,
                criticality = $12, contract_start = $13, contract_end = $14, auto_renews = $15,
                notice_days = $16, reviewed_on = $17, review_due = $18, cloud_services = $19,
                shared_responsibility = $20, exit_plan = $21, updated_at = $22{}
             where supplier_id = $23",
            if bump { ", revision = revision + 1" } else { "" }
        ),
        &d.name,
        d.status.key(),
        &d.services,
        &d.owner,
        d.personal_data,
        d.data_locations.join("\n"),
        d.sub_processors.join("\n"),
        d.override_.as_ref().map(|o| o.0.key()),
        d.override_
            .as_ref()
            .map(|o| o.1.clone())
            .unwrap_or_default(),
        derived.derived.key(),
        derived.why.join("\n"),
        derived.effective.key(),
        &d.contract_start,
        &d.contract_end,
        d.auto_renews,
        d.notice_days,
        &d.reviewed_on,
        &derived.review_due,
        d.cloud_services.join("\n"),
        &d.shared_responsibility,
        &d.exit_plan,
        &now,
        id,
        d.name.to_lowercase(),
        super::domain::clause_gaps(&d.clauses, super::domain::ASKED_NOTIFICATION_HOURS).len() as i64
    )?;
    tx_exec!(tx, "delete from supplier_asset where supplier_id = $1", id)?;
    for a in &d.assets {
        tx_exec!(
            tx,
            "insert into supplier_asset (supplier_id, asset_id) values ($1, $2)",
            id,
            a
        )?;
    }
    tx_exec!(
        tx,
        "delete from supplier_evidence where supplier_id = $1",
        id
    )?;
    for e in &d.evidence {
        tx_exec!(
            tx,
            "insert into supplier_evidence (supplier_id, evidence_id) values ($1, $2)",
            id,
            e
        )?;
    }
    tx_exec!(tx, "delete from supplier_clause where supplier_id = $1", id)?;
    for l in &d.clauses {
        tx_exec!(
            tx,
            "insert into supplier_clause (supplier_id, clause, state, hours) values ($1, $2, $3, $4)",
            id,
            l.clause.key(),
            l.state.key(),
            l.hours
        )?;
    }
    tx_exec!(
        tx,
        "delete from supplier_certification where supplier_id = $1",
        id
    )?;
    for (seq, c) in d.certifications.iter().enumerate() {
        tx_exec!(
            tx,
            "insert into supplier_certification (supplier_id, seq, kind, reference, issuer, until_on, counts_until)
             values ($1, $2, $3, $4, $5, $6, $7)",
            id,
            seq as i64 + 1,
            c.kind.key(),
            &c.reference,
            &c.issuer,
            &c.until,
            c.counts_until().unwrap_or_else(|| c.until.clone())
        )?;
    }
    tx.bump_generation("supplier").await?;
    lock(tx, id).await
}

/// What every supplier's criticality is derived from: (supplier id, name, personal data,
/// override, reviewed on, current derivation) and the classification keys of the assets each
/// accesses.
pub(crate) struct DerivationInputs {
    pub suppliers: Vec<DerivationSupplier>,
    pub classifications: Vec<(String, String)>,
    /// Every process: its name, the supplier names it lists, its RTO in minutes.
    pub processes: Vec<(String, Vec<String>, Option<i64>)>,
}

pub(crate) struct DerivationSupplier {
    pub id: String,
    pub name: String,
    pub personal_data: bool,
    pub override_: Option<Criticality>,
    pub reviewed_on: Option<String>,
    pub current: Derived,
}

type DerivationRow = (
    String,
    String,
    bool,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
);

/// The processes (name, suppliers, RTO) read inside a transaction.
pub(crate) async fn processes_in(tx: &mut Tx) -> Result<Vec<(String, Vec<String>, Option<i64>)>> {
    let rows: Vec<(String, String, Option<i64>)> = tx_query!(
        tx,
        fetch_all,
        (String, String, Option<i64>),
        "select name, suppliers, rto_minutes from process where suppliers <> '' order by process_id"
    )?;
    Ok(rows
        .into_iter()
        .map(|(n, s, r)| (n, lines(&s), r))
        .collect())
}

/// The classification keys of the assets one supplier (or every supplier) accesses.
pub(crate) async fn classifications_in(
    tx: &mut Tx,
    supplier: Option<&str>,
) -> Result<Vec<(String, String)>> {
    Ok(tx_query!(
        tx,
        fetch_all,
        (String, String),
        "select sa.supplier_id, a.classification from supplier_asset sa
         join asset a on a.asset_id = sa.asset_id
         where ($1 = '' or sa.supplier_id = $1) and a.lifecycle <> 'disposed'",
        supplier.unwrap_or_default()
    )?)
}

/// Everything the derivation of every supplier's criticality reads.
pub(crate) async fn derivation_inputs(tx: &mut Tx) -> Result<DerivationInputs> {
    let rows: Vec<DerivationRow> = tx_query!(
        tx,
        fetch_all,
        DerivationRow,
        "select supplier_id, name, personal_data, criticality_override, reviewed_on,
                derived_criticality, derived_why, criticality, review_due
         from supplier order by supplier_id"
    )?;
    let suppliers = rows
        .into_iter()
        .map(|r| DerivationSupplier {
            id: r.0,
            name: r.1,
            personal_data: r.2,
            override_: r.3.as_deref().map(criticality),
            reviewed_on: r.4,
            current: Derived {
                derived: criticality(&r.5),
                why: lines(&r.6),
                effective: criticality(&r.7),
                review_due: r.8,
            },
        })
        .collect();
    Ok(DerivationInputs {
        suppliers,
        classifications: classifications_in(tx, None).await?,
        processes: processes_in(tx).await?,
    })
}

/// Stores a supplier's derived criticality (not a change of the supplier: no revision).
pub(crate) async fn set_derived(tx: &mut Tx, id: &str, d: &Derived) -> Result<()> {
    tx_exec!(
        tx,
        "update supplier set derived_criticality = $1, derived_why = $2, criticality = $3,
                review_due = $4 where supplier_id = $5",
        d.derived.key(),
        d.why.join("\n"),
        d.effective.key(),
        &d.review_due,
        id
    )?;
    Ok(())
}

/// The generations (asset, continuity) the stored derivations were computed from, locked.
pub(crate) async fn derivation_mark(tx: &mut Tx) -> Result<(i64, i64)> {
    tx.lock_row("supplier_derivation", "id", "mark").await?;
    let row: (i64, i64) = tx_query!(
        tx,
        fetch_one,
        (i64, i64),
        "select asset_generation, continuity_generation from supplier_derivation where id = 'mark'"
    )?;
    Ok(row)
}

pub(crate) async fn set_derivation_mark(tx: &mut Tx, mark: (i64, i64)) -> Result<()> {
    tx_exec!(
        tx,
        "update supplier_derivation set asset_generation = $1, continuity_generation = $2 where id = 'mark'",
        mark.0,
        mark.1
    )?;
    Ok(())
}

fn where_filter(sql: &mut Sql, f: &SupplierFilter, backend: crate::config::Backend) {
    if let Some(q) = &f.text {
        sql.push_text_search(&["s.supplier_id", "s.name", "s.services"], q, backend);
    }
    if let Some(c) = f.criticality {
        sql.push(" and s.criticality = ?", [Arg::Text(c.key().into())]);
    }
    if let Some(st) = f.status {
        sql.push(" and s.status = ?", [Arg::Text(st.key().into())]);
    }
    if let Some(o) = &f.owner {
        sql.push(" and s.owner = ?", [Arg::Text(o.clone())]);
    }
    if let Some(day) = &f.review_due_on {
        sql.push(
            " and s.status <> 'ended' and (s.review_due is null or s.review_due <= ?)",
            [Arg::Text(day.clone())],
        );
    }
    if f.cloud {
        sql.push(" and s.cloud_services <> ''", []);
    }
    if f.personal_data {
        sql.push(" and s.personal_data = true", []);
    }
}

impl Store {
    /// Suppliers by name.
    pub async fn list_suppliers(
        &self,
        f: &SupplierFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Supplier>> {
        let mut from = Sql::new("from supplier s where 1 = 1");
        where_filter(&mut from, f, self.backend());
        let page = self
            .keyset_page_ordered(
                COLUMNS,
                from,
                (KEYS, false),
                cursor,
                limit,
                None,
                |r: SupplierRow| r.0,
                key_of,
            )
            .await?;
        let mut tx = self.read_tx().await?;
        let items = with_links(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page { items, ..page })
    }

    pub async fn supplier(&self, id: &str) -> Result<Supplier> {
        let mut tx = self.read_tx().await?;
        let s = read_in(&mut tx, id).await?;
        tx.commit().await?;
        s.ok_or_else(|| Error::NotFound(format!("supplier {id}")))
    }

    /// The processes that list a supplier by name (their ids and names).
    pub async fn processes_of_supplier(&self, name: &str) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String, String)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String, String, String),
            "select process_id, name, suppliers from process where suppliers <> '' order by process_id"
        )?;
        Ok(rows
            .into_iter()
            .filter(|(_, _, s)| lines(s).iter().any(|n| n.eq_ignore_ascii_case(name.trim())))
            .map(|(id, n, _)| (id, n))
            .collect())
    }
}

/// The classification keys of assets (those not disposed of), read inside a write.
pub(crate) async fn asset_classifications(tx: &mut Tx, ids: &[String]) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = tx_fetch_in!(
        tx,
        (String,),
        "select classification from asset where lifecycle <> 'disposed' and asset_id in ",
        ids,
        ""
    );
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The supplier with this name (case ignored, in every script), if any.
pub(crate) async fn id_by_name(tx: &mut Tx, name: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select supplier_id from supplier where name_key = $1 order by supplier_id limit 1",
        name.trim().to_lowercase()
    )?;
    Ok(row.map(|r| r.0))
}

impl Store {
    /// The generations (asset, continuity) the stored derivations were computed from.
    /// The asset and continuity generations the criticalities were last derived at, and
    /// those of now — in one query, as every read of the register asks it first.
    pub async fn supplier_derivation_state(&self) -> Result<((i64, i64), (i64, i64))> {
        let (a, c, now_a, now_c): (i64, i64, i64, i64) = crate::store::pool_query!(
            self,
            fetch_one,
            (i64, i64, i64, i64),
            "select m.asset_generation, m.continuity_generation,
                    (select generation from register_generation where register = 'asset'),
                    (select generation from register_generation where register = 'continuity')
             from supplier_derivation m where m.id = 'mark'"
        )?;
        Ok(((a, c), (now_a, now_c)))
    }
}

impl Store {
    /// Suppliers in use whose certification stops counting on or before `day` (lapsed, or
    /// lapsing by then): how many, and the first few.
    pub async fn suppliers_certifications_ending(&self, day: &str) -> Result<(i64, Vec<String>)> {
        // The first few ids with how many there are, in one read.
        let rows: Vec<(String, i64)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String, i64),
            "select supplier_id, count(*) over () from (select distinct c.supplier_id
                 from supplier_certification c join supplier s on s.supplier_id = c.supplier_id
                 where c.counts_until <= $1 and s.status <> 'ended') ending
             order by supplier_id limit 8",
            day
        )?;
        Ok(first_few(rows))
    }

    /// Active suppliers of these criticalities whose contract lacks clauses: how many, and
    /// the first few (the most critical first).
    pub async fn suppliers_with_clause_gaps(
        &self,
        criticalities: &[&str],
    ) -> Result<(i64, Vec<String>)> {
        let (mut n, mut ids) = (0, Vec::new());
        for c in criticalities {
            let rows: Vec<(String, i64)> = crate::store::pool_query!(
                self,
                fetch_all,
                (String, i64),
                "select supplier_id, count(*) over () from supplier
                 where criticality = $1 and status = 'active' and clause_gaps > 0
                 order by supplier_id limit 8",
                *c
            )?;
            let (k, some) = first_few(rows);
            n += k;
            ids.extend(some);
        }
        ids.truncate(8);
        Ok((n, ids))
    }
}

/// (how many, the ids) from rows of (id, the count of every row).
fn first_few(rows: Vec<(String, i64)>) -> (i64, Vec<String>) {
    let n = rows.first().map(|r| r.1).unwrap_or(0);
    (n, rows.into_iter().map(|r| r.0).collect())
}

impl Store {
    /// The names of suppliers, by id.
    pub async fn supplier_names(&self, ids: &[String]) -> Result<Vec<(String, String)>> {
        let mut tx = self.read_tx().await?;
        let rows: Vec<(String, String)> = tx_fetch_in!(
            tx,
            (String, String),
            "select supplier_id, name from supplier where supplier_id in ",
            ids,
            " order by supplier_id"
        );
        tx.commit().await?;
        Ok(rows)
    }
}
