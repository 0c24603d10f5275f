//! All integration tests, compiled into one binary: store stories on every database, the
//! HTTP surface (pages and API), the role walk, the CLI and the browser journey.

mod harness;

mod acknowledgements;
mod api_reference;
mod architecture;
mod assets;
mod audit;
mod browser;
mod browser_documents;
mod browser_greek;
mod browser_risk_levels;
mod browser_soa_import;
mod catalogue;
mod cli;
mod concurrency;
mod contract;
mod documents;
mod evidence;
mod fair;
mod fuzz;
mod hardening;
mod host_groups;
mod hosts;
mod imports;
mod matrix;
mod measures;
mod pdf_read;
mod people;
mod readiness;
mod reference_files;
mod risks;
mod roles;
mod scale_out;
mod scan;
mod scan_agent;
mod scan_evidence;
mod search;
mod soa;
mod soa_import;
mod soa_migrate;
mod soa_versions;
mod staff;
mod time_zone;
mod tracing;
mod training;
