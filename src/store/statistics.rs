//! The query planner's statistics: refreshed after large writes, one refresh at a time.

use super::{Pool, Store};
use crate::error::Result;

/// The refreshes of the planner's statistics: the one running, and whether another waits.
#[derive(Debug, Default)]
pub(super) struct Statistics {
    running: tokio::sync::Mutex<()>,
    queued: std::sync::atomic::AtomicBool,
}

/// Brings the query planner's statistics up to date, so that it picks the right index for
/// combined filters. SQLite keeps none by itself: `optimize` analyses the tables that changed
/// much since their last analysis (exactly: sampled statistics mislead it). PostgreSQL's
/// autovacuum would catch up later; after a large import it is asked now.
pub(crate) async fn refresh_statistics(pool: &Pool) -> Result<()> {
    match pool {
        Pool::Sqlite(p) => {
            sqlx::query("pragma optimize = 0x10002").execute(p).await?;
        }
        Pool::Postgres(p) => {
            sqlx::query("analyze asset, asset_tag, asset_dependency, measure, measure_control, risk, risk_asset, risk_measure, person, acknowledgement, training_completion, checklist_step")
                .execute(p)
                .await?;
        }
    }
    Ok(())
}

impl Store {
    /// Refreshes the planner's statistics now (a batch command before it exits), after any
    /// refresh already running.
    pub async fn refresh_statistics(&self) -> Result<()> {
        let _one = self.statistics.running.lock().await;
        refresh_statistics(&self.pool).await
    }

    /// After a load that no one has read yet (`annex demo`'s assets, before its risks): the
    /// statistics are refreshed (on SQLite in the background), and on PostgreSQL `vacuum`
    /// marks the tables' pages as visible to every transaction. The next import's checks of
    /// its keys (do the risks' assets exist?) then read the key's index alone: otherwise each
    /// batch of 2,000 risks also reads the pages of its 2,600 assets, to see whether they
    /// were committed (180 ms for one batch at a million assets). With the import's own
    /// statistics left to the demo, `demo --size huge` took 156 s instead of 200.
    pub async fn vacuum_after_load(&self, tables: &'static [&'static str]) -> Result<()> {
        let Pool::Postgres(p) = &self.pool else {
            // SQLite reads its rows from the key's index alone: the analysis can run meanwhile.
            self.refresh_statistics_soon();
            return Ok(());
        };
        let _one = self.statistics.running.lock().await;
        sqlx::query(&format!("vacuum (analyze) {}", tables.join(", ")))
            .execute(p)
            .await?;
        Ok(())
    }

    /// Refreshes the planner's statistics in the background after a large write: the
    /// import answers at once; a command that exits first leaves it to the next start.
    ///
    /// One refresh runs at a time, and of those asked for while one runs, one follows it:
    /// SQLite then analyses only the tables that changed since. `annex demo --size huge` ran
    /// its imports' analyses of a million rows side by side: 124 s, and 112 s one at a time.
    pub(crate) fn refresh_statistics_soon(&self) {
        use std::sync::atomic::Ordering;
        if self.statistics.queued.swap(true, Ordering::AcqRel) {
            return;
        }
        let pool = self.pool.clone();
        let statistics = self.statistics.clone();
        tokio::spawn(async move {
            let _one = statistics.running.lock().await;
            // What is written from now on asks for a refresh of its own.
            statistics.queued.store(false, Ordering::Release);
            if let Err(e) = refresh_statistics(&pool).await {
                tracing::warn!(error = %e, "refreshing the query planner's statistics failed");
            }
        });
    }
}
