//! People through the API: who is calling, and user accounts (admins).

use super::service;
use crate::domain::user::{NewUser, User};
use crate::error::Error;
use crate::service::Ctx;
use crate::web::json::{ApiError, ApiResult, ErrorBody, JsonBody};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

/// The signed-in user calling.
#[utoipa::path(get, path = "/api/v1/me", tag = "people",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
pub async fn me(ctx: Ctx) -> ApiResult<User> {
    ctx.actor
        .user
        .map(Json)
        .ok_or(ApiError(Error::Unauthenticated))
}

/// All user accounts (admins only).
#[utoipa::path(get, path = "/api/v1/users", tag = "people",
    responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody)))]
pub async fn list_users(ctx: Ctx) -> ApiResult<Vec<User>> {
    Ok(Json(service::users(&ctx).await?))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserBody {
    #[schema(required = true, value_type = String, format = Email)]
    email: Option<String>,
    #[schema(required = true, value_type = String, min_length = 1, max_length = 200, pattern = "\\S")]
    name: Option<String>,
    /// admin, manager, contributor, auditor, viewer or agent
    #[schema(required = true, value_type = String)]
    role: Option<String>,
    /// At least 12 characters; none for an agent (it reports with API tokens).
    #[schema(value_type = String, min_length = 12)]
    password: Option<String>,
}

/// Creates a user account (admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "people", request_body = NewUserBody,
    responses((status = 201, body = User), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_user(
    ctx: Ctx,
    JsonBody(body): JsonBody<NewUserBody>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let new = NewUser::parse(
        body.email.as_deref().unwrap_or_default(),
        body.name.as_deref().unwrap_or_default(),
        body.role.as_deref().unwrap_or_default(),
        body.password.as_deref().unwrap_or_default(),
    )?;
    let user = service::create(&ctx, new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}

/// The roles a new user may have, for the API document.
pub fn values() -> Vec<Values> {
    let roles = crate::domain::user::Role::ALL.iter().map(|r| r.as_str());
    vec![Values::property("NewUserBody", "role", roles)]
}
