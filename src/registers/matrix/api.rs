//! The risk matrix through the API.

use super::domain::Matrix;
use super::service;
use crate::service::Ctx;
use crate::web::json::{ErrorBody, IfMatch, JsonBody, TaggedResult, tagged};
use axum::http::StatusCode;

/// The organisation's risk matrix: scales, levels, grid and acceptance threshold. The `ETag`
/// is its revision.
#[utoipa::path(get, path = "/api/v1/risk-matrix", tag = "risk",
    responses((status = 200, body = Matrix), (status = 401, body = ErrorBody)))]
pub async fn get_risk_matrix(ctx: Ctx) -> TaggedResult {
    let (m, revision) = service::get_revisioned(&ctx).await?;
    Ok(tagged(StatusCode::OK, revision, m))
}

/// Replaces the risk matrix (managers and admins). The whole matrix is checked; every
/// problem comes back with the field it concerns, e.g. `grid[3][2]` or `levels[1].colour`.
/// With `If-Match: "N"` (the `ETag` read), a matrix changed since is not overwritten (409).
#[utoipa::path(put, path = "/api/v1/risk-matrix", tag = "risk", request_body = Matrix,
    params(("If-Match" = Option<String>, Header, description = "the ETag of the matrix as read")),
    responses((status = 200, body = Matrix), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn put_risk_matrix(
    ctx: Ctx,
    IfMatch(expected): IfMatch,
    JsonBody(m): JsonBody<Matrix>,
) -> TaggedResult {
    let (m, revision) = service::set(&ctx, m, expected).await?;
    Ok(tagged(StatusCode::OK, revision, m))
}
