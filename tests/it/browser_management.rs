//! Issue 20's "Done when" in headless Chromium, on SQLite and PostgreSQL: the ISMS manager
//! writes the scope and an issue, sets the objective "95% of applicable controls implemented"
//! whose indicator Annex computes, and plans an internal audit of clause 9 and controls
//! 5.15–5.18 with an independent auditor; the auditor records a minor nonconformity on 5.18 and
//! raises it; its owner records the root cause and a corrective action, done; the manager
//! reviews it as effective and it closes; the management review's pack shows the indicator's
//! trend, the audit result and the closed action; the readiness page shows every clause.

use crate::browser::{
    Journey, choose, click, set_date, set_up_annex, type_into, wait_for, wait_for_notice,
};
use crate::browser_documents::sign_in;
use crate::harness::Auth;
use annex::domain::user::Role;
use axum::http::StatusCode;
use serde_json::json;

#[tokio::test]
async fn the_isms_manager_runs_the_check_and_act_of_the_cycle_in_a_browser() {
    for db in crate::harness::databases().await {
        journey(db).await;
    }
}

async fn journey(db: crate::harness::TestDb) {
    let Some(j) = Journey::start_on(db).await else {
        return;
    };
    let c = &j.client;
    set_up_annex(&j).await;
    let manager = j.app.add_user(Role::Manager).await;
    let auditor = j.app.add_user(Role::Auditor).await;
    let owner = j.app.add_user(Role::Contributor).await;
    let today = j.app.store.today();
    let day = |n: i64| annex::domain::input::days_after(&today, n).unwrap();
    // The SoA as the organisation has it: 5.15 implemented, 5.18 partly, owned by the owner.
    let token = j.app.token_as(Role::Manager).await;
    for (control, status) in [("5.15", "implemented"), ("5.18", "partially_implemented")] {
        let res = j
            .app
            .put_json(
                &format!("/api/v1/soa/iso27002-2022/{control}"),
                Auth::Bearer(&token),
                json!({"applicable": "yes", "reasons": "risk_treatment", "status": status, "owner": owner}),
            )
            .await;
        assert_eq!(res.status, StatusCode::OK, "{}", res.body);
    }
    sign_in(&j, &manager).await;

    // 1. The scope and an issue of the context.
    c.goto(&j.url("/context/scope"))
        .await
        .expect("open the scope");
    wait_for(c, "the scope form", "form[action='/context/scope']").await;
    type_into(
        c,
        "#statement",
        "Payroll services for customers in Greece and Czechia",
    )
    .await;
    click(c, "form[action='/context/scope'] button[type='submit']").await;
    wait_for_notice(
        c,
        "The scope was saved. Approve it once it says what it should.",
    )
    .await;
    c.goto(&j.url("/context")).await.expect("open the context");
    type_into(c, "#title", "Customers ask for a certificate in tenders").await;
    choose(c, "#side", "external").await;
    type_into(c, "#effect", "The ISMS must be certifiable").await;
    click(c, "form[action='/context/issues'] button[type='submit']").await;
    wait_for_notice(c, "The issue was saved.").await;

    // 2. The objective and its computed indicator.
    c.goto(&j.url("/objectives"))
        .await
        .expect("open the objectives");
    type_into(
        c,
        "form[action='/objectives'] #title",
        "95% of applicable controls implemented",
    )
    .await;
    click(c, "form[action='/objectives'] button[type='submit']").await;
    wait_for_notice(c, "The objective was saved.").await;
    c.goto(&j.url("/objectives"))
        .await
        .expect("open the objectives");
    type_into(
        c,
        "form[action='/kpis'] #name",
        "Applicable controls implemented",
    )
    .await;
    choose(c, "form[action='/kpis'] #objective", "OBJ-0001").await;
    choose(c, "form[action='/kpis'] #metric", "controls_implemented").await;
    type_into(c, "form[action='/kpis'] #target", "95").await;
    click(c, "form[action='/kpis'] button[type='submit']").await;
    wait_for_notice(c, "The indicator was saved.").await;
    let body = c.source().await.expect("the indicator's page");
    assert!(
        body.contains("50"),
        "measured at once: 1 of 2 controls implemented"
    );

    // 3. The audit programme and the audit of clause 9 and 5.15–5.18, by an independent auditor.
    c.goto(&j.url("/internal-audits"))
        .await
        .expect("open internal audit");
    type_into(c, "#p-title", "Internal audits of the cycle").await;
    set_date(c, "#p-starts", &day(-30)).await;
    click(
        c,
        "form[action='/internal-audits/programmes'] button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The audit programme was saved.").await;
    c.goto(&j.url("/internal-audits"))
        .await
        .expect("open internal audit");
    type_into(c, "#a-title", "Performance evaluation and access control").await;
    type_into(c, "#a-clauses", "9").await;
    type_into(c, "#a-controls", "5.15–5.18").await;
    set_date(c, "#a-starts", &today).await;
    type_into(c, "#a-lead", &auditor).await;
    click(
        c,
        "form[method='post'][action='/internal-audits'] button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The audit was saved.").await;
    let body = c.source().await.expect("the audit's page");
    assert!(
        body.contains("no auditor owns what the audit covers"),
        "{body}"
    );

    // 4. The auditor records a minor nonconformity on 5.18 and raises it.
    sign_in(&j, &auditor).await;
    c.goto(&j.url("/internal-audits/IA-0001"))
        .await
        .expect("open the audit");
    choose(c, "#f-kind", "minor").await;
    type_into(
        c,
        "#f-title",
        "Access rights not reviewed after changes of job",
    )
    .await;
    type_into(c, "#f-control", "5.18").await;
    type_into(c, "#f-owner", &owner).await;
    click(
        c,
        "form[action='/internal-audits/IA-0001/findings'] button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The finding was saved.").await;
    click(c, "form[action='/nonconformities'] button[type='submit']").await;
    wait_for_notice(c, "The nonconformity was saved.").await;

    // 5. The owner finds the root cause and plans an action, then marks it done.
    sign_in(&j, &owner).await;
    c.goto(&j.url("/nonconformities/NC-0001"))
        .await
        .expect("open the nonconformity");
    type_into(c, "#why1", "IT did not know the people had moved").await;
    type_into(c, "#why2", "HR records moves in the payroll system only").await;
    type_into(c, "#e-root", "Nothing tells IT when someone changes job").await;
    click(
        c,
        "form[action='/nonconformities/NC-0001'] button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The nonconformity was saved.").await;
    type_into(
        c,
        "#a-title",
        "HR's change-of-job form opens a ticket for IT",
    )
    .await;
    set_date(c, "#a-due", &day(14)).await;
    click(
        c,
        "form[action='/nonconformities/NC-0001/actions'] button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The corrective action was saved.").await;
    c.goto(&j.url("/corrective-actions/CA-0001"))
        .await
        .expect("open the action");
    choose(c, "#a-status", "done").await;
    click(
        c,
        "form[action='/corrective-actions/CA-0001'] button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The corrective action was saved.").await;

    // 6. The manager reviews it as effective: it closes.
    sign_in(&j, &manager).await;
    c.goto(&j.url("/nonconformities/NC-0001"))
        .await
        .expect("open the nonconformity");
    type_into(c, "#r-note", "Every move since reached IT within a week").await;
    click(
        c,
        "form[action='/nonconformities/NC-0001/review'] button[type='submit']",
    )
    .await;
    wait_for_notice(
        c,
        "The actions were effective: the nonconformity is closed.",
    )
    .await;

    // The audit is completed with its conclusion.
    c.goto(&j.url("/internal-audits/IA-0001"))
        .await
        .expect("open the audit");
    choose(c, "#e-status", "completed").await;
    type_into(
        c,
        "#e-conclusion",
        "Clause 9 conforms; one minor nonconformity on 5.18.",
    )
    .await;
    click(
        c,
        "form[action='/internal-audits/IA-0001'] button[type='submit']",
    )
    .await;
    wait_for_notice(c, "The audit was saved.").await;

    // 7. The management review's pack: the trend, the audit result, the closed action.
    c.goto(&j.url("/reviews")).await.expect("open the reviews");
    type_into(c, "#title", "Ανασκόπηση διοίκησης").await;
    set_date(c, "#planned_on", &today).await;
    type_into(c, "#chair", &manager).await;
    click(c, "form[action='/reviews'] button[type='submit']").await;
    wait_for_notice(c, "The review was saved.").await;
    let body = c.source().await.expect("the review's page");
    for want in [
        "<svg",
        "Applicable controls implemented",
        "IA-0001",
        "clauses 9.1, 9.2, 9.3",
        "HR's change-of-job form opens a ticket for IT",
        "closed",
    ] {
        assert!(body.contains(want), "the pack shows {want}");
    }
    click(
        c,
        "form[action='/reviews/MR-0001/hold'] button[type='submit']",
    )
    .await;
    wait_for_notice(
        c,
        "The review is held: its input pack is frozen by its SHA-256.",
    )
    .await;

    // 8. Readiness as a stage-1 checklist: every clause with its status.
    c.goto(&j.url("/soa/gaps")).await.expect("open readiness");
    wait_for(c, "the checklist", "table.list").await;
    let body = c.source().await.expect("the readiness page");
    for (id, _) in annex::domain::clauses::CLAUSES {
        assert!(
            body.contains(&format!("<strong>{id}</strong>")),
            "clause {id} is listed"
        );
    }
    assert!(body.contains("stage-1 checklist"), "{body}");
    j.finish("management system").await;
}
