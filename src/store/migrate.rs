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

    /// `.cargo/config.toml` builds the bundled SQLite without memory statistics and without
    /// memory management, each a process-wide lock taken on every allocation or page: a build
    /// that lost the setting still works, only slower, so this says so.
    #[tokio::test]
    async fn the_bundled_sqlite_takes_no_process_wide_lock_for_its_memory() {
        let pool = SqlitePool::connect("sqlite::memory:").await.unwrap();
        let options: Vec<(String,)> =
            sqlx::query_as("select compile_options from pragma_compile_options")
                .fetch_all(&pool)
                .await
                .unwrap();
        let options: Vec<String> = options.into_iter().map(|(o,)| o).collect();
        assert!(options.iter().any(|o| o == "ENABLE_FTS5"), "{options:?}");
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
        assert!(
            !options.iter().any(|o| o == "ENABLE_MEMORY_MANAGEMENT"),
            "{options:?}"
        );
    }

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
    // Assessments sent before 0037 each kept a JSON copy of their questionnaire; the migration
    // keeps one copy per distinct text and points every assessment at its own.
    const ASSESSMENTS_BEFORE_0037: &str = "
        insert into supplier (supplier_id, name, name_key, status, updated_at)
            values ('SUP-1', 'Ωμέγα', 'ωμέγα', 'active', 't');
        insert into assessment (assessment_id, supplier_id, questionnaire_key, questionnaire, status,
                                sent_by, sent_at, link_until) values
            ('AS-1', 'SUP-1', 'baseline', '{\"v\":\"一\"}', 'sent', 'x', 't1', 'd'),
            ('AS-2', 'SUP-1', 'baseline', '{\"v\":\"一\"}', 'reviewed', 'x', 't2', 'd'),
            ('AS-3', 'SUP-1', 'cloud', '{\"v\":\"cloud\"}', 'sent', 'x', 't3', 'd'),
            ('AS-4', 'SUP-1', 'baseline', '{\"v\":\"二\"}', 'sent', 'x', 't4', 'd');";
    const AFTER_0037: &str = "select a.assessment_id, c.body from assessment a
        join questionnaire_copy c on c.copy_id = a.questionnaire_copy order by a.assessment_id";
    const COPIES: &str = "select count(*) from questionnaire_copy";

    fn before_0037(list: &'static [(i64, &'static str, &'static str)]) -> Migrator {
        let n = list.iter().take_while(|m| m.0 < 37).count();
        migrator(&list[..n])
    }

    fn expected_after_0037() -> Vec<(String, String)> {
        [
            ("AS-1", r#"{"v":"一"}"#),
            ("AS-2", r#"{"v":"一"}"#),
            ("AS-3", r#"{"v":"cloud"}"#),
            ("AS-4", r#"{"v":"二"}"#),
        ]
        .iter()
        .map(|(a, b)| (a.to_string(), b.to_string()))
        .collect()
    }

    #[tokio::test]
    async fn assessments_sent_before_0037_keep_their_questionnaire_once_per_text() {
        let dir = tempfile::tempdir().unwrap();
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(dir.path().join("annex.db"))
            .create_if_missing(true);
        let pool = SqlitePool::connect_with(opts).await.unwrap();
        before_0037(SQLITE).run(&pool).await.unwrap();
        sqlx::raw_sql(ASSESSMENTS_BEFORE_0037)
            .execute(&pool)
            .await
            .unwrap();
        migrator(SQLITE).run(&pool).await.unwrap();
        let rows: Vec<(String, String)> =
            sqlx::query_as(AFTER_0037).fetch_all(&pool).await.unwrap();
        assert_eq!(rows, expected_after_0037());
        let (copies,): (i64,) = sqlx::query_as(COPIES).fetch_one(&pool).await.unwrap();
        assert_eq!(copies, 3);

        let Some(admin) = std::env::var("ANNEX_TEST_DATABASE_URL")
            .ok()
            .filter(|u| !u.is_empty())
        else {
            eprintln!("note: ANNEX_TEST_DATABASE_URL is not set: the PostgreSQL half SKIPPED");
            return;
        };
        let name = format!("annex_migrate_{}", crate::domain::user::new_short_id());
        let admin_pool = PgPool::connect(&admin).await.unwrap();
        sqlx::raw_sql(&format!("create database {name}"))
            .execute(&admin_pool)
            .await
            .unwrap();
        let base = admin.rsplit_once('/').map(|(b, _)| b).unwrap_or(&admin);
        let pool = PgPool::connect(&format!("{base}/{name}")).await.unwrap();
        let result = async {
            before_0037(POSTGRES).run(&pool).await?;
            sqlx::raw_sql(ASSESSMENTS_BEFORE_0037)
                .execute(&pool)
                .await?;
            run_postgres(&pool).await?;
            let rows: Vec<(String, String)> = sqlx::query_as(AFTER_0037).fetch_all(&pool).await?;
            let (copies,): (i64,) = sqlx::query_as(COPIES).fetch_one(&pool).await?;
            anyhow::Ok((rows, copies))
        }
        .await;
        pool.close().await;
        sqlx::raw_sql(&format!("drop database if exists {name} with (force)"))
            .execute(&admin_pool)
            .await
            .unwrap();
        let (rows, copies) = result.unwrap();
        assert_eq!(rows, expected_after_0037());
        assert_eq!(copies, 3);
    }
}
