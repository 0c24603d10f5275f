//! The incident register as a table (CSV, XLSX): every field in words — statuses and
//! assessments by their labels, moments in the organisation's time zone.

use super::domain::Incident;
use crate::exchange::Table;

const COLUMNS: [&str; 21] = [
    "id",
    "title",
    "status",
    "classification",
    "category",
    "severity",
    "personal_data",
    "restricted",
    "regimes",
    "handler",
    "assets",
    "reported_by",
    "reported_via",
    "reported_at",
    "noticed_at",
    "aware_at",
    "closed_at",
    "description",
    "affected",
    "lessons",
    "root_cause",
];

fn yes(b: bool) -> String {
    if b { "yes" } else { "no" }.to_string()
}

/// The register: one row per incident.
pub fn incidents_table(incidents: &[Incident]) -> Table {
    use crate::domain::clock::display;
    let mut t = Table::new("Incidents", &COLUMNS, &[]);
    t.rows = incidents
        .iter()
        .map(|i| {
            vec![
                i.id.clone(),
                i.title.clone(),
                i.status.label().to_string(),
                i.classification
                    .map(|c| c.label())
                    .unwrap_or_default()
                    .to_string(),
                i.category
                    .map(|c| c.label())
                    .unwrap_or_default()
                    .to_string(),
                i.severity
                    .map(|c| c.label())
                    .unwrap_or_default()
                    .to_string(),
                yes(i.personal_data),
                yes(i.restricted),
                i.regimes.join(", "),
                i.handler.clone(),
                i.assets.join(", "),
                i.reported_by.clone(),
                i.reported_via.label().to_string(),
                display(&i.reported_at),
                display(&i.noticed_at),
                display(&i.aware_at),
                i.closed_at.as_deref().map(display).unwrap_or_default(),
                i.description.clone(),
                i.affected.clone(),
                i.lessons.clone(),
                i.root_cause.clone(),
            ]
        })
        .collect();
    t
}
