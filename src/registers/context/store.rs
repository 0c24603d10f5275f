//! The context's issues and the scope in the store.

use super::domain::{
    ContextIssue, IssueBearing, IssueCategory, IssueDraft, IssueFilter, IssueSide, Scope,
    ScopeText, ScopeVersion,
};
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{Arg, SortKey, Sql, Store, Tx, tx_exec, tx_fetch_in, tx_query};
use sqlx::Row;

struct IssueRow(ContextIssue);

const COLUMNS: &str = "x.issue_id, x.title, x.side, x.category, x.description, x.effect, x.bearing, x.owner, x.reviewed_on, x.review_due, x.updated_at, x.revision";

macro_rules! issue_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for IssueRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let side: String = r.try_get(2)?;
                let category: String = r.try_get(3)?;
                let bearing: String = r.try_get(6)?;
                Ok(IssueRow(ContextIssue {
                    id: r.try_get(0)?,
                    title: r.try_get(1)?,
                    side: IssueSide::parse(&side).unwrap_or(IssueSide::Internal),
                    category: IssueCategory::parse(&category).unwrap_or(IssueCategory::Other),
                    description: r.try_get(4)?,
                    effect: r.try_get(5)?,
                    bearing: IssueBearing::parse(&bearing).unwrap_or(IssueBearing::Risk),
                    owner: r.try_get(7)?,
                    reviewed_on: r.try_get(8)?,
                    review_due: r.try_get(9)?,
                    updated_at: r.try_get(10)?,
                    revision: r.try_get(11)?,
                    risks: Vec::new(),
                }))
            }
        }
    };
}
issue_from_row!(sqlx::sqlite::SqliteRow);
issue_from_row!(sqlx::postgres::PgRow);

const KEYS: &[SortKey] = &[
    SortKey::Text("x.side"),
    SortKey::Text("x.title"),
    SortKey::Text("x.issue_id"),
];

fn key_of(x: &ContextIssue) -> Vec<serde_json::Value> {
    vec![
        x.side.key().into(),
        x.title.clone().into(),
        x.id.clone().into(),
    ]
}

async fn with_links(tx: &mut Tx, mut items: Vec<ContextIssue>) -> Result<Vec<ContextIssue>> {
    let ids: Vec<String> = items.iter().map(|x| x.id.clone()).collect();
    let links: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select issue_id, risk_id from context_issue_risk where issue_id in ",
        ids,
        " order by risk_id"
    );
    let mut links = crate::store::group_links(links);
    for x in &mut items {
        x.risks = links.remove(&x.id).unwrap_or_default();
    }
    Ok(items)
}

/// An issue read inside a transaction, or none.
pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<ContextIssue>> {
    let row: Option<IssueRow> = tx_query!(
        tx,
        fetch_optional,
        IssueRow,
        &format!("select {COLUMNS} from context_issue x where x.issue_id = $1"),
        id
    )?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_links(tx, vec![r.0]).await?.pop()),
    }
}

/// Locks an issue's row and reads it, inside a write.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<ContextIssue> {
    if !tx.lock_row("context_issue", "issue_id", id).await? {
        return Err(Error::NotFound(format!("issue {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("issue {id}")))
}

/// Inserts an issue (its id, if given, must be free).
pub(crate) async fn insert(tx: &mut Tx, d: &IssueDraft) -> Result<ContextIssue> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("context_issue", "issue_id", "CI"),
        "an issue",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into context_issue (issue_id, title, side, category, updated_at) values ($1, $2, $3, $4, $5)",
        &id,
        &d.title,
        d.side.key(),
        d.category.key(),
        &now
    )?;
    write(tx, &id, d, false).await
}

/// Writes an issue's fields and links (revision + 1 unless it is new).
pub(crate) async fn write(
    tx: &mut Tx,
    id: &str,
    d: &IssueDraft,
    bump: bool,
) -> Result<ContextIssue> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update context_issue set title = $1, side = $2, category = $3, description = $4,
                effect = $5, bearing = $6, owner = $7, reviewed_on = $8, review_due = $9,
                updated_at = $10{} where issue_id = $11",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.title,
        d.side.key(),
        d.category.key(),
        &d.description,
        &d.effect,
        d.bearing.key(),
        &d.owner,
        &d.reviewed_on,
        &d.review_due,
        &now,
        id
    )?;
    tx_exec!(tx, "delete from context_issue_risk where issue_id = $1", id)?;
    for r in &d.risks {
        tx_exec!(
            tx,
            "insert into context_issue_risk (issue_id, risk_id) values ($1, $2)",
            id,
            r
        )?;
    }
    lock(tx, id).await
}

fn where_filter(sql: &mut Sql, f: &IssueFilter, backend: crate::config::Backend) {
    if let Some(q) = &f.text {
        sql.push_text_search(
            &["x.issue_id", "x.title", "x.description", "x.effect"],
            q,
            backend,
        );
    }
    if let Some(s) = f.side {
        sql.push(" and x.side = ?", [Arg::Text(s.key().into())]);
    }
    if let Some(c) = f.category {
        sql.push(" and x.category = ?", [Arg::Text(c.key().into())]);
    }
    if let Some(day) = &f.review_due_on {
        sql.push(
            " and ((x.review_due is null and x.reviewed_on is null) or x.review_due <= ?)",
            [Arg::Text(day.clone())],
        );
    }
}

/// The scope as being written, read inside a transaction.
pub(crate) async fn scope_in(tx: &mut Tx, lock: bool) -> Result<Scope> {
    if lock && !tx.lock_row("isms_scope", "scope_id", "isms").await? {
        return Err(Error::NotFound("the scope".into()));
    }
    type Row = (String, String, String, String, String, String, String, i64);
    let r: Option<Row> = tx_query!(
        tx,
        fetch_optional,
        Row,
        "select statement, boundaries, interfaces, dependencies, exclusions, updated_at, updated_by, revision from isms_scope where scope_id = 'isms'"
    )?;
    let r = r.ok_or_else(|| Error::NotFound("the scope".into()))?;
    Ok(Scope {
        text: ScopeText {
            statement: r.0,
            boundaries: r.1,
            interfaces: r.2,
            dependencies: r.3,
            exclusions: r.4,
        },
        updated_at: r.5,
        updated_by: r.6,
        revision: r.7,
    })
}

/// Writes the scope's text (revision + 1).
pub(crate) async fn write_scope(tx: &mut Tx, t: &ScopeText, by: &str) -> Result<Scope> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update isms_scope set statement = $1, boundaries = $2, interfaces = $3, dependencies = $4,
            exclusions = $5, updated_at = $6, updated_by = $7, revision = revision + 1
         where scope_id = 'isms'",
        &t.statement,
        &t.boundaries,
        &t.interfaces,
        &t.dependencies,
        &t.exclusions,
        &now,
        by
    )?;
    scope_in(tx, false).await
}

type VersionRow = (i64, String, String, String, String, String);

fn version_of(r: VersionRow) -> ScopeVersion {
    let (version, text, sha256, approved_by, approved_at, note) = r;
    let parsed: Option<ScopeText> = serde_json::from_str(&text).ok();
    let intact = parsed.is_some() && crate::domain::sha256_hex(&text) == sha256;
    ScopeVersion {
        version,
        approved_by,
        approved_at,
        note,
        sha256,
        intact,
        text: parsed.unwrap_or_default(),
    }
}

const VERSION_COLUMNS: &str = "version, text, sha256, approved_by, approved_at, note";

/// Every approved version, newest first, read inside a transaction.
pub(crate) async fn versions_in(tx: &mut Tx, limit: i64) -> Result<Vec<ScopeVersion>> {
    let rows: Vec<VersionRow> = tx_query!(
        tx,
        fetch_all,
        VersionRow,
        &format!("select {VERSION_COLUMNS} from isms_scope_version order by version desc limit $1"),
        limit
    )?;
    Ok(rows.into_iter().map(version_of).collect())
}

/// Keeps the text as approved: the next version.
pub(crate) async fn insert_version(
    tx: &mut Tx,
    t: &ScopeText,
    by: &str,
    note: &str,
) -> Result<ScopeVersion> {
    let text = t.canonical();
    let sha = crate::domain::sha256_hex(&text);
    let (next,): (i64,) = tx_query!(
        tx,
        fetch_one,
        (i64,),
        "select coalesce(max(version), 0) + 1 from isms_scope_version"
    )?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into isms_scope_version (version, text, sha256, approved_by, approved_at, note)
         values ($1, $2, $3, $4, $5, $6)",
        next,
        &text,
        &sha,
        by,
        &now,
        note
    )?;
    Ok(version_of((next, text, sha, by.into(), now, note.into())))
}

impl Store {
    /// Issues by side and title.
    pub async fn list_context_issues(
        &self,
        f: &IssueFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<ContextIssue>> {
        let mut from = Sql::new("from context_issue x where 1 = 1");
        where_filter(&mut from, f, self.backend());
        let page = self
            .keyset_page_ordered(
                COLUMNS,
                from,
                (KEYS, false),
                cursor,
                limit,
                None,
                |r: IssueRow| r.0,
                key_of,
            )
            .await?;
        let mut tx = self.read_tx().await?;
        let items = with_links(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page { items, ..page })
    }

    pub async fn context_issue(&self, id: &str) -> Result<ContextIssue> {
        let mut tx = self.read_tx().await?;
        let x = read_in(&mut tx, id).await?;
        tx.commit().await?;
        x.ok_or_else(|| Error::NotFound(format!("issue {id}")))
    }

    /// The scope as being written and its approved versions, newest first.
    pub async fn scope(&self, versions: i64) -> Result<(Scope, Vec<ScopeVersion>)> {
        let mut tx = self.read_tx().await?;
        let s = scope_in(&mut tx, false).await?;
        let v = versions_in(&mut tx, versions).await?;
        tx.commit().await?;
        Ok((s, v))
    }

    pub async fn scope_version(&self, n: i64) -> Result<ScopeVersion> {
        let r: Option<VersionRow> = crate::store::pool_query!(
            self,
            fetch_optional,
            VersionRow,
            &format!("select {VERSION_COLUMNS} from isms_scope_version where version = $1"),
            n
        )?;
        r.map(version_of)
            .ok_or_else(|| Error::NotFound(format!("version {n} of the scope")))
    }
}
