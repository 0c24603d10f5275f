//! Host pages: the hosts that report scans (with a filter for stale ones), a host with its
//! latest findings and recent runs, one run's findings, and one check's history on a host.
//! Titles, how a check decides and how to fix a failure come from the local check library
//! when it knows the check id; reports from a newer agent may name checks it does not know.

use super::domain::{HostSummary, RunFinding, RunSummary, STALE_DAYS};
use super::service;
use crate::domain::clock::{display, relative};
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormErrors, Layout, PageResult, layout, with_same_filters};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::IntoResponse;
use time::OffsetDateTime;

/// How many runs the host page shows, and how many results the check page shows.
const RECENT_RUNS: i64 = 20;
const HISTORY_SHOWN: i64 = 100;

/// One path segment: like `encode`, and a '/' too.
pub(super) fn segment(s: &str) -> String {
    encode(s).replace('/', "%2F")
}

/// `0.875` as `88%`; `—` when nothing passed or failed.
fn percent(rate: Option<f64>) -> String {
    match rate {
        Some(r) => format!("{:.0}%", r * 100.0),
        None => "—".into(),
    }
}

fn duration(ms: i64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

/// An outcome's words and mark (never colour alone).
fn outcome_label(outcome: &str) -> &'static str {
    match outcome {
        "pass" => "✓ pass",
        "fail" => "✕ fail",
        "error" => "! error",
        "not_applicable" => "– not applicable",
        _ => "? unknown",
    }
}

/// A host as the pages show it.
struct HostView {
    name: String,
    href: String,
    last_seen: String,
    last_seen_ago: String,
    first_seen: String,
    rate: String,
    pass: i64,
    fail: i64,
    not_applicable: i64,
    error: i64,
    stale: bool,
    bound: bool,
    group_name: String,
    group_href: String,
}

impl HostView {
    fn of(h: &HostSummary, now: OffsetDateTime) -> HostView {
        HostView {
            href: format!("/hosts/{}", segment(&h.name)),
            name: h.name.clone(),
            last_seen: display(&h.last_seen),
            last_seen_ago: relative(&h.last_seen, now),
            first_seen: display(&h.first_seen),
            rate: percent(h.pass_rate),
            pass: h.last_pass,
            fail: h.last_fail,
            not_applicable: h.last_not_applicable,
            error: h.last_error,
            stale: h.stale,
            bound: h.token_id.is_some(),
            group_name: h.group_name.clone(),
            group_href: format!("/host-groups/{}", encode(&h.group)),
        }
    }
}

/// A run as the pages show it.
struct RunView {
    run_id: String,
    href: String,
    scanned_at: String,
    scanned_ago: String,
    received_at: String,
    duration: String,
    pass: i64,
    fail: i64,
    not_applicable: i64,
    error: i64,
    rate: String,
    submitted_by: String,
}

impl RunView {
    fn of(r: &RunSummary, now: OffsetDateTime) -> RunView {
        RunView {
            href: format!("/hosts/{}/runs/{}", segment(&r.host), segment(&r.run_id)),
            run_id: r.run_id.clone(),
            scanned_at: display(&r.scanned_at),
            scanned_ago: relative(&r.scanned_at, now),
            received_at: display(&r.received_at),
            duration: duration(r.duration_ms),
            pass: r.pass,
            fail: r.fail,
            not_applicable: r.not_applicable,
            error: r.error,
            rate: percent(r.pass_rate),
            submitted_by: r.submitted_by.clone(),
        }
    }
}

/// A finding with what the library says about its check.
struct FindingView {
    check_id: String,
    href: String,
    outcome: String,
    label: &'static str,
    severity: String,
    title: String,
    remediation: String,
    observed: String,
    controls: Vec<String>,
}

impl FindingView {
    fn of(host: &str, f: RunFinding) -> FindingView {
        let known = crate::scan::checks::find(&f.check_id);
        let needs_work = f.outcome == "fail" || f.outcome == "error";
        FindingView {
            href: format!("/hosts/{}/checks/{}", segment(host), segment(&f.check_id)),
            label: outcome_label(&f.outcome),
            title: known.map(|c| c.title.to_string()).unwrap_or_default(),
            remediation: known
                .filter(|_| needs_work)
                .map(|c| c.remediation.to_string())
                .unwrap_or_default(),
            check_id: f.check_id,
            outcome: f.outcome,
            severity: f.severity,
            observed: f.observed,
            controls: f.controls,
        }
    }
}

fn findings_of(host: &str, findings: Vec<RunFinding>) -> Vec<FindingView> {
    findings
        .into_iter()
        .map(|f| FindingView::of(host, f))
        .collect()
}

// --- the list -------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "hosts/templates/hosts_list.html")]
struct ListPage {
    l: Layout,
    hosts: Vec<HostView>,
    total: usize,
    stale_total: usize,
    only_stale: bool,
    /// The group the list shows (its key), or empty for every group.
    group: String,
    /// Every group (key, name), for the filter.
    groups: Vec<(String, String)>,
    stale_days: i64,
    is_admin: bool,
    server: String,
    export_href: String,
    xlsx_href: String,
}

/// What the list shows: the stale hosts only (`?stale=1`), the hosts of one group
/// (`?group=workstations`).
struct ListFilter {
    stale: bool,
    group: Option<String>,
}

impl ListFilter {
    fn read(raw: Option<&str>) -> ListFilter {
        let pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(raw.unwrap_or_default()).unwrap_or_default();
        ListFilter {
            stale: pairs
                .iter()
                .any(|(k, v)| k == "stale" && matches!(v.as_str(), "1" | "yes" | "true" | "on")),
            group: pairs
                .into_iter()
                .find(|(k, v)| k == "group" && !v.is_empty())
                .map(|(_, v)| v),
        }
    }

    fn keeps(&self, h: &HostSummary) -> bool {
        (!self.stale || h.stale) && self.group.as_ref().is_none_or(|g| *g == h.group)
    }
}

/// The hosts (the stale ones with `?stale=1`, one group's with `?group=`) as CSV or XLSX.
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let filter = ListFilter::read(raw.as_deref());
    let hosts: Vec<HostSummary> = service::hosts(&ctx)
        .await?
        .into_iter()
        .filter(|h| filter.keeps(h))
        .collect();
    Ok(crate::exchange::download(
        "hosts",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::hosts_table(&hosts),
    )?)
}

/// The hosts that report scans (the stale ones with `?stale=1`).
pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let filter = ListFilter::read(raw.as_deref());
    let l = layout(&s, &caller, "Hosts", "hosts", raw.as_deref()).await?;
    let all = service::hosts(&ctx).await?;
    let groups = super::service_group::groups(&ctx).await?;
    let now = ctx.clock().now();
    let total = all.len();
    let stale_total = all.iter().filter(|h| h.stale).count();
    let hosts = all
        .iter()
        .filter(|h| filter.keeps(h))
        .map(|h| HostView::of(h, now))
        .collect();
    Ok(ListPage {
        only_stale: filter.stale,
        group: filter.group.unwrap_or_default(),
        groups: groups.into_iter().map(|g| (g.key, g.name)).collect(),
        is_admin: l.is_admin(),
        l,
        hosts,
        total,
        stale_total,
        stale_days: STALE_DAYS,
        export_href: with_same_filters("/hosts.csv", raw.as_deref()),
        xlsx_href: with_same_filters("/hosts.xlsx", raw.as_deref()),
        server: s
            .config
            .public_url
            .as_deref()
            .map(|u| u.trim_end_matches('/').to_string())
            .unwrap_or_else(|| "https://SERVER".into()),
    }
    .into_response())
}

// --- a host and its runs --------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "hosts/templates/host.html")]
struct HostPage {
    l: Layout,
    h: HostView,
    stale_days: i64,
    latest: Option<RunView>,
    findings: Vec<FindingView>,
    runs: Vec<RunView>,
    /// The evidence the host's scans filed on the SoA, one item per control, and whether the
    /// host's group evidences that control (else the item is not counted).
    evidence: Vec<(crate::registers::evidence::domain::Evidence, bool)>,
    group_name: String,
    group_key: String,
    group_href: String,
    /// Every group (key, name), for the move form.
    groups: Vec<(String, String)>,
    can_edit: bool,
    revision: i64,
    errors: FormErrors,
}

/// A host with its latest findings, recent runs and the evidence its scans filed.
pub async fn host_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_host(
        &s,
        &ctx,
        &caller,
        &name,
        q.as_deref(),
        FormErrors::default(),
    )
    .await
}

/// The host's page, with the problems of a group change when there are some.
pub(super) async fn render_host(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    name: &str,
    q: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let host = service::host(ctx, name).await?;
    let runs = service::runs(ctx, name, RECENT_RUNS).await?;
    let findings = match runs.first() {
        Some(r) => service::findings(ctx, name, &r.run_id).await?,
        None => Vec::new(),
    };
    let groups = super::service_group::groups(ctx).await?;
    let group = groups.iter().find(|g| g.key == host.group).cloned();
    let now = ctx.clock().now();
    let l = layout(s, caller, &format!("Host {name}"), "hosts", q).await?;
    let evidence = service::evidence(ctx, name)
        .await?
        .into_iter()
        .map(|e| {
            let counted = e
                .controls
                .iter()
                .all(|c| group.as_ref().is_none_or(|g| g.evidences(c)));
            (e, counted)
        })
        .collect();
    let status = errors.status();
    Ok((
        status,
        HostPage {
            l,
            h: HostView::of(&host, now),
            stale_days: STALE_DAYS,
            latest: runs.first().map(|r| RunView::of(r, now)),
            findings: findings_of(name, findings),
            runs: runs.iter().map(|r| RunView::of(r, now)).collect(),
            evidence,
            group_name: host.group_name.clone(),
            group_key: host.group.clone(),
            group_href: format!("/host-groups/{}", encode(&host.group)),
            groups: groups
                .iter()
                .map(|g| (g.key.clone(), g.name.clone()))
                .collect(),
            can_edit: ctx.actor.is_editor(),
            revision: errors.revision(host.revision),
            errors,
        },
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "hosts/templates/host_run.html")]
struct RunPage {
    l: Layout,
    h: HostView,
    run: RunView,
    findings: Vec<FindingView>,
}

/// One run of a host with its findings.
pub async fn run_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path((name, run_id)): Path<(String, String)>,
) -> PageResult {
    let host = service::host(&ctx, &name).await?;
    let (run, findings) = service::run(&ctx, &name, &run_id).await?;
    let now = ctx.clock().now();
    let l = layout(&s, &caller, &format!("Run of {name}"), "hosts", None).await?;
    Ok(RunPage {
        l,
        h: HostView::of(&host, now),
        run: RunView::of(&run, now),
        findings: findings_of(&name, findings),
    }
    .into_response())
}

// --- one check on a host --------------------------------------------------------------------

/// One result in a check's history.
struct ResultView {
    run_href: String,
    scanned_at: String,
    scanned_ago: String,
    outcome: String,
    label: &'static str,
    observed: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "hosts/templates/host_check.html")]
struct CheckPage {
    l: Layout,
    h: HostView,
    check_id: String,
    known: bool,
    title: String,
    how: String,
    remediation: String,
    cadence_days: u32,
    severity: String,
    controls: Vec<String>,
    history: Vec<ResultView>,
    truncated: bool,
}

/// One check's history on a host, with what the library says about it.
pub async fn check_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path((name, check_id)): Path<(String, String)>,
) -> PageResult {
    let host = service::host(&ctx, &name).await?;
    let history = service::check_history(&ctx, &name, &check_id, HISTORY_SHOWN).await?;
    let known = crate::scan::checks::find(&check_id);
    if known.is_none() && history.is_empty() {
        return Err(Error::NotFound(format!("check {check_id} on host {name}")).into());
    }
    let now = ctx.clock().now();
    // What the newest report said, for a check the library does not know.
    let (severity, controls) = match (known, history.first()) {
        (Some(c), _) => (
            c.severity.key().to_string(),
            c.controls.iter().map(|c| c.to_string()).collect(),
        ),
        (None, Some(r)) => (r.severity.clone(), r.controls.clone()),
        (None, None) => (String::new(), Vec::new()),
    };
    let l = layout(&s, &caller, &format!("{check_id} on {name}"), "hosts", None).await?;
    Ok(CheckPage {
        l,
        h: HostView::of(&host, now),
        known: known.is_some(),
        title: known.map(|c| c.title.to_string()).unwrap_or_default(),
        how: known.map(|c| c.how.to_string()).unwrap_or_default(),
        remediation: known.map(|c| c.remediation.to_string()).unwrap_or_default(),
        cadence_days: known.map(|c| c.cadence_days).unwrap_or_default(),
        severity,
        controls,
        truncated: history.len() as i64 >= HISTORY_SHOWN,
        history: history
            .into_iter()
            .map(|r| ResultView {
                run_href: format!("/hosts/{}/runs/{}", segment(&name), segment(&r.run_id)),
                scanned_at: display(&r.scanned_at),
                scanned_ago: relative(&r.scanned_at, now),
                label: outcome_label(&r.outcome),
                outcome: r.outcome,
                observed: r.observed,
            })
            .collect(),
        check_id,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_durations_and_segments_read_well() {
        assert_eq!(percent(Some(0.9)), "90%");
        assert_eq!(percent(Some(1.0)), "100%");
        assert_eq!(percent(None), "—");
        assert_eq!(duration(340), "340 ms");
        assert_eq!(duration(1240), "1.2 s");
        assert_eq!(segment("a/b c"), "a%2Fb%20c");
        assert!(crate::scan::checks::find("ssh.root-login").is_some());
    }
}
