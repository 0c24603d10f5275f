//! The organisation's context and the scope through the paths people take: issues recorded,
//! filtered, edited with stale writes refused, imported and exported; the scope written (also
//! from the settings page, whose field is its statement), approved as frozen versions the
//! database refuses to change; readiness of 4.1 and 4.3 following; pages and the command
//! line; on both databases.

use crate::harness::{Auth, Backend, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn clause(app: &TestApp, token: &str, id: &str) -> Value {
    let r = app
        .get("/api/v1/readiness", Auth::Bearer(token))
        .await
        .json();
    let clauses = r["clauses"].as_array().unwrap();
    let ids: Vec<&str> = clauses.iter().map(|c| c["id"].as_str().unwrap()).collect();
    let mut sorted = ids.clone();
    sorted.sort_by_key(|i| {
        i.split('.')
            .map(|n| n.parse::<u32>().unwrap())
            .collect::<Vec<_>>()
    });
    assert_eq!(ids, sorted, "clauses in the standard's order");
    clauses
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no clause {id} in {r}"))
}

fn reasons(c: &Value) -> String {
    c["reasons"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_str().unwrap())
        .collect::<Vec<_>>()
        .join(" | ")
}

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
async fn issues_of_the_context_are_recorded_filtered_imported_and_make_4_1() {
    on_every_database!(|app| {
        let browser = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let viewer = app.token_as(Role::Viewer).await;
        let today = app.store.today();
        let day = |n: i64| annex::domain::input::days_after(&today, n).unwrap();

        let c = clause(&app, &viewer, "4.1").await;
        assert_eq!(c["status"], "not_met", "{c}");
        let res = app
            .post_json(
                "/api/v1/risks",
                Auth::Bearer(&manager),
                json!({"owner": "risk.owner@example.org", "id": "R-1", "title": "Ransomware", "inherent_likelihood": 4, "inherent_impact": 5, "treatment": "modify"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        // An internal issue in Greek, through the API; a contributor may not.
        let internal = json!({"title": "Οι περισσότεροι εργάζονται από το σπίτι", "side": "internal",
            "category": "organisation and people", "effect": "Τα φορητά και τα οικιακά δίκτυα μπαίνουν στο πεδίο",
            "owner": "CISO@example.org", "reviewed_on": day(-10), "review_due": day(355)});
        let res = app
            .post_json(
                "/api/v1/context/issues",
                Auth::Bearer(&contributor),
                internal.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json("/api/v1/context/issues", Auth::Bearer(&manager), internal)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let x = res.json();
        assert_eq!(x["id"], "CI-0001");
        assert_eq!(x["category"], "organisational");
        assert_eq!(x["owner"], "ciso@example.org");
        let c = clause(&app, &viewer, "4.1").await;
        assert_eq!(c["status"], "partly", "{c}");
        assert!(reasons(&c).contains("no external issue is recorded"), "{c}");

        // Bad input is named field by field; nothing is written.
        let res = app
            .post_json(
                "/api/v1/context/issues",
                Auth::Bearer(&manager),
                json!({"title": "Regulator", "side": "sideways", "category": "weather",
                    "risks": "R-1, R-404", "reviewed_on": day(3)}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let mut fields = res.fields();
        fields.sort();
        assert_eq!(fields, ["category", "reviewed_on", "side"], "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/context/issues",
                Auth::Bearer(&manager),
                json!({"title": "Regulator", "side": "external", "risks": "R-1, R-404"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("R-404") && res.fields() == ["risks"],
            "{}",
            res.body
        );

        // A NUL character is refused in any JSON text (PostgreSQL cannot store one), as are
        // the other registers' (an interested party here).
        for (path, body) in [
            (
                "/api/v1/context/issues",
                json!({"title": "a\u{0}b", "side": "internal"}),
            ),
            ("/api/v1/parties", json!({"name": "a\u{0}b"})),
        ] {
            let res = app.post_json(path, Auth::Bearer(&manager), body).await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{path}: {}",
                res.body
            );
            assert!(res.body.contains("NUL character"), "{}", res.body);
        }

        // An external one through the page's form; then edited, a stale write refused.
        let res = app
            .post_form(
                "/context/issues",
                Auth::Browser(&browser),
                &[
                    ("title", "NIS2 brings us into national law"),
                    ("side", "external"),
                    ("category", "legal"),
                    ("bearing", "risk"),
                    ("risks", "R-1"),
                    ("review_due", &day(-1)),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/context/issues/CI-0002?notice=issue-saved");
        let c = clause(&app, &viewer, "4.1").await;
        assert_eq!(c["status"], "partly", "{c}");
        let why = reasons(&c);
        assert!(
            why.contains("1 say nothing of their effect on the ISMS: CI-0002")
                && why.contains("1 due for review: CI-0002"),
            "{why}"
        );
        let got = app
            .get("/api/v1/context/issues/CI-0002", Auth::Bearer(&viewer))
            .await;
        assert_eq!(got.header("etag"), Some("\"1\""));
        let mut body = got.json();
        body.as_object_mut()
            .unwrap()
            .retain(|k, _| !["id", "updated_at", "revision"].contains(&k.as_str()));
        body["effect"] = json!("Notification deadlines and management accountability");
        body["reviewed_on"] = json!(today);
        body["review_due"] = json!(day(365));
        let res = app
            .put_json_if_match(
                "/api/v1/context/issues/CI-0002",
                Auth::Bearer(&manager),
                body.clone(),
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .put_json_if_match(
                "/api/v1/context/issues/CI-0002",
                Auth::Bearer(&manager),
                body,
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let c = clause(&app, &viewer, "4.1").await;
        assert_eq!(c["status"], "met", "{c}");

        // Filters: by side, review due; a bad value named.
        let list = app
            .get(
                "/api/v1/context/issues?side=external",
                Auth::Bearer(&viewer),
            )
            .await
            .json();
        assert_eq!(list["total"], 1, "{list}");
        assert_eq!(list["items"][0]["risks"], json!(["R-1"]));
        let list = app
            .get(
                "/api/v1/context/issues?review_due=true",
                Auth::Bearer(&viewer),
            )
            .await
            .json();
        assert_eq!(list["total"], 0, "{list}");
        let res = app
            .get("/api/v1/context/issues?side=up", Auth::Bearer(&viewer))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(res.body.contains("internal, external"), "{}", res.body);
        let page = app
            .get("/context?category=legal", Auth::Browser(&browser))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("NIS2 brings us into national law")
                && !page.body.contains("Οι περισσότεροι"),
            "{}",
            page.body
        );
        let page = app
            .get("/context/issues/CI-0001", Auth::Browser(&browser))
            .await;
        assert!(
            page.body.contains("Τα φορητά και τα οικιακά δίκτυα")
                && page.body.contains("organisation and people"),
            "{}",
            page.body
        );

        // Exports import back unchanged; a team's own sheet adds and updates; a bad row
        // writes nothing.
        for path in ["/context/issues.csv", "/context/issues.xlsx"] {
            let (status, _, bytes) = app.get_bytes(path, Auth::Browser(&browser)).await;
            assert_eq!(status, StatusCode::OK);
            let res = app
                .post_bytes(
                    "/api/v1/context/issues/import",
                    Auth::Bearer(&manager),
                    bytes,
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            let mut same: Vec<String> =
                serde_json::from_value(res.json()["report"]["unchanged"].clone()).unwrap();
            same.sort();
            assert_eq!(same, ["CI-0001", "CI-0002"], "{path}");
        }
        let (_, _, csv) = app
            .get_bytes("/context/issues.csv", Auth::Browser(&browser))
            .await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.starts_with("ID,Title,Side,Category,Description,Effect,Bearing,Risks,Owner,Reviewed on,Review due")
                && csv.contains("organisation and people"),
            "{csv}"
        );
        let sheet = "Thema,Intern/Extern,Kategorie,Auswirkung\n\
                     Fachkräftemangel in der IT,intern,organisational,Wenige Leute betreiben viele Systeme\n";
        let res = app
            .post_bytes(
                "/api/v1/context/issues/import",
                Auth::Bearer(&manager),
                sheet.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let report = &res.json()["report"];
        assert_eq!(report["created"], json!(["CI-0003"]), "{report}");
        let created = app
            .get("/api/v1/context/issues/CI-0003", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(created["side"], "internal", "{created}");
        let sheet = "Id,Thema,Auswirkung\n\
                     CI-0001,Οι περισσότεροι εργάζονται από το σπίτι,Nur die Auswirkung ändert sich\n";
        let res = app
            .post_bytes(
                "/api/v1/context/issues/import",
                Auth::Bearer(&manager),
                sheet.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let report = &res.json()["report"];
        assert_eq!(report["updated"], json!(["CI-0001"]), "{report}");
        let first = app
            .get("/api/v1/context/issues/CI-0001", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(first["effect"], "Nur die Auswirkung ändert sich");
        assert_eq!(
            first["owner"], "ciso@example.org",
            "a column the file lacks is kept"
        );
        let bad = "Title,Side,Risks\nA,internal,\nB,diagonal,R-9\n";
        let res = app
            .post_bytes(
                "/api/v1/context/issues/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("row 3, column Side"), "{}", res.body);
        let res = app
            .post_bytes(
                "/api/v1/context/issues/import",
                Auth::Bearer(&manager),
                "Id,Title\nCI-0099,Neu\n".into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body
                .contains("row 2, column side: say whether the issue is internal or external"),
            "a new issue needs its side even with an id: {}",
            res.body
        );
        let list = app
            .get("/api/v1/context/issues", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(list["total"], 3, "nothing written: {list}");
        let page = app
            .get("/context/issues/import", Auth::Browser(&browser))
            .await;
        assert_eq!(page.status, StatusCode::OK);

        // Every write is in the trail.
        let trail = app
            .get(
                "/api/v1/audit?object_type=context_issue&object_id=CI-0001",
                Auth::Bearer(&app.token_as(Role::Auditor).await),
            )
            .await
            .json();
        let actions: Vec<&str> = trail
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(actions, ["context.update", "context.create"], "{trail}");

        // The command line.
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let ok = |out: std::process::Output| {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).to_string()
        };
        let text = ok(annex(&[
            "context",
            "add",
            "--title",
            "Hochwassergebiet",
            "--side",
            "external",
            "--category",
            "environmental",
        ]));
        assert!(text.contains("added CI-0004"), "{text}");
        let out = annex(&["context", "edit", "CI-0004", "--side", "nowhere"]);
        assert_eq!(out.status.code(), Some(3));
        let text = ok(annex(&["context", "list", "--side", "external"]));
        assert!(
            text.contains("Hochwassergebiet") && !text.contains("Fachkräftemangel"),
            "{text}"
        );
        let file = db.dir.path().join("issues.xlsx");
        let f = file.to_str().unwrap();
        ok(annex(&[
            "context", "export", "--format", "xlsx", "--out", f,
        ]));
        let text = ok(annex(&["context", "import", f]));
        assert!(text.contains("unchanged 4"), "{text}");
    });
}

#[tokio::test]
async fn the_scope_is_written_approved_as_frozen_versions_and_makes_4_3() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let viewer = app.token_as(Role::Viewer).await;

        let c = clause(&app, &viewer, "4.3").await;
        assert_eq!(c["status"], "not_met", "{c}");
        // Nothing written: nothing to approve.
        let res = app
            .post_json("/api/v1/scope/approve", Auth::Bearer(&manager), json!({}))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(
            res.body.contains("write the scope statement"),
            "{}",
            res.body
        );

        // The settings page's field is the scope statement.
        let res = app
            .post_form(
                "/admin/settings",
                Auth::Browser(&admin),
                &[
                    ("organisation", "Mzdy a.s."),
                    ("isms_scope", "Zpracování mezd pro zákazníky"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let got = app.get("/api/v1/scope", Auth::Bearer(&viewer)).await;
        assert_eq!(got.status, StatusCode::OK);
        assert_eq!(got.header("etag"), Some("\"2\""));
        let s = got.json();
        assert_eq!(s["text"]["statement"], "Zpracování mezd pro zákazníky");
        let c = clause(&app, &viewer, "4.3").await;
        assert_eq!(c["status"], "partly", "{c}");
        assert!(
            reasons(&c).contains("boundaries, interfaces, dependencies")
                && reasons(&c).contains("never been approved"),
            "{c}"
        );

        // Written in full through the API; a contributor may not; a stale write is refused.
        let text = json!({"statement": "Zpracování mezd pro zákazníky, jeho vývoj a provoz",
            "boundaries": "Sídlo v Brně a práce z domova", "interfaces": "Mzdové účtárny zákazníků, banky",
            "dependencies": "Poskytovatel cloudu", "exclusions": ""});
        let res = app
            .put_json("/api/v1/scope", Auth::Bearer(&contributor), text.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .put_json_if_match(
                "/api/v1/scope",
                Auth::Bearer(&manager),
                text.clone(),
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = app
            .put_json_if_match(
                "/api/v1/scope",
                Auth::Bearer(&manager),
                text.clone(),
                "\"2\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.header("etag"), Some("\"3\""));
        let res = app
            .put_json(
                "/api/v1/scope",
                Auth::Bearer(&manager),
                json!({"statement": "x".repeat(10_001)}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["statement"]);

        // Approved: version 1 with the hash of its text; approving again without a change is
        // refused; an approval of a revision no longer current too.
        let res = app
            .post_json(
                "/api/v1/scope/approve",
                Auth::Bearer(&contributor),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .send(
                axum::http::Request::post("/api/v1/scope/approve")
                    .header("authorization", format!("Bearer {manager}"))
                    .header("content-type", "application/json")
                    .header("if-match", "\"2\"")
                    .body(axum::body::Body::from("{}"))
                    .unwrap(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/scope/approve",
                Auth::Bearer(&manager),
                json!({"note": "vedení, 30. 11."}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let v = res.json();
        assert_eq!(v["version"], 1);
        assert_eq!(v["intact"], true);
        assert_eq!(v["text"]["interfaces"], "Mzdové účtárny zákazníků, banky");
        assert_eq!(v["sha256"].as_str().unwrap().len(), 64);
        let res = app
            .post_json("/api/v1/scope/approve", Auth::Bearer(&manager), json!({}))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(
            res.body.contains("version 1 already says this"),
            "{}",
            res.body
        );
        let c = clause(&app, &viewer, "4.3").await;
        assert_eq!(c["status"], "met", "{c}");

        // Changed since: 4.3 says which part, the page marks it; approved again as version 2.
        let mut changed = text.clone();
        changed["interfaces"] = json!("Mzdové účtárny zákazníků, banky, finanční úřad");
        let res = app
            .put_json("/api/v1/scope", Auth::Bearer(&manager), changed)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let c = clause(&app, &viewer, "4.3").await;
        assert_eq!(c["status"], "partly", "{c}");
        assert!(
            reasons(&c).contains("changed since version 1 (interfaces)"),
            "{c}"
        );
        let page = app.get("/context/scope", Auth::Browser(&admin)).await;
        assert!(
            page.body.contains("finanční úřad")
                && page
                    .body
                    .contains("Interfaces <span class=\"status off\">▲ changed since approval"),
            "{}",
            page.body
        );
        let res = app
            .post_form(
                "/context/scope/approve",
                Auth::Browser(&admin),
                &[("revision", "4"), ("note", "Approved by the board")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(
            res.location(),
            "/context/scope/versions/2?notice=scope-approved"
        );
        let page = app.get(&res.location(), Auth::Browser(&admin)).await;
        assert!(
            page.body.contains("finanční úřad") && page.body.contains("Approved by the board"),
            "{}",
            page.body
        );
        let versions = app
            .get("/api/v1/scope/versions", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(versions.as_array().unwrap().len(), 2, "{versions}");
        assert_eq!(versions[0]["version"], 2);
        let v1 = app
            .get("/api/v1/scope/versions/1", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(v1["text"]["interfaces"], "Mzdové účtárny zákazníků, banky");
        assert_eq!(
            app.get("/api/v1/scope/versions/9", Auth::Bearer(&viewer))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let page = app.get("/context", Auth::Browser(&admin)).await;
        assert!(page.body.contains("Version 2 approved by"), "{}", page.body);

        // The database refuses to change or remove a version; the trail holds each approval.
        for sql in [
            "update isms_scope_version set note = 'rewritten' where version = 1",
            "delete from isms_scope_version",
        ] {
            let err = execute(&app, sql).await.expect_err(sql).to_string();
            assert!(
                err.contains("approved version of the scope cannot be"),
                "{sql}: {err}"
            );
        }
        let trail = app
            .get(
                "/api/v1/audit?object_type=scope_version",
                Auth::Bearer(&app.token_as(Role::Auditor).await),
            )
            .await
            .json();
        assert_eq!(trail.as_array().unwrap().len(), 2, "{trail}");
        assert_eq!(trail[0]["action"], "scope.approve");

        // The command line.
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let ok = |out: std::process::Output| {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).to_string()
        };
        let text = ok(annex(&["scope", "show"]));
        assert!(
            text.contains("Approved as version 2") && text.contains("Sídlo v Brně"),
            "{text}"
        );
        ok(annex(&["scope", "edit", "--exclusions", "Kantýna"]));
        let text = ok(annex(&["scope", "show"]));
        assert!(text.contains("changed since: Exclusions and why"), "{text}");
        let text = ok(annex(&["scope", "approve", "--note", "CLI"]));
        assert!(text.contains("version 3"), "{text}");
        let out = annex(&["scope", "approve"]);
        assert_eq!(out.status.code(), Some(5));
        let text = ok(annex(&["scope", "versions"]));
        assert!(text.contains("CLI") && text.contains("vedení"), "{text}");
        let text = ok(annex(&["scope", "show", "--version", "1"]));
        assert!(!text.contains("Kantýna"), "{text}");
    });
}
