//! Risk rules shared by the pages and the API: who may edit a risk, who may accept it, and the
//! register's query string.

use super::session::Caller;
use crate::domain::asset::parse_date;
use crate::domain::matrix::Matrix;
use crate::domain::risk::{Risk, RiskStatus, Treatment};
use crate::error::{Error, Problems};
use crate::store::{RatingKind, RiskFilter, RiskSort, StatusFilter};

/// Managers and admins edit every risk; a contributor edits the risks they own.
pub fn may_edit(caller: &Caller, r: &Risk) -> bool {
    caller.may_edit_owned(&r.owner)
}

/// Checks an acceptance: the risk owner (or a manager or admin) accepts; above the matrix's
/// threshold only a manager or admin may, and with a rationale. Answers the checked
/// (rationale, valid-until date).
pub fn check_acceptance(
    caller: &Caller,
    r: &Risk,
    m: &Matrix,
    rationale: &str,
    valid_until: &str,
    today: &str,
) -> Result<(String, String), Error> {
    if !may_edit(caller, r) {
        return Err(Error::Forbidden);
    }
    let above = !m.acceptable(&r.target.level);
    if above && !caller.is_editor() {
        return Err(Error::Forbidden);
    }
    let mut p = Problems::new();
    let rationale = rationale.trim().to_string();
    if above && rationale.is_empty() {
        let level = m
            .risk_level(&r.target.level)
            .map(|l| l.name.clone())
            .unwrap_or_default();
        p.add("rationale", format!("the residual level {level} is above the acceptance threshold: say why the risk is accepted"));
    }
    if rationale.chars().count() > 5000 {
        p.add("rationale", "at most 5000 characters");
    }
    let until = match parse_date(valid_until) {
        Ok(d) if d.as_str() > today => Some(d),
        Ok(d) => {
            p.add(
                "valid_until",
                format!("{d} is not in the future: an acceptance must stay valid for some time"),
            );
            None
        }
        Err(e) => {
            p.add("valid_until", e);
            None
        }
    };
    p.into_result()?;
    Ok((rationale, until.unwrap_or_default()))
}

/// The register's order: `sort` (id by default).
pub fn risk_sort(pairs: &[(String, String)]) -> Result<RiskSort, Error> {
    match pairs
        .iter()
        .find(|(k, v)| k == "sort" && !v.trim().is_empty())
    {
        Some((_, v)) => RiskSort::parse(v),
        None => Ok(RiskSort::Id),
    }
}

/// The register's query: q, level, owner, treatment, status, asset, measure, control, cell
/// (`target:4:5`).
pub fn risk_filter(
    pairs: &[(String, String)],
    m: &Matrix,
    today: &str,
) -> Result<RiskFilter, Error> {
    let get = |k: &str| {
        pairs
            .iter()
            .find(|(n, v)| n == k && !v.trim().is_empty())
            .map(|(_, v)| v.trim().to_string())
    };
    let mut p = Problems::new();
    let level = get("level");
    if let Some(l) = &level
        && m.risk_level(l).is_none()
    {
        let keys: Vec<&str> = m.levels.iter().map(|l| l.key.as_str()).collect();
        p.add(
            "level",
            format!("'{l}' is not a risk level: use one of {}", keys.join(", ")),
        );
    }
    let treatment = match get("treatment") {
        Some(t) => p.take("treatment", Treatment::parse(&t)),
        None => None,
    };
    let status = match get("status").as_deref() {
        None => None,
        Some("active") => Some(StatusFilter::Active),
        Some(s) => p
            .take(
                "status",
                RiskStatus::parse(s).map_err(|e| format!("{e} (or active: every risk not closed)")),
            )
            .map(StatusFilter::Is),
    };
    let control = get("control").map(|c| {
        let r = crate::domain::measure::parse_control_refs(&c);
        r.into_iter()
            .next()
            .map(|r| (r.framework, r.id))
            .unwrap_or_default()
    });
    let cell = match get("cell") {
        None => None,
        Some(c) => {
            let parts: Vec<&str> = c.split(':').collect();
            match (
                parts.first().and_then(|k| RatingKind::parse(k)),
                parts.get(1).and_then(|v| v.parse().ok()),
                parts.get(2).and_then(|v| v.parse().ok()),
            ) {
                (Some(k), Some(l), Some(i)) if parts.len() == 3 => Some((k, l, i)),
                _ => {
                    p.add("cell", format!("'{c}' is not a heat-map cell: write inherent:L:I, current:L:I or target:L:I"));
                    None
                }
            }
        }
    };
    p.into_result()?;
    let attention = get("attention");
    match attention.as_deref() {
        None | Some("review") | Some("acceptance") => {}
        Some(other) => {
            return Err(Error::field(
                "attention",
                format!("'{other}' is not a list: use review or acceptance"),
            ));
        }
    }
    Ok(RiskFilter {
        level,
        owner: get("owner"),
        treatment,
        status,
        asset: get("asset"),
        measure: get("measure"),
        control,
        cell,
        text: get("q"),
        review_overdue_on: (attention.as_deref() == Some("review")).then(|| today.to_string()),
        acceptance_lapsed_on: (attention.as_deref() == Some("acceptance"))
            .then(|| today.to_string()),
    })
}

// --- pages -----------------------------------------------------------------------------------

use super::AppState;
use super::matrix::{SvgGrid, svg_grid_with};
use super::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, actor, history_rows, layout,
};
use crate::domain::matrix::ScaleLevel;
use crate::domain::measure::Measure;
use crate::domain::risk::RiskInput;
use crate::domain::threat::{Kind, Library};
use crate::store::AuditFilter;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Extension, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/risks", get(register).post(create))
        .route("/risks/new", get(new_form))
        .route("/risks.csv", get(export))
        .route("/risks.xlsx", get(export))
        .route("/risks/heat-map", get(heat_map))
        .route("/risks/library", get(library))
        .route("/risks/{id}", get(record).post(update))
        .route("/risks/{id}/edit", get(edit_form))
        .route("/risks/{id}/accept", post(accept))
}

fn statuses() -> Vec<Choice> {
    RiskStatus::ALL
        .iter()
        .map(|s| Choice {
            key: s.key(),
            label: s.label(),
        })
        .collect()
}

fn treatments() -> Vec<Choice> {
    Treatment::ALL
        .iter()
        .map(|t| Choice {
            key: t.key(),
            label: t.label(),
        })
        .collect()
}

/// (level name, colour) of a level key.
fn level_look(m: &Matrix, key: &str) -> (String, String) {
    m.risk_level(key)
        .map(|l| (l.name.clone(), l.colour.clone()))
        .unwrap_or_else(|| (key.to_string(), "#999999".into()))
}

struct Row {
    id: String,
    title: String,
    owner: String,
    levels: Vec<(String, String)>,
    treatment: &'static str,
    status: &'static str,
    status_key: &'static str,
    acceptance: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "risks.html")]
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
    levels: Vec<crate::domain::matrix::RiskLevel>,
    treatments: Vec<Choice>,
    f_q: String,
    f_level: String,
    f_treatment: String,
    f_owner: String,
    f_asset: String,
    f_control: String,
    f_cell: String,
    f_status: String,
    f_sort: String,
    statuses: Vec<Choice>,
    sorts: Vec<Choice>,
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
    let l = layout(&s, &caller, "Risks", "risks", raw.as_deref()).await?;
    let m = s.store.risk_matrix().await?;
    let day = s.store.today();
    let mut errors = FormErrors::default();
    let mut filtered = false;
    let page = match risk_filter(&pairs, &m, &day).and_then(|f| Ok((f, risk_sort(&pairs)?))) {
        Ok((f, sort)) => {
            filtered = f != RiskFilter::default();
            match s
                .store
                .list_risks(&f, sort, Some(value("cursor").as_str()), 50)
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
                .map(|c| super::page::with_cursor("/risks", raw.as_deref(), &c));
            let rows = p
                .items
                .into_iter()
                .map(|r| Row {
                    levels: [&r.inherent.level, &r.current.level, &r.target.level]
                        .iter()
                        .map(|k| level_look(&m, k))
                        .collect(),
                    treatment: r.treatment.label(),
                    status: r.status.label(),
                    status_key: r.status.key(),
                    acceptance: r
                        .acceptance
                        .as_ref()
                        .map(|a| a.state(&day).to_string())
                        .unwrap_or_else(|| "—".into()),
                    id: r.id,
                    title: r.title,
                    owner: r.owner,
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
            export_href: super::page::with_same_filters("/risks.csv", raw.as_deref()),
            xlsx_href: super::page::with_same_filters("/risks.xlsx", raw.as_deref()),
            can_create: caller.is_editor(),
            l,
            errors,
            rows,
            total,
            filtered,
            next_href,
            levels: m.levels.clone(),
            treatments: treatments(),
            f_q: value("q"),
            f_level: value("level"),
            f_treatment: value("treatment"),
            f_owner: value("owner"),
            f_asset: value("asset"),
            f_control: value("control"),
            f_cell: value("cell"),
            f_status: value("status"),
            f_sort: value("sort"),
            statuses: statuses(),
            sorts: RiskSort::ALL
                .iter()
                .map(|s| Choice {
                    key: s.key(),
                    label: s.label(),
                })
                .collect(),
        },
    )
        .into_response())
}

struct RatingRow {
    name: &'static str,
    likelihood: String,
    impact: String,
    level: String,
    colour: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "risk.html")]
struct RecordPage {
    l: Layout,
    r: Risk,
    can_edit: bool,
    can_accept: bool,
    above_threshold: bool,
    residual_name: String,
    treatment: &'static str,
    ratings: Vec<RatingRow>,
    assets: Vec<(String, String)>,
    measures: Vec<Measure>,
    acceptance_state: &'static str,
    accepted_on: String,
    errors: FormErrors,
    form_rationale: String,
    form_until: String,
    history: Vec<HistoryRow>,
    evidence: Vec<crate::domain::evidence::Evidence>,
    evidence_new: String,
    can_add_evidence: bool,
    /// Controls the library suggests for the risk's threat and vulnerability.
    suggested: Vec<String>,
    /// The name of the level the acceptance accepted.
    accepted_level: String,
    quant: Option<super::fair::RiskQuant>,
}

async fn render_record(
    s: &AppState,
    caller: &Caller,
    id: &str,
    errors: FormErrors,
    form: Option<&FormData>,
    q: Option<&str>,
) -> PageResult {
    let r = s.store.risk(id).await?;
    let m = s.store.risk_matrix().await?;
    let step = |scale: &[ScaleLevel], v: i64| {
        scale
            .iter()
            .find(|x| x.value == v)
            .map(|x| format!("{} {}", x.value, x.name))
            .unwrap_or_else(|| v.to_string())
    };
    let ratings = [
        ("Inherent", &r.inherent),
        ("Current", &r.current),
        ("Residual", &r.target),
    ]
    .into_iter()
    .map(|(name, g)| {
        let (level, colour) = level_look(&m, &g.level);
        RatingRow {
            name,
            likelihood: step(&m.likelihood, g.likelihood),
            impact: step(&m.impact, g.impact),
            level,
            colour,
        }
    })
    .collect();
    let treating = crate::store::MeasureFilter {
        risk: Some(r.id.clone()),
        ..Default::default()
    };
    let measures = s.store.all_measures(&treating).await?;
    let l = layout(s, caller, &format!("{} {}", r.id, r.title), "risks", q).await?;
    let filter = AuditFilter {
        object_type: Some("risk".into()),
        object_id: Some(r.id.clone()),
        ..AuditFilter::default()
    };
    let history = history_rows(
        s.store.audit_entries(&filter, 50).await?,
        s.store.clock().now(),
    );
    let above = !m.acceptable(&r.target.level);
    let day = s.store.today();
    let status = errors.status();
    let default_until = (s.store.clock().now().date() + time::Duration::days(365)).to_string();
    let lib = Library::get();
    let mut suggested: Vec<String> = Vec::new();
    for e in [
        lib.named(Kind::Threat, &r.threat),
        lib.named(Kind::Vulnerability, &r.vulnerability),
    ]
    .into_iter()
    .flatten()
    {
        for c in &e.controls {
            if !suggested.contains(c) {
                suggested.push(c.clone());
            }
        }
    }
    let evidence =
        super::evidence::attached(s, crate::domain::evidence::Target::Risk, &r.id).await?;
    let quant = super::fair::risk_card(s, &r).await?;
    Ok((
        status,
        RecordPage {
            evidence_new: format!("/evidence/new?risk={}", super::session::encode(&r.id)),
            can_add_evidence: caller.may_contribute(),
            evidence,
            can_edit: may_edit(caller, &r),
            can_accept: if above {
                caller.is_editor()
            } else {
                may_edit(caller, &r)
            },
            above_threshold: above,
            residual_name: level_look(&m, &r.target.level).0,
            treatment: r.treatment.label(),
            ratings,
            assets: s.store.asset_names(&r.assets).await?,
            measures,
            acceptance_state: r.acceptance.as_ref().map(|a| a.state(&day)).unwrap_or(""),
            accepted_on: r
                .acceptance
                .as_ref()
                .map(|a| crate::domain::clock::display(&a.accepted_at))
                .unwrap_or_default(),
            form_rationale: form
                .map(|f| f.get("rationale").to_string())
                .unwrap_or_default(),
            form_until: form
                .map(|f| f.get("valid_until").to_string())
                .unwrap_or(default_until),
            errors,
            history,
            suggested,
            quant,
            accepted_level: r
                .acceptance
                .as_ref()
                .map(|a| level_look(&m, &a.accepted.target.level).0)
                .unwrap_or_default(),
            l,
            r,
        },
    )
        .into_response())
}

async fn record(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_record(&s, &caller, &id, FormErrors::default(), None, q.as_deref()).await
}

async fn accept(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let r = s.store.risk(&id).await?;
    let m = s.store.risk_matrix().await?;
    match check_acceptance(
        &caller,
        &r,
        &m,
        form.get("rationale"),
        form.get("valid_until"),
        &s.store.today(),
    ) {
        Ok((rationale, until)) => {
            s.store
                .accept_risk(&actor(&caller), &id, &rationale, &until)
                .await?;
            Ok(
                Redirect::to(&format!("/risks/{id}?notice=risk-accepted#acceptance"))
                    .into_response(),
            )
        }
        Err(Error::Validation(f)) => {
            render_record(
                &s,
                &caller,
                &id,
                FormErrors::from_error(Error::Validation(f))?,
                Some(&form),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

struct RatingFields {
    label: &'static str,
    prefix: &'static str,
    required: bool,
    likelihood: String,
    impact: String,
    likelihood_field: &'static str,
    impact_field: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "risk_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
    is_new: bool,
    current_id: String,
    action: String,
    v: RiskInput,
    ratings: Vec<RatingFields>,
    likelihood: Vec<ScaleLevel>,
    impact: Vec<ScaleLevel>,
    treatments: Vec<Choice>,
    statuses: Vec<Choice>,
    /// (name, group) of the library's threats and vulnerabilities, for suggestions.
    threats: Vec<(String, String)>,
    vulnerabilities: Vec<(String, String)>,
}

/// (name, group name) of the library's entries of a kind.
fn library_names(kind: Kind) -> Vec<(String, String)> {
    let lib = Library::get();
    lib.groups
        .iter()
        .filter(|g| g.kind == kind)
        .flat_map(|g| {
            lib.in_group(&g.id)
                .map(|e| (e.name.clone(), g.name.clone()))
        })
        .collect()
}

async fn render_form(
    s: &AppState,
    caller: &Caller,
    v: RiskInput,
    errors: FormErrors,
    existing: Option<&str>,
) -> PageResult {
    let m = s.store.risk_matrix().await?;
    let l = layout(
        s,
        caller,
        if existing.is_some() {
            "Edit risk"
        } else {
            "New risk"
        },
        "risks",
        None,
    )
    .await?;
    let ratings = vec![
        RatingFields {
            label: "Inherent: with no controls",
            prefix: "inherent",
            required: true,
            likelihood: v.inherent_likelihood.clone(),
            impact: v.inherent_impact.clone(),
            likelihood_field: "inherent_likelihood",
            impact_field: "inherent_impact",
        },
        RatingFields {
            label: "Current: with the measures in place today",
            prefix: "current",
            required: false,
            likelihood: v.current_likelihood.clone(),
            impact: v.current_impact.clone(),
            likelihood_field: "current_likelihood",
            impact_field: "current_impact",
        },
        RatingFields {
            label: "Residual: after the treatment plan",
            prefix: "target",
            required: false,
            likelihood: v.target_likelihood.clone(),
            impact: v.target_impact.clone(),
            likelihood_field: "target_likelihood",
            impact_field: "target_impact",
        },
    ];
    let status = errors.status();
    Ok((
        status,
        FormPage {
            l,
            errors,
            is_new: existing.is_none(),
            current_id: existing.unwrap_or_default().to_string(),
            action: existing
                .map(|id| format!("/risks/{id}"))
                .unwrap_or_else(|| "/risks".into()),
            v,
            ratings,
            likelihood: m.likelihood,
            impact: m.impact,
            treatments: treatments(),
            statuses: statuses(),
            threats: library_names(Kind::Threat),
            vulnerabilities: library_names(Kind::Vulnerability),
        },
    )
        .into_response())
}

fn input_from(form: &FormData, id: Option<String>) -> RiskInput {
    RiskInput {
        id,
        title: form.get("title").into(),
        threat: form.get("threat").into(),
        vulnerability: form.get("vulnerability").into(),
        consequence: form.get("consequence").into(),
        owner: form.get("owner").into(),
        category: form.get("category").into(),
        inherent_likelihood: form.get("inherent_likelihood").into(),
        inherent_impact: form.get("inherent_impact").into(),
        current_likelihood: form.get("current_likelihood").into(),
        current_impact: form.get("current_impact").into(),
        target_likelihood: form.get("target_likelihood").into(),
        target_impact: form.get("target_impact").into(),
        treatment: form.get("treatment").into(),
        status: form.get("status").into(),
        review_due_on: form.get("review_due_on").into(),
        assets: form.get("assets").into(),
        measures: form.get("measures").into(),
    }
}

/// A new risk; `?threat=T-…` or `?vulnerability=V-…` starts it from the library, `?assets=…`
/// from an asset.
async fn new_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let owner = caller
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let lib = Library::get();
    let picked = |k: &str| {
        pairs
            .iter()
            .find(|(n, _)| n == k)
            .and_then(|(_, id)| lib.entry(id))
    };
    let threat = picked("threat");
    let vulnerability = picked("vulnerability");
    render_form(
        &s,
        &caller,
        RiskInput {
            owner,
            treatment: "modify".into(),
            status: "open".into(),
            title: threat
                .or(vulnerability)
                .map(|e| e.name.clone())
                .unwrap_or_default(),
            threat: threat.map(|e| e.name.clone()).unwrap_or_default(),
            vulnerability: vulnerability.map(|e| e.name.clone()).unwrap_or_default(),
            assets: pairs
                .iter()
                .find(|(n, _)| n == "assets")
                .map(|(_, v)| v.clone())
                .unwrap_or_default(),
            ..RiskInput::default()
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
    let result = match v.parse(&s.store.risk_matrix().await?) {
        Ok(d) => s.store.create_risk(&actor(&caller), d).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/risks/{}?notice=risk-saved", r.id)).into_response()),
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, None).await,
    }
}

async fn edit_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let r = s.store.risk(&id).await?;
    if !may_edit(&caller, &r) {
        return Err(Error::Forbidden.into());
    }
    render_form(
        &s,
        &caller,
        RiskInput::from(&r),
        FormErrors::default(),
        Some(&r.id),
    )
    .await
}

async fn update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let current = s.store.risk(&id).await?;
    if !may_edit(&caller, &current) {
        return Err(Error::Forbidden.into());
    }
    let v = input_from(&form, Some(id.clone()));
    let result = match v.parse(&s.store.risk_matrix().await?) {
        Ok(d) => s.store.update_risk(&actor(&caller), &id, d).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(r) => Ok(Redirect::to(&format!("/risks/{}?notice=risk-saved", r.id)).into_response()),
        Err(e) => render_form(&s, &caller, v, FormErrors::from_error(e)?, Some(&id)).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "heatmap.html")]
struct HeatMapPage {
    l: Layout,
    maps: Vec<SvgGrid>,
}

async fn heat_map(State(s): State<AppState>, Extension(caller): Extension<Caller>) -> PageResult {
    let m = s.store.risk_matrix().await?;
    let mut maps = Vec::new();
    for (kind, key, title) in [
        (RatingKind::Inherent, "inherent", "Inherent risk"),
        (RatingKind::Target, "target", "Residual risk"),
    ] {
        let counts = s.store.heat_map(kind).await?;
        maps.push(svg_grid_with(&m, key, title, |l, i| {
            let n = counts
                .iter()
                .find(|c| c.0 == l && c.1 == i)
                .map(|c| c.2)
                .unwrap_or(0);
            (
                if n == 0 { String::new() } else { n.to_string() },
                n,
                format!("/risks?cell={key}:{l}:{i}&status=active"),
            )
        }));
    }
    let l = layout(&s, &caller, "Risk heat map", "risks", None).await?;
    Ok(HeatMapPage { l, maps }.into_response())
}

/// The register as CSV or XLSX: every risk matching the filters.
async fn export(
    State(s): State<AppState>,
    path: axum::extract::MatchedPath,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let day = s.store.today();
    let filter = risk_filter(&pairs, &s.store.risk_matrix().await?, &day)?;
    let risks = s.store.all_risks(&filter).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "risks",
        format,
        &crate::exchange::risks_table(&risks, &day),
    )?)
}

struct LibraryGroup {
    id: String,
    name: String,
    kind_label: &'static str,
    /// The risk form's field an entry of this group fills.
    field: &'static str,
    entries: Vec<crate::domain::threat::Entry>,
}

#[derive(Template, WebTemplate)]
#[template(path = "threat_library.html")]
struct LibraryPage {
    l: Layout,
    can_create: bool,
    groups: Vec<LibraryGroup>,
}

/// The library of threats and vulnerabilities, by group.
async fn library(State(s): State<AppState>, Extension(caller): Extension<Caller>) -> PageResult {
    let lib = Library::get();
    let groups = lib
        .groups
        .iter()
        .map(|g| LibraryGroup {
            id: g.id.clone(),
            name: g.name.clone(),
            kind_label: match g.kind {
                Kind::Threat => "threats",
                Kind::Vulnerability => "vulnerabilities",
            },
            field: match g.kind {
                Kind::Threat => "threat",
                Kind::Vulnerability => "vulnerability",
            },
            entries: lib.in_group(&g.id).cloned().collect(),
        })
        .collect();
    let l = layout(&s, &caller, "Threats and vulnerabilities", "risks", None).await?;
    Ok(LibraryPage {
        l,
        can_create: caller.is_editor(),
        groups,
    }
    .into_response())
}
