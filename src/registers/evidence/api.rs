//! The evidence vault's JSON API: the list, an item with its versions (its revision as
//! `ETag`), adding a file or a link (multipart, streamed), changing an item (`If-Match`),
//! a new version of its file, and downloads checked against their SHA-256.

use super::domain::{EVIDENCE_PARAMS, Evidence, EvidenceInput, FileVersion, evidence_query};
use super::service;
use super::web::{download, read_upload, version_dates};
use crate::error::Error;
use crate::service::Ctx;
use crate::web::json::{
    ApiError, ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged,
};
use axum::Json;
use axum::extract::{Path, Request};
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
        ("expiring" = Option<String>, Query, description = "valid today and ending within this many days, e.g. 30 or 30d"),
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
    request_body(content = EvidenceInput, content_type = "multipart/form-data", description = "the fields, and a `file` part"),
    responses((status = 201, body = Evidence), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_evidence(ctx: Ctx, req: Request) -> TaggedResult {
    let upload = read_upload(&ctx, req).await.map_err(Error::from)?;
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
    request_body(content = Vec<u8>, content_type = "multipart/form-data", description = "a `file` part"),
    responses((status = 200, body = Evidence), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn add_evidence_version(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    req: Request,
) -> TaggedResult {
    let upload = read_upload(&ctx, req).await.map_err(Error::from)?;
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
    params(("id" = String, Path), ("version" = i64, Path)),
    responses((status = 200, content_type = "application/octet-stream", body = Vec<u8>), (status = 404, body = ErrorBody),
        (status = 409, description = "the stored file is damaged or missing", body = ErrorBody)))]
pub async fn download_evidence(
    ctx: Ctx,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, ApiError> {
    Ok(download(&ctx, &id, version).await?)
}
