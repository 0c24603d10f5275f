//! The risk matrix: a valid 5×5 by default, edited through the page and the API with every
//! problem named, presets after confirmation, each change audited.

use crate::harness::Auth;
use crate::on_every_database;
use annex::domain::user::Role;
use annex::registers::matrix::domain::Matrix;
use axum::http::StatusCode;

#[tokio::test]
async fn the_default_matrix_is_5x5_and_the_api_replaces_it_with_every_problem_named() {
    on_every_database!(|app| {
        let viewer = app.token_as(Role::Viewer).await;
        let manager = app.token_as(Role::Manager).await;
        let got = app
            .get("/api/v1/risk-matrix", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(got["likelihood"].as_array().unwrap().len(), 5);
        assert_eq!(got["grid"][4][4], "critical");

        let mut bad = Matrix::default_5x5();
        bad.levels[1].colour = "yellowish".into();
        bad.grid[0][1] = "purple".into();
        let res = app
            .put_json(
                "/api/v1/risk-matrix",
                Auth::Bearer(&manager),
                serde_json::to_value(&bad).unwrap(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = res.json()["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(fields, ["levels[2].colour", "grid[1][2]"]);
        let garbage = app
            .put_json(
                "/api/v1/risk-matrix",
                Auth::Bearer(&manager),
                serde_json::json!({"likelihood": 3}),
            )
            .await;
        assert_eq!(garbage.status, StatusCode::BAD_REQUEST);

        let three = Matrix::preset(3).unwrap();
        let forbidden = app
            .put_json(
                "/api/v1/risk-matrix",
                Auth::Bearer(&viewer),
                serde_json::to_value(&three).unwrap(),
            )
            .await;
        assert_eq!(forbidden.status, StatusCode::FORBIDDEN);
        let ok = app
            .put_json(
                "/api/v1/risk-matrix",
                Auth::Bearer(&manager),
                serde_json::to_value(&three).unwrap(),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        assert_eq!(app.store.risk_matrix().await.unwrap(), three);
        assert_eq!(ok.headers["etag"], "\"1\"", "the first save");
        // A script that read the matrix before that change does not overwrite it.
        let stale = app
            .send(
                axum::http::Request::put("/api/v1/risk-matrix")
                    .header("authorization", format!("Bearer {manager}"))
                    .header("content-type", "application/json")
                    .header("if-match", "\"0\"")
                    .body(axum::body::Body::from(
                        serde_json::to_string(&Matrix::default_5x5()).unwrap(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        assert_eq!(app.store.risk_matrix().await.unwrap(), three);
        let trail = app.audit_of("risk_matrix", 10).await;
        assert_eq!(trail.len(), 1);
        assert!(
            trail[0]
                .before
                .as_deref()
                .unwrap()
                .contains("Almost certain")
                && trail[0].after.as_deref().unwrap().contains("Unlikely")
        );
    });
}

#[tokio::test]
async fn a_manager_edits_the_matrix_on_its_page_and_applies_a_preset_after_confirming() {
    on_every_database!(|app| {
        let manager = app.browser_as(Role::Manager).await;
        let page = app.get("/risk-matrix", Auth::Browser(&manager)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("<svg class=\"matrix\"") && page.body.contains("Save the matrix")
        );
        assert!(
            page.body.contains("name=\"revision\" value=\"0\""),
            "a matrix never saved is at revision 0"
        );

        let m = app.store.risk_matrix().await.unwrap();
        let mut fields: Vec<(String, String)> = Vec::new();
        for s in &m.likelihood {
            fields.push((format!("likelihood_name_{}", s.value), s.name.clone()));
            fields.push((
                format!("likelihood_desc_{}", s.value),
                s.description.clone(),
            ));
        }
        for s in &m.impact {
            fields.push((format!("impact_name_{}", s.value), s.name.clone()));
            fields.push((format!("impact_desc_{}", s.value), s.description.clone()));
        }
        for lv in &m.levels {
            fields.push((format!("level_name_{}", lv.key), lv.name.clone()));
            fields.push((format!("level_colour_{}", lv.key), lv.colour.clone()));
        }
        for l in 1..=5 {
            for i in 1..=5 {
                fields.push((format!("cell_{l}_{i}"), m.grid[l - 1][i - 1].clone()));
            }
        }
        fields.push(("threshold".into(), "medium".into()));
        fields.retain(|(k, _)| k != "cell_1_5");
        fields.push(("cell_1_5".into(), "high".into()));
        fields.retain(|(k, _)| k != "likelihood_name_2");
        fields.push(("likelihood_name_2".into(), "Seldom".into()));
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let saved = app
            .post_form("/risk-matrix", Auth::Browser(&manager), &borrowed)
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let now = app.store.risk_matrix().await.unwrap();
        assert_eq!(now.grid[0][4], "high");
        assert_eq!(now.likelihood[1].name, "Seldom");
        assert!(now.acceptable("medium"));

        let mut bad = borrowed.clone();
        bad.retain(|(k, _)| *k != "threshold" && *k != "likelihood_name_2");
        bad.push(("threshold", "nonsense"));
        bad.push(("likelihood_name_2", "Σπάνια"));
        let refused = app
            .post_form("/risk-matrix", Auth::Browser(&manager), &bad)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        // The picture and the scales are the matrix as saved; the form keeps the changes.
        assert!(
            refused
                .body
                .contains("Not saved. The grid and scales below are the matrix as saved")
        );
        assert!(
            refused.body.contains("<dt>2 · Seldom</dt>"),
            "{}",
            refused.body
        );
        assert!(!refused.body.contains("<dt>2 · Σπάνια</dt>"));
        assert!(refused.body.contains("value=\"Σπάνια\""));
        // A form opened before the last save is refused, naming the change since.
        let mut stale = borrowed.clone();
        stale.push(("revision", "0"));
        let res = app
            .post_form("/risk-matrix", Auth::Browser(&manager), &stale)
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(
            res.body
                .contains("Someone else saved this record since you opened it.")
        );
        assert!(res.body.contains("name=\"revision\" value=\"1\""));
        assert!(
            refused
                .body
                .contains("&#x27;nonsense&#x27; is not one of the risk levels")
                || refused.body.contains("nonsense")
        );
        assert_eq!(
            app.store.risk_matrix().await.unwrap(),
            now,
            "nothing changed"
        );

        let confirm = app
            .get("/risk-matrix/preset?size=4", Auth::Browser(&manager))
            .await;
        assert!(
            confirm
                .body
                .contains("Replace the matrix with the 4×4 preset?")
        );
        assert_eq!(
            app.get("/risk-matrix/preset?size=7", Auth::Browser(&manager))
                .await
                .status,
            StatusCode::UNPROCESSABLE_ENTITY
        );
        let applied = app
            .post_form(
                "/risk-matrix/preset",
                Auth::Browser(&manager),
                &[("size", "4")],
            )
            .await;
        assert_eq!(applied.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.store.risk_matrix().await.unwrap(),
            Matrix::preset(4).unwrap()
        );

        let viewer = app.browser_as(Role::Viewer).await;
        let read = app.get("/risk-matrix", Auth::Browser(&viewer)).await;
        assert!(read.body.contains("Almost certain") && !read.body.contains("Save the matrix"));
        assert_eq!(
            app.post_form(
                "/risk-matrix/preset",
                Auth::Browser(&viewer),
                &[("size", "3")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
    });
}

#[tokio::test]
async fn a_preset_that_cannot_replace_the_matrix_says_so_before_anyone_confirms() {
    on_every_database!(|app| {
        app.set_up().await;
        let manager = app.browser_as(Role::Manager).await;
        let token = app.token_as(Role::Manager).await;
        let res = app
            .post_json(
                "/api/v1/risks",
                Auth::Bearer(&token),
                serde_json::json!({"owner": "risk.owner@example.org", "title": "Ransomware on the file server", "inherent_likelihood": 4, "inherent_impact": 5}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let before = app.store.risk_matrix().await.unwrap();

        // A 3×3 preset would rescale the risk rated on 5×5: the page says so, offers no
        // "Replace" and leads back.
        let page = app
            .get("/risk-matrix/preset?size=3", Auth::Browser(&manager))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("cannot replace the matrix now"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("1 risk is rated on the current 5×5 scales")
        );
        assert!(!page.body.contains("Replace with the 3×3 preset"));
        assert!(page.body.contains("href=\"/risk-matrix\""));
        // The 5×5 preset keeps the scales' sizes: it may replace it.
        let page = app
            .get("/risk-matrix/preset?size=5", Auth::Browser(&manager))
            .await;
        assert!(page.body.contains("Replace with the 5×5 preset"));

        // Posted anyway (an old tab): refused with the same page, nothing changed.
        let res = app
            .post_form(
                "/risk-matrix/preset",
                Auth::Browser(&manager),
                &[("size", "3")],
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("cannot replace the matrix now"));
        assert!(res.body.contains("href=\"/risk-matrix\""));
        assert_eq!(app.store.risk_matrix().await.unwrap(), before);
    });
}
