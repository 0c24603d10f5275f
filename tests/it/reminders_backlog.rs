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

/// Ann (a contributor, Άννα Παπαδοπούλου, managed by Bob) with 1,255 measures: 1,200
/// overdue since November (the oldest on the 1st, "Ενημέρωση 0000"), 30 due this week (on
/// the 10th, from "Ενημέρωση 1200") and 25 next Monday (the 14th). The clock says Tuesday 8
/// December 2026: this week ends on Sunday the 13th. Answers the manager's token, Ann's and
/// Bob's e-mails.
async fn backlog(app: &crate::harness::TestApp) -> (String, String, String) {
    app.set_up().await;
    let manager = app.token_as(Role::Manager).await;
    let ann = app.add_user(Role::Contributor).await;
    let bob = app.add_user(Role::Manager).await;
    create(
        app,
        &manager,
        "/api/v1/people",
        json!({"name": "Άννα Παπαδοπούλου", "email": ann, "manager": bob}),
    )
    .await;
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
    (manager, ann, bob)
}

#[tokio::test]
async fn a_backlog_of_thousands_makes_short_messages_that_count_the_rest() {
    for db in databases().await {
        let sink = smtp_sink::start(login()).await;
        let (app, _hand) = spawn(db, &sink, "2026-12-08T06:00:00Z").await;
        let (_, ann, bob) = backlog(&app).await;

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

/// The ids of a JSON list of tasks.
fn ids(res: &crate::harness::Res) -> Vec<String> {
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["title"].as_str().unwrap().to_string())
        .collect()
}

#[tokio::test]
async fn a_backlog_of_thousands_lists_the_soonest_and_counts_the_rest() {
    for db in databases().await {
        let sink = smtp_sink::start(login()).await;
        let (app, _hand) = spawn(db, &sink, "2026-12-08T06:00:00Z").await;
        let (manager, ann, _) = backlog(&app).await;
        let ann_token = app.token_for(&ann).await;
        let as_ann = |path: &'static str| app.get(path, Auth::Bearer(&ann_token));

        // The API lists the soonest thousand unless `limit` says, oldest overdue first.
        let first = ids(&as_ann("/api/v1/tasks").await);
        assert_eq!(first.len(), 1_000);
        assert!(first[0].starts_with("Ενημέρωση 0000"), "{:?}", &first[..3]);
        assert_eq!(ids(&as_ann("/api/v1/tasks?limit=5").await).len(), 5);
        let all = ids(&as_ann("/api/v1/tasks?limit=10000").await);
        assert_eq!(all.len(), 1_255);
        assert!(
            all[1_254].starts_with("Ενημέρωση 12"),
            "{:?}",
            &all[1_250..]
        );
        // The kind is chosen before the limit: the five soonest measures, not none.
        let measures = ids(&as_ann("/api/v1/tasks?kind=measure&limit=5").await);
        assert_eq!(measures.len(), 5);
        assert!(ids(&as_ann("/api/v1/tasks?kind=evidence&limit=5").await).is_empty());
        for bad in [
            "/api/v1/tasks?limit=0",
            "/api/v1/tasks?limit=10001",
            "/api/v1/tasks?limit=many",
        ] {
            let res = as_ann(bad).await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{bad}: {}", res.body);
            assert_eq!(res.fields(), ["limit"], "{bad}: {}", res.body);
        }
        // The team's list (managers): everyone's soonest, and one owner's.
        let team = app
            .get(
                "/api/v1/tasks/team?until=2026-12-31&limit=7",
                Auth::Bearer(&manager),
            )
            .await;
        let team = ids(&team);
        assert_eq!(team.len(), 7);
        assert!(team[0].starts_with("Ενημέρωση 0000"), "{team:?}");

        // My work counts every task of each part and lists the soonest thousand.
        let page = as_ann("/my-work").await;
        assert_eq!(page.status, StatusCode::OK);
        let count = |n: usize| format!("<span class=\"count\">{n}</span>");
        assert!(page.body.contains(&count(1_200)), "overdue in all");
        assert!(page.body.contains(&count(30)) && page.body.contains(&count(25)));
        assert!(
            page.body.contains("… and 200 more overdue"),
            "the rest counted"
        );
        assert!(page.body.contains("… and 30 more due this week"));
        assert!(page.body.contains("… and 25 more due later"));
        assert!(page.body.contains("Ενημέρωση 0000"));
        // The calendar reads its month, whatever comes before it.
        let december = as_ann("/my-work/calendar?month=2026-12").await;
        assert_eq!(december.status, StatusCode::OK);
        assert!(
            december.body.contains("Ενημέρωση 1200") && december.body.contains("Ενημέρωση 1254")
        );
        assert!(!december.body.contains("Ενημέρωση 0000"));
        let november = as_ann("/my-work/calendar?month=2026-11").await;
        assert!(
            november.body.contains("Ενημέρωση 0000") && november.body.contains("Ενημέρωση 1199")
        );
        // A manager's view of Ann's list says it holds the soonest.
        let of_ann = |path: &str| {
            let path = format!("{path}?owner={}", annex::domain::query::encode(&ann));
            let manager = &manager;
            let app = &app;
            async move { app.get(&path, Auth::Bearer(manager)).await }
        };
        let hers = of_ann("/tasks").await;
        assert_eq!(hers.status, StatusCode::OK);
        assert!(
            hers.body
                .contains("These are the soonest 1000: there are more."),
            "{}",
            hers.body.len()
        );
        // An export holds the soonest 10,000: all of hers.
        let csv = of_ann("/tasks.csv").await;
        assert_eq!(csv.status, StatusCode::OK);
        assert_eq!(csv.body.matches("Ενημέρωση").count(), 1_255);
    }
}

#[tokio::test]
async fn one_owner_s_list_takes_the_soonest_of_every_kind_in_one_order() {
    for db in databases().await {
        let (_sink, app, _hand, manager, ann) = ann_and_a_manager(db).await;
        // Ann's measures fall due on the odd days of November and her risks' reviews on the
        // even days; a closed risk's review is not a task; a written task has no day.
        import_november(
            &app,
            &manager,
            &ann,
            &format!("Κλειστός,closed,2026-10-01,{ann},3,3\n"),
        )
        .await;
        create(
            &app,
            &manager,
            "/api/v1/tasks",
            json!({"title": "Χωρίς ημερομηνία", "owner": ann}),
        )
        .await;
        let ann_token = app.token_for(&ann).await;
        let expected: Vec<String> = november_titles()
            .chain(["Χωρίς ημερομηνία".to_string()])
            .collect();

        for limit in [1, 4, 15, 31] {
            let listed = ids(&app
                .get(
                    &format!("/api/v1/tasks?limit={limit}"),
                    Auth::Bearer(&ann_token),
                )
                .await);
            assert_eq!(listed, expected[..limit], "limit {limit}");
            let of_ann = ids(&app
                .get(
                    &format!(
                        "/api/v1/tasks/team?owner={}&limit={limit}",
                        annex::domain::query::encode(&ann)
                    ),
                    Auth::Bearer(&manager),
                )
                .await);
            assert_eq!(of_ann, expected[..limit], "a manager's view, limit {limit}");
        }
        let reviews = ids(&app
            .get(
                "/api/v1/tasks?kind=risk_review&limit=3",
                Auth::Bearer(&ann_token),
            )
            .await);
        assert_eq!(reviews, ["Κίνδυνος 02", "Κίνδυνος 04", "Κίνδυνος 06"]);
        app.finish().await;
    }
}

/// The team view and the digests count the open risks due for review from counts the risk
/// register keeps by owner and day: each write that adds a risk, moves its day, gives it to
/// someone else or closes it changes them in its own transaction, and they always equal the
/// risks counted one by one.
#[tokio::test]
async fn the_risks_due_for_review_are_counted_as_each_write_leaves_them() {
    for db in databases().await {
        let sink = smtp_sink::start(login()).await;
        let (app, _hand) = spawn(db, &sink, "2026-12-08T06:00:00Z").await;
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let risk = |title: &str, owner: &str, due: &str, status: &str| {
            json!({"title": title, "owner": owner, "inherent_likelihood": 1,
                   "inherent_impact": 1, "review_due_on": due, "status": status})
        };
        for (title, owner, due) in [
            ("Πλημμύρα", "Ann@Example.org", "2026-12-01"),
            ("Σεισμός", "ann@example.org", "2026-12-01"),
            ("Πυρκαγιά", "ann@example.org", "2026-12-10"),
            ("Κλοπή", "ann@example.org", "2026-12-20"),
            ("Διακοπή", "bob@example.org", "2026-11-30"),
            ("Χωρίς ημέρα", "bob@example.org", ""),
        ] {
            let res = app
                .post_json(
                    "/api/v1/risks",
                    Auth::Bearer(&manager),
                    risk(title, owner, due, "open"),
                )
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        let ctx = scheduler(&app, &app.store);
        // Each owner's (lower case) tasks overdue on Tuesday the 8th, due this week, later.
        let lines = || async {
            annex::registers::task::service::owners_due(&ctx, "2026-12-08", "2027-01-07")
                .await
                .unwrap()
                .into_iter()
                .map(|l| (l.owner, [l.overdue, l.this_week, l.later]))
                .collect::<Vec<_>>()
        };
        let kept_as_counted = || async {
            let (kept, counted) = app.db.review_counts().await;
            assert_eq!(kept, counted);
            kept.len()
        };
        let ann = || "ann@example.org".to_string();
        let bob = || "bob@example.org".to_string();
        assert_eq!(lines().await, [(ann(), [2, 1, 1]), (bob(), [1, 0, 0])]);
        assert_eq!(kept_as_counted().await, 4);

        // Given to Bob, moved to an earlier day, closed; a title changed only counts as before.
        let edits = [
            (
                "R-0002",
                ("Σεισμός", "Bob@example.org", "2026-12-01", "open"),
                [[1, 1, 1], [2, 0, 0]],
            ),
            (
                "R-0003",
                ("Πυρκαγιά", "ann@example.org", "2026-11-01", "open"),
                [[2, 0, 1], [2, 0, 0]],
            ),
            (
                "R-0004",
                ("Κλοπή", "ann@example.org", "2026-12-20", "closed"),
                [[2, 0, 0], [2, 0, 0]],
            ),
            (
                "R-0005",
                ("Διακοπή ρεύματος", "bob@example.org", "2026-11-30", "open"),
                [[2, 0, 0], [2, 0, 0]],
            ),
        ];
        for (id, (title, owner, due, status), [a, b]) in edits {
            let res = app
                .put_json(
                    &format!("/api/v1/risks/{id}"),
                    Auth::Bearer(&manager),
                    risk(title, owner, due, status),
                )
                .await;
            assert_eq!(res.status, StatusCode::OK, "{}", res.body);
            assert_eq!(lines().await, [(ann(), a), (bob(), b)], "after {id}");
        }
        assert_eq!(kept_as_counted().await, 4);

        // An import gives the undated risk a day this week and the first to Carol; the closed
        // one is opened again.
        let csv = "Risk ID,Title,Owner,Likelihood,Impact,Review due on,Status\n\
                   R-0001,Πλημμύρα,carol@example.org,1,1,2026-12-01,open\n\
                   R-0004,Κλοπή,ann@example.org,1,1,2026-12-20,open\n\
                   R-0006,Χωρίς ημέρα,bob@example.org,1,1,2026-12-11,open\n";
        let res = app
            .post_bytes(
                "/api/v1/risks/import",
                Auth::Bearer(&manager),
                csv.as_bytes().to_vec(),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(
            lines().await,
            [
                (ann(), [1, 0, 1]),
                (bob(), [2, 1, 0]),
                ("carol@example.org".to_string(), [1, 0, 0])
            ]
        );
        assert_eq!(kept_as_counted().await, 6);
    }
}

#[tokio::test]
async fn everyone_s_list_takes_the_soonest_of_every_kind_and_owner_asked_for() {
    for db in databases().await {
        let (_sink, app, _hand, manager, ann) = ann_and_a_manager(db).await;
        // Ann's measures fall due on the odd days of November, her risks' reviews on the even
        // days; the reviews of three risks nobody owns fall due after all of hers.
        let nobody_s: String = (1..=3)
            .map(|day| format!("Ορφανός {day},open,2026-12-0{day},,3,3\n"))
            .collect();
        import_november(&app, &manager, &ann, &nobody_s).await;
        let everyone = |query: &'static str| {
            let app = &app;
            let manager = &manager;
            async move {
                ids(&app
                    .get(
                        &format!("/api/v1/tasks/team?{query}"),
                        Auth::Bearer(manager),
                    )
                    .await)
            }
        };
        let expected: Vec<String> = november_titles()
            .chain((1..=3).map(|day| format!("Ορφανός {day}")))
            .collect();
        assert_eq!(everyone("limit=4").await, expected[..4]);
        assert_eq!(everyone("limit=33").await, expected);
        // Each kind and each owner asked for is taken before the soonest are counted out:
        // Ann's fifteen risks come sooner than the first risk nobody owns.
        assert_eq!(
            everyone("kind=risk_review&unowned=true&limit=2").await,
            ["Ορφανός 1", "Ορφανός 2"]
        );
        assert_eq!(
            everyone("kind=risk_review&limit=3").await,
            ["Κίνδυνος 02", "Κίνδυνος 04", "Κίνδυνος 06"]
        );
        assert_eq!(
            everyone("kind=measure&unowned=true&limit=5").await,
            Vec::<String>::new()
        );
        app.finish().await;
    }
}

/// Imports Ann's measures, due on the odd days of November, and her risks, due for review on
/// the even days (titled as `november_titles` lists them), with `more_risks` (CSV lines).
async fn import_november(
    app: &crate::harness::TestApp,
    manager: &str,
    ann: &str,
    more_risks: &str,
) {
    let mut measures = String::from("name,status,due_on,owner\n");
    let mut risks =
        String::from("title,status,review_due_on,owner,inherent_likelihood,inherent_impact\n");
    for day in 1..=30 {
        if day % 2 == 1 {
            measures.push_str(&format!("Μέτρο {day:02},planned,2026-11-{day:02},{ann}\n"));
        } else {
            risks.push_str(&format!(
                "Κίνδυνος {day:02},open,2026-11-{day:02},{ann},3,3\n"
            ));
        }
    }
    risks.push_str(more_risks);
    for (path, csv) in [
        ("/api/v1/measures/import", measures),
        ("/api/v1/risks/import", risks),
    ] {
        let res = app
            .post_bytes(path, Auth::Bearer(manager), csv.into_bytes())
            .await;
        assert_eq!(res.status, StatusCode::OK, "{path}: {}", res.body);
    }
}

/// The titles of `import_november`'s measures and risks, soonest first.
fn november_titles() -> impl Iterator<Item = String> {
    (1..=30).map(|day| {
        if day % 2 == 1 {
            format!("Μέτρο {day:02}")
        } else {
            format!("Κίνδυνος {day:02}")
        }
    })
}

/// Annex on 8 December 2026 (sending through a sink, kept alive by the caller), set up, with
/// a manager's token and Ann, a contributor (her e-mail).
async fn ann_and_a_manager(
    db: crate::harness::TestDb,
) -> (
    smtp_sink::Sink,
    crate::harness::TestApp,
    annex::domain::clock::Hand,
    String,
    String,
) {
    let sink = smtp_sink::start(login()).await;
    let (app, hand) = spawn(db, &sink, "2026-12-08T06:00:00Z").await;
    app.set_up().await;
    let manager = app.token_as(Role::Manager).await;
    let ann = app.add_user(Role::Contributor).await;
    (sink, app, hand, manager, ann)
}
