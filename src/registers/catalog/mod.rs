//! The control catalogues: ISO/IEC 27002:2022 and 2013, ISO/IEC 27001:2022 clauses, the
//! mappings between them, and catalogues imported from files.

pub mod service;
