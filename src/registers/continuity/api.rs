//! Continuity's JSON API: processes with their BIA (revision as `ETag`), their plans, each
//! asset's recovery requirement and gaps, and exercises.

use super::domain::{Exercise, ExerciseInput, Process, ProcessInput, Requirement};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// Business processes by name, each with its BIA, dependencies and plans.
#[utoipa::path(get, path = "/api/v1/processes", tag = "continuity",
    params(
        ("q" = Option<String>, Query, description = "text in the id, name or owner"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Process>), (status = 400, body = ErrorBody)))]
pub async fn list_processes(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Process>> {
    p.check_known(&["q", "limit", "cursor"])?;
    let limit = p.limit(100, 500)?;
    let q = p.get("q").map(str::trim).filter(|q| !q.is_empty());
    Ok(Json(service::processes(&ctx, q, p.cursor(), limit).await?))
}

/// Adds a business process with its business impact analysis (managers and admins). Impacts
/// take a value or a name of the impact scale; MTPD, RTO and RPO a duration (`3 days`,
/// `4h`, `15 minutes`) or a number of hours.
#[utoipa::path(post, path = "/api/v1/processes", tag = "continuity", request_body = ProcessInput,
    responses((status = 201, body = Process), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_process(ctx: Ctx, JsonBody(input): JsonBody<ProcessInput>) -> TaggedResult {
    let p = service::create_process(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, p.revision, p))
}

/// One process; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/processes/{id}", tag = "continuity", params(("id" = String, Path)),
    responses((status = 200, body = Process), (status = 404, body = ErrorBody)))]
pub async fn get_process(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let p = service::process(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, p.revision, p))
}

/// Replaces a process and its BIA (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/processes/{id}", tag = "continuity", request_body = ProcessInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the process as read")),
    responses((status = 200, body = Process), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_process(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ProcessInput>,
) -> TaggedResult {
    let p = service::update_process(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, p.revision, p))
}

/// A plan for a process: an existing document, or none to start one from the continuity plan
/// template.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct PlanInput {
    /// A document id; empty or absent starts a new plan.
    #[schema(max_length = 40)]
    pub document: Option<String>,
}

/// The process and its plan.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PlanAdded {
    pub process: Process,
    /// The plan's document id: versioned, reviewed and approved at `/documents/{id}`.
    pub plan: String,
}

/// Gives a process a continuity plan (managers and admins): links a document, or starts one
/// from the continuity plan template (activation, roles and contacts, recovery steps), a
/// draft to write, approve and publish like every document.
#[utoipa::path(post, path = "/api/v1/processes/{id}/plans", tag = "continuity", request_body = PlanInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the process as read")),
    responses((status = 201, body = PlanAdded), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_plan(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<PlanInput>,
) -> Result<(StatusCode, Json<PlanAdded>), crate::web::json::ApiError> {
    let (process, plan) = service::add_plan(&ctx, &id, expected, input.document.as_deref()).await?;
    Ok((StatusCode::CREATED, Json(PlanAdded { process, plan })))
}

/// Each asset processes depend on: its required RTO and RPO (the strictest of those
/// processes), what its last restore test or failover achieved, and the gaps.
#[utoipa::path(get, path = "/api/v1/continuity/requirements", tag = "continuity",
    params(("asset" = Option<String>, Query, description = "one asset's")),
    responses((status = 200, body = Vec<Requirement>), (status = 400, body = ErrorBody)))]
pub async fn list_requirements(ctx: Ctx, Query(p): Query) -> ApiResult<Vec<Requirement>> {
    p.check_known(&["asset"])?;
    let asset = p.get("asset").map(str::trim).filter(|a| !a.is_empty());
    Ok(Json(service::asset_requirements(&ctx, asset).await?))
}

/// Exercises and tests, the latest first.
#[utoipa::path(get, path = "/api/v1/exercises", tag = "continuity",
    params(
        ("process" = Option<String>, Query, description = "of this process"),
        ("asset" = Option<String>, Query, description = "that restored this asset"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Exercise>), (status = 400, body = ErrorBody)))]
pub async fn list_exercises(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Exercise>> {
    p.check_known(&["process", "asset", "limit", "cursor"])?;
    let limit = p.limit(100, 500)?;
    let get = |k: &str| p.get(k).map(str::trim).filter(|v| !v.is_empty());
    Ok(Json(
        service::exercises(&ctx, get("process"), get("asset"), p.cursor(), limit).await?,
    ))
}

/// Records an exercise or test that was held (contributors, managers and admins). Unless it
/// failed it files an evidence item for 5.29/5.30 (and 8.13 for a restore test, 8.14 for a
/// failover); each line of `findings` starting with `- ` starts a measure.
#[utoipa::path(post, path = "/api/v1/exercises", tag = "continuity", request_body = ExerciseInput,
    responses((status = 201, body = Exercise), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_exercise(
    ctx: Ctx,
    JsonBody(input): JsonBody<ExerciseInput>,
) -> Result<(StatusCode, Json<Exercise>), crate::web::json::ApiError> {
    let e = service::record_exercise(&ctx, &input).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// One exercise.
#[utoipa::path(get, path = "/api/v1/exercises/{id}", tag = "continuity", params(("id" = String, Path)),
    responses((status = 200, body = Exercise), (status = 404, body = ErrorBody)))]
pub async fn get_exercise(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Exercise> {
    Ok(Json(service::exercise(&ctx, &id).await?))
}

/// Imports processes and their BIA from a CSV or XLSX file sent as the body (managers and
/// admins): all rows or none; a row whose id exists updates it, so an export imports back
/// unchanged.
#[utoipa::path(post, path = "/api/v1/processes/import", tag = "continuity",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_processes(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::ProcessImport, raw, req)
        .await
}

/// Imports exercises and tests that were held from a CSV or XLSX file sent as the body
/// (managers and admins): all rows or none; each new one files its evidence and starts the
/// measures of its findings as recording it does; a row whose id is recorded must say what it
/// says, so an export imports back unchanged.
#[utoipa::path(post, path = "/api/v1/exercises/import", tag = "continuity",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_exercises(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::ExerciseImport, raw, req)
        .await
}
