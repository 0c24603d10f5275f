//! The Statement of Applicability in the store: one row per decided control (a control
//! without one is undecided), every control of a catalogue with what implements it (measures)
//! and what selected it (the open risks those measures treat), its warnings, and the audited
//! change of a decision.

use super::{Store, pool_query, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::catalog::Control;
use crate::domain::soa::{
    Applicability, ApplicabilityDraft, ExclusionReason, Reason, Status, Warning,
};
use crate::error::{Error, Result};
use crate::registers::evidence::domain::ControlEvidence;
use crate::registers::evidence::domain::State;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// A measure or a risk linked to a control, as the SoA shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Linked {
    pub id: String,
    pub name: String,
    /// The measure's or the risk's status key.
    pub status: String,
}

/// One control of the Statement of Applicability with everything derived about it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SoaRow {
    pub control: Control,
    pub applicability: Applicability,
    /// The measures that implement the control.
    pub measures: Vec<Linked>,
    /// How many open risks are treated by those measures (the risks that selected it).
    pub risk_count: i64,
    /// Up to ten of them.
    pub risks: Vec<Linked>,
    /// The evidence attached to the control or to its measures, newest first (at most
    /// `EVIDENCE_LISTED`).
    pub evidence: Vec<ControlEvidence>,
    /// How many items there are in all.
    #[serde(default)]
    pub evidence_count: usize,
    /// Whether that evidence proves the control today.
    pub evidence_state: State,
    /// The items that show the control failing today (filed by scans), with why.
    #[serde(default)]
    pub evidence_failing: Vec<ControlEvidence>,
    pub warnings: Vec<Warning>,
}

pub(super) type DecisionRow = (
    String,
    Option<bool>,
    String,
    Option<String>,
    String,
    String,
    Option<i64>,
    String,
    Option<String>,
    String,
);
pub(super) const COLUMNS: &str = "control_id, applicable, reasons, exclusion_reason, justification, status, maturity, owner, target_date, updated_at";

pub(super) fn decision_from(framework: &str, r: DecisionRow) -> Applicability {
    let (
        control_id,
        applicable,
        reasons,
        exclusion,
        justification,
        status,
        maturity,
        owner,
        target,
        updated,
    ) = r;
    Applicability {
        framework: framework.to_string(),
        control_id,
        applicable,
        reasons: reasons
            .split(',')
            .filter_map(|k| Reason::parse(k).ok())
            .collect(),
        exclusion_reason: exclusion.and_then(|e| ExclusionReason::parse(&e).ok()),
        justification,
        status: Status::parse(&status).unwrap_or(Status::NotStarted),
        maturity,
        owner,
        target_date: target,
        updated_at: updated,
    }
}

/// Per control: the open risks its measures treat, how many, and the first of them.
pub(crate) type SoaRisks = Vec<(String, i64, Vec<Linked>)>;

/// The measures of each control.
pub(crate) type MeasuresByControl = std::sync::Arc<HashMap<String, Vec<Linked>>>;

/// Up to this many risks are listed per control.
const RISKS_SHOWN: usize = 10;

impl Store {
    /// Every control of a framework, in catalogue order, with its decision and what is
    /// derived about it (three queries whatever the size of the catalogue).
    pub async fn soa(&self, framework: &str) -> Result<Vec<SoaRow>> {
        let catalog = self.catalog(framework).await?;
        let decisions: Vec<DecisionRow> = pool_query!(
            self,
            fetch_all,
            DecisionRow,
            &format!("select {COLUMNS} from soa_row where framework_id = $1"),
            framework
        )?;
        let mut decided: HashMap<String, Applicability> = decisions
            .into_iter()
            .map(|r| decision_from(framework, r))
            .map(|a| (a.control_id.clone(), a))
            .collect();
        let by_control = self.soa_measures(framework).await?;
        let risks = self.soa_risks(framework).await?;
        let mut risk_counts: HashMap<&str, (i64, &Vec<Linked>)> = risks
            .iter()
            .map(|(c, n, l)| (c.as_str(), (*n, l)))
            .collect();
        let evidence = self.soa_evidence(framework).await?;
        let today = self.today();
        Ok(catalog
            .controls
            .iter()
            .map(|c| {
                let applicability = decided
                    .remove(&c.id)
                    .unwrap_or_else(|| Applicability::undecided(framework, &c.id));
                let measures = by_control.get(&c.id).cloned().unwrap_or_default();
                let (risk_count, risks) = risk_counts
                    .remove(c.id.as_str())
                    .map(|(n, l)| (n, l.clone()))
                    .unwrap_or_default();
                let (evidence, evidence_count, evidence_state, evidence_failing) =
                    match evidence.get(&c.id) {
                        Some(s) => (
                            s.newest.clone(),
                            s.count,
                            s.state(&today),
                            s.failures(&today),
                        ),
                        None => (Vec::new(), 0, State::None, Vec::new()),
                    };
                SoaRow {
                    warnings: Warning::of(
                        &applicability,
                        measures.len(),
                        risk_count as usize,
                        evidence_state,
                    ),
                    control: c.clone(),
                    applicability,
                    measures,
                    risk_count,
                    risks,
                    evidence,
                    evidence_count,
                    evidence_state,
                    evidence_failing,
                }
            })
            .collect())
    }

    /// The measures that implement each control, kept in memory until the measure register
    /// changes.
    async fn soa_measures(&self, framework: &str) -> Result<MeasuresByControl> {
        let generation = self.generation("measure").await?;
        let key = framework.to_string();
        if let Some(v) = self.soa_measure_cache.get(&key, generation) {
            return Ok(v);
        }
        let measures: Vec<(String, String, String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String, String, String),
            "select mc.control_id, m.measure_id, m.name, m.status
             from measure_control mc join measure m on m.measure_id = mc.measure_id
             where mc.framework_id = $1 order by mc.control_id, m.measure_id",
            framework
        )?;
        let mut by_control: HashMap<String, Vec<Linked>> = HashMap::new();
        for (control, id, name, status) in measures {
            by_control
                .entry(control)
                .or_default()
                .push(Linked { id, name, status });
        }
        let v = std::sync::Arc::new(by_control);
        self.soa_measure_cache.put(key, generation, v.clone());
        Ok(v)
    }

    /// For each control, how many open risks its measures treat and the first ten of them (by
    /// id). Joins over every risk: kept in memory until the risk or the measure register
    /// changes.
    async fn soa_risks(&self, framework: &str) -> Result<SoaRisks> {
        let key = (framework.to_string(), self.generation("measure").await?);
        let generation = self.generation("risk").await?;
        if let Some(v) = self.soa_risk_cache.get(&key, generation) {
            return Ok(v);
        }
        let counts: Vec<(String, i64)> = pool_query!(
            self,
            fetch_all,
            (String, i64),
            "select mc.control_id, count(distinct rm.risk_id)
             from measure_control mc
             join risk_measure rm on rm.measure_id = mc.measure_id
             join risk r on r.risk_id = rm.risk_id
             where mc.framework_id = $1 and r.status <> 'closed'
             group by mc.control_id",
            framework
        )?;
        let first: Vec<(String, String, String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String, String, String),
            &format!(
                "select control_id, risk_id, title, status from (
                     select p.control_id, r.risk_id, r.title, r.status,
                            row_number() over (partition by p.control_id order by r.risk_id) as n
                     from (select distinct mc.control_id, rm.risk_id
                           from measure_control mc join risk_measure rm on rm.measure_id = mc.measure_id
                           where mc.framework_id = $1) p
                     join risk r on r.risk_id = p.risk_id
                     where r.status <> 'closed'
                 ) ranked where n <= {RISKS_SHOWN} order by control_id, risk_id"
            ),
            framework
        )?;
        let mut listed: HashMap<String, Vec<Linked>> = HashMap::new();
        for (control, id, name, status) in first {
            listed
                .entry(control)
                .or_default()
                .push(Linked { id, name, status });
        }
        let v: SoaRisks = counts
            .into_iter()
            .map(|(control, n)| {
                let risks = listed.remove(&control).unwrap_or_default();
                (control, n, risks)
            })
            .collect();
        self.soa_risk_cache.put(key, generation, v.clone());
        Ok(v)
    }

    /// One control's row, with the risks that selected it listed.
    pub async fn soa_row(&self, framework: &str, id: &str) -> Result<SoaRow> {
        let catalog = self.catalog(framework).await?;
        let id = catalog.control(id)?.id.clone();
        let row = self
            .soa(framework)
            .await?
            .into_iter()
            .find(|r| r.control.id == id)
            .ok_or_else(|| Error::NotFound(format!("control {id} in {framework}")))?;
        Ok(row)
    }

    /// Records the decision about a control (audited, with the values before and after).
    /// A decision that changes nothing writes nothing.
    pub async fn set_applicability(
        &self,
        actor: &str,
        framework: &str,
        id: &str,
        d: ApplicabilityDraft,
    ) -> Result<SoaRow> {
        let catalog = self.catalog(framework).await?;
        let id = catalog.control(id)?.id.clone();
        let mut tx = self.write().await?;
        let before: Option<DecisionRow> = tx_query!(
            tx,
            fetch_optional,
            DecisionRow,
            &format!("select {COLUMNS} from soa_row where framework_id = $1 and control_id = $2"),
            framework,
            &id
        )?;
        let before = before.map(|r| decision_from(framework, r));
        let now = tx.now().to_string();
        let after = Applicability {
            framework: framework.to_string(),
            control_id: id.clone(),
            applicable: d.applicable,
            reasons: d.reasons,
            exclusion_reason: d.exclusion_reason,
            justification: d.justification,
            status: d.status,
            maturity: d.maturity,
            owner: d.owner,
            target_date: d.target_date,
            updated_at: now.clone(),
        };
        let unchanged = before.as_ref().is_some_and(|b| {
            let mut same = after.clone();
            same.updated_at = b.updated_at.clone();
            same == *b
        });
        if !unchanged {
            let reasons: Vec<&str> = after.reasons.iter().map(|r| r.key()).collect();
            tx_exec!(
                tx,
                "insert into soa_row (framework_id, control_id, applicable, reasons, exclusion_reason, justification,
                                      status, maturity, owner, target_date, updated_at)
                 values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
                 on conflict (framework_id, control_id) do update set
                     applicable = excluded.applicable, reasons = excluded.reasons,
                     exclusion_reason = excluded.exclusion_reason, justification = excluded.justification,
                     status = excluded.status, maturity = excluded.maturity, owner = excluded.owner,
                     target_date = excluded.target_date, updated_at = excluded.updated_at",
                framework,
                &id,
                after.applicable,
                reasons.join(","),
                after.exclusion_reason.map(|e| e.key()),
                &after.justification,
                after.status.key(),
                after.maturity,
                &after.owner,
                &after.target_date,
                &now
            )?;
            tx.audit(
                Change::new(actor, "soa.update", "soa", &format!("{framework}:{id}"))
                    .before(&before)
                    .after(&after),
            )
            .await?;
            tx.commit().await?;
        }
        self.soa_row(framework, &id).await
    }
}
