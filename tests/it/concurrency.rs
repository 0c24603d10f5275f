//! Two people (two browsers, two API clients, two instances on one database) editing the same
//! record: a write against a revision that is no longer the stored one is refused with 409 and
//! says who changed what; nothing is lost; every audit entry's "before" is the previous entry's
//! "after" for that record, even under concurrent writes.

use crate::harness::{Auth, Res, TestApp, send_to};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::Router;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

/// A kind of editable record, as the API shows it.
struct Kind {
    /// The record's API path.
    path: String,
    object_type: &'static str,
    object_id: String,
    /// The body of a PUT that keeps the record as read but sets its counter field to `n`.
    put_body: fn(&Value, i64) -> Value,
    /// The counter field's value.
    counter: fn(&Value) -> i64,
    /// The counter field's name, as a 409 names the other person's change.
    field: &'static str,
}

async fn get(router: &Router, path: &str, token: &str) -> Res {
    let req = Request::get(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .body(Body::empty())
        .unwrap();
    send_to(router, req).await
}

async fn put(router: &Router, path: &str, token: &str, etag: Option<&str>, body: &Value) -> Res {
    let mut req = Request::put(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(tag) = etag {
        req = req.header(header::IF_MATCH, tag);
    }
    send_to(router, req.body(Body::from(body.to_string())).unwrap()).await
}

fn etag(res: &Res) -> String {
    res.headers
        .get(header::ETAG)
        .unwrap_or_else(|| panic!("an ETag on {}", res.body))
        .to_str()
        .unwrap()
        .to_string()
}

fn text_counter(v: &Value, field: &str) -> i64 {
    v[field].as_str().unwrap_or_default().parse().unwrap_or(0)
}

/// A risk whose `category` counts.
async fn risk(app: &TestApp, token: &str) -> Kind {
    let res = app
        .post_json(
            "/api/v1/risks",
            Auth::Bearer(token),
            json!({"owner": "risk.owner@example.org", "id": "R-1", "title": "Ransomware", "inherent_likelihood": 3, "inherent_impact": 4, "category": "0"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    Kind {
        path: "/api/v1/risks/R-1".into(),
        object_type: "risk",
        object_id: "R-1".into(),
        put_body: |v, n| {
            json!({
                "title": v["title"], "threat": v["threat"], "owner": v["owner"],
                "category": n.to_string(),
                "inherent_likelihood": v["inherent"]["likelihood"],
                "inherent_impact": v["inherent"]["impact"],
                "treatment": v["treatment"], "status": v["status"],
            })
        },
        counter: |v| text_counter(v, "category"),
        field: "category",
    }
}

/// A measure whose `description` counts.
async fn measure(app: &TestApp, token: &str) -> Kind {
    let res = app
        .post_json(
            "/api/v1/measures",
            Auth::Bearer(token),
            json!({"id": "M-1", "name": "Backups off site", "controls": "8.13", "description": "0"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    Kind {
        path: "/api/v1/measures/M-1".into(),
        object_type: "measure",
        object_id: "M-1".into(),
        put_body: |v, n| {
            json!({
                "name": v["name"], "owner": v["owner"], "status": v["status"],
                "description": n.to_string(), "controls": "8.13",
            })
        },
        counter: |v| text_counter(v, "description"),
        field: "description",
    }
}

/// An asset whose `location` counts.
async fn asset(app: &TestApp, token: &str) -> Kind {
    let res = app
        .post_json(
            "/api/v1/assets",
            Auth::Bearer(token),
            json!({"id": "A-1", "name": "File server", "asset_type": "hardware", "classification": "internal", "location": "0"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    Kind {
        path: "/api/v1/assets/A-1".into(),
        object_type: "asset",
        object_id: "A-1".into(),
        put_body: |v, n| {
            json!({
                "name": v["name"], "asset_type": v["asset_type"], "owner": v["owner"],
                "classification": v["classification"], "lifecycle": v["lifecycle"],
                "location": n.to_string(),
            })
        },
        counter: |v| text_counter(v, "location"),
        field: "location",
    }
}

/// A link kept as evidence, whose `description` counts.
async fn evidence(app: &TestApp, token: &str) -> Kind {
    let body = crate::harness::multipart_body(&[
        crate::harness::Part::Text("title", "Backup restore test"),
        crate::harness::Part::Text("url", "https://tickets.example.org/CHG-42"),
        crate::harness::Part::Text("controls", "8.13"),
        crate::harness::Part::Text("description", "0"),
    ]);
    let req = Request::post("/api/v1/evidence")
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(
            header::CONTENT_TYPE,
            format!(
                "multipart/form-data; boundary={}",
                crate::harness::MULTIPART_BOUNDARY
            ),
        )
        .body(Body::from(body))
        .unwrap();
    let res = app.send(req).await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    let id = res.json()["id"].as_str().unwrap().to_string();
    Kind {
        path: format!("/api/v1/evidence/{id}"),
        object_type: "evidence",
        object_id: id,
        put_body: |v, n| {
            json!({
                "title": v["title"], "url": v["url"], "collected_at": v["collected_at"],
                "collected_by": v["collected_by"], "controls": "8.13",
                "description": n.to_string(),
            })
        },
        counter: |v| text_counter(v, "description"),
        field: "description",
    }
}

/// A control's decision on the SoA, whose justification counts (the first decision is made
/// by the story: an undecided control has revision 0).
async fn soa_row(app: &TestApp, token: &str) -> Kind {
    let res = app
        .put_json(
            "/api/v1/soa/iso27002-2022/8.13",
            Auth::Bearer(token),
            json!({"applicable": "yes", "reasons": "business", "justification": "0"}),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    Kind {
        path: "/api/v1/soa/iso27002-2022/8.13".into(),
        object_type: "soa",
        object_id: "iso27002-2022:8.13".into(),
        put_body: |v, n| {
            let a = &v["applicability"];
            json!({
                "applicable": "yes", "reasons": "business", "status": a["status"],
                "owner": a["owner"], "justification": n.to_string(),
            })
        },
        counter: |v| {
            v["applicability"]["justification"]
                .as_str()
                .unwrap_or_default()
                .parse()
                .unwrap_or(0)
        },
        field: "justification",
    }
}

/// The kinds of record every story runs on.
async fn kinds(app: &TestApp, token: &str) -> Vec<Kind> {
    vec![
        risk(app, token).await,
        measure(app, token).await,
        asset(app, token).await,
        evidence(app, token).await,
        soa_row(app, token).await,
    ]
}

/// Two API clients read the same revision; the first write wins, the second is refused with
/// 409 naming who changed what, and after reading again it saves on top of the first.
#[tokio::test]
async fn the_second_of_two_writers_of_one_revision_gets_409_and_nothing_is_lost() {
    on_every_database!(|app| {
        let alice = app.token_as(Role::Manager).await;
        let bob = app.token_as(Role::Manager).await;
        for kind in kinds(&app, &alice).await {
            let a = get(&app.router, &kind.path, &alice).await;
            let b = get(&app.router, &kind.path, &bob).await;
            assert_eq!(etag(&a), etag(&b), "{}: both read one revision", kind.path);
            let first = put(
                &app.router,
                &kind.path,
                &alice,
                Some(&etag(&a)),
                &(kind.put_body)(&a.json(), 41),
            )
            .await;
            assert_eq!(
                first.status,
                StatusCode::OK,
                "{}: {}",
                kind.path,
                first.body
            );
            assert_ne!(etag(&first), etag(&a), "a write raises the revision");
            let second = put(
                &app.router,
                &kind.path,
                &bob,
                Some(&etag(&b)),
                &(kind.put_body)(&b.json(), 7),
            )
            .await;
            assert_eq!(
                second.status,
                StatusCode::CONFLICT,
                "{}: {}",
                kind.path,
                second.body
            );
            let e = second.json();
            assert_eq!(e["error"]["code"], "stale_version");
            let message = e["error"]["message"].as_str().unwrap();
            assert!(message.contains("since you opened it"), "{message}");
            let details = e["error"]["details"].as_array().unwrap();
            assert!(
                details
                    .iter()
                    .any(|d| d["field"] == kind.field
                        && d["message"].as_str().unwrap().contains("'41'")),
                "the other person's change is named: {details:?}"
            );
            let now = get(&app.router, &kind.path, &bob).await;
            assert_eq!((kind.counter)(&now.json()), 41, "the first write was kept");
            let again = put(
                &app.router,
                &kind.path,
                &bob,
                Some(&etag(&now)),
                &(kind.put_body)(&now.json(), 42),
            )
            .await;
            assert_eq!(again.status, StatusCode::OK, "{}", again.body);
            assert_eq!((kind.counter)(&again.json()), 42);
            // A malformed If-Match is a bad request, not a silent overwrite.
            let bad = put(
                &app.router,
                &kind.path,
                &bob,
                Some("yesterday"),
                &(kind.put_body)(&now.json(), 0),
            )
            .await;
            assert_eq!(bad.status, StatusCode::BAD_REQUEST, "{}", bad.body);
        }
    });
}

/// Four clients on two instances of one database each add one to a counter thirty-two times
/// in all, reading, writing with If-Match and reading again when refused: no increment is
/// lost, and the record's audit trail chains before to after.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_read_modify_write_cycles_lose_nothing_and_the_trail_chains() {
    on_every_database!(|app| {
        let admin = app.token_as(Role::Admin).await;
        let (_second_store, second) = app.second_instance().await;
        for kind in kinds(&app, &admin).await {
            let kind = std::sync::Arc::new(kind);
            let mut writers = Vec::new();
            for w in 0..4 {
                let router = if w % 2 == 0 {
                    app.router.clone()
                } else {
                    second.clone()
                };
                let token = admin.clone();
                let kind = kind.clone();
                writers.push(tokio::spawn(async move {
                    let mut refused = 0;
                    for _ in 0..8 {
                        loop {
                            let read = get(&router, &kind.path, &token).await;
                            assert_eq!(read.status, StatusCode::OK, "{}", read.body);
                            let n = (kind.counter)(&read.json());
                            let body = (kind.put_body)(&read.json(), n + 1);
                            let res =
                                put(&router, &kind.path, &token, Some(&etag(&read)), &body).await;
                            match res.status {
                                StatusCode::OK => break,
                                StatusCode::CONFLICT => refused += 1,
                                other => panic!("{other}: {}", res.body),
                            }
                        }
                    }
                    refused
                }));
            }
            let mut refused = 0;
            for w in writers {
                refused += w.await.unwrap();
            }
            let end = get(&app.router, &kind.path, &admin).await.json();
            assert_eq!(
                (kind.counter)(&end),
                32,
                "{}: every increment kept ({refused} refused and retried)",
                kind.path
            );
            let trail = app
                .get(
                    &format!(
                        "/api/v1/audit?object_type={}&object_id={}&limit=500",
                        kind.object_type, kind.object_id
                    ),
                    Auth::Bearer(&admin),
                )
                .await
                .json();
            let mut entries: Vec<&Value> = trail
                .as_array()
                .unwrap()
                .iter()
                .filter(|e| {
                    let action = e["action"].as_str().unwrap();
                    // The first decision of a control is an update from nothing.
                    action.ends_with(".update") && e["before"] != "null"
                })
                .collect();
            entries.reverse();
            assert_eq!(entries.len(), 32, "{}: one entry per write", kind.path);
            for pair in entries.windows(2) {
                let after: Value =
                    serde_json::from_str(pair[0]["after"].as_str().unwrap()).unwrap();
                let before: Value =
                    serde_json::from_str(pair[1]["before"].as_str().unwrap()).unwrap();
                assert_eq!(
                    before, after,
                    "{}: entry {} starts where {} ended",
                    kind.path, pair[1]["seq"], pair[0]["seq"]
                );
            }
        }
        let verify = app.store.verify_audit_trail().await.unwrap();
        assert!(verify.first_break.is_none());
    });
}

/// Two people edit the same risk in their browsers: the second save comes back as the form
/// with what they typed, the first person's change named next to it and the stored revision,
/// so that saving again replaces it knowingly; nothing is saved until then.
#[tokio::test]
async fn two_browsers_editing_one_risk_the_second_sees_the_first_change_and_loses_nothing() {
    on_every_database!(|app| {
        let admin = app.token_as(Role::Admin).await;
        risk(&app, &admin).await;
        let ann = app.browser_as(Role::Manager).await;
        let ben = app.browser_as(Role::Manager).await;
        let form_a = app.get("/risks/R-1/edit", Auth::Browser(&ann)).await;
        let form_b = app.get("/risks/R-1/edit", Auth::Browser(&ben)).await;
        assert!(
            form_a.body.contains("name=\"revision\" value=\"1\""),
            "{}",
            form_a.body
        );
        assert!(form_b.body.contains("name=\"revision\" value=\"1\""));
        let fields = |title: &'static str, revision: &'static str| {
            vec![
                ("title", title),
                ("owner", "risk.owner@example.org"),
                ("inherent_likelihood", "3"),
                ("inherent_impact", "4"),
                ("treatment", "modify"),
                ("status", "open"),
                ("revision", revision),
            ]
        };
        let mut a = fields("Ransomware on file servers", "1");
        a.push(("_csrf", &ann.csrf));
        let saved = app.post_form("/risks/R-1", Auth::Browser(&ann), &a).await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let mut b = fields("Ransomware in the backups", "1");
        b.push(("_csrf", &ben.csrf));
        let refused = app.post_form("/risks/R-1", Auth::Browser(&ben), &b).await;
        assert_eq!(refused.status, StatusCode::CONFLICT, "{}", refused.body);
        assert!(
            refused.body.contains("Someone else saved this record"),
            "{}",
            refused.body
        );
        assert!(
            refused.body.contains("Ransomware on file servers"),
            "their change is shown"
        );
        assert!(
            refused.body.contains("value=\"Ransomware in the backups\""),
            "what Ben typed is kept"
        );
        assert!(
            refused.body.contains("name=\"revision\" value=\"2\""),
            "the form now carries the stored revision"
        );
        let stored = app
            .get("/api/v1/risks/R-1", Auth::Bearer(&admin))
            .await
            .json();
        assert_eq!(stored["title"], "Ransomware on file servers");
        let mut again = fields("Ransomware in the backups", "2");
        again.push(("_csrf", &ben.csrf));
        let saved = app
            .post_form("/risks/R-1", Auth::Browser(&ben), &again)
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let stored = app
            .get("/api/v1/risks/R-1", Auth::Bearer(&admin))
            .await
            .json();
        assert_eq!(stored["title"], "Ransomware in the backups");
        assert_eq!(stored["revision"], 3);
    });
}

/// The command line's `risk edit` applies its flags to the risk as stored inside the write:
/// concurrent edits of different fields through the use case all land.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_edits_through_the_use_case_apply_each_to_what_is_stored() {
    on_every_database!(|app| {
        let admin = app.token_as(Role::Admin).await;
        risk(&app, &admin).await;
        let ctx = crate::harness::operator(&app.store);
        let mut tasks = Vec::new();
        for _ in 0..16 {
            let ctx = ctx.clone();
            tasks.push(tokio::spawn(async move {
                annex::registers::risk::service::edit(&ctx, "R-1", None, |mut input| {
                    let n: i64 = input.category.parse().unwrap_or(0);
                    input.category = (n + 1).to_string();
                    Ok(input)
                })
                .await
                .unwrap()
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        let stored = app
            .get("/api/v1/risks/R-1", Auth::Bearer(&admin))
            .await
            .json();
        assert_eq!(stored["category"], "16");
        assert_eq!(stored["revision"], 17);
    });
}
