//! Business continuity (27002 5.29, 5.30, 8.13, 8.14): business processes with their business
//! impact analysis and dependencies, their continuity plans (documents, versioned and approved
//! as every document is), the recovery times each asset must meet and the gaps against its
//! last restore test, a dependency view, and exercises that count as evidence.

pub mod api;
pub mod cli;
pub mod domain;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;
pub mod web;

use crate::domain::user::{EDITORS, OWNERS};
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations: processes and plans are managers' and admins';
/// exercises are recorded by contributors too; everyone signed in reads.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let owners = Access::Roles(OWNERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/continuity", anyone, pages::overview)
        .importer(&exchange::ProcessImport)
        .get(
            "/continuity/dependencies.svg",
            anyone,
            pages::dependencies_svg,
        )
        .get("/continuity/processes.csv", anyone, pages::export_processes)
        .get(
            "/continuity/processes.xlsx",
            anyone,
            pages::export_processes,
        )
        .get("/continuity/processes", anyone, pages::overview)
        .get("/continuity/processes/import", editors, upload_form)
        .post_upload(
            "/continuity/processes/import",
            editors,
            upload,
            MAX_UPLOAD_BYTES,
        )
        .get("/continuity/processes/new", editors, pages::new_process)
        .post("/continuity/processes", editors, pages::create_process)
        .get("/continuity/processes/{id}", anyone, pages::process)
        .post("/continuity/processes/{id}", editors, pages::update_process)
        .post("/continuity/processes/{id}/plans", editors, pages::add_plan)
        .get("/continuity/exercises", anyone, pages::exercises)
        .get("/continuity/exercises.csv", anyone, pages::export_exercises)
        .get(
            "/continuity/exercises.xlsx",
            anyone,
            pages::export_exercises,
        )
        .post("/continuity/exercises", owners, pages::record_exercise)
        .importer(&exchange::ExerciseImport)
        .get("/continuity/exercises/import", editors, upload_form)
        .post_upload(
            "/continuity/exercises/import",
            editors,
            upload,
            MAX_UPLOAD_BYTES,
        )
        .get("/continuity/exercises/{id}", anyone, pages::exercise)
        .api(anyone, routes!(api::list_processes))
        .api(editors, routes!(api::create_process))
        .api(editors, routes!(api::import_processes))
        .api(anyone, routes!(api::get_process))
        .api(editors, routes!(api::update_process))
        .api(editors, routes!(api::add_plan))
        .api(anyone, routes!(api::list_requirements))
        .api(anyone, routes!(api::list_exercises))
        .api(owners, routes!(api::record_exercise))
        .api(editors, routes!(api::import_exercises))
        .api(anyone, routes!(api::get_exercise))
}
