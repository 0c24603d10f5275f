//! Supplier assessments in the store: the questionnaires the organisation wrote, the
//! assessments sent, their answers and findings, and the questionnaires as sent — one copy per
//! version (`questionnaire_copy`, keyed by the SHA-256 of its JSON) that every assessment sent
//! with that version names, so 50,000 assessments of one questionnaire keep it once and a page
//! of them parses it once.

use super::domain_assessment::{
    Assessment, AssessmentStatus, FindingSeverity, Questionnaire, RiskRating, Score, StoredAnswer,
};
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{Arg, SortKey, Sql, Store, Tx, tx_exec, tx_fetch_in, tx_query};
use sqlx::Row;

/// An assessment as read, its questionnaire still to be filled in from the copy it names.
struct AssessmentRow(Assessment, String);

const COLUMNS: &str = "a.assessment_id, a.supplier_id, a.questionnaire_key, a.questionnaire_copy, a.status, \
     a.sent_by, a.sent_at, a.due_on, a.link_until, a.submitted_at, a.reviewed_by, a.reviewed_at, \
     a.score_points, a.score_max, a.score_percent, a.rating, a.summary, a.risk_id, a.evidence_id, a.revision";

macro_rules! assessment_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for AssessmentRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let copy: Option<String> = r.try_get(3)?;
                let key: String = r.try_get(2)?;
                let status: String = r.try_get(4)?;
                let points: Option<i64> = r.try_get(12)?;
                let max: Option<i64> = r.try_get(13)?;
                let percent: Option<i64> = r.try_get(14)?;
                let rating: Option<String> = r.try_get(15)?;
                Ok(AssessmentRow(
                    Assessment {
                        id: r.try_get(0)?,
                        supplier: r.try_get(1)?,
                        questionnaire: Questionnaire {
                            key: key.clone(),
                            title: String::new(),
                            sections: Vec::new(),
                        },
                        questionnaire_key: key,
                        status: AssessmentStatus::parse(&status).unwrap_or(AssessmentStatus::Sent),
                        sent_by: r.try_get(5)?,
                        sent_at: r.try_get(6)?,
                        due_on: r.try_get(7)?,
                        link_until: r.try_get(8)?,
                        submitted_at: r.try_get(9)?,
                        reviewed_by: r.try_get(10)?,
                        reviewed_at: r.try_get(11)?,
                        score: match (points, max) {
                            (Some(points), Some(max)) => Some(Score {
                                points,
                                max,
                                percent,
                            }),
                            _ => None,
                        },
                        rating: rating.as_deref().and_then(|r| RiskRating::parse(r).ok()),
                        summary: r.try_get(16)?,
                        risk: r.try_get(17)?,
                        evidence: r.try_get(18)?,
                        revision: r.try_get(19)?,
                        answers: Vec::new(),
                    },
                    copy.unwrap_or_default(),
                ))
            }
        }
    };
}
assessment_from_row!(sqlx::sqlite::SqliteRow);
assessment_from_row!(sqlx::postgres::PgRow);

type AnswerRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    Option<String>,
    Option<String>,
);

/// Fills in the assessments' questionnaires (each copy read and parsed once) and answers.
async fn complete(tx: &mut Tx, rows: Vec<AssessmentRow>) -> Result<Vec<Assessment>> {
    let mut copies: Vec<String> = rows.iter().map(|r| r.1.clone()).collect();
    copies.sort();
    copies.dedup();
    let bodies: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select copy_id, body from questionnaire_copy where copy_id in ",
        copies,
        ""
    );
    let mut parsed: std::collections::HashMap<String, Questionnaire> = Default::default();
    for (copy, body) in bodies {
        let q = serde_json::from_str(&body).map_err(|e| Error::Internal(e.into()))?;
        parsed.insert(copy, q);
    }
    let mut items = Vec::with_capacity(rows.len());
    for AssessmentRow(mut a, copy) in rows {
        a.questionnaire = parsed.get(&copy).cloned().ok_or_else(|| {
            Error::Internal(anyhow::anyhow!(
                "assessment {}: its questionnaire copy {copy} is missing",
                a.id
            ))
        })?;
        items.push(a);
    }
    let ids: Vec<String> = items.iter().map(|a| a.id.clone()).collect();
    let rows: Vec<AnswerRow> = tx_fetch_in!(
        tx,
        AnswerRow,
        "select assessment_id, question_id, value, comment, evidence_id, file_name, finding,
                finding_severity, answered_at
         from assessment_answer where assessment_id in ",
        ids,
        ""
    );
    let mut by: std::collections::HashMap<String, Vec<StoredAnswer>> = Default::default();
    for r in rows {
        by.entry(r.0).or_default().push(StoredAnswer {
            question: r.1,
            value: r.2,
            comment: r.3,
            evidence: r.4,
            file_name: r.5,
            finding: r.6,
            finding_severity: r.7.as_deref().and_then(|s| FindingSeverity::parse(s).ok()),
            answered_at: r.8,
        });
    }
    for a in &mut items {
        let mut answers = by.remove(&a.id).unwrap_or_default();
        // In the questionnaire's order.
        let order: std::collections::HashMap<&str, usize> = a
            .questionnaire
            .questions()
            .enumerate()
            .map(|(i, q)| (q.id.as_str(), i))
            .collect();
        answers.sort_by_key(|x| order.get(x.question.as_str()).copied());
        a.answers = answers;
    }
    Ok(items)
}

/// An assessment read inside a transaction, or none.
pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<Assessment>> {
    let row: Option<AssessmentRow> = tx_query!(
        tx,
        fetch_optional,
        AssessmentRow,
        &format!("select {COLUMNS} from assessment a where a.assessment_id = $1"),
        id
    )?;
    match row {
        None => Ok(None),
        Some(r) => Ok(complete(tx, vec![r]).await?.pop()),
    }
}

/// Locks an assessment's row and reads it, inside a write.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Assessment> {
    if !tx.lock_row("assessment", "assessment_id", id).await? {
        return Err(Error::NotFound(format!("assessment {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("assessment {id}")))
}

/// Keeps a questionnaire as sent, once per version: its copy's key (the SHA-256 of its JSON).
async fn keep_copy(tx: &mut Tx, q: &Questionnaire) -> Result<String> {
    let body = serde_json::to_string(q).map_err(|e| Error::Internal(e.into()))?;
    let copy = crate::domain::sha256_hex(&body);
    tx_exec!(
        tx,
        "insert into questionnaire_copy (copy_id, questionnaire_key, body) values ($1, $2, $3)
         on conflict (copy_id) do nothing",
        &copy,
        &q.key,
        &body
    )?;
    Ok(copy)
}

/// Records an assessment sent to a supplier.
pub(crate) async fn insert(
    tx: &mut Tx,
    supplier: &str,
    q: &Questionnaire,
    by: &str,
    due_on: Option<&str>,
    link_until: &str,
) -> Result<Assessment> {
    let id = crate::store::next_ids(tx, "assessment", "AS", "assessment", "assessment_id", 1)
        .await?
        .pop()
        .unwrap_or_default();
    let now = tx.now().to_string();
    let copy = keep_copy(tx, q).await?;
    tx_exec!(
        tx,
        "insert into assessment (assessment_id, supplier_id, questionnaire_key, questionnaire_copy, status,
                                 sent_by, sent_at, due_on, link_until)
         values ($1, $2, $3, $4, 'sent', $5, $6, $7, $8)",
        &id,
        supplier,
        &q.key,
        &copy,
        by,
        &now,
        due_on,
        link_until
    )?;
    lock(tx, &id).await
}

/// Writes the answers given (value and comment), the others kept; moves a sent assessment
/// to being answered.
pub(crate) async fn write_answers(
    tx: &mut Tx,
    id: &str,
    answers: &[(String, String, String)],
) -> Result<()> {
    let now = tx.now().to_string();
    for (question, value, comment) in answers {
        tx_exec!(
            tx,
            "insert into assessment_answer (assessment_id, question_id, value, comment, answered_at)
             values ($1, $2, $3, $4, $5)
             on conflict (assessment_id, question_id)
             do update set value = excluded.value, comment = excluded.comment, answered_at = excluded.answered_at",
            id,
            question,
            value,
            comment,
            &now
        )?;
    }
    tx_exec!(
        tx,
        "update assessment set status = 'in_progress', revision = revision + 1
         where assessment_id = $1 and status = 'sent'",
        id
    )?;
    Ok(())
}

/// Keeps the evidence item a document became on its answer.
pub(crate) async fn attach_file(
    tx: &mut Tx,
    id: &str,
    question: &str,
    evidence: &str,
    file_name: &str,
) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into assessment_answer (assessment_id, question_id, evidence_id, file_name, answered_at)
         values ($1, $2, $3, $4, $5)
         on conflict (assessment_id, question_id)
         do update set evidence_id = excluded.evidence_id, file_name = excluded.file_name, answered_at = excluded.answered_at",
        id,
        question,
        evidence,
        file_name,
        &now
    )?;
    tx_exec!(
        tx,
        "update assessment set status = 'in_progress', revision = revision + 1
         where assessment_id = $1 and status = 'sent'",
        id
    )?;
    Ok(())
}

/// Marks an assessment submitted with its score.
pub(crate) async fn submit(tx: &mut Tx, id: &str, score: &Score) -> Result<Assessment> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update assessment set status = 'submitted', submitted_at = $1, score_points = $2,
                score_max = $3, score_percent = $4, revision = revision + 1
         where assessment_id = $5",
        &now,
        score.points,
        score.max,
        score.percent,
        id
    )?;
    lock(tx, id).await
}

/// What a review writes.
pub(crate) struct Review<'a> {
    pub by: &'a str,
    pub findings: &'a [(String, String, FindingSeverity)],
    pub summary: &'a str,
    pub rating: RiskRating,
    pub risk: Option<&'a str>,
    pub evidence: Option<&'a str>,
}

/// Records the review of a submitted assessment.
pub(crate) async fn review(tx: &mut Tx, id: &str, r: &Review<'_>) -> Result<Assessment> {
    let now = tx.now().to_string();
    for (question, finding, severity) in r.findings {
        tx_exec!(
            tx,
            "insert into assessment_answer (assessment_id, question_id, finding, finding_severity)
             values ($1, $2, $3, $4)
             on conflict (assessment_id, question_id)
             do update set finding = excluded.finding, finding_severity = excluded.finding_severity",
            id,
            question,
            finding,
            severity.key()
        )?;
    }
    tx_exec!(
        tx,
        "update assessment set status = 'reviewed', reviewed_by = $1, reviewed_at = $2, summary = $3,
                rating = $4, risk_id = $5, evidence_id = $6, revision = revision + 1
         where assessment_id = $7",
        r.by,
        &now,
        r.summary,
        r.rating.key(),
        r.risk,
        r.evidence,
        id
    )?;
    lock(tx, id).await
}

/// Cancels an assessment (its link opens nothing any more).
pub(crate) async fn cancel(tx: &mut Tx, id: &str) -> Result<Assessment> {
    tx_exec!(
        tx,
        "update assessment set status = 'cancelled', revision = revision + 1 where assessment_id = $1",
        id
    )?;
    lock(tx, id).await
}

/// A questionnaire the organisation wrote, with its revision, read (and, in a write, locked)
/// inside a transaction; none when there is no such key.
pub(crate) async fn questionnaire_in(
    tx: &mut Tx,
    key: &str,
) -> Result<Option<(Questionnaire, i64)>> {
    tx.lock_row("questionnaire", "questionnaire_key", key)
        .await?;
    let row: Option<(String, i64)> = tx_query!(
        tx,
        fetch_optional,
        (String, i64),
        "select body, revision from questionnaire where questionnaire_key = $1",
        key
    )?;
    row.map(|(body, revision)| {
        serde_json::from_str(&body)
            .map(|q| (q, revision))
            .map_err(|e| Error::Internal(e.into()))
    })
    .transpose()
}

/// Stores a questionnaire the organisation wrote (created or replaced).
pub(crate) async fn save_questionnaire(tx: &mut Tx, q: &Questionnaire) -> Result<()> {
    let now = tx.now().to_string();
    let body = serde_json::to_string(q).map_err(|e| Error::Internal(e.into()))?;
    tx_exec!(
        tx,
        "insert into questionnaire (questionnaire_key, title, body, updated_at) values ($1, $2, $3, $4)
         on conflict (questionnaire_key)
         do update set title = excluded.title, body = excluded.body, updated_at = excluded.updated_at,
                       revision = questionnaire.revision + 1",
        &q.key,
        &q.title,
        &body,
        &now
    )?;
    Ok(())
}

const KEYS: &[SortKey] = &[SortKey::Text("a.sent_at"), SortKey::Text("a.assessment_id")];

fn key_of(r: &AssessmentRow) -> Vec<serde_json::Value> {
    vec![r.0.sent_at.clone().into(), r.0.id.clone().into()]
}

impl Store {
    /// Assessments, the latest sent first; of one supplier, or in one status, when given.
    pub async fn list_assessments(
        &self,
        supplier: Option<&str>,
        status: Option<AssessmentStatus>,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Assessment>> {
        let mut from = Sql::new("from assessment a where 1 = 1");
        if let Some(s) = supplier {
            from.push(" and a.supplier_id = ?", [Arg::Text(s.to_string())]);
        }
        if let Some(s) = status {
            from.push(" and a.status = ?", [Arg::Text(s.key().to_string())]);
        }
        let page = self
            .keyset_page_ordered(
                COLUMNS,
                from,
                (KEYS, true),
                cursor,
                limit,
                None,
                |r: AssessmentRow| r,
                key_of,
            )
            .await?;
        let mut tx = self.read_tx().await?;
        let items = complete(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page {
            items,
            total: page.total,
            total_capped: page.total_capped,
            next_cursor: page.next_cursor,
        })
    }

    pub async fn assessment(&self, id: &str) -> Result<Assessment> {
        let mut tx = self.read_tx().await?;
        let a = read_in(&mut tx, id).await?;
        tx.commit().await?;
        a.ok_or_else(|| Error::NotFound(format!("assessment {id}")))
    }

    /// The questionnaires the organisation wrote.
    pub async fn questionnaires(&self) -> Result<Vec<Questionnaire>> {
        let rows: Vec<(String,)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String,),
            "select body from questionnaire order by questionnaire_key"
        )?;
        rows.into_iter()
            .map(|(b,)| serde_json::from_str(&b).map_err(|e| Error::Internal(e.into())))
            .collect()
    }
}
