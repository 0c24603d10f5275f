//! The risk register's JSON API: the register, a risk (with its revision as `ETag`), create,
//! replace (`If-Match` for optimistic concurrency), acceptance and its history, the threat
//! and vulnerability library.

use super::domain::{Acceptance, Risk, RiskInput, RiskQuery, RiskSort, Treatment};
use super::domain_threat::Library;
use super::service;
use crate::domain::query::Page;
use crate::service::Ctx;
use crate::web::json::Path;
use crate::web::json::{ApiResult, ErrorBody, IfMatch, JsonBody, Query, TaggedResult, tagged};
use crate::web::vocabulary::{LiveFuture, Values};
use axum::Json;
use axum::http::StatusCode;
use serde::Deserialize;
use utoipa::ToSchema;

/// The risk register, by id, filtered and paginated.
#[utoipa::path(get, path = "/api/v1/risks", tag = "risks",
    params(
        ("q" = Option<String>, Query, description = "text in the id, title or threat"),
        ("level" = Option<String>, Query, description = "residual (target) level, by key or name (high, High)"),
        ("owner" = Option<String>, Query),
        ("treatment" = inline(Option<Treatment>), Query, description = "modify, retain, avoid or share"),
        ("status" = Option<String>, Query, description = "open, in_treatment, closed, or active (not closed)"),
        ("sort" = inline(Option<RiskSort>), Query, description = "id (default), title, owner, residual, review or updated"),
        ("asset" = Option<String>, Query, description = "an asset id"),
        ("measure" = Option<String>, Query, description = "a measure id"),
        ("control" = Option<String>, Query, description = "a control id: risks treated by measures that implement it"),
        ("cell" = Option<String>, Query, description = "a heat-map cell: inherent:L:I, current:L:I or target:L:I"),
        ("attention" = Option<String>, Query, description = "review: review overdue; acceptance: acceptance expired or needing renewal"),
        ("limit" = Option<i64>, Query, minimum = 1, maximum = 500, description = "1 to 500 (default 100)"),
        ("cursor" = Option<String>, Query, description = "next_cursor of the previous page"),
    ),
    responses((status = 200, body = Page<Risk>), (status = 400, body = ErrorBody)))]
pub async fn list_risks(ctx: Ctx, Query(p): Query) -> ApiResult<Page<Risk>> {
    p.check_known(RiskQuery::PARAMS)?;
    let q = RiskQuery::read(&p, &ctx.today())?;
    let limit = p.limit(100, 500)?;
    Ok(Json(service::list(&ctx, &q, p.cursor(), limit).await?))
}

/// Creates a risk (managers and admins). Likelihood and impact by value or by name; levels
/// are read from the matrix. Current defaults to inherent, target to current.
#[utoipa::path(post, path = "/api/v1/risks", tag = "risks", request_body = RiskInput,
    responses((status = 201, body = Risk), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn create_risk(ctx: Ctx, JsonBody(input): JsonBody<RiskInput>) -> TaggedResult {
    let r = service::create(&ctx, &input).await?;
    Ok(tagged(StatusCode::CREATED, r.revision, r))
}

/// One risk with its ratings, assets, measures and acceptance; its `ETag` is its revision.
#[utoipa::path(get, path = "/api/v1/risks/{id}", tag = "risks", params(("id" = String, Path)),
    responses((status = 200, body = Risk), (status = 404, body = ErrorBody)))]
pub async fn get_risk(ctx: Ctx, Path(id): Path<String>) -> TaggedResult {
    let r = service::get(&ctx, &id).await?;
    Ok(tagged(StatusCode::OK, r.revision, r))
}

/// Replaces a risk (managers and admins; contributors for the risks they own). A change to the
/// target rating or the treatment marks the acceptance for renewal. With `If-Match: "N"` (the
/// `ETag` of the risk read), a risk changed since is not overwritten: 409 says who changed
/// what.
#[utoipa::path(put, path = "/api/v1/risks/{id}", tag = "risks", request_body = RiskInput,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the risk as read")),
    responses((status = 200, body = Risk), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn update_risk(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(input): JsonBody<RiskInput>,
) -> TaggedResult {
    let r = service::update(&ctx, &id, expected, &input).await?;
    Ok(tagged(StatusCode::OK, r.revision, r))
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptanceBody {
    /// Why the residual risk is accepted (required above the acceptance threshold).
    #[serde(default)]
    #[schema(max_length = 5000)]
    rationale: String,
    /// `YYYY-MM-DD`, in the future.
    #[serde(default)]
    #[schema(
        required = true,
        pattern = "^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$"
    )]
    valid_until: String,
}

/// The risk owner (or a manager or admin) formally accepts the residual risk. Above the
/// matrix's acceptance threshold only a manager or admin may, with a rationale. With
/// `If-Match`, only the revision of the risk that was read is accepted.
#[utoipa::path(post, path = "/api/v1/risks/{id}/acceptance", tag = "risks", request_body = AcceptanceBody,
    params(("id" = String, Path), ("If-Match" = Option<String>, Header, description = "the ETag of the risk as read")),
    responses((status = 200, body = Risk), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn accept_risk(
    ctx: Ctx,
    Path(id): Path<String>,
    IfMatch(expected): IfMatch,
    JsonBody(body): JsonBody<AcceptanceBody>,
) -> TaggedResult {
    let r = service::accept(&ctx, &id, expected, &body.rationale, &body.valid_until).await?;
    Ok(tagged(StatusCode::OK, r.revision, r))
}

/// Every acceptance of a risk, newest first (the newest is the risk's acceptance).
#[utoipa::path(get, path = "/api/v1/risks/{id}/acceptances", tag = "risks", params(("id" = String, Path)),
    responses((status = 200, body = Vec<Acceptance>), (status = 404, body = ErrorBody)))]
pub async fn list_acceptances(ctx: Ctx, Path(id): Path<String>) -> ApiResult<Vec<Acceptance>> {
    Ok(Json(service::acceptances(&ctx, &id).await?))
}

/// The library of common threats and vulnerabilities (Annex's own words), grouped, each with
/// the ISO/IEC 27002:2022 controls that usually treat it.
#[utoipa::path(get, path = "/api/v1/threats", tag = "risks",
    responses((status = 200, body = Library)))]
pub async fn threat_library() -> Json<Library> {
    Json(Library::get().clone())
}

/// Imports risks from a CSV or XLSX file sent as the body (managers and admins). Headers
/// match with synonyms; `map=Their header=field` and `value=[field:]Their word=ours` handle the
/// rest. Scores and levels are computed from the matrix; assets by id or name. Every problem
/// comes back by row and column (422) and then nothing is written; `dry_run=true` checks and
/// reports without writing.
#[utoipa::path(post, path = "/api/v1/risks/import", tag = "risks",
    params(crate::registers::imports::web::ImportQuery),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = crate::exchange::import::Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_risks(
    ctx: Ctx,
    axum::extract::RawQuery(raw): axum::extract::RawQuery,
    req: axum::extract::Request,
) -> ApiResult<crate::exchange::import::Outcome> {
    crate::registers::imports::web::import_into(&ctx, &super::exchange::RiskImport, raw, req).await
}

/// The register's fixed closed lists, for the API document.
pub fn values() -> Vec<Values> {
    use super::domain::{RiskStatus, Treatment};
    let statuses = RiskStatus::ALL.iter().map(|s| s.key()).chain(["active"]);
    vec![
        Values::param("get", "/api/v1/risks", "status", statuses),
        Values::param(
            "get",
            "/api/v1/risks",
            "attention",
            ["review", "acceptance"],
        ),
        Values::property(
            "RiskInput",
            "treatment",
            [""].into_iter()
                .chain(Treatment::ALL.iter().map(|t| t.key())),
        ),
        Values::property(
            "RiskInput",
            "status",
            [""].into_iter()
                .chain(RiskStatus::ALL.iter().map(|s| s.key())),
        ),
    ]
}

/// The matrix's levels, cells and steps, for the API document.
pub fn live(ctx: &Ctx) -> LiveFuture<'_> {
    Box::pin(async move {
        let m = ctx.store().risk_matrix().await?;
        let levels = m
            .levels
            .iter()
            .flat_map(|l| [l.key.clone(), l.name.clone()]);
        let mut cells = Vec::new();
        for kind in ["inherent", "current", "target", "residual"] {
            for l in &m.likelihood {
                for i in &m.impact {
                    cells.push(format!("{kind}:{}:{}", l.value, i.value));
                }
            }
        }
        let steps = |scale: &[crate::registers::matrix::domain::ScaleLevel], empty: bool| {
            let mut v: Vec<serde_json::Value> = Vec::new();
            if empty {
                v.extend(["".into(), serde_json::Value::Null]);
            }
            for s in scale {
                v.push(s.value.into());
                v.push(s.value.to_string().into());
                v.push(s.name.clone().into());
            }
            v
        };
        let mut out = vec![
            Values::param("get", "/api/v1/risks", "level", levels),
            Values::param("get", "/api/v1/risks", "cell", cells),
            Values::property(
                "RiskInput",
                "inherent_likelihood",
                steps(&m.likelihood, false),
            ),
            Values::property("RiskInput", "inherent_impact", steps(&m.impact, false)),
        ];
        for (field, scale) in [
            ("current_likelihood", &m.likelihood),
            ("current_impact", &m.impact),
            ("target_likelihood", &m.likelihood),
            ("target_impact", &m.impact),
        ] {
            out.push(Values::property("RiskInput", field, steps(scale, true)));
        }
        Ok(out)
    })
}
