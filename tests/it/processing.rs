//! The record of processing activities through the paths people take: an activity with its
//! processors from the supplier register and a transfer without a safeguard named as a gap;
//! bad input named, stale writes refused, roles kept; the page; the record exported as the
//! register Art. 30 asks for and imported back unchanged; the command line; on both
//! databases.

use crate::harness::Auth;
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_record_of_processing_names_processors_and_transfers_and_exports_as_art_30_asks() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let viewer = app.token_as(Role::Viewer).await;
        let res = app
            .post_json(
                "/api/v1/suppliers",
                Auth::Bearer(&manager),
                json!({"name": "Μισθοδοσία Α.Ε.", "personal_data": true}),
            )
            .await;
        let bureau = res.json()["id"].as_str().unwrap().to_string();

        let res = app
            .post_json(
                "/api/v1/processing",
                Auth::Bearer(&manager),
                json!({"name": " ", "legal_basis": "because", "transfers": "Mars", "processors": ["SUP-404"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.fields(),
            ["name", "legal_basis", "transfers"],
            "{}",
            res.body
        );
        let res = app
            .post_json(
                "/api/v1/processing",
                Auth::Bearer(&manager),
                json!({"name": "Payroll", "legal_basis": "legal obligation", "processors": ["SUP-404"]}),
            )
            .await;
        assert_eq!(res.fields(), ["processors"], "{}", res.body);
        let payroll = json!({"name": "Μισθοδοσία", "legal_basis": "legal_obligation", "owner": "hr@example.com",
                             "purposes": "paying staff and their taxes", "data_categories": ["name", "bank account", "salary"],
                             "data_subjects": "employees", "processors": [bureau],
                             "transfers": ["India | none yet"], "retention": "10 years after leaving"});
        let res = app
            .post_json(
                "/api/v1/processing",
                Auth::Bearer(&contributor),
                payroll.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json(
                "/api/v1/processing",
                Auth::Bearer(&manager),
                payroll.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let x = res.json();
        let id = x["id"].as_str().unwrap().to_string();
        assert_eq!(
            x["transfers"],
            json!([{"country": "India", "safeguard": "missing"}])
        );
        let res = app
            .get(
                &format!("/api/v1/processing?supplier={bureau}"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(res.json()["total"], 1, "{}", res.body);

        // The page names the gap; a stale write is refused; the safeguard closes it.
        let browser = app.browser_as(Role::Viewer).await;
        let page = app
            .get(&format!("/processing/{id}"), Auth::Browser(&browser))
            .await;
        assert!(
            page.body.contains("the transfer to India has no safeguard")
                && page.body.contains("Μισθοδοσία Α.Ε."),
            "{}",
            page.body
        );
        let mut fixed = payroll.clone();
        fixed["transfers"] = json!("India | standard contractual clauses");
        let res = crate::documents::send(
            &app,
            "PUT",
            &format!("/api/v1/processing/{id}"),
            &manager,
            Some("\"1\""),
            fixed.clone(),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let stale = crate::documents::send(
            &app,
            "PUT",
            &format!("/api/v1/processing/{id}"),
            &manager,
            Some("\"1\""),
            fixed.clone(),
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);

        // The record as Art. 30 asks for it, which imports back unchanged.
        let (status, _, csv) = app
            .get_bytes("/processing.csv", Auth::Browser(&browser))
            .await;
        assert_eq!(status, StatusCode::OK);
        let text = String::from_utf8(csv.clone()).unwrap();
        for h in ["Legal basis", "Data subjects", "Transfers", "Retention"] {
            assert!(text.contains(h), "{h}: {text}");
        }
        assert!(
            text.contains("India | standard contractual clauses"),
            "{text}"
        );
        assert!(
            text.contains(&format!("{bureau},Μισθοδοσία Α.Ε.")),
            "{text}"
        );
        for path in ["/processing.csv", "/processing.xlsx"] {
            let (_, _, bytes) = app.get_bytes(path, Auth::Browser(&browser)).await;
            let res = app
                .post_bytes("/api/v1/processing/import", Auth::Bearer(&manager), bytes)
                .await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            let report = &res.json()["report"];
            assert_eq!(report["unchanged"], json!([id.clone()]), "{path}: {report}");
        }
        let bad = "Processing activity,Lawful basis,Transfers\nCCTV,legitimate interests,\nNewsletter,whim,USA\n";
        let res = app
            .post_bytes(
                "/api/v1/processing/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 3, column Lawful basis")
                && res.body.contains("row 3, column Transfers"),
            "{}",
            res.body
        );

        // The command line.
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let out = annex(&[
            "processing",
            "add",
            "--name",
            "CCTV",
            "--legal-basis",
            "legitimate interests",
            "--data-categories",
            "images",
            "--special-categories",
            "maybe",
        ]);
        assert_eq!(out.status.code(), Some(3), "a bad yes or no");
        let out = annex(&[
            "processing",
            "add",
            "--name",
            "CCTV",
            "--legal-basis",
            "legitimate interests",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = annex(&["processing", "list"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("2 processing activities"), "{text}");
    });
}
