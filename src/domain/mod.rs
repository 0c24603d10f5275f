//! The domain: types that parse their input, the rules of the ISMS, and pure computations.
//! Nothing in here performs I/O; the store and the web layer call into it.

pub mod audit;
pub mod catalog;
pub mod clock;
pub mod input;
pub mod money;
pub mod montecarlo;
pub mod query;
pub mod user;
