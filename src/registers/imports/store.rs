//! Spreadsheets uploaded for import: kept in the database (not on one server's disk) while
//! the person reviews the dry run, and removed once imported or after a day. A file is kept in
//! parts of at most `PART_BYTES`, so that a CSV file of a million rows is written and read back
//! a part at a time.

use super::domain::{Source, Upload};
use crate::domain::audit::Change;
use crate::error::{Error, Result};
use crate::store::{Store, Tx, pool_query, tx_exec, tx_query};

/// How long an upload waits for its import.
const KEEP_HOURS: i64 = 24;

/// The most one part of an upload holds.
const PART_BYTES: usize = 1024 * 1024;

type UploadRow = (String, String, String, String, i64, String, String);
// Uploads kept before parts have their content in the row itself (and no recorded size).
const COLUMNS: &str = "import_upload_id, register, file_name, content_sha256, coalesce(content_size, cast(length(content) as bigint)), uploaded_by, uploaded_at";

fn upload_from(r: UploadRow) -> Upload {
    Upload {
        id: r.0,
        register: r.1,
        file_name: r.2,
        sha256: r.3,
        size: r.4,
        uploaded_by: r.5,
        uploaded_at: r.6,
    }
}

fn gone(id: &str) -> Error {
    Error::NotFound(format!(
        "upload {id} (uploads are kept for {KEEP_HOURS} hours and until imported)"
    ))
}

impl Store {
    /// Removes uploads kept longer than a day (their reviews were left); answers how many.
    pub async fn purge_uploads(&self) -> Result<u64> {
        let cutoff =
            crate::domain::clock::stamp(self.clock().now() - time::Duration::hours(KEEP_HOURS));
        let mut tx = self.write().await?;
        let n = remove_older(&mut tx, &cutoff).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Keeps a file for import, a part at a time; uploads older than a day are removed on
    /// the way.
    pub async fn save_upload(
        &self,
        actor: &str,
        register: &str,
        file_name: &str,
        source: Source<'_>,
    ) -> Result<Upload> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let (sha, size) = match &source {
            Source::Bytes(b) => (crate::domain::user::sha256_hex(b), b.len() as u64),
            Source::File(f) => (f.sha256().to_string(), f.size()),
        };
        let size = i64::try_from(size)
            .map_err(|_| Error::field("file", "the file is too large to be kept"))?;
        // The name is shown, never used as a path.
        let name: String = file_name
            .chars()
            .filter(|c| !c.is_control())
            .take(200)
            .collect();
        let cutoff =
            crate::domain::clock::stamp(self.clock().now() - time::Duration::hours(KEEP_HOURS));
        let mut tx = self.write().await?;
        let now = tx.now().to_string();
        remove_older(&mut tx, &cutoff).await?;
        tx_exec!(
            tx,
            "insert into import_upload (import_upload_id, register, file_name, content, content_size, content_sha256, uploaded_by, uploaded_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
            &id,
            register,
            &name,
            &[] as &[u8],
            size,
            &sha,
            actor,
            &now
        )?;
        let insert =
            "insert into import_upload_part (import_upload_id, seq, content) values ($1, $2, $3)";
        match source {
            Source::Bytes(b) => {
                for (seq, part) in b.chunks(PART_BYTES).enumerate() {
                    tx_exec!(tx, insert, &id, seq as i64, part)?;
                }
            }
            Source::File(f) => {
                use std::io::Read;
                let back = |e: std::io::Error| {
                    Error::Internal(anyhow::anyhow!("reading an upload back: {e}"))
                };
                let mut file = std::fs::File::open(f.path()).map_err(back)?;
                let mut buf = Vec::with_capacity(PART_BYTES);
                for seq in 0i64.. {
                    buf.clear();
                    (&mut file)
                        .take(PART_BYTES as u64)
                        .read_to_end(&mut buf)
                        .map_err(back)?;
                    if buf.is_empty() {
                        break;
                    }
                    tx_exec!(tx, insert, &id, seq, &buf[..])?;
                }
            }
        }
        let row: UploadRow = tx_query!(
            tx,
            fetch_one,
            UploadRow,
            &format!("select {COLUMNS} from import_upload where import_upload_id = $1"),
            &id
        )?;
        let upload = upload_from(row);
        tx.audit(Change::new(actor, "import.upload", "import", &id).after(&upload))
            .await?;
        tx.commit().await?;
        Ok(upload)
    }

    /// An upload, without its content.
    pub async fn upload_meta(&self, id: &str) -> Result<Upload> {
        let meta: Option<UploadRow> = pool_query!(
            self,
            fetch_optional,
            UploadRow,
            &format!("select {COLUMNS} from import_upload where import_upload_id = $1"),
            id
        )?;
        Ok(upload_from(meta.ok_or_else(|| gone(id))?))
    }

    /// An upload's content, handed to `sink` a part at a time in order (the content of an
    /// upload kept before parts comes as one).
    pub async fn upload_parts(
        &self,
        id: &str,
        mut sink: impl FnMut(Vec<u8>) -> Result<()>,
    ) -> Result<()> {
        let whole: Option<(Vec<u8>,)> = pool_query!(
            self,
            fetch_optional,
            (Vec<u8>,),
            "select content from import_upload where import_upload_id = $1",
            id
        )?;
        let (whole,) = whole.ok_or_else(|| gone(id))?;
        if !whole.is_empty() {
            sink(whole)?;
        }
        let (parts,): (i64,) = pool_query!(
            self,
            fetch_one,
            (i64,),
            "select count(*) from import_upload_part where import_upload_id = $1",
            id
        )?;
        for seq in 0..parts {
            let part: Option<(Vec<u8>,)> = pool_query!(
                self,
                fetch_optional,
                (Vec<u8>,),
                "select content from import_upload_part where import_upload_id = $1 and seq = $2",
                id,
                seq
            )?;
            // A part gone half way: the upload was imported (or removed) meanwhile.
            sink(part.ok_or_else(|| gone(id))?.0)?;
        }
        Ok(())
    }

    /// An upload's whole content, in memory.
    pub async fn upload_bytes(&self, id: &str) -> Result<Vec<u8>> {
        let mut content = Vec::new();
        self.upload_parts(id, |part| {
            content.extend_from_slice(&part);
            Ok(())
        })
        .await?;
        Ok(content)
    }
}

/// Removes the uploads kept since before `cutoff`, with their parts; answers how many.
async fn remove_older(tx: &mut Tx, cutoff: &str) -> Result<u64> {
    tx_exec!(
        tx,
        "delete from import_upload_part where import_upload_id in
         (select import_upload_id from import_upload where uploaded_at < $1)",
        cutoff
    )?;
    Ok(tx_exec!(
        tx,
        "delete from import_upload where uploaded_at < $1",
        cutoff
    )?)
}

/// Removes an upload inside the import that consumes it, so that a file is imported once: a
/// second submission finds it gone.
pub(crate) async fn consume(tx: &mut Tx, actor: &str, id: &str) -> Result<()> {
    tx_exec!(
        tx,
        "delete from import_upload_part where import_upload_id = $1",
        id
    )?;
    let n = tx_exec!(
        tx,
        "delete from import_upload where import_upload_id = $1",
        id
    )?;
    if n == 0 {
        return Err(Error::Conflict(
            "this upload was already imported (or has expired): upload the file again".into(),
        ));
    }
    tx.audit(Change::new(actor, "import.apply", "import", id))
        .await
}
