//! Tasks, reminders and the scheduler through the paths people take, against a real SMTP
//! server on loopback (STARTTLS with a login) and with a clock the test moves: a measure due
//! tomorrow and evidence expiring in 7 days make one digest for their owner with both,
//! linking back; an overdue measure goes to the owner's manager once; choices (weekly, muted)
//! are kept; the iCalendar feed parses with the right days and stops when removed; a failing
//! server is tried again and given up; two instances with a restart and a crashed run in the
//! middle send every message exactly once; on both databases.

use crate::harness::{Auth, TestApp, TestDb, databases};
use crate::smtp_sink::{self, Behaviour, Sink};
use annex::config::{Smtp, SmtpSecurity};
use annex::domain::clock::{Clock, Hand, parse_stamp, stamp};
use annex::domain::user::Role;
use axum::http::StatusCode;
use icalendar::Component;
use serde_json::json;

pub(crate) const BASE: &str = "https://isms.example.org";

pub(crate) fn at(s: &str) -> time::OffsetDateTime {
    parse_stamp(s).unwrap()
}

/// Annex sending through `sink` with STARTTLS and a login, trusting its certificate.
pub(crate) async fn spawn(db: TestDb, sink: &Sink, start: &str) -> (TestApp, Hand) {
    let ca = db.dir.path().join("sink-ca.pem");
    std::fs::write(&ca, &sink.cert_pem).unwrap();
    let port = sink.port;
    let (clock, hand) = Clock::settable(at(start));
    let app = TestApp::spawn_with(
        db,
        move |c| {
            c.public_url = Some(BASE.into());
            c.smtp = Some(Smtp {
                host: "localhost".into(),
                port,
                security: SmtpSecurity::Starttls,
                username: Some("annex".into()),
                password: Some("s3cret-for-smtp".into()),
                from: "Annex <isms@example.org>".into(),
                ca_file: Some(ca),
            });
        },
        clock,
    )
    .await;
    (app, hand)
}

pub(crate) fn login() -> Behaviour {
    Behaviour {
        login: Some(("annex".into(), "s3cret-for-smtp".into())),
        ..Default::default()
    }
}

/// The scheduler of an instance (Annex itself on `store` with `app`'s configuration).
pub(crate) fn scheduler(app: &TestApp, store: &annex::store::Store) -> annex::service::Ctx {
    annex::service::Services::configured(store.clone(), &app.config).system()
}

pub(crate) async fn tick(
    ctx: &annex::service::Ctx,
    instance: &str,
) -> Vec<(String, Result<String, String>)> {
    annex::registers::jobs::service::tick(ctx, instance)
        .await
        .expect("a tick")
}

pub(crate) async fn create(
    app: &TestApp,
    token: &str,
    path: &str,
    body: serde_json::Value,
) -> String {
    let res = app.post_json(path, Auth::Bearer(token), body).await;
    assert_eq!(res.status, StatusCode::CREATED, "{path}: {}", res.body);
    res.json()["id"].as_str().unwrap().to_string()
}

#[tokio::test]
async fn a_digest_brings_each_owner_their_tasks_and_overdue_work_reaches_the_manager() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        // Monday 7 December 2026, 06:00 UTC; digests go out at 07:00 (the organisation's zone
        // is UTC until set).
        let (app, hand) = spawn(db, &sink, "2026-12-07T06:00:00Z").await;
        let _admin = app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;
        let ann_token = app.token_for(&ann).await;
        let bob = app.add_user(Role::Manager).await;
        let carl = app.add_user(Role::Contributor).await;
        let carl_token = app.token_for(&carl).await;
        let dora = app.add_user(Role::Viewer).await;
        let dora_token = app.token_for(&dora).await;

        // Ann's manager in the staff directory is Bob.
        create(
            &app,
            &manager,
            "/api/v1/people",
            json!({"name": "Ann Example", "email": ann, "manager": bob}),
        )
        .await;
        let due_tomorrow = create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Encrypt the laptops", "owner": ann, "status": "planned", "due_on": "2026-12-08"}),
        )
        .await;
        let overdue = create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Patch the VPN gateway", "owner": ann, "status": "in_progress", "due_on": "2026-11-27"}),
        )
        .await;
        let res = app
            .upload(
                "/api/v1/evidence",
                Auth::Bearer(&ann_token),
                &[
                    ("title", "Backup restore report"),
                    ("url", "https://wiki.example.org/restore"),
                    ("collected_at", "2026-12-01"),
                    ("valid_until", "2026-12-14"),
                ],
                None,
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let evidence = res.json()["id"].as_str().unwrap().to_string();
        // Carl's only task is due in 13 days: beyond a daily digest, within a weekly one.
        create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Review firewall rules", "owner": carl, "status": "planned", "due_on": "2026-12-20"}),
        )
        .await;
        // Dora turned digests off.
        create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Label the archive boxes", "owner": dora, "status": "planned", "due_on": "2026-12-09"}),
        )
        .await;
        let res = app
            .put_json(
                "/api/v1/notification-settings",
                Auth::Bearer(&carl_token),
                json!({"digest": "weekly"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .put_json(
                "/api/v1/notification-settings",
                Auth::Bearer(&dora_token),
                json!({"muted": ["digest"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["muted"], json!(["digest"]));
        let res = app
            .put_json(
                "/api/v1/notification-settings",
                Auth::Bearer(&dora_token),
                json!({"digest": "hourly", "muted": "spam"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.fields(), ["digest", "muted"]);

        // Ann's own list: overdue, this week (tomorrow), later (the 14th is next week).
        let mine = app.get("/api/v1/tasks", Auth::Bearer(&ann_token)).await;
        assert_eq!(mine.status, StatusCode::OK, "{}", mine.body);
        let ids: Vec<String> = mine
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["id"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            ids,
            [
                format!("measure:{overdue}"),
                format!("measure:{due_tomorrow}"),
                format!("evidence:{evidence}")
            ]
        );
        let page = app.get("/my-work", Auth::Bearer(&ann_token)).await;
        assert_eq!(page.status, StatusCode::OK);

        let ctx = scheduler(&app, &app.store);
        let ran = tick(&ctx, "test").await;
        let names: Vec<&str> = ran.iter().map(|r| r.0.as_str()).collect();
        assert!(!names.contains(&"digests"), "not before 07:00: {ran:?}");
        // Only the news that the manager gave them their measures, once each, in the words
        // of the record.
        let given: Vec<String> = sink
            .messages()
            .iter()
            .map(|m| m.header("Subject").unwrap_or_default())
            .collect();
        assert_eq!(given.len(), 4, "{given:?}");
        assert!(
            given.iter().all(|s| s.contains("gave you a measure: ")),
            "{given:?}"
        );
        assert_eq!(sink.to(&ann).len(), 2);
        let digests = |who: &str| -> Vec<crate::smtp_sink::Received> {
            sink.to(who)
                .into_iter()
                .filter(|m| m.header("Subject").unwrap_or_default().contains("to do"))
                .collect()
        };

        hand.set(at("2026-12-07T07:00:30Z"));
        let ran = tick(&ctx, "test").await;
        assert!(ran.iter().all(|r| r.1.is_ok()), "{ran:?}");
        let outcome = |name: &str| {
            ran.iter()
                .find(|r| r.0 == name)
                .map(|r| r.1.clone().unwrap())
                .unwrap_or_default()
        };
        assert_eq!(outcome("digests"), "2 digests queued for 2026-12-07");
        assert_eq!(outcome("escalations"), "1 escalation queued");
        assert_eq!(outcome("outbox"), "3 sent, 0 to try again, 0 given up");

        let to_ann = digests(&ann);
        assert_eq!(to_ann.len(), 1, "one digest for Ann");
        let m = &to_ann[0];
        assert!(m.tls, "sent over STARTTLS");
        assert_eq!(m.user.as_deref(), Some("annex"));
        assert_eq!(m.from, "isms@example.org");
        assert_eq!(
            m.header("Subject").as_deref(),
            Some("Annex: 3 tasks to do, 1 overdue")
        );
        assert!(
            m.header("Content-Type")
                .unwrap()
                .starts_with("multipart/alternative"),
            "{:?}",
            m.header("Content-Type")
        );
        assert!(m.header("Message-ID").unwrap().ends_with("@example.org>"));
        let text = m.text();
        for needle in [
            format!("{BASE}/measures/{due_tomorrow}"),
            format!("{BASE}/evidence/{evidence}"),
            format!("{BASE}/measures/{overdue}"),
            "Implement: Encrypt the laptops".to_string(),
            "Renew: Backup restore report".to_string(),
            format!("href=\"{BASE}/evidence/{evidence}\""),
        ] {
            assert!(text.contains(&needle), "the digest holds {needle}: {text}");
        }
        let to_bob = sink.to(&bob);
        assert_eq!(to_bob.len(), 1, "one escalation for Bob");
        assert_eq!(
            to_bob[0].header("Subject").as_deref(),
            Some("Annex: Ann Example has 1 task overdue")
        );
        let bob_text = to_bob[0].text();
        assert!(
            bob_text.contains(&format!("{BASE}/measures/{overdue}")),
            "{bob_text}"
        );
        assert!(
            !bob_text.contains(&due_tomorrow),
            "only what is overdue long enough: {bob_text}"
        );
        assert_eq!(
            digests(&carl).len(),
            1,
            "Carl's weekly digest comes on Monday"
        );
        assert!(digests(&carl)[0].text().contains("Review firewall rules"));
        assert!(digests(&dora).is_empty(), "Dora turned digests off");

        // Again within the hour: nothing new. The next day: Ann's new digest, no second
        // escalation, nothing for Carl (weekly).
        let sent = sink.messages().len();
        hand.set(at("2026-12-07T07:05:00Z"));
        tick(&ctx, "test").await;
        assert_eq!(sink.messages().len(), sent);
        hand.set(at("2026-12-08T07:00:10Z"));
        let ran = tick(&ctx, "test").await;
        assert!(ran.iter().all(|r| r.1.is_ok()), "{ran:?}");
        assert_eq!(digests(&ann).len(), 2);
        assert_eq!(
            sink.to(&bob).len(),
            1,
            "an overdue task escalates once for its due day"
        );
        assert_eq!(digests(&carl).len(), 1);

        // The team view counts Ann's overdue, this week's and later tasks (the 14th is next
        // week) as her own list does.
        let team = app.get("/tasks", Auth::Bearer(&manager)).await;
        assert_eq!(team.status, StatusCode::OK);
        let row = team
            .body
            .split("<tr")
            .find(|r| r.contains("Ann Example"))
            .unwrap_or_else(|| panic!("{}", team.body))
            .to_string();
        assert!(
            row.contains(r#"<span class="status off">1</span></td><td>1</td><td>1</td>"#),
            "{row}"
        );
        // Admins see the jobs and the outbox.
        let admin_token = app.token_as(Role::Admin).await;
        let jobs = app
            .get("/api/v1/jobs", Auth::Bearer(&admin_token))
            .await
            .json();
        let digests = jobs
            .as_array()
            .unwrap()
            .iter()
            .find(|j| j["name"] == "digests")
            .unwrap()
            .clone();
        assert_eq!(digests["runs"], 2);
        assert_eq!(digests["next_run_at"], "2026-12-09T07:00:00.000000Z");
        let outbox = app
            .get("/api/v1/outbox?state=sent", Auth::Bearer(&admin_token))
            .await
            .json();
        assert_eq!(
            outbox["sent"], 8,
            "4 measures given, 3 digests, 1 escalation"
        );
        assert_eq!(
            app.get("/api/v1/jobs", Auth::Bearer(&ann_token))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/api/v1/outbox?state=lost", Auth::Bearer(&admin_token))
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_calendar_feed_holds_each_task_on_its_day_and_stops_when_removed() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        let (app, _hand) = spawn(db, &sink, "2026-12-07T09:00:00Z").await;
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;
        let ann_token = app.token_for(&ann).await;
        let m = create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Šifrování notebooků; část \"A\"", "owner": ann, "status": "planned", "due_on": "2026-12-10"}),
        )
        .await;
        let t = app
            .post_json(
                "/api/v1/tasks",
                Auth::Bearer(&manager),
                json!({"title": "Ανανέωση σύμβασης", "owner": ann, "due_on": "2026-12-18", "link": m}),
            )
            .await;
        assert_eq!(t.status, StatusCode::CREATED, "{}", t.body);
        let task = t.json()["id"].as_str().unwrap().to_string();

        let res = app
            .post_json("/api/v1/calendar-feed", Auth::Bearer(&ann_token), json!({}))
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let url = res.json()["url"].as_str().unwrap().to_string();
        let path = url
            .strip_prefix(BASE)
            .expect("the feed's address is on the public URL")
            .to_string();
        assert!(
            path.starts_with("/calendar/cal_") && path.ends_with(".ics"),
            "{path}"
        );

        let feed = app.get(&path, Auth::None).await;
        assert_eq!(feed.status, StatusCode::OK, "{}", feed.body);
        assert_eq!(
            feed.header("content-type"),
            Some("text/calendar; charset=utf-8")
        );
        let cal: icalendar::Calendar = feed
            .body
            .parse()
            .expect("a calendar program's parser reads it");
        let events: Vec<&icalendar::Event> =
            cal.components.iter().filter_map(|c| c.as_event()).collect();
        assert_eq!(events.len(), 2, "{}", feed.body);
        let day = |y, mo, d| {
            Some(icalendar::DatePerhapsTime::Date(
                chrono::NaiveDate::from_ymd_opt(y, mo, d).unwrap(),
            ))
        };
        let by_uid = |uid: &str| {
            events
                .iter()
                .find(|e| e.get_uid() == Some(uid))
                .copied()
                .unwrap_or_else(|| panic!("{uid} in {}", feed.body))
        };
        let measure = by_uid(&format!("measure:{m}@annex"));
        assert_eq!(measure.get_start(), day(2026, 12, 10));
        assert_eq!(
            measure.get_summary(),
            Some("Implement: Šifrování notebooků; část \"A\"")
        );
        assert_eq!(
            measure.get_url(),
            Some(format!("{BASE}/measures/{m}").as_str())
        );
        let written = by_uid(&format!("manual:{task}@annex"));
        assert_eq!(written.get_start(), day(2026, 12, 18));
        assert_eq!(written.get_summary(), Some("Complete: Ανανέωση σύμβασης"));

        // Someone else's secret does not open; a new address ends the old one; removing it
        // ends it too (the trail says so).
        assert_eq!(
            app.get("/calendar/cal_0000.ics", Auth::None).await.status,
            StatusCode::GONE
        );
        let again = app
            .post_json("/api/v1/calendar-feed", Auth::Bearer(&ann_token), json!({}))
            .await
            .json();
        assert_eq!(app.get(&path, Auth::None).await.status, StatusCode::GONE);
        let path2 = again["url"]
            .as_str()
            .unwrap()
            .strip_prefix(BASE)
            .unwrap()
            .to_string();
        assert_eq!(app.get(&path2, Auth::None).await.status, StatusCode::OK);
        let res = app
            .delete("/api/v1/calendar-feed", Auth::Bearer(&ann_token))
            .await;
        assert_eq!(res.status, StatusCode::NO_CONTENT, "{}", res.body);
        assert_eq!(app.get(&path2, Auth::None).await.status, StatusCode::GONE);
        assert_eq!(
            app.delete("/api/v1/calendar-feed", Auth::Bearer(&ann_token))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let trail = app.audit_of("calendar_feed", 10).await;
        assert_eq!(trail.len(), 3, "made, made again, removed");

        // The calendar page and the settings page.
        let page = app
            .get("/my-work/calendar?month=2026-12", Auth::Bearer(&ann_token))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Ανανέωση σύμβασης"));
        assert_eq!(
            app.get("/my-work/calendar?month=2026-13", Auth::Bearer(&ann_token))
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn written_tasks_are_given_commented_finished_and_refused_when_wrong() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        let (app, _hand) = spawn(db, &sink, "2026-12-07T09:00:00Z").await;
        app.set_up().await;
        let manager_email = app.add_user(Role::Manager).await;
        let manager = app.token_for(&manager_email).await;
        let ann = app.add_user(Role::Contributor).await;
        let ann_token = app.token_for(&ann).await;
        let viewer = app.token_as(Role::Viewer).await;

        let bad = app
            .post_json(
                "/api/v1/tasks",
                Auth::Bearer(&manager),
                json!({"title": "", "owner": "nobody", "due_on": "07/12/2026", "link": "R-9999"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        assert_eq!(bad.fields(), ["title", "owner", "due_on"]);
        let missing = app
            .post_json(
                "/api/v1/tasks",
                Auth::Bearer(&manager),
                json!({"title": "Renew", "owner": ann, "link": "R-9999"}),
            )
            .await;
        assert_eq!(
            missing.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            missing.body
        );
        assert_eq!(missing.fields(), ["link"]);
        assert_eq!(
            app.post_json(
                "/api/v1/tasks",
                Auth::Bearer(&viewer),
                json!({"title": "x", "owner": ann})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );

        let res = app
            .post_json(
                "/api/v1/tasks",
                Auth::Bearer(&manager),
                json!({"title": "Collect the access reviews", "owner": ann, "due_on": "2026-12-11"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(res.header("etag"), Some("\"1\""));
        let id = res.json()["id"].as_str().unwrap().to_string();
        // Ann is told, through the outbox, once it is delivered.
        let admin = app.token_as(Role::Admin).await;
        let outbox = app
            .get("/api/v1/outbox?state=pending", Auth::Bearer(&admin))
            .await
            .json();
        assert_eq!(outbox["pending"], 1, "{outbox}");
        assert_eq!(outbox["items"][0]["recipient"], ann.to_lowercase());
        let ctx = scheduler(&app, &app.store);
        tick(&ctx, "test").await;
        let told = sink.to(&ann);
        assert_eq!(told.len(), 1);
        assert!(
            told[0]
                .header("Subject")
                .unwrap()
                .contains("gave you a task")
        );
        assert!(told[0].text().contains(&format!("{BASE}/tasks/{id}")));

        let c = app
            .post_json(
                &format!("/api/v1/tasks/{id}/comments"),
                Auth::Bearer(&ann_token),
                json!({"body": "Σχόλιο: half done"}),
            )
            .await;
        assert_eq!(c.status, StatusCode::CREATED, "{}", c.body);
        assert_eq!(
            app.post_json(
                &format!("/api/v1/tasks/{id}/comments"),
                Auth::Bearer(&ann_token),
                json!({"body": "  "})
            )
            .await
            .fields(),
            ["body"]
        );
        assert_eq!(
            app.post_json(
                &format!("/api/v1/tasks/{id}/comments"),
                Auth::Bearer(&viewer),
                json!({"body": "hi"})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        // The comment raised the revision: a write from before it is stale.
        let stale = app
            .put_json_if_match(
                &format!("/api/v1/tasks/{id}"),
                Auth::Bearer(&ann_token),
                json!({"title": "Collect the access reviews", "owner": ann, "status": "done"}),
                "\"1\"",
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        let done = app
            .put_json_if_match(
                &format!("/api/v1/tasks/{id}"),
                Auth::Bearer(&ann_token),
                json!({"title": "Collect the access reviews", "owner": ann, "status": "done"}),
                "\"2\"",
            )
            .await;
        assert_eq!(done.status, StatusCode::OK, "{}", done.body);
        assert_eq!(done.json()["done_on"], "2026-12-07");
        // A done task is no longer on Ann's list; a viewer cannot change someone's task.
        let mine = app
            .get("/api/v1/tasks", Auth::Bearer(&ann_token))
            .await
            .json();
        assert!(
            mine.as_array()
                .unwrap()
                .iter()
                .all(|t| t["record"] != id.as_str()),
            "{mine}"
        );
        assert_eq!(
            app.put_json(
                &format!("/api/v1/tasks/{id}"),
                Auth::Bearer(&viewer),
                json!({"title": "x", "owner": ann})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        // Another person's list is for managers only; the team view too.
        assert_eq!(
            app.get(
                &format!("/api/v1/tasks?owner={manager_email}"),
                Auth::Bearer(&ann_token)
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/api/v1/tasks/team", Auth::Bearer(&ann_token))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/api/v1/tasks?kind=nothing", Auth::Bearer(&ann_token))
                .await
                .status,
            StatusCode::BAD_REQUEST
        );
        assert_eq!(
            app.get("/api/v1/tasks/team?until=7", Auth::Bearer(&manager))
                .await
                .status,
            StatusCode::OK
        );
        let page = app.get("/tasks", Auth::Bearer(&manager)).await;
        assert_eq!(page.status, StatusCode::OK);
        let csv = app.get("/tasks.csv", Auth::Bearer(&ann_token)).await;
        assert_eq!(csv.status, StatusCode::OK);
        assert!(
            csv.body.starts_with("Task,Kind,Record,Owner,Due on"),
            "{}",
            csv.body
        );
        let trail = app.audit_of("task", 10).await;
        assert_eq!(trail.len(), 3, "written, commented, done");
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_failing_server_is_tried_again_later_and_given_up_in_the_end() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        let (app, hand) = spawn(db, &sink, "2026-12-07T09:00:00Z").await;
        app.set_up().await;
        let admin = app.token_as(Role::Admin).await;
        let manager = app.token_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;

        let ok = app
            .post_json(
                "/api/v1/mail/test",
                Auth::Bearer(&admin),
                json!({"to": ann}),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        assert_eq!(sink.to(&ann).len(), 1);
        assert_eq!(
            app.post_json(
                "/api/v1/mail/test",
                Auth::Bearer(&manager),
                json!({"to": ann})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post_json(
                "/api/v1/mail/test",
                Auth::Bearer(&admin),
                json!({"to": "not an address"})
            )
            .await
            .fields(),
            ["to"]
        );

        sink.set(|b| b.refuse_messages = true);
        let refused = app
            .post_json(
                "/api/v1/mail/test",
                Auth::Bearer(&admin),
                json!({"to": ann}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert!(
            refused.body.contains("451"),
            "the server's answer is named: {}",
            refused.body
        );

        let t = app
            .post_json(
                "/api/v1/tasks",
                Auth::Bearer(&manager),
                json!({"title": "Rotate the keys", "owner": ann}),
            )
            .await;
        assert_eq!(t.status, StatusCode::CREATED);
        let ctx = scheduler(&app, &app.store);
        let mut waits = Vec::new();
        for _ in 0..8 {
            let ran = tick(&ctx, "test").await;
            assert!(ran.iter().any(|r| r.0 == "outbox"), "{ran:?}");
            let o = app.get("/api/v1/outbox", Auth::Bearer(&admin)).await.json();
            let m = o["items"][0].clone();
            if m["failed_at"].is_string() {
                break;
            }
            let next = parse_stamp(m["next_attempt_at"].as_str().unwrap()).unwrap();
            waits.push((next - hand.now()).whole_minutes());
            assert!(m["last_error"].as_str().unwrap().contains("451"), "{m}");
            hand.set(next + time::Duration::seconds(1));
        }
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64], "each retry waits longer");
        let failed = app
            .get("/api/v1/outbox?state=failed", Auth::Bearer(&admin))
            .await
            .json();
        assert_eq!(failed["failed"], 1, "{failed}");
        assert_eq!(failed["items"][0]["attempts"], 8);
        let page = app
            .get("/admin/notifications?state=failed", Auth::Bearer(&admin))
            .await;
        assert!(page.body.contains("given up"), "{}", page.body);

        // The server takes messages again: the next ones go.
        sink.set(|b| b.refuse_messages = false);
        app.post_json(
            "/api/v1/tasks",
            Auth::Bearer(&manager),
            json!({"title": "Check the backups", "owner": ann}),
        )
        .await;
        hand.advance(time::Duration::minutes(2));
        tick(&ctx, "test").await;
        assert_eq!(
            sink.to(&ann).len(),
            2,
            "the test message and the second task"
        );

        // A wrong password and an untrusted certificate are named.
        sink.set(|b| b.login = Some(("annex".into(), "another".into())));
        let res = app
            .post_json(
                "/api/v1/mail/test",
                Auth::Bearer(&admin),
                json!({"to": ann}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT);
        assert!(res.body.contains("535"), "{}", res.body);
        // A server whose certificate nobody vouches for is refused; TLS from the first byte
        // (port 465's way) to a server that speaks STARTTLS fails and says so; a plain relay
        // on loopback takes the message without TLS.
        let mut untrusted = app.config.smtp.clone().unwrap();
        untrusted.ca_file = None;
        let m = annex::service::mail::Mailer::new(&untrusted).unwrap();
        let outgoing = annex::service::mail::Outgoing {
            id: "t1".into(),
            to: ann.clone(),
            subject: "x".into(),
            text: "x".into(),
            html: "<p>x</p>".into(),
        };
        let err = m.send(&outgoing).await.unwrap_err();
        assert!(err.to_lowercase().contains("certificate"), "{err}");
        let mut wrapped = app.config.smtp.clone().unwrap();
        wrapped.security = SmtpSecurity::Tls;
        let err = annex::service::mail::Mailer::new(&wrapped)
            .unwrap()
            .send(&outgoing)
            .await
            .unwrap_err();
        assert!(!err.is_empty());
        let mut plain = app.config.smtp.clone().unwrap();
        plain.security = SmtpSecurity::None;
        plain.username = None;
        sink.set(|b| b.login = None);
        annex::service::mail::Mailer::new(&plain)
            .unwrap()
            .send(&outgoing)
            .await
            .expect("a plain relay on loopback takes it");
        assert!(!sink.to(&ann).last().unwrap().tls);
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn two_instances_with_a_restart_and_a_crashed_run_send_every_message_once() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        let (app, hand) = spawn(db, &sink, "2026-12-07T06:50:00Z").await;
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let mut people = Vec::new();
        for i in 0..12 {
            let who = app.add_user(Role::Contributor).await;
            create(
                &app,
                &manager,
                "/api/v1/measures",
                json!({"name": format!("Measure {i}"), "owner": who, "status": "planned", "due_on": "2026-12-08"}),
            )
            .await;
            people.push(who);
        }
        // Instance B shares the database and the clock.
        let a = scheduler(&app, &app.store);
        let (store_b, _) = app.instance_with_clock(hand.clock()).await;
        let mut b = scheduler(&app, &store_b);
        let mut b_store = store_b;
        let mut b_name = "b-1".to_string();
        let mut assigned = 0;
        for minute in 0..60 {
            if minute == 10 {
                // 07:00: a third instance takes the digests job and queues the digests, then
                // dies before it ends its run: its lease holds the job for 15 minutes, and
                // the instance that takes the job after finds every digest already queued.
                let ghost = scheduler(&app, &app.store);
                let now = hand.now();
                assert!(
                    app.store
                        .take_job(
                            "digests",
                            "ghost",
                            &stamp(now),
                            &stamp(now + time::Duration::minutes(15))
                        )
                        .await
                        .unwrap()
                );
                annex::registers::notify::service::queue_digests(&ghost, "2026-12-07")
                    .await
                    .unwrap();
            }
            if minute == 30 {
                // B restarts.
                b_store.close().await;
                let (s, _) = app.instance_with_clock(hand.clock()).await;
                b = scheduler(&app, &s);
                b_store = s;
                b_name = "b-2".into();
            }
            if minute % 7 == 3 {
                let who = &people[minute % people.len()];
                let res = app
                    .post_json(
                        "/api/v1/tasks",
                        Auth::Bearer(&manager),
                        json!({"title": format!("Task at minute {minute}"), "owner": who}),
                    )
                    .await;
                assert_eq!(res.status, StatusCode::CREATED);
                assigned += 1;
            }
            let (ra, rb) = tokio::join!(
                annex::registers::jobs::service::tick(&a, "a"),
                annex::registers::jobs::service::tick(&b, &b_name)
            );
            for r in ra.unwrap().into_iter().chain(rb.unwrap()) {
                assert!(r.1.is_ok(), "{r:?}");
            }
            hand.advance(time::Duration::minutes(1));
        }
        let messages = sink.messages();
        let mut seen = std::collections::HashMap::new();
        for m in &messages {
            *seen
                .entry((m.to.join(","), m.header("Subject").unwrap_or_default()))
                .or_insert(0) += 1;
        }
        let twice: Vec<_> = seen.iter().filter(|(_, n)| **n > 1).collect();
        assert!(twice.is_empty(), "sent more than once: {twice:?}");
        for p in &people {
            let digests = sink
                .to(p)
                .into_iter()
                .filter(|m| m.header("Subject").unwrap_or_default().contains("to do"))
                .count();
            assert_eq!(digests, 1, "{p} has one digest");
        }
        assert_eq!(
            messages.len(),
            2 * people.len() + assigned,
            "every measure given, every digest and every task given, once"
        );
        b_store.close().await;
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn tasks_jobs_and_mail_are_run_from_the_command_line() {
    use crate::cli::annex;
    for db in databases().await {
        let backend = db.backend;
        let app = TestApp::spawn(db).await;
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;
        let tomorrow = annex::registers::task::domain::add_days(&app.store.today(), 1);
        create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Μέτρο: κλείδωμα οθόνης", "owner": ann, "status": "planned", "due_on": tomorrow}),
        )
        .await;
        let run = |args: &[&str]| annex(&app.db, args).output().unwrap();
        let text = |o: &std::process::Output| {
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
        };

        let out = run(&[
            "task",
            "add",
            "--title",
            "Ανανέωση πιστοποιητικού",
            "--owner",
            &ann,
            "--due-on",
            &tomorrow,
        ]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(text(&out).starts_with("wrote T-0001 for"), "{}", text(&out));
        let out = run(&["task", "list", "--owner", &ann, "--format", "csv"]);
        assert!(out.status.success(), "{}", text(&out));
        let csv = text(&out);
        assert!(
            csv.contains("Implement: Μέτρο: κλείδωμα οθόνης")
                || csv.contains("Μέτρο: κλείδωμα οθόνης"),
            "{csv}"
        );
        assert!(csv.contains("Ανανέωση πιστοποιητικού"), "{csv}");
        let out = run(&["task", "comment", "T-0001", "--body", "started"]);
        assert!(out.status.success(), "{}", text(&out));
        let out = run(&["task", "done", "T-0001"]);
        assert!(text(&out).contains("T-0001 is done"), "{}", text(&out));
        let out = run(&["task", "add", "--title", "x", "--owner", "not an address"]);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        assert!(text(&out).contains("owner"), "{}", text(&out));
        let out = run(&["task", "list", "--kind", "nothing"]);
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));

        let out = run(&["jobs", "run", "digests"]);
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).starts_with("digests: 1 digest queued for"),
            "{}",
            text(&out)
        );
        let out = run(&["jobs"]);
        assert!(
            text(&out).contains("digests") && text(&out).contains("1 digest queued"),
            "{}",
            text(&out)
        );
        let out = run(&["jobs", "run", "nothing"]);
        assert_eq!(out.status.code(), Some(4), "{}", text(&out));
        let out = run(&["mail", "outbox"]);
        assert!(
            text(&out).contains("waiting, 0 sent, 0 failed; e-mail is not set up"),
            "{}",
            text(&out)
        );
        let out = run(&["mail", "test", "--to", &ann]);
        assert_eq!(out.status.code(), Some(5), "{}", text(&out));
        assert!(
            text(&out).contains("E-mail is not set up"),
            "{}",
            text(&out)
        );
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_pages_show_my_work_the_team_and_the_settings_and_take_their_forms() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        let (app, _hand) = spawn(db, &sink, "2026-12-07T09:00:00Z").await;
        let admin = app.set_up().await;
        let manager = app.browser_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;
        let ann_b = app.login(&ann, crate::harness::PASSWORD).await.unwrap();
        let viewer = app.browser_as(Role::Viewer).await;

        // Ann writes herself a task through the form; a bad one is shown again with the
        // problems next to their fields.
        let bad = app
            .post_form(
                "/tasks",
                Auth::Browser(&ann_b),
                &[("title", ""), ("owner", &ann), ("due_on", "tomorrow")],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("give the task a title") && bad.body.contains("is not a day"),
            "{}",
            bad.body
        );
        let res = app
            .post_form(
                "/tasks",
                Auth::Browser(&ann_b),
                &[
                    ("title", "Σύνοψη ελέγχων για την επιτροπή"),
                    ("owner", &ann),
                    ("due_on", "2026-12-09"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let task = res.location();
        assert!(task.starts_with("/tasks/T-0001"), "{task}");
        let page = app.get("/my-work", Auth::Browser(&ann_b)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body.contains("This week")
                && page.body.contains("Σύνοψη ελέγχων για την επιτροπή"),
            "{}",
            page.body
        );
        let res = app
            .post_form(
                "/tasks/T-0001/comments",
                Auth::Browser(&ann_b),
                &[("body", "Πρώτο σχέδιο έτοιμο")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get("/tasks/T-0001", Auth::Browser(&ann_b)).await;
        assert!(page.body.contains("Πρώτο σχέδιο έτοιμο"), "{}", page.body);
        let res = app
            .post_form(
                "/tasks/T-0001/done",
                Auth::Browser(&ann_b),
                &[("done", "1"), ("revision", "2")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert!(
            app.get("/tasks/T-0001", Auth::Browser(&ann_b))
                .await
                .body
                .contains("● done on 2026-12-07")
        );
        // A viewer cannot change Ann's task, nor see the team.
        assert_eq!(
            app.post_form(
                "/tasks/T-0001/done",
                Auth::Browser(&viewer),
                &[("done", "0")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/tasks", Auth::Browser(&viewer)).await.status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.get("/tasks", Auth::Browser(&manager)).await.status,
            StatusCode::OK
        );
        assert_eq!(
            app.get(&format!("/tasks?owner={ann}"), Auth::Browser(&manager))
                .await
                .status,
            StatusCode::OK
        );
        let filtered = app.get("/tasks?until=soon", Auth::Browser(&manager)).await;
        assert_eq!(filtered.status, StatusCode::OK);
        assert!(
            filtered
                .body
                .contains("is not a day: give YYYY-MM-DD or a number of days"),
            "the problem is shown: {}",
            filtered.body
        );

        // Choices through the settings form; the calendar address is shown once; removing it
        // asks for confirmation.
        let res = app
            .post_form(
                "/my-work/settings",
                Auth::Browser(&ann_b),
                &[
                    ("digest", "weekly"),
                    ("muted", "assignment"),
                    ("muted", "escalation"),
                    ("revision", "0"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let page = app.get("/my-work/settings", Auth::Browser(&ann_b)).await;
        assert!(
            page.body.contains("value=\"weekly\" checked"),
            "{}",
            page.body
        );
        assert!(
            page.body.contains("value=\"escalation\" checked"),
            "{}",
            page.body
        );
        let made = app
            .post_form("/my-work/feed", Auth::Browser(&ann_b), &[])
            .await;
        assert_eq!(made.status, StatusCode::OK);
        assert!(
            made.body.contains(&format!("{BASE}/calendar/cal_")),
            "{}",
            made.body
        );
        assert!(
            !app.get("/my-work/settings", Auth::Browser(&ann_b))
                .await
                .body
                .contains("/calendar/cal_"),
            "shown once"
        );
        let unconfirmed = app
            .post_form("/my-work/feed/revoke", Auth::Browser(&ann_b), &[])
            .await;
        assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
        let res = app
            .post_form(
                "/my-work/feed/revoke",
                Auth::Browser(&ann_b),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);

        // Admins: the rules (an unknown role is named), a test message, the jobs.
        let res = app
            .post_form(
                "/admin/notifications",
                Auth::Browser(&admin),
                &[
                    ("digest_hour", "25"),
                    ("escalate_after_days", "3"),
                    ("escalate_to_role", "RL-0099"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.body.contains("not an hour from 0 to 23"),
            "{}",
            res.body
        );
        let res = app
            .post_form(
                "/admin/notifications",
                Auth::Browser(&admin),
                &[
                    ("digest_hour", "8"),
                    ("escalate_after_days", "3"),
                    ("escalate_to_role", "RL-0099"),
                ],
            )
            .await;
        assert!(
            res.body.contains("there is no ISMS role RL-0099"),
            "{}",
            res.body
        );
        let res = app
            .post_form(
                "/admin/notifications",
                Auth::Browser(&admin),
                &[
                    ("digest_hour", "8"),
                    ("escalate_after_days", "3"),
                    ("escalate_to_role", ""),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(app.audit_of("setting", 5).await.len(), 1);
        let res = app
            .post_form(
                "/admin/notifications/test",
                Auth::Browser(&admin),
                &[("to", &ann)],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(res.body.contains("A test message went to"), "{}", res.body);
        assert_eq!(sink.to(&ann).len(), 1);
        assert_eq!(
            app.post_form(
                "/admin/notifications/test",
                Auth::Browser(&manager),
                &[("to", &ann)]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let jobs = app.get("/admin/jobs", Auth::Browser(&admin)).await;
        assert!(
            jobs.body.contains("every day at 08:00"),
            "the rules' hour: {}",
            jobs.body
        );
        let res = app
            .post_form("/admin/jobs/digests/run", Auth::Browser(&admin), &[])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.post_form("/admin/jobs/nothing/run", Auth::Browser(&admin), &[])
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let page = app.get("/admin/notifications", Auth::Browser(&admin)).await;
        assert!(
            page.body.contains("localhost:"),
            "the server is named: {}",
            page.body
        );
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_record_made_someones_tells_them_once_and_only_when_someone_else_did() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        let (app, _hand) = spawn(db, &sink, "2026-12-07T09:00:00Z").await;
        app.set_up().await;
        let admin = app.token_as(Role::Admin).await;
        let manager = app.token_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;
        let carl = app.add_user(Role::Contributor).await;
        let pending = |who: String| {
            let app = &app;
            let admin = admin.clone();
            async move {
                let o = app
                    .get("/api/v1/outbox?state=pending", Auth::Bearer(&admin))
                    .await
                    .json();
                o["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .filter(|m| m["recipient"] == who.to_lowercase().as_str())
                    .map(|m| m["subject"].as_str().unwrap().to_string())
                    .collect::<Vec<String>>()
            }
        };
        let m = create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Harden the VPN", "owner": ann, "status": "planned", "due_on": "2026-12-20"}),
        )
        .await;
        assert_eq!(pending(ann.clone()).await.len(), 1);
        assert!(pending(ann.clone()).await[0].ends_with("gave you a measure: Harden the VPN"));
        // A change that keeps the owner tells nobody; a new owner is told.
        let res = app
            .put_json(&format!("/api/v1/measures/{m}"), Auth::Bearer(&manager), json!({"name": "Harden the VPN gateway", "owner": ann, "status": "planned", "due_on": "2026-12-20"}))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(pending(ann.clone()).await.len(), 1);
        let res = app
            .put_json(&format!("/api/v1/measures/{m}"), Auth::Bearer(&manager), json!({"name": "Harden the VPN gateway", "owner": carl, "status": "planned", "due_on": "2026-12-20"}))
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(pending(carl.clone()).await.len(), 1);
        // A risk, and someone who makes a record their own, is not told.
        let r = app
            .post_json("/api/v1/risks", Auth::Bearer(&manager), json!({"title": "Λογισμικό λύτρων", "owner": carl, "inherent_likelihood": 3, "inherent_impact": 3}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        let subjects = pending(carl.clone()).await;
        assert!(
            subjects
                .iter()
                .any(|s| s.ends_with("gave you a risk: Λογισμικό λύτρων")),
            "{subjects:?}"
        );
        let carl_token = app.token_for(&carl).await;
        create(
            &app,
            &carl_token,
            "/api/v1/tasks",
            json!({"title": "My own reminder", "owner": carl}),
        )
        .await;
        assert_eq!(
            pending(carl.clone()).await.len(),
            2,
            "no message for one's own task"
        );
        // Someone who turned such messages off is not told.
        let ann_token = app.token_for(&ann).await;
        app.put_json(
            "/api/v1/notification-settings",
            Auth::Bearer(&ann_token),
            json!({"muted": "assignment"}),
        )
        .await;
        create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Rotate the API keys", "owner": ann, "status": "planned"}),
        )
        .await;
        assert_eq!(pending(ann.clone()).await.len(), 1);

        // An obligation, a supplier, an objective and an incident's task given to Carl tell
        // him too, each in the words of its record.
        let before = pending(carl.clone()).await.len();
        create(
            &app,
            &manager,
            "/api/v1/obligations",
            json!({"title": "Smlouva o zpracování", "kind": "contractual", "owner": carl, "applicable": true}),
        )
        .await;
        create(
            &app,
            &manager,
            "/api/v1/suppliers",
            json!({"name": "Cloud Ltd", "owner": carl}),
        )
        .await;
        create(
            &app,
            &manager,
            "/api/v1/objectives",
            json!({"title": "Fewer phishing clicks", "owner": carl, "due_on": "2027-06-30"}),
        )
        .await;
        let incident = crate::incidents::reported(&app, &manager, "Lost laptop").await;
        let res = app
            .post_json(
                &format!("/api/v1/incidents/{incident}/tasks"),
                Auth::Bearer(&manager),
                json!({"title": "Wipe the laptop remotely", "owner": carl, "due_on": "2026-12-08"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let subjects = pending(carl.clone()).await;
        assert_eq!(subjects.len(), before + 4, "{subjects:?}");
        for told in [
            "gave you an obligation: Smlouva o zpracování",
            "gave you a supplier: Cloud Ltd",
            "gave you an objective: Fewer phishing clicks",
            "gave you an incident: Wipe the laptop remotely",
        ] {
            assert!(
                subjects.iter().any(|s| s.ends_with(told)),
                "{told}: {subjects:?}"
            );
        }
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn a_plan_to_exercise_and_an_indicator_to_record_are_tasks_until_done() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        // Saturday 5 December 2026.
        let (app, _hand) = spawn(db, &sink, "2026-12-05T09:00:00Z").await;
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;
        let ann_token = app.token_for(&ann).await;
        let mine = |kind: &'static str| {
            let app = &app;
            let token = ann_token.clone();
            async move {
                let res = app
                    .get(&format!("/api/v1/tasks?kind={kind}"), Auth::Bearer(&token))
                    .await;
                assert_eq!(res.status, StatusCode::OK, "{}", res.body);
                res.json().as_array().unwrap().clone()
            }
        };
        // A process with a recovery plan, never exercised: due today.
        let pid = create(
            &app,
            &manager,
            "/api/v1/processes",
            json!({"name": "Μισθοδοσία", "owner": ann}),
        )
        .await;
        assert!(mine("exercise").await.is_empty(), "no plan, no exercise");
        let res = app
            .post_json(
                &format!("/api/v1/processes/{pid}/plans"),
                Auth::Bearer(&manager),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let tasks = mine("exercise").await;
        assert_eq!(tasks.len(), 1, "{tasks:?}");
        assert_eq!(tasks[0]["title"], "recovery plan of Μισθοδοσία");
        assert_eq!(tasks[0]["due_on"], "2026-12-05");
        assert_eq!(tasks[0]["link"], format!("/continuity/processes/{pid}"));
        // Exercised: due a year later.
        let res = app
            .post_json(
                "/api/v1/exercises",
                Auth::Bearer(&manager),
                json!({"title": "Tabletop", "kind": "tabletop", "process": pid, "result": "passed", "held_on": "2026-11-20"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        assert_eq!(mine("exercise").await[0]["due_on"], "2027-11-20");

        // A monthly indicator measured by hand: this month's value is due on its last day;
        // recorded, the next month's is.
        let res = app
            .post_json(
                "/api/v1/kpis",
                Auth::Bearer(&manager),
                json!({"name": "Phishing click rate", "unit": "%", "target": "5", "direction": "at_most", "owner": ann}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let kpi = res.json()["id"].as_str().unwrap().to_string();
        let tasks = mine("measurement").await;
        assert_eq!(tasks.len(), 1, "{tasks:?}");
        assert_eq!(tasks[0]["title"], "Phishing click rate for 2026-12");
        assert_eq!(tasks[0]["due_on"], "2026-12-31");
        assert_eq!(tasks[0]["link"], format!("/kpis/{kpi}"));
        let res = app
            .post_json(
                &format!("/api/v1/kpis/{kpi}/measurements"),
                Auth::Bearer(&ann_token),
                json!({"value": 4}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let tasks = mine("measurement").await;
        assert_eq!(tasks[0]["title"], "Phishing click rate for 2027-01");
        assert_eq!(tasks[0]["due_on"], "2027-01-31");
        // Both are in her calendar feed and on her page, in words.
        let page = app.get("/my-work", Auth::Bearer(&ann_token)).await;
        assert!(
            page.body.contains("Exercise: recovery plan of Μισθοδοσία")
                || page.body.contains("recovery plan of Μισθοδοσία"),
            "{}",
            page.body
        );
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}
