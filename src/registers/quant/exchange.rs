//! Quantitative risk results as tables: the statistics of every risk and of the portfolio
//! before and after treatment, and the loss-exceedance curves point by point.

use crate::domain::montecarlo::Summary;
use crate::exchange::Table;
use crate::registers::quant::domain::Analysis;

fn amount(v: f64) -> String {
    format!("{:.2}", v)
}

/// One row per risk and phase, then the portfolio's two rows.
pub fn analysis_table(a: &Analysis, currency: &str) -> Table {
    const HEADER: [&str; 18] = [
        "risk_id",
        "title",
        "model",
        "phase",
        "currency",
        "mean",
        "sd",
        "p50",
        "p90",
        "p95",
        "p99",
        "max",
        "tail_mean",
        "treated",
        "plan_cost",
        "reduction_of_mean",
        "iterations",
        "seed",
    ];
    let numeric: Vec<&'static str> = HEADER[5..]
        .iter()
        .copied()
        .filter(|h| *h != "treated")
        .collect();
    let mut t = Table::new("Quantitative risk", &HEADER, &numeric);
    let mut push = |id: &str,
                    title: &str,
                    model: &str,
                    phase: &str,
                    s: &Summary,
                    tail: f64,
                    treated: &str,
                    cost: String,
                    reduction: f64| {
        t.rows.push(vec![
            id.to_string(),
            title.to_string(),
            model.to_string(),
            phase.to_string(),
            currency.to_string(),
            amount(s.mean),
            amount(s.sd),
            amount(s.p50),
            amount(s.p90),
            amount(s.p95),
            amount(s.p99),
            amount(s.max),
            amount(tail),
            treated.to_string(),
            cost,
            amount(reduction),
            a.iterations.to_string(),
            a.seed.to_string(),
        ]);
    };
    for r in &a.risks {
        let treated = if r.treated { "yes" } else { "no" };
        push(
            &r.id,
            &r.title,
            r.model,
            "current",
            &r.current,
            r.tail_current,
            treated,
            r.plan_cost.to_string(),
            0.0,
        );
        push(
            &r.id,
            &r.title,
            r.model,
            "residual",
            &r.residual,
            r.tail_residual,
            treated,
            r.plan_cost.to_string(),
            r.reduction,
        );
    }
    push(
        "portfolio",
        "All quantified risks",
        "",
        "current",
        &a.current,
        a.current_shortfall,
        "",
        a.plan_cost.to_string(),
        0.0,
    );
    push(
        "portfolio",
        "All quantified risks",
        "",
        "residual",
        &a.residual,
        a.residual_shortfall,
        "",
        a.plan_cost.to_string(),
        a.reduction,
    );
    t
}

/// Every point of every curve: the portfolio's, then each risk's, before and after.
pub fn curves_table(a: &Analysis) -> Table {
    let mut t = Table::new(
        "Loss exceedance",
        &["risk_id", "phase", "loss", "probability_of_exceeding"],
        &["loss", "probability_of_exceeding"],
    );
    let mut push = |id: &str, phase: &str, s: &Summary| {
        for p in &s.lec {
            t.rows.push(vec![
                id.to_string(),
                phase.to_string(),
                amount(p.loss),
                format!("{:.6}", p.probability),
            ]);
        }
    };
    push("portfolio", "current", &a.current);
    push("portfolio", "residual", &a.residual);
    for r in &a.risks {
        push(&r.id, "current", &r.current);
        push(&r.id, "residual", &r.residual);
    }
    t
}
