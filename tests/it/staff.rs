//! The staff directory: people added and edited through the API with their checklists (a
//! starter's onboarding, a leaver's offboarding listing the assets they hold), steps ticked
//! off by their owner, an HR export imported and imported again with leavers detected, roles
//! (personal data: managers, admins and auditors read it), stale writes, bad input named; the
//! pages and the command line along the same paths.

use crate::harness::{Auth, TestApp, send_to};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::body::Body;
use axum::http::StatusCode;
use axum::http::{Request, header};
use serde_json::{Value, json};

/// A JSON `PUT` with `If-Match`.
async fn put_if_match(
    app: &TestApp,
    path: &str,
    token: &str,
    tag: &str,
    body: Value,
) -> crate::harness::Res {
    let req = Request::put(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json")
        .header(header::IF_MATCH, tag)
        .body(Body::from(body.to_string()))
        .unwrap();
    send_to(&app.router, req).await
}

fn day(offset: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(offset)).to_string()
}

async fn checklists(app: &TestApp, token: &str, id: &str) -> Vec<Value> {
    let res = app
        .get(
            &format!("/api/v1/people/{id}/checklists"),
            Auth::Bearer(token),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json().as_array().unwrap().clone()
}

#[tokio::test]
async fn a_starter_is_onboarded_and_a_leaver_offboarded_with_the_assets_they_hold() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let boss = app.add_user(Role::Contributor).await;
        let boss_token = app.token_for(&boss).await;
        let other = app.token_as(Role::Contributor).await;
        let auditor = app.token_as(Role::Auditor).await;
        let viewer = app.token_as(Role::Viewer).await;

        // Bad input is named, field by field.
        let res = app
            .post_json(
                "/api/v1/people",
                Auth::Bearer(&manager),
                json!({"name": "", "email": "nope", "employment": "volunteer", "started_on": "2026-13-01"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["name", "email", "employment", "started_on"]);

        // A starter: first day next week, so an onboarding checklist from the template.
        let res = app
            .post_json(
                "/api/v1/people",
                Auth::Bearer(&manager),
                json!({"name": "Ζωή Παππά", "email": "Zoe@Example.org", "manager": boss, "department": "Λογιστήριο",
                       "job_title": "Accountant", "started_on": day(7), "screening": "standard", "screened_on": day(-3)}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let zoe = res.json();
        let zoe_id = zoe["id"].as_str().unwrap().to_string();
        assert_eq!(zoe["email"], "zoe@example.org");
        assert_eq!(zoe["name"], "Ζωή Παππά");
        let lists = checklists(&app, &manager, &zoe_id).await;
        assert_eq!(lists.len(), 1, "{lists:?}");
        assert_eq!(lists[0]["kind"], "onboarding");
        let steps = lists[0]["steps"].as_array().unwrap();
        assert!(steps.len() >= 5);
        assert_eq!(steps[0]["owner"], boss.as_str(), "the manager owns it");
        assert_eq!(steps[0]["due_on"], day(2), "five days before the first");

        // The same e-mail twice is refused, naming the field.
        let res = app
            .post_json(
                "/api/v1/people",
                Auth::Bearer(&manager),
                json!({"name": "Zoe again", "email": "zoe@example.org"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["email"]);

        // Personal data: viewers and contributors do not read the directory; auditors do,
        // but do not write it.
        for t in [&viewer, &other] {
            let res = app.get("/api/v1/people", Auth::Bearer(t)).await;
            assert_eq!(res.status, StatusCode::FORBIDDEN);
        }
        let res = app.get("/api/v1/people", Auth::Bearer(&auditor)).await;
        assert_eq!(res.status, StatusCode::OK);
        assert_eq!(res.json()["total"], 1);
        let res = app
            .post_json(
                "/api/v1/people",
                Auth::Bearer(&auditor),
                json!({"name": "X"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        // Someone long in post: no onboarding checklist; they hold a laptop.
        let res = app
            .post_json(
                "/api/v1/people",
                Auth::Bearer(&manager),
                json!({"name": "Jiří Novák", "email": "jiri@example.org", "manager": boss, "staff_number": "E-100",
                       "started_on": "2019-03-01", "department": "Sales"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let jiri = res.json();
        let jiri_id = jiri["id"].as_str().unwrap().to_string();
        assert!(checklists(&app, &manager, &jiri_id).await.is_empty());
        let res = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&manager),
                json!({"id": "LAP-7", "name": "Laptop 7", "asset_type": "hardware", "classification": "internal", "custodian": "jiri@example.org"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        // A stale edit is refused; then his last day is recorded: offboarding, with the laptop.
        // What was read goes back as input: every field as text (dates empty when unset).
        let mut edit = json!({});
        for (k, v) in jiri.as_object().unwrap() {
            edit[k] = if v.is_null() { json!("") } else { v.clone() };
        }
        edit["left_on"] = json!(day(10));
        let res = put_if_match(
            &app,
            &format!("/api/v1/people/{jiri_id}"),
            &manager,
            "\"7\"",
            edit.clone(),
        )
        .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = put_if_match(
            &app,
            &format!("/api/v1/people/{jiri_id}"),
            &manager,
            "\"1\"",
            edit,
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["revision"], 2);
        let lists = checklists(&app, &manager, &jiri_id).await;
        assert_eq!(lists.len(), 1);
        assert_eq!(lists[0]["kind"], "offboarding");
        let steps = lists[0]["steps"].as_array().unwrap();
        let laptop = steps
            .iter()
            .find(|s| s["asset_id"] == "LAP-7")
            .expect("a step to get the laptop back");
        assert_eq!(laptop["owner"], boss.as_str());
        assert_eq!(laptop["due_on"], day(10));
        let checklist = lists[0]["id"].as_str().unwrap().to_string();
        let n = laptop["number"].as_i64().unwrap();

        // The step's owner ticks it off; another contributor may not.
        let path = format!("/api/v1/checklists/{checklist}/steps/{n}");
        let res = app
            .post_json(&path, Auth::Bearer(&other), json!({"done": true}))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .post_json(
                &path,
                Auth::Bearer(&boss_token),
                json!({"done": true, "note": "Returned to IT"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let c = res.json();
        let step = c["steps"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["number"] == n)
            .unwrap()
            .clone();
        assert_eq!(step["done_by"], boss.as_str());
        assert_eq!(step["note"], "Returned to IT");
        let trail = app.audit_of("checklist", 10).await;
        assert!(
            trail
                .iter()
                .any(|e| e.action == "checklist.step" && e.actor == boss),
            "{trail:?}"
        );
        assert!(trail.iter().any(|e| e.action == "checklist.create"));
        let res = app
            .get("/api/v1/people?status=leaving", Auth::Bearer(&manager))
            .await;
        assert_eq!(res.json()["items"][0]["id"], jiri_id.as_str());
        let res = app
            .get("/api/v1/people?status=gone", Auth::Bearer(&manager))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);

        // The pages: the directory, the person with the checklist, a tick through the form.
        let browser = app.browser_as(Role::Manager).await;
        let page = app.get("/people", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Ζωή Παππά") && page.body.contains("leaving"));
        let page = app
            .get(&format!("/people/{jiri_id}"), Auth::Browser(&browser))
            .await;
        assert!(page.body.contains("Offboarding checklist"), "{}", page.body);
        assert!(page.body.contains("LAP-7") && page.body.contains("Returned to IT"));
        let res = app
            .post_form(
                &format!("/people/{jiri_id}/checklists/{checklist}/steps/1"),
                Auth::Browser(&browser),
                &[
                    ("done", "1"),
                    ("note", "Handover agreed"),
                    ("revision", "2"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let lists = checklists(&app, &manager, &jiri_id).await;
        assert_eq!(lists[0]["steps"][0]["note"], "Handover agreed");
        let dashboard = app.get("/", Auth::Browser(&browser)).await;
        assert!(
            dashboard
                .body
                .contains("<strong>1</strong> leavers with open offboarding steps"),
            "{}",
            dashboard.body
        );
        let viewer_page = app
            .get(
                "/people",
                Auth::Browser(&app.browser_as(Role::Viewer).await),
            )
            .await;
        assert_eq!(viewer_page.status, StatusCode::FORBIDDEN);

        // A template with a bad line is refused naming it; a good one is used from then on.
        let res = app
            .post_form(
                "/people/checklists",
                Auth::Browser(&browser),
                &[
                    ("kind", "onboarding"),
                    ("employment", "intern"),
                    (
                        "steps",
                        "0 | manager | Welcome\nsoon | person | Read the policy",
                    ),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.body
                .contains("line 2: &#39;soon&#39; is not a number of days")
                || res.body.contains("line 2: 'soon' is not a number of days"),
            "{}",
            res.body
        );
        let res = app
            .post_form(
                "/people/checklists",
                Auth::Browser(&browser),
                &[
                    ("kind", "onboarding"),
                    ("employment", "intern"),
                    ("steps", "0 | manager | Welcome the intern\n2 | person | Read the acceptable use policy"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = app
            .post_json(
                "/api/v1/people",
                Auth::Bearer(&manager),
                json!({"name": "Intern", "employment": "intern", "started_on": day(0)}),
            )
            .await;
        let intern = res.json()["id"].as_str().unwrap().to_string();
        let lists = checklists(&app, &manager, &intern).await;
        let titles: Vec<&str> = lists[0]["steps"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s["title"].as_str().unwrap())
            .collect();
        assert_eq!(
            titles,
            ["Welcome the intern", "Read the acceptable use policy"]
        );
    });
}

#[tokio::test]
async fn an_hr_export_is_imported_again_and_the_people_it_leaves_out_have_left() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let first = "Personalnummer;Name;E-Mail;Abteilung;Vorgesetzter;Stelle;Eintrittsdatum\n\
                     1001;Jürgen Groß;juergen@example.de;Vertrieb;;Leiter Vertrieb;2018-04-01\n\
                     1002;Zoë Ångström;zoe@example.de;Vertrieb;juergen@example.de;Vertrieb;2020-09-15\n\
                     1003;Παύλος Νικολάου;pavlos@example.de;IT;juergen@example.de;Administrator;2021-01-10\n";
        let res = app
            .post_bytes(
                "/api/v1/people/import",
                Auth::Bearer(&manager),
                first.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["report"]["created"].as_array().unwrap().len(), 3);
        let list = app
            .get("/api/v1/people?department=Vertrieb", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(list["total"], 2);
        let pavlos = app
            .get("/api/v1/people?q=pavlos", Auth::Bearer(&manager))
            .await
            .json()["items"][0]
            .clone();
        let pavlos_id = pavlos["id"].as_str().unwrap().to_string();
        assert_eq!(pavlos["name"], "Παύλος Νικολάου");
        let res = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&manager),
                json!({"id": "PHONE-3", "name": "Telefon", "asset_type": "hardware", "classification": "internal", "owner": "pavlos@example.de"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        // Annex records what HR's export does not hold: Zoë's screening.
        let zoe = app
            .get("/api/v1/people?q=1002", Auth::Bearer(&manager))
            .await
            .json()["items"][0]
            .clone();
        let mut edit = json!({});
        for (k, v) in zoe.as_object().unwrap() {
            edit[k] = if v.is_null() { json!("") } else { v.clone() };
        }
        edit["screening"] = json!("basic");
        edit["screened_on"] = json!("2020-09-01");
        let res = app
            .put_json(
                &format!("/api/v1/people/{}", zoe["id"].as_str().unwrap()),
                Auth::Bearer(&manager),
                edit,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // A bad file: a duplicate e-mail and a bad date, both named; nothing written.
        let bad = "Personalnummer;Name;E-Mail;Eintrittsdatum\n\
                   1001;Jürgen Groß;juergen@example.de;2018-04-01\n\
                   1004;Anna;juergen@example.de;01/02/2023\n";
        let res = app
            .post_bytes("/api/v1/people/import", Auth::Bearer(&manager), bad.into())
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("row 3"), "{}", res.body);
        assert!(res.body.contains("01/02/2023"), "{}", res.body);

        // The next month's export: Zoë matched by staff number (her e-mail changed), Jürgen by
        // e-mail, a newcomer, and Pavlos gone. As a dry run first: nothing written.
        let second = format!(
            "Personalnummer;Name;E-Mail;Abteilung;Vorgesetzter;Stelle;Eintrittsdatum\n\
             1001;Jürgen Groß;juergen@example.de;Vertrieb;;Leiter Vertrieb;2018-04-01\n\
             1002;Zoë Ångström;zoe.angstrom@example.de;Vertrieb;juergen@example.de;Key Account;2020-09-15\n\
             1005;Chen Wei;chen@example.de;IT;juergen@example.de;Administrator;{}\n",
            day(3)
        );
        let res = app
            .post_bytes(
                "/api/v1/people/import?absent_left=true&dry_run=true",
                Auth::Bearer(&manager),
                second.clone().into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let report = res.json()["report"].clone();
        assert_eq!(report["left"], json!([pavlos_id]), "{report}");
        assert!(checklists(&app, &manager, &pavlos_id).await.is_empty());
        let res = app
            .post_bytes(
                "/api/v1/people/import?absent_left=true",
                Auth::Bearer(&manager),
                second.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let report = res.json()["report"].clone();
        assert_eq!(report["created"].as_array().unwrap().len(), 1, "{report}");
        assert_eq!(report["updated"].as_array().unwrap().len(), 2, "{report}");
        assert_eq!(report["unchanged"].as_array().unwrap().len(), 1, "{report}");
        let gone = app
            .get(
                &format!("/api/v1/people/{pavlos_id}"),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(gone["left_on"], day(-1), "their last day was yesterday");
        let lists = checklists(&app, &manager, &pavlos_id).await;
        assert_eq!(lists[0]["kind"], "offboarding");
        assert!(
            lists[0]["steps"]
                .as_array()
                .unwrap()
                .iter()
                .any(|s| s["asset_id"] == "PHONE-3"),
            "{lists:?}"
        );
        let zoe = app
            .get("/api/v1/people?q=1002", Auth::Bearer(&manager))
            .await
            .json()["items"][0]
            .clone();
        assert_eq!(zoe["email"], "zoe.angstrom@example.de");
        assert_eq!(zoe["job_title"], "Key Account");
        assert_eq!(
            (&zoe["screening"], &zoe["screened_on"]),
            (&json!("basic"), &json!("2020-09-01")),
            "columns the export lacks keep what Annex holds"
        );
        let chen = app
            .get("/api/v1/people?q=chen", Auth::Bearer(&manager))
            .await
            .json()["items"][0]
            .clone();
        let lists = checklists(&app, &manager, chen["id"].as_str().unwrap()).await;
        assert_eq!(lists[0]["kind"], "onboarding", "a starter in three days");

        // The export round-trips: imported again, nothing changes.
        let (status, _, csv) = app
            .get_bytes(
                "/people.csv",
                Auth::Browser(&app.browser_as(Role::Manager).await),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let text = String::from_utf8(csv.clone()).unwrap();
        assert!(
            text.contains("Παύλος Νικολάου")
                && text.contains("NDA version")
                && text.contains(&format!("{},left", day(-1))),
            "{text}"
        );
        let res = app
            .post_bytes("/api/v1/people/import", Auth::Bearer(&manager), csv)
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let report = res.json()["report"].clone();
        assert_eq!(report["unchanged"].as_array().unwrap().len(), 4, "{report}");
    });
}

#[tokio::test]
async fn the_command_line_adds_imports_and_offboards_people() {
    on_every_database!(|app| {
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let ok = |out: std::process::Output| {
            assert!(
                out.status.success(),
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
            String::from_utf8_lossy(&out.stdout).to_string()
        };
        let said = ok(annex(&[
            "person",
            "add",
            "--id",
            "P-9",
            "--name",
            "Ελένη Κ.",
            "--email",
            "eleni@example.gr",
            "--started-on",
            "2015-01-01",
            "--manager",
            "boss@example.gr",
        ]));
        assert!(said.contains("added P-9"), "{said}");
        let file = db.dir.path().join("hr.csv");
        std::fs::write(
            &file,
            "Employee ID,Full name,Work email\nE1,Boss,boss@example.gr\n",
        )
        .unwrap();
        let said = ok(annex(&[
            "person",
            "import",
            file.to_str().unwrap(),
            "--absent-left",
            "--dry-run",
        ]));
        assert!(
            said.contains("would be recorded as having left yesterday"),
            "{said}"
        );
        assert!(said.contains("P-9"), "{said}");
        let said = ok(annex(&[
            "person",
            "import",
            file.to_str().unwrap(),
            "--absent-left",
        ]));
        assert!(said.contains("created 1"), "{said}");
        let said = ok(annex(&["person", "list", "--status", "left"]));
        assert!(
            said.contains("Ελένη Κ.") && said.contains("1 person"),
            "{said}"
        );
        let said = ok(annex(&["person", "show", "P-9", "--format", "table"]));
        assert!(said.contains("offboarding checklist"), "{said}");
        let id = said
            .split_whitespace()
            .find(|w| w.starts_with("CL-"))
            .unwrap()
            .to_string();
        let said = ok(annex(&["person", "tick", &id, "1", "--note", "done"]));
        assert!(said.contains("done: step 1"), "{said}");
        let out = annex(&["person", "edit", "P-9", "--email", "not-an-email"]);
        assert_eq!(out.status.code(), Some(3));
        assert!(String::from_utf8_lossy(&out.stderr).contains("email"));
    });
}
