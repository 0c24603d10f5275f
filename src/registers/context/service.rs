//! The context's use cases: managers and admins keep the issues and write and approve the
//! scope; everyone signed in reads them. Risks an issue names must be in the risk register.

use super::domain::{
    ContextIssue, IssueDraft, IssueInput, IssueQuery, Scope, ScopeText, ScopeVersion,
    approval_refusal,
};
use super::store;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::registers::imports::service_overlay::{self as overlay, Overlay};
use crate::service::{Ctx, Expected, check_revision};

#[tracing::instrument(name = "context.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: &IssueQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<ContextIssue>> {
    ctx.require_reader()?;
    ctx.store()
        .list_context_issues(&q.filter, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every issue the query selects (exports, readiness, the review pack).
#[tracing::instrument(name = "context.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, q: &IssueQuery) -> Result<Vec<ContextIssue>> {
    crate::store::collect_pages(|cursor| async move { list(ctx, q, cursor.as_deref(), 500).await })
        .await
}

#[tracing::instrument(name = "context.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<ContextIssue> {
    ctx.require_reader()?;
    ctx.store().context_issue(id).await
}

/// What an issue links to: the risks it gave rise to.
fn links(d: &IssueDraft) -> Vec<crate::service::Link<'_>> {
    vec![("risks", "risk", "risk_id", &d.risks, "risk register")]
}

/// Records an issue (managers and admins).
#[tracing::instrument(name = "context.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &IssueInput) -> Result<ContextIssue> {
    ctx.require_editor()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let problems = crate::service::unknown_links(&mut tx, &[(String::new(), links(&d))]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let x = store::insert(&mut tx, &d).await?;
    tx.audit(
        ctx.change("context.create", "context_issue", &x.id)
            .after(&x),
    )
    .await?;
    tx.commit().await?;
    Ok(x)
}

/// Replaces an issue (managers and admins), checking the revision.
#[tracing::instrument(name = "context.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &IssueInput,
) -> Result<ContextIssue> {
    ctx.require_editor()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "context_issue", id, id, before.revision, expected).await?;
    if d.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::field("id", "an issue keeps its id"));
    }
    let problems = crate::service::unknown_links(&mut tx, &[(String::new(), links(&d))]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let after = store::write(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("context.update", "context_issue", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Imports issues (managers and admins): all rows or none; a row whose id is an issue of
/// Annex updates only the columns its file has, so an export imports back unchanged.
#[tracing::instrument(name = "context.import", skip_all, fields(actor = %ctx.who()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    let rows_of = IssueRows { today: ctx.today() };
    overlay::run(ctx, rows_of, rows, dry_run, upload).await
}

/// Issues of the context as rows of a file: the risks a row links to must exist.
struct IssueRows {
    today: String,
}

impl Overlay for IssueRows {
    type Draft = super::domain::IssueDraft;
    type Record = ContextIssue;
    const ENTITY: &'static str = "context_issue";
    const ACTION: &'static str = "context";

    fn record_id(r: &ContextIssue) -> &str {
        &r.id
    }

    fn draft_id(d: &Self::Draft) -> Option<&str> {
        d.id.as_deref()
    }

    fn new_label(d: &Self::Draft) -> String {
        format!("a new issue ({})", d.title)
    }

    fn overlay(
        &self,
        base: Option<&ContextIssue>,
        values: &[(&'static str, String)],
    ) -> Result<Self::Draft> {
        base.map(IssueInput::from)
            .unwrap_or_default()
            .overlay(values, &self.today)
    }

    async fn read(&self, tx: &mut crate::store::Tx, id: &str) -> Result<Option<ContextIssue>> {
        store::read_in(tx, id).await
    }

    async fn check(
        &mut self,
        tx: &mut crate::store::Tx,
        row: usize,
        d: &Self::Draft,
        _: Option<&ContextIssue>,
    ) -> Result<Vec<crate::error::FieldError>> {
        crate::service::unknown_links(tx, &[(format!("row {row}, "), links(d))]).await
    }

    async fn insert(&self, tx: &mut crate::store::Tx, d: &Self::Draft) -> Result<ContextIssue> {
        store::insert(tx, d).await
    }

    async fn write(
        &self,
        tx: &mut crate::store::Tx,
        before: &ContextIssue,
        d: &Self::Draft,
    ) -> Result<ContextIssue> {
        store::write(tx, &before.id, d, true).await
    }
}

/// How many approved versions a page lists.
pub const VERSIONS_SHOWN: i64 = 50;

/// The scope as being written and its approved versions, newest first.
#[tracing::instrument(name = "scope.get", skip_all, fields(actor = %ctx.who()))]
pub async fn scope(ctx: &Ctx) -> Result<(Scope, Vec<ScopeVersion>)> {
    ctx.require_reader()?;
    ctx.store().scope(VERSIONS_SHOWN).await
}

/// One approved version of the scope; refused, saying why, when its text no longer matches
/// the hash its approval kept.
#[tracing::instrument(name = "scope.version", skip_all, fields(actor = %ctx.who(), version = %n))]
pub async fn scope_version(ctx: &Ctx, n: i64) -> Result<ScopeVersion> {
    ctx.require_reader()?;
    let v = ctx.store().scope_version(n).await?;
    if !v.intact {
        return Err(Error::Conflict(format!(
            "Version {n} of the scope no longer matches what was approved (its SHA-256 was {}), so Annex will not show it. Restore the database from a backup taken before the change; the audit trail shows who approved what.",
            v.sha256
        )));
    }
    Ok(v)
}

/// Writes the scope (managers and admins), checking the revision.
#[tracing::instrument(name = "scope.update", skip_all, fields(actor = %ctx.who()))]
pub async fn update_scope(ctx: &Ctx, expected: Expected, input: &ScopeText) -> Result<Scope> {
    ctx.require_editor()?;
    let t = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = store::scope_in(&mut tx, true).await?;
    check_revision(
        &mut tx,
        "scope",
        "isms",
        "the scope",
        before.revision,
        expected,
    )
    .await?;
    if before.text == t {
        tx.commit().await?;
        return Ok(before);
    }
    let after = store::write_scope(&mut tx, &t, ctx.who()).await?;
    tx.audit(
        ctx.change("scope.update", "scope", "isms")
            .before(&before.text)
            .after(&after.text),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Writes only the scope statement inside another use case's write (the organisation's
/// settings, which show it); the caller audits the change.
pub(crate) async fn write_statement(
    tx: &mut crate::store::Tx,
    ctx: &Ctx,
    statement: &str,
) -> Result<Scope> {
    let mut t = store::scope_in(tx, true).await?.text;
    t.statement = statement.to_string();
    store::write_scope(tx, &t.parse()?, ctx.who()).await
}

/// Approves the scope as it is written now (managers and admins): its text is kept as the
/// next version with its SHA-256. `expected` is the revision the approver read, so that what
/// is approved is what they saw.
#[tracing::instrument(name = "scope.approve", skip_all, fields(actor = %ctx.who()))]
pub async fn approve_scope(ctx: &Ctx, expected: Expected, note: &str) -> Result<ScopeVersion> {
    ctx.require_editor()?;
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "at most 2,000 characters"));
    }
    let mut tx = ctx.write().await?;
    let draft = store::scope_in(&mut tx, true).await?;
    check_revision(
        &mut tx,
        "scope",
        "isms",
        "the scope",
        draft.revision,
        expected,
    )
    .await?;
    let latest = store::versions_in(&mut tx, 1).await?;
    if let Some(why) = approval_refusal(&draft.text, latest.first()) {
        return Err(Error::Conflict(why));
    }
    let v = store::insert_version(&mut tx, &draft.text, ctx.who(), note).await?;
    tx.audit(
        ctx.change("scope.approve", "scope_version", &v.version.to_string())
            .after(serde_json::json!({
                "version": v.version,
                "sha256": v.sha256,
                "note": v.note,
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(v)
}
