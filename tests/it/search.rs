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
