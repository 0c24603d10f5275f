//! The root a scan reads: `/` for the running host, or any folder holding a system's files
//! (a mounted image, a container root, a test fixture). Paths are given as on the host
//! (`/etc/ssh/sshd_config`) and read below the root; nothing is written, no link is followed
//! out of a walk, and a file too large or unreadable is reported, never fatal.

use std::os::unix::fs::MetadataExt;
use std::path::{Component, Path, PathBuf};

/// Largest file a check reads.
const MAX_BYTES: u64 = 8 << 20;

/// What reading a file gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Read {
    Text(String),
    Missing,
    Denied,
    Failed(String),
}

/// A file's or folder's metadata.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Meta {
    pub mode: u32,
    pub uid: u32,
    pub gid: u32,
    pub is_dir: bool,
    pub is_file: bool,
    pub is_symlink: bool,
    pub len: u64,
    /// Seconds since the epoch.
    pub modified: i64,
}

impl Meta {
    pub fn world_writable(&self) -> bool {
        self.mode & 0o002 != 0
    }

    pub fn group_or_world_readable(&self) -> bool {
        self.mode & 0o044 != 0
    }

    pub fn setuid(&self) -> bool {
        self.mode & 0o4000 != 0
    }

    pub fn setgid(&self) -> bool {
        self.mode & 0o2000 != 0
    }

    pub fn sticky(&self) -> bool {
        self.mode & 0o1000 != 0
    }
}

pub struct Host {
    root: PathBuf,
    /// "Now" for age checks, seconds since the epoch.
    pub now: i64,
    census: std::sync::OnceLock<Census>,
}

/// The folders the file-mode checks look through, walked once per scan.
pub const CENSUS_TOPS: &[&str] = &[
    "/etc", "/usr", "/bin", "/sbin", "/tmp", "/var", "/opt", "/srv",
];
/// Entries walked at most below each of them.
pub const CENSUS_BUDGET: usize = 200_000;

/// One walk of `CENSUS_TOPS`, keeping only what the checks ask about: world-writable entries
/// and set-user-id or set-group-id files (memory stays small whatever the tree).
#[derive(Debug, Default)]
pub struct Census {
    /// Each top folder that is a real folder, with its metadata and how many entries were seen below it.
    pub tops: Vec<(String, Meta, usize)>,
    pub notable: Vec<(String, Meta)>,
    /// Whether a walk stopped at its budget.
    pub ran_out: bool,
}

impl Host {
    pub fn new(root: &Path) -> Host {
        Host {
            root: root.to_path_buf(),
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0),
            census: std::sync::OnceLock::new(),
        }
    }

    /// The walk of `CENSUS_TOPS`, made on first use (in parallel, one walk per folder).
    pub fn census(&self) -> &Census {
        self.census.get_or_init(|| {
            use rayon::prelude::*;
            let tops: Vec<(String, Meta)> = CENSUS_TOPS
                .iter()
                .filter_map(|t| self.meta(t).map(|m| (t.to_string(), m)))
                .filter(|(_, m)| m.is_dir && !m.is_symlink)
                .collect();
            type Walked = (usize, Vec<(String, Meta)>, bool);
            let walked: Vec<Walked> = tops
                .par_iter()
                .map(|(t, _)| {
                    let mut notable = Vec::new();
                    let mut seen = 0;
                    let ran_out = self.visit(&[t.as_str()], CENSUS_BUDGET, &mut |p, m| {
                        seen += 1;
                        if m.world_writable() || (m.is_file && (m.setuid() || m.setgid())) {
                            notable.push((p.to_string(), *m));
                        }
                    });
                    (seen, notable, ran_out)
                })
                .collect();
            let mut c = Census::default();
            for ((t, m), (seen, notable, ran_out)) in tops.into_iter().zip(walked) {
                c.tops.push((t, m, seen));
                c.notable.extend(notable);
                c.ran_out |= ran_out;
            }
            c
        })
    }

    /// Whether this is the running system (so `/proc` describes it).
    pub fn is_live(&self) -> bool {
        self.root == Path::new("/")
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    /// The real path of a host path: below the root, without `..`.
    pub fn path(&self, p: &str) -> PathBuf {
        let mut out = self.root.clone();
        for c in Path::new(p).components() {
            if let Component::Normal(part) = c {
                out.push(part);
            }
        }
        out
    }

    pub fn read(&self, p: &str) -> Read {
        let path = self.path(p);
        match std::fs::metadata(&path) {
            Err(e) => return io_read(e),
            Ok(m) if m.is_dir() => return Read::Failed(format!("{p} is a folder")),
            Ok(m) if m.len() > MAX_BYTES => {
                return Read::Failed(format!("{p} is larger than {} MB", MAX_BYTES >> 20));
            }
            Ok(_) => {}
        }
        match std::fs::read(&path) {
            Ok(bytes) => Read::Text(String::from_utf8_lossy(&bytes).into_owned()),
            Err(e) => io_read(e),
        }
    }

    /// The text of a file, or `None` when it is missing or unreadable.
    pub fn text(&self, p: &str) -> Option<String> {
        match self.read(p) {
            Read::Text(t) => Some(t),
            _ => None,
        }
    }

    pub fn exists(&self, p: &str) -> bool {
        std::fs::symlink_metadata(self.path(p)).is_ok()
    }

    pub fn meta(&self, p: &str) -> Option<Meta> {
        std::fs::symlink_metadata(self.path(p))
            .ok()
            .map(|m| meta(&m))
    }

    /// Names in a folder, sorted; `None` when it is missing or unreadable.
    pub fn list(&self, dir: &str) -> Option<Vec<String>> {
        let mut names: Vec<String> = std::fs::read_dir(self.path(dir))
            .ok()?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        Some(names)
    }

    /// When the newest entry of a folder whose name passes `keep` was last changed (seconds
    /// since the epoch); `None` when the folder is missing or holds none.
    pub fn newest(&self, dir: &str, keep: impl Fn(&str) -> bool) -> Option<i64> {
        self.list(dir)?
            .iter()
            .filter(|n| keep(n))
            .filter_map(|n| self.meta(&format!("{}/{n}", dir.trim_end_matches('/'))))
            .map(|m| m.modified)
            .max()
    }

    /// The files of a folder whose names end with `suffix`, with their text, sorted by name.
    pub fn read_dir(&self, dir: &str, suffix: &str) -> Vec<(String, Read)> {
        self.list(dir)
            .unwrap_or_default()
            .into_iter()
            .filter(|n| n.ends_with(suffix) && !n.starts_with('.'))
            .map(|n| {
                let p = format!("{}/{n}", dir.trim_end_matches('/'));
                let r = self.read(&p);
                (p, r)
            })
            .filter(|(_, r)| !matches!(r, Read::Failed(m) if m.ends_with("is a folder")))
            .collect()
    }

    /// Every entry below the folders (not following links, not crossing into `/proc`,
    /// `/sys` or `/dev`), at most `budget` of them; answers the entries and whether the
    /// budget ran out.
    pub fn walk(&self, dirs: &[&str], budget: usize) -> (Vec<(String, Meta)>, bool) {
        let mut out = Vec::new();
        let ran_out = self.visit(dirs, budget, &mut |p, m| out.push((p.to_string(), *m)));
        (out, ran_out)
    }

    /// Calls `f` for every entry below the folders, as `walk` lists them, without keeping
    /// them; answers whether the budget ran out.
    pub fn visit(&self, dirs: &[&str], budget: usize, f: &mut dyn FnMut(&str, &Meta)) -> bool {
        let mut seen = 0;
        let mut stack: Vec<String> = dirs.iter().rev().map(|d| d.to_string()).collect();
        while let Some(dir) = stack.pop() {
            let Ok(entries) = std::fs::read_dir(self.path(&dir)) else {
                continue;
            };
            let mut children: Vec<(String, Meta)> = entries
                .filter_map(|e| e.ok())
                .filter_map(|e| {
                    let name = e.file_name().to_string_lossy().into_owned();
                    let m = e.metadata().ok()?;
                    Some((format!("{}/{name}", dir.trim_end_matches('/')), meta(&m)))
                })
                .collect();
            children.sort_by(|a, b| a.0.cmp(&b.0));
            for (p, m) in children.into_iter().rev() {
                if seen >= budget {
                    return true;
                }
                seen += 1;
                f(&p, &m);
                if m.is_dir
                    && !m.is_symlink
                    && !["/proc", "/sys", "/dev", "/run"].contains(&p.as_str())
                {
                    stack.push(p);
                }
            }
        }
        false
    }
}

fn io_read(e: std::io::Error) -> Read {
    match e.kind() {
        std::io::ErrorKind::NotFound => Read::Missing,
        std::io::ErrorKind::PermissionDenied => Read::Denied,
        _ => Read::Failed(e.to_string()),
    }
}

fn meta(m: &std::fs::Metadata) -> Meta {
    Meta {
        mode: m.mode(),
        uid: m.uid(),
        gid: m.gid(),
        is_dir: m.is_dir(),
        is_file: m.is_file(),
        is_symlink: m.file_type().is_symlink(),
        len: m.len(),
        modified: m.mtime(),
    }
}

/// Reads a file for a check, or returns the check's verdict when it cannot:
/// not applicable when the file is missing or may not be read, an error otherwise.
#[macro_export]
macro_rules! read_or {
    ($host:expr, $path:expr, $missing:expr) => {
        match $host.read($path) {
            $crate::scan::Read::Text(t) => t,
            $crate::scan::Read::Missing => {
                return $crate::scan::Verdict::not_applicable(format!("{}: {}", $path, $missing));
            }
            $crate::scan::Read::Denied => {
                return $crate::scan::Verdict::not_applicable(format!(
                    "permission denied: {}",
                    $path
                ));
            }
            $crate::scan::Read::Failed(e) => return $crate::scan::Verdict::error(e),
        }
    };
}
