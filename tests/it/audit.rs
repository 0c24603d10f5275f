//! The audit trail: every write is recorded with before and after, the chain detects edits,
//! deletions and truncation, and admins and auditors can read it.

use crate::harness::Auth;
use crate::on_every_database;
use annex::domain::audit::Break;
use annex::domain::user::Role;
use axum::http::StatusCode;

async fn tamper(app: &crate::harness::TestApp, sql: &str) {
    match app.db.backend {
        crate::harness::Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
        crate::harness::Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            sqlx::query(sql).execute(&pool).await.unwrap();
            pool.close().await;
        }
    }
}

#[tokio::test]
async fn an_intact_trail_verifies_and_each_kind_of_tampering_is_named() {
    on_every_database!(|app| {
        app.set_up().await;
        app.add_user(Role::Viewer).await;
        let ok = app.store.verify_audit_trail().await.unwrap();
        assert!(ok.first_break.is_none());
        assert!(ok.checked >= 5);

        tamper(
            &app,
            "update audit_event set actor = 'mallory' where seq = 3",
        )
        .await;
        let r = app.store.verify_audit_trail().await.unwrap();
        assert_eq!(r.first_break, Some(Break::Altered { seq: 3 }));
        assert!(
            r.first_break
                .unwrap()
                .to_string()
                .contains("entry 3 was altered")
        );
    });
}

#[tokio::test]
async fn deleting_or_cutting_entries_is_detected() {
    on_every_database!(|app| {
        app.set_up().await;
        app.add_user(Role::Viewer).await;
        let total = app.store.verify_audit_trail().await.unwrap().checked;
        tamper(
            &app,
            &format!("delete from audit_event where seq = {total}"),
        )
        .await;
        let r = app.store.verify_audit_trail().await.unwrap();
        assert!(
            matches!(r.first_break, Some(Break::Truncated { .. })),
            "{:?}",
            r.first_break
        );
        tamper(&app, "delete from audit_event where seq = 2").await;
        let r = app.store.verify_audit_trail().await.unwrap();
        assert_eq!(
            r.first_break,
            Some(Break::Missing {
                expected: 2,
                found: 3
            })
        );
    });
}

#[tokio::test]
async fn admins_and_auditors_read_the_trail_filtered_by_object_and_person() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let auditor = app.browser_as(Role::Auditor).await;
        let page = app
            .get(
                "/audit?object_type=user&actor=admin%40example.org",
                Auth::Browser(&auditor),
            )
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("user.create"));
        assert!(!page.body.contains("catalog.load"), "filtered out");
        let manager = app.browser_as(Role::Manager).await;
        assert_eq!(
            app.get("/audit", Auth::Browser(&manager)).await.status,
            StatusCode::FORBIDDEN
        );
        let token = app.token_as(Role::Auditor).await;
        let api = app
            .get(
                "/api/v1/audit?object_type=framework&limit=5",
                Auth::Bearer(&token),
            )
            .await
            .json();
        let entries = api.as_array().unwrap();
        assert_eq!(entries.len(), 3, "one load per framework");
        assert!(
            entries
                .iter()
                .all(|e| e["actor"] == "system" && e["hash"].as_str().unwrap().len() == 64)
        );
        let bad = app
            .get("/api/v1/audit?limit=100000", Auth::Bearer(&token))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(bad.json()["error"]["details"][0]["field"], "limit");
        let _ = admin;
    });
}
