//! Text search over the registers: a "contains" search over columns, and over the asset and
//! risk registers' text indexes (SQLite's trigram index, PostgreSQL's pg_trgm).

use super::{Arg, SortKey, Sql, Store};
use crate::config::Backend;
use sqlx::PgPool;

impl Sql {
    /// Appends a case-insensitive "contains" search over columns (`%` and `_` in the text are
    /// literal). SQLite's LIKE ignores case already (and `lower()` would cost a copy of every
    /// value); PostgreSQL's ILIKE does.
    pub fn push_text_search(&mut self, columns: &[&str], q: &str, backend: Backend) -> &mut Self {
        let escaped = q
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let like = format!("%{escaped}%");
        let op = match backend {
            Backend::Sqlite => "like",
            Backend::Postgres => "ilike",
        };
        let terms: Vec<String> = columns
            .iter()
            .map(|c| format!("{c} {op} ? escape '\\'"))
            .collect();
        self.push(
            &format!(" and ({})", terms.join(" or ")),
            columns.iter().map(|_| Arg::Text(like.clone())),
        )
    }
}

impl Sql {
    /// Appends a case-insensitive "contains" search over the columns of a register with a
    /// text index: on SQLite, the trigram index `fts` (rows of `alias`) for three characters
    /// or more; on PostgreSQL, one ILIKE over the columns joined (the expression that
    /// `prepare_text_search` indexes with pg_trgm).
    ///
    /// `many` says the search matches many rows (more than `WALK_ABOVE`): a page is
    /// then found sooner by walking the sort's index and checking each row than by reading
    /// every match from the text index and sorting them all (a word shared by 70,000 of a
    /// million names took 270 ms that way on SQLite). On SQLite the text index is kept out of
    /// the plan by searching `+rowid`, whose matches are still listed once from the index.
    pub fn push_indexed_text_search(
        &mut self,
        alias: &str,
        fts: &str,
        columns: &[&str],
        q: &str,
        backend: Backend,
        many: bool,
    ) -> &mut Self {
        match backend {
            Backend::Sqlite if q.trim().chars().count() >= 3 => {
                let phrase = fts_phrase(q);
                let rowid = if many { "+" } else { "" };
                self.push(
                    &format!(
                        " and {rowid}{alias}.rowid in (select rowid from {fts} where {fts} match ?)"
                    ),
                    [Arg::Text(phrase)],
                )
            }
            Backend::Sqlite => self.push_text_search(columns, q, backend),
            // PostgreSQL's planner knows from pg_trgm how many rows a pattern matches, and
            // walks the sort's index by itself when they are many.
            Backend::Postgres => {
                let joined = text_expression(columns);
                self.push_text_search(&[joined.as_str()], q, backend)
            }
        }
    }
}

/// Rows of a page's order that a text search of many matches checks one by one before it
/// reads every match (see [`Store::text_search_page`]).
pub(crate) const TEXT_WALK: i64 = 4_000;

/// A text search of a register with a text index: its table's alias, the columns searched
/// (`x.` standing for the table) and the text.
pub(crate) struct TextSearch<'a> {
    pub alias: &'a str,
    pub columns: &'a [&'static str],
    pub q: &'a str,
}

impl Store {
    /// The rows of a page of a register with a text index: `columns` of `from` (`from asset
    /// a`) that its filters select (`filters` pushes them on a `where`, with the text search
    /// or, when told `false`, without it), in `order` after the cursor, and one row more (as
    /// `push_keyset`). `text` is the search when it matches many (see `text_search_page`).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn filtered_rows<R: super::page::AnyRow>(
        &self,
        columns: &str,
        from: &str,
        text: Option<TextSearch<'_>>,
        filters: impl Fn(&mut Sql, bool),
        order: (&[SortKey], bool),
        cursor: Option<&str>,
        limit: i64,
    ) -> crate::error::Result<Vec<R>> {
        let mut all = Sql::new(&format!("{from} where 1 = 1"));
        filters(&mut all, true);
        if let Some(search) = text {
            let mut others = Sql::new(&format!("{from} where 1 = 1"));
            filters(&mut others, false);
            return self
                .text_search_page(columns, &others, &all, search, order, cursor, limit)
                .await;
        }
        let mut sql = Sql {
            text: format!("select {columns} {}", all.text),
            args: all.args,
        };
        sql.push_keyset(order.0, order.1, cursor, limit)?;
        self.fetch_sql(&sql).await
    }

    /// A page of a text search of many matches (`push_indexed_text_search(…, many)`): `columns`
    /// of the rows `all` selects (`from … where …` with every filter), in `order` after the
    /// cursor, and one row more (as `push_keyset`).
    ///
    /// The page is first looked for among the next `TEXT_WALK` rows of the order that pass
    /// the other filters (`others`), each checked with LIKE. Where the matches are spread
    /// through the order (a threat named in 2% of a million risks) it is there, in a few
    /// milliseconds; reading the 20,000 matches first took 15. Where they start later (a word
    /// a tenth of the names share, which sorts late: 785,000 names before the first), every
    /// match is read and sorted: on SQLite by walking the order and checking each row against
    /// the text index's matches (100 ms at a million assets); on PostgreSQL from its text
    /// index, kept apart from the order (walking the order took it 1.1 s there).
    #[allow(clippy::too_many_arguments)]
    async fn text_search_page<R>(
        &self,
        columns: &str,
        others: &Sql,
        all: &Sql,
        search: TextSearch<'_>,
        order: (&[SortKey], bool),
        cursor: Option<&str>,
        limit: i64,
    ) -> crate::error::Result<Vec<R>>
    where
        R: super::page::AnyRow,
    {
        let (keys, desc) = order;
        let alias = search.alias;
        let backend = self.backend();
        // SQLite's LIKE folds the case of ASCII letters only, its text index that of every
        // script: a search in Greek or Czech letters reads the text index there.
        if backend == Backend::Postgres || search.q.is_ascii() {
            let mut inner = Sql {
                text: format!("select * {}", others.text),
                args: others.args.clone(),
            };
            inner.push_keyset(keys, desc, cursor, TEXT_WALK - 1)?;
            let mut walk = Sql {
                text: format!("select {columns} from ({}) {alias} where 1 = 1", inner.text),
                args: inner.args,
            };
            let searched: Vec<String> = search
                .columns
                .iter()
                .map(|c| c.replace("x.", &format!("{alias}.")))
                .collect();
            let mut searched: Vec<&str> = searched.iter().map(String::as_str).collect();
            // PostgreSQL's search is one ILIKE over the columns joined, as its index's.
            let joined = text_expression(&searched);
            if backend == Backend::Postgres {
                searched = vec![joined.as_str()];
            }
            walk.push_text_search(&searched, search.q, backend);
            walk.push_keyset(keys, desc, None, limit)?;
            let rows: Vec<R> = self.fetch_sql(&walk).await?;
            if rows.len() as i64 > limit {
                return Ok(rows);
            }
        }
        let mut sql = match backend {
            Backend::Sqlite => Sql {
                text: format!("select {columns} {}", all.text),
                args: all.args.clone(),
            },
            Backend::Postgres => Sql {
                text: format!(
                    "with m as materialized (select * {}) select {columns} from m {alias} where 1 = 1",
                    all.text
                ),
                args: all.args.clone(),
            },
        };
        sql.push_keyset(keys, desc, cursor, limit)?;
        self.fetch_sql(&sql).await
    }
}

/// What a search for `q` alone counts (`select 1 from … where …`), when the text index answers
/// it without the register's table: SQLite's trigram index, for three characters or more.
pub(crate) fn text_index_count(fts: &str, q: &str, backend: Backend) -> Option<Sql> {
    match backend {
        Backend::Sqlite if q.trim().chars().count() >= 3 => {
            let mut sql = Sql::new(&format!("select 1 from {fts} where 1 = 1"));
            sql.push(&format!(" and {fts} match ?"), [Arg::Text(fts_phrase(q))]);
            Some(sql)
        }
        _ => None,
    }
}

/// `q` as one phrase of an FTS5 query (a run of characters anywhere in the text).
fn fts_phrase(q: &str) -> String {
    format!("\"{}\"", q.trim().replace('"', "\"\""))
}

/// The columns of a register's text search joined into one expression (PostgreSQL).
fn text_expression(columns: &[&str]) -> String {
    format!("({})", columns.join(" || ' ' || "))
}

/// On PostgreSQL, indexes the registers' text-search expressions with pg_trgm when the
/// extension can be created (it ships with PostgreSQL; creating it needs the database owner).
/// Without it the search still works, by a scan. Nothing to do on SQLite (see migration 8).
pub(super) async fn prepare_text_search(pool: &PgPool) {
    let indexes = [
        ("asset_text_trgm_idx", "asset", ASSET_TEXT),
        ("risk_text_trgm_idx", "risk", RISK_TEXT),
    ];
    let ready = sqlx::query("create extension if not exists pg_trgm")
        .execute(pool)
        .await;
    if let Err(e) = ready {
        tracing::warn!(error = %e, "pg_trgm is not available: text search of large registers scans");
        return;
    }
    for (name, table, columns) in indexes {
        let columns: Vec<&str> = columns.iter().map(|c| c.trim_start_matches("x.")).collect();
        let sql = format!(
            "create index if not exists {name} on {table} using gin ({} gin_trgm_ops)",
            text_expression(&columns)
        );
        if let Err(e) = sqlx::query(&sql).execute(pool).await {
            tracing::warn!(error = %e, index = name, "could not create a text-search index");
        }
    }
}

/// The columns the asset and risk registers' text filter reads (`x.` stands for the table).
pub(crate) const ASSET_TEXT: [&str; 3] = ["x.asset_id", "x.name", "x.description"];
pub(crate) const RISK_TEXT: [&str; 3] = ["x.risk_id", "x.title", "x.threat"];
