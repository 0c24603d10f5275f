//! Approved versions of the Statement of Applicability and the documents an auditor gets:
//! an approval freezes every row (the database refuses to change it, a tampered one is
//! flagged), versions are compared field by field, the approval is in the audit trail, only
//! managers and admins approve, and a version exports to XLSX, PDF and CSV from the pages,
//! the API and the command line.

use crate::harness::{Auth, Backend, Browser, Res, TestApp};
use crate::on_every_database;
use crate::pdf_read;
use annex::domain::user::Role;
use annex::registers::soa::exchange::SOA_COLUMNS;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};
use std::collections::BTreeMap;

// Greek, Czech, Russian and Japanese: every export must keep them (the PDF embeds fonts).
const ORGANISATION: &str = "Ασφάλεια & Řízení s.r.o.";
const SCOPE: &str = "Интернет-магазин, два офиса и поддержка; 東京事務所";
const JUSTIFICATION_7_4: &str =
    "Το κέντρο δεδομένων το λειτουργεί ο πάροχος φιλοξενίας (Hetzner), με πιστοποιητικό ISO 27001.";
/// The Japanese part of the scope, shown only where the server has a font for it.
const JAPANESE: &str = "東京事務所";
const JUSTIFICATION_7_5: &str = "No premises of our own host equipment.";
const EVIDENCE_TITLE: &str = "Backup restore test Q1";
const COLLECTED: &str = "2025-01-15";
const VALID_UNTIL: &str = "2099-12-31";

/// A minimal, valid PDF file, to upload as evidence.
pub const SMALL_PDF: &[u8] = b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

/// Sends a multipart form (text fields, then an optional `file`) with a bearer token.
async fn post_multipart(
    app: &TestApp,
    path: &str,
    token: &str,
    fields: &[(&str, &str)],
    file: Option<(&str, &[u8])>,
) -> Res {
    let boundary = "annex-soa-versions-boundary-3fT9q";
    let mut body = Vec::new();
    for (k, v) in fields {
        body.extend_from_slice(
            format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    if let Some((name, bytes)) = file {
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/pdf\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(b"\r\n");
    }
    body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
    let req = Request::post(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(
            header::CONTENT_TYPE,
            format!("multipart/form-data; boundary={boundary}"),
        )
        .body(Body::from(body))
        .unwrap();
    app.send(req).await
}

async fn put_decision(app: &TestApp, token: &str, id: &str, body: Value) -> Value {
    let res = app
        .put_json(
            &format!("/api/v1/soa/iso27002-2022/{id}"),
            Auth::Bearer(token),
            body,
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "deciding {id}: {}", res.body);
    res.json()
}

/// What the stories start from: Annex set up for Acme Ltd with its scope, and three
/// decisions — 5.1 and 8.13 applicable (8.13 proven by a PDF), 7.4 excluded with a
/// justification. Answers the admin's browser, a manager's token and the evidence id.
async fn decided(app: &TestApp) -> (Browser, String, String) {
    let admin = app.set_up().await;
    let saved = app
        .post_form(
            "/admin/settings",
            Auth::Browser(&admin),
            &[("organisation", ORGANISATION), ("isms_scope", SCOPE)],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
    assert_eq!(app.store.isms_scope().await.unwrap(), SCOPE);
    let manager = app.token_as(Role::Manager).await;

    put_decision(
        app,
        &manager,
        "5.1",
        json!({"applicable": "yes", "reasons": ["business", "legal"], "status": "implemented", "maturity": 3, "owner": "ciso@example.org"}),
    )
    .await;
    put_decision(
        app,
        &manager,
        "8.13",
        json!({"applicable": "yes", "reasons": ["risk_treatment", "legal"], "status": "implemented", "maturity": 2, "owner": "ops@example.org"}),
    )
    .await;
    put_decision(
        app,
        &manager,
        "7.4",
        json!({"applicable": "no", "exclusion_reason": "outsourced", "justification": JUSTIFICATION_7_4}),
    )
    .await;
    let res = post_multipart(
        app,
        "/api/v1/evidence",
        &manager,
        &[
            ("title", EVIDENCE_TITLE),
            ("collected_at", COLLECTED),
            ("valid_until", VALID_UNTIL),
            ("controls", "8.13"),
        ],
        Some(("restore-test.pdf", SMALL_PDF)),
    )
    .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let evidence = res.json()["id"].as_str().unwrap().to_string();
    let row = app
        .get("/api/v1/soa/iso27002-2022/8.13", Auth::Bearer(&manager))
        .await
        .json();
    assert_eq!(row["evidence"][0]["evidence_id"], evidence.as_str());
    assert_eq!(row["evidence_state"], "valid");
    (admin, manager, evidence)
}

async fn approve(app: &TestApp, token: &str, note: &str) -> Value {
    let res = app
        .post_json(
            "/api/v1/soa/versions",
            Auth::Bearer(token),
            json!({ "note": note }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

fn row<'a>(rows: &'a Value, id: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"]["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

fn is_sha256_hex(s: &str) -> bool {
    s.len() == 64
        && s.chars()
            .all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase())
}

/// control id → field → (before, after), from a diff's JSON.
fn changes_of(diff: &Value) -> BTreeMap<String, BTreeMap<String, (String, String)>> {
    diff.as_array()
        .unwrap_or_else(|| panic!("a diff is a list: {diff}"))
        .iter()
        .map(|c| {
            let fields = c["changes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|f| {
                    (
                        f["field"].as_str().unwrap().to_string(),
                        (
                            f["before"].as_str().unwrap().to_string(),
                            f["after"].as_str().unwrap().to_string(),
                        ),
                    )
                })
                .collect();
            (c["control_id"].as_str().unwrap().to_string(), fields)
        })
        .collect()
}

fn pair(before: &str, after: &str) -> (String, String) {
    (before.to_string(), after.to_string())
}

/// Runs one statement on the test database directly, bypassing Annex.
async fn execute(app: &TestApp, sql: &str) -> Result<u64, sqlx::Error> {
    match app.db.backend {
        Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
            let r = sqlx::query(sql).execute(&pool).await;
            pool.close().await;
            r.map(|r| r.rows_affected())
        }
        Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            let r = sqlx::query(sql).execute(&pool).await;
            pool.close().await;
            r.map(|r| r.rows_affected())
        }
    }
}

#[tokio::test]
async fn soa_versions_an_approval_is_a_frozen_snapshot_compared_field_by_field() {
    on_every_database!(|app| {
        let (admin, manager, evidence) = decided(&app).await;
        let none = app
            .get("/api/v1/soa/versions", Auth::Bearer(&manager))
            .await;
        assert_eq!(none.json(), json!([]));

        let v1 = approve(&app, &manager, "Management review 2026-01, minutes MR-1").await;
        assert_eq!(v1["version"], 1);
        assert_eq!(v1["framework"], "iso27002-2022");
        assert_eq!(v1["intact"], true);
        assert_eq!(v1["note"], "Management review 2026-01, minutes MR-1");
        assert!(v1["approved_by"].as_str().unwrap().starts_with("manager-"));
        let hash1 = v1["content_hash"].as_str().unwrap().to_string();
        assert!(is_sha256_hex(&hash1), "{hash1}");

        // The live SoA moves on: 8.13 slips and changes hands, 7.5 is excluded too.
        put_decision(
            &app,
            &manager,
            "8.13",
            json!({"applicable": "yes", "reasons": ["risk_treatment", "legal"], "status": "partially_implemented", "maturity": 2, "owner": "backup-team@example.org"}),
        )
        .await;
        put_decision(
            &app,
            &manager,
            "7.5",
            json!({"applicable": "no", "exclusion_reason": "not_relevant", "justification": JUSTIFICATION_7_5}),
        )
        .await;

        // Version 1 still holds what was approved.
        let got = app
            .get("/api/v1/soa/versions/1", Auth::Bearer(&manager))
            .await;
        assert_eq!(got.status, StatusCode::OK, "{}", got.body);
        let got = got.json();
        assert_eq!(got["version"], 1);
        assert_eq!(got["content_hash"], hash1.as_str());
        assert_eq!(got["intact"], true);
        assert_eq!(got["snapshot"]["organisation"], ORGANISATION);
        assert_eq!(got["snapshot"]["scope"], SCOPE);
        let rows = &got["snapshot"]["rows"];
        assert_eq!(rows.as_array().unwrap().len(), 93);
        let r813 = row(rows, "8.13");
        assert_eq!(r813["applicability"]["status"], "implemented");
        assert_eq!(r813["applicability"]["owner"], "ops@example.org");
        assert_eq!(r813["evidence"][0]["evidence_id"], evidence.as_str());
        assert_eq!(r813["evidence"][0]["valid_until"], VALID_UNTIL);
        assert_eq!(r813["evidence_state"], "valid");
        assert_eq!(row(rows, "7.5")["applicability"]["applicable"], Value::Null);
        assert_eq!(row(rows, "7.4")["applicability"]["applicable"], false);
        assert_eq!(
            row(rows, "7.4")["applicability"]["justification"],
            JUSTIFICATION_7_4
        );
        // ... and the live SoA what was changed.
        let live = app
            .get("/api/v1/soa/iso27002-2022/8.13", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(live["applicability"]["status"], "partially_implemented");

        // The page of version 1 shows it frozen, with a banner.
        let page = app.get("/soa?version=1", Auth::Browser(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("<strong>Version 1</strong>"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains(&hash1),
            "the banner shows the checked hash"
        );
        assert_eq!(
            app.get("/soa?version=7", Auth::Browser(&admin))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Version 2 freezes the new state.
        let v2 = approve(&app, &manager, "").await;
        assert_eq!(v2["version"], 2);
        let hash2 = v2["content_hash"].as_str().unwrap().to_string();
        assert!(is_sha256_hex(&hash2));
        assert_ne!(hash1, hash2);
        let list = app
            .get("/api/v1/soa/versions", Auth::Bearer(&manager))
            .await
            .json();
        let listed: Vec<i64> = list
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v["version"].as_i64().unwrap())
            .collect();
        assert_eq!(listed, [2, 1], "newest first");
        let got2 = app
            .get("/api/v1/soa/versions/2", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(
            row(&got2["snapshot"]["rows"], "8.13")["applicability"]["owner"],
            "backup-team@example.org"
        );

        // The comparison lists exactly the changed controls, each field before and after.
        let expected = BTreeMap::from([
            (
                "7.5".to_string(),
                BTreeMap::from([
                    ("applicable".to_string(), pair("", "no")),
                    ("exclusion_reason".to_string(), pair("", "not_relevant")),
                    ("justification".to_string(), pair("", JUSTIFICATION_7_5)),
                    ("status".to_string(), pair("not_started", "not_applicable")),
                ]),
            ),
            (
                "8.13".to_string(),
                BTreeMap::from([
                    (
                        "status".to_string(),
                        pair("implemented", "partially_implemented"),
                    ),
                    (
                        "owner".to_string(),
                        pair("ops@example.org", "backup-team@example.org"),
                    ),
                ]),
            ),
        ]);
        let d12 = app
            .get("/api/v1/soa/diff?from=1&to=2", Auth::Bearer(&manager))
            .await;
        assert_eq!(d12.status, StatusCode::OK, "{}", d12.body);
        assert_eq!(changes_of(&d12.json()), expected, "{}", d12.body);
        let d1now = app
            .get("/api/v1/soa/diff?from=1", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(changes_of(&d1now), expected, "from 1 to the current state");
        let d2now = app
            .get("/api/v1/soa/diff?from=2", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(d2now, json!([]), "nothing changed since version 2");
        let d21 = app
            .get("/api/v1/soa/diff?from=2&to=1", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(
            changes_of(&d21)["8.13"]["owner"],
            pair("backup-team@example.org", "ops@example.org"),
            "backwards too"
        );
        // The page says the same.
        let page = app
            .get("/soa/diff?from=1&to=2", Auth::Browser(&admin))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("backup-team@example.org") && page.body.contains(JUSTIFICATION_7_5),
            "{}",
            page.body
        );
        for bad in ["from=x", "to=2", "from=", "from=0"] {
            let res = app
                .get(&format!("/api/v1/soa/diff?{bad}"), Auth::Bearer(&manager))
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.body);
            assert_eq!(res.json()["error"]["details"][0]["field"], "from", "{bad}");
        }
        assert_eq!(
            app.get("/api/v1/soa/diff?from=1&to=9", Auth::Bearer(&manager))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/api/v1/soa/versions/9", Auth::Bearer(&manager))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // The database itself refuses to change or remove a version.
        for sql in [
            "update soa_version set note = 'rewritten' where version = 1",
            "update soa_version set snapshot = '{}', content_hash = 'x'",
            "delete from soa_version where version = 1",
            "delete from soa_version",
        ] {
            let refused = execute(&app, sql).await;
            let err = refused
                .expect_err(&format!("{sql} must be refused"))
                .to_string();
            assert!(
                err.contains("Statement of Applicability cannot be"),
                "{sql}: {err}"
            );
        }
        let still = app.store.soa_version("iso27002-2022", 1).await.unwrap().0;
        assert_eq!(still.note, "Management review 2026-01, minutes MR-1");
        assert_eq!(still.content_hash, hash1);
        assert!(still.intact);
        assert_eq!(
            app.store.soa_versions("iso27002-2022").await.unwrap().len(),
            2
        );

        // Someone with the database's owner rights lifts the guard and edits version 1:
        // the rechecked hash no longer matches, and every view says so.
        let (off, on) = match app.db.backend {
            Backend::Sqlite => ("drop trigger soa_version_no_update", None),
            Backend::Postgres => (
                "alter table soa_version disable trigger soa_version_immutable",
                Some("alter table soa_version enable trigger soa_version_immutable"),
            ),
        };
        execute(&app, off).await.unwrap();
        let n = execute(
            &app,
            "update soa_version set snapshot = replace(snapshot, 'ops@example.org', 'eve@example.org') where version = 1",
        )
        .await
        .unwrap();
        assert_eq!(n, 1);
        if let Some(on) = on {
            execute(&app, on).await.unwrap();
        }
        let tampered = app
            .get("/api/v1/soa/versions/1", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(tampered["intact"], false);
        assert_eq!(tampered["content_hash"], hash1.as_str());
        let v2_now = app
            .get("/api/v1/soa/versions/2", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(v2_now["intact"], true, "only version 1 was touched");
        let page = app.get("/soa/versions", Auth::Browser(&admin)).await;
        assert!(page.body.contains("no longer matches"), "{}", page.body);
        let page = app.get("/soa?version=1", Auth::Browser(&admin)).await;
        assert!(
            page.body
                .contains("its content no longer matches its SHA-256"),
            "{}",
            page.body
        );
    });
}

#[tokio::test]
async fn soa_versions_each_approval_is_audited_with_its_content_hash() {
    on_every_database!(|app| {
        let (_admin, manager, _) = decided(&app).await;
        let v1 = approve(&app, &manager, "MR-1").await;
        let entries = app.audit_of("soa_version", 10).await;
        assert_eq!(entries.len(), 1, "{entries:?}");
        let e = &entries[0];
        assert_eq!(e.action, "soa.approve");
        assert_eq!(e.object_id, "iso27002-2022:1");
        assert_eq!(e.actor, v1["approved_by"].as_str().unwrap());
        assert!(e.before.is_none());
        let after: Value = serde_json::from_str(e.after.as_deref().unwrap()).unwrap();
        assert_eq!(after["content_hash"], v1["content_hash"]);
        assert_eq!(after["version"], 1);
        assert_eq!(after["note"], "MR-1");
        // The trail still verifies after the approval.
        assert!(
            app.store
                .verify_audit_trail()
                .await
                .unwrap()
                .first_break
                .is_none()
        );
        // An auditor finds it through the API too.
        let auditor = app.token_as(Role::Auditor).await;
        let res = app
            .get(
                "/api/v1/audit?object_type=soa_version",
                Auth::Bearer(&auditor),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(
            res.body.contains(v1["content_hash"].as_str().unwrap()),
            "{}",
            res.body
        );
    });
}

#[tokio::test]
async fn soa_versions_only_managers_and_admins_approve_and_only_when_they_confirm() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let count = |app: &TestApp| {
            let store = app.store.clone();
            async move { store.soa_versions("iso27002-2022").await.unwrap().len() }
        };
        for role in [Role::Viewer, Role::Auditor, Role::Contributor] {
            let token = app.token_as(role).await;
            let res = app
                .post_json(
                    "/api/v1/soa/versions",
                    Auth::Bearer(&token),
                    json!({"note": "not mine to approve"}),
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role}: {}", res.body);
            // Reading is fine.
            let res = app.get("/api/v1/soa/versions", Auth::Bearer(&token)).await;
            assert_eq!(res.status, StatusCode::OK, "{role}");
            let browser = app.browser_as(role).await;
            let page = app.get("/soa/versions", Auth::Browser(&browser)).await;
            assert_eq!(page.status, StatusCode::OK, "{role}");
            assert!(
                !page.body.contains("action=\"/soa/versions\""),
                "{role} is not offered the approval form"
            );
            let res = app
                .post_form(
                    "/soa/versions",
                    Auth::Browser(&browser),
                    &[("confirm", "yes"), ("note", "not mine")],
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role}: {}", res.body);
        }
        assert_eq!(count(&app).await, 0);

        let manager = app.browser_as(Role::Manager).await;
        // A decision saved through the form says so on the page it lands on.
        let saved = app
            .post_form(
                "/soa/iso27002-2022/5.1",
                Auth::Browser(&manager),
                &[
                    ("applicable", "yes"),
                    ("reasons", "business"),
                    ("status", "planned"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        assert_eq!(saved.location(), "/soa/iso27002-2022/5.1?notice=soa-saved");
        let landed = app.get(&saved.location(), Auth::Browser(&manager)).await;
        assert!(
            landed
                .body
                .contains("<p class=\"notice\" role=\"status\">The decision was saved.</p>"),
            "{}",
            landed.body
        );
        let page = app.get("/soa/versions", Auth::Browser(&manager)).await;
        assert!(
            page.body.contains("Approve and freeze as version 1"),
            "{}",
            page.body
        );

        // Without the confirmation: the form comes back, naming it, and keeps the note.
        let res = app
            .post_form(
                "/soa/versions",
                Auth::Browser(&manager),
                &[("note", "MR-7 of 2026-02-01")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains(
                "confirm that management approved the Statement of Applicability as it stands"
            ),
            "{}",
            res.body
        );
        assert!(res.body.contains("One field needs your attention."));
        assert!(res.body.contains("MR-7 of 2026-02-01"), "the note is kept");
        let res = app
            .post_form(
                "/soa/versions",
                Auth::Browser(&manager),
                &[("confirm", "no"), ("note", "x")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(count(&app).await, 0, "no version without the confirmation");

        // Without the CSRF token: refused before anything happens.
        let req = Request::post("/soa/versions")
            .header(header::COOKIE, &manager.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from("confirm=yes&note=forged"))
            .unwrap();
        let res = app.send(req).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        let res = app
            .post_form(
                "/soa/versions",
                Auth::Browser(&manager),
                &[("_csrf", "wrong"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert_eq!(count(&app).await, 0);

        // A note that is too long is named.
        let long = "n".repeat(2001);
        let res = app
            .post_form(
                "/soa/versions",
                Auth::Browser(&manager),
                &[("confirm", "yes"), ("note", &long)],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("at most 2000 characters"), "{}", res.body);
        assert_eq!(count(&app).await, 0);

        // Confirmed: version 1, and the page of the version.
        let res = app
            .post_form(
                "/soa/versions",
                Auth::Browser(&manager),
                &[("confirm", "yes"), ("note", "MR-7 of 2026-02-01")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/soa?version=1&notice=soa-approved");
        let page = app.get(&res.location(), Auth::Browser(&manager)).await;
        assert!(
            page.body.contains("<strong>Version 1</strong>"),
            "{}",
            page.body
        );
        assert!(page.body.contains("approved and frozen as a new version"));
        assert_eq!(count(&app).await, 1);

        // An admin approves too, through the API.
        let admin_token = {
            let user = app
                .store
                .user_by_email(&annex::domain::user::Email::parse("admin@example.org").unwrap())
                .await
                .unwrap();
            app.store
                .create_token("test", &user.id, "t", None)
                .await
                .unwrap()
                .1
        };
        let v2 = approve(&app, &admin_token, "").await;
        assert_eq!(v2["version"], 2);
        assert_eq!(v2["approved_by"], "admin@example.org");
        let bad = app
            .post_json(
                "/api/v1/soa/versions",
                Auth::Bearer(&admin_token),
                json!({"note": "x", "confirm": true}),
            )
            .await;
        assert_eq!(
            bad.status,
            StatusCode::BAD_REQUEST,
            "unknown fields are refused: {}",
            bad.body
        );
        assert!(bad.body.contains("unknown field `confirm`"), "{}", bad.body);
        let _ = admin;
    });
}

/// The rows of a sheet: (title block label → value, header, body rows).
fn sheet_parts(xlsx: &[u8]) -> (BTreeMap<String, String>, Vec<String>, Vec<Vec<String>>) {
    let grids = annex::exchange::sheet::read_file(xlsx).expect("an XLSX workbook");
    let grid = &grids[0];
    let header = grid
        .rows
        .iter()
        .position(|r| r.first().map(String::as_str) == Some("Control"))
        .expect("a header row below the title block");
    let block = grid.rows[..header]
        .iter()
        .filter(|r| r.first().is_some_and(|c| !c.is_empty()))
        .map(|r| (r[0].clone(), r.get(1).cloned().unwrap_or_default()))
        .collect();
    let body = grid.rows[header + 1..]
        .iter()
        .filter(|r| r.iter().any(|c| !c.is_empty()))
        .cloned()
        .collect();
    (block, grid.rows[header].clone(), body)
}

/// A row's cell under the header of a column key (rows read back end at their last filled
/// cell); headers are written in words ("Exclusion reason").
fn cell<'a>(row: &'a [String], header: &[String], key: &str) -> &'a str {
    let name = annex::exchange::header_label(key);
    let i = header
        .iter()
        .position(|h| *h == name)
        .unwrap_or_else(|| panic!("no column {name} in {header:?}"));
    row.get(i).map_or("", String::as_str)
}

#[tokio::test]
async fn soa_versions_a_version_exports_to_xlsx_with_its_title_block() {
    on_every_database!(|app| {
        let (admin, manager, evidence) = decided(&app).await;
        let v1 = approve(&app, &manager, "MR-1").await;
        // Later changes do not reach the export of version 1.
        put_decision(
            &app,
            &manager,
            "7.4",
            json!({"applicable": "yes", "reasons": "business", "status": "planned"}),
        )
        .await;

        let (status, headers, xlsx) = app
            .get_bytes("/soa.xlsx?version=1", Auth::Browser(&admin))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            headers[header::CONTENT_TYPE],
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        );
        assert!(
            headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("statement-of-applicability-v1.xlsx")
        );
        let (block, head, body) = sheet_parts(&xlsx);
        assert_eq!(block["Organisation"], ORGANISATION);
        assert_eq!(block["Scope"], SCOPE);
        assert_eq!(block["Controls"], "ISO/IEC 27002:2022");
        assert_eq!(block["Version"], "1");
        let approver = app
            .store
            .user_by_email(
                &annex::domain::user::Email::parse(v1["approved_by"].as_str().unwrap()).unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(block["Approved by"], approver.name, "the approver by name");
        assert_eq!(
            block["Approved at"],
            annex::domain::clock::display(v1["approved_at"].as_str().unwrap()),
            "times as people read them"
        );
        assert!(block["Approved at"].ends_with(" UTC"), "{block:?}");
        assert_eq!(block["Approval note"], "MR-1");
        assert_eq!(
            block["Content SHA-256"],
            v1["content_hash"].as_str().unwrap()
        );
        assert!(block.contains_key("Generated at"), "{block:?}");
        assert_eq!(
            head,
            SOA_COLUMNS.map(annex::exchange::header_label).to_vec()
        );
        assert_eq!(body.len(), 93, "one row per control");
        let by_id = |id: &str| {
            body.iter()
                .find(|r| r[0] == id)
                .unwrap_or_else(|| panic!("no row {id}"))
        };
        let r74 = by_id("7.4");
        assert_eq!(
            cell(r74, &head, "applicable"),
            "no",
            "as approved, not as now"
        );
        assert_eq!(
            cell(r74, &head, "exclusion_reason"),
            "done entirely by a supplier",
            "values in words"
        );
        assert_eq!(cell(r74, &head, "justification"), JUSTIFICATION_7_4);
        let r813 = by_id("8.13");
        assert_eq!(cell(r813, &head, "applicable"), "yes");
        assert_eq!(
            cell(r813, &head, "reasons"),
            "risk treatment, legal or regulatory requirement"
        );
        assert_eq!(cell(r813, &head, "status"), "implemented");
        assert_eq!(cell(r813, &head, "owner"), "ops@example.org");
        let ev = cell(r813, &head, "evidence");
        assert!(
            ev.contains(&evidence)
                && ev.contains(EVIDENCE_TITLE)
                && ev.contains(&format!("collected {COLLECTED}"))
                && ev.contains(&format!("valid until {VALID_UNTIL}")),
            "{ev}"
        );
        assert!(
            body.iter()
                .filter(|r| r[0] != "8.13")
                .all(|r| !cell(r, &head, "evidence").contains(&evidence)),
            "the evidence is on its own row only"
        );
        let r51 = by_id("5.1");
        for attr in [
            "control_type",
            "security_properties",
            "cybersecurity_concepts",
            "operational_capabilities",
            "security_domains",
        ] {
            assert!(
                !cell(r51, &head, attr).is_empty(),
                "5.1 has its {attr}: {r51:?}"
            );
        }
        assert_eq!(cell(r51, &head, "control_type"), "Preventive");
        assert_eq!(cell(by_id("5.2"), &head, "applicable"), "undecided");

        // The API and the live export agree.
        let (status, _, api) = app
            .get_bytes(
                "/api/v1/soa/export?format=xlsx&version=1",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let (api_block, _, api_body) = sheet_parts(&api);
        assert_eq!(api_block["Content SHA-256"], block["Content SHA-256"]);
        assert_eq!(api_body, body);
        let (_, _, live) = app.get_bytes("/soa.xlsx", Auth::Browser(&admin)).await;
        let (live_block, _, live_body) = sheet_parts(&live);
        assert_eq!(live_block["Version"], "current state, not approved");
        assert!(!live_block.contains_key("Content SHA-256"));
        assert_eq!(
            cell(
                live_body.iter().find(|r| r[0] == "7.4").unwrap(),
                &head,
                "applicable"
            ),
            "yes"
        );
        // Filters apply to a version too.
        let (_, _, excluded) = app
            .get_bytes("/soa.xlsx?version=1&applicable=no", Auth::Browser(&admin))
            .await;
        let (_, _, rows) = sheet_parts(&excluded);
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0][0], "7.4");
    });
}

fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn check_pdf(pdf: &[u8], what: &str) {
    assert!(pdf.starts_with(b"%PDF-"), "{what} is a PDF");
    let pages = pdf_read::page_count(pdf);
    assert!(
        pages >= 5,
        "{what}: cover, contents and sections: {pages} pages"
    );
    let Some(text) = pdf_read::text(pdf) else {
        return;
    };
    let shown = flat(&text);
    // Japanese prints with a font found on the system; without one the cover says so.
    let scope = if shown.contains("Not shown") {
        assert!(
            !crate::harness::require_suites(),
            "ANNEX_REQUIRE_SUITES=1 but no Japanese font is installed (fonts-ipafont-gothic)"
        );
        assert!(shown.contains("Han"), "the cover names the script: {text}");
        eprintln!("Japanese in the PDF SKIPPED: no font on this machine has it");
        SCOPE.trim_end_matches(JAPANESE)
    } else {
        SCOPE
    };
    for needle in [
        "Statement of Applicability",
        ORGANISATION,
        scope,
        "Version",
        "8.13",
        "Summary",
        "Exclusions and their justification",
        JUSTIFICATION_7_4,
        EVIDENCE_TITLE,
    ] {
        assert!(shown.contains(needle), "{what} shows {needle:?}:\n{text}");
    }
    // Every page after the cover is numbered, out of the real total.
    assert!(
        shown.contains(&format!("Page 2 of {pages}")),
        "{what}: {text}"
    );
    assert!(
        shown.contains(&format!("Page {pages} of {pages}")),
        "{what}: {text}"
    );
}

/// Runs the annex binary on the app's database.
fn annex_cli(app: &TestApp, args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_annex"))
        .arg("--data-dir")
        .arg(app.db.dir.path())
        .arg("--database")
        .arg(&app.db.url)
        .args(args)
        .env_remove("ANNEX_DATABASE_URL")
        .env_remove("ANNEX_DATA_DIR")
        .env("NO_COLOR", "1")
        .output()
        .expect("run annex")
}

#[tokio::test]
async fn soa_versions_a_version_exports_to_pdf_from_the_page_the_api_and_the_cli() {
    on_every_database!(|app| {
        let (admin, manager, _) = decided(&app).await;
        let v1 = approve(&app, &manager, "MR-1").await;
        let hash = v1["content_hash"].as_str().unwrap();

        let (status, headers, pdf) = app
            .get_bytes("/soa.pdf?version=1", Auth::Browser(&admin))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
        assert!(
            headers[header::CONTENT_DISPOSITION]
                .to_str()
                .unwrap()
                .contains("statement-of-applicability-v1.pdf")
        );
        check_pdf(&pdf, "/soa.pdf?version=1");
        if let Some(text) = pdf_read::text(&pdf) {
            assert!(flat(&text).contains(hash), "the cover shows the hash");
        }

        let (status, headers, api) = app
            .get_bytes(
                "/api/v1/soa/export?format=pdf&version=1",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers[header::CONTENT_TYPE], "application/pdf");
        check_pdf(&api, "the API's PDF");

        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("soa-v1.pdf");
        let run = annex_cli(
            &app,
            &[
                "soa",
                "export",
                "--format",
                "pdf",
                "--version",
                "1",
                "--out",
                out.to_str().unwrap(),
            ],
        );
        assert!(
            run.status.success(),
            "{}{}",
            String::from_utf8_lossy(&run.stdout),
            String::from_utf8_lossy(&run.stderr)
        );
        assert!(String::from_utf8_lossy(&run.stdout).contains("version 1"));
        let cli = std::fs::read(&out).unwrap();
        check_pdf(&cli, "the CLI's PDF");
        assert_eq!(
            pdf_read::page_count(&cli),
            pdf_read::page_count(&pdf),
            "the same document"
        );
        let missing = annex_cli(
            &app,
            &[
                "soa",
                "export",
                "--format",
                "pdf",
                "--version",
                "9",
                "--out",
                dir.path().join("none.pdf").to_str().unwrap(),
            ],
        );
        assert!(!missing.status.success());
        assert!(
            String::from_utf8_lossy(&missing.stderr).contains("version 9"),
            "{}",
            String::from_utf8_lossy(&missing.stderr)
        );
        assert!(!dir.path().join("none.pdf").exists());

        // A version that does not exist, and a format that does not.
        assert_eq!(
            app.get("/soa.pdf?version=9", Auth::Browser(&admin))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let res = app
            .get(
                "/api/v1/soa/export?format=pdf&version=9",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let res = app
            .get(
                "/api/v1/soa/export?format=docx&version=1",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert_eq!(
            res.json()["error"]["details"][0]["field"],
            "format",
            "{}",
            res.body
        );
        assert!(res.body.contains("docx"), "{}", res.body);
        let res = app
            .get(
                "/api/v1/soa/export?format=pdf&version=first",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert_eq!(res.json()["error"]["details"][0]["field"], "version");
        let res = app
            .get(
                "/api/v1/soa/export?format=pdf&colour=red",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        let cli_bad = annex_cli(
            &app,
            &[
                "soa",
                "export",
                "--format",
                "docx",
                "--out",
                dir.path().join("x").to_str().unwrap(),
            ],
        );
        assert!(!cli_bad.status.success());
        assert!(String::from_utf8_lossy(&cli_bad.stderr).contains("docx"));

        // The live state exports as a PDF too, and says it is not approved.
        let (status, _, live) = app.get_bytes("/soa.pdf", Auth::Browser(&admin)).await;
        assert_eq!(status, StatusCode::OK);
        if let Some(text) = pdf_read::text(&live) {
            assert!(flat(&text).contains("current state, not approved"));
        }
    });
}

#[tokio::test]
async fn soa_versions_a_version_exports_to_csv_one_line_per_control() {
    on_every_database!(|app| {
        let (admin, manager, evidence) = decided(&app).await;
        approve(&app, &manager, "").await;
        put_decision(
            &app,
            &manager,
            "7.4",
            json!({"applicable": "yes", "reasons": "business", "status": "planned"}),
        )
        .await;
        let res = app.get("/soa.csv?version=1", Auth::Browser(&admin)).await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.headers[header::CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with("text/csv")
        );
        let lines: Vec<&str> = res.body.lines().collect();
        assert_eq!(lines.len(), 94, "a header and 93 controls");
        assert_eq!(
            lines[0],
            SOA_COLUMNS.map(annex::exchange::header_label).join(",")
        );
        assert!(
            lines.iter().any(|l| l.starts_with("7.4,")
                && l.contains(",no,")
                && l.contains("done entirely by a supplier")),
            "7.4 as approved"
        );
        assert!(
            lines
                .iter()
                .any(|l| l.starts_with("8.13,") && l.contains(&evidence)),
            "{}",
            res.body
        );
        let api = app
            .get(
                "/api/v1/soa/export?format=csv&version=1",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(api.body, res.body);
        let live = app.get("/soa.csv", Auth::Browser(&admin)).await;
        assert_eq!(live.body.lines().count(), 94);
        assert!(
            live.body
                .lines()
                .any(|l| l.starts_with("7.4,") && l.contains(",yes,"))
        );
    });
}

#[tokio::test]
async fn soa_versions_approvals_at_the_same_time_on_two_instances_each_get_a_number() {
    on_every_database!(|app| {
        app.set_up().await;
        let (other, _) = app.second_instance().await;
        let mut numbers = Vec::new();
        let (here, there) = (
            crate::harness::operator(&app.store),
            crate::harness::operator(&other),
        );
        for _ in 0..6 {
            let (a, b) = tokio::join!(
                annex::registers::soa::service::approve(&here, "iso27002-2022", "a"),
                annex::registers::soa::service::approve(&there, "iso27002-2022", "b")
            );
            numbers.push(a.expect("the first approval").version);
            numbers.push(b.expect("the second approval, at the same time").version);
        }
        numbers.sort();
        assert_eq!(numbers, (1..=12).collect::<Vec<i64>>());
        let versions = app.store.soa_versions("iso27002-2022").await.unwrap();
        assert_eq!(versions.len(), 12);
        assert!(versions.iter().all(|v| v.intact));
        let trail = app.store.verify_audit_trail().await.unwrap();
        assert!(trail.first_break.is_none(), "{:?}", trail.first_break);
        other.close().await;
    });
}
