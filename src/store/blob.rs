//! Where evidence files live, behind one small interface: content is kept by its SHA-256 —
//! under the data dir on SQLite, in the database on PostgreSQL so that every `annex serve`
//! sharing it serves the same files (an object store can be a third home later). Content is
//! written once and never overwritten; uploads stream to a temporary file while they are
//! hashed and counted, so that a 50 MB file never sits in memory; reads come in chunks and are
//! checked against the hash before anything is handed out.

use super::{Store, Tx, pool_query, tx_exec, tx_query};
use crate::domain::upload::Incoming;
use crate::error::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Chunks read from disk and stored in the database are this large.
const CHUNK: usize = 1024 * 1024;
/// The first bytes of an upload, kept to check its type.
const HEAD: usize = 512;

/// The home of file content.
#[derive(Debug, Clone)]
pub enum Blobs {
    /// Files `ab/abcdef…` under a directory (the data dir's `evidence/`).
    Files(PathBuf),
    /// Rows of `evidence_blob_chunk`.
    Database,
}

impl Blobs {
    fn temp_dir(&self) -> PathBuf {
        match self {
            // Beside the files, so that keeping an upload is a rename on the same disk.
            Blobs::Files(dir) => dir.join("tmp"),
            Blobs::Database => std::env::temp_dir(),
        }
    }
}

fn file_of(dir: &Path, sha256: &str) -> PathBuf {
    dir.join(&sha256[..2]).join(sha256)
}

fn io(what: &str, e: std::io::Error) -> Error {
    Error::Internal(anyhow::anyhow!("{what}: {e}"))
}

/// An upload on its way in: written to a temporary file, hashed and counted as it comes.
pub struct BlobWriter {
    file: tokio::fs::File,
    incoming: Incoming,
    hasher: Sha256,
    max_bytes: u64,
}

impl BlobWriter {
    /// Appends a chunk; past `max_bytes` the upload is refused (and its file removed).
    pub async fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.incoming.size += chunk.len() as i64;
        if self.incoming.size as u64 > self.max_bytes {
            return Err(Error::field(
                "file",
                format!(
                    "the file is larger than the limit of {} MB",
                    self.max_bytes / (1024 * 1024)
                ),
            ));
        }
        if self.incoming.head.len() < HEAD {
            let take = (HEAD - self.incoming.head.len()).min(chunk.len());
            self.incoming.head.extend_from_slice(&chunk[..take]);
        }
        self.hasher.update(chunk);
        self.file
            .write_all(chunk)
            .await
            .map_err(|e| io("writing an upload", e))
    }

    /// The whole file has come: flushed and hashed.
    pub async fn finish(mut self) -> Result<Incoming> {
        self.file
            .flush()
            .await
            .map_err(|e| io("writing an upload", e))?;
        self.file
            .sync_all()
            .await
            .map_err(|e| io("writing an upload", e))?;
        let digest = std::mem::take(&mut self.hasher).finalize();
        self.incoming.sha256 = crate::domain::hex(&digest);
        if self.incoming.size == 0 {
            return Err(Error::field("file", "the file is empty"));
        }
        Ok(self.incoming)
    }
}

/// A stored file read chunk by chunk.
pub struct BlobReader {
    source: Source,
}

enum Source {
    File(tokio::fs::File),
    Database {
        store: Store,
        sha256: String,
        seq: i64,
    },
}

impl BlobReader {
    /// The next chunk, or `None` at the end.
    pub async fn next(&mut self) -> Result<Option<Vec<u8>>> {
        match &mut self.source {
            Source::File(f) => {
                let mut buf = vec![0u8; CHUNK];
                let mut filled = 0;
                // Fill the chunk (a read may return less than asked).
                while filled < CHUNK {
                    let n = f
                        .read(&mut buf[filled..])
                        .await
                        .map_err(|e| io("reading an evidence file", e))?;
                    if n == 0 {
                        break;
                    }
                    filled += n;
                }
                buf.truncate(filled);
                Ok((filled > 0).then_some(buf))
            }
            Source::Database { store, sha256, seq } => {
                let row: Option<(Vec<u8>,)> = pool_query!(
                    store,
                    fetch_optional,
                    (Vec<u8>,),
                    "select data from evidence_blob_chunk where sha256 = $1 and seq = $2",
                    sha256.as_str(),
                    *seq
                )?;
                *seq += 1;
                Ok(row.map(|r| r.0))
            }
        }
    }
}

impl Store {
    /// Starts receiving a file of at most `max_bytes`.
    pub async fn blob_writer(&self, max_bytes: u64) -> Result<BlobWriter> {
        let dir = self.blobs.temp_dir();
        tokio::fs::create_dir_all(&dir)
            .await
            .map_err(|e| io(&format!("creating {}", dir.display()), e))?;
        let path = dir.join(format!("annex-upload-{}", uuid::Uuid::new_v4()));
        let file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| io(&format!("creating {}", path.display()), e))?;
        Ok(BlobWriter {
            file,
            incoming: Incoming {
                path,
                sha256: String::new(),
                size: 0,
                head: Vec::new(),
            },
            hasher: Sha256::new(),
            max_bytes,
        })
    }

    /// Keeps a received file under its hash, as part of `tx` where the home is the database.
    /// Content already kept is not written again (nor ever overwritten).
    pub(crate) async fn keep_blob(&self, tx: &mut Tx, incoming: &Incoming) -> Result<()> {
        match &self.blobs {
            Blobs::Files(dir) => {
                let dest = file_of(dir, &incoming.sha256);
                if tokio::fs::try_exists(&dest).await.unwrap_or(false) {
                    return Ok(());
                }
                if let Some(parent) = dest.parent() {
                    tokio::fs::create_dir_all(parent)
                        .await
                        .map_err(|e| io(&format!("creating {}", parent.display()), e))?;
                }
                // A rename is atomic: the file under its hash is whole or absent. If the
                // transaction then fails, the content stays unreferenced, which is harmless.
                tokio::fs::rename(&incoming.path, &dest)
                    .await
                    .map_err(|e| io("keeping an evidence file", e))?;
                Ok(())
            }
            Blobs::Database => {
                let kept: Option<(i64,)> = tx_query!(
                    tx,
                    fetch_optional,
                    (i64,),
                    "select seq from evidence_blob_chunk where sha256 = $1 and seq = 0",
                    &incoming.sha256
                )?;
                if kept.is_some() {
                    return Ok(());
                }
                let mut file = tokio::fs::File::open(&incoming.path)
                    .await
                    .map_err(|e| io("reading an upload", e))?;
                let mut seq = 0i64;
                loop {
                    let mut buf = vec![0u8; CHUNK];
                    let mut filled = 0;
                    while filled < CHUNK {
                        let n = file
                            .read(&mut buf[filled..])
                            .await
                            .map_err(|e| io("reading an upload", e))?;
                        if n == 0 {
                            break;
                        }
                        filled += n;
                    }
                    if filled == 0 {
                        break;
                    }
                    buf.truncate(filled);
                    tx_exec!(
                        tx,
                        "insert into evidence_blob_chunk (sha256, seq, data) values ($1, $2, $3)
                         on conflict (sha256, seq) do nothing",
                        &incoming.sha256,
                        seq,
                        buf
                    )?;
                    seq += 1;
                }
                Ok(())
            }
        }
    }

    /// Opens stored content for reading.
    pub async fn open_blob(&self, sha256: &str) -> Result<BlobReader> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::NotFound(format!("no stored file {sha256}")));
        }
        let source = match &self.blobs {
            Blobs::Files(dir) => {
                let path = file_of(dir, sha256);
                let f = tokio::fs::File::open(&path).await.map_err(|e| {
                    tracing::error!(file = %path.display(), "evidence file missing: {e}");
                    Error::Internal(anyhow::anyhow!(
                        "the stored file {sha256} is missing from {}",
                        dir.display()
                    ))
                })?;
                Source::File(f)
            }
            Blobs::Database => Source::Database {
                store: self.clone(),
                sha256: sha256.to_string(),
                seq: 0,
            },
        };
        Ok(BlobReader { source })
    }

    /// Reads stored content through and checks it still has its hash and size: `None` when
    /// it does, else what is wrong (missing, or changed), in words.
    pub async fn blob_damage(&self, sha256: &str, size: i64) -> Result<Option<String>> {
        let mut r = match self.open_blob(sha256).await {
            Ok(r) => r,
            Err(Error::Internal(_)) => {
                return Ok(Some(format!("its stored file ({sha256}) is missing")));
            }
            Err(e) => return Err(e),
        };
        let mut hasher = Sha256::new();
        let mut read = 0i64;
        while let Some(chunk) = r.next().await? {
            read += chunk.len() as i64;
            hasher.update(&chunk);
        }
        let got = crate::domain::hex(&hasher.finalize());
        if got != sha256 || read != size {
            tracing::error!(
                sha256,
                got = %got,
                size,
                read,
                "stored evidence does not match its hash"
            );
            return Ok(Some(format!(
                "its stored file no longer matches its SHA-256 {sha256} ({read} bytes read, {size} expected): it was damaged or changed"
            )));
        }
        Ok(None)
    }
}
