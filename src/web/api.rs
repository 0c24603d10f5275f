//! The JSON API under `/api/v1/`. Every handler is annotated for the OpenAPI document, which is
//! generated from this code and served at `/api/v1/openapi.json`. Errors are JSON:
//! `{"error": {"code": "…", "message": "…", "details": [{"field": …, "message": …}]}}`.

use super::AppState;
use super::json::{ApiError, ApiResult, ErrorBody, JsonBody, first, parse_limit, query_pairs};
use super::session::Caller;
use crate::domain::audit::Entry;
use crate::domain::catalog::{
    AttributeType, Control, ControlFilter, Framework, Group, MappedControl,
};
use crate::domain::query::Page;
use crate::error::{Error, Problems};
use crate::store::{NewUser, User};
use axum::Extension;
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(me))
        .routes(routes!(list_users, create_user))
}
/// The signed-in user calling.
#[utoipa::path(get, path = "/api/v1/me", tag = "people",
    responses((status = 200, body = User), (status = 401, body = ErrorBody)))]
async fn me(Extension(caller): Extension<Caller>) -> ApiResult<User> {
    caller
        .user
        .map(Json)
        .ok_or(ApiError(Error::Unauthenticated))
}

/// All user accounts (admins only).
#[utoipa::path(get, path = "/api/v1/users", tag = "people",
    responses((status = 200, body = Vec<User>), (status = 403, body = ErrorBody)))]
async fn list_users(State(s): State<AppState>) -> ApiResult<Vec<User>> {
    Ok(Json(s.store.list_users().await?))
}

#[derive(Deserialize, ToSchema)]
struct NewUserBody {
    email: Option<String>,
    name: Option<String>,
    /// admin, manager, contributor, auditor or viewer
    role: Option<String>,
    /// At least 12 characters.
    password: Option<String>,
}

/// Creates a user account (admins only).
#[utoipa::path(post, path = "/api/v1/users", tag = "people", request_body = NewUserBody,
    responses((status = 201, body = User), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn create_user(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    JsonBody(body): JsonBody<NewUserBody>,
) -> Result<(StatusCode, Json<User>), ApiError> {
    let new = NewUser::parse(
        body.email.as_deref().unwrap_or_default(),
        body.name.as_deref().unwrap_or_default(),
        body.role.as_deref().unwrap_or_default(),
        body.password.as_deref().unwrap_or_default(),
    )?;
    let actor = caller.user.map(|u| u.email).unwrap_or_default();
    let user = s.store.create_user(&actor, new).await?;
    Ok((StatusCode::CREATED, Json(user)))
}
