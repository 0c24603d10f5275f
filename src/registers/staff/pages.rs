//! Staff pages: the directory (by name, filtered by status, department, employment, manager
//! and open checklist steps), a person's record with their screening, agreements, assets,
//! account and checklists, the form, and the checklists' templates with the steps open.

use super::domain::{Employment, Person, PersonInput, PersonQuery, PersonStatus, Screening};
use super::domain_checklist::{ChecklistKind, template_text};
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

struct Row {
    id: String,
    name: String,
    email: String,
    department: String,
    job_title: String,
    employment: &'static str,
    status: &'static str,
    status_key: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/templates/people.html")]
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
    employments: Vec<Choice>,
    departments: Vec<String>,
    f_q: String,
    f_status: String,
    f_department: String,
    f_employment: String,
    f_manager: String,
    f_open_steps: bool,
}

pub async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let value = |k: &str| params.raw(k);
    let l = layout(&s, &caller, "Staff", "people", raw.as_deref()).await?;
    let today = ctx.today();
    let mut errors = FormErrors::default();
    let filtered = params.filters_anything();
    let query = match malformed {
        Some(e) => Err(e),
        None => PersonQuery::read(&params, &today),
    };
    let page = match query {
        Ok(q) => match service::list(&ctx, &q, params.cursor(), 50).await {
            Ok(p) => Some(p),
            Err(e @ Error::Forbidden) => return Err(e.into()),
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
                .map(|c| with_cursor("/people", raw.as_deref(), &c));
            let rows = p
                .items
                .into_iter()
                .map(|p| {
                    let status = p.status(&today);
                    Row {
                        status: status.label(),
                        status_key: status.key(),
                        employment: p.employment.label(),
                        id: p.id,
                        name: p.name,
                        email: p.email,
                        department: p.department,
                        job_title: p.job_title,
                    }
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
            export_href: with_same_filters("/people.csv", raw.as_deref()),
            xlsx_href: with_same_filters("/people.xlsx", raw.as_deref()),
            can_create: ctx.actor.is_editor(),
            l,
            errors,
            rows,
            total,
            filtered,
            next_href,
            statuses: Choice::all(PersonStatus::ALL, PersonStatus::key, PersonStatus::label),
            employments: Choice::all(Employment::ALL, Employment::key, Employment::label),
            departments: service::departments(&ctx).await?,
            f_q: value("q"),
            f_status: value("status"),
            f_department: value("department"),
            f_employment: value("employment"),
            f_manager: value("manager"),
            f_open_steps: matches!(params.get("open_steps"), Some("1" | "true" | "yes" | "on")),
        },
    )
        .into_response())
}

struct StepLine {
    number: i64,
    title: String,
    owner: String,
    due: String,
    overdue: bool,
    asset: Option<String>,
    done: bool,
    done_line: String,
    note: String,
    can_tick: bool,
}

struct ChecklistCard {
    id: String,
    kind: &'static str,
    started: String,
    revision: i64,
    open: usize,
    steps: Vec<StepLine>,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/templates/person.html")]
struct RecordPage {
    l: Layout,
    p: Person,
    status: &'static str,
    status_key: &'static str,
    can_edit: bool,
    checklists: Vec<ChecklistCard>,
    assets: Vec<(String, String)>,
    reports: Vec<(String, String)>,
    manager: Option<(String, String)>,
    account: Option<String>,
    history: Vec<HistoryRow>,
    /// Documents they must acknowledge: (id, title, version, due, acknowledged at, overdue).
    owed: Vec<(String, String, i64, String, String, bool)>,
}

pub async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let p = service::get(&ctx, &id).await?;
    let around = service::around(&ctx, &p).await?;
    let today = ctx.today();
    let me = caller
        .user
        .as_ref()
        .map(|u| u.email.as_str().to_string())
        .unwrap_or_default();
    let editor = ctx.actor.is_editor();
    let checklists = around
        .checklists
        .iter()
        .map(|c| ChecklistCard {
            id: c.id.clone(),
            kind: c.kind.label(),
            started: crate::domain::clock::display(&c.created_at),
            revision: c.revision,
            open: c.open_steps(),
            steps: c
                .steps
                .iter()
                .map(|st| StepLine {
                    number: st.number,
                    title: st.title.clone(),
                    owner: st.owner.clone(),
                    due: st.due_on.clone().unwrap_or_default(),
                    overdue: st.overdue(&today),
                    asset: st.asset_id.clone(),
                    done: st.done_at.is_some(),
                    done_line: match (&st.done_at, &st.done_by) {
                        (Some(at), Some(by)) => {
                            format!("done by {by}, {}", crate::domain::clock::display(at))
                        }
                        _ => String::new(),
                    },
                    note: st.note.clone(),
                    can_tick: editor || (!me.is_empty() && st.owner.eq_ignore_ascii_case(&me)),
                })
                .collect(),
        })
        .collect();
    let l = layout(&s, &caller, &p.name, "people", q.as_deref()).await?;
    let history = history_rows(
        crate::registers::audit::service::history(&ctx, "person", &p.id, 50).await?,
        ctx.clock().now(),
    );
    let owed = crate::registers::document::service_ack::owed_by_person(&ctx, &p)
        .await?
        .into_iter()
        .map(|o| {
            let overdue = o.acknowledged_at.is_none()
                && o.due_on.as_deref().is_some_and(|d| d < today.as_str());
            (
                o.document_id,
                o.title,
                o.version,
                o.due_on.unwrap_or_default(),
                o.acknowledged_at
                    .as_deref()
                    .map(crate::domain::clock::display)
                    .unwrap_or_default(),
                overdue,
            )
        })
        .collect();
    let status = p.status(&today);
    Ok(RecordPage {
        owed,
        status: status.label(),
        status_key: status.key(),
        can_edit: editor,
        checklists,
        assets: around.assets,
        reports: around.reports.into_iter().map(|r| (r.id, r.name)).collect(),
        manager: around.manager.map(|m| (m.id, m.name)),
        account: around
            .account
            .map(|(email, role)| format!("{email} ({role})")),
        l,
        p,
        history,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/templates/person_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
    revision: i64,
    is_new: bool,
    current_id: String,
    action: String,
    v: PersonInput,
    employments: Vec<Choice>,
    screenings: Vec<Choice>,
}

async fn render_form(
    s: &AppState,
    caller: &Caller,
    v: PersonInput,
    errors: FormErrors,
    existing: Option<(&str, i64)>,
) -> PageResult {
    let l = layout(
        s,
        caller,
        if existing.is_some() {
            "Edit person"
        } else {
            "New person"
        },
        "people",
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
                .map(|(id, _)| format!("/people/{}", encode(id)))
                .unwrap_or_else(|| "/people".into()),
            v,
            employments: Choice::all(Employment::ALL, Employment::key, Employment::label),
            screenings: Choice::all(Screening::ALL, Screening::key, Screening::label),
        },
    )
        .into_response())
}

fn input_from(form: &FormData, id: Option<String>) -> PersonInput {
    PersonInput {
        id,
        staff_number: form.get("staff_number").into(),
        name: form.get("name").into(),
        email: form.get("email").into(),
        department: form.get("department").into(),
        manager: form.get("manager").into(),
        job_title: form.get("job_title").into(),
        employment: form.get("employment").into(),
        location: form.get("location").into(),
        started_on: form.get("started_on").into(),
        left_on: form.get("left_on").into(),
        screening: form.get("screening").into(),
        screened_on: form.get("screened_on").into(),
        terms_version: form.get("terms_version").into(),
        terms_signed_on: form.get("terms_signed_on").into(),
        nda_version: form.get("nda_version").into(),
        nda_signed_on: form.get("nda_signed_on").into(),
        remote_signed_on: form.get("remote_signed_on").into(),
        notes: form.get("notes").into(),
    }
}

pub async fn new_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    render_form(
        &s,
        &caller,
        PersonInput {
            employment: "employee".into(),
            screening: "none".into(),
            ..PersonInput::default()
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
        Ok(p) => Ok(
            Redirect::to(&format!("/people/{}?notice=person-saved", encode(&p.id))).into_response(),
        ),
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, None).await,
    }
}

pub async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let p = service::get(&ctx, &id).await?;
    if !ctx.actor.is_editor() {
        return Err(Error::Forbidden.into());
    }
    render_form(
        &s,
        &caller,
        PersonInput::from(&p),
        FormErrors::default(),
        Some((&p.id, p.revision)),
    )
    .await
}

/// Saves the form; a record saved by someone else since the form was opened comes back with
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
        Ok(p) => Ok(
            Redirect::to(&format!("/people/{}?notice=person-saved", encode(&p.id))).into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = started.unwrap_or_default();
            render_form(&s, &caller, v, errors, Some((&id, rev))).await
        }
    }
}

/// Ticks a checklist step off (or opens it again) and goes back to the person's page.
pub async fn tick(
    ctx: Ctx,
    Path((id, checklist, number)): Path<(String, String, i64)>,
    form: FormData,
) -> PageResult {
    let done = form.get("done") == "1";
    match service::tick(
        &ctx,
        &checklist,
        number,
        done,
        form.get("note"),
        form.revision(),
    )
    .await
    {
        Ok(_) => Ok(Redirect::to(&format!(
            "/people/{}?notice={}#{}",
            encode(&id),
            if done { "step-done" } else { "step-reopened" },
            encode(&checklist)
        ))
        .into_response()),
        Err(Error::Stale { .. }) => Ok(Redirect::to(&format!(
            "/people/{}?notice=step-stale#{}",
            encode(&id),
            encode(&checklist)
        ))
        .into_response()),
        Err(e) => Err(e.into()),
    }
}

struct TemplateBox {
    kind: &'static str,
    kind_key: &'static str,
    employment: &'static str,
    employment_key: &'static str,
    text: String,
    error: Option<String>,
}

struct OpenLine {
    person_id: String,
    person: String,
    kind: &'static str,
    title: String,
    owner: String,
    due: String,
    overdue: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "staff/templates/checklists.html")]
struct ChecklistsPage {
    l: Layout,
    can_edit: bool,
    templates: Vec<TemplateBox>,
    open: Vec<OpenLine>,
}

async fn render_checklists(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    typed: Option<(ChecklistKind, Employment, String, String)>,
    q: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "Checklists", "people", q).await?;
    let mut templates = Vec::new();
    for kind in ChecklistKind::ALL {
        for employment in Employment::ALL {
            let (text, error) = match &typed {
                Some((k, e, text, error)) if k == kind && e == employment => {
                    (text.clone(), Some(error.clone()))
                }
                _ => (
                    template_text(&service::template(ctx, *kind, *employment).await?),
                    None,
                ),
            };
            templates.push(TemplateBox {
                kind: kind.label(),
                kind_key: kind.key(),
                employment: employment.label(),
                employment_key: employment.key(),
                text,
                error,
            });
        }
    }
    let today = ctx.today();
    let open = service::open_steps(ctx, None, 200)
        .await?
        .into_iter()
        .map(|o| OpenLine {
            overdue: o.step.overdue(&today),
            person_id: o.person_id,
            person: o.person_name,
            kind: o.kind.label(),
            title: o.step.title,
            owner: o.step.owner,
            due: o.step.due_on.unwrap_or_default(),
        })
        .collect();
    let status = if typed.is_some() {
        axum::http::StatusCode::UNPROCESSABLE_ENTITY
    } else {
        axum::http::StatusCode::OK
    };
    Ok((
        status,
        ChecklistsPage {
            l,
            can_edit: ctx.actor.is_editor(),
            templates,
            open,
        },
    )
        .into_response())
}

pub async fn checklists_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_checklists(&s, &ctx, &caller, None, q.as_deref()).await
}

/// Saves one template; a bad line comes back on the page with its number.
pub async fn template_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let kind = ChecklistKind::parse(form.get("kind")).map_err(|e| Error::field("kind", e))?;
    let employment =
        Employment::parse(form.get("employment")).map_err(|e| Error::field("employment", e))?;
    let text = form.get("steps").to_string();
    match service::set_template(&ctx, kind, employment, &text).await {
        Ok(_) => Ok(Redirect::to("/people/checklists?notice=template-saved").into_response()),
        Err(Error::Validation(problems)) => {
            let msg = problems
                .iter()
                .map(|p| p.message.clone())
                .collect::<Vec<_>>()
                .join("; ");
            render_checklists(&s, &ctx, &caller, Some((kind, employment, text, msg)), None).await
        }
        Err(e) => Err(e.into()),
    }
}

/// The directory as CSV or XLSX: every person matching the filters.
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let today = ctx.today();
    let query = PersonQuery::read(&params, &today)?;
    let people = service::all(&ctx, &query.filter).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "staff",
        format,
        &super::exchange::people_table(&people, &today),
    )?)
}
