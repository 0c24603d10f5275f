//! Objectives' pages: the objectives with their indicators and forms to add either, an
//! objective with the trends of its indicators, and an indicator with its trend, its
//! measurements and the form to record one.

use super::domain::{
    Direction, Frequency, Kpi, KpiInput, Measurement, MeasurementInput, Metric, Objective,
    ObjectiveInput, ObjectiveStatus, period_label, show,
};
use super::service;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, history_rows, layout,
};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

/// How many periods a trend shows.
const TREND: i64 = 24;

fn choices() -> (Vec<Choice>, Vec<Choice>, Vec<Choice>, Vec<Choice>) {
    use crate::web::page::choices as c;
    (
        c(Metric::ALL, Metric::key, Metric::label),
        c(Direction::ALL, Direction::key, Direction::label),
        c(Frequency::ALL, Frequency::key, Frequency::label),
        c(
            ObjectiveStatus::ALL,
            ObjectiveStatus::key,
            ObjectiveStatus::label,
        ),
    )
}

fn objective_of(form: &FormData) -> ObjectiveInput {
    ObjectiveInput {
        id: None,
        title: form.get("title").into(),
        description: form.get("description").into(),
        owner: form.get("owner").into(),
        due_on: form.get("due_on").into(),
        status: form.get("status").into(),
    }
}

fn kpi_of(form: &FormData) -> KpiInput {
    KpiInput {
        id: None,
        objective: form.get("objective").into(),
        name: form.get("name").into(),
        definition: form.get("definition").into(),
        metric: form.get("metric").into(),
        unit: form.get("unit").into(),
        target: form.get("target").into(),
        direction: form.get("direction").into(),
        frequency: form.get("frequency").into(),
        owner: form.get("owner").into(),
    }
}

/// An indicator as a line of a list: its latest value and target in words.
struct KpiLine {
    k: Kpi,
    latest: String,
    period: String,
    target: String,
}

fn line(k: Kpi) -> KpiLine {
    KpiLine {
        latest: k
            .latest
            .as_ref()
            .map(|m| k.shown(m.value))
            .unwrap_or_default(),
        period: k
            .latest
            .as_ref()
            .map(|m| period_label(&m.period, k.frequency))
            .unwrap_or_default(),
        target: k.target_shown(),
        k,
    }
}

/// An indicator's trend as an SVG chart.
async fn trend_of(ctx: &Ctx, k: &Kpi) -> Result<(String, Vec<Measurement>), Error> {
    let ms = service::measurements(ctx, &k.id, TREND).await?;
    let periods: Vec<String> = ms
        .iter()
        .map(|m| period_label(&m.period, k.frequency))
        .collect();
    let values: Vec<f64> = ms.iter().map(|m| m.value).collect();
    let unit = k.unit.clone();
    let svg = crate::web::chart::trend(&k.name, &periods, &values, Some(k.target), &move |v| {
        show((v * 10.0).round() / 10.0, &unit)
    });
    Ok((svg, ms))
}

struct Group {
    o: Objective,
    kpis: Vec<KpiLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "objective/templates/objectives.html")]
struct ListPage {
    l: Layout,
    groups: Vec<Group>,
    loose: Vec<KpiLine>,
    objectives: Vec<(String, String)>,
    can_edit: bool,
    metrics: Vec<Choice>,
    directions: Vec<Choice>,
    frequencies: Vec<Choice>,
    statuses: Vec<Choice>,
    ov: ObjectiveInput,
    kv: KpiInput,
    errors: FormErrors,
}

async fn render_list(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    ov: ObjectiveInput,
    kv: KpiInput,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "Objectives and indicators", "objectives", q).await?;
    let objectives = service::objectives(ctx).await?;
    let mut kpis = service::kpis(ctx, None).await?;
    let mut groups = Vec::new();
    for o in &objectives {
        let (mine, rest): (Vec<Kpi>, Vec<Kpi>) = kpis
            .into_iter()
            .partition(|k| k.objective.as_deref() == Some(o.id.as_str()));
        kpis = rest;
        groups.push(Group {
            o: o.clone(),
            kpis: mine.into_iter().map(line).collect(),
        });
    }
    let (metrics, directions, frequencies, statuses) = choices();
    Ok((
        errors.status(),
        ListPage {
            objectives: objectives
                .iter()
                .map(|o| (o.id.clone(), o.title.clone()))
                .collect(),
            loose: kpis.into_iter().map(line).collect(),
            groups,
            can_edit: ctx.actor.is_editor(),
            metrics,
            directions,
            frequencies,
            statuses,
            l,
            ov,
            kv,
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
    render_list(
        &s,
        &ctx,
        &caller,
        ObjectiveInput::default(),
        KpiInput::default(),
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn create_objective(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = objective_of(&form);
    match service::create_objective(&ctx, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/objectives/{}?notice=objective-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(&s, &ctx, &caller, input, KpiInput::default(), errors, None).await
        }
    }
}

pub async fn create_kpi(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = kpi_of(&form);
    match service::create_kpi(&ctx, &input).await {
        Ok(x) => {
            Ok(Redirect::to(&format!("/kpis/{}?notice=kpi-saved", encode(&x.id))).into_response())
        }
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(
                &s,
                &ctx,
                &caller,
                ObjectiveInput::default(),
                input,
                errors,
                None,
            )
            .await
        }
    }
}

pub async fn snapshot_due(ctx: Ctx) -> PageResult {
    let done = service::snapshot_due(&ctx).await?;
    Ok(Redirect::to(&format!(
        "/objectives?notice={}",
        if done.is_empty() {
            "kpis-current"
        } else {
            "kpis-measured"
        }
    ))
    .into_response())
}

struct Chart {
    k: KpiLine,
    svg: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "objective/templates/objective.html")]
struct ObjectivePage {
    l: Layout,
    x: Objective,
    charts: Vec<Chart>,
    history: Vec<HistoryRow>,
    can_edit: bool,
    statuses: Vec<Choice>,
    ov: ObjectiveInput,
    revision: i64,
    errors: FormErrors,
}

async fn render_objective(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(ObjectiveInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let x = service::objective(ctx, id).await?;
    let mut charts = Vec::new();
    for k in service::kpis(ctx, Some(&x.id)).await? {
        let (svg, _) = trend_of(ctx, &k).await?;
        charts.push(Chart { k: line(k), svg });
    }
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "objective", &x.id, 50).await?,
        ctx.clock().now(),
    );
    let (ov, revision) = form.unwrap_or_else(|| (ObjectiveInput::from(&x), x.revision));
    let l = layout(s, caller, &format!("{} {}", x.id, x.title), "objectives", q).await?;
    Ok((
        errors.status(),
        ObjectivePage {
            charts,
            history,
            can_edit: ctx.actor.is_editor(),
            statuses: choices().3,
            ov,
            revision,
            errors,
            l,
            x,
        },
    )
        .into_response())
}

pub async fn show_objective(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_objective(
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

pub async fn update_objective(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = objective_of(&form);
    let started = form.revision();
    match service::update_objective(&ctx, &id, started, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/objectives/{}?notice=objective-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_objective(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}

/// A measurement as a row of the table.
struct Row {
    period: String,
    value: String,
    met: bool,
    note: String,
    by: String,
    at: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "objective/templates/kpi.html")]
struct KpiPage {
    l: Layout,
    k: KpiLine,
    svg: String,
    rows: Vec<Row>,
    definition: &'static str,
    history: Vec<HistoryRow>,
    can_edit: bool,
    can_record: bool,
    manual: bool,
    objectives: Vec<(String, String)>,
    metrics: Vec<Choice>,
    directions: Vec<Choice>,
    frequencies: Vec<Choice>,
    kv: KpiInput,
    mv: MeasurementInput,
    revision: i64,
    errors: FormErrors,
}

async fn render_kpi(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    (form, mv): (Option<(KpiInput, i64)>, MeasurementInput),
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let k = service::kpi(ctx, id).await?;
    let (svg, ms) = trend_of(ctx, &k).await?;
    let rows = ms
        .iter()
        .rev()
        .map(|m| Row {
            period: period_label(&m.period, k.frequency),
            value: k.shown(m.value),
            met: super::domain::meets(m.value, k.target, k.direction),
            note: m.note.clone(),
            by: m.recorded_by.clone(),
            at: crate::domain::clock::display(&m.recorded_at),
        })
        .collect();
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "kpi", &k.id, 50).await?,
        ctx.clock().now(),
    );
    let (kv, revision) = form.unwrap_or_else(|| (KpiInput::from(&k), k.revision));
    let (metrics, directions, frequencies, _) = choices();
    let l = layout(s, caller, &format!("{} {}", k.id, k.name), "objectives", q).await?;
    Ok((
        errors.status(),
        KpiPage {
            definition: k.metric.definition(),
            can_edit: ctx.actor.is_editor(),
            can_record: service::may_record(ctx, &k),
            manual: k.metric == Metric::Manual,
            objectives: service::objectives(ctx)
                .await?
                .into_iter()
                .map(|o| (o.id, o.title))
                .collect(),
            k: line(k),
            svg,
            rows,
            history,
            metrics,
            directions,
            frequencies,
            kv,
            mv,
            revision,
            errors,
            l,
        },
    )
        .into_response())
}

pub async fn show_kpi(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_kpi(
        &s,
        &ctx,
        &caller,
        &id,
        (None, MeasurementInput::default()),
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn update_kpi(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = kpi_of(&form);
    let started = form.revision();
    match service::update_kpi(&ctx, &id, started, &input).await {
        Ok(x) => {
            Ok(Redirect::to(&format!("/kpis/{}?notice=kpi-saved", encode(&x.id))).into_response())
        }
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_kpi(
                &s,
                &ctx,
                &caller,
                &id,
                (Some((input, rev)), MeasurementInput::default()),
                errors,
                None,
            )
            .await
        }
    }
}

pub async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = MeasurementInput {
        period: form.get("period").into(),
        value: form.get("value").into(),
        note: form.get("note").into(),
    };
    match service::record(&ctx, &id, &input).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/kpis/{}?notice=kpi-recorded", encode(&id))).into_response())
        }
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_kpi(&s, &ctx, &caller, &id, (None, input), errors, None).await
        }
    }
}

pub async fn snapshot(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    match service::snapshot(&ctx, &id).await {
        Ok(_) => {
            Ok(Redirect::to(&format!("/kpis/{}?notice=kpi-recorded", encode(&id))).into_response())
        }
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_kpi(
                &s,
                &ctx,
                &caller,
                &id,
                (None, MeasurementInput::default()),
                errors,
                None,
            )
            .await
        }
    }
}

pub async fn export_kpis(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    crate::domain::query::Params::parse(raw.as_deref())?.check_known(&[])?;
    let all = service::kpis(&ctx, None).await?;
    Ok(crate::exchange::download(
        "indicators",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::kpis_table(&all),
    )?)
}

pub async fn export_measurements(
    ctx: Ctx,
    path: MatchedPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    crate::domain::query::Params::parse(raw.as_deref())?.check_known(&[])?;
    let all = service::history(&ctx, 10_000).await?;
    Ok(crate::exchange::download(
        "measurements",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::measurements_table(&all),
    )?)
}
