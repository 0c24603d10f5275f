//! 8.15 logging, 8.16 monitoring activities and 8.17 clock synchronisation: whether the
//! host keeps its logs (journald, syslog, rotation), records security events (auditd and
//! its rules), protects /var/log and keeps its clock in step.

use crate::scan::parse::{installed_packages, key_values, last, lines};
use crate::scan::{Check, Host, Read, Severity, Verdict};

/// Whether a systemd unit is enabled: a link to it in one of the usual `.wants` folders of
/// `/etc/systemd/system`.
pub(crate) fn unit_enabled(host: &Host, unit: &str) -> bool {
    [
        "sysinit.target.wants",
        "multi-user.target.wants",
        "basic.target.wants",
        "network-pre.target.wants",
        "network-online.target.wants",
        "time-set.target.wants",
        "time-sync.target.wants",
    ]
    .iter()
    .any(|w| host.exists(&format!("/etc/systemd/system/{w}/{unit}")))
}

/// A main configuration file and its drop-ins (`DIR/*SUFFIX`, sorted), as text; a file
/// that may not be read is answered as `Err(path)`.
fn config_with_dropins(
    host: &Host,
    main: &str,
    dirs: &[&str],
    suffix: &str,
) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    let mut files = vec![(main.to_string(), host.read(main))];
    for d in dirs {
        files.extend(host.read_dir(d, suffix));
    }
    for (p, r) in files {
        match r {
            Read::Text(t) => out.push((p, t)),
            Read::Denied => return Err(p),
            _ => {}
        }
    }
    Ok(out)
}

fn journald(host: &Host) -> Verdict {
    const MAIN: &str = "/etc/systemd/journald.conf";
    let present = [
        MAIN,
        "/usr/lib/systemd/systemd-journald",
        "/lib/systemd/systemd-journald",
    ]
    .iter()
    .any(|p| host.exists(p));
    if !present {
        return Verdict::not_applicable("no systemd-journald on this root");
    }
    let files = match config_with_dropins(
        host,
        MAIN,
        &[
            "/usr/lib/systemd/journald.conf.d",
            "/etc/systemd/journald.conf.d",
        ],
        ".conf",
    ) {
        Ok(f) => f,
        Err(p) => return Verdict::not_applicable(format!("permission denied: {p}")),
    };
    let mut storage = None;
    for (_, t) in &files {
        if let Some(v) = last(&key_values(t), "storage") {
            storage = Some(v.to_ascii_lowercase());
        }
    }
    let set = storage.is_some();
    let storage = storage.unwrap_or_else(|| "auto".into());
    let shown = if set {
        format!("Storage={storage}")
    } else {
        "Storage not set (auto)".to_string()
    };
    match storage.as_str() {
        "persistent" => Verdict::pass(shown),
        "auto" => {
            let kept = host.meta("/var/log/journal").is_some_and(|m| m.is_dir);
            Verdict::when(
                kept,
                if kept {
                    format!("{shown} and /var/log/journal exists, so the journal is kept on disk")
                } else {
                    format!("{shown} and no /var/log/journal, so the journal is lost at reboot")
                },
            )
        }
        _ => Verdict::fail(format!("{shown}: the journal is not kept on disk")),
    }
}

/// Rules of an rsyslog configuration that write to a file or send elsewhere.
fn rsyslog_rules(text: &str) -> Vec<String> {
    lines(text)
        .filter(|l| {
            if ["omfile", "omfwd", "omrelp"].iter().any(|m| l.contains(m)) {
                return true;
            }
            if l.starts_with('$') || l.contains('(') {
                return false;
            }
            let f: Vec<&str> = l.split_whitespace().collect();
            f.len() >= 2
                && f[0].contains('.')
                && f.last().is_some_and(|a| {
                    a.starts_with('/') || a.starts_with("-/") || a.starts_with('@')
                })
        })
        .map(str::to_string)
        .collect()
}

/// Whether a syslog-ng configuration sends logs to a file or over the network.
fn syslog_ng_rules(text: &str) -> bool {
    let t: String = lines(text).collect::<Vec<_>>().join("\n");
    t.contains("destination")
        && ["file(", "network(", "syslog(", "tcp(", "udp("]
            .iter()
            .any(|d| t.contains(d))
        && (t.contains("log {") || t.contains("log{"))
}

fn syslog(host: &Host) -> Verdict {
    let mut found = Vec::new();
    let mut configured = Vec::new();
    for (name, main, dir) in [
        ("rsyslog", "/etc/rsyslog.conf", "/etc/rsyslog.d"),
        (
            "syslog-ng",
            "/etc/syslog-ng/syslog-ng.conf",
            "/etc/syslog-ng/conf.d",
        ),
    ] {
        if !host.exists(main) {
            continue;
        }
        configured.push(main);
        let files = match config_with_dropins(host, main, &[dir], ".conf") {
            Ok(f) => f,
            Err(p) => return Verdict::not_applicable(format!("permission denied: {p}")),
        };
        if name == "rsyslog" {
            let rules: Vec<String> = files.iter().flat_map(|(_, t)| rsyslog_rules(t)).collect();
            if !rules.is_empty() {
                let forwards = rules.iter().filter(|r| r.contains('@')).count();
                found.push(format!(
                    "rsyslog: {} rules writing to files or forwarding ({forwards} forwarding)",
                    rules.len()
                ));
            }
        } else if files.iter().any(|(_, t)| syslog_ng_rules(t)) {
            found.push("syslog-ng: a log path to a file or the network".to_string());
        }
    }
    if configured.is_empty() {
        return Verdict::fail(
            "neither rsyslog (/etc/rsyslog.conf) nor syslog-ng (/etc/syslog-ng/syslog-ng.conf) is configured",
        );
    }
    if found.is_empty() {
        return Verdict::fail(format!(
            "{} has no rule writing to a file or forwarding",
            configured.join(" and ")
        ));
    }
    Verdict::pass(found.join("; "))
}

fn logrotate(host: &Host) -> Verdict {
    const MAIN: &str = "/etc/logrotate.conf";
    let text = match host.read(MAIN) {
        Read::Text(t) => t,
        Read::Denied => return Verdict::not_applicable(format!("permission denied: {MAIN}")),
        Read::Missing => return Verdict::fail(format!("{MAIN}: missing, logs are not rotated")),
        Read::Failed(e) => return Verdict::error(e),
    };
    let directives: Vec<String> = lines(&text)
        .filter(|l| {
            let w = l.split_whitespace().next().unwrap_or("");
            [
                "daily", "weekly", "monthly", "yearly", "rotate", "size", "maxsize",
            ]
            .contains(&w)
        })
        .map(str::to_string)
        .collect();
    let dropins = host
        .list("/etc/logrotate.d")
        .unwrap_or_default()
        .into_iter()
        .filter(|n| !n.starts_with('.'))
        .count();
    let includes = lines(&text).any(|l| l.starts_with("include"));
    let shown = format!(
        "{MAIN}: {}; {dropins} files in /etc/logrotate.d",
        if directives.is_empty() {
            "no rotation directive".to_string()
        } else {
            directives.join(", ")
        }
    );
    Verdict::when(!directives.is_empty() || (includes && dropins > 0), shown)
}

/// How auditd is known to be installed, if it is.
fn auditd_installed(host: &Host) -> Option<String> {
    if installed_packages(host).is_some_and(|p| p.iter().any(|p| p.name == "auditd")) {
        return Some("package auditd installed".into());
    }
    host.exists("/etc/audit/auditd.conf")
        .then(|| "/etc/audit/auditd.conf present".into())
}

fn auditd(host: &Host) -> Verdict {
    match auditd_installed(host) {
        Some(how) => Verdict::pass(how),
        None => {
            Verdict::fail("auditd is not installed (no package auditd, no /etc/audit/auditd.conf)")
        }
    }
}

/// The rule lines (`-w`, `-a`, `-A`) of the audit rules, or the verdict when they cannot
/// be judged.
fn audit_rules(host: &Host) -> Result<Vec<String>, Verdict> {
    if auditd_installed(host).is_none() {
        return Err(Verdict::not_applicable(
            "auditd is not installed (see logging.auditd-installed)",
        ));
    }
    let mut files = host.read_dir("/etc/audit/rules.d", ".rules");
    files.push((
        "/etc/audit/audit.rules".to_string(),
        host.read("/etc/audit/audit.rules"),
    ));
    let mut rules = Vec::new();
    for (p, r) in files {
        match r {
            Read::Text(t) => rules.extend(
                lines(&t)
                    .filter(|l| {
                        l.starts_with("-w ") || l.starts_with("-a ") || l.starts_with("-A ")
                    })
                    .map(str::to_string),
            ),
            Read::Denied => {
                return Err(Verdict::not_applicable(format!("permission denied: {p}")));
            }
            _ => {}
        }
    }
    Ok(rules)
}

fn audit_rules_present(host: &Host) -> Verdict {
    match audit_rules(host) {
        Err(v) => v,
        Ok(r) if r.is_empty() => {
            Verdict::fail("no audit rule in /etc/audit/rules.d/*.rules or /etc/audit/audit.rules")
        }
        Ok(r) => Verdict::pass(format!("{} audit rules", r.len())),
    }
}

/// The files whose changes the audit rules must record.
const IDENTITY: &[&str] = &["/etc/passwd", "/etc/shadow", "/etc/group", "/etc/sudoers"];

fn watches(rule: &str, path: &str) -> bool {
    let words: Vec<&str> = rule.split_whitespace().collect();
    words.windows(2).any(|w| w[0] == "-w" && w[1] == path)
        || words
            .iter()
            .any(|w| *w == format!("path={path}") || *w == format!("dir={path}"))
}

fn audit_identity(host: &Host) -> Verdict {
    let rules = match audit_rules(host) {
        Ok(r) => r,
        Err(v) => return v,
    };
    let missing: Vec<&str> = IDENTITY
        .iter()
        .filter(|p| !rules.iter().any(|r| watches(r, p)))
        .copied()
        .collect();
    Verdict::when(
        missing.is_empty(),
        if missing.is_empty() {
            format!("audit rules watch {}", IDENTITY.join(", "))
        } else {
            format!("no audit rule watches {}", missing.join(", "))
        },
    )
}

fn var_log(host: &Host) -> Verdict {
    let Some(m) = host.meta("/var/log") else {
        return Verdict::not_applicable("/var/log: missing");
    };
    if m.is_symlink || !m.is_dir {
        return Verdict::fail("/var/log is not a folder");
    }
    let (entries, out) = host.walk(&["/var/log"], 50_000);
    let mut bad: Vec<String> = Vec::new();
    if m.world_writable() {
        bad.push("/var/log".into());
    }
    bad.extend(
        entries
            .iter()
            .filter(|(_, m)| !m.is_symlink && (m.is_file || m.is_dir) && m.world_writable())
            .map(|(p, _)| p.clone()),
    );
    let note = if out {
        "; stopped after 50000 entries"
    } else {
        ""
    };
    if bad.is_empty() {
        Verdict::pass(format!(
            "/var/log is mode {:o}; nothing world-writable among {} entries{note}",
            m.mode & 0o7777,
            entries.len()
        ))
    } else {
        let shown: Vec<&str> = bad.iter().take(5).map(String::as_str).collect();
        Verdict::fail(format!(
            "{} world-writable entries in /var/log: {}{note}",
            bad.len(),
            shown.join(", ")
        ))
    }
}

/// A time daemon's configuration: its name and either its sources or what is wrong.
struct TimeDaemon {
    name: &'static str,
    state: Result<String, String>,
}

fn time_sources(text: &str, words: &[&str]) -> Vec<String> {
    lines(text)
        .filter(|l| words.contains(&l.split_whitespace().next().unwrap_or("")))
        .map(|l| l.split_whitespace().take(2).collect::<Vec<_>>().join(" "))
        .collect()
}

/// A time daemon configured by files: name, main files (first present wins), drop-in
/// folders and the words that name a time source.
type FileDaemon = (
    &'static str,
    &'static [&'static str],
    &'static [&'static str],
    &'static [&'static str],
);

/// The time daemons configured on the root; `Err(path)` when a configuration may not be read.
fn time_daemons(host: &Host) -> Result<Vec<TimeDaemon>, String> {
    let mut out = Vec::new();
    let file_based: [FileDaemon; 3] = [
        (
            "chrony",
            &["/etc/chrony/chrony.conf", "/etc/chrony.conf"],
            &["/etc/chrony/conf.d", "/etc/chrony/sources.d"],
            &["server", "pool", "peer", "refclock"],
        ),
        (
            "ntpd",
            &["/etc/ntp.conf", "/etc/ntpsec/ntp.conf"],
            &[],
            &["server", "pool", "peer"],
        ),
        (
            "openntpd",
            &["/etc/openntpd/ntpd.conf"],
            &[],
            &["server", "servers", "sensor"],
        ),
    ];
    for (name, mains, dirs, words) in file_based {
        let Some(main) = mains.iter().find(|p| host.exists(p)) else {
            continue;
        };
        let mut files = vec![(main.to_string(), host.read(main))];
        for d in dirs {
            files.extend(host.read_dir(d, ""));
        }
        let mut sources = Vec::new();
        for (p, r) in files {
            match r {
                Read::Text(t) => sources.extend(time_sources(&t, words)),
                Read::Denied => return Err(p),
                _ => {}
            }
        }
        out.push(TimeDaemon {
            name,
            state: if sources.is_empty() {
                Err(format!("{main} names no time server"))
            } else {
                Ok(format!("{name}: {}", sources.join(", ")))
            },
        });
    }
    let conf = config_with_dropins(
        host,
        "/etc/systemd/timesyncd.conf",
        &["/etc/systemd/timesyncd.conf.d"],
        ".conf",
    )?;
    let mut ntp = String::new();
    for (_, t) in &conf {
        if let Some(v) = last(&key_values(t), "ntp") {
            ntp = v.to_string();
        }
    }
    let enabled = unit_enabled(host, "systemd-timesyncd.service");
    if enabled {
        out.push(TimeDaemon {
            name: "systemd-timesyncd",
            state: Ok(if ntp.is_empty() {
                "systemd-timesyncd enabled with its default servers".to_string()
            } else {
                format!("systemd-timesyncd enabled: NTP={ntp}")
            }),
        });
    } else if !ntp.is_empty() {
        out.push(TimeDaemon {
            name: "systemd-timesyncd",
            state: Err(format!(
                "timesyncd.conf sets NTP={ntp} but systemd-timesyncd.service is not enabled"
            )),
        });
    }
    Ok(out)
}

fn clock_sync(host: &Host) -> Verdict {
    let daemons = match time_daemons(host) {
        Ok(d) => d,
        Err(p) => return Verdict::not_applicable(format!("permission denied: {p}")),
    };
    let ok: Vec<&str> = daemons
        .iter()
        .filter_map(|d| d.state.as_ref().ok())
        .map(String::as_str)
        .collect();
    if !ok.is_empty() {
        return Verdict::pass(ok.join("; "));
    }
    let problems: Vec<&str> = daemons
        .iter()
        .filter_map(|d| d.state.as_ref().err())
        .map(String::as_str)
        .collect();
    if problems.is_empty() {
        Verdict::fail("no chrony, ntpd, openntpd or enabled systemd-timesyncd configuration")
    } else {
        Verdict::fail(problems.join("; "))
    }
}

fn single_time_daemon(host: &Host) -> Verdict {
    let daemons = match time_daemons(host) {
        Ok(d) => d,
        Err(p) => return Verdict::not_applicable(format!("permission denied: {p}")),
    };
    let active: Vec<&str> = daemons
        .iter()
        .filter(|d| d.state.is_ok())
        .map(|d| d.name)
        .collect();
    match active.len() {
        0 => Verdict::not_applicable("no time daemon is configured (see clock.sync-configured)"),
        1 => Verdict::pass(format!("only {} sets the clock", active[0])),
        _ => Verdict::fail(format!(
            "{} are all configured and would compete for the clock",
            active.join(", ")
        )),
    }
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "logging.journald-persistent",
        title: "The systemd journal is kept across reboots",
        controls: &["8.15"],
        severity: Severity::Medium,
        how: "Storage= in journald.conf and its drop-ins (the last one wins) is persistent, or auto (the default) with a /var/log/journal folder present; volatile or none fail. Not applicable without systemd-journald.",
        remediation: "Set 'Storage=persistent' in /etc/systemd/journald.conf (or a drop-in in journald.conf.d) and restart systemd-journald.",
        cadence_days: 30,
        run: journald,
    },
    Check {
        id: "logging.syslog-configured",
        title: "A syslog daemon writes logs to files or sends them to a collector",
        controls: &["8.15"],
        severity: Severity::Medium,
        how: "rsyslog (/etc/rsyslog.conf and rsyslog.d) has a rule whose action is a file or a remote host (@, @@, omfile, omfwd, omrelp), or syslog-ng has a log path to a file or network destination. Fails when neither is configured: the journal alone is judged by logging.journald-persistent.",
        remediation: "Install rsyslog (or syslog-ng) and keep rules writing to /var/log, ideally also forwarding to a central log server ('*.* @@loghost:514').",
        cadence_days: 30,
        run: syslog,
    },
    Check {
        id: "logging.logrotate",
        title: "Log files are rotated",
        controls: &["8.15"],
        severity: Severity::Low,
        how: "/etc/logrotate.conf exists and sets a rotation period, count or size (or includes /etc/logrotate.d, which holds files).",
        remediation: "Install logrotate and keep a rotation period and count in /etc/logrotate.conf (e.g. 'weekly' and 'rotate 4') so logs neither fill the disk nor vanish too early.",
        cadence_days: 90,
        run: logrotate,
    },
    Check {
        id: "logging.auditd-installed",
        title: "The Linux audit daemon is installed",
        controls: &["8.15", "8.16"],
        severity: Severity::Medium,
        how: "dpkg lists the auditd package as installed, or /etc/audit/auditd.conf exists.",
        remediation: "Install auditd ('apt install auditd') and enable it, so security-relevant system calls and file changes are recorded.",
        cadence_days: 30,
        run: auditd,
    },
    Check {
        id: "logging.audit-rules",
        title: "Audit rules are loaded at boot",
        controls: &["8.15", "8.16"],
        severity: Severity::Medium,
        how: "The files /etc/audit/rules.d/*.rules and /etc/audit/audit.rules hold at least one watch (-w) or system-call rule (-a, -A). Not applicable when auditd is not installed.",
        remediation: "Write rules into a file of /etc/audit/rules.d (e.g. 50-site.rules) and load them with 'augenrules --load'.",
        cadence_days: 30,
        run: audit_rules_present,
    },
    Check {
        id: "logging.audit-identity",
        title: "Changes to accounts and sudo rights are audited",
        controls: &["8.15", "8.16"],
        severity: Severity::Medium,
        how: "The audit rules watch /etc/passwd, /etc/shadow, /etc/group and /etc/sudoers ('-w PATH' or a path=/dir= field). Not applicable when auditd is not installed.",
        remediation: "Add watches such as '-w /etc/passwd -p wa -k identity' for each of the files to a file in /etc/audit/rules.d and reload the rules.",
        cadence_days: 30,
        run: audit_identity,
    },
    Check {
        id: "logging.var-log-permissions",
        title: "Nobody but the system can write into /var/log",
        controls: &["8.15"],
        severity: Severity::Medium,
        how: "/var/log and the files and folders below it (at most 50,000 entries, links not followed) are not world-writable, so logs cannot be forged or wiped by any user.",
        remediation: "Remove the write permission for others ('chmod o-w PATH') and check which program created the entry.",
        cadence_days: 30,
        run: var_log,
    },
    Check {
        id: "clock.sync-configured",
        title: "The clock is synchronised with time servers",
        controls: &["8.17"],
        severity: Severity::Medium,
        how: "chrony (chrony.conf, conf.d, sources.d), ntpd (ntp.conf) or openntpd (ntpd.conf) names at least one server, pool or reference clock, or systemd-timesyncd is enabled (a link in a .wants folder of /etc/systemd/system), using NTP= from timesyncd.conf or its built-in servers.",
        remediation: "Enable one time daemon with the organisation's time sources, e.g. 'timedatectl set-ntp true' for systemd-timesyncd, or chrony with 'pool' lines.",
        cadence_days: 30,
        run: clock_sync,
    },
    Check {
        id: "clock.single-daemon",
        title: "Only one time daemon sets the clock",
        controls: &["8.17"],
        severity: Severity::Low,
        how: "Of chrony, ntpd, openntpd and systemd-timesyncd, at most one is configured as clock.sync-configured counts them; not applicable when none is.",
        remediation: "Keep one time daemon: disable or remove the others (e.g. 'systemctl disable --now systemd-timesyncd' when chrony is used).",
        cadence_days: 90,
        run: single_time_daemon,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Outcome;
    use crate::scan::checks::kit::{link, put};
    use std::os::unix::fs::PermissionsExt;
    use std::path::Path;

    fn check(id: &str, root: &Path) -> Verdict {
        crate::scan::checks::kit::verdict(CHECKS, id, root)
    }

    const DPKG_AUDITD: &str = "Package: auditd\nStatus: install ok installed\nVersion: 1:3.0\n\nPackage: bash\nStatus: install ok installed\n";

    #[test]
    fn journald_storage() {
        let dir = tempfile::tempdir().unwrap();
        let id = "logging.journald-persistent";
        assert_eq!(check(id, dir.path()).outcome, Outcome::NotApplicable);
        put(
            dir.path(),
            "/etc/systemd/journald.conf",
            "[Journal]\n#Storage=auto\n",
        );
        let v = check(id, dir.path());
        assert!(
            v.outcome == Outcome::Fail && v.observed.contains("lost at reboot"),
            "{}",
            v.observed
        );
        std::fs::create_dir_all(dir.path().join("var/log/journal")).unwrap();
        let v = check(id, dir.path());
        assert!(v.outcome == Outcome::Pass && v.observed.contains("/var/log/journal exists"));
        put(
            dir.path(),
            "/etc/systemd/journald.conf.d/10-x.conf",
            "[Journal]\nStorage=volatile\n",
        );
        let v = check(id, dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("Storage=volatile"));
        put(
            dir.path(),
            "/etc/systemd/journald.conf.d/20-y.conf",
            "[Journal]\nStorage=persistent\n",
        );
        let v = check(id, dir.path());
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (Outcome::Pass, "Storage=persistent")
        );
    }

    #[test]
    fn syslog_rules() {
        let dir = tempfile::tempdir().unwrap();
        let id = "logging.syslog-configured";
        let v = check(id, dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("neither rsyslog"));
        put(
            dir.path(),
            "/etc/rsyslog.conf",
            "module(load=\"imuxsock\")\n$FileOwner root\n",
        );
        let v = check(id, dir.path());
        assert!(
            v.outcome == Outcome::Fail && v.observed.contains("no rule writing"),
            "{}",
            v.observed
        );
        put(
            dir.path(),
            "/etc/rsyslog.d/50-default.conf",
            "auth,authpriv.*   /var/log/auth.log\n*.*;auth,authpriv.none  -/var/log/syslog\n*.* @@loghost:514\n",
        );
        let v = check(id, dir.path());
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.observed);
        assert!(v.observed.contains("3 rules") && v.observed.contains("1 forwarding"));

        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "/etc/syslog-ng/syslog-ng.conf",
            "source s_src { system(); };\ndestination d_syslog { file(\"/var/log/syslog\"); };\nlog { source(s_src); destination(d_syslog); };\n",
        );
        let v = check(id, dir.path());
        assert!(v.outcome == Outcome::Pass && v.observed.contains("syslog-ng"));
    }

    #[test]
    fn logrotate_config() {
        let dir = tempfile::tempdir().unwrap();
        let id = "logging.logrotate";
        let v = check(id, dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("missing"));
        put(dir.path(), "/etc/logrotate.conf", "# empty\ncreate\n");
        assert_eq!(check(id, dir.path()).outcome, Outcome::Fail);
        put(
            dir.path(),
            "/etc/logrotate.conf",
            "weekly\nrotate 4\ncreate\ninclude /etc/logrotate.d\n",
        );
        put(
            dir.path(),
            "/etc/logrotate.d/apt",
            "/var/log/apt/*.log {}\n",
        );
        let v = check(id, dir.path());
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(v.observed.contains("weekly, rotate 4") && v.observed.contains("1 files"));
    }

    #[test]
    fn auditd_and_its_rules() {
        let dir = tempfile::tempdir().unwrap();
        let v = check("logging.auditd-installed", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("not installed"));
        for id in ["logging.audit-rules", "logging.audit-identity"] {
            assert_eq!(
                check(id, dir.path()).outcome,
                Outcome::NotApplicable,
                "{id}"
            );
        }
        put(dir.path(), "/var/lib/dpkg/status", DPKG_AUDITD);
        let v = check("logging.auditd-installed", dir.path());
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (Outcome::Pass, "package auditd installed")
        );
        let v = check("logging.audit-rules", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("no audit rule"));
        let v = check("logging.audit-identity", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("/etc/passwd, /etc/shadow"));

        put(
            dir.path(),
            "/etc/audit/rules.d/50-identity.rules",
            "-D\n-b 8192\n-w /etc/passwd -p wa -k identity\n-w /etc/shadow -p wa -k identity\n-a always,exit -F path=/etc/group -F perm=wa -k identity\n",
        );
        let v = check("logging.audit-rules", dir.path());
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (Outcome::Pass, "3 audit rules")
        );
        let v = check("logging.audit-identity", dir.path());
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(v.observed, "no audit rule watches /etc/sudoers");
        put(
            dir.path(),
            "/etc/audit/audit.rules",
            "-w /etc/sudoers -p wa -k scope\n",
        );
        let v = check("logging.audit-identity", dir.path());
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.observed);

        // Without dpkg, the configuration file is enough.
        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "/etc/audit/auditd.conf",
            "log_file = /var/log/audit/audit.log\n",
        );
        let v = check("logging.auditd-installed", dir.path());
        assert!(v.outcome == Outcome::Pass && v.observed.contains("auditd.conf"));
    }

    #[test]
    fn var_log_is_not_world_writable() {
        let dir = tempfile::tempdir().unwrap();
        let id = "logging.var-log-permissions";
        assert_eq!(check(id, dir.path()).outcome, Outcome::NotApplicable);
        put(dir.path(), "/var/log/syslog", "x");
        let set = |p: &str, m: u32| {
            std::fs::set_permissions(dir.path().join(p), std::fs::Permissions::from_mode(m))
                .unwrap()
        };
        set("var/log", 0o755);
        set("var/log/syslog", 0o640);
        let v = check(id, dir.path());
        assert!(
            v.outcome == Outcome::Pass && v.observed.contains("mode 755"),
            "{}",
            v.observed
        );
        set("var/log/syslog", 0o666);
        let v = check(id, dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("/var/log/syslog"));
        set("var/log", 0o777);
        let v = check(id, dir.path());
        assert!(
            v.observed
                .starts_with("2 world-writable entries in /var/log: /var/log,")
        );
    }

    #[test]
    fn clock_synchronisation() {
        let dir = tempfile::tempdir().unwrap();
        let v = check("clock.sync-configured", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("no chrony"));
        let v = check("clock.single-daemon", dir.path());
        assert_eq!(v.outcome, Outcome::NotApplicable);

        // chrony without sources fails; with a pool it passes.
        put(
            dir.path(),
            "/etc/chrony/chrony.conf",
            "driftfile /var/lib/chrony/drift\n",
        );
        let v = check("clock.sync-configured", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("names no time server"));
        put(
            dir.path(),
            "/etc/chrony/sources.d/site.sources",
            "server ntp1.example iburst\n",
        );
        put(
            dir.path(),
            "/etc/chrony/chrony.conf",
            "pool 2.debian.pool.ntp.org iburst\nsourcedir /etc/chrony/sources.d\n",
        );
        let v = check("clock.sync-configured", dir.path());
        assert_eq!(v.outcome, Outcome::Pass);
        assert_eq!(
            v.observed,
            "chrony: pool 2.debian.pool.ntp.org, server ntp1.example"
        );
        let v = check("clock.single-daemon", dir.path());
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (Outcome::Pass, "only chrony sets the clock")
        );

        // timesyncd enabled as well: two daemons.
        link(
            dir.path(),
            "/etc/systemd/system/sysinit.target.wants/systemd-timesyncd.service",
        );
        let v = check("clock.single-daemon", dir.path());
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.observed.contains("chrony, systemd-timesyncd"),
            "{}",
            v.observed
        );

        // timesyncd alone: its NTP= setting, or not enabled.
        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "/etc/systemd/timesyncd.conf",
            "[Time]\nNTP=ntp.example.org\n",
        );
        let v = check("clock.sync-configured", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("not enabled"));
        link(
            dir.path(),
            "/etc/systemd/system/multi-user.target.wants/systemd-timesyncd.service",
        );
        let v = check("clock.sync-configured", dir.path());
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (
                Outcome::Pass,
                "systemd-timesyncd enabled: NTP=ntp.example.org"
            )
        );

        // ntpd.
        let dir = tempfile::tempdir().unwrap();
        put(dir.path(), "/etc/ntp.conf", "server 0.pool.ntp.org\n");
        let v = check("clock.sync-configured", dir.path());
        assert!(v.outcome == Outcome::Pass && v.observed.starts_with("ntpd: server"));
    }

    #[test]
    fn the_live_host_gives_no_error() {
        let host = Host::new(Path::new("/"));
        for c in CHECKS {
            let v = (c.run)(&host);
            assert_ne!(
                v.outcome,
                crate::scan::Outcome::Error,
                "{}: {}",
                c.id,
                v.observed
            );
        }
    }
}
