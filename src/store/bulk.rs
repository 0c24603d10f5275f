//! A large import's indexes (SQLite). The trigram index of a register's text is kept in step
//! by triggers, and each statement of an import flushed what the index had gathered and merged
//! it into what was there, reading back what it had written: at a million assets, half the
//! import's time. Rows written one batch after another also land all over the register's
//! other indexes (names, owners, types do not come in the file's order).
//!
//! So past `BULK_AFTER` rows, and once the import has written at least a quarter as many rows
//! as the register held, the register's own indexes (not those that keep its keys unique,
//! which the import's reads and checks use), the text index's triggers and those that keep the
//! register's row count (`register_count`) are dropped inside the import's transaction. Before
//! it commits, each index is built again in one sorted pass, the text index from the rows (a
//! million assets: 65 s before, 34–44 s), and the rows are counted.
//!
//! A rollback (a problem found further down, a failed write) puts them back as they were.
//! SQLite's readers keep reading the committed database, indexes included, meanwhile. On
//! PostgreSQL dropping an index locks its table until the import ends, so every page of the
//! register would wait for it: there the indexes are kept, and written row by row, unless
//! the import is told no one reads the register meanwhile (`alone`: `annex demo`, which
//! fills a new store). Then its own indexes (the trigram index among them), foreign keys and
//! counting triggers are dropped as on SQLite, the indexes built at the end with more memory
//! for their sorts (`PG_SORT_MEMORY`), the keys checked there by one join each, and the
//! counts taken again; or, told so (`later`), built after the import commits, on another
//! connection, while the caller writes other tables (`LaterIndexes`).

use super::{Tx, TxInner, tx_exec, tx_query};
use crate::error::Result;

/// Rows an import writes before its indexes may be built at its end instead.
pub(crate) const BULK_AFTER: usize = 50_000;

/// Bytes of text index SQLite gathers in memory before writing them, while it is built again.
const TEXT_HASH: usize = 16 << 20;
/// SQLite's own amount (1 MB), for the row-by-row writes after.
const TEXT_HASH_USUAL: usize = 1 << 20;

/// Pages SQLite keeps in memory for the connection of a large import while it writes its rows
/// (a negative size is in KiB): 32 MB instead of SQLite's 2 MB, so that the rows, their links
/// and their audit entries are written to the log once, not spilled and read back page by
/// page. Put back to SQLite's own size before the indexes are built, whose sorts take as much
/// memory again each.
const CACHE_KIB: i64 = 32 * 1024;
const CACHE_KIB_USUAL: i64 = 2_000;

/// PostgreSQL's memory for building an index again (`maintenance_work_mem`, the server's
/// own memory, for this transaction only): its default, 64 MB, sorts a million rows' entries
/// in several runs on disk.
const PG_SORT_MEMORY: &str = "256MB";

/// What a table's other counting triggers (named `{table}_count_…` too) keep, counted again
/// from its rows: the open risks due for review, by owner and day (`risk_review_count`).
const KEPT_COUNTS: &[(&str, &str)] = &[
    ("risk", "delete from risk_review_count"),
    (
        "risk",
        "insert into risk_review_count (owner_key, due, n) \
         select lower(owner), review_due_on, count(*) from risk \
         where status <> 'closed' and review_due_on is not null \
         group by lower(owner), review_due_on",
    ),
];

/// The indexes of an import's tables, and the statements that build those it dropped (on
/// PostgreSQL only when the import is `alone`, and its foreign keys with them).
pub(crate) struct BulkIndexes {
    tables: &'static [&'static str],
    /// The trigram index of the first table (its triggers are named `{text}_…`).
    text: Option<&'static str>,
    /// The indexes (and the text index's triggers) were dropped, to be built at the end.
    taken: bool,
    /// Rows of the first table besides the import's (counted once it has written many).
    held: Option<usize>,
    written: usize,
    dropped: Vec<String>,
    /// The triggers that keep the register's row count (`register_count`) and its other counts
    /// (`KEPT_COUNTS`) were dropped: they are counted again at the end.
    recount: bool,
    /// No one reads the tables until the import commits: on PostgreSQL too, their indexes
    /// may be dropped (which locks the tables until then).
    alone: bool,
}

impl BulkIndexes {
    /// The indexes of `tables` (the register's table first), and its text index, for the
    /// import writing through `tx`.
    ///
    /// On PostgreSQL the tables are locked against `analyze` until the import ends (reads and
    /// writes go on): an analyze during the import counts its rows, not yet committed, as none
    /// while the table has grown, and the planner then takes the table for empty. The checks
    /// of the import's own foreign keys were planned again on that, as a full read of another
    /// index: `annex demo --size huge` spent ten minutes in its risks' links. After the
    /// import, the analyze it asked for (`refresh_statistics_soon`) counts its rows.
    pub(crate) async fn of(
        tables: &'static [&'static str],
        text: Option<&'static str>,
        tx: &mut Tx,
    ) -> Result<BulkIndexes> {
        if matches!(tx.inner, TxInner::Postgres(_)) && !tx.read_only {
            tx_exec!(
                tx,
                &format!(
                    "lock table {} in share update exclusive mode",
                    tables.join(", ")
                )
            )?;
        }
        Ok(BulkIndexes {
            tables,
            text,
            taken: false,
            held: None,
            written: 0,
            dropped: Vec::new(),
            recount: false,
            alone: false,
        })
    }

    /// The import fills a store no one reads until it commits (`annex demo`): on PostgreSQL,
    /// too, the indexes are built at its end.
    pub(crate) fn alone(&mut self) {
        self.alone = true;
    }

    pub(crate) fn is_alone(&self) -> bool {
        self.alone
    }

    /// Counts the rows a batch wrote (created or changed); drops the tables' indexes once
    /// the import is large.
    pub(crate) async fn wrote(&mut self, tx: &mut Tx, rows: usize) -> Result<()> {
        let sqlite = matches!(tx.inner, TxInner::Sqlite(_));
        if !sqlite && !self.alone {
            return Ok(());
        }
        self.written += rows;
        if self.taken || self.written < BULK_AFTER {
            return Ok(());
        }
        // Counted once, when the import gets large (a small one never pays for it): what the
        // register held besides the rows written (as if they were all new).
        let held = match self.held {
            Some(n) => n,
            None => {
                let (n,): (i64,) = tx_query!(
                    tx,
                    fetch_one,
                    (i64,),
                    &format!("select count(*) from {}", self.tables[0])
                )?;
                let n = usize::try_from(n).unwrap_or(usize::MAX);
                *self.held.insert(n.saturating_sub(self.written))
            }
        };
        if self.written < held / 4 {
            return Ok(());
        }
        self.taken = true;
        let list = quoted(self.tables);
        if !sqlite {
            // The indexes that keep keys unique (primary keys among them) stay, as on SQLite.
            let indexes: Vec<(String, String)> = tx_query!(
                tx,
                fetch_all,
                (String, String),
                &format!(
                    "select indexname::text, indexdef from pg_indexes \
                     where schemaname = current_schema() and tablename in ({list}) \
                     and indexdef not like 'CREATE UNIQUE%' order by indexname"
                )
            )?;
            for (name, sql) in indexes {
                tx_exec!(tx, &format!("drop index \"{name}\""))?;
                self.dropped.push(sql);
            }
            // The tables' foreign keys too: each row written checked its key row by row, and
            // locked the row it points to (which writes to that row's page). Added again at the
            // end, each is checked once, for every row, by one join (and the import fails if a
            // row points nowhere, as it would have row by row).
            let keys = drop_foreign_keys(tx, self.tables, None).await?;
            self.dropped.extend(keys);
            // And the triggers that keep the register's counts: each statement's added to
            // the same few thousand rows of `risk_review_count`, whose versions the
            // transaction kept, and every later statement looked its keys up through them.
            let table = self.tables[0];
            let triggers: Vec<(String, String)> = tx_query!(
                tx,
                fetch_all,
                (String, String),
                &format!(
                    "select tgname::text, pg_get_triggerdef(oid) from pg_trigger \
                     where tgrelid = '{table}'::regclass and not tgisinternal \
                     and tgname like '{table}\\_count\\_%' order by tgname"
                )
            )?;
            for (name, sql) in triggers {
                self.recount = true;
                tx_exec!(tx, &format!("drop trigger \"{name}\" on {table}"))?;
                self.dropped.push(sql);
            }
            return Ok(());
        }
        tx_exec!(tx, &format!("pragma cache_size = -{CACHE_KIB}"))?;
        let indexes: Vec<(String, String)> = tx_query!(
            tx,
            fetch_all,
            (String, String),
            &format!(
                "select name, sql from sqlite_master where type = 'index' and sql is not null \
                 and lower(sql) not like 'create unique%' and tbl_name in ({list}) order by name"
            )
        )?;
        for (name, sql) in indexes {
            tx_exec!(tx, &format!("drop index {name}"))?;
            self.dropped.push(sql);
        }
        // The text index's triggers, and those that keep the register's row count (the count
        // is taken again at the end).
        let table = self.tables[0];
        let mut named = format!("name like '{table}\\_count\\_%' escape '\\'");
        if let Some(text) = self.text {
            named.push_str(&format!(" or name like '{text}\\_%' escape '\\'"));
        }
        let triggers: Vec<(String, String)> = tx_query!(
            tx,
            fetch_all,
            (String, String),
            &format!(
                "select name, sql from sqlite_master where type = 'trigger' \
                 and tbl_name = '{table}' and ({named}) order by name"
            )
        )?;
        for (name, sql) in triggers {
            self.recount |= name.starts_with(&format!("{table}_count_"));
            tx_exec!(tx, &format!("drop trigger {name}"))?;
            self.dropped.push(sql);
        }
        Ok(())
    }

    /// An import that will not commit (a dry run past its checks, rows refused): the
    /// connection's cache is put back to its usual size (the rollback puts back the rest).
    pub(crate) async fn abandon(&mut self, tx: &mut Tx) -> Result<()> {
        if std::mem::take(&mut self.taken) && matches!(tx.inner, TxInner::Sqlite(_)) {
            tx_exec!(tx, &format!("pragma cache_size = -{CACHE_KIB_USUAL}"))?;
        }
        Ok(())
    }

    /// Builds the indexes dropped, before the import commits.
    pub(crate) async fn rebuild(&mut self, tx: &mut Tx) -> Result<()> {
        if !std::mem::take(&mut self.taken) {
            return Ok(());
        }
        if !matches!(tx.inner, TxInner::Sqlite(_)) {
            tx_exec!(
                tx,
                &format!("set local maintenance_work_mem = '{PG_SORT_MEMORY}'")
            )?;
            return self.build(tx).await;
        }
        tx_exec!(tx, &format!("pragma cache_size = -{CACHE_KIB_USUAL}"))?;
        // SQLite sorts an index's entries in its temporary storage, which is kept in memory
        // for statement journals: a million rows' entries would take 100 MB there. It can be
        // moved to files only while the transaction has not used it (else SQLite refuses,
        // and the transaction goes on): then the indexes are sorted in memory.
        let to_files = tx_exec!(tx, "pragma temp_store = file").is_ok();
        // The sorts that build the indexes use the machine's cores (a million assets' eleven
        // indexes: 6.3 s on one core, 4.4 s on two).
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get().min(4));
        tx_exec!(tx, &format!("pragma threads = {cores}"))?;
        let built = self.build(tx).await;
        tx_exec!(tx, "pragma threads = 0")?;
        if to_files && tx_exec!(tx, "pragma temp_store = memory").is_err() {
            tracing::debug!("temporary storage stays in files on this connection");
        }
        built
    }

    /// Alone on PostgreSQL, with its indexes dropped: takes what builds them again, for
    /// [`LaterIndexes::build`] after the import commits, so that the import commits its rows
    /// without them (`annex demo`, which builds its assets' indexes on another connection
    /// while it writes its risks: PostgreSQL sorts on one core there while the rows' writes
    /// leave the other mostly idle).
    pub(crate) fn later(&mut self, tx: &Tx) -> Option<LaterIndexes> {
        if !self.alone || !self.taken || !matches!(tx.inner, TxInner::Postgres(_)) {
            return None;
        }
        self.taken = false;
        Some(LaterIndexes {
            tables: self.tables,
            statements: std::mem::take(&mut self.dropped),
            recount: std::mem::take(&mut self.recount),
        })
    }

    async fn build(&mut self, tx: &mut Tx) -> Result<()> {
        let statements = std::mem::take(&mut self.dropped);
        let recount = std::mem::take(&mut self.recount);
        build_and_count(tx, self.tables[0], statements, recount).await?;
        if let Some(text) = self.text.filter(|_| matches!(tx.inner, TxInner::Sqlite(_))) {
            // Gathered 16 MB at a time (not 1 MB), the text index is written in larger
            // pieces that it merges less often: 2.4 s instead of 6.8 for a million assets.
            tx_exec!(
                tx,
                &format!("insert into {text} ({text}, rank) values ('hashsize', {TEXT_HASH})")
            )?;
            tx_exec!(
                tx,
                &format!("insert into {text} ({text}) values ('rebuild')")
            )?;
            tx_exec!(
                tx,
                &format!(
                    "insert into {text} ({text}, rank) values ('hashsize', {TEXT_HASH_USUAL})"
                )
            )?;
        }
        Ok(())
    }
}

/// `'a', 'b'`: table names for an `in (…)`.
fn quoted(tables: &[&str]) -> String {
    tables
        .iter()
        .map(|t| format!("'{t}'"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Drops the foreign keys of `tables` on PostgreSQL (those to `to` only, when given); answers
/// the statements that add them back, each checked then by one join.
async fn drop_foreign_keys(
    tx: &mut Tx,
    tables: &[&str],
    to: Option<&[&str]>,
) -> Result<Vec<String>> {
    let to = to.map_or(String::new(), |t| {
        format!(" and confrelid::regclass::text in ({})", quoted(t))
    });
    let keys: Vec<(String, String, String)> = tx_query!(
        tx,
        fetch_all,
        (String, String, String),
        &format!(
            "select conrelid::regclass::text, conname::text, pg_get_constraintdef(oid) \
             from pg_constraint where contype = 'f' and connamespace = \
             current_schema()::regnamespace and conrelid::regclass::text in ({}){to} \
             order by 1, 2",
            quoted(tables)
        )
    )?;
    let mut added = Vec::with_capacity(keys.len());
    for (table, name, definition) in keys {
        tx_exec!(
            tx,
            &format!("alter table {table} drop constraint \"{name}\"")
        )?;
        added.push(format!(
            "alter table {table} add constraint \"{name}\" {definition}"
        ));
    }
    Ok(added)
}

/// Runs the statements that build a table's indexes, foreign keys and triggers again, then,
/// when its counting triggers were among them (`recount`), counts what they keep.
async fn build_and_count(
    tx: &mut Tx,
    table: &str,
    statements: Vec<String>,
    recount: bool,
) -> Result<()> {
    for sql in statements {
        tx_exec!(tx, &sql)?;
    }
    if recount {
        tx_exec!(
            tx,
            &format!(
                "update register_count set n = (select count(*) from {table}) \
                 where table_name = '{table}'"
            )
        )?;
        for (_, sql) in KEPT_COUNTS.iter().filter(|(t, _)| *t == table) {
            tx_exec!(tx, sql)?;
        }
    }
    Ok(())
}

/// What an import alone on PostgreSQL left to build after it committed (`BulkIndexes::later`).
/// Until it is built, its tables have only their keys: whoever waits for it (`annex demo`,
/// before it reads them) must not read them by anything else, nor write them.
#[must_use = "the tables lack their indexes until this is built"]
pub(crate) struct LaterIndexes {
    tables: &'static [&'static str],
    statements: Vec<String>,
    recount: bool,
}

impl LaterIndexes {
    /// Drops the foreign keys from `tables` (another register's) to these tables, now, in a
    /// transaction of its own, and adds them back, checked, at the end of the build. An
    /// import of `tables` alone would drop them itself, which locks these tables until it
    /// commits: the build would wait for it. Adding them back waits for the transaction
    /// writing `tables` to end.
    pub(crate) async fn take_references_from(
        &mut self,
        store: &super::Store,
        tables: &[&str],
    ) -> Result<()> {
        let mut tx = store.write().await?;
        let keys = drop_foreign_keys(&mut tx, tables, Some(self.tables)).await?;
        tx.commit().await?;
        // Added back only once they are gone for good.
        self.statements.extend(keys);
        Ok(())
    }

    /// Builds the indexes, foreign keys and triggers, and takes the counts, in one transaction
    /// of its own. Its locks let others read the tables meanwhile; a transaction that adds a
    /// foreign key to them (the risks' links to their assets) waits for it.
    pub(crate) async fn build(self, store: super::Store) -> Result<()> {
        let mut tx = store.write().await?;
        tx_exec!(
            tx,
            &format!("set local maintenance_work_mem = '{PG_SORT_MEMORY}'")
        )?;
        build_and_count(&mut tx, self.tables[0], self.statements, self.recount).await?;
        tx.commit().await
    }
}
