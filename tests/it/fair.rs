//! Quantitative risk (FAIR): ranges set and refused through the API, the page and the CLI;
//! the simulation's numbers against the analytic means, reproducible by seed; the residual
//! ranges applied once the risk has a measure; the plan's cost and return; the risk appetite
//! and its breaches; exports; roles and the audit trail — on every database.

use crate::cli::annex;
use crate::harness::{Auth, databases};
use crate::on_every_database;
use annex::domain::audit::AuditFilter;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::{Value, json};

/// Loss events 0.5–2–6 a year, 10k–50k–500k each; after the plan 0.1–0.3–1 a year.
fn ranges() -> Value {
    json!({
        "current": {"model": "simple",
            "lef": {"min": 0.5, "mode": 2, "max": 6},
            "lm": {"min": "10k", "mode": "50k", "max": "500k"}},
        "residual": {"model": "simple",
            "lef": {"min": 0.1, "mode": 0.3, "max": 1},
            "lm": {"min": "10k", "mode": "50k", "max": "500k"}}
    })
}

fn pert_mean(min: f64, mode: f64, max: f64) -> f64 {
    (min + 4.0 * mode + max) / 6.0
}

fn field_names(body: &Value) -> Vec<String> {
    body["error"]["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap().to_string())
        .collect()
}

fn risk<'a>(a: &'a Value, id: &str) -> &'a Value {
    a["risks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == id)
        .unwrap_or_else(|| panic!("no {id} in {a}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[tokio::test]
async fn a_risk_manager_quantifies_risks_and_sees_what_the_treatment_plan_buys() {
    on_every_database!(|app| {
        app.set_up().await;
        let manager = app.token_as(Role::Manager).await;
        let auth = || Auth::Bearer(&manager);
        for (id, title) in [
            ("R-1", "Ransomware on the file server"),
            ("R-2", "Phishing of the finance team"),
        ] {
            let r = app.post_json("/api/v1/risks", auth(), json!({"owner": "risk.owner@example.org", "id": id, "title": title, "inherent_likelihood": 4, "inherent_impact": 4})).await;
            assert_eq!(r.status, StatusCode::CREATED, "{}", r.body);
        }

        // Nothing quantified yet: an empty portfolio, and no estimate to read.
        let a = app.get("/api/v1/risks/simulation", auth()).await;
        assert_eq!(a.status, StatusCode::OK, "{}", a.body);
        assert_eq!(a.json()["risks"], json!([]));
        assert_eq!(
            app.get("/api/v1/risks/R-1/estimate", auth()).await.status,
            StatusCode::NOT_FOUND
        );

        // Ranges for R-1 (short form) and R-2 (full tree with a lognormal loss).
        let r = app
            .put_json("/api/v1/risks/R-1/estimate", auth(), ranges())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.json()["fair"]["current"]["lef"]["mode"], 2.0);
        let tree = json!({"current": {"model": "tree",
            "tef": {"min": 2, "mode": 6, "max": 20},
            "vulnerability": {"min": "5%", "mode": "10%", "max": "30%"},
            "primary_loss": {"distribution": "lognormal", "min": "5k", "max": "200k"},
            "secondary_frequency": {"min": 0, "mode": 0.1, "max": 0.3},
            "secondary_loss": {"min": "10k", "mode": "20k", "max": "1M"}}});
        let r = app
            .put_json("/api/v1/risks/R-2/estimate", auth(), tree.clone())
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let stored = app.get("/api/v1/risks/R-2/estimate", auth()).await.json();
        assert_eq!(stored["fair"]["current"]["model"], "tree");
        assert_eq!(stored["fair"]["residual"], Value::Null);
        assert_eq!(
            stored["fair"]["current"]["primary_loss"]["distribution"],
            "lognormal"
        );

        // The simulation: means close to the analytic ones; before = after while R-1 has no measure.
        let a = app
            .get("/api/v1/risks/simulation?seed=7", auth())
            .await
            .json();
        assert_eq!(a["iterations"], 100_000);
        assert_eq!(a["currency"], "EUR");
        // Empty parameters are the defaults, as the API document declares.
        let empty = app
            .get("/api/v1/risks/simulation?iterations=1000&seed=", auth())
            .await;
        assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
        let r1 = risk(&a, "R-1");
        let analytic = pert_mean(0.5, 2.0, 6.0) * pert_mean(1e4, 5e4, 5e5);
        let mean = f(&r1["current"]["mean"]);
        assert!(
            (mean - analytic).abs() / analytic < 0.01,
            "{mean} vs {analytic}"
        );
        assert_eq!(r1["treated"], false);
        assert_eq!(r1["current"], r1["residual"]);
        assert!(r1["current"]["lec"].as_array().unwrap().len() >= 100);
        let portfolio = f(&a["current"]["mean"]);
        let sum = mean + f(&risk(&a, "R-2")["current"]["mean"]);
        assert!((portfolio - sum).abs() / sum < 1e-6, "{portfolio} vs {sum}");
        let tail: f64 = a["risks"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| f(&r["tail_current"]))
            .sum();
        assert!((tail - f(&a["current_shortfall"])).abs() / tail < 1e-6);

        // Reproducible: the same seed, the same numbers; another seed, others.
        let again = app
            .get("/api/v1/risks/simulation?seed=7", auth())
            .await
            .json();
        assert_eq!(again, a);
        let other = app
            .get("/api/v1/risks/simulation?seed=8", auth())
            .await
            .json();
        assert_ne!(other["current"]["mean"], a["current"]["mean"]);

        // A measure with a cost in R-1's plan: its residual ranges now count.
        let m = app
            .post_json(
                "/api/v1/measures",
                auth(),
                json!({"name": "Offline backups", "controls": "8.13", "cost": 20000}),
            )
            .await;
        assert_eq!(m.status, StatusCode::CREATED, "{}", m.body);
        let mid = m.json()["id"].as_str().unwrap().to_string();
        let body = json!({"owner": "risk.owner@example.org", "title": "Ransomware on the file server", "inherent_likelihood": 4, "inherent_impact": 4, "measures": [mid]});
        let r = app.put_json("/api/v1/risks/R-1", auth(), body).await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        let b = app
            .get("/api/v1/risks/simulation?seed=7", auth())
            .await
            .json();
        let r1b = risk(&b, "R-1");
        assert_eq!(r1b["treated"], true);
        assert_eq!(
            r1b["current"], r1["current"],
            "common random numbers: before is unchanged"
        );
        let after = f(&r1b["residual"]["mean"]);
        let analytic_after = pert_mean(0.1, 0.3, 1.0) * pert_mean(1e4, 5e4, 5e5);
        assert!(
            (after - analytic_after).abs() / analytic_after < 0.01,
            "{after} vs {analytic_after}"
        );
        assert!(f(&r1b["residual"]["p99"]) < f(&r1b["current"]["p99"]) / 3.0);
        assert_eq!(r1b["plan_cost"], 20000);
        let reduction = f(&r1b["reduction"]);
        assert!((f(&r1b["return_on_plan"]) - reduction / 20000.0).abs() < 1e-9);
        assert_eq!(b["plan_cost"], 20000);
        assert!(f(&b["residual"]["mean"]) < f(&b["current"]["mean"]));

        // The risk appetite, checked, stored, and compared with the curves.
        let bad = app
            .put_json(
                "/api/v1/risk-appetite",
                auth(),
                json!({"currency": "euro", "loss_appetite": "1M 10%"}),
            )
            .await;
        assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(field_names(&bad.json()), ["currency", "loss_appetite"]);
        let ok = app
            .put_json(
                "/api/v1/risk-appetite",
                auth(),
                json!({"currency": "gbp", "loss_appetite": "100k: 50%; 1M: 1%"}),
            )
            .await;
        assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
        assert_eq!(
            ok.json(),
            json!({"currency": "GBP", "loss_appetite": "100,000: 50%; 1,000,000: 1%"})
        );
        let c = app
            .get("/api/v1/risks/simulation?seed=7", auth())
            .await
            .json();
        assert_eq!(c["currency"], "GBP");
        let breaches = c["breaches"].as_array().unwrap();
        assert!(
            breaches
                .iter()
                .any(|b| b["phase"] == "current" && b["loss"] == 100_000.0),
            "{breaches:?}"
        );

        // Bad ranges are refused by field, and nothing changes.
        let bad = json!({"current": {"model": "simple",
            "lef": {"min": -1, "mode": 2, "max": 6},
            "lm": {"min": "500k", "mode": "50k", "max": "10k"}},
            "residual": {"model": "tree", "tef": {"min": 1, "mode": 2, "max": 3},
            "vulnerability": {"distribution": "lognormal", "min": 0.1, "max": 0.5},
            "primary_loss": {"min": "1k", "mode": "lots", "max": "5k"}}});
        let r = app
            .put_json("/api/v1/risks/R-1/estimate", auth(), bad)
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert_eq!(
            field_names(&r.json()),
            [
                "current.lef.min",
                "current.lm.min",
                "residual.vulnerability.distribution",
                "residual.primary_loss.mode"
            ],
            "{}",
            r.body
        );
        assert!(r.body.contains("above the maximum"), "{}", r.body);
        let r = app
            .put_json(
                "/api/v1/risks/R-1/estimate",
                auth(),
                json!({"current": {"model": "matrix"}}),
            )
            .await;
        assert_eq!(field_names(&r.json()), ["current.model"]);
        assert_eq!(
            app.get("/api/v1/risks/R-1/estimate", auth()).await.json()["fair"]["current"]["lef"]["min"],
            0.5
        );
        let r = app
            .get("/api/v1/risks/simulation?iterations=5&colour=red", auth())
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
        assert_eq!(field_names(&r.json()), ["iterations", "colour"]);
        assert_eq!(
            app.put_json("/api/v1/risks/R-9/estimate", auth(), ranges())
                .await
                .status,
            StatusCode::NOT_FOUND
        );

        // Roles: a viewer reads but does not set; an auditor reads the simulation.
        let viewer = app.token_as(Role::Viewer).await;
        assert_eq!(
            app.get("/api/v1/risks/R-1/estimate", Auth::Bearer(&viewer))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            app.put_json(
                "/api/v1/risks/R-1/estimate",
                Auth::Bearer(&viewer),
                ranges()
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.delete("/api/v1/risks/R-1/estimate", Auth::Bearer(&viewer))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.put_json(
                "/api/v1/risk-appetite",
                Auth::Bearer(&viewer),
                json!({"currency": "EUR"})
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let auditor = app.token_as(Role::Auditor).await;
        assert_eq!(
            app.get("/api/v1/risks/simulation", Auth::Bearer(&auditor))
                .await
                .status,
            StatusCode::OK
        );

        // Removed ranges leave the portfolio; every change is in the audit trail.
        assert_eq!(
            app.delete("/api/v1/risks/R-2/estimate", auth())
                .await
                .status,
            StatusCode::NO_CONTENT
        );
        assert_eq!(
            app.delete("/api/v1/risks/R-2/estimate", auth())
                .await
                .status,
            StatusCode::NOT_FOUND
        );
        let d = app
            .get("/api/v1/risks/simulation?seed=7", auth())
            .await
            .json();
        assert_eq!(d["risks"].as_array().unwrap().len(), 1);
        let trail = app
            .store
            .audit_entries(
                &AuditFilter {
                    object_type: Some("risk".into()),
                    object_id: Some("R-2".into()),
                    ..Default::default()
                },
                50,
            )
            .await
            .unwrap();
        let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
        assert!(
            actions.contains(&"risk.estimate") && actions.contains(&"risk.estimate.clear"),
            "{actions:?}"
        );
        let set = trail.iter().find(|e| e.action == "risk.estimate").unwrap();
        assert!(
            set.after
                .as_deref()
                .unwrap_or_default()
                .contains("lognormal"),
            "{set:?}"
        );
        let org = app
            .store
            .audit_entries(
                &AuditFilter {
                    object_type: Some("organisation".into()),
                    ..Default::default()
                },
                50,
            )
            .await
            .unwrap();
        assert!(org.iter().any(|e| e.action == "organisation.risk_appetite"));
    });
}

#[tokio::test]
async fn ranges_are_entered_on_the_page_and_the_portfolio_page_exports_its_results() {
    on_every_database!(|app| {
        app.set_up().await;
        let manager = app.browser_as(Role::Manager).await;
        let b = || Auth::Browser(&manager);
        let r = app
            .post_form(
                "/risks",
                b(),
                &[
                    ("id", "R-7"),
                    ("title", "Supplier outage"),
                    ("owner", "risk.owner@example.org"),
                    ("inherent_likelihood", "3"),
                    ("inherent_impact", "4"),
                ],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

        // The risk's page invites ranges; the form starts on the short form.
        let page = app.get("/risks/R-7", b()).await;
        assert!(page.body.contains("id=\"quantitative\""), "{}", page.body);
        assert!(page.body.contains("/risks/R-7/estimate") && page.body.contains("Add ranges"));
        let form = app.get("/risks/R-7/estimate", b()).await;
        assert_eq!(form.status, StatusCode::OK);
        assert!(form.body.contains("name=\"current.lef.min\""));

        // A bad range comes back with the error beside its field and the typed values kept.
        let typed = [
            ("current.model", "simple"),
            ("current.lef.min", "1"),
            ("current.lef.mode", "2"),
            ("current.lef.max", "4"),
            ("current.lm.min", "500k"),
            ("current.lm.mode", "50k"),
            ("current.lm.max", "10k"),
            ("residual.model", "none"),
        ];
        let r = app.post_form("/risks/R-7/estimate", b(), &typed).await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
        assert!(
            r.body
                .contains("the minimum (500,000) is above the maximum (10,000)"),
            "{}",
            r.body
        );
        assert!(r.body.contains("value=\"500k\"") && r.body.contains("value=\"10k\""));
        assert!(app.store.risk_fair("R-7").await.unwrap().is_none());

        // Without the CSRF token nothing is saved.
        let mut no_csrf = typed.to_vec();
        no_csrf.push(("_csrf", "forged"));
        assert_eq!(
            app.post_form("/risks/R-7/estimate", b(), &no_csrf)
                .await
                .status,
            StatusCode::BAD_REQUEST
        );

        // Corrected: saved, and the risk's page shows the card with its two charts.
        let mut good = typed.to_vec();
        good[4] = ("current.lm.min", "10k");
        good[6] = ("current.lm.max", "500k");
        let r = app.post_form("/risks/R-7/estimate", b(), &good).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        assert_eq!(
            r.location(),
            "/risks/R-7?notice=estimate-saved#quantitative"
        );
        let page = app.get("/risks/R-7", b()).await;
        assert!(
            page.body.contains("class=\"chart lec\"")
                && page.body.contains("class=\"chart distribution\""),
            "{}",
            page.body
        );
        assert!(page.body.contains("Expected annual loss"));
        assert!(page.body.contains("No residual ranges yet"));

        // The portfolio page, its exports, and the appetite form with a bad value.
        let p = app.get("/risks/quantitative", b()).await;
        assert_eq!(p.status, StatusCode::OK);
        assert!(p.body.contains("Top contributors to tail loss") && p.body.contains("R-7"));
        let csv = app.get("/risks/quantitative.csv", b()).await;
        assert_eq!(csv.status, StatusCode::OK);
        let lines: Vec<&str> = csv.body.lines().collect();
        assert!(lines[0].starts_with("Risk ID,Title,Model,Phase,Currency,Mean"));
        assert_eq!(lines.len(), 5, "{}", csv.body);
        assert!(lines[1].starts_with("R-7,Supplier outage,simple,current,EUR,"));
        assert!(lines[4].starts_with("portfolio,"));
        let curves = app.get("/risks/quantitative/curves.csv?seed=3", b()).await;
        assert!(curves.body.lines().count() > 4 * 100);
        let json = app.get("/risks/quantitative.json", b()).await;
        assert_eq!(json.json()["risks"][0]["id"], "R-7");
        let xlsx = app.get("/risks/quantitative.xlsx", b()).await;
        assert_eq!(xlsx.status, StatusCode::OK);
        let r = app
            .post_form(
                "/risks/quantitative/settings",
                b(),
                &[("currency", "EUR"), ("loss_appetite", "1M: 10%; 10M: 20%")],
            )
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(
            r.body
                .contains("must not be tolerated with a higher chance"),
            "{}",
            r.body
        );
        assert!(r.body.contains("value=\"1M: 10%; 10M: 20%\""));
        let r = app
            .post_form(
                "/risks/quantitative/settings",
                b(),
                &[("currency", "EUR"), ("loss_appetite", "100k: 50%")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let p = app.get("/risks/quantitative", b()).await;
        assert!(p.body.contains("Risk appetite"), "{}", p.body);
        assert_eq!(
            app.get("/risks/quantitative?iterations=abc", b())
                .await
                .status,
            StatusCode::BAD_REQUEST
        );

        // A viewer sees the pages but not the form; removing asks for confirmation.
        let viewer = app.browser_as(Role::Viewer).await;
        assert_eq!(
            app.get("/risks/quantitative", Auth::Browser(&viewer))
                .await
                .status,
            StatusCode::OK
        );
        assert_eq!(
            app.get("/risks/R-7/estimate", Auth::Browser(&viewer))
                .await
                .status,
            StatusCode::FORBIDDEN
        );
        assert_eq!(
            app.post_form(
                "/risks/quantitative/settings",
                Auth::Browser(&viewer),
                &[("currency", "USD")]
            )
            .await
            .status,
            StatusCode::FORBIDDEN
        );
        let r = app
            .post_form("/risks/R-7/estimate", b(), &[("_action", "clear")])
            .await;
        assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
        assert!(r.body.contains("tick the box"));
        assert!(app.store.risk_fair("R-7").await.unwrap().is_some());
        let r = app
            .post_form(
                "/risks/R-7/estimate",
                b(),
                &[("_action", "clear"), ("confirm", "yes")],
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER);
        assert!(app.store.risk_fair("R-7").await.unwrap().is_none());
        assert!(
            app.get("/risks/quantitative", b())
                .await
                .body
                .contains("No risk has ranges yet")
        );
    });
}

#[tokio::test]
async fn the_command_line_sets_ranges_and_simulates_reproducibly() {
    for db in databases().await {
        let out = annex(&db, &["init"]).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let out = annex(
            &db,
            &[
                "risk",
                "add",
                "--owner",
                "risk.owner@example.org",
                "--id",
                "R-3",
                "--title",
                "Laptop theft",
                "--inherent-likelihood",
                "3",
                "--inherent-impact",
                "2",
            ],
        )
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let file = db.dir.path().join("ranges.json");
        std::fs::write(&file, ranges().to_string()).unwrap();

        let none = annex(&db, &["risk", "simulate"]).output().unwrap();
        assert!(!none.status.success());
        assert!(String::from_utf8_lossy(&none.stderr).contains("no risk has ranges yet"));

        let out = annex(
            &db,
            &["risk", "estimate", "R-3", "--set", file.to_str().unwrap()],
        )
        .output()
        .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let shown = annex(&db, &["risk", "estimate", "R-3"]).output().unwrap();
        let shown: Value = serde_json::from_slice(&shown.stdout).unwrap();
        assert_eq!(shown["current"]["lm"]["max"], "500000");

        let bad = db.dir.path().join("bad.json");
        std::fs::write(
            &bad,
            r#"{"current": {"model": "simple", "lef": {"min": 3, "mode": 2, "max": 1}}}"#,
        )
        .unwrap();
        let out = annex(
            &db,
            &["risk", "estimate", "R-3", "--set", bad.to_str().unwrap()],
        )
        .output()
        .unwrap();
        assert!(!out.status.success());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("current.lef.min") && err.contains("current.lm"),
            "{err}"
        );

        let run = |seed: &str| {
            let o = annex(
                &db,
                &[
                    "risk",
                    "simulate",
                    "--seed",
                    seed,
                    "--iterations",
                    "20000",
                    "--format",
                    "json",
                ],
            )
            .output()
            .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            serde_json::from_slice::<Value>(&o.stdout).unwrap()
        };
        let a = run("5");
        assert_eq!(a["iterations"], 20000);
        assert_eq!(a["risks"][0]["id"], "R-3");
        assert_eq!(run("5"), a, "the same seed gives the same numbers");
        assert_ne!(run("6")["current"]["mean"], a["current"]["mean"]);

        let csv = annex(&db, &["risk", "simulate", "--format", "csv"])
            .output()
            .unwrap();
        let csv = String::from_utf8_lossy(&csv.stdout).to_string();
        assert_eq!(csv.lines().count(), 5, "{csv}");
        let table = annex(&db, &["risk", "simulate"]).output().unwrap();
        let table = String::from_utf8_lossy(&table.stdout).to_string();
        assert!(
            table.contains("R-3") && table.contains("portfolio"),
            "{table}"
        );
        let out = annex(&db, &["risk", "simulate", "--iterations", "10"])
            .output()
            .unwrap();
        assert!(!out.status.success());
        assert!(String::from_utf8_lossy(&out.stderr).contains("--iterations 10"));

        let out = annex(&db, &["risk", "estimate", "R-3", "--clear"])
            .output()
            .unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).contains("removed the ranges of R-3"));
        db.cleanup().await;
    }
}
