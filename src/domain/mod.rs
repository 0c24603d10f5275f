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
}

impl ImportReport {
    /// Adds what a further batch of the same import did.
    pub fn add(&mut self, more: ImportReport) {
        self.created.extend(more.created);
        self.updated.extend(more.updated);
        self.unchanged.extend(more.unchanged);
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
