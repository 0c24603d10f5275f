//! The domain: types that parse their input, the rules of the ISMS, and pure computations.
//! Nothing in here performs I/O; the store and the web layer call into it.

pub mod audit;
pub mod catalog;
pub mod clock;
pub mod input;
pub mod money;
pub mod montecarlo;
pub mod query;
pub mod upload;
pub mod user;
pub mod words;

/// What an import did (or, in a dry run, would do), by record id.
#[derive(Debug, Default, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
}
