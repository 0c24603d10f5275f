//! Assessments' JSON API: questionnaires, sending one to a supplier (the link answered once),
//! the assessments with their answers, score and rating, their review and withdrawal.

use super::domain_assessment::{Assessment, AssessmentStatus, Questionnaire, ReviewInput};
use super::service_assessment as service;
use crate::domain::query::Page;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// The questionnaires an assessment may be sent from: the shipped ones (baseline security,
/// cloud service) and the organisation's own.
#[utoipa::path(get, path = "/api/v1/questionnaires", tag = "suppliers",
    responses((status = 200, body = Vec<Questionnaire>)))]
pub async fn list_questionnaires(ctx: Ctx) -> ApiResult<Vec<Questionnaire>> {
    Ok(Json(service::questionnaires(&ctx).await?))
}

/// One questionnaire; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/questionnaires/{key}", tag = "suppliers", params(("key" = String, Path)),
    responses((status = 200, body = Questionnaire), (status = 404, body = ErrorBody)))]
pub async fn get_questionnaire(ctx: Ctx, Path(key): Path<String>) -> TaggedResult {
    let (q, revision) = service::questionnaire_tagged(&ctx, &key).await?;
    Ok(tagged(StatusCode::OK, revision, q))
}

/// Creates or replaces a questionnaire of the organisation's own (managers and admins); its
/// `key` is the path's. With `If-Match`, only over that revision (409 otherwise). Assessments
/// already sent keep the questionnaire as it was.
#[utoipa::path(put, path = "/api/v1/questionnaires/{key}", tag = "suppliers", request_body = Questionnaire,
    params(("key" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag last read")),
    responses((status = 200, body = Questionnaire), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_questionnaire(
    ctx: Ctx,
    Path(key): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(q): JsonBody<Questionnaire>,
) -> TaggedResult {
    if q.key != key {
        return Err(
            Error::field("key", format!("'{}' is not the path's key '{key}'", q.key)).into(),
        );
    }
    let (q, revision) = service::save_questionnaire(&ctx, &q, expected).await?;
    Ok(tagged(StatusCode::OK, revision, q))
}

/// Imports questionnaires from a CSV or XLSX file sent as the body (managers and admins):
/// one row per question, rows of one key making one questionnaire; all or nothing.
#[utoipa::path(post, path = "/api/v1/questionnaires/import", tag = "suppliers",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_questionnaires(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(
        &ctx,
        &super::exchange_questionnaire::QuestionnaireImport,
        raw,
        req,
    )
    .await
}

/// What sending a questionnaire takes.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SendInput {
    /// The questionnaire's key (`baseline`, `cloud`, or your own).
    #[schema(max_length = 40)]
    pub questionnaire: String,
    /// `YYYY-MM-DD` by which the answers are due, or empty.
    pub due_on: String,
    /// How long the link opens, in days (1 to 366; 30 by default).
    #[serde(default, deserialize_with = "crate::domain::input::whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 366)]
    pub days: Option<u32>,
}

/// Sends a questionnaire to a supplier (managers and admins): the answer carries the link to
/// give them (shown once; Annex keeps no copy), signed and valid until `valid_until`.
#[utoipa::path(post, path = "/api/v1/suppliers/{id}/assessments", tag = "suppliers", request_body = SendInput,
    params(("id" = String, Path)),
    responses((status = 201, body = service::Sent), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn send_assessment(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<SendInput>,
) -> Result<(StatusCode, Json<service::Sent>), crate::web::json::ApiError> {
    let sent = service::send(
        &ctx,
        &id,
        &input.questionnaire,
        &input.due_on,
        input.days.map(i64::from),
    )
    .await?;
    Ok((StatusCode::CREATED, Json(sent)))
}

/// Assessments, the latest sent first.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "suppliers",
    params(
        ("supplier" = Option<String>, Query, description = "of this supplier"),
        ("status" = inline(Option<AssessmentStatus>), Query),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Assessment>), (status = 400, body = ErrorBody)))]
pub async fn list_assessments(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Assessment>> {
    p.check_known(&["supplier", "status", "limit", "cursor"])?;
    let limit = p.limit(100, 500)?;
    let status = match p.get("status") {
        None => None,
        Some(s) => Some(
            AssessmentStatus::parse(s)
                .map_err(|e| Error::Query(vec![crate::error::FieldError::new("status", e)]))?,
        ),
    };
    let supplier = p.get("supplier").map(str::trim).filter(|s| !s.is_empty());
    Ok(Json(
        service::list(&ctx, supplier, status, p.cursor(), limit).await?,
    ))
}

/// One assessment with its answers, documents, score, findings and rating; its `ETag` is
/// its revision.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "suppliers", params(("id" = String, Path)),
    responses((status = 200, body = Assessment), (status = 404, body = ErrorBody)))]
pub async fn get_assessment(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let a = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, a.revision, a))
}

/// Reviews a submitted assessment (managers and admins): findings per answer, a summary,
/// risks to register (`title | likelihood | impact` lines); files an evidence item for the
/// supplier controls and records the supplier as reviewed today.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/review", tag = "suppliers", request_body = ReviewInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the assessment as read")),
    responses((status = 200, body = Assessment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn review_assessment(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ReviewInput>,
) -> TaggedResult {
    let a = service::review(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, a.revision, a))
}

/// Withdraws an assessment not yet reviewed (managers and admins): its link opens nothing.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/cancel", tag = "suppliers",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the assessment as read")),
    responses((status = 200, body = Assessment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn cancel_assessment(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
) -> TaggedResult {
    let a = service::cancel(&ctx, &id, expected).await?;
    Ok(tagged(StatusCode::OK, a.revision, a))
}
