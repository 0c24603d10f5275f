//! Scan results are evidence on the Statement of Applicability: a report files, per host and
//! control its checks decided, one item that the host's next reports refresh; it holds for the
//! shortest cadence of its checks; a failed check turns the control's evidence state to
//! failing with the reason, on the SoA row, in its warnings and in the evidence list.

use crate::harness::Auth;
use crate::on_every_database;
use crate::scan_agent::{report_of, token_with_id};
use annex::domain::audit::AuditFilter;
use annex::domain::user::Role;
use annex::registers::evidence::domain::add_days;
use axum::http::StatusCode;
use serde_json::Value;

/// The shortest cadence of the report's decided checks that evidence `control`.
fn cadence_of(report: &Value, control: &str) -> i64 {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| {
            matches!(f["outcome"].as_str(), Some("pass" | "fail"))
                && f["controls"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|c| c == control)
        })
        .map(|f| f["cadence_days"].as_i64().unwrap())
        .min()
        .expect("the fixture decides the control")
}

/// The report with the outcome of the decided checks of `control` changed.
fn with_outcome(report: &Value, control: &str, outcome: &str) -> Value {
    let mut r = report.clone();
    for f in r["findings"].as_array_mut().unwrap() {
        if matches!(f["outcome"].as_str(), Some("pass" | "fail"))
            && f["controls"]
                .as_array()
                .unwrap()
                .iter()
                .any(|c| c == control)
        {
            f["outcome"] = outcome.into();
            f["observed"] = format!("now {outcome}").into();
        }
    }
    r
}

/// Posts a report as an agent; it must be taken. Answers the run.
async fn submit(app: &crate::harness::TestApp, token: &str, report: Value) -> Value {
    let res = app
        .post_json("/api/v1/scans", Auth::Bearer(token), report)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

/// 8.5 applies and is implemented: its warnings then speak of its evidence.
async fn decide_applicable(app: &crate::harness::TestApp, token: &str) {
    let res = app
        .put_json(
            "/api/v1/soa/iso27002-2022/8.5",
            Auth::Bearer(token),
            serde_json::json!({"applicable": "yes", "reasons": "risk treatment", "status": "implemented", "owner": "ops"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

/// The SoA row of 8.5, as a viewer reads it.
async fn row_8_5(app: &crate::harness::TestApp, token: &str) -> Value {
    let res = app
        .get("/api/v1/soa/iso27002-2022/8.5", Auth::Bearer(token))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// An evidence item, as a viewer reads it.
async fn evidence_item(app: &crate::harness::TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/evidence/{id}"), Auth::Bearer(token))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

fn soa_evidence(row: &Value) -> Vec<String> {
    row["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["evidence_id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_scan_files_fresh_evidence_and_a_failed_check_turns_the_control_red() {
    let report = report_of("web-01");
    let root_login = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["id"] == "ssh.root-login")
        .unwrap()
        .clone();
    assert_eq!(
        root_login["outcome"], "fail",
        "the fixture allows root login"
    );
    on_every_database!(|app| {
        let (agent, _) = token_with_id(&app, Role::Agent).await;
        let owner = app.token_as(Role::Admin).await;
        let viewer = app.token_as(Role::Viewer).await;
        let today = app.store.today();

        decide_applicable(&app, &owner).await;
        let filed = submit(&app, &agent, report.clone()).await["evidence_filed"]
            .as_i64()
            .unwrap();
        assert!(filed >= 2, "one item per control decided, got {filed}");
        let items = app.store.host_evidence("web-01").await.unwrap();
        assert_eq!(items.len() as i64, filed);
        assert!(items.iter().all(|e| e.host.as_deref() == Some("web-01")));
        let controls: Vec<&str> = items.iter().map(|e| e.controls[0].as_str()).collect();
        assert!(
            controls.windows(2).all(|w| {
                let n = |c: &str| {
                    c.split('.')
                        .map(|p| p.parse::<u32>().unwrap())
                        .collect::<Vec<_>>()
                };
                n(w[0]) < n(w[1])
            }),
            "in catalogue order: {controls:?}"
        );

        // 8.5: the host's item, collected today, valid for the shortest cadence, failing.
        let row = row_8_5(&app, &viewer).await;
        assert_eq!(row["evidence_state"], "failing", "{row}");
        assert!(
            row["warnings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|w| w == "evidence_failing"),
            "{row}"
        );
        let failing = &row["evidence_failing"][0];
        assert!(
            failing["failing"]
                .as_str()
                .unwrap()
                .contains("ssh.root-login"),
            "{failing}"
        );
        let ids = soa_evidence(&row);
        assert_eq!(ids.len(), 1);
        let id = ids[0].clone();
        let item = evidence_item(&app, &viewer, &id).await;
        assert_eq!(item["host"], "web-01");
        assert_eq!(item["state"], "failing");
        assert_eq!(item["controls"], serde_json::json!(["8.5"]));
        assert_eq!(item["collected_at"], today.as_str());
        assert_eq!(
            item["valid_until"],
            add_days(&today, cadence_of(&report, "8.5")).as_str()
        );
        let description = item["description"].as_str().unwrap();
        assert!(description.contains("FAIL ssh.root-login"), "{description}");
        assert!(
            description.contains("pass ssh.password-auth") || description.contains("pass ssh."),
            "{description}"
        );

        // The evidence list finds it by state; the item cannot be edited by hand.
        let list = app
            .get("/api/v1/evidence?state=failing", Auth::Bearer(&viewer))
            .await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        let list = list.json();
        let listed: Vec<&str> = list["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert!(listed.contains(&id.as_str()), "{list}");
        let valid = app
            .get("/api/v1/evidence?state=valid", Auth::Bearer(&viewer))
            .await
            .json();
        assert!(!valid.to_string().contains(&format!("\"{id}\"")), "{valid}");
        let res = app
            .put_json(
                &format!("/api/v1/evidence/{id}"),
                Auth::Bearer(&owner),
                serde_json::json!({"title": "mine now", "url": "https://example.org/x"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(
            res.body.contains("filed by the scans of host web-01"),
            "{}",
            res.body
        );

        // The next report with 8.5's checks fixed refreshes the same item: the control passes.
        let fixed = with_outcome(&report, "8.5", "pass");
        submit(&app, &agent, fixed.clone()).await;
        let row = row_8_5(&app, &viewer).await;
        assert_eq!(
            soa_evidence(&row),
            vec![id.clone()],
            "the same item, refreshed"
        );
        assert_ne!(row["evidence_state"], "failing", "{row}");
        assert!(row["evidence_failing"].as_array().unwrap().is_empty());
        let item = evidence_item(&app, &viewer, &id).await;
        assert_eq!(item["failing"], "");
        let history = app
            .store
            .audit_entries(
                &AuditFilter {
                    object_type: Some("evidence".into()),
                    object_id: Some(id.clone()),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        let actions: Vec<&str> = history.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions, ["evidence.update", "evidence.create"]);

        // A second host that fails makes the control fail again, with its own item.
        let (db_agent, _) = token_with_id(&app, Role::Agent).await;
        let mut db = report.clone();
        db["host"] = "db-01".into();
        submit(&app, &db_agent, db).await;
        let row = row_8_5(&app, &viewer).await;
        assert_eq!(soa_evidence(&row).len(), 2);
        assert_eq!(row["evidence_state"], "failing");
        assert_eq!(row["evidence_failing"].as_array().unwrap().len(), 1);
        assert!(
            row["evidence_failing"][0]["title"]
                .as_str()
                .unwrap()
                .contains("db-01")
        );

        // Evidence added by hand that proves the control keeps it evidenced, counted apart
        // from the scans; the failing host still raises its own warning.
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&owner),
                &[
                    ("title", "Hardening review, signed"),
                    ("controls", "8.5"),
                    ("valid_until", "2099-12-31"),
                ],
                Some(("review.txt", b"signed by the CISO")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let row = row_8_5(&app, &viewer).await;
        assert_eq!(row["evidence_state"], "valid", "{row}");
        let warnings = row["warnings"].as_array().unwrap();
        assert!(warnings.iter().any(|w| w == "evidence_failing"), "{row}");
        assert!(!warnings.iter().any(|w| w == "no_valid_evidence"), "{row}");
        assert_eq!(row["evidence_failing"].as_array().unwrap().len(), 1);

        // A report of an older scan does not overwrite the newer evidence.
        let mut old = with_outcome(&report, "8.5", "fail");
        old["scanned_at"] = "2020-01-01T00:00:00Z".into();
        submit(&app, &agent, old).await;
        let item = evidence_item(&app, &viewer, &id).await;
        assert_eq!(item["failing"], "", "{item}");
    });
}

#[tokio::test]
async fn people_see_the_failure_on_the_soa_row_and_the_evidence_page() {
    let report = report_of("web-01");
    on_every_database!(|app| {
        app.set_up().await;
        let (agent, _) = token_with_id(&app, Role::Agent).await;
        submit(&app, &agent, report.clone()).await;
        decide_applicable(&app, &app.token_as(Role::Admin).await).await;
        let editor = app.browser_as(Role::Admin).await;
        let page = app
            .get("/soa/iso27002-2022/8.5", Auth::Browser(&editor))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Failing on 1 host"), "{}", page.body);
        assert!(page.body.contains("scans of <a href=\"/hosts/web-01\">"));
        assert!(page.body.contains("ssh.root-login"));
        assert!(page.body.contains("an automated check shows it failing"));
        let soa = app.get("/soa", Auth::Browser(&editor)).await;
        assert!(soa.body.contains("ev-failing"), "the SoA list marks it");

        let id = annex::registers::soa::service::row(
            &crate::harness::operator(&app.store),
            "iso27002-2022",
            "8.5",
        )
        .await
        .unwrap()
        .evidence[0]
            .evidence_id
            .clone();
        let page = app
            .get(&format!("/evidence/{id}"), Auth::Browser(&editor))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Filed by the scans of host"),
            "{}",
            page.body
        );
        assert!(page.body.contains("href=\"/hosts/web-01\""));
        assert!(
            !page.body.contains(&format!("/evidence/{id}/edit")),
            "no edit for an item the scans keep"
        );
        let edit = app
            .post_form(
                &format!("/evidence/{id}"),
                Auth::Browser(&editor),
                &[("title", "mine"), ("url", "https://example.org/x")],
            )
            .await;
        assert_ne!(edit.status, StatusCode::SEE_OTHER, "{}", edit.body);
        let list = app
            .get("/evidence?state=failing", Auth::Browser(&editor))
            .await;
        assert!(list.body.contains(&id), "{}", list.body);

        // The host's page lists what it evidences, the failing control among it.
        let host = app.get("/hosts/web-01", Auth::Browser(&editor)).await;
        assert_eq!(host.status, StatusCode::OK);
        assert!(host.body.contains("Evidence on the SoA"), "{}", host.body);
        assert!(host.body.contains("href=\"/soa/iso27002-2022/8.5\""));
        assert!(host.body.contains(&format!("href=\"/evidence/{id}\"")));
        assert!(host.body.contains("ev-failing"));
    });
}

#[tokio::test]
async fn a_report_naming_an_unknown_control_is_refused_whole() {
    let mut report = report_of("web-01");
    report["findings"][2]["controls"] = serde_json::json!(["8.5", "A.9.4.2"]);
    on_every_database!(|app| {
        let (agent, _) = token_with_id(&app, Role::Agent).await;
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&agent), report.clone())
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let body = res.json();
        assert_eq!(body["error"]["details"][0]["field"], "findings[2].controls");
        assert!(
            body["error"]["details"][0]["message"]
                .as_str()
                .unwrap()
                .contains("A.9.4.2")
        );
        let mut bad = report_of("web-01");
        bad["findings"][0]["cadence_days"] = 0.into();
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&agent), bad)
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.json()["error"]["details"][0]["field"],
            "findings[0].cadence_days"
        );
        assert!(app.store.hosts().await.unwrap().is_empty());
        let (items, _) = app
            .store
            .list_evidence(&annex::registers::evidence::domain::EvidenceFilter {
                limit: 10,
                ..Default::default()
            })
            .await
            .unwrap();
        assert!(items.is_empty(), "nothing half-written");
    });
}

#[tokio::test]
async fn a_revoked_agent_token_hands_its_host_to_a_new_one() {
    let report = report_of("web-01");
    on_every_database!(|app| {
        let (old, old_id) = token_with_id(&app, Role::Agent).await;
        let (new, new_id) = token_with_id(&app, Role::Agent).await;
        submit(&app, &old, report.clone()).await;
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&new), report.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert!(
            res.json()["error"]["message"]
                .as_str()
                .unwrap()
                .contains("host web-01 reports with another agent token"),
            "the refusal says why"
        );
        app.store.revoke_token("test", &old_id).await.unwrap();
        submit(&app, &new, report.clone()).await;
        let hosts = app.store.hosts().await.unwrap();
        assert_eq!(hosts[0].token_id.as_deref(), Some(new_id.as_str()));
    });
}

#[tokio::test]
async fn scan_evidence_is_valid_until_it_expires_never_expiring_soon() {
    let mut report = with_outcome(&report_of("web-01"), "8.5", "pass");
    for f in report["findings"].as_array_mut().unwrap() {
        f["cadence_days"] = 20.into();
    }
    on_every_database!(|app| {
        let (agent, _) = token_with_id(&app, Role::Agent).await;
        let viewer = app.token_as(Role::Viewer).await;
        submit(&app, &agent, report.clone()).await;
        let row = row_8_5(&app, &viewer).await;
        // It ends in 20 days, but the next report refreshes it: valid, not expiring soon.
        assert_eq!(row["evidence_state"], "valid", "{row}");
        let id = soa_evidence(&row)[0].clone();
        let item = evidence_item(&app, &viewer, &id).await;
        assert_eq!(item["state"], "valid");
        let listed = |body: Value| body.to_string().contains(&format!("\"{id}\""));
        for (query, expected) in [
            ("state=valid", true),
            ("state=expiring", false),
            ("expiring=30", false),
            ("state=failing", false),
        ] {
            let res = app
                .get(&format!("/api/v1/evidence?{query}"), Auth::Bearer(&viewer))
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert_eq!(listed(res.json()), expected, "?{query}");
        }
    });
}

#[tokio::test]
async fn a_control_its_checks_no_longer_decide_stops_failing_and_ends() {
    let report = report_of("web-01");
    let mut earlier = report.clone();
    let three_days_ago = time::OffsetDateTime::now_utc() - time::Duration::days(3);
    earlier["scanned_at"] = three_days_ago
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap()
        .into();
    // Today sshd and PAM are gone: every check of 8.5 is not applicable.
    let undecided = with_outcome(&report, "8.5", "not_applicable");
    on_every_database!(|app| {
        let (agent, _) = token_with_id(&app, Role::Agent).await;
        let viewer = app.token_as(Role::Viewer).await;
        submit(&app, &agent, earlier.clone()).await;
        let row = row_8_5(&app, &viewer).await;
        assert_eq!(row["evidence_state"], "failing", "{row}");
        let id = soa_evidence(&row)[0].clone();

        submit(&app, &agent, undecided.clone()).await;
        let row = row_8_5(&app, &viewer).await;
        assert_eq!(row["evidence_state"], "expired", "{row}");
        assert!(row["evidence_failing"].as_array().unwrap().is_empty());
        let item = evidence_item(&app, &viewer, &id).await;
        assert_eq!(item["failing"], "");
        assert_eq!(
            item["valid_until"],
            add_days(&app.store.today(), -1).as_str(),
            "it ended with the day before the scan that could not decide"
        );
        assert!(
            item["description"]
                .as_str()
                .unwrap()
                .contains("could not decide"),
            "{item}"
        );
        // The same again changes nothing more.
        let before = app
            .store
            .audit_entries(&AuditFilter::default(), 1000)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.object_id == id)
            .count();
        submit(&app, &agent, undecided.clone()).await;
        let after = app
            .store
            .audit_entries(&AuditFilter::default(), 1000)
            .await
            .unwrap()
            .iter()
            .filter(|e| e.object_id == id)
            .count();
        assert_eq!(before, after);
    });
}
