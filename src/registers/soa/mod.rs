//! The Statement of Applicability (27001 6.1.3 d): every control of ISO/IEC 27002:2022, whether
//! it applies and why, its implementation, owner and evidence, the warnings an auditor would
//! raise, approved versions frozen with their hash, their comparison, and the SoA as XLSX, CSV
//! and PDF documents an auditor accepts.

pub mod api;
pub mod cli;
pub mod domain;
pub mod domain_import;
pub mod domain_version;
pub mod exchange;
pub mod exchange_import;
pub mod migrate;
pub mod pages;
pub mod service;
pub mod store;
pub mod store_version;

use crate::domain::user::{EDITORS, OWNERS};
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The SoA's pages and API operations, each with who may call it.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let owners = Access::Roles(OWNERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .merge(migrate::routes())
        .importer(&exchange_import::SoaImport)
        .get(
            "/soa/import",
            editors,
            crate::registers::imports::pages::upload_form,
        )
        .post_upload(
            "/soa/import",
            editors,
            crate::registers::imports::pages::upload,
            crate::web::session::MAX_UPLOAD_BYTES,
        )
        .get("/soa", anyone, pages::register)
        .post("/soa/decisions", editors, pages::decide_selected)
        .get("/soa.csv", anyone, pages::export)
        .get("/soa.xlsx", anyone, pages::export)
        .get("/soa.pdf", anyone, pages::export)
        .get("/soa/versions", anyone, pages::versions)
        .post("/soa/versions", editors, pages::approve)
        .get("/soa/diff", anyone, pages::diff)
        .get("/soa/{framework}/{id}", anyone, pages::record)
        .post("/soa/{framework}/{id}", owners, pages::update)
        .values(api::values())
        .api(anyone, routes!(api::list_soa))
        .api(anyone, routes!(api::get_soa_row))
        .api(owners, routes!(api::put_soa_row))
        .api(editors, routes!(api::decide_soa_rows))
        .api(anyone, routes!(api::list_soa_versions))
        .api(editors, routes!(api::approve_soa))
        .api(anyone, routes!(api::get_soa_version))
        .api(anyone, routes!(api::soa_diff))
        .api(anyone, routes!(api::export_soa))
        .api(editors, routes!(api::import_soa))
}
