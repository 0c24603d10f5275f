//! The catalogues' use cases: the frameworks and their controls, mappings between them, and
//! loading the catalogues compiled into the binary.

use crate::domain::catalog::Catalog;
use crate::error::Result;
use crate::service::Ctx;
use std::sync::Arc;

/// Every catalogue in the store, with its controls (a snapshot kept while the content holds).
pub async fn catalogs(ctx: &Ctx) -> Result<Vec<Arc<Catalog>>> {
    ctx.require_reader()?;
    ctx.store().catalogs().await
}

/// One catalogue with its controls.
pub async fn catalog(ctx: &Ctx, framework: &str) -> Result<Arc<Catalog>> {
    ctx.require_reader()?;
    ctx.store().catalog(framework).await
}
