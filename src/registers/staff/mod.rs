//! The staff directory (27002 6.1–6.7; 27001 7.2): everyone who works for the organisation,
//! separate from user accounts (most staff never sign in), imported from HR exports, with
//! their screening, terms, NDA and remote-working agreement, and the onboarding and
//! offboarding checklists (6.5, 5.11, 5.18) made when they start or leave. It is personal
//! data: managers, admins and auditors read it.

pub mod api;
pub mod cli;
pub mod domain;
pub mod domain_checklist;
pub mod exchange;
pub mod pages;
pub mod pages_link;
pub mod service;
pub mod service_link;
pub mod store;
pub mod store_checklist;

use crate::domain::user::EDITORS;
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations, each with who may call it. Ticking a checklist
/// step is open to everyone signed in: the use case lets the step's owner and editors.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let readers = Access::Roles(service::STAFF_READERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .values(api::values())
        .importer(&exchange::PersonImport)
        .get("/people", readers, pages::register)
        .post("/people", editors, pages::create)
        .get("/people/new", editors, pages::new_form)
        .get("/people.csv", readers, pages::export)
        .get("/people.xlsx", readers, pages::export)
        .get("/people/import", editors, upload_form)
        .post_upload("/people/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/people/checklists", readers, pages::checklists_page)
        .post("/people/checklists", editors, pages::template_submit)
        .get("/people/{id}", readers, pages::record)
        .post("/people/{id}", editors, pages::update)
        .get("/people/{id}/edit", editors, pages::edit_form)
        .post(
            "/people/{id}/checklists/{checklist}/steps/{number}",
            anyone,
            pages::tick,
        )
        .post("/people/{id}/link", editors, pages_link::make_link)
        .get("/for/{token}", Access::Public, pages_link::link_page)
        .post(
            "/for/{token}/documents/{document}",
            Access::Public,
            pages_link::link_acknowledge,
        )
        .get(
            "/for/{token}/documents/{document}/file",
            Access::Public,
            pages_link::link_file,
        )
        .get(
            "/for/{token}/training/{module}/material",
            Access::Public,
            pages_link::link_material,
        )
        .post(
            "/for/{token}/training/{module}",
            Access::Public,
            pages_link::link_complete,
        )
        .api(readers, routes!(api::list_people))
        .api(editors, routes!(api::make_link))
        .api(editors, routes!(api::create_person))
        .api(readers, routes!(api::get_person))
        .api(editors, routes!(api::update_person))
        .api(readers, routes!(api::list_checklists))
        .api(anyone, routes!(api::tick_step))
        .api(editors, routes!(api::import_people))
}
