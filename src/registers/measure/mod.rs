//! Measures: the organisation's own actions that implement controls and treat risks (the
//! treatment plan), with owner, status, due date, effort and cost.

pub mod api;
pub mod cli;
pub mod domain;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;

use crate::domain::user::{EDITORS, OWNERS};
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations, each with who may call it.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let owners = Access::Roles(OWNERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .values(api::values())
        .importer(&exchange::MeasureImport)
        .get("/measures", anyone, pages::register)
        .post("/measures", editors, pages::create)
        .get("/measures/new", editors, pages::new_form)
        .get("/measures.csv", anyone, pages::export)
        .get("/measures.xlsx", anyone, pages::export)
        .get("/measures/{id}", anyone, pages::record)
        .post("/measures/{id}", owners, pages::update)
        .get("/measures/{id}/edit", owners, pages::edit_form)
        .get("/measures/import", editors, upload_form)
        .post_upload("/measures/import", editors, upload, MAX_UPLOAD_BYTES)
        .api(anyone, routes!(api::list_measures))
        .api(editors, routes!(api::create_measure))
        .api(anyone, routes!(api::get_measure))
        .api(owners, routes!(api::update_measure))
        .api(editors, routes!(api::import_measures))
}
