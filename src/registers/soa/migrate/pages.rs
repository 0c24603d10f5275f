//! Migrating a Statement of Applicability of ISO/IEC 27002:2013 through the web UI: upload
//! the file, review the dry run (how each column is read, every problem by row and column,
//! the draft it makes, and the 2022 controls that will still need a decision, each linked to
//! its page), then import — all or nothing, in one transaction that consumes the upload. Also
//! the API call that does the same with the file as the body. Managers and admins only.

use super::domain::{SoaImportReport, Why, shown};
use super::exchange::{self as soa_migrate, Outcome};
use crate::domain::query::Params;
use crate::error::Error;
use crate::registers::imports::domain::Upload;
use crate::registers::imports::service as uploads;
use crate::registers::imports::web::{ColumnRow, Reading, outcome_or_file_error};
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormData, FormErrors, Layout, PageResult, layout};
use crate::web::session::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Multipart, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

pub use super::domain::UPLOAD_KIND;

#[derive(Template, WebTemplate)]
#[template(path = "soa/migrate/templates/soa_import_upload.html")]
struct UploadPage {
    l: Layout,
    max_mb: usize,
    errors: FormErrors,
}

async fn render_upload(s: &AppState, caller: &Caller, errors: FormErrors) -> PageResult {
    let l = layout(
        s,
        caller,
        "Import a 2013 Statement of Applicability",
        "soa",
        None,
    )
    .await?;
    let status = errors.status();
    Ok((
        status,
        UploadPage {
            l,
            max_mb: crate::exchange::sheet::MAX_FILE_BYTES / (1024 * 1024),
            errors,
        },
    )
        .into_response())
}

pub async fn upload_form(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    render_upload(&s, &caller, FormErrors::default()).await
}

/// Keeps the uploaded file and opens its review; a file that is not a spreadsheet is refused
/// at once.
pub async fn upload(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    mut form: Multipart,
) -> PageResult {
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
        return render_upload(&s, &caller, errors).await;
    }
    let (name, bytes) = file.unwrap_or_default();
    let u = uploads::save(
        &ctx,
        UPLOAD_KIND,
        &name,
        crate::registers::imports::domain::Source::Bytes(&bytes),
    )
    .await?;
    Ok(Redirect::to(&format!("/soa/import-2013/{}", u.id)).into_response())
}

/// How the review was asked for: what every import's review reads, and whether decided
/// controls are replaced.
struct Asked {
    read: crate::registers::imports::web::Asked,
    replace: bool,
}

impl Asked {
    fn from_pairs(pairs: &[(String, String)]) -> Asked {
        let replace = pairs
            .iter()
            .any(|(k, v)| k == "replace" && crate::registers::imports::web::is_ticked(v));
        Asked {
            read: crate::registers::imports::web::Asked::from_pairs(pairs),
            replace,
        }
    }
}

/// The upload, if it is one of this import's and the caller may see it: the person who
/// uploaded it, or an admin.
async fn own_upload(ctx: &Ctx, id: &str) -> Result<(Upload, Vec<u8>), Error> {
    let u = uploads::own(ctx, id).await?;
    if u.register != UPLOAD_KIND {
        return Err(Error::NotFound(format!("upload {id} of a 2013 SoA")));
    }
    let bytes = uploads::bytes(ctx, &u).await?;
    Ok((u, bytes))
}

/// One row of the draft table.
struct DraftRow {
    id: String,
    title: String,
    sources: String,
    decision: &'static str,
    status: String,
    status_key: &'static str,
    change: &'static str,
}

/// One control that needs a decision.
struct DecideRow {
    id: String,
    title: String,
    reasons: Vec<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "soa/migrate/templates/soa_import_review.html")]
struct ReviewPage {
    l: Layout,
    upload: Upload,
    choices: Vec<(&'static str, &'static str)>,
    columns: Vec<ColumnRow>,
    /// Every column's mapping as `Header=field`, carried to the import.
    map: Vec<String>,
    values: String,
    sheet: String,
    sheets: Vec<String>,
    replace: bool,
    header_row: usize,
    subheader_row: Option<usize>,
    rows: usize,
    ignored_rows: Option<(usize, usize)>,
    file: crate::registers::imports::web::FileReading,
    problems: Vec<String>,
    more_problems: usize,
    /// The dry run's report, or the import's once done.
    report: Option<SoaImportReport>,
    headings: String,
    drafts: Vec<DraftRow>,
    to_decide: Vec<DecideRow>,
    /// (how many, why in words) for each kind of reason a control needs a decision.
    kinds: Vec<(usize, &'static str)>,
    done: bool,
    file_error: Option<String>,
}

/// What each kind of `Why` means, for the review's summary, in the order it is shown.
fn kind_of(w: &Why) -> (usize, &'static str) {
    match w {
        Why::NewIn2022 => (0, "new in 2022"),
        Why::SourcesDisagree { .. } => (1, "their 2013 controls disagree"),
        Why::NoAnswer { .. } => (2, "2013 controls in the file without a decision"),
        Why::NotInFile { .. } => (3, "2013 controls that map to them are not in the file"),
        Why::ChooseReasons => (4, "applicable: reasons for inclusion to choose"),
        Why::JustifyExclusion => (5, "excluded without a justification"),
    }
}

async fn render_review(
    s: &AppState,
    caller: &Caller,
    upload: Upload,
    asked: &Asked,
    result: Result<Outcome, Error>,
    done: bool,
) -> PageResult {
    let l = layout(
        s,
        caller,
        &format!("Import {}", upload.file_name),
        "soa",
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
            "from the catalogue: not read",
        ),
        None => Reading::unread(asked.read.sheet.as_ref()),
    };
    let ok = outcome.as_ref().is_some_and(|o| o.ok());
    let status = if ok || done {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    let report = outcome.as_ref().and_then(|o| o.report.clone());
    let drafts = report
        .as_ref()
        .map(|r| {
            r.drafts
                .iter()
                .map(|d| {
                    let a = &d.applicability;
                    DraftRow {
                        id: d.control_id.clone(),
                        title: d.title.clone(),
                        sources: d
                            .sources
                            .iter()
                            .map(|x| shown(x))
                            .collect::<Vec<_>>()
                            .join(", "),
                        decision: match a.applicable {
                            Some(true) => "applicable",
                            Some(false) => "excluded",
                            None => "not decided",
                        },
                        status: if a.applicable.is_none() {
                            "—".into()
                        } else {
                            a.status.label().into()
                        },
                        status_key: a.status.key(),
                        change: match d.change.as_str() {
                            "create" => "new",
                            "update" => "replaces the decision",
                            _ => "unchanged",
                        },
                    }
                })
                .collect()
        })
        .unwrap_or_default();
    let to_decide: Vec<DecideRow> = report
        .as_ref()
        .map(|r| {
            r.needs_decision
                .iter()
                .map(|n| DecideRow {
                    id: n.control_id.clone(),
                    title: n.title.clone(),
                    reasons: n.reasons.clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    // How many controls need a decision for each kind of reason (a control counts once per kind).
    let mut counted: Vec<(usize, usize, &'static str)> = Vec::new();
    for n in report.iter().flat_map(|r| &r.needs_decision) {
        let mut seen: Vec<usize> = Vec::new();
        for (rank, text) in n.why.iter().map(kind_of) {
            if seen.contains(&rank) {
                continue;
            }
            seen.push(rank);
            match counted.iter_mut().find(|(r, _, _)| *r == rank) {
                Some((_, count, _)) => *count += 1,
                None => counted.push((rank, 1, text)),
            }
        }
    }
    counted.sort_unstable();
    let kinds: Vec<(usize, &'static str)> = counted.into_iter().map(|(_, n, t)| (n, t)).collect();
    let headings = report
        .as_ref()
        .map(|r| {
            r.headings
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default();
    Ok((
        status,
        ReviewPage {
            l,
            choices: soa_migrate::field_choices(),
            columns: reading.columns,
            map: reading.map,
            values: asked.read.values.clone(),
            sheet: reading.sheet,
            sheets: reading.sheets,
            replace: asked.replace,
            header_row: outcome.as_ref().map(|o| o.header_row).unwrap_or(0),
            subheader_row: outcome.as_ref().and_then(|o| o.subheader_row),
            rows: outcome.as_ref().map(|o| o.rows).unwrap_or(0),
            ignored_rows: outcome.as_ref().and_then(|o| o.ignored_rows),
            file: crate::registers::imports::web::FileReading::of(
                &asked.read,
                outcome.as_ref().and_then(|o| o.encoding.as_ref()),
                outcome
                    .as_ref()
                    .map(|o| o.warnings.as_slice())
                    .unwrap_or_default(),
            ),
            problems: reading.problems,
            more_problems: reading.more_problems,
            report,
            headings,
            drafts,
            to_decide,
            kinds,
            done,
            file_error,
            upload,
        },
    )
        .into_response())
}

/// The dry run of an upload with the mapping asked for in the query string.
pub async fn review(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (upload, bytes) = own_upload(&ctx, &id).await?;
    let params = Params::parse(raw.as_deref())?;
    let asked = Asked::from_pairs(params.pairs());
    let result =
        soa_migrate::run(&ctx, &bytes, &asked.read.options(true, None), asked.replace).await;
    render_review(&s, &caller, upload, &asked, result, false).await
}

/// Imports the upload as reviewed; all or nothing.
pub async fn apply(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let (upload, bytes) = own_upload(&ctx, &id).await?;
    let asked = Asked::from_pairs(form.pairs());
    let result = soa_migrate::run(
        &ctx,
        &bytes,
        &asked.read.options(false, Some(&id)),
        asked.replace,
    )
    .await;
    let done = result.as_ref().is_ok_and(|o| o.ok());
    render_review(&s, &caller, upload, &asked, result, done).await
}
