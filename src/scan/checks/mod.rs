//! The library of checks, by area. Each area's file has a `CHECKS` list; `all()` is their
//! concatenation in a fixed order (the order of the reports).

use super::Check;
use std::sync::OnceLock;

mod kernel;
mod logging;
mod network;
mod ssh;

pub fn all() -> &'static [Check] {
    static ALL: OnceLock<Vec<Check>> = OnceLock::new();
    ALL.get_or_init(|| {
        let mut v = Vec::new();
        for area in [
            ssh::CHECKS,
            kernel::CHECKS,
            logging::CHECKS,
            network::CHECKS,
        ] {
            v.extend_from_slice(area);
        }
        v
    })
}
