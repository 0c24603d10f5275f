//! The command line, run as a user runs it: the real binary, on every database.

use crate::harness::{Backend, PASSWORD, TestDb, databases};
use std::io::Write;
use std::process::{Command, Output, Stdio};

pub(crate) fn annex(db: &TestDb, args: &[&str]) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_annex"));
    c.arg("--data-dir")
        .arg(db.dir.path())
        .arg("--database")
        .arg(&db.url)
        .args(args);
    c.env_remove("ANNEX_DATABASE_URL")
        .env_remove("ANNEX_DATA_DIR")
        .env("NO_COLOR", "1");
    c
}

pub(crate) fn run(db: &TestDb, args: &[&str]) -> Output {
    annex(db, args).output().expect("run annex")
}

fn run_with_stdin(db: &TestDb, args: &[&str], input: &str) -> Output {
    let mut child = annex(db, args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub(crate) fn text(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

pub(crate) fn ok(o: Output) -> String {
    assert!(o.status.success(), "annex failed: {}", text(&o));
    String::from_utf8_lossy(&o.stdout).to_string()
}

#[tokio::test]
async fn init_is_idempotent_and_users_and_tokens_are_managed_from_the_command_line() {
    for db in databases().await {
        let first = ok(run(&db, &["init"]));
        assert!(
            first.contains("Catalogues loaded: iso27002-2022"),
            "{first}"
        );
        let second = ok(run(&db, &["init"]));
        assert!(second.contains("Catalogues loaded: none"), "{second}");

        let added = ok(run_with_stdin(
            &db,
            &[
                "user",
                "add",
                "--email",
                "Ada@Example.org",
                "--name",
                "Ada",
                "--role",
                "admin",
                "--password-stdin",
            ],
            &format!("{PASSWORD}\n"),
        ));
        assert!(added.contains("ada@example.org") && !added.contains(PASSWORD));
        let generated = ok(run(
            &db,
            &[
                "user",
                "add",
                "--email",
                "bob@example.org",
                "--name",
                "Bob",
                "--role",
                "viewer",
            ],
        ));
        assert!(generated.contains("password (shown once"));
        let dup = run(
            &db,
            &[
                "user",
                "add",
                "--email",
                "bob@example.org",
                "--name",
                "Bob",
                "--role",
                "viewer",
            ],
        );
        assert!(!dup.status.success() && text(&dup).contains("already exists"));
        let bad = run(
            &db,
            &[
                "user",
                "add",
                "--email",
                "x@example.org",
                "--name",
                "X",
                "--role",
                "root",
            ],
        );
        assert!(
            !bad.status.success() && text(&bad).contains("--role: unknown role 'root'"),
            "{}",
            text(&bad)
        );
        let short = run_with_stdin(
            &db,
            &[
                "user",
                "passwd",
                "--email",
                "bob@example.org",
                "--password-stdin",
            ],
            "short\n",
        );
        assert!(!short.status.success() && text(&short).contains("at least 12"));

        let list = ok(run(&db, &["user", "list"]));
        assert!(list.contains("ada@example.org") && list.contains("viewer"));
        ok(run(&db, &["user", "disable", "--email", "bob@example.org"]));
        assert!(ok(run(&db, &["user", "list"])).contains("disabled"));

        let created = run(
            &db,
            &[
                "token",
                "create",
                "--email",
                "ada@example.org",
                "--name",
                "ci",
                "--expires-in-days",
                "7",
            ],
        );
        let secret = ok(created).trim().to_string();
        assert!(secret.starts_with("annex_"));
        let tokens = ok(run(&db, &["token", "list"]));
        assert!(tokens.contains("ci") && tokens.contains("active") && !tokens.contains(&secret));
        let id = secret.split('_').nth(1).unwrap().to_string();
        ok(run(&db, &["token", "revoke", &id]));
        assert!(ok(run(&db, &["token", "list"])).contains("revoked"));
        let missing = run(&db, &["token", "revoke", "000000000000"]);
        assert!(!missing.status.success() && text(&missing).contains("not found"));

        let verify = ok(run(&db, &["audit", "verify"]));
        assert!(verify.starts_with("audit trail intact"), "{verify}");
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_catalogue_is_listed_filtered_shown_and_mapped_from_the_command_line() {
    for db in databases().await {
        let json = ok(run(
            &db,
            &[
                "catalog",
                "list",
                "--theme",
                "technological",
                "--attr",
                "control_type=Detective",
                "--format",
                "json",
            ],
        ));
        let controls: serde_json::Value = serde_json::from_str(&json).unwrap();
        let arr = controls.as_array().unwrap();
        assert!(!arr.is_empty());
        for c in arr {
            for k in ["id", "title", "theme", "summary", "attributes"] {
                assert!(c.get(k).is_some(), "{k}");
            }
            assert_eq!(c["theme"], "technological");
        }
        let csv = ok(run(
            &db,
            &[
                "catalog",
                "list",
                "--framework",
                "iso27002-2013",
                "--format",
                "csv",
            ],
        ));
        assert_eq!(csv.lines().count(), 115);
        let table = ok(run(&db, &["catalog", "list", "--search", "backup"]));
        assert!(table.contains("8.13"));
        let show = ok(run(&db, &["catalog", "show", "A.8.13"]));
        assert!(
            show.contains("Information backup") && show.contains("control_type: Corrective"),
            "{show}"
        );
        let map = ok(run(
            &db,
            &[
                "catalog",
                "map",
                "12.3.1",
                "--from",
                "iso27002-2013",
                "--to",
                "iso27002-2022",
            ],
        ));
        assert!(map.starts_with("8.13\t"), "{map}");
        let new = ok(run(
            &db,
            &[
                "catalog",
                "map",
                "5.7",
                "--from",
                "iso27002-2022",
                "--to",
                "iso27002-2013",
            ],
        ));
        assert!(new.contains("is new"), "{new}");
        let bad = run(&db, &["catalog", "list", "--attr", "control_type=Sideways"]);
        assert!(
            !bad.status.success()
                && text(&bad).contains("'Sideways' is not a value of control_type"),
            "{}",
            text(&bad)
        );
        db.cleanup().await;
    }
}

#[tokio::test]
async fn audit_verify_fails_naming_the_tampered_entry() {
    let db = TestDb::sqlite().await;
    ok(run(&db, &["init"]));
    ok(run(
        &db,
        &[
            "user",
            "add",
            "--email",
            "a@example.org",
            "--name",
            "A",
            "--role",
            "admin",
        ],
    ));
    let pool = sqlx::SqlitePool::connect(&db.url).await.unwrap();
    sqlx::query(
        "update audit_event set after_json = '{\"role\":\"viewer\"}' where action = 'user.create'",
    )
    .execute(&pool)
    .await
    .unwrap();
    pool.close().await;
    let out = run(&db, &["audit", "verify"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out).contains("entry 5 was altered"), "{}", text(&out));
}

#[test]
fn configuration_errors_name_the_key_the_variable_or_the_scheme() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("annex.toml"),
        "bind = \"127.0.0.1:9999\"\nsesion_hours = 3\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_annex"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("config")
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(text(&out).contains("sesion_hours"), "{}", text(&out));

    std::fs::write(
        dir.path().join("annex.toml"),
        "bind = \"127.0.0.1:9999\"\ndatabase_url = \"postgres://u:hunter2@db/annex\"\n",
    )
    .unwrap();
    let shown = Command::new(env!("CARGO_BIN_EXE_annex"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("config")
        .env("ANNEX_SESSION_HOURS", "3")
        .output()
        .unwrap();
    let shown = text(&shown);
    assert!(
        shown.contains("127.0.0.1:9999") && shown.contains("session_hours = 3"),
        "{shown}"
    );
    assert!(!shown.contains("hunter2") && shown.contains("<redacted>"));

    let var = Command::new(env!("CARGO_BIN_EXE_annex"))
        .arg("config")
        .env("ANNEX_DATABSE_URL", "x")
        .output()
        .unwrap();
    assert!(!var.status.success() && text(&var).contains("ANNEX_DATABSE_URL"));
    let scheme = Command::new(env!("CARGO_BIN_EXE_annex"))
        .args(["--database", "mysql://x/y", "config"])
        .output()
        .unwrap();
    assert!(
        !scheme.status.success()
            && text(&scheme).contains("unsupported database URL scheme 'mysql'")
    );
}

#[test]
fn every_command_has_help_with_examples() {
    for args in [
        vec!["--help"],
        vec!["serve", "--help"],
        vec!["init", "--help"],
        vec!["config", "--help"],
        vec!["user", "add", "--help"],
        vec!["user", "list", "--help"],
        vec!["user", "passwd", "--help"],
        vec!["user", "disable", "--help"],
        vec!["token", "create", "--help"],
        vec!["token", "list", "--help"],
        vec!["token", "revoke", "--help"],
        vec!["catalog", "list", "--help"],
        vec!["catalog", "show", "--help"],
        vec!["catalog", "map", "--help"],
        vec!["audit", "verify", "--help"],
        vec!["asset", "list", "--help"],
        vec!["asset", "show", "--help"],
        vec!["asset", "add", "--help"],
        vec!["asset", "edit", "--help"],
        vec!["asset", "import", "--help"],
        vec!["asset", "export", "--help"],
        vec!["risk", "list", "--help"],
        vec!["risk", "show", "--help"],
        vec!["risk", "add", "--help"],
        vec!["risk", "edit", "--help"],
        vec!["risk", "import", "--help"],
        vec!["risk", "export", "--help"],
        vec!["measure", "list", "--help"],
        vec!["measure", "show", "--help"],
        vec!["measure", "add", "--help"],
        vec!["measure", "edit", "--help"],
        vec!["measure", "import", "--help"],
        vec!["measure", "export", "--help"],
        vec!["soa", "list", "--help"],
        vec!["soa", "show", "--help"],
        vec!["soa", "set", "--help"],
        vec!["demo", "--help"],
        vec!["task", "list", "--help"],
        vec!["task", "add", "--help"],
        vec!["task", "show", "--help"],
        vec!["task", "done", "--help"],
        vec!["task", "comment", "--help"],
        vec!["jobs", "list", "--help"],
        vec!["jobs", "run", "--help"],
        vec!["mail", "test", "--help"],
        vec!["mail", "outbox", "--help"],
        vec!["mail", "send", "--help"],
    ] {
        let out = Command::new(env!("CARGO_BIN_EXE_annex"))
            .args(&args)
            .output()
            .unwrap();
        assert!(out.status.success());
        assert!(text(&out).contains("Example"), "{args:?} has examples");
    }
}

#[tokio::test]
async fn serve_prints_its_url_answers_and_stops_cleanly_on_sigterm() {
    for db in databases().await {
        let mut child = annex(&db, &["serve", "--bind", "127.0.0.1:0"])
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            use std::io::BufRead;
            for line in std::io::BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
            {
                let _ = tx.send(line);
            }
        });
        let url = loop {
            let line = rx
                .recv_timeout(std::time::Duration::from_secs(30))
                .expect("serve printed a line");
            if let Some(i) = line.find("http://") {
                break line[i..].split_whitespace().next().unwrap().to_string();
            }
        };
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        let mut stream = std::net::TcpStream::connect(&addr).unwrap();
        write!(
            stream,
            "GET /healthz HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n"
        )
        .unwrap();
        let mut answer = String::new();
        std::io::Read::read_to_string(&mut stream, &mut answer).unwrap();
        assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
        let kill = Command::new("kill")
            .args(["-TERM", &child.id().to_string()])
            .status()
            .unwrap();
        assert!(kill.success());
        let status = child.wait().unwrap();
        assert!(status.success(), "clean exit on SIGTERM, got {status:?}");
        if db.backend == Backend::Sqlite {
            assert!(db.dir.path().join("annex.db").exists());
        }
        db.cleanup().await;
    }
}

#[tokio::test]
async fn assets_are_added_edited_listed_and_shown_from_the_command_line() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let added = ok(run(
            &db,
            &[
                "asset",
                "add",
                "--id",
                "SRV-01",
                "--name",
                "Web server",
                "--type",
                "Hardware",
                "--classification",
                "internal",
                "--availability",
                "Major",
                "--tags",
                "dmz,linux",
            ],
        ));
        assert!(added.contains("created asset SRV-01"), "{added}");
        let auto = ok(run(
            &db,
            &[
                "asset",
                "add",
                "--name",
                "Portal",
                "--type",
                "service",
                "--classification",
                "confidential",
                "--depends-on",
                "SRV-01",
            ],
        ));
        assert!(auto.contains("A-0001"), "{auto}");
        let bad = run(
            &db,
            &[
                "asset",
                "add",
                "--name",
                "X",
                "--type",
                "spaceship",
                "--classification",
                "internal",
                "--availability",
                "hihg",
            ],
        );
        assert!(!bad.status.success());
        let msg = text(&bad);
        assert!(
            msg.contains("asset_type: 'spaceship' is not an asset type")
                && msg.contains("'hihg' is not a level of the impact scale"),
            "{msg}"
        );
        ok(run(
            &db,
            &[
                "asset",
                "edit",
                "SRV-01",
                "--owner",
                "ops@example.org",
                "--lifecycle",
                "retired",
            ],
        ));
        let shown: serde_json::Value = serde_json::from_str(&ok(run(
            &db,
            &["asset", "show", "SRV-01", "--format", "json"],
        )))
        .unwrap();
        assert_eq!(shown["owner"], "ops@example.org");
        assert_eq!(shown["lifecycle"], "retired");
        assert_eq!(shown["availability"], 4, "kept when not given");
        let csv = ok(run(&db, &["asset", "list", "--format", "csv"]));
        assert_eq!(csv.lines().count(), 3);
        assert!(
            csv.lines()
                .next()
                .unwrap()
                .starts_with("ID,Name,Asset type")
        );
        let filtered = ok(run(&db, &["asset", "list", "--lifecycle", "retired"]));
        assert!(filtered.contains("SRV-01") && !filtered.contains("A-0001"));
        let wrong = run(&db, &["asset", "list", "--sort", "colour"]);
        assert!(!wrong.status.success() && text(&wrong).contains("'colour' is not a sort"));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_spreadsheet_of_assets_imports_all_or_nothing_and_round_trips() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let file = db.dir.path().join("inventory.csv");
        std::fs::write(
            &file,
            "\u{feff}Asset Ref;Asset Name;Type;Data Owner;Classification;C;I;A;Status;Depends on;Colour\n\
             SRV-01;Web server;Hardware;ops@example.org;Internal;2;3;Major;in use;;blue\n\
             APP-1;\"Portal; customers\";service;ops@example.org;confidential;5;4;4;planned;SRV-01;red\n\
             DB-1;Database;information;dba@example.org;restricted;hihg;4;4;in use;SRV-99;green\n",
        )
        .unwrap();
        let broken = run(
            &db,
            &[
                "asset",
                "import",
                file.to_str().unwrap(),
                "--map",
                "Data Owner=owner",
            ],
        );
        assert!(!broken.status.success());
        let msg = text(&broken);
        assert!(
            msg.contains("row 4, column C: 'hihg' is not a level of the impact scale"),
            "{msg}"
        );
        assert!(msg.contains("nothing was imported"));
        assert!(
            ok(run(&db, &["asset", "list", "--format", "json"])).trim() == "[]",
            "nothing was written"
        );

        let fixed = std::fs::read_to_string(&file).unwrap().replace("hihg", "5");
        std::fs::write(&file, fixed).unwrap();
        let unknown_dep = run(
            &db,
            &[
                "asset",
                "import",
                file.to_str().unwrap(),
                "--map",
                "Data Owner=owner",
            ],
        );
        assert!(
            text(&unknown_dep).contains("row 4, column Depends on: there is no asset SRV-99"),
            "{}",
            text(&unknown_dep)
        );
        let fixed = std::fs::read_to_string(&file)
            .unwrap()
            .replace("SRV-99", "SRV-01");
        std::fs::write(&file, fixed).unwrap();
        let dry = ok(run(
            &db,
            &[
                "asset",
                "import",
                file.to_str().unwrap(),
                "--map",
                "Data Owner=owner",
                "--dry-run",
            ],
        ));
        assert!(
            dry.contains("not read (use --map")
                && dry.contains("Colour")
                && dry.contains("would create 3"),
            "{dry}"
        );
        assert!(
            ok(run(&db, &["asset", "list", "--format", "json"])).trim() == "[]",
            "a dry run writes nothing"
        );
        let done = ok(run(
            &db,
            &[
                "asset",
                "import",
                file.to_str().unwrap(),
                "--map",
                "Data Owner=owner",
            ],
        ));
        assert!(done.contains("created 3"), "{done}");
        let again = ok(run(
            &db,
            &[
                "asset",
                "import",
                file.to_str().unwrap(),
                "--map",
                "Data Owner=owner",
            ],
        ));
        assert!(
            again.contains("created 0") && again.contains("unchanged 3"),
            "re-import matches on id: {again}"
        );

        let exported = ok(run(&db, &["asset", "export"]));
        let round = db.dir.path().join("round.csv");
        std::fs::write(&round, &exported).unwrap();
        let back = ok(run(&db, &["asset", "import", round.to_str().unwrap()]));
        assert!(
            back.contains("created 0, updated 0, unchanged 3"),
            "export then import changes nothing: {back}"
        );
        assert_eq!(ok(run(&db, &["asset", "export"])), exported);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn risks_and_measures_are_read_from_the_command_line() {
    let db = TestDb::sqlite().await;
    ok(run(&db, &["init"]));
    let store = annex::app::open(&crate::harness::test_config(&db))
        .await
        .unwrap();
    let m = annex::registers::measure::service::create(
        &crate::harness::operator(&store),
        &annex::registers::measure::domain::MeasureInput {
            name: "MFA".into(),
            due_on: "2001-01-01".into(),
            controls: Some(serde_json::json!("5.17")),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let risk = annex::registers::risk::domain::RiskInput {
        owner: "risk.owner@example.org".into(),
        title: "Takeover".into(),
        inherent_likelihood: "4".into(),
        inherent_impact: "5".into(),
        measures: m.id.clone(),
        ..Default::default()
    };
    annex::registers::risk::service::create(&crate::harness::operator(&store), &risk)
        .await
        .unwrap();
    store.close().await;
    let list = ok(run(&db, &["risk", "list", "--control", "5.17"]));
    assert!(
        list.contains("R-0001") && list.contains("Critical"),
        "{list}"
    );
    let by_measure = ok(run(&db, &["risk", "list", "--measure", &m.id]));
    assert!(by_measure.contains("R-0001"), "{by_measure}");
    let other = ok(run(&db, &["risk", "list", "--measure", "M-9999"]));
    assert!(!other.contains("R-0001"), "{other}");
    let bad = run(&db, &["risk", "list", "--level", "apocalyptic"]);
    assert!(!bad.status.success() && text(&bad).contains("'apocalyptic' is not a risk level"));
    assert!(
        ok(run(&db, &["risk", "export"]))
            .lines()
            .nth(1)
            .unwrap()
            .starts_with("R-0001,Takeover")
    );
    let shown: serde_json::Value =
        serde_json::from_str(&ok(run(&db, &["risk", "show", "R-0001"]))).unwrap();
    assert_eq!(shown["inherent"]["level"], "critical");
    let measures = ok(run(&db, &["measure", "list", "--overdue"]));
    assert!(
        measures.contains("M-0001") && measures.contains("(overdue)"),
        "{measures}"
    );
}

#[tokio::test]
async fn risks_and_measures_are_written_imported_and_exported_from_the_command_line() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let m = ok(run(
            &db,
            &[
                "measure",
                "add",
                "--name",
                "MFA on VPN",
                "--controls",
                "5.17, 8.5",
                "--due-on",
                "2027-03-31",
                "--cost",
                "12000",
            ],
        ));
        assert!(m.contains("created measure M-0001"), "{m}");
        let bad = run(
            &db,
            &["measure", "add", "--name", "X", "--controls", "99.9"],
        );
        assert!(
            !bad.status.success() && text(&bad).contains("there is no control 99.9"),
            "{}",
            text(&bad)
        );
        ok(run(
            &db,
            &["measure", "edit", "M-0001", "--status", "in progress"],
        ));
        let shown: serde_json::Value =
            serde_json::from_str(&ok(run(&db, &["measure", "show", "M-0001"]))).unwrap();
        assert_eq!(shown["status"], "in_progress");
        assert_eq!(shown["cost"], 12000);

        ok(run(
            &db,
            &[
                "asset",
                "add",
                "--id",
                "SRV-01",
                "--name",
                "File server",
                "--type",
                "hardware",
                "--classification",
                "internal",
            ],
        ));
        let r = ok(run(
            &db,
            &[
                "risk",
                "add",
                "--owner",
                "risk.owner@example.org",
                "--title",
                "Ransomware on the file server",
                "--inherent-likelihood",
                "likely",
                "--inherent-impact",
                "5",
                "--residual-likelihood",
                "2",
                "--assets",
                "SRV-01",
                "--measures",
                "M-0001",
            ],
        ));
        assert!(
            r.contains("created risk R-0001") && r.contains("residual level high"),
            "{r}"
        );
        let bad = run(
            &db,
            &[
                "risk",
                "add",
                "--owner",
                "risk.owner@example.org",
                "--title",
                "X",
                "--inherent-likelihood",
                "hihg",
                "--inherent-impact",
                "9",
            ],
        );
        assert!(!bad.status.success());
        assert!(
            text(&bad).contains("'hihg' is not a level of the likelihood scale"),
            "{}",
            text(&bad)
        );
        let edited = ok(run(
            &db,
            &[
                "risk",
                "edit",
                "R-0001",
                "--status",
                "in treatment",
                "--treatment",
                "modify",
            ],
        ));
        assert!(edited.contains("saved risk R-0001"), "{edited}");
        let list = ok(run(
            &db,
            &[
                "risk",
                "list",
                "--status",
                "in_treatment",
                "--sort",
                "residual",
            ],
        ));
        assert!(
            list.contains("R-0001") && list.contains("in treatment"),
            "{list}"
        );

        // Exports read back unchanged, as CSV and as XLSX.
        for register in ["asset", "risk", "measure"] {
            let csv = ok(run(&db, &[register, "export"]));
            let file = db.dir.path().join(format!("{register}.csv"));
            std::fs::write(&file, &csv).unwrap();
            let back = ok(run(&db, &[register, "import", file.to_str().unwrap()]));
            assert!(
                back.contains("created 0, updated 0, unchanged 1"),
                "{register}: {back}"
            );
            let xlsx = db.dir.path().join(format!("{register}.xlsx"));
            ok(run(
                &db,
                &[
                    register,
                    "export",
                    "--format",
                    "xlsx",
                    "--out",
                    xlsx.to_str().unwrap(),
                ],
            ));
            let back = ok(run(
                &db,
                &[register, "import", xlsx.to_str().unwrap(), "--dry-run"],
            ));
            assert!(
                back.contains("would create 0, would update 0, unchanged 1"),
                "{register}.xlsx: {back}"
            );
            assert_eq!(
                ok(run(&db, &[register, "export"])),
                csv,
                "{register}: nothing changed"
            );
        }

        // A spreadsheet with a title above the header, their words, and a broken row.
        let file = db.dir.path().join("register.csv");
        std::fs::write(
            &file,
            "Risk register FY26,,,,\n\
             ,,,,\n\
             Ref,Risk,Probability,Severity,Risk owner,Asset\n\
             R-0002,Phishing of finance staff,High,4,cfo@example.org,File server\n\
             R-0003,Laptop theft,3,hihg,it@example.org,\n",
        )
        .unwrap();
        let broken = run(
            &db,
            &[
                "risk",
                "import",
                file.to_str().unwrap(),
                "--value",
                "inherent_likelihood:High=4",
            ],
        );
        assert!(!broken.status.success());
        let msg = text(&broken);
        assert!(msg.contains("header on row 3, 2 rows"), "{msg}");
        assert!(
            msg.contains("row 5, column Severity: 'hihg' is not a level of the impact scale"),
            "{msg}"
        );
        assert!(msg.contains("nothing was imported"));
        std::fs::write(
            &file,
            std::fs::read_to_string(&file)
                .unwrap()
                .replace("hihg", "Major"),
        )
        .unwrap();
        let done = ok(run(
            &db,
            &[
                "risk",
                "import",
                file.to_str().unwrap(),
                "--value",
                "inherent_likelihood:High=4",
            ],
        ));
        assert!(done.contains("created 2, updated 0, unchanged 0"), "{done}");
        let r2: serde_json::Value =
            serde_json::from_str(&ok(run(&db, &["risk", "show", "R-0002"]))).unwrap();
        assert_eq!(
            r2["assets"],
            serde_json::json!(["SRV-01"]),
            "the asset named by its name"
        );
        assert_eq!(r2["inherent"]["likelihood"], 4);
        let missing = run(&db, &["risk", "import", "/nonexistent.csv"]);
        assert!(!missing.status.success() && text(&missing).contains("reading /nonexistent.csv"));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_statement_of_applicability_is_read_and_decided_from_the_command_line() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let saved = ok(run(
            &db,
            &[
                "soa",
                "set",
                "8.13",
                "--applicable",
                "yes",
                "--reasons",
                "risk_treatment,legal",
                "--status",
                "planned",
                "--owner",
                "ops@example.org",
            ],
        ));
        assert!(
            saved.contains("saved 8.13") && saved.contains("applicable, planned"),
            "{saved}"
        );
        assert!(saved.contains("no measure implements it"), "{saved}");
        let bad = run(&db, &["soa", "set", "7.4", "--applicable", "no"]);
        assert!(!bad.status.success());
        assert!(
            text(&bad).contains("an excluded control needs a written justification"),
            "{}",
            text(&bad)
        );
        ok(run(
            &db,
            &[
                "soa",
                "set",
                "7.4",
                "--applicable",
                "no",
                "--exclusion-reason",
                "outsourced",
                "--justification",
                "The provider runs the data centre.",
            ],
        ));
        let edited = ok(run(&db, &["soa", "set", "8.13", "--maturity", "3"]));
        assert!(
            edited.contains("applicable, planned"),
            "other fields keep their value: {edited}"
        );
        let list = ok(run(&db, &["soa", "list", "--applicable", "no"]));
        assert!(
            list.contains("7.4") && list.contains("1 control\n"),
            "{list}"
        );
        let csv = ok(run(&db, &["soa", "list", "--format", "csv"]));
        assert_eq!(csv.lines().count(), 94);
        let shown: serde_json::Value =
            serde_json::from_str(&ok(run(&db, &["soa", "show", "8.13"]))).unwrap();
        assert_eq!(shown["applicability"]["maturity"], 3);
        let missing = run(&db, &["soa", "show", "99.9"]);
        assert!(!missing.status.success() && text(&missing).contains("not found"));
        db.cleanup().await;
    }
}

#[tokio::test]
async fn the_exit_status_says_what_kind_of_failure_it_was() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let code = |args: &[&str]| {
            let o = run(&db, args);
            (o.status.code(), text(&o))
        };
        // Invalid input: a value that does not check out.
        let (c, out) = code(&["risk", "add", "--title", "", "--owner", "ops@example.org"]);
        assert_eq!(c, Some(3), "{out}");
        // Not found.
        let (c, out) = code(&["risk", "show", "R-9999"]);
        assert_eq!(c, Some(4), "{out}");
        assert!(out.contains("R-9999"), "{out}");
        // Conflict: the same user twice.
        let add = [
            "user",
            "add",
            "--email",
            "ada@example.org",
            "--name",
            "Ada",
            "--role",
            "admin",
        ];
        ok(run(&db, &add));
        let (c, out) = code(&add);
        assert_eq!(c, Some(5), "{out}");
        // A conflict with the state: the last administrator cannot be disabled.
        let (c, out) = code(&["user", "disable", "--email", "ada@example.org"]);
        assert_eq!(c, Some(5), "{out}");
        assert!(out.contains("last active administrator"), "{out}");
        // Usage: clap's own errors.
        let (c, _) = code(&["risk", "frobnicate"]);
        assert_eq!(c, Some(2));
        // The top-level help documents the codes.
        let help = ok(run(&db, &["--help"]));
        assert!(help.contains("Exit status: 0 done"), "{help}");
        assert!(help.contains("6 refused"), "{help}");
    }
}

#[tokio::test]
async fn demo_says_how_to_sign_in() {
    for db in databases().await {
        let out = run(&db, &["demo", "--size", "small"]);
        assert!(out.status.success(), "{}", text(&out));
        let said = text(&out);
        assert!(said.contains("200 assets"), "{said}");
        assert!(said.contains("18 documents"), "{said}");
        assert!(
            said.contains("4 business processes, 3 exercises, 3 incidents"),
            "{said}"
        );
        let list = run(&db, &["document", "list", "--status", "published"]);
        assert!(
            text(&list).contains("15 documents")
                && text(&list).contains("Business continuity plan"),
            "all but two templates are published, and the continuity plan kept as a PDF: {}",
            text(&list)
        );
        assert!(
            said.contains("the first page creates the administrator")
                && said.contains("user add --email"),
            "a store without accounts is told how to get one: {said}"
        );
    }
}

/// Long work shows progress on a terminal and stays quiet in pipes and logs: `annex demo`
/// and `annex risk simulate` run once under a pseudo-terminal (util-linux `script`), once
/// with their output captured.
#[tokio::test]
async fn long_work_shows_progress_on_a_terminal_only() {
    let Some(db) = databases().await.into_iter().next() else {
        return;
    };
    let quiet = run(&db, &["demo", "--size", "small"]);
    assert!(quiet.status.success(), "{}", text(&quiet));
    assert!(
        !text(&quiet).contains("making demo data"),
        "{}",
        text(&quiet)
    );
    let quiet = run(&db, &["risk", "simulate", "--iterations", "20000"]);
    assert!(quiet.status.success(), "{}", text(&quiet));
    assert!(!text(&quiet).contains("simulating"), "{}", text(&quiet));
    let command = format!(
        "{} --data-dir {} --database {} risk simulate --iterations 200000",
        env!("CARGO_BIN_EXE_annex"),
        db.dir.path().display(),
        db.url
    );
    let tty = Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .env_remove("ANNEX_DATABASE_URL")
        .env_remove("ANNEX_DATA_DIR")
        .env("NO_COLOR", "1")
        .output()
        .expect("run annex under script(1) (util-linux)");
    let shown = text(&tty);
    assert!(tty.status.success(), "{shown}");
    assert!(
        shown.contains("simulating ["),
        "a bar on the terminal: {shown}"
    );
    db.cleanup().await;
}

#[tokio::test]
async fn an_agent_account_gets_no_password_but_the_way_to_a_token() {
    for db in databases().await {
        let out = run(
            &db,
            &[
                "user",
                "add",
                "--email",
                "web-01@example.org",
                "--name",
                "web-01",
                "--role",
                "agent",
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
        let said = text(&out);
        assert!(!said.contains("password (shown once"), "{said}");
        assert!(
            said.contains("annex token create --email web-01@example.org"),
            "{said}"
        );
        let out = run_with_stdin(
            &db,
            &[
                "user",
                "add",
                "--email",
                "web-02@example.org",
                "--name",
                "web-02",
                "--role",
                "agent",
                "--password-stdin",
            ],
            "a long enough password\n",
        );
        assert!(!out.status.success());
        assert!(
            text(&out).contains("an agent account has no password"),
            "{}",
            text(&out)
        );
        // The token works for the agent's reports.
        let out = run(
            &db,
            &[
                "token",
                "create",
                "--email",
                "web-01@example.org",
                "--name",
                "web-01",
            ],
        );
        assert!(out.status.success(), "{}", text(&out));
    }
}

/// Rows after a blank row stop a command-line import (naming them) instead of being left
/// behind with a success; `--stop-at-blank` imports the rows above the blank row.
#[tokio::test]
async fn rows_after_a_blank_row_stop_the_import_unless_asked_to_stop_there() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let file = db.dir.path().join("assets.csv");
        std::fs::write(
            &file,
            "Asset Ref,Asset Name,Type,Classification\n\
             SRV-01,Web server,hardware,internal\n\
             \n\
             SRV-02,Mail server,hardware,internal\n\
             SRV-03,Backup server,hardware,internal\n",
        )
        .unwrap();
        let path = file.to_str().unwrap();
        let stopped = run(&db, &["asset", "import", path]);
        assert!(!stopped.status.success());
        let msg = text(&stopped);
        assert!(
            msg.contains("row 4: rows 4 to 5 come after a blank row, which ends the table: remove the blank row to import them, or give --stop-at-blank to import only the rows above it"),
            "{msg}"
        );
        assert!(msg.contains("nothing was imported"), "{msg}");
        assert_eq!(
            ok(run(&db, &["asset", "list", "--format", "json"])).trim(),
            "[]"
        );
        let out = ok(run(&db, &["asset", "import", path, "--stop-at-blank"]));
        assert!(
            out.contains("rows 4 to 5 come after the blank row that ends the table: not read"),
            "{out}"
        );
        assert!(out.contains("created 1, updated 0, unchanged 0"), "{out}");
        db.cleanup().await;
    }
}
