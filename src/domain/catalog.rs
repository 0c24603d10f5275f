//! Control catalogues: the shape of a framework (groups, controls, attribute types), the
//! catalogues compiled into the binary, mappings between frameworks, and the typed filter used
//! to browse them. ISO ids, titles and attribute values are facts; summaries are our own words.

use crate::domain::query::Page;
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

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

/// A framework as loaded from the store, immutable: its groups, attribute types and controls
/// with their attributes. Catalogues change only when a catalogue is (re)loaded, so each
/// process keeps the snapshot of the content hash it last saw and checks that hash on every
/// use: instances never serve stale data, and filtering 1,000 controls takes microseconds.
#[derive(Debug)]
pub struct Catalog {
    pub framework: Framework,
    pub hash: String,
    pub groups: Vec<Group>,
    pub attribute_types: Vec<AttributeType>,
    pub controls: Vec<Control>,
    index: HashMap<String, usize>,
    /// Lower-case "id, title, summary" of each control, for text search.
    search: Vec<String>,
}

impl Catalog {
    /// A catalogue of `controls` (in catalogue order, with their attributes), indexed by id
    /// and for text search.
    pub fn new(
        framework: Framework,
        hash: String,
        groups: Vec<Group>,
        attribute_types: Vec<AttributeType>,
        controls: Vec<Control>,
    ) -> Catalog {
        let index = controls
            .iter()
            .enumerate()
            .map(|(i, c)| (c.id.clone(), i))
            .collect();
        let search = controls
            .iter()
            .map(|c| format!("{}\n{}\n{}", c.id, c.title, c.summary).to_lowercase())
            .collect();
        Catalog {
            framework,
            hash,
            groups,
            attribute_types,
            controls,
            index,
            search,
        }
    }

    pub fn control(&self, id: &str) -> Result<&Control, Error> {
        let id = normalise_control_id(id);
        self.index
            .get(&id)
            .map(|&i| &self.controls[i])
            .ok_or_else(|| Error::NotFound(format!("control {id} in {}", self.framework.id)))
    }

    fn matching<'a>(&'a self, f: &'a ControlFilter) -> impl Iterator<Item = &'a Control> + 'a {
        let text = f.text.as_ref().map(|t| t.to_lowercase());
        self.controls
            .iter()
            .zip(&self.search)
            .filter_map(move |(c, hay)| {
                let theme_ok = f
                    .theme
                    .as_ref()
                    .is_none_or(|t| t.eq_ignore_ascii_case(&c.theme));
                let attrs_ok = f
                    .attributes
                    .iter()
                    .all(|(k, v)| c.attributes.get(k).is_some_and(|vs| vs.contains(v)));
                let text_ok = text.as_ref().is_none_or(|t| hay.contains(t.as_str()));
                (theme_ok && attrs_ok && text_ok).then_some(c)
            })
    }

    /// Every control matching a filter, after checking the filter names known themes and
    /// attribute values (for exports).
    pub fn select(&self, f: &ControlFilter) -> Result<Vec<Control>, Error> {
        f.check(&self.groups, &self.attribute_types)?;
        Ok(self.matching(f).cloned().collect())
    }

    /// A page of matching controls after `cursor` (the position of the last control shown).
    pub fn page(
        &self,
        f: &ControlFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Control>, Error> {
        let limit = limit.clamp(1, 1000) as usize;
        let after: i64 = match cursor {
            None | Some("") => -1,
            Some(c) => c.parse().map_err(|_| {
                Error::field(
                    "cursor",
                    format!("'{c}' is not a cursor from a previous page"),
                )
            })?,
        };
        let mut total = 0i64;
        let mut items = Vec::new();
        let mut more = false;
        for c in self.matching(f) {
            total += 1;
            if c.position <= after {
                continue;
            }
            if items.len() < limit {
                items.push(c.clone());
            } else {
                more = true;
            }
        }
        let next_cursor = if more {
            items.last().map(|c| c.position.to_string())
        } else {
            None
        };
        Ok(Page {
            items,
            total,
            total_capped: false,
            next_cursor,
        })
    }

    /// Counts per theme and attribute value among the matching controls.
    pub fn facets(&self, f: &ControlFilter) -> Facets {
        let mut facets = Facets::default();
        for c in self.matching(f) {
            *facets.themes.entry(c.theme.clone()).or_default() += 1;
            for (k, vs) in &c.attributes {
                let counts = facets.attributes.entry(k.clone()).or_default();
                for v in vs {
                    *counts.entry(v.clone()).or_default() += 1;
                }
            }
        }
        facets
    }
}

/// Counts of matching controls per theme and per attribute value, for the filter panel.
#[derive(Debug, Default, Serialize, utoipa::ToSchema)]
pub struct Facets {
    pub themes: BTreeMap<String, i64>,
    /// attribute type → value → count
    pub attributes: BTreeMap<String, BTreeMap<String, i64>>,
}

/// Checks that every control the measures name exists in its catalogue; problems are
/// named `{prefix}controls` (the prefix is empty for one measure, `row 17, ` in an import).
/// Where a control id written without its framework is looked for after the 2022 controls:
/// the clauses of ISO/IEC 27001 (`9.2`), then the controls of 2013 (`A.12.4.1`).
const OTHER_FRAMEWORKS: [&str; 2] = ["iso27001-2022", "iso27002-2013"];

/// Gives each reference written without a framework that the 2022 controls do not have the
/// framework that has it (`9.2` is the 27001 clause, `A.12.4.1` a 2013 control), so that an
/// id is understood in any usual spelling; references still unknown are left for
/// [`check_control_refs`] to name.
pub fn resolve_control_refs(catalogs: &[std::sync::Arc<Catalog>], refs: &mut [ControlRef]) {
    let has = |fw: &str, id: &str| {
        catalogs
            .iter()
            .find(|c| c.framework.id == fw)
            .is_some_and(|c| c.control(id).is_ok())
    };
    for r in refs.iter_mut() {
        if r.framework == DEFAULT_FRAMEWORK
            && !has(DEFAULT_FRAMEWORK, &r.id)
            && let Some(fw) = OTHER_FRAMEWORKS.iter().find(|fw| has(fw, &r.id))
        {
            r.framework = fw.to_string();
        }
    }
}

pub fn check_control_refs(
    catalogs: &[std::sync::Arc<Catalog>],
    rows: &[(String, &[ControlRef])],
) -> Result<(), Error> {
    let mut problems = Vec::new();
    for (prefix, refs) in rows {
        for r in refs.iter() {
            let field = format!("{prefix}controls");
            match catalogs.iter().find(|c| c.framework.id == r.framework) {
                None => problems.push(crate::error::FieldError::new(
                    field,
                    format!("there is no framework '{}'", r.framework),
                )),
                Some(c) if c.control(&r.id).is_err() => {
                    problems.push(crate::error::FieldError::new(
                        field,
                        format!("there is no control {} in {}", r.id, c.framework.name),
                    ))
                }
                Some(_) => {}
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

/// Controls in the order every read shows them: other frameworks after 2022, ids numerically.
pub fn sort_control_refs(refs: &mut [ControlRef]) {
    refs.sort_by(|a, b| {
        b.framework
            .cmp(&a.framework)
            .then(id_order(&a.id).cmp(&id_order(&b.id)))
    });
}

/// Sorts ids like `5.10` after `5.9`.
pub fn id_order(id: &str) -> Vec<(u64, String)> {
    id.split(['.', '-', '(', ')'])
        .map(|p| (p.parse::<u64>().unwrap_or(u64::MAX), p.to_string()))
        .collect()
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
