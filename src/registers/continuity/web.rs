//! Continuity on other registers' pages: the card of an asset's recovery requirement (on the
//! asset's page): the RTO and RPO the processes depending on it require, what its last
//! restore test achieved, and the gaps.

use super::domain::{Requirement, duration_words};
use super::service;
use crate::error::Result;
use crate::service::Ctx;

/// What an asset's page shows of continuity.
pub struct AssetCard {
    pub required_rto: String,
    pub rto_set_by: String,
    pub required_rpo: String,
    pub rpo_set_by: String,
    pub processes: Vec<String>,
    pub tested_by: String,
    pub tested_on: String,
    pub achieved_rto: String,
    pub achieved_rpo: String,
    pub gaps: Vec<String>,
}

fn words(m: Option<i64>) -> String {
    m.map(duration_words).unwrap_or_default()
}

impl From<Requirement> for AssetCard {
    fn from(r: Requirement) -> AssetCard {
        AssetCard {
            required_rto: words(r.required_rto_minutes),
            rto_set_by: r.rto_set_by.unwrap_or_default(),
            required_rpo: words(r.required_rpo_minutes),
            rpo_set_by: r.rpo_set_by.unwrap_or_default(),
            processes: r.processes,
            tested_by: r.tested_by.unwrap_or_default(),
            tested_on: r.tested_on.unwrap_or_default(),
            achieved_rto: words(r.achieved_rto_minutes),
            achieved_rpo: words(r.achieved_rpo_minutes),
            gaps: r.gaps,
        }
    }
}

/// The card of an asset, when a process depends on it.
pub async fn asset_card(ctx: &Ctx, asset: &str) -> Result<Option<AssetCard>> {
    Ok(service::asset_requirements(ctx, Some(asset))
        .await?
        .into_iter()
        .next()
        .map(AssetCard::from))
}
