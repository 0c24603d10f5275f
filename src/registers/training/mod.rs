//! Awareness and training (27002 6.3; 27001 7.2, 7.3): modules, campaigns assigning them to
//! the staff directory's people by a due date, completions (by the person's link, a manager
//! or a learning platform's export), and the modules each job title requires.

pub mod api;
pub mod cli;
pub mod domain;
pub mod exchange;
pub mod pages;
pub mod service;
pub mod store;

use crate::domain::user::EDITORS;
use crate::registers::imports::pages::{upload, upload_form};
use crate::web::session::MAX_UPLOAD_BYTES;
use crate::web::{Access, Routes};
use utoipa_axum::routes;

/// The register's pages and API operations, each with who may call it.
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    let readers = Access::Roles(crate::registers::staff::service::STAFF_READERS);
    let anyone = Access::SignedIn;
    Routes::new()
        .values(api::values())
        .importer(&exchange::CompletionImport)
        .get("/training", anyone, pages::overview)
        .post("/training/modules", editors, pages::create_module)
        .get("/training/modules/{id}", anyone, pages::module_page)
        .post("/training/modules/{id}", editors, pages::update_module)
        .get("/training/modules/{id}/material", anyone, pages::material)
        .post(
            "/training/modules/{id}/material",
            editors,
            pages::upload_material,
        )
        .post(
            "/training/modules/{id}/material/remove",
            editors,
            pages::remove_material,
        )
        .post("/training/campaigns", editors, pages::create_campaign)
        .get("/training/campaigns/{id}", anyone, pages::campaign_page)
        .get(
            "/training/campaigns/{id}/people.csv",
            readers,
            pages::export_campaign,
        )
        .post(
            "/training/campaigns/{id}/completions",
            editors,
            pages::record_completion,
        )
        .post(
            "/training/campaigns/{id}/close",
            editors,
            pages::close_campaign,
        )
        .get("/training/competence", anyone, pages::competence_page)
        .post("/training/competence", editors, pages::competence_submit)
        .get("/training/import", editors, upload_form)
        .post_upload("/training/import", editors, upload, MAX_UPLOAD_BYTES)
        .api(anyone, routes!(api::list_modules))
        .api(editors, routes!(api::create_module))
        .api(anyone, routes!(api::get_module))
        .api(editors, routes!(api::update_module))
        .api(editors, routes!(api::upload_material))
        .api(editors, routes!(api::remove_material))
        .api(anyone, routes!(api::get_material))
        .api(anyone, routes!(api::list_campaigns))
        .api(editors, routes!(api::create_campaign))
        .api(anyone, routes!(api::get_campaign))
        .api(readers, routes!(api::list_campaign_people))
        .api(editors, routes!(api::record_completion))
        .api(editors, routes!(api::import_completions))
        .api(anyone, routes!(api::list_competence))
}
