//! Business continuity through the paths people take: a BIA for Payroll gives RTO 3 days; its
//! system asset shows the required RTO and the gap against its last restore test; exercises
//! record what was achieved and become evidence for 5.30 (and 8.13); a plan is started from
//! the template as a document; bad input named, stale writes refused, roles kept; the command
//! line and the exports; on both databases.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn requirement(app: &TestApp, token: &str, asset: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/continuity/requirements?asset={asset}"),
            Auth::Bearer(token),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()[0].clone()
}

#[tokio::test]
async fn a_payroll_bia_sets_its_systems_rto_and_restore_tests_show_the_gap_and_become_evidence() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let viewer = app.token_as(Role::Viewer).await;
        let system = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&manager),
                json!({"name": "Σύστημα μισθοδοσίας", "asset_type": "Software", "classification": "Confidential"}),
            )
            .await;
        assert_eq!(system.status, StatusCode::CREATED, "{}", system.body);
        let system = system.json()["id"].as_str().unwrap().to_string();

        // Bad BIAs are named; only managers and admins write them.
        let res = app
            .post_json(
                "/api/v1/processes",
                Auth::Bearer(&manager),
                json!({"name": "Payroll", "impact_4h": 4, "impact_1d": 2, "impact_3d": "catastrophic",
                       "mtpd": "1 day", "rto": "3 days", "rpo": "soon", "assets": ["A-9999"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.fields(),
            ["impact_3d", "impact_1d", "rpo", "rto"],
            "{}",
            res.body
        );
        let res = app
            .post_json(
                "/api/v1/processes",
                Auth::Bearer(&manager),
                json!({"name": "Payroll", "assets": ["A-9999"]}),
            )
            .await;
        assert_eq!(res.fields(), ["assets"], "{}", res.body);
        let bia = json!({"name": "Payroll", "owner": "hr@example.com", "impact_4h": 1, "impact_1d": "2",
                         "impact_3d": 4, "impact_1w": 5, "mtpd": "1 week", "rto": "3 days", "rpo": 24,
                         "min_service": "pay everyone their last month's net", "assets": [system],
                         "suppliers": ["Τράπεζα Πειραιώς"], "roles": "Payroll clerk", "locations": "Αθήνα"});
        let res = app
            .post_json("/api/v1/processes", Auth::Bearer(&contributor), bia.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json("/api/v1/processes", Auth::Bearer(&manager), bia.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let p = res.json();
        let pid = p["id"].as_str().unwrap().to_string();
        assert_eq!(
            (p["rto_minutes"].as_i64(), p["rpo_minutes"].as_i64()),
            (Some(4320), Some(1440))
        );
        assert_eq!(p["impacts"], json!([1, 2, 4, 5]));

        // The system asset must be back in 3 days; it was never tested.
        let r = requirement(&app, &viewer, &system).await;
        assert_eq!(r["required_rto_minutes"], 4320, "{r}");
        assert_eq!(r["rto_set_by"], pid.as_str());
        assert!(
            r["gaps"][0].as_str().unwrap().contains("never tested"),
            "{r}"
        );
        let browser = app.browser_as(Role::Viewer).await;
        let page = app
            .get(&format!("/assets/{system}"), Auth::Browser(&browser))
            .await;
        assert!(
            page.body.contains("Required RTO") && page.body.contains("3 days"),
            "{}",
            page.body
        );

        // Readiness names what to do: the asset was never tested, the process has no plan.
        let r = app
            .get("/api/v1/readiness", Auth::Bearer(&viewer))
            .await
            .json();
        let next: Vec<&str> = r["next"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|n| n["what"].as_str())
            .collect();
        for what in [
            "assets not shown to recover as fast as their processes require",
            "business processes without a continuity plan",
        ] {
            assert!(next.contains(&what), "{what}: {next:?}");
        }

        // A restore test that took 5 days: the gap is named on the asset.
        let res = app
            .post_json(
                "/api/v1/exercises",
                Auth::Bearer(&contributor),
                json!({"title": "Restore", "kind": "restore_test", "result": "passed"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["assets", "achieved_rto"]);
        let res = app
            .post_json(
                "/api/v1/exercises",
                Auth::Bearer(&viewer),
                json!({"title": "Restore", "kind": "restore_test", "result": "passed"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json(
                "/api/v1/exercises",
                Auth::Bearer(&contributor),
                json!({"title": "Payroll restore from tape", "kind": "restore_test", "held_on": "2026-01-15",
                       "process": pid, "assets": [system], "result": "passed_with_findings",
                       "achieved_rto": "5 days", "achieved_rpo": "4h",
                       "findings": "Tapes were off site.\n- Keep a recent backup on disk on site"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let slow = res.json();
        assert_eq!(slow["measures"].as_array().unwrap().len(), 1, "{slow}");
        let r = requirement(&app, &viewer, &system).await;
        assert_eq!(r["tested_by"], slow["id"]);
        let gap = r["gaps"][0].as_str().unwrap();
        assert!(gap.contains("5 days") && gap.contains("3 days"), "{gap}");
        let page = app
            .get(&format!("/assets/{system}"), Auth::Browser(&browser))
            .await;
        assert!(page.body.contains("recovery took 5 days"), "{}", page.body);

        // A faster restore test closes the gap; it is evidence for 5.30 and 8.13.
        let res = app
            .post_json(
                "/api/v1/exercises",
                Auth::Bearer(&contributor),
                json!({"title": "Payroll restore from disk", "kind": "technical restore test",
                       "process": pid, "assets": system, "result": "passed", "achieved_rto": 48, "achieved_rpo": "4 hours"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let fast = res.json();
        let r = requirement(&app, &viewer, &system).await;
        assert_eq!(r["tested_by"], fast["id"]);
        assert_eq!(r["achieved_rto_minutes"], 2880);
        assert_eq!(r["gaps"], json!([]), "{r}");
        let evidence = fast["evidence"].as_str().unwrap();
        for control in ["5.30", "8.13"] {
            let list = app
                .get(
                    &format!("/api/v1/evidence?control={control}"),
                    Auth::Bearer(&viewer),
                )
                .await
                .json();
            assert!(
                list["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["id"] == evidence),
                "{control}: {list}"
            );
        }
        // A tabletop exercise is evidence for 5.30 too; a failed one files none.
        let res = app
            .post_json(
                "/api/v1/exercises",
                Auth::Bearer(&manager),
                json!({"title": "Ransomware tabletop", "kind": "tabletop", "process": pid, "result": "failed",
                       "findings": "Nobody knew who calls the bank.\n- Put the bank's contact in the plan"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["evidence"], Value::Null);

        // A plan started from the template is a document to write, approve and publish.
        let revision = app
            .get(&format!("/api/v1/processes/{pid}"), Auth::Bearer(&manager))
            .await
            .json()["revision"]
            .as_i64()
            .unwrap();
        let res = app
            .post_json(
                &format!("/api/v1/processes/{pid}/plans"),
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let plan = res.json()["plan"].as_str().unwrap().to_string();
        let doc = app
            .get(&format!("/api/v1/documents/{plan}"), Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(doc["kind"], "plan", "{doc}");
        assert_eq!(doc["title"], "Continuity plan: Payroll");
        assert_eq!(doc["template"], "continuity-plan");
        let res = app
            .post_json(
                &format!("/api/v1/processes/{pid}/plans"),
                Auth::Bearer(&manager),
                json!({"document": plan}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = app
            .post_json(
                &format!("/api/v1/processes/{pid}/plans"),
                Auth::Bearer(&manager),
                json!({"document": "DOC-NONE"}),
            )
            .await;
        assert_eq!(res.fields(), ["document"]);

        // A stale edit is refused; an edit with the right revision applies.
        let mut edit = bia.clone();
        edit["rto"] = json!("1 day");
        let stale = app
            .send(
                axum::http::Request::put(format!("/api/v1/processes/{pid}"))
                    .header("authorization", format!("Bearer {manager}"))
                    .header("content-type", "application/json")
                    .header("if-match", format!("\"{revision}\""))
                    .body(axum::body::Body::from(edit.to_string()))
                    .unwrap(),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        let res = app
            .put_json(
                &format!("/api/v1/processes/{pid}"),
                Auth::Bearer(&manager),
                edit,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = requirement(&app, &viewer, &system).await;
        assert!(
            r["gaps"][0].as_str().unwrap().contains("2 days"),
            "2 days no longer meets 1 day: {r}"
        );

        // The pages: the overview with its dependency view, the process, the exports.
        let page = app.get("/continuity", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("<svg class=\"chart deps\"")
                && page.body.contains("Σύστημα μισθοδοσίας"),
            "{}",
            page.body
        );
        let page = app
            .get(
                &format!("/continuity/processes/{pid}"),
                Auth::Browser(&browser),
            )
            .await;
        assert!(
            page.body.contains("Continuity plan: Payroll"),
            "{}",
            page.body
        );
        let csv = app
            .get("/continuity/processes.csv", Auth::Browser(&browser))
            .await;
        assert!(
            csv.body.contains("1 day")
                && csv.body.contains("Τράπεζα Πειραιώς")
                && csv.body.contains("Major"),
            "{}",
            csv.body
        );
        let trail = app.audit_of("process", 20).await;
        for action in ["process.create", "process.update", "process.plan"] {
            assert!(trail.iter().any(|e| e.action == action), "{action}");
        }
        assert!(
            app.audit_of("exercise", 20)
                .await
                .iter()
                .any(|e| e.action == "exercise.record")
        );
    });
}

#[tokio::test]
async fn processes_and_exercises_are_kept_on_their_pages_and_on_the_command_line() {
    on_every_database!(|app| {
        let manager = app.browser_as(Role::Manager).await;
        let viewer = app.browser_as(Role::Viewer).await;
        let page = app.get("/continuity", Auth::Browser(&manager)).await;
        assert!(page.body.contains("No process yet"), "{}", page.body);
        let res = app
            .post_form(
                "/continuity/processes",
                Auth::Browser(&viewer),
                &[("name", "Orders")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_form(
                "/continuity/processes",
                Auth::Browser(&manager),
                &[("name", "Παραγγελίες"), ("rto", "forever")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("Παραγγελίες") && res.body.contains("not a duration"));
        let res = app
            .post_form(
                "/continuity/processes",
                Auth::Browser(&manager),
                &[("name", "Παραγγελίες"), ("rto", "4h"), ("impact_1d", "3")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let at = res.location();
        let pid = at
            .trim_start_matches("/continuity/processes/")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let page = app.get(&at, Auth::Browser(&manager)).await;
        assert!(page.body.contains("4 hours"), "{}", page.body);

        // A plan from the page goes to the new document.
        let res = app
            .post_form(
                &format!("/continuity/processes/{pid}/plans"),
                Auth::Browser(&manager),
                &[("document", ""), ("revision", "1")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert!(
            res.location().starts_with("/documents/"),
            "{}",
            res.location()
        );

        // The exercise form names what is wrong and keeps what was typed.
        let res = app
            .post_form(
                "/continuity/exercises",
                Auth::Browser(&manager),
                &[
                    ("title", "Ασκηση"),
                    ("kind", "restore_test"),
                    ("result", "passed"),
                    ("held_on", "2099-01-01"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("Ασκηση") && res.body.contains("a day to come"));
        let res = app
            .post_form(
                "/continuity/exercises",
                Auth::Browser(&manager),
                &[
                    ("title", "Orders walkthrough"),
                    ("kind", "walkthrough"),
                    ("result", "passed"),
                    ("process", &pid),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get(&res.location(), Auth::Browser(&viewer)).await;
        assert!(
            page.body.contains("walkthrough") && page.body.contains("5.29, 5.30"),
            "{}",
            page.body
        );

        // The command line.
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let ok = |out: std::process::Output| {
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).to_string()
        };
        let text = ok(annex(&[
            "process", "add", "--name", "Payroll", "--id", "PAY", "--rto", "3 days", "--mtpd",
            "1 week",
        ]));
        assert!(text.contains("added PAY"), "{text}");
        let out = annex(&["process", "edit", "PAY", "--rto", "2 weeks"]);
        assert_eq!(out.status.code(), Some(3), "RTO beyond MTPD");
        let text = ok(annex(&["process", "list"]));
        assert!(
            text.contains("Payroll") && text.contains("3 days"),
            "{text}"
        );
        let text = ok(annex(&["plan", "new", "PAY"]));
        assert!(text.contains("is a plan of PAY"), "{text}");
        let text = ok(annex(&[
            "exercise",
            "record",
            "--title",
            "Payroll tabletop",
            "--kind",
            "tabletop",
            "--result",
            "passed",
            "--process",
            "PAY",
        ]));
        assert!(text.contains("for controls 5.29, 5.30"), "{text}");
        let text = ok(annex(&["exercise", "list", "--format", "csv"]));
        assert!(
            text.contains("tabletop exercise") && text.contains("Achieved RTO"),
            "{text}"
        );
        // An export imports back unchanged; a file with a bad row writes nothing.
        let file = db.dir.path().join("bia.csv");
        let f = file.to_str().unwrap();
        ok(annex(&["process", "export", "--format", "csv", "--out", f]));
        let text = ok(annex(&["process", "import", f]));
        assert!(text.contains("unchanged 2"), "{text}");
        let csv = std::fs::read_to_string(&file).unwrap();
        let changed = format!(
            "{}X-NEW,Μισθοδοσία Β{}soon{}\n",
            csv.replace(",3 days,", ",2 days,"),
            ",".repeat(8),
            ",".repeat(8)
        );
        std::fs::write(&file, &changed).unwrap();
        let out = annex(&["process", "import", f]);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(said.contains("row 4") && said.contains("rto"), "{said}");
        let text = ok(annex(&["process", "show", "PAY"]));
        assert!(text.contains("RTO 3 days"), "nothing was written: {text}");
        std::fs::write(&file, csv.replace(",3 days,", ",2 days,")).unwrap();
        let text = ok(annex(&["process", "import", f]));
        assert!(text.contains("updated 1"), "{text}");
        let text = ok(annex(&["process", "show", "PAY"]));
        assert!(text.contains("RTO 2 days"), "{text}");
        let text = ok(annex(&["process", "requirements", "--format", "json"]));
        assert_eq!(text.trim(), "[]", "no process depends on an asset");
        // Exercises export and import back unchanged; a new row is recorded.
        let file = db.dir.path().join("exercises.xlsx");
        let f = file.to_str().unwrap();
        ok(annex(&[
            "exercise", "export", "--format", "xlsx", "--out", f,
        ]));
        let text = ok(annex(&["exercise", "import", f]));
        assert!(text.contains("unchanged"), "{text}");
        let file = db.dir.path().join("exercises.csv");
        let f = file.to_str().unwrap();
        std::fs::write(
            &file,
            "title,kind,held_on,result\nΆσκηση εκκένωσης,walkthrough,2025-10-01,passed\n",
        )
        .unwrap();
        let text = ok(annex(&["exercise", "import", f, "--dry-run"]));
        assert!(text.contains("would create 1"), "{text}");
        let text = ok(annex(&["exercise", "import", f]));
        assert!(text.contains("created 1"), "{text}");
        let text = ok(annex(&["exercise", "list"]));
        assert!(text.contains("Άσκηση εκκένωσης"), "{text}");
    });
}
