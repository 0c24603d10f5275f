//! Quantitative risk in the store: a risk's FAIR estimates (both phases replaced together,
//! audited), the organisation's currency and risk appetite, and the portfolio analysis, which
//! is cached by the risk and measure register generations (estimates bump the risk register's).

use super::{Store, Tx, pool_query, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::fair::{
    self, Analysis, AppetitePoint, Factor, Fair, Phase, Quantified, analyse, parse_appetite,
};
use crate::domain::montecarlo::{Dist, Options};
use crate::error::{Error, Result};
use std::collections::HashMap;
use std::sync::Arc;

/// A risk's estimates with who last changed them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct StoredFair {
    /// `{"current": {"model": "simple", "lef": {"distribution": "pert", "min": …}, …}, "residual": … or null}`
    #[schema(value_type = Object)]
    pub fair: Fair,
    pub updated_by: String,
    pub updated_at: String,
}

/// The organisation's settings for quantitative risk.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FairSettings {
    /// ISO 4217 code, e.g. EUR.
    pub currency: String,
    pub appetite: Vec<AppetitePoint>,
}

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

/// Generation of the analysis: the risk and the measure registers together.
async fn analysis_generation(store: &Store) -> Result<i64> {
    let risk = store.generation("risk").await?;
    let measure = store.generation("measure").await?;
    Ok(risk.wrapping_shl(32) ^ measure)
}

impl Store {
    /// The risk's estimates, if it has any.
    pub async fn risk_fair(&self, id: &str) -> Result<Option<StoredFair>> {
        let mut tx = self.read_tx().await?;
        risk_exists(&mut tx, id).await?;
        read_fair(&mut tx, id).await
    }

    /// Replaces the risk's estimates (both phases) in one transaction, audited as
    /// `risk.estimate` with before and after.
    pub async fn set_risk_fair(&self, actor: &str, id: &str, fair: &Fair) -> Result<StoredFair> {
        let mut tx = self.write().await?;
        risk_exists(&mut tx, id).await?;
        let before = read_fair(&mut tx, id).await?;
        if let Some(b) = before.as_ref().filter(|b| &b.fair == fair) {
            return Ok(b.clone());
        }
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
        let after = read_fair(&mut tx, id)
            .await?
            .ok_or_else(|| Error::Conflict(format!("the estimate of {id} was not stored")))?;
        tx.audit(
            Change::new(actor, "risk.estimate", "risk", id)
                .before(before.as_ref().map(|b| &b.fair))
                .after(&after.fair),
        )
        .await?;
        tx.bump_generation("risk").await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Removes the risk's estimates (audited); `false` when it had none.
    pub async fn clear_risk_fair(&self, actor: &str, id: &str) -> Result<bool> {
        let mut tx = self.write().await?;
        risk_exists(&mut tx, id).await?;
        let Some(before) = read_fair(&mut tx, id).await? else {
            return Ok(false);
        };
        tx_exec!(tx, "delete from risk_estimate where risk_id = $1", id)?;
        tx.audit(Change::new(actor, "risk.estimate.clear", "risk", id).before(&before.fair))
            .await?;
        tx.bump_generation("risk").await?;
        tx.commit().await?;
        Ok(true)
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

    /// Records the currency and the risk appetite (audited). The appetite is written as
    /// `1M: 10%; 10M: 1%`.
    pub async fn set_fair_settings(
        &self,
        actor: &str,
        currency: &str,
        appetite: &str,
    ) -> Result<()> {
        let currency = currency.trim().to_ascii_uppercase();
        let mut problems = crate::error::Problems::new();
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_alphabetic()) {
            problems.add(
                "currency",
                format!("'{currency}' is not a currency code: give three letters such as EUR, USD or GBP"),
            );
        }
        let points = problems.take("loss_appetite", parse_appetite(appetite));
        problems.into_result()?;
        let appetite = fair::format_appetite(&points.unwrap_or_default());
        let mut tx = self.write().await?;
        let before: Option<(String, String)> = tx_query!(
            tx,
            fetch_optional,
            (String, String),
            "select currency, loss_appetite from organisation where organisation_id = 1"
        )?;
        let Some(before) = before else {
            return Err(Error::field("currency", "set up the organisation first"));
        };
        if before == (currency.clone(), appetite.clone()) {
            return Ok(());
        }
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "update organisation set currency = $1, loss_appetite = $2, updated_at = $3
             where organisation_id = 1",
            &currency,
            &appetite,
            &now
        )?;
        tx.audit(
            Change::new(actor, "organisation.risk_appetite", "organisation", "1")
                .before(serde_json::json!({"currency": before.0, "loss_appetite": before.1}))
                .after(serde_json::json!({"currency": currency, "loss_appetite": appetite})),
        )
        .await?;
        tx.commit().await
    }

    /// The portfolio before and after treatment. Cached until a risk, an estimate or a measure
    /// changes; the simulation runs off the async threads.
    pub async fn portfolio_analysis(&self, opts: Options) -> Result<Arc<Analysis>> {
        let settings = self.fair_settings().await?;
        let key = (
            opts.iterations,
            opts.seed,
            fair::format_appetite(&settings.appetite),
        );
        let generation = analysis_generation(self).await?;
        if let Some(a) = self.analysis_cache.get(&key, generation) {
            return Ok(a);
        }
        let risks = self.quantified_risks().await?;
        let appetite = settings.appetite;
        let analysis = tokio::task::spawn_blocking(move || {
            Arc::new(analyse(&risks, &appetite, &opts, &|_, _| {}))
        })
        .await
        .map_err(|e| Error::Conflict(format!("the simulation failed: {e}")))?;
        self.analysis_cache.put(key, generation, analysis.clone());
        Ok(analysis)
    }

    /// One risk before and after treatment (the same random numbers as in the portfolio, so
    /// its numbers are the portfolio's). Cached like the portfolio.
    pub async fn risk_analysis(&self, id: &str, opts: Options) -> Result<Option<Arc<Analysis>>> {
        let settings = self.fair_settings().await?;
        let key = (
            id.to_string(),
            opts.iterations,
            opts.seed,
            fair::format_appetite(&settings.appetite),
        );
        let generation = analysis_generation(self).await?;
        if let Some(a) = self.risk_analysis_cache.get(&key, generation) {
            return Ok(Some(a));
        }
        let Some(stored) = self.risk_fair(id).await? else {
            return Ok(None);
        };
        let risk = self.risk(id).await?;
        let measures = self.plan_costs(&risk.id).await?;
        let q = Quantified {
            id: risk.id,
            title: risk.title,
            fair: stored.fair,
            measures,
        };
        let analysis = tokio::task::spawn_blocking(move || {
            Arc::new(analyse(
                std::slice::from_ref(&q),
                &settings.appetite,
                &opts,
                &|_, _| {},
            ))
        })
        .await
        .map_err(|e| Error::Conflict(format!("the simulation failed: {e}")))?;
        self.risk_analysis_cache
            .put(key, generation, analysis.clone());
        Ok(Some(analysis))
    }

    /// The measures of one risk's treatment plan with their costs, in one query.
    async fn plan_costs(&self, risk: &str) -> Result<Vec<(String, Option<i64>)>> {
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
