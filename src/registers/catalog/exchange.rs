//! Controls as a table (CSV exports of the catalogue and the command line).

use crate::domain::catalog::{Catalog, Control};
use crate::exchange::Table;

/// Controls: id, title, theme (by title), summary, then one column per attribute type (by
/// name, values in words, joined with `;`).
pub fn controls_table(controls: &[Control], catalog: &Catalog) -> Table {
    let mut keys: Vec<&String> = controls.iter().flat_map(|c| c.attributes.keys()).collect();
    keys.sort();
    keys.dedup();
    let names: Vec<String> = keys
        .iter()
        .map(|k| {
            catalog
                .attribute_types
                .iter()
                .find(|t| t.key == **k)
                .map_or_else(|| k.to_string(), |t| t.name.clone())
        })
        .collect();
    let mut header = vec!["id", "title", "theme", "summary"];
    header.extend(names.iter().map(String::as_str));
    let mut t = Table::new("Controls", &header, &[]);
    for c in controls {
        let mut row = vec![
            c.id.clone(),
            c.title.clone(),
            crate::registers::soa::exchange::theme_title(catalog, &c.theme),
            c.summary.clone(),
        ];
        for k in &keys {
            row.push(
                c.attributes
                    .get(*k)
                    .map(|v| {
                        v.iter()
                            .map(|x| crate::registers::soa::exchange::attribute_value_label(x))
                            .collect::<Vec<_>>()
                            .join("; ")
                    })
                    .unwrap_or_default(),
            );
        }
        t.rows.push(row);
    }
    t
}
