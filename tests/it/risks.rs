//! Risks through the API: ratings read from the matrix, links to assets and measures (and so to
//! controls), acceptance of the residual risk and its renewal, and a matrix that cannot be
//! rescaled under rated risks.

use crate::harness::{Auth, PASSWORD};
use crate::on_every_database;
use annex::domain::user::{Email, Role};
use annex::registers::matrix::domain::Matrix;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn risks_are_rated_on_the_matrix_linked_filtered_and_accepted() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let owner = app.add_user(Role::Contributor).await;
        let owner_user = app
            .store
            .user_by_email(&Email::parse(&owner).unwrap())
            .await
            .unwrap();
        let owner_token = app
            .store
            .create_token("test", &owner_user.id, "o", None)
            .await
            .unwrap()
            .1;
        assert_eq!(app.post_json("/api/v1/assets", Auth::Bearer(&manager), json!({"id": "SRV-01", "name": "Web server", "asset_type": "hardware", "classification": "internal"})).await.status, StatusCode::CREATED);
        assert_eq!(
            app.post_json(
                "/api/v1/measures",
                Auth::Bearer(&manager),
                json!({"name": "MFA", "controls": "5.17, 8.5"})
            )
            .await
            .status,
            StatusCode::CREATED
        );

        let res = app
            .post_json(
                "/api/v1/risks",
                Auth::Bearer(&manager),
                json!({"title": "Account takeover", "threat": "Credential stuffing", "owner": owner, "inherent_likelihood": "Likely", "inherent_impact": 5,
                       "current_likelihood": 3, "target_likelihood": "Rare", "target_impact": "Minor", "assets": ["SRV-01"], "measures": "M-0001"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let risk = res.json();
        assert_eq!(risk["id"], "R-0001");
        assert_eq!(
            risk["inherent"],
            json!({"likelihood": 4, "impact": 5, "level": "critical"})
        );
        assert_eq!(
            risk["current"]["impact"], 5,
            "current impact defaults to inherent"
        );
        assert_eq!(risk["target"]["level"], "low");

        let bad = app.post_json("/api/v1/risks", Auth::Bearer(&manager), json!({"owner": "risk.owner@example.org", "title": "", "inherent_likelihood": "hihg", "inherent_impact": 9, "assets": "NOPE"})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = bad.json()["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap().to_string())
            .collect();
        assert!(
            fields.starts_with(&[
                "title".to_string(),
                "inherent_likelihood".to_string(),
                "inherent_impact".to_string()
            ]),
            "{fields:?}"
        );
        let ghost = app.post_json("/api/v1/risks", Auth::Bearer(&manager), json!({"owner": "risk.owner@example.org", "title": "X", "inherent_likelihood": 1, "inherent_impact": 1, "assets": "NOPE"})).await;
        assert!(ghost.body.contains("there is no asset NOPE"));

        for (query, n) in [
            ("level=low", 1),
            // The level's name, as create and the pages spell it.
            ("level=Low", 1),
            ("level=LOW", 1),
            ("level=critical", 0),
            ("asset=SRV-01", 1),
            ("control=8.5", 1),
            ("control=8.13", 0),
            ("cell=inherent:4:5", 1),
            ("q=takeover", 1),
        ] {
            assert_eq!(
                app.get(&format!("/api/v1/risks?{query}"), Auth::Bearer(&manager))
                    .await
                    .json()["total"],
                n,
                "{query}"
            );
        }
        // A malformed query parameter is a bad request naming it.
        let sideways = app
            .get("/api/v1/risks?cell=sideways", Auth::Bearer(&manager))
            .await;
        assert_eq!(sideways.status, StatusCode::BAD_REQUEST);
        assert_eq!(sideways.json()["error"]["code"], "invalid_query");
        assert_eq!(sideways.json()["error"]["details"][0]["field"], "cell");
        let unknown = app
            .get("/api/v1/risks?level=apocalyptic", Auth::Bearer(&manager))
            .await;
        assert_eq!(unknown.status, StatusCode::BAD_REQUEST);
        assert_eq!(unknown.json()["error"]["details"][0]["field"], "level");

        // Below the threshold, the owner accepts; a viewer may not.
        let viewer = app.token_as(Role::Viewer).await;
        assert_eq!(
            app.post_json(
                "/api/v1/risks/R-0001/acceptance",
                Auth::Bearer(&viewer),
                json!({"valid_until": "2099-01-01"})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let past = app
            .post_json(
                "/api/v1/risks/R-0001/acceptance",
                Auth::Bearer(&owner_token),
                json!({"valid_until": "2001-01-01"}),
            )
            .await;
        assert_eq!(past.status, StatusCode::UNPROCESSABLE_ENTITY);
        let accepted = app
            .post_json(
                "/api/v1/risks/R-0001/acceptance",
                Auth::Bearer(&owner_token),
                json!({"valid_until": "2099-01-01", "rationale": "MFA covers it"}),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        assert_eq!(
            accepted.json()["acceptance"]["accepted"]["target"]["level"],
            "low"
        );

        // Raising the residual level marks the acceptance for renewal; above the threshold
        // only a manager may accept, and with a rationale.
        let mut input = json!({"title": "Account takeover", "owner": owner, "inherent_likelihood": 4, "inherent_impact": 5, "current_likelihood": 3, "target_likelihood": 3, "target_impact": 4, "assets": "SRV-01", "measures": "M-0001"});
        let changed = app
            .put_json(
                "/api/v1/risks/R-0001",
                Auth::Bearer(&owner_token),
                input.clone(),
            )
            .await;
        assert_eq!(changed.status, StatusCode::OK, "{}", changed.body);
        assert_eq!(changed.json()["acceptance"]["needs_renewal"], true);
        assert_eq!(
            app.post_json(
                "/api/v1/risks/R-0001/acceptance",
                Auth::Bearer(&owner_token),
                json!({"valid_until": "2099-01-01", "rationale": "still fine"})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let no_reason = app
            .post_json(
                "/api/v1/risks/R-0001/acceptance",
                Auth::Bearer(&manager),
                json!({"valid_until": "2099-01-01"}),
            )
            .await;
        assert_eq!(no_reason.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(
            no_reason.json()["error"]["details"][0]["field"],
            "rationale"
        );
        let renewed = app
            .post_json(
                "/api/v1/risks/R-0001/acceptance",
                Auth::Bearer(&manager),
                json!({"valid_until": "2099-01-01", "rationale": "Board decision 2026-11"}),
            )
            .await;
        assert_eq!(renewed.json()["acceptance"]["needs_renewal"], false);

        // A contributor edits only the risks they own.
        input["owner"] = json!("someone@example.org");
        assert_eq!(
            app.put_json(
                "/api/v1/risks/R-0001",
                Auth::Bearer(&manager),
                input.clone()
            )
            .await
            .status,
            StatusCode::OK
        );
        assert_eq!(
            app.put_json("/api/v1/risks/R-0001", Auth::Bearer(&owner_token), input)
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let _ = PASSWORD;
    });
}

#[tokio::test]
async fn the_matrix_cannot_be_rescaled_under_rated_risks_but_its_grid_relevels_them() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        app.post_json(
            "/api/v1/risks",
            Auth::Bearer(&manager),
            json!({"owner": "risk.owner@example.org", "title": "Flood", "inherent_likelihood": 1, "inherent_impact": 5}),
        )
        .await;
        let three = Matrix::preset(3).unwrap();
        let refused = app
            .put_json(
                "/api/v1/risk-matrix",
                Auth::Bearer(&manager),
                serde_json::to_value(&three).unwrap(),
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT);
        assert!(
            refused
                .body
                .contains("1 risk is rated on the current 5×5 scales")
        );
        let mut m = Matrix::default_5x5();
        m.grid[0][4] = "critical".into();
        assert_eq!(
            app.put_json(
                "/api/v1/risk-matrix",
                Auth::Bearer(&manager),
                serde_json::to_value(&m).unwrap()
            )
            .await
            .status,
            StatusCode::OK
        );
        let risk = app.store.risk("R-0001").await.unwrap();
        assert_eq!(
            risk.inherent.level, "critical",
            "levels follow the new grid; ratings are unchanged"
        );
        assert_eq!((risk.inherent.likelihood, risk.inherent.impact), (1, 5));
    });
}

#[tokio::test]
async fn a_risk_manager_writes_rates_accepts_and_finds_a_risk_on_the_heat_map_in_the_pages() {
    on_every_database!(|app| {
        let manager = app.browser_as(Role::Manager).await;
        let empty = app.get("/risks", Auth::Browser(&manager)).await;
        assert!(empty.body.contains("No risk yet"));
        let bad = app
            .post_form(
                "/risks",
                Auth::Browser(&manager),
                &[
                    ("title", "Laptop theft"),
                    ("owner", "risk.owner@example.org"),
                    ("inherent_likelihood", ""),
                    ("inherent_impact", "4"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("choose a likelihood") && bad.body.contains("value=\"Laptop theft\"")
        );
        let made = app
            .post_form(
                "/risks",
                Auth::Browser(&manager),
                &[
                    ("title", "Laptop theft"),
                    ("owner", "risk.owner@example.org"),
                    ("threat", "Thief"),
                    ("inherent_likelihood", "4"),
                    ("inherent_impact", "4"),
                    ("target_likelihood", "2"),
                    ("target_impact", "2"),
                    ("treatment", "modify"),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let record = app.get("/risks/R-0001", Auth::Browser(&manager)).await;
        assert!(
            record.body.contains("Accept the residual risk") && record.body.contains("4 Likely")
        );
        let accepted = app
            .post_form(
                "/risks/R-0001/accept",
                Auth::Browser(&manager),
                &[
                    ("rationale", "Disk encryption"),
                    ("valid_until", "2099-12-31"),
                ],
            )
            .await;
        assert_eq!(accepted.status, StatusCode::SEE_OTHER, "{}", accepted.body);
        let bad_accept = app
            .post_form(
                "/risks/R-0001/accept",
                Auth::Browser(&manager),
                &[("valid_until", "never")],
            )
            .await;
        assert_eq!(bad_accept.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad_accept.body.contains("is not a date"));

        let heat = app.get("/risks/heat-map", Auth::Browser(&manager)).await;
        assert_eq!(heat.status, StatusCode::OK);
        assert!(
            heat.body
                .contains("href=\"/risks?cell=inherent:4:4&#38;status=active\"")
                && heat
                    .body
                    .contains("href=\"/risks?cell=target:2:2&#38;status=active\""),
            "heat-map cells link to the risks in them that are not closed: {}",
            heat.body
        );
        let cell = app
            .get("/risks?cell=inherent:4:4", Auth::Browser(&manager))
            .await;
        assert!(
            cell.body.contains("R-0001") && cell.body.contains("active"),
            "{}",
            cell.body
        );
        let viewer = app.browser_as(Role::Viewer).await;
        let read = app.get("/risks/R-0001", Auth::Browser(&viewer)).await;
        assert!(
            !read.body.contains("Accept the residual risk")
                && !read.body.contains("/risks/R-0001/edit")
        );
    });
}

#[tokio::test]
async fn overdue_reviews_lapsed_acceptances_and_overdue_measures_show_on_the_dashboard() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        app.post_json("/api/v1/risks", Auth::Bearer(&manager), json!({"owner": "risk.owner@example.org", "title": "Old review", "inherent_likelihood": 1, "inherent_impact": 1, "review_due_on": "2001-01-01"})).await;
        app.post_json("/api/v1/risks", Auth::Bearer(&manager), json!({"owner": "risk.owner@example.org", "title": "Fresh", "inherent_likelihood": 1, "inherent_impact": 1, "review_due_on": "2099-01-01"})).await;
        app.post_json(
            "/api/v1/risks/R-0002/acceptance",
            Auth::Bearer(&manager),
            json!({"valid_until": "2099-01-01"}),
        )
        .await;
        app.put_json("/api/v1/risks/R-0002", Auth::Bearer(&manager), json!({"owner": "risk.owner@example.org", "title": "Fresh", "inherent_likelihood": 2, "inherent_impact": 2, "review_due_on": "2099-01-01"})).await;
        app.post_json(
            "/api/v1/measures",
            Auth::Bearer(&manager),
            json!({"name": "Late", "due_on": "2001-01-01"}),
        )
        .await;
        assert_eq!(
            app.get("/api/v1/risks?attention=review", Auth::Bearer(&manager))
                .await
                .json()["items"][0]["id"],
            "R-0001"
        );
        assert_eq!(
            app.get("/api/v1/risks?attention=acceptance", Auth::Bearer(&manager))
                .await
                .json()["items"][0]["id"],
            "R-0002"
        );
        let later = app
            .get("/api/v1/risks?attention=later", Auth::Bearer(&manager))
            .await;
        assert_eq!(later.status, StatusCode::BAD_REQUEST);
        assert_eq!(later.json()["error"]["details"][0]["field"], "attention");
        let viewer = app.browser_as(Role::Viewer).await;
        let dash = app.get("/", Auth::Browser(&viewer)).await;
        for text in [
            "<strong>1</strong> risks past their review date",
            "<strong>1</strong> risk acceptances expired or needing renewal",
            "<strong>1</strong> measures past their due date",
        ] {
            assert!(dash.body.contains(text), "dashboard shows {text}");
        }
    });
}

#[tokio::test]
async fn registers_export_as_csv_with_the_filters_shown() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        app.post_json("/api/v1/assets", Auth::Bearer(&manager), json!({"id": "SRV-01", "name": "Web, server", "asset_type": "hardware", "classification": "internal", "tags": "dmz"})).await;
        app.post_json("/api/v1/assets", Auth::Bearer(&manager), json!({"id": "DB-1", "name": "Database", "asset_type": "information", "classification": "restricted"})).await;
        app.post_json(
            "/api/v1/measures",
            Auth::Bearer(&manager),
            json!({"name": "MFA", "controls": "5.17, 8.5", "cost": 100}),
        )
        .await;
        app.post_json("/api/v1/risks", Auth::Bearer(&manager), json!({"owner": "risk.owner@example.org", "title": "Takeover", "inherent_likelihood": 4, "inherent_impact": 5, "assets": "SRV-01", "measures": "M-0001"})).await;
        let viewer = app.browser_as(Role::Viewer).await;
        let page = app
            .get("/assets?type=hardware", Auth::Browser(&viewer))
            .await;
        assert!(
            page.body.contains("href=\"/assets.csv?type=hardware\""),
            "the export link keeps the filters"
        );
        let assets = app
            .get("/assets.csv?type=hardware", Auth::Browser(&viewer))
            .await;
        assert_eq!(
            assets.headers.get("content-type").unwrap(),
            "text/csv; charset=utf-8"
        );
        let lines: Vec<&str> = assets.body.lines().collect();
        assert_eq!(lines.len(), 2);
        assert!(
            lines[0].starts_with("ID,Name,Asset type")
                && lines[1].starts_with("SRV-01,\"Web, server\",Hardware"),
            "types by name, headers in words: {}",
            assets.body
        );
        let risks = app.get("/risks.csv", Auth::Browser(&viewer)).await.body;
        assert!(
            risks.lines().nth(1).unwrap().contains("Takeover")
                && risks.contains(",critical,")
                && risks.contains("SRV-01")
        );
        let measures = app.get("/measures.csv", Auth::Browser(&viewer)).await.body;
        assert!(
            measures.contains("\"5.17, 8.5\"") && measures.contains(",100,"),
            "{measures}"
        );
    });
}

#[tokio::test]
async fn the_heat_map_follows_every_change_of_a_risk_even_from_another_instance() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let (other_store, _) = app.second_instance().await;
        let cell = |counts: Vec<(i64, i64, i64)>, l: i64, i: i64| {
            counts
                .into_iter()
                .find(|c| c.0 == l && c.1 == i)
                .map(|c| c.2)
                .unwrap_or(0)
        };
        let target = annex::registers::risk::domain::RatingKind::Target;
        let ctx = crate::harness::operator(&app.store);
        let heat = |kind| {
            let ctx = ctx.clone();
            async move {
                annex::registers::risk::service::heat_map(&ctx, kind)
                    .await
                    .unwrap()
            }
        };
        assert_eq!(cell(heat(target).await, 2, 4), 0);
        let res = app
            .post_json(
                "/api/v1/risks",
                Auth::Bearer(&manager),
                json!({"owner": "risk.owner@example.org", "id": "R-1", "title": "Outage", "inherent_likelihood": 4, "inherent_impact": 4, "target_likelihood": 2}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(cell(heat(target).await, 2, 4), 1);
        // Another instance moves the risk: this one's counts follow.
        let input = annex::registers::risk::domain::RiskInput {
            owner: "risk.owner@example.org".into(),
            title: "Outage".into(),
            inherent_likelihood: "4".into(),
            inherent_impact: "4".into(),
            target_likelihood: "1".into(),
            ..Default::default()
        };
        annex::registers::risk::service::update(
            &crate::harness::operator(&other_store),
            "R-1",
            None,
            &input,
        )
        .await
        .unwrap();
        let counts = heat(target).await;
        assert_eq!((cell(counts.clone(), 2, 4), cell(counts, 1, 4)), (0, 1));
        let page = app.get("/risks/heat-map", Auth::Bearer(&manager)).await;
        assert!(
            page.body.contains("/risks?cell=target:1:4"),
            "{}",
            page.body
        );
        other_store.close().await;
    });
}

#[tokio::test]
async fn the_register_sorts_pages_by_any_order_and_leaves_closed_risks_off_the_heat_map() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        for (id, l, i, status, review) in [
            ("R-1", 1, 1, "open", "2027-03-01"),
            ("R-2", 5, 5, "closed", "2020-01-01"),
            ("R-3", 4, 4, "in treatment", ""),
            ("R-4", 2, 3, "open", "2026-01-01"),
            ("R-5", 3, 3, "Treatment in progress (NC-2)", "2027-01-01"),
        ] {
            let res = app
                .post_json(
                    "/api/v1/risks",
                    Auth::Bearer(&manager),
                    json!({"owner": "risk.owner@example.org", "id": id, "title": format!("Risk {id}"), "inherent_likelihood": l, "inherent_impact": i, "status": status, "review_due_on": review}),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        // Two at a time, following the cursors, in each order.
        let walk = |sort: &'static str, status: &'static str| {
            let app = &app;
            let manager = manager.clone();
            async move {
                let mut ids = Vec::new();
                let mut cursor: Option<String> = None;
                loop {
                    let mut path = format!("/api/v1/risks?limit=2&sort={sort}{status}");
                    if let Some(c) = &cursor {
                        path.push_str(&format!(
                            "&cursor={}",
                            &serde_urlencoded::to_string([("c", c)]).unwrap()[2..]
                        ));
                    }
                    let page = app.get(&path, Auth::Bearer(&manager)).await;
                    assert_eq!(page.status, StatusCode::OK, "{path}: {}", page.body);
                    let page = page.json();
                    for r in page["items"].as_array().unwrap() {
                        ids.push(r["id"].as_str().unwrap().to_string());
                    }
                    match page["next_cursor"].as_str() {
                        Some(c) => cursor = Some(c.to_string()),
                        None => return ids,
                    }
                }
            }
        };
        assert_eq!(
            walk("residual", "").await,
            ["R-2", "R-3", "R-5", "R-4", "R-1"]
        );
        assert_eq!(
            walk("review", "").await,
            ["R-2", "R-4", "R-5", "R-1", "R-3"],
            "undated last"
        );
        assert_eq!(
            walk("id", "&status=active").await,
            ["R-1", "R-3", "R-4", "R-5"]
        );
        assert_eq!(walk("id", "&status=in_treatment").await, ["R-3", "R-5"]);
        assert_eq!(walk("title", "&status=closed").await, ["R-2"]);
        let bad = app
            .get("/api/v1/risks?sort=colour", Auth::Bearer(&manager))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert!(bad.body.contains("'colour' is not a sort"));
        let bad = app
            .get("/api/v1/risks?status=purple", Auth::Bearer(&manager))
            .await;
        assert!(
            bad.body.contains("'purple' is not a risk status"),
            "{}",
            bad.body
        );
        let bad_cursor = app
            .get(
                "/api/v1/risks?sort=residual&cursor=%5B%22x%22%5D",
                Auth::Bearer(&manager),
            )
            .await;
        assert!(
            bad_cursor
                .body
                .contains("is not a cursor from a previous page")
        );

        let counts = app
            .store
            .heat_map(annex::registers::risk::domain::RatingKind::Inherent)
            .await
            .unwrap();
        assert!(
            !counts.iter().any(|c| c.0 == 5 && c.1 == 5),
            "the closed risk is not on the heat map: {counts:?}"
        );
        let overdue = app
            .get("/api/v1/risks?attention=review", Auth::Bearer(&manager))
            .await
            .json();
        let ids: Vec<&str> = overdue["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["id"].as_str().unwrap())
            .collect();
        assert_eq!(ids, ["R-4"], "a closed risk's review is not overdue");
        let page = app
            .get("/risks?sort=residual&status=active", Auth::Bearer(&manager))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.find("R-3").unwrap() < page.body.find("R-1").unwrap());
    });
}

#[tokio::test]
async fn a_risk_needs_an_owner_and_a_reason_when_a_residual_rating_is_above_the_inherent_one() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let m = || Auth::Bearer(&manager);
        // Entered without an owner: refused, naming the field and the clause.
        let res = app
            .post_json(
                "/api/v1/risks",
                m(),
                json!({"title": "Ransomware", "inherent_likelihood": 2, "inherent_impact": 3}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("owner") && res.body.contains("6.1.2"),
            "{}",
            res.body
        );

        // A residual rating above the inherent one is kept, with a warning until a reason
        // is given.
        let res = app
            .post_json(
                "/api/v1/risks",
                m(),
                json!({"id": "R-1", "title": "Ransomware", "owner": "ciso@example.org", "inherent_likelihood": 2, "inherent_impact": 3, "target_likelihood": 4}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let page = app.get("/risks/R-1", Auth::Bearer(&manager)).await;
        assert!(
            page.body
                .contains("A residual rating is above the inherent one"),
            "{}",
            page.body
        );
        let readiness = app.get("/api/v1/readiness", m()).await.json();
        let r612 = readiness["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "6.1.2")
            .unwrap()
            .clone();
        assert_eq!(r612["status"], "partly", "{r612}");
        assert!(
            r612["reasons"]
                .to_string()
                .contains("1 open risk rated higher after controls than before"),
            "{r612}"
        );
        let res = app
            .put_json(
                "/api/v1/risks/R-1",
                m(),
                json!({"title": "Ransomware", "owner": "ciso@example.org", "inherent_likelihood": 2, "inherent_impact": 3, "target_likelihood": 4,
                       "rating_reason": "The new partner portal exposes the file shares until the migration ends."}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let page = app.get("/risks/R-1", Auth::Bearer(&manager)).await;
        assert!(
            !page
                .body
                .contains("A residual rating is above the inherent one: say why")
        );
        assert!(
            page.body
                .contains("The new partner portal exposes the file shares")
        );

        // An imported register without owners is imported; its risks are a readiness gap.
        let csv = b"id,title,likelihood,impact\nR-2,Supplier outage,3,3\n".to_vec();
        let res = app.post_bytes("/api/v1/risks/import", m(), csv).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let readiness = app.get("/api/v1/readiness", m()).await.json();
        let reasons = readiness["clauses"].to_string();
        assert!(
            reasons.contains("1 open risk without a risk owner: R-2"),
            "{reasons}"
        );
        let page = app.get("/risks/R-2", Auth::Bearer(&manager)).await;
        assert!(page.body.contains("No risk owner"), "{}", page.body);
        // Editing it asks for the owner first.
        let form = app.browser_as(Role::Manager).await;
        let res = app
            .post_form(
                "/risks/R-2",
                Auth::Browser(&form),
                &[
                    ("title", "Supplier outage"),
                    ("inherent_likelihood", "3"),
                    ("inherent_impact", "3"),
                    ("_csrf", &form.csrf),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("name the risk owner"), "{}", res.body);
    });
}

#[tokio::test]
async fn a_control_or_measure_filter_counts_each_risk_once_alone_or_with_other_filters() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        for (name, controls) in [("MFA", "5.17, 8.5"), ("Passkeys", "8.5")] {
            let made = app
                .post_json(
                    "/api/v1/measures",
                    Auth::Bearer(&manager),
                    json!({"name": name, "controls": controls}),
                )
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        }
        // R-0001 has both measures of 8.5 and a low residual level; the others are critical.
        for (title, measures, low) in [
            ("Κλοπή λογαριασμού", "M-0001, M-0002", true),
            ("Phishing", "M-0001", false),
            ("Token theft", "M-0002", false),
            ("Flood", "", false),
        ] {
            let mut body = json!({"title": title, "threat": title, "owner": "risk.owner@example.org",
                                  "inherent_likelihood": 5, "inherent_impact": 5, "measures": measures});
            if low {
                body["target_likelihood"] = json!("Rare");
                body["target_impact"] = json!("Minor");
            }
            let made = app
                .post_json("/api/v1/risks", Auth::Bearer(&manager), body)
                .await;
            assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        }
        for (query, ids) in [
            ("control=8.5", vec!["R-0001", "R-0002", "R-0003"]),
            ("control=5.17", vec!["R-0001", "R-0002"]),
            ("measure=M-0002", vec!["R-0001", "R-0003"]),
            ("control=8.5&level=low", vec!["R-0001"]),
            ("control=8.5&level=critical", vec!["R-0002", "R-0003"]),
            ("measure=M-0001&control=8.5", vec!["R-0001", "R-0002"]),
            ("measure=M-0001&level=critical", vec!["R-0002"]),
            ("control=8.5&q=theft", vec!["R-0003"]),
            ("control=8.13", vec![]),
        ] {
            let page = app
                .get(&format!("/api/v1/risks?{query}"), Auth::Bearer(&manager))
                .await
                .json();
            let listed: Vec<&str> = page["items"]
                .as_array()
                .unwrap()
                .iter()
                .map(|r| r["id"].as_str().unwrap())
                .collect();
            assert_eq!(listed, ids, "{query}");
            assert_eq!(page["total"], ids.len(), "{query}: each risk counted once");
        }
    });
}
