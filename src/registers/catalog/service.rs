//! The catalogues' use cases: the frameworks and their controls, a control with its mappings,
//! and the mappings between two frameworks.

use crate::domain::catalog::{
    Catalog, Control, Framework, Group, MappedControl, normalise_control_id,
};
use crate::error::Result;
use crate::service::Ctx;
use std::sync::Arc;

/// Every catalogue in the store, with its controls (a snapshot kept while the content holds).
#[tracing::instrument(name = "catalog.catalogs", skip_all, fields(actor = %ctx.who()))]
pub async fn catalogs(ctx: &Ctx) -> Result<Vec<Arc<Catalog>>> {
    ctx.require_reader()?;
    ctx.store().catalogs().await
}

/// One framework's catalogue.
#[tracing::instrument(name = "catalog.catalog", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn catalog(ctx: &Ctx, framework: &str) -> Result<Arc<Catalog>> {
    ctx.require_reader()?;
    ctx.store().catalog(framework).await
}

/// The frameworks in the store with their number of controls.
#[tracing::instrument(name = "catalog.frameworks", skip_all, fields(actor = %ctx.who()))]
pub async fn frameworks(ctx: &Ctx) -> Result<Vec<Framework>> {
    ctx.require_reader()?;
    ctx.store().frameworks().await
}

/// A control with what corresponds to it in other frameworks.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ControlDetail {
    #[serde(flatten)]
    pub control: Control,
    /// Corresponding controls in other frameworks (e.g. the 2013 predecessors of a 2022 control).
    pub mapped: Vec<MappedControl>,
    /// Frameworks relative to which this control is new (no predecessor).
    pub new_relative_to: Vec<String>,
}

/// One control (an `A.` prefix is accepted) with its mappings.
#[tracing::instrument(name = "catalog.control", skip_all, fields(actor = %ctx.who(), framework = %framework, id = %id))]
pub async fn control(ctx: &Ctx, framework: &str, id: &str) -> Result<ControlDetail> {
    ctx.require_reader()?;
    let control = ctx.store().control(framework, id).await?;
    Ok(ControlDetail {
        mapped: ctx.store().mapped_controls(framework, &control.id).await?,
        new_relative_to: ctx.store().new_relative_to(framework, &control.id).await?,
        control,
    })
}

/// What corresponds in framework `to` to control `id` of framework `from`; when nothing
/// does, whether the control is new relative to `to` (no predecessor there).
#[tracing::instrument(name = "catalog.map", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn map(ctx: &Ctx, from: &str, id: &str, to: &str) -> Result<(Vec<MappedControl>, bool)> {
    ctx.require_reader()?;
    let mapped = ctx.store().map_control(from, id, to).await?;
    let new = mapped.is_empty()
        && ctx
            .store()
            .new_relative_to(from, &normalise_control_id(id))
            .await?
            .iter()
            .any(|f| f == to);
    Ok((mapped, new))
}

/// The pairs of corresponding control ids from one framework to another (both must exist),
/// only those of source control `id` when given.
#[tracing::instrument(name = "catalog.mapping_pairs", skip_all, fields(actor = %ctx.who(), id = ?id))]
pub async fn mapping_pairs(
    ctx: &Ctx,
    from: &str,
    to: &str,
    id: Option<&str>,
) -> Result<Vec<(String, String)>> {
    ctx.require_reader()?;
    ctx.store().framework(from).await?;
    ctx.store().framework(to).await?;
    let id = id.map(normalise_control_id);
    Ok(ctx
        .store()
        .mapping_pairs(from, to)
        .await?
        .into_iter()
        .filter(|(a, _)| id.as_ref().is_none_or(|i| i == a))
        .collect())
}

/// How many controls each top-level theme of a framework holds, in catalogue order.
#[tracing::instrument(name = "catalog.theme_counts", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn theme_counts(ctx: &Ctx, framework: &str) -> Result<Vec<(Group, i64)>> {
    ctx.require_reader()?;
    ctx.store().control_count_by_theme(framework).await
}

/// How many controls carry each pair of values of two attribute types, as
/// (row value, column value, count).
#[tracing::instrument(name = "catalog.attribute_grid", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn attribute_grid(
    ctx: &Ctx,
    framework: &str,
    rows: &str,
    columns: &str,
) -> Result<Vec<(String, String, i64)>> {
    ctx.require_reader()?;
    ctx.store().attribute_grid(framework, rows, columns).await
}

/// The first framework, in `order`, that has a control with this id (an `A.` prefix is
/// accepted), with the id as the catalogue writes it.
#[tracing::instrument(name = "catalog.find_control", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn find_control(ctx: &Ctx, id: &str, order: &[&str]) -> Result<Option<(String, String)>> {
    ctx.require_reader()?;
    let id = normalise_control_id(id);
    for fw in order {
        if let Ok(c) = ctx.store().control(fw, &id).await {
            return Ok(Some((fw.to_string(), c.id)));
        }
    }
    Ok(None)
}
