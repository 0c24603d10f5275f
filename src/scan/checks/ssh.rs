//! 8.5 secure authentication: the SSH server's settings (the global part of `sshd_config` and
//! its includes, first value wins as in sshd).

use crate::scan::parse::{first, sshd};
use crate::scan::{Check, Host, Severity, Verdict};

const SSHD: &str = "/etc/ssh/sshd_config";

/// The effective value of an sshd setting (lower-cased), with sshd's default when unset.
fn setting(host: &Host, key: &str, default: &str) -> Result<String, Verdict> {
    match sshd(host) {
        Some(pairs) => Ok(first(&pairs, key).unwrap_or(default).to_ascii_lowercase()),
        None => Err(match host.read(SSHD) {
            crate::scan::Read::Denied => {
                Verdict::not_applicable(format!("permission denied: {SSHD}"))
            }
            _ => Verdict::not_applicable(format!("{SSHD}: no SSH server configured")),
        }),
    }
}

macro_rules! setting_or_return {
    ($host:expr, $key:expr, $default:expr) => {
        match setting($host, $key, $default) {
            Ok(v) => v,
            Err(v) => return v,
        }
    };
}

fn root_login(host: &Host) -> Verdict {
    let v = setting_or_return!(host, "permitrootlogin", "prohibit-password");
    Verdict::when(
        v == "no"
            || v == "prohibit-password"
            || v == "without-password"
            || v == "forced-commands-only",
        format!("PermitRootLogin {v}"),
    )
}

fn password_auth(host: &Host) -> Verdict {
    let v = setting_or_return!(host, "passwordauthentication", "yes");
    Verdict::when(v == "no", format!("PasswordAuthentication {v}"))
}

fn empty_passwords(host: &Host) -> Verdict {
    let v = setting_or_return!(host, "permitemptypasswords", "no");
    Verdict::when(v == "no", format!("PermitEmptyPasswords {v}"))
}

fn protocol(host: &Host) -> Verdict {
    let v = setting_or_return!(host, "protocol", "2");
    Verdict::when(!v.contains('1'), format!("Protocol {v}"))
}

fn max_auth_tries(host: &Host) -> Verdict {
    let v = setting_or_return!(host, "maxauthtries", "6");
    match v.parse::<u32>() {
        Ok(n) => Verdict::when(n <= 4, format!("MaxAuthTries {n}")),
        Err(_) => Verdict::fail(format!("MaxAuthTries '{v}' is not a number")),
    }
}

fn x11(host: &Host) -> Verdict {
    let v = setting_or_return!(host, "x11forwarding", "no");
    Verdict::when(v == "no", format!("X11Forwarding {v}"))
}

fn weak_ciphers(host: &Host) -> Verdict {
    let ciphers = setting_or_return!(host, "ciphers", "");
    let macs = setting_or_return!(host, "macs", "");
    let kex = setting_or_return!(host, "kexalgorithms", "");
    let weak: Vec<&str> = ciphers
        .split(',')
        .chain(macs.split(','))
        .chain(kex.split(','))
        .map(str::trim)
        .filter(|a| {
            !a.is_empty()
                && !a.starts_with('-')
                && (a.contains("cbc")
                    || a.contains("arcfour")
                    || a.contains("3des")
                    || a.contains("md5")
                    || a.ends_with("-sha1")
                    || a == &"hmac-sha1"
                    || a.contains("group1-")
                    || a.contains("group14-sha1")
                    || a.contains("96"))
        })
        .collect();
    if ciphers.is_empty() && macs.is_empty() && kex.is_empty() {
        return Verdict::pass("Ciphers, MACs and KexAlgorithms left at OpenSSH's defaults");
    }
    Verdict::when(
        weak.is_empty(),
        if weak.is_empty() {
            "no weak cipher, MAC or key exchange enabled".to_string()
        } else {
            format!("weak algorithms enabled: {}", weak.join(", "))
        },
    )
}

fn host_key_types(host: &Host) -> Verdict {
    let keys = setting_or_return!(host, "hostkey", "");
    let files: Vec<String> = if keys.is_empty() {
        host.list("/etc/ssh")
            .unwrap_or_default()
            .into_iter()
            .filter(|n| n.starts_with("ssh_host_") && n.ends_with("_key"))
            .collect()
    } else {
        // First value only is kept by `first`; read them all.
        sshd(host)
            .unwrap_or_default()
            .into_iter()
            .filter(|(k, _)| k == "hostkey")
            .map(|(_, v)| v.rsplit('/').next().unwrap_or("").to_string())
            .collect()
    };
    if files.is_empty() {
        return Verdict::not_applicable("no SSH host key found");
    }
    let weak: Vec<&String> = files.iter().filter(|f| f.contains("_dsa_")).collect();
    Verdict::when(
        weak.is_empty(),
        if weak.is_empty() {
            format!("host keys: {}", files.join(", "))
        } else {
            format!(
                "DSA host key in use: {}",
                weak.iter()
                    .map(|s| s.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        },
    )
}

fn login_grace(host: &Host) -> Verdict {
    let v = setting_or_return!(host, "logingracetime", "120");
    let secs = v.trim_end_matches('s').parse::<u32>().ok().or_else(|| {
        v.strip_suffix('m')
            .and_then(|m| m.parse::<u32>().ok())
            .map(|m| m * 60)
    });
    match secs {
        Some(s) => Verdict::when(s > 0 && s <= 60, format!("LoginGraceTime {v}")),
        None => Verdict::fail(format!("LoginGraceTime '{v}' is not a time")),
    }
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "ssh.root-login",
        title: "SSH does not let root log in with a password",
        controls: &["8.5", "8.2"],
        severity: Severity::High,
        how: "PermitRootLogin in sshd_config and its includes (first value wins) is no, prohibit-password or forced-commands-only",
        remediation: "Set 'PermitRootLogin no' in /etc/ssh/sshd_config and reload sshd; administrators log in as themselves and use sudo",
        cadence_days: 7,
        run: root_login,
    },
    Check {
        id: "ssh.password-auth",
        title: "SSH accepts keys, not passwords",
        controls: &["8.5"],
        severity: Severity::High,
        how: "PasswordAuthentication is no (OpenSSH's default is yes)",
        remediation: "Set 'PasswordAuthentication no' once every user has a key, then reload sshd",
        cadence_days: 7,
        run: password_auth,
    },
    Check {
        id: "ssh.empty-passwords",
        title: "SSH refuses empty passwords",
        controls: &["8.5"],
        severity: Severity::Critical,
        how: "PermitEmptyPasswords is no (the default)",
        remediation: "Remove 'PermitEmptyPasswords yes' from the SSH configuration",
        cadence_days: 7,
        run: empty_passwords,
    },
    Check {
        id: "ssh.protocol",
        title: "SSH speaks protocol 2 only",
        controls: &["8.5", "8.24"],
        severity: Severity::High,
        how: "Protocol, where set, does not include 1",
        remediation: "Remove 'Protocol 1' (or set 'Protocol 2')",
        cadence_days: 30,
        run: protocol,
    },
    Check {
        id: "ssh.max-auth-tries",
        title: "SSH limits authentication attempts per connection",
        controls: &["8.5"],
        severity: Severity::Medium,
        how: "MaxAuthTries is 4 or less (the default is 6)",
        remediation: "Set 'MaxAuthTries 4' in sshd_config",
        cadence_days: 30,
        run: max_auth_tries,
    },
    Check {
        id: "ssh.x11-forwarding",
        title: "SSH does not forward X11",
        controls: &["8.9", "8.20"],
        severity: Severity::Low,
        how: "X11Forwarding is no",
        remediation: "Set 'X11Forwarding no' unless graphical sessions over SSH are needed",
        cadence_days: 30,
        run: x11,
    },
    Check {
        id: "ssh.weak-algorithms",
        title: "SSH offers no weak cipher, MAC or key exchange",
        controls: &["8.24", "8.5"],
        severity: Severity::High,
        how: "Ciphers, MACs and KexAlgorithms name no CBC, arcfour, 3DES, MD5, SHA-1 MAC, 96-bit MAC or group1/group14-sha1 algorithm",
        remediation: "Remove the weak algorithms from Ciphers, MACs and KexAlgorithms (or the lines, to use OpenSSH's defaults)",
        cadence_days: 30,
        run: weak_ciphers,
    },
    Check {
        id: "ssh.host-key-types",
        title: "SSH host keys are not DSA",
        controls: &["8.24"],
        severity: Severity::Medium,
        how: "The HostKey files (or /etc/ssh/ssh_host_*_key) include no DSA key",
        remediation: "Remove the DSA host key and its HostKey line; keep Ed25519 and RSA (3072 bits or more) keys",
        cadence_days: 30,
        run: host_key_types,
    },
    Check {
        id: "ssh.login-grace",
        title: "SSH closes unauthenticated connections within a minute",
        controls: &["8.5"],
        severity: Severity::Low,
        how: "LoginGraceTime is between 1 and 60 seconds (the default is 120)",
        remediation: "Set 'LoginGraceTime 60' in sshd_config",
        cadence_days: 30,
        run: login_grace,
    },
];
