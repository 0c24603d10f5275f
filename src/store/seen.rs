//! The ids an import taken a batch at a time has seen so far.
//!
//! A file of a million rows gives a million ids, and the loop check of asset dependencies
//! walks them all: they are kept compactly, one after another in one string, each known by
//! its index, and found again through a table of those indexes alone, by the hash of the
//! text each stands for (8 bytes an id, where a map from hash to index took 16: at a million
//! ids, 18 MB instead of 34, and half as much again while the table grows).

use super::{Tx, next_ids};
use crate::error::{FieldError, Result};
use hashbrown::HashTable;
use std::hash::{BuildHasher, RandomState};

/// The ids of an import's rows so far, with their rows: an import taken a batch at a time
/// refuses an id a row before it already gave. Ids only named (what a row depends on) are
/// kept too, with no row, so that a graph over them is a graph of indexes.
#[derive(Default)]
pub(crate) struct SeenIds {
    /// Every id met so far, one after another.
    text: String,
    /// Where each id's text starts in `text`; it ends where the next one starts.
    starts: Vec<usize>,
    /// The row of the file that gave each id; 0 for an id only named so far.
    rows: Vec<usize>,
    /// The index of each id, found by the hash of its text.
    table: HashTable<usize>,
    hasher: RandomState,
    /// New ids a dry run showed so far (a read reserves none, so each batch asks for more).
    fresh_shown: usize,
}

impl SeenIds {
    /// The index of an id met so far (given by a row or only named).
    pub(crate) fn index(&self, id: &str) -> Option<usize> {
        self.find(self.hasher.hash_one(id), id)
    }

    fn find(&self, hash: u64, id: &str) -> Option<usize> {
        self.table.find(hash, |&i| self.text_of(i) == id).copied()
    }

    /// The index of an id, noted (with no row) if it was not met yet.
    pub(crate) fn intern(&mut self, id: &str) -> usize {
        let hash = self.hasher.hash_one(id);
        if let Some(i) = self.find(hash, id) {
            return i;
        }
        let i = self.starts.len();
        self.starts.push(self.text.len());
        self.text.push_str(id);
        self.rows.push(0);
        let Self {
            table,
            text,
            starts,
            hasher,
            ..
        } = self;
        // Growing, the table hashes each id again from its text.
        table.insert_unique(hash, i, |&j| hasher.hash_one(text_at(text, starts, j)));
        i
    }

    /// The text of the id at an index.
    pub(crate) fn text_of(&self, i: usize) -> &str {
        text_at(&self.text, &self.starts, i)
    }

    /// How many ids were met (the indexes run from 0 to this).
    pub(crate) fn len(&self) -> usize {
        self.starts.len()
    }

    /// The row that gave the id at an index, if a row gave it.
    pub(crate) fn row_at(&self, i: usize) -> Option<usize> {
        self.rows.get(i).copied().filter(|&r| r != 0)
    }

    /// Notes the ids of a batch's rows (`None` for a row without one, which gets a new id):
    /// a problem (`row N, id`) for each that a row before had.
    pub(crate) fn check<'a>(
        &mut self,
        rows: impl Iterator<Item = (usize, Option<&'a str>)>,
    ) -> Vec<FieldError> {
        let mut problems = Vec::new();
        for (row, id) in rows {
            let Some(id) = id else { continue };
            let i = self.intern(id);
            match self.row_at(i) {
                Some(first) => problems.push(FieldError::new(
                    format!("row {row}, id"),
                    format!("the id {id} is already on row {first}"),
                )),
                None => self.rows[i] = row,
            }
        }
        problems
    }

    /// The id of each row of a batch: its own, or a new one (`PREFIX-0001` onwards) for a row
    /// without one, noted with its row. The rows' own ids were noted by `check`.
    pub(crate) async fn ids_of(
        &mut self,
        tx: &mut Tx,
        (kind, prefix, table, column): (&str, &str, &str, &str),
        rows: &[(usize, Option<&str>)],
    ) -> Result<Vec<String>> {
        let n = rows.iter().filter(|(_, id)| id.is_none()).count();
        let fresh = if n == 0 {
            Vec::new()
        } else if tx.read_only {
            let ids = next_ids(tx, kind, prefix, table, column, self.fresh_shown + n).await?;
            let skip = self.fresh_shown;
            self.fresh_shown += n;
            ids.into_iter().skip(skip).collect()
        } else {
            next_ids(tx, kind, prefix, table, column, n).await?
        };
        let mut fresh = fresh.into_iter();
        let mut ids = Vec::with_capacity(rows.len());
        for (row, id) in rows {
            let id = match id {
                Some(id) => id.to_string(),
                None => {
                    let id = fresh.next().unwrap_or_default();
                    let i = self.intern(&id);
                    self.rows[i] = *row;
                    id
                }
            };
            ids.push(id);
        }
        Ok(ids)
    }

    /// Whether a row of the file gave this id.
    pub(crate) fn has(&self, id: &str) -> bool {
        self.row_of(id).is_some()
    }

    /// The row of the file that gave this id.
    pub(crate) fn row_of(&self, id: &str) -> Option<usize> {
        self.index(id).and_then(|i| self.row_at(i))
    }
}

/// The text of the id at index `i` of `text`, the ids' texts one after another starting at
/// `starts`.
fn text_at<'a>(text: &'a str, starts: &[usize], i: usize) -> &'a str {
    let end = starts.get(i + 1).copied().unwrap_or(text.len());
    &text[starts[i]..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_told_apart_by_their_text_even_when_their_hashes_clash() {
        let mut seen = SeenIds::default();
        // Two ids noted under one hash, as when their hashes clash.
        let h = 7;
        for id in ["A-1", "B-2"] {
            let i = seen.len();
            seen.starts.push(seen.text.len());
            seen.text.push_str(id);
            seen.rows.push(0);
            seen.table.insert_unique(h, i, |_| h);
        }
        assert_eq!(seen.find(h, "A-1"), Some(0));
        assert_eq!(seen.find(h, "B-2"), Some(1));
        assert_eq!(seen.find(h, "C-3"), None);
        assert_eq!(seen.text_of(1), "B-2");
    }

    #[test]
    fn a_row_may_give_an_id_only_named_before_but_not_one_a_row_gave() {
        let mut seen = SeenIds::default();
        assert!(
            seen.check([(2, Some("A-1")), (3, None)].into_iter())
                .is_empty()
        );
        let b = seen.intern("B-2");
        assert_eq!(seen.index("B-2"), Some(b));
        assert_eq!(seen.row_of("A-1"), Some(2));
        // Only named so far: no row, so a row may still give it.
        assert!(!seen.has("B-2"));
        let problems = seen.check([(9, Some("B-2")), (10, Some("A-1"))].into_iter());
        assert_eq!(seen.row_of("B-2"), Some(9));
        assert_eq!(problems.len(), 1);
        assert_eq!(problems[0].field, "row 10, id");
        assert_eq!(seen.len(), 2);
        // Many ids: the table grows, hashing each again from its text.
        for n in 0..10_000 {
            seen.intern(&format!("C-{n}"));
        }
        assert_eq!(seen.index("C-9999"), Some(10_001));
        assert_eq!(seen.index("A-1"), Some(0));
    }
}
