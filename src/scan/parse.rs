//! Small readers of the configuration formats the checks look at. Each takes any text —
//! broken, binary, empty — and answers what it could read; none panics (fuzzed in the tests).

use super::Host;
use super::host::Read;

/// Lines without comments (`#`, and `;` where asked) and blanks, trimmed.
pub fn lines(text: &str) -> impl Iterator<Item = &str> {
    text.lines()
        .map(|l| l.split('#').next().unwrap_or("").trim())
        .filter(|l| !l.is_empty())
}

/// `Key value` or `Key=value` pairs (the key lower-cased), in order.
pub fn key_values(text: &str) -> Vec<(String, String)> {
    lines(text)
        .filter_map(|l| {
            let (k, v) = match l.find(|c: char| c == '=' || c.is_whitespace()) {
                Some(i) => (
                    &l[..i],
                    l[i..].trim_start_matches(|c: char| c == '=' || c.is_whitespace()),
                ),
                None => (l, ""),
            };
            (!k.is_empty()).then(|| {
                (
                    k.to_ascii_lowercase(),
                    v.trim().trim_matches('"').to_string(),
                )
            })
        })
        .collect()
}

/// The first value of a key (sshd takes the first one it reads).
pub fn first<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The last value of a key (most formats let a later line win).
pub fn last<'a>(pairs: &'a [(String, String)], key: &str) -> Option<&'a str> {
    pairs
        .iter()
        .rev()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// The global part of an sshd configuration — `sshd_config` and the files it includes, up
/// to the first `Match` block — as (key, value) in the order sshd reads them.
pub fn sshd(host: &Host) -> Option<Vec<(String, String)>> {
    let main = host.text("/etc/ssh/sshd_config")?;
    let mut out = Vec::new();
    expand_sshd(host, &main, &mut out, 0);
    Some(out)
}

fn expand_sshd(host: &Host, text: &str, out: &mut Vec<(String, String)>, depth: usize) {
    for (k, v) in key_values(text) {
        if k == "match" {
            return;
        }
        if k == "include" && depth < 4 {
            for pattern in v.split_whitespace() {
                let pattern = if pattern.starts_with('/') {
                    pattern.to_string()
                } else {
                    format!("/etc/ssh/{pattern}")
                };
                for file in glob(host, &pattern) {
                    if let Some(t) = host.text(&file) {
                        expand_sshd(host, &t, out, depth + 1);
                    }
                }
            }
            continue;
        }
        out.push((k, v));
    }
}

/// The files matching a pattern whose last part may hold one `*` (as `Include` uses).
pub fn glob(host: &Host, pattern: &str) -> Vec<String> {
    let Some((dir, name)) = pattern.rsplit_once('/') else {
        return Vec::new();
    };
    if !name.contains('*') {
        return if host.exists(pattern) {
            vec![pattern.to_string()]
        } else {
            Vec::new()
        };
    }
    let (pre, post) = name.split_once('*').unwrap_or((name, ""));
    host.list(dir)
        .unwrap_or_default()
        .into_iter()
        .filter(|n| n.starts_with(pre) && n.ends_with(post) && n.len() >= pre.len() + post.len())
        .map(|n| format!("{dir}/{n}"))
        .collect()
}

/// Settings of `sysctl.conf` and `sysctl.d/*.conf` (later files win), keys with `.` or `/`.
pub fn sysctl(host: &Host) -> Vec<(String, String)> {
    let mut files: Vec<(String, String)> = Vec::new();
    for dir in [
        "/usr/lib/sysctl.d",
        "/lib/sysctl.d",
        "/run/sysctl.d",
        "/etc/sysctl.d",
    ] {
        for (p, r) in host.read_dir(dir, ".conf") {
            if let Read::Text(t) = r {
                let name = p.rsplit('/').next().unwrap_or("").to_string();
                // A file of the same name in a later folder replaces the earlier one.
                files.retain(|(n, _)| *n != name);
                files.push((name, t));
            }
        }
    }
    files.sort_by(|a, b| a.0.cmp(&b.0));
    let mut out = Vec::new();
    for (_, t) in &files {
        out.extend(sysctl_pairs(t));
    }
    if let Some(t) = host.text("/etc/sysctl.conf") {
        out.extend(sysctl_pairs(&t));
    }
    out
}

fn sysctl_pairs(text: &str) -> Vec<(String, String)> {
    text.lines()
        .map(|l| l.split(['#', ';']).next().unwrap_or("").trim())
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| {
            (
                k.trim().trim_start_matches('-').replace('/', "."),
                v.trim().to_string(),
            )
        })
        .filter(|(k, _)| !k.is_empty())
        .collect()
}

/// The value a kernel setting has: from `/proc/sys` on the running host, else from the
/// configuration files.
pub fn kernel_setting(host: &Host, key: &str) -> Option<String> {
    if host.is_live()
        && let Some(v) = host.text(&format!("/proc/sys/{}", key.replace('.', "/")))
    {
        return Some(v.trim().to_string());
    }
    last(&sysctl(host), key).map(str::to_string)
}

/// An account of `/etc/passwd`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
    pub home: String,
    pub shell: String,
}

impl Account {
    /// Whether the account can log in with a shell.
    pub fn has_shell(&self) -> bool {
        !(self.shell.ends_with("nologin")
            || self.shell.ends_with("/false")
            || self.shell.is_empty())
    }
}

pub fn passwd(text: &str) -> Vec<Account> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 7 || f[0].is_empty() || f[0].starts_with('#') {
                return None;
            }
            Some(Account {
                name: f[0].to_string(),
                uid: f[2].parse().ok()?,
                gid: f[3].parse().ok()?,
                home: f[5].to_string(),
                shell: f[6].to_string(),
            })
        })
        .collect()
}

/// (name, password field, last change in days) of `/etc/shadow`.
pub fn shadow(text: &str) -> Vec<(String, String, Option<i64>)> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 3 && !f[0].is_empty())
                .then(|| (f[0].to_string(), f[1].to_string(), f[2].parse().ok()))
        })
        .collect()
}

/// A mount of `fstab` or `/proc/mounts`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    pub device: String,
    pub dir: String,
    pub fstype: String,
    pub options: Vec<String>,
}

pub fn mounts(text: &str) -> Vec<Mount> {
    lines(text)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() >= 4).then(|| Mount {
                device: f[0].to_string(),
                dir: f[1].replace("\\040", " "),
                fstype: f[2].to_string(),
                options: f[3].split(',').map(str::to_string).collect(),
            })
        })
        .collect()
}

/// The mounts of the host: `/proc/mounts` on the running host, else `/etc/fstab`.
pub fn host_mounts(host: &Host) -> Option<Vec<Mount>> {
    if host.is_live()
        && let Some(t) = host.text("/proc/mounts")
    {
        return Some(mounts(&t));
    }
    host.text("/etc/fstab").map(|t| mounts(&t))
}

/// Listening TCP sockets of `/proc/net/tcp` or `tcp6`: (local address in hex, port).
pub fn listening(text: &str) -> Vec<(String, u16)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            if f.len() < 4 || f[3] != "0A" {
                return None;
            }
            let (addr, port) = f[1].split_once(':')?;
            Some((addr.to_string(), u16::from_str_radix(port, 16).ok()?))
        })
        .collect()
}

/// Whether a hex address of `/proc/net/tcp*` is a loopback one.
pub fn is_loopback(hex: &str) -> bool {
    // IPv4 little-endian 127.x.x.x is "xxxxxx7F"; IPv6 ::1 is 31 zeros and a 1 (as four
    // little-endian words); an IPv4-mapped 127 address ends with "7F".
    hex.len() == 8 && hex.ends_with("7F")
        || hex == "00000000000000000000000001000000"
        || hex.len() == 32 && hex.starts_with("0000000000000000FFFF0000") && hex.ends_with("7F")
}

/// A package of dpkg's status database.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub status: String,
    pub version: String,
}

impl Package {
    pub fn installed(&self) -> bool {
        self.status.ends_with(" installed")
    }
}

pub fn dpkg_status(text: &str) -> Vec<Package> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut p = Package {
                name: String::new(),
                status: String::new(),
                version: String::new(),
            };
            for l in block.lines() {
                if let Some(v) = l.strip_prefix("Package:") {
                    p.name = v.trim().to_string();
                } else if let Some(v) = l.strip_prefix("Status:") {
                    p.status = v.trim().to_string();
                } else if let Some(v) = l.strip_prefix("Version:") {
                    p.version = v.trim().to_string();
                }
            }
            (!p.name.is_empty()).then_some(p)
        })
        .collect()
}

/// The installed packages (dpkg), or `None` when the host has no dpkg database.
pub fn installed_packages(host: &Host) -> Option<Vec<Package>> {
    let text = host.text("/var/lib/dpkg/status")?;
    Some(
        dpkg_status(&text)
            .into_iter()
            .filter(Package::installed)
            .collect(),
    )
}

/// Which of the named packages are installed, or `None` when the host has no dpkg database.
pub fn installed_named(host: &Host, names: &[&str]) -> Option<Vec<String>> {
    Some(
        installed_packages(host)?
            .into_iter()
            .filter(|p| names.contains(&p.name.as_str()))
            .map(|p| p.name)
            .collect(),
    )
}

/// An APT source: its options (`[signed-by=…]`), URI and suite.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    pub file: String,
    pub options: String,
    pub uri: String,
    pub suite: String,
}

/// The APT sources of `sources.list`, `sources.list.d/*.list` and `*.sources` (deb822).
pub fn apt_sources(host: &Host) -> Vec<Source> {
    let mut out = Vec::new();
    let mut one_line = vec![(
        "/etc/apt/sources.list".to_string(),
        host.read("/etc/apt/sources.list"),
    )];
    one_line.extend(host.read_dir("/etc/apt/sources.list.d", ".list"));
    for (file, r) in one_line {
        let Read::Text(t) = r else { continue };
        for l in lines(&t) {
            let mut rest = l;
            let Some(kind) = rest.split_whitespace().next() else {
                continue;
            };
            if kind != "deb" && kind != "deb-src" {
                continue;
            }
            rest = rest[kind.len()..].trim_start();
            let mut options = String::new();
            if rest.starts_with('[')
                && let Some(end) = rest.find(']')
            {
                options = rest[1..end].to_string();
                rest = rest[end + 1..].trim_start();
            }
            let mut f = rest.split_whitespace();
            out.push(Source {
                file: file.clone(),
                options,
                uri: f.next().unwrap_or("").to_string(),
                suite: f.next().unwrap_or("").to_string(),
            });
        }
    }
    for (file, r) in host.read_dir("/etc/apt/sources.list.d", ".sources") {
        let Read::Text(t) = r else { continue };
        for block in t.split("\n\n") {
            let pairs: Vec<(String, String)> = block
                .lines()
                .filter(|l| !l.starts_with('#') && !l.starts_with(' '))
                .filter_map(|l| l.split_once(':'))
                .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
                .collect();
            let Some(uris) = last(&pairs, "uris") else {
                continue;
            };
            if last(&pairs, "enabled").is_some_and(|e| e.eq_ignore_ascii_case("no")) {
                continue;
            }
            let options = [
                ("signed-by", last(&pairs, "signed-by")),
                ("trusted", last(&pairs, "trusted")),
            ]
            .iter()
            .filter_map(|(k, v)| v.map(|v| format!("{k}={v}")))
            .collect::<Vec<_>>()
            .join(" ");
            for uri in uris.split_whitespace() {
                out.push(Source {
                    file: file.clone(),
                    options: options.clone(),
                    uri: uri.to_string(),
                    suite: last(&pairs, "suites").unwrap_or("").to_string(),
                });
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_are_read() {
        let kv = key_values("# c\nPermitRootLogin no\nPasswordAuthentication=yes\n  X  \"q\"\n");
        assert_eq!(first(&kv, "permitrootlogin"), Some("no"));
        assert_eq!(first(&kv, "passwordauthentication"), Some("yes"));
        assert_eq!(first(&kv, "x"), Some("q"));
        let p = passwd(
            "root:x:0:0:root:/root:/bin/bash\nbad\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n",
        );
        assert_eq!(p.len(), 2);
        assert!(p[0].has_shell() && !p[1].has_shell());
        let m = mounts("/dev/sda1 / ext4 rw,relatime 0 1\ntmpfs /tmp tmpfs rw,nosuid,nodev 0 0\n");
        assert_eq!(m[1].options, ["rw", "nosuid", "nodev"]);
        let l = listening(
            "  sl  local_address rem_address   st\n   0: 0100007F:0CEA 00000000:0000 0A\n   1: 00000000:0016 00000000:0000 0A\n   2: 00000000:0050 00000000:0000 01\n",
        );
        assert_eq!(l, [("0100007F".into(), 3306), ("00000000".into(), 22)]);
        assert!(is_loopback("0100007F") && !is_loopback("00000000"));
        let d = dpkg_status(
            "Package: a\nStatus: install ok installed\nVersion: 1\n\nPackage: b\nStatus: deinstall ok config-files\n",
        );
        assert!(d[0].installed() && !d[1].installed());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Whatever the bytes, the readers answer without panicking.
        #[test]
        fn the_readers_never_panic(text in "\\PC*", raw in proptest::collection::vec(any::<u8>(), 0..400)) {
            let lossy = String::from_utf8_lossy(&raw).into_owned();
            for t in [text.as_str(), lossy.as_str()] {
                let _ = key_values(t);
                let _ = passwd(t);
                let _ = shadow(t);
                let _ = mounts(t);
                let _ = listening(t);
                let _ = dpkg_status(t);
                let _ = sysctl_pairs(t);
                let _ = is_loopback(t);
            }
        }

        /// Lines that look like the formats, with junk mixed in, are read without panicking.
        #[test]
        fn structured_junk_is_survived(
            parts in proptest::collection::vec("[a-zA-Z0-9:= \\[\\]#\\t.,/*-]{0,30}", 0..30)
        ) {
            let t = parts.join("\n");
            let _ = key_values(&t);
            let _ = passwd(&t);
            let _ = mounts(&t);
            let _ = listening(&format!("header\n{t}"));
            let _ = dpkg_status(&t);
            let dir = tempfile::tempdir().unwrap();
            std::fs::create_dir_all(dir.path().join("etc/ssh")).unwrap();
            std::fs::write(dir.path().join("etc/ssh/sshd_config"), &t).unwrap();
            std::fs::create_dir_all(dir.path().join("etc/apt/sources.list.d")).unwrap();
            std::fs::write(dir.path().join("etc/apt/sources.list"), &t).unwrap();
            std::fs::write(dir.path().join("etc/apt/sources.list.d/x.sources"), &t).unwrap();
            let host = Host::new(dir.path());
            let _ = sshd(&host);
            let _ = apt_sources(&host);
            let _ = sysctl(&host);
        }
    }
}
