//! The policy templates Annex ships, written by us (`policies/*.md`): each with its kind,
//! its 27002 controls and 27001 clauses, a summary, and a Markdown text whose placeholders
//! (`{{organisation}}`, `{{scope}}`, `{{owner}}`, `{{approver}}`, `{{review_cycle}}`,
//! `{{classification_levels}}`, `{{effective_date}}`) are filled from the organisation's data.

use super::domain::DocumentKind;
use std::sync::OnceLock;

/// A template as shipped.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct Template {
    /// `access-control`
    pub key: String,
    pub title: String,
    pub kind: DocumentKind,
    /// 27002:2022 control ids.
    pub controls: Vec<String>,
    /// 27001 clauses.
    pub clauses: Vec<String>,
    pub summary: String,
    /// The Markdown text with its placeholders.
    pub body: String,
}

const SOURCES: &[&str] = &[
    include_str!("policies/information-security-policy.md"),
    include_str!("policies/access-control.md"),
    include_str!("policies/acceptable-use.md"),
    include_str!("policies/information-classification.md"),
    include_str!("policies/backup.md"),
    include_str!("policies/cryptography.md"),
    include_str!("policies/information-transfer.md"),
    include_str!("policies/physical-security.md"),
    include_str!("policies/secure-development.md"),
    include_str!("policies/supplier-security.md"),
    include_str!("policies/incident-management.md"),
    include_str!("policies/logging-monitoring.md"),
    include_str!("policies/remote-working.md"),
    include_str!("policies/clear-desk.md"),
    include_str!("policies/mobile-devices.md"),
    include_str!("policies/continuity-plan.md"),
];

/// Reads a template: the front matter (`key: value` lines between `---` lines), then the text.
fn parse(source: &str) -> Option<Template> {
    let rest = source.strip_prefix("---\n")?;
    let (head, body) = rest.split_once("\n---\n")?;
    let field = |name: &str| {
        head.lines()
            .find_map(|l| l.strip_prefix(name)?.strip_prefix(':'))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let list = |name: &str| -> Vec<String> {
        field(name)
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect()
    };
    Some(Template {
        key: field("key"),
        title: field("title"),
        kind: DocumentKind::parse(&field("kind")).ok()?,
        controls: list("controls"),
        clauses: list("clauses"),
        summary: field("summary"),
        body: body.trim_start_matches('\n').to_string(),
    })
}

/// Every template, the information security policy first.
pub fn all() -> &'static [Template] {
    static ALL: OnceLock<Vec<Template>> = OnceLock::new();
    ALL.get_or_init(|| SOURCES.iter().filter_map(|s| parse(s)).collect())
}

pub fn find(key: &str) -> Option<&'static Template> {
    all().iter().find(|t| t.key == key.trim())
}

/// What the placeholders become.
#[derive(Debug, Clone, Default)]
pub struct Fill {
    pub organisation: String,
    pub scope: String,
    pub owner: String,
    pub approver: String,
    /// "12 months"
    pub review_cycle: String,
    /// "Public, Internal, Confidential, Restricted"
    pub classification_levels: String,
    pub effective_date: String,
}

impl Template {
    /// The text with the organisation's data in place of the placeholders; one left empty
    /// (no scope stated yet) says what belongs there, for the author to write.
    pub fn filled(&self, fill: &Fill) -> String {
        let or = |v: &str, missing: &str| {
            if v.trim().is_empty() {
                format!("[{missing}]")
            } else {
                v.trim().to_string()
            }
        };
        [
            ("organisation", or(&fill.organisation, "organisation name")),
            ("scope", or(&fill.scope, "the scope of the ISMS")),
            ("owner", or(&fill.owner, "policy owner")),
            ("approver", or(&fill.approver, "approver")),
            ("review_cycle", or(&fill.review_cycle, "review cycle")),
            (
                "classification_levels",
                or(&fill.classification_levels, "classification levels"),
            ),
            ("effective_date", or(&fill.effective_date, "effective date")),
        ]
        .iter()
        .fold(self.body.clone(), |text, (name, value)| {
            text.replace(&format!("{{{{{name}}}}}"), value)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_template_is_read_with_its_controls_and_no_placeholder_is_left_unfilled() {
        assert_eq!(
            all().len(),
            SOURCES.len(),
            "each source reads as a template"
        );
        let mut keys: Vec<&str> = all().iter().map(|t| t.key.as_str()).collect();
        keys.sort();
        keys.dedup();
        assert_eq!(keys.len(), SOURCES.len(), "keys are unique");
        assert_eq!(all()[0].kind, DocumentKind::Policy);
        let fill = Fill {
            organisation: "Ακμή Α.Ε.".into(),
            scope: "All services of Ακμή".into(),
            owner: "ciso@example.org".into(),
            approver: "ceo@example.org".into(),
            review_cycle: "12 months".into(),
            classification_levels: "Public, Internal".into(),
            effective_date: "2026-12-04".into(),
        };
        for t in all() {
            assert!(!t.controls.is_empty() && !t.summary.is_empty(), "{}", t.key);
            assert!(t.body.starts_with(&format!("# {}", t.title)), "{}", t.key);
            let text = t.filled(&fill);
            assert!(!text.contains("{{"), "{} keeps a placeholder", t.key);
            assert!(text.contains("Ακμή Α.Ε."), "{}", t.key);
        }
        let empty = find("access-control").unwrap().filled(&Fill::default());
        assert!(
            empty.contains("[organisation name]"),
            "what is missing is said"
        );
    }
}
