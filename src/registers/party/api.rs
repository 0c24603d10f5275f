//! Interested parties' JSON API (revision as `ETag`).

use super::domain::{Party, PartyInput};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// The interested parties by name, each with its needs and the obligations they are
/// written in.
#[utoipa::path(get, path = "/api/v1/parties", tag = "obligations",
    params(
        ("q" = Option<String>, Query, description = "text in the id, name or needs"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Party>), (status = 400, body = ErrorBody)))]
pub async fn list_parties(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Party>> {
    p.check_known(&["q", "limit", "cursor"])?;
    let limit = p.limit(100, 500)?;
    let q = p.get("q").map(str::trim).filter(|v| !v.is_empty());
    Ok(Json(service::list(&ctx, q, p.cursor(), limit).await?))
}

/// Adds an interested party (managers and admins).
#[utoipa::path(post, path = "/api/v1/parties", tag = "obligations", request_body = PartyInput,
    responses((status = 201, body = Party), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_party(ctx: Ctx, JsonBody(input): JsonBody<PartyInput>) -> TaggedResult {
    let x = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// One interested party; its `ETag` is its revision.
/// Imports interested parties from a CSV or XLSX file sent as the body (managers and
/// admins): all rows or none; a row whose id is a party of Annex updates it, so an export
/// imports back unchanged.
#[utoipa::path(post, path = "/api/v1/parties/import", tag = "obligations",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_parties(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> crate::web::json::ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::PartyImport, raw, req).await
}

#[utoipa::path(get, path = "/api/v1/parties/{id}", tag = "obligations", params(("id" = String, Path)),
    responses((status = 200, body = Party), (status = 404, body = ErrorBody)))]
pub async fn get_party(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces an interested party (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/parties/{id}", tag = "obligations", request_body = PartyInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the party as read")),
    responses((status = 200, body = Party), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_party(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<PartyInput>,
) -> TaggedResult {
    let x = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}
