//! Importing a spreadsheet through the web UI: upload the file, review the dry run (which
//! sheet, which header row, how each column is read, every problem by row and column), map
//! columns and values by hand where the headers or words are not ours, then import — all or
//! nothing. The upload waits in the store between the steps, so that every instance behind a
//! load balancer sees it; the import consumes it, so a second submission imports nothing.

use super::AppState;
use super::page::{FormData, FormErrors, Layout, PageResult, actor, layout};
use super::session::{Caller, MAX_UPLOAD_BYTES};
use crate::domain::user::Role;
use crate::error::Error;
use crate::exchange::import::{self, Outcome, Register};
use crate::store::{ImportReport, Upload};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{DefaultBodyLimit, MatchedPath, Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::{Extension, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/assets/import", get(upload_form).post(upload))
        .route("/risks/import", get(upload_form).post(upload))
        .route("/measures/import", get(upload_form).post(upload))
        .route("/imports/{id}", get(review).post(apply))
        .layer(DefaultBodyLimit::max(MAX_UPLOAD_BYTES))
}

/// The register a route is about: `/risks/import` → risks.
fn register_of(path: &str) -> Register {
    Register::ALL
        .into_iter()
        .find(|r| path.starts_with(&format!("/{}/", r.key())))
        .unwrap_or(Register::Assets)
}

/// Words for a register on its pages.
fn title_of(r: Register) -> &'static str {
    match r {
        Register::Assets => "Assets",
        Register::Risks => "Risks",
        Register::Measures => "Measures",
    }
}

/// What a register's file may hold, for the upload page.
fn hints(r: Register) -> &'static str {
    match r {
        Register::Assets => {
            "One row per asset, with at least a name. Annex also reads id, type, description, owner, custodian, location, classification, confidentiality, integrity, availability (impact steps by value or name), status, tags, depends on (asset ids) and last reviewed (a date)."
        }
        Register::Risks => {
            "One row per risk, with at least a title and the inherent likelihood and impact (steps of your risk matrix, by value or name). Annex also reads id, threat, vulnerability, consequence, owner, category, current and residual likelihood and impact, treatment, review date, assets (ids or names) and measures (ids). Scores and levels are computed from the matrix, never read."
        }
        Register::Measures => {
            "One row per measure, with at least a name. Annex also reads id, description, owner, status, due date, effort, cost and controls (ids such as 5.17, 8.5)."
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "import_upload.html")]
struct UploadPage {
    l: Layout,
    register: &'static str,
    title: &'static str,
    hints: &'static str,
    max_mb: usize,
    errors: FormErrors,
}

async fn render_upload(
    s: &AppState,
    caller: &Caller,
    register: Register,
    errors: FormErrors,
) -> PageResult {
    let title = title_of(register);
    let l = layout(
        s,
        caller,
        &format!("Import {}", title.to_lowercase()),
        register.key(),
        None,
    )
    .await?;
    let status = errors.status();
    Ok((
        status,
        UploadPage {
            l,
            register: register.key(),
            title,
            hints: hints(register),
            max_mb: crate::exchange::sheet::MAX_FILE_BYTES / (1024 * 1024),
            errors,
        },
    )
        .into_response())
}

async fn upload_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    path: MatchedPath,
) -> PageResult {
    render_upload(
        &s,
        &caller,
        register_of(path.as_str()),
        FormErrors::default(),
    )
    .await
}

/// Keeps the uploaded file and opens its review; a file that is not a spreadsheet is refused
/// at once.
async fn upload(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    path: MatchedPath,
    mut form: Multipart,
) -> PageResult {
    let register = register_of(path.as_str());
    let mut file: Option<(String, Vec<u8>)> = None;
    let unreadable = |_| Error::BadRequest("the upload could not be read".into());
    while let Some(field) = form.next_field().await.map_err(unreadable)? {
        if field.name() == Some("file") {
            let name = field.file_name().unwrap_or("upload").to_string();
            let bytes = field.bytes().await.map_err(unreadable)?;
            file = Some((name, bytes.to_vec()));
        }
    }
    let problem = match &file {
        None => Some("choose a CSV or XLSX file".to_string()),
        Some((_, b)) if b.is_empty() => Some("the file is empty".to_string()),
        Some((_, b)) => crate::exchange::sheet::read_file(b).err().map(|e| {
            e.fields()
                .first()
                .map(|f| f.message.clone())
                .unwrap_or(e.to_string())
        }),
    };
    if let Some(message) = problem {
        let errors = FormErrors::from_error(Error::field("file", message))?;
        return render_upload(&s, &caller, register, errors).await;
    }
    let (name, bytes) = file.unwrap_or_default();
    let u = s
        .store
        .save_upload(&actor(&caller), register.key(), &name, &bytes)
        .await?;
    Ok(Redirect::to(&format!("/imports/{}", u.id)).into_response())
}

/// One column of a review's mapping table.
pub(super) struct ColumnRow {
    pub(super) header: String,
    pub(super) sample: String,
    pub(super) field: String,
    pub(super) note: &'static str,
}

/// Problems a review page lists; the rest are counted.
const SHOWN: usize = 300;

/// What every import's review shows of a dry run: how each column is read, the mapping to
/// carry to the import, the problems (the first `SHOWN`), the sheet read and the sheets there
/// are. `derived` says what a column the import skips is ("computed by Annex: not read").
pub(super) struct Reading {
    pub(super) columns: Vec<ColumnRow>,
    pub(super) map: Vec<String>,
    pub(super) problems: Vec<String>,
    pub(super) more_problems: usize,
    pub(super) sheet: String,
    pub(super) sheets: Vec<String>,
}

impl Reading {
    pub(super) fn of(
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
    pub(super) fn unread(asked_sheet: Option<&String>) -> Reading {
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
pub(super) fn outcome_or_file_error<T>(
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

#[derive(Template, WebTemplate)]
#[template(path = "import_review.html")]
struct ReviewPage {
    l: Layout,
    upload: Upload,
    register: &'static str,
    noun: &'static str,
    title: &'static str,
    choices: Vec<(&'static str, &'static str)>,
    columns: Vec<ColumnRow>,
    /// Every column's mapping as `Header=field`, carried to the import.
    map: Vec<String>,
    values: String,
    sheet: String,
    sheets: Vec<String>,
    header_row: usize,
    rows: usize,
    ignored_rows: Option<(usize, usize)>,
    problems: Vec<String>,
    more_problems: usize,
    /// The dry run's report, or the import's once done.
    report: Option<ImportReport>,
    done: bool,
    file_error: Option<String>,
}

/// How a review was asked for: the mapping, value mappings and sheet from the query or form.
struct Asked {
    map: Vec<String>,
    values: String,
    sheet: Option<String>,
}

impl Asked {
    fn from_pairs(pairs: &[(String, String)]) -> Asked {
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
        }
    }

    fn options(&self, dry_run: bool, upload: Option<&str>) -> import::Options {
        import::Options {
            map: self.map.clone(),
            values: self.values.lines().map(str::to_string).collect(),
            sheet: self.sheet.clone(),
            dry_run,
            upload: upload.map(str::to_string),
        }
    }
}

/// The upload, if the caller may see it: the person who uploaded it, or an admin.
async fn own_upload(s: &AppState, caller: &Caller, id: &str) -> Result<(Upload, Vec<u8>), Error> {
    let (u, bytes) = s.store.upload(id).await?;
    let admin = caller.user.as_ref().is_some_and(|u| u.role == Role::Admin);
    if u.uploaded_by != actor(caller) && !admin {
        return Err(Error::Forbidden);
    }
    Ok((u, bytes))
}

async fn render_review(
    s: &AppState,
    caller: &Caller,
    upload: Upload,
    asked: &Asked,
    result: Result<Outcome, Error>,
    done: bool,
) -> PageResult {
    let register = import::Register::parse(&upload.register)?;
    let title = title_of(register);
    let l = layout(
        s,
        caller,
        &format!("Import {}", upload.file_name),
        register.key(),
        None,
    )
    .await?;
    let (outcome, file_error) = outcome_or_file_error(result)?;
    let reading = match &outcome {
        Some(o) => Reading::of(
            &o.columns,
            &o.problems,
            o.sheet.as_ref(),
            &o.other_sheets,
            "computed by Annex: not read",
        ),
        None => Reading::unread(asked.sheet.as_ref()),
    };
    let ok = outcome.as_ref().is_some_and(|o| o.ok());
    let status = if ok || done {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((
        status,
        ReviewPage {
            l,
            register: register.key(),
            noun: register.noun(),
            title,
            choices: register.field_choices(),
            columns: reading.columns,
            map: reading.map,
            values: asked.values.clone(),
            sheet: reading.sheet,
            sheets: reading.sheets,
            header_row: outcome.as_ref().map(|o| o.header_row).unwrap_or(0),
            rows: outcome.as_ref().map(|o| o.rows).unwrap_or(0),
            ignored_rows: outcome.as_ref().and_then(|o| o.ignored_rows),
            problems: reading.problems,
            more_problems: reading.more_problems,
            report: outcome.and_then(|o| o.report),
            done,
            file_error,
            upload,
        },
    )
        .into_response())
}

/// The dry run of an upload with the mapping asked for in the query string.
async fn review(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (upload, bytes) = own_upload(&s, &caller, &id).await?;
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()).unwrap_or_default();
    let asked = Asked::from_pairs(&pairs);
    let register = import::Register::parse(&upload.register)?;
    let result = import::run(
        &s.store,
        &actor(&caller),
        register,
        &bytes,
        &asked.options(true, None),
    )
    .await;
    render_review(&s, &caller, upload, &asked, result, false).await
}

/// Imports the upload with the mapping reviewed; all or nothing.
async fn apply(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let (upload, bytes) = own_upload(&s, &caller, &id).await?;
    let asked = Asked {
        map: form.all("map"),
        values: form.get("values").to_string(),
        sheet: Some(form.get("sheet").to_string()).filter(|s| !s.trim().is_empty()),
    };
    let register = import::Register::parse(&upload.register)?;
    let result = import::run(
        &s.store,
        &actor(&caller),
        register,
        &bytes,
        &asked.options(false, Some(&id)),
    )
    .await;
    let done = result.as_ref().is_ok_and(|o| o.ok());
    render_review(&s, &caller, upload, &asked, result, done).await
}
