//! The scheduler's jobs: what each does, how often it runs (every few minutes, or daily at
//! the organisation's digest hour in its time zone), and when it runs next.

use serde::Serialize;
use time::OffsetDateTime;

/// How often a job runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Every {
    Minutes(i64),
    /// Daily at the digest hour of the organisation's rules.
    DigestHour,
}

/// A job Annex runs by itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobSpec {
    pub name: &'static str,
    pub label: &'static str,
    pub every: Every,
    /// How long one run may take before another instance may take the job over.
    pub lease_minutes: i64,
}

impl JobSpec {
    pub fn schedule(&self, digest_hour: u8) -> String {
        match self.every {
            Every::Minutes(1) => "every minute".into(),
            Every::Minutes(60) => "every hour".into(),
            Every::Minutes(1440) => "every day".into(),
            Every::Minutes(n) => format!("every {n} minutes"),
            Every::DigestHour => format!("every day at {digest_hour:02}:00"),
        }
    }

    /// When it runs next after a run that ended at `now`.
    pub fn next_after(&self, now: OffsetDateTime, zone: &str, digest_hour: u8) -> OffsetDateTime {
        match self.every {
            Every::Minutes(n) => now + time::Duration::minutes(n.max(1)),
            Every::DigestHour => next_hour(now, zone, digest_hour),
        }
    }

    /// When it first runs on a database that never ran it.
    pub fn first_run(&self, now: OffsetDateTime, zone: &str, digest_hour: u8) -> OffsetDateTime {
        match self.every {
            Every::Minutes(_) => now,
            Every::DigestHour => next_hour(now, zone, digest_hour),
        }
    }
}

/// The next moment strictly after `now` when the clock in `zone` shows `hour`:00.
pub fn next_hour(now: OffsetDateTime, zone: &str, hour: u8) -> OffsetDateTime {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    let Ok(ts) = jiff::Timestamp::from_second(now.unix_timestamp()) else {
        return now + time::Duration::days(1);
    };
    let local = ts.to_zoned(tz.clone());
    let date = local.date();
    for add in 0..3 {
        let Ok(day) = date.checked_add(jiff::Span::new().days(add)) else {
            continue;
        };
        let civil = day.at(i8::try_from(hour.min(23)).unwrap_or(7), 0, 0, 0);
        if let Ok(z) = tz.to_ambiguous_zoned(civil).compatible()
            && z.timestamp() > ts
            && let Ok(t) = OffsetDateTime::from_unix_timestamp(z.timestamp().as_second())
        {
            return t;
        }
    }
    now + time::Duration::days(1)
}

/// The day (`YYYY-MM-DD`) `now` falls on in `zone`.
pub fn local_day(now: OffsetDateTime, zone: &str) -> String {
    let tz = jiff::tz::TimeZone::get(zone).unwrap_or(jiff::tz::TimeZone::UTC);
    match jiff::Timestamp::from_second(now.unix_timestamp()) {
        Ok(ts) => ts.to_zoned(tz).date().to_string(),
        Err(_) => crate::domain::clock::stamp(now)[..10].to_string(),
    }
}

/// A job as stored, with its words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Job {
    pub name: String,
    pub label: String,
    pub schedule: String,
    pub next_run_at: String,
    pub last_started_at: Option<String>,
    pub last_finished_at: Option<String>,
    /// What the last run did, in words ("3 messages sent").
    pub last_outcome: String,
    /// Why the last run failed (empty when it did not).
    pub last_error: String,
    pub runs: i64,
    pub failures: i64,
    /// The instance running it now, if one is.
    pub running_on: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_daily_job_runs_next_at_the_hour_of_the_organisations_zone() {
        let at = |s: &str| crate::domain::clock::parse_stamp(s).unwrap();
        let stamp = |t| crate::domain::clock::stamp(t);
        // 06:30 UTC is 08:30 in Athens (winter): 07:00 Athens is tomorrow, 05:00 UTC.
        assert_eq!(
            stamp(next_hour(at("2026-12-05T06:30:00Z"), "Europe/Athens", 7)),
            "2026-12-06T05:00:00.000000Z"
        );
        assert_eq!(
            stamp(next_hour(at("2026-12-05T04:59:00Z"), "Europe/Athens", 7)),
            "2026-12-05T05:00:00.000000Z"
        );
        assert_eq!(
            stamp(next_hour(at("2026-12-05T07:00:00Z"), "UTC", 7)),
            "2026-12-06T07:00:00.000000Z"
        );
        assert_eq!(
            local_day(at("2026-12-05T23:30:00Z"), "Europe/Athens"),
            "2026-12-06"
        );
    }
}
