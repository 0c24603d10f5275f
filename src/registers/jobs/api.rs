//! Scheduled jobs on the JSON API (admins).

use super::domain::Job;
use super::service;
use crate::service::Ctx;
use crate::web::json::{ApiResult, ErrorBody, Path};
use axum::Json;

/// Every job with its last and next run, what it did or why it failed.
#[utoipa::path(get, path = "/api/v1/jobs", tag = "tasks",
    responses((status = 200, body = Vec<Job>), (status = 403, body = ErrorBody)))]
pub async fn list_jobs(ctx: Ctx) -> ApiResult<Vec<Job>> {
    Ok(Json(service::list(&ctx).await?))
}

/// Makes a job due now: the next tick of any instance runs it.
#[utoipa::path(post, path = "/api/v1/jobs/{name}/run", tag = "tasks", params(("name" = String, Path)),
    responses((status = 200, body = Job), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn run_job(ctx: Ctx, Path(name): Path<String>) -> ApiResult<Job> {
    Ok(Json(service::run_soon(&ctx, &name).await?))
}
