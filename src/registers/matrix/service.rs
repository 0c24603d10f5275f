//! The risk matrix's use cases: reading it, and replacing it (managers and admins) — checked
//! whole, the number of steps kept once risks are rated (no silent rescaling), every risk's
//! levels following the new grid in the same write, audited with the matrix before and after.

use super::domain::Matrix;
use super::store;
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision};

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
    let risks = store::risks_rated(&mut tx).await?;
    if let Some(why) = super::domain::rescaling_refusal(&before, &matrix, risks) {
        return Err(Error::Conflict(why));
    }
    store::write_matrix(&mut tx, &matrix).await?;
    // Ratings keep their values; the levels they give follow the new grid.
    crate::store::Store::relevel_risks(&mut tx, &matrix).await?;
    tx.audit(
        ctx.change("risk_matrix.update", "risk_matrix", "1")
            .before(&before)
            .after(&matrix),
    )
    .await?;
    tx.commit().await?;
    Ok((matrix, revision + 1))
}
