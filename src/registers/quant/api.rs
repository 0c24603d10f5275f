//! Quantitative risk through the API: a risk's ranges, the simulation, the risk appetite.

use super::domain::StoredFair;
use super::domain::{self, AnalysisBody, FairInput, PAGE_ITERATIONS, run_options};
use super::service;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiError, ApiResult, ErrorBody, JsonBody, Query};
use crate::web::vocabulary::Values;
use axum::Json;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// A risk's FAIR ranges before (current) and after (residual) its treatment plan.
#[utoipa::path(get, path = "/api/v1/risks/{id}/estimate", tag = "quantitative risk", params(("id" = String, Path)),
    responses((status = 200, body = StoredFair), (status = 404, body = ErrorBody)))]
pub async fn get_risk_estimate(ctx: Ctx, Path(id): Path<String>) -> ApiResult<StoredFair> {
    match service::fair(&ctx, &id).await? {
        Some(f) => Ok(Json(f)),
        None => Err(Error::NotFound(format!("an estimate of risk {id}")).into()),
    }
}

/// Sets a risk's ranges (both phases at once; leave `residual.model` empty when the plan does
/// not change them). Managers and admins; contributors for the risks they own. Bad ranges are
/// refused with the field named, e.g. `current.lm.max`.
#[utoipa::path(put, path = "/api/v1/risks/{id}/estimate", tag = "quantitative risk", params(("id" = String, Path)),
    request_body = FairInput,
    responses((status = 200, body = StoredFair), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn put_risk_estimate(
    ctx: Ctx,
    Path(id): Path<String>,
    JsonBody(input): JsonBody<FairInput>,
) -> ApiResult<StoredFair> {
    service::editable(&ctx, &id).await?;
    let fair = input.parse()?;
    Ok(Json(service::set_fair(&ctx, &id, &fair).await?))
}

/// Removes a risk's ranges: it leaves the quantitative portfolio.
#[utoipa::path(delete, path = "/api/v1/risks/{id}/estimate", tag = "quantitative risk", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn delete_risk_estimate(
    ctx: Ctx,
    Path(id): Path<String>,
) -> Result<StatusCode, ApiError> {
    if service::clear_fair(&ctx, &id).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(Error::NotFound(format!("an estimate of risk {id}")).into())
    }
}

/// Simulates every risk with ranges, before and after treatment: per risk and for the
/// portfolio the mean, percentiles, loss-exceedance curve and distribution; the tail
/// contributions; the plan's cost and return; breaches of the risk appetite. Reproducible:
/// the same seed gives the same numbers.
#[utoipa::path(get, path = "/api/v1/risks/simulation", tag = "quantitative risk",
    params(
        ("iterations" = Option<i64>, Query, minimum = 1000, maximum = 1000000, description = "simulated years, 1,000 to 1,000,000 (default 100,000)"),
        ("seed" = Option<i64>, Query, minimum = 0, description = "0 to 9223372036854775807; default 1"),
    ),
    responses((status = 200, body = AnalysisBody), (status = 400, body = ErrorBody)))]
pub async fn simulate_risks(ctx: Ctx, Query(params): Query) -> ApiResult<AnalysisBody> {
    let opts = run_options(&params, PAGE_ITERATIONS, true)?;
    let analysis = service::portfolio(&ctx, opts).await?;
    Ok(Json(AnalysisBody {
        currency: service::settings(&ctx).await?.currency,
        analysis: (*analysis).clone(),
    }))
}

#[derive(Serialize, Deserialize, ToSchema)]
pub struct AppetiteBody {
    /// ISO 4217 code, e.g. EUR.
    #[serde(default)]
    #[schema(required = true, pattern = "^[A-Za-z]{3}$")]
    currency: String,
    /// Points of the tolerated loss-exceedance curve, e.g. `1M: 10%; 10M: 1%`.
    #[serde(default)]
    loss_appetite: String,
}

/// The currency and the risk appetite.
#[utoipa::path(get, path = "/api/v1/risk-appetite", tag = "quantitative risk",
    responses((status = 200, body = AppetiteBody)))]
pub async fn get_risk_appetite(ctx: Ctx) -> ApiResult<AppetiteBody> {
    let f = service::settings(&ctx).await?;
    Ok(Json(AppetiteBody {
        currency: f.currency,
        loss_appetite: domain::format_appetite(&f.appetite),
    }))
}

/// Sets the currency and the risk appetite (managers and admins).
#[utoipa::path(put, path = "/api/v1/risk-appetite", tag = "quantitative risk", request_body = AppetiteBody,
    responses((status = 200, body = AppetiteBody), (status = 422, body = ErrorBody)))]
pub async fn put_risk_appetite(
    ctx: Ctx,
    JsonBody(body): JsonBody<AppetiteBody>,
) -> ApiResult<AppetiteBody> {
    service::set_settings(&ctx, &body.currency, &body.loss_appetite).await?;
    get_risk_appetite(ctx).await
}

/// The models and distributions of an estimate, for the API document.
pub fn values() -> Vec<Values> {
    vec![
        Values::property("EstimateInput", "model", ["", "simple", "tree"]),
        Values::property("FactorInput", "distribution", ["", "pert", "lognormal"]),
    ]
}
