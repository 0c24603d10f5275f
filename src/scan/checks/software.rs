//! Software on the host: 8.7 protection against malware, 8.8 technical vulnerabilities
//! (pending security updates read from the package database and APT's lists — no network),
//! 8.19 installation of software (signed repositories), 8.32 change management (the package
//! change log).

use crate::scan::host::Read;
use crate::scan::parse::{
    Package, apt_sources, dpkg_status, installed_named as installed, installed_packages,
};
use crate::scan::{Check, DAY, Host, Severity, Verdict};
use std::cmp::Ordering;

const SCANNERS: &[&str] = &[
    "clamav",
    "clamav-daemon",
    "clamdscan",
    "mdatp",
    "sophos-av",
    "eset-server-security",
    "sentinelagent",
    "falcon-sensor",
];

fn scanner_installed(host: &Host) -> Verdict {
    let Some(found) = installed(host, SCANNERS) else {
        return Verdict::not_applicable("/var/lib/dpkg/status: no dpkg package database");
    };
    let dirs: Vec<&str> = [
        "/opt/microsoft/mdatp",
        "/opt/sophos-spl",
        "/opt/CrowdStrike",
        "/opt/sentinelone",
    ]
    .into_iter()
    .filter(|d| host.exists(d))
    .collect();
    if found.is_empty() && dirs.is_empty() {
        return Verdict::fail("no malware scanner installed");
    }
    Verdict::pass(format!(
        "installed: {}",
        [found.join(", "), dirs.join(", ")]
            .iter()
            .filter(|s| !s.is_empty())
            .cloned()
            .collect::<Vec<_>>()
            .join(", ")
    ))
}

fn signatures_fresh(host: &Host) -> Verdict {
    if !host.exists("/var/lib/clamav") {
        return Verdict::not_applicable("/var/lib/clamav: ClamAV is not installed");
    }
    let newest = host.newest("/var/lib/clamav", |f| {
        f.ends_with(".cvd") || f.ends_with(".cld")
    });
    match newest {
        None => Verdict::fail("no ClamAV signature database in /var/lib/clamav"),
        Some(t) => {
            let days = (host.now - t) / DAY;
            Verdict::when(days <= 7, format!("newest signatures are {days} days old"))
        }
    }
}

/// Compares Debian versions (epoch, upstream, revision; `~` sorts before everything).
pub fn compare_versions(a: &str, b: &str) -> Ordering {
    fn split(v: &str) -> (u64, &str, &str) {
        let (epoch, rest) = match v.split_once(':') {
            Some((e, r)) if e.chars().all(|c| c.is_ascii_digit()) => (e.parse().unwrap_or(0), r),
            _ => (0, v),
        };
        match rest.rsplit_once('-') {
            Some((u, r)) => (epoch, u, r),
            None => (epoch, rest, ""),
        }
    }
    fn order(c: Option<char>) -> i32 {
        match c {
            Some('~') => -1,
            None => 0,
            Some(c) if c.is_ascii_alphabetic() => c as i32,
            Some(c) => c as i32 + 256,
        }
    }
    fn part(a: &str, b: &str) -> Ordering {
        let (mut a, mut b) = (a.chars().peekable(), b.chars().peekable());
        loop {
            // Non-digit run, compared with the special order.
            loop {
                let (x, y) = (a.peek().copied(), b.peek().copied());
                let xd = x.is_none_or(|c| c.is_ascii_digit());
                let yd = y.is_none_or(|c| c.is_ascii_digit());
                if xd && yd {
                    break;
                }
                let (ox, oy) = (if xd { 0 } else { order(x) }, if yd { 0 } else { order(y) });
                if ox != oy {
                    return ox.cmp(&oy);
                }
                if !xd {
                    a.next();
                }
                if !yd {
                    b.next();
                }
            }
            // Digit run, compared as numbers.
            let mut na: u128 = 0;
            while let Some(c) = a.peek().filter(|c| c.is_ascii_digit()) {
                na = na
                    .saturating_mul(10)
                    .saturating_add(u128::from(c.to_digit(10).unwrap_or(0)));
                a.next();
            }
            let mut nb: u128 = 0;
            while let Some(c) = b.peek().filter(|c| c.is_ascii_digit()) {
                nb = nb
                    .saturating_mul(10)
                    .saturating_add(u128::from(c.to_digit(10).unwrap_or(0)));
                b.next();
            }
            if na != nb {
                return na.cmp(&nb);
            }
            if a.peek().is_none() && b.peek().is_none() {
                return Ordering::Equal;
            }
        }
    }
    let (ea, ua, ra) = split(a);
    let (eb, ub, rb) = split(b);
    ea.cmp(&eb)
        .then_with(|| part(ua, ub))
        .then_with(|| part(ra, rb))
}

/// The packages of APT's lists from security suites: (name, version).
fn security_candidates(host: &Host) -> Option<(Vec<Package>, i64)> {
    let names = host.list("/var/lib/apt/lists")?;
    let mut out = Vec::new();
    let mut newest = 0;
    for n in names
        .iter()
        .filter(|n| n.ends_with("_Packages") && n.contains("security"))
    {
        let p = format!("/var/lib/apt/lists/{n}");
        if let Some(m) = host.meta(&p) {
            newest = newest.max(m.modified);
        }
        if let Read::Text(t) = host.read(&p) {
            out.extend(dpkg_status(&t));
        }
    }
    Some((out, newest))
}

fn pending_security(host: &Host) -> Verdict {
    let Some(installed) = installed_packages(host) else {
        return Verdict::not_applicable("/var/lib/dpkg/status: no dpkg package database");
    };
    let Some((candidates, newest)) = security_candidates(host) else {
        return Verdict::not_applicable("/var/lib/apt/lists: no package lists");
    };
    if candidates.is_empty() {
        return Verdict::not_applicable(
            "no security suite in APT's lists (is a security source configured?)",
        );
    }
    let mut pending: Vec<String> = Vec::new();
    for p in &installed {
        if let Some(best) = candidates
            .iter()
            .filter(|c| c.name == p.name)
            .max_by(|a, b| compare_versions(&a.version, &b.version))
            && compare_versions(&best.version, &p.version) == Ordering::Greater
        {
            pending.push(format!("{} {} → {}", p.name, p.version, best.version));
        }
    }
    let age = (host.now - newest) / DAY;
    let lists = format!("lists {age} days old");
    if pending.is_empty() {
        Verdict::pass(format!("no pending security update ({lists})"))
    } else {
        let n = pending.len();
        pending.truncate(8);
        Verdict::fail(format!(
            "{n} pending security updates ({lists}): {}",
            pending.join("; ")
        ))
    }
}

fn lists_fresh(host: &Host) -> Verdict {
    if !host.exists("/var/lib/apt/lists") {
        return Verdict::not_applicable("/var/lib/apt/lists: not an APT system");
    }
    let newest = host.newest("/var/lib/apt/lists", |n| {
        n.ends_with("_Packages") || n.ends_with("Release")
    });
    match newest {
        None => {
            Verdict::fail("APT's package lists are empty: the host has never looked for updates")
        }
        Some(t) => {
            let days = (host.now - t) / DAY;
            Verdict::when(days <= 7, format!("package lists updated {days} days ago"))
        }
    }
}

fn automatic_updates(host: &Host) -> Verdict {
    if !host.exists("/etc/apt") {
        return Verdict::not_applicable("/etc/apt: not an APT system");
    }
    let mut settings = String::new();
    for (_, r) in host.read_dir("/etc/apt/apt.conf.d", "") {
        if let Read::Text(t) = r {
            settings.push_str(&t);
            settings.push('\n');
        }
    }
    let on = settings.lines().any(|l| {
        let l = l.trim();
        !l.starts_with("//")
            && l.contains("APT::Periodic::Unattended-Upgrade")
            && (l.contains("\"1\"") || l.contains("\"true\""))
    });
    let package = installed(host, &["unattended-upgrades"]).is_some_and(|v| !v.is_empty());
    Verdict::when(
        on && package,
        match (package, on) {
            (true, true) => "unattended-upgrades installed and enabled".to_string(),
            (true, false) => {
                "unattended-upgrades installed but APT::Periodic::Unattended-Upgrade is not \"1\""
                    .to_string()
            }
            (false, _) => "unattended-upgrades is not installed".to_string(),
        },
    )
}

fn reboot_required(host: &Host) -> Verdict {
    if !host.exists("/var/lib/dpkg") {
        return Verdict::not_applicable("not a Debian-style system");
    }
    if host.exists("/var/run/reboot-required") || host.exists("/run/reboot-required") {
        let pkgs = host
            .text("/var/run/reboot-required.pkgs")
            .or_else(|| host.text("/run/reboot-required.pkgs"))
            .unwrap_or_default();
        let list: Vec<&str> = pkgs.lines().take(5).collect();
        return Verdict::fail(format!(
            "a reboot is pending to apply updates{}",
            if list.is_empty() {
                String::new()
            } else {
                format!(" ({})", list.join(", "))
            }
        ));
    }
    Verdict::pass("no reboot pending")
}

fn signed_repositories(host: &Host) -> Verdict {
    if !host.exists("/etc/apt") {
        return Verdict::not_applicable("/etc/apt: not an APT system");
    }
    let sources = apt_sources(host);
    if sources.is_empty() {
        return Verdict::not_applicable("no APT source configured");
    }
    let insecure: Vec<String> = sources
        .iter()
        .filter(|s| {
            let o = s.options.to_ascii_lowercase();
            o.contains("trusted=yes")
                || o.contains("allow-insecure=yes")
                || o.contains("allow-weak=yes")
        })
        .map(|s| format!("{} ({})", s.uri, s.file))
        .collect();
    let mut config = String::new();
    for (_, r) in host.read_dir("/etc/apt/apt.conf.d", "") {
        if let Read::Text(t) = r {
            config.push_str(&t);
        }
    }
    let global = config.contains("AllowUnauthenticated \"true\"")
        || config.contains("AllowInsecureRepositories \"true\"");
    if insecure.is_empty() && !global {
        Verdict::pass(format!(
            "{} sources, all verified by signature",
            sources.len()
        ))
    } else if global {
        Verdict::fail("APT is configured to accept unauthenticated packages")
    } else {
        Verdict::fail(format!(
            "sources trusted without a signature: {}",
            insecure.join(", ")
        ))
    }
}

fn global_keyring(host: &Host) -> Verdict {
    if !host.exists("/etc/apt") {
        return Verdict::not_applicable("/etc/apt: not an APT system");
    }
    match host.meta("/etc/apt/trusted.gpg") {
        Some(m) if m.len > 0 => {
            Verdict::fail("keys in the legacy /etc/apt/trusted.gpg sign for every repository")
        }
        _ => Verdict::pass("no key in the legacy global keyring /etc/apt/trusted.gpg"),
    }
}

fn package_log(host: &Host) -> Verdict {
    let text = crate::read_or!(host, "/var/log/dpkg.log", "no package change log");
    let entries = text
        .lines()
        .filter(|l| {
            l.contains(" status installed ") || l.contains(" upgrade ") || l.contains(" remove ")
        })
        .count();
    let last = text
        .lines()
        .rev()
        .find(|l| l.len() >= 10)
        .map(|l| &l[..10])
        .unwrap_or("");
    Verdict::when(
        entries > 0,
        if entries > 0 {
            format!("{entries} package changes recorded, the last on {last}")
        } else {
            "the package change log records no change".to_string()
        },
    )
}

fn apt_history(host: &Host) -> Verdict {
    let text = crate::read_or!(host, "/var/log/apt/history.log", "no APT history");
    let runs = text
        .lines()
        .filter(|l| l.starts_with("Start-Date:"))
        .count();
    let who = text
        .lines()
        .filter(|l| l.starts_with("Requested-By:"))
        .count();
    Verdict::when(
        runs > 0,
        format!("{runs} APT runs recorded, {who} with the person who asked"),
    )
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "malware.scanner-installed",
        title: "A malware scanner is installed",
        controls: &["8.7"],
        severity: Severity::Medium,
        how: "dpkg lists ClamAV or a known endpoint product as installed, or its folder exists under /opt",
        remediation: "Install a malware scanner (for example 'apt-get install clamav clamav-daemon') or the organisation's endpoint agent",
        cadence_days: 30,
        run: scanner_installed,
    },
    Check {
        id: "malware.signatures-fresh",
        title: "Malware signatures were updated within a week",
        controls: &["8.7"],
        severity: Severity::Medium,
        how: "The newest ClamAV database (.cvd/.cld in /var/lib/clamav) changed in the last 7 days",
        remediation: "Run freshclam regularly (the clamav-freshclam service does this)",
        cadence_days: 7,
        run: signatures_fresh,
    },
    Check {
        id: "updates.pending-security",
        title: "No security update is waiting to be installed",
        controls: &["8.8"],
        severity: Severity::High,
        how: "Every installed package (dpkg status) is at least at the version offered by the security suites in APT's downloaded lists (Debian version order); nothing is fetched",
        remediation: "Install the pending updates ('apt-get update && apt-get upgrade') and keep unattended-upgrades on",
        cadence_days: 1,
        run: pending_security,
    },
    Check {
        id: "updates.lists-fresh",
        title: "The host looked for updates within a week",
        controls: &["8.8"],
        severity: Severity::Medium,
        how: "APT's package lists in /var/lib/apt/lists changed in the last 7 days",
        remediation: "Let apt-daily.timer run, or run 'apt-get update' regularly",
        cadence_days: 7,
        run: lists_fresh,
    },
    Check {
        id: "updates.automatic",
        title: "Security updates install themselves",
        controls: &["8.8", "8.19"],
        severity: Severity::Medium,
        how: "unattended-upgrades is installed and APT::Periodic::Unattended-Upgrade is \"1\" in /etc/apt/apt.conf.d",
        remediation: "Install unattended-upgrades and enable it ('dpkg-reconfigure -plow unattended-upgrades')",
        cadence_days: 30,
        run: automatic_updates,
    },
    Check {
        id: "updates.reboot-required",
        title: "No installed update waits for a reboot",
        controls: &["8.8"],
        severity: Severity::Medium,
        how: "/run/reboot-required (written by updated kernels and libraries) is absent",
        remediation: "Reboot at the next maintenance window so that the updated kernel and libraries run",
        cadence_days: 7,
        run: reboot_required,
    },
    Check {
        id: "repos.signed",
        title: "Software comes only from signed repositories",
        controls: &["8.19", "8.8"],
        severity: Severity::High,
        how: "No APT source is marked trusted=yes or allow-insecure, and APT is not told to accept unauthenticated packages",
        remediation: "Remove trusted=yes from the source and add the repository's signing key with signed-by=",
        cadence_days: 30,
        run: signed_repositories,
    },
    Check {
        id: "repos.scoped-keys",
        title: "Repository keys are scoped to their repository",
        controls: &["8.19"],
        severity: Severity::Low,
        how: "The legacy global keyring /etc/apt/trusted.gpg is absent or empty",
        remediation: "Move each key to /etc/apt/keyrings and reference it with signed-by= on its source",
        cadence_days: 30,
        run: global_keyring,
    },
    Check {
        id: "change.package-log",
        title: "Package changes are logged",
        controls: &["8.32", "8.15"],
        severity: Severity::Low,
        how: "/var/log/dpkg.log exists and records installations, upgrades or removals",
        remediation: "Keep dpkg's log (do not truncate /var/log/dpkg.log; let logrotate keep its history)",
        cadence_days: 30,
        run: package_log,
    },
    Check {
        id: "change.apt-history",
        title: "APT records who changed what",
        controls: &["8.32"],
        severity: Severity::Low,
        how: "/var/log/apt/history.log records APT runs (with Requested-By where sudo was used)",
        remediation: "Keep /var/log/apt/history.log and its rotated copies; make changes through sudo so the person is recorded",
        cadence_days: 30,
        run: apt_history,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Outcome;
    use crate::scan::checks::fixture;

    fn outcome(c: &str, host: &Host) -> (Outcome, String) {
        let check = CHECKS.iter().find(|k| k.id == c).unwrap();
        let v = (check.run)(host);
        (v.outcome, v.observed)
    }

    #[test]
    fn debian_versions_compare_like_dpkg() {
        for (a, b, want) in [
            ("1.0", "1.0", Ordering::Equal),
            ("1.0-1", "1.0-2", Ordering::Less),
            ("1:0.9", "2.0", Ordering::Greater),
            ("1.0~rc1", "1.0", Ordering::Less),
            ("2.36-9+deb12u4", "2.36-9+deb12u7", Ordering::Less),
            ("1.2.10", "1.2.9", Ordering::Greater),
            ("1.0a", "1.0", Ordering::Greater),
            ("3.0.11-1~deb12u2", "3.0.11-1", Ordering::Less),
        ] {
            assert_eq!(compare_versions(a, b), want, "{a} vs {b}");
        }
    }

    const STATUS: &str = "Package: openssl\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u1\n\nPackage: clamav\nStatus: install ok installed\nVersion: 1.0.7\n\nPackage: unattended-upgrades\nStatus: install ok installed\nVersion: 2.9\n";

    #[test]
    fn pending_security_updates_are_found_without_network() {
        let lists = "/var/lib/apt/lists/deb.debian.org_debian-security_dists_bookworm-security_main_binary-amd64_Packages";
        let root = fixture(&[
            ("/var/lib/dpkg/status", STATUS, 0o644),
            (
                lists,
                "Package: openssl\nVersion: 3.0.11-1~deb12u2\n\nPackage: curl\nVersion: 7.88.1-10+deb12u8\n",
                0o644,
            ),
        ]);
        let host = Host::new(root.path());
        let (o, seen) = outcome("updates.pending-security", &host);
        assert_eq!(o, Outcome::Fail, "{seen}");
        assert!(
            seen.contains("openssl 3.0.11-1~deb12u1 → 3.0.11-1~deb12u2"),
            "{seen}"
        );
        let current = fixture(&[
            ("/var/lib/dpkg/status", STATUS, 0o644),
            (
                lists,
                "Package: openssl\nVersion: 3.0.11-1~deb12u1\n",
                0o644,
            ),
        ]);
        assert_eq!(
            outcome("updates.pending-security", &Host::new(current.path())).0,
            Outcome::Pass
        );
        assert_eq!(
            outcome("updates.lists-fresh", &Host::new(current.path())).0,
            Outcome::Pass
        );
        let no_lists = fixture(&[("/var/lib/dpkg/status", STATUS, 0o644)]);
        assert_eq!(
            outcome("updates.pending-security", &Host::new(no_lists.path())).0,
            Outcome::NotApplicable
        );
    }

    #[test]
    fn malware_updates_repositories_and_change_logs() {
        let good = fixture(&[
            ("/var/lib/dpkg/status", STATUS, 0o644),
            ("/var/lib/clamav/daily.cld", "x", 0o644),
            (
                "/etc/apt/apt.conf.d/20auto-upgrades",
                "APT::Periodic::Update-Package-Lists \"1\";\nAPT::Periodic::Unattended-Upgrade \"1\";\n",
                0o644,
            ),
            (
                "/etc/apt/sources.list",
                "deb http://deb.debian.org/debian bookworm main\n",
                0o644,
            ),
            (
                "/etc/apt/sources.list.d/debian.sources",
                "Types: deb\nURIs: http://deb.debian.org/debian\nSuites: bookworm\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n",
                0o644,
            ),
            (
                "/var/log/dpkg.log",
                "2026-11-30 10:00:01 status installed openssl:amd64 3.0.11\n",
                0o644,
            ),
            (
                "/var/log/apt/history.log",
                "Start-Date: 2026-11-30  10:00:00\nRequested-By: ann (1000)\n",
                0o644,
            ),
        ]);
        let host = Host::new(good.path());
        for c in [
            "malware.scanner-installed",
            "malware.signatures-fresh",
            "updates.automatic",
            "updates.reboot-required",
            "repos.signed",
            "repos.scoped-keys",
            "change.package-log",
            "change.apt-history",
        ] {
            let (o, seen) = outcome(c, &host);
            assert_eq!(o, Outcome::Pass, "{c}: {seen}");
        }
        let bad = fixture(&[
            (
                "/var/lib/dpkg/status",
                "Package: bash\nStatus: install ok installed\nVersion: 5.2\n",
                0o644,
            ),
            ("/var/lib/clamav/readme", "", 0o644),
            (
                "/etc/apt/apt.conf.d/20auto-upgrades",
                "APT::Periodic::Unattended-Upgrade \"0\";\n",
                0o644,
            ),
            (
                "/etc/apt/sources.list",
                "deb [trusted=yes] http://repo.example.org/ stable main\n",
                0o644,
            ),
            ("/etc/apt/trusted.gpg", "key", 0o644),
            ("/run/reboot-required", "", 0o644),
            ("/var/log/dpkg.log", "", 0o644),
            ("/var/log/apt/history.log", "", 0o644),
        ]);
        let host = Host::new(bad.path());
        for c in [
            "malware.scanner-installed",
            "malware.signatures-fresh",
            "updates.automatic",
            "updates.reboot-required",
            "repos.signed",
            "repos.scoped-keys",
            "change.package-log",
            "change.apt-history",
        ] {
            let (o, seen) = outcome(c, &host);
            assert_eq!(o, Outcome::Fail, "{c}: {seen}");
        }
        assert!(
            outcome("repos.signed", &host)
                .1
                .contains("repo.example.org")
        );
        let empty = tempfile::tempdir().unwrap();
        for c in CHECKS {
            let v = (c.run)(&Host::new(empty.path()));
            assert_eq!(
                v.outcome,
                Outcome::NotApplicable,
                "{}: {}",
                c.id,
                v.observed
            );
        }
    }
}
