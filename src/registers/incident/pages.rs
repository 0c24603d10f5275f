//! Incident pages: the register with the deadlines still to meet, reporting (signed in, or
//! through a person's link with a receipt), an incident with its deadlines, timeline and the
//! forms of its handling, and the notification regimes.

use super::domain::{
    Category, Classification, CloseInput, Incident, IncidentFilter, IncidentStatus,
    NotificationInput, ReportInput, SeverityLevel, SeverityScale, TriageInput, next_status,
};
use super::domain_custody::{EvidenceInput, HandoverInput};
use super::service::{self, may_handle};
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, Layout, PageResult, Peer, ensure_anon_csrf, layout, with_cookie,
    with_cursor,
};
use crate::web::session::{Caller, client_address, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};

/// A deadline as a line of the panel.
struct DeadlineLine {
    incident: String,
    title: String,
    name: String,
    regime: String,
    due: String,
    relative: String,
    overdue: bool,
}

fn deadline_lines(
    ctx: &Ctx,
    all: Vec<(String, String, super::domain_regime::StageDue)>,
) -> Vec<DeadlineLine> {
    let now = ctx.clock().now();
    all.into_iter()
        .map(|(incident, title, s)| {
            let due = s.due_at.clone().unwrap_or_default();
            DeadlineLine {
                overdue: s.state == super::domain_regime::StageState::Overdue,
                relative: crate::domain::clock::relative(&due, now),
                due: crate::domain::clock::display(&due),
                name: s.name,
                regime: s.regime,
                incident,
                title,
            }
        })
        .collect()
}

/// The register as CSV or XLSX: every incident the filters keep that the caller sees.
pub async fn export(
    ctx: Ctx,
    path: axum::extract::MatchedPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let f = IncidentFilter::read(&params)?;
    let incidents = service::all(&ctx, &f).await?;
    let scale = service::severities(&ctx).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "incidents",
        format,
        &super::exchange::incidents_table(&incidents, &scale),
    )?)
}

struct Row {
    id: String,
    title: String,
    status: &'static str,
    status_key: &'static str,
    classification: &'static str,
    severity: String,
    category: &'static str,
    reported: String,
    restricted: bool,
}

fn row(i: &Incident, scale: &SeverityScale) -> Row {
    Row {
        id: i.id.clone(),
        title: i.title.clone(),
        status: i.status.label(),
        status_key: i.status.key(),
        classification: i.classification.map(|c| c.label()).unwrap_or("not triaged"),
        severity: i
            .severity
            .as_deref()
            .map(|s| scale.label(s))
            .unwrap_or_default(),
        category: i.category.map(|c| c.label()).unwrap_or(""),
        reported: crate::domain::clock::display(&i.reported_at),
        restricted: i.restricted,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "incident/templates/incidents.html")]
struct RegisterPage {
    l: Layout,
    rows: Vec<Row>,
    total: i64,
    total_capped: bool,
    filtered: bool,
    next_href: Option<String>,
    deadlines: Vec<DeadlineLine>,
    statuses: Vec<Choice>,
    severities: Vec<SeverityLevel>,
    categories: Vec<Choice>,
    f_status: String,
    f_severity: String,
    f_category: String,
    f_q: String,
    f_open: bool,
    errors: FormErrors,
    can_configure: bool,
}

pub async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let (filter, errors) = match IncidentFilter::read(&params) {
        Ok(f) => (f, FormErrors::default()),
        Err(e) => (IncidentFilter::default(), FormErrors::from_error(e)?),
    };
    let page = service::list(&ctx, &filter, params.cursor(), 100).await?;
    let scale = service::severities(&ctx).await?;
    let deadlines = deadline_lines(&ctx, service::deadlines(&ctx).await?);
    let l = layout(&s, &caller, "Incidents", "incidents", raw.as_deref()).await?;
    Ok(RegisterPage {
        rows: page.items.iter().map(|i| row(i, &scale)).collect(),
        total: page.total,
        total_capped: page.total_capped,
        filtered: params.filters_anything(),
        next_href: page
            .next_cursor
            .as_deref()
            .map(|c| with_cursor("/incidents", raw.as_deref(), c)),
        deadlines,
        statuses: Choice::all(
            IncidentStatus::ALL,
            IncidentStatus::key,
            IncidentStatus::label,
        ),
        severities: scale.levels.clone(),
        categories: Choice::all(Category::ALL, Category::key, Category::label),
        f_status: params.raw("status"),
        f_severity: params.raw("severity"),
        f_category: params.raw("category"),
        f_q: params.raw("q"),
        f_open: filter.open,
        errors,
        can_configure: ctx.actor.is_editor(),
        l,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "incident/templates/incident_report.html")]
struct ReportPage {
    l: Layout,
    errors: FormErrors,
    v: ReportInput,
    /// Where the form posts: `/incidents` or a person's link.
    action: String,
    /// Through a link: the person's name and the receipt of what they just reported.
    name: String,
    receipt: Option<String>,
}

fn report_input(form: &FormData) -> ReportInput {
    ReportInput {
        title: form.get("title").into(),
        description: form.get("description").into(),
        affected: form.get("affected").into(),
        noticed_at: form.get("noticed_at").into(),
    }
}

pub async fn new_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let l = layout(&s, &caller, "Report an event", "incidents", None).await?;
    Ok(ReportPage {
        l,
        errors: FormErrors::default(),
        v: ReportInput::default(),
        action: "/incidents".into(),
        name: String::new(),
        receipt: None,
    }
    .into_response())
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let v = report_input(&form);
    match service::report(&ctx, &v).await {
        Ok(i) => Ok(Redirect::to(&format!(
            "/incidents/{}?notice=incident-reported",
            encode(&i.id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let l = layout(&s, &caller, "Report an event", "incidents", None).await?;
            Ok((
                errors.status(),
                ReportPage {
                    l,
                    errors,
                    v,
                    action: "/incidents".into(),
                    name: String::new(),
                    receipt: None,
                },
            )
                .into_response())
        }
    }
}

/// The report form of a person's link (no account), with the receipt of a report just made.
pub async fn link_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(mut caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path(token): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let holder = crate::registers::staff::service_link::open(&ctx, &token, &address).await?;
    let params = Params::parse(q.as_deref())?;
    // Only an id is echoed (escaped), and only one shaped like ours.
    let receipt = params
        .get("reported")
        .filter(|r| {
            r.len() <= 20 && r.starts_with("INC-") && r[4..].bytes().all(|b| b.is_ascii_digit())
        })
        .map(str::to_string);
    let cookie = ensure_anon_csrf(&s, &mut caller);
    let mut l = layout(&s, &caller, "Report an event", "", None).await?;
    l.user = None;
    let page = ReportPage {
        l,
        errors: FormErrors::default(),
        v: ReportInput::default(),
        action: format!("/for/{}/report", encode(&token)),
        name: holder.person().name.clone(),
        receipt,
    };
    Ok(with_cookie(page.into_response(), cookie))
}

pub async fn link_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path(token): Path<String>,
    form: FormData,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let holder = crate::registers::staff::service_link::open(&ctx, &token, &address).await?;
    let v = report_input(&form);
    match service::report_by_link(&ctx, &holder, &v).await {
        Ok(i) => Ok(Redirect::to(&format!(
            "/for/{}/report?reported={}",
            encode(&token),
            encode(&i.id)
        ))
        .into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let mut l = layout(&s, &caller, "Report an event", "", None).await?;
            l.user = None;
            Ok((
                errors.status(),
                ReportPage {
                    l,
                    errors,
                    v,
                    action: format!("/for/{}/report", encode(&token)),
                    name: holder.person().name.clone(),
                    receipt: None,
                },
            )
                .into_response())
        }
    }
}

struct CustodyLine {
    at: String,
    from: String,
    to: String,
    purpose: String,
    recorded_by: String,
    recorded_at: String,
}

struct EvidenceLine {
    seq: i64,
    name: String,
    size: String,
    sha256: String,
    description: String,
    collected_by: String,
    collected_at: String,
    collected_from: String,
    holder: String,
    custody: Vec<CustodyLine>,
}

fn evidence_line(e: &super::domain_custody::EvidenceItem) -> EvidenceLine {
    use crate::domain::clock::display;
    EvidenceLine {
        seq: e.seq,
        name: e.file.file_name.clone(),
        size: e.file.size_label(),
        sha256: e.file.sha256.clone(),
        description: e.description.clone(),
        collected_by: e.collected_by.clone(),
        collected_at: display(&e.collected_at),
        collected_from: e.collected_from.clone(),
        holder: e.holder.clone(),
        custody: e
            .custody
            .iter()
            .map(|c| CustodyLine {
                at: display(&c.at),
                from: c.from_holder.clone(),
                to: c.to_holder.clone(),
                purpose: c.purpose.clone(),
                recorded_by: c.recorded_by.clone(),
                recorded_at: display(&c.recorded_at),
            })
            .collect(),
    }
}

struct EntryLine {
    at: String,
    actor: String,
    kind: &'static str,
    text: String,
}

struct StageLine {
    regime: String,
    key: String,
    name: String,
    recipient: String,
    due: String,
    relative: String,
    state: &'static str,
    state_key: &'static str,
    sent: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "incident/templates/incident.html")]
struct RecordPage {
    l: Layout,
    i: Incident,
    status: &'static str,
    classification: &'static str,
    severity: String,
    category: &'static str,
    reported: String,
    aware: String,
    noticed: String,
    entries: Vec<EntryLine>,
    stages: Vec<StageLine>,
    regimes: Vec<(String, String, bool)>,
    classifications: Vec<Choice>,
    severities: Vec<SeverityLevel>,
    categories: Vec<Choice>,
    /// The assessment's keys, to select in the triage form.
    cur_classification: &'static str,
    cur_category: &'static str,
    cur_severity: String,
    can_triage: bool,
    can_handle: bool,
    /// Evidence changes hands after the incident closes too.
    can_hand_over: bool,
    evidence: Vec<EvidenceLine>,
    tasks: Vec<super::domain::IncidentTask>,
    /// Who the caller is (a task's owner may mark it done).
    me: String,
    next_step: Option<&'static str>,
    can_close: bool,
    /// The steps of the risk matrix, for the risks a closing registers.
    risk_steps: String,
    errors: FormErrors,
    /// Why the last step was not taken.
    problem: Option<String>,
    /// The closing as typed, when it was refused.
    closing: CloseInput,
}

/// What a refused form of the incident page shows again.
#[derive(Default)]
struct Again {
    errors: FormErrors,
    /// Why the step was not taken (a conflict).
    problem: Option<String>,
    closing: CloseInput,
}

/// "likelihood 1 Rare … 5 Almost certain; impact 1 Negligible … 5 Severe".
async fn risk_steps(ctx: &Ctx) -> Result<String, Error> {
    let m = crate::registers::risk::service::matrix(ctx).await?;
    let steps = |levels: &[crate::registers::matrix::domain::ScaleLevel]| {
        levels
            .iter()
            .map(|l| format!("{} {}", l.value, l.name))
            .collect::<Vec<_>>()
            .join(", ")
    };
    Ok(format!(
        "likelihood: {}; impact: {}",
        steps(&m.likelihood),
        steps(&m.impact)
    ))
}

async fn render_record(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    again: Again,
    q: Option<&str>,
) -> PageResult {
    let Again {
        errors,
        problem,
        closing,
    } = again;
    let d = service::detail(ctx, id).await?;
    let all = service::regimes(ctx).await?;
    let scale = service::severities(ctx).await?;
    let now = ctx.clock().now();
    let i = d.incident;
    let l = layout(s, caller, &format!("{} {}", i.id, i.title), "incidents", q).await?;
    let event = i.classification == Some(Classification::Event);
    let can_close = ctx.actor.is_editor()
        && (i.status == IncidentStatus::Recovered
            || (event && i.status == IncidentStatus::Triaged));
    let status = errors.status();
    let page = RecordPage {
        status: i.status.label(),
        classification: i
            .classification
            .map(|c| c.label())
            .unwrap_or("not triaged yet"),
        severity: i
            .severity
            .as_deref()
            .map(|s| scale.label(s))
            .unwrap_or_default(),
        category: i.category.map(|c| c.label()).unwrap_or(""),
        reported: crate::domain::clock::display(&i.reported_at),
        aware: crate::domain::clock::display(&i.aware_at),
        noticed: crate::domain::clock::display(&i.noticed_at),
        entries: d
            .entries
            .iter()
            .map(|e| EntryLine {
                at: crate::domain::clock::display(&e.at),
                actor: e.actor.clone(),
                kind: e.kind.label(),
                text: e.text.clone(),
            })
            .collect(),
        stages: d
            .stages
            .iter()
            .map(|st| StageLine {
                regime: all
                    .iter()
                    .find(|(r, _)| r.key == st.regime)
                    .map(|(r, _)| r.name.clone())
                    .unwrap_or_else(|| st.regime.clone()),
                key: format!("{}:{}", st.regime, st.stage),
                name: st.name.clone(),
                recipient: st.recipient.clone(),
                due: st
                    .due_at
                    .as_deref()
                    .map(crate::domain::clock::display)
                    .unwrap_or_default(),
                relative: st
                    .due_at
                    .as_deref()
                    .map(|d| crate::domain::clock::relative(d, now))
                    .unwrap_or_default(),
                state: st.state.label(),
                state_key: st.state.key(),
                sent: st
                    .sent_at
                    .as_deref()
                    .map(crate::domain::clock::display)
                    .unwrap_or_default(),
            })
            .collect(),
        regimes: all
            .iter()
            .filter(|(_, on)| *on)
            .map(|(r, _)| (r.key.clone(), r.name.clone(), i.regimes.contains(&r.key)))
            .collect(),
        classifications: Choice::all(
            Classification::ALL,
            Classification::key,
            Classification::label,
        ),
        severities: scale.levels.clone(),
        categories: Choice::all(Category::ALL, Category::key, Category::label),
        cur_classification: i.classification.map(|c| c.key()).unwrap_or("incident"),
        cur_category: i.category.map(|c| c.key()).unwrap_or(""),
        cur_severity: i.severity.clone().unwrap_or_default(),
        can_triage: ctx.actor.is_editor() && i.status != IncidentStatus::Closed,
        can_handle: may_handle(&ctx.actor, &i) && i.status != IncidentStatus::Closed,
        can_hand_over: may_handle(&ctx.actor, &i),
        evidence: d.evidence.iter().map(evidence_line).collect(),
        tasks: d.tasks,
        me: ctx
            .actor
            .user
            .as_ref()
            .map(|u| u.email.as_str().to_lowercase())
            .unwrap_or_default(),
        next_step: if event {
            None
        } else {
            next_status(i.status).map(|s| s.label())
        },
        can_close,
        risk_steps: if can_close {
            risk_steps(ctx).await?
        } else {
            String::new()
        },
        errors,
        problem,
        closing,
        l,
        i,
    };
    Ok((status, page).into_response())
}

pub async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_record(&s, &ctx, &caller, &id, Again::default(), q.as_deref()).await
}

/// After a form of the incident page: to the page with a notice, or the page again with what
/// was wrong (409 and 422 keep the page; 403 and 404 are the error page).
async fn after(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    result: Result<(), Error>,
    notice: &str,
) -> PageResult {
    after_typed(s, ctx, caller, id, result, notice, CloseInput::default()).await
}

/// As [`after`], showing the closing as typed when it was refused.
async fn after_typed(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    result: Result<(), Error>,
    notice: &str,
    closing: CloseInput,
) -> PageResult {
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/incidents/{}?notice={notice}", encode(id))).into_response())
        }
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(Error::Conflict(why)) => {
            let again = Again {
                problem: Some(why),
                closing,
                ..Again::default()
            };
            let res = render_record(s, ctx, caller, id, again, None).await?;
            Ok((axum::http::StatusCode::CONFLICT, res).into_response())
        }
        Err(e) => {
            let again = Again {
                errors: FormErrors::from_error(e)?,
                closing,
                ..Again::default()
            };
            render_record(s, ctx, caller, id, again, None).await
        }
    }
}

pub async fn triage(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = TriageInput {
        classification: form.get("classification").into(),
        reason: form.get("reason").into(),
        category: form.get("category").into(),
        severity: form.get("severity").into(),
        personal_data: form.get("personal_data") == "1",
        restricted: form.get("restricted") == "1",
        regimes: form.all("regimes").join(","),
        assets: form.get("assets").into(),
        processes: form.get("processes").into(),
        suppliers: form.get("suppliers").into(),
        people: form.get("people").into(),
        handler: form.get("handler").into(),
        aware_at: form.get("aware_at").into(),
    };
    let r = service::triage(&ctx, &id, form.revision(), &input)
        .await
        .map(|_| ());
    after(&s, &ctx, &caller, &id, r, "incident-triaged").await
}

pub async fn advance(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let r = service::advance(&ctx, &id, form.revision(), form.get("note"))
        .await
        .map(|_| ());
    after(&s, &ctx, &caller, &id, r, "incident-advanced").await
}

pub async fn act(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let r = service::add_action(&ctx, &id, form.get("text"))
        .await
        .map(|_| ());
    after(&s, &ctx, &caller, &id, r, "incident-action").await
}

pub async fn notify(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let (regime, stage) = form.get("stage").split_once(':').unwrap_or(("", ""));
    let input = NotificationInput {
        regime: regime.into(),
        stage: stage.into(),
        recipient: form.get("recipient").into(),
        sent_at: form.get("sent_at").into(),
        content: form.get("content").into(),
    };
    let r = service::record_notification(&ctx, &id, &input)
        .await
        .map(|_| ());
    after(&s, &ctx, &caller, &id, r, "incident-notified").await
}

pub async fn close(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = CloseInput {
        lessons: form.get("lessons").into(),
        root_cause: form.get("root_cause").into(),
        measures: form.get("measures").into(),
        risks: form.get("risks").into(),
    };
    let r = service::close(&ctx, &id, form.revision(), &input)
        .await
        .map(|_| ());
    after_typed(&s, &ctx, &caller, &id, r, "incident-closed", input).await
}

struct RegimeLine {
    key: String,
    name: String,
    reference: String,
    summary: String,
    stages: Vec<String>,
    enabled: bool,
    hours: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "incident/templates/regimes.html")]
struct RegimesPage {
    l: Layout,
    regimes: Vec<RegimeLine>,
    /// The scale's levels and two empty rows to add one.
    severity_rows: Vec<SeverityLevel>,
    can_edit: bool,
    errors: FormErrors,
}

async fn render_regimes(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let regimes = service::regimes(ctx)
        .await?
        .into_iter()
        .map(|(r, enabled)| RegimeLine {
            hours: match (r.key.as_str(), r.stages.first().map(|s| s.within)) {
                ("contract", Some(super::domain_regime::Span::Hours(h))) => h.to_string(),
                _ => String::new(),
            },
            stages: r
                .stages
                .iter()
                .map(|s| {
                    let from = match &s.from {
                        super::domain_regime::ClockStart::Awareness => "awareness".to_string(),
                        super::domain_regime::ClockStart::Classification => {
                            "classification".to_string()
                        }
                        super::domain_regime::ClockStart::Stage(k) => r
                            .stages
                            .iter()
                            .find(|x| &x.key == k)
                            .map(|x| x.name.to_lowercase())
                            .unwrap_or_else(|| k.clone()),
                    };
                    let latest = s
                        .at_latest_hours_after_awareness
                        .map(|h| format!(", at the latest {h} hours after awareness"))
                        .unwrap_or_default();
                    format!(
                        "{} to {}: within {} of {from}{latest}",
                        s.name,
                        s.recipient,
                        s.within.words()
                    )
                })
                .collect(),
            key: r.key,
            name: r.name,
            reference: r.reference,
            summary: r.summary,
            enabled,
        })
        .collect();
    let mut severity_rows = service::severities(ctx).await?.levels;
    severity_rows.extend((0..2).map(|_| SeverityLevel {
        key: String::new(),
        label: String::new(),
        description: String::new(),
    }));
    let status = errors.status();
    let l = layout(s, caller, "Notification regimes", "incidents", q).await?;
    Ok((
        status,
        RegimesPage {
            l,
            regimes,
            severity_rows,
            can_edit: ctx.actor.is_editor(),
            errors,
        },
    )
        .into_response())
}

pub async fn regimes_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_regimes(&s, &ctx, &caller, FormErrors::default(), q.as_deref()).await
}

pub async fn regimes_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let key = form.get("regime").to_string();
    let hours = match form.get("hours").trim() {
        "" => Ok(None),
        raw => raw
            .parse::<i64>()
            .map(Some)
            .map_err(|_| Error::field("hours", format!("'{raw}' is not a whole number of hours"))),
    };
    let r = match hours {
        Ok(h) => service::set_regime(&ctx, &key, form.get("enabled") == "1", h).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(Redirect::to("/incidents/regimes?notice=regime-saved").into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_regimes(&s, &ctx, &caller, errors, None).await
        }
    }
}

/// Keeps a file as evidence from a multipart form (`file`, `description`, `collected_by`,
/// `collected_at`, `collected_from`).
pub async fn keep_evidence(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> PageResult {
    let r = async {
        let upload = crate::registers::evidence::web::read_upload(&ctx, req)
            .await
            .map_err(Error::from)?;
        let input = EvidenceInput {
            description: upload.get("description").into(),
            collected_by: upload.get("collected_by").into(),
            collected_at: upload.get("collected_at").into(),
            collected_from: upload.get("collected_from").into(),
        };
        let file = upload
            .file
            .ok_or_else(|| Error::field("file", "choose the evidence's file"))?;
        super::service_custody::keep_evidence(&ctx, &id, &input, &file)
            .await
            .map(|_| ())
    }
    .await;
    after(&s, &ctx, &caller, &id, r, "incident-evidence").await
}

/// Hands a piece of evidence over (`to`, `at`, `purpose`).
pub async fn hand_over(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path((id, seq)): Path<(String, i64)>,
    form: FormData,
) -> PageResult {
    let input = HandoverInput {
        to: form.get("to").into(),
        at: form.get("at").into(),
        purpose: form.get("purpose").into(),
    };
    let r = super::service_custody::hand_over(&ctx, &id, seq, &input)
        .await
        .map(|_| ());
    after(&s, &ctx, &caller, &id, r, "incident-handed-over").await
}

/// A piece of evidence's file, checked against its SHA-256.
pub async fn evidence_file(ctx: Ctx, Path((id, seq)): Path<(String, i64)>) -> PageResult {
    let (f, reader) = super::service_custody::evidence_file(&ctx, &id, seq).await?;
    Ok(crate::registers::evidence::web::file_response(&f, reader))
}

/// The incident as a workbook: fields, timeline, notifications, evidence and custody.
pub async fn record_export(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let bytes = super::service_custody::export_record(&ctx, &id).await?;
    Ok(crate::exchange::attachment(
        &format!("{id}.xlsx"),
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        bytes,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "incident/templates/metrics.html")]
struct MetricsPage {
    l: Layout,
    m: super::domain_metrics::Metrics,
    by_severity: String,
    to_close: String,
    to_contain: String,
    categories: Vec<(String, i64)>,
    detect: String,
    contain: String,
    close: String,
}

/// The register's metrics with their charts.
pub async fn metrics(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    use crate::web::chart::{Bars, stacked_bars};
    let m = service::metrics(&ctx).await?;
    // The most severe at the bottom of each bar, in the danger colour; the levels below it
    // in the next colours; those not assessed last.
    const CLASSES: [&str; 4] = ["s0", "s1", "s2", "s3"];
    let levels = m.by_severity.len().saturating_sub(1);
    let series: Vec<Bars> = m
        .by_severity
        .iter()
        .enumerate()
        .rev()
        .map(|(i, s)| Bars {
            label: &s.label,
            class: if i >= levels {
                "s4"
            } else {
                CLASSES[(levels - 1 - i).min(3)]
            },
            values: &s.values,
        })
        .collect();
    let by_severity = stacked_bars(
        "Incidents per month by severity",
        &m.months,
        &series,
        "incidents",
    );
    let to_close = stacked_bars(
        "Median hours from aware to closed, per month",
        &m.months,
        &[Bars {
            label: "hours to close",
            class: "s2",
            values: &m.close_hours,
        }],
        "hours",
    );
    let to_contain = stacked_bars(
        "Median hours from aware to contained, per month",
        &m.months,
        &[Bars {
            label: "hours to contain",
            class: "s1",
            values: &m.contain_hours,
        }],
        "hours",
    );
    let mut categories: Vec<(String, i64)> = m
        .by_category
        .iter()
        .map(|c| (c.label.clone(), c.values.iter().sum::<f64>() as i64))
        .collect();
    categories.sort_by_key(|c| std::cmp::Reverse(c.1));
    let words = |h: Option<f64>| match h {
        None => "nothing to measure yet".to_string(),
        Some(h) if h < 48.0 => format!("{h} hours"),
        Some(h) => format!("{:.1} days", h / 24.0),
    };
    let l = layout(&s, &caller, "Incident metrics", "incidents", q.as_deref()).await?;
    Ok(MetricsPage {
        detect: words(m.median_detect_hours),
        contain: words(m.median_contain_hours),
        close: words(m.median_close_hours),
        by_severity,
        to_close,
        to_contain,
        categories,
        l,
        m,
    }
    .into_response())
}

/// Adds a task (`title`, `owner`, `due_on`).
pub async fn add_task(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = super::domain::TaskInput {
        title: form.get("title").into(),
        owner: form.get("owner").into(),
        due_on: form.get("due_on").into(),
    };
    let r = service::add_task(&ctx, &id, &input).await.map(|_| ());
    after(&s, &ctx, &caller, &id, r, "incident-task").await
}

/// Marks a task done.
pub async fn finish_task(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path((id, seq)): Path<(String, i64)>,
) -> PageResult {
    let r = service::finish_task(&ctx, &id, seq).await.map(|_| ());
    after(&s, &ctx, &caller, &id, r, "incident-task-done").await
}

/// Replaces the severity scale from the regimes page's table (`key_N`, `label_N`,
/// `description_N`; a row left empty is no level).
pub async fn severities_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let levels = (0..12)
        .map(|i| SeverityLevel {
            key: form.get(&format!("key_{i}")).to_string(),
            label: form.get(&format!("label_{i}")).to_string(),
            description: form.get(&format!("description_{i}")).to_string(),
        })
        .filter(|l| !(l.key.trim().is_empty() && l.label.trim().is_empty()))
        .collect();
    match service::set_severities(&ctx, &SeverityScale { levels }).await {
        Ok(_) => Ok(Redirect::to("/incidents/regimes?notice=severities-saved").into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(Error::Conflict(why)) => {
            let errors = FormErrors::from_error(Error::field("levels", why))?;
            let mut res = render_regimes(&s, &ctx, &caller, errors, None).await?;
            *res.status_mut() = axum::http::StatusCode::CONFLICT;
            Ok(res)
        }
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_regimes(&s, &ctx, &caller, errors, None).await
        }
    }
}
