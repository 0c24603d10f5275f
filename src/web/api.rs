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
use crate::store::{AuditFilter, NewUser, User};
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
        .routes(routes!(list_frameworks))
        .routes(routes!(get_framework))
        .routes(routes!(list_controls))
        .routes(routes!(get_control))
        .routes(routes!(list_mappings))
        .routes(routes!(list_users, create_user))
        .routes(routes!(list_audit))
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

/// The control frameworks in the store.
#[utoipa::path(get, path = "/api/v1/frameworks", tag = "catalogue",
    responses((status = 200, body = Vec<Framework>), (status = 401, body = ErrorBody)))]
async fn list_frameworks(State(s): State<AppState>) -> ApiResult<Vec<Framework>> {
    Ok(Json(s.store.frameworks().await?))
}

#[derive(Serialize, ToSchema)]
struct FrameworkDetail {
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
async fn get_framework(
    State(s): State<AppState>,
    Path(framework): Path<String>,
) -> ApiResult<FrameworkDetail> {
    let cat = s.store.catalog(&framework).await?;
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
        ("limit" = Option<i64>, Query, description = "page size, 1 to 1000 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Control>), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn list_controls(
    State(s): State<AppState>,
    Path(framework): Path<String>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Page<Control>> {
    let pairs = query_pairs(raw)?;
    let mut problems = Problems::new();
    for (k, _) in &pairs {
        if !["theme", "attr", "q", "limit", "cursor"].contains(&k.as_str()) {
            problems.add(k, "unknown parameter: use theme, attr, q, limit or cursor");
        }
    }
    problems.into_result()?;
    let attrs: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| k == "attr")
        .map(|(_, v)| v.clone())
        .collect();
    let filter = ControlFilter::parse(first(&pairs, "theme"), &attrs, first(&pairs, "q"))?;
    let cat = s.store.catalog(&framework).await?;
    filter.check(&cat.groups, &cat.attribute_types)?;
    let limit = parse_limit(&pairs, 100, 1000)?;
    Ok(Json(cat.page(&filter, first(&pairs, "cursor"), limit)?))
}

#[derive(Serialize, ToSchema)]
struct ControlDetail {
    #[serde(flatten)]
    control: Control,
    /// Corresponding controls in other frameworks (e.g. the 2013 predecessors of a 2022 control).
    mapped: Vec<MappedControl>,
    /// Frameworks relative to which this control is new (no predecessor).
    new_relative_to: Vec<String>,
}

/// One control with its attributes and mappings. `A.` prefixes are accepted (`A.8.13`).
#[utoipa::path(get, path = "/api/v1/frameworks/{framework}/controls/{id}", tag = "catalogue",
    params(("framework" = String, Path), ("id" = String, Path, description = "e.g. 8.13")),
    responses((status = 200, body = ControlDetail), (status = 404, body = ErrorBody)))]
async fn get_control(
    State(s): State<AppState>,
    Path((framework, id)): Path<(String, String)>,
) -> ApiResult<ControlDetail> {
    let control = s.store.control(&framework, &id).await?;
    Ok(Json(ControlDetail {
        mapped: s.store.mapped_controls(&framework, &control.id).await?,
        new_relative_to: s.store.new_relative_to(&framework, &control.id).await?,
        control,
    }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct MappingQuery {
    /// Source framework, e.g. iso27002-2013
    from: String,
    /// Target framework, e.g. iso27002-2022
    to: String,
    /// Only the pairs of this source control
    id: Option<String>,
}

#[derive(Serialize, ToSchema)]
struct MappingPair {
    from_id: String,
    to_id: String,
}

/// Corresponding controls between two frameworks.
#[utoipa::path(get, path = "/api/v1/mappings", tag = "catalogue", params(MappingQuery),
    responses((status = 200, body = Vec<MappingPair>), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn list_mappings(
    State(s): State<AppState>,
    RawQuery(raw): RawQuery,
) -> ApiResult<Vec<MappingPair>> {
    let q: MappingQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default())
        .map_err(|e| Error::BadRequest(format!("mappings need from and to: {e}")))?;
    s.store.framework(&q.from).await?;
    s.store.framework(&q.to).await?;
    let id =
        q.id.as_deref()
            .map(crate::domain::catalog::normalise_control_id);
    let pairs = s.store.mapping_pairs(&q.from, &q.to).await?;
    Ok(Json(
        pairs
            .into_iter()
            .filter(|(a, _)| id.as_ref().is_none_or(|i| i == a))
            .map(|(from_id, to_id)| MappingPair { from_id, to_id })
            .collect(),
    ))
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

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
struct AuditQuery {
    object_type: Option<String>,
    object_id: Option<String>,
    actor: Option<String>,
    /// Entries older than this sequence number (the last `seq` of the previous page).
    before: Option<i64>,
    /// 1 to 500 (default 100)
    limit: Option<i64>,
}

/// Audit-trail entries, newest first (admins and auditors).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<Entry>), (status = 403, body = ErrorBody)))]
async fn list_audit(State(s): State<AppState>, RawQuery(raw): RawQuery) -> ApiResult<Vec<Entry>> {
    let q: AuditQuery = serde_urlencoded::from_str(raw.as_deref().unwrap_or_default())
        .map_err(|e| Error::BadRequest(format!("the query string is malformed: {e}")))?;
    let limit = q.limit.unwrap_or(100);
    if !(1..=500).contains(&limit) {
        return Err(Error::field("limit", "use a number between 1 and 500").into());
    }
    let filter = AuditFilter {
        object_type: q.object_type,
        object_id: q.object_id,
        actor: q.actor,
        before_seq: q.before,
    };
    Ok(Json(s.store.audit_entries(&filter, limit).await?))
}
