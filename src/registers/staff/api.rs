//! The staff directory's JSON API: the directory, a person (their revision as `ETag`), create,
//! replace (`If-Match`), their checklists, ticking a step off, and the HR import.

use super::domain::{Employment, Person, PersonInput, PersonQuery, PersonStatus, Screening};
use super::domain_checklist::Checklist;
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::http::StatusCode;

/// The directory: people by name, filtered and paginated (managers, admins and auditors).
#[utoipa::path(get, path = "/api/v1/people", tag = "people",
    params(
        ("q" = Option<String>, Query, description = "text in the name, id, e-mail, staff number or job title"),
        ("status" = inline(Option<PersonStatus>), Query, description = "where people stand today: joining, active, leaving or left"),
        ("department" = Option<String>, Query),
        ("employment" = inline(Option<Employment>), Query),
        ("manager" = Option<String>, Query, description = "the manager's e-mail"),
        ("open_steps" = Option<bool>, Query, description = "only people with an open checklist step"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Person>), (status = 400, body = ErrorBody)))]
pub async fn list_people(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Person>> {
    p.check_known(PersonQuery::PARAMS)?;
    let q = PersonQuery::read(&p, &ctx.today())?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &q, p.cursor(), limit).await?))
}

/// Adds a person (managers and admins); one who starts within the last 30 days or later gets
/// an onboarding checklist.
#[utoipa::path(post, path = "/api/v1/people", tag = "people", request_body = PersonInput,
    responses((status = 201, body = Person), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_person(ctx: Ctx, JsonBody(input): JsonBody<PersonInput>) -> TaggedResult {
    let p = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, p.revision, p))
}

/// One person; their `ETag` is their revision.
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "people", params(("id" = String, Path)),
    responses((status = 200, body = Person), (status = 404, body = ErrorBody)))]
pub async fn get_person(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let p = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, p.revision, p))
}

/// Replaces a person's record (managers and admins). With `If-Match: "N"` a record changed
/// since is not overwritten (409). Recording a last day starts the offboarding checklist.
#[utoipa::path(put, path = "/api/v1/people/{id}", tag = "people", request_body = PersonInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the person as read")),
    responses((status = 200, body = Person), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_person(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<PersonInput>,
) -> TaggedResult {
    let p = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, p.revision, p))
}

/// A person's onboarding and offboarding checklists, with their steps.
#[utoipa::path(get, path = "/api/v1/people/{id}/checklists", tag = "people", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Checklist>), (status = 404, body = ErrorBody)))]
pub async fn list_checklists(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Vec<Checklist>> {
    service::get(&ctx, &id).await?;
    Ok(Json(service::checklists(&ctx, &id).await?))
}

/// A step ticked off, or opened again.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TickInput {
    /// Done (true) or open again (false).
    pub done: bool,
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

/// Marks a checklist step done or open again (managers, admins and the step's owner). With
/// `If-Match: "N"` (the checklist's revision) a checklist changed since is not written (409).
#[utoipa::path(post, path = "/api/v1/checklists/{id}/steps/{number}", tag = "people", request_body = TickInput,
    params(("id" = String, Path), ("number" = i64, Path, minimum = 1, maximum = 2147483647),
        ("If-Match" = Option<String>, Header, description = "the ETag of the checklist as read")),
    responses((status = 200, body = Checklist), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn tick_step(
    ctx: Ctx,
    Path((id, number)): Path<(String, i64)>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<TickInput>,
) -> TaggedResult {
    let c = service::tick(&ctx, &id, number, input.done, &input.note, expected).await?;
    Ok(tagged(StatusCode::OK, c.revision, c))
}

/// Imports an HR system's export (CSV or XLSX as the body; managers and admins), all or
/// nothing: a row updates the person with its id, e-mail or staff number, or adds one. With
/// `absent_left=true` the file is the whole staff: everyone it leaves out has left (their last day yesterday)
/// (`left` in the report) and gets an offboarding checklist.
#[utoipa::path(post, path = "/api/v1/people/import", tag = "people",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_people(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::PersonImport, raw, req)
        .await
}

/// How long a personal link stays valid.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LinkInput {
    /// 1 to 366 days (default 30).
    #[serde(default, deserialize_with = "crate::domain::input::whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 366)]
    pub days: Option<u32>,
}

/// A personal link made for someone.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Link {
    /// The path to send them (after Annex's address): `/for/…`.
    pub path: String,
    /// The last day it opens.
    pub valid_until: String,
}

/// Makes a personal link for a person (managers and admins): whoever opens it acknowledges
/// documents in their name until it expires. Annex does not keep it.
#[utoipa::path(post, path = "/api/v1/people/{id}/link", tag = "people", request_body = LinkInput,
    params(("id" = String, Path)),
    responses((status = 200, body = Link), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn make_link(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<LinkInput>,
) -> ApiResult<Link> {
    let (path, valid_until) =
        super::service_link::make(&ctx, &id, input.days.map(i64::from)).await?;
    Ok(Json(Link { path, valid_until }))
}

/// The register's fixed closed lists, for the API document.
pub fn values() -> Vec<Values> {
    let employments = Employment::ALL.iter().map(|s| s.key());
    let screenings = Screening::ALL.iter().map(|s| s.key());
    vec![
        Values::property(
            "PersonInput",
            "employment",
            [""].into_iter().chain(employments),
        ),
        Values::property(
            "PersonInput",
            "screening",
            [""].into_iter().chain(screenings),
        ),
    ]
}
