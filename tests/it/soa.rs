//! The Statement of Applicability: every control undecided until decided, decisions checked
//! (an applicable control says why, an excluded one is justified), measures and risks derived
//! from the risk treatment, warnings, roles, the trail, pages and exports.

use crate::harness::Auth;
use crate::on_every_database;
use annex::domain::user::{Email, Role};
use axum::http::StatusCode;
use serde_json::json;

fn row<'a>(rows: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"]["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

#[tokio::test]
async fn decisions_are_checked_linked_to_the_treatment_and_warned_about() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let rows = app.get("/api/v1/soa", Auth::Bearer(&manager)).await.json();
        assert_eq!(rows.as_array().unwrap().len(), 93);
        assert_eq!(row(&rows, "8.13")["warnings"], json!(["undecided"]));

        let put = |id: &'static str, body: serde_json::Value| {
            let app = &app;
            let token = manager.clone();
            async move {
                app.put_json(
                    &format!("/api/v1/soa/iso27002-2022/{id}"),
                    Auth::Bearer(&token),
                    body,
                )
                .await
            }
        };
        let res = put("8.13", json!({"applicable": "yes", "reasons": ["risk_treatment", "business"], "status": "planned", "maturity": 2, "owner": "ops@example.org"})).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = res.json();
        assert_eq!(r["applicability"]["applicable"], true);
        assert_eq!(
            r["applicability"]["reasons"],
            json!(["risk_treatment", "business"])
        );
        assert_eq!(r["warnings"], json!(["no_measure"]));

        // The treatment links it: a measure implementing 8.13 and a risk it treats.
        let m = app
            .post_json(
                "/api/v1/measures",
                Auth::Bearer(&manager),
                json!({"name": "Offline backups", "controls": "8.13"}),
            )
            .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.body);
        let res = app.post_json("/api/v1/risks", Auth::Bearer(&manager), json!({"owner": "risk.owner@example.org", "id": "R-1", "title": "Ransomware", "inherent_likelihood": 4, "inherent_impact": 5, "measures": "M-0001"})).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let r = app
            .get("/api/v1/soa/iso27002-2022/8.13", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(r["measures"][0]["id"], "M-0001");
        assert_eq!(r["risk_count"], 1);
        assert_eq!(r["risks"][0]["id"], "R-1");
        assert_eq!(r["warnings"], json!([]));
        // Eleven more open risks and a closed one: the row counts the open ones and lists
        // the first ten by id.
        for n in 2..=13 {
            let status = if n == 13 { "closed" } else { "open" };
            let res = app.post_json("/api/v1/risks", Auth::Bearer(&manager), json!({"owner": "risk.owner@example.org", "id": format!("R-{n}"), "title": format!("Risk {n}"), "inherent_likelihood": 2, "inherent_impact": 2, "measures": "M-0001", "status": status})).await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        let r = app
            .get("/api/v1/soa/iso27002-2022/8.13", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(r["risk_count"], 12, "{r}");
        let listed: Vec<&str> = r["risks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["id"].as_str().unwrap())
            .collect();
        assert_eq!(
            listed,
            [
                "R-1", "R-10", "R-11", "R-12", "R-2", "R-3", "R-4", "R-5", "R-6", "R-7"
            ]
        );
        assert_eq!(r["risks"][4]["name"], "Risk 2");

        let bad = put(
            "8.13",
            json!({"applicable": "no", "status": "implemented", "maturity": 9}),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = bad.json()["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            fields,
            ["maturity", "exclusion_reason", "justification", "status"],
            "{}",
            bad.body
        );
        let res = put("8.13", json!({"applicable": "no", "exclusion_reason": "outsourced", "justification": "The hosting provider backs up everything."})).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = res.json();
        assert_eq!(r["applicability"]["status"], "not_applicable");
        assert_eq!(r["warnings"], json!(["selected_but_excluded"]));
        let flagged = app
            .get(
                "/api/v1/soa?warning=selected_but_excluded",
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(flagged.as_array().unwrap().len(), 1);
        assert_eq!(flagged[0]["control"]["id"], "8.13");
        let excluded = app
            .get(
                "/api/v1/soa?applicable=no&theme=technological",
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(excluded.as_array().unwrap().len(), 1);
        let bad = app
            .get("/api/v1/soa?applicable=maybe", Auth::Bearer(&manager))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            app.get("/api/v1/soa/iso27002-2022/99.9", Auth::Bearer(&manager))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        assert_eq!(
            app.get("/api/v1/soa/nist/8.13", Auth::Bearer(&manager))
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Every change is in the trail; a decision that changes nothing is not.
        let trail = |app: &crate::harness::TestApp| {
            let store = app.store.clone();
            async move {
                store
                    .audit_entries(
                        &annex::domain::audit::AuditFilter {
                            object_type: Some("soa".into()),
                            ..Default::default()
                        },
                        50,
                    )
                    .await
                    .unwrap()
                    .len()
            }
        };
        assert_eq!(trail(&app).await, 2);
        put("8.13", json!({"applicable": "no", "exclusion_reason": "outsourced", "justification": "The hosting provider backs up everything."})).await;
        assert_eq!(trail(&app).await, 2, "no change, no entry");
    });
}

#[tokio::test]
async fn only_managers_admins_and_the_control_owner_decide() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let contributor = app.add_user(Role::Contributor).await;
        let user = app
            .store
            .user_by_email(&Email::parse(&contributor).unwrap())
            .await
            .unwrap();
        let owner_token = app
            .store
            .create_token("test", &user.id, "o", None)
            .await
            .unwrap()
            .1;
        let body = json!({"applicable": "yes", "reasons": "business", "status": "implemented"});
        assert_eq!(
            app.put_json(
                "/api/v1/soa/iso27002-2022/5.1",
                Auth::Bearer(&viewer),
                body.clone()
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.put_json(
                "/api/v1/soa/iso27002-2022/5.1",
                Auth::Bearer(&owner_token),
                body.clone()
            )
            .await
            .status,
            StatusCode::FORBIDDEN,
            "not their control yet"
        );
        let assigned = json!({"applicable": "yes", "reasons": "business", "status": "planned", "owner": contributor});
        assert_eq!(
            app.put_json(
                "/api/v1/soa/iso27002-2022/5.1",
                Auth::Bearer(&manager),
                assigned
            )
            .await
            .status,
            StatusCode::OK
        );
        let mine = json!({"applicable": "yes", "reasons": "business", "status": "implemented", "owner": contributor});
        let res = app
            .put_json(
                "/api/v1/soa/iso27002-2022/5.1",
                Auth::Bearer(&owner_token),
                mine,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["applicability"]["status"], "implemented");
    });
}

#[tokio::test]
async fn the_soa_pages_list_filter_decide_and_export() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let page = app.get("/soa", Auth::Browser(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("93 controls") && page.body.contains("93 undecided"),
            "{}",
            page.body
        );
        let form = app
            .get("/soa/iso27002-2022/8.24", Auth::Browser(&admin))
            .await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("Save the decision"));
        let bad = app
            .post_form(
                "/soa/iso27002-2022/8.24",
                Auth::Browser(&admin),
                &[("applicable", "no"), ("justification", "")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body
                .contains("an excluded control needs a written justification"),
            "{}",
            bad.body
        );
        assert!(
            bad.body.contains("value=\"no\" checked"),
            "the form keeps what was typed"
        );
        let ok = app
            .post_form(
                "/soa/iso27002-2022/8.24",
                Auth::Browser(&admin),
                &[
                    ("applicable", "yes"),
                    ("reasons", "legal"),
                    ("reasons", "risk_treatment"),
                    ("status", "partially_implemented"),
                    ("maturity", "3"),
                    ("owner", "sec@example.org"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER, "{}", ok.body);
        let shown = app.get("/soa?applicable=yes", Auth::Browser(&admin)).await;
        assert!(
            shown.body.contains("8.24") && shown.body.contains("partially implemented"),
            "{}",
            shown.body
        );
        assert!(shown.body.contains("<strong>1</strong> of 93 controls"));
        let csv = app.get("/soa.csv", Auth::Browser(&admin)).await;
        assert_eq!(csv.body.lines().count(), 94);
        assert!(
            csv.body
                .lines()
                .any(|l| l.starts_with("8.24,") && l.contains("partially implemented")),
            "{}",
            csv.body
        );
        let (status, _, xlsx) = app
            .get_bytes("/soa.xlsx?applicable=yes", Auth::Browser(&admin))
            .await;
        assert_eq!(status, StatusCode::OK);
        let grid = &annex::exchange::sheet::read_file(&xlsx).unwrap()[0];
        let header = grid
            .rows
            .iter()
            .position(|r| r.first().map(String::as_str) == Some("Control"))
            .expect("a header row below the title block");
        assert!(
            grid.rows[..header]
                .iter()
                .any(|r| r.first().map(String::as_str) == Some("Organisation")),
            "the title block names the organisation"
        );
        let body: Vec<_> = grid.rows[header + 1..]
            .iter()
            .filter(|r| r.iter().any(|c| !c.is_empty()))
            .collect();
        assert_eq!(body.len(), 1, "the one applicable control");
        assert_eq!(body[0][0], "8.24");
        let history = app
            .get("/soa/iso27002-2022/8.24", Auth::Browser(&admin))
            .await;
        assert!(history.body.contains("soa.update") || history.body.contains("sec@example.org"));
    });
}

#[tokio::test]
async fn a_target_date_that_has_passed_is_a_warning_until_the_control_is_implemented() {
    on_every_database!(|app| {
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let browser = app.browser_as(Role::Manager).await;
        let path = "/api/v1/soa/iso27002-2022/8.13";
        let decide = |status: &'static str| json!({"applicable": "yes", "reasons": ["legal"], "status": status, "owner": "ops@example.org", "target_date": "2020-01-31"});
        let res = app
            .put_json(path, Auth::Bearer(&manager), decide("planned"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(
            res.json()["warnings"]
                .as_array()
                .unwrap()
                .contains(&json!("target_date_passed")),
            "{}",
            res.body
        );
        let listed = app
            .get(
                "/api/v1/soa?warning=target_date_passed",
                Auth::Bearer(&manager),
            )
            .await
            .json();
        let ids: Vec<&str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["control"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["8.13"]);
        // People read it as words on the SoA page.
        let page = app
            .get("/soa?warning=target_date_passed", Auth::Browser(&browser))
            .await
            .body;
        assert!(page.contains("its target date has passed and it is not implemented"));

        // Implemented: the date no longer matters.
        let res = app
            .put_json(path, Auth::Bearer(&manager), decide("implemented"))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(
            !res.json()["warnings"]
                .as_array()
                .unwrap()
                .contains(&json!("target_date_passed"))
        );
    });
}

#[tokio::test]
async fn several_controls_are_decided_at_once_all_or_nothing() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let m = || Auth::Bearer(&manager);
        // Through the API: three controls excluded with one reason and justification.
        let res = app
            .post_json(
                "/api/v1/soa/iso27002-2022/decisions",
                m(),
                json!({"controls": ["7.4", "7.5", "A.7.6"], "applicable": "no", "exclusion_reason": "outsourced",
                       "justification": "Το κέντρο δεδομένων το λειτουργεί ο πάροχος."}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["changed"], json!(["7.4", "7.5", "7.6"]));
        let rows = app.get("/api/v1/soa?applicable=no", m()).await.json();
        assert_eq!(rows.as_array().unwrap().len(), 3, "{rows}");
        assert_eq!(
            row(&rows, "7.5")["applicability"]["exclusion_reason"],
            "outsourced"
        );

        // One control that cannot take the decision: nothing is written, and it is named.
        let res = app
            .post_json(
                "/api/v1/soa/iso27002-2022/decisions",
                m(),
                json!({"controls": ["8.13", "7.4"], "applicable": "yes", "owner": "ops@example.org"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("controls[8.13].reasons"), "{}", res.body);
        let rows = app.get("/api/v1/soa?applicable=no", m()).await.json();
        assert_eq!(rows.as_array().unwrap().len(), 3, "7.4 stays excluded");
        let res = app
            .post_json(
                "/api/v1/soa/iso27002-2022/decisions",
                m(),
                json!({"controls": ["9.99"], "owner": "x"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("'9.99' is not a control"), "{}", res.body);

        // A control changed since its revision was read: 409, nothing written.
        let res = app
            .post_json(
                "/api/v1/soa/iso27002-2022/decisions",
                m(),
                json!({"controls": ["7.4", "7.5"], "owner": "facilities@example.org", "revisions": {"7.4": 0}}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let r = app.get("/api/v1/soa/iso27002-2022/7.5", m()).await.json();
        assert_eq!(r["applicability"]["owner"], "");
        assert_eq!(r["applicability"]["revision"], 1);

        // A revision written as 0.0 is the whole number it is (JSON Schema's integer).
        let res = app
            .post_json(
                "/api/v1/soa/iso27002-2022/decisions",
                m(),
                json!({"controls": ["7.5"], "owner": "facilities@example.org", "revisions": {"7.5": 1.0}}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // Contributors and viewers may not decide in bulk.
        let viewer = app.token_as(Role::Contributor).await;
        let res = app
            .post_json(
                "/api/v1/soa/iso27002-2022/decisions",
                Auth::Bearer(&viewer),
                json!({"controls": ["5.1"], "owner": "me@example.org"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        // Through the page: tick, choose, apply; the audit trail has one entry per control.
        let browser = app.browser_as(Role::Manager).await;
        let page = app.get("/soa", Auth::Browser(&browser)).await;
        assert!(page.body.contains("Decide the selected controls at once"));
        assert!(page.body.contains("name=\"revision_5.1\" value=\"0\""));
        let res = app
            .post_form(
                "/soa/decisions?theme=organizational",
                Auth::Browser(&browser),
                &[
                    ("controls", "5.1"),
                    ("controls", "5.2"),
                    ("revision_5.1", "0"),
                    ("revision_5.2", "0"),
                    ("bulk_applicable", "yes"),
                    ("bulk_reasons", "legal"),
                    ("bulk_reasons", "best_practice"),
                    ("bulk_owner", "Ασπασία Παπαδοπούλου"),
                    ("bulk_status", "planned"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let to = res.headers["location"].to_str().unwrap().to_string();
        assert!(to.starts_with("/soa?theme=organizational"), "{to}");
        let shown = app.get(&to, Auth::Browser(&browser)).await;
        assert!(shown.body.contains("The decisions were saved."));
        let r = app.get("/api/v1/soa/iso27002-2022/5.2", m()).await.json();
        assert_eq!(r["applicability"]["owner"], "Ασπασία Παπαδοπούλου");
        assert_eq!(
            r["applicability"]["reasons"],
            json!(["legal", "best_practice"])
        );
        assert_eq!(r["applicability"]["status"], "planned");
        // A bad bulk form comes back with the ticks and fields kept, and names the control.
        let res = app
            .post_form(
                "/soa/decisions",
                Auth::Browser(&browser),
                &[("controls", "5.3"), ("bulk_applicable", "no")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("Nothing was saved."));
        assert!(
            res.body.contains("5.3: say why the control is excluded"),
            "{}",
            res.body
        );
        assert!(
            res.body
                .contains("value=\"5.3\" aria-label=\"Select 5.3\" checked")
        );
    });
}
