//! The asset register's JSON API: the register, an asset (its revision as `ETag`), create,
//! replace (`If-Match` for optimistic concurrency), and import.

use super::domain::{Asset, AssetInput, AssetQuery, AssetSort, Lifecycle};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use crate::web::vocabulary::{LiveFuture, Values};
use axum::Json;
use axum::extract::{RawQuery, Request};
use axum::http::StatusCode;

/// The asset register, filtered, sorted and paginated (keyset: pass `next_cursor` back).
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets",
    params(
        ("q" = Option<String>, Query, description = "text in the id, name or description"),
        ("type" = Option<String>, Query, description = "asset type, by key or name as create takes it (hardware, Hardware)"),
        ("classification" = Option<String>, Query, description = "classification level, by key or name as create takes it (confidential, Confidential)"),
        ("lifecycle" = inline(Option<Lifecycle>), Query, description = "planned, in_use, retired or disposed"),
        ("owner" = Option<String>, Query),
        ("tag" = Option<String>, Query),
        ("sort" = inline(Option<AssetSort>), Query, description = "name (default), id, type, owner, classification, lifecycle, updated"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Asset>), (status = 400, body = ErrorBody)))]
pub async fn list_assets(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Asset>> {
    p.check_known(AssetQuery::PARAMS)?;
    let q = AssetQuery::read(&p)?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &q, p.cursor(), limit).await?))
}

/// Creates an asset (managers and admins). Levels and steps may be given by key, name or value.
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets", request_body = AssetInput,
    responses((status = 201, body = Asset), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_asset(ctx: Ctx, JsonBody(input): JsonBody<AssetInput>) -> TaggedResult {
    let a = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, a.revision, a))
}

/// One asset with its tags and dependencies; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = String, Path)),
    responses((status = 200, body = Asset), (status = 404, body = ErrorBody)))]
pub async fn get_asset(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let a = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, a.revision, a))
}

/// Replaces an asset's fields (managers and admins); fields left out become empty. With
/// `If-Match: "N"` (the `ETag` read), an asset changed since is not overwritten (409).
#[utoipa::path(put, path = "/api/v1/assets/{id}", tag = "assets", request_body = AssetInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the asset as read")),
    responses((status = 200, body = Asset), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_asset(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<AssetInput>,
) -> TaggedResult {
    let a = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, a.revision, a))
}

/// Imports assets from a CSV or XLSX file sent as the body (managers and admins). Headers
/// match with synonyms; `map=Their header=field` and `value=[field:]Their word=ours` handle the
/// rest. Every problem comes back by row and column (422) and then nothing is written.
/// `dry_run=true` checks and reports without writing.
#[utoipa::path(post, path = "/api/v1/assets/import", tag = "assets",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_assets(
    ctx: Ctx,
    RawQuery(raw): RawQuery,
    req: Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::AssetImport, raw, req).await
}

/// The organisation's asset types, classification levels and impact steps, for the API
/// document.
pub fn live(ctx: &Ctx) -> LiveFuture<'_> {
    Box::pin(async move {
        let settings = ctx.store().asset_settings().await?;
        let m = ctx.store().risk_matrix().await?;
        let types = settings
            .types
            .iter()
            .flat_map(|t| [t.key.clone(), t.name.clone()]);
        let levels = settings
            .classification
            .iter()
            .flat_map(|c| [c.key.clone(), c.name.clone()]);
        let mut impact: Vec<serde_json::Value> = vec!["".into(), serde_json::Value::Null];
        for s in &m.impact {
            impact.extend([
                s.value.into(),
                s.value.to_string().into(),
                s.name.clone().into(),
            ]);
        }
        Ok(vec![
            Values::param("get", "/api/v1/assets", "type", types.clone()),
            Values::param("get", "/api/v1/assets", "classification", levels.clone()),
            Values::property("AssetInput", "asset_type", types),
            Values::property("AssetInput", "classification", levels),
            Values::property("AssetInput", "confidentiality", impact.clone()),
            Values::property("AssetInput", "integrity", impact.clone()),
            Values::property("AssetInput", "availability", impact),
        ])
    })
}

/// The register's fixed closed lists, for the API document.
pub fn values() -> Vec<Values> {
    let stages = Lifecycle::ALL.iter().map(|l| l.key());
    vec![Values::property(
        "AssetInput",
        "lifecycle",
        [""].into_iter().chain(stages),
    )]
}
