//! A file on its way to an import, written to the system's temporary directory as it arrives
//! (a request's body, a form's file field, an upload read back from the store: the store
//! keeps an upload from it, a part at a time), counted
//! against a limit and hashed on the way; removed when dropped. Nothing of it is held in
//! memory beyond one chunk. Chunks are written straight to the file (into the page cache,
//! microseconds each), which costs less than handing each one to a blocking thread.

use crate::error::Error;
use sha2::{Digest, Sha256};
use std::io::Write;
use std::path::{Path, PathBuf};

pub struct Spooled {
    path: PathBuf,
    file: Option<std::fs::File>,
    size: u64,
    hash: Sha256,
    sha256: String,
}

/// Why a file was refused past a limit, naming the setting.
fn too_large(max: u64, setting: &str) -> Error {
    Error::field(
        "file",
        format!(
            "the file is larger than {} MB, the most an import takes here ({setting})",
            max / (1024 * 1024)
        ),
    )
}

fn failed(e: std::io::Error) -> Error {
    Error::Internal(anyhow::anyhow!(
        "writing an upload to a temporary file: {e}"
    ))
}

impl Spooled {
    /// An empty file of its own.
    pub fn create() -> Result<Spooled, Error> {
        let path = std::env::temp_dir().join(format!("annex-import-{}", uuid::Uuid::new_v4()));
        let file = std::fs::File::create(&path).map_err(failed)?;
        Ok(Spooled {
            path,
            file: Some(file),
            size: 0,
            hash: Sha256::new(),
            sha256: String::new(),
        })
    }

    /// Adds a chunk; refused (naming `setting`) once the file would pass `max` bytes.
    pub fn push(&mut self, chunk: &[u8], max: u64, setting: &str) -> Result<(), Error> {
        self.size = self.size.saturating_add(chunk.len() as u64);
        if self.size > max {
            return Err(too_large(max, setting));
        }
        self.hash.update(chunk);
        match self.file.as_mut() {
            Some(f) => f.write_all(chunk).map_err(failed),
            None => Err(Error::Internal(anyhow::anyhow!(
                "an upload's temporary file was written after it was finished"
            ))),
        }
    }

    /// Closes the file and works out its SHA-256.
    pub fn finish(&mut self) {
        if self.file.take().is_some() {
            self.sha256 = crate::domain::user::to_hex(&std::mem::take(&mut self.hash).finalize());
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn size(&self) -> u64 {
        self.size
    }

    /// The file's SHA-256 in hex, once finished.
    pub fn sha256(&self) -> &str {
        &self.sha256
    }

    /// The file's first bytes (at most `n`), to tell a spreadsheet from a CSV file.
    pub fn head(&self, n: usize) -> Result<Vec<u8>, Error> {
        use std::io::Read;
        let f = std::fs::File::open(&self.path).map_err(failed)?;
        let mut buf = Vec::with_capacity(n);
        f.take(n as u64).read_to_end(&mut buf).map_err(failed)?;
        Ok(buf)
    }

    /// The whole file in memory (for files small enough to be read whole).
    pub fn read_all(&self) -> Result<Vec<u8>, Error> {
        std::fs::read(&self.path).map_err(failed)
    }
}

impl Drop for Spooled {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
