//! Roles' JSON API (revision as `ETag`), their import, and the ownership view.

use super::domain::{IsmsRole, Ownership, RoleInput};
use super::service;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// The roles of the ISMS by name, each with its holders.
#[utoipa::path(get, path = "/api/v1/roles", tag = "roles",
    responses((status = 200, body = Vec<IsmsRole>)))]
pub async fn list_roles(ctx: Ctx) -> ApiResult<Vec<IsmsRole>> {
    Ok(Json(service::all(&ctx).await?))
}

/// Adds a role (managers and admins).
#[utoipa::path(post, path = "/api/v1/roles", tag = "roles", request_body = RoleInput,
    responses((status = 201, body = IsmsRole), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_role(ctx: Ctx, JsonBody(input): JsonBody<RoleInput>) -> TaggedResult {
    let x = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// Imports roles from a CSV or XLSX file sent as the body (managers and admins): all rows or
/// none; a row whose id is a role of Annex updates it.
#[utoipa::path(post, path = "/api/v1/roles/import", tag = "roles",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_roles(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::RoleImport, raw, req).await
}

/// Who owns what across the registers, the roles each person holds, what does not match, what
/// no one owns, and the roles every ISMS needs that no one holds.
#[utoipa::path(get, path = "/api/v1/roles/ownership", tag = "roles",
    responses((status = 200, body = Ownership)))]
pub async fn get_ownership(ctx: Ctx) -> ApiResult<Ownership> {
    Ok(Json(service::ownership_view(&ctx).await?))
}

/// One role; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/roles/{id}", tag = "roles", params(("id" = String, Path)),
    responses((status = 200, body = IsmsRole), (status = 404, body = ErrorBody)))]
pub async fn get_role(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces a role (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/roles/{id}", tag = "roles", request_body = RoleInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the role as read")),
    responses((status = 200, body = IsmsRole), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_role(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<RoleInput>,
) -> TaggedResult {
    let x = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}
