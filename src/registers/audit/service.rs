//! The audit trail's use cases: reading it (admins and auditors), a record's history (anyone
//! who reads the record), and verifying the chain (admins).

use crate::domain::audit::{AuditFilter, Entry, VerifyReport};
use crate::domain::user::{ADMIN, TRAIL_READERS};
use crate::error::Result;
use crate::service::Ctx;

/// The latest changes of one record, newest first: its history, shown on its page to anyone
/// who reads the record.
#[tracing::instrument(name = "audit.history", skip_all, fields(actor = %ctx.who(), object_type = %object_type, object_id = %object_id))]
pub async fn history(
    ctx: &Ctx,
    object_type: &str,
    object_id: &str,
    limit: i64,
) -> Result<Vec<Entry>> {
    ctx.require_reader()?;
    let filter = AuditFilter {
        object_type: Some(object_type.into()),
        object_id: Some(object_id.into()),
        ..AuditFilter::default()
    };
    ctx.store().audit_entries(&filter, limit).await
}

/// A page of entries, newest first (admins and auditors).
#[tracing::instrument(name = "audit.entries", skip_all, fields(actor = %ctx.who()))]
pub async fn entries(ctx: &Ctx, filter: &AuditFilter, limit: i64) -> Result<Vec<Entry>> {
    ctx.require(TRAIL_READERS)?;
    ctx.store().audit_entries(filter, limit).await
}

/// The kinds of record and the people the trail names, for its filters.
#[tracing::instrument(name = "audit.facets", skip_all, fields(actor = %ctx.who()))]
pub async fn facets(ctx: &Ctx) -> Result<(Vec<String>, Vec<String>)> {
    ctx.require(TRAIL_READERS)?;
    ctx.store().audit_facets().await
}

/// Checks every entry against the hash chain (the operator, or an admin).
#[tracing::instrument(name = "audit.verify", skip_all, fields(actor = %ctx.who()))]
pub async fn verify(ctx: &Ctx) -> Result<VerifyReport> {
    ctx.require(ADMIN)?;
    ctx.store().verify_audit_trail().await
}
