//! Nonconformities and corrective actions in the store.

use super::domain::{
    Action, ActionDraft, ActionQuery, ActionStatus, NcQuery, NcSource, NcStage, Nonconformity,
    NonconformityDraft, stage,
};
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{Arg, SortKey, Sql, Store, Tx, tx_exec, tx_fetch_in, tx_query};
use sqlx::Row;

struct NcRow(Nonconformity);

const NC_COLUMNS: &str = "n.nc_id, n.title, n.description, n.source, n.source_ref, n.clause, n.control_id, n.owner, n.raised_on, n.correction, n.corrected_on, n.whys, n.root_cause, n.effective, n.review_note, n.reviewed_by, n.reviewed_on, n.reviewed_at, n.closed_on, n.updated_at, n.revision";

macro_rules! nc_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for NcRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let source: String = r.try_get(3)?;
                let whys: String = r.try_get(11)?;
                Ok(NcRow(Nonconformity {
                    id: r.try_get(0)?,
                    title: r.try_get(1)?,
                    description: r.try_get(2)?,
                    source: NcSource::parse(&source).unwrap_or(NcSource::Manual),
                    source_ref: r.try_get(4)?,
                    clause: r.try_get(5)?,
                    control: r.try_get(6)?,
                    owner: r.try_get(7)?,
                    raised_on: r.try_get(8)?,
                    correction: r.try_get(9)?,
                    corrected_on: r.try_get(10)?,
                    whys: whys
                        .lines()
                        .filter(|w| !w.trim().is_empty())
                        .map(str::to_string)
                        .collect(),
                    root_cause: r.try_get(12)?,
                    effective: r.try_get(13)?,
                    review_note: r.try_get(14)?,
                    reviewed_by: r.try_get(15)?,
                    reviewed_on: r.try_get(16)?,
                    reviewed_at: r.try_get(17)?,
                    closed_on: r.try_get(18)?,
                    updated_at: r.try_get(19)?,
                    revision: r.try_get(20)?,
                    actions: Vec::new(),
                    stage: NcStage::Analysis,
                }))
            }
        }
    };
}
nc_from_row!(sqlx::sqlite::SqliteRow);
nc_from_row!(sqlx::postgres::PgRow);

struct ActionRow(Action);

const ACTION_COLUMNS: &str = "a.action_id, a.nc_id, a.title, a.owner, a.due_on, a.status, a.done_on, a.note, a.updated_at, a.revision";

macro_rules! action_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for ActionRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let status: String = r.try_get(5)?;
                Ok(ActionRow(Action {
                    id: r.try_get(0)?,
                    nonconformity: r.try_get(1)?,
                    title: r.try_get(2)?,
                    owner: r.try_get(3)?,
                    due_on: r.try_get(4)?,
                    status: ActionStatus::parse(&status).unwrap_or(ActionStatus::Open),
                    done_on: r.try_get(6)?,
                    note: r.try_get(7)?,
                    updated_at: r.try_get(8)?,
                    revision: r.try_get(9)?,
                }))
            }
        }
    };
}
action_from_row!(sqlx::sqlite::SqliteRow);
action_from_row!(sqlx::postgres::PgRow);

/// Fills each nonconformity's actions and stage.
async fn with_actions(tx: &mut Tx, mut items: Vec<Nonconformity>) -> Result<Vec<Nonconformity>> {
    let ids: Vec<String> = items.iter().map(|x| x.id.clone()).collect();
    let rows: Vec<ActionRow> = tx_fetch_in!(
        tx,
        ActionRow,
        &format!("select {ACTION_COLUMNS} from corrective_action a where a.nc_id in "),
        ids,
        " order by a.action_id"
    );
    let mut by: std::collections::HashMap<String, Vec<Action>> = Default::default();
    for r in rows {
        by.entry(r.0.nonconformity.clone()).or_default().push(r.0);
    }
    for x in &mut items {
        x.actions = by.remove(&x.id).unwrap_or_default();
        x.stage = stage(x);
    }
    Ok(items)
}

pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<Nonconformity>> {
    let r: Option<NcRow> = tx_query!(
        tx,
        fetch_optional,
        NcRow,
        &format!("select {NC_COLUMNS} from nonconformity n where n.nc_id = $1"),
        id
    )?;
    match r {
        None => Ok(None),
        Some(r) => Ok(with_actions(tx, vec![r.0]).await?.pop()),
    }
}

pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Nonconformity> {
    if !tx.lock_row("nonconformity", "nc_id", id).await? {
        return Err(Error::NotFound(format!("nonconformity {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("nonconformity {id}")))
}

/// The nonconformity opened from a record (a finding), if any.
pub(crate) async fn from_source(tx: &mut Tx, source: &str, r: &str) -> Result<Option<String>> {
    let row: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select nc_id from nonconformity where source = $1 and source_ref = $2 limit 1",
        source,
        r
    )?;
    Ok(row.map(|r| r.0))
}

pub(crate) async fn insert(tx: &mut Tx, d: &NonconformityDraft) -> Result<Nonconformity> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("nonconformity", "nc_id", "NC"),
        "a nonconformity",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into nonconformity (nc_id, title, source, raised_on, updated_at) values ($1, $2, $3, $4, $5)",
        &id,
        &d.title,
        d.source.key(),
        &d.raised_on,
        &now
    )?;
    write(tx, &id, d, false).await
}

pub(crate) async fn write(
    tx: &mut Tx,
    id: &str,
    d: &NonconformityDraft,
    bump: bool,
) -> Result<Nonconformity> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update nonconformity set title = $1, description = $2, source = $3, source_ref = $4,
                clause = $5, control_id = $6, owner = $7, raised_on = $8, correction = $9,
                corrected_on = $10, whys = $11, root_cause = $12, updated_at = $13{} where nc_id = $14",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.title,
        &d.description,
        d.source.key(),
        &d.source_ref,
        &d.clause,
        &d.control,
        &d.owner,
        &d.raised_on,
        &d.correction,
        &d.corrected_on,
        d.whys.join("\n"),
        &d.root_cause,
        &now,
        id
    )?;
    lock(tx, id).await
}

/// Records a review of effectiveness; an effective one closes the nonconformity on `day`.
pub(crate) async fn write_review(
    tx: &mut Tx,
    id: &str,
    effective: bool,
    note: &str,
    by: &str,
    day: &str,
) -> Result<Nonconformity> {
    let now = tx.now().to_string();
    let closed = effective.then(|| day.to_string());
    tx_exec!(
        tx,
        "update nonconformity set effective = $1, review_note = $2, reviewed_by = $3, reviewed_on = $4,
            reviewed_at = $5, closed_on = $6, updated_at = $5, revision = revision + 1 where nc_id = $7",
        effective,
        note,
        by,
        day,
        &now,
        &closed,
        id
    )?;
    lock(tx, id).await
}

pub(crate) async fn action_in(tx: &mut Tx, id: &str) -> Result<Option<Action>> {
    let r: Option<ActionRow> = tx_query!(
        tx,
        fetch_optional,
        ActionRow,
        &format!("select {ACTION_COLUMNS} from corrective_action a where a.action_id = $1"),
        id
    )?;
    Ok(r.map(|r| r.0))
}

pub(crate) async fn lock_action(tx: &mut Tx, id: &str) -> Result<Action> {
    if !tx.lock_row("corrective_action", "action_id", id).await? {
        return Err(Error::NotFound(format!("corrective action {id}")));
    }
    action_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("corrective action {id}")))
}

pub(crate) async fn insert_action(tx: &mut Tx, d: &ActionDraft) -> Result<Action> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("corrective_action", "action_id", "CA"),
        "a corrective action",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into corrective_action (action_id, nc_id, title, owner, due_on, status, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7)",
        &id,
        &d.nonconformity,
        &d.title,
        &d.owner,
        &d.due_on,
        d.status.key(),
        &now
    )?;
    write_action(tx, &id, d, false).await
}

pub(crate) async fn write_action(
    tx: &mut Tx,
    id: &str,
    d: &ActionDraft,
    bump: bool,
) -> Result<Action> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update corrective_action set nc_id = $1, title = $2, owner = $3, due_on = $4,
                status = $5, done_on = $6, note = $7, updated_at = $8{} where action_id = $9",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.nonconformity,
        &d.title,
        &d.owner,
        &d.due_on,
        d.status.key(),
        &d.done_on,
        &d.note,
        &now,
        id
    )?;
    lock_action(tx, id).await
}

const NC_KEYS: &[SortKey] = &[SortKey::Text("n.raised_on"), SortKey::Text("n.nc_id")];

fn nc_key(x: &Nonconformity) -> Vec<serde_json::Value> {
    vec![x.raised_on.clone().into(), x.id.clone().into()]
}

const ACTION_KEYS: &[SortKey] = &[SortKey::Text("a.due_on"), SortKey::Text("a.action_id")];

fn action_key(x: &Action) -> Vec<serde_json::Value> {
    vec![x.due_on.clone().into(), x.id.clone().into()]
}

impl Store {
    /// Nonconformities, newest first.
    pub async fn list_nonconformities(
        &self,
        q: &NcQuery,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Nonconformity>> {
        let mut from = Sql::new("from nonconformity n where 1 = 1");
        if let Some(t) = &q.text {
            from.push_text_search(
                &["n.nc_id", "n.title", "n.description", "n.root_cause"],
                t,
                self.backend(),
            );
        }
        if let Some(s) = q.source {
            from.push(" and n.source = ?", [Arg::Text(s.key().into())]);
        }
        if let Some(d) = &q.since {
            from.push(
                " and (n.closed_on is null or n.raised_on >= ? or n.closed_on >= ?)",
                [Arg::Text(d.clone()), Arg::Text(d.clone())],
            );
        }
        if let Some(r) = &q.source_ref {
            from.push(" and n.source_ref = ?", [Arg::Text(r.clone())]);
        }
        match q.open {
            Some(true) => {
                from.push(" and n.closed_on is null", []);
            }
            Some(false) => {
                from.push(" and n.closed_on is not null", []);
            }
            None => {}
        }
        if let Some(o) = &q.owner {
            from.push(" and n.owner = ?", [Arg::Text(o.clone())]);
        }
        let page = self
            .keyset_page_ordered(
                NC_COLUMNS,
                from,
                (NC_KEYS, true),
                cursor,
                limit,
                None,
                |r: NcRow| r.0,
                nc_key,
            )
            .await?;
        let mut tx = self.read_tx().await?;
        let items = with_actions(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page { items, ..page })
    }

    pub async fn nonconformity(&self, id: &str) -> Result<Nonconformity> {
        let mut tx = self.read_tx().await?;
        let x = read_in(&mut tx, id).await?;
        tx.commit().await?;
        x.ok_or_else(|| Error::NotFound(format!("nonconformity {id}")))
    }

    /// Corrective actions by due day.
    pub async fn list_actions(
        &self,
        q: &ActionQuery,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Action>> {
        let mut from = Sql::new("from corrective_action a where 1 = 1");
        if let Some(s) = q.status {
            from.push(" and a.status = ?", [Arg::Text(s.key().into())]);
        }
        if let Some(o) = &q.owner {
            from.push(" and a.owner = ?", [Arg::Text(o.clone())]);
        }
        if let Some(day) = &q.overdue_on {
            from.push(
                " and a.status = 'open' and a.due_on < ?",
                [Arg::Text(day.clone())],
            );
        }
        if let Some(n) = &q.nonconformity {
            from.push(" and a.nc_id = ?", [Arg::Text(n.clone())]);
        }
        self.keyset_page_ordered(
            ACTION_COLUMNS,
            from,
            (ACTION_KEYS, false),
            cursor,
            limit,
            None,
            |r: ActionRow| r.0,
            action_key,
        )
        .await
    }

    pub async fn corrective_action(&self, id: &str) -> Result<Action> {
        let mut tx = self.read_tx().await?;
        let x = action_in(&mut tx, id).await?;
        tx.commit().await?;
        x.ok_or_else(|| Error::NotFound(format!("corrective action {id}")))
    }

    /// The facts clauses 10.1 and 10.2 rest on, counted by the database: nonconformities
    /// recorded, open and closed since `year_ago`; audit nonconformities no nonconformity
    /// follows up; open ones raised before `month_ago` without a root cause; open actions past
    /// `today`; those waiting for their effectiveness review; the improvement log's entries
    /// since `year_ago`.
    pub async fn improvement_facts(
        &self,
        today: &str,
        year_ago: &str,
        month_ago: &str,
    ) -> Result<crate::registers::readiness::domain_check::ImprovementFacts> {
        let (recorded, open, closed_recently): (i64, i64, i64) = crate::store::pool_query!(
            self,
            fetch_one,
            (i64, i64, i64),
            "select count(*), coalesce(sum(case when closed_on is null then 1 else 0 end), 0),
                coalesce(sum(case when closed_on >= $1 then 1 else 0 end), 0) from nonconformity",
            year_ago
        )?;
        let ids = |rows: Vec<(String,)>| rows.into_iter().map(|r| r.0).collect::<Vec<_>>();
        let unfollowed: Vec<(String,)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String,),
            "select f.finding_id from audit_finding f
             where f.status = 'open' and f.kind in ('major', 'minor')
               and not exists (select 1 from nonconformity n where n.source = 'finding' and n.source_ref = f.finding_id)
             order by f.finding_id"
        )?;
        let no_cause: Vec<(String,)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String,),
            "select nc_id from nonconformity where closed_on is null and root_cause = '' and raised_on < $1 order by nc_id",
            month_ago
        )?;
        let overdue: Vec<(String,)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String,),
            "select a.action_id from corrective_action a join nonconformity n on n.nc_id = a.nc_id
             where a.status = 'open' and a.due_on < $1 and n.closed_on is null order by a.action_id",
            today
        )?;
        let review: Vec<(String,)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String,),
            "select n.nc_id from nonconformity n
             where n.closed_on is null and n.root_cause <> ''
               and exists (select 1 from corrective_action a where a.nc_id = n.nc_id and a.status <> 'cancelled')
               and not exists (select 1 from corrective_action a where a.nc_id = n.nc_id and a.status = 'open')
               and (n.reviewed_at is null or exists (select 1 from corrective_action a
                    where a.nc_id = n.nc_id and a.status = 'done' and a.updated_at > n.reviewed_at))
             order by n.nc_id"
        )?;
        let (improvements,): (i64,) = crate::store::pool_query!(
            self,
            fetch_one,
            (i64,),
            "select (select count(*) from nonconformity where closed_on >= $1)
                + (select count(*) from audit_finding where kind = 'ofi' and raised_on >= $1)",
            year_ago
        )?;
        Ok(
            crate::registers::readiness::domain_check::ImprovementFacts {
                recorded,
                open,
                findings_unfollowed: ids(unfollowed),
                no_root_cause: ids(no_cause),
                actions_overdue: ids(overdue),
                awaiting_review: ids(review),
                closed_recently,
                improvements_recently: improvements,
            },
        )
    }

    /// (open nonconformities, open actions, open actions past due on `today`).
    pub async fn improvement_counts(&self, today: &str) -> Result<(i64, i64, i64)> {
        let (a,): (i64,) = crate::store::pool_query!(
            self,
            fetch_one,
            (i64,),
            "select count(*) from nonconformity where closed_on is null"
        )?;
        let (b, c): (i64, i64) = crate::store::pool_query!(
            self,
            fetch_one,
            (i64, i64),
            "select count(*), coalesce(sum(case when due_on < $1 then 1 else 0 end), 0) from corrective_action where status = 'open'",
            today
        )?;
        Ok((a, b, c))
    }
}
