//! An incident as a row of a spreadsheet: what the register's export writes, read back — the
//! way to bring the incidents of a ticket system or last year's log into Annex. A row is
//! checked by the same rules as a report, its triage and its closing; its status must be one
//! its facts support (a triaged incident is classified, a closed one has its lessons).

use super::domain::{
    Incident, IncidentStatus, ReportDraft, ReportInput, ReportedVia, SeverityScale, TriageDraft,
    TriageInput, parse_moment,
};
use crate::error::{Error, Problems};

/// A row as read: every field as text.
#[derive(Debug, Clone, Default)]
pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub status: String,
    pub classification: String,
    pub reason: String,
    pub category: String,
    pub severity: String,
    pub personal_data: String,
    pub restricted: String,
    pub regimes: String,
    pub handler: String,
    pub assets: String,
    pub processes: String,
    pub suppliers: String,
    pub people: String,
    pub reported_by: String,
    pub reported_via: String,
    pub reported_at: String,
    pub noticed_at: String,
    pub aware_at: String,
    pub contained_at: String,
    pub recovered_at: String,
    pub closed_at: String,
    pub description: String,
    pub affected: String,
    pub lessons: String,
    pub root_cause: String,
}

/// A checked row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IncidentImport {
    pub id: Option<String>,
    pub report: ReportDraft,
    pub status: IncidentStatus,
    /// Its assessment; none while it is only reported.
    pub triage: Option<TriageDraft>,
    /// Empty: the one who imports.
    pub reported_by: String,
    /// None: imported.
    pub reported_via: Option<ReportedVia>,
    /// Stored forms (UTC); none: now, or for the others the moment before them.
    pub reported_at: Option<String>,
    pub contained_at: Option<String>,
    pub recovered_at: Option<String>,
    pub closed_at: Option<String>,
    pub lessons: String,
    pub root_cause: String,
}

fn moment(p: &mut Problems, field: &str, raw: &str, now: &str) -> Option<String> {
    let m = match raw.trim() {
        "" => None,
        t => p.take(field, parse_moment(t)),
    }?;
    if m.as_str() > now {
        p.add(field, "a moment in the future");
    }
    Some(m)
}

impl From<(&Incident, &SeverityScale)> for IncidentRow {
    /// The row an export writes for the incident.
    fn from((i, scale): (&Incident, &SeverityScale)) -> IncidentRow {
        use crate::domain::clock::display;
        let at = |m: &Option<String>| m.as_deref().map(display).unwrap_or_default();
        IncidentRow {
            id: i.id.clone(),
            title: i.title.clone(),
            status: i.status.label().into(),
            classification: i.classification.map(|c| c.label()).unwrap_or("").into(),
            reason: i.classification_reason.clone(),
            category: i.category.map(|c| c.label()).unwrap_or("").into(),
            severity: i
                .severity
                .as_deref()
                .map(|s| scale.label(s))
                .unwrap_or_default(),
            personal_data: crate::domain::input::yes(i.personal_data),
            restricted: crate::domain::input::yes(i.restricted),
            regimes: i.regimes.join(", "),
            handler: i.handler.clone(),
            assets: i.assets.join(", "),
            processes: i.processes.join(", "),
            suppliers: i.suppliers.join("; "),
            people: i.people.join("; "),
            reported_by: i.reported_by.clone(),
            reported_via: i.reported_via.label().into(),
            reported_at: display(&i.reported_at),
            noticed_at: display(&i.noticed_at),
            aware_at: display(&i.aware_at),
            contained_at: at(&i.contained_at),
            recovered_at: at(&i.recovered_at),
            closed_at: at(&i.closed_at),
            description: i.description.clone(),
            affected: i.affected.clone(),
            lessons: i.lessons.clone(),
            root_cause: i.root_cause.clone(),
        }
    }
}

impl IncidentRow {
    /// Checks the row against the rules of reporting, triage and closing; `now` (stored form)
    /// bounds every moment.
    pub fn parse(&self, now: &str, scale: &SeverityScale) -> Result<IncidentImport, Error> {
        use IncidentStatus as S;
        let mut p = Problems::new();
        let id = match self.id.trim() {
            "" => None,
            t => p.take("id", crate::domain::input::parse_asset_id(t)),
        };
        let report = p.absorb(
            "title",
            ReportInput {
                title: self.title.clone(),
                description: self.description.clone(),
                affected: self.affected.clone(),
                noticed_at: self.noticed_at.clone(),
            }
            .parse(now),
        );
        let status = match self.status.trim() {
            "" => None,
            t => p.take("status", IncidentStatus::parse(t)),
        };
        let assessed = !self.classification.trim().is_empty();
        let personal_data =
            crate::domain::input::yes_no(&mut p, "personal_data", &self.personal_data);
        let restricted = crate::domain::input::yes_no(&mut p, "restricted", &self.restricted);
        let triage = if assessed {
            p.absorb(
                "classification",
                TriageInput {
                    classification: self.classification.clone(),
                    reason: self.reason.clone(),
                    category: self.category.clone(),
                    severity: self.severity.clone(),
                    personal_data,
                    restricted,
                    regimes: self.regimes.clone(),
                    assets: self.assets.clone(),
                    processes: self.processes.clone(),
                    suppliers: self.suppliers.clone(),
                    people: self.people.clone(),
                    handler: self.handler.clone(),
                    aware_at: self.aware_at.clone(),
                }
                .parse(now, scale),
            )
        } else {
            for (field, raw) in [
                ("category", &self.category),
                ("severity", &self.severity),
                ("regimes", &self.regimes),
                ("assets", &self.assets),
                ("processes", &self.processes),
            ] {
                if !raw.trim().is_empty() {
                    p.add(
                        field,
                        "comes with triage: say whether it is an event or an incident (classification) and why (reason)",
                    );
                }
            }
            None
        };
        let status = status.unwrap_or(if assessed { S::Triaged } else { S::Reported });
        let event = triage
            .as_ref()
            .is_some_and(|t| t.classification == super::domain::Classification::Event);
        if status != S::Reported && !assessed {
            p.add(
                "classification",
                format!(
                    "an incident that is {} was triaged: say whether it is an event or an incident, and why",
                    status.label()
                ),
            );
        }
        if event && matches!(status, S::Contained | S::Eradicated | S::Recovered) {
            p.add(
                "status",
                "an event that is not an incident is triaged or closed, never contained or recovered",
            );
        }
        let reported_via = match self.reported_via.trim() {
            "" => None,
            t => p.take("reported_via", ReportedVia::parse(t)),
        };
        let reported_by = self.reported_by.trim().to_string();
        if reported_by.chars().count() > 200 {
            p.add("reported_by", "at most 200 characters");
        }
        let reported_at = moment(&mut p, "reported_at", &self.reported_at, now);
        let mut stage = |field: &str, raw: &str, from: S| {
            let m = moment(&mut p, field, raw, now);
            if m.is_some() && (status.rank() < from.rank() || status == S::Closed && event) {
                p.add(
                    field,
                    format!("the incident is {}: it has no such moment", status.label()),
                );
            }
            m
        };
        let contained_at = stage("contained_at", &self.contained_at, S::Contained);
        let recovered_at = stage("recovered_at", &self.recovered_at, S::Recovered);
        let closed_at = moment(&mut p, "closed_at", &self.closed_at, now);
        let lessons = self.lessons.trim().to_string();
        let root_cause = self.root_cause.trim().to_string();
        if status == S::Closed {
            if lessons.is_empty() {
                p.add("lessons", "a closed incident says what was learned (5.27)");
            }
            if self.closed_at.trim().is_empty() {
                p.add("closed_at", "say when it was closed");
            }
        } else if closed_at.is_some() {
            p.add(
                "closed_at",
                format!("the incident is {}, not closed", status.label()),
            );
        }
        if lessons.chars().count() > 10_000 {
            p.add("lessons", "at most 10000 characters");
        }
        if root_cause.chars().count() > 5000 {
            p.add("root_cause", "at most 5000 characters");
        }
        let aware = triage.as_ref().and_then(|t| t.aware_at.clone());
        let start = aware.as_ref().or(reported_at.as_ref());
        for (field, m) in [
            ("contained_at", &contained_at),
            ("recovered_at", &recovered_at),
            ("closed_at", &closed_at),
        ] {
            if let (Some(m), Some(start)) = (m, start)
                && m < start
            {
                p.add(
                    field,
                    "before the organisation was aware of it (aware_at, or reported_at)",
                );
            }
        }
        p.into_result()?;
        Ok(IncidentImport {
            id,
            report: report.ok_or_else(|| Error::field("title", "unreadable"))?,
            status,
            triage,
            reported_by,
            reported_via,
            reported_at,
            contained_at,
            recovered_at,
            closed_at,
            lessons,
            root_cause,
        })
    }
}

/// What an import row would change of a stored incident, by field name; or, when it asks
/// for what an import cannot do (move its status, rewrite its report), the problems.
pub fn changes(
    before: &Incident,
    row: &IncidentImport,
    scale: &SeverityScale,
    now: &str,
) -> Result<Vec<&'static str>, Error> {
    use crate::domain::clock::display;
    let stored = IncidentRow::from((before, scale))
        .parse(now, scale)
        .map_err(|e| {
            Error::field(
                "id",
                format!(
                    "{} as recorded does not read back ({e}): change it on its page",
                    before.id
                ),
            )
        })?;
    let mut p = Problems::new();
    if row.status != before.status {
        p.add(
            "status",
            format!(
                "{} is {} in Annex: its status moves on its page, not by an import",
                before.id,
                before.status.label()
            ),
        );
    }
    let same_moment = |a: &Option<String>, b: &Option<String>| {
        a.is_none() || a.as_deref().map(display) == b.as_deref().map(display)
    };
    let fixed = [
        (
            "reported_at",
            same_moment(&row.reported_at, &stored.reported_at),
        ),
        (
            "noticed_at",
            same_moment(&row.report.noticed_at, &stored.report.noticed_at),
        ),
        (
            "contained_at",
            same_moment(&row.contained_at, &stored.contained_at),
        ),
        (
            "recovered_at",
            same_moment(&row.recovered_at, &stored.recovered_at),
        ),
        ("closed_at", same_moment(&row.closed_at, &stored.closed_at)),
        (
            "reported_by",
            row.reported_by.is_empty() || row.reported_by == stored.reported_by,
        ),
        (
            "reported_via",
            row.reported_via.is_none() || row.reported_via == stored.reported_via,
        ),
    ];
    for (field, same) in fixed {
        if !same {
            p.add(
                field,
                format!(
                    "{} keeps what was recorded when it happened: an import does not change it",
                    before.id
                ),
            );
        }
    }
    p.into_result()?;
    let mut out = Vec::new();
    let r = &row.report;
    let s = &stored.report;
    for (field, same) in [
        ("title", r.title == s.title),
        ("description", r.description == s.description),
        ("affected", r.affected == s.affected),
        ("lessons", row.lessons == stored.lessons),
        ("root_cause", row.root_cause == stored.root_cause),
    ] {
        if !same {
            out.push(field);
        }
    }
    let triage_same = match (&row.triage, &stored.triage) {
        (Some(a), Some(b)) => {
            let mut a = a.clone();
            let mut b = b.clone();
            let (x, y) = (a.aware_at.take(), b.aware_at.take());
            a == b && same_moment(&x, &y)
        }
        (None, None) => true,
        _ => false,
    };
    if !triage_same {
        out.push("triage");
    }
    if before.status == IncidentStatus::Closed
        && out.iter().any(|f| !matches!(*f, "lessons" | "root_cause"))
    {
        return Err(Error::field(
            "status",
            format!(
                "{} is closed: an import may complete its lessons and root cause, nothing else",
                before.id
            ),
        ));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-12-04T12:00:00.000000Z";

    fn row() -> IncidentRow {
        IncidentRow {
            title: "Laptop stolen from a car".into(),
            classification: "incident".into(),
            reason: "It held customer files".into(),
            category: "lost or stolen device".into(),
            severity: "High".into(),
            status: "closed".into(),
            reported_at: "2026-10-01 09:00 UTC".into(),
            closed_at: "2026-10-03T10:00".into(),
            lessons: "Encrypt every laptop".into(),
            ..IncidentRow::default()
        }
    }

    #[test]
    fn a_row_reads_an_export_back_and_its_status_needs_its_facts() {
        let scale = SeverityScale::default();
        let d = row().parse(NOW, &scale).unwrap();
        assert_eq!(d.status, IncidentStatus::Closed);
        assert_eq!(
            d.reported_at.as_deref(),
            Some("2026-10-01T09:00:00.000000Z")
        );
        assert_eq!(d.triage.as_ref().unwrap().severity.as_deref(), Some("high"));

        let mut r = row();
        r.lessons.clear();
        r.closed_at.clear();
        r.classification.clear();
        let Err(Error::Validation(fields)) = r.parse(NOW, &scale) else {
            panic!("a closed row without lessons passed")
        };
        let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        for f in ["lessons", "closed_at", "classification", "category"] {
            assert!(named.contains(&f), "{f} not named in {named:?}");
        }

        let mut r = row();
        r.status = "triaged".into();
        r.contained_at = "2026-10-02 10:00 UTC".into();
        let Err(Error::Validation(fields)) = r.parse(NOW, &scale) else {
            panic!("a triaged incident with a containment moment passed")
        };
        assert!(fields.iter().any(|f| f.field == "contained_at"));
        assert!(fields.iter().any(|f| f.field == "closed_at"));

        let mut r = row();
        r.closed_at = "2026-09-01 10:00 UTC".into();
        r.personal_data = "perhaps".into();
        let Err(Error::Validation(fields)) = r.parse(NOW, &scale) else {
            panic!("closed before it was reported")
        };
        assert!(fields.iter().any(|f| f.field == "closed_at"));
        assert!(fields.iter().any(|f| f.field == "personal_data"));
    }
}
