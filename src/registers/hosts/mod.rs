//! Hosts that report scans: agents post `annex scan` reports, each a run of its host; people
//! read the hosts (stale ones flagged), their runs and findings, a check's history, and the
//! evidence the scans file on the Statement of Applicability.

pub mod api;
pub mod domain;
pub mod domain_group;
pub mod exchange;
pub mod pages;
pub mod pages_group;
pub mod service;
pub mod service_group;
pub mod store;
pub mod store_evidence;
pub mod store_group;

use crate::domain::user::{EDITORS, SCAN_SUBMITTERS};
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The pages and API operations of hosts, each with who may call it.
pub fn routes() -> Routes {
    let anyone = Access::SignedIn;
    let editors = Access::Roles(EDITORS);
    Routes::new()
        .values(api::values())
        .get("/hosts", anyone, pages::list)
        .get("/hosts.csv", anyone, pages::export)
        .get("/hosts.xlsx", anyone, pages::export)
        .get("/hosts/{name}", anyone, pages::host_page)
        .get("/hosts/{name}/runs/{run_id}", anyone, pages::run_page)
        .get("/hosts/{name}/checks/{check_id}", anyone, pages::check_page)
        .post("/hosts/{name}/group", editors, pages_group::move_host)
        .get("/host-groups", anyone, pages_group::groups_page)
        .post("/host-groups", editors, pages_group::create)
        .get("/host-groups/{key}", anyone, pages_group::group_page)
        .post("/host-groups/{key}", editors, pages_group::update)
        .post("/host-groups/{key}/delete", editors, pages_group::delete)
        .api(Access::Roles(SCAN_SUBMITTERS), routes!(api::submit_scan))
        .api(anyone, routes!(api::list_hosts))
        .api(anyone, routes!(api::get_host))
        .api(anyone, routes!(api::list_host_runs))
        .api(anyone, routes!(api::get_host_run))
        .api(anyone, routes!(api::get_check_history))
        .api(editors, routes!(api::move_host))
        .api(anyone, routes!(api::list_host_groups))
        .api(editors, routes!(api::create_host_group))
        .api(anyone, routes!(api::get_host_group))
        .api(editors, routes!(api::update_host_group))
        .api(editors, routes!(api::delete_host_group))
}
