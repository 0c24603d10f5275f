//! The asset register (27002 5.9–5.13): assets with owner, custodian, location,
//! classification, CIA valuation, lifecycle, tags and dependencies; asset types and the
//! classification scheme.

pub mod api;
pub mod cli;
pub mod domain;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;

use crate::domain::user::EDITORS;
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations, each with who may call it.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let anyone = Access::SignedIn;
    Routes::new()
        .values(api::values())
        .live_values(api::live)
        .importer(&exchange::AssetImport)
        .get("/assets", anyone, pages::register)
        .post("/assets", editors, pages::create)
        .get("/assets/new", editors, pages::new_form)
        .get("/assets.csv", anyone, pages::export)
        .get("/assets.xlsx", anyone, pages::export)
        .post("/assets/bulk", editors, pages::bulk)
        .get("/assets/{id}", anyone, pages::record)
        .post("/assets/{id}", editors, pages::update)
        .get("/assets/{id}/edit", editors, pages::edit_form)
        .get("/assets/{id}/retire", editors, pages::retire_page)
        .post("/assets/{id}/retire", editors, pages::retire)
        .get("/settings/assets", anyone, pages::settings_page)
        .post("/settings/assets", editors, pages::settings_submit)
        .get("/assets/import", editors, upload_form)
        .post_stream("/assets/import", editors, upload)
        .api(anyone, routes!(api::list_assets))
        .api(editors, routes!(api::create_asset))
        .api(anyone, routes!(api::get_asset))
        .api(editors, routes!(api::update_asset))
        .api(editors, routes!(api::import_assets))
}
