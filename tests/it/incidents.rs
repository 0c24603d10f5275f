//! Incidents through the paths people take: a report (signed in, or through a person's link
//! without an account), triage as an incident involving personal data (restricted from
//! others), the GDPR clock started at awareness, the notification recorded in time, the steps
//! of handling on an append-only timeline, and closing with lessons learned that start a
//! measure; bad input named, stale writes refused, roles kept, on both databases.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// An incident as the API answers it: the record, its timeline, notifications, deadlines.
pub(crate) async fn record(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/incidents/{id}"), Auth::Bearer(token))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

/// Reports an event through the API; answers its id.
pub(crate) async fn reported(app: &TestApp, token: &str, title: &str) -> String {
    let res = app
        .post_json(
            "/api/v1/incidents",
            Auth::Bearer(token),
            json!({ "title": title }),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_lost_laptop_is_reported_triaged_notified_in_time_handled_and_closed_with_a_measure() {
    on_every_database!(|app| {
        let manager_email = app.add_user(Role::Manager).await;
        let manager = app.token_for(&manager_email).await;
        let viewer = app.token_as(Role::Viewer).await;
        let contributor = app.token_as(Role::Contributor).await;
        let laptop = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&manager),
                json!({"name": "Φορητός υπολογιστής 42", "asset_type": "Hardware", "classification": "Confidential"}),
            )
            .await;
        assert_eq!(laptop.status, StatusCode::CREATED, "{}", laptop.body);
        let laptop = laptop.json()["id"].as_str().unwrap().to_string();

        // Bad reports are named.
        let res = app
            .post_json(
                "/api/v1/incidents",
                Auth::Bearer(&viewer),
                json!({"title": " ", "noticed_at": "tomorrow"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["title", "noticed_at"]);

        // A staff member reports it through their personal link, without an account.
        let person = app
            .post_json(
                "/api/v1/people",
                Auth::Bearer(&manager),
                json!({"name": "Ελένη Ρήγα", "department": "Sales"}),
            )
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let path = app
            .post_json(
                &format!("/api/v1/people/{person}/link"),
                Auth::Bearer(&manager),
                json!({}),
            )
            .await
            .json()["path"]
            .as_str()
            .unwrap()
            .to_string();
        let (page, browser) =
            crate::acknowledgements::anonymous_at(&app, &format!("{path}/report")).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        let res = app
            .post_form(
                &format!("{path}/report"),
                Auth::Browser(&browser),
                &[
                    ("title", "Laptop left on the train"),
                    (
                        "description",
                        "Ο φορητός έμεινε στο τρένο Αθήνα–Θεσσαλονίκη.",
                    ),
                    ("affected", "my laptop, customer spreadsheets"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let receipt = app.get(&res.location(), Auth::Browser(&browser)).await;
        assert!(receipt.body.contains("INC-"), "a receipt: {}", receipt.body);
        let list = app
            .get("/api/v1/incidents", Auth::Bearer(&manager))
            .await
            .json();
        let id = list["items"][0]["id"].as_str().unwrap().to_string();
        assert_eq!(list["items"][0]["reported_by"], format!("link:{person}"));
        assert_eq!(list["items"][0]["reported_via"], "link");

        // Triage: GDPR must be switched on first; only managers triage.
        let triage = json!({"classification": "incident", "reason": "customer data on an unencrypted disk", "category": "lost_device", "severity": "high", "personal_data": true, "regimes": ["gdpr"], "assets": [laptop]});
        let res = app
            .put_json(
                &format!("/api/v1/incidents/{id}/triage"),
                Auth::Bearer(&manager),
                triage.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("switched off"), "{}", res.body);
        let res = app
            .put_json(
                "/api/v1/incidents/regimes/gdpr",
                Auth::Bearer(&contributor),
                json!({"enabled": true}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .put_json(
                "/api/v1/incidents/regimes/gdpr",
                Auth::Bearer(&manager),
                json!({"hours": null}),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "on or off must be said: {}",
            res.body
        );
        let res = app
            .put_json(
                "/api/v1/incidents/regimes/contract",
                Auth::Bearer(&manager),
                json!({"enabled": true, "hours": 36.0}),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "36.0 is a whole number: {}",
            res.body
        );
        assert!(res.body.contains("\"count\":36"), "{}", res.body);
        let res = app
            .put_json(
                "/api/v1/incidents/regimes/gdpr",
                Auth::Bearer(&manager),
                json!({"enabled": true}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .put_json(
                &format!("/api/v1/incidents/{id}/triage"),
                Auth::Bearer(&contributor),
                triage.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let mut bad = triage.clone();
        bad["assets"] = json!(["A-9999"]);
        bad["severity"] = json!("apocalyptic");
        let res = app
            .put_json(
                &format!("/api/v1/incidents/{id}/triage"),
                Auth::Bearer(&manager),
                bad,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["severity"]);
        let res = app
            .put_json(
                &format!("/api/v1/incidents/{id}/triage"),
                Auth::Bearer(&manager),
                triage.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let i = res.json();
        assert_eq!(
            (i["status"].as_str(), i["restricted"].as_bool()),
            (Some("triaged"), Some(true))
        );
        assert_eq!(i["handler"], manager_email.to_lowercase());
        assert_eq!(i["assets"], json!([laptop]));

        // Personal data restricts it: a viewer does not see it at all.
        let res = app
            .get(&format!("/api/v1/incidents/{id}"), Auth::Bearer(&viewer))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let seen = app
            .get("/api/v1/incidents", Auth::Bearer(&viewer))
            .await
            .json();
        assert_eq!(seen["total"], 0, "{seen}");

        // The GDPR clock: 72 hours from awareness.
        let r = record(&app, &manager, &id).await;
        let stage = &r["deadlines"][0];
        assert_eq!(
            (stage["regime"].as_str(), stage["stage"].as_str()),
            (Some("gdpr"), Some("authority"))
        );
        assert_eq!(stage["state"], "due");
        let aware =
            annex::domain::clock::parse_stamp(r["incident"]["aware_at"].as_str().unwrap()).unwrap();
        let due = annex::domain::clock::parse_stamp(stage["due_at"].as_str().unwrap()).unwrap();
        assert_eq!((due - aware).whole_hours(), 72);
        let panel = app
            .get("/api/v1/incidents/deadlines", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(panel[0]["incident"], id.as_str(), "{panel}");

        // The notification is recorded; a stage of another regime or a second one is refused.
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/notifications"),
                Auth::Bearer(&manager),
                json!({"regime": "nis2", "stage": "early_warning", "recipient": "CSIRT"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/notifications"),
                Auth::Bearer(&manager),
                json!({"regime": "gdpr", "stage": "authority", "recipient": "Αρχή Προστασίας Δεδομένων", "content": "Form ref 2026/118"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/notifications"),
                Auth::Bearer(&manager),
                json!({"regime": "gdpr", "stage": "authority", "recipient": "again"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let r = record(&app, &manager, &id).await;
        assert_eq!(r["deadlines"][0]["state"], "sent");
        let panel = app
            .get("/api/v1/incidents/deadlines", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(panel, json!([]), "nothing left to send");

        // Handling: it cannot close before it is recovered; a stale step is refused.
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/close"),
                Auth::Bearer(&manager),
                json!({"lessons": "x"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let revision = r["incident"]["revision"].as_i64().unwrap();
        for note in [
            "remote wipe sent",
            "account tokens revoked",
            "replacement issued",
        ] {
            let res = app
                .post_json(
                    &format!("/api/v1/incidents/{id}/advance"),
                    Auth::Bearer(&manager),
                    json!({"note": note}),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        }
        let stale = app
            .send(
                axum::http::Request::post(format!("/api/v1/incidents/{id}/close"))
                    .header("authorization", format!("Bearer {manager}"))
                    .header("content-type", "application/json")
                    .header("if-match", format!("\"{revision}\""))
                    .body(axum::body::Body::from(
                        json!({"lessons": "late"}).to_string(),
                    ))
                    .unwrap(),
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/close"),
                Auth::Bearer(&manager),
                json!({"lessons": " "}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/close"),
                Auth::Bearer(&manager),
                json!({"lessons": "Laptop disks were not encrypted.", "root_cause": "no encryption baseline", "measures": "Encrypt every laptop disk\n"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let closed = res.json();
        let measure = closed["measures"][0].as_str().unwrap().to_string();
        let m = app
            .get(
                &format!("/api/v1/measures/{measure}"),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(m["name"], "Encrypt every laptop disk", "{m}");

        // The timeline tells the whole story, in order, and is in the audit trail.
        let r = record(&app, &manager, &id).await;
        let kinds: Vec<&str> = r["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert_eq!(
            kinds,
            [
                "reported",
                "triaged",
                "notification",
                "status",
                "status",
                "status",
                "closed"
            ]
        );
        let trail = app.audit_of("incident", 50).await;
        for action in [
            "incident.report",
            "incident.triage",
            "incident.notify",
            "incident.advance",
            "incident.close",
        ] {
            assert!(trail.iter().any(|e| e.action == action), "{action}");
        }
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/actions"),
                Auth::Bearer(&manager),
                json!({"text": "after the fact"}),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "a closed incident's timeline is final"
        );
    });
}

#[tokio::test]
async fn the_command_line_reports_triages_and_closes_an_event() {
    on_every_database!(|app| {
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
        let said = ok(annex(&[
            "incident",
            "report",
            "--title",
            "Podezřelý e-mail",
            "--noticed-at",
            "2026-01-05T09:30",
        ]));
        assert!(said.contains("INC-0001"), "{said}");
        let out = annex(&[
            "incident",
            "triage",
            "INC-0001",
            "--reason",
            "x",
            "--regimes",
            "gdpr",
        ]);
        assert_eq!(out.status.code(), Some(3), "an event notifies no one");
        ok(annex(&[
            "incident",
            "triage",
            "INC-0001",
            "--reason",
            "blocked by the filter",
        ]));
        let out = annex(&["incident", "advance", "INC-0001"]);
        assert_eq!(
            out.status.code(),
            Some(5),
            "an event is not handled step by step"
        );
        let said = ok(annex(&[
            "incident",
            "close",
            "INC-0001",
            "--lessons",
            "the filter works",
            "--risk",
            "Filtr propustí cílený phishing | 2 | 3",
        ]));
        assert!(
            said.contains("closed") && said.contains("risks registered: R-"),
            "{said}"
        );
        let said = ok(annex(&["incident", "list"]));
        assert!(
            said.contains("Podezřelý e-mail") && said.contains("1 incident"),
            "{said}"
        );
        // The register's CSV imports back unchanged; a log of another tool adds to it.
        let file = db.dir.path().join("incidents.csv");
        let f = file.to_str().unwrap();
        let csv = ok(annex(&["incident", "list", "--format", "csv"]));
        std::fs::write(&file, &csv).unwrap();
        let said = ok(annex(&["incident", "import", f]));
        assert!(said.contains("unchanged 1"), "{said}");
        std::fs::write(&file, "Ticket;Summary\nT-1;Ztracený odznak\n").unwrap();
        let said = ok(annex(&["incident", "import", f, "--map", "Ticket=id"]));
        assert!(said.contains("created 1"), "{said}");
        assert!(ok(annex(&["incident", "show", "T-1"])).contains("Ztracený odznak"));
        let said = ok(annex(&[
            "incident", "regimes", "--on", "contract", "--hours", "24",
        ]));
        assert!(said.contains("within 24 hours"), "{said}");
    });
}

#[tokio::test]
async fn a_manager_handles_an_incident_on_its_pages() {
    on_every_database!(|app| {
        let browser = app.browser_as(Role::Manager).await;
        let viewer = app.browser_as(Role::Viewer).await;
        let page = app.get("/incidents", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Nothing reported yet"), "{}", page.body);

        // A viewer reports; a bad form keeps what was typed and names the field.
        let res = app
            .post_form(
                "/incidents",
                Auth::Browser(&viewer),
                &[("title", ""), ("description", "Ένα ύποπτο μήνυμα")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("Ένα ύποπτο μήνυμα"), "{}", res.body);
        let res = app
            .post_form(
                "/incidents",
                Auth::Browser(&viewer),
                &[
                    ("title", "Phishing e-mail opened"),
                    ("affected", "my mailbox"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let at = res.location();
        let id = at
            .trim_start_matches("/incidents/")
            .split('?')
            .next()
            .unwrap()
            .to_string();
        let page = app.get(&at, Auth::Browser(&viewer)).await;
        assert!(
            page.body.contains("Your report was recorded"),
            "{}",
            page.body
        );
        assert!(
            !page.body.contains("Save the assessment"),
            "a viewer does not triage"
        );

        // The manager switches NIS2 on, triages, records the early warning, handles and closes.
        let res = app
            .post_form(
                "/incidents/regimes",
                Auth::Browser(&browser),
                &[("regime", "nis2"), ("enabled", "1")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get("/incidents/regimes", Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("Early warning to the CSIRT"),
            "{}",
            page.body
        );
        let rev = |body: &str| {
            body.split("name=\"revision\" value=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .unwrap()
                .to_string()
        };
        let page = app
            .get(&format!("/incidents/{id}"), Auth::Browser(&browser))
            .await;
        assert!(page.body.contains("Save the assessment"), "{}", page.body);
        let revision = rev(&page.body);
        let res = app
            .post_form(
                &format!("/incidents/{id}/triage"),
                Auth::Browser(&browser),
                &[
                    ("revision", &revision),
                    ("classification", "incident"),
                    ("reason", ""),
                    ("category", "phishing"),
                    ("severity", "medium"),
                    ("regimes", "nis2"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("say why it is"), "{}", res.body);
        let res = app
            .post_form(
                &format!("/incidents/{id}/triage"),
                Auth::Browser(&browser),
                &[
                    ("revision", &revision),
                    ("classification", "incident"),
                    ("reason", "credentials were entered on the fake page"),
                    ("category", "phishing"),
                    ("severity", "medium"),
                    ("regimes", "nis2"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get("/incidents", Auth::Browser(&browser)).await;
        assert!(
            page.body.contains("Notifications due") && page.body.contains("Early warning"),
            "{}",
            page.body
        );
        let page = app
            .get(&format!("/incidents/{id}"), Auth::Browser(&browser))
            .await;
        assert!(page.body.contains("due in"), "a countdown: {}", page.body);
        let res = app
            .post_form(
                &format!("/incidents/{id}/notifications"),
                Auth::Browser(&browser),
                &[
                    ("stage", "nis2:early_warning"),
                    ("recipient", "CSIRT"),
                    ("sent_at", "2099-01-01T10:00"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .post_form(
                &format!("/incidents/{id}/notifications"),
                Auth::Browser(&browser),
                &[("stage", "nis2:early_warning"), ("recipient", "CSIRT")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        // A stale step is refused on the page; then contained, eradicated, recovered.
        let res = app
            .post_form(
                &format!("/incidents/{id}/advance"),
                Auth::Browser(&browser),
                &[("revision", &revision), ("note", "password reset")],
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        for note in ["password reset", "mail rule removed", "mailbox checked"] {
            let page = app
                .get(&format!("/incidents/{id}"), Auth::Browser(&browser))
                .await;
            let res = app
                .post_form(
                    &format!("/incidents/{id}/advance"),
                    Auth::Browser(&browser),
                    &[("revision", &rev(&page.body)), ("note", note)],
                )
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        }
        let page = app
            .get(&format!("/incidents/{id}"), Auth::Browser(&browser))
            .await;
        assert!(
            page.body.contains("Close with the lessons learned"),
            "{}",
            page.body
        );
        let res = app
            .post_form(
                &format!("/incidents/{id}/close"),
                Auth::Browser(&browser),
                &[
                    ("revision", &rev(&page.body)),
                    ("lessons", "people still open unexpected links"),
                    ("measures", "Quarterly phishing exercise"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app
            .get(&format!("/incidents/{id}"), Auth::Browser(&viewer))
            .await;
        assert!(
            page.body.contains("people still open unexpected links")
                && page.body.contains("Measures started: M-"),
            "{}",
            page.body
        );
        let dash = app.get("/", Auth::Browser(&browser)).await;
        assert_eq!(dash.status, StatusCode::OK);

        // The register exports in words.
        let (status, _, csv) = app
            .get_bytes("/incidents.csv?status=closed", Auth::Browser(&browser))
            .await;
        assert_eq!(status, StatusCode::OK);
        let csv = String::from_utf8(csv).unwrap();
        assert!(
            csv.starts_with("ID,Title,Status,Classification,Reason,Category,Severity,Personal data")
                && csv.contains("Phishing e-mail opened,closed,incident,credentials were entered on the fake page,phishing,medium,no"),
            "{csv}"
        );
        let (status, _, xlsx) = app
            .get_bytes("/incidents.xlsx", Auth::Browser(&browser))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(xlsx.starts_with(b"PK"));
    });
}

/// Runs SQL on the app's database directly (as someone with database access would).
async fn raw_sql(app: &TestApp, sql: &str) -> Result<(), String> {
    match app.db.backend {
        crate::harness::Backend::Sqlite => {
            let pool = sqlx::SqlitePool::connect(&app.db.url).await.unwrap();
            let r = sqlx::query(sql).execute(&pool).await;
            pool.close().await;
            r.map(|_| ()).map_err(|e| e.to_string())
        }
        crate::harness::Backend::Postgres => {
            let pool = sqlx::PgPool::connect(&app.db.url).await.unwrap();
            let r = sqlx::query(sql).execute(&pool).await;
            pool.close().await;
            r.map(|_| ()).map_err(|e| e.to_string())
        }
    }
}

#[tokio::test]
async fn evidence_is_kept_by_hash_with_an_append_only_chain_of_custody_exported_with_the_incident()
{
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let viewer = app.token_as(Role::Viewer).await;
        let id = app
            .post_json(
                "/api/v1/incidents",
                Auth::Bearer(&manager),
                json!({"title": "Laptop stolen from a car", "affected": "LAP-7"}),
            )
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_string();
        let res = app
            .put_json(
                &format!("/api/v1/incidents/{id}/triage"),
                Auth::Bearer(&manager),
                json!({"classification": "incident", "reason": "device with customer data", "category": "lost_device", "severity": "medium"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let path = format!("/api/v1/incidents/{id}/evidence");
        let image: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();

        // Only who handles it keeps evidence; bad files and fields are named.
        for token in [&viewer, &contributor] {
            let res = app
                .upload(
                    &path,
                    Auth::Bearer(token),
                    &[],
                    Some(("laptop.img", &image)),
                )
                .await;
            assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);
        }
        let res = app
            .upload(
                &path,
                Auth::Bearer(&manager),
                &[],
                Some(("tool.img", b"MZ\x90\x00 a program")),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["file"]);
        let res = app
            .upload(
                &path,
                Auth::Bearer(&manager),
                &[("collected_at", "2099-01-01T10:00"), ("colour", "red")],
                Some(("laptop.img", &image)),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["colour"]);
        let res = app
            .upload(
                &path,
                Auth::Bearer(&manager),
                &[("collected_at", "2099-01-01T10:00")],
                Some(("laptop.img", &image)),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["collected_at"]);
        let res = app.upload(&path, Auth::Bearer(&manager), &[], None).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);

        let res = app
            .upload(
                &path,
                Auth::Bearer(&manager),
                &[
                    ("description", "Αντίγραφο δίσκου του φορητού"),
                    ("collected_by", "Ανδρέας, IT"),
                    ("collected_from", "LAP-7 recovered by the police"),
                ],
                Some(("δίσκος-LAP-7.img", &image)),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let e = res.json();
        assert_eq!(e["seq"], 1);
        assert_eq!(e["file"]["file_name"], "δίσκος-LAP-7.img");
        assert_eq!(e["holder"], "Ανδρέας, IT");
        assert_eq!(e["custody"].as_array().unwrap().len(), 1);
        let sha = e["file"]["sha256"].as_str().unwrap().to_string();

        // It downloads byte for byte, with its hash; anyone who sees the incident reads it.
        let (status, headers, bytes) = app
            .get_bytes(&format!("{path}/1/file"), Auth::Bearer(&viewer))
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, image);
        assert_eq!(headers["x-content-sha256"], sha.as_str());
        let res = app
            .get(&format!("{path}/9/file"), Auth::Bearer(&manager))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);

        // Hand-overs: named problems, then appended in order.
        let handover = format!("{path}/1/handover");
        let res = app
            .post_json(
                &handover,
                Auth::Bearer(&manager),
                json!({"to": "Ανδρέας, IT"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("holds it already"), "{}", res.body);
        let res = app
            .post_json(
                &handover,
                Auth::Bearer(&manager),
                json!({"to": "forensics", "at": "2001-01-01T00:00"}),
            )
            .await;
        assert_eq!(res.fields(), ["at"]);
        let res = app
            .post_json(&handover, Auth::Bearer(&contributor), json!({"to": "me"}))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json(
                &handover,
                Auth::Bearer(&manager),
                json!({"to": "Forensics Ltd (Ιωάννα)", "purpose": "imaging analysis"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let e = res.json();
        assert_eq!(e["holder"], "Forensics Ltd (Ιωάννα)");
        let lines: Vec<(&str, &str)> = e["custody"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| {
                (
                    c["from_holder"].as_str().unwrap(),
                    c["to_holder"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            lines,
            [
                ("", "Ανδρέας, IT"),
                ("Ανδρέας, IT", "Forensics Ltd (Ιωάννα)")
            ]
        );

        // The custody log cannot be changed, even in the database.
        for sql in [
            "update incident_custody set to_holder = 'someone else'",
            "delete from incident_custody",
        ] {
            let r = raw_sql(&app, sql).await;
            assert!(
                r.as_ref().is_err_and(|e| e.contains("append-only")),
                "{sql}: {r:?}"
            );
        }

        // The record shows it, the timeline names it, the audit trail has it.
        let r = record(&app, &manager, &id).await;
        assert_eq!(
            r["evidence"][0]["custody"][1]["purpose"],
            "imaging analysis"
        );
        let kinds: Vec<&str> = r["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["kind"].as_str().unwrap())
            .collect();
        assert!(kinds.ends_with(&["evidence", "custody"]), "{kinds:?}");
        let trail = app.audit_of("incident", 50).await;
        for action in ["incident.evidence", "incident.hand_over"] {
            assert!(trail.iter().any(|e| e.action == action), "{action}");
        }

        // Exported with the incident: a workbook with the custody, in words.
        let (status, _, xlsx) = app
            .get_bytes(
                &format!("/api/v1/incidents/{id}/export"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        let grids = annex::exchange::sheet::read_file(&xlsx).unwrap();
        let names: Vec<&str> = grids.iter().filter_map(|g| g.sheet.as_deref()).collect();
        assert_eq!(
            names,
            [
                "Incident",
                "Timeline",
                "Notifications",
                "Evidence",
                "Custody"
            ]
        );
        let custody = &grids[4].rows;
        assert_eq!(custody[0][..5], ["Evidence", "Line", "At", "From", "To"]);
        assert_eq!(custody[1][3], "collected");
        assert_eq!(custody[2][4], "Forensics Ltd (Ιωάννα)");
        assert_eq!(grids[3].rows[1][3], sha);

        // Evidence is kept while it is handled; it still changes hands once closed.
        for _ in 0..3 {
            app.post_json(
                &format!("/api/v1/incidents/{id}/advance"),
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        }
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/close"),
                Auth::Bearer(&manager),
                json!({"lessons": "Laptops left in cars are stolen."}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .upload(
                &path,
                Auth::Bearer(&manager),
                &[],
                Some(("late.txt", b"late")),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = app
            .post_json(
                &handover,
                Auth::Bearer(&manager),
                json!({"to": "Legal (hold)", "purpose": "kept for court"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["custody"].as_array().unwrap().len(), 3);
    });
}

#[tokio::test]
async fn tasks_with_owners_hold_the_close_and_metrics_count_what_happened() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let owner_email = app.add_user(Role::Viewer).await;
        let owner = app.token_for(&owner_email).await;
        let other = app.token_as(Role::Contributor).await;
        let id = reported(&app, &manager, "Ransomware note on a share").await;
        app.put_json(
            &format!("/api/v1/incidents/{id}/triage"),
            Auth::Bearer(&manager),
            json!({"classification": "incident", "reason": "files encrypted", "category": "malware", "severity": "critical"}),
        )
        .await;
        let tasks = format!("/api/v1/incidents/{id}/tasks");
        let res = app
            .post_json(
                &tasks,
                Auth::Bearer(&manager),
                json!({"title": " ", "owner": "", "due_on": "soon"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["title", "owner", "due_on"]);
        let res = app
            .post_json(
                &tasks,
                Auth::Bearer(&other),
                json!({"title": "x", "owner": "y"}),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::FORBIDDEN,
            "only who handles it adds tasks"
        );
        let res = app
            .post_json(
                &tasks,
                Auth::Bearer(&manager),
                json!({"title": "Restore the share from last night's backup", "owner": owner_email, "due_on": "2026-12-31"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        for _ in 0..3 {
            app.post_json(
                &format!("/api/v1/incidents/{id}/advance"),
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        }
        let close = json!({"lessons": "Backups saved us.", "root_cause": "Macro in an attachment"});
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/close"),
                Auth::Bearer(&manager),
                close.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("Restore the share"), "{}", res.body);
        let res = app
            .post_json(&format!("{tasks}/1/done"), Auth::Bearer(&other), json!({}))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json(&format!("{tasks}/1/done"), Auth::Bearer(&owner), json!({}))
            .await;
        assert_eq!(
            res.status,
            StatusCode::OK,
            "the task's owner marks it done: {}",
            res.body
        );
        let res = app
            .post_json(&format!("{tasks}/1/done"), Auth::Bearer(&owner), json!({}))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id}/close"),
                Auth::Bearer(&manager),
                close,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let r = record(&app, &manager, &id).await;
        assert!(r["tasks"][0]["done_at"].is_string(), "{r}");

        // A second incident with the same cause: it recurs.
        let id2 = app
            .post_json(
                "/api/v1/incidents",
                Auth::Bearer(&manager),
                json!({"title": "Another macro"}),
            )
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_string();
        app.put_json(
            &format!("/api/v1/incidents/{id2}/triage"),
            Auth::Bearer(&manager),
            json!({"classification": "incident", "reason": "same again", "category": "malware", "severity": "high"}),
        )
        .await;
        for _ in 0..3 {
            app.post_json(
                &format!("/api/v1/incidents/{id2}/advance"),
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        }
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{id2}/close"),
                Auth::Bearer(&manager),
                json!({"lessons": "Block macros.", "root_cause": "macro in an  attachment"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let m = app
            .get("/api/v1/incidents/metrics", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(m["total"], 2, "{m}");
        assert_eq!(m["months"].as_array().unwrap().len(), 12);
        assert_eq!(m["recurring_causes"][0][1], 2, "{m}");
        assert!(m["median_close_hours"].is_number(), "{m}");
        let critical = m["by_severity"]
            .as_array()
            .unwrap()
            .iter()
            .find(|s| s["key"] == "critical")
            .unwrap();
        assert_eq!(critical["values"][11], 1.0);
        let browser = app.browser_as(Role::Viewer).await;
        let page = app.get("/incidents/metrics", Auth::Browser(&browser)).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("<svg class=\"chart bars\"")
                && page.body.contains("Macro in an attachment"),
            "{}",
            page.body
        );
    });
}

#[tokio::test]
async fn the_severity_scale_is_the_organisations_and_triage_names_what_is_affected() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let scale = app
            .get("/api/v1/incidents/severities", Auth::Bearer(&contributor))
            .await
            .json();
        assert_eq!(scale["levels"].as_array().unwrap().len(), 4, "{scale}");
        let id = reported(&app, &manager, "Web shop down").await;
        let triage = format!("/api/v1/incidents/{id}/triage");
        let mut t = json!({"classification": "incident", "reason": "no orders for an hour", "category": "denial_of_service",
                           "severity": "high", "processes": ["PR-9999"]});
        let res = app
            .put_json(&triage, Auth::Bearer(&manager), t.clone())
            .await;
        assert_eq!(res.fields(), ["processes"], "{}", res.body);
        let pid = app
            .post_json(
                "/api/v1/processes",
                Auth::Bearer(&manager),
                json!({"name": "Web shop orders"}),
            )
            .await
            .json()["id"]
            .as_str()
            .unwrap()
            .to_string();
        t["processes"] = json!([pid]);
        t["suppliers"] = json!(["Acme Hosting, Inc.", "Βήτα Πληρωμές"]);
        t["people"] = json!("about 1,200 customers\nthe support team");
        let res = app
            .put_json(&triage, Auth::Bearer(&manager), t.clone())
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let i = res.json();
        assert_eq!(i["processes"], json!([pid]));
        assert_eq!(
            i["suppliers"],
            json!(["Acme Hosting, Inc.", "Βήτα Πληρωμές"])
        );
        assert_eq!(
            i["people"],
            json!(["about 1,200 customers", "the support team"])
        );

        // The scale: checked, kept by managers, its used levels kept.
        let put = |body: Value, token: String| {
            let app = &app;
            async move {
                app.put_json("/api/v1/incidents/severities", Auth::Bearer(&token), body)
                    .await
            }
        };
        let res = put(
            json!({"levels": [{"key": "only", "label": "Only"}]}),
            manager.clone(),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let sev = json!({"levels": [
            {"key": "sev3", "label": "SEV 3", "description": "a few users"},
            {"key": "sev2", "label": "SEV 2 — σοβαρό"},
            {"key": "sev1", "label": "SEV 1"}]});
        let res = put(sev.clone(), contributor.clone()).await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = put(sev.clone(), manager.clone()).await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "high is in use: {}",
            res.body
        );
        assert!(res.body.contains("high (1 incident)"), "{}", res.body);
        let mut sev = sev;
        sev["levels"][1]["key"] = json!("high");
        let res = put(sev, manager.clone()).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        t["severity"] = json!("low");
        let res = app
            .put_json(&triage, Auth::Bearer(&manager), t.clone())
            .await;
        assert_eq!(res.fields(), ["severity"], "low is gone: {}", res.body);
        t["severity"] = json!("sev 1");
        let res = app
            .put_json(&triage, Auth::Bearer(&manager), t.clone())
            .await;
        assert_eq!(res.json()["severity"], "sev1", "{}", res.body);
        let list = app
            .get("/api/v1/incidents?severity=sev1", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(list["total"], 1, "{list}");
        let list = app
            .get(
                "/api/v1/incidents?severity=whatever",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(list.json()["total"], 0);
        let browser = app.browser_as(Role::Manager).await;
        let csv = app.get("/incidents.csv", Auth::Browser(&browser)).await;
        assert!(
            csv.body.contains("SEV 1") && csv.body.contains("Βήτα Πληρωμές"),
            "{}",
            csv.body
        );
        let page = app.get("/incidents/regimes", Auth::Browser(&browser)).await;
        assert!(page.body.contains("SEV 2 — σοβαρό"), "{}", page.body);
        let res = app
            .post_form(
                "/incidents/severities",
                Auth::Browser(&browser),
                &[
                    ("key_0", "sev3"),
                    ("label_0", "SEV 3"),
                    ("key_1", "high"),
                    ("label_1", "SEV 2"),
                    ("key_2", "sev1"),
                    ("label_2", "SEV 1"),
                    ("key_3", "sev0"),
                    ("label_3", "SEV 0"),
                    ("description_3", "everything is down"),
                    ("key_4", ""),
                    ("label_4", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let scale = app
            .get("/api/v1/incidents/severities", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(scale["levels"][3]["key"], "sev0", "{scale}");
        assert!(
            app.audit_of("incident_severity", 10)
                .await
                .iter()
                .any(|e| e.action == "incident.severities")
        );
    });
}
