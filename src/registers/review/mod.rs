//! Management review (27001 9.3): reviews whose input pack is generated from the registers
//! for every input the clause names and frozen by its SHA-256 when held, with their decisions
//! and the actions they decide on.

pub mod api;
pub mod cli;
pub mod domain;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod service_pack;
pub mod service_pdf;
pub mod store;

use crate::domain::user::{EDITORS, OWNERS};
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations: managers and admins plan, hold and decide; an
/// action's owner marks it done; everyone signed in reads.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let owners = Access::Roles(OWNERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/reviews", anyone, pages::list)
        .post("/reviews", editors, pages::create)
        .get("/reviews.csv", anyone, pages::export)
        .get("/reviews.xlsx", anyone, pages::export)
        .importer(&exchange::ReviewImport)
        .get("/reviews/import", editors, upload_form)
        .post_upload("/reviews/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/review-actions.csv", anyone, pages::export_actions)
        .get("/review-actions.xlsx", anyone, pages::export_actions)
        .importer(&exchange::ReviewActionImport)
        .get("/review-actions/import", editors, upload_form)
        .post_upload("/review-actions/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/reviews/{id}", anyone, pages::show)
        .post("/reviews/{id}", editors, pages::update)
        .post("/reviews/{id}/hold", editors, pages::hold)
        .post("/reviews/{id}/actions", editors, pages::create_action)
        .get("/reviews/{id}/pack.pdf", anyone, pages::pack_pdf)
        .post("/review-actions/{id}", owners, pages::update_action)
        .api(anyone, routes!(api::list_reviews))
        .api(editors, routes!(api::create_review))
        .api(editors, routes!(api::import_reviews))
        .api(anyone, routes!(api::list_review_actions))
        .api(editors, routes!(api::import_review_actions))
        .api(anyone, routes!(api::get_review))
        .api(editors, routes!(api::update_review))
        .api(editors, routes!(api::hold_review))
        .api(anyone, routes!(api::get_pack_pdf))
        .api(editors, routes!(api::create_review_action))
        .api(anyone, routes!(api::get_review_action))
        .api(owners, routes!(api::update_review_action))
}
