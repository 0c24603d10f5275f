//! A security manager writes the access-control policy from Annex's template and has it
//! approved and published, in headless Chromium: the template chosen, the draft edited with
//! its preview, sent for approval; the approver signs in and approves with a note; the
//! manager publishes; the policy's page shows the published text and its approval, and
//! control 5.15 on the SoA counts it as evidence.

use crate::browser::{
    Journey, click, click_and_wait_for_new_page, find, path, set_up_annex, text, type_into,
    wait_for, wait_for_notice, wait_for_xpath,
};
use crate::harness::PASSWORD;
use annex::domain::user::Role;

#[tokio::test]
async fn a_security_manager_has_the_access_control_policy_approved_and_published_in_a_browser() {
    for db in crate::harness::databases().await {
        journey(db).await;
    }
}

pub(crate) async fn sign_in(j: &Journey, email: &str) {
    let c = &j.client;
    click(
        c,
        "header.topbar form[action='/logout'] button[type='submit']",
    )
    .await;
    wait_for(c, "the sign-in form", "form[action='/login']").await;
    type_into(c, "#email", email).await;
    type_into(c, "#password", PASSWORD).await;
    click(c, "form[action='/login'] button[type='submit']").await;
    wait_for(c, "a signed-in page", "header.topbar").await;
}

async fn journey(db: crate::harness::TestDb) {
    let Some(j) = Journey::start_on(db).await else {
        return;
    };
    let c = &j.client;
    set_up_annex(&j).await;
    let approver = j.app.add_user(Role::Viewer).await;
    let manager = j.app.add_user(Role::Manager).await;
    sign_in(&j, &manager).await;

    // 1. Documents → New document, from the access-control template.
    c.goto(&j.url("/documents"))
        .await
        .expect("open the documents");
    wait_for(c, "the empty register", "main .empty").await;
    click(c, ".pagehead .actions a[href='/documents/new']").await;
    wait_for(c, "the new-document form", "form[action='/documents']").await;
    click(c, "input[name='template'][value='access-control']").await;
    type_into(c, "#approver", &approver).await;
    click(c, "form[action='/documents'] button[type='submit']").await;

    // 2. The draft opens with the template's text filled in; she adds a rule and saves.
    wait_for(c, "the draft's editor", "textarea#body").await;
    assert!(path(c).await.ends_with("/text"), "{}", path(c).await);
    let body = find(c, "textarea#body")
        .await
        .prop("value")
        .await
        .expect("read the draft")
        .unwrap_or_default();
    assert!(body.starts_with("# Access control policy"), "{body}");
    assert!(
        body.contains(crate::browser::ORGANISATION),
        "the organisation is named"
    );
    find(c, "textarea#body")
        .await
        .send_keys("\n## Έλεγχος πρόσβασης\n\nVisitors never receive accounts.\n")
        .await
        .expect("type into the draft");
    type_into(c, "#change_note", "First version").await;
    click_and_wait_for_new_page(c, "button[name='action'][value='preview']").await;
    wait_for_xpath(
        c,
        "the preview with the new rule",
        "//*[@id='preview'][.//h2 and contains(., 'Visitors never receive accounts.')]",
    )
    .await;
    click(c, "button[name='action'][value='save']").await;
    wait_for_notice(c, "The draft was saved.").await;
    let page = path(c).await;

    // 3. Send for approval.
    click(c, "form[action$='/step'] input[value='submit'] ~ button").await;
    wait_for_notice(c, "The draft was sent to the approver.").await;

    // 4. The approver approves with a note.
    sign_in(&j, &approver).await;
    c.goto(&j.url(&page)).await.expect("open the policy");
    wait_for(c, "the approval form", "textarea#note-approve").await;
    type_into(c, "#note-approve", "Agreed at the board meeting").await;
    click(c, "form[action$='/step'] input[value='approve'] ~ button").await;
    wait_for_notice(
        c,
        "The version was approved: its text is frozen by its SHA-256.",
    )
    .await;

    // 5. The manager publishes it.
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
    assert!(
        text(c, "#text-h").await.contains("Version 1, published"),
        "the published text is shown"
    );
    assert!(
        text(c, ".prose")
            .await
            .contains("Visitors never receive accounts.")
    );

    // 6. The version's page shows the approval and the hash; 5.15 counts it as evidence.
    c.goto(&j.url(&format!("{page}/versions/1")))
        .await
        .expect("open version 1");
    wait_for(c, "the approval", "code.hash").await;
    let card = text(c, "main .card").await;
    assert!(
        card.contains("Agreed at the board meeting")
            && card.contains("the text below is that text"),
        "{card}"
    );
    c.goto(&j.url("/soa/iso27002-2022/5.15"))
        .await
        .expect("open 5.15 on the SoA");
    wait_for(c, "the control page", "main h1").await;
    let control = text(c, "main").await;
    assert!(
        control.contains("Access control policy, version 1 (published)"),
        "the SoA's control lists the policy as evidence: {control}"
    );
    j.finish("the document approval journey").await;
}
