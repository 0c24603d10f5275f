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
