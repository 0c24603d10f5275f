//! Information security events and incidents (27002 5.24–5.28, 6.8): reporting, triage,
//! handling with a timeline, notification deadlines under the regimes that apply (GDPR, NIS2,
//! DORA, contracts), and closing with lessons learned.

pub mod api;
pub mod cli;
pub mod domain;
pub mod domain_custody;
pub mod domain_import;
pub mod domain_metrics;
pub mod domain_regime;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod service_custody;
pub mod service_import;
pub mod store;
pub mod store_custody;

use crate::domain::user::EDITORS;
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's API operations, each with who may call it. Reporting is everyone's; triage,
/// closing and the regimes are managers' and admins'; the steps of handling are for its
/// handler too (the use cases decide).
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/incidents", anyone, pages::register)
        .post("/incidents", anyone, pages::create)
        .get("/incidents/new", anyone, pages::new_form)
        .get("/incidents.csv", anyone, pages::export)
        .get("/incidents.xlsx", anyone, pages::export)
        .importer(&exchange::IncidentImport)
        .get("/incidents/import", editors, upload_form)
        .post_upload("/incidents/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/incidents/regimes", anyone, pages::regimes_page)
        .get("/incidents/metrics", anyone, pages::metrics)
        .post("/incidents/regimes", editors, pages::regimes_submit)
        .post("/incidents/severities", editors, pages::severities_submit)
        .get("/incidents/{id}", anyone, pages::record)
        .post("/incidents/{id}/triage", editors, pages::triage)
        .post("/incidents/{id}/advance", anyone, pages::advance)
        .post("/incidents/{id}/actions", anyone, pages::act)
        .post("/incidents/{id}/notifications", anyone, pages::notify)
        .post("/incidents/{id}/close", editors, pages::close)
        .post("/incidents/{id}/evidence", anyone, pages::keep_evidence)
        .post("/incidents/{id}/tasks", anyone, pages::add_task)
        .post(
            "/incidents/{id}/tasks/{seq}/done",
            anyone,
            pages::finish_task,
        )
        .get(
            "/incidents/{id}/evidence/{seq}/file",
            anyone,
            pages::evidence_file,
        )
        .get("/incidents/{id}/record.xlsx", anyone, pages::record_export)
        .post(
            "/incidents/{id}/evidence/{seq}/handover",
            anyone,
            pages::hand_over,
        )
        .get("/for/{token}/report", Access::Public, pages::link_form)
        .post("/for/{token}/report", Access::Public, pages::link_submit)
        .api(anyone, routes!(api::list_incidents))
        .api(anyone, routes!(api::report_incident))
        .api(editors, routes!(api::import_incidents))
        .api(anyone, routes!(api::list_regimes))
        .api(anyone, routes!(api::get_severities))
        .api(editors, routes!(api::set_severities))
        .api(editors, routes!(api::set_regime))
        .api(anyone, routes!(api::list_deadlines))
        .api(anyone, routes!(api::get_metrics))
        .api(anyone, routes!(api::get_incident))
        .api(editors, routes!(api::triage_incident))
        .api(anyone, routes!(api::advance_incident))
        .api(anyone, routes!(api::add_action))
        .api(anyone, routes!(api::record_notification))
        .api(editors, routes!(api::close_incident))
        .api(anyone, routes!(api::list_evidence))
        .api(anyone, routes!(api::keep_evidence))
        .api(anyone, routes!(api::get_evidence_file))
        .api(anyone, routes!(api::hand_over_evidence))
        .api(anyone, routes!(api::export_incident))
        .api(anyone, routes!(api::add_task))
        .api(anyone, routes!(api::finish_task))
}
