//! A review's input pack as a PDF (beside the use cases, as it reads the exchange layer that
//! the register's importer also reaches: no import cycle).

use super::service::get;
use crate::error::Result;
use crate::service::Ctx;

/// The pack of a review as a PDF: (file name, bytes).
#[tracing::instrument(name = "review.pdf", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn pack_pdf(ctx: &Ctx, id: &str) -> Result<(String, Vec<u8>)> {
    let r = get(ctx, id).await?;
    let org = crate::registers::organisation::service::name(ctx).await?;
    let bytes = super::exchange::pack_pdf(&org, &r, &ctx.now())?;
    Ok((format!("{id}-input-pack.pdf"), bytes))
}
