//! Hosts in the store: the hosts that report scans with their latest tally and the token each
//! is bound to, their runs and the findings of each run.

use super::domain::{
    CheckResult, HostSummary, RunFinding, RunSummary, STALE_DAYS, ScanFindingInput, pass_rate,
    sort_findings,
};
use crate::domain::clock::stamp;
use crate::error::{Error, Result};
use crate::store::{Arg, Store, Tx, pool_query, tx_exec, tx_query};

type HostRow = (
    String,
    Option<String>,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    String,
    String,
    i64,
);
/// A host's columns with its group's name (`scan_host h`).
const HOST_COLUMNS: &str = "h.host_id, h.token_id, h.first_seen, h.last_seen, h.last_pass, h.last_fail, h.last_not_applicable, h.last_error,
        h.group_key, coalesce((select g.name from host_group g where g.group_key = h.group_key), h.group_key), h.revision";

type RunRow = (
    String,
    String,
    String,
    String,
    i64,
    i64,
    i64,
    i64,
    i64,
    String,
    i64,
);
const RUN_COLUMNS: &str = "run_id, host_id, scanned_at, received_at, duration_ms, pass, fail, not_applicable, error, submitted_by, evidence_filed";

fn run_from(r: RunRow) -> RunSummary {
    RunSummary {
        pass_rate: pass_rate(r.5, r.6),
        run_id: r.0,
        host: r.1,
        scanned_at: r.2,
        received_at: r.3,
        duration_ms: r.4,
        pass: r.5,
        fail: r.6,
        not_applicable: r.7,
        error: r.8,
        submitted_by: r.9,
        evidence_filed: r.10,
    }
}

/// A token's first reports for two hosts at the same moment: the unique index on the token
/// stops the second, which is refused like any report for another host.
fn bound_elsewhere(e: sqlx::Error, token: Option<&str>) -> Error {
    match Error::from(e) {
        Error::Conflict(_) if token.is_some() => {
            Error::Refused("this agent token already reports for another host".into())
        }
        other => other,
    }
}

/// A host's row locked for this write: the token it is bound to (`Some(None)` when it has
/// none), or `None` when the host has never reported.
pub(crate) async fn lock_host(tx: &mut Tx, host: &str) -> Result<Option<Option<String>>> {
    let lock = tx.row_lock();
    let row: Option<(Option<String>,)> = tx_query!(
        tx,
        fetch_optional,
        (Option<String>,),
        &format!("select token_id from scan_host where host_id = $1{lock}"),
        host
    )?;
    Ok(row.map(|(t,)| t))
}

/// The host, other than `host`, that a token is bound to.
pub(crate) async fn host_of_token(tx: &mut Tx, token: &str, host: &str) -> Result<Option<String>> {
    let other: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select host_id from scan_host where token_id = $1 and host_id <> $2",
        token,
        host
    )?;
    Ok(other.map(|(h,)| h))
}

/// Whether an API token still holds (neither revoked nor expired at this write's moment).
pub(crate) async fn token_live(tx: &mut Tx, token: &str) -> Result<bool> {
    let now = tx.now().to_string();
    let live: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select api_token_id from api_token where api_token_id = $1 and revoked_at is null and (expires_at is null or expires_at > $2)",
        token,
        &now
    )?;
    Ok(live.is_some())
}

/// Records the host's latest tally and its token (inserting the host, in the group `first`
/// names, on its first report).
/// A token bound to another host in the meantime is refused by the unique index, like any
/// report for another host.
pub(crate) async fn save_host(
    tx: &mut Tx,
    host: &str,
    token: Option<&str>,
    first: Option<&str>,
    tally: [i64; 4],
) -> Result<()> {
    let now = tx.now().to_string();
    let [pass, fail, not_applicable, error] = tally;
    let written = match first {
        Some(group) => tx_exec!(
            tx,
            "insert into scan_host (host_id, token_id, first_seen, last_seen, last_pass, last_fail, last_not_applicable, last_error, group_key) values ($1, $2, $3, $3, $4, $5, $6, $7, $8)",
            host,
            token,
            &now,
            pass,
            fail,
            not_applicable,
            error,
            group
        ),
        None => tx_exec!(
            tx,
            "update scan_host set token_id = $2, last_seen = $3, last_pass = $4, last_fail = $5, last_not_applicable = $6, last_error = $7 where host_id = $1",
            host,
            token,
            &now,
            pass,
            fail,
            not_applicable,
            error
        ),
    };
    written.map_err(|e| bound_elsewhere(e, token))?;
    Ok(())
}

/// Stores a run and its findings.
pub(crate) async fn insert_run(
    tx: &mut Tx,
    run: &RunSummary,
    findings: &[ScanFindingInput],
) -> Result<()> {
    tx_exec!(
        tx,
        &format!(
            "insert into scan_run ({RUN_COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)"
        ),
        &run.run_id,
        &run.host,
        &run.scanned_at,
        &run.received_at,
        run.duration_ms,
        run.pass,
        run.fail,
        run.not_applicable,
        run.error,
        &run.submitted_by,
        run.evidence_filed
    )?;
    let rows: Vec<Vec<Arg>> = findings
        .iter()
        .map(|f| {
            vec![
                Arg::Text(run.run_id.clone()),
                Arg::Text(f.id.trim().to_string()),
                Arg::Text(f.outcome.clone()),
                Arg::Text(f.severity.trim().to_string()),
                Arg::Text(f.controls.join(" ")),
                Arg::Text(f.observed.clone()),
            ]
        })
        .collect();
    if !rows.is_empty() {
        tx.insert_rows(
            "insert into scan_finding (run_id, check_id, outcome, severity, controls, observed)",
            rows,
            "",
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Every host that reported, by name.
    pub async fn hosts(&self) -> Result<Vec<HostSummary>> {
        let rows: Vec<HostRow> = pool_query!(
            self,
            fetch_all,
            HostRow,
            &format!("select {HOST_COLUMNS} from scan_host h order by h.host_id")
        )?;
        let stale_before = self.stale_before();
        Ok(rows
            .into_iter()
            .map(|r| host_from(r, &stale_before))
            .collect())
    }

    /// A host's runs, newest first.
    pub async fn host_runs(&self, name: &str, limit: i64) -> Result<Vec<RunSummary>> {
        self.known_host(name).await?;
        let rows: Vec<RunRow> = pool_query!(
            self,
            fetch_all,
            RunRow,
            &format!(
                "select {RUN_COLUMNS} from scan_run where host_id = $1 order by scanned_at desc, received_at desc limit $2"
            ),
            name,
            limit
        )?;
        Ok(rows.into_iter().map(run_from).collect())
    }

    /// One check's results on a host, newest first.
    pub async fn check_history(
        &self,
        host: &str,
        check_id: &str,
        limit: i64,
    ) -> Result<Vec<CheckResult>> {
        self.known_host(host).await?;
        let rows: Vec<(String, String, String, String, String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String, String, String, String, String),
            "select r.run_id, r.scanned_at, f.outcome, f.severity, f.controls, f.observed
             from scan_finding f join scan_run r on r.run_id = f.run_id
             where r.host_id = $1 and f.check_id = $2
             order by r.scanned_at desc, r.received_at desc limit $3",
            host,
            check_id,
            limit
        )?;
        Ok(rows
            .into_iter()
            .map(|r| CheckResult {
                run_id: r.0,
                scanned_at: r.1,
                outcome: r.2,
                severity: r.3,
                controls: r.4.split_whitespace().map(str::to_string).collect(),
                observed: r.5,
            })
            .collect())
    }
}

fn host_from(r: HostRow, stale_before: &str) -> HostSummary {
    HostSummary {
        pass_rate: pass_rate(r.4, r.5),
        stale: r.3.as_str() < stale_before,
        name: r.0,
        token_id: r.1,
        first_seen: r.2,
        last_seen: r.3,
        last_pass: r.4,
        last_fail: r.5,
        last_not_applicable: r.6,
        last_error: r.7,
        group: r.8,
        group_name: r.9,
        revision: r.10,
    }
}

impl Store {
    /// A host last seen before this moment is stale.
    fn stale_before(&self) -> String {
        stamp(self.clock().now() - time::Duration::days(STALE_DAYS))
    }

    /// Fails with NotFound unless the host has reported.
    async fn known_host(&self, name: &str) -> Result<()> {
        let known: Option<(String,)> = pool_query!(
            self,
            fetch_optional,
            (String,),
            "select host_id from scan_host where host_id = $1",
            name
        )?;
        match known {
            Some(_) => Ok(()),
            None => Err(Error::NotFound(format!("host {name}"))),
        }
    }

    /// One host with its latest tally.
    pub async fn host(&self, name: &str) -> Result<HostSummary> {
        let row: Option<HostRow> = pool_query!(
            self,
            fetch_optional,
            HostRow,
            &format!("select {HOST_COLUMNS} from scan_host h where h.host_id = $1"),
            name
        )?;
        let row = row.ok_or_else(|| Error::NotFound(format!("host {name}")))?;
        let stale_before = self.stale_before();
        Ok(host_from(row, &stale_before))
    }

    /// One run of a host; NotFound when the run is not that host's.
    pub async fn host_run(&self, host: &str, run_id: &str) -> Result<RunSummary> {
        let row: Option<RunRow> = pool_query!(
            self,
            fetch_optional,
            RunRow,
            &format!("select {RUN_COLUMNS} from scan_run where host_id = $1 and run_id = $2"),
            host,
            run_id
        )?;
        row.map(run_from)
            .ok_or_else(|| Error::NotFound(format!("run {run_id} of host {host}")))
    }

    /// A run's findings: fail first, then error, pass, not applicable, each by check id.
    /// NotFound when the run is not that host's.
    pub async fn run_findings(&self, host: &str, run_id: &str) -> Result<Vec<RunFinding>> {
        self.host_run(host, run_id).await?;
        let rows: Vec<(String, String, String, String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String, String, String, String),
            "select check_id, outcome, severity, controls, observed from scan_finding where run_id = $1",
            run_id
        )?;
        let mut findings: Vec<RunFinding> = rows
            .into_iter()
            .map(|r| RunFinding {
                check_id: r.0,
                outcome: r.1,
                severity: r.2,
                controls: r.3.split_whitespace().map(str::to_string).collect(),
                observed: r.4,
            })
            .collect();
        sort_findings(&mut findings);
        Ok(findings)
    }
}
