//! The asset register's use cases: reading the register, an asset and the settings (asset
//! types, classification scheme), creating, editing, retiring and bulk-changing assets,
//! importing them, changing the settings. Writes are for managers and admins; each reads
//! what its rules need (the asset, its row locked; the settings; the matrix) inside its
//! transaction and checks the writer's revision there.

use super::domain::{Asset, AssetDraft, AssetFilter, AssetInput, AssetQuery, AssetSettings};
use super::store;
use crate::domain::ImportReport;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision, finish_edit, keep_id};
use std::collections::HashMap;

/// A page of the register.
#[tracing::instrument(name = "asset.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: &AssetQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Asset>> {
    ctx.require_reader()?;
    let filter = resolved(ctx, &q.filter).await?;
    ctx.store()
        .list_assets(&filter, q.sort, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every asset of a query, in its order (exports, the command line).
#[tracing::instrument(name = "asset.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, q: &AssetQuery) -> Result<Vec<Asset>> {
    ctx.require_reader()?;
    let filter = resolved(ctx, &q.filter).await?;
    ctx.store().all_assets(&filter, q.sort).await
}

/// The filter with its type and classification given as keys; the settings are read only when
/// it names either (an unfiltered page reads nothing more than its rows).
async fn resolved(ctx: &Ctx, f: &AssetFilter) -> Result<AssetFilter> {
    if f.asset_type.is_none() && f.classification.is_none() {
        return Ok(f.clone());
    }
    f.resolved(&ctx.store().asset_settings().await?)
}

#[tracing::instrument(name = "asset.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Asset> {
    ctx.require_reader()?;
    ctx.store().asset(id).await
}

/// (id, name) of the assets with these ids that exist, by id.
#[tracing::instrument(name = "asset.names", skip_all, fields(actor = %ctx.who()))]
pub async fn names(ctx: &Ctx, ids: &[String]) -> Result<Vec<(String, String)>> {
    ctx.require_reader()?;
    ctx.store().asset_names(ids).await
}

/// (id, name) of the assets that depend on this one.
#[tracing::instrument(name = "asset.dependents", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn dependents(ctx: &Ctx, id: &str) -> Result<Vec<(String, String)>> {
    ctx.require_reader()?;
    ctx.store().asset_dependents(id).await
}

/// Asset ids for references that are ids or names: a name that matches exactly one asset
/// (case ignored) gives its id (imports name affected assets either way).
#[tracing::instrument(name = "asset.ids_for", skip_all, fields(actor = %ctx.who()))]
pub async fn ids_for(ctx: &Ctx, refs: &[String]) -> Result<HashMap<String, String>> {
    ctx.require_reader()?;
    ctx.store().asset_ids_for(refs).await
}

/// The owners and tags in use, for the filter menus. They are kept until the register
/// changes (every write to an asset, its tags or its owner bumps its generation).
#[tracing::instrument(name = "asset.facets", skip_all, fields(actor = %ctx.who()))]
pub async fn facets(ctx: &Ctx) -> Result<std::sync::Arc<crate::service::cache::AssetFacets>> {
    ctx.require_reader()?;
    let generation = ctx.store().generation("asset").await?;
    if let Some(facets) = ctx.caches().asset_facets.get(&(), generation) {
        return Ok(facets);
    }
    let facets = std::sync::Arc::new(ctx.store().asset_facets().await?);
    ctx.caches()
        .asset_facets
        .put((), generation, std::sync::Arc::clone(&facets));
    Ok(facets)
}

/// The asset types and the classification scheme.
#[tracing::instrument(name = "asset.settings", skip_all, fields(actor = %ctx.who()))]
pub async fn settings(ctx: &Ctx) -> Result<AssetSettings> {
    ctx.require_reader()?;
    ctx.store().asset_settings().await
}

/// Replaces the asset types and classification scheme (managers and admins); a type or level
/// still in use cannot be removed.
#[tracing::instrument(name = "asset.settings", skip_all, fields(actor = %ctx.who()))]
pub async fn set_settings(ctx: &Ctx, settings: AssetSettings) -> Result<AssetSettings> {
    ctx.require_editor()?;
    settings.validate()?;
    let mut tx = ctx.write().await?;
    let before = store::settings_in(&mut tx).await?;
    if before == settings {
        return Ok(settings);
    }
    store::save_settings(&mut tx, &before, &settings).await?;
    tx.audit(
        ctx.change("asset_settings.update", "setting", "asset_settings")
            .before(&before)
            .after(&settings),
    )
    .await?;
    tx.commit().await?;
    Ok(settings)
}

/// Checks an asset as typed against the settings and the matrix as they stand in the write.
async fn parse_in(tx: &mut crate::store::Tx, input: &AssetInput) -> Result<AssetDraft> {
    let settings = store::settings_in(tx).await?;
    let matrix = crate::registers::matrix::store::read_matrix(tx).await?;
    input.parse(&settings, &matrix)
}

/// Creates an asset (managers and admins). Levels and steps by key, name or value.
#[tracing::instrument(name = "asset.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &AssetInput) -> Result<Asset> {
    ctx.require_editor()?;
    let mut tx = ctx.write().await?;
    let draft = parse_in(&mut tx, input).await?;
    let asset = store::insert(&mut tx, &draft).await?;
    tx.audit(ctx.change("asset.create", "asset", &asset.id).after(&asset))
        .await?;
    tx.commit().await?;
    Ok(asset)
}

/// Replaces an asset's fields (managers and admins). A writer who saw an older revision is
/// refused with who changed what since.
#[tracing::instrument(name = "asset.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(ctx: &Ctx, id: &str, expected: Expected, input: &AssetInput) -> Result<Asset> {
    Ok(edit(ctx, id, expected, |_| Ok(input.clone())).await?.1)
}

/// Changes an asset from what is stored, inside one write (the command line's `edit`, which
/// changes only the flags given). Answers the asset before and after.
#[tracing::instrument(name = "asset.edit", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn edit(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    change: impl FnOnce(AssetInput) -> Result<AssetInput>,
) -> Result<(Asset, Asset)> {
    ctx.require_editor()?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "asset", id, id, before.revision, expected).await?;
    let input = change(AssetInput::from(&before))?;
    keep_id(input.id.as_deref(), id, "an asset")?;
    let mut draft = parse_in(&mut tx, &input).await?;
    draft.id = Some(id.to_string());
    let after = store::update(&mut tx, id, &draft).await?;
    finish_edit(ctx, tx, "asset.update", "asset", id, before, after).await
}

/// Retires an asset (managers and admins): it stays in the register with its history.
#[tracing::instrument(name = "asset.retire", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn retire(ctx: &Ctx, id: &str, expected: Expected) -> Result<Asset> {
    ctx.require_editor()?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "asset", id, id, before.revision, expected).await?;
    let after = store::retire(&mut tx, &before).await?;
    if after == before {
        return Ok(before);
    }
    tx.audit(
        ctx.change("asset.retire", "asset", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Gives a selection of assets a new owner and/or classification (managers and admins), in
/// one write; answers how many changed.
#[tracing::instrument(name = "asset.bulk_update", skip_all, fields(actor = %ctx.who(), assets = ids.len()))]
pub async fn bulk_update(
    ctx: &Ctx,
    ids: &[String],
    owner: Option<&str>,
    classification: Option<&str>,
) -> Result<usize> {
    ctx.require_editor()?;
    if ids.is_empty() {
        return Err(Error::field("id", "select at least one asset"));
    }
    if owner.is_none() && classification.is_none() {
        return Err(Error::field(
            "owner",
            "give a new owner or a new classification",
        ));
    }
    if owner.is_some_and(|o| o.chars().count() > 200) {
        return Err(Error::field("owner", "at most 200 characters"));
    }
    let mut tx = ctx.write().await?;
    if let Some(c) = classification {
        let settings = store::settings_in(&mut tx).await?;
        if !settings.classification.iter().any(|l| l.key == c) {
            return Err(Error::field(
                "classification",
                format!("'{c}' is not a classification level"),
            ));
        }
    }
    let changed = store::bulk_update(&mut tx, ids, owner, classification).await?;
    let n = changed.len();
    for (before, after) in changed {
        tx.audit(
            ctx.change("asset.update", "asset", &after.id)
                .before(&before)
                .after(&after),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(n)
}

/// Creates or updates (matching on id) many assets in one transaction (managers and admins):
/// every row and dependency checked first; a dry run writes nothing.
#[tracing::instrument(name = "asset.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<(usize, AssetDraft)>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<ImportReport> {
    let mut importing = Importing::start(ctx, dry_run, upload).await?;
    importing.add(rows).await?;
    importing.finish().await
}

/// An import of assets taken a batch at a time, in one transaction (managers and admins):
/// each batch is checked against the store and the rows before it and written; at the end
/// the dependencies on rows further down and the loops are checked, and the transaction
/// commits only if no row had a problem. A dry run (or an import with a problem) checks
/// every row and writes nothing.
pub struct Importing<'a> {
    ctx: &'a Ctx,
    tx: crate::store::Tx,
    seen: store::Seen,
    /// The register's indexes, built again at the end of a large import.
    bulk: crate::store::BulkIndexes,
    report: ImportReport,
    dry_run: bool,
    /// A row had a problem (or the caller refused the file): rows are only checked now.
    refused: bool,
    upload: Option<String>,
}

impl<'a> Importing<'a> {
    #[tracing::instrument(name = "asset.import.start", skip_all, fields(actor = %ctx.who()))]
    pub async fn start(ctx: &'a Ctx, dry_run: bool, upload: Option<&str>) -> Result<Importing<'a>> {
        ctx.require_editor()?;
        let mut tx = ctx.store().import_tx(dry_run).await?;
        let bulk =
            crate::store::BulkIndexes::of(store::TABLES, Some("asset_text"), &mut tx).await?;
        Ok(Importing {
            ctx,
            tx,
            seen: Default::default(),
            bulk,
            report: ImportReport::default(),
            dry_run,
            refused: false,
            upload: upload.map(str::to_string),
        })
    }

    /// The import fills a new store no one reads until it commits (`annex demo`): its
    /// indexes are built at its end on PostgreSQL too (`BulkIndexes::alone`).
    pub(crate) fn alone(mut self) -> Self {
        self.bulk.alone();
        self
    }

    /// Checks a batch and, while no row had a problem, writes it.
    #[tracing::instrument(name = "asset.import.batch", skip_all, fields(rows = rows.len()))]
    pub async fn add(&mut self, rows: Vec<(usize, AssetDraft)>) -> Result<()> {
        let write = !self.dry_run && !self.refused;
        match store::import_batch(&mut self.tx, self.ctx.who(), rows, &mut self.seen, write).await {
            Ok(report) => {
                let written = report.created_count() + report.updated_count();
                self.report.add(report);
                if write {
                    self.bulk.wrote(&mut self.tx, written).await?;
                }
                Ok(())
            }
            Err(e) => {
                self.refused = true;
                Err(e)
            }
        }
    }

    /// Nothing more is written, and the import ends without a write.
    pub fn refuse(&mut self) {
        self.refused = true;
    }

    /// Checks what needs every row and, unless a dry run or refused, commits.
    #[tracing::instrument(name = "asset.import.finish", skip_all)]
    pub async fn finish(self) -> Result<ImportReport> {
        self.end(false).await.map(|(report, _)| report)
    }

    /// As `finish`, but alone on PostgreSQL the rows are committed without the indexes the
    /// import dropped, and what builds them is answered, for the caller to build while it
    /// goes on (`annex demo`; see `BulkIndexes::later`).
    pub(crate) async fn finish_later(
        self,
    ) -> Result<(ImportReport, Option<crate::store::LaterIndexes>)> {
        self.end(true).await
    }

    async fn end(
        mut self,
        later: bool,
    ) -> Result<(ImportReport, Option<crate::store::LaterIndexes>)> {
        let write = !self.dry_run && !self.refused;
        let ended = store::import_end(&mut self.tx, &mut self.seen, write).await;
        if !write || ended.is_err() {
            self.bulk.abandon(&mut self.tx).await?;
            return ended.map(|()| (self.report, None));
        }
        let later = if later {
            self.bulk.later(&self.tx)
        } else {
            None
        };
        self.bulk.rebuild(&mut self.tx).await?;
        crate::registers::imports::service::commit(self.ctx, self.tx, self.upload.as_deref())
            .await?;
        // Alone, the caller refreshes the statistics (`annex demo`, which needs them at once).
        if !self.bulk.is_alone() {
            self.ctx.store().refresh_statistics_soon();
        }
        Ok((self.report, later))
    }
}

/// The matrix the assets' confidentiality, integrity and availability are valued on.
#[tracing::instrument(name = "asset.matrix", skip_all, fields(actor = %ctx.who()))]
pub async fn matrix(ctx: &Ctx) -> Result<crate::registers::matrix::domain::Matrix> {
    crate::registers::matrix::service::get(ctx).await
}
