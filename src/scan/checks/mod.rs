//! The library of checks, by area. Each area's file has a `CHECKS` list; `all()` is their
//! concatenation in a fixed order (the order of the reports).

use super::Check;
use std::sync::OnceLock;

mod accounts;
mod auth;
mod crypto;
mod kernel;
mod logging;
mod network;
mod software;
mod ssh;

pub use software::compare_versions;

/// A check of the library, by id.
pub fn find(id: &str) -> Option<&'static Check> {
    all().iter().find(|c| c.id == id)
}

/// Every check of the library, by area.
pub fn all() -> &'static [Check] {
    static ALL: OnceLock<Vec<Check>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = Vec::new();
        for area in [
            ssh::CHECKS,
            auth::CHECKS,
            accounts::CHECKS,
            software::CHECKS,
            crypto::CHECKS,
            kernel::CHECKS,
            logging::CHECKS,
            network::CHECKS,
        ] {
            v.extend_from_slice(area);
        }
        v
    })
}

#[cfg(test)]
pub(crate) mod kit;
#[cfg(test)]
pub(crate) use kit::fixture;
