//! Host groups in the store: the groups with the controls each does not evidence and how many
//! hosts each holds, and the writes that create, change and remove a group or move a host.

use super::domain_group::{HostGroup, HostGroupDraft};
use crate::error::{Error, Result};
use crate::store::{Arg, Store, Tx, pool_query, tx_exec, tx_query};
use std::collections::HashMap;

type GroupRow = (String, String, String, i64, i64, i64);
const GROUPS_SQL: &str = "select g.group_key, g.name, g.description, g.is_default, g.revision,
        (select count(*) from scan_host h where h.group_key = g.group_key)
 from host_group g order by g.is_default desc, lower(g.name), g.group_key";

fn assemble(rows: Vec<GroupRow>, exclusions: Vec<(String, String)>) -> Vec<HostGroup> {
    let mut by_group: HashMap<String, Vec<String>> = HashMap::new();
    for (g, c) in exclusions {
        by_group.entry(g).or_default().push(c);
    }
    rows.into_iter()
        .map(|r| {
            let mut excluded = by_group.remove(&r.0).unwrap_or_default();
            excluded.sort_by_key(|c| crate::domain::catalog::control_order(c));
            HostGroup {
                key: r.0,
                name: r.1,
                description: r.2,
                is_default: r.3 != 0,
                revision: r.4,
                hosts: r.5,
                excluded_controls: excluded,
            }
        })
        .collect()
}

/// Every group, read inside a write (the default first, then by name).
pub(crate) async fn groups_in(tx: &mut Tx) -> Result<Vec<HostGroup>> {
    let rows: Vec<GroupRow> = tx_query!(tx, fetch_all, GroupRow, GROUPS_SQL)?;
    let exclusions: Vec<(String, String)> = tx_query!(
        tx,
        fetch_all,
        (String, String),
        "select group_key, control_id from host_group_exclusion"
    )?;
    Ok(assemble(rows, exclusions))
}

/// One group, its row locked for this write.
pub(crate) async fn lock_group(tx: &mut Tx, key: &str) -> Result<HostGroup> {
    if !tx.lock_row("host_group", "group_key", key).await? {
        return Err(Error::NotFound(format!("host group {key}")));
    }
    groups_in(tx)
        .await?
        .into_iter()
        .find(|g| g.key == key)
        .ok_or_else(|| Error::NotFound(format!("host group {key}")))
}

/// Writes a group (new or changed) and its exclusions; a default group makes every other
/// group stop being the default.
pub(crate) async fn save_group(tx: &mut Tx, draft: &HostGroupDraft, new: bool) -> Result<()> {
    if new {
        tx_exec!(
            tx,
            "insert into host_group (group_key, name, description, is_default) values ($1, $2, $3, $4)",
            &draft.key,
            &draft.name,
            &draft.description,
            i64::from(draft.is_default)
        )?;
    } else {
        tx_exec!(
            tx,
            "update host_group set name = $2, description = $3, is_default = $4, revision = revision + 1
             where group_key = $1",
            &draft.key,
            &draft.name,
            &draft.description,
            i64::from(draft.is_default)
        )?;
        tx_exec!(
            tx,
            "delete from host_group_exclusion where group_key = $1",
            &draft.key
        )?;
    }
    if draft.is_default {
        tx_exec!(
            tx,
            "update host_group set is_default = 0, revision = revision + 1 where is_default = 1 and group_key <> $1",
            &draft.key
        )?;
    }
    let rows: Vec<Vec<Arg>> = draft
        .excluded_controls
        .iter()
        .map(|c| vec![Arg::Text(draft.key.clone()), Arg::Text(c.clone())])
        .collect();
    if !rows.is_empty() {
        tx.insert_rows(
            "insert into host_group_exclusion (group_key, control_id)",
            rows,
            "",
        )
        .await?;
    }
    Ok(())
}

/// Removes an empty group.
pub(crate) async fn delete_group(tx: &mut Tx, key: &str) -> Result<()> {
    tx_exec!(
        tx,
        "delete from host_group_exclusion where group_key = $1",
        key
    )?;
    tx_exec!(tx, "delete from host_group where group_key = $1", key)?;
    Ok(())
}

/// A host's group and revision, its row locked for this write.
pub(crate) async fn lock_host_group(tx: &mut Tx, host: &str) -> Result<(String, i64)> {
    if !tx.lock_row("scan_host", "host_id", host).await? {
        return Err(Error::NotFound(format!("host {host}")));
    }
    let row: (String, i64) = tx_query!(
        tx,
        fetch_one,
        (String, i64),
        "select group_key, revision from scan_host where host_id = $1",
        host
    )?;
    Ok(row)
}

/// Moves a host into a group.
pub(crate) async fn set_host_group(tx: &mut Tx, host: &str, group: &str) -> Result<()> {
    tx_exec!(
        tx,
        "update scan_host set group_key = $2, revision = revision + 1 where host_id = $1",
        host,
        group
    )?;
    Ok(())
}

impl Store {
    /// Every group (the default first, then by name) with its exclusions and host count.
    pub async fn host_groups(&self) -> Result<Vec<HostGroup>> {
        let rows: Vec<GroupRow> = pool_query!(self, fetch_all, GroupRow, GROUPS_SQL)?;
        let exclusions: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select group_key, control_id from host_group_exclusion"
        )?;
        Ok(assemble(rows, exclusions))
    }
}
