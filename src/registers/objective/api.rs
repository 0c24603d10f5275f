//! Objectives' and indicators' JSON API (revision as `ETag`), measurements and snapshots.

use super::domain::{
    Kpi, KpiInput, Measurement, MeasurementInput, Metric, Objective, ObjectiveInput,
};
use super::service;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;
use serde::Serialize;

/// The objectives, open first, by title.
#[utoipa::path(get, path = "/api/v1/objectives", tag = "objectives",
    responses((status = 200, body = Vec<Objective>)))]
pub async fn list_objectives(ctx: Ctx) -> ApiResult<Vec<Objective>> {
    Ok(Json(service::objectives(&ctx).await?))
}

/// Adds an objective (managers and admins).
#[utoipa::path(post, path = "/api/v1/objectives", tag = "objectives", request_body = ObjectiveInput,
    responses((status = 201, body = Objective), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_objective(ctx: Ctx, JsonBody(input): JsonBody<ObjectiveInput>) -> TaggedResult {
    let x = service::create_objective(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// One objective; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/objectives/{id}", tag = "objectives", params(("id" = String, Path)),
    responses((status = 200, body = Objective), (status = 404, body = ErrorBody)))]
pub async fn get_objective(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::objective(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces an objective (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/objectives/{id}", tag = "objectives", request_body = ObjectiveInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the objective as read")),
    responses((status = 200, body = Objective), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_objective(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ObjectiveInput>,
) -> TaggedResult {
    let x = service::update_objective(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// The indicators by name, each with its newest measurement and its status against its
/// target; `objective` keeps those of one objective.
#[utoipa::path(get, path = "/api/v1/kpis", tag = "objectives",
    params(("objective" = Option<String>, Query, description = "an objective's id")),
    responses((status = 200, body = Vec<Kpi>), (status = 400, body = ErrorBody)))]
pub async fn list_kpis(ctx: Ctx, Query(p): Query) -> ApiResult<Vec<Kpi>> {
    p.check_known(&["objective"])?;
    let objective = p.get("objective").map(str::trim).filter(|v| !v.is_empty());
    Ok(Json(service::kpis(&ctx, objective).await?))
}

/// Adds an indicator (managers and admins); a computed one is measured at once.
#[utoipa::path(post, path = "/api/v1/kpis", tag = "objectives", request_body = KpiInput,
    responses((status = 201, body = Kpi), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_kpi(ctx: Ctx, JsonBody(input): JsonBody<KpiInput>) -> TaggedResult {
    let x = service::create_kpi(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// A metric Annex computes from its registers, with its value now.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct MetricNow {
    pub metric: Metric,
    pub label: &'static str,
    pub definition: &'static str,
    pub unit: &'static str,
    /// None when there is nothing to measure yet.
    pub value: Option<f64>,
}

/// Every metric Annex computes, with how and its value now.
#[utoipa::path(get, path = "/api/v1/kpis/metrics", tag = "objectives",
    responses((status = 200, body = Vec<MetricNow>)))]
pub async fn list_metrics(ctx: Ctx) -> ApiResult<Vec<MetricNow>> {
    Ok(Json(
        service::metrics_now(&ctx)
            .await?
            .into_iter()
            .map(|(m, value)| MetricNow {
                metric: m,
                label: m.label(),
                definition: m.definition(),
                unit: m.unit(),
                value,
            })
            .collect(),
    ))
}

/// The indicators a snapshot measured.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Snapshotted {
    pub measured: Vec<String>,
}

/// Measures every computed indicator not yet measured in its current period (managers and
/// admins; the scheduler does the same each hour).
#[utoipa::path(post, path = "/api/v1/kpis/snapshot", tag = "objectives",
    responses((status = 200, body = Snapshotted), (status = 403, body = ErrorBody)))]
pub async fn snapshot_due(ctx: Ctx) -> ApiResult<Snapshotted> {
    Ok(Json(Snapshotted {
        measured: service::snapshot_due(&ctx).await?,
    }))
}

/// Imports measurements from a CSV or XLSX file sent as the body (managers and admins): one
/// row per indicator and period; all rows or none; a period already measured is replaced.
#[utoipa::path(post, path = "/api/v1/kpis/measurements/import", tag = "objectives",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_measurements(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::MeasurementImport, raw, req)
        .await
}

/// One indicator; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/kpis/{id}", tag = "objectives", params(("id" = String, Path)),
    responses((status = 200, body = Kpi), (status = 404, body = ErrorBody)))]
pub async fn get_kpi(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::kpi(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces an indicator (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/kpis/{id}", tag = "objectives", request_body = KpiInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the indicator as read")),
    responses((status = 200, body = Kpi), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_kpi(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<KpiInput>,
) -> TaggedResult {
    let x = service::update_kpi(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// An indicator's measurements, oldest first (the newest 500).
#[utoipa::path(get, path = "/api/v1/kpis/{id}/measurements", tag = "objectives", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Measurement>), (status = 404, body = ErrorBody)))]
pub async fn list_measurements(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Vec<Measurement>> {
    Ok(Json(service::measurements(&ctx, &id, 500).await?))
}

/// Records the value of a period of an indicator measured by hand (its owner, managers and
/// admins); a second value for the same period replaces the first. 409 for a computed one.
#[utoipa::path(post, path = "/api/v1/kpis/{id}/measurements", tag = "objectives", request_body = MeasurementInput,
    params(("id" = String, Path)),
    responses((status = 201, body = Measurement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_measurement(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<MeasurementInput>,
) -> Result<(StatusCode, Json<Measurement>), crate::web::json::ApiError> {
    let m = service::record(&ctx, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(m)))
}

/// Measures a computed indicator now for its current period (its owner, managers and admins).
/// 409 for one measured by hand or with nothing to measure yet.
#[utoipa::path(post, path = "/api/v1/kpis/{id}/snapshot", tag = "objectives",
    params(("id" = String, Path)),
    responses((status = 201, body = Measurement), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn snapshot_kpi(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<(StatusCode, Json<Measurement>), crate::web::json::ApiError> {
    let m = service::snapshot(&ctx, &id).await?;
    Ok((StatusCode::CREATED, Json(m)))
}
