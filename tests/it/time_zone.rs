//! The organisation's time zone: an administrator sets it on the settings page, and pages,
//! exports and the command line then show moments in it (stored moments stay UTC). A name
//! that is not a zone is refused, naming it; the change is in the trail.

use crate::harness::Auth;
use crate::on_every_database;
use annex::domain::audit::AuditFilter;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn times_show_in_the_organisations_time_zone() {
    on_every_database!(|app| {
        let admin = app.set_up().await;
        let token = app.token_as(Role::Admin).await;
        let report = json!({
            "host": "web-01", "root": "/", "scanned_at": "2026-11-20T08:05:00Z", "duration_ms": 5.0,
            "findings": [{"id": "ssh.root-login", "outcome": "pass", "severity": "high",
                          "controls": ["8.5"], "observed": "no", "cadence_days": 1}]
        });
        let res = app
            .post_json("/api/v1/scans", Auth::Bearer(&token), report)
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let run = res.json()["run_id"].as_str().unwrap().to_string();
        let run_page = format!("/hosts/web-01/runs/{run}");
        let page = app.get(&run_page, Auth::Browser(&admin)).await;
        assert!(page.body.contains("2026-11-20 08:05 UTC"), "{}", page.body);

        // A name that is not a zone is refused, and nothing changes.
        let res = app
            .post_form(
                "/admin/settings",
                Auth::Browser(&admin),
                &[
                    ("organisation", "Ασφάλεια Α.Ε."),
                    ("isms_scope", ""),
                    ("time_zone", "Europe/Athen"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            res.body
                .contains("&#39;Europe/Athen&#39; is not a time zone: give an IANA name such as Europe/Athens or UTC"),
            "{}",
            res.body
        );
        let res = app
            .post_form(
                "/admin/settings",
                Auth::Browser(&admin),
                &[
                    ("organisation", "Ασφάλεια Α.Ε."),
                    ("isms_scope", ""),
                    ("time_zone", &"Europe/".repeat(5000)),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("that is not a time zone"));
        // Written in any case, it is the IANA name.
        let res = app
            .post_form(
                "/admin/settings",
                Auth::Browser(&admin),
                &[
                    ("organisation", "Ασφάλεια Α.Ε."),
                    ("isms_scope", ""),
                    ("time_zone", "europe/athens"),
                ],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let settings = app.get("/admin/settings", Auth::Browser(&admin)).await;
        assert!(settings.body.contains("value=\"Europe/Athens\""));

        // Athens is two hours ahead of UTC in November (EET).
        let page = app.get(&run_page, Auth::Browser(&admin)).await;
        assert!(page.body.contains("2026-11-20 10:05 EET"), "{}", page.body);
        assert!(!page.body.contains("08:05 UTC"));
        let csv = app.get("/hosts.csv", Auth::Browser(&admin)).await;
        assert!(csv.body.contains(" EET,"), "{}", csv.body);
        assert!(!csv.body.contains(" UTC,"), "{}", csv.body);
        // The API keeps the stored moment.
        let host = app.get("/api/v1/hosts/web-01", Auth::Bearer(&token)).await;
        assert!(host.json()["last_seen"].as_str().unwrap().ends_with('Z'));

        // An empty field leaves the zone as it is.
        let res = app
            .post_form(
                "/admin/settings",
                Auth::Browser(&admin),
                &[("organisation", "Ασφάλεια Α.Ε."), ("isms_scope", "Όλα")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(app.store.time_zone().await.unwrap(), "Europe/Athens");

        let trail = app
            .store
            .audit_entries(
                &AuditFilter {
                    object_type: Some("organisation".into()),
                    ..Default::default()
                },
                20,
            )
            .await
            .unwrap();
        let zone_changes: Vec<_> = trail
            .iter()
            .filter(|e| e.action == "organisation.time_zone")
            .collect();
        assert_eq!(zone_changes.len(), 1);
        assert!(
            zone_changes[0]
                .after
                .as_deref()
                .unwrap()
                .contains("Europe/Athens")
        );
    });
}
