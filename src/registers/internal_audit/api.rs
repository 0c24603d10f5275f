//! Internal audit's JSON API: programmes and their coverage, audits with their checklist and
//! report, findings and their import (each record's revision as `ETag`).

use super::domain::AuditRecord;
use super::domain::{
    AuditInput, AuditQuery, AuditStatus, Coverage, InternalAudit, ItemInput, Programme,
    ProgrammeInput,
};
use super::domain_finding::{Finding, FindingInput, FindingKind, FindingQuery, FindingStatus};
use super::service;
use super::service_checklist;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use axum::Json;
use axum::http::StatusCode;
use serde::Deserialize;

/// Every audit programme, newest cycle first.
#[utoipa::path(get, path = "/api/v1/audit-programmes", tag = "internal audit",
    responses((status = 200, body = Vec<Programme>)))]
pub async fn list_programmes(ctx: Ctx) -> ApiResult<Vec<Programme>> {
    Ok(Json(service::programmes(&ctx).await?))
}

/// Records an audit programme (managers and admins); its cycle is three years unless
/// `ends_on` says otherwise.
#[utoipa::path(post, path = "/api/v1/audit-programmes", tag = "internal audit", request_body = ProgrammeInput,
    responses((status = 201, body = Programme), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_programme(ctx: Ctx, JsonBody(input): JsonBody<ProgrammeInput>) -> TaggedResult {
    let x = service::create_programme(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// One programme; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/audit-programmes/{id}", tag = "internal audit", params(("id" = String, Path)),
    responses((status = 200, body = Programme), (status = 404, body = ErrorBody)))]
pub async fn get_programme(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::programme(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces a programme (managers and admins); refused when one of its audits would fall
/// outside the new cycle.
#[utoipa::path(put, path = "/api/v1/audit-programmes/{id}", tag = "internal audit", request_body = ProgrammeInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the programme as read")),
    responses((status = 200, body = Programme), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_programme(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ProgrammeInput>,
) -> TaggedResult {
    let x = service::update_programme(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// What a programme has covered: every clause of ISO/IEC 27001 and every applicable control,
/// audited (by a completed audit), planned, or not yet.
#[utoipa::path(get, path = "/api/v1/audit-programmes/{id}/coverage", tag = "internal audit", params(("id" = String, Path)),
    responses((status = 200, body = Coverage), (status = 404, body = ErrorBody)))]
pub async fn get_coverage(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Coverage> {
    let (_, _, c) = service::programme_coverage(&ctx, &id).await?;
    Ok(Json(c))
}

/// Audits, newest first: of a programme, in a status, or with an auditor on their team.
#[utoipa::path(get, path = "/api/v1/internal-audits", tag = "internal audit",
    params(
        ("programme" = Option<String>, Query, description = "a programme's id"),
        ("status" = inline(Option<AuditStatus>), Query),
        ("auditor" = Option<String>, Query, description = "an e-mail on the audit's team"),
    ),
    responses((status = 200, body = Vec<InternalAudit>), (status = 400, body = ErrorBody)))]
pub async fn list_audits(ctx: Ctx, Query(p): Query) -> ApiResult<Vec<InternalAudit>> {
    p.check_known(AuditQuery::PARAMS)?;
    let q = AuditQuery::read(&p)?;
    Ok(Json(service::audits(&ctx, &q).await?))
}

/// Plans an audit (managers and admins): 422 naming what an auditor owns in its scope when
/// the team is not independent, or when its dates fall outside its programme's cycle.
#[utoipa::path(post, path = "/api/v1/internal-audits", tag = "internal audit", request_body = AuditInput,
    responses((status = 201, body = InternalAudit), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_audit(ctx: Ctx, JsonBody(input): JsonBody<AuditInput>) -> TaggedResult {
    let x = service::create_audit(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// One audit with its checklist (each item's state in Annex now and the result recorded),
/// its findings and its team's independence; its `ETag` is the audit's revision.
#[utoipa::path(get, path = "/api/v1/internal-audits/{id}", tag = "internal audit", params(("id" = String, Path)),
    responses((status = 200, body = AuditRecord), (status = 404, body = ErrorBody)))]
pub async fn get_audit(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let r = service_checklist::record(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, r.audit.revision, r))
}

/// Replaces an audit (managers and admins): its plan, status and conclusion. Completing it
/// needs a conclusion.
#[utoipa::path(put, path = "/api/v1/internal-audits/{id}", tag = "internal audit", request_body = AuditInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the audit as read")),
    responses((status = 200, body = InternalAudit), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_audit(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<AuditInput>,
) -> TaggedResult {
    let x = service::update_audit(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Results for items of an audit's checklist.
#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ChecklistResults {
    #[schema(max_items = 2000)]
    pub items: Vec<ItemInput>,
}

/// Records results on an audit's checklist (its team: managers, admins, and auditors named on
/// it): all or none; a planned audit moves into progress. Answers the audit as it is now.
#[utoipa::path(put, path = "/api/v1/internal-audits/{id}/checklist", tag = "internal audit", request_body = ChecklistResults,
    params(("id" = String, Path)),
    responses((status = 200, body = AuditRecord), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn record_checklist(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<ChecklistResults>,
) -> TaggedResult {
    service_checklist::record_results(&ctx, &id, &input.items).await?;
    let r = service_checklist::record(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, r.audit.revision, r))
}

/// The format of a report.
#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ReportFormatParam {
    Pdf,
    Xlsx,
}

/// The audit report: a PDF (the default) or an XLSX workbook with the audit, its checklist
/// and its findings.
#[utoipa::path(get, path = "/api/v1/internal-audits/{id}/report", tag = "internal audit",
    params(("id" = String, Path), ("format" = inline(Option<ReportFormatParam>), Query)),
    responses((status = 200, description = "the report", content((Vec<u8> = "application/pdf"), (Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
pub async fn get_report(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query,
) -> Result<axum::response::Response, crate::web::json::ApiError> {
    p.check_known(&["format"])?;
    let format = super::exchange::ReportFormat::parse(p.get("format").unwrap_or(""))
        .map_err(crate::domain::query::as_query_error)?;
    let (name, media, bytes) = service_checklist::report(&ctx, &id, format).await?;
    Ok(crate::exchange::attachment(&name, media, bytes))
}

/// Findings, newest first; filtered and paged.
#[utoipa::path(get, path = "/api/v1/findings", tag = "internal audit",
    params(
        ("q" = Option<String>, Query, description = "text in the id, title, description or requirement"),
        ("audit" = Option<String>, Query, description = "an audit's id"),
        ("kind" = inline(Option<FindingKind>), Query),
        ("status" = inline(Option<FindingStatus>), Query),
        ("clause" = Option<String>, Query, description = "a clause number (9.2)"),
        ("control" = Option<String>, Query, description = "a control id (5.18)"),
        ("owner" = Option<String>, Query, description = "the owner's e-mail"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Finding>), (status = 400, body = ErrorBody)))]
pub async fn list_findings(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Finding>> {
    let mut known = FindingQuery::PARAMS.to_vec();
    known.extend(["limit", "cursor"]);
    p.check_known(&known)?;
    let q = FindingQuery::read(&p)?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::findings(&ctx, &q, p.cursor(), limit).await?))
}

/// Records a finding (the audit's team: managers, admins, and auditors named on it); a
/// nonconformity names its clause or control.
#[utoipa::path(post, path = "/api/v1/findings", tag = "internal audit", request_body = FindingInput,
    responses((status = 201, body = Finding), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn create_finding(ctx: Ctx, JsonBody(input): JsonBody<FindingInput>) -> TaggedResult {
    let x = service::create_finding(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, x.revision, x))
}

/// Imports findings from a CSV or XLSX file sent as the body (managers and admins): all rows
/// or none; a row whose id is a finding of Annex updates it.
#[utoipa::path(post, path = "/api/v1/findings/import", tag = "internal audit",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_findings(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::FindingImport, raw, req)
        .await
}

/// One finding; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/findings/{id}", tag = "internal audit", params(("id" = String, Path)),
    responses((status = 200, body = Finding), (status = 404, body = ErrorBody)))]
pub async fn get_finding(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let x = service::finding(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}

/// Replaces a finding (its audit's team); `If-Match` refuses a stale write.
#[utoipa::path(put, path = "/api/v1/findings/{id}", tag = "internal audit", request_body = FindingInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the finding as read")),
    responses((status = 200, body = Finding), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_finding(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<FindingInput>,
) -> TaggedResult {
    let x = service::update_finding(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, x.revision, x))
}
