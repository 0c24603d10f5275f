//! Annex: an information security management system for ISO/IEC 27001 with the controls of
//! ISO/IEC 27002:2022, in one binary.
//!
//! Module map (ARCHITECTURE.md has the layers and the rules between them):
//! - `registers`: one folder per register of the ISMS, each with its domain, SQL, use cases,
//!   pages, API, command line, spreadsheet schema and templates, and its routes;
//! - `domain`: shared types that parse their input, and the rules that need no database;
//! - `store`: the store's core (transactions, audit trail, catalogues, accounts), on SQLite
//!   and PostgreSQL;
//! - `service`: the use-case context, revisions, caches and signing in;
//! - `web` and `cli`: what the pages, the API and the commands share;
//! - `exchange`: tables, spreadsheets, the import framework and PDF;
//! - `app`: assembling the router, the policy and the commands, and `annex serve`;
//! - `scan`: `annex scan`, the host scanner;
//! - `config`: layered configuration; `error`: the one domain error.

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
