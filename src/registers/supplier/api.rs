//! Suppliers' JSON API: the register (revision as `ETag`) and its import.

use super::domain::{Criticality, Supplier, SupplierInput, SupplierQuery, SupplierStatus};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// The supplier register by name, filtered and paginated. Each supplier carries its derived
/// criticality with why, the override when one is set, and when its next review is due.
#[utoipa::path(get, path = "/api/v1/suppliers", tag = "suppliers",
    params(
        ("q" = Option<String>, Query, description = "text in the id, name or services"),
        ("criticality" = inline(Option<Criticality>), Query),
        ("status" = inline(Option<SupplierStatus>), Query),
        ("owner" = Option<String>, Query, description = "the owner's e-mail address"),
        ("review_due" = Option<bool>, Query, description = "only suppliers in use whose review is due (or that were never reviewed)"),
        ("cloud" = Option<bool>, Query, description = "only those that provide cloud services"),
        ("personal_data" = Option<bool>, Query, description = "only those that process personal data"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Supplier>), (status = 400, body = ErrorBody)))]
pub async fn list_suppliers(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Supplier>> {
    p.check_known(SupplierQuery::PARAMS)?;
    let q = SupplierQuery::read(&p, &ctx.today())?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &q, p.cursor(), limit).await?))
}

/// Adds a supplier (managers and admins). Its criticality is derived from the assets whose
/// data it accesses (their classification), the personal data it processes and the
/// processes that list it; `criticality` overrides it, with `criticality_reason`.
#[utoipa::path(post, path = "/api/v1/suppliers", tag = "suppliers", request_body = SupplierInput,
    responses((status = 201, body = Supplier), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_supplier(ctx: Ctx, JsonBody(input): JsonBody<SupplierInput>) -> TaggedResult {
    let s = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, s.revision, s))
}

/// One supplier; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/suppliers/{id}", tag = "suppliers", params(("id" = String, Path)),
    responses((status = 200, body = Supplier), (status = 404, body = ErrorBody)))]
pub async fn get_supplier(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let s = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, s.revision, s))
}

/// Replaces a supplier (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/suppliers/{id}", tag = "suppliers", request_body = SupplierInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the supplier as read")),
    responses((status = 200, body = Supplier), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_supplier(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<SupplierInput>,
) -> TaggedResult {
    let s = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, s.revision, s))
}

/// Imports suppliers from a CSV or XLSX file sent as the body (managers and admins): all
/// rows or none; a row whose id or name is a supplier of Annex updates it, so an export
/// imports back unchanged.
#[utoipa::path(post, path = "/api/v1/suppliers/import", tag = "suppliers",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_suppliers(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::SupplierImport, raw, req)
        .await
}
