//! `annex scan` as an engineer runs it: the real binary against fixture roots (a hardened
//! host, a careless one, an empty folder) and against this machine; every format; filters;
//! the exit status; bad arguments named.

use serde_json::Value;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output};

fn scan(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_annex"))
        .arg("scan")
        .args(args)
        .env("NO_COLOR", "1")
        .output()
        .expect("run annex scan")
}

fn json(o: &Output) -> Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).expect("JSON")
}

fn write(root: &Path, files: &[(&str, &str, u32)]) {
    for (path, text, mode) in files {
        let p = root.join(path.trim_start_matches('/'));
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, text).unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(*mode)).unwrap();
    }
}

fn finding<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == id)
        .unwrap_or_else(|| panic!("no finding {id}"))
}

#[test]
fn a_scan_of_a_root_says_which_controls_pass_and_which_fail_and_why() {
    let hardened = tempfile::tempdir().unwrap();
    write(
        hardened.path(),
        &[
            ("/etc/hostname", "web-01\n", 0o644),
            (
                "/etc/ssh/sshd_config",
                "Include /etc/ssh/sshd_config.d/*.conf\nPermitRootLogin yes\n",
                0o644,
            ),
            (
                "/etc/ssh/sshd_config.d/10-hardening.conf",
                "PermitRootLogin no\nPasswordAuthentication no\nMaxAuthTries 3\n",
                0o644,
            ),
            (
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1::/usr/sbin:/usr/sbin/nologin\n",
                0o644,
            ),
        ],
    );
    let careless = tempfile::tempdir().unwrap();
    write(
        careless.path(),
        &[
            (
                "/etc/ssh/sshd_config",
                "PermitRootLogin yes\nPasswordAuthentication yes\n",
                0o644,
            ),
            (
                "/etc/passwd",
                "root:x:0:0:root:/root:/bin/bash\ntoor:x:0:0::/root:/bin/bash\n",
                0o644,
            ),
        ],
    );

    let good = json(&scan(&[
        "--root",
        hardened.path().to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(good["host"], "web-01");
    assert_eq!(
        finding(&good, "ssh.root-login")["outcome"],
        "pass",
        "the include is read first, as sshd does"
    );
    assert_eq!(finding(&good, "ssh.password-auth")["outcome"], "pass");
    assert_eq!(finding(&good, "accounts.uid0-only-root")["outcome"], "pass");
    assert_eq!(good["tally"]["error"], 0);
    let n = good["findings"].as_array().unwrap().len();
    assert!(n >= 60, "{n} checks");

    let bad = json(&scan(&[
        "--root",
        careless.path().to_str().unwrap(),
        "--format",
        "json",
    ]));
    let root_login = finding(&bad, "ssh.root-login");
    assert_eq!(root_login["outcome"], "fail");
    assert_eq!(root_login["observed"], "PermitRootLogin yes");
    assert!(
        root_login["remediation"]
            .as_str()
            .unwrap()
            .contains("PermitRootLogin no")
    );
    assert_eq!(root_login["controls"], serde_json::json!(["8.5", "8.2"]));
    let uid0 = finding(&bad, "accounts.uid0-only-root");
    assert_eq!(uid0["outcome"], "fail");
    assert!(
        uid0["observed"].as_str().unwrap().contains("toor"),
        "{uid0}"
    );

    // The table names the failures and sums up by control; --strict fails the run.
    let table = scan(&["--root", careless.path().to_str().unwrap()]);
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("FAIL")
            && text.contains("ssh.root-login")
            && text.contains("Controls evidenced"),
        "{text}"
    );
    assert!(String::from_utf8_lossy(&table.stderr).contains("fail"));
    assert!(table.status.success());
    assert_eq!(
        scan(&["--root", careless.path().to_str().unwrap(), "--strict"])
            .status
            .code(),
        Some(1)
    );

    // SARIF for code-scanning tools: the failures as results with their rule.
    let sarif = json(&scan(&[
        "--root",
        careless.path().to_str().unwrap(),
        "--format",
        "sarif",
    ]));
    assert_eq!(sarif["version"], "2.1.0");
    let results = sarif["runs"][0]["results"].as_array().unwrap();
    assert!(
        results
            .iter()
            .any(|r| r["ruleId"] == "ssh.root-login" && r["level"] == "error")
    );

    // Only some controls, or some areas.
    let only = json(&scan(&[
        "--root",
        careless.path().to_str().unwrap(),
        "--only",
        "8.5",
        "--format",
        "json",
    ]));
    assert!(
        only["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["controls"].as_array().unwrap().iter().any(|c| c == "8.5"))
    );
    let ssh = json(&scan(&[
        "--root",
        careless.path().to_str().unwrap(),
        "--only",
        "ssh",
        "--format",
        "json",
    ]));
    assert!(
        ssh["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["id"].as_str().unwrap().starts_with("ssh."))
    );
}

#[test]
fn an_empty_root_gives_no_error_and_bad_arguments_are_named() {
    let empty = tempfile::tempdir().unwrap();
    let r = json(&scan(&[
        "--root",
        empty.path().to_str().unwrap(),
        "--format",
        "json",
    ]));
    for f in r["findings"].as_array().unwrap() {
        assert!(
            f["outcome"] == "not_applicable" || f["outcome"] == "fail",
            "{f}"
        );
    }
    let o = scan(&["--root", "/does/not/exist"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--root /does/not/exist: not a folder"));
    let o = scan(&["--only", "9.99"]);
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--only 9.99"));
    let list = scan(&["--list"]);
    assert!(String::from_utf8_lossy(&list.stdout).contains("ssh.root-login"));
}

#[test]
fn this_machine_is_scanned_without_an_error() {
    let r = json(&scan(&["--format", "json"]));
    let errors: Vec<&Value> = r["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "error")
        .collect();
    assert!(errors.is_empty(), "{errors:?}");
    assert!(
        r["tally"]["pass"].as_u64().unwrap() + r["tally"]["fail"].as_u64().unwrap() > 10,
        "{}",
        r["tally"]
    );
}
