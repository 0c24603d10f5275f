//! Hosts as a table (CSV and XLSX exports).

use super::domain::HostSummary;
use crate::exchange::Table;

/// The hosts that report scans, with their latest tally.
pub fn hosts_table(hosts: &[HostSummary]) -> Table {
    let mut t = Table::new(
        "Hosts",
        &[
            "host",
            "group",
            "first_seen",
            "last_seen",
            "stale",
            "pass",
            "fail",
            "not_applicable",
            "error",
            "pass_rate",
            "agent_token",
        ],
        &["pass", "fail", "not_applicable", "error", "pass_rate"],
    );
    t.rows = hosts
        .iter()
        .map(|h| {
            vec![
                h.name.clone(),
                h.group_name.clone(),
                crate::domain::clock::display(&h.first_seen),
                crate::domain::clock::display(&h.last_seen),
                if h.stale { "yes" } else { "no" }.to_string(),
                h.last_pass.to_string(),
                h.last_fail.to_string(),
                h.last_not_applicable.to_string(),
                h.last_error.to_string(),
                h.pass_rate.map(|r| format!("{r:.3}")).unwrap_or_default(),
                h.token_id.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}
