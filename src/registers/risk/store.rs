//! Risks in the store: create and update with their assets and measures (levels derived from
//! the matrix and stored for filters and the heat map), acceptance of the residual risk
//! (marked for renewal when the ratings or treatment change), the register and heat-map counts.

use super::domain::{
    Acceptance, Accepted, Rating, RatingKind, Risk, RiskDraft, RiskFilter, RiskSort, RiskStatus,
    StatusFilter, Treatment,
};
use crate::config::Backend;
use crate::domain::ImportReport;
use crate::domain::query::Page;
use crate::error::{Error, FieldError, Result};
use crate::registers::matrix::domain::Matrix;
use crate::store::{
    Arg, COUNT_CAP, COUNT_CAP_LINKED, Record, SortKey, Sql, Store, TextSearch, Tx, bind_once,
    on_pool, pool_query, tx_exec, tx_fetch_in, tx_query,
};
use sqlx::Row;
use std::collections::{HashMap, HashSet};

/// The tables an import writes (the register's first), whose indexes a large one builds at its end.
pub(crate) const TABLES: &[&str] = &["risk", "risk_asset", "risk_measure"];

/// A risk row (24 columns: more than sqlx's tuples hold, so read by position).
struct RiskRow(Risk);

macro_rules! risk_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for RiskRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let rating = |l: usize| -> sqlx::Result<Rating> {
                    Ok(Rating {
                        likelihood: r.try_get(l)?,
                        impact: r.try_get(l + 1)?,
                        level: r.try_get(l + 2)?,
                    })
                };
                let treatment: String = r.try_get(16)?;
                let status: String = r.try_get(20)?;
                let revision: i64 = r.try_get(21)?;
                let rating_reason: String = r.try_get(22)?;
                let notes: String = r.try_get(23)?;
                Ok(RiskRow(Risk {
                    id: r.try_get(0)?,
                    title: r.try_get(1)?,
                    threat: r.try_get(2)?,
                    vulnerability: r.try_get(3)?,
                    consequence: r.try_get(4)?,
                    owner: r.try_get(5)?,
                    category: r.try_get(6)?,
                    inherent: rating(7)?,
                    current: rating(10)?,
                    target: rating(13)?,
                    treatment: Treatment::parse(&treatment).unwrap_or(Treatment::Modify),
                    status: RiskStatus::parse(&status).unwrap_or(RiskStatus::Open),
                    review_due_on: r.try_get(17)?,
                    created_at: r.try_get(18)?,
                    updated_at: r.try_get(19)?,
                    assets: Vec::new(),
                    measures: Vec::new(),
                    acceptance: None,
                    rating_reason,
                    notes,
                    revision,
                }))
            }
        }
    };
}
risk_from_row!(sqlx::sqlite::SqliteRow);
risk_from_row!(sqlx::postgres::PgRow);

const COLUMNS: &str = "r.risk_id, r.title, r.threat, r.vulnerability, r.consequence, r.owner, r.category, \
     r.inherent_likelihood, r.inherent_impact, r.inherent_level, r.current_likelihood, r.current_impact, r.current_level, \
     r.target_likelihood, r.target_impact, r.target_level, r.treatment, r.review_due_on, r.created_at, r.updated_at, r.status, r.revision, r.rating_reason, r.notes";

/// The SQL of a sort: its columns (ending in the id) and whether it is descending (see
/// migration 10 for the expression indexes), and a risk's values of them for the cursor.
trait SortSql {
    fn columns(self) -> (&'static [SortKey], bool);
    fn values(self, r: &Risk) -> Vec<serde_json::Value>;
}

impl SortSql for RiskSort {
    fn columns(self) -> (&'static [SortKey], bool) {
        use SortKey::{Number as N, Text as T};
        match self {
            RiskSort::Id => (&[T("r.risk_id")], false),
            RiskSort::Title => (&[T("r.title"), T("r.risk_id")], false),
            RiskSort::Owner => (&[T("r.owner"), T("r.risk_id")], false),
            RiskSort::Residual => (
                &[N("r.target_likelihood * r.target_impact"), T("r.risk_id")],
                true,
            ),
            RiskSort::Review => (
                &[T("coalesce(r.review_due_on, '9999-12-31')"), T("r.risk_id")],
                false,
            ),
            RiskSort::Updated => (&[T("r.updated_at"), T("r.risk_id")], true),
        }
    }

    fn values(self, r: &Risk) -> Vec<serde_json::Value> {
        let id = serde_json::Value::from(r.id.clone());
        match self {
            RiskSort::Id => vec![id],
            RiskSort::Title => vec![r.title.clone().into(), id],
            RiskSort::Owner => vec![r.owner.clone().into(), id],
            RiskSort::Residual => vec![(r.target.likelihood * r.target.impact).into(), id],
            RiskSort::Review => vec![
                r.review_due_on
                    .clone()
                    .unwrap_or_else(|| "9999-12-31".into())
                    .into(),
                id,
            ],
            RiskSort::Updated => vec![r.updated_at.clone().into(), id],
        }
    }
}

/// The register's filters; `many` when a count found many rows (`WALK_ABOVE`: a page is
/// then found by walking the sort's index: see `push_indexed_text_search`).
fn where_filter(sql: &mut Sql, f: &RiskFilter, backend: Backend, many: bool) {
    if let Some(l) = &f.level {
        sql.push(" and r.target_level = ?", [Arg::Text(l.clone())]);
    }
    if let Some(o) = &f.owner {
        sql.push(" and r.owner = ?", [Arg::Text(o.clone())]);
    }
    if let Some(t) = f.treatment {
        sql.push(" and r.treatment = ?", [Arg::Text(t.key().into())]);
    }
    match f.status {
        Some(StatusFilter::Is(s)) => {
            sql.push(" and r.status = ?", [Arg::Text(s.key().into())]);
        }
        Some(StatusFilter::Active) => {
            sql.push(" and r.status <> 'closed'", []);
        }
        None => {}
    }
    if let Some(a) = &f.asset {
        sql.push(
            " and r.risk_id in (select ra.risk_id from risk_asset ra where ra.asset_id = ?)",
            [Arg::Text(a.clone())],
        );
    }
    // A page of many risks of a measure or control walks the sort's index and looks each risk
    // up in its links (stopping at the page's end); fewer are read from the links and sorted.
    if let Some(m) = &f.measure {
        let sql_text = if many {
            " and exists (select 1 from risk_measure rm where rm.risk_id = r.risk_id and rm.measure_id = ?)"
        } else {
            " and r.risk_id in (select rm.risk_id from risk_measure rm where rm.measure_id = ?)"
        };
        sql.push(sql_text, [Arg::Text(m.clone())]);
    }
    if let Some((fw, id)) = &f.control {
        let sql_text = if many {
            " and exists (select 1 from risk_measure rm join measure_control mc on mc.measure_id = rm.measure_id
                          where rm.risk_id = r.risk_id and mc.framework_id = ? and mc.control_id = ?)"
        } else {
            " and r.risk_id in (select rm.risk_id from risk_measure rm join measure_control mc on mc.measure_id = rm.measure_id
                                where mc.framework_id = ? and mc.control_id = ?)"
        };
        sql.push(sql_text, [Arg::Text(fw.clone()), Arg::Text(id.clone())]);
    }
    if let Some((kind, l, i)) = f.cell {
        let p = kind.key();
        sql.push(
            &format!(" and r.{p}_likelihood = ? and r.{p}_impact = ?"),
            [Arg::Int(l), Arg::Int(i)],
        );
    }
    if let Some(day) = &f.review_overdue_on {
        sql.push(
            " and r.review_due_on < ? and r.status <> 'closed'",
            [Arg::Text(day.clone())],
        );
    }
    if let Some(day) = &f.acceptance_lapsed_on {
        sql.push(
            " and r.status <> 'closed' and r.risk_id in (select a.risk_id from risk_acceptance a
                                where (a.needs_renewal or a.valid_until < ?)
                                  and a.accepted_at = (select max(b.accepted_at) from risk_acceptance b where b.risk_id = a.risk_id))",
            [Arg::Text(day.clone())],
        );
    }
    if let Some(q) = &f.text {
        let columns = crate::store::RISK_TEXT.map(|c| c.replace("x.", "r."));
        let columns: Vec<&str> = columns.iter().map(String::as_str).collect();
        sql.push_indexed_text_search("r", "risk_text", &columns, q, backend, many);
    }
}

/// What counts the risks a filter selects, and its cap. Text alone is counted from the text
/// index where it can be, and a measure or control alone from their links (no risk is looked
/// up). With other filters, a measure's or control's risks are read from the links and each
/// looked up, until the lower cap: listing every risk of a control first, and looking up
/// ten times as many, took 50 ms at a million risks.
fn count_select(f: &RiskFilter, backend: Backend) -> (Sql, i64) {
    let alone = |g: RiskFilter| g == *f;
    let (mut count, rest) = match (&f.text, &f.measure, &f.control) {
        (Some(q), _, _)
            if alone(RiskFilter {
                text: Some(q.clone()),
                ..RiskFilter::default()
            }) && let Some(count) = crate::store::text_index_count("risk_text", q, backend) =>
        {
            return (count, COUNT_CAP);
        }
        (_, Some(m), _) => {
            let rest = RiskFilter {
                measure: None,
                ..f.clone()
            };
            let mut count = Sql::new(if rest == RiskFilter::default() {
                "select 1 from risk_measure rm where 1 = 1"
            } else {
                "select 1 from risk_measure rm cross join risk r where r.risk_id = rm.risk_id"
            });
            count.push(" and rm.measure_id = ?", [Arg::Text(m.clone())]);
            (count, rest)
        }
        (_, None, Some((fw, id))) => {
            let rest = RiskFilter {
                control: None,
                ..f.clone()
            };
            // A risk with two measures of the control is counted once.
            let mut count = Sql::new(if rest == RiskFilter::default() {
                "select distinct rm.risk_id from measure_control mc cross join risk_measure rm \
                 where rm.measure_id = mc.measure_id"
            } else {
                "select distinct r.risk_id from measure_control mc cross join risk_measure rm \
                 cross join risk r where rm.measure_id = mc.measure_id and r.risk_id = rm.risk_id"
            });
            count.push(
                " and mc.framework_id = ? and mc.control_id = ?",
                [Arg::Text(fw.clone()), Arg::Text(id.clone())],
            );
            (count, rest)
        }
        _ => {
            let mut count = Sql::new("select 1 from risk r where 1 = 1");
            where_filter(&mut count, f, backend, false);
            return (count, COUNT_CAP);
        }
    };
    if rest == RiskFilter::default() {
        return (count, COUNT_CAP);
    }
    where_filter(&mut count, &rest, backend, false);
    (count, COUNT_CAP_LINKED)
}

/// An acceptance row: risk id, acceptance id, by, at, rationale, valid until, what was
/// accepted (JSON), needs renewal.
type AcceptanceRow = (String, String, String, String, String, String, String, bool);
const ACCEPTANCE_COLUMNS: &str = "risk_id, risk_acceptance_id, accepted_by, accepted_at, rationale, valid_until, accepted_json, needs_renewal";

fn acceptance_from(r: AcceptanceRow) -> Result<(String, Acceptance)> {
    let (rid, aid, by, at, rationale, until, json, renew) = r;
    let accepted = serde_json::from_str(&json).map_err(|e| {
        Error::Internal(anyhow::anyhow!(
            "the acceptance of {rid} cannot be read: {e}"
        ))
    })?;
    Ok((
        rid,
        Acceptance {
            id: aid,
            accepted_by: by,
            accepted_at: at,
            rationale,
            valid_until: until,
            accepted,
            needs_renewal: renew,
        },
    ))
}

async fn read_risk(tx: &mut Tx, id: &str) -> Result<Risk> {
    read_risks(tx, &[id.to_string()])
        .await?
        .remove(id)
        .ok_or_else(|| Error::NotFound(format!("risk {id}")))
}

/// The risks with these ids that exist, with their assets, measures and newest acceptance
/// (a few queries per 5,000 ids).
async fn read_risks(tx: &mut Tx, ids: &[String]) -> Result<HashMap<String, Risk>> {
    let rows: Vec<RiskRow> = tx_fetch_in!(
        tx,
        RiskRow,
        &format!("select {COLUMNS} from risk r where r.risk_id in "),
        ids,
        ""
    );
    let mut out: HashMap<String, Risk> = rows.into_iter().map(|r| (r.0.id.clone(), r.0)).collect();
    let found: Vec<String> = out.keys().cloned().collect();
    let assets: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select risk_id, asset_id from risk_asset where risk_id in ",
        found,
        ""
    );
    let measures: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select risk_id, measure_id from risk_measure where risk_id in ",
        found,
        ""
    );
    let acceptances: Vec<AcceptanceRow> = tx_fetch_in!(
        tx,
        AcceptanceRow,
        &format!("select {ACCEPTANCE_COLUMNS} from risk_acceptance where risk_id in "),
        found,
        " order by accepted_at, risk_acceptance_id"
    );
    for (rid, a) in assets {
        if let Some(r) = out.get_mut(&rid) {
            r.assets.push(a);
        }
    }
    for (rid, m) in measures {
        if let Some(r) = out.get_mut(&rid) {
            r.measures.push(m);
        }
    }
    for row in acceptances {
        let (rid, acc) = acceptance_from(row)?;
        if let Some(r) = out.get_mut(&rid) {
            r.acceptance = Some(acc);
        }
    }
    for r in out.values_mut() {
        // Sorted here, not by the database: PostgreSQL's collation may order text otherwise.
        r.assets.sort();
        r.measures.sort();
    }
    Ok(out)
}

/// The problems with the assets and measures of some risks: ids that exist nowhere, named
/// under `field_prefix` (empty for one risk, `row 17, ` for an import).
async fn check_links(tx: &mut Tx, rows: &[(String, &RiskDraft)]) -> Result<Vec<FieldError>> {
    let mut assets: Vec<String> = rows
        .iter()
        .flat_map(|(_, d)| d.assets.iter().cloned())
        .collect();
    let mut measures: Vec<String> = rows
        .iter()
        .flat_map(|(_, d)| d.measures.iter().cloned())
        .collect();
    for v in [&mut assets, &mut measures] {
        v.sort();
        v.dedup();
    }
    let known_assets = crate::store::existing_ids(tx, "asset", "asset_id", &assets).await?;
    let known_measures = crate::store::existing_ids(tx, "measure", "measure_id", &measures).await?;
    let mut problems = Vec::new();
    for (prefix, d) in rows {
        for a in d.assets.iter().filter(|a| !known_assets.contains(*a)) {
            problems.push(FieldError::new(
                format!("{prefix}assets"),
                format!("there is no asset {a}"),
            ));
        }
        for m in d.measures.iter().filter(|m| !known_measures.contains(*m)) {
            problems.push(FieldError::new(
                format!("{prefix}measures"),
                format!("there is no measure {m}"),
            ));
        }
    }
    Ok(problems)
}

/// Inserts risks' asset and measure links as given (checked by the caller).
async fn insert_links(tx: &mut Tx, rows: &[(&str, &RiskDraft)]) -> Result<()> {
    let pairs = |pick: fn(&RiskDraft) -> &Vec<String>| -> Vec<Vec<Arg>> {
        rows.iter()
            .flat_map(|(id, d)| {
                pick(d)
                    .iter()
                    .map(move |x| vec![Arg::Text(id.to_string()), Arg::Text(x.clone())])
            })
            .collect()
    };
    tx.insert_rows(
        "insert into risk_asset (risk_id, asset_id)",
        pairs(|d| &d.assets),
        "",
    )
    .await?;
    tx.insert_rows(
        "insert into risk_measure (risk_id, measure_id)",
        pairs(|d| &d.measures),
        "",
    )
    .await
}

/// Writes risks' own rows: inserts them, or updates every field but the creation time of
/// those `held` (ids the register holds).
async fn write_rows(
    tx: &mut Tx,
    rows: &[(&str, &RiskDraft)],
    held: impl IntoIterator<Item = &'_ str>,
) -> Result<()> {
    let held: HashSet<&str> = held.into_iter().collect();
    let now = tx.now().to_string();
    // A batch at a time, so that a large import does not hold every row's arguments.
    for rows in rows.chunks(crate::store::ROWS_PER_BATCH) {
        let values = rows
            .iter()
            .map(|(id, d)| {
                let mut v = vec![
                    Arg::Text(id.to_string()),
                    Arg::Text(d.title.clone()),
                    Arg::Text(d.threat.clone()),
                    Arg::Text(d.vulnerability.clone()),
                    Arg::Text(d.consequence.clone()),
                    Arg::Text(d.owner.clone()),
                    Arg::Text(d.category.clone()),
                ];
                for r in [&d.inherent, &d.current, &d.target] {
                    v.push(Arg::Int(r.likelihood));
                    v.push(Arg::Int(r.impact));
                    v.push(Arg::Text(r.level.clone()));
                }
                v.push(Arg::Text(d.treatment.key().to_string()));
                v.push(Arg::OptText(d.review_due_on.clone()));
                v.push(Arg::Text(now.clone()));
                v.push(Arg::Text(now.clone()));
                v.push(Arg::Text(d.status.key().to_string()));
                v.push(Arg::Text(d.rating_reason.clone()));
                v.push(Arg::Text(d.notes.clone()));
                v
            })
            .collect();
        tx.upsert_rows(
        "insert into risk (risk_id, title, threat, vulnerability, consequence, owner, category,
                           inherent_likelihood, inherent_impact, inherent_level, current_likelihood, current_impact, current_level,
                           target_likelihood, target_impact, target_level, treatment, review_due_on, created_at, updated_at, status,
                           rating_reason, notes)",
        values,
        &held,
        "on conflict (risk_id) do update set
             title = excluded.title, threat = excluded.threat, vulnerability = excluded.vulnerability,
             consequence = excluded.consequence, owner = excluded.owner, category = excluded.category,
             inherent_likelihood = excluded.inherent_likelihood, inherent_impact = excluded.inherent_impact,
             inherent_level = excluded.inherent_level, current_likelihood = excluded.current_likelihood,
             current_impact = excluded.current_impact, current_level = excluded.current_level,
             target_likelihood = excluded.target_likelihood, target_impact = excluded.target_impact,
             target_level = excluded.target_level, treatment = excluded.treatment,
             review_due_on = excluded.review_due_on, updated_at = excluded.updated_at, status = excluded.status,
             rating_reason = excluded.rating_reason, notes = excluded.notes, revision = risk.revision + 1",
    )
    .await?;
    }
    Ok(())
}

impl Record for Risk {
    fn align_with(&mut self, stored: &Self) {
        self.updated_at = stored.updated_at.clone();
        self.revision = stored.revision;
    }
}

/// The risk a draft makes, as the store will read it back.
fn risk_of(
    id: &str,
    d: &RiskDraft,
    created_at: &str,
    updated_at: &str,
    acceptance: Option<Acceptance>,
    revision: i64,
) -> Risk {
    let mut assets = d.assets.clone();
    assets.sort();
    let mut measures = d.measures.clone();
    measures.sort();
    Risk {
        id: id.to_string(),
        title: d.title.clone(),
        threat: d.threat.clone(),
        vulnerability: d.vulnerability.clone(),
        consequence: d.consequence.clone(),
        owner: d.owner.clone(),
        category: d.category.clone(),
        inherent: d.inherent.clone(),
        current: d.current.clone(),
        target: d.target.clone(),
        treatment: d.treatment,
        status: d.status,
        review_due_on: d.review_due_on.clone(),
        assets,
        measures,
        acceptance,
        rating_reason: d.rating_reason.clone(),
        notes: d.notes.clone(),
        created_at: created_at.to_string(),
        updated_at: updated_at.to_string(),
        revision,
    }
}

async fn next_risk_ids(tx: &mut Tx, n: usize) -> Result<Vec<String>> {
    crate::store::next_ids(tx, "risk", "R", "risk", "risk_id", n).await
}

/// Reads a risk inside a write, its row locked until the write ends (PostgreSQL; SQLite's
/// write holds the database): what the write's rules read of it cannot change under it.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Risk> {
    if !tx.lock_row("risk", "risk_id", id).await? {
        return Err(Error::NotFound(format!("risk {id}")));
    }
    read_risk(tx, id).await
}

/// Inserts a new risk with its links (an id given must be free; links must exist).
pub(crate) async fn insert(tx: &mut Tx, draft: &RiskDraft) -> Result<Risk> {
    let id = match &draft.id {
        Some(id) => {
            if crate::store::existing_ids(tx, "risk", "risk_id", std::slice::from_ref(id))
                .await?
                .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("a risk with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => next_risk_ids(tx, 1).await?.remove(0),
    };
    let problems = check_links(tx, &[(String::new(), draft)]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    write_rows(tx, &[(&id, draft)], []).await?;
    insert_links(tx, &[(&id, draft)]).await?;
    tx.bump_generation("risk").await?;
    read_risk(tx, &id).await
}

/// Replaces a risk's fields and links (its revision goes up by one), marking the acceptance
/// `renew` for renewal. Answers the risk as stored.
pub(crate) async fn update(
    tx: &mut Tx,
    id: &str,
    draft: &RiskDraft,
    renew: Option<&str>,
) -> Result<Risk> {
    let problems = check_links(tx, &[(String::new(), draft)]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    write_rows(tx, &[(id, draft)], [id]).await?;
    tx_exec!(tx, "delete from risk_asset where risk_id = $1", id)?;
    tx_exec!(tx, "delete from risk_measure where risk_id = $1", id)?;
    insert_links(tx, &[(id, draft)]).await?;
    if let Some(acc) = renew {
        tx_exec!(
            tx,
            "update risk_acceptance set needs_renewal = $1 where risk_acceptance_id = $2",
            true,
            acc
        )?;
    }
    tx.bump_generation("risk").await?;
    read_risk(tx, id).await
}

/// Records an acceptance of a risk's residual rating and treatment as they stand (the risk's
/// revision goes up by one). Answers the risk with it.
pub(crate) async fn insert_acceptance(
    tx: &mut Tx,
    risk: &Risk,
    by: &str,
    rationale: &str,
    valid_until: &str,
) -> Result<Risk> {
    let acc_id = uuid::Uuid::new_v4().to_string();
    let accepted = Accepted {
        target: risk.target.clone(),
        treatment: risk.treatment,
    };
    let json = serde_json::to_string(&accepted).map_err(|e| Error::Internal(e.into()))?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into risk_acceptance (risk_acceptance_id, risk_id, accepted_by, accepted_at, rationale, valid_until, accepted_json, needs_renewal)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        &acc_id,
        &risk.id,
        by,
        &now,
        rationale,
        valid_until,
        &json,
        false
    )?;
    tx_exec!(
        tx,
        "update risk set revision = revision + 1 where risk_id = $1",
        &risk.id
    )?;
    tx.bump_generation("risk").await?;
    read_risk(tx, &risk.id).await
}

/// Creates or updates (matching on id) many risks in one transaction. Everything is checked
/// before anything is written; problems name their row (`row 17, assets`). A change of a
/// residual rating or treatment marks the risk's acceptance for renewal, as an edit does.
/// In a read transaction (a dry run), nothing is written.
pub(crate) async fn import(
    tx: &mut Tx,
    actor: &str,
    rows: Vec<(usize, RiskDraft)>,
    seen: &mut crate::store::SeenIds,
    write: bool,
) -> Result<ImportReport> {
    let mut problems = seen.check(rows.iter().map(|(r, d)| (*r, d.id.as_deref())));
    let given: Vec<String> = rows.iter().filter_map(|(_, d)| d.id.clone()).collect();
    let mut existing = read_risks(tx, &given).await?;
    let labelled: Vec<(String, &RiskDraft)> = rows
        .iter()
        .map(|(r, d)| (format!("row {r}, "), d))
        .collect();
    problems.extend(check_links(tx, &labelled).await?);
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let row_ids: Vec<(usize, Option<&str>)> =
        rows.iter().map(|(r, d)| (*r, d.id.as_deref())).collect();
    let ids = seen
        .ids_of(tx, ("risk", "R", "risk", "risk_id"), &row_ids)
        .await?;
    let now = tx.now().to_string();
    let mut renew: Vec<String> = Vec::new();
    let crate::store::ImportPlan {
        report,
        changes,
        write: written,
        replaced,
    } = crate::store::plan_import(
        actor,
        "risk",
        &ids,
        &rows,
        &mut existing,
        |id, d, before| {
            let acceptance = before.and_then(|b| b.acceptance.clone()).map(|mut a| {
                if crate::registers::risk::domain::lapses(&a, d) {
                    renew.push(a.id.clone());
                    a.needs_renewal = true;
                }
                a
            });
            let created = before.map(|b| b.created_at.as_str()).unwrap_or(&now);
            let revision = before.map(|b| b.revision + 1).unwrap_or(1);
            risk_of(id, d, created, &now, acceptance, revision)
        },
    );
    if !write || tx.read_only {
        // A dry run (or rows only checked): what would be written is known.
        return Ok(report);
    }
    let write = written;
    write_rows(tx, &write, replaced.iter().map(String::as_str)).await?;
    tx.exec_in("delete from risk_asset where risk_id in ", &replaced, "")
        .await?;
    tx.exec_in("delete from risk_measure where risk_id in ", &replaced, "")
        .await?;
    insert_links(tx, &write).await?;
    tx.exec_in(
        "update risk_acceptance set needs_renewal = true where risk_acceptance_id in ",
        &renew,
        "",
    )
    .await?;
    tx.audit_many(changes).await?;
    tx.bump_generation("risk").await?;
    Ok(report)
}

impl Store {
    /// Every acceptance of a risk, newest first.
    pub async fn risk_acceptances(&self, id: &str) -> Result<Vec<Acceptance>> {
        let mut tx = self.read_tx().await?;
        read_risk(&mut tx, id).await?;
        let rows: Vec<AcceptanceRow> = tx_query!(
            tx,
            fetch_all,
            AcceptanceRow,
            &format!(
                "select {ACCEPTANCE_COLUMNS} from risk_acceptance where risk_id = $1
                 order by accepted_at desc, risk_acceptance_id desc"
            ),
            id
        )?;
        rows.into_iter()
            .map(|r| acceptance_from(r).map(|(_, a)| a))
            .collect()
    }

    pub async fn risk(&self, id: &str) -> Result<Risk> {
        // One read transaction: the risk, its links and its acceptance are seen together.
        let mut tx = self.read_tx().await?;
        read_risk(&mut tx, id).await
    }

    /// The risk register, by id; filters combine with AND.
    pub async fn list_risks(
        &self,
        f: &RiskFilter,
        sort: RiskSort,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Risk>> {
        let limit = limit.clamp(1, 500);
        let (total, total_capped) = self.risk_count_matching(f).await?;
        let many = total_capped || total > crate::store::WALK_ABOVE;
        let (cols, desc) = sort.columns();
        let text = f.text.as_deref().filter(|_| many).map(|q| TextSearch {
            alias: "r",
            columns: &crate::store::RISK_TEXT,
            q,
        });
        let backend = self.backend();
        let filters = |sql: &mut Sql, with_text: bool| {
            let text = if with_text { f.text.clone() } else { None };
            let g = RiskFilter { text, ..f.clone() };
            where_filter(sql, &g, backend, many);
        };
        let rows: Vec<RiskRow> = self
            .filtered_rows(
                COLUMNS,
                "from risk r",
                text,
                filters,
                (cols, desc),
                cursor,
                limit,
            )
            .await?;
        let more = rows.len() as i64 > limit;
        let mut items: Vec<Risk> = rows.into_iter().take(limit as usize).map(|r| r.0).collect();
        self.attach_acceptances(&mut items).await?;
        self.attach_links(&mut items).await?;
        let next_cursor = if more {
            items
                .last()
                .map(|r| crate::store::cursor_of(sort.values(r)))
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

    /// Every risk matching a filter, by id (exports).
    pub async fn all_risks(&self, f: &RiskFilter) -> Result<Vec<Risk>> {
        self.all_risks_sorted(f, RiskSort::Id).await
    }

    /// Every risk matching a filter, in a sort's order.
    pub async fn all_risks_sorted(&self, f: &RiskFilter, sort: RiskSort) -> Result<Vec<Risk>> {
        crate::store::collect_pages(|cursor| async move {
            self.list_risks(f, sort, cursor.as_deref(), 500).await
        })
        .await
    }

    /// Puts each risk's asset and measure ids on it (one query for the page).
    async fn attach_links(&self, items: &mut [Risk]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = items.iter().map(|r| r.id.clone()).collect();
        let [assets, measures] = self
            .links_of(
                [
                    ("risk_asset", "risk_id", "asset_id"),
                    ("risk_measure", "risk_id", "measure_id"),
                ],
                &ids,
            )
            .await?;
        for (id, asset) in assets {
            if let Some(r) = items.iter_mut().find(|r| r.id == id) {
                r.assets.push(asset);
            }
        }
        for (id, measure) in measures {
            if let Some(r) = items.iter_mut().find(|r| r.id == id) {
                r.measures.push(measure);
            }
        }
        Ok(())
    }

    /// Puts each risk's newest acceptance on it (one query for the page).
    async fn attach_acceptances(&self, items: &mut [Risk]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new(&format!(
            "select {ACCEPTANCE_COLUMNS} from risk_acceptance where risk_id in "
        ));
        sql.push_in(items.iter().map(|x| &x.id));
        sql.push(" order by accepted_at, risk_acceptance_id", []);
        let rows: Vec<AcceptanceRow> = on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, AcceptanceRow>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        for row in rows {
            let (rid, acc) = acceptance_from(row)?;
            if let Some(r) = items.iter_mut().find(|r| r.id == rid) {
                r.acceptance = Some(acc);
            }
        }
        Ok(())
    }

    /// How many open or treated risks sit in each (likelihood, impact) cell of a rating.
    pub async fn heat_map(&self, kind: RatingKind) -> Result<Vec<(i64, i64, i64)>> {
        let p = kind.key();
        let counts: Vec<(i64, i64, i64)> = pool_query!(
            self,
            fetch_all,
            (i64, i64, i64),
            &format!(
                "select {p}_likelihood, {p}_impact, count(*) from risk where status <> 'closed'
                 group by {p}_likelihood, {p}_impact"
            )
        )?;
        Ok(counts)
    }

    /// How many risks match a filter (up to the cap, and whether it capped).
    pub async fn risk_count_matching(&self, f: &RiskFilter) -> Result<(i64, bool)> {
        // Unfiltered, the register's exact total is kept by the store.
        if *f == RiskFilter::default() {
            return Ok((self.register_count("risk").await?, false));
        }
        if let Some(counted) = self.control_count(f).await? {
            return Ok(counted);
        }
        let (count, cap) = count_select(f, self.backend());
        let cap = crate::store::text_count_cap(f.text.as_deref(), cap);
        self.capped_count_of(&count, cap).await
    }

    /// The risks of a control alone, counted from the first of its links: as many as the cap
    /// and a quarter more. A risk with two measures of the control counts once, so the
    /// distinct risks among them answer when they pass the cap, or when those were all the
    /// links; otherwise (many links, few risks) `count_select` counts them all. Every link of
    /// a control made distinct first took 31 ms on PostgreSQL at a million risks (85,741
    /// links), the first 12,501 about 9. SQLite makes a limited distinct as it reads, stopping
    /// at the limit, so there the links are counted as any filter is.
    async fn control_count(&self, f: &RiskFilter) -> Result<Option<(i64, bool)>> {
        let Some((fw, id)) = &f.control else {
            return Ok(None);
        };
        if self.backend() != Backend::Postgres {
            return Ok(None);
        }
        let alone = RiskFilter {
            control: f.control.clone(),
            ..RiskFilter::default()
        };
        if *f != alone {
            return Ok(None);
        }
        let read = COUNT_CAP + COUNT_CAP / 4 + 1;
        let (links, risks): (i64, i64) = pool_query!(
            self,
            fetch_one,
            (i64, i64),
            "select count(*), count(distinct x.risk_id) from
               (select rm.risk_id from measure_control mc cross join risk_measure rm
                where rm.measure_id = mc.measure_id and mc.framework_id = $1 and mc.control_id = $2
                limit $3) x",
            fw,
            id,
            read
        )?;
        Ok(if risks > COUNT_CAP {
            Some((COUNT_CAP, true))
        } else if links < read {
            Some((risks, false))
        } else {
            None
        })
    }

    pub async fn risk_count(&self) -> Result<i64> {
        self.register_count("risk").await
    }

    /// Re-derives every stored level after a change of the grid (ratings keep their values).
    pub(crate) async fn relevel_risks(tx: &mut Tx, m: &Matrix) -> Result<()> {
        tx.bump_generation("risk").await?;
        for kind in [
            RatingKind::Inherent,
            RatingKind::Current,
            RatingKind::Target,
        ] {
            let p = kind.key();
            for (li, row) in m.grid.iter().enumerate() {
                for (ii, key) in row.iter().enumerate() {
                    tx_exec!(
                        tx,
                        &format!(
                            "update risk set {p}_level = $1, revision = revision + 1 where {p}_likelihood = $2 and {p}_impact = $3 and {p}_level <> $1"
                        ),
                        key,
                        li as i64 + 1,
                        ii as i64 + 1
                    )?;
                }
            }
        }
        Ok(())
    }
}
