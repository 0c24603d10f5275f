//! Quantitative risk in the store: a risk's FAIR estimates (both phases replaced together,
//! audited), the organisation's currency and risk appetite, every quantified risk with its
//! treatment plan's costs.

use super::domain::{
    self as fair, Factor, Fair, FairSettings, Phase, Quantified, StoredFair, parse_appetite,
};
use crate::domain::montecarlo::Dist;
use crate::error::{Error, Result};
use crate::store::{Store, Tx, pool_query, tx_exec, tx_query};
use std::collections::HashMap;

type EstimateRow = (String, String, String, String, String);
type FactorRow = (
    String,
    String,
    String,
    String,
    f64,
    Option<f64>,
    f64,
    Option<f64>,
);

fn dist_of(row: &FactorRow) -> Dist {
    let (_, _, _, distribution, low, mode, high, lambda) = row;
    if distribution == "lognormal" {
        Dist::Lognormal {
            low: *low,
            high: *high,
        }
    } else {
        Dist::Pert {
            min: *low,
            mode: mode.unwrap_or(*low),
            max: *high,
            lambda: lambda.unwrap_or(4.0),
        }
    }
}

/// Builds the stored estimates of every risk in `estimates` from their factor rows.
fn assemble(estimates: Vec<EstimateRow>, factors: Vec<FactorRow>) -> Vec<(String, StoredFair)> {
    let mut by_phase: HashMap<(String, String), Vec<(Factor, Dist)>> = HashMap::new();
    for row in &factors {
        if let Some(f) = Factor::parse(&row.2) {
            by_phase
                .entry((row.0.clone(), row.1.clone()))
                .or_default()
                .push((f, dist_of(row)));
        }
    }
    let mut out: Vec<(String, StoredFair)> = Vec::new();
    let mut residuals = Vec::new();
    for (risk, phase, model, by, at) in estimates {
        let set = by_phase
            .get(&(risk.clone(), phase.clone()))
            .map(Vec::as_slice)
            .unwrap_or(&[]);
        let Some(e) = fair::from_factors(&model, set) else {
            continue;
        };
        match Phase::parse(&phase) {
            Some(Phase::Current) => out.push((
                risk,
                StoredFair {
                    fair: Fair {
                        current: e,
                        residual: None,
                    },
                    updated_by: by,
                    updated_at: at,
                },
            )),
            Some(Phase::Residual) => residuals.push((risk, e, by, at)),
            None => {}
        }
    }
    for (risk, e, by, at) in residuals {
        if let Some((_, s)) = out.iter_mut().find(|(r, _)| *r == risk) {
            s.fair.residual = Some(e);
            if at > s.updated_at {
                s.updated_at = at;
                s.updated_by = by;
            }
        }
    }
    out
}

const ESTIMATE_COLUMNS: &str = "risk_id, phase, model, updated_by, updated_at";
const FACTOR_COLUMNS: &str = "risk_id, phase, factor, distribution, low, mode, high, lambda";

async fn read_fair(tx: &mut Tx, id: &str) -> Result<Option<StoredFair>> {
    let estimates: Vec<EstimateRow> = tx_query!(
        tx,
        fetch_all,
        EstimateRow,
        &format!("select {ESTIMATE_COLUMNS} from risk_estimate where risk_id = $1 order by phase"),
        id
    )?;
    let factors: Vec<FactorRow> = tx_query!(
        tx,
        fetch_all,
        FactorRow,
        &format!("select {FACTOR_COLUMNS} from risk_estimate_factor where risk_id = $1"),
        id
    )?;
    Ok(assemble(estimates, factors).pop().map(|(_, s)| s))
}

async fn risk_exists(tx: &mut Tx, id: &str) -> Result<()> {
    let found: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select risk_id from risk where risk_id = $1",
        id
    )?;
    match found {
        Some(_) => Ok(()),
        None => Err(Error::NotFound(format!("risk {id}"))),
    }
}

/// Locks the risk's estimates for a write and reads them (the risk's row is locked by the
/// caller, which checks who may edit it).
pub(crate) async fn lock_fair(tx: &mut Tx, id: &str) -> Result<Option<StoredFair>> {
    read_fair(tx, id).await
}

/// Replaces the risk's estimates (both phases) by `fair`, stamped with `actor` and now.
pub(crate) async fn write_fair(
    tx: &mut Tx,
    actor: &str,
    id: &str,
    fair: &Fair,
) -> Result<StoredFair> {
    tx_exec!(tx, "delete from risk_estimate where risk_id = $1", id)?;
    let now = tx.now().to_string();
    let phases = [
        (Phase::Current, Some(&fair.current)),
        (Phase::Residual, fair.residual.as_ref()),
    ];
    for (phase, estimate) in phases {
        let Some(e) = estimate else { continue };
        tx_exec!(
            tx,
            "insert into risk_estimate (risk_id, phase, model, updated_by, updated_at)
             values ($1, $2, $3, $4, $5)",
            id,
            phase.key(),
            fair::model_key(e),
            actor,
            &now
        )?;
        for (factor, d) in fair::factors(e) {
            let (distribution, low, mode, high, lambda) = match d {
                Dist::Pert {
                    min,
                    mode,
                    max,
                    lambda,
                } => ("pert", min, Some(mode), max, Some(lambda)),
                Dist::Lognormal { low, high } => ("lognormal", low, None, high, None),
            };
            tx_exec!(
                tx,
                "insert into risk_estimate_factor
                 (risk_id, phase, factor, distribution, low, mode, high, lambda)
                 values ($1, $2, $3, $4, $5, $6, $7, $8)",
                id,
                phase.key(),
                factor.key(),
                distribution,
                low,
                mode,
                high,
                lambda
            )?;
        }
    }
    read_fair(tx, id)
        .await?
        .ok_or_else(|| Error::Conflict(format!("the estimate of {id} was not stored")))
}

/// Removes the risk's estimates.
pub(crate) async fn delete_fair(tx: &mut Tx, id: &str) -> Result<()> {
    tx_exec!(tx, "delete from risk_estimate where risk_id = $1", id)?;
    Ok(())
}

/// The stored currency and appetite as written (`None` before the organisation is set up).
pub(crate) async fn lock_settings(tx: &mut Tx) -> Result<Option<(String, String)>> {
    let lock = tx.row_lock();
    Ok(tx_query!(
        tx,
        fetch_optional,
        (String, String),
        &format!(
            "select currency, loss_appetite from organisation where organisation_id = 1{lock}"
        )
    )?)
}

/// Records the currency and the appetite (already checked and written out).
pub(crate) async fn write_settings(tx: &mut Tx, currency: &str, appetite: &str) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update organisation set currency = $1, loss_appetite = $2, updated_at = $3
         where organisation_id = 1",
        currency,
        appetite,
        &now
    )?;
    Ok(())
}

impl Store {
    /// The risk's estimates, if it has any.
    pub async fn risk_fair(&self, id: &str) -> Result<Option<StoredFair>> {
        let mut tx = self.read_tx().await?;
        risk_exists(&mut tx, id).await?;
        read_fair(&mut tx, id).await
    }

    /// Every risk with an estimate, with its treatment plan's measures and their costs, by id.
    pub async fn quantified_risks(&self) -> Result<Vec<Quantified>> {
        let mut tx = self.read_tx().await?;
        let estimates: Vec<EstimateRow> = tx_query!(
            tx,
            fetch_all,
            EstimateRow,
            &format!("select {ESTIMATE_COLUMNS} from risk_estimate order by risk_id, phase")
        )?;
        let factors: Vec<FactorRow> = tx_query!(
            tx,
            fetch_all,
            FactorRow,
            &format!("select {FACTOR_COLUMNS} from risk_estimate_factor")
        )?;
        let titles: Vec<(String, String)> = tx_query!(
            tx,
            fetch_all,
            (String, String),
            "select risk_id, title from risk
             where risk_id in (select risk_id from risk_estimate)"
        )?;
        let plans: Vec<(String, String, Option<i64>)> = tx_query!(
            tx,
            fetch_all,
            (String, String, Option<i64>),
            "select rm.risk_id, rm.measure_id, m.cost from risk_measure rm
             join measure m on m.measure_id = rm.measure_id
             where rm.risk_id in (select risk_id from risk_estimate)
             order by rm.risk_id, rm.measure_id"
        )?;
        let titles: HashMap<String, String> = titles.into_iter().collect();
        let mut measures: HashMap<String, Vec<(String, Option<i64>)>> = HashMap::new();
        for (risk, measure, cost) in plans {
            measures.entry(risk).or_default().push((measure, cost));
        }
        Ok(assemble(estimates, factors)
            .into_iter()
            .map(|(id, s)| Quantified {
                title: titles.get(&id).cloned().unwrap_or_default(),
                measures: measures.remove(&id).unwrap_or_default(),
                id,
                fair: s.fair,
            })
            .collect())
    }

    pub async fn fair_settings(&self) -> Result<FairSettings> {
        let row: Option<(String, String)> = pool_query!(
            self,
            fetch_optional,
            (String, String),
            "select currency, loss_appetite from organisation where organisation_id = 1"
        )?;
        let (currency, appetite) = row.unwrap_or_else(|| ("EUR".into(), String::new()));
        Ok(FairSettings {
            currency,
            // A stored appetite was checked when it was saved.
            appetite: parse_appetite(&appetite).unwrap_or_default(),
        })
    }

    /// The measures of one risk's treatment plan with their costs, in one query.
    pub(crate) async fn plan_costs(&self, risk: &str) -> Result<Vec<(String, Option<i64>)>> {
        Ok(pool_query!(
            self,
            fetch_all,
            (String, Option<i64>),
            "select m.measure_id, m.cost from risk_measure rm
             join measure m on m.measure_id = rm.measure_id
             where rm.risk_id = $1 order by m.measure_id",
            risk
        )?)
    }
}
