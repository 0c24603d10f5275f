//! The import's pieces the registers' pages and API operations share: how a file was read
//! (`Reading`, shown on an import's review page and on the SoA migration's), and the API's
//! import (`import_into`, with the query it reads: `dry_run`, `map`, `value`, `sheet`). Each
//! register declares its own import operation, documented with its fields, and hands the
//! request to `import_into`.

use super::domain_spool::Spooled;
use crate::error::{Error, Problems};
use crate::exchange::import::{self, Importer, Options, Outcome};
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
    /// The character set of a CSV file (utf-8, utf-16, windows-1252, windows-1250,
    /// iso-8859-2); found from its content by default, and answered as `encoding`.
    encoding: Option<String>,
    /// Leave out the rows and columns an XLSX sheet hides (read, with a warning, by default).
    skip_hidden: Option<bool>,
    /// `field=value`, repeatable: the value of a field in every row that leaves it empty or
    /// has no column for it.
    default: Option<Vec<String>>,
    /// Rows without an id update the record with the same name (or title), when one has it.
    match_by_name: Option<bool>,
    /// Risks: when the file's own levels describe another matrix (`file_matrix` in the
    /// report), adopt it with the import; Annex keeps its own otherwise.
    adopt_matrix: Option<bool>,
    /// Staff: the file is the whole staff (an HR export); everyone in Annex it does not list
    /// has left, their last day yesterday (`left` in the report), and gets an offboarding checklist.
    absent_left: Option<bool>,
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
            "skip_hidden" => match v.as_str() {
                "" | "true" | "1" => opts.skip_hidden = true,
                "false" | "0" => opts.skip_hidden = false,
                other => problems.add("skip_hidden", format!("'{other}' is not true or false")),
            },
            "encoding" => opts.encoding = Some(v.clone()),
            "default" => opts.defaults.push(v.clone()),
            "match_by_name" => match v.as_str() {
                "" | "true" | "1" => opts.match_by_name = true,
                "false" | "0" => opts.match_by_name = false,
                other => problems.add("match_by_name", format!("'{other}' is not true or false")),
            },
            "adopt_matrix" => match v.as_str() {
                "" | "true" | "1" => opts.adopt_matrix = true,
                "false" | "0" => opts.adopt_matrix = false,
                other => problems.add("adopt_matrix", format!("'{other}' is not true or false")),
            },
            "absent_left" => match v.as_str() {
                "" | "true" | "1" => opts.absent_left = true,
                "false" | "0" => opts.absent_left = false,
                other => problems.add("absent_left", format!("'{other}' is not true or false")),
            },
            "dry_run" => match v.as_str() {
                "" | "true" | "1" => opts.dry_run = true,
                "false" | "0" => opts.dry_run = false,
                other => problems.add("dry_run", format!("'{other}' is not true or false")),
            },
            other => problems.add(
                other,
                "unknown parameter: use dry_run, map, value, default, sheet, encoding, skip_hidden, match_by_name, adopt_matrix or absent_left",
            ),
        }
    }
    problems.into_query_result()?;
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
    let how = import::Writing {
        dry_run: opts.dry_run,
        ..Default::default()
    };
    // A register that takes its rows in batches reads a CSV file of any size as it streams:
    // the body goes to disk as it arrives, up to the configured limit.
    if importer.batches(ctx, how).is_some() {
        let spooled = spool_body(req, ctx.limits().import_max_bytes).await?;
        let outcome = super::service::import_file(ctx, importer, spooled.path(), &opts).await?;
        return if outcome.ok() {
            Ok(Json(outcome))
        } else {
            Err(outcome.into_error().into())
        };
    }
    let max = MAX_UPLOAD_BYTES;
    let bytes = axum::body::to_bytes(req.into_body(), max)
        .await
        .map_err(|_| {
            Error::BadRequest(format!(
                "the file is larger than {} MB",
                max / (1024 * 1024)
            ))
        })?;
    if let Ok(grids) = crate::exchange::sheet::read_file(&bytes)
        && let Some(d) = importer.divert(&grids)
    {
        return Err(Error::field(
            "file",
            format!(
                "this file is not for this import: {}; send it to {}",
                d.why, d.api
            ),
        )
        .into());
    }
    let outcome = super::service::import(ctx, importer, &bytes, &opts).await?;
    if outcome.ok() {
        Ok(Json(outcome))
    } else {
        Err(outcome.into_error().into())
    }
}

/// A request's whole body written to a temporary file as it arrives, up to `max` bytes
/// (`import_max_mb`).
async fn spool_body(req: Request, max: u64) -> Result<Spooled, Error> {
    use futures_util::StreamExt;
    let mut spooled = Spooled::create()?;
    let mut stream = req.into_body().into_data_stream();
    while let Some(chunk) = stream.next().await {
        let chunk =
            chunk.map_err(|e| Error::BadRequest(format!("the file did not arrive whole: {e}")))?;
        spooled.push(&chunk, max, "import_max_mb")?;
    }
    spooled.finish();
    Ok(spooled)
}

pub struct ColumnRow {
    pub header: String,
    pub sample: String,
    pub field: String,
    pub note: &'static str,
}

/// Problems a review page lists; the rest are counted.
const SHOWN: usize = 300;

/// What every import's review shows of a dry run: how each column is read, the mapping to
/// carry to the import, the problems (the first `SHOWN`), the sheet read and the sheets there
/// are. `derived` says what a column the import skips is ("computed by Annex: not read").
pub struct Reading {
    pub columns: Vec<ColumnRow>,
    pub map: Vec<String>,
    pub problems: Vec<String>,
    pub more_problems: usize,
    pub sheet: String,
    pub sheets: Vec<String>,
}

impl Reading {
    pub fn of(
        columns: &[import::Column],
        problems: &[import::RowProblem],
        sheet: Option<&String>,
        other_sheets: &[String],
        derived: &'static str,
    ) -> Reading {
        let columns: Vec<ColumnRow> = columns
            .iter()
            .map(|c| ColumnRow {
                header: c.header.clone(),
                sample: c.sample.clone(),
                field: c.field.unwrap_or_default().to_string(),
                note: match c.how {
                    "matched" => "matched by its header",
                    "mapped" => "mapped by you",
                    "derived" => derived,
                    "duplicate" => "another column gives this field: not read",
                    "hidden" => "hidden in the file: not read",
                    "empty" => "no value in the file: not read",
                    "unknown" => "not recognised: not read",
                    _ => "not read",
                },
            })
            .filter(|c| !c.header.is_empty())
            .collect();
        let map = columns
            .iter()
            .map(|c| format!("{}={}", c.header, c.field))
            .collect();
        let mut sheets: Vec<String> = sheet.into_iter().cloned().collect();
        sheets.extend(other_sheets.iter().cloned());
        Reading {
            columns,
            map,
            problems: problems.iter().take(SHOWN).map(|p| p.to_string()).collect(),
            more_problems: problems.len().saturating_sub(SHOWN),
            sheet: sheet.cloned().unwrap_or_default(),
            sheets,
        }
    }

    /// A file that could not be read at all: no columns, the sheet that was asked for.
    pub fn unread(asked_sheet: Option<&String>) -> Reading {
        Reading {
            columns: Vec::new(),
            map: Vec::new(),
            problems: Vec::new(),
            more_problems: 0,
            sheet: asked_sheet.cloned().unwrap_or_default(),
            sheets: Vec::new(),
        }
    }
}

/// A dry run's result, or why the file could not be read (its problems in one line); other
/// errors stay errors.
pub fn outcome_or_file_error<T>(
    result: Result<T, Error>,
) -> Result<(Option<T>, Option<String>), Error> {
    match result {
        Ok(o) => Ok((Some(o), None)),
        Err(Error::Validation(f)) => Ok((
            None,
            Some(
                f.iter()
                    .map(|x| x.message.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            ),
        )),
        Err(e) => Err(e),
    }
}

/// How a review was asked for — the mapping, value mappings, sheet, character set and whether
/// hidden rows and columns are left out — from the query string (a check) or the form (the
/// import). Every import's review reads the same.
pub struct Asked {
    pub map: Vec<String>,
    pub values: String,
    pub sheet: Option<String>,
    /// Empty: found from the file.
    pub encoding: String,
    pub skip_hidden: bool,
    /// `field=value`, one per line.
    pub defaults: String,
    pub match_by_name: bool,
    /// Risks: adopt the matrix the file's levels describe.
    pub adopt_matrix: bool,
    /// Staff: everyone the file does not list has left.
    pub absent_left: bool,
}

impl Asked {
    /// From (name, value) pairs: a query string's or a form's.
    pub fn from_pairs(pairs: &[(String, String)]) -> Asked {
        let get = |k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Asked {
            map: pairs
                .iter()
                .filter(|(k, _)| k == "map")
                .map(|(_, v)| v.clone())
                .collect(),
            values: get("values"),
            sheet: Some(get("sheet")).filter(|s| !s.trim().is_empty()),
            encoding: get("encoding").trim().to_string(),
            skip_hidden: is_ticked(&get("skip_hidden")),
            defaults: get("defaults"),
            match_by_name: is_ticked(&get("match_by_name")),
            adopt_matrix: is_ticked(&get("adopt_matrix")),
            absent_left: is_ticked(&get("absent_left")),
        }
    }

    pub fn options(&self, dry_run: bool, upload: Option<&str>) -> Options {
        Options {
            map: self.map.clone(),
            values: self.values.lines().map(str::to_string).collect(),
            sheet: self.sheet.clone(),
            dry_run,
            upload: upload.map(str::to_string),
            refuse_rows_after_blank: false,
            skip_hidden: self.skip_hidden,
            encoding: Some(self.encoding.clone()).filter(|e| !e.is_empty()),
            defaults: self.defaults.lines().map(str::to_string).collect(),
            match_by_name: self.match_by_name,
            adopt_matrix: self.adopt_matrix,
            absent_left: self.absent_left,
        }
    }
}

/// A ticked box as forms and query strings send it.
pub fn is_ticked(v: &str) -> bool {
    matches!(v, "1" | "on" | "true" | "yes")
}

/// What a review page shows about how the file itself was read: its character set (and the
/// ones to choose from), hidden rows and columns, and whether they are left out.
pub struct FileReading {
    /// The character set a CSV was read in, in words; empty for XLSX.
    pub encoding: String,
    /// What was asked ("" for "found from the file").
    pub asked_encoding: String,
    pub encodings: Vec<(&'static str, &'static str)>,
    pub skip_hidden: bool,
    pub warnings: Vec<String>,
    /// `field=value` lines, as asked.
    pub defaults: String,
    pub match_by_name: bool,
    pub adopt_matrix: bool,
    pub absent_left: bool,
}

impl FileReading {
    pub fn of(asked: &Asked, encoding: Option<&String>, warnings: &[String]) -> FileReading {
        FileReading {
            encoding: encoding.cloned().unwrap_or_default(),
            asked_encoding: asked.encoding.clone(),
            encodings: crate::exchange::charset::CHOICES.to_vec(),
            skip_hidden: asked.skip_hidden,
            warnings: warnings.to_vec(),
            defaults: asked.defaults.clone(),
            match_by_name: asked.match_by_name,
            adopt_matrix: asked.adopt_matrix,
            absent_left: asked.absent_left,
        }
    }
}
