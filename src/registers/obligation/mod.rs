//! Obligations (27002 5.31–5.34, 27001 4.2): the legal, regulatory and contractual
//! requirements the organisation is bound by, the controls that satisfy each (from which the
//! Statement of Applicability derives its reasons for inclusion, each obligation named), their
//! compliance and evidence, and a starter list of common obligations, off until added.

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
        .get("/obligations", anyone, pages::list)
        .get("/obligations.csv", anyone, pages::export)
        .get("/obligations.xlsx", anyone, pages::export)
        .importer(&exchange::ObligationImport)
        .get("/obligations/import", editors, upload_form)
        .post_upload("/obligations/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/obligations/new", editors, pages::new)
        .post("/obligations", editors, pages::create)
        .get("/obligations/{id}", anyone, pages::show)
        .post("/obligations/{id}", editors, pages::update)
        .api(anyone, routes!(api::list_obligations))
        .api(anyone, routes!(api::list_starters))
        .api(editors, routes!(api::create_obligation))
        .api(editors, routes!(api::import_obligations))
        .api(anyone, routes!(api::get_obligation))
        .api(editors, routes!(api::update_obligation))
}
