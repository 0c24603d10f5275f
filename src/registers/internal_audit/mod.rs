//! Internal audit (27001 9.2): audit programmes over a cycle with their coverage of every
//! clause and applicable control, audits with scope, criteria, dates and an independent team,
//! the checklist each audit's scope gives with the state of each item in Annex, findings, and
//! the audit report as PDF and XLSX.

pub mod api;
pub mod cli;
pub mod domain;
pub mod domain_finding;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod service_checklist;
pub mod store;

use crate::domain::user::{EDITORS, Role};
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// Managers, admins and auditors: those who may be on an audit's team (the use case checks
/// that an auditor is named on the audit).
const TEAM: &[Role] = &[Role::Admin, Role::Manager, Role::Auditor];

/// The register's pages and API operations: managers and admins keep programmes and plan
/// audits, the audit's team records results and findings, everyone signed in reads.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let team = Access::Roles(TEAM);
    let anyone = Access::SignedIn;
    Routes::new()
        .get("/internal-audits", anyone, pages::list)
        .post("/internal-audits", editors, pages::create_audit)
        .post(
            "/internal-audits/programmes",
            editors,
            pages::create_programme,
        )
        .get(
            "/internal-audits/programmes/{id}",
            anyone,
            pages::show_programme,
        )
        .post(
            "/internal-audits/programmes/{id}",
            editors,
            pages::update_programme,
        )
        .get("/internal-audits/{id}", anyone, pages::show_audit)
        .post("/internal-audits/{id}", editors, pages::update_audit)
        .post(
            "/internal-audits/{id}/checklist",
            team,
            pages::record_checklist,
        )
        .post(
            "/internal-audits/{id}/findings",
            team,
            pages::create_finding,
        )
        .get("/internal-audits/{id}/report.pdf", anyone, pages::report)
        .get("/internal-audits/{id}/report.xlsx", anyone, pages::report)
        .get("/findings", anyone, pages::findings)
        .get("/findings.csv", anyone, pages::export_findings)
        .get("/findings.xlsx", anyone, pages::export_findings)
        .importer(&exchange::FindingImport)
        .get("/findings/import", editors, upload_form)
        .post_upload("/findings/import", editors, upload, MAX_UPLOAD_BYTES)
        .get("/findings/{id}", anyone, pages::show_finding)
        .post("/findings/{id}", team, pages::update_finding)
        .api(anyone, routes!(api::list_programmes))
        .api(editors, routes!(api::create_programme))
        .api(anyone, routes!(api::get_programme))
        .api(editors, routes!(api::update_programme))
        .api(anyone, routes!(api::get_coverage))
        .api(anyone, routes!(api::list_audits))
        .api(editors, routes!(api::create_audit))
        .api(anyone, routes!(api::get_audit))
        .api(editors, routes!(api::update_audit))
        .api(team, routes!(api::record_checklist))
        .api(anyone, routes!(api::get_report))
        .api(anyone, routes!(api::list_findings))
        .api(team, routes!(api::create_finding))
        .api(editors, routes!(api::import_findings))
        .api(anyone, routes!(api::get_finding))
        .api(team, routes!(api::update_finding))
}
