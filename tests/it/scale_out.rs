//! Several `annex serve` processes on one database behave as one: sessions and counters live
//! in the store, not in process memory.

use crate::harness::{Auth, operator, send_to};
use crate::on_every_database;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

#[tokio::test]
async fn a_session_opened_on_one_instance_works_on_another() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let (_store, other) = app.second_instance().await;
        let req = Request::get("/admin/users")
            .header(header::COOKIE, &admin.cookie)
            .body(Body::empty())
            .unwrap();
        let res = send_to(&other, req).await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "the second instance knows the session"
        );
        let body = serde_urlencoded::to_string([
            ("_csrf", admin.csrf.as_str()),
            ("organisation", "Renamed via B"),
        ])
        .unwrap();
        let post = Request::post("/admin/settings")
            .header(header::COOKIE, &admin.cookie)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        assert_eq!(
            send_to(&other, post).await.status,
            StatusCode::SEE_OTHER,
            "its CSRF token is valid there too"
        );
        let out = app.post_form("/logout", Auth::Browser(&admin), &[]).await;
        assert_eq!(out.status, StatusCode::SEE_OTHER);
        let after = send_to(
            &other,
            Request::get("/")
                .header(header::COOKIE, &admin.cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(
            after.status,
            StatusCode::SEE_OTHER,
            "logging out on A ends the session on B"
        );
    });
}

#[tokio::test]
async fn concurrent_writes_from_two_instances_keep_the_audit_chain_intact() {
    on_every_database!(|app| {
        let (other, _) = app.second_instance().await;
        let mut tasks = Vec::new();
        for i in 0..20 {
            let ctx = if i % 2 == 0 {
                operator(&app.store)
            } else {
                operator(&other)
            };
            tasks.push(tokio::spawn(async move {
                let name = format!("Org {i}");
                annex::registers::organisation::service::save(
                    &ctx,
                    annex::registers::organisation::service::Settings {
                        name: Some(&name),
                        ..Default::default()
                    },
                )
                .await
            }));
        }
        for t in tasks {
            t.await.unwrap().unwrap();
        }
        let report = app.store.verify_audit_trail().await.unwrap();
        assert!(report.first_break.is_none(), "{:?}", report.first_break);
        assert!(report.checked >= 20);
    });
}
