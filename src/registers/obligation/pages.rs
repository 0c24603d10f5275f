//! Obligation pages: the register with its filters and the starter list (each common
//! obligation off until added), an obligation with its controls, evidence and history, and
//! the form.

use super::domain::{
    Compliance, Obligation, ObligationInput, ObligationKind, ObligationQuery, Starter,
    controls_text,
};
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

fn kinds() -> Vec<Choice> {
    crate::web::page::choices(
        ObligationKind::ALL,
        ObligationKind::key,
        ObligationKind::label,
    )
}

fn compliances() -> Vec<Choice> {
    crate::web::page::choices(Compliance::ALL, Compliance::key, Compliance::label)
}

struct Row {
    o: Obligation,
    controls: String,
    review_due: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "obligation/templates/obligations.html")]
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
    starters: Vec<Starter>,
    kinds: Vec<Choice>,
    compliances: Vec<Choice>,
    f_q: String,
    f_kind: String,
    f_applicable: String,
    f_compliance: String,
    f_control: String,
    f_due: bool,
}

pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let l = layout(&s, &caller, "Obligations", "obligations", raw.as_deref()).await?;
    let today = ctx.today();
    let mut errors = FormErrors::default();
    let query = match malformed {
        Some(e) => Err(e),
        None => ObligationQuery::read(&params, &today),
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
                .map(|o| Row {
                    controls: controls_text(&o.controls),
                    review_due: o.review_is_due(&today),
                    o,
                })
                .collect(),
            p.total,
            p.total_capped,
            p.next_cursor
                .map(|c| with_cursor("/obligations", raw.as_deref(), &c)),
        ),
        None => (Vec::new(), 0, false, None),
    };
    let value = |k: &str| params.raw(k);
    Ok((
        errors.status(),
        RegisterPage {
            can_create: ctx.actor.is_editor(),
            export_href: with_same_filters("/obligations.csv", raw.as_deref()),
            xlsx_href: with_same_filters("/obligations.xlsx", raw.as_deref()),
            filtered: params.filters_anything(),
            starters: service::starters(&ctx).await?,
            kinds: kinds(),
            compliances: compliances(),
            f_q: value("q"),
            f_kind: value("kind"),
            f_applicable: value("applicable"),
            f_compliance: value("compliance"),
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

pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let query = ObligationQuery::read(&params, &ctx.today())?;
    let all = service::all(&ctx, &query).await?;
    Ok(crate::exchange::download(
        "obligations",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::obligations_table(&all),
    )?)
}

fn input_of(form: &FormData) -> ObligationInput {
    ObligationInput {
        id: Some(form.get("id").to_string()).filter(|s| !s.trim().is_empty()),
        starter: form.get("starter").into(),
        title: form.get("title").into(),
        kind: form.get("kind").into(),
        reference: form.get("reference").into(),
        url: form.get("url").into(),
        jurisdiction: form.get("jurisdiction").into(),
        summary: form.get("summary").into(),
        owner: form.get("owner").into(),
        applicable: matches!(form.get("applicable"), "1" | "on" | "yes" | "true"),
        applicability_note: form.get("applicability_note").into(),
        compliance: form.get("compliance").into(),
        counterparty: form.get("counterparty").into(),
        supplier: form.get("supplier").into(),
        reviewed_on: form.get("reviewed_on").into(),
        controls: form.get("controls").into(),
        evidence: form.get("evidence").into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "obligation/templates/obligation_new.html")]
struct NewPage {
    l: Layout,
    v: ObligationInput,
    kinds: Vec<Choice>,
    compliances: Vec<Choice>,
    errors: FormErrors,
}

async fn render_new(
    s: &AppState,
    caller: &Caller,
    v: ObligationInput,
    errors: FormErrors,
) -> PageResult {
    let l = layout(s, caller, "New obligation", "obligations", None).await?;
    Ok((
        errors.status(),
        NewPage {
            kinds: kinds(),
            compliances: compliances(),
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
        ObligationInput::default(),
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
        Ok(o) => Ok(Redirect::to(&format!(
            "/obligations/{}?notice=obligation-saved",
            encode(&o.id)
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
#[template(path = "obligation/templates/obligation.html")]
struct ObligationPage {
    l: Layout,
    o: Obligation,
    controls: Vec<(String, String, String)>,
    review_due: bool,
    history: Vec<HistoryRow>,
    can_edit: bool,
    v: ObligationInput,
    kinds: Vec<Choice>,
    compliances: Vec<Choice>,
    revision: i64,
    errors: FormErrors,
}

async fn render_obligation(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(ObligationInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let o = service::get(ctx, id).await?;
    let catalogs = crate::registers::catalog::service::catalogs(ctx).await?;
    let controls = o
        .controls
        .iter()
        .map(|c| {
            let title = catalogs
                .iter()
                .find(|k| k.framework.id == c.framework)
                .and_then(|k| k.control(&c.id).ok())
                .map(|k| k.title.clone())
                .unwrap_or_default();
            (c.framework.clone(), c.id.clone(), title)
        })
        .collect();
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "obligation", &o.id, 50).await?,
        ctx.clock().now(),
    );
    let (v, revision) = form.unwrap_or_else(|| (ObligationInput::from(&o), o.revision));
    let l = layout(
        s,
        caller,
        &format!("{} {}", o.id, o.title),
        "obligations",
        q,
    )
    .await?;
    Ok((
        errors.status(),
        ObligationPage {
            review_due: o.review_is_due(&ctx.today()),
            controls,
            history,
            can_edit: ctx.actor.is_editor(),
            kinds: kinds(),
            compliances: compliances(),
            v,
            revision,
            errors,
            l,
            o,
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
    render_obligation(
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
        Ok(o) => Ok(Redirect::to(&format!(
            "/obligations/{}?notice=obligation-saved",
            encode(&o.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_obligation(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}
