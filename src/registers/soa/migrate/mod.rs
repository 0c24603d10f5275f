//! Migrating a Statement of Applicability written against ISO/IEC 27002:2013 into a draft of
//! the 2022 one: the file read like the other imports (and with a header over two rows), each
//! 2022 control given the decision its 2013 controls agree on, and every control that still
//! needs a decision listed with why.

pub mod api;
pub mod cli;
pub mod domain;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;

use crate::domain::user::EDITORS;
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The migration's pages (upload, review) and its API operation (managers and admins).
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    Routes::new()
        .get("/soa/import-2013", editors, pages::upload_form)
        .post_upload("/soa/import-2013", editors, pages::upload, MAX_UPLOAD_BYTES)
        .get("/soa/import-2013/{id}", editors, pages::review)
        .post("/soa/import-2013/{id}", editors, pages::apply)
        .api(editors, routes!(api::import_2013))
}
