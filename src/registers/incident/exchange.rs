//! The incident register as a table (CSV, XLSX): every field in words — statuses and
//! assessments by their labels, moments in the organisation's time zone.

use super::domain::Incident;
use super::domain_import::IncidentRow;
use crate::exchange::Table;

const COLUMNS: [&str; 27] = [
    "id",
    "title",
    "status",
    "classification",
    "reason",
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
    "contained_at",
    "recovered_at",
    "closed_at",
    "description",
    "affected",
    "lessons",
    "root_cause",
];

/// The register: one row per incident, as its import reads it back.
pub fn incidents_table(incidents: &[Incident], scale: &super::domain::SeverityScale) -> Table {
    let mut t = Table::new("Incidents", &COLUMNS, &[]);
    t.rows = incidents
        .iter()
        .map(|i| {
            let r = IncidentRow::from((i, scale));
            vec![
                r.id,
                r.title,
                r.status,
                r.classification,
                r.reason,
                r.category,
                r.severity,
                r.personal_data,
                r.restricted,
                r.regimes,
                r.handler,
                r.assets,
                r.processes,
                r.suppliers,
                r.people,
                r.reported_by,
                r.reported_via,
                r.reported_at,
                r.noticed_at,
                r.aware_at,
                r.contained_at,
                r.recovered_at,
                r.closed_at,
                r.description,
                r.affected,
                r.lessons,
                r.root_cause,
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

use crate::exchange::import::field as f;

const FIELDS: &[crate::exchange::import::Field] = &[
    f(
        "id",
        "id",
        &["id", "incidentid", "ref", "reference", "ticket", "no"],
    ),
    f(
        "title",
        "title",
        &["title", "summary", "incident", "name", "subject", "event"],
    ),
    f("status", "status", &["status", "state", "stage"]),
    f(
        "classification",
        "classification (event or incident)",
        &["classification", "type", "eventorincident", "classified"],
    ),
    f(
        "reason",
        "reason for the classification",
        &[
            "reason",
            "classificationreason",
            "justification",
            "rationale",
        ],
    ),
    f(
        "category",
        "category",
        &["category", "incidentcategory", "kind", "incidenttype"],
    ),
    f(
        "severity",
        "severity",
        &["severity", "priority", "impactlevel", "sev"],
    ),
    f(
        "personal_data",
        "personal data involved",
        &[
            "personaldata",
            "personaldatainvolved",
            "pii",
            "gdpr",
            "databreach",
        ],
    ),
    f(
        "restricted",
        "restricted",
        &["restricted", "confidential", "limited"],
    ),
    f(
        "regimes",
        "regimes",
        &["regimes", "regime", "notificationregimes", "reporting"],
    ),
    f(
        "handler",
        "handler",
        &[
            "handler",
            "assignee",
            "assignedto",
            "owner",
            "incidentmanager",
        ],
    ),
    f(
        "assets",
        "assets",
        &["assets", "affectedassets", "systems", "affectedsystems"],
    ),
    f(
        "processes",
        "processes",
        &["processes", "affectedprocesses", "businessprocesses"],
    ),
    f(
        "suppliers",
        "suppliers",
        &["suppliers", "affectedsuppliers", "vendors", "thirdparties"],
    ),
    f(
        "people",
        "people",
        &[
            "people",
            "affectedpeople",
            "datasubjects",
            "affectedparties",
        ],
    ),
    f(
        "reported_by",
        "reported by",
        &["reportedby", "reporter", "raisedby", "openedby"],
    ),
    f(
        "reported_via",
        "reported via",
        &["reportedvia", "channel", "source"],
    ),
    f(
        "reported_at",
        "reported at",
        &[
            "reportedat",
            "reported",
            "reportdate",
            "created",
            "createdat",
            "opened",
        ],
    ),
    f(
        "noticed_at",
        "noticed at",
        &["noticedat", "noticed", "detected", "detectedat", "occurred"],
    ),
    f(
        "aware_at",
        "aware at",
        &["awareat", "aware", "awareness", "becameaware"],
    ),
    f(
        "contained_at",
        "contained at",
        &["containedat", "contained", "containment"],
    ),
    f(
        "recovered_at",
        "recovered at",
        &[
            "recoveredat",
            "recovered",
            "restored",
            "resolved",
            "resolvedat",
        ],
    ),
    f(
        "closed_at",
        "closed at",
        &["closedat", "closed", "closedon", "closuredate"],
    ),
    f(
        "description",
        "description",
        &["description", "details", "whathappened", "narrative"],
    ),
    f(
        "affected",
        "affected (as reported)",
        &["affected", "whatisaffected", "impact"],
    ),
    f(
        "lessons",
        "lessons learned",
        &["lessons", "lessonslearned", "learned", "postmortem"],
    ),
    f(
        "root_cause",
        "root cause",
        &["rootcause", "cause", "causes"],
    ),
];

/// Imports incidents: one row per incident, as the register's export writes them.
pub const SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: FIELDS,
    derived: &[],
    required: "title",
    what: "the incident register",
    noun: "incident",
    split_header: false,
};

fn row_input(values: impl Iterator<Item = (&'static str, String)>) -> IncidentRow {
    let mut v = IncidentRow::default();
    for (field, value) in values {
        let slot = match field {
            "id" => &mut v.id,
            "title" => &mut v.title,
            "status" => &mut v.status,
            "classification" => &mut v.classification,
            "reason" => &mut v.reason,
            "category" => &mut v.category,
            "severity" => &mut v.severity,
            "personal_data" => &mut v.personal_data,
            "restricted" => &mut v.restricted,
            "regimes" => &mut v.regimes,
            "handler" => &mut v.handler,
            "assets" => &mut v.assets,
            "processes" => &mut v.processes,
            "suppliers" => &mut v.suppliers,
            "people" => &mut v.people,
            "reported_by" => &mut v.reported_by,
            "reported_via" => &mut v.reported_via,
            "reported_at" => &mut v.reported_at,
            "noticed_at" => &mut v.noticed_at,
            "aware_at" => &mut v.aware_at,
            "contained_at" => &mut v.contained_at,
            "recovered_at" => &mut v.recovered_at,
            "closed_at" => &mut v.closed_at,
            "description" => &mut v.description,
            "affected" => &mut v.affected,
            "lessons" => &mut v.lessons,
            "root_cause" => &mut v.root_cause,
            _ => continue,
        };
        *slot = value;
    }
    v
}

/// Imports incidents (the incidents of another tool, or last year's log).
pub struct IncidentImport;

impl crate::exchange::import::Importer for IncidentImport {
    fn key(&self) -> &'static str {
        "incidents"
    }

    fn title(&self) -> &'static str {
        "Incidents"
    }

    fn hints(&self) -> &'static str {
        "One row per incident, with at least a title. Annex also reads its status, the triage (event or incident with the reason, category, severity on your scale, personal data, regimes, handler, affected assets, processes, suppliers and people), who reported it and when, when it was noticed, when the organisation became aware, contained, recovered and closed, and the lessons learned and root cause of a closed one. A row whose id is an incident of Annex updates its description and triage; its status and the moments of its handling stay as recorded."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, crate::error::Result<crate::domain::ImportReport>>
    {
        Box::pin(async move {
            let scale = super::service::severities(ctx).await?;
            let now = ctx.now();
            let drafts = crate::exchange::import::parse_rows(rows, |values| {
                row_input(values.into_iter()).parse(&now, &scale)
            })?;
            super::service_import::import(ctx, drafts, how.dry_run, how.upload).await
        })
    }
}
