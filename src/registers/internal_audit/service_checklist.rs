//! An audit's checklist, generated from its scope with each item's state now — a clause's
//! readiness and the facts behind it, a control's applicability, implementation, measures,
//! evidence and warnings — the results the team records on it, and the audit report (PDF,
//! XLSX) that gathers the plan, the checklist and the findings.
//!
//! Kept apart from `service.rs` because it reads readiness, and readiness reads the internal
//! audit register's use cases: so neither forms a cycle.

use super::domain::{
    AuditRecord, ChecklistItem, InternalAudit, ItemInput, ItemResult, parse_items,
};
use super::domain_finding::Finding;
use super::store;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::domain::user::Role;
use crate::error::Result;
use crate::service::Ctx;

fn control_item(r: &crate::registers::soa::domain::SoaRow) -> (String, Vec<String>) {
    let a = &r.applicability;
    let state = match a.applicable {
        None => "not decided in the SoA".to_string(),
        Some(false) => "excluded in the SoA".to_string(),
        Some(true) => format!("applicable, {}", a.status.label()),
    };
    let mut facts = Vec::new();
    if !a.owner.is_empty() {
        facts.push(format!("Owner: {}.", a.owner));
    }
    if a.applicable == Some(false) && !a.justification.is_empty() {
        facts.push(format!("Excluded because: {}", a.justification));
    }
    if r.measures.is_empty() {
        facts.push("No measure implements it.".into());
    } else {
        facts.push(format!(
            "Measures: {}.",
            r.measures
                .iter()
                .map(|m| format!("{} {} ({})", m.id, m.name, m.status.replace('_', " ")))
                .collect::<Vec<_>>()
                .join("; ")
        ));
    }
    facts.push(format!(
        "Evidence: {} ({}).",
        r.evidence_state.label(),
        crate::domain::words::count(r.evidence_count, "item", "items")
    ));
    for w in &r.warnings {
        facts.push(format!("{}.", w.label()));
    }
    (state, facts)
}

/// The checklist of an audit: its clauses then its controls, each with its state now and the
/// results and findings recorded on it.
async fn checklist_of(
    ctx: &Ctx,
    a: &InternalAudit,
    results: &store::Results,
    findings: &[Finding],
) -> Result<Vec<ChecklistItem>> {
    let mut items = Vec::new();
    let readiness = if a.clauses.is_empty() {
        None
    } else {
        Some(crate::registers::readiness::service::now(ctx).await?)
    };
    let rows = if a.controls.is_empty() {
        Vec::new()
    } else {
        crate::registers::soa::service::rows(ctx, DEFAULT_FRAMEWORK).await?
    };
    let push = |items: &mut Vec<ChecklistItem>,
                kind: &str,
                id: &str,
                title: String,
                (state, facts): (String, Vec<String>),
                href: String| {
        let key = format!("{kind}:{id}");
        let (result, note, by, at) = results.get(&key).cloned().unwrap_or((
            ItemResult::NotChecked,
            String::new(),
            String::new(),
            String::new(),
        ));
        let on = |f: &&Finding| match kind {
            "clause" => f.clause.as_deref() == Some(id),
            _ => f.control.as_deref() == Some(id),
        };
        items.push(ChecklistItem {
            findings: findings.iter().filter(on).map(|f| f.id.clone()).collect(),
            key,
            kind: kind.to_string(),
            id: id.to_string(),
            title,
            state,
            facts,
            href,
            result,
            note,
            checked_by: by,
            checked_at: at,
        });
    };
    for c in &a.clauses {
        let computed = readiness
            .as_ref()
            .and_then(|r| r.clauses.iter().find(|x| x.id == c.as_str()));
        let (state, href) = match computed {
            Some(x) => (
                (x.status.label().to_string(), x.reasons.clone()),
                x.href.to_string(),
            ),
            None => (
                (
                    "not computed by Annex: look at the records the clause asks for".to_string(),
                    Vec::new(),
                ),
                "/readiness".to_string(),
            ),
        };
        push(
            &mut items,
            "clause",
            c,
            crate::domain::clauses::title(c).to_string(),
            state,
            href,
        );
    }
    for c in &a.controls {
        let row = rows.iter().find(|r| r.control.id == *c);
        let (title, state) = match row {
            Some(r) => (r.control.title.clone(), control_item(r)),
            None => (String::new(), ("not in the SoA".to_string(), Vec::new())),
        };
        push(
            &mut items,
            "control",
            c,
            title,
            state,
            format!("/soa/{DEFAULT_FRAMEWORK}/{c}"),
        );
    }
    Ok(items)
}

/// An audit with its checklist, findings and the team's independence now.
#[tracing::instrument(name = "internal_audit.record", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn record(ctx: &Ctx, id: &str) -> Result<AuditRecord> {
    ctx.require_reader()?;
    let (audit, results, findings) = ctx.store().internal_audit_full(id).await?;
    let checklist = checklist_of(ctx, &audit, &results, &findings).await?;
    let conflicts =
        super::service::independence(ctx, &audit.team(), &audit.clauses, &audit.controls).await?;
    Ok(AuditRecord {
        audit,
        checklist,
        findings,
        conflicts,
    })
}

/// Records results on an audit's checklist (its team): all or none; a planned audit moves
/// into progress. Each changed item is audited with what it replaced.
#[tracing::instrument(name = "internal_audit.check", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn record_results(ctx: &Ctx, id: &str, items: &[ItemInput]) -> Result<usize> {
    ctx.require(&[Role::Admin, Role::Manager, Role::Auditor])?;
    let mut tx = ctx.write().await?;
    let a = super::service::open_for_recording(ctx, &mut tx, id).await?;
    let parsed = parse_items(items, &a.item_keys())?;
    let before = store::results_in(&mut tx, id).await?;
    let mut changed = 0;
    for (key, result, note) in parsed {
        let old = before.get(&key);
        if old.is_some_and(|(r, n, _, _)| *r == result && *n == note)
            || (old.is_none() && result == ItemResult::NotChecked && note.is_empty())
        {
            continue;
        }
        store::write_result(&mut tx, id, &key, result, &note, ctx.who()).await?;
        let mut change = ctx
            .change("internal_audit.check", "internal_audit", id)
            .after(serde_json::json!({"item": key, "result": result.key(), "note": note}));
        if let Some((r, n, _, _)) = old {
            change = change.before(serde_json::json!({"item": key, "result": r.key(), "note": n}));
        }
        tx.audit(change).await?;
        changed += 1;
    }
    tx.commit().await?;
    Ok(changed)
}

/// The audit report as a PDF or an XLSX workbook: (file name, media type, bytes).
#[tracing::instrument(name = "internal_audit.report", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn report(
    ctx: &Ctx,
    id: &str,
    format: super::exchange::ReportFormat,
) -> Result<(String, &'static str, Vec<u8>)> {
    let r = record(ctx, id).await?;
    let programme = ctx.store().audit_programme(&r.audit.programme).await?;
    let org = crate::registers::organisation::service::name(ctx).await?;
    let names = crate::registers::responsibility::service::names(ctx).await?;
    let report = super::exchange::Report {
        organisation: &org,
        programme: &programme,
        record: &r,
        names: &names,
        generated_at: &ctx.now(),
    };
    let bytes = match format {
        super::exchange::ReportFormat::Pdf => super::exchange::report_pdf(&report)?,
        super::exchange::ReportFormat::Xlsx => super::exchange::report_xlsx(&report)?,
    };
    Ok((
        format!("{}-report.{}", r.audit.id, format.extension()),
        format.media_type(),
        bytes,
    ))
}
