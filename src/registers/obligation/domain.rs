//! Obligations (27002 5.31–5.34, 27001 4.2): the legal, regulatory and contractual
//! requirements the organisation is bound by, and what they mean for the Statement of
//! Applicability — a control linked to an applicable obligation is in it for that reason,
//! named; a reason typed without an obligation behind it is worth a second look.

use crate::domain::catalog::ControlRef;
use crate::domain::input::bounded;
use crate::error::{Error, Problems};
use crate::registers::soa::domain::Reason;
use serde::{Deserialize, Serialize};

crate::domain::words::words_enum!(
    /// Where an obligation comes from.
    ObligationKind,
    "a kind of obligation",
    [
        (Legal, "legal", "legal"),
        (Regulatory, "regulatory", "regulatory"),
        (Contractual, "contractual", "contractual"),
    ]
);

impl ObligationKind {
    /// The reason for inclusion an obligation of this kind gives the controls linked to it.
    pub fn reason(self) -> Reason {
        match self {
            ObligationKind::Legal | ObligationKind::Regulatory => Reason::Legal,
            ObligationKind::Contractual => Reason::Contractual,
        }
    }
}

/// An obligation Annex ships, by name and reference only (facts), switched off until the
/// organisation says it applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Starter {
    pub key: &'static str,
    pub title: &'static str,
    pub reference: &'static str,
    pub jurisdiction: &'static str,
    pub kind: ObligationKind,
    pub url: &'static str,
}

/// The starter list: common obligations of organisations that run an ISMS.
pub fn starters() -> Vec<Starter> {
    let s = |key, title, reference, jurisdiction, kind, url| Starter {
        key,
        title,
        reference,
        jurisdiction,
        kind,
        url,
    };
    use ObligationKind::{Contractual, Legal};
    vec![
        s(
            "gdpr",
            "General Data Protection Regulation (GDPR)",
            "Regulation (EU) 2016/679",
            "EU",
            Legal,
            "https://eur-lex.europa.eu/eli/reg/2016/679/oj",
        ),
        s(
            "nis2",
            "NIS2 Directive",
            "Directive (EU) 2022/2555",
            "EU",
            Legal,
            "https://eur-lex.europa.eu/eli/dir/2022/2555/oj",
        ),
        s(
            "dora",
            "Digital Operational Resilience Act (DORA)",
            "Regulation (EU) 2022/2554",
            "EU",
            Legal,
            "https://eur-lex.europa.eu/eli/reg/2022/2554/oj",
        ),
        s(
            "cra",
            "Cyber Resilience Act",
            "Regulation (EU) 2024/2847",
            "EU",
            Legal,
            "https://eur-lex.europa.eu/eli/reg/2024/2847/oj",
        ),
        s(
            "ai_act",
            "Artificial Intelligence Act",
            "Regulation (EU) 2024/1689",
            "EU",
            Legal,
            "https://eur-lex.europa.eu/eli/reg/2024/1689/oj",
        ),
        s(
            "eprivacy",
            "ePrivacy Directive",
            "Directive 2002/58/EC",
            "EU",
            Legal,
            "https://eur-lex.europa.eu/eli/dir/2002/58/oj",
        ),
        s(
            "uk_dpa",
            "UK GDPR and the Data Protection Act 2018",
            "Data Protection Act 2018 c. 12",
            "United Kingdom",
            Legal,
            "https://www.legislation.gov.uk/ukpga/2018/12/contents",
        ),
        s(
            "hipaa",
            "HIPAA Security Rule",
            "45 CFR Part 164, Subpart C",
            "United States",
            Legal,
            "https://www.ecfr.gov/current/title-45/subtitle-A/subchapter-C/part-164/subpart-C",
        ),
        s(
            "ccpa",
            "California Consumer Privacy Act",
            "Cal. Civ. Code § 1798.100 et seq.",
            "California, United States",
            Legal,
            "https://leginfo.legislature.ca.gov/faces/codes_displayText.xhtml?division=3.&part=4.&lawCode=CIV&title=1.81.5",
        ),
        s(
            "pci_dss",
            "Payment Card Industry Data Security Standard (PCI DSS)",
            "PCI DSS v4.0.1",
            "card schemes (by contract)",
            Contractual,
            "https://www.pcisecuritystandards.org/",
        ),
    ]
}

crate::domain::words::words_enum!(
    /// How far the organisation meets an obligation.
    Compliance,
    "a compliance status",
    [
        (NotAssessed, "not_assessed", "not assessed"),
        (Compliant, "compliant", "compliant"),
        (PartiallyCompliant, "partially_compliant", "partially compliant"),
        (NonCompliant, "non_compliant", "not compliant"),
    ]
);

/// An obligation is reviewed every this many months.
pub const REVIEW_MONTHS: i64 = 12;

/// An obligation as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Obligation {
    pub id: String,
    pub title: String,
    pub kind: ObligationKind,
    /// The law's or contract's reference (`Regulation (EU) 2016/679`, a contract number).
    pub reference: String,
    pub url: String,
    pub jurisdiction: String,
    /// What it asks of the organisation, in the organisation's words.
    pub summary: String,
    pub owner: String,
    /// Whether it binds the organisation; obligations of the starter list begin as not.
    pub applicable: bool,
    pub applicability_note: String,
    pub compliance: Compliance,
    /// For a contract: the customer or supplier it is with.
    pub counterparty: String,
    /// For a contract with a supplier of the register: its id.
    pub supplier: Option<String>,
    pub reviewed_on: Option<String>,
    /// A year after the last review; none when never reviewed.
    pub review_due: Option<String>,
    /// The key of the starter it was added from.
    pub starter: Option<String>,
    /// The controls that satisfy it.
    pub controls: Vec<ControlRef>,
    /// Evidence items of its compliance (ids).
    pub evidence: Vec<String>,
    pub updated_at: String,
    pub revision: i64,
}

impl Obligation {
    /// The reason for inclusion it gives its controls.
    pub fn reason(&self) -> Reason {
        self.kind.reason()
    }

    /// Whether its review is due on `today` (applicable ones only).
    pub fn review_is_due(&self, today: &str) -> bool {
        self.applicable && self.review_due.as_deref().is_none_or(|d| d <= today)
    }
}

/// An obligation as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ObligationInput {
    /// Its id (OB-0001 … when absent); an import keeps the ids of its file.
    #[schema(max_length = 40)]
    pub id: Option<String>,
    /// A key of the starter list (`gdpr`, `nis2`, …): its title, kind, reference,
    /// jurisdiction and source fill what is left empty.
    #[schema(max_length = 40)]
    pub starter: String,
    #[schema(max_length = 300)]
    pub title: String,
    /// legal, regulatory or contractual.
    pub kind: String,
    #[schema(max_length = 300)]
    pub reference: String,
    /// Where it is published (http or https).
    #[schema(max_length = 500)]
    pub url: String,
    #[schema(max_length = 200)]
    pub jurisdiction: String,
    #[schema(max_length = 5000)]
    pub summary: String,
    /// Who answers for it (an e-mail address).
    #[schema(max_length = 200)]
    pub owner: String,
    pub applicable: bool,
    #[schema(max_length = 2000)]
    pub applicability_note: String,
    /// not assessed (the default), compliant, partially compliant or not compliant.
    pub compliance: String,
    #[schema(max_length = 200)]
    pub counterparty: String,
    /// A supplier's id, for a contract with a supplier of the register.
    #[schema(max_length = 40)]
    pub supplier: String,
    /// `YYYY-MM-DD` of the last review, or empty.
    pub reviewed_on: String,
    /// The controls that satisfy it: `5.31, 5.34` (a list or comma-separated).
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub controls: String,
    /// Evidence items (ids) of its compliance.
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub evidence: String,
}

/// A checked obligation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObligationDraft {
    pub id: Option<String>,
    pub starter: Option<String>,
    pub title: String,
    pub kind: ObligationKind,
    pub reference: String,
    pub url: String,
    pub jurisdiction: String,
    pub summary: String,
    pub owner: String,
    pub applicable: bool,
    pub applicability_note: String,
    pub compliance: Compliance,
    pub counterparty: String,
    pub supplier: Option<String>,
    pub reviewed_on: Option<String>,
    pub controls: Vec<ControlRef>,
    pub evidence: Vec<String>,
}

impl ObligationInput {
    /// Checks the obligation; a starter fills what is left empty; `today` bounds the review.
    pub fn parse(&self, today: &str) -> Result<ObligationDraft, Error> {
        let mut p = Problems::new();
        let id = crate::domain::input::record_id(&mut p, "id", self.id.as_deref().unwrap_or(""));
        let starter = match self.starter.trim() {
            "" => None,
            key => match starters().into_iter().find(|s| s.key == key) {
                Some(s) => Some(s),
                None => {
                    let keys: Vec<&str> = starters().iter().map(|s| s.key).collect();
                    p.add(
                        "starter",
                        format!(
                            "'{key}' is not on the starter list: use {}",
                            keys.join(", ")
                        ),
                    );
                    None
                }
            },
        };
        let or = |typed: &str, from: Option<&str>| match (typed.trim(), from) {
            ("", Some(f)) => f.to_string(),
            (t, _) => t.to_string(),
        };
        let title = bounded(
            &mut p,
            "title",
            &or(&self.title, starter.as_ref().map(|s| s.title)),
            300,
        );
        if title.is_empty() {
            p.add("title", "name the law, regulation or contract");
        }
        let kind = match (self.kind.trim(), &starter) {
            ("", Some(s)) => Some(s.kind),
            ("", None) => {
                p.add("kind", "legal, regulatory or contractual");
                None
            }
            (raw, _) => p.take("kind", ObligationKind::parse(raw)),
        };
        let reference = bounded(
            &mut p,
            "reference",
            &or(&self.reference, starter.as_ref().map(|s| s.reference)),
            300,
        );
        let url = bounded(
            &mut p,
            "url",
            &or(&self.url, starter.as_ref().map(|s| s.url)),
            500,
        );
        if !(url.is_empty() || url.starts_with("https://") || url.starts_with("http://")) {
            p.add(
                "url",
                format!("'{url}' is not a web address (http or https)"),
            );
        }
        let jurisdiction = bounded(
            &mut p,
            "jurisdiction",
            &or(&self.jurisdiction, starter.as_ref().map(|s| s.jurisdiction)),
            200,
        );
        let summary = bounded(&mut p, "summary", &self.summary, 5000);
        let owner = bounded(&mut p, "owner", &self.owner, 200).to_lowercase();
        if !owner.is_empty() && !owner.contains('@') {
            p.add("owner", format!("'{owner}' is not an e-mail address"));
        }
        let applicability_note =
            bounded(&mut p, "applicability_note", &self.applicability_note, 2000);
        let compliance = match self.compliance.trim() {
            "" => Compliance::NotAssessed,
            raw => p
                .take("compliance", Compliance::parse(raw))
                .unwrap_or(Compliance::NotAssessed),
        };
        let counterparty = bounded(&mut p, "counterparty", &self.counterparty, 200);
        let supplier = crate::domain::input::record_id(&mut p, "supplier", &self.supplier);
        let reviewed_on = match self.reviewed_on.trim() {
            "" => None,
            t => p.take("reviewed_on", crate::domain::input::parse_date(t)),
        };
        if reviewed_on.as_deref().is_some_and(|d| d > today) {
            p.add(
                "reviewed_on",
                "a day to come: record a review once it is done",
            );
        }
        let controls = crate::domain::catalog::parse_control_refs(&self.controls);
        if controls.len() > 200 {
            p.add("controls", "at most 200");
        }
        let evidence = crate::domain::input::ids(&mut p, "evidence", &self.evidence, "an evidence");
        p.into_result()?;
        Ok(ObligationDraft {
            id,
            starter: starter.map(|s| s.key.to_string()),
            title,
            kind: kind.unwrap_or(ObligationKind::Legal),
            reference,
            url,
            jurisdiction,
            summary,
            owner,
            applicable: self.applicable,
            applicability_note,
            compliance,
            counterparty,
            supplier,
            reviewed_on,
            controls,
            evidence,
        })
    }

    /// This input with a spreadsheet row's fields put over it, checked.
    pub fn overlay(
        mut self,
        values: &[(&'static str, String)],
        today: &str,
    ) -> Result<ObligationDraft, Error> {
        let mut p = Problems::new();
        for (field, value) in values {
            let value = value.clone();
            match *field {
                "id" => self.id = Some(value),
                "starter" => self.starter = value,
                "title" => self.title = value,
                "kind" => self.kind = value,
                "reference" => self.reference = value,
                "url" => self.url = value,
                "jurisdiction" => self.jurisdiction = value,
                "summary" => self.summary = value,
                "owner" => self.owner = value,
                "applicable" => {
                    self.applicable = crate::domain::input::yes_no(&mut p, field, &value)
                }
                "applicability_note" => self.applicability_note = value,
                "compliance" => self.compliance = value,
                "counterparty" => self.counterparty = value,
                "supplier" => self.supplier = value,
                "reviewed_on" => self.reviewed_on = value,
                "controls" => self.controls = value,
                "evidence" => self.evidence = value,
                _ => {}
            }
        }
        p.and(self.parse(today))
    }
}

/// The controls as typed: `5.31, 5.34`, other frameworks with theirs.
pub fn controls_text(controls: &[ControlRef]) -> String {
    controls
        .iter()
        .map(|c| {
            if c.framework == crate::domain::catalog::DEFAULT_FRAMEWORK {
                c.id.clone()
            } else {
                format!("{}:{}", c.framework, c.id)
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

impl From<&Obligation> for ObligationInput {
    fn from(o: &Obligation) -> ObligationInput {
        ObligationInput {
            id: Some(o.id.clone()),
            starter: o.starter.clone().unwrap_or_default(),
            title: o.title.clone(),
            kind: o.kind.key().into(),
            reference: o.reference.clone(),
            url: o.url.clone(),
            jurisdiction: o.jurisdiction.clone(),
            summary: o.summary.clone(),
            owner: o.owner.clone(),
            applicable: o.applicable,
            applicability_note: o.applicability_note.clone(),
            compliance: o.compliance.key().into(),
            counterparty: o.counterparty.clone(),
            supplier: o.supplier.clone().unwrap_or_default(),
            reviewed_on: o.reviewed_on.clone().unwrap_or_default(),
            controls: controls_text(&o.controls),
            evidence: o.evidence.join(", "),
        }
    }
}

/// Which obligations to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObligationFilter {
    pub text: Option<String>,
    pub kind: Option<ObligationKind>,
    pub applicable: Option<bool>,
    pub compliance: Option<Compliance>,
    pub control: Option<ControlRef>,
    /// Only applicable ones whose review is due on or before this day.
    pub review_due_on: Option<String>,
}

/// The obligations register's query (by title).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ObligationQuery {
    pub filter: ObligationFilter,
}

impl ObligationQuery {
    pub const PARAMS: &'static [&'static str] = &[
        "q",
        "kind",
        "applicable",
        "compliance",
        "control",
        "review_due",
    ];

    /// Reads the filter; every malformed value is named.
    pub fn read(
        params: &crate::domain::query::Params,
        today: &str,
    ) -> Result<ObligationQuery, Error> {
        let get = |k: &str| params.get(k).map(str::to_string);
        let mut p = Problems::new();
        let kind = get("kind").and_then(|k| p.take("kind", ObligationKind::parse(&k)));
        let compliance =
            get("compliance").and_then(|c| p.take("compliance", Compliance::parse(&c)));
        let applicable = params
            .get("applicable")
            .is_some()
            .then(|| params.flag("applicable", &mut p));
        let control = match get("control") {
            None => None,
            Some(c) => {
                let mut refs = crate::domain::catalog::parse_control_refs(&c);
                if refs.len() == 1 {
                    refs.pop()
                } else {
                    p.add("control", "give one control id, e.g. 5.31");
                    None
                }
            }
        };
        let due = params.flag("review_due", &mut p);
        p.into_query_result()?;
        Ok(ObligationQuery {
            filter: ObligationFilter {
                text: get("q"),
                kind,
                applicable,
                compliance,
                control,
                review_due_on: due.then(|| today.to_string()),
            },
        })
    }
}

/// An obligation linked to a control, as the SoA reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Linked {
    pub title: String,
    pub kind: ObligationKind,
    pub applicable: bool,
}

/// The reasons for inclusion a control's applicable obligations give it, each with the
/// obligations named ("legal or regulatory requirement: GDPR, NIS2").
pub fn derived_reasons(linked: &[Linked]) -> Vec<(Reason, Vec<String>)> {
    let mut out: Vec<(Reason, Vec<String>)> = Vec::new();
    for l in linked.iter().filter(|l| l.applicable) {
        let reason = l.kind.reason();
        match out.iter_mut().find(|(r, _)| *r == reason) {
            Some((_, names)) if names.contains(&l.title) => {}
            Some((_, names)) => names.push(l.title.clone()),
            None => out.push((reason, vec![l.title.clone()])),
        }
    }
    out.sort_by_key(|(r, _)| *r != Reason::Legal);
    out
}

/// The reasons typed on a row that no applicable obligation stands behind (legal or
/// contractual ones only: the others need none), for a gentle warning.
pub fn unbacked(typed: &[Reason], linked: &[Linked]) -> Vec<Reason> {
    let derived = derived_reasons(linked);
    typed
        .iter()
        .copied()
        .filter(|r| matches!(r, Reason::Legal | Reason::Contractual))
        .filter(|r| !derived.iter().any(|(d, _)| d == r))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_value_s_json_name_is_its_key() {
        assert!(
            crate::domain::words::keys_not_json(ObligationKind::ALL, ObligationKind::key)
                .is_empty()
        );
        assert!(crate::domain::words::keys_not_json(Compliance::ALL, Compliance::key).is_empty());
    }

    fn linked(title: &str, kind: ObligationKind, applicable: bool) -> Linked {
        Linked {
            title: title.into(),
            kind,
            applicable,
        }
    }

    #[test]
    fn the_starters_are_unique_and_point_at_their_sources() {
        let all = starters();
        let mut keys: Vec<&str> = all.iter().map(|s| s.key).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), all.len());
        for s in &all {
            assert!(s.url.starts_with("https://"), "{}", s.key);
            assert!(!s.reference.is_empty() && !s.title.is_empty());
        }
        for key in ["gdpr", "nis2", "dora", "cra"] {
            assert!(all.iter().any(|s| s.key == key), "{key}");
        }
    }

    #[test]
    fn applicable_obligations_give_their_reasons_and_typed_reasons_without_one_are_named() {
        use ObligationKind::*;
        let links = [
            linked("NIS2", Legal, true),
            linked("Payroll contract", Contractual, true),
            linked("GDPR", Regulatory, true),
            linked("DORA", Legal, false),
            linked("GDPR", Legal, true),
        ];
        assert_eq!(
            derived_reasons(&links),
            [
                (Reason::Legal, vec!["NIS2".to_string(), "GDPR".to_string()]),
                (Reason::Contractual, vec!["Payroll contract".to_string()]),
            ]
        );
        assert!(unbacked(&[Reason::Legal, Reason::Contractual], &links).is_empty());
        let only_dora = [linked("DORA", Legal, false)];
        assert_eq!(
            unbacked(
                &[Reason::Legal, Reason::RiskTreatment, Reason::Contractual],
                &only_dora
            ),
            [Reason::Legal, Reason::Contractual]
        );
        assert!(derived_reasons(&only_dora).is_empty());
    }
}
