//! Approved versions of the Statement of Applicability: "approve" freezes every row as it is
//! now — decision, measures, evidence with its dates, warnings — with the organisation, the
//! scope, who approved it and when, as version N, kept with its SHA-256. Any two versions (or a
//! version and the live SoA) compare control by control.

use super::domain::{ApplicabilityInput, SoaRow};
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

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
    /// Whether the stored snapshot still has that hash, and that hash is the one recorded in
    /// the approval's audit entry.
    pub intact: bool,
    /// The audit entry that recorded the approval: its number and its chain hash (the
    /// trail's head just after approving), printed in exports to anchor them in the trail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_entry: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approval_entry_hash: Option<String>,
    /// Why the version no longer matches what was approved, when it does not.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub problem: Option<String>,
}

impl SoaVersion {
    /// Compares the version with the content hash its approval's audit entry recorded
    /// (`approved`: that entry's number, chain hash and the content hash in it; `None` when
    /// the trail has no approval of it).
    pub fn check_approval(&mut self, approved: Option<(i64, String, Option<String>)>) {
        let n = self.version;
        let problem = match &approved {
            _ if !self.intact => Some(format!(
                "in version {n}, its content no longer matches its SHA-256 ({}): the stored snapshot was altered",
                self.content_hash
            )),
            None => Some(format!(
                "the audit trail holds no approval of version {n}: it was not approved through Annex"
            )),
            Some((seq, _, recorded)) if recorded.as_deref() != Some(self.content_hash.as_str()) => {
                Some(format!(
                    "version {n}'s SHA-256 ({}) is not the one recorded when it was approved (audit entry {seq}: {}): its content no longer matches its SHA-256 as approved, the snapshot and its hash were altered",
                    self.content_hash,
                    recorded.as_deref().unwrap_or("none")
                ))
            }
            Some(_) => None,
        };
        if let Some((seq, hash, _)) = approved {
            self.approval_entry = Some(seq);
            self.approval_entry_hash = Some(hash);
        }
        self.intact = problem.is_none();
        self.problem = problem;
    }
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

pub use crate::domain::sha256_hex as hex_sha256;

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

/// The query of a comparison: `from=N` (a version) and `to=M` (a version, or the current
/// state when absent).
pub fn diff_query(params: &crate::domain::query::Params) -> Result<(i64, Option<i64>), Error> {
    let mut p = Problems::new();
    let mut number = |k: &str| -> Option<i64> {
        let raw = params.get(k)?.to_string();
        match raw.parse::<i64>() {
            Ok(n) if n > 0 => Some(n),
            _ => {
                p.add(k, format!("'{raw}' is not a version number"));
                None
            }
        }
    };
    let from = number("from");
    let to = number("to");
    // Absent or empty (`from=`): say so. (A value that is not a number was named above.)
    if params.get("from").is_none() {
        p.add("from", "say which version to compare from (from=1)");
    }
    p.into_query_result()?;
    Ok((from.unwrap_or(1), to))
}
