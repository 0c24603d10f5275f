//! Which statements built at run time stay prepared on their connection.

use sqlx::{PgPool, SqlitePool};
use std::collections::HashMap;

/// Whether a backend keeps run-time statements prepared: SQLite does (preparing costs more
/// there than planning saves); PostgreSQL plans each for its values.
pub(crate) trait Prepared {
    fn keeps_prepared(&self) -> bool;
}
impl Prepared for SqlitePool {
    fn keeps_prepared(&self) -> bool {
        true
    }
}
impl Prepared for PgPool {
    fn keeps_prepared(&self) -> bool {
        false
    }
}

/// `Tx::kept`: whether a chunk of `n` (of at most `full`) of `head` is full, or as long as
/// the last short one of `head` noted in `short` (and notes it).
pub(super) fn chunk_comes_back(
    short: &mut HashMap<String, usize>,
    head: &str,
    n: usize,
    full: usize,
) -> bool {
    if n >= full {
        return true;
    }
    match short.get_mut(head) {
        Some(last) => std::mem::replace(last, n) == n,
        None => {
            short.insert(head.to_string(), n);
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::chunk_comes_back;

    #[test]
    fn full_chunks_and_short_ones_that_come_back_are_kept() {
        let mut short = Default::default();
        let head = "insert into audit_event (seq)";
        assert!(chunk_comes_back(&mut short, head, 3_000, 3_000));
        // A batch's last chunk: kept from the second time it has the same length.
        assert!(!chunk_comes_back(&mut short, head, 2_000, 3_000));
        assert!(chunk_comes_back(&mut short, head, 2_000, 3_000));
        assert!(chunk_comes_back(&mut short, head, 2_000, 3_000));
        // Lengths that change from batch to batch (a batch's tags) are not.
        assert!(!chunk_comes_back(&mut short, head, 3_101, 15_000));
        assert!(!chunk_comes_back(&mut short, head, 3_087, 15_000));
        // Each statement is told apart by its head.
        assert!(!chunk_comes_back(
            &mut short,
            "insert into asset_tag (asset_id, tag)",
            3_087,
            15_000
        ));
        assert!(chunk_comes_back(
            &mut short,
            "insert into asset_tag (asset_id, tag)",
            3_087,
            15_000
        ));
    }
}
