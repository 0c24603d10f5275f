//! The migration of a Statement of Applicability of ISO/IEC 27002:2013 in the store: every
//! row is checked against the 2013 catalogue before anything is written; the proposal is made
//! from the 2013→2022 correspondence and the live 2022 SoA; then every proposed decision is
//! written in one transaction, each with its audit entry — or, in a dry run, only reported.

use super::soa::{COLUMNS, DecisionRow, decision_from};
use super::{Store, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::soa::Applicability;
use crate::domain::soa_migrate::{
    FROM, Known, NeedsDecision, Row2013, Row2013Input, TO, Why, propose, shown,
};
use crate::error::{Error, FieldError, Result};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// How to import a 2013 SoA.
#[derive(Debug, Clone, Default)]
pub struct SoaImportOptions {
    /// Check and report, write nothing.
    pub dry_run: bool,
    /// Overwrite the controls already decided in the live SoA (kept otherwise).
    pub replace: bool,
    /// The upload this import consumes (removed in the import's transaction).
    pub upload: Option<String>,
}

/// One 2022 control with a proposed decision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Drafted {
    pub control_id: String,
    pub title: String,
    /// The 2013 controls of the file it comes from (`5.1.1`).
    pub sources: Vec<String>,
    /// The decision as written (or, in a dry run, as it would be).
    pub applicability: Applicability,
    /// create, update or unchanged
    pub change: String,
}

/// A 2022 control that needs a person's decision, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ToDecide {
    pub control_id: String,
    pub title: String,
    pub why: Vec<Why>,
    /// `why` in words.
    pub reasons: Vec<String>,
}

/// What the import of a 2013 SoA did, or in a dry run would do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SoaImportReport {
    pub dry_run: bool,
    pub replace: bool,
    /// 2013 controls read from the file.
    pub controls_read: usize,
    /// Rows read past: domains and control objectives (A.5, A.5.1), rows without a control.
    pub headings: Vec<usize>,
    /// Every 2022 control with a proposed decision, in catalogue order.
    pub drafts: Vec<Drafted>,
    /// 2022 controls already decided in the live SoA, left as they are.
    pub kept: Vec<String>,
    /// Every 2022 control that still needs a decision, in catalogue order.
    pub needs_decision: Vec<ToDecide>,
    pub summary: SoaImportSummary,
}

/// The report in numbers.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SoaImportSummary {
    /// Drafts by decision.
    pub applicable: usize,
    pub excluded: usize,
    /// Drafts that carry justifications but no decision (their sources disagree).
    pub undecided: usize,
    /// Drafts by what writing them does.
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub kept: usize,
    pub needs_decision: usize,
}

impl Store {
    /// Imports a 2013 SoA (its rows with their spreadsheet row numbers) as a draft of the 2022
    /// SoA. Problems with rows are named "row 7, control" (row and field) and then nothing is
    /// written; otherwise every proposed decision is written in one transaction, audited as
    /// `soa.import_2013` with the values before and after. Drafts may be applicable without a
    /// reason (the SoA warns about those): an old SoA often gave none, and none is invented.
    pub async fn import_soa_2013(
        &self,
        actor: &str,
        rows: Vec<(usize, Row2013Input)>,
        opts: &SoaImportOptions,
    ) -> Result<SoaImportReport> {
        let old = self.catalog(FROM).await?;
        let new = self.catalog(TO).await?;
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
        let pairs = self.mapping_pairs(FROM, TO).await?;
        let ids: Vec<String> = new.controls.iter().map(|c| c.id.clone()).collect();
        let title = |id: &str| new.control(id).map(|c| c.title.clone()).unwrap_or_default();

        let mut tx = self.import_tx(opts.dry_run).await?;
        let stored: Vec<DecisionRow> = tx_query!(
            tx,
            fetch_all,
            DecisionRow,
            &format!("select {COLUMNS} from soa_row where framework_id = $1"),
            TO
        )?;
        let mut stored: HashMap<String, Applicability> = stored
            .into_iter()
            .map(|r| decision_from(TO, r))
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
                    Change::new(
                        actor,
                        "soa.import_2013",
                        "soa",
                        &format!("{TO}:{}", p.control_id),
                    )
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
        for d in report.drafts.iter().filter(|d| d.change != "unchanged") {
            let a = &d.applicability;
            let reasons: Vec<&str> = a.reasons.iter().map(|r| r.key()).collect();
            // The upsert of `set_applicability`, for each drafted row.
            tx_exec!(
                tx,
                "insert into soa_row (framework_id, control_id, applicable, reasons, exclusion_reason, justification,
                                      status, maturity, owner, target_date, updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 on conflict (framework_id, control_id) do update set
                     applicable = excluded.applicable, reasons = excluded.reasons,
                     exclusion_reason = excluded.exclusion_reason, justification = excluded.justification,
                     status = excluded.status, maturity = excluded.maturity, owner = excluded.owner,
                     target_date = excluded.target_date, updated_at = excluded.updated_at",
                TO,
                &a.control_id,
                a.applicable,
                reasons.join(","),
                a.exclusion_reason.map(|e| e.key()),
                &a.justification,
                a.status.key(),
                a.maturity,
                &a.owner,
                &a.target_date,
                &a.updated_at
            )?;
        }
        tx.audit_many(changes).await?;
        if let Some(id) = opts.upload.as_deref() {
            crate::registers::imports::store::consume(&mut tx, actor, id).await?;
        }
        tx.commit().await?;
        Ok(report)
    }
}
