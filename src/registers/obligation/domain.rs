//! Obligations (27002 5.31–5.34, 27001 4.2): the legal, regulatory and contractual
//! requirements the organisation is bound by, and what they mean for the Statement of
//! Applicability — a control linked to an applicable obligation is in it for that reason,
//! named; a reason typed without an obligation behind it is worth a second look.

use crate::registers::soa::domain::Reason;
use serde::Serialize;

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
