//! The control catalogues: ISO/IEC 27002:2022 and 2013, ISO/IEC 27001:2022 clauses, and the
//! mappings between them. The catalogue is reference data every register points into, so its
//! types are in `crate::domain::catalog` and its SQL (loading, the snapshots) in
//! `crate::store::catalog`; its use cases and front ends are here.

pub mod api;
pub mod cli;
pub mod exchange;
pub mod pages;
pub mod service;

use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The catalogue's pages and API operations: every signed-in person reads them.
pub fn routes() -> Routes {
    let anyone = Access::SignedIn;
    Routes::new()
        .live_values(api::live)
        .get("/controls", anyone, pages::controls_page)
        .get("/controls/export.csv", anyone, pages::controls_export)
        .get("/controls/{framework}/{id}", anyone, pages::control_page)
        .api(anyone, routes!(api::list_frameworks))
        .api(anyone, routes!(api::get_framework))
        .api(anyone, routes!(api::list_controls))
        .api(anyone, routes!(api::get_control))
        .api(anyone, routes!(api::list_mappings))
}
