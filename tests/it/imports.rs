//! The spreadsheet bridge through the web UI and the API: upload, dry run with every problem
//! named by row and column, mapping of columns and words, all-or-nothing import that a second
//! submission cannot repeat, refusals, and CSV/XLSX exports that import back unchanged.

use crate::harness::Auth;
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

/// The path of the redirect after an upload: `/imports/{id}`.
fn review_path(res: &crate::harness::Res) -> String {
    assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
    let to = res.location();
    assert!(to.starts_with("/imports/"), "{to}");
    to
}

/// A query-string value, percent-encoded.
fn enc(s: &str) -> String {
    serde_urlencoded::to_string([("x", s)]).unwrap()[2..].to_string()
}

/// Rows without their trailing empty cells (XLSX does not keep them; CSV does).
fn trimmed(rows: &[Vec<String>]) -> Vec<Vec<String>> {
    rows.iter()
        .map(|r| {
            let mut r = r.clone();
            while r.last().is_some_and(|c| c.is_empty()) {
                r.pop();
            }
            r
        })
        .collect()
}

#[tokio::test]
async fn a_manager_uploads_a_risk_register_fixes_its_mapping_and_imports_it_once() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let manager = app.browser_as(Role::Manager).await;
        let form = app.get("/risks/import", Auth::Browser(&manager)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("enctype=\"multipart/form-data\""));

        // Their headers: a title block above, "Risk Description" for the title, a misspelt level.
        let broken = "Risk register 2025,,,,,\n\
                      ,,,,,\n\
                      Risk ID,Risk Description,Likelihood (1-5),Impact,Risk Score,Treatment Option,Status\n\
                      R-7,Ransomware on file servers,4,5,20,Mitigate,Open\n\
                      R-8,Phishing of finance staff,hihg,4,16,Accept with monitoring,Open\n";
        let review = review_path(
            &app.post_file("/risks/import", &manager, "register.csv", broken.as_bytes())
                .await,
        );
        let first = app.get(&review, Auth::Browser(&manager)).await;
        assert_eq!(first.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            first.body.contains("header on row 3") || first.body.contains("Header on row 3"),
            "{}",
            first.body
        );
        assert!(
            first.body.contains("no column holds the risk title"),
            "{}",
            first.body
        );
        assert!(
            first
                .body
                .contains("<option value=\"Risk Score=file_inherent_score\" selected>"),
            "the score is recognised as the file's own, to be compared: {}",
            first.body
        );

        let mapped = format!(
            "{review}?map={}&map={}",
            enc("Risk Description=title"),
            enc("Status=")
        );
        let second = app.get(&mapped, Auth::Browser(&manager)).await;
        assert_eq!(second.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            second.body.contains("row 5, column Likelihood (1-5):")
                && second
                    .body
                    .contains("is not a level of the likelihood scale"),
            "{}",
            second.body
        );
        assert!(second.body.contains("nothing will be imported"));
        assert_eq!(
            app.store.risk_count().await.unwrap(),
            0,
            "a dry run writes nothing"
        );

        // A word of their file mapped to ours fixes the row without editing the file.
        let fixed = format!("{mapped}&values={}", enc("inherent_likelihood:hihg=4"));
        let ready = app.get(&fixed, Auth::Browser(&manager)).await;
        assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
        assert!(
            ready.body.contains("2 new, 0 updated, 0 unchanged"),
            "{}",
            ready.body
        );
        assert_eq!(app.store.risk_count().await.unwrap(), 0);

        let done = app
            .post_form(
                &review,
                Auth::Browser(&manager),
                &[
                    ("map", "Risk ID=id"),
                    ("map", "Risk Description=title"),
                    ("map", "Likelihood (1-5)=inherent_likelihood"),
                    ("map", "Impact=inherent_impact"),
                    ("map", "Risk Score="),
                    ("map", "Treatment Option=treatment"),
                    ("map", "Status="),
                    ("values", "inherent_likelihood:hihg=4"),
                    ("sheet", ""),
                ],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(
            done.body.contains("2 created, 0 updated, 0 unchanged"),
            "{}",
            done.body
        );
        let r8 = app.store.risk("R-8").await.unwrap();
        assert_eq!((r8.inherent.likelihood, r8.inherent.impact), (4, 4));
        assert_eq!(
            r8.treatment.key(),
            "retain",
            "'Accept with monitoring' is retain"
        );
        assert_eq!(
            r8.notes, "Treatment as written: Accept with monitoring",
            "what the cell said beyond 'retain' is kept in the risk's notes"
        );
        let trail = app.audit_of("risk", 10).await;
        assert_eq!(trail.len(), 2, "one audit entry per imported risk");

        // The import consumed the upload: submitting again imports nothing.
        let again = app
            .post_form(
                &review,
                Auth::Browser(&manager),
                &[("map", "Risk Description=title")],
            )
            .await;
        assert!(
            again.status == StatusCode::CONFLICT || again.status == StatusCode::NOT_FOUND,
            "{} {}",
            again.status,
            again.body
        );
        assert_eq!(app.store.risk_count().await.unwrap(), 2);
        let _ = admin;
    });
}

#[tokio::test]
async fn uploads_are_refused_to_other_roles_other_people_and_forged_forms() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let viewer = app.browser_as(Role::Viewer).await;
        let contributor = app.browser_as(Role::Contributor).await;
        let manager = app.browser_as(Role::Manager).await;
        let other = app.browser_as(Role::Manager).await;
        let csv = b"name,type,classification\nWeb server,hardware,internal\n";
        for b in [&viewer, &contributor] {
            assert_eq!(
                app.get("/assets/import", Auth::Browser(b)).await.status,
                StatusCode::FORBIDDEN
            );
            assert_eq!(
                app.post_file("/assets/import", b, "a.csv", csv)
                    .await
                    .status,
                StatusCode::FORBIDDEN
            );
        }
        let forged = crate::harness::Browser {
            cookie: manager.cookie.clone(),
            csrf: "not-the-token".into(),
        };
        let res = app.post_file("/assets/import", &forged, "a.csv", csv).await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);

        let binary = app
            .post_file(
                "/assets/import",
                &manager,
                "photo.png",
                b"\x89PNG\r\n\x1a\n\0\0\0",
            )
            .await;
        assert_eq!(binary.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            binary.body.contains("neither a CSV nor an XLSX file"),
            "{}",
            binary.body
        );
        let old = app
            .post_file(
                "/assets/import",
                &manager,
                "old.xls",
                &[0xD0, 0xCF, 0x11, 0xE0, 1, 2],
            )
            .await;
        assert!(
            old.body.contains("save it as .xlsx or .csv"),
            "{}",
            old.body
        );
        let empty = app
            .post_file("/assets/import", &manager, "empty.csv", b"")
            .await;
        assert!(empty.body.contains("the file is empty"), "{}", empty.body);
        let evil = review_path(
            &app.post_file("/assets/import", &manager, "../../etc/passwd.csv", csv)
                .await,
        );
        let page = app.get(&evil, Auth::Browser(&manager)).await;
        assert!(
            page.body.contains("../../etc/passwd.csv"),
            "the name is only shown, never used as a path"
        );

        assert_eq!(
            app.get(&evil, Auth::Browser(&other)).await.status,
            StatusCode::FORBIDDEN,
            "another manager does not see someone's upload"
        );
        assert_eq!(
            app.get(&evil, Auth::Browser(&admin)).await.status,
            StatusCode::OK
        );
        assert_eq!(
            app.get("/imports/nope", Auth::Browser(&manager))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    });
}

#[tokio::test]
async fn the_api_imports_in_one_transaction_with_a_dry_run_and_names_every_problem() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        // 6,000 rows: more than one statement's worth of parameters and one IN list.
        let mut csv = String::from("Asset Ref,Asset Name,Type,Classification,C,Status,Tags\n");
        for i in 0..6_000 {
            csv.push_str(&format!(
                "SRV-{i:05},Server {i},hardware,internal,{},Active,linux;dc{}\n",
                1 + i % 5,
                i % 3
            ));
        }
        let dry = app
            .post_bytes(
                "/api/v1/assets/import?dry_run=true",
                Auth::Bearer(&manager),
                csv.clone().into_bytes(),
            )
            .await;
        assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
        let report = dry.json();
        assert_eq!(report["report"]["created"].as_array().unwrap().len(), 6_000);
        assert_eq!(report["dry_run"], true);
        assert!(
            app.get("/api/v1/assets?limit=1", Auth::Bearer(&manager))
                .await
                .json()["items"]
                .as_array()
                .unwrap()
                .is_empty(),
            "a dry run writes nothing"
        );

        let mut broken = csv.clone();
        broken.push_str("BAD ID,Broken,spaceship,internal,9,Active,\n");
        let res = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                broken.into_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let details = res.json()["error"]["details"].clone();
        let fields: Vec<&str> = details
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "row 6002, column Asset Ref",
                "row 6002, column Type",
                "row 6002, column C"
            ],
            "{details}"
        );
        let none = app
            .store
            .list_assets(&Default::default(), Default::default(), None, 1)
            .await
            .unwrap();
        assert_eq!(
            none.total, 0,
            "a broken file writes nothing, not even its valid rows"
        );

        let done = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                csv.clone().into_bytes(),
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert_eq!(
            done.json()["report"]["created"].as_array().unwrap().len(),
            6_000
        );
        let a = app.store.asset("SRV-00007").await.unwrap();
        assert_eq!(a.tags, ["dc1", "linux"]);
        assert_eq!(a.lifecycle.key(), "in_use", "'Active' reads as in use");
        let again = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                csv.into_bytes(),
            )
            .await;
        assert_eq!(
            again.json()["report"]["unchanged"]
                .as_array()
                .unwrap()
                .len(),
            6_000
        );

        assert_eq!(
            app.post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&viewer),
                b"name\nx\n".to_vec()
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let unknown = app
            .post_bytes(
                "/api/v1/assets/import?colour=red",
                Auth::Bearer(&manager),
                b"name\nx\n".to_vec(),
            )
            .await;
        assert_eq!(
            unknown.status,
            StatusCode::BAD_REQUEST,
            "an unknown query parameter is the query's problem, as everywhere: {}",
            unknown.body
        );
        assert!(unknown.body.contains("invalid_query"), "{}", unknown.body);
        let bad_map = app
            .post_bytes(
                &format!("/api/v1/risks/import?map={}", enc("Risk=colour")),
                Auth::Bearer(&manager),
                b"Risk\nx\n".to_vec(),
            )
            .await;
        assert!(
            bad_map
                .body
                .contains("'colour' is not a field of the risk register"),
            "{}",
            bad_map.body
        );
    });
}

#[tokio::test]
async fn an_import_that_changes_a_residual_rating_asks_for_the_acceptance_again() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let csv = "id,title,likelihood,impact,residual likelihood,residual impact,treatment\n\
                   R-1,Supplier outage,2,2,1,2,retain\n";
        let res = app
            .post_bytes(
                "/api/v1/risks/import",
                Auth::Bearer(&manager),
                csv.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let accepted = app
            .post_json(
                "/api/v1/risks/R-1/acceptance",
                Auth::Bearer(&manager),
                json!({"rationale": "small", "valid_until": "2099-01-01"}),
            )
            .await;
        assert_eq!(accepted.status, StatusCode::OK, "{}", accepted.body);
        let changed = csv.replace("1,2,retain", "2,2,retain");
        let res = app
            .post_bytes(
                "/api/v1/risks/import",
                Auth::Bearer(&manager),
                changed.into_bytes(),
            )
            .await;
        assert_eq!(res.json()["report"]["updated"], json!(["R-1"]));
        let risk = app
            .get("/api/v1/risks/R-1", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(risk["acceptance"]["needs_renewal"], true);
        let history = app
            .get("/api/v1/risks/R-1/acceptances", Auth::Bearer(&manager))
            .await;
        assert_eq!(history.status, StatusCode::OK);
        assert_eq!(history.json().as_array().unwrap().len(), 1);
        assert_eq!(
            app.get("/api/v1/risks/R-404/acceptances", Auth::Bearer(&manager))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    });
}

#[tokio::test]
async fn every_register_exports_as_csv_and_xlsx_and_imports_back_unchanged() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        for (path, body) in [
            (
                "/api/v1/assets",
                json!({"id": "SRV-01", "name": "Web server, \"front\"", "asset_type": "hardware", "classification": "internal", "availability": 4, "tags": ["dmz", "linux"]}),
            ),
            (
                "/api/v1/assets",
                json!({"id": "APP-01", "name": "Portal", "asset_type": "service", "classification": "confidential", "depends_on": ["SRV-01"], "last_reviewed_on": "2026-03-31"}),
            ),
            (
                "/api/v1/measures",
                json!({"name": "MFA on VPN", "controls": "5.17, 8.5, iso27002-2013:9.4.2", "cost": 12000, "due_on": "2027-01-31"}),
            ),
            (
                "/api/v1/risks",
                json!({"owner": "risk.owner@example.org", "title": "Ransomware", "threat": "Ransomware", "inherent_likelihood": 4, "inherent_impact": 5, "target_likelihood": 2, "assets": ["SRV-01", "APP-01"], "measures": "M-0001", "review_due_on": "2027-06-30"}),
            ),
            (
                "/api/v1/documents",
                json!({"template": "backup", "owner": "it@example.org", "approver": "ceo@example.org", "audience": "IT, \"ops\"", "clauses": "7.5"}),
            ),
            (
                "/api/v1/documents",
                json!({"title": "Διαδικασία αντιγράφων", "kind": "procedure", "classification": "confidential", "review_months": 24}),
            ),
        ] {
            let res = app.post_json(path, Auth::Bearer(&manager), body).await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        for register in ["assets", "measures", "risks", "documents"] {
            let csv = app
                .get(&format!("/{register}.csv"), Auth::Bearer(&manager))
                .await;
            assert_eq!(csv.status, StatusCode::OK, "{register}.csv: {}", csv.body);
            let (status, headers, xlsx) = app
                .get_bytes(&format!("/{register}.xlsx"), Auth::Bearer(&manager))
                .await;
            assert_eq!(status, StatusCode::OK);
            assert!(
                headers[axum::http::header::CONTENT_TYPE]
                    .to_str()
                    .unwrap()
                    .contains("spreadsheetml")
            );
            let grid = &annex::exchange::sheet::read_file(&xlsx).unwrap()[0];
            let from_csv = annex::exchange::sheet::read_csv(&csv.body).unwrap();
            assert_eq!(
                trimmed(&grid.rows),
                trimmed(&from_csv),
                "{register}: the XLSX holds what the CSV holds"
            );
            for (format, bytes) in [("csv", csv.body.clone().into_bytes()), ("xlsx", xlsx)] {
                let back = app
                    .post_bytes(
                        &format!("/api/v1/{register}/import"),
                        Auth::Bearer(&manager),
                        bytes,
                    )
                    .await;
                assert_eq!(
                    back.status,
                    StatusCode::OK,
                    "{register}.{format}: {}",
                    back.body
                );
                let r = &back.json()["report"];
                assert!(
                    r["created"].as_array().unwrap().is_empty()
                        && r["updated"].as_array().unwrap().is_empty()
                        && !r["unchanged"].as_array().unwrap().is_empty(),
                    "{register}.{format} imports back unchanged: {r}"
                );
            }
            let after = app
                .get(&format!("/{register}.csv"), Auth::Bearer(&manager))
                .await;
            assert_eq!(
                after.body, csv.body,
                "{register}: the round trip changes nothing"
            );
        }
    });
}

/// The ids of a register's API list for a query.
async fn ids(app: &crate::harness::TestApp, token: &str, path: &str) -> Vec<String> {
    let res = app.get(path, Auth::Bearer(token)).await;
    assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["id"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn text_search_finds_substrings_in_any_case_and_follows_edits() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let csv = "id,name,type,classification,description\n\
                   SRV-01,Payroll Server,hardware,internal,Runs the monthly \"pay\" run at 100% load\n\
                   SRV-02,Mail relay,hardware,internal,Outbound e-mail\n\
                   APP-7,Portal,service,internal,Customer portal for payroll questions\n";
        let res = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                csv.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        for (q, want) in [
            ("payroll", vec!["APP-7", "SRV-01"]),
            ("PAYROLL SER", vec!["SRV-01"]),
            ("srv-0", vec!["SRV-02", "SRV-01"]),
            ("\"pay\"", vec!["SRV-01"]),
            ("100%", vec!["SRV-01"]),
            ("0%", vec!["SRV-01"]),
            ("ma", vec!["SRV-02"]),
            ("nothing like it", vec![]),
        ] {
            let mut got = ids(&app, &manager, &format!("/api/v1/assets?q={}", enc(q))).await;
            got.sort();
            let mut want: Vec<String> = want.into_iter().map(String::from).collect();
            want.sort();
            assert_eq!(got, want, "q={q}");
        }
        let res = app
            .put_json(
                "/api/v1/assets/SRV-02",
                Auth::Bearer(&manager),
                json!({"name": "Backup vault", "asset_type": "hardware", "classification": "internal"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(
            ids(&app, &manager, "/api/v1/assets?q=relay")
                .await
                .is_empty(),
            "the old name is gone from the index"
        );
        assert_eq!(
            ids(&app, &manager, "/api/v1/assets?q=vault").await,
            ["SRV-02"]
        );

        let risks = "title,threat,likelihood,impact\n\
                     Ransomware on the file server,Criminal gangs,4,5\n\
                     Lost laptop,Theft,3,3\n";
        let res = app
            .post_bytes(
                "/api/v1/risks/import",
                Auth::Bearer(&manager),
                risks.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            ids(&app, &manager, "/api/v1/risks?q=FILE%20SERV")
                .await
                .len(),
            1
        );
        assert_eq!(ids(&app, &manager, "/api/v1/risks?q=gang").await.len(), 1);
        assert_eq!(ids(&app, &manager, "/api/v1/risks?q=R-").await.len(), 2);
    });
}

#[tokio::test]
async fn an_import_whose_dependencies_make_a_loop_is_refused_naming_it() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let csv = "id,name,type,classification,depends on\n\
                   A,App,service,internal,B\n\
                   B,Server,hardware,internal,C\n\
                   C,Storage,hardware,internal,A\n\
                   D,Desk,hardware,internal,\n";
        let res = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                csv.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let details = res.json()["error"]["details"].clone();
        assert_eq!(
            details.as_array().unwrap().len(),
            1,
            "one loop, named once: {details}"
        );
        assert_eq!(details[0]["field"], "row 2, column depends on");
        assert_eq!(
            details[0]["message"],
            "the dependencies make a loop: A → B → C → A"
        );
        assert!(ids(&app, &manager, "/api/v1/assets").await.is_empty());
    });
}

#[tokio::test]
async fn a_register_in_another_language_is_read_once_its_columns_are_mapped() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let csv = "Risikoregister 2025\n\
                   \n\
                   Nr.,Risikotitel,Eintrittswahrscheinlichkeit (1-5),Auswirkung,Behandlung\n\
                   1,Ransomware,4,5,Mindern\n\
                   2,Phishing,3,4,Akzeptieren\n\
                   \n\
                   Legende: 1 = selten … 5 = fast sicher\n";
        let res = app
            .post_bytes(
                "/api/v1/risks/import?dry_run=true",
                Auth::Bearer(&manager),
                csv.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.json()["error"]["details"][0]["field"],
            "row 3",
            "the fullest row near the top is taken as the header: {}",
            res.body
        );
        assert!(
            res.body
                .contains("no column of this row is one Annex knows")
        );
        let query = [
            "Risikotitel=title",
            "Eintrittswahrscheinlichkeit (1-5)=inherent_likelihood",
            "Auswirkung=inherent_impact",
            "Behandlung=treatment",
        ]
        .map(|m| format!("map={}", enc(m)))
        .join("&");
        let values = ["treatment:Mindern=modify", "treatment:Akzeptieren=retain"]
            .map(|v| format!("value={}", enc(v)))
            .join("&");
        let res = app
            .post_bytes(
                &format!("/api/v1/risks/import?{query}&{values}"),
                Auth::Bearer(&manager),
                csv.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let outcome = res.json();
        assert_eq!(outcome["report"]["created"].as_array().unwrap().len(), 2);
        assert_eq!(
            outcome["ignored_rows"],
            json!([7, 7]),
            "the legend below the table is not read"
        );
        let risks = app
            .get("/api/v1/risks", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(risks["items"][1]["treatment"], "retain");
    });
}

/// Imports registers that other people made (`../shared/reference/spreadsheets`, when present):
/// a workbook whose registers sit below title rows on named sheets, and a Greek risk
/// assessment with a legend under its table.
#[tokio::test]
async fn real_registers_from_the_reference_spreadsheets_import_once_mapped() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/spreadsheets");
    let workbook = root.join("kguzman-northgate-university/ISO27001_Risk_Assessment_and_SoA.xlsx");
    let greek = root.join("chbandis-greek-diagnostic-centre/Risk_Assessment.xlsx");
    let (Ok(workbook), Ok(greek)) = (std::fs::read(&workbook), std::fs::read(&greek)) else {
        crate::harness::notice(
            "note: ../shared/reference/spreadsheets is absent: real-spreadsheet import SKIPPED",
        );
        return;
    };
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let q = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(k, v)| format!("{k}={}", enc(v)))
                .collect::<Vec<_>>()
                .join("&")
        };
        // The asset register: its sheet and header row are found; its words are mapped.
        let words = [
            ("value", "High=4"),
            ("value", "Medium=3"),
            ("value", "Low=2"),
            ("value", "Internal Use Only=internal"),
            ("value", "asset_type:Information Asset=information"),
            ("value", "asset_type:Technical Asset=hardware"),
            ("value", "asset_type:Physical Asset=site"),
            ("value", "asset_type:People=people"),
            ("value", "asset_type:Service=service"),
        ];
        let res = app
            .post_bytes(
                &format!("/api/v1/assets/import?dry_run=true&{}", q(&words)),
                Auth::Bearer(&manager),
                workbook.clone(),
            )
            .await;
        let body = res.json();
        assert_eq!(body["sheet"], "Asset Register", "{body}");
        assert_eq!(body["header_row"], 3);
        if res.status != StatusCode::OK {
            // A word of theirs not mapped above names itself; the test says which.
            panic!("unmapped words in the reference asset register: {body}");
        }
        let res = app
            .post_bytes(
                &format!("/api/v1/assets/import?{}", q(&words)),
                Auth::Bearer(&manager),
                workbook.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["report"]["created"].as_array().unwrap().len(), 7);

        // The risk register of the same workbook, on its own sheet, with "A01–A07" ranges in
        // its asset column: named as problems until the column is left out.
        let risk_map = [
            ("sheet", "Risk Assessment"),
            ("map", "Risk Description=title"),
            ("map", "Asset="),
        ];
        let res = app
            .post_bytes(
                &format!("/api/v1/risks/import?dry_run=true&{}", q(&risk_map)),
                Auth::Bearer(&manager),
                workbook.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("column Asset ID"), "{}", res.body);
        let mut without_assets = risk_map.to_vec();
        without_assets.push(("map", "Asset ID="));
        let res = app
            .post_bytes(
                &format!("/api/v1/risks/import?{}", q(&without_assets)),
                Auth::Bearer(&manager),
                workbook.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["report"]["created"].as_array().unwrap().len(), 8);

        // The Greek assessment: headers mapped by hand, the legend under the table left out.
        let greek_map = [
            ("map", "ΑΠΕΙΛΗ=title"),
            ("map", "ΤΡΩΤΟ ΣΗΜΕΙΟ=vulnerability"),
            ("map", "ΠΙΘΑΝΟΤΗΤΑ ΠΡΙΝ ΤΗ ΛΗΨΗ ΜΕΤΡΩΝ=inherent_likelihood"),
            ("map", "ΣΟΒΑΡΟΤΗΤΑ ΠΡΙΝ ΤΗ ΛΗΨΗ ΜΕΤΡΩΝ=inherent_impact"),
            ("map", "ΠΙΘΑΝΟΤΗΤΑ ΜΕΤΑ ΤΗ ΛΗΨΗ ΜΕΤΡΩΝ=target_likelihood"),
            ("map", "ΣΟΒΑΡΟΤΗΤΑ ΜΕΤΑ ΤΗ ΛΗΨΗ ΜΕΤΡΩΝ=target_impact"),
        ];
        let res = app
            .post_bytes(
                &format!("/api/v1/risks/import?{}", q(&greek_map)),
                Auth::Bearer(&manager),
                greek.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let outcome = res.json();
        assert_eq!(outcome["header_row"], 4);
        assert_eq!(outcome["report"]["created"].as_array().unwrap().len(), 54);
        assert_eq!(outcome["ignored_rows"], json!([61, 67]));
    });
}

#[tokio::test]
async fn a_dry_run_names_the_ids_the_import_then_gives() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let csv = b"name,type,classification\nLaptop,hardware,internal\nWiki,service,internal\n";
        let dry = app
            .post_bytes(
                "/api/v1/assets/import?dry_run=true",
                Auth::Bearer(&manager),
                csv.to_vec(),
            )
            .await;
        assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
        assert_eq!(dry.json()["report"]["created"], json!(["A-0001", "A-0002"]));
        let done = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                csv.to_vec(),
            )
            .await;
        assert_eq!(
            done.json()["report"]["created"],
            json!(["A-0001", "A-0002"])
        );
    });
}

/// A row with more values than the header has columns (in a CSV, an unquoted comma inside a
/// value) is named with the value and its column, and nothing is written; before, every value
/// after the comma moved one column to the right without a word.
#[tokio::test]
async fn a_value_right_of_the_last_headed_column_is_named_not_shifted_silently() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let csv = "Asset Ref,Asset Name,Type,Owner,Classification\n\
                   SRV-1,File server,hardware,ops@example.org,internal\n\
                   SRV-2,Web, portal,service,web@example.org,confidential\n";
        let res = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                csv.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        // Every problem at once: the shifted values, and why they shifted.
        let details = res.json()["error"]["details"].clone();
        let shifted = details
            .as_array()
            .unwrap()
            .iter()
            .find(|d| d["field"] == "row 3, column F")
            .unwrap_or_else(|| panic!("the value right of the header is named: {details}"));
        assert_eq!(
            shifted["message"],
            "'confidential' is in column F, right of the last column with a header (Classification): a comma inside a value may have split it and moved the values after it; put that value in quotes"
        );
        assert!(
            details
                .as_array()
                .unwrap()
                .iter()
                .any(|d| d["field"] == "row 3, column Type"),
            "{details}"
        );
        let none = app
            .store
            .list_assets(&Default::default(), Default::default(), None, 1)
            .await
            .unwrap();
        assert_eq!(none.total, 0, "nothing is written");
        // Quoted, the same row imports.
        let fixed = csv.replace("Web, portal", "\"Web, portal\"");
        let res = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                fixed.into_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    });
}

/// An XLSX file made by a spreadsheet program: `rows` of text, with cells given as numbers
/// under a format (`(row, col, value, format)`), hidden rows and columns, and formulas whose
/// value was not saved (`(row, col, formula)`: the file of a program that computes none).
fn workbook_with(
    rows: &[&[&str]],
    numbers: &[(u32, u16, f64, &str)],
    hidden_rows: &[u32],
    hidden_cols: &[u16],
    formulas: &[(u32, u16, &str)],
) -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let ws = book.add_worksheet();
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    for (r, c, v, f) in numbers {
        let format = rust_xlsxwriter::Format::new().set_num_format(*f);
        ws.write_number_with_format(*r, *c, *v, &format).unwrap();
    }
    for r in hidden_rows {
        ws.set_row_hidden(*r).unwrap();
    }
    for c in hidden_cols {
        ws.set_column_hidden(*c).unwrap();
    }
    for (r, c, f) in formulas {
        ws.write_formula(*r, *c, *f).unwrap();
    }
    let bytes = book.save_to_buffer().unwrap();
    // Take the saved values off the formulas, as a program that computes none leaves them.
    let mut zin = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    for i in 0..zin.len() {
        let mut part = zin.by_index(i).unwrap();
        let name = part.name().unwrap().to_string();
        let mut content = Vec::new();
        std::io::Read::read_to_end(&mut part, &mut content).unwrap();
        if name.starts_with("xl/worksheets/") {
            let xml = String::from_utf8(content).unwrap();
            content = xml.replace("</f><v>0</v>", "</f>").into_bytes();
        }
        out.start_file(name, zip::write::SimpleFileOptions::default())
            .unwrap();
        std::io::Write::write_all(&mut out, &content).unwrap();
    }
    out.finish().unwrap().into_inner()
}

#[tokio::test]
async fn what_a_file_hides_or_encodes_is_told_never_lost() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;

        // A Czech CSV saved by Excel on Windows: Windows-1250, found from its words.
        let czech = "name,type,classification,owner\nÚčetní systém,software,internal,Jiří Dvořák\nŘídicí jednotka,hardware,internal,Šárka Žižková\n";
        let (bytes, _, _) = encoding_rs::WINDOWS_1250.encode(czech);
        let res = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                bytes.to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let o = res.json();
        assert_eq!(o["encoding"], "Windows-1250 (Central European)");
        let id = o["report"]["created"][0].as_str().unwrap().to_string();
        let a = app.store.asset(&id).await.unwrap();
        assert_eq!(
            (a.name.as_str(), a.owner.as_str()),
            ("Účetní systém", "Jiří Dvořák")
        );
        // Told to read it as Western European, it reads what that gives.
        let res = app
            .post_bytes(
                "/api/v1/assets/import?dry_run=true&encoding=windows-1252",
                Auth::Bearer(&manager),
                bytes.to_vec(),
            )
            .await;
        assert_eq!(res.json()["encoding"], "Windows-1252 (Western European)");
        let res = app
            .post_bytes(
                "/api/v1/assets/import?dry_run=true&encoding=klingon",
                Auth::Bearer(&manager),
                bytes.to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("'klingon' is not a character set"),
            "{}",
            res.body
        );
        // UTF-16 with its mark (Excel's "Unicode text").
        let mut utf16 = vec![0xFF, 0xFE];
        utf16.extend(
            "name,type,classification\nΔιακομιστής,hardware,internal\n"
                .encode_utf16()
                .flat_map(|u| u.to_le_bytes()),
        );
        let res = app
            .post_bytes("/api/v1/assets/import", Auth::Bearer(&manager), utf16)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let id = res.json()["report"]["created"][0]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(app.store.asset(&id).await.unwrap().name, "Διακομιστής");

        // A measure plan: control 5.10 stored as the number 5.1 under the format 0.00; row 4
        // hidden, column E (Cost) hidden.
        let plan = workbook_with(
            &[
                &["Measure", "Status", "Due date", "Owner", "Cost", "Controls"],
                &[
                    "Acceptable use rules",
                    "planned",
                    "2027-03-31",
                    "anna@example.com",
                    "100",
                ],
                &[
                    "Log review",
                    "planned",
                    "2027-04-30",
                    "anna@example.com",
                    "200",
                    "8.15",
                ],
                &[
                    "Old hidden row",
                    "planned",
                    "2027-05-31",
                    "anna@example.com",
                    "300",
                    "8.16",
                ],
            ],
            &[(1, 5, 5.1, "0.00")],
            &[3],
            &[4],
            &[],
        );
        let res = app
            .post_bytes(
                "/api/v1/measures/import?dry_run=true",
                Auth::Bearer(&manager),
                plan.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let o = res.json();
        let warnings = o["warnings"].to_string();
        assert!(
            warnings.contains("hidden in the file, read all the same: column E (Cost)"),
            "{warnings}"
        );
        assert!(
            warnings.contains("hidden in the file, read all the same: row 4"),
            "{warnings}"
        );
        assert_eq!(o["rows"], 3);
        let res = app
            .post_bytes(
                "/api/v1/measures/import?skip_hidden=true",
                Auth::Bearer(&manager),
                plan,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let o = res.json();
        assert_eq!(o["rows"], 2, "the hidden row is left out");
        assert!(
            o["columns"].to_string().contains("\"how\":\"hidden\""),
            "{}",
            o["columns"]
        );
        let created: Vec<String> = o["report"]["created"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_string())
            .collect();
        let first = app.store.measure(&created[0]).await.unwrap();
        assert_eq!(
            first
                .controls
                .iter()
                .map(|c| c.id.as_str())
                .collect::<Vec<_>>(),
            ["5.10"],
            "shown as 5.10, read as 5.10 — not 5.1"
        );
        assert_eq!(first.cost, None, "the hidden cost column is not read");

        // Levels the file computes with formulas nobody saved: named, nothing written.
        let risks = workbook_with(
            &[
                &["Risk", "Likelihood", "Impact", "Owner"],
                &["Ransomware", "3", "4", "anna@example.com"],
                &["Phishing", "2", "2", "anna@example.com"],
            ],
            &[],
            &[],
            &[],
            &[(1, 1, "=2+1"), (2, 1, "=1+1")],
        );
        let res = app
            .post_bytes("/api/v1/risks/import", Auth::Bearer(&manager), risks)
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body
                .contains("rows 2–3 hold a formula whose value was not saved with the file"),
            "{}",
            res.body
        );
        assert_eq!(app.store.risk_count().await.unwrap(), 0);

        // A Greek capital among Latin letters: the message says so, since the quote cannot.
        let res = app
            .post_bytes(
                "/api/v1/risks/import?dry_run=true",
                Auth::Bearer(&manager),
                "Title,Likelihood,Impact,Owner,Treatment\nRansomware,3,4,anna@example.com,\u{39C}odify\n"
                    .into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body
                .contains("(it holds the Greek letter \u{39C} (U+039C), not the Latin M)"),
            "{}",
            res.body
        );
    });
}

#[tokio::test]
async fn levels_a_risk_register_computed_are_compared_with_the_matrix_never_taken_silently() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let english = "\
ID,Risk Title,Likelihood (1-5),Impact,Risk Score,Risk Level,Residual Likelihood,Residual Impact,Residual Score,Residual Risk Level,Owner
R-1,Ransomware,4,5,20,Critical,2,4,8,Medium,anna@example.com
R-2,Phishing,2,2,4,Low,1,2,3,Low,anna@example.com
";
        let res = app
            .post_bytes(
                "/api/v1/risks/import?dry_run=true",
                Auth::Bearer(&manager),
                english.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = &res.json()["report"];
        assert_eq!(r["compared"], 8, "{r}");
        let differ: Vec<String> = r["recomputed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                format!(
                    "{} {} {}: {} / {}",
                    d["row"],
                    d["record"].as_str().unwrap(),
                    d["what"].as_str().unwrap(),
                    d["file"].as_str().unwrap(),
                    d["annex"].as_str().unwrap()
                )
            })
            .collect();
        assert_eq!(
            differ,
            [
                "2 R-1 residual level: Medium / High",
                "3 R-2 inherent level: Low / Medium",
                "3 R-2 residual score: 3 / 2 (likelihood × impact)",
            ],
            "{r}"
        );

        // German words for the levels: read by their height among the file's own words.
        let german = "\
ID,Risikotitel,Eintrittswahrscheinlichkeit,Auswirkung,Risikolevel,Eigentümer
R-3,Ausfall Rechenzentrum,4,5,Kritisch,anna@example.com
R-4,Laptop verloren,1,1,Niedrig,anna@example.com
R-5,Phishing,2,4,Mittel,anna@example.com
R-6,Insider,3,4,Hoch,anna@example.com
";
        let maps = format!(
            "map={}&map={}&map={}&map={}",
            enc("Risikotitel=title"),
            enc("Eintrittswahrscheinlichkeit=inherent_likelihood"),
            enc("Auswirkung=inherent_impact"),
            enc("Eigentümer=owner")
        );
        let res = app
            .post_bytes(
                &format!("/api/v1/risks/import?{maps}"),
                Auth::Bearer(&manager),
                german.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = &res.json()["report"];
        assert_eq!(r["compared"], 4, "{r}");
        let differ: Vec<&str> = r["recomputed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["record"].as_str().unwrap())
            .collect();
        assert_eq!(
            differ,
            ["R-5"],
            "Mittel for 2 × 4, which the matrix makes High: {r}"
        );
        let r5 = app.store.risk("R-5").await.unwrap();
        assert_eq!(r5.inherent.level, "high", "Annex keeps its own level");

        // The review shows the disagreement side by side.
        let browser = app.browser_as(Role::Manager).await;
        let res = app
            .post_file(
                "/risks/import",
                &browser,
                "register.csv",
                english.as_bytes(),
            )
            .await;
        let page = app.get(&review_path(&res), Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for text in [
            "Levels and scores your file computed",
            "<strong>3 of 8</strong> differ",
            "likelihood 2 × impact 4",
        ] {
            assert!(page.body.contains(text), "{text}: {}", page.body);
        }
    });
}

#[tokio::test]
async fn rows_without_ids_are_warned_about_and_can_update_records_of_the_same_name() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let csv = "name,type,classification,owner\nMail server,hardware,internal,anna@example.com\nΜισθοδοσία,software,confidential,anna@example.com\n";
        let res = app
            .post_bytes("/api/v1/assets/import", Auth::Bearer(&manager), csv.into())
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let o = res.json();
        assert_eq!(o["report"]["created"].as_array().unwrap().len(), 2);
        assert!(
            o["warnings"]
                .to_string()
                .contains("rows 2–3 have no id: each becomes a new asset"),
            "{}",
            o["warnings"]
        );
        // The same file again, matched by name (case ignored): the two assets are updated.
        let changed = csv.replace(
            "Mail server,hardware,internal,anna",
            "MAIL SERVER,hardware,internal,ben",
        );
        let res = app
            .post_bytes(
                "/api/v1/assets/import?match_by_name=true",
                Auth::Bearer(&manager),
                changed.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let o = res.json();
        let r = &o["report"];
        assert_eq!(
            (
                r["created"].as_array().unwrap().len(),
                r["updated"].as_array().unwrap().len(),
                r["unchanged"].as_array().unwrap().len()
            ),
            (0, 1, 1),
            "{o}"
        );
        assert!(
            o["warnings"]
                .to_string()
                .contains("2 rows without an id matched an existing asset of the same name"),
            "{}",
            o["warnings"]
        );
        let listed = app
            .get("/api/v1/assets", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(
            listed["items"].as_array().unwrap().len(),
            2,
            "nothing made again"
        );
    });
}

#[tokio::test]
async fn a_file_whose_levels_describe_another_matrix_can_have_it_adopted_with_the_import() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        // Rated before the import at likelihood 3 × impact 1: Low on Annex's matrix.
        let res = app
            .post_bytes(
                "/api/v1/risks/import",
                Auth::Bearer(&manager),
                "ID,Title,Likelihood,Impact,Owner\nR-0,Tailgating,3,1,anna@example.com\n".into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(app.store.risk("R-0").await.unwrap().inherent.level, "low");
        // The file's matrix puts its bands lower than Annex's: 3 is already Medium, 12 High.
        let file = "\
ID,Risk Title,Likelihood,Impact,Risk Level,Owner
R-1,Ransomware,4,5,Critical,anna@example.com
R-2,Shoulder surfing,1,3,Medium,anna@example.com
R-3,Phishing,2,3,Medium,anna@example.com
R-4,Lost badge,1,1,Low,anna@example.com
R-5,Insider,4,3,High,anna@example.com
R-6,Supplier breach,2,4,High,anna@example.com
R-7,Outage,3,4,High,anna@example.com
R-8,Data centre fire,3,5,Critical,anna@example.com
R-9,Weak passwords,2,2,Medium,anna@example.com
";
        let before = app
            .get("/api/v1/risk-matrix", Auth::Bearer(&manager))
            .await
            .json();

        // Offered, not taken.
        let res = app
            .post_bytes(
                "/api/v1/risks/import?dry_run=true",
                Auth::Bearer(&manager),
                file.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = &res.json()["report"];
        assert_eq!(r["recomputed"].as_array().unwrap().len(), 1, "{r}");
        assert!(r.get("matrix_adopted").is_none(), "{r}");
        let offered = &r["file_matrix"];
        assert_eq!(offered["observed"], 9, "{r}");
        assert_eq!(offered["inferred"], 16, "{r}");
        let names: Vec<&str> = offered["matrix"]["levels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|l| l["name"].as_str().unwrap())
            .collect();
        assert_eq!(names, ["Low", "Medium", "High", "Critical"]);
        assert_eq!(
            offered["matrix"]["grid"][0][2], "medium",
            "1 × 3 as the file rated it"
        );
        assert_eq!(
            offered["matrix"]["grid"][2][0], "medium",
            "3 × 1, not rated by the file: as 1 × 3, the nearest score"
        );

        // A dry run with the file's matrix changes nothing.
        let res = app
            .post_bytes(
                "/api/v1/risks/import?dry_run=true&adopt_matrix=true",
                Auth::Bearer(&manager),
                file.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = &res.json()["report"];
        assert_eq!(r["matrix_adopted"], true, "{r}");
        assert_eq!(r["compared"], 9, "{r}");
        assert!(
            r.get("recomputed").is_none(),
            "every level agrees on the file's matrix: {r}"
        );
        let after = app
            .get("/api/v1/risk-matrix", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(before, after, "a dry run writes nothing");

        // Bad values of the option are named.
        let res = app
            .post_bytes(
                "/api/v1/risks/import?adopt_matrix=perhaps",
                Auth::Bearer(&manager),
                file.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(res.body.contains("adopt_matrix"), "{}", res.body);

        // The command line offers it, and adopts it only when asked.
        let path = app.db.dir.path().join("register.csv");
        std::fs::write(&path, file).unwrap();
        let out = crate::soa_migrate::annex(
            &app.db,
            &["risk", "import", path.to_str().unwrap(), "--dry-run"],
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success(), "{text}");
        assert!(
            text.contains(
                "the file's levels describe another risk matrix (levels Low, Medium, High, Critical"
            ) && text.contains("--adopt-matrix adopts this one"),
            "{text}"
        );
        let out = crate::soa_migrate::annex(
            &app.db,
            &[
                "risk",
                "import",
                path.to_str().unwrap(),
                "--adopt-matrix",
                "--dry-run",
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(text.contains("would be replaced"), "{text}");

        // The import with it: one transaction, the matrix replaced, every risk relevelled.
        let res = app
            .post_bytes(
                "/api/v1/risks/import?adopt_matrix=true",
                Auth::Bearer(&manager),
                file.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["report"]["matrix_adopted"], true);
        let matrix = app
            .get("/api/v1/risk-matrix", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(matrix["grid"], offered["matrix"]["grid"]);
        assert_eq!(
            app.store.risk("R-2").await.unwrap().inherent.level,
            "medium"
        );
        assert_eq!(
            app.store.risk("R-0").await.unwrap().inherent.level,
            "medium",
            "a risk rated before follows the adopted grid"
        );
        let trail = app.audit_of("risk_matrix", 10).await;
        assert_eq!(trail.len(), 1, "the matrix's change is audited");
        // Imported again, the file agrees with the matrix: nothing more is offered.
        let res = app
            .post_bytes(
                "/api/v1/risks/import?dry_run=true",
                Auth::Bearer(&manager),
                file.into(),
            )
            .await;
        let r = &res.json()["report"];
        assert!(
            r.get("file_matrix").is_none() && r.get("recomputed").is_none(),
            "{r}"
        );
    });
}

#[tokio::test]
async fn the_review_offers_the_file_s_matrix_and_the_import_adopts_it() {
    on_every_database!(|app| {
        let browser = app.browser_as(Role::Manager).await;
        let file = "\
Risk Title,Likelihood,Impact,Risk Level,Owner
Ransomware,4,5,Critical,anna@example.com
Shoulder surfing,1,3,Medium,anna@example.com
Lost badge,1,1,Low,anna@example.com
Outage,3,4,High,anna@example.com
";
        let res = app
            .post_file("/risks/import", &browser, "register.csv", file.as_bytes())
            .await;
        let review = review_path(&res);
        let page = app.get(&review, Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for text in [
            "The risk matrix your file's levels describe",
            "Annex keeps its own matrix unless you adopt this one",
            "name=\"adopt_matrix\" value=\"1\"",
            "<svg class=\"matrix\"",
        ] {
            assert!(page.body.contains(text), "{text}: {}", page.body);
        }
        let page = app
            .get(&format!("{review}?adopt_matrix=1"), Auth::Browser(&browser))
            .await;
        assert!(
            page.body
                .contains("The import will replace Annex's risk matrix with this one"),
            "{}",
            page.body
        );
        assert!(
            page.body
                .contains("<input type=\"hidden\" name=\"adopt_matrix\" value=\"1\">"),
            "the import form carries the choice: {}",
            page.body
        );
        let done = app
            .post_form(&review, Auth::Browser(&browser), &[("adopt_matrix", "1")])
            .await;
        assert!(
            done.body.contains(
                "Annex's risk matrix was replaced by the one your file's levels describe"
            ),
            "{}",
            done.body
        );
        let m = app.store.risk_matrix().await.unwrap();
        assert_eq!(m.level_of(1, 3).unwrap().name, "Medium");
    });
}

#[tokio::test]
async fn a_csv_file_streams_through_the_upload_page_into_its_review_and_import_in_parts() {
    use crate::harness::{TestApp, databases};
    use annex::domain::clock::Clock;
    use std::fmt::Write as _;
    for db in databases().await {
        let backend = db.backend;
        let app = TestApp::spawn_with(db, |c| c.import_max_mb = 66, Clock::system()).await;
        app.set_up().await;
        let manager = app.browser_as(Role::Manager).await;
        let token = app.token_as(Role::Viewer).await;
        let form = app.get("/assets/import", Auth::Browser(&manager)).await;
        assert!(
            form.body
                .contains("up to 66 MB, read as it arrives, or XLSX up to 64 MB"),
            "the page names the configured limit: {}",
            form.body
        );

        // 15,000 assets (1.4 MB: the upload is kept in two parts), the last with a word of
        // theirs for its classification.
        let mut csv = String::from("Asset ID,Asset Name,Type,Owner,Classification\n");
        for i in 1..15_000 {
            writeln!(
                csv,
                "A-{i:05},Διακομιστής č. {i} 東京,hardware,ops@example.org,internal"
            )
            .unwrap();
        }
        csv.push_str("A-15000,Τελευταίος 最後,hardware,ops@example.org,geheim\n");
        assert!(csv.len() > 1024 * 1024, "{} bytes", csv.len());
        let review = review_path(
            &app.post_file("/assets/import", &manager, "cmdb.csv", csv.as_bytes())
                .await,
        );
        let first = app.get(&review, Auth::Browser(&manager)).await;
        assert_eq!(
            first.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            first.body
        );
        assert!(
            first.body.contains(
                "row 15001, column Classification: &#39;geheim&#39; is not a classification level"
            ),
            "the bad row at the end of the second part is named: {}",
            first.body
        );
        assert!(first.body.contains("<strong>15000</strong> rows read"));
        let values = "classification:geheim=confidential";
        let ready = app
            .get(
                &format!("{review}?values={}", enc(values)),
                Auth::Browser(&manager),
            )
            .await;
        assert_eq!(ready.status, StatusCode::OK, "{}", ready.body);
        assert!(
            ready.body.contains("15000 new, 0 updated, 0 unchanged"),
            "{}",
            ready.body
        );

        let done = app
            .post_form(&review, Auth::Browser(&manager), &[("values", values)])
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(
            done.body
                .contains("<strong>Done.</strong> 15000 created, 0 updated, 0 unchanged."),
            "{}",
            done.body
        );
        for (id, name, class) in [
            ("A-00001", "Διακομιστής č. 1 東京", "internal"),
            ("A-15000", "Τελευταίος 最後", "confidential"),
        ] {
            let a = app
                .get(&format!("/api/v1/assets/{id}"), Auth::Bearer(&token))
                .await
                .json();
            assert_eq!(a["name"], name, "the parts were put back in order: {a}");
            assert_eq!(a["classification"], class);
        }
        let again = app
            .post_form(&review, Auth::Browser(&manager), &[("values", values)])
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
        assert_eq!(
            app.get(&review, Auth::Browser(&manager)).await.status,
            StatusCode::NOT_FOUND,
            "the import consumed the upload and its parts"
        );

        // An upload left unreviewed goes, with its parts, after a day.
        let left = review_path(
            &app.post_file(
                "/assets/import",
                &manager,
                "left.csv",
                b"name,type\nNAS,hardware\n",
            )
            .await,
        );
        let later = time::OffsetDateTime::now_utc() + time::Duration::hours(25);
        let (store, _) = app.instance_with_clock(Clock::fixed(later)).await;
        let removed = annex::registers::imports::service::purge(&crate::harness::operator(&store))
            .await
            .unwrap();
        assert_eq!(removed, 1);
        assert_eq!(
            app.get(&left, Auth::Browser(&manager)).await.status,
            StatusCode::NOT_FOUND
        );

        // A workbook is read whole: past 64 MB it is refused, pointing to CSV; a CSV file
        // past the configured limit is refused naming it. Neither is kept.
        let mut workbook = b"PK\x03\x04".to_vec();
        workbook.resize(65 * 1024 * 1024, 0);
        let mut huge = csv.into_bytes();
        huge.resize(67 * 1024 * 1024, b'x');
        for (name, bytes, why) in [
            (
                "cmdb.xlsx",
                workbook,
                "the workbook has 65 MB: a spreadsheet of at most 64 MB can be imported at once; save it as CSV",
            ),
            (
                "cmdb.csv",
                huge,
                "the file is larger than 66 MB, the most an import takes here (import_max_mb)",
            ),
        ] {
            let refused = app
                .post_file("/assets/import", &manager, name, &bytes)
                .await;
            assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{name}");
            assert!(refused.body.contains(why), "{name}: {}", refused.body);
        }
        // The API's import streams the same way and names the same limit.
        let api = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&app.token_as(Role::Manager).await),
                vec![b'x'; 67 * 1024 * 1024],
            )
            .await;
        assert_eq!(api.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", api.body);
        assert!(api.body.contains("(import_max_mb)"), "{}", api.body);
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

/// What an import writes is stored as it was written, whatever characters it holds: on
/// PostgreSQL the rows go in by `copy … from stdin`, whose format gives the tab, the line
/// break and the backslash meanings of their own.
#[tokio::test]
async fn imported_text_keeps_tabs_line_breaks_backslashes_and_every_script() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let odd = [
            (
                "A-TAB",
                "Διακομιστής\tαρχείων",
                "first line\nsecond line\r\nthird",
            ),
            (
                "A-BSL",
                "C:\\Shares\\Λογιστήριο",
                "\\N is not empty, nor is \\\\N",
            ),
            (
                "A-JPN",
                "給与システム",
                "Ověřeno: \"quoted\", a comma, and \\t as written",
            ),
        ];
        let mut csv = String::from("Asset ID,Asset Name,Type,Classification,Description,Tags\n");
        for (id, name, description) in odd {
            let quote = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            csv.push_str(&format!(
                "{id},{},software,internal,{},{}\n",
                quote(name),
                quote(description),
                quote("tab\there, back\\slash")
            ));
        }
        let res = app
            .post_bytes(
                "/api/v1/assets/import",
                Auth::Bearer(&manager),
                csv.into_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        for (id, name, description) in odd {
            let got = app
                .get(&format!("/api/v1/assets/{id}"), Auth::Bearer(&manager))
                .await
                .json();
            assert_eq!(got["name"], name, "{id}");
            assert_eq!(got["description"], description, "{id}");
            assert_eq!(got["tags"], json!(["back\\slash", "tab\there"]), "{id}");
            assert_eq!(got["last_reviewed_on"], serde_json::Value::Null, "{id}");
        }
        let verified = app.store.verify_audit_trail().await.unwrap();
        assert!(
            verified.first_break.is_none() && verified.checked >= 3,
            "the audit entries read back hash as they were written: {verified:?}"
        );
    });
}
