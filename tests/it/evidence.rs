//! The evidence vault, through the paths people take: the pages (multipart forms with the CSRF
//! token first), the API and the command line. Files are kept once by their SHA-256 (under the
//! data dir on SQLite, in chunks in the database on PostgreSQL), versioned, checked on the way
//! in (limit, type, name) and on the way out (hash), and their dates drive the SoA's warnings.

use crate::harness::{Auth, Backend, PASSWORD, Part, Res, TestApp, TestDb, databases};
use crate::on_every_database;
use annex::domain::audit::AuditFilter;
use annex::domain::clock::Clock;
use annex::domain::user::{Email, Role};
use annex::registers::evidence::domain::add_days;
use axum::http::{HeaderMap, StatusCode, header};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const SOA_8_13: &str = "/api/v1/soa/iso27002-2022/8.13";

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A small file that starts as a PDF does.
fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n").into_bytes()
}

/// The fields an API error names, in order.
fn fields(res: &Res) -> Vec<String> {
    let v = res.json();
    v["error"]["details"]
        .as_array()
        .map(|a| {
            a.iter()
                .map(|d| d["field"].as_str().unwrap_or_default().to_string())
                .collect()
        })
        .unwrap_or_default()
}

/// The message an API error gives for a field.
fn message(res: &Res, field: &str) -> String {
    let v = res.json();
    v["error"]["details"]
        .as_array()
        .and_then(|a| a.iter().find(|d| d["field"] == field))
        .and_then(|d| d["message"].as_str())
        .unwrap_or_default()
        .to_string()
}

fn header_of(h: &HeaderMap, name: impl header::AsHeaderName) -> String {
    h.get(name)
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

fn ids(list: &Value) -> Vec<String> {
    list["items"]
        .as_array()
        .unwrap_or_else(|| panic!("not a list: {list}"))
        .iter()
        .map(|e| e["id"].as_str().unwrap().to_string())
        .collect()
}

async fn listed(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let res = app
        .get(&format!("/api/v1/evidence{query}"), Auth::Bearer(token))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{query}: {}", res.body);
    ids(&res.json())
}

async fn total(app: &TestApp, token: &str) -> i64 {
    let res = app.get("/api/v1/evidence", Auth::Bearer(token)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["total"].as_i64().unwrap()
}

/// The evidence entries of the trail, oldest first: (action, object id, actor).
async fn trail(app: &TestApp) -> Vec<(String, String, String)> {
    let mut entries = app
        .store
        .audit_entries(
            &AuditFilter {
                object_type: Some("evidence".into()),
                ..Default::default()
            },
            500,
        )
        .await
        .unwrap();
    entries.reverse();
    entries
        .into_iter()
        .map(|e| (e.action, e.object_id, e.actor))
        .collect()
}

/// Every file under a directory (none when it does not exist).
fn files_under(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return out;
    };
    for e in entries {
        let path = e.unwrap().path();
        if path.is_dir() {
            out.extend(files_under(&path));
        } else {
            out.push(path);
        }
    }
    out.sort();
    out
}

fn evidence_dir(app: &TestApp) -> PathBuf {
    app.db.dir.path().join("evidence")
}

/// The files kept under the data dir's evidence folder, temporary uploads aside.
fn kept_files(app: &TestApp) -> Vec<PathBuf> {
    let tmp = evidence_dir(app).join("tmp");
    files_under(&evidence_dir(app))
        .into_iter()
        .filter(|p| !p.starts_with(&tmp))
        .collect()
}

/// Uploads still waiting in the temporary folder (SQLite keeps it beside the files).
fn temp_uploads(app: &TestApp) -> Vec<PathBuf> {
    files_under(&evidence_dir(app).join("tmp"))
}

async fn pg(app: &TestApp) -> sqlx::PgConnection {
    <sqlx::PgConnection as sqlx::Connection>::connect(&app.db.url)
        .await
        .expect("connect to the test database")
}

/// The chunks kept on PostgreSQL: (sha256, seq, length).
async fn chunks(app: &TestApp) -> Vec<(String, i64, i64)> {
    sqlx::query_as::<_, (String, i64, i64)>(
        "select sha256, seq, length(data)::bigint from evidence_blob_chunk order by sha256, seq",
    )
    .fetch_all(&mut pg(app).await)
    .await
    .unwrap()
}

/// Asserts that no file content at all is kept, in either home.
async fn nothing_kept(app: &TestApp) {
    assert_eq!(kept_files(app), Vec::<PathBuf>::new(), "files kept");
    assert_eq!(temp_uploads(app), Vec::<PathBuf>::new(), "uploads left");
    if app.db.backend == Backend::Postgres {
        assert!(chunks(app).await.is_empty(), "chunks kept");
    }
}

/// Changes one byte of stored content, keeping its length.
async fn damage(app: &TestApp, sha: &str) {
    match app.db.backend {
        Backend::Sqlite => {
            let path = evidence_dir(app).join(&sha[..2]).join(sha);
            let mut bytes = std::fs::read(&path).expect("the kept file");
            let i = bytes.len() / 2;
            bytes[i] ^= 0x20;
            std::fs::write(&path, &bytes).unwrap();
        }
        Backend::Postgres => {
            let mut c = pg(app).await;
            let (mut data,): (Vec<u8>,) = sqlx::query_as(
                "select data from evidence_blob_chunk where sha256 = $1 and seq = 0",
            )
            .bind(sha)
            .fetch_one(&mut c)
            .await
            .unwrap();
            let i = data.len() / 2;
            data[i] ^= 0x20;
            let done = sqlx::query(
                "update evidence_blob_chunk set data = $1 where sha256 = $2 and seq = 0",
            )
            .bind(data)
            .bind(sha)
            .execute(&mut c)
            .await
            .unwrap();
            assert_eq!(done.rows_affected(), 1);
        }
    }
}

/// A user of a role: their email, a signed-in browser and an API token.
async fn person(app: &TestApp, role: Role) -> (String, crate::harness::Browser, String) {
    let email = app.add_user(role).await;
    let browser = app.login(&email, PASSWORD).await.unwrap();
    let user = app
        .store
        .user_by_email(&Email::parse(&email).unwrap())
        .await
        .unwrap();
    let token = app
        .store
        .create_token("test", &user.id, "test", None)
        .await
        .unwrap()
        .1;
    (email, browser, token)
}

async fn put_soa(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app.put_json(SOA_8_13, Auth::Bearer(token), body).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn soa_row(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/soa/iso27002-2022/{id}"),
            Auth::Bearer(token),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

fn evidence_ids(row: &Value) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = row["evidence"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["evidence_id"].as_str().unwrap().to_string(),
                e["via"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    v.sort();
    v
}

fn annex(db: &TestDb, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_annex"));
    c.arg("--data-dir")
        .arg(db.dir.path())
        .arg("--database")
        .arg(&db.url)
        .args(args);
    c.env_remove("ANNEX_DATABASE_URL")
        .env_remove("ANNEX_DATA_DIR")
        .env_remove("ANNEX_EVIDENCE_MAX_MB")
        .env("NO_COLOR", "1");
    c
}

fn run(db: &TestDb, args: &[&str]) -> Output {
    annex(db, args).output().expect("run annex")
}

fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

fn ok(o: Output) -> String {
    assert!(o.status.success(), "annex failed: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// The fields of the page's form that posts to `action`, in document order, with the values
/// the page filled in.
fn form_fields(page: &str, action: &str) -> Vec<(String, String)> {
    let start = page
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form posts to {action}: {page}"));
    let form = &page[start..];
    let form = &form[..form.find("</form>").unwrap()];
    let mut out = Vec::new();
    let mut rest = form;
    while let Some(i) = rest.find(" name=\"") {
        let after = &rest[i + 7..];
        let name = &after[..after.find('"').unwrap()];
        let tag = &after[..after.find('>').unwrap()];
        let value = tag
            .find("value=\"")
            .map(|j| {
                let v = &tag[j + 7..];
                v[..v.find('"').unwrap()].to_string()
            })
            .unwrap_or_default();
        out.push((name.to_string(), value));
        rest = &after[tag.len()..];
    }
    out
}

/// Fills in and sends a page's upload form as a browser does: every field of the form in its
/// order (the CSRF token first, as the page puts it), `values` where given, else what the page
/// filled in, and the file in the form's file input.
async fn submit(
    app: &TestApp,
    browser: &crate::harness::Browser,
    page_path: &str,
    action: &str,
    values: &[(&str, &str)],
    file: (&str, &[u8]),
) -> Res {
    let page = app.get(page_path, Auth::Browser(browser)).await;
    assert_eq!(page.status, StatusCode::OK, "{page_path}: {}", page.body);
    let fields = form_fields(&page.body, action);
    assert_eq!(fields[0].0, "_csrf", "the token comes first");
    for (name, _) in values {
        assert!(
            fields.iter().any(|(f, _)| f == name),
            "the form has no field {name}"
        );
    }
    let parts: Vec<Part> = fields
        .iter()
        .map(|(name, filled)| {
            if name == "file" {
                Part::File {
                    name: "file",
                    filename: file.0,
                    bytes: file.1,
                }
            } else {
                let value = values
                    .iter()
                    .find(|(k, _)| k == name)
                    .map(|(_, v)| *v)
                    .unwrap_or(filled.as_str());
                Part::Text(name, value)
            }
        })
        .collect();
    app.post_parts(action, Auth::Browser(browser), &parts).await
}

fn fixed_day() -> Clock {
    Clock::fixed(time::macros::datetime!(2026-06-15 09:30 UTC))
}

#[tokio::test]
async fn a_pdf_uploaded_through_the_page_proves_its_control_and_downloads_unchanged() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let bytes = pdf("Restore test 2026-03-31: 412 files restored, checksums match");
        let sha = sha256(&bytes);
        let until = add_days(&app.store.today(), 180);
        let res = submit(
            &app,
            &admin,
            "/evidence/new",
            "/evidence",
            &[
                ("title", "Quarterly backup restore test"),
                ("controls", "8.13"),
                ("valid_until", &until),
            ],
            ("restore-test.pdf", &bytes),
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert!(
            res.location().starts_with("/evidence/E-0001"),
            "{}",
            res.location()
        );

        let page = app.get(&res.location(), Auth::Browser(&admin)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for shown in [
            "Quarterly backup restore test",
            "restore-test.pdf",
            sha.as_str(),
            "● valid",
            "/soa/iso27002-2022/8.13",
            "/evidence/E-0001/versions/1/file",
            until.as_str(),
        ] {
            assert!(page.body.contains(shown), "the page lacks {shown}");
        }
        let list = app.get("/evidence", Auth::Browser(&admin)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(
            list.body.contains("E-0001") && list.body.contains("Quarterly backup restore test")
        );

        let manager = app.token_as(Role::Manager).await;
        let row = soa_row(&app, &manager, "8.13").await;
        assert_eq!(row["evidence_state"], "valid", "{row}");
        assert_eq!(row["evidence"].as_array().unwrap().len(), 1, "{row}");
        assert_eq!(row["evidence"][0]["evidence_id"], "E-0001");
        assert_eq!(row["evidence"][0]["title"], "Quarterly backup restore test");
        assert_eq!(row["evidence"][0]["valid_until"], until.as_str());
        assert_eq!(row["evidence"][0]["via"], "");
        let page = app
            .get("/soa/iso27002-2022/8.13", Auth::Browser(&admin))
            .await;
        assert!(page.body.contains("/evidence/E-0001") && page.body.contains("this control"));

        let item = app
            .get("/api/v1/evidence/E-0001", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(item["version"], 1);
        assert_eq!(item["state"], "valid");
        assert_eq!(item["controls"], json!(["8.13"]));
        assert_eq!(item["collected_by"], "admin@example.org");
        assert_eq!(item["collected_at"], app.store.today().as_str());
        assert_eq!(item["file"]["file_name"], "restore-test.pdf");
        assert_eq!(item["file"]["media_type"], "application/pdf");
        assert_eq!(item["file"]["size"], bytes.len());
        assert_eq!(item["file"]["sha256"], sha.as_str());
        assert_eq!(item["versions"].as_array().unwrap().len(), 1);

        for (path, auth) in [
            ("/evidence/E-0001/versions/1/file", Auth::Browser(&admin)),
            (
                "/api/v1/evidence/E-0001/versions/1/file",
                Auth::Bearer(&manager),
            ),
        ] {
            let (status, headers, body) = app.get_bytes(path, auth).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert!(body == bytes, "{path}: not the uploaded bytes");
            assert_eq!(header_of(&headers, header::CONTENT_TYPE), "application/pdf");
            let disposition = header_of(&headers, header::CONTENT_DISPOSITION);
            assert!(
                disposition.starts_with("attachment;")
                    && disposition.contains("filename=\"restore-test.pdf\""),
                "{disposition}"
            );
            assert_eq!(header_of(&headers, "x-content-sha256"), sha);
            assert_eq!(
                header_of(&headers, header::CONTENT_LENGTH),
                bytes.len().to_string()
            );
        }
        let (status, _, _) = app
            .get_bytes("/evidence/E-0001/versions/2/file", Auth::Browser(&admin))
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
    });
}

#[tokio::test]
async fn the_same_content_uploaded_twice_is_stored_once() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        // A manager: contributors file evidence only on what they own.
        let token = app.token_as(Role::Manager).await;
        // More than one chunk (1 MiB), so that PostgreSQL splits it and reads it back in order.
        let bytes: Vec<u8> = (0..1_300_000usize)
            .map(|i| b"2026-04-01 accept tcp 10.0.0.1\n"[i % 31])
            .collect();
        let sha = sha256(&bytes);
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&admin),
                &[("title", "Firewall log, April"), ("controls", "8.20")],
                Some(("firewall-april.log", &bytes)),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[
                    ("title", "Firewall log for the audit"),
                    ("controls", "8.15"),
                ],
                Some(("fw.log", &bytes)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let second = res.json();
        assert_eq!(second["id"], "E-0002");
        assert_eq!(second["file"]["sha256"], sha.as_str());
        assert_eq!(second["file"]["file_name"], "fw.log");

        match app.db.backend {
            Backend::Sqlite => {
                assert_eq!(
                    kept_files(&app),
                    [evidence_dir(&app).join(&sha[..2]).join(&sha)]
                );
            }
            Backend::Postgres => {
                assert_eq!(
                    chunks(&app).await,
                    [
                        (sha.clone(), 0, 1024 * 1024),
                        (sha.clone(), 1, 1_300_000 - 1024 * 1024)
                    ]
                );
                assert_eq!(kept_files(&app), Vec::<PathBuf>::new(), "nothing on disk");
            }
        }
        assert_eq!(temp_uploads(&app), Vec::<PathBuf>::new());
        for id in ["E-0001", "E-0002"] {
            let (status, headers, body) = app
                .get_bytes(
                    &format!("/api/v1/evidence/{id}/versions/1/file"),
                    Auth::Bearer(&token),
                )
                .await;
            assert_eq!(status, StatusCode::OK);
            assert!(body == bytes, "{id}: not the uploaded bytes");
            assert_eq!(header_of(&headers, header::CONTENT_TYPE), "text/plain");
        }
    });
}

#[tokio::test]
async fn a_new_version_keeps_the_old_one_and_each_downloads_its_own_content() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let token = app.token_as(Role::Manager).await;
        let today = app.store.today();
        let v1 = b"Access review 2026-Q1: 14 accounts reviewed, 2 removed\n".to_vec();
        let v2 = b"Access review 2026-Q2: 15 accounts reviewed, 1 removed\n".to_vec();
        let v3 = b"Access review 2026-Q3: 15 accounts reviewed, none removed\n".to_vec();
        let until1 = add_days(&today, 90);
        let until2 = add_days(&today, 180);
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&admin),
                &[
                    ("title", "Access review"),
                    ("controls", "5.18"),
                    ("valid_until", &until1),
                ],
                Some(("access-review-q1.txt", &v1)),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let before = app
            .get("/api/v1/evidence/E-0001", Auth::Bearer(&token))
            .await
            .json();

        // Version 2 through the item page's form, with a new valid-until date.
        let res = submit(
            &app,
            &admin,
            "/evidence/E-0001",
            "/evidence/E-0001/versions",
            &[("valid_until", &until2)],
            ("access-review-q2.txt", &v2),
        )
        .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert!(res.location().starts_with("/evidence/E-0001"));
        // Version 3 through the API, without dates: the valid-until date stays.
        let res = app
            .post_parts(
                "/api/v1/evidence/E-0001/versions",
                Auth::Bearer(&token),
                &[Part::File {
                    name: "file",
                    filename: "access-review-q3.txt",
                    bytes: &v3,
                }],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["version"], 3);

        let item = app
            .get("/api/v1/evidence/E-0001", Auth::Bearer(&token))
            .await
            .json();
        assert_eq!(item["version"], 3);
        assert_eq!(item["valid_until"], until2.as_str());
        assert_eq!(item["file"]["sha256"], sha256(&v3).as_str());
        let versions = item["versions"].as_array().unwrap();
        let numbers: Vec<i64> = versions
            .iter()
            .map(|v| v["version"].as_i64().unwrap())
            .collect();
        assert_eq!(numbers, [3, 2, 1], "newest first");
        assert_eq!(versions[2], before["versions"][0], "version 1 unchanged");
        assert_eq!(versions[2], before["file"]);

        let page = app.get("/evidence/E-0001", Auth::Browser(&admin)).await;
        for (n, content, name) in [
            (1, &v1, "access-review-q1.txt"),
            (2, &v2, "access-review-q2.txt"),
            (3, &v3, "access-review-q3.txt"),
        ] {
            assert_eq!(versions[3 - n]["sha256"], sha256(content).as_str());
            assert_eq!(versions[3 - n]["file_name"], name);
            assert!(page.body.contains(name), "the page lacks {name}");
            assert!(
                page.body
                    .contains(&format!("/evidence/E-0001/versions/{n}/file"))
            );
            for (path, auth) in [
                (
                    format!("/evidence/E-0001/versions/{n}/file"),
                    Auth::Browser(&admin),
                ),
                (
                    format!("/api/v1/evidence/E-0001/versions/{n}/file"),
                    Auth::Bearer(&token),
                ),
            ] {
                let (status, headers, body) = app.get_bytes(&path, auth).await;
                assert_eq!(status, StatusCode::OK, "{path}");
                assert!(body == *content, "{path}: not version {n}'s content");
                assert!(
                    header_of(&headers, header::CONTENT_DISPOSITION)
                        .contains(&format!("filename=\"{name}\""))
                );
            }
        }
        let (status, _, _) = app
            .get_bytes(
                "/api/v1/evidence/E-0001/versions/4/file",
                Auth::Bearer(&token),
            )
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);

        // A version without a file, and a version of a link, are refused.
        let res = app
            .post_parts(
                "/api/v1/evidence/E-0001/versions",
                Auth::Bearer(&token),
                &[Part::Text("valid_until", &until2)],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["file"]);
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[
                    ("title", "Change approval"),
                    ("url", "https://tickets.example.org/CHG-42"),
                ],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["version"], 0);
        let res = app
            .post_parts(
                "/api/v1/evidence/E-0002/versions",
                Auth::Bearer(&token),
                &[Part::File {
                    name: "file",
                    filename: "chg-42.txt",
                    bytes: b"approved",
                }],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["file"]);
        assert!(message(&res, "file").contains("link"));
    });
}

#[tokio::test]
async fn an_upload_over_the_limit_is_refused_naming_it_and_leaves_nothing_behind() {
    for db in databases().await {
        let backend = db.backend;
        let app = TestApp::spawn_with(db, |c| c.evidence_max_mb = 1, Clock::system()).await;
        let admin = app.set_up().await;
        let token = app.token_as(Role::Manager).await;
        let big = vec![b'a'; 1024 * 1024 + 512 * 1024];

        // The page's form, in the order a browser sends it: token, title, file, the rest.
        let res = app
            .post_parts(
                "/evidence",
                Auth::Browser(&admin),
                &[
                    Part::Text("_csrf", &admin.csrf),
                    Part::Text("title", "Full log export"),
                    Part::File {
                        name: "file",
                        filename: "firewall.log",
                        bytes: &big,
                    },
                    Part::Text("controls", "8.15"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("larger than the limit of 1 MB"),
            "{}",
            res.body
        );
        assert!(
            res.body.contains("value=\"Full log export\""),
            "the title typed before the file comes back: {}",
            res.body
        );
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[("title", "Full log export")],
                Some(("firewall.log", &big)),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["file"]);
        assert!(message(&res, "file").contains("1 MB"), "{}", res.body);

        assert_eq!(total(&app, &token).await, 0);
        assert!(trail(&app).await.is_empty(), "nothing in the trail");
        nothing_kept(&app).await;

        // Exactly the limit is accepted; a version over it is refused like a new item.
        let exact = vec![b'b'; 1024 * 1024];
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[("title", "Log export, trimmed")],
                Some(("firewall.log", &exact)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_parts(
                "/api/v1/evidence/E-0001/versions",
                Auth::Bearer(&token),
                &[Part::File {
                    name: "file",
                    filename: "firewall.log",
                    bytes: &big,
                }],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["file"]);
        let res = app
            .post_parts(
                "/evidence/E-0001/versions",
                Auth::Browser(&admin),
                &[
                    Part::Text("_csrf", &admin.csrf),
                    Part::File {
                        name: "file",
                        filename: "firewall.log",
                        bytes: &big,
                    },
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("limit of 1 MB"));
        let item = app
            .get("/api/v1/evidence/E-0001", Auth::Bearer(&token))
            .await
            .json();
        assert_eq!(item["version"], 1);
        assert_eq!(trail(&app).await.len(), 1, "only the accepted upload");
        assert_eq!(temp_uploads(&app), Vec::<PathBuf>::new());
        if backend == Backend::Sqlite {
            assert_eq!(kept_files(&app).len(), 1);
        } else {
            assert_eq!(chunks(&app).await.len(), 1);
        }

        // The command line reads the same limit (here from the environment).
        let file = app.db.dir.path().join("big.log");
        std::fs::write(&file, &big).unwrap();
        let out = annex(
            &app.db,
            &[
                "evidence",
                "add",
                file.to_str().unwrap(),
                "--control",
                "8.15",
            ],
        )
        .env("ANNEX_EVIDENCE_MAX_MB", "1")
        .output()
        .unwrap();
        assert!(!out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("limit of 1 MB"), "{}", text(&out));
        assert_eq!(total(&app, &token).await, 1);
        assert_eq!(temp_uploads(&app), Vec::<PathBuf>::new());
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn programs_and_files_that_are_not_what_they_are_called_are_refused() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let token = app.token_as(Role::Contributor).await;
        let cases: [(&str, &[u8], &str); 4] = [
            (
                "setup.exe",
                b"MZ\x90\x00\x03\x00\x00\x00\x04\x00 This program cannot be run in DOS mode",
                "is not a kind of file Annex keeps as evidence",
            ),
            (
                "scan.pdf",
                b"Hello, I am a text file dressed as a PDF",
                "is called .pdf but its content is not a PDF file",
            ),
            (
                "run.txt",
                b"#!/bin/sh\ncurl -s https://example.org/x | sh\n",
                "is a program or a script",
            ),
            (
                "notes.txt",
                b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00",
                "is a program or a script",
            ),
        ];
        for (name, bytes, why) in cases {
            let page = app
                .upload(
                    "/evidence",
                    Auth::Browser(&admin),
                    &[("title", "Looks like evidence"), ("controls", "8.7")],
                    Some((name, bytes)),
                )
                .await;
            assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(
                page.body.contains(name) && page.body.contains(why),
                "{name}: {}",
                page.body
            );
            assert!(
                page.body.contains("value=\"Looks like evidence\""),
                "the form keeps what was typed"
            );
            let res = app
                .upload(
                    "/api/v1/evidence",
                    Auth::Bearer(&token),
                    &[("title", "Looks like evidence")],
                    Some((name, bytes)),
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert_eq!(fields(&res), ["file"], "{name}");
            assert!(message(&res, "file").contains(name), "{}", res.body);
            assert!(message(&res, "file").contains(why), "{}", res.body);
        }
        assert_eq!(total(&app, &token).await, 0);
        assert!(trail(&app).await.is_empty(), "nothing in the trail");
        nothing_kept(&app).await;
        // No id was used up by the refusals.
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[("title", "The real scan")],
                Some(("scan.pdf", &pdf("scan"))),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["id"], "E-0001");
    });
}

#[tokio::test]
async fn a_file_name_with_directories_is_kept_as_its_last_part_and_never_used_as_a_path() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let token = app.token_as(Role::Viewer).await;
        let bytes = b"root:x:0:0:root:/root:/bin/sh\nada:x:1000:1000::/home/ada:/bin/sh\n";
        let sha = sha256(bytes);
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&admin),
                &[("title", "Exported accounts"), ("controls", "5.18")],
                Some(("../../etc/passwd.txt", bytes)),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let item = app
            .get("/api/v1/evidence/E-0001", Auth::Bearer(&token))
            .await
            .json();
        assert_eq!(item["file"]["file_name"], "passwd.txt");
        assert_eq!(item["file"]["sha256"], sha.as_str());
        let (status, headers, body) = app
            .get_bytes("/evidence/E-0001/versions/1/file", Auth::Bearer(&token))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(body == bytes);
        let disposition = header_of(&headers, header::CONTENT_DISPOSITION);
        assert!(
            disposition.contains("filename=\"passwd.txt\"") && !disposition.contains(".."),
            "{disposition}"
        );

        // Nothing was written outside the data dir's evidence folder.
        let data = app.db.dir.path();
        for path in files_under(data) {
            let rel = path.strip_prefix(data).unwrap();
            let name = rel.to_string_lossy();
            assert!(
                rel.starts_with("evidence") || name.starts_with("annex.db"),
                "an unexpected file in the data dir: {name}"
            );
        }
        for outside in [
            data.join("etc"),
            data.join("evidence").join("etc"),
            data.join("evidence").join("tmp").join("etc"),
            data.parent().unwrap().join("etc").join("passwd.txt"),
            PathBuf::from("/etc/passwd.txt"),
        ] {
            assert!(!outside.exists(), "{} was written", outside.display());
        }
        match app.db.backend {
            Backend::Sqlite => assert_eq!(
                kept_files(&app),
                [evidence_dir(&app).join(&sha[..2]).join(&sha)]
            ),
            Backend::Postgres => {
                assert_eq!(kept_files(&app), Vec::<PathBuf>::new());
                assert_eq!(chunks(&app).await, [(sha.clone(), 0, bytes.len() as i64)]);
            }
        }

        // A Windows path, and a name that is nothing but dots and slashes.
        let manager = app.token_as(Role::Manager).await;
        for (sent, kept) in [
            ("..\\..\\Windows\\win.ini.txt", "win.ini.txt"),
            ("/var/log/../../.hidden.log", "hidden.log"),
        ] {
            let res = app
                .upload(
                    "/api/v1/evidence",
                    Auth::Bearer(&manager),
                    &[("title", "A file with a path for a name")],
                    Some((sent, b"plain text")),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{sent}: {}", res.body);
            assert_eq!(res.json()["file"]["file_name"], kept, "{sent}");
        }
        for path in files_under(data) {
            let rel = path.strip_prefix(data).unwrap();
            assert!(
                rel.starts_with("evidence") || rel.to_string_lossy().starts_with("annex.db"),
                "{}",
                rel.display()
            );
        }
    });
}

#[tokio::test]
async fn a_file_name_in_another_script_is_kept_and_downloads_under_it() {
    on_every_database!(|app| {
        let token = app.token_as(Role::Manager).await;
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[("title", "Prüfbericht")],
                Some(("Prüfbericht 2026.pdf", &pdf("Prüfbericht"))),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["file"]["file_name"], "Prüfbericht 2026.pdf");
        let (status, headers, _) = app
            .get_bytes(
                "/api/v1/evidence/E-0001/versions/1/file",
                Auth::Bearer(&token),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let disposition = header_of(&headers, header::CONTENT_DISPOSITION);
        assert_eq!(
            disposition,
            "attachment; filename=\"Pr_fbericht 2026.pdf\"; filename*=UTF-8''Pr%C3%BCfbericht%202026.pdf"
        );
    });
}

#[tokio::test]
async fn a_damaged_file_is_an_error_never_a_wrong_download() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let token = app.token_as(Role::Viewer).await;
        let bytes = pdf("Penetration test report, final version, 37 findings");
        let sha = sha256(&bytes);
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&admin),
                &[("title", "Pen test report"), ("controls", "8.8")],
                Some(("pentest.pdf", &bytes)),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let out_dir = tempfile::tempdir().unwrap();
        let good = out_dir.path().join("good.pdf");
        let said = ok(run(
            &app.db,
            &["evidence", "get", "E-0001", "--out", good.to_str().unwrap()],
        ));
        assert!(said.contains(&sha), "{said}");
        assert!(std::fs::read(&good).unwrap() == bytes);

        damage(&app, &sha).await;
        for (path, auth) in [
            ("/evidence/E-0001/versions/1/file", Auth::Browser(&admin)),
            (
                "/api/v1/evidence/E-0001/versions/1/file",
                Auth::Bearer(&token),
            ),
        ] {
            let (status, headers, body) = app.get_bytes(path, auth).await;
            // Once a generic 500: now the answer says the file is damaged.
            assert_eq!(status, StatusCode::CONFLICT, "{path}");
            assert_ne!(header_of(&headers, "x-content-sha256"), sha);
            let body = String::from_utf8_lossy(&body);
            assert!(!body.contains("Penetration test report"), "{path}: {body}");
            assert!(body.contains("is damaged"), "{path}: {body}");
        }
        // The item is marked damaged, once, and shows its control failing.
        let item = app
            .get("/api/v1/evidence/E-0001", Auth::Bearer(&token))
            .await
            .json();
        assert_eq!(item["state"], "failing", "{item}");
        assert!(
            item["failing"].as_str().unwrap().starts_with("Damaged"),
            "{item}"
        );
        let marks = app
            .store
            .audit_entries(&Default::default(), 500)
            .await
            .unwrap()
            .into_iter()
            .filter(|e| e.action == "evidence.damaged")
            .count();
        assert_eq!(marks, 1, "found twice, marked once");
        let bad = out_dir.path().join("bad.pdf");
        let out = run(
            &app.db,
            &["evidence", "get", "E-0001", "--out", bad.to_str().unwrap()],
        );
        assert!(!out.status.success(), "{}", text(&out));
        assert!(text(&out).contains("SHA-256"), "{}", text(&out));
        assert!(
            std::fs::read(&bad).unwrap_or_default().is_empty(),
            "nothing damaged is written"
        );
        // The item itself still shows; only its file is refused.
        let page = app.get("/evidence/E-0001", Auth::Browser(&admin)).await;
        assert_eq!(page.status, StatusCode::OK);

        if app.db.backend == Backend::Sqlite {
            // A missing file is refused the same way.
            std::fs::remove_file(evidence_dir(&app).join(&sha[..2]).join(&sha)).unwrap();
            let (status, _, _) = app
                .get_bytes(
                    "/api/v1/evidence/E-0001/versions/1/file",
                    Auth::Bearer(&token),
                )
                .await;
            assert_eq!(status, StatusCode::CONFLICT);
        }
        // A new version replaces the damaged file and clears the mark.
        let res = app
            .upload(
                "/evidence/E-0001/versions",
                Auth::Browser(&admin),
                &[],
                Some(("pentest-2.pdf", &pdf("Penetration test report, re-issued"))),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let item = app
            .get("/api/v1/evidence/E-0001", Auth::Bearer(&token))
            .await
            .json();
        assert_eq!(item["failing"], "", "{item}");
    });
}

#[tokio::test]
async fn expired_evidence_warns_on_the_soa_and_expiring_evidence_is_listed() {
    for db in databases().await {
        let backend = db.backend;
        let app = TestApp::spawn_with(db, |_| {}, fixed_day()).await;
        assert_eq!(app.store.today(), "2026-06-15");
        let admin = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let res = app
            .post_json(
                "/api/v1/measures",
                Auth::Bearer(&manager),
                json!({"name": "Offline backups", "controls": "8.13", "status": "implemented"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let row = put_soa(&app, &manager, json!({"applicable": "yes", "reasons": ["risk_treatment"], "status": "implemented", "maturity": 3, "owner": "ops@example.org"})).await;
        assert_eq!(row["evidence_state"], "none");
        assert_eq!(row["warnings"], json!(["no_valid_evidence"]));

        // A restore test that ran out two weeks ago (a link to its ticket).
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&manager),
                &[
                    ("title", "Restore test 2025"),
                    ("url", "https://tickets.example.org/CHG-17"),
                    ("collected_at", "2025-06-01"),
                    ("valid_until", "2026-06-01"),
                    ("controls", "8.13"),
                ],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["state"], "expired");
        let row = soa_row(&app, &manager, "8.13").await;
        assert_eq!(row["evidence_state"], "expired");
        assert_eq!(
            row["warnings"],
            json!(["no_valid_evidence", "evidence_expired"])
        );
        let flagged = app
            .get(
                "/api/v1/soa?warning=evidence_expired",
                Auth::Bearer(&manager),
            )
            .await
            .json();
        let flagged: Vec<&str> = flagged
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["control"]["id"].as_str().unwrap())
            .collect();
        assert_eq!(flagged, ["8.13"]);
        let page = app
            .get("/soa/iso27002-2022/8.13", Auth::Browser(&admin))
            .await;
        assert!(page.body.contains("● expired"), "{}", page.body);

        // Two more: one ends in 10 days, one in 60.
        for (title, until) in [
            ("Phishing drill results", "2026-06-25"),
            ("Supplier assurance letter", "2026-08-14"),
        ] {
            let res = app
                .upload(
                    "/api/v1/evidence",
                    Auth::Bearer(&manager),
                    &[
                        ("title", title),
                        ("valid_until", until),
                        ("controls", "6.3"),
                    ],
                    Some(("letter.pdf", &pdf(title))),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        let item = |id: &'static str| {
            let app = &app;
            let manager = manager.clone();
            async move {
                app.get(&format!("/api/v1/evidence/{id}"), Auth::Bearer(&manager))
                    .await
                    .json()
            }
        };
        assert_eq!(item("E-0002").await["state"], "expiring");
        assert_eq!(item("E-0003").await["state"], "valid");
        assert_eq!(listed(&app, &manager, "?expiring=30").await, ["E-0002"]);
        assert_eq!(listed(&app, &manager, "?expiring=30d").await, ["E-0002"]);
        assert_eq!(
            listed(&app, &manager, "?expiring=90").await,
            ["E-0002", "E-0003"]
        );
        assert_eq!(listed(&app, &manager, "?state=expired").await, ["E-0001"]);
        assert_eq!(listed(&app, &manager, "?state=expiring").await, ["E-0002"]);
        assert_eq!(listed(&app, &manager, "?state=valid").await, ["E-0003"]);
        let bad = app
            .get("/api/v1/evidence?expiring=soon", Auth::Bearer(&manager))
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST);
        assert_eq!(fields(&bad), ["expiring"]);
        let page = app
            .get("/evidence?expiring=30", Auth::Browser(&admin))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("E-0002") && !page.body.contains("E-0003"));

        // Attached to 8.13 too, the drill proves it today (though it expires soon).
        let drill = item("E-0002").await;
        let res = app
            .put_json(
                "/api/v1/evidence/E-0002",
                Auth::Bearer(&manager),
                json!({"title": drill["title"], "collected_at": drill["collected_at"], "valid_until": drill["valid_until"], "controls": "6.3, 8.13"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let row = soa_row(&app, &manager, "8.13").await;
        assert_eq!(row["evidence_state"], "expiring");
        assert_eq!(row["warnings"], json!([]));
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }

    // The command line, on the real clock.
    for db in databases().await {
        let today = time::OffsetDateTime::now_utc().date().to_string();
        let files = tempfile::tempdir().unwrap();
        for (name, days) in [("soon.txt", 10), ("later.txt", 60)] {
            let path = files.path().join(name);
            std::fs::write(&path, format!("{name}: proof")).unwrap();
            let until = add_days(&today, days);
            ok(run(
                &db,
                &[
                    "evidence",
                    "add",
                    path.to_str().unwrap(),
                    "--control",
                    "8.13",
                    "--valid-until",
                    &until,
                ],
            ));
        }
        let json: Value = serde_json::from_str(&ok(run(
            &db,
            &["evidence", "list", "--expiring", "30d", "--format", "json"],
        )))
        .unwrap();
        let found: Vec<&str> = json
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["id"].as_str().unwrap())
            .collect();
        assert_eq!(found, ["E-0001"]);
        assert_eq!(json[0]["title"], "soon.txt");
        let table = ok(run(&db, &["evidence", "list", "--expiring", "30"]));
        assert!(
            table.contains("E-0001") && !table.contains("E-0002"),
            "{table}"
        );
        let bad = run(&db, &["evidence", "list", "--expiring", "soon"]);
        assert!(!bad.status.success());
        assert!(
            text(&bad).contains("not a number of days"),
            "{}",
            text(&bad)
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn evidence_on_a_measure_counts_for_the_controls_it_implements() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let res = app
            .post_json(
                "/api/v1/measures",
                Auth::Bearer(&manager),
                json!({"name": "Nightly backups", "controls": "8.13"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let until = add_days(&app.store.today(), 100);
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&manager),
                &[
                    ("title", "Backup job report"),
                    ("measures", "M-0001"),
                    ("valid_until", &until),
                ],
                Some(("backup-report.csv", b"job,status\nnightly,ok\n")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let e = res.json();
        assert_eq!(e["measures"], json!(["M-0001"]));
        assert_eq!(e["controls"], json!([]));

        let row = soa_row(&app, &manager, "8.13").await;
        assert_eq!(
            evidence_ids(&row),
            [("E-0001".to_string(), "M-0001".to_string())]
        );
        assert_eq!(row["evidence_state"], "valid");
        let other = soa_row(&app, &manager, "5.30").await;
        assert_eq!(evidence_ids(&other), Vec::<(String, String)>::new());
        assert_eq!(other["evidence_state"], "none");
        assert_eq!(listed(&app, &manager, "?control=8.13").await, ["E-0001"]);
        assert_eq!(listed(&app, &manager, "?measure=M-0001").await, ["E-0001"]);
        assert_eq!(
            listed(&app, &manager, "?control=5.30").await,
            Vec::<String>::new()
        );
        let browser = app.browser_as(Role::Viewer).await;
        let page = app
            .get("/soa/iso27002-2022/8.13", Auth::Browser(&browser))
            .await;
        assert!(
            page.body
                .contains("measure <a href=\"/measures/M-0001\">M-0001</a>")
        );

        // Attached to the control and to the measure, an item counts once.
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&manager),
                &[
                    ("title", "Restore drill"),
                    ("controls", "8.13"),
                    ("measures", "M-0001"),
                ],
                Some(("drill.txt", b"restored in 42 minutes")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let row = soa_row(&app, &manager, "8.13").await;
        let listed_ids: Vec<String> = evidence_ids(&row).into_iter().map(|(id, _)| id).collect();
        assert_eq!(listed_ids, ["E-0001", "E-0002"], "{row}");

        // When the measure implements another control, its evidence moves with it.
        let res = app
            .put_json(
                "/api/v1/measures/M-0001",
                Auth::Bearer(&manager),
                json!({"name": "Nightly backups", "controls": "5.30"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let row = soa_row(&app, &manager, "8.13").await;
        assert_eq!(
            evidence_ids(&row),
            [("E-0002".to_string(), String::new())],
            "{row}"
        );
        let other = soa_row(&app, &manager, "5.30").await;
        assert_eq!(
            evidence_ids(&other),
            [
                ("E-0001".to_string(), "M-0001".to_string()),
                ("E-0002".to_string(), "M-0001".to_string())
            ]
        );
        assert_eq!(listed(&app, &manager, "?control=5.30").await.len(), 2);

        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&manager),
                &[
                    ("title", "Orphan"),
                    ("measures", "M-0099"),
                    ("risks", "R-9"),
                ],
                Some(("orphan.txt", b"x")),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["measures", "risks"]);
        assert!(message(&res, "measures").contains("M-0099"));
    });
}

#[tokio::test]
async fn readers_download_contributors_add_and_edit_their_own_and_forged_uploads_are_refused() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let file = pdf("Business continuity exercise minutes");
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&admin),
                &[("title", "BC exercise"), ("controls", "5.30")],
                Some(("bc.pdf", &file)),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let small = b"another file".as_slice();

        for role in [Role::Viewer, Role::Auditor] {
            let (_, browser, token) = person(&app, role).await;
            let list = app.get("/evidence", Auth::Browser(&browser)).await;
            assert_eq!(list.status, StatusCode::OK, "{role}");
            assert!(list.body.contains("BC exercise"));
            let page = app.get("/evidence/E-0001", Auth::Browser(&browser)).await;
            assert_eq!(page.status, StatusCode::OK, "{role}");
            assert!(!page.body.contains("Upload a new version"), "{role}");
            assert!(!page.body.contains("/evidence/E-0001/edit"), "{role}");
            assert_eq!(listed(&app, &token, "").await, ["E-0001"]);
            for (path, auth) in [
                ("/evidence/E-0001/versions/1/file", Auth::Browser(&browser)),
                (
                    "/api/v1/evidence/E-0001/versions/1/file",
                    Auth::Bearer(&token),
                ),
            ] {
                let (status, _, body) = app.get_bytes(path, auth).await;
                assert_eq!(status, StatusCode::OK, "{role} {path}");
                assert!(body == file);
            }
            for (path, auth) in [
                ("/evidence", Auth::Browser(&browser)),
                ("/api/v1/evidence", Auth::Bearer(&token)),
                ("/evidence/E-0001/versions", Auth::Browser(&browser)),
                ("/api/v1/evidence/E-0001/versions", Auth::Bearer(&token)),
            ] {
                let res = app
                    .upload(path, auth, &[("title", "Mine")], Some(("mine.txt", small)))
                    .await;
                assert_eq!(res.status, StatusCode::FORBIDDEN, "{role} POST {path}");
            }
            let res = app.get("/evidence/new", Auth::Browser(&browser)).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN);
            let res = app
                .post_form(
                    "/evidence/E-0001",
                    Auth::Browser(&browser),
                    &[("title", "Renamed")],
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role}");
            let res = app
                .put_json(
                    "/api/v1/evidence/E-0001",
                    Auth::Bearer(&token),
                    json!({"title": "Renamed"}),
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role}");
        }

        // A contributor adds evidence (through the page and the API) to what they own, and
        // edits only their own items.
        let (email, contributor, token) = person(&app, Role::Contributor).await;
        let (_, _, manager) = person(&app, Role::Manager).await;
        let res = app
            .put_json(
                "/api/v1/soa/iso27002-2022/6.3",
                Auth::Bearer(&manager),
                json!({"applicable": "yes", "reasons": ["best_practice"], "status": "implemented", "owner": email}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&contributor),
                &[("title", "Awareness attendance"), ("controls", "6.3")],
                Some(("attendance.csv", b"name,date\nAda,2026-01-10\n")),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert!(res.location().starts_with("/evidence/E-0002"));
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[("title", "Awareness quiz"), ("controls", "6.3")],
                Some(("quiz.csv", b"score\n9\n")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["collected_by"], email.as_str());

        let others = [
            app.get("/evidence/E-0001/edit", Auth::Browser(&contributor))
                .await
                .status,
            app.post_form(
                "/evidence/E-0001",
                Auth::Browser(&contributor),
                &[("title", "Taken over"), ("controls", "5.30")],
            )
            .await
            .status,
            app.put_json(
                "/api/v1/evidence/E-0001",
                Auth::Bearer(&token),
                json!({"title": "Taken over"}),
            )
            .await
            .status,
            app.upload(
                "/evidence/E-0001/versions",
                Auth::Browser(&contributor),
                &[],
                Some(("bc.pdf", &pdf("replaced"))),
            )
            .await
            .status,
            app.upload(
                "/api/v1/evidence/E-0001/versions",
                Auth::Bearer(&token),
                &[],
                Some(("bc.pdf", &pdf("replaced"))),
            )
            .await
            .status,
        ];
        assert_eq!(others, [StatusCode::FORBIDDEN; 5]);
        let page = app
            .get("/evidence/E-0001", Auth::Browser(&contributor))
            .await;
        assert!(!page.body.contains("Upload a new version"));

        let page = app
            .get("/evidence/E-0002", Auth::Browser(&contributor))
            .await;
        assert!(page.body.contains("Upload a new version"));
        let res = app
            .get("/evidence/E-0002/edit", Auth::Browser(&contributor))
            .await;
        assert_eq!(res.status, StatusCode::OK);
        let res = app
            .post_form(
                "/evidence/E-0002",
                Auth::Browser(&contributor),
                &[
                    ("title", "Awareness attendance, January"),
                    ("controls", "6.3"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = app
            .put_json(
                "/api/v1/evidence/E-0003",
                Auth::Bearer(&token),
                json!({"title": "Awareness quiz, January", "controls": ["6.3"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .upload(
                "/evidence/E-0002/versions",
                Auth::Browser(&contributor),
                &[],
                Some((
                    "attendance.csv",
                    b"name,date\nAda,2026-01-10\nBob,2026-01-11\n",
                )),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        // Another contributor may not.
        let (_, stranger, stranger_token) = person(&app, Role::Contributor).await;
        let res = app
            .post_form(
                "/evidence/E-0002",
                Auth::Browser(&stranger),
                &[("title", "Mine now")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .put_json(
                "/api/v1/evidence/E-0003",
                Auth::Bearer(&stranger_token),
                json!({"title": "Mine now"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        // Forged uploads: no token, the token after another field, a wrong token.
        let before = trail(&app).await;
        let file = Part::File {
            name: "file",
            filename: "forged.txt",
            bytes: b"forged",
        };
        let forged: [Vec<Part>; 4] = [
            vec![Part::Text("title", "Forged"), file],
            vec![
                Part::Text("title", "Forged"),
                Part::Text("_csrf", &contributor.csrf),
                Part::File {
                    name: "file",
                    filename: "forged.txt",
                    bytes: b"forged",
                },
            ],
            vec![
                Part::File {
                    name: "file",
                    filename: "forged.txt",
                    bytes: b"forged",
                },
                Part::Text("_csrf", &contributor.csrf),
                Part::Text("title", "Forged"),
            ],
            vec![
                Part::Text(
                    "_csrf",
                    "0000000000000000000000000000000000000000000000000000000000000000",
                ),
                Part::Text("title", "Forged"),
                Part::File {
                    name: "file",
                    filename: "forged.txt",
                    bytes: b"forged",
                },
            ],
        ];
        for parts in &forged {
            for path in ["/evidence", "/evidence/E-0002/versions", "/api/v1/evidence"] {
                let res = app
                    .post_parts(path, Auth::Browser(&contributor), parts)
                    .await;
                assert_eq!(res.status, StatusCode::BAD_REQUEST, "{path}: {}", res.body);
            }
        }
        assert_eq!(trail(&app).await, before, "nothing recorded");
        let listed_ids = listed(&app, &token, "").await;
        assert_eq!(listed_ids, ["E-0003", "E-0002", "E-0001"]);
        let e2 = app
            .get("/api/v1/evidence/E-0002", Auth::Bearer(&token))
            .await
            .json();
        assert_eq!(e2["version"], 2);
        if app.db.backend == Backend::Sqlite {
            assert_eq!(kept_files(&app).len(), 4, "no forged content kept");
        } else {
            assert_eq!(chunks(&app).await.len(), 4, "no forged content kept");
        }
    });
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let token = app.token_as(Role::Manager).await;
        let today = app.store.today();
        let file = b"evidence".as_slice();

        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[("title", "Backup report"), ("controls", "8.13, 9.99")],
                Some(("report.txt", file)),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["controls"]);
        assert!(message(&res, "controls").contains("9.99"));

        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[("title", "Nothing attached")],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["file"]);

        let yesterday = add_days(&today, -1);
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[
                    ("title", "Backwards"),
                    ("collected_at", &today),
                    ("valid_until", &yesterday),
                ],
                Some(("report.txt", file)),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["valid_until"]);
        assert!(message(&res, "valid_until").contains(&yesterday));

        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[("title", "Both"), ("url", "https://example.org/report")],
                Some(("report.txt", file)),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["url"]);

        let res = app
            .get("/api/v1/evidence?colour=red", Auth::Bearer(&token))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert_eq!(fields(&res), ["colour"]);
        let res = app
            .get("/api/v1/evidence?state=stale", Auth::Bearer(&token))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert_eq!(res.json()["error"]["code"], "invalid_query");
        assert_eq!(fields(&res), ["state"]);

        // The page shows the same, and keeps what was typed.
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&admin),
                &[("title", "Backup report"), ("controls", "9.99")],
                Some(("report.txt", file)),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("9.99") && res.body.contains("is not a control"));
        assert!(res.body.contains("value=\"Backup report\""));
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&admin),
                &[("title", "No file")],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("choose a file to upload, or give a link"));
        // A file input left empty is no file.
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&admin),
                &[("title", "Empty input")],
                Some(("", b"")),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("choose a file to upload, or give a link"));

        // A new version whose valid-until date is before it was collected.
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[("title", "Good one")],
                Some(("good.txt", b"good")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_parts(
                "/api/v1/evidence/E-0001/versions",
                Auth::Bearer(&token),
                &[
                    Part::File {
                        name: "file",
                        filename: "good-v2.txt",
                        bytes: b"refused version",
                    },
                    Part::Text("valid_until", &yesterday),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["valid_until"]);
        // The item's page says why a version is refused, next to the field.
        for (name, bytes, until, why) in [
            (
                "good-v2.txt",
                b"refused version".as_slice(),
                yesterday.as_str(),
                "is before the evidence was collected",
            ),
            (
                "good-v2.exe",
                b"MZ\x90\x00".as_slice(),
                "",
                "is not a kind of file Annex keeps",
            ),
        ] {
            let res = app
                .post_parts(
                    "/evidence/E-0001/versions",
                    Auth::Browser(&admin),
                    &[
                        Part::Text("_csrf", &admin.csrf),
                        Part::File {
                            name: "file",
                            filename: name,
                            bytes,
                        },
                        Part::Text("valid_until", until),
                    ],
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(res.body.contains(why), "{name}: {}", res.body);
            if name.ends_with(".exe") {
                assert!(res.body.contains(name), "the message names the file");
            }
        }
        let item = app
            .get("/api/v1/evidence/E-0001", Auth::Bearer(&token))
            .await
            .json();
        assert_eq!(item["version"], 1);
        assert_eq!(total(&app, &token).await, 1);
        assert_eq!(trail(&app).await.len(), 1);
        // A refused upload's content is not kept.
        if app.db.backend == Backend::Sqlite {
            assert_eq!(
                kept_files(&app),
                [evidence_dir(&app)
                    .join(&sha256(b"good")[..2])
                    .join(sha256(b"good"))]
            );
        } else {
            assert_eq!(chunks(&app).await.len(), 1);
        }
        assert_eq!(temp_uploads(&app), Vec::<PathBuf>::new());
    });
}

#[tokio::test]
async fn every_evidence_write_is_in_the_audit_trail() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let token = app.token_as(Role::Manager).await;
        let manager = app.store.token_user(&token).await.unwrap().unwrap().email;
        let res = app
            .upload(
                "/evidence",
                Auth::Browser(&admin),
                &[("title", "Vulnerability scan"), ("controls", "8.8")],
                Some(("scan.json", b"{\"findings\": 3}")),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = app
            .post_form(
                "/evidence/E-0001",
                Auth::Browser(&admin),
                &[
                    ("title", "Vulnerability scan, March"),
                    ("controls", "8.8"),
                    ("collected_at", &app.store.today()),
                    ("collected_by", "admin@example.org"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let body = json!({"title": "Vulnerability scan, March", "controls": "8.8, 8.29", "collected_at": app.store.today(), "collected_by": "admin@example.org"});
        let res = app
            .put_json(
                "/api/v1/evidence/E-0001",
                Auth::Bearer(&token),
                body.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        // The same again changes nothing, and records nothing.
        let res = app
            .put_json("/api/v1/evidence/E-0001", Auth::Bearer(&token), body)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .upload(
                "/evidence/E-0001/versions",
                Auth::Browser(&admin),
                &[],
                Some(("scan.json", b"{\"findings\": 1}")),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = app
            .upload(
                "/api/v1/evidence/E-0001/versions",
                Auth::Bearer(&token),
                &[],
                Some(("scan.json", b"{\"findings\": 0}")),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&token),
                &[
                    ("title", "Scanner licence"),
                    ("url", "https://vendor.example.org/licence/77"),
                ],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        let admin_email = "admin@example.org".to_string();
        let entry = |action: &str, id: &str, actor: &String| {
            (action.to_string(), id.to_string(), actor.clone())
        };
        assert_eq!(
            trail(&app).await,
            [
                entry("evidence.create", "E-0001", &admin_email),
                entry("evidence.update", "E-0001", &admin_email),
                entry("evidence.update", "E-0001", &manager),
                entry("evidence.version", "E-0001", &admin_email),
                entry("evidence.version", "E-0001", &manager),
                entry("evidence.create", "E-0002", &manager),
            ]
        );
        let entries = app
            .store
            .audit_entries(
                &AuditFilter {
                    object_type: Some("evidence".into()),
                    object_id: Some("E-0001".into()),
                    ..Default::default()
                },
                10,
            )
            .await
            .unwrap();
        let rename = entries
            .iter()
            .find(|e| e.action == "evidence.update" && e.actor == admin_email)
            .unwrap();
        assert!(
            rename
                .before
                .as_deref()
                .unwrap()
                .contains("\"Vulnerability scan\"")
        );
        assert!(
            rename
                .after
                .as_deref()
                .unwrap()
                .contains("Vulnerability scan, March")
        );
        let last = &entries[0];
        assert_eq!(last.action, "evidence.version");
        assert!(
            last.after
                .as_deref()
                .unwrap()
                .contains(&sha256(b"{\"findings\": 0}"))
        );
        // The item's page shows its history.
        let page = app.get("/evidence/E-0001", Auth::Browser(&admin)).await;
        assert_eq!(
            page.body.matches("<td>evidence.version<br>").count(),
            2,
            "{}",
            page.body
        );
        assert_eq!(page.body.matches("<td>evidence.update<br>").count(), 2);
        assert_eq!(page.body.matches("<td>evidence.create<br>").count(), 1);
    });
}

#[tokio::test]
async fn the_command_line_adds_lists_shows_versions_and_gets_evidence() {
    for db in databases().await {
        let files = tempfile::tempdir().unwrap();
        let first = files.path().join("restore-test.pdf");
        let second = files.path().join("restore-test-q2.pdf");
        let v1 = pdf("restore test Q1");
        let v2 = pdf("restore test Q2, 30 minutes faster");
        std::fs::write(&first, &v1).unwrap();
        std::fs::write(&second, &v2).unwrap();
        let until = add_days(&time::OffsetDateTime::now_utc().date().to_string(), 200);

        let said = ok(run(
            &db,
            &[
                "evidence",
                "add",
                first.to_str().unwrap(),
                "--control",
                "8.13",
                "--valid-until",
                &until,
            ],
        ));
        assert!(said.contains("added E-0001 restore-test.pdf"), "{said}");
        assert!(said.contains(&sha256(&v1)), "{said}");
        ok(run(
            &db,
            &[
                "evidence",
                "add",
                "--link",
                "https://tickets.example.org/CHG-42",
                "--title",
                "Change approval",
                "--control",
                "8.32",
            ],
        ));
        let list: Value =
            serde_json::from_str(&ok(run(&db, &["evidence", "list", "--format", "json"]))).unwrap();
        let items = list.as_array().unwrap();
        assert_eq!(items.len(), 2);
        let e1 = items.iter().find(|e| e["id"] == "E-0001").unwrap();
        assert_eq!(e1["controls"], json!(["8.13"]));
        assert_eq!(e1["valid_until"], until.as_str());
        assert_eq!(e1["state"], "valid");
        assert_eq!(e1["file"]["sha256"], sha256(&v1).as_str());
        assert_eq!(e1["file"]["media_type"], "application/pdf");
        assert!(e1["collected_by"].as_str().unwrap().starts_with("cli:"));
        let e2 = items.iter().find(|e| e["id"] == "E-0002").unwrap();
        assert_eq!(e2["url"], "https://tickets.example.org/CHG-42");
        assert!(e2["file"].is_null());
        let by_control: Value = serde_json::from_str(&ok(run(
            &db,
            &["evidence", "list", "--control", "8.32", "--format", "json"],
        )))
        .unwrap();
        assert_eq!(by_control.as_array().unwrap().len(), 1);
        assert_eq!(by_control[0]["id"], "E-0002");
        let csv = ok(run(&db, &["evidence", "list", "--format", "csv"]));
        assert!(
            csv.starts_with("ID,Title,Collected at,Valid until,State,File or link,Attached to"),
            "{csv}"
        );
        assert!(csv.contains("E-0001,restore-test.pdf,"), "{csv}");

        let out = files.path().join("copy.pdf");
        let said = ok(run(
            &db,
            &["evidence", "get", "E-0001", "--out", out.to_str().unwrap()],
        ));
        assert!(said.contains("checked"), "{said}");
        assert!(std::fs::read(&out).unwrap() == v1, "not the same bytes");

        let said = ok(run(
            &db,
            &["evidence", "version", "E-0001", second.to_str().unwrap()],
        ));
        assert!(said.contains("E-0001 is now at version 2"), "{said}");
        let shown: Value =
            serde_json::from_str(&ok(run(&db, &["evidence", "show", "E-0001"]))).unwrap();
        assert_eq!(shown["version"], 2);
        assert_eq!(shown["valid_until"], until.as_str(), "kept");
        assert_eq!(shown["versions"].as_array().unwrap().len(), 2);
        ok(run(
            &db,
            &["evidence", "get", "E-0001", "--out", out.to_str().unwrap()],
        ));
        assert!(std::fs::read(&out).unwrap() == v2, "the newest by default");
        ok(run(
            &db,
            &[
                "evidence",
                "get",
                "E-0001",
                "--version",
                "1",
                "--out",
                out.to_str().unwrap(),
            ],
        ));
        assert!(std::fs::read(&out).unwrap() == v1, "version 1 on request");

        // Refusals name what is wrong and record nothing.
        let exe = files.path().join("tool.exe");
        std::fs::write(&exe, b"MZ\x90\x00").unwrap();
        let bad = run(&db, &["evidence", "add", exe.to_str().unwrap()]);
        assert!(!bad.status.success());
        assert!(text(&bad).contains("tool.exe"), "{}", text(&bad));
        let bad = run(
            &db,
            &[
                "evidence",
                "add",
                first.to_str().unwrap(),
                "--control",
                "9.99",
            ],
        );
        assert!(!bad.status.success());
        assert!(text(&bad).contains("9.99"), "{}", text(&bad));
        let bad = run(
            &db,
            &["evidence", "get", "E-0002", "--out", out.to_str().unwrap()],
        );
        assert!(!bad.status.success(), "a link has no file");
        let list: Value =
            serde_json::from_str(&ok(run(&db, &["evidence", "list", "--format", "json"]))).unwrap();
        assert_eq!(list.as_array().unwrap().len(), 2);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn over_real_http_a_too_large_upload_gets_a_readable_422_answer() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    for db in databases().await {
        let app = TestApp::spawn_with(db, |c| c.evidence_max_mb = 1, Clock::system()).await;
        let admin = app.set_up().await;
        let addr = crate::harness::serve_tcp(app.router.clone()).await;
        let big = vec![b'a'; 8 * 1024 * 1024];
        let body = crate::harness::multipart_body(&[
            Part::Text("_csrf", &admin.csrf),
            Part::Text("title", "Disk image"),
            Part::File {
                name: "file",
                filename: "disk.log",
                bytes: &big,
            },
        ]);
        let head = format!(
            "POST /evidence HTTP/1.1\r\nHost: {addr}\r\nCookie: {}\r\nContent-Type: multipart/form-data; boundary={}\r\nContent-Length: {}\r\n\r\n",
            admin.cookie,
            crate::harness::MULTIPART_BOUNDARY,
            body.len()
        );
        let (mut read, mut write) = tokio::net::TcpStream::connect(addr)
            .await
            .unwrap()
            .into_split();
        // The client may still be sending when the server answers and closes; the answer must
        // still arrive whole (whether the server stops reading early is not asserted here).
        let sender = tokio::spawn(async move {
            let _ = write.write_all(head.as_bytes()).await;
            let _ = write.write_all(&body).await;
        });
        let mut answer = Vec::new();
        tokio::time::timeout(
            std::time::Duration::from_secs(30),
            read.read_to_end(&mut answer),
        )
        .await
        .expect("an answer in time")
        .expect("the answer is readable");
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with("HTTP/1.1 422"),
            "{}",
            &answer[..answer.len().min(300)]
        );
        assert!(answer.contains("larger than the limit of 1 MB"));
        sender.await.unwrap();
        let token = app.token_as(Role::Viewer).await;
        assert_eq!(total(&app, &token).await, 0);
        nothing_kept(&app).await;
        app.finish().await;
    }
}
