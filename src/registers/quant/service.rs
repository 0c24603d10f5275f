//! Quantitative risk (FAIR): a risk's calibrated ranges, the organisation's currency and risk
//! appetite, and the Monte Carlo analysis of every risk and the portfolio before and after
//! treatment.

use crate::domain::fair::{Analysis, Fair};
use crate::domain::montecarlo::{MAX_ITERATIONS, Options};
use crate::domain::user::OWNERS;
use crate::error::{Error, Result};
use crate::registers::risk::service::may_edit;
use crate::service::Ctx;
use crate::store::{FairSettings, StoredFair};

/// A risk's ranges, if it has some.
pub async fn fair(ctx: &Ctx, id: &str) -> Result<Option<StoredFair>> {
    ctx.require_reader()?;
    ctx.store().risk(id).await?;
    ctx.store().risk_fair(id).await
}

/// Sets a risk's ranges (those who may edit the risk).
#[tracing::instrument(name = "risk.estimate", skip_all, fields(actor = %ctx.who(), id))]
pub async fn set_fair(ctx: &Ctx, id: &str, fair: &Fair) -> Result<StoredFair> {
    ctx.require(OWNERS)?;
    let risk = ctx.store().risk(id).await?;
    if !may_edit(&ctx.actor, &risk) {
        return Err(Error::Forbidden);
    }
    ctx.store().set_risk_fair(ctx.who(), id, fair).await
}

/// Removes a risk's ranges; answers whether it had some.
#[tracing::instrument(name = "risk.estimate_clear", skip_all, fields(actor = %ctx.who(), id))]
pub async fn clear_fair(ctx: &Ctx, id: &str) -> Result<bool> {
    ctx.require(OWNERS)?;
    let risk = ctx.store().risk(id).await?;
    if !may_edit(&ctx.actor, &risk) {
        return Err(Error::Forbidden);
    }
    ctx.store().clear_risk_fair(ctx.who(), id).await
}

/// The currency and the risk appetite.
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
    let analysis = tokio::task::spawn_blocking(move || {
        crate::domain::fair::analyse(&risks, &appetite, &opts, &progress)
    })
    .await
    .map_err(|e| Error::Internal(anyhow::anyhow!("the simulation stopped: {e}")))?;
    Ok((analysis, settings))
}
