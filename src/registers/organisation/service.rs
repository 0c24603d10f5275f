//! The organisation's use cases: its name and the ISMS scope.

use crate::error::Result;
use crate::service::Ctx;

/// The organisation's name, as people read it in every page's frame.
pub async fn name(ctx: &Ctx) -> Result<String> {
    Ok(ctx
        .store()
        .organisation_name()
        .await?
        .unwrap_or_else(|| "Your organisation".into()))
}
