//! The measures' use cases: the treatment plan and one measure.

use crate::domain::measure::Measure;
use crate::error::Result;
use crate::service::Ctx;
use crate::store::MeasureFilter;

/// Every measure matching a filter, by due date.
pub async fn all(ctx: &Ctx, f: &MeasureFilter) -> Result<Vec<Measure>> {
    ctx.require_reader()?;
    ctx.store().all_measures(f).await
}
