//! Notifications: people's choices of what Annex e-mails them, the organisation's rules
//! (digest hour, escalation to managers), the messages in our own words, and the outbox they
//! go through — written in the transaction of what caused them, sent once by the scheduler
//! with retries, failures shown to admins.

pub mod api;
pub mod cli;
pub mod domain;
pub mod domain_webhook;
pub mod pages;
pub mod pages_webhook;
pub mod service;
pub mod service_outbox;
pub mod service_owed;
pub mod service_webhook;
pub mod store;
pub mod store_webhook;

use crate::domain::user::ADMIN;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// Everyone reads and sets their own choices and reads the rules; admins set the rules, read
/// the outbox, send a test message and keep the webhooks.
pub fn routes() -> Routes {
    let anyone = Access::SignedIn;
    let admins = Access::Roles(ADMIN);
    Routes::new()
        .values(api::values())
        .get("/admin/notifications", admins, pages::page)
        .post("/admin/notifications", admins, pages::save_policy)
        .post("/admin/notifications/test", admins, pages::test)
        .get("/admin/webhooks", admins, pages_webhook::list)
        .post("/admin/webhooks", admins, pages_webhook::create)
        .get("/admin/webhooks/{id}", admins, pages_webhook::one)
        .post("/admin/webhooks/{id}", admins, pages_webhook::update)
        .post("/admin/webhooks/{id}/delete", admins, pages_webhook::remove)
        .post("/admin/webhooks/{id}/test", admins, pages_webhook::test)
        .api(anyone, routes!(api::get_preferences))
        .api(anyone, routes!(api::set_preferences))
        .api(anyone, routes!(api::get_policy))
        .api(admins, routes!(api::set_policy))
        .api(admins, routes!(api::outbox))
        .api(admins, routes!(api::test_mail))
        .api(admins, routes!(api::list_webhooks, api::create_webhook))
        .api(
            admins,
            routes!(api::get_webhook, api::update_webhook, api::delete_webhook),
        )
        .api(admins, routes!(api::test_webhook))
}
