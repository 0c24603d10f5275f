//! The header's search: one box over controls, assets, risks, measures, evidence, hosts and
//! people, grouped by kind.

use crate::harness::Auth;
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn one_search_finds_every_kind_of_record_grouped() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let m = || Auth::Bearer(&manager);
        for (path, body) in [
            (
                "/api/v1/assets",
                json!({"id": "AST-013", "name": "Αντίγραφα ασφαλείας NAS", "asset_type": "hardware", "classification": "internal"}),
            ),
            (
                "/api/v1/risks",
                json!({"title": "Ransomware on the file server", "owner": "ciso@example.org", "inherent_likelihood": 4, "inherent_impact": 5}),
            ),
            (
                "/api/v1/measures",
                json!({"name": "Offline copies against ransomware", "controls": "8.13"}),
            ),
        ] {
            let res = app.post_json(path, m(), body).await;
            assert_eq!(res.status, StatusCode::CREATED, "{path}: {}", res.body);
        }
        let res = app
            .upload(
                "/api/v1/evidence",
                m(),
                &[("title", "Ransomware restore drill"), ("controls", "8.13")],
                Some(("drill.txt", b"restored in 3 hours")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        let viewer = app.browser_as(Role::Viewer).await;
        let v = || Auth::Browser(&viewer);
        let page = app.get("/search?q=Ransomware", v()).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for needle in [
            "Ransomware on the file server",
            "Offline copies against ransomware",
            "Ransomware restore drill",
            "<h2>Risks <span class=\"muted small\">(1)</span></h2>",
        ] {
            assert!(page.body.contains(needle), "{needle}: {}", page.body);
        }
        assert!(
            !page.body.contains("<h2>People"),
            "viewers do not see people"
        );

        let page = app.get("/search?q=AST-013", v()).await;
        assert!(
            page.body.contains("href=\"/assets/AST-013\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("Αντίγραφα ασφαλείας NAS"));
        let page = app
            .get(
                "/search?q=%CE%B1%CF%83%CF%86%CE%B1%CE%BB%CE%B5%CE%AF%CE%B1%CF%82",
                v(),
            )
            .await;
        assert!(
            page.body.contains("AST-013"),
            "Greek words find it: {}",
            page.body
        );

        // Control ids in any usual spelling, in whichever catalogue has them.
        let page = app.get("/search?q=A.8.13", v()).await;
        assert!(
            page.body.contains("href=\"/controls/iso27002-2022/8.13\""),
            "{}",
            page.body
        );
        let page = app.get("/search?q=9.2", v()).await;
        assert!(
            page.body.contains("href=\"/controls/iso27001-2022/9.2\""),
            "{}",
            page.body
        );

        // Admins find people too; an empty search opens the catalogue.
        let admin = app.browser_as(Role::Admin).await;
        let page = app.get("/search?q=example", Auth::Browser(&admin)).await;
        assert!(page.body.contains("<h2>People"), "{}", page.body);
        let res = app.get("/search?q=", v()).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
    });
}

#[tokio::test]
async fn pickers_offer_people_records_and_controls_in_any_spelling() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let res = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&manager),
                json!({"id": "SRV-01", "name": "Web server", "asset_type": "hardware", "classification": "internal"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let person = app.add_user(Role::Contributor).await;
        let viewer = app.browser_as(Role::Viewer).await;
        let get = |path: &'static str| app.get(path, Auth::Browser(&viewer));
        let values = |body: &str| -> Vec<String> {
            serde_json::from_str::<Vec<serde_json::Value>>(body)
                .unwrap()
                .iter()
                .map(|s| s["value"].as_str().unwrap().to_string())
                .collect()
        };
        let people = get("/suggest/people?q=example").await;
        assert_eq!(people.status, StatusCode::OK, "{}", people.body);
        assert!(values(&people.body).contains(&person), "{}", people.body);
        let assets = get("/suggest/assets?q=web").await;
        assert_eq!(values(&assets.body), ["SRV-01"], "{}", assets.body);
        let controls = get("/suggest/controls?q=A.8.13").await;
        assert_eq!(values(&controls.body)[0], "8.13", "{}", controls.body);
        let clause = get("/suggest/controls?q=9.2").await;
        assert!(
            values(&clause.body).contains(&"iso27001-2022:9.2".to_string()),
            "{}",
            clause.body
        );
        let words = get("/suggest/controls?q=backup").await;
        assert!(
            values(&words.body).contains(&"8.13".to_string()),
            "{}",
            words.body
        );
        assert_eq!(
            get("/suggest/nothing?q=x").await.status,
            StatusCode::NOT_FOUND
        );

        // Ids in any usual spelling; every unknown one is named next to the field.
        let res = app
            .post_json(
                "/api/v1/measures",
                Auth::Bearer(&manager),
                json!({"name": "Internal audit programme", "controls": "9.2, A.8.13"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let refs = res.json()["controls"].clone();
        assert_eq!(
            refs,
            json!([{"framework": "iso27002-2022", "id": "8.13"}, {"framework": "iso27001-2022", "id": "9.2"}])
        );
        let editor = app.browser_as(Role::Manager).await;
        let res = app
            .post_form(
                "/measures",
                Auth::Browser(&editor),
                &[("name", "Logging"), ("controls", "9.99, A.12.4.1, banana")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("there is no control 9.99"),
            "{}",
            res.body
        );
        assert!(
            res.body.contains("there is no control banana"),
            "{}",
            res.body
        );
        assert!(
            !res.body.contains("there is no control 12.4.1"),
            "a 2013 id is understood"
        );
    });
}
