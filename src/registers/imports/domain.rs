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

/// Where an upload's content comes from as it is kept: a file in memory, or one on disk read
/// a part at a time.
pub enum Source<'a> {
    Bytes(&'a [u8]),
    File(&'a super::domain_spool::Spooled),
}
