//! Questionnaires written in a spreadsheet: Annex's two listed and shown, exported and
//! imported back unchanged; a team's own sheet (Japanese and Greek, its own headers) imported
//! after a dry run, sent to a supplier and answered through the link; bad sheets named by row
//! and column with nothing written; a shipped questionnaire not replaced; a stale write 409;
//! roles; the command line; on both databases.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn report_of(res: &crate::harness::Res) -> Value {
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["report"].clone()
}

async fn questions(app: &TestApp, token: &str, key: &str) -> Vec<String> {
    let res = app
        .get(
            &format!("/api/v1/questionnaires/{key}"),
            Auth::Bearer(token),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let q = res.json();
    q["sections"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["questions"].as_array().unwrap().clone())
        .map(|x| x["text"].as_str().unwrap().to_string())
        .collect()
}

const TEAM_SHEET: &str = "Questionnaire,Title,Domain,Question,Type,Weight,Evidence required,Options\n\
    lieferanten-2027,取引先セキュリティ確認 2027,ガバナンス,情報セキュリティ方針はありますか？,Yes/No,3,yes,\n\
    ,,,インシデントを何時間以内に通知しますか？,Multiple choice,5,,24 時間 = 100; 72 時間 = 40; なし = 0\n\
    ,,Υποδομή,Πού φιλοξενούνται τα δεδομένα μας;,free text,2,,\n";

#[tokio::test]
async fn a_team_writes_its_questionnaire_in_a_spreadsheet_and_sends_it() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let browser = app.browser_as(Role::Manager).await;
        let viewer = app.browser_as(Role::Viewer).await;

        // Annex's own, listed and shown; their export imports back unchanged.
        let page = app
            .get("/suppliers/questionnaires", Auth::Browser(&viewer))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("Baseline security questionnaire")
                && page.body.contains("/suppliers/questionnaires/cloud")
                && !page
                    .body
                    .contains("href=\"/suppliers/questionnaires/import\""),
            "{}",
            page.body
        );
        let page = app
            .get("/suppliers/questionnaires/cloud", Auth::Browser(&viewer))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("points"), "{}", page.body);
        for path in [
            "/suppliers/questionnaires.csv",
            "/suppliers/questionnaires.xlsx",
        ] {
            let (status, _, bytes) = app.get_bytes(path, Auth::Browser(&browser)).await;
            assert_eq!(status, StatusCode::OK);
            let report = report_of(
                &app.post_bytes(
                    "/api/v1/questionnaires/import",
                    Auth::Bearer(&manager),
                    bytes,
                )
                .await,
            );
            assert_eq!(report["unchanged"], json!(["baseline", "cloud"]), "{path}");
        }

        // A shipped questionnaire is not changed by a file.
        let (_, _, csv) = app
            .get_bytes(
                "/suppliers/questionnaires.csv?key=cloud",
                Auth::Browser(&browser),
            )
            .await;
        let csv = String::from_utf8(csv).unwrap();
        let first = questions(&app, &manager, "cloud").await[0].clone();
        let changed = csv.replacen(&first, "Something else entirely", 1);
        assert_ne!(changed, csv);
        let res = app
            .post_bytes(
                "/api/v1/questionnaires/import",
                Auth::Bearer(&manager),
                changed.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 2, column Questionnaire") && res.body.contains("Annex ships"),
            "{}",
            res.body
        );

        // The team's sheet: a dry run, then the import.
        let report = report_of(
            &app.post_bytes(
                "/api/v1/questionnaires/import?dry_run=true",
                Auth::Bearer(&manager),
                TEAM_SHEET.into(),
            )
            .await,
        );
        assert_eq!(report["created"], json!(["lieferanten-2027"]));
        let res = app
            .get(
                "/api/v1/questionnaires/lieferanten-2027",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::NOT_FOUND,
            "a dry run writes nothing"
        );
        let res = app
            .post_bytes(
                "/api/v1/questionnaires/import",
                Auth::Bearer(&contributor),
                TEAM_SHEET.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let report = report_of(
            &app.post_bytes(
                "/api/v1/questionnaires/import",
                Auth::Bearer(&manager),
                TEAM_SHEET.into(),
            )
            .await,
        );
        assert_eq!(report["created"], json!(["lieferanten-2027"]));
        let res = app
            .get(
                "/api/v1/questionnaires/lieferanten-2027",
                Auth::Bearer(&manager),
            )
            .await;
        let q = res.json();
        assert_eq!(q["title"], "取引先セキュリティ確認 2027");
        assert_eq!(q["sections"][0]["title"], "ガバナンス");
        assert_eq!(q["sections"][0]["questions"][1]["kind"], "choice");
        assert_eq!(q["sections"][0]["questions"][1]["weight"], 5);
        assert_eq!(
            q["sections"][0]["questions"][1]["options"][1],
            json!({"label": "72 時間", "points": 40})
        );
        assert_eq!(q["sections"][1]["questions"][0]["id"], "2.1");
        assert_eq!(q["sections"][0]["questions"][0]["evidence"], true);
        let trail = app.audit_of("questionnaire", 5).await;
        assert!(
            trail.iter().any(|e| e.action == "questionnaire.import"),
            "{trail:?}"
        );
        let page = app
            .get(
                "/suppliers/questionnaires/lieferanten-2027",
                Auth::Browser(&viewer),
            )
            .await;
        assert!(
            page.body.contains("Πού φιλοξενούνται τα δεδομένα μας;")
                && page.body.contains("72 時間 (40 points)"),
            "{}",
            page.body
        );

        // Its export (XLSX) imports back unchanged.
        let (_, _, xlsx) = app
            .get_bytes(
                "/suppliers/questionnaires.xlsx?key=lieferanten-2027",
                Auth::Browser(&browser),
            )
            .await;
        let report = report_of(
            &app.post_bytes(
                "/api/v1/questionnaires/import",
                Auth::Bearer(&manager),
                xlsx,
            )
            .await,
        );
        assert_eq!(report["unchanged"], json!(["lieferanten-2027"]));

        // A bad sheet: each problem by row and column, nothing written.
        let bad = "Questionnaire,Question,Type,Weight,Options\n\
                   lieferanten-2027,Haben Sie eine Richtlinie?,Yes/No,9,\n\
                   lieferanten-2027,Wie schnell?,vielleicht,1,\n\
                   lieferanten-2027,Eine Wahl,choice,2,nur = 100\n";
        let res = app
            .post_bytes(
                "/api/v1/questionnaires/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        for text in ["row 2, column Weight", "row 3, column Type"] {
            assert!(res.body.contains(text), "{text}: {}", res.body);
        }
        assert_eq!(
            questions(&app, &manager, "lieferanten-2027").await.len(),
            3,
            "nothing written"
        );
        let mut huge = String::from("Questionnaire,Question\n");
        for i in 0..6001 {
            huge.push_str(&format!("q{},Frage {i}?\n", i % 30));
        }
        let res = app
            .post_bytes(
                "/api/v1/questionnaires/import",
                Auth::Bearer(&manager),
                huge.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.fields(),
            ["the file"],
            "a problem of the whole file names no row: {}",
            res.body
        );
        let res = app
            .get("/suppliers/questionnaires/import", Auth::Browser(&browser))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // Written through the API: a stale revision is refused.
        let res = app
            .get(
                "/api/v1/questionnaires/lieferanten-2027",
                Auth::Bearer(&manager),
            )
            .await;
        let mut q = res.json();
        let etag = res.headers["etag"].to_str().unwrap().to_string();
        q["title"] = json!("取引先セキュリティ確認 2027 改訂");
        let path = "/api/v1/questionnaires/lieferanten-2027";
        let res = crate::supplier::put(&app, path, &manager, Some(&etag), q.clone()).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = crate::supplier::put(&app, path, &manager, Some(&etag), q).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

        // Sent to a supplier, the link shows its questions.
        let res = app
            .post_json(
                "/api/v1/suppliers",
                Auth::Bearer(&manager),
                json!({"name": "東京データ株式会社"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let supplier = res.json()["id"].as_str().unwrap().to_string();
        let res = app
            .post_json(
                &format!("/api/v1/suppliers/{supplier}/assessments"),
                Auth::Bearer(&manager),
                json!({"questionnaire": "lieferanten-2027"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let link = res.json()["link"].as_str().unwrap().to_string();
        let page = app.get(&link, Auth::None).await;
        assert!(
            page.body
                .contains("インシデントを何時間以内に通知しますか？"),
            "{}",
            page.body
        );

        // The command line.
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let file = db.dir.path().join("fragebogen.xlsx");
        let f = file.to_str().unwrap();
        let out = annex(&[
            "assessment",
            "questionnaire-export",
            "--key",
            "lieferanten-2027",
            "--format",
            "xlsx",
            "--out",
            f,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = annex(&["assessment", "questionnaire-import", f]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success() && text.contains("unchanged 1"),
            "{text}"
        );
        let out = annex(&["assessment", "questionnaire-export", "--key", "nope"]);
        assert!(!out.status.success());
    });
}
