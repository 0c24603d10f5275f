//! Interested parties (27001 4.2): who has a stake in the ISMS, what they need of it,
//! whether the ISMS addresses it, and the obligations their requirements are written in.

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
        .get("/parties", anyone, pages::list)
        .get("/parties.csv", anyone, pages::export)
        .get("/parties.xlsx", anyone, pages::export)
        .importer(&exchange::PartyImport)
        .get("/parties/import", editors, upload_form)
        .post_upload("/parties/import", editors, upload, MAX_UPLOAD_BYTES)
        .post("/parties", editors, pages::create)
        .get("/parties/{id}", anyone, pages::show)
        .post("/parties/{id}", editors, pages::update)
        .api(anyone, routes!(api::list_parties))
        .api(editors, routes!(api::create_party))
        .api(editors, routes!(api::import_parties))
        .api(anyone, routes!(api::get_party))
        .api(editors, routes!(api::update_party))
}
