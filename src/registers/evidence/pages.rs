//! Evidence pages: the list (by state, expiring soon, by control, measure or risk, text), an
//! item with its versions and history, adding a file or a link, editing, uploading a new
//! version, and downloads checked against the file's SHA-256. Uploads stream to disk; they are
//! never held in memory. Contributors, managers and admins add evidence; editors change any
//! item, a contributor the items they collected.

use super::domain::{Evidence, EvidenceInput, FileVersion, State as EvidenceState, evidence_query};
use super::service::{self, may_edit};
use super::web::{UploadForm, download, evidence_input, read_upload, version_dates};
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageError, PageResult, history_rows, layout,
};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, Request, State};
use axum::response::{IntoResponse, Redirect, Response};

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
#[template(path = "evidence/templates/evidence_list.html")]
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

pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let value = |k: &str| params.raw(k);
    let l = layout(&s, &caller, "Evidence", "evidence", raw.as_deref()).await?;
    let mut errors = FormErrors::default();
    let filtered = params.filters_anything();
    let query = match malformed {
        Some(e) => Err(e),
        None => evidence_query(&params),
    };
    let (items, total) = match query {
        Ok(f) => service::list(&ctx, &f).await?,
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
            can_add: ctx.actor.may_contribute(),
            states: states(),
            f_state: value("state"),
            f_expiring: value("expiring"),
            new_href: if control.is_empty() {
                "/evidence/new".into()
            } else {
                format!("/evidence/new?control={}", encode(&control))
            },
            f_control: control,
            f_q: value("q"),
        },
    )
        .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "evidence/templates/evidence.html")]
struct RecordPage {
    l: Layout,
    e: Evidence,
    /// The revision the new-version form carries.
    revision: i64,
    versions: Vec<FileVersion>,
    can_edit: bool,
    max_mb: i64,
    errors: FormErrors,
    history: Vec<HistoryRow>,
}

async fn render_record(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    query: Option<&str>,
    errors: FormErrors,
) -> PageResult {
    let e = service::get(ctx, id).await?;
    let versions = service::versions(ctx, id).await?;
    let l = layout(
        s,
        caller,
        &format!("{} {}", e.id, e.title),
        "evidence",
        query,
    )
    .await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "evidence", &e.id, 50).await?,
        ctx.clock().now(),
    );
    let status = errors.status();
    let revision = errors.revision(e.revision);
    Ok((
        status,
        RecordPage {
            can_edit: may_edit(&ctx.actor, &e) && e.host.is_none(),
            revision,
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

pub async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_record(&s, &ctx, &caller, &id, q.as_deref(), FormErrors::default()).await
}

#[derive(Template, WebTemplate)]
#[template(path = "evidence/templates/evidence_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
    /// The revision of the item the form edits (0 for a new one).
    revision: i64,
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
    let revision = existing.map(|e| errors.revision(e.revision)).unwrap_or(0);
    Ok((
        status,
        FormPage {
            l,
            errors,
            revision,
            is_new: existing.is_none(),
            current_id: existing.map(|e| e.id.clone()).unwrap_or_default(),
            is_link: existing.is_some_and(|e| e.file.is_none()),
            v,
            max_mb: s.config.evidence_max_mb,
            accepted: crate::registers::evidence::domain::FILE_TYPES
                .iter()
                .map(|(e, _)| format!(".{e}"))
                .collect::<Vec<_>>()
                .join(","),
        },
    )
        .into_response())
}

pub async fn new_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    if !ctx.actor.may_contribute() {
        return Err(Error::Forbidden.into());
    }
    let params = Params::parse(raw.as_deref())?;
    let value = |k: &str| params.raw(k);
    let v = EvidenceInput {
        collected_at: ctx.today(),
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

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    req: Request,
) -> PageResult {
    if !ctx.actor.may_contribute() {
        return Err(Error::Forbidden.into());
    }
    let upload = match read_upload(&ctx, req).await {
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
    match service::create(&ctx, &v, upload.file).await {
        Ok(e) => {
            Ok(Redirect::to(&format!("/evidence/{}?notice=evidence-saved", e.id)).into_response())
        }
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, None).await,
    }
}

pub async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let e = service::get(&ctx, &id).await?;
    if !may_edit(&ctx.actor, &e) {
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

/// Saves the form; an item saved by someone else since the form was opened comes back with
/// their change named and this person's values kept (409).
pub async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let v = input_from(&form);
    match service::update(&ctx, &id, form.revision(), &v).await {
        Ok(e) => {
            Ok(Redirect::to(&format!("/evidence/{}?notice=evidence-saved", e.id)).into_response())
        }
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let mut current = service::get(&ctx, &id).await?;
            // The form carries the revision this person started from, unless it is stale.
            current.revision = form.revision().unwrap_or(current.revision);
            render_form(&s, &caller, v, errors, Some(&current)).await
        }
    }
}

pub async fn new_version(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    req: Request,
) -> PageResult {
    let current = service::get(&ctx, &id).await?;
    if !may_edit(&ctx.actor, &current) {
        return Err(Error::Forbidden.into());
    }
    let result = async {
        let upload = read_upload(&ctx, req).await.map_err(Error::from)?;
        let (collected, valid) = version_dates(&upload, &ctx.today())?;
        let started = upload.get("revision").trim().parse().ok();
        let file = upload
            .file
            .ok_or_else(|| Error::field("file", "choose the file of the new version"))?;
        service::add_version(&ctx, &id, started, file, collected, valid).await
    }
    .await;
    match result {
        Ok(e) => Ok(
            Redirect::to(&format!("/evidence/{}?notice=evidence-version", e.id)).into_response(),
        ),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_record(&s, &ctx, &caller, &id, None, errors).await
        }
    }
}

pub async fn download_page(
    ctx: Ctx,
    Path((id, version)): Path<(String, i64)>,
) -> Result<Response, PageError> {
    Ok(download(&ctx, &id, version).await?)
}
