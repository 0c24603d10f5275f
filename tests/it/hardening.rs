//! Hostile input and attacks that once got through: each test here failed before its fix.
//! Open redirects after sign-in, a raced login throttle, …

use crate::harness::{Auth, PASSWORD};
use crate::on_every_database;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};

/// The classic open-redirect payloads: each must land on this site's root, never elsewhere,
/// and none may make the server fail after the session was created.
const REDIRECTS: &[&str] = &[
    "//evil.example",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    "/\\evil.example",
    "/\\/evil.example",
    "\\\\evil.example",
    "https://evil.example",
    "http:evil.example",
    "javascript:alert(1)",
    " //evil.example",
    "/ /evil.example",
    "/\u{0}/evil.example",
    "/\u{b}/evil.example",
    "/\u{a0}/evil.example",
    "/\u{2028}/evil.example",
    "evil.example",
];

#[tokio::test]
async fn sign_in_never_redirects_to_another_site() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        for payload in REDIRECTS {
            // A signed-in person opening the login page is sent on at once.
            let path = format!(
                "/login?{}",
                serde_urlencoded::to_string([("next", payload)]).unwrap()
            );
            let res = app.get(&path, Auth::Browser(&admin)).await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{payload:?}");
            assert_eq!(res.location(), "/", "GET /login with next={payload:?}");

            // The form posts `next` back after a good password.
            let res = app.post_login("admin@example.org", PASSWORD, payload).await;
            assert_eq!(
                res.status,
                StatusCode::SEE_OTHER,
                "{payload:?}: {}",
                res.body
            );
            assert_eq!(res.location(), "/", "POST /login with next={payload:?}");
        }
        // A path on this site is still followed.
        let res = app
            .get(
                "/login?next=%2Frisks%3Fstatus%3Dopen",
                Auth::Browser(&admin),
            )
            .await;
        assert_eq!(res.location(), "/risks?status=open");
    });
}

#[tokio::test]
async fn parallel_wrong_passwords_cannot_outrun_the_throttle() {
    on_every_database!(|app| {
        app.set_up().await;
        let attempts = (0..100).map(|i| {
            let app = &app;
            async move {
                app.login("admin@example.org", &format!("wrong password {i}"))
                    .await
                    .unwrap_err()
                    .status
            }
        });
        let statuses = futures_util::future::join_all(attempts).await;
        let checked = statuses
            .iter()
            .filter(|s| **s == StatusCode::UNAUTHORIZED)
            .count();
        let refused = statuses
            .iter()
            .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
            .count();
        // Before the fix, 91 of 100 reached the password check. Each attempt also counts
        // against the address (limit 20), so at most the account's five get through.
        assert!(
            (1..=5).contains(&checked) && checked + refused == 100,
            "only the account's limit of attempts reaches the password check: {checked} checked, {refused} refused"
        );
        let trail = app
            .store
            .audit_entries(&Default::default(), 1000)
            .await
            .unwrap();
        let wrong = trail
            .iter()
            .filter(|e| {
                e.action == "session.login_failed"
                    && e.after
                        .as_deref()
                        .unwrap_or_default()
                        .contains("wrong password")
            })
            .count();
        assert_eq!(
            wrong, checked,
            "the trail agrees on how many passwords were checked"
        );
        // Locked for the right password too, until the window passes.
        let locked = app.login("admin@example.org", PASSWORD).await.unwrap_err();
        assert_eq!(locked.status, StatusCode::TOO_MANY_REQUESTS);
    });
}

#[tokio::test]
async fn good_sign_ins_do_not_use_up_the_address_allowance() {
    on_every_database!(|app| {
        app.set_up().await;
        // Far more good sign-ins from one address than it may fail.
        for _ in 0..40 {
            app.login("admin@example.org", PASSWORD)
                .await
                .expect("a good password is never throttled by earlier successes");
        }
        // The account's own failures still lock it after five.
        for _ in 0..5 {
            let e = app
                .login("admin@example.org", "nope nope nope")
                .await
                .unwrap_err();
            assert_eq!(e.status, StatusCode::UNAUTHORIZED);
        }
        let e = app.login("admin@example.org", PASSWORD).await.unwrap_err();
        assert_eq!(e.status, StatusCode::TOO_MANY_REQUESTS);
    });
}

/// Values no list parameter should choke on: NUL bytes, cursors of the wrong shape and
/// type, wildcards, quotes, huge numbers and texts, direction overrides, header injection.
fn hostile_values() -> Vec<String> {
    [
        "a\u{0}b",
        "\u{0}",
        "[1,2]",
        "[\"x\",1]",
        "[1]",
        "[\"\u{0}\"]",
        "[[]]",
        "{}",
        "null",
        "%",
        "_",
        "\\",
        "'; drop table asset; --",
        "9223372036854775808",
        "-9223372036854775809",
        "-1",
        "1e309",
        "NaN",
        "\u{202e}\u{fffd}\u{1f600}",
        "A-1\r\nX-Injected: 1",
    ]
    .iter()
    .map(|s| s.to_string())
    .chain(["x".repeat(5000)])
    .collect()
}

/// The API's lists, with the parameters the document declares for each.
fn api_lists(doc: &serde_json::Value) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        let Some(get) = item.get("get") else { continue };
        let path = path.replace("{framework}", "iso27002-2022");
        if path.contains('{') || path.ends_with("openapi.json") {
            continue;
        }
        let mut params: Vec<String> = get["parameters"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .filter(|p| p["in"] == "query")
                    .map(|p| p["name"].as_str().unwrap().to_string())
                    .collect()
            })
            .unwrap_or_default();
        // Strangers too: an unknown parameter must not fail either (the lists refuse it).
        params.push("utm_source".into());
        out.push((path, params));
    }
    out
}

#[tokio::test]
async fn no_list_parameter_makes_the_server_fail() {
    on_every_database!(|app| {
        let token = small_demo(&app).await;
        let browser = app.browser_as(annex::domain::user::Role::Admin).await;
        let doc = app.get("/api/v1/openapi.json", Auth::None).await.json();
        let lists = api_lists(&doc);
        assert!(lists.len() >= 15, "the document lists the API's reads");
        let mut names: Vec<String> = lists.iter().flat_map(|(_, p)| p.clone()).collect();
        names.extend(
            [
                "q",
                "sort",
                "cursor",
                "state",
                "version",
                "from",
                "to",
                "framework",
            ]
            .map(String::from),
        );
        names.sort();
        names.dedup();
        let pages = [
            "/assets",
            "/risks",
            "/measures",
            "/evidence",
            "/controls",
            "/hosts",
            "/audit",
            "/soa",
            "/soa/gaps",
            "/soa/versions",
            "/soa/diff",
            "/risks/quantitative",
            "/readiness",
            "/risks/heat-map",
            "/assets.csv",
            "/risks.csv",
            "/soa.csv",
            "/controls/export.csv",
        ];
        let values = hostile_values();
        let mut failures = Vec::new();
        let mut tried = 0;
        let encode = |k: &str, v: &str| serde_urlencoded::to_string([(k, v)]).unwrap();
        for (path, params) in &lists {
            for p in params {
                for v in &values {
                    let url = format!("{path}?{}", encode(p, v));
                    let res = app.get(&url, Auth::Bearer(&token)).await;
                    tried += 1;
                    if res.status.is_server_error() {
                        failures.push(format!("{} {url}: {}", res.status, res.body));
                    } else if v.contains('\u{0}')
                        && p != "utm_source"
                        && res.status != StatusCode::BAD_REQUEST
                    {
                        failures.push(format!("{} {url}: a NUL byte must be a 400", res.status));
                    }
                }
            }
        }
        for page in pages {
            for p in &names {
                for v in &values {
                    let url = format!("{page}?{}", encode(p, v));
                    let res = app.get(&url, Auth::Browser(&browser)).await;
                    tried += 1;
                    if res.status.is_server_error() {
                        failures.push(format!("{} {url}", res.status));
                    }
                }
            }
        }
        // A cursor of the wrong type for its sort names the parameter.
        let res = app
            .get(
                "/api/v1/risks?sort=residual&cursor=%5B%22x%22%2C%22R-001%22%5D",
                Auth::Bearer(&token),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(res.body.contains("cursor"), "{}", res.body);
        let res = app
            .get("/api/v1/assets?q=ab%00", Auth::Bearer(&token))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(
            res.json()["error"]["details"][0]["field"],
            "q",
            "{}",
            res.body
        );
        // A form's field holding a NUL byte is refused by name, and nothing is written (on
        // PostgreSQL it could not even be stored).
        let res = app
            .post_form(
                "/assets",
                Auth::Browser(&browser),
                &[("name", "Ledger\0server"), ("asset_type", "software")],
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(res.body.contains("name"), "{}", res.body);
        let res = app
            .get("/api/v1/assets?q=Ledger", Auth::Bearer(&token))
            .await;
        assert_eq!(
            res.json()["items"].as_array().map(Vec::len),
            Some(0),
            "{}",
            res.body
        );
        assert!(
            failures.is_empty(),
            "{} of {tried} requests failed:\n{}",
            failures.len(),
            failures.join("\n")
        );
    });
}

#[tokio::test]
async fn a_known_address_with_another_method_is_405_and_https_gets_hsts() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let token = app.token_as(annex::domain::user::Role::Admin).await;
        let res = app.delete("/api/v1/assets", Auth::Bearer(&token)).await;
        assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED, "{}", res.body);
        assert_eq!(res.json()["error"]["code"], "method_not_allowed");
        let allow = res
            .headers
            .get(header::ALLOW)
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        assert!(allow.contains("GET") && allow.contains("POST"), "{allow}");
        let res = app
            .put_json("/assets", Auth::Browser(&admin), serde_json::json!({}))
            .await;
        assert_eq!(res.status, StatusCode::METHOD_NOT_ALLOWED);
        // An unknown address stays a 404.
        let res = app
            .delete("/api/v1/nothing-here", Auth::Bearer(&token))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let plain = app.get("/login", Auth::None).await;
        assert!(
            plain
                .headers
                .get(header::STRICT_TRANSPORT_SECURITY)
                .is_none()
        );
    });
    let db = crate::harness::databases().await.remove(0);
    let mut config = crate::harness::test_config(&db);
    config.public_url = Some("https://isms.example.org/".into());
    let (store, _) = annex::app::prepare(&config, annex::domain::clock::Clock::system())
        .await
        .unwrap();
    let router = annex::app::router(store.clone(), config);
    let res =
        crate::harness::send_to(&router, Request::get("/login").body(Body::empty()).unwrap()).await;
    let hsts = res.headers.get(header::STRICT_TRANSPORT_SECURITY).unwrap();
    assert!(hsts.to_str().unwrap().starts_with("max-age=31536000"));
    store.close().await;
    db.cleanup().await;
}

type Row = (
    i64,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
);

/// Runs statements on a test database behind Annex's back, as someone with the database's
/// rights would.
async fn behind_the_back(db: &crate::harness::TestDb, statements: &[String]) {
    match db.backend {
        crate::harness::Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
        crate::harness::Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            for s in statements {
                sqlx::query(s).execute(&pool).await.unwrap();
            }
            pool.close().await;
        }
    }
}

async fn trail(db: &crate::harness::TestDb) -> Vec<annex::domain::audit::Entry> {
    let sql = "select seq, occurred_at, actor, action, object_type, object_id, before_json, after_json, prev_hash, hash from audit_event order by seq";
    let rows: Vec<Row> = match db.backend {
        crate::harness::Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
            let r = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            r
        }
        crate::harness::Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&db.url).await.unwrap();
            let r = sqlx::query_as(sql).fetch_all(&pool).await.unwrap();
            pool.close().await;
            r
        }
    };
    rows.into_iter()
        .map(|r| annex::domain::audit::Entry {
            seq: r.0,
            occurred_at: r.1,
            actor: r.2,
            action: r.3,
            object_type: r.4,
            object_id: r.5,
            before: r.6,
            after: r.7,
            prev_hash: r.8,
            hash: r.9,
        })
        .collect()
}

fn quote(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

/// Changes entry `k`'s actor and recomputes the chain from there, head included: the chain is
/// consistent again, as a careful forger would leave it.
async fn rewrite_from(db: &crate::harness::TestDb, k: i64) {
    let mut entries = trail(db).await;
    let mut prev = entries[(k - 2) as usize].hash.clone();
    let mut statements = Vec::new();
    for e in entries.iter_mut().filter(|e| e.seq >= k) {
        if e.seq == k {
            e.actor = "mallory@example.org".into();
        }
        e.prev_hash = prev.clone();
        e.hash = e.computed_hash();
        prev = e.hash.clone();
        statements.push(format!(
            "update audit_event set actor = {}, prev_hash = {}, hash = {} where seq = {}",
            quote(&e.actor),
            quote(&e.prev_hash),
            quote(&e.hash),
            e.seq
        ));
    }
    let last = entries.last().unwrap();
    statements.push(format!(
        "update audit_head set seq = {}, hash = {} where audit_head_id = 1",
        last.seq,
        quote(&last.hash)
    ));
    behind_the_back(db, &statements).await;
}

/// Deletes the entries from `k` on and rewinds the head to the one before: the chain is
/// consistent again, only shorter.
async fn cut_from(db: &crate::harness::TestDb, k: i64) {
    let entries = trail(db).await;
    let keep = &entries[(k - 2) as usize];
    behind_the_back(
        db,
        &[
            format!("delete from audit_event where seq >= {k}"),
            format!(
                "update audit_head set seq = {}, hash = {} where audit_head_id = 1",
                keep.seq,
                quote(&keep.hash)
            ),
        ],
    )
    .await;
}

#[tokio::test]
async fn a_signed_checkpoint_sees_the_trail_cut_short_or_rewritten() {
    use crate::cli::annex;
    let out = |o: std::process::Output| {
        (
            o.status.code().unwrap_or(-1),
            format!(
                "{}{}",
                String::from_utf8_lossy(&o.stdout),
                String::from_utf8_lossy(&o.stderr)
            ),
        )
    };
    for db in crate::harness::databases().await {
        let run = |args: &[&str]| out(annex(&db, args).output().unwrap());
        let add_user = |email: &str| {
            run(&[
                "user",
                "add",
                "--email",
                email,
                "--name",
                "Πέτρος Παπαδόπουλος",
                "--role",
                "viewer",
            ])
        };
        assert_eq!(run(&["init"]).0, 0);
        for i in 0..3 {
            let (code, text) = add_user(&format!("p{i}@example.org"));
            assert_eq!(code, 0, "{text}");
        }
        let dir = db.dir.path().to_path_buf();
        let cp = dir.join("checkpoint-1.json");
        let (code, text) = run(&["audit", "checkpoint", "--out", cp.to_str().unwrap()]);
        assert_eq!(code, 0, "{text}");
        let key = dir.join("audit-checkpoint.key");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&key).unwrap().permissions().mode();
            assert_eq!(mode & 0o077, 0, "the key is readable by its owner only");
        }
        let checkpoint: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&cp).unwrap()).unwrap();
        let seen = checkpoint["seq"].as_i64().unwrap();
        let (code, text) = run(&["audit", "verify", "--checkpoint", cp.to_str().unwrap()]);
        assert_eq!(code, 0, "{text}");
        assert!(text.contains(&format!("it holds entry {seen}")), "{text}");

        // More work after the checkpoint, then the last entries, the checkpoint's among them,
        // are cut off and the head rewound: the chain alone looks intact.
        for i in 3..5 {
            add_user(&format!("p{i}@example.org"));
        }
        cut_from(&db, seen - 1).await;
        let (code, text) = run(&["audit", "verify"]);
        assert_eq!(code, 0, "the chain alone cannot tell: {text}");
        let (code, text) = run(&["audit", "verify", "--checkpoint", cp.to_str().unwrap()]);
        assert_eq!(code, 2, "{text}");
        assert!(text.contains("removed from the end"), "{text}");

        // A new checkpoint, more work, then an early entry is changed and the chain recomputed
        // from it to the head: consistent again, but not what the checkpoint saw.
        let cp2 = dir.join("checkpoint-2.json");
        assert_eq!(
            run(&["audit", "checkpoint", "--out", cp2.to_str().unwrap()]).0,
            0
        );
        add_user("p9@example.org");
        rewrite_from(&db, 3).await;
        let (code, text) = run(&["audit", "verify"]);
        assert_eq!(code, 0, "the chain alone cannot tell: {text}");
        let (code, text) = run(&["audit", "verify", "--checkpoint", cp2.to_str().unwrap()]);
        assert_eq!(code, 2, "{text}");
        assert!(text.contains("rewritten at or before entry"), "{text}");

        // A checkpoint edited by hand no longer matches its signature.
        let mut forged: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&cp2).unwrap()).unwrap();
        forged["seq"] = serde_json::json!(2);
        let cp3 = dir.join("forged.json");
        std::fs::write(&cp3, forged.to_string()).unwrap();
        let (code, text) = run(&["audit", "verify", "--checkpoint", cp3.to_str().unwrap()]);
        assert_eq!(code, 3, "{text}");
        assert!(text.contains("signature does not match"), "{text}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn contributors_file_evidence_only_on_what_they_own_and_as_themselves() {
    use serde_json::json;
    on_every_database!(|app| {
        app.set_up().await;
        let manager = app.token_as(annex::domain::user::Role::Manager).await;
        let email = app.add_user(annex::domain::user::Role::Contributor).await;
        let contributor = app.login(&email, PASSWORD).await.unwrap();
        let other = app.add_user(annex::domain::user::Role::Contributor).await;
        // The contributor owns control 5.15 and measure M-0001; 5.16 and M-0002 are another's.
        for (control, owner) in [("5.15", &email), ("5.16", &other)] {
            let res = app
                .put_json(
                    &format!("/api/v1/soa/iso27002-2022/{control}"),
                    Auth::Bearer(&manager),
                    json!({"applicable": "yes", "reasons": ["best_practice"], "status": "planned", "owner": owner}),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        }
        for owner in [&email, &other] {
            let res = app
                .post_json(
                    "/api/v1/measures",
                    Auth::Bearer(&manager),
                    json!({"name": "Access reviews", "owner": owner}),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        let own = app
            .upload(
                "/evidence",
                Auth::Browser(&contributor),
                &[
                    ("title", "Access review Q1"),
                    ("controls", "5.15"),
                    ("measures", "M-0001"),
                ],
                Some(("review.csv", "name,ok\nΑλέξης,yes\n".as_bytes())),
            )
            .await;
        assert_eq!(own.status, StatusCode::SEE_OTHER, "{}", own.body);
        let theirs = app
            .upload(
                "/evidence",
                Auth::Browser(&contributor),
                &[
                    ("title", "Not mine"),
                    ("controls", "5.16, 8.1"),
                    ("measures", "M-0002"),
                ],
                Some(("x.csv", b"a\n1\n")),
            )
            .await;
        assert_eq!(
            theirs.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            theirs.body
        );
        for text in [
            "5.16 is owned by",
            ", 8.1 is owned by nobody yet: you can",
            "M-0002 is owned by",
        ] {
            assert!(theirs.body.contains(text), "{text}: {}", theirs.body);
        }
        let as_other = app
            .upload(
                "/evidence",
                Auth::Browser(&contributor),
                &[
                    ("title", "Filed for someone"),
                    ("controls", "5.15"),
                    ("collected_by", other.as_str()),
                ],
                Some(("x.csv", b"a\n1\n")),
            )
            .await;
        assert_eq!(as_other.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            as_other.body.contains("collected it yourself")
                || as_other.body.contains("collected yourself"),
            "{}",
            as_other.body
        );
        // A manager may name another collector, if Annex knows them.
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&manager),
                &[
                    ("title", "Collected by the contributor"),
                    ("controls", "5.16"),
                    ("collected_by", email.as_str()),
                ],
                Some(("x.csv", b"a\n1\n")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&manager),
                &[
                    ("title", "Collected by a stranger"),
                    ("controls", "5.16"),
                    ("collected_by", "nobody@elsewhere.example"),
                ],
                Some(("x.csv", b"a\n1\n")),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.json()["error"]["details"][0]["field"], "collected_by");
        // Editing their own item, the contributor cannot attach it to another's control.
        let res = app
            .put_json(
                "/api/v1/evidence/E-0001",
                Auth::Bearer(&app.token_for(&email).await),
                json!({"title": "Access review Q1", "controls": ["5.15", "5.16"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let trail = app
            .store
            .audit_entries(&Default::default(), 200)
            .await
            .unwrap();
        let filed = trail
            .iter()
            .find(|e| e.action == "evidence.create" && e.object_id == "E-0001")
            .unwrap();
        assert_eq!(filed.actor, email, "the trail keeps who filed it");
    });
}

#[tokio::test]
async fn an_upload_with_endless_form_fields_is_refused_with_flat_memory() {
    on_every_database!(|app| {
        app.set_up().await;
        let token = app.token_as(annex::domain::user::Role::Manager).await;
        let mut parts: Vec<crate::harness::Part> =
            vec![crate::harness::Part::Text("title", "Flood")];
        let junk = "x".repeat(1000);
        for _ in 0..2_000 {
            parts.push(crate::harness::Part::Text("note", &junk));
        }
        let res = app
            .post_parts("/api/v1/evidence", Auth::Bearer(&token), &parts)
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(
            res.body.contains("more than 50 form fields"),
            "{}",
            res.body
        );
        let big = "y".repeat(60 * 1024);
        let mut parts: Vec<crate::harness::Part> =
            vec![crate::harness::Part::Text("title", "Flood")];
        for _ in 0..10 {
            parts.push(crate::harness::Part::Text("note", &big));
        }
        let res = app
            .post_parts("/api/v1/evidence", Auth::Bearer(&token), &parts)
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(res.body.contains("256 KB"), "{}", res.body);
        let two = app
            .post_parts(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[
                    crate::harness::Part::Text("title", "Two files"),
                    crate::harness::Part::File {
                        name: "file",
                        filename: "a.txt",
                        bytes: b"a",
                    },
                    crate::harness::Part::File {
                        name: "file",
                        filename: "b.txt",
                        bytes: b"b",
                    },
                ],
            )
            .await;
        assert_eq!(two.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", two.body);
    });
}

#[tokio::test]
async fn csv_exports_do_not_carry_formulas_and_read_back_unchanged() {
    use serde_json::json;
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let token = app.token_as(annex::domain::user::Role::Manager).await;
        let name = "=HYPERLINK(\"http://evil.example\",\"Ταμείο\")";
        let res = app
            .post_json("/api/v1/assets", Auth::Bearer(&token), json!({"id": "A-1", "name": name, "owner": "+cmd|' /C calc'!A0", "description": "@SUM(1+1)", "asset_type": "hardware", "classification": "internal"}))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let csv = app.get("/assets.csv", Auth::Browser(&admin)).await;
        assert_eq!(csv.status, StatusCode::OK);
        for cell in ["'=HYPERLINK", "'+cmd", "'@SUM"] {
            assert!(csv.body.contains(cell), "{cell} in {}", csv.body);
        }
        for line in csv.body.lines() {
            for cell in line.split(',') {
                let bare = cell.trim_start_matches('"');
                assert!(
                    !bare.starts_with(['=', '+', '@']),
                    "{cell} would run as a formula"
                );
            }
        }
        let back = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&token),
                csv.body.into_bytes(),
            )
            .await;
        assert_eq!(back.status, StatusCode::OK, "{}", back.body);
        assert_eq!(
            back.json()["report"]["unchanged"]
                .as_array()
                .map(|a| a.len())
                .unwrap_or_else(|| back.json()["report"]["unchanged"].as_u64().unwrap() as usize),
            1,
            "{}",
            back.body
        );
        let a = app
            .get("/api/v1/assets/A-1", Auth::Bearer(&token))
            .await
            .json();
        assert_eq!(a["name"], name);
        assert_eq!(a["owner"], "+cmd|' /C calc'!A0");
    });
}

/// An XLSX file written by Annex with its sheet replaced by `cells` (the XML of its rows).
fn hostile_xlsx(cells: &str) -> Vec<u8> {
    use std::io::{Read, Write};
    let mut book = rust_xlsxwriter::Workbook::new();
    book.add_worksheet().write_string(0, 0, "id").unwrap();
    let original = book.save_to_buffer().unwrap();
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(original)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for i in 0..zin.len() {
        let mut f = zin.by_index(i).unwrap();
        let name = f.name().unwrap().to_string();
        let mut data = Vec::new();
        f.read_to_end(&mut data).unwrap();
        out.start_file(name.as_str(), opts).unwrap();
        if name == "xl/worksheets/sheet1.xml" {
            data = format!(r#"<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#).into_bytes();
        }
        out.write_all(&data).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn hostile_spreadsheets_are_refused_and_the_server_stays_up() {
    on_every_database!(|app| {
        let manager = app.browser_as(annex::domain::user::Role::Manager).await;
        let token = app.token_as(annex::domain::user::Role::Manager).await;
        let corner = hostile_xlsx(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
        );
        let wide: String = (1..=20_000)
            .map(|r| format!(r#"<row r="{r}"><c r="ZZ{r}"><v>1</v></c></row>"#))
            .collect();
        let wide = hostile_xlsx(&wide);
        let date = hostile_xlsx(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c><c r="B1" t="inlineStr"><is><t>last_reviewed_on</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>A-1</t></is></c><c r="B2" s="1"><v>1E+300</v></c></row>"#,
        );
        for (name, file) in [("corner", &corner), ("wide", &wide), ("date", &date)] {
            assert!(file.len() < 256 * 1024, "{name}: a small file");
            for path in [
                "/api/v1/assets/import",
                "/api/v1/risks/import",
                "/api/v1/measures/import",
            ] {
                let res = app
                    .post_bytes(path, Auth::Bearer(&token), file.clone())
                    .await;
                assert!(
                    res.status.is_client_error(),
                    "{name} {path}: {} {}",
                    res.status,
                    res.body
                );
            }
            // The page keeps a readable upload for its review, which then names the problem.
            let res = app
                .post_file("/assets/import", &manager, "hostile.xlsx", file)
                .await;
            if res.status == StatusCode::SEE_OTHER {
                let review = app.get(&res.location(), Auth::Browser(&manager)).await;
                assert!(
                    !review.status.is_server_error(),
                    "{name}: {}",
                    review.status
                );
            } else {
                assert!(res.status.is_client_error(), "{name}: {}", res.status);
            }
        }
        let res = app
            .post_bytes("/api/v1/assets/import", Auth::Bearer(&token), corner)
            .await;
        assert!(res.body.contains("XFD1048576"), "{}", res.body);
        assert_eq!(app.get("/healthz", Auth::None).await.status, StatusCode::OK);
    });
}

#[tokio::test]
async fn an_approved_version_altered_with_its_hash_recomputed_is_refused() {
    use serde_json::json;
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let manager = app.token_as(annex::domain::user::Role::Manager).await;
        let res = app
            .put_json(
                "/api/v1/soa/iso27002-2022/5.1",
                Auth::Bearer(&manager),
                json!({"applicable": "yes", "reasons": ["legal"], "status": "implemented", "owner": "Ελένη Κ."}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/soa/versions",
                Auth::Bearer(&manager),
                json!({"note": "Διοίκηση 2026-12"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let approved_hash = res.json()["content_hash"].as_str().unwrap().to_string();
        let (status, _, xlsx) = app
            .get_bytes(
                "/api/v1/soa/export?format=csv&version=1",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8_lossy(&xlsx).contains("Ελένη Κ."));

        // Someone with the database's rights rewrites the snapshot and its hash together.
        let select = "select snapshot from soa_version where version = 1";
        let snapshot: String = match app.db.backend {
            crate::harness::Backend::Sqlite => {
                let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
                let r: (String,) = sqlx::query_as(select).fetch_one(&pool).await.unwrap();
                pool.close().await;
                r.0
            }
            crate::harness::Backend::Postgres => {
                let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
                let r: (String,) = sqlx::query_as(select).fetch_one(&pool).await.unwrap();
                pool.close().await;
                r.0
            }
        };
        let forged = snapshot.replace("Ελένη Κ.", "Mallory");
        let forged_hash = annex::domain::user::sha256_hex(forged.as_bytes());
        let (off, on) = match app.db.backend {
            crate::harness::Backend::Sqlite => {
                ("drop trigger soa_version_no_update".to_string(), None)
            }
            crate::harness::Backend::Postgres => (
                "alter table soa_version disable trigger soa_version_immutable".to_string(),
                Some("alter table soa_version enable trigger soa_version_immutable".to_string()),
            ),
        };
        let mut statements = vec![
            off,
            format!(
                "update soa_version set snapshot = {}, content_hash = {} where version = 1",
                quote(&forged),
                quote(&forged_hash)
            ),
        ];
        statements.extend(on);
        behind_the_back(&app.db, &statements).await;

        // The stored hash matches the stored content now; the approval's entry does not.
        let list = app
            .get("/api/v1/soa/versions", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(list[0]["intact"], false, "{list}");
        assert!(
            list[0]["problem"]
                .as_str()
                .unwrap()
                .contains(&approved_hash),
            "{list}"
        );
        for path in [
            "/api/v1/soa/export?format=csv&version=1",
            "/api/v1/soa/export?format=pdf&version=1",
            "/api/v1/soa/diff?from=1",
        ] {
            let res = app.get(path, Auth::Bearer(&manager)).await;
            assert_eq!(res.status, StatusCode::CONFLICT, "{path}: {}", res.body);
            assert!(
                res.body.contains("no longer matches what was approved"),
                "{path}: {}",
                res.body
            );
        }
        let page = app.get("/soa?version=1", Auth::Browser(&admin)).await;
        assert_eq!(page.status, StatusCode::CONFLICT);
        assert!(!page.body.contains("Mallory"));
        let page = app.get("/soa/versions", Auth::Browser(&admin)).await;
        assert!(page.body.contains("no longer matches"), "{}", page.body);
        let file = app.db.dir.path().join("soa-v1.csv");
        let out = crate::cli::annex(
            &app.db,
            &[
                "soa",
                "export",
                "--version",
                "1",
                "--format",
                "csv",
                "--out",
                file.to_str().unwrap(),
            ],
        )
        .output()
        .unwrap();
        assert_eq!(
            out.status.code(),
            Some(5),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("no longer matches what was approved")
        );
        assert!(
            !std::fs::read_to_string(&file)
                .unwrap_or_default()
                .contains("Mallory")
        );
    });
}

/// A small demo organisation and an admin's API token.
async fn small_demo(app: &crate::harness::TestApp) -> String {
    app.set_up().await;
    let ctx = crate::harness::operator(&app.store);
    annex::service::demo::generate(&ctx, annex::service::demo::Size::parse("small").unwrap(), 7)
        .await
        .unwrap();
    app.token_as(annex::domain::user::Role::Admin).await
}

/// The API document says what the API accepts, so that requests generated from it are
/// accepted (`.ci/api-property-test` checks every operation): the organisation's own closed
/// lists for a signed-in caller (not for an anonymous one), typed errors for a path
/// parameter, and readers as strict as the document.
#[tokio::test]
async fn the_document_declares_what_the_api_accepts_and_the_api_keeps_to_it() {
    on_every_database!(|app| {
        let token = small_demo(&app).await;
        let enum_of = |doc: &serde_json::Value, pointer: &str| -> Vec<serde_json::Value> {
            doc.pointer(pointer)
                .and_then(|s| s.get("enum"))
                .and_then(|e| e.as_array())
                .cloned()
                .unwrap_or_default()
        };
        let param = |doc: &serde_json::Value, path: &str, name: &str| -> serde_json::Value {
            doc["paths"][path]["get"]["parameters"]
                .as_array()
                .unwrap()
                .iter()
                .find(|p| p["name"] == name)
                .unwrap_or_else(|| panic!("{path} has {name}"))["schema"]
                .clone()
        };

        // Anonymous: the fixed lists only; the organisation's settings are not told.
        let anon = app.get("/api/v1/openapi.json", Auth::None).await.json();
        assert!(
            enum_of(
                &anon,
                "/components/schemas/AssetInput/properties/asset_type"
            )
            .is_empty()
        );
        let statuses = param(&anon, "/api/v1/risks", "status");
        assert_eq!(
            statuses["enum"],
            serde_json::json!(["", "open", "in_treatment", "closed", "active"])
        );
        // Signed in: the asset types, the matrix's cells and steps as this organisation has them.
        let doc = app
            .get("/api/v1/openapi.json", Auth::Bearer(&token))
            .await
            .json();
        let types = enum_of(&doc, "/components/schemas/AssetInput/properties/asset_type");
        assert!(types.contains(&"hardware".into()) && types.contains(&"Hardware".into()));
        let cells = param(&doc, "/api/v1/risks", "cell")["enum"].clone();
        assert!(cells.as_array().unwrap().contains(&"target:5:5".into()));
        let likelihood = enum_of(
            &doc,
            "/components/schemas/RiskInput/properties/inherent_likelihood",
        );
        assert!(likelihood.contains(&1.into()) && likelihood.contains(&"Rare".into()));
        // A flag, and a number given empty, travel as text.
        assert_eq!(
            param(&doc, "/api/v1/measures", "overdue")["enum"],
            serde_json::json!(["", "true", "false", "1", "0"])
        );

        // A path parameter of the wrong type is a JSON error like any other.
        let res = app
            .get(
                "/api/v1/soa/versions/9223372036854775808",
                Auth::Bearer(&token),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert_eq!(res.json()["error"]["code"], "bad_request");

        // A cell outside the matrix, or not written as the heat map writes it, is refused.
        for cell in ["inherent:9:9", "inherent:+1:2", "inherent:01:2"] {
            let res = app
                .get(&format!("/api/v1/risks?cell={cell}"), Auth::Bearer(&token))
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{cell}: {}", res.body);
        }
        let res = app
            .get("/api/v1/risks?cell=target:1:1", Auth::Bearer(&token))
            .await;
        assert_eq!(res.status, StatusCode::OK);

        // Evidence filters combine (they once refused each other).
        let res = app
            .get(
                "/api/v1/evidence?control=5.1&risk=R-0001",
                Auth::Bearer(&token),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // A list is text or a list of texts; anything else is refused, not stringified.
        let asset = |tags: serde_json::Value| serde_json::json!({"name": "Ledger", "asset_type": "information", "classification": "internal", "tags": tags});
        for bad in [
            serde_json::json!({}),
            serde_json::json!(5),
            serde_json::json!([1]),
        ] {
            let res = app
                .post_json("/api/v1/assets", Auth::Bearer(&token), asset(bad.clone()))
                .await;
            assert_eq!(
                res.status,
                StatusCode::BAD_REQUEST,
                "tags {bad}: {}",
                res.body
            );
        }
        let res = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&token),
                asset(serde_json::json!(["pci", "ledger"])),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_str().unwrap().to_string();

        // If-Match: bytes an ETag never has are refused; empty is as if not sent.
        let put = |value: &'static [u8]| {
            Auth::Bearer(&token)
                .apply(Request::put(format!("/api/v1/assets/{id}")))
                .header(header::CONTENT_TYPE, "application/json")
                .header(
                    header::IF_MATCH,
                    axum::http::HeaderValue::from_bytes(value).unwrap(),
                )
                .body(Body::from(asset(serde_json::json!("pci")).to_string()))
                .unwrap()
        };
        assert_eq!(
            app.send(put(b"\xc2\x84")).await.status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            app.send(put(b"\"99999999999999999999\"")).await.status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(app.send(put(b"")).await.status, StatusCode::OK);
        assert_eq!(app.send(put(b"\"1\"")).await.status, StatusCode::CONFLICT);
    });
}

/// A choice given as U+0085 alone (a C1 control Unicode counts as white space) is not an empty
/// choice: it is refused, as the API document says; an empty one still means "any".
#[tokio::test]
async fn a_next_line_character_is_not_an_empty_choice() {
    on_every_database!(|app| {
        let token = app.token_as(annex::domain::user::Role::Manager).await;
        for path in [
            "/api/v1/documents?kind=%C2%85",
            "/api/v1/documents?control=%C2%85",
            "/api/v1/measures?status=%C2%85",
            "/api/v1/people?employment=%C2%85",
        ] {
            let res = app.get(path, Auth::Bearer(&token)).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
        }
        for path in [
            "/api/v1/documents?kind=",
            "/api/v1/documents?control=%20",
            "/api/v1/people?employment=%20&q=%C2%85",
        ] {
            let res = app.get(path, Auth::Bearer(&token)).await;
            assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
        }
    });
}
