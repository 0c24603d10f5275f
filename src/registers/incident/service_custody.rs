//! An incident's evidence (27002 5.28): keeping a file with who collected it, when and from
//! where; handing it over; downloading it checked against its hash. Who handles the incident
//! keeps and hands over its evidence; whoever sees the incident reads the custody log.

use super::domain::{EntryKind, IncidentStatus};
use super::domain_custody::{EvidenceInput, EvidenceItem, HandoverInput, incident_file_types};
use super::service::{get, lock_handled, me};
use super::{store, store_custody};
use crate::domain::clock::display;
use crate::domain::upload::KeptFile;
use crate::error::{Error, Result};
use crate::registers::evidence::domain::NewFile;
use crate::registers::evidence::service::{BlobReader, keep_file, open_kept};
use crate::service::Ctx;

/// An incident's evidence with its chains of custody.
#[tracing::instrument(name = "incident.evidence", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn evidence(ctx: &Ctx, id: &str) -> Result<Vec<EvidenceItem>> {
    get(ctx, id).await?;
    ctx.store().incident_evidence(id).await
}

/// Keeps a file as evidence of an incident, its collection the first line of its custody.
#[tracing::instrument(name = "incident.keep_evidence", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn keep_evidence(
    ctx: &Ctx,
    id: &str,
    input: &EvidenceInput,
    file: &NewFile,
) -> Result<EvidenceItem> {
    ctx.require_reader()?;
    let now = ctx.now();
    let who = match me(&ctx.actor) {
        m if m.is_empty() => ctx.who().to_string(),
        m => m,
    };
    let d = input.parse(&who, &now)?;
    let mut tx = ctx.write().await?;
    let i = lock_handled(ctx, &mut tx, id, None).await?;
    if i.status == IncidentStatus::Closed {
        return Err(Error::Conflict(format!(
            "{id} is closed: evidence is kept while it is handled"
        )));
    }
    let kept: KeptFile = keep_file(ctx, &mut tx, file, &incident_file_types()).await?;
    let seq = store_custody::insert_evidence(&mut tx, id, &kept, &d, ctx.who(), &now).await?;
    let from = if d.collected_from.is_empty() {
        String::new()
    } else {
        format!(" from {}", d.collected_from)
    };
    store::append_entry(
        &mut tx,
        id,
        ctx.who(),
        EntryKind::Evidence,
        &format!(
            "Evidence {seq} kept: {} ({}, SHA-256 {}), collected by {}{from} at {}",
            kept.file_name,
            kept.size_label(),
            kept.sha256,
            d.collected_by,
            display(&d.collected_at)
        ),
    )
    .await?;
    let item = store_custody::evidence_in(&mut tx, id, seq)
        .await?
        .ok_or_else(|| Error::NotFound(format!("evidence {seq} of {id}")))?;
    tx.audit(ctx.change("incident.evidence", "incident", id).after(&item))
        .await?;
    tx.commit().await?;
    Ok(item)
}

/// Hands a piece of evidence over to someone (appended to its custody, never changed).
/// Evidence changes hands after an incident closes too (a legal hold, the police).
#[tracing::instrument(name = "incident.hand_over", skip_all, fields(actor = %ctx.who(), id = %id, evidence = seq))]
pub async fn hand_over(
    ctx: &Ctx,
    id: &str,
    seq: i64,
    input: &HandoverInput,
) -> Result<EvidenceItem> {
    ctx.require_reader()?;
    let now = ctx.now();
    let mut tx = ctx.write().await?;
    lock_handled(ctx, &mut tx, id, None).await?;
    let before = store_custody::evidence_in(&mut tx, id, seq)
        .await?
        .ok_or_else(|| Error::NotFound(format!("evidence {seq} of {id}")))?;
    let Some(last) = before.custody.last() else {
        return Err(Error::NotFound(format!("evidence {seq} of {id}")));
    };
    let h = input.parse(last, &now)?;
    store_custody::append_custody(&mut tx, id, seq, &h, &before.holder, ctx.who(), &now).await?;
    let purpose = if h.purpose.is_empty() {
        String::new()
    } else {
        format!(" ({})", h.purpose)
    };
    store::append_entry(
        &mut tx,
        id,
        ctx.who(),
        EntryKind::Custody,
        &format!(
            "Evidence {seq} ({}) handed over by {} to {} at {}{purpose}",
            before.file.file_name,
            before.holder,
            h.to,
            display(&h.at)
        ),
    )
    .await?;
    let after = store_custody::evidence_in(&mut tx, id, seq)
        .await?
        .ok_or_else(|| Error::NotFound(format!("evidence {seq} of {id}")))?;
    tx.audit(
        ctx.change("incident.hand_over", "incident", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A piece of evidence's file, checked against its SHA-256 before it is handed out.
#[tracing::instrument(name = "incident.evidence_file", skip_all, fields(actor = %ctx.who(), id = %id, evidence = seq))]
pub async fn evidence_file(ctx: &Ctx, id: &str, seq: i64) -> Result<(KeptFile, BlobReader)> {
    let items = evidence(ctx, id).await?;
    let Some(e) = items.into_iter().find(|e| e.seq == seq) else {
        return Err(Error::NotFound(format!("evidence {seq} of {id}")));
    };
    let reader = open_kept(ctx, &e.file, &format!("evidence {seq} of {id}")).await?;
    Ok((e.file, reader))
}

/// The incident as a workbook with its timeline, notifications, evidence and chain of
/// custody (those who see it).
#[tracing::instrument(name = "incident.export_record", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn export_record(ctx: &Ctx, id: &str) -> Result<Vec<u8>> {
    let d = super::service::detail(ctx, id).await?;
    let scale = ctx.store().incident_severities().await?;
    super::exchange::record_xlsx(
        &d.incident,
        &scale,
        &d.entries,
        &d.notifications,
        &d.evidence,
    )
}
