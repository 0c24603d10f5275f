//! An upload waiting for its review.

/// An uploaded file, without its content.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Upload {
    pub id: String,
    /// assets, risks or measures
    pub register: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub uploaded_by: String,
    pub uploaded_at: String,
}
