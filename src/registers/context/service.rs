//! The context's use cases: managers and admins keep the issues and write and approve the
//! scope; everyone signed in reads them. Risks an issue names must be in the risk register.

use super::domain::{
    ContextIssue, IssueDraft, IssueInput, IssueQuery, Scope, ScopeText, ScopeVersion,
    approval_refusal,
};
use super::store;
use crate::domain::query::Page;
use crate::error::{Error, Result};
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
    let today = ctx.today();
    // A row naming an id may update an issue and leave its side as it is: it is read over a
    // placeholder side first, and again without one below when no issue has that id.
    let has_id = |values: &[(&'static str, String)]| {
        values
            .iter()
            .any(|(f, v)| *f == "id" && !v.trim().is_empty())
    };
    let drafts = crate::exchange::import::parse_rows(
        rows.iter().map(|(r, v)| (*r, v.as_slice())).collect(),
        |values| {
            IssueInput {
                side: if has_id(values) { "internal" } else { "" }.into(),
                ..Default::default()
            }
            .overlay(values, &today)
        },
    )?;
    crate::store::check_unique_ids(drafts.iter().map(|(r, d)| (*r, d.id.as_deref())))?;
    let mut tx = ctx.store().import_tx(dry_run).await?;
    let mut problems = Vec::new();
    let mut targets = Vec::with_capacity(drafts.len());
    for ((row, d), (_, values)) in drafts.into_iter().zip(&rows) {
        let before = match &d.id {
            Some(id) => store::read_in(&mut tx, id).await?,
            None => None,
        };
        let again = match &before {
            None if !has_id(values) => None,
            None => Some(IssueInput::default().overlay(values, &today)),
            Some(b) => Some(IssueInput::from(b).overlay(values, &today)),
        };
        let d = match again {
            None => d,
            Some(parsed) => {
                match crate::exchange::import::checked_row(row, parsed, &mut problems)? {
                    Some(d) => d,
                    None => continue,
                }
            }
        };
        targets.push((row, d, before));
    }
    let linked: Vec<_> = targets
        .iter()
        .map(|(row, d, _)| (format!("row {row}, "), links(d)))
        .collect();
    problems.extend(crate::service::unknown_links(&mut tx, &linked).await?);
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut report = crate::domain::ImportReport::default();
    for (_, d, before) in targets {
        match before {
            Some(b) => {
                if IssueInput::from(&b).parse(&today).is_ok_and(|old| old == d) {
                    report.unchanged.push(b.id);
                    continue;
                }
                report.updated.push(b.id.clone());
                if !dry_run {
                    let after = store::write(&mut tx, &b.id, &d, true).await?;
                    tx.audit(
                        ctx.change("context.update", "context_issue", &b.id)
                            .before(&b)
                            .after(&after),
                    )
                    .await?;
                }
            }
            None if dry_run => report.created.push(
                d.id.clone()
                    .unwrap_or_else(|| format!("a new issue ({})", d.title)),
            ),
            None => {
                let x = store::insert(&mut tx, &d).await?;
                tx.audit(
                    ctx.change("context.create", "context_issue", &x.id)
                        .after(&x),
                )
                .await?;
                report.created.push(x.id);
            }
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
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
