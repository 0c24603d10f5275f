//! Internal audit (27001 9.2): the audit programme over a cycle, the audits it holds — each with
//! its scope of clauses and controls, criteria, dates and auditors, checked for independence —
//! the checklist an audit's scope gives, and the coverage of the programme: which clauses and
//! applicable controls have been audited in the cycle, which are planned, which not yet.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// Where an audit stands.
    AuditStatus,
    "an audit's status",
    [
        (Planned, "planned", "planned"),
        (InProgress, "in_progress", "in progress"),
        (Completed, "completed", "completed"),
        (Cancelled, "cancelled", "cancelled"),
    ]
);

crate::domain::words::words_enum!(
    /// What an auditor recorded for one item of the checklist.
    ItemResult,
    "a checklist result",
    [
        (NotChecked, "not_checked", "not checked yet"),
        (Conforms, "conforms", "conforms"),
        (Finding, "finding", "finding raised"),
    ]
);

/// An audit programme: the audits of one cycle (typically three years), over which every
/// clause and every applicable control is to be audited at least once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Programme {
    pub id: String,
    pub title: String,
    /// `YYYY-MM-DD`, the cycle's first day.
    pub starts_on: String,
    /// `YYYY-MM-DD`, the cycle's last day.
    pub ends_on: String,
    pub owner: String,
    pub notes: String,
    pub updated_at: String,
    pub revision: i64,
}

/// A programme as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ProgrammeInput {
    /// Its id (AP-0001 … when absent).
    #[schema(max_length = 40)]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// `YYYY-MM-DD`, the cycle's first day.
    #[schema(required = true)]
    pub starts_on: String,
    /// `YYYY-MM-DD`, the cycle's last day; three years after the first when empty.
    pub ends_on: String,
    #[schema(max_length = 200)]
    pub owner: String,
    #[schema(max_length = 5000)]
    pub notes: String,
}

/// A checked programme.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProgrammeDraft {
    pub id: Option<String>,
    pub title: String,
    pub starts_on: String,
    pub ends_on: String,
    pub owner: String,
    pub notes: String,
}

/// The day before the same day `years` later (a cycle of three years from 2026-01-01 ends on
/// 2028-12-31); 29 February moves to the 28th.
pub fn years_later(day: &str, years: i32) -> Option<String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    let d = time::Date::parse(day, fmt).ok()?;
    let later = d
        .replace_year(d.year() + years)
        .or_else(|_| {
            d.replace_day(28)
                .and_then(|d| d.replace_year(d.year() + years))
        })
        .ok()?;
    later.previous_day().map(|d| d.to_string())
}

/// An owner's address, checked.
fn owner(p: &mut Problems, field: &str, raw: &str) -> String {
    let o = bounded(p, field, raw, 200).to_lowercase();
    if !o.is_empty() && (!o.contains('@') || o.contains(char::is_whitespace)) {
        p.add(field, format!("'{o}' is not an e-mail address"));
    }
    o
}

/// A required `YYYY-MM-DD`.
fn day(p: &mut Problems, field: &str, raw: &str, what: &str) -> Option<String> {
    match raw.trim() {
        "" => {
            p.add(field, format!("give {what} (YYYY-MM-DD)"));
            None
        }
        t => p.take(field, crate::domain::input::parse_date(t)),
    }
}

impl ProgrammeInput {
    pub fn parse(&self) -> Result<ProgrammeDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add(
                "title",
                "name the programme (e.g. Internal audit programme 2026–2028)",
            );
        }
        let starts_on = day(
            &mut p,
            "starts_on",
            &self.starts_on,
            "the cycle's first day",
        );
        let ends_on = match self.ends_on.trim() {
            "" => starts_on.as_deref().and_then(|s| years_later(s, 3)),
            t => p.take("ends_on", crate::domain::input::parse_date(t)),
        };
        if let (Some(s), Some(e)) = (&starts_on, &ends_on)
            && e < s
        {
            p.add(
                "ends_on",
                format!("the cycle ends ({e}) before it starts ({s})"),
            );
        }
        let owner = owner(&mut p, "owner", &self.owner);
        let notes = bounded(&mut p, "notes", &self.notes, 5000);
        p.into_result()?;
        Ok(ProgrammeDraft {
            id,
            title,
            starts_on: starts_on.unwrap_or_default(),
            ends_on: ends_on.unwrap_or_default(),
            owner,
            notes,
        })
    }
}

impl From<&Programme> for ProgrammeInput {
    fn from(x: &Programme) -> ProgrammeInput {
        ProgrammeInput {
            id: Some(x.id.clone()),
            title: x.title.clone(),
            starts_on: x.starts_on.clone(),
            ends_on: x.ends_on.clone(),
            owner: x.owner.clone(),
            notes: x.notes.clone(),
        }
    }
}

/// An internal audit as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct InternalAudit {
    pub id: String,
    /// The programme it belongs to.
    pub programme: String,
    pub title: String,
    /// The clauses it audits (4.1 … 10.2), in the standard's order.
    pub clauses: Vec<String>,
    /// The controls it audits (ids of ISO/IEC 27002:2022), in the catalogue's order.
    pub controls: Vec<String>,
    /// What it audits against (the standard, policies, contracts, laws).
    pub criteria: String,
    pub starts_on: String,
    pub ends_on: String,
    /// The lead auditor (e-mail).
    pub lead: String,
    /// The other auditors (e-mails).
    pub auditors: Vec<String>,
    /// Who is audited (people, teams, sites).
    pub auditees: String,
    pub status: AuditStatus,
    /// The auditors' conclusion, required to complete the audit.
    pub conclusion: String,
    pub completed_on: Option<String>,
    pub updated_at: String,
    pub revision: i64,
}

impl InternalAudit {
    /// The lead and the other auditors.
    pub fn team(&self) -> Vec<String> {
        let mut t = vec![self.lead.clone()];
        t.extend(self.auditors.iter().filter(|a| **a != self.lead).cloned());
        t
    }

    /// The checklist's keys its scope gives: `clause:9.1`, then `control:5.15`.
    pub fn item_keys(&self) -> Vec<String> {
        self.clauses
            .iter()
            .map(|c| format!("clause:{c}"))
            .chain(self.controls.iter().map(|c| format!("control:{c}")))
            .collect()
    }

    /// The scope in words: "clauses 9.1, 9.2, 9.3; controls 5.15–5.18".
    pub fn scope_text(&self) -> String {
        let mut parts = Vec::new();
        if !self.clauses.is_empty() {
            parts.push(format!("clauses {}", self.clauses.join(", ")));
        }
        if !self.controls.is_empty() {
            parts.push(format!("controls {}", self.controls.join(", ")));
        }
        parts.join("; ")
    }
}

/// An audit as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct AuditInput {
    /// Its id (IA-0001 … when absent).
    #[schema(max_length = 40)]
    pub id: Option<String>,
    /// The programme's id.
    #[schema(required = true, max_length = 40)]
    pub programme: String,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub title: String,
    /// Clauses: numbers, sections (9) or ranges (4.1-4.4), a list or comma-separated.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub clauses: String,
    /// Controls: ids, ranges (5.15-5.18) or themes (8), a list or comma-separated.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub controls: String,
    #[schema(max_length = 5000)]
    pub criteria: String,
    /// `YYYY-MM-DD`.
    #[schema(required = true)]
    pub starts_on: String,
    /// `YYYY-MM-DD`; the first day when empty.
    pub ends_on: String,
    /// The lead auditor's e-mail.
    #[schema(required = true, max_length = 200)]
    pub lead: String,
    /// The other auditors' e-mails, a list or comma-separated.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub auditors: String,
    #[schema(max_length = 2000)]
    pub auditees: String,
    /// planned, in_progress, completed or cancelled (planned when empty).
    pub status: String,
    #[schema(max_length = 10000)]
    pub conclusion: String,
}

/// A checked audit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditDraft {
    pub id: Option<String>,
    pub programme: String,
    pub title: String,
    pub clauses: Vec<String>,
    pub controls: Vec<String>,
    pub criteria: String,
    pub starts_on: String,
    pub ends_on: String,
    pub lead: String,
    pub auditors: Vec<String>,
    pub auditees: String,
    pub status: AuditStatus,
    pub conclusion: String,
}

impl AuditInput {
    /// Checks the audit; `controls` are the catalogue's ids in order, `today` bounds a
    /// completion.
    pub fn parse(&self, controls: &[&str], today: &str) -> Result<AuditDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let programme = self.programme.trim().to_string();
        if programme.is_empty() {
            p.add("programme", "choose the audit programme it belongs to");
        }
        let title = bounded(&mut p, "title", &self.title, 200);
        if title.is_empty() {
            p.add(
                "title",
                "name the audit (e.g. Performance evaluation and access control)",
            );
        }
        let clauses = p
            .take("clauses", crate::domain::clauses::expand(&self.clauses))
            .unwrap_or_default()
            .into_iter()
            .map(str::to_string)
            .collect::<Vec<_>>();
        let picked = p
            .take(
                "controls",
                crate::domain::clauses::expand_controls(&self.controls, controls),
            )
            .unwrap_or_default();
        if clauses.is_empty()
            && picked.is_empty()
            && self.clauses.trim().is_empty()
            && self.controls.trim().is_empty()
        {
            p.add(
                "clauses",
                "give the clauses or the controls the audit covers (e.g. 9, or controls 5.15-5.18)",
            );
        }
        let criteria = bounded(&mut p, "criteria", &self.criteria, 5000);
        let starts_on = day(
            &mut p,
            "starts_on",
            &self.starts_on,
            "the audit's first day",
        );
        let ends_on = match self.ends_on.trim() {
            "" => starts_on.clone(),
            t => p.take("ends_on", crate::domain::input::parse_date(t)),
        };
        if let (Some(s), Some(e)) = (&starts_on, &ends_on)
            && e < s
        {
            p.add(
                "ends_on",
                format!("the audit ends ({e}) before it starts ({s})"),
            );
        }
        let lead = owner(&mut p, "lead", &self.lead);
        if lead.is_empty() {
            p.add("lead", "name the lead auditor (e-mail)");
        }
        let mut auditors = crate::domain::input::emails(&mut p, "auditors", &self.auditors, 20);
        auditors.retain(|a| *a != lead);
        let auditees = bounded(&mut p, "auditees", &self.auditees, 2000);
        let status = match self.status.trim() {
            "" => AuditStatus::Planned,
            raw => p
                .take("status", AuditStatus::parse(raw))
                .unwrap_or(AuditStatus::Planned),
        };
        let conclusion = bounded(&mut p, "conclusion", &self.conclusion, 10_000);
        if status == AuditStatus::Completed {
            if conclusion.is_empty() {
                p.add(
                    "conclusion",
                    "write the auditors' conclusion before completing the audit",
                );
            }
            if starts_on.as_deref().is_some_and(|s| s > today) {
                p.add(
                    "status",
                    "an audit that starts on a day to come cannot be completed",
                );
            }
        }
        p.into_result()?;
        Ok(AuditDraft {
            id,
            programme,
            title,
            clauses,
            controls: picked,
            criteria,
            starts_on: starts_on.unwrap_or_default(),
            ends_on: ends_on.unwrap_or_default(),
            lead,
            auditors,
            auditees,
            status,
            conclusion,
        })
    }
}

impl From<&InternalAudit> for AuditInput {
    fn from(x: &InternalAudit) -> AuditInput {
        AuditInput {
            id: Some(x.id.clone()),
            programme: x.programme.clone(),
            title: x.title.clone(),
            clauses: x.clauses.join(", "),
            controls: x.controls.join(", "),
            criteria: x.criteria.clone(),
            starts_on: x.starts_on.clone(),
            ends_on: x.ends_on.clone(),
            lead: x.lead.clone(),
            auditors: x.auditors.join(", "),
            auditees: x.auditees.clone(),
            status: x.status.key().into(),
            conclusion: x.conclusion.clone(),
        }
    }
}

/// The audits list's query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditQuery {
    pub programme: Option<String>,
    pub status: Option<AuditStatus>,
    /// Audits whose team holds this address.
    pub auditor: Option<String>,
}

impl AuditQuery {
    pub const PARAMS: &'static [&'static str] = &["programme", "status", "auditor"];

    pub fn read(params: &crate::domain::query::Params) -> Result<AuditQuery, Error> {
        let mut p = Problems::new();
        let status = params
            .get("status")
            .filter(|v| !v.trim().is_empty())
            .and_then(|v| p.take("status", AuditStatus::parse(v)));
        p.into_query_result()?;
        let text = |k: &str| {
            params
                .get(k)
                .map(str::trim)
                .filter(|v| !v.is_empty())
                .map(str::to_string)
        };
        Ok(AuditQuery {
            programme: text("programme"),
            status,
            auditor: text("auditor").map(|a| a.to_lowercase()),
        })
    }
}

/// Who holds what in an audit's scope, for the independence check.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeOwners {
    /// (control, owner of its SoA row).
    pub controls: Vec<(String, String)>,
    /// (control, measure id, the measure's owner) for the measures implementing a control.
    pub measures: Vec<(String, String, String)>,
    /// (holder, role id, role kind) of the roles of the ISMS.
    pub roles: Vec<(
        String,
        String,
        crate::registers::responsibility::domain::RoleKind,
    )>,
}

/// Why each auditor of a team is not independent of a scope, one sentence each: an auditor
/// does not audit a control whose SoA row or implementing measure they own, nor the clauses of
/// the ISMS they run (the ISMS manager) or lead (top management: 5 and 9.3).
pub fn conflicts(
    team: &[String],
    clauses: &[String],
    controls: &[String],
    o: &ScopeOwners,
) -> Vec<String> {
    use crate::registers::responsibility::domain::RoleKind;
    let mut out = Vec::new();
    for a in team {
        for (c, owner) in &o.controls {
            if owner == a && controls.contains(c) {
                out.push(format!("{a} owns control {c}, which the audit covers"));
            }
        }
        for (c, m, owner) in &o.measures {
            if owner == a && controls.contains(c) {
                out.push(format!(
                    "{a} owns measure {m}, which implements control {c} in the audit's scope"
                ));
            }
        }
        for (holder, role, kind) in &o.roles {
            if holder != a {
                continue;
            }
            let clash: Vec<&String> = match kind {
                RoleKind::IsmsManager => clauses.iter().collect(),
                RoleKind::TopManagement => clauses
                    .iter()
                    .filter(|c| c.starts_with("5.") || c.as_str() == "9.3")
                    .collect(),
                _ => Vec::new(),
            };
            if !clash.is_empty() {
                out.push(format!(
                    "{a} holds the role {role} ({}) and would audit clauses {} of what they run",
                    kind.label(),
                    clash
                        .iter()
                        .map(|c| c.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
        }
    }
    out
}

/// One item of an audit's checklist: a clause or a control of its scope, what Annex knows of
/// it now, and what the auditors recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ChecklistItem {
    /// `clause:9.1` or `control:5.15`.
    pub key: String,
    /// `clause` or `control`.
    pub kind: String,
    pub id: String,
    pub title: String,
    /// Its state now, in words (readiness of a clause; applicability, implementation and
    /// evidence of a control).
    pub state: String,
    /// The facts behind the state, one sentence each.
    pub facts: Vec<String>,
    /// Where to look in Annex.
    pub href: String,
    pub result: ItemResult,
    pub note: String,
    pub checked_by: String,
    pub checked_at: String,
    /// The audit's findings on it (ids).
    pub findings: Vec<String>,
}

/// An audit as its page, API and report show it: the plan, the checklist, the findings and
/// the team's independence now.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditRecord {
    pub audit: InternalAudit,
    pub checklist: Vec<ChecklistItem>,
    pub findings: Vec<super::domain_finding::Finding>,
    /// Why the team is not independent of the scope now (empty when it is).
    pub conflicts: Vec<String>,
}

/// A result recorded for one item.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ItemInput {
    /// `clause:9.1` or `control:5.15`.
    #[schema(required = true, max_length = 60)]
    pub key: String,
    /// not_checked, conforms or finding.
    #[schema(required = true)]
    pub result: String,
    #[schema(max_length = 5000)]
    pub note: String,
}

/// Checks results against the audit's checklist keys: every problem named by its key.
pub fn parse_items(
    items: &[ItemInput],
    keys: &[String],
) -> Result<Vec<(String, ItemResult, String)>, Error> {
    let mut p = Problems::new();
    let mut out = Vec::new();
    if items.len() > 2000 {
        return Err(Error::field("items", "at most 2,000 results at once"));
    }
    for i in items {
        let key = i.key.trim();
        if !keys.iter().any(|k| k == key) {
            p.add(
                &format!("items.{}", key.chars().take(60).collect::<String>()),
                "not an item of this audit's checklist (its keys are clause:N or control:N of its scope)",
            );
            continue;
        }
        let field = format!("result:{key}");
        let result = p
            .take(&field, ItemResult::parse(&i.result))
            .unwrap_or(ItemResult::NotChecked);
        let note = bounded(&mut p, &format!("note:{key}"), &i.note, 5000);
        out.push((key.to_string(), result, note));
    }
    p.into_result()?;
    Ok(out)
}

crate::domain::words::words_enum!(
    /// How far an item of the programme has been audited in its cycle.
    Covered,
    "a coverage state",
    [
        (Audited, "audited", "audited"),
        (Planned, "planned", "planned"),
        (NotYet, "not_yet", "not audited yet"),
    ]
);

/// One clause or control of a programme's coverage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CoverageLine {
    pub id: String,
    pub title: String,
    pub covered: Covered,
    /// The audits that covered or will cover it (ids).
    pub audits: Vec<String>,
}

/// A programme's coverage: every clause and every applicable control with how far it has
/// been audited.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Coverage {
    pub programme: String,
    pub clauses: Vec<CoverageLine>,
    pub controls: Vec<CoverageLine>,
    pub clauses_audited: usize,
    pub controls_audited: usize,
    /// Items neither audited nor planned.
    pub not_yet: usize,
}

/// The coverage of a programme from its audits (cancelled ones do not count) and the
/// applicable controls (id, title) in catalogue order.
pub fn coverage(
    programme: &str,
    audits: &[InternalAudit],
    applicable: &[(String, String)],
) -> Coverage {
    let line = |id: &str, title: &str, pick: &dyn Fn(&InternalAudit) -> bool| {
        let mut covered = Covered::NotYet;
        let mut ids = Vec::new();
        for a in audits.iter().filter(|a| a.status != AuditStatus::Cancelled) {
            if pick(a) {
                ids.push(a.id.clone());
                covered = match (covered, a.status) {
                    (_, AuditStatus::Completed) | (Covered::Audited, _) => Covered::Audited,
                    _ => Covered::Planned,
                };
            }
        }
        CoverageLine {
            id: id.to_string(),
            title: title.to_string(),
            covered,
            audits: ids,
        }
    };
    let clauses: Vec<CoverageLine> = crate::domain::clauses::CLAUSES
        .iter()
        .map(|(n, t)| line(n, t, &|a| a.clauses.iter().any(|c| c == n)))
        .collect();
    let controls: Vec<CoverageLine> = applicable
        .iter()
        .map(|(id, t)| line(id, t, &|a| a.controls.contains(id)))
        .collect();
    let audited = |l: &[CoverageLine]| l.iter().filter(|x| x.covered == Covered::Audited).count();
    Coverage {
        programme: programme.to_string(),
        clauses_audited: audited(&clauses),
        controls_audited: audited(&controls),
        not_yet: clauses
            .iter()
            .chain(&controls)
            .filter(|x| x.covered == Covered::NotYet)
            .count(),
        clauses,
        controls,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::registers::responsibility::domain::RoleKind;

    const IDS: [&str; 6] = ["5.1", "5.15", "5.16", "5.17", "5.18", "8.1"];

    fn audit() -> AuditInput {
        AuditInput {
            programme: "AP-0001".into(),
            title: "Αξιολόγηση επιδόσεων και έλεγχος πρόσβασης".into(),
            clauses: "9".into(),
            controls: "5.15–5.18".into(),
            starts_on: "2026-11-02".into(),
            lead: "Auditor@Example.org".into(),
            auditors: "second@example.org, auditor@example.org".into(),
            ..Default::default()
        }
    }

    #[test]
    fn an_audit_expands_its_scope_and_keeps_its_script() {
        let d = audit().parse(&IDS, "2026-12-01").unwrap();
        assert_eq!(d.clauses, ["9.1", "9.2", "9.3"]);
        assert_eq!(d.controls, ["5.15", "5.16", "5.17", "5.18"]);
        assert_eq!(d.ends_on, "2026-11-02");
        assert_eq!(d.lead, "auditor@example.org");
        assert_eq!(
            d.auditors,
            ["second@example.org"],
            "the lead is not repeated"
        );
        assert_eq!(d.status, AuditStatus::Planned);
        assert!(d.title.starts_with("Αξιολόγηση"));
    }

    #[test]
    fn every_problem_of_an_audit_is_named() {
        let bad = AuditInput {
            clauses: "11".into(),
            controls: "5.99".into(),
            starts_on: "2026-13-01".into(),
            lead: "nobody".into(),
            status: "finished".into(),
            ..Default::default()
        };
        let Err(Error::Validation(p)) = bad.parse(&IDS, "2026-12-01") else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "programme",
                "title",
                "clauses",
                "controls",
                "starts_on",
                "lead",
                "status"
            ],
            "{p:?}"
        );
        let Err(Error::Validation(p)) = AuditInput {
            status: "completed".into(),
            starts_on: "2027-01-05".into(),
            ..audit()
        }
        .parse(&IDS, "2026-12-01") else {
            panic!("a completion without conclusion was accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["conclusion", "status"]);
        let Err(Error::Validation(p)) = AuditInput {
            clauses: String::new(),
            controls: String::new(),
            ..audit()
        }
        .parse(&IDS, "2026-12-01") else {
            panic!("an audit of nothing was accepted")
        };
        assert_eq!(p[0].field, "clauses");
    }

    #[test]
    fn a_programme_runs_three_years_unless_told() {
        let d = ProgrammeInput {
            title: "Programm 2026–2028".into(),
            starts_on: "2026-01-01".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(d.ends_on, "2028-12-31");
        assert_eq!(years_later("2024-02-29", 3).as_deref(), Some("2027-02-27"));
        assert!(
            ProgrammeInput {
                title: "x".into(),
                starts_on: "2026-01-01".into(),
                ends_on: "2025-01-01".into(),
                ..Default::default()
            }
            .parse()
            .is_err()
        );
    }

    #[test]
    fn independence_names_what_an_auditor_owns_in_scope() {
        let owners = ScopeOwners {
            controls: vec![
                ("5.18".into(), "owner@example.org".into()),
                ("8.1".into(), "auditor@example.org".into()),
            ],
            measures: vec![("5.15".into(), "M-0007".into(), "auditor@example.org".into())],
            roles: vec![
                (
                    "manager@example.org".into(),
                    "RL-0002".into(),
                    RoleKind::IsmsManager,
                ),
                (
                    "ceo@example.org".into(),
                    "RL-0001".into(),
                    RoleKind::TopManagement,
                ),
            ],
        };
        let clauses: Vec<String> = vec!["9.1".into(), "9.3".into()];
        let controls: Vec<String> = vec!["5.15".into(), "5.18".into()];
        let c = conflicts(
            &["auditor@example.org".into()],
            &clauses,
            &controls,
            &owners,
        );
        assert_eq!(
            c,
            [
                "auditor@example.org owns measure M-0007, which implements control 5.15 in the audit's scope"
            ]
        );
        let c = conflicts(
            &["owner@example.org".into(), "ceo@example.org".into()],
            &clauses,
            &controls,
            &owners,
        );
        assert_eq!(c.len(), 2, "{c:?}");
        assert!(c[1].contains("clauses 9.3"), "{c:?}");
        assert!(
            conflicts(&["manager@example.org".into()], &[], &controls, &owners).is_empty(),
            "the ISMS manager may audit controls they own nothing of"
        );
        assert!(
            conflicts(
                &["independent@example.org".into()],
                &clauses,
                &controls,
                &owners
            )
            .is_empty()
        );
    }

    #[test]
    fn coverage_counts_completed_audits_and_planned_ones_apart() {
        let base = audit().parse(&IDS, "2026-12-01").unwrap();
        let mk =
            |id: &str, status: AuditStatus, clauses: &[&str], controls: &[&str]| InternalAudit {
                id: id.into(),
                programme: "AP-0001".into(),
                title: base.title.clone(),
                clauses: clauses.iter().map(|c| c.to_string()).collect(),
                controls: controls.iter().map(|c| c.to_string()).collect(),
                criteria: String::new(),
                starts_on: base.starts_on.clone(),
                ends_on: base.ends_on.clone(),
                lead: base.lead.clone(),
                auditors: vec![],
                auditees: String::new(),
                status,
                conclusion: String::new(),
                completed_on: None,
                updated_at: String::new(),
                revision: 1,
            };
        let audits = [
            mk("IA-0001", AuditStatus::Completed, &["9.1"], &["5.15"]),
            mk("IA-0002", AuditStatus::Planned, &["9.1", "9.2"], &["5.16"]),
            mk("IA-0003", AuditStatus::Cancelled, &["10.2"], &["5.17"]),
        ];
        let applicable: Vec<(String, String)> = ["5.15", "5.16", "5.17"]
            .iter()
            .map(|c| (c.to_string(), format!("control {c}")))
            .collect();
        let c = coverage("AP-0001", &audits, &applicable);
        let of = |id: &str| {
            c.clauses
                .iter()
                .chain(&c.controls)
                .find(|l| l.id == id)
                .unwrap()
                .clone()
        };
        assert_eq!(of("9.1").covered, Covered::Audited);
        assert_eq!(of("9.1").audits, ["IA-0001", "IA-0002"]);
        assert_eq!(of("9.2").covered, Covered::Planned);
        assert_eq!(of("10.2").covered, Covered::NotYet);
        assert_eq!(of("5.17").covered, Covered::NotYet);
        assert_eq!((c.clauses_audited, c.controls_audited), (1, 1));
        assert_eq!(c.not_yet, 25 - 2 + 1);
    }

    #[test]
    fn results_are_checked_against_the_checklist() {
        let keys = vec!["clause:9.1".to_string(), "control:5.18".to_string()];
        let ok = parse_items(
            &[ItemInput {
                key: "control:5.18".into(),
                result: "finding raised".into(),
                note: "Zugriffsrechte nicht überprüft".into(),
            }],
            &keys,
        )
        .unwrap();
        assert_eq!(ok[0].1, ItemResult::Finding);
        let Err(Error::Validation(p)) = parse_items(
            &[
                ItemInput {
                    key: "control:8.1".into(),
                    result: "conforms".into(),
                    ..Default::default()
                },
                ItemInput {
                    key: "clause:9.1".into(),
                    result: "maybe".into(),
                    ..Default::default()
                },
            ],
            &keys,
        ) else {
            panic!("accepted")
        };
        let fields: Vec<&str> = p.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["items.control:8.1", "result:clause:9.1"]);
    }
}
