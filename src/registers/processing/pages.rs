//! Pages of the record of processing activities: the record (the register Art. 30 asks
//! for, with what each activity lacks), an activity with its processors, assets and history,
//! and the form.

use super::domain::{LegalBasis, Processing, ProcessingInput, transfers_text};
use super::service;
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, history_rows, layout,
    with_cursor, with_same_filters,
};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

fn bases() -> Vec<Choice> {
    crate::web::page::choices(LegalBasis::ALL, LegalBasis::key, LegalBasis::label)
}

struct Row {
    x: Processing,
    transfers: String,
    gaps: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "processing/templates/processing_list.html")]
struct RegisterPage {
    l: Layout,
    errors: FormErrors,
    can_create: bool,
    rows: Vec<Row>,
    total: i64,
    filtered: bool,
    next_href: Option<String>,
    export_href: String,
    xlsx_href: String,
    f_q: String,
    f_supplier: String,
}

pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let l = layout(
        &s,
        &caller,
        "Record of processing activities",
        "processing",
        raw.as_deref(),
    )
    .await?;
    let mut errors = FormErrors::default();
    let get = |k: &str| params.get(k).map(str::trim).filter(|v| !v.is_empty());
    let page = match malformed {
        Some(e) => Err(e),
        None => service::list(&ctx, get("q"), get("supplier"), params.cursor(), 50).await,
    };
    let (rows, total, next_href) = match page {
        Ok(p) => (
            p.items
                .into_iter()
                .map(|x| Row {
                    transfers: transfers_text(&x.transfers).join("; "),
                    gaps: x.gaps(),
                    x,
                })
                .collect(),
            p.total,
            p.next_cursor
                .map(|c| with_cursor("/processing", raw.as_deref(), &c)),
        ),
        Err(e) => {
            errors = FormErrors::from_error(e)?;
            (Vec::new(), 0, None)
        }
    };
    Ok((
        errors.status(),
        RegisterPage {
            can_create: ctx.actor.is_editor(),
            export_href: with_same_filters("/processing.csv", raw.as_deref()),
            xlsx_href: with_same_filters("/processing.xlsx", raw.as_deref()),
            filtered: params.filters_anything(),
            f_q: params.raw("q"),
            f_supplier: params.raw("supplier"),
            l,
            errors,
            rows,
            total,
            next_href,
        },
    )
        .into_response())
}

pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    params.check_known(&["q", "supplier"])?;
    let supplier = params
        .get("supplier")
        .map(str::trim)
        .filter(|v| !v.is_empty());
    let all = service::all(&ctx, supplier).await?;
    let ids: Vec<String> = all.iter().flat_map(|x| x.processors.clone()).collect();
    let names = crate::registers::supplier::service::names(&ctx, &ids).await?;
    Ok(crate::exchange::download(
        "record-of-processing",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::processing_table(&all, &names),
    )?)
}

fn input_of(form: &FormData) -> ProcessingInput {
    let checked = |k: &str| matches!(form.get(k), "1" | "on" | "yes" | "true");
    ProcessingInput {
        id: Some(form.get("id").to_string()).filter(|s| !s.trim().is_empty()),
        name: form.get("name").into(),
        owner: form.get("owner").into(),
        purposes: form.get("purposes").into(),
        legal_basis: form.get("legal_basis").into(),
        data_categories: form.get("data_categories").into(),
        special_categories: checked("special_categories"),
        data_subjects: form.get("data_subjects").into(),
        recipients: form.get("recipients").into(),
        processors: form.get("processors").into(),
        transfers: form.get("transfers").into(),
        retention: form.get("retention").into(),
        assets: form.get("assets").into(),
        security: form.get("security").into(),
        dpia_required: checked("dpia_required"),
        reviewed_on: form.get("reviewed_on").into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "processing/templates/processing_new.html")]
struct NewPage {
    l: Layout,
    v: ProcessingInput,
    bases: Vec<Choice>,
    errors: FormErrors,
}

async fn render_new(
    s: &AppState,
    caller: &Caller,
    v: ProcessingInput,
    errors: FormErrors,
) -> PageResult {
    let l = layout(s, caller, "New processing activity", "processing", None).await?;
    Ok((
        errors.status(),
        NewPage {
            bases: bases(),
            l,
            v,
            errors,
        },
    )
        .into_response())
}

pub async fn new(State(s): State<AppState>, Extension(caller): Extension<Caller>) -> PageResult {
    render_new(
        &s,
        &caller,
        ProcessingInput::default(),
        FormErrors::default(),
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = input_of(&form);
    match service::create(&ctx, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/processing/{}?notice=processing-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_new(&s, &caller, input, errors).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "processing/templates/processing.html")]
struct ProcessingPage {
    l: Layout,
    x: Processing,
    processors: Vec<(String, String)>,
    assets: Vec<(String, String)>,
    transfers: Vec<String>,
    gaps: Vec<String>,
    history: Vec<HistoryRow>,
    can_edit: bool,
    v: ProcessingInput,
    bases: Vec<Choice>,
    revision: i64,
    errors: FormErrors,
}

async fn render(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(ProcessingInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let x = service::get(ctx, id).await?;
    let processors = crate::registers::supplier::service::names(ctx, &x.processors).await?;
    let assets = crate::registers::asset::service::names(ctx, &x.assets).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "processing", &x.id, 50).await?,
        ctx.clock().now(),
    );
    let (v, revision) = form.unwrap_or_else(|| (ProcessingInput::from(&x), x.revision));
    let l = layout(s, caller, &format!("{} {}", x.id, x.name), "processing", q).await?;
    Ok((
        errors.status(),
        ProcessingPage {
            transfers: transfers_text(&x.transfers),
            gaps: x.gaps(),
            processors,
            assets,
            history,
            can_edit: ctx.actor.is_editor(),
            bases: bases(),
            v,
            revision,
            errors,
            l,
            x,
        },
    )
        .into_response())
}

pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render(
        &s,
        &ctx,
        &caller,
        &id,
        None,
        FormErrors::default(),
        q.as_deref(),
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
    let mut input = input_of(&form);
    input.id = Some(id.clone());
    let started = form.revision();
    match service::update(&ctx, &id, started, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/processing/{}?notice=processing-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}
