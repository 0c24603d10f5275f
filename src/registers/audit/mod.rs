//! The audit trail: every change, hash-chained; reading it, a record's history, verifying
//! the chain. Entries are appended by every write (`Tx::audit`); the trail's SQL is core
//! (`crate::store::audit`) since every register writes to it.

pub mod api;
pub mod cli;
pub mod pages;
pub mod service;

use crate::domain::user::TRAIL_READERS;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The trail's page and API operation: admins and auditors.
pub fn routes() -> Routes {
    let readers = Access::Roles(TRAIL_READERS);
    Routes::new()
        .get("/audit", readers, pages::audit_page)
        .api(readers, routes!(api::list_audit))
}
