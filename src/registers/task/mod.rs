//! Tasks and "my work": every date in Annex that asks someone to act, derived from its
//! register when read (measures, risk reviews, acceptances, evidence, the SoA's approval,
//! document and supplier reviews, certificates, obligations, incident notifications and
//! tasks, joiner and leaver steps, corrective and review actions, audits, reviews,
//! objectives, BIA reviews), tasks people write with their comments, a calendar of them, and
//! a personal iCalendar feed.

pub mod api;
pub mod cli;
pub mod domain;
pub mod domain_ical;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod service_feed;
pub mod store;

use crate::domain::user::{EDITORS, OWNERS};
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// Everyone signed in reads their own work and writes on tasks they may change (the use
/// cases check whose); managers and admins see the team's; the feed opens by its secret.
pub fn routes() -> Routes {
    let anyone = Access::SignedIn;
    let owners = Access::Roles(OWNERS);
    let editors = Access::Roles(EDITORS);
    let commenters = Access::Roles(service::COMMENTERS);
    Routes::new()
        .values(api::values())
        .get("/my-work", anyone, pages::my_work)
        .get("/my-work/calendar", anyone, pages::calendar)
        .get("/my-work/settings", anyone, pages::settings)
        .post("/my-work/settings", anyone, pages::save_settings)
        .post("/my-work/feed", anyone, pages::make_feed)
        .post("/my-work/feed/revoke", anyone, pages::revoke_feed)
        .get("/calendar/{file}", Access::Public, pages::feed)
        .get("/tasks", editors, pages::team)
        .post("/tasks", owners, pages::create)
        .get("/tasks.csv", anyone, pages::export)
        .get("/tasks.xlsx", anyone, pages::export)
        .get("/tasks/{id}", anyone, pages::show)
        .post("/tasks/{id}", anyone, pages::update)
        .post("/tasks/{id}/done", anyone, pages::done)
        .post("/tasks/{id}/comments", commenters, pages::comment)
        .api(anyone, routes!(api::list_tasks))
        .api(owners, routes!(api::create_task))
        .api(editors, routes!(api::team_tasks))
        .api(anyone, routes!(api::list_written))
        .api(anyone, routes!(api::get_task))
        .api(anyone, routes!(api::update_task))
        .api(commenters, routes!(api::comment_task))
        .api(anyone, routes!(api::make_feed))
        .api(anyone, routes!(api::revoke_feed))
}
