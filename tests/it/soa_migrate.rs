//! Migrating a Statement of Applicability of 2013 into a 2022 draft, as people do it: through
//! the API, the upload → review → import pages and the command line, on every database. A
//! realistic file (title rows, merged controls that disagree, exclusions, mixed statuses), a
//! broken one that writes nothing, the roles that may import, and the real 2013 SoAs of the
//! reference spreadsheets when they are present.

use crate::harness::{Auth, TestApp, TestDb, databases};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};
use std::process::{Command, Output};

/// Last year's SoA as a small company keeps it: a title block, their headers, a column Annex
/// does not know, and a note below the table.
pub(crate) const SOA_2013: &str = "\
ACME Ltd — Statement of Applicability (ISO/IEC 27001:2013 Annex A)
\"Version 4, approved by the ISMS board on 2021-03-01\"

Annex A ref,Control,Applicable?,Reasons for inclusion,Justification for inclusion/exclusion,Implementation status,Owner,Evidence
A.5.1.1,Policies for information security,Yes,\"Risk assessment, legal\",An approved policy set is required by our clients,Implemented,ciso@acme.example,Policy v3
A.5.1.2,Review of the policies for information security,Yes,Best practice,An approved policy set is required by our clients,Partially implemented,ciso@acme.example,
A.6.1.1,Information security roles and responsibilities,Yes,Risk assessment,Roles are defined in the ISMS manual,Implemented,ciso@acme.example,
A.6.1.2,Segregation of duties,Yes,,Small team: compensating controls,Planned,,
A.6.2.1,Mobile device policy,Yes,Business,Staff use company laptops and phones,Implemented,it@acme.example,
A.6.2.2,Teleworking,Yes,Business,Most staff work from home,Partially implemented,it@acme.example,
A.8.1.1,Inventory of assets,Yes,Contractual,Customers ask for an asset register,Implemented,it@acme.example,
A.9.1.1,Access control policy,Yes,Risk assessment,Access to customer data must be controlled,Implemented,it@acme.example,
A.9.1.2,Access to networks and network services,No,,We run no network of our own: all services are SaaS,Not applicable,,
A.11.1.6,Delivery and loading areas,No,,We have no delivery or loading areas: the offices are serviced,N/A,,
A.12.3.1,Information backup,Yes,Risk assessment,Backups protect against ransomware,Implemented,ops@acme.example,
A.12.4.1,Event logging,Yes,\"Legal, contractual\",Logs are required by contracts,In progress,ops@acme.example,
A.12.6.1,Management of technical vulnerabilities,Yes,Risk assessment,Patch management,Not implemented,ops@acme.example,
A.14.2.1,Secure development policy,No,,We develop no software,N/A,,
A.14.2.5,Secure system engineering principles,No,,We develop no software,N/A,,
A.15.1.1,Information security policy for supplier relationships,Yes,Contractual,Suppliers handle customer data,Planned,procurement@acme.example,
A.16.1.1,Responsibilities and procedures,Yes,Legal,GDPR breach notification,Implemented,ciso@acme.example,
A.17.1.1,Planning information security continuity,Yes,Business,,Not started,,
A.18.1.1,Identification of applicable legislation and contractual requirements,Yes,Legal,We track our legal register,Implemented,legal@acme.example,
A.18.1.5,Regulation of cryptographic controls,Yes,Legal,Export rules for encryption,Implemented,legal@acme.example,

Notes: reviewed yearly by the ISMS board.
";

/// The same file with two broken rows: an id that is no 2013 control, and a status nobody
/// knows.
fn broken_soa() -> String {
    SOA_2013
        .replace("A.6.2.2,Teleworking", "A.19.1,Teleworking")
        .replace(
            "Patch management,Not implemented",
            "Patch management,Sort of",
        )
}

const NEW_IN_2022: [&str; 11] = [
    "5.7", "5.23", "5.30", "7.4", "8.9", "8.10", "8.11", "8.12", "8.16", "8.23", "8.28",
];

fn row<'a>(rows: &'a Value, id: &str) -> &'a Value {
    rows.as_array()
        .unwrap()
        .iter()
        .find(|r| r["control"]["id"] == id)
        .unwrap_or_else(|| panic!("no row {id}"))
}

fn to_decide<'a>(report: &'a Value, id: &str) -> Option<&'a Value> {
    report["needs_decision"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["control_id"] == id)
}

fn kinds(n: &Value) -> Vec<String> {
    n["why"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w["kind"].as_str().unwrap().to_string())
        .collect()
}

async fn soa_entries(app: &TestApp) -> Vec<annex::domain::audit::Entry> {
    app.audit_of("soa", 1000).await
}

async fn decided(app: &TestApp, token: &str) -> usize {
    let rows = app.get("/api/v1/soa", Auth::Bearer(token)).await.json();
    rows.as_array()
        .unwrap()
        .iter()
        .filter(|r| !r["applicability"]["applicable"].is_null())
        .count()
}

#[tokio::test]
async fn a_2013_soa_becomes_a_2022_draft_with_the_controls_left_to_decide() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        // Decided before the import: kept unless replaced.
        let res = app
            .put_json(
                "/api/v1/soa/iso27002-2022/8.13",
                Auth::Bearer(&manager),
                json!({"applicable": "yes", "reasons": ["legal"], "status": "planned", "owner": "dpo@acme.example"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        let dry = app
            .post_bytes(
                "/api/v1/soa/import-2013?dry_run=true",
                Auth::Bearer(&manager),
                SOA_2013.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(dry.status, StatusCode::OK, "{}", dry.body);
        let o = dry.json();
        assert_eq!(o["header_row"], 4, "found below the title rows");
        assert_eq!(o["rows"], 20);
        assert_eq!(o["ignored_rows"], json!([26, 26]), "the note is not read");
        let how = |header: &str| {
            o["columns"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["header"] == header)
                .map(|c| (c["field"].clone(), c["how"].as_str().unwrap().to_string()))
                .unwrap()
        };
        assert_eq!(how("Annex A ref"), (json!("control"), "matched".into()));
        assert_eq!(
            how("Justification for inclusion/exclusion"),
            (json!("justification"), "matched".into())
        );
        assert_eq!(how("Evidence"), (Value::Null, "unknown".into()));
        let r = &o["report"];
        assert_eq!(r["dry_run"], true);
        assert_eq!(r["controls_read"], 20);
        assert_eq!(r["kept"], json!(["8.13"]));
        assert_eq!(decided(&app, &manager).await, 1, "a dry run writes nothing");
        assert_eq!(soa_entries(&app).await.len(), 1);

        let res = app
            .post_bytes(
                "/api/v1/soa/import-2013",
                Auth::Bearer(&manager),
                SOA_2013.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = res.json()["report"].clone();
        assert_eq!(r["summary"], o["report"]["summary"], "the dry run said so");
        let s = &r["summary"];
        assert_eq!(
            (
                s["applicable"].as_u64(),
                s["excluded"].as_u64(),
                s["undecided"].as_u64()
            ),
            (Some(12), Some(3), Some(1)),
            "{r}"
        );
        assert_eq!(
            (s["created"].as_u64(), s["kept"].as_u64()),
            (Some(16), Some(1))
        );

        let rows = app.get("/api/v1/soa", Auth::Bearer(&manager)).await.json();
        // Two 2013 controls that agree make one: the least advanced status, one justification.
        let a = &row(&rows, "5.1")["applicability"];
        assert_eq!(a["applicable"], true);
        assert_eq!(a["status"], "partially_implemented");
        assert_eq!(
            a["reasons"],
            json!(["risk_treatment", "legal", "best_practice"])
        );
        assert_eq!(
            a["justification"],
            "An approved policy set is required by our clients"
        );
        assert_eq!(a["owner"], "ciso@acme.example");
        // Two that disagree: left undecided with both justifications, and listed.
        let a = &row(&rows, "5.15")["applicability"];
        assert!(a["applicable"].is_null());
        assert_eq!(
            a["justification"],
            "A.9.1.1: Access to customer data must be controlled\nA.9.1.2: We run no network of our own: all services are SaaS"
        );
        let n = to_decide(&r, "5.15").expect("5.15 needs a decision");
        assert_eq!(kinds(n), ["sources_disagree"]);
        assert_eq!(
            n["reasons"][0],
            "the 2013 controls disagree: A.9.1.1 applicable, A.9.1.2 excluded"
        );
        // An exclusion keeps its justification.
        let a = &row(&rows, "8.25")["applicability"];
        assert_eq!(
            (&a["applicable"], &a["exclusion_reason"], &a["status"]),
            (&json!(false), &json!("other"), &json!("not_applicable"))
        );
        assert_eq!(a["justification"], "We develop no software");
        // Applicable without a reason: no reason invented, flagged on the SoA and listed.
        let r53 = row(&rows, "5.3");
        assert_eq!(r53["applicability"]["applicable"], true);
        assert_eq!(r53["applicability"]["reasons"], json!([]));
        assert!(
            r53["warnings"]
                .as_array()
                .unwrap()
                .contains(&json!("no_reason")),
            "{r53}"
        );
        assert_eq!(kinds(to_decide(&r, "5.3").unwrap()), ["choose_reasons"]);
        assert_eq!(
            row(&rows, "8.15")["applicability"]["status"],
            "partially_implemented"
        );
        // The eleven controls new in 2022 are all listed, and stay undecided.
        for id in NEW_IN_2022 {
            let n = to_decide(&r, id).unwrap_or_else(|| panic!("{id} is not listed"));
            assert_eq!(kinds(n), ["new_in_2022"], "{id}");
            assert!(row(&rows, id)["applicability"]["applicable"].is_null());
        }
        let flagged: Vec<&str> = r["needs_decision"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| kinds(n) == ["new_in_2022"])
            .map(|n| n["control_id"].as_str().unwrap())
            .collect();
        assert_eq!(flagged, NEW_IN_2022);
        // The decided control was kept.
        let a = &row(&rows, "8.13")["applicability"];
        assert_eq!(
            (&a["status"], &a["reasons"]),
            (&json!("planned"), &json!(["legal"]))
        );
        // One audit entry per written decision, with the values after.
        let entries = soa_entries(&app).await;
        let imported: Vec<_> = entries
            .iter()
            .filter(|e| e.action == "soa.import_2013")
            .collect();
        assert_eq!(imported.len(), 16);
        assert!(
            imported
                .iter()
                .all(|e| e.before.as_deref().is_none_or(|b| b == "null") && e.after.is_some())
        );
        assert!(
            imported
                .iter()
                .any(|e| e.object_id == "iso27002-2022:5.1" && e.actor.starts_with("manager-"))
        );

        // Importing again changes nothing; with replace, the decided control is overwritten.
        let again = app
            .post_bytes(
                "/api/v1/soa/import-2013?replace=true",
                Auth::Bearer(&manager),
                SOA_2013.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(again.status, StatusCode::OK, "{}", again.body);
        let s = again.json()["report"]["summary"].clone();
        assert_eq!(
            (
                s["created"].as_u64(),
                s["updated"].as_u64(),
                s["unchanged"].as_u64(),
                s["kept"].as_u64()
            ),
            (Some(0), Some(1), Some(16), Some(0)),
            "{s}"
        );
        let a = app
            .get("/api/v1/soa/iso27002-2022/8.13", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(a["applicability"]["status"], "implemented");
        assert_eq!(a["applicability"]["reasons"], json!(["risk_treatment"]));
        let entries = soa_entries(&app).await;
        let replaced = entries
            .iter()
            .find(|e| e.action == "soa.import_2013" && e.object_id == "iso27002-2022:8.13")
            .unwrap();
        assert!(
            replaced
                .before
                .as_deref()
                .unwrap()
                .contains("dpo@acme.example")
        );
        assert_eq!(entries.len(), 1 + 16 + 1);
    });
}

#[tokio::test]
async fn a_file_with_a_broken_row_writes_nothing_and_names_the_row_and_column() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        for query in ["?dry_run=true", ""] {
            let res = app
                .post_bytes(
                    &format!("/api/v1/soa/import-2013{query}"),
                    Auth::Bearer(&manager),
                    broken_soa().into_bytes(),
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
            let details = res.json()["error"]["details"].clone();
            assert_eq!(
                details,
                json!([
                    {"field": "row 10, column Annex A ref", "message": "'A.19.1' is not a control of ISO/IEC 27002:2013"},
                    {"field": "row 17, column Implementation status", "message": "'Sort of' is not an implementation status: use implemented, partially implemented, planned, not implemented or not applicable"}
                ]),
                "{details}"
            );
        }
        assert_eq!(decided(&app, &manager).await, 0, "nothing was written");
        assert!(soa_entries(&app).await.is_empty(), "and nothing audited");
        let trail = app
            .store
            .audit_entries(&annex::domain::audit::AuditFilter::default(), 1000)
            .await
            .unwrap();
        assert!(trail.iter().all(|e| !e.action.starts_with("soa.")));
        // A bad query is named too.
        let res = app
            .post_bytes(
                "/api/v1/soa/import-2013?dry_run=perhaps&colour=red",
                Auth::Bearer(&manager),
                SOA_2013.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(res.body.contains("dry_run") && res.body.contains("colour"));
    });
}

#[tokio::test]
async fn only_managers_and_admins_import_a_2013_soa() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        for role in [Role::Contributor, Role::Viewer, Role::Auditor] {
            let token = app.token_as(role).await;
            let res = app
                .post_bytes(
                    "/api/v1/soa/import-2013?dry_run=true",
                    Auth::Bearer(&token),
                    SOA_2013.as_bytes().to_vec(),
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{role}: {}", res.body);
            let browser = app.browser_as(role).await;
            let page = app.get("/soa/import-2013", Auth::Browser(&browser)).await;
            assert_eq!(page.status, StatusCode::FORBIDDEN, "{role}");
            let soa = app.get("/soa", Auth::Browser(&browser)).await;
            assert!(!soa.body.contains("Import an SoA"), "{role} sees no link");
            let upload = app
                .post_file("/soa/import-2013", &browser, "soa.csv", SOA_2013.as_bytes())
                .await;
            assert_eq!(upload.status, StatusCode::FORBIDDEN, "{role}");
        }
        let token = app.token_as(Role::Admin).await;
        let res = app
            .post_bytes(
                "/api/v1/soa/import-2013?dry_run=true",
                Auth::Bearer(&token),
                SOA_2013.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let soa = app.get("/soa", Auth::Browser(&admin)).await;
        assert!(soa.body.contains("href=\"/soa/import\""));
        // The call is in the OpenAPI document.
        let doc = app.get("/api/v1/openapi.json", Auth::None).await.json();
        let op = &doc["paths"]["/api/v1/soa/import-2013"]["post"];
        assert!(op.is_object(), "{}", doc["paths"]);
        let params: Vec<&str> = op["parameters"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap())
            .collect();
        for p in ["dry_run", "replace", "sheet"] {
            assert!(params.contains(&p), "{params:?}");
        }
        // Every schema the report refers to is in the document.
        fn refs(v: &Value, out: &mut Vec<String>) {
            match v {
                Value::Object(m) => {
                    for (k, x) in m {
                        match (k.as_str(), x.as_str()) {
                            ("$ref", Some(r)) => out.push(r.to_string()),
                            _ => refs(x, out),
                        }
                    }
                }
                Value::Array(a) => a.iter().for_each(|x| refs(x, out)),
                _ => {}
            }
        }
        let mut all = Vec::new();
        refs(&doc, &mut all);
        assert_eq!(
            op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/SoaImportOutcome",
            "named apart from the register imports' outcome"
        );
        let outcome = &doc["components"]["schemas"]["SoaImportOutcome"];
        assert!(outcome["properties"]["report"].is_object(), "{outcome}");
        assert!(doc["components"]["schemas"]["Outcome"]["properties"]["register"].is_object());
        for r in all {
            let name = r.trim_start_matches("#/components/schemas/");
            assert!(
                doc["components"]["schemas"][name].is_object(),
                "{r} is not in the document"
            );
        }
    });
}

#[tokio::test]
async fn a_manager_uploads_a_2013_soa_reviews_the_draft_and_imports_it_once() {
    on_every_database!(|app| {
        app.set_up().await;
        let manager = app.browser_as(Role::Manager).await;
        let soa = app.get("/soa", Auth::Browser(&manager)).await;
        assert!(soa.body.contains("Import an SoA"), "{}", soa.body);
        let form = app.get("/soa/import-2013", Auth::Browser(&manager)).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("enctype=\"multipart/form-data\""));

        // A broken file: the review names the rows, and nothing can be imported.
        let res = app
            .post_file(
                "/soa/import-2013",
                &manager,
                "soa-2019.csv",
                broken_soa().as_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let broken = app.get(&res.location(), Auth::Browser(&manager)).await;
        assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            broken
                .body
                .contains("row 10, column Annex A ref: &#39;A.19.1&#39; is not a control of ISO/IEC 27002:2013")
                || broken
                    .body
                    .contains("row 10, column Annex A ref: &#x27;A.19.1&#x27; is not a control"),
            "{}",
            broken.body
        );
        assert!(!broken.body.contains("Import the draft"));

        let res = app
            .post_file(
                "/soa/import-2013",
                &manager,
                "soa-2020.csv",
                SOA_2013.as_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let review = res.location();
        assert!(review.starts_with("/soa/import-2013/"), "{review}");
        let page = app.get(&review, Auth::Browser(&manager)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        for text in [
            "Header on row 4",
            "<strong>20</strong> rows read",
            "20 controls of 2013 make 17 decisions",
            "controls need your decision",
            "11 new in 2022",
            "href=\"/soa/iso27002-2022/5.7\"",
            "href=\"/soa/iso27002-2022/5.15\"",
            "the 2013 controls disagree: A.9.1.1 applicable, A.9.1.2 excluded",
            "not recognised: not read",
            "Import the draft",
        ] {
            assert!(page.body.contains(text), "{text}: {}", page.body);
        }
        assert!(
            annex::registers::soa::service::rows(
                &crate::harness::operator(&app.store),
                "iso27002-2022"
            )
            .await
            .unwrap()
            .iter()
            .all(|r| r.applicability.applicable.is_none())
        );

        // Another manager cannot open someone else's upload; a forged form is refused.
        let other = app.browser_as(Role::Manager).await;
        assert_eq!(
            app.get(&review, Auth::Browser(&other)).await.status,
            StatusCode::FORBIDDEN
        );
        let forged = app
            .post_form(&review, Auth::Browser(&manager), &[("_csrf", "forged")])
            .await;
        assert_eq!(forged.status, StatusCode::BAD_REQUEST, "{}", forged.body);
        assert!(
            annex::registers::soa::service::rows(
                &crate::harness::operator(&app.store),
                "iso27002-2022"
            )
            .await
            .unwrap()
            .iter()
            .all(|r| r.applicability.applicable.is_none())
        );

        let done = app
            .post_form(
                &review,
                Auth::Browser(&manager),
                &[("sheet", ""), ("values", "")],
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert!(
            done.body
                .contains("<strong>Done.</strong> 17 decisions drafted (17 new"),
            "{}",
            done.body
        );
        let r = annex::registers::soa::service::row(
            &crate::harness::operator(&app.store),
            "iso27002-2022",
            "5.1",
        )
        .await
        .unwrap();
        assert_eq!(r.applicability.applicable, Some(true));
        // The upload was consumed: a second submission imports nothing.
        let again = app
            .post_form(&review, Auth::Browser(&manager), &[("sheet", "")])
            .await;
        assert_eq!(again.status, StatusCode::NOT_FOUND, "{}", again.body);
        let imported = soa_entries(&app)
            .await
            .into_iter()
            .filter(|e| e.action == "soa.import_2013")
            .count();
        assert_eq!(imported, 17);
        // The control's page shows what the import left to do.
        let page = app
            .get("/soa/iso27002-2022/5.3", Auth::Browser(&manager))
            .await;
        assert!(
            page.body
                .contains("applicable, but no reason for inclusion is recorded"),
            "{}",
            page.body
        );
    });
}

/// Runs the `annex` binary on a test database (as a person would on the command line).
pub(crate) fn annex(db: &TestDb, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_annex"))
        .arg("--data-dir")
        .arg(db.dir.path())
        .arg("--database")
        .arg(&db.url)
        .args(args)
        .env_remove("ANNEX_DATABASE_URL")
        .env_remove("ANNEX_DATA_DIR")
        .env("NO_COLOR", "1")
        .output()
        .expect("run annex")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).to_string()
}

/// A workbook with a cover sheet and the SoA on "Annex A", under a header of two rows: the
/// reasons for selection are ticked in columns LR, CO, BR, RRA.
fn workbook() -> Vec<u8> {
    let mut book = rust_xlsxwriter::Workbook::new();
    let cover = book.add_worksheet();
    cover.set_name("Cover").unwrap();
    cover.write_string(0, 0, "ACME Ltd ISMS").unwrap();
    let ws = book.add_worksheet();
    ws.set_name("Annex A").unwrap();
    let rows: &[&[&str]] = &[
        &["Statement of Applicability 2020"],
        &[],
        &[
            "Control",
            "Title",
            "Applicable",
            "Reasons for selection",
            "",
            "",
            "",
            "Justification for exclusion",
            "Status",
        ],
        &["", "", "", "LR", "CO", "BR", "RRA", "", ""],
        &["A.5", "Information security policies"],
        &[
            "A.5.1.1",
            "Policies for information security",
            "Y",
            "x",
            "",
            "",
            "x",
            "",
            "Implemented",
        ],
        &[
            "A.5.1.2",
            "Review of the policies",
            "Y",
            "",
            "",
            "x",
            "",
            "",
            "Implemented",
        ],
        &[
            "A.14.2.1",
            "Secure development policy",
            "N",
            "",
            "",
            "",
            "",
            "No development",
            "",
        ],
    ];
    for (r, cells) in rows.iter().enumerate() {
        for (c, v) in cells.iter().enumerate() {
            if !v.is_empty() {
                ws.write_string(r as u32, c as u16, *v).unwrap();
            }
        }
    }
    book.save_to_buffer().unwrap()
}

#[tokio::test]
async fn the_command_line_checks_a_2013_soa_then_imports_it() {
    for db in databases().await {
        assert!(annex(&db, &["init"]).status.success());
        let dir = tempfile::tempdir().unwrap();
        let csv = dir.path().join("soa-2019.csv");
        std::fs::write(&csv, SOA_2013).unwrap();
        let file = csv.to_str().unwrap();

        // The note below the table, after a blank row, stops the import until it is
        // acknowledged with --stop-at-blank.
        let stopped = annex(&db, &["soa", "import-2013", file, "--dry-run"]);
        assert!(!stopped.status.success());
        let err = String::from_utf8_lossy(&stopped.stderr);
        assert!(
            err.contains("row 26: row 26 comes after a blank row, which ends the table: remove the blank row to import it, or give --stop-at-blank to import only the rows above it"),
            "{err}"
        );
        let dry = annex(
            &db,
            &["soa", "import-2013", file, "--dry-run", "--stop-at-blank"],
        );
        let out = stdout(&dry);
        assert!(
            dry.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&dry.stderr)
        );
        for text in [
            "header on row 4, 20 rows",
            "Annex A ref → control (matched)",
            "not read (use --map 'Header=field' to read them): Evidence",
            "would write 17 drafts",
            "5.7 Threat intelligence: new in ISO/IEC 27002:2022",
            "5.15 Access control: the 2013 controls disagree: A.9.1.1 applicable, A.9.1.2 excluded",
            "dry run: nothing written",
        ] {
            assert!(out.contains(text), "{text}: {out}");
        }
        let listed = annex(
            &db,
            &["soa", "list", "--applicable", "yes", "--format", "csv"],
        );
        assert_eq!(
            stdout(&listed).lines().count(),
            1,
            "only the header: nothing written"
        );

        let done = annex(&db, &["soa", "import-2013", file, "--stop-at-blank"]);
        let out = stdout(&done);
        assert!(done.status.success(), "{out}");
        assert!(out.contains("wrote 17 drafts"), "{out}");
        assert!(!out.contains("dry run"));
        let shown = stdout(&annex(&db, &["soa", "show", "5.1"]));
        assert!(
            shown.contains("\"status\": \"partially_implemented\""),
            "{shown}"
        );

        // A second time, decided controls are kept; a broken file fails and writes nothing.
        let again = stdout(&annex(
            &db,
            &["soa", "import-2013", file, "--stop-at-blank"],
        ));
        assert!(again.contains("kept as decided (16;"), "{again}");
        std::fs::write(&csv, broken_soa()).unwrap();
        let bad = annex(
            &db,
            &["soa", "import-2013", file, "--replace", "--stop-at-blank"],
        );
        assert!(!bad.status.success());
        let err = String::from_utf8_lossy(&bad.stderr);
        assert!(
            err.contains(
                "row 10, column Annex A ref: 'A.19.1' is not a control of ISO/IEC 27002:2013"
            ),
            "{err}"
        );
        assert!(err.contains("2 problems in"), "{err}");

        // An XLSX workbook: the sheet asked for, a header of two rows with ticked reasons.
        let xlsx = dir.path().join("soa-2020.xlsx");
        std::fs::write(&xlsx, workbook()).unwrap();
        let done = annex(
            &db,
            &[
                "soa",
                "import-2013",
                xlsx.to_str().unwrap(),
                "--sheet",
                "Annex A",
                "--replace",
            ],
        );
        let out = stdout(&done);
        assert!(
            done.status.success(),
            "{out}{}",
            String::from_utf8_lossy(&done.stderr)
        );
        assert!(
            out.contains("sheet 'Annex A', header on rows 3 and 4, 4 rows"),
            "{out}"
        );
        assert!(out.contains("RRA → reason_risk (matched)"), "{out}");
        assert!(out.contains("1 rows are headings"), "{out}");
        let shown = stdout(&annex(&db, &["soa", "show", "5.1"]));
        assert!(
            shown.contains("\"risk_treatment\"")
                && shown.contains("\"legal\"")
                && shown.contains("\"business\""),
            "{shown}"
        );
        assert!(shown.contains("\"status\": \"implemented\""), "{shown}");
        let shown = stdout(&annex(&db, &["soa", "show", "8.25"]));
        assert!(
            shown.contains("\"justification\": \"No development\""),
            "{shown}"
        );
        db.cleanup().await;
    }
}

/// The real 2013 SoAs of the reference spreadsheets (`../shared/reference/spreadsheets`, when
/// present): a fintech's workbook whose header is split over two rows and whose control ids
/// Excel turned into dates, and a Greek one with Greek headers and ticks.
#[tokio::test]
async fn real_2013_soas_from_the_reference_spreadsheets_import_once_mapped() {
    let root =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference/spreadsheets");
    let fintech = root.join("mohammad-mo-02-fintech-soa-2013/Statement_of_Applicability.xlsx");
    let greek = root.join("chbandis-greek-diagnostic-centre/Statement_of_Applicability.xlsx");
    let (Ok(fintech), Ok(greek)) = (std::fs::read(&fintech), std::fs::read(&greek)) else {
        crate::harness::notice(
            "note: ../shared/reference/spreadsheets is absent: real 2013 SoA import SKIPPED",
        );
        return;
    };
    let enc = |s: &str| serde_urlencoded::to_string([("x", s)]).unwrap()[2..].to_string();
    let q = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| format!("{k}={}", enc(v)))
            .collect::<Vec<_>>()
            .join("&")
    };
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        // Ids are in "Section", titles in "Control"; "Applicability y/n" and "Justification"
        // label the columns from the row above.
        let maps = q(&[("map", "Section=control"), ("map", "Control=")]);
        let res = app
            .post_bytes(
                &format!("/api/v1/soa/import-2013?{maps}"),
                Auth::Bearer(&manager),
                fintech.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let o = res.json();
        assert_eq!(o["header_row"], 5);
        let r = &o["report"];
        assert_eq!(
            r["controls_read"], 114,
            "every control, the date-mangled ones too"
        );
        assert_eq!(
            (
                r["summary"]["applicable"].as_u64(),
                r["summary"]["excluded"].as_u64(),
                r["summary"]["undecided"].as_u64()
            ),
            (Some(80), Some(1), Some(1)),
            "{}",
            r["summary"]
        );
        let rows = app.get("/api/v1/soa", Auth::Bearer(&manager)).await.json();
        let a = &row(&rows, "8.24")["applicability"];
        assert_eq!(
            a["applicable"], true,
            "from 10.1.1 and 10.1.2, stored as dates"
        );
        assert!(!a["justification"].as_str().unwrap().is_empty());
        let new: Vec<&str> = r["needs_decision"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|n| kinds(n).contains(&"new_in_2022".to_string()))
            .map(|n| n["control_id"].as_str().unwrap())
            .collect();
        assert_eq!(new, NEW_IN_2022);

        // The Greek SoA: its headers and its words mapped; exclusions justified in Greek.
        let maps = q(&[
            ("map", "ΠΕΡΙΟΧΗ=control"),
            ("map", "ΕΦΑΡΜΟΖΕΤΑΙ=applicable"),
            ("map", "ΛΟΓΟΙ ΕΞΑΙΡΕΣΗΣ ΕΛΕΓΧΟΥ=exclusion_justification"),
            ("map", "ΠΕΡΙΓΡΑΦΗ ΥΛΟΠΟΙΗΣΗΣ / ΣΧΟΛΙΑ=justification"),
            ("map", "ΝΑ=reason_legal"),
            ("map", "ΑΣ=reason_contractual"),
            ("map", "ΕΔΚΑ=reason_risk"),
            ("value", "applicable:Ναι=yes"),
            ("value", "applicable:Όχι=no"),
        ]);
        let res = app
            .post_bytes(
                &format!("/api/v1/soa/import-2013?replace=true&{maps}"),
                Auth::Bearer(&manager),
                greek.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let o = res.json();
        assert_eq!(
            (o["header_row"].as_u64(), o["subheader_row"].as_u64()),
            (Some(4), Some(5))
        );
        assert_eq!(o["report"]["controls_read"], 114);
        let rows = app.get("/api/v1/soa", Auth::Bearer(&manager)).await.json();
        // A.6.1.4 (contact with special interest groups) is excluded, with its reason.
        let a = &row(&rows, "5.6")["applicability"];
        assert_eq!(a["applicable"], false);
        assert!(
            a["justification"]
                .as_str()
                .unwrap()
                .starts_with("Δεν υφίστανται"),
            "{a}"
        );
        // A.6.1.3 ticks legal, contractual and the risk assessment.
        let a = &row(&rows, "5.5")["applicability"];
        assert_eq!(
            a["reasons"],
            json!(["risk_treatment", "legal", "contractual"])
        );
    });
}
