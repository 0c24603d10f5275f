//! The ids an import taken a batch at a time has seen so far.

use super::{Tx, next_ids};
use crate::error::{FieldError, Result};
use std::collections::HashMap;

/// The ids of an import's rows so far, with their rows: an import taken a batch at a time
/// refuses an id a row before it already gave.
#[derive(Default)]
pub(crate) struct SeenIds {
    pub(crate) rows: HashMap<Box<str>, usize>,
    /// New ids a dry run showed so far (a read reserves none, so each batch asks for more).
    fresh_shown: usize,
}

impl SeenIds {
    /// Notes the given ids of a batch: a problem (`row N, id`) for each that a row before had.
    pub(crate) fn check<'a>(
        &mut self,
        rows: impl Iterator<Item = (usize, Option<&'a str>)>,
    ) -> Vec<FieldError> {
        let mut problems = Vec::new();
        for (row, id) in rows {
            if let Some(id) = id {
                match self.rows.get(id) {
                    Some(first) => problems.push(FieldError::new(
                        format!("row {row}, id"),
                        format!("the id {id} is already on row {first}"),
                    )),
                    None => {
                        self.rows.insert(id.into(), row);
                    }
                }
            }
        }
        problems
    }

    /// `n` new ids for rows without one (noted with their rows), `PREFIX-0001` onwards.
    pub(crate) async fn fresh(
        &mut self,
        tx: &mut Tx,
        (kind, prefix, table, column): (&str, &str, &str, &str),
        rows: &[usize],
    ) -> Result<Vec<String>> {
        let n = rows.len();
        let ids = if tx.read_only {
            let ids = next_ids(tx, kind, prefix, table, column, self.fresh_shown + n).await?;
            let skip = self.fresh_shown;
            self.fresh_shown += n;
            ids.into_iter().skip(skip).collect()
        } else {
            next_ids(tx, kind, prefix, table, column, n).await?
        };
        for (id, row) in ids.iter().zip(rows) {
            self.rows.insert(id.as_str().into(), *row);
        }
        Ok(ids)
    }

    pub(crate) fn has(&self, id: &str) -> bool {
        self.rows.contains_key(id)
    }

    pub(crate) fn row_of(&self, id: &str) -> Option<usize> {
        self.rows.get(id).copied()
    }
}
