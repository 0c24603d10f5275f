//! The registers and capabilities of the ISMS, one folder each. A folder holds everything
//! about its register: the domain types and rules (`domain.rs`), the SQL (`store.rs`), the
//! use cases (`service.rs`), the pages (`pages.rs`), the JSON API (`api.rs`), the command
//! line (`cli.rs`) and the spreadsheet schema (`exchange.rs`), and declares its routes with
//! who may call them (`mod.rs`). `ARCHITECTURE.md` says how the layers may call each other
//! and what adding a register takes.

pub mod asset;
pub mod audit;
pub mod catalog;
pub mod dashboard;
pub mod evidence;
pub mod hosts;
pub mod imports;
pub mod matrix;
pub mod measure;
pub mod organisation;
pub mod people;
pub mod quant;
pub mod readiness;
pub mod risk;
pub mod soa;

use crate::exchange::import::Importers;
use crate::web::Routes;

/// The routes of every register, with their access rules.
pub fn routes() -> Routes {
    Routes::new()
        .merge(asset::routes())
        .merge(audit::routes())
        .merge(catalog::routes())
        .merge(dashboard::routes())
        .merge(evidence::routes())
        .merge(hosts::routes())
        .merge(imports::routes())
        .merge(matrix::routes())
        .merge(measure::routes())
        .merge(organisation::routes())
        .merge(people::routes())
        .merge(quant::routes())
        .merge(readiness::routes())
        .merge(risk::routes())
        .merge(soa::routes())
}

/// The registers spreadsheets can be imported into.
pub fn importers() -> Importers {
    Importers(vec![
        &asset::exchange::AssetImport,
        &risk::exchange::RiskImport,
        &measure::exchange::MeasureImport,
    ])
}
