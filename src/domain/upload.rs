//! A file received from a person or a script, on its way into the store.

use std::path::PathBuf;

/// A received file, hashed, waiting in a temporary file until it is kept (or dropped, which
/// removes it).
#[derive(Debug)]
pub struct Incoming {
    /// Where the file waits (removed when the value is dropped, unless moved into place).
    pub(crate) path: PathBuf,
    pub sha256: String,
    pub size: i64,
    /// The first bytes, to check the type.
    pub head: Vec<u8>,
}

impl Drop for Incoming {
    fn drop(&mut self) {
        // Already moved into place, or never written: nothing to remove then.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// A file a record holds (a document version, a training module's material): its content is
/// kept in the evidence vault under its SHA-256, the record keeps what describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct KeptFile {
    /// The name it was uploaded with, reduced to its last part; never used as a path.
    pub file_name: String,
    pub media_type: String,
    /// Bytes.
    pub size: i64,
    /// Lowercase hex SHA-256 of the content: where it is kept, and how it is checked.
    pub sha256: String,
}

impl KeptFile {
    /// Reads the four columns of a record's file: all present, or no file.
    pub fn from_columns(
        file_name: Option<String>,
        media_type: Option<String>,
        size: Option<i64>,
        sha256: Option<String>,
    ) -> Option<KeptFile> {
        Some(KeptFile {
            file_name: file_name?,
            media_type: media_type?,
            size: size?,
            sha256: sha256?,
        })
    }

    /// The size in words: `12.3 KB`, `4.0 MB`.
    pub fn size_label(&self) -> String {
        let b = self.size.max(0) as f64;
        if b < 1024.0 {
            format!("{} bytes", self.size)
        } else if b < 1024.0 * 1024.0 {
            format!("{:.1} KB", b / 1024.0)
        } else {
            format!("{:.1} MB", b / (1024.0 * 1024.0))
        }
    }
}
