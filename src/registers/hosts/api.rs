//! Hosts and their scans through the API: agents submit reports; people read hosts, runs,
//! findings and a check's history.

use super::domain::{CheckResult, HostSummary, RunFinding, RunSummary, ScanReportInput};
use super::domain_group::{HostGroup, HostGroupChoice, HostGroupInput};
use super::service;
use super::service_group;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{
    ApiError, ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged,
};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::http::StatusCode;
use serde::Serialize;
use utoipa::ToSchema;

/// Submits a scan report, exactly as `annex scan --format json` prints it (agents and admins).
/// An agent's token is bound to the host of its first report and may report for that host
/// only; a report for another host, or for a host bound to another token, is refused (403).
/// Problems with the body name their field, e.g. `findings[3].outcome` (422).
#[utoipa::path(post, path = "/api/v1/scans", tag = "scan", request_body = ScanReportInput,
    responses((status = 201, body = RunSummary), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn submit_scan(
    ctx: Ctx,
    JsonBody(body): JsonBody<ScanReportInput>,
) -> Result<(StatusCode, Json<RunSummary>), ApiError> {
    let run = service::record(&ctx, body).await?;
    Ok((StatusCode::CREATED, Json(run)))
}

/// The hosts that report scans, by name, with their latest tally and whether they are stale
/// (no report for more than two days).
#[utoipa::path(get, path = "/api/v1/hosts", tag = "scan",
    responses((status = 200, body = Vec<HostSummary>), (status = 403, body = ErrorBody)))]
pub async fn list_hosts(ctx: Ctx) -> ApiResult<Vec<HostSummary>> {
    Ok(Json(service::hosts(&ctx).await?))
}

/// A host's runs, newest first.
#[utoipa::path(get, path = "/api/v1/hosts/{name}/runs", tag = "scan",
    params(("name" = String, Path, description = "the host name"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 50)")),
    responses((status = 200, body = Vec<RunSummary>), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn list_host_runs(
    ctx: Ctx,
    Path(name): Path<String>,
    Query(params): Query,
) -> ApiResult<Vec<RunSummary>> {
    params.check_known(&[])?;
    let limit = params.limit(50, 500)?;
    Ok(Json(service::runs(&ctx, &name, limit).await?))
}

/// One host with its latest tally, its group, whether it is stale and whether an agent token
/// is bound. The `ETag` is the host's revision (it changes when the host changes group).
#[utoipa::path(get, path = "/api/v1/hosts/{name}", tag = "scan",
    params(("name" = String, Path, description = "the host name")),
    responses((status = 200, body = HostSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_host(ctx: Ctx, Path(name): Path<String>) -> TaggedResult {
    let h = service::host(&ctx, &name).await?;
    Ok(tagged(StatusCode::OK, h.revision, h))
}

/// Moves a host into a group, named by key or name (managers and admins): its scan results
/// then count for the controls that group evidences. With `If-Match`, a host moved since is
/// not moved again (409).
#[utoipa::path(put, path = "/api/v1/hosts/{name}/group", tag = "scan", request_body = HostGroupChoice,
    params(("name" = String, Path, description = "the host name"),
        ("If-Match" = Option<String>, Header, description = "the ETag of the host as read")),
    responses((status = 200, body = HostSummary), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn move_host(
    ctx: Ctx,
    Path(name): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(body): JsonBody<HostGroupChoice>,
) -> TaggedResult {
    let h = service_group::move_host(&ctx, &name, expected, &body.group).await?;
    Ok(tagged(StatusCode::OK, h.revision, h))
}

/// The host groups (the default first), each with the controls its hosts' scans do not
/// evidence and how many hosts it holds.
#[utoipa::path(get, path = "/api/v1/host-groups", tag = "scan",
    responses((status = 200, body = Vec<HostGroup>)))]
pub async fn list_host_groups(ctx: Ctx) -> ApiResult<Vec<HostGroup>> {
    Ok(Json(service_group::groups(&ctx).await?))
}

/// Creates a host group (managers and admins). The key is made from the name when not given.
#[utoipa::path(post, path = "/api/v1/host-groups", tag = "scan", request_body = HostGroupInput,
    responses((status = 201, body = HostGroup), (status = 422, body = ErrorBody)))]
pub async fn create_host_group(
    ctx: Ctx,
    JsonBody(input): JsonBody<HostGroupInput>,
) -> TaggedResult {
    let g = service_group::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, g.revision, g))
}

/// One host group.
#[utoipa::path(get, path = "/api/v1/host-groups/{key}", tag = "scan",
    params(("key" = String, Path, description = "the group's key, e.g. workstations")),
    responses((status = 200, body = HostGroup), (status = 404, body = ErrorBody)))]
pub async fn get_host_group(ctx: Ctx, Path(key): Path<String>) -> TaggedResult {
    let g = service_group::group(&ctx, &key).await?;
    Ok(tagged(StatusCode::OK, g.revision, g))
}

/// Changes a host group (managers and admins): its name, description, whether new hosts join
/// it, the controls its hosts' scans do not evidence (the key stays). With `If-Match`, a
/// group changed since is not overwritten (409).
#[utoipa::path(put, path = "/api/v1/host-groups/{key}", tag = "scan", request_body = HostGroupInput,
    params(("key" = String, Path, description = "the group's key"),
        ("If-Match" = Option<String>, Header, description = "the ETag of the group as read")),
    responses((status = 200, body = HostGroup), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_host_group(
    ctx: Ctx,
    Path(key): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<HostGroupInput>,
) -> TaggedResult {
    let g = service_group::update(&ctx, &key, expected, &input).await?;
    Ok(tagged(StatusCode::OK, g.revision, g))
}

/// Removes an empty host group that is not the default (managers and admins); 409 while it
/// holds hosts or new hosts join it.
#[utoipa::path(delete, path = "/api/v1/host-groups/{key}", tag = "scan",
    params(("key" = String, Path, description = "the group's key"),
        ("If-Match" = Option<String>, Header, description = "the ETag of the group as read")),
    responses((status = 204), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_host_group(
    ctx: Ctx,
    Path(key): Path<String>,
    IfMatch(expected): IfMatch,
) -> Result<StatusCode, ApiError> {
    service_group::delete(&ctx, &key, expected).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A run with its findings.
#[derive(Serialize, ToSchema)]
pub struct RunDetail {
    #[serde(flatten)]
    run: RunSummary,
    /// Failures first, then errors, passes and checks that did not apply; each by check id.
    findings: Vec<RunFinding>,
}

/// One run of a host with its findings, failures first.
#[utoipa::path(get, path = "/api/v1/hosts/{name}/runs/{run_id}", tag = "scan",
    params(("name" = String, Path, description = "the host name"),
        ("run_id" = String, Path, description = "the run's id, as `POST /api/v1/scans` answered it")),
    responses((status = 200, body = RunDetail), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_host_run(
    ctx: Ctx,
    Path((name, run_id)): Path<(String, String)>,
) -> ApiResult<RunDetail> {
    let (run, findings) = service::run(&ctx, &name, &run_id).await?;
    Ok(Json(RunDetail { run, findings }))
}

/// One check's results on a host, newest first (empty when the host never reported it).
#[utoipa::path(get, path = "/api/v1/hosts/{name}/checks/{check_id}", tag = "scan",
    params(("name" = String, Path, description = "the host name"),
        ("check_id" = String, Path, description = "the check's id, e.g. ssh.root-login"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 50)")),
    responses((status = 200, body = Vec<CheckResult>), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn get_check_history(
    ctx: Ctx,
    Path((name, check_id)): Path<(String, String)>,
    Query(params): Query,
) -> ApiResult<Vec<CheckResult>> {
    params.check_known(&[])?;
    let limit = params.limit(50, 500)?;
    Ok(Json(
        service::check_history(&ctx, &name, &check_id, limit).await?,
    ))
}

/// A finding's outcomes, for the API document.
pub fn values() -> Vec<Values> {
    vec![Values::property(
        "ScanFindingInput",
        "outcome",
        super::domain::OUTCOMES,
    )]
}
