//! The 2013 migration's reads and writes in the store: the 2022 decisions as they stand in the
//! import's transaction, and the drafted decisions written in one go.

use crate::error::Result;
use crate::registers::soa::domain::Applicability;
use crate::registers::soa::store::{COLUMNS, DecisionRow, decision_from};
use crate::store::{Tx, tx_exec, tx_query};

/// A framework's decisions, read inside the import's transaction.
pub(crate) async fn decisions_in(tx: &mut Tx, framework: &str) -> Result<Vec<Applicability>> {
    let stored: Vec<DecisionRow> = tx_query!(
        tx,
        fetch_all,
        DecisionRow,
        &format!("select {COLUMNS} from soa_row where framework_id = $1"),
        framework
    )?;
    Ok(stored
        .into_iter()
        .map(|r| decision_from(framework, r))
        .collect())
}

/// Writes drafted decisions (each one's revision goes up by one).
pub(crate) async fn write_rows(tx: &mut Tx, rows: &[&Applicability]) -> Result<()> {
    for a in rows {
        let reasons: Vec<&str> = a.reasons.iter().map(|r| r.key()).collect();
        tx_exec!(
            tx,
            "insert into soa_row (framework_id, control_id, applicable, reasons, exclusion_reason, justification,
                                  status, maturity, owner, target_date, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             on conflict (framework_id, control_id) do update set
                 applicable = excluded.applicable, reasons = excluded.reasons,
                 exclusion_reason = excluded.exclusion_reason, justification = excluded.justification,
                 status = excluded.status, maturity = excluded.maturity, owner = excluded.owner,
                 target_date = excluded.target_date, updated_at = excluded.updated_at,
                 revision = soa_row.revision + 1",
            &a.framework,
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
    Ok(())
}
