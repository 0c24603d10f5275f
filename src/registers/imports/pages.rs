//! Importing a spreadsheet through the web UI: upload the file, review the dry run (which
//! sheet, which header row, how each column is read, every problem by row and column), map
//! columns and values by hand where the headers or words are not ours, then import — all or
//! nothing. The upload waits in the store between the steps, so that every instance behind a
//! load balancer sees it; the import consumes it, so a second submission imports nothing.

use super::domain::Source;
use super::domain::Upload;
use super::domain_spool::Spooled;
use super::service;
use super::web::{Asked, ColumnRow, FileReading, Reading, outcome_or_file_error};
use crate::domain::ImportReport;
use crate::domain::query::Params;
use crate::error::Error;
use crate::exchange::import::{Importer, Outcome};
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormData, FormErrors, Layout, PageResult, layout};
use crate::web::session::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

/// The importer a route is about: `/risks/import` → risks, `/continuity/exercises/import` →
/// exercises.
fn importer_of(s: &AppState, path: &str) -> Result<&'static dyn Importer, Error> {
    let at = path
        .trim_start_matches('/')
        .split("/import")
        .next()
        .unwrap_or_default();
    s.importers.at(at)
}

#[derive(Template, WebTemplate)]
#[template(path = "imports/templates/import_upload.html")]
struct UploadPage {
    l: Layout,
    /// Where the register lives (its import is below it).
    path: &'static str,
    title: &'static str,
    hints: &'static str,
    max_mb: usize,
    /// A register that takes a CSV file of any size: the most it takes.
    csv_mb: Option<u64>,
    errors: FormErrors,
}

async fn render_upload(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    register: &dyn Importer,
    errors: FormErrors,
) -> PageResult {
    let title = register.title();
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
            path: register.path(),
            title,
            hints: register.hints(),
            max_mb: crate::exchange::sheet::MAX_FILE_BYTES / (1024 * 1024),
            csv_mb: streams(ctx, register).then_some(ctx.limits().import_max_bytes / (1024 * 1024)),
            errors,
        },
    )
        .into_response())
}

/// The upload page of the register the route is about (`/risks/import`).
pub async fn upload_form(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    path: MatchedPath,
) -> PageResult {
    let register = importer_of(&s, path.as_str())?;
    render_upload(&s, &ctx, &caller, register, FormErrors::default()).await
}

/// Whether a register reads a CSV file as it streams (it takes its rows in batches).
fn streams(ctx: &Ctx, register: &dyn Importer) -> bool {
    register.batches(ctx, Default::default()).is_some()
}

/// The most a register's upload page takes: a register that streams a CSV file takes one of
/// any size up to `import_max_mb`; others a spreadsheet of up to 64 MB.
fn upload_limit(ctx: &Ctx, register: &dyn Importer) -> (u64, &'static str) {
    if streams(ctx, register) {
        (ctx.limits().import_max_bytes, "import_max_mb")
    } else {
        (
            crate::exchange::sheet::MAX_FILE_BYTES as u64,
            "the limit of a spreadsheet",
        )
    }
}

/// The form's file, streamed to a temporary file (counted against the register's limit as it
/// arrives), and its name; none when the form has no file. The form's other fields are read
/// and let go, counted too.
async fn receive(
    form: &mut Multipart,
    max: u64,
    setting: &str,
) -> Result<Option<(String, Spooled)>, Error> {
    let unreadable = |_| Error::BadRequest("the upload could not be read".into());
    let mut file: Option<(String, Spooled)> = None;
    let mut other = 0u64;
    while let Some(mut field) = form.next_field().await.map_err(unreadable)? {
        if field.name() == Some("file") && file.is_none() {
            let name = field.file_name().unwrap_or("upload").to_string();
            let mut spooled = Spooled::create()?;
            while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                spooled.push(&chunk, max, setting)?;
            }
            spooled.finish();
            file = Some((name, spooled));
        } else {
            while let Some(chunk) = field.chunk().await.map_err(unreadable)? {
                other = other.saturating_add(chunk.len() as u64);
                if other > MAX_OTHER_FIELDS {
                    return Err(Error::BadRequest(
                        "the upload's form is too large (one file is expected)".into(),
                    ));
                }
            }
        }
    }
    Ok(file)
}

/// What the fields of an upload's form other than its file may hold together.
const MAX_OTHER_FIELDS: u64 = 64 * 1024;

/// Keeps the uploaded file and opens its review; a file that is not a spreadsheet is refused
/// at once. A file larger than a spreadsheet may be (a CSV file of a million rows, for a
/// register that takes its rows in batches) is kept as it streamed in, never whole in memory.
pub async fn upload(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    path: MatchedPath,
    mut form: Multipart,
) -> PageResult {
    let register = importer_of(&s, path.as_str())?;
    let (max, setting) = upload_limit(&ctx, register);
    let refused = |e: Error| async {
        let errors = FormErrors::from_error(e)?;
        render_upload(&s, &ctx, &caller, register, errors).await
    };
    let (name, spooled) = match receive(&mut form, max, setting).await {
        Ok(Some(f)) if f.1.size() > 0 => f,
        Ok(Some(_)) => return refused(Error::field("file", "the file is empty")).await,
        Ok(None) => return refused(Error::field("file", "choose a CSV or XLSX file")).await,
        Err(e @ Error::Validation(_)) => return refused(e).await,
        Err(e) => return Err(e.into()),
    };
    let head = spooled.head(64 * 1024)?;
    let workbook = crate::exchange::sheet::is_workbook(&head);
    if !workbook && streams(&ctx, register) {
        // A CSV file streams into its review and import, whatever its size: its start is
        // checked here, the rest as it is read.
        if let Err(e) = crate::exchange::sheet::check_csv_start(&head) {
            return refused(e).await;
        }
        let u = service::save(&ctx, register.key(), &name, Source::File(&spooled)).await?;
        return Ok(Redirect::to(&format!("/imports/{}", u.id)).into_response());
    }
    if spooled.size() > crate::exchange::sheet::MAX_FILE_BYTES as u64 {
        let message = format!(
            "the workbook has {} MB: a spreadsheet of at most {} MB can be imported at once; save it as CSV to import more",
            spooled.size() / (1024 * 1024),
            crate::exchange::sheet::MAX_FILE_BYTES / (1024 * 1024)
        );
        return refused(Error::field("file", message)).await;
    }
    let bytes = spooled.read_all()?;
    let grids = match crate::exchange::sheet::read_file(&bytes) {
        Ok(grids) => grids,
        Err(e) => {
            let message = e
                .fields()
                .first()
                .map(|f| f.message.clone())
                .unwrap_or(e.to_string());
            return refused(Error::field("file", message)).await;
        }
    };
    let diversion = register.divert(&grids);
    // What is kept is the file on disk, hashed as it arrived.
    drop((grids, bytes));
    // A file for another import (a 2013 SoA sent to the 2022 one) goes to that one's review.
    if let Some(d) = diversion {
        let u = service::save(&ctx, d.kind, &name, Source::File(&spooled)).await?;
        return Ok(Redirect::to(&format!("{}/{}", d.page, u.id)).into_response());
    }
    let u = service::save(&ctx, register.key(), &name, Source::File(&spooled)).await?;
    Ok(Redirect::to(&format!("/imports/{}", u.id)).into_response())
}

/// One column of a review's mapping table.
#[derive(Template, WebTemplate)]
#[template(path = "imports/templates/import_review.html")]
struct ReviewPage {
    l: Layout,
    upload: Upload,
    register: &'static str,
    /// Where the register lives (its import is below it).
    path: &'static str,
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
    file: FileReading,
    problems: Vec<String>,
    more_problems: usize,
    /// The dry run's report, or the import's once done.
    report: Option<ImportReport>,
    done: bool,
    file_error: Option<String>,
    /// The matrix the file's levels describe, drawn.
    file_svg: Option<crate::registers::matrix::web::SvgGrid>,
}

async fn render_review(
    s: &AppState,
    caller: &Caller,
    upload: Upload,
    asked: &Asked,
    result: Result<Outcome, Error>,
    done: bool,
) -> PageResult {
    let register = s.importers.find(&upload.register)?;
    let title = register.title();
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
            path: register.path(),
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
            file: FileReading::of(
                asked,
                outcome.as_ref().and_then(|o| o.encoding.as_ref()),
                outcome
                    .as_ref()
                    .map(|o| o.warnings.as_slice())
                    .unwrap_or_default(),
            ),
            problems: reading.problems,
            more_problems: reading.more_problems,
            file_svg: outcome
                .as_ref()
                .and_then(|o| o.report.as_ref())
                .and_then(|r| r.file_matrix.as_ref())
                .map(|f| crate::registers::matrix::web::svg_grid(&f.matrix)),
            report: outcome.and_then(|o| o.report),
            done,
            file_error,
            upload,
        },
    )
        .into_response())
}

/// An upload and its content, as its register reads it: streamed from a file, or in memory.
async fn own_content(
    s: &AppState,
    ctx: &Ctx,
    id: &str,
) -> Result<(Upload, service::Content), Error> {
    let upload = service::own(ctx, id).await?;
    let stream = streams(ctx, s.importers.find(&upload.register)?);
    let content = service::content(ctx, &upload, stream).await?;
    Ok((upload, content))
}

/// The dry run of an upload with the mapping asked for in the query string.
pub async fn review(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (upload, content) = own_content(&s, &ctx, &id).await?;
    let params = Params::parse(raw.as_deref())?;
    let asked = Asked::from_pairs(params.pairs());
    let register = s.importers.find(&upload.register)?;
    let result =
        service::import_content(&ctx, register, &content, &asked.options(true, None)).await;
    render_review(&s, &caller, upload, &asked, result, false).await
}

/// Imports the upload with the mapping reviewed; all or nothing.
pub async fn apply(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let (upload, content) = own_content(&s, &ctx, &id).await?;
    let asked = Asked::from_pairs(form.pairs());
    let register = s.importers.find(&upload.register)?;
    let result =
        service::import_content(&ctx, register, &content, &asked.options(false, Some(&id))).await;
    let done = result.as_ref().is_ok_and(|o| o.ok());
    render_review(&s, &caller, upload, &asked, result, done).await
}
