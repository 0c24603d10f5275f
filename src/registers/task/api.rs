//! Tasks on the JSON API: the caller's tasks (or, for managers, anyone's and the team's),
//! written tasks with their comments, and the personal calendar feed.

use super::domain::{
    CommentInput, ManualTask, Task, TaskComment, TaskInput, TaskKind, TaskQuery, TaskStatus,
};
use super::{service, service_feed};
use crate::service::Ctx;
use crate::web::json::{
    ApiError, ApiResult, ErrorBody, IfMatch, JsonBody, Path, Query, TaggedResult, tagged,
};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::http::StatusCode;

/// The caller's tasks, soonest first (`owner`: another person's, for managers and admins);
/// `kind`, `until` (a day, or days from today) and `unowned` narrow them; the soonest `limit`
/// (1,000 unless it says, at most 10,000).
#[utoipa::path(get, path = "/api/v1/tasks", tag = "tasks",
    params(("owner" = Option<String>, Query, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]{0,320}$", description = "whose tasks (an e-mail); the caller's by default"),
        ("kind" = Option<TaskKind>, Query, description = "the register a task comes from"),
        ("until" = Option<String>, Query, pattern = r"^ *$|^ *([0-9]{1,3}|[0-2][0-9]{3}|3[0-5][0-9]{2}|36[0-5][0-9]|3660) *$|^ *[0-9]{4}-[0-9]{2}-[0-9]{2} *$", description = "due on or before this day (YYYY-MM-DD) or within this many days (0 to 3660)"),
        ("unowned" = Option<bool>, Query, description = "only tasks nobody owns"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 10000, description = "at most this many, the soonest (1,000 by default)")),
    responses((status = 200, body = Vec<Task>), (status = 400, body = ErrorBody)))]
pub async fn list_tasks(ctx: Ctx, Query(p): Query) -> ApiResult<Vec<Task>> {
    p.check_known(TaskQuery::PARAMS)?;
    let mut q = TaskQuery::read(&p, &ctx.today())?;
    if q.owner.is_none() {
        q.owner = Some(service::caller(&ctx)?);
    }
    Ok(Json(service::list(&ctx, &q).await?.0))
}

/// Everyone's tasks due within 30 days (or `until`), for managers and admins; `owner`, `kind`
/// and `unowned` narrow them; the soonest `limit` (1,000 unless it says, at most 10,000).
#[utoipa::path(get, path = "/api/v1/tasks/team", tag = "tasks",
    params(("owner" = Option<String>, Query, pattern = r"^[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F]{0,320}$", description = "one person's (an e-mail)"),
        ("kind" = Option<TaskKind>, Query, description = "the register a task comes from"),
        ("until" = Option<String>, Query, pattern = r"^ *$|^ *([0-9]{1,3}|[0-2][0-9]{3}|3[0-5][0-9]{2}|36[0-5][0-9]|3660) *$|^ *[0-9]{4}-[0-9]{2}-[0-9]{2} *$", description = "due on or before this day (YYYY-MM-DD) or within this many days (0 to 3660)"),
        ("unowned" = Option<bool>, Query, description = "only tasks nobody owns"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 10000, description = "at most this many, the soonest (1,000 by default)")),
    responses((status = 200, body = Vec<Task>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn team_tasks(ctx: Ctx, Query(p): Query) -> ApiResult<Vec<Task>> {
    p.check_known(TaskQuery::PARAMS)?;
    let q = TaskQuery::read(&p, &ctx.today())?;
    if !ctx.actor.is_editor() {
        return Err(crate::error::Error::Forbidden.into());
    }
    Ok(Json(service::list(&ctx, &q).await?.0))
}

/// Tasks people wrote, newest first (`open`: only those still open), at most 5,000.
#[utoipa::path(get, path = "/api/v1/written-tasks", tag = "tasks",
    params(("open" = Option<bool>, Query, description = "only open tasks")),
    responses((status = 200, body = Vec<ManualTask>), (status = 400, body = ErrorBody)))]
pub async fn list_written(ctx: Ctx, Query(p): Query) -> ApiResult<Vec<ManualTask>> {
    p.check_known(&["open"])?;
    let mut problems = crate::error::Problems::default();
    let open = p.flag("open", &mut problems);
    problems.into_query_result()?;
    Ok(Json(service::written(&ctx, open, 5000).await?))
}

/// Writes a task for someone (contributors, managers, admins); its owner is told by e-mail
/// when it is someone else.
#[utoipa::path(post, path = "/api/v1/tasks", tag = "tasks", request_body = TaskInput,
    responses((status = 201, body = ManualTask), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_task(ctx: Ctx, JsonBody(input): JsonBody<TaskInput>) -> TaggedResult {
    let t = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, t.revision, t))
}

/// A written task with its comments; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/tasks/{id}", tag = "tasks", params(("id" = String, Path)),
    responses((status = 200, body = ManualTask), (status = 404, body = ErrorBody)))]
pub async fn get_task(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let t = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, t.revision, t))
}

/// Replaces a written task (its owner, its writer, managers and admins); `status: done`
/// marks it done.
#[utoipa::path(put, path = "/api/v1/tasks/{id}", tag = "tasks", request_body = TaskInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the task as read")),
    responses((status = 200, body = ManualTask), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_task(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<TaskInput>,
) -> TaggedResult {
    let t = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, t.revision, t))
}

/// Comments on a written task.
#[utoipa::path(post, path = "/api/v1/tasks/{id}/comments", tag = "tasks", request_body = CommentInput,
    params(("id" = String, Path)),
    responses((status = 201, body = TaskComment), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn comment_task(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<CommentInput>,
) -> Result<(StatusCode, Json<TaskComment>), ApiError> {
    let c = service::comment(&ctx, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(c)))
}

/// The address of a new calendar feed.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct FeedAddress {
    /// The secret address (shown once); calendar programs subscribe to it.
    pub url: String,
}

/// Makes the caller's calendar feed (replacing any): its secret address is answered once.
#[utoipa::path(post, path = "/api/v1/calendar-feed", tag = "tasks",
    responses((status = 201, body = FeedAddress), (status = 403, body = ErrorBody)))]
pub async fn make_feed(ctx: Ctx) -> Result<(StatusCode, Json<FeedAddress>), ApiError> {
    let url = service_feed::make(&ctx).await?;
    Ok((StatusCode::CREATED, Json(FeedAddress { url })))
}

/// Removes the caller's calendar feed: its address stops working.
#[utoipa::path(delete, path = "/api/v1/calendar-feed", tag = "tasks",
    responses((status = 204), (status = 404, body = ErrorBody)))]
pub async fn revoke_feed(ctx: Ctx) -> Result<StatusCode, ApiError> {
    service_feed::revoke(&ctx).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The closed lists the API's document names.
pub fn values() -> Vec<Values> {
    let statuses = TaskStatus::ALL.iter().map(|s| s.key());
    vec![Values::property(
        "WrittenTaskInput",
        "status",
        [""].into_iter().chain(statuses),
    )]
}
