//! The use cases of importing spreadsheets: keeping an upload for its review (managers and
//! admins), reading it back (its uploader, or an admin), and importing a file into a register
//! through the register's importer — every row checked, then all written in one transaction.

use super::domain::Upload;
use crate::domain::user::EDITORS;
use crate::error::{Error, Result};
use crate::exchange::import::{self, Importer, Options, Outcome};
use crate::service::Ctx;

/// Keeps a file for import into a register; uploads older than a day go on the way.
/// `kind` is the importer's key (or `soa-2013` for the migration of a 2013 SoA).
#[tracing::instrument(name = "import.upload", skip_all, fields(actor = %ctx.who(), kind = %kind))]
pub async fn save(
    ctx: &Ctx,
    kind: &str,
    file_name: &str,
    content: super::domain::Source<'_>,
) -> Result<Upload> {
    ctx.require(EDITORS)?;
    ctx.store()
        .save_upload(ctx.who(), kind, file_name, content)
        .await
}

/// An upload, without its content, for the person who uploaded it (or an admin).
#[tracing::instrument(name = "imports.own", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn own(ctx: &Ctx, id: &str) -> Result<Upload> {
    ctx.require(EDITORS)?;
    let u = ctx.store().upload_meta(id).await?;
    if u.uploaded_by != ctx.who() && !ctx.actor.is_admin() {
        return Err(Error::Forbidden);
    }
    Ok(u)
}

/// An upload's content as an import reads it: in memory, or a temporary file streamed.
pub enum Content {
    Bytes(Vec<u8>),
    File(super::domain_spool::Spooled),
}

/// The content of an upload its caller owns (`own`): copied from the store to a temporary
/// file a part at a time when the import streams it (`stream`: a CSV file of any size), in
/// memory otherwise.
pub async fn content(ctx: &Ctx, upload: &Upload, stream: bool) -> Result<Content> {
    if !stream {
        return Ok(Content::Bytes(bytes(ctx, upload).await?));
    }
    ctx.require(EDITORS)?;
    let mut file = super::domain_spool::Spooled::create()?;
    ctx.store()
        .upload_parts(&upload.id, |part| {
            file.push(&part, u64::MAX, "import_max_mb")
        })
        .await?;
    file.finish();
    Ok(Content::File(file))
}

/// The whole content of an upload its caller owns (`own`), in memory; a file larger than a
/// spreadsheet may be is refused, naming the limit.
pub async fn bytes(ctx: &Ctx, upload: &Upload) -> Result<Vec<u8>> {
    ctx.require(EDITORS)?;
    let max = crate::exchange::sheet::MAX_FILE_BYTES;
    if upload.size > max as i64 {
        return Err(Error::field(
            "file",
            format!(
                "the file has {} MB: at most {} MB of this kind can be read at once",
                upload.size / (1024 * 1024),
                max / (1024 * 1024)
            ),
        ));
    }
    ctx.store().upload_bytes(&upload.id).await
}

/// Reads, checks and (unless a dry run) imports an upload's content into a register.
pub async fn import_content(
    ctx: &Ctx,
    importer: &dyn Importer,
    content: &Content,
    opts: &Options,
) -> Result<Outcome> {
    match content {
        Content::Bytes(b) => import(ctx, importer, b, opts).await,
        Content::File(f) => import_file(ctx, importer, f.path(), opts).await,
    }
}

/// Reads, checks and (unless a dry run) imports a file into a register: file-level problems
/// are errors, row problems are in the outcome (and then nothing was written).
#[tracing::instrument(name = "import.run", skip_all, fields(actor = %ctx.who(), register = importer.key(), dry_run = opts.dry_run))]
pub async fn import(
    ctx: &Ctx,
    importer: &dyn Importer,
    bytes: &[u8],
    opts: &Options,
) -> Result<Outcome> {
    ctx.require(EDITORS)?;
    import::run(ctx, importer, bytes, opts).await
}

/// Reads, checks and (unless a dry run) imports a file on disk (managers and admins): a CSV
/// file into a register that takes batches is streamed, whatever its size.
pub async fn import_file(
    ctx: &Ctx,
    importer: &dyn Importer,
    path: &std::path::Path,
    opts: &Options,
) -> Result<Outcome> {
    ctx.require(EDITORS)?;
    import::run_file(ctx, importer, path, opts).await
}

/// Ends an import's write: the reviewed upload it came from (if any) is consumed in the same
/// transaction, which then commits.
pub(crate) async fn commit(
    ctx: &Ctx,
    mut tx: crate::store::Tx,
    upload: Option<&str>,
) -> Result<()> {
    if let Some(id) = upload {
        super::store::consume(&mut tx, ctx.who(), id).await?;
    }
    tx.commit().await
}

/// Reads the controls of every row of an import against the catalogues (`A.8.5` is `8.5`),
/// and refuses the rows naming each unknown control with its row.
pub(crate) async fn check_row_controls<T>(
    ctx: &Ctx,
    rows: &mut [(usize, T)],
    controls: impl Fn(&mut T) -> &mut Vec<crate::domain::catalog::ControlRef>,
) -> Result<()> {
    let catalogs = ctx.store().catalogs().await?;
    let labelled: Vec<(String, &[crate::domain::catalog::ControlRef])> = rows
        .iter_mut()
        .map(|(r, d)| {
            let refs = controls(d);
            crate::domain::catalog::resolve_control_refs(&catalogs, refs);
            (format!("row {r}, "), refs.as_slice())
        })
        .collect();
    crate::domain::catalog::check_control_refs(&catalogs, &labelled)
}

/// Ends a register's import transaction: a dry run answers its report having written
/// nothing; a write consumes the reviewed upload it came from and commits.
pub(crate) async fn finish(
    ctx: &Ctx,
    mut tx: crate::store::Tx,
    dry_run: bool,
    upload: Option<&str>,
    report: crate::domain::ImportReport,
) -> Result<crate::domain::ImportReport> {
    if dry_run {
        return Ok(report);
    }
    if let Some(id) = upload {
        super::store::consume(&mut tx, ctx.who(), id).await?;
    }
    tx.commit().await?;
    Ok(report)
}

/// Removes uploads whose review was left for more than a day (the scheduler, daily); answers
/// how many.
#[tracing::instrument(name = "imports.purge", skip_all, fields(actor = %ctx.who()))]
pub async fn purge(ctx: &Ctx) -> Result<u64> {
    ctx.require(crate::domain::user::ADMIN)?;
    ctx.store().purge_uploads().await
}
