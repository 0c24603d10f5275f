//! The evidence vault's JSON API: the list, an item with its versions (its revision as
//! `ETag`), adding a file or a link (multipart, streamed), changing an item (`If-Match`),
//! a new version of its file, and downloads checked against their SHA-256.

use super::domain::{EVIDENCE_PARAMS, Evidence, EvidenceInput, FileVersion, evidence_query};
use super::service;
use super::web::{download, read_upload, version_dates};
use crate::error::Error;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{
    ApiError, ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged,
};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::extract::Request;
use axum::http::StatusCode;
use axum::response::Response;
use serde::Serialize;
use utoipa::ToSchema;

/// A page of evidence and how many items match.
#[derive(Serialize, ToSchema)]
pub struct EvidenceList {
    items: Vec<Evidence>,
    total: i64,
}

/// Evidence items, newest first (by valid-until date with a state or expiry filter).
#[utoipa::path(get, path = "/api/v1/evidence", tag = "evidence",
    params(
        ("state" = Option<String>, Query, description = "valid, expiring (within 30 days), failing (a scan shows its control failing) or expired"),
        ("expiring" = Option<String>, Query, pattern = "^ *$|^ *([0-9]{1,3}|[0-2][0-9]{3}|3[0-5][0-9]{2}|36[0-4][0-9]|3650) *([dD]([aA][yY][sS]?)?)? *$", description = "valid today and ending within this many days (0 to 3650), e.g. 30 or 30d"),
        ("control" = Option<String>, Query, description = "attached to this 2022 control, directly or through a measure"),
        ("measure" = Option<String>, Query),
        ("risk" = Option<String>, Query),
        ("q" = Option<String>, Query, description = "text in the id, title or description"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 1000, description = "1 to 1000, default 200"),
    ),
    responses((status = 200, body = EvidenceList), (status = 400, body = ErrorBody)))]
pub async fn list_evidence(ctx: Ctx, Query(p): Query) -> ApiResult<EvidenceList> {
    p.check_known(EVIDENCE_PARAMS)?;
    let mut filter = evidence_query(&p)?;
    filter.limit = p.limit(200, 1000)?;
    let (items, total) = service::list(&ctx, &filter).await?;
    Ok(Json(EvidenceList { items, total }))
}

/// An evidence item with every version of its file.
#[derive(Serialize, ToSchema)]
pub struct EvidenceRecord {
    #[serde(flatten)]
    evidence: Evidence,
    versions: Vec<FileVersion>,
}

/// Adds evidence (contributors, managers, admins) as `multipart/form-data`: a `file` part or a
/// `url` field, and the fields title, description, collected_at, valid_until, collected_by,
/// controls, measures, risks. The file streams to the store, is kept by its SHA-256 and is
/// checked against the size limit and the accepted types.
#[utoipa::path(post, path = "/api/v1/evidence", tag = "evidence",
    request_body(content = EvidenceUpload, content_type = "multipart/form-data", description = "the fields, and a `file` part"),
    responses((status = 201, body = Evidence), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_evidence(ctx: Ctx, req: Request) -> TaggedResult {
    let upload = read_upload(&ctx, req).await.map_err(Error::from)?;
    upload.check_known(UPLOAD_FIELDS)?;
    let e = service::create(&ctx, &upload.input(), upload.file).await?;
    Ok(tagged(StatusCode::CREATED, e.revision, e))
}

/// One evidence item, with its attachments, state and file versions; its `ETag` is its
/// revision.
#[utoipa::path(get, path = "/api/v1/evidence/{id}", tag = "evidence", params(("id" = String, Path)),
    responses((status = 200, body = EvidenceRecord), (status = 404, body = ErrorBody)))]
pub async fn get_evidence(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let evidence = service::get(&ctx, &id).await?;
    let versions = service::versions(&ctx, &id).await?;
    Ok(tagged(
        StatusCode::OK,
        evidence.revision,
        EvidenceRecord { evidence, versions },
    ))
}

/// Changes an item's title, description, dates, attachments (or a link's address). Managers
/// and admins; contributors for the items they collected. A file changes by a new version.
/// With `If-Match: "N"` (the `ETag` read), an item changed since is not overwritten (409).
#[utoipa::path(put, path = "/api/v1/evidence/{id}", tag = "evidence", request_body = EvidenceInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the item as read")),
    responses((status = 200, body = Evidence), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_evidence(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<EvidenceInput>,
) -> TaggedResult {
    let e = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, e.revision, e))
}

/// Uploads a new version of an item's file (`multipart/form-data` with a `file` part, and
/// optionally collected_at and valid_until for the new version); earlier versions are kept.
/// With `If-Match`, only the revision that was read gets the new version.
#[utoipa::path(post, path = "/api/v1/evidence/{id}/versions", tag = "evidence",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the item as read")),
    request_body(content = VersionUpload, content_type = "multipart/form-data", description = "a `file` part"),
    responses((status = 200, body = Evidence), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_evidence_version(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    req: Request,
) -> TaggedResult {
    let upload = read_upload(&ctx, req).await.map_err(Error::from)?;
    upload.check_known(&["collected_at", "valid_until"])?;
    let (collected, valid) = version_dates(&upload, &ctx.today())?;
    let file = upload
        .file
        .ok_or_else(|| Error::field("file", "send the new version as a `file` part"))?;
    let e = service::add_version(&ctx, &id, expected, file, collected, valid).await?;
    Ok(tagged(StatusCode::OK, e.revision, e))
}

/// Downloads one version of an item's file. Its content is checked against its SHA-256 first
/// (also sent as `X-Content-SHA256`): a damaged file answers 409 saying so, never wrong
/// bytes, and marks its item damaged.
#[utoipa::path(get, path = "/api/v1/evidence/{id}/versions/{version}/file", tag = "evidence",
    params(("id" = String, Path), ("version" = i64, Path, minimum = 1, maximum = 2147483647)),
    responses((status = 200, content_type = "*/*", description = "the file as it was uploaded, with its own type (application/octet-stream when unknown)", body = Vec<u8>), (status = 404, body = ErrorBody),
        (status = 409, description = "the stored file is damaged or missing", body = ErrorBody)))]
pub async fn download_evidence(
    ctx: Ctx,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    Ok(download(&ctx, &id, version).await?)
}

/// The register's fixed closed lists, for the API document.
pub fn values() -> Vec<Values> {
    // `none` is a control's state, never an item's.
    let states = super::domain::State::ALL
        .iter()
        .filter(|s| **s != super::domain::State::None)
        .map(|s| s.key());
    vec![Values::param("get", "/api/v1/evidence", "state", states)]
}

/// The text fields of an evidence upload.
const UPLOAD_FIELDS: &[&str] = &[
    "title",
    "description",
    "url",
    "collected_at",
    "valid_until",
    "collected_by",
    "controls",
    "measures",
    "risks",
];

/// An evidence item as a form upload: its fields, and a file or a link (not both).
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct EvidenceUpload {
    #[schema(min_length = 1, max_length = 200, pattern = "\\S")]
    title: String,
    #[schema(max_length = 5000)]
    description: Option<String>,
    /// For a link instead of a file: `https://…`
    #[schema(max_length = 2000)]
    url: Option<String>,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    collected_at: Option<String>,
    /// `YYYY-MM-DD`; empty when it does not expire.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    valid_until: Option<String>,
    /// The caller when empty.
    #[schema(max_length = 200)]
    collected_by: Option<String>,
    /// Control ids of the 2022 catalogue, comma-separated.
    controls: Option<String>,
    /// Measure ids, comma-separated.
    measures: Option<String>,
    /// Risk ids, comma-separated.
    risks: Option<String>,
    /// The file, for a file instead of a link.
    #[schema(value_type = Option<String>, format = Binary)]
    file: Option<Vec<u8>>,
}

/// A new version of an item's file as a form upload.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct VersionUpload {
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    /// `YYYY-MM-DD`; today when empty.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    collected_at: Option<String>,
    /// `YYYY-MM-DD`; empty clears it, absent keeps the item's.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    valid_until: Option<String>,
}
