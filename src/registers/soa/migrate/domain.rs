//! Migrating a Statement of Applicability written against ISO/IEC 27002:2013 into a draft for
//! ISO/IEC 27002:2022. Reads a 2013 row as people write it — control ids as `A.5.1.1`,
//! `5.1.1` or `A5.1.1` (or as the date Excel made of them), yes and no, statuses and reasons
//! for inclusion in their own words — and proposes, from the checked rows and the 2013→2022
//! correspondence, a decision for each 2022 control, with the list of the controls a person
//! must still decide and why. Nothing here performs I/O.

use crate::error::{Error, Problems};
use crate::registers::soa::domain::{
    Applicability, ApplicabilityDraft, ExclusionReason, Reason, Status, parse_yes_no,
};
use serde::Serialize;
use std::collections::{HashMap, HashSet};

/// The framework migrated from, and the one migrated to.
pub const FROM: &str = "iso27002-2013";
pub const TO: &str = "iso27002-2022";
pub const FROM_NAME: &str = "ISO/IEC 27002:2013";
/// The `register` of the uploads kept for this import.
pub const UPLOAD_KIND: &str = "soa-2013";

/// What the 2013 catalogue says an id is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Known {
    Control,
    /// A domain (A.5) or a control objective (A.5.1): a heading in an SoA, not a control.
    Heading,
    Unknown,
}

/// The fields of a row read from tick columns ("LR", "CO", "BR/BP", "RRA" under "reasons for
/// selection"), and the reason each gives.
pub const TICKS: [(&str, Reason); 5] = [
    ("reason_risk", Reason::RiskTreatment),
    ("reason_legal", Reason::Legal),
    ("reason_contractual", Reason::Contractual),
    ("reason_business", Reason::Business),
    ("reason_best_practice", Reason::BestPractice),
];

/// A row of a 2013 SoA as typed: one cell per field, empty where the file has no column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Row2013Input {
    pub control: String,
    pub applicable: String,
    pub justification: String,
    /// A separate "justification for exclusion" column, when the file has one.
    pub exclusion_justification: String,
    pub status: String,
    /// Reasons for inclusion in words ("risk assessment, legal").
    pub reasons: String,
    /// Tick columns, by the field keys of `TICKS`.
    pub ticks: Vec<(&'static str, String)>,
    pub owner: String,
}

impl Row2013Input {
    /// Sets a field by its key (the import's column plan); unknown keys are ignored.
    pub fn set(&mut self, field: &'static str, value: String) {
        match field {
            "control" => self.control = value,
            "applicable" => self.applicable = value,
            "justification" => self.justification = value,
            "exclusion_justification" => self.exclusion_justification = value,
            "status" => self.status = value,
            "reasons" => self.reasons = value,
            "owner" => self.owner = value,
            tick if TICKS.iter().any(|(k, _)| *k == tick) => self.ticks.push((tick, value)),
            _ => {}
        }
    }
}

/// A checked row of a 2013 SoA.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row2013 {
    /// The 2013 control id as the catalogue writes it (`5.1.1`).
    pub control_id: String,
    /// `None`: the row gives no decision.
    pub applicable: Option<bool>,
    pub justification: String,
    pub status: Option<Status>,
    pub reasons: Vec<Reason>,
    pub owner: String,
}

/// Lower case, trimmed, spaces collapsed, `_` and `-` as spaces, a final full stop dropped.
fn words(raw: &str) -> String {
    raw.trim()
        .trim_end_matches('.')
        .to_lowercase()
        .replace(['_', '-'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Yes or no as SoAs write it: `parse_yes_no`'s words, and N/A, selected, not selected …
pub fn parse_applicable(raw: &str) -> Result<Option<bool>, String> {
    if let Ok(v) = parse_yes_no(raw) {
        return Ok(v);
    }
    match words(raw).as_str() {
        "selected" | "include" | "in scope" | "required" | "applies" | "x" | "✓" | "✔" => {
            Ok(Some(true))
        }
        "n/a" | "na" | "not selected" | "not included" | "exclude" | "out of scope"
        | "not required" | "does not apply" => Ok(Some(false)),
        // Czech, Greek, Polish, Dutch, Italian and Spanish yes and no (German and French are
        // `parse_yes_no`'s).
        "ano" | "ναι" | "tak" | "sì" | "anwendbar" | "aplikovatelné" | "εφαρμόζεται" => {
            Ok(Some(true))
        }
        "ne"
        | "όχι"
        | "nie"
        | "nee"
        | "nicht anwendbar"
        | "neaplikovatelné"
        | "δεν εφαρμόζεται" => Ok(Some(false)),
        _ => Err(format!(
            "'{}' is not yes or no (applicable, excluded and N/A are read too)",
            raw.trim()
        )),
    }
}

/// An implementation status as SoAs write it.
pub fn parse_status(raw: &str) -> Result<Option<Status>, String> {
    let w = words(raw);
    if w.is_empty() {
        return Ok(None);
    }
    if let Ok(s) = Status::parse(raw) {
        return Ok(Some(s));
    }
    let status = match w.as_str() {
        "done"
        | "complete"
        | "completed"
        | "in place"
        | "fully implemented"
        | "yes"
        | "operational"
        | "effective"
        | "live"
        | "implemented and effective" => Status::Implemented,
        "partial"
        | "partially"
        | "partly"
        | "partly implemented"
        | "in progress"
        | "ongoing"
        | "under implementation"
        | "being implemented"
        | "implementing"
        | "wip" => Status::PartiallyImplemented,
        "scheduled" | "to be implemented" | "in planning" | "proposed" | "planning" => {
            Status::Planned
        }
        "not implemented"
        | "no"
        | "missing"
        | "none"
        | "not yet"
        | "not yet implemented"
        | "not in place"
        | "open"
        | "gap"
        | "to do"
        | "todo" => Status::NotStarted,
        "n/a" | "na" | "excluded" | "nicht anwendbar" | "neaplikovatelné" => Status::NotApplicable,
        // German, Czech and Greek words of the reference SoAs.
        "umgesetzt"
        | "vollständig umgesetzt"
        | "ano"
        | "implementováno"
        | "zavedeno"
        | "υλοποιημένο"
        | "ναι" => Status::Implemented,
        "teilweise umgesetzt"
        | "teilweise"
        | "in umsetzung"
        | "částečně"
        | "částečně implementováno"
        | "μερικώς"
        | "μερικώς υλοποιημένο" => Status::PartiallyImplemented,
        "geplant" | "plánováno" | "plánované" | "προγραμματισμένο" => {
            Status::Planned
        }
        "nicht umgesetzt" | "offen" | "ne" | "neimplementováno" | "όχι" | "not assessed"
        | "not yet assessed" | "to be assessed" | "unknown" | "tbd" => Status::NotStarted,
        _ => {
            return Err(format!(
                "'{}' is not an implementation status: use implemented, partially implemented, planned, not implemented or not applicable",
                raw.trim()
            ));
        }
    };
    Ok(Some(status))
}

/// An implementation status written with more words than a status ("Implemented
/// (Documented)", "Gap — Not Addressed", "Partial: MFA for admins only"): the status its first
/// words name, and the whole text when it said more than that, to be kept beside the decision.
pub fn parse_status_with_rest(raw: &str) -> Result<(Option<Status>, Option<String>), String> {
    let first_error = match parse_status(raw) {
        Ok(s) => return Ok((s, None)),
        Err(e) => e,
    };
    let text = raw.trim();
    let cut = text
        .char_indices()
        .filter(|(_, c)| matches!(c, '(' | '[' | ':' | ';' | ',' | '—' | '–' | '\n'))
        .map(|(i, _)| i)
        .chain(text.find(" - "))
        .min();
    match cut.map(|i| text[..i].trim()).filter(|h| !h.is_empty()) {
        Some(head) => match parse_status(head) {
            Ok(Some(s)) => Ok((Some(s), Some(text.to_string()))),
            _ => Err(first_error),
        },
        None => Err(first_error),
    }
}

/// Reasons for inclusion in words: "risk assessment, legal", "LR/CO", "contractual and
/// business requirements". Each part must name at least one reason.
pub fn parse_reasons(raw: &str) -> Result<Vec<Reason>, String> {
    let mut out = Vec::new();
    for part in raw
        .split([',', ';', '/', '\n', '+', '&'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let found: Vec<Reason> = match Reason::parse(part) {
            Ok(r) => vec![r],
            Err(_) => reasons_in(part),
        };
        if found.is_empty() {
            return Err(format!(
                "'{part}' is not a reason for inclusion: use risk assessment, legal, contractual, business or best practice"
            ));
        }
        for r in found {
            if !out.contains(&r) {
                out.push(r);
            }
        }
    }
    Ok(out)
}

/// The reasons a phrase names, by keyword or by the usual abbreviation (LR legal requirement,
/// CO contractual obligation, BR business requirement, BP best practice, RRA result of the
/// risk assessment).
fn reasons_in(part: &str) -> Vec<Reason> {
    let w = words(part);
    let tokens: Vec<&str> = w
        .split(|c: char| !c.is_alphanumeric())
        .filter(|t| !t.is_empty())
        .collect();
    let has = |keys: &[&str]| keys.iter().any(|k| w.contains(k));
    let token = |keys: &[&str]| tokens.iter().any(|t| keys.contains(t));
    let mut out = Vec::new();
    if has(&["risk"]) || token(&["rra", "ra"]) {
        out.push(Reason::RiskTreatment);
    }
    if has(&["legal", "regulat", "statut", "law"]) || token(&["lr"]) {
        out.push(Reason::Legal);
    }
    if has(&["contract"]) || token(&["co", "cr"]) {
        out.push(Reason::Contractual);
    }
    if has(&["business"]) || token(&["br"]) {
        out.push(Reason::Business);
    }
    if has(&[
        "best practice",
        "good practice",
        "industry practice",
        "bestpractice",
    ]) || token(&["bp"])
    {
        out.push(Reason::BestPractice);
    }
    out
}

/// Whether a tick column is ticked: anything but empty, no, 0 or a dash is a tick (x, ✓,
/// the Greek Χ, yes, or the id of the risk that selected the control).
pub fn is_ticked(raw: &str) -> bool {
    let w = words(raw);
    !(w.is_empty() || matches!(w.as_str(), "-" | "–" | "—") || parse_yes_no(raw) == Ok(Some(false)))
}

/// The ids a control cell may stand for, most likely first: `A.5.1.1`, `a.5.1.1`, `A5.1.1`,
/// `A 5.1.1` and `5.1.1`, alone or followed by the title; and the ids Excel turned into dates
/// ("10.1.1" became 2010-01-01, shown as a date or as its serial 40179; other locales read
/// day.month.year or month.day.year).
pub fn control_candidates(raw: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(id) = id_token(raw) {
        out.push(id);
    }
    for id in ids_from_date(raw) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

pub fn id_token(raw: &str) -> Option<String> {
    let s = raw.trim();
    let s = s
        .strip_prefix(['A', 'a'])
        .map(|r| r.trim_start_matches(['.', ' ']))
        .filter(|r| r.starts_with(|c: char| c.is_ascii_digit()))
        .unwrap_or(s);
    let end = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (id, rest) = s.split_at(end);
    let id = id.trim_end_matches('.');
    let follows_well = rest.is_empty()
        || rest
            .starts_with(|c: char| c.is_whitespace() || matches!(c, '-' | '–' | '—' | ':' | ')'));
    (id.starts_with(|c: char| c.is_ascii_digit()) && follows_well).then(|| id.to_string())
}

fn ids_from_date(raw: &str) -> Vec<String> {
    let s = raw.trim();
    let date = match s.parse::<i64>() {
        // An Excel date serial (days since 1899-12-30) shown as a number.
        Ok(n) if (20_000..80_000).contains(&n) => {
            time::macros::date!(1899 - 12 - 30).checked_add(time::Duration::days(n))
        }
        _ => {
            let day = s.split([' ', 'T']).next().unwrap_or_default();
            time::Date::parse(
                day,
                time::macros::format_description!("[year]-[month]-[day]"),
            )
            .ok()
        }
    };
    let Some(d) = date.filter(|d| (2000..2100).contains(&d.year())) else {
        return Vec::new();
    };
    let (y, m, d) = (d.year() - 2000, u8::from(d.month()), d.day());
    if y == 0 {
        return Vec::new();
    }
    vec![
        format!("{y}.{m}.{d}"),
        format!("{d}.{m}.{y}"),
        format!("{m}.{d}.{y}"),
    ]
}

/// The 2013 id as people recognise it, for messages and justifications.
pub fn shown(id: &str) -> String {
    format!("A.{id}")
}

impl Row2013Input {
    /// Checks a row against the 2013 catalogue (`known`). `Ok(None)` is a heading — a domain or
    /// a control objective (A.5, A.5.1), or a row without a control id that decides nothing —
    /// which is read past. A status says whether the control applies when the file does not
    /// (not applicable: excluded; planned or further: applicable).
    pub fn parse(&self, known: impl Fn(&str) -> Known) -> Result<Option<Row2013>, Error> {
        let mut p = Problems::new();
        let mut applicable = p
            .take("applicable", parse_applicable(&self.applicable))
            .flatten();
        let status = p.take("status", parse_status(&self.status)).flatten();
        let mut reasons = p
            .take("reasons", parse_reasons(&self.reasons))
            .unwrap_or_default();
        for (field, value) in &self.ticks {
            if is_ticked(value)
                && let Some((_, r)) = TICKS.iter().find(|(k, _)| k == field)
                && !reasons.contains(r)
            {
                reasons.push(*r);
            }
        }
        let justification = [&self.justification, &self.exclusion_justification]
            .iter()
            .map(|j| j.trim())
            .filter(|j| !j.is_empty())
            .collect::<Vec<_>>()
            .join("\n");
        if justification.chars().count() > 5000 {
            p.add("justification", "at most 5000 characters");
        }
        let owner = self.owner.trim().to_string();
        if owner.chars().count() > 200 {
            p.add("owner", "at most 200 characters");
        }
        let decides = applicable.is_some() || status.is_some() || !reasons.is_empty();
        let raw = self.control.trim();
        let candidates = control_candidates(raw);
        let control_id = candidates
            .iter()
            .find(|c| known(c) == Known::Control)
            .cloned();
        if control_id.is_none() {
            if raw.is_empty() {
                if decides {
                    p.add(
                        "control",
                        format!("no control: give the {FROM_NAME} control, such as A.5.1.1"),
                    );
                }
            } else if candidates.iter().any(|c| known(c) == Known::Heading) {
                if decides {
                    p.add(
                        "control",
                        format!(
                            "'{raw}' is a domain or a control objective of {FROM_NAME}, not a control: decide its controls (such as {}.1)",
                            shown(candidates.first().map(String::as_str).unwrap_or_default())
                        ),
                    );
                }
            } else {
                p.add(
                    "control",
                    format!("'{raw}' is not a control of {FROM_NAME}"),
                );
            }
        }
        if applicable.is_none() {
            applicable = match status {
                Some(Status::NotApplicable) => Some(false),
                Some(Status::Planned | Status::PartiallyImplemented | Status::Implemented) => {
                    Some(true)
                }
                _ => None,
            };
        }
        match (applicable, status) {
            (Some(true), Some(Status::NotApplicable)) => p.add(
                "status",
                "an applicable control cannot be 'not applicable': say how far it is implemented",
            ),
            (
                Some(false),
                Some(s @ (Status::Planned | Status::PartiallyImplemented | Status::Implemented)),
            ) => p.add(
                "status",
                format!(
                    "an excluded control is 'not applicable', not '{}'",
                    s.label()
                ),
            ),
            _ => {}
        }
        p.into_result()?;
        Ok(control_id.map(|control_id| Row2013 {
            control_id,
            applicable,
            justification,
            status,
            reasons,
            owner,
        }))
    }
}

/// Why a 2022 control needs a person's decision after the import.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Why {
    /// New in 2022: no 2013 control maps to it.
    #[serde(rename = "new_in_2022")]
    NewIn2022,
    /// The 2013 controls it merges answer differently.
    SourcesDisagree { answers: Vec<SourceAnswer> },
    /// 2013 controls that map to it are not in the file.
    NotInFile { missing: Vec<String> },
    /// 2013 controls that map to it are in the file without a decision.
    NoAnswer { sources: Vec<String> },
    /// Applicable, but the file gives no reason for inclusion (none is invented).
    ChooseReasons,
    /// Excluded, but the file gives no justification.
    JustifyExclusion,
}

/// What one 2013 control answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SourceAnswer {
    /// The 2013 control id (`5.1.1`).
    pub control_id: String,
    /// `None`: no decision in the file.
    pub applicable: Option<bool>,
}

impl Why {
    /// In words, for pages and the command line.
    pub fn text(&self) -> String {
        let list = |ids: &[String]| ids.iter().map(|i| shown(i)).collect::<Vec<_>>().join(", ");
        match self {
            Why::NewIn2022 => "new in ISO/IEC 27002:2022: no 2013 control maps to it".into(),
            Why::SourcesDisagree { answers } => format!(
                "the 2013 controls disagree: {}",
                answers
                    .iter()
                    .map(|a| format!(
                        "{} {}",
                        shown(&a.control_id),
                        match a.applicable {
                            Some(true) => "applicable",
                            Some(false) => "excluded",
                            None => "not decided",
                        }
                    ))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Why::NotInFile { missing } => format!("not in the file: {}", list(missing)),
            Why::NoAnswer { sources } => {
                format!("in the file without a decision: {}", list(sources))
            }
            Why::ChooseReasons => {
                "applicable, but the file gives no reason for inclusion: choose the reasons".into()
            }
            Why::JustifyExclusion => "excluded, but the file gives no justification".into(),
        }
    }
}

/// A 2022 control a person must still decide (or review), and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct NeedsDecision {
    pub control_id: String,
    pub why: Vec<Why>,
}

/// The decision proposed for one 2022 control, and the 2013 rows it comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposed {
    pub control_id: String,
    /// The 2013 controls in the file that map to it.
    pub sources: Vec<String>,
    pub draft: ApplicabilityDraft,
}

/// What the import proposes for the 2022 SoA.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Proposal {
    /// The decisions to write, in catalogue order.
    pub proposed: Vec<Proposed>,
    /// Controls decided in the live SoA, left as they are.
    pub kept: Vec<String>,
    /// Every control that needs a decision, in catalogue order.
    pub needs_decision: Vec<NeedsDecision>,
}

/// How far a status is: a merged control is only as far as the least advanced of its parts.
fn progress(s: Status) -> u8 {
    match s {
        Status::NotStarted | Status::NotApplicable => 0,
        Status::Planned => 1,
        Status::PartiallyImplemented => 2,
        Status::Implemented => 3,
    }
}

/// Proposes the 2022 decisions from checked 2013 rows.
///
/// - `controls` are the 2022 control ids in catalogue order; `pairs` the (2013, 2022)
///   correspondence; `decided` the 2022 controls already decided in the live SoA, kept as
///   they are unless `replace`.
/// - A control takes the applicability its 2013 sources agree on; when they disagree it stays
///   undecided. Their justifications are kept (each prefixed by its 2013 id when they differ),
///   their owner when they agree. Excluded: exclusion reason `other`, see the justification.
///   Applicable: the reasons the file gives, or none (a person chooses them; none is made up).
pub fn propose(
    rows: &[Row2013],
    pairs: &[(String, String)],
    controls: &[String],
    decided: &HashSet<String>,
    replace: bool,
) -> Proposal {
    let by_id: HashMap<&str, &Row2013> = rows.iter().map(|r| (r.control_id.as_str(), r)).collect();
    let mut sources_of: HashMap<&str, Vec<&str>> = HashMap::new();
    for (from, to) in pairs {
        sources_of
            .entry(to.as_str())
            .or_default()
            .push(from.as_str());
    }
    let mut out = Proposal::default();
    for c in controls {
        if decided.contains(c) && !replace {
            out.kept.push(c.clone());
            continue;
        }
        let sources = sources_of.get(c.as_str()).cloned().unwrap_or_default();
        let mut why = Vec::new();
        if sources.is_empty() {
            why.push(Why::NewIn2022);
        }
        let present: Vec<&Row2013> = sources
            .iter()
            .filter_map(|s| by_id.get(s).copied())
            .collect();
        let missing: Vec<String> = sources
            .iter()
            .filter(|s| !by_id.contains_key(*s))
            .map(|s| s.to_string())
            .collect();
        if !missing.is_empty() {
            why.push(Why::NotInFile { missing });
        }
        if !present.is_empty() {
            let unanswered: Vec<String> = present
                .iter()
                .filter(|r| r.applicable.is_none())
                .map(|r| r.control_id.clone())
                .collect();
            if !unanswered.is_empty() {
                why.push(Why::NoAnswer {
                    sources: unanswered,
                });
            }
            let mut answers: Vec<bool> = present.iter().filter_map(|r| r.applicable).collect();
            answers.sort();
            answers.dedup();
            let applicable = match answers.as_slice() {
                [one] => Some(*one),
                [] => None,
                _ => {
                    why.push(Why::SourcesDisagree {
                        answers: present
                            .iter()
                            .map(|r| SourceAnswer {
                                control_id: r.control_id.clone(),
                                applicable: r.applicable,
                            })
                            .collect(),
                    });
                    None
                }
            };
            let justification = kept_justification(&present);
            let mut owners: Vec<&str> = present
                .iter()
                .map(|r| r.owner.as_str())
                .filter(|o| !o.is_empty())
                .collect();
            owners.sort_unstable();
            owners.dedup();
            let owner = match owners.as_slice() {
                [one] => one.to_string(),
                _ => String::new(),
            };
            let draft = match applicable {
                Some(true) => {
                    let yes: Vec<&&Row2013> = present
                        .iter()
                        .filter(|r| r.applicable == Some(true))
                        .collect();
                    let reasons: Vec<Reason> = Reason::ALL
                        .iter()
                        .copied()
                        .filter(|x| yes.iter().any(|r| r.reasons.contains(x)))
                        .collect();
                    if reasons.is_empty() {
                        why.push(Why::ChooseReasons);
                    }
                    // The least advanced source: a 2022 control that merges several 2013
                    // controls is in place only as far as every part of it is, and an SoA
                    // that claims more than its weakest part would mislead an auditor. A
                    // source without a status counts as not started.
                    let status = yes
                        .iter()
                        .map(|r| r.status.unwrap_or(Status::NotStarted))
                        .min_by_key(|s| progress(*s))
                        .unwrap_or(Status::NotStarted);
                    ApplicabilityDraft {
                        applicable: Some(true),
                        reasons,
                        exclusion_reason: None,
                        justification,
                        status,
                        maturity: None,
                        owner,
                        target_date: None,
                    }
                }
                Some(false) => {
                    if justification.is_empty() {
                        why.push(Why::JustifyExclusion);
                    }
                    ApplicabilityDraft {
                        applicable: Some(false),
                        reasons: Vec::new(),
                        exclusion_reason: Some(ExclusionReason::Other),
                        justification,
                        status: Status::NotApplicable,
                        maturity: None,
                        owner,
                        target_date: None,
                    }
                }
                None => ApplicabilityDraft {
                    applicable: None,
                    reasons: Vec::new(),
                    exclusion_reason: None,
                    justification,
                    status: Status::NotStarted,
                    maturity: None,
                    owner,
                    target_date: None,
                },
            };
            // An undecided draft is written only when it carries something to decide with.
            if draft.applicable.is_some()
                || !draft.justification.is_empty()
                || !draft.owner.is_empty()
            {
                out.proposed.push(Proposed {
                    control_id: c.clone(),
                    sources: present.iter().map(|r| r.control_id.clone()).collect(),
                    draft,
                });
            }
        }
        if !why.is_empty() {
            out.needs_decision.push(NeedsDecision {
                control_id: c.clone(),
                why,
            });
        }
    }
    out
}

/// The justifications of the sources: one text when they say the same, otherwise each on its
/// own line after its 2013 id.
fn kept_justification(sources: &[&Row2013]) -> String {
    let given: Vec<&&Row2013> = sources
        .iter()
        .filter(|r| !r.justification.is_empty())
        .collect();
    let mut texts: Vec<&str> = given.iter().map(|r| r.justification.as_str()).collect();
    texts.dedup();
    match texts.as_slice() {
        [] => String::new(),
        [one] if given.iter().all(|r| r.justification == *one) => one.to_string(),
        _ => given
            .iter()
            .map(|r| format!("{}: {}", shown(&r.control_id), r.justification))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

#[derive(Debug, Clone, Default)]
pub struct SoaImportOptions {
    /// Check and report, write nothing.
    pub dry_run: bool,
    /// Overwrite the controls already decided in the live SoA (kept otherwise).
    pub replace: bool,
    /// The upload this import consumes (removed in the import's transaction).
    pub upload: Option<String>,
}

/// One 2022 control with a proposed decision.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Drafted {
    pub control_id: String,
    pub title: String,
    /// The 2013 controls of the file it comes from (`5.1.1`).
    pub sources: Vec<String>,
    /// The decision as written (or, in a dry run, as it would be).
    pub applicability: Applicability,
    /// create, update or unchanged
    pub change: String,
}

/// A 2022 control that needs a person's decision, and why.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ToDecide {
    pub control_id: String,
    pub title: String,
    pub why: Vec<Why>,
    /// `why` in words.
    pub reasons: Vec<String>,
}

/// What the import of a 2013 SoA did, or in a dry run would do.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SoaImportReport {
    pub dry_run: bool,
    pub replace: bool,
    /// 2013 controls read from the file.
    pub controls_read: usize,
    /// Rows read past: domains and control objectives (A.5, A.5.1), rows without a control.
    pub headings: Vec<usize>,
    /// Every 2022 control with a proposed decision, in catalogue order.
    pub drafts: Vec<Drafted>,
    /// 2022 controls already decided in the live SoA, left as they are.
    pub kept: Vec<String>,
    /// Every 2022 control that still needs a decision, in catalogue order.
    pub needs_decision: Vec<ToDecide>,
    pub summary: SoaImportSummary,
}

/// The report in numbers.
#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct SoaImportSummary {
    /// Drafts by decision.
    pub applicable: usize,
    pub excluded: usize,
    /// Drafts that carry justifications but no decision (their sources disagree).
    pub undecided: usize,
    /// Drafts by what writing them does.
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    pub kept: usize,
    pub needs_decision: usize,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str) -> Known {
        match id {
            "5.1.1" | "5.1.2" | "9.1.1" | "9.1.2" | "10.1.1" | "11.1.4" | "18.2.3" => {
                Known::Control
            }
            "5" | "5.1" | "9" | "9.1" => Known::Heading,
            _ => Known::Unknown,
        }
    }

    fn input(control: &str, applicable: &str, status: &str) -> Row2013Input {
        Row2013Input {
            control: control.into(),
            applicable: applicable.into(),
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn control_ids_are_read_as_people_and_excel_write_them() {
        for raw in [
            "A.5.1.1",
            "a.5.1.1",
            "A5.1.1",
            "A 5.1.1",
            "5.1.1",
            "5.1.1.",
            "A.5.1.1 Policies for information security",
            "A.5.1.1: Policies",
        ] {
            assert_eq!(
                control_candidates(raw).first().map(String::as_str),
                Some("5.1.1"),
                "{raw}"
            );
        }
        assert!(control_candidates("Policies").is_empty());
        assert!(control_candidates("5.1.1x").is_empty());
        // "10.1.1" read by Excel as 2010-01-01, shown as a date or as its serial.
        let r = input("2010-01-01", "yes", "")
            .parse(known)
            .unwrap()
            .unwrap();
        assert_eq!(r.control_id, "10.1.1");
        let r = input("40547", "yes", "").parse(known).unwrap().unwrap();
        assert_eq!(r.control_id, "11.1.4");
        // Day.month.year: "5.1.1" as 5 January 2001.
        let r = input("2001-01-05", "yes", "")
            .parse(known)
            .unwrap()
            .unwrap();
        assert_eq!(r.control_id, "5.1.1");
    }

    #[test]
    fn rows_are_checked_and_headings_read_past() {
        let e = input("A.19.1", "yes", "").parse(known).unwrap_err();
        assert_eq!(e.fields()[0].field, "control");
        assert_eq!(
            e.fields()[0].message,
            "'A.19.1' is not a control of ISO/IEC 27002:2013"
        );
        assert_eq!(input("A.5.1", "", "").parse(known).unwrap(), None);
        assert_eq!(input("A.5", "", "").parse(known).unwrap(), None);
        assert_eq!(input("", "", "").parse(known).unwrap(), None);
        let e = input("A.5.1", "yes", "").parse(known).unwrap_err();
        assert!(e.fields()[0].message.contains("control objective"), "{e}");
        let e = input("", "yes", "").parse(known).unwrap_err();
        assert_eq!(e.fields()[0].field, "control");
        let e = input("5.1.1", "maybe", "sort of").parse(known).unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["applicable", "status"]);
        let e = input("5.1.1", "no", "implemented")
            .parse(known)
            .unwrap_err();
        assert_eq!(e.fields()[0].field, "status");
        let e = input("5.1.1", "yes", "N/A").parse(known).unwrap_err();
        assert_eq!(e.fields()[0].field, "status");
        // A status says whether the control applies when the file does not.
        let r = input("5.1.1", "", "Not applicable")
            .parse(known)
            .unwrap()
            .unwrap();
        assert_eq!(r.applicable, Some(false));
        let r = input("5.1.1", "", "In progress")
            .parse(known)
            .unwrap()
            .unwrap();
        assert_eq!(
            (r.applicable, r.status),
            (Some(true), Some(Status::PartiallyImplemented))
        );
        let r = input("5.1.1", "Yes ", "").parse(known).unwrap().unwrap();
        assert_eq!((r.applicable, r.status), (Some(true), None));
    }

    #[test]
    fn reasons_come_from_words_abbreviations_and_ticks() {
        assert_eq!(
            parse_reasons("Risk assessment, Legal/regulatory").unwrap(),
            [Reason::RiskTreatment, Reason::Legal]
        );
        assert_eq!(
            parse_reasons("LR; CO; BR/BP; RRA").unwrap(),
            [
                Reason::Legal,
                Reason::Contractual,
                Reason::Business,
                Reason::BestPractice,
                Reason::RiskTreatment
            ]
        );
        assert_eq!(
            parse_reasons("contractual and business requirements").unwrap(),
            [Reason::Contractual, Reason::Business]
        );
        assert_eq!(
            parse_reasons("good practice").unwrap(),
            [Reason::BestPractice]
        );
        assert!(parse_reasons("because").unwrap_err().contains("'because'"));
        let mut row = input("5.1.1", "yes", "");
        row.ticks = vec![
            ("reason_legal", "X".into()),
            ("reason_risk", "Χ".into()),
            ("reason_business", "".into()),
        ];
        let r = row.parse(known).unwrap().unwrap();
        assert_eq!(r.reasons, [Reason::Legal, Reason::RiskTreatment]);
        row.ticks = vec![
            ("reason_legal", "no".into()),
            ("reason_risk", "R-07".into()),
        ];
        let r = row.parse(known).unwrap().unwrap();
        assert_eq!(r.reasons, [Reason::RiskTreatment]);
    }

    #[test]
    fn statuses_and_applicability_read_the_usual_words() {
        assert_eq!(
            parse_status("Partially Implemented").unwrap(),
            Some(Status::PartiallyImplemented)
        );
        assert_eq!(
            parse_status("not implemented").unwrap(),
            Some(Status::NotStarted)
        );
        assert_eq!(
            parse_status("Not started").unwrap(),
            Some(Status::NotStarted)
        );
        assert_eq!(parse_status("done").unwrap(), Some(Status::Implemented));
        assert_eq!(parse_status("planned").unwrap(), Some(Status::Planned));
        assert_eq!(parse_status("N/A").unwrap(), Some(Status::NotApplicable));
        assert_eq!(parse_status("").unwrap(), None);
        assert_eq!(parse_applicable("Applicable").unwrap(), Some(true));
        assert_eq!(parse_applicable("Excluded").unwrap(), Some(false));
        assert_eq!(parse_applicable("N/A").unwrap(), Some(false));
        assert_eq!(parse_applicable(" yes ").unwrap(), Some(true));
    }

    fn row(id: &str, applicable: Option<bool>, status: Option<Status>, just: &str) -> Row2013 {
        Row2013 {
            control_id: id.into(),
            applicable,
            justification: just.into(),
            status,
            reasons: Vec::new(),
            owner: String::new(),
        }
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn merged_controls_agree_or_are_left_to_decide() {
        let pairs = pairs(&[
            ("5.1.1", "5.1"),
            ("5.1.2", "5.1"),
            ("9.1.1", "5.15"),
            ("9.1.2", "5.15"),
            ("18.2.3", "8.8"),
            ("18.2.3", "5.36"),
            ("6.1.5", "5.8"),
            ("14.1.1", "5.8"),
        ]);
        let controls: Vec<String> = ["5.1", "5.7", "5.8", "5.15", "5.36", "8.8"]
            .map(String::from)
            .to_vec();
        let mut a = row(
            "5.1.1",
            Some(true),
            Some(Status::Implemented),
            "We need policies.",
        );
        a.reasons = vec![Reason::Legal];
        a.owner = "ciso@example.org".into();
        let mut b = row(
            "5.1.2",
            Some(true),
            Some(Status::Planned),
            "We need policies.",
        );
        b.reasons = vec![Reason::RiskTreatment];
        b.owner = "ciso@example.org".into();
        let rows = vec![
            a,
            b,
            row(
                "9.1.1",
                Some(true),
                Some(Status::Implemented),
                "Access matters.",
            ),
            row("9.1.2", Some(false), None, "No networks."),
            row("18.2.3", Some(false), None, ""),
        ];
        let p = propose(&rows, &pairs, &controls, &HashSet::new(), false);
        let get = |id: &str| p.proposed.iter().find(|x| x.control_id == id);
        let d = &get("5.1").unwrap().draft;
        assert_eq!(d.applicable, Some(true));
        assert_eq!(d.reasons, [Reason::RiskTreatment, Reason::Legal]);
        assert_eq!(d.status, Status::Planned, "the least advanced source");
        assert_eq!(d.justification, "We need policies.", "one text, said once");
        assert_eq!(d.owner, "ciso@example.org");
        let d = &get("5.15").unwrap().draft;
        assert_eq!(d.applicable, None, "the sources disagree");
        assert_eq!(
            d.justification,
            "A.9.1.1: Access matters.\nA.9.1.2: No networks."
        );
        let d = &get("8.8").unwrap().draft;
        assert_eq!(
            (d.applicable, d.exclusion_reason, d.status),
            (
                Some(false),
                Some(ExclusionReason::Other),
                Status::NotApplicable
            )
        );
        assert!(get("5.7").is_none() && get("5.8").is_none());
        let why = |id: &str| {
            p.needs_decision
                .iter()
                .find(|n| n.control_id == id)
                .map(|n| n.why.clone())
                .unwrap_or_default()
        };
        assert!(why("5.1").is_empty());
        assert_eq!(why("5.7"), [Why::NewIn2022]);
        assert_eq!(
            why("5.8"),
            [Why::NotInFile {
                missing: vec!["6.1.5".into(), "14.1.1".into()]
            }]
        );
        assert_eq!(
            why("5.15"),
            [Why::SourcesDisagree {
                answers: vec![
                    SourceAnswer {
                        control_id: "9.1.1".into(),
                        applicable: Some(true)
                    },
                    SourceAnswer {
                        control_id: "9.1.2".into(),
                        applicable: Some(false)
                    }
                ]
            }]
        );
        assert_eq!(why("5.36"), [Why::JustifyExclusion]);
        assert!(
            why("5.15")[0]
                .text()
                .contains("A.9.1.1 applicable, A.9.1.2 excluded")
        );

        // Applicable without a reason: still applicable, the reasons left to choose.
        let rows = vec![
            row("9.1.1", Some(true), None, ""),
            row("9.1.2", Some(true), Some(Status::Implemented), ""),
        ];
        let p = propose(&rows, &pairs, &controls, &HashSet::new(), false);
        let d = &p
            .proposed
            .iter()
            .find(|x| x.control_id == "5.15")
            .unwrap()
            .draft;
        assert_eq!((d.applicable, d.status), (Some(true), Status::NotStarted));
        assert!(d.reasons.is_empty());
        assert!(
            p.needs_decision
                .iter()
                .any(|n| n.control_id == "5.15" && n.why == [Why::ChooseReasons])
        );

        // Decided controls are kept unless replaced.
        let decided: HashSet<String> = ["5.15".to_string()].into();
        let p = propose(&rows, &pairs, &controls, &decided, false);
        assert_eq!(p.kept, ["5.15"]);
        assert!(p.proposed.iter().all(|x| x.control_id != "5.15"));
        let p = propose(&rows, &pairs, &controls, &decided, true);
        assert!(p.kept.is_empty());
        assert!(p.proposed.iter().any(|x| x.control_id == "5.15"));
    }
}
