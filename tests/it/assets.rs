//! The asset inventory through the API and the pages, on every database: readable ids,
//! validation naming each field, dependencies without loops, keyset pages in every sort,
//! retire, bulk changes, and the history of each record.

use crate::harness::{Auth, TestApp};
use crate::on_every_database;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

async fn post_asset(app: &TestApp, token: &str, body: serde_json::Value) -> serde_json::Value {
    let res = app
        .post_json("/api/v1/assets", Auth::Bearer(token), body)
        .await;
    assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
    res.json()
}

#[tokio::test]
async fn assets_are_created_validated_linked_and_updated_through_the_api() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let server = post_asset(&app, &manager, json!({"id": "SRV-01", "name": "Web server", "asset_type": "Hardware", "classification": "Internal", "availability": "Major", "tags": ["dmz", "linux"]})).await;
        assert_eq!(server["id"], "SRV-01");
        assert_eq!(server["availability"], 4);
        let app_asset = post_asset(&app, &manager, json!({"name": "Customer portal", "asset_type": "service", "classification": "confidential", "depends_on": "SRV-01", "confidentiality": 5})).await;
        assert_eq!(app_asset["id"], "A-0001", "readable ids are handed out");
        assert_eq!(app_asset["depends_on"], json!(["SRV-01"]));

        let bad = app.post_json("/api/v1/assets", Auth::Bearer(&manager), json!({"name": "", "asset_type": "spaceship", "classification": "secret", "integrity": "hihg", "last_reviewed_on": "yesterday"})).await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        let fields: Vec<String> = bad.json()["error"]["details"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(
            fields,
            [
                "name",
                "asset_type",
                "classification",
                "integrity",
                "last_reviewed_on"
            ]
        );
        let dup = app.post_json("/api/v1/assets", Auth::Bearer(&manager), json!({"id": "SRV-01", "name": "Again", "asset_type": "hardware", "classification": "internal"})).await;
        assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(dup.json()["error"]["details"][0]["field"], "id");
        let ghost = app.post_json("/api/v1/assets", Auth::Bearer(&manager), json!({"name": "X", "asset_type": "software", "classification": "internal", "depends_on": ["NOPE-9"]})).await;
        assert_eq!(ghost.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(ghost.body.contains("there is no asset NOPE-9"));

        let looped = app.put_json("/api/v1/assets/SRV-01", Auth::Bearer(&manager), json!({"name": "Web server", "asset_type": "hardware", "classification": "internal", "depends_on": ["A-0001"]})).await;
        assert_eq!(looped.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(looped.body.contains("would make a loop"), "{}", looped.body);
        assert_eq!(
            app.get("/api/v1/assets/SRV-01", Auth::Bearer(&manager))
                .await
                .json()["tags"],
            json!(["dmz", "linux"]),
            "nothing half-written"
        );

        let updated = app.put_json("/api/v1/assets/SRV-01", Auth::Bearer(&manager), json!({"name": "Web server 1", "asset_type": "hardware", "classification": "confidential", "owner": "ops@example.org"})).await;
        assert_eq!(updated.status, StatusCode::OK, "{}", updated.body);
        let trail = app
            .get(
                "/api/v1/audit?object_type=asset&object_id=SRV-01",
                Auth::Bearer(&app.token_as(Role::Auditor).await),
            )
            .await
            .json();
        assert_eq!(trail[0]["action"], "asset.update");
        assert!(
            trail[0]["before"]
                .as_str()
                .unwrap()
                .contains("\"name\":\"Web server\"")
        );
        assert!(
            trail[0]["after"]
                .as_str()
                .unwrap()
                .contains("ops@example.org")
        );

        let viewer = app.token_as(Role::Viewer).await;
        let refused = app
            .post_json(
                "/api/v1/assets",
                Auth::Bearer(&viewer),
                json!({"name": "X", "asset_type": "software", "classification": "internal"}),
            )
            .await;
        assert_eq!(refused.status, StatusCode::FORBIDDEN);
        assert_eq!(
            app.get("/api/v1/assets/NOPE", Auth::Bearer(&viewer))
                .await
                .status,
            StatusCode::NOT_FOUND
        );
    });
}

#[tokio::test]
async fn the_register_filters_and_walks_keyset_pages_in_every_sort() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        for (i, (kind, class)) in [
            ("hardware", "internal"),
            ("software", "confidential"),
            ("hardware", "restricted"),
            ("service", "internal"),
            ("hardware", "public"),
            ("information", "confidential"),
            ("hardware", "internal"),
        ]
        .iter()
        .enumerate()
        {
            post_asset(&app, &manager, json!({"name": format!("Asset {}", 7 - i), "asset_type": kind, "classification": class, "owner": format!("o{}@example.org", i % 2), "tags": if i % 3 == 0 { "crown-jewel" } else { "" }})).await;
        }
        for sort in [
            "name",
            "id",
            "type",
            "owner",
            "classification",
            "lifecycle",
            "updated",
        ] {
            let mut seen = Vec::new();
            let mut url = format!("/api/v1/assets?sort={sort}&limit=3");
            loop {
                let page = app.get(&url, Auth::Bearer(&manager)).await;
                assert_eq!(page.status, StatusCode::OK, "{sort}: {}", page.body);
                let body = page.json();
                assert_eq!(body["total"], 7);
                seen.extend(
                    body["items"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|a| a["id"].as_str().unwrap().to_string()),
                );
                match body["next_cursor"].as_str() {
                    Some(c) => {
                        url = format!(
                            "/api/v1/assets?sort={sort}&limit=3&cursor={}",
                            annex_encode(c)
                        )
                    }
                    None => break,
                }
            }
            let mut unique = seen.clone();
            unique.sort();
            unique.dedup();
            assert_eq!(
                unique.len(),
                7,
                "sort {sort} visits every asset once: {seen:?}"
            );
        }
        let by_name = app
            .get("/api/v1/assets?limit=2", Auth::Bearer(&manager))
            .await
            .json();
        assert_eq!(by_name["items"][0]["name"], "Asset 1");
        let hw = app
            .get(
                "/api/v1/assets?type=hardware&classification=internal",
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(hw["total"], 2);
        // The filter takes what create takes: the type's and the level's names, any case.
        for spelling in [
            "type=Hardware&classification=Internal",
            "type=HARDWARE&classification=internal",
        ] {
            let same = app
                .get(
                    &format!("/api/v1/assets?{spelling}"),
                    Auth::Bearer(&manager),
                )
                .await;
            assert_eq!(same.status, StatusCode::OK, "{spelling}: {}", same.body);
            assert_eq!(same.json()["total"], 2, "{spelling}");
        }
        let res = app
            .get(
                "/api/v1/assets?classification=Secret",
                Auth::Bearer(&manager),
            )
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
        assert!(
            res.body.contains("'Secret' is not a classification level"),
            "{}",
            res.body
        );
        let tagged = app
            .get(
                "/api/v1/assets?tag=crown-jewel&q=asset",
                Auth::Bearer(&manager),
            )
            .await
            .json();
        assert_eq!(tagged["total"], 3);
        for (query, field) in [
            ("type=spaceship", "type"),
            ("sort=colour", "sort"),
            ("lifecycle=zombie", "lifecycle"),
            ("limit=0", "limit"),
            ("cursor=junk", "cursor"),
            ("colour=red", "colour"),
        ] {
            let res = app
                .get(&format!("/api/v1/assets?{query}"), Auth::Bearer(&manager))
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}");
            assert_eq!(res.json()["error"]["code"], "invalid_query", "{query}");
            assert_eq!(res.json()["error"]["details"][0]["field"], field, "{query}");
        }
    });
}

fn annex_encode(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[tokio::test]
async fn a_manager_keeps_the_inventory_in_the_browser_pages() {
    on_every_database!(|app| {
        let manager = app.browser_as(Role::Manager).await;
        let empty = app.get("/assets", Auth::Browser(&manager)).await;
        assert!(empty.body.contains("No asset yet") && empty.body.contains("Add the first asset"));

        let bad = app
            .post_form(
                "/assets",
                Auth::Browser(&manager),
                &[
                    ("name", "Laptop fleet"),
                    ("asset_type", "hardware"),
                    ("classification", "internal"),
                    ("last_reviewed_on", "31/12/2026"),
                ],
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            bad.body.contains("is not a date") && bad.body.contains("value=\"Laptop fleet\""),
            "errors inline, input kept"
        );

        let made = app
            .post_form(
                "/assets",
                Auth::Browser(&manager),
                &[
                    ("id", "HW-1"),
                    ("name", "Laptop fleet"),
                    ("asset_type", "hardware"),
                    ("classification", "internal"),
                    ("availability", "3"),
                    ("tags", "endpoints"),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        let svc = app
            .post_form(
                "/assets",
                Auth::Browser(&manager),
                &[
                    ("name", "Mail service"),
                    ("asset_type", "service"),
                    ("classification", "confidential"),
                    ("depends_on", "HW-1"),
                ],
            )
            .await;
        assert_eq!(svc.status, StatusCode::SEE_OTHER);

        let record = app.get("/assets/HW-1", Auth::Browser(&manager)).await;
        assert!(record.body.contains("Mail service"), "used by is shown");
        assert!(
            record.body.contains("3 Moderate"),
            "availability shown on the matrix's scale"
        );
        assert!(
            record.body.contains("asset.create"),
            "history at the bottom"
        );

        let list = app
            .get("/assets?type=hardware", Auth::Browser(&manager))
            .await;
        assert!(list.body.contains("HW-1") && !list.body.contains("Mail service"));
        // The filter menus, kept between views of the page, follow every write.
        assert!(
            list.body.contains("<option value=\"endpoints\""),
            "a new tag is in the menu at once"
        );
        let bulk = app
            .post_form(
                "/assets/bulk",
                Auth::Browser(&manager),
                &[
                    ("id", "HW-1"),
                    ("id", "A-0001"),
                    ("owner", "it@example.org"),
                    ("classification", ""),
                ],
            )
            .await;
        assert_eq!(bulk.status, StatusCode::SEE_OTHER, "{}", bulk.body);
        assert_eq!(
            app.store.asset("A-0001").await.unwrap().owner,
            "it@example.org"
        );
        let menus = app.get("/assets", Auth::Browser(&manager)).await;
        assert!(
            menus.body.contains("<option value=\"it@example.org\""),
            "an owner set in bulk is in the menu at once"
        );
        assert_eq!(
            app.store.asset("HW-1").await.unwrap().classification,
            "internal",
            "classification kept"
        );

        let confirm = app
            .get("/assets/HW-1/retire", Auth::Browser(&manager))
            .await;
        assert!(confirm.body.contains("Retire HW-1"));
        let retired = app
            .post_form("/assets/HW-1/retire", Auth::Browser(&manager), &[])
            .await;
        assert_eq!(retired.status, StatusCode::SEE_OTHER);
        assert_eq!(
            app.store.asset("HW-1").await.unwrap().lifecycle.key(),
            "retired"
        );

        let viewer = app.browser_as(Role::Viewer).await;
        let read = app.get("/assets/HW-1", Auth::Browser(&viewer)).await;
        assert_eq!(read.status, StatusCode::OK);
        assert!(
            !read.body.contains("/assets/HW-1/edit"),
            "no edit button for a viewer"
        );
        assert_eq!(
            app.post_form("/assets/HW-1/retire", Auth::Browser(&viewer), &[])
                .await
                .status,
            StatusCode::FORBIDDEN
        );
    });
}

#[tokio::test]
async fn the_classification_scheme_is_configured_and_levels_in_use_cannot_be_removed() {
    on_every_database!(|app| {
        let manager = app.browser_as(Role::Manager).await;
        let page = app.get("/settings/assets", Auth::Browser(&manager)).await;
        assert!(page.body.contains("Handling rules") && page.body.contains("value=\"restricted\""));
        let scheme = |levels: &[(&str, &str)]| -> Vec<(String, String)> {
            let mut f: Vec<(String, String)> = Vec::new();
            for (k, n) in levels {
                f.push(("level_key".into(), k.to_string()));
                f.push(("level_name".into(), n.to_string()));
                f.push(("level_handling".into(), format!("Handle {n} with care.")));
            }
            for (k, n) in [("hardware", "Hardware"), ("software", "Software")] {
                f.push(("type_key".into(), k.into()));
                f.push(("type_name".into(), n.into()));
            }
            f
        };
        let fields = scheme(&[
            ("open", "Open"),
            ("internal", "Internal"),
            ("secret", "Secret"),
        ]);
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let saved = app
            .post_form("/settings/assets", Auth::Browser(&manager), &borrowed)
            .await;
        assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.body);
        let made = app
            .post_form(
                "/assets",
                Auth::Browser(&manager),
                &[
                    ("name", "Vault"),
                    ("asset_type", "hardware"),
                    ("classification", "Secret"),
                ],
            )
            .await;
        assert_eq!(made.status, StatusCode::SEE_OTHER, "{}", made.body);
        assert_eq!(
            app.store.asset("A-0001").await.unwrap().classification,
            "secret"
        );

        let fields = scheme(&[("open", "Open"), ("internal", "Internal")]);
        let borrowed: Vec<(&str, &str)> = fields
            .iter()
            .map(|(k, v)| (k.as_str(), v.as_str()))
            .collect();
        let refused = app
            .post_form("/settings/assets", Auth::Browser(&manager), &borrowed)
            .await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            refused
                .body
                .contains("1 assets are classified &#x27;Secret&#x27;")
                || refused.body.contains("assets are classified"),
            "{}",
            refused.body
        );
        assert_eq!(
            app.store
                .asset_settings()
                .await
                .unwrap()
                .classification
                .len(),
            3,
            "nothing changed"
        );

        let bad = scheme(&[("Open Level", "Open"), ("internal", "")]);
        let borrowed: Vec<(&str, &str)> =
            bad.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let invalid = app
            .post_form("/settings/assets", Auth::Browser(&manager), &borrowed)
            .await;
        assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            invalid.body.contains("classification[1].key")
                && invalid.body.contains("classification[2].name")
        );
    });
}

#[tokio::test]
async fn large_registers_count_up_to_ten_thousand_and_keep_paging() {
    on_every_database!(|app| {
        let fill = "insert into asset (asset_id, name, asset_type, classification, lifecycle, created_at, updated_at)
                    select 'X-' || i, 'Asset ' || i, 'hardware', 'internal', 'in_use', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'";
        fill_series(&app, &[(fill, 10005)]).await;
        let token = app.token_as(Role::Viewer).await;
        let get = |path: &'static str| {
            let (app, token) = (&app, &token);
            async move { app.get(path, Auth::Bearer(token)).await.json() }
        };
        // Unfiltered, the total is exact (the store keeps the register's count); a filter
        // counts up to its cap.
        let page = get("/api/v1/assets?limit=500").await;
        assert_eq!(page["total"], 10_005);
        assert!(page.get("total_capped").is_none());
        assert!(page["next_cursor"].is_string());
        let typed = get("/api/v1/assets?type=hardware&limit=500").await;
        assert_eq!(typed["total"], 10_000);
        assert_eq!(typed["total_capped"], true);
        // A row taken out of the table (by hand: Annex retires assets) is counted out.
        app.db
            .execute(&["delete from asset where asset_id = 'X-7'".to_string()])
            .await;
        assert_eq!(get("/api/v1/assets?limit=1").await["total"], 10_004);
        let small = get("/api/v1/assets?q=asset%201000").await;
        assert_eq!(
            small["total"], 7,
            "Asset 1000, 10000-10005: exact below the cap"
        );
        assert!(small.get("total_capped").is_none());
        // A text search counts to 1,000 (its text index lists every match to count them),
        // and pages through every match.
        let text = get("/api/v1/assets?q=asset&limit=500").await;
        assert_eq!(text["total"], 1_000);
        assert_eq!(text["total_capped"], true);
        assert_eq!(text["items"].as_array().unwrap().len(), 500);
        assert!(text["next_cursor"].is_string());
        let browser = app.browser_as(Role::Viewer).await;
        assert!(
            app.get("/assets?type=hardware", Auth::Browser(&browser))
                .await
                .body
                .contains("<strong>10000+</strong>")
        );
        assert!(
            app.get("/assets", Auth::Browser(&browser))
                .await
                .body
                .contains("<strong>10004</strong> assets")
        );
    });
}

#[tokio::test]
async fn a_tag_with_other_filters_counts_to_a_thousand_and_pages_through_every_match() {
    on_every_database!(|app| {
        // 2,600 assets, every other one hardware; 2,400 tagged 'blue', 30 'red'.
        let fill = "insert into asset (asset_id, name, asset_type, classification, lifecycle, created_at, updated_at)
                    select 'X-' || i, 'Ασσετ ' || i, case when i % 2 = 0 then 'hardware' else 'software' end,
                           'internal', 'in_use', '2026-01-01T00:00:00.000000Z', '2026-01-01T00:00:00.000000Z'";
        let blue = "insert into asset_tag (asset_id, tag) select 'X-' || i, 'blue'";
        let red = "insert into asset_tag (asset_id, tag) select 'X-' || i, 'red'";
        fill_series(&app, &[(fill, 2600), (blue, 2400), (red, 30)]).await;
        let token = app.token_as(Role::Viewer).await;
        let get = |q: String| {
            let app = &app;
            let token = &token;
            async move { app.get(&q, Auth::Bearer(token)).await.json() }
        };
        // A tag alone counts to 10,000; with the type, 1,200 match and the count says 1,000+.
        let tag = get("/api/v1/assets?tag=blue&limit=1".into()).await;
        assert_eq!(tag["total"], 2400);
        let both = get("/api/v1/assets?tag=blue&type=Hardware&limit=500".into()).await;
        assert_eq!(both["total"], 1000);
        assert_eq!(both["total_capped"], true);
        // Every match is still paged through, each once.
        let mut seen: Vec<String> = Vec::new();
        let mut page = both;
        loop {
            for a in page["items"].as_array().unwrap() {
                assert_eq!(a["asset_type"], "hardware");
                assert!(a["tags"].as_array().unwrap().contains(&json!("blue")));
                seen.push(a["name"].as_str().unwrap().to_string());
            }
            let Some(next) = page["next_cursor"].as_str() else {
                break;
            };
            let cursor = serde_urlencoded::to_string([("cursor", next)]).unwrap();
            page = get(format!(
                "/api/v1/assets?tag=blue&type=hardware&limit=500&{cursor}"
            ))
            .await;
        }
        assert_eq!(seen.len(), 1200);
        seen.sort();
        seen.dedup();
        assert_eq!(seen.len(), 1200, "none twice");
        // Below the cap the count is exact.
        let red = get("/api/v1/assets?tag=red&type=hardware".into()).await;
        assert_eq!(red["total"], 15);
        assert!(red.get("total_capped").is_none());
        let browser = app.browser_as(Role::Viewer).await;
        let body = app
            .get("/assets?tag=blue&type=hardware", Auth::Browser(&browser))
            .await
            .body;
        assert!(body.contains("<strong>1000+</strong>"), "{body}");
    });
}

/// Runs each `insert … select …` once for every `i` from 1 to its count, straight in the
/// database (faster than the API for thousands of rows).
async fn fill_series(app: &TestApp, inserts: &[(&str, usize)]) {
    let statements: Vec<String> = inserts
        .iter()
        .map(|(insert, n)| match app.db.backend {
            crate::harness::Backend::Sqlite => format!(
                "with recursive n(i) as (select 1 union all select i + 1 from n where i < {n}) {insert} from n"
            ),
            crate::harness::Backend::Postgres => {
                format!("{insert} from generate_series(1, {n}) as g(i)")
            }
        })
        .collect();
    app.db.execute(&statements).await;
}
