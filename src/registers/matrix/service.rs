//! The risk matrix's use cases: reading it, and replacing it (managers and admins) — checked
//! whole, the number of steps kept once risks are rated (no silent rescaling), every risk's
//! levels following the new grid in the same write, audited with the matrix before and after.

use super::domain::Matrix;
use super::store;
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision};
use crate::store::Tx;

/// The organisation's risk matrix (the default 5×5 when none was set).
#[tracing::instrument(name = "matrix.get", skip_all, fields(actor = %ctx.who()))]
pub async fn get(ctx: &Ctx) -> Result<Matrix> {
    ctx.require_reader()?;
    ctx.store().risk_matrix().await
}

/// The risk matrix with its revision (for a form or an `ETag`).
#[tracing::instrument(name = "matrix.get", skip_all, fields(actor = %ctx.who()))]
pub async fn get_revisioned(ctx: &Ctx) -> Result<(Matrix, i64)> {
    ctx.require_reader()?;
    ctx.store().risk_matrix_revision().await
}

/// Why the matrix may not be replaced by `matrix` now (risks rated on scales of another
/// size), if it may not: for a page to say so before anyone confirms.
pub async fn refusal(ctx: &Ctx, matrix: &Matrix) -> Result<Option<String>> {
    ctx.require_editor()?;
    let before = ctx.store().risk_matrix().await?;
    let risks = ctx.store().risk_count().await?;
    Ok(super::domain::rescaling_refusal(&before, matrix, risks))
}

/// Replaces the risk matrix after checking it; with `expected`, only the revision that was
/// read (a matrix changed since is not overwritten: 409 says who changed it). Answers the
/// matrix and its revision.
#[tracing::instrument(name = "risk_matrix.update", skip_all, fields(actor = %ctx.who()))]
pub async fn set(ctx: &Ctx, matrix: Matrix, expected: Expected) -> Result<(Matrix, i64)> {
    ctx.require_editor()?;
    matrix.validate()?;
    let mut tx = ctx.write().await?;
    let (before, revision) = store::lock_matrix(&mut tx).await?;
    check_revision(
        &mut tx,
        "risk_matrix",
        "1",
        "the risk matrix",
        revision,
        expected,
    )
    .await?;
    if before == matrix {
        return Ok((matrix, revision));
    }
    replace(ctx, &mut tx, &before, &matrix).await?;
    tx.commit().await?;
    Ok((matrix, revision + 1))
}

/// Writes `matrix` in place of `before` inside a write: refused when risks are rated on
/// scales of another size; every risk's levels follow the new grid; audited.
async fn replace(ctx: &Ctx, tx: &mut Tx, before: &Matrix, matrix: &Matrix) -> Result<()> {
    let risks = store::risks_rated(tx).await?;
    if let Some(why) = super::domain::rescaling_refusal(before, matrix, risks) {
        return Err(Error::Conflict(why));
    }
    store::write_matrix(tx, matrix).await?;
    // Ratings keep their values; the levels they give follow the new grid.
    crate::store::Store::relevel_risks(tx, matrix).await?;
    tx.audit(
        ctx.change("risk_matrix.update", "risk_matrix", "1")
            .before(before)
            .after(matrix),
    )
    .await?;
    Ok(())
}

/// Inside another write (a risk import): checks that the matrix is still the one the rows
/// were rated on (`rated_on`), and replaces it with `adopt` when one is given (the matrix a
/// file's own levels describe), with the same checks and audit as [`set`].
pub(crate) async fn keep_or_adopt(
    ctx: &Ctx,
    tx: &mut Tx,
    rated_on: &Matrix,
    adopt: Option<&Matrix>,
) -> Result<()> {
    let (before, _) = store::lock_matrix(tx).await?;
    if before != *rated_on {
        return Err(Error::Conflict(
            "the risk matrix was changed while the file was being imported, and the levels were worked out on the one before: import the file again".into(),
        ));
    }
    let Some(matrix) = adopt else {
        return Ok(());
    };
    ctx.require_editor()?;
    matrix.validate()?;
    if before != *matrix {
        replace(ctx, tx, &before, matrix).await?;
    }
    Ok(())
}
