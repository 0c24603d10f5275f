//! The management review through the paths people take, as the journey runs it on the
//! API: the scope and an issue; the objective "95% of applicable controls implemented" with its
//! computed indicator; an internal audit of clause 9 and controls 5.15–5.18 by an independent
//! auditor, who records a minor nonconformity on 5.18; the owner's root cause and corrective
//! action, reviewed as effective and closed; then the review's input pack shows the indicator's
//! trend, the audit result and the closed action, is frozen by its SHA-256 when held (the
//! database refuses to change it), and readiness shows every clause; on both databases.

use crate::harness::{Auth, Backend, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

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

fn section<'a>(pack: &'a Value, key: &str) -> &'a Value {
    pack["sections"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["key"] == key)
        .unwrap_or_else(|| panic!("no section {key} in {pack}"))
}

#[tokio::test]
async fn the_review_pack_shows_the_trend_the_audit_and_the_closed_action_and_is_frozen() {
    on_every_database!(|app| {
        let browser = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let auditor = app.add_user(Role::Auditor).await;
        let auditor_token = app.token_for(&auditor).await;
        let owner = app.add_user(Role::Contributor).await;
        let owner_token = app.token_for(&owner).await;
        let today = app.store.today();
        let day = |n: i64| annex::domain::input::days_after(&today, n).unwrap();
        let ok = |res: crate::harness::Res, status: StatusCode| {
            assert_eq!(res.status, status, "{}", res.body);
            res.json()
        };

        // Scope, an issue, two applicable controls (one implemented), the objective.
        ok(
            app.put_json(
                "/api/v1/scope",
                Auth::Bearer(&manager),
                json!({"statement": "Οι υπηρεσίες μισθοδοσίας", "boundaries": "the Athens office"}),
            )
            .await,
            StatusCode::OK,
        );
        ok(app.post_json("/api/v1/context/issues", Auth::Bearer(&manager),
            json!({"title": "Customers ask for a certificate", "side": "external", "effect": "certify"})).await, StatusCode::CREATED);
        for (c, status) in [("5.15", "implemented"), ("5.18", "partially_implemented")] {
            ok(app.put_json(&format!("/api/v1/soa/iso27002-2022/{c}"), Auth::Bearer(&manager),
                json!({"applicable": "yes", "reasons": "risk_treatment", "status": status, "owner": owner})).await, StatusCode::OK);
        }
        ok(app.post_json("/api/v1/objectives", Auth::Bearer(&manager),
            json!({"title": "95% of applicable controls implemented", "owner": "ciso@example.org", "due_on": day(300)})).await, StatusCode::CREATED);
        let k = ok(app.post_json("/api/v1/kpis", Auth::Bearer(&manager),
            json!({"objective": "OBJ-0001", "name": "Controls implemented", "metric": "controls_implemented", "target": 95})).await, StatusCode::CREATED);
        assert_eq!(k["latest"]["value"], 50.0, "{k}");

        // The audit by an independent auditor; a minor nonconformity on 5.18.
        ok(
            app.post_json(
                "/api/v1/audit-programmes",
                Auth::Bearer(&manager),
                json!({"title": "Cycle", "starts_on": day(-60)}),
            )
            .await,
            StatusCode::CREATED,
        );
        ok(app.post_json("/api/v1/internal-audits", Auth::Bearer(&manager),
            json!({"programme": "AP-0001", "title": "Clause 9 and access", "clauses": "9", "controls": "5.15-5.18",
                "starts_on": day(-3), "ends_on": day(-2), "lead": auditor})).await, StatusCode::CREATED);
        ok(
            app.post_json(
                "/api/v1/findings",
                Auth::Bearer(&auditor_token),
                json!({"audit": "IA-0001", "kind": "minor", "control": "5.18", "owner": owner,
                "title": "Access rights not reviewed after changes of job"}),
            )
            .await,
            StatusCode::CREATED,
        );
        let mut a = app
            .get("/api/v1/internal-audits/IA-0001", Auth::Bearer(&manager))
            .await
            .json()["audit"]
            .clone();
        let rev = a["revision"].as_i64().unwrap();
        a.as_object_mut()
            .unwrap()
            .retain(|k, _| !["id", "updated_at", "revision", "completed_on"].contains(&k.as_str()));
        a["status"] = json!("completed");
        a["conclusion"] = json!("Clause 9 conforms; one minor nonconformity on 5.18.");
        ok(
            app.put_json_if_match(
                "/api/v1/internal-audits/IA-0001",
                Auth::Bearer(&manager),
                a,
                &format!("\"{rev}\""),
            )
            .await,
            StatusCode::OK,
        );

        // The owner's root cause and action; effective; closed.
        ok(app.post_json("/api/v1/nonconformities", Auth::Bearer(&manager),
            json!({"title": "Access rights not reviewed", "source": "finding", "source_ref": "F-0001", "control": "5.18", "owner": owner})).await, StatusCode::CREATED);
        let mut nc = app
            .get(
                "/api/v1/nonconformities/NC-0001",
                Auth::Bearer(&owner_token),
            )
            .await
            .json();
        nc.as_object_mut().unwrap().retain(|k, _| {
            [
                "title",
                "source",
                "source_ref",
                "control",
                "owner",
                "raised_on",
                "whys",
                "root_cause",
                "correction",
            ]
            .contains(&k.as_str())
        });
        nc["whys"] = json!(["IT did not know of the moves"]);
        nc["root_cause"] = json!("HR does not tell IT about changes of job");
        ok(
            app.put_json(
                "/api/v1/nonconformities/NC-0001",
                Auth::Bearer(&owner_token),
                nc,
            )
            .await,
            StatusCode::OK,
        );
        ok(app.post_json("/api/v1/corrective-actions", Auth::Bearer(&owner_token),
            json!({"nonconformity": "NC-0001", "title": "HR's form opens an IT ticket", "owner": owner, "due_on": day(10), "status": "done"})).await, StatusCode::CREATED);
        ok(
            app.post_json(
                "/api/v1/nonconformities/NC-0001/review",
                Auth::Bearer(&manager),
                json!({"effective": true, "note": "All moves since reached IT"}),
            )
            .await,
            StatusCode::OK,
        );

        // The indicator has a history: last month's value by hand through the import.
        let sheet = format!("Indicator,Period,Value\nKPI-0001,{},40\n", day(-31));
        ok(
            app.post_bytes(
                "/api/v1/kpis/measurements/import",
                Auth::Bearer(&manager),
                sheet.into_bytes(),
            )
            .await,
            StatusCode::OK,
        );

        // The review: planned, its pack generated now with every input.
        let bad = app
            .post_json(
                "/api/v1/reviews",
                Auth::Bearer(&manager),
                json!({"title": "", "planned_on": "soon"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.fields(), ["title", "planned_on"]);
        ok(app.post_json("/api/v1/reviews", Auth::Bearer(&manager),
            json!({"title": "Ανασκόπηση διοίκησης", "planned_on": day(0), "feedback": "Two customers asked for the certificate"})).await, StatusCode::CREATED);
        let r = ok(
            app.get("/api/v1/reviews/MR-0001", Auth::Bearer(&viewer))
                .await,
            StatusCode::OK,
        );
        assert_eq!(r["frozen"], false);
        let keys: Vec<&str> = r["pack"]["sections"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        assert_eq!(
            keys,
            [
                "actions",
                "changes",
                "nonconformities",
                "monitoring",
                "audits",
                "objectives",
                "feedback",
                "risks",
                "improvement",
                "incidents"
            ]
        );
        let trend = &section(&r["pack"], "monitoring")["trends"][0];
        assert_eq!(trend["values"], json!([40.0, 50.0]), "{trend}");
        let audits = section(&r["pack"], "audits");
        assert!(
            audits["rows"][0][4]
                .as_str()
                .unwrap()
                .starts_with("0 major, 1 minor"),
            "{audits}"
        );
        let ncs = section(&r["pack"], "nonconformities");
        assert!(
            ncs["rows"].to_string().contains("NC-0001")
                && ncs["facts"][0].as_str().unwrap().contains("1 closed"),
            "{ncs}"
        );
        assert!(
            section(&r["pack"], "improvement")["rows"]
                .to_string()
                .contains("HR's form opens an IT ticket")
        );
        assert_eq!(
            section(&r["pack"], "feedback")["facts"][0],
            "Two customers asked for the certificate"
        );
        let page = app.get("/reviews/MR-0001", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("<svg") && page.body.contains("Controls implemented"),
            "the trend is drawn"
        );

        // Held: refused without a chair; then frozen by its SHA-256.
        let res = app
            .post_json(
                "/api/v1/reviews/MR-0001/hold",
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("chair"), "{}", res.body);
        let mut v = r["review"].clone();
        v.as_object_mut().unwrap().retain(|k, _| {
            [
                "title",
                "planned_on",
                "chair",
                "attendees",
                "feedback",
                "decisions",
            ]
            .contains(&k.as_str())
        });
        v["chair"] = json!("CEO@example.org");
        ok(
            app.put_json("/api/v1/reviews/MR-0001", Auth::Bearer(&manager), v.clone())
                .await,
            StatusCode::OK,
        );
        let res = app
            .post_json(
                "/api/v1/reviews/MR-0001/hold",
                Auth::Bearer(&viewer),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let held = ok(
            app.post_json(
                "/api/v1/reviews/MR-0001/hold",
                Auth::Bearer(&manager),
                json!({}),
            )
            .await,
            StatusCode::OK,
        );
        assert_eq!(held["frozen"], true);
        let sha = held["review"]["pack_sha256"].as_str().unwrap().to_string();
        assert_eq!(sha.len(), 64);
        let res = app
            .post_json(
                "/api/v1/reviews/MR-0001/hold",
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);

        // Later changes do not reach the frozen pack; decisions and actions are still written.
        ok(
            app.post_json(
                "/api/v1/context/issues",
                Auth::Bearer(&manager),
                json!({"title": "A new regulator", "side": "external"}),
            )
            .await,
            StatusCode::CREATED,
        );
        let again = ok(
            app.get("/api/v1/reviews/MR-0001", Auth::Bearer(&viewer))
                .await,
            StatusCode::OK,
        );
        assert_eq!(again["pack"], held["pack"], "the pack stays as frozen");
        let mut v2 = again["review"].clone();
        v2.as_object_mut().unwrap().retain(|k, _| {
            [
                "title",
                "planned_on",
                "chair",
                "attendees",
                "feedback",
                "decisions",
            ]
            .contains(&k.as_str())
        });
        v2["decisions"] = json!("Μπαίνουμε για πιστοποίηση την άνοιξη.");
        ok(
            app.put_json(
                "/api/v1/reviews/MR-0001",
                Auth::Bearer(&manager),
                v2.clone(),
            )
            .await,
            StatusCode::OK,
        );
        v2["planned_on"] = json!(day(-1));
        let res = app
            .put_json("/api/v1/reviews/MR-0001", Auth::Bearer(&manager), v2)
            .await;
        assert_eq!(res.fields(), ["planned_on"], "{}", res.body);
        let ra = ok(
            app.post_json(
                "/api/v1/reviews/MR-0001/actions",
                Auth::Bearer(&manager),
                json!({"title": "Book the certification audit", "owner": owner, "due_on": day(30)}),
            )
            .await,
            StatusCode::CREATED,
        );
        assert_eq!(ra["id"], "RA-0001");
        ok(app.put_json("/api/v1/review-actions/RA-0001", Auth::Bearer(&owner_token),
            json!({"title": "Book the certification audit", "owner": owner, "due_on": day(30), "status": "done"})).await, StatusCode::OK);

        // The database refuses to change a frozen pack; a pack altered behind Annex's back is
        // refused when read.
        let err = execute(
            &app,
            "update management_review set pack = '{}' where review_id = 'MR-0001'",
        )
        .await;
        assert!(err.is_err(), "the trigger refuses");

        // The PDF, the readiness page, the command line.
        let (status, headers, pdf) = app
            .get_bytes("/reviews/MR-0001/pack.pdf", Auth::Browser(&browser))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/pdf");
        if let Some(text) = crate::pdf_read::text(&pdf) {
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for want in [
                "Ανασκόπηση διοίκησης",
                "Audit results",
                &sha[..16],
                "Μπαίνουμε για πιστοποίηση",
            ] {
                assert!(flat.contains(want), "{want} not in the PDF: {flat}");
            }
        }
        let readiness = app
            .get("/api/v1/readiness", Auth::Bearer(&viewer))
            .await
            .json();
        let status_of = |id: &str| {
            readiness["clauses"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id)
                .map(|c| c["status"].clone())
                .unwrap_or_else(|| panic!("no {id}: {readiness}"))
        };
        let ids: Vec<&str> = readiness["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        let every: Vec<&str> = annex::domain::clauses::CLAUSES
            .iter()
            .map(|c| c.0)
            .collect();
        assert_eq!(ids, every, "every clause 4.1 to 10.2, in order, once");
        assert_eq!(status_of("9.3"), "met", "{readiness}");
        assert_eq!(status_of("10.2"), "met", "{readiness}");
        assert_eq!(
            status_of("9.2"),
            "partly",
            "not every clause is audited in the cycle: {readiness}"
        );
        let page = app.get("/soa/gaps", Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("Management review"),
            "the readiness page lists 9.3"
        );
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let out = annex(&["review", "show", "MR-0001"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains("frozen when held") && text.contains("Audit results"),
            "{text}"
        );
        let out = annex(&[
            "review",
            "add",
            "--title",
            "Next",
            "--planned-on",
            &day(365),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = annex(&["review", "hold", "MR-0002"]);
        assert_eq!(
            out.status.code(),
            Some(5),
            "a review to come cannot be held"
        );
    });
}

#[tokio::test]
async fn reviews_and_their_actions_export_and_import_back() {
    on_every_database!(|app| {
        let browser = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let admin = app.token_as(Role::Admin).await;
        let today = app.store.today();
        let day = |n: i64| annex::domain::input::days_after(&today, n).unwrap();
        let import = |path: &'static str, token: String, body: Vec<u8>| {
            let app = &app;
            async move { app.post_bytes(path, Auth::Bearer(&token), body).await }
        };

        // A sheet of past reviews, as kept before Annex (German headers, Greek and Japanese
        // text); a bad row names its row and column and nothing is written.
        let sheet = format!(
            "Titel,Termin,Vorsitz,Beschlüsse\nReview 2025,{},ceo@example.org,Ενίσχυση εκπαίδευσης\nレビュー,someday,not-a-mail,\n",
            day(-300)
        );
        let res = import(
            "/api/v1/reviews/import",
            manager.clone(),
            sheet.into_bytes(),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 3, column Termin") && res.body.contains("row 3, column Vorsitz"),
            "{}",
            res.body
        );
        let listed = app
            .get("/api/v1/reviews", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(listed, json!([]), "nothing was written");
        let sheet = format!(
            "Titel,Termin,Vorsitz,Beschlüsse\nReview 2025,{},ceo@example.org,Ενίσχυση εκπαίδευσης\nレビュー,{},ceo@example.org,\n",
            day(-300),
            day(0)
        );
        let res = import(
            "/api/v1/reviews/import",
            viewer.clone(),
            sheet.clone().into_bytes(),
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = import(
            "/api/v1/reviews/import",
            manager.clone(),
            sheet.into_bytes(),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            res.json()["report"]["created"],
            json!(["MR-0001", "MR-0002"])
        );

        // Actions name their review, which must exist.
        let sheet = format!(
            "Review,Action,Owner,Due,Status\nMR-0001,Schulung ausweiten,hr@example.org,{},done\nMR-0009,Orphan,hr@example.org,{},\n",
            day(-200),
            day(30)
        );
        let res = import(
            "/api/v1/review-actions/import",
            manager.clone(),
            sheet.into_bytes(),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 3, column Review") && res.body.contains("MR-0009"),
            "{}",
            res.body
        );
        let sheet = format!(
            "Review,Action,Owner,Due,Status\nMR-0001,Schulung ausweiten,hr@example.org,{},done\n",
            day(-200)
        );
        let res = import(
            "/api/v1/review-actions/import",
            manager.clone(),
            sheet.into_bytes(),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["report"]["created"], json!(["RA-0001"]));
        let actions = app
            .get("/api/v1/review-actions", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(actions[0]["status"], "done", "{actions}");
        assert_eq!(actions[0]["review"], "MR-0001", "{actions}");

        // Exports import back unchanged, CSV and XLSX.
        for (export, into, ids) in [
            (
                "/reviews.xlsx",
                "/api/v1/reviews/import",
                json!(["MR-0002", "MR-0001"]),
            ),
            (
                "/reviews.csv",
                "/api/v1/reviews/import",
                json!(["MR-0002", "MR-0001"]),
            ),
            (
                "/review-actions.csv",
                "/api/v1/review-actions/import",
                json!(["RA-0001"]),
            ),
            (
                "/review-actions.xlsx",
                "/api/v1/review-actions/import",
                json!(["RA-0001"]),
            ),
        ] {
            let (status, _, bytes) = app.get_bytes(export, Auth::Browser(&browser)).await;
            assert_eq!(status, StatusCode::OK, "{export}");
            let res = import(into, manager.clone(), bytes).await;
            assert_eq!(res.status, StatusCode::OK, "{export}: {}", res.body);
            assert_eq!(
                res.json()["report"]["unchanged"],
                ids,
                "{export}: {}",
                res.body
            );
        }
        let (_, _, csv) = app.get_bytes("/reviews.csv", Auth::Browser(&browser)).await;
        assert!(
            String::from_utf8(csv)
                .unwrap()
                .contains("Ενίσχυση εκπαίδευσης"),
            "the export keeps Greek text"
        );

        // A sheet without ids updates the reviews its titles name when asked to.
        let sheet = format!(
            "Titel,Termin,Teilnehmer\nReview 2025,{},Vorstand; ISMS-Beauftragte\n",
            day(-300)
        );
        let res = import(
            "/api/v1/reviews/import?match_by_name=true",
            manager.clone(),
            sheet.into_bytes(),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            res.json()["report"]["updated"],
            json!(["MR-0001"]),
            "{}",
            res.body
        );

        // A held review keeps its day.
        let held = app
            .post_json(
                "/api/v1/reviews/MR-0002/hold",
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        assert_eq!(held.status, StatusCode::OK, "{}", held.body);
        let sheet = format!("id,title,planned_on\nMR-0002,レビュー,{}\n", day(-1));
        let res = import(
            "/api/v1/reviews/import",
            manager.clone(),
            sheet.into_bytes(),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 2, column planned_on"),
            "{}",
            res.body
        );
        let sheet = "id,title,decisions\nMR-0002,レビュー,Budget für Awareness freigegeben\n";
        let res = import("/api/v1/reviews/import", manager.clone(), sheet.into()).await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "decisions stay writable: {}",
            res.body
        );
        assert_eq!(res.json()["report"]["updated"], json!(["MR-0002"]));

        // The trail, the list page's links and the command line.
        let trail = app
            .get("/api/v1/audit?object_type=review", Auth::Bearer(&admin))
            .await;
        assert!(
            trail.body.contains("review.create") && trail.body.contains("review.update"),
            "{}",
            trail.body
        );
        let page = app.get("/reviews", Auth::Browser(&browser)).await;
        assert!(page.body.contains("/reviews/import") && page.body.contains("/review-actions.csv"));
        let form = app
            .get("/review-actions/import", Auth::Browser(&browser))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let out = annex(&["review", "export-actions", "--format", "csv"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(String::from_utf8_lossy(&out.stdout).contains("Schulung ausweiten"));
    });
}
