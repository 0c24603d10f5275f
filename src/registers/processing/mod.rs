//! The record of processing activities (GDPR Art. 30, 27002 5.34): processing of personal
//! data with purposes and legal basis, data categories and data subjects, recipients and the
//! processors from the supplier register, transfers outside the EEA with their safeguard,
//! retention, the assets that hold the data, and the record exported as a supervisory
//! authority asks for it.

pub mod api;
pub mod cli;
pub mod domain;
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
        .get("/processing", anyone, pages::list)
        .get("/processing.csv", anyone, pages::export)
        .get("/processing.xlsx", anyone, pages::export)
        .importer(&exchange::ProcessingImport)
        .get("/processing/import", editors, upload_form)
        .post_upload("/processing/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/processing/new", editors, pages::new)
        .post("/processing", editors, pages::create)
        .get("/processing/{id}", anyone, pages::show)
        .post("/processing/{id}", editors, pages::update)
        .api(anyone, routes!(api::list_processing))
        .api(editors, routes!(api::create_processing))
        .api(editors, routes!(api::import_processing))
        .api(anyone, routes!(api::get_processing))
        .api(editors, routes!(api::update_processing))
}
