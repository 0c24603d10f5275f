//! What other registers' pages show of nonconformities: the one that follows up a finding.

use crate::error::Result;
use crate::service::Ctx;

/// The nonconformity that follows up a finding, if one does: (id, stage in words).
pub async fn following_up(ctx: &Ctx, finding: &str) -> Result<Option<(String, String)>> {
    let q = super::domain::NcQuery {
        source: Some(super::domain::NcSource::Finding),
        source_ref: Some(finding.to_string()),
        ..Default::default()
    };
    Ok(super::service::list(ctx, &q, None, 50)
        .await?
        .items
        .into_iter()
        .find(|n| n.source_ref.as_deref() == Some(finding))
        .map(|n| (n.id, n.stage.label().to_string())))
}
