//! Interested parties as a table (CSV, XLSX).

use super::domain::Party;
use crate::domain::input::yes;
use crate::exchange::Table;

const COLUMNS: [&str; 7] = [
    "id",
    "name",
    "kind",
    "needs",
    "addressed",
    "obligations",
    "reviewed_on",
];

/// The interested parties: one row each.
pub fn parties_table(items: &[Party]) -> Table {
    let mut t = Table::new("Interested parties", &COLUMNS, &[]);
    t.rows = items
        .iter()
        .map(|x| {
            vec![
                x.id.clone(),
                x.name.clone(),
                x.kind.label().to_string(),
                x.needs.clone(),
                yes(x.addressed),
                x.obligations.join(", "),
                x.reviewed_on.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}
