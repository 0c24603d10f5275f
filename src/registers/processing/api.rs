//! The record of processing activities' JSON API (revision as `ETag`) and its import.

use super::domain::{Processing, ProcessingInput};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// The record of processing activities by name.
#[utoipa::path(get, path = "/api/v1/processing", tag = "privacy",
    params(
        ("q" = Option<String>, Query, description = "text in the id, name or purposes"),
        ("supplier" = Option<String>, Query, description = "only those this supplier processes for us"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Processing>), (status = 400, body = ErrorBody)))]
pub async fn list_processing(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Processing>> {
    p.check_known(&["q", "supplier", "limit", "cursor"])?;
    let limit = p.limit(100, 500)?;
    let get = |k: &str| p.get(k).map(str::trim).filter(|v| !v.is_empty());
    Ok(Json(
        service::list(&ctx, get("q"), get("supplier"), p.cursor(), limit).await?,
    ))
}

/// Adds a processing activity (managers and admins): its processors are suppliers of the
/// register, its assets assets of the inventory.
#[utoipa::path(post, path = "/api/v1/processing", tag = "privacy", request_body = ProcessingInput,
    responses((status = 201, body = Processing), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_processing(
    ctx: Ctx,
    JsonBody(input): JsonBody<ProcessingInput>,
) -> TaggedResult {
    let x = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// One processing activity; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/processing/{id}", tag = "privacy", params(("id" = String, Path)),
    responses((status = 200, body = Processing), (status = 404, body = ErrorBody)))]
pub async fn get_processing(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces a processing activity (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/processing/{id}", tag = "privacy", request_body = ProcessingInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the activity as read")),
    responses((status = 200, body = Processing), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_processing(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ProcessingInput>,
) -> TaggedResult {
    let x = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Imports processing activities from a CSV or XLSX file sent as the body (managers and
/// admins): all rows or none; a row whose id is an activity of Annex updates it.
#[utoipa::path(post, path = "/api/v1/processing/import", tag = "privacy",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_processing(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::ProcessingImport, raw, req)
        .await
}
