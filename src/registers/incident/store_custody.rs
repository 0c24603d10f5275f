//! An incident's evidence and chain of custody in the store: appended, never updated (the
//! custody table refuses updates and deletes by trigger on both databases).

use super::domain_custody::{Custody, EvidenceDraft, EvidenceItem, HandoverDraft};
use crate::domain::upload::KeptFile;
use crate::error::Result;
use crate::store::{Store, Tx, pool_query, tx_exec, tx_query};

type EvidenceRow = (
    i64,
    String,
    String,
    i64,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    String,
);
const EVIDENCE_COLUMNS: &str = "seq, file_name, file_type, file_size, file_sha256, description, collected_by, collected_at, collected_from, holder, added_by, added_at";

type CustodyRow = (i64, i64, String, String, String, String, String, String);
const CUSTODY_COLUMNS: &str =
    "evidence_seq, seq, at, from_holder, to_holder, purpose, recorded_by, recorded_at";

fn evidence_from(r: EvidenceRow) -> EvidenceItem {
    EvidenceItem {
        seq: r.0,
        file: KeptFile {
            file_name: r.1,
            media_type: r.2,
            size: r.3,
            sha256: r.4,
        },
        description: r.5,
        collected_by: r.6,
        collected_at: r.7,
        collected_from: r.8,
        holder: r.9,
        added_by: r.10,
        added_at: r.11,
        custody: Vec::new(),
    }
}

/// Puts each custody line under its evidence.
fn assemble(rows: Vec<EvidenceRow>, custody: Vec<CustodyRow>) -> Vec<EvidenceItem> {
    let mut items: Vec<EvidenceItem> = rows.into_iter().map(evidence_from).collect();
    for c in custody {
        if let Some(e) = items.iter_mut().find(|e| e.seq == c.0) {
            e.custody.push(Custody {
                seq: c.1,
                at: c.2,
                from_holder: c.3,
                to_holder: c.4,
                purpose: c.5,
                recorded_by: c.6,
                recorded_at: c.7,
            });
        }
    }
    items
}

/// Keeps a piece of evidence with the first line of its custody (its collection); returns
/// its number within the incident.
pub(crate) async fn insert_evidence(
    tx: &mut Tx,
    id: &str,
    file: &KeptFile,
    d: &EvidenceDraft,
    by: &str,
    now: &str,
) -> Result<i64> {
    let (seq,): (i64,) = tx_query!(
        tx,
        fetch_one,
        (i64,),
        "select coalesce(max(seq), 0) + 1 from incident_evidence where incident_id = $1",
        id
    )?;
    tx_exec!(
        tx,
        &format!(
            "insert into incident_evidence ({EVIDENCE_COLUMNS}, incident_id) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)"
        ),
        seq,
        &file.file_name,
        &file.media_type,
        file.size,
        &file.sha256,
        &d.description,
        &d.collected_by,
        &d.collected_at,
        &d.collected_from,
        &d.collected_by,
        by,
        now,
        id
    )?;
    append_custody(
        tx,
        id,
        seq,
        &HandoverDraft {
            to: d.collected_by.clone(),
            at: d.collected_at.clone(),
            purpose: "collected".into(),
        },
        "",
        by,
        now,
    )
    .await?;
    Ok(seq)
}

/// Appends a line to a piece of evidence's custody and names its new holder.
pub(crate) async fn append_custody(
    tx: &mut Tx,
    id: &str,
    evidence: i64,
    h: &HandoverDraft,
    from: &str,
    by: &str,
    now: &str,
) -> Result<()> {
    tx_exec!(
        tx,
        &format!(
            "insert into incident_custody (incident_id, {CUSTODY_COLUMNS})
         select $1, $2, coalesce(max(seq), 0) + 1, $3, $4, $5, $6, $7, $8 from incident_custody
         where incident_id = $1 and evidence_seq = $2"
        ),
        id,
        evidence,
        &h.at,
        from,
        &h.to,
        &h.purpose,
        by,
        now
    )?;
    tx_exec!(
        tx,
        "update incident_evidence set holder = $1 where incident_id = $2 and seq = $3",
        &h.to,
        id,
        evidence
    )?;
    tx.bump_generation("incident").await?;
    Ok(())
}

/// One piece of evidence with its custody, read inside a write.
pub(crate) async fn evidence_in(tx: &mut Tx, id: &str, seq: i64) -> Result<Option<EvidenceItem>> {
    let rows: Vec<EvidenceRow> = tx_query!(
        tx,
        fetch_all,
        EvidenceRow,
        &format!(
            "select {EVIDENCE_COLUMNS} from incident_evidence where incident_id = $1 and seq = $2"
        ),
        id,
        seq
    )?;
    let custody: Vec<CustodyRow> = tx_query!(
        tx,
        fetch_all,
        CustodyRow,
        &format!(
            "select {CUSTODY_COLUMNS} from incident_custody where incident_id = $1 and evidence_seq = $2 order by seq"
        ),
        id,
        seq
    )?;
    Ok(assemble(rows, custody).into_iter().next())
}

impl Store {
    /// An incident's evidence, each with its chain of custody.
    pub async fn incident_evidence(&self, id: &str) -> Result<Vec<EvidenceItem>> {
        let rows: Vec<EvidenceRow> = pool_query!(
            self,
            fetch_all,
            EvidenceRow,
            &format!(
                "select {EVIDENCE_COLUMNS} from incident_evidence where incident_id = $1 order by seq"
            ),
            id
        )?;
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let custody: Vec<CustodyRow> = pool_query!(
            self,
            fetch_all,
            CustodyRow,
            &format!(
                "select {CUSTODY_COLUMNS} from incident_custody where incident_id = $1 order by evidence_seq, seq"
            ),
            id
        )?;
        Ok(assemble(rows, custody))
    }
}
