//! A register's keyset page: counted (or told its total), read after its cursor in its sort's
//! order, with the next cursor from its last row.

/// A row read from either database.
pub(crate) trait AnyRow:
    Send
    + Unpin
    + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
    + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
{
}

impl<R> AnyRow for R where
    R: Send
        + Unpin
        + for<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow>
        + for<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow>
{
}

use super::{COUNT_CAP, SortKey, Sql, Store, bind_once, cursor_of, on_pool, pool_query};
use crate::error::Result;

impl Store {
    /// One page of a register: the rows `from_where` selects (`from … where …`, counted up to
    /// `COUNT_CAP` unless the caller knows how many: `known_total`), `columns` read as `R` after
    /// the cursor in the order of `keys` (ending in the record's id), made into items; the next
    /// cursor holds the last item's `key_of`.
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn keyset_page<R, T>(
        &self,
        columns: &str,
        from_where: Sql,
        keys: &[SortKey],
        cursor: Option<&str>,
        limit: i64,
        known_total: Option<i64>,
        item: impl FnMut(R) -> T,
        key_of: impl Fn(&T) -> Vec<serde_json::Value>,
    ) -> Result<crate::domain::query::Page<T>>
    where
        R: AnyRow,
    {
        let order = (keys, false);
        self.keyset_page_ordered(
            columns,
            from_where,
            order,
            cursor,
            limit,
            known_total,
            item,
            key_of,
        )
        .await
    }

    /// As [`Store::keyset_page`], in the keys' order or (`order.1`) the reverse (newest first).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn keyset_page_ordered<R, T>(
        &self,
        columns: &str,
        from_where: Sql,
        order: (&[SortKey], bool),
        cursor: Option<&str>,
        limit: i64,
        known_total: Option<i64>,
        item: impl FnMut(R) -> T,
        key_of: impl Fn(&T) -> Vec<serde_json::Value>,
    ) -> Result<crate::domain::query::Page<T>>
    where
        R: AnyRow,
    {
        let (keys, desc) = order;
        let limit = limit.clamp(1, 500);
        let mut sql = Sql {
            text: format!("select {columns} {}", from_where.text),
            args: from_where.args.clone(),
        };
        sql.push_keyset(keys, desc, cursor, limit)?;
        let rows: Vec<R> = on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, R>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        let more = rows.len() as i64 > limit;
        // A first page that holds every row is its own count (most registers fit one page).
        let (total, total_capped) = match known_total {
            Some(n) => (n, false),
            None if cursor.is_none_or(str::is_empty) && !more => (rows.len() as i64, false),
            None => self.capped_count(&from_where).await?,
        };
        let items: Vec<T> = rows.into_iter().take(limit as usize).map(item).collect();
        let next_cursor = if more {
            items.last().map(|i| cursor_of(key_of(i)))
        } else {
            None
        };
        Ok(crate::domain::query::Page {
            items,
            total,
            total_capped,
            next_cursor,
        })
    }
}

impl Store {
    /// Counts the rows a `from … where …` clause selects, up to `COUNT_CAP` (and whether it capped).
    pub(crate) async fn capped_count(&self, from_where: &Sql) -> Result<(i64, bool)> {
        let select = Sql {
            text: format!("select 1 {}", from_where.text),
            args: from_where.args.clone(),
        };
        self.capped_count_of(&select, COUNT_CAP).await
    }

    /// Counts the rows a `select …` yields, up to `cap` (and whether it capped).
    pub(crate) async fn capped_count_of(&self, select: &Sql, cap: i64) -> Result<(i64, bool)> {
        let text = format!(
            "select count(*) from ({} limit {}) capped",
            select.text,
            cap + 1
        );
        let (n,): (i64,) = on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, (i64,)>(&text),
            &select.args
        )
        .fetch_one(c)
        .await)?;
        Ok((n.min(cap), n > cap))
    }

    /// How many rows a register's table holds, exactly: its unfiltered list's total, read from
    /// `register_count` (kept by triggers; the asset and risk registers).
    pub(crate) async fn register_count(&self, table: &str) -> Result<i64> {
        let (n,): (i64,) = pool_query!(
            self,
            fetch_one,
            (i64,),
            "select n from register_count where table_name = $1",
            table
        )?;
        Ok(n)
    }

    /// Every row a query built at run time selects.
    pub(crate) async fn fetch_sql<R>(&self, sql: &Sql) -> Result<Vec<R>>
    where
        R: AnyRow,
    {
        Ok(on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, R>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?)
    }
}
