//! People: user accounts with their roles, API tokens, first-run setup, signing in and out
//! and one's own account. Who may sign in and how sessions and tokens are checked is in
//! `crate::service::access` (the web layer's guard needs it for every request); the accounts'
//! SQL is core (`crate::store::auth`), since every audit entry names a person.

pub mod api;
pub mod cli;
pub mod pages;
pub mod service;

use crate::domain::user::ADMIN;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// People's pages and API operations, each with who may call it.
pub fn routes() -> Routes {
    let public = Access::Public;
    let anyone = Access::SignedIn;
    let admins = Access::Roles(ADMIN);
    Routes::new()
        .values(api::values())
        .get("/setup", public, pages::setup_page)
        .post("/setup", public, pages::setup_submit)
        .get("/login", public, pages::login_page)
        .post("/login", public, pages::login_submit)
        .post("/logout", anyone, pages::logout)
        .get("/account", anyone, pages::account_page)
        .post("/account/password", anyone, pages::account_password)
        .get("/admin/users", admins, pages::users_page)
        .post("/admin/users", admins, pages::users_create)
        .get("/admin/users/{id}", admins, pages::user_page)
        .post("/admin/users/{id}", admins, pages::user_update)
        .post("/admin/users/{id}/password", admins, pages::user_password)
        .get("/admin/tokens", admins, pages::tokens_page)
        .post("/admin/tokens", admins, pages::tokens_create)
        .get(
            "/admin/tokens/{id}/revoke",
            admins,
            pages::token_revoke_page,
        )
        .post("/admin/tokens/{id}/revoke", admins, pages::token_revoke)
        .api(anyone, routes!(api::me))
        .api(admins, routes!(api::list_users))
        .api(admins, routes!(api::create_user))
}
