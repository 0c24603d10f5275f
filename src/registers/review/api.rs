//! Management reviews on the JSON API: the review with its input pack (generated now, or as
//! frozen when held), holding it, its actions, and the pack as PDF.

use super::domain::{Review, ReviewAction, ReviewActionInput, ReviewInput, ReviewRecord};
use super::service;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// Every management review, newest first, with its actions.
#[utoipa::path(get, path = "/api/v1/reviews", tag = "management review",
    responses((status = 200, body = Vec<Review>)))]
pub async fn list_reviews(ctx: Ctx) -> ApiResult<Vec<Review>> {
    Ok(Json(service::list(&ctx).await?))
}

/// Plans a management review (managers and admins).
#[utoipa::path(post, path = "/api/v1/reviews", tag = "management review", request_body = ReviewInput,
    responses((status = 201, body = Review), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_review(ctx: Ctx, JsonBody(input): JsonBody<ReviewInput>) -> TaggedResult {
    let x = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// Imports management reviews from a CSV or XLSX file sent as the body (managers and admins).
#[utoipa::path(post, path = "/api/v1/reviews/import", tag = "management review",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_reviews(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::ReviewImport, raw, req)
        .await
}

/// Every action management reviews decided on, newest review first.
#[utoipa::path(get, path = "/api/v1/review-actions", tag = "management review",
    responses((status = 200, body = Vec<ReviewAction>)))]
pub async fn list_review_actions(ctx: Ctx) -> ApiResult<Vec<ReviewAction>> {
    Ok(Json(service::actions(&ctx).await?))
}

/// Imports the actions of management reviews from a CSV or XLSX file sent as the body
/// (managers and admins).
#[utoipa::path(post, path = "/api/v1/review-actions/import", tag = "management review",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_review_actions(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(
        &ctx,
        &super::exchange::ReviewActionImport,
        raw,
        req,
    )
    .await
}

/// One review with its input pack: generated now until it is held, then as frozen (409 when
/// the frozen pack no longer matches its SHA-256). Its `ETag` is the review's revision.
#[utoipa::path(get, path = "/api/v1/reviews/{id}", tag = "management review", params(("id" = String, Path)),
    responses((status = 200, body = ReviewRecord), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn get_review(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let r = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, r.review.revision, r))
}

/// Replaces a review's fields (managers and admins): feedback, attendees and decisions stay
/// writable once held; its day does not.
#[utoipa::path(put, path = "/api/v1/reviews/{id}", tag = "management review", request_body = ReviewInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the review as read")),
    responses((status = 200, body = Review), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_review(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ReviewInput>,
) -> TaggedResult {
    let x = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Holds the review (managers and admins): its input pack is generated and frozen by its
/// SHA-256. 409 when it was held already, has no chair, or is planned for a day to come.
#[utoipa::path(post, path = "/api/v1/reviews/{id}/hold", tag = "management review",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the review as read")),
    responses((status = 200, body = ReviewRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn hold_review(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
) -> TaggedResult {
    let r = service::hold(&ctx, &id, expected).await?;
    Ok(tagged(StatusCode::OK, r.review.revision, r))
}

/// The input pack as a PDF.
#[utoipa::path(get, path = "/api/v1/reviews/{id}/pdf", tag = "management review", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/pdf", description = "the pack", body = Vec<u8>), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn get_pack_pdf(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<axum::response::Response, crate::web::json::ApiError> {
    let (name, bytes) = super::service_pdf::pack_pdf(&ctx, &id).await?;
    Ok(crate::exchange::attachment(&name, "application/pdf", bytes))
}

/// Records an action the review decided on (managers and admins).
#[utoipa::path(post, path = "/api/v1/reviews/{id}/actions", tag = "management review", request_body = ReviewActionInput,
    params(("id" = String, Path)),
    responses((status = 201, body = ReviewAction), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_review_action(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ReviewActionInput>,
) -> TaggedResult {
    let a = service::create_action(&ctx, &id, &input).await?;
    Ok(tagged(StatusCode::CREATED, a.revision, a))
}

/// One action of a review; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/review-actions/{id}", tag = "management review", params(("id" = String, Path)),
    responses((status = 200, body = ReviewAction), (status = 404, body = ErrorBody)))]
pub async fn get_review_action(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let a = service::action(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, a.revision, a))
}

/// Replaces a review's action, e.g. marks it done (managers, admins, or its owner).
#[utoipa::path(put, path = "/api/v1/review-actions/{id}", tag = "management review", request_body = ReviewActionInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the action as read")),
    responses((status = 200, body = ReviewAction), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_review_action(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ReviewActionInput>,
) -> TaggedResult {
    let a = service::update_action(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, a.revision, a))
}
