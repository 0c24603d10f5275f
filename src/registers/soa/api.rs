//! The Statement of Applicability's JSON API: the SoA, one control's row (its decision's
//! revision as `ETag`), a decision (`If-Match`), approved versions and the comparison of two,
//! and the SoA as a document.

use super::domain::{ApplicabilityInput, BulkDecision, SoaQuery, SoaRow};
use super::domain_version::{RowChange, Snapshot, SoaVersion, diff_query};
use super::exchange::{DocFormat, export};
use super::service;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{
    ApiError, ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged,
};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::http::StatusCode;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// The Statement of Applicability: every control of a framework with its decision, the
/// measures that implement it, how many open risks selected it, and its warnings.
#[utoipa::path(get, path = "/api/v1/soa", tag = "soa",
    params(
        ("framework" = Option<String>, Query, description = "default iso27002-2022"),
        ("theme" = Option<String>, Query),
        ("applicable" = Option<String>, Query, description = "yes, no or undecided"),
        ("status" = Option<String>, Query, description = "not_started, planned, partially_implemented, implemented, not_applicable"),
        ("warning" = Option<String>, Query, description = "any, or undecided, selected_but_excluded, no_measure, exclusion_unjustified, no_owner, no_valid_evidence, evidence_expired, evidence_failing, no_reason, target_date_passed"),
        ("owner" = Option<String>, Query),
        ("q" = Option<String>, Query, description = "text in the id, title or justification"),
    ),
    responses((status = 200, body = Vec<SoaRow>), (status = 400, body = ErrorBody),
        (status = 404, description = "no such framework", body = ErrorBody)))]
pub async fn list_soa(ctx: Ctx, Query(p): Query) -> ApiResult<Vec<SoaRow>> {
    p.check_known(SoaQuery::PARAMS)?;
    let query = SoaQuery::read(&p)?;
    let rows = service::rows(&ctx, &query.framework).await?;
    Ok(Json(rows.into_iter().filter(|r| query.keeps(r)).collect()))
}

/// One control's row of the Statement of Applicability, with the risks that selected it; its
/// `ETag` is its decision's revision (0 while undecided).
#[utoipa::path(get, path = "/api/v1/soa/{framework}/{id}", tag = "soa",
    params(("framework" = String, Path), ("id" = String, Path)),
    responses((status = 200, body = SoaRow), (status = 404, body = ErrorBody)))]
pub async fn get_soa_row(ctx: Ctx, Path((framework, id)): Path<(String, String)>) -> TaggedResult {
    let r = service::row(&ctx, &framework, &id).await?;
    Ok(tagged(StatusCode::OK, r.applicability.revision, r))
}

/// Records the decision about a control (managers and admins; contributors for the controls
/// they own): applicable with reasons, or excluded with a reason and a justification; status,
/// maturity 0-5, owner, target date. With `If-Match: "N"` (the `ETag` read), a decision
/// changed since is not overwritten (409).
#[utoipa::path(put, path = "/api/v1/soa/{framework}/{id}", tag = "soa",
    params(("framework" = String, Path), ("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the row as read")),
    request_body = ApplicabilityInput,
    responses((status = 200, body = SoaRow), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_soa_row(
    ctx: Ctx,
    Path((framework, id)): Path<(String, String)>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<ApplicabilityInput>,
) -> TaggedResult {
    let r = service::decide(&ctx, &framework, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, r.applicability.revision, r))
}

/// What a bulk decision changed.
#[derive(Serialize, ToSchema)]
pub struct BulkOutcome {
    /// The controls whose decision changed (the others already held it), in catalogue order.
    pub changed: Vec<String>,
}

/// Decides several controls at once (managers and admins): the fields given apply to every
/// control listed, the others keep each control's own value. Every control is checked as if
/// decided alone; one problem anywhere (named `controls[8.13].justification`) or one control
/// changed since its revision in `revisions` (409) writes nothing.
#[utoipa::path(post, path = "/api/v1/soa/{framework}/decisions", tag = "soa",
    params(("framework" = String, Path)),
    request_body = BulkDecision,
    responses((status = 200, body = BulkOutcome), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn decide_soa_rows(
    ctx: Ctx,
    Path(framework): Path<String>,
    JsonBody(bulk): JsonBody<BulkDecision>,
) -> ApiResult<BulkOutcome> {
    let changed = service::decide_many(&ctx, &framework, &bulk).await?;
    Ok(Json(BulkOutcome { changed }))
}

/// An approval.
#[derive(Deserialize, Default, ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ApprovalInput {
    /// e.g. which management review approved it
    note: String,
}

/// The approved versions of the Statement of Applicability (ISO/IEC 27002:2022), newest first.
#[utoipa::path(get, path = "/api/v1/soa/versions", tag = "soa",
    responses((status = 200, body = Vec<SoaVersion>)))]
pub async fn list_soa_versions(ctx: Ctx) -> ApiResult<Vec<SoaVersion>> {
    Ok(Json(service::versions(&ctx, DEFAULT_FRAMEWORK).await?))
}

/// Approves the current Statement of Applicability (managers and admins): every row is frozen
/// as the next version, with the approver, the time and the snapshot's SHA-256 (also written
/// to the audit trail).
#[utoipa::path(post, path = "/api/v1/soa/versions", tag = "soa", request_body = ApprovalInput,
    responses((status = 201, body = SoaVersion), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn approve_soa(
    ctx: Ctx,
    JsonBody(input): JsonBody<ApprovalInput>,
) -> Result<(StatusCode, Json<SoaVersion>), ApiError> {
    Ok((
        StatusCode::CREATED,
        Json(service::approve(&ctx, DEFAULT_FRAMEWORK, &input.note).await?),
    ))
}

/// An approved version with its header and every row as it was.
#[derive(Serialize, ToSchema)]
pub struct SoaVersionRecord {
    #[serde(flatten)]
    version: SoaVersion,
    snapshot: Snapshot,
}

/// One approved version with its rows as they were.
#[utoipa::path(get, path = "/api/v1/soa/versions/{version}", tag = "soa", params(("version" = i64, Path, minimum = 1, maximum = 2147483647)),
    responses((status = 200, body = SoaVersionRecord), (status = 404, body = ErrorBody)))]
pub async fn get_soa_version(ctx: Ctx, Path(version): Path<i64>) -> ApiResult<SoaVersionRecord> {
    let (version, snapshot) = service::version(&ctx, DEFAULT_FRAMEWORK, version).await?;
    Ok(Json(SoaVersionRecord { version, snapshot }))
}

/// What changed from an approved version (`from`) to another (`to`) or to the current state
/// (no `to`): each control that differs, with each field before and after.
#[utoipa::path(get, path = "/api/v1/soa/diff", tag = "soa",
    params(("from" = i64, Query, minimum = 1, maximum = 2147483647), ("to" = Option<i64>, Query, minimum = 1, maximum = 2147483647, description = "a version; the current state when absent")),
    responses((status = 200, body = Vec<RowChange>), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody),
        (status = 409, description = "a version no longer matches what was approved (altered in the database)", body = ErrorBody)))]
pub async fn soa_diff(ctx: Ctx, Query(p): Query) -> ApiResult<Vec<RowChange>> {
    p.check_known(&["from", "to"])?;
    let (from, to) = diff_query(&p)?;
    Ok(Json(
        service::changes(&ctx, DEFAULT_FRAMEWORK, from, to).await?,
    ))
}

/// The Statement of Applicability as a document: `format` xlsx (title block, frozen filtered
/// table), csv or pdf (cover, contents, summary, table, exclusions); `version` for an
/// approved version, else the current state.
#[utoipa::path(get, path = "/api/v1/soa/export", tag = "soa",
    params(("format" = Option<String>, Query, description = "xlsx (default), csv or pdf"), ("version" = Option<i64>, Query, minimum = 1, maximum = 2147483647, description = "an approved version; the current state when absent")),
    responses((status = 200, description = "the document in the format asked for", content((Vec<u8> = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), (Vec<u8> = "text/csv"), (Vec<u8> = "application/pdf"))), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody),
        (status = 409, description = "the version no longer matches what was approved (altered in the database)", body = ErrorBody)))]
pub async fn export_soa(ctx: Ctx, Query(p): Query) -> Result<Response, ApiError> {
    p.check_known(&["format", "version"])?;
    let format = DocFormat::parse(p.get("format").unwrap_or("xlsx"))
        .map_err(crate::domain::query::as_query_error)?;
    let query = SoaQuery::read(&p)?;
    Ok(
        export(&ctx, &query.framework, query.version, |_| true, format)
            .await?
            .response(),
    )
}

/// The SoA's fixed closed lists, for the API document.
pub fn values() -> Vec<Values> {
    use super::domain::{ExclusionReason, Status, Warning};
    let statuses = Status::ALL.iter().map(|s| s.key());
    let warnings = ["any"]
        .into_iter()
        .chain(Warning::ALL.iter().map(|w| w.key()));
    vec![
        Values::param(
            "get",
            "/api/v1/soa",
            "applicable",
            ["yes", "no", "undecided"],
        ),
        Values::param("get", "/api/v1/soa", "status", statuses),
        Values::param("get", "/api/v1/soa", "warning", warnings),
        Values::param(
            "get",
            "/api/v1/soa/export",
            "format",
            ["xlsx", "csv", "pdf"],
        ),
        Values::property(
            "ApplicabilityInput",
            "applicable",
            [
                serde_json::Value::Null,
                "".into(),
                "yes".into(),
                "no".into(),
            ],
        ),
        Values::property(
            "ApplicabilityInput",
            "exclusion_reason",
            [""].into_iter()
                .chain(ExclusionReason::ALL.iter().map(|r| r.key())),
        ),
        Values::property(
            "ApplicabilityInput",
            "status",
            [""].into_iter().chain(Status::ALL.iter().map(|s| s.key())),
        ),
        Values::property(
            "BulkDecision",
            "applicable",
            [serde_json::Value::Null, "yes".into(), "no".into()],
        ),
        Values::property(
            "BulkDecision",
            "exclusion_reason",
            [serde_json::Value::Null, "".into()]
                .into_iter()
                .chain(ExclusionReason::ALL.iter().map(|r| r.key().into())),
        ),
        Values::property(
            "BulkDecision",
            "status",
            [serde_json::Value::Null]
                .into_iter()
                .chain(Status::ALL.iter().map(|s| s.key().into())),
        ),
        Values::property(
            "ApplicabilityInput",
            "maturity",
            [serde_json::Value::Null, "".into()]
                .into_iter()
                .chain((0..=5).flat_map(|m| [m.into(), m.to_string().into()])),
        ),
    ]
}

/// Imports a Statement of Applicability of ISO/IEC 27002:2022 from a CSV or XLSX file sent as
/// the body (managers and admins): Annex's own export or one made elsewhere. Controls in any
/// usual spelling (`5.1`, `A.5.1`), applicability, reasons (words or tick columns), exclusion
/// reason, justification, status, maturity, owner and target date; titles, attributes,
/// measures, evidence, risks and warnings are read past. Each control's decision becomes the
/// file's (audited as `soa.import`); controls the file leaves out stay as they are. A file of
/// 2013 controls is refused, pointing to `POST /api/v1/soa/import-2013`. Every problem comes
/// back by row and column (422) and then nothing is written; `dry_run=true` reports without
/// writing.
#[utoipa::path(post, path = "/api/v1/soa/import", tag = "soa",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_soa(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange_import::SoaImport, raw, req)
        .await
}
