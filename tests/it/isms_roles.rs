//! Roles and responsibilities (27001 5.3) through the paths people take: roles added and
//! edited with holders, bad input named, stale writes refused, imported and exported; the
//! ownership view derived from the registers naming mismatches, leavers and unknown owners;
//! readiness of 5.3 following; pages and the command line; on both databases.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn clause_5_3(app: &TestApp, token: &str) -> Value {
    let r = app
        .get("/api/v1/readiness", Auth::Bearer(token))
        .await
        .json();
    r["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "5.3")
        .cloned()
        .unwrap_or_else(|| panic!("no clause 5.3 in {r}"))
}

fn person<'a>(o: &'a Value, email: &str) -> &'a Value {
    o["people"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["email"] == email)
        .unwrap_or_else(|| panic!("{email} not in {o}"))
}

#[tokio::test]
async fn roles_are_held_and_the_ownership_view_names_what_does_not_match() {
    on_every_database!(|app| {
        let browser = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let viewer = app.token_as(Role::Viewer).await;
        let c = clause_5_3(&app, &viewer).await;
        assert_eq!(c["status"], "not_met", "{c}");

        // Records owned by people in the staff directory, one of whom has left.
        for (name, email, left) in [
            ("Jana Nováková", "jana@example.cz", ""),
            ("Petr Svoboda", "petr@example.cz", ""),
            ("Eva Dvořáková", "eva@example.cz", "2026-01-31"),
        ] {
            let res = app
                .post_json(
                    "/api/v1/people",
                    Auth::Bearer(&manager),
                    json!({"name": name, "email": email, "left_on": left}),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        for (id, owner) in [
            ("R-1", "Petr@example.cz"),
            ("R-2", "petr@example.cz"),
            ("R-3", "eva@example.cz"),
        ] {
            let res = app
                .post_json(
                    "/api/v1/risks",
                    Auth::Bearer(&manager),
                    json!({"owner": owner, "id": id, "title": format!("Riziko {id}"), "inherent_likelihood": 3, "inherent_impact": 3, "treatment": "modify"}),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        let res = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&manager),
                json!({"name": "Mzdový systém", "asset_type": "Software", "classification": "Internal", "owner": "nobody@elsewhere.org"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        // Roles: a contributor may not add one; bad input named; the ISMS manager and a risk
        // owner who owns no risk.
        let role = json!({"name": "Správce ISMS", "kind": "ISMS manager",
            "responsibilities": "Vede ISMS a podává zprávy vedení", "holders": "Jana@example.cz"});
        let res = app
            .post_json("/api/v1/roles", Auth::Bearer(&contributor), role.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json("/api/v1/roles", Auth::Bearer(&manager), role)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["holders"], json!(["jana@example.cz"]));
        let res = app
            .post_json(
                "/api/v1/roles",
                Auth::Bearer(&manager),
                json!({"name": "", "kind": "king", "holders": "jana"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["name", "kind", "holders"], "{}", res.body);
        let res = app
            .post_form(
                "/roles",
                Auth::Browser(&browser),
                &[
                    ("name", "Vlastník rizik"),
                    ("kind", "risk_owner"),
                    ("holders", "jana@example.cz"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/roles/RL-0002?notice=role-saved");

        let o = app
            .get("/api/v1/roles/ownership", Auth::Bearer(&viewer))
            .await
            .json();
        let jana = person(&o, "jana@example.cz");
        assert_eq!(jana["name"], "Jana Nováková");
        assert_eq!(
            jana["notes"],
            json!(["holds the risk owner role but owns no risk"]),
            "{o}"
        );
        let petr = person(&o, "petr@example.cz");
        assert_eq!(
            petr["owns"][0]["what"], "2 risks",
            "owners in any case are one: {o}"
        );
        assert_eq!(
            petr["notes"],
            json!(["owns 2 risks but does not hold a risk owner role"])
        );
        let eva = person(&o, "eva@example.cz");
        assert_eq!(eva["known"], "left");
        assert_eq!(eva["notes"], json!(["has left, yet owns 1 record"]));
        let nobody = person(&o, "nobody@elsewhere.org");
        assert_eq!(nobody["known"], "unknown");
        assert_eq!(
            o["required_missing"],
            json!(["top management", "internal auditor"])
        );
        let c = clause_5_3(&app, &viewer).await;
        assert_eq!(c["status"], "partly", "{c}");
        let why = c["reasons"].to_string();
        assert!(
            why.contains("no one holds a role of top management, internal auditor")
                && why.contains("2 people who left or whom Annex does not know")
                && why.contains("2 people whose roles and what they own do not match"),
            "{why}"
        );

        // The page shows names and what to look at; the risk moves to Jana.
        let page = app.get("/roles/ownership", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Eva Dvořáková")
                && page.body.contains("has left, yet owns 1 record")
                && page
                    .body
                    .contains("href=\"/risks?owner=petr%40example.cz\""),
            "{}",
            page.body
        );
        let page = app.get("/roles", Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("Správce ISMS") && page.body.contains("Jana Nováková"),
            "{}",
            page.body
        );

        // Edits: a stale write refused; every change in the trail.
        let got = app
            .get("/api/v1/roles/RL-0002", Auth::Bearer(&viewer))
            .await;
        assert_eq!(got.header("etag"), Some("\"1\""));
        let body = json!({"name": "Vlastník rizik", "kind": "risk_owner",
            "responsibilities": "Rozhoduje o ošetření svých rizik", "holders": "jana@example.cz, petr@example.cz"});
        let res = app
            .put_json_if_match(
                "/api/v1/roles/RL-0002",
                Auth::Bearer(&manager),
                body.clone(),
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .put_json_if_match(
                "/api/v1/roles/RL-0002",
                Auth::Bearer(&manager),
                body,
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let o = app
            .get("/api/v1/roles/ownership", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(person(&o, "petr@example.cz")["notes"], json!([]), "{o}");

        // Export imports back unchanged; a sheet of the team's own adds the missing roles.
        for path in ["/roles.csv", "/roles.xlsx"] {
            let (status, _, bytes) = app.get_bytes(path, Auth::Browser(&browser)).await;
            assert_eq!(status, StatusCode::OK);
            let res = app
                .post_bytes("/api/v1/roles/import", Auth::Bearer(&manager), bytes)
                .await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            assert_eq!(
                res.json()["report"]["unchanged"],
                json!(["RL-0001", "RL-0002"]),
                "{path}"
            );
        }
        let sheet = "Rolle,Typ,Aufgaben,Inhaber\n\
                     Geschäftsführung,top management,Genehmigt die Politik,jana@example.cz\n\
                     Interne Auditorin,internal auditor,Prüft das ISMS,petr@example.cz\n";
        let bad = "Rolle,Typ,Inhaber\nA,other,\nB,emperor,x@y\n";
        let res = app
            .post_bytes("/api/v1/roles/import", Auth::Bearer(&manager), bad.into())
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("row 3, column Typ"), "{}", res.body);
        let res = app
            .post_bytes("/api/v1/roles/import", Auth::Bearer(&manager), sheet.into())
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            res.json()["report"]["created"],
            json!(["RL-0003", "RL-0004"])
        );
        let o = app
            .get("/api/v1/roles/ownership", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(o["required_missing"], json!([]), "{o}");

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
        let text = ok(annex(&["role", "ownership"]));
        assert!(
            text.contains("Eva Dvořáková") && text.contains("has left"),
            "{text}"
        );
        let text = ok(annex(&[
            "role",
            "add",
            "--name",
            "Incident manager",
            "--kind",
            "incident_manager",
        ]));
        assert!(text.contains("added RL-0005"), "{text}");
        let out = annex(&["role", "edit", "RL-0005", "--holders", "not an address"]);
        assert_eq!(out.status.code(), Some(3));
        let text = ok(annex(&["role", "list"]));
        assert!(text.contains("Geschäftsführung"), "{text}");
    });
}
