//! The day of a Greek-speaking security manager, in headless Chromium: Annex is set up in
//! Greek, the scope and the time zone (Athens) set; an agent reports with `annex scan
//! --group servers`; on a 1,366 pixel screen she decides two controls at once with the bulk
//! form and the owner picker, proves one by uploading a file, sees the other fail from the
//! scan in the Evidence and Warnings columns, and approves the SoA. The PDF's text carries the
//! Greek names and the time in Athens; the asset register's XLSX has headers in words and
//! imports back unchanged through the import page.

use crate::browser::{
    Journey, choose, click, find, path, table_rows, text, type_into, wait_for, wait_for_notice,
    wait_for_xpath,
};
use crate::harness::{Auth, PASSWORD};
use annex::domain::user::Role;
use axum::http::StatusCode;

const ORGANISATION: &str = "Ασφάλεια & Řízení Α.Ε.";
const MANAGER: &str = "Ελένη Παπαδάκη";
const EMAIL: &str = "eleni@asfaleia.example";
const SCOPE: &str = "Υπηρεσίες πληρωμών, γραφεία Αθήνας και Θεσσαλονίκης";
const JUSTIFICATION: &str = "Απαιτείται από την ανάλυση κινδύνων και τη σύμβαση με την τράπεζα";
const EVIDENCE: &str = "Δοκιμή επαναφοράς αντιγράφων ασφαλείας";
const ASSET: &str = "Διακομιστής αρχείων";

#[tokio::test]
async fn a_greek_speaking_security_manager_prepares_the_soa_for_her_auditor_in_a_browser() {
    for db in crate::harness::databases().await {
        greek_day(db).await;
    }
}

/// The whole day on one database.
async fn greek_day(db: crate::harness::TestDb) {
    let backend = format!("{:?}", db.backend);
    let Some(j) = Journey::start_on(db).await else {
        return;
    };
    let c = &j.client;
    let app = &j.app;
    c.set_window_size(1366, 900)
        .await
        .expect("a 1,366 pixel wide window");

    // 1. First-run setup in Greek, then the scope and the time zone.
    c.goto(&j.url("/")).await.expect("open Annex");
    wait_for(c, "the setup form", "form[action='/setup']").await;
    type_into(c, "#organisation", ORGANISATION).await;
    type_into(c, "#name", MANAGER).await;
    type_into(c, "#email", EMAIL).await;
    type_into(c, "#password", PASSWORD).await;
    type_into(c, "#confirm", PASSWORD).await;
    click(c, "form[action='/setup'] button[type='submit']").await;
    wait_for(c, "the top bar after setup", "header.topbar").await;
    assert!(text(c, "header.topbar").await.contains(ORGANISATION));
    c.goto(&j.url("/admin/settings"))
        .await
        .expect("open the settings");
    wait_for(c, "the settings form", "form[action='/admin/settings']").await;
    type_into(c, "#isms_scope", SCOPE).await;
    type_into(c, "#time_zone", "Europe/Athens").await;
    click(c, "form[action='/admin/settings'] button[type='submit']").await;
    wait_for_notice(c, "Settings saved.").await;

    // 2. The web server's agent reports as a server: the real binary, over TCP.
    let (token, _) = crate::scan_agent::token_with_id(app, Role::Agent).await;
    let root = crate::scan_agent::fixture("web-01");
    let (dir, base) = (root.path().to_path_buf(), j.base.clone());
    let out = tokio::task::spawn_blocking(move || {
        crate::scan_agent::annex_scan(
            &dir,
            &[
                "--report-to",
                &base,
                "--token",
                &token,
                "--group",
                "servers",
            ],
        )
    })
    .await
    .expect("run annex scan");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // 3. The SoA: 8.5 and 8.13 decided at once, the owner chosen with the picker.
    c.goto(&j.url("/soa")).await.expect("open the SoA");
    wait_for(c, "the bulk form", "form#bulk").await;
    click(c, "details.bulk > summary").await;
    click(c, "input[name='controls'][value='8.5']").await;
    click(c, "input[name='controls'][value='8.13']").await;
    choose(c, "#bulk_applicable", "yes").await;
    click(c, "input[name='bulk_reasons'][value='risk_treatment']").await;
    click(c, "input[name='bulk_reasons'][value='contractual']").await;
    choose(c, "#bulk_status", "implemented").await;
    type_into(c, "#bulk_justification", JUSTIFICATION).await;
    type_into(c, "#bulk_owner", "Ελέν").await;
    let offered = wait_for(
        c,
        "the owner picker's choice",
        "datalist#suggest-bulk_owner option",
    )
    .await;
    assert_eq!(
        offered.attr("label").await.expect("read the label"),
        Some(format!("{MANAGER} <{EMAIL}>")),
        "the picker finds people by their Greek name"
    );
    let chosen = offered
        .attr("value")
        .await
        .expect("read the value")
        .expect("the choice has a value");
    type_into(c, "#bulk_owner", &chosen).await;
    click(c, "form#bulk button[type='submit']").await;
    wait_for_notice(c, "The decisions were saved.").await;

    // 4. 8.13 proved by an uploaded file with a Greek title.
    c.goto(&j.url("/evidence/new?control=8.13"))
        .await
        .expect("open the evidence form");
    wait_for(c, "the evidence form", "form[action='/evidence']").await;
    let files = tempfile::tempdir().expect("a folder for the file");
    let file = files.path().join("δοκιμή-επαναφοράς.pdf");
    std::fs::write(&file, crate::soa_versions::SMALL_PDF).expect("write the PDF");
    type_into(c, "#title", EVIDENCE).await;
    find(c, "form[action='/evidence'] input[type='file']#file")
        .await
        .send_keys(&file.canonicalize().expect("its path").display().to_string())
        .await
        .expect("choose the file");
    click(c, "form[action='/evidence'] button[type='submit']").await;
    wait_for_notice(c, "The evidence was saved.").await;

    // 5. The SoA fits the screen: 8.13 valid by the upload, 8.5 failing by the scan, and
    // the Evidence and Warnings columns in view.
    c.goto(&j.url("/soa?applicable=yes"))
        .await
        .expect("open the applicable controls");
    wait_for(c, "the SoA table", "table.soa").await;
    let rows = table_rows(c, "//table[contains(@class, 'soa')]//tbody/tr").await;
    let row = |id: &str| {
        rows.iter()
            .find(|r| r.get(1).map(String::as_str) == Some(id))
            .unwrap_or_else(|| panic!("a row for {id}: {rows:?}"))
            .clone()
    };
    let (backup, access) = (row("8.13"), row("8.5"));
    assert!(backup[4].contains("implemented"), "{backup:?}");
    assert_eq!(backup[5], MANAGER, "the owner is shown by name: {backup:?}");
    assert!(backup[6].starts_with("● valid"), "{backup:?}");
    assert!(access[6].starts_with("● failing"), "{access:?}");
    assert!(
        access[7].contains("fail"),
        "the warning says so: {access:?}"
    );
    let edges = c
        .execute(
            "const h = [...document.querySelectorAll('table.soa thead th')];
             const right = (t) => h.find((e) => e.textContent.trim() === t).getBoundingClientRect().right;
             return [right('Evidence'), right('Warnings'), document.documentElement.clientWidth];",
            Vec::new(),
        )
        .await
        .expect("measure the table");
    let edges: Vec<f64> = serde_json::from_value(edges).expect("three numbers");
    assert!(edges[0] <= edges[2] && edges[1] <= edges[2], "{edges:?}");
    let shot = c.screenshot().await.expect("a screenshot");
    let shots = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
    std::fs::create_dir_all(&shots).expect("the screenshots folder");
    std::fs::write(shots.join("soa-greek-1366.png"), shot).expect("save the screenshot");

    // 6. Approval.
    c.goto(&j.url("/soa/versions#approve"))
        .await
        .expect("open the approval form");
    let approve = "form[action='/soa/versions']";
    wait_for(c, "the approval form", approve).await;
    type_into(c, "#note", "Ανασκόπηση διοίκησης, πρακτικά ΑΔ-1").await;
    click(c, &format!("{approve} input[name='confirm'][value='yes']")).await;
    click(c, &format!("{approve} button[type='submit']")).await;
    wait_for_xpath(
        c,
        "the approved version's banner",
        "//main//div[contains(@class,'notice')]//strong[.='Version 1']",
    )
    .await;

    // 7. The PDF of version 1 speaks Greek, with the time in Athens.
    let session = c
        .get_named_cookie("annex_session")
        .await
        .expect("the session cookie");
    let cookie = format!("annex_session={}", session.value());
    let (status, _, pdf) = app
        .get_bytes("/soa.pdf?version=1", Auth::Cookie(&cookie))
        .await;
    assert_eq!(status, StatusCode::OK);
    if let Some(shown) = crate::pdf_read::text(&pdf) {
        let shown = shown.split_whitespace().collect::<Vec<_>>().join(" ");
        for needle in [ORGANISATION, SCOPE, JUSTIFICATION, EVIDENCE, MANAGER, "EET"] {
            assert!(shown.contains(needle), "the PDF shows {needle:?}: {shown}");
        }
    }

    // 8. The asset register's XLSX: headers in words; it imports back unchanged.
    let admin = app.token_for(EMAIL).await;
    let res = app
        .post_json(
            "/api/v1/assets",
            Auth::Bearer(&admin),
            serde_json::json!({"name": ASSET, "asset_type": "hardware", "owner": EMAIL,
                               "classification": "confidential", "location": "Αθήνα"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let (status, _, xlsx) = app.get_bytes("/assets.xlsx", Auth::Cookie(&cookie)).await;
    assert_eq!(status, StatusCode::OK);
    let grid = &annex::exchange::sheet::read_file(&xlsx).expect("an XLSX workbook")[0];
    let header: Vec<String> = grid.rows[0].clone();
    assert!(header.contains(&"Asset type".to_string()), "{header:?}");
    assert!(!header.iter().any(|h| h.contains('_')), "{header:?}");
    let sheet = files.path().join("στοιχεία.xlsx");
    std::fs::write(&sheet, &xlsx).expect("write the workbook");
    c.goto(&j.url("/assets/import"))
        .await
        .expect("open the import");
    find(c, "form[action='/assets/import'] input[type='file']#file")
        .await
        .send_keys(
            &sheet
                .canonicalize()
                .expect("its path")
                .display()
                .to_string(),
        )
        .await
        .expect("choose the workbook");
    click(c, "form[action='/assets/import'] button[type='submit']").await;
    let ready = wait_for_xpath(c, "the review", "//main//p[strong='Ready:']").await;
    assert_eq!(
        ready.text().await.expect("read the review"),
        "Ready: 0 new, 0 updated, 1 unchanged."
    );
    assert!(path(c).await.starts_with("/imports/"));
    j.finish(&format!("the Greek security manager's day on {backend}"))
        .await;
}
