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

/// A root made of `(path, contents, mode)` files, for the checks' tests.
#[cfg(test)]
pub(crate) fn fixture(files: &[(&str, &str, u32)]) -> tempfile::TempDir {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, text, mode) in files {
        let p = dir.path().join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().expect("a parent")).expect("folders");
        std::fs::write(&p, text).expect("write");
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).expect("mode");
    }
    dir
}
