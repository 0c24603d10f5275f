//! 8.24 use of cryptography: TLS settings of OpenSSL and the web servers, weak ciphers, and
//! the permissions of private keys. 8.13 information backup: a backup tool, a scheduled job,
//! and a recent run.

use crate::scan::host::Read;
use crate::scan::parse::{installed_named, lines};
use crate::scan::{Check, DAY, Host, Severity, Verdict};

/// The text of the web servers' configuration files: (file, text).
fn web_configs(host: &Host) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for dir in [
        "/etc/nginx",
        "/etc/nginx/conf.d",
        "/etc/nginx/sites-enabled",
        "/etc/apache2",
        "/etc/apache2/sites-enabled",
        "/etc/apache2/mods-enabled",
        "/etc/apache2/conf-enabled",
        "/etc/httpd/conf",
        "/etc/httpd/conf.d",
    ] {
        for (p, r) in host.read_dir(dir, "") {
            if let Read::Text(t) = r {
                out.push((p, t));
            }
        }
    }
    out
}

/// Values of a directive (`ssl_protocols`, `SSLProtocol`) across the web configuration.
fn directive(configs: &[(String, String)], names: &[&str]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (file, text) in configs {
        for l in lines(text) {
            let mut words = l.split_whitespace();
            let Some(first) = words.next() else { continue };
            if names.iter().any(|n| first.eq_ignore_ascii_case(n)) {
                let value = words.collect::<Vec<_>>().join(" ");
                out.push((file.clone(), value.trim_end_matches(';').to_string()));
            }
        }
    }
    out
}

fn web_protocols(host: &Host) -> Verdict {
    let configs = web_configs(host);
    if configs.is_empty() {
        return Verdict::not_applicable("no nginx or Apache configuration");
    }
    let set = directive(&configs, &["ssl_protocols", "SSLProtocol"]);
    let old: Vec<String> = set
        .iter()
        .filter(|(_, v)| {
            v.split_whitespace().any(|p| {
                let p = p.trim_start_matches('+');
                !p.starts_with('-')
                    && ["sslv2", "sslv3", "tlsv1", "tlsv1.1", "all"]
                        .contains(&p.to_ascii_lowercase().as_str())
            }) && !v.to_ascii_lowercase().contains("-tlsv1.1")
        })
        .map(|(f, v)| format!("{f}: {v}"))
        .collect();
    if set.is_empty() {
        return Verdict::pass(
            "no protocol list set: current nginx and Apache default to TLS 1.2 and 1.3",
        );
    }
    Verdict::when(
        old.is_empty(),
        if old.is_empty() {
            format!("{} protocol settings, none below TLS 1.2", set.len())
        } else {
            format!("SSL or TLS below 1.2 enabled: {}", old.join("; "))
        },
    )
}

fn web_ciphers(host: &Host) -> Verdict {
    let configs = web_configs(host);
    if configs.is_empty() {
        return Verdict::not_applicable("no nginx or Apache configuration");
    }
    let set = directive(&configs, &["ssl_ciphers", "SSLCipherSuite"]);
    let weak: Vec<String> = set
        .iter()
        .filter(|(_, v)| {
            v.split(':').any(|c| {
                let c = c.trim().trim_matches(['"', '\'']).to_ascii_uppercase();
                !c.starts_with('!')
                    && !c.starts_with('-')
                    && [
                        "RC4", "DES", "MD5", "NULL", "EXPORT", "ANON", "ADH", "AECDH",
                    ]
                    .iter()
                    .any(|w| c.contains(w))
            })
        })
        .map(|(f, v)| format!("{f}: {v}"))
        .collect();
    Verdict::when(
        weak.is_empty(),
        if weak.is_empty() {
            format!("{} cipher settings, none weak", set.len())
        } else {
            format!("weak ciphers enabled: {}", weak.join("; "))
        },
    )
}

fn openssl_minimum(host: &Host) -> Verdict {
    let text = crate::read_or!(host, "/etc/ssl/openssl.cnf", "no OpenSSL configuration");
    let min = lines(&text)
        .filter_map(|l| l.split_once('='))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("MinProtocol"))
        .map(|(_, v)| v.trim().to_string());
    match min {
        None => Verdict::pass(
            "MinProtocol not set: OpenSSL's default (TLS 1.2 or later on current systems)",
        ),
        Some(v) => Verdict::when(
            matches!(v.as_str(), "TLSv1.2" | "TLSv1.3" | "DTLSv1.2"),
            format!("MinProtocol = {v}"),
        ),
    }
}

fn private_keys(host: &Host) -> Verdict {
    let Some(names) = host.list("/etc/ssl/private") else {
        return Verdict::not_applicable(
            "/etc/ssl/private: no private key folder (or permission denied)",
        );
    };
    let dir = host.meta("/etc/ssl/private");
    let mut exposed: Vec<String> = Vec::new();
    if let Some(m) = dir
        && m.mode & 0o007 != 0
    {
        exposed.push(format!("/etc/ssl/private is {:o}", m.mode & 0o777));
    }
    for n in &names {
        let p = format!("/etc/ssl/private/{n}");
        if let Some(m) = host.meta(&p)
            && m.is_file
            && m.mode & 0o077 & !0o040 != 0
        {
            exposed.push(format!("{p} is {:o}", m.mode & 0o777));
        }
    }
    Verdict::when(
        exposed.is_empty(),
        if exposed.is_empty() {
            format!(
                "{} private keys, readable by their owner (and group) only",
                names.len()
            )
        } else {
            format!("private keys readable by others: {}", exposed.join(", "))
        },
    )
}

fn ssh_host_key_permissions(host: &Host) -> Verdict {
    let Some(names) = host.list("/etc/ssh") else {
        return Verdict::not_applicable("/etc/ssh: no SSH configuration");
    };
    let keys: Vec<String> = names
        .into_iter()
        .filter(|n| n.starts_with("ssh_host_") && n.ends_with("_key"))
        .collect();
    if keys.is_empty() {
        return Verdict::not_applicable("no SSH host key");
    }
    let open: Vec<String> = keys
        .iter()
        .filter_map(|k| {
            let p = format!("/etc/ssh/{k}");
            host.meta(&p)
                .filter(|m| m.mode & 0o037 != 0)
                .map(|m| format!("{p} is {:o}", m.mode & 0o777))
        })
        .collect();
    Verdict::when(
        open.is_empty(),
        if open.is_empty() {
            format!("{} host keys, none readable by others", keys.len())
        } else {
            format!("host private keys too open: {}", open.join(", "))
        },
    )
}

const BACKUP_TOOLS: &[&str] = &[
    "restic",
    "borgbackup",
    "borgmatic",
    "duplicity",
    "duplicati",
    "rsnapshot",
    "bacula-fd",
    "bareos-filedaemon",
    "proxmox-backup-client",
    "amanda-client",
    "backupninja",
    "kopia",
    "rdiff-backup",
];

/// Words of a backup command in a job's line.
const BACKUP_WORDS: &[&str] = &[
    "restic",
    "borg",
    "duplicity",
    "rsnapshot",
    "bacula",
    "bareos",
    "proxmox-backup",
    "amanda",
    "backupninja",
    "kopia",
    "rdiff-backup",
    "pg_dump",
    "mysqldump",
    "pg_basebackup",
];

/// Whether a job's or log's file name says it is a backup (dpkg's own database copy is not).
fn named_backup(name: &str) -> bool {
    (name.contains("backup") && !name.contains("dpkg"))
        || BACKUP_WORDS.iter().any(|w| name.contains(w))
}

fn backup_tool(host: &Host) -> Verdict {
    let Some(found) = installed_named(host, BACKUP_TOOLS) else {
        return Verdict::not_applicable("/var/lib/dpkg/status: no dpkg package database");
    };
    Verdict::when(
        !found.is_empty(),
        if found.is_empty() {
            "no backup tool installed".to_string()
        } else {
            format!("installed: {}", found.join(", "))
        },
    )
}

/// Scheduled jobs that run a backup: (where, the line).
fn backup_jobs(host: &Host) -> Vec<String> {
    let mut files: Vec<(String, Read)> = vec![("/etc/crontab".into(), host.read("/etc/crontab"))];
    for dir in [
        "/etc/cron.d",
        "/etc/cron.daily",
        "/etc/cron.weekly",
        "/etc/cron.hourly",
        "/var/spool/cron/crontabs",
        "/etc/systemd/system",
    ] {
        files.extend(host.read_dir(dir, ""));
    }
    let mut out = Vec::new();
    for (p, r) in files {
        let name_says = named_backup(p.rsplit('/').next().unwrap_or(""));
        if p.starts_with("/etc/systemd/system") && !(p.ends_with(".timer") && name_says) {
            continue;
        }
        if name_says
            && (p.starts_with("/etc/cron.daily")
                || p.starts_with("/etc/cron.weekly")
                || p.starts_with("/etc/cron.hourly")
                || p.ends_with(".timer"))
        {
            out.push(p.clone());
            continue;
        }
        if let Read::Text(t) = r {
            for l in lines(&t) {
                if BACKUP_WORDS.iter().any(|w| l.contains(w)) && !l.contains("dpkg-db-backup") {
                    out.push(format!("{p}: {l}"));
                    break;
                }
            }
        }
    }
    out
}

fn backup_scheduled(host: &Host) -> Verdict {
    if !host.exists("/etc") {
        return Verdict::not_applicable("/etc: not a system root");
    }
    let jobs = backup_jobs(host);
    Verdict::when(
        !jobs.is_empty(),
        if jobs.is_empty() {
            "no scheduled backup job in cron or systemd timers".to_string()
        } else {
            format!(
                "backup jobs: {}",
                jobs.into_iter().take(3).collect::<Vec<_>>().join("; ")
            )
        },
    )
}

fn backup_recent(host: &Host) -> Verdict {
    let Some(names) = host.list("/var/log") else {
        return Verdict::not_applicable("/var/log: no logs");
    };
    let logs: Vec<(String, i64)> = names
        .iter()
        .filter(|n| named_backup(n))
        .filter_map(|n| {
            let p = format!("/var/log/{n}");
            host.meta(&p).map(|m| (p, m.modified))
        })
        .collect();
    let Some((p, t)) = logs.into_iter().max_by_key(|(_, t)| *t) else {
        return Verdict::not_applicable("no backup log under /var/log to date the last run");
    };
    let days = (host.now - t) / DAY;
    Verdict::when(days <= 2, format!("{p} last written {days} days ago"))
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "tls.web-protocols",
        title: "Web servers offer TLS 1.2 or later only",
        controls: &["8.24", "8.21"],
        severity: Severity::High,
        how: "No ssl_protocols (nginx) or SSLProtocol (Apache) setting enables SSLv2, SSLv3, TLS 1.0 or TLS 1.1",
        remediation: "Set 'ssl_protocols TLSv1.2 TLSv1.3;' (nginx) or 'SSLProtocol -all +TLSv1.2 +TLSv1.3' (Apache) and reload",
        cadence_days: 30,
        run: web_protocols,
    },
    Check {
        id: "tls.web-ciphers",
        title: "Web servers offer no weak cipher",
        controls: &["8.24"],
        severity: Severity::High,
        how: "No ssl_ciphers or SSLCipherSuite setting enables RC4, DES, MD5, NULL, EXPORT or anonymous suites",
        remediation: "Use a modern cipher list (or leave the server's default) and remove the weak suites",
        cadence_days: 30,
        run: web_ciphers,
    },
    Check {
        id: "tls.openssl-minimum",
        title: "OpenSSL refuses protocols older than TLS 1.2",
        controls: &["8.24"],
        severity: Severity::Medium,
        how: "MinProtocol in /etc/ssl/openssl.cnf, where set, is TLSv1.2 or later",
        remediation: "Set 'MinProtocol = TLSv1.2' in the system_default section of /etc/ssl/openssl.cnf",
        cadence_days: 30,
        run: openssl_minimum,
    },
    Check {
        id: "crypto.private-keys",
        title: "TLS private keys are readable by their owner only",
        controls: &["8.24", "5.17"],
        severity: Severity::High,
        how: "Files in /etc/ssl/private give no permission to others (group read allowed, for the ssl-cert group) and the folder is closed to others",
        remediation: "chmod 600 (or 640 root:ssl-cert) the keys and 710 the folder",
        cadence_days: 30,
        run: private_keys,
    },
    Check {
        id: "crypto.ssh-host-keys",
        title: "SSH host private keys are closed to other users",
        controls: &["8.24", "8.5"],
        severity: Severity::High,
        how: "/etc/ssh/ssh_host_*_key are 600 or 640",
        remediation: "chmod 600 /etc/ssh/ssh_host_*_key",
        cadence_days: 30,
        run: ssh_host_key_permissions,
    },
    Check {
        id: "backup.tool-installed",
        title: "A backup tool is installed",
        controls: &["8.13"],
        severity: Severity::Medium,
        how: "dpkg lists a backup client (restic, Borg, duplicity, rsnapshot, Bacula, Bareos, Proxmox Backup, Amanda, Kopia…) as installed",
        remediation: "Install the organisation's backup client and enrol the host",
        cadence_days: 30,
        run: backup_tool,
    },
    Check {
        id: "backup.scheduled",
        title: "A backup job is scheduled",
        controls: &["8.13"],
        severity: Severity::High,
        how: "A cron entry (/etc/crontab, /etc/cron.*, user crontabs) or a systemd timer runs a backup tool or a dump",
        remediation: "Schedule the backup (a systemd timer or a cron entry) and check that it runs",
        cadence_days: 7,
        run: backup_scheduled,
    },
    Check {
        id: "backup.recent",
        title: "The last backup ran within two days",
        controls: &["8.13"],
        severity: Severity::High,
        how: "The newest backup log under /var/log (named after a backup tool) was written in the last 2 days",
        remediation: "Find why the backup stopped (its log, the timer) and run it; alert on missed runs",
        cadence_days: 2,
        run: backup_recent,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Outcome;
    use crate::scan::checks::fixture;

    fn run(c: &str, root: &std::path::Path) -> (Outcome, String) {
        let v = (CHECKS.iter().find(|k| k.id == c).unwrap().run)(&Host::new(root));
        (v.outcome, v.observed)
    }

    #[test]
    fn good_and_bad_tls_keys_and_backups() {
        let good = fixture(&[
            (
                "/etc/nginx/sites-enabled/site",
                "server {\n ssl_protocols TLSv1.2 TLSv1.3;\n ssl_ciphers ECDHE-RSA-AES128-GCM-SHA256:!RC4:!MD5;\n}\n",
                0o644,
            ),
            (
                "/etc/ssl/openssl.cnf",
                "[system_default_sect]\nMinProtocol = TLSv1.2\n",
                0o644,
            ),
            ("/etc/ssl/private/site.key", "k", 0o640),
            ("/etc/ssh/ssh_host_ed25519_key", "k", 0o600),
            (
                "/var/lib/dpkg/status",
                "Package: restic\nStatus: install ok installed\nVersion: 0.16\n",
                0o644,
            ),
            (
                "/etc/cron.d/backup",
                "30 2 * * * root restic backup /srv\n",
                0o644,
            ),
            ("/var/log/restic.log", "ok", 0o644),
        ]);
        std::fs::set_permissions(
            good.path().join("etc/ssl/private"),
            std::os::unix::fs::PermissionsExt::from_mode(0o710),
        )
        .unwrap();
        for c in CHECKS {
            let (o, seen) = run(c.id, good.path());
            assert_eq!(o, Outcome::Pass, "{}: {seen}", c.id);
        }
        let bad = fixture(&[
            (
                "/etc/apache2/sites-enabled/site.conf",
                "SSLProtocol all -SSLv3\nSSLCipherSuite RC4-SHA:AES128-SHA\n",
                0o644,
            ),
            ("/etc/ssl/openssl.cnf", "MinProtocol = TLSv1\n", 0o644),
            ("/etc/ssl/private/site.key", "k", 0o644),
            ("/etc/ssh/ssh_host_rsa_key", "k", 0o644),
            (
                "/var/lib/dpkg/status",
                "Package: bash\nStatus: install ok installed\nVersion: 5\n",
                0o644,
            ),
            (
                "/etc/crontab",
                "17 * * * * root cd / && run-parts /etc/cron.hourly\n",
                0o644,
            ),
            ("/var/log/borg.log", "old", 0o644),
        ]);
        let old = std::time::SystemTime::now() - std::time::Duration::from_secs(5 * 86_400);
        std::fs::File::options()
            .write(true)
            .open(bad.path().join("var/log/borg.log"))
            .unwrap()
            .set_modified(old)
            .unwrap();
        for c in CHECKS {
            let (o, seen) = run(c.id, bad.path());
            assert_eq!(o, Outcome::Fail, "{}: {seen}", c.id);
        }
        assert!(
            run("tls.web-protocols", bad.path())
                .1
                .contains("SSLProtocol")
                || run("tls.web-protocols", bad.path()).1.contains("all")
        );
        let empty = tempfile::tempdir().unwrap();
        for c in CHECKS {
            let (o, seen) = run(c.id, empty.path());
            assert_eq!(o, Outcome::NotApplicable, "{}: {seen}", c.id);
        }
    }
}
