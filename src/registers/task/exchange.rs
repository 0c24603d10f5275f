//! Tasks as a table (CSV, XLSX): what, whose, when, and where to act, in words.

use super::domain::Task;
use crate::exchange::Table;

/// `tasks` with their owners' names (`names`: e-mail → name) and where each falls `today`.
pub fn tasks_table(
    tasks: &[Task],
    names: &std::collections::HashMap<String, String>,
    today: &str,
    base: &str,
) -> Table {
    let mut t = Table::new(
        "Tasks",
        &[
            "task", "kind", "record", "owner", "due_on", "due_at", "when", "link",
        ],
        &[],
    );
    t.rows = tasks
        .iter()
        .map(|x| {
            vec![
                x.title.clone(),
                x.kind.label().to_string(),
                x.record.clone(),
                crate::domain::words::person(names, &x.owner),
                x.due_on.clone().unwrap_or_default(),
                x.due_at
                    .as_deref()
                    .map(crate::domain::clock::display)
                    .unwrap_or_default(),
                x.bucket(today).label().to_string(),
                format!("{base}{}", x.link),
            ]
        })
        .collect();
    t
}
