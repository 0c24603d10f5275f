//! The document register: a policy started from a template (filled with the organisation's
//! data), written, sent for approval, approved by its approver only (the text frozen by its
//! SHA-256), published, revised and compared; every step audited, stale writes refused, bad
//! input named; the pages and the command line along the same path.

use crate::harness::{Auth, TestApp, send_to};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

/// A JSON request with an optional `If-Match`.
pub(crate) async fn send(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Value,
) -> crate::harness::Res {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(tag) = if_match {
        req = req.header(header::IF_MATCH, tag);
    }
    send_to(&app.router, req.body(Body::from(body.to_string())).unwrap()).await
}

#[tokio::test]
async fn a_policy_goes_from_template_to_published_and_is_revised_by_its_approver_s_leave() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let approver_email = app.add_user(Role::Viewer).await;
        let approver = app.token_for(&approver_email).await;
        let someone = app.token_as(Role::Contributor).await;
        let templates = app
            .get("/api/v1/documents/templates", Auth::Bearer(&manager))
            .await;
        assert_eq!(templates.status, StatusCode::OK, "{}", templates.body);
        assert!(templates.json().as_array().unwrap().len() >= 13);

        let clause = |r: &Value, id: &str| {
            r["clauses"]
                .as_array()
                .unwrap()
                .iter()
                .find(|c| c["id"] == id)
                .cloned()
                .unwrap()
        };
        let r = app
            .get("/api/v1/readiness", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(clause(&r, "5.2")["status"], "not_met", "{r}");

        // From the access-control template: its title, controls and text, filled in.
        let res = send(
            &app,
            "POST",
            "/api/v1/documents",
            &manager,
            None,
            json!({"template": "access-control", "owner": "ciso@example.org", "approver": approver_email, "review_months": 12}),
        )
        .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let d = res.json();
        let id = d["id"].as_str().unwrap().to_string();
        assert_eq!(d["title"], "Access control policy");
        assert_eq!(d["kind"], "topic_policy");
        assert_eq!(d["status"], "draft");
        let controls: Vec<&str> = d["controls"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap())
            .collect();
        assert!(
            controls.contains(&"5.15") && controls.contains(&"8.5"),
            "{d}"
        );
        let versions = app
            .get(
                &format!("/api/v1/documents/{id}/versions"),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        let body = versions[0]["body"].as_str().unwrap().to_string();
        assert!(body.starts_with("# Access control policy"), "{body}");
        assert!(!body.contains("{{"), "every placeholder is filled: {body}");
        assert!(body.contains("ciso@example.org"), "the owner is named");

        // Bad input is named; nothing is written.
        let bad = send(
            &app,
            "POST",
            "/api/v1/documents",
            &manager,
            None,
            json!({"template": "no-such", "title": "x"}),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert!(
            bad.body.contains("'no-such' is not a template"),
            "{}",
            bad.body
        );
        let bad = send(
            &app,
            "POST",
            "/api/v1/documents",
            &manager,
            None,
            json!({"title": "Π", "kind": "memo", "review_months": 99, "clauses": "A.5"}),
        )
        .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        for field in ["kind", "review_months", "clauses"] {
            assert!(
                bad.body.contains(&format!("\"field\":\"{field}\"")),
                "{field}: {}",
                bad.body
            );
        }

        // The owner writes the draft; a stale writer is refused.
        let doc = app
            .get(&format!("/api/v1/documents/{id}"), Auth::Bearer(&manager))
            .await;
        let tag = doc.headers[header::ETAG].to_str().unwrap().to_string();
        let text = format!(
            "{body}\n## Πρόσβαση\n\nΌλοι οι λογαριασμοί έχουν MFA.\n<script>alert(1)</script>\n"
        );
        let res = send(
            &app,
            "PUT",
            &format!("/api/v1/documents/{id}/text"),
            &manager,
            Some(&tag),
            json!({"body": text, "change_note": "Greek section"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let stale = send(
            &app,
            "PUT",
            &format!("/api/v1/documents/{id}/text"),
            &manager,
            Some(&tag),
            json!({"body": "lost"}),
        )
        .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        let huge = send(
            &app,
            "PUT",
            &format!("/api/v1/documents/{id}/text"),
            &manager,
            None,
            json!({"body": "x".repeat(200_001)}),
        )
        .await;
        assert_eq!(
            huge.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            huge.body
        );

        let step = |token: &str, step: &str, note: &str| {
            let (token, step, note) = (token.to_string(), step.to_string(), note.to_string());
            let id = id.clone();
            let app = &app;
            async move {
                send(
                    app,
                    "POST",
                    &format!("/api/v1/documents/{id}/steps"),
                    &token,
                    None,
                    json!({"step": step, "note": note}),
                )
                .await
            }
        };
        // Approval before submission, and by anyone but the approver, is refused.
        assert_eq!(
            step(&approver, "approve", "").await.status,
            StatusCode::CONFLICT
        );
        let res = step(&manager, "submit", "").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["state"], "in_review");
        assert_eq!(
            step(&manager, "approve", "").await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            step(&someone, "approve", "").await.status,
            StatusCode::FORBIDDEN
        );
        // Sending back needs a reason.
        let res = step(&approver, "reject", " ").await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = step(&approver, "approve", "Agreed by the board").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let v = res.json();
        assert_eq!(v["state"], "approved");
        let sha = v["sha256"].as_str().unwrap().to_string();
        assert_eq!(sha, annex::registers::document::domain::text_hash(&text));
        // The approved text cannot change.
        let res = send(
            &app,
            "PUT",
            &format!("/api/v1/documents/{id}/text"),
            &manager,
            None,
            json!({"body": "changed after approval"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = step(&manager, "publish", "").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let d = app
            .get(&format!("/api/v1/documents/{id}"), Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(d["status"], "published");
        assert_eq!(d["current_version"], 1);
        let today = app.store.today();
        let next = annex::registers::document::domain::months_after(&today, 12).unwrap();
        assert_eq!(d["next_review_on"], next.as_str());

        // A topic-specific policy is not the information security policy (5.2).
        let r = app
            .get("/api/v1/readiness", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(clause(&r, "5.2")["status"], "not_met", "{r}");
        assert!(
            clause(&r, "7.5")
                .to_string()
                .contains("1 document is published"),
            "{r}"
        );

        // Published, it is evidence of its controls until its next review.
        let ev = app
            .get("/api/v1/evidence?control=5.15", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(ev["total"], 1, "{ev}");
        let first = &ev["items"][0];
        assert_eq!(first["valid_until"], next.as_str(), "{ev}");
        assert_eq!(first["url"], format!("/documents/{id}/versions/1"));
        let soa = app
            .get("/api/v1/soa/iso27002-2022/5.15", Auth::Bearer(&manager))
            .await;
        assert!(
            soa.body.contains("Access control policy, version 1"),
            "{}",
            soa.body
        );

        // A new version starts from the published text; the published one stays current.
        let res = step(&manager, "revise", "").await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["number"], 2);
        let res = send(
            &app,
            "PUT",
            &format!("/api/v1/documents/{id}/text"),
            &manager,
            None,
            json!({"body": text.replace("Όλοι οι λογαριασμοί", "Κάθε λογαριασμός"), "change_note": "wording"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let d = app
            .get(&format!("/api/v1/documents/{id}"), Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(
            (d["current_version"].clone(), d["latest_version"].clone()),
            (json!(1), json!(2))
        );

        // Version 2 published: it is the evidence now, version 1's item ends today.
        assert_eq!(step(&manager, "submit", "").await.status, StatusCode::OK);
        assert_eq!(step(&approver, "approve", "").await.status, StatusCode::OK);
        assert_eq!(step(&manager, "publish", "").await.status, StatusCode::OK);
        let ev = app
            .get("/api/v1/evidence?control=5.15", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(ev["total"], 2, "{ev}");
        let v1_item = ev["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["url"] == format!("/documents/{id}/versions/1"))
            .unwrap();
        assert_eq!(v1_item["valid_until"], today.as_str(), "{ev}");
        assert_eq!(step(&manager, "revise", "").await.status, StatusCode::OK);

        // Pages: the register, the published text (nothing runnable), the comparison.
        let browser = app.browser_as(Role::Manager).await;
        let list = app.get("/documents", Auth::Browser(&browser)).await;
        assert_eq!(list.status, StatusCode::OK, "{}", list.body);
        assert!(list.body.contains("Access control policy") && list.body.contains("version 2"));
        let page = app
            .get(&format!("/documents/{id}"), Auth::Browser(&browser))
            .await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("<h2>Πρόσβαση</h2>"), "{}", page.body);
        assert!(
            page.body.contains("Κάθε λογαριασμός"),
            "the published version 2 is shown"
        );
        assert!(
            !page.body.contains("<script>alert(1)"),
            "the text is sanitised"
        );
        assert!(page.body.contains("Version 2, published"), "{}", page.body);
        let cmp = app
            .get(
                &format!("/documents/{id}/compare?from=1&to=2"),
                Auth::Browser(&browser),
            )
            .await;
        assert_eq!(cmp.status, StatusCode::OK, "{}", cmp.body);
        assert!(
            cmp.body.contains("<strong>1</strong> line added"),
            "{}",
            cmp.body
        );
        assert!(cmp.body.contains("Κάθε λογαριασμός"), "{}", cmp.body);
        let bad = app
            .get(
                &format!("/documents/{id}/compare?from=9"),
                Auth::Browser(&browser),
            )
            .await;
        assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        let v1 = app
            .get(
                &format!("/documents/{id}/versions/1"),
                Auth::Browser(&browser),
            )
            .await;
        assert!(v1.body.contains(&sha) && v1.body.contains("the text below is that text"));
        let md = app
            .get(
                &format!("/documents/{id}/versions/1/markdown"),
                Auth::Browser(&browser),
            )
            .await;
        assert_eq!(
            md.body, text,
            "the Markdown download is the text as approved"
        );
        let pdf = app
            .get(
                &format!("/documents/{id}/versions/1/pdf"),
                Auth::Browser(&browser),
            )
            .await;
        assert_eq!(pdf.status, StatusCode::OK);
        assert_eq!(pdf.headers[header::CONTENT_TYPE], "application/pdf");
        let dash = app.get("/", Auth::Browser(&browser)).await;
        assert!(
            dash.body.contains("documents waiting for approval"),
            "{}",
            dash.body
        );
        let csv = app.get("/documents.csv", Auth::Browser(&browser)).await;
        assert!(csv.body.starts_with("ID,Title,Kind"), "{}", csv.body);
        assert!(
            csv.body.contains("topic-specific policy,ciso@example.org"),
            "{}",
            csv.body
        );

        // Every step is in the audit trail, the text by its hash.
        let trail = app.audit_of("document", 50).await;
        let mut actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        actions.reverse();
        assert_eq!(
            actions,
            [
                "document.create",
                "document.write",
                "document.submit",
                "document.approve",
                "document.publish",
                "document.revise",
                "document.write",
                "document.submit",
                "document.approve",
                "document.publish",
                "document.revise",
            ]
        );
    });
}

#[tokio::test]
async fn the_command_line_starts_writes_approves_and_publishes_a_policy() {
    on_every_database!(|app| {
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let out = annex(&["document", "templates"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success() && text.contains("information-security-policy"),
            "{text}"
        );
        let out = annex(&[
            "document",
            "new",
            "--template",
            "information-security-policy",
            "--id",
            "POL-1",
            "--approver",
            "ceo@example.org",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = db.dir.path().join("policy.md");
        std::fs::write(&file, "# Information security policy\n\nΠολιτική.\n").unwrap();
        let out = annex(&[
            "document",
            "write",
            "POL-1",
            file.to_str().unwrap(),
            "--note",
            "first",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        for step in ["submit", "approve", "publish"] {
            let out = annex(&["document", "step", "POL-1", step]);
            assert!(
                out.status.success(),
                "{step}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let latin1 = db.dir.path().join("latin1.md");
        std::fs::write(&latin1, b"# Policy\n\nCaf\xe9\n").unwrap();
        let out = annex(&["document", "write", "POL-1", latin1.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(3), "invalid input");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is not UTF-8 text (byte 14 is not)"),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = annex(&["document", "step", "POL-1", "explode"]);
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("'explode' is not a step"));
        let out = annex(&["document", "markdown", "POL-1"]);
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "# Information security policy\n\nΠολιτική.\n"
        );
        let out = annex(&["document", "list"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            text.contains("POL-1") && text.contains("published"),
            "{text}"
        );
        let pdf = db.dir.path().join("policy.pdf");
        let out = annex(&["document", "pdf", "POL-1", "--out", pdf.to_str().unwrap()]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            std::fs::read(&pdf).unwrap().starts_with(b"%PDF"),
            "a PDF file"
        );
        // The published information security policy meets 5.2.
        let out = annex(&["soa", "readiness", "--format", "json"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let r: Value = serde_json::from_slice(&out.stdout).unwrap();
        let c52 = r["clauses"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["id"] == "5.2")
            .cloned()
            .unwrap();
        assert_eq!(c52["status"], "met", "{c52}");
    });
}

#[tokio::test]
async fn a_document_register_is_imported_all_or_nothing_and_names_each_bad_cell() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let bad = "Title,Type,Owner,Review cycle,Controls,Status\n\
                   Zásady řízení přístupu,topic-specific policy,ciso@example.org,12,\"5.15, 8.5\",published\n\
                   Memo,memo,ciso@example.org,0,9.99,draft\n";
        let res = app
            .post_bytes(
                "/api/v1/documents/import",
                Auth::Bearer(&manager),
                bad.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        for said in [
            "row 3, column Type: 'memo' is not a kind of document",
            "row 3, column Review cycle: '0' is not a review cycle",
        ] {
            assert!(res.body.contains(said), "{said}: {}", res.body);
        }
        let unknown_control =
            bad.replace("memo,ciso@example.org,0", "procedure,ciso@example.org,12");
        let res = app
            .post_bytes(
                "/api/v1/documents/import",
                Auth::Bearer(&manager),
                unknown_control.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("9.99"), "{}", res.body);
        let list = app
            .get("/api/v1/documents", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(list["total"], 0, "nothing is written: {list}");
        let good = bad.lines().take(2).collect::<Vec<_>>().join("\n");
        let res = app
            .post_bytes(
                "/api/v1/documents/import",
                Auth::Bearer(&manager),
                good.into(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let o = res.json();
        assert_eq!(o["report"]["created"].as_array().unwrap().len(), 1, "{o}");
        let d = &app
            .get("/api/v1/documents", Auth::Bearer(&manager))
            .await
            .json()["items"][0];
        assert_eq!(d["title"], "Zásady řízení přístupu");
        assert_eq!(
            d["status"], "draft",
            "the file's status is Annex's to keep: {d}"
        );
    });
}
