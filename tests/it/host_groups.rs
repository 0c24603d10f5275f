//! Hosts in groups: a control's scan results count on the SoA only from hosts whose group
//! evidences it, so a workstation without backup software does not fail the organisation's
//! backup control (8.13) while a server's failing backup still does. Groups are created,
//! changed and removed by editors (with revisions, through the API and the pages), hosts move
//! between them, and a new host joins the group its first report names.

use crate::harness::{Auth, Res, TestApp};
use crate::on_every_database;
use annex::domain::audit::AuditFilter;
use annex::domain::user::Role;
use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::{Value, json};

/// A report of one backup check (8.13) and one SSH check (8.5) for `host`.
fn backup_report(host: &str, backup: &str, group: Option<&str>) -> Value {
    let mut r = json!({
        "host": host,
        "root": "/",
        "scanned_at": "2026-11-20T08:00:00Z",
        "duration_ms": 12.0,
        "findings": [
            {"id": "backup.recent", "outcome": backup, "severity": "high", "controls": ["8.13"],
             "observed": format!("backup {backup}"), "cadence_days": 30},
            {"id": "ssh.root-login", "outcome": "pass", "severity": "high", "controls": ["8.5"],
             "observed": "PermitRootLogin no", "cadence_days": 30}
        ]
    });
    if let Some(g) = group {
        r["group"] = g.into();
    }
    r
}

/// A write with `If-Match` (when given) and a JSON body.
async fn send_json(
    app: &TestApp,
    method: &str,
    path: &str,
    token: &str,
    if_match: Option<&str>,
    body: Value,
) -> Res {
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {token}"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(tag) = if_match {
        req = req.header(header::IF_MATCH, tag);
    }
    app.send(req.body(Body::from(body.to_string())).unwrap())
        .await
}

fn etag(res: &Res) -> String {
    res.headers[header::ETAG].to_str().unwrap().to_string()
}

async fn evidence_state(app: &TestApp, token: &str, control: &str) -> Value {
    let res = app
        .get(
            &format!("/api/v1/soa/iso27002-2022/{control}"),
            Auth::Bearer(token),
        )
        .await;
    assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    res.json()["evidence_state"].clone()
}

#[tokio::test]
async fn a_workstation_without_backups_does_not_fail_the_organisations_backup_control() {
    on_every_database!(|app| {
        let admin = app.token_as(Role::Admin).await;
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let res = app
            .put_json(
                "/api/v1/soa/iso27002-2022/8.13",
                Auth::Bearer(&admin),
                json!({"applicable": "yes", "reasons": "risk treatment", "status": "implemented", "owner": "ops"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);

        // A server whose backups run, and a laptop whose first report says it is a workstation.
        for report in [
            backup_report("nas-01", "pass", None),
            backup_report("laptop-01", "fail", Some("Workstations")),
        ] {
            let res = app
                .post_json("/api/v1/scans", Auth::Bearer(&admin), report)
                .await;
            assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        }
        let laptop = app
            .get("/api/v1/hosts/laptop-01", Auth::Bearer(&viewer))
            .await;
        assert_eq!(laptop.json()["group"], "workstations");
        assert_eq!(laptop.json()["group_name"], "Workstations");
        let nas = app.get("/api/v1/hosts/nas-01", Auth::Bearer(&viewer)).await;
        assert_eq!(nas.json()["group"], "servers", "new hosts join the default");
        assert_eq!(
            evidence_state(&app, &viewer, "8.13").await,
            "valid",
            "the laptop's failing backup is not counted"
        );
        assert_eq!(
            evidence_state(&app, &viewer, "8.5").await,
            "valid",
            "the workstations' other checks count"
        );

        // The host's page says its item is not counted, and why.
        let b = app.browser_as(Role::Viewer).await;
        let page = app.get("/hosts/laptop-01", Auth::Browser(&b)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(
            page.body
                .contains("not counted: the group Workstations does not evidence it"),
            "{}",
            page.body
        );

        // Moved to the servers, its failure counts: the control fails.
        let stale = etag(&laptop);
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/hosts/laptop-01/group",
            &manager,
            Some(&stale),
            json!({"group": "servers"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["group"], "servers");
        assert_ne!(etag(&res), stale, "the move raised the host's revision");
        assert_eq!(evidence_state(&app, &viewer, "8.13").await, "failing");

        // A move against the old revision is refused, naming who moved it.
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/hosts/laptop-01/group",
            &manager,
            Some(&stale),
            json!({"group": "workstations"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        // An unknown group is named, with those that exist.
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/hosts/laptop-01/group",
            &manager,
            None,
            json!({"group": "kiosks"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let d = &res.json()["error"]["details"][0];
        assert_eq!(d["field"], "group");
        assert_eq!(
            d["message"],
            "'kiosks' is not a host group: use Servers, Workstations"
        );
        // Viewers and agents do not move hosts.
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/hosts/laptop-01/group",
            &viewer,
            None,
            json!({"group": "workstations"}),
        )
        .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        // Back among the workstations through the host's page; then the workstations'
        // scans are made to evidence backups too, and the failure counts again.
        let mb = app.browser_as(Role::Manager).await;
        let res = app
            .post_form(
                "/hosts/laptop-01/group",
                Auth::Browser(&mb),
                &[("group", "workstations")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/hosts/laptop-01?notice=host-moved");
        assert_eq!(evidence_state(&app, &viewer, "8.13").await, "valid");
        let res = app
            .post_form(
                "/hosts/laptop-01/group",
                Auth::Browser(&mb),
                &[("group", "nowhere")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("&#39;nowhere&#39; is not a host group"));

        let g = app
            .get("/api/v1/host-groups/workstations", Auth::Bearer(&viewer))
            .await;
        assert_eq!(g.json()["excluded_controls"], json!(["8.13", "8.14"]));
        assert_eq!(g.json()["hosts"], 1);
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/host-groups/workstations",
            &manager,
            Some(&etag(&g)),
            json!({"name": "Workstations", "excluded_controls": ["8.14"]}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        assert_eq!(res.json()["excluded_controls"], json!(["8.14"]));
        assert_eq!(evidence_state(&app, &viewer, "8.13").await, "failing");

        // A new host's report naming a group that does not exist is refused whole.
        let res = app
            .post_json(
                "/api/v1/scans",
                Auth::Bearer(&admin),
                backup_report("till-01", "pass", Some("kiosks")),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert_eq!(res.json()["error"]["details"][0]["field"], "group");
        let res = app
            .get("/api/v1/hosts/till-01", Auth::Bearer(&viewer))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND, "nothing was written");

        // Every move and change is in the trail.
        let trail = app
            .store
            .audit_entries(&AuditFilter::default(), 500)
            .await
            .unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(actions.iter().filter(|a| **a == "host.group").count(), 2);
        assert!(actions.contains(&"host_group.update"));
    });
}

#[tokio::test]
async fn editors_create_change_and_remove_groups() {
    on_every_database!(|app| {
        let manager = app.token_as(Role::Manager).await;
        let viewer = app.token_as(Role::Viewer).await;
        let admin = app.token_as(Role::Admin).await;
        let res = app
            .post_json(
                "/api/v1/host-groups",
                Auth::Bearer(&viewer),
                json!({"name": "Kiosks"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);

        // Every problem named: no name, unknown controls.
        let res = app
            .post_json(
                "/api/v1/host-groups",
                Auth::Bearer(&manager),
                json!({"name": " ", "excluded_controls": "9.99, banana, 8.13"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        let details = res.json()["error"]["details"].clone();
        let fields: Vec<&str> = details
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d["field"].as_str().unwrap())
            .collect();
        assert_eq!(fields, ["name", "excluded_controls"]);
        assert_eq!(
            details[1]["message"],
            "'9.99', 'banana' are not controls of ISO/IEC 27002:2022: name controls such as 8.13"
        );

        // Hostile sizes are refused, naming the field, without echoing them back.
        let res = app
            .post_json(
                "/api/v1/host-groups",
                Auth::Bearer(&manager),
                json!({"name": "x".repeat(101), "excluded_controls": "9.9,".repeat(1000)}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", res.body);
        assert!(res.body.len() < 2000, "{}", res.body);
        assert!(res.body.contains("at most 2000 characters"));

        // A Greek name has no Latin letters for a key: the group is numbered.
        let res = app
            .post_json(
                "/api/v1/host-groups",
                Auth::Bearer(&manager),
                json!({"name": "Σημεία πώλησης", "description": "Ταμεία καταστημάτων",
                       "excluded_controls": ["A.8.13", "8.14", "8.13"]}),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let pos = res.json();
        assert_eq!(pos["key"], "group-3");
        assert_eq!(pos["excluded_controls"], json!(["8.13", "8.14"]));
        assert_eq!(pos["is_default"], false);
        let res = app
            .post_json(
                "/api/v1/host-groups",
                Auth::Bearer(&manager),
                json!({"name": "σημεία ΠΏΛΗΣΗΣ"}),
            )
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "names are unique"
        );
        let res = app
            .post_json(
                "/api/v1/host-groups",
                Auth::Bearer(&manager),
                json!({"name": "Kiosks", "key": "Kiosks!"}),
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["error"]["details"][0]["field"], "key");

        // It becomes the default: the servers stop being it.
        let g = app
            .get("/api/v1/host-groups/group-3", Auth::Bearer(&viewer))
            .await;
        let tag = etag(&g);
        let body =
            json!({"name": "Σημεία πώλησης", "is_default": true, "excluded_controls": "8.13"});
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/host-groups/group-3",
            &manager,
            Some(&tag),
            body.clone(),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/host-groups/group-3",
            &manager,
            Some(&tag),
            body,
        )
        .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "a stale write is refused");
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/host-groups/group-3",
            &manager,
            None,
            json!({"name": "Σημεία πώλησης", "key": "POS!", "is_default": true}),
        )
        .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "a key never changes"
        );
        assert_eq!(res.json()["error"]["details"][0]["field"], "key");
        let groups = app
            .get("/api/v1/host-groups", Auth::Bearer(&viewer))
            .await
            .json();
        let defaults: Vec<&str> = groups
            .as_array()
            .unwrap()
            .iter()
            .filter(|g| g["is_default"] == true)
            .map(|g| g["key"].as_str().unwrap())
            .collect();
        assert_eq!(defaults, ["group-3"]);
        // A new host joins it.
        let res = app
            .post_json(
                "/api/v1/scans",
                Auth::Bearer(&admin),
                backup_report("till-01", "fail", None),
            )
            .await;
        assert_eq!(res.status, StatusCode::CREATED, "{}", res.body);
        let h = app
            .get("/api/v1/hosts/till-01", Auth::Bearer(&viewer))
            .await;
        assert_eq!(h.json()["group_name"], "Σημεία πώλησης");

        // The default cannot stop being it, nor go; a group with hosts cannot go.
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/host-groups/group-3",
            &manager,
            None,
            json!({"name": "Σημεία πώλησης", "is_default": false}),
        )
        .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(res.json()["error"]["details"][0]["field"], "is_default");
        let res = app
            .delete("/api/v1/host-groups/group-3", Auth::Bearer(&manager))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "{}", res.body);
        let res = send_json(
            &app,
            "PUT",
            "/api/v1/host-groups/servers",
            &manager,
            None,
            json!({"name": "Servers", "is_default": true}),
        )
        .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
        let res = app
            .delete("/api/v1/host-groups/group-3", Auth::Bearer(&manager))
            .await;
        assert_eq!(res.status, StatusCode::CONFLICT, "1 host is in it");
        assert!(
            res.json()["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("1 host is in Σημεία πώλησης"),
            "{}",
            res.body
        );

        // The pages: the list in Greek, a group removed after its confirmation.
        let b = app.browser_as(Role::Manager).await;
        let page = app.get("/host-groups", Auth::Browser(&b)).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(page.body.contains("Σημεία πώλησης"));
        assert!(page.body.contains("Information backup") || page.body.contains("8.13"));
        let res = app
            .post_form(
                "/host-groups",
                Auth::Browser(&b),
                &[("name", "Kiosks"), ("excluded_controls", "8.13, nonsense")],
            )
            .await;
        assert_eq!(res.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(res.body.contains("&#39;nonsense&#39; is not a control"));
        assert!(res.body.contains("value=\"Kiosks\""), "the input is kept");
        let res = app
            .post_form("/host-groups", Auth::Browser(&b), &[("name", "Kiosks")])
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        assert_eq!(res.location(), "/host-groups/kiosks?notice=group-saved");
        let res = app
            .post_form("/host-groups/kiosks/delete", Auth::Browser(&b), &[])
            .await;
        assert_eq!(
            res.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "not confirmed"
        );
        assert!(res.body.contains("tick the box"));
        let res = app
            .post_form(
                "/host-groups/kiosks/delete",
                Auth::Browser(&b),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status, StatusCode::SEE_OTHER, "{}", res.body);
        let res = app
            .get("/api/v1/host-groups/kiosks", Auth::Bearer(&viewer))
            .await;
        assert_eq!(res.status, StatusCode::NOT_FOUND);
        let vb = app.browser_as(Role::Viewer).await;
        let res = app
            .post_form(
                "/host-groups/group-3/delete",
                Auth::Browser(&vb),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(res.status, StatusCode::FORBIDDEN);
    });
}
