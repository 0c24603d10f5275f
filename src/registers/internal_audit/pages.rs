//! Internal audit's pages: the programmes and audits with forms to add them, a programme with
//! its coverage, an audit with its checklist, findings and report, and the findings list.

use super::domain::AuditRecord;
use super::domain::{
    AuditInput, AuditQuery, AuditStatus, Coverage, Covered, InternalAudit, ItemInput, ItemResult,
    Programme, ProgrammeInput,
};
use super::domain_finding::{Finding, FindingInput, FindingKind, FindingQuery, FindingStatus};
use super::service;
use super::service_checklist;
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
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

fn statuses() -> Vec<Choice> {
    choices(AuditStatus::ALL, AuditStatus::key, AuditStatus::label)
}

fn kinds() -> Vec<Choice> {
    choices(FindingKind::ALL, FindingKind::key, FindingKind::label)
}

fn finding_statuses() -> Vec<Choice> {
    choices(FindingStatus::ALL, FindingStatus::key, FindingStatus::label)
}

fn results() -> Vec<Choice> {
    choices(ItemResult::ALL, ItemResult::key, ItemResult::label)
}

fn programme_of(form: &FormData) -> ProgrammeInput {
    ProgrammeInput {
        id: None,
        title: form.get("title").into(),
        starts_on: form.get("starts_on").into(),
        ends_on: form.get("ends_on").into(),
        owner: form.get("owner").into(),
        notes: form.get("notes").into(),
    }
}

fn audit_of(form: &FormData) -> AuditInput {
    AuditInput {
        id: None,
        programme: form.get("programme").into(),
        title: form.get("title").into(),
        clauses: form.get("clauses").into(),
        controls: form.get("controls").into(),
        criteria: form.get("criteria").into(),
        starts_on: form.get("starts_on").into(),
        ends_on: form.get("ends_on").into(),
        lead: form.get("lead").into(),
        auditors: form.get("auditors").into(),
        auditees: form.get("auditees").into(),
        status: form.get("status").into(),
        conclusion: form.get("conclusion").into(),
    }
}

fn finding_of(form: &FormData, audit: &str) -> FindingInput {
    FindingInput {
        id: None,
        audit: audit.into(),
        kind: form.get("kind").into(),
        title: form.get("title").into(),
        description: form.get("description").into(),
        requirement: form.get("requirement").into(),
        clause: Some(form.get("clause").into()),
        control: Some(form.get("control").into()),
        record: Some(form.get("record").into()),
        owner: form.get("owner").into(),
        raised_on: form.get("raised_on").into(),
        status: form.get("status").into(),
    }
}

// ---- the register's front page ----

#[derive(Template, WebTemplate)]
#[template(path = "internal_audit/templates/audits.html")]
struct ListPage {
    l: Layout,
    programmes: Vec<Programme>,
    audits: Vec<InternalAudit>,
    open: Vec<(String, i64)>,
    f_programme: String,
    f_status: String,
    f_auditor: String,
    filtered: bool,
    can_edit: bool,
    statuses: Vec<Choice>,
    p: ProgrammeInput,
    a: AuditInput,
    errors: FormErrors,
}

async fn render_list(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    form: (ProgrammeInput, AuditInput),
    mut errors: FormErrors,
    raw: Option<&str>,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw);
    let l = layout(s, caller, "Internal audit", "internal-audits", raw).await?;
    let query = match malformed {
        Some(e) => Err(e),
        None => AuditQuery::read(&params),
    };
    let audits = match query {
        Ok(q) => service::audits(ctx, &q).await?,
        Err(e) => {
            errors = FormErrors::from_error(e)?;
            Vec::new()
        }
    };
    let programmes = service::programmes(ctx).await?;
    let open = service::open_findings_by_kind(ctx)
        .await?
        .into_iter()
        .filter_map(|(k, n)| {
            FindingKind::parse(&k)
                .ok()
                .map(|k| (k.label().to_string(), n))
        })
        .collect();
    let (p, mut a) = form;
    if a.programme.is_empty()
        && let Some(first) = programmes.first()
    {
        a.programme = first.id.clone();
    }
    Ok((
        errors.status(),
        ListPage {
            f_programme: params.raw("programme"),
            f_status: params.raw("status"),
            f_auditor: params.raw("auditor"),
            filtered: params.filters_anything(),
            can_edit: ctx.actor.is_editor(),
            statuses: statuses(),
            l,
            programmes,
            audits,
            open,
            p,
            a,
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
        Default::default(),
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn create_programme(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = programme_of(&form);
    match service::create_programme(&ctx, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/internal-audits/programmes/{}?notice=programme-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(
                &s,
                &ctx,
                &caller,
                (input, AuditInput::default()),
                errors,
                None,
            )
            .await
        }
    }
}

pub async fn create_audit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = audit_of(&form);
    match service::create_audit(&ctx, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/internal-audits/{}?notice=audit-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(
                &s,
                &ctx,
                &caller,
                (ProgrammeInput::default(), input),
                errors,
                None,
            )
            .await
        }
    }
}

// ---- a programme ----

#[derive(Template, WebTemplate)]
#[template(path = "internal_audit/templates/programme.html")]
struct ProgrammePage {
    l: Layout,
    x: Programme,
    audits: Vec<InternalAudit>,
    c: Coverage,
    clauses_left: Vec<(String, String, String)>,
    controls_left: Vec<(String, String, String)>,
    history: Vec<HistoryRow>,
    can_edit: bool,
    v: ProgrammeInput,
    revision: i64,
    errors: FormErrors,
}

/// The items of a coverage not audited yet: (id, title, "planned in IA-0002" or "").
fn left(lines: &[super::domain::CoverageLine]) -> Vec<(String, String, String)> {
    lines
        .iter()
        .filter(|l| l.covered != Covered::Audited)
        .map(|l| {
            (
                l.id.clone(),
                l.title.clone(),
                if l.audits.is_empty() {
                    String::new()
                } else {
                    format!("planned in {}", l.audits.join(", "))
                },
            )
        })
        .collect()
}

async fn render_programme(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(ProgrammeInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let (x, audits, c) = service::programme_coverage(ctx, id).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "audit_programme", &x.id, 50).await?,
        ctx.clock().now(),
    );
    let (v, revision) = form.unwrap_or_else(|| (ProgrammeInput::from(&x), x.revision));
    let l = layout(
        s,
        caller,
        &format!("{} {}", x.id, x.title),
        "internal-audits",
        q,
    )
    .await?;
    Ok((
        errors.status(),
        ProgrammePage {
            clauses_left: left(&c.clauses),
            controls_left: left(&c.controls),
            can_edit: ctx.actor.is_editor(),
            history,
            l,
            x,
            audits,
            c,
            v,
            revision,
            errors,
        },
    )
        .into_response())
}

pub async fn show_programme(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_programme(
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

pub async fn update_programme(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = programme_of(&form);
    let started = form.revision();
    match service::update_programme(&ctx, &id, started, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/internal-audits/programmes/{}?notice=programme-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_programme(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}

// ---- an audit ----

#[derive(Template, WebTemplate)]
#[template(path = "internal_audit/templates/audit.html")]
struct AuditPage {
    l: Layout,
    r: AuditRecord,
    checked: usize,
    /// Each checklist item's problem, in the checklist's order.
    item_errors: Vec<Option<String>>,
    history: Vec<HistoryRow>,
    can_edit: bool,
    can_record: bool,
    statuses: Vec<Choice>,
    results: Vec<Choice>,
    kinds: Vec<Choice>,
    finding_statuses: Vec<Choice>,
    v: AuditInput,
    revision: i64,
    f: FindingInput,
    errors: FormErrors,
}

struct AuditForms {
    audit: Option<(AuditInput, i64)>,
    finding: FindingInput,
}

async fn render_audit(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    forms: AuditForms,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let r = service_checklist::record(ctx, id).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "internal_audit", &r.audit.id, 50).await?,
        ctx.clock().now(),
    );
    let (v, revision) = forms
        .audit
        .unwrap_or_else(|| (AuditInput::from(&r.audit), r.audit.revision));
    let l = layout(
        s,
        caller,
        &format!("{} {}", r.audit.id, r.audit.title),
        "internal-audits",
        q,
    )
    .await?;
    Ok((
        errors.status(),
        AuditPage {
            item_errors: r
                .checklist
                .iter()
                .map(|i| {
                    errors
                        .get(&format!("result:{}", i.key))
                        .or_else(|| errors.get(&format!("note:{}", i.key)))
                })
                .collect(),
            checked: r
                .checklist
                .iter()
                .filter(|i| i.result != ItemResult::NotChecked)
                .count(),
            can_edit: ctx.actor.is_editor(),
            can_record: service::may_audit(ctx, &r.audit)
                && r.audit.status != AuditStatus::Cancelled,
            statuses: statuses(),
            results: results(),
            kinds: kinds(),
            finding_statuses: finding_statuses(),
            f: forms.finding,
            history,
            l,
            r,
            v,
            revision,
            errors,
        },
    )
        .into_response())
}

pub async fn show_audit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let forms = AuditForms {
        audit: None,
        finding: FindingInput::default(),
    };
    render_audit(
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

pub async fn update_audit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = audit_of(&form);
    let started = form.revision();
    match service::update_audit(&ctx, &id, started, &input).await {
        Ok(x) => Ok(Redirect::to(&format!(
            "/internal-audits/{}?notice=audit-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            let forms = AuditForms {
                audit: Some((input, rev)),
                finding: FindingInput::default(),
            };
            render_audit(&s, &ctx, &caller, &id, forms, errors, None).await
        }
    }
}

/// The checklist form: a `result:KEY` and a `note:KEY` field per item.
pub async fn record_checklist(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let items: Vec<ItemInput> = form
        .pairs()
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("result:").map(|key| ItemInput {
                key: key.to_string(),
                result: v.clone(),
                note: form.get(&format!("note:{key}")).to_string(),
            })
        })
        .collect();
    match service_checklist::record_results(&ctx, &id, &items).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/internal-audits/{}?notice=audit-checked#checklist",
            encode(&id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let forms = AuditForms {
                audit: None,
                finding: FindingInput::default(),
            };
            render_audit(&s, &ctx, &caller, &id, forms, errors, None).await
        }
    }
}

pub async fn create_finding(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = finding_of(&form, &id);
    match service::create_finding(&ctx, &input).await {
        Ok(x) => Ok(
            Redirect::to(&format!("/findings/{}?notice=finding-saved", encode(&x.id)))
                .into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let forms = AuditForms {
                audit: None,
                finding: input,
            };
            render_audit(&s, &ctx, &caller, &id, forms, errors, None).await
        }
    }
}

/// The audit report: `report.pdf` or `report.xlsx`.
pub async fn report(
    ctx: Ctx,
    path: axum::extract::MatchedPath,
    Path(id): Path<String>,
) -> PageResult {
    let format = if path.as_str().ends_with(".xlsx") {
        super::exchange::ReportFormat::Xlsx
    } else {
        super::exchange::ReportFormat::Pdf
    };
    let (name, media, bytes) = service_checklist::report(&ctx, &id, format).await?;
    Ok(crate::exchange::attachment(&name, media, bytes))
}

// ---- findings ----

#[derive(Template, WebTemplate)]
#[template(path = "internal_audit/templates/findings.html")]
struct FindingsPage {
    l: Layout,
    rows: Vec<Finding>,
    total: i64,
    total_capped: bool,
    next_href: Option<String>,
    filtered: bool,
    export_href: String,
    xlsx_href: String,
    f_q: String,
    f_audit: String,
    f_kind: String,
    f_status: String,
    f_clause: String,
    f_control: String,
    f_owner: String,
    can_edit: bool,
    kinds: Vec<Choice>,
    finding_statuses: Vec<Choice>,
    errors: FormErrors,
}

pub async fn findings(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let raw = raw.as_deref();
    let (params, malformed) = Params::parse_lenient(raw);
    let l = layout(&s, &caller, "Audit findings", "internal-audits", raw).await?;
    let mut errors = FormErrors::default();
    let query = match malformed {
        Some(e) => Err(e),
        None => FindingQuery::read(&params),
    };
    let page = match query {
        Ok(q) => match service::findings(&ctx, &q, params.cursor(), 100).await {
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
            p.next_cursor.map(|c| with_cursor("/findings", raw, &c)),
        ),
        None => (Vec::new(), 0, false, None),
    };
    let value = |k: &str| params.raw(k);
    Ok((
        errors.status(),
        FindingsPage {
            export_href: with_same_filters("/findings.csv", raw),
            xlsx_href: with_same_filters("/findings.xlsx", raw),
            filtered: params.filters_anything(),
            f_q: value("q"),
            f_audit: value("audit"),
            f_kind: value("kind"),
            f_status: value("status"),
            f_clause: value("clause"),
            f_control: value("control"),
            f_owner: value("owner"),
            can_edit: ctx.actor.is_editor(),
            kinds: kinds(),
            finding_statuses: finding_statuses(),
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

pub async fn export_findings(
    ctx: Ctx,
    path: axum::extract::MatchedPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    params.check_known(FindingQuery::PARAMS)?;
    let query = FindingQuery::read(&params)?;
    let all = service::all_findings(&ctx, &query).await?;
    Ok(crate::exchange::download(
        "findings",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::findings_table(&all),
    )?)
}

#[derive(Template, WebTemplate)]
#[template(path = "internal_audit/templates/finding.html")]
struct FindingPage {
    l: Layout,
    x: Finding,
    audit: InternalAudit,
    owner_name: String,
    /// The nonconformity that follows it up: (id, stage).
    following: Option<(String, String)>,
    can_raise: bool,
    history: Vec<HistoryRow>,
    can_record: bool,
    kinds: Vec<Choice>,
    finding_statuses: Vec<Choice>,
    f: FindingInput,
    revision: i64,
    errors: FormErrors,
}

async fn render_finding(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(FindingInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let x = service::finding(ctx, id).await?;
    let audit = service::audit(ctx, &x.audit).await?;
    let names = crate::registers::responsibility::service::names(ctx).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "finding", &x.id, 50).await?,
        ctx.clock().now(),
    );
    let (f, revision) = form.unwrap_or_else(|| (FindingInput::from(&x), x.revision));
    let l = layout(
        s,
        caller,
        &format!("{} {}", x.id, x.title),
        "internal-audits",
        q,
    )
    .await?;
    Ok((
        errors.status(),
        FindingPage {
            owner_name: crate::domain::words::person(&names, &x.owner),
            following: crate::registers::improvement::web::following_up(ctx, &x.id).await?,
            can_raise: ctx.actor.has(&[
                crate::domain::user::Role::Admin,
                crate::domain::user::Role::Manager,
                crate::domain::user::Role::Auditor,
            ]),
            can_record: service::may_audit(ctx, &audit) && audit.status != AuditStatus::Cancelled,
            kinds: kinds(),
            finding_statuses: finding_statuses(),
            history,
            l,
            x,
            audit,
            f,
            revision,
            errors,
        },
    )
        .into_response())
}

pub async fn show_finding(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_finding(
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

pub async fn update_finding(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let audit = form.get("audit").to_string();
    let input = finding_of(&form, &audit);
    let started = form.revision();
    match service::update_finding(&ctx, &id, started, &input).await {
        Ok(x) => Ok(
            Redirect::to(&format!("/findings/{}?notice=finding-saved", encode(&x.id)))
                .into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_finding(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}
