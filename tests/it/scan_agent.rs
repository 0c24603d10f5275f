//! Agents report scans to the server: the report `annex scan --format json` prints, posted with
//! an agent's token, becomes a run of its host; a token reports for one host only; people
//! list the hosts with their tally, pass rate and staleness; the real binary reports over TCP.

use crate::harness::{Auth, TestApp, databases, serve_tcp};
use crate::on_every_database;
use annex::domain::audit::AuditFilter;
use annex::domain::clock::Clock;
use annex::domain::user::{Email, Role};
use axum::http::StatusCode;
use serde_json::Value;
use std::path::Path;
use std::process::{Command, Output};

/// A fixture root named `host`: sshd without passwords (passes) but with root login (fails).
pub(crate) fn fixture(host: &str) -> tempfile::TempDir {
    let root = tempfile::tempdir().unwrap();
    let files = [
        ("etc/hostname", format!("{host}\n")),
        (
            "etc/ssh/sshd_config",
            "PermitRootLogin yes\nPasswordAuthentication no\nMaxAuthTries 3\n".to_string(),
        ),
        (
            "etc/passwd",
            "root:x:0:0:root:/root:/bin/bash\n".to_string(),
        ),
    ];
    for (path, text) in files {
        let p = root.path().join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, text).unwrap();
    }
    root
}

pub(crate) fn annex_scan(root: &Path, extra: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_annex"))
        .arg("scan")
        .arg("--root")
        .arg(root)
        .args(extra)
        .env("NO_COLOR", "1")
        .env_remove("ANNEX_AGENT_TOKEN")
        .output()
        .expect("run annex scan")
}

/// The JSON report of the real binary for a fixture host.
pub(crate) fn report_of(host: &str) -> Value {
    let root = fixture(host);
    let out = annex_scan(root.path(), &["--format", "json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["host"], host);
    v
}

fn tally(report: &Value) -> (i64, i64) {
    let count = |o: &str| {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["outcome"] == o)
            .count() as i64
    };
    (count("pass"), count("fail"))
}

/// A token of a new user with this role, and the token's id.
pub(crate) async fn token_with_id(app: &TestApp, role: Role) -> (String, String) {
    let email = app.add_user(role).await;
    let user = app
        .store
        .user_by_email(&Email::parse(&email).unwrap())
        .await
        .unwrap();
    let (t, secret) = app
        .store
        .create_token("test", &user.id, "agent", None)
        .await
        .unwrap();
    (secret, t.id)
}

fn host<'a>(hosts: &'a Value, name: &str) -> &'a Value {
    hosts
        .as_array()
        .unwrap()
        .iter()
        .find(|h| h["name"] == name)
        .unwrap_or_else(|| panic!("no host {name} in {hosts}"))
}

#[tokio::test]
async fn an_agent_reports_its_host_and_people_see_its_tally() {
    let report = report_of("web-01");
    let (pass, fail) = tally(&report);
    assert!(pass > 0 && fail > 0, "the fixture has passes and failures");
    on_every_database!(|app| {
        let (agent, agent_token_id) = token_with_id(&app, Role::Agent).await;
        let viewer = app.token_as(Role::Viewer).await;

        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&agent), report.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let run = res.json();
        assert_eq!(run["host"], "web-01");
        assert_eq!(run["pass"], pass);
        assert_eq!(run["fail"], fail);
        let first_run = run["run_id"].as_str().unwrap().to_string();

        let hosts = app.get("/api/v1/hosts", Auth::Bearer(&viewer)).await;
        assert_eq!(hosts.status, StatusCode::OK, "{}", hosts.body);
        let hosts = hosts.json();
        let h = host(&hosts, "web-01");
        assert_eq!(h["last_pass"], pass);
        assert_eq!(h["last_fail"], fail);
        let rate = h["pass_rate"].as_f64().unwrap();
        assert!((rate - pass as f64 / (pass + fail) as f64).abs() < 1e-9);
        assert_eq!(h["stale"], false);
        assert_eq!(h["token_id"], agent_token_id.as_str());
        let first_seen = h["last_seen"].as_str().unwrap().to_string();

        // A second report: a new run, last_seen moves, first_seen stays.
        tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&agent), report.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let second_run = res.json()["run_id"].as_str().unwrap().to_string();
        let hosts = app.get("/api/v1/hosts", Auth::Bearer(&viewer)).await.json();
        let h = host(&hosts, "web-01");
        assert!(h["last_seen"].as_str().unwrap() > first_seen.as_str());
        assert_eq!(h["first_seen"], first_seen.as_str());
        let runs = app
            .get("/api/v1/hosts/web-01/runs", Auth::Bearer(&viewer))
            .await;
        assert_eq!(runs.status, StatusCode::OK, "{}", runs.body);
        let runs = runs.json();
        assert_eq!(runs.as_array().unwrap().len(), 2);
        let ids: Vec<&str> = runs
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["run_id"].as_str().unwrap())
            .collect();
        assert!(ids.contains(&first_run.as_str()) && ids.contains(&second_run.as_str()));
        let limited = app
            .get("/api/v1/hosts/web-01/runs?limit=1", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(limited.as_array().unwrap().len(), 1);
        let unknown = app
            .get("/api/v1/hosts/nope/runs", Auth::Bearer(&viewer))
            .await;
        assert_eq!(unknown.status, StatusCode::NOT_FOUND);

        // One check's history across the runs.
        let check = report["findings"][0]["id"].as_str().unwrap();
        let history = app.store.check_history("web-01", check, 10).await.unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0].outcome, report["findings"][0]["outcome"]);

        // One audit entry per report.
        let entries = app
            .store
            .audit_entries(
                &AuditFilter {
                    object_type: Some("host".into()),
                    object_id: Some("web-01".into()),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries.iter().all(|e| e.action == "scan.record"));
        assert!(entries[0].after.as_deref().unwrap().contains(&second_run));
    });
}

#[tokio::test]
async fn an_agent_token_reports_for_its_own_host_only() {
    let report = report_of("web-01");
    let mut other = report.clone();
    other["host"] = "db-01".into();
    on_every_database!(|app| {
        let (agent, _) = token_with_id(&app, Role::Agent).await;
        let (second_agent, _) = token_with_id(&app, Role::Agent).await;
        let admin = app.token_as(Role::Admin).await;
        let viewer = app.token_as(Role::Viewer).await;
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&agent), report.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let audit_before = app
            .store
            .audit_entries(&AuditFilter::default(), 500)
            .await
            .unwrap()
            .len();

        // The same token for another host: refused, nothing written.
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&agent), other.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        assert_eq!(res.json()["error"]["code"], "forbidden");
        // Another agent's token for the bound host: refused too.
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&second_agent), report.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        // A viewer cannot submit at all.
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&viewer), report.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let hosts = app.store.hosts().await.unwrap();
        assert_eq!(hosts.len(), 1, "{hosts:?}");
        assert_eq!(app.store.host_runs("web-01", 10).await.unwrap().len(), 1);
        assert_eq!(
            app.store
                .audit_entries(&AuditFilter::default(), 500)
                .await
                .unwrap()
                .len(),
            audit_before,
            "nothing was written"
        );

        // An admin may submit for any host, and binds no token.
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&admin), other.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&admin), report.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let hosts = app.store.hosts().await.unwrap();
        let db = hosts.iter().find(|h| h.name == "db-01").unwrap();
        assert_eq!(db.token_id, None);
        // The second agent may take the unbound host the admin created.
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&second_agent), other.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        // An agent reads nothing.
        for path in [
            "/api/v1/hosts",
            "/api/v1/risks",
            "/api/v1/hosts/web-01/runs",
        ] {
            let res = app.get(path, Auth::Bearer(&agent)).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "GET {path} as an agent");
        }
    });
}

#[tokio::test]
async fn a_bad_report_names_its_fields() {
    on_every_database!(|app| {
        let (agent, _) = token_with_id(&app, Role::Agent).await;
        let res = app
            .post_json(
                "/api/v1/scans",
                Auth::Bearer(&agent),
                serde_json::json!({
                    "host": "web 01",
                    "scanned_at": "yesterday",
                    "duration_ms": 3.5,
                    "findings": [
                        {"id": "ssh.root-login", "outcome": "pass"},
                        {"id": "", "outcome": "pass"},
                        {"id": "x", "outcome": "pass"},
                        {"id": "y", "outcome": "maybe"},
                    ],
                    "extra": "ignored",
                }),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let body = res.json();
        assert_eq!(body["error"]["code"], "validation_failed");
        let fields: Vec<&str> = body["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "host",
                "scanned_at",
                "findings[1].id",
                "findings[3].outcome"
            ]
        );
        let res = app
            .post_json(
                "/api/v1/scans",
                Auth::Bearer(&agent),
                serde_json::json!({"host": "web", "scanned_at": "2026-11-23T14:30:00Z", "findings": [{"id": "a", "outcome": "pass"}, {"id": "a", "outcome": "fail"}]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["error"]["details"][0]["field"], "findings[1].id");
        let res = app
            .post_json(
                "/api/v1/scans",
                Auth::Bearer(&agent),
                serde_json::json!({"host": "web", "findings": "none"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(app.store.hosts().await.unwrap().is_empty());
    });
}

/// Staleness is judged by the store's clock: the report is received by an instance whose
/// clock stands three days ago, and the hosts are listed by a second instance on the same
/// database with the real clock.
#[tokio::test]
async fn a_host_without_a_report_for_two_days_is_stale() {
    let report = report_of("old-01");
    let past = time::OffsetDateTime::now_utc() - time::Duration::days(3);
    for db in databases().await {
        let app = TestApp::spawn_with(db, |_| {}, Clock::fixed(past)).await;
        let (agent, _) = token_with_id(&app, Role::Agent).await;
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&agent), report.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert!(!app.store.hosts().await.unwrap()[0].stale);
        let (today, _) = app.second_instance().await;
        let hosts = today.hosts().await.unwrap();
        assert!(hosts[0].stale, "{hosts:?}");
        today.close().await;
        app.finish().await;
    }
}

#[tokio::test]
async fn the_binary_reports_to_a_server_over_tcp() {
    let root = fixture("cli-01");
    let root_path = root.path().to_path_buf();
    // A --ca-cert that cannot be read is named before anything is sent (TLS itself is
    // tested against a rustls server in src/scan/submit.rs).
    let out = annex_scan(
        &root_path,
        &[
            "--report-to",
            "https://annex.example.org",
            "--ca-cert",
            "/nonexistent/annex-ca.pem",
            "--token",
            "x",
        ],
    );
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("--ca-cert /nonexistent/annex-ca.pem: cannot read it"),
        "{err}"
    );
    on_every_database!(|app| {
        let (agent, _) = token_with_id(&app, Role::Agent).await;
        let addr = serve_tcp(app.router.clone()).await;
        let url = format!("http://{addr}");
        let run = |args: Vec<String>, token: Option<String>| {
            let root_path = root_path.clone();
            tokio::task::spawn_blocking(move || {
                let mut c = Command::new(env!("CARGO_BIN_EXE_annex"));
                c.arg("scan").arg("--root").arg(&root_path).args(&args);
                c.env_remove("ANNEX_AGENT_TOKEN");
                if let Some(t) = token {
                    c.env("ANNEX_AGENT_TOKEN", t);
                }
                c.output().unwrap()
            })
        };
        // The token from the environment; the table still prints.
        let out = run(vec!["--report-to".into(), url.clone()], Some(agent.clone()))
            .await
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{err}");
        assert!(err.contains("reported to"), "{err}");
        // http:// to this host (127.0.0.1) needs no warning.
        assert!(!err.contains("unencrypted"), "{err}");
        let hosts = app.store.hosts().await.unwrap();
        assert_eq!(hosts.len(), 1);
        assert_eq!(hosts[0].name, "cli-01");

        // A refused report prints the server's message and fails.
        let viewer = app.token_as(Role::Viewer).await;
        let out = run(
            vec![
                "--report-to".into(),
                format!("{url}/"),
                "--token".into(),
                viewer,
            ],
            None,
        )
        .await
        .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(err.contains("HTTP 403"), "{err}");
        assert!(err.contains("not allowed"), "{err}");
        let out = run(
            vec![
                "--report-to".into(),
                url.clone(),
                "--token".into(),
                "annex_wrong".into(),
            ],
            None,
        )
        .await
        .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("HTTP 401"));
        assert_eq!(app.store.host_runs("cli-01", 10).await.unwrap().len(), 1);
    });
}

#[test]
fn the_scan_table_fits_a_terminal_when_written_to_a_pipe() {
    let root = fixture("web-01");
    let out = annex_scan(root.path(), &["--all"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.contains("Result") && text.contains("Controls evidenced"));
    let widest = text.lines().map(|l| l.chars().count()).max().unwrap();
    assert!(
        widest <= usize::from(annex::cli::TABLE_WIDTH),
        "{widest} columns:\n{text}"
    );
}
