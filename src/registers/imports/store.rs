//! Spreadsheets uploaded for import: kept in the database (not on one server's disk) while
//! the person reviews the dry run, and removed once imported or after a day.

use super::domain::Upload;
use crate::domain::audit::Change;
use crate::error::{Error, Result};
use crate::store::{Store, Tx, pool_query, tx_exec, tx_query};

/// How long an upload waits for its import.
const KEEP_HOURS: i64 = 24;

type UploadRow = (String, String, String, String, i64, String, String);
const COLUMNS: &str = "import_upload_id, register, file_name, content_sha256, cast(length(content) as bigint), uploaded_by, uploaded_at";

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

impl Store {
    /// Removes uploads kept longer than a day (their reviews were left); answers how many.
    pub async fn purge_uploads(&self) -> Result<u64> {
        let cutoff =
            crate::domain::clock::stamp(self.clock().now() - time::Duration::hours(KEEP_HOURS));
        let mut tx = self.write().await?;
        let n = tx_exec!(
            tx,
            "delete from import_upload where uploaded_at < $1",
            &cutoff
        )?;
        tx.commit().await?;
        Ok(n)
    }

    /// Keeps a file for import; uploads older than a day are removed on the way.
    pub async fn save_upload(
        &self,
        actor: &str,
        register: &str,
        file_name: &str,
        content: &[u8],
    ) -> Result<Upload> {
        let id = uuid::Uuid::new_v4().simple().to_string();
        let sha = crate::domain::user::sha256_hex(content);
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
        tx_exec!(
            tx,
            "delete from import_upload where uploaded_at < $1",
            &cutoff
        )?;
        tx_exec!(
            tx,
            "insert into import_upload (import_upload_id, register, file_name, content, content_sha256, uploaded_by, uploaded_at)
             values ($1, $2, $3, $4, $5, $6, $7)",
            &id,
            register,
            &name,
            content,
            &sha,
            actor,
            &now
        )?;
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

    /// An upload and its content.
    pub async fn upload(&self, id: &str) -> Result<(Upload, Vec<u8>)> {
        let meta: Option<UploadRow> = pool_query!(
            self,
            fetch_optional,
            UploadRow,
            &format!("select {COLUMNS} from import_upload where import_upload_id = $1"),
            id
        )?;
        let meta = upload_from(meta.ok_or_else(|| {
            Error::NotFound(format!(
                "upload {id} (uploads are kept for {KEEP_HOURS} hours and until imported)"
            ))
        })?);
        let (content,): (Vec<u8>,) = pool_query!(
            self,
            fetch_one,
            (Vec<u8>,),
            "select content from import_upload where import_upload_id = $1",
            id
        )?;
        Ok((meta, content))
    }
}

/// Removes an upload inside the import that consumes it, so that a file is imported once: a
/// second submission finds it gone.
pub(crate) async fn consume(tx: &mut Tx, actor: &str, id: &str) -> Result<()> {
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
