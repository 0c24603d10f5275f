//! The obligations register through the paths people take: a common obligation added from
//! the starter list (off until then), a contract with a customer, bad input named, stale
//! writes refused, roles kept; the SoA deriving its reasons for inclusion from the applicable
//! obligations linked to controls, naming them, and warning gently on a typed legal or
//! contractual reason with no obligation behind it; pages, exports that import back
//! unchanged, the command line; on both databases.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn soa_row(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/soa/iso27002-2022/{id}"),
            Auth::Bearer(token),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn clause_4_2(app: &TestApp, token: &str) -> Value {
    let r = app
        .get("/api/v1/readiness", Auth::Bearer(token))
        .await
        .json();
    r["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == "4.2")
        .cloned()
        .unwrap_or_else(|| panic!("no clause 4.2 in {r}"))
}

fn warnings(row: &Value) -> Vec<String> {
    row["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn applicable_obligations_give_the_soa_its_reasons_and_a_typed_one_without_is_named() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let viewer = app.token_as(Role::Viewer).await;

        // The starter list: common obligations by name and source, none in the register.
        let starters = app
            .get("/api/v1/obligations/starters", Auth::Bearer(&viewer))
            .await
            .json();
        let keys: Vec<&str> = starters
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["key"].as_str().unwrap())
            .collect();
        for k in ["gdpr", "nis2", "dora", "cra"] {
            assert!(keys.contains(&k), "{k}: {keys:?}");
        }
        let res = app.get("/api/v1/obligations", Auth::Bearer(&viewer)).await;
        assert_eq!(res.json()["total"], 0, "each is off until added");
        assert_eq!(clause_4_2(&app, &viewer).await["status"], "not_met");

        // Bad input named; only managers and admins add.
        let res = app
            .post_json(
                "/api/v1/obligations",
                Auth::Bearer(&manager),
                json!({"title": " ", "kind": "moral", "url": "ftp://example.org", "starter": "magna_carta",
                       "compliance": "mostly", "reviewed_on": "2999-01-01"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.fields(),
            [
                "starter",
                "title",
                "kind",
                "url",
                "compliance",
                "reviewed_on"
            ],
            "{}",
            res.body
        );
        let res = app
            .post_json(
                "/api/v1/obligations",
                Auth::Bearer(&manager),
                json!({"title": "Contract", "kind": "contractual", "controls": "99.99", "supplier": "SUP-404"}),
            )
            .await;
        assert_eq!(res.fields(), ["controls", "supplier"], "{}", res.body);
        let gdpr = json!({"starter": "gdpr", "applicable": true, "controls": ["5.34", "5.31"],
                          "owner": "DPO@example.com", "summary": "Προστασία προσωπικών δεδομένων πελατών"});
        let res = app
            .post_json(
                "/api/v1/obligations",
                Auth::Bearer(&contributor),
                gdpr.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json("/api/v1/obligations", Auth::Bearer(&manager), gdpr.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let o = res.json();
        let gdpr_id = o["id"].as_str().unwrap().to_string();
        assert_eq!(o["title"], "General Data Protection Regulation (GDPR)");
        assert_eq!(o["kind"], "legal");
        assert_eq!(o["reference"], "Regulation (EU) 2016/679");
        assert_eq!(o["owner"], "dpo@example.com");
        assert_eq!(o["compliance"], "not_assessed");
        let res = app
            .post_json("/api/v1/obligations", Auth::Bearer(&manager), gdpr.clone())
            .await;
        assert_eq!(res.fields(), ["starter"], "added once: {}", res.body);
        let starters = app
            .get("/api/v1/obligations/starters", Auth::Bearer(&viewer))
            .await;
        assert!(!starters.body.contains("\"gdpr\""), "{}", starters.body);

        // Readiness: 4.2 is partly met — GDPR applies, but nobody has assessed it.
        let c = clause_4_2(&app, &viewer).await;
        assert_eq!(c["status"], "partly", "{c}");
        assert!(c.to_string().contains("1 not assessed"), "{c}");

        // Interested parties and the obligations their requirements are written in.
        let res = app
            .post_json(
                "/api/v1/parties",
                Auth::Bearer(&manager),
                json!({"name": "Πελάτες", "kind": "pirates", "obligations": ["OB-404"]}),
            )
            .await;
        assert_eq!(res.fields(), ["kind"], "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/parties",
                Auth::Bearer(&manager),
                json!({"name": "Πελάτες", "kind": "customers", "obligations": ["OB-404"]}),
            )
            .await;
        assert_eq!(res.fields(), ["obligations"], "{}", res.body);
        let party = json!({"name": "Πελάτες", "kind": "customers", "needs": "τα δεδομένα τους ασφαλή",
                           "obligations": [gdpr_id.clone()]});
        let res = app
            .post_json("/api/v1/parties", Auth::Bearer(&contributor), party.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json("/api/v1/parties", Auth::Bearer(&manager), party.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let c = clause_4_2(&app, &viewer).await.to_string();
        assert!(
            c.contains("1 interested party recorded")
                && c.contains("whose needs the ISMS does not address yet"),
            "{c}"
        );

        // The SoA: 5.34 is in for a legal requirement, GDPR named; a contractual reason typed
        // on 8.24 with no contract behind it is worth a look, until one is linked.
        let row = soa_row(&app, &viewer, "5.34").await;
        assert_eq!(
            row["derived_reasons"],
            json!([{"reason": "legal", "obligations": ["General Data Protection Regulation (GDPR)"]}]),
            "{row}"
        );
        assert_eq!(row["obligations"][0]["id"], gdpr_id.as_str());
        let decide = |id: &'static str, reasons: Value| {
            let app = &app;
            let token = manager.clone();
            async move {
                let res = app
                    .put_json(
                        &format!("/api/v1/soa/iso27002-2022/{id}"),
                        Auth::Bearer(&token),
                        json!({"applicable": "yes", "reasons": reasons, "status": "planned", "owner": "ops@example.org"}),
                    )
                    .await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
                res.json()
            }
        };
        let row = decide("5.31", json!(["legal"])).await;
        assert!(!warnings(&row).contains(&"reason_unbacked".into()), "{row}");
        let row = decide("8.24", json!(["contractual", "risk_treatment"])).await;
        assert!(warnings(&row).contains(&"reason_unbacked".into()), "{row}");
        let res = app
            .post_json(
                "/api/v1/obligations",
                Auth::Bearer(&manager),
                json!({"title": "Σύμβαση φιλοξενίας με την Ωμέγα Α.Ε.", "kind": "contractual", "counterparty": "Ωμέγα Α.Ε.",
                       "applicable": true, "controls": "8.24, 5.20", "compliance": "compliant"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let row = soa_row(&app, &viewer, "8.24").await;
        assert!(!warnings(&row).contains(&"reason_unbacked".into()), "{row}");
        assert_eq!(row["derived_reasons"][0]["reason"], "contractual");

        // GDPR no longer applies: 5.31's typed legal reason has nothing behind it. A stale
        // write is refused.
        let mut off = gdpr.clone();
        off["applicable"] = json!(false);
        off["applicability_note"] = json!("no personal data of EU residents");
        let res = app
            .put_json(
                &format!("/api/v1/obligations/{gdpr_id}"),
                Auth::Bearer(&manager),
                off.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let row = soa_row(&app, &viewer, "5.31").await;
        assert!(warnings(&row).contains(&"reason_unbacked".into()), "{row}");
        assert_eq!(row["derived_reasons"], json!([]));
        let stale = crate::documents::send(
            &app,
            "PUT",
            &format!("/api/v1/obligations/{gdpr_id}"),
            &manager,
            Some("\"1\""),
            off.clone(),
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);

        // Filters.
        let total = |q: &'static str| {
            let app = &app;
            let token = viewer.clone();
            async move {
                let res = app
                    .get(&format!("/api/v1/obligations{q}"), Auth::Bearer(&token))
                    .await;
                assert_eq!(res.status, StatusCode::OK, "{q}: {}", res.body);
                res.json()["total"].as_i64().unwrap()
            }
        };
        assert_eq!(total("?applicable=true").await, 1);
        assert_eq!(total("?applicable=false").await, 1);
        assert_eq!(total("?control=5.20").await, 1);
        assert_eq!(total("?kind=contractual").await, 1);
        assert_eq!(total("?review_due=1").await, 1);
        let res = app
            .get("/api/v1/obligations?kind=moral", Auth::Bearer(&viewer))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);

        // The pages: the register with the starters; adding one from its button; the SoA
        // row names the obligation.
        let browser = app.browser_as(Role::Manager).await;
        let page = app.get("/obligations", Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("NIS2 Directive") && page.body.contains("It applies to us"),
            "{}",
            page.body
        );
        let csrf = browser.csrf.clone();
        let res = app
            .post_form(
                "/obligations",
                Auth::Browser(&browser),
                &[("_csrf", &csrf), ("starter", "nis2"), ("applicable", "1")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get(&res.location(), Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("Directive (EU) 2022/2555") && page.body.contains("None linked yet"),
            "{}",
            page.body
        );
        let page = app
            .get("/soa/iso27002-2022/8.24", Auth::Browser(&browser))
            .await;
        assert!(
            page.body.contains(
                "<strong>contractual obligation</strong>: Σύμβαση φιλοξενίας με την Ωμέγα Α.Ε."
            ),
            "{}",
            page.body
        );

        // Exports import back unchanged; the command line.
        for path in ["/obligations.csv", "/obligations.xlsx"] {
            let (status, _, bytes) = app.get_bytes(path, Auth::Browser(&browser)).await;
            assert_eq!(status, StatusCode::OK);
            let res = app
                .post_bytes("/api/v1/obligations/import", Auth::Bearer(&manager), bytes)
                .await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            let report = &res.json()["report"];
            assert_eq!(report["unchanged"].as_array().unwrap().len(), 3, "{report}");
        }
        let bad = "Title,Kind,Controls\nΝόμος 4624/2019,legal,5.34\nSomething,ethical,99.1\n";
        let res = app
            .post_bytes(
                "/api/v1/obligations/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("row 3, column Kind"), "{}", res.body);
        assert_eq!(total("").await, 3, "nothing written");

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
        let text = ok(annex(&["obligation", "starters"]));
        assert!(text.contains("dora") && !text.contains("gdpr "), "{text}");
        let text = ok(annex(&[
            "obligation",
            "add",
            "--starter",
            "dora",
            "--applicable",
            "yes",
            "--controls",
            "5.30",
        ]));
        assert!(
            text.contains("Digital Operational Resilience Act"),
            "{text}"
        );
        let out = annex(&["obligation", "edit", "OB-0004", "--compliance", "perfect"]);
        assert_eq!(out.status.code(), Some(3));
        let text = ok(annex(&[
            "party",
            "add",
            "--name",
            "Staff",
            "--kind",
            "staff",
            "--addressed",
            "yes",
        ]));
        assert!(text.contains("added IP-0002"), "{text}");
        let page = app.get("/parties", Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("Πελάτες") && page.body.contains("Staff"),
            "{}",
            page.body
        );

        // Interested parties import: the export comes back unchanged; a list of the team's
        // own adds one and changes only the columns it has; a bad row writes nothing.
        for path in ["/parties.csv", "/parties.xlsx"] {
            let (status, _, bytes) = app.get_bytes(path, Auth::Browser(&browser)).await;
            assert_eq!(status, StatusCode::OK);
            let res = app
                .post_bytes("/api/v1/parties/import", Auth::Bearer(&manager), bytes)
                .await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            let mut same: Vec<String> =
                serde_json::from_value(res.json()["report"]["unchanged"].clone()).unwrap();
            same.sort();
            assert_eq!(same, ["IP-0001", "IP-0002"], "{path}");
        }
        let list = "Stakeholder,Id,Needs and expectations,Addressed\n\
                    Versicherer,,Nachweis der Kontrollen,no\n\
                    Staff,IP-0002,Clear rules and training,\n";
        let res = app
            .post_bytes(
                "/api/v1/parties/import",
                Auth::Bearer(&contributor),
                list.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_bytes(
                "/api/v1/parties/import",
                Auth::Bearer(&manager),
                list.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let report = &res.json()["report"];
        assert_eq!(report["created"], json!(["IP-0003"]), "{report}");
        assert_eq!(report["updated"], json!(["IP-0002"]), "{report}");
        let staff = app
            .get("/api/v1/parties/IP-0002", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(staff["needs"], "Clear rules and training");
        assert_eq!(staff["kind"], "staff", "a column the file lacks is kept");
        for (bad, text) in [
            (
                "Name,Kind,Obligations\nΡυθμιστής,pirates,\nBank,other,\n",
                "row 2, column Kind",
            ),
            (
                "Name,Kind,Obligations\nΡυθμιστής,regulators,\nBank,other,OB-404\n",
                "row 3, column Obligations",
            ),
        ] {
            let res = app
                .post_bytes("/api/v1/parties/import", Auth::Bearer(&manager), bad.into())
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
            assert!(res.body.contains(text), "{text}: {}", res.body);
        }
        let all = app
            .get("/api/v1/parties", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(all["total"], 3, "nothing written: {all}");
        let page = app.get("/parties/import", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK);
        let file = db.dir.path().join("parties.xlsx");
        let f = file.to_str().unwrap();
        ok(annex(&["party", "export", "--format", "xlsx", "--out", f]));
        let text = ok(annex(&["party", "import", f]));
        assert!(text.contains("unchanged 3"), "{text}");
        let text = ok(annex(&["obligation", "list", "--applicable"]));
        assert!(text.contains("3 obligations"), "{text}");
    });
}
