//! Suppliers (27002 5.19–5.23): the supplier register with each supplier's services, owner,
//! criticality (derived from the data it accesses and the processes that depend on it, with
//! an override and its reason), contract and its security clauses, certifications and their
//! expiry, cloud services with their shared responsibility and exit plan, and review cycle.

pub mod api;
pub mod cli;
pub mod domain;
pub mod domain_assessment;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;

use crate::domain::user::EDITORS;
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations: managers and admins write, everyone signed in
/// reads.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/suppliers", anyone, pages::list)
        .get("/suppliers.csv", anyone, pages::export)
        .get("/suppliers.xlsx", anyone, pages::export)
        .importer(&exchange::SupplierImport)
        .get("/suppliers/import", editors, upload_form)
        .post_upload("/suppliers/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/suppliers/new", editors, pages::new)
        .post("/suppliers", editors, pages::create)
        .get("/suppliers/{id}", anyone, pages::show)
        .post("/suppliers/{id}", editors, pages::update)
        .api(anyone, routes!(api::list_suppliers))
        .api(editors, routes!(api::create_supplier))
        .api(editors, routes!(api::import_suppliers))
        .api(anyone, routes!(api::get_supplier))
        .api(editors, routes!(api::update_supplier))
}
