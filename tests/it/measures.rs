//! Measures: the organisation's actions linked to controls, in a treatment plan by due date;
//! contributors edit only the measures they own.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::{Email, Role};
use axum::http::StatusCode;
use serde_json::json;

async fn create(app: &TestApp, token: &str, body: serde_json::Value) -> serde_json::Value {
    let res = app
        .post_json("/api/v1/measures", Auth::Bearer(token), body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

#[tokio::test]
async fn measures_link_controls_and_form_a_treatment_plan_overdue_first() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let mfa = create(&app, &manager, json!({"name": "MFA on the VPN", "controls": "5.17, A.8.5", "due_on": "2020-01-31", "cost": 12000, "owner": "ops@example.org"})).await;
        assert_eq!(mfa["id"], "M-0001");
        assert_eq!(
            mfa["controls"],
            json!([{"framework": "iso27002-2022", "id": "5.17"}, {"framework": "iso27002-2022", "id": "8.5"}])
        );
        create(&app, &manager, json!({"name": "Nightly backups", "controls": ["8.13"], "due_on": "2099-06-30", "status": "in progress"})).await;
        create(&app, &manager, json!({"name": "Old firewall rules", "controls": "iso27002-2013:13.1.1", "status": "implemented"})).await;
        create(&app, &manager, json!({"name": "Awareness week"})).await;

        let plan = app
            .get("/api/v1/measures?limit=2", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(plan["total"], 4);
        assert_eq!(
            plan["items"][0]["name"], "MFA on the VPN",
            "the earliest due first"
        );
        let rest = app
            .get(
                &format!(
                    "/api/v1/measures?limit=2&cursor={}",
                    plan["next_cursor"].as_str().unwrap().replace('|', "%7C")
                ),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(rest["items"].as_array().unwrap().len(), 2);
        assert!(rest["next_cursor"].is_null());
        let overdue = app
            .get("/api/v1/measures?overdue=1", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(overdue["total"], 1);
        let by_control = app
            .get("/api/v1/measures?control=8.5", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(by_control["items"][0]["id"], "M-0001");

        let bad = app
            .post_json(
                "/api/v1/measures",
                Auth::Bearer(&manager),
                json!({"name": "X", "controls": "8.99, nist:ac-2", "cost": "lots"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(bad.json()["error"]["details"][0]["field"], "cost");
        let unknown = app
            .post_json(
                "/api/v1/measures",
                Auth::Bearer(&manager),
                json!({"name": "X", "controls": "8.99, nist:ac-2"}),
            )
            .await;
        assert_eq!(unknown.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            unknown.body.contains("there is no control 8.99")
                && unknown.body.contains("there is no framework 'nist'"),
            "{}",
            unknown.body
        );

        let viewer = app.browser_as(Role::Viewer).await;
        let control = app
            .get("/controls/iso27002-2022/8.5", Auth::Browser(&viewer))
            .await;
        assert!(
            control.body.contains("/measures/M-0001") && control.body.contains("MFA on the VPN"),
            "the control page lists its measures"
        );
        let page = app.get("/measures", Auth::Browser(&viewer)).await;
        assert!(page.body.contains("▲ overdue") && !page.body.contains("New measure"));
    });
}

#[tokio::test]
async fn contributors_edit_the_measures_they_own_and_nothing_else() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.add_user(Role::Contributor).await;
        let theirs = create(
            &app,
            &manager,
            json!({"name": "Patch laptops", "owner": contributor, "controls": "8.8"}),
        )
        .await;
        let other = create(
            &app,
            &manager,
            json!({"name": "Patch servers", "owner": "someone@example.org"}),
        )
        .await;
        let browser = app
            .login(&contributor, crate::harness::PASSWORD)
            .await
            .unwrap();

        let mine = app
            .post_form(
                &format!("/measures/{}", theirs["id"].as_str().unwrap()),
                Auth::Browser(&browser),
                &[
                    ("name", "Patch laptops"),
                    ("owner", &contributor),
                    ("status", "implemented"),
                    ("controls", "8.8"),
                ],
            )
            .await;
        assert_eq!(mine.status, StatusCode::SEE_OTHER, "{}", mine.body);
        assert_eq!(
            app.store.measure("M-0001").await.unwrap().status.key(),
            "implemented"
        );
        let not_mine = app
            .post_form(
                &format!("/measures/{}", other["id"].as_str().unwrap()),
                Auth::Browser(&browser),
                &[("name", "Hijacked"), ("status", "deprecated")],
            )
            .await;
        assert_eq!(not_mine.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.get("/measures/M-0002/edit", Auth::Browser(&browser))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post_form("/measures", Auth::Browser(&browser), &[("name", "New")])
                .await
                .status,
            StatusCode::FORBIDDEN
        );

        let user = app
            .store
            .user_by_email(&Email::parse(&contributor).unwrap())
            .await
            .unwrap();
        let token = app
            .store
            .create_token("test", &user.id, "c", None)
            .await
            .unwrap()
            .1;
        let api = app
            .put_json(
                "/api/v1/measures/M-0002",
                Auth::Bearer(&token),
                json!({"name": "Hijacked"}),
            )
            .await;
        assert_eq!(api.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.store.measure("M-0002").await.unwrap().name,
            "Patch servers"
        );
        let history = app.get("/measures/M-0001", Auth::Browser(&browser)).await;
        assert!(
            history
                .body
                .contains("<del>planned</del> → <ins>implemented</ins>")
        );
    });
}
