//! The risk matrix's use cases: reading it, and replacing it (managers and admins) — checked
//! whole, the number of steps kept once risks are rated (no silent rescaling), every risk's
//! levels following the new grid in the same write, audited with the matrix before and after.

use super::domain::Matrix;
use super::store;
use crate::error::{Error, Result};
use crate::service::Ctx;

/// The organisation's risk matrix (the default 5×5 when none was set).
#[tracing::instrument(name = "matrix.get", skip_all, fields(actor = %ctx.who()))]
pub async fn get(ctx: &Ctx) -> Result<Matrix> {
    ctx.require_reader()?;
    ctx.store().risk_matrix().await
}

/// Replaces the risk matrix after checking it.
#[tracing::instrument(name = "risk_matrix.update", skip_all, fields(actor = %ctx.who()))]
pub async fn set(ctx: &Ctx, matrix: Matrix) -> Result<Matrix> {
    ctx.require_editor()?;
    matrix.validate()?;
    let mut tx = ctx.write().await?;
    let before = store::read_matrix(&mut tx).await?;
    if before == matrix {
        return Ok(matrix);
    }
    let risks = store::risks_rated(&mut tx).await?;
    if risks > 0
        && (before.likelihood.len() != matrix.likelihood.len()
            || before.impact.len() != matrix.impact.len())
    {
        return Err(Error::Conflict(format!(
            "{risks} risks are rated on the current {}×{} scales: changing the number of likelihood or impact steps would silently rescale them. Keep the scales' sizes (names, descriptions, colours and the grid can change), or re-rate the risks on a new matrix first",
            before.likelihood.len(),
            before.impact.len()
        )));
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
    Ok(matrix)
}
