//! Documents in the store: the register (by title) with its controls, and each document's
//! versions with their text and workflow stamps.

use super::domain::{
    Document, DocumentDraft, DocumentFilter, DocumentKind, DocumentStatus, Version, VersionState,
};
use crate::config::Backend;
use crate::domain::catalog::ControlRef;
use crate::domain::query::Page;
use crate::domain::upload::KeptFile;
use crate::error::{Error, Result};
use crate::store::{Arg, Sql, Store, Tx, bind_once, on_pool, pool_query, tx_exec, tx_query};
use sqlx::Row;

/// A document row (17 columns: more than sqlx's tuples hold, so read by position).
struct DocumentRow(Document);

macro_rules! document_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for DocumentRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let kind: String = r.try_get(1)?;
                let status: String = r.try_get(8)?;
                let clauses: String = r.try_get(12)?;
                Ok(DocumentRow(Document {
                    id: r.try_get(0)?,
                    kind: DocumentKind::parse(&kind).unwrap_or(DocumentKind::TopicPolicy),
                    title: r.try_get(2)?,
                    owner: r.try_get(3)?,
                    approver: r.try_get(4)?,
                    classification: r.try_get(5)?,
                    audience: r.try_get(6)?,
                    review_months: r.try_get(7)?,
                    status: DocumentStatus::parse(&status).unwrap_or(DocumentStatus::Draft),
                    current_version: r.try_get(9)?,
                    latest_version: r.try_get(10)?,
                    next_review_on: r.try_get(11)?,
                    clauses: clauses
                        .split(", ")
                        .filter(|c| !c.is_empty())
                        .map(str::to_string)
                        .collect(),
                    template: r.try_get(13)?,
                    created_at: r.try_get(14)?,
                    updated_at: r.try_get(15)?,
                    revision: r.try_get(16)?,
                    controls: Vec::new(),
                }))
            }
        }
    };
}
document_from_row!(sqlx::sqlite::SqliteRow);
document_from_row!(sqlx::postgres::PgRow);

const COLUMNS: &str = "d.document_id, d.kind, d.title, d.owner, d.approver, d.classification, d.audience, \
     d.review_months, d.status, d.current_version, d.latest_version, d.next_review_on, d.clauses, d.template, \
     d.created_at, d.updated_at, d.revision";

/// A version row (19 columns, read by position).
struct VersionRow(Version);

macro_rules! version_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for VersionRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let state: String = r.try_get(4)?;
                Ok(VersionRow(Version {
                    document_id: r.try_get(0)?,
                    number: r.try_get(1)?,
                    body: r.try_get(2)?,
                    change_note: r.try_get(3)?,
                    state: VersionState::parse(&state).unwrap_or(VersionState::Draft),
                    sha256: r.try_get(5)?,
                    created_by: r.try_get(6)?,
                    created_at: r.try_get(7)?,
                    submitted_by: r.try_get(8)?,
                    submitted_at: r.try_get(9)?,
                    decided_by: r.try_get(10)?,
                    decided_at: r.try_get(11)?,
                    decision_note: r.try_get(12)?,
                    published_at: r.try_get(13)?,
                    evidence_id: r.try_get(14)?,
                    file: KeptFile::from_columns(
                        r.try_get(15)?,
                        r.try_get(16)?,
                        r.try_get(17)?,
                        r.try_get(18)?,
                    ),
                }))
            }
        }
    };
}
version_from_row!(sqlx::sqlite::SqliteRow);
version_from_row!(sqlx::postgres::PgRow);

const VERSION_COLUMNS: &str = "document_id, number, body, change_note, state, sha256, created_by, created_at, \
     submitted_by, submitted_at, decided_by, decided_at, decision_note, published_at, evidence_id, \
     file_name, file_type, file_size, file_sha256";

fn version_from(r: VersionRow) -> Version {
    r.0
}

fn where_filter(sql: &mut Sql, f: &DocumentFilter, backend: Backend) {
    if let Some(k) = f.kind {
        sql.push(" and d.kind = ?", [Arg::Text(k.key().into())]);
    }
    if let Some(s) = f.status {
        sql.push(" and d.status = ?", [Arg::Text(s.key().into())]);
    }
    if let Some(o) = &f.owner {
        sql.push(" and d.owner = ?", [Arg::Text(o.clone())]);
    }
    if let Some(c) = &f.control {
        sql.push(
            " and d.document_id in (select dc.document_id from document_control dc where dc.framework_id = ? and dc.control_id = ?)",
            [Arg::Text(c.framework.clone()), Arg::Text(c.id.clone())],
        );
    }
    if let Some(day) = &f.review_due_on {
        sql.push(
            " and d.status <> 'retired' and d.current_version is not null and d.next_review_on <= ?",
            [Arg::Text(day.clone())],
        );
    }
    if let Some(q) = &f.text {
        sql.push_text_search(&["d.title", "d.document_id", "d.audience"], q, backend);
    }
}

async fn read_document(tx: &mut Tx, id: &str) -> Result<Document> {
    let sql = format!("select {COLUMNS} from document d where d.document_id = $1");
    let row: Option<DocumentRow> = tx_query!(tx, fetch_optional, DocumentRow, &sql, id)?;
    let mut d = row
        .ok_or_else(|| Error::NotFound(format!("document {id}")))?
        .0;
    let refs: Vec<(String, String)> = tx_query!(
        tx,
        fetch_all,
        (String, String),
        "select framework_id, control_id from document_control where document_id = $1",
        id
    )?;
    d.controls = refs
        .into_iter()
        .map(|(framework, id)| ControlRef { framework, id })
        .collect();
    crate::domain::catalog::sort_control_refs(&mut d.controls);
    Ok(d)
}

/// Reads a document inside a write, its row locked until the write ends.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Document> {
    if !tx.lock_row("document", "document_id", id).await? {
        return Err(Error::NotFound(format!("document {id}")));
    }
    read_document(tx, id).await
}

/// Inserts a new document (an id given must be free) with its first version, a draft.
pub(crate) async fn insert(
    tx: &mut Tx,
    draft: &DocumentDraft,
    template: Option<&str>,
    body: &str,
    actor: &str,
) -> Result<Document> {
    let id = match &draft.id {
        Some(id) => {
            if crate::store::existing_ids(tx, "document", "document_id", std::slice::from_ref(id))
                .await?
                .contains(id)
            {
                return Err(Error::field(
                    "id",
                    format!("a document with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => crate::store::next_ids(tx, "document", "DOC", "document", "document_id", 1)
            .await?
            .remove(0),
    };
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into document (document_id, kind, title, owner, approver, classification, audience,
                               review_months, status, latest_version, clauses, template, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, 'draft', 1, $9, $10, $11, $11)",
        &id,
        draft.kind.key(),
        &draft.title,
        &draft.owner,
        &draft.approver,
        &draft.classification,
        &draft.audience,
        draft.review_months,
        draft.clauses.join(", "),
        template,
        &now
    )?;
    insert_controls(tx, &id, &draft.controls).await?;
    tx_exec!(
        tx,
        "insert into document_version (document_id, number, body, state, created_by, created_at)
         values ($1, 1, $2, 'draft', $3, $4)",
        &id,
        body,
        actor,
        &now
    )?;
    tx.bump_generation("document").await?;
    read_document(tx, &id).await
}

/// Replaces a document's own fields and controls (its revision goes up by one).
pub(crate) async fn update(tx: &mut Tx, id: &str, draft: &DocumentDraft) -> Result<Document> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update document set kind = $1, title = $2, owner = $3, approver = $4, classification = $5,
                             audience = $6, review_months = $7, clauses = $8, updated_at = $9,
                             revision = revision + 1
         where document_id = $10",
        draft.kind.key(),
        &draft.title,
        &draft.owner,
        &draft.approver,
        &draft.classification,
        &draft.audience,
        draft.review_months,
        draft.clauses.join(", "),
        &now,
        id
    )?;
    tx_exec!(
        tx,
        "delete from document_control where document_id = $1",
        id
    )?;
    insert_controls(tx, id, &draft.controls).await?;
    tx.bump_generation("document").await?;
    read_document(tx, id).await
}

/// Writes where the document stands: its status, the version people read, the newest
/// version and the next review (its revision goes up by one).
pub(crate) async fn set_standing(tx: &mut Tx, d: &Document) -> Result<Document> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update document set status = $1, current_version = $2, latest_version = $3,
                             next_review_on = $4, updated_at = $5, revision = revision + 1
         where document_id = $6",
        d.status.key(),
        d.current_version,
        d.latest_version,
        d.next_review_on.as_deref(),
        &now,
        &d.id
    )?;
    tx.bump_generation("document").await?;
    read_document(tx, &d.id).await
}

/// One version, read inside a write.
pub(crate) async fn version_in(tx: &mut Tx, id: &str, number: i64) -> Result<Version> {
    let sql = format!(
        "select {VERSION_COLUMNS} from document_version where document_id = $1 and number = $2"
    );
    let row: Option<VersionRow> = tx_query!(tx, fetch_optional, VersionRow, &sql, id, number)?;
    row.map(version_from)
        .ok_or_else(|| Error::NotFound(format!("version {number} of document {id}")))
}

/// Writes a version's text, state and stamps.
pub(crate) async fn write_version(tx: &mut Tx, v: &Version) -> Result<()> {
    tx_exec!(
        tx,
        "update document_version set body = $1, change_note = $2, state = $3, sha256 = $4,
                                     submitted_by = $5, submitted_at = $6, decided_by = $7,
                                     decided_at = $8, decision_note = $9, published_at = $10,
                                     evidence_id = $13, file_name = $14, file_type = $15,
                                     file_size = $16, file_sha256 = $17
         where document_id = $11 and number = $12",
        &v.body,
        &v.change_note,
        v.state.key(),
        v.sha256.as_deref(),
        v.submitted_by.as_deref(),
        v.submitted_at.as_deref(),
        v.decided_by.as_deref(),
        v.decided_at.as_deref(),
        &v.decision_note,
        v.published_at.as_deref(),
        &v.document_id,
        v.number,
        v.evidence_id.as_deref(),
        v.file.as_ref().map(|f| f.file_name.as_str()),
        v.file.as_ref().map(|f| f.media_type.as_str()),
        v.file.as_ref().map(|f| f.size),
        v.file.as_ref().map(|f| f.sha256.as_str())
    )?;
    Ok(())
}

/// Adds a new draft version.
pub(crate) async fn insert_version(tx: &mut Tx, v: &Version) -> Result<()> {
    tx_exec!(
        tx,
        "insert into document_version (document_id, number, body, change_note, state, created_by, created_at,
                                       file_name, file_type, file_size, file_sha256)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        &v.document_id,
        v.number,
        &v.body,
        &v.change_note,
        v.state.key(),
        &v.created_by,
        &v.created_at,
        v.file.as_ref().map(|f| f.file_name.as_str()),
        v.file.as_ref().map(|f| f.media_type.as_str()),
        v.file.as_ref().map(|f| f.size),
        v.file.as_ref().map(|f| f.sha256.as_str())
    )?;
    Ok(())
}

async fn insert_controls(tx: &mut Tx, id: &str, controls: &[ControlRef]) -> Result<()> {
    let values = controls
        .iter()
        .map(|c| {
            vec![
                Arg::Text(id.to_string()),
                Arg::Text(c.framework.clone()),
                Arg::Text(c.id.clone()),
            ]
        })
        .collect();
    tx.insert_rows(
        "insert into document_control (document_id, framework_id, control_id)",
        values,
        "",
    )
    .await
}

impl Store {
    pub async fn document(&self, id: &str) -> Result<Document> {
        let sql = format!("select {COLUMNS} from document d where d.document_id = $1");
        let row: Option<DocumentRow> = pool_query!(self, fetch_optional, DocumentRow, &sql, id)?;
        let mut d = row
            .ok_or_else(|| Error::NotFound(format!("document {id}")))?
            .0;
        self.attach_document_controls(std::slice::from_mut(&mut d))
            .await?;
        Ok(d)
    }

    /// The register: documents by title, then id.
    pub async fn list_documents(
        &self,
        f: &DocumentFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Document>> {
        let limit = limit.clamp(1, 500);
        let mut count = Sql::new("from document d where 1 = 1");
        where_filter(&mut count, f, self.backend());
        let mut sql = Sql::new(&format!("select {COLUMNS} from document d where 1 = 1"));
        where_filter(&mut sql, f, self.backend());
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            let (title, id) = c.rsplit_once('|').ok_or_else(|| {
                Error::field(
                    "cursor",
                    format!("'{c}' is not a cursor from a previous page"),
                )
            })?;
            sql.push(
                " and (d.title, d.document_id) > (?, ?)",
                [Arg::Text(title.into()), Arg::Text(id.into())],
            );
        }
        sql.push(
            " order by d.title, d.document_id limit ?",
            [Arg::Int(limit + 1)],
        );
        let rows: Vec<DocumentRow> = on_pool!(&self.pool, |c| bind_once!(
            c,
            sqlx::query_as::<_, DocumentRow>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        let more = rows.len() as i64 > limit;
        let (total, total_capped) = match cursor.filter(|c| !c.is_empty()) {
            None if !more => (rows.len() as i64, false),
            _ => self.capped_count(&count).await?,
        };
        let mut items: Vec<Document> = rows.into_iter().take(limit as usize).map(|r| r.0).collect();
        self.attach_document_controls(&mut items).await?;
        let next_cursor = if more {
            items.last().map(|d| format!("{}|{}", d.title, d.id))
        } else {
            None
        };
        Ok(Page {
            items,
            total,
            total_capped,
            next_cursor,
        })
    }

    /// Every document matching a filter (exports).
    pub async fn all_documents(&self, f: &DocumentFilter) -> Result<Vec<Document>> {
        crate::store::collect_pages(|cursor| async move {
            self.list_documents(f, cursor.as_deref(), 500).await
        })
        .await
    }

    async fn attach_document_controls(&self, items: &mut [Document]) -> Result<()> {
        let ids: Vec<&String> = items.iter().map(|d| &d.id).collect();
        let mut links = self
            .control_links("document_control", "document_id", &ids)
            .await?;
        for d in items.iter_mut() {
            d.controls = links.remove(&d.id).unwrap_or_default();
        }
        Ok(())
    }

    /// A document's versions, newest first.
    pub async fn document_versions(&self, id: &str) -> Result<Vec<Version>> {
        let sql = format!(
            "select {VERSION_COLUMNS} from document_version where document_id = $1 order by number desc"
        );
        let rows: Vec<VersionRow> = pool_query!(self, fetch_all, VersionRow, &sql, id)?;
        Ok(rows.into_iter().map(version_from).collect())
    }

    pub async fn document_version(&self, id: &str, number: i64) -> Result<Version> {
        let sql = format!(
            "select {VERSION_COLUMNS} from document_version where document_id = $1 and number = $2"
        );
        let row: Option<VersionRow> =
            pool_query!(self, fetch_optional, VersionRow, &sql, id, number)?;
        row.map(version_from)
            .ok_or_else(|| Error::NotFound(format!("version {number} of document {id}")))
    }

    /// Distinct owners of documents, for the filter menu.
    pub async fn document_owners(&self) -> Result<Vec<String>> {
        self.distinct_values("document", "owner").await
    }
}
