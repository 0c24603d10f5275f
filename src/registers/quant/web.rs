//! Quantitative risk on other pages: the card of a risk with ranges (on the risk's page), and
//! the before/after statistics and curves the portfolio page draws too.

use super::domain::{self as fair, Analysis};
use super::service;
use crate::domain::montecarlo::{Options, Summary};
use crate::error::Result;
use crate::registers::risk::domain::Risk;
use crate::service::Ctx;
use crate::web::chart::{self, Series, money};

pub fn series<'a>(
    label_current: &'a str,
    c: &'a Summary,
    label_residual: &'a str,
    r: &'a Summary,
) -> [Series<'a>; 2] {
    [
        Series {
            label: label_current,
            class: "current",
            summary: c,
        },
        Series {
            label: label_residual,
            class: "residual",
            summary: r,
        },
    ]
}

pub fn appetite_points(a: &Analysis) -> Vec<chart::AppetitePoint> {
    a.appetite
        .iter()
        .map(|p| chart::AppetitePoint {
            loss: p.loss,
            probability: p.probability,
        })
        .collect()
}

/// A line of the before/after table.
pub struct StatRow {
    pub label: &'static str,
    pub current: String,
    pub residual: String,
    pub change: String,
}

pub fn stat_rows(c: &Summary, r: &Summary, currency: &str) -> Vec<StatRow> {
    let row = |label, a: f64, b: f64| StatRow {
        label,
        current: money(a, currency),
        residual: money(b, currency),
        change: if a > 0.0 {
            format!("{:+.0}%", (b - a) / a * 100.0)
        } else {
            "—".into()
        },
    };
    vec![
        row("Expected annual loss (mean)", c.mean, r.mean),
        row("Median year (50th percentile)", c.p50, r.p50),
        row("1 year in 10 (90th percentile)", c.p90, r.p90),
        row("1 year in 20 (95th percentile)", c.p95, r.p95),
        row("1 year in 100 (99th percentile)", c.p99, r.p99),
        row("Worst simulated year", c.max, r.max),
    ]
}

pub fn ratio(v: Option<f64>) -> String {
    match v {
        Some(x) => format!("{x:.1}× the cost"),
        None => "—".into(),
    }
}

/// The quantitative card on a risk's page.
pub struct RiskQuant {
    pub rows: Vec<StatRow>,
    pub lec: String,
    pub distribution: String,
    pub treated: bool,
    pub has_residual: bool,
    pub plan_cost: String,
    pub reduction: String,
    pub return_on_plan: String,
    pub model: &'static str,
    pub iterations_text: String,
    pub updated: String,
}

/// The card of a risk with ranges (`None` without).
pub async fn risk_card(ctx: &Ctx, r: &Risk) -> Result<Option<RiskQuant>> {
    let Some(a) = service::risk_analysis(ctx, &r.id, Options::default()).await? else {
        return Ok(None);
    };
    let stored = service::fair(ctx, &r.id).await?;
    let currency = service::settings(ctx).await?.currency;
    let Some(o) = a.risks.first() else {
        return Ok(None);
    };
    let [c, res] = series(
        "Before treatment",
        &o.current,
        "After treatment",
        &o.residual,
    );
    let both = [c, res];
    Ok(Some(RiskQuant {
        rows: stat_rows(&o.current, &o.residual, &currency),
        lec: chart::lec_svg(
            &format!("{}: loss-exceedance curve", r.id),
            &both,
            &[],
            &currency,
        ),
        distribution: chart::distribution_svg(&format!("{}: annual loss", r.id), &both, &currency),
        treated: o.treated,
        has_residual: stored.as_ref().is_some_and(|f| f.fair.residual.is_some()),
        plan_cost: money(o.plan_cost as f64, &currency),
        reduction: money(o.reduction, &currency),
        return_on_plan: ratio(o.return_on_plan),
        model: o.model,
        iterations_text: fair::show(a.iterations as f64),
        updated: stored
            .map(|f| {
                format!(
                    "{} by {}",
                    crate::domain::clock::display(&f.updated_at),
                    f.updated_by
                )
            })
            .unwrap_or_default(),
    }))
}
