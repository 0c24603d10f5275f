//! Interested parties' use cases: managers and admins keep the list, everyone signed in
//! reads it; the obligations named must be in the obligations register.

use super::domain::{Party, PartyDraft, PartyInput};
use super::store;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision};

#[tracing::instrument(name = "party.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Party>> {
    ctx.require_reader()?;
    ctx.store()
        .list_parties(q, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every interested party (exports, readiness).
#[tracing::instrument(name = "party.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx) -> Result<Vec<Party>> {
    crate::store::collect_pages(
        |cursor| async move { list(ctx, None, cursor.as_deref(), 500).await },
    )
    .await
}

#[tracing::instrument(name = "party.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Party> {
    ctx.require_reader()?;
    ctx.store().party(id).await
}

/// What a party links to: the obligations its requirements are written in.
fn links(d: &PartyDraft) -> Vec<crate::service::Link<'_>> {
    vec![(
        "obligations",
        "obligation",
        "obligation_id",
        &d.obligations,
        "obligations register",
    )]
}

/// Adds an interested party (managers and admins).
#[tracing::instrument(name = "party.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &PartyInput) -> Result<Party> {
    ctx.require_editor()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let problems = crate::service::unknown_links(&mut tx, &[(String::new(), links(&d))]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let x = store::insert(&mut tx, &d).await?;
    tx.audit(ctx.change("party.create", "party", &x.id).after(&x))
        .await?;
    tx.commit().await?;
    Ok(x)
}

/// Imports interested parties (managers and admins): all rows or none; a row whose id is a
/// party of Annex updates only the columns its file has, so an export imports back
/// unchanged.
#[tracing::instrument(name = "party.import", skip_all, fields(actor = %ctx.who()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    let today = ctx.today();
    let drafts = crate::exchange::import::parse_rows(
        rows.iter().map(|(r, v)| (*r, v.as_slice())).collect(),
        |values| PartyInput::default().overlay(values, &today),
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
        let d = match &before {
            None => d,
            Some(b) => match crate::exchange::import::checked_row(
                row,
                PartyInput::from(b).overlay(values, &today),
                &mut problems,
            )? {
                Some(d) => d,
                None => continue,
            },
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
                if PartyInput::from(&b).parse(&today).is_ok_and(|old| old == d) {
                    report.unchanged.push(b.id);
                    continue;
                }
                report.updated.push(b.id.clone());
                if !dry_run {
                    let after = store::write(&mut tx, &b.id, &d, true).await?;
                    tx.audit(
                        ctx.change("party.update", "party", &b.id)
                            .before(&b)
                            .after(&after),
                    )
                    .await?;
                }
            }
            None if dry_run => report.created.push(
                d.id.clone()
                    .unwrap_or_else(|| format!("a new interested party ({})", d.name)),
            ),
            None => {
                let x = store::insert(&mut tx, &d).await?;
                tx.audit(ctx.change("party.create", "party", &x.id).after(&x))
                    .await?;
                report.created.push(x.id);
            }
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}

/// Replaces an interested party (managers and admins), checking the revision.
#[tracing::instrument(name = "party.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(ctx: &Ctx, id: &str, expected: Expected, input: &PartyInput) -> Result<Party> {
    ctx.require_editor()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "party", id, id, before.revision, expected).await?;
    if d.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::field("id", "an interested party keeps its id"));
    }
    let problems = crate::service::unknown_links(&mut tx, &[(String::new(), links(&d))]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let after = store::write(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("party.update", "party", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
