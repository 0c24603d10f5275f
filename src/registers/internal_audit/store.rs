//! Audit programmes, audits, their checklist results and findings in the store.

use super::domain::{
    AuditDraft, AuditQuery, AuditStatus, InternalAudit, ItemResult, Programme, ProgrammeDraft,
};
use super::domain_finding::{Finding, FindingDraft, FindingKind, FindingQuery, FindingStatus};
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{Arg, SortKey, Sql, Store, Tx, tx_exec, tx_query};
use sqlx::Row;

fn list(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

// ---- programmes ----

type ProgrammeRow = (String, String, String, String, String, String, String, i64);

const PROGRAMME_COLUMNS: &str =
    "programme_id, title, starts_on, ends_on, owner, notes, updated_at, revision";

fn programme_of(r: ProgrammeRow) -> Programme {
    Programme {
        id: r.0,
        title: r.1,
        starts_on: r.2,
        ends_on: r.3,
        owner: r.4,
        notes: r.5,
        updated_at: r.6,
        revision: r.7,
    }
}

pub(crate) async fn programme_in(tx: &mut Tx, id: &str) -> Result<Option<Programme>> {
    let r: Option<ProgrammeRow> = tx_query!(
        tx,
        fetch_optional,
        ProgrammeRow,
        &format!("select {PROGRAMME_COLUMNS} from audit_programme where programme_id = $1"),
        id
    )?;
    Ok(r.map(programme_of))
}

pub(crate) async fn lock_programme(tx: &mut Tx, id: &str) -> Result<Programme> {
    if !tx.lock_row("audit_programme", "programme_id", id).await? {
        return Err(Error::NotFound(format!("audit programme {id}")));
    }
    programme_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("audit programme {id}")))
}

pub(crate) async fn insert_programme(tx: &mut Tx, d: &ProgrammeDraft) -> Result<Programme> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("audit_programme", "programme_id", "AP"),
        "an audit programme",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into audit_programme (programme_id, title, starts_on, ends_on, updated_at) values ($1, $2, $3, $4, $5)",
        &id,
        &d.title,
        &d.starts_on,
        &d.ends_on,
        &now
    )?;
    write_programme(tx, &id, d, false).await
}

pub(crate) async fn write_programme(
    tx: &mut Tx,
    id: &str,
    d: &ProgrammeDraft,
    bump: bool,
) -> Result<Programme> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update audit_programme set title = $1, starts_on = $2, ends_on = $3, owner = $4,
                notes = $5, updated_at = $6{} where programme_id = $7",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.title,
        &d.starts_on,
        &d.ends_on,
        &d.owner,
        &d.notes,
        &now,
        id
    )?;
    lock_programme(tx, id).await
}

// ---- audits ----

struct AuditRow(InternalAudit);

const AUDIT_COLUMNS: &str = "x.audit_id, x.programme_id, x.title, x.clauses, x.controls, x.criteria, x.starts_on, x.ends_on, x.lead, x.auditors, x.auditees, x.status, x.conclusion, x.completed_on, x.updated_at, x.revision";

macro_rules! audit_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for AuditRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let clauses: String = r.try_get(3)?;
                let controls: String = r.try_get(4)?;
                let auditors: String = r.try_get(9)?;
                let status: String = r.try_get(11)?;
                Ok(AuditRow(InternalAudit {
                    id: r.try_get(0)?,
                    programme: r.try_get(1)?,
                    title: r.try_get(2)?,
                    clauses: list(&clauses),
                    controls: list(&controls),
                    criteria: r.try_get(5)?,
                    starts_on: r.try_get(6)?,
                    ends_on: r.try_get(7)?,
                    lead: r.try_get(8)?,
                    auditors: list(&auditors),
                    auditees: r.try_get(10)?,
                    status: AuditStatus::parse(&status).unwrap_or(AuditStatus::Planned),
                    conclusion: r.try_get(12)?,
                    completed_on: r.try_get(13)?,
                    updated_at: r.try_get(14)?,
                    revision: r.try_get(15)?,
                }))
            }
        }
    };
}
audit_from_row!(sqlx::sqlite::SqliteRow);
audit_from_row!(sqlx::postgres::PgRow);

pub(crate) async fn audit_in(tx: &mut Tx, id: &str) -> Result<Option<InternalAudit>> {
    let r: Option<AuditRow> = tx_query!(
        tx,
        fetch_optional,
        AuditRow,
        &format!("select {AUDIT_COLUMNS} from internal_audit x where x.audit_id = $1"),
        id
    )?;
    Ok(r.map(|r| r.0))
}

pub(crate) async fn lock_audit(tx: &mut Tx, id: &str) -> Result<InternalAudit> {
    if !tx.lock_row("internal_audit", "audit_id", id).await? {
        return Err(Error::NotFound(format!("audit {id}")));
    }
    audit_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("audit {id}")))
}

/// The audits of a programme, read inside a transaction.
pub(crate) async fn audits_of_in(tx: &mut Tx, programme: &str) -> Result<Vec<InternalAudit>> {
    let rows: Vec<AuditRow> = tx_query!(
        tx,
        fetch_all,
        AuditRow,
        &format!(
            "select {AUDIT_COLUMNS} from internal_audit x where x.programme_id = $1 order by x.starts_on, x.audit_id"
        ),
        programme
    )?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub(crate) async fn insert_audit(
    tx: &mut Tx,
    d: &AuditDraft,
    today: &str,
) -> Result<InternalAudit> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("internal_audit", "audit_id", "IA"),
        "an audit",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into internal_audit (audit_id, programme_id, title, starts_on, ends_on, lead, status, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        &id,
        &d.programme,
        &d.title,
        &d.starts_on,
        &d.ends_on,
        &d.lead,
        d.status.key(),
        &now
    )?;
    write_audit(tx, &id, d, None, today).await
}

/// Writes an audit's fields (revision + 1 when `before` is given); a completion keeps its day.
pub(crate) async fn write_audit(
    tx: &mut Tx,
    id: &str,
    d: &AuditDraft,
    before: Option<&InternalAudit>,
    today: &str,
) -> Result<InternalAudit> {
    let now = tx.now().to_string();
    let completed_on = match (d.status, before) {
        (AuditStatus::Completed, Some(b)) if b.status == AuditStatus::Completed => {
            b.completed_on.clone()
        }
        (AuditStatus::Completed, _) => Some(today.to_string()),
        _ => None,
    };
    tx_exec!(
        tx,
        &format!(
            "update internal_audit set programme_id = $1, title = $2, clauses = $3, controls = $4,
                criteria = $5, starts_on = $6, ends_on = $7, lead = $8, auditors = $9, auditees = $10,
                status = $11, conclusion = $12, completed_on = $13, updated_at = $14{} where audit_id = $15",
            if before.is_some() {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.programme,
        &d.title,
        d.clauses.join(","),
        d.controls.join(","),
        &d.criteria,
        &d.starts_on,
        &d.ends_on,
        &d.lead,
        d.auditors.join(","),
        &d.auditees,
        d.status.key(),
        &d.conclusion,
        &completed_on,
        &now,
        id
    )?;
    lock_audit(tx, id).await
}

/// Moves a planned audit into progress (its first result or finding), revision + 1.
pub(crate) async fn start_audit(tx: &mut Tx, id: &str) -> Result<InternalAudit> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update internal_audit set status = 'in_progress', updated_at = $1, revision = revision + 1 where audit_id = $2",
        &now,
        id
    )?;
    lock_audit(tx, id).await
}

/// The results recorded for an audit's checklist: item → (result, note, by, at).
pub(crate) type Results = std::collections::HashMap<String, (ItemResult, String, String, String)>;

pub(crate) async fn results_in(tx: &mut Tx, audit: &str) -> Result<Results> {
    let rows: Vec<(String, String, String, String, String)> = tx_query!(
        tx,
        fetch_all,
        (String, String, String, String, String),
        "select item, result, note, checked_by, checked_at from internal_audit_item where audit_id = $1",
        audit
    )?;
    Ok(rows
        .into_iter()
        .map(|(item, result, note, by, at)| {
            (
                item,
                (
                    ItemResult::parse(&result).unwrap_or(ItemResult::NotChecked),
                    note,
                    by,
                    at,
                ),
            )
        })
        .collect())
}

pub(crate) async fn write_result(
    tx: &mut Tx,
    audit: &str,
    item: &str,
    result: ItemResult,
    note: &str,
    by: &str,
) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into internal_audit_item (audit_id, item, result, note, checked_by, checked_at)
         values ($1, $2, $3, $4, $5, $6)
         on conflict (audit_id, item) do update set result = excluded.result, note = excluded.note,
            checked_by = excluded.checked_by, checked_at = excluded.checked_at",
        audit,
        item,
        result.key(),
        note,
        by,
        &now
    )?;
    Ok(())
}

// ---- findings ----

struct FindingRow(Finding);

const FINDING_COLUMNS: &str = "f.finding_id, f.audit_id, f.kind, f.title, f.description, f.requirement, f.clause, f.control_id, f.record_id, f.owner, f.raised_by, f.raised_on, f.status, f.updated_at, f.revision";

macro_rules! finding_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for FindingRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let kind: String = r.try_get(2)?;
                let status: String = r.try_get(12)?;
                Ok(FindingRow(Finding {
                    id: r.try_get(0)?,
                    audit: r.try_get(1)?,
                    kind: FindingKind::parse(&kind).unwrap_or(FindingKind::Observation),
                    title: r.try_get(3)?,
                    description: r.try_get(4)?,
                    requirement: r.try_get(5)?,
                    clause: r.try_get(6)?,
                    control: r.try_get(7)?,
                    record: r.try_get(8)?,
                    owner: r.try_get(9)?,
                    raised_by: r.try_get(10)?,
                    raised_on: r.try_get(11)?,
                    status: FindingStatus::parse(&status).unwrap_or(FindingStatus::Open),
                    updated_at: r.try_get(13)?,
                    revision: r.try_get(14)?,
                }))
            }
        }
    };
}
finding_from_row!(sqlx::sqlite::SqliteRow);
finding_from_row!(sqlx::postgres::PgRow);

pub(crate) async fn finding_in(tx: &mut Tx, id: &str) -> Result<Option<Finding>> {
    let r: Option<FindingRow> = tx_query!(
        tx,
        fetch_optional,
        FindingRow,
        &format!("select {FINDING_COLUMNS} from audit_finding f where f.finding_id = $1"),
        id
    )?;
    Ok(r.map(|r| r.0))
}

pub(crate) async fn lock_finding(tx: &mut Tx, id: &str) -> Result<Finding> {
    if !tx.lock_row("audit_finding", "finding_id", id).await? {
        return Err(Error::NotFound(format!("finding {id}")));
    }
    finding_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("finding {id}")))
}

/// An audit's findings, read inside a transaction.
pub(crate) async fn findings_of_in(tx: &mut Tx, audit: &str) -> Result<Vec<Finding>> {
    let rows: Vec<FindingRow> = tx_query!(
        tx,
        fetch_all,
        FindingRow,
        &format!(
            "select {FINDING_COLUMNS} from audit_finding f where f.audit_id = $1 order by f.finding_id"
        ),
        audit
    )?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub(crate) async fn insert_finding(tx: &mut Tx, d: &FindingDraft, by: &str) -> Result<Finding> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("audit_finding", "finding_id", "F"),
        "a finding",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into audit_finding (finding_id, audit_id, kind, title, raised_by, raised_on, status, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        &id,
        &d.audit,
        d.kind.key(),
        &d.title,
        by,
        &d.raised_on,
        d.status.key(),
        &now
    )?;
    write_finding(tx, &id, d, false).await
}

pub(crate) async fn write_finding(
    tx: &mut Tx,
    id: &str,
    d: &FindingDraft,
    bump: bool,
) -> Result<Finding> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update audit_finding set audit_id = $1, kind = $2, title = $3, description = $4,
                requirement = $5, clause = $6, control_id = $7, record_id = $8, owner = $9,
                raised_on = $10, status = $11, updated_at = $12{} where finding_id = $13",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.audit,
        d.kind.key(),
        &d.title,
        &d.description,
        &d.requirement,
        &d.clause,
        &d.control,
        &d.record,
        &d.owner,
        &d.raised_on,
        d.status.key(),
        &now,
        id
    )?;
    lock_finding(tx, id).await
}

/// Sets a finding's status (a nonconformity closed as effective closes its finding).
pub(crate) async fn set_finding_status(
    tx: &mut Tx,
    id: &str,
    status: FindingStatus,
) -> Result<Finding> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update audit_finding set status = $1, updated_at = $2, revision = revision + 1 where finding_id = $3",
        status.key(),
        &now,
        id
    )?;
    lock_finding(tx, id).await
}

const FINDING_KEYS: &[SortKey] = &[SortKey::Text("f.raised_on"), SortKey::Text("f.finding_id")];

fn finding_key(x: &Finding) -> Vec<serde_json::Value> {
    vec![x.raised_on.clone().into(), x.id.clone().into()]
}

fn where_findings(sql: &mut Sql, q: &FindingQuery, backend: crate::config::Backend) {
    if let Some(t) = &q.text {
        sql.push_text_search(
            &["f.finding_id", "f.title", "f.description", "f.requirement"],
            t,
            backend,
        );
    }
    let mut eq = |column: &str, v: Option<String>| {
        if let Some(v) = v {
            sql.push(&format!(" and {column} = ?"), [Arg::Text(v)]);
        }
    };
    eq("f.audit_id", q.audit.clone());
    eq("f.kind", q.kind.map(|k| k.key().to_string()));
    eq("f.status", q.status.map(|k| k.key().to_string()));
    eq("f.clause", q.clause.clone());
    eq("f.control_id", q.control.clone());
    eq("f.owner", q.owner.clone());
    if let Some(d) = &q.raised_since {
        sql.push(" and f.raised_on >= ?", [Arg::Text(d.clone())]);
    }
}

impl Store {
    /// Every programme, newest cycle first.
    pub async fn audit_programmes(&self) -> Result<Vec<Programme>> {
        let rows: Vec<ProgrammeRow> = crate::store::pool_query!(
            self,
            fetch_all,
            ProgrammeRow,
            &format!(
                "select {PROGRAMME_COLUMNS} from audit_programme order by starts_on desc, programme_id limit 1000"
            )
        )?;
        Ok(rows.into_iter().map(programme_of).collect())
    }

    pub async fn audit_programme(&self, id: &str) -> Result<Programme> {
        let mut tx = self.read_tx().await?;
        let p = programme_in(&mut tx, id).await?;
        tx.commit().await?;
        p.ok_or_else(|| Error::NotFound(format!("audit programme {id}")))
    }

    /// The audits a query selects, by first day, newest first (at most 5,000).
    pub async fn internal_audits(&self, q: &AuditQuery) -> Result<Vec<InternalAudit>> {
        let mut sql = Sql::new(&format!(
            "select {AUDIT_COLUMNS} from internal_audit x where 1 = 1"
        ));
        if let Some(p) = &q.programme {
            sql.push(" and x.programme_id = ?", [Arg::Text(p.clone())]);
        }
        if let Some(s) = q.status {
            sql.push(" and x.status = ?", [Arg::Text(s.key().into())]);
        }
        if let Some(a) = &q.auditor {
            sql.push(
                " and (x.lead = ? or (',' || x.auditors || ',') like ?)",
                [Arg::Text(a.clone()), Arg::Text(format!("%,{a},%"))],
            );
        }
        sql.push(" order by x.starts_on desc, x.audit_id desc limit 5000", []);
        let rows: Vec<AuditRow> = self.fetch_sql(&sql).await?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn internal_audit(&self, id: &str) -> Result<InternalAudit> {
        let mut tx = self.read_tx().await?;
        let a = audit_in(&mut tx, id).await?;
        tx.commit().await?;
        a.ok_or_else(|| Error::NotFound(format!("audit {id}")))
    }

    /// An audit with its checklist results and findings, read together.
    pub async fn internal_audit_full(
        &self,
        id: &str,
    ) -> Result<(InternalAudit, Results, Vec<Finding>)> {
        let mut tx = self.read_tx().await?;
        let a = audit_in(&mut tx, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("audit {id}")))?;
        let r = results_in(&mut tx, id).await?;
        let f = findings_of_in(&mut tx, id).await?;
        tx.commit().await?;
        Ok((a, r, f))
    }

    /// A programme's audits.
    pub async fn audits_of(&self, programme: &str) -> Result<Vec<InternalAudit>> {
        let mut tx = self.read_tx().await?;
        let a = audits_of_in(&mut tx, programme).await?;
        tx.commit().await?;
        Ok(a)
    }

    /// Findings, newest first.
    pub async fn list_findings(
        &self,
        q: &FindingQuery,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Finding>> {
        let mut from = Sql::new("from audit_finding f where 1 = 1");
        where_findings(&mut from, q, self.backend());
        self.keyset_page_ordered(
            FINDING_COLUMNS,
            from,
            (FINDING_KEYS, true),
            cursor,
            limit,
            None,
            |r: FindingRow| r.0,
            finding_key,
        )
        .await
    }

    pub async fn finding(&self, id: &str) -> Result<Finding> {
        let mut tx = self.read_tx().await?;
        let f = finding_in(&mut tx, id).await?;
        tx.commit().await?;
        f.ok_or_else(|| Error::NotFound(format!("finding {id}")))
    }

    /// The open major and minor nonconformities audits raised (ids).
    pub async fn open_nonconformity_findings(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String,),
            "select finding_id from audit_finding where status = 'open' and kind in ('major', 'minor') order by finding_id"
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    /// Findings per audit and kind: (audit, kind, count).
    pub async fn finding_counts(&self) -> Result<Vec<(String, String, i64)>> {
        Ok(crate::store::pool_query!(
            self,
            fetch_all,
            (String, String, i64),
            "select audit_id, kind, count(*) from audit_finding group by audit_id, kind"
        )?)
    }

    /// Open findings by kind: (kind, count).
    pub async fn open_findings_by_kind(&self) -> Result<Vec<(String, i64)>> {
        Ok(crate::store::pool_query!(
            self,
            fetch_all,
            (String, i64),
            "select kind, count(*) from audit_finding where status = 'open' group by kind"
        )?)
    }

    /// Who owns the controls of a scope and the measures implementing them (lower case),
    /// for the independence check.
    pub async fn scope_owners(
        &self,
        framework: &str,
        controls: &[String],
    ) -> Result<(Vec<(String, String)>, Vec<(String, String, String)>)> {
        if controls.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        let mut owners = Sql::new("");
        owners.push(
            "select control_id, lower(owner) from soa_row where framework_id = ? and owner <> '' and control_id in ",
            [Arg::Text(framework.to_string())],
        );
        owners.push_in(controls.iter());
        let rows: Vec<(String, String)> = self.fetch_sql(&owners).await?;
        let mut measures = Sql::new("");
        measures.push(
            "select mc.control_id, m.measure_id, lower(m.owner) from measure_control mc
             join measure m on m.measure_id = mc.measure_id
             where mc.framework_id = ? and m.owner <> '' and m.status <> 'deprecated' and mc.control_id in ",
            [Arg::Text(framework.to_string())],
        );
        measures.push_in(controls.iter());
        let m: Vec<(String, String, String)> = self.fetch_sql(&measures).await?;
        Ok((rows, m))
    }
}
