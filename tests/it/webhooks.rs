//! Webhooks through the paths admins take (API, pages, CLI), posting to a receiver on
//! loopback: events arrive signed with the key shown once, in Annex's JSON or as a Slack
//! message, once each; a failing receiver is tried again with the same delivery id; a webhook
//! turned off receives nothing, a removed one's waiting events are given up; escalations go
//! to a webhook even when nobody would get the e-mail; on both databases.

use crate::harness::{Auth, databases};
use crate::reminders::{BASE, create, login, scheduler, spawn};
use crate::smtp_sink;
use annex::domain::user::Role;
use axum::http::{HeaderMap, StatusCode};
use serde_json::json;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

/// One post the receiver took: its path, headers and body.
#[derive(Debug, Clone)]
pub(crate) struct Posted {
    path: String,
    headers: HeaderMap,
    body: String,
}

impl Posted {
    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }
}

/// A receiver on loopback: it records what it is sent and answers 500 while `fail` is above
/// zero (counting it down).
#[derive(Clone, Default)]
pub(crate) struct Receiver {
    posted: Arc<Mutex<Vec<Posted>>>,
    fail: Arc<AtomicUsize>,
}

impl Receiver {
    pub(crate) async fn start() -> (Receiver, u16) {
        let r = Receiver::default();
        let state = r.clone();
        let app = axum::Router::new().fallback(
            move |uri: axum::http::Uri, headers: HeaderMap, body: String| {
                let state = state.clone();
                async move {
                    state.posted.lock().unwrap().push(Posted {
                        path: uri.path().to_string(),
                        headers,
                        body,
                    });
                    let failing = state
                        .fail
                        .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                        .is_ok();
                    if failing {
                        (StatusCode::INTERNAL_SERVER_ERROR, "boom")
                    } else {
                        (StatusCode::NO_CONTENT, "")
                    }
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        (r, port)
    }

    pub(crate) fn at(&self, path: &str) -> Vec<Posted> {
        self.posted
            .lock()
            .unwrap()
            .iter()
            .filter(|p| p.path == path)
            .cloned()
            .collect()
    }
}

/// What a receiver computes to trust a post: the HMAC-SHA256 of "timestamp.body".
fn signed_by(p: &Posted, key: &str) -> bool {
    use hmac::{KeyInit, Mac};
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(key.as_bytes()).unwrap();
    mac.update(format!("{}.{}", p.header("x-annex-timestamp"), p.body).as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    p.header("x-annex-signature") == format!("v1={hex}")
}

#[tokio::test]
async fn webhooks_receive_the_events_signed_once_and_are_tried_again_when_they_fail() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        let (receiver, port) = Receiver::start().await;
        let (app, hand) = spawn(db, &sink, "2026-12-07T09:00:00Z").await;
        app.set_up().await;
        let admin = app.token_as(Role::Admin).await;
        let manager = app.token_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;
        let carl = app.add_user(Role::Contributor).await;

        // Bad input is named field by field; only admins keep webhooks.
        let bad = app
            .post_json(
                "/api/v1/webhooks",
                Auth::Bearer(&admin),
                json!({"name": "", "url": "ftp://files.example/x", "format": "discord", "events": ["digest"]}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
        let mut fields = bad.fields();
        fields.sort();
        assert_eq!(fields, ["events", "format", "name", "url"]);
        let url = format!("http://127.0.0.1:{port}/annex?token=s3cr3t");
        let denied = app
            .post_json(
                "/api/v1/webhooks",
                Auth::Bearer(&manager),
                json!({"name": "x", "url": url}),
            )
            .await;
        assert_eq!(denied.status, StatusCode::FORBIDDEN);

        let made = app
            .post_json(
                "/api/v1/webhooks",
                Auth::Bearer(&admin),
                json!({"name": "Κανάλι ασφαλείας", "url": url}),
            )
            .await;
        assert_eq!(made.status, StatusCode::CREATED, "{}", made.body);
        let made = made.json();
        let hook = made["webhook"]["id"].as_str().unwrap().to_string();
        let key = made["signing_key"].as_str().unwrap().to_string();
        assert_eq!(
            made["webhook"]["target"],
            format!("http://127.0.0.1:{port}")
        );
        let slack = app
            .post_json(
                "/api/v1/webhooks",
                Auth::Bearer(&admin),
                json!({"name": "#security", "url": format!("http://127.0.0.1:{port}/slack"), "format": "slack", "events": "assignment"}),
            )
            .await;
        assert_eq!(slack.status, StatusCode::CREATED, "{}", slack.body);
        let slack = slack.json()["webhook"]["id"].as_str().unwrap().to_string();
        // The address's path and query (a chat webhook's credential) and the key are never
        // shown again.
        let list = app.get("/api/v1/webhooks", Auth::Bearer(&admin)).await;
        assert_eq!(list.status, StatusCode::OK);
        assert!(!list.body.contains("s3cr3t") && !list.body.contains(&key));
        assert_eq!(list.json().as_array().unwrap().len(), 2);

        // A test event now, signed.
        let res = app
            .post_json(
                &format!("/api/v1/webhooks/{hook}/test"),
                Auth::Bearer(&admin),
                json!({}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let got = receiver.at("/annex");
        assert_eq!(got.len(), 1);
        assert_eq!(got[0].json()["event"], "test");
        assert_eq!(got[0].header("content-type"), "application/json");
        assert!(signed_by(&got[0], &key));
        assert!(!signed_by(&got[0], "whsec_wrong"));

        // A measure given to Ann: one e-mail to her, one event to each webhook, once.
        let m = create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Κρυπτογράφηση <φορητών> & [δίσκων]", "owner": ann, "status": "planned", "due_on": "2026-12-20"}),
        )
        .await;
        let ctx = scheduler(&app, &app.store);
        let d = annex::registers::notify::service::deliver(&ctx, "test")
            .await
            .unwrap();
        assert_eq!((d.sent, d.retried, d.given_up), (3, 0, 0));
        let got = receiver.at("/annex");
        assert_eq!(got.len(), 2);
        let event = got[1].json();
        assert_eq!(event["event"], "assignment");
        assert!(
            event["summary"].as_str().unwrap().ends_with(&format!(
                "gave {} a measure: Κρυπτογράφηση <φορητών> & [δίσκων]",
                ann.to_lowercase()
            )),
            "{event}"
        );
        assert_eq!(event["items"][0]["url"], format!("{BASE}/measures/{m}"));
        assert!(signed_by(&got[1], &key));
        let chat = receiver.at("/slack");
        assert_eq!(chat.len(), 1);
        let text = chat[0].json()["text"].as_str().unwrap().to_string();
        assert!(
            text.contains("Κρυπτογράφηση &lt;φορητών&gt; &amp; [δίσκων]")
                && text.contains(&format!("<{BASE}/measures/{m}|")),
            "{text}"
        );
        assert_eq!(sink.to(&ann).len(), 1);
        // Nothing goes twice.
        let d = annex::registers::notify::service::deliver(&ctx, "test")
            .await
            .unwrap();
        assert_eq!(d.sent, 0);

        // A receiver that fails is tried again later with the same delivery id.
        receiver.fail.store(2, Ordering::SeqCst);
        create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Rotate the API keys", "owner": carl, "status": "planned"}),
        )
        .await;
        let d = annex::registers::notify::service::deliver(&ctx, "test")
            .await
            .unwrap();
        assert_eq!(d.sent + d.retried, 3, "{d:?}");
        assert_eq!(d.retried, 2, "{d:?}");
        let outbox = app
            .get("/api/v1/outbox?state=pending", Auth::Bearer(&admin))
            .await
            .json();
        let waiting = outbox["items"].as_array().unwrap();
        assert_eq!(waiting.len(), 2, "{outbox}");
        assert!(
            waiting.iter().all(|m| m["channel"] == "webhook"
                && m["last_error"]
                    .as_str()
                    .unwrap()
                    .contains("the receiver answered 500 Internal Server Error: boom")),
            "{outbox}"
        );
        hand.advance(time::Duration::minutes(2));
        let d = annex::registers::notify::service::deliver(&ctx, "test")
            .await
            .unwrap();
        assert_eq!(d.sent, 2, "{d:?}");
        let to_json: Vec<Posted> = receiver
            .at("/annex")
            .into_iter()
            .filter(|p| p.body.contains("Rotate the API keys"))
            .collect();
        assert_eq!(to_json.len(), 2, "one failed attempt and one delivered");
        assert_eq!(
            to_json[0].header("x-annex-delivery"),
            to_json[1].header("x-annex-delivery")
        );

        // Carl's measure ten days overdue, with no manager and no role to tell: the
        // escalation goes to the webhook alone, once.
        create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Patch the VPN gateway", "owner": carl, "status": "in_progress", "due_on": "2026-11-27"}),
        )
        .await;
        for _ in 0..2 {
            annex::registers::notify::service::queue_escalations(&ctx, "2026-12-07")
                .await
                .unwrap();
        }
        annex::registers::notify::service::deliver(&ctx, "test")
            .await
            .unwrap();
        let escalations: Vec<serde_json::Value> = receiver
            .at("/annex")
            .iter()
            .map(Posted::json)
            .filter(|e| e["event"] == "escalation")
            .collect();
        assert_eq!(escalations.len(), 1, "{escalations:?}");
        assert!(
            escalations[0]["summary"]
                .as_str()
                .unwrap()
                .contains("has 1 task overdue")
        );

        // Turned off: nothing for it; a stale change is refused.
        let stale = app
            .put_json_if_match(
                &format!("/api/v1/webhooks/{hook}"),
                Auth::Bearer(&admin),
                json!({"name": "Κανάλι ασφαλείας", "enabled": false}),
                "\"7\"",
            )
            .await;
        assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
        let off = app
            .put_json_if_match(
                &format!("/api/v1/webhooks/{hook}"),
                Auth::Bearer(&admin),
                json!({"name": "Κανάλι ασφαλείας", "enabled": "no"}),
                "\"1\"",
            )
            .await;
        assert_eq!(off.status, StatusCode::OK, "{}", off.body);
        assert_eq!(off.json()["enabled"], false);
        let before = receiver.at("/annex").len();
        create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Review the firewall", "owner": ann, "status": "planned"}),
        )
        .await;
        annex::registers::notify::service::deliver(&ctx, "test")
            .await
            .unwrap();
        assert_eq!(receiver.at("/annex").len(), before);
        // Ann's and Carl's measures (one of them tried twice) and the firewall review.
        assert_eq!(receiver.at("/slack").len(), 5);

        // Removed while an event waits for it: the event is given up, named.
        receiver.fail.store(1, Ordering::SeqCst);
        create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Train the help desk", "owner": ann, "status": "planned"}),
        )
        .await;
        annex::registers::notify::service::deliver(&ctx, "test")
            .await
            .unwrap();
        let gone = app
            .delete(&format!("/api/v1/webhooks/{slack}"), Auth::Bearer(&admin))
            .await;
        assert_eq!(gone.status, StatusCode::NO_CONTENT, "{}", gone.body);
        hand.advance(time::Duration::minutes(2));
        let d = annex::registers::notify::service::deliver(&ctx, "test")
            .await
            .unwrap();
        assert_eq!(d.given_up, 1, "{d:?}");
        let failed = app
            .get("/api/v1/outbox?state=failed", Auth::Bearer(&admin))
            .await
            .json();
        assert!(
            failed["items"][0]["last_error"]
                .as_str()
                .unwrap()
                .contains("the webhook was removed"),
            "{failed}"
        );
        let missing = app
            .get(&format!("/api/v1/webhooks/{slack}"), Auth::Bearer(&admin))
            .await;
        assert_eq!(missing.status, StatusCode::NOT_FOUND);

        // The trail names each change, never the address's path or the key.
        let trail = app
            .get(
                "/api/v1/audit?object_type=webhook&limit=50",
                Auth::Bearer(&admin),
            )
            .await;
        assert_eq!(trail.status, StatusCode::OK, "{}", trail.body);
        for action in [
            "webhook.create",
            "webhook.test",
            "webhook.update",
            "webhook.remove",
        ] {
            assert!(trail.body.contains(action), "{action} in {}", trail.body);
        }
        assert!(!trail.body.contains("s3cr3t") && !trail.body.contains(&key));
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

#[tokio::test]
async fn the_webhooks_pages_add_show_the_key_once_test_and_remove_with_confirmation() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        let (receiver, port) = Receiver::start().await;
        let (app, _hand) = spawn(db, &sink, "2026-12-07T09:00:00Z").await;
        let admin = app.set_up().await;
        let manager = app.browser_as(Role::Manager).await;
        assert_eq!(
            app.get("/admin/webhooks", Auth::Browser(&manager))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        let bad = app
            .post_form(
                "/admin/webhooks",
                Auth::Browser(&admin),
                &[
                    ("name", "Teams"),
                    ("url", "teams.example/x"),
                    ("format", "teams"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("does not start with https://"),
            "{}",
            bad.body
        );
        let url = format!("http://127.0.0.1:{port}/teams/abc");
        let res = app
            .post_form(
                "/admin/webhooks",
                Auth::Browser(&admin),
                &[
                    ("name", "Teams: Ασφάλεια"),
                    ("url", &url),
                    ("format", "teams"),
                    ("events", "deadline"),
                    ("events", "escalation"),
                    ("enabled", "yes"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert!(res.body.contains("whsec_") && res.body.contains("shown this once"));
        let list = app.get("/admin/webhooks", Auth::Browser(&admin)).await;
        assert!(
            list.body.contains("Teams: Ασφάλεια")
                && list.body.contains("a Microsoft Teams message")
                && list
                    .body
                    .contains("a deadline within 24 hours; an overdue task")
                && !list.body.contains("whsec_")
                && !list.body.contains("/teams/abc"),
            "{}",
            list.body
        );
        let hooks =
            annex::registers::notify::service_webhook::list(&crate::harness::operator(&app.store))
                .await
                .unwrap();
        let id = hooks[0].id.clone();
        let page = app
            .get(&format!("/admin/webhooks/{id}"), Auth::Browser(&admin))
            .await;
        assert_eq!(page.status, StatusCode::OK);
        let tested = app
            .post_form(
                &format!("/admin/webhooks/{id}/test"),
                Auth::Browser(&admin),
                &[],
            )
            .await;
        assert_eq!(tested.status, StatusCode::OK, "{}", tested.body);
        assert!(tested.body.contains("The test event was delivered"));
        let got = receiver.at("/teams/abc");
        assert_eq!(got.len(), 1);
        assert!(
            got[0].json()["attachments"][0]["content"]["body"][0]["text"]
                .as_str()
                .unwrap()
                .starts_with("Annex: test event")
        );
        // A receiver that refuses is named.
        receiver.fail.store(1, Ordering::SeqCst);
        let refused = app
            .post_form(
                &format!("/admin/webhooks/{id}/test"),
                Auth::Browser(&admin),
                &[],
            )
            .await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{}",
            refused.body
        );
        assert!(refused.body.contains("500 Internal Server Error: boom"));
        // A change keeps the address when it is left empty.
        let saved = app
            .post_form(
                &format!("/admin/webhooks/{id}"),
                Auth::Browser(&admin),
                &[
                    ("name", "Teams: Ασφάλεια"),
                    ("url", ""),
                    ("format", "teams"),
                    ("events", "host"),
                    ("revision", "1"),
                ],
            )
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let w = app
            .get(
                &format!("/api/v1/webhooks/{id}"),
                Auth::Bearer(&app.token_as(Role::Admin).await),
            )
            .await
            .json();
        assert_eq!(w["events"], json!(["host"]));
        assert_eq!(w["enabled"], false, "the box was not ticked");
        assert_eq!(w["target"], format!("http://127.0.0.1:{port}"));
        // Removal asks to be confirmed.
        let unconfirmed = app
            .post_form(
                &format!("/admin/webhooks/{id}/delete"),
                Auth::Browser(&admin),
                &[("revision", "2")],
            )
            .await;
        assert_eq!(unconfirmed.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(unconfirmed.body.contains("tick the box to confirm"));
        let removed = app
            .post_form(
                &format!("/admin/webhooks/{id}/delete"),
                Auth::Browser(&admin),
                &[("revision", "2"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.body);
        assert!(
            app.get("/admin/webhooks", Auth::Browser(&admin))
                .await
                .body
                .contains("No webhook yet")
        );
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}

// Several threads: the receiver answers while the test waits for the command.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_are_kept_and_events_sent_from_the_command_line_without_e_mail() {
    use crate::cli::annex;
    for db in databases().await {
        let backend = db.backend;
        let (receiver, port) = Receiver::start().await;
        let app = crate::harness::TestApp::spawn(db).await;
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;
        let text = |o: &std::process::Output| {
            String::from_utf8_lossy(&o.stdout).into_owned() + &String::from_utf8_lossy(&o.stderr)
        };
        let url = format!("http://127.0.0.1:{port}/hook/secret-path");
        let out = annex(
            &app.db,
            &[
                "mail",
                "webhook-add",
                "--name",
                "x",
                "--url",
                "javascript:alert(1)",
            ],
        )
        .output()
        .unwrap();
        assert_eq!(out.status.code(), Some(3), "{}", text(&out));
        assert!(text(&out).contains("url"), "{}", text(&out));
        let out = annex(
            &app.db,
            &[
                "mail",
                "webhook-add",
                "--name",
                "Ομάδα ασφαλείας",
                "--url",
                &url,
                "--events",
                "assignment",
            ],
        )
        .output()
        .unwrap();
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).starts_with("added WH-0001 (Ομάδα ασφαλείας)"),
            "{}",
            text(&out)
        );
        assert!(text(&out).contains("its signing key (not shown again): whsec_"));
        let out = annex(&app.db, &["mail", "webhooks"]).output().unwrap();
        assert!(
            text(&out).contains("Ομάδα ασφαλείας") && !text(&out).contains("secret-path"),
            "{}",
            text(&out)
        );
        let out = annex(&app.db, &["mail", "webhook-test", "WH-0001"])
            .output()
            .unwrap();
        assert!(
            text(&out).contains(&format!("delivered: http://127.0.0.1:{port} answered 204")),
            "{}",
            text(&out)
        );
        create(
            &app,
            &manager,
            "/api/v1/measures",
            json!({"name": "Lock the screens", "owner": ann, "status": "planned"}),
        )
        .await;
        let out = annex(&app.db, &["mail", "send"]).output().unwrap();
        assert!(out.status.success(), "{}", text(&out));
        assert!(
            text(&out).starts_with("1 sent, 0 to try again, 0 given up")
                && text(&out).contains("only webhooks' events went"),
            "{}",
            text(&out)
        );
        let got = receiver.at("/hook/secret-path");
        assert_eq!(got.len(), 2);
        assert_eq!(got[1].json()["event"], "assignment");
        let out = annex(&app.db, &["mail", "webhook-remove", "WH-0001"])
            .output()
            .unwrap();
        assert!(text(&out).contains("removed WH-0001"), "{}", text(&out));
        let out = annex(&app.db, &["mail", "webhook-test", "WH-0001"])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(4), "{}", text(&out));
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}
