//! Readiness and gap analysis through the API.

use super::domain::{GapRow, Readiness, gaps_query};
use super::service;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::registers::soa::service as soa;
use crate::service::Ctx;
use crate::web::json::{ApiResult, ErrorBody, Query};
use crate::web::vocabulary::{LiveFuture, Values};
use axum::Json;

/// Certification readiness for ISO/IEC 27001 6.1.2, 6.1.3 and 7.5 (each with a status and the
/// facts behind it), and what to do next — computed from the SoA, risks, measures, evidence
/// and approvals.
#[utoipa::path(get, path = "/api/v1/readiness", tag = "soa",
    responses((status = 200, body = Readiness)))]
pub async fn readiness(ctx: Ctx) -> ApiResult<Readiness> {
    Ok(Json(service::now(&ctx).await?))
}

/// Gap analysis: the implementation of the 2022 SoA grouped by theme or by an attribute
/// type's values, optionally only over the controls carrying one attribute value.
#[utoipa::path(get, path = "/api/v1/soa/gaps", tag = "soa",
    params(
        ("by" = Option<String>, Query, description = "theme (default) or an attribute type: control_type, information_security_properties, cybersecurity_concepts, operational_capabilities, security_domains"),
        ("within" = Option<String>, Query, description = "type:value, e.g. control_type:Detective"),
    ),
    responses((status = 200, body = Vec<GapRow>), (status = 400, body = ErrorBody)))]
pub async fn soa_gaps(ctx: Ctx, Query(p): Query) -> ApiResult<Vec<GapRow>> {
    p.check_known(&["by", "within"])?;
    let types = service::attribute_types(&ctx).await?;
    let (by, within) = gaps_query(&p, &types)?;
    let rows = soa::rows(&ctx, DEFAULT_FRAMEWORK).await?;
    Ok(Json(
        service::gaps(&ctx, &rows, &by, within.as_ref()).await?,
    ))
}

/// The catalogue's attribute types and values the gap analysis groups by, for the API
/// document.
pub fn live(ctx: &Ctx) -> LiveFuture<'_> {
    Box::pin(async move {
        let types = service::attribute_types(ctx).await?;
        let by = ["theme".to_string()]
            .into_iter()
            .chain(types.iter().map(|t| t.key.clone()));
        let within = types
            .iter()
            .flat_map(|t| t.values.iter().map(move |v| format!("{}:{v}", t.key)));
        Ok(vec![
            Values::param("get", "/api/v1/soa/gaps", "by", by),
            Values::param("get", "/api/v1/soa/gaps", "within", within),
        ])
    })
}
