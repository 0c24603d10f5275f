//! The Statement of Applicability (ISO/IEC 27001 6.1.3 d): for each control of the catalogue,
//! whether it applies and why, or why not; how far it is implemented, how mature, by whom and
//! by when. What implements it (measures) and what selected it (risks treated by those
//! measures) are derived from the risk treatment, never typed; the warnings a row raises are
//! computed from both.

use crate::domain::catalog::{Control, DEFAULT_FRAMEWORK};
use crate::domain::input::parse_date;
use crate::error::{Error, Problems};
use crate::registers::evidence::domain::{ControlEvidence, EvidenceSummary, State};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

macro_rules! keyed_enum {
    ($(#[$doc:meta])* $name:ident { $($(#[$vdoc:meta])* $variant:ident = $key:literal, $label:literal;)+ } what $what:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            pub fn key(self) -> &'static str {
                match self {
                    $($name::$variant => $key,)+
                }
            }

            pub fn label(self) -> &'static str {
                match self {
                    $($name::$variant => $label,)+
                }
            }

            /// By key or label, case and spacing ignored.
            pub fn parse(raw: &str) -> Result<$name, String> {
                let norm = raw.trim().to_lowercase().replace([' ', '-'], "_");
                $name::ALL
                    .iter()
                    .copied()
                    .find(|v| v.key() == norm || v.label().replace([' ', '-'], "_") == norm)
                    .ok_or_else(|| {
                        let keys: Vec<&str> = $name::ALL.iter().map(|v| v.key()).collect();
                        format!("'{}' is not {}: use {}", raw.trim(), $what, keys.join(", "))
                    })
            }
        }
    };
}

keyed_enum! {
    /// Why an applicable control is in the Statement of Applicability.
    Reason {
        /// A risk's treatment selected it.
        RiskTreatment = "risk_treatment", "risk treatment";
        Legal = "legal", "legal or regulatory requirement";
        Contractual = "contractual", "contractual obligation";
        Business = "business", "business requirement";
        BestPractice = "best_practice", "good practice";
    } what "a reason for inclusion"
}

keyed_enum! {
    /// Why a control is excluded (a written justification is always required as well).
    ExclusionReason {
        /// The activity, technology or asset the control is about does not exist in scope.
        NotRelevant = "not_relevant", "nothing in scope it applies to";
        /// A supplier does it entirely, under contract (and the supplier controls apply).
        Outsourced = "outsourced", "done entirely by a supplier";
        /// The risks it treats are low and accepted by their owners.
        RiskAccepted = "risk_accepted", "the risks it treats are accepted";
        /// Other applicable controls cover what it is for.
        CoveredElsewhere = "covered_elsewhere", "covered by other controls";
        Other = "other", "another reason (see the justification)";
    } what "an exclusion reason"
}

keyed_enum! {
    /// How far a control is in place.
    Status {
        NotStarted = "not_started", "not started";
        Planned = "planned", "planned";
        PartiallyImplemented = "partially_implemented", "partially implemented";
        Implemented = "implemented", "implemented";
        NotApplicable = "not_applicable", "not applicable";
    } what "an implementation status"
}

/// The maturity scale, 0 to 5, in Annex's words.
pub const MATURITY: [(i64, &str); 6] = [
    (0, "absent: nothing is done yet"),
    (1, "ad hoc: done now and then, depending on who is there"),
    (2, "repeated: done regularly, but not written down"),
    (3, "defined: written down, assigned and followed"),
    (4, "measured: results are checked and reported"),
    (5, "improving: results drive regular improvement"),
];

/// What the organisation decided about one control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Applicability {
    pub framework: String,
    pub control_id: String,
    /// `None` while not decided.
    pub applicable: Option<bool>,
    pub reasons: Vec<Reason>,
    pub exclusion_reason: Option<ExclusionReason>,
    pub justification: String,
    pub status: Status,
    /// 0 to 5, see `MATURITY`.
    pub maturity: Option<i64>,
    pub owner: String,
    /// `YYYY-MM-DD`
    pub target_date: Option<String>,
    /// Empty while never decided.
    pub updated_at: String,
    /// Raised by every decision (0 while never decided): a writer that saw an older revision
    /// is refused (409). Versions approved before revisions existed read as 0.
    #[serde(default)]
    pub revision: i64,
}

impl Applicability {
    /// The decision in one word: yes, no or undecided.
    pub fn applicable_word(&self) -> &'static str {
        match self.applicable {
            Some(true) => "yes",
            Some(false) => "no",
            None => "undecided",
        }
    }

    /// A control nobody has decided on yet.
    pub fn undecided(framework: &str, control_id: &str) -> Applicability {
        Applicability {
            framework: framework.to_string(),
            control_id: control_id.to_string(),
            applicable: None,
            reasons: Vec::new(),
            exclusion_reason: None,
            justification: String::new(),
            status: Status::NotStarted,
            maturity: None,
            owner: String::new(),
            target_date: None,
            updated_at: String::new(),
            revision: 0,
        }
    }
}

/// A row as typed in a form, an API body or a spreadsheet.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ApplicabilityInput {
    /// yes, no, or empty (not decided)
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub applicable: String,
    /// Reason keys, comma-separated or a list: risk_treatment, legal, contractual, business, best_practice
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub reasons: String,
    pub exclusion_reason: String,
    #[schema(max_length = 5000)]
    pub justification: String,
    pub status: String,
    /// 0 to 5, or empty.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub maturity: String,
    #[schema(max_length = 200)]
    pub owner: String,
    /// `YYYY-MM-DD`, or empty.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub target_date: String,
}

/// One decision for several controls at once (the SoA page's "with the selected controls",
/// `POST /api/v1/soa/{framework}/decisions`). A field left out keeps each control's own
/// value; every control is checked as if decided alone, and either all are written or none.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct BulkDecision {
    /// The controls to decide, by id (e.g. `8.13` or `A.8.13`), at most [`BULK_MAX`].
    #[schema(min_items = 1, max_items = 200)]
    pub controls: Vec<String>,
    /// The revision each control was seen at, by control id: a control changed since is
    /// refused (409) and nothing is written. A control left out is not checked.
    #[serde(deserialize_with = "crate::domain::input::whole_i64_map")]
    pub revisions: std::collections::BTreeMap<String, i64>,
    /// yes or no
    pub applicable: Option<String>,
    /// Reason keys or labels, comma-separated or a list (for applicable controls).
    #[serde(deserialize_with = "crate::domain::input::optional_list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub reasons: Option<String>,
    pub exclusion_reason: Option<String>,
    #[schema(max_length = 5000)]
    pub justification: Option<String>,
    pub status: Option<String>,
    #[schema(max_length = 200)]
    pub owner: Option<String>,
    /// `YYYY-MM-DD`, or empty to clear.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub target_date: Option<String>,
}

/// The most controls one bulk decision takes (the 2022 catalogue has 93).
pub const BULK_MAX: usize = 200;

impl BulkDecision {
    /// Whether it changes anything at all.
    pub fn changes_something(&self) -> bool {
        self.applicable.is_some()
            || self.reasons.is_some()
            || self.exclusion_reason.is_some()
            || self.justification.is_some()
            || self.status.is_some()
            || self.owner.is_some()
            || self.target_date.is_some()
    }

    /// A control's decision with this one's fields applied over it. Deciding "no" on an
    /// applicable control drops its reasons and status (an excluded control is not
    /// applicable), deciding "yes" on an excluded one its exclusion reason, unless given.
    pub fn over(&self, current: &Applicability) -> ApplicabilityInput {
        let mut v = ApplicabilityInput::from(current);
        if let Some(a) = &self.applicable {
            v.applicable = a.clone();
            match parse_yes_no(a) {
                Ok(Some(true)) if current.applicable != Some(true) => {
                    v.exclusion_reason.clear();
                    if current.status == Status::NotApplicable {
                        v.status.clear();
                    }
                }
                Ok(Some(false)) if current.applicable != Some(false) => {
                    v.reasons.clear();
                    v.status.clear();
                }
                _ => {}
            }
        }
        let set = |field: &mut String, value: &Option<String>| {
            if let Some(value) = value {
                *field = value.clone();
            }
        };
        set(&mut v.reasons, &self.reasons);
        set(&mut v.exclusion_reason, &self.exclusion_reason);
        set(&mut v.justification, &self.justification);
        set(&mut v.status, &self.status);
        set(&mut v.owner, &self.owner);
        set(&mut v.target_date, &self.target_date);
        v
    }
}

/// A checked decision, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicabilityDraft {
    pub applicable: Option<bool>,
    pub reasons: Vec<Reason>,
    pub exclusion_reason: Option<ExclusionReason>,
    pub justification: String,
    pub status: Status,
    pub maturity: Option<i64>,
    pub owner: String,
    pub target_date: Option<String>,
}

/// Reads yes/no as people write them.
pub fn parse_yes_no(raw: &str) -> Result<Option<bool>, String> {
    match raw.trim().to_lowercase().as_str() {
        "" => Ok(None),
        "yes" | "y" | "true" | "1" | "applicable" | "included" | "ja" | "oui" | "si" | "sí" => {
            Ok(Some(true))
        }
        "no" | "n" | "false" | "0" | "not applicable" | "excluded" | "nein" | "non" => {
            Ok(Some(false))
        }
        other => Err(format!("'{other}' is not yes or no")),
    }
}

impl ApplicabilityInput {
    /// Checks a decision: an applicable control says why (one reason or more); an excluded
    /// one gives a reason and a written justification, and is not applicable by status; an
    /// undecided one is not started.
    pub fn parse(&self) -> Result<ApplicabilityDraft, Error> {
        let mut p = Problems::new();
        let applicable = p
            .take("applicable", parse_yes_no(&self.applicable))
            .flatten();
        let mut reasons = Vec::new();
        for part in self
            .reasons
            .split([',', ';', '\n'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            if let Some(r) = p.take("reasons", Reason::parse(part))
                && !reasons.contains(&r)
            {
                reasons.push(r);
            }
        }
        let exclusion_reason = match self.exclusion_reason.trim() {
            "" => None,
            raw => p.take("exclusion_reason", ExclusionReason::parse(raw)),
        };
        let justification = self.justification.trim().to_string();
        if justification.chars().count() > 5000 {
            p.add("justification", "at most 5000 characters");
        }
        let status = match self.status.trim() {
            "" => None,
            raw => p.take("status", Status::parse(raw)),
        };
        let maturity = match self.maturity.trim() {
            "" => None,
            raw => match raw.parse::<i64>() {
                Ok(m) if (0..=5).contains(&m) => Some(m),
                _ => {
                    p.add("maturity", format!("'{raw}' is not a maturity: use 0 to 5"));
                    None
                }
            },
        };
        let owner = self.owner.trim().to_string();
        if owner.chars().count() > 200 {
            p.add("owner", "at most 200 characters");
        }
        let target_date = match self.target_date.trim() {
            "" => None,
            raw => p.take("target_date", parse_date(raw)),
        };
        let status = match applicable {
            Some(true) => {
                if reasons.is_empty() {
                    p.add(
                        "reasons",
                        "say why the control applies: choose at least one reason",
                    );
                }
                match status {
                    Some(Status::NotApplicable) => {
                        p.add(
                            "status",
                            "an applicable control cannot be 'not applicable': choose how far it is implemented",
                        );
                        Status::NotStarted
                    }
                    other => other.unwrap_or(Status::NotStarted),
                }
            }
            Some(false) => {
                if exclusion_reason.is_none() {
                    p.add("exclusion_reason", "say why the control is excluded");
                }
                if justification.is_empty() {
                    p.add(
                        "justification",
                        "an excluded control needs a written justification (an auditor will ask for it)",
                    );
                }
                match status {
                    // "not started" is where every row begins: excluding it needs no other word.
                    None | Some(Status::NotApplicable) | Some(Status::NotStarted) => {
                        Status::NotApplicable
                    }
                    Some(other) => {
                        p.add(
                            "status",
                            format!(
                                "an excluded control is 'not applicable', not '{}'",
                                other.label()
                            ),
                        );
                        Status::NotApplicable
                    }
                }
            }
            None => match status {
                None | Some(Status::NotStarted) => Status::NotStarted,
                Some(other) => {
                    p.add(
                        "applicable",
                        format!(
                            "decide whether the control applies before marking it '{}'",
                            other.label()
                        ),
                    );
                    Status::NotStarted
                }
            },
        };
        p.into_result()?;
        let included = applicable == Some(true);
        let excluded = applicable == Some(false);
        Ok(ApplicabilityDraft {
            applicable,
            reasons: if included { reasons } else { Vec::new() },
            exclusion_reason: if excluded { exclusion_reason } else { None },
            justification,
            status,
            maturity,
            owner,
            target_date,
        })
    }
}

impl From<&Applicability> for ApplicabilityInput {
    fn from(a: &Applicability) -> ApplicabilityInput {
        ApplicabilityInput {
            applicable: match a.applicable {
                Some(true) => "yes".into(),
                Some(false) => "no".into(),
                None => String::new(),
            },
            reasons: a
                .reasons
                .iter()
                .map(|r| r.key())
                .collect::<Vec<_>>()
                .join(", "),
            exclusion_reason: a
                .exclusion_reason
                .map(|e| e.key().to_string())
                .unwrap_or_default(),
            justification: a.justification.clone(),
            status: a.status.key().into(),
            maturity: a.maturity.map(|m| m.to_string()).unwrap_or_default(),
            owner: a.owner.clone(),
            target_date: a.target_date.clone().unwrap_or_default(),
        }
    }
}

/// Something about a row an auditor would question, computed from the data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Warning {
    /// Not decided yet.
    Undecided,
    /// A risk's treatment relies on a measure that implements it, yet it is excluded.
    SelectedButExcluded,
    /// Applicable, but no measure implements it.
    NoMeasure,
    /// Excluded without a written justification (from data imported or kept from before).
    ExclusionUnjustified,
    /// Applicable and without an owner.
    NoOwner,
    /// Implemented, but nothing valid today proves it.
    NoValidEvidence,
    /// Applicable, and every piece of its evidence is past its valid-until date.
    EvidenceExpired,
    /// Applicable, and a check of a host that reports scans fails for it.
    EvidenceFailing,
    /// Applicable, but no reason for inclusion is recorded (drafts imported from an SoA of
    /// 2013 that gave none: the form asks for one).
    NoReason,
    /// Applicable and not yet implemented, and the date it was to be implemented by has
    /// passed.
    TargetDatePassed,
    /// A legal or contractual reason for inclusion is recorded, but no applicable obligation
    /// of the register is linked to it.
    ReasonUnbacked,
}

impl Warning {
    pub const ALL: [Warning; 11] = [
        Warning::Undecided,
        Warning::SelectedButExcluded,
        Warning::NoMeasure,
        Warning::ExclusionUnjustified,
        Warning::NoOwner,
        Warning::NoValidEvidence,
        Warning::EvidenceExpired,
        Warning::EvidenceFailing,
        Warning::NoReason,
        Warning::TargetDatePassed,
        Warning::ReasonUnbacked,
    ];

    /// The key in query strings and exports.
    pub fn key(self) -> &'static str {
        match self {
            Warning::Undecided => "undecided",
            Warning::SelectedButExcluded => "selected_but_excluded",
            Warning::NoMeasure => "no_measure",
            Warning::ExclusionUnjustified => "exclusion_unjustified",
            Warning::NoOwner => "no_owner",
            Warning::NoValidEvidence => "no_valid_evidence",
            Warning::EvidenceExpired => "evidence_expired",
            Warning::EvidenceFailing => "evidence_failing",
            Warning::NoReason => "no_reason",
            Warning::TargetDatePassed => "target_date_passed",
            Warning::ReasonUnbacked => "reason_unbacked",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Warning::Undecided => "applicability not decided",
            Warning::SelectedButExcluded => "a risk treatment relies on it, yet it is excluded",
            Warning::NoMeasure => "applicable, but no measure implements it",
            Warning::ExclusionUnjustified => "excluded without a justification",
            Warning::NoOwner => "applicable, but nobody owns it",
            Warning::NoValidEvidence => "implemented, but no valid evidence proves it",
            Warning::EvidenceExpired => "its evidence has expired",
            Warning::EvidenceFailing => "an automated check shows it failing",
            Warning::NoReason => "applicable, but no reason for inclusion is recorded",
            Warning::TargetDatePassed => "its target date has passed and it is not implemented",
            Warning::ReasonUnbacked => "no obligation behind its legal or contractual reason",
        }
    }

    /// The warnings of a row, given how many measures implement it, how many risks'
    /// treatments rely on it, the state of its evidence, whether a scan shows it failing
    /// (which warns even when evidence added by hand proves it) and today's date.
    pub fn of(
        a: &Applicability,
        measures: usize,
        risks: usize,
        evidence: State,
        failing: bool,
        today: &str,
    ) -> Vec<Warning> {
        let mut w = Vec::new();
        match a.applicable {
            None => w.push(Warning::Undecided),
            Some(false) => {
                if risks > 0 {
                    w.push(Warning::SelectedButExcluded);
                }
                if a.justification.trim().is_empty() {
                    w.push(Warning::ExclusionUnjustified);
                }
            }
            Some(true) => {
                if measures == 0 {
                    w.push(Warning::NoMeasure);
                }
                if a.owner.trim().is_empty() {
                    w.push(Warning::NoOwner);
                }
                if a.status == Status::Implemented && !evidence.proves() {
                    w.push(Warning::NoValidEvidence);
                }
                if evidence == State::Expired {
                    w.push(Warning::EvidenceExpired);
                }
                if failing || evidence == State::Failing {
                    w.push(Warning::EvidenceFailing);
                }
                if a.reasons.is_empty() {
                    w.push(Warning::NoReason);
                }
                if a.status != Status::Implemented
                    && a.target_date.as_deref().is_some_and(|d| d < today)
                {
                    w.push(Warning::TargetDatePassed);
                }
            }
        }
        w
    }
}

/// A measure or a risk linked to a control, as the SoA shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Linked {
    pub id: String,
    pub name: String,
    /// The measure's or the risk's status key.
    pub status: String,
}

/// One control of the Statement of Applicability with everything derived about it.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SoaRow {
    pub control: Control,
    pub applicability: Applicability,
    /// The measures that implement the control.
    pub measures: Vec<Linked>,
    /// How many open risks are treated by those measures (the risks that selected it).
    pub risk_count: i64,
    /// Up to ten of them.
    pub risks: Vec<Linked>,
    /// The evidence attached to the control or to its measures, newest first (at most
    /// `EVIDENCE_LISTED`).
    pub evidence: Vec<ControlEvidence>,
    /// How many items there are in all.
    #[serde(default)]
    pub evidence_count: usize,
    /// Whether that evidence proves the control today.
    pub evidence_state: State,
    /// The items that show the control failing today (filed by scans), with why.
    #[serde(default)]
    pub evidence_failing: Vec<ControlEvidence>,
    pub warnings: Vec<Warning>,
    /// The applicable obligations linked to it (from the obligations register).
    #[serde(default)]
    pub obligations: Vec<ObligationLine>,
    /// The reasons for inclusion those obligations give it, each with them named.
    #[serde(default)]
    pub derived_reasons: Vec<DerivedReason>,
}

/// An applicable obligation linked to a control.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ObligationLine {
    pub id: String,
    pub title: String,
    /// The reason for inclusion it gives.
    pub reason: Reason,
}

/// A reason for inclusion the control's obligations give it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct DerivedReason {
    pub reason: Reason,
    /// The obligations' titles.
    pub obligations: Vec<String>,
}

impl SoaRow {
    /// Gives the row its applicable obligations and the reasons they derive; `unbacked`:
    /// the legal or contractual reasons typed on it that no obligation stands behind (a
    /// gentle warning). A row whose obligations give a reason is not without one.
    pub fn with_obligations(
        &mut self,
        lines: Vec<ObligationLine>,
        derived: Vec<DerivedReason>,
        unbacked: bool,
    ) {
        if self.applicability.applicable == Some(true) {
            if !derived.is_empty() {
                self.warnings.retain(|w| *w != Warning::NoReason);
            }
            if unbacked && !self.warnings.contains(&Warning::ReasonUnbacked) {
                self.warnings.push(Warning::ReasonUnbacked);
            }
        }
        self.obligations = lines;
        self.derived_reasons = derived;
    }

    /// The obligations in words: "legal or regulatory requirement: GDPR, NIS2".
    pub fn obligations_text(&self) -> String {
        self.derived_reasons
            .iter()
            .map(|d| format!("{}: {}", d.reason.label(), d.obligations.join(", ")))
            .collect::<Vec<_>>()
            .join("; ")
    }
}

/// Per control: the open risks its measures treat, how many, and the first of them.
pub type SoaRisks = Vec<(String, i64, Vec<Linked>)>;

/// The measures of each control.
pub type MeasuresByControl = std::sync::Arc<HashMap<String, Vec<Linked>>>;

/// The SoA's rows: every control of the catalogue in its order, with its decision (undecided
/// when there is none) and what is derived about it — the measures that implement it, the open
/// risks they treat, its evidence and how well that proves it `today`, and its warnings.
pub fn assemble(
    framework: &str,
    controls: &[Control],
    decisions: Vec<Applicability>,
    by_control: &HashMap<String, Vec<Linked>>,
    risks: &SoaRisks,
    evidence: &HashMap<String, EvidenceSummary>,
    today: &str,
) -> Vec<SoaRow> {
    let mut decided: HashMap<String, Applicability> = decisions
        .into_iter()
        .map(|a| (a.control_id.clone(), a))
        .collect();
    let mut risk_counts: HashMap<&str, (i64, &Vec<Linked>)> = risks
        .iter()
        .map(|(c, n, l)| (c.as_str(), (*n, l)))
        .collect();
    controls
        .iter()
        .map(|c| {
            let applicability = decided
                .remove(&c.id)
                .unwrap_or_else(|| Applicability::undecided(framework, &c.id));
            let measures = by_control.get(&c.id).cloned().unwrap_or_default();
            let (risk_count, risks) = risk_counts
                .remove(c.id.as_str())
                .map(|(n, l)| (n, l.clone()))
                .unwrap_or_default();
            let (evidence, evidence_count, evidence_state, evidence_failing) =
                match evidence.get(&c.id) {
                    Some(s) => (s.newest.clone(), s.count, s.state(today), s.failures(today)),
                    None => (Vec::new(), 0, State::None, Vec::new()),
                };
            SoaRow {
                warnings: Warning::of(
                    &applicability,
                    measures.len(),
                    risk_count as usize,
                    evidence_state,
                    !evidence_failing.is_empty(),
                    today,
                ),
                control: c.clone(),
                applicability,
                measures,
                risk_count,
                risks,
                evidence,
                evidence_count,
                evidence_state,
                evidence_failing,
                obligations: Vec::new(),
                derived_reasons: Vec::new(),
            }
        })
        .collect()
}

/// The SoA's query: framework, version (an approved version instead of the live state),
/// theme, applicable (yes, no, undecided), status, warning (any or a warning's key), owner, q.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct SoaQuery {
    pub framework: String,
    pub version: Option<i64>,
    pub theme: Option<String>,
    pub applicable: Option<String>,
    pub status: Option<Status>,
    pub warning: Option<String>,
    pub owner: Option<String>,
    pub q: Option<String>,
}

impl SoaQuery {
    /// The parameters the SoA reads.
    pub const PARAMS: &'static [&'static str] = &[
        "framework",
        "version",
        "theme",
        "applicable",
        "status",
        "warning",
        "owner",
        "q",
    ];

    /// Reads the query; every malformed value is named.
    pub fn read(params: &crate::domain::query::Params) -> Result<SoaQuery, Error> {
        let get = |k: &str| params.get(k).map(str::to_string);
        let mut p = Problems::new();
        let version = match get("version") {
            Some(v) => match v.parse::<i64>() {
                Ok(n) if n > 0 => Some(n),
                _ => {
                    p.add("version", format!("'{v}' is not a version number"));
                    None
                }
            },
            None => None,
        };
        let applicable = get("applicable");
        if let Some(a) = &applicable
            && !["yes", "no", "undecided"].contains(&a.as_str())
        {
            p.add("applicable", format!("'{a}' is not yes, no or undecided"));
        }
        let status = match get("status") {
            Some(s) => p.take("status", Status::parse(&s)),
            None => None,
        };
        let warning = get("warning");
        if let Some(w) = &warning
            && w != "any"
            && !Warning::ALL.iter().any(|x| x.key() == w)
        {
            p.add(
                "warning",
                format!(
                    "'{w}' is not a warning: use any or one of {}",
                    Warning::ALL
                        .iter()
                        .map(|w| w.key())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            );
        }
        p.into_query_result()?;
        Ok(SoaQuery {
            framework: get("framework").unwrap_or_else(|| DEFAULT_FRAMEWORK.to_string()),
            version,
            theme: get("theme"),
            applicable,
            status,
            warning,
            owner: get("owner"),
            q: get("q").map(|q| q.to_lowercase()),
        })
    }

    /// Whether a row is shown.
    pub fn keeps(&self, r: &SoaRow) -> bool {
        let a = &r.applicability;
        self.theme
            .as_ref()
            .is_none_or(|t| r.control.theme.eq_ignore_ascii_case(t))
            && self.applicable.as_deref().is_none_or(|want| match want {
                "yes" => a.applicable == Some(true),
                "no" => a.applicable == Some(false),
                _ => a.applicable.is_none(),
            })
            && self.status.is_none_or(|s| a.status == s)
            && self
                .owner
                .as_ref()
                .is_none_or(|o| a.owner.eq_ignore_ascii_case(o))
            && self.warning.as_deref().is_none_or(|w| {
                if w == "any" {
                    !r.warnings.is_empty()
                } else {
                    r.warnings.iter().any(|x| x.key() == w)
                }
            })
            && self.q.as_ref().is_none_or(|q| {
                r.control.id.to_lowercase().contains(q)
                    || r.control.title.to_lowercase().contains(q)
                    || a.justification.to_lowercase().contains(q)
            })
    }
}

impl ApplicabilityDraft {
    /// The decision this draft makes about a control (its time and revision are the store's).
    pub fn applied(self, framework: &str, control_id: &str) -> Applicability {
        Applicability {
            framework: framework.to_string(),
            control_id: control_id.to_string(),
            applicable: self.applicable,
            reasons: self.reasons,
            exclusion_reason: self.exclusion_reason,
            justification: self.justification,
            status: self.status,
            maturity: self.maturity,
            owner: self.owner,
            target_date: self.target_date,
            updated_at: String::new(),
            revision: 0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_applicable_control_says_why_and_an_excluded_one_is_justified() {
        let ok = ApplicabilityInput {
            applicable: "Yes".into(),
            reasons: "risk treatment, legal".into(),
            status: "partially implemented".into(),
            maturity: "3".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(ok.reasons, [Reason::RiskTreatment, Reason::Legal]);
        assert_eq!(ok.status, Status::PartiallyImplemented);

        let e = ApplicabilityInput {
            applicable: "yes".into(),
            status: "not applicable".into(),
            maturity: "7".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["maturity", "reasons", "status"]);

        let e = ApplicabilityInput {
            applicable: "no".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["exclusion_reason", "justification"]);

        let excluded = ApplicabilityInput {
            applicable: "no".into(),
            reasons: "legal".into(),
            exclusion_reason: "not_relevant".into(),
            justification: "We develop no software.".into(),
            ..Default::default()
        }
        .parse()
        .unwrap();
        assert_eq!(excluded.status, Status::NotApplicable);
        assert!(
            excluded.reasons.is_empty(),
            "reasons of inclusion are dropped"
        );

        let e = ApplicabilityInput {
            status: "implemented".into(),
            ..Default::default()
        }
        .parse()
        .unwrap_err();
        assert_eq!(e.fields()[0].field, "applicable");
    }

    #[test]
    fn warnings_follow_the_decision_and_the_treatment() {
        let mut a = Applicability::undecided("iso27002-2022", "8.13");
        let none = State::None;
        assert_eq!(
            Warning::of(&a, 0, 0, none, false, "2026-01-01"),
            [Warning::Undecided]
        );
        a.applicable = Some(false);
        assert_eq!(
            Warning::of(&a, 1, 2, none, false, "2026-01-01"),
            [Warning::SelectedButExcluded, Warning::ExclusionUnjustified]
        );
        a.applicable = Some(true);
        a.owner = "ops@example.org".into();
        assert_eq!(
            Warning::of(&a, 0, 0, none, false, "2026-01-01"),
            [Warning::NoMeasure, Warning::NoReason]
        );
        a.reasons = vec![Reason::Legal];
        assert_eq!(
            Warning::of(&a, 0, 0, none, false, "2026-01-01"),
            [Warning::NoMeasure]
        );
        assert!(Warning::of(&a, 1, 0, none, false, "2026-01-01").is_empty());
        a.status = Status::Implemented;
        assert_eq!(
            Warning::of(&a, 1, 0, none, false, "2026-01-01"),
            [Warning::NoValidEvidence]
        );
        assert!(Warning::of(&a, 1, 0, State::Expiring, false, "2026-01-01").is_empty());
        assert_eq!(
            Warning::of(&a, 1, 0, State::Expired, false, "2026-01-01"),
            [Warning::NoValidEvidence, Warning::EvidenceExpired]
        );
        assert_eq!(
            Warning::of(&a, 1, 0, State::Failing, true, "2026-01-01"),
            [Warning::NoValidEvidence, Warning::EvidenceFailing]
        );
        // Evidence added by hand proves it; a failing scan still warns.
        assert_eq!(
            Warning::of(&a, 1, 0, State::Valid, true, "2026-01-01"),
            [Warning::EvidenceFailing]
        );
        // A target date that has passed is a warning until the control is implemented.
        a.status = Status::PartiallyImplemented;
        a.target_date = Some("2025-12-31".into());
        assert_eq!(
            Warning::of(&a, 1, 0, State::Valid, false, "2026-01-01"),
            [Warning::TargetDatePassed]
        );
        assert!(Warning::of(&a, 1, 0, State::Valid, false, "2025-12-31").is_empty());
        a.status = Status::Implemented;
        assert!(Warning::of(&a, 1, 0, State::Valid, false, "2026-01-01").is_empty());
    }
}
