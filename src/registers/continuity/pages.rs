//! Continuity's pages: the overview (processes, each asset's recovery requirement and gap,
//! the dependency view), a process with its BIA, plans and exercises, the exercises.

use super::domain::{
    Exercise, ExerciseInput, ExerciseKind, ExerciseResult, HORIZONS, ImpactLevel, Process,
    ProcessInput, Requirement, duration_words,
};
use super::service;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{Choice, FormData, FormErrors, Layout, PageResult, layout};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

fn words(m: Option<i64>) -> String {
    m.map(duration_words).unwrap_or_default()
}

fn level_name(scale: &[ImpactLevel], v: Option<i64>) -> String {
    v.map(|v| {
        scale
            .iter()
            .find(|(x, _)| *x == v)
            .map(|(x, n)| format!("{x} {n}"))
            .unwrap_or_else(|| v.to_string())
    })
    .unwrap_or_default()
}

struct ProcessRow {
    id: String,
    name: String,
    owner: String,
    mtpd: String,
    rto: String,
    rpo: String,
    assets: usize,
    plans: usize,
}

fn process_row(p: &Process) -> ProcessRow {
    ProcessRow {
        id: p.id.clone(),
        name: p.name.clone(),
        owner: p.owner.clone(),
        mtpd: words(p.mtpd_minutes),
        rto: words(p.rto_minutes),
        rpo: words(p.rpo_minutes),
        assets: p.assets.len(),
        plans: p.plans.len(),
    }
}

struct RequirementRow {
    asset: String,
    name: String,
    rto: String,
    rto_by: String,
    rpo: String,
    rpo_by: String,
    tested_by: String,
    tested_on: String,
    achieved_rto: String,
    achieved_rpo: String,
    gaps: Vec<String>,
}

fn requirement_rows(reqs: Vec<Requirement>, names: &[(String, String)]) -> Vec<RequirementRow> {
    let names: std::collections::HashMap<&str, &str> =
        names.iter().map(|n| (n.0.as_str(), n.1.as_str())).collect();
    reqs.into_iter()
        .map(|r| RequirementRow {
            name: names
                .get(r.asset.as_str())
                .map(|n| n.to_string())
                .unwrap_or_default(),
            rto: words(r.required_rto_minutes),
            rto_by: r.rto_set_by.unwrap_or_default(),
            rpo: words(r.required_rpo_minutes),
            rpo_by: r.rpo_set_by.unwrap_or_default(),
            tested_by: r.tested_by.unwrap_or_default(),
            tested_on: r.tested_on.unwrap_or_default(),
            achieved_rto: words(r.achieved_rto_minutes),
            achieved_rpo: words(r.achieved_rpo_minutes),
            gaps: r.gaps,
            asset: r.asset,
        })
        .collect()
}

/// The dependency view of processes and the assets they depend on.
fn dependency_svg(processes: &[Process], reqs: &[RequirementRow]) -> String {
    use crate::web::chart::{Node, dependencies};
    let left: Vec<Node> = processes
        .iter()
        .map(|p| Node {
            id: &p.id,
            name: &p.name,
            class: "process",
            href: format!("/continuity/processes/{}", encode(&p.id)),
        })
        .collect();
    let right: Vec<Node> = reqs
        .iter()
        .map(|r| Node {
            id: &r.asset,
            name: &r.name,
            class: if r.tested_by.is_empty() {
                "asset untested"
            } else if r.gaps.is_empty() {
                "asset ok"
            } else {
                "asset gap"
            },
            href: format!("/assets/{}", encode(&r.asset)),
        })
        .collect();
    let at: std::collections::HashMap<&str, usize> = reqs
        .iter()
        .enumerate()
        .map(|(j, r)| (r.asset.as_str(), j))
        .collect();
    let mut edges = Vec::new();
    for (i, p) in processes.iter().enumerate() {
        for a in &p.assets {
            if let Some(j) = at.get(a.as_str()) {
                edges.push((i, *j));
            }
        }
    }
    dependencies(
        "Processes and the assets they depend on",
        &left,
        &right,
        &edges,
    )
}

/// Each requirement with its asset's name; only those of `keep` when given.
async fn requirements_with_names(
    ctx: &Ctx,
    keep: Option<&[String]>,
) -> Result<Vec<RequirementRow>, Error> {
    let mut reqs = service::asset_requirements(ctx, None).await?;
    if let Some(keep) = keep {
        reqs.retain(|r| keep.contains(&r.asset));
    }
    let ids: Vec<String> = reqs.iter().map(|r| r.asset.clone()).collect();
    let names = crate::registers::asset::service::names(ctx, &ids).await?;
    Ok(requirement_rows(reqs, &names))
}

#[derive(Template, WebTemplate)]
#[template(path = "continuity/templates/continuity.html")]
struct OverviewPage {
    l: Layout,
    processes: Vec<ProcessRow>,
    requirements: Vec<RequirementRow>,
    gaps: usize,
    svg: String,
    can_edit: bool,
}

pub async fn overview(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let processes = service::all_processes(&ctx).await?;
    let requirements = requirements_with_names(&ctx, None).await?;
    let svg = dependency_svg(&processes, &requirements);
    let l = layout(
        &s,
        &caller,
        "Business continuity",
        "continuity",
        q.as_deref(),
    )
    .await?;
    Ok(OverviewPage {
        gaps: requirements.iter().filter(|r| !r.gaps.is_empty()).count(),
        processes: processes.iter().map(process_row).collect(),
        requirements,
        svg,
        can_edit: ctx.actor.is_editor(),
        l,
    }
    .into_response())
}

/// The dependency view alone, as an SVG file.
pub async fn dependencies_svg(ctx: Ctx) -> PageResult {
    let processes = service::all_processes(&ctx).await?;
    let requirements = requirements_with_names(&ctx, None).await?;
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "image/svg+xml; charset=utf-8",
        )],
        dependency_svg(&processes, &requirements),
    )
        .into_response())
}

pub async fn export_processes(ctx: Ctx, path: axum::extract::MatchedPath) -> PageResult {
    let processes = service::all_processes(&ctx).await?;
    let scale = service::impact_scale(&ctx).await?;
    Ok(crate::exchange::download(
        "processes",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::processes_table(&processes, &scale),
    )?)
}

pub async fn export_exercises(ctx: Ctx, path: axum::extract::MatchedPath) -> PageResult {
    let exercises = service::all_exercises(&ctx).await?;
    Ok(crate::exchange::download(
        "exercises",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::exercises_table(&exercises),
    )?)
}

#[derive(Template, WebTemplate)]
#[template(path = "continuity/templates/process_new.html")]
struct NewProcessPage {
    l: Layout,
    v: ProcessInput,
    scale: Vec<ImpactLevel>,
    horizons: Vec<(&'static str, &'static str, String)>,
    errors: FormErrors,
}

/// The four impact fields with their words and values as typed.
fn horizons(v: &ProcessInput) -> Vec<(&'static str, &'static str, String)> {
    let values = [&v.impact_4h, &v.impact_1d, &v.impact_3d, &v.impact_1w];
    ["impact_4h", "impact_1d", "impact_3d", "impact_1w"]
        .into_iter()
        .zip(HORIZONS.iter().map(|h| h.1))
        .zip(values)
        .map(|((k, w), v)| (k, w, v.clone()))
        .collect()
}

fn process_input(form: &FormData) -> ProcessInput {
    ProcessInput {
        id: Some(form.get("id").to_string()).filter(|s| !s.trim().is_empty()),
        name: form.get("name").into(),
        description: form.get("description").into(),
        owner: form.get("owner").into(),
        impact_4h: form.get("impact_4h").into(),
        impact_1d: form.get("impact_1d").into(),
        impact_3d: form.get("impact_3d").into(),
        impact_1w: form.get("impact_1w").into(),
        mtpd: form.get("mtpd").into(),
        rto: form.get("rto").into(),
        rpo: form.get("rpo").into(),
        min_service: form.get("min_service").into(),
        assets: form.get("assets").into(),
        suppliers: form.get("suppliers").into(),
        roles: form.get("roles").into(),
        locations: form.get("locations").into(),
        reviewed_on: form.get("reviewed_on").into(),
    }
}

async fn render_new(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: ProcessInput,
    errors: FormErrors,
) -> PageResult {
    let scale = service::impact_scale(ctx).await?;
    let l = layout(s, caller, "New process", "continuity", None).await?;
    let status = errors.status();
    Ok((
        status,
        NewProcessPage {
            horizons: horizons(&v),
            l,
            v,
            scale,
            errors,
        },
    )
        .into_response())
}

pub async fn new_process(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    render_new(
        &s,
        &ctx,
        &caller,
        ProcessInput::default(),
        FormErrors::default(),
    )
    .await
}

pub async fn create_process(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = process_input(&form);
    match service::create_process(&ctx, &input).await {
        Ok(p) => Ok(Redirect::to(&format!(
            "/continuity/processes/{}?notice=process-saved",
            encode(&p.id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_new(&s, &ctx, &caller, input, errors).await
        }
    }
}

struct PlanLine {
    id: String,
    title: String,
    status: String,
}

struct ExerciseRow {
    id: String,
    title: String,
    kind: &'static str,
    held_on: String,
    result: &'static str,
    result_key: &'static str,
    achieved_rto: String,
    evidence: String,
}

fn exercise_row(e: &Exercise) -> ExerciseRow {
    ExerciseRow {
        id: e.id.clone(),
        title: e.title.clone(),
        kind: e.kind.label(),
        held_on: e.held_on.clone(),
        result: e.result.label(),
        result_key: e.result.key(),
        achieved_rto: words(e.achieved_rto_minutes),
        evidence: e.evidence.clone().unwrap_or_default(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "continuity/templates/process.html")]
struct ProcessPage {
    l: Layout,
    p: Process,
    impacts: Vec<(&'static str, String)>,
    mtpd: String,
    rto: String,
    rpo: String,
    plans: Vec<PlanLine>,
    requirements: Vec<RequirementRow>,
    exercises: Vec<ExerciseRow>,
    can_edit: bool,
    can_record: bool,
    v: ProcessInput,
    horizons: Vec<(&'static str, &'static str, String)>,
    scale: Vec<ImpactLevel>,
    revision: i64,
    errors: FormErrors,
}

async fn render_process(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(ProcessInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let p = service::process(ctx, id).await?;
    let scale = service::impact_scale(ctx).await?;
    let mut plans = Vec::new();
    for d in &p.plans {
        plans.push(
            match crate::registers::document::service::get(ctx, d).await {
                Ok(doc) => PlanLine {
                    id: doc.id.clone(),
                    title: doc.title.clone(),
                    status: doc.status.label().to_string(),
                },
                Err(_) => PlanLine {
                    id: d.clone(),
                    title: String::new(),
                    status: "not found".into(),
                },
            },
        );
    }
    let requirements = requirements_with_names(ctx, Some(&p.assets)).await?;
    let exercises = service::exercises(ctx, Some(id), None, None, 20).await?;
    let (v, revision) = form.unwrap_or_else(|| (ProcessInput::from(&p), p.revision));
    let l = layout(s, caller, &format!("{} {}", p.id, p.name), "continuity", q).await?;
    let status = errors.status();
    Ok((
        status,
        ProcessPage {
            impacts: HORIZONS
                .iter()
                .enumerate()
                .map(|(i, h)| (h.1, level_name(&scale, p.impacts.get(i).copied().flatten())))
                .collect(),
            mtpd: words(p.mtpd_minutes),
            rto: words(p.rto_minutes),
            rpo: words(p.rpo_minutes),
            plans,
            requirements,
            exercises: exercises.items.iter().map(exercise_row).collect(),
            can_edit: ctx.actor.is_editor(),
            can_record: ctx.actor.may_contribute(),
            horizons: horizons(&v),
            v,
            scale,
            revision,
            errors,
            l,
            p,
        },
    )
        .into_response())
}

pub async fn process(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_process(
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

pub async fn update_process(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = process_input(&form);
    let started = form.revision();
    match service::update_process(&ctx, &id, started, &input).await {
        Ok(p) => Ok(Redirect::to(&format!(
            "/continuity/processes/{}?notice=process-saved",
            encode(&p.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_process(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}

pub async fn add_plan(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let doc = form.get("document").trim().to_string();
    let started = form.revision();
    match service::add_plan(
        &ctx,
        &id,
        started,
        Some(doc.as_str()).filter(|d| !d.is_empty()),
    )
    .await
    {
        Ok((_, plan)) if doc.is_empty() => Ok(Redirect::to(&format!(
            "/documents/{}?notice=plan-started",
            encode(&plan)
        ))
        .into_response()),
        Ok((p, _)) => Ok(Redirect::to(&format!(
            "/continuity/processes/{}?notice=plan-linked",
            encode(&p.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(Error::Conflict(why)) => {
            let errors = FormErrors::from_error(Error::field("document", why))?;
            let res = render_process(&s, &ctx, &caller, &id, None, errors, None).await?;
            let mut res = res;
            *res.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_process(&s, &ctx, &caller, &id, None, errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "continuity/templates/exercises.html")]
struct ExercisesPage {
    l: Layout,
    rows: Vec<ExerciseRow>,
    total: i64,
    next_href: Option<String>,
    can_record: bool,
    can_import: bool,
    v: ExerciseInput,
    errors: FormErrors,
    kinds: Vec<Choice>,
    results: Vec<Choice>,
    processes: Vec<(String, String)>,
}

async fn render_exercises(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: ExerciseInput,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let params = crate::domain::query::Params::parse(q)?;
    let page = service::exercises(ctx, None, None, params.cursor(), 100).await?;
    let processes = service::all_processes(ctx).await?;
    let l = layout(s, caller, "Exercises and tests", "continuity", q).await?;
    let status = errors.status();
    Ok((
        status,
        ExercisesPage {
            rows: page.items.iter().map(exercise_row).collect(),
            total: page.total,
            next_href: page
                .next_cursor
                .map(|c| format!("/continuity/exercises?cursor={}", encode(&c))),
            can_record: ctx.actor.may_contribute(),
            can_import: ctx.actor.is_editor(),
            v,
            errors,
            kinds: Choice::all(ExerciseKind::ALL, ExerciseKind::key, ExerciseKind::label),
            results: Choice::all(
                ExerciseResult::ALL,
                ExerciseResult::key,
                ExerciseResult::label,
            ),
            processes: processes.into_iter().map(|p| (p.id, p.name)).collect(),
            l,
        },
    )
        .into_response())
}

pub async fn exercises(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let params = crate::domain::query::Params::parse(q.as_deref())?;
    let v = ExerciseInput {
        process: params.get("process").unwrap_or_default().to_string(),
        ..Default::default()
    };
    render_exercises(&s, &ctx, &caller, v, FormErrors::default(), q.as_deref()).await
}

pub async fn record_exercise(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = ExerciseInput {
        title: form.get("title").into(),
        kind: form.get("kind").into(),
        held_on: form.get("held_on").into(),
        process: form.get("process").into(),
        plan: form.get("plan").into(),
        assets: form.get("assets").into(),
        scope: form.get("scope").into(),
        participants: form.get("participants").into(),
        result: form.get("result").into(),
        achieved_rto: form.get("achieved_rto").into(),
        achieved_rpo: form.get("achieved_rpo").into(),
        findings: form.get("findings").into(),
    };
    match service::record_exercise(&ctx, &input).await {
        Ok(e) => Ok(Redirect::to(&format!(
            "/continuity/exercises/{}?notice=exercise-recorded",
            encode(&e.id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_exercises(&s, &ctx, &caller, input, errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "continuity/templates/exercise.html")]
struct ExercisePage {
    l: Layout,
    e: Exercise,
    kind: &'static str,
    result: &'static str,
    achieved_rto: String,
    achieved_rpo: String,
    controls: &'static [&'static str],
    recorded_at: String,
}

pub async fn exercise(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let e = service::exercise(&ctx, &id).await?;
    let l = layout(
        &s,
        &caller,
        &format!("{} {}", e.id, e.title),
        "continuity",
        q.as_deref(),
    )
    .await?;
    Ok(ExercisePage {
        kind: e.kind.label(),
        result: e.result.label(),
        achieved_rto: words(e.achieved_rto_minutes),
        achieved_rpo: words(e.achieved_rpo_minutes),
        controls: e.kind.controls(),
        recorded_at: crate::domain::clock::display(&e.recorded_at),
        l,
        e,
    }
    .into_response())
}
