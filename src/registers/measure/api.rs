//! The treatment plan's JSON API: the plan, a measure (its revision as `ETag`), create,
//! replace (`If-Match` for optimistic concurrency), and import.

use super::domain::{Measure, MeasureInput, MeasureQuery, MeasureStatus};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::extract::{RawQuery, Request};
use axum::http::StatusCode;

/// The treatment plan: measures by due date (undated last), filtered and paginated.
#[utoipa::path(get, path = "/api/v1/measures", tag = "measures",
    params(
        ("q" = Option<String>, Query, description = "text in the id, name or description"),
        ("status" = inline(Option<MeasureStatus>), Query, description = "planned, in_progress, implemented or deprecated"),
        ("owner" = Option<String>, Query),
        ("control" = Option<String>, Query, pattern = r"^[^\S\x0B\x0C\x1C-\x1F\x85]*$|^[^,;\x00-\x1F\x7F]*[^,;\s\x00-\x1F\x7F][^,;\x00-\x1F\x7F]*$", description = "one control id, e.g. 8.13 or iso27002-2013:9.4.2 (empty: any)"),
        ("overdue" = Option<bool>, Query, description = "only open measures past their due date"),
        ("risk" = Option<String>, Query, description = "only the measures that treat this risk"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Measure>), (status = 400, body = ErrorBody)))]
pub async fn list_measures(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Measure>> {
    p.check_known(MeasureQuery::PARAMS)?;
    let q = MeasureQuery::read(&p, &ctx.today())?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &q, p.cursor(), limit).await?))
}

/// Creates a measure (managers and admins).
#[utoipa::path(post, path = "/api/v1/measures", tag = "measures", request_body = MeasureInput,
    responses((status = 201, body = Measure), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_measure(ctx: Ctx, JsonBody(input): JsonBody<MeasureInput>) -> TaggedResult {
    let m = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, m.revision, m))
}

/// One measure with the controls it implements; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/measures/{id}", tag = "measures", params(("id" = String, Path)),
    responses((status = 200, body = Measure), (status = 404, body = ErrorBody)))]
pub async fn get_measure(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let m = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, m.revision, m))
}

/// Replaces a measure (managers and admins; contributors for the measures they own). With
/// `If-Match: "N"` (the `ETag` read), a measure changed since is not overwritten (409).
#[utoipa::path(put, path = "/api/v1/measures/{id}", tag = "measures", request_body = MeasureInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the measure as read")),
    responses((status = 200, body = Measure), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_measure(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<MeasureInput>,
) -> TaggedResult {
    let m = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, m.revision, m))
}

/// Imports measures (the treatment plan) from a CSV or XLSX file sent as the body (managers
/// and admins), like the asset import. Controls are checked against the catalogues.
#[utoipa::path(post, path = "/api/v1/measures/import", tag = "measures",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_measures(
    ctx: Ctx,
    RawQuery(raw): RawQuery,
    req: Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::MeasureImport, raw, req)
        .await
}

/// The register's fixed closed lists, for the API document.
pub fn values() -> Vec<Values> {
    let statuses = super::domain::MeasureStatus::ALL.iter().map(|s| s.key());
    vec![Values::property(
        "MeasureInput",
        "status",
        [""].into_iter().chain(statuses),
    )]
}
