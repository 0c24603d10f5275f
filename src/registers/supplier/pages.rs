//! Supplier pages: the register (filters, export, import), a supplier with its criticality and
//! why, contract and clause checklist, certifications and their standing, the data it
//! accesses, the processes that depend on it, its cloud services and history, and the form.

use super::domain::{
    Certification, ClauseState, ContractClause, Criticality, Standing, Supplier, SupplierInput,
    SupplierQuery, SupplierStatus,
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

fn criticalities() -> Vec<Choice> {
    choices(Criticality::ALL, Criticality::key, Criticality::label)
}

fn statuses() -> Vec<Choice> {
    choices(
        SupplierStatus::ALL,
        SupplierStatus::key,
        SupplierStatus::label,
    )
}

/// A certification with its standing in words.
struct CertLine {
    kind: &'static str,
    reference: String,
    issuer: String,
    /// `on`, `due` or `off`.
    class: &'static str,
    standing: String,
}

fn cert_lines(certs: &[Certification], today: &str) -> Vec<CertLine> {
    certs
        .iter()
        .map(|c| {
            let (class, standing) = match c.standing(today) {
                Standing::Current { until } => ("on", format!("current until {until}")),
                Standing::Lapsing { until, days } => (
                    "due",
                    format!(
                        "lapses on {until}, in {}",
                        crate::domain::words::count(days as usize, "day", "days")
                    ),
                ),
                Standing::Lapsed { since } => ("off", format!("lapsed on {since}")),
            };
            CertLine {
                kind: c.kind.label(),
                reference: c.reference.clone(),
                issuer: c.issuer.clone(),
                class,
                standing,
            }
        })
        .collect()
}

/// The worst standing of a supplier's certifications, for the register: (class, words).
fn worst_standing(certs: &[Certification], today: &str) -> Option<(&'static str, String)> {
    let lines = cert_lines(certs, today);
    let rank = |c: &str| match c {
        "off" => 0,
        "due" => 1,
        _ => 2,
    };
    lines
        .into_iter()
        .min_by_key(|l| rank(l.class))
        .map(|l| (l.class, format!("{}: {}", l.kind, l.standing)))
}

struct Row {
    s: Supplier,
    gaps: usize,
    certs: Option<(&'static str, String)>,
    review_due: bool,
    notice_by: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "supplier/templates/suppliers.html")]
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
    criticalities: Vec<Choice>,
    statuses: Vec<Choice>,
    f_q: String,
    f_criticality: String,
    f_status: String,
    f_owner: String,
    f_due: bool,
    f_cloud: bool,
    f_personal: bool,
}

fn on(params: &Params, key: &str) -> bool {
    matches!(params.get(key), Some("1" | "true" | "yes" | "on"))
}

pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let l = layout(&s, &caller, "Suppliers", "suppliers", raw.as_deref()).await?;
    let today = ctx.today();
    let mut errors = FormErrors::default();
    let query = match malformed {
        Some(e) => Err(e),
        None => SupplierQuery::read(&params, &today),
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
                .map(|s| Row {
                    gaps: s.clause_gaps().len(),
                    certs: worst_standing(&s.certifications, &today),
                    review_due: s.review_is_due(&today),
                    notice_by: s.notice_by().unwrap_or_default(),
                    s,
                })
                .collect(),
            p.total,
            p.total_capped,
            p.next_cursor
                .map(|c| with_cursor("/suppliers", raw.as_deref(), &c)),
        ),
        None => (Vec::new(), 0, false, None),
    };
    let value = |k: &str| params.raw(k);
    Ok((
        errors.status(),
        RegisterPage {
            can_create: ctx.actor.is_editor(),
            export_href: with_same_filters("/suppliers.csv", raw.as_deref()),
            xlsx_href: with_same_filters("/suppliers.xlsx", raw.as_deref()),
            filtered: params.filters_anything(),
            criticalities: criticalities(),
            statuses: statuses(),
            f_q: value("q"),
            f_criticality: value("criticality"),
            f_status: value("status"),
            f_owner: value("owner"),
            f_due: on(&params, "review_due"),
            f_cloud: on(&params, "cloud"),
            f_personal: on(&params, "personal_data"),
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
    let query = SupplierQuery::read(&params, &ctx.today())?;
    let suppliers = service::all(&ctx, &query).await?;
    Ok(crate::exchange::download(
        "suppliers",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::suppliers_table(&suppliers),
    )?)
}

/// A clause of the checklist in the form: the clause, its state as typed, the hours.
struct ClauseField {
    key: &'static str,
    label: &'static str,
    state: &'static str,
    hours: String,
}

/// The checklist as the input holds it (lines `clause: state[, N h]`), leniently read.
fn clause_fields(v: &SupplierInput) -> Vec<ClauseField> {
    let mut out: Vec<ClauseField> = ContractClause::ALL
        .iter()
        .map(|c| ClauseField {
            key: c.key(),
            label: c.label(),
            state: ClauseState::Missing.key(),
            hours: String::new(),
        })
        .collect();
    for line in v.clauses.split(['\n', ';']) {
        let Some((name, rest)) = line.split_once(':') else {
            continue;
        };
        let Ok(clause) = ContractClause::parse(name) else {
            continue;
        };
        let mut parts = rest.split(',');
        if let Some(f) = out.iter_mut().find(|f| f.key == clause.key()) {
            if let Ok(state) = ClauseState::parse(parts.next().unwrap_or("")) {
                f.state = state.key();
            }
            f.hours = parts
                .next()
                .map(|h| h.trim().trim_end_matches('h').trim().to_string())
                .unwrap_or_default();
        }
    }
    out
}

fn clause_states() -> Vec<Choice> {
    choices(ClauseState::ALL, ClauseState::key, ClauseState::label)
}

/// The form as a supplier input; the checklist's selects become clause lines.
fn input_of(form: &FormData) -> SupplierInput {
    let checked = |k: &str| matches!(form.get(k), "1" | "on" | "yes" | "true");
    let clauses: Vec<String> = ContractClause::ALL
        .iter()
        .filter_map(|c| {
            let state = form.get(&format!("clause_{}", c.key()));
            if state.is_empty() {
                return None;
            }
            let hours = form.get(&format!("hours_{}", c.key())).trim().to_string();
            Some(if hours.is_empty() {
                format!("{}: {state}", c.key())
            } else {
                format!("{}: {state}, {hours} h", c.key())
            })
        })
        .collect();
    SupplierInput {
        id: Some(form.get("id").to_string()).filter(|s| !s.trim().is_empty()),
        name: form.get("name").into(),
        status: form.get("status").into(),
        services: form.get("services").into(),
        owner: form.get("owner").into(),
        personal_data: checked("personal_data"),
        data_locations: form.get("data_locations").into(),
        sub_processors: form.get("sub_processors").into(),
        criticality: form.get("criticality").into(),
        criticality_reason: form.get("criticality_reason").into(),
        contract_start: form.get("contract_start").into(),
        contract_end: form.get("contract_end").into(),
        auto_renews: checked("auto_renews"),
        notice_days: form.get("notice_days").into(),
        reviewed_on: form.get("reviewed_on").into(),
        assets: form.get("assets").into(),
        clauses: clauses.join("\n"),
        certifications: form.get("certifications").into(),
        cloud_services: form.get("cloud_services").into(),
        shared_responsibility: form.get("shared_responsibility").into(),
        exit_plan: form.get("exit_plan").into(),
        evidence: form.get("evidence").into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "supplier/templates/supplier_new.html")]
struct NewPage {
    l: Layout,
    v: SupplierInput,
    clause_fields: Vec<ClauseField>,
    clause_states: Vec<Choice>,
    criticalities: Vec<Choice>,
    statuses: Vec<Choice>,
    errors: FormErrors,
}

async fn render_new(
    s: &AppState,
    caller: &Caller,
    v: SupplierInput,
    errors: FormErrors,
) -> PageResult {
    let l = layout(s, caller, "New supplier", "suppliers", None).await?;
    Ok((
        errors.status(),
        NewPage {
            clause_fields: clause_fields(&v),
            clause_states: clause_states(),
            criticalities: criticalities(),
            statuses: statuses(),
            l,
            v,
            errors,
        },
    )
        .into_response())
}

pub async fn new(State(s): State<AppState>, Extension(caller): Extension<Caller>) -> PageResult {
    render_new(&s, &caller, SupplierInput::default(), FormErrors::default()).await
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = input_of(&form);
    match service::create(&ctx, &input).await {
        Ok(sup) => Ok(Redirect::to(&format!(
            "/suppliers/{}?notice=supplier-saved",
            encode(&sup.id)
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
#[template(path = "supplier/templates/supplier.html")]
struct SupplierPage {
    l: Layout,
    s: Supplier,
    gaps: Vec<String>,
    certs: Vec<CertLine>,
    notice_by: String,
    review_due: bool,
    assets: Vec<(String, String)>,
    processes: Vec<(String, String)>,
    history: Vec<HistoryRow>,
    assessments: Vec<super::domain_assessment::Assessment>,
    questionnaires: Vec<(String, String)>,
    can_edit: bool,
    v: SupplierInput,
    clause_fields: Vec<ClauseField>,
    clause_states: Vec<Choice>,
    criticalities: Vec<Choice>,
    statuses: Vec<Choice>,
    revision: i64,
    errors: FormErrors,
}

async fn render_supplier(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(SupplierInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let sup = service::get(ctx, id).await?;
    let today = ctx.today();
    let assets = crate::registers::asset::service::names(ctx, &sup.assets).await?;
    let processes = service::processes_of(ctx, &sup).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "supplier", &sup.id, 50).await?,
        ctx.clock().now(),
    );
    let assessments = super::service_assessment::list(ctx, Some(&sup.id), None, None, 20).await?;
    let questionnaires = super::pages_assessment::questionnaire_choices(ctx).await?;
    let (v, revision) = form.unwrap_or_else(|| (SupplierInput::from(&sup), sup.revision));
    let l = layout(
        s,
        caller,
        &format!("{} {}", sup.id, sup.name),
        "suppliers",
        q,
    )
    .await?;
    Ok((
        errors.status(),
        SupplierPage {
            gaps: sup.clause_gaps(),
            certs: cert_lines(&sup.certifications, &today),
            notice_by: sup.notice_by().unwrap_or_default(),
            review_due: sup.review_is_due(&today),
            assets,
            processes,
            history,
            assessments: assessments.items,
            questionnaires,
            can_edit: ctx.actor.is_editor(),
            clause_fields: clause_fields(&v),
            clause_states: clause_states(),
            criticalities: criticalities(),
            statuses: statuses(),
            v,
            revision,
            errors,
            l,
            s: sup,
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
    render_supplier(
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
        Ok(sup) => Ok(Redirect::to(&format!(
            "/suppliers/{}?notice=supplier-saved",
            encode(&sup.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_supplier(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}
