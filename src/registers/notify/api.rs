//! Notifications on the JSON API: the caller's choices, the organisation's rules, the outbox
//! and a test message (admins).

use super::domain::{DigestChoice, Policy, PolicyInput, Preferences, PreferencesInput};
use super::domain_webhook::{Webhook, WebhookFormat, WebhookInput};
use super::service::{self, OutboxView};
use super::service_webhook::{self, NewWebhook};
use crate::service::Ctx;
use crate::web::json::{
    ApiError, ApiResult, ErrorBody, IfMatch, JsonBody, Path, Query, TaggedResult, tagged,
};
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

/// Every webhook (admins); addresses are shown up to their host.
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "tasks",
    responses((status = 200, body = Vec<Webhook>), (status = 403, body = ErrorBody)))]
pub async fn list_webhooks(ctx: Ctx) -> ApiResult<Vec<Webhook>> {
    Ok(Json(service_webhook::list(&ctx).await?))
}

/// Adds a webhook (admins); the answer holds its signing key, which is not shown again.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "tasks", request_body = WebhookInput,
    responses((status = 201, body = NewWebhook), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_webhook(ctx: Ctx, JsonBody(input): JsonBody<WebhookInput>) -> TaggedResult {
    let made = service_webhook::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, made.webhook.revision, made))
}

/// One webhook (admins); its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "tasks", params(("id" = String, Path)),
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_webhook(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let w = service_webhook::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, w.revision, w))
}

/// Replaces a webhook (admins); an empty `url` keeps the stored address.
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", tag = "tasks", request_body = WebhookInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the webhook as read")),
    responses((status = 200, body = Webhook), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_webhook(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<WebhookInput>,
) -> TaggedResult {
    let w = service_webhook::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, w.revision, w))
}

/// Removes a webhook (admins); events waiting for it are not sent.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "tasks",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the webhook as read")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn delete_webhook(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
) -> Result<StatusCode, ApiError> {
    service_webhook::remove(&ctx, &id, expected).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// What a test event did.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct WebhookTested {
    /// The receiver and its answer.
    pub answer: String,
}

/// Posts a test event to a webhook now (admins); 409 names why it was not delivered.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "tasks", params(("id" = String, Path)),
    responses((status = 200, body = WebhookTested), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn test_webhook(ctx: Ctx, Path(id): Path<String>) -> ApiResult<WebhookTested> {
    Ok(Json(WebhookTested {
        answer: service_webhook::test(&ctx, &id).await?,
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
        Values::property(
            "WebhookInput",
            "format",
            [""].into_iter()
                .chain(WebhookFormat::ALL.iter().map(|f| f.key())),
        ),
        Values::param(
            "get",
            "/api/v1/outbox",
            "state",
            ["pending", "sent", "failed"],
        ),
    ]
}
