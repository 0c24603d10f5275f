//! Schema migrations, embedded in the binary (one folder per backend) and applied at start-up.
//! Before a migration touches an existing SQLite database, the file is copied to the backups
//! folder, so that an upgrade can always be undone by putting the copy back.

use crate::domain::clock::Clock;
use anyhow::Context;
use sqlx::migrate::{Migration, MigrationType, Migrator};
use sqlx::{PgPool, SqlitePool};
use std::borrow::Cow;
use std::path::Path;

// (version, description, SQL) for each backend, in order: `SQLITE` and `POSTGRES`, made by
// build.rs from the files in migrations/.
include!(concat!(env!("OUT_DIR"), "/migrations.rs"));

fn migrator(list: &'static [(i64, &'static str, &'static str)]) -> Migrator {
    let migrations: Vec<Migration> = list
        .iter()
        .map(|(v, d, sql)| {
            Migration::new(
                *v,
                Cow::Borrowed(*d),
                MigrationType::Simple,
                Cow::Borrowed(*sql),
                false,
            )
        })
        .collect();
    Migrator {
        migrations: Cow::Owned(migrations),
        ..Migrator::DEFAULT
    }
}

/// The migrations of `list` not yet applied, by version, and whether the database holds tables.
async fn pending_sqlite(
    pool: &SqlitePool,
    list: &[(i64, &str, &str)],
) -> anyhow::Result<(Vec<i64>, bool)> {
    let has_table: Option<(String,)> = sqlx::query_as(
        "select name from sqlite_master where type = 'table' and name = '_sqlx_migrations'",
    )
    .fetch_optional(pool)
    .await?;
    let applied: Vec<(i64,)> = if has_table.is_some() {
        sqlx::query_as("select version from _sqlx_migrations where success")
            .fetch_all(pool)
            .await?
    } else {
        Vec::new()
    };
    let tables: (i64,) = sqlx::query_as("select count(*) from sqlite_master where type = 'table'")
        .fetch_one(pool)
        .await?;
    let pending = list
        .iter()
        .map(|m| m.0)
        .filter(|v| !applied.iter().any(|(a,)| a == v))
        .collect();
    Ok((pending, tables.0 > 0))
}

pub async fn run_sqlite(
    pool: &SqlitePool,
    path: &Path,
    backups: &Path,
    clock: &Clock,
) -> anyhow::Result<()> {
    run_sqlite_list(pool, SQLITE, path, backups, clock).await
}

async fn run_sqlite_list(
    pool: &SqlitePool,
    list: &'static [(i64, &'static str, &'static str)],
    path: &Path,
    backups: &Path,
    clock: &Clock,
) -> anyhow::Result<()> {
    let (pending, has_data) = pending_sqlite(pool, list).await?;
    if pending.is_empty() {
        return Ok(());
    }
    if has_data {
        std::fs::create_dir_all(backups)
            .with_context(|| format!("creating the backups folder {}", backups.display()))?;
        let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("annex");
        let when = crate::domain::clock::stamp(clock.now()).replace([':', '.'], "-");
        let target = backups.join(format!("{stem}-{when}-before-migration-{}.db", pending[0]));
        // VACUUM INTO writes a consistent copy even while the WAL holds recent pages.
        sqlx::query("vacuum into $1")
            .bind(target.to_string_lossy().to_string())
            .execute(pool)
            .await
            .with_context(|| format!("backing up the database to {}", target.display()))?;
        tracing::info!(backup = %target.display(), "copied the database before applying migrations");
    }
    migrator(list)
        .run(pool)
        .await
        .context("applying database migrations (SQLite)")?;
    Ok(())
}

pub async fn run_postgres(pool: &PgPool) -> anyhow::Result<()> {
    migrator(POSTGRES)
        .run(pool)
        .await
        .context("applying database migrations (PostgreSQL)")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const V1: &[(i64, &str, &str)] =
        &[(1, "one", "create table thing (thing_id text primary key);")];
    const V2: &[(i64, &str, &str)] = &[
        (1, "one", "create table thing (thing_id text primary key);"),
        (2, "two", "alter table thing add column name text;"),
    ];

    #[tokio::test]
    async fn an_existing_database_is_copied_to_backups_before_a_migration() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("annex.db");
        let backups = dir.path().join("backups");
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = SqlitePool::connect_with(opts).await.unwrap();
        let clock = Clock::system();
        run_sqlite_list(&pool, V1, &path, &backups, &clock)
            .await
            .unwrap();
        assert!(!backups.exists(), "a new database needs no backup");
        sqlx::query("insert into thing (thing_id) values ('kept')")
            .execute(&pool)
            .await
            .unwrap();
        run_sqlite_list(&pool, V1, &path, &backups, &clock)
            .await
            .unwrap();
        assert!(!backups.exists(), "nothing pending, nothing copied");
        run_sqlite_list(&pool, V2, &path, &backups, &clock)
            .await
            .unwrap();
        let copies: Vec<_> = std::fs::read_dir(&backups)
            .unwrap()
            .map(|e| e.unwrap().path())
            .collect();
        assert_eq!(copies.len(), 1);
        assert!(copies[0].to_string_lossy().contains("before-migration-2"));
        let old = SqlitePool::connect_with(
            sqlx::sqlite::SqliteConnectOptions::new().filename(&copies[0]),
        )
        .await
        .unwrap();
        let (n,): (i64,) = sqlx::query_as("select count(*) from thing where thing_id = 'kept'")
            .fetch_one(&old)
            .await
            .unwrap();
        assert_eq!(n, 1, "the copy holds the data as it was");
        assert!(
            sqlx::query("select name from thing")
                .fetch_all(&old)
                .await
                .is_err(),
            "the copy has the old schema"
        );
    }
}
