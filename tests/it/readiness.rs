//! Gap analysis and certification readiness: computed from the SoA, the risks, the treatment
//! plan, approvals and evidence — through the API, the page and the dashboard; bad queries
//! named.

use crate::harness::Auth;
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn clause<'a>(r: &'a Value, id: &str) -> &'a Value {
    r["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
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

#[tokio::test]
async fn readiness_follows_the_risks_the_treatment_the_approval_and_the_evidence() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let auth = || Auth::Bearer(&manager);
        let r = app.get("/api/v1/readiness", auth()).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let r = r.json();
        assert_eq!(clause(&r, "6.1.2")["status"], "not_met");
        assert_eq!(clause(&r, "6.1.3")["status"], "not_met");
        assert!(reasons(clause(&r, "6.1.3")).contains("never been approved"));
        assert_eq!(clause(&r, "7.5")["status"], "not_met");
        assert_eq!(r["next"][0]["what"], "controls to decide");
        assert_eq!(r["next"][0]["count"], 93);

        // A risk to modify without a measure, then its measure.
        let res = app.post_json("/api/v1/risks", auth(), json!({"owner": "risk.owner@example.org", "id": "R-1", "title": "Ransomware", "inherent_likelihood": 4, "inherent_impact": 5, "treatment": "modify"})).await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let r = app.get("/api/v1/readiness", auth()).await.json();
        assert_eq!(clause(&r, "6.1.2")["status"], "met", "{r}");
        assert!(
            reasons(clause(&r, "6.1.3")).contains("1 risks to modify have no measure"),
            "{r}"
        );
        let m = app
            .post_json(
                "/api/v1/measures",
                auth(),
                json!({"name": "Offline backups", "controls": "8.13"}),
            )
            .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.body);
        let res = app.put_json("/api/v1/risks/R-1", auth(), json!({"owner": "risk.owner@example.org", "title": "Ransomware", "inherent_likelihood": 4, "inherent_impact": 5, "treatment": "modify", "measures": "M-0001"})).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // Every control decided: 8.13 implemented, the others excluded with a justification.
        let rows = app.get("/api/v1/soa", auth()).await.json();
        for row in rows.as_array().unwrap() {
            let id = row["control"]["id"].as_str().unwrap();
            let body = if id == "8.13" {
                json!({"applicable": "yes", "reasons": ["risk_treatment"], "status": "implemented", "owner": "ops@example.org"})
            } else {
                json!({"applicable": "no", "exclusion_reason": "other", "justification": "Out of this test's scope."})
            };
            let res = app
                .put_json(&format!("/api/v1/soa/iso27002-2022/{id}"), auth(), body)
                .await;
            assert_eq!(res.status, StatusCode::OK, "{id}: {}", res.body);
        }
        let r = app.get("/api/v1/readiness", auth()).await.json();
        assert_eq!(clause(&r, "7.5")["status"], "not_met", "{r}");
        assert!(
            reasons(clause(&r, "7.5")).contains("0 of 1 controls in place have valid evidence")
        );
        assert!(
            r["next"]
                .as_array()
                .unwrap()
                .iter()
                .any(|n| n["what"] == "controls in place without valid evidence"
                    && n["examples"] == json!(["8.13"])),
            "{r}"
        );

        // Evidence on the measure proves 8.13; approval makes 6.1.3 met, a change partly.
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&manager),
                &[
                    ("title", "Restore test"),
                    ("measures", "M-0001"),
                    ("valid_until", "2099-01-01"),
                ],
                Some(("restore.txt", b"restored 42 files".as_slice())),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_json("/api/v1/soa/versions", auth(), json!({"note": "MR-1"}))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let r = app.get("/api/v1/readiness", auth()).await.json();
        assert_eq!(clause(&r, "7.5")["status"], "met", "{r}");
        assert_eq!(clause(&r, "6.1.3")["status"], "met", "{r}");
        let res = app.put_json("/api/v1/soa/iso27002-2022/8.13", auth(), json!({"applicable": "yes", "reasons": ["risk_treatment"], "status": "partially_implemented", "owner": "ops@example.org"})).await;
        assert_eq!(res.status, StatusCode::OK);
        let r = app.get("/api/v1/readiness", auth()).await.json();
        assert_eq!(clause(&r, "6.1.3")["status"], "partly", "{r}");
        assert!(reasons(clause(&r, "6.1.3")).contains("1 controls changed since version 1"));

        // The page and the dashboard say the same.
        let admin = app.browser_as(Role::Viewer).await;
        let page = app.get("/soa/gaps", Auth::Browser(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("6.1.3") && page.body.contains("partly met"));
        let dash = app.get("/", Auth::Browser(&admin)).await;
        assert!(
            dash.body.contains("Certification readiness"),
            "{}",
            dash.body
        );
    });
}

#[tokio::test]
async fn gaps_group_by_theme_or_attribute_within_a_value() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let auth = || Auth::Bearer(&manager);
        for (id, status) in [
            ("8.15", "implemented"),
            ("8.16", "planned"),
            ("5.1", "implemented"),
        ] {
            let res = app
                .put_json(
                    &format!("/api/v1/soa/iso27002-2022/{id}"),
                    auth(),
                    json!({"applicable": "yes", "reasons": ["best_practice"], "status": status}),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        }
        let themes = app.get("/api/v1/soa/gaps", auth()).await.json();
        let rows = themes.as_array().unwrap();
        assert_eq!(rows.len(), 4);
        let total: u64 = rows.iter().map(|r| r["total"].as_u64().unwrap()).sum();
        assert_eq!(total, 93);
        let tech = rows.iter().find(|r| r["key"] == "technological").unwrap();
        assert_eq!(
            (
                tech["applicable"].clone(),
                tech["implemented"].clone(),
                tech["planned"].clone()
            ),
            (json!(2), json!(1), json!(1))
        );

        // The #Detective controls per security domain: 8.15 and 8.16 are detective.
        let d = app
            .get(
                "/api/v1/soa/gaps?by=security_domains&within=control_type:Detective",
                auth(),
            )
            .await;
        assert_eq!(d.status, StatusCode::OK, "{}", d.body);
        let d = d.json();
        let defence = d
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["key"] == "Defence")
            .unwrap();
        assert!(defence["implemented"].as_u64().unwrap() >= 1, "{d}");
        assert!(
            d.as_array()
                .unwrap()
                .iter()
                .all(|r| r["implemented"].as_u64().unwrap() <= 1),
            "5.1 is not detective: {d}"
        );

        let bad = app.get("/api/v1/soa/gaps?by=colour", auth()).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.json()["error"]["details"][0]["field"], "by");
        let bad = app
            .get("/api/v1/soa/gaps?within=control_type:Sneaky", auth())
            .await;
        assert_eq!(bad.json()["error"]["details"][0]["field"], "within");
        let bad = app.get("/api/v1/soa/gaps?sort=x", auth()).await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);

        let viewer = app.browser_as(Role::Viewer).await;
        let page = app
            .get(
                "/soa/gaps?by=operational_capabilities",
                Auth::Browser(&viewer),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Governance") && page.body.contains("<svg class=\"stack\""));
        let bad = app.get("/soa/gaps?by=colour", Auth::Browser(&viewer)).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("is not a grouping"));
    });
}
