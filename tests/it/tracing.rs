//! A request can be followed in the log from HTTP to SQL: the request's span (its id, method,
//! path and the actor), the use case's span inside it (its name, actor and record id), and the
//! SQL statements the use case ran, inside both.

use crate::harness::Auth;
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;
use std::io::Write;
use std::sync::{Arc, Mutex};

/// What the subscriber wrote, kept for the test to read.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> tracing_subscriber::fmt::MakeWriter<'a> for Captured {
    type Writer = Captured;
    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

#[tokio::test]
async fn a_log_line_leads_from_the_http_request_through_the_use_case_to_the_sql() {
    on_every_database!(|app| {
        let token = app.token_as(Role::Manager).await;
        let created = app
            .post_json(
                "/api/v1/risks",
                Auth::Bearer(&token),
                json!({"title": "Ransomware on the file server", "owner": "ops@example.org", "inherent_likelihood": 3, "inherent_impact": 4}),
            )
            .await;
        assert_eq!(created.status, StatusCode::CREATED, "{}", created.body);
        let id = created.json()["id"].as_str().unwrap().to_string();

        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_writer(captured.clone())
            .with_env_filter("annex=debug")
            .with_ansi(false)
            .finish();
        let res = {
            // This test's runtime runs on this thread: the subscriber sees the whole request.
            let _guard = tracing::subscriber::set_default(subscriber);
            app.put_json(
                &format!("/api/v1/risks/{id}"),
                Auth::Bearer(&token),
                json!({"title": "Ransomware on the file server", "owner": "ops@example.org", "inherent_likelihood": 2, "inherent_impact": 4}),
            )
            .await
        };
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        let path = format!("path=/api/v1/risks/{id}");
        let sql: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("annex::sql") && l.contains("insert into risk ("))
            .collect();
        assert!(!sql.is_empty(), "the update's SQL is logged:\n{log}");
        for line in &sql {
            assert!(
                line.contains("request{id=") && line.contains("method=PUT") && line.contains(&path),
                "the SQL line names the request: {line}"
            );
            assert!(
                line.contains("risk.update{actor=") && line.contains(&format!("id={id}")),
                "the SQL line names the use case and the record: {line}"
            );
        }
        let answered: Vec<&str> = log.lines().filter(|l| l.contains("answered")).collect();
        assert!(
            answered
                .iter()
                .any(|l| l.contains(&path) && l.contains("status=200")),
            "the request's end is logged with its status:\n{log}"
        );
    });
}
