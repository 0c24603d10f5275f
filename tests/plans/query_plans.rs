//! Every register's list, filter, sort, facet and detail answers from an index: the queries a
//! person's requests make are caught as they run, and PostgreSQL is asked to plan each one
//! with sequential scans priced out (`enable_seqscan = off`) and the plan it would use for any
//! value (`plan_cache_mode = force_generic_plan`). The planner then reads a large table from
//! start to end only when no index can answer the query: the test fails naming the request,
//! the query and its plan. At a million rows, such a query takes seconds.

use crate::harness::{Auth, TestApp, TestDb, notice, operator, require_suites};
use annex::domain::user::Role;
use axum::http::StatusCode;
use std::sync::{Arc, Mutex};
use tracing_subscriber::layer::SubscriberExt;

/// The registers' tables that grow with the organisation (a million rows in the benchmark).
const LARGE: &[&str] = &[
    "asset",
    "asset_tag",
    "asset_dependency",
    "risk",
    "risk_asset",
    "risk_measure",
    "risk_acceptance",
    "measure",
    "measure_control",
    "evidence",
    "evidence_link",
    "audit_event",
    "task",
    "incident",
    "supplier",
    "document",
    "person",
    "obligation",
    "processing",
    "party",
    "context_issue",
    "exercise",
    "internal_audit",
    "audit_finding",
    "nonconformity",
    "corrective_action",
    "management_review",
    "review_action",
    "objective",
    "training_campaign",
    "assessment",
    "isms_role",
    // Not here: the indicators (kpi) and business processes (process), registers of dozens,
    // which the task list reads whole to work out each one's next date.
];

/// The requests whose queries are planned: every list with each filter and sort, a second
/// page (keyset), a record, and the pages with their facets.
fn requests(next_assets: &str, next_risks: &str) -> Vec<String> {
    let mut r: Vec<String> = [
        "/api/v1/assets?limit=50",
        "/api/v1/assets?type=hardware&limit=50",
        "/api/v1/assets?type=Hardware&classification=internal&limit=50",
        "/api/v1/assets?owner=it1@example.org&limit=50",
        "/api/v1/assets?lifecycle=in_use&limit=50",
        "/api/v1/assets?tag=crown-jewel&limit=50",
        "/api/v1/assets?tag=it&type=hardware&limit=50",
        "/api/v1/assets?q=server&limit=50",
        "/api/v1/assets/A-000001",
        "/api/v1/risks?limit=50",
        "/api/v1/risks?level=high&limit=50",
        "/api/v1/risks?owner=it1@example.org&limit=50",
        "/api/v1/risks?treatment=modify&limit=50",
        "/api/v1/risks?status=active&limit=50",
        "/api/v1/risks?asset=A-000001&limit=50",
        "/api/v1/risks?measure=M-00001&limit=50",
        "/api/v1/risks?control=8.5&limit=50",
        "/api/v1/risks?cell=target:3:4&limit=50",
        "/api/v1/risks?attention=review&limit=50",
        "/api/v1/risks?attention=acceptance&limit=50",
        "/api/v1/risks?q=ransomware&limit=50",
        "/api/v1/risks/R-000001",
        "/api/v1/measures?limit=50",
        "/api/v1/measures?status=implemented&limit=50",
        "/api/v1/measures?control=8.5&limit=50",
        "/api/v1/measures?risk=R-000001&limit=50",
        "/api/v1/measures?overdue=true&limit=50",
        "/api/v1/audit?limit=50",
        "/api/v1/evidence?limit=50",
        "/api/v1/incidents?limit=50",
        "/api/v1/suppliers?limit=50",
        "/api/v1/documents?limit=50",
        "/api/v1/people?limit=50",
        "/api/v1/tasks",
        "/api/v1/tasks/team",
        "/api/v1/tasks/team?owner=it1@example.org&limit=50",
        "/api/v1/tasks/team?unowned=true",
        "/api/v1/written-tasks?limit=50",
        "/api/v1/obligations?limit=50",
        "/api/v1/processing?limit=50",
        "/api/v1/parties?limit=50",
        "/api/v1/context/issues?limit=50",
        "/api/v1/processes?limit=50",
        "/api/v1/exercises?limit=50",
        "/api/v1/internal-audits?limit=50",
        "/api/v1/findings?limit=50",
        "/api/v1/nonconformities?limit=50",
        "/api/v1/corrective-actions?limit=50",
        "/api/v1/reviews?limit=50",
        "/api/v1/review-actions?limit=50",
        "/api/v1/objectives?limit=50",
        "/api/v1/kpis?limit=50",
        "/api/v1/roles?limit=50",
        "/api/v1/training/campaigns?limit=50",
        "/api/v1/assessments?limit=50",
        "/assets",
        "/assets?type=hardware&tag=it",
        "/risks",
        "/risks?level=high&status=active",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    for sort in [
        "name",
        "id",
        "type",
        "owner",
        "classification",
        "lifecycle",
        "updated",
    ] {
        r.push(format!("/api/v1/assets?sort={sort}&limit=50"));
    }
    for sort in ["id", "title", "owner", "residual", "review", "updated"] {
        r.push(format!("/api/v1/risks?sort={sort}&limit=50"));
    }
    r.push(format!("/api/v1/assets?limit=50&cursor={next_assets}"));
    r.push(format!("/api/v1/risks?limit=50&cursor={next_risks}"));
    r
}

/// Keeps the text of every statement sqlx runs on this thread (it logs each, `sqlx::query`).
#[derive(Clone, Default)]
struct Statements(Arc<Mutex<Vec<String>>>);

impl<S: tracing::Subscriber> tracing_subscriber::Layer<S> for Statements {
    fn on_event(&self, event: &tracing::Event<'_>, _: tracing_subscriber::layer::Context<'_, S>) {
        // sqlx logs every statement it runs, with its text.
        if event.metadata().target() != "sqlx::query" {
            return;
        }
        struct Sql(Option<String>);
        impl tracing::field::Visit for Sql {
            fn record_debug(&mut self, field: &tracing::field::Field, value: &dyn std::fmt::Debug) {
                if field.name() == "db.statement" {
                    self.0 = Some(format!("{value:?}"));
                }
            }
            fn record_str(&mut self, field: &tracing::field::Field, value: &str) {
                if field.name() == "db.statement" {
                    self.0 = Some(value.to_string());
                }
            }
        }
        let mut sql = Sql(None);
        event.record(&mut sql);
        if let Some(s) = sql.0 {
            self.0.lock().unwrap().push(s);
        }
    }
}

fn url_encode(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[tokio::test]
async fn every_register_query_reads_its_large_tables_through_an_index_on_postgres() {
    let Ok(url) = std::env::var("ANNEX_TEST_DATABASE_URL").map(|u| u.trim().to_string()) else {
        assert!(
            !require_suites(),
            "ANNEX_REQUIRE_SUITES=1 but ANNEX_TEST_DATABASE_URL is not set: the query plans cannot be checked"
        );
        notice("note: ANNEX_TEST_DATABASE_URL is not set: the PostgreSQL query plan test SKIPPED");
        return;
    };
    let app = TestApp::spawn(TestDb::postgres(&url).await).await;
    annex::service::demo::generate(
        &operator(&app.store),
        annex::service::demo::Size::parse("small").unwrap(),
        7,
    )
    .await
    .expect("demo data");
    let token = app.token_as(Role::Admin).await;
    let browser = app.browser_as(Role::Admin).await;
    let first = |path: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let res = app.get(path, Auth::Bearer(&token)).await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            url_encode(res.json()["next_cursor"].as_str().expect("a next page"))
        }
    };
    let next_assets = first("/api/v1/assets?limit=50").await;
    let next_risks = first("/api/v1/risks?limit=50").await;

    // The statements each request makes, caught on this thread as it runs them.
    let caught = Statements::default();
    let mut planned: Vec<(String, String)> = Vec::new();
    {
        let _on =
            tracing::subscriber::set_default(tracing_subscriber::registry().with(caught.clone()));
        for path in requests(&next_assets, &next_risks) {
            let auth = if path.starts_with("/api/") {
                Auth::Bearer(&token)
            } else {
                Auth::Browser(&browser)
            };
            let res = app.get(&path, auth).await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
            for sql in caught.0.lock().unwrap().drain(..) {
                let sql = sql.trim().to_string();
                let lower = sql.trim_start().to_lowercase();
                if (lower.starts_with("select") || lower.starts_with("with"))
                    && !planned.iter().any(|(_, s)| *s == sql)
                {
                    planned.push((path.clone(), sql));
                }
            }
        }
    }
    assert!(
        planned.len() > 40,
        "the requests' statements were caught ({} of them)",
        planned.len()
    );

    let pool = sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(&app.db.url)
        .await
        .expect("connect");
    let mut conn = pool.acquire().await.unwrap();
    for setting in [
        "set plan_cache_mode = force_generic_plan",
        "set enable_seqscan = off",
    ] {
        sqlx::query(setting).execute(&mut *conn).await.unwrap();
    }
    let mut full_scans = Vec::new();
    for (path, sql) in &planned {
        // A page's links take two lists of its ids (100 parameters for 50 rows).
        let params = (1..=1000)
            .rev()
            .find(|n| sql.contains(&format!("${n}")))
            .unwrap_or(0);
        sqlx::query(&format!("prepare planned as {sql}"))
            .execute(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{path}: cannot prepare {sql}: {e}"));
        let explain = if params == 0 {
            "explain execute planned".to_string()
        } else {
            format!(
                "explain execute planned({})",
                vec!["null"; params].join(", ")
            )
        };
        let plan: Vec<(String,)> = sqlx::query_as(&explain)
            .fetch_all(&mut *conn)
            .await
            .unwrap_or_else(|e| panic!("{path}: cannot explain {sql}: {e}"));
        sqlx::query("deallocate planned")
            .execute(&mut *conn)
            .await
            .unwrap();
        let plan: Vec<String> = plan.into_iter().map(|(l,)| l).collect();
        let scanned: Vec<&str> = plan
            .iter()
            .filter_map(|l| {
                l.trim_start()
                    .trim_start_matches("->  ")
                    .strip_prefix("Seq Scan on ")
            })
            .filter_map(|rest| rest.split_whitespace().next())
            .filter(|table| LARGE.contains(table))
            .collect();
        if !scanned.is_empty() {
            full_scans.push(format!(
                "{path}\n  reads all of {}:\n  {sql}\n  {}",
                scanned.join(", "),
                plan.join("\n  ")
            ));
        }
    }
    assert!(
        full_scans.is_empty(),
        "{} of {} queries read a large table from start to end:\n\n{}",
        full_scans.len(),
        planned.len(),
        full_scans.join("\n\n")
    );
    eprintln!("{} queries planned, each through an index", planned.len());
    drop(conn);
    pool.close().await;
    app.finish().await;
}
