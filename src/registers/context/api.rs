//! The context's JSON API: the issues (revision as `ETag`), their import, and the scope with
//! its approval and approved versions.

use super::domain::{
    ContextIssue, IssueCategory, IssueInput, IssueQuery, IssueSide, Scope, ScopeText, ScopeVersion,
};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;
use serde::Deserialize;

/// The issues of the organisation's context, external then internal, by title; filtered and
/// paged.
#[utoipa::path(get, path = "/api/v1/context/issues", tag = "context",
    params(
        ("q" = Option<String>, Query, description = "text in the id, title, description or effect"),
        ("side" = inline(Option<IssueSide>), Query),
        ("category" = inline(Option<IssueCategory>), Query),
        ("review_due" = Option<bool>, Query, description = "only issues whose review has come (or that were never reviewed and have no date)"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<ContextIssue>), (status = 400, body = ErrorBody)))]
pub async fn list_issues(ctx: Ctx, Query(p): Query) -> ApiResult<Page<ContextIssue>> {
    let mut known = IssueQuery::PARAMS.to_vec();
    known.extend(["limit", "cursor"]);
    p.check_known(&known)?;
    let q = IssueQuery::read(&p, &ctx.today())?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &q, p.cursor(), limit).await?))
}

/// Records an issue (managers and admins).
#[utoipa::path(post, path = "/api/v1/context/issues", tag = "context", request_body = IssueInput,
    responses((status = 201, body = ContextIssue), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_issue(ctx: Ctx, JsonBody(input): JsonBody<IssueInput>) -> TaggedResult {
    let x = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// Imports issues from a CSV or XLSX file sent as the body (managers and admins): all rows
/// or none; a row whose id is an issue of Annex updates it, so an export imports back
/// unchanged.
#[utoipa::path(post, path = "/api/v1/context/issues/import", tag = "context",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_issues(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::IssueImport, raw, req).await
}

/// One issue; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/context/issues/{id}", tag = "context", params(("id" = String, Path)),
    responses((status = 200, body = ContextIssue), (status = 404, body = ErrorBody)))]
pub async fn get_issue(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces an issue (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/context/issues/{id}", tag = "context", request_body = IssueInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the issue as read")),
    responses((status = 200, body = ContextIssue), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_issue(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<IssueInput>,
) -> TaggedResult {
    let x = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// The scope as being written; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/scope", tag = "context",
    responses((status = 200, body = Scope)))]
pub async fn get_scope(ctx: Ctx) -> TaggedResult {
    let (s, _) = service::scope(&ctx).await?;
    Ok(tagged(StatusCode::OK, s.revision, s))
}

/// Writes the scope (managers and admins); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/scope", tag = "context", request_body = ScopeText,
    params(("If-Match" = Option<String>, Header, description = "the ETag of the scope as read")),
    responses((status = 200, body = Scope), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_scope(
    ctx: Ctx,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ScopeText>,
) -> TaggedResult {
    let s = service::update_scope(&ctx, expected, &input).await?;
    Ok(tagged(StatusCode::OK, s.revision, s))
}

/// An approval of the scope.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ScopeApproval {
    /// Who decided, in which meeting.
    #[schema(max_length = 2000)]
    pub note: String,
}

/// Approves the scope as written (managers and admins): its text is kept as the next
/// version, frozen by its SHA-256. With `If-Match`, only the revision the approver read;
/// 409 when nothing is written or nothing changed since the last version.
#[utoipa::path(post, path = "/api/v1/scope/approve", tag = "context", request_body = ScopeApproval,
    params(("If-Match" = Option<String>, Header, description = "the ETag of the scope as read")),
    responses((status = 201, body = ScopeVersion), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve_scope(
    ctx: Ctx,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ScopeApproval>,
) -> Result<(StatusCode, Json<ScopeVersion>), crate::web::json::ApiError> {
    let v = service::approve_scope(&ctx, expected, &input.note).await?;
    Ok((StatusCode::CREATED, Json(v)))
}

/// The scope's approved versions, newest first (the latest 50), each with whether its text
/// still matches its hash.
#[utoipa::path(get, path = "/api/v1/scope/versions", tag = "context",
    responses((status = 200, body = Vec<ScopeVersion>)))]
pub async fn list_scope_versions(ctx: Ctx) -> ApiResult<Vec<ScopeVersion>> {
    let (_, v) = service::scope(&ctx).await?;
    Ok(Json(v))
}

/// One approved version of the scope; 409 when its text no longer matches its hash.
#[utoipa::path(get, path = "/api/v1/scope/versions/{version}", tag = "context",
    params(("version" = i64, Path, minimum = 1, maximum = 2147483647)),
    responses((status = 200, body = ScopeVersion), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn get_scope_version(ctx: Ctx, Path(version): Path<i64>) -> ApiResult<ScopeVersion> {
    Ok(Json(service::scope_version(&ctx, version).await?))
}
