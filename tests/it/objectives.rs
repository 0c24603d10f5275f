//! Objectives and indicators (27001 6.2, 9.1) through the paths people take: an objective
//! with an indicator Annex computes from the SoA, measured at once, on demand and by the
//! scheduled snapshot once per period; an indicator measured by hand by its owner, a second
//! value for a period replacing the first; bad input named; stale writes refused; the trend
//! on the pages; the command line; on both databases.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

async fn decide(app: &TestApp, token: &str, id: &str, status: &str) {
    let res = app
        .put_json(
            &format!("/api/v1/soa/iso27002-2022/{id}"),
            Auth::Bearer(token),
            json!({"applicable": "yes", "reasons": ["risk_treatment"], "status": status}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "deciding {id}: {}", res.body);
}

#[tokio::test]
async fn objectives_are_measured_by_computed_and_manual_indicators() {
    on_every_database!(|app| {
        let browser = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let contributor_email = app.add_user(Role::Contributor).await;
        let contributor = app.token_for(&contributor_email).await;
        let today = app.store.today();
        let month = format!("{}-01", &today[..7]);

        for (id, status) in [
            ("5.15", "implemented"),
            ("5.16", "implemented"),
            ("5.17", "implemented"),
            ("5.18", "partially_implemented"),
        ] {
            decide(&app, &manager, id, status).await;
        }

        let clause = |id: &'static str| {
            let viewer = viewer.clone();
            let app = &app;
            async move {
                let r = app
                    .get("/api/v1/readiness", Auth::Bearer(&viewer))
                    .await
                    .json();
                r["clauses"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .find(|c| c["id"] == id)
                    .cloned()
                    .unwrap()
            }
        };
        assert_eq!(clause("6.2").await["status"], "not_met");
        assert_eq!(clause("9.1").await["status"], "not_met");

        // The objective and its computed indicator, measured at once: 3 of 4 = 75%.
        let res = app
            .post_json(
                "/api/v1/objectives",
                Auth::Bearer(&contributor),
                json!({"title": "x"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json(
                "/api/v1/objectives",
                Auth::Bearer(&manager),
                json!({"title": "95 % zavedených opatření", "owner": "ciso@example.org", "due_on": "2027-06-30"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["id"], "OBJ-0001");
        let res = app
            .post_json(
                "/api/v1/kpis",
                Auth::Bearer(&manager),
                json!({"name": "Controls implemented", "objective": "OBJ-0001",
                    "metric": "controls_implemented", "target": 95}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let k = res.json();
        assert_eq!(k["id"], "KPI-0001");
        assert_eq!(k["unit"], "%");
        assert_eq!(k["direction"], "at_least");
        assert_eq!(k["latest"]["value"], 75.0, "{k}");
        assert_eq!(k["latest"]["period"], month.as_str());
        assert_eq!(k["status"], "off_target");

        // Bad input named; an unknown objective too.
        let res = app
            .post_json(
                "/api/v1/kpis",
                Auth::Bearer(&manager),
                json!({"name": "", "metric": "luck", "target": "viel", "frequency": "hourly"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["name", "metric", "target", "frequency"]);
        let res = app
            .post_json(
                "/api/v1/kpis",
                Auth::Bearer(&manager),
                json!({"name": "x", "objective": "OBJ-9", "target": 1}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["objective"]);

        // More implemented: the scheduled snapshot does not measure a period twice; on demand
        // it does, replacing the period's value.
        decide(&app, &manager, "5.18", "implemented").await;
        let res = app
            .post_json("/api/v1/kpis/snapshot", Auth::Bearer(&manager), json!({}))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["measured"], json!([]));
        let res = app
            .post_json(
                "/api/v1/kpis/KPI-0001/snapshot",
                Auth::Bearer(&viewer),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json(
                "/api/v1/kpis/KPI-0001/snapshot",
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["value"], 100.0);
        let k = app
            .get("/api/v1/kpis/KPI-0001", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(k["status"], "on_target", "{k}");
        let res = app
            .post_json(
                "/api/v1/kpis/KPI-0001/measurements",
                Auth::Bearer(&manager),
                json!({"value": 50}),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "a computed one is not typed: {}",
            res.body
        );

        // A manual indicator owned by the contributor: they record it, a period's second
        // value replaces the first, a period to come and a share over 100 are refused.
        let res = app
            .post_json(
                "/api/v1/kpis",
                Auth::Bearer(&manager),
                json!({"name": "Phishing-Klickrate", "unit": "%", "target": "5", "direction": "at_most",
                    "owner": contributor_email, "objective": "OBJ-0001"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["status"], "no_data");
        let last_month = annex::domain::input::days_after(&month, -1).unwrap();
        for (value, period) in [("12,5", last_month.as_str()), ("7", ""), ("4.5", "")] {
            let res = app
                .post_json(
                    "/api/v1/kpis/KPI-0002/measurements",
                    Auth::Bearer(&contributor),
                    json!({"value": value, "period": period, "note": "Kampagne"}),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        let ms = app
            .get("/api/v1/kpis/KPI-0002/measurements", Auth::Bearer(&viewer))
            .await
            .json();
        let values: Vec<f64> = ms
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["value"].as_f64().unwrap())
            .collect();
        assert_eq!(values, [12.5, 4.5], "{ms}");
        let res = app
            .post_json(
                "/api/v1/kpis/KPI-0002/measurements",
                Auth::Bearer(&contributor),
                json!({"value": 140, "period": "2099-01-01"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["period", "value"]);
        let other = app.token_as(Role::Contributor).await;
        let res = app
            .post_json(
                "/api/v1/kpis/KPI-0002/measurements",
                Auth::Bearer(&other),
                json!({"value": 1}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "not their indicator");
        let trail = app
            .get(
                &format!("/api/v1/audit?object_type=kpi_measurement&object_id=KPI-0002:{month}"),
                Auth::Bearer(&app.token_as(Role::Auditor).await),
            )
            .await
            .json();
        assert_eq!(trail.as_array().unwrap().len(), 2, "{trail}");
        assert_eq!(trail[0]["action"], "kpi.measure");
        assert!(
            !trail[0]["before"].is_null() && trail[1]["before"].is_null(),
            "the replacement keeps what it replaced: {trail}"
        );

        // Stale writes refused.
        let k = app
            .get("/api/v1/kpis/KPI-0002", Auth::Bearer(&viewer))
            .await;
        let tag = k.header("etag").unwrap().to_string();
        let mut body = json!({"name": "Phishing-Klickrate", "unit": "%", "target": "4", "direction": "at_most",
            "owner": contributor_email, "objective": "OBJ-0001"});
        let res = app
            .put_json_if_match(
                "/api/v1/kpis/KPI-0002",
                Auth::Bearer(&manager),
                body.clone(),
                &tag,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        body["target"] = json!("3");
        let res = app
            .put_json_if_match("/api/v1/kpis/KPI-0002", Auth::Bearer(&manager), body, &tag)
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

        let c = clause("6.2").await;
        assert_eq!(c["status"], "met", "{c}");
        let c = clause("9.1").await;
        assert_eq!(c["status"], "met", "{c}");
        assert!(
            c["reasons"].to_string().contains("1 off target: KPI-0002"),
            "{c}"
        );

        // Pages: the objective with both trends, the indicator with its table.
        let page = app.get("/objectives", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("95 % zavedených opatření")
                && page.body.contains("100%")
                && page.body.contains("Phishing-Klickrate"),
            "{}",
            page.body
        );
        let page = app
            .get("/objectives/OBJ-0001", Auth::Browser(&browser))
            .await;
        assert_eq!(
            page.body.matches("<svg class=\"chart trend\"").count(),
            2,
            "{}",
            page.body
        );
        assert!(page.body.contains("target 95%"), "{}", page.body);
        let page = app.get("/kpis/KPI-0002", Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("12.5%") && page.body.contains("Kampagne"),
            "{}",
            page.body
        );
        let res = app
            .post_form(
                "/kpis/KPI-0002/measurements",
                Auth::Browser(&browser),
                &[("value", "viel")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.body.contains("viel") && res.body.contains("is not a number"),
            "{}",
            res.body
        );
        let metrics = app
            .get("/api/v1/kpis/metrics", Auth::Bearer(&viewer))
            .await
            .json();
        assert!(metrics.as_array().unwrap().len() >= 12, "{metrics}");

        // Measurements export and import back unchanged; a history kept in a spreadsheet
        // comes in; a bad row writes nothing.
        for path in ["/kpis/measurements.csv", "/kpis/measurements.xlsx"] {
            let (status, _, bytes) = app.get_bytes(path, Auth::Browser(&browser)).await;
            assert_eq!(status, StatusCode::OK);
            let res = app
                .post_bytes(
                    "/api/v1/kpis/measurements/import",
                    Auth::Bearer(&manager),
                    bytes,
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            let report = &res.json()["report"];
            assert_eq!(
                report["unchanged"].as_array().unwrap().len(),
                3,
                "{path}: {report}"
            );
        }
        let (status, _, bytes) = app.get_bytes("/kpis.xlsx", Auth::Browser(&browser)).await;
        assert_eq!(status, StatusCode::OK);
        assert!(bytes.starts_with(b"PK"));
        let history = "Kennzahl,Monat,Wert,Bemerkung\n\
                       KPI-0002,2026-01-15,21,Erste Kampagne\n\
                       KPI-0002,2026-02-15,\"19,5\",\n";
        let res = app
            .post_bytes(
                "/api/v1/kpis/measurements/import",
                Auth::Bearer(&manager),
                history.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            res.json()["report"]["created"],
            json!(["KPI-0002:2026-01-01", "KPI-0002:2026-02-01"])
        );
        let bad = "Indicator,Period,Value\nKPI-0002,2026-03-01,3\nKPI-0404,2026-03-01,3\nKPI-0002,2099-01-01,abc\n";
        let res = app
            .post_bytes(
                "/api/v1/kpis/measurements/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 3, column Indicator")
                && res.body.contains("row 4, column Period")
                && res.body.contains("row 4, column Value"),
            "{}",
            res.body
        );
        let ms = app
            .get("/api/v1/kpis/KPI-0002/measurements", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(
            ms.as_array().unwrap().len(),
            4,
            "nothing of the bad file written: {ms}"
        );
        let page = app
            .get("/kpis/measurements/import", Auth::Browser(&browser))
            .await;
        assert_eq!(page.status, StatusCode::OK);

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
        let text = ok(annex(&["kpi", "list"]));
        assert!(
            text.contains("at least 95%") && text.contains("on target"),
            "{text}"
        );
        let text = ok(annex(&[
            "kpi",
            "add",
            "--name",
            "Overdue measures",
            "--metric",
            "measures_overdue",
            "--target",
            "0",
        ]));
        assert!(text.contains("added KPI-0003"), "{text}");
        let text = ok(annex(&["kpi", "metrics"]));
        assert!(
            text.contains("controls_implemented") && text.contains("100%"),
            "{text}"
        );
        let text = ok(annex(&["kpi", "record", "KPI-0002", "3"]));
        assert!(text.contains("recorded 3"), "{text}");
        let out = annex(&["kpi", "record", "KPI-0001", "3"]);
        assert_eq!(out.status.code(), Some(5));
        let text = ok(annex(&["kpi", "history", "KPI-0002"]));
        assert!(text.contains("12.5%") && text.contains("3%"), "{text}");
        let file = db.dir.path().join("history.xlsx");
        let f = file.to_str().unwrap();
        ok(annex(&[
            "kpi",
            "export",
            "--measurements",
            "--format",
            "xlsx",
            "--out",
            f,
        ]));
        let text = ok(annex(&["kpi", "import", f]));
        assert!(text.contains("unchanged 6"), "{text}");
        let text = ok(annex(&["objective", "status", "OBJ-0001", "achieved"]));
        assert!(text.contains("achieved"), "{text}");
    });
}
