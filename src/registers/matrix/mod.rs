//! The risk matrix: the organisation's likelihood and impact scales, named risk levels with
//! colours, the grid that gives the level of every cell, and the acceptance threshold.

pub mod api;
pub mod domain;
pub mod domain_adopt;
pub mod pages;
pub mod service;
pub mod store;
pub mod web;

use crate::domain::user::EDITORS;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The matrix's pages and API operations, each with who may call it.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/risk-matrix", anyone, pages::matrix_page)
        .post("/risk-matrix", editors, pages::matrix_submit)
        .get("/risk-matrix/preset", editors, pages::preset_page)
        .post("/risk-matrix/preset", editors, pages::preset_submit)
        .api(anyone, routes!(api::get_risk_matrix))
        .api(editors, routes!(api::put_risk_matrix))
}
