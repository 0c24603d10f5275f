//! Issue 17's whole story in headless Chromium, on SQLite and PostgreSQL: a security manager
//! has the access-control policy approved and published with acknowledgement required of all
//! staff; a person acknowledges through their personal link and the manager sees 1 of 3; the
//! next HR export leaves someone out, who gets an offboarding checklist with the laptop they
//! hold; a training campaign shows completion by department; and 5.1, 5.15 and 6.3 on the SoA
//! show the new evidence.

use crate::browser::{
    Journey, click, click_and_wait_for_new_page, find, path, set_up_annex, text, type_into,
    wait_for, wait_for_notice, wait_for_xpath,
};
use crate::browser_documents::sign_in;
use crate::harness::Auth;
use annex::domain::user::Role;
use axum::http::StatusCode;

#[tokio::test]
async fn a_policy_is_acknowledged_a_leaver_offboarded_and_training_followed_in_a_browser() {
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
    let approver = j.app.add_user(Role::Viewer).await;
    let manager = j.app.add_user(Role::Manager).await;
    let token = j.app.token_for(&manager).await;

    // The staff directory from HR's export, and the laptop Pavlos holds.
    let hr = "Employee ID,Full name,Work email,Department,Job title\n\
              E1,Ana Lima,ana@example.org,Finance,Accountant\n\
              E2,Jan Dvořák,jan@example.org,Finance,Controller\n\
              E3,Παύλος Νικολάου,pavlos@example.org,IT,Administrator\n";
    let res = j
        .app
        .post_bytes("/api/v1/people/import", Auth::Bearer(&token), hr.into())
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    let res = j
        .app
        .post_json(
            "/api/v1/assets",
            Auth::Bearer(&token),
            serde_json::json!({"id": "LAP-1", "name": "Laptop", "asset_type": "hardware", "classification": "internal", "custodian": "pavlos@example.org"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    sign_in(&j, &manager).await;

    // 1. The access-control policy from its template, edited, sent for approval.
    c.goto(&j.url("/documents/new"))
        .await
        .expect("open the form");
    wait_for(c, "the new-document form", "form[action='/documents']").await;
    click(c, "input[name='template'][value='access-control']").await;
    type_into(c, "#approver", &approver).await;
    click(c, "form[action='/documents'] button[type='submit']").await;
    wait_for(c, "the draft's editor", "textarea#body").await;
    find(c, "textarea#body")
        .await
        .send_keys("\n## Visitors\n\nVisitors never receive accounts.\n")
        .await
        .expect("type into the draft");
    click(c, "button[name='action'][value='save']").await;
    wait_for_notice(c, "The draft was saved.").await;
    let page = path(c).await;
    click(c, "form[action$='/step'] input[value='submit'] ~ button").await;
    wait_for_notice(c, "The draft was sent to the approver.").await;

    // 2. The approver approves; the manager publishes.
    sign_in(&j, &approver).await;
    c.goto(&j.url(&page)).await.expect("open the policy");
    wait_for(c, "the approval form", "textarea#note-approve").await;
    type_into(c, "#note-approve", "Agreed").await;
    click(c, "form[action$='/step'] input[value='approve'] ~ button").await;
    wait_for_notice(
        c,
        "The version was approved: its text is frozen by its SHA-256.",
    )
    .await;
    sign_in(&j, &manager).await;
    c.goto(&j.url(&page)).await.expect("open the policy");
    wait_for(
        c,
        "the publish button",
        "form[action$='/step'] input[value='publish']",
    )
    .await;
    click(c, "form[action$='/step'] input[value='publish'] ~ button").await;
    wait_for_notice(
        c,
        "The version was published: it is the one people read now.",
    )
    .await;

    // 3. Acknowledgement required of everyone.
    click(c, "section[aria-labelledby='ack-h'] details summary").await;
    click(c, "input[name='required']").await;
    click(c, "form[action$='/acknowledgement'] button[type='submit']").await;
    wait_for_notice(c, "The acknowledgement requirement was saved.").await;
    assert!(
        text(c, "section[aria-labelledby='ack-h']")
            .await
            .contains("0 of 3 acknowledged version 1"),
        "{}",
        text(c, "section[aria-labelledby='ack-h']").await
    );

    // 4. Ana's personal link: the manager makes it, Ana opens it and acknowledges.
    c.goto(&j.url("/people?q=ana")).await.expect("find Ana");
    wait_for(
        c,
        "Ana in the directory",
        "main table.list a[href^='/people/P-']",
    )
    .await;
    click(c, "main table.list td:nth-child(2) a").await;
    wait_for(c, "Ana's page", "form[action$='/link'] button").await;
    click(c, "form[action$='/link'] button").await;
    let link = wait_for(c, "the personal link", "input#link")
        .await
        .prop("value")
        .await
        .expect("read the link")
        .unwrap_or_default();
    // The link names Annex's configured address; the test server listens elsewhere.
    let link_path = &link[link.find("/for/").unwrap_or_else(|| panic!("{link}"))..];
    c.goto(&j.url(link_path))
        .await
        .expect("open the personal link");
    wait_for(c, "Ana's documents", "form[action*='/documents/'] button").await;
    assert!(text(c, "main").await.contains("Access control policy"));
    click_and_wait_for_new_page(c, "form[action*='/documents/'] button").await;
    wait_for_xpath(
        c,
        "the acknowledgement",
        "//main//span[contains(., 'You acknowledged this version')]",
    )
    .await;

    // 5. The manager sees 1 of 3.
    c.goto(&j.url(&page)).await.expect("open the policy");
    wait_for(
        c,
        "the acknowledgement card",
        "section[aria-labelledby='ack-h']",
    )
    .await;
    assert!(
        text(c, "section[aria-labelledby='ack-h']")
            .await
            .contains("1 of 3 acknowledged version 1"),
        "{}",
        text(c, "section[aria-labelledby='ack-h']").await
    );

    // 6. The next HR export leaves Pavlos out: imported as the whole staff, he has left.
    let file = j.app.db.dir.path().join("hr-next-month.csv");
    std::fs::write(
        &file,
        "Employee ID,Full name,Work email,Department,Job title\n\
         E1,Ana Lima,ana@example.org,Finance,Accountant\n\
         E2,Jan Dvořák,jan@example.org,Finance,Controller\n",
    )
    .expect("write the export");
    c.goto(&j.url("/people/import"))
        .await
        .expect("open the import");
    find(c, "form[action='/people/import'] input[type='file']#file")
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the export");
    click(c, "form[action='/people/import'] button[type='submit']").await;
    wait_for(c, "the review", "input[name='absent_left']").await;
    click(c, "input[name='absent_left']").await;
    click(c, "main form[method='get'] button[type='submit']").await;
    wait_for_xpath(
        c,
        "the leaver in the review",
        "//main//p[contains(., 'is not in your file')]",
    )
    .await;
    click(
        c,
        "main form[method='post'][action^='/imports/'] button[type='submit']",
    )
    .await;
    let done = wait_for(c, "the result", "main div.notice").await;
    assert!(
        done.text()
            .await
            .unwrap_or_default()
            .contains("1 recorded as having left"),
        "the import says who left"
    );
    c.goto(&j.url("/people?q=pavlos"))
        .await
        .expect("find Pavlos");
    wait_for(c, "Pavlos", "main table.list td:nth-child(2) a").await;
    click(c, "main table.list td:nth-child(2) a").await;
    wait_for(c, "the offboarding checklist", "table.checklist").await;
    let main = text(c, "main").await;
    assert!(
        main.contains("Offboarding checklist") && main.contains("LAP-1"),
        "the leaver's checklist lists the laptop: {main}"
    );

    // 7. Training: a module, a campaign for everyone, Ana's completion; by department.
    c.goto(&j.url("/training")).await.expect("open training");
    wait_for(c, "the module form", "form[action='/training/modules']").await;
    type_into(c, "#m-title", "Recognising phishing").await;
    click(c, "form[action='/training/modules'] button[type='submit']").await;
    wait_for_notice(c, "The module was saved.").await;
    c.goto(&j.url("/training")).await.expect("open training");
    wait_for(c, "the campaign form", "form[action='/training/campaigns']").await;
    type_into(c, "#c-title", "Awareness this year").await;
    click(c, "input[name='modules']").await;
    click(
        c,
        "form[action='/training/campaigns'] button[type='submit']",
    )
    .await;
    wait_for_notice(
        c,
        "The campaign was started; its completion records count as evidence for the controls of its modules.",
    )
    .await;
    type_into(c, "#r-person", "ana@example.org").await;
    click(c, "form[action$='/completions'] button[type='submit']").await;
    wait_for_notice(c, "The completion was recorded.").await;
    let by_department = text(c, "section[aria-labelledby='dep-h']").await;
    assert!(
        by_department.contains("Finance") && !by_department.contains("IT"),
        "Finance only, Pavlos has left: {by_department}"
    );
    assert!(
        text(c, ".pagehead")
            .await
            .contains("1 of 2 completed (50%)"),
        "{}",
        text(c, ".pagehead").await
    );

    // 8. The SoA: 5.1 and 5.15 list the policy, 6.3 the campaign.
    for (control, evidence) in [
        ("5.1", "Access control policy, version 1 (published)"),
        ("5.15", "Access control policy, version 1 (published)"),
        ("6.3", "Training campaign TC-0001: Awareness this year"),
    ] {
        c.goto(&j.url(&format!("/soa/iso27002-2022/{control}")))
            .await
            .expect("open the control on the SoA");
        wait_for(c, "the control page", "main h1").await;
        assert!(
            text(c, "main").await.contains(evidence),
            "{control} lists {evidence}"
        );
    }
    j.finish("the policies and people journey").await;
}
