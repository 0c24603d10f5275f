//! A row of a Statement of Applicability of ISO/IEC 27002:2022 read from a spreadsheet —
//! Annex's own export, or one a consultant or another tool made: the control in any usual
//! spelling (`5.1`, `A.5.1`, `A.5.1 Policies …`), applicability, reasons and statuses in the
//! words SoAs use (and tick columns), exclusion reason, justification, maturity, owner and
//! target date. What a word cannot say is kept: a status written with more words than a
//! status keeps the whole text beside the justification.

use super::domain::{ApplicabilityDraft, ExclusionReason, MATURITY, Status};
use super::migrate::domain::{
    TICKS, control_candidates, is_ticked, parse_applicable, parse_reasons, parse_status_with_rest,
};
use crate::domain::input::parse_date;
use crate::error::{Error, Problems};

/// What the catalogues say an id in a control cell is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolved {
    /// A control of 2022, by its id as the catalogue writes it.
    Control(String),
    /// A theme (5, 6, 7, 8): a heading in an SoA, not a control.
    Heading,
    /// A control of the 2013 edition (three numbers).
    Of2013,
    Unknown,
}

/// The 2022 catalogue's name, in messages.
pub const EDITION_2022: &str = "ISO/IEC 27002:2022";

/// A row as typed: one cell per field, empty where the file has no column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RowInput {
    pub control: String,
    pub applicable: String,
    /// Reasons for inclusion in words, keys or labels.
    pub reasons: String,
    /// Tick columns, by the field keys of `TICKS`.
    pub ticks: Vec<(&'static str, String)>,
    pub exclusion_reason: String,
    pub justification: String,
    /// A separate "justification for exclusion" column, when the file has one.
    pub exclusion_justification: String,
    pub status: String,
    pub maturity: String,
    pub owner: String,
    pub target_date: String,
}

impl RowInput {
    /// Sets a field by its key (the import's column plan); unknown keys are ignored.
    pub fn set(&mut self, field: &'static str, value: String) {
        match field {
            "control" => self.control = value,
            "applicable" => self.applicable = value,
            "reasons" => self.reasons = value,
            "exclusion_reason" => self.exclusion_reason = value,
            "justification" => self.justification = value,
            "exclusion_justification" => self.exclusion_justification = value,
            "status" => self.status = value,
            "maturity" => self.maturity = value,
            "owner" => self.owner = value,
            "target_date" => self.target_date = value,
            tick if TICKS.iter().any(|(k, _)| *k == tick) => self.ticks.push((tick, value)),
            _ => {}
        }
    }
}

/// Words a file may use for "not decided yet".
fn undecided(raw: &str) -> bool {
    matches!(
        raw.trim().to_lowercase().as_str(),
        "undecided" | "not decided" | "to be decided" | "tbd" | "?" | "open"
    )
}

/// A maturity as SoAs write it: 0 to 5, "3 - defined", "Level 3", or the first word of one of
/// Annex's levels ("defined").
fn parse_maturity(raw: &str) -> Result<Option<i64>, String> {
    let t = raw.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let lower = t.to_lowercase();
    let digits = lower
        .trim_start_matches("level")
        .trim_start_matches("cmm")
        .trim_start_matches(['l', ' ', ':'])
        .trim();
    let number: String = digits.chars().take_while(|c| c.is_ascii_digit()).collect();
    let whole = digits[number.len()..].trim_start_matches(".0").trim();
    if !number.is_empty()
        && (whole.is_empty() || whole.starts_with(|c: char| !c.is_ascii_digit()))
        && let Ok(m) = number.parse::<i64>()
        && (0..=5).contains(&m)
    {
        return Ok(Some(m));
    }
    MATURITY
        .iter()
        .find(|(_, label)| label.split(':').next().is_some_and(|w| w == lower))
        .map(|(m, _)| Some(*m))
        .ok_or_else(|| format!("'{t}' is not a maturity: use 0 to 5"))
}

impl RowInput {
    /// Checks a row: `Ok(None)` is a heading (a theme, or a row that names no control and
    /// decides nothing), read past. `resolve` says what an id is in the catalogues.
    /// Applicability follows from a status when the file does not say it (not applicable:
    /// excluded; planned or further: applicable).
    pub fn parse(
        &self,
        resolve: impl Fn(&str) -> Resolved,
    ) -> Result<Option<(String, ApplicabilityDraft)>, Error> {
        let mut p = Problems::new();
        let mut applicable = if undecided(&self.applicable) {
            None
        } else {
            p.take("applicable", parse_applicable(&self.applicable))
                .flatten()
        };
        let (status, status_text) = p
            .take("status", parse_status_with_rest(&self.status))
            .unwrap_or((None, None));
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
        // An exclusion reason in other words than ours is "another reason", its words kept.
        let (exclusion_reason, exclusion_words) = match self.exclusion_reason.trim() {
            "" => (None, None),
            raw => match ExclusionReason::parse(raw) {
                Ok(e) => (Some(e), None),
                Err(_) => (Some(ExclusionReason::Other), Some(raw.to_string())),
            },
        };
        let mut kept: Vec<String> = Vec::new();
        for j in [&self.justification, &self.exclusion_justification] {
            if !j.trim().is_empty() {
                kept.push(j.trim().to_string());
            }
        }
        if let Some(w) = exclusion_words {
            kept.push(format!("Reason for exclusion as written: {w}"));
        }
        if let Some(t) = status_text {
            kept.push(format!("Implementation status as written: {t}"));
        }
        let justification = kept.join("\n");
        if justification.chars().count() > 5000 {
            p.add("justification", "at most 5000 characters");
        }
        let maturity = p.take("maturity", parse_maturity(&self.maturity)).flatten();
        let owner = self.owner.trim().to_string();
        if owner.chars().count() > 200 {
            p.add("owner", "at most 200 characters");
        }
        let target_date = match self.target_date.trim() {
            "" => None,
            raw => p.take("target_date", parse_date(raw)),
        };
        let decides = applicable.is_some()
            || status.is_some()
            || !reasons.is_empty()
            || exclusion_reason.is_some();

        let raw = self.control.trim();
        let mut control_id = None;
        let mut heading = false;
        let mut of_2013 = false;
        for c in control_candidates(raw) {
            match resolve(&c) {
                Resolved::Control(id) => {
                    control_id = Some(id);
                    break;
                }
                Resolved::Heading => heading = true,
                Resolved::Of2013 => of_2013 = true,
                Resolved::Unknown => {}
            }
        }
        if control_id.is_none() {
            if raw.is_empty() || heading {
                if decides {
                    p.add(
                        "control",
                        if raw.is_empty() {
                            format!("no control: give the {EDITION_2022} control, such as 5.1")
                        } else {
                            format!(
                                "'{raw}' is a theme of {EDITION_2022}, not a control: decide its controls (such as {raw}.1)"
                            )
                        },
                    );
                }
            } else if of_2013 {
                p.add(
                    "control",
                    format!(
                        "'{raw}' is a control of ISO/IEC 27002:2013, not of {EDITION_2022}: import a 2013 SoA as a whole (annex soa import finds the edition, or give --edition 2013)"
                    ),
                );
            } else {
                p.add(
                    "control",
                    format!("'{raw}' is not a control of {EDITION_2022}"),
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
        let status = match (applicable, status) {
            (Some(true), Some(Status::NotApplicable)) => {
                p.add(
                    "status",
                    "an applicable control cannot be 'not applicable': say how far it is implemented",
                );
                Status::NotStarted
            }
            (
                Some(false),
                Some(s @ (Status::Planned | Status::PartiallyImplemented | Status::Implemented)),
            ) => {
                p.add(
                    "status",
                    format!(
                        "an excluded control is 'not applicable', not '{}'",
                        s.label()
                    ),
                );
                Status::NotApplicable
            }
            (Some(false), _) => Status::NotApplicable,
            (None, Some(s)) if s != Status::NotStarted => {
                p.add(
                    "applicable",
                    format!(
                        "decide whether the control applies before marking it '{}'",
                        s.label()
                    ),
                );
                Status::NotStarted
            }
            (_, s) => s.unwrap_or(Status::NotStarted),
        };
        if applicable != Some(false) && exclusion_reason.is_some() {
            p.add(
                "exclusion_reason",
                "only an excluded control has an exclusion reason: say 'no' under applicable, or leave the reason out",
            );
        }
        p.into_result()?;
        Ok(control_id.map(|id| {
            (
                id,
                ApplicabilityDraft {
                    applicable,
                    reasons: if applicable == Some(true) {
                        reasons
                    } else {
                        Vec::new()
                    },
                    exclusion_reason: if applicable == Some(false) {
                        exclusion_reason
                    } else {
                        None
                    },
                    justification,
                    status,
                    maturity,
                    owner,
                    target_date,
                },
            )
        }))
    }
}

/// The edition of ISO/IEC 27002 a Statement of Applicability is written against.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Edition {
    E2013,
    E2022,
}

impl Edition {
    pub fn parse(raw: &str) -> std::result::Result<Edition, String> {
        match raw.trim() {
            "2013" => Ok(Edition::E2013),
            "2022" => Ok(Edition::E2022),
            other => Err(format!("'{other}' is not an edition: use 2013 or 2022")),
        }
    }
}

/// Whether an id looks like a 2013 control (`A.12.4.1`, three numbers, or a date Excel made of
/// one) or a 2022 one (`A.8.13`, two numbers, the first 5 to 8).
pub fn looks_like(cell: &str) -> Option<Edition> {
    let token = super::migrate::domain::id_token(cell)?;
    let parts: Vec<&str> = token.split('.').collect();
    let n = |i: usize| parts.get(i).and_then(|p| p.parse::<u32>().ok());
    match (parts.len(), n(0), n(1)) {
        (3, Some(_), Some(_)) => Some(Edition::E2013),
        (2, Some(5..=8), Some(1..=37)) => Some(Edition::E2022),
        _ => None,
    }
}

/// What the catalogues say an id is, for a row of a 2022 SoA.
pub fn resolver(catalog: &crate::domain::catalog::Catalog) -> impl Fn(&str) -> Resolved + use<'_> {
    move |id: &str| {
        if let Some(c) = catalog.controls.iter().find(|c| c.id == id) {
            Resolved::Control(c.id.clone())
        } else if catalog.groups.iter().any(|g| g.id == id) {
            Resolved::Heading
        } else if looks_like(id) == Some(Edition::E2013) {
            Resolved::Of2013
        } else {
            Resolved::Unknown
        }
    }
}

/// The catalogue's name, for messages.
pub fn edition_name(e: Edition) -> &'static str {
    match e {
        Edition::E2013 => super::migrate::domain::FROM_NAME,
        Edition::E2022 => EDITION_2022,
    }
}

#[cfg(test)]
mod tests {
    use super::super::domain::Reason;
    use super::*;

    fn resolve(id: &str) -> Resolved {
        match id {
            "5.1" | "5.10" | "8.13" | "5.23" => Resolved::Control(id.to_string()),
            "5" | "8" => Resolved::Heading,
            "12.4.1" => Resolved::Of2013,
            _ => Resolved::Unknown,
        }
    }

    fn row(control: &str, applicable: &str, status: &str) -> RowInput {
        RowInput {
            control: control.into(),
            applicable: applicable.into(),
            status: status.into(),
            ..Default::default()
        }
    }

    #[test]
    fn our_own_words_read_back_as_written() {
        let mut r = row("8.13", "yes", "partially implemented");
        r.reasons = "risk treatment, legal or regulatory requirement".into();
        r.maturity = "3".into();
        r.owner = "anna@example.com".into();
        r.target_date = "2027-01-31".into();
        let (id, d) = r.parse(resolve).unwrap().unwrap();
        assert_eq!(id, "8.13");
        assert_eq!(d.reasons, [Reason::RiskTreatment, Reason::Legal]);
        assert_eq!(d.status, Status::PartiallyImplemented);
        assert_eq!(
            (d.maturity, d.target_date.as_deref()),
            (Some(3), Some("2027-01-31"))
        );

        let mut x = row("5.23", "no", "");
        x.exclusion_reason = "done entirely by a supplier".into();
        x.justification = "Η φιλοξενία γίνεται από τον πάροχο.".into();
        let (_, d) = x.parse(resolve).unwrap().unwrap();
        assert_eq!(d.exclusion_reason, Some(ExclusionReason::Outsourced));
        assert_eq!(d.status, Status::NotApplicable);
        assert_eq!(d.justification, "Η φιλοξενία γίνεται από τον πάροχο.");

        let (_, d) = row("5.1", "undecided", "").parse(resolve).unwrap().unwrap();
        assert_eq!(d.applicable, None);
    }

    #[test]
    fn other_files_words_are_read_and_what_they_add_is_kept() {
        let (id, d) = row("A.5.10 Acceptable use", "Ano", "Implemented (Documented)")
            .parse(resolve)
            .unwrap()
            .unwrap();
        assert_eq!(id, "5.10");
        assert_eq!(d.applicable, Some(true));
        assert_eq!(d.status, Status::Implemented);
        assert_eq!(
            d.justification,
            "Implementation status as written: Implemented (Documented)"
        );
        let (_, d) = row("5.1", "Ja", "Teilweise umgesetzt")
            .parse(resolve)
            .unwrap()
            .unwrap();
        assert_eq!(d.status, Status::PartiallyImplemented);
        let (_, d) = row("5.1", "Yes", "Gap — Not Addressed")
            .parse(resolve)
            .unwrap()
            .unwrap();
        assert_eq!(d.status, Status::NotStarted);
        assert!(d.justification.ends_with("Gap — Not Addressed"));
        // Applicability from the status alone.
        let (_, d) = row("8.13", "", "N/A").parse(resolve).unwrap().unwrap();
        assert_eq!(d.applicable, Some(false));
        let mut m = row("8.13", "yes", "");
        m.maturity = "Level 4".into();
        m.reasons = "RRA / LR".into();
        let (_, d) = m.parse(resolve).unwrap().unwrap();
        assert_eq!(d.maturity, Some(4));
        assert_eq!(d.reasons, [Reason::RiskTreatment, Reason::Legal]);
    }

    #[test]
    fn headings_are_read_past_and_wrong_controls_named() {
        assert_eq!(row("8", "", "").parse(resolve).unwrap(), None);
        assert_eq!(row("", "", "").parse(resolve).unwrap(), None);
        let fields = |r: RowInput| -> Vec<String> {
            r.parse(resolve)
                .unwrap_err()
                .fields()
                .iter()
                .map(|f| format!("{}: {}", f.field, f.message))
                .collect()
        };
        let e = fields(row("A.12.4.1", "yes", ""));
        assert!(e[0].contains("ISO/IEC 27002:2013"), "{e:?}");
        let e = fields(row("9.9", "yes", ""));
        assert_eq!(e, ["control: '9.9' is not a control of ISO/IEC 27002:2022"]);
        let e = fields(row("8", "yes", ""));
        assert!(e[0].contains("is a theme"), "{e:?}");
        let e = fields(row("8.13", "yes", "not applicable"));
        assert!(e[0].starts_with("status:"), "{e:?}");
        let mut m = row("8.13", "yes", "");
        m.maturity = "7".into();
        assert_eq!(fields(m), ["maturity: '7' is not a maturity: use 0 to 5"]);
    }
}
