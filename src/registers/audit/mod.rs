//! The audit trail: every change, hash-chained; reading it, a record's history, verifying
//! the chain.

pub mod service;
