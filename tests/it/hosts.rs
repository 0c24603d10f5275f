//! People read what agents reported: a host, a run with its findings (failures first), one
//! check's history on a host, as JSON and as pages (the hosts list with pass rates and a stale
//! filter, a host with its latest findings and their remediation, a run, a check's history).
//! Agents submit only: they read none of it.

use crate::harness::{Auth, Res, TestApp, send_to};
use crate::on_every_database;
use crate::scan_agent::{report_of, token_with_id};
use annex::domain::clock::Clock;
use annex::domain::user::Role;
use annex::error::Error;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::Value;

const FAILING: &str = "ssh.root-login";

/// The real binary's report for `host`, cut to the root-login check (failing when `fails`)
/// and every check that passed, scanned at `scanned_at`.
fn report(base: &Value, host: &str, fails: bool, scanned_at: &str) -> Value {
    let mut r = base.clone();
    r["host"] = host.into();
    r["scanned_at"] = scanned_at.into();
    let findings: Vec<Value> = base["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["id"] == FAILING || f["outcome"] == "pass")
        .cloned()
        .map(|mut f| {
            if f["id"] == FAILING && !fails {
                f["outcome"] = "pass".into();
                f["observed"] = "PermitRootLogin no".into();
            }
            f
        })
        .collect();
    r["findings"] = findings.into();
    r
}

fn passes(report: &Value) -> usize {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["outcome"] == "pass")
        .count()
}

/// Text as askama escapes it in a page.
fn html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&#34;")
        .replace('\'', "&#39;")
}

fn percent(pass: usize, fail: usize) -> String {
    format!("{:.0}%", pass as f64 / (pass + fail) as f64 * 100.0)
}

async fn submit(app: &TestApp, token: &str, report: Value) -> String {
    let res = app
        .post_json("/api/v1/scans", Auth::Bearer(token), report)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["run_id"].as_str().unwrap().to_string()
}

/// A report sent to another instance (one whose clock stands in the past).
async fn submit_to(router: &Router, token: &str, report: Value) -> Res {
    let req = Request::post("/api/v1/scans")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Body::from(report.to_string()))
        .unwrap();
    send_to(router, req).await
}

#[tokio::test]
async fn people_read_hosts_runs_and_check_histories_over_the_api() {
    let base = report_of("web-01");
    let older = report(&base, "web-01", false, "2026-01-10T08:00:00Z");
    let newer = report(&base, "web-01", true, "2026-01-11T08:00:00Z");
    let db = report(&base, "db-01", false, "2026-01-11T09:00:00Z");
    let pass = passes(&newer);
    assert!(pass > 2, "the fixture passes several checks");
    on_every_database!(|app| {
        let (web_agent, web_token) = token_with_id(&app, Role::Agent).await;
        let (db_agent, _) = token_with_id(&app, Role::Agent).await;
        let viewer = app.token_as(Role::Viewer).await;
        let first = submit(&app, &web_agent, older.clone()).await;
        let second = submit(&app, &web_agent, newer.clone()).await;
        let db_run = submit(&app, &db_agent, db.clone()).await;

        // The host.
        let res = app.get("/api/v1/hosts/web-01", Auth::Bearer(&viewer)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let h = res.json();
        assert_eq!(h["name"], "web-01");
        assert_eq!(h["last_pass"], pass as i64);
        assert_eq!(h["last_fail"], 1);
        assert_eq!(h["stale"], false);
        assert_eq!(h["token_id"], web_token.as_str());
        let rate = h["pass_rate"].as_f64().unwrap();
        assert!((rate - pass as f64 / (pass + 1) as f64).abs() < 1e-9);

        // A run with its findings, failures first, then by check id.
        let res = app
            .get(
                &format!("/api/v1/hosts/web-01/runs/{second}"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let run = res.json();
        assert_eq!(run["run_id"], second.as_str());
        assert_eq!(run["host"], "web-01");
        assert_eq!(run["fail"], 1);
        let findings = run["findings"].as_array().unwrap();
        assert_eq!(findings.len(), pass + 1);
        assert_eq!(findings[0]["check_id"], FAILING);
        assert_eq!(findings[0]["outcome"], "fail");
        assert!(!findings[0]["controls"].as_array().unwrap().is_empty());
        let rest: Vec<&str> = findings[1..]
            .iter()
            .map(|f| f["check_id"].as_str().unwrap())
            .collect();
        let mut sorted = rest.clone();
        sorted.sort();
        assert_eq!(rest, sorted, "passes follow by check id");
        assert!(findings[1..].iter().all(|f| f["outcome"] == "pass"));

        // A run of another host is not found under this one.
        let res = app
            .get(
                &format!("/api/v1/hosts/web-01/runs/{db_run}"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        assert_eq!(res.json()["error"]["code"], "not_found");

        // A check's history, newest first, with a limit.
        let path = format!("/api/v1/hosts/web-01/checks/{FAILING}");
        let res = app.get(&path, Auth::Bearer(&viewer)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let history = res.json();
        let history = history.as_array().unwrap();
        assert_eq!(history.len(), 2);
        assert_eq!(history[0]["run_id"], second.as_str());
        assert_eq!(history[0]["outcome"], "fail");
        assert_eq!(history[1]["run_id"], first.as_str());
        assert_eq!(history[1]["outcome"], "pass");
        let one = app
            .get(&format!("{path}?limit=1"), Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(one.as_array().unwrap().len(), 1);
        for bad in ["0", "501", "many"] {
            let res = app
                .get(&format!("{path}?limit={bad}"), Auth::Bearer(&viewer))
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "limit={bad}");
            assert_eq!(res.json()["error"]["details"][0]["field"], "limit");
        }
        // A check the host never reported: an empty history.
        let res = app
            .get(
                "/api/v1/hosts/web-01/checks/no.such-check",
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.json(), serde_json::json!([]));

        // Unknown hosts.
        for path in [
            "/api/v1/hosts/nope".to_string(),
            format!("/api/v1/hosts/nope/runs/{second}"),
            format!("/api/v1/hosts/nope/checks/{FAILING}"),
        ] {
            let res = app.get(&path, Auth::Bearer(&viewer)).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "GET {path}");
        }
        assert!(matches!(
            app.store.check_history("nope", FAILING, 10).await,
            Err(Error::NotFound(_))
        ));
        assert!(matches!(
            app.store.run_findings("db-01", &second).await,
            Err(Error::NotFound(_))
        ));

        // Agents submit; they read nothing, not even their own host.
        for path in [
            "/api/v1/hosts/web-01".to_string(),
            format!("/api/v1/hosts/web-01/runs/{second}"),
            format!("/api/v1/hosts/web-01/checks/{FAILING}"),
            "/hosts".to_string(),
            "/hosts/web-01".to_string(),
            format!("/hosts/web-01/runs/{second}"),
            format!("/hosts/web-01/checks/{FAILING}"),
        ] {
            let res = app.get(&path, Auth::Bearer(&web_agent)).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "GET {path} as an agent");
        }
    });
}

#[tokio::test]
async fn the_pages_show_hosts_findings_and_histories() {
    let base = report_of("web-01");
    let older = report(&base, "web-01", false, "2026-01-10T08:00:00Z");
    let newer = report(&base, "web-01", true, "2026-01-11T08:00:00Z");
    let db = report(&base, "db-01", false, "2026-01-11T09:00:00Z");
    let old = report(&base, "old-01", false, "2026-01-08T09:00:00Z");
    let pass = passes(&newer);
    let check = annex::scan::checks::all()
        .iter()
        .find(|c| c.id == FAILING)
        .unwrap();
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let viewer = app.browser_as(Role::Viewer).await;

        // Before any report: the page teaches how to connect an agent.
        let page = app.get("/hosts", Auth::Browser(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("No host has reported yet"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("annex scan --report-to https://SERVER --token TOKEN")
        );
        assert!(page.body.contains("href=\"/admin/tokens\""));
        assert!(page.body.contains("href=\"/hosts\" aria-current=\"page\""));

        let (web_agent, _) = token_with_id(&app, Role::Agent).await;
        let (db_agent, _) = token_with_id(&app, Role::Agent).await;
        let (old_agent, _) = token_with_id(&app, Role::Agent).await;
        let first = submit(&app, &web_agent, older.clone()).await;
        let second = submit(&app, &web_agent, newer.clone()).await;
        submit(&app, &db_agent, db.clone()).await;
        // A host that last reported three days ago: received by an instance whose clock
        // stands then.
        let past = time::OffsetDateTime::now_utc() - time::Duration::days(3);
        let (then, then_router) = app.instance_with_clock(Clock::fixed(past)).await;
        let res = submit_to(&then_router, &old_agent, old.clone()).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        then.close().await;

        // The list: every host, its pass rate, the stale one marked; the filter.
        let page = app.get("/hosts", Auth::Browser(&viewer)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for name in ["web-01", "db-01", "old-01"] {
            assert!(
                page.body.contains(&format!("href=\"/hosts/{name}\"")),
                "{name} is listed"
            );
        }
        assert!(page.body.contains(&percent(pass, 1)), "{}", page.body);
        assert!(page.body.contains("100%"));
        assert!(page.body.contains("<strong>3</strong> hosts"));
        assert_eq!(page.body.matches("badge stale").count(), 1);
        assert!(page.body.contains("1 stale"));
        let stale = app.get("/hosts?stale=1", Auth::Browser(&viewer)).await;
        assert_eq!(stale.status, StatusCode::OK);
        assert!(stale.body.contains("href=\"/hosts/old-01\""));
        assert!(!stale.body.contains("href=\"/hosts/web-01\""));
        assert!(!stale.body.contains("href=\"/hosts/db-01\""));
        assert!(stale.body.contains("<strong>1</strong> stale host of 3"));
        assert!(
            stale.body.contains("href=\"/hosts.csv?stale=1\""),
            "the export keeps the filter"
        );

        // The list exports as CSV and XLSX, with the same filter.
        let csv = app.get("/hosts.csv", Auth::Browser(&viewer)).await;
        assert_eq!(csv.status, StatusCode::OK);
        let lines: Vec<&str> = csv.body.lines().collect();
        assert!(
            lines[0].starts_with("Host,Group,First seen,Last seen,Stale,Pass,Fail"),
            "{}",
            lines[0]
        );
        assert_eq!(lines.len(), 4, "a header and three hosts: {}", csv.body);
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("old-01,Servers,") && l.contains(",yes,"))
        );
        // Every host joined the default group; the list filters by group.
        let none = app
            .get("/hosts?group=workstations", Auth::Browser(&viewer))
            .await;
        assert!(
            none.body.contains("<strong>0</strong> hosts of 3"),
            "{}",
            none.body
        );
        assert!(none.body.contains("No host is in this group."));
        let csv = app.get("/hosts.csv?stale=1", Auth::Browser(&viewer)).await;
        assert_eq!(csv.body.lines().count(), 2, "{}", csv.body);
        let (status, _, xlsx) = app.get_bytes("/hosts.xlsx", Auth::Browser(&viewer)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(xlsx.starts_with(b"PK"), "an XLSX file");

        // The host: the failing check first, with its title and remediation, its controls
        // linked; the runs.
        let page = app.get("/hosts/web-01", Auth::Browser(&viewer)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = &page.body;
        let failing_href = format!("href=\"/hosts/web-01/checks/{FAILING}\"");
        assert!(body.contains(&failing_href), "{body}");
        assert!(body.contains(&html(check.title)));
        assert!(body.contains(&html(check.remediation)), "{body}");
        assert!(body.contains("✕ fail"));
        for c in check.controls {
            assert!(body.contains(&format!("href=\"/controls/iso27002-2022/{c}\"")));
        }
        let first_fail = body.find("✕ fail").unwrap();
        let first_pass = body.find("✓ pass").unwrap();
        assert!(first_fail < first_pass, "failures come first");
        assert_eq!(
            body.matches("How to fix:").count(),
            1,
            "only the failure says how to fix it"
        );
        assert!(body.contains(&format!("href=\"/hosts/web-01/runs/{first}\"")));
        assert!(body.contains(&format!("href=\"/hosts/web-01/runs/{second}\"")));
        assert!(body.contains("bound: only its agent token"));

        // A run's page shows its findings the same way.
        let page = app
            .get(
                &format!("/hosts/web-01/runs/{first}"),
                Auth::Browser(&viewer),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains(&first));
        assert!(page.body.contains(&failing_href));
        assert!(!page.body.contains("✕ fail"), "the older run passed");

        // The check's history lists both runs, newest first.
        let page = app
            .get(
                &format!("/hosts/web-01/checks/{FAILING}"),
                Auth::Browser(&viewer),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let body = &page.body;
        assert!(body.contains(&html(check.how)));
        assert!(body.contains(&html(check.remediation)));
        let newest = body
            .find(&format!("href=\"/hosts/web-01/runs/{second}\""))
            .expect("the newer run is listed");
        let oldest = body
            .find(&format!("href=\"/hosts/web-01/runs/{first}\""))
            .expect("the older run is listed");
        assert!(newest < oldest, "newest first");
        assert!(body.contains("PermitRootLogin no"));

        // Unknown host, run or check: the Not found page.
        for path in [
            "/hosts/nope".to_string(),
            "/hosts/web-01/runs/nope".to_string(),
            format!("/hosts/nope/checks/{FAILING}"),
            "/hosts/web-01/checks/no.such-check".to_string(),
        ] {
            let res = app.get(&path, Auth::Browser(&viewer)).await;
            assert_eq!(res.status, StatusCode::NOT_FOUND, "GET {path}");
            assert!(res.body.contains("Not found"), "{}", res.body);
        }
    });
}
