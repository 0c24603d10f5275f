//! Interested parties' use cases: managers and admins keep the list, everyone signed in
//! reads it; the obligations named must be in the obligations register.

use super::domain::{Party, PartyDraft, PartyInput};
use super::store;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::registers::imports::service_overlay::{self as overlay, Overlay};
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
    let rows_of = PartyRows { today: ctx.today() };
    overlay::run(ctx, rows_of, rows, dry_run, upload).await
}

/// Interested parties as rows of a file: the records a row links to must exist.
struct PartyRows {
    today: String,
}

impl Overlay for PartyRows {
    type Draft = PartyDraft;
    type Record = Party;
    const ENTITY: &'static str = "party";
    const ACTION: &'static str = "party";

    fn record_id(r: &Party) -> &str {
        &r.id
    }

    fn draft_id(d: &PartyDraft) -> Option<&str> {
        d.id.as_deref()
    }

    fn new_label(d: &PartyDraft) -> String {
        format!("a new interested party ({})", d.name)
    }

    fn overlay(
        &self,
        base: Option<&Party>,
        values: &[(&'static str, String)],
    ) -> Result<PartyDraft> {
        base.map(PartyInput::from)
            .unwrap_or_default()
            .overlay(values, &self.today)
    }

    async fn read(&self, tx: &mut crate::store::Tx, id: &str) -> Result<Option<Party>> {
        store::read_in(tx, id).await
    }

    async fn check(
        &mut self,
        tx: &mut crate::store::Tx,
        row: usize,
        d: &PartyDraft,
        _: Option<&Party>,
    ) -> Result<Vec<crate::error::FieldError>> {
        crate::service::unknown_links(tx, &[(format!("row {row}, "), links(d))]).await
    }

    async fn insert(&self, tx: &mut crate::store::Tx, d: &PartyDraft) -> Result<Party> {
        store::insert(tx, d).await
    }

    async fn write(
        &self,
        tx: &mut crate::store::Tx,
        before: &Party,
        d: &PartyDraft,
    ) -> Result<Party> {
        store::write(tx, &before.id, d, true).await
    }
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
