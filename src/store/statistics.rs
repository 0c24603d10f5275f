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
