//! Gap analysis and certification readiness, computed from live data: the implementation of
//! the Statement of Applicability by theme or attribute, and the clauses of ISO/IEC 27001 the
//! SoA work covers, each with its status and the facts behind it.

use super::domain::{ApprovalFacts, GapRow, Readiness, carries, gaps_by, readiness};
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::error::Result;
use crate::registers::soa::domain::SoaRow;
use crate::registers::soa::service as soa;
use crate::service::Ctx;

/// Readiness of the 2022 SoA now.
#[tracing::instrument(name = "readiness", skip_all, fields(actor = %ctx.who()))]
pub async fn now(ctx: &Ctx) -> Result<Readiness> {
    let rows = soa::rows(ctx, DEFAULT_FRAMEWORK).await?;
    of(ctx, &rows).await
}

/// Readiness over the 2022 SoA's rows the caller already has. The registers are read at
/// once (each read on its own connection; none depends on another), and each only once.
#[tracing::instrument(name = "readiness.of", skip_all, fields(actor = %ctx.who()))]
pub async fn of(ctx: &Ctx, rows: &[SoaRow]) -> Result<Readiness> {
    use crate::registers::context::domain::IssueQuery;
    ctx.require_reader()?;
    let today = ctx.today();
    let every_issue = IssueQuery::default();
    let (
        facts,
        approval,
        (documents, people),
        resilience,
        obligations,
        suppliers,
        parties,
        issues,
        scope,
        ownership,
        objectives,
        kpis,
        audit,
        improvement,
        reviews,
    ) = tokio::try_join!(
        super::service_facts::risk_facts(ctx),
        approval_facts(ctx, rows),
        super::service_facts::document_and_people_facts(ctx),
        resilience_steps(ctx),
        crate::registers::obligation::service::attention(ctx),
        crate::registers::supplier::service::attention(ctx),
        crate::registers::party::service::all(ctx),
        crate::registers::context::service::all(ctx, &every_issue),
        crate::registers::context::service::scope(ctx),
        crate::registers::responsibility::service::ownership_view(ctx),
        crate::registers::objective::service::objectives(ctx),
        crate::registers::objective::service::kpis(ctx, None),
        audit_facts(ctx, rows),
        crate::registers::improvement::service::facts(ctx),
        crate::registers::review::service::list(ctx),
    )?;
    let mut r = readiness(rows, &facts, &approval, &documents, &people, &today);
    r.next.extend(resilience);
    let (clause, steps) = supplier_and_obligation_steps(rows, &obligations, &suppliers, &parties);
    r.clauses.insert(0, clause);
    r.next.extend(steps);
    let context = context_facts(&issues, &scope, &today);
    r.clauses
        .extend(super::domain::context_clauses(&context, &today));
    r.clauses.push(super::domain::roles_clause(
        ownership.roles as usize,
        &ownership,
    ));
    r.clauses
        .extend(super::domain::objective_clauses(&objectives, &kpis, &today));
    r.clauses
        .push(super::domain_check::internal_audit_clause(&audit));
    r.clauses
        .extend(super::domain_check::improvement_clauses(&improvement));
    r.clauses
        .push(super::domain_check::review_clause(&reviews, &today));
    let system = system_facts(
        &issues,
        &context,
        &approval,
        &ownership,
        &people,
        (&suppliers, &obligations),
    );
    r.clauses
        .extend(super::domain_system::system_clauses(&system, &facts));
    r.clauses.extend(super::domain_system::summary_clauses(
        &r.clauses,
        system.top_management,
    ));
    super::domain::sort_clauses(&mut r.clauses);
    Ok(r)
}

/// The SoA's newest approval and how many controls changed since.
async fn approval_facts(ctx: &Ctx, rows: &[SoaRow]) -> Result<ApprovalFacts> {
    let versions = soa::versions(ctx, DEFAULT_FRAMEWORK).await?;
    Ok(match versions.first() {
        Some(v) => {
            let (_, snap) = soa::version(ctx, DEFAULT_FRAMEWORK, v.version).await?;
            ApprovalFacts {
                latest: Some((v.version, v.approved_at.clone())),
                changed_since: crate::registers::soa::domain_version::diff(&snap.rows, rows).len(),
            }
        }
        None => ApprovalFacts::default(),
    })
}

/// The facts 9.2 rests on, from the internal audit register: the programme whose cycle holds
/// today, its coverage over the SoA's applicable controls, recent and planned audits, and the
/// nonconformities audits raised that are still open.
async fn audit_facts(ctx: &Ctx, rows: &[SoaRow]) -> Result<super::domain_check::AuditFacts> {
    use crate::registers::internal_audit::domain::{AuditQuery, AuditStatus, coverage};
    use crate::registers::internal_audit::service as ia;
    let today = ctx.today();
    let year_ago = crate::domain::input::days_after(&today, -365).unwrap_or_default();
    let audits = ia::audits(ctx, &AuditQuery::default()).await?;
    let completed_recently = audits
        .iter()
        .filter(|a| {
            a.status == AuditStatus::Completed
                && a.completed_on
                    .as_deref()
                    .is_some_and(|d| d >= year_ago.as_str())
        })
        .map(|a| a.id.clone())
        .collect();
    let planned = audits
        .iter()
        .filter(|a| matches!(a.status, AuditStatus::Planned | AuditStatus::InProgress))
        .map(|a| a.id.clone())
        .collect();
    let current = ia::programmes(ctx)
        .await?
        .into_iter()
        .find(|p| p.starts_on <= today && today <= p.ends_on);
    let coverage = current.as_ref().map(|p| {
        let of: Vec<_> = audits
            .iter()
            .filter(|a| a.programme == p.id)
            .cloned()
            .collect();
        let applicable: Vec<(String, String)> = rows
            .iter()
            .filter(|r| r.applicability.applicable == Some(true))
            .map(|r| (r.control.id.clone(), r.control.title.clone()))
            .collect();
        coverage(&p.id, &of, &applicable)
    });
    let open = ia::open_nonconformities(ctx).await?;
    Ok(super::domain_check::AuditFacts {
        programme: current.map(|p| (p.id, p.starts_on, p.ends_on)),
        coverage,
        completed_recently,
        planned,
        open_nonconformities: open,
    })
}

/// The facts 4.1 and 4.3 rest on, from the context register's issues and scope.
fn context_facts(
    issues: &[crate::registers::context::domain::ContextIssue],
    (scope, versions): &(
        crate::registers::context::domain::Scope,
        Vec<crate::registers::context::domain::ScopeVersion>,
    ),
    today: &str,
) -> super::domain::ContextFacts {
    use crate::registers::context::domain::{IssueSide, SCOPE_PARTS};
    let pick = |keep: &dyn Fn(&crate::registers::context::domain::ContextIssue) -> bool| {
        let ids: Vec<String> = issues
            .iter()
            .filter(|x| keep(x))
            .map(|x| x.id.clone())
            .collect();
        (ids.len() as i64, ids.into_iter().take(8).collect())
    };
    let latest = versions.first();
    super::domain::ContextFacts {
        internal: issues
            .iter()
            .filter(|x| x.side == IssueSide::Internal)
            .count() as i64,
        external: issues
            .iter()
            .filter(|x| x.side == IssueSide::External)
            .count() as i64,
        review_due: pick(&|x| x.review_is_due(today)),
        without_effect: pick(&|x| x.effect.trim().is_empty()),
        statement: !scope.text.statement.is_empty(),
        missing_parts: SCOPE_PARTS[1..4]
            .iter()
            .filter(|(k, _)| scope.text.part(k).is_empty())
            .map(|(_, l)| *l)
            .collect(),
        approved: latest.map(|v| (v.version, v.approved_at.clone())),
        changed_since: latest
            .map(|v| scope.text.changed_from(&v.text))
            .unwrap_or_default(),
    }
}

/// Clause 4.2 from the obligations register, and what to do next about obligations and
/// suppliers (5.19–5.22, 5.31): reviews due, contracts lacking clauses, certifications
/// lapsing, obligations no control meets, typed reasons no obligation stands behind.
fn supplier_and_obligation_steps(
    rows: &[SoaRow],
    o: &crate::registers::obligation::service::Attention,
    s: &crate::registers::supplier::service::Attention,
    parties: &[crate::registers::party::domain::Party],
) -> (super::domain::Clause, Vec<super::domain::NextStep>) {
    let unaddressed: Vec<String> = parties
        .iter()
        .filter(|p| !p.addressed)
        .map(|p| p.id.clone())
        .collect();
    let clause = super::domain::interested_parties(&super::domain::ObligationFacts {
        applicable: o.applicable,
        without_controls: o.without_controls.clone(),
        review_due: o.review_due.clone(),
        not_met: o.not_met.clone(),
        not_assessed: o.not_assessed.clone(),
        parties: parties.len() as i64,
        unaddressed: (
            unaddressed.len() as i64,
            unaddressed.into_iter().take(8).collect(),
        ),
    });
    let unbacked: Vec<String> = rows
        .iter()
        .filter(|r| {
            r.warnings
                .contains(&crate::registers::soa::domain::Warning::ReasonUnbacked)
        })
        .map(|r| r.control.id.clone())
        .collect();
    let mut steps = Vec::new();
    let mut push = |(count, examples): &(i64, Vec<String>), what: &str, href: &str| {
        let (count, examples) = (*count, examples.clone());
        if count > 0 {
            steps.push(super::domain::NextStep {
                count,
                what: what.to_string(),
                examples,
                href: href.to_string(),
            });
        }
    };
    push(
        &o.without_controls,
        "applicable obligations no control is linked to",
        "/obligations?applicable=1",
    );
    push(
        &(
            unbacked.len() as i64,
            unbacked.into_iter().take(8).collect(),
        ),
        "controls with a legal or contractual reason no obligation stands behind",
        "/soa?warning=reason_unbacked",
    );
    push(
        &s.review_due,
        "suppliers due for review",
        "/suppliers?review_due=1",
    );
    push(
        &s.clause_gaps,
        "critical or high suppliers whose contract lacks security clauses",
        "/suppliers?status=active",
    );
    push(
        &s.certifications,
        "suppliers with a certification lapsed or lapsing",
        "/suppliers?status=active",
    );
    (clause, steps)
}

/// What to do next about incidents and continuity (5.24–5.30): notifications overdue,
/// assets short of the recovery time their processes require, processes without a plan.
async fn resilience_steps(ctx: &Ctx) -> Result<Vec<super::domain::NextStep>> {
    use crate::registers::incident::domain_regime::StageState;
    let mut steps = Vec::new();
    let mut push = |ids: Vec<String>, what: &str, href: &str| {
        if !ids.is_empty() {
            steps.push(super::domain::NextStep {
                count: ids.len() as i64,
                what: what.to_string(),
                examples: ids.into_iter().take(8).collect(),
                href: href.to_string(),
            });
        }
    };
    let mut overdue: Vec<String> = crate::registers::incident::service::deadlines(ctx)
        .await?
        .into_iter()
        .filter(|d| d.2.state == StageState::Overdue)
        .map(|d| d.0)
        .collect();
    overdue.dedup();
    push(
        overdue,
        "incidents with a notification overdue",
        "/incidents?open=1",
    );
    let short: Vec<String> = crate::registers::continuity::service::asset_requirements(ctx, None)
        .await?
        .into_iter()
        .filter(|r| !r.gaps.is_empty())
        .map(|r| r.asset)
        .collect();
    push(
        short,
        "assets not shown to recover as fast as their processes require",
        "/continuity",
    );
    let planless: Vec<String> = crate::registers::continuity::service::all_processes(ctx)
        .await?
        .into_iter()
        .filter(|p| p.plans.is_empty())
        .map(|p| p.id)
        .collect();
    push(
        planless,
        "business processes without a continuity plan",
        "/continuity",
    );
    Ok(steps)
}

/// The implementation of the 2022 SoA's `rows` grouped by theme or by the values of an
/// attribute type, over the rows `within` (`type`, `value`) keeps.
#[tracing::instrument(name = "readiness.gaps", skip_all, fields(actor = %ctx.who()))]
pub async fn gaps(
    ctx: &Ctx,
    rows: &[SoaRow],
    by: &str,
    within: Option<&(String, String)>,
) -> Result<Vec<GapRow>> {
    ctx.require_reader()?;
    let rows: Vec<SoaRow> = rows
        .iter()
        .filter(|r| within.is_none_or(|w| carries(r, w)))
        .cloned()
        .collect();
    let values: Vec<String> = if by == "theme" {
        let mut t: Vec<String> = rows.iter().map(|r| r.control.theme.clone()).collect();
        t.dedup();
        t
    } else {
        ctx.store()
            .attribute_types(DEFAULT_FRAMEWORK)
            .await?
            .into_iter()
            .find(|t| t.key == by)
            .map(|t| t.values)
            .unwrap_or_default()
    };
    Ok(gaps_by(&rows, by, &values))
}

/// The attribute types of the 2022 catalogue (the groupings of the gap analysis).
#[tracing::instrument(name = "readiness.attribute_types", skip_all, fields(actor = %ctx.who()))]
pub async fn attribute_types(ctx: &Ctx) -> Result<Vec<crate::domain::catalog::AttributeType>> {
    ctx.require_reader()?;
    ctx.store().attribute_types(DEFAULT_FRAMEWORK).await
}

/// The facts of the clauses no single register answers (6.1.1, 6.3, 7.1, 7.4, 8.1).
fn system_facts(
    issues: &[crate::registers::context::domain::ContextIssue],
    context: &super::domain::ContextFacts,
    approval: &ApprovalFacts,
    ownership: &crate::registers::responsibility::domain::Ownership,
    people: &super::domain::PeopleFacts,
    (suppliers, obligations): (
        &crate::registers::supplier::service::Attention,
        &crate::registers::obligation::service::Attention,
    ),
) -> super::domain_system::SystemFacts {
    use crate::registers::context::domain::IssueBearing;
    let bearing_risk: Vec<_> = issues
        .iter()
        .filter(|x| matches!(x.bearing, IssueBearing::Risk | IssueBearing::Both))
        .collect();
    let unowned = |register: &str| {
        ownership
            .unowned
            .iter()
            .filter(|o| o.register == register)
            .map(|o| o.count)
            .sum::<i64>()
    };
    let missing = |label: &str| ownership.required_missing.iter().any(|m| m == label);
    super::domain_system::SystemFacts {
        issues_bearing_risk: bearing_risk.len() as i64,
        issues_unlinked: bearing_risk
            .iter()
            .filter(|x| x.risks.is_empty())
            .map(|x| x.id.clone())
            .collect(),
        opportunities: issues
            .iter()
            .filter(|x| matches!(x.bearing, IssueBearing::Opportunity | IssueBearing::Both))
            .count() as i64,
        scope_approved: context.approved.is_some(),
        scope_changed: context.changed_since.clone(),
        soa_approved: approval.latest.is_some(),
        soa_changed: approval.changed_since,
        isms_manager: !missing("ISMS manager"),
        top_management: !missing("top management"),
        roles_unheld: ownership.roles_unheld.clone(),
        measures_unowned: unowned("measure"),
        controls_unowned: unowned("control"),
        policy_ack: people
            .policy_ack
            .as_ref()
            .map(|(_, asked, done, _)| (*asked, *done)),
        suppliers_review_due: suppliers.review_due.0,
        obligations_review_due: obligations.review_due.0,
    }
}
