//! 8.20 networks security, 8.21 security of network services and 8.22 segregation of
//! networks: what listens beyond loopback, whether a host firewall filters IPv4 and IPv6,
//! and whether clear-text remote-login servers or inetd services are present.

use super::logging::unit_enabled;
use crate::scan::parse::{glob, installed_packages, is_loopback, kernel_setting, lines, listening};
use crate::scan::{Check, Host, Read, Severity, Verdict};

/// Ports that may listen on every address without failing: SSH and web.
const EXPECTED_PORTS: &[u16] = &[22, 80, 443];

/// The verdict on listening sockets `(hex address, port)`.
fn listening_verdict(sockets: &[(String, u16)]) -> Verdict {
    let mut ports: Vec<u16> = sockets
        .iter()
        .filter(|(a, _)| !is_loopback(a))
        .map(|(_, p)| *p)
        .collect();
    ports.sort_unstable();
    ports.dedup();
    if ports.is_empty() {
        return Verdict::pass("no TCP service listens beyond loopback");
    }
    let list = |ps: &[u16]| ps.iter().map(u16::to_string).collect::<Vec<_>>().join(", ");
    let unexpected: Vec<u16> = ports
        .iter()
        .copied()
        .filter(|p| !EXPECTED_PORTS.contains(p))
        .collect();
    if unexpected.is_empty() {
        Verdict::pass(format!("TCP ports open beyond loopback: {}", list(&ports)))
    } else {
        Verdict::fail(format!(
            "TCP ports open beyond loopback: {} (beyond SSH and web: {})",
            list(&ports),
            list(&unexpected)
        ))
    }
}

fn listening_services(host: &Host) -> Verdict {
    if !host.is_live() {
        return Verdict::not_applicable("listening sockets are only visible on the running host");
    }
    let mut sockets = Vec::new();
    let mut read_any = false;
    for p in ["/proc/net/tcp", "/proc/net/tcp6"] {
        match host.read(p) {
            Read::Text(t) => {
                read_any = true;
                sockets.extend(listening(&t));
            }
            Read::Denied => return Verdict::not_applicable(format!("permission denied: {p}")),
            _ => {}
        }
    }
    if !read_any {
        return Verdict::not_applicable("/proc/net/tcp: missing");
    }
    listening_verdict(&sockets)
}

/// A host firewall found on the root.
#[derive(Debug, Default)]
struct Firewalls {
    /// Descriptions of firewalls filtering IPv4 and IPv6.
    v4: Vec<String>,
    v6: Vec<String>,
    /// Why a firewall that is present does not count.
    problems: Vec<String>,
}

/// A file's text and the files its `include "…"` lines name (one level, one `*`).
fn with_includes(host: &Host, path: &str) -> Result<Option<String>, String> {
    let text = match host.read(path) {
        Read::Text(t) => t,
        Read::Denied => return Err(path.to_string()),
        _ => return Ok(None),
    };
    let mut all = text.clone();
    for l in lines(&text) {
        if let Some(rest) = l.strip_prefix("include") {
            let pattern = rest.trim().trim_matches('"');
            for f in glob(host, pattern) {
                match host.read(&f) {
                    Read::Text(t) => {
                        all.push('\n');
                        all.push_str(&t);
                    }
                    Read::Denied => return Err(f),
                    _ => {}
                }
            }
        }
    }
    Ok(Some(all))
}

/// Whether a rule set drops or rejects something (a `drop`/`reject` word or policy).
fn nft_filters(text: &str) -> bool {
    lines(text).any(|l| {
        l.split(|c: char| c.is_whitespace() || c == ';')
            .any(|w| w == "drop" || w == "reject")
    })
}

/// The families of the nftables tables (`table inet filter`; no family means ip).
fn nft_families(text: &str) -> Vec<String> {
    lines(text)
        .filter_map(|l| {
            let mut w = l.split_whitespace();
            (w.next()? == "table").then_some(())?;
            let second = w.next().unwrap_or("");
            Some(
                if ["ip", "ip6", "inet", "arp", "bridge", "netdev"].contains(&second) {
                    second.to_string()
                } else {
                    "ip".to_string()
                },
            )
        })
        .collect()
}

fn iptables_filters(text: &str) -> bool {
    lines(text).any(|l| {
        let w: Vec<&str> = l.split_whitespace().collect();
        (w.len() >= 2
            && w[0].starts_with(':')
            && ["DROP", "REJECT"].contains(&w[1])
            && w[0] != ":OUTPUT")
            || w.windows(2)
                .any(|p| p[0] == "-j" && ["DROP", "REJECT"].contains(&p[1]))
    })
}

fn firewalls(host: &Host) -> Result<Firewalls, String> {
    let mut fw = Firewalls::default();
    // nftables
    if let Some(t) = with_includes(host, "/etc/nftables.conf")? {
        let families = nft_families(&t);
        let has_chain = lines(&t).any(|l| l.starts_with("chain"));
        if families.is_empty() || !has_chain || !nft_filters(&t) {
            fw.problems
                .push("/etc/nftables.conf has no chain that drops or rejects".into());
        } else if !unit_enabled(host, "nftables.service") {
            fw.problems
                .push("/etc/nftables.conf has rules but nftables.service is not enabled".into());
        } else {
            let mut fams = families.clone();
            fams.sort();
            fams.dedup();
            let desc = format!("nftables (tables: {})", fams.join(", "));
            if fams.iter().any(|f| f == "ip" || f == "inet") {
                fw.v4.push(desc.clone());
            }
            if fams.iter().any(|f| f == "ip6" || f == "inet") {
                fw.v6.push(desc);
            }
        }
    }
    // iptables-persistent
    for (file, v6) in [
        ("/etc/iptables/rules.v4", false),
        ("/etc/iptables/rules.v6", true),
    ] {
        match host.read(file) {
            Read::Text(t) if iptables_filters(&t) => {
                let desc = format!("iptables rules in {file}");
                if v6 {
                    fw.v6.push(desc);
                } else {
                    fw.v4.push(desc);
                }
            }
            Read::Text(_) => fw
                .problems
                .push(format!("{file} neither drops nor rejects anything")),
            Read::Denied => return Err(file.to_string()),
            _ => {}
        }
    }
    // ufw
    match host.read("/etc/ufw/ufw.conf") {
        Read::Text(t) => {
            let kv = crate::scan::parse::key_values(&t);
            let enabled = crate::scan::parse::last(&kv, "enabled")
                .unwrap_or("no")
                .to_ascii_lowercase();
            if enabled == "yes" {
                fw.v4.push("ufw (ENABLED=yes)".into());
                let ipv6 = host
                    .text("/etc/default/ufw")
                    .and_then(|t| {
                        crate::scan::parse::last(&crate::scan::parse::key_values(&t), "ipv6")
                            .map(str::to_ascii_lowercase)
                    })
                    .unwrap_or_else(|| "yes".into());
                if ipv6 == "yes" {
                    fw.v6.push("ufw (ENABLED=yes, IPV6=yes)".into());
                } else {
                    fw.problems.push(format!("ufw has IPV6={ipv6}"));
                }
            } else {
                fw.problems
                    .push(format!("ufw is installed but ENABLED={enabled}"));
            }
        }
        Read::Denied => return Err("/etc/ufw/ufw.conf".into()),
        _ => {}
    }
    // firewalld
    match host.read("/etc/firewalld/firewalld.conf") {
        Read::Text(t) => {
            let kv = crate::scan::parse::key_values(&t);
            let zone = crate::scan::parse::last(&kv, "defaultzone")
                .unwrap_or("public")
                .to_string();
            if !unit_enabled(host, "firewalld.service") {
                fw.problems
                    .push("firewalld is configured but firewalld.service is not enabled".into());
            } else if zone == "trusted" {
                fw.problems
                    .push("firewalld's default zone is trusted, which accepts everything".into());
            } else {
                let desc = format!("firewalld (default zone {zone})");
                fw.v4.push(desc.clone());
                fw.v6.push(desc);
            }
        }
        Read::Denied => return Err("/etc/firewalld/firewalld.conf".into()),
        _ => {}
    }
    Ok(fw)
}

fn firewall(host: &Host) -> Verdict {
    let fw = match firewalls(host) {
        Ok(f) => f,
        Err(p) => return Verdict::not_applicable(format!("permission denied: {p}")),
    };
    if !fw.v4.is_empty() {
        return Verdict::pass(fw.v4.join("; "));
    }
    if !fw.v6.is_empty() {
        return Verdict::fail(format!(
            "only IPv6 is filtered ({}); no IPv4 firewall",
            fw.v6.join("; ")
        ));
    }
    if fw.problems.is_empty() {
        Verdict::fail(
            "no host firewall configuration (nftables, iptables-persistent, ufw or firewalld)",
        )
    } else {
        Verdict::fail(fw.problems.join("; "))
    }
}

/// Why IPv6 is off, when it is.
fn ipv6_off(host: &Host) -> Option<String> {
    if host.is_live() && !host.exists("/proc/net/if_inet6") {
        return Some("IPv6 is not active in the running kernel".into());
    }
    if kernel_setting(host, "net.ipv6.conf.all.disable_ipv6").is_some_and(|v| v.trim() == "1") {
        return Some("net.ipv6.conf.all.disable_ipv6 = 1".into());
    }
    let cmdline = if host.is_live() {
        host.text("/proc/cmdline")
    } else {
        host.text("/etc/default/grub")
    };
    cmdline
        .is_some_and(|t| t.contains("ipv6.disable=1"))
        .then(|| "IPv6 is disabled on the kernel command line (ipv6.disable=1)".into())
}

fn firewall_ipv6(host: &Host) -> Verdict {
    if let Some(why) = ipv6_off(host) {
        return Verdict::not_applicable(why);
    }
    let fw = match firewalls(host) {
        Ok(f) => f,
        Err(p) => return Verdict::not_applicable(format!("permission denied: {p}")),
    };
    if !fw.v6.is_empty() {
        return Verdict::pass(fw.v6.join("; "));
    }
    let mut why = vec!["IPv6 is enabled but no firewall filters it".to_string()];
    if !fw.v4.is_empty() {
        why.push(format!("IPv4 only: {}", fw.v4.join("; ")));
    }
    why.extend(fw.problems);
    Verdict::fail(why.join("; "))
}

/// Packages of clear-text remote login and trivial file transfer servers.
const LEGACY_PACKAGES: &[&str] = &[
    "telnetd",
    "inetutils-telnetd",
    "telnetd-ssl",
    "rsh-server",
    "rsh-redone-server",
    "inetutils-rshd",
    "rlinetd",
    "tftpd",
    "tftpd-hpa",
    "atftpd",
    "inetutils-tftpd",
    "talkd",
    "inetutils-talkd",
];

/// Their programs, for roots without dpkg.
const LEGACY_PROGRAMS: &[&str] = &[
    "/usr/sbin/in.telnetd",
    "/usr/sbin/telnetd",
    "/usr/sbin/in.rshd",
    "/usr/sbin/in.rlogind",
    "/usr/sbin/in.rexecd",
    "/usr/sbin/in.tftpd",
    "/usr/sbin/atftpd",
    "/usr/sbin/in.talkd",
];

fn legacy_servers(host: &Host) -> Verdict {
    let programs: Vec<&str> = LEGACY_PROGRAMS
        .iter()
        .copied()
        .filter(|p| host.exists(p))
        .collect();
    let Some(packages) = installed_packages(host) else {
        if !programs.is_empty() {
            return Verdict::fail(format!("present: {}", programs.join(", ")));
        }
        return match host.read("/var/lib/dpkg/status") {
            Read::Denied => Verdict::not_applicable("permission denied: /var/lib/dpkg/status"),
            _ => Verdict::not_applicable(
                "no dpkg database, and none of the legacy server programs is present",
            ),
        };
    };
    let mut found: Vec<String> = packages
        .iter()
        .filter(|p| LEGACY_PACKAGES.contains(&p.name.as_str()))
        .map(|p| format!("{} {}", p.name, p.version).trim().to_string())
        .collect();
    found.extend(programs.iter().map(|p| p.to_string()));
    Verdict::when(
        found.is_empty(),
        if found.is_empty() {
            format!(
                "no telnet, rsh, rlogin, tftp or talk server among {} installed packages",
                packages.len()
            )
        } else {
            format!("installed: {}", found.join(", "))
        },
    )
}

/// The services of an inetd.conf that are not commented out.
fn inetd_services(text: &str) -> Vec<String> {
    lines(text)
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

/// The services of xinetd files that are not `disable = yes`.
fn xinetd_services(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut current: Option<(String, bool)> = None;
    for l in lines(text) {
        if let Some(name) = l.strip_prefix("service") {
            current = Some((name.trim().to_string(), false));
        } else if l.starts_with("disable") {
            let value = l.split('=').nth(1).unwrap_or("").trim();
            if let Some((_, off)) = current.as_mut() {
                *off = value.eq_ignore_ascii_case("yes");
            }
        } else if l.starts_with('}')
            && let Some((name, off)) = current.take()
            && !off
        {
            out.push(name);
        }
    }
    out
}

fn inetd(host: &Host) -> Verdict {
    let mut seen = false;
    let mut active = Vec::new();
    match host.read("/etc/inetd.conf") {
        Read::Text(t) => {
            seen = true;
            active.extend(
                inetd_services(&t)
                    .into_iter()
                    .map(|s| format!("inetd: {s}")),
            );
        }
        Read::Denied => return Verdict::not_applicable("permission denied: /etc/inetd.conf"),
        _ => {}
    }
    let mut xinetd = vec![(
        "/etc/xinetd.conf".to_string(),
        host.read("/etc/xinetd.conf"),
    )];
    xinetd.extend(host.read_dir("/etc/xinetd.d", ""));
    for (p, r) in xinetd {
        match r {
            Read::Text(t) => {
                seen = true;
                active.extend(
                    xinetd_services(&t)
                        .into_iter()
                        .map(|s| format!("xinetd: {s}")),
                );
            }
            Read::Denied => return Verdict::not_applicable(format!("permission denied: {p}")),
            _ => {}
        }
    }
    if !seen {
        return Verdict::not_applicable("no inetd or xinetd configuration");
    }
    Verdict::when(
        active.is_empty(),
        if active.is_empty() {
            "inetd/xinetd configured with every service disabled".to_string()
        } else {
            format!("services started on demand: {}", active.join(", "))
        },
    )
}

pub const CHECKS: &[Check] = &[
    Check {
        id: "network.listening-services",
        title: "Only expected TCP services are reachable from the network",
        controls: &["8.20", "8.21"],
        severity: Severity::Medium,
        how: "On the running host, reads the listening sockets of /proc/net/tcp and tcp6 and ignores those bound to loopback; passes when the remaining ports are among SSH (22) and web (80, 443), and lists every open port either way. Not applicable on a mounted root, where no socket can be seen.",
        remediation: "For each unexpected port, stop the service, bind it to 127.0.0.1 / ::1, or block it in the host firewall; record the ones that must stay open.",
        cadence_days: 7,
        run: listening_services,
    },
    Check {
        id: "network.firewall",
        title: "A host firewall filters incoming IPv4 traffic",
        controls: &["8.20", "8.22"],
        severity: Severity::High,
        how: "One of: /etc/nftables.conf (with its includes) has a table, a chain and a drop or reject rule or policy, and nftables.service is enabled; /etc/iptables/rules.v4 has a DROP/REJECT policy or target; /etc/ufw/ufw.conf has ENABLED=yes; or firewalld is configured, enabled and not in the trusted zone. Only configuration files are read, not the rules loaded in the kernel.",
        remediation: "Set up a default-deny input policy that allows only the needed services, with nftables, iptables-persistent, ufw ('ufw default deny incoming && ufw enable') or firewalld, and make it load at boot.",
        cadence_days: 30,
        run: firewall,
    },
    Check {
        id: "network.firewall-ipv6",
        title: "The host firewall covers IPv6 as well",
        controls: &["8.20", "8.22"],
        severity: Severity::Medium,
        how: "When IPv6 is on (not disabled by sysctl or ipv6.disable=1, and on the running host present in /proc/net/if_inet6), a firewall filters it: an nftables table of family inet or ip6 with drop/reject, /etc/iptables/rules.v6 with DROP/REJECT, ufw enabled with IPV6=yes (its default), or firewalld.",
        remediation: "Add IPv6 rules matching the IPv4 ones (an 'inet' nftables table covers both, ufw needs IPV6=yes in /etc/default/ufw), or disable IPv6 where it is not used.",
        cadence_days: 30,
        run: firewall_ipv6,
    },
    Check {
        id: "network.legacy-servers",
        title: "No clear-text remote login or TFTP server is installed",
        controls: &["8.21", "8.20"],
        severity: Severity::High,
        how: "dpkg lists none of the telnet, rsh/rlogin, talk and TFTP server packages (telnetd, inetutils-telnetd, rsh-server, tftpd-hpa, atftpd and similar) as installed, and none of their programs (in.telnetd, in.rshd, in.rlogind, in.tftpd…) is present in /usr/sbin.",
        remediation: "Remove the packages ('apt purge telnetd rsh-server tftpd-hpa'); use SSH for remote login and SFTP or HTTPS for file transfer.",
        cadence_days: 30,
        run: legacy_servers,
    },
    Check {
        id: "network.inetd-services",
        title: "No service is started on demand by inetd or xinetd",
        controls: &["8.21"],
        severity: Severity::Medium,
        how: "/etc/inetd.conf has no active line, and every service block of /etc/xinetd.conf and /etc/xinetd.d has 'disable = yes'. Not applicable when neither is configured.",
        remediation: "Comment out the lines in /etc/inetd.conf or set 'disable = yes' in the xinetd service files, or remove inetd/xinetd altogether if nothing needs it.",
        cadence_days: 30,
        run: inetd,
    },
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scan::Outcome;
    use crate::scan::checks::kit::{link, put};
    use std::path::Path;

    fn check(id: &str, root: &Path) -> Verdict {
        crate::scan::checks::kit::verdict(CHECKS, id, root)
    }

    const TCP: &str = "  sl  local_address rem_address   st\n";

    #[test]
    fn listening_ports() {
        let dir = tempfile::tempdir().unwrap();
        let v = check("network.listening-services", dir.path());
        assert_eq!(v.outcome, Outcome::NotApplicable);
        let none = listening(&format!("{TCP}   0: 0100007F:0CEA 00000000:0000 0A\n"));
        let v = listening_verdict(&none);
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (Outcome::Pass, "no TCP service listens beyond loopback")
        );
        let ssh = listening(&format!(
            "{TCP}   0: 00000000:0016 00000000:0000 0A\n   1: 00000000:01BB 00000000:0000 0A\n"
        ));
        let v = listening_verdict(&ssh);
        assert_eq!(v.outcome, Outcome::Pass);
        assert_eq!(v.observed, "TCP ports open beyond loopback: 22, 443");
        let mut db = ssh.clone();
        db.extend(listening(&format!(
            "{TCP}   0: 00000000000000000000000000000000:0CEA 00000000000000000000000000000000:0000 0A\n   1: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A\n"
        )));
        let v = listening_verdict(&db);
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(
            v.observed,
            "TCP ports open beyond loopback: 22, 443, 3306 (beyond SSH and web: 3306)"
        );
    }

    #[test]
    fn nftables_firewall() {
        let dir = tempfile::tempdir().unwrap();
        let v = check("network.firewall", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.starts_with("no host firewall"));
        put(
            dir.path(),
            "/etc/nftables.conf",
            "#!/usr/sbin/nft -f\nflush ruleset\ntable inet filter {\n  chain input {\n    type filter hook input priority 0; policy accept;\n  }\n}\n",
        );
        let v = check("network.firewall", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("no chain that drops"));
        put(
            dir.path(),
            "/etc/nftables.conf",
            "flush ruleset\ninclude \"/etc/nftables.d/*.nft\"\n",
        );
        put(
            dir.path(),
            "/etc/nftables.d/filter.nft",
            "table inet filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n    tcp dport 22 accept\n  }\n}\n",
        );
        let v = check("network.firewall", dir.path());
        assert!(
            v.outcome == Outcome::Fail && v.observed.contains("not enabled"),
            "{}",
            v.observed
        );
        link(
            dir.path(),
            "/etc/systemd/system/sysinit.target.wants/nftables.service",
        );
        let v = check("network.firewall", dir.path());
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (Outcome::Pass, "nftables (tables: inet)")
        );
        let v = check("network.firewall-ipv6", dir.path());
        assert_eq!(v.outcome, Outcome::Pass);

        // An ip table only covers IPv4.
        put(
            dir.path(),
            "/etc/nftables.d/filter.nft",
            "table ip filter {\n  chain input {\n    type filter hook input priority 0; policy drop;\n  }\n}\n",
        );
        assert_eq!(check("network.firewall", dir.path()).outcome, Outcome::Pass);
        let v = check("network.firewall-ipv6", dir.path());
        assert!(
            v.outcome == Outcome::Fail && v.observed.contains("IPv4 only: nftables (tables: ip)"),
            "{}",
            v.observed
        );
    }

    #[test]
    fn iptables_ufw_and_firewalld() {
        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "/etc/iptables/rules.v4",
            "*filter\n:INPUT ACCEPT [0:0]\nCOMMIT\n",
        );
        let v = check("network.firewall", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("neither drops nor rejects"));
        put(
            dir.path(),
            "/etc/iptables/rules.v4",
            "*filter\n:INPUT DROP [0:0]\n-A INPUT -p tcp --dport 22 -j ACCEPT\nCOMMIT\n",
        );
        let v = check("network.firewall", dir.path());
        assert_eq!(v.outcome, Outcome::Pass);
        assert!(v.observed.contains("rules.v4"));
        let v = check("network.firewall-ipv6", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.starts_with("IPv6 is enabled"));
        put(
            dir.path(),
            "/etc/iptables/rules.v6",
            "*filter\n-A INPUT -j REJECT\nCOMMIT\n",
        );
        assert_eq!(
            check("network.firewall-ipv6", dir.path()).outcome,
            Outcome::Pass
        );

        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "/etc/ufw/ufw.conf",
            "ENABLED=no\nLOGLEVEL=low\n",
        );
        let v = check("network.firewall", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("ENABLED=no"));
        put(dir.path(), "/etc/ufw/ufw.conf", "ENABLED=yes\n");
        assert_eq!(check("network.firewall", dir.path()).outcome, Outcome::Pass);
        assert_eq!(
            check("network.firewall-ipv6", dir.path()).outcome,
            Outcome::Pass
        );
        put(dir.path(), "/etc/default/ufw", "IPV6=no\n");
        let v = check("network.firewall-ipv6", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("IPV6=no"));
        // IPv6 switched off: nothing to filter.
        put(
            dir.path(),
            "/etc/sysctl.d/90-v6.conf",
            "net.ipv6.conf.all.disable_ipv6 = 1\n",
        );
        let v = check("network.firewall-ipv6", dir.path());
        assert!(v.outcome == Outcome::NotApplicable && v.observed.contains("disable_ipv6 = 1"));

        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "/etc/firewalld/firewalld.conf",
            "DefaultZone=public\n",
        );
        let v = check("network.firewall", dir.path());
        assert!(v.outcome == Outcome::Fail && v.observed.contains("not enabled"));
        link(
            dir.path(),
            "/etc/systemd/system/multi-user.target.wants/firewalld.service",
        );
        let v = check("network.firewall", dir.path());
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (Outcome::Pass, "firewalld (default zone public)")
        );
        put(
            dir.path(),
            "/etc/firewalld/firewalld.conf",
            "DefaultZone=trusted\n",
        );
        assert_eq!(check("network.firewall", dir.path()).outcome, Outcome::Fail);
    }

    #[test]
    fn legacy_servers_are_found() {
        let dir = tempfile::tempdir().unwrap();
        let id = "network.legacy-servers";
        assert_eq!(check(id, dir.path()).outcome, Outcome::NotApplicable);
        put(dir.path(), "/usr/sbin/in.tftpd", "");
        let v = check(id, dir.path());
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (Outcome::Fail, "present: /usr/sbin/in.tftpd")
        );

        let dir = tempfile::tempdir().unwrap();
        put(
            dir.path(),
            "/var/lib/dpkg/status",
            "Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2\n\nPackage: telnetd\nStatus: deinstall ok config-files\nVersion: 0.17\n",
        );
        let v = check(id, dir.path());
        assert!(
            v.outcome == Outcome::Pass && v.observed.contains("among 1 installed"),
            "{}",
            v.observed
        );
        put(
            dir.path(),
            "/var/lib/dpkg/status",
            "Package: openssh-server\nStatus: install ok installed\nVersion: 1:9.2\n\nPackage: telnetd\nStatus: install ok installed\nVersion: 0.17-44\n",
        );
        let v = check(id, dir.path());
        assert_eq!(
            (v.outcome, v.observed.as_str()),
            (Outcome::Fail, "installed: telnetd 0.17-44")
        );
    }

    #[test]
    fn inetd_and_xinetd_services() {
        let dir = tempfile::tempdir().unwrap();
        let id = "network.inetd-services";
        assert_eq!(check(id, dir.path()).outcome, Outcome::NotApplicable);
        put(
            dir.path(),
            "/etc/inetd.conf",
            "# telnet stream tcp nowait root /usr/sbin/in.telnetd\n",
        );
        put(
            dir.path(),
            "/etc/xinetd.d/tftp",
            "service tftp\n{\n  socket_type = dgram\n  disable = yes\n}\n",
        );
        let v = check(id, dir.path());
        assert_eq!(v.outcome, Outcome::Pass, "{}", v.observed);
        put(
            dir.path(),
            "/etc/inetd.conf",
            "telnet stream tcp nowait root /usr/sbin/in.telnetd\n",
        );
        put(
            dir.path(),
            "/etc/xinetd.d/rsync",
            "service rsync\n{\n  disable = no\n  socket_type = stream\n}\n",
        );
        let v = check(id, dir.path());
        assert_eq!(v.outcome, Outcome::Fail);
        assert_eq!(
            v.observed,
            "services started on demand: inetd: telnet, xinetd: rsync"
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
