//! The supplier register through the paths people take: a supplier's criticality derived from
//! the classification of the data it accesses and the processes that list it (and kept
//! current when those change), an override with its reason, the contract's clause gaps and
//! certifications that lapse, the review cycle, bad input named, stale writes refused, roles
//! kept, the pages and forms, the exports that import back unchanged, a vendor list imported
//! with its own headers, the command line; on both databases.

use crate::harness::{Auth, Res, TestApp, send_to};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

pub(crate) async fn put(
    app: &TestApp,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Value,
) -> Res {
    let mut req = Request::put(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(tag) = if_match {
        req = req.header(header::IF_MATCH, tag);
    }
    send_to(&app.router, req.body(Body::from(body.to_string())).unwrap()).await
}

async fn supplier(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/suppliers/{id}"), Auth::Bearer(token))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

async fn ids(app: &TestApp, token: &str, query: &str) -> Vec<String> {
    let res = app
        .get(&format!("/api/v1/suppliers{query}"), Auth::Bearer(token))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap().to_string())
        .collect()
}

async fn asset(app: &TestApp, token: &str, name: &str, classification: &str) -> String {
    let res = app
        .post_json(
            "/api/v1/assets",
            Auth::Bearer(token),
            json!({"name": name, "asset_type": "Software", "classification": classification}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_supplier_s_criticality_follows_its_data_and_the_processes_that_need_it() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let viewer = app.token_as(Role::Viewer).await;
        let crm = asset(&app, &manager, "CRM", "Internal").await;
        let today = app.store.today();
        let day = |n: i64| annex::domain::input::days_after(&today, n).unwrap();
        // A certificate that lapses within the warning period; a report whose year is over.
        let (soon, period_end) = (day(30), day(-400));
        let lapsed = day(-35);

        // Bad suppliers are named field by field; only managers and admins add them.
        let res = app
            .post_json(
                "/api/v1/suppliers",
                Auth::Bearer(&manager),
                json!({"name": " ", "owner": "ana", "criticality": "high",
                       "clauses": ["right to audit: maybe", "incident notification: in the contract, soon"],
                       "certifications": "ISO/IEC 27001 certificate | 123 | BSI",
                       "notice_days": -1}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.fields(),
            [
                "name",
                "owner",
                "criticality_reason",
                "notice_days",
                "clauses",
                "clauses",
                "certifications"
            ],
            "{}",
            res.body
        );
        let res = app
            .post_json(
                "/api/v1/suppliers",
                Auth::Bearer(&manager),
                json!({"name": "Ωμέγα Cloud Α.Ε.", "assets": ["A-9999"]}),
            )
            .await;
        assert_eq!(res.fields(), ["assets"], "{}", res.body);
        let omega = json!({"name": "Ωμέγα Cloud Α.Ε.", "services": "CRM hosting", "owner": "Sales@Example.com",
                           "assets": [crm], "data_locations": ["Ελλάδα", "Germany"],
                           "contract_start": "2025-01-01", "contract_end": "2027-12-31", "auto_renews": true,
                           "notice_days": 90,
                           "clauses": ["confidentiality: in the contract", "incident notification: in the contract, 72 h",
                                       "screening: not applicable"],
                           "certifications": [format!("ISO/IEC 27001 certificate | IS 654321 | BSI | {soon}"),
                                              format!("SOC 2 Type II report | FY2025 | Some auditor | {period_end}")],
                           "cloud_services": ["CRM (SaaS)"], "exit_plan": "Export every record as CSV; deletion certified."});
        let res = app
            .post_json(
                "/api/v1/suppliers",
                Auth::Bearer(&contributor),
                omega.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json("/api/v1/suppliers", Auth::Bearer(&manager), omega.clone())
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let s = res.json();
        let id = s["id"].as_str().unwrap().to_string();
        assert_eq!(id, "SUP-0001");
        assert_eq!(s["owner"], "sales@example.com");
        assert_eq!(s["criticality"], "medium", "internal data: {s}");
        assert_eq!(s["derived_why"], json!(["accesses Internal data"]));
        assert!(s["criticality_override"].is_null());
        assert_eq!(s["review_due"], Value::Null, "never reviewed");
        let res = app
            .post_json(
                "/api/v1/suppliers",
                Auth::Bearer(&manager),
                json!({"name": "ωμέγα cloud α.ε."}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

        // The CRM's data is reclassified as restricted: the supplier becomes critical, and
        // the audit trail says why.
        let a = app
            .get(&format!("/api/v1/assets/{crm}"), Auth::Bearer(&manager))
            .await
            .json();
        let res = put(
            &app,
            &format!("/api/v1/assets/{crm}"),
            &manager,
            None,
            json!({"name": a["name"], "asset_type": "Software", "classification": "Restricted"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let s = supplier(&app, &viewer, &id).await;
        assert_eq!(s["criticality"], "critical", "{s}");
        assert_eq!(s["derived_why"], json!(["accesses Restricted data"]));
        let trail = app
            .get(
                &format!("/api/v1/audit?object_type=supplier&object_id={id}"),
                Auth::Bearer(&app.token_as(Role::Admin).await),
            )
            .await;
        assert!(
            trail.body.contains("supplier.criticality") && trail.body.contains("\"system\""),
            "{}",
            trail.body
        );

        // A payroll bureau with no linked data: high because a process lists it, critical
        // when that process must recover within a day.
        let res = app
            .post_json(
                "/api/v1/suppliers",
                Auth::Bearer(&manager),
                json!({"name": "給与計算サービス株式会社", "personal_data": false}),
            )
            .await;
        let bureau = res.json()["id"].as_str().unwrap().to_string();
        assert_eq!(res.json()["criticality"], "low");
        let res = app
            .post_json(
                "/api/v1/processes",
                Auth::Bearer(&manager),
                json!({"name": "Payroll", "rto": "3 days", "mtpd": "1 week", "suppliers": ["給与計算サービス株式会社"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let process = res.json();
        let s = supplier(&app, &viewer, &bureau).await;
        assert_eq!(s["criticality"], "high", "{s}");
        assert_eq!(s["derived_why"], json!(["Payroll depend on it"]));
        let changed = json!({"name": "Payroll", "rto": "4 hours", "mtpd": "1 day", "suppliers": ["給与計算サービス株式会社"]});
        let res = put(
            &app,
            &format!("/api/v1/processes/{}", process["id"].as_str().unwrap()),
            &manager,
            None,
            changed,
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let s = supplier(&app, &viewer, &bureau).await;
        assert_eq!(s["criticality"], "critical", "{s}");

        // An override needs its reason; the derived criticality stays beside it. A stale
        // write is refused.
        let mut edit = omega.clone();
        edit["criticality"] = json!("low");
        let res = put(
            &app,
            &format!("/api/v1/suppliers/{id}"),
            &manager,
            Some("\"1\""),
            edit.clone(),
        )
        .await;
        assert_eq!(res.fields(), ["criticality_reason"], "{}", res.body);
        edit["criticality_reason"] = json!("only test data is kept there until go-live");
        edit["reviewed_on"] = json!(app.store.today());
        let res = put(
            &app,
            &format!("/api/v1/suppliers/{id}"),
            &manager,
            Some("\"1\""),
            edit.clone(),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.headers.get("etag").unwrap(), "\"2\"");
        let s = res.json();
        assert_eq!(
            (s["criticality"].as_str(), s["derived_criticality"].as_str()),
            (Some("low"), Some("critical"))
        );
        let due = annex::registers::document::domain::months_after(&app.store.today(), 36);
        assert_eq!(
            s["review_due"].as_str(),
            due.as_deref(),
            "low: every 3 years"
        );
        let res = put(
            &app,
            &format!("/api/v1/suppliers/{id}"),
            &manager,
            Some("\"1\""),
            edit.clone(),
        )
        .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

        // Filters, and a bad one named.
        assert_eq!(
            ids(&app, &viewer, "?criticality=critical").await,
            [bureau.as_str()]
        );
        assert_eq!(ids(&app, &viewer, "?review_due=1").await, [bureau.as_str()]);
        assert_eq!(ids(&app, &viewer, "?cloud=true").await, [id.as_str()]);
        assert_eq!(ids(&app, &viewer, "?q=CRM").await, [id.as_str()]);
        assert_eq!(
            ids(&app, &viewer, "?owner=sales@example.com").await,
            [id.as_str()]
        );
        let res = app
            .get(
                "/api/v1/suppliers?criticality=extreme",
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);

        // The pages: the register, the supplier with its clause gaps and certifications.
        let browser = app.browser_as(Role::Viewer).await;
        let page = app.get("/suppliers", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK);
        for text in [
            "Ωμέγα Cloud Α.Ε.",
            "給与計算サービス株式会社",
            "never reviewed",
            "set by hand",
        ] {
            assert!(page.body.contains(text), "{text}: {}", page.body);
        }
        let page = app
            .get(&format!("/suppliers/{id}"), Auth::Browser(&browser))
            .await;
        for text in [
            "incident notification within 72 h, not 24 h".to_string(),
            "right to audit is missing".into(),
            format!("lapses on {soon}"),
            format!("lapsed on {lapsed}"),
            "only test data is kept there until go-live".into(),
            "accesses Restricted data".into(),
            "Export every record as CSV".into(),
        ] {
            assert!(page.body.contains(&text), "{text}: {}", page.body);
        }
        assert!(!page.body.contains("Edit the supplier"), "a viewer reads");
        let res = app.get("/suppliers/new", Auth::Browser(&browser)).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        // The form: a bad one is shown again with what was typed; a good one saves.
        let admin = app.browser_as(Role::Manager).await;
        let csrf = admin.csrf.clone();
        let res = app
            .post_form(
                "/suppliers",
                Auth::Browser(&admin),
                &[
                    ("_csrf", &csrf),
                    ("name", "Λογιστική Α.Ε."),
                    ("criticality", "high"),
                    ("clause_right_to_audit", "present"),
                    ("clause_incident_notification", "present"),
                    ("hours_incident_notification", "48"),
                    ("contract_end", "2027-02-30"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("Λογιστική Α.Ε.")
                && res
                    .body
                    .contains("say why the derived criticality does not fit")
                && res.body.contains("value=\"48\""),
            "{}",
            res.body
        );
        let res = app
            .post_form(
                "/suppliers",
                Auth::Browser(&admin),
                &[
                    ("_csrf", &csrf),
                    ("name", "Λογιστική Α.Ε."),
                    ("personal_data", "1"),
                    ("clause_right_to_audit", "present"),
                    ("clause_incident_notification", "present"),
                    ("hours_incident_notification", "48"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get(&res.location(), Auth::Browser(&admin)).await;
        assert!(
            page.body.contains("processes personal data")
                && page
                    .body
                    .contains("incident notification within 48 h, not 24 h"),
            "{}",
            page.body
        );
    });
}

fn report_of(res: &Res) -> Value {
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["report"].clone()
}

fn count(report: &Value, what: &str) -> usize {
    report[what].as_array().map(Vec::len).unwrap_or(0)
}

#[tokio::test]
async fn the_supplier_register_imports_back_unchanged_and_a_bad_file_writes_nothing() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let browser = app.browser_as(Role::Manager).await;
        let crm = asset(&app, &manager, "CRM", "Confidential").await;
        let res = app
            .post_json(
                "/api/v1/suppliers",
                Auth::Bearer(&manager),
                json!({"name": "Ωμέγα Cloud Α.Ε.", "assets": [crm], "personal_data": true,
                       "sub_processors": "Hetzner; OVH", "contract_end": "2027-12-31", "notice_days": "30",
                       "clauses": "right to audit: in the contract; incident notification: in the contract, 24 h",
                       "certifications": "ISO/IEC 27001 certificate | IS 1 | BSI | 2028-01-01",
                       "criticality": "critical", "criticality_reason": "runs the shop"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);

        for path in ["/suppliers.csv", "/suppliers.xlsx"] {
            let (status, _, bytes) = app.get_bytes(path, Auth::Browser(&browser)).await;
            assert_eq!(status, StatusCode::OK);
            let res = app
                .post_bytes("/api/v1/suppliers/import", Auth::Bearer(&manager), bytes)
                .await;
            let report = report_of(&res);
            assert_eq!(count(&report, "unchanged"), 1, "{path}: {report}");
            assert_eq!(count(&report, "updated"), 0, "{path}: {report}");
        }
        let (_, _, csv) = app
            .get_bytes("/suppliers.csv", Auth::Browser(&browser))
            .await;
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.contains("Criticality override") && csv.contains("right to audit: in the contract"),
            "{csv}"
        );

        // A vendor list with its own headers: a new supplier, one matched by name.
        let list = "Lieferant,Service,PII,Hosting,Contract end,Notice period\n\
                    Müller Druck GmbH,Drucksachen,no,Deutschland,2027-03-31,60\n\
                    Ωμέγα Cloud Α.Ε.,CRM hosting,yes,,2027-12-31,30\n";
        let res = app
            .post_bytes(
                "/api/v1/suppliers/import?dry_run=true",
                Auth::Bearer(&manager),
                list.into(),
            )
            .await;
        let report = report_of(&res);
        assert_eq!(count(&report, "created"), 1, "{report}");
        assert_eq!(count(&report, "updated"), 1, "{report}");
        assert_eq!(
            ids(&app, &manager, "").await.len(),
            1,
            "a dry run writes nothing"
        );
        let res = app
            .post_bytes(
                "/api/v1/suppliers/import",
                Auth::Bearer(&contributor),
                list.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_bytes(
                "/api/v1/suppliers/import",
                Auth::Bearer(&manager),
                list.into(),
            )
            .await;
        let report = report_of(&res);
        assert_eq!(report["created"], json!(["SUP-0002"]), "{report}");
        assert_eq!(report["updated"], json!(["SUP-0001"]), "{report}");
        let s = supplier(&app, &manager, "SUP-0002").await;
        assert_eq!(s["data_locations"], json!(["Deutschland"]));
        assert_eq!(s["notice_days"], 60);

        // A bad file: every problem named by row and column, nothing written.
        let bad = "Name,Personal data,Assets,Clauses,Certifications\n\
                   Neu GmbH,perhaps,A-9999,,\n\
                   Neu GmbH,no,,audit rights,ISO | 1\n";
        let res = app
            .post_bytes(
                "/api/v1/suppliers/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        for text in [
            "row 2, column Personal data",
            "row 3, column Clauses",
            "row 3, column Certifications",
        ] {
            assert!(res.body.contains(text), "{text}: {}", res.body);
        }
        let bad = "Name,Assets\nNeu GmbH,A-9999\nneu gmbh,\n";
        let res = app
            .post_bytes(
                "/api/v1/suppliers/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("is on row 2 too"), "{}", res.body);
        let bad = "Name,Assets\nNeu GmbH,A-9999\n";
        let res = app
            .post_bytes(
                "/api/v1/suppliers/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("A-9999"), "{}", res.body);
        assert_eq!(ids(&app, &manager, "").await.len(), 2, "nothing written");
        let page = app.get("/suppliers/import", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK);

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
            "supplier",
            "add",
            "--name",
            "Ταχυμεταφορές ΟΕ",
            "--personal-data",
            "yes",
            "--clauses",
            "confidentiality: in the contract",
        ]));
        assert!(
            text.contains("added SUP-0003") && text.contains("criticality high"),
            "{text}"
        );
        let out = annex(&["supplier", "edit", "SUP-0003", "--notice-days", "many"]);
        assert_eq!(out.status.code(), Some(3), "a bad notice period");
        let text = ok(annex(&["supplier", "list", "--criticality", "high"]));
        assert!(
            text.contains("Ταχυμεταφορές ΟΕ") && text.contains("1 supplier"),
            "{text}"
        );
        let text = ok(annex(&["supplier", "show", "SUP-0001"]));
        assert!(text.contains("set by hand: runs the shop"), "{text}");
        let file = db.dir.path().join("suppliers.xlsx");
        let f = file.to_str().unwrap();
        ok(annex(&[
            "supplier", "export", "--format", "xlsx", "--out", f,
        ]));
        let text = ok(annex(&["supplier", "import", f]));
        assert!(text.contains("unchanged 3"), "{text}");
    });
}
