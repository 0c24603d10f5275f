//! Preparing Annex for any command: the data dir, the store (created and migrated if needed)
//! and the catalogues compiled into the binary.

use crate::config::Config;
use crate::domain::catalog::{BUILTIN_FRAMEWORKS, builtin_frameworks, builtin_mappings};
use crate::domain::clock::Clock;
use crate::store::{CatalogLoad, Store};
use anyhow::Context;

/// The actor recorded in the audit trail for what Annex does by itself.
pub const SYSTEM_ACTOR: &str = "system";

/// Creates the data dir and database if missing, applies migrations, loads the catalogues.
/// Running it twice changes nothing the second time.
pub async fn prepare(config: &Config, clock: Clock) -> anyhow::Result<(Store, CatalogLoad)> {
    std::fs::create_dir_all(&config.data_dir)
        .with_context(|| format!("creating the data dir {}", config.data_dir.display()))?;
    let store = Store::open(&config.database_url, config.data_dir.join("backups"), clock).await?;
    let report = load_builtin_catalogs(&store).await?;
    Ok((store, report))
}

/// Opens the store without loading catalogues (commands that only read or manage users).
pub async fn open(config: &Config) -> anyhow::Result<Store> {
    Ok(prepare(config, Clock::system()).await?.0)
}

pub async fn load_builtin_catalogs(store: &Store) -> anyhow::Result<CatalogLoad> {
    let frameworks = builtin_frameworks()?;
    let texts: Vec<&str> = BUILTIN_FRAMEWORKS.iter().map(|(_, t)| *t).collect();
    let mappings = builtin_mappings()?;
    store
        .load_catalogs(SYSTEM_ACTOR, &frameworks, &texts, &mappings)
        .await
        .context("loading the built-in catalogues")
}
