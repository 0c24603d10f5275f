//! Nonconformities and corrective action (27001 10.2) and the improvement log (10.1): what
//! does not conform, from audit findings, incidents, failed scans, complaints or by hand; its
//! correction, five whys and root cause; corrective actions with owners and due days; the
//! review of their effectiveness that closes it.

pub mod api;
pub mod cli;
pub mod domain;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;
pub mod web;

use crate::domain::user::{EDITORS, Role};
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// Who may raise a nonconformity or work on one they own (the use case checks ownership).
const WORKERS: &[Role] = &[Role::Admin, Role::Manager, Role::Contributor, Role::Auditor];

/// The register's pages and API operations: managers and admins raise, import and review;
/// auditors and contributors raise and work on what they own; everyone signed in reads.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let workers = Access::Roles(WORKERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/nonconformities", anyone, pages::list)
        .post("/nonconformities", workers, pages::create)
        .get("/nonconformities.csv", anyone, pages::export)
        .get("/nonconformities.xlsx", anyone, pages::export)
        .importer(&exchange::NonconformityImport)
        .get("/nonconformities/import", editors, upload_form)
        .post_upload("/nonconformities/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/nonconformities/{id}", anyone, pages::show)
        .post("/nonconformities/{id}", workers, pages::update)
        .post("/nonconformities/{id}/review", editors, pages::review)
        .post(
            "/nonconformities/{id}/actions",
            workers,
            pages::create_action,
        )
        .get("/corrective-actions", anyone, pages::actions)
        .get("/corrective-actions.csv", anyone, pages::export_actions)
        .get("/corrective-actions.xlsx", anyone, pages::export_actions)
        .importer(&exchange::ActionImport)
        .get("/corrective-actions/import", editors, upload_form)
        .post_upload(
            "/corrective-actions/import",
            editors,
            upload,
            MAX_UPLOAD_BYTES,
        )
        .get("/corrective-actions/{id}", anyone, pages::show_action)
        .post("/corrective-actions/{id}", workers, pages::update_action)
        .get("/improvements", anyone, pages::improvements)
        .get("/improvements.csv", anyone, pages::export_improvements)
        .get("/improvements.xlsx", anyone, pages::export_improvements)
        .api(anyone, routes!(api::list_nonconformities))
        .api(workers, routes!(api::create_nonconformity))
        .api(editors, routes!(api::import_nonconformities))
        .api(anyone, routes!(api::get_nonconformity))
        .api(workers, routes!(api::update_nonconformity))
        .api(editors, routes!(api::review_nonconformity))
        .api(anyone, routes!(api::list_actions))
        .api(workers, routes!(api::create_action))
        .api(editors, routes!(api::import_actions))
        .api(anyone, routes!(api::get_action))
        .api(workers, routes!(api::update_action))
        .api(anyone, routes!(api::list_improvements))
}
