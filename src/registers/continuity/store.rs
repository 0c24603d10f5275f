//! Continuity in the store: processes with their BIA, the assets they depend on and their
//! plans; exercises with the assets they restored; what processes ask of assets and what tests
//! showed they achieve.

use super::domain::{
    Achieved, Demand, Exercise, ExerciseDraft, ExerciseKind, ExerciseResult, Process, ProcessDraft,
};
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{SortKey, Sql, Store, Tx, pool_query, tx_exec, tx_fetch_in, tx_query};
use sqlx::Row;

struct ProcessRow(Process);

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

const PROCESS_COLUMNS: &str = "p.process_id, p.name, p.description, p.owner, p.impact_4h, p.impact_1d, \
     p.impact_3d, p.impact_1w, p.mtpd_minutes, p.rto_minutes, p.rpo_minutes, p.min_service, \
     p.suppliers, p.roles, p.locations, p.reviewed_on, p.updated_at, p.revision";

macro_rules! process_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for ProcessRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let suppliers: String = r.try_get(12)?;
                let roles: String = r.try_get(13)?;
                let locations: String = r.try_get(14)?;
                Ok(ProcessRow(Process {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    description: r.try_get(2)?,
                    owner: r.try_get(3)?,
                    impacts: vec![r.try_get(4)?, r.try_get(5)?, r.try_get(6)?, r.try_get(7)?],
                    mtpd_minutes: r.try_get(8)?,
                    rto_minutes: r.try_get(9)?,
                    rpo_minutes: r.try_get(10)?,
                    min_service: r.try_get(11)?,
                    suppliers: lines(&suppliers),
                    roles: lines(&roles),
                    locations: lines(&locations),
                    reviewed_on: r.try_get(15)?,
                    updated_at: r.try_get(16)?,
                    revision: r.try_get(17)?,
                    assets: Vec::new(),
                    plans: Vec::new(),
                }))
            }
        }
    };
}
process_from_row!(sqlx::sqlite::SqliteRow);
process_from_row!(sqlx::postgres::PgRow);

const PROCESS_KEYS: &[SortKey] = &[SortKey::Text("p.name"), SortKey::Text("p.process_id")];

fn process_key(p: &Process) -> Vec<serde_json::Value> {
    vec![p.name.clone().into(), p.id.clone().into()]
}

/// Fills in the assets and plans of processes read.
async fn with_links(tx: &mut Tx, mut items: Vec<Process>) -> Result<Vec<Process>> {
    let ids: Vec<String> = items.iter().map(|p| p.id.clone()).collect();
    let assets: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select process_id, asset_id from process_asset where process_id in ",
        ids,
        " order by asset_id"
    );
    let plans: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select process_id, document_id from process_plan where process_id in ",
        ids,
        " order by document_id"
    );
    let (mut assets, mut plans) = (
        crate::store::group_links(assets),
        crate::store::group_links(plans),
    );
    for p in &mut items {
        p.assets = assets.remove(&p.id).unwrap_or_default();
        p.plans = plans.remove(&p.id).unwrap_or_default();
    }
    Ok(items)
}

async fn read_process(tx: &mut Tx, id: &str) -> Result<Option<Process>> {
    let row: Option<ProcessRow> = tx_query!(
        tx,
        fetch_optional,
        ProcessRow,
        &format!("select {PROCESS_COLUMNS} from process p where p.process_id = $1"),
        id
    )?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_links(tx, vec![r.0]).await?.pop()),
    }
}

/// A process read inside a transaction (an import's), or none.
pub(crate) async fn read_process_in(tx: &mut Tx, id: &str) -> Result<Option<Process>> {
    read_process(tx, id).await
}

/// An exercise with its assets, read inside a transaction; none when there is no such one.
pub(crate) async fn read_exercise_in(tx: &mut Tx, id: &str) -> Result<Option<Exercise>> {
    let row: Option<ExerciseRow> = tx_query!(
        tx,
        fetch_optional,
        ExerciseRow,
        &format!("select {EXERCISE_COLUMNS} from exercise e where e.exercise_id = $1"),
        id
    )?;
    Ok(match row {
        Some(r) => exercise_assets(tx, vec![r.0]).await?.pop(),
        None => None,
    })
}

/// Locks a process's row and reads it, inside a write.
pub(crate) async fn lock_process(tx: &mut Tx, id: &str) -> Result<Process> {
    if !tx.lock_row("process", "process_id", id).await? {
        return Err(Error::NotFound(format!("process {id}")));
    }
    read_process(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("process {id}")))
}

async fn write_links(tx: &mut Tx, id: &str, assets: &[String]) -> Result<()> {
    tx_exec!(tx, "delete from process_asset where process_id = $1", id)?;
    for a in assets {
        tx_exec!(
            tx,
            "insert into process_asset (process_id, asset_id) values ($1, $2)",
            id,
            a
        )?;
    }
    Ok(())
}

/// Inserts a process (its id, if given, must be free).
pub(crate) async fn insert_process(tx: &mut Tx, d: &ProcessDraft) -> Result<Process> {
    let id = match &d.id {
        Some(id) => {
            if crate::store::existing_ids(tx, "process", "process_id", std::slice::from_ref(id))
                .await?
                .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("a process with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => crate::store::next_ids(tx, "process", "PR", "process", "process_id", 1)
            .await?
            .pop()
            .unwrap_or_default(),
    };
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into process (process_id, name, updated_at) values ($1, $2, $3)",
        &id,
        &d.name,
        &now
    )?;
    write_process(tx, &id, d, false).await
}

/// Writes a process's fields and assets (revision + 1 unless it is new).
pub(crate) async fn write_process(
    tx: &mut Tx,
    id: &str,
    d: &ProcessDraft,
    bump: bool,
) -> Result<Process> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update process set name = $1, description = $2, owner = $3, impact_4h = $4, impact_1d = $5,
                impact_3d = $6, impact_1w = $7, mtpd_minutes = $8, rto_minutes = $9, rpo_minutes = $10,
                min_service = $11, suppliers = $12, roles = $13, locations = $14, reviewed_on = $15,
                updated_at = $16{}
             where process_id = $17",
            if bump { ", revision = revision + 1" } else { "" }
        ),
        &d.name,
        &d.description,
        &d.owner,
        d.impacts[0],
        d.impacts[1],
        d.impacts[2],
        d.impacts[3],
        d.mtpd_minutes,
        d.rto_minutes,
        d.rpo_minutes,
        &d.min_service,
        d.suppliers.join("\n"),
        d.roles.join("\n"),
        d.locations.join("\n"),
        &d.reviewed_on,
        &now,
        id
    )?;
    write_links(tx, id, &d.assets).await?;
    tx.bump_generation("continuity").await?;
    lock_process(tx, id).await
}

/// Links a plan (a document) to a process.
pub(crate) async fn link_plan(tx: &mut Tx, id: &str, document: &str) -> Result<Process> {
    tx_exec!(
        tx,
        "insert into process_plan (process_id, document_id) values ($1, $2) on conflict do nothing",
        id,
        document
    )?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update process set revision = revision + 1, updated_at = $1 where process_id = $2",
        &now,
        id
    )?;
    tx.bump_generation("continuity").await?;
    lock_process(tx, id).await
}

/// Which of `ids` are not in a table's id column.
pub(crate) async fn unknown(
    tx: &mut Tx,
    table: &str,
    column: &str,
    ids: &[String],
) -> Result<Vec<String>> {
    let found = crate::store::existing_ids(tx, table, column, ids).await?;
    Ok(ids
        .iter()
        .filter(|i| !found.contains(*i))
        .cloned()
        .collect())
}

const EXERCISE_COLUMNS: &str = "e.exercise_id, e.title, e.kind, e.held_on, e.process_id, e.plan_id, e.scope, \
     e.participants, e.result, e.achieved_rto_minutes, e.achieved_rpo_minutes, e.findings, e.measures, \
     e.evidence_id, e.recorded_by, e.recorded_at";

struct ExerciseRow(Exercise);

macro_rules! exercise_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for ExerciseRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let kind: String = r.try_get(2)?;
                let result: String = r.try_get(8)?;
                let measures: String = r.try_get(12)?;
                Ok(ExerciseRow(Exercise {
                    id: r.try_get(0)?,
                    title: r.try_get(1)?,
                    kind: ExerciseKind::parse(&kind).unwrap_or(ExerciseKind::Tabletop),
                    held_on: r.try_get(3)?,
                    process: r.try_get(4)?,
                    plan: r.try_get(5)?,
                    scope: r.try_get(6)?,
                    participants: r.try_get(7)?,
                    result: ExerciseResult::parse(&result).unwrap_or(ExerciseResult::Passed),
                    achieved_rto_minutes: r.try_get(9)?,
                    achieved_rpo_minutes: r.try_get(10)?,
                    findings: r.try_get(11)?,
                    measures: measures
                        .split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect(),
                    evidence: r.try_get(13)?,
                    recorded_by: r.try_get(14)?,
                    recorded_at: r.try_get(15)?,
                    assets: Vec::new(),
                }))
            }
        }
    };
}
exercise_from_row!(sqlx::sqlite::SqliteRow);
exercise_from_row!(sqlx::postgres::PgRow);

const EXERCISE_KEYS: &[SortKey] = &[SortKey::Text("e.held_on"), SortKey::Text("e.exercise_id")];

fn exercise_key(e: &Exercise) -> Vec<serde_json::Value> {
    vec![e.held_on.clone().into(), e.id.clone().into()]
}

async fn exercise_assets(tx: &mut Tx, mut items: Vec<Exercise>) -> Result<Vec<Exercise>> {
    let ids: Vec<String> = items.iter().map(|e| e.id.clone()).collect();
    let assets: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select exercise_id, asset_id from exercise_asset where exercise_id in ",
        ids,
        " order by asset_id"
    );
    let mut assets = crate::store::group_links(assets);
    for e in &mut items {
        e.assets = assets.remove(&e.id).unwrap_or_default();
    }
    Ok(items)
}

/// Records an exercise with its assets, the measures it started and the evidence it filed.
pub(crate) async fn insert_exercise(
    tx: &mut Tx,
    id: &str,
    d: &ExerciseDraft,
    measures: &[String],
    evidence: Option<&str>,
    by: &str,
) -> Result<Exercise> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into exercise (exercise_id, title, kind, held_on, process_id, plan_id, scope, participants,
                               result, achieved_rto_minutes, achieved_rpo_minutes, findings, measures,
                               evidence_id, recorded_by, recorded_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)",
        id,
        &d.title,
        d.kind.key(),
        &d.held_on,
        &d.process,
        &d.plan,
        &d.scope,
        &d.participants,
        d.result.key(),
        d.achieved_rto_minutes,
        d.achieved_rpo_minutes,
        &d.findings,
        measures.join(", "),
        evidence,
        by,
        &now
    )?;
    for a in &d.assets {
        tx_exec!(
            tx,
            "insert into exercise_asset (exercise_id, asset_id) values ($1, $2)",
            id,
            a
        )?;
    }
    tx.bump_generation("continuity").await?;
    let row: ExerciseRow = tx_query!(
        tx,
        fetch_one,
        ExerciseRow,
        &format!("select {EXERCISE_COLUMNS} from exercise e where e.exercise_id = $1"),
        id
    )?;
    Ok(exercise_assets(tx, vec![row.0]).await?.remove(0))
}

/// The next exercise id.
pub(crate) async fn next_exercise_id(tx: &mut Tx) -> Result<String> {
    Ok(
        crate::store::next_ids(tx, "exercise", "EX", "exercise", "exercise_id", 1)
            .await?
            .pop()
            .unwrap_or_default(),
    )
}

type AchievedRow = (String, String, String, Option<i64>, Option<i64>);

impl Store {
    /// Processes by name.
    pub async fn list_processes(
        &self,
        q: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Process>> {
        let mut from = Sql::new("from process p where 1 = 1");
        if let Some(q) = q {
            from.push_text_search(&["p.process_id", "p.name", "p.owner"], q, self.backend());
        }
        let page = self
            .keyset_page_ordered(
                PROCESS_COLUMNS,
                from,
                (PROCESS_KEYS, false),
                cursor,
                limit,
                None,
                |r: ProcessRow| r.0,
                process_key,
            )
            .await?;
        let mut tx = self.read_tx().await?;
        let items = with_links(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page { items, ..page })
    }

    pub async fn process(&self, id: &str) -> Result<Process> {
        let mut tx = self.read_tx().await?;
        let p = read_process(&mut tx, id).await?;
        tx.commit().await?;
        p.ok_or_else(|| Error::NotFound(format!("process {id}")))
    }

    /// Exercises, latest first; of one process, or of one asset, when given.
    pub async fn list_exercises(
        &self,
        process: Option<&str>,
        asset: Option<&str>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Exercise>> {
        let mut from = Sql::new("from exercise e where 1 = 1");
        if let Some(p) = process {
            from.push(
                " and e.process_id = ?",
                [crate::store::Arg::Text(p.to_string())],
            );
        }
        if let Some(a) = asset {
            from.push(
                " and e.exercise_id in (select exercise_id from exercise_asset where asset_id = ?)",
                [crate::store::Arg::Text(a.to_string())],
            );
        }
        let page = self
            .keyset_page_ordered(
                EXERCISE_COLUMNS,
                from,
                (EXERCISE_KEYS, true),
                cursor,
                limit,
                None,
                |r: ExerciseRow| r.0,
                exercise_key,
            )
            .await?;
        let mut tx = self.read_tx().await?;
        let items = exercise_assets(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page { items, ..page })
    }

    pub async fn exercise(&self, id: &str) -> Result<Exercise> {
        let mut tx = self.read_tx().await?;
        let e = read_exercise_in(&mut tx, id)
            .await?
            .ok_or_else(|| Error::NotFound(format!("exercise {id}")))?;
        tx.commit().await?;
        Ok(e)
    }

    /// What processes ask of assets (all of them, or those of one asset).
    pub async fn continuity_demands(&self, asset: Option<&str>) -> Result<Vec<Demand>> {
        let rows: Vec<(String, String, Option<i64>, Option<i64>)> = pool_query!(
            self,
            fetch_all,
            (String, String, Option<i64>, Option<i64>),
            "select pa.asset_id, p.process_id, p.rto_minutes, p.rpo_minutes
             from process_asset pa join process p on p.process_id = pa.process_id
             where $1 = '' or pa.asset_id = $1
             order by pa.asset_id, p.process_id",
            asset.unwrap_or_default()
        )?;
        Ok(rows
            .into_iter()
            .map(|r| Demand {
                asset: r.0,
                process: r.1,
                rto_minutes: r.2,
                rpo_minutes: r.3,
            })
            .collect())
    }

    /// What restore tests and failovers achieved per asset (all, or of one asset).
    pub async fn continuity_achieved(&self, asset: Option<&str>) -> Result<Vec<Achieved>> {
        let rows: Vec<AchievedRow> = pool_query!(
            self,
            fetch_all,
            AchievedRow,
            "select ea.asset_id, e.exercise_id, e.held_on, e.achieved_rto_minutes, e.achieved_rpo_minutes
             from exercise_asset ea join exercise e on e.exercise_id = ea.exercise_id
             where e.kind in ('restore_test', 'failover') and ($1 = '' or ea.asset_id = $1)
             order by ea.asset_id, e.held_on",
            asset.unwrap_or_default()
        )?;
        Ok(rows
            .into_iter()
            .map(|r| Achieved {
                asset: r.0,
                exercise: r.1,
                held_on: r.2,
                rto_minutes: r.3,
                rpo_minutes: r.4,
            })
            .collect())
    }
}
