//! Migrating a 2013 SoA through the API: the file as the body, the options in the query.

use super::exchange::{self as soa_migrate, Outcome};
use crate::domain::query::Params;
use crate::error::{Error, Problems};
use crate::exchange::import;
use crate::service::Ctx;
use crate::web::json::{ApiError, ErrorBody};
use crate::web::session::MAX_UPLOAD_BYTES;
use axum::Json;
use axum::extract::{RawQuery, Request};

/// The query of `POST /api/v1/soa/import-2013` (documented here; read by `api_options`, which
/// keeps repeated keys).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct Import2013Query {
    /// Check and report, write nothing.
    dry_run: Option<bool>,
    /// Overwrite the 2022 controls already decided (kept otherwise).
    replace: Option<bool>,
    /// The worksheet of an XLSX file (default: the one whose header fits best).
    sheet: Option<String>,
    /// `Their header=field`, repeatable; `Their header=` ignores the column.
    map: Option<Vec<String>>,
    /// `[field:]Their word=ours`, repeatable.
    value: Option<Vec<String>>,
}

/// Reads the API call's query: `dry_run`, `replace`, `sheet`, `map` and `value`.
fn api_options(raw: Option<&str>) -> Result<(import::Options, bool), Error> {
    let params = Params::parse(raw)?;
    let pairs = params.pairs();
    let mut problems = Problems::new();
    let mut opts = import::Options::default();
    let mut replace = false;
    let flag = |problems: &mut Problems, k: &str, v: &str| match v {
        "" | "true" | "1" => true,
        "false" | "0" => false,
        other => {
            problems.add(k, format!("'{other}' is not true or false"));
            false
        }
    };
    for (k, v) in pairs {
        match k.as_str() {
            "map" => opts.map.push(v.clone()),
            "value" => opts.values.push(v.clone()),
            "sheet" => opts.sheet = Some(v.clone()),
            "dry_run" => opts.dry_run = flag(&mut problems, k, v),
            "replace" => replace = flag(&mut problems, k, v),
            other => problems.add(
                other,
                "unknown parameter: use dry_run, replace, sheet, map or value",
            ),
        }
    }
    problems.into_query_result()?;
    Ok((opts, replace))
}

/// Migrates a Statement of Applicability written against ISO/IEC 27002:2013 (the request body,
/// CSV or XLSX) into a draft of the 2022 SoA (managers and admins). Each 2022 control gets the
/// decision its 2013 controls agree on, their justifications and the least advanced of their
/// statuses; the report lists every 2022 control that still needs a decision and why (new in
/// 2022, sources that disagree or are not in the file, reasons for inclusion to choose).
/// Controls already decided are kept unless `replace=true`. Every problem comes back by row
/// and column (422) and then nothing is written; `dry_run=true` reports without writing.
#[utoipa::path(post, path = "/api/v1/soa/import-2013", tag = "soa",
    params(Import2013Query),
    request_body(content = Vec<u8>, content_type = "text/csv", description = "the file (CSV or XLSX)"),
    responses((status = 200, body = Outcome), (status = 422, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub async fn import_2013(
    ctx: Ctx,
    RawQuery(raw): RawQuery,
    req: Request,
) -> Result<Json<Outcome>, ApiError> {
    let (opts, replace) = api_options(raw.as_deref())?;
    let bytes = axum::body::to_bytes(req.into_body(), MAX_UPLOAD_BYTES)
        .await
        .map_err(|_| {
            Error::BadRequest(format!(
                "the file is larger than {} MB",
                MAX_UPLOAD_BYTES / (1024 * 1024)
            ))
        })?;
    let outcome = soa_migrate::run(&ctx, &bytes, &opts, replace).await?;
    if outcome.ok() {
        Ok(Json(outcome))
    } else {
        Err(outcome.into_error().into())
    }
}
