//! The library of common threats and vulnerabilities (in Annex's own words, grouped), each
//! pointing to the ISO/IEC 27002:2022 controls that usually treat it — something to pick from
//! when writing a risk scenario. It ships in the binary (`catalog/threats.toml`) and is read
//! once.

use serde::{Deserialize, Serialize};
use std::sync::OnceLock;

/// Threat or vulnerability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Threat,
    Vulnerability,
}

/// A group of the threat library (its component name is `ThreatGroup`: `Group` is the
/// catalogue's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ThreatGroup)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    pub kind: Kind,
    pub name: String,
}

/// A threat or vulnerability of the library (component `ThreatEntry`: `Entry` is the audit
/// trail's).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[schema(as = ThreatEntry)]
#[serde(deny_unknown_fields)]
pub struct Entry {
    /// `T-…` for threats, `V-…` for vulnerabilities.
    pub id: String,
    /// The id of its group.
    pub group: String,
    pub name: String,
    pub description: String,
    /// ISO/IEC 27002:2022 control ids, most important first.
    pub controls: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Library {
    pub data_version: i64,
    #[serde(rename = "group")]
    pub groups: Vec<Group>,
    #[serde(rename = "entry")]
    pub entries: Vec<Entry>,
}

const SOURCE: &str = include_str!("../../../catalog/threats.toml");

impl Library {
    /// The library shipped in the binary.
    pub fn get() -> &'static Library {
        static LIBRARY: OnceLock<Library> = OnceLock::new();
        LIBRARY.get_or_init(|| {
            // Checked by a unit test: the shipped file always parses.
            toml::from_str(SOURCE).unwrap_or_else(|_| Library {
                data_version: 0,
                groups: Vec::new(),
                entries: Vec::new(),
            })
        })
    }

    pub fn kind_of(&self, e: &Entry) -> Option<Kind> {
        self.groups.iter().find(|g| g.id == e.group).map(|g| g.kind)
    }

    /// The entries of a group, in file order.
    pub fn in_group<'a>(&'a self, group: &'a str) -> impl Iterator<Item = &'a Entry> + 'a {
        self.entries.iter().filter(move |e| e.group == group)
    }

    pub fn entry(&self, id: &str) -> Option<&Entry> {
        self.entries.iter().find(|e| e.id == id)
    }

    /// The entry of a kind whose name a scenario field holds (case ignored), for suggesting
    /// the controls that usually treat it.
    pub fn named(&self, kind: Kind, text: &str) -> Option<&Entry> {
        let t = text.trim();
        self.entries
            .iter()
            .find(|e| self.kind_of(e) == Some(kind) && e.name.eq_ignore_ascii_case(t))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_library_parses_and_points_to_real_2022_controls() {
        let lib: Library = toml::from_str(SOURCE).expect("catalog/threats.toml parses");
        let cat: toml::Value =
            toml::from_str(include_str!("../../../catalog/iso27002-2022.toml")).unwrap();
        let ids: Vec<&str> = cat["control"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|c| c["id"].as_str())
            .collect();
        assert_eq!(ids.len(), 93);
        assert!(lib.entries.len() >= 80);
        let mut seen = std::collections::HashSet::new();
        for e in &lib.entries {
            assert!(seen.insert(&e.id), "{} is unique", e.id);
            let kind = lib
                .kind_of(e)
                .unwrap_or_else(|| panic!("{} has a group", e.id));
            assert_eq!(
                e.id.starts_with("T-"),
                kind == Kind::Threat,
                "{}: T- for threats, V- for vulnerabilities",
                e.id
            );
            assert!(!e.controls.is_empty());
            for c in &e.controls {
                assert!(ids.contains(&c.as_str()), "{}: {c} is a 2022 control", e.id);
            }
        }
        assert_eq!(Library::get().entries.len(), lib.entries.len());
        assert_eq!(
            Library::get()
                .named(Kind::Threat, "ransomware")
                .map(|e| e.id.as_str()),
            Some("T-RANSOMWARE")
        );
    }
}
