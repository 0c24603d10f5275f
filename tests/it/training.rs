//! Awareness and training: a module and a campaign for some departments (its evidence on 6.3),
//! completions by the person's link, by a manager and from a learning platform's export,
//! progress per department, competence by job title, roles and bad input; the command line.

use crate::harness::{Auth, Browser, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn day(offset: i64) -> String {
    (time::OffsetDateTime::now_utc().date() + time::Duration::days(offset)).to_string()
}

async fn add(app: &TestApp, token: &str, body: Value) -> String {
    let res = app
        .post_json("/api/v1/people", Auth::Bearer(token), body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_string()
}

fn fields(res: &crate::harness::Res) -> Vec<String> {
    res.json()["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_campaign_shows_completion_by_department_and_proves_6_3() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let ana = add(&app, &manager, json!({"name": "Ana", "email": "ana@example.org", "department": "Finance", "job_title": "Accountant"})).await;
        let _jiri = add(&app, &manager, json!({"name": "Jiří", "email": "jiri@example.org", "staff_number": "E-7", "department": "Finance", "job_title": "Accountant"})).await;
        let _ivo = add(
            &app,
            &manager,
            json!({"name": "Ιβο", "email": "ivo@example.org", "department": "IT"}),
        )
        .await;

        let res = app
            .post_json(
                "/api/v1/training/modules",
                Auth::Bearer(&manager),
                json!({"title": "", "material_url": "javascript:alert(1)", "duration_minutes": 0}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(fields(&res), ["title", "material_url", "duration_minutes"]);
        let res = app
            .post_json(
                "/api/v1/training/modules",
                Auth::Bearer(&viewer),
                json!({"title": "X"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json("/api/v1/training/modules", Auth::Bearer(&manager), json!({"title": "Phishing awareness", "material_url": "https://learn.example.org/phishing", "duration_minutes": 20}))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let module = res.json()["id"].as_str().unwrap().to_string();

        // Its material as a file: slides kept by their hash; a program or a stale write is
        // refused; readers download it, checked against the hash.
        let slides = b"%PDF-1.7\n% \xce\xa6\xce\xb9\xcf\x83\xce\xb9\xce\xbd\xce\xb3\n".to_vec();
        let res = app
            .upload(
                &format!("/api/v1/training/modules/{module}/material"),
                Auth::Bearer(&manager),
                &[],
                Some(("setup.exe", b"MZ\x90")),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .upload(
                &format!("/api/v1/training/modules/{module}/material"),
                Auth::Bearer(&viewer),
                &[],
                Some(("Φίσινγκ.pdf", &slides)),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        let res = app
            .upload(
                &format!("/api/v1/training/modules/{module}/material"),
                Auth::Bearer(&manager),
                &[],
                Some(("Φίσινγκ.pdf", &slides)),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["material_file"]["file_name"], "Φίσινγκ.pdf");
        let (status, headers, bytes) = app
            .get_bytes(
                &format!("/api/v1/training/modules/{module}/material"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(
            (status, bytes.as_slice()),
            (StatusCode::OK, slides.as_slice())
        );
        assert!(headers.contains_key("x-content-sha256"));
        let browser_m = app.browser_as(Role::Manager).await;
        let res = app
            .post_form(
                &format!("/training/modules/{module}/material/remove"),
                Auth::Browser(&browser_m),
                &[("revision", "1")],
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "a stale form: {}",
            res.body
        );

        let res = app
            .post_json("/api/v1/training/campaigns", Auth::Bearer(&manager), json!({"title": "Awareness", "modules": ["TM-9999"], "due_on": day(30), "scope": "departments", "groups": ["Finance"]}))
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("TM-9999"));
        let res = app
            .post_json("/api/v1/training/campaigns", Auth::Bearer(&manager), json!({"title": "Awareness", "modules": [module], "due_on": day(30), "scope": "departments", "groups": ["Finance"]}))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let campaign = res.json();
        let cid = campaign["id"].as_str().unwrap().to_string();
        assert!(campaign["evidence_id"].is_string(), "{campaign}");

        // Ana completes it through her personal link.
        let path = app
            .post_json(
                &format!("/api/v1/people/{ana}/link"),
                Auth::Bearer(&manager),
                json!({}),
            )
            .await
            .json()["path"]
            .as_str()
            .unwrap()
            .to_string();
        let page = app.get(&path, Auth::None).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("Phishing awareness") && page.body.contains("I have completed it"),
            "{}",
            page.body
        );
        assert!(page.body.contains("Download Φίσινγκ.pdf"), "{}", page.body);
        let (status, _, bytes) = app
            .get_bytes(&format!("{path}/training/{module}/material"), Auth::None)
            .await;
        assert_eq!((status, bytes), (StatusCode::OK, slides.clone()));
        let (status, _, _) = app
            .get_bytes(&format!("{path}/training/TM-9999/material"), Auth::None)
            .await;
        assert_eq!(status, StatusCode::NOT_FOUND);
        let browser = Browser {
            cookie: format!("annex_csrf={}", page.cookie("annex_csrf").unwrap()),
            csrf: page.csrf(),
        };
        let res = app
            .post_form(
                &format!("{path}/training/{module}"),
                Auth::Browser(&browser),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get(&path, Auth::Browser(&browser)).await;
        assert!(page.body.contains("completed"), "{}", page.body);

        // A learning platform's export: an unknown learner is named; then Jiří by staff number.
        let bad = format!(
            "Learner,Course,Completion date,Score\nnobody@example.org,Phishing awareness,{},90\n",
            day(0)
        );
        let res = app
            .post_bytes(
                "/api/v1/training/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("row 2") && res.body.contains("nobody@example.org"),
            "{}",
            res.body
        );
        let good = format!(
            "Learner,Course,Completion date,Score\nE-7,Phishing awareness,{},85%\n",
            day(0)
        );
        let res = app
            .post_bytes(
                "/api/v1/training/import",
                Auth::Bearer(&manager),
                good.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // Finance is done; IT was never asked.
        let s = app
            .get(
                &format!("/api/v1/training/campaigns/{cid}"),
                Auth::Bearer(&viewer),
            )
            .await
            .json();
        assert_eq!(
            (s["required"].as_i64(), s["completed"].as_i64()),
            (Some(2), Some(2)),
            "{s}"
        );
        assert_eq!(s["departments"].as_array().unwrap().len(), 1);
        let res = app
            .get(
                &format!("/api/v1/training/campaigns/{cid}/people"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "names are for readers of the directory"
        );
        let res = app
            .get(
                &format!("/api/v1/training/campaigns/{cid}/people?state=completed"),
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(res.json()["total"], 2, "{}", res.body);

        // A manager records a completion for someone the campaign does not ask: kept anyway.
        let res = app
            .post_json(
                "/api/v1/training/completions",
                Auth::Bearer(&manager),
                json!({"person": "ivo@example.org", "module": module, "completed_on": day(1)}),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a day in the future: {}",
            res.body
        );
        let res = app
            .post_json(
                "/api/v1/training/completions",
                Auth::Bearer(&manager),
                json!({"person": "ivo@example.org", "module": module}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // Competence: accountants need the module; both meet it.
        let b = app.browser_as(Role::Manager).await;
        let res = app
            .post_form(
                "/training/competence",
                Auth::Browser(&b),
                &[("competence", "Accountant: TM-9999")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        let res = app
            .post_form(
                "/training/competence",
                Auth::Browser(&b),
                &[("competence", &format!("Accountant: {module}"))],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let c = app
            .get("/api/v1/training/competence", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(
            (c[0]["people"].as_i64(), c[0]["meet"].as_i64()),
            (Some(2), Some(2)),
            "{c}"
        );

        // Readiness: 7.2 met (every accountant trained); 7.3 partly (the campaign is done, but
        // no policy asks to be acknowledged).
        let r = app
            .get("/api/v1/readiness", Auth::Bearer(&viewer))
            .await
            .json();
        let clause = |id: &str| {
            r["clauses"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id)
                .cloned()
                .unwrap()
        };
        assert_eq!(clause("7.2")["status"], "met", "{r}");
        assert_eq!(clause("7.3")["status"], "partly", "{r}");
        assert!(
            clause("7.3")["reasons"]
                .to_string()
                .contains(&format!("campaign {cid}: 2 of 2 completed")),
            "{r}"
        );

        // The campaign's page, and 6.3 on the SoA shows the campaign's evidence.
        let page = app
            .get(&format!("/training/campaigns/{cid}"), Auth::Browser(&b))
            .await;
        assert!(
            page.body.contains("2 of 2</strong> completed"),
            "{}",
            page.body
        );
        let soa = app.get("/soa/iso27002-2022/6.3", Auth::Browser(&b)).await;
        assert!(
            soa.body.contains(&format!("Training campaign {cid}")),
            "{}",
            soa.body
        );
    });
}

#[tokio::test]
async fn the_command_line_runs_a_training_campaign() {
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
        ok(annex(&[
            "person",
            "add",
            "--name",
            "Zoë",
            "--email",
            "zoe@example.org",
            "--department",
            "Sales",
        ]));
        let said = ok(annex(&[
            "training",
            "add-module",
            "--title",
            "Clear desk",
            "--minutes",
            "10",
        ]));
        assert!(said.contains("TM-0001"), "{said}");
        let slides = app.db.dir.path().join("Čistý stůl.pdf");
        std::fs::write(&slides, b"%PDF-1.4\n").unwrap();
        let said = ok(annex(&[
            "training",
            "material",
            "TM-0001",
            "--file",
            slides.to_str().unwrap(),
        ]));
        assert!(said.contains("Čistý stůl.pdf"), "{said}");
        let said = ok(annex(&["training", "material", "TM-0001", "--remove"]));
        assert!(said.contains("no material file"), "{said}");
        let said = ok(annex(&[
            "training",
            "start",
            "--title",
            "Q1",
            "--modules",
            "TM-0001",
            "--due-on",
            &day(10),
        ]));
        assert!(said.contains("TC-0001"), "{said}");
        ok(annex(&[
            "training",
            "complete",
            "--person",
            "zoe@example.org",
            "--module",
            "Clear desk",
        ]));
        let said = ok(annex(&["training", "status", "TC-0001"]));
        assert!(
            said.contains("1 of 1 completed (100%)") && said.contains("Sales"),
            "{said}"
        );
        let out = annex(&[
            "training", "complete", "--person", "nobody", "--module", "TM-0001",
        ]);
        assert_eq!(out.status.code(), Some(3));
    });
}
