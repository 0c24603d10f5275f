//! The test harness: a fresh database per test (SQLite always; PostgreSQL too when
//! `ANNEX_TEST_DATABASE_URL` is set), the same router as `annex serve`, and typed helpers
//! to act as a user. With `ANNEX_REQUIRE_SUITES=1` (CI), a suite that would be skipped fails.

use annex::config::{Config, Flags};
use annex::domain::clock::Clock;
use annex::domain::user::NewUser;
use annex::domain::user::{Email, Password, PersonName, Role};
use annex::store::Store;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use std::io::Write;
use std::net::SocketAddr;
use std::sync::Once;
use tower::ServiceExt;

pub const PASSWORD: &str = "correct horse battery staple";

/// Prints straight to the terminal (not captured by the test runner), so that skipped suites
/// are visible in every run.
pub fn notice(msg: &str) {
    let _ = writeln!(std::io::stderr(), "{msg}");
}

pub fn require_suites() -> bool {
    std::env::var("ANNEX_REQUIRE_SUITES").is_ok_and(|v| v == "1")
}

/// Which database a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database made for one test, removed afterwards.
pub struct TestDb {
    pub backend: Backend,
    pub url: String,
    pub dir: tempfile::TempDir,
    pg_admin_url: Option<String>,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("annex.db").display());
        TestDb {
            backend: Backend::Sqlite,
            url,
            dir,
            pg_admin_url: None,
            pg_name: None,
        }
    }

    pub async fn postgres(admin_url: &str) -> TestDb {
        let name = format!("annex_test_{}", annex::domain::user::new_short_id());
        let mut conn = <sqlx::PgConnection as sqlx::Connection>::connect(admin_url)
            .await
            .expect("connect to ANNEX_TEST_DATABASE_URL");
        sqlx::query(&format!("create database {name}"))
            .execute(&mut conn)
            .await
            .expect("create test database");
        let base = admin_url
            .rsplit_once('/')
            .map(|(b, _)| b.to_string())
            .unwrap_or_else(|| admin_url.to_string());
        TestDb {
            backend: Backend::Postgres,
            url: format!("{base}/{name}"),
            dir: tempfile::tempdir().expect("temp dir"),
            pg_admin_url: Some(admin_url.to_string()),
            pg_name: Some(name),
        }
    }

    /// The definitions of the database's indexes and triggers (and PostgreSQL's foreign
    /// keys), sorted: to see that what an import took down for a while is back as it was.
    pub async fn index_definitions(&self) -> Vec<String> {
        use sqlx::Connection;
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(
                    "select type || ' ' || name || ' ' || coalesce(sql, '') from sqlite_master \
                     where type in ('index', 'trigger') order by 1",
                )
                .fetch_all(&mut c)
                .await
                .unwrap()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(
                    "select indexdef::text from pg_indexes where schemaname = 'public' \
                     union all select pg_get_triggerdef(oid) from pg_trigger \
                     where not tgisinternal \
                     union all select conrelid::regclass::text || ' ' || conname || ' ' || \
                     pg_get_constraintdef(oid) from pg_constraint where contype = 'f' \
                     and connamespace = 'public'::regnamespace order by 1",
                )
                .fetch_all(&mut c)
                .await
                .unwrap()
            }
        }
    }

    /// A number a query answers, read straight from the database.
    pub async fn number(&self, sql: &str) -> i64 {
        use sqlx::Connection;
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_scalar(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    /// Runs statements straight in the database, in order (test data by the thousand).
    pub async fn execute(&self, statements: &[String]) {
        use sqlx::Connection;
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                for sql in statements {
                    sqlx::query(sql).execute(&mut c).await.unwrap();
                }
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                for sql in statements {
                    sqlx::query(sql).execute(&mut c).await.unwrap();
                }
            }
        }
    }

    /// The rows of the asset and risk registers as the store keeps their count
    /// (`register_count`), and as counted now: (asset kept, asset counted, risk kept, risk
    /// counted).
    pub async fn register_counts(&self) -> (i64, i64, i64, i64) {
        use sqlx::Connection;
        let sql = "select (select n from register_count where table_name = 'asset'), \
                   (select count(*) from asset), \
                   (select n from register_count where table_name = 'risk'), \
                   (select count(*) from risk)";
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                sqlx::query_as(sql).fetch_one(&mut c).await.unwrap()
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                sqlx::query_as(sql).fetch_one(&mut c).await.unwrap()
            }
        }
    }

    /// The open risks due for review by owner (lower case) and day, as the store keeps them
    /// (`risk_review_count`) and as counted now from the risks.
    pub async fn review_counts(&self) -> (ReviewCounts, ReviewCounts) {
        use sqlx::Connection;
        let kept = "select owner_key, due, cast(n as bigint) from risk_review_count \
                    order by owner_key, due";
        let counted = "select lower(owner), review_due_on, count(*) from risk \
                       where status <> 'closed' and review_due_on is not null \
                       group by lower(owner), review_due_on order by 1, 2";
        match self.backend {
            Backend::Sqlite => {
                let mut c = sqlx::SqliteConnection::connect(&self.url).await.unwrap();
                let a = sqlx::query_as(kept).fetch_all(&mut c).await.unwrap();
                (a, sqlx::query_as(counted).fetch_all(&mut c).await.unwrap())
            }
            Backend::Postgres => {
                let mut c = sqlx::PgConnection::connect(&self.url).await.unwrap();
                let a = sqlx::query_as(kept).fetch_all(&mut c).await.unwrap();
                (a, sqlx::query_as(counted).fetch_all(&mut c).await.unwrap())
            }
        }
    }

    /// Drops a PostgreSQL test database.
    pub async fn cleanup(self) {
        if let (Some(admin), Some(name)) = (&self.pg_admin_url, &self.pg_name)
            && let Ok(mut conn) = <sqlx::PgConnection as sqlx::Connection>::connect(admin).await
        {
            let _ = sqlx::query(&format!("drop database if exists {name} with (force)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// Open risks due for review: owner, day, how many.
pub type ReviewCounts = Vec<(String, String, i64)>;

static PG_NOTICE: Once = Once::new();

/// The databases every store story runs on.
pub async fn databases() -> Vec<TestDb> {
    let mut dbs = vec![TestDb::sqlite().await];
    match std::env::var("ANNEX_TEST_DATABASE_URL") {
        Ok(url) if !url.is_empty() => dbs.push(TestDb::postgres(&url).await),
        _ => {
            assert!(
                !require_suites(),
                "ANNEX_REQUIRE_SUITES=1 but ANNEX_TEST_DATABASE_URL is not set: the PostgreSQL suite cannot run"
            );
            PG_NOTICE.call_once(|| notice("note: ANNEX_TEST_DATABASE_URL is not set: PostgreSQL suite SKIPPED (SQLite only)"));
        }
    }
    dbs
}

/// Runs a story once per database.
#[macro_export]
macro_rules! on_every_database {
    (|$app:ident| $body:block) => {{
        for db in $crate::harness::databases().await {
            let backend = db.backend;
            let $app = $crate::harness::TestApp::spawn(db).await;
            let run = async { $body };
            run.await;
            eprintln!("passed on {backend:?}");
            $app.finish().await;
        }
    }};
}

pub fn test_config(db: &TestDb) -> Config {
    let flags = Flags {
        data_dir: Some(db.dir.path().to_path_buf()),
        database_url: Some(db.url.clone()),
        ..Flags::default()
    };
    Config::load_from(&flags, &[]).expect("test config")
}

/// The use cases acting as the local operator (an administrator) on a store, to set up a
/// story or read what a use case answers (one context keeps its caches across calls).
pub fn operator(store: &Store) -> annex::service::Ctx {
    annex::service::Services::new(store.clone()).ctx(annex::service::Actor::operator())
}

/// A running Annex (in process) on its own database.
pub struct TestApp {
    pub store: Store,
    pub router: Router,
    pub config: Config,
    pub db: TestDb,
}

/// A response, read in full.
#[derive(Debug)]
pub struct Res {
    pub status: StatusCode,
    pub headers: axum::http::HeaderMap,
    pub body: String,
}

impl Res {
    /// A header's value, if present and text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    /// The fields an error answer names, in its order.
    pub fn fields(&self) -> Vec<String> {
        self.json()["error"]["details"]
            .as_array()
            .map(|d| {
                d.iter()
                    .map(|x| x["field"].as_str().unwrap_or_default().to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .map(|v| v.to_str().unwrap().to_string())
            .unwrap_or_default()
    }

    /// The value of a cookie set by this response.
    pub fn cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .filter_map(|kv| kv.split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.to_string())
    }

    /// The CSRF token in the first form of the page.
    pub fn csrf(&self) -> String {
        let marker = "name=\"_csrf\" value=\"";
        let start = self
            .body
            .find(marker)
            .unwrap_or_else(|| panic!("no CSRF field in: {}", self.body))
            + marker.len();
        self.body[start..].split('"').next().unwrap().to_string()
    }
}

/// A signed-in browser: its cookie header and CSRF token.
#[derive(Clone, Debug)]
pub struct Browser {
    pub cookie: String,
    pub csrf: String,
}

impl TestApp {
    /// The latest `limit` audit entries about records of one type (`risk`, `risk_matrix`).
    pub async fn audit_of(
        &self,
        object_type: &str,
        limit: i64,
    ) -> Vec<annex::domain::audit::Entry> {
        self.store
            .audit_entries(
                &annex::domain::audit::AuditFilter {
                    object_type: Some(object_type.into()),
                    ..Default::default()
                },
                limit,
            )
            .await
            .expect("read the audit trail")
    }

    pub async fn spawn(db: TestDb) -> TestApp {
        let config = test_config(&db);
        let (store, _) = annex::app::prepare(&config, Clock::system())
            .await
            .expect("prepare store");
        let router = annex::app::router(store.clone(), config.clone());
        TestApp {
            store,
            router,
            config,
            db,
        }
    }

    /// An instance with a changed configuration (e.g. a smaller upload limit) and its own
    /// clock (e.g. a fixed day, so that expiry is deterministic).
    pub async fn spawn_with(
        db: TestDb,
        configure: impl FnOnce(&mut Config),
        clock: Clock,
    ) -> TestApp {
        let mut config = test_config(&db);
        configure(&mut config);
        let (store, _) = annex::app::prepare(&config, clock)
            .await
            .expect("prepare store");
        let router = annex::app::router(store.clone(), config.clone());
        TestApp {
            store,
            router,
            config,
            db,
        }
    }

    /// Another instance on the same database, with its own pool and no shared memory.
    pub async fn second_instance(&self) -> (Store, Router) {
        self.instance_with_clock(Clock::system()).await
    }

    /// Another instance on the same database whose clock is `clock` (e.g. one that stands
    /// days ago, to receive what must look old to this one).
    pub async fn instance_with_clock(&self, clock: Clock) -> (Store, Router) {
        let (store, _) = annex::app::prepare(&self.config, clock)
            .await
            .expect("prepare second store");
        let router = annex::app::router(store.clone(), self.config.clone());
        (store, router)
    }

    pub async fn finish(self) {
        self.store.close().await;
        self.db.cleanup().await;
    }

    pub async fn send(&self, req: Request<Body>) -> Res {
        send_to(&self.router, req).await
    }

    pub async fn get(&self, path: &str, auth: Auth<'_>) -> Res {
        self.send(auth.apply(Request::get(path)).body(Body::empty()).unwrap())
            .await
    }

    pub async fn delete(&self, path: &str, auth: Auth<'_>) -> Res {
        self.send(
            auth.apply(Request::delete(path))
                .body(Body::empty())
                .unwrap(),
        )
        .await
    }

    /// Posts a form; `_csrf` is added from the browser unless `fields` has one.
    pub async fn post_form(&self, path: &str, auth: Auth<'_>, fields: &[(&str, &str)]) -> Res {
        let mut all: Vec<(&str, &str)> = fields.to_vec();
        if let Auth::Browser(b) = auth
            && !fields.iter().any(|(k, _)| *k == "_csrf")
        {
            all.push(("_csrf", &b.csrf));
        }
        let body = serde_urlencoded::to_string(&all).unwrap();
        let req = auth
            .apply(Request::post(path))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Uploads a file as a browser does (multipart, with the CSRF field first).
    pub async fn post_file(&self, path: &str, browser: &Browser, name: &str, bytes: &[u8]) -> Res {
        let boundary = "annex-test-boundary-7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"_csrf\"\r\n\r\n{}\r\n",
                browser.csrf
            )
            .as_bytes(),
        );
        body.extend_from_slice(
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        body.extend_from_slice(bytes);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let req = Auth::Browser(browser)
            .apply(Request::post(path))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(Body::from(body))
            .unwrap();
        self.send(req).await
    }

    /// Sends a multipart form with exactly these parts, in this order (no `_csrf` added: for
    /// forged or reordered forms, and for API calls).
    pub async fn post_parts(&self, path: &str, auth: Auth<'_>, parts: &[Part<'_>]) -> Res {
        let req = auth
            .apply(Request::post(path))
            .header(
                header::CONTENT_TYPE,
                format!("multipart/form-data; boundary={MULTIPART_BOUNDARY}"),
            )
            .body(Body::from(multipart_body(parts)))
            .unwrap();
        self.send(req).await
    }

    /// Sends a form with text fields and an optional file as a browser does: `_csrf` first (for
    /// a browser), then the fields, then the file as `file`.
    pub async fn upload(
        &self,
        path: &str,
        auth: Auth<'_>,
        fields: &[(&str, &str)],
        file: Option<(&str, &[u8])>,
    ) -> Res {
        let mut parts = Vec::new();
        if let Auth::Browser(b) = auth {
            parts.push(Part::Text("_csrf", &b.csrf));
        }
        parts.extend(fields.iter().map(|(k, v)| Part::Text(k, v)));
        if let Some((filename, bytes)) = file {
            parts.push(Part::File {
                name: "file",
                filename,
                bytes,
            });
        }
        self.post_parts(path, auth, &parts).await
    }

    /// Sends a file as the body of an API call.
    pub async fn post_bytes(&self, path: &str, auth: Auth<'_>, bytes: Vec<u8>) -> Res {
        let req = auth
            .apply(Request::post(path))
            .header(header::CONTENT_TYPE, "application/octet-stream")
            .body(Body::from(bytes))
            .unwrap();
        self.send(req).await
    }

    /// A GET answering raw bytes (downloads).
    pub async fn get_bytes(
        &self,
        path: &str,
        auth: Auth<'_>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let res = self
            .router
            .clone()
            .oneshot(auth.apply(Request::get(path)).body(Body::empty()).unwrap())
            .await
            .unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        let bytes = axum::body::to_bytes(res.into_body(), usize::MAX)
            .await
            .unwrap();
        let content_type = headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        crate::contract::check(
            &self.router,
            &axum::http::Method::GET,
            path,
            status,
            content_type,
            &bytes,
        )
        .await;
        (status, headers, bytes.to_vec())
    }

    pub async fn post_json(&self, path: &str, auth: Auth<'_>, body: serde_json::Value) -> Res {
        self.send_json(Request::post(path), auth, body).await
    }

    pub async fn put_json(&self, path: &str, auth: Auth<'_>, body: serde_json::Value) -> Res {
        self.send_json(Request::put(path), auth, body).await
    }

    /// A PUT with `If-Match: tag`.
    pub async fn put_json_if_match(
        &self,
        path: &str,
        auth: Auth<'_>,
        body: serde_json::Value,
        tag: &str,
    ) -> Res {
        self.send_json(Request::put(path).header(header::IF_MATCH, tag), auth, body)
            .await
    }

    async fn send_json(
        &self,
        builder: axum::http::request::Builder,
        auth: Auth<'_>,
        body: serde_json::Value,
    ) -> Res {
        let req = auth
            .apply(builder)
            .header(header::CONTENT_TYPE, "application/json")
            .body(Body::from(body.to_string()))
            .unwrap();
        self.send(req).await
    }

    /// First-run setup through the page, as a person would; answers the admin's browser.
    pub async fn set_up(&self) -> Browser {
        let page = self.get("/setup", Auth::None).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let anon = page.cookie("annex_csrf").expect("csrf cookie");
        let csrf = page.csrf();
        let req = Request::post("/setup")
            .header(header::COOKIE, format!("annex_csrf={anon}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                serde_urlencoded::to_string([
                    ("_csrf", csrf.as_str()),
                    ("organisation", "Acme Ltd"),
                    ("name", "Ada Admin"),
                    ("email", "admin@example.org"),
                    ("password", PASSWORD),
                    ("confirm", PASSWORD),
                ])
                .unwrap(),
            ))
            .unwrap();
        let res = self.send(req).await;
        assert_eq!(
            res.status,
            StatusCode::SEE_OTHER,
            "setup failed: {}",
            res.body
        );
        let session = res
            .cookie("annex_session")
            .expect("session cookie after setup");
        self.browser_from_cookie(&session).await
    }

    /// Reads the CSRF token that pages render for a session.
    pub async fn browser_from_cookie(&self, session: &str) -> Browser {
        let cookie = format!("annex_session={session}");
        let page = self.get("/", Auth::Cookie(&cookie)).await;
        assert_eq!(
            page.status,
            StatusCode::OK,
            "dashboard after sign-in: {}",
            page.body
        );
        Browser {
            csrf: page.csrf(),
            cookie,
        }
    }

    /// Creates a user with a role directly in the store.
    pub async fn add_user(&self, role: Role) -> String {
        let email = format!(
            "{}-{}@example.org",
            role.as_str(),
            annex::domain::user::new_short_id()
        );
        self.store
            .create_user(
                "test",
                NewUser {
                    email: Email::parse(&email).unwrap(),
                    name: PersonName::parse(&format!("Test {role}")).unwrap(),
                    role,
                    password_hash: Some(Password::parse(PASSWORD).unwrap().hash().unwrap()),
                },
            )
            .await
            .expect("create user");
        email
    }

    /// Signs in through the login form; answers the browser.
    pub async fn login(&self, email: &str, password: &str) -> Result<Browser, Res> {
        let res = self.post_login(email, password, "/").await;
        match res.cookie("annex_session") {
            Some(s) if res.status == StatusCode::SEE_OTHER => {
                Ok(self.browser_from_cookie(&s).await)
            }
            _ => Err(res),
        }
    }

    /// Submits the sign-in form as a browser does, with the page's `next` field.
    pub async fn post_login(&self, email: &str, password: &str, next: &str) -> Res {
        let page = self.get("/login", Auth::None).await;
        let anon = page
            .cookie("annex_csrf")
            .expect("csrf cookie on the login page");
        let req = Request::post("/login")
            .header(header::COOKIE, format!("annex_csrf={anon}"))
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(Body::from(
                serde_urlencoded::to_string([
                    ("_csrf", page.csrf().as_str()),
                    ("email", email),
                    ("password", password),
                    ("next", next),
                ])
                .unwrap(),
            ))
            .unwrap();
        self.send(req).await
    }

    /// A signed-in browser for a new user of the given role.
    pub async fn browser_as(&self, role: Role) -> Browser {
        let email = self.add_user(role).await;
        self.login(&email, PASSWORD)
            .await
            .unwrap_or_else(|r| panic!("login as {role} failed: {} {}", r.status, r.body))
    }

    /// An API token for a new user of the given role.
    pub async fn token_as(&self, role: Role) -> String {
        let email = self.add_user(role).await;
        self.token_for(&email).await
    }

    /// A new API token of an existing user.
    pub async fn token_for(&self, email: &str) -> String {
        let user = self
            .store
            .user_by_email(&Email::parse(email).unwrap())
            .await
            .unwrap();
        self.store
            .create_token("test", &user.id, "test", None)
            .await
            .unwrap()
            .1
    }
}

/// One part of a multipart form.
pub enum Part<'a> {
    Text(&'a str, &'a str),
    File {
        name: &'a str,
        filename: &'a str,
        bytes: &'a [u8],
    },
}

pub const MULTIPART_BOUNDARY: &str = "annex-test-parts-9QxLr2Vb7WkT";

/// A `multipart/form-data` body of these parts, with `MULTIPART_BOUNDARY`.
pub fn multipart_body(parts: &[Part<'_>]) -> Vec<u8> {
    let b = MULTIPART_BOUNDARY;
    let mut body = Vec::new();
    for part in parts {
        match part {
            Part::Text(name, value) => body.extend_from_slice(
                format!(
                    "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
                )
                .as_bytes(),
            ),
            Part::File {
                name,
                filename,
                bytes,
            } => {
                body.extend_from_slice(
                    format!(
                        "--{b}\r\nContent-Disposition: form-data; name=\"{name}\"; filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                    )
                    .as_bytes(),
                );
                body.extend_from_slice(bytes);
                body.extend_from_slice(b"\r\n");
            }
        }
    }
    body.extend_from_slice(format!("--{b}--\r\n").as_bytes());
    body
}

/// How a request authenticates.
#[derive(Clone, Copy)]
pub enum Auth<'a> {
    None,
    Browser(&'a Browser),
    Cookie(&'a str),
    Bearer(&'a str),
}

impl Auth<'_> {
    pub fn apply(self, b: axum::http::request::Builder) -> axum::http::request::Builder {
        match self {
            Auth::None => b,
            Auth::Browser(br) => b.header(header::COOKIE, &br.cookie),
            Auth::Cookie(c) => b.header(header::COOKIE, c),
            Auth::Bearer(t) => b.header(header::AUTHORIZATION, format!("Bearer {t}")),
        }
    }
}

/// Lets the tasks a request left behind run before the test goes on. A transaction that an
/// error dropped is rolled back by the pool from a task of its own; a test that next blocks
/// its thread (running the `annex` command, which may want the same rows) would otherwise
/// wait on locks that only its own stalled thread can release.
pub async fn settle() {
    for _ in 0..4 {
        tokio::task::yield_now().await;
    }
}

pub async fn send_to(router: &Router, req: Request<Body>) -> Res {
    let (method, path) = (req.method().clone(), req.uri().path().to_string());
    let res = router
        .clone()
        .oneshot(req)
        .await
        .expect("router never fails");
    let status = res.status();
    let headers = res.headers().clone();
    let bytes = axum::body::to_bytes(res.into_body(), 64 * 1024 * 1024)
        .await
        .unwrap();
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    crate::contract::check(router, &method, &path, status, content_type, &bytes).await;
    settle().await;
    Res {
        status,
        headers,
        body: String::from_utf8_lossy(&bytes).to_string(),
    }
}

/// Serves the app over TCP on a free port (for the browser and multi-process stories).
pub async fn serve_tcp(router: Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await;
    });
    addr
}
