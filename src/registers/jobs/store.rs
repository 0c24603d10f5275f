//! The scheduler's jobs in the store. A job is taken by one instance at a time with a lease:
//! a single `update … where` that only succeeds when the job is due and nobody holds it (or
//! the holder's lease ran out), which both databases apply atomically.

use crate::error::Result;
use crate::store::{Store, pool_exec, pool_query};

/// A job's row: name, next run, last started, last finished, outcome, error, runs, failures,
/// lease owner, lease until.
pub type JobRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
    i64,
    Option<String>,
    Option<String>,
);

impl Store {
    /// Adds the job unless it is there, to run first at `first`.
    pub async fn ensure_job(&self, name: &str, first: &str) -> Result<()> {
        pool_exec!(
            self,
            "insert into scheduled_job (name, next_run_at) values ($1, $2) on conflict (name) do nothing",
            name,
            first
        )?;
        Ok(())
    }

    /// Takes the job for `owner` until `until` when it is due at `now` and nobody holds it;
    /// answers whether it was taken.
    pub async fn take_job(&self, name: &str, owner: &str, now: &str, until: &str) -> Result<bool> {
        Ok(pool_exec!(
            self,
            "update scheduled_job set lease_owner = $2, lease_until = $3, last_started_at = $4
             where name = $1 and next_run_at <= $4 and (lease_until is null or lease_until < $4)",
            name,
            owner,
            until,
            now
        )? == 1)
    }

    /// Ends `owner`'s run of the job: its outcome or error, and when it runs next.
    #[allow(clippy::too_many_arguments)]
    pub async fn end_job(
        &self,
        name: &str,
        owner: &str,
        finished: &str,
        outcome: &str,
        error: &str,
        next: &str,
    ) -> Result<()> {
        let failed: i64 = if error.is_empty() { 0 } else { 1 };
        pool_exec!(
            self,
            "update scheduled_job set lease_owner = null, lease_until = null, last_finished_at = $3,
                    last_outcome = $4, last_error = $5, next_run_at = $6, runs = runs + 1, failures = failures + $7
             where name = $1 and lease_owner = $2",
            name,
            owner,
            finished,
            outcome,
            error,
            next,
            failed
        )?;
        Ok(())
    }

    /// Every job.
    pub async fn jobs(&self) -> Result<Vec<JobRow>> {
        Ok(pool_query!(
            self,
            fetch_all,
            JobRow,
            "select name, next_run_at, last_started_at, last_finished_at, last_outcome, last_error, runs, failures, lease_owner, lease_until
             from scheduled_job order by name"
        )?)
    }

    /// Makes the job due at `at` (a person asked for a run now).
    pub async fn job_due(&self, name: &str, at: &str) -> Result<bool> {
        Ok(pool_exec!(
            self,
            "update scheduled_job set next_run_at = $2 where name = $1",
            name,
            at
        )? == 1)
    }
}
