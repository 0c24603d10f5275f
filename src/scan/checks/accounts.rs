//! 8.2 privileged access, 5.15/8.3 access control and restriction, 5.16 identity management,
//! 5.18 access rights: the account databases, sudo's rules, and the permissions of the
//! account files, home folders and SSH keys.

use crate::read_or;
use crate::scan::parse::{Account, key_values, last, passwd};
use crate::scan::{Check, Host, Read, Severity, Verdict};
use std::collections::BTreeMap;

const PASSWD: &str = "/etc/passwd";
const SHADOW: &str = "/etc/shadow";
const GROUP: &str = "/etc/group";
const GSHADOW: &str = "/etc/gshadow";
const SUDOERS: &str = "/etc/sudoers";
const SUDOERS_D: &str = "/etc/sudoers.d";

/// At most this many items are named in a message.
const SHOWN: usize = 8;

fn listed(items: &[String]) -> String {
    let mut s = items
        .iter()
        .take(SHOWN)
        .cloned()
        .collect::<Vec<_>>()
        .join(", ");
    if items.len() > SHOWN {
        s.push_str(&format!(" and {} more", items.len() - SHOWN));
    }
    s
}

/// The first uid of ordinary users (`UID_MIN` of login.defs, 1000 when unset).
fn uid_min(host: &Host) -> u32 {
    host.text("/etc/login.defs")
        .and_then(|t| last(&key_values(&t), "uid_min").and_then(|v| v.parse().ok()))
        .unwrap_or(1000)
}

/// Accounts of people: an ordinary uid (not `nobody`) and a login shell.
fn login_accounts(host: &Host, accounts: &[Account]) -> Vec<Account> {
    let min = uid_min(host);
    accounts
        .iter()
        .filter(|a| a.uid >= min && a.uid < 65534 && a.has_shell())
        .cloned()
        .collect()
}

fn uid0(host: &Host) -> Verdict {
    let text = read_or!(host, PASSWD, "no account database");
    let zero: Vec<String> = passwd(&text)
        .into_iter()
        .filter(|a| a.uid == 0)
        .map(|a| a.name)
        .collect();
    Verdict::when(
        zero.iter().all(|n| n == "root"),
        format!(
            "accounts with uid 0: {}",
            if zero.is_empty() {
                "none".to_string()
            } else {
                listed(&zero)
            }
        ),
    )
}

/// Keys that more than one entry shares, with the entries: "key: a, b".
fn shared<K: Ord + std::fmt::Display>(pairs: impl Iterator<Item = (K, String)>) -> Vec<String> {
    let mut by: BTreeMap<K, Vec<String>> = BTreeMap::new();
    for (k, v) in pairs {
        by.entry(k).or_default().push(v);
    }
    by.into_iter()
        .filter(|(_, v)| v.len() > 1)
        .map(|(k, v)| format!("{k}: {}", v.join(", ")))
        .collect()
}

fn duplicate_uids(host: &Host) -> Verdict {
    let text = read_or!(host, PASSWD, "no account database");
    let dup = shared(passwd(&text).into_iter().map(|a| (a.uid, a.name)));
    if dup.is_empty() {
        Verdict::pass("every account has its own uid")
    } else {
        Verdict::fail(format!(
            "uids shared by accounts: uid {}",
            dup.join("; uid ")
        ))
    }
}

fn duplicate_names(host: &Host) -> Verdict {
    let text = read_or!(host, PASSWD, "no account database");
    let dup = shared(
        passwd(&text)
            .into_iter()
            .map(|a| (a.name, format!("uid {}", a.uid))),
    );
    if dup.is_empty() {
        Verdict::pass("every account name is unique")
    } else {
        Verdict::fail(format!("account names used twice: {}", dup.join("; ")))
    }
}

/// (name, gid) of `/etc/group`.
fn groups(text: &str) -> Vec<(String, u32)> {
    text.lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 3 || f[0].is_empty() || f[0].starts_with(['#', '+', '-']) {
                return None;
            }
            Some((f[0].to_string(), f[2].parse().ok()?))
        })
        .collect()
}

fn duplicate_groups(host: &Host) -> Verdict {
    let text = read_or!(host, GROUP, "no group database");
    let g = groups(&text);
    let mut dup: Vec<String> = shared(g.iter().map(|(n, gid)| (*gid, n.clone())))
        .into_iter()
        .map(|s| format!("gid {s}"))
        .collect();
    dup.extend(shared(
        g.iter().map(|(n, gid)| (n.clone(), format!("gid {gid}"))),
    ));
    if dup.is_empty() {
        Verdict::pass(format!("{} groups, names and gids unique", g.len()))
    } else {
        Verdict::fail(format!(
            "groups sharing a gid or a name: {}",
            dup.join("; ")
        ))
    }
}

fn legacy_nis(host: &Host) -> Verdict {
    let mut found = Vec::new();
    let mut read = Vec::new();
    let mut denied = Vec::new();
    for f in [PASSWD, SHADOW, GROUP] {
        match host.read(f) {
            Read::Text(t) => {
                read.push(f);
                if t.lines().any(|l| l.trim_start().starts_with('+')) {
                    found.push(f.to_string());
                }
            }
            Read::Denied => denied.push(f),
            Read::Missing => {}
            Read::Failed(e) => return Verdict::error(e),
        }
    }
    if read.is_empty() {
        return Verdict::not_applicable(if denied.is_empty() {
            format!("{PASSWD}: no account database")
        } else {
            format!("permission denied: {}", denied.join(", "))
        });
    }
    let note = if denied.is_empty() {
        String::new()
    } else {
        format!(" (permission denied: {})", denied.join(", "))
    };
    if found.is_empty() {
        Verdict::pass(format!("no '+' entry in {}{note}", read.join(", ")))
    } else {
        Verdict::fail(format!(
            "legacy '+' NIS entries in {}{note}",
            found.join(", ")
        ))
    }
}

/// The rules of sudo's configuration — `/etc/sudoers` and the files of `/etc/sudoers.d`
/// that sudo reads (no `.` in the name, not ending with `~`) — as (file, line), with
/// continuation lines joined and comments removed.
fn sudoers(host: &Host) -> Result<Vec<(String, String)>, Verdict> {
    let mut files = vec![SUDOERS.to_string()];
    files.extend(
        host.list(SUDOERS_D)
            .unwrap_or_default()
            .into_iter()
            .filter(|n| !n.contains('.') && !n.ends_with('~'))
            .map(|n| format!("{SUDOERS_D}/{n}")),
    );
    let mut out = Vec::new();
    for f in files {
        let text = match host.read(&f) {
            Read::Text(t) => t,
            Read::Missing if f == SUDOERS => {
                return Err(Verdict::not_applicable(format!(
                    "{SUDOERS}: sudo is not installed"
                )));
            }
            Read::Missing => continue,
            Read::Denied => {
                return Err(Verdict::not_applicable(format!("permission denied: {f}")));
            }
            Read::Failed(e) if e.ends_with("is a folder") => continue,
            Read::Failed(e) => return Err(Verdict::error(e)),
        };
        let mut pending = String::new();
        for raw in text.lines() {
            let l = raw.trim();
            if pending.is_empty() && l.starts_with('#') {
                continue;
            }
            // A comment runs from a '#' after a blank (a '#' before digits is a uid).
            let l = match l.find(" #") {
                Some(i) if !l[i + 2..].starts_with(|c: char| c.is_ascii_digit()) => &l[..i],
                _ => l,
            };
            if let Some(head) = l.strip_suffix('\\') {
                pending.push_str(head.trim_end());
                pending.push(' ');
                continue;
            }
            pending.push_str(l);
            let rule = std::mem::take(&mut pending).trim().to_string();
            if !rule.is_empty() {
                out.push((f.clone(), rule));
            }
        }
    }
    Ok(out)
}

macro_rules! sudoers_or_return {
    ($host:expr) => {
        match sudoers($host) {
            Ok(v) => v,
            Err(v) => return v,
        }
    };
}

/// The options of the `Defaults` lines (any scope), in order.
fn defaults(rules: &[(String, String)]) -> Vec<String> {
    rules
        .iter()
        .filter(|(_, l)| l.starts_with("Defaults"))
        .filter_map(|(_, l)| l.split_once(char::is_whitespace).map(|(_, r)| r))
        .flat_map(|r| r.split(','))
        .map(|o| o.split_whitespace().collect::<Vec<_>>().join(" "))
        .map(|o| o.replace(" =", "=").replace("= ", "="))
        .filter(|o| !o.is_empty())
        .collect()
}

fn short(file: &str, rule: &str) -> String {
    let name = file.rsplit('/').next().unwrap_or(file);
    let rule: String = rule.chars().take(60).collect();
    format!("{name}: {rule}")
}

fn sudo_nopasswd(host: &Host) -> Verdict {
    let rules = sudoers_or_return!(host);
    let found: Vec<String> = rules
        .iter()
        .filter(|(_, l)| !l.starts_with("Defaults") && l.contains("NOPASSWD"))
        .map(|(f, l)| short(f, l))
        .collect();
    if found.is_empty() {
        Verdict::pass("no NOPASSWD rule")
    } else {
        Verdict::fail(format!("NOPASSWD rules: {}", listed(&found)))
    }
}

fn sudo_authenticate(host: &Host) -> Verdict {
    let rules = sudoers_or_return!(host);
    let found: Vec<String> = rules
        .iter()
        .filter(|(_, l)| l.starts_with("Defaults"))
        .filter(|(_, l)| {
            defaults(&[(String::new(), l.clone())])
                .iter()
                .any(|o| o == "!authenticate" || o == "authenticate=false")
        })
        .map(|(f, l)| short(f, l))
        .collect();
    if found.is_empty() {
        Verdict::pass("no Defaults !authenticate")
    } else {
        Verdict::fail(format!("authentication turned off: {}", listed(&found)))
    }
}

fn sudo_logging(host: &Host) -> Verdict {
    let rules = sudoers_or_return!(host);
    let opts = defaults(&rules);
    let logs: Vec<String> = opts
        .iter()
        .filter(|o| {
            o.starts_with("logfile=")
                || o.starts_with("log_servers=")
                || *o == "log_output"
                || *o == "log_input"
        })
        .cloned()
        .collect();
    if !logs.is_empty() {
        return Verdict::pass(format!("sudo logs with {}", listed(&logs)));
    }
    if opts.iter().any(|o| o == "!syslog") {
        return Verdict::fail("sudo logging turned off (!syslog) and no logfile");
    }
    Verdict::fail("no Defaults logfile, log_output or log_servers: only sudo's syslog messages")
}

fn sudo_use_pty(host: &Host) -> Verdict {
    let rules = sudoers_or_return!(host);
    let last = defaults(&rules)
        .into_iter()
        .rfind(|o| o == "use_pty" || o == "!use_pty");
    match last.as_deref() {
        Some("use_pty") => Verdict::pass("Defaults use_pty"),
        Some(o) => Verdict::fail(format!("Defaults {o}")),
        None => Verdict::fail("use_pty not set"),
    }
}

/// The file exists with no permission bit beyond `max` and is owned by root.
fn file_mode(host: &Host, path: &str, max: u32) -> Verdict {
    let Some(m) = host.meta(path) else {
        return Verdict::not_applicable(format!("{path} does not exist"));
    };
    let mode = m.mode & 0o7777;
    Verdict::when(
        mode & !max == 0 && m.uid == 0,
        format!("{path} mode {mode:04o}, owner uid {}", m.uid),
    )
}

fn passwd_mode(host: &Host) -> Verdict {
    file_mode(host, PASSWD, 0o644)
}

fn group_mode(host: &Host) -> Verdict {
    file_mode(host, GROUP, 0o644)
}

fn shadow_mode(host: &Host) -> Verdict {
    file_mode(host, SHADOW, 0o640)
}

fn gshadow_mode(host: &Host) -> Verdict {
    file_mode(host, GSHADOW, 0o640)
}

fn home_modes(host: &Host) -> Verdict {
    let text = read_or!(host, PASSWD, "no account database");
    let people = login_accounts(host, &passwd(&text));
    if people.is_empty() {
        return Verdict::not_applicable("no login account with an ordinary uid");
    }
    let mut open = Vec::new();
    let mut checked = Vec::new();
    for a in &people {
        let Some(m) = host.meta(&a.home) else {
            continue;
        };
        if !m.is_dir {
            continue;
        }
        let mode = m.mode & 0o7777;
        // Group or others may write, or others may list it.
        if mode & 0o026 != 0 {
            open.push(format!("{} {} {mode:03o}", a.name, a.home));
        }
        checked.push(format!("{} {mode:03o}", a.name));
    }
    if checked.is_empty() {
        return Verdict::not_applicable("no home folder of a login account exists");
    }
    if open.is_empty() {
        Verdict::pass(format!("home folders closed: {}", listed(&checked)))
    } else {
        Verdict::fail(format!("home folders open to others: {}", listed(&open)))
    }
}

fn root_home(host: &Host) -> Verdict {
    let text = read_or!(host, PASSWD, "no account database");
    let home = passwd(&text)
        .into_iter()
        .find(|a| a.name == "root")
        .map(|a| a.home)
        .unwrap_or_else(|| "/root".to_string());
    let Some(m) = host.meta(&home) else {
        return Verdict::not_applicable(format!("{home} does not exist"));
    };
    let mode = m.mode & 0o7777;
    Verdict::when(mode & 0o027 == 0, format!("{home} mode {mode:03o}"))
}

fn ssh_files(host: &Host) -> Verdict {
    let text = read_or!(host, PASSWD, "no account database");
    let all = passwd(&text);
    let mut accounts: Vec<Account> = all.iter().filter(|a| a.uid == 0).cloned().collect();
    accounts.extend(login_accounts(host, &all));
    let mut seen = Vec::new();
    let mut bad = Vec::new();
    for a in &accounts {
        let dir = format!("{}/.ssh", a.home.trim_end_matches('/'));
        for p in [
            dir.clone(),
            format!("{dir}/authorized_keys"),
            format!("{dir}/authorized_keys2"),
        ] {
            let Some(m) = host.meta(&p) else { continue };
            let mode = m.mode & 0o7777;
            seen.push(p.clone());
            if m.is_symlink {
                continue;
            }
            if mode & 0o022 != 0 {
                bad.push(format!("{p} {mode:03o}"));
            } else if m.uid != a.uid && m.uid != 0 {
                bad.push(format!("{p} owned by uid {}", m.uid));
            }
        }
    }
    if seen.is_empty() {
        return Verdict::not_applicable("no login account has a .ssh folder");
    }
    if bad.is_empty() {
        Verdict::pass(format!(
            "{} SSH folders and key files writable by their owner only",
            seen.len()
        ))
    } else {
        Verdict::fail(format!(
            "SSH folders or key files others may change: {}",
            listed(&bad)
        ))
    }
}

fn system_shells(host: &Host) -> Verdict {
    let text = read_or!(host, PASSWD, "no account database");
    let min = uid_min(host);
    let with_shell: Vec<String> = passwd(&text)
        .into_iter()
        .filter(|a| a.uid != 0 && (a.uid < min || a.uid >= 65534) && a.has_shell())
        // The traditional sync, shutdown and halt accounts run one program, not a shell.
        .filter(|a| {
            !["/sync", "/shutdown", "/halt"]
                .iter()
                .any(|s| a.shell.ends_with(s))
        })
        .map(|a| format!("{} ({})", a.name, a.shell))
        .collect();
    if with_shell.is_empty() {
        Verdict::pass("no system account has a login shell")
    } else {
        Verdict::fail(format!(
            "system accounts with a login shell: {}",
            listed(&with_shell)
        ))
    }
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "accounts.uid0-only-root",
        title: "Only root has uid 0",
        controls: &["8.2", "5.18"],
        severity: Severity::Critical,
        how: "No account of /etc/passwd other than root has uid 0",
        remediation: "Give the extra uid 0 accounts their own uid (usermod -u) or remove them; grant administration through sudo",
        cadence_days: 7,
        run: uid0,
    },
    Check {
        id: "accounts.duplicate-uids",
        title: "Every account has its own uid",
        controls: &["5.16", "5.18"],
        severity: Severity::High,
        how: "No uid appears on two lines of /etc/passwd",
        remediation: "Give each account a distinct uid (usermod -u) and re-own its files",
        cadence_days: 30,
        run: duplicate_uids,
    },
    Check {
        id: "accounts.duplicate-names",
        title: "Every account name is unique",
        controls: &["5.16"],
        severity: Severity::High,
        how: "No name appears on two lines of /etc/passwd",
        remediation: "Remove or rename the repeated entries with vipw",
        cadence_days: 30,
        run: duplicate_names,
    },
    Check {
        id: "accounts.duplicate-groups",
        title: "Every group has its own name and gid",
        controls: &["5.16", "5.18"],
        severity: Severity::Medium,
        how: "No gid and no group name appears on two lines of /etc/group",
        remediation: "Give each group a distinct gid (groupmod -g) and remove repeated names with vigr",
        cadence_days: 30,
        run: duplicate_groups,
    },
    Check {
        id: "accounts.legacy-nis-entries",
        title: "The account files hold no legacy '+' NIS entries",
        controls: &["5.16", "8.5"],
        severity: Severity::High,
        how: "No line of /etc/passwd, /etc/shadow or /etc/group starts with '+' (the shadow file is skipped when it may not be read)",
        remediation: "Remove the '+' lines; configure directory accounts through nsswitch.conf instead",
        cadence_days: 30,
        run: legacy_nis,
    },
    Check {
        id: "accounts.sudo-nopasswd",
        title: "sudo asks for a password",
        controls: &["8.2", "8.5"],
        severity: Severity::Medium,
        how: "No rule of /etc/sudoers or /etc/sudoers.d carries the NOPASSWD tag",
        remediation: "Remove NOPASSWD from the rules (keep it only for narrowly limited commands of service accounts, and record why)",
        cadence_days: 7,
        run: sudo_nopasswd,
    },
    Check {
        id: "accounts.sudo-authenticate",
        title: "sudo's authentication is not turned off",
        controls: &["8.2", "8.5"],
        severity: Severity::High,
        how: "No Defaults line of /etc/sudoers or /etc/sudoers.d sets !authenticate",
        remediation: "Remove 'Defaults !authenticate' (visudo)",
        cadence_days: 7,
        run: sudo_authenticate,
    },
    Check {
        id: "accounts.sudo-logging",
        title: "sudo keeps its own log of privileged commands",
        controls: &["8.15", "8.2"],
        severity: Severity::Medium,
        how: "A Defaults line sets logfile=, log_servers=, log_output or log_input (and none turns syslog off without one of them)",
        remediation: "Add 'Defaults logfile=\"/var/log/sudo.log\"' (or log_output for session recording) with visudo",
        cadence_days: 30,
        run: sudo_logging,
    },
    Check {
        id: "accounts.sudo-use-pty",
        title: "sudo runs commands in their own terminal",
        controls: &["8.2", "8.18"],
        severity: Severity::Low,
        how: "The last use_pty or !use_pty of the Defaults lines is use_pty, so a command cannot keep running in the caller's terminal after sudo ends",
        remediation: "Add 'Defaults use_pty' with visudo",
        cadence_days: 30,
        run: sudo_use_pty,
    },
    Check {
        id: "accounts.passwd-permissions",
        title: "/etc/passwd is owned by root and writable by root only",
        controls: &["8.3", "5.15"],
        severity: Severity::High,
        how: "/etc/passwd has no permission beyond 644 and belongs to uid 0",
        remediation: "chown root:root /etc/passwd && chmod 644 /etc/passwd",
        cadence_days: 30,
        run: passwd_mode,
    },
    Check {
        id: "accounts.group-permissions",
        title: "/etc/group is owned by root and writable by root only",
        controls: &["8.3", "5.15"],
        severity: Severity::High,
        how: "/etc/group has no permission beyond 644 and belongs to uid 0",
        remediation: "chown root:root /etc/group && chmod 644 /etc/group",
        cadence_days: 30,
        run: group_mode,
    },
    Check {
        id: "accounts.shadow-permissions",
        title: "/etc/shadow is not readable by others",
        controls: &["8.3", "5.17"],
        severity: Severity::Critical,
        how: "/etc/shadow has no permission beyond 640 and belongs to uid 0",
        remediation: "chown root:shadow /etc/shadow && chmod 640 /etc/shadow (root:root and 600 or 000 where there is no shadow group)",
        cadence_days: 30,
        run: shadow_mode,
    },
    Check {
        id: "accounts.gshadow-permissions",
        title: "/etc/gshadow is not readable by others",
        controls: &["8.3", "5.17"],
        severity: Severity::High,
        how: "/etc/gshadow has no permission beyond 640 and belongs to uid 0",
        remediation: "chown root:shadow /etc/gshadow && chmod 640 /etc/gshadow",
        cadence_days: 30,
        run: gshadow_mode,
    },
    Check {
        id: "accounts.home-permissions",
        title: "Users' home folders are closed to others",
        controls: &["8.3", "5.15"],
        severity: Severity::Medium,
        how: "The home folder of every login account (uid from UID_MIN, a login shell) is neither group- nor world-writable nor world-readable",
        remediation: "chmod 750 (or 700) each home folder; set HOME_MODE 0750 in /etc/login.defs for new ones",
        cadence_days: 30,
        run: home_modes,
    },
    Check {
        id: "accounts.root-home",
        title: "root's home folder is closed to others",
        controls: &["8.2", "8.3"],
        severity: Severity::Medium,
        how: "root's home folder (from /etc/passwd, /root by default) has no permission beyond 750",
        remediation: "chmod 700 /root",
        cadence_days: 30,
        run: root_home,
    },
    Check {
        id: "accounts.ssh-key-files",
        title: "Users' SSH folders and authorized keys cannot be changed by others",
        controls: &["5.17", "8.5"],
        severity: Severity::High,
        how: "~/.ssh, ~/.ssh/authorized_keys and authorized_keys2 of root and every login account are writable neither by group nor by others, and belong to the account or root",
        remediation: "chmod 700 ~/.ssh && chmod 600 ~/.ssh/authorized_keys, owned by the account",
        cadence_days: 7,
        run: ssh_files,
    },
    Check {
        id: "accounts.system-no-shell",
        title: "System accounts cannot log in with a shell",
        controls: &["5.18", "8.2"],
        severity: Severity::Medium,
        how: "Every account of /etc/passwd other than root with a uid below UID_MIN (or nobody's) has nologin, false or no shell; sync, shutdown and halt are allowed their program",
        remediation: "usermod -s /usr/sbin/nologin NAME for each listed service account",
        cadence_days: 30,
        run: system_shells,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Outcome;

    fn root(files: &[(&str, &str, u32)]) -> tempfile::TempDir {
        crate::scan::checks::kit::fixture(files)
    }

    fn check(id: &str, files: &[(&str, &str, u32)]) -> Verdict {
        crate::scan::checks::kit::verdict(CHECKS, id, root(files).path())
    }

    #[track_caller]
    fn expect(id: &str, files: &[(&str, &str, u32)], outcome: Outcome, seen: &str) {
        crate::scan::checks::kit::expect(CHECKS, id, files, outcome, seen)
    }

    use Outcome::{Fail, NotApplicable as Na, Pass};

    const PW: &str = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\nsync:x:4:65534:sync:/bin:/bin/sync\nalice:x:1000:1000::/home/alice:/bin/bash\nnobody:x:65534:65534::/nonexistent:/usr/sbin/nologin\n";

    #[test]
    fn uid_zero() {
        let id = "accounts.uid0-only-root";
        expect(id, &[(PASSWD, PW, 0o644)], Pass, "uid 0: root");
        expect(
            id,
            &[(PASSWD, &format!("{PW}toor:x:0:0::/root:/bin/sh\n"), 0o644)],
            Fail,
            "root, toor",
        );
        expect(id, &[], Na, "/etc/passwd");
    }

    #[test]
    fn duplicates() {
        let id = "accounts.duplicate-uids";
        expect(id, &[(PASSWD, PW, 0o644)], Pass, "own uid");
        expect(
            id,
            &[(
                PASSWD,
                &format!("{PW}bob:x:1000:1000::/home/bob:/bin/bash\n"),
                0o644,
            )],
            Fail,
            "uid 1000: alice, bob",
        );
        expect(id, &[], Na, "/etc/passwd");

        let id = "accounts.duplicate-names";
        expect(id, &[(PASSWD, PW, 0o644)], Pass, "unique");
        expect(
            id,
            &[(
                PASSWD,
                &format!("{PW}alice:x:1001:1001::/home/a2:/bin/bash\n"),
                0o644,
            )],
            Fail,
            "alice: uid 1000, uid 1001",
        );
        expect(id, &[], Na, "/etc/passwd");

        let id = "accounts.duplicate-groups";
        let g = "root:x:0:\nsudo:x:27:alice\nalice:x:1000:\n";
        expect(id, &[(GROUP, g, 0o644)], Pass, "3 groups");
        expect(
            id,
            &[(GROUP, &format!("{g}admins:x:27:\n"), 0o644)],
            Fail,
            "gid 27: sudo, admins",
        );
        expect(
            id,
            &[(GROUP, &format!("{g}sudo:x:28:\n"), 0o644)],
            Fail,
            "sudo: gid 27, gid 28",
        );
        expect(id, &[], Na, "/etc/group");
    }

    #[test]
    fn nis_entries() {
        let id = "accounts.legacy-nis-entries";
        expect(
            id,
            &[(PASSWD, PW, 0o644), (GROUP, "root:x:0:\n", 0o644)],
            Pass,
            "no '+' entry in /etc/passwd, /etc/group",
        );
        expect(
            id,
            &[
                (PASSWD, PW, 0o644),
                (SHADOW, "root:*:1::::::\n+::::::::\n", 0o640),
            ],
            Fail,
            "/etc/shadow",
        );
        expect(
            id,
            &[(GROUP, "root:x:0:\n+:::\n", 0o644)],
            Fail,
            "/etc/group",
        );
        expect(id, &[], Na, "/etc/passwd");
    }

    const SUDO_OK: &str = "Defaults env_reset\nDefaults use_pty\nDefaults logfile=\"/var/log/sudo.log\"\n# alice ALL=(ALL) NOPASSWD: ALL\nroot ALL=(ALL:ALL) ALL\n%sudo ALL=(ALL:ALL) ALL\n@includedir /etc/sudoers.d\n";

    #[test]
    fn sudo_rules() {
        let id = "accounts.sudo-nopasswd";
        expect(id, &[(SUDOERS, SUDO_OK, 0o440)], Pass, "no NOPASSWD");
        expect(
            id,
            &[
                (SUDOERS, SUDO_OK, 0o440),
                (
                    "/etc/sudoers.d/ci",
                    "ci ALL=(ALL) \\\n  NOPASSWD: ALL\n",
                    0o440,
                ),
                // Not read by sudo: a name with a dot.
                (
                    "/etc/sudoers.d/x.bak",
                    "bob ALL=(ALL) NOPASSWD: ALL\n",
                    0o440,
                ),
            ],
            Fail,
            "ci: ci ALL=(ALL) NOPASSWD: ALL",
        );
        assert!(
            !check(
                id,
                &[
                    (SUDOERS, SUDO_OK, 0o440),
                    (
                        "/etc/sudoers.d/x.bak",
                        "bob ALL=(ALL) NOPASSWD: ALL\n",
                        0o440
                    ),
                ]
            )
            .observed
            .contains("bob")
        );
        expect(id, &[], Na, "sudo is not installed");

        let id = "accounts.sudo-authenticate";
        expect(
            id,
            &[(SUDOERS, SUDO_OK, 0o440)],
            Pass,
            "no Defaults !authenticate",
        );
        expect(
            id,
            &[(
                SUDOERS,
                &format!("{SUDO_OK}Defaults:ci env_keep+=HOME, !authenticate\n"),
                0o440,
            )],
            Fail,
            "Defaults:ci",
        );
        expect(id, &[], Na, "sudo");

        let id = "accounts.sudo-logging";
        expect(id, &[(SUDOERS, SUDO_OK, 0o440)], Pass, "logfile=");
        expect(
            id,
            &[(SUDOERS, "Defaults log_output\nroot ALL=(ALL) ALL\n", 0o440)],
            Pass,
            "log_output",
        );
        expect(
            id,
            &[(SUDOERS, "root ALL=(ALL) ALL\n", 0o440)],
            Fail,
            "no Defaults logfile",
        );
        expect(
            id,
            &[(SUDOERS, "Defaults !syslog\nroot ALL=(ALL) ALL\n", 0o440)],
            Fail,
            "!syslog",
        );
        expect(id, &[], Na, "sudo");

        let id = "accounts.sudo-use-pty";
        expect(id, &[(SUDOERS, SUDO_OK, 0o440)], Pass, "use_pty");
        expect(
            id,
            &[(SUDOERS, "root ALL=(ALL) ALL\n", 0o440)],
            Fail,
            "not set",
        );
        expect(
            id,
            &[
                (SUDOERS, SUDO_OK, 0o440),
                ("/etc/sudoers.d/z", "Defaults !use_pty\n", 0o440),
            ],
            Fail,
            "!use_pty",
        );
        expect(id, &[], Na, "sudo");
    }

    #[test]
    fn account_file_permissions() {
        for (id, path, good, bad) in [
            ("accounts.passwd-permissions", PASSWD, 0o644, 0o664),
            ("accounts.group-permissions", GROUP, 0o644, 0o646),
            ("accounts.shadow-permissions", SHADOW, 0o640, 0o644),
            ("accounts.gshadow-permissions", GSHADOW, 0o600, 0o604),
        ] {
            expect(
                id,
                &[(path, "root:x:0:\n", good)],
                Pass,
                &format!("mode {good:04o}"),
            );
            expect(
                id,
                &[(path, "root:x:0:\n", bad)],
                Fail,
                &format!("mode {bad:04o}"),
            );
            expect(id, &[], Na, "does not exist");
        }
    }

    #[test]
    fn homes() {
        let id = "accounts.home-permissions";
        expect(
            id,
            &[(PASSWD, PW, 0o644), ("/home/alice/", "", 0o750)],
            Pass,
            "alice 750",
        );
        expect(
            id,
            &[(PASSWD, PW, 0o644), ("/home/alice/", "", 0o755)],
            Fail,
            "alice /home/alice 755",
        );
        expect(
            id,
            &[(PASSWD, PW, 0o644), ("/home/alice/", "", 0o1777)],
            Fail,
            "1777",
        );
        expect(id, &[(PASSWD, PW, 0o644)], Na, "no home folder");
        expect(id, &[], Na, "/etc/passwd");

        let id = "accounts.root-home";
        expect(
            id,
            &[(PASSWD, PW, 0o644), ("/root/", "", 0o700)],
            Pass,
            "/root mode 700",
        );
        expect(
            id,
            &[(PASSWD, PW, 0o644), ("/root/", "", 0o755)],
            Fail,
            "/root mode 755",
        );
        expect(id, &[(PASSWD, PW, 0o644)], Na, "/root does not exist");
        expect(id, &[], Na, "/etc/passwd");
    }

    #[test]
    fn ssh_key_files() {
        let id = "accounts.ssh-key-files";
        expect(
            id,
            &[
                (PASSWD, PW, 0o644),
                ("/home/alice/.ssh/", "", 0o700),
                (
                    "/home/alice/.ssh/authorized_keys",
                    "ssh-ed25519 AAAA a\n",
                    0o600,
                ),
                ("/root/.ssh/", "", 0o700),
            ],
            Pass,
            "3 SSH folders",
        );
        expect(
            id,
            &[
                (PASSWD, PW, 0o644),
                ("/home/alice/.ssh/", "", 0o700),
                (
                    "/home/alice/.ssh/authorized_keys",
                    "ssh-ed25519 AAAA a\n",
                    0o664,
                ),
            ],
            Fail,
            "/home/alice/.ssh/authorized_keys 664",
        );
        expect(
            id,
            &[(PASSWD, PW, 0o644), ("/root/.ssh/", "", 0o777)],
            Fail,
            "/root/.ssh 777",
        );
        expect(
            id,
            &[(PASSWD, PW, 0o644)],
            Na,
            "no login account has a .ssh",
        );
        expect(id, &[], Na, "/etc/passwd");
    }

    #[test]
    fn system_accounts() {
        let id = "accounts.system-no-shell";
        expect(id, &[(PASSWD, PW, 0o644)], Pass, "no system account");
        expect(
            id,
            &[(
                PASSWD,
                &format!("{PW}www-data:x:33:33::/var/www:/bin/sh\n"),
                0o644,
            )],
            Fail,
            "www-data (/bin/sh)",
        );
        // UID_MIN of login.defs moves the line between system and ordinary accounts.
        expect(
            id,
            &[
                (PASSWD, PW, 0o644),
                ("/etc/login.defs", "UID_MIN 1001\n", 0o644),
            ],
            Fail,
            "alice (/bin/bash)",
        );
        expect(id, &[], Na, "/etc/passwd");
    }

    #[test]
    fn an_empty_root_is_not_applicable() {
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        for c in CHECKS {
            assert!(c.id.starts_with("accounts."), "{}", c.id);
            assert_eq!((c.run)(&host).outcome, Na, "{}", c.id);
        }
    }
}
