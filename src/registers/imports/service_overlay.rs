//! The import most registers share: each row is read over the record its id names (only the
//! columns the file has change it) or creates one; every row is checked against the register's
//! rules before anything is written, inside one transaction; a row that changes nothing is
//! counted unchanged, so an export imports back as it was; each write goes to the trail.
//!
//! A register says how to read, check and write its records by implementing [`Overlay`] and
//! calls [`run`] from its import use case (after its role check).

use crate::domain::ImportReport;
use crate::error::{Error, FieldError, Result};
use crate::exchange::import::{Row, checked_row};
use crate::service::Ctx;
use crate::store::Tx;
use std::future::Future;

/// How one register's records are imported.
pub trait Overlay: Send {
    /// A row's checked form.
    type Draft: PartialEq + Send + Sync;
    /// A record as stored.
    type Record: serde::Serialize + Send + Sync;
    /// The trail's name of the record (`nonconformity`) and the prefix of its actions
    /// (`nonconformity.create`, `nonconformity.update`).
    const ENTITY: &'static str;
    const ACTION: &'static str;

    fn record_id(r: &Self::Record) -> &str;
    fn draft_id(d: &Self::Draft) -> Option<&str>;
    /// How a dry run names a row that would create a record without an id given.
    fn new_label(d: &Self::Draft) -> String;
    /// A row's values over the record it updates (or over an empty one), checked; with no
    /// values, the record as it stands.
    fn overlay(
        &self,
        base: Option<&Self::Record>,
        values: &[(&'static str, String)],
    ) -> Result<Self::Draft>;
    /// The record `id`, inside the import's transaction.
    fn read(
        &self,
        tx: &mut Tx,
        id: &str,
    ) -> impl Future<Output = Result<Option<Self::Record>>> + Send;
    /// The register's rules between a row and what is stored (the records it names, a closed
    /// record kept as it is): its problems, named `row N, field`.
    fn check(
        &mut self,
        tx: &mut Tx,
        row: usize,
        d: &Self::Draft,
        before: Option<&Self::Record>,
    ) -> impl Future<Output = Result<Vec<FieldError>>> + Send;
    fn insert(
        &self,
        tx: &mut Tx,
        d: &Self::Draft,
    ) -> impl Future<Output = Result<Self::Record>> + Send;
    fn write(
        &self,
        tx: &mut Tx,
        before: &Self::Record,
        d: &Self::Draft,
    ) -> impl Future<Output = Result<Self::Record>> + Send;

    /// Whether a row leaves `before` as it is.
    fn unchanged(&self, before: &Self::Record, d: &Self::Draft) -> bool {
        self.overlay(Some(before), &[]).is_ok_and(|old| old == *d)
    }
}

/// Imports `rows` all or none: every problem of every row is told at once and nothing is
/// written; a dry run reports what would happen and writes nothing.
pub async fn run<O: Overlay>(
    ctx: &Ctx,
    mut o: O,
    rows: Vec<Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<ImportReport> {
    // A row naming a record is read over it, so it may leave out what it does not change
    // (even a required column).
    let ids: Vec<Option<String>> = rows
        .iter()
        .map(|(_, values)| {
            values
                .iter()
                .find(|(f, v)| *f == "id" && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
        })
        .collect();
    crate::store::check_unique_ids(
        rows.iter()
            .zip(&ids)
            .map(|((r, _), id)| (*r, id.as_deref())),
    )?;
    let mut tx = ctx.store().import_tx(dry_run).await?;
    let mut problems = Vec::new();
    let mut targets = Vec::with_capacity(rows.len());
    for ((row, values), id) in rows.iter().zip(&ids) {
        let before = match id {
            Some(id) => o.read(&mut tx, id).await?,
            None => None,
        };
        let Some(d) = checked_row(*row, o.overlay(before.as_ref(), values), &mut problems)? else {
            continue;
        };
        problems.extend(o.check(&mut tx, *row, &d, before.as_ref()).await?);
        targets.push((d, before));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut report = ImportReport::default();
    for (d, before) in targets {
        match before {
            Some(b) if o.unchanged(&b, &d) => report.unchanged.push(O::record_id(&b).to_string()),
            Some(b) => {
                let id = O::record_id(&b).to_string();
                if !dry_run {
                    let after = o.write(&mut tx, &b, &d).await?;
                    tx.audit(
                        ctx.change(&format!("{}.update", O::ACTION), O::ENTITY, &id)
                            .before(&b)
                            .after(&after),
                    )
                    .await?;
                }
                report.updated.push(id);
            }
            None if dry_run => report.created.push(
                O::draft_id(&d)
                    .map(str::to_string)
                    .unwrap_or_else(|| O::new_label(&d)),
            ),
            None => {
                let x = o.insert(&mut tx, &d).await?;
                let id = O::record_id(&x).to_string();
                tx.audit(
                    ctx.change(&format!("{}.create", O::ACTION), O::ENTITY, &id)
                        .after(&x),
                )
                .await?;
                report.created.push(id);
            }
        }
    }
    super::service::finish(ctx, tx, dry_run, upload, report).await
}
