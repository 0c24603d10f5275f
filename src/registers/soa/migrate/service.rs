//! Migrating a Statement of Applicability of ISO/IEC 27002:2013 (managers and admins): every
//! row is checked against the 2013 catalogue before anything is written; the proposal is made
//! from the 2013→2022 correspondence and the live 2022 SoA; then every proposed decision is
//! written in one transaction, each with its audit entry — or, in a dry run, only reported.

use super::domain::{
    Drafted, FROM, Known, NeedsDecision, Row2013, Row2013Input, SoaImportOptions, SoaImportReport,
    SoaImportSummary, TO, ToDecide, Why, propose, shown,
};
use crate::domain::user::EDITORS;
use crate::error::{Error, FieldError, Result};
use crate::registers::soa::domain::Applicability;
use crate::service::Ctx;
use std::collections::{HashMap, HashSet};

/// Imports a 2013 SoA (its rows with their spreadsheet row numbers) as a draft of the 2022
/// SoA. Problems with rows are named "row 7, control" (row and field) and then nothing is
/// written; otherwise every proposed decision is written in one transaction, audited as
/// `soa.import_2013` with the values before and after. Drafts may be applicable without a
/// reason (the SoA warns about those): an old SoA often gave none, and none is invented.
#[tracing::instrument(name = "soa.import_2013", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import_2013(
    ctx: &Ctx,
    rows: Vec<(usize, Row2013Input)>,
    opts: &SoaImportOptions,
) -> Result<SoaImportReport> {
    ctx.require(EDITORS)?;
    let store = ctx.store();
    let actor = ctx.who();
    let old = store.catalog(FROM).await?;
    let new = store.catalog(TO).await?;
    let controls: HashSet<&str> = old.controls.iter().map(|c| c.id.as_str()).collect();
    let headings: HashSet<String> = old
        .groups
        .iter()
        .map(|g| crate::domain::catalog::normalise_control_id(&g.id))
        .collect();
    let known = |id: &str| {
        if controls.contains(id) {
            Known::Control
        } else if headings.contains(id) {
            Known::Heading
        } else {
            Known::Unknown
        }
    };
    let mut problems: Vec<FieldError> = Vec::new();
    let mut checked: Vec<Row2013> = Vec::new();
    let mut first_row: HashMap<String, usize> = HashMap::new();
    let mut skipped = Vec::new();
    for (n, input) in &rows {
        match input.parse(known) {
            Ok(Some(r)) => {
                if let Some(first) = first_row.get(&r.control_id) {
                    problems.push(FieldError::new(
                        format!("row {n}, control"),
                        format!("{} is already on row {first}", shown(&r.control_id)),
                    ));
                } else {
                    first_row.insert(r.control_id.clone(), *n);
                    checked.push(r);
                }
            }
            Ok(None) => skipped.push(*n),
            Err(e) => problems.extend(
                e.fields()
                    .iter()
                    .map(|f| FieldError::new(format!("row {n}, {}", f.field), &f.message)),
            ),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let pairs = store.mapping_pairs(FROM, TO).await?;
    let ids: Vec<String> = new.controls.iter().map(|c| c.id.clone()).collect();
    let title = |id: &str| new.control(id).map(|c| c.title.clone()).unwrap_or_default();

    let mut tx = store.import_tx(opts.dry_run).await?;
    let mut stored: HashMap<String, Applicability> = super::store::decisions_in(&mut tx, TO)
        .await?
        .into_iter()
        .map(|a| (a.control_id.clone(), a))
        .collect();
    let decided: HashSet<String> = stored
        .values()
        .filter(|a| a.applicable.is_some())
        .map(|a| a.control_id.clone())
        .collect();
    let proposal = propose(&checked, &pairs, &ids, &decided, opts.replace);

    let now = tx.now().to_string();
    let mut summary = SoaImportSummary::default();
    let mut drafts = Vec::new();
    let mut changes = Vec::new();
    for p in proposal.proposed {
        let d = p.draft;
        let after = Applicability {
            framework: TO.to_string(),
            control_id: p.control_id.clone(),
            applicable: d.applicable,
            reasons: d.reasons,
            exclusion_reason: d.exclusion_reason,
            justification: d.justification,
            status: d.status,
            maturity: d.maturity,
            owner: d.owner,
            target_date: d.target_date,
            updated_at: now.clone(),
            revision: 0,
        };
        match after.applicable {
            Some(true) => summary.applicable += 1,
            Some(false) => summary.excluded += 1,
            None => summary.undecided += 1,
        }
        let before = stored.remove(&p.control_id);
        let change = match &before {
            Some(b) => {
                let mut same = after.clone();
                same.updated_at = b.updated_at.clone();
                same.revision = b.revision;
                if same == *b { "unchanged" } else { "update" }
            }
            None => "create",
        };
        match change {
            "create" => summary.created += 1,
            "update" => summary.updated += 1,
            _ => summary.unchanged += 1,
        }
        if change != "unchanged" {
            changes.push(
                ctx.change("soa.import_2013", "soa", &format!("{TO}:{}", p.control_id))
                    .before(&before)
                    .after(&after),
            );
        }
        drafts.push(Drafted {
            title: title(&p.control_id),
            control_id: p.control_id,
            sources: p.sources,
            applicability: after,
            change: change.to_string(),
        });
    }
    summary.kept = proposal.kept.len();
    summary.needs_decision = proposal.needs_decision.len();
    let report = SoaImportReport {
        dry_run: opts.dry_run,
        replace: opts.replace,
        controls_read: checked.len(),
        headings: skipped,
        needs_decision: proposal
            .needs_decision
            .into_iter()
            .map(|NeedsDecision { control_id, why }| ToDecide {
                title: title(&control_id),
                reasons: why.iter().map(Why::text).collect(),
                control_id,
                why,
            })
            .collect(),
        kept: proposal.kept,
        drafts,
        summary,
    };
    if opts.dry_run {
        // Everything is checked and proposed: what would be written is known.
        return Ok(report);
    }
    let written: Vec<&Applicability> = report
        .drafts
        .iter()
        .filter(|d| d.change != "unchanged")
        .map(|d| &d.applicability)
        .collect();
    super::store::write_rows(&mut tx, &written).await?;
    tx.audit_many(changes).await?;
    if let Some(id) = opts.upload.as_deref() {
        crate::registers::imports::store::consume(&mut tx, actor, id).await?;
    }
    tx.commit().await?;
    Ok(report)
}
