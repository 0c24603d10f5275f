//! The store: the only code that speaks SQL. One `Store` with a method per use case, on two
//! backends (SQLite and PostgreSQL) chosen by the database URL. Query text is shared where
//! the SQL is the same (`$1` placeholders work on both); each query is expanded once per
//! backend by the macros below, so rows decode with each driver's own types.
//!
//! Every write runs in a transaction (`Store::write`) that also appends its audit-trail entry.

mod audit;
mod auth;
mod blob;
mod bulk;
mod catalog;
mod copy;
mod generation;
mod migrate;
mod page;
mod prepared;
mod seen;
mod setting;
mod statistics;
mod text;
pub(crate) use bulk::{BulkIndexes, LaterIndexes};
pub(crate) use prepared::Prepared;
use prepared::chunk_comes_back;
pub(crate) use seen::SeenIds;
pub(crate) use text::{ASSET_TEXT, RISK_TEXT, TextSearch, text_index_count};

pub(crate) use audit::recent_changes;
pub use blob::{BlobReader, BlobWriter};
pub use catalog::CatalogLoad;

use crate::config::{Backend, check_database_url};
use crate::domain::ImportReport;
use crate::domain::audit::{Change, Entry};
use crate::domain::clock::{Clock, stamp};
use crate::error::FieldError;
use crate::error::{Error, Result};
use anyhow::Context;
use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{PgPool, Postgres, Sqlite, SqlitePool};
use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

#[derive(Clone, Debug)]
pub(crate) enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$c` bound to the backend's pool; the body is compiled once per backend.
macro_rules! on_pool {
    ($pool:expr, |$c:ident| $body:expr) => {
        match $pool {
            $crate::store::Pool::Sqlite($c) => $body,
            $crate::store::Pool::Postgres($c) => $body,
        }
    };
}

/// Runs `$body` with `$c` bound to the transaction's connection.
macro_rules! on_tx {
    ($tx:expr, |$c:ident| $body:expr) => {
        match &mut $tx.inner {
            $crate::store::TxInner::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::store::TxInner::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}

/// `query_as` + binds + fetch on the pool, for both backends.
macro_rules! pool_query {
    ($store:expr, $fetch:ident, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let sql = $sql;
        $crate::store::trace_sql(&sql);
        $crate::store::on_pool!(&$store.pool, |c| sqlx::query_as::<_, $T>(sql)$(.bind($arg))*.$fetch(c).await)
    }};
}

/// `query_as` + binds + fetch inside a transaction.
macro_rules! tx_query {
    ($tx:expr, $fetch:ident, $T:ty, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let sql = $sql;
        $crate::store::trace_sql(&sql);
        $crate::store::on_tx!($tx, |c| sqlx::query_as::<_, $T>(sql)$(.bind($arg))*.$fetch(c).await)
    }};
}

/// A statement without rows inside a transaction; answers the number of rows affected.
macro_rules! tx_exec {
    ($tx:expr, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let sql = $sql;
        $crate::store::trace_sql(&sql);
        $crate::store::on_tx!($tx, |c| sqlx::query(sql)$(.bind($arg))*.execute(c).await.map(|r| r.rows_affected()))
    }};
}

/// Links read in one query as (record id, linked id), grouped by record in the order read:
/// each record of a page then takes its own (`remove(&id)`).
pub(crate) fn group_links(
    pairs: Vec<(String, String)>,
) -> std::collections::HashMap<String, Vec<String>> {
    let mut out: std::collections::HashMap<String, Vec<String>> = std::collections::HashMap::new();
    for (record, linked) in pairs {
        out.entry(record).or_default().push(linked);
    }
    out
}

/// A statement without rows on the pool (no audit entry: only for bookkeeping such as
/// session activity and login throttling, which are not records).
macro_rules! pool_exec {
    ($store:expr, $sql:expr $(, $arg:expr)* $(,)?) => {{
        let sql = $sql;
        $crate::store::trace_sql(&sql);
        $crate::store::on_pool!(&$store.pool, |c| sqlx::query(sql)$(.bind($arg))*.execute(c).await.map(|r| r.rows_affected()))
    }};
}

/// Logs a statement (at debug level, target `annex::sql`) in the span of the request and the
/// use case that runs it, on both databases (SQLite's driver runs statements on its own
/// thread, where these spans are not current). Costs a level check when debug is off.
pub(crate) fn trace_sql(sql: &str) {
    tracing::debug!(
        target: "annex::sql",
        sql = %sql.split_whitespace().collect::<Vec<_>>().join(" "),
        "statement"
    );
}

pub(crate) use {on_pool, on_tx, pool_exec, pool_query, tx_exec, tx_query};

/// A value bound to a query built at run time (filters with a variable number of terms).
#[derive(Debug, Clone)]
pub(crate) enum Arg {
    Text(String),
    Int(i64),
    OptText(Option<String>),
    OptInt(Option<i64>),
}

/// A query text with its arguments, built piece by piece; placeholders are `$1`, `$2`, …
#[derive(Debug, Default)]
pub(crate) struct Sql {
    pub text: String,
    pub args: Vec<Arg>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            args: Vec::new(),
        }
    }

    /// Appends text in which `?` stands for the next argument.
    pub fn push(&mut self, text: &str, args: impl IntoIterator<Item = Arg>) -> &mut Self {
        use std::fmt::Write;
        let mut args = args.into_iter();
        let mut parts = text.split('?');
        if let Some(first) = parts.next() {
            self.text.push_str(first);
        }
        for part in parts {
            match args.next() {
                Some(a) => {
                    self.args.push(a);
                    let _ = write!(self.text, "${}", self.args.len());
                }
                None => self.text.push('?'),
            }
            self.text.push_str(part);
        }
        self
    }
}

/// A sort column (or expression) and the kind of value it holds, which its cursor value
/// must have.
#[derive(Debug, Clone, Copy)]
pub(crate) enum SortKey {
    Text(&'static str),
    Number(&'static str),
}

impl SortKey {
    fn sql(self) -> &'static str {
        match self {
            SortKey::Text(c) | SortKey::Number(c) => c,
        }
    }
}

impl Sql {
    /// Appends a keyset page: the rows after the cursor (the sort columns' values of the last
    /// row of the previous page, a JSON array) in the sort's order, `limit + 1` of them (one
    /// more tells whether there is a next page). Every sort ends in the record's id, so rows
    /// never tie, and has an index in that order: a deep page costs what the first does.
    pub fn push_keyset(
        &mut self,
        keys: &[SortKey],
        desc: bool,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<()> {
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            let bad = || {
                Error::field(
                    "cursor",
                    format!("'{c}' is not a cursor from a previous page"),
                )
            };
            let values: Vec<serde_json::Value> = serde_json::from_str(c).map_err(|_| bad())?;
            if values.len() != keys.len() {
                return Err(bad());
            }
            // Each value must have its column's type: a number where text is sorted would
            // reach PostgreSQL as `text > bigint` and fail there.
            let mut args = Vec::new();
            for (v, key) in values.into_iter().zip(keys) {
                args.push(match (v, key) {
                    (serde_json::Value::String(s), SortKey::Text(_)) if !s.contains('\0') => {
                        Arg::Text(s)
                    }
                    (serde_json::Value::Number(n), SortKey::Number(_)) => {
                        Arg::Int(n.as_i64().ok_or_else(bad)?)
                    }
                    _ => return Err(bad()),
                });
            }
            let cols: Vec<&str> = keys.iter().map(|k| k.sql()).collect();
            let placeholders = vec!["?"; keys.len()].join(", ");
            let op = if desc { "<" } else { ">" };
            self.push(
                &format!(" and ({}) {op} ({placeholders})", cols.join(", ")),
                args,
            );
        }
        let dir = if desc { " desc" } else { "" };
        let order: Vec<String> = keys.iter().map(|k| format!("{}{dir}", k.sql())).collect();
        self.push(
            &format!(" order by {} limit ?", order.join(", ")),
            [Arg::Int(limit + 1)],
        );
        Ok(())
    }

    /// The text with anonymous `?` placeholders, for SQLite: its driver looks numbered ones
    /// up by name in a list, which is quadratic in their count. (A `Sql` numbers its
    /// placeholders in order, each once.)
    pub fn sqlite_text(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        let mut chars = self.text.chars().peekable();
        while let Some(c) = chars.next() {
            if c == '$' && chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                while chars.peek().is_some_and(|d| d.is_ascii_digit()) {
                    chars.next();
                }
                out.push('?');
            } else {
                out.push(c);
            }
        }
        out
    }

    /// Appends `(?, ?, …)` with one text argument per value.
    pub fn push_in<'a>(&mut self, values: impl IntoIterator<Item = &'a String>) -> &mut Self {
        self.text.push('(');
        for (i, v) in values.into_iter().enumerate() {
            self.push(if i == 0 { "?" } else { ", ?" }, [Arg::Text(v.clone())]);
        }
        self.text.push(')');
        self
    }
}

impl Store {
    /// The (key, value) rows of link tables, each given as (table, key, value), for some keys,
    /// each list ordered; in one statement (a page's links: one round trip to the database,
    /// not one per table).
    pub(crate) async fn links_of<const N: usize>(
        &self,
        links: [(&str, &str, &str); N],
        keys: &[String],
    ) -> Result<[Vec<(String, String)>; N]> {
        let mut out = std::array::from_fn(|_| Vec::new());
        if keys.is_empty() {
            return Ok(out);
        }
        let mut sql = Sql::new("");
        for (i, (table, key, value)) in links.iter().enumerate() {
            if i > 0 {
                sql.push(" union all ", []);
            }
            sql.push(
                &format!("select {i}, {key}, {value} from {table} where {key} in "),
                [],
            );
            sql.push_in(keys.iter());
        }
        let rows: Vec<(i32, String, String)> = on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, (i32, String, String)>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        for (i, key, value) in rows {
            if let Some(list) = usize::try_from(i).ok().and_then(|i| out.get_mut(i)) {
                list.push((key, value));
            }
        }
        // Sorted here, not by the database: PostgreSQL's collation may order text otherwise.
        out.iter_mut().for_each(|rows| rows.sort_unstable());
        Ok(out)
    }
}

/// Hands out `n` readable ids of a kind (`A-0001`, `R-0042`), skipping ids that people chose
/// themselves. `table` and `column` say where ids of the kind live.
pub(crate) async fn next_ids(
    tx: &mut Tx,
    kind: &str,
    prefix: &str,
    table: &str,
    column: &str,
    n: usize,
) -> Result<Vec<String>> {
    let mut out = Vec::with_capacity(n);
    // Each round reserves a block; when ids of the block were taken (ids chosen by people, or
    // an import of an export), the next block is larger, so that a run of taken ids costs a few
    // rounds, not one per id.
    // A read (a dry run) only looks at the counter: the ids it shows are the ones an import
    // would give now.
    let mut spare = 0i64;
    let mut looked = 0i64;
    while out.len() < n {
        let want = (n - out.len()) as i64 + spare;
        let start = if tx.read_only {
            let next: Option<(i64,)> = tx_query!(
                tx,
                fetch_optional,
                (i64,),
                "select next_value from id_counter where counter_key = $1",
                kind
            )?;
            next.map(|n| n.0).unwrap_or(1) + looked
        } else {
            let (start,): (i64,) = tx_query!(
                tx,
                fetch_one,
                (i64,),
                "insert into id_counter (counter_key, next_value) values ($1, 1 + $2)
                 on conflict (counter_key) do update set next_value = id_counter.next_value + $2
                 returning next_value - $2",
                kind,
                want
            )?;
            start
        };
        looked += want;
        let candidates: Vec<String> = (start..start + want)
            .map(|i| format!("{prefix}-{i:04}"))
            .collect();
        let taken: Vec<(String,)> = tx_fetch_in!(
            tx,
            (String,),
            &format!("select {column} from {table} where {column} in "),
            candidates,
            ""
        );
        let taken: std::collections::HashSet<String> = taken.into_iter().map(|t| t.0).collect();
        if !taken.is_empty() {
            spare = (spare * 2).clamp(16, 1 << 16);
        }
        let free = candidates.into_iter().filter(|c| !taken.contains(c));
        out.extend(free.take(n - out.len()));
    }
    Ok(out)
}

/// Those of `ids` that exist in `table`.
pub(crate) async fn existing_ids(
    tx: &mut Tx,
    table: &str,
    column: &str,
    ids: &[String],
) -> Result<std::collections::HashSet<String>> {
    let rows: Vec<(String,)> = tx_fetch_in!(
        tx,
        (String,),
        &format!("select {column} from {table} where {column} in "),
        ids,
        ""
    );
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The id a new record of `table` takes: the one given, if no record has it (else a problem of
/// the field `id` naming `what`, "an issue"), or the next `PREFIX-0001`.
pub(crate) async fn claim_id(
    tx: &mut Tx,
    given: Option<&str>,
    (table, column, prefix): (&str, &str, &str),
    what: &str,
) -> Result<String> {
    match given {
        Some(id) => {
            if existing_ids(tx, table, column, &[id.to_string()])
                .await?
                .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("{what} with the id {id} already exists"),
                ));
            }
            Ok(id.to_string())
        }
        None => Ok(next_ids(tx, table, prefix, table, column, 1)
            .await?
            .pop()
            .unwrap_or_default()),
    }
}

impl Store {
    /// The ids of the records of `table` whose `name_column` is one of `names` (case and
    /// surrounding spaces ignored), for names that one record has: an import that matches rows
    /// without ids by name. Compared in Rust: SQLite's `lower()` knows only ASCII.
    pub(crate) async fn ids_by_name(
        &self,
        table: &str,
        id_column: &str,
        name_column: &str,
        names: &[String],
    ) -> Result<std::collections::HashMap<String, String>> {
        let wanted: std::collections::HashSet<String> =
            names.iter().map(|n| n.trim().to_lowercase()).collect();
        if wanted.is_empty() {
            return Ok(Default::default());
        }
        let all: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            &format!("select {id_column}, {name_column} from {table}")
        )?;
        let mut by_name: std::collections::HashMap<String, Vec<String>> = Default::default();
        for (id, name) in all {
            let key = name.trim().to_lowercase();
            if wanted.contains(&key) {
                by_name.entry(key).or_default().push(id);
            }
        }
        Ok(by_name
            .into_iter()
            .filter(|(_, ids)| ids.len() == 1)
            .map(|(name, mut ids)| (name, ids.remove(0)))
            .collect())
    }
}

/// Most parameters one statement binds (SQLite allows 32,766, PostgreSQL 65,535).
const MAX_PARAMS: usize = 30_000;
/// Keys per `in (…)` list when reading or deleting by many ids.
pub(crate) const IN_CHUNK: usize = 5_000;
/// Rows whose statement arguments a bulk write builds at a time.
pub(crate) const ROWS_PER_BATCH: usize = 2_000;
/// Audit entries made at a time by `audit_many`.
const AUDIT_CHUNK: usize = 2_000;

/// Reads rows for many keys inside a transaction: `prefix (k1, k2, …) suffix`, in chunks.
macro_rules! tx_fetch_in {
    ($tx:expr, $T:ty, $prefix:expr, $keys:expr, $suffix:expr) => {{
        let mut out: Vec<$T> = Vec::new();
        for chunk in $keys.chunks($crate::store::IN_CHUNK) {
            let mut sql = $crate::store::Sql::new($prefix);
            sql.push_in(chunk.iter());
            sql.push($suffix, []);
            let text = $tx.text_of(&sql);
            let keep = $tx.kept($prefix, chunk.len(), $crate::store::IN_CHUNK);
            let rows: Vec<$T> = $crate::store::on_tx!($tx, |c| $crate::store::bind_args!(
                sqlx::query_as::<_, $T>(&text),
                &sql.args
            )
            .persistent(keep)
            .fetch_all(c)
            .await)?;
            out.extend(rows);
        }
        out
    }};
}
pub(crate) use tx_fetch_in;

impl Store {
    /// The distinct values of an indexed column (at most 500, in order), found by one index
    /// seek per value instead of a scan of the table: filter menus stay fast at 100,000 rows.
    pub(crate) async fn distinct_values(&self, table: &str, column: &str) -> Result<Vec<String>> {
        let sql = format!(
            "with recursive v(x) as (
                 select min({column}) from {table} where {column} > ''
                 union all
                 select (select min({column}) from {table} where {column} > v.x) from v where v.x is not null
             )
             select x from v where x is not null limit 500"
        );
        let rows: Vec<(String,)> = pool_query!(self, fetch_all, (String,), &sql)?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }
}

/// Registers count matches up to this many; beyond, they say "10,000+" (an exact count of a
/// large filtered set would cost more than the page itself).
pub const COUNT_CAP: i64 = 10_000;

/// A count that looks each match of one table's filter up in another (a tag together with
/// the asset's own filters, a measure or control with the risk's) stops at this many, and
/// says "1,000+": at a million assets, counting 10,000 assets of a tag and a type looked up
/// 47,000 tagged assets (50 ms on SQLite); 1,000 take 5.
pub const COUNT_CAP_LINKED: i64 = 1_000;

/// The cap of a count with a text search (`q`): `COUNT_CAP_LINKED`, whatever the other
/// filters. A text index lists its matches from every trigram of the text, so counting 10,000
/// of a million risks took 9–10 ms on SQLite and 1,000 took 1–2. Past the cap a page is
/// found as for many matches (`text_search_page`), which checks a few thousand rows of the
/// order before it reads the matches.
pub(crate) fn text_count_cap(q: Option<&str>, cap: i64) -> i64 {
    match q {
        Some(_) => cap.min(COUNT_CAP_LINKED),
        None => cap,
    }
}

/// Past this many matches (as counted), a page of a register is found by walking the sort's
/// index and checking each row; up to it, the matches are read from the filter's own index
/// and sorted. At a million rows the two cost the same near 4,000 matches on SQLite (sorting
/// 10,000 tagged assets took 67 ms; walking to 50 of them, about 10 ms).
pub const WALK_ABOVE: i64 = 4_000;

/// A record an import or an edit compares with what is stored: the same but for what every
/// write changes by itself (the time of its last change, its revision) means unchanged (then
/// nothing is written, and the trail does not move).
pub(crate) trait Record: Clone + PartialEq + serde::Serialize {
    /// Takes `stored`'s time of last change and revision.
    fn align_with(&mut self, stored: &Self);

    /// Whether `self` (a record about to be written) says what `stored` says.
    fn same_as(&self, stored: &Self) -> bool {
        let mut me = self.clone();
        me.align_with(stored);
        me == *stored
    }
}

/// What an import will write: the report, the audit entries, the rows to write (new and
/// changed) and the ids whose links it replaces (changed).
pub(crate) struct ImportPlan<'a, D> {
    pub report: ImportReport,
    pub changes: Vec<Change>,
    pub write: Vec<(&'a str, &'a D)>,
    pub replaced: Vec<String>,
}

/// Sorts an import's rows into created, updated and unchanged, comparing the record each row
/// makes — `make(id, draft, stored)`, created now or when the stored one was — with the stored
/// one. `object` names the audit entries (`asset.create`, `asset.update`).
pub(crate) fn plan_import<'a, D, T: Record>(
    actor: &str,
    object: &str,
    ids: &'a [String],
    rows: &'a [(usize, D)],
    existing: &mut std::collections::HashMap<String, T>,
    mut make: impl FnMut(&str, &D, Option<&T>) -> T,
) -> ImportPlan<'a, D> {
    let mut plan = ImportPlan {
        report: ImportReport::default(),
        changes: Vec::new(),
        write: Vec::new(),
        replaced: Vec::new(),
    };
    for (id, (_, d)) in ids.iter().zip(rows) {
        let before = existing.remove(id);
        let after = make(id, d, before.as_ref());
        match before {
            Some(b) if after.same_as(&b) => {
                plan.report.unchanged.push(id.clone());
                continue;
            }
            Some(b) => {
                plan.changes.push(
                    Change::new(actor, &format!("{object}.update"), object, id)
                        .before(&b)
                        .after(&after),
                );
                plan.replaced.push(id.clone());
                plan.report.updated.push(id.clone());
            }
            None => {
                plan.changes.push(
                    Change::new(actor, &format!("{object}.create"), object, id).after(&after),
                );
                plan.report.created.push(id.clone());
            }
        }
        plan.write.push((id, d));
    }
    plan
}

/// Refuses a file that gives one id to two rows.
pub(crate) fn check_unique_ids<'a>(
    rows: impl Iterator<Item = (usize, Option<&'a str>)>,
) -> Result<()> {
    let mut seen: HashMap<&str, usize> = HashMap::new();
    let mut problems = Vec::new();
    for (row, id) in rows {
        if let Some(id) = id
            && let Some(first) = seen.insert(id, row)
        {
            problems.push(FieldError::new(
                format!("row {row}, id"),
                format!("the id {id} is already on row {first}"),
            ));
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

/// A page's cursor: its last row's sort values as a JSON array.
pub(crate) fn cursor_of(values: impl IntoIterator<Item = serde_json::Value>) -> String {
    serde_json::Value::Array(values.into_iter().collect()).to_string()
}

/// Follows a register's cursors to the end (exports and the CLI).
pub(crate) async fn collect_pages<T, F, Fut>(mut page: F) -> Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: std::future::Future<Output = Result<crate::domain::query::Page<T>>>,
{
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let p = page(cursor.take()).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// Binds the arguments of a `Sql` to a query, once per backend.
macro_rules! bind_args {
    ($q:expr, $args:expr) => {{
        let mut q = $q;
        for a in $args {
            q = match a {
                $crate::store::Arg::Text(s) => q.bind(s.clone()),
                $crate::store::Arg::Int(i) => q.bind(*i),
                $crate::store::Arg::OptText(s) => q.bind(s.clone()),
                $crate::store::Arg::OptInt(i) => q.bind(*i),
            };
        }
        q
    }};
}
pub(crate) use bind_args;

/// `bind_args!` for a statement built at run time for one read (a register's page or count):
/// on PostgreSQL it is not kept prepared, so it is planned for its values — the index that
/// fits this filter or search — rather than with a generic plan, and the per-connection
/// statement cache keeps the fixed statements.
macro_rules! bind_once {
    ($c:expr, $q:expr, $args:expr) => {{ $crate::store::bind_args!($q, $args).persistent($crate::store::Prepared::keeps_prepared($c)) }};
}
pub(crate) use bind_once;

pub(crate) enum TxInner {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// A write in progress. Dropped without `commit`, everything it wrote is rolled back.
pub struct Tx {
    pub(crate) inner: TxInner,
    now: String,
    /// A consistent read (`Store::read_tx`): nothing may be written through it.
    pub(crate) read_only: bool,
    /// The rows or keys of the last short chunk of each run-time statement (by its head),
    /// to tell a chunk size that comes back batch after batch (`Tx::kept`).
    short_chunks: std::collections::HashMap<String, usize>,
}

impl Tx {
    /// The clause that locks the rows a `select` reads for the rest of this write: ` for
    /// update` on PostgreSQL; nothing on SQLite, whose write holds the database's write lock.
    pub(crate) fn row_lock(&self) -> &'static str {
        match self.inner {
            TxInner::Sqlite(_) => "",
            TxInner::Postgres(_) => " for update",
        }
    }

    /// The moment this write happens (one value for all its rows).
    pub fn now(&self) -> &str {
        &self.now
    }

    /// Appends an entry to the audit trail, chained to the one before it.
    pub async fn audit(&mut self, change: Change) -> Result<()> {
        self.audit_many(vec![change]).await
    }

    /// Appends entries to the audit trail in order, each chained to the one before. The head
    /// row is updated first, which serialises concurrent writers on both databases; the
    /// entries are written in as few statements as the parameter limit allows.
    pub async fn audit_many(&mut self, changes: Vec<Change>) -> Result<()> {
        if changes.is_empty() {
            return Ok(());
        }
        let n = changes.len() as i64;
        let (last, mut prev): (i64, String) = tx_query!(
            self,
            fetch_one,
            (i64, String),
            "update audit_head set seq = seq + $1 where audit_head_id = 1 returning seq, hash",
            n
        )?;
        // Entries are made a chunk at a time, so that a large import does not hold every
        // entry's statement arguments in memory at once.
        let mut seq = last - n;
        let mut changes = changes.into_iter().peekable();
        while changes.peek().is_some() {
            let mut rows = Vec::with_capacity(AUDIT_CHUNK);
            for change in changes.by_ref().take(AUDIT_CHUNK) {
                seq += 1;
                let mut e = Entry {
                    seq,
                    occurred_at: self.now.clone(),
                    actor: change.actor,
                    action: change.action,
                    object_type: change.object_type,
                    object_id: change.object_id,
                    before: change.before,
                    after: change.after,
                    prev_hash: prev,
                    hash: String::new(),
                };
                e.hash = e.computed_hash();
                prev = e.hash.clone();
                rows.push(vec![
                    Arg::Int(e.seq),
                    Arg::Text(e.occurred_at),
                    Arg::Text(e.actor),
                    Arg::Text(e.action),
                    Arg::Text(e.object_type),
                    Arg::Text(e.object_id),
                    Arg::OptText(e.before),
                    Arg::OptText(e.after),
                    Arg::Text(e.prev_hash),
                    Arg::Text(e.hash),
                ]);
            }
            self.insert_rows(
                "insert into audit_event (seq, occurred_at, actor, action, object_type, object_id, before_json, after_json, prev_hash, hash)",
                rows,
                "",
            )
            .await?;
        }
        tx_exec!(
            self,
            "update audit_head set hash = $1 where audit_head_id = 1",
            &prev
        )?;
        Ok(())
    }

    /// Runs a statement built at run time; answers the number of rows affected.
    pub(crate) async fn exec(&mut self, sql: &Sql) -> Result<u64> {
        self.exec_kept(sql, true).await
    }

    /// Whether a chunk of `n` rows or keys of the run-time statement `head` is kept prepared
    /// on its connection: when full (`full`), or as long as the last short one of the same
    /// head (a batch's size that comes back). A statement of thousands of parameters whose
    /// text does not come again (a batch's tags, its links) would hold megabytes in the
    /// connection's statement cache, which keeps 100 on SQLite: `annex demo --size huge`'s
    /// million risks grew the process by 190 MB with every chunk kept.
    pub(crate) fn kept(&mut self, head: &str, n: usize, full: usize) -> bool {
        chunk_comes_back(&mut self.short_chunks, head, n, full)
    }

    /// `exec`, the statement kept prepared on its connection only when `keep` says (see
    /// `kept`).
    async fn exec_kept(&mut self, sql: &Sql, keep: bool) -> Result<u64> {
        let text = self.text_of(sql);
        Ok(on_tx!(self, |c| bind_args!(sqlx::query(&text), &sql.args)
            .persistent(keep)
            .execute(c)
            .await
            .map(|r| r.rows_affected()))?)
    }

    /// A built statement's text for this transaction's database.
    pub(crate) fn text_of(&self, sql: &Sql) -> String {
        let text = match self.inner {
            TxInner::Sqlite(_) => sql.sqlite_text(),
            TxInner::Postgres(_) => sql.text.clone(),
        };
        trace_sql(&text);
        text
    }

    /// Inserts many rows (`head` is `insert into table (columns)`, `suffix` e.g. an
    /// `on conflict` clause) in as few statements as the parameter limit allows.
    pub(crate) async fn insert_rows(
        &mut self,
        head: &str,
        rows: Vec<Vec<Arg>>,
        suffix: &str,
    ) -> Result<()> {
        use std::fmt::Write;
        // PostgreSQL takes plain inserts as `copy … from stdin`: it parses no statement of
        // thousands of parameters, and plans none.
        if rows.is_empty() {
            return Ok(());
        }
        if let TxInner::Postgres(t) = &mut self.inner
            && suffix.trim().is_empty()
            && let Some(target) = head.strip_prefix("insert into ")
        {
            return Ok(copy::copy_rows(t, target, rows).await?);
        }
        let width = rows.first().map(Vec::len).unwrap_or(1).max(1);
        let per = (MAX_PARAMS / width).max(1);
        // The statement's text is written here for its database (`?` on SQLite, `$n` on
        // PostgreSQL), its room taken once: at a million rows, building it piece by piece and
        // then rewriting it for SQLite cost a tenth of what the import did besides SQLite.
        let sqlite = matches!(self.inner, TxInner::Sqlite(_));
        let marks = format!("({})", vec!["?"; width].join(", "));
        let mut rows = rows.into_iter().peekable();
        while rows.peek().is_some() {
            let n = rows.len().min(per);
            let room = if sqlite { marks.len() } else { width * 8 };
            let mut text = String::with_capacity(head.len() + suffix.len() + 16 + n * (room + 2));
            let mut args = Vec::with_capacity(n * width);
            text.push_str(head);
            text.push_str(" values ");
            for (i, row) in rows.by_ref().take(per).enumerate() {
                if i > 0 {
                    text.push_str(", ");
                }
                if sqlite && row.len() == width {
                    text.push_str(&marks);
                } else {
                    text.push('(');
                    for j in 0..row.len() {
                        if j > 0 {
                            text.push_str(", ");
                        }
                        if sqlite {
                            text.push('?');
                        } else {
                            let _ = write!(text, "${}", args.len() + j + 1);
                        }
                    }
                    text.push(')');
                }
                args.extend(row);
            }
            text.push(' ');
            text.push_str(suffix);
            trace_sql(&text);
            let keep = self.kept(head, n, per);
            self.exec_text(&text, args, keep).await?;
        }
        Ok(())
    }

    /// Writes rows as `insert_rows` does, those whose key (their first argument) is `held`
    /// (rows the table holds) with `upsert`, its `on conflict … do update` clause, and the
    /// others, new, as plain inserts, which PostgreSQL takes by copy.
    pub(crate) async fn upsert_rows(
        &mut self,
        head: &str,
        rows: Vec<Vec<Arg>>,
        held: &HashSet<&str>,
        upsert: &str,
    ) -> Result<()> {
        let (old, new): (Vec<_>, Vec<_>) = rows.into_iter().partition(
            |row| matches!(row.first(), Some(Arg::Text(k)) if held.contains(k.as_str())),
        );
        self.insert_rows(head, new, "").await?;
        self.insert_rows(head, old, upsert).await
    }

    /// Runs a statement already written for this transaction's database, its arguments moved
    /// into it, not copied (large writes).
    async fn exec_text(&mut self, text: &str, args: Vec<Arg>, keep: bool) -> Result<u64> {
        Ok(on_tx!(self, |c| {
            let mut q = sqlx::query(text).persistent(keep);
            for a in args {
                q = match a {
                    Arg::Text(s) => q.bind(s),
                    Arg::Int(i) => q.bind(i),
                    Arg::OptText(s) => q.bind(s),
                    Arg::OptInt(i) => q.bind(i),
                };
            }
            q.execute(c).await.map(|r| r.rows_affected())
        })?)
    }

    /// Runs `prefix (k1, k2, …) suffix` over keys in chunks (deletes and updates by id).
    pub(crate) async fn exec_in(
        &mut self,
        prefix: &str,
        keys: &[String],
        suffix: &str,
    ) -> Result<()> {
        for chunk in keys.chunks(IN_CHUNK) {
            let mut sql = Sql::new(prefix);
            sql.push_in(chunk.iter());
            sql.push(suffix, []);
            let keep = self.kept(prefix, chunk.len(), IN_CHUNK);
            self.exec_kept(&sql, keep).await?;
        }
        Ok(())
    }

    /// Locks a record's row for the rest of this write, so that what the write reads of it
    /// (its version, the "before" of its audit entry, what its rules depend on) cannot change
    /// under it. PostgreSQL locks the row (`for update`); SQLite's write transaction holds the
    /// database's write lock from its start (`BEGIN IMMEDIATE`), so nothing more is needed.
    /// Answers whether the row exists.
    pub(crate) async fn lock_row(&mut self, table: &str, key: &str, id: &str) -> Result<bool> {
        // SQLite's write already holds the database; a read (a dry run) cannot lock on
        // PostgreSQL, and need not.
        let lock = match self.inner {
            TxInner::Postgres(_) if !self.read_only => " for update",
            _ => "",
        };
        let rows: Vec<(String,)> = tx_query!(
            self,
            fetch_all,
            (String,),
            &format!("select {key} from {table} where {key} = $1{lock}"),
            id
        )?;
        Ok(!rows.is_empty())
    }

    pub async fn commit(self) -> Result<()> {
        match self.inner {
            TxInner::Sqlite(t) => t.commit().await?,
            TxInner::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// The store: a connection pool and the clock.
#[derive(Clone, Debug)]
pub struct Store {
    pub(crate) pool: Pool,
    clock: Clock,
    /// Snapshots of immutable catalogue content, checked against the store's content hash.
    catalog_cache: std::sync::Arc<catalog::CatalogCache>,
    /// Where evidence files are kept.
    blobs: blob::Blobs,
    /// One refresh of the planner's statistics at a time (see `refresh_statistics_soon`).
    statistics: std::sync::Arc<statistics::Statistics>,
}

/// Where the store lives, for messages and backups.
#[derive(Debug, Clone)]
pub struct Location {
    pub backend: Backend,
    pub sqlite_path: Option<PathBuf>,
    pub backups_dir: PathBuf,
}

impl Store {
    /// Opens (creating if needed) the database named by `url` and applies pending migrations.
    /// On SQLite, a database that already holds data is copied to `backups_dir` first.
    pub async fn open(url: &str, backups_dir: PathBuf, clock: Clock) -> anyhow::Result<Store> {
        let backend = check_database_url(url)?;
        let mut blobs = blob::Blobs::Database;
        let pool = match backend {
            Backend::Sqlite => {
                let path = PathBuf::from(url.trim_start_matches("sqlite://"));
                // Evidence files live beside the database, in the data dir.
                let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
                blobs = blob::Blobs::Files(dir.join("evidence"));
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir)
                        .with_context(|| format!("creating the directory {}", dir.display()))?;
                }
                let opts = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
                    .with_context(|| format!("reading the database URL {url}"))?
                    .create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
                    // Statement journals of large writes stay in memory, not in temp files.
                    .pragma("temp_store", "memory");
                let pool = SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(opts)
                    .await
                    .with_context(|| format!("opening the SQLite database {}", path.display()))?;
                migrate::run_sqlite(&pool, &path, &backups_dir, &clock).await?;
                let pool = Pool::Sqlite(pool);
                statistics::refresh_statistics(&pool).await?;
                pool
            }
            Backend::Postgres => {
                let opts = PgConnectOptions::from_str(url)
                    .with_context(|| {
                        format!(
                            "reading the database URL {}",
                            crate::config::redact_url(url)
                        )
                    })?
                    // A register's page reads one index and stops at 50 rows: starting
                    // parallel workers for it cost more than it saved (the tag filter at a
                    // million assets: 13.9 ms p50 with them, 5.1 without). And its pages are
                    // in memory or on SSD, where looking rows up by their key costs little
                    // more than reading them in turn: at PostgreSQL's default (4) it scanned
                    // a million assets to count 10,000 tagged ones (238 ms, not 19).
                    //
                    // A transaction dropped on an error is rolled back when the pool next
                    // touches its connection, from a task of its own; until then it holds its
                    // locks. Should that task not run (a blocked runtime), the server ends such
                    // a session after five idle minutes rather than let its locks stall every
                    // later write: no write of Annex's waits that long between two statements.
                    .options([
                        ("max_parallel_workers_per_gather", "0"),
                        ("random_page_cost", "1.1"),
                        ("idle_in_transaction_session_timeout", "300s"),
                    ]);
                let pool = PgPoolOptions::new()
                    .max_connections(16)
                    .acquire_timeout(Duration::from_secs(10))
                    .connect_with(opts)
                    .await
                    .with_context(|| {
                        format!(
                            "connecting to PostgreSQL at {}",
                            crate::config::redact_url(url)
                        )
                    })?;
                migrate::run_postgres(&pool).await?;
                text::prepare_text_search(&pool).await;
                Pool::Postgres(pool)
            }
        };
        Ok(Store {
            pool,
            clock,
            catalog_cache: Default::default(),
            statistics: Default::default(),
            blobs,
        })
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    /// Today's date (`YYYY-MM-DD`, UTC), for due dates and expiry.
    pub fn today(&self) -> String {
        self.clock.now().date().to_string()
    }

    pub fn now(&self) -> String {
        stamp(self.clock.now())
    }

    /// Starts a write. On SQLite the transaction takes the write lock at once (`BEGIN
    /// IMMEDIATE`), so that a read-then-write never fails half-way on a busy database.
    pub async fn write(&self) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx {
            inner,
            now: self.now(),
            read_only: false,
            short_chunks: Default::default(),
        })
    }

    /// A transaction for a consistent read of several rows (nothing is written).
    pub(crate) async fn read_tx(&self) -> Result<Tx> {
        let inner = match &self.pool {
            Pool::Sqlite(p) => TxInner::Sqlite(p.begin().await?),
            Pool::Postgres(p) => TxInner::Postgres(p.begin().await?),
        };
        Ok(Tx {
            inner,
            now: self.now(),
            read_only: true,
            short_chunks: Default::default(),
        })
    }

    /// An import's transaction: a write, or for a dry run a read (which takes no write lock:
    /// an import checks everything before it writes anything, so a dry run stops there).
    pub(crate) async fn import_tx(&self, dry_run: bool) -> Result<Tx> {
        if dry_run {
            self.read_tx().await
        } else {
            self.write().await
        }
    }

    /// Answers whether the database responds (for `/healthz`).
    pub async fn ping(&self) -> Result<()> {
        // count(*) is a 64-bit integer on both databases (a bare `select 1` is 32-bit on PostgreSQL).
        pool_query!(self, fetch_one, (i64,), "select count(*) from audit_head")?;
        Ok(())
    }

    pub async fn close(&self) {
        on_pool!(&self.pool, |p| p.close().await)
    }
}

/// Maps "no row" to a NotFound naming what was looked for.
pub(crate) fn found<T>(r: Option<T>, what: impl FnOnce() -> String) -> Result<T> {
    r.ok_or_else(|| Error::NotFound(what()))
}

impl Store {
    /// The control links of records of a register (`measure_control`, `document_control`) by
    /// record id, each list in the order every read shows it.
    pub(crate) async fn control_links(
        &self,
        table: &str,
        id_column: &str,
        ids: &[&String],
    ) -> Result<std::collections::HashMap<String, Vec<crate::domain::catalog::ControlRef>>> {
        let mut out: std::collections::HashMap<String, Vec<crate::domain::catalog::ControlRef>> =
            std::collections::HashMap::new();
        if ids.is_empty() {
            return Ok(out);
        }
        let mut sql = Sql::new(&format!(
            "select {id_column}, framework_id, control_id from {table} where {id_column} in "
        ));
        sql.push_in(ids.iter().copied());
        let rows: Vec<(String, String, String)> = on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, (String, String, String)>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        for (record, framework, id) in rows {
            out.entry(record)
                .or_default()
                .push(crate::domain::catalog::ControlRef { framework, id });
        }
        for refs in out.values_mut() {
            crate::domain::catalog::sort_control_refs(refs);
        }
        Ok(out)
    }
}
