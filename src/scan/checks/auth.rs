//! 8.5 secure authentication and 5.17 authentication information: the password policy of
//! PAM (libpwquality, lockout after failed logins, hashing) and of shadow-utils
//! (`login.defs`, `default/useradd`), and the password fields of the account databases.

use crate::read_or;
use crate::scan::parse::{key_values, last, lines, passwd};
use crate::scan::{Check, Host, Read, Severity, Verdict};

const LOGIN_DEFS: &str = "/etc/login.defs";
const USERADD: &str = "/etc/default/useradd";
const SHADOW: &str = "/etc/shadow";
const PASSWD: &str = "/etc/passwd";
const PWQUALITY: &str = "/etc/security/pwquality.conf";
const PWQUALITY_D: &str = "/etc/security/pwquality.conf.d";
const FAILLOCK: &str = "/etc/security/faillock.conf";

/// The PAM files holding the password stack: Debian's, then Red Hat's.
const PAM_PASSWORD: &[&str] = &[
    "/etc/pam.d/common-password",
    "/etc/pam.d/system-auth",
    "/etc/pam.d/password-auth",
];

/// The PAM files holding the authentication stack.
const PAM_AUTH: &[&str] = &[
    "/etc/pam.d/common-auth",
    "/etc/pam.d/system-auth",
    "/etc/pam.d/password-auth",
];

/// One rule of a PAM stack.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PamRule {
    /// `auth`, `account`, `password` or `session` (without a leading `-`).
    pub kind: String,
    /// The module's name without folder and `.so`: `pam_unix`.
    pub module: String,
    pub args: Vec<String>,
}

/// The rules of a PAM file (`@include` lines and comments skipped; a `[…]` control may hold
/// spaces).
pub(crate) fn pam_rules(text: &str) -> Vec<PamRule> {
    lines(text)
        .filter(|l| !l.starts_with('@'))
        .filter_map(|l| {
            let (kind, rest) = l.split_once(char::is_whitespace)?;
            let rest = rest.trim_start();
            let rest = if rest.starts_with('[') {
                &rest[rest.find(']')? + 1..]
            } else {
                rest.split_once(char::is_whitespace).map_or("", |(_, r)| r)
            };
            let mut f = rest.split_whitespace();
            let module = f.next()?;
            let module = module.rsplit('/').next().unwrap_or(module);
            Some(PamRule {
                kind: kind.trim_start_matches('-').to_ascii_lowercase(),
                module: module.trim_end_matches(".so").to_string(),
                args: f.map(str::to_string).collect(),
            })
        })
        .collect()
}

/// The rules of one kind in the first readable of the files (all of them), or the verdict
/// when there is no such file.
fn pam_stack(host: &Host, files: &[&str], kind: &str) -> Result<Vec<PamRule>, Verdict> {
    let mut found = false;
    let mut out = Vec::new();
    for f in files {
        match host.read(f) {
            Read::Text(t) => {
                found = true;
                out.extend(pam_rules(&t).into_iter().filter(|r| r.kind == kind));
            }
            Read::Missing => {}
            Read::Denied => {
                return Err(Verdict::not_applicable(format!("permission denied: {f}")));
            }
            Read::Failed(e) => return Err(Verdict::error(e)),
        }
    }
    if found {
        Ok(out)
    } else {
        Err(Verdict::not_applicable(format!(
            "no PAM {kind} stack: none of {} exists",
            files.join(", ")
        )))
    }
}

macro_rules! stack_or_return {
    ($host:expr, $files:expr, $kind:expr) => {
        match pam_stack($host, $files, $kind) {
            Ok(v) => v,
            Err(v) => return v,
        }
    };
}

/// The value of an `arg=value` argument of a PAM rule.
fn arg<'a>(rule: &'a PamRule, key: &str) -> Option<&'a str> {
    rule.args
        .iter()
        .rev()
        .find_map(|a| a.strip_prefix(key).and_then(|r| r.strip_prefix('=')))
}

fn pwquality_length(host: &Host) -> Verdict {
    let mut pairs = Vec::new();
    let mut seen = Vec::new();
    match host.read(PWQUALITY) {
        Read::Text(t) => {
            pairs.extend(key_values(&t));
            seen.push(PWQUALITY.to_string());
        }
        Read::Missing => {}
        Read::Denied => return Verdict::not_applicable(format!("permission denied: {PWQUALITY}")),
        Read::Failed(e) => return Verdict::error(e),
    }
    for (p, r) in host.read_dir(PWQUALITY_D, ".conf") {
        match r {
            Read::Text(t) => {
                pairs.extend(key_values(&t));
                seen.push(p);
            }
            Read::Denied => return Verdict::not_applicable(format!("permission denied: {p}")),
            _ => {}
        }
    }
    // Arguments on the pam_pwquality line override the files.
    let rules: Vec<PamRule> = pam_stack(host, PAM_PASSWORD, "password")
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.module == "pam_pwquality")
        .collect();
    if seen.is_empty() && rules.is_empty() {
        return Verdict::not_applicable(format!("{PWQUALITY}: libpwquality is not configured"));
    }
    let mut minlen = last(&pairs, "minlen").map(str::to_string);
    let mut minclass = last(&pairs, "minclass").map(str::to_string);
    for r in &rules {
        if let Some(v) = arg(r, "minlen") {
            minlen = Some(v.to_string());
        }
        if let Some(v) = arg(r, "minclass") {
            minclass = Some(v.to_string());
        }
    }
    // libpwquality's defaults: 9 characters, no class required.
    let len = minlen.as_deref().unwrap_or("9").parse::<i64>().unwrap_or(0);
    let class = minclass
        .as_deref()
        .unwrap_or("0")
        .parse::<i64>()
        .unwrap_or(0);
    Verdict::when(
        len >= 12 || (len >= 8 && class >= 3),
        format!(
            "minlen {}{}, minclass {}{}",
            len,
            if minlen.is_none() { " (default)" } else { "" },
            class,
            if minclass.is_none() { " (default)" } else { "" }
        ),
    )
}

fn pam_quality_module(host: &Host) -> Verdict {
    let rules = stack_or_return!(host, PAM_PASSWORD, "password");
    let quality: Vec<&str> = rules
        .iter()
        .map(|r| r.module.as_str())
        .filter(|m| *m == "pam_pwquality" || *m == "pam_cracklib" || *m == "pam_passwdqc")
        .collect();
    if quality.is_empty() {
        let modules: Vec<&str> = rules.iter().map(|r| r.module.as_str()).collect();
        Verdict::fail(format!(
            "password stack without a quality module: {}",
            if modules.is_empty() {
                "(empty)".to_string()
            } else {
                modules.join(", ")
            }
        ))
    } else {
        Verdict::pass(format!("password stack uses {}", quality.join(", ")))
    }
}

fn lockout_module(host: &Host) -> Verdict {
    let rules = stack_or_return!(host, PAM_AUTH, "auth");
    let lock: Vec<&str> = rules
        .iter()
        .map(|r| r.module.as_str())
        .filter(|m| *m == "pam_faillock" || *m == "pam_tally2")
        .collect();
    if lock.is_empty() {
        Verdict::fail("authentication stack has neither pam_faillock nor pam_tally2")
    } else {
        let mut lock = lock;
        lock.dedup();
        Verdict::pass(format!("authentication stack uses {}", lock.join(", ")))
    }
}

fn lockout_threshold(host: &Host) -> Verdict {
    let conf = match host.read(FAILLOCK) {
        Read::Text(t) => Some(key_values(&t)),
        Read::Missing => None,
        Read::Denied => return Verdict::not_applicable(format!("permission denied: {FAILLOCK}")),
        Read::Failed(e) => return Verdict::error(e),
    };
    let rules: Vec<PamRule> = pam_stack(host, PAM_AUTH, "auth")
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.module == "pam_faillock" || r.module == "pam_tally2")
        .collect();
    if conf.is_none() && rules.is_empty() {
        return Verdict::not_applicable(format!(
            "{FAILLOCK}: no lockout after failed logins is configured"
        ));
    }
    let mut deny = conf
        .as_ref()
        .and_then(|c| last(c, "deny"))
        .map(|v| (v.to_string(), FAILLOCK.to_string()));
    for r in &rules {
        if let Some(v) = arg(r, "deny") {
            deny = Some((v.to_string(), r.module.clone()));
        }
    }
    match deny {
        // pam_faillock locks after 3 failures when deny is not set; pam_tally2 never does.
        None if rules.iter().any(|r| r.module == "pam_tally2") => {
            Verdict::fail("pam_tally2 without deny: accounts are never locked")
        }
        None => Verdict::pass("deny 3 (pam_faillock's default)"),
        Some((v, from)) => match v.parse::<u32>() {
            Ok(0) => Verdict::fail(format!("deny 0 ({from}): accounts are never locked")),
            Ok(n) => Verdict::when(n <= 10, format!("deny {n} ({from})")),
            Err(_) => Verdict::fail(format!("deny '{v}' ({from}) is not a number")),
        },
    }
}

fn hash_method(host: &Host) -> Verdict {
    let text = read_or!(host, LOGIN_DEFS, "shadow-utils is not configured");
    let pairs = key_values(&text);
    match last(&pairs, "encrypt_method") {
        None => Verdict::fail("ENCRYPT_METHOD not set (MD5 or DES applies)"),
        Some(v) => {
            let v = v.to_ascii_uppercase();
            Verdict::when(
                v == "SHA512" || v == "YESCRYPT",
                format!("ENCRYPT_METHOD {v}"),
            )
        }
    }
}

fn pam_unix_hash(host: &Host) -> Verdict {
    let rules = stack_or_return!(host, PAM_PASSWORD, "password");
    let unix: Vec<&PamRule> = rules.iter().filter(|r| r.module == "pam_unix").collect();
    if unix.is_empty() {
        return Verdict::not_applicable("no pam_unix rule in the password stack");
    }
    let weak: Vec<&str> = unix
        .iter()
        .flat_map(|r| r.args.iter())
        .map(String::as_str)
        .filter(|a| matches!(*a, "md5" | "bigcrypt" | "des"))
        .collect();
    let options: Vec<&str> = unix
        .iter()
        .flat_map(|r| r.args.iter())
        .map(String::as_str)
        .collect();
    if weak.is_empty() {
        Verdict::pass(format!("pam_unix password options: {}", options.join(" ")))
    } else {
        Verdict::fail(format!("pam_unix hashes with {}", weak.join(", ")))
    }
}

/// A number of `login.defs`, or the verdict when the file or the setting is missing.
fn login_defs_number(host: &Host, key: &str) -> Result<i64, Verdict> {
    let pairs = match host.read(LOGIN_DEFS) {
        Read::Text(t) => key_values(&t),
        Read::Missing => {
            return Err(Verdict::not_applicable(format!(
                "{LOGIN_DEFS}: shadow-utils is not configured"
            )));
        }
        Read::Denied => {
            return Err(Verdict::not_applicable(format!(
                "permission denied: {LOGIN_DEFS}"
            )));
        }
        Read::Failed(e) => return Err(Verdict::error(e)),
    };
    match last(&pairs, &key.to_ascii_lowercase()) {
        None => Err(Verdict::fail(format!("{key} not set"))),
        Some(v) => v
            .parse::<i64>()
            .map_err(|_| Verdict::fail(format!("{key} '{v}' is not a number"))),
    }
}

macro_rules! number_or_return {
    ($host:expr, $key:expr) => {
        match login_defs_number($host, $key) {
            Ok(v) => v,
            Err(v) => return v,
        }
    };
}

fn pass_max_days(host: &Host) -> Verdict {
    let n = number_or_return!(host, "PASS_MAX_DAYS");
    Verdict::when((1..=365).contains(&n), format!("PASS_MAX_DAYS {n}"))
}

fn pass_min_days(host: &Host) -> Verdict {
    let n = number_or_return!(host, "PASS_MIN_DAYS");
    Verdict::when(n >= 1, format!("PASS_MIN_DAYS {n}"))
}

fn pass_warn_age(host: &Host) -> Verdict {
    let n = number_or_return!(host, "PASS_WARN_AGE");
    Verdict::when(n >= 7, format!("PASS_WARN_AGE {n}"))
}

fn umask(host: &Host) -> Verdict {
    let text = read_or!(host, LOGIN_DEFS, "shadow-utils is not configured");
    let pairs = key_values(&text);
    let Some(v) = last(&pairs, "umask") else {
        return Verdict::fail("UMASK not set (022 applies)");
    };
    match u32::from_str_radix(v, 8) {
        Ok(m) if m <= 0o777 => Verdict::when(m & 0o027 == 0o027, format!("UMASK {v}")),
        _ => Verdict::fail(format!("UMASK '{v}' is not an octal mask")),
    }
}

fn empty_passwords(host: &Host) -> Verdict {
    let text = read_or!(host, SHADOW, "no shadow password file");
    let accounts = host.text(PASSWD).map(|t| passwd(&t)).unwrap_or_default();
    let empty: Vec<String> = crate::scan::parse::shadow(&text)
        .into_iter()
        .filter(|(_, pw, _)| pw.is_empty())
        .filter(|(name, _, _)| {
            // An account without a shell cannot log in; one unknown to passwd is counted.
            accounts
                .iter()
                .find(|a| &a.name == name)
                .is_none_or(|a| a.has_shell())
        })
        .map(|(name, _, _)| name)
        .collect();
    if empty.is_empty() {
        Verdict::pass("no login account has an empty password")
    } else {
        Verdict::fail(format!(
            "login accounts with an empty password: {}",
            empty.join(", ")
        ))
    }
}

fn passwords_shadowed(host: &Host) -> Verdict {
    let text = read_or!(host, PASSWD, "no account database");
    let exposed: Vec<&str> = text
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split(':').collect();
            (f.len() >= 7 && !f[0].is_empty() && !f[0].starts_with(['#', '+', '-']))
                .then_some((f[0], f[1]))
        })
        .filter(|(_, pw)| !matches!(*pw, "x" | "*" | "!" | "!!"))
        .map(|(name, _)| name)
        .collect();
    if exposed.is_empty() {
        Verdict::pass("every password of /etc/passwd is kept in the shadow file")
    } else {
        Verdict::fail(format!(
            "accounts with a password (or none) in the world-readable /etc/passwd: {}",
            exposed.join(", ")
        ))
    }
}

fn inactive_lock(host: &Host) -> Verdict {
    let text = read_or!(host, USERADD, "no defaults for new accounts");
    let pairs = key_values(&text);
    match last(&pairs, "inactive") {
        None => Verdict::fail("INACTIVE not set (accounts are never locked)"),
        Some(v) => match v.parse::<i64>() {
            Ok(n) if n < 0 => Verdict::fail(format!("INACTIVE {n} (never locked)")),
            Ok(n) => Verdict::when(n <= 90, format!("INACTIVE {n}")),
            Err(_) => Verdict::fail(format!("INACTIVE '{v}' is not a number")),
        },
    }
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "auth.password-length",
        title: "New passwords must be long (or long enough and varied)",
        controls: &["5.17", "8.5"],
        severity: Severity::Medium,
        how: "libpwquality's minlen (pwquality.conf, then pwquality.conf.d/*.conf, then pam_pwquality arguments; 9 when unset) is 12 or more, or 8 or more with minclass 3 or more",
        remediation: "Set 'minlen = 12' (or 'minlen = 8' and 'minclass = 3') in /etc/security/pwquality.conf",
        cadence_days: 30,
        run: pwquality_length,
    },
    Check {
        id: "auth.password-quality-module",
        title: "PAM tests the quality of new passwords",
        controls: &["5.17", "8.5"],
        severity: Severity::Medium,
        how: "The password stack (common-password, or system-auth and password-auth) has a pam_pwquality, pam_cracklib or pam_passwdqc rule",
        remediation: "Install libpam-pwquality (Debian) or enable pam_pwquality in the password stack (authselect on Red Hat)",
        cadence_days: 30,
        run: pam_quality_module,
    },
    Check {
        id: "auth.lockout-module",
        title: "Repeated failed logins lock the account",
        controls: &["8.5"],
        severity: Severity::Medium,
        how: "The authentication stack (common-auth, or system-auth and password-auth) has a pam_faillock or pam_tally2 rule",
        remediation: "Add pam_faillock to the auth stack (preauth before pam_unix, authfail after it), e.g. with 'authselect enable-feature with-faillock' on Red Hat",
        cadence_days: 30,
        run: lockout_module,
    },
    Check {
        id: "auth.lockout-threshold",
        title: "An account locks after at most 10 failed logins",
        controls: &["8.5"],
        severity: Severity::Medium,
        how: "deny in /etc/security/faillock.conf, or on a pam_faillock/pam_tally2 rule (which wins), is between 1 and 10; pam_faillock's default is 3",
        remediation: "Set 'deny = 5' in /etc/security/faillock.conf (and remove larger deny= arguments from the PAM rules)",
        cadence_days: 30,
        run: lockout_threshold,
    },
    Check {
        id: "auth.hash-method",
        title: "Passwords set with shadow-utils are hashed with a strong method",
        controls: &["5.17", "8.5"],
        severity: Severity::High,
        how: "ENCRYPT_METHOD in /etc/login.defs is SHA512 or YESCRYPT",
        remediation: "Set 'ENCRYPT_METHOD YESCRYPT' (or SHA512) in /etc/login.defs and have users change their passwords",
        cadence_days: 30,
        run: hash_method,
    },
    Check {
        id: "auth.pam-unix-hash",
        title: "PAM does not hash passwords with MD5 or DES",
        controls: &["5.17", "8.5"],
        severity: Severity::High,
        how: "No pam_unix rule of the password stack has the md5, bigcrypt or des option",
        remediation: "Replace md5/bigcrypt on the pam_unix password rule by yescrypt or sha512",
        cadence_days: 30,
        run: pam_unix_hash,
    },
    Check {
        id: "auth.password-max-age",
        title: "Passwords expire within a year",
        controls: &["5.17"],
        severity: Severity::Low,
        how: "PASS_MAX_DAYS in /etc/login.defs is between 1 and 365",
        remediation: "Set 'PASS_MAX_DAYS 365' (or less) in /etc/login.defs; apply it to existing accounts with 'chage --maxdays'",
        cadence_days: 90,
        run: pass_max_days,
    },
    Check {
        id: "auth.password-min-age",
        title: "A new password is kept at least a day",
        controls: &["5.17"],
        severity: Severity::Low,
        how: "PASS_MIN_DAYS in /etc/login.defs is 1 or more, so a password cannot be cycled back at once",
        remediation: "Set 'PASS_MIN_DAYS 1' in /etc/login.defs; apply it to existing accounts with 'chage --mindays 1'",
        cadence_days: 90,
        run: pass_min_days,
    },
    Check {
        id: "auth.password-warn-age",
        title: "Users are warned a week before their password expires",
        controls: &["5.17"],
        severity: Severity::Low,
        how: "PASS_WARN_AGE in /etc/login.defs is 7 or more",
        remediation: "Set 'PASS_WARN_AGE 7' in /etc/login.defs",
        cadence_days: 90,
        run: pass_warn_age,
    },
    Check {
        id: "auth.default-umask",
        title: "New files are not readable by others by default",
        controls: &["8.3"],
        severity: Severity::Low,
        how: "UMASK in /etc/login.defs masks at least group write and all access for others (027 or stricter)",
        remediation: "Set 'UMASK 027' in /etc/login.defs",
        cadence_days: 90,
        run: umask,
    },
    Check {
        id: "auth.empty-passwords",
        title: "No login account has an empty password",
        controls: &["5.17", "8.5"],
        severity: Severity::Critical,
        how: "No entry of /etc/shadow has an empty password field, unless /etc/passwd gives the account no shell",
        remediation: "Lock the account ('passwd -l NAME') or give it a password",
        cadence_days: 7,
        run: empty_passwords,
    },
    Check {
        id: "auth.passwords-shadowed",
        title: "Password hashes are kept out of /etc/passwd",
        controls: &["5.17", "8.5"],
        severity: Severity::High,
        how: "Every account of /etc/passwd has x (or a lock mark) as its password field, so hashes live only in the root-only shadow file",
        remediation: "Run 'pwconv' to move the passwords to /etc/shadow; lock accounts with an empty field",
        cadence_days: 30,
        run: passwords_shadowed,
    },
    Check {
        id: "auth.inactive-lock",
        title: "Accounts lock after at most 90 days with an expired password",
        controls: &["5.18", "8.5"],
        severity: Severity::Low,
        how: "INACTIVE in /etc/default/useradd is between 0 and 90 (-1 or unset never locks)",
        remediation: "Run 'useradd -D -f 30' (or set INACTIVE=30 in /etc/default/useradd); apply it to existing accounts with 'chage --inactive 30'",
        cadence_days: 90,
        run: inactive_lock,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Outcome;

    #[track_caller]
    fn expect(id: &str, files: &[(&str, &str, u32)], outcome: Outcome, seen: &str) {
        crate::scan::checks::kit::expect(CHECKS, id, files, outcome, seen)
    }

    use Outcome::{Fail, NotApplicable as Na, Pass};

    const DEB_PW: &str = "/etc/pam.d/common-password";
    const DEB_AUTH: &str = "/etc/pam.d/common-auth";

    #[test]
    fn pam_rules_are_read() {
        let r = pam_rules(
            "# c\n@include common-auth\nauth [success=1 default=ignore] pam_unix.so nullok\n-password requisite /lib/security/pam_pwquality.so retry=3 minlen=14\nbad\n",
        );
        assert_eq!(r.len(), 2);
        assert_eq!(r[0].module, "pam_unix");
        assert_eq!(r[0].args, ["nullok"]);
        assert_eq!(r[1].kind, "password");
        assert_eq!(arg(&r[1], "minlen"), Some("14"));
    }

    #[test]
    fn password_length() {
        let id = "auth.password-length";
        expect(
            id,
            &[(PWQUALITY, "minlen = 14\n", 0o644)],
            Pass,
            "minlen 14",
        );
        expect(
            id,
            &[(PWQUALITY, "minlen = 8\nminclass = 3\n", 0o644)],
            Pass,
            "minclass 3",
        );
        expect(
            id,
            &[(PWQUALITY, "# minlen = 14\n", 0o644)],
            Fail,
            "minlen 9 (default)",
        );
        expect(
            id,
            &[
                (PWQUALITY, "minlen = 14\n", 0o644),
                (
                    "/etc/security/pwquality.conf.d/x.conf",
                    "minlen = 6\n",
                    0o644,
                ),
            ],
            Fail,
            "minlen 6",
        );
        expect(
            id,
            &[
                (PWQUALITY, "minlen = 14\n", 0o644),
                (
                    DEB_PW,
                    "password requisite pam_pwquality.so minlen=10\n",
                    0o644,
                ),
            ],
            Fail,
            "minlen 10",
        );
        expect(id, &[], Na, "not configured");
    }

    #[test]
    fn password_quality_module() {
        let id = "auth.password-quality-module";
        expect(
            id,
            &[(
                DEB_PW,
                "password requisite pam_pwquality.so retry=3\npassword [success=1 default=ignore] pam_unix.so obscure yescrypt\n",
                0o644,
            )],
            Pass,
            "pam_pwquality",
        );
        expect(
            id,
            &[(
                "/etc/pam.d/system-auth",
                "password sufficient pam_unix.so sha512\n",
                0o644,
            )],
            Fail,
            "pam_unix",
        );
        expect(id, &[], Na, "no PAM password stack");
    }

    #[test]
    fn lockout() {
        let id = "auth.lockout-module";
        expect(
            id,
            &[(
                DEB_AUTH,
                "auth required pam_faillock.so preauth\nauth [success=1 default=ignore] pam_unix.so\nauth [default=die] pam_faillock.so authfail\n",
                0o644,
            )],
            Pass,
            "pam_faillock",
        );
        expect(
            id,
            &[(DEB_AUTH, "auth required pam_unix.so\n", 0o644)],
            Fail,
            "neither",
        );
        expect(id, &[], Na, "no PAM auth stack");

        let id = "auth.lockout-threshold";
        expect(id, &[(FAILLOCK, "deny = 5\n", 0o644)], Pass, "deny 5");
        expect(id, &[(FAILLOCK, "# deny = 3\n", 0o644)], Pass, "deny 3");
        expect(id, &[(FAILLOCK, "deny = 50\n", 0o644)], Fail, "deny 50");
        expect(
            id,
            &[
                (FAILLOCK, "deny = 5\n", 0o644),
                (
                    DEB_AUTH,
                    "auth required pam_faillock.so preauth deny=0\n",
                    0o644,
                ),
            ],
            Fail,
            "deny 0 (pam_faillock)",
        );
        expect(
            id,
            &[(DEB_AUTH, "auth required pam_tally2.so onerr=fail\n", 0o644)],
            Fail,
            "never locked",
        );
        expect(id, &[], Na, "no lockout");
    }

    #[test]
    fn hashing() {
        let id = "auth.hash-method";
        expect(
            id,
            &[(LOGIN_DEFS, "ENCRYPT_METHOD YESCRYPT\n", 0o644)],
            Pass,
            "YESCRYPT",
        );
        expect(
            id,
            &[(LOGIN_DEFS, "ENCRYPT_METHOD MD5\n", 0o644)],
            Fail,
            "MD5",
        );
        expect(id, &[(LOGIN_DEFS, "UMASK 022\n", 0o644)], Fail, "not set");
        expect(id, &[], Na, "login.defs");

        let id = "auth.pam-unix-hash";
        expect(
            id,
            &[(
                DEB_PW,
                "password [success=1 default=ignore] pam_unix.so obscure sha512\n",
                0o644,
            )],
            Pass,
            "obscure sha512",
        );
        expect(
            id,
            &[(DEB_PW, "password required pam_unix.so md5 shadow\n", 0o644)],
            Fail,
            "md5",
        );
        expect(
            id,
            &[(DEB_PW, "password required pam_deny.so\n", 0o644)],
            Na,
            "no pam_unix",
        );
        expect(id, &[], Na, "no PAM password stack");
    }

    #[test]
    fn ageing_and_umask() {
        let good = "PASS_MAX_DAYS 90\nPASS_MIN_DAYS 1\nPASS_WARN_AGE 14\nUMASK 077\n";
        let bad = "PASS_MAX_DAYS 99999\nPASS_MIN_DAYS 0\nPASS_WARN_AGE 3\nUMASK 022\n";
        for (id, pass, fail) in [
            (
                "auth.password-max-age",
                "PASS_MAX_DAYS 90",
                "PASS_MAX_DAYS 99999",
            ),
            (
                "auth.password-min-age",
                "PASS_MIN_DAYS 1",
                "PASS_MIN_DAYS 0",
            ),
            (
                "auth.password-warn-age",
                "PASS_WARN_AGE 14",
                "PASS_WARN_AGE 3",
            ),
            ("auth.default-umask", "UMASK 077", "UMASK 022"),
        ] {
            expect(id, &[(LOGIN_DEFS, good, 0o644)], Pass, pass);
            expect(id, &[(LOGIN_DEFS, bad, 0o644)], Fail, fail);
            expect(id, &[(LOGIN_DEFS, "# nothing\n", 0o644)], Fail, "not set");
            expect(id, &[], Na, "login.defs");
        }
        expect(
            "auth.default-umask",
            &[(LOGIN_DEFS, "UMASK 027\n", 0o644)],
            Pass,
            "027",
        );
        expect(
            "auth.default-umask",
            &[(LOGIN_DEFS, "UMASK 007\n", 0o644)],
            Fail,
            "007",
        );
        expect(
            "auth.password-max-age",
            &[(LOGIN_DEFS, "PASS_MAX_DAYS -1\n", 0o644)],
            Fail,
            "-1",
        );
    }

    #[test]
    fn empty_passwords_in_shadow() {
        let id = "auth.empty-passwords";
        let pw = "root:x:0:0:root:/root:/bin/bash\nalice:x:1000:1000::/home/alice:/bin/bash\nsvc:x:998:998::/:/usr/sbin/nologin\n";
        expect(
            id,
            &[
                (PASSWD, pw, 0o644),
                (
                    SHADOW,
                    "root:$6$abc:19000:0:99999:7:::\nalice:!:19000::::::\nsvc::19000::::::\n",
                    0o640,
                ),
            ],
            Pass,
            "no login account",
        );
        expect(
            id,
            &[
                (PASSWD, pw, 0o644),
                (
                    SHADOW,
                    "root:$6$abc:19000:0:99999:7:::\nalice::19000::::::\n",
                    0o640,
                ),
            ],
            Fail,
            "alice",
        );
        expect(id, &[(PASSWD, pw, 0o644)], Na, "/etc/shadow");
    }

    #[test]
    fn passwords_shadowed_in_passwd() {
        let id = "auth.passwords-shadowed";
        expect(
            id,
            &[(
                PASSWD,
                "root:x:0:0:root:/root:/bin/bash\nlp:*:7:7::/:/usr/sbin/nologin\n",
                0o644,
            )],
            Pass,
            "shadow file",
        );
        expect(
            id,
            &[(
                PASSWD,
                "root:x:0:0:root:/root:/bin/bash\nold:$1$salt$hash:1001:1001::/home/old:/bin/sh\nnopw::1002:1002::/home/nopw:/bin/sh\n",
                0o644,
            )],
            Fail,
            "old, nopw",
        );
        expect(id, &[], Na, "/etc/passwd");
    }

    #[test]
    fn inactive_accounts() {
        let id = "auth.inactive-lock";
        expect(
            id,
            &[(USERADD, "INACTIVE=30\n", 0o644)],
            Pass,
            "INACTIVE 30",
        );
        expect(
            id,
            &[(USERADD, "INACTIVE=-1\n", 0o644)],
            Fail,
            "INACTIVE -1",
        );
        expect(
            id,
            &[(USERADD, "INACTIVE=365\n", 0o644)],
            Fail,
            "INACTIVE 365",
        );
        expect(id, &[(USERADD, "SHELL=/bin/sh\n", 0o644)], Fail, "not set");
        expect(id, &[], Na, "useradd");
    }

    #[test]
    fn every_check_is_tested_and_an_empty_root_is_not_applicable() {
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        for c in CHECKS {
            assert!(c.id.starts_with("auth."), "{}", c.id);
            assert_eq!((c.run)(&host).outcome, Na, "{}", c.id);
        }
    }
}
