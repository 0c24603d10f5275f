//! Bringing incidents and exercises in from spreadsheets, and the risks an incident's lessons
//! register: an export imports back unchanged, a ticket system's log becomes incidents as they
//! stand (a closed one with its lessons), a bad file is named row by row and writes nothing,
//! an import never moves an incident's status or rewrites an exercise that was held; on both
//! databases, through the API, the pages and the command line.

use crate::harness::{Auth, TestApp};
use crate::incidents::{record, reported};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn total(app: &TestApp, token: &str, path: &str) -> u64 {
    let res = app.get(path, Auth::Bearer(token)).await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["total"].as_u64().unwrap()
}

fn report_of(res: &crate::harness::Res) -> Value {
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["report"].clone()
}

fn count(report: &Value, what: &str) -> usize {
    report[what].as_array().map(Vec::len).unwrap_or(0)
}

#[tokio::test]
async fn incidents_import_as_they_stand_and_an_export_imports_back_unchanged() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let browser = app.browser_as(Role::Manager).await;
        let asset = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&manager),
                json!({"id": "CRM", "name": "顧客管理システム", "asset_type": "software", "classification": "confidential"}),
            )
            .await;
        assert_eq!(asset.status, StatusCode::CREATED, "{}", asset.body);
        let res = app
            .put_json(
                "/api/v1/incidents/regimes/gdpr",
                Auth::Bearer(&manager),
                json!({"enabled": true}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // One incident recorded in Annex, triaged.
        let res = app
            .post_json(
                "/api/v1/incidents",
                Auth::Bearer(&manager),
                json!({"title": "Ύποπτη σύνδεση στο CRM", "description": "Σύνδεση από άγνωστη χώρα"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let first = res.json()["id"].as_str().unwrap().to_string();
        let res = app
            .put_json(
                &format!("/api/v1/incidents/{first}/triage"),
                Auth::Bearer(&manager),
                json!({"classification": "incident", "reason": "an account was used from abroad", "category": "unauthorised_access", "severity": "medium", "assets": ["CRM"], "suppliers": ["Hosting, Inc."], "people": ["sales team"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // Its export imports back unchanged (CSV and XLSX).
        for path in ["/incidents.csv", "/incidents.xlsx"] {
            let (status, _, bytes) = app.get_bytes(path, Auth::Browser(&browser)).await;
            assert_eq!(status, StatusCode::OK);
            let res = app
                .post_bytes("/api/v1/incidents/import", Auth::Bearer(&manager), bytes)
                .await;
            let report = report_of(&res);
            assert_eq!(count(&report, "unchanged"), 1, "{path}: {report}");
            assert_eq!(count(&report, "updated"), 0, "{path}: {report}");
        }

        // A ticket system's log: a closed incident with its lessons, an open one, in other
        // scripts; its own headers and words.
        let log = "Ticket,Summary,State,Type,Reason,Category,Priority,PII,Systems,Reported,Closed,Lessons learned,Root cause\n\
                   HD-7,Phishing-Welle im Vertrieb,closed,incident,Zugangsdaten eingegeben,phishing,high,yes,CRM,2026-03-02 08:15 UTC,2026-03-09T17:00,Schulung wiederholen,kein MFA\n\
                   HD-9,ノートPCの紛失,triaged,incident,顧客データを含む,lost or stolen device,critical,no,,2026-11-20 10:00 UTC,,,\n\
                   ,Badge found at the door,,,,,,,,,,,\n";
        let res = app
            .post_bytes(
                "/api/v1/incidents/import?dry_run=true",
                Auth::Bearer(&manager),
                log.into(),
            )
            .await;
        assert_eq!(count(&report_of(&res), "created"), 3);
        assert_eq!(
            total(&app, &manager, "/api/v1/incidents").await,
            1,
            "a dry run writes nothing"
        );
        let res = app
            .post_bytes(
                "/api/v1/incidents/import",
                Auth::Bearer(&contributor),
                log.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_bytes(
                "/api/v1/incidents/import",
                Auth::Bearer(&manager),
                log.into(),
            )
            .await;
        let report = report_of(&res);
        assert_eq!(
            report["created"],
            json!(["HD-7", "HD-9", "INC-0002"]),
            "{report}"
        );
        let hd7 = record(&app, &manager, "HD-7").await;
        let i = &hd7["incident"];
        assert_eq!(i["status"], "closed", "{hd7}");
        assert_eq!(i["severity"], "high");
        assert_eq!(i["personal_data"], true);
        assert_eq!(i["restricted"], true, "personal data restricts it");
        assert_eq!(i["assets"], json!(["CRM"]));
        assert_eq!(i["reported_via"], "import");
        assert_eq!(i["reported_at"], "2026-03-02T08:15:00.000000Z");
        assert_eq!(i["closed_at"], "2026-03-09T17:00:00.000000Z");
        assert_eq!(i["lessons"], "Schulung wiederholen");
        let said = hd7["timeline"][0]["text"].as_str().unwrap();
        assert!(said.starts_with("Imported as closed"), "{said}");
        let hd9 = record(&app, &manager, "HD-9").await;
        assert_eq!(hd9["incident"]["title"], "ノートPCの紛失");
        assert_eq!(hd9["incident"]["category"], "lost_device");
        let badge = record(&app, &manager, "INC-0002").await;
        assert_eq!(badge["incident"]["status"], "reported");

        // Bad files name each row and field, and write nothing: a closed incident without
        // its lessons; an asset Annex does not have, a status an import would move, a
        // switched-off regime on an open incident.
        let bad = "title,status,classification,reason,category,severity,closed_at\n\
                   Lost phone,closed,incident,had mail,lost_device,low,2026-11-01 10:00 UTC\n";
        let res = app
            .post_bytes(
                "/api/v1/incidents/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("row 2, column lessons"), "{}", res.body);
        let bad = format!(
            "id,title,status,classification,reason,category,severity,assets,regimes\n\
             ,Server down,triaged,incident,outage,denial_of_service,high,NOPE,\n\
             {first},Ύποπτη σύνδεση στο CRM,contained,incident,x,unauthorised_access,medium,CRM,\n\
             ,Breach,triaged,incident,data out,data_disclosure,high,,nis2\n"
        );
        let res = app
            .post_bytes(
                "/api/v1/incidents/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        for named in [
            "row 2, column assets",
            "row 3, column status",
            "row 4, column regimes",
        ] {
            assert!(res.body.contains(named), "{named}: {}", res.body);
        }
        assert_eq!(total(&app, &manager, "/api/v1/incidents").await, 4);

        // An import updates what it may: the triage and description, on the timeline.
        let (_, _, csv) = app
            .get_bytes("/incidents.csv", Auth::Browser(&browser))
            .await;
        let csv = String::from_utf8(csv).unwrap().replace(
            "Σύνδεση από άγνωστη χώρα",
            "Σύνδεση από άγνωστη χώρα δύο φορές",
        );
        let res = app
            .post_bytes(
                "/api/v1/incidents/import",
                Auth::Bearer(&manager),
                csv.into(),
            )
            .await;
        let report = report_of(&res);
        assert_eq!(report["updated"], json!([first.clone()]), "{report}");
        assert_eq!(count(&report, "unchanged"), 3, "{report}");
        let r = record(&app, &manager, &first).await;
        assert_eq!(r["incident"]["status"], "triaged");
        assert_eq!(r["incident"]["suppliers"], json!(["Hosting, Inc."]));
        let last = r["timeline"].as_array().unwrap().last().unwrap().clone();
        assert_eq!(last["text"], "Changed by an import: description.", "{last}");
        let trail = app.audit_of("incident", 50).await;
        assert!(trail.iter().any(|e| e.action == "incident.import"));

        // The page: an import button for managers, the upload form, a review, the import.
        let page = app.get("/incidents", Auth::Browser(&browser)).await;
        assert!(page.body.contains("href=\"/incidents/import\""));
        let page = app.get("/incidents/import", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("action=\"/incidents/import\""));
        let res = app
            .post_file(
                "/incidents/import",
                &browser,
                "log.csv",
                "title,description\nΚλεμμένο κινητό,στο μετρό\n".as_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let review = app.get(&res.location(), Auth::Browser(&browser)).await;
        assert!(
            review.body.contains("href=\"/incidents\""),
            "{}",
            review.body
        );
        let viewer = app.browser_as(Role::Viewer).await;
        let page = app.get("/incidents/import", Auth::Browser(&viewer)).await;
        assert_eq!(page.status, StatusCode::FORBIDDEN);
    });
}

#[tokio::test]
async fn exercises_import_file_their_evidence_and_a_held_exercise_is_not_rewritten() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let browser = app.browser_as(Role::Manager).await;
        let res = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&manager),
                json!({"id": "DB-1", "name": "Βάση δεδομένων", "asset_type": "software", "classification": "internal"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/processes",
                Auth::Bearer(&manager),
                json!({"id": "PAY", "name": "Μισθοδοσία", "rto": "1 day", "assets": ["DB-1"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/exercises",
                Auth::Bearer(&manager),
                json!({"title": "Payroll restore", "kind": "restore_test", "held_on": "2026-06-01", "process": "PAY", "assets": ["DB-1"], "result": "passed", "achieved_rto": "6h"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let held = res.json()["id"].as_str().unwrap().to_string();

        let (status, _, bytes) = app
            .get_bytes("/continuity/exercises.xlsx", Auth::Browser(&browser))
            .await;
        assert_eq!(status, StatusCode::OK);
        let res = app
            .post_bytes("/api/v1/exercises/import", Auth::Bearer(&manager), bytes)
            .await;
        assert_eq!(count(&report_of(&res), "unchanged"), 1);

        // Last year's tests: each files evidence and starts the measures of its findings.
        let file = "Test,Type,Date,Process,Systems,Outcome,Recovery time,Findings\n\
                    Αποκατάσταση μισθοδοσίας 2025,restore test,2025-11-10,PAY,DB-1,passed with findings,2 days,\"- Οι κωδικοί ήταν σε παλιό φάκελο\n- Buy a second tape drive\"\n\
                    Tabletop ransomware,tabletop,2025-05-02,,,passed,,\n";
        let res = app
            .post_bytes(
                "/api/v1/exercises/import",
                Auth::Bearer(&manager),
                file.into(),
            )
            .await;
        let report = report_of(&res);
        assert_eq!(count(&report, "created"), 2, "{report}");
        let made = report["created"][0].as_str().unwrap();
        let e = app
            .get(&format!("/api/v1/exercises/{made}"), Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(e["achieved_rto_minutes"], 2 * 24 * 60, "{e}");
        assert_eq!(e["measures"].as_array().unwrap().len(), 2, "{e}");
        let evidence = e["evidence"].as_str().unwrap();
        let ev = app
            .get(
                &format!("/api/v1/evidence/{evidence}"),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert!(
            ev["controls"].to_string().contains("8.13"),
            "a restore test proves 8.13: {ev}"
        );
        let trail = app.audit_of("exercise", 20).await;
        assert!(trail.iter().any(|t| t.action == "exercise.record"));

        // A held exercise is not rewritten, an unknown process is named; nothing written.
        let (_, _, csv) = app
            .get_bytes("/continuity/exercises.csv", Auth::Browser(&browser))
            .await;
        let csv = String::from_utf8(csv)
            .unwrap()
            .replace("Payroll restore", "Payroll restore (again)");
        let bad = format!("{csv},Failover drill,failover,2025-01-01,NOPE,,DB-1,passed,1h,,,,,,\n");
        let res = app
            .post_bytes(
                "/api/v1/exercises/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains(&held), "{}", res.body);
        assert!(res.body.contains("no process NOPE"), "{}", res.body);
        assert_eq!(total(&app, &manager, "/api/v1/exercises").await, 3);

        // The page of exercises offers the import; its review leads back to it.
        let page = app
            .get("/continuity/exercises", Auth::Browser(&browser))
            .await;
        assert!(page.body.contains("href=\"/continuity/exercises/import\""));
        let res = app
            .post_file(
                "/continuity/exercises/import",
                &browser,
                "tests.csv",
                b"title,kind,result\nWalkthrough,walkthrough,passed\n",
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let review = app.get(&res.location(), Auth::Browser(&browser)).await;
        assert!(
            review.body.contains("href=\"/continuity/exercises\""),
            "{}",
            review.body
        );
        let page = app
            .get("/continuity/processes/import", Auth::Browser(&browser))
            .await;
        assert!(
            page.body
                .contains("action=\"/continuity/processes/import\"")
        );
    });
}

#[tokio::test]
async fn lessons_learned_register_risks_rated_on_the_matrix() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let res = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&manager),
                json!({"id": "LAP-9", "name": "Laptop", "asset_type": "hardware", "classification": "confidential"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = reported(&app, &manager, "Στοιχεία σε χαμένο laptop").await;
        let res = app
            .put_json(
                &format!("/api/v1/incidents/{id}/triage"),
                Auth::Bearer(&manager),
                json!({"classification": "event", "reason": "the disk was encrypted", "assets": ["LAP-9"], "handler": "eleni@example.com"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let risks_before = total(&app, &manager, "/api/v1/risks").await;

        // Lines that are not risks, or ratings off the matrix, are named; nothing closes.
        for (risks, says) in [
            ("Keys taped to laptops", "line 1"),
            ("ok | 2 | 2\nKeys taped to laptops | 9 | 4", "line 2"),
        ] {
            let res = app
                .post_json(
                    &format!("/api/v1/incidents/{id}/close"),
                    Auth::Bearer(&manager),
                    json!({"lessons": "Recovery keys were taped to the lid", "risks": risks}),
                )
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
            assert_eq!(res.fields(), ["risks"], "{}", res.body);
            assert!(res.body.contains(says), "{}", res.body);
        }
        assert_eq!(total(&app, &manager, "/api/v1/risks").await, risks_before);
        assert_eq!(
            record(&app, &manager, &id).await["incident"]["status"],
            "triaged"
        );

        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/close"),
                Auth::Bearer(&manager),
                json!({"lessons": "Recovery keys were taped to the lid", "measures": "Keep keys in the vault", "risks": "Ανάκτηση κλειδιών δίπλα στη συσκευή | 3 | 4\n"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let closed = res.json();
        let risk = closed["risks"][0].as_str().unwrap().to_string();
        assert_eq!(closed["measures"].as_array().unwrap().len(), 1);
        let r = app
            .get(&format!("/api/v1/risks/{risk}"), Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(r["title"], "Ανάκτηση κλειδιών δίπλα στη συσκευή", "{r}");
        assert_eq!(r["owner"], "eleni@example.com");
        assert_eq!(r["assets"], json!(["LAP-9"]));
        assert_eq!(r["inherent"]["likelihood"], 3, "{r}");
        assert!(r["notes"].as_str().unwrap().contains(&id));
        let timeline = record(&app, &manager, &id).await["timeline"].to_string();
        assert!(timeline.contains(&format!("Risks registered: {risk}")));

        // On the page, a refused closing keeps what was typed.
        let browser = app.browser_as(Role::Manager).await;
        let other = reported(&app, &manager, "Tailgating").await;
        app.put_json(
            &format!("/api/v1/incidents/{other}/triage"),
            Auth::Bearer(&manager),
            json!({"classification": "event", "reason": "no one got in"}),
        )
        .await;
        let page = app
            .get(&format!("/incidents/{other}"), Auth::Browser(&browser))
            .await;
        assert!(page.body.contains("name=\"risks\""), "{}", page.body);
        let revision = record(&app, &manager, &other).await["incident"]["revision"].to_string();
        let res = app
            .post_form(
                &format!("/incidents/{other}/close"),
                Auth::Browser(&browser),
                &[
                    ("revision", &revision),
                    ("lessons", "Τα παιδιά μπαίνουν πίσω από άλλους"),
                    ("risks", "only a title"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("Τα παιδιά μπαίνουν πίσω από άλλους"));
        assert!(res.body.contains("title | likelihood | impact"));
    });
}
