//! The scheduler: jobs Annex runs by itself (digests, escalations, deadline warnings, stale
//! hosts, indicators, upload clean-up, the outbox), each on one instance at a time through a
//! lease in the database, with their last and next runs for admins.

pub mod api;
pub mod cli;
pub mod domain;
pub mod pages;
pub mod service;
pub mod store;

use crate::domain::user::ADMIN;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// Admins only.
pub fn routes() -> Routes {
    let admins = Access::Roles(ADMIN);
    Routes::new()
        .get("/admin/jobs", admins, pages::page)
        .post("/admin/jobs/{name}/run", admins, pages::run)
        .api(admins, routes!(api::list_jobs))
        .api(admins, routes!(api::run_job))
}
