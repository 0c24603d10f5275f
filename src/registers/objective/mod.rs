//! Information security objectives and their indicators (27001 6.2, 9.1): objectives, the
//! indicators that measure them (by hand or computed from the registers), and their
//! measurements over time.

pub mod api;
pub mod cli;
pub mod domain;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;

use crate::domain::user::{EDITORS, OWNERS};
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations: managers and admins keep objectives and
/// indicators, an indicator's owner records its measurements, everyone signed in reads.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let owners = Access::Roles(OWNERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/objectives", anyone, pages::list)
        .post("/objectives", editors, pages::create_objective)
        .post("/objectives/snapshot", editors, pages::snapshot_due)
        .get("/objectives/{id}", anyone, pages::show_objective)
        .post("/objectives/{id}", editors, pages::update_objective)
        .get("/kpis.csv", anyone, pages::export_kpis)
        .get("/kpis.xlsx", anyone, pages::export_kpis)
        .get("/kpis/measurements.csv", anyone, pages::export_measurements)
        .get(
            "/kpis/measurements.xlsx",
            anyone,
            pages::export_measurements,
        )
        .importer(&exchange::MeasurementImport)
        .get("/kpis/measurements/import", editors, upload_form)
        .post_upload(
            "/kpis/measurements/import",
            editors,
            upload,
            MAX_UPLOAD_BYTES,
        )
        .post("/kpis", editors, pages::create_kpi)
        .get("/kpis/{id}", anyone, pages::show_kpi)
        .post("/kpis/{id}", editors, pages::update_kpi)
        .post("/kpis/{id}/measurements", owners, pages::record)
        .post("/kpis/{id}/snapshot", owners, pages::snapshot)
        .api(anyone, routes!(api::list_objectives))
        .api(editors, routes!(api::create_objective))
        .api(anyone, routes!(api::get_objective))
        .api(editors, routes!(api::update_objective))
        .api(anyone, routes!(api::list_kpis))
        .api(editors, routes!(api::create_kpi))
        .api(anyone, routes!(api::list_metrics))
        .api(editors, routes!(api::import_measurements))
        .api(editors, routes!(api::snapshot_due))
        .api(anyone, routes!(api::get_kpi))
        .api(editors, routes!(api::update_kpi))
        .api(anyone, routes!(api::list_measurements))
        .api(owners, routes!(api::record_measurement))
        .api(owners, routes!(api::snapshot_kpi))
}
