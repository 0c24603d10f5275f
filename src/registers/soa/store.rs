//! The Statement of Applicability in the store: one row per decided control (a control
//! without one is undecided), the measures that implement each control and the open risks
//! they treat, and writing a decision.

use super::domain::{Applicability, ExclusionReason, Linked, Reason, SoaRisks, Status};
use crate::error::{Error, Result};
use crate::store::{Sql, Store, Tx, bind_once, on_pool, pool_query, tx_exec, tx_query};
use std::collections::HashMap;

pub(crate) type DecisionRow = (
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
    i64,
);
pub(crate) const COLUMNS: &str = "control_id, applicable, reasons, exclusion_reason, justification, status, maturity, owner, target_date, updated_at, revision";

pub(crate) fn decision_from(framework: &str, r: DecisionRow) -> Applicability {
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
        revision,
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
        revision,
    }
}

/// Up to this many risks are listed per control.
const RISKS_SHOWN: usize = 10;

impl Store {
    /// The decisions recorded for a framework's controls (an undecided control has none).
    pub async fn soa_decisions(&self, framework: &str) -> Result<Vec<Applicability>> {
        let rows: Vec<DecisionRow> = pool_query!(
            self,
            fetch_all,
            DecisionRow,
            &format!("select {COLUMNS} from soa_row where framework_id = $1"),
            framework
        )?;
        Ok(rows
            .into_iter()
            .map(|r| decision_from(framework, r))
            .collect())
    }

    /// The measures that implement each control of a framework.
    pub async fn soa_measures(&self, framework: &str) -> Result<HashMap<String, Vec<Linked>>> {
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
        Ok(by_control)
    }

    /// For each control, how many open risks its measures treat and the first ten of them
    /// (by id). Each measure's open risks are read as one row and counted here: at 100,000
    /// risks a join counted by the database took over two seconds on SQLite, paid after every
    /// risk change.
    pub async fn soa_risks(&self, framework: &str) -> Result<SoaRisks> {
        let controls_of: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select measure_id, control_id from measure_control where framework_id = $1",
            framework
        )?;
        let mut by_measure: HashMap<String, Vec<String>> = HashMap::new();
        for (measure, control) in controls_of {
            by_measure.entry(measure).or_default().push(control);
        }
        // Each measure's open risks as one text: a few thousand rows, not one per link
        // (rows cost far more to hand over than to aggregate).
        let aggregate = match self.backend() {
            // Unit separator (0x1f): no id holds it.
            crate::config::Backend::Sqlite => "group_concat(risk_id, char(31))",
            crate::config::Backend::Postgres => "string_agg(risk_id, chr(31))",
        };
        let links: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            &format!(
                "select measure_id, {aggregate} from risk_measure
                 where risk_id not in (select risk_id from risk where status = 'closed')
                 group by measure_id"
            )
        )?;
        let mut by_control: HashMap<&str, std::collections::HashSet<&str>> = HashMap::new();
        for (measure, risks) in &links {
            let Some(controls) = by_measure.get(measure) else {
                continue;
            };
            for risk in risks.split('\u{1f}').filter(|r| !r.is_empty()) {
                for control in controls {
                    by_control.entry(control).or_default().insert(risk);
                }
            }
        }
        // The first few of each control, by id; their titles and statuses read at once.
        let mut first: Vec<(&str, Vec<&str>)> = by_control
            .iter()
            .map(|(control, risks)| {
                let mut ids: Vec<&str> = risks.iter().copied().collect();
                if ids.len() > RISKS_SHOWN {
                    ids.select_nth_unstable(RISKS_SHOWN - 1);
                    ids.truncate(RISKS_SHOWN);
                }
                ids.sort_unstable();
                (*control, ids)
            })
            .collect();
        first.sort_unstable();
        let mut wanted: Vec<String> = first
            .iter()
            .flat_map(|(_, ids)| ids.iter().map(|id| id.to_string()))
            .collect();
        wanted.sort_unstable();
        wanted.dedup();
        let mut named: HashMap<String, (String, String)> = HashMap::new();
        for chunk in wanted.chunks(500) {
            let mut sql = Sql::new("select risk_id, title, status from risk where risk_id in ");
            sql.push_in(chunk.iter());
            let rows: Vec<(String, String, String)> = on_pool!(&self.pool, |c| bind_once!(
                c,
                sqlx::query_as::<_, (String, String, String)>(&sql.text),
                &sql.args
            )
            .fetch_all(c)
            .await)?;
            named.extend(rows.into_iter().map(|(id, t, st)| (id, (t, st))));
        }
        Ok(first
            .into_iter()
            .map(|(control, ids)| {
                let risks = ids
                    .into_iter()
                    .filter_map(|id| {
                        named.get(id).map(|(name, status)| Linked {
                            id: id.to_string(),
                            name: name.clone(),
                            status: status.clone(),
                        })
                    })
                    .collect();
                (control.to_string(), by_control[control].len() as i64, risks)
            })
            .collect())
    }
}

/// Reads a control's decision inside a write, locking it until the write ends: on PostgreSQL
/// the catalogue's control row is locked (it exists whether the control was decided or not,
/// so that two first decisions of one control wait for each other); SQLite's write holds the
/// database. `None` while undecided.
pub(crate) async fn lock_decision(
    tx: &mut Tx,
    framework: &str,
    id: &str,
) -> Result<Option<Applicability>> {
    if let crate::store::TxInner::Postgres(_) = tx.inner {
        tx_exec!(
            tx,
            "select 1 from control where framework_id = $1 and control_id = $2 for update",
            framework,
            id
        )?;
    }
    let before: Option<DecisionRow> = tx_query!(
        tx,
        fetch_optional,
        DecisionRow,
        &format!("select {COLUMNS} from soa_row where framework_id = $1 and control_id = $2"),
        framework,
        id
    )?;
    Ok(before.map(|r| decision_from(framework, r)))
}

/// Writes a control's decision (its revision goes up by one) and answers it as stored.
pub(crate) async fn write_decision(tx: &mut Tx, a: &Applicability) -> Result<Applicability> {
    let reasons: Vec<&str> = a.reasons.iter().map(|r| r.key()).collect();
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into soa_row (framework_id, control_id, applicable, reasons, exclusion_reason, justification,
                              status, maturity, owner, target_date, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
         on conflict (framework_id, control_id) do update set
             applicable = excluded.applicable, reasons = excluded.reasons,
             exclusion_reason = excluded.exclusion_reason, justification = excluded.justification,
             status = excluded.status, maturity = excluded.maturity, owner = excluded.owner,
             target_date = excluded.target_date, updated_at = excluded.updated_at,
             revision = soa_row.revision + 1",
        &a.framework,
        &a.control_id,
        a.applicable,
        reasons.join(","),
        a.exclusion_reason.map(|e| e.key()),
        &a.justification,
        a.status.key(),
        a.maturity,
        &a.owner,
        &a.target_date,
        &now
    )?;
    lock_decision(tx, &a.framework, &a.control_id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("control {}", a.control_id)))
}
