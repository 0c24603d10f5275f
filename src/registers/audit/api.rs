//! The audit trail through the API (admins and auditors).

use super::service;
use crate::domain::audit::{AuditFilter, Entry};
use crate::service::Ctx;
use crate::web::json::{ApiResult, ErrorBody, Query};
use axum::Json;

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AuditQuery {
    object_type: Option<String>,
    object_id: Option<String>,
    actor: Option<String>,
    /// Entries older than this sequence number (the last `seq` of the previous page).
    before: Option<i64>,
    /// 1 to 500 (default 100)
    #[param(minimum = 1, maximum = 500)]
    limit: Option<i64>,
}

/// Audit-trail entries, newest first (admins and auditors).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = Vec<Entry>), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn list_audit(ctx: Ctx, Query(params): Query) -> ApiResult<Vec<Entry>> {
    params.check_known(AuditFilter::PARAMS)?;
    let limit = params.limit(100, 500)?;
    let filter = AuditFilter::read(&params)?;
    Ok(Json(service::entries(&ctx, &filter, limit).await?))
}
