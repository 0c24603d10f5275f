//! The organisation: its name and the ISMS scope (administration settings).

pub mod pages;
pub mod service;
pub mod store;

use crate::domain::user::ADMIN;
use crate::web::{Access, Routes};

/// The settings page: administrators.
pub fn routes() -> Routes {
    let admins = Access::Roles(ADMIN);
    Routes::new()
        .get("/admin/settings", admins, pages::settings_page)
        .post("/admin/settings", admins, pages::settings_submit)
}
