//! Scan results as evidence on the Statement of Applicability: each report files, per control
//! its checks decided (passed or failed), one evidence item of the host, and the host's next
//! reports refresh that same item. The item is collected on the scan's day and holds for the
//! shortest cadence of its checks; a failed check makes it show the control failing, with the
//! checks and what they saw as the reason.

use super::domain::Filing;
use crate::error::Result;
use crate::registers::evidence::domain::{Evidence, add_days};
use crate::registers::evidence::store::{INSERT_ITEMS, read_items};
use crate::store::{Arg, Store, Tx, tx_exec, tx_query};
use std::collections::HashMap;

/// An evidence item a run created (no before) or refreshed.
pub(crate) type Filed = (String, Option<Evidence>, Evidence);

/// Files the decided findings of a run as evidence of the host, per control: a new item for
/// a control the host has not evidenced yet, else a refresh of its item (unless the item
/// already holds a later scan). Answers every item created or refreshed, with before and
/// after, for the audit trail.
pub(crate) async fn file_evidence(tx: &mut Tx, f: &Filing<'_>) -> Result<Vec<Filed>> {
    let Filing {
        actor,
        host,
        run,
        decided,
        today,
        ..
    } = *f;
    {
        if decided.is_empty() {
            return Ok(Vec::new());
        }
        let scanned_on = run.scanned_at.get(..10).unwrap_or(today);
        let collected_at = scanned_on.min(today).to_string();
        let known: Vec<(String, String)> = tx_query!(
            tx,
            fetch_all,
            (String, String),
            "select control_id, evidence_id from scan_evidence where host_id = $1",
            host
        )?;
        let known: HashMap<String, String> = known.into_iter().collect();
        let wanted: Vec<String> = decided
            .keys()
            .filter_map(|c| known.get(c).cloned())
            .collect();
        let before = read_items(tx, &wanted, today).await?;
        let fresh = decided
            .iter()
            .filter(|(c, f)| !f.is_empty() && !known.contains_key(*c))
            .count();
        let new_ids =
            crate::store::next_ids(tx, "evidence", "E", "evidence", "evidence_id", fresh).await?;
        let mut new_ids = new_ids.into_iter();
        let now = tx.now().to_string();
        let mut touched: Vec<(String, Option<Evidence>)> = Vec::new();
        let (mut items, mut links, mut bindings) = (Vec::new(), Vec::new(), Vec::new());
        for (control_id, findings) in decided {
            if findings.is_empty() {
                // The checks of this control could not decide this time (not applicable, or in
                // error): the host's item no longer proves anything, failure included, so it
                // ends with the scan before this one.
                if let Some(id) = known.get(control_id)
                    && let Some(old) = before.get(id)
                    && old.collected_at < collected_at
                {
                    // Never later than it was; an item already ended stays as it is.
                    let ended = add_days(&collected_at, -1).max(old.collected_at.clone());
                    let ended = match &old.valid_until {
                        Some(u) if *u < ended => u.clone(),
                        _ => ended,
                    };
                    if old.valid_until.as_deref() == Some(ended.as_str()) && old.failing.is_empty()
                    {
                        continue;
                    }
                    let description = format!(
                        "{}\nThe scan of {} (run {}) could not decide: its checks were not applicable or did not run, so this item ended on {ended}.",
                        old.description
                            .lines()
                            .take_while(|l| !l.starts_with("The scan of "))
                            .collect::<Vec<_>>()
                            .join("\n"),
                        run.scanned_at,
                        run.run_id
                    );
                    tx_exec!(
                        tx,
                        "update evidence set description = $2, valid_until = $3, failing = '', updated_at = $4,
                                             revision = revision + 1
                         where evidence_id = $1",
                        id,
                        &description,
                        &ended,
                        &now
                    )?;
                    touched.push((id.clone(), Some(old.clone())));
                }
                continue;
            }
            let item = f.item(control_id, &collected_at, findings);
            match known.get(control_id) {
                Some(id) => {
                    let old = before.get(id);
                    if old.is_some_and(|o| o.collected_at > collected_at) {
                        continue;
                    }
                    tx_exec!(
                        tx,
                        "update evidence set title = $2, description = $3, collected_at = $4, valid_until = $5,
                                             collected_by = $6, failing = $7, updated_at = $8, revision = revision + 1
                         where evidence_id = $1",
                        id,
                        &item.title,
                        &item.description,
                        &collected_at,
                        &item.valid_until,
                        actor,
                        &item.failing,
                        &now
                    )?;
                    touched.push((id.clone(), old.cloned()));
                }
                None => {
                    let id = new_ids.next().unwrap_or_default();
                    items.push(vec![
                        Arg::Text(id.clone()),
                        Arg::Text(item.title),
                        Arg::Text(item.description),
                        Arg::Text(String::new()),
                        Arg::Text(collected_at.clone()),
                        Arg::Text(item.valid_until),
                        Arg::Text(actor.to_string()),
                        Arg::Int(0),
                        Arg::Text(actor.to_string()),
                        Arg::Text(now.clone()),
                        Arg::Text(now.clone()),
                        Arg::Text(item.failing),
                    ]);
                    links.push(vec![
                        Arg::Text(id.clone()),
                        Arg::Text("control".into()),
                        Arg::Text(control_id.clone()),
                    ]);
                    bindings.push(vec![
                        Arg::Text(host.to_string()),
                        Arg::Text(control_id.clone()),
                        Arg::Text(id.clone()),
                    ]);
                    touched.push((id, None));
                }
            }
        }
        if !items.is_empty() {
            tx.insert_rows(INSERT_ITEMS, items, "").await?;
            tx.insert_rows(
                "insert into evidence_link (evidence_id, target_kind, target_id)",
                links,
                "",
            )
            .await?;
            tx.insert_rows(
                "insert into scan_evidence (host_id, control_id, evidence_id)",
                bindings,
                "",
            )
            .await?;
        }
        let ids: Vec<String> = touched.iter().map(|(id, _)| id.clone()).collect();
        let mut after = read_items(tx, &ids, today).await?;
        Ok(touched
            .into_iter()
            .filter_map(|(id, old)| {
                let new = after.remove(&id)?;
                Some((id, old, new))
            })
            .collect())
    }
}

impl Store {
    /// The evidence a host's scans filed, one item per control, in catalogue order of the
    /// control ids.
    pub async fn host_evidence(&self, host: &str) -> Result<Vec<Evidence>> {
        let mut pairs: Vec<(String, String)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String, String),
            "select control_id, evidence_id from scan_evidence where host_id = $1",
            host
        )?;
        pairs.sort_by_key(|(control, _)| crate::domain::catalog::control_order(control));
        let ids: Vec<String> = pairs.iter().map(|(_, e)| e.clone()).collect();
        let mut tx = self.read_tx().await?;
        let mut items = read_items(&mut tx, &ids, &self.today()).await?;
        Ok(ids.iter().filter_map(|id| items.remove(id)).collect())
    }
}
