//! Internal audit through the paths people take: a programme over a cycle, an audit planned
//! with its team checked for independence (an auditor who owns a control of the scope is
//! refused), its checklist generated from the scope with each item's state, results and
//! findings recorded by the auditor named on it (and refused to others), the audit completed
//! with a conclusion, the programme's coverage following, the report as PDF and XLSX, the
//! findings listed, exported and imported, the pages and the command line; on both databases.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn soa_owner(app: &TestApp, token: &str, control: &str, owner: &str) {
    let res = app
        .put_json(
            &format!("/api/v1/soa/iso27002-2022/{control}"),
            Auth::Bearer(token),
            json!({"applicable": "yes", "reasons": "risk_treatment", "status": "partially_implemented", "owner": owner}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
}

fn item<'a>(record: &'a Value, key: &str) -> &'a Value {
    record["checklist"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["key"] == key)
        .unwrap_or_else(|| panic!("no item {key} in {record}"))
}

#[tokio::test]
async fn an_independent_auditor_audits_clause_9_and_controls_5_15_to_5_18() {
    on_every_database!(|app| {
        let browser = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let auditor = app.add_user(Role::Auditor).await;
        let auditor_token = app.token_for(&auditor).await;
        let outsider = app.token_as(Role::Auditor).await;
        let today = app.store.today();
        let day = |n: i64| annex::domain::input::days_after(&today, n).unwrap();

        // A programme: three years from its first day unless told; bad input named.
        let res = app
            .post_json(
                "/api/v1/audit-programmes",
                Auth::Bearer(&manager),
                json!({"title": " ", "starts_on": "2026-02-30", "owner": "nobody"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let mut fields = res.fields();
        fields.sort();
        assert_eq!(fields, ["owner", "starts_on", "title"], "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/audit-programmes",
                Auth::Bearer(&manager),
                json!({"title": "Interní audity 2026–2028", "starts_on": day(-30), "owner": "CISO@example.org"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let p = res.json();
        assert_eq!(p["id"], "AP-0001");
        assert_eq!(
            p["ends_on"],
            annex::registers::internal_audit::domain::years_later(&day(-30), 3).unwrap()
        );

        // The auditor owns control 5.18: the plan is refused, naming it.
        soa_owner(&app, &manager, "5.18", &auditor).await;
        let plan = json!({"programme": "AP-0001", "title": "Αξιολόγηση επιδόσεων και πρόσβαση",
            "clauses": "9", "controls": "5.15–5.18", "starts_on": day(-1), "ends_on": day(1),
            "lead": auditor, "criteria": "ISO/IEC 27001:2022; access control policy"});
        let res = app
            .post_json(
                "/api/v1/internal-audits",
                Auth::Bearer(&manager),
                plan.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["lead"]);
        assert!(
            res.body.contains(&format!("{auditor} owns control 5.18")),
            "{}",
            res.body
        );
        // Other problems: a programme that is not there, dates outside the cycle, bad scope.
        let mut bad = plan.clone();
        bad["programme"] = json!("AP-0404");
        let res = app
            .post_json("/api/v1/internal-audits", Auth::Bearer(&manager), bad)
            .await;
        assert_eq!(res.fields(), ["programme"], "{}", res.body);
        let mut bad = plan.clone();
        bad["starts_on"] = json!(day(-400));
        let res = app
            .post_json("/api/v1/internal-audits", Auth::Bearer(&manager), bad)
            .await;
        assert_eq!(res.fields(), ["starts_on"], "{}", res.body);
        let mut bad = plan.clone();
        bad["clauses"] = json!("9, 11");
        bad["controls"] = json!("5.99");
        let res = app
            .post_json("/api/v1/internal-audits", Auth::Bearer(&manager), bad)
            .await;
        assert_eq!(res.fields(), ["clauses", "controls"], "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/internal-audits",
                Auth::Bearer(&viewer),
                plan.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        // Once someone else owns 5.18, the same auditor is independent.
        soa_owner(&app, &manager, "5.18", "owner@example.org").await;
        let res = app
            .post_json("/api/v1/internal-audits", Auth::Bearer(&manager), plan)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let a = res.json();
        assert_eq!(a["id"], "IA-0001");
        assert_eq!(a["clauses"], json!(["9.1", "9.2", "9.3"]));
        assert_eq!(a["controls"], json!(["5.15", "5.16", "5.17", "5.18"]));
        assert_eq!(a["status"], "planned");

        // The checklist: each clause and control with its state in Annex.
        let r = app
            .get("/api/v1/internal-audits/IA-0001", Auth::Bearer(&viewer))
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.header("etag"), Some("\"1\""));
        let r = r.json();
        assert_eq!(r["checklist"].as_array().unwrap().len(), 7);
        assert_eq!(r["conflicts"], json!([]));
        let c518 = item(&r, "control:5.18");
        assert_eq!(c518["state"], "applicable, partially implemented", "{c518}");
        assert!(
            c518["facts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f == "Owner: owner@example.org."),
            "{c518}"
        );
        assert_eq!(
            item(&r, "clause:9.1")["title"],
            "Monitoring, measurement, analysis and evaluation"
        );

        // Findings: refused to an auditor not on the team and to a viewer; a nonconformity
        // names its requirement; the auditor on the team records one, which starts the audit.
        let finding = json!({"audit": "IA-0001", "kind": "minor NC", "control": "5.18",
            "title": "アクセス権の見直しが2024年以降行われていない",
            "description": "Four of ten sampled accounts kept rights after a change of job",
            "requirement": "Access control policy §4", "owner": "Owner@example.org"});
        let res = app
            .post_json("/api/v1/findings", Auth::Bearer(&outsider), finding.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .post_json("/api/v1/findings", Auth::Bearer(&viewer), finding.clone())
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/findings",
                Auth::Bearer(&auditor_token),
                json!({"audit": "IA-0001", "kind": "major", "title": "x"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["clause"]);
        let res = app
            .post_json("/api/v1/findings", Auth::Bearer(&auditor_token), finding)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let f = res.json();
        assert_eq!(f["id"], "F-0001");
        assert_eq!(f["kind"], "minor");
        assert_eq!(f["owner"], "owner@example.org");
        assert_eq!(f["raised_by"], auditor.as_str());
        let a = app
            .get("/api/v1/internal-audits/IA-0001", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(a["audit"]["status"], "in_progress");

        // Checklist results: all or none, every bad one named.
        let res = app
            .put_json(
                "/api/v1/internal-audits/IA-0001/checklist",
                Auth::Bearer(&auditor_token),
                json!({"items": [{"key": "control:8.1", "result": "conforms"},
                    {"key": "clause:9.1", "result": "maybe"}]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["items.control:8.1", "result:clause:9.1"]);
        let res = app
            .put_json(
                "/api/v1/internal-audits/IA-0001/checklist",
                Auth::Bearer(&auditor_token),
                json!({"items": [{"key": "control:5.18", "result": "finding", "note": "see F-0001"},
                    {"key": "clause:9.1", "result": "conforms", "note": "Indikatoren monatlich gemessen"}]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = res.json();
        assert_eq!(item(&r, "control:5.18")["result"], "finding");
        assert_eq!(item(&r, "control:5.18")["findings"], json!(["F-0001"]));
        assert_eq!(item(&r, "clause:9.1")["checked_by"], auditor.as_str());
        let res = app
            .put_json(
                "/api/v1/internal-audits/IA-0001/checklist",
                Auth::Bearer(&outsider),
                json!({"items": [{"key": "clause:9.2", "result": "conforms"}]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        // Coverage while in progress: planned; completing needs a conclusion.
        let c = app
            .get(
                "/api/v1/audit-programmes/AP-0001/coverage",
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(c.status, StatusCode::OK, "{}", c.body);
        let c = c.json();
        assert_eq!(c["clauses_audited"], 0);
        let nine = c["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["id"] == "9.2")
            .unwrap();
        assert_eq!(nine["covered"], "planned");
        let mut body = app
            .get("/api/v1/internal-audits/IA-0001", Auth::Bearer(&manager))
            .await
            .json()["audit"]
            .clone();
        let rev = body["revision"].as_i64().unwrap();
        body.as_object_mut()
            .unwrap()
            .retain(|k, _| !["id", "updated_at", "revision", "completed_on"].contains(&k.as_str()));
        body["status"] = json!("completed");
        let res = app
            .put_json_if_match(
                "/api/v1/internal-audits/IA-0001",
                Auth::Bearer(&manager),
                body.clone(),
                &format!("\"{rev}\""),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["conclusion"]);
        body["conclusion"] =
            json!("Η παρακολούθηση λειτουργεί· μία δευτερεύουσα μη συμμόρφωση στο 5.18.");
        let res = app
            .put_json_if_match(
                "/api/v1/internal-audits/IA-0001",
                Auth::Bearer(&manager),
                body.clone(),
                &format!("\"{}\"", rev - 1),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "a stale write: {}",
            res.body
        );
        let res = app
            .put_json_if_match(
                "/api/v1/internal-audits/IA-0001",
                Auth::Bearer(&manager),
                body,
                &format!("\"{rev}\""),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["completed_on"], today.as_str());
        let c = app
            .get(
                "/api/v1/audit-programmes/AP-0001/coverage",
                Auth::Bearer(&viewer),
            )
            .await
            .json();
        assert_eq!(c["clauses_audited"], 3, "{c}");
        assert_eq!(
            (
                c["controls_audited"].as_i64(),
                c["controls"].as_array().unwrap().len()
            ),
            (Some(1), 1),
            "only 5.18 is applicable in this SoA: {c}"
        );

        // The report: a PDF with every script kept, and a workbook of three sheets.
        let (status, headers, pdf) = app
            .get_bytes(
                "/internal-audits/IA-0001/report.pdf",
                Auth::Browser(&browser),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(headers["content-type"], "application/pdf");
        if let Some(text) = crate::pdf_read::text(&pdf) {
            let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
            for want in [
                "Αξιολόγηση επιδόσεων",
                "アクセス権の見直し",
                "nonconformity",
                "Monitoring",
                "No auditor owns what the audit covers",
            ] {
                assert!(flat.contains(want), "{want} not in the PDF: {flat}");
            }
        }
        let (status, _, xlsx) = app
            .get_bytes(
                "/api/v1/internal-audits/IA-0001/report?format=xlsx",
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let grids = annex::exchange::sheet::read_file(&xlsx).unwrap();
        let names: Vec<&str> = grids.iter().filter_map(|g| g.sheet.as_deref()).collect();
        assert_eq!(names, ["Audit", "Checklist", "Findings"]);
        assert!(
            grids[1]
                .rows
                .iter()
                .any(|r| r[0] == "Control 5.18" && r[3] == "finding raised")
        );
        assert!(
            grids[2]
                .rows
                .iter()
                .any(|r| r[0] == "F-0001" && r[1] == "minor nonconformity")
        );
        let res = app
            .get(
                "/api/v1/internal-audits/IA-0001/report?format=docx",
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);

        // Findings: filtered, a bad filter named, a stale edit refused.
        let list = app
            .get(
                "/api/v1/findings?kind=minor&status=open",
                Auth::Bearer(&viewer),
            )
            .await
            .json();
        assert_eq!(list["total"], 1, "{list}");
        let res = app
            .get("/api/v1/findings?kind=worry", Auth::Bearer(&viewer))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        let got = app
            .get("/api/v1/findings/F-0001", Auth::Bearer(&viewer))
            .await;
        assert_eq!(got.header("etag"), Some("\"1\""));
        let mut fb = got.json();
        fb.as_object_mut()
            .unwrap()
            .retain(|k, _| !["id", "updated_at", "revision", "raised_by"].contains(&k.as_str()));
        fb["record"] = json!("R-0042");
        let res = app
            .put_json_if_match(
                "/api/v1/findings/F-0001",
                Auth::Bearer(&auditor_token),
                fb.clone(),
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .put_json_if_match(
                "/api/v1/findings/F-0001",
                Auth::Bearer(&manager),
                fb,
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);

        // Export and import back unchanged; bad rows named, nothing written.
        let (status, _, csv) = app
            .get_bytes("/findings.csv", Auth::Browser(&browser))
            .await;
        assert_eq!(status, StatusCode::OK);
        let res = app
            .post_bytes("/api/v1/findings/import", Auth::Bearer(&manager), csv)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            res.json()["report"]["unchanged"],
            json!(["F-0001"]),
            "{}",
            res.body
        );
        let sheet = "Audit,Art,Feststellung\nIA-0001,Beobachtung,Protokolle werden nicht ausgewertet\nIA-0404,OFI,Neu\n";
        let res = app
            .post_bytes(
                "/api/v1/findings/import",
                Auth::Bearer(&manager),
                sheet.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 3, column Audit") && res.body.contains("IA-0404"),
            "{}",
            res.body
        );
        let sheet = "Audit,Art,Feststellung,Maßnahme\nIA-0001,minor NC,Ohne Anforderung,\n";
        let res = app
            .post_bytes(
                "/api/v1/findings/import",
                Auth::Bearer(&manager),
                sheet.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 2")
                && res.body.contains("a nonconformity names the requirement"),
            "{}",
            res.body
        );
        let list = app
            .get("/api/v1/findings", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(list["total"], 1, "nothing written: {list}");
        let sheet =
            "Audit,Art,Feststellung\nIA-0001,Beobachtung,Protokolle werden nicht ausgewertet\n";
        let res = app
            .post_bytes(
                "/api/v1/findings/import",
                Auth::Bearer(&manager),
                sheet.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["report"]["created"], json!(["F-0002"]));

        // The pages, and a finding through the audit page's form.
        for (path, want) in [
            ("/internal-audits", "Interní audity 2026–2028"),
            ("/internal-audits/programmes/AP-0001", "clauses"),
            ("/internal-audits/IA-0001", "アクセス権の見直し"),
            ("/findings", "Protokolle werden nicht ausgewertet"),
            ("/findings/F-0001", "Access control policy §4"),
        ] {
            let page = app.get(path, Auth::Browser(&browser)).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(page.body.contains(want), "{path} lacks {want}");
        }
        let res = app
            .post_form(
                "/internal-audits/IA-0001/findings",
                Auth::Browser(&browser),
                &[
                    ("kind", "ofi"),
                    ("title", "Automate the access review"),
                    ("control", "5.18"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/findings/F-0003?notice=finding-saved");
        let res = app
            .post_form(
                "/internal-audits/IA-0001/findings",
                Auth::Browser(&browser),
                &[("kind", "minor"), ("title", "")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.body.contains("a nonconformity names the requirement"),
            "{}",
            res.body
        );

        // The trail.
        let trail = app
            .get(
                "/api/v1/audit?object_type=internal_audit&object_id=IA-0001",
                Auth::Bearer(&app.token_as(Role::Auditor).await),
            )
            .await
            .json();
        let actions: Vec<&str> = trail
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["action"].as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "internal_audit.update",
                "internal_audit.check",
                "internal_audit.check",
                "internal_audit.start",
                "internal_audit.create"
            ],
            "{trail}"
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
            "audit-programme",
            "coverage",
            "AP-0001",
            "--not-yet",
        ]));
        assert!(
            text.contains("3 of 25 clauses") && text.contains("clause 10.2"),
            "{text}"
        );
        assert!(!text.contains("clause 9.1 "), "{text}");
        let text = ok(annex(&["internal-audit", "show", "IA-0001"]));
        assert!(
            text.contains("control:5.18") && text.contains("F-0001"),
            "{text}"
        );
        let text = ok(annex(&["finding", "list", "--kind", "minor"]));
        assert!(
            text.contains("F-0001") && !text.contains("F-0002"),
            "{text}"
        );
        let out = annex(&[
            "internal-audit",
            "add",
            "--title",
            "x",
            "--programme",
            "AP-0001",
            "--starts-on",
            &day(0),
            "--lead",
            "nobody",
        ]);
        assert_eq!(out.status.code(), Some(3));
        let file = db.dir.path().join("report.pdf");
        let text = ok(annex(&[
            "internal-audit",
            "report",
            "IA-0001",
            "--out",
            file.to_str().unwrap(),
        ]));
        assert!(text.contains("IA-0001-report.pdf"), "{text}");
        assert!(std::fs::read(&file).unwrap().starts_with(b"%PDF"));
    });
}
