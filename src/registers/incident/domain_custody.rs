//! An incident's evidence and its chain of custody (27002 5.28): each file is kept in the
//! evidence vault by its SHA-256 with who collected it, when and from where; the custody log
//! starts with the collection and grows by one line per hand-over, never changed.

use super::domain::parse_moment;
use crate::domain::upload::KeptFile;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

/// The kinds of file an incident keeps as evidence: every kind the evidence vault keeps,
/// the forensic formats (disk and memory images, packet captures, event logs) included.
pub fn incident_file_types() -> Vec<&'static str> {
    crate::registers::evidence::domain::FILE_TYPES
        .iter()
        .map(|(ext, _)| *ext)
        .collect()
}

/// A piece of evidence as kept.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct EvidenceItem {
    /// 1, 2, … within the incident.
    pub seq: i64,
    pub file: KeptFile,
    /// What it is (e.g. "disk image of the laptop").
    pub description: String,
    /// Who collected it.
    pub collected_by: String,
    pub collected_at: String,
    /// Where it was collected from (a device, a system, a place).
    pub collected_from: String,
    /// Who holds it now: the last hand-over's recipient.
    pub holder: String,
    pub added_by: String,
    pub added_at: String,
    /// The chain of custody, the collection first.
    pub custody: Vec<Custody>,
}

/// One line of the chain of custody.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Custody {
    pub seq: i64,
    pub at: String,
    /// Empty for the collection.
    pub from_holder: String,
    pub to_holder: String,
    /// Why it changed hands (analysis, legal hold, the police …).
    pub purpose: String,
    pub recorded_by: String,
    pub recorded_at: String,
}

/// Evidence as typed beside its file.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct EvidenceInput {
    #[schema(max_length = 2000)]
    pub description: String,
    /// Who collected it; the person recording it when empty.
    #[schema(max_length = 300)]
    pub collected_by: String,
    /// When it was collected; now when empty.
    #[schema(max_length = 40)]
    pub collected_at: String,
    #[schema(max_length = 300)]
    pub collected_from: String,
}

/// Checked evidence fields.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EvidenceDraft {
    pub description: String,
    pub collected_by: String,
    pub collected_at: String,
    pub collected_from: String,
}

fn bounded(p: &mut Problems, field: &str, raw: &str, max: usize) -> String {
    let t = raw.trim();
    if t.chars().count() > max {
        p.add(field, format!("at most {max} characters"));
    }
    t.to_string()
}

/// A moment typed in a form (now when empty), never in the future.
fn moment(p: &mut Problems, field: &str, raw: &str, now: &str, what: &str) -> String {
    let at = match raw.trim() {
        "" => Some(now.to_string()),
        t => p.take(field, parse_moment(t)),
    };
    if at.as_deref().is_some_and(|a| a > now) {
        p.add(
            field,
            format!("a moment in the future: record {what} once it happened"),
        );
    }
    at.unwrap_or_else(|| now.to_string())
}

impl EvidenceInput {
    /// Checks the fields; `me` collected it when no one is named, `now` when no moment is.
    pub fn parse(&self, me: &str, now: &str) -> Result<EvidenceDraft, Error> {
        let mut p = Problems::new();
        let description = bounded(&mut p, "description", &self.description, 2000);
        let mut collected_by = bounded(&mut p, "collected_by", &self.collected_by, 300);
        if collected_by.is_empty() {
            collected_by = me.to_string();
        }
        let collected_from = bounded(&mut p, "collected_from", &self.collected_from, 300);
        let collected_at = moment(
            &mut p,
            "collected_at",
            &self.collected_at,
            now,
            "a collection",
        );
        p.into_result()?;
        Ok(EvidenceDraft {
            description,
            collected_by,
            collected_at,
            collected_from,
        })
    }
}

/// A hand-over as typed.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct HandoverInput {
    /// Who receives it.
    #[schema(required = true, min_length = 1, max_length = 300, pattern = "\\S")]
    pub to: String,
    /// When it changed hands; now when empty.
    #[schema(max_length = 40)]
    pub at: String,
    #[schema(max_length = 2000)]
    pub purpose: String,
}

/// A checked hand-over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HandoverDraft {
    pub to: String,
    pub at: String,
    pub purpose: String,
}

impl HandoverInput {
    /// Checks the hand-over against the evidence's last line: it happens after it, to
    /// someone else.
    pub fn parse(&self, last: &Custody, now: &str) -> Result<HandoverDraft, Error> {
        let mut p = Problems::new();
        let to = bounded(&mut p, "to", &self.to, 300);
        if to.is_empty() {
            p.add("to", "say who receives the evidence");
        } else if to == last.to_holder {
            p.add("to", format!("{to} holds it already"));
        }
        let purpose = bounded(&mut p, "purpose", &self.purpose, 2000);
        let at = moment(&mut p, "at", &self.at, now, "a hand-over");
        if at < last.at {
            p.add(
                "at",
                format!(
                    "before the last line of its custody ({}): a hand-over comes after it",
                    crate::domain::clock::display(&last.at)
                ),
            );
        }
        p.into_result()?;
        Ok(HandoverDraft { to, at, purpose })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-12-04T12:00:00Z";

    fn last() -> Custody {
        Custody {
            seq: 1,
            at: "2026-12-04T10:00:00Z".into(),
            from_holder: String::new(),
            to_holder: "ana@example.com".into(),
            purpose: String::new(),
            recorded_by: "ana@example.com".into(),
            recorded_at: "2026-12-04T10:00:00Z".into(),
        }
    }

    #[test]
    fn evidence_defaults_to_the_recorder_and_now() {
        let d = EvidenceInput::default()
            .parse("me@example.com", NOW)
            .unwrap();
        assert_eq!(d.collected_by, "me@example.com");
        assert_eq!(d.collected_at, NOW);
    }

    #[test]
    fn evidence_in_the_future_or_unreadable_is_named() {
        let e = EvidenceInput {
            collected_at: "2030-01-01T10:00".into(),
            ..Default::default()
        }
        .parse("me", NOW)
        .unwrap_err();
        assert!(e.to_string().contains("collected_at"), "{e}");
        let e = EvidenceInput {
            collected_at: "yesterday".into(),
            collected_from: "x".repeat(301),
            ..Default::default()
        }
        .parse("me", NOW)
        .unwrap_err();
        let s = e.to_string();
        assert!(
            s.contains("collected_at") && s.contains("collected_from"),
            "{s}"
        );
    }

    #[test]
    fn a_handover_goes_to_someone_else_after_the_last_line() {
        let ok = HandoverInput {
            to: "Λάμπρος, forensics".into(),
            purpose: "analysis".into(),
            ..Default::default()
        }
        .parse(&last(), NOW)
        .unwrap();
        assert_eq!(ok.at, NOW);
        let same = HandoverInput {
            to: "ana@example.com".into(),
            ..Default::default()
        }
        .parse(&last(), NOW)
        .unwrap_err();
        assert!(same.to_string().contains("holds it already"), "{same}");
        let early = HandoverInput {
            to: "bob".into(),
            at: "2026-12-04T09:00:00Z".into(),
            ..Default::default()
        }
        .parse(&last(), NOW)
        .unwrap_err();
        assert!(early.to_string().contains("comes after"), "{early}");
        let nobody = HandoverInput::default().parse(&last(), NOW).unwrap_err();
        assert!(nobody.to_string().contains("to"), "{nobody}");
    }
}
