//! People and sessions: first-run setup, sign-in and out, throttling, CSRF, cookies, security
//! headers, user administration and API tokens.

use crate::harness::{Auth, PASSWORD};
use crate::on_every_database;
use annex::domain::user::{Email, Role};
use axum::http::{StatusCode, header};

#[tokio::test]
async fn first_run_shows_setup_once_and_signs_the_admin_in() {
    on_every_database!(|app| {
        let home = app.get("/", Auth::None).await;
        assert_eq!(home.status, StatusCode::SEE_OTHER);
        assert_eq!(home.location(), "/setup");
        let admin = app.set_up().await;
        let dash = app.get("/", Auth::Browser(&admin)).await;
        assert!(
            dash.body.contains("Acme Ltd"),
            "organisation name in the top bar"
        );
        assert!(dash.body.contains("Getting started"));
        let again = app.get("/setup", Auth::None).await;
        assert_eq!(
            again.status,
            StatusCode::SEE_OTHER,
            "setup is gone once done"
        );
        assert_eq!(again.location(), "/login");
        let signed_out = app.get("/", Auth::None).await;
        assert!(signed_out.location().starts_with("/login?next="));
    });
}

#[tokio::test]
async fn setup_with_bad_input_names_every_field_and_keeps_what_was_typed() {
    on_every_database!(|app| {
        let page = app.get("/setup", Auth::None).await;
        let anon = page.cookie("annex_csrf").unwrap();
        let cookie = format!("annex_csrf={anon}");
        let res = app
            .post_form(
                "/setup",
                Auth::Cookie(&cookie),
                &[
                    ("_csrf", &page.csrf()),
                    ("organisation", ""),
                    ("name", "Ada"),
                    ("email", "not-an-email"),
                    ("password", "short"),
                    ("confirm", "other"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        for text in [
            "enter your organisation",
            "not-an-email",
            "at least 12 characters",
            "the two passwords differ",
            "value=\"Ada\"",
        ] {
            assert!(
                res.body.contains(text),
                "missing {text:?} in the re-rendered form"
            );
        }
        assert!(!app.store.is_set_up().await.unwrap(), "nothing was written");
    });
}

#[tokio::test]
async fn login_logout_and_wrong_passwords() {
    on_every_database!(|app| {
        app.set_up().await;
        let wrong = app
            .login("admin@example.org", "not the password at all")
            .await
            .unwrap_err();
        assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
        assert!(wrong.body.contains("do not match"));
        let browser = app
            .login("ADMIN@example.org", PASSWORD)
            .await
            .expect("e-mail is case-insensitive");
        let out = app.post_form("/logout", Auth::Browser(&browser), &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        assert!(
            out.cookie("annex_session").is_some_and(|v| v.is_empty()),
            "cookie cleared"
        );
        let after = app.get("/", Auth::Browser(&browser)).await;
        assert_eq!(
            after.status,
            StatusCode::SEE_OTHER,
            "the old session no longer works"
        );
        let trail = app
            .store
            .audit_entries(&Default::default(), 100)
            .await
            .unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        for a in [
            "session.login",
            "session.logout",
            "session.login_failed",
            "user.create",
            "organisation.set_up",
        ] {
            assert!(actions.contains(&a), "{a} is in the audit trail");
        }
        assert!(
            trail
                .iter()
                .all(|e| !e.after.clone().unwrap_or_default().contains(PASSWORD)),
            "no password in the trail"
        );
    });
}

#[tokio::test]
async fn repeated_failed_logins_lock_the_account_for_everyone() {
    on_every_database!(|app| {
        app.set_up().await;
        for _ in 0..5 {
            app.login("admin@example.org", "wrong password here")
                .await
                .unwrap_err();
        }
        let locked = app.login("admin@example.org", PASSWORD).await.unwrap_err();
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
        assert!(locked.body.contains("try again in"));
        let (_, other) = app.second_instance().await;
        let page = crate::harness::send_to(
            &other,
            axum::http::Request::get("/login")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(page.status, StatusCode::OK);
        let locked_elsewhere = app.login("admin@example.org", PASSWORD).await.unwrap_err();
        assert_eq!(
            locked_elsewhere.status,
            StatusCode::TOO_MANY_REQUESTS,
            "the counter lives in the store"
        );
    });
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let forged = app
            .post_form(
                "/admin/users",
                Auth::Browser(&admin),
                &[
                    ("_csrf", "forged"),
                    ("email", "eve@example.org"),
                    ("name", "Eve"),
                    ("role", "admin"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(forged.status, StatusCode::BAD_REQUEST);
        assert!(forged.body.contains("security token"));
        let missing = app
            .send(
                axum::http::Request::post("/admin/settings")
                    .header(header::COOKIE, &admin.cookie)
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from("organisation=Evil"))
                    .unwrap(),
            )
            .await;
        assert_eq!(missing.status, StatusCode::BAD_REQUEST);
        let cross = app
            .send(
                axum::http::Request::post("/admin/settings")
                    .header(header::COOKIE, &admin.cookie)
                    .header("sec-fetch-site", "cross-site")
                    .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
                    .body(axum::body::Body::from(format!(
                        "organisation=Evil&_csrf={}",
                        admin.csrf
                    )))
                    .unwrap(),
            )
            .await;
        assert_eq!(cross.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            app.store.organisation_name().await.unwrap().as_deref(),
            Some("Acme Ltd")
        );
        assert!(
            app.store
                .user_by_email(&Email::parse("eve@example.org").unwrap())
                .await
                .is_err()
        );
        let ok = app
            .post_form(
                "/admin/settings",
                Auth::Browser(&admin),
                &[("organisation", "Acme Group")],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.store.organisation_name().await.unwrap().as_deref(),
            Some("Acme Group")
        );
    });
}

#[tokio::test]
async fn cookies_and_security_headers_are_strict() {
    on_every_database!(|app| {
        app.set_up().await;
        let page = app.get("/login", Auth::None).await;
        let set = page
            .headers
            .get(header::SET_COOKIE)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"));
        let csp = page
            .headers
            .get(header::CONTENT_SECURITY_POLICY)
            .unwrap()
            .to_str()
            .unwrap();
        assert!(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'"));
        assert_eq!(
            page.headers.get(header::X_CONTENT_TYPE_OPTIONS).unwrap(),
            "nosniff"
        );
        assert_eq!(page.headers.get(header::X_FRAME_OPTIONS).unwrap(), "DENY");
        assert!(page.headers.get(header::REFERRER_POLICY).is_some());
    });
}

#[tokio::test]
async fn an_admin_manages_users_and_a_role_change_ends_their_sessions() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let bad = app
            .post_form(
                "/admin/users",
                Auth::Browser(&admin),
                &[
                    ("email", "bob@"),
                    ("name", ""),
                    ("role", "root"),
                    ("password", "x"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("4 fields need your attention"),
            "{}",
            bad.body
        );
        let ok = app
            .post_form(
                "/admin/users",
                Auth::Browser(&admin),
                &[
                    ("email", "bob@example.org"),
                    ("name", "Bob"),
                    ("role", "manager"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        let dup = app
            .post_form(
                "/admin/users",
                Auth::Browser(&admin),
                &[
                    ("email", "BOB@example.org"),
                    ("name", "Bob 2"),
                    ("role", "viewer"),
                    ("password", PASSWORD),
                ],
            )
            .await;
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(dup.body.contains("already exists"));

        let bob = app.login("bob@example.org", PASSWORD).await.unwrap();
        let id = app
            .store
            .user_by_email(&Email::parse("bob@example.org").unwrap())
            .await
            .unwrap()
            .id;
        let change = app
            .post_form(
                &format!("/admin/users/{id}"),
                Auth::Browser(&admin),
                &[("name", "Bob"), ("role", "viewer"), ("status", "active")],
            )
            .await;
        assert_eq!(change.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/", Auth::Browser(&bob)).await.status,
            StatusCode::SEE_OTHER,
            "Bob must sign in again"
        );
        let page = app
            .get(&format!("/admin/users/{id}"), Auth::Browser(&admin))
            .await;
        assert!(
            page.body.contains("<del>manager</del> → <ins>viewer</ins>"),
            "history shows the change"
        );

        let me = app
            .store
            .user_by_email(&Email::parse("admin@example.org").unwrap())
            .await
            .unwrap();
        let last = app
            .post_form(
                &format!("/admin/users/{}", me.id),
                Auth::Browser(&admin),
                &[("name", "Ada"), ("role", "viewer"), ("status", "active")],
            )
            .await;
        assert_eq!(last.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(last.body.contains("last active administrator"));
    });
}

#[tokio::test]
async fn api_tokens_are_shown_once_stored_hashed_expire_and_can_be_revoked() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let me = app
            .store
            .user_by_email(&Email::parse("admin@example.org").unwrap())
            .await
            .unwrap();
        let created = app
            .post_form(
                "/admin/tokens",
                Auth::Browser(&admin),
                &[("user", &me.id), ("name", "ci"), ("expires_in_days", "30")],
            )
            .await;
        assert_eq!(created.status, StatusCode::OK);
        let start = created.body.find("annex_").expect("token shown");
        let secret: String = created.body[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        assert_eq!(
            app.get("/api/v1/me", Auth::Bearer(&secret)).await.json()["email"],
            "admin@example.org"
        );
        let list = app.get("/admin/tokens", Auth::Browser(&admin)).await;
        assert!(!list.body.contains(&secret), "never shown again");
        let tokens = app.store.list_tokens().await.unwrap();
        let bad = app
            .post_form(
                "/admin/tokens",
                Auth::Browser(&admin),
                &[("user", &me.id), ("name", ""), ("expires_in_days", "soon")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("soon"));

        let confirm = app
            .get(
                &format!("/admin/tokens/{}/revoke", tokens[0].id),
                Auth::Browser(&admin),
            )
            .await;
        assert!(confirm.body.contains("cannot be undone"));
        let revoked = app
            .post_form(
                &format!("/admin/tokens/{}/revoke", tokens[0].id),
                Auth::Browser(&admin),
                &[],
            )
            .await;
        assert_eq!(revoked.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/api/v1/me", Auth::Bearer(&secret)).await.status,
            StatusCode::UNAUTHORIZED
        );
    });
}

#[tokio::test]
async fn an_admin_creates_a_user_through_the_api_with_field_errors_for_bad_bodies() {
    on_every_database!(|app| {
        let token = app.token_as(Role::Admin).await;
        let bad = app
            .post_json(
                "/api/v1/users",
                Auth::Bearer(&token),
                serde_json::json!({"email": "nope", "role": "god"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = bad.json()["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(fields, ["email", "name", "role", "password"]);
        let garbage = app
            .send(
                axum::http::Request::post("/api/v1/users")
                    .header(header::AUTHORIZATION, format!("Bearer {token}"))
                    .body(axum::body::Body::from("{not json"))
                    .unwrap(),
            )
            .await;
        assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
        let ok = app.post_json("/api/v1/users", Auth::Bearer(&token), serde_json::json!({"email": "c@example.org", "name": "C", "role": "auditor", "password": PASSWORD})).await;
        assert_eq!(ok.status, StatusCode::CREATED);
        assert_eq!(ok.json()["role"], "auditor");
        let again = app.post_json("/api/v1/users", Auth::Bearer(&token), serde_json::json!({"email": "c@example.org", "name": "C", "role": "auditor", "password": PASSWORD})).await;
        assert_eq!(again.status, StatusCode::CONFLICT);
    });
}

#[tokio::test]
async fn a_person_changes_their_own_password_with_the_current_one() {
    on_every_database!(|app| {
        let email = app.add_user(Role::Contributor).await;
        let me = app.login(&email, PASSWORD).await.unwrap();
        let page = app.get("/account", Auth::Browser(&me)).await;
        assert!(page.body.contains("Change your password") && page.body.contains(&email));
        let wrong = app
            .post_form(
                "/account/password",
                Auth::Browser(&me),
                &[
                    ("current", "not my password"),
                    ("password", "a brand new passphrase"),
                    ("confirm", "a brand new passphrase"),
                ],
            )
            .await;
        assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(wrong.body.contains("not your current password"));
        let ok = app
            .post_form(
                "/account/password",
                Auth::Browser(&me),
                &[
                    ("current", PASSWORD),
                    ("password", "a brand new passphrase"),
                    ("confirm", "a brand new passphrase"),
                ],
            )
            .await;
        assert_eq!(ok.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.get("/", Auth::Browser(&me)).await.status,
            StatusCode::SEE_OTHER,
            "signed out everywhere"
        );
        assert!(app.login(&email, PASSWORD).await.is_err());
        app.login(&email, "a brand new passphrase")
            .await
            .expect("the new password works");
    });
}
