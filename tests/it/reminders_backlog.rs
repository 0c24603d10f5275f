//! A backlog of thousands, on both databases: the digest lists the first twenty tasks of each
//! part (overdue, this week, coming up) and counts the rest, the escalation to the manager
//! names the oldest and how many there are in all, and a second run tells nothing twice.
//! The messages are made a few hundred owners at a time from counts the database makes, so
//! the scheduler's memory does not grow with the registers (`benches/million.sh` runs the
//! day's digest on a million risks).

use crate::harness::{Auth, databases};
use crate::reminders::{BASE, create, login, scheduler, spawn};
use crate::smtp_sink;
use annex::domain::user::Role;
use annex::registers::notify::service as notify;
use axum::http::StatusCode;
use serde_json::json;

/// The lines of a part of a message's text (its title up to the next blank line).
fn part(text: &str, title: &str) -> Vec<String> {
    let text = text.replace("\r\n", "\n");
    let start = text
        .find(&format!("\n{title}\n"))
        .unwrap_or_else(|| panic!("a part {title}: {text}"));
    text[start + title.len() + 2..]
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        .filter(|l| l.starts_with("- "))
        .map(str::to_string)
        .collect()
}

#[tokio::test]
async fn a_backlog_of_thousands_makes_short_messages_that_count_the_rest() {
    for db in databases().await {
        let sink = smtp_sink::start(login()).await;
        // Tuesday 8 December 2026: this week ends on Sunday the 13th.
        let (app, _hand) = spawn(db, &sink, "2026-12-08T06:00:00Z").await;
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let ann = app.add_user(Role::Contributor).await;
        let bob = app.add_user(Role::Manager).await;
        create(
            &app,
            &manager,
            "/api/v1/people",
            json!({"name": "Άννα Παπαδοπούλου", "email": ann, "manager": bob}),
        )
        .await;
        // Ann's 1,255 measures: 1,200 overdue since November (the oldest on the 1st), 30
        // due this week, 25 next Monday.
        let mut csv = String::from("name,status,due_on,owner\n");
        for i in 0..1_255 {
            let due = match i {
                0..1_200 => format!("2026-11-{:02}", 1 + i % 28),
                1_200..1_230 => "2026-12-10".to_string(),
                _ => "2026-12-14".to_string(),
            };
            csv.push_str(&format!("Ενημέρωση {i:04},planned,{due},{ann}\n"));
        }
        let res = app
            .post_bytes(
                "/api/v1/measures/import",
                Auth::Bearer(&manager),
                csv.into_bytes(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        let ctx = scheduler(&app, &app.store);
        assert_eq!(notify::queue_digests(&ctx, "2026-12-08").await.unwrap(), 1);
        assert_eq!(
            notify::queue_escalations(&ctx, "2026-12-08").await.unwrap(),
            1
        );
        // Again the same day: each was queued once, and the tasks told of are marked.
        assert_eq!(notify::queue_digests(&ctx, "2026-12-08").await.unwrap(), 0);
        assert_eq!(
            notify::queue_escalations(&ctx, "2026-12-08").await.unwrap(),
            0
        );
        let subjects: Vec<(String, String)> = notify::outbox(&ctx, None)
            .await
            .unwrap()
            .items
            .into_iter()
            .map(|i| (i.recipient, i.subject))
            .collect();
        let subject = |who: &str| {
            subjects
                .iter()
                .filter(|s| s.0 == who)
                .map(|s| s.1.as_str())
                .collect::<Vec<_>>()
        };
        assert_eq!(subject(&ann), ["Annex: 1255 tasks to do, 1200 overdue"]);
        assert_eq!(
            subject(&bob),
            ["Annex: Άννα Παπαδοπούλου has 1200 tasks overdue"]
        );
        while notify::deliver(&ctx, "test").await.unwrap().sent > 0 {}

        let to_ann = sink.to(&ann);
        assert_eq!(to_ann.len(), 1, "Ann's digest");
        let text = to_ann[0].text();
        assert!(text.contains("Hello Άννα Παπαδοπούλου,"), "{text}");
        let overdue = part(&text, "Overdue");
        assert_eq!(overdue.len(), 21, "twenty and the rest: {overdue:?}");
        assert!(
            overdue[0].contains("Implement: Ενημέρωση")
                && overdue[0].contains("was due 2026-11-01, 37 days overdue"),
            "the oldest first: {overdue:?}"
        );
        assert_eq!(overdue[20], "- … and 1180 more");
        let week = part(&text, "Due this week");
        assert_eq!(week.len(), 21, "{week:?}");
        assert!(week[0].contains("due 2026-12-10"), "{week:?}");
        assert_eq!(week[20], "- … and 10 more");
        let later = part(&text, "Coming up");
        assert_eq!(later.len(), 21, "{later:?}");
        assert_eq!(later[20], "- … and 5 more");
        assert!(text.contains(&format!("{BASE}/my-work")), "{text}");

        let to_bob = sink.to(&bob);
        assert_eq!(to_bob.len(), 1, "one escalation for Bob");
        let text = to_bob[0].text();
        let lines = part(&text, "Overdue");
        assert_eq!(lines.len(), 21, "{lines:?}");
        assert!(lines[0].contains("2026-11-01"), "{lines:?}");
        assert_eq!(lines[20], "- … and 1180 more");
        assert!(
            text.contains(&format!("{BASE}/tasks?owner=")),
            "the way to Ann's whole list: {text}"
        );
    }
}
