//! Issue 21 in headless Chromium, on SQLite and PostgreSQL: a contributor opens "my work" and
//! finds the measure given to her overdue and the one due tomorrow this week, writes herself
//! a task, sees it in the month's calendar, chooses a weekly digest without assignment
//! messages, and makes the calendar address a calendar program subscribes to; the admin adds a
//! webhook, reads its signing key once and sends it a test event.

use crate::browser::{
    Journey, click, set_date, set_up_annex, text, type_into, wait_for, wait_for_notice,
};
use crate::browser_documents::sign_in;
use crate::harness::Auth;
use crate::webhooks::Receiver;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn a_contributor_keeps_her_work_and_the_admin_a_webhook_in_a_browser() {
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
    let ann = j.app.add_user(Role::Contributor).await;
    let manager = j.app.token_as(Role::Manager).await;
    let today = j.app.store.today();
    let day = |n: i64| annex::domain::input::days_after(&today, n).unwrap();
    for (name, due) in [
        ("Šifrování notebooků", day(1)),
        ("Patch the VPN gateway", day(-5)),
    ] {
        let res = j
            .app
            .post_json(
                "/api/v1/measures",
                Auth::Bearer(&manager),
                json!({"name": name, "owner": ann, "status": "planned", "due_on": due}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    }
    sign_in(&j, &ann).await;

    // 1. My work: what is overdue and what is due this week, in words.
    c.goto(&j.url("/my-work")).await.expect("open my work");
    wait_for(
        c,
        "the overdue tasks",
        "section[aria-labelledby='overdue-h']",
    )
    .await;
    let overdue = text(c, "section[aria-labelledby='overdue-h']").await;
    assert!(
        overdue.contains("Implement: Patch the VPN gateway"),
        "{overdue}"
    );
    // Tomorrow is this week, or later when today is Sunday.
    let soon = text(c, "main").await;
    assert!(soon.contains("Implement: Šifrování notebooků"), "{soon}");

    // 2. She writes herself a task due in three days.
    type_into(c, "#title", "Σύνοψη για την επιτροπή").await;
    type_into(c, "#owner", &ann).await;
    set_date(c, "#due_on", &day(3)).await;
    click(c, "form[action='/tasks'] button[type='submit']").await;
    wait_for_notice(c, "The task was saved.").await;
    c.goto(&j.url("/my-work")).await.expect("open my work");
    wait_for(c, "my work", "section[aria-labelledby='overdue-h']").await;
    let body = text(c, "main").await;
    assert!(body.contains("Σύνοψη για την επιτροπή"), "{body}");

    // 3. The month's calendar holds it on its day.
    let month = &day(3)[..7];
    c.goto(&j.url(&format!("/my-work/calendar?month={month}")))
        .await
        .expect("open the calendar");
    wait_for(c, "the month grid", "table").await;
    let grid = text(c, "table").await;
    assert!(grid.contains("Σύνοψη για την επιτροπή"), "{grid}");

    // 4. Her choices: a weekly digest, no assignment messages; a calendar address.
    c.goto(&j.url("/my-work/settings"))
        .await
        .expect("open the settings");
    wait_for(c, "the choices", "form[action='/my-work/settings']").await;
    click(c, "input[name='digest'][value='weekly']").await;
    click(c, "input[name='muted'][value='assignment']").await;
    click(c, "form[action='/my-work/settings'] button[type='submit']").await;
    wait_for_notice(c, "Your choices were saved.").await;
    let token = j.app.token_for(&ann).await;
    let p = j
        .app
        .get("/api/v1/notification-settings", Auth::Bearer(&token))
        .await
        .json();
    assert_eq!(p["digest"], "weekly", "{p}");
    assert_eq!(p["muted"], json!(["assignment"]), "{p}");
    click(c, "form[action='/my-work/feed'] button[type='submit']").await;
    let address = wait_for(
        c,
        "the calendar address",
        "input[aria-label='Your calendar address']",
    )
    .await
    .prop("value")
    .await
    .expect("read the address")
    .unwrap_or_default();
    let path = &address[address.find("/calendar/").expect("a calendar address")..];
    let feed = j.app.get(path, Auth::None).await;
    assert_eq!(feed.status, StatusCode::OK);
    assert!(
        feed.body.contains("BEGIN:VCALENDAR") && feed.body.contains("Šifrování notebooků"),
        "{}",
        feed.body
    );

    // 5. The admin adds a webhook, reads its key once and sends it a test event.
    let (receiver, port) = Receiver::start().await;
    sign_in(&j, crate::browser::ADMIN_EMAIL).await;
    c.goto(&j.url("/admin/notifications"))
        .await
        .expect("open the notifications");
    click(c, "a[href='/admin/webhooks']").await;
    wait_for(c, "the webhook form", "form[action='/admin/webhooks']").await;
    type_into(c, "#url", &format!("http://127.0.0.1:{port}/chat")).await;
    type_into(c, "#name", "Kanál bezpečnosti").await;
    crate::browser::choose(c, "#format", "slack").await;
    click(c, "form[action='/admin/webhooks'] button[type='submit']").await;
    let key = wait_for(c, "the signing key", "code.secret").await;
    assert!(key.text().await.unwrap().starts_with("whsec_"));
    click(c, "section[aria-labelledby='made-h'] a").await;
    wait_for(c, "the webhook's page", "form[action$='/test']").await;
    click(c, "form[action$='/test'] button[type='submit']").await;
    wait_for_notice(
        c,
        &format!("The test event was delivered: http://127.0.0.1:{port} answered 204."),
    )
    .await;
    let got = receiver.at("/chat");
    assert_eq!(got.len(), 1);
    assert!(
        got[0].json()["text"]
            .as_str()
            .unwrap()
            .starts_with("*Annex: test event")
    );
    j.finish("a contributor keeps her work and the admin a webhook")
        .await;
}
