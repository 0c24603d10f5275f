//! The pages of nonconformities and corrective action: the list with a form to raise one, a
//! nonconformity with its correction, whys, root cause, actions and review, the actions list,
//! an action, and the improvement log.

use super::domain::{
    Action, ActionInput, ActionQuery, ActionStatus, Improvement, NcQuery, NcSource, NcStage,
    Nonconformity, NonconformityInput, ReviewInput,
};
use super::service;
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, choices, history_rows, layout,
    with_cursor, with_same_filters,
};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

fn sources() -> Vec<Choice> {
    choices(NcSource::ALL, NcSource::key, NcSource::label)
}

fn action_statuses() -> Vec<Choice> {
    choices(ActionStatus::ALL, ActionStatus::key, ActionStatus::label)
}

fn some(form: &FormData, k: &str) -> Option<String> {
    Some(form.get(k).to_string())
}

fn nc_of(form: &FormData) -> NonconformityInput {
    NonconformityInput {
        id: None,
        title: form.get("title").into(),
        description: form.get("description").into(),
        source: form.get("source").into(),
        source_ref: some(form, "source_ref"),
        clause: some(form, "clause"),
        control: some(form, "control"),
        owner: form.get("owner").into(),
        raised_on: form.get("raised_on").into(),
        correction: form.get("correction").into(),
        corrected_on: some(form, "corrected_on"),
        whys: (1..=5)
            .map(|i| form.get(&format!("why{i}")).to_string())
            .collect(),
        root_cause: form.get("root_cause").into(),
    }
}

fn action_of(form: &FormData, nc: &str) -> ActionInput {
    ActionInput {
        id: None,
        nonconformity: nc.into(),
        title: form.get("title").into(),
        owner: form.get("owner").into(),
        due_on: form.get("due_on").into(),
        status: form.get("status").into(),
        done_on: some(form, "done_on"),
        note: form.get("note").into(),
    }
}

// ---- the list ----

#[derive(Template, WebTemplate)]
#[template(path = "improvement/templates/nonconformities.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Nonconformity>,
    total: i64,
    total_capped: bool,
    next_href: Option<String>,
    filtered: bool,
    export_href: String,
    xlsx_href: String,
    f_q: String,
    f_source: String,
    f_state: String,
    f_owner: String,
    counts: (i64, i64, i64),
    can_raise: bool,
    can_import: bool,
    sources: Vec<Choice>,
    v: NonconformityInput,
    errors: FormErrors,
}

async fn render_list(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: NonconformityInput,
    mut errors: FormErrors,
    raw: Option<&str>,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw);
    let l = layout(s, caller, "Nonconformities", "nonconformities", raw).await?;
    let query = match malformed {
        Some(e) => Err(e),
        None => NcQuery::read(&params),
    };
    let page = match query {
        Ok(q) => match service::list(ctx, &q, params.cursor(), 100).await {
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
            p.items,
            p.total,
            p.total_capped,
            p.next_cursor
                .map(|c| with_cursor("/nonconformities", raw, &c)),
        ),
        None => (Vec::new(), 0, false, None),
    };
    let value = |k: &str| params.raw(k);
    Ok((
        errors.status(),
        ListPage {
            export_href: with_same_filters("/nonconformities.csv", raw),
            xlsx_href: with_same_filters("/nonconformities.xlsx", raw),
            filtered: params.filters_anything(),
            f_q: value("q"),
            f_source: value("source"),
            f_state: value("state"),
            f_owner: value("owner"),
            counts: service::counts(ctx).await?,
            can_raise: ctx.actor.has(&[
                crate::domain::user::Role::Admin,
                crate::domain::user::Role::Manager,
                crate::domain::user::Role::Contributor,
                crate::domain::user::Role::Auditor,
            ]),
            can_import: ctx.actor.is_editor(),
            sources: sources(),
            l,
            rows,
            total,
            total_capped,
            next_href,
            v,
            errors,
        },
    )
        .into_response())
}

pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let v = NonconformityInput {
        owner: ctx.actor.name.clone(),
        ..Default::default()
    };
    render_list(&s, &ctx, &caller, v, FormErrors::default(), q.as_deref()).await
}

pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    params.check_known(NcQuery::PARAMS)?;
    let query = NcQuery::read(&params)?;
    let all = service::all(&ctx, &query).await?;
    Ok(crate::exchange::download(
        "nonconformities",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::nonconformities_table(&all),
    )?)
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = nc_of(&form);
    match service::create(&ctx, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/nonconformities/{}?notice=nc-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(&s, &ctx, &caller, input, errors, None).await
        }
    }
}

// ---- a nonconformity ----

#[derive(Template, WebTemplate)]
#[template(path = "improvement/templates/nonconformity.html")]
struct NcPage {
    l: Layout,
    x: Nonconformity,
    today: String,
    history: Vec<HistoryRow>,
    can_edit: bool,
    can_review: bool,
    refusal: Option<String>,
    v: NonconformityInput,
    whys: Vec<(usize, String)>,
    revision: i64,
    a: ActionInput,
    errors: FormErrors,
}

struct NcForms {
    nc: Option<(NonconformityInput, i64)>,
    action: Option<ActionInput>,
}

async fn render(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    forms: NcForms,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let x = service::get(ctx, id).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "nonconformity", &x.id, 50).await?,
        ctx.clock().now(),
    );
    let (v, revision) = forms
        .nc
        .unwrap_or_else(|| (NonconformityInput::from(&x), x.revision));
    let whys = (0..5)
        .map(|i| (i + 1, v.whys.get(i).cloned().unwrap_or_default()))
        .collect();
    let a = forms.action.unwrap_or_else(|| ActionInput {
        owner: x.owner.clone(),
        ..Default::default()
    });
    let l = layout(
        s,
        caller,
        &format!("{} {}", x.id, x.title),
        "nonconformities",
        q,
    )
    .await?;
    Ok((
        errors.status(),
        NcPage {
            today: ctx.today(),
            can_edit: service::may_edit(ctx, &x) && x.stage != NcStage::Closed,
            can_review: ctx.actor.is_editor(),
            refusal: super::domain::review_refusal(&x),
            history,
            l,
            x,
            v,
            whys,
            revision,
            a,
            errors,
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
    let forms = NcForms {
        nc: None,
        action: None,
    };
    render(
        &s,
        &ctx,
        &caller,
        &id,
        forms,
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
    let input = nc_of(&form);
    let started = form.revision();
    match service::update(&ctx, &id, started, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/nonconformities/{}?notice=nc-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            let forms = NcForms {
                nc: Some((input, rev)),
                action: None,
            };
            render(&s, &ctx, &caller, &id, forms, errors, None).await
        }
    }
}

pub async fn review(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = ReviewInput {
        effective: form.get("effective") == "yes",
        note: form.get("note").into(),
    };
    match service::review(&ctx, &id, form.revision(), &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/nonconformities/{}?notice={}",
            encode(&x.id),
            if x.stage == NcStage::Closed {
                "nc-closed"
            } else {
                "nc-reviewed"
            }
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let forms = NcForms {
                nc: None,
                action: None,
            };
            render(&s, &ctx, &caller, &id, forms, errors, None).await
        }
    }
}

pub async fn create_action(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = action_of(&form, &id);
    match service::create_action(&ctx, &input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/nonconformities/{}?notice=action-saved#actions",
            encode(&id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let forms = NcForms {
                nc: None,
                action: Some(input),
            };
            render(&s, &ctx, &caller, &id, forms, errors, None).await
        }
    }
}

// ---- actions ----

#[derive(Template, WebTemplate)]
#[template(path = "improvement/templates/actions.html")]
struct ActionsPage {
    l: Layout,
    rows: Vec<Action>,
    total: i64,
    total_capped: bool,
    next_href: Option<String>,
    filtered: bool,
    export_href: String,
    xlsx_href: String,
    f_status: String,
    f_owner: String,
    f_overdue: bool,
    today: String,
    can_import: bool,
    statuses: Vec<Choice>,
    errors: FormErrors,
}

pub async fn actions(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let raw = raw.as_deref();
    let (params, malformed) = Params::parse_lenient(raw);
    let l = layout(&s, &caller, "Corrective actions", "nonconformities", raw).await?;
    let mut errors = FormErrors::default();
    let today = ctx.today();
    let query = match malformed {
        Some(e) => Err(e),
        None => ActionQuery::read(&params, &today),
    };
    let page = match query {
        Ok(q) => match service::actions(&ctx, &q, params.cursor(), 100).await {
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
            p.items,
            p.total,
            p.total_capped,
            p.next_cursor
                .map(|c| with_cursor("/corrective-actions", raw, &c)),
        ),
        None => (Vec::new(), 0, false, None),
    };
    Ok((
        errors.status(),
        ActionsPage {
            export_href: with_same_filters("/corrective-actions.csv", raw),
            xlsx_href: with_same_filters("/corrective-actions.xlsx", raw),
            filtered: params.filters_anything(),
            f_status: params.raw("status"),
            f_owner: params.raw("owner"),
            f_overdue: matches!(params.get("overdue"), Some("1" | "true" | "yes" | "on")),
            can_import: ctx.actor.is_editor(),
            statuses: action_statuses(),
            today,
            l,
            rows,
            total,
            total_capped,
            next_href,
            errors,
        },
    )
        .into_response())
}

pub async fn export_actions(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    params.check_known(ActionQuery::PARAMS)?;
    let query = ActionQuery::read(&params, &ctx.today())?;
    let all = service::all_actions(&ctx, &query).await?;
    Ok(crate::exchange::download(
        "corrective-actions",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::actions_table(&all),
    )?)
}

#[derive(Template, WebTemplate)]
#[template(path = "improvement/templates/action.html")]
struct ActionPage {
    l: Layout,
    x: Action,
    nc: Nonconformity,
    overdue: bool,
    history: Vec<HistoryRow>,
    can_edit: bool,
    statuses: Vec<Choice>,
    a: ActionInput,
    revision: i64,
    errors: FormErrors,
}

async fn render_action(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(ActionInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let x = service::action(ctx, id).await?;
    let nc = service::get(ctx, &x.nonconformity).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "corrective_action", &x.id, 50).await?,
        ctx.clock().now(),
    );
    let (a, revision) = form.unwrap_or_else(|| (ActionInput::from(&x), x.revision));
    let l = layout(
        s,
        caller,
        &format!("{} {}", x.id, x.title),
        "nonconformities",
        q,
    )
    .await?;
    Ok((
        errors.status(),
        ActionPage {
            overdue: x.is_overdue(&ctx.today()),
            can_edit: service::may_update_action(ctx, &nc, &x) && nc.stage != NcStage::Closed,
            statuses: action_statuses(),
            history,
            l,
            x,
            nc,
            a,
            revision,
            errors,
        },
    )
        .into_response())
}

pub async fn show_action(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_action(
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

pub async fn update_action(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let nc = form.get("nonconformity").to_string();
    let input = action_of(&form, &nc);
    let started = form.revision();
    match service::update_action(&ctx, &id, started, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/nonconformities/{}?notice=action-saved#actions",
            encode(&x.nonconformity)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_action(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}

// ---- the improvement log ----

#[derive(Template, WebTemplate)]
#[template(path = "improvement/templates/improvements.html")]
struct LogPage {
    l: Layout,
    rows: Vec<Improvement>,
}

pub async fn improvements(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let rows = service::log(&ctx).await?;
    let l = layout(
        &s,
        &caller,
        "Improvement log",
        "nonconformities",
        q.as_deref(),
    )
    .await?;
    Ok(LogPage { l, rows }.into_response())
}

pub async fn export_improvements(ctx: Ctx, path: MatchedPath) -> PageResult {
    let rows = service::log(&ctx).await?;
    Ok(crate::exchange::download(
        "improvements",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::improvements_table(&rows),
    )?)
}
