//! The document register's JSON API: the register, a document (its revision as `ETag`),
//! create (blank or from a template), replace, its versions, a draft's text, the workflow's
//! steps, and the templates.

use super::domain::{
    Document, DocumentInput, DocumentKind, DocumentQuery, DocumentStatus, Step, Version,
};
use super::domain_template::Template;
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::http::StatusCode;

/// The register: documents by title, filtered and paginated.
#[utoipa::path(get, path = "/api/v1/documents", tag = "documents",
    params(
        ("q" = Option<String>, Query, description = "text in the id, title or audience"),
        ("kind" = inline(Option<DocumentKind>), Query),
        ("status" = inline(Option<DocumentStatus>), Query),
        ("owner" = Option<String>, Query),
        ("control" = Option<String>, Query, pattern = r"^[^\S\x0B\x0C\x1C-\x1F\x85]*$|^[^,;\x00-\x1F\x7F]*[^,;\s\x00-\x1F\x7F][^,;\x00-\x1F\x7F]*$", description = "one control id, e.g. 5.15 (empty: any)"),
        ("review_due" = Option<bool>, Query, description = "only published documents whose review is due"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Document>), (status = 400, body = ErrorBody)))]
pub async fn list_documents(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Document>> {
    p.check_known(DocumentQuery::PARAMS)?;
    let q = DocumentQuery::read(&p, &ctx.today())?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &q, p.cursor(), limit).await?))
}

/// Creates a document with its first version, a draft (managers and admins); from a
/// template, its title, kind, controls and clauses fill what is left empty and its text is
/// filled with the organisation's data.
#[utoipa::path(post, path = "/api/v1/documents", tag = "documents", request_body = DocumentInput,
    responses((status = 201, body = Document), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_document(ctx: Ctx, JsonBody(input): JsonBody<DocumentInput>) -> TaggedResult {
    let d = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, d.revision, d))
}

/// One document; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/documents/{id}", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, body = Document), (status = 404, body = ErrorBody)))]
pub async fn get_document(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let d = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, d.revision, d))
}

/// Replaces a document's fields (managers and admins; contributors the documents they own).
#[utoipa::path(put, path = "/api/v1/documents/{id}", tag = "documents", request_body = DocumentInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the document as read")),
    responses((status = 200, body = Document), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_document(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<DocumentInput>,
) -> TaggedResult {
    let d = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, d.revision, d))
}

/// A document's versions, newest first, with their texts.
#[utoipa::path(get, path = "/api/v1/documents/{id}/versions", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Version>), (status = 404, body = ErrorBody)))]
pub async fn list_versions(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Vec<Version>> {
    Ok(Json(service::versions(&ctx, &id).await?))
}

/// A draft's new text.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct DraftText {
    /// Markdown, at most 200,000 characters.
    #[schema(max_length = 200000)]
    pub body: String,
    #[schema(max_length = 500)]
    pub change_note: String,
}

/// Replaces the text of the document's draft (its newest version, while a draft). With
/// `If-Match`, a document changed since is not overwritten (409).
#[utoipa::path(put, path = "/api/v1/documents/{id}/text", tag = "documents", request_body = DraftText,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the document as read")),
    responses((status = 200, body = Version), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn write_text(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<DraftText>,
) -> TaggedResult {
    let (d, v) = service::write_text(&ctx, &id, expected, &input.body, &input.change_note).await?;
    Ok(tagged(StatusCode::OK, d.revision, v))
}

/// A file that becomes the draft's content, as a form upload.
#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct FileUpload {
    /// PDF, DOCX, ODT, PPTX, XLSX, Markdown or text.
    #[schema(value_type = String, format = Binary)]
    file: Vec<u8>,
    #[schema(max_length = 500)]
    change_note: Option<String>,
}

/// Makes an uploaded file (`multipart/form-data` with a `file` part) the content of the
/// document's draft, kept in the evidence vault by its SHA-256; approval then freezes the
/// file's hash. With `If-Match`, a document changed since is not overwritten (409).
#[utoipa::path(post, path = "/api/v1/documents/{id}/file", tag = "documents",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the document as read")),
    request_body(content = FileUpload, content_type = "multipart/form-data", description = "a `file` part"),
    responses((status = 200, body = Version), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn upload_file(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    req: axum::extract::Request,
) -> TaggedResult {
    let upload = crate::registers::evidence::web::read_upload(&ctx, req)
        .await
        .map_err(crate::error::Error::from)?;
    upload.check_known(&["change_note"])?;
    let note = upload.get("change_note").to_string();
    let file = upload.file.ok_or_else(|| {
        crate::error::Error::field("file", "send the version's file as a `file` part")
    })?;
    let (d, v) = service::attach_file(&ctx, &id, expected, file, &note).await?;
    Ok(tagged(StatusCode::OK, d.revision, v))
}

/// Takes the uploaded file off the draft, whose text is then written in Annex again.
#[utoipa::path(delete, path = "/api/v1/documents/{id}/file", tag = "documents",
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the document as read")),
    responses((status = 200, body = Version), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub async fn remove_file(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
) -> TaggedResult {
    let (d, v) = service::remove_file(&ctx, &id, expected).await?;
    Ok(tagged(StatusCode::OK, d.revision, v))
}

/// Downloads a version's uploaded file, checked against its SHA-256 first (also sent as
/// `X-Content-SHA256`): a damaged file answers 409, never wrong bytes.
#[utoipa::path(get, path = "/api/v1/documents/{id}/versions/{number}/file", tag = "documents",
    params(("id" = String, Path), ("number" = i64, Path, minimum = 1, maximum = 2147483647)),
    responses((status = 200, content_type = "*/*", description = "the file as it was uploaded, with its own type", body = Vec<u8>), (status = 404, body = ErrorBody),
        (status = 409, description = "the stored file is damaged or missing", body = ErrorBody)))]
pub async fn version_file(
    ctx: Ctx,
    Path((id, number)): Path<(String, i64)>,
) -> Result<axum::response::Response, crate::web::json::ApiError> {
    let (f, reader) = service::version_file(&ctx, &id, number).await?;
    Ok(crate::registers::evidence::web::file_response(&f, reader))
}

/// Exports a version written in Annex as PDF, Word (DOCX) or Markdown, with a cover giving its
/// approval and SHA-256. A version that is an uploaded file is refused (409): download the
/// file itself.
#[utoipa::path(get, path = "/api/v1/documents/{id}/versions/{number}/export", tag = "documents",
    params(("id" = String, Path), ("number" = i64, Path, minimum = 1, maximum = 2147483647),
        ("format" = inline(Option<super::domain::ExportFormat>), Query, description = "pdf (default), docx or markdown")),
    responses((status = 200, content_type = "*/*", description = "the file", body = Vec<u8>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, description = "the version is an uploaded file", body = ErrorBody)))]
pub async fn export_version(
    ctx: Ctx,
    Path((id, number)): Path<(String, i64)>,
    Query(p): Query,
) -> Result<axum::response::Response, crate::web::json::ApiError> {
    p.check_known(&["format"])?;
    let format = super::domain::ExportFormat::read(&p)?;
    let (name, media, bytes) = service::export(&ctx, &id, number, format).await?;
    Ok(crate::exchange::attachment(&name, media, bytes))
}

/// A step of the workflow.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct StepInput {
    /// submit, approve, reject, publish, revise or retire
    #[schema(
        required = true,
        pattern = "^(submit|approve|reject|publish|revise|retire)$"
    )]
    pub step: String,
    /// The approver's note (required to send a version back).
    #[schema(max_length = 2000)]
    pub note: String,
}

/// Takes a workflow step: `submit` (the owner sends the draft for approval), `approve` or
/// `reject` (the approver; approval freezes the text by its SHA-256), `publish` (the approved
/// version becomes the one people read), `revise` (a new draft from the newest text),
/// `retire`. A step that cannot be taken now is refused (409) saying why.
#[utoipa::path(post, path = "/api/v1/documents/{id}/steps", tag = "documents", request_body = StepInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the document as read")),
    responses((status = 200, body = Version), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn take_step(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<StepInput>,
) -> TaggedResult {
    let step = Step::parse(&input.step).ok_or_else(|| {
        crate::error::Error::field(
            "step",
            format!(
                "'{}' is not a step: use submit, approve, reject, publish, revise or retire",
                input.step
            ),
        )
    })?;
    let (d, v) = service::step(&ctx, &id, expected, step, &input.note).await?;
    Ok(tagged(StatusCode::OK, d.revision, v))
}

/// Imports the document register from a CSV or XLSX file sent as the body (managers and
/// admins): details only; new documents start with a draft, existing ones keep their versions.
#[utoipa::path(post, path = "/api/v1/documents/import", tag = "documents",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_documents(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::DocumentImport, raw, req)
        .await
}

/// The policy templates Annex ships, with their controls, clauses and text.
#[utoipa::path(get, path = "/api/v1/documents/templates", tag = "documents",
    responses((status = 200, body = Vec<Template>)))]
pub async fn list_templates(ctx: Ctx) -> ApiResult<Vec<Template>> {
    ctx.require_reader()?;
    Ok(Json(super::domain_template::all().to_vec()))
}

/// Where acknowledgement of the published version stands: the requirement, counts in all and
/// per department (everyone signed in). Its `ETag` is the requirement's revision (0: none).
#[utoipa::path(get, path = "/api/v1/documents/{id}/acknowledgement", tag = "documents", params(("id" = String, Path)),
    responses((status = 200, body = super::domain_ack::AckSummary), (status = 404, body = ErrorBody)))]
pub async fn get_ack_summary(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let s = super::service_ack::summary(&ctx, &id).await?;
    let rev = s.rule.as_ref().map(|r| r.revision).unwrap_or(0);
    Ok(tagged(StatusCode::OK, rev, s))
}

/// Requires (`required: true`) or stops requiring acknowledgement of the published version:
/// the document's owner, managers and admins. With `If-Match` (the requirement's revision, 0
/// when there is none) a requirement changed since is not overwritten (409).
#[utoipa::path(put, path = "/api/v1/documents/{id}/acknowledgement", tag = "documents", request_body = super::domain_ack::AckRuleInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the acknowledgement as read")),
    responses((status = 200, body = super::domain_ack::AckSummary), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn set_ack_rule(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<super::domain_ack::AckRuleInput>,
) -> TaggedResult {
    super::service_ack::set_rule(&ctx, &id, expected, &input).await?;
    let s = super::service_ack::summary(&ctx, &id).await?;
    let rev = s.rule.as_ref().map(|r| r.revision).unwrap_or(0);
    Ok(tagged(StatusCode::OK, rev, s))
}

/// The audience of the published version, by name, with where each person stands
/// (managers, admins and auditors: it names people).
#[utoipa::path(get, path = "/api/v1/documents/{id}/acknowledgements", tag = "documents",
    params(("id" = String, Path),
        ("state" = inline(Option<super::domain_ack::AckState>), Query, description = "acknowledged, pending (overdue included) or overdue"),
        ("department" = Option<String>, Query),
        ("q" = Option<String>, Query, description = "text in the name, e-mail or id"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<super::domain_ack::AckLine>), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn list_acks(
    ctx: Ctx,
    Path(id): Path<String>,
    Query(p): Query,
) -> ApiResult<Page<super::domain_ack::AckLine>> {
    p.check_known(super::domain_ack::AckFilter::PARAMS)?;
    let f = super::domain_ack::AckFilter::read(&p)?;
    let limit = p.limit(100, 500)?;
    Ok(Json(
        super::service_ack::lines(&ctx, &id, &f, p.cursor(), limit).await?,
    ))
}

/// Someone's acknowledgement, recorded for them.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct RecordAck {
    /// The person's id in the staff directory; empty: the signed-in caller, found by e-mail.
    #[schema(max_length = 40)]
    pub person: String,
}

/// Acknowledges the published version: the signed-in caller themselves (`person` empty, the
/// staff directory knowing their e-mail), or, for managers and admins, someone who gave it on
/// paper (`person`). Refused (409) when the document does not ask that person.
#[utoipa::path(post, path = "/api/v1/documents/{id}/acknowledgements", tag = "documents", request_body = RecordAck,
    params(("id" = String, Path)),
    responses((status = 200, body = super::domain_ack::Owed), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn acknowledge(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<RecordAck>,
) -> ApiResult<super::domain_ack::Owed> {
    let person = input.person.trim();
    let o = if person.is_empty() {
        super::service_ack::acknowledge_signed_in(&ctx, &id).await?
    } else {
        super::service_ack::record(&ctx, &id, person).await?
    };
    Ok(Json(o))
}

/// The register's fixed closed lists, for the API document.
pub fn values() -> Vec<Values> {
    let kinds = DocumentKind::ALL.iter().map(|s| s.key());
    let scopes = super::domain_ack::AckScope::ALL.iter().map(|s| s.key());
    vec![
        Values::property("DocumentInput", "kind", [""].into_iter().chain(kinds)),
        Values::property("AckRuleInput", "scope", [""].into_iter().chain(scopes)),
    ]
}
