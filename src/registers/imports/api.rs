//! Importing a spreadsheet through the API: the query an import reads (`dry_run`, `map`,
//! `value`, `sheet`) and the file as the body. Each register declares its own import
//! operation, documented with its fields, and hands the request to `import_into`.

use crate::error::{Error, Problems};
use crate::exchange::import::{Importer, Options, Outcome};
use crate::service::Ctx;
use crate::web::json::{ApiResult, query_pairs};
use crate::web::session::MAX_UPLOAD_BYTES;
use axum::Json;
use axum::extract::Request;

/// An import's query (documented here; read by `import_options`, which keeps repeated keys).
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ImportQuery {
    /// Check and report, write nothing.
    dry_run: Option<bool>,
    /// `Their header=field`, repeatable; `Their header=` ignores the column.
    map: Option<Vec<String>>,
    /// `[field:]Their word=ours`, repeatable.
    value: Option<Vec<String>>,
    /// The worksheet of an XLSX file (default: the one whose header fits best).
    sheet: Option<String>,
}

/// Reads an import's query: `dry_run`, `map` and `value` (repeatable), `sheet`.
fn import_options(pairs: &[(String, String)]) -> Result<Options, Error> {
    let mut problems = Problems::new();
    let mut opts = Options::default();
    for (k, v) in pairs {
        match k.as_str() {
            "map" => opts.map.push(v.clone()),
            "value" => opts.values.push(v.clone()),
            "sheet" => opts.sheet = Some(v.clone()),
            "dry_run" => match v.as_str() {
                "" | "true" | "1" => opts.dry_run = true,
                "false" | "0" => opts.dry_run = false,
                other => problems.add("dry_run", format!("'{other}' is not true or false")),
            },
            other => problems.add(other, "unknown parameter: use dry_run, map, value or sheet"),
        }
    }
    problems.into_result()?;
    Ok(opts)
}

/// Imports a file (the request body, CSV or XLSX) into a register: all rows or none. Each
/// register's API declares its own import operation (for its documentation) and calls this.
pub async fn import_into(
    ctx: &Ctx,
    importer: &dyn Importer,
    raw: Option<String>,
    req: Request,
) -> ApiResult<Outcome> {
    let opts = import_options(&query_pairs(raw)?)?;
    let max = MAX_UPLOAD_BYTES;
    let bytes = axum::body::to_bytes(req.into_body(), max)
        .await
        .map_err(|_| {
            Error::BadRequest(format!(
                "the file is larger than {} MB",
                max / (1024 * 1024)
            ))
        })?;
    let outcome = super::service::import(ctx, importer, &bytes, &opts).await?;
    if outcome.ok() {
        Ok(Json(outcome))
    } else {
        Err(outcome.into_error().into())
    }
}
