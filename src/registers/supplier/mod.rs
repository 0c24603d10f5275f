//! Suppliers (27002 5.19–5.23): the supplier register, its contracts' security clauses,
//! certifications and reviews. Being built (issue 19): the domain's rules come first; the
//! store, use cases, pages, API and command line follow the register checklist of
//! `ARCHITECTURE.md`.

pub mod domain;
