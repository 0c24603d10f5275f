//! Importing spreadsheets into registers: the upload kept for its review, the review of the
//! dry run (how each column is read, every problem by row and column, mappings by hand), the
//! import itself, and the API's import operations. The registers bring their importers
//! (`crate::exchange::import::Importer`); this module is the same for all of them.

pub mod domain;
pub mod domain_spool;
pub mod pages;
pub mod service;
pub mod service_overlay;
pub mod store;
pub mod web;

use crate::domain::user::EDITORS;
use crate::web::{Access, Routes};

/// The review of an upload (its import pages, `/KEY/import`, are declared by each register).
pub fn routes() -> Routes {
    let editors = Access::Roles(EDITORS);
    Routes::new()
        .get("/imports/{id}", editors, pages::review)
        .post("/imports/{id}", editors, pages::apply)
}
