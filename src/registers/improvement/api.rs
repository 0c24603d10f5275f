//! Nonconformities, corrective actions and the improvement log on the JSON API (each record's
//! revision as `ETag`).

use super::domain::{
    Action, ActionInput, ActionQuery, ActionStatus, Improvement, NcQuery, NcSource, Nonconformity,
    NonconformityInput, ReviewInput,
};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// Whether a nonconformity is closed.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum NcState {
    Open,
    Closed,
}

/// Nonconformities, newest first, each with its actions and stage; filtered and paged.
#[utoipa::path(get, path = "/api/v1/nonconformities", tag = "improvement",
    params(
        ("q" = Option<String>, Query, description = "text in the id, title, description or root cause"),
        ("source" = inline(Option<NcSource>), Query),
        ("source_ref" = Option<String>, Query, description = "the record it came from (F-0001)"),
        ("state" = inline(Option<NcState>), Query),
        ("owner" = Option<String>, Query, description = "the owner's e-mail"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Nonconformity>), (status = 400, body = ErrorBody)))]
pub async fn list_nonconformities(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Nonconformity>> {
    let mut known = NcQuery::PARAMS.to_vec();
    known.extend(["limit", "cursor"]);
    p.check_known(&known)?;
    let q = NcQuery::read(&p)?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &q, p.cursor(), limit).await?))
}

/// Raises a nonconformity (managers, admins, auditors; contributors who own it). A finding's
/// or an incident's id must exist; a finding is followed up by one nonconformity.
#[utoipa::path(post, path = "/api/v1/nonconformities", tag = "improvement", request_body = NonconformityInput,
    responses((status = 201, body = Nonconformity), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_nonconformity(
    ctx: Ctx,
    JsonBody(input): JsonBody<NonconformityInput>,
) -> TaggedResult {
    let x = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// Imports nonconformities from a CSV or XLSX file sent as the body (managers and admins).
#[utoipa::path(post, path = "/api/v1/nonconformities/import", tag = "improvement",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_nonconformities(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(
        &ctx,
        &super::exchange::NonconformityImport,
        raw,
        req,
    )
    .await
}

/// One nonconformity with its actions; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/nonconformities/{id}", tag = "improvement", params(("id" = String, Path)),
    responses((status = 200, body = Nonconformity), (status = 404, body = ErrorBody)))]
pub async fn get_nonconformity(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces a nonconformity's fields: correction, whys, root cause … (managers, admins, its
/// owner); 409 once closed.
#[utoipa::path(put, path = "/api/v1/nonconformities/{id}", tag = "improvement", request_body = NonconformityInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the nonconformity as read")),
    responses((status = 200, body = Nonconformity), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_nonconformity(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<NonconformityInput>,
) -> TaggedResult {
    let x = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Reviews the effectiveness of a nonconformity's actions (managers and admins), once every
/// action is done: effective closes it and the finding it came from; not effective asks for
/// another action. 409 when its stage does not allow a review.
#[utoipa::path(post, path = "/api/v1/nonconformities/{id}/review", tag = "improvement", request_body = ReviewInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the nonconformity as read")),
    responses((status = 200, body = Nonconformity), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_nonconformity(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ReviewInput>,
) -> TaggedResult {
    let x = service::review(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Corrective actions by due day; filtered and paged.
#[utoipa::path(get, path = "/api/v1/corrective-actions", tag = "improvement",
    params(
        ("status" = inline(Option<ActionStatus>), Query),
        ("owner" = Option<String>, Query, description = "the owner's e-mail"),
        ("overdue" = Option<bool>, Query, description = "only open actions past their due day"),
        ("nonconformity" = Option<String>, Query, description = "a nonconformity's id"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Action>), (status = 400, body = ErrorBody)))]
pub async fn list_actions(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Action>> {
    let mut known = ActionQuery::PARAMS.to_vec();
    known.extend(["limit", "cursor"]);
    p.check_known(&known)?;
    let q = ActionQuery::read(&p, &ctx.today())?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::actions(&ctx, &q, p.cursor(), limit).await?))
}

/// Plans a corrective action on an open nonconformity (who edits the nonconformity).
#[utoipa::path(post, path = "/api/v1/corrective-actions", tag = "improvement", request_body = ActionInput,
    responses((status = 201, body = Action), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_action(ctx: Ctx, JsonBody(input): JsonBody<ActionInput>) -> TaggedResult {
    let x = service::create_action(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// Imports corrective actions from a CSV or XLSX file sent as the body (managers and admins).
#[utoipa::path(post, path = "/api/v1/corrective-actions/import", tag = "improvement",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_actions(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::ActionImport, raw, req)
        .await
}

/// One corrective action; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/corrective-actions/{id}", tag = "improvement", params(("id" = String, Path)),
    responses((status = 200, body = Action), (status = 404, body = ErrorBody)))]
pub async fn get_action(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::action(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces a corrective action, e.g. marks it done (who edits its nonconformity, or its
/// owner); 409 once the nonconformity is closed.
#[utoipa::path(put, path = "/api/v1/corrective-actions/{id}", tag = "improvement", request_body = ActionInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the action as read")),
    responses((status = 200, body = Action), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_action(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ActionInput>,
) -> TaggedResult {
    let x = service::update_action(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// The improvement log (27001 10.1), newest first: nonconformities closed as effectively
/// corrected, and the opportunities for improvement audits raised.
#[utoipa::path(get, path = "/api/v1/improvements", tag = "improvement",
    responses((status = 200, body = Vec<Improvement>)))]
pub async fn list_improvements(ctx: Ctx) -> ApiResult<Vec<Improvement>> {
    Ok(Json(service::log(&ctx).await?))
}
