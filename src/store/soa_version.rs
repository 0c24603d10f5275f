//! Approved versions of the Statement of Applicability: "approve" freezes every row as it is
//! now — decision, measures, evidence with its dates, warnings — with the organisation, the
//! scope, who approved it and when, as version N. The snapshot's SHA-256 is stored with it and
//! written to the audit trail; the database refuses to change or remove a version. Any two
//! versions (or a version and the live SoA) can be compared control by control.

use super::{SoaRow, Store, pool_query, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::soa::ApplicabilityInput;
use crate::error::{Error, Result};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// An approved version, without its rows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SoaVersion {
    pub framework: String,
    pub version: i64,
    pub approved_by: String,
    pub approved_at: String,
    pub note: String,
    /// SHA-256 of the stored snapshot.
    pub content_hash: String,
    /// Whether the stored snapshot still has that hash.
    pub intact: bool,
}

/// What a version holds: the header an auditor reads and every row as it was.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Snapshot {
    pub organisation: String,
    pub scope: String,
    pub rows: Vec<SoaRow>,
}

/// One field of a control that differs between two versions.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct FieldChange {
    pub field: &'static str,
    pub before: String,
    pub after: String,
}

/// A control that differs between two versions, with what changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowChange {
    pub control_id: String,
    pub title: String,
    pub changes: Vec<FieldChange>,
}

fn hex_sha256(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The compared fields of a row, as words: (field, value).
fn fields_of(r: &SoaRow) -> Vec<(&'static str, String)> {
    let v = ApplicabilityInput::from(&r.applicability);
    let ids = |it: &mut dyn Iterator<Item = &str>| it.collect::<Vec<_>>().join(", ");
    vec![
        ("applicable", v.applicable),
        ("reasons", v.reasons),
        ("exclusion_reason", v.exclusion_reason),
        ("justification", v.justification),
        ("status", v.status),
        ("maturity", v.maturity),
        ("owner", v.owner),
        ("target_date", v.target_date),
        (
            "measures",
            ids(&mut r.measures.iter().map(|m| m.id.as_str())),
        ),
        ("evidence", {
            let shown = ids(&mut r.evidence.iter().map(|e| e.evidence_id.as_str()));
            match r.evidence_count.saturating_sub(r.evidence.len()) {
                0 => shown,
                more => format!("{shown} and {more} more"),
            }
        }),
        ("evidence_state", r.evidence_state.key().to_string()),
    ]
}

/// The controls that differ between `before` and `after` (in `after`'s order, then controls
/// only in `before`), each with the fields that changed.
pub fn diff(before: &[SoaRow], after: &[SoaRow]) -> Vec<RowChange> {
    let mut out = Vec::new();
    let empty = |r: &SoaRow| fields_of(r).into_iter().map(|(f, _)| (f, String::new()));
    for a in after {
        let changes: Vec<FieldChange> = match before.iter().find(|b| b.control.id == a.control.id) {
            Some(b) => fields_of(b)
                .into_iter()
                .zip(fields_of(a))
                .filter(|((_, x), (_, y))| x != y)
                .map(|((field, before), (_, after))| FieldChange {
                    field,
                    before,
                    after,
                })
                .collect(),
            None => empty(a)
                .zip(fields_of(a))
                .filter(|(_, (_, y))| !y.is_empty())
                .map(|((field, _), (_, after))| FieldChange {
                    field,
                    before: String::new(),
                    after,
                })
                .collect(),
        };
        if !changes.is_empty() {
            out.push(RowChange {
                control_id: a.control.id.clone(),
                title: a.control.title.clone(),
                changes,
            });
        }
    }
    for b in before
        .iter()
        .filter(|b| !after.iter().any(|a| a.control.id == b.control.id))
    {
        out.push(RowChange {
            control_id: b.control.id.clone(),
            title: b.control.title.clone(),
            changes: vec![FieldChange {
                field: "control",
                before: b.control.id.clone(),
                after: String::new(),
            }],
        });
    }
    out
}

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
        },
        r.6,
    )
}

const COLUMNS: &str =
    "framework_id, version, approved_by, approved_at, note, content_hash, snapshot";

impl Store {
    /// The live SoA with its header, as a version would freeze it.
    pub async fn soa_snapshot(&self, framework: &str) -> Result<Snapshot> {
        Ok(Snapshot {
            organisation: self.organisation_name().await?.unwrap_or_default(),
            scope: self.isms_scope().await?,
            rows: self.soa(framework).await?,
        })
    }

    /// Approves the SoA as it is now: stores it as the next version, with its hash, audited.
    pub async fn approve_soa(
        &self,
        actor: &str,
        framework: &str,
        note: &str,
    ) -> Result<SoaVersion> {
        let note = note.trim();
        if note.chars().count() > 2000 {
            return Err(Error::field("note", "at most 2000 characters"));
        }
        let snapshot = self.soa_snapshot(framework).await?;
        let text = serde_json::to_string(&snapshot)
            .map_err(|e| Error::Internal(anyhow::anyhow!("writing the SoA snapshot: {e}")))?;
        let hash = hex_sha256(&text);
        let mut tx = self.write().await?;
        if self.backend() == crate::config::Backend::Postgres {
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
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            &format!("insert into soa_version ({COLUMNS}) values ($1, $2, $3, $4, $5, $6, $7)"),
            framework,
            version,
            actor,
            &now,
            note,
            &hash,
            &text
        )?;
        let v = SoaVersion {
            framework: framework.to_string(),
            version,
            approved_by: actor.to_string(),
            approved_at: now,
            note: note.to_string(),
            content_hash: hash,
            intact: true,
        };
        tx.audit(
            Change::new(
                actor,
                "soa.approve",
                "soa_version",
                &format!("{framework}:{version}"),
            )
            .after(&v),
        )
        .await?;
        tx.commit().await?;
        Ok(v)
    }

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

    /// A version's rows, or the live SoA's for `None`.
    pub async fn soa_at(&self, framework: &str, version: Option<i64>) -> Result<Snapshot> {
        match version {
            Some(n) => Ok(self.soa_version(framework, n).await?.1),
            None => self.soa_snapshot(framework).await,
        }
    }
}
