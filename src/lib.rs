//! Annex: an information security management system for ISO/IEC 27001 with the controls of
//! ISO/IEC 27002:2022, in one binary.
//!
//! Module map:
//! - `domain`: types that parse their input and the rules of the ISMS (no I/O);
//! - `store`: the only code that speaks SQL, on SQLite and PostgreSQL;
//! - `web`: HTML pages and the JSON API, side by side over the same store;
//! - `cli`: the `annex` commands; `app`: preparing a data dir and store for any of them;
//! - `config`: layered configuration; `error`: the one domain error;
//! - `exchange`: registers as CSV and XLSX, and importing them from spreadsheets;
//! - `demo`: a made-up organisation for trying Annex out and for benchmarks.

#![forbid(unsafe_code)]
#![cfg_attr(
    not(test),
    deny(clippy::unwrap_used, clippy::expect_used, clippy::panic)
)]

pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod exchange;
pub mod registers;
pub mod scan;
pub mod service;
pub mod store;
pub mod web;
