//! Reminders for the staff directory's people, who never sign in: a published policy to
//! acknowledge and a training campaign to complete reach each person of their audience with
//! an e-mail, once, at the digest hour, with their personal link — which opens their page
//! and takes the acknowledgement; nothing new, no message; on Monday a weekly reminder of
//! what is still owed; someone who also signs in finds the same on their list of tasks until
//! done; on both databases.

use crate::acknowledgements::{anonymous_at, published_policy};
use crate::harness::{Auth, databases};
use crate::reminders::{BASE, at, create, login, scheduler, spawn, tick};
use crate::smtp_sink;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn people_who_never_sign_in_are_reminded_of_what_they_owe_with_their_personal_link() {
    for db in databases().await {
        let backend = db.backend;
        let sink = smtp_sink::start(login()).await;
        // Tuesday 8 December 2026, before the digest hour (07:00).
        let (app, hand) = spawn(db, &sink, "2026-12-08T06:00:00Z").await;
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let approver = app.add_user(Role::Viewer).await;
        let jan = "jan.dvorak@example.org";
        create(
            &app,
            &manager,
            "/api/v1/people",
            json!({"name": "Jan Dvořák", "email": jan, "department": "Finance", "started_on": "2020-01-01"}),
        )
        .await;
        // Ana signs in too: her list shows what she owes.
        let ana = app.add_user(Role::Viewer).await;
        create(
            &app,
            &manager,
            "/api/v1/people",
            json!({"name": "Ana Lima", "email": ana, "department": "Finance", "started_on": "2020-01-01"}),
        )
        .await;
        // Without an e-mail, or outside the audience: no message.
        create(
            &app,
            &manager,
            "/api/v1/people",
            json!({"name": "Ελένη Ρήγα", "department": "Finance", "started_on": "2020-01-01"}),
        )
        .await;
        create(
            &app,
            &manager,
            "/api/v1/people",
            json!({"name": "Ivo", "email": "ivo@example.org", "department": "IT", "started_on": "2020-01-01"}),
        )
        .await;
        let policy = published_policy(&app, &manager, &approver, "acceptable-use").await;
        let res = app
            .put_json(
                &format!("/api/v1/documents/{policy}/acknowledgement"),
                Auth::Bearer(&manager),
                json!({"required": true, "scope": "departments", "groups": ["Finance"], "days": 10}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let module = create(
            &app,
            &manager,
            "/api/v1/training/modules",
            json!({"title": "Phishing awareness", "material_url": "https://learn.example.org/phishing", "duration_minutes": 20}),
        )
        .await;
        create(
            &app,
            &manager,
            "/api/v1/training/campaigns",
            json!({"title": "Φθινόπωρο 2026", "modules": [module], "due_on": "2026-12-31", "scope": "departments", "groups": ["Finance"]}),
        )
        .await;

        let ana_token = app.token_for(&ana).await;
        let owed = |kind: &'static str| {
            let app = &app;
            let token = ana_token.clone();
            async move {
                app.get(&format!("/api/v1/tasks?kind={kind}"), Auth::Bearer(&token))
                    .await
                    .json()
                    .as_array()
                    .unwrap()
                    .clone()
            }
        };
        let acks = owed("acknowledgement").await;
        assert_eq!(acks.len(), 1, "{acks:?}");
        assert_eq!(
            acks[0]["title"],
            "Asset management and acceptable use policy (version 1)"
        );
        assert_eq!(acks[0]["due_on"], "2026-12-18");
        assert_eq!(acks[0]["link"], format!("/documents/{policy}"));
        let courses = owed("course").await;
        assert_eq!(courses.len(), 1, "{courses:?}");
        assert_eq!(courses[0]["title"], "Phishing awareness (Φθινόπωρο 2026)");
        assert_eq!(courses[0]["link"], format!("/training/modules/{module}"));
        // Acknowledged signed in, it is off her list.
        let res = app
            .post_json(
                &format!("/api/v1/documents/{policy}/acknowledgements"),
                Auth::Bearer(&ana_token),
                json!({}),
            )
            .await;
        assert!(res.status.is_success(), "{}", res.body);
        assert!(owed("acknowledgement").await.is_empty());

        let ctx = scheduler(&app, &app.store);
        // The scheduler's first tick plans the day's run at the digest hour.
        tick(&ctx, "test").await;
        hand.set(at("2026-12-08T07:00:30Z"));
        let ran = tick(&ctx, "test").await;
        let outcome = |ran: &[(String, Result<String, String>)], name: &str| {
            ran.iter()
                .find(|r| r.0 == name)
                .map(|r| r.1.clone().unwrap())
                .unwrap_or_default()
        };
        // Jan, and Ana for her training.
        assert_eq!(
            outcome(&ran, "staff-reminders"),
            "2 reminders queued",
            "{ran:?}"
        );
        assert_eq!(
            sink.to(&ana)[0].header("Subject").unwrap(),
            "Annex: 1 training to complete"
        );
        let to_jan = sink.to(jan);
        assert_eq!(to_jan.len(), 1);
        let subject = to_jan[0].header("Subject").unwrap();
        assert_eq!(
            subject,
            "Annex: 1 document to acknowledge, 1 training to complete"
        );
        let text = to_jan[0].text();
        assert!(text.contains("Hello Jan Dvořák,"), "{text}");
        assert!(
            text.contains("Read and acknowledge: Asset management and acceptable use policy (version 1) (due 2026-12-18)"),
            "{text}"
        );
        assert!(text.contains("Complete: Φθινόπωρο 2026"), "{text}");
        assert!(
            text.contains("0 of 1 modules done · due 2026-12-31"),
            "{text}"
        );
        assert!(
            text.contains("keeps its staff directory in Annex"),
            "{text}"
        );
        assert!(sink.to("ivo@example.org").is_empty());
        // The link in it opens Jan's page without an account and takes his acknowledgement.
        let start = text.find(&format!("{BASE}/for/")).expect("a personal link") + BASE.len();
        let path: String = text[start..]
            .chars()
            .take_while(|c| !c.is_whitespace())
            .collect();
        let (page, browser) = anonymous_at(&app, &path).await;
        assert_eq!(page.status, StatusCode::OK, "{}", page.body);
        assert!(page.body.contains("Jan Dvořák") && page.body.contains("acceptable use policy"));
        let res = app
            .post_form(
                &format!("{path}/documents/{policy}"),
                Auth::Browser(&browser),
                &[],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);

        // Wednesday: nothing new, no message.
        hand.set(at("2026-12-09T07:00:30Z"));
        let ran = tick(&ctx, "test").await;
        assert_eq!(
            outcome(&ran, "staff-reminders"),
            "0 reminders queued",
            "{ran:?}"
        );
        assert_eq!(sink.to(jan).len(), 1);

        // Monday: what is still owed (the training, not the acknowledged policy).
        for d in ["10", "11", "12", "13"] {
            hand.set(at(&format!("2026-12-{d}T07:00:30Z")));
            tick(&ctx, "test").await;
        }
        assert_eq!(sink.to(jan).len(), 1, "no message before Monday");
        hand.set(at("2026-12-14T07:00:30Z"));
        let ran = tick(&ctx, "test").await;
        assert_eq!(
            outcome(&ran, "staff-reminders"),
            "2 reminders queued",
            "{ran:?}"
        );
        let to_jan = sink.to(jan);
        assert_eq!(to_jan.len(), 2);
        assert_eq!(
            to_jan[1].header("Subject").unwrap(),
            "Annex: 1 training to complete"
        );
        assert!(!to_jan[1].text().contains("acceptable use policy"));
        // The same day again writes nothing twice.
        annex::registers::notify::service_owed::queue_owed(&ctx, "2026-12-14")
            .await
            .unwrap();
        tick(&ctx, "test").await;
        assert_eq!(sink.to(jan).len(), 2);
        eprintln!("passed on {backend:?}");
        app.finish().await;
    }
}
