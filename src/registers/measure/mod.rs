//! Measures: the organisation's own actions that implement controls and treat risks (the
//! treatment plan), with owner, status, due date, effort and cost.

pub mod service;
