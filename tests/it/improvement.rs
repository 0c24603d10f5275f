//! Nonconformities and corrective action through the paths people take: raised from an audit
//! finding (once), corrected and analysed by asking why by its owner, an action planned and
//! marked done by the action's owner, reviewed as not effective then effective — which closes
//! it and its finding and logs the improvement — with every refusal named; readiness of 10.1
//! and 10.2 and the indicators following; import and export; the pages and the command line;
//! on both databases.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

async fn clause(app: &TestApp, token: &str, id: &str) -> Value {
    let r = app
        .get("/api/v1/readiness", Auth::Bearer(token))
        .await
        .json();
    r["clauses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["id"] == id)
        .cloned()
        .unwrap_or_else(|| panic!("no clause {id} in {r}"))
}

fn strip(mut v: Value, keys: &[&str]) -> Value {
    v.as_object_mut()
        .unwrap()
        .retain(|k, _| !keys.contains(&k.as_str()));
    v
}

#[tokio::test]
async fn a_finding_is_corrected_its_cause_removed_and_closed_as_effective() {
    on_every_database!(|app| {
        let browser = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let owner = app.add_user(Role::Contributor).await;
        let owner_token = app.token_for(&owner).await;
        let hr = app.add_user(Role::Contributor).await;
        let hr_token = app.token_for(&hr).await;
        let stranger = app.token_as(Role::Contributor).await;
        let today = app.store.today();
        let day = |n: i64| annex::domain::input::days_after(&today, n).unwrap();

        // An audit with a minor nonconformity on 5.18.
        let res = app
            .post_json(
                "/api/v1/audit-programmes",
                Auth::Bearer(&manager),
                json!({"title": "Programme", "starts_on": day(-30)}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/internal-audits",
                Auth::Bearer(&manager),
                json!({"programme": "AP-0001", "title": "Access", "controls": "5.18",
                    "starts_on": day(-2), "lead": "auditor@example.org"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/findings",
                Auth::Bearer(&manager),
                json!({"audit": "IA-0001", "kind": "minor", "control": "5.18",
                    "title": "Přístupová práva nebyla po změně pozice přezkoumána", "owner": owner}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let c = clause(&app, &viewer, "10.2").await;
        assert_eq!(c["status"], "partly", "{c}");
        assert!(
            c["reasons"]
                .to_string()
                .contains("not followed up by a nonconformity: F-0001"),
            "{c}"
        );

        // Raised from the finding through its page's button; a second time is refused; a
        // finding that is not there is named.
        let page = app.get("/findings/F-0001", Auth::Browser(&browser)).await;
        assert!(page.body.contains("Raise a nonconformity"), "{}", page.body);
        let res = app
            .post_form(
                "/nonconformities",
                Auth::Browser(&browser),
                &[
                    ("source", "finding"),
                    ("source_ref", "F-0001"),
                    (
                        "title",
                        "Přístupová práva nebyla po změně pozice přezkoumána",
                    ),
                    ("control", "5.18"),
                    ("owner", &owner),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/nonconformities/NC-0001?notice=nc-saved");
        let page = app.get("/findings/F-0001", Auth::Browser(&browser)).await;
        assert!(page.body.contains("Followed up by"), "{}", page.body);
        for (body, field, says) in [
            (
                json!({"title": "again", "source": "finding", "source_ref": "F-0001"}),
                "source_ref",
                "followed up by NC-0001 already",
            ),
            (
                json!({"title": "x", "source": "incident", "source_ref": "INC-0404"}),
                "source_ref",
                "there is no incident INC-0404",
            ),
            (
                json!({"title": "x", "source": "weather"}),
                "source",
                "is not a source",
            ),
        ] {
            let res = app
                .post_json("/api/v1/nonconformities", Auth::Bearer(&manager), body)
                .await;
            assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
            assert_eq!(res.fields(), [field], "{}", res.body);
            assert!(res.body.contains(says), "{}", res.body);
        }
        let res = app
            .post_json(
                "/api/v1/nonconformities",
                Auth::Bearer(&viewer),
                json!({"title": "x"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        // The owner writes the correction, the whys and the root cause; someone else may not;
        // a stale write is refused.
        let got = app
            .get(
                "/api/v1/nonconformities/NC-0001",
                Auth::Bearer(&owner_token),
            )
            .await;
        assert_eq!(got.header("etag"), Some("\"1\""));
        let mut body = strip(
            got.json(),
            &[
                "id",
                "updated_at",
                "revision",
                "actions",
                "stage",
                "effective",
                "review_note",
                "reviewed_by",
                "reviewed_on",
                "reviewed_at",
                "closed_on",
            ],
        );
        assert_eq!(body["stage"], Value::Null);
        body["correction"] =
            json!("Die drei Konten haben nur noch die Rechte ihrer jetzigen Stelle.");
        body["corrected_on"] = json!(today);
        body["whys"] = json!([
            "Accounts kept old rights",
            "No one reviewed them",
            "IT did not know of the move",
            "HR records moves in payroll only"
        ]);
        body["root_cause"] = json!("Nothing tells IT when someone changes job");
        let res = app
            .put_json_if_match(
                "/api/v1/nonconformities/NC-0001",
                Auth::Bearer(&stranger),
                body.clone(),
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .put_json_if_match(
                "/api/v1/nonconformities/NC-0001",
                Auth::Bearer(&owner_token),
                body.clone(),
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let nc = res.json();
        assert_eq!(nc["stage"], "analysis", "a cause without an action: {nc}");
        assert_eq!(nc["whys"].as_array().unwrap().len(), 4);
        let res = app
            .put_json_if_match(
                "/api/v1/nonconformities/NC-0001",
                Auth::Bearer(&manager),
                body.clone(),
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        let mut six = body.clone();
        six["whys"] = json!(["1", "2", "3", "4", "5", "6"]);
        let res = app
            .put_json(
                "/api/v1/nonconformities/NC-0001",
                Auth::Bearer(&owner_token),
                six,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

        // A review now is refused, saying why.
        let res = app
            .post_json(
                "/api/v1/nonconformities/NC-0001/review",
                Auth::Bearer(&manager),
                json!({"effective": true, "note": "looked"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(
            res.body.contains("no root cause or no corrective action"),
            "{}",
            res.body
        );

        // The owner plans an action for HR; HR marks it done.
        let res = app
            .post_json(
                "/api/v1/corrective-actions",
                Auth::Bearer(&owner_token),
                json!({"nonconformity": "NC-0001", "title": "HR's change-of-job form opens a ticket for IT",
                    "owner": hr, "due_on": day(-1)}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.json()["id"], "CA-0001");
        let list = app
            .get(
                "/api/v1/corrective-actions?overdue=1",
                Auth::Bearer(&viewer),
            )
            .await
            .json();
        assert_eq!(list["total"], 1, "{list}");
        let metric = app
            .get("/api/v1/kpis/metrics", Auth::Bearer(&viewer))
            .await
            .json();
        let overdue = metric
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["metric"] == "actions_overdue")
            .unwrap_or_else(|| panic!("{metric}"));
        assert_eq!(overdue["value"], 1.0, "{overdue}");
        let c = clause(&app, &viewer, "10.2").await;
        assert!(
            c["reasons"]
                .to_string()
                .contains("corrective actions overdue: CA-0001"),
            "{c}"
        );
        let a = strip(
            app.get(
                "/api/v1/corrective-actions/CA-0001",
                Auth::Bearer(&hr_token),
            )
            .await
            .json(),
            &["id", "updated_at", "revision"],
        );
        let mut done = a.clone();
        done["status"] = json!("done");
        let res = app
            .put_json(
                "/api/v1/corrective-actions/CA-0001",
                Auth::Bearer(&stranger),
                done.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .put_json_if_match(
                "/api/v1/corrective-actions/CA-0001",
                Auth::Bearer(&hr_token),
                done,
                "\"1\"",
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["done_on"], today.as_str());
        let nc = app
            .get("/api/v1/nonconformities/NC-0001", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(nc["stage"], "review", "{nc}");

        // Not effective first: it asks for another action; then effective closes it and its
        // finding, and the improvement log keeps it.
        let res = app
            .post_json(
                "/api/v1/nonconformities/NC-0001/review",
                Auth::Bearer(&owner_token),
                json!({"effective": true, "note": "x"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "only managers review");
        let res = app
            .post_json(
                "/api/v1/nonconformities/NC-0001/review",
                Auth::Bearer(&manager),
                json!({"effective": true, "note": "  "}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.fields(), ["note"]);
        let res = app
            .post_form(
                "/nonconformities/NC-0001/review",
                Auth::Browser(&browser),
                &[
                    ("effective", "no"),
                    ("note", "Two of five moves since were missed"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let nc = app
            .get("/api/v1/nonconformities/NC-0001", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(nc["stage"], "ineffective", "{nc}");
        let res = app
            .post_json(
                "/api/v1/corrective-actions",
                Auth::Bearer(&manager),
                json!({"nonconformity": "NC-0001", "title": "A weekly report of moves from payroll to IT",
                    "owner": hr, "due_on": day(14), "status": "done"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let nc = app
            .get("/api/v1/nonconformities/NC-0001", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(
            nc["stage"], "review",
            "an action done since the review: {nc}"
        );
        let res = app
            .post_json(
                "/api/v1/nonconformities/NC-0001/review",
                Auth::Bearer(&manager),
                json!({"effective": true, "note": "Every move of the last month reached IT"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["stage"], "closed");
        let f = app
            .get("/api/v1/findings/F-0001", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(f["status"], "closed", "the finding closes with it: {f}");
        let log = app
            .get("/api/v1/improvements", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(log[0]["id"], "NC-0001", "{log}");
        let c = clause(&app, &viewer, "10.2").await;
        assert_eq!(c["status"], "met", "{c}");

        // The trail of the nonconformity.
        let trail = app
            .get(
                "/api/v1/audit?object_type=nonconformity&object_id=NC-0001",
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
                "nonconformity.review",
                "nonconformity.review",
                "nonconformity.update",
                "nonconformity.create"
            ],
            "{trail}"
        );
    });
}

#[tokio::test]
async fn a_nonconformity_closes_when_reviewed_effective_and_is_logged() {
    on_every_database!(|app| {
        let browser = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let today = app.store.today();
        let day = |n: i64| annex::domain::input::days_after(&today, n).unwrap();
        let res = app
            .post_json(
                "/api/v1/nonconformities",
                Auth::Bearer(&manager),
                json!({"title": "Η δοκιμή επαναφοράς παραλείφθηκε τον Οκτώβριο", "source": "manual",
                    "owner": "ops@example.org", "raised_on": day(-20),
                    "root_cause": "One person runs the restore test", "whys": ["on leave", "no one else knows"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/corrective-actions",
                Auth::Bearer(&manager),
                json!({"nonconformity": "NC-0001", "title": "Train a second engineer",
                    "owner": "ops@example.org", "due_on": day(5), "status": "done", "done_on": day(-2)}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/nonconformities/NC-0001/review",
                Auth::Bearer(&manager),
                json!({"effective": true, "note": "Two restores by the second engineer"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let nc = res.json();
        assert_eq!(nc["stage"], "closed");
        assert_eq!(nc["closed_on"], today.as_str());
        // Closed stays closed: its fields and actions are refused.
        let res = app
            .post_json(
                "/api/v1/corrective-actions",
                Auth::Bearer(&manager),
                json!({"nonconformity": "NC-0001", "title": "more", "owner": "a@example.org", "due_on": day(5)}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let log = app
            .get("/api/v1/improvements", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(log[0]["id"], "NC-0001", "{log}");
        assert!(
            log[0]["what"]
                .as_str()
                .unwrap()
                .contains("Train a second engineer"),
            "{log}"
        );
        let c = clause(&app, &viewer, "10.1").await;
        assert_eq!(c["status"], "met", "{c}");
        let c = clause(&app, &viewer, "10.2").await;
        assert_eq!(c["status"], "met", "{c}");

        // Export and import back unchanged; bad rows named; nothing written.
        let (status, _, xlsx) = app
            .get_bytes("/nonconformities.xlsx", Auth::Browser(&browser))
            .await;
        assert_eq!(status, StatusCode::OK);
        let res = app
            .post_bytes(
                "/api/v1/nonconformities/import",
                Auth::Bearer(&manager),
                xlsx,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            res.json()["report"]["unchanged"],
            json!(["NC-0001"]),
            "{}",
            res.body
        );
        let sheet = "Nonconformity,Source,Finding,Root cause,Whys\nNeu,finding,F-0404,,\nZweite,manual,,Ursache,warum | darum\n";
        let res = app
            .post_bytes(
                "/api/v1/nonconformities/import",
                Auth::Bearer(&manager),
                sheet.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 2") && res.body.contains("F-0404"),
            "{}",
            res.body
        );
        let sheet = "Nonconformity,Source,Root cause,Whys\nZweite,manual,Ursache,warum | darum\n";
        let res = app
            .post_bytes(
                "/api/v1/nonconformities/import",
                Auth::Bearer(&manager),
                sheet.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let nc2 = app
            .get("/api/v1/nonconformities/NC-0002", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(nc2["whys"], json!(["warum", "darum"]));
        let (_, _, csv) = app
            .get_bytes("/corrective-actions.csv", Auth::Browser(&browser))
            .await;
        let res = app
            .post_bytes(
                "/api/v1/corrective-actions/import",
                Auth::Bearer(&manager),
                csv.clone(),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "an export imports back: {}",
            res.body
        );
        assert_eq!(res.json()["report"]["unchanged"], json!(["CA-0001"]));
        let changed = String::from_utf8(csv)
            .unwrap()
            .replace("Train a second engineer", "Train two");
        let res = app
            .post_bytes(
                "/api/v1/corrective-actions/import",
                Auth::Bearer(&manager),
                changed.into_bytes(),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "the closed one's action: {}",
            res.body
        );
        assert!(res.body.contains("NC-0001 is closed"), "{}", res.body);
        let sheet = format!(
            "NC,Action,Owner,Due\nNC-0002,Checkliste schreiben,ops@example.org,{}\n",
            day(10)
        );
        let res = app
            .post_bytes(
                "/api/v1/corrective-actions/import",
                Auth::Bearer(&manager),
                sheet.into_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["report"]["created"], json!(["CA-0002"]));

        // The pages.
        for (path, want) in [
            ("/nonconformities", "Η δοκιμή επαναφοράς"),
            ("/nonconformities/NC-0001", "Train a second engineer"),
            ("/corrective-actions", "Checkliste schreiben"),
            ("/corrective-actions/CA-0002", "NC-0002"),
            ("/improvements", "NC-0001"),
        ] {
            let page = app.get(path, Auth::Browser(&browser)).await;
            assert_eq!(page.status, StatusCode::OK, "{path}");
            assert!(page.body.contains(want), "{path} lacks {want}");
        }
        let res = app
            .get("/api/v1/nonconformities?state=maybe", Auth::Bearer(&viewer))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);

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
        let text = ok(annex(&["nonconformity", "list", "--state", "open"]));
        assert!(
            text.contains("NC-0002") && !text.contains("NC-0001"),
            "{text}"
        );
        let text = ok(annex(&["action", "done", "CA-0002"]));
        assert!(text.contains(&format!("CA-0002 done on {today}")), "{text}");
        let text = ok(annex(&[
            "nonconformity",
            "review",
            "NC-0002",
            "--effective",
            "--note",
            "checked",
        ]));
        assert!(text.contains("closed"), "{text}");
        let text = ok(annex(&["nonconformity", "improvements"]));
        assert!(
            text.contains("NC-0002") && text.contains("NC-0001"),
            "{text}"
        );
        let out = annex(&[
            "action",
            "add",
            "--nonconformity",
            "NC-0404",
            "--title",
            "x",
            "--owner",
            "a@example.org",
            "--due-on",
            &day(1),
        ]);
        assert_eq!(out.status.code(), Some(3));
    });
}
