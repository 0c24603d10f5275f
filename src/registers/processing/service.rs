//! The record of processing activities' use cases: managers and admins keep it, everyone
//! signed in reads it; its processors must be suppliers of the register and its assets assets
//! of the inventory; an import of a record kept in a spreadsheet.

use super::domain::{Processing, ProcessingDraft, ProcessingInput};
use super::store;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision};

#[tracing::instrument(name = "processing.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: Option<&str>,
    supplier: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Processing>> {
    ctx.require_reader()?;
    ctx.store()
        .list_processing(q, supplier, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every activity (exports, the record as a whole).
#[tracing::instrument(name = "processing.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, supplier: Option<&str>) -> Result<Vec<Processing>> {
    crate::store::collect_pages(|cursor| async move {
        list(ctx, None, supplier, cursor.as_deref(), 500).await
    })
    .await
}

#[tracing::instrument(name = "processing.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Processing> {
    ctx.require_reader()?;
    ctx.store().processing(id).await
}

/// What an activity links to in other registers: its processors and assets.
fn links(d: &ProcessingDraft) -> Vec<crate::service::Link<'_>> {
    vec![
        (
            "processors",
            "supplier",
            "supplier_id",
            &d.processors,
            "supplier register",
        ),
        ("assets", "asset", "asset_id", &d.assets, "asset register"),
    ]
}

/// Adds a processing activity (managers and admins).
#[tracing::instrument(name = "processing.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &ProcessingInput) -> Result<Processing> {
    ctx.require_editor()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let problems = crate::service::unknown_links(&mut tx, &[(String::new(), links(&d))]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let x = store::insert(&mut tx, &d).await?;
    tx.audit(
        ctx.change("processing.create", "processing", &x.id)
            .after(&x),
    )
    .await?;
    tx.commit().await?;
    Ok(x)
}

/// Replaces a processing activity (managers and admins), checking the revision.
#[tracing::instrument(name = "processing.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ProcessingInput,
) -> Result<Processing> {
    ctx.require_editor()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "processing", id, id, before.revision, expected).await?;
    if d.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::field("id", "a processing activity keeps its id"));
    }
    let problems = crate::service::unknown_links(&mut tx, &[(String::new(), links(&d))]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let after = store::write(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("processing.update", "processing", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Imports processing activities (managers and admins): all rows or none; a row whose id is
/// an activity of Annex updates the columns its file has, so an export imports back
/// unchanged.
#[tracing::instrument(name = "processing.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
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
        |values| ProcessingInput::default().overlay(values, &today),
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
                ProcessingInput::from(b).overlay(values, &today),
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
                if ProcessingInput::from(&b)
                    .parse(&today)
                    .is_ok_and(|old| old == d)
                {
                    report.unchanged.push(b.id);
                    continue;
                }
                report.updated.push(b.id.clone());
                if !dry_run {
                    let after = store::write(&mut tx, &b.id, &d, true).await?;
                    tx.audit(
                        ctx.change("processing.update", "processing", &b.id)
                            .before(&b)
                            .after(&after),
                    )
                    .await?;
                }
            }
            None if dry_run => report.created.push(
                d.id.clone()
                    .unwrap_or_else(|| format!("a new processing activity ({})", d.name)),
            ),
            None => {
                let x = store::insert(&mut tx, &d).await?;
                tx.audit(
                    ctx.change("processing.create", "processing", &x.id)
                        .after(&x),
                )
                .await?;
                report.created.push(x.id);
            }
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}
