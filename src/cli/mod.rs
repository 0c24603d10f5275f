//! What the registers' commands share: output formats and tables, reading files and stdin,
//! spreadsheet import and export arguments, and the exit codes by kind of failure. The
//! `annex` command itself is assembled in `crate::app::cli`.
