//! Issue 19's "Done when" in headless Chromium, on SQLite and PostgreSQL: a security manager
//! adds a payroll provider as critical and sees the missing incident-notification clause
//! flagged, sends the cloud questionnaire; the supplier, with only the link, answers, uploads
//! its ISO/IEC 27001 certificate and submits; the manager reviews with a finding and the risk
//! appears; GDPR is switched on and linked to 5.34 and 8.11, and the SoA names it; the
//! processing "Payroll" lists the provider.

use crate::browser::{
    Journey, choose, click, find, path, set_up_annex, type_into, wait_for, wait_for_notice,
};
use crate::browser_documents::sign_in;
use annex::domain::user::Role;

#[tokio::test]
async fn a_payroll_provider_is_assessed_through_its_link_and_gdpr_gives_the_soa_its_reason() {
    for db in crate::harness::databases().await {
        journey(db).await;
    }
}

async fn journey(db: crate::harness::TestDb) {
    let Some(j) = Journey::start_on(db).await else {
        return;
    };
    let c = &j.client;
    set_up_annex(&j).await;
    let manager = j.app.add_user(Role::Manager).await;
    sign_in(&j, &manager).await;

    // 1. The payroll provider, critical: it processes personal data for payroll.
    c.goto(&j.url("/suppliers/new"))
        .await
        .expect("open the form");
    wait_for(c, "the new-supplier form", "form[action='/suppliers']").await;
    type_into(c, "#name", "PayFlow Λογιστική Ltd").await;
    type_into(c, "#services", "Payroll for every employee").await;
    click(c, "input[name='personal_data']").await;
    choose(c, "#criticality", "critical").await;
    type_into(
        c,
        "#criticality_reason",
        "it processes personal data for the payroll process",
    )
    .await;
    choose(c, "#clause_confidentiality", "present").await;
    click(c, "form[action='/suppliers'] button[type='submit']").await;
    wait_for_notice(c, "The supplier was saved.").await;
    let supplier_page = path(c).await;
    let body = c.source().await.expect("the supplier's page");
    assert!(
        body.contains("incident notification within 24 h is missing"),
        "the missing clause is flagged: {body}"
    );
    assert!(body.contains("critical"), "{body}");

    // 2. The cloud questionnaire, sent; the link shown once.
    choose(c, "#questionnaire", "cloud").await;
    click(c, "form[action$='/assessments'] button[type='submit']").await;
    let link = wait_for(c, "the link to send", "input#link")
        .await
        .prop("value")
        .await
        .expect("read the link")
        .expect("a link");
    let link = link[link.find("/q/").expect("a questionnaire link")..].to_string();

    // 3. The supplier, signed out, with only the link: answers, uploads, submits.
    click(
        c,
        "header.topbar form[action='/logout'] button[type='submit']",
    )
    .await;
    wait_for(c, "the sign-in form", "form[action='/login']").await;
    c.goto(&j.url(&link)).await.expect("open the link");
    wait_for(c, "the questionnaire", "form#answers").await;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let cert = dir.path().join("ISO-27001-certificate.pdf");
    std::fs::write(&cert, crate::soa_versions::SMALL_PDF).expect("write the certificate");
    let cert = cert.canonicalize().expect("the certificate's path");
    for question in ["4.2", "1.1"] {
        find(
            c,
            &format!("form[id='upload-{question}'] input[type='file']"),
        )
        .await
        .send_keys(&cert.display().to_string())
        .await
        .expect("choose the certificate");
        click(
            c,
            &format!("form[id='upload-{question}'] button[type='submit']"),
        )
        .await;
        // The notice alone may still be the previous upload's page: wait for this one's.
        wait_for(
            c,
            &format!("the document given for {question}"),
            &format!("div[id='q-{question}'] span.status.on"),
        )
        .await;
        wait_for_notice(c, "The document was uploaded.").await;
    }
    // Every question answered: the first option of each choice, yes, a sentence.
    c.execute(
        "for (const s of document.querySelectorAll('form#answers select')) {
             s.selectedIndex = 1; s.dispatchEvent(new Event('change', {bubbles: true}));
         }
         for (const t of document.querySelectorAll('form#answers textarea')) {
             t.value = 'Frankfurt; we choose the region';
         }
         return true;",
        Vec::new(),
    )
    .await
    .expect("answer the questions");
    choose(c, "select[name='a_3.3']", "within 72 hours").await;
    click(c, "button[name='action'][value='submit']").await;
    wait_for_notice(c, "Your answers were submitted. Thank you.").await;

    // 4. The manager reviews: a finding on the notification time; the risk appears.
    c.goto(&j.url("/login")).await.expect("open sign-in");
    wait_for(c, "the sign-in form", "form[action='/login']").await;
    type_into(c, "#email", &manager).await;
    type_into(c, "#password", crate::harness::PASSWORD).await;
    click(c, "form[action='/login'] button[type='submit']").await;
    wait_for(c, "a signed-in page", "header.topbar").await;
    c.goto(&j.url(&supplier_page)).await.expect("the supplier");
    click(c, "#assess-h ~ table a").await;
    wait_for(c, "the review form", "textarea#risks").await;
    type_into(c, "input[name='f_3.3']", "72 hours is too slow: we need 24").await;
    choose(c, "select[name='s_3.3']", "major").await;
    type_into(
        c,
        "#risks",
        "Payroll provider tells us of incidents too late | 3 | 4",
    )
    .await;
    click(c, "form[action$='/review'] button[type='submit']").await;
    wait_for_notice(c, "The review was recorded.").await;
    let body = c.source().await.expect("the assessment");
    assert!(body.contains("medium risk"), "{body}");
    click(c, "a[href^='/risks/R-']").await;
    wait_for(c, "the risk's page", "h1").await;
    let body = c.source().await.expect("the risk");
    assert!(
        body.contains("Payroll provider tells us of incidents too late"),
        "{body}"
    );

    // 5. GDPR switched on, linked to 5.34 and 8.11: the SoA names it.
    c.goto(&j.url("/obligations")).await.expect("obligations");
    click(
        c,
        "form[action='/obligations'] input[value='gdpr'] ~ button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The obligation was saved.").await;
    type_into(c, "#controls", "5.34, 8.11").await;
    click(c, "form[action^='/obligations/OB-'] button[type='submit']").await;
    // The notice is the same text as the first save's: wait for the page that lists 8.11.
    wait_for(
        c,
        "the obligation's linked controls",
        "section[aria-labelledby='controls-h'] a[href$='/8.11']",
    )
    .await;
    wait_for_notice(c, "The obligation was saved.").await;
    for control in ["5.34", "8.11"] {
        c.goto(&j.url(&format!("/soa/iso27002-2022/{control}")))
            .await
            .expect("the SoA row");
        let reason = wait_for(c, "the obligations behind it", "#obligations")
            .await
            .text()
            .await
            .expect("read the reason");
        assert!(
            reason.contains(
                "legal or regulatory requirement: General Data Protection Regulation (GDPR)"
            ),
            "{control}: {reason}"
        );
    }

    // 6. The processing "Payroll" lists the provider as its processor.
    c.goto(&j.url("/processing/new")).await.expect("the form");
    type_into(c, "#name", "Payroll").await;
    choose(c, "#legal_basis", "legal_obligation").await;
    type_into(c, "#processors", "SUP-0001").await;
    click(c, "form[action='/processing'] button[type='submit']").await;
    wait_for_notice(c, "The processing activity was saved.").await;
    let body = c.source().await.expect("the processing");
    assert!(body.contains("PayFlow Λογιστική Ltd"), "{body}");
    j.finish("suppliers").await;
}
