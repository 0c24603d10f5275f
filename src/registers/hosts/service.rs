//! Use cases of hosts that report scans: recording an agent's report (with the token bound to
//! its host), reading hosts, runs, findings, a check's history and the evidence scans filed.

use super::domain::Filing;
use super::domain::{
    CheckResult, HostSummary, RunFinding, RunSummary, ScanReportInput, check, decided_by_control,
    pass_rate,
};
use super::store::{self, host_of_token, lock_host, save_host, token_live};
use super::store_evidence::file_evidence;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::domain::user::{Role, SCAN_SUBMITTERS, new_short_id};
use crate::error::{Error, Result};
use crate::registers::evidence::domain::Evidence;
use crate::service::Ctx;
use std::collections::HashMap;

/// Records a report as a run of its host, in one transaction: the host's tally, the run and
/// its findings, the evidence it files per control, each audited. An agent (calling with its
/// API token) is bound to the host of its first report and may report for that host only; a
/// host bound to another live token takes no report from this one (a revoked or expired
/// token no longer holds its host). Admins may report for any host.
#[tracing::instrument(name = "scan.record", skip_all, fields(actor = %ctx.who(), host = %report.host))]
pub async fn record(ctx: &Ctx, report: ScanReportInput) -> Result<RunSummary> {
    ctx.require(SCAN_SUBMITTERS)?;
    let agent_token = match (ctx.actor.role, &ctx.actor.token_id) {
        (Some(Role::Agent), Some(id)) => Some(id.as_str()),
        (Some(Role::Agent), None) => return Err(Error::Forbidden),
        _ => None,
    };
    let c = check(&report)?;
    // Agents read no ISMS content: the catalogue is read for them, to name the controls.
    let catalog = ctx.store().catalog(DEFAULT_FRAMEWORK).await?;
    let decided = decided_by_control(&catalog, &report.findings)?;
    let check_titles: HashMap<String, String> = report
        .findings
        .iter()
        .filter_map(|f| {
            crate::scan::checks::find(&f.id).map(|c| (f.id.clone(), c.title.to_string()))
        })
        .collect();
    let host = report.host.as_str();
    let today = ctx.today();
    let mut tx = ctx.write().await?;
    let existing = lock_host(&mut tx, host).await?;
    let mut token = existing.clone().flatten();
    if let Some(agent) = agent_token {
        if let Some(bound) = host_of_token(&mut tx, agent, host).await? {
            tracing::warn!(token = agent, bound = %bound, "agent token refused: it reports for another host");
            return Err(Error::Refused(format!(
                "this agent token reports for host {bound} only: give host {host} its own token"
            )));
        }
        match token.as_deref() {
            Some(bound) if bound != agent => {
                if token_live(&mut tx, bound).await? {
                    tracing::warn!(
                        token = agent,
                        "agent token refused: the host is bound to another token"
                    );
                    return Err(Error::Refused(format!(
                        "host {host} reports with another agent token: use that one, or revoke it to move the host to this token"
                    )));
                }
                // A revoked or expired token no longer holds its host: this one takes it.
                token = Some(agent.to_string());
            }
            Some(_) => {}
            None => token = Some(agent.to_string()),
        }
    }
    // A new host joins the group its report names, else the default group.
    let group = match existing {
        Some(_) => None,
        None => Some(super::service_group::group_for_report(&mut tx, &report.group).await?),
    };
    save_host(&mut tx, host, token.as_deref(), group.as_deref(), c.tally).await?;
    let [pass, fail, not_applicable, error] = c.tally;
    let mut run = RunSummary {
        run_id: new_short_id(),
        host: host.to_string(),
        scanned_at: c.scanned_at,
        received_at: tx.now().to_string(),
        duration_ms: c.duration_ms,
        pass,
        fail,
        not_applicable,
        error,
        pass_rate: pass_rate(pass, fail),
        submitted_by: ctx.who().to_string(),
        evidence_filed: 0,
    };
    let filed = file_evidence(
        &mut tx,
        &Filing {
            catalog: &catalog,
            actor: ctx.who(),
            host,
            root: &report.root,
            run: &run,
            decided: &decided,
            check_titles: &check_titles,
            today: &today,
        },
    )
    .await?;
    run.evidence_filed = filed.len() as i64;
    store::insert_run(&mut tx, &run, &report.findings).await?;
    let mut changes: Vec<_> = filed
        .into_iter()
        .map(|(id, before, after)| match before {
            Some(before) => ctx
                .change("evidence.update", "evidence", &id)
                .before(&before)
                .after(&after),
            None => ctx.change("evidence.create", "evidence", &id).after(&after),
        })
        .collect();
    if !changes.is_empty() {
        tx.bump_generation("evidence").await?;
    }
    changes.push(
        ctx.change("scan.record", "host", host)
            .after(serde_json::json!({
                "run_id": run.run_id,
                "scanned_at": run.scanned_at,
                "root": report.root,
                "pass": pass,
                "fail": fail,
                "not_applicable": not_applicable,
                "error": error,
                "evidence_filed": run.evidence_filed,
                "token_id": agent_token,
                "group": group,
            })),
    );
    tx.audit_many(changes).await?;
    tx.commit().await?;
    Ok(run)
}

/// Every host that reported, by name.
#[tracing::instrument(name = "hosts.hosts", skip_all, fields(actor = %ctx.who()))]
pub async fn hosts(ctx: &Ctx) -> Result<Vec<HostSummary>> {
    ctx.require_reader()?;
    ctx.store().hosts().await
}

/// One host with its latest tally.
#[tracing::instrument(name = "hosts.host", skip_all, fields(actor = %ctx.who(), name = %name))]
pub async fn host(ctx: &Ctx, name: &str) -> Result<HostSummary> {
    ctx.require_reader()?;
    ctx.store().host(name).await
}

/// A host's runs, newest first.
#[tracing::instrument(name = "hosts.runs", skip_all, fields(actor = %ctx.who(), name = %name))]
pub async fn runs(ctx: &Ctx, name: &str, limit: i64) -> Result<Vec<RunSummary>> {
    ctx.require_reader()?;
    ctx.store().host_runs(name, limit).await
}

/// One run of a host with its findings (what needs work first); not found when the run is
/// not that host's.
#[tracing::instrument(name = "hosts.run", skip_all, fields(actor = %ctx.who(), name = %name, run_id = %run_id))]
pub async fn run(ctx: &Ctx, name: &str, run_id: &str) -> Result<(RunSummary, Vec<RunFinding>)> {
    ctx.require_reader()?;
    let run = ctx.store().host_run(name, run_id).await?;
    let findings = ctx.store().run_findings(name, run_id).await?;
    Ok((run, findings))
}

/// A run's findings (what needs work first).
#[tracing::instrument(name = "hosts.findings", skip_all, fields(actor = %ctx.who(), name = %name, run_id = %run_id))]
pub async fn findings(ctx: &Ctx, name: &str, run_id: &str) -> Result<Vec<RunFinding>> {
    ctx.require_reader()?;
    ctx.store().run_findings(name, run_id).await
}

/// One check's results on a host, newest first.
#[tracing::instrument(name = "hosts.check_history", skip_all, fields(actor = %ctx.who(), name = %name, check_id = %check_id))]
pub async fn check_history(
    ctx: &Ctx,
    name: &str,
    check_id: &str,
    limit: i64,
) -> Result<Vec<CheckResult>> {
    ctx.require_reader()?;
    ctx.store().check_history(name, check_id, limit).await
}

/// The evidence a host's scans filed, one item per control, in catalogue order.
#[tracing::instrument(name = "hosts.evidence", skip_all, fields(actor = %ctx.who(), name = %name))]
pub async fn evidence(ctx: &Ctx, name: &str) -> Result<Vec<Evidence>> {
    ctx.require_reader()?;
    ctx.store().host_evidence(name).await
}
