//! Obligations (27002 5.31–5.34, 27001 4.2): interested parties, the legal, regulatory and
//! contractual obligations, and the SoA reasons they give. Being built (issue 19): the
//! domain's rules come first; the store, use cases, pages, API and command line follow the
//! register checklist of `ARCHITECTURE.md`.

pub mod domain;
