//! What the checks' tests share: fixture roots and running one check on one.

use crate::scan::{Check, Host, Outcome, Verdict};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

/// A root made of `(host path, contents, mode)`; a path ending in `/` is a folder.
pub fn fixture(files: &[(&str, &str, u32)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("temp dir");
    for (path, contents, mode) in files {
        let p = dir.path().join(path.trim_start_matches('/'));
        if path.ends_with('/') {
            std::fs::create_dir_all(&p).expect("folders");
        } else {
            std::fs::create_dir_all(p.parent().expect("a parent")).expect("folders");
            std::fs::write(&p, contents).expect("write");
        }
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).expect("mode");
    }
    dir
}

pub fn put(root: &Path, path: &str, text: &str) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().expect("a parent")).expect("folders");
    std::fs::write(p, text).expect("write");
}

pub fn chmod(root: &Path, path: &str, mode: u32) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).expect("mode");
}

/// A link at `path` to a systemd unit, as `systemctl enable` makes.
pub fn link(root: &Path, path: &str) {
    let p = root.join(path.trim_start_matches('/'));
    std::fs::create_dir_all(p.parent().expect("a parent")).expect("folders");
    std::os::unix::fs::symlink("/lib/systemd/system/x.service", p).expect("link");
}

/// Runs check `id` of `checks` on the root.
pub fn verdict(checks: &[Check], id: &str, root: &Path) -> Verdict {
    let c = checks.iter().find(|c| c.id == id).expect(id);
    (c.run)(&Host::new(root))
}

/// Runs check `id` on a fixture and asserts its outcome and a part of what it observed.
#[track_caller]
pub fn expect(
    checks: &[Check],
    id: &str,
    files: &[(&str, &str, u32)],
    outcome: Outcome,
    seen: &str,
) {
    let dir = fixture(files);
    let v = verdict(checks, id, dir.path());
    assert_eq!(v.outcome, outcome, "{id}: {}", v.observed);
    assert!(
        v.observed.contains(seen),
        "{id}: '{}' lacks '{seen}'",
        v.observed
    );
}
