//! Notifications on the JSON API: the caller's choices, the organisation's rules, the outbox
//! and a test message (admins).

use super::domain::{DigestChoice, Policy, PolicyInput, Preferences, PreferencesInput};
use super::service::{self, OutboxView};
use crate::service::Ctx;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::http::StatusCode;

/// The caller's choices of what Annex sends them; its `ETag` is their revision (0 until they
/// change one).
#[utoipa::path(get, path = "/api/v1/notification-settings", tag = "tasks",
    responses((status = 200, body = Preferences)))]
pub async fn get_preferences(ctx: Ctx) -> TaggedResult {
    let p = service::preferences(&ctx).await?;
    Ok(tagged(StatusCode::OK, p.revision, p))
}

/// Replaces the caller's choices; `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/notification-settings", tag = "tasks", request_body = PreferencesInput,
    params(("If-Match" = Option<String>, Header, description = "the ETag of the choices as read")),
    responses((status = 200, body = Preferences), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_preferences(
    ctx: Ctx,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<PreferencesInput>,
) -> TaggedResult {
    let p = service::set_preferences(&ctx, expected, &input).await?;
    Ok(tagged(StatusCode::OK, p.revision, p))
}

/// The organisation's rules for messages.
#[utoipa::path(get, path = "/api/v1/notification-policy", tag = "tasks",
    responses((status = 200, body = Policy)))]
pub async fn get_policy(ctx: Ctx) -> ApiResult<Policy> {
    Ok(Json(service::policy(&ctx).await?))
}

/// Replaces the organisation's rules (admins).
#[utoipa::path(put, path = "/api/v1/notification-policy", tag = "tasks", request_body = PolicyInput,
    responses((status = 200, body = Policy), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_policy(ctx: Ctx, JsonBody(input): JsonBody<PolicyInput>) -> ApiResult<Policy> {
    Ok(Json(service::set_policy(&ctx, &input).await?))
}

/// The newest messages of the outbox with how many wait, were sent and failed (admins);
/// `state` is `pending`, `sent` or `failed`.
#[utoipa::path(get, path = "/api/v1/outbox", tag = "tasks",
    params(("state" = Option<String>, Query, description = "pending, sent or failed")),
    responses((status = 200, body = OutboxView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn outbox(ctx: Ctx, Query(p): Query) -> ApiResult<OutboxView> {
    p.check_known(&["state"])?;
    Ok(Json(service::outbox(&ctx, p.get("state")).await?))
}

/// Where a test message is sent.
#[derive(Debug, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct TestMail {
    /// An e-mail address.
    #[schema(min_length = 1, max_length = 320)]
    pub to: String,
}

/// What a test message did.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct TestSent {
    pub to: String,
    /// The server it went through.
    pub server: String,
}

/// Sends a test message now through the configured server (admins); 409 names what the
/// server answered, or that e-mail is not set up.
#[utoipa::path(post, path = "/api/v1/mail/test", tag = "tasks", request_body = TestMail,
    responses((status = 200, body = TestSent), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn test_mail(ctx: Ctx, JsonBody(input): JsonBody<TestMail>) -> ApiResult<TestSent> {
    let server = service::send_test(&ctx, &input.to).await?;
    Ok(Json(TestSent {
        to: input.to.trim().to_string(),
        server,
    }))
}

/// The closed lists the API's document names.
pub fn values() -> Vec<Values> {
    let digests = DigestChoice::ALL.iter().map(|s| s.key());
    vec![
        Values::property(
            "PreferencesInput",
            "digest",
            [""].into_iter().chain(digests),
        ),
        Values::param(
            "get",
            "/api/v1/outbox",
            "state",
            ["pending", "sent", "failed"],
        ),
    ]
}
