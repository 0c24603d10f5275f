//! The risk register: scenario-based risks on assets (threat, vulnerability, consequence),
//! rated inherent, current and residual on the organisation's matrix, treated by measures,
//! accepted by their owner; the heat map; the threat and vulnerability library.

pub mod api;
pub mod cli;
pub mod domain;
pub mod domain_threat;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;

use crate::domain::user::{EDITORS, OWNERS};
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations, each with who may call it.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let owners = Access::Roles(OWNERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .importer(&exchange::RiskImport)
        .values(api::values())
        .live_values(api::live)
        .get("/risks", anyone, pages::register)
        .post("/risks", editors, pages::create)
        .get("/risks/new", editors, pages::new_form)
        .get("/risks.csv", anyone, pages::export)
        .get("/risks.xlsx", anyone, pages::export)
        .get("/risks/heat-map", anyone, pages::heat_map)
        .get("/risks/library", anyone, pages::library)
        .get("/risks/{id}", anyone, pages::record)
        .post("/risks/{id}", owners, pages::update)
        .get("/risks/{id}/edit", owners, pages::edit_form)
        .post("/risks/{id}/accept", owners, pages::accept)
        .get(
            "/risks/import",
            editors,
            crate::registers::imports::pages::upload_form,
        )
        .post_stream(
            "/risks/import",
            editors,
            crate::registers::imports::pages::upload,
        )
        .api(anyone, routes!(api::list_risks))
        .api(editors, routes!(api::create_risk))
        .api(anyone, routes!(api::get_risk))
        .api(owners, routes!(api::update_risk))
        .api(owners, routes!(api::accept_risk))
        .api(anyone, routes!(api::list_acceptances))
        .api(anyone, routes!(api::threat_library))
        .api(editors, routes!(api::import_risks))
}
