//! Documents kept as files and exported for Word: a policy written in Word or as a PDF is
//! uploaded as a version (kept in the evidence vault by its SHA-256, approval freezing that
//! hash, staff downloading it through their personal link to acknowledge it); a version
//! written in Annex exports as a Word document that keeps every script; bad files, stale
//! writes and exports of a file are refused with what to do; the command line along the same
//! path.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;
use std::io::Read;

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A small file that starts as a PDF does, with non-Latin text inside.
fn pdf_bytes(text: &str) -> Vec<u8> {
    format!("%PDF-1.4\n% {text}\n%%EOF\n").into_bytes()
}

/// The text of `word/document.xml` in a DOCX file.
fn docx_body(bytes: &[u8]) -> String {
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a DOCX is a zip");
    let mut xml = String::new();
    zip.by_name("word/document.xml")
        .expect("word/document.xml")
        .read_to_string(&mut xml)
        .expect("UTF-8");
    xml
}

async fn step(app: &TestApp, token: &str, id: &str, step: &str) {
    let res = app
        .post_json(
            &format!("/api/v1/documents/{id}/steps"),
            Auth::Bearer(token),
            json!({"step": step}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{step}: {}", res.body);
}

#[tokio::test]
async fn a_policy_kept_as_a_file_is_approved_by_its_hash_and_acknowledged_through_the_link() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let approver_email = app.add_user(Role::Viewer).await;
        let approver = app.token_for(&approver_email).await;
        let viewer = app.token_as(Role::Viewer).await;
        let res = app
            .post_json(
                "/api/v1/documents",
                Auth::Bearer(&manager),
                json!({"title": "Σχέδιο επιχειρησιακής συνέχειας", "kind": "plan", "approver": approver_email, "controls": "5.29, 5.30"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_str().unwrap().to_string();

        // Bad files are named and change nothing: a program, a PDF that is not one, a type
        // a policy is not kept as, an upload without its file.
        for (name, bytes, says) in [
            (
                "plan.exe",
                b"MZ\x90\x00".to_vec(),
                "is not a kind of file kept here",
            ),
            ("plan.pdf", b"MZ\x90\x00".to_vec(), "program"),
            ("plan.pdf", b"hello".to_vec(), "is not a PDF file"),
            (
                "plan.png",
                b"\x89PNG\r\n".to_vec(),
                "is not a kind of file kept here",
            ),
        ] {
            let res = app
                .upload(
                    &format!("/api/v1/documents/{id}/file"),
                    Auth::Bearer(&manager),
                    &[],
                    Some((name, &bytes)),
                )
                .await;
            assert_eq!(
                res.status,
                StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {}",
                res.body
            );
            assert!(
                res.body.contains(says) && res.body.contains("\"field\":\"file\""),
                "{name}: {}",
                res.body
            );
        }
        let res = app
            .upload(
                &format!("/api/v1/documents/{id}/file"),
                Auth::Bearer(&manager),
                &[("change_note", "x")],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let res = app
            .upload(
                &format!("/api/v1/documents/{id}/file"),
                Auth::Bearer(&manager),
                &[("colour", "red")],
                Some(("plan.pdf", &pdf_bytes("x"))),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.contains("colour"), "{}", res.body);
        // Readers may not upload.
        let res = app
            .upload(
                &format!("/api/v1/documents/{id}/file"),
                Auth::Bearer(&viewer),
                &[],
                Some(("plan.pdf", &pdf_bytes("x"))),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN, "{}", res.body);

        // The file becomes version 1, kept by its hash; its name keeps its script.
        let plan = pdf_bytes("Σχέδιο 計画 plán");
        let res = app
            .upload(
                &format!("/api/v1/documents/{id}/file"),
                Auth::Bearer(&manager),
                &[("change_note", "as approved by the board")],
                Some(("Σχέδιο συνέχειας.pdf", &plan)),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let v = res.json();
        assert_eq!(v["file"]["sha256"], sha256(&plan), "{v}");
        assert_eq!(v["file"]["file_name"], "Σχέδιο συνέχειας.pdf");
        assert_eq!(v["file"]["media_type"], "application/pdf");
        assert_eq!(v["file"]["size"], plan.len());
        assert_eq!(v["body"], "");
        assert_eq!(v["change_note"], "as approved by the board");

        // A file version has no text to write, and exports only as itself.
        let res = app
            .put_json(
                &format!("/api/v1/documents/{id}/text"),
                Auth::Bearer(&manager),
                json!({"body": "# Plan"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        assert!(res.body.contains("remove the file"), "{}", res.body);
        for format in ["docx", "markdown", "pdf"] {
            let (status, _, body) = app
                .get_bytes(
                    &format!("/api/v1/documents/{id}/versions/1/export?format={format}"),
                    Auth::Bearer(&viewer),
                )
                .await;
            assert_eq!(status, StatusCode::CONFLICT, "{format}");
            assert!(
                String::from_utf8_lossy(&body).contains("download the file itself"),
                "{}",
                String::from_utf8_lossy(&body)
            );
        }
        let (status, headers, bytes) = app
            .get_bytes(
                &format!("/api/v1/documents/{id}/versions/1/file"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(bytes, plan);
        assert_eq!(headers["x-content-sha256"], sha256(&plan).as_str());
        assert!(
            headers["content-disposition"]
                .to_str()
                .unwrap()
                .contains("filename*=UTF-8''%CE%A3"),
            "{:?}",
            headers["content-disposition"]
        );

        // Approval freezes the file's hash; publication files evidence of its controls.
        step(&app, &manager, &id, "submit").await;
        step(&app, &approver, &id, "approve").await;
        step(&app, &manager, &id, "publish").await;
        let versions = app
            .get(
                &format!("/api/v1/documents/{id}/versions"),
                Auth::Bearer(&viewer),
            )
            .await
            .json();
        assert_eq!(versions[0]["sha256"], sha256(&plan), "{versions}");
        assert_eq!(versions[0]["state"], "published");
        let page = app
            .get(
                &format!("/documents/{id}/versions/1"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert!(
            page.body.contains("The file approved has the SHA-256")
                && page
                    .body
                    .contains(&format!("/documents/{id}/versions/1/file")),
            "{}",
            page.body
        );
        let trail = app.audit_of("document", 20).await;
        let upload = trail
            .iter()
            .find(|e| e.action == "document.upload")
            .expect("the upload is audited");
        assert!(
            upload
                .after
                .as_deref()
                .unwrap_or_default()
                .contains(&sha256(&plan)),
            "{upload:?}"
        );

        // Staff acknowledge the file through their personal link: they can download it, and
        // nothing else.
        let res = app
            .post_json(
                "/api/v1/people",
                Auth::Bearer(&manager),
                json!({"name": "Ελένη Ρήγα", "department": "Operations"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let person = res.json()["id"].as_str().unwrap().to_string();
        let res = app
            .put_json(
                &format!("/api/v1/documents/{id}/acknowledgement"),
                Auth::Bearer(&manager),
                json!({"required": true}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let link = app
            .post_json(
                &format!("/api/v1/people/{person}/link"),
                Auth::Bearer(&manager),
                json!({"days": 7}),
            )
            .await
            .json();
        let path = link["path"].as_str().unwrap().to_string();
        let (page, browser) = crate::acknowledgements::anonymous_at(&app, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(
            page.body.contains("This version is a file")
                && page.body.contains(&format!("{path}/documents/{id}/file")),
            "{}",
            page.body
        );
        let (status, _, bytes) = app
            .get_bytes(&format!("{path}/documents/{id}/file"), Auth::None)
            .await;
        assert_eq!((status, bytes), (StatusCode::OK, plan.clone()));
        let other =
            crate::acknowledgements::published_policy(&app, &manager, &approver_email, "backup")
                .await;
        let (status, _, _) = app
            .get_bytes(&format!("{path}/documents/{other}/file"), Auth::None)
            .await;
        assert_eq!(
            status,
            StatusCode::NOT_FOUND,
            "a document the link is not for"
        );
        let res = app
            .post_form(
                &format!("{path}/documents/{id}"),
                Auth::Browser(&browser),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let s = app
            .get(
                &format!("/api/v1/documents/{id}/acknowledgement"),
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(s["acknowledged"], 1, "{s}");

        // A new version starts from the same file; the browser replaces it, a stale form is
        // refused, the comparison says the content differs, and the draft can be written in
        // Annex again.
        step(&app, &manager, &id, "revise").await;
        let browser = app.browser_as(Role::Manager).await;
        let d = app
            .get(&format!("/api/v1/documents/{id}"), Auth::Bearer(&manager))
            .await
            .json();
        let revision = d["revision"].to_string();
        let text = app
            .get(&format!("/documents/{id}/text"), Auth::Browser(&browser))
            .await;
        assert!(
            text.body.contains("This version is an uploaded file")
                && text.body.contains("Replace the file"),
            "{}",
            text.body
        );
        // Larger than a form's limit: an upload streams to disk.
        let mut second = pdf_bytes("second edition");
        second.extend(std::iter::repeat_n(b'%', 3 * 1024 * 1024));
        let res = app
            .upload(
                &format!("/documents/{id}/file"),
                Auth::Browser(&browser),
                &[("revision", &revision), ("change_note", "2027")],
                Some(("plan-2027.pdf", &second)),
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = app
            .upload(
                &format!("/documents/{id}/file"),
                Auth::Browser(&browser),
                &[("revision", &revision)],
                Some(("plan-2027b.pdf", &pdf_bytes("third"))),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let compare = app
            .get(&format!("/documents/{id}/compare"), Auth::Browser(&browser))
            .await;
        assert!(
            compare.body.contains("The content differs")
                && compare.body.contains("plan-2027.pdf")
                && compare.body.contains(&sha256(&second)),
            "{}",
            compare.body
        );
        let d = app
            .get(&format!("/api/v1/documents/{id}"), Auth::Bearer(&manager))
            .await
            .json();
        let res = app
            .post_form(
                &format!("/documents/{id}/file/remove"),
                Auth::Browser(&browser),
                &[("revision", &d["revision"].to_string())],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let versions = app
            .get(
                &format!("/api/v1/documents/{id}/versions"),
                Auth::Bearer(&viewer),
            )
            .await
            .json();
        assert!(versions[0]["file"].is_null(), "{versions}");
        assert_eq!(versions[0]["body"], "# Σχέδιο επιχειρησιακής συνέχειας\n\n");
        // The published version keeps its file.
        assert_eq!(versions[1]["file"]["sha256"], sha256(&plan));
        let res = app
            .delete(
                &format!("/api/v1/documents/{id}/file"),
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
    });
}

#[tokio::test]
async fn a_version_written_in_annex_exports_as_a_word_document_in_every_script() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let res = app
            .post_json(
                "/api/v1/documents",
                Auth::Bearer(&manager),
                json!({"template": "access-control", "title": "Zásady řízení přístupu"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let id = res.json()["id"].as_str().unwrap().to_string();
        let res = app
            .put_json(
                &format!("/api/v1/documents/{id}/text"),
                Auth::Bearer(&manager),
                json!({"body": "# Zásady řízení přístupu\n\n## Účel\n\nΠρόσβαση **μόνο** όταν χρειάζεται.\n\n1. 申請\n2. 承認\n\n| Role | Rights |\n|---|---|\n| Owner | 全部 |\n"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let word = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        for path in [
            format!("/documents/{id}/versions/1/docx"),
            format!("/api/v1/documents/{id}/versions/1/export?format=docx"),
        ] {
            let (status, headers, bytes) = app.get_bytes(&path, Auth::Bearer(&viewer)).await;
            assert_eq!(status, StatusCode::OK, "{path}");
            assert_eq!(headers["content-type"], word);
            assert!(
                headers["content-disposition"]
                    .to_str()
                    .unwrap()
                    .contains(&format!("{id}-v1.docx")),
                "{:?}",
                headers["content-disposition"]
            );
            let xml = docx_body(&bytes);
            for text in [
                "Zásady řízení přístupu",
                "Účel",
                "Πρόσβαση",
                "μόνο",
                "申請",
                "全部",
            ] {
                assert!(xml.contains(text), "{text} in {path}");
            }
            assert!(
                xml.contains("Heading2") && xml.contains("<w:tbl>"),
                "{path}"
            );
        }
        let (status, _, bytes) = app
            .get_bytes(
                &format!("/api/v1/documents/{id}/versions/1/export?format=markdown"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(String::from_utf8(bytes).unwrap().contains("承認"));
        let (status, _, bytes) = app
            .get_bytes(
                &format!("/api/v1/documents/{id}/versions/1/export"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(status, StatusCode::OK);
        assert!(bytes.starts_with(b"%PDF-"), "PDF by default");
        let res = app
            .get(
                &format!("/api/v1/documents/{id}/versions/1/export?format=odt"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST, "{}", res.body);
        assert!(res.body.contains("format"), "{}", res.body);
        let res = app
            .get(
                &format!("/api/v1/documents/{id}/versions/9/export?format=docx"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "{}", res.body);
        let page = app
            .get(
                &format!("/documents/{id}/versions/1"),
                Auth::Bearer(&viewer),
            )
            .await;
        assert!(
            page.body
                .contains(&format!("/documents/{id}/versions/1/docx")),
            "{}",
            page.body
        );
    });
}

#[tokio::test]
async fn the_command_line_uploads_a_file_version_saves_it_and_writes_word() {
    on_every_database!(|app| {
        let db = &app.db;
        let annex = |args: &[&str]| crate::soa_migrate::annex(db, args);
        let out = annex(&[
            "document",
            "new",
            "--id",
            "PLAN-1",
            "--title",
            "Πλάνο",
            "--kind",
            "plan",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = annex(&[
            "document",
            "docx",
            "PLAN-1",
            "--out",
            db.dir.path().join("p.docx").to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bytes = std::fs::read(db.dir.path().join("p.docx")).unwrap();
        assert!(docx_body(&bytes).contains("Πλάνο"));

        let file = db.dir.path().join("Πλάνο.pdf");
        let plan = pdf_bytes("Πλάνο");
        std::fs::write(&file, &plan).unwrap();
        let out = annex(&[
            "document",
            "upload",
            "PLAN-1",
            "--file",
            file.to_str().unwrap(),
            "--note",
            "board copy",
        ]);
        let said = String::from_utf8_lossy(&out.stdout).to_string();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            said.contains("Πλάνο.pdf") && said.contains(&sha256(&plan)),
            "{said}"
        );
        let saved = db.dir.path().join("saved.pdf");
        let out = annex(&[
            "document",
            "file",
            "PLAN-1",
            "--out",
            saved.to_str().unwrap(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(std::fs::read(&saved).unwrap(), plan);
        let out = annex(&["document", "markdown", "PLAN-1"]);
        assert_eq!(
            out.status.code(),
            Some(5),
            "a file has no Markdown: a conflict"
        );
        let bad = db.dir.path().join("plan.exe");
        std::fs::write(&bad, b"MZ\x90").unwrap();
        let out = annex(&[
            "document",
            "upload",
            "PLAN-1",
            "--file",
            bad.to_str().unwrap(),
        ]);
        assert_eq!(
            out.status.code(),
            Some(3),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = annex(&["document", "upload", "PLAN-1", "--remove"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = annex(&[
            "document",
            "file",
            "PLAN-1",
            "--out",
            saved.to_str().unwrap(),
        ]);
        assert_eq!(out.status.code(), Some(4), "no file any more");
    });
}
