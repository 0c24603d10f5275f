//! The asset register (27002 5.9–5.13): assets with owner, custodian, location,
//! classification, CIA valuation, lifecycle, tags and dependencies; asset types and the
//! classification scheme.

pub mod service;
