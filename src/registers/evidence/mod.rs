//! The evidence vault (27002 5.28, 5.33): files and links that prove controls work, attached
//! to controls, measures and risks, with collected-at and valid-until dates; files kept by
//! their SHA-256, never overwritten (a new upload is a new version).

pub mod api;
pub mod cli;
pub mod domain;
pub mod pages;
pub mod service;
pub mod store;
pub mod web;

use crate::domain::user::OWNERS;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations, each with who may call it. Uploads stream (read
/// from the raw request), counted against the configured evidence limit.
pub fn routes() -> Routes {
    let owners = Access::Roles(OWNERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/evidence", anyone, pages::list)
        .post("/evidence", owners, pages::create)
        .get("/evidence/new", owners, pages::new_form)
        .get("/evidence/{id}", anyone, pages::record)
        .post("/evidence/{id}", owners, pages::update)
        .get("/evidence/{id}/edit", owners, pages::edit_form)
        .post("/evidence/{id}/versions", owners, pages::new_version)
        .get(
            "/evidence/{id}/versions/{version}/file",
            anyone,
            pages::download_page,
        )
        .values(api::values())
        .api(anyone, routes!(api::list_evidence))
        .api(owners, routes!(api::create_evidence))
        .api(anyone, routes!(api::get_evidence))
        .api(owners, routes!(api::update_evidence))
        .api(owners, routes!(api::add_evidence_version))
        .api(anyone, routes!(api::download_evidence))
}
