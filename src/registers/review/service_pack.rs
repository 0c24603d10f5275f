//! A management review's input pack, generated from the registers for every input 27001 9.3.2
//! names: the actions of previous reviews; changes in the issues of the context and in the
//! needs of interested parties; nonconformities and corrective actions; monitoring and
//! measurement results with each indicator's trend; audit results; the fulfilment of the
//! objectives; feedback from interested parties; the results of risk assessment and the state
//! of the treatment plan; opportunities for improvement; and the incidents since.

use super::domain::{Pack, PackSection, PackTrend, Review, ReviewActionStatus, ReviewStatus};
use crate::error::Result;
use crate::service::Ctx;

fn section(key: &str, title: &str) -> PackSection {
    PackSection {
        key: key.into(),
        title: title.into(),
        facts: Vec::new(),
        header: Vec::new(),
        rows: Vec::new(),
        trends: Vec::new(),
    }
}

fn header(h: &[&str]) -> Vec<String> {
    h.iter().map(|s| s.to_string()).collect()
}

fn count(n: usize, one: &str, many: &str) -> String {
    crate::domain::words::count(n, one, many)
}

fn shown(v: f64, unit: &str) -> String {
    let n = if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    };
    match unit {
        "%" => format!("{n} %"),
        "" | "count" => n,
        u => format!("{n} {u}"),
    }
}

/// The day since which changes are reported for `r`: the last review held before it, or
/// twelve months before today.
pub fn since(r: &Review, all: &[Review], today: &str) -> String {
    let this = r.held_on.as_deref().unwrap_or(today);
    all.iter()
        .filter(|o| o.id != r.id && o.status == ReviewStatus::Held)
        .filter_map(|o| o.held_on.clone())
        .filter(|d| d.as_str() <= this)
        .max()
        .unwrap_or_else(|| crate::domain::input::days_after(today, -365).unwrap_or_default())
}

/// Generates the pack of `r` now.
#[tracing::instrument(name = "review.pack", skip_all, fields(actor = %ctx.who(), id = %r.id))]
pub async fn generate(ctx: &Ctx, r: &Review, all: &[Review]) -> Result<Pack> {
    ctx.require_reader()?;
    let today = ctx.today();
    let since = since(r, all, &today);
    let mut sections = Vec::new();

    // a) Actions from previous reviews.
    let mut s = section(
        "actions",
        "Status of actions from previous management reviews",
    );
    s.header = header(&["Action", "Review", "What", "Owner", "Due", "Status"]);
    let earlier: Vec<_> = all
        .iter()
        .filter(|o| o.id != r.id && o.status == ReviewStatus::Held)
        .flat_map(|o| o.actions.iter())
        .collect();
    let open = earlier
        .iter()
        .filter(|a| a.status == ReviewActionStatus::Open)
        .count();
    let overdue = earlier.iter().filter(|a| a.is_overdue(&today)).count();
    s.facts.push(if earlier.is_empty() {
        "No earlier review decided on actions.".into()
    } else {
        format!(
            "{} decided by earlier reviews: {} done, {open} open ({overdue} overdue).",
            count(earlier.len(), "action", "actions"),
            earlier
                .iter()
                .filter(|a| a.status == ReviewActionStatus::Done)
                .count()
        )
    });
    for a in &earlier {
        s.rows.push(vec![
            a.id.clone(),
            a.review.clone(),
            a.title.clone(),
            a.owner.clone(),
            a.due_on.clone(),
            if a.is_overdue(&today) {
                "overdue".into()
            } else {
                a.status.label().to_string()
            },
        ]);
    }
    sections.push(s);

    // b) and c) Changes in the issues of the context and the needs of interested parties.
    let mut s = section(
        "changes",
        "Changes in internal and external issues and in the needs of interested parties",
    );
    s.header = header(&["Record", "What", "Kind", "Changed on"]);
    let issues = crate::registers::context::service::all(
        ctx,
        &crate::registers::context::domain::IssueQuery::default(),
    )
    .await?;
    let parties = crate::registers::party::service::all(ctx).await?;
    let changed_issues: Vec<_> = issues
        .iter()
        .filter(|x| x.updated_at.as_str() >= since.as_str())
        .collect();
    let changed_parties: Vec<_> = parties
        .iter()
        .filter(|x| x.updated_at.as_str() >= since.as_str())
        .collect();
    s.facts.push(format!(
        "Since {since}: {} of {} changed or added, {} of {} changed or added.",
        count(changed_issues.len(), "issue", "issues"),
        issues.len(),
        count(
            changed_parties.len(),
            "interested party",
            "interested parties"
        ),
        parties.len()
    ));
    let unaddressed = parties.iter().filter(|p| !p.addressed).count();
    if unaddressed > 0 {
        s.facts.push(format!(
            "{} the ISMS does not address yet.",
            count(
                unaddressed,
                "interested party has needs",
                "interested parties have needs"
            )
        ));
    }
    for x in changed_issues {
        s.rows.push(vec![
            x.id.clone(),
            x.title.clone(),
            format!("{} issue", x.side.label()),
            x.updated_at.chars().take(10).collect(),
        ]);
    }
    for x in changed_parties {
        s.rows.push(vec![
            x.id.clone(),
            x.name.clone(),
            "interested party".into(),
            x.updated_at.chars().take(10).collect(),
        ]);
    }
    sections.push(s);

    // d) 1. Nonconformities and corrective actions.
    let mut s = section("nonconformities", "Nonconformities and corrective actions");
    s.header = header(&[
        "Nonconformity",
        "What",
        "Source",
        "Raised",
        "Stage",
        "Closed",
    ]);
    let ncs = crate::registers::improvement::service::all(
        ctx,
        &crate::registers::improvement::domain::NcQuery {
            since: Some(since.clone()),
            ..Default::default()
        },
    )
    .await?;
    let raised = ncs
        .iter()
        .filter(|n| n.raised_on.as_str() >= since.as_str())
        .count();
    let closed: Vec<_> = ncs
        .iter()
        .filter(|n| n.closed_on.as_deref().is_some_and(|d| d >= since.as_str()))
        .collect();
    let open: Vec<_> = ncs.iter().filter(|n| n.closed_on.is_none()).collect();
    let overdue = open
        .iter()
        .flat_map(|n| n.actions.iter())
        .filter(|a| a.is_overdue(&today))
        .count();
    s.facts.push(format!(
        "Since {since}: {} raised, {} closed as effectively corrected; {} open, {} overdue.",
        count(raised, "nonconformity", "nonconformities"),
        closed.len(),
        open.len(),
        count(overdue, "corrective action", "corrective actions")
    ));
    for n in ncs
        .iter()
        .filter(|n| n.closed_on.is_none() || n.raised_on.as_str() >= since.as_str())
        .chain(closed.iter().copied().filter(|n| n.raised_on < since))
    {
        s.rows.push(vec![
            n.id.clone(),
            n.title.clone(),
            n.source.label().to_string(),
            n.raised_on.clone(),
            n.stage.label().to_string(),
            n.closed_on.clone().unwrap_or_default(),
        ]);
    }
    sections.push(s);

    // d) 2. Monitoring and measurement results, with each indicator's trend.
    let mut s = section("monitoring", "Monitoring and measurement results");
    s.header = header(&["Indicator", "Name", "Latest", "Target", "Status"]);
    let history = crate::registers::objective::service::history(ctx, 12).await?;
    let off = history
        .iter()
        .filter(|(k, _)| k.status == crate::registers::objective::domain::KpiStatus::OffTarget)
        .count();
    s.facts.push(format!(
        "{}: {} on target, {off} off target.",
        count(history.len(), "indicator", "indicators"),
        history
            .iter()
            .filter(|(k, _)| k.status == crate::registers::objective::domain::KpiStatus::OnTarget)
            .count()
    ));
    for (k, ms) in &history {
        let mut ms = ms.clone();
        ms.sort_by(|a, b| a.period.cmp(&b.period));
        s.rows.push(vec![
            k.id.clone(),
            k.name.clone(),
            k.latest
                .as_ref()
                .map(|m| format!("{} ({})", shown(m.value, &k.unit), m.period))
                .unwrap_or_else(|| "not measured".into()),
            format!("{} {}", k.direction.label(), shown(k.target, &k.unit)),
            k.status.label().to_string(),
        ]);
        s.trends.push(PackTrend {
            kpi: k.id.clone(),
            name: k.name.clone(),
            unit: k.unit.clone(),
            target: k.target,
            periods: ms.iter().map(|m| m.period.clone()).collect(),
            values: ms.iter().map(|m| m.value).collect(),
            status: k.status.label().to_string(),
        });
    }
    sections.push(s);

    // d) 3. Audit results.
    let mut s = section("audits", "Audit results");
    s.header = header(&[
        "Audit",
        "Title",
        "Scope",
        "Completed",
        "Findings",
        "Conclusion",
    ]);
    let audits = crate::registers::internal_audit::service::audits(
        ctx,
        &crate::registers::internal_audit::domain::AuditQuery::default(),
    )
    .await?;
    let counts = crate::registers::internal_audit::service::finding_counts(ctx).await?;
    let done: Vec<_> = audits
        .iter()
        .filter(|a| {
            a.completed_on
                .as_deref()
                .is_some_and(|d| d >= since.as_str())
        })
        .collect();
    let planned = audits
        .iter()
        .filter(|a| {
            matches!(
                a.status,
                crate::registers::internal_audit::domain::AuditStatus::Planned
                    | crate::registers::internal_audit::domain::AuditStatus::InProgress
            )
        })
        .count();
    s.facts.push(format!(
        "Since {since}: {} completed; {planned} planned or in progress.",
        count(done.len(), "audit", "audits")
    ));
    for a in done {
        let n = |k: crate::registers::internal_audit::domain_finding::FindingKind| {
            counts
                .get(&(a.id.clone(), k.key().to_string()))
                .copied()
                .unwrap_or(0)
        };
        use crate::registers::internal_audit::domain_finding::FindingKind as K;
        s.rows.push(vec![
            a.id.clone(),
            a.title.clone(),
            a.scope_text(),
            a.completed_on.clone().unwrap_or_default(),
            format!(
                "{} major, {} minor, {} observations, {} opportunities",
                n(K::Major),
                n(K::Minor),
                n(K::Observation),
                n(K::Opportunity)
            ),
            a.conclusion.clone(),
        ]);
    }
    sections.push(s);

    // d) 4. Fulfilment of the objectives.
    let mut s = section(
        "objectives",
        "Fulfilment of the information security objectives",
    );
    s.header = header(&[
        "Objective",
        "Title",
        "Owner",
        "Due",
        "Status",
        "Indicators on target",
    ]);
    let objectives = crate::registers::objective::service::objectives(ctx).await?;
    s.facts.push(count(
        objectives.len(),
        "objective is set",
        "objectives are set",
    ));
    for o in &objectives {
        let ks: Vec<_> = history
            .iter()
            .filter(|(k, _)| k.objective.as_deref() == Some(o.id.as_str()))
            .collect();
        s.rows.push(vec![
            o.id.clone(),
            o.title.clone(),
            o.owner.clone(),
            o.due_on.clone().unwrap_or_default(),
            o.status.label().to_string(),
            format!(
                "{} of {}",
                ks.iter()
                    .filter(|(k, _)| k.status
                        == crate::registers::objective::domain::KpiStatus::OnTarget)
                    .count(),
                ks.len()
            ),
        ]);
    }
    sections.push(s);

    // e) Feedback from interested parties.
    let mut s = section("feedback", "Feedback from interested parties");
    if r.feedback.trim().is_empty() {
        s.facts
            .push("No feedback is recorded on the review yet: write it on the review.".into());
    } else {
        s.facts.extend(
            r.feedback
                .lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string),
        );
    }
    sections.push(s);

    // f) Risk assessment and the treatment plan.
    let mut s = section(
        "risks",
        "Results of risk assessment and status of the risk treatment plan",
    );
    let m = crate::registers::objective::service::metric_facts(ctx).await?;
    use crate::registers::objective::domain::Metric;
    s.facts.push(format!(
        "{} open; {} above the acceptance threshold; {} not reviewed in 12 months; {} lapsed.",
        count(m.risks_open as usize, "risk", "risks"),
        m.risks_above_threshold,
        m.risks_stale,
        count(m.acceptances_lapsed as usize, "acceptance", "acceptances")
    ));
    s.facts.push(format!(
        "Treatment plan: {} overdue; {} of {} applicable controls implemented ({}).",
        count(m.measures_overdue as usize, "measure", "measures"),
        m.implemented,
        m.applicable,
        m.value(Metric::ControlsImplemented)
            .map(|v| shown(v, "%"))
            .unwrap_or_else(|| "no applicable control".into())
    ));
    sections.push(s);

    // g) Opportunities for continual improvement.
    let mut s = section("improvement", "Opportunities for continual improvement");
    s.header = header(&["Record", "On", "What", "What changed"]);
    let log = crate::registers::improvement::service::log_since(ctx, Some(&since)).await?;
    let recent: Vec<_> = log
        .iter()
        .filter(|l| l.on.as_str() >= since.as_str())
        .collect();
    s.facts.push(format!(
        "Since {since}: {} in the improvement log.",
        count(recent.len(), "entry", "entries")
    ));
    for l in recent {
        s.rows.push(vec![
            l.id.clone(),
            l.on.clone(),
            l.title.clone(),
            l.what.clone(),
        ]);
    }
    sections.push(s);

    // Incidents (part of the performance the review looks at).
    let mut s = section("incidents", "Information security incidents");
    s.header = header(&["Severity", "Incidents in the last 12 months"]);
    let inc = crate::registers::incident::service::metrics(ctx).await?;
    let total: f64 = inc.by_severity.iter().flat_map(|x| x.values.iter()).sum();
    s.facts.push(format!(
        "{} in the last 12 months; median time to close {}.",
        count(total as usize, "incident", "incidents"),
        inc.median_close_hours
            .map(|h| format!("{:.1} days", h / 24.0))
            .unwrap_or_else(|| "not known".into())
    ));
    for x in &inc.by_severity {
        s.rows.push(vec![
            x.label.clone(),
            format!("{}", x.values.iter().sum::<f64>()),
        ]);
    }
    sections.push(s);

    Ok(Pack {
        review: r.id.clone(),
        generated_at: ctx.now(),
        since,
        sections,
    })
}
