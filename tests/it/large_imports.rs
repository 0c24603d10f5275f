//! Imports of files of any size, as the command line streams them: a CSV file is read a row
//! at a time and written a batch at a time in one transaction, so that memory stays bounded
//! and a bad row at the very end still leaves nothing written. On every database.

use crate::cli::{annex, ok, run, text};
use crate::harness::{TestDb, databases};
use std::fmt::Write as _;
use std::process::{Output, Stdio};

/// Runs `annex` and answers what it said and its peak resident memory in MB (the kernel's
/// high-water mark, read while it runs).
fn run_measured(db: &TestDb, args: &[&str]) -> (Output, u64) {
    let child = annex(db, args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run annex");
    let status = format!("/proc/{}/status", child.id());
    let waiting = std::thread::spawn(move || child.wait_with_output());
    let mut peak_kb = 0u64;
    while !waiting.is_finished() {
        if let Ok(s) = std::fs::read_to_string(&status)
            && let Some(kb) = s
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        {
            peak_kb = peak_kb.max(kb);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    (waiting.join().unwrap().expect("annex ran"), peak_kb / 1024)
}

/// The ids a `list … --format json` command answers, in its order.
fn listed_ids(db: &TestDb, args: &[&str]) -> Vec<String> {
    let listed: serde_json::Value = serde_json::from_str(&ok(run(db, args))).expect("a JSON list");
    listed
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| a["id"].as_str().unwrap().to_string())
        .collect()
}

/// An inventory of `n` assets (ids `A-000001` …), each with tags, some depending on an asset
/// before them; Greek and Czech in the names.
fn inventory(n: usize) -> String {
    let mut csv =
        String::from("Asset ID,Asset Name,Type,Owner,Classification,C,I,A,Tags,Depends on\n");
    for i in 1..=n {
        let dep = if i > 10 && i % 3 == 0 {
            format!("A-{:06}", i - 7)
        } else {
            String::new()
        };
        writeln!(
            csv,
            "A-{i:06},Διακομιστής č. {i},hardware,ops{}@example.org,internal,{},{},{},\"dc-{}, pci\",{dep}",
            i % 50,
            1 + i % 5,
            1 + (i / 5) % 5,
            1 + (i / 25) % 5,
            i % 8,
        )
        .unwrap();
    }
    csv
}

#[tokio::test]
async fn a_file_of_200000_assets_with_one_bad_row_at_the_end_writes_nothing_in_bounded_memory() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let indexes = db.index_definitions().await;
        let file = db.dir.path().join("cmdb.csv");
        let mut csv = inventory(199_999);
        csv.push_str("A-200000,Last one,hardware,ops@example.org,ultra secret,1,1,1,,\n");
        std::fs::write(&file, &csv).unwrap();
        let size_mb = csv.len() / (1024 * 1024);
        drop(csv);

        let (out, peak_mb) = run_measured(&db, &["asset", "import", file.to_str().unwrap()]);
        let said = text(&out);
        assert!(!out.status.success(), "{said}");
        assert!(
            said.contains(
                "row 200001, column Classification: 'ultra secret' is not a classification level"
            ),
            "the bad row is named by its row and column: {said}"
        );
        assert!(said.contains("nothing was imported"), "{said}");
        assert!(said.contains("200000 rows"), "every row was read: {said}");
        assert_eq!(
            db.index_definitions().await,
            indexes,
            "the indexes the import took down while it wrote are back as they were"
        );
        assert_eq!(
            ok(run(&db, &["asset", "list", "--format", "json"])).trim(),
            "[]",
            "the 199,999 good rows before it were not kept"
        );
        let verified = ok(run(&db, &["audit", "verify"]));
        let entries: usize = verified
            .split_whitespace()
            .find_map(|w| w.parse().ok())
            .expect("a count of entries");
        assert!(
            entries < 50,
            "no audit entry of the rows is left, and the chain holds: {verified}"
        );
        // Reading the whole file into memory took about 1.8 KB a row (360 MB here); streamed,
        // the import holds a batch and the ids it has seen.
        assert!(
            peak_mb < 160,
            "the import of a {size_mb} MB file peaked at {peak_mb} MB"
        );
        eprintln!("{:?}: {size_mb} MB file, peak {peak_mb} MB", db.backend);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn a_streamed_file_checks_ids_and_dependencies_across_its_batches() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let file = db.dir.path().join("inventory.csv");
        let path = file.to_str().unwrap();
        // Row 4 (A-000003) depends on an asset given 11,000 rows further down, in a later batch.
        let base = inventory(12_000).replacen(
            "A-000003,Διακομιστής č. 3,hardware,ops3@example.org,internal,4,1,1,\"dc-3, pci\",",
            "A-000003,Διακομιστής č. 3,hardware,ops3@example.org,internal,4,1,1,\"dc-3, pci\",A-011000",
            1,
        );
        assert_ne!(base, inventory(12_000));

        // An id given twice, far apart, and a loop through two batches.
        let twice = base.replace("A-011500,", "A-000001,");
        std::fs::write(&file, &twice).unwrap();
        let said = text(&run(&db, &["asset", "import", path, "--dry-run"]));
        assert!(
            said.contains("row 11501, column Asset ID: the id A-000001 is already on row 2"),
            "{said}"
        );
        let looped = base.replace(
            "A-011000,Διακομιστής č. 11000,hardware,ops0@example.org,internal,1,1,1,\"dc-0, pci\",",
            "A-011000,Διακομιστής č. 11000,hardware,ops0@example.org,internal,1,1,1,\"dc-0, pci\",A-000003",
        );
        assert_ne!(looped, base);
        std::fs::write(&file, &looped).unwrap();
        let said = text(&run(&db, &["asset", "import", path]));
        assert!(
            said.contains("the dependencies make a loop")
                && said.contains("A-000003 → A-011000 → A-000003"),
            "{said}"
        );
        let missing = base.replace(",A-011000\n", ",A-099999\n");
        std::fs::write(&file, &missing).unwrap();
        let said = text(&run(&db, &["asset", "import", path]));
        assert!(
            said.contains("rows 4 and 11008, column Depends on: there is no asset A-099999"),
            "{said}"
        );
        assert_eq!(
            ok(run(&db, &["asset", "list", "--format", "json"])).trim(),
            "[]"
        );

        std::fs::write(&file, &base).unwrap();
        let dry = ok(run(&db, &["asset", "import", path, "--dry-run"]));
        assert!(dry.contains("would create 12000"), "{dry}");
        let done = ok(run(&db, &["asset", "import", path]));
        assert!(
            done.contains("created 12000, updated 0, unchanged 0"),
            "{done}"
        );
        let a3: serde_json::Value = serde_json::from_str(&ok(run(
            &db,
            &["asset", "show", "A-000003", "--format", "json"],
        )))
        .unwrap();
        assert_eq!(a3["depends_on"], serde_json::json!(["A-011000"]));
        assert_eq!(a3["name"], "Διακομιστής č. 3");
        let again = ok(run(&db, &["asset", "import", path]));
        assert!(
            again.contains("created 0, updated 0, unchanged 12000"),
            "{again}"
        );

        // Risks on those assets, in three batches; an id twice is named.
        let mut risks = String::from("Risk ID,Title,Owner,Likelihood,Impact,Assets\n");
        for i in 1..=11_000 {
            writeln!(
                risks,
                "R-{i:06},Ρίσκο {i},risk@example.org,{},{},A-{:06}",
                1 + i % 5,
                1 + (i / 5) % 5,
                1 + i % 12_000
            )
            .unwrap();
        }
        let rfile = db.dir.path().join("risks.csv");
        std::fs::write(&rfile, risks.replace("R-010999,", "R-000002,")).unwrap();
        let said = text(&run(&db, &["risk", "import", rfile.to_str().unwrap()]));
        assert!(
            said.contains("row 11000, column Risk ID: the id R-000002 is already on row 3"),
            "{said}"
        );
        std::fs::write(&rfile, &risks).unwrap();
        let done = ok(run(&db, &["risk", "import", rfile.to_str().unwrap()]));
        assert!(done.contains("created 11000"), "{done}");
        let r: serde_json::Value =
            serde_json::from_str(&ok(run(&db, &["risk", "show", "R-010999"]))).unwrap();
        assert_eq!(r["title"], "Ρίσκο 10999");
        // Each batch's audit entries, made on another thread while its rows were written,
        // chain on from the batch before.
        let verified = ok(run(&db, &["audit", "verify"]));
        let entries: usize = verified
            .split_whitespace()
            .find_map(|w| w.parse().ok())
            .expect("a count of entries");
        assert!(entries > 23_000, "{verified}");

        // A word every name shares (more matches than a count shows) pages in the sort's order
        // exactly as the whole register does; a rarer one finds its few.
        let ids = |args: &[&str]| listed_ids(&db, args);
        for sort in ["name", "updated"] {
            let all = ids(&[
                "asset", "list", "--sort", sort, "--limit", "700", "--format", "json",
            ]);
            let found = ids(&[
                "asset",
                "list",
                "--search",
                "ακομιστ",
                "--sort",
                sort,
                "--limit",
                "700",
                "--format",
                "json",
            ]);
            assert_eq!(found.len(), 700);
            assert_eq!(found, all, "sorted by {sort}");
        }
        // So do a tag every asset has, and one 1,500 have.
        let tagged = ids(&[
            "asset", "list", "--tag", "pci", "--sort", "name", "--limit", "700", "--format", "json",
        ]);
        let all = ids(&[
            "asset", "list", "--sort", "name", "--limit", "700", "--format", "json",
        ]);
        assert_eq!(tagged, all);
        let dc3 = ids(&[
            "asset", "list", "--tag", "dc-3", "--sort", "id", "--format", "json",
        ]);
        let want: Vec<String> = (1..=12_000)
            .filter(|i| i % 8 == 3)
            .map(|i| format!("A-{i:06}"))
            .collect();
        assert_eq!(dc3, want);
        let few = ids(&[
            "asset", "list", "--search", "č. 1199", "--sort", "id", "--format", "json",
        ]);
        let mut want = vec!["A-001199".to_string()];
        want.extend((11990..=11999).map(|i| format!("A-{i:06}")));
        assert_eq!(few, want);
        let all = ids(&["risk", "list", "--sort", "title", "--format", "json"]);
        let found = ids(&[
            "risk", "list", "--search", "ίσκο", "--sort", "title", "--format", "json",
        ]);
        assert_eq!(found.len(), 11_000);
        assert_eq!(found, all);
        db.cleanup().await;
    }
}

#[tokio::test]
async fn an_import_larger_than_the_register_builds_its_indexes_again_at_its_end() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let indexes = db.index_definitions().await;
        let ids = |args: &[&str]| listed_ids(&db, args);
        // More rows than an import writes before it builds the register's indexes at its end.
        let n = 60_000;
        let file = db.dir.path().join("inventory.csv");
        std::fs::write(&file, inventory(n)).unwrap();
        let done = ok(run(&db, &["asset", "import", file.to_str().unwrap()]));
        assert!(done.contains("created 60000"), "{done}");
        assert_eq!(db.index_definitions().await, indexes);
        // The register's row count, whose triggers were dropped with the indexes, was taken
        // again (an unfiltered list's total).
        assert_eq!(db.register_counts().await, (60_000, 60_000, 0, 0));

        // The indexes and the text index hold every row.
        let few = ids(&[
            "asset", "list", "--search", "č. 5999", "--sort", "id", "--format", "json",
        ]);
        let mut want = vec!["A-005999".to_string()];
        want.extend((59990..=59999).map(|i| format!("A-{i:06}")));
        assert_eq!(few, want);
        let owned = ids(&[
            "asset",
            "list",
            "--owner",
            "ops7@example.org",
            "--tag",
            "dc-3",
            "--sort",
            "id",
            "--format",
            "json",
        ]);
        let want: Vec<String> = (1..=n)
            .filter(|i| i % 50 == 7 && i % 8 == 3)
            .map(|i| format!("A-{i:06}"))
            .collect();
        assert_eq!(owned, want);
        let by_name = ids(&[
            "asset", "list", "--sort", "name", "--limit", "3", "--format", "json",
        ]);
        assert_eq!(by_name, ["A-000001", "A-000010", "A-000100"]);
        // A search that matches every asset finds its page among the first rows of the
        // order; one in another case than the names' (Greek) reads the text index.
        let every = ids(&[
            "asset", "list", "--search", "a-0", "--sort", "name", "--limit", "3", "--format",
            "json",
        ]);
        assert_eq!(every, ["A-000001", "A-000010", "A-000100"]);
        let folded = ids(&[
            "asset",
            "list",
            "--search",
            "ΔΙΑΚΟΜΙΣΤ",
            "--sort",
            "id",
            "--limit",
            "2",
            "--format",
            "json",
        ]);
        assert_eq!(folded, ["A-000001", "A-000002"]);

        // A small import afterwards keeps the text index in step again, row by row.
        let small = db.dir.path().join("small.csv");
        std::fs::write(
            &small,
            "Asset ID,Asset Name,Type,Owner,Classification\nA-000001,Ζωγράφος,hardware,ops1@example.org,internal\n",
        )
        .unwrap();
        let done = ok(run(&db, &["asset", "import", small.to_str().unwrap()]));
        assert!(done.contains("updated 1"), "{done}");
        let found = ids(&["asset", "list", "--search", "ωγράφ", "--format", "json"]);
        assert_eq!(found, ["A-000001"]);
        // Its old name is no longer found.
        let first = ids(&[
            "asset", "list", "--search", "č. 1", "--sort", "id", "--limit", "2", "--format", "json",
        ]);
        assert_eq!(first, ["A-000010", "A-000011"]);

        // Risks likewise.
        let mut risks =
            String::from("Risk ID,Title,Owner,Likelihood,Impact,Assets,Review due on\n");
        for i in 1..=55_000 {
            writeln!(
                risks,
                "R-{i:06},Ρίσκο {i},risk{}@example.org,{},{},A-{:06},2026-12-{:02}",
                i % 7,
                1 + i % 5,
                1 + (i / 5) % 5,
                1 + i % n,
                1 + (i / 7) % 28
            )
            .unwrap();
        }
        let rfile = db.dir.path().join("risks.csv");
        std::fs::write(&rfile, &risks).unwrap();
        let done = ok(run(&db, &["risk", "import", rfile.to_str().unwrap()]));
        assert!(done.contains("created 55000"), "{done}");
        assert_eq!(db.index_definitions().await, indexes);
        assert_eq!(db.register_counts().await, (60_000, 60_000, 55_000, 55_000));
        // So were the risks due for review by owner and day (the team view's counts): seven
        // owners on 28 days.
        let (kept, counted) = db.review_counts().await;
        assert_eq!(kept, counted);
        assert_eq!(kept.len(), 7 * 28);
        assert_eq!(
            kept[0],
            ("risk0@example.org".into(), "2026-12-01".into(), 280)
        );
        let found = ids(&[
            "risk",
            "list",
            "--search",
            "Ρίσκο 54999",
            "--format",
            "json",
        ]);
        assert_eq!(found, ["R-054999"]);
        // Every page of a search matching every risk, and of one in another case.
        let every = ids(&["risk", "list", "--search", "r-0", "--format", "json"]);
        let want: Vec<String> = (1..=55_000).map(|i| format!("R-{i:06}")).collect();
        assert_eq!(every, want);
        let first = ids(&[
            "risk", "list", "--search", "r-0", "--limit", "3", "--format", "json",
        ]);
        assert_eq!(first, want[..3]);
        let folded = ids(&["risk", "list", "--search", "ρίσκο 1", "--format", "json"]);
        let want: Vec<String> = (1..=55_000)
            .filter(|i| i.to_string().starts_with('1'))
            .map(|i| format!("R-{i:06}"))
            .collect();
        assert_eq!(folded, want);
        let owned = ids(&[
            "risk",
            "list",
            "--owner",
            "risk3@example.org",
            "--asset",
            "A-000011",
            "--format",
            "json",
        ]);
        let want: Vec<String> = (1..=55_000)
            .filter(|i| i % 7 == 3 && 1 + i % n == 11)
            .map(|i| format!("R-{i:06}"))
            .collect();
        assert_eq!(owned, want);
        db.cleanup().await;
    }
}

/// `annex demo` fills a new store that no one reads meanwhile: its imports build the
/// registers' indexes at their end on PostgreSQL too (dropping them inside the transaction
/// would otherwise make every page of the register wait). Each index is there afterwards,
/// as it was, and answers.
#[tokio::test]
async fn the_demo_builds_its_registers_indexes_at_its_end_on_every_database() {
    use crate::harness::{Auth, TestApp, operator};
    use annex::domain::user::Role;
    for db in databases().await {
        let app = TestApp::spawn(db).await;
        let indexes = app.db.index_definitions().await;
        // More of each than an import writes before it builds the indexes at its end.
        let size = annex::service::demo::Size {
            assets: 52_000,
            measures: 60,
            risks: 51_000,
            acceptances: 5,
            evidence: 20,
            people: 20,
            published: 13,
        };
        annex::service::demo::generate(&operator(&app.store), size, 7)
            .await
            .expect("the demo");
        assert_eq!(app.db.index_definitions().await, indexes);

        let token = app.token_as(Role::Admin).await;
        let ids = |path: String| {
            let (app, token) = (&app, token.clone());
            async move {
                let res = app.get(&path, Auth::Bearer(&token)).await;
                assert_eq!(res.status.as_u16(), 200, "{path}: {}", res.body);
                let body = res.json();
                let ids: Vec<String> = body["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a["id"].as_str().unwrap().to_string())
                    .collect();
                (ids, body["total"].as_i64().unwrap())
            }
        };
        // The counts the dropped triggers kept were taken again: the registers' totals, and
        // the open risks due for review that the team view counts.
        for (list, table, made) in [("assets", "asset", 52_000), ("risks", "risk", 51_000)] {
            let total = ids(format!("/api/v1/{list}?limit=1")).await.1;
            let rows = app
                .db
                .number(&format!("select count(*) from {table}"))
                .await;
            assert!(total >= made, "{list}: {total}");
            assert_eq!(total, rows, "{list}: the total is the register's rows");
        }
        let kept = app
            .db
            .number("select cast(coalesce(sum(n), 0) as bigint) from risk_review_count")
            .await;
        let open = app
            .db
            .number(
                "select count(*) from risk where status <> 'closed' and review_due_on is not null",
            )
            .await;
        assert!(open > 0);
        assert_eq!(kept, open, "risk_review_count holds every open, dated risk");
        // The text indexes hold the rows written before and after the indexes were dropped.
        assert_eq!(ids("/api/v1/assets?q=51234".into()).await.0, ["A-051234"]);
        assert_eq!(ids("/api/v1/assets?q=40017".into()).await.0, ["A-040017"]);
        let (found, _) = ids("/api/v1/risks?q=50999".into()).await;
        assert_eq!(found, ["R-050999"]);
        // Filters answered from the rebuilt indexes agree with the records.
        let holds = |id: String, field: &'static str, value: String| {
            let (app, token) = (&app, token.clone());
            async move {
                let register = if id.starts_with("A-") {
                    "assets"
                } else {
                    "risks"
                };
                let res = app
                    .get(&format!("/api/v1/{register}/{id}"), Auth::Bearer(&token))
                    .await;
                let listed = res.json()[field].clone();
                assert!(
                    listed.as_array().unwrap().iter().any(|v| *v == *value),
                    "{id}: {field} {listed}"
                );
            }
        };
        let (tagged, total) = ids("/api/v1/assets?tag=crown-jewel&sort=id&limit=500".into()).await;
        assert!(total > 1_000, "{total} crown jewels");
        for id in tagged.into_iter().take(20) {
            holds(id, "tags", "crown-jewel".into()).await;
        }
        // A risk written after the indexes were dropped is found through its asset.
        let res = app
            .get("/api/v1/risks/R-051000", Auth::Bearer(&token))
            .await;
        let asset = res.json()["assets"][0].as_str().unwrap().to_string();
        let (owned, _) = ids(format!("/api/v1/risks?asset={asset}&limit=500")).await;
        assert!(owned.contains(&"R-051000".to_string()), "{owned:?}");
        for id in owned {
            holds(id, "assets", asset.clone()).await;
        }
        app.db.cleanup().await;
    }
}

/// The new ids given to rows without one, in a later batch, skip the ids the file's earlier
/// rows gave (a new asset never takes, or overwrites, one of the file's).
#[tokio::test]
async fn new_ids_of_a_later_batch_skip_the_ids_an_earlier_batch_gave() {
    for db in databases().await {
        ok(run(&db, &["init"]));
        let file = db.dir.path().join("inventory.csv");
        let path = file.to_str().unwrap();
        // Rows 7 and 9 (in the first batch) take ids a new asset would get; the last ten rows
        // (in the second) have none.
        let mut csv = inventory(5_010)
            .replacen("A-000007,", "A-0001,", 1)
            .replacen("A-000009,", "A-0003,", 1);
        for i in 5_001..=5_010 {
            csv = csv.replacen(&format!("\nA-{i:06},"), "\n,", 1);
        }
        // The last row depended on one of those.
        csv = csv.replacen(",A-005003\n", ",\n", 1);
        std::fs::write(&file, &csv).unwrap();
        let done = ok(run(&db, &["asset", "import", path]));
        assert!(
            done.contains("created 5010, updated 0, unchanged 0"),
            "{done}"
        );
        // Every asset's name by its id, from one list.
        let listed: serde_json::Value = serde_json::from_str(&ok(run(
            &db,
            &["asset", "list", "--limit", "10000", "--format", "json"],
        )))
        .unwrap();
        let names: std::collections::HashMap<&str, &str> = listed
            .as_array()
            .unwrap()
            .iter()
            .map(|a| (a["id"].as_str().unwrap(), a["name"].as_str().unwrap()))
            .collect();
        assert_eq!(names.len(), 5_010);
        assert_eq!(names["A-0001"], "Διακομιστής č. 7");
        assert_eq!(names["A-0003"], "Διακομιστής č. 9");
        let mut named: Vec<&str> = (2..=12)
            .filter(|i| *i != 3)
            .map(|i| names[format!("A-{i:04}").as_str()])
            .collect();
        named.sort();
        let mut want: Vec<String> = (5_001..=5_010)
            .map(|i| format!("Διακομιστής č. {i}"))
            .collect();
        want.sort();
        assert_eq!(named, want);
        db.cleanup().await;
    }
}
