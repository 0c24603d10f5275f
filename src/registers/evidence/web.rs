//! What the evidence pages and the evidence API share over HTTP: reading a multipart upload as
//! it streams (the file to the blob store's temporary file, hashed and counted; never held in
//! memory), the dates of a new version, and a stored file as a download.

use super::domain::{EvidenceInput, NewFile};
use super::service;
use crate::error::{Error, Problems};
use crate::service::Ctx;
use axum::body::Body;
use axum::extract::Request;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use service::BlobReader;

/// A multipart form read as it streams: its text fields, and its `file` part written to the
/// blob store's temporary file (counted against the limit), if one was chosen.
pub struct UploadForm {
    pub fields: Vec<(String, String)>,
    pub file: Option<NewFile>,
}

impl UploadForm {
    /// Refuses a field the call does not take (an API client's typo would otherwise be lost
    /// without a word).
    pub fn check_known(&self, known: &[&str]) -> Result<(), Error> {
        let mut p = Problems::new();
        for (name, _) in &self.fields {
            if !known.contains(&name.as_str()) {
                p.add(
                    name,
                    format!("not a field of this upload: use {}", known.join(", ")),
                );
            }
        }
        p.into_result()
    }

    pub fn get(&self, k: &str) -> &str {
        self.fields
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or_default()
    }

    pub fn input(&self) -> EvidenceInput {
        evidence_input(|k| {
            self.fields
                .iter()
                .filter(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        })
    }
}

/// An item as a form sends it, `value` giving each field (repeated fields joined).
pub fn evidence_input(value: impl Fn(&str) -> String) -> EvidenceInput {
    EvidenceInput {
        title: value("title"),
        description: value("description"),
        url: value("url"),
        collected_at: value("collected_at"),
        valid_until: value("valid_until"),
        collected_by: value("collected_by"),
        controls: value("controls"),
        measures: value("measures"),
        risks: value("risks"),
    }
}

/// An upload refused part-way, with the text fields read before the problem (so that a form
/// comes back with what was typed).
pub struct UploadRefused {
    pub fields: Vec<(String, String)>,
    pub error: Error,
}

impl From<UploadRefused> for Error {
    fn from(r: UploadRefused) -> Error {
        r.error
    }
}

/// Text fields an evidence upload may carry (the form has about ten).
const MAX_TEXT_FIELDS: usize = 50;
/// Bytes of one text field, and of all of them together.
const MAX_FIELD_BYTES: usize = 64 * 1024;
const MAX_TEXT_BYTES: usize = 256 * 1024;

/// Reads a multipart upload as it streams: one file, counted against the evidence limit as it
/// is written, and at most 50 text fields of 64 KB each, 256 KB in all — so the memory an
/// upload takes is bounded whatever its size.
pub async fn read_upload(ctx: &Ctx, req: Request) -> Result<UploadForm, UploadRefused> {
    read_upload_with(req, || service::file_writer(ctx)).await
}

/// As [`read_upload`], the file streamed to the writer `writer` gives (a use case that
/// checked who may upload: a supplier's questionnaire link).
pub async fn read_upload_with<F, Fut>(req: Request, writer: F) -> Result<UploadForm, UploadRefused>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<service::FileWriter, Error>>,
{
    let mut fields = Vec::new();
    let mut file = None;
    match read_parts(&writer, req, &mut fields, &mut file).await {
        Ok(()) => Ok(UploadForm { fields, file }),
        Err(error) => Err(UploadRefused { fields, error }),
    }
}

async fn read_parts<F, Fut>(
    writer: &F,
    req: Request,
    fields: &mut Vec<(String, String)>,
    file: &mut Option<NewFile>,
) -> Result<(), Error>
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = Result<service::FileWriter, Error>>,
{
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    let boundary = multer::parse_boundary(&content_type).map_err(|_| {
        Error::BadRequest("send the file as multipart/form-data (a form upload)".into())
    })?;
    let mut form = multer::Multipart::new(req.into_body().into_data_stream(), boundary);
    let unreadable =
        |e: multer::Error| Error::BadRequest(format!("the upload could not be read: {e}"));
    let (mut text_fields, mut text_bytes, mut file_parts) = (0usize, 0usize, 0usize);
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            file_parts += 1;
            if file_parts > 1 {
                return Err(Error::field("file", "send one file per upload"));
            }
            let file_name = field.file_name().unwrap_or_default().to_string();
            let mut w = writer().await?;
            while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                w.write(&chunk).await?;
            }
            // A file input left empty sends a part with no name and no content.
            if file_name.is_empty() {
                continue;
            }
            *file = Some(NewFile {
                incoming: w.finish().await?,
                file_name,
            });
        } else {
            text_fields += 1;
            if text_fields > MAX_TEXT_FIELDS {
                return Err(Error::BadRequest(format!(
                    "the upload has more than {MAX_TEXT_FIELDS} form fields: the evidence form has about ten"
                )));
            }
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                text.extend_from_slice(&chunk);
                text_bytes += chunk.len();
                if text.len() > MAX_FIELD_BYTES {
                    return Err(Error::field(&name, "at most 64 KB"));
                }
                if text_bytes > MAX_TEXT_BYTES {
                    return Err(Error::BadRequest(
                        "the upload's form fields hold more than 256 KB of text".into(),
                    ));
                }
            }
            fields.push((name, String::from_utf8_lossy(&text).into_owned()));
        }
    }
    Ok(())
}

/// The dates of a new version, when given: (collected at, valid until — empty clears it).
pub fn version_dates(
    form: &UploadForm,
    today: &str,
) -> Result<(Option<String>, Option<Option<String>>), Error> {
    let mut p = Problems::new();
    let collected = match form.get("collected_at").trim() {
        "" => Some(today.to_string()),
        raw => p.take("collected_at", crate::domain::input::parse_date(raw)),
    };
    if collected.as_deref().is_some_and(|c| c > today) {
        p.add(
            "collected_at",
            "a date in the future: evidence is collected, then recorded",
        );
    }
    let valid = if form.fields.iter().any(|(n, _)| n == "valid_until") {
        match form.get("valid_until").trim() {
            "" => Some(None),
            raw => p
                .take("valid_until", crate::domain::input::parse_date(raw))
                .map(Some),
        }
    } else {
        None
    };
    p.into_result()?;
    Ok((collected, valid))
}

/// A stored file as a download: its content is checked against its SHA-256 first (a damaged
/// file is an error, never a wrong download), then streamed in chunks.
pub async fn download(ctx: &Ctx, id: &str, version: i64) -> Result<Response, Error> {
    let (v, reader) = service::download(ctx, id, Some(version)).await?;
    let f = crate::domain::upload::KeptFile {
        file_name: v.file_name,
        media_type: v.media_type,
        size: v.size,
        sha256: v.sha256,
    };
    Ok(file_response(&f, reader))
}

/// A kept file, read from the vault, as a download: named as uploaded (ASCII and UTF-8), its
/// SHA-256 in `X-Content-SHA256`, never sniffed by the browser.
pub fn file_response(f: &crate::domain::upload::KeptFile, reader: BlobReader) -> Response {
    let stream = futures_util::stream::unfold(Some(reader), |state| async move {
        let mut reader = state?;
        match reader.next().await {
            Ok(Some(chunk)) => Some((Ok(axum::body::Bytes::from(chunk)), Some(reader))),
            Ok(None) => None,
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    });
    let ascii: String = f
        .file_name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .filter(|c| *c != '"' && *c != '\\')
        .collect();
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, f.media_type.clone()),
            (header::CONTENT_LENGTH, f.size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    crate::web::session::encode(&f.file_name)
                ),
            ),
            (
                header::HeaderName::from_static("x-content-sha256"),
                f.sha256.clone(),
            ),
            (
                header::HeaderName::from_static("x-content-type-options"),
                "nosniff".into(),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

/// A file on the operator's disk, streamed into the blob store's temporary file as an upload
/// is (hashed, counted against the limit): the command line's way to add a file.
pub async fn file_from_disk(ctx: &Ctx, path: &std::path::Path) -> anyhow::Result<NewFile> {
    use anyhow::Context;
    use tokio::io::AsyncReadExt;
    let mut f = tokio::fs::File::open(path)
        .await
        .with_context(|| format!("opening {}", path.display()))?;
    let mut w = service::file_writer(ctx).await?;
    let mut buf = vec![0u8; 1024 * 1024];
    loop {
        let n = f
            .read(&mut buf)
            .await
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        w.write(&buf[..n]).await?;
    }
    Ok(NewFile {
        incoming: w.finish().await?,
        file_name: path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
    })
}
