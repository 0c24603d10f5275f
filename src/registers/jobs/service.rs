//! The scheduler: the jobs Annex runs by itself, each taken by one instance at a time (a
//! lease in the database), run when due, and planned again from when it ended — so a restart
//! or downtime catches up with one run, never one per missed slot, and several `annex serve`
//! instances sharing a database run each job once. What a job sends is keyed in the outbox,
//! so a job run again after a crash sends nothing twice.

use super::domain::{Every, Job, JobSpec, local_day};
use crate::domain::clock::stamp;
use crate::domain::user::ADMIN;
use crate::error::{Error, Result};
use crate::service::Ctx;

/// Every job, in the order a tick runs them (what queues messages before what sends them).
pub const JOBS: &[JobSpec] = &[
    JobSpec {
        name: "digests",
        label: "Queue each person's digest of their tasks",
        every: Every::DigestHour,
        lease_minutes: 15,
    },
    JobSpec {
        name: "escalations",
        label: "Tell managers about tasks overdue for too long",
        every: Every::DigestHour,
        lease_minutes: 15,
    },
    JobSpec {
        name: "staff-reminders",
        label: "Remind the staff directory's people of documents to acknowledge and training to complete",
        every: Every::DigestHour,
        lease_minutes: 15,
    },
    JobSpec {
        name: "deadlines",
        label: "Warn of incident notifications due within 24 hours",
        every: Every::Minutes(15),
        lease_minutes: 10,
    },
    JobSpec {
        name: "stale-hosts",
        label: "Tell admins about hosts that stopped reporting",
        every: Every::Minutes(60),
        lease_minutes: 10,
    },
    JobSpec {
        name: "indicators",
        label: "Measure the computed indicators of the current period",
        every: Every::Minutes(60),
        lease_minutes: 15,
    },
    JobSpec {
        name: "uploads",
        label: "Remove spreadsheet uploads left unreviewed for a day",
        every: Every::Minutes(1440),
        lease_minutes: 10,
    },
    JobSpec {
        name: "outbox",
        label: "Send the messages in the outbox",
        every: Every::Minutes(1),
        lease_minutes: 5,
    },
];

fn spec(name: &str) -> Result<&'static JobSpec> {
    JOBS.iter().find(|j| j.name == name).ok_or_else(|| {
        let all: Vec<&str> = JOBS.iter().map(|j| j.name).collect();
        Error::NotFound(format!("a job {name} (the jobs are {})", all.join(", ")))
    })
}

/// Runs one job's work; answers what it did, in words.
async fn work(ctx: &Ctx, job: &JobSpec, instance: &str, zone: &str) -> Result<String> {
    use crate::domain::words::count;
    let now = ctx.clock().now();
    let day = local_day(now, zone);
    Ok(match job.name {
        "digests" => {
            let n = crate::registers::notify::service::queue_digests(ctx, &day).await?;
            format!("{} queued for {day}", count(n, "digest", "digests"))
        }
        "escalations" => {
            let n = crate::registers::notify::service::queue_escalations(ctx, &day).await?;
            format!("{} queued", count(n, "escalation", "escalations"))
        }
        "staff-reminders" => {
            let n = crate::registers::notify::service_owed::queue_owed(ctx, &day).await?;
            format!("{} queued", count(n, "reminder", "reminders"))
        }
        "deadlines" => {
            let n = crate::registers::notify::service::queue_deadlines(ctx).await?;
            format!(
                "{} queued",
                count(n, "deadline warning", "deadline warnings")
            )
        }
        "stale-hosts" => {
            let n = crate::registers::notify::service::queue_stale_hosts(ctx).await?;
            format!("{} queued", count(n, "message", "messages"))
        }
        "indicators" => {
            let done = crate::registers::objective::service::snapshot_due(ctx).await?;
            format!("{} measured", count(done.len(), "indicator", "indicators"))
        }
        "uploads" => {
            let n = crate::registers::imports::service::purge(ctx).await?;
            format!("{} removed", count(n as usize, "upload", "uploads"))
        }
        "outbox" => {
            let d = crate::registers::notify::service::deliver(ctx, instance).await?;
            if ctx.mailer().is_none() {
                format!(
                    "{} sent to webhooks; e-mail is not set up: messages wait",
                    d.sent
                )
            } else {
                format!(
                    "{} sent, {} to try again, {} given up",
                    d.sent, d.retried, d.given_up
                )
            }
        }
        other => return Err(Error::NotFound(format!("a job {other}"))),
    })
}

/// What a tick did: each job it ran, with its outcome or error.
pub type Ran = Vec<(String, std::result::Result<String, String>)>;

/// One pass of the scheduler as `instance` (Annex itself): adds jobs a database never ran,
/// then takes and runs every job that is due and free. Called every 30 seconds by `annex
/// serve`, and by tests with a clock they move.
#[tracing::instrument(name = "jobs.tick", skip_all, fields(instance = %instance))]
pub async fn tick(ctx: &Ctx, instance: &str) -> Result<Ran> {
    ctx.require(ADMIN)?;
    let store = ctx.store();
    let zone = store.time_zone().await?;
    let policy = store.notification_policy().await?;
    let now = ctx.clock().now();
    // A read each tick; a write only for a job this database never ran.
    let known = store.jobs().await?;
    for j in JOBS.iter().filter(|j| !known.iter().any(|r| r.0 == j.name)) {
        store
            .ensure_job(j.name, &stamp(j.first_run(now, &zone, policy.digest_hour)))
            .await?;
    }
    let mut ran = Vec::new();
    for j in JOBS {
        if let Some(result) = take_and_run(ctx, j, instance, &zone, policy.digest_hour).await? {
            ran.push((j.name.to_string(), result));
        }
    }
    Ok(ran)
}

/// Takes the job when it is due and free, runs it and plans its next run; `None` when it
/// was not due or another instance holds it.
async fn take_and_run(
    ctx: &Ctx,
    j: &JobSpec,
    instance: &str,
    zone: &str,
    digest_hour: u8,
) -> Result<Option<std::result::Result<String, String>>> {
    let store = ctx.store();
    let now = ctx.clock().now();
    let until = stamp(now + time::Duration::minutes(j.lease_minutes));
    if !store
        .take_job(j.name, instance, &stamp(now), &until)
        .await?
    {
        return Ok(None);
    }
    let result = crate::domain::clock::in_zone(zone, work(ctx, j, instance, zone)).await;
    let ended = ctx.clock().now();
    let next = stamp(j.next_after(ended, zone, digest_hour));
    let (outcome, error) = match &result {
        Ok(o) => (o.clone(), String::new()),
        Err(e) => {
            tracing::warn!(job = j.name, error = %e, "a scheduled job failed");
            (String::new(), e.to_string())
        }
    };
    store
        .end_job(j.name, instance, &stamp(ended), &outcome, &error, &next)
        .await?;
    Ok(Some(result.map_err(|e| e.to_string())))
}

/// Runs one job now as `instance` (the command line), when no other instance holds it.
#[tracing::instrument(name = "jobs.tick_one", skip_all, fields(instance = %instance, name = %name))]
pub async fn tick_one(
    ctx: &Ctx,
    name: &str,
    instance: &str,
) -> Result<Option<std::result::Result<String, String>>> {
    ctx.require(ADMIN)?;
    let j = spec(name)?;
    let zone = ctx.store().time_zone().await?;
    let policy = ctx.store().notification_policy().await?;
    take_and_run(ctx, j, instance, &zone, policy.digest_hour).await
}

/// Every job with its last and next run (admins).
#[tracing::instrument(name = "jobs.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(ctx: &Ctx) -> Result<Vec<Job>> {
    ctx.require(ADMIN)?;
    let store = ctx.store();
    let policy = store.notification_policy().await?;
    let rows = store.jobs().await?;
    let now = ctx.now();
    Ok(JOBS
        .iter()
        .map(|j| {
            let row = rows.iter().find(|r| r.0 == j.name);
            Job {
                name: j.name.to_string(),
                label: j.label.to_string(),
                schedule: j.schedule(policy.digest_hour),
                next_run_at: row.map(|r| r.1.clone()).unwrap_or_else(|| now.clone()),
                last_started_at: row.and_then(|r| r.2.clone()),
                last_finished_at: row.and_then(|r| r.3.clone()),
                last_outcome: row.map(|r| r.4.clone()).unwrap_or_default(),
                last_error: row.map(|r| r.5.clone()).unwrap_or_default(),
                runs: row.map(|r| r.6).unwrap_or(0),
                failures: row.map(|r| r.7).unwrap_or(0),
                running_on: row
                    .filter(|r| r.9.as_deref().is_some_and(|u| u > now.as_str()))
                    .and_then(|r| r.8.clone()),
            }
        })
        .collect())
}

/// Makes a job due now (admins): the next tick of any instance runs it.
#[tracing::instrument(name = "jobs.run_now", skip_all, fields(actor = %ctx.who(), name = %name))]
pub async fn run_soon(ctx: &Ctx, name: &str) -> Result<Job> {
    ctx.require(ADMIN)?;
    let j = spec(name)?;
    let now = ctx.now();
    ctx.store().ensure_job(j.name, &now).await?;
    ctx.store().job_due(j.name, &now).await?;
    let mut tx = ctx.write().await?;
    tx.audit(
        ctx.change("jobs.run", "job", j.name)
            .after(serde_json::json!({ "next_run_at": now })),
    )
    .await?;
    tx.commit().await?;
    list(ctx)
        .await?
        .into_iter()
        .find(|x| x.name == j.name)
        .ok_or_else(|| Error::NotFound(format!("a job {name}")))
}

/// A name for this process among instances: host, process id and a random part.
pub fn instance_name() -> String {
    let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "annex".into());
    format!(
        "{host}:{}:{}",
        std::process::id(),
        crate::domain::user::new_short_id()
    )
}
