//! Importing a Statement of Applicability of 2022 as people do it, on every database: Annex's
//! own export read back unchanged (CSV and XLSX), a consultant's file in other words, a broken
//! file that writes nothing, a 2013 file sent to the 2022 import (the API points to the
//! migration, the upload page and the command line take it there), the roles that may import,
//! and the 2022 SoAs of the reference spreadsheets when they are present.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use crate::soa_migrate::annex;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn row<'a>(rows: &'a Value, id: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"]["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

/// Decides a few controls every way a decision can be: applicable with reasons, maturity,
/// owner and target date; excluded with a reason and a Greek justification; a status only.
async fn decide_some(app: &TestApp, token: &str) {
    let decisions = [
        (
            "5.1",
            json!({"applicable": "yes", "reasons": "risk_treatment, legal", "status": "implemented",
                   "maturity": "3", "owner": "anna@example.com", "justification": "Η πολιτική εγκρίθηκε, «v2».",
                   "target_date": "2027-01-31"}),
        ),
        (
            "5.23",
            json!({"applicable": "no", "exclusion_reason": "outsourced",
                   "justification": "Cloud hosting is bought as a whole service; the supplier's 27001 covers it.\nSecond line, \"quoted\"."}),
        ),
        (
            "8.13",
            json!({"applicable": "yes", "reasons": ["business", "best_practice"], "status": "partially_implemented",
                   "owner": "Jiří Novák"}),
        ),
        (
            "8.28",
            json!({"applicable": "yes", "reasons": "contractual", "status": "planned", "maturity": "0"}),
        ),
    ];
    for (id, body) in decisions {
        let res = app
            .put_json(
                &format!("/api/v1/soa/iso27002-2022/{id}"),
                Auth::Bearer(token),
                body,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{id}: {}", res.body);
    }
}

async fn export(app: &TestApp, token: &str, format: &str) -> Vec<u8> {
    let (status, _, bytes) = app
        .get_bytes(
            &format!("/api/v1/soa/export?format={format}"),
            Auth::Bearer(token),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    bytes
}

/// The decisions as the API gives them, without their times and revisions.
async fn decisions(app: &TestApp, token: &str) -> Vec<Value> {
    let rows = app.get("/api/v1/soa", Auth::Bearer(token)).await.json();
    rows.as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let mut a = r["applicability"].clone();
            a.as_object_mut().unwrap().remove("updated_at");
            a.as_object_mut().unwrap().remove("revision");
            a
        })
        .collect()
}

async fn import_entries(app: &TestApp) -> Vec<annex::domain::audit::Entry> {
    app.audit_of("soa", 500)
        .await
        .into_iter()
        .filter(|e| e.action == "soa.import")
        .collect()
}

#[tokio::test]
async fn the_soa_exported_as_csv_or_xlsx_imports_back_unchanged() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        decide_some(&app, &manager).await;
        let before = decisions(&app, &manager).await;
        for format in ["csv", "xlsx"] {
            let file = export(&app, &manager, format).await;
            let res = app
                .post_bytes("/api/v1/soa/import", Auth::Bearer(&manager), file.clone())
                .await;
            assert_eq!(res.status, StatusCode::OK, "{format}: {}", res.body);
            let o = res.json();
            assert_eq!(o["rows"], 93, "{format}");
            let r = &o["report"];
            assert_eq!(
                (
                    r["created"].as_array().unwrap().len(),
                    r["updated"].as_array().unwrap().len(),
                    r["unchanged"].as_array().unwrap().len()
                ),
                (0, 0, 93),
                "{format}: {r}"
            );
            let derived: Vec<&str> = o["columns"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["how"] == "derived")
                .map(|c| c["header"].as_str().unwrap())
                .collect();
            assert!(
                derived.contains(&"Measures") && derived.contains(&"Warnings"),
                "{derived:?}"
            );
            assert_eq!(decisions(&app, &manager).await, before, "{format}");
            assert_eq!(export(&app, &manager, "csv").await.len(), {
                let again = export(&app, &manager, "csv").await;
                again.len()
            });
        }
        assert!(import_entries(&app).await.is_empty(), "nothing changed");

        // One row changed in the file: that control is updated, with its audit entry.
        let csv = String::from_utf8(export(&app, &manager, "csv").await).unwrap();
        let changed = csv.replacen("partially implemented", "implemented", 1);
        assert_ne!(changed, csv);
        let res = app
            .post_bytes(
                "/api/v1/soa/import",
                Auth::Bearer(&manager),
                changed.into_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["report"]["updated"], json!(["8.13"]));
        let rows = app.get("/api/v1/soa", Auth::Bearer(&manager)).await.json();
        assert_eq!(row(&rows, "8.13")["applicability"]["status"], "implemented");
        assert_eq!(row(&rows, "8.13")["applicability"]["owner"], "Jiří Novák");
        let trail = import_entries(&app).await;
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].object_id, "iso27002-2022:8.13");
        assert!(
            trail[0]
                .before
                .as_deref()
                .unwrap_or_default()
                .contains("\"status\":\"partially_implemented\""),
            "{:?}",
            trail[0].before
        );
    });
}

/// A consultant's 2022 SoA: a title row, their headers, ids with an "A." and a title, words
/// for applicability and status, a column Annex does not know, tick columns for reasons.
const THEIR_SOA: &str = "\
Statement of Applicability — Example GmbH (ISO/IEC 27001:2022)

Control ID,Control Name,Applicable,LR,CO,RRA,Justification,Implementation Status,Implementation Description,Maturity,Responsible
A.5.1,Policies for information security,Yes,x,,x,Required by the board,Implemented (Documented),Policy POL-001,Level 3,ciso@example.com
A.5.10 Acceptable use of information,,Ja,,x,,Customers require it,Teilweise umgesetzt,,2,
A.5.23,Information security for use of cloud services,No,,,,\"We use no cloud service; all systems run on premises\",N/A,,,
A.8.13,Information backup,Yes,,,x,Backups protect against ransomware,Gap — Not Addressed,,,ops@example.com
A.8.28,Secure coding,,,,,,,,,
";

#[tokio::test]
async fn a_2022_soa_in_other_words_imports_and_a_broken_one_writes_nothing() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let res = app
            .post_bytes(
                "/api/v1/soa/import",
                Auth::Bearer(&manager),
                THEIR_SOA.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let o = res.json();
        assert_eq!(o["header_row"], 3);
        assert_eq!(
            o["report"]["created"],
            json!(["5.1", "5.10", "5.23", "8.13"]),
            "8.28 is left undecided, as the file leaves it"
        );
        assert_eq!(o["report"]["unchanged"], json!(["8.28"]));
        let unknown: Vec<&str> = o["columns"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["how"] == "unknown")
            .map(|c| c["header"].as_str().unwrap())
            .collect();
        assert_eq!(unknown, ["Implementation Description"]);
        let rows = app.get("/api/v1/soa", Auth::Bearer(&manager)).await.json();
        let a = &row(&rows, "5.1")["applicability"];
        assert_eq!(
            a["reasons"],
            json!(["legal", "risk_treatment"]),
            "in column order"
        );
        assert_eq!(a["status"], "implemented");
        assert_eq!(a["maturity"], 3);
        assert_eq!(
            a["justification"],
            "Required by the board\nImplementation status as written: Implemented (Documented)"
        );
        let a = &row(&rows, "5.10")["applicability"];
        assert_eq!(
            (&a["applicable"], &a["status"], &a["reasons"]),
            (
                &json!(true),
                &json!("partially_implemented"),
                &json!(["contractual"])
            )
        );
        let a = &row(&rows, "5.23")["applicability"];
        assert_eq!(
            (&a["applicable"], &a["status"]),
            (&json!(false), &json!("not_applicable"))
        );
        let a = &row(&rows, "8.13")["applicability"];
        assert_eq!(a["status"], "not_started");
        assert!(
            a["justification"]
                .as_str()
                .unwrap()
                .ends_with("Gap — Not Addressed")
        );
        assert_eq!(import_entries(&app).await.len(), 4);

        // Broken: an unknown control, a 2013 id, a status nobody knows, a control twice.
        let broken = THEIR_SOA
            .replace("A.5.23,", "A.5.99,")
            .replace("A.8.28,Secure coding,,", "A.12.4.1,Event logging,Yes")
            .replace("Teilweise umgesetzt", "sort of")
            .replace("A.8.13,", "A.5.1,");
        let res = app
            .post_bytes("/api/v1/soa/import", Auth::Bearer(&manager), broken.into())
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let fields: Vec<String> = res.json()["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                format!(
                    "{}: {}",
                    f["field"].as_str().unwrap(),
                    f["message"].as_str().unwrap()
                )
            })
            .collect();
        let all = fields.join("\n");
        for text in [
            "row 5, column Implementation Status: 'sort of' is not an implementation status",
            "row 6, column Control ID: 'A.5.99' is not a control of ISO/IEC 27002:2022",
            "row 7, column Control ID: 5.1 is already on row 4",
            "row 8, column Control ID: 'A.12.4.1' is a control of ISO/IEC 27002:2013",
        ] {
            assert!(all.contains(text), "{text}\n{all}");
        }
        assert_eq!(import_entries(&app).await.len(), 4, "nothing more written");

        let viewer = app.token_as(Role::Viewer).await;
        let contributor = app.token_as(Role::Contributor).await;
        for t in [&viewer, &contributor] {
            let res = app
                .post_bytes(
                    "/api/v1/soa/import?dry_run=true",
                    Auth::Bearer(t),
                    THEIR_SOA.into(),
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN);
        }
    });
}

#[tokio::test]
async fn a_2013_soa_sent_to_the_2022_import_goes_to_the_migration() {
    on_every_database!(|app| {
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let res = app
            .post_bytes(
                "/api/v1/soa/import",
                Auth::Bearer(&manager),
                crate::soa_migrate::SOA_2013.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("POST /api/v1/soa/import-2013")
                && res.body.contains("ISO/IEC 27002:2013"),
            "{}",
            res.body
        );

        // In the browser, one upload takes both editions.
        let browser = app.browser_as(Role::Manager).await;
        let soa = app.get("/soa", Auth::Browser(&browser)).await;
        assert!(soa.body.contains("href=\"/soa/import\""), "{}", soa.body);
        let form = app.get("/soa/import", Auth::Browser(&browser)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("ISO/IEC 27002:2022"), "{}", form.body);
        let res = app
            .post_file(
                "/soa/import",
                &browser,
                "soa-2019.csv",
                crate::soa_migrate::SOA_2013.as_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert!(
            res.location().starts_with("/soa/import-2013/"),
            "{}",
            res.location()
        );
        let page = app.get(&res.location(), Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("20 controls of 2013 make 17 decisions"),
            "{}",
            page.body
        );

        let res = app
            .post_file(
                "/soa/import",
                &browser,
                "soa-2022.csv",
                THEIR_SOA.as_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let review = res.location();
        assert!(review.starts_with("/imports/"), "{review}");
        let page = app.get(&review, Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("4 new, 0 updated, 1 unchanged"),
            "{}",
            page.body
        );
        let done = app
            .post_form(&review, Auth::Browser(&browser), &[("sheet", "")])
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(
            done.body.contains("4 created, 0 updated, 1 unchanged"),
            "{}",
            done.body
        );
        assert_eq!(import_entries(&app).await.len(), 4);

        for role in [Role::Viewer, Role::Contributor] {
            let b = app.browser_as(role).await;
            assert_eq!(
                app.get("/soa/import", Auth::Browser(&b)).await.status,
                StatusCode::FORBIDDEN
            );
        }
    });
}

#[tokio::test]
async fn the_command_line_finds_the_edition_and_round_trips_the_soa() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        decide_some(&app, &manager).await;
        let db = &app.db;
        let dir = db.dir.path();
        let xlsx = dir.join("soa.xlsx");
        let out = annex(
            db,
            &[
                "soa",
                "export",
                "--format",
                "xlsx",
                "--out",
                xlsx.to_str().unwrap(),
            ],
        );
        assert!(out.status.success(), "{:?}", out);
        let out = annex(db, &["soa", "import", xlsx.to_str().unwrap()]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        let err = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(out.status.success(), "{text}{err}");
        assert!(
            text.contains("created 0, updated 0, unchanged 93"),
            "{text}"
        );
        assert!(err.contains("ISO/IEC 27002:2022"), "{err}");

        let old = dir.join("soa-2013.csv");
        std::fs::write(&old, crate::soa_migrate::SOA_2013).unwrap();
        let out = annex(
            db,
            &[
                "soa",
                "import",
                old.to_str().unwrap(),
                "--dry-run",
                "--stop-at-blank",
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(text.contains("2013 controls read"), "{text}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("ISO/IEC 27002:2013"));

        // Forced as 2022, the 2013 ids are named; --replace is for 2013 files only.
        let out = annex(
            db,
            &[
                "soa",
                "import",
                old.to_str().unwrap(),
                "--edition",
                "2022",
                "--stop-at-blank",
            ],
        );
        assert_eq!(out.status.code(), Some(3));
        assert!(
            String::from_utf8_lossy(&out.stderr)
                .contains("'A.5.1.1' is a control of ISO/IEC 27002:2013"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = annex(db, &["soa", "import", xlsx.to_str().unwrap(), "--replace"]);
        assert_eq!(out.status.code(), Some(3));
        let out = annex(
            db,
            &["soa", "import", xlsx.to_str().unwrap(), "--edition", "2019"],
        );
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("'2019' is not an edition"));
    });
}

/// The 2022 SoAs among the reference spreadsheets, each imported as a person would with the
/// help text: the mappings it needs, and how many controls it decides.
#[tokio::test]
async fn real_2022_soas_from_the_reference_spreadsheets_import() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/spreadsheets");
    if !root.is_dir() {
        crate::harness::notice(
            "note: ../shared/reference/spreadsheets is absent: real 2022 SoA import SKIPPED",
        );
        return;
    }
    // (file, query, controls decided, or the problem a person is told). The English starter
    // kit has an unquoted comma in row 72: the value it pushed right is named, not imported.
    let files: [(&str, &str, Result<usize, &str>); 5] = [
        (
            "cenedril-iso27001-starter-kit/statement-of-applicability_2022_en.csv",
            "",
            Err(
                "row 72, column I: 'POL-018' is in column I, right of the last column with a header (Reference)",
            ),
        ),
        (
            "cenedril-iso27001-starter-kit/statement-of-applicability_2022_de.csv",
            "",
            Ok(93),
        ),
        (
            "kguzman-northgate-university/Statement-of-Applicability.csv",
            "",
            Ok(93),
        ),
        (
            "kguzman-northgate-university/ISO27001_Risk_Assessment_and_SoA.xlsx",
            "sheet=Statement%20of%20Applicability",
            Ok(93),
        ),
        ("cocka166-telemetry-czech/SoA.xlsx", "", Ok(93)),
    ];
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        for (path, query, expected) in files {
            let bytes = std::fs::read(root.join(path)).unwrap();
            let res = app
                .post_bytes(
                    &format!("/api/v1/soa/import?dry_run=true&{query}"),
                    Auth::Bearer(&manager),
                    bytes,
                )
                .await;
            match expected {
                Ok(decided) => {
                    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
                    let r = &res.json()["report"];
                    let n = r["created"].as_array().unwrap().len()
                        + r["updated"].as_array().unwrap().len();
                    assert_eq!(n, decided, "{path}: {r}");
                }
                Err(problem) => {
                    assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{path}");
                    assert!(res.body.contains(problem), "{path}: {}", res.body);
                }
            }
        }
    });
}
