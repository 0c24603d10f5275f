//! Suppliers (27002 5.19–5.23): who they are and what they do for the organisation, how
//! critical they are — derived from the data they access, its classification and the
//! business processes that depend on them, with an override and its reason —, their
//! contract and its security clauses (5.20), the certifications they hold and when those
//! lapse, and how often they are reviewed.

use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// How much the organisation depends on a supplier.
    Criticality,
    "a criticality",
    [
        (Low, "low", "low"),
        (Medium, "medium", "medium"),
        (High, "high", "high"),
        (Critical, "critical", "critical"),
    ]
);

impl Criticality {
    /// How often a supplier of this criticality is reviewed, in months.
    pub fn review_months(self) -> i64 {
        match self {
            Criticality::Low => 36,
            Criticality::Medium => 24,
            Criticality::High => 12,
            Criticality::Critical => 6,
        }
    }
}

/// What a supplier's criticality is derived from, gathered from the other registers.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exposure {
    /// The most sensitive classification of the data it accesses: its place on the
    /// organisation's scheme (0 the least sensitive) and its name.
    pub data: Option<(usize, String)>,
    /// How many levels the classification scheme has.
    pub levels: usize,
    pub personal_data: bool,
    /// The business processes that depend on it, with their RTO in minutes when set.
    pub processes: Vec<(String, Option<i64>)>,
}

/// A process that must be back within this many minutes makes its suppliers critical.
const CRITICAL_RTO_MINUTES: i64 = 24 * 60;

/// The criticality the exposure calls for, with why, in words.
pub fn derive_criticality(e: &Exposure) -> (Criticality, Vec<String>) {
    let mut why = Vec::new();
    let mut level = Criticality::Low;
    let mut raise = |to: Criticality, reason: String| {
        if to.rank() > level.rank() {
            level = to;
        }
        why.push(reason);
    };
    if let Some((rank, name)) = &e.data {
        let top = e.levels.saturating_sub(1);
        let to = match top.saturating_sub(*rank) {
            _ if *rank == 0 => Criticality::Low,
            0 => Criticality::Critical,
            1 => Criticality::High,
            _ => Criticality::Medium,
        };
        raise(to, format!("accesses {name} data"));
    }
    if e.personal_data {
        raise(Criticality::High, "processes personal data".into());
    }
    let urgent: Vec<&str> = e
        .processes
        .iter()
        .filter(|(_, rto)| rto.is_some_and(|m| m <= CRITICAL_RTO_MINUTES))
        .map(|(name, _)| name.as_str())
        .collect();
    if !urgent.is_empty() {
        raise(
            Criticality::Critical,
            format!("{} must recover within a day", urgent.join(", ")),
        );
    } else if !e.processes.is_empty() {
        let names: Vec<&str> = e.processes.iter().map(|(n, _)| n.as_str()).collect();
        raise(
            Criticality::High,
            format!("{} depend on it", names.join(", ")),
        );
    }
    (level, why)
}

crate::domain::words::words_enum!(
    /// A security clause a supplier contract should hold (5.20), in our words.
    ContractClause,
    "a contract clause",
    [
        (Confidentiality, "confidentiality", "confidentiality"),
        (SecurityRequirements, "security_requirements", "security requirements"),
        (RightToAudit, "right_to_audit", "right to audit"),
        (IncidentNotification, "incident_notification", "incident notification"),
        (SubprocessorApproval, "subprocessor_approval", "approval of sub-processors"),
        (DataLocation, "data_location", "data location"),
        (ReturnAndDeletion, "return_and_deletion", "return and deletion at exit"),
        (Continuity, "continuity", "continuity of the service"),
        (Screening, "screening", "screening of their staff"),
    ]
);

crate::domain::words::words_enum!(
    /// Whether the contract holds a clause.
    ClauseState,
    "a clause state",
    [
        (Present, "present", "in the contract"),
        (Missing, "missing", "missing"),
        (NotApplicable, "not_applicable", "not applicable"),
    ]
);

/// A clause of a supplier's contract as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClauseLine {
    pub clause: ContractClause,
    pub state: ClauseState,
    /// For incident notification: within how many hours the supplier must tell.
    pub hours: Option<i64>,
}

/// What the clauses lack against what the organisation asks (every clause present, and an
/// incident notified within `notify_within_hours`), in words, most pressing first.
pub fn clause_gaps(lines: &[ClauseLine], notify_within_hours: i64) -> Vec<String> {
    let mut gaps = Vec::new();
    for clause in ContractClause::ALL {
        let line = lines.iter().find(|l| l.clause == *clause);
        match line.map(|l| (l.state, l.hours)) {
            Some((ClauseState::NotApplicable, _)) => {}
            None | Some((ClauseState::Missing, _)) => {
                if *clause == ContractClause::IncidentNotification {
                    gaps.push(format!(
                        "incident notification within {notify_within_hours} h is missing"
                    ));
                } else {
                    gaps.push(format!("{} is missing", clause.label()));
                }
            }
            Some((ClauseState::Present, Some(h)))
                if *clause == ContractClause::IncidentNotification && h > notify_within_hours =>
            {
                gaps.push(format!(
                    "incident notification within {h} h, not {notify_within_hours} h"
                ));
            }
            Some((ClauseState::Present, None))
                if *clause == ContractClause::IncidentNotification =>
            {
                gaps.push("incident notification names no time".into());
            }
            Some(_) => {}
        }
    }
    gaps.sort_by_key(|g| !g.starts_with("incident notification"));
    gaps
}

crate::domain::words::words_enum!(
    /// A certification or report a supplier holds.
    CertificationKind,
    "a certification",
    [
        (Iso27001, "iso27001", "ISO/IEC 27001 certificate"),
        (Iso27017, "iso27017", "ISO/IEC 27017 certificate"),
        (Iso27018, "iso27018", "ISO/IEC 27018 certificate"),
        (Iso27701, "iso27701", "ISO/IEC 27701 certificate"),
        (Soc2Type2, "soc2_type2", "SOC 2 Type II report"),
        (Soc2Type1, "soc2_type1", "SOC 2 Type I report"),
        (PciDss, "pci_dss", "PCI DSS attestation"),
        (CsaStar, "csa_star", "CSA STAR"),
        (Other, "other", "other"),
    ]
);

impl CertificationKind {
    /// A report covers a period that has ended: it is taken as current for a year after it.
    pub fn is_report(self) -> bool {
        matches!(
            self,
            CertificationKind::Soc2Type1 | CertificationKind::Soc2Type2
        )
    }
}

/// A certification as recorded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Certification {
    pub kind: CertificationKind,
    /// The certificate's number, or the report's name.
    pub reference: String,
    pub issuer: String,
    /// `YYYY-MM-DD`: a certificate's expiry, or the end of a report's period.
    pub until: String,
}

/// Where a certification stands on `today`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Standing {
    Current {
        until: String,
    },
    /// Lapses within [`WARN_DAYS`].
    Lapsing {
        until: String,
        days: i64,
    },
    Lapsed {
        since: String,
    },
}

/// How long before a certification lapses its supplier's owner is warned.
pub const WARN_DAYS: i64 = 60;

impl Certification {
    /// The last day it counts: a certificate's expiry, a report's period end and a year.
    pub fn counts_until(&self) -> Option<String> {
        if self.kind.is_report() {
            crate::domain::input::days_after(&self.until, 365)
        } else {
            Some(self.until.clone())
        }
    }

    pub fn standing(&self, today: &str) -> Standing {
        let until = self.counts_until().unwrap_or_else(|| self.until.clone());
        if until.as_str() < today {
            return Standing::Lapsed { since: until };
        }
        let days = (0..=WARN_DAYS)
            .find(|d| crate::domain::input::days_after(today, *d).is_some_and(|day| day >= until));
        match days {
            Some(days) => Standing::Lapsing { until, days },
            None => Standing::Current { until },
        }
    }
}

crate::domain::words::words_enum!(
    /// Where the relationship with a supplier stands.
    SupplierStatus,
    "a supplier status",
    [
        (Proposed, "proposed", "proposed"),
        (Active, "active", "active"),
        (Exiting, "exiting", "exiting"),
        (Ended, "ended", "ended"),
    ]
);

/// Within how many hours the organisation asks its suppliers to tell it of an incident that
/// touches its data or service (NIS2's early warning is due within 24 hours of awareness).
pub const ASKED_NOTIFICATION_HOURS: i64 = 24;

/// A supplier as stored, with what Annex derives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Supplier {
    pub id: String,
    pub name: String,
    pub status: SupplierStatus,
    pub services: String,
    pub owner: String,
    pub personal_data: bool,
    pub data_locations: Vec<String>,
    pub sub_processors: Vec<String>,
    /// The criticality that applies: the override when one is set, else the derived one.
    pub criticality: Criticality,
    /// What the data it accesses and the processes that depend on it call for.
    pub derived_criticality: Criticality,
    /// Why, in words.
    pub derived_why: Vec<String>,
    pub criticality_override: Option<Criticality>,
    pub criticality_reason: String,
    pub contract_start: Option<String>,
    pub contract_end: Option<String>,
    pub auto_renews: bool,
    pub notice_days: Option<i64>,
    pub reviewed_on: Option<String>,
    /// When the next review is due (its criticality's cycle after the last); none when it
    /// was never reviewed.
    pub review_due: Option<String>,
    /// The assets whose data it accesses (ids).
    pub assets: Vec<String>,
    pub clauses: Vec<ClauseLine>,
    pub certifications: Vec<Certification>,
    /// The cloud services it provides (5.23), by name.
    pub cloud_services: Vec<String>,
    /// Who secures what between the provider and the organisation.
    pub shared_responsibility: String,
    /// How the organisation leaves: data returned, deleted, moved.
    pub exit_plan: String,
    /// Evidence items of its configuration or assurance (ids).
    pub evidence: Vec<String>,
    pub updated_at: String,
    pub revision: i64,
}

impl Supplier {
    /// The last day to give notice, when the contract ends.
    pub fn notice_by(&self) -> Option<String> {
        self.contract_end
            .as_deref()
            .and_then(|end| notice_by(end, self.notice_days))
    }

    /// What its contract's clauses lack against what the organisation asks.
    pub fn clause_gaps(&self) -> Vec<String> {
        clause_gaps(&self.clauses, ASKED_NOTIFICATION_HOURS)
    }

    /// Whether its review is due on `today` (never reviewed, or its cycle has passed); only
    /// a supplier in use (proposed, active or exiting) is reviewed.
    pub fn review_is_due(&self, today: &str) -> bool {
        self.status != SupplierStatus::Ended
            && self.review_due.as_deref().is_none_or(|d| d <= today)
    }
}

/// When a supplier reviewed on `reviewed_on` is due again at `criticality`.
pub fn review_due(reviewed_on: Option<&str>, criticality: Criticality) -> Option<String> {
    reviewed_on.and_then(|d| {
        crate::registers::document::domain::months_after(d, criticality.review_months())
    })
}

/// The criticality a supplier is given: derived, with why, the one that applies (the
/// override's, or the derived) and when its next review is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Derived {
    pub derived: Criticality,
    pub why: Vec<String>,
    pub effective: Criticality,
    pub review_due: Option<String>,
}

/// What a supplier is derived from, as the other registers hold it.
pub struct DeriveFrom<'a> {
    pub name: &'a str,
    pub personal_data: bool,
    /// The classification keys of the assets whose data it accesses.
    pub classifications: &'a [&'a str],
    /// The classification scheme, least sensitive first: (key, name).
    pub scheme: &'a [(String, String)],
    /// Every process: its name, the supplier names it lists, its RTO in minutes.
    pub processes: &'a [(String, Vec<String>, Option<i64>)],
    pub override_: Option<Criticality>,
    pub reviewed_on: Option<&'a str>,
}

/// Derives a supplier's criticality from the other registers.
pub fn derive(from: &DeriveFrom) -> Derived {
    let data = from
        .classifications
        .iter()
        .filter_map(|k| from.scheme.iter().position(|(key, _)| key == k))
        .max()
        .map(|rank| (rank, from.scheme[rank].1.clone()));
    let name = from.name.trim();
    let processes = from
        .processes
        .iter()
        .filter(|(_, names, _)| names.iter().any(|n| n.trim().eq_ignore_ascii_case(name)))
        .map(|(n, _, rto)| (n.clone(), *rto))
        .collect();
    let (derived, why) = derive_criticality(&Exposure {
        data,
        levels: from.scheme.len(),
        personal_data: from.personal_data,
        processes,
    });
    let effective = from.override_.unwrap_or(derived);
    Derived {
        derived,
        why,
        effective,
        review_due: review_due(from.reviewed_on, effective),
    }
}

/// A supplier as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct SupplierInput {
    /// Its id (SUP-0001 … when absent); an import keeps the ids of its file.
    #[schema(max_length = 40)]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// proposed, active (the default), exiting or ended.
    pub status: String,
    /// What they provide.
    #[schema(max_length = 2000)]
    pub services: String,
    /// Who in the organisation answers for the relationship (an e-mail address).
    #[schema(max_length = 200)]
    pub owner: String,
    pub personal_data: bool,
    /// Countries or regions where they keep the data, one per line or a list.
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub data_locations: String,
    /// Their sub-processors by name, one per line or a list.
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub sub_processors: String,
    /// low, medium, high or critical to override what Annex derives; empty: derived.
    pub criticality: String,
    /// Why the override (required with one).
    #[schema(max_length = 1000)]
    pub criticality_reason: String,
    /// `YYYY-MM-DD`, or empty.
    pub contract_start: String,
    pub contract_end: String,
    /// Whether the contract renews by itself unless notice is given.
    pub auto_renews: bool,
    /// Days of notice before the end.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub notice_days: String,
    /// `YYYY-MM-DD` of the last review, or empty.
    pub reviewed_on: String,
    /// The assets whose data it accesses (ids, a list or comma-separated).
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub assets: String,
    /// The contract's security clauses, one per line or a list: `clause: state`, with the
    /// hours for incident notification (`right to audit: in the contract`,
    /// `incident notification: in the contract, 24 h`, `screening: not applicable`).
    /// Clauses not named are missing.
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub clauses: String,
    /// Certifications, one per line or a list: `kind | reference | issuer | YYYY-MM-DD`
    /// (a certificate's expiry, or the end of a report's period).
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub certifications: String,
    /// Cloud services it provides, one per line or a list.
    #[serde(deserialize_with = "crate::domain::input::lines_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub cloud_services: String,
    #[schema(max_length = 5000)]
    pub shared_responsibility: String,
    #[schema(max_length = 5000)]
    pub exit_plan: String,
    /// Evidence items (ids) of its configuration or assurance.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub evidence: String,
}

/// A checked supplier.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplierDraft {
    pub id: Option<String>,
    pub name: String,
    pub status: SupplierStatus,
    pub services: String,
    pub owner: String,
    pub personal_data: bool,
    pub data_locations: Vec<String>,
    pub sub_processors: Vec<String>,
    /// With its reason.
    pub override_: Option<(Criticality, String)>,
    pub contract_start: Option<String>,
    pub contract_end: Option<String>,
    pub auto_renews: bool,
    pub notice_days: Option<i64>,
    pub reviewed_on: Option<String>,
    pub assets: Vec<String>,
    pub clauses: Vec<ClauseLine>,
    pub certifications: Vec<Certification>,
    pub cloud_services: Vec<String>,
    pub shared_responsibility: String,
    pub exit_plan: String,
    pub evidence: Vec<String>,
}

fn names(p: &mut Problems, field: &str, raw: &str) -> Vec<String> {
    crate::domain::input::names(p, field, raw, &['\n', ';'])
}

fn day(p: &mut Problems, field: &str, raw: &str) -> Option<String> {
    match raw.trim() {
        "" => None,
        t => p.take(field, crate::domain::input::parse_date(t)),
    }
}

/// The lines of a list field: split at lines and semicolons, blank ones dropped.
fn lines(raw: &str) -> impl Iterator<Item = &str> {
    raw.split(['\n', ';'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
}

/// `24 h`, `24h`, `24 hours` or `24`: a number of hours from 1 to 8760.
fn hours(raw: &str) -> Option<i64> {
    let t = raw.trim().to_lowercase();
    let t = t
        .trim_end_matches("hours")
        .trim_end_matches("hour")
        .trim_end_matches('h')
        .trim();
    t.parse().ok().filter(|n| (1..=8760).contains(n))
}

/// Reads `clause: state[, N h]` lines.
fn parse_clauses(p: &mut Problems, raw: &str) -> Vec<ClauseLine> {
    let mut out: Vec<ClauseLine> = Vec::new();
    if lines(raw).count() > ContractClause::ALL.len() * 2 {
        p.add(
            "clauses",
            format!(
                "at most {} lines: one per clause",
                ContractClause::ALL.len() * 2
            ),
        );
        return out;
    }
    for line in lines(raw) {
        let Some((name, rest)) = line.split_once(':') else {
            p.add(
                "clauses",
                format!("'{line}': write the clause, a colon and its state, e.g. 'right to audit: in the contract'"),
            );
            continue;
        };
        let Some(clause) = p.take("clauses", ContractClause::parse(name)) else {
            continue;
        };
        let mut parts = rest.split(',').map(str::trim);
        let Some(state) = p.take("clauses", ClauseState::parse(parts.next().unwrap_or(""))) else {
            continue;
        };
        let hours = match parts.next() {
            None | Some("") => None,
            Some(_) if clause != ContractClause::IncidentNotification => {
                p.add(
                    "clauses",
                    format!("'{line}': only incident notification takes hours"),
                );
                None
            }
            Some(h) => {
                let n = hours(h);
                if n.is_none() {
                    p.add(
                        "clauses",
                        format!("'{line}': '{h}' is not a number of hours (1 to 8760)"),
                    );
                }
                n
            }
        };
        if out.iter().any(|l| l.clause == clause) {
            p.add("clauses", format!("{} is named twice", clause.label()));
            continue;
        }
        out.push(ClauseLine {
            clause,
            state,
            hours: hours.filter(|_| state == ClauseState::Present),
        });
    }
    out.sort_by_key(|l| l.clause.rank());
    out
}

/// The clauses as lines `clause: state[, N h]`, in the checklist's order.
pub fn clauses_text(lines: &[ClauseLine]) -> Vec<String> {
    lines
        .iter()
        .map(|l| match l.hours {
            Some(h) => format!("{}: {}, {h} h", l.clause.label(), l.state.label()),
            None => format!("{}: {}", l.clause.label(), l.state.label()),
        })
        .collect()
}

/// Reads `kind | reference | issuer | YYYY-MM-DD` lines.
fn parse_certifications(p: &mut Problems, raw: &str) -> Vec<Certification> {
    let mut out = Vec::new();
    if lines(raw).count() > 50 {
        p.add("certifications", "at most 50");
        return out;
    }
    for line in lines(raw) {
        let parts: Vec<&str> = line.split('|').map(str::trim).collect();
        if parts.len() != 4 {
            p.add(
                "certifications",
                format!("'{line}': write kind | reference | issuer | YYYY-MM-DD"),
            );
            continue;
        }
        let kind = p.take("certifications", CertificationKind::parse(parts[0]));
        let until = p.take(
            "certifications",
            crate::domain::input::parse_date(parts[3]).map_err(|e| format!("'{line}': {e}")),
        );
        let reference = bounded(p, "certifications", parts[1], 200);
        let issuer = bounded(p, "certifications", parts[2], 200);
        if let (Some(kind), Some(until)) = (kind, until) {
            out.push(Certification {
                kind,
                reference,
                issuer,
                until,
            });
        }
    }
    out
}

/// The certifications as lines `kind | reference | issuer | YYYY-MM-DD`.
pub fn certifications_text(certs: &[Certification]) -> Vec<String> {
    certs
        .iter()
        .map(|c| {
            format!(
                "{} | {} | {} | {}",
                c.kind.label(),
                c.reference,
                c.issuer,
                c.until
            )
        })
        .collect()
}

/// Evidence ids (`EV-0001`) in a list.
fn evidence_ids(p: &mut Problems, raw: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for id in raw
        .split([',', ';', '\n', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        if let Some(id) = crate::domain::input::record_id(p, "evidence", id)
            && !out.contains(&id)
        {
            out.push(id);
        }
    }
    if out.len() > 200 {
        p.add("evidence", "at most 200");
    }
    out
}

impl SupplierInput {
    /// Checks the supplier; `today` bounds its last review.
    pub fn parse(&self, today: &str) -> Result<SupplierDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let name = bounded(&mut p, "name", &self.name, 200);
        if name.is_empty() {
            p.add("name", "name the supplier");
        }
        let status = match self.status.trim() {
            "" => SupplierStatus::Active,
            raw => p
                .take("status", SupplierStatus::parse(raw))
                .unwrap_or(SupplierStatus::Active),
        };
        let services = bounded(&mut p, "services", &self.services, 2000);
        let owner = bounded(&mut p, "owner", &self.owner, 200).to_lowercase();
        if !owner.is_empty() && !owner.contains('@') {
            p.add("owner", format!("'{owner}' is not an e-mail address"));
        }
        let data_locations = names(&mut p, "data_locations", &self.data_locations);
        let sub_processors = names(&mut p, "sub_processors", &self.sub_processors);
        let reason = bounded(&mut p, "criticality_reason", &self.criticality_reason, 1000);
        let override_ = match self.criticality.trim() {
            "" => None,
            raw => match p.take("criticality", Criticality::parse(raw)) {
                Some(_) if reason.is_empty() => {
                    p.add(
                        "criticality_reason",
                        "say why the derived criticality does not fit",
                    );
                    None
                }
                Some(c) => Some((c, reason)),
                None => None,
            },
        };
        let contract_start = day(&mut p, "contract_start", &self.contract_start);
        let contract_end = day(&mut p, "contract_end", &self.contract_end);
        if let (Some(s), Some(e)) = (&contract_start, &contract_end)
            && e < s
        {
            p.add("contract_end", "before the contract starts");
        }
        let notice_days = match self.notice_days.trim() {
            "" => None,
            t => match t.parse::<i64>() {
                Ok(n) if (0..=3650).contains(&n) => Some(n),
                _ => {
                    p.add(
                        "notice_days",
                        format!("'{t}' is not a number of days (0 to 3650)"),
                    );
                    None
                }
            },
        };
        let reviewed_on = day(&mut p, "reviewed_on", &self.reviewed_on);
        if reviewed_on.as_deref().is_some_and(|d| d > today) {
            p.add(
                "reviewed_on",
                "a day to come: record a review once it is done",
            );
        }
        let assets = crate::domain::input::asset_ids(&mut p, "assets", &self.assets);
        let clauses = parse_clauses(&mut p, &self.clauses);
        let certifications = parse_certifications(&mut p, &self.certifications);
        let cloud_services = names(&mut p, "cloud_services", &self.cloud_services);
        let shared_responsibility = bounded(
            &mut p,
            "shared_responsibility",
            &self.shared_responsibility,
            5000,
        );
        let exit_plan = bounded(&mut p, "exit_plan", &self.exit_plan, 5000);
        let evidence = evidence_ids(&mut p, &self.evidence);
        p.into_result()?;
        Ok(SupplierDraft {
            id,
            name,
            status,
            services,
            owner,
            personal_data: self.personal_data,
            data_locations,
            sub_processors,
            override_,
            contract_start,
            contract_end,
            auto_renews: self.auto_renews,
            notice_days,
            reviewed_on,
            assets,
            clauses,
            certifications,
            cloud_services,
            shared_responsibility,
            exit_plan,
            evidence,
        })
    }
}

impl SupplierInput {
    /// This input with the fields a spreadsheet row gives (field keys and text as typed)
    /// put over it, checked: a row updates only the columns its file has.
    pub fn overlay(
        mut self,
        values: &[(&'static str, String)],
        today: &str,
    ) -> Result<SupplierDraft, Error> {
        let mut p = Problems::new();
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "name" => self.name = value,
                "status" => self.status = value,
                "services" => self.services = value,
                "owner" => self.owner = value,
                "criticality" => self.criticality = value,
                "criticality_reason" => self.criticality_reason = value,
                "personal_data" => {
                    self.personal_data = crate::domain::input::yes_no(&mut p, field, &value)
                }
                "data_locations" => self.data_locations = value,
                "sub_processors" => self.sub_processors = value,
                "assets" => self.assets = value,
                "contract_start" => self.contract_start = value,
                "contract_end" => self.contract_end = value,
                "auto_renews" => {
                    self.auto_renews = crate::domain::input::yes_no(&mut p, field, &value)
                }
                "notice_days" => self.notice_days = value,
                "reviewed_on" => self.reviewed_on = value,
                "clauses" => self.clauses = value,
                "certifications" => self.certifications = value,
                "cloud_services" => self.cloud_services = value,
                "shared_responsibility" => self.shared_responsibility = value,
                "exit_plan" => self.exit_plan = value,
                "evidence" => self.evidence = value,
                _ => {}
            }
        }
        p.and(self.parse(today))
    }
}

impl From<&Supplier> for SupplierInput {
    fn from(s: &Supplier) -> SupplierInput {
        SupplierInput {
            id: Some(s.id.clone()),
            name: s.name.clone(),
            status: s.status.key().into(),
            services: s.services.clone(),
            owner: s.owner.clone(),
            personal_data: s.personal_data,
            data_locations: s.data_locations.join("\n"),
            sub_processors: s.sub_processors.join("\n"),
            criticality: s
                .criticality_override
                .map(|c| c.key().to_string())
                .unwrap_or_default(),
            criticality_reason: s.criticality_reason.clone(),
            contract_start: s.contract_start.clone().unwrap_or_default(),
            contract_end: s.contract_end.clone().unwrap_or_default(),
            auto_renews: s.auto_renews,
            notice_days: s.notice_days.map(|n| n.to_string()).unwrap_or_default(),
            reviewed_on: s.reviewed_on.clone().unwrap_or_default(),
            assets: s.assets.join(", "),
            clauses: clauses_text(&s.clauses).join("\n"),
            certifications: certifications_text(&s.certifications).join("\n"),
            cloud_services: s.cloud_services.join("\n"),
            shared_responsibility: s.shared_responsibility.clone(),
            exit_plan: s.exit_plan.clone(),
            evidence: s.evidence.join(", "),
        }
    }
}

/// Which suppliers to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupplierFilter {
    pub text: Option<String>,
    pub criticality: Option<Criticality>,
    pub status: Option<SupplierStatus>,
    pub owner: Option<String>,
    /// Only those in use whose review is due on or before this day (or never reviewed).
    pub review_due_on: Option<String>,
    /// Only those that provide cloud services.
    pub cloud: bool,
    /// Only those that process personal data.
    pub personal_data: bool,
}

/// The supplier register's query (by name).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SupplierQuery {
    pub filter: SupplierFilter,
}

impl SupplierQuery {
    pub const PARAMS: &'static [&'static str] = &[
        "q",
        "criticality",
        "status",
        "owner",
        "review_due",
        "cloud",
        "personal_data",
    ];

    /// Reads the filter; every malformed value is named.
    pub fn read(
        params: &crate::domain::query::Params,
        today: &str,
    ) -> Result<SupplierQuery, Error> {
        let get = |k: &str| params.get(k).map(str::to_string);
        let mut p = Problems::new();
        let criticality =
            get("criticality").and_then(|c| p.take("criticality", Criticality::parse(&c)));
        let status = get("status").and_then(|s| p.take("status", SupplierStatus::parse(&s)));
        let due = params.flag("review_due", &mut p);
        let cloud = params.flag("cloud", &mut p);
        let personal_data = params.flag("personal_data", &mut p);
        p.into_query_result()?;
        Ok(SupplierQuery {
            filter: SupplierFilter {
                text: get("q"),
                criticality,
                status,
                owner: get("owner").map(|o| o.to_lowercase()),
                review_due_on: due.then(|| today.to_string()),
                cloud,
                personal_data,
            },
        })
    }
}

/// The last day to give notice, for a contract that ends (or renews) on `end`.
pub fn notice_by(end: &str, notice_days: Option<i64>) -> Option<String> {
    crate::domain::input::days_after(end, -notice_days.unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_s_json_name_is_its_key() {
        assert!(crate::domain::words::keys_not_json(Criticality::ALL, Criticality::key).is_empty());
        assert!(
            crate::domain::words::keys_not_json(ContractClause::ALL, ContractClause::key)
                .is_empty()
        );
        assert!(crate::domain::words::keys_not_json(ClauseState::ALL, ClauseState::key).is_empty());
        assert!(
            crate::domain::words::keys_not_json(CertificationKind::ALL, CertificationKind::key)
                .is_empty()
        );
        assert!(
            crate::domain::words::keys_not_json(SupplierStatus::ALL, SupplierStatus::key)
                .is_empty()
        );
    }

    fn exposure(rank: usize, personal: bool, processes: &[(&str, Option<i64>)]) -> Exposure {
        let names = ["Public", "Internal", "Confidential", "Restricted"];
        Exposure {
            data: Some((rank, names[rank].into())),
            levels: 4,
            personal_data: personal,
            processes: processes.iter().map(|(n, r)| (n.to_string(), *r)).collect(),
        }
    }

    #[test]
    fn criticality_follows_the_data_and_the_processes_that_depend_on_it() {
        assert_eq!(derive_criticality(&Exposure::default()).0, Criticality::Low);
        assert_eq!(
            derive_criticality(&exposure(0, false, &[])).0,
            Criticality::Low
        );
        assert_eq!(
            derive_criticality(&exposure(1, false, &[])).0,
            Criticality::Medium
        );
        assert_eq!(
            derive_criticality(&exposure(2, false, &[])).0,
            Criticality::High
        );
        let (c, why) = derive_criticality(&exposure(3, false, &[]));
        assert_eq!(c, Criticality::Critical);
        assert_eq!(why, ["accesses Restricted data"]);
        assert_eq!(
            derive_criticality(&exposure(1, true, &[])).0,
            Criticality::High
        );
        let (c, why) = derive_criticality(&exposure(1, true, &[("Payroll", Some(3 * 24 * 60))]));
        assert_eq!(c, Criticality::High);
        assert_eq!(why.last().unwrap(), "Payroll depend on it");
        let (c, why) = derive_criticality(&exposure(1, false, &[("Orders", Some(4 * 60))]));
        assert_eq!(c, Criticality::Critical);
        assert!(
            why.last()
                .unwrap()
                .contains("Orders must recover within a day")
        );
        assert_eq!(Criticality::Critical.review_months(), 6);
    }

    #[test]
    fn clauses_missing_or_weaker_than_asked_are_named_notification_first() {
        let line = |clause, state, hours| ClauseLine {
            clause,
            state,
            hours,
        };
        let mut lines: Vec<ClauseLine> = ContractClause::ALL
            .iter()
            .map(|c| line(*c, ClauseState::Present, Some(24)))
            .collect();
        assert!(clause_gaps(&lines, 24).is_empty());
        lines[3] = line(
            ContractClause::IncidentNotification,
            ClauseState::Present,
            Some(72),
        );
        lines[2] = line(ContractClause::RightToAudit, ClauseState::Missing, None);
        lines[8] = line(ContractClause::Screening, ClauseState::NotApplicable, None);
        assert_eq!(
            clause_gaps(&lines, 24),
            [
                "incident notification within 72 h, not 24 h",
                "right to audit is missing"
            ]
        );
        let gaps = clause_gaps(&[], 24);
        assert_eq!(gaps[0], "incident notification within 24 h is missing");
        assert_eq!(gaps.len(), ContractClause::ALL.len());
    }

    #[test]
    fn a_certificate_lapses_on_its_expiry_and_a_report_a_year_after_its_period() {
        let cert = |kind, until: &str| Certification {
            kind,
            reference: "IS 123456".into(),
            issuer: "Some body".into(),
            until: until.into(),
        };
        let today = "2026-12-04";
        assert_eq!(
            cert(CertificationKind::Iso27001, "2027-06-30").standing(today),
            Standing::Current {
                until: "2027-06-30".into()
            }
        );
        assert_eq!(
            cert(CertificationKind::Iso27001, "2027-01-02").standing(today),
            Standing::Lapsing {
                until: "2027-01-02".into(),
                days: 29
            }
        );
        assert_eq!(
            cert(CertificationKind::Iso27001, "2026-12-03").standing(today),
            Standing::Lapsed {
                since: "2026-12-03".into()
            }
        );
        assert_eq!(
            cert(CertificationKind::Soc2Type2, "2026-03-31").standing(today),
            Standing::Current {
                until: "2027-03-31".into()
            }
        );
    }

    #[test]
    fn a_supplier_needs_a_name_and_an_override_needs_its_reason() {
        let today = "2026-12-04";
        let input = SupplierInput {
            name: " Μισθοδοσία Α.Ε. ".into(),
            owner: "Ana@Example.com".into(),
            data_locations: "Greece\nGermany; greece".into(),
            contract_start: "2025-01-01".into(),
            contract_end: "2027-12-31".into(),
            notice_days: "90".into(),
            ..SupplierInput::default()
        };
        let d = input.parse(today).unwrap();
        assert_eq!(d.name, "Μισθοδοσία Α.Ε.");
        assert_eq!(d.owner, "ana@example.com");
        assert_eq!(d.data_locations, ["Greece", "Germany"]);
        assert_eq!(
            notice_by("2027-12-31", d.notice_days).as_deref(),
            Some("2027-10-02")
        );
        let bad = SupplierInput {
            name: " ".into(),
            owner: "ana".into(),
            criticality: "high".into(),
            contract_start: "2027-01-01".into(),
            contract_end: "2026-01-01".into(),
            notice_days: "-3".into(),
            reviewed_on: "2027-01-01".into(),
            ..SupplierInput::default()
        };
        let Err(Error::Validation(fields)) = bad.parse(today) else {
            panic!("a bad supplier passed")
        };
        let named: Vec<&str> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            named,
            [
                "name",
                "owner",
                "criticality_reason",
                "contract_end",
                "notice_days",
                "reviewed_on"
            ]
        );
    }
}
