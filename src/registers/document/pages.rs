//! Document pages: the register, a document with its published text, versions and workflow,
//! a new document (blank or from a template), its fields, its draft's text with a preview, a
//! version as approved, and the comparison of two versions.

use super::domain::{
    Document, DocumentInput, DocumentKind, DocumentQuery, DocumentStatus, ExportFormat, Step,
    Version, VersionState,
};
use super::domain_template::{self as templates, Template};
use super::domain_text::{Line, compare, render};
use super::service::{self, may_approve, may_edit};
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, history_rows, layout,
    with_cursor, with_same_filters,
};
use crate::web::session::Caller;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

fn kinds() -> Vec<Choice> {
    DocumentKind::ALL
        .iter()
        .map(|k| Choice {
            key: k.key(),
            label: k.label(),
        })
        .collect()
}

fn statuses() -> Vec<Choice> {
    DocumentStatus::ALL
        .iter()
        .map(|k| Choice {
            key: k.key(),
            label: k.label(),
        })
        .collect()
}

struct Row {
    d: Document,
    review_due: bool,
}

#[derive(askama::Template, WebTemplate)]
#[template(path = "document/templates/documents.html")]
struct RegisterPage {
    l: Layout,
    errors: FormErrors,
    can_create: bool,
    rows: Vec<Row>,
    total: i64,
    total_capped: bool,
    filtered: bool,
    next_href: Option<String>,
    export_href: String,
    xlsx_href: String,
    kinds: Vec<Choice>,
    statuses: Vec<Choice>,
    owners: Vec<String>,
    f_q: String,
    f_kind: String,
    f_status: String,
    f_owner: String,
    f_control: String,
    f_due: bool,
}

pub async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let l = layout(&s, &caller, "Documents", "documents", raw.as_deref()).await?;
    let today = ctx.today();
    let mut errors = FormErrors::default();
    let query = match malformed {
        Some(e) => Err(e),
        None => DocumentQuery::read(&params, &today),
    };
    let page = match query {
        Ok(q) => match service::list(&ctx, &q, params.cursor(), 50).await {
            Ok(p) => Some(p),
            Err(e) => {
                errors = FormErrors::from_error(e)?;
                None
            }
        },
        Err(e) => {
            errors = FormErrors::from_error(e)?;
            None
        }
    };
    let (rows, total, total_capped, next_href) = match page {
        Some(p) => (
            p.items
                .into_iter()
                .map(|d| Row {
                    review_due: d.review_due(&today),
                    d,
                })
                .collect(),
            p.total,
            p.total_capped,
            p.next_cursor
                .map(|c| with_cursor("/documents", raw.as_deref(), &c)),
        ),
        None => (Vec::new(), 0, false, None),
    };
    let value = |k: &str| params.raw(k);
    Ok((
        errors.status(),
        RegisterPage {
            can_create: ctx.actor.is_editor(),
            export_href: with_same_filters("/documents.csv", raw.as_deref()),
            xlsx_href: with_same_filters("/documents.xlsx", raw.as_deref()),
            filtered: params.filters_anything(),
            kinds: kinds(),
            statuses: statuses(),
            owners: service::owners(&ctx).await?,
            f_q: value("q"),
            f_kind: value("kind"),
            f_status: value("status"),
            f_owner: value("owner"),
            f_control: value("control"),
            f_due: matches!(params.get("review_due"), Some("1" | "true" | "yes" | "on")),
            l,
            errors,
            rows,
            total,
            total_capped,
            next_href,
        },
    )
        .into_response())
}

/// A version in the document's list, its moments in words.
struct VersionLine {
    number: i64,
    state: &'static str,
    created_by: String,
    approved_by: String,
    approved_at: String,
    published_at: String,
    change_note: String,
}

impl VersionLine {
    fn of(v: &Version) -> VersionLine {
        let when = |s: &Option<String>| {
            s.as_deref()
                .map(crate::domain::clock::display)
                .unwrap_or_default()
        };
        let approved = v.sha256.is_some();
        VersionLine {
            number: v.number,
            state: v.state.label(),
            created_by: v.created_by.clone(),
            approved_by: if approved {
                v.decided_by.clone().unwrap_or_default()
            } else {
                String::new()
            },
            approved_at: if approved {
                when(&v.decided_at)
            } else {
                String::new()
            },
            published_at: when(&v.published_at),
            change_note: v.change_note.clone(),
        }
    }
}

/// A workflow step the person may take now, as a button.
struct Action {
    step: &'static str,
    label: &'static str,
    /// The approver's note: asked for with approval (optional) and sending back (required).
    with_note: bool,
    primary: bool,
}

#[derive(askama::Template, WebTemplate)]
#[template(path = "document/templates/document.html")]
struct RecordPage {
    l: Layout,
    d: Document,
    kind: &'static str,
    classification: String,
    review_due: bool,
    can_edit: bool,
    /// The version shown: the published one, or the newest while none is.
    shown: Option<Version>,
    shown_html: String,
    latest: Version,
    versions: Vec<VersionLine>,
    actions: Vec<Action>,
    controls: Vec<(String, String, String)>,
    history: Vec<HistoryRow>,
    /// Why the step just asked for was not taken.
    problem: Option<String>,
    ack: super::pages_ack::AckView,
}

fn actions(ctx: &Ctx, d: &Document, latest: &Version) -> Vec<Action> {
    let all = [
        (Step::Submit, "Send for approval", false, true),
        (Step::Approve, "Approve", true, true),
        (Step::Reject, "Send back", true, false),
        (Step::Publish, "Publish", false, true),
        (Step::Revise, "Start a new version", false, false),
        (Step::Retire, "Retire", false, false),
    ];
    all.into_iter()
        .filter(|(step, ..)| {
            let allowed = match step {
                Step::Approve | Step::Reject => may_approve(&ctx.actor, d),
                Step::Retire => ctx.actor.is_editor() && d.status != DocumentStatus::Retired,
                _ => may_edit(&ctx.actor, d),
            };
            allowed && step.refusal(d, latest).is_none()
        })
        .map(|(step, label, with_note, primary)| Action {
            step: step.key(),
            label,
            with_note,
            primary,
        })
        .collect()
}

pub async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_record(&s, &ctx, &caller, &id, q.as_deref(), None).await
}

async fn render_record(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    q: Option<&str>,
    problem: Option<Error>,
) -> PageResult {
    let ctx = ctx.clone();
    let id = id.to_string();
    let d = service::get(&ctx, &id).await?;
    let versions = service::versions(&ctx, &id).await?;
    let latest = versions
        .iter()
        .find(|v| v.number == d.latest_version)
        .cloned()
        .ok_or_else(|| Error::NotFound(format!("version {} of {id}", d.latest_version)))?;
    let shown = match d.current_version {
        Some(n) => versions.iter().find(|v| v.number == n).cloned(),
        None => Some(latest.clone()),
    };
    let catalogs = crate::registers::catalog::service::catalogs(&ctx).await?;
    let controls = d
        .controls
        .iter()
        .map(|c| {
            let title = catalogs
                .iter()
                .find(|k| k.framework.id == c.framework)
                .and_then(|k| k.control(&c.id).ok())
                .map(|k| k.title.clone())
                .unwrap_or_default();
            (
                c.id.clone(),
                title,
                format!("/controls/{}/{}", c.framework, c.id),
            )
        })
        .collect();
    let classification = service::levels(&ctx)
        .await?
        .into_iter()
        .find(|l| l.0 == d.classification)
        .map(|l| l.1)
        .unwrap_or_else(|| d.classification.clone());
    let l = layout(s, caller, &format!("{} {}", d.id, d.title), "documents", q).await?;
    let history = history_rows(
        crate::registers::audit::service::history(&ctx, "document", &d.id, 50).await?,
        ctx.clock().now(),
    );
    let status = match &problem {
        None => axum::http::StatusCode::OK,
        Some(e) => crate::web::json::status_of(e),
    };
    let problem = problem.map(|e| match &e {
        Error::Validation(f) | Error::Query(f) => f
            .iter()
            .map(|f| f.message.clone())
            .collect::<Vec<_>>()
            .join("; "),
        other => other.to_string(),
    });
    let ack = super::pages_ack::view(&ctx, &d, may_edit(&ctx.actor, &d)).await?;
    Ok((
        status,
        RecordPage {
            ack,
            problem,
            kind: d.kind.label(),
            classification,
            review_due: d.review_due(&ctx.today()),
            can_edit: may_edit(&ctx.actor, &d),
            shown_html: shown.as_ref().map(|v| render(&v.body)).unwrap_or_default(),
            actions: actions(&ctx, &d, &latest),
            shown,
            latest,
            versions: versions.iter().map(VersionLine::of).collect(),
            controls,
            history,
            l,
            d,
        },
    )
        .into_response())
}

/// Takes a workflow step from the document's page; a step that cannot be taken shows the
/// page again saying why.
pub async fn step(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let Some(step) = Step::parse(form.get("step")) else {
        let e = Error::field("step", format!("'{}' is not a step", form.get("step")));
        return render_record(&s, &ctx, &caller, &id, None, Some(e)).await;
    };
    match service::step(&ctx, &id, form.revision(), step, form.get("note")).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/documents/{id}?notice=document-{}", step.key()))
                .into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => render_record(&s, &ctx, &caller, &id, None, Some(e)).await,
    }
}

#[derive(askama::Template, WebTemplate)]
#[template(path = "document/templates/document_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
    revision: i64,
    is_new: bool,
    current_id: String,
    action: String,
    v: DocumentInput,
    review_months: String,
    template: String,
    templates: &'static [Template],
    kinds: Vec<Choice>,
    levels: Vec<(String, String)>,
}

async fn render_form(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: DocumentInput,
    template: String,
    errors: FormErrors,
    existing: Option<(&str, i64)>,
) -> PageResult {
    let l = layout(
        s,
        caller,
        if existing.is_some() {
            "Edit document"
        } else {
            "New document"
        },
        "documents",
        None,
    )
    .await?;
    Ok((
        errors.status(),
        FormPage {
            revision: existing.map(|e| errors.revision(e.1)).unwrap_or(0),
            is_new: existing.is_none(),
            current_id: existing.map(|e| e.0).unwrap_or_default().to_string(),
            action: existing
                .map(|(id, _)| format!("/documents/{id}"))
                .unwrap_or_else(|| "/documents".into()),
            review_months: crate::domain::input::text_of(&v.review_months),
            templates: templates::all(),
            kinds: kinds(),
            levels: service::levels(ctx).await?,
            template,
            l,
            errors,
            v,
        },
    )
        .into_response())
}

fn input_from(form: &FormData, id: Option<String>) -> DocumentInput {
    DocumentInput {
        id,
        kind: form.get("kind").into(),
        title: form.get("title").into(),
        owner: form.get("owner").into(),
        approver: form.get("approver").into(),
        classification: form.get("classification").into(),
        audience: form.get("audience").into(),
        review_months: Some(serde_json::Value::String(form.get("review_months").into())),
        controls: form.get("controls").into(),
        clauses: form.get("clauses").into(),
        template: form.get("template").into(),
    }
}

/// The new-document form; `?template=access-control` starts from that template.
pub async fn new_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let template = params.get("template").unwrap_or_default().to_string();
    let me = caller
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let mut v = DocumentInput {
        owner: me,
        audience: "all staff".into(),
        review_months: Some(serde_json::Value::String("12".into())),
        ..Default::default()
    };
    if let Some(t) = templates::find(&template) {
        v.title = t.title.clone();
        v.kind = t.kind.key().into();
        v.controls = t.controls.join(", ");
        v.clauses = t.clauses.join(", ");
    }
    render_form(&s, &ctx, &caller, v, template, FormErrors::default(), None).await
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let v = input_from(&form, Some(form.get("id").to_string()));
    let template = v.template.clone();
    match service::create(&ctx, &v).await {
        Ok(d) => Ok(Redirect::to(&format!("/documents/{}/text", d.id)).into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_form(&s, &ctx, &caller, v, template, errors, None).await
        }
    }
}

pub async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let d = service::get(&ctx, &id).await?;
    if !may_edit(&ctx.actor, &d) {
        return Err(Error::Forbidden.into());
    }
    let v = DocumentInput::from(&d);
    render_form(
        &s,
        &ctx,
        &caller,
        v,
        String::new(),
        FormErrors::default(),
        Some((&d.id, d.revision)),
    )
    .await
}

pub async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let mut v = input_from(&form, Some(id.clone()));
    v.template.clear();
    let started = form.revision();
    match service::update(&ctx, &id, started, &v).await {
        Ok(d) => {
            Ok(Redirect::to(&format!("/documents/{}?notice=document-saved", d.id)).into_response())
        }
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = started.unwrap_or_default();
            render_form(
                &s,
                &ctx,
                &caller,
                v,
                String::new(),
                errors,
                Some((&id, rev)),
            )
            .await
        }
    }
}

#[derive(askama::Template, WebTemplate)]
#[template(path = "document/templates/document_text.html")]
struct TextPage {
    l: Layout,
    errors: FormErrors,
    d: Document,
    number: i64,
    body: String,
    change_note: String,
    preview: String,
    revision: i64,
    /// The draft is an uploaded file (no text to write).
    file: Option<crate::domain::upload::KeptFile>,
}

/// The draft's text, with its preview.
pub async fn text_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let d = service::get(&ctx, &id).await?;
    if !may_edit(&ctx.actor, &d) {
        return Err(Error::Forbidden.into());
    }
    let v = service::version(&ctx, &id, d.latest_version).await?;
    if v.state != VersionState::Draft {
        return Ok(Redirect::to(&format!("/documents/{id}")).into_response());
    }
    let l = layout(
        &s,
        &caller,
        &format!("Write {}", d.title),
        "documents",
        None,
    )
    .await?;
    Ok(TextPage {
        preview: render(&v.body),
        revision: d.revision,
        number: v.number,
        body: v.body,
        change_note: v.change_note,
        file: v.file,
        errors: FormErrors::default(),
        l,
        d,
    }
    .into_response())
}

/// Saves the draft's text, or (`action=preview`) shows it rendered without saving.
pub async fn text_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let body = form.get("body").replace("\r\n", "\n");
    let note = form.get("change_note").to_string();
    let started = form.revision();
    let result = if form.get("action") == "preview" {
        Err(None)
    } else {
        service::write_text(&ctx, &id, started, &body, &note)
            .await
            .map_err(Some)
    };
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/documents/{id}?notice=document-text-saved")).into_response(),
        ),
        Err(Some(e @ (Error::Forbidden | Error::NotFound(_)))) => Err(e.into()),
        Err(e) => {
            let errors = match e {
                Some(e) => FormErrors::from_error(e)?,
                None => FormErrors::default(),
            };
            text_again(&s, &ctx, &caller, &id, errors, started, Some((body, note))).await
        }
    }
}

/// The draft's page again after a refused change: the problems named, what was typed kept
/// (`typed`: the text and the note), the revision the writer started from.
async fn text_again(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    errors: FormErrors,
    started: Option<i64>,
    typed: Option<(String, String)>,
) -> PageResult {
    let d = service::get(ctx, id).await?;
    let v = service::version(ctx, id, d.latest_version).await?;
    let (body, change_note) = typed.unwrap_or((v.body.clone(), v.change_note.clone()));
    let l = layout(s, caller, &format!("Write {}", d.title), "documents", None).await?;
    Ok((
        errors.status(),
        TextPage {
            preview: render(&body),
            revision: errors.revision(started.unwrap_or(d.revision)),
            number: d.latest_version,
            body,
            change_note,
            file: v.file,
            errors,
            l,
            d,
        },
    )
        .into_response())
}

/// Makes an uploaded file the draft's content (a multipart form: `file`, `change_note`,
/// `revision`); streamed to disk while it is hashed, kept in the evidence vault.
pub async fn upload_file(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> PageResult {
    let mut started = None;
    let result = async {
        let upload = crate::registers::evidence::web::read_upload(&ctx, req)
            .await
            .map_err(Error::from)?;
        started = upload.get("revision").trim().parse().ok();
        let note = upload.get("change_note").to_string();
        let file = upload
            .file
            .ok_or_else(|| Error::field("file", "choose the file of this version"))?;
        service::attach_file(&ctx, &id, started, file, &note).await
    }
    .await;
    match result {
        Ok(_) => Ok(
            Redirect::to(&format!("/documents/{id}?notice=document-file-saved")).into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            text_again(&s, &ctx, &caller, &id, errors, started, None).await
        }
    }
}

/// Takes the uploaded file off the draft: its text is written in Annex again.
pub async fn remove_file(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let started = form.revision();
    match service::remove_file(&ctx, &id, started).await {
        Ok(_) => Ok(Redirect::to(&format!("/documents/{id}/text")).into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            text_again(&s, &ctx, &caller, &id, errors, started, None).await
        }
    }
}

/// A version's uploaded file, checked against its SHA-256 before it is handed out.
pub async fn version_file(ctx: Ctx, Path((id, n)): Path<(String, String)>) -> PageResult {
    let (f, reader) = service::version_file(&ctx, &id, number_of(&n)?).await?;
    Ok(crate::registers::evidence::web::file_response(&f, reader))
}

#[derive(askama::Template, WebTemplate)]
#[template(path = "document/templates/document_version.html")]
struct VersionPage {
    l: Layout,
    d: Document,
    v: Version,
    html: String,
    /// The hash of the text as it is now, to compare with the one frozen at approval.
    hash_now: String,
}

fn number_of(raw: &str) -> Result<i64, Error> {
    raw.parse::<i64>()
        .ok()
        .filter(|n| *n >= 1)
        .ok_or_else(|| Error::NotFound(format!("version {raw}")))
}

/// One version as written (and, once approved, with the hash that froze it).
pub async fn version(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path((id, n)): Path<(String, String)>,
) -> PageResult {
    let d = service::get(&ctx, &id).await?;
    let v = service::version(&ctx, &id, number_of(&n)?).await?;
    let l = layout(
        &s,
        &caller,
        &format!("{} version {}", d.title, v.number),
        "documents",
        None,
    )
    .await?;
    Ok(VersionPage {
        html: render(&v.body),
        hash_now: v.content_hash(),
        l,
        d,
        v,
    }
    .into_response())
}

/// One version's text as a Markdown file.
pub async fn markdown(ctx: Ctx, Path((id, n)): Path<(String, String)>) -> PageResult {
    export_version(ctx, &id, &n, ExportFormat::Markdown).await
}

/// One version as a PDF (cover with its approval and hash, then the text).
pub async fn pdf(ctx: Ctx, Path((id, n)): Path<(String, String)>) -> PageResult {
    export_version(ctx, &id, &n, ExportFormat::Pdf).await
}

/// One version as a Word document (the same cover, then the text).
pub async fn docx(ctx: Ctx, Path((id, n)): Path<(String, String)>) -> PageResult {
    export_version(ctx, &id, &n, ExportFormat::Docx).await
}

async fn export_version(ctx: Ctx, id: &str, n: &str, format: ExportFormat) -> PageResult {
    let (name, media, bytes) = service::export(&ctx, id, number_of(n)?, format).await?;
    Ok(crate::exchange::attachment(&name, media, bytes))
}

#[derive(askama::Template, WebTemplate)]
#[template(path = "document/templates/document_compare.html")]
struct ComparePage {
    l: Layout,
    d: Document,
    from: i64,
    to: i64,
    numbers: Vec<i64>,
    lines: Vec<Line>,
    added: usize,
    removed: usize,
    /// When either version is an uploaded file: what each holds, and whether they are the same.
    files: Option<(String, String, bool)>,
}

/// What a version holds, in words, for a comparison involving a file.
fn content_words(v: &Version) -> String {
    match &v.file {
        Some(f) => format!(
            "the file {} ({}, SHA-256 {})",
            f.file_name,
            f.size_label(),
            f.sha256
        ),
        None => format!(
            "a text written in Annex ({} lines, SHA-256 {})",
            v.body.lines().count(),
            super::domain::text_hash(&v.body)
        ),
    }
}

/// Two versions side by side, line by line (`?from=1&to=2`; by default the newest and the
/// one before it).
pub async fn compare_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let d = service::get(&ctx, &id).await?;
    let numbers: Vec<i64> = (1..=d.latest_version).rev().collect();
    let pick = |k: &str, default: i64| -> Result<i64, Error> {
        match params.get(k) {
            None | Some("") => Ok(default),
            Some(raw) => raw
                .parse::<i64>()
                .ok()
                .filter(|n| (1..=d.latest_version).contains(n))
                .ok_or_else(|| {
                    Error::Query(vec![crate::error::FieldError::new(
                        k,
                        format!(
                            "'{raw}' is not a version of {id} (1 to {})",
                            d.latest_version
                        ),
                    )])
                }),
        }
    };
    let to = pick("to", d.latest_version)?;
    let from = pick("from", (to - 1).max(1))?;
    let old = service::version(&ctx, &id, from).await?;
    let new = service::version(&ctx, &id, to).await?;
    let files = (old.file.is_some() || new.file.is_some()).then(|| {
        (
            content_words(&old),
            content_words(&new),
            old.content_hash() == new.content_hash(),
        )
    });
    let (lines, added, removed) = if files.is_some() {
        (Vec::new(), 0, 0)
    } else {
        compare(&old.body, &new.body, 3)
    };
    let l = layout(
        &s,
        &caller,
        &format!("{}: version {from} and {to}", d.title),
        "documents",
        None,
    )
    .await?;
    Ok(ComparePage {
        l,
        d,
        from,
        to,
        numbers,
        lines,
        added,
        removed,
        files,
    }
    .into_response())
}

/// The register as CSV or XLSX: every document matching the filters.
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let query = DocumentQuery::read(&params, &ctx.today())?;
    let documents = service::all(&ctx, &query.filter).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "documents",
        format,
        &super::exchange::documents_table(&documents),
    )?)
}
