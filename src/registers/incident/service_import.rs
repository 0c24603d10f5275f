//! Importing incidents (managers and admins): all rows or none, in one transaction. A row
//! without an id, or with one Annex does not have, records an incident as the row says it
//! stands (its report, triage, the moments of its handling and, closed, its lessons); a row
//! whose id is an incident of Annex changes its description, triage and lessons — never its
//! status or what was recorded when it happened — and says so on its timeline. An export
//! imports back unchanged. A dry run checks everything and writes nothing.

use super::domain::EntryKind;
use super::domain_import::{IncidentImport, changes};
use super::service::{Known, me, regime_problems, regimes, visible};
use super::store;
use crate::domain::ImportReport;
use crate::error::{Error, FieldError, Result};
use crate::service::Ctx;

#[tracing::instrument(name = "incident.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<(usize, IncidentImport)>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<ImportReport> {
    ctx.require_editor()?;
    crate::store::check_unique_ids(rows.iter().map(|(r, d)| (*r, d.id.as_deref())))?;
    let all = regimes(ctx).await?;
    let now = ctx.now();
    let mut tx = ctx.store().import_tx(dry_run).await?;
    let scale = store::severities_in(&mut tx).await?;
    let mut problems = Vec::new();
    let mut plan = Vec::with_capacity(rows.len());
    let triages: Vec<_> = rows.iter().filter_map(|(_, d)| d.triage.clone()).collect();
    let known = Known::read(&mut tx, &triages).await?;
    for (row, d) in &rows {
        let mut say = |field: &str, message: String| {
            problems.push(FieldError::new(format!("row {row}, {field}"), message));
        };
        if let Some(t) = &d.triage {
            let historic = d.status == super::domain::IncidentStatus::Closed;
            for m in regime_problems(&all, t, historic) {
                say("regimes", m);
            }
            for (field, m) in known.unknown(t) {
                say(field, m);
            }
            if let Some(k) = &t.severity
                && !scale.levels.iter().any(|l| &l.key == k)
            {
                say(
                    "severity",
                    format!("'{k}' is no longer on the severity scale"),
                );
            }
        }
        let before = match &d.id {
            Some(id) => match store::lock(&mut tx, id).await {
                Ok(i) if visible(&ctx.actor, &i) => Some(i),
                Ok(_) => {
                    say("id", format!("{id} is an incident you may not see"));
                    None
                }
                Err(Error::NotFound(_)) => None,
                Err(e) => return Err(e),
            },
            None => None,
        };
        let change = match &before {
            Some(b) => match changes(b, d, &scale, &now) {
                Ok(fields) => Some(fields),
                Err(Error::Validation(found)) => {
                    for f in found {
                        say(&f.field, f.message);
                    }
                    None
                }
                Err(e) => return Err(e),
            },
            None => None,
        };
        plan.push((before, change));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut report = ImportReport::default();
    for ((_, d), (before, change)) in rows.iter().zip(plan) {
        match (before, change) {
            (Some(b), Some(fields)) if fields.is_empty() => report.unchanged.push(b.id),
            (Some(b), Some(fields)) => {
                report.updated.push(b.id.clone());
                if dry_run {
                    continue;
                }
                if fields.contains(&"triage")
                    && let Some(t) = &d.triage
                {
                    let classified = b.classified_at.clone().unwrap_or_else(|| now.clone());
                    // The file holds moments to the minute: one that reads as the stored
                    // one is the stored one.
                    let aware = match &t.aware_at {
                        Some(a)
                            if crate::domain::clock::display(a)
                                != crate::domain::clock::display(&b.aware_at) =>
                        {
                            a.clone()
                        }
                        _ => b.aware_at.clone(),
                    };
                    store::write_triage(&mut tx, &b.id, t, b.status, &classified, &aware).await?;
                }
                store::write_imported_text(&mut tx, &b.id, d).await?;
                let after = store::lock(&mut tx, &b.id).await?;
                store::append_entry(
                    &mut tx,
                    &b.id,
                    ctx.who(),
                    EntryKind::Action,
                    &format!("Changed by an import: {}.", fields.join(", ")),
                )
                .await?;
                tx.audit(
                    ctx.change("incident.import", "incident", &b.id)
                        .before(&b)
                        .after(&after),
                )
                .await?;
            }
            (Some(b), None) => report.unchanged.push(b.id),
            (None, _) if dry_run => report.created.push(
                d.id.clone()
                    .unwrap_or_else(|| format!("a new incident: {}", d.report.title)),
            ),
            (None, _) => {
                let reporter = if d.reported_by.is_empty() {
                    me(&ctx.actor)
                } else {
                    d.reported_by.clone()
                };
                let i = store::insert_imported(&mut tx, d, &reporter).await?;
                let mut text = format!(
                    "Imported as {}; reported {} by {}.",
                    i.status.label(),
                    crate::domain::clock::display(&i.reported_at),
                    i.reported_by
                );
                if let Some(t) = &d.triage {
                    text.push_str(&format!(" {}: {}", t.classification.label(), t.reason));
                }
                if !i.lessons.is_empty() {
                    text.push_str(&format!(" Lessons learned: {}", i.lessons));
                }
                store::append_entry(&mut tx, &i.id, ctx.who(), EntryKind::Reported, &text).await?;
                tx.audit(ctx.change("incident.import", "incident", &i.id).after(&i))
                    .await?;
                report.created.push(i.id);
            }
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}
