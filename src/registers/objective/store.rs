//! Objectives, indicators and measurements in the store.

use super::domain::{
    Direction, Frequency, Kpi, KpiDraft, Measurement, Metric, Objective, ObjectiveDraft,
    ObjectiveStatus,
};
use crate::error::{Error, Result};
use crate::store::{Store, Tx, tx_exec, tx_query};
use sqlx::Row;

struct ObjectiveRow(Objective);

const OBJECTIVE_COLUMNS: &str =
    "objective_id, title, description, owner, due_on, status, updated_at, revision";

macro_rules! objective_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for ObjectiveRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let status: String = r.try_get(5)?;
                Ok(ObjectiveRow(Objective {
                    id: r.try_get(0)?,
                    title: r.try_get(1)?,
                    description: r.try_get(2)?,
                    owner: r.try_get(3)?,
                    due_on: r.try_get(4)?,
                    status: ObjectiveStatus::parse(&status).unwrap_or(ObjectiveStatus::Open),
                    updated_at: r.try_get(6)?,
                    revision: r.try_get(7)?,
                }))
            }
        }
    };
}
objective_from_row!(sqlx::sqlite::SqliteRow);
objective_from_row!(sqlx::postgres::PgRow);

struct KpiRow(Kpi);

const KPI_COLUMNS: &str = "k.kpi_id, k.objective_id, k.name, k.definition, k.metric, k.unit, k.target, k.direction, k.frequency, k.owner, k.updated_at, k.revision, m.period, m.value, m.note, m.recorded_by, m.recorded_at";

/// Each indicator with its newest measurement.
const KPI_FROM: &str = "from kpi k left join kpi_measurement m on m.kpi_id = k.kpi_id
    and m.period = (select max(m2.period) from kpi_measurement m2 where m2.kpi_id = k.kpi_id)";

macro_rules! kpi_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for KpiRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let metric: String = r.try_get(4)?;
                let direction: String = r.try_get(7)?;
                let frequency: String = r.try_get(8)?;
                let period: Option<String> = r.try_get(12)?;
                let latest = match period {
                    None => None,
                    Some(period) => Some(Measurement {
                        period,
                        value: r.try_get(13)?,
                        note: r.try_get(14)?,
                        recorded_by: r.try_get(15)?,
                        recorded_at: r.try_get(16)?,
                    }),
                };
                let target: f64 = r.try_get(6)?;
                let direction = Direction::parse(&direction).unwrap_or(Direction::AtLeast);
                Ok(KpiRow(Kpi {
                    id: r.try_get(0)?,
                    objective: r.try_get(1)?,
                    name: r.try_get(2)?,
                    definition: r.try_get(3)?,
                    metric: Metric::parse(&metric).unwrap_or(Metric::Manual),
                    unit: r.try_get(5)?,
                    status: Kpi::status_of(latest.as_ref(), target, direction),
                    target,
                    direction,
                    frequency: Frequency::parse(&frequency).unwrap_or(Frequency::Monthly),
                    owner: r.try_get(9)?,
                    updated_at: r.try_get(10)?,
                    revision: r.try_get(11)?,
                    latest,
                }))
            }
        }
    };
}
kpi_from_row!(sqlx::sqlite::SqliteRow);
kpi_from_row!(sqlx::postgres::PgRow);

pub(crate) async fn objective_in(tx: &mut Tx, id: &str) -> Result<Option<Objective>> {
    let row: Option<ObjectiveRow> = tx_query!(
        tx,
        fetch_optional,
        ObjectiveRow,
        &format!("select {OBJECTIVE_COLUMNS} from objective where objective_id = $1"),
        id
    )?;
    Ok(row.map(|r| r.0))
}

pub(crate) async fn lock_objective(tx: &mut Tx, id: &str) -> Result<Objective> {
    if !tx.lock_row("objective", "objective_id", id).await? {
        return Err(Error::NotFound(format!("objective {id}")));
    }
    objective_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("objective {id}")))
}

pub(crate) async fn insert_objective(tx: &mut Tx, d: &ObjectiveDraft) -> Result<Objective> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("objective", "objective_id", "OBJ"),
        "an objective",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into objective (objective_id, title, updated_at) values ($1, $2, $3)",
        &id,
        &d.title,
        &now
    )?;
    write_objective(tx, &id, d, false).await
}

pub(crate) async fn write_objective(
    tx: &mut Tx,
    id: &str,
    d: &ObjectiveDraft,
    bump: bool,
) -> Result<Objective> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update objective set title = $1, description = $2, owner = $3, due_on = $4,
                status = $5, updated_at = $6{} where objective_id = $7",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.title,
        &d.description,
        &d.owner,
        &d.due_on,
        d.status.key(),
        &now,
        id
    )?;
    lock_objective(tx, id).await
}

pub(crate) async fn kpi_in(tx: &mut Tx, id: &str) -> Result<Option<Kpi>> {
    let row: Option<KpiRow> = tx_query!(
        tx,
        fetch_optional,
        KpiRow,
        &format!("select {KPI_COLUMNS} {KPI_FROM} where k.kpi_id = $1"),
        id
    )?;
    Ok(row.map(|r| r.0))
}

pub(crate) async fn lock_kpi(tx: &mut Tx, id: &str) -> Result<Kpi> {
    if !tx.lock_row("kpi", "kpi_id", id).await? {
        return Err(Error::NotFound(format!("indicator {id}")));
    }
    kpi_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("indicator {id}")))
}

pub(crate) async fn insert_kpi(tx: &mut Tx, d: &KpiDraft) -> Result<Kpi> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("kpi", "kpi_id", "KPI"),
        "an indicator",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into kpi (kpi_id, name, target, direction, frequency, updated_at) values ($1, $2, $3, $4, $5, $6)",
        &id,
        &d.name,
        d.target,
        d.direction.key(),
        d.frequency.key(),
        &now
    )?;
    write_kpi(tx, &id, d, false).await
}

pub(crate) async fn write_kpi(tx: &mut Tx, id: &str, d: &KpiDraft, bump: bool) -> Result<Kpi> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update kpi set objective_id = $1, name = $2, definition = $3, metric = $4, unit = $5,
                target = $6, direction = $7, frequency = $8, owner = $9, updated_at = $10{}
             where kpi_id = $11",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.objective,
        &d.name,
        &d.definition,
        d.metric.key(),
        &d.unit,
        d.target,
        d.direction.key(),
        d.frequency.key(),
        &d.owner,
        &now,
        id
    )?;
    lock_kpi(tx, id).await
}

/// The measurement of a period, inside a write.
pub(crate) async fn measurement_in(
    tx: &mut Tx,
    kpi: &str,
    period: &str,
) -> Result<Option<Measurement>> {
    let r: Option<(String, f64, String, String, String)> = tx_query!(
        tx,
        fetch_optional,
        (String, f64, String, String, String),
        "select period, value, note, recorded_by, recorded_at from kpi_measurement where kpi_id = $1 and period = $2",
        kpi,
        period
    )?;
    Ok(r.map(|r| Measurement {
        period: r.0,
        value: r.1,
        note: r.2,
        recorded_by: r.3,
        recorded_at: r.4,
    }))
}

/// Records a period's value, replacing the one recorded before (`replace`), or only when
/// there is none yet: answers whether it wrote.
pub(crate) async fn put_measurement(
    tx: &mut Tx,
    kpi: &str,
    m: &Measurement,
    replace: bool,
) -> Result<bool> {
    let written = tx_exec!(
        tx,
        &format!(
            "insert into kpi_measurement (kpi_id, period, value, note, recorded_by, recorded_at)
             values ($1, $2, $3, $4, $5, $6)
             on conflict (kpi_id, period) do {}",
            if replace {
                "update set value = excluded.value, note = excluded.note,
                    recorded_by = excluded.recorded_by, recorded_at = excluded.recorded_at"
            } else {
                "nothing"
            }
        ),
        kpi,
        &m.period,
        m.value,
        &m.note,
        &m.recorded_by,
        &m.recorded_at
    )?;
    Ok(written > 0)
}

impl Store {
    pub async fn objectives(&self) -> Result<Vec<Objective>> {
        let rows: Vec<ObjectiveRow> = crate::store::pool_query!(
            self,
            fetch_all,
            ObjectiveRow,
            &format!(
                "select {OBJECTIVE_COLUMNS} from objective order by status, title, objective_id limit 5000"
            )
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn objective(&self, id: &str) -> Result<Objective> {
        let mut tx = self.read_tx().await?;
        let x = objective_in(&mut tx, id).await?;
        tx.commit().await?;
        x.ok_or_else(|| Error::NotFound(format!("objective {id}")))
    }

    /// Every indicator with its newest measurement, by name (those of one objective).
    pub async fn kpis(&self, objective: Option<&str>) -> Result<Vec<Kpi>> {
        let rows: Vec<KpiRow> = match objective {
            None => crate::store::pool_query!(
                self,
                fetch_all,
                KpiRow,
                &format!("select {KPI_COLUMNS} {KPI_FROM} order by k.name, k.kpi_id limit 5000")
            )?,
            Some(o) => crate::store::pool_query!(
                self,
                fetch_all,
                KpiRow,
                &format!(
                    "select {KPI_COLUMNS} {KPI_FROM} where k.objective_id = $1 order by k.name, k.kpi_id limit 5000"
                ),
                o
            )?,
        };
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn kpi(&self, id: &str) -> Result<Kpi> {
        let mut tx = self.read_tx().await?;
        let x = kpi_in(&mut tx, id).await?;
        tx.commit().await?;
        x.ok_or_else(|| Error::NotFound(format!("indicator {id}")))
    }

    /// An indicator's measurements, oldest first, the newest `limit`.
    pub async fn measurements(&self, kpi: &str, limit: i64) -> Result<Vec<Measurement>> {
        let rows: Vec<(String, f64, String, String, String)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String, f64, String, String, String),
            "select period, value, note, recorded_by, recorded_at from kpi_measurement
             where kpi_id = $1 order by period desc limit $2",
            kpi,
            limit
        )?;
        let mut out: Vec<Measurement> = rows
            .into_iter()
            .map(|r| Measurement {
                period: r.0,
                value: r.1,
                note: r.2,
                recorded_by: r.3,
                recorded_at: r.4,
            })
            .collect();
        out.reverse();
        Ok(out)
    }

    /// Open risks by current level.
    pub async fn open_risks_by_level(&self) -> Result<Vec<(String, i64)>> {
        Ok(crate::store::pool_query!(
            self,
            fetch_all,
            (String, i64),
            "select current_level, count(*) from risk where status = 'open' group by current_level"
        )?)
    }
}
