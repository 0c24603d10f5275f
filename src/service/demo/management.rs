//! The demo organisation's management system around the controls (issue 20's registers):
//! the issues of its context and its approved scope, made through their use cases as a person
//! would.

use crate::error::Result;
use crate::service::Ctx;

/// Seven issues of the context, inside and outside, one of them due for review and one
/// linked to the risks it gave rise to; the scope written in full and approved, then changed
/// (an office opened since), so that it waits for its next approval.
pub(super) async fn context(ctx: &Ctx, risks: &[String]) -> Result<usize> {
    use crate::registers::context::domain::{IssueInput, ScopeText};
    use crate::registers::context::service;
    let day = |n: i64| crate::domain::input::days_after(&ctx.today(), n).unwrap_or_default();
    let issues: [(&str, &str, &str, &str, &str, i64); 7] = [
        (
            "Most staff work from home three days a week",
            "internal",
            "organisational",
            "Laptops and home networks carry customer data outside the office; the ISMS must reach them.",
            "risk",
            -90,
        ),
        (
            "Growth through the acquisition of a smaller payroll firm",
            "internal",
            "strategic",
            "Its systems and people join the scope within a year; their practices are unknown yet.",
            "both",
            -30,
        ),
        (
            "A small security team of three",
            "internal",
            "organisational",
            "Controls must be automated and owned by the teams that run the systems.",
            "risk",
            -400,
        ),
        (
            "Customers ask for an ISO/IEC 27001 certificate in tenders",
            "external",
            "economic",
            "Certification is a condition of most new contracts: the ISMS must be auditable.",
            "opportunity",
            -60,
        ),
        (
            "NIS2 brings payroll providers of our size into national law",
            "external",
            "legal",
            "Notification deadlines and management accountability apply to us from this year.",
            "risk",
            -45,
        ),
        (
            "Ransomware groups target payroll providers before pay day",
            "external",
            "technological",
            "Backups, recovery and incident response must hold at the end of every month.",
            "risk",
            -20,
        ),
        (
            "Main data centre region in a flood zone",
            "external",
            "environmental",
            "The cloud host's second region must be usable for the customer portal.",
            "risk",
            -150,
        ),
    ];
    let mut made = 0;
    for (i, (title, side, category, effect, bearing, reviewed)) in issues.into_iter().enumerate() {
        service::create(
            ctx,
            &IssueInput {
                title: title.into(),
                side: side.into(),
                category: category.into(),
                effect: effect.into(),
                bearing: bearing.into(),
                risks: if i == 5 {
                    risks.iter().take(2).cloned().collect::<Vec<_>>().join(", ")
                } else {
                    String::new()
                },
                owner: "security0@example.org".into(),
                reviewed_on: day(reviewed),
                // Reviewed yearly: the one looked at 400 days ago is due.
                review_due: day(reviewed + 365),
                ..Default::default()
            },
        )
        .await?;
        made += 1;
    }
    let (scope, _) = service::scope(ctx).await?;
    let text = ScopeText {
        statement: "The payroll and HR services the organisation provides to its customers: their development, operation and support, and the information of customers and staff they process.".into(),
        boundaries: "The head office and the staff working from home; the customer portal, the payroll application and the CRM with the cloud hosting they run on; every employee and contractor. Not the canteen or the building's own systems, which the landlord runs.".into(),
        interfaces: "Customers' HR offices send and receive payroll files through the portal; banks receive payment files; the tax authority receives filings.".into(),
        dependencies: "Nimbus Cloud Hosting runs the servers and databases; the mail provider carries e-mail; the landlord provides physical security of the building.".into(),
        exclusions: String::new(),
    };
    let written = service::update_scope(ctx, Some(scope.revision), &text).await?;
    service::approve_scope(
        ctx,
        Some(written.revision),
        "Approved by the management board",
    )
    .await?;
    let grown = ScopeText {
        boundaries: format!(
            "{} Since then, the new branch office as well.",
            text.boundaries
        ),
        ..text
    };
    let now = service::scope(ctx).await?.0;
    service::update_scope(ctx, Some(now.revision), &grown).await?;
    Ok(made)
}

/// The roles of the ISMS: top management, the ISMS manager, risk and asset owners from the
/// teams, an internal auditor from outside the security team, and an incident manager.
pub(super) async fn roles(ctx: &Ctx) -> Result<usize> {
    use crate::registers::responsibility::{domain::RoleInput, service};
    let roles = [
        (
            "Management board",
            "top_management",
            "Sets the direction of the ISMS, approves the policy, the scope and the risk appetite, provides resources and holds the management review.",
            "Approves the policy, the scope and accepted risks.",
            "ceo@example.org",
        ),
        (
            "ISMS manager",
            "isms_manager",
            "Runs the ISMS day to day: the risk assessment, the Statement of Applicability, the internal audit programme, reporting to the board.",
            "Decides how controls are implemented within the approved budget.",
            "security0@example.org",
        ),
        (
            "Risk owners",
            "risk_owner",
            "Decide how their risks are treated and accept what remains.",
            "Accept residual risk within the appetite.",
            "it0@example.org, hr0@example.org, ops0@example.org",
        ),
        (
            "Asset owners",
            "asset_owner",
            "Keep their assets classified, their access reviewed and their backups tested.",
            "Grant access to their assets.",
            "it0@example.org, dev0@example.org",
        ),
        (
            "Internal auditor",
            "internal_auditor",
            "Audits the ISMS against the standard and its own rules, independently of what they audit.",
            "Records findings; asks for any record.",
            "internal.audit@example.org",
        ),
        (
            "Incident manager",
            "incident_manager",
            "Leads the handling of incidents and the notifications they need.",
            "Calls in anyone needed; decides on containment.",
            "security0@example.org",
        ),
    ];
    let mut made = 0;
    for (name, kind, responsibilities, authority, holders) in roles {
        service::create(
            ctx,
            &RoleInput {
                name: name.into(),
                kind: kind.into(),
                responsibilities: responsibilities.into(),
                authority: authority.into(),
                holders: holders.into(),
                ..Default::default()
            },
        )
        .await?;
        made += 1;
    }
    Ok(made)
}

/// An objective measured by an indicator Annex computes (measured at once) and one measured
/// by hand with a year of monthly values.
pub(super) async fn objectives(ctx: &Ctx) -> Result<usize> {
    use crate::registers::objective::domain::{KpiInput, MeasurementInput, ObjectiveInput};
    use crate::registers::objective::service;
    let day = |n: i64| crate::domain::input::days_after(&ctx.today(), n).unwrap_or_default();
    let o = service::create_objective(
        ctx,
        &ObjectiveInput {
            title: "95% of applicable controls implemented by the end of next year".into(),
            description: "Finish the measures of the treatment plan; the ISMS manager reports progress to the board each quarter.".into(),
            owner: "security0@example.org".into(),
            due_on: day(390),
            ..Default::default()
        },
    )
    .await?;
    service::create_kpi(
        ctx,
        &KpiInput {
            objective: o.id.clone(),
            name: "Applicable controls implemented".into(),
            metric: "controls_implemented".into(),
            target: "95".into(),
            owner: "security0@example.org".into(),
            ..Default::default()
        },
    )
    .await?;
    let phishing = service::create_kpi(
        ctx,
        &KpiInput {
            objective: o.id,
            name: "Staff who clicked the phishing simulation".into(),
            definition: "Share of the staff sent the monthly simulated phishing e-mail who clicked its link.".into(),
            unit: "%".into(),
            target: "5".into(),
            direction: "at_most".into(),
            owner: "security0@example.org".into(),
            ..Default::default()
        },
    )
    .await?;
    for (i, value) in [
        18.0, 16.5, 15.0, 14.2, 12.0, 11.5, 9.8, 9.0, 8.1, 7.4, 6.2, 5.5,
    ]
    .into_iter()
    .enumerate()
    {
        service::record(
            ctx,
            &phishing.id,
            &MeasurementInput {
                period: day(-30 * (11 - i as i64)),
                value: value.to_string(),
                note: String::new(),
            },
        )
        .await?;
    }
    Ok(2)
}

/// The internal audit programme of the current cycle: an audit of performance evaluation and
/// of access control done last month by the internal auditor (a minor nonconformity on 5.18
/// and an opportunity for improvement), and the next audit planned. Returns the audits made
/// and the nonconformity found.
pub(super) async fn internal_audits(ctx: &Ctx) -> Result<(usize, String)> {
    use crate::registers::internal_audit::domain::{AuditInput, ItemInput, ProgrammeInput};
    use crate::registers::internal_audit::domain_finding::FindingInput;
    use crate::registers::internal_audit::{service, service_checklist};
    let day = |n: i64| crate::domain::input::days_after(&ctx.today(), n).unwrap_or_default();
    let p = service::create_programme(
        ctx,
        &ProgrammeInput {
            title: "Internal audit programme of the certification cycle".into(),
            starts_on: day(-300),
            owner: "security0@example.org".into(),
            notes: "Every clause and every applicable control is audited once in the three years; access control and operations every year.".into(),
            ..Default::default()
        },
    )
    .await?;
    let done = service::create_audit(
        ctx,
        &AuditInput {
            programme: p.id.clone(),
            title: "Performance evaluation and access control".into(),
            clauses: "9".into(),
            controls: "5.15-5.18".into(),
            criteria: "ISO/IEC 27001:2022 clause 9; the access control policy".into(),
            starts_on: day(-40),
            ends_on: day(-38),
            lead: "internal.audit@example.org".into(),
            auditees: "IT operations, the ISMS manager".into(),
            ..Default::default()
        },
    )
    .await?;
    let finding =
        |kind: &str, title: &str, clause: Option<&str>, control: Option<&str>| FindingInput {
            audit: done.id.clone(),
            kind: kind.into(),
            title: title.into(),
            clause: clause.map(str::to_string),
            control: control.map(str::to_string),
            owner: "it0@example.org".into(),
            raised_on: day(-39),
            ..Default::default()
        };
    let nc = service::create_finding(
        ctx,
        &FindingInput {
            description: "Of ten accounts sampled, three kept the rights of a former job for more than three months.".into(),
            requirement: "Access control policy: rights are reviewed every six months and on a change of job.".into(),
            ..finding("minor", "Access rights not reviewed after changes of job", None, Some("5.18"))
        },
    )
    .await?;
    service::create_finding(
        ctx,
        &finding(
            "ofi",
            "Report the indicators to the board every quarter, not once a year",
            Some("9.1"),
            None,
        ),
    )
    .await?;
    let items: Vec<ItemInput> = ["9.1", "9.2", "9.3"]
        .iter()
        .map(|c| (format!("clause:{c}"), "conforms"))
        .chain(
            ["5.15", "5.16", "5.17"]
                .iter()
                .map(|c| (format!("control:{c}"), "conforms")),
        )
        .chain([("control:5.18".to_string(), "finding")])
        .map(|(key, result)| ItemInput {
            key,
            result: result.into(),
            note: String::new(),
        })
        .collect();
    service_checklist::record_results(ctx, &done.id, &items).await?;
    let now = service::audit(ctx, &done.id).await?;
    let mut v = AuditInput::from(&now);
    v.status = "completed".into();
    v.conclusion = format!(
        "Monitoring, internal audit and management review work as planned. Access rights are granted and removed as the policy says but not reviewed after changes of job ({}).",
        nc.id
    );
    service::update_audit(ctx, &done.id, Some(now.revision), &v).await?;
    service::create_audit(
        ctx,
        &AuditInput {
            programme: p.id,
            title: "Context, leadership and planning; technological controls".into(),
            clauses: "4.1-6.3".into(),
            controls: "8.1-8.8".into(),
            starts_on: day(45),
            ends_on: day(47),
            lead: "internal.audit@example.org".into(),
            ..Default::default()
        },
    )
    .await?;
    Ok((2, nc.id))
}

/// The audit's nonconformity corrected, its cause found by asking why, removed by an action
/// and closed as effective; and a nonconformity noticed in operations whose action is late.
pub(super) async fn nonconformities(ctx: &Ctx, finding: &str) -> Result<usize> {
    use crate::registers::improvement::domain::{ActionInput, NonconformityInput, ReviewInput};
    use crate::registers::improvement::service;
    let day = |n: i64| crate::domain::input::days_after(&ctx.today(), n).unwrap_or_default();
    let nc = service::create(
        ctx,
        &NonconformityInput {
            title: "Access rights not reviewed after changes of job".into(),
            source: "finding".into(),
            source_ref: Some(finding.to_string()),
            control: Some("5.18".into()),
            owner: "it0@example.org".into(),
            raised_on: day(-37),
            correction: "The three accounts were given the rights of their current jobs only.".into(),
            corrected_on: Some(day(-36)),
            whys: vec![
                "The accounts kept the rights of the former jobs.".into(),
                "No one reviewed them when the people moved.".into(),
                "IT did not know the people had moved.".into(),
                "HR records a change of job in the payroll system only.".into(),
            ],
            root_cause: "Nothing tells IT when someone changes job, so no review of their rights is started.".into(),
            ..Default::default()
        },
    )
    .await?;
    let a = service::create_action(
        ctx,
        &ActionInput {
            nonconformity: nc.id.clone(),
            title: "HR's change-of-job form opens an access review ticket for IT".into(),
            owner: "hr0@example.org".into(),
            due_on: day(-10),
            ..Default::default()
        },
    )
    .await?;
    let mut done = ActionInput::from(&a);
    done.status = "done".into();
    done.done_on = Some(day(-12));
    service::update_action(ctx, &a.id, Some(a.revision), &done).await?;
    service::review(
        ctx,
        &nc.id,
        None,
        &ReviewInput {
            effective: true,
            note: "Eight changes of job since the form changed: each opened a ticket and was reviewed within a week.".into(),
        },
    )
    .await?;
    let late = service::create(
        ctx,
        &NonconformityInput {
            title: "The monthly restore test of the payroll database was skipped in October".into(),
            source: "manual".into(),
            owner: "ops0@example.org".into(),
            raised_on: day(-20),
            correction: "The restore was tested on the 3rd of the next month: it worked.".into(),
            corrected_on: Some(day(-18)),
            whys: vec![
                "The engineer who runs it was on leave.".into(),
                "No one else knew the procedure.".into(),
            ],
            root_cause: "The restore test depends on one person.".into(),
            ..Default::default()
        },
    )
    .await?;
    service::create_action(
        ctx,
        &ActionInput {
            nonconformity: late.id,
            title: "Write the restore procedure down and train a second engineer".into(),
            owner: "ops0@example.org".into(),
            due_on: day(-3),
            ..Default::default()
        },
    )
    .await?;
    Ok(2)
}

/// This year's management review, held with its pack frozen, its decisions and an action;
/// and next year's planned.
pub(super) async fn reviews(ctx: &Ctx) -> Result<usize> {
    use crate::registers::review::domain::{ReviewActionInput, ReviewInput};
    use crate::registers::review::service;
    let day = |n: i64| crate::domain::input::days_after(&ctx.today(), n).unwrap_or_default();
    let r = service::create(
        ctx,
        &ReviewInput {
            title: "Management review of the year".into(),
            planned_on: day(-5),
            chair: "ceo@example.org".into(),
            attendees: "The board, the ISMS manager, the internal auditor".into(),
            feedback: "Two customers asked for the certificate in their tenders.\nThe works council asked how home working is protected.".into(),
            ..Default::default()
        },
    )
    .await?;
    let held = service::hold(ctx, &r.id, None).await?;
    let mut v = ReviewInput::from(&held.review);
    v.decisions = "The ISMS remains suitable. Certification audit to be booked for next spring. Budget approved for a second security engineer.".into();
    service::update(ctx, &r.id, Some(held.review.revision), &v).await?;
    service::create_action(
        ctx,
        &r.id,
        &ReviewActionInput {
            title: "Book the certification audit".into(),
            owner: "security0@example.org".into(),
            due_on: day(60),
            status: String::new(),
        },
    )
    .await?;
    service::create(
        ctx,
        &ReviewInput {
            title: "Management review of next year".into(),
            planned_on: day(360),
            chair: "ceo@example.org".into(),
            ..Default::default()
        },
    )
    .await?;
    Ok(2)
}
