//! Obligations' JSON API: the register (revision as `ETag`), the starter list and the import.

use super::domain::{
    Compliance, Obligation, ObligationInput, ObligationKind, ObligationQuery, Starter,
};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// The obligations register by title, filtered and paginated.
#[utoipa::path(get, path = "/api/v1/obligations", tag = "obligations",
    params(
        ("q" = Option<String>, Query, description = "text in the id, title, reference or jurisdiction"),
        ("kind" = inline(Option<ObligationKind>), Query),
        ("applicable" = Option<bool>, Query, description = "only those that apply (true) or that do not (false)"),
        ("compliance" = inline(Option<Compliance>), Query),
        ("control" = Option<String>, Query, pattern = r"^[^\S\x0B\x0C\x1C-\x1F\x85]*$|^[^,;\x00-\x1F\x7F]*[^,;\s\x00-\x1F\x7F][^,;\x00-\x1F\x7F]*$", description = "one control id, e.g. 5.31 (empty: any)"),
        ("review_due" = Option<bool>, Query, description = "only applicable obligations whose yearly review is due"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Obligation>), (status = 400, body = ErrorBody)))]
pub async fn list_obligations(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Obligation>> {
    p.check_known(ObligationQuery::PARAMS)?;
    let q = ObligationQuery::read(&p, &ctx.today())?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &q, p.cursor(), limit).await?))
}

/// The starter list's obligations not yet in the register (by name, reference and source;
/// each is off until added as applicable).
#[utoipa::path(get, path = "/api/v1/obligations/starters", tag = "obligations",
    responses((status = 200, body = Vec<Starter>)))]
pub async fn list_starters(ctx: Ctx) -> ApiResult<Vec<Starter>> {
    Ok(Json(service::starters(&ctx).await?))
}

/// Adds an obligation (managers and admins); `starter` fills the title, kind, reference,
/// jurisdiction and source of a common obligation. An applicable obligation linked to
/// controls gives them their reason for inclusion in the SoA.
#[utoipa::path(post, path = "/api/v1/obligations", tag = "obligations", request_body = ObligationInput,
    responses((status = 201, body = Obligation), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_obligation(
    ctx: Ctx,
    JsonBody(input): JsonBody<ObligationInput>,
) -> TaggedResult {
    let o = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, o.revision, o))
}

/// One obligation; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/obligations/{id}", tag = "obligations", params(("id" = String, Path)),
    responses((status = 200, body = Obligation), (status = 404, body = ErrorBody)))]
pub async fn get_obligation(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let o = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, o.revision, o))
}

/// Replaces an obligation (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/obligations/{id}", tag = "obligations", request_body = ObligationInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the obligation as read")),
    responses((status = 200, body = Obligation), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_obligation(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ObligationInput>,
) -> TaggedResult {
    let o = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, o.revision, o))
}

/// Imports obligations from a CSV or XLSX file sent as the body (managers and admins): all
/// rows or none; a row whose id is an obligation of Annex updates it, so an export imports
/// back unchanged.
#[utoipa::path(post, path = "/api/v1/obligations/import", tag = "obligations",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_obligations(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::ObligationImport, raw, req)
        .await
}
