//! Acknowledgement of a published policy: its owner requires it of some departments; each
//! person acknowledges through their personal link without an account (or signed in); the
//! counts per department follow; a link altered, expired or for a leaver opens nothing; a new
//! version asks again; roles and bad input.

use crate::harness::{Auth, Browser, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn day(offset: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(offset)).to_string()
}

async fn add(app: &TestApp, token: &str, body: Value) -> String {
    let res = app
        .post_json("/api/v1/people", Auth::Bearer(token), body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_string()
}

/// A published policy from a template, approved by `approver`.
pub async fn published_policy(
    app: &TestApp,
    manager: &str,
    approver: &str,
    template: &str,
) -> String {
    let approver_token = app.token_for(approver).await;
    let res = app
        .post_json(
            "/api/v1/documents",
            Auth::Bearer(manager),
            json!({"template": template, "approver": approver}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = res.json()["id"].as_str().unwrap().to_string();
    for (who, step) in [
        (manager, "submit"),
        (approver_token.as_str(), "approve"),
        (manager, "publish"),
    ] {
        let res = app
            .post_json(
                &format!("/api/v1/documents/{id}/steps"),
                Auth::Bearer(who),
                json!({"step": step}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{step}: {}", res.body);
    }
    id
}

/// An anonymous browser that opened a page (it holds the page's CSRF cookie).
pub async fn anonymous_at(app: &TestApp, path: &str) -> (crate::harness::Res, Browser) {
    let page = app.get(path, Auth::None).await;
    let csrf = page.csrf();
    let cookie = page
        .cookie("annex_csrf")
        .map(|c| format!("annex_csrf={c}"))
        .unwrap_or_default();
    (page, Browser { cookie, csrf })
}

#[tokio::test]
async fn staff_acknowledge_a_published_policy_through_their_personal_links() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let approver = app.add_user(Role::Viewer).await;
        let viewer_email = app.add_user(Role::Viewer).await;
        let viewer = app.token_for(&viewer_email).await;
        let contributor = app.token_as(Role::Contributor).await;
        let ana = add(
            &app,
            &manager,
            json!({"name": "Ana Lima", "department": "Finance", "email": viewer_email}),
        )
        .await;
        let jan = add(
            &app,
            &manager,
            json!({"name": "Jan Dvořák", "department": "Finance"}),
        )
        .await;
        let eve = add(
            &app,
            &manager,
            json!({"name": "Ελένη Ρήγα", "department": "Finance"}),
        )
        .await;
        let _it = add(&app, &manager, json!({"name": "Ivo", "department": "IT"})).await;
        let _later = add(
            &app,
            &manager,
            json!({"name": "Newcomer", "department": "Finance", "started_on": day(20)}),
        )
        .await;
        let gone = add(&app, &manager, json!({"name": "Gone", "department": "Finance", "started_on": "2019-01-01", "left_on": day(-200)})).await;
        let policy = published_policy(&app, &manager, &approver, "acceptable-use").await;

        // Bad input is named; a contributor who does not own it may not require it.
        let res = app
            .put_json(
                &format!("/api/v1/documents/{policy}/acknowledgement"),
                Auth::Bearer(&manager),
                json!({"required": true, "scope": "departments", "days": 0}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("groups") && res.body.contains("days"),
            "{}",
            res.body
        );
        let res = app
            .put_json(
                &format!("/api/v1/documents/{policy}/acknowledgement"),
                Auth::Bearer(&contributor),
                json!({"required": true}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .put_json(
                &format!("/api/v1/documents/{policy}/acknowledgement"),
                Auth::Bearer(&manager),
                json!({"required": true, "scope": "departments", "groups": ["Finance"], "days": 10}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let s = res.json();
        // Ana, Jan and Eleni: not the newcomer (not started), not the leaver, not IT.
        assert_eq!(
            (s["required"].as_i64(), s["acknowledged"].as_i64()),
            (Some(3), Some(0)),
            "{s}"
        );
        assert_eq!(s["departments"][0]["department"], "Finance");

        // Jan acknowledges through his personal link, without an account.
        let res = app
            .post_json(
                &format!("/api/v1/people/{jan}/link"),
                Auth::Bearer(&manager),
                json!({"days": 7}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let link = res.json();
        assert_eq!(link["valid_until"], day(7));
        let path = link["path"].as_str().unwrap().to_string();
        let (page, browser) = anonymous_at(&app, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("Jan Dvořák") && page.body.contains("Acceptable use"),
            "{}",
            page.body
        );
        assert!(page.body.contains("I have read and understood version 1"));
        let res = app
            .post_form(
                &format!("{path}/documents/{policy}"),
                Auth::Browser(&browser),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get(&path, Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("You acknowledged this version"),
            "{}",
            page.body
        );
        // Twice is once.
        let res = app
            .post_form(
                &format!("{path}/documents/{policy}"),
                Auth::Browser(&browser),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        let trail = app.audit_of("document", 20).await;
        let acks: Vec<_> = trail
            .iter()
            .filter(|e| e.action == "document.acknowledge")
            .collect();
        assert_eq!(acks.len(), 1, "{trail:?}");
        assert_eq!(acks[0].actor, format!("link:{jan}"));

        // Ana acknowledges signed in (the directory knows her e-mail); a form without CSRF fails.
        let res = app
            .post_json(
                &format!("/api/v1/documents/{policy}/acknowledgements"),
                Auth::Bearer(&viewer),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        // A viewer may not record someone else's.
        let res = app
            .post_json(
                &format!("/api/v1/documents/{policy}/acknowledgements"),
                Auth::Bearer(&viewer),
                json!({"person": eve}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        // The IT person is not asked.
        let res = app
            .post_json(
                &format!("/api/v1/documents/{policy}/acknowledgements"),
                Auth::Bearer(&manager),
                json!({"person": _it}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

        let s = app
            .get(
                &format!("/api/v1/documents/{policy}/acknowledgement"),
                Auth::Bearer(&viewer),
            )
            .await
            .json();
        assert_eq!(
            (s["required"].as_i64(), s["acknowledged"].as_i64()),
            (Some(3), Some(2)),
            "{s}"
        );
        // Names are personal data: the viewer reads the counts, not the list.
        let res = app
            .get(
                &format!("/api/v1/documents/{policy}/acknowledgements"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .get(
                &format!("/api/v1/documents/{policy}/acknowledgements?state=pending"),
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let pending = res.json();
        assert_eq!(pending["total"], 1);
        assert_eq!(pending["items"][0]["person_id"], eve.as_str());
        assert_eq!(pending["items"][0]["due_on"], day(10));
        let res = app
            .get(
                &format!("/api/v1/documents/{policy}/acknowledgements?state=late"),
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);

        // The pages: the document's card, the status page by department, the reminder links.
        let browser = app.browser_as(Role::Manager).await;
        let page = app
            .get(&format!("/documents/{policy}"), Auth::Browser(&browser))
            .await;
        assert!(
            page.body.contains("2 of 3</strong> acknowledged version 1"),
            "{}",
            page.body
        );
        let page = app
            .get(
                &format!("/documents/{policy}/acknowledgements"),
                Auth::Browser(&browser),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Ελένη Ρήγα") && page.body.contains("Finance"));
        let res = app
            .post_form(
                &format!("/documents/{policy}/reminders"),
                Auth::Browser(&browser),
                &[("days", "14")],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(
            res.body.contains("Ελένη Ρήγα") && res.body.contains("/for/"),
            "{}",
            res.body
        );
        assert!(
            !res.body.contains("Jan Dvořák"),
            "only those who have not acknowledged"
        );

        // Altered, expired, or a leaver's link: refused, and too many bad ones wait.
        let altered = path.replacen("/for/2", "/for/3", 1);
        let res = app.get(&altered, Auth::None).await;
        assert_eq!(res.status, StatusCode::GONE, "{}", res.body);
        assert!(res.body.contains("This link is not valid"), "{}", res.body);
        let res = app
            .post_json(
                &format!("/api/v1/people/{gone}/link"),
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = app
            .post_json(
                &format!("/api/v1/people/{jan}/link"),
                Auth::Bearer(&manager),
                json!({"days": 0}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let mut throttled = false;
        for i in 0..30 {
            let res = app
                .get(&format!("/for/20991231.{i:0128}.50"), Auth::None)
                .await;
            if res.status == StatusCode::TOO_MANY_REQUESTS {
                throttled = true;
                break;
            }
            assert_eq!(res.status, StatusCode::GONE);
        }
        assert!(throttled, "invalid links from one address are throttled");

        // A new version asks again.
        let approver_token = app.token_for(&approver).await;
        for (who, step) in [
            (&manager, "revise"),
            (&manager, "submit"),
            (&approver_token, "approve"),
            (&manager, "publish"),
        ] {
            let res = app
                .post_json(
                    &format!("/api/v1/documents/{policy}/steps"),
                    Auth::Bearer(who),
                    json!({"step": step}),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{step}: {}", res.body);
        }
        let s = app
            .get(
                &format!("/api/v1/documents/{policy}/acknowledgement"),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(
            (s["version"].as_i64(), s["acknowledged"].as_i64()),
            (Some(2), Some(0)),
            "{s}"
        );
        let _ = ana;
    });
}

#[tokio::test]
async fn the_command_line_requires_acknowledgement_makes_links_and_reports() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let approver = app.add_user(Role::Viewer).await;
        let ana = add(
            &app,
            &manager,
            json!({"name": "Ana Lima", "department": "Finance"}),
        )
        .await;
        let policy = published_policy(&app, &manager, &approver, "clear-desk").await;
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let ok = |out: std::process::Output| {
            assert!(
                out.status.success(),
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).to_string()
        };
        let said = ok(annex(&[
            "document",
            "require-ack",
            &policy,
            "--scope",
            "departments",
            "--groups",
            "Finance",
            "--days",
            "7",
        ]));
        assert!(said.contains("asks departments Finance"), "{said}");
        let said = ok(annex(&["person", "link", &ana, "--days", "5"]));
        assert!(
            said.starts_with("/for/") && said.contains(&format!("valid until {}", day(5))),
            "{said}"
        );
        let said = ok(annex(&["document", "acks", &policy]));
        assert!(
            said.contains("0 of 1 acknowledged") && said.contains("Ana Lima"),
            "{said}"
        );
        let out = annex(&["document", "acks", &policy, "--state", "late"]);
        assert_eq!(out.status.code(), Some(3));
    });
}
