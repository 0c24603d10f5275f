//! Suppliers (27002 5.19–5.23): the supplier register with each supplier's services, owner,
//! criticality (derived from the data it accesses and the processes that depend on it, with
//! an override and its reason), contract and its security clauses, certifications and their
//! expiry, cloud services with their shared responsibility and exit plan, and review cycle.

pub mod api;
pub mod api_assessment;
pub mod cli;
pub mod cli_assessment;
pub mod domain;
pub mod domain_assessment;
pub mod domain_questionnaire;
pub mod exchange;
pub mod exchange_questionnaire;
pub mod pages;
pub mod pages_assessment;
pub mod pages_questionnaire;
pub mod service;
pub mod service_assessment;
pub mod store;
pub mod store_assessment;

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
        .get("/suppliers", anyone, pages::list)
        .get("/suppliers.csv", anyone, pages::export)
        .get("/suppliers.xlsx", anyone, pages::export)
        .importer(&exchange::SupplierImport)
        .get("/suppliers/import", editors, upload_form)
        .post_upload("/suppliers/import", editors, upload, MAX_UPLOAD_BYTES)
        .get(
            "/suppliers/questionnaires",
            anyone,
            pages_questionnaire::list,
        )
        .get(
            "/suppliers/questionnaires.csv",
            anyone,
            pages_questionnaire::export,
        )
        .get(
            "/suppliers/questionnaires.xlsx",
            anyone,
            pages_questionnaire::export,
        )
        .importer(&exchange_questionnaire::QuestionnaireImport)
        .get("/suppliers/questionnaires/import", editors, upload_form)
        .post_upload(
            "/suppliers/questionnaires/import",
            editors,
            upload,
            MAX_UPLOAD_BYTES,
        )
        .get(
            "/suppliers/questionnaires/{key}",
            anyone,
            pages_questionnaire::show,
        )
        .get("/suppliers/new", editors, pages::new)
        .post("/suppliers", editors, pages::create)
        .get(
            "/suppliers/assessments/{id}",
            anyone,
            pages_assessment::assessment,
        )
        .post(
            "/suppliers/assessments/{id}/review",
            editors,
            pages_assessment::review,
        )
        .post(
            "/suppliers/{id}/assessments",
            editors,
            pages_assessment::send,
        )
        .get(
            "/q/{token}",
            Access::Public,
            pages_assessment::questionnaire_page,
        )
        .post(
            "/q/{token}",
            Access::Public,
            pages_assessment::questionnaire_answer,
        )
        .post_upload(
            "/q/{token}/files",
            Access::Public,
            pages_assessment::questionnaire_upload,
            MAX_UPLOAD_BYTES,
        )
        .get("/suppliers/{id}", anyone, pages::show)
        .post("/suppliers/{id}", editors, pages::update)
        .api(anyone, routes!(api::list_suppliers))
        .api(editors, routes!(api::create_supplier))
        .api(editors, routes!(api::import_suppliers))
        .api(anyone, routes!(api::get_supplier))
        .api(editors, routes!(api::update_supplier))
        .api(anyone, routes!(api_assessment::list_questionnaires))
        .api(anyone, routes!(api_assessment::get_questionnaire))
        .api(editors, routes!(api_assessment::put_questionnaire))
        .api(editors, routes!(api_assessment::import_questionnaires))
        .api(editors, routes!(api_assessment::send_assessment))
        .api(anyone, routes!(api_assessment::list_assessments))
        .api(anyone, routes!(api_assessment::get_assessment))
        .api(editors, routes!(api_assessment::review_assessment))
        .api(editors, routes!(api_assessment::cancel_assessment))
}
