//! The application assembled: preparing Annex for any command (the data dir, the store
//! created and migrated if needed, the catalogues compiled into the binary), the router and
//! the access policy put together from every register's routes, the `annex` command line
//! (`cli`) and `annex serve` (`serve`). Nothing else depends on this module.

pub mod cli;
pub mod serve;

use crate::config::Config;
use crate::domain::catalog::{BUILTIN_FRAMEWORKS, builtin_frameworks, builtin_mappings};
use crate::domain::clock::Clock;
use crate::service::{SYSTEM_ACTOR, Services};
use crate::store::{CatalogLoad, Store};
use crate::web::{AppState, Policy, Routes, Rule};
use anyhow::Context;
use axum::Router;
use std::sync::Arc;

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

/// Every route of Annex with its access rule: each register's pages and API operations, the
/// core routes and the API's OpenAPI document.
fn routes() -> Routes {
    Routes::with_openapi(crate::web::json::doc())
        .merge(crate::registers::routes())
        .merge(crate::web::core_routes())
}

/// The access policy of every route (what the guard enforces; walked by the role test).
pub fn policy() -> Vec<Rule> {
    routes().into_parts().rules
}

/// The API's document as served: what the routes declare, completed with the answers every
/// operation can give and the fixed closed lists; the organisation's own lists are added per
/// request for a signed-in caller (`web::api_reference::ApiDocument::for_caller`).
fn api_document(
    openapi: &mut utoipa::openapi::OpenApi,
    rules: &[Rule],
    values: &[crate::web::vocabulary::Values],
) -> serde_json::Value {
    crate::web::json::complete(openapi, rules);
    let mut doc = serde_json::to_value(&*openapi).unwrap_or_default();
    crate::web::vocabulary::apply_all(&mut doc, values.iter().cloned());
    doc
}

/// The router of `annex serve` (and of the tests), on a store with its configuration.
pub fn router(store: Store, config: crate::config::Config) -> Router {
    let parts = routes().into_parts();
    let rules = parts.rules;
    let (router, mut openapi) = parts.router.split_for_parts();
    let base = api_document(&mut openapi, &rules, &parts.values);
    let importers = parts.importers;
    let state = AppState {
        services: Services::configured(store, &config),
        config: Arc::new(config),
        policy: Arc::new(Policy::new(rules)),
        importers,
        api: Arc::new(crate::web::api_reference::ApiDocument::new(
            base, parts.live,
        )),
    };
    crate::web::finish(router, state)
}
