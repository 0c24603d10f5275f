//! Training's JSON API: modules, campaigns with their progress and audience, completions
//! recorded one at a time or imported, competence by job title.

use super::domain::{
    Campaign, CampaignFilter, CampaignInput, CampaignLine, CampaignState, CampaignSummary,
    Competence, CompletionInput, CompletionVia, Module, ModuleInput,
};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::http::StatusCode;

/// The training modules, by title.
#[utoipa::path(get, path = "/api/v1/training/modules", tag = "training",
    responses((status = 200, body = Vec<Module>)))]
pub async fn list_modules(ctx: Ctx) -> ApiResult<Vec<Module>> {
    Ok(Json(service::modules(&ctx).await?))
}

/// Adds a module (managers and admins).
#[utoipa::path(post, path = "/api/v1/training/modules", tag = "training", request_body = ModuleInput,
    responses((status = 201, body = Module), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_module(ctx: Ctx, JsonBody(input): JsonBody<ModuleInput>) -> TaggedResult {
    let m = service::create_module(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, m.revision, m))
}

/// One module; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/training/modules/{id}", tag = "training", params(("id" = String, Path)),
    responses((status = 200, body = Module), (status = 404, body = ErrorBody)))]
pub async fn get_module(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let m = service::module(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, m.revision, m))
}

/// Replaces a module (managers and admins); `If-Match` refuses a stale write (409).
#[utoipa::path(put, path = "/api/v1/training/modules/{id}", tag = "training", request_body = ModuleInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the module as read")),
    responses((status = 200, body = Module), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_module(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ModuleInput>,
) -> TaggedResult {
    let m = service::update_module(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, m.revision, m))
}

/// A module's material file as a form upload.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct MaterialUpload {
    /// PDF, PPTX, DOCX, ODT, XLSX, Markdown, text, PNG or JPEG.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
}

/// Sets a module's material file (`multipart/form-data` with a `file` part; managers and
/// admins), kept in the evidence vault by its SHA-256. `If-Match` refuses a stale write (409).
#[utoipa::path(post, path = "/api/v1/training/modules/{id}/material", tag = "training",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the module as read")),
    request_body(content = MaterialUpload, content_type = "multipart/form-data", description = "a `file` part"),
    responses((status = 200, body = Module), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_material(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    req: axum::extract::Request,
) -> TaggedResult {
    let upload = crate::registers::evidence::web::read_upload(&ctx, req)
        .await
        .map_err(crate::error::Error::from)?;
    upload.check_known(&[])?;
    let file = upload
        .file
        .ok_or_else(|| crate::error::Error::field("file", "send the material as a `file` part"))?;
    let m = service::set_material_file(&ctx, &id, expected, Some(file)).await?;
    Ok(tagged(StatusCode::OK, m.revision, m))
}

/// Removes a module's material file (managers and admins).
#[utoipa::path(delete, path = "/api/v1/training/modules/{id}/material", tag = "training",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the module as read")),
    responses((status = 200, body = Module), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_material(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
) -> TaggedResult {
    let m = service::set_material_file(&ctx, &id, expected, None).await?;
    Ok(tagged(StatusCode::OK, m.revision, m))
}

/// Downloads a module's material file, checked against its SHA-256 first (also sent as
/// `X-Content-SHA256`).
#[utoipa::path(get, path = "/api/v1/training/modules/{id}/material", tag = "training",
    params(("id" = String, Path)),
    responses((status = 200, content_type = "*/*", description = "the file as it was uploaded", body = Vec<u8>), (status = 404, body = ErrorBody),
        (status = 409, description = "the stored file is damaged or missing", body = ErrorBody)))]
pub async fn get_material(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<axum::response::Response, crate::web::json::ApiError> {
    let (f, reader) = service::material(&ctx, &id).await?;
    Ok(crate::registers::evidence::web::file_response(&f, reader))
}

/// Campaigns, the latest due first.
#[utoipa::path(get, path = "/api/v1/training/campaigns", tag = "training",
    responses((status = 200, body = Vec<Campaign>)))]
pub async fn list_campaigns(ctx: Ctx) -> ApiResult<Vec<Campaign>> {
    Ok(Json(service::campaigns(&ctx).await?))
}

/// Starts a campaign (managers and admins); it files an evidence item for its modules'
/// controls.
#[utoipa::path(post, path = "/api/v1/training/campaigns", tag = "training", request_body = CampaignInput,
    responses((status = 201, body = Campaign), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_campaign(ctx: Ctx, JsonBody(input): JsonBody<CampaignInput>) -> TaggedResult {
    let c = service::create_campaign(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, c.revision, c))
}

/// A campaign with its progress in all and per department; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/training/campaigns/{id}", tag = "training", params(("id" = String, Path)),
    responses((status = 200, body = CampaignSummary), (status = 404, body = ErrorBody)))]
pub async fn get_campaign(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let s = service::summary(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, s.campaign.revision, s))
}

/// A campaign's audience by name with each person's progress (managers, admins, auditors).
#[utoipa::path(get, path = "/api/v1/training/campaigns/{id}/people", tag = "training",
    params(("id" = String, Path),
        ("state" = inline(Option<CampaignState>), Query),
        ("department" = Option<String>, Query),
        ("q" = Option<String>, Query, description = "text in the name, e-mail or id"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<CampaignLine>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_campaign_people(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query,
) -> ApiResult<Page<CampaignLine>> {
    p.check_known(CampaignFilter::PARAMS)?;
    let f = CampaignFilter::read(&p)?;
    let limit = p.limit(100, 500)?;
    Ok(Json(
        service::lines(&ctx, &id, &f, p.cursor(), limit).await?,
    ))
}

/// How many completions a write recorded.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Recorded {
    /// New completions (one already recorded for the same day is kept once).
    pub recorded: u64,
}

/// Records one completion (managers and admins): the person by id, e-mail or staff number,
/// the module by id or title.
#[utoipa::path(post, path = "/api/v1/training/completions", tag = "training", request_body = CompletionInput,
    responses((status = 200, body = Recorded), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_completion(
    ctx: Ctx,
    JsonBody(input): JsonBody<CompletionInput>,
) -> ApiResult<Recorded> {
    let d = input.parse(&ctx.today())?;
    let recorded = service::record(&ctx, vec![(0, d)], CompletionVia::Manager, false, None).await?;
    Ok(Json(Recorded { recorded }))
}

/// Imports a learning platform's completion export (CSV or XLSX as the body; managers and
/// admins), all or nothing.
#[utoipa::path(post, path = "/api/v1/training/import", tag = "training",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_completions(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::CompletionImport, raw, req)
        .await
}

/// The modules each job title requires, with how many of its people meet it.
#[utoipa::path(get, path = "/api/v1/training/competence", tag = "training",
    responses((status = 200, body = Vec<Competence>)))]
pub async fn list_competence(ctx: Ctx) -> ApiResult<Vec<Competence>> {
    Ok(Json(service::competence(&ctx).await?))
}

/// The register's fixed closed lists, for the API document.
pub fn values() -> Vec<Values> {
    let scopes = crate::registers::document::domain_ack::AckScope::ALL
        .iter()
        .map(|s| s.key());
    vec![Values::property(
        "CampaignInput",
        "scope",
        [""].into_iter().chain(scopes),
    )]
}
