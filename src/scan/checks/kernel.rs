//! 8.9 configuration management: the kernel's hardening settings (sysctl), the options of
//! the temporary and home mounts, and the file modes that let one user harm another
//! (world-writable files and folders, set-user-id programs).

use crate::scan::host::Meta;
use crate::scan::parse::{host_mounts, kernel_setting};
use crate::scan::{Check, Host, Read, Severity, Verdict};

/// What a kernel setting must be.
#[derive(Debug, Clone, Copy)]
enum Want {
    OneOf(&'static [&'static str]),
    AtLeast(i64),
}

impl Want {
    fn accepts(self, v: &str) -> bool {
        let v = v.trim();
        match self {
            Want::OneOf(list) => list.contains(&v),
            Want::AtLeast(n) => v.parse::<i64>().is_ok_and(|x| x >= n),
        }
    }

    fn describe(self) -> String {
        match self {
            Want::OneOf(list) => list.join(" or "),
            Want::AtLeast(n) => format!("{n} or more"),
        }
    }
}

/// Whether the root holds any sysctl configuration at all.
fn has_sysctl_config(host: &Host) -> bool {
    [
        "/etc/sysctl.conf",
        "/etc/sysctl.d",
        "/usr/lib/sysctl.d",
        "/lib/sysctl.d",
    ]
    .iter()
    .any(|p| host.exists(p))
}

/// The verdict on one kernel setting. On the running host the value is the kernel's own
/// (`/proc/sys`); on a mounted root it is the last one the sysctl files set, and an unset
/// key is judged by the kernel's default.
fn sysctl_verdict(host: &Host, key: &str, want: Want, default: &str) -> Verdict {
    let proc = format!("/proc/sys/{}", key.replace('.', "/"));
    if host.is_live() && !host.exists(&proc) {
        if key.starts_with("net.ipv6.") {
            return Verdict::not_applicable(format!(
                "{key} is absent: IPv6 is not active in the running kernel"
            ));
        }
        return Verdict::fail(format!(
            "{key} is absent from the running kernel (the feature is not built in)"
        ));
    }
    match kernel_setting(host, key) {
        Some(v) if want.accepts(&v) => Verdict::pass(format!("{key} = {v}")),
        Some(v) => Verdict::fail(format!("{key} = {v} (expected {})", want.describe())),
        None if want.accepts(default) => {
            if has_sysctl_config(host) {
                Verdict::pass(format!(
                    "{key} not set; the kernel default {default} applies"
                ))
            } else {
                Verdict::not_applicable(format!(
                    "no sysctl configuration on this root; {key} keeps the kernel default {default}"
                ))
            }
        }
        None => Verdict::fail(format!("{key} not set (kernel default {default})")),
    }
}

/// The options of a mount (the last one on the same folder wins, as an over-mount does).
fn mount_verdict(host: &Host, dir: &str, required: &[&str], recommended: &[&str]) -> Verdict {
    let Some(mounts) = host_mounts(host) else {
        return match host.read("/etc/fstab") {
            Read::Denied => Verdict::not_applicable("permission denied: /etc/fstab"),
            _ => Verdict::not_applicable("/etc/fstab: missing, so the mounts are unknown"),
        };
    };
    let Some(m) = mounts.iter().rev().find(|m| m.dir == dir) else {
        return Verdict::not_applicable(format!("{dir} is not a separate mount"));
    };
    let has = |o: &&str| m.options.iter().any(|x| x == o);
    let missing: Vec<&str> = required.iter().filter(|o| !has(o)).copied().collect();
    let advised: Vec<&str> = recommended.iter().filter(|o| !has(o)).copied().collect();
    let opts = m.options.join(",");
    if !missing.is_empty() {
        return Verdict::fail(format!(
            "{dir} ({}) mounted with {opts}: missing {}",
            m.fstype,
            missing.join(", ")
        ));
    }
    let note = if advised.is_empty() {
        String::new()
    } else {
        format!("; {} also advised", advised.join(", "))
    };
    Verdict::pass(format!("{dir} ({}) mounted with {opts}{note}", m.fstype))
}

fn tmp_mount(host: &Host) -> Verdict {
    mount_verdict(host, "/tmp", &["nodev", "nosuid"], &["noexec"])
}

fn shm_mount(host: &Host) -> Verdict {
    mount_verdict(host, "/dev/shm", &["nodev", "nosuid", "noexec"], &[])
}

fn var_tmp_mount(host: &Host) -> Verdict {
    mount_verdict(host, "/var/tmp", &["nodev", "nosuid"], &["noexec"])
}

fn home_mount(host: &Host) -> Verdict {
    mount_verdict(host, "/home", &["nodev"], &["nosuid"])
}

/// Entries a file check walks at most below each folder.
const WALK_BUDGET: usize = crate::scan::host::CENSUS_BUDGET;

/// How many paths a message names.
const SHOWN: usize = 5;

/// The notable entries (world-writable, or set-id files) below those of the folders that
/// exist as real folders (a folder that is a link, such as `/bin` on a merged-/usr system,
/// is reached through its target), from the scan's one walk; with the folders themselves
/// when asked. Answers the entries, how many entries were looked at, and whether a walk
/// stopped at its budget; `None` when none of the folders exists.
/// Notable entries, how many entries were looked at, whether a walk ran out of budget.
type Walked = (Vec<(String, Meta)>, usize, bool);

fn walk(host: &Host, tops: &[&str], with_tops: bool) -> Option<Walked> {
    let census = host.census();
    let present: Vec<&(String, Meta, usize)> = census
        .tops
        .iter()
        .filter(|(t, _, _)| tops.contains(&t.as_str()))
        .collect();
    if present.is_empty() {
        return None;
    }
    let below = |p: &str| {
        present
            .iter()
            .any(|(t, _, _)| p.starts_with(&format!("{t}/")))
    };
    let mut all: Vec<(String, Meta)> = if with_tops {
        present.iter().map(|(t, m, _)| (t.clone(), *m)).collect()
    } else {
        Vec::new()
    };
    all.extend(census.notable.iter().filter(|(p, _)| below(p)).cloned());
    let seen = present.iter().map(|(_, _, n)| n).sum::<usize>()
        + if with_tops { present.len() } else { 0 };
    Some((all, seen, census.ran_out))
}

/// "a, b, c … (12 in all)".
fn sample(paths: &[String]) -> String {
    let shown = paths
        .iter()
        .take(SHOWN)
        .map(String::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if paths.len() > SHOWN {
        format!("{shown} … ({} in all)", paths.len())
    } else {
        shown
    }
}

fn budget_note(out: bool) -> String {
    if out {
        format!("; stopped after {WALK_BUDGET} entries, so there may be more")
    } else {
        String::new()
    }
}

fn world_writable_files(host: &Host) -> Verdict {
    let tops = ["/etc", "/usr", "/bin", "/sbin"];
    let Some((entries, seen, out)) = walk(host, &tops, false) else {
        return Verdict::not_applicable("none of /etc, /usr, /bin, /sbin is present");
    };
    let bad: Vec<String> = entries
        .iter()
        .filter(|(_, m)| m.is_file && !m.is_symlink && m.world_writable())
        .map(|(p, _)| p.clone())
        .collect();
    let note = budget_note(out);
    if bad.is_empty() {
        Verdict::pass(format!("no world-writable file among {seen} entries{note}"))
    } else {
        Verdict::fail(format!(
            "{} world-writable files: {}{note}",
            bad.len(),
            sample(&bad)
        ))
    }
}

fn sticky_dirs(host: &Host) -> Verdict {
    let tops = [
        "/tmp", "/var", "/etc", "/usr", "/opt", "/srv", "/bin", "/sbin",
    ];
    let Some((entries, seen, out)) = walk(host, &tops, true) else {
        return Verdict::not_applicable("none of /tmp, /var, /etc, /usr, /opt, /srv is present");
    };
    let bad: Vec<String> = entries
        .iter()
        .filter(|(_, m)| m.is_dir && !m.is_symlink && m.world_writable() && !m.sticky())
        .map(|(p, _)| p.clone())
        .collect();
    let note = budget_note(out);
    if bad.is_empty() {
        Verdict::pass(format!(
            "every world-writable folder among {seen} entries has the sticky bit{note}"
        ))
    } else {
        Verdict::fail(format!(
            "{} world-writable folders without the sticky bit: {}{note}",
            bad.len(),
            sample(&bad)
        ))
    }
}

/// Programs commonly installed set-user-id or set-group-id by a distribution.
const USUAL_SUID: &[&str] = &[
    "passwd",
    "sudo",
    "sudoedit",
    "su",
    "mount",
    "umount",
    "ping",
    "ping6",
    "chsh",
    "chfn",
    "chage",
    "expiry",
    "newgrp",
    "sg",
    "gpasswd",
    "newuidmap",
    "newgidmap",
    "pkexec",
    "polkit-agent-helper-1",
    "ssh-keysign",
    "ssh-agent",
    "unix_chkpwd",
    "pam_extrausers_chkpwd",
    "fusermount",
    "fusermount3",
    "crontab",
    "at",
    "wall",
    "write",
    "bsd-write",
    "dotlockfile",
    "mail-lock",
    "mail-unlock",
    "mail-touchlock",
    "dbus-daemon-launch-helper",
    "Xorg.wrap",
    "mount.nfs",
    "plocate",
    "mlocate",
    "locate",
    "utempter",
    "snap-confine",
];

fn suid_inventory(host: &Host) -> Verdict {
    let Some((entries, _, out)) = walk(host, &["/usr", "/bin", "/sbin"], false) else {
        return Verdict::not_applicable("none of /usr, /bin, /sbin is present");
    };
    let special: Vec<&String> = entries
        .iter()
        .filter(|(_, m)| m.is_file && !m.is_symlink && (m.setuid() || m.setgid()))
        .map(|(p, _)| p)
        .collect();
    let unexpected: Vec<String> = special
        .iter()
        .filter(|p| !USUAL_SUID.contains(&p.rsplit('/').next().unwrap_or("")))
        .map(|p| p.to_string())
        .collect();
    let note = budget_note(out);
    if unexpected.is_empty() {
        Verdict::pass(format!(
            "{} SUID/SGID files, all of them usual ones{note}",
            special.len()
        ))
    } else {
        Verdict::fail(format!(
            "{} of {} SUID/SGID files are not in the usual list: {}{note}",
            unexpected.len(),
            special.len(),
            sample(&unexpected)
        ))
    }
}

/// The sysctl checks from one table, then the others. Each sysctl row is: id, key, the
/// accepted values, how they read, the value to set, the kernel's default, severity, title
/// and why it matters.
macro_rules! kernel_checks {
    (
        sysctl {
            $( $id:literal, $key:literal, $want:expr, $accept:literal, $set:literal,
               $default:literal, $sev:ident, $title:literal, $why:literal; )*
        }
        rest { $( $rest:expr, )* }
    ) => {
        #[cfg(test)]
        const SYSCTLS: &[(&str, &str, Want, &str)] = &[ $( ($id, $key, $want, $default), )* ];

        pub const CHECKS: &[Check] = &[
            $(
                Check {
                    id: $id,
                    title: $title,
                    controls: &["8.9"],
                    severity: Severity::$sev,
                    how: concat!(
                        $why, " Passes when ", $key, " is ", $accept, ". The value is read from /proc/sys on the running host, otherwise it is the last one set in sysctl.conf or the sysctl.d folders; on a mounted root an unset key is judged by the kernel default (",
                        $default, "): a failure when that default is not accepted, not applicable when the root has no sysctl configuration at all."
                    ),
                    remediation: concat!(
                        "Put '", $key, " = ", $set, "' in a file of /etc/sysctl.d (e.g. 60-hardening.conf) and apply it with 'sysctl --system'."
                    ),
                    cadence_days: 30,
                    run: {
                        fn run(host: &Host) -> Verdict {
                            sysctl_verdict(host, $key, $want, $default)
                        }
                        run
                    },
                },
            )*
            $( $rest, )*
        ];
    };
}

kernel_checks! {
    sysctl {
        "kernel.ip-forward", "net.ipv4.ip_forward", Want::OneOf(&["0"]), "0", "0", "0", Medium,
            "The host does not route IPv4 packets between interfaces",
            "A host that forwards packets can join networks that were meant to stay apart; only routers and container hosts need it.";
        "kernel.accept-redirects", "net.ipv4.conf.all.accept_redirects", Want::OneOf(&["0"]), "0", "0", "1", Medium,
            "ICMP redirects are ignored (IPv4)",
            "Forged redirects can reroute the host's traffic through an attacker.";
        "kernel.send-redirects", "net.ipv4.conf.all.send_redirects", Want::OneOf(&["0"]), "0", "0", "1", Low,
            "The host sends no ICMP redirects",
            "Only a router has reason to tell other hosts about better routes.";
        "kernel.source-route", "net.ipv4.conf.all.accept_source_route", Want::OneOf(&["0"]), "0", "0", "0", Medium,
            "Source-routed IPv4 packets are refused",
            "A sender-chosen route lets packets bypass filtering devices.";
        "kernel.rp-filter", "net.ipv4.conf.all.rp_filter", Want::OneOf(&["1", "2"]), "1 (strict) or 2 (loose)", "1", "0", Medium,
            "Packets with impossible source addresses are dropped",
            "Reverse-path filtering discards packets whose source could not be reached back through the interface they came in on, a sign of spoofing.";
        "kernel.syncookies", "net.ipv4.tcp_syncookies", Want::OneOf(&["1"]), "1", "1", "1", Medium,
            "TCP SYN cookies protect against SYN floods",
            "With SYN cookies the host keeps answering new connections while its backlog is flooded.";
        "kernel.log-martians", "net.ipv4.conf.all.log_martians", Want::OneOf(&["1"]), "1", "1", "0", Low,
            "Packets with impossible addresses are logged",
            "Logging such packets leaves a trace of spoofing and misrouting.";
        "kernel.icmp-broadcasts", "net.ipv4.icmp_echo_ignore_broadcasts", Want::OneOf(&["1"]), "1", "1", "1", Low,
            "Broadcast pings are ignored",
            "Answering pings sent to a broadcast address makes the host an amplifier in flooding attacks.";
        "kernel.ipv6-accept-redirects", "net.ipv6.conf.all.accept_redirects", Want::OneOf(&["0"]), "0", "0", "1", Medium,
            "ICMP redirects are ignored (IPv6)",
            "As for IPv4, forged IPv6 redirects can reroute the host's traffic.";
        "kernel.aslr", "kernel.randomize_va_space", Want::OneOf(&["2"]), "2", "2", "2", High,
            "Memory layout is fully randomised (ASLR)",
            "Randomising where the stack, libraries and heap sit makes memory-corruption exploits much harder.";
        "kernel.suid-dumpable", "fs.suid_dumpable", Want::OneOf(&["0"]), "0", "0", "0", Medium,
            "Privileged programs leave no core dumps",
            "A core dump of a set-user-id program can hold secrets such as password hashes.";
        "kernel.dmesg-restrict", "kernel.dmesg_restrict", Want::OneOf(&["1"]), "1", "1", "0", Low,
            "Only administrators can read the kernel log",
            "The kernel log reveals addresses and hardware details useful to an attacker (the built-in default depends on how the kernel was configured; 0 is assumed).";
        "kernel.kptr-restrict", "kernel.kptr_restrict", Want::AtLeast(1), "1 or more", "1", "0", Medium,
            "Kernel addresses are hidden from users",
            "Kernel pointers shown in /proc help to defeat kernel address randomisation.";
        "kernel.protected-hardlinks", "fs.protected_hardlinks", Want::OneOf(&["1"]), "1", "1", "0", Medium,
            "Users cannot hard-link files they do not own",
            "The protection stops hard-link tricks against privileged programs (systemd usually sets it in /usr/lib/sysctl.d).";
        "kernel.protected-symlinks", "fs.protected_symlinks", Want::OneOf(&["1"]), "1", "1", "0", Medium,
            "Symbolic links in shared folders are only followed when safe",
            "The protection stops symlink races in world-writable sticky folders such as /tmp.";
        "kernel.ptrace-scope", "kernel.yama.ptrace_scope", Want::AtLeast(1), "1 or more", "1", "1", Medium,
            "Processes cannot inspect unrelated processes of the same user",
            "Yama's ptrace restriction keeps a compromised program from reading the memory of the user's other programs (1 is Yama's default; the key is absent when Yama is not built in).";
    }
    rest {
        Check {
            id: "kernel.tmp-mount",
            title: "/tmp is mounted without devices and set-user-id programs",
            controls: &["8.9"],
            severity: Severity::Medium,
            how: "The mount of /tmp (/proc/mounts on the running host, /etc/fstab otherwise; the last line for /tmp wins) has the nodev and nosuid options; noexec is advised in the message. Not applicable when /tmp is no separate mount (on a mounted root a systemd tmp.mount unit is not seen).",
            remediation: "Mount /tmp as its own file system (a tmpfs, or systemd's tmp.mount) with 'nodev,nosuid,noexec', e.g. 'tmpfs /tmp tmpfs defaults,nodev,nosuid,noexec 0 0' in /etc/fstab.",
            cadence_days: 30,
            run: tmp_mount,
        },
        Check {
            id: "kernel.shm-mount",
            title: "/dev/shm is mounted without devices, set-user-id programs or execution",
            controls: &["8.9"],
            severity: Severity::Medium,
            how: "The mount of /dev/shm has nodev, nosuid and noexec. Not applicable when it is not listed (on a mounted root, systemd mounts it without listing it in /etc/fstab).",
            remediation: "Add 'tmpfs /dev/shm tmpfs defaults,nodev,nosuid,noexec 0 0' to /etc/fstab and remount it.",
            cadence_days: 30,
            run: shm_mount,
        },
        Check {
            id: "kernel.var-tmp-mount",
            title: "/var/tmp is mounted without devices and set-user-id programs",
            controls: &["8.9"],
            severity: Severity::Low,
            how: "When /var/tmp is a mount of its own, it has nodev and nosuid (noexec advised); not applicable when it is part of another file system.",
            remediation: "Give /var/tmp the options 'nodev,nosuid,noexec' in /etc/fstab (or bind-mount it with them).",
            cadence_days: 30,
            run: var_tmp_mount,
        },
        Check {
            id: "kernel.home-mount",
            title: "/home holds no device files",
            controls: &["8.9"],
            severity: Severity::Low,
            how: "When /home is a mount of its own, it has nodev (nosuid advised); not applicable when it is part of another file system.",
            remediation: "Add 'nodev' (and 'nosuid') to the options of /home in /etc/fstab and remount it.",
            cadence_days: 30,
            run: home_mount,
        },
        Check {
            id: "kernel.world-writable-files",
            title: "No system file can be changed by every user",
            controls: &["8.9"],
            severity: Severity::High,
            how: "Walks /etc, /usr, /bin and /sbin (without following links, at most 200,000 entries) and lists regular files whose mode lets anyone write; the first few paths and the count are shown, and the message says when the walk stopped early.",
            remediation: "Remove the write permission for others ('chmod o-w FILE') and find out which package or script set it.",
            cadence_days: 30,
            run: world_writable_files,
        },
        Check {
            id: "kernel.sticky-folders",
            title: "Folders everyone may write to keep the sticky bit",
            controls: &["8.9"],
            severity: Severity::Medium,
            how: "Walks /tmp, /var, /etc, /usr, /opt, /srv, /bin and /sbin (at most 200,000 entries) and lists folders writable by anyone that lack the sticky bit, which would let any user delete or replace other users' files there.",
            remediation: "Set the sticky bit ('chmod +t FOLDER') or remove the write permission for others ('chmod o-w FOLDER').",
            cadence_days: 30,
            run: sticky_dirs,
        },
        Check {
            id: "kernel.suid-inventory",
            title: "Only the usual programs run with their owner's or group's rights",
            controls: &["8.9", "8.2"],
            severity: Severity::Medium,
            how: "Walks /usr, /bin and /sbin (at most 200,000 entries), collects the set-user-id and set-group-id files and fails on any whose name is not among the programs distributions commonly ship that way (passwd, sudo, su, mount, ping, pkexec, ssh-keysign, unix_chkpwd, fusermount and the like).",
            remediation: "For each unexpected file, find its package ('dpkg -S FILE'); remove the bit ('chmod u-s,g-s FILE') or the program when it is not needed, or record why it is.",
            cadence_days: 30,
            run: suid_inventory,
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Outcome;
    use crate::scan::checks::kit::{chmod, put};
    use std::path::Path;

    fn check(id: &str, root: &Path) -> Verdict {
        crate::scan::checks::kit::verdict(CHECKS, id, root)
    }

    /// A value the setting accepts and one it refuses.
    fn good_and_bad(want: Want) -> (&'static str, &'static str) {
        match want {
            Want::OneOf(list) => (list[0], if list.contains(&"0") { "1" } else { "0" }),
            Want::AtLeast(_) => ("2", "0"),
        }
    }

    #[test]
    fn every_sysctl_row_has_a_check() {
        let ids: Vec<&str> = CHECKS.iter().map(|c| c.id).collect();
        assert_eq!(SYSCTLS.len(), 16);
        for (id, ..) in SYSCTLS {
            assert!(ids.contains(id), "{id}");
        }
    }

    #[test]
    fn sysctl_settings_pass_fail_and_fall_back_to_the_default() {
        for &(id, key, want, default) in SYSCTLS {
            let (good, bad) = good_and_bad(want);
            // Set well in sysctl.d, overridden badly by sysctl.conf (read last).
            let dir = tempfile::tempdir().unwrap();
            put(
                dir.path(),
                "/etc/sysctl.d/60-x.conf",
                &format!("{key} = {good}\n"),
            );
            let v = check(id, dir.path());
            assert_eq!(v.outcome, Outcome::Pass, "{id}: {}", v.observed);
            assert!(v.observed.contains(&format!("{key} = {good}")), "{id}");
            put(dir.path(), "/etc/sysctl.conf", &format!("{key}={bad}\n"));
            let v = check(id, dir.path());
            assert_eq!(v.outcome, Outcome::Fail, "{id}: {}", v.observed);
            assert!(v.observed.contains(&format!("= {bad} (expected")), "{id}");
            // Slash-separated keys are read too.
            put(
                dir.path(),
                "/etc/sysctl.conf",
                &format!("{} = {good}\n", key.replace('.', "/")),
            );
            assert_eq!(check(id, dir.path()).outcome, Outcome::Pass, "{id}");

            // Unset: the kernel default decides.
            let dir = tempfile::tempdir().unwrap();
            let empty = check(id, dir.path());
            put(dir.path(), "/etc/sysctl.conf", "# nothing\n");
            let unset = check(id, dir.path());
            if want.accepts(default) {
                assert_eq!(empty.outcome, Outcome::NotApplicable, "{id}");
                assert_eq!(unset.outcome, Outcome::Pass, "{id}");
                assert!(unset.observed.contains("kernel default"), "{id}");
            } else {
                assert_eq!(empty.outcome, Outcome::Fail, "{id}");
                assert_eq!(unset.outcome, Outcome::Fail, "{id}");
                assert!(
                    unset
                        .observed
                        .contains(&format!("not set (kernel default {default})")),
                    "{id}: {}",
                    unset.observed
                );
            }
        }
    }

    #[test]
    fn rp_filter_accepts_loose_and_kptr_restrict_accepts_two() {
        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "/etc/sysctl.conf",
            "net.ipv4.conf.all.rp_filter = 2\nkernel.kptr_restrict = 2\nkernel.yama.ptrace_scope = 3\n",
        );
        for id in [
            "kernel.rp-filter",
            "kernel.kptr-restrict",
            "kernel.ptrace-scope",
        ] {
            assert_eq!(check(id, dir.path()).outcome, Outcome::Pass, "{id}");
        }
        put(dir.path(), "/etc/sysctl.conf", "kernel.kptr_restrict = x\n");
        assert_eq!(
            check("kernel.kptr-restrict", dir.path()).outcome,
            Outcome::Fail
        );
    }

    #[test]
    fn mount_options() {
        let dir = tempfile::tempdir().unwrap();
        for id in [
            "kernel.tmp-mount",
            "kernel.shm-mount",
            "kernel.var-tmp-mount",
            "kernel.home-mount",
        ] {
            let v = check(id, dir.path());
            assert_eq!(v.outcome, Outcome::NotApplicable, "{id}");
            assert!(v.observed.contains("/etc/fstab: missing"), "{id}");
        }
        put(
            dir.path(),
            "/etc/fstab",
            "UUID=1 / ext4 defaults 0 1\n\
             tmpfs /tmp tmpfs defaults,nodev,nosuid,noexec 0 0\n\
             tmpfs /dev/shm tmpfs defaults,nodev,nosuid,noexec 0 0\n\
             /dev/sdb1 /var/tmp ext4 nodev,nosuid 0 2\n\
             /dev/sdc1 /home ext4 defaults,nodev 0 2\n",
        );
        for id in [
            "kernel.tmp-mount",
            "kernel.shm-mount",
            "kernel.var-tmp-mount",
            "kernel.home-mount",
        ] {
            let v = check(id, dir.path());
            assert_eq!(v.outcome, Outcome::Pass, "{id}: {}", v.observed);
            assert!(v.observed.contains("mounted with"), "{id}");
        }
        assert!(
            check("kernel.var-tmp-mount", dir.path())
                .observed
                .contains("noexec also advised")
        );
        put(
            dir.path(),
            "/etc/fstab",
            "tmpfs /tmp tmpfs defaults,nosuid 0 0\n\
             tmpfs /dev/shm tmpfs defaults,nodev,nosuid 0 0\n\
             /dev/sdb1 /var/tmp ext4 defaults 0 2\n\
             /dev/sdc1 /home ext4 defaults 0 2\n",
        );
        let v = check("kernel.tmp-mount", dir.path());
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.observed.contains("missing nodev"), "{}", v.observed);
        let v = check("kernel.shm-mount", dir.path());
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.observed.contains("missing noexec"), "{}", v.observed);
        let v = check("kernel.var-tmp-mount", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("nodev, nosuid"));
        let v = check("kernel.home-mount", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("missing nodev"));
        put(dir.path(), "/etc/fstab", "UUID=1 / ext4 defaults 0 1\n");
        let v = check("kernel.home-mount", dir.path());
        assert_eq!(v.outcome, Outcome::NotApplicable);
        assert!(v.observed.contains("/home is not a separate mount"));
    }

    #[test]
    fn world_writable_files_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let v = check("kernel.world-writable-files", dir.path());
        assert_eq!(v.outcome, Outcome::NotApplicable);
        put(dir.path(), "/etc/hosts", "127.0.0.1 localhost\n");
        put(dir.path(), "/usr/bin/tool", "");
        chmod(dir.path(), "/etc/hosts", 0o644);
        chmod(dir.path(), "/usr/bin/tool", 0o755);
        let v = check("kernel.world-writable-files", dir.path());
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.observed);
        assert!(v.observed.contains("no world-writable file"));
        chmod(dir.path(), "/usr/bin/tool", 0o777);
        let v = check("kernel.world-writable-files", dir.path());
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(v.observed.contains("1 world-writable files: /usr/bin/tool"));
        // Many are summarised.
        for i in 0..8 {
            put(dir.path(), &format!("/etc/w{i}"), "");
            chmod(dir.path(), &format!("/etc/w{i}"), 0o666);
        }
        let v = check("kernel.world-writable-files", dir.path());
        assert!(v.observed.contains("(9 in all)"), "{}", v.observed);
    }

    #[test]
    fn world_writable_folders_need_the_sticky_bit() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            check("kernel.sticky-folders", dir.path()).outcome,
            Outcome::NotApplicable
        );
        std::fs::create_dir_all(dir.path().join("tmp")).unwrap();
        std::fs::create_dir_all(dir.path().join("var/spool/drop")).unwrap();
        chmod(dir.path(), "/tmp", 0o1777);
        chmod(dir.path(), "/var/spool/drop", 0o755);
        let v = check("kernel.sticky-folders", dir.path());
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.observed);
        chmod(dir.path(), "/var/spool/drop", 0o777);
        chmod(dir.path(), "/tmp", 0o777);
        let v = check("kernel.sticky-folders", dir.path());
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.observed.contains("2 world-writable folders") && v.observed.contains("/tmp"),
            "{}",
            v.observed
        );
        assert!(v.observed.contains("/var/spool/drop"));
    }

    #[test]
    fn unexpected_suid_programs_fail() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(
            check("kernel.suid-inventory", dir.path()).outcome,
            Outcome::NotApplicable
        );
        put(dir.path(), "/usr/bin/passwd", "");
        put(dir.path(), "/usr/bin/sudo", "");
        put(dir.path(), "/usr/bin/ls", "");
        chmod(dir.path(), "/usr/bin/passwd", 0o4755);
        chmod(dir.path(), "/usr/bin/sudo", 0o4755);
        chmod(dir.path(), "/usr/bin/ls", 0o755);
        let v = check("kernel.suid-inventory", dir.path());
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.observed);
        assert!(v.observed.contains("2 SUID/SGID files"));
        put(dir.path(), "/usr/local/bin/backdoor", "");
        chmod(dir.path(), "/usr/local/bin/backdoor", 0o2755);
        let v = check("kernel.suid-inventory", dir.path());
        assert_eq!(v.outcome, Outcome::Fail);
        assert!(
            v.observed.contains("1 of 3") && v.observed.contains("/usr/local/bin/backdoor"),
            "{}",
            v.observed
        );
    }

    #[test]
    fn the_live_host_gives_no_error() {
        let host = Host::new(Path::new("/"));
        for c in CHECKS {
            let v = (c.run)(&host);
            assert_ne!(v.outcome, Outcome::Error, "{}: {}", c.id, v.observed);
        }
    }
}
