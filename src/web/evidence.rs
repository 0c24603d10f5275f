//! Evidence pages: the list (by state, expiring soon, by control, measure or risk, text), an
//! item with its versions and history, adding a file or a link, editing, uploading a new
//! version, and downloads checked against the file's SHA-256. Uploads stream to disk; they are
//! never held in memory. Contributors, managers and admins add evidence; editors change any
//! item, a contributor the items they collected.

use super::AppState;
use super::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, actor, history_rows, layout,
};
use super::session::Caller;
use crate::domain::evidence::{
    Evidence, EvidenceInput, FileVersion, State as EvidenceState, Target,
};
use crate::error::{Error, Problems};
use crate::store::{AuditFilter, EvidenceFilter, NewFile};
use askama::Template;
use askama_web::WebTemplate;
use axum::body::Body;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::{Extension, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/evidence", get(list).post(create))
        .route("/evidence/new", get(new_form))
        .route("/evidence/{id}", get(record).post(update))
        .route("/evidence/{id}/edit", get(edit_form))
        .route("/evidence/{id}/versions", post(new_version))
        .route("/evidence/{id}/versions/{version}/file", get(download_page))
}

/// Editors change every item; a contributor the items they collected (evidence filed by
/// scans changes with the host's reports only: the store refuses it, saying so).
pub fn may_edit(caller: &Caller, e: &Evidence) -> bool {
    caller.may_edit_owned(&e.collected_by)
}

/// The evidence attached to a measure or a risk (for their pages; at most 100).
pub async fn attached(s: &AppState, target: Target, id: &str) -> Result<Vec<Evidence>, Error> {
    let f = EvidenceFilter {
        target: Some((target, id.to_string())),
        limit: 100,
        ..EvidenceFilter::default()
    };
    Ok(s.store.list_evidence(&f).await?.0)
}

/// The evidence list's query: state (valid, expiring, expired), expiring (days), control,
/// measure, risk, q.
pub fn evidence_filter(pairs: &[(String, String)]) -> Result<EvidenceFilter, Error> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let mut p = Problems::new();
    let state = match get("state") {
        // Every item has a state; "none" is a control's state (nothing attached).
        Some(s) if s == "none" => {
            p.add(
                "state",
                "'none' is not an item's state: use valid, expiring, failing or expired",
            );
            None
        }
        Some(s) => p.take("state", EvidenceState::parse(&s)),
        None => None,
    };
    let expiring_within = match get("expiring") {
        Some(raw) => p.take("expiring", parse_days(&raw)),
        None => None,
    };
    let mut target = None;
    for t in Target::ALL {
        if let Some(id) = get(t.key()) {
            if target.is_some() {
                p.add(t.key(), "filter by one control, measure or risk at a time");
            }
            target = Some((t, id));
        }
    }
    p.into_result()?;
    Ok(EvidenceFilter {
        state,
        expiring_within,
        target,
        q: get("q"),
        limit: 500,
    })
}

/// `30`, `30d` or `30 days`: a number of days from 0 to 3650.
pub fn parse_days(raw: &str) -> Result<i64, String> {
    let t = raw.trim().to_lowercase();
    let digits = t
        .trim_end_matches("days")
        .trim_end_matches("day")
        .trim_end_matches('d')
        .trim();
    match digits.parse::<i64>() {
        Ok(n) if (0..=3650).contains(&n) => Ok(n),
        _ => Err(format!(
            "'{}' is not a number of days: write e.g. 30 or 30d",
            raw.trim()
        )),
    }
}

fn states() -> Vec<Choice> {
    [
        EvidenceState::Valid,
        EvidenceState::Expiring,
        EvidenceState::Failing,
        EvidenceState::Expired,
    ]
    .into_iter()
    .map(|s| Choice {
        key: s.key(),
        label: s.label(),
    })
    .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "evidence_list.html")]
struct ListPage {
    l: Layout,
    errors: FormErrors,
    items: Vec<Evidence>,
    total: i64,
    filtered: bool,
    can_add: bool,
    states: Vec<Choice>,
    f_state: String,
    f_expiring: String,
    f_control: String,
    f_q: String,
    new_href: String,
}

async fn list(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let l = layout(&s, &caller, "Evidence", "evidence", raw.as_deref()).await?;
    let mut errors = FormErrors::default();
    let mut filtered = false;
    let (items, total) = match evidence_filter(&pairs) {
        Ok(f) => {
            filtered = f
                != EvidenceFilter {
                    limit: f.limit,
                    ..EvidenceFilter::default()
                };
            s.store.list_evidence(&f).await?
        }
        Err(e) => {
            errors = FormErrors::from_error(e)?;
            (Vec::new(), 0)
        }
    };
    let control = value("control");
    let status = errors.status();
    Ok((
        status,
        ListPage {
            l,
            errors,
            items,
            total,
            filtered,
            can_add: caller.may_contribute(),
            states: states(),
            f_state: value("state"),
            f_expiring: value("expiring"),
            new_href: if control.is_empty() {
                "/evidence/new".into()
            } else {
                format!("/evidence/new?control={}", super::session::encode(&control))
            },
            f_control: control,
            f_q: value("q"),
        },
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "evidence.html")]
struct RecordPage {
    l: Layout,
    e: Evidence,
    versions: Vec<FileVersion>,
    can_edit: bool,
    max_mb: i64,
    errors: FormErrors,
    history: Vec<HistoryRow>,
}

async fn render_record(
    s: &AppState,
    caller: &Caller,
    id: &str,
    query: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let e = s.store.evidence(id).await?;
    let versions = s.store.evidence_versions(id).await?;
    let l = layout(
        s,
        caller,
        &format!("{} {}", e.id, e.title),
        "evidence",
        query,
    )
    .await?;
    let filter = AuditFilter {
        object_type: Some("evidence".into()),
        object_id: Some(e.id.clone()),
        ..AuditFilter::default()
    };
    let history = history_rows(
        s.store.audit_entries(&filter, 50).await?,
        s.store.clock().now(),
    );
    let status = errors.status();
    Ok((
        status,
        RecordPage {
            can_edit: may_edit(caller, &e) && e.host.is_none(),
            max_mb: s.config.evidence_max_mb,
            l,
            e,
            versions,
            errors,
            history,
        },
    )
        .into_response())
}

async fn record(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_record(&s, &caller, &id, q.as_deref(), FormErrors::default()).await
}

#[derive(Template, WebTemplate)]
#[template(path = "evidence_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
    is_new: bool,
    current_id: String,
    is_link: bool,
    v: EvidenceInput,
    max_mb: i64,
    accepted: String,
}

async fn render_form(
    s: &AppState,
    caller: &Caller,
    v: EvidenceInput,
    errors: FormErrors,
    existing: Option<&Evidence>,
) -> PageResult {
    let l = layout(
        s,
        caller,
        if existing.is_some() {
            "Edit evidence"
        } else {
            "Add evidence"
        },
        "evidence",
        None,
    )
    .await?;
    let status = errors.status();
    Ok((
        status,
        FormPage {
            l,
            errors,
            is_new: existing.is_none(),
            current_id: existing.map(|e| e.id.clone()).unwrap_or_default(),
            is_link: existing.is_some_and(|e| e.file.is_none()),
            v,
            max_mb: s.config.evidence_max_mb,
            accepted: crate::domain::evidence::FILE_TYPES
                .iter()
                .map(|(e, _)| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(","),
        },
    )
        .into_response())
}

async fn new_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    if !caller.may_contribute() {
        return Err(Error::Forbidden.into());
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let v = EvidenceInput {
        collected_at: s.store.today(),
        collected_by: caller
            .user
            .as_ref()
            .map(|u| u.email.clone())
            .unwrap_or_default(),
        controls: value("control"),
        measures: value("measure"),
        risks: value("risk"),
        ..EvidenceInput::default()
    };
    render_form(&s, &caller, v, FormErrors::default(), None).await
}

/// A multipart form read as it streams: its text fields, and its `file` part written to the
/// blob store's temporary file (counted against the limit), if one was chosen.
pub struct UploadForm {
    pub fields: Vec<(String, String)>,
    pub file: Option<NewFile>,
}

impl UploadForm {
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
fn evidence_input(value: impl Fn(&str) -> String) -> EvidenceInput {
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

/// Reads a multipart upload as it streams (no body limit applies but the evidence limit,
/// counted on the file); text fields are at most 64 KB each.
pub async fn read_upload(s: &AppState, req: Request) -> Result<UploadForm, UploadRefused> {
    let mut fields = Vec::new();
    let mut file = None;
    match read_parts(s, req, &mut fields, &mut file).await {
        Ok(()) => Ok(UploadForm { fields, file }),
        Err(error) => Err(UploadRefused { fields, error }),
    }
}

async fn read_parts(
    s: &AppState,
    req: Request,
    fields: &mut Vec<(String, String)>,
    file: &mut Option<NewFile>,
) -> Result<(), Error> {
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
    let unreadable = |_| Error::BadRequest("the upload could not be read".into());
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        let name = field.name().unwrap_or_default().to_string();
        if name == "file" {
            let file_name = field.file_name().unwrap_or_default().to_string();
            let mut w = s.store.blob_writer(s.config.evidence_max_bytes()).await?;
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
            let mut text = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                text.extend_from_slice(&chunk);
                if text.len() > 64 * 1024 {
                    return Err(Error::field(&name, "at most 64 KB"));
                }
            }
            fields.push((name, String::from_utf8_lossy(&text).into_owned()));
        }
    }
    Ok(())
}

async fn create(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> PageResult {
    if !caller.may_contribute() {
        return Err(Error::Forbidden.into());
    }
    let upload = match read_upload(&s, req).await {
        Ok(u) => u,
        Err(refused) => {
            let typed = UploadForm {
                fields: refused.fields,
                file: None,
            };
            return render_form(
                &s,
                &caller,
                typed.input(),
                FormErrors::from_error(refused.error)?,
                None,
            )
            .await;
        }
    };
    let v = upload.input();
    let result = match v.parse(upload.file.is_some(), &s.store.today(), &actor(&caller)) {
        Ok(d) => s.store.add_evidence(&actor(&caller), d, upload.file).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(e) => {
            Ok(Redirect::to(&format!("/evidence/{}?notice=evidence-saved", e.id)).into_response())
        }
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, None).await,
    }
}

async fn edit_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let e = s.store.evidence(&id).await?;
    if !may_edit(&caller, &e) {
        return Err(Error::Forbidden.into());
    }
    e.kept_by_scans()?;
    render_form(
        &s,
        &caller,
        EvidenceInput::from(&e),
        FormErrors::default(),
        Some(&e),
    )
    .await
}

fn input_from(form: &FormData) -> EvidenceInput {
    evidence_input(|k| form.all(k).join(", "))
}

async fn update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let current = s.store.evidence(&id).await?;
    if !may_edit(&caller, &current) {
        return Err(Error::Forbidden.into());
    }
    let v = input_from(&form);
    // An item keeps what it is: a file stays a file (its content changes by a new version).
    let result = match v.parse(current.file.is_some(), &s.store.today(), &actor(&caller)) {
        Ok(d) => s.store.update_evidence(&actor(&caller), &id, d).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(e) => {
            Ok(Redirect::to(&format!("/evidence/{}?notice=evidence-saved", e.id)).into_response())
        }
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, Some(&current)).await,
    }
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

async fn new_version(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    req: Request,
) -> PageResult {
    let current = s.store.evidence(&id).await?;
    if !may_edit(&caller, &current) {
        return Err(Error::Forbidden.into());
    }
    let result = async {
        let upload = read_upload(&s, req).await.map_err(Error::from)?;
        let (collected, valid) = version_dates(&upload, &s.store.today())?;
        let file = upload
            .file
            .ok_or_else(|| Error::field("file", "choose the file of the new version"))?;
        s.store
            .add_evidence_version(&actor(&caller), &id, file, collected, valid)
            .await
    }
    .await;
    match result {
        Ok(e) => Ok(
            Redirect::to(&format!("/evidence/{}?notice=evidence-version", e.id)).into_response(),
        ),
        Err(e) => render_record(&s, &caller, &id, None, FormErrors::from_error(e)?).await,
    }
}

async fn download_page(
    State(s): State<AppState>,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, super::page::PageError> {
    Ok(download(&s, &id, version).await?)
}

/// A stored file as a download: its content is checked against its SHA-256 first (a damaged
/// file is an error, never a wrong download), then streamed in chunks.
pub async fn download(s: &AppState, id: &str, version: i64) -> Result<Response, Error> {
    let v = s.store.evidence_file(id, Some(version)).await?;
    s.store.verify_blob(&v.sha256, v.size).await?;
    let reader = s.store.open_blob(&v.sha256).await?;
    let stream = futures_util::stream::unfold(Some(reader), |state| async move {
        let mut reader = state?;
        match reader.next().await {
            Ok(Some(chunk)) => Some((Ok(axum::body::Bytes::from(chunk)), Some(reader))),
            Ok(None) => None,
            Err(e) => Some((Err(std::io::Error::other(e.to_string())), None)),
        }
    });
    let ascii: String = v
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
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, v.media_type.clone()),
            (header::CONTENT_LENGTH, v.size.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!(
                    "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
                    super::session::encode(&v.file_name)
                ),
            ),
            (
                header::HeaderName::from_static("x-content-sha256"),
                v.sha256.clone(),
            ),
            (
                header::HeaderName::from_static("x-content-type-options"),
                "nosniff".into(),
            ),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}
