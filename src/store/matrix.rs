//! The risk matrix in the store: one row of JSON, the default 5×5 until an organisation
//! sets its own. Every change is validated and audited with the matrix before and after.

use super::{Store, pool_query, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::matrix::Matrix;
use crate::error::{Error, Result};

impl Store {
    /// The organisation's risk matrix (the default 5×5 when none was set).
    pub async fn risk_matrix(&self) -> Result<Matrix> {
        let r: Option<(String,)> = pool_query!(
            self,
            fetch_optional,
            (String,),
            "select definition_json from risk_matrix where risk_matrix_id = 1"
        )?;
        match r {
            None => Ok(Matrix::default_5x5()),
            Some((json,)) => serde_json::from_str(&json).map_err(|e| {
                Error::Internal(anyhow::anyhow!(
                    "the stored risk matrix cannot be read: {e}"
                ))
            }),
        }
    }

    /// Replaces the risk matrix after checking it.
    pub async fn set_risk_matrix(&self, actor: &str, matrix: Matrix) -> Result<Matrix> {
        matrix.validate()?;
        let before = self.risk_matrix().await?;
        if before == matrix {
            return Ok(matrix);
        }
        let json = serde_json::to_string(&matrix).map_err(|e| Error::Internal(e.into()))?;
        let mut tx = self.write().await?;
        let (risks,): (i64,) = tx_query!(tx, fetch_one, (i64,), "select count(*) from risk")?;
        if risks > 0
            && (before.likelihood.len() != matrix.likelihood.len()
                || before.impact.len() != matrix.impact.len())
        {
            return Err(Error::Conflict(format!(
                "{risks} risks are rated on the current {}×{} scales: changing the number of likelihood or impact steps would silently rescale them. Keep the scales' sizes (names, descriptions, colours and the grid can change), or re-rate the risks on a new matrix first",
                before.likelihood.len(),
                before.impact.len()
            )));
        }
        let now = tx.now().to_string();
        let existing: Option<(i64,)> = tx_query!(
            tx,
            fetch_optional,
            (i64,),
            "select risk_matrix_id from risk_matrix where risk_matrix_id = 1"
        )?;
        if existing.is_some() {
            tx_exec!(
                tx,
                "update risk_matrix set definition_json = $1, updated_at = $2 where risk_matrix_id = 1",
                &json,
                &now
            )?;
        } else {
            tx_exec!(
                tx,
                "insert into risk_matrix (risk_matrix_id, definition_json, updated_at) values (1, $1, $2)",
                &json,
                &now
            )?;
        }
        // Ratings keep their values; the levels they give follow the new grid.
        Store::relevel_risks(&mut tx, &matrix).await?;
        tx.audit(
            Change::new(actor, "risk_matrix.update", "risk_matrix", "1")
                .before(&before)
                .after(&matrix),
        )
        .await?;
        tx.commit().await?;
        Ok(matrix)
    }
}

/// The risk matrix read inside a transaction (a write whose rules depend on it).
pub(crate) async fn read_matrix(tx: &mut super::Tx) -> Result<Matrix> {
    let r: Option<(String,)> = super::tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select definition_json from risk_matrix where risk_matrix_id = 1"
    )?;
    match r {
        None => Ok(Matrix::default_5x5()),
        Some((json,)) => serde_json::from_str(&json).map_err(|e| {
            Error::Internal(anyhow::anyhow!(
                "the stored risk matrix cannot be read: {e}"
            ))
        }),
    }
}
