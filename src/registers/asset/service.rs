//! The asset register's use cases.

use crate::error::Result;
use crate::service::Ctx;

/// (id, name) of the assets with these ids that exist, by id.
pub async fn names(ctx: &Ctx, ids: &[String]) -> Result<Vec<(String, String)>> {
    ctx.require_reader()?;
    ctx.store().asset_names(ids).await
}

/// Asset ids for references that are ids or names: a name that matches exactly one asset
/// (case ignored) gives its id (imports name affected assets either way).
pub async fn ids_for(
    ctx: &Ctx,
    refs: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    ctx.require_reader()?;
    ctx.store().asset_ids_for(refs).await
}
