//! The organisation's use cases: its name and the ISMS scope (ISO/IEC 27001 4.3).

use super::store;
use crate::domain::user::ADMIN;
use crate::error::{Error, Problems, Result};
use crate::service::Ctx;

/// The organisation's name, as people read it in every page's frame.
#[tracing::instrument(name = "organisation.name", skip_all, fields(actor = %ctx.who()))]
pub async fn name(ctx: &Ctx) -> Result<String> {
    Ok(ctx
        .store()
        .organisation_name()
        .await?
        .unwrap_or_else(|| "Your organisation".into()))
}

/// The scope of the ISMS as the organisation states it; empty until set.
#[tracing::instrument(name = "organisation.scope", skip_all, fields(actor = %ctx.who()))]
pub async fn scope(ctx: &Ctx) -> Result<String> {
    ctx.require_reader()?;
    ctx.store().isms_scope().await
}

/// The organisation's time zone (an IANA name; "UTC" until set).
#[tracing::instrument(name = "organisation.time_zone", skip_all, fields(actor = %ctx.who()))]
pub async fn time_zone(ctx: &Ctx) -> Result<String> {
    ctx.require_reader()?;
    ctx.store().time_zone().await
}

/// What the settings change: each `None` is left as it is.
#[derive(Debug, Default, Clone, Copy)]
pub struct Settings<'a> {
    pub name: Option<&'a str>,
    pub scope: Option<&'a str>,
    /// An IANA time zone name in any case (`europe/athens`), or UTC.
    pub time_zone: Option<&'a str>,
}

/// Changes the organisation's name, the ISMS scope and the time zone (admins). All are
/// checked first, every problem named, and written in one transaction with one audit entry
/// each that changed.
#[tracing::instrument(name = "organisation.save", skip_all, fields(actor = %ctx.who()))]
pub async fn save(ctx: &Ctx, settings: Settings<'_>) -> Result<()> {
    ctx.require(ADMIN)?;
    let name = settings.name.map(str::trim);
    let scope = settings.scope.map(str::trim);
    let mut p = Problems::new();
    let zone = match settings.time_zone {
        Some(z) => p.take("time_zone", crate::domain::clock::parse_zone(z)),
        None => None,
    };
    if name.is_some_and(|n| n.is_empty() || n.chars().count() > 200) {
        p.add(
            "organisation",
            "enter your organisation's name (up to 200 characters)",
        );
    }
    if scope.is_some_and(|s| s.chars().count() > 10_000) {
        p.add("isms_scope", "at most 10,000 characters");
    }
    p.into_result()?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx).await?;
    let (old_name, old_scope) = match (&before, name) {
        (Some((n, s)), _) => (Some(n.as_str()), s.as_str()),
        (None, Some(_)) => (None, ""),
        (None, None) => return Err(Error::field("isms_scope", "set up the organisation first")),
    };
    let new_name = name.or(old_name).unwrap_or_default();
    let new_scope = scope.unwrap_or(old_scope);
    let old_zone = store::time_zone(&mut tx).await?;
    let new_zone = zone.unwrap_or_else(|| old_zone.clone());
    let mut changes = Vec::new();
    if old_zone != new_zone {
        changes.push(
            ctx.change("organisation.time_zone", "organisation", "1")
                .before(serde_json::json!({"time_zone": old_zone}))
                .after(serde_json::json!({"time_zone": new_zone})),
        );
    }
    if old_name != Some(new_name) {
        changes.push(
            ctx.change("organisation.update", "organisation", "1")
                .before(old_name.map(|n| serde_json::json!({"name": n})))
                .after(serde_json::json!({"name": new_name})),
        );
    }
    if old_scope != new_scope {
        // The statement is the scope register's: written there, audited as its change.
        crate::registers::context::service::write_statement(&mut tx, ctx, new_scope).await?;
        changes.push(
            ctx.change("scope.update", "scope", "isms")
                .before(serde_json::json!({"statement": old_scope}))
                .after(serde_json::json!({"statement": new_scope})),
        );
    }
    if changes.is_empty() {
        return Ok(());
    }
    store::write(&mut tx, new_name, &new_zone).await?;
    tx.audit_many(changes).await?;
    tx.commit().await?;
    if let Ok(mut z) = ctx.caches().zone.lock() {
        *z = None;
    }
    Ok(())
}
