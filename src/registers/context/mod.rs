//! The organisation's context (27001 4.1, 4.3): the internal and external issues that bear on
//! the ISMS, and the scope statement, written and approved as versions.

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

/// The register's pages and API operations: managers and admins write and approve, everyone
/// signed in reads.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/context", anyone, pages::list)
        .get("/context/issues.csv", anyone, pages::export)
        .get("/context/issues.xlsx", anyone, pages::export)
        .importer(&exchange::IssueImport)
        .get("/context/issues/import", editors, upload_form)
        .post_upload("/context/issues/import", editors, upload, MAX_UPLOAD_BYTES)
        .post("/context/issues", editors, pages::create)
        .get("/context/issues/{id}", anyone, pages::show)
        .post("/context/issues/{id}", editors, pages::update)
        .get("/context/scope", anyone, pages::scope)
        .post("/context/scope", editors, pages::update_scope)
        .post("/context/scope/approve", editors, pages::approve_scope)
        .get("/context/scope/versions/{n}", anyone, pages::scope_version)
        .api(anyone, routes!(api::list_issues))
        .api(editors, routes!(api::create_issue))
        .api(editors, routes!(api::import_issues))
        .api(anyone, routes!(api::get_issue))
        .api(editors, routes!(api::update_issue))
        .api(anyone, routes!(api::get_scope))
        .api(editors, routes!(api::update_scope))
        .api(editors, routes!(api::approve_scope))
        .api(anyone, routes!(api::list_scope_versions))
        .api(anyone, routes!(api::get_scope_version))
}
