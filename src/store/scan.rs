//! Scan results reported by agents: each report is one run of a host, with its findings; the
//! host keeps its latest tally. An agent's token is bound to the first host it reports for,
//! and may report for that host only; a host bound to a token takes reports from no other
//! token. Admins may submit for any host (their token is never bound).

use super::scan_evidence::decided_by_control;
use super::{Arg, Store, pool_query, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::domain::clock::{parse_stamp, stamp};
use crate::domain::user::new_short_id;
use crate::error::{Error, Problems, Result};
use serde::{Deserialize, Serialize};

/// A scan report as `annex scan --format json` prints it. Unknown fields (title, how,
/// remediation, the tally, …) are ignored: the tally is counted again from the findings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ScanReportInput {
    /// The host name: 1 to 253 characters of letters, digits, '.', '-' and '_'.
    pub host: String,
    /// The root that was scanned (`/` for the host itself).
    pub root: String,
    /// When the scan ran, RFC 3339.
    pub scanned_at: String,
    pub duration_ms: f64,
    pub findings: Vec<ScanFindingInput>,
}

/// One check's result in a report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ScanFindingInput {
    /// The check's id, e.g. `ssh.root-login`.
    pub id: String,
    /// pass, fail, not_applicable or error
    pub outcome: String,
    pub severity: String,
    /// The ISO/IEC 27002:2022 controls the check evidences.
    pub controls: Vec<String>,
    pub observed: String,
    /// How many days the result holds as evidence (1 to 3650); 1 when not given.
    pub cadence_days: Option<u32>,
}

/// A run as received and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub run_id: String,
    pub host: String,
    pub scanned_at: String,
    pub received_at: String,
    pub duration_ms: i64,
    pub pass: i64,
    pub fail: i64,
    pub not_applicable: i64,
    pub error: i64,
    /// pass / (pass + fail); none when nothing passed or failed.
    pub pass_rate: Option<f64>,
    pub submitted_by: String,
    /// How many evidence items of the host the run created or refreshed on the SoA.
    pub evidence_filed: i64,
}

/// A host that reports scans, with its latest tally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HostSummary {
    pub name: String,
    pub first_seen: String,
    pub last_seen: String,
    pub last_pass: i64,
    pub last_fail: i64,
    pub last_not_applicable: i64,
    pub last_error: i64,
    /// pass / (pass + fail) of the latest run; none when nothing passed or failed.
    pub pass_rate: Option<f64>,
    /// No report for more than `STALE_DAYS` days.
    pub stale: bool,
    /// The id of the agent token bound to the host, if any.
    pub token_id: Option<String>,
}

/// One result of one check on a host, from one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckResult {
    pub run_id: String,
    pub scanned_at: String,
    pub outcome: String,
    pub severity: String,
    pub controls: Vec<String>,
    pub observed: String,
}

/// A host without a report for longer than this is stale.
pub const STALE_DAYS: i64 = 2;

const OUTCOMES: [&str; 4] = ["pass", "fail", "not_applicable", "error"];

fn pass_rate(pass: i64, fail: i64) -> Option<f64> {
    (pass + fail > 0).then(|| pass as f64 / (pass + fail) as f64)
}

/// Whether a host name is 1 to 253 characters of `[A-Za-z0-9.-_]`.
pub fn valid_host_name(name: &str) -> bool {
    (1..=253).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// A checked report: the host, the scan's moment (stored form), the duration and the tally.
struct Checked {
    scanned_at: String,
    duration_ms: i64,
    tally: [i64; 4],
}

fn check(r: &ScanReportInput) -> Result<Checked> {
    let mut p = Problems::new();
    if !valid_host_name(&r.host) {
        p.add(
            "host",
            "give the host name: 1 to 253 characters of letters, digits, '.', '-' and '_'",
        );
    }
    let scanned_at = match parse_stamp(r.scanned_at.trim()) {
        Some(t) => stamp(t),
        None => {
            p.add(
                "scanned_at",
                format!(
                    "'{}' is not an RFC 3339 moment, e.g. 2026-11-23T14:30:00Z",
                    r.scanned_at
                ),
            );
            String::new()
        }
    };
    if !r.duration_ms.is_finite() || r.duration_ms < 0.0 {
        p.add(
            "duration_ms",
            "give the scan's duration in milliseconds (0 or more)",
        );
    }
    let mut tally = [0i64; 4];
    let mut seen = std::collections::HashSet::new();
    for (i, f) in r.findings.iter().enumerate() {
        if f.id.trim().is_empty() {
            p.add(&format!("findings[{i}].id"), "give the check's id");
        } else if !seen.insert(f.id.as_str()) {
            p.add(
                &format!("findings[{i}].id"),
                format!("check '{}' appears twice in the report", f.id),
            );
        }
        if let Some(days) = f.cadence_days
            && !(1..=3650).contains(&days)
        {
            p.add(
                &format!("findings[{i}].cadence_days"),
                format!("{days} is not a cadence: give 1 to 3650 days"),
            );
        }
        match OUTCOMES.iter().position(|o| *o == f.outcome) {
            Some(k) => tally[k] += 1,
            None => p.add(
                &format!("findings[{i}].outcome"),
                format!(
                    "'{}' is not an outcome: use pass, fail, not_applicable or error",
                    f.outcome
                ),
            ),
        }
    }
    p.into_result()?;
    Ok(Checked {
        scanned_at,
        duration_ms: r.duration_ms.round() as i64,
        tally,
    })
}

type HostRow = (String, Option<String>, String, String, i64, i64, i64, i64);
const HOST_COLUMNS: &str = "host_id, token_id, first_seen, last_seen, last_pass, last_fail, last_not_applicable, last_error";

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
fn bound_elsewhere(e: sqlx::Error, agent_token: Option<&str>) -> Error {
    match Error::from(e) {
        Error::Conflict(_) if agent_token.is_some() => {
            Error::Refused("this agent token already reports for another host".into())
        }
        other => other,
    }
}

impl Store {
    /// Records a report as a run of its host, in one transaction with one audit entry.
    /// `agent_token` is the id of the agent's token (none for an admin's submission): it is
    /// bound to the host on its first report, and a report for another host is refused, as is
    /// a report for a host bound to another token.
    pub async fn record_scan(
        &self,
        actor: &str,
        agent_token: Option<&str>,
        report: ScanReportInput,
    ) -> Result<RunSummary> {
        let c = check(&report)?;
        let catalog = self.catalog(DEFAULT_FRAMEWORK).await?;
        let decided = decided_by_control(&catalog, &report.findings)?;
        let host = report.host.as_str();
        let mut tx = self.write().await?;
        let now = tx.now().to_string();
        let existing: Option<HostRow> = tx_query!(
            tx,
            fetch_optional,
            HostRow,
            &format!("select {HOST_COLUMNS} from scan_host where host_id = $1"),
            host
        )?;
        let mut rebind = false;
        if let Some(token) = agent_token {
            let other: Option<(String,)> = tx_query!(
                tx,
                fetch_optional,
                (String,),
                "select host_id from scan_host where token_id = $1 and host_id <> $2",
                token,
                host
            )?;
            if let Some((bound,)) = other {
                tracing::warn!(token = token, bound = %bound, host = host, "agent token refused: it reports for another host");
                return Err(Error::Refused(format!(
                    "this agent token reports for host {bound} only: give host {host} its own token"
                )));
            }
            if let Some(h) = &existing
                && let Some(bound) = &h.1
                && bound != token
            {
                // A revoked or expired token no longer holds its host: the new token takes it.
                let live: Option<(String,)> = tx_query!(
                    tx,
                    fetch_optional,
                    (String,),
                    "select api_token_id from api_token where api_token_id = $1 and revoked_at is null and (expires_at is null or expires_at > $2)",
                    bound,
                    &now
                )?;
                if live.is_none() {
                    rebind = true;
                } else {
                    tracing::warn!(
                        token = token,
                        host = host,
                        "agent token refused: the host is bound to another token"
                    );
                    return Err(Error::Refused(format!(
                        "host {host} reports with another agent token: use that one, or revoke it to move the host to this token"
                    )));
                }
            }
        }
        let [pass, fail, not_applicable, error] = c.tally;
        match &existing {
            None => {
                tx_exec!(
                    tx,
                    "insert into scan_host (host_id, token_id, first_seen, last_seen, last_pass, last_fail, last_not_applicable, last_error) values ($1, $2, $3, $3, $4, $5, $6, $7)",
                    host,
                    agent_token,
                    &now,
                    pass,
                    fail,
                    not_applicable,
                    error
                )
                .map_err(|e| bound_elsewhere(e, agent_token))?;
            }
            Some(h) => {
                let token = if rebind {
                    agent_token
                } else {
                    h.1.as_deref().or(agent_token)
                };
                tx_exec!(
                    tx,
                    "update scan_host set token_id = $2, last_seen = $3, last_pass = $4, last_fail = $5, last_not_applicable = $6, last_error = $7 where host_id = $1",
                    host,
                    token,
                    &now,
                    pass,
                    fail,
                    not_applicable,
                    error
                )
                .map_err(|e| bound_elsewhere(e, agent_token))?;
            }
        }
        let mut run = RunSummary {
            run_id: new_short_id(),
            host: host.to_string(),
            scanned_at: c.scanned_at,
            received_at: now,
            duration_ms: c.duration_ms,
            pass,
            fail,
            not_applicable,
            error,
            pass_rate: pass_rate(pass, fail),
            submitted_by: actor.to_string(),
            evidence_filed: 0,
        };
        run.evidence_filed = self
            .file_scan_evidence(&mut tx, &catalog, actor, host, &report.root, &run, &decided)
            .await? as i64;
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
            pass,
            fail,
            not_applicable,
            error,
            actor,
            run.evidence_filed
        )?;
        let rows: Vec<Vec<Arg>> = report
            .findings
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
        tx.audit(
            Change::new(actor, "scan.record", "host", host).after(serde_json::json!({
                "run_id": run.run_id,
                "scanned_at": run.scanned_at,
                "root": report.root,
                "pass": pass,
                "fail": fail,
                "not_applicable": not_applicable,
                "error": error,
                "evidence_filed": run.evidence_filed,
                "token_id": agent_token,
            })),
        )
        .await?;
        tx.commit().await?;
        Ok(run)
    }

    /// Every host that reported, by name.
    pub async fn hosts(&self) -> Result<Vec<HostSummary>> {
        let rows: Vec<HostRow> = pool_query!(
            self,
            fetch_all,
            HostRow,
            &format!("select {HOST_COLUMNS} from scan_host order by host_id")
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

/// One finding of a run, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunFinding {
    pub check_id: String,
    /// pass, fail, not_applicable or error
    pub outcome: String,
    pub severity: String,
    /// The ISO/IEC 27002:2022 controls the check evidences.
    pub controls: Vec<String>,
    pub observed: String,
}

/// Where an outcome sorts among a run's findings: what needs work first.
fn outcome_rank(outcome: &str) -> usize {
    match outcome {
        "fail" => 0,
        "error" => 1,
        "pass" => 2,
        "not_applicable" => 3,
        _ => 4,
    }
}

/// Findings in reading order: fail, error, pass, not applicable, then by check id.
fn sort_findings(findings: &mut [RunFinding]) {
    findings.sort_by(|a, b| {
        outcome_rank(&a.outcome)
            .cmp(&outcome_rank(&b.outcome))
            .then_with(|| a.check_id.cmp(&b.check_id))
    });
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
            &format!("select {HOST_COLUMNS} from scan_host where host_id = $1"),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_sort_by_what_needs_work() {
        let f = |id: &str, outcome: &str| RunFinding {
            check_id: id.into(),
            outcome: outcome.into(),
            severity: "low".into(),
            controls: Vec::new(),
            observed: String::new(),
        };
        let mut v = vec![
            f("a", "pass"),
            f("z", "fail"),
            f("b", "not_applicable"),
            f("c", "error"),
            f("b", "fail"),
        ];
        sort_findings(&mut v);
        let order: Vec<(&str, &str)> = v
            .iter()
            .map(|f| (f.check_id.as_str(), f.outcome.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("b", "fail"),
                ("z", "fail"),
                ("c", "error"),
                ("a", "pass"),
                ("b", "not_applicable")
            ]
        );
    }

    #[test]
    fn host_names_are_checked() {
        assert!(valid_host_name("web-01.example.org"));
        assert!(valid_host_name("db_2"));
        assert!(!valid_host_name(""));
        assert!(!valid_host_name("a b"));
        assert!(!valid_host_name(&"a".repeat(254)));
    }

    #[test]
    fn bad_reports_name_their_fields() {
        let r = ScanReportInput {
            host: "web".into(),
            scanned_at: "yesterday".into(),
            findings: vec![
                ScanFindingInput {
                    id: "a".into(),
                    outcome: "pass".into(),
                    ..Default::default()
                },
                ScanFindingInput {
                    id: "".into(),
                    outcome: "maybe".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let fields: Vec<String> = match check(&r) {
            Err(Error::Validation(f)) => f.into_iter().map(|f| f.field).collect(),
            _ => panic!("should be refused"),
        };
        assert_eq!(
            fields,
            ["scanned_at", "findings[1].id", "findings[1].outcome"]
        );
    }
}
