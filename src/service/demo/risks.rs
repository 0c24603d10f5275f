//! The demo's measures and risks: the risks written as an import of a million rows would, a
//! batch at a time in one transaction, their assets picked among those the demo made.

use super::{BATCH, Dice, MEASURES, Size, TEAMS, owner};
use crate::domain::catalog::{ControlRef, DEFAULT_FRAMEWORK};
use crate::error::{Error, Result};
use crate::registers::matrix::domain::Matrix;
use crate::registers::measure::domain::{MeasureDraft, MeasureStatus};
use crate::registers::risk::domain::{Rating, RiskDraft, RiskStatus, Treatment};
use crate::registers::risk::domain_threat::{Kind, Library};
use crate::service::Ctx;

/// Makes the demo's measures, then its risks; answers how many measures it made.
pub(super) async fn measures_and_risks(
    ctx: &Ctx,
    size: &Size,
    dice: &mut Dice,
    today: time::Date,
) -> Result<usize> {
    let date = |days: i64| (today + time::Duration::days(days)).to_string();
    let matrix = ctx.store().risk_matrix().await?;
    let impacts = matrix.impact.len();
    let statuses = MeasureStatus::ALL;
    let measures: Vec<(usize, MeasureDraft)> = (0..size.measures)
        .map(|i| {
            let (name, controls) = *dice.pick(MEASURES);
            (
                i + 2,
                MeasureDraft {
                    id: Some(format!("M-{:05}", i + 1)),
                    name: format!("{name} ({})", dice.pick(TEAMS)),
                    description: String::new(),
                    owner: owner(dice),
                    status: *dice.pick(&statuses),
                    due_on: Some(date(dice.below(540) as i64 - 180)),
                    effort: format!("{} person-days", 1 + dice.below(30)),
                    cost: Some(1_000 * (1 + dice.below(50)) as i64),
                    controls: controls
                        .iter()
                        .map(|c| ControlRef {
                            framework: DEFAULT_FRAMEWORK.into(),
                            id: c.to_string(),
                        })
                        .collect(),
                },
            )
        })
        .collect();
    let made_measures = measures.len();
    crate::registers::measure::service::import(ctx, measures, false, None).await?;

    let lib = Library::get();
    let names = |kind: Kind| -> Vec<&str> {
        lib.entries
            .iter()
            .filter(|e| lib.kind_of(e) == Some(kind))
            .map(|e| e.name.as_str())
            .collect()
    };
    let threats = names(Kind::Threat);
    let weaknesses = names(Kind::Vulnerability);
    let rate = |m: &Matrix, l: i64, i: i64| {
        Rating::rate(m, l, i).ok_or_else(|| Error::Internal(anyhow::anyhow!("off the matrix")))
    };
    let likelihoods = matrix.likelihood.len() as i64;
    let matrix = crate::registers::matrix::service::get(ctx).await?;
    let mut importing =
        crate::registers::risk::service::Importing::start(ctx, Default::default(), &matrix, None)
            .await?
            .alone();
    let mut risks = Vec::with_capacity(BATCH);
    for i in 0..size.risks {
        let l = 1 + dice.below(likelihoods as usize) as i64;
        let imp = 1 + dice.below(impacts) as i64;
        let cl = (l - dice.below(2) as i64).max(1);
        let tl = (cl - dice.below(3) as i64).max(1);
        let ti = (imp - dice.below(2) as i64).max(1);
        let threat = *dice.pick(&threats);
        let mut assets = vec![format!("A-{:06}", dice.below(size.assets.max(1)) + 1)];
        if dice.chance(30) {
            assets.push(format!("A-{:06}", dice.below(size.assets.max(1)) + 1));
        }
        assets.sort();
        assets.dedup();
        let mut measures: Vec<String> = (0..dice.below(3))
            .map(|_| format!("M-{:05}", dice.below(size.measures.max(1)) + 1))
            .collect();
        measures.sort();
        measures.dedup();
        if size.measures == 0 {
            measures.clear();
        }
        risks.push((
            i + 2,
            RiskDraft {
                id: Some(format!("R-{:06}", i + 1)),
                title: format!("{threat} ({})", i + 1),
                threat: threat.to_string(),
                vulnerability: dice.pick(&weaknesses).to_string(),
                consequence: "Disruption of the service and loss of trust".into(),
                owner: owner(dice),
                category: dice
                    .pick(&["cyber", "operational", "compliance", "supplier"])
                    .to_string(),
                inherent: rate(&matrix, l, imp)?,
                current: rate(&matrix, cl, imp)?,
                target: rate(&matrix, tl, ti)?,
                treatment: *dice.pick(&Treatment::ALL),
                status: match dice.below(10) {
                    0 => RiskStatus::Closed,
                    1..=4 => RiskStatus::InTreatment,
                    _ => RiskStatus::Open,
                },
                review_due_on: Some(date(dice.below(540) as i64 - 120)),
                assets: if size.assets == 0 { Vec::new() } else { assets },
                measures,
                rating_reason: String::new(),
                notes: String::new(),
            },
        ));
        if risks.len() == BATCH {
            importing.add(std::mem::take(&mut risks)).await?;
        }
    }
    importing.add(risks).await?;
    importing.finish().await?;
    Ok(made_measures)
}
