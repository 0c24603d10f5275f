//! Notifications: people's choices of what Annex e-mails them, the organisation's rules
//! (digest hour, escalation to managers), the messages in our own words, and the outbox they
//! go through — written in the transaction of what caused them, sent once by the scheduler
//! with retries, failures shown to admins.

pub mod api;
pub mod cli;
pub mod domain;
pub mod pages;
pub mod service;
pub mod service_outbox;
pub mod store;

use crate::domain::user::ADMIN;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// Everyone reads and sets their own choices and reads the rules; admins set the rules, read
/// the outbox and send a test message.
pub fn routes() -> Routes {
    let anyone = Access::SignedIn;
    let admins = Access::Roles(ADMIN);
    Routes::new()
        .values(api::values())
        .get("/admin/notifications", admins, pages::page)
        .post("/admin/notifications", admins, pages::save_policy)
        .post("/admin/notifications/test", admins, pages::test)
        .api(anyone, routes!(api::get_preferences))
        .api(anyone, routes!(api::set_preferences))
        .api(anyone, routes!(api::get_policy))
        .api(admins, routes!(api::set_policy))
        .api(admins, routes!(api::outbox))
        .api(admins, routes!(api::test_mail))
}
