//! Quantitative risk (FAIR): a risk's calibrated ranges, the organisation's currency and risk
//! appetite, and the Monte Carlo analysis of every risk and the portfolio before and after
//! treatment.

use super::domain::{Analysis, Fair, Quantified, analyse, format_appetite, parse_appetite};
use super::domain::{FairSettings, StoredFair};
use super::store;
use crate::domain::montecarlo::{MAX_ITERATIONS, Options};
use crate::domain::user::OWNERS;
use crate::error::{Error, Problems, Result};
use crate::registers::risk::domain::Risk;
use crate::registers::risk::service::may_edit;
use crate::service::Ctx;
use std::sync::Arc;

/// A risk's ranges, if it has some.
#[tracing::instrument(name = "quant.fair", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn fair(ctx: &Ctx, id: &str) -> Result<Option<StoredFair>> {
    ctx.require_reader()?;
    ctx.store().risk_fair(id).await
}

/// The risk whose ranges the caller would edit: found, and the caller may edit it.
#[tracing::instrument(name = "quant.editable", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn editable(ctx: &Ctx, id: &str) -> Result<Risk> {
    ctx.require(OWNERS)?;
    let risk = ctx.store().risk(id).await?;
    if !may_edit(&ctx.actor, &risk) {
        return Err(Error::Forbidden);
    }
    Ok(risk)
}

/// Sets a risk's ranges (those who may edit the risk), both phases at once, audited with
/// before and after. The risk is locked and who may edit it is decided inside the write.
#[tracing::instrument(name = "risk.estimate", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn set_fair(ctx: &Ctx, id: &str, fair: &Fair) -> Result<StoredFair> {
    ctx.require(OWNERS)?;
    let mut tx = ctx.write().await?;
    let risk = crate::registers::risk::store::lock(&mut tx, id).await?;
    if !may_edit(&ctx.actor, &risk) {
        return Err(Error::Forbidden);
    }
    let before = store::lock_fair(&mut tx, id).await?;
    if let Some(b) = before.as_ref().filter(|b| &b.fair == fair) {
        return Ok(b.clone());
    }
    let after = store::write_fair(&mut tx, ctx.who(), id, fair).await?;
    tx.audit(
        ctx.change("risk.estimate", "risk", id)
            .before(before.as_ref().map(|b| &b.fair))
            .after(&after.fair),
    )
    .await?;
    tx.bump_generation("risk").await?;
    tx.commit().await?;
    Ok(after)
}

/// Removes a risk's ranges (audited); answers whether it had some.
#[tracing::instrument(name = "risk.estimate_clear", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn clear_fair(ctx: &Ctx, id: &str) -> Result<bool> {
    ctx.require(OWNERS)?;
    let mut tx = ctx.write().await?;
    let risk = crate::registers::risk::store::lock(&mut tx, id).await?;
    if !may_edit(&ctx.actor, &risk) {
        return Err(Error::Forbidden);
    }
    let Some(before) = store::lock_fair(&mut tx, id).await? else {
        return Ok(false);
    };
    store::delete_fair(&mut tx, id).await?;
    tx.audit(
        ctx.change("risk.estimate.clear", "risk", id)
            .before(&before.fair),
    )
    .await?;
    tx.bump_generation("risk").await?;
    tx.commit().await?;
    Ok(true)
}

/// The currency and the risk appetite.
#[tracing::instrument(name = "quant.settings", skip_all, fields(actor = %ctx.who()))]
pub async fn settings(ctx: &Ctx) -> Result<FairSettings> {
    ctx.require_reader()?;
    ctx.store().fair_settings().await
}

/// Simulates every risk with ranges and the portfolio, before and after treatment, calling
/// `progress(done, total)` as it goes (the command line's progress bar). Not cached: the
/// command line runs it once.
#[tracing::instrument(name = "risk.simulate", skip_all, fields(actor = %ctx.who(), iterations = opts.iterations, seed = opts.seed))]
pub async fn simulate(
    ctx: &Ctx,
    opts: Options,
    progress: impl Fn(u64, u64) + Send + Sync + 'static,
) -> Result<(Analysis, FairSettings)> {
    ctx.require_reader()?;
    if !(1000..=MAX_ITERATIONS).contains(&opts.iterations) {
        return Err(Error::field(
            "iterations",
            format!("{}: give 1,000 to {MAX_ITERATIONS}", opts.iterations),
        ));
    }
    let risks = ctx.store().quantified_risks().await?;
    let settings = ctx.store().fair_settings().await?;
    if risks.is_empty() {
        return Err(Error::Conflict(
            "no risk has ranges yet: set them with 'annex risk estimate ID --set FILE' or on the risk's page".into(),
        ));
    }
    let appetite = settings.appetite.clone();
    let analysis =
        tokio::task::spawn_blocking(move || analyse(&risks, &appetite, &opts, &progress))
            .await
            .map_err(|e| Error::Internal(anyhow::anyhow!("the simulation stopped: {e}")))?;
    Ok((analysis, settings))
}

/// Sets the currency and the risk appetite (managers and admins), audited; the appetite is
/// written as `1M: 10%; 10M: 1%`. Every problem names its field.
#[tracing::instrument(name = "risk.appetite", skip_all, fields(actor = %ctx.who()))]
pub async fn set_settings(ctx: &Ctx, currency: &str, appetite: &str) -> Result<()> {
    ctx.require_editor()?;
    let currency = currency.trim().to_ascii_uppercase();
    let mut problems = Problems::new();
    if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
        problems.add(
            "currency",
            format!(
                "'{currency}' is not a currency code: give three letters such as EUR, USD or GBP"
            ),
        );
    }
    let points = problems.take("loss_appetite", parse_appetite(appetite));
    problems.into_result()?;
    let appetite = format_appetite(&points.unwrap_or_default());
    let mut tx = ctx.write().await?;
    let Some(before) = store::lock_settings(&mut tx).await? else {
        return Err(Error::field("currency", "set up the organisation first"));
    };
    if before == (currency.clone(), appetite.clone()) {
        return Ok(());
    }
    store::write_settings(&mut tx, &currency, &appetite).await?;
    tx.audit(
        ctx.change("organisation.risk_appetite", "organisation", "1")
            .before(serde_json::json!({"currency": before.0, "loss_appetite": before.1}))
            .after(serde_json::json!({"currency": currency, "loss_appetite": appetite})),
    )
    .await?;
    tx.commit().await
}

/// Generation of the analysis: the risk and the measure registers together.
async fn analysis_generation(ctx: &Ctx) -> Result<i64> {
    let [risk, measure] = ctx.store().generations(["risk", "measure"]).await?;
    Ok(risk.wrapping_shl(32) ^ measure)
}

/// The portfolio before and after treatment. Kept until a risk, an estimate or a measure
/// changes; the simulation runs off the async threads.
#[tracing::instrument(name = "risk.portfolio", skip_all, fields(actor = %ctx.who()))]
pub async fn portfolio(ctx: &Ctx, opts: Options) -> Result<Arc<Analysis>> {
    ctx.require_reader()?;
    let settings = ctx.store().fair_settings().await?;
    let key = (
        opts.iterations,
        opts.seed,
        format_appetite(&settings.appetite),
    );
    let generation = analysis_generation(ctx).await?;
    if let Some(a) = ctx.caches().analysis.get(&key, generation) {
        return Ok(a);
    }
    let risks = ctx.store().quantified_risks().await?;
    let appetite = settings.appetite;
    let analysis = tokio::task::spawn_blocking(move || {
        Arc::new(analyse(&risks, &appetite, &opts, &|_, _| {}))
    })
    .await
    .map_err(|e| Error::Conflict(format!("the simulation failed: {e}")))?;
    ctx.caches().analysis.put(key, generation, analysis.clone());
    Ok(analysis)
}

/// One risk before and after treatment (the same random numbers as in the portfolio, so its
/// numbers are the portfolio's). Kept like the portfolio.
#[tracing::instrument(name = "quant.risk_analysis", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn risk_analysis(ctx: &Ctx, id: &str, opts: Options) -> Result<Option<Arc<Analysis>>> {
    ctx.require_reader()?;
    let settings = ctx.store().fair_settings().await?;
    let key = (
        id.to_string(),
        opts.iterations,
        opts.seed,
        format_appetite(&settings.appetite),
    );
    let generation = analysis_generation(ctx).await?;
    if let Some(a) = ctx.caches().risk_analysis.get(&key, generation) {
        return Ok(Some(a));
    }
    let Some(stored) = ctx.store().risk_fair(id).await? else {
        return Ok(None);
    };
    let risk = ctx.store().risk(id).await?;
    let measures = ctx.store().plan_costs(&risk.id).await?;
    let q = Quantified {
        id: risk.id,
        title: risk.title,
        fair: stored.fair,
        measures,
    };
    let analysis = tokio::task::spawn_blocking(move || {
        Arc::new(analyse(
            std::slice::from_ref(&q),
            &settings.appetite,
            &opts,
            &|_, _| {},
        ))
    })
    .await
    .map_err(|e| Error::Conflict(format!("the simulation failed: {e}")))?;
    ctx.caches()
        .risk_analysis
        .put(key, generation, analysis.clone());
    Ok(Some(analysis))
}
