//! Issue 18's whole story in headless Chromium, on SQLite and PostgreSQL: a staff member
//! reports a lost laptop through their report link; the security manager triages it as an
//! incident involving personal data; the GDPR 72-hour countdown appears; the notification to
//! the authority is recorded at hour 30; containment and recovery are logged; the laptop's
//! disk image is kept as evidence with a hand-over; the incident closes with lessons learned
//! that create a measure. Then a BIA for Payroll gives RTO 3 days; its system asset shows the
//! required RTO and the gap against its last restore test; an exercise records the achieved
//! RTO and becomes evidence for 5.30.

use crate::browser::{
    Journey, choose, click, click_and_wait_for_new_page, find, set_date, set_up_annex, text,
    type_into, wait_for, wait_for_notice, wait_for_xpath,
};
use crate::browser_documents::sign_in;
use crate::harness::Auth;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_lost_laptop_is_reported_notified_in_time_and_closed_and_payroll_is_tested_in_a_browser()
{
    for db in crate::harness::databases().await {
        journey(db).await;
    }
}

/// A moment as a `datetime-local` field holds it, `hours` from now (UTC, the organisation's
/// zone in a fresh Annex).
fn local(hours: i64) -> String {
    let t = time::OffsetDateTime::now_utc() + time::Duration::hours(hours);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute()
    )
}

async fn journey(db: crate::harness::TestDb) {
    let Some(j) = Journey::start_on(db).await else {
        return;
    };
    let c = &j.client;
    set_up_annex(&j).await;
    let manager = j.app.add_user(Role::Manager).await;
    let token = j.app.token_for(&manager).await;
    let api = |path: &'static str, body: serde_json::Value| {
        let app = &j.app;
        let token = token.clone();
        async move {
            let res = app.post_json(path, Auth::Bearer(&token), body).await;
            assert!(res.status.is_success(), "{path}: {}", res.body);
            res.json()
        }
    };
    // What the organisation had before: the laptop, the payroll system, GDPR switched on, a
    // member of staff with a personal link.
    api(
        "/api/v1/assets",
        json!({"id": "LAP-42", "name": "Φορητός 42", "asset_type": "hardware", "classification": "confidential"}),
    )
    .await;
    api(
        "/api/v1/assets",
        json!({"id": "PAY-SYS", "name": "Payroll system", "asset_type": "software", "classification": "confidential"}),
    )
    .await;
    let res = j
        .app
        .put_json(
            "/api/v1/incidents/regimes/gdpr",
            Auth::Bearer(&token),
            json!({"enabled": true}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let person = api(
        "/api/v1/people",
        json!({"name": "Ελένη Ρήγα", "department": "Sales", "email": "eleni@example.org"}),
    )
    .await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let res = j
        .app
        .post_json(
            &format!("/api/v1/people/{person}/link"),
            Auth::Bearer(&token),
            json!({}),
        )
        .await;
    let link = res.json()["path"].as_str().unwrap().to_string();

    // 1. Eleni reports the lost laptop through her link, without an account.
    sign_in(&j, &manager).await;
    click(
        c,
        "header.topbar form[action='/logout'] button[type='submit']",
    )
    .await;
    wait_for(c, "the sign-in form", "form[action='/login']").await;
    c.goto(&j.url(&format!("{link}/report")))
        .await
        .expect("open the report link");
    wait_for(c, "the report form", "form #title").await;
    type_into(c, "#title", "Laptop left on the train").await;
    type_into(c, "#description", "Ο φορητός έμεινε στο τρένο.").await;
    type_into(c, "#affected", "LAP-42, customer spreadsheets").await;
    // The form's page has a `main` too: wait until the browser has left it for the receipt.
    click_and_wait_for_new_page(c, "main form button[type='submit']").await;
    wait_for_xpath(c, "the receipt", "//main[contains(., 'INC-')]").await;
    let receipt = text(c, "main").await;
    let id = receipt
        .split_whitespace()
        .find(|w| w.starts_with("INC-"))
        .unwrap_or_else(|| panic!("a receipt number: {receipt}"))
        .trim_matches(|ch: char| !ch.is_ascii_alphanumeric() && ch != '-')
        .to_string();

    // 2. The security manager triages it: an incident with personal data, under GDPR, aware
    //    since 40 hours ago.
    c.goto(&j.url("/login")).await.expect("open sign-in");
    wait_for(c, "the sign-in form", "form[action='/login']").await;
    type_into(c, "#email", &manager).await;
    type_into(c, "#password", crate::harness::PASSWORD).await;
    click(c, "form[action='/login'] button[type='submit']").await;
    wait_for(c, "a signed-in page", "header.topbar").await;
    c.goto(&j.url(&format!("/incidents/{id}")))
        .await
        .expect("open the incident");
    wait_for(c, "the triage form", "form[action$='/triage']").await;
    choose(c, "#classification", "incident").await;
    choose(c, "#category", "lost_device").await;
    choose(c, "#severity", "high").await;
    type_into(c, "#reason", "customer personal data on the disk").await;
    click(c, "input[name='personal_data']").await;
    click(c, "input[name='regimes'][value='gdpr']").await;
    type_into(c, "#assets", "LAP-42").await;
    set_date(c, "#aware_at", &local(-40)).await;
    click(c, "form[action$='/triage'] button[type='submit']").await;
    wait_for_notice(c, "The assessment was saved and added to the timeline.").await;

    // 3. The GDPR clock: 72 hours from awareness, 32 left.
    let clock = text(c, "section[aria-labelledby='clock-h']").await;
    assert!(
        clock.contains("Notification to the supervisory authority") || clock.contains("due"),
        "{clock}"
    );
    assert!(clock.contains("due in"), "a countdown: {clock}");

    // 4. The notification is recorded as sent at hour 30.
    choose(c, "#stage", "gdpr:authority").await;
    type_into(c, "#recipient", "Αρχή Προστασίας Δεδομένων").await;
    set_date(c, "#sent_at", &local(-10)).await;
    type_into(c, "#content", "Online form, reference 2026/118").await;
    click(c, "form[action$='/notifications'] button[type='submit']").await;
    wait_for_notice(c, "The notification was recorded.").await;
    let clock = text(c, "section[aria-labelledby='clock-h']").await;
    assert!(clock.contains("sent"), "{clock}");
    assert!(!clock.contains("late"), "sent at hour 30 of 72: {clock}");

    // 5. Containment, eradication and recovery, each logged.
    for (step, note) in [
        ("contained", "remote wipe sent"),
        ("eradicated", "tokens revoked"),
        ("recovered", "replacement issued"),
    ] {
        type_into(c, "#note", note).await;
        click(c, "form[action$='/advance'] button[type='submit']").await;
        // The same notice follows each step: wait for the page that shows this one.
        wait_for_xpath(
            c,
            &format!("the incident {step}"),
            &format!("//p[contains(@class, 'lede')][contains(., '{step}')]"),
        )
        .await;
        wait_for_notice(c, "The step was recorded on the timeline.").await;
    }

    // 6. The disk image kept as evidence, then handed to forensics.
    let dir = tempfile::tempdir().expect("a temporary directory");
    let image = dir.path().join("LAP-42-disk.img");
    std::fs::write(&image, vec![7u8; 64 * 1024]).expect("write the image");
    find(c, "#evidence-file")
        .await
        .send_keys(&image.canonicalize().unwrap().display().to_string())
        .await
        .expect("choose the disk image");
    type_into(c, "#evidence-description", "Disk image of LAP-42").await;
    type_into(c, "#collected_from", "LAP-42, recovered by the police").await;
    click(c, "form[action$='/evidence'] button[type='submit']").await;
    wait_for_notice(
        c,
        "The evidence was kept, with the first line of its chain of custody.",
    )
    .await;
    type_into(c, "#to-1", "Forensics Ltd").await;
    type_into(c, "#purpose-1", "imaging analysis").await;
    click(
        c,
        "form[action$='/evidence/1/handover'] button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The hand-over was added to the chain of custody.").await;
    let custody = text(c, "#evidence-1").await;
    assert!(
        custody.contains("LAP-42-disk.img") && custody.contains("Forensics Ltd"),
        "{custody}"
    );

    // 7. Closed with the lessons learned, which start a measure.
    type_into(
        c,
        "#lessons",
        "Disks were encrypted but the key was taped to the lid.",
    )
    .await;
    type_into(c, "#measures", "Keep recovery keys in the vault only").await;
    click(c, "form[action$='/close'] button[type='submit']").await;
    wait_for_notice(c, "The incident is closed with its lessons learned.").await;
    let timeline = text(c, "section[aria-labelledby='timeline-h']").await;
    assert!(timeline.contains("Measures started: M-"), "{timeline}");

    // 8. A BIA for Payroll: back within 3 days, on the payroll system.
    c.goto(&j.url("/continuity/processes/new"))
        .await
        .expect("open the new process form");
    wait_for(
        c,
        "the process form",
        "form[action='/continuity/processes']",
    )
    .await;
    type_into(c, "#name", "Payroll").await;
    type_into(c, "#owner", "hr@example.org").await;
    choose(c, "#impact_1d", "2").await;
    choose(c, "#impact_3d", "4").await;
    choose(c, "#impact_1w", "5").await;
    type_into(c, "#mtpd", "1 week").await;
    type_into(c, "#rto", "3 days").await;
    type_into(c, "#rpo", "1 day").await;
    type_into(c, "#assets", "PAY-SYS").await;
    click(
        c,
        "form[action='/continuity/processes'] button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The process was saved.").await;
    assert_eq!(text(c, "#process-rto").await, "3 days");

    // 9. The payroll system must be back in 3 days, and was never tested.
    c.goto(&j.url("/assets/PAY-SYS"))
        .await
        .expect("open the asset");
    wait_for(c, "the recovery card", "#continuity").await;
    assert!(text(c, "#required-rto").await.starts_with("3 days"));
    assert!(text(c, "#recovery-gap").await.contains("never tested"));

    // 10. A restore test that took 4 days: the gap shows on the asset.
    for (title, took) in [
        ("Payroll restore from tape", "4 days"),
        ("Payroll restore from disk", "2 days"),
    ] {
        c.goto(&j.url("/continuity/exercises"))
            .await
            .expect("open the exercises");
        wait_for(
            c,
            "the exercise form",
            "form[action='/continuity/exercises']",
        )
        .await;
        type_into(c, "#title", title).await;
        choose(c, "#kind", "restore_test").await;
        choose(c, "#process", "PR-0001").await;
        type_into(c, "#assets", "PAY-SYS").await;
        choose(c, "#result", "passed").await;
        type_into(c, "#achieved_rto", took).await;
        click(
            c,
            "form[action='/continuity/exercises'] button[type='submit']",
        )
        .await;
        wait_for_notice(c, "The exercise was recorded.").await;
        assert_eq!(text(c, "#achieved-rto").await, took);
        c.goto(&j.url("/assets/PAY-SYS"))
            .await
            .expect("open the asset");
        wait_for(c, "the recovery card", "#continuity").await;
        let gap = text(c, "#recovery-gap").await;
        if took == "4 days" {
            assert!(gap.contains("recovery took 4 days"), "{gap}");
        } else {
            assert!(gap.contains("meets"), "{gap}");
        }
    }

    // 11. The exercise is evidence for 5.30.
    let list = j
        .app
        .get("/api/v1/evidence?control=5.30", Auth::Bearer(&token))
        .await
        .json();
    let titles: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["title"].as_str())
        .collect();
    assert!(
        titles
            .iter()
            .any(|t| t.contains("Payroll restore from disk")),
        "{titles:?}"
    );
    j.finish("an incident handled and Payroll tested").await;
}
