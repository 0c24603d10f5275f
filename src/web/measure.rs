//! Measure pages: the treatment plan (by due date, overdue first), the record with its
//! controls and history, create and edit. Managers and admins edit every measure;
//! contributors edit the measures they own.

use super::AppState;
use super::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, actor, history_rows, layout,
};
use super::session::Caller;
use crate::domain::clock::relative;
use crate::domain::measure::{
    ControlRef, Measure, MeasureInput, MeasureStatus, parse_control_refs,
};
use crate::error::{Error, Problems};
use crate::store::{AuditFilter, MeasureFilter};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Extension, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/measures", get(register).post(create))
        .route("/measures/new", get(new_form))
        .route("/measures.csv", get(export))
        .route("/measures.xlsx", get(export))
        .route("/measures/{id}", get(record).post(update))
        .route("/measures/{id}/edit", get(edit_form))
}

/// Managers and admins edit every measure; a contributor edits the ones they own.
pub fn may_edit(caller: &Caller, m: &Measure) -> bool {
    caller.may_edit_owned(&m.owner)
}

fn statuses() -> Vec<Choice> {
    MeasureStatus::ALL
        .iter()
        .map(|s| Choice {
            key: s.key(),
            label: s.label(),
        })
        .collect()
}

/// The treatment plan's query: q, status, owner, control, overdue, cursor.
pub fn measure_filter(pairs: &[(String, String)], today: &str) -> Result<MeasureFilter, Error> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let mut p = Problems::new();
    let status = match get("status") {
        Some(s) => p.take("status", MeasureStatus::parse(&s)),
        None => None,
    };
    let control = get("control")
        .map(|c| parse_control_refs(&c))
        .and_then(|mut v| if v.len() == 1 { v.pop() } else { None });
    if get("control").is_some() && control.is_none() {
        p.add("control", "give one control id, e.g. 8.13");
    }
    p.into_result()?;
    Ok(MeasureFilter {
        status,
        owner: get("owner"),
        control,
        overdue_on: get("overdue")
            .filter(|v| v == "1" || v == "true")
            .map(|_| today.to_string()),
        risk: get("risk"),
        text: get("q"),
    })
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
#[template(path = "measures.html")]
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

async fn register(
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
    let l = layout(&s, &caller, "Measures", "measures", raw.as_deref()).await?;
    let day = s.store.today();
    let now = s.store.clock().now();
    let mut errors = FormErrors::default();
    let mut filtered = false;
    let page = match measure_filter(&pairs, &day) {
        Ok(f) => {
            filtered = f != MeasureFilter::default();
            match s
                .store
                .list_measures(&f, Some(value("cursor").as_str()), 50)
                .await
            {
                Ok(p) => Some(p),
                Err(e) => {
                    errors = FormErrors::from_error(e)?;
                    None
                }
            }
        }
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
                .map(|c| super::page::with_cursor("/measures", raw.as_deref(), &c));
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
            export_href: super::page::with_same_filters("/measures.csv", raw.as_deref()),
            xlsx_href: super::page::with_same_filters("/measures.xlsx", raw.as_deref()),
            can_create: caller.is_editor(),
            l,
            errors,
            rows,
            total,
            filtered,
            next_href,
            statuses: statuses(),
            owners: s.store.measure_owners().await?,
            f_q: value("q"),
            f_status: value("status"),
            f_owner: value("owner"),
            f_control: value("control"),
            f_overdue: value("overdue") == "1",
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
#[template(path = "measure.html")]
struct RecordPage {
    l: Layout,
    m: Measure,
    can_edit: bool,
    overdue: bool,
    controls: Vec<ControlLine>,
    history: Vec<HistoryRow>,
    evidence: Vec<crate::domain::evidence::Evidence>,
    evidence_new: String,
    can_add_evidence: bool,
}

async fn record(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let m = s.store.measure(&id).await?;
    let catalogs = s.store.catalogs().await?;
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
    let filter = AuditFilter {
        object_type: Some("measure".into()),
        object_id: Some(m.id.clone()),
        ..AuditFilter::default()
    };
    let history = history_rows(
        s.store.audit_entries(&filter, 50).await?,
        s.store.clock().now(),
    );
    let evidence =
        super::evidence::attached(&s, crate::domain::evidence::Target::Measure, &m.id).await?;
    Ok(RecordPage {
        evidence_new: format!("/evidence/new?measure={}", super::session::encode(&m.id)),
        can_add_evidence: caller.may_contribute(),
        evidence,
        can_edit: may_edit(&caller, &m),
        overdue: m.overdue(&s.store.today()),
        l,
        m,
        controls,
        history,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "measure_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
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
    existing: Option<&str>,
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
    Ok((
        status,
        FormPage {
            l,
            errors,
            is_new: existing.is_none(),
            current_id: existing.unwrap_or_default().to_string(),
            action: existing
                .map(|id| format!("/measures/{id}"))
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

async fn new_form(State(s): State<AppState>, Extension(caller): Extension<Caller>) -> PageResult {
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

async fn create(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let v = input_from(&form, Some(form.get("id").to_string()));
    let result = match v.parse() {
        Ok(d) => s.store.create_measure(&actor(&caller), d).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(m) => {
            Ok(Redirect::to(&format!("/measures/{}?notice=measure-saved", m.id)).into_response())
        }
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, None).await,
    }
}

async fn edit_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let m = s.store.measure(&id).await?;
    if !may_edit(&caller, &m) {
        return Err(Error::Forbidden.into());
    }
    render_form(
        &s,
        &caller,
        MeasureInput::from(&m),
        FormErrors::default(),
        Some(&m.id),
    )
    .await
}

async fn update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let current = s.store.measure(&id).await?;
    if !may_edit(&caller, &current) {
        return Err(Error::Forbidden.into());
    }
    let v = input_from(&form, Some(id.clone()));
    let result = match v.parse() {
        Ok(d) => s.store.update_measure(&actor(&caller), &id, d).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(m) => {
            Ok(Redirect::to(&format!("/measures/{}?notice=measure-saved", m.id)).into_response())
        }
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, Some(&id)).await,
    }
}

/// The treatment plan as CSV or XLSX: every measure matching the filters.
async fn export(
    State(s): State<AppState>,
    path: axum::extract::MatchedPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let filter = measure_filter(&pairs, &s.store.today())?;
    let measures = s.store.all_measures(&filter).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "treatment-plan",
        format,
        &crate::exchange::measures_table(&measures),
    )?)
}
