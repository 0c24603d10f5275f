//! The organisation: its name and the ISMS scope (administration settings).

pub mod service;
