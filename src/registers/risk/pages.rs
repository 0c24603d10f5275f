//! The risk register's pages: the register with its filters, a risk with its ratings,
//! assets, measures, acceptance, evidence and history, the form, the heat map and the threat
//! and vulnerability library.

use super::domain::{RatingKind, Risk, RiskInput, RiskQuery, RiskSort, RiskStatus, Treatment};
use super::domain_threat::{Kind, Library};
use super::service::{self, may_accept, may_edit};
use crate::domain::query::Params;
use crate::error::Error;
use crate::registers::matrix::domain::{Matrix, ScaleLevel};
use crate::registers::matrix::web::{SvgGrid, svg_grid_with};
use crate::registers::measure::domain::Measure;
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
#[template(path = "risk/templates/risks.html")]
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
    levels: Vec<crate::registers::matrix::domain::RiskLevel>,
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

pub async fn register(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let value = |k: &str| params.raw(k);
    let l = layout(&s, &caller, "Risks", "risks", raw.as_deref()).await?;
    let m = service::matrix(&ctx).await?;
    let day = ctx.today();
    let mut errors = FormErrors::default();
    let query = match malformed {
        Some(e) => Err(e),
        None => RiskQuery::read(&params, &day),
    };
    let filtered = params.filters_anything();
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
                .map(|c| with_cursor("/risks", raw.as_deref(), &c));
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
            export_href: with_same_filters("/risks.csv", raw.as_deref()),
            xlsx_href: with_same_filters("/risks.xlsx", raw.as_deref()),
            can_create: ctx.actor.is_editor(),
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
#[template(path = "risk/templates/risk.html")]
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
    evidence: Vec<crate::registers::evidence::domain::Evidence>,
    evidence_new: String,
    can_add_evidence: bool,
    /// Controls the library suggests for the risk's threat and vulnerability.
    suggested: Vec<String>,
    /// The name of the level the acceptance accepted.
    accepted_level: String,
    quant: Option<crate::registers::quant::web::RiskQuant>,
    /// The revision the acceptance form carries.
    revision: i64,
}

async fn render_record(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    errors: FormErrors,
    form: Option<&FormData>,
    q: Option<&str>,
) -> PageResult {
    let r = service::get(ctx, id).await?;
    let m = service::matrix(ctx).await?;
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
    let treating = crate::registers::measure::domain::MeasureFilter {
        risk: Some(r.id.clone()),
        ..Default::default()
    };
    let measures = crate::registers::measure::service::all(ctx, &treating).await?;
    let l = layout(s, caller, &format!("{} {}", r.id, r.title), "risks", q).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "risk", &r.id, 50).await?,
        ctx.clock().now(),
    );
    let above = !m.acceptable(&r.target.level);
    let day = ctx.today();
    let status = errors.status();
    let default_until = (ctx.clock().now().date() + time::Duration::days(365)).to_string();
    let revision = errors.revision(r.revision);
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
    let evidence = crate::registers::evidence::service::attached(
        ctx,
        crate::registers::evidence::domain::Target::Risk,
        &r.id,
    )
    .await?;
    let quant = crate::registers::quant::web::risk_card(ctx, &r).await?;
    Ok((
        status,
        RecordPage {
            evidence_new: format!("/evidence/new?risk={}", encode(&r.id)),
            can_add_evidence: ctx.actor.may_contribute(),
            evidence,
            can_edit: may_edit(&ctx.actor, &r),
            can_accept: may_accept(&ctx.actor, &r, &m),
            revision,
            above_threshold: above,
            residual_name: level_look(&m, &r.target.level).0,
            treatment: r.treatment.label(),
            ratings,
            assets: crate::registers::asset::service::names(ctx, &r.assets).await?,
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

pub async fn record(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_record(
        &s,
        &ctx,
        &caller,
        &id,
        FormErrors::default(),
        None,
        q.as_deref(),
    )
    .await
}

pub async fn accept(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    match service::accept(
        &ctx,
        &id,
        form.revision(),
        form.get("rationale"),
        form.get("valid_until"),
    )
    .await
    {
        Ok(_) => Ok(
            Redirect::to(&format!("/risks/{id}?notice=risk-accepted#acceptance")).into_response(),
        ),
        Err(e @ (Error::Validation(_) | Error::Stale { .. })) => {
            let errors = FormErrors::from_error(e)?;
            render_record(&s, &ctx, &caller, &id, errors, Some(&form), None).await
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
#[template(path = "risk/templates/risk_form.html")]
struct FormPage {
    l: Layout,
    errors: FormErrors,
    /// The revision of the risk the form edits (0 for a new one).
    revision: i64,
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
    ctx: &Ctx,
    caller: &Caller,
    v: RiskInput,
    errors: FormErrors,
    existing: Option<(&str, i64)>,
) -> PageResult {
    let m = service::matrix(ctx).await?;
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
                .map(|(id, _)| format!("/risks/{id}"))
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
        rating_reason: form.get("rating_reason").into(),
        notes: form.get("notes").into(),
    }
}

/// A new risk; `?threat=T-…` or `?vulnerability=V-…` starts it from the library, `?assets=…`
/// from an asset.
pub async fn new_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let owner = caller
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_default();
    let params = Params::parse(raw.as_deref())?;
    let lib = Library::get();
    let picked = |k: &str| params.get(k).and_then(|id| lib.entry(id));
    let threat = picked("threat");
    let vulnerability = picked("vulnerability");
    render_form(
        &s,
        &ctx,
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
            assets: params.raw("assets"),
            ..RiskInput::default()
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
        Ok(r) => Ok(Redirect::to(&format!("/risks/{}?notice=risk-saved", r.id)).into_response()),
        Err(e) => render_form(&s, &ctx, &caller, v, FormErrors::from_error(e)?, None).await,
    }
}

pub async fn edit_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let r = service::get(&ctx, &id).await?;
    if !may_edit(&ctx.actor, &r) {
        return Err(Error::Forbidden.into());
    }
    render_form(
        &s,
        &ctx,
        &caller,
        RiskInput::from(&r),
        FormErrors::default(),
        Some((&r.id, r.revision)),
    )
    .await
}

/// Saves the form. When someone else saved the risk since the form was opened, the form comes
/// back with what this person typed, the other person's change next to each field, and the
/// stored revision: saving again replaces theirs knowingly.
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
        Ok(r) => Ok(Redirect::to(&format!("/risks/{}?notice=risk-saved", r.id)).into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = started.unwrap_or_default();
            render_form(&s, &ctx, &caller, v, errors, Some((&id, rev))).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "risk/templates/heatmap.html")]
struct HeatMapPage {
    l: Layout,
    maps: Vec<SvgGrid>,
}

pub async fn heat_map(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let m = service::matrix(&ctx).await?;
    let mut maps = Vec::new();
    for (kind, key, title) in [
        (RatingKind::Inherent, "inherent", "Inherent risk"),
        (RatingKind::Target, "target", "Residual risk"),
    ] {
        let counts = service::heat_map(&ctx, kind).await?;
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
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let day = ctx.today();
    let query = RiskQuery::read(&params, &day)?;
    let risks = service::all(&ctx, &query).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "risks",
        format,
        &super::exchange::risks_table(&risks, &day),
    )?)
}

struct LibraryGroup {
    id: String,
    name: String,
    kind_label: &'static str,
    /// The risk form's field an entry of this group fills.
    field: &'static str,
    entries: Vec<super::domain_threat::Entry>,
}

#[derive(Template, WebTemplate)]
#[template(path = "risk/templates/threat_library.html")]
struct LibraryPage {
    l: Layout,
    can_create: bool,
    groups: Vec<LibraryGroup>,
}

/// The library of threats and vulnerabilities, by group.
pub async fn library(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
) -> PageResult {
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
        can_create: ctx.actor.is_editor(),
        groups,
    }
    .into_response())
}
