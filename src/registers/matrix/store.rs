//! The risk matrix in the store: one row of JSON, the default 5×5 until an organisation
//! sets its own.

use super::domain::Matrix;
use crate::error::{Error, Result};
use crate::store::{Store, Tx, pool_query, tx_exec, tx_query};

impl Store {
    /// The organisation's risk matrix (the default 5×5 when none was set).
    pub async fn risk_matrix(&self) -> Result<Matrix> {
        Ok(self.risk_matrix_revision().await?.0)
    }

    /// The risk matrix with its revision (0 for the default 5×5 before any save).
    pub async fn risk_matrix_revision(&self) -> Result<(Matrix, i64)> {
        let r: Option<(String, i64)> = pool_query!(
            self,
            fetch_optional,
            (String, i64),
            "select definition_json, revision from risk_matrix where risk_matrix_id = 1"
        )?;
        parse(r)
    }
}

fn parse(r: Option<(String, i64)>) -> Result<(Matrix, i64)> {
    match r {
        // Never saved: revision 0 (the first save stores revision 1).
        None => Ok((Matrix::default_5x5(), 0)),
        Some((json, revision)) => serde_json::from_str(&json)
            .map(|m| (m, revision))
            .map_err(|e| {
                Error::Internal(anyhow::anyhow!(
                    "the stored risk matrix cannot be read: {e}"
                ))
            }),
    }
}

/// The risk matrix and its revision, its row locked for this write.
pub(crate) async fn lock_matrix(tx: &mut Tx) -> Result<(Matrix, i64)> {
    let lock = tx.row_lock();
    let r: Option<(String, i64)> = tx_query!(
        tx,
        fetch_optional,
        (String, i64),
        &format!(
            "select definition_json, revision from risk_matrix where risk_matrix_id = 1{lock}"
        )
    )?;
    parse(r)
}

/// The risk matrix read inside a transaction (a write whose rules depend on it).
pub(crate) async fn read_matrix(tx: &mut Tx) -> Result<Matrix> {
    let r: Option<(String,)> = tx_query!(
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

/// Stores the risk matrix (inserted the first time).
pub(crate) async fn write_matrix(tx: &mut Tx, matrix: &Matrix) -> Result<()> {
    let json = serde_json::to_string(matrix).map_err(|e| Error::Internal(e.into()))?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into risk_matrix (risk_matrix_id, definition_json, updated_at) values (1, $1, $2)
         on conflict (risk_matrix_id) do update set definition_json = excluded.definition_json,
                                                    updated_at = excluded.updated_at,
                                                    revision = risk_matrix.revision + 1",
        &json,
        &now
    )?;
    Ok(())
}

/// How many risks there are (rated on the matrix), read inside a write from the count the
/// store keeps (`register_count`), not by reading every risk.
pub(crate) async fn risks_rated(tx: &mut Tx) -> Result<i64> {
    let (risks,): (i64,) = tx_query!(
        tx,
        fetch_one,
        (i64,),
        "select n from register_count where table_name = 'risk'"
    )?;
    Ok(risks)
}
