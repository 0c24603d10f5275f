//! Controls as a table (CSV exports of the catalogue and the command line).

use crate::domain::catalog::Control;
use crate::exchange::Table;

/// Controls: id, title, theme, summary, then one column per attribute type (values joined
/// with `;`).
pub fn controls_table(controls: &[Control]) -> Table {
    let mut keys: Vec<&String> = controls.iter().flat_map(|c| c.attributes.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut header = vec!["id", "title", "theme", "summary"];
    header.extend(keys.iter().map(|k| k.as_str()));
    let mut t = Table::new("Controls", &header, &[]);
    for c in controls {
        let mut row = vec![
            c.id.clone(),
            c.title.clone(),
            c.theme.clone(),
            c.summary.clone(),
        ];
        for k in &keys {
            row.push(
                c.attributes
                    .get(*k)
                    .map(|v| v.join(";"))
                    .unwrap_or_default(),
            );
        }
        t.rows.push(row);
    }
    t
}
