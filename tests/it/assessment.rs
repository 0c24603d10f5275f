//! Supplier assessments through the paths people take: a manager sends the cloud
//! questionnaire to a payroll provider; the supplier, with only the link, saves a draft,
//! uploads its ISO/IEC 27001 certificate (an evidence item), is told what is missing, and
//! submits; the manager reviews with a finding, and a risk and an evidence item result and
//! the supplier counts as reviewed; bad input named, altered links refused, roles kept;
//! a questionnaire of the organisation's own; on both databases.

use crate::harness::{Auth, Part, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

fn pdf(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n").into_bytes()
}

/// The cloud questionnaire's answers, every question answered (documents apart).
fn answers(a: &Value, notice: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for s in a["questionnaire"]["sections"].as_array().unwrap() {
        for q in s["questions"].as_array().unwrap() {
            let id = q["id"].as_str().unwrap();
            let value = match q["kind"].as_str().unwrap() {
                "yes_no" => "yes".to_string(),
                "choice" if id == "3.3" => notice.to_string(),
                "choice" => q["options"][0]["label"].as_str().unwrap().to_string(),
                "text" => "Frankfurt und Dublin; Kunde wählt".to_string(),
                _ => continue,
            };
            out.push((format!("a_{id}"), value));
        }
    }
    out
}

async fn assessment(app: &TestApp, token: &str, id: &str) -> Value {
    let res = app
        .get(&format!("/api/v1/assessments/{id}"), Auth::Bearer(token))
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
}

#[tokio::test]
async fn a_supplier_answers_the_cloud_questionnaire_by_its_link_and_the_review_makes_a_risk() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let contributor = app.token_as(Role::Contributor).await;
        let res = app
            .post_json(
                "/api/v1/suppliers",
                Auth::Bearer(&manager),
                json!({"name": "Lohnbüro Müller GmbH", "personal_data": true, "owner": "hr@example.com",
                       "clauses": "confidentiality: in the contract"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let supplier = res.json()["id"].as_str().unwrap().to_string();
        let send = format!("/api/v1/suppliers/{supplier}/assessments");

        // Bad sends named; only managers and admins send.
        let res = app
            .post_json(
                &send,
                Auth::Bearer(&manager),
                json!({"questionnaire": "nope", "due_on": "2001-01-01", "days": 0}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.fields(),
            ["questionnaire", "due_on", "days"],
            "{}",
            res.body
        );
        let res = app
            .post_json(
                &send,
                Auth::Bearer(&contributor),
                json!({"questionnaire": "cloud"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json(
                &send,
                Auth::Bearer(&manager),
                json!({"questionnaire": "cloud", "days": 14}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let sent = res.json();
        let id = sent["assessment"]["id"].as_str().unwrap().to_string();
        let link = sent["link"].as_str().unwrap().to_string();
        assert!(link.starts_with("/q/"), "{sent}");
        assert_eq!(sent["assessment"]["status"], "sent");
        let trail = app.audit_of("assessment", 5).await;
        assert!(
            !format!("{trail:?}").contains(&link[3..]),
            "the link itself is never written to the trail"
        );

        // The supplier opens the link without an account; an altered one opens nothing.
        let (page, browser) = crate::acknowledgements::anonymous_at(&app, &link).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("Cloud service questionnaire")
                && page.body.contains("Lohnbüro Müller GmbH"),
            "{}",
            page.body
        );
        let altered = format!("{}0", &link[..link.len() - 1]);
        let res = app.get(&altered, Auth::None).await;
        assert_eq!(res.status, StatusCode::GONE, "{}", res.body);

        // A draft with a bad answer is named and shown again; a good draft is saved.
        let a = assessment(&app, &manager, &id).await;
        let mut fields: Vec<(String, String)> = answers(&a, "within 72 hours");
        for f in &mut fields {
            if f.0 == "a_1.2" {
                f.1 = "perhaps".into();
            }
        }
        let csrf = browser.csrf.clone();
        let mut form: Vec<(&str, &str)> = vec![("_csrf", &csrf), ("action", "save")];
        form.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let res = app.post_form(&link, Auth::Browser(&browser), &form).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body
                .contains("&#39;perhaps&#39; is not yes, no or not applicable")
                || res
                    .body
                    .contains("'perhaps' is not yes, no or not applicable"),
            "{}",
            res.body
        );
        let fields = answers(&a, "within 72 hours");
        let mut form: Vec<(&str, &str)> = vec![("_csrf", &csrf), ("action", "save")];
        form.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let res = app.post_form(&link, Auth::Browser(&browser), &form).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(
            assessment(&app, &manager, &id).await["status"],
            "in_progress"
        );

        // Submitting without the documents asked for says which are missing.
        let mut form: Vec<(&str, &str)> = vec![("_csrf", &csrf), ("action", "submit")];
        form.extend(fields.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        let res = app.post_form(&link, Auth::Browser(&browser), &form).await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(
            res.body.contains("the document it asks for is missing")
                && res.body.contains("not answered"),
            "{}",
            res.body
        );

        // The certificate and the shared-responsibility document; a program is refused.
        let upload = format!("{link}/files");
        let res = app
            .post_parts(
                &upload,
                Auth::Browser(&browser),
                &[
                    Part::Text("_csrf", &csrf),
                    Part::Text("question", "4.2"),
                    Part::File {
                        name: "file",
                        filename: "setup.exe",
                        bytes: b"MZ\x90\x00 not a document",
                    },
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        for (question, name) in [
            ("4.2", "ISO-27001-Zertifikat.pdf"),
            ("1.1", "Verantwortung.pdf"),
        ] {
            let bytes = pdf(name);
            let res = app
                .post_parts(
                    &upload,
                    Auth::Browser(&browser),
                    &[
                        Part::Text("_csrf", &csrf),
                        Part::Text("question", question),
                        Part::File {
                            name: "file",
                            filename: name,
                            bytes: &bytes,
                        },
                    ],
                )
                .await;
            assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        }
        let res = app.post_form(&link, Auth::Browser(&browser), &form).await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let a = assessment(&app, &manager, &id).await;
        assert_eq!(a["status"], "submitted", "{a}");
        let percent = a["score"]["percent"].as_i64().unwrap();
        assert!((80..100).contains(&percent), "72 hours costs points: {a}");
        let cert = a["answers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["question"] == "4.2")
            .unwrap()
            .clone();
        let evidence = cert["evidence"].as_str().unwrap().to_string();
        let item = app
            .get(
                &format!("/api/v1/evidence/{evidence}"),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert!(
            item.to_string().contains("ISO-27001-Zertifikat.pdf")
                && item.to_string().contains("5.23"),
            "{item}"
        );
        // Once submitted, the answers no longer change.
        let res = app.post_form(&link, Auth::Browser(&browser), &form).await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);

        // The review: a finding on the notification time, a risk; bad ones named first.
        let review = format!("/api/v1/assessments/{id}/review");
        let res = app
            .post_json(
                &review,
                Auth::Bearer(&manager),
                json!({"findings": [{"question": "9.9", "finding": "?"}, {"question": "3.3", "finding": "slow", "severity": "fatal"}],
                       "risks": "no bars here"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(
            res.fields(),
            ["findings[1].question", "findings[2].severity", "risks"],
            "{}",
            res.body
        );
        let res = app
            .post_json(&review, Auth::Bearer(&contributor), json!({"summary": "x"}))
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
        let res = app
            .post_json(
                &review,
                Auth::Bearer(&manager),
                json!({"findings": [{"question": "3.3", "finding": "72 Stunden sind zu spät: wir brauchen 24", "severity": "major"}],
                       "summary": "Gut, bis auf die Meldefrist.",
                       "risks": "Lohnbüro meldet Vorfälle zu spät | 3 | 4"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let a = res.json();
        assert_eq!(a["status"], "reviewed");
        assert_eq!(a["rating"], "medium", "one major finding raises low: {a}");
        let risk = a["risk"].as_str().unwrap().to_string();
        let r = app
            .get(&format!("/api/v1/risks/{risk}"), Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(r["title"], "Lohnbüro meldet Vorfälle zu spät", "{r}");
        assert_eq!(r["owner"], "hr@example.com");
        let s = app
            .get(
                &format!("/api/v1/suppliers/{supplier}"),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(
            s["reviewed_on"].as_str(),
            Some(app.store.today().as_str()),
            "{s}"
        );
        let res = app
            .post_json(&review, Auth::Bearer(&manager), json!({}))
            .await;
        assert_eq!(
            res.status,
            StatusCode::CONFLICT,
            "reviewed once: {}",
            res.body
        );

        // The pages: the supplier lists it; the assessment shows the finding and the rating.
        let b = app.browser_as(Role::Viewer).await;
        let page = app
            .get(&format!("/suppliers/{supplier}"), Auth::Browser(&b))
            .await;
        assert!(
            page.body.contains(&id) && page.body.contains("reviewed"),
            "{}",
            page.body
        );
        let page = app
            .get(&format!("/suppliers/assessments/{id}"), Auth::Browser(&b))
            .await;
        assert!(
            page.body.contains("72 Stunden sind zu spät") && page.body.contains("medium risk"),
            "{}",
            page.body
        );

        // A questionnaire of the organisation's own; a shipped key is not taken.
        let own = json!({"key": "dienstleister", "title": "Fragebogen für Dienstleister", "sections": [
            {"title": "Allgemein", "questions": [
                {"id": "1", "text": "Gibt es eine Sicherheitsrichtlinie?", "kind": "yes_no", "weight": 2},
                {"id": "2", "text": "Wie schnell melden Sie Vorfälle?", "kind": "choice", "weight": 3,
                 "options": [{"label": "24 h", "points": 100}, {"label": "später", "points": 0}]}]}]});
        let res = app
            .put_json(
                "/api/v1/questionnaires/dienstleister",
                Auth::Bearer(&manager),
                own.clone(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let mut shipped = own.clone();
        shipped["key"] = json!("cloud");
        let res = app
            .put_json(
                "/api/v1/questionnaires/cloud",
                Auth::Bearer(&manager),
                shipped,
            )
            .await;
        assert_eq!(res.fields(), ["key"], "{}", res.body);
        let res = app
            .post_json(
                &send,
                Auth::Bearer(&manager),
                json!({"questionnaire": "dienstleister"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let first_own = res.json()["assessment"]["id"].as_str().unwrap().to_string();

        // The questionnaire changed after sending: what was sent stays as it was sent, the next
        // one sends the new version, and a list of both shows each its own.
        let mut changed = own.clone();
        changed["title"] = json!("Fragebogen für Dienstleister 2027");
        changed["sections"][0]["questions"]
            .as_array_mut()
            .unwrap()
            .push(json!({"id": "3", "text": "Wo liegen die Daten?", "kind": "text", "weight": 1}));
        let res = app
            .put_json(
                "/api/v1/questionnaires/dienstleister",
                Auth::Bearer(&manager),
                changed,
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .post_json(
                &send,
                Auth::Bearer(&manager),
                json!({"questionnaire": "dienstleister"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let second_own = res.json()["assessment"]["id"].as_str().unwrap().to_string();
        let res = app
            .get(
                &format!("/api/v1/assessments?supplier={supplier}"),
                Auth::Bearer(&manager),
            )
            .await;
        let list = res.json();
        assert_eq!(list["total"], 3, "{}", res.body);
        let sent_as = |id: &str| {
            let a = list["items"]
                .as_array()
                .unwrap()
                .iter()
                .find(|a| a["id"] == id)
                .unwrap_or_else(|| panic!("{id} listed: {list}"));
            let q = &a["questionnaire"];
            (
                q["title"].as_str().unwrap().to_string(),
                q["sections"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|s| s["questions"].as_array().unwrap().len())
                    .sum::<usize>(),
            )
        };
        assert_eq!(
            sent_as(&first_own),
            ("Fragebogen für Dienstleister".to_string(), 2)
        );
        assert_eq!(
            sent_as(&second_own),
            ("Fragebogen für Dienstleister 2027".to_string(), 3)
        );
        assert_eq!(sent_as(&id).1, 14, "the cloud questionnaire as sent");
        let one = app
            .get(
                &format!("/api/v1/assessments/{first_own}"),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(
            one["questionnaire"]["title"],
            "Fragebogen für Dienstleister"
        );

        // The command line.
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let out = annex(&["assessment", "questionnaires"]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            text.contains("dienstleister") && text.contains("baseline"),
            "{text}"
        );
        let out = annex(&[
            "assessment",
            "send",
            &supplier,
            "--questionnaire",
            "baseline",
        ]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(out.status.success() && text.contains("/q/"), "{text}");
        let out = annex(&["assessment", "list", "--supplier", &supplier]);
        let text = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(text.contains("Baseline security questionnaire"), "{text}");
        let out = annex(&["assessment", "review", &id, "--summary", "again"]);
        assert_eq!(out.status.code(), Some(5), "reviewed once");
    });
}
