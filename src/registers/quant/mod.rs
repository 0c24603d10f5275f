//! Quantitative risk (FAIR): calibrated ranges of a risk's annual loss, the currency and
//! risk appetite, and the Monte Carlo analysis of every risk and the portfolio.

pub mod api;
pub mod domain;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;
pub mod web;

use crate::domain::user::{EDITORS, OWNERS};
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The pages and API operations of quantitative risk, each with who may call it.
pub fn routes() -> Routes {
    let anyone = Access::SignedIn;
    let editors = Access::Roles(EDITORS);
    let owners = Access::Roles(OWNERS);
    Routes::new()
        .values(api::values())
        .get("/risks/quantitative", anyone, pages::portfolio)
        .get("/risks/quantitative.csv", anyone, pages::export)
        .get("/risks/quantitative.xlsx", anyone, pages::export)
        .get("/risks/quantitative.json", anyone, pages::export_json)
        .get(
            "/risks/quantitative/curves.csv",
            anyone,
            pages::export_curves,
        )
        .post(
            "/risks/quantitative/settings",
            editors,
            pages::save_settings,
        )
        .get("/risks/{id}/estimate", owners, pages::form)
        .post("/risks/{id}/estimate", owners, pages::save)
        .api(anyone, routes!(api::get_risk_estimate))
        .api(owners, routes!(api::put_risk_estimate))
        .api(owners, routes!(api::delete_risk_estimate))
        .api(anyone, routes!(api::simulate_risks))
        .api(anyone, routes!(api::get_risk_appetite))
        .api(editors, routes!(api::put_risk_appetite))
}
