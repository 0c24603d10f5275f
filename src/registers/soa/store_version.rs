//! Approved versions of the Statement of Applicability in the store: the next version with its
//! snapshot and hash (the database refuses to change or remove a version), the list, and one
//! version read back with its hash checked.

use super::domain_version::{Snapshot, SoaVersion, hex_sha256};
use crate::error::{Error, Result};
use crate::store::{Store, Tx, pool_query, tx_exec, tx_query};

type VersionRow = (String, i64, String, String, String, String, String);

fn version_from(r: VersionRow) -> (SoaVersion, String) {
    let intact = hex_sha256(&r.6) == r.5;
    (
        SoaVersion {
            framework: r.0,
            version: r.1,
            approved_by: r.2,
            approved_at: r.3,
            note: r.4,
            content_hash: r.5,
            intact,
            approval_entry: None,
            approval_entry_hash: None,
            problem: None,
        },
        r.6,
    )
}

const COLUMNS: &str =
    "framework_id, version, approved_by, approved_at, note, content_hash, snapshot";

/// Stores the next version of a framework's SoA with its snapshot (as `text`) and hash; one
/// approval at a time. Answers the version.
pub(crate) async fn insert_version(
    tx: &mut Tx,
    postgres: bool,
    framework: &str,
    approved_by: &str,
    note: &str,
    text: &str,
) -> Result<SoaVersion> {
    if postgres {
        // One approval at a time (SQLite's write transaction already is): two at once would
        // both read the same last version and one would fail on the key. Readers are not
        // blocked by this mode.
        tx_exec!(tx, "lock table soa_version in share row exclusive mode")?;
    }
    let (last,): (Option<i64>,) = tx_query!(
        tx,
        fetch_one,
        (Option<i64>,),
        "select max(version) from soa_version where framework_id = $1",
        framework
    )?;
    let version = last.unwrap_or(0) + 1;
    let hash = hex_sha256(text);
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!("insert into soa_version ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7)"),
        framework,
        version,
        approved_by,
        &now,
        note,
        &hash,
        text
    )?;
    Ok(SoaVersion {
        framework: framework.to_string(),
        version,
        approved_by: approved_by.to_string(),
        approved_at: now,
        note: note.to_string(),
        content_hash: hash,
        intact: true,
        approval_entry: None,
        approval_entry_hash: None,
        problem: None,
    })
}

impl Store {
    /// Every approved version of a framework's SoA, newest first.
    pub async fn soa_versions(&self, framework: &str) -> Result<Vec<SoaVersion>> {
        let rows: Vec<VersionRow> = pool_query!(
            self,
            fetch_all,
            VersionRow,
            &format!(
                "select {COLUMNS} from soa_version where framework_id = $1 order by version desc"
            ),
            framework
        )?;
        Ok(rows.into_iter().map(|r| version_from(r).0).collect())
    }

    /// One approved version with its rows as they were.
    pub async fn soa_version(
        &self,
        framework: &str,
        version: i64,
    ) -> Result<(SoaVersion, Snapshot)> {
        let row: Option<VersionRow> = pool_query!(
            self,
            fetch_optional,
            VersionRow,
            &format!("select {COLUMNS} from soa_version where framework_id = $1 and version = $2"),
            framework,
            version
        )?;
        let row = row.ok_or_else(|| {
            Error::NotFound(format!(
                "version {version} of the Statement of Applicability"
            ))
        })?;
        let (v, text) = version_from(row);
        let snapshot: Snapshot = serde_json::from_str(&text).map_err(|e| {
            Error::Internal(anyhow::anyhow!(
                "version {version} of the SoA cannot be read: {e}"
            ))
        })?;
        Ok((v, snapshot))
    }
}
