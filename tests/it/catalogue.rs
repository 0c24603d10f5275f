//! The catalogues as a user meets them: complete, exact, filterable, mapped, the same on
//! every database and through every interface.

use crate::harness::{Auth, notice};
use crate::on_every_database;
use annex::domain::catalog::ControlFilter;
use annex::domain::user::Role;
use axum::http::StatusCode;
use std::collections::BTreeMap;

#[tokio::test]
async fn the_2022_catalogue_has_93_controls_in_four_themes_each_with_five_attribute_types() {
    on_every_database!(|app| {
        let page = app
            .store
            .controls("iso27002-2022", &ControlFilter::default(), None, 1000)
            .await
            .unwrap();
        assert_eq!(page.total, 93);
        let mut themes: BTreeMap<String, usize> = BTreeMap::new();
        for c in &page.items {
            *themes.entry(c.theme.clone()).or_default() += 1;
            assert_eq!(
                c.attributes.len(),
                5,
                "control {} lacks attribute types",
                c.id
            );
            assert!(!c.summary.is_empty(), "control {} has no summary", c.id);
        }
        assert_eq!(themes["organizational"], 37);
        assert_eq!(themes["people"], 8);
        assert_eq!(themes["physical"], 14);
        assert_eq!(themes["technological"], 34);
    });
}

#[tokio::test]
async fn the_2013_catalogue_has_114_controls_in_14_domains_and_every_one_maps_to_2022() {
    on_every_database!(|app| {
        let page = app
            .store
            .controls("iso27002-2013", &ControlFilter::default(), None, 1000)
            .await
            .unwrap();
        assert_eq!(page.total, 114);
        let domains: std::collections::BTreeSet<_> =
            page.items.iter().map(|c| c.theme.clone()).collect();
        assert_eq!(domains.len(), 14);
        assert!(domains.contains("A.5") && domains.contains("A.18"));
        for c in &page.items {
            let mapped = app
                .store
                .map_control("iso27002-2013", &c.id, "iso27002-2022")
                .await
                .unwrap();
            assert!(!mapped.is_empty(), "2013 control {} maps to nothing", c.id);
        }
        let fresh = app
            .store
            .controls("iso27002-2022", &ControlFilter::default(), None, 1000)
            .await
            .unwrap();
        let mut new = Vec::new();
        for c in &fresh.items {
            if app
                .store
                .new_relative_to("iso27002-2022", &c.id)
                .await
                .unwrap()
                .contains(&"iso27002-2013".to_string())
            {
                new.push(c.id.clone());
            }
        }
        assert_eq!(
            new,
            [
                "5.7", "5.23", "5.30", "7.4", "8.9", "8.10", "8.11", "8.12", "8.16", "8.23", "8.28"
            ]
        );
    });
}

#[tokio::test]
async fn filtering_by_attributes_theme_and_text_combines_and_counts_facets() {
    on_every_database!(|app| {
        let f = ControlFilter::parse(
            Some("technological"),
            &["control_type:Detective".into()],
            None,
        )
        .unwrap();
        let page = app
            .store
            .controls("iso27002-2022", &f, None, 100)
            .await
            .unwrap();
        assert!(page.total > 0);
        assert!(page.items.iter().all(|c| c.theme == "technological"
            && c.attributes["control_type"].contains(&"Detective".to_string())));
        let facets = app.store.control_facets("iso27002-2022", &f).await.unwrap();
        assert_eq!(facets.attributes["control_type"]["Detective"], page.total);

        let text = ControlFilter::parse(None, &[], Some("BACKUP")).unwrap();
        let hits = app
            .store
            .controls("iso27002-2022", &text, None, 100)
            .await
            .unwrap();
        assert!(
            hits.items.iter().any(|c| c.id == "8.13"),
            "searching 'BACKUP' finds 8.13"
        );

        let odd = ControlFilter::parse(None, &[], Some("100%_\\")).unwrap();
        assert_eq!(
            app.store
                .controls("iso27002-2022", &odd, None, 100)
                .await
                .unwrap()
                .total,
            0
        );
    });
}

#[tokio::test]
async fn pages_of_controls_follow_their_cursor_to_the_end_without_gaps() {
    on_every_database!(|app| {
        let mut seen = Vec::new();
        let mut cursor: Option<String> = None;
        loop {
            let page = app
                .store
                .controls(
                    "iso27002-2022",
                    &ControlFilter::default(),
                    cursor.as_deref(),
                    10,
                )
                .await
                .unwrap();
            seen.extend(page.items.iter().map(|c| c.id.clone()));
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        assert_eq!(seen.len(), 93);
        assert_eq!(seen.first().map(String::as_str), Some("5.1"));
        assert_eq!(seen.last().map(String::as_str), Some("8.34"));
    });
}

#[tokio::test]
async fn loading_the_catalogues_again_changes_nothing() {
    on_every_database!(|app| {
        let before = app
            .store
            .audit_entries(&Default::default(), 500)
            .await
            .unwrap()
            .len();
        let report = annex::app::load_builtin_catalogs(&app.store).await.unwrap();
        assert!(report.loaded.is_empty());
        assert_eq!(report.unchanged.len(), 3);
        assert_eq!(
            app.store
                .audit_entries(&Default::default(), 500)
                .await
                .unwrap()
                .len(),
            before
        );
    });
}

#[tokio::test]
async fn the_api_lists_filters_and_paginates_controls_in_the_documented_shape() {
    on_every_database!(|app| {
        let token = app.token_as(Role::Viewer).await;
        let res = app.get("/api/v1/frameworks/iso27002-2022/controls?attr=security_domains:Resilience&attr=control_type:Corrective&limit=2", Auth::Bearer(&token)).await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let body = res.json();
        let first = &body["items"][0];
        for key in ["id", "title", "theme", "summary", "attributes"] {
            assert!(first.get(key).is_some(), "control JSON has {key}");
        }
        assert!(
            first["attributes"]["security_domains"]
                .as_array()
                .unwrap()
                .contains(&"Resilience".into())
        );
        let total = body["total"].as_i64().unwrap();
        let mut ids: Vec<String> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_string())
            .collect();
        let mut cursor = body["next_cursor"].as_str().map(str::to_string);
        while let Some(c) = cursor {
            let next = app
                .get(&format!("/api/v1/frameworks/iso27002-2022/controls?attr=security_domains:Resilience&attr=control_type:Corrective&limit=2&cursor={c}"), Auth::Bearer(&token))
                .await
                .json();
            ids.extend(
                next["items"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| c["id"].as_str().unwrap().to_string()),
            );
            cursor = next["next_cursor"].as_str().map(str::to_string);
        }
        assert_eq!(ids.len() as i64, total);

        let one = app
            .get(
                "/api/v1/frameworks/iso27002-2022/controls/A.5.18",
                Auth::Bearer(&token),
            )
            .await
            .json();
        assert_eq!(one["id"], "5.18");
        let mapped: Vec<&str> = one["mapped"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["id"].as_str().unwrap())
            .collect();
        assert_eq!(mapped, ["9.2.2", "9.2.5", "9.2.6"]);

        let map = app
            .get(
                "/api/v1/mappings?from=iso27002-2013&to=iso27002-2022&id=13.2.1",
                Auth::Bearer(&token),
            )
            .await
            .json();
        assert_eq!(map[0]["to_id"], "5.14");
    });
}

#[tokio::test]
async fn bad_filters_get_a_400_naming_the_parameter_never_a_500() {
    on_every_database!(|app| {
        let token = app.token_as(Role::Viewer).await;
        for (query, field) in [
            ("attr=nonsense", "attr"),
            ("attr=control_type:Sideways", "attr"),
            ("attr=colour:Blue", "attr"),
            ("theme=martian", "theme"),
            ("limit=0", "limit"),
            ("limit=abc", "limit"),
            ("cursor=zzz", "cursor"),
            ("colour=blue", "colour"),
        ] {
            let res = app
                .get(
                    &format!("/api/v1/frameworks/iso27002-2022/controls?{query}"),
                    Auth::Bearer(&token),
                )
                .await;
            assert_eq!(res.status, StatusCode::BAD_REQUEST, "{query}: {}", res.body);
            let body = res.json();
            assert_eq!(body["error"]["code"], "invalid_query");
            assert_eq!(body["error"]["details"][0]["field"], field, "{query}");
        }
        let res = app
            .get(
                "/api/v1/frameworks/nist-9000/controls",
                Auth::Bearer(&token),
            )
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        assert_eq!(res.json()["error"]["code"], "not_found");
        let res = app
            .get("/api/v1/mappings?from=iso27002-2013", Auth::Bearer(&token))
            .await;
        assert_eq!(res.status, StatusCode::BAD_REQUEST);
    });
}

#[tokio::test]
async fn the_catalogue_page_filters_through_the_query_string_and_shows_counts() {
    on_every_database!(|app| {
        let viewer = app.browser_as(Role::Viewer).await;
        let res = app
            .get(
                "/controls?framework=iso27002-2022&theme=people&attr=control_type:Preventive&q=",
                Auth::Browser(&viewer),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK);
        assert!(
            res.body.contains("<strong>8</strong> controls match")
                || res.body.contains("controls match"),
            "count shown"
        );
        assert!(res.body.contains("/controls/iso27002-2022/6.1"));
        assert!(!res.body.contains("/controls/iso27002-2022/8.13\""));
        let bad = app
            .get(
                "/controls?attr=control_type:Sideways",
                Auth::Browser(&viewer),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(bad.body.contains("Sideways"));
        let page = app
            .get("/controls/iso27002-2013/13.2.1", Auth::Browser(&viewer))
            .await;
        assert!(
            page.body.contains("/controls/iso27002-2022/5.14"),
            "2013 control links its 2022 successor"
        );
        let csv = app
            .get(
                "/controls/export.csv?framework=iso27002-2022&theme=physical",
                Auth::Browser(&viewer),
            )
            .await;
        assert_eq!(
            csv.body.lines().count(),
            15,
            "header + 14 physical controls"
        );
    });
}

/// Compares the shipped catalogue with the cross-checked public reference lists, when present.
#[tokio::test]
async fn the_shipped_catalogue_matches_the_reference_lists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/reference");
    let controls = root.join("iso27002-2022/iso27002_2022_controls.csv");
    let Ok(text) = std::fs::read_to_string(&controls) else {
        notice("note: ../shared/reference is absent: reference comparison SKIPPED");
        return;
    };
    let fws = annex::domain::catalog::builtin_frameworks().unwrap();
    let ours = fws.iter().find(|f| f.id == "iso27002-2022").unwrap();
    let mut lines = text.lines();
    lines.next();
    let mut n = 0;
    for line in lines {
        let owned = csv_line(line);
        let cols: Vec<&str> = owned.iter().map(String::as_str).collect();
        let c = ours
            .controls
            .iter()
            .find(|c| c.id == cols[0])
            .unwrap_or_else(|| panic!("missing {}", cols[0]));
        assert_eq!(c.title, cols[1], "title of {}", cols[0]);
        assert_eq!(c.group, cols[2].to_lowercase(), "theme of {}", cols[0]);
        let keys = [
            "control_type",
            "information_security_properties",
            "cybersecurity_concepts",
            "operational_capabilities",
            "security_domains",
        ];
        for (i, k) in keys.iter().enumerate() {
            let want: Vec<&str> = cols[3 + i].split(';').collect();
            assert_eq!(c.attributes[*k], want, "{k} of {}", cols[0]);
        }
        n += 1;
    }
    assert_eq!(n, 93);
    let map = std::fs::read_to_string(root.join("mappings/iso27002_2013_2022.csv")).unwrap();
    let ours_map = &annex::domain::catalog::builtin_mappings().unwrap()[0];
    for line in map.lines().skip(1) {
        let (to, from) = line.split_once(',').unwrap();
        if from.is_empty() {
            assert!(
                ours_map.new_in_target.contains(&to.to_string()),
                "{to} is new"
            );
        } else {
            assert!(
                ours_map.pairs.contains(&(from.to_string(), to.to_string())),
                "pair {from} -> {to}"
            );
        }
    }
}

/// Splits one CSV line, honouring double quotes.
fn csv_line(line: &str) -> Vec<String> {
    let (mut out, mut cur, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(ch) = chars.next() {
        match (ch, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut cur)),
            (c, _) => cur.push(c),
        }
    }
    out.push(cur);
    out
}

#[tokio::test]
async fn an_instance_sees_a_catalogue_reloaded_by_another_instance() {
    on_every_database!(|app| {
        assert_eq!(
            app.store
                .control("iso27002-2022", "8.13")
                .await
                .unwrap()
                .title,
            "Information backup"
        );
        let (other, _) = app.second_instance().await;
        let mut fws = annex::domain::catalog::builtin_frameworks().unwrap();
        let fw = fws.iter_mut().find(|f| f.id == "iso27002-2022").unwrap();
        fw.controls
            .iter_mut()
            .find(|c| c.id == "8.13")
            .unwrap()
            .title = "Information backup (revised)".into();
        fw.data_version += 1;
        let report = other
            .load_catalogs("test", std::slice::from_ref(fw), &["changed text"], &[])
            .await
            .unwrap();
        assert_eq!(report.loaded, ["iso27002-2022"]);
        assert_eq!(
            app.store
                .control("iso27002-2022", "8.13")
                .await
                .unwrap()
                .title,
            "Information backup (revised)"
        );
    });
}
