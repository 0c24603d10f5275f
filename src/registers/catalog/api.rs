//! The catalogues through the API: frameworks, their controls (filtered, paged), one control
//! with its mappings, and the mappings between two frameworks.

use super::service::{self, ControlDetail};
use crate::domain::catalog::{AttributeType, Control, ControlFilter, Framework, Group};
use crate::domain::query::Page;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, Query};
use crate::web::vocabulary::{LiveFuture, Values};
use axum::Json;
use axum::extract::RawQuery;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The control frameworks in the store.
#[utoipa::path(get, path = "/api/v1/frameworks", tag = "catalogue",
    responses((status = 200, body = Vec<Framework>), (status = 401, body = ErrorBody)))]
pub async fn list_frameworks(ctx: Ctx) -> ApiResult<Vec<Framework>> {
    Ok(Json(service::frameworks(&ctx).await?))
}

#[derive(Serialize, ToSchema)]
pub struct FrameworkDetail {
    #[serde(flatten)]
    framework: Framework,
    /// Themes, domains or clauses (top level, `parent` empty) and their sub-groups.
    groups: Vec<Group>,
    /// The attribute types that controls of this framework carry, with their values.
    attribute_types: Vec<AttributeType>,
}

/// One framework with its groups and attribute types.
#[utoipa::path(get, path = "/api/v1/frameworks/{framework}", tag = "catalogue",
    params(("framework" = String, Path, description = "e.g. iso27002-2022")),
    responses((status = 200, body = FrameworkDetail), (status = 404, body = ErrorBody)))]
pub async fn get_framework(ctx: Ctx, Path(framework): Path<String>) -> ApiResult<FrameworkDetail> {
    let cat = service::catalog(&ctx, &framework).await?;
    Ok(Json(FrameworkDetail {
        groups: cat.groups.clone(),
        attribute_types: cat.attribute_types.clone(),
        framework: cat.framework.clone(),
    }))
}

/// Controls of a framework, filtered and paginated. Filters combine with AND.
#[utoipa::path(get, path = "/api/v1/frameworks/{framework}/controls", tag = "catalogue",
    params(
        ("framework" = String, Path, description = "e.g. iso27002-2022"),
        ("theme" = Option<String>, Query, description = "organizational, people, physical, technological (2022); A.5 … A.18 (2013)"),
        ("attr" = Option<Vec<String>>, Query, description = "KEY:VALUE, repeatable, e.g. control_type:Detective"),
        ("q" = Option<String>, Query, description = "text in the id, title or summary"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "page size, 1 to 1000 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Control>), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn list_controls(
    ctx: Ctx,
    Path(framework): Path<String>,
    Query(params): Query,
) -> ApiResult<Page<Control>> {
    params.check_known(&["theme", "attr", "q"])?;
    let attrs: Vec<String> = params.all("attr").into_iter().map(str::to_string).collect();
    let limit = params.limit(100, 1000)?;
    let filter = ControlFilter::parse(params.get("theme"), &attrs, params.get("q"))
        .map_err(crate::domain::query::as_query_error)?;
    let cat = service::catalog(&ctx, &framework).await?;
    filter
        .check(&cat.groups, &cat.attribute_types)
        .map_err(crate::domain::query::as_query_error)?;
    Ok(Json(
        cat.page(&filter, params.cursor(), limit)
            .map_err(crate::domain::query::as_query_error)?,
    ))
}

/// One control with its attributes and mappings. `A.` prefixes are accepted (`A.8.13`).
#[utoipa::path(get, path = "/api/v1/frameworks/{framework}/controls/{id}", tag = "catalogue",
    params(("framework" = String, Path), ("id" = String, Path, description = "e.g. 8.13")),
    responses((status = 200, body = ControlDetail), (status = 404, body = ErrorBody)))]
pub async fn get_control(
    ctx: Ctx,
    Path((framework, id)): Path<(String, String)>,
) -> ApiResult<ControlDetail> {
    Ok(Json(service::control(&ctx, &framework, &id).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MappingQuery {
    /// Source framework, e.g. iso27002-2013
    from: String,
    /// Target framework, e.g. iso27002-2022
    to: String,
    /// Only the pairs of this source control
    id: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MappingPair {
    from_id: String,
    to_id: String,
}

/// Corresponding controls between two frameworks.
#[utoipa::path(get, path = "/api/v1/mappings", tag = "catalogue", params(MappingQuery),
    responses((status = 200, body = Vec<MappingPair>), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn list_mappings(ctx: Ctx, RawQuery(raw): RawQuery) -> ApiResult<Vec<MappingPair>> {
    let q: MappingQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default())
        .map_err(|e| Error::BadRequest(format!("mappings need from and to: {e}")))?;
    let pairs = service::mapping_pairs(&ctx, &q.from, &q.to, q.id.as_deref()).await?;
    Ok(Json(
        pairs
            .into_iter()
            .map(|(from_id, to_id)| MappingPair { from_id, to_id })
            .collect(),
    ))
}

/// The themes of every catalogue, for the API document (which cannot say that a theme
/// belongs to the framework in the path: the API answers 400 naming the framework's own).
pub fn live(ctx: &Ctx) -> LiveFuture<'_> {
    Box::pin(async move {
        let themes: Vec<String> = service::catalogs(ctx)
            .await?
            .iter()
            .flat_map(|c| {
                c.groups
                    .iter()
                    .filter(|g| g.parent.is_none())
                    .map(|g| g.id.clone())
                    .collect::<Vec<_>>()
            })
            .collect();
        Ok(vec![Values::param(
            "get",
            "/api/v1/frameworks/{framework}/controls",
            "theme",
            themes,
        )])
    })
}
