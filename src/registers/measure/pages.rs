//! Measure pages: the treatment plan (by due date, overdue first), the record with its
//! controls and history, create and edit. Managers and admins edit every measure;
//! contributors edit the measures they own.

use super::domain::{Measure, MeasureInput, MeasureQuery, MeasureStatus};
use super::service::{self, may_edit};
use crate::domain::catalog::ControlRef;
use crate::domain::clock::relative;
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

fn statuses() -> Vec<Choice> {
    MeasureStatus::ALL
        .iter()
        .map(|s| Choice {
            key: s.key(),
            label: s.label(),
        })
        .collect()
}

struct Row {
    id: String,
    name: String,
    owner: String,
    status: &'static str,
    status_key: &'static str,
    due: String,
    due_hint: String,
    overdue: bool,
    controls: Vec<(String, String)>,
    cost: String,
}

fn control_href(c: &ControlRef) -> String {
    format!("/controls/{}/{}", c.framework, c.id)
}

#[derive(Template, WebTemplate)]
#[template(path = "measure/templates/measures.html")]
struct RegisterPage {
    l: Layout,
    total_capped: bool,
    export_href: String,
    xlsx_href: String,
    errors: FormErrors,
    can_create: bool,
    rows: Vec<Row>,
    total: i64,
    filtered: bool,
    next_href: Option<String>,
    statuses: Vec<Choice>,
    owners: Vec<String>,
    f_q: String,
    f_status: String,
    f_owner: String,
    f_control: String,
    f_overdue: bool,
}

pub async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let value = |k: &str| params.raw(k);
    let l = layout(&s, &caller, "Measures", "measures", raw.as_deref()).await?;
    let day = ctx.today();
    let now = ctx.clock().now();
    let mut errors = FormErrors::default();
    let filtered = params.filters_anything();
    let query = match malformed {
        Some(e) => Err(e),
        None => MeasureQuery::read(&params, &day),
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
    let total_capped = page.as_ref().is_some_and(|p| p.total_capped);
    let (rows, total, next_href) = match page {
        Some(p) => {
            let next = p
                .next_cursor
                .map(|c| with_cursor("/measures", raw.as_deref(), &c));
            let rows = p
                .items
                .into_iter()
                .map(|m| Row {
                    overdue: m.overdue(&day),
                    due_hint: m
                        .due_on
                        .as_deref()
                        .filter(|_| m.status.open())
                        .map(|d| relative(&format!("{d}T00:00:00.000000Z"), now))
                        .unwrap_or_default(),
                    due: m.due_on.clone().unwrap_or_default(),
                    status: m.status.label(),
                    status_key: m.status.key(),
                    controls: m
                        .controls
                        .iter()
                        .map(|c| (c.id.clone(), control_href(c)))
                        .collect(),
                    cost: m.cost.map(|c| c.to_string()).unwrap_or_default(),
                    id: m.id,
                    name: m.name,
                    owner: m.owner,
                })
                .collect();
            (rows, p.total, next)
        }
        None => (Vec::new(), 0, None),
    };
    let status = errors.status();
    Ok((
        status,
        RegisterPage {
            total_capped,
            export_href: with_same_filters("/measures.csv", raw.as_deref()),
            xlsx_href: with_same_filters("/measures.xlsx", raw.as_deref()),
            can_create: ctx.actor.is_editor(),
            l,
            errors,
            rows,
            total,
            filtered,
            next_href,
            statuses: statuses(),
            owners: service::owners(&ctx).await?,
            f_q: value("q"),
            f_status: value("status"),
            f_owner: value("owner"),
            f_control: value("control"),
            f_overdue: matches!(params.get("overdue"), Some("1" | "true" | "yes" | "on")),
        },
    )
        .into_response())
}

struct ControlLine {
    framework: String,
    id: String,
    title: String,
    href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "measure/templates/measure.html")]
struct RecordPage {
    l: Layout,
    m: Measure,
    can_edit: bool,
    overdue: bool,
    controls: Vec<ControlLine>,
    history: Vec<HistoryRow>,
    evidence: Vec<crate::registers::evidence::domain::Evidence>,
    evidence_new: String,
    can_add_evidence: bool,
}

pub async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let m = service::get(&ctx, &id).await?;
    let catalogs = crate::registers::catalog::service::catalogs(&ctx).await?;
    let controls = m
        .controls
        .iter()
        .map(|c| {
            let cat = catalogs.iter().find(|k| k.framework.id == c.framework);
            ControlLine {
                framework: cat
                    .map(|k| k.framework.name.clone())
                    .unwrap_or_else(|| c.framework.clone()),
                title: cat
                    .and_then(|k| k.control(&c.id).ok())
                    .map(|k| k.title.clone())
                    .unwrap_or_default(),
                href: control_href(c),
                id: c.id.clone(),
            }
        })
        .collect();
    let l = layout(
        &s,
        &caller,
        &format!("{} {}", m.id, m.name),
        "measures",
        q.as_deref(),
    )
    .await?;
    let history = history_rows(
        crate::registers::audit::service::history(&ctx, "measure", &m.id, 50).await?,
        ctx.clock().now(),
    );
    let evidence = crate::registers::evidence::service::attached(
        &ctx,
        crate::registers::evidence::domain::Target::Measure,
        &m.id,
    )
    .await?;
    Ok(RecordPage {
        evidence_new: format!("/evidence/new?measure={}", encode(&m.id)),
        can_add_evidence: ctx.actor.may_contribute(),
        evidence,
        can_edit: may_edit(&ctx.actor, &m),
        overdue: m.overdue(&ctx.today()),
        l,
        m,
        controls,
        history,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "measure/templates/measure_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
    /// The revision of the measure the form edits (0 for a new one).
    revision: i64,
    is_new: bool,
    current_id: String,
    action: String,
    v: MeasureInput,
    cost: String,
    controls: String,
    statuses: Vec<Choice>,
}

async fn render_form(
    s: &AppState,
    caller: &Caller,
    v: MeasureInput,
    errors: FormErrors,
    existing: Option<(&str, i64)>,
) -> PageResult {
    let l = layout(
        s,
        caller,
        if existing.is_some() {
            "Edit measure"
        } else {
            "New measure"
        },
        "measures",
        None,
    )
    .await?;
    let status = errors.status();
    let revision = existing.map(|e| errors.revision(e.1)).unwrap_or(0);
    Ok((
        status,
        FormPage {
            l,
            errors,
            revision,
            is_new: existing.is_none(),
            current_id: existing.map(|e| e.0).unwrap_or_default().to_string(),
            action: existing
                .map(|(id, _)| format!("/measures/{id}"))
                .unwrap_or_else(|| "/measures".into()),
            cost: v.cost_text(),
            controls: v.controls_text(),
            v,
            statuses: statuses(),
        },
    )
        .into_response())
}

fn input_from(form: &FormData, id: Option<String>) -> MeasureInput {
    MeasureInput {
        id,
        name: form.get("name").into(),
        description: form.get("description").into(),
        owner: form.get("owner").into(),
        status: form.get("status").into(),
        due_on: form.get("due_on").into(),
        effort: form.get("effort").into(),
        cost: Some(serde_json::Value::String(form.get("cost").into())),
        controls: Some(serde_json::Value::String(form.get("controls").into())),
    }
}

pub async fn new_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let owner = caller
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_default();
    render_form(
        &s,
        &caller,
        MeasureInput {
            owner,
            status: "planned".into(),
            ..MeasureInput::default()
        },
        FormErrors::default(),
        None,
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let v = input_from(&form, Some(form.get("id").to_string()));
    match service::create(&ctx, &v).await {
        Ok(m) => {
            Ok(Redirect::to(&format!("/measures/{}?notice=measure-saved", m.id)).into_response())
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
    let m = service::get(&ctx, &id).await?;
    if !may_edit(&ctx.actor, &m) {
        return Err(Error::Forbidden.into());
    }
    render_form(
        &s,
        &caller,
        MeasureInput::from(&m),
        FormErrors::default(),
        Some((&m.id, m.revision)),
    )
    .await
}

/// Saves the form; a measure saved by someone else since the form was opened comes back with
/// their change named and this person's values kept (409).
pub async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let v = input_from(&form, Some(id.clone()));
    let started = form.revision();
    match service::update(&ctx, &id, started, &v).await {
        Ok(m) => {
            Ok(Redirect::to(&format!("/measures/{}?notice=measure-saved", m.id)).into_response())
        }
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = started.unwrap_or_default();
            render_form(&s, &caller, v, errors, Some((&id, rev))).await
        }
    }
}

/// The treatment plan as CSV or XLSX: every measure matching the filters.
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let query = MeasureQuery::read(&params, &ctx.today())?;
    let measures = service::all(&ctx, &query.filter).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "treatment-plan",
        format,
        &super::exchange::measures_table(&measures),
    )?)
}
