//! Quantitative risk pages: a risk's ranges (the form), its distribution and loss-exceedance
//! curve before and after treatment (a card on the risk's page), and the portfolio with its
//! curve against the risk appetite, the top contributors to tail loss, and the exports.

use super::domain::{
    self as fair, Analysis, EstimateInput, Factor, FactorInput, FairInput, Kind, PAGE_ITERATIONS,
    Phase, run_options,
};
use super::service;
use super::web::{StatRow, appetite_points, ratio, series, stat_rows};
use crate::domain::montecarlo::Options;
use crate::domain::query::Params;
use crate::error::{Error, Result};
use crate::registers::risk::domain::Risk;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::chart::{self, money, money_short};
use crate::web::page::{FormData, FormErrors, Layout, PageError, PageResult, layout};
use crate::web::session::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::{Extension, Json};

// --- the form --------------------------------------------------------------------------------

pub struct FactorField {
    pub name: String,
    pub label: &'static str,
    pub hint: &'static str,
    pub group: &'static str,
    pub input: FactorInput,
    pub error: Option<String>,
}

pub struct PhaseForm {
    pub key: &'static str,
    pub label: &'static str,
    pub model: String,
    pub model_error: Option<String>,
    pub factors: Vec<FactorField>,
}

fn hint(f: Factor) -> &'static str {
    match f.kind() {
        Kind::Frequency => "events a year, e.g. 0.1 (once in ten years) to 12",
        Kind::Probability => "a chance from 0 to 1, or a percentage such as 30%",
        Kind::Money => "an amount, e.g. 50k or 1.5M",
    }
}

fn phase_form(phase: Phase, input: &EstimateInput, errors: &FormErrors) -> PhaseForm {
    let factors = Factor::ALL
        .into_iter()
        .map(|f| {
            let name = format!("{}.{}", phase.key(), f.key());
            let error = ["", ".distribution", ".min", ".mode", ".max", ".lambda"]
                .iter()
                .filter_map(|part| errors.get(&format!("{name}{part}")))
                .next();
            FactorField {
                label: f.label(),
                hint: hint(f),
                group: if Factor::SIMPLE.contains(&f) {
                    "simple"
                } else {
                    "tree"
                },
                input: input.factor(f).clone(),
                error,
                name,
            }
        })
        .collect();
    PhaseForm {
        key: phase.key(),
        label: phase.label(),
        model: input.model.clone(),
        model_error: errors.get(&format!("{}.model", phase.key())),
        factors,
    }
}

fn input_of_form(form: &FormData) -> FairInput {
    let phase = |p: Phase| {
        let mut e = EstimateInput {
            model: match form.get(&format!("{}.model", p.key())) {
                "none" => String::new(),
                m => m.to_string(),
            },
            ..Default::default()
        };
        for f in Factor::ALL {
            let field = |part: &str| {
                form.get(&format!("{}.{}.{part}", p.key(), f.key()))
                    .to_string()
            };
            *e.factor_mut(f) = FactorInput {
                distribution: field("distribution"),
                min: field("min"),
                mode: field("mode"),
                max: field("max"),
                lambda: field("lambda"),
            };
        }
        e
    };
    FairInput {
        current: phase(Phase::Current),
        residual: phase(Phase::Residual),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "quant/templates/risk_estimate.html")]
struct FormPage {
    l: Layout,
    r: Risk,
    phases: Vec<PhaseForm>,
    errors: FormErrors,
    has_estimate: bool,
    has_plan: bool,
    currency: String,
}

async fn render_form(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    r: Risk,
    input: FairInput,
    errors: FormErrors,
) -> PageResult {
    let l = layout(s, caller, &format!("Ranges of {}", r.id), "risks", None).await?;
    let has_estimate = service::fair(ctx, &r.id).await?.is_some();
    let status = errors.status();
    Ok((
        status,
        FormPage {
            phases: vec![
                phase_form(Phase::Current, &input.current, &errors),
                phase_form(Phase::Residual, &input.residual, &errors),
            ],
            errors,
            has_estimate,
            has_plan: !r.measures.is_empty(),
            currency: service::settings(ctx).await?.currency,
            l,
            r,
        },
    )
        .into_response())
}

/// The form of a risk's ranges.
pub async fn form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let r = service::editable(&ctx, &id).await?;
    let input = match service::fair(&ctx, &id).await? {
        Some(f) => FairInput::of(&f.fair),
        None => FairInput {
            current: EstimateInput {
                model: "simple".into(),
                ..Default::default()
            },
            ..Default::default()
        },
    };
    render_form(&s, &ctx, &caller, r, input, FormErrors::default()).await
}

/// Saves a risk's ranges, or removes them once confirmed.
pub async fn save(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let r = service::editable(&ctx, &id).await?;
    if form.get("_action") == "clear" {
        if form.get("confirm") != "yes" {
            let input = match service::fair(&ctx, &id).await? {
                Some(f) => FairInput::of(&f.fair),
                None => FairInput::default(),
            };
            let errors = FormErrors::from_error(Error::field(
                "confirm",
                "tick the box to confirm that the ranges are to be removed",
            ))?;
            return render_form(&s, &ctx, &caller, r, input, errors).await;
        }
        service::clear_fair(&ctx, &id).await?;
        return Ok(
            Redirect::to(&format!("/risks/{id}?notice=estimate-cleared#quantitative"))
                .into_response(),
        );
    }
    let input = input_of_form(&form);
    let outcome = match input.parse() {
        Ok(fair) => service::set_fair(&ctx, &id, &fair).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match outcome {
        Ok(()) => Ok(
            Redirect::to(&format!("/risks/{id}?notice=estimate-saved#quantitative"))
                .into_response(),
        ),
        Err(e @ Error::Validation(_)) => {
            render_form(&s, &ctx, &caller, r, input, FormErrors::from_error(e)?).await
        }
        Err(e) => Err(e.into()),
    }
}

// --- the portfolio ---------------------------------------------------------------------------

pub struct RiskLine {
    id: String,
    title: String,
    model: &'static str,
    mean_current: String,
    mean_residual: String,
    p95_current: String,
    p95_residual: String,
    reduction: String,
    plan_cost: String,
    return_on_plan: String,
    treated: bool,
}

pub struct Contributor {
    id: String,
    title: String,
    tail: String,
    share: String,
    /// Width of the share bar, 0–100.
    width: f64,
}

fn contributors(a: &Analysis, residual: bool, currency: &str) -> Vec<Contributor> {
    let total = if residual {
        a.residual_shortfall
    } else {
        a.current_shortfall
    };
    let mut v: Vec<(&fair::RiskOutcome, f64)> = a
        .risks
        .iter()
        .map(|r| {
            (
                r,
                if residual {
                    r.tail_residual
                } else {
                    r.tail_current
                },
            )
        })
        .collect();
    v.sort_by(|x, y| y.1.total_cmp(&x.1).then_with(|| x.0.id.cmp(&y.0.id)));
    v.into_iter()
        .take(10)
        .map(|(r, t)| {
            let share = if total > 0.0 { t / total * 100.0 } else { 0.0 };
            Contributor {
                id: r.id.clone(),
                title: r.title.clone(),
                tail: money(t, currency),
                share: format!("{share:.1}%"),
                width: share.clamp(0.0, 100.0),
            }
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "quant/templates/risk_quantitative.html")]
struct PortfolioPage {
    l: Layout,
    empty: bool,
    rows: Vec<StatRow>,
    lec: String,
    distribution: String,
    risks: Vec<RiskLine>,
    top_current: Vec<Contributor>,
    top_residual: Vec<Contributor>,
    breaches: Vec<String>,
    appetite_text: String,
    has_appetite: bool,
    currency: String,
    shortfall_current: String,
    shortfall_residual: String,
    plan_cost: String,
    plan_measures: usize,
    reduction: String,
    return_on_plan: String,
    iterations: u64,
    iterations_text: String,
    seed: u64,
    query: String,
    can_set: bool,
    errors: FormErrors,
    form_currency: String,
    form_appetite: String,
}

async fn render_portfolio(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    opts: Options,
    errors: FormErrors,
    form: Option<&FormData>,
    query: Option<&str>,
) -> PageResult {
    let settings = service::settings(ctx).await?;
    let currency = settings.currency.clone();
    let a = service::portfolio(ctx, opts).await?;
    // The query carries the notice after a redirect, such as the appetite being saved.
    let l = layout(s, caller, "Quantitative risk", "risks", query).await?;
    let both = series(
        "Before treatment",
        &a.current,
        "After treatment",
        &a.residual,
    );
    let empty = a.risks.is_empty();
    let status = errors.status();
    let page = PortfolioPage {
        empty,
        rows: stat_rows(&a.current, &a.residual, &currency),
        lec: if empty {
            String::new()
        } else {
            chart::lec_svg(
                "Portfolio: loss-exceedance curve",
                &both,
                &appetite_points(&a),
                &currency,
            )
        },
        distribution: if empty {
            String::new()
        } else {
            chart::distribution_svg("Portfolio: annual loss", &both, &currency)
        },
        risks: a
            .risks
            .iter()
            .map(|r| RiskLine {
                id: r.id.clone(),
                title: r.title.clone(),
                model: r.model,
                mean_current: money_short(r.current.mean, &currency),
                mean_residual: money_short(r.residual.mean, &currency),
                p95_current: money_short(r.current.p95, &currency),
                p95_residual: money_short(r.residual.p95, &currency),
                reduction: money_short(r.reduction, &currency),
                plan_cost: if r.plan_cost > 0 {
                    money_short(r.plan_cost as f64, &currency)
                } else {
                    "—".into()
                },
                return_on_plan: ratio(r.return_on_plan),
                treated: r.treated,
            })
            .collect(),
        top_current: contributors(&a, false, &currency),
        top_residual: contributors(&a, true, &currency),
        breaches: a
            .breaches
            .iter()
            .map(|b| {
                format!(
                    "{}: {:.1}% chance of losing more than {} a year, above the {:.1}% tolerated",
                    match b.phase {
                        Phase::Current => "Before treatment",
                        Phase::Residual => "After treatment",
                    },
                    b.simulated * 100.0,
                    money(b.loss, &currency),
                    b.tolerated * 100.0
                )
            })
            .collect(),
        appetite_text: settings
            .appetite
            .iter()
            .map(|p| {
                format!(
                    "at most {}% chance of losing more than {} a year",
                    fair::show_percent(p.probability),
                    money(p.loss, &currency)
                )
            })
            .collect::<Vec<_>>()
            .join("; "),
        has_appetite: !settings.appetite.is_empty(),
        shortfall_current: money(a.current_shortfall, &currency),
        shortfall_residual: money(a.residual_shortfall, &currency),
        plan_cost: money(a.plan_cost as f64, &currency),
        plan_measures: a.plan_measures,
        reduction: money(a.reduction, &currency),
        return_on_plan: ratio(a.return_on_plan),
        iterations: a.iterations,
        iterations_text: fair::show(a.iterations as f64),
        seed: a.seed,
        query: if opts == Options::default() {
            String::new()
        } else {
            format!("?iterations={}&seed={}", opts.iterations, opts.seed)
        },
        can_set: caller.is_editor(),
        errors,
        form_currency: form
            .map(|f| f.get("currency").to_string())
            .unwrap_or(currency.clone()),
        form_appetite: form
            .map(|f| f.get("loss_appetite").to_string())
            .unwrap_or_else(|| fair::format_appetite(&settings.appetite)),
        currency,
        l,
    };
    Ok((status, page).into_response())
}

/// The portfolio before and after treatment.
pub async fn portfolio(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let opts = run_options(&Params::parse(q.as_deref())?, PAGE_ITERATIONS, false)?;
    render_portfolio(
        &s,
        &ctx,
        &caller,
        opts,
        FormErrors::default(),
        None,
        q.as_deref(),
    )
    .await
}

/// Saves the currency and the risk appetite.
pub async fn save_settings(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    match service::set_settings(&ctx, form.get("currency"), form.get("loss_appetite")).await {
        Ok(()) => Ok(Redirect::to("/risks/quantitative?notice=appetite-saved").into_response()),
        Err(e @ Error::Validation(_)) => {
            render_portfolio(
                &s,
                &ctx,
                &caller,
                Options::default(),
                FormErrors::from_error(e)?,
                Some(&form),
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

async fn analysis_of(ctx: &Ctx, q: Option<&str>) -> Result<(std::sync::Arc<Analysis>, String)> {
    let opts = run_options(&Params::parse(q)?, PAGE_ITERATIONS, false)?;
    let currency = service::settings(ctx).await?.currency;
    Ok((service::portfolio(ctx, opts).await?, currency))
}

/// The analysis as CSV or XLSX (by the path's extension).
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(q): RawQuery) -> PageResult {
    let (a, currency) = analysis_of(&ctx, q.as_deref()).await?;
    let format = crate::exchange::format_of_path(path.as_str());
    Ok(crate::exchange::download(
        "quantitative-risk",
        format,
        &super::exchange::analysis_table(&a, &currency),
    )?)
}

/// The loss-exceedance curves as CSV.
pub async fn export_curves(ctx: Ctx, RawQuery(q): RawQuery) -> PageResult {
    let (a, _) = analysis_of(&ctx, q.as_deref()).await?;
    Ok(crate::exchange::download(
        "loss-exceedance",
        crate::exchange::Format::Csv,
        &super::exchange::curves_table(&a),
    )?)
}

/// The analysis as a JSON download.
pub async fn export_json(ctx: Ctx, RawQuery(q): RawQuery) -> Result<Response, PageError> {
    let (a, currency) = analysis_of(&ctx, q.as_deref()).await?;
    let body = fair::AnalysisBody {
        currency,
        analysis: (*a).clone(),
    };
    Ok((
        [(
            axum::http::header::CONTENT_DISPOSITION,
            "attachment; filename=\"quantitative-risk.json\"",
        )],
        Json(body),
    )
        .into_response())
}
