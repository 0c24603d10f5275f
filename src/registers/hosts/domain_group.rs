//! Host groups: servers, workstations and whatever else an organisation runs. A group names
//! the controls its hosts' scans do not evidence; a control's scan results count only from
//! hosts of groups that evidence it, so a laptop without backup software does not fail the
//! organisation's backup control (8.13). New hosts join the default group unless their first
//! report names another.

use crate::domain::catalog::Catalog;
use crate::error::{Problems, Result};
use serde::{Deserialize, Serialize};

/// A group of hosts as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HostGroup {
    /// The group's key, e.g. `workstations`: lowercase letters, digits and '-'.
    pub key: String,
    pub name: String,
    pub description: String,
    /// New hosts join this group unless their first report names another.
    pub is_default: bool,
    /// The ISO/IEC 27002:2022 controls its hosts' scans do not evidence, in catalogue order.
    pub excluded_controls: Vec<String>,
    /// How many hosts are in the group.
    pub hosts: i64,
    /// Raised by every write: a writer that saw an older revision is refused (409).
    pub revision: i64,
}

impl HostGroup {
    /// Whether the scans of this group's hosts evidence a control.
    pub fn evidences(&self, control_id: &str) -> bool {
        !self.excluded_controls.iter().any(|c| c == control_id)
    }
}

/// A group as a person or a script writes it.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct HostGroupInput {
    /// The key (made from the name when empty, e.g. `Point of sale` → `point-of-sale`); only
    /// when the group is created: a key never changes.
    #[schema(max_length = 40, pattern = "^[a-z0-9-]{0,40}$")]
    pub key: String,
    #[schema(required = true, min_length = 1, max_length = 100, pattern = "\\S")]
    pub name: String,
    #[schema(max_length = 2000)]
    pub description: String,
    /// New hosts join this group (the group that was the default stops being it).
    pub is_default: bool,
    /// The controls its hosts' scans do not evidence: a list of ids or one text separated
    /// by commas (`8.13, A.8.14`).
    #[serde(deserialize_with = "crate::domain::input::list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub excluded_controls: String,
}

/// A group checked: every problem named.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostGroupDraft {
    pub key: String,
    pub name: String,
    pub description: String,
    pub is_default: bool,
    pub excluded_controls: Vec<String>,
}

/// The key a name gives: its ASCII letters and digits in lowercase, other runs as one '-'
/// (`Point of sale` → `point-of-sale`); empty when the name has none (`Διακομιστές`).
pub fn key_of(name: &str) -> String {
    let mut key = String::new();
    for ch in name.trim().chars() {
        if ch.is_ascii_alphanumeric() {
            key.push(ch.to_ascii_lowercase());
        } else if !key.is_empty() && !key.ends_with('-') {
            key.push('-');
        }
    }
    let key = key.trim_end_matches('-');
    key.chars()
        .take(40)
        .collect::<String>()
        .trim_end_matches('-')
        .to_string()
}

/// Whether a key is 1 to 40 characters of lowercase letters, digits and '-'.
pub fn valid_key(key: &str) -> bool {
    (1..=40).contains(&key.len())
        && key
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

impl HostGroupInput {
    /// Checks the group against the 2022 catalogue. `fixed_key` is the key of the group being
    /// changed (its key stays); for a new group the key is the one given or made from the
    /// name, and empty when neither gives one (the store then numbers it).
    pub fn parse(&self, catalog: &Catalog, fixed_key: Option<&str>) -> Result<HostGroupDraft> {
        let mut p = Problems::new();
        let name = self.name.trim().to_string();
        if name.is_empty() || name.chars().count() > 100 {
            p.add("name", "give the group's name (up to 100 characters)");
        }
        let description = self.description.trim().to_string();
        if description.chars().count() > 2000 {
            p.add("description", "at most 2000 characters");
        }
        let key = match fixed_key {
            Some(k) => {
                let given = self.key.trim();
                if !given.is_empty() && given != k {
                    p.add(
                        "key",
                        format!("the key of a group does not change: this one is '{k}'"),
                    );
                }
                k.to_string()
            }
            None => {
                let given = self.key.trim();
                if given.is_empty() {
                    key_of(&name)
                } else if valid_key(given) {
                    given.to_string()
                } else {
                    p.add(
                        "key",
                        format!(
                            "'{given}' is not a key: use 1 to 40 lowercase letters, digits and '-'"
                        ),
                    );
                    String::new()
                }
            }
        };
        let mut excluded: Vec<String> = Vec::new();
        let mut unknown = Vec::new();
        let listed = if self.excluded_controls.chars().count() > 2000 {
            p.add(
                "excluded_controls",
                "at most 2000 characters: name the controls, e.g. 8.13, 8.14",
            );
            ""
        } else {
            self.excluded_controls.as_str()
        };
        for raw in listed.split(|c: char| c == ',' || c == ';' || c.is_whitespace()) {
            if raw.is_empty() {
                continue;
            }
            match catalog.control(raw) {
                Ok(c) => {
                    if !excluded.contains(&c.id) {
                        excluded.push(c.id.clone());
                    }
                }
                Err(_) => unknown.push(format!("'{raw}'")),
            }
        }
        if unknown.len() > 10 {
            let more = unknown.len() - 10;
            unknown.truncate(10);
            unknown.push(format!("and {more} more"));
        }
        if !unknown.is_empty() {
            p.add(
                "excluded_controls",
                format!(
                    "{} {} not {} of ISO/IEC 27002:2022: name controls such as 8.13",
                    unknown.join(", "),
                    if unknown.len() == 1 { "is" } else { "are" },
                    if unknown.len() == 1 {
                        "a control"
                    } else {
                        "controls"
                    }
                ),
            );
        }
        excluded.sort_by_key(|c| crate::domain::catalog::control_order(c));
        p.into_result()?;
        Ok(HostGroupDraft {
            key,
            name,
            description,
            is_default: self.is_default,
            excluded_controls: excluded,
        })
    }
}

/// What `PUT /api/v1/hosts/{name}/group` takes.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct HostGroupChoice {
    /// The group's key or name.
    #[schema(required = true, min_length = 1, max_length = 100, pattern = "\\S")]
    pub group: String,
}

/// The group a key or a name (any case) names.
pub fn find<'a>(groups: &'a [HostGroup], wanted: &str) -> Option<&'a HostGroup> {
    let wanted = wanted.trim();
    groups.iter().find(|g| g.key == wanted).or_else(|| {
        groups
            .iter()
            .find(|g| g.name.to_lowercase() == wanted.to_lowercase())
    })
}

/// The message for a group that does not exist, listing those that do.
pub fn unknown(groups: &[HostGroup], wanted: &str) -> String {
    let names: Vec<&str> = groups.iter().map(|g| g.name.as_str()).collect();
    format!(
        "'{}' is not a host group: use {}",
        wanted.trim(),
        names.join(", ")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_come_from_names() {
        assert_eq!(key_of("Point of sale"), "point-of-sale");
        assert_eq!(key_of("  Servers (EU) "), "servers-eu");
        assert_eq!(key_of("Διακομιστές"), "");
        assert_eq!(key_of(&"a".repeat(60)).len(), 40);
        assert!(valid_key("pos-2"));
        assert!(!valid_key("POS"));
        assert!(!valid_key(""));
    }

    #[test]
    fn groups_are_found_by_key_or_name() {
        let g = |key: &str, name: &str| HostGroup {
            key: key.into(),
            name: name.into(),
            description: String::new(),
            is_default: false,
            excluded_controls: vec!["8.13".into()],
            hosts: 0,
            revision: 1,
        };
        let groups = [g("servers", "Servers"), g("group-2", "Σταθμοί εργασίας")];
        assert_eq!(find(&groups, "servers").unwrap().key, "servers");
        assert_eq!(find(&groups, "SERVERS").unwrap().key, "servers");
        assert_eq!(find(&groups, "σταθμοί εργασίας").unwrap().key, "group-2");
        assert!(find(&groups, "kiosks").is_none());
        assert_eq!(
            unknown(&groups, "kiosks"),
            "'kiosks' is not a host group: use Servers, Σταθμοί εργασίας"
        );
        assert!(!groups[0].evidences("8.13"));
        assert!(groups[0].evidences("8.8"));
    }
}
