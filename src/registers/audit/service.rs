//! The audit trail's use cases: reading it (admins and auditors), a record's history (anyone
//! who reads the record), and verifying the chain.

use crate::domain::audit::Entry;
use crate::error::Result;
use crate::service::Ctx;
use crate::store::AuditFilter;

/// The latest changes of one record, newest first: its history, shown on its page to anyone
/// who reads the record.
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
