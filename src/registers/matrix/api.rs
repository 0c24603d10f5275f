//! The risk matrix through the API.

use super::domain::Matrix;
use super::service;
use crate::service::Ctx;
use crate::web::json::{ApiResult, ErrorBody, JsonBody};
use axum::Json;

/// The organisation's risk matrix: scales, levels, grid and acceptance threshold.
#[utoipa::path(get, path = "/api/v1/risk-matrix", tag = "risk",
    responses((status = 200, body = Matrix), (status = 401, body = ErrorBody)))]
pub async fn get_risk_matrix(ctx: Ctx) -> ApiResult<Matrix> {
    Ok(Json(service::get(&ctx).await?))
}

/// Replaces the risk matrix (managers and admins). The whole matrix is checked; every
/// problem comes back with the field it concerns, e.g. `grid[3][2]` or `levels[1].colour`.
#[utoipa::path(put, path = "/api/v1/risk-matrix", tag = "risk", request_body = Matrix,
    responses((status = 200, body = Matrix), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_risk_matrix(ctx: Ctx, JsonBody(m): JsonBody<Matrix>) -> ApiResult<Matrix> {
    Ok(Json(service::set(&ctx, m).await?))
}
