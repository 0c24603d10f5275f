//! The query plan test in a binary of its own: it catches the statements sqlx logs through a
//! tracing subscriber on its thread, and a subscriber in the binary of every other test would
//! share tracing's call-site caches with the tests running beside it (see `it/tracing.rs`).

// The shared harness serves every story; this binary uses a part of it.
#![allow(dead_code, unused_macros)]

#[path = "../it/contract.rs"]
mod contract;
#[path = "../it/harness.rs"]
mod harness;

mod query_plans;
