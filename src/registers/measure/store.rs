//! Implementation measures in the store: create and update with their controls (checked
//! against the catalogues), the register (the treatment plan: by due date, overdue first),
//! and the measures behind a control.

use super::domain::{Measure, MeasureDraft, MeasureFilter, MeasureStatus};
use crate::config::Backend;
use crate::domain::ImportReport;
use crate::domain::catalog::ControlRef;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{
    Arg, Record, Sql, Store, Tx, bind_once, on_pool, pool_query, tx_exec, tx_fetch_in,
};
use std::collections::HashMap;

type MeasureRow = (
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    Option<i64>,
    String,
    String,
    i64,
);
const COLUMNS: &str = "m.measure_id, m.name, m.description, m.owner, m.status, m.due_on, m.effort, m.cost, m.created_at, m.updated_at, m.revision";
/// Measures without a due date sort after every dated one.
const DUE_KEY: &str = "coalesce(m.due_on, '9999-12-31')";

fn measure_from(r: MeasureRow) -> Measure {
    Measure {
        id: r.0,
        name: r.1,
        description: r.2,
        owner: r.3,
        status: MeasureStatus::parse(&r.4).unwrap_or(MeasureStatus::Planned),
        due_on: r.5,
        effort: r.6,
        cost: r.7,
        controls: Vec::new(),
        created_at: r.8,
        updated_at: r.9,
        revision: r.10,
    }
}

fn where_filter(sql: &mut Sql, f: &MeasureFilter, backend: Backend) {
    if let Some(s) = f.status {
        sql.push(" and m.status = ?", [Arg::Text(s.key().into())]);
    }
    if let Some(o) = &f.owner {
        sql.push(" and m.owner = ?", [Arg::Text(o.clone())]);
    }
    if let Some(c) = &f.control {
        sql.push(
            " and m.measure_id in (select mc.measure_id from measure_control mc where mc.framework_id = ? and mc.control_id = ?)",
            [Arg::Text(c.framework.clone()), Arg::Text(c.id.clone())],
        );
    }
    if let Some(r) = &f.risk {
        sql.push(
            " and m.measure_id in (select rm.measure_id from risk_measure rm where rm.risk_id = ?)",
            [Arg::Text(r.clone())],
        );
    }
    if let Some(day) = &f.overdue_on {
        sql.push(
            " and m.status in ('planned', 'in_progress') and m.due_on < ?",
            [Arg::Text(day.clone())],
        );
    }
    if let Some(q) = &f.text {
        sql.push_text_search(&["m.name", "m.measure_id", "m.description"], q, backend);
    }
}

async fn read_measure(tx: &mut Tx, id: &str) -> Result<Measure> {
    read_measures(tx, &[id.to_string()])
        .await?
        .remove(id)
        .ok_or_else(|| Error::NotFound(format!("measure {id}")))
}

/// Reads a measure inside a write, its row locked until the write ends.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Measure> {
    if !tx.lock_row("measure", "measure_id", id).await? {
        return Err(Error::NotFound(format!("measure {id}")));
    }
    read_measure(tx, id).await
}

/// Inserts a new measure with its controls (checked by the caller); an id given must be free.
pub(crate) async fn insert(tx: &mut Tx, draft: &MeasureDraft) -> Result<Measure> {
    let id = match &draft.id {
        Some(id) => {
            if crate::store::existing_ids(tx, "measure", "measure_id", std::slice::from_ref(id))
                .await?
                .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("a measure with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => next_measure_ids(tx, 1).await?.remove(0),
    };
    write_rows(tx, &[(&id, draft)]).await?;
    insert_controls(tx, &[(&id, draft)]).await?;
    tx.bump_generation("measure").await?;
    read_measure(tx, &id).await
}

/// Replaces a measure's fields and controls (its revision goes up by one).
pub(crate) async fn update(tx: &mut Tx, id: &str, draft: &MeasureDraft) -> Result<Measure> {
    write_rows(tx, &[(id, draft)]).await?;
    tx_exec!(tx, "delete from measure_control where measure_id = $1", id)?;
    insert_controls(tx, &[(id, draft)]).await?;
    tx.bump_generation("measure").await?;
    read_measure(tx, id).await
}

/// Creates or updates (matching on id) many measures in one transaction; every control
/// was checked by the caller. In a read transaction (a dry run), nothing is written.
pub(crate) async fn import(
    tx: &mut Tx,
    actor: &str,
    rows: Vec<(usize, MeasureDraft)>,
) -> Result<ImportReport> {
    let given: Vec<String> = rows.iter().filter_map(|(_, d)| d.id.clone()).collect();
    let mut existing = read_measures(tx, &given).await?;
    let mut fresh = next_measure_ids(tx, rows.iter().filter(|(_, d)| d.id.is_none()).count())
        .await?
        .into_iter();
    let ids: Vec<String> = rows
        .iter()
        .map(|(_, d)| d.id.clone().or_else(|| fresh.next()).unwrap_or_default())
        .collect();
    let now = tx.now().to_string();
    let crate::store::ImportPlan {
        report,
        changes,
        write,
        replaced,
    } = crate::store::plan_import(
        actor,
        "measure",
        &ids,
        &rows,
        &mut existing,
        |id, d, before| {
            measure_of(
                id,
                d,
                before.map(|b| b.created_at.as_str()).unwrap_or(&now),
                &now,
                before.map(|b| b.revision + 1).unwrap_or(1),
            )
        },
    );
    if tx.read_only {
        // A dry run: everything is checked, what would be written is known.
        return Ok(report);
    }
    write_rows(tx, &write).await?;
    tx.exec_in(
        "delete from measure_control where measure_id in ",
        &replaced,
        "",
    )
    .await?;
    insert_controls(tx, &write).await?;
    tx.audit_many(changes).await?;
    tx.bump_generation("measure").await?;
    Ok(report)
}

impl Store {
    pub async fn measure(&self, id: &str) -> Result<Measure> {
        let r: Option<MeasureRow> = pool_query!(
            self,
            fetch_optional,
            MeasureRow,
            &format!("select {COLUMNS} from measure m where m.measure_id = $1"),
            id
        )?;
        let mut m = measure_from(r.ok_or_else(|| Error::NotFound(format!("measure {id}")))?);
        self.attach_controls(std::slice::from_mut(&mut m)).await?;
        Ok(m)
    }

    /// The treatment plan: measures by due date (undated last), then id.
    pub async fn list_measures(
        &self,
        f: &MeasureFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Measure>> {
        let limit = limit.clamp(1, 500);
        let mut count = Sql::new("from measure m where 1 = 1");
        where_filter(&mut count, f, self.backend());
        let (total, total_capped) = self.capped_count(&count).await?;
        let mut sql = Sql::new(&format!("select {COLUMNS} from measure m where 1 = 1"));
        where_filter(&mut sql, f, self.backend());
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            let (due, id) = c.split_once('|').ok_or_else(|| {
                Error::field(
                    "cursor",
                    format!("'{c}' is not a cursor from a previous page"),
                )
            })?;
            sql.push(
                &format!(" and ({DUE_KEY}, m.measure_id) > (?, ?)"),
                [Arg::Text(due.into()), Arg::Text(id.into())],
            );
        }
        sql.push(
            &format!(" order by {DUE_KEY}, m.measure_id limit ?"),
            [Arg::Int(limit + 1)],
        );
        let rows: Vec<MeasureRow> = on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, MeasureRow>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        let more = rows.len() as i64 > limit;
        let mut items: Vec<Measure> = rows
            .into_iter()
            .take(limit as usize)
            .map(measure_from)
            .collect();
        self.attach_controls(&mut items).await?;
        let next_cursor = if more {
            items.last().map(|m| {
                format!(
                    "{}|{}",
                    m.due_on.clone().unwrap_or_else(|| "9999-12-31".into()),
                    m.id
                )
            })
        } else {
            None
        };
        Ok(Page {
            items,
            total,
            total_capped,
            next_cursor,
        })
    }

    /// Every measure matching a filter (exports).
    pub async fn all_measures(&self, f: &MeasureFilter) -> Result<Vec<Measure>> {
        crate::store::collect_pages(|cursor| async move {
            self.list_measures(f, cursor.as_deref(), 500).await
        })
        .await
    }

    async fn attach_controls(&self, items: &mut [Measure]) -> Result<()> {
        let ids: Vec<&String> = items.iter().map(|m| &m.id).collect();
        let mut links = self
            .control_links("measure_control", "measure_id", &ids)
            .await?;
        for m in items.iter_mut() {
            m.controls = links.remove(&m.id).unwrap_or_default();
        }
        Ok(())
    }

    /// The measures that implement a control.
    pub async fn measures_for_control(&self, framework: &str, id: &str) -> Result<Vec<Measure>> {
        let f = MeasureFilter {
            control: Some(ControlRef {
                framework: framework.into(),
                id: id.into(),
            }),
            ..MeasureFilter::default()
        };
        Ok(self.list_measures(&f, None, 500).await?.items)
    }

    /// Distinct owners of measures, for the filter menu.
    pub async fn measure_owners(&self) -> Result<Vec<String>> {
        self.distinct_values("measure", "owner").await
    }
}

/// Writes measures' own rows: inserts them, or updates every field but the creation time.
async fn write_rows(tx: &mut Tx, rows: &[(&str, &MeasureDraft)]) -> Result<()> {
    let now = tx.now().to_string();
    // A batch at a time, so that a large import does not hold every row's arguments.
    for rows in rows.chunks(crate::store::ROWS_PER_BATCH) {
        let values = rows
            .iter()
            .map(|(id, d)| {
                vec![
                    Arg::Text(id.to_string()),
                    Arg::Text(d.name.clone()),
                    Arg::Text(d.description.clone()),
                    Arg::Text(d.owner.clone()),
                    Arg::Text(d.status.key().to_string()),
                    Arg::OptText(d.due_on.clone()),
                    Arg::Text(d.effort.clone()),
                    Arg::OptInt(d.cost),
                    Arg::Text(now.clone()),
                    Arg::Text(now.clone()),
                ]
            })
            .collect();
        tx.insert_rows(
        "insert into measure (measure_id, name, description, owner, status, due_on, effort, cost, created_at, updated_at)",
        values,
        "on conflict (measure_id) do update set
             name = excluded.name, description = excluded.description, owner = excluded.owner,
             status = excluded.status, due_on = excluded.due_on, effort = excluded.effort,
             cost = excluded.cost, updated_at = excluded.updated_at,
             revision = measure.revision + 1",
    )
    .await?;
    }
    Ok(())
}

/// Inserts measures' control links as given (checked by the caller).
async fn insert_controls(tx: &mut Tx, rows: &[(&str, &MeasureDraft)]) -> Result<()> {
    let values = rows
        .iter()
        .flat_map(|(id, d)| {
            d.controls.iter().map(move |c| {
                vec![
                    Arg::Text(id.to_string()),
                    Arg::Text(c.framework.clone()),
                    Arg::Text(c.id.clone()),
                ]
            })
        })
        .collect();
    tx.insert_rows(
        "insert into measure_control (measure_id, framework_id, control_id)",
        values,
        "",
    )
    .await
}

impl Record for Measure {
    fn align_with(&mut self, stored: &Self) {
        self.updated_at = stored.updated_at.clone();
        self.revision = stored.revision;
    }
}

/// The measure a draft makes, as the store will read it back.
fn measure_of(
    id: &str,
    d: &MeasureDraft,
    created_at: &str,
    updated_at: &str,
    revision: i64,
) -> Measure {
    let mut controls = d.controls.clone();
    crate::domain::catalog::sort_control_refs(&mut controls);
    Measure {
        id: id.to_string(),
        name: d.name.clone(),
        description: d.description.clone(),
        owner: d.owner.clone(),
        status: d.status,
        due_on: d.due_on.clone(),
        effort: d.effort.clone(),
        cost: d.cost,
        controls,
        created_at: created_at.to_string(),
        updated_at: updated_at.to_string(),
        revision,
    }
}

async fn next_measure_ids(tx: &mut Tx, n: usize) -> Result<Vec<String>> {
    crate::store::next_ids(tx, "measure", "M", "measure", "measure_id", n).await
}

/// The measures with these ids that exist, with their controls.
async fn read_measures(tx: &mut Tx, ids: &[String]) -> Result<HashMap<String, Measure>> {
    let rows: Vec<MeasureRow> = tx_fetch_in!(
        tx,
        MeasureRow,
        &format!("select {COLUMNS} from measure m where m.measure_id in "),
        ids,
        ""
    );
    let mut out: HashMap<String, Measure> = rows
        .into_iter()
        .map(measure_from)
        .map(|m| (m.id.clone(), m))
        .collect();
    let found: Vec<String> = out.keys().cloned().collect();
    let refs: Vec<(String, String, String)> = tx_fetch_in!(
        tx,
        (String, String, String),
        "select measure_id, framework_id, control_id from measure_control where measure_id in ",
        found,
        ""
    );
    for (mid, framework, id) in refs {
        if let Some(m) = out.get_mut(&mid) {
            m.controls.push(ControlRef { framework, id });
        }
    }
    for m in out.values_mut() {
        crate::domain::catalog::sort_control_refs(&mut m.controls);
    }
    Ok(out)
}
