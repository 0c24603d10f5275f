//! Every route, walked with every role (and with no one signed in): what the access policy
//! allows is reachable, everything else is refused on the server.

use crate::harness::{Auth, Browser, Res, TestApp};
use crate::on_every_database;
use annex::domain::user::{Email, Role};
use annex::web::Access;

/// The assembled access policy as (method, route pattern, access).
fn policy() -> Vec<(&'static str, String, Access)> {
    annex::app::policy()
        .into_iter()
        .map(|r| (r.method, r.path, r.access))
        .collect()
}
use axum::http::StatusCode;

struct Fixtures {
    user_id: String,
    token_id: String,
}

fn concrete(path: &str, f: &Fixtures) -> String {
    let path = path
        .replace("{file}", "app.css")
        .replace("{framework}", "iso27002-2022")
        .replace("{name}", "walk-host")
        .replace("{run_id}", "walk-run")
        .replace("{check_id}", "ssh.root-login");
    if path.starts_with("/assets/") || path.starts_with("/api/v1/assets/") {
        path.replace("{id}", "A-0001")
    } else if path.starts_with("/risks/") || path.starts_with("/api/v1/risks/") {
        path.replace("{id}", "R-0001")
    } else if path.starts_with("/measures/") || path.starts_with("/api/v1/measures/") {
        path.replace("{id}", "M-0001")
    } else if path.starts_with("/admin/users/") {
        path.replace("{id}", &f.user_id)
    } else if path.starts_with("/admin/tokens/") {
        path.replace("{id}", &f.token_id)
    } else {
        path.replace("{id}", "8.13")
    }
}

async fn call(app: &TestApp, method: &str, path: &str, auth: Auth<'_>) -> Res {
    match method {
        "GET" => app.get(path, auth).await,
        "POST" if path.starts_with("/api/") => {
            app.post_json(path, auth, serde_json::json!({})).await
        }
        "PUT" => app.put_json(path, auth, serde_json::json!({})).await,
        "POST" => app.post_form(path, auth, &[]).await,
        "DELETE" => app.delete(path, auth).await,
        other => panic!("the policy names an unexpected method {other}"),
    }
}

fn refused(res: &Res) -> bool {
    res.status == StatusCode::FORBIDDEN
        || res.status == StatusCode::UNAUTHORIZED
        || (res.status == StatusCode::SEE_OTHER && res.location().starts_with("/login"))
}

#[tokio::test]
async fn every_route_admits_exactly_the_roles_its_policy_names() {
    on_every_database!(|app| {
        app.set_up().await;
        let victim = app.add_user(Role::Viewer).await;
        let victim_id = app
            .store
            .user_by_email(&Email::parse(&victim).unwrap())
            .await
            .unwrap()
            .id;
        let (token, _) = app
            .store
            .create_token("test", &victim_id, "walk", None)
            .await
            .unwrap();
        annex::registers::asset::service::create(
            &crate::harness::operator(&app.store),
            &annex::registers::asset::domain::AssetInput {
                name: "Walk".into(),
                asset_type: "software".into(),
                classification: "internal".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        annex::registers::measure::service::create(
            &crate::harness::operator(&app.store),
            &annex::registers::measure::domain::MeasureInput {
                name: "Walk".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        annex::registers::risk::service::create(
            &crate::harness::operator(&app.store),
            &annex::registers::risk::domain::RiskInput {
                owner: "risk.owner@example.org".into(),
                title: "Walk".into(),
                inherent_likelihood: "1".into(),
                inherent_impact: "1".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let f = Fixtures {
            user_id: victim_id,
            token_id: token.id,
        };

        let mut checked = 0;
        for role in Role::ALL {
            // One person per role, signed in through the browser and holding a token; the
            // walk's measure, risk and SoA row are theirs, so that "contributors edit what they own" admits them.
            // An agent has no browser: it cannot sign in (checked here), so it walks the
            // pages with its bearer token too, and every page refuses it.
            let email = app.add_user(role).await;
            let browser: Option<Browser> = if role == Role::Agent {
                let refused = app
                    .login(&email, crate::harness::PASSWORD)
                    .await
                    .expect_err("an agent cannot sign in to the web UI");
                assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
                assert!(refused.body.contains("agent account"), "{}", refused.body);
                None
            } else {
                Some(
                    app.login(&email, crate::harness::PASSWORD)
                        .await
                        .expect("sign in"),
                )
            };
            let user = app
                .store
                .user_by_email(&Email::parse(&email).unwrap())
                .await
                .unwrap();
            let bearer = app
                .store
                .create_token("test", &user.id, "walk", None)
                .await
                .unwrap()
                .1;
            let mut owned = annex::registers::measure::domain::MeasureInput::from(
                &app.store.measure("M-0001").await.unwrap(),
            );
            owned.owner = email.clone();
            annex::registers::measure::service::update(
                &crate::harness::operator(&app.store),
                "M-0001",
                None,
                &owned,
            )
            .await
            .unwrap();
            let mut risk = annex::registers::risk::domain::RiskInput::from(
                &app.store.risk("R-0001").await.unwrap(),
            );
            risk.owner = email.clone();
            annex::registers::risk::service::update(
                &crate::harness::operator(&app.store),
                "R-0001",
                None,
                &risk,
            )
            .await
            .unwrap();
            let row = annex::registers::soa::domain::ApplicabilityInput {
                applicable: "yes".into(),
                reasons: "business".into(),
                owner: email.clone(),
                ..Default::default()
            };
            for (method, pattern, access) in &policy() {
                // An empty decision is a valid one (undecided, no owner): give the row back
                // to the walker before each of its routes.
                if pattern.contains("/soa/") {
                    annex::registers::soa::service::decide(
                        &crate::harness::operator(&app.store),
                        "iso27002-2022",
                        "8.13",
                        None,
                        &row,
                    )
                    .await
                    .unwrap();
                }
                if *pattern == "/logout" || *pattern == "/setup" || *pattern == "/login" {
                    continue; // walked below: they change who is signed in
                }
                let path = concrete(pattern, &f);
                let allowed = access.allows(Some(&user));
                let auth = match &browser {
                    Some(b) if !path.starts_with("/api/") => Auth::Browser(b),
                    _ => Auth::Bearer(&bearer),
                };
                let res = call(&app, method, &path, auth).await;
                assert!(
                    res.status != StatusCode::INTERNAL_SERVER_ERROR,
                    "{method} {path} as {role}: 500 {}",
                    res.body
                );
                if allowed {
                    assert!(
                        !refused(&res),
                        "{method} {path} should admit {role}, got {} {}",
                        res.status,
                        res.body
                    );
                } else {
                    assert_eq!(
                        res.status,
                        StatusCode::FORBIDDEN,
                        "{method} {path} should refuse {role}"
                    );
                }
                checked += 1;
            }
        }
        // No one signed in: only public routes answer.
        for (method, pattern, access) in &policy() {
            let path = concrete(pattern, &f);
            let res = call(&app, method, &path, Auth::None).await;
            if *access == Access::Public {
                assert!(
                    res.status != StatusCode::FORBIDDEN && res.status != StatusCode::UNAUTHORIZED,
                    "{method} {path} is public, got {}",
                    res.status
                );
            } else if path.starts_with("/api/") {
                assert_eq!(
                    res.status,
                    StatusCode::UNAUTHORIZED,
                    "{method} {path} without a token"
                );
                assert_eq!(res.json()["error"]["code"], "unauthenticated");
            } else {
                assert!(
                    refused(&res),
                    "{method} {path} without signing in: {}",
                    res.status
                );
            }
        }
        let walked = policy()
            .iter()
            .filter(|(_, p, _)| !["/logout", "/setup", "/login"].contains(&p.as_str()))
            .count();
        assert_eq!(checked, walked * Role::ALL.len());
    });
}

#[tokio::test]
async fn a_viewer_cannot_write_and_an_api_call_without_a_token_is_401() {
    on_every_database!(|app| {
        let viewer = app.token_as(Role::Viewer).await;
        let res = app
            .post_json(
                "/api/v1/users",
                Auth::Bearer(&viewer),
                serde_json::json!({"email": "x@example.org", "name": "X", "role": "admin", "password": "long enough password"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        assert_eq!(res.json()["error"]["code"], "forbidden");
        let browser = app.browser_as(Role::Viewer).await;
        let page = app
            .post_form(
                "/admin/users",
                Auth::Browser(&browser),
                &[("email", "y@example.org")],
            )
            .await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
        let none = app.get("/api/v1/frameworks", Auth::None).await;
        assert_eq!(none.status, StatusCode::UNAUTHORIZED);
        let bad = app
            .get("/api/v1/frameworks", Auth::Bearer("annex_nope"))
            .await;
        assert_eq!(bad.status, StatusCode::UNAUTHORIZED);
        assert!(
            app.store
                .user_by_email(&Email::parse("x@example.org").unwrap())
                .await
                .is_err(),
            "nothing was written"
        );
    });
}

#[tokio::test]
async fn every_api_route_is_in_the_openapi_document() {
    on_every_database!(|app| {
        let doc = app.get("/api/v1/openapi.json", Auth::None).await.json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        for (method, pattern, _) in &policy() {
            if pattern.starts_with("/api/v1/") && *pattern != "/api/v1/openapi.json" {
                let op = &doc["paths"][pattern.as_str()][method.to_lowercase()];
                assert!(op.is_object(), "{method} {pattern} is documented");
            }
        }
    });
}
