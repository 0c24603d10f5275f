//! The API reference page: the document rendered for people, signed in, as the organisation
//! has its lists.

use crate::harness::Auth;
use crate::on_every_database;
use axum::http::StatusCode;

#[tokio::test]
async fn the_reference_page_says_every_operation_and_what_it_accepts() {
    on_every_database!(|app| {
        app.set_up().await;
        let viewer = app.browser_as(annex::domain::user::Role::Viewer).await;
        // Without signing in, the page asks for it; the JSON document stays public.
        let res = app.get("/api", Auth::None).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert!(res.location().starts_with("/login"), "{}", res.location());

        let res = app.get("/api", Auth::Browser(&viewer)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let page = res.body;
        let doc = app
            .get("/api/v1/openapi.json", Auth::Browser(&viewer))
            .await
            .json();
        let mut operations = 0;
        for (path, item) in doc["paths"].as_object().unwrap() {
            for method in ["get", "post", "put", "delete"] {
                if item.get(method).is_some() {
                    operations += 1;
                    let id = format!(
                        "id=\"{}\"",
                        format!("{method}{path}")
                            .chars()
                            .map(|c| if c.is_ascii_alphanumeric() {
                                c.to_ascii_lowercase()
                            } else {
                                '-'
                            })
                            .collect::<String>()
                    );
                    assert!(page.contains(&id), "{method} {path} has its entry ({id})");
                }
            }
        }
        assert!(page.contains(&format!("{operations} operations")));
        // Closed lists in words, the organisation's own included (its asset types).
        assert!(page.contains("one of (empty), open, in_treatment, closed, active"));
        assert!(page.contains("Hardware"), "the asset types as configured");
        assert!(page.contains("text of 1 to 200 characters"));
        assert!(page.contains("href=\"/api/v1/openapi.json\""));
        // The sidebar leads here.
        let dashboard = app.get("/", Auth::Browser(&viewer)).await.body;
        assert!(dashboard.contains("href=\"/api\""));
    });
}
