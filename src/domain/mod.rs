//! The domain: types that parse their input, the rules of the ISMS, and pure computations.
//! Nothing in here performs I/O; the store and the web layer call into it.

pub mod audit;
pub mod catalog;
pub mod clauses;
pub mod clock;
pub mod input;
pub mod link;
pub mod money;
pub mod montecarlo;
pub mod query;
pub mod upload;
pub mod user;
pub mod words;

/// What an import did (or, in a dry run, would do), by record id.
#[derive(Debug, Default, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub created: Vec<String>,
    pub updated: Vec<String>,
    pub unchanged: Vec<String>,
    /// How many values the file computed (risk levels, scores) were compared with what Annex
    /// computes from the same ratings.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub compared: usize,
    /// Those that differ: the file's and Annex's, side by side. Annex keeps its own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub recomputed: Vec<Recomputed>,
    /// The matrix the file's own levels describe, when they differ from Annex's: offered for
    /// adoption (`adopt_matrix`), or adopted with the import (`matrix_adopted`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_matrix: Option<crate::registers::matrix::domain_adopt::FileMatrix>,
    /// Whether the import replaced Annex's matrix with the file's (or, in a dry run, would).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub matrix_adopted: bool,
    /// People the HR import found gone (absent from a file that is the whole staff, with
    /// `absent_left`): their last day is set to today, and they are among `updated`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub left: Vec<String>,
    /// A file taken a batch at a time lists the first 10,000 ids of each of `created`,
    /// `updated` and `unchanged`: how many more each had is counted here.
    #[serde(default, skip_serializing_if = "NotListed::is_empty")]
    pub not_listed: NotListed,
}

/// How many ids an import lists in each of `created`, `updated` and `unchanged` when it adds
/// its batches up; past that it counts them (a million ids would be a report of megabytes).
pub const LISTED: usize = 10_000;

/// The ids of an import counted but not listed, past the first [`LISTED`] of each list.
#[derive(Debug, Default, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct NotListed {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl NotListed {
    fn is_empty(&self) -> bool {
        self.created == 0 && self.updated == 0 && self.unchanged == 0
    }
}

impl ImportReport {
    /// How many records the import created (or would), listed or not.
    pub fn created_count(&self) -> usize {
        self.created.len() + self.not_listed.created
    }

    /// How many records the import updated (or would), listed or not.
    pub fn updated_count(&self) -> usize {
        self.updated.len() + self.not_listed.updated
    }

    /// How many records the import found unchanged, listed or not.
    pub fn unchanged_count(&self) -> usize {
        self.unchanged.len() + self.not_listed.unchanged
    }

    /// Adds what a further batch of the same import did: the first [`LISTED`] ids of each
    /// list are kept, the others counted.
    pub fn add(&mut self, more: ImportReport) {
        fn extend(list: &mut Vec<String>, not_listed: &mut usize, more: Vec<String>) {
            let room = LISTED.saturating_sub(list.len());
            *not_listed += more.len().saturating_sub(room);
            list.extend(more.into_iter().take(room));
        }
        let n = &mut self.not_listed;
        extend(&mut self.created, &mut n.created, more.created);
        extend(&mut self.updated, &mut n.updated, more.updated);
        extend(&mut self.unchanged, &mut n.unchanged, more.unchanged);
        n.created += more.not_listed.created;
        n.updated += more.not_listed.updated;
        n.unchanged += more.not_listed.unchanged;
        self.compared += more.compared;
        self.recomputed.extend(more.recomputed);
        self.left.extend(more.left);
        if more.file_matrix.is_some() {
            self.file_matrix = more.file_matrix;
        }
        self.matrix_adopted |= more.matrix_adopted;
    }
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// A value a file computed that Annex computes otherwise from the same input (a risk's level
/// from its own matrix): both are shown, Annex's is kept.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Recomputed {
    /// The spreadsheet row.
    pub row: usize,
    /// The record: its id, or its title when it has none yet.
    pub record: String,
    /// What was computed: "inherent level", "residual score" …
    pub what: String,
    /// What it was computed from, as read: "likelihood 4 × impact 5".
    pub from: String,
    /// The file's value, as written.
    pub file: String,
    /// Annex's value, in words.
    pub annex: String,
}

/// Bytes in lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The SHA-256 of a text, in hex: how Annex names a version of a text it keeps (document and
/// SoA versions, questionnaires as sent).
pub fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    hex(&sha2::Sha256::digest(text.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_import_of_many_batches_lists_the_first_ids_and_counts_the_rest() {
        let batch = |from: usize| ImportReport {
            created: (from..from + 4_000).map(|i| format!("A-{i}")).collect(),
            unchanged: vec!["A-0".into()],
            ..ImportReport::default()
        };
        let mut report = ImportReport::default();
        for b in 0..3 {
            report.add(batch(b * 4_000));
        }
        assert_eq!(report.created.len(), LISTED);
        assert_eq!(report.created[LISTED - 1], format!("A-{}", LISTED - 1));
        assert_eq!(report.created_count(), 12_000);
        assert_eq!(report.unchanged_count(), 3);
        assert_eq!(report.updated_count(), 0);
        // Reports added up again (a report of reports) keep their counts.
        let mut total = ImportReport::default();
        total.add(report.clone());
        total.add(report);
        assert_eq!(total.created_count(), 24_000);
        assert_eq!(total.created.len(), LISTED);
        let json = serde_json::to_value(&total).unwrap();
        assert_eq!(json["not_listed"]["created"], 14_000);
    }
}
