//! Control catalogues: the shape of a framework (groups, controls, attribute types), the
//! catalogues compiled into the binary, mappings between frameworks, and the typed filter used
//! to browse them. ISO ids, titles and attribute values are facts; summaries are our own words.

use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A framework as written in a catalogue data file (`catalog/*.toml`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FrameworkFile {
    pub id: String,
    pub name: String,
    pub description: String,
    pub data_version: i64,
    #[serde(default, rename = "group")]
    pub groups: Vec<GroupFile>,
    #[serde(default, rename = "attribute_type")]
    pub attribute_types: Vec<AttributeTypeFile>,
    #[serde(default, rename = "control")]
    pub controls: Vec<ControlFile>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupFile {
    pub id: String,
    pub title: String,
    #[serde(default)]
    pub parent: Option<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AttributeTypeFile {
    pub key: String,
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ControlFile {
    pub id: String,
    pub title: String,
    pub group: String,
    #[serde(default)]
    pub parent: Option<String>,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub attributes: BTreeMap<String, Vec<String>>,
}

/// A mapping between two frameworks as written in `catalog/map-*.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    pub from: String,
    pub to: String,
    pub pairs: Vec<(String, String)>,
    #[serde(default)]
    pub new_in_target: Vec<String>,
}

/// The catalogues shipped in the binary, as (file name, text).
pub const BUILTIN_FRAMEWORKS: &[(&str, &str)] = &[
    (
        "iso27002-2022.toml",
        include_str!("../../catalog/iso27002-2022.toml"),
    ),
    (
        "iso27002-2013.toml",
        include_str!("../../catalog/iso27002-2013.toml"),
    ),
    (
        "iso27001-2022.toml",
        include_str!("../../catalog/iso27001-2022.toml"),
    ),
];

pub const BUILTIN_MAPPINGS: &[(&str, &str)] = &[(
    "map-iso27002-2013-2022.toml",
    include_str!("../../catalog/map-iso27002-2013-2022.toml"),
)];

impl FrameworkFile {
    /// Parses and checks a catalogue: unique ids, known groups and parents, attribute values
    /// that belong to their declared type.
    pub fn parse(name: &str, text: &str) -> anyhow::Result<FrameworkFile> {
        let fw: FrameworkFile =
            toml::from_str(text).map_err(|e| anyhow::anyhow!("catalogue {name}: {e}"))?;
        fw.check()
            .map_err(|e| anyhow::anyhow!("catalogue {name}: {e}"))?;
        Ok(fw)
    }

    fn check(&self) -> Result<(), String> {
        let mut groups = std::collections::HashSet::new();
        for g in &self.groups {
            if !groups.insert(g.id.as_str()) {
                return Err(format!("group {} is declared twice", g.id));
            }
        }
        for g in &self.groups {
            if let Some(p) = &g.parent
                && !groups.contains(p.as_str())
            {
                return Err(format!("group {} names an unknown parent {p}", g.id));
            }
        }
        let types: BTreeMap<&str, &AttributeTypeFile> = self
            .attribute_types
            .iter()
            .map(|t| (t.key.as_str(), t))
            .collect();
        let mut ids = std::collections::HashSet::new();
        for c in &self.controls {
            if !ids.insert(c.id.as_str()) {
                return Err(format!("control {} is declared twice", c.id));
            }
            if !groups.contains(c.group.as_str()) {
                return Err(format!(
                    "control {} names an unknown group {}",
                    c.id, c.group
                ));
            }
            for (k, values) in &c.attributes {
                let t = types.get(k.as_str()).ok_or_else(|| {
                    format!("control {} uses an undeclared attribute type {k}", c.id)
                })?;
                if let Some(v) = values.iter().find(|v| !t.values.contains(v)) {
                    return Err(format!("control {}: '{v}' is not a value of {k}", c.id));
                }
            }
        }
        for c in &self.controls {
            if let Some(p) = &c.parent
                && !ids.contains(p.as_str())
            {
                return Err(format!("control {} names an unknown parent {p}", c.id));
            }
        }
        Ok(())
    }

    /// The top-level group (theme, domain or clause) of a group.
    pub fn theme_of<'a>(&'a self, group: &'a str) -> &'a str {
        let mut current = group;
        for _ in 0..8 {
            match self
                .groups
                .iter()
                .find(|g| g.id == current)
                .and_then(|g| g.parent.as_deref())
            {
                Some(p) => current = p,
                None => break,
            }
        }
        current
    }
}

/// The frameworks compiled into the binary, parsed.
pub fn builtin_frameworks() -> anyhow::Result<Vec<FrameworkFile>> {
    BUILTIN_FRAMEWORKS
        .iter()
        .map(|(name, text)| FrameworkFile::parse(name, text))
        .collect()
}

pub fn builtin_mappings() -> anyhow::Result<Vec<MappingFile>> {
    BUILTIN_MAPPINGS
        .iter()
        .map(|(name, text)| {
            toml::from_str(text).map_err(|e| anyhow::anyhow!("mapping {name}: {e}"))
        })
        .collect()
}

/// A framework as listed to users.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub description: String,
    pub data_version: i64,
    pub control_count: i64,
}

/// A group of controls: a theme (2022), a domain or control objective (2013), a clause (27001).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Group {
    pub id: String,
    pub title: String,
    pub parent: Option<String>,
}

/// One control, in the shape shared by the API, the CLI's JSON and the pages.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Control {
    pub framework: String,
    pub id: String,
    pub title: String,
    /// The top-level group: the theme (`organizational` …) for 2022, the domain (`A.5` …) for 2013.
    pub theme: String,
    /// The immediate group when it differs from the theme (the control objective of 2013).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub summary: String,
    /// Attribute type → its values, e.g. `control_type` → `["Preventive"]`.
    pub attributes: BTreeMap<String, Vec<String>>,
    #[serde(skip)]
    pub position: i64,
}

/// A declared attribute type with its allowed values, in canonical order.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttributeType {
    pub key: String,
    pub name: String,
    pub values: Vec<String>,
}

/// One edge between controls of two frameworks.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct MappedControl {
    pub framework: String,
    pub id: String,
    pub title: String,
}

/// A typed filter over the controls of one framework. Built from the query string of the
/// catalogue page, the API or the CLI flags; every value has been checked when it exists.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ControlFilter {
    pub theme: Option<String>,
    /// (attribute type, value) pairs; a control must carry every one of them.
    pub attributes: Vec<(String, String)>,
    pub text: Option<String>,
}

impl ControlFilter {
    /// Builds a filter from raw parts. `attrs` take the form `KEY:VALUE` (`KEY=VALUE` accepted).
    pub fn parse(
        theme: Option<&str>,
        attrs: &[String],
        text: Option<&str>,
    ) -> Result<ControlFilter, Error> {
        let mut problems = Problems::new();
        let mut attributes = Vec::new();
        for raw in attrs {
            let raw = raw.trim();
            if raw.is_empty() {
                continue;
            }
            match raw.split_once([':', '=']) {
                Some((k, v)) if !k.trim().is_empty() && !v.trim().is_empty() => {
                    let pair = (k.trim().to_string(), v.trim().trim_start_matches('#').to_string());
                    if !attributes.contains(&pair) {
                        attributes.push(pair);
                    }
                }
                _ => problems.add(
                    "attr",
                    format!("'{raw}' is not an attribute filter: write KEY:VALUE, e.g. control_type:Preventive"),
                ),
            }
        }
        let text = text.map(str::trim).filter(|t| !t.is_empty());
        if let Some(t) = text
            && t.chars().count() > 200
        {
            problems.add("q", "a search has at most 200 characters");
        }
        problems.into_result()?;
        Ok(ControlFilter {
            theme: theme
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_string),
            attributes,
            text: text.map(str::to_string),
        })
    }

    /// Checks the filter against a framework's declared groups and attribute types, so that
    /// a typo gets an error naming it instead of an empty result.
    pub fn check(&self, groups: &[Group], types: &[AttributeType]) -> Result<(), Error> {
        let mut problems = Problems::new();
        if let Some(t) = &self.theme
            && !groups
                .iter()
                .any(|g| g.parent.is_none() && g.id.eq_ignore_ascii_case(t))
        {
            let names: Vec<_> = groups
                .iter()
                .filter(|g| g.parent.is_none())
                .map(|g| g.id.as_str())
                .collect();
            problems.add(
                "theme",
                format!("unknown theme '{t}': use one of {}", names.join(", ")),
            );
        }
        for (k, v) in &self.attributes {
            match types.iter().find(|t| t.key == *k) {
                None => {
                    let keys: Vec<_> = types.iter().map(|t| t.key.as_str()).collect();
                    if keys.is_empty() {
                        problems.add(
                            "attr",
                            format!("this framework has no attributes (asked for '{k}')"),
                        );
                    } else {
                        problems.add(
                            "attr",
                            format!(
                                "unknown attribute type '{k}': use one of {}",
                                keys.join(", ")
                            ),
                        );
                    }
                }
                Some(t) if !t.values.iter().any(|x| x == v) => problems.add(
                    "attr",
                    format!(
                        "'{v}' is not a value of {k}: use one of {}",
                        t.values.join(", ")
                    ),
                ),
                Some(_) => {}
            }
        }
        problems.into_result()
    }
}

/// A control id as numbers, to sort ids as the catalogue orders them (`8.9` before `8.13`).
pub fn control_order(id: &str) -> Vec<u32> {
    id.split('.')
        .map(|p| p.parse::<u32>().unwrap_or(u32::MAX))
        .collect()
}

/// Accepts `A.5.1.1` or `a.8.13` where the catalogue writes `5.1.1` / `8.13`.
pub fn normalise_control_id(raw: &str) -> String {
    let s = raw.trim();
    match s.strip_prefix("A.").or_else(|| s.strip_prefix("a.")) {
        Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest.to_string(),
        _ => s.to_string(),
    }
}

/// A catalogue control a measure implements.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ControlRef {
    pub framework: String,
    pub id: String,
}

/// The framework a control id without one refers to.
pub const DEFAULT_FRAMEWORK: &str = "iso27002-2022";

/// Reads `5.17, iso27002-2013:9.4.2` into control references (ids normalised, duplicates removed).
pub fn parse_control_refs(raw: &str) -> Vec<ControlRef> {
    let mut out: Vec<ControlRef> = Vec::new();
    for part in raw
        .split([',', ';', '\n'])
        .map(str::trim)
        .filter(|p| !p.is_empty())
    {
        let (framework, id) = match part.split_once(':') {
            Some((f, i)) => (f.trim().to_string(), i.trim()),
            None => (DEFAULT_FRAMEWORK.to_string(), part),
        };
        let r = ControlRef {
            framework,
            id: crate::domain::catalog::normalise_control_id(id),
        };
        if !out.contains(&r) {
            out.push(r);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalogues_parse_and_have_the_expected_sizes() {
        let fws = builtin_frameworks().unwrap();
        let count = |id: &str| fws.iter().find(|f| f.id == id).unwrap().controls.len();
        assert_eq!(count("iso27002-2022"), 93);
        assert_eq!(count("iso27002-2013"), 114);
        let maps = builtin_mappings().unwrap();
        assert_eq!(maps[0].new_in_target.len(), 11);
    }

    #[test]
    fn every_2022_control_carries_all_five_attribute_types() {
        let fws = builtin_frameworks().unwrap();
        let fw = fws.iter().find(|f| f.id == "iso27002-2022").unwrap();
        for c in &fw.controls {
            assert_eq!(c.attributes.len(), 5, "control {}", c.id);
            assert!(
                c.attributes.values().all(|v| !v.is_empty()),
                "control {}",
                c.id
            );
        }
    }

    #[test]
    fn filters_reject_malformed_attribute_pairs_by_name() {
        let e = ControlFilter::parse(None, &["nonsense".into()], None).unwrap_err();
        assert_eq!(e.fields()[0].field, "attr");
        let f = ControlFilter::parse(
            Some("people"),
            &["control_type:#Preventive".into()],
            Some(" x "),
        )
        .unwrap();
        assert_eq!(
            f.attributes,
            vec![("control_type".into(), "Preventive".into())]
        );
        assert_eq!(f.text.as_deref(), Some("x"));
    }

    #[test]
    fn control_ids_accept_the_annex_a_prefix() {
        assert_eq!(normalise_control_id("A.8.13"), "8.13");
        assert_eq!(normalise_control_id("A.5"), "5");
        assert_eq!(normalise_control_id("ac-2"), "ac-2");
    }
}
