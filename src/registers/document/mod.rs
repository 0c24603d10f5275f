//! Documents of the ISMS (27001 7.5; 27002 5.1, 5.37): the information security policy,
//! topic-specific policies, procedures, standards and plans, with owners, approvers and
//! review cycles; their versions written in Markdown, approved (frozen by the SHA-256 of
//! their text) and published; and the policy templates Annex ships in its own words.

pub mod api;
pub mod cli;
pub mod domain;
pub mod domain_ack;
pub mod domain_template;
pub mod domain_text;
pub mod exchange;
pub mod exchange_version;
pub mod pages;
pub mod pages_ack;
pub mod service;
pub mod service_ack;
pub mod store;
pub mod store_ack;

use crate::domain::user::{EDITORS, OWNERS};
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations, each with who may call it. The workflow's steps
/// are open to everyone signed in: the use case decides (the approver approves, the owner
/// submits and publishes, managers retire).
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let owners = Access::Roles(OWNERS);
    let anyone = Access::SignedIn;
    let staff_readers = Access::Roles(crate::registers::staff::service::STAFF_READERS);
    Routes::new()
        .values(api::values())
        .importer(&exchange::DocumentImport)
        .get("/documents", anyone, pages::register)
        .post("/documents", editors, pages::create)
        .get("/documents/new", editors, pages::new_form)
        .get("/documents.csv", anyone, pages::export)
        .get("/documents.xlsx", anyone, pages::export)
        .get("/documents/import", editors, upload_form)
        .post_upload("/documents/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/documents/{id}", anyone, pages::record)
        .post("/documents/{id}", owners, pages::update)
        .get("/documents/{id}/edit", owners, pages::edit_form)
        .get("/documents/{id}/text", owners, pages::text_form)
        .post("/documents/{id}/text", owners, pages::text_submit)
        .post("/documents/{id}/step", anyone, pages::step)
        .get("/documents/{id}/versions/{n}", anyone, pages::version)
        .get(
            "/documents/{id}/versions/{n}/markdown",
            anyone,
            pages::markdown,
        )
        .get("/documents/{id}/versions/{n}/pdf", anyone, pages::pdf)
        .get("/documents/{id}/versions/{n}/docx", anyone, pages::docx)
        .get(
            "/documents/{id}/versions/{n}/file",
            anyone,
            pages::version_file,
        )
        .post("/documents/{id}/file", owners, pages::upload_file)
        .post("/documents/{id}/file/remove", owners, pages::remove_file)
        .get("/documents/{id}/compare", anyone, pages::compare_page)
        .post(
            "/documents/{id}/acknowledgement",
            owners,
            pages_ack::set_rule,
        )
        .post(
            "/documents/{id}/acknowledge",
            anyone,
            pages_ack::acknowledge,
        )
        .get(
            "/documents/{id}/acknowledgements",
            staff_readers,
            pages_ack::status_page,
        )
        .get(
            "/documents/{id}/acknowledgements.csv",
            staff_readers,
            pages_ack::export,
        )
        .post("/documents/{id}/reminders", editors, pages_ack::reminders)
        .api(anyone, routes!(api::list_documents))
        .api(editors, routes!(api::create_document))
        .api(anyone, routes!(api::list_templates))
        .api(anyone, routes!(api::get_document))
        .api(owners, routes!(api::update_document))
        .api(anyone, routes!(api::list_versions))
        .api(owners, routes!(api::write_text))
        .api(owners, routes!(api::upload_file))
        .api(owners, routes!(api::remove_file))
        .api(anyone, routes!(api::version_file))
        .api(anyone, routes!(api::export_version))
        .api(editors, routes!(api::import_documents))
        .api(anyone, routes!(api::take_step))
        .api(anyone, routes!(api::get_ack_summary))
        .api(owners, routes!(api::set_ack_rule))
        .api(staff_readers, routes!(api::list_acks))
        .api(anyone, routes!(api::acknowledge))
}
