//! The incident register as a table (CSV, XLSX): every field in words — statuses and
//! assessments by their labels, moments in the organisation's time zone.

use super::domain::Incident;
use crate::exchange::Table;

const COLUMNS: [&str; 24] = [
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
    "processes",
    "suppliers",
    "people",
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
pub fn incidents_table(incidents: &[Incident], scale: &super::domain::SeverityScale) -> Table {
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
                    .as_deref()
                    .map(|s| scale.label(s))
                    .unwrap_or_default(),
                yes(i.personal_data),
                yes(i.restricted),
                i.regimes.join(", "),
                i.handler.clone(),
                i.assets.join(", "),
                i.processes.join(", "),
                i.suppliers.join("; "),
                i.people.join("; "),
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

/// One incident as a workbook: its fields, its timeline, the notifications sent, and each
/// piece of evidence with its chain of custody (5.28: the custody goes with the incident).
pub fn record_tables(
    i: &Incident,
    scale: &super::domain::SeverityScale,
    entries: &[super::domain::TimelineEntry],
    notifications: &[super::domain::Notification],
    evidence: &[super::domain_custody::EvidenceItem],
) -> Vec<Table> {
    use crate::domain::clock::display;
    let register = incidents_table(std::slice::from_ref(i), scale);
    let mut fields = Table::new("Incident", &["field", "value"], &[]);
    if let Some(row) = register.rows.first() {
        fields.rows = register
            .header_labels()
            .into_iter()
            .zip(row.iter().cloned())
            .map(|(k, v)| vec![k, v])
            .collect();
    }
    let mut timeline = Table::new("Timeline", &["at", "by", "kind", "text"], &[]);
    timeline.rows = entries
        .iter()
        .map(|e| {
            vec![
                display(&e.at),
                e.actor.clone(),
                e.kind.label().to_string(),
                e.text.clone(),
            ]
        })
        .collect();
    let mut sent = Table::new(
        "Notifications",
        &[
            "regime",
            "stage",
            "recipient",
            "sent_at",
            "content",
            "recorded_by",
        ],
        &[],
    );
    sent.rows = notifications
        .iter()
        .map(|n| {
            vec![
                n.regime.clone(),
                n.stage.clone(),
                n.recipient.clone(),
                display(&n.sent_at),
                n.content.clone(),
                n.recorded_by.clone(),
            ]
        })
        .collect();
    let mut kept = Table::new(
        "Evidence",
        &[
            "evidence",
            "file_name",
            "size",
            "sha256",
            "description",
            "collected_by",
            "collected_at",
            "collected_from",
            "holder",
        ],
        &["evidence", "size"],
    );
    let mut custody = Table::new(
        "Custody",
        &[
            "evidence",
            "line",
            "at",
            "from",
            "to",
            "purpose",
            "recorded_by",
            "recorded_at",
        ],
        &["evidence", "line"],
    );
    for e in evidence {
        kept.rows.push(vec![
            e.seq.to_string(),
            e.file.file_name.clone(),
            e.file.size.to_string(),
            e.file.sha256.clone(),
            e.description.clone(),
            e.collected_by.clone(),
            display(&e.collected_at),
            e.collected_from.clone(),
            e.holder.clone(),
        ]);
        for c in &e.custody {
            custody.rows.push(vec![
                e.seq.to_string(),
                c.seq.to_string(),
                display(&c.at),
                if c.from_holder.is_empty() {
                    "collected".to_string()
                } else {
                    c.from_holder.clone()
                },
                c.to_holder.clone(),
                c.purpose.clone(),
                c.recorded_by.clone(),
                display(&c.recorded_at),
            ]);
        }
    }
    vec![fields, timeline, sent, kept, custody]
}

/// The incident's workbook as bytes.
pub fn record_xlsx(
    i: &Incident,
    scale: &super::domain::SeverityScale,
    entries: &[super::domain::TimelineEntry],
    notifications: &[super::domain::Notification],
    evidence: &[super::domain_custody::EvidenceItem],
) -> crate::error::Result<Vec<u8>> {
    crate::exchange::sheet::write_workbook(&record_tables(
        i,
        scale,
        entries,
        notifications,
        evidence,
    ))
}
