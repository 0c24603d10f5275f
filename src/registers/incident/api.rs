//! The incident register's JSON API: the register, reporting, an incident with its timeline,
//! notifications and deadlines (its revision as `ETag`), triage, the steps of its handling,
//! actions, notifications, closing, and the notification regimes.

use super::domain::{
    Category, Classification, CloseInput, Incident, IncidentFilter, IncidentStatus, Notification,
    NotificationInput, ReportInput, SeverityScale, TimelineEntry, TriageInput,
};
use super::domain_custody::{EvidenceItem, HandoverInput};
use super::domain_regime::{Regime, StageDue};
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;

/// The register, newest report first; restricted incidents only for those who may see them.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents",
    params(
        ("status" = inline(Option<IncidentStatus>), Query),
        ("severity" = Option<String>, Query, description = "a key of the organisation's severity scale (`GET /api/v1/incidents/severities`)"),
        ("category" = inline(Option<Category>), Query),
        ("classification" = inline(Option<Classification>), Query),
        ("open" = Option<bool>, Query, description = "only those not closed"),
        ("q" = Option<String>, Query, description = "text in the id, title, description or what is affected"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Incident>), (status = 400, body = ErrorBody)))]
pub async fn list_incidents(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Incident>> {
    p.check_known(IncidentFilter::PARAMS)?;
    let f = IncidentFilter::read(&p)?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &f, p.cursor(), limit).await?))
}

/// Reports an event (everyone signed in). Answers the new record, status `reported`.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body = ReportInput,
    responses((status = 201, body = Incident), (status = 422, body = ErrorBody)))]
pub async fn report_incident(ctx: Ctx, JsonBody(input): JsonBody<ReportInput>) -> TaggedResult {
    let i = service::report(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, i.revision, i))
}

/// An incident with its timeline, notifications and the deadlines of its regimes.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct IncidentRecord {
    pub incident: Incident,
    pub timeline: Vec<TimelineEntry>,
    pub notifications: Vec<Notification>,
    pub deadlines: Vec<StageDue>,
    /// The evidence kept, each with its chain of custody.
    pub evidence: Vec<EvidenceItem>,
    /// The tasks of its handling.
    pub tasks: Vec<super::domain::IncidentTask>,
}

/// One incident; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, body = IncidentRecord), (status = 404, body = ErrorBody)))]
pub async fn get_incident(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let d = service::detail(&ctx, &id).await?;
    Ok(tagged(
        StatusCode::OK,
        d.incident.revision,
        IncidentRecord {
            incident: d.incident,
            timeline: d.entries,
            notifications: d.notifications,
            deadlines: d.stages,
            evidence: d.evidence,
            tasks: d.tasks,
        },
    ))
}

/// Triage (managers and admins): event or incident and why, category, severity, personal data
/// (which restricts it), regimes, assets, handler, when the organisation became aware.
#[utoipa::path(put, path = "/api/v1/incidents/{id}/triage", tag = "incidents", request_body = TriageInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the incident as read")),
    responses((status = 200, body = Incident), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn triage_incident(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<TriageInput>,
) -> TaggedResult {
    let i = service::triage(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, i.revision, i))
}

/// A step of the handling, with what was done.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AdvanceInput {
    #[schema(max_length = 5000)]
    pub note: String,
}

/// Takes the next step (triaged → contained → eradicated → recovered): its handler, managers
/// and admins. Refused (409) saying why when it cannot be taken now.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/advance", tag = "incidents", request_body = AdvanceInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the incident as read")),
    responses((status = 200, body = Incident), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn advance_incident(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<AdvanceInput>,
) -> TaggedResult {
    let i = service::advance(&ctx, &id, expected, &input.note).await?;
    Ok(tagged(StatusCode::OK, i.revision, i))
}

/// What was done.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ActionInput {
    #[schema(required = true, min_length = 1, max_length = 5000, pattern = "\\S")]
    pub text: String,
}

/// Appends an action to the timeline (its handler, managers and admins).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/actions", tag = "incidents", request_body = ActionInput,
    params(("id" = String, Path)),
    responses((status = 200, body = Incident), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_action(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ActionInput>,
) -> TaggedResult {
    let i = service::add_action(&ctx, &id, &input.text).await?;
    Ok(tagged(StatusCode::OK, i.revision, i))
}

/// Records a notification sent under one of the incident's regimes (once per stage).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/notifications", tag = "incidents", request_body = NotificationInput,
    params(("id" = String, Path)),
    responses((status = 201, body = Notification), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_notification(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<NotificationInput>,
) -> Result<(StatusCode, Json<Notification>), crate::web::json::ApiError> {
    let n = service::record_notification(&ctx, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(n)))
}

/// Closes a recovered incident (or a triaged event) with the lessons learned (required;
/// managers and admins); each line of `measures` starts a planned measure, each line of
/// `risks` (`title | likelihood | impact`) registers a risk.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/close", tag = "incidents", request_body = CloseInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the incident as read")),
    responses((status = 200, body = super::domain::Closed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn close_incident(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<CloseInput>,
) -> TaggedResult {
    let closed = service::close(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, closed.incident.revision, closed))
}

/// A notification regime and whether the organisation has switched it on.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct RegimeSetting {
    pub regime: Regime,
    pub enabled: bool,
}

/// The notification regimes Annex ships and which are switched on.
#[utoipa::path(get, path = "/api/v1/incidents/regimes", tag = "incidents",
    responses((status = 200, body = Vec<RegimeSetting>)))]
pub async fn list_regimes(ctx: Ctx) -> ApiResult<Vec<RegimeSetting>> {
    Ok(Json(
        service::regimes(&ctx)
            .await?
            .into_iter()
            .map(|(regime, enabled)| RegimeSetting { regime, enabled })
            .collect(),
    ))
}

/// A regime switched on or off.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RegimeInput {
    /// On (true) or off (false).
    #[schema(value_type = bool, required = true)]
    pub enabled: Option<bool>,
    /// The contractual notice's hours (1 to 10000); only for `contract`.
    #[serde(default, deserialize_with = "crate::domain::input::whole_number")]
    #[schema(value_type = Option<i64>, minimum = 1, maximum = 10000)]
    pub hours: Option<u32>,
}

/// Switches a regime on or off (managers and admins).
#[utoipa::path(put, path = "/api/v1/incidents/regimes/{key}", tag = "incidents", request_body = RegimeInput,
    params(("key" = String, Path, description = "gdpr, nis2, dora or contract")),
    responses((status = 200, body = Vec<RegimeSetting>), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_regime(
    ctx: Ctx,
    Path(key): Path<String>,
    JsonBody(input): JsonBody<RegimeInput>,
) -> ApiResult<Vec<RegimeSetting>> {
    let enabled = input.enabled.ok_or_else(|| {
        crate::error::Error::field(
            "enabled",
            "say whether the regime is on (true) or off (false)",
        )
    })?;
    service::set_regime(&ctx, &key, enabled, input.hours.map(i64::from)).await?;
    list_regimes(ctx).await
}

/// Every notification stage still to send of the open incidents the caller sees, soonest due
/// first.
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct Deadline {
    pub incident: String,
    pub title: String,
    pub stage: StageDue,
}

#[utoipa::path(get, path = "/api/v1/incidents/deadlines", tag = "incidents",
    responses((status = 200, body = Vec<Deadline>)))]
pub async fn list_deadlines(ctx: Ctx) -> ApiResult<Vec<Deadline>> {
    Ok(Json(
        service::deadlines(&ctx)
            .await?
            .into_iter()
            .map(|(incident, title, stage)| Deadline {
                incident,
                title,
                stage,
            })
            .collect(),
    ))
}

/// An incident's evidence, each with its chain of custody (the collection first).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/evidence", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, body = Vec<EvidenceItem>), (status = 404, body = ErrorBody)))]
pub async fn list_evidence(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Vec<EvidenceItem>> {
    Ok(Json(super::service_custody::evidence(&ctx, &id).await?))
}

/// Evidence as a form upload: the file and how it was collected.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct EvidenceUpload {
    /// A disk or memory image (img, dd, raw, e01, mem), a packet capture (pcap, pcapng), an
    /// event log (evtx), logs, images, e-mails, documents or an archive.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// What it is.
    #[schema(max_length = 2000)]
    description: Option<String>,
    /// Who collected it (the caller when absent).
    #[schema(max_length = 300)]
    collected_by: Option<String>,
    /// When (now when absent), e.g. `2026-12-04T14:30`.
    #[schema(max_length = 40)]
    collected_at: Option<String>,
    /// From where (a device, a system, a place).
    #[schema(max_length = 300)]
    collected_from: Option<String>,
}

const EVIDENCE_FIELDS: [&str; 4] = [
    "description",
    "collected_by",
    "collected_at",
    "collected_from",
];

/// Keeps a file as evidence of an incident (`multipart/form-data`; its handler, managers and
/// admins), in the evidence vault by its SHA-256; its collection is the first line of its
/// chain of custody.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/evidence", tag = "incidents",
    params(("id" = String, Path)),
    request_body(content = EvidenceUpload, content_type = "multipart/form-data", description = "a `file` part and the fields"),
    responses((status = 201, body = EvidenceItem), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn keep_evidence(
    ctx: Ctx,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> Result<(StatusCode, Json<EvidenceItem>), crate::web::json::ApiError> {
    let upload = crate::registers::evidence::web::read_upload(&ctx, req)
        .await
        .map_err(crate::error::Error::from)?;
    upload.check_known(&EVIDENCE_FIELDS)?;
    let input = super::domain_custody::EvidenceInput {
        description: upload.get("description").into(),
        collected_by: upload.get("collected_by").into(),
        collected_at: upload.get("collected_at").into(),
        collected_from: upload.get("collected_from").into(),
    };
    let file = upload
        .file
        .ok_or_else(|| crate::error::Error::field("file", "send the evidence as a `file` part"))?;
    let e = super::service_custody::keep_evidence(&ctx, &id, &input, &file).await?;
    Ok((StatusCode::CREATED, Json(e)))
}

/// Downloads a piece of evidence, checked against its SHA-256 first (also sent as
/// `X-Content-SHA256`).
#[utoipa::path(get, path = "/api/v1/incidents/{id}/evidence/{seq}/file", tag = "incidents",
    params(("id" = String, Path), ("seq" = i64, Path, minimum = 1)),
    responses((status = 200, content_type = "*/*", description = "the file as it was kept", body = Vec<u8>), (status = 404, body = ErrorBody),
        (status = 409, description = "the stored file is damaged or missing", body = ErrorBody)))]
pub async fn get_evidence_file(
    ctx: Ctx,
    Path((id, seq)): Path<(String, i64)>,
) -> Result<axum::response::Response, crate::web::json::ApiError> {
    let (f, reader) = super::service_custody::evidence_file(&ctx, &id, seq).await?;
    Ok(crate::registers::evidence::web::file_response(&f, reader))
}

/// Hands a piece of evidence over to someone (appended to its chain of custody, which is
/// never changed); possible after the incident closed too.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/evidence/{seq}/handover", tag = "incidents", request_body = HandoverInput,
    params(("id" = String, Path), ("seq" = i64, Path, minimum = 1)),
    responses((status = 200, body = EvidenceItem), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn hand_over_evidence(
    ctx: Ctx,
    Path((id, seq)): Path<(String, i64)>,
    JsonBody(input): JsonBody<HandoverInput>,
) -> ApiResult<EvidenceItem> {
    Ok(Json(
        super::service_custody::hand_over(&ctx, &id, seq, &input).await?,
    ))
}

/// The incident as an XLSX workbook: its fields, timeline, notifications, and each piece of
/// evidence with its chain of custody.
#[utoipa::path(get, path = "/api/v1/incidents/{id}/export", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", description = "the workbook", body = Vec<u8>), (status = 404, body = ErrorBody)))]
pub async fn export_incident(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<axum::response::Response, crate::web::json::ApiError> {
    let bytes = super::service_custody::export_record(&ctx, &id).await?;
    Ok(crate::exchange::attachment(
        &format!("{id}.xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

/// Incidents of the last 12 months by severity and category, the medians of the time to
/// detect (noticed → aware), contain (aware → contained) and close (aware → closed), per month
/// and overall, and the root causes named more than once.
#[utoipa::path(get, path = "/api/v1/incidents/metrics", tag = "incidents",
    responses((status = 200, body = super::domain_metrics::Metrics)))]
pub async fn get_metrics(ctx: Ctx) -> ApiResult<super::domain_metrics::Metrics> {
    Ok(Json(service::metrics(&ctx).await?))
}

/// Gives an incident's handling a task with an owner and a due day (its handler, managers and
/// admins); it shows on the timeline.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/tasks", tag = "incidents", request_body = super::domain::TaskInput,
    params(("id" = String, Path)),
    responses((status = 201, body = super::domain::IncidentTask), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_task(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<super::domain::TaskInput>,
) -> Result<(StatusCode, Json<super::domain::IncidentTask>), crate::web::json::ApiError> {
    let t = service::add_task(&ctx, &id, &input).await?;
    Ok((StatusCode::CREATED, Json(t)))
}

/// Marks a task done (its owner, the incident's handler, managers and admins). An incident
/// closes only once its tasks are done.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/tasks/{seq}/done", tag = "incidents",
    params(("id" = String, Path), ("seq" = i64, Path, minimum = 1)),
    responses((status = 200, body = super::domain::IncidentTask), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn finish_task(
    ctx: Ctx,
    Path((id, seq)): Path<(String, i64)>,
) -> ApiResult<super::domain::IncidentTask> {
    Ok(Json(service::finish_task(&ctx, &id, seq).await?))
}

/// The organisation's severity scale, least severe first.
#[utoipa::path(get, path = "/api/v1/incidents/severities", tag = "incidents",
    responses((status = 200, body = SeverityScale)))]
pub async fn get_severities(ctx: Ctx) -> ApiResult<SeverityScale> {
    Ok(Json(service::severities(&ctx).await?))
}

/// Replaces the severity scale (managers and admins): 2 to 10 levels, least severe first,
/// keys and labels unique. A level incidents are rated with cannot be removed (409): rename its
/// label instead.
#[utoipa::path(put, path = "/api/v1/incidents/severities", tag = "incidents", request_body = SeverityScale,
    responses((status = 200, body = SeverityScale), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_severities(
    ctx: Ctx,
    JsonBody(input): JsonBody<SeverityScale>,
) -> ApiResult<SeverityScale> {
    Ok(Json(service::set_severities(&ctx, &input).await?))
}

/// Imports incidents from a CSV or XLSX file sent as the body (managers and admins): all rows
/// or none; a row whose id is an incident of Annex updates its description, triage and
/// lessons (never its status), so an export imports back unchanged.
#[utoipa::path(post, path = "/api/v1/incidents/import", tag = "incidents",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_incidents(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::IncidentImport, raw, req)
        .await
}
