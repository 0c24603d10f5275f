//! Roles and responsibilities of the ISMS (27001 5.3): the roles, who holds them, and the
//! ownership view derived from every register.

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
        .get("/roles", anyone, pages::list)
        .get("/roles.csv", anyone, pages::export)
        .get("/roles.xlsx", anyone, pages::export)
        .importer(&exchange::RoleImport)
        .get("/roles/import", editors, upload_form)
        .post_upload("/roles/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/roles/ownership", anyone, pages::ownership)
        .get("/roles/ownership.csv", anyone, pages::export_ownership)
        .get("/roles/ownership.xlsx", anyone, pages::export_ownership)
        .post("/roles", editors, pages::create)
        .get("/roles/{id}", anyone, pages::show)
        .post("/roles/{id}", editors, pages::update)
        .api(anyone, routes!(api::list_roles))
        .api(editors, routes!(api::create_role))
        .api(editors, routes!(api::import_roles))
        .api(anyone, routes!(api::get_ownership))
        .api(anyone, routes!(api::get_role))
        .api(editors, routes!(api::update_role))
}
