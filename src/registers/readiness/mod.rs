//! Gap analysis and certification readiness, computed from live data: the implementation of
//! the Statement of Applicability by theme or by any attribute type, and the clauses of
//! ISO/IEC 27001 the work covers, each with its status, the facts behind it and what to do
//! next.

pub mod api;
pub mod domain;
pub mod domain_check;
pub mod domain_system;
pub mod pages;
pub mod service;
pub mod service_facts;
pub mod store;

use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The gap analysis page and the readiness and gaps operations.
pub fn routes() -> Routes {
    let anyone = Access::SignedIn;
    Routes::new()
        .live_values(api::live)
        .get("/soa/gaps", anyone, pages::gaps)
        .api(anyone, routes!(api::readiness))
        .api(anyone, routes!(api::soa_gaps))
}
