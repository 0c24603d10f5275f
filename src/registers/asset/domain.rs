//! Assets (ISO/IEC 27002 5.9–5.13): what an asset record holds, the organisation's asset types
//! and classification scheme, and the parsing of an asset as typed in a form, an API body or a
//! spreadsheet row — every bad field reported at once, by name.

use crate::domain::input::{list_or_text, parse_asset_id, parse_date, text_or_number};
use crate::error::{Error, Problems};
use crate::registers::matrix::domain::Matrix;
use serde::{Deserialize, Serialize};

/// Where an asset is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Lifecycle {
    Planned,
    InUse,
    Retired,
    Disposed,
}

impl Lifecycle {
    pub const ALL: [Lifecycle; 4] = [
        Lifecycle::Planned,
        Lifecycle::InUse,
        Lifecycle::Retired,
        Lifecycle::Disposed,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Lifecycle::Planned => "planned",
            Lifecycle::InUse => "in_use",
            Lifecycle::Retired => "retired",
            Lifecycle::Disposed => "disposed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Lifecycle::Planned => "planned",
            Lifecycle::InUse => "in use",
            Lifecycle::Retired => "retired",
            Lifecycle::Disposed => "disposed",
        }
    }

    /// Reads a status as people write it: our words or the usual ones of inventories
    /// ("active", "decommissioned" …).
    pub fn parse(raw: &str) -> Result<Lifecycle, String> {
        let norm = raw.trim().to_lowercase().replace([' ', '-'], "_");
        let synonym = match norm.as_str() {
            "active" | "live" | "operational" | "production" | "in_service" | "inuse" => {
                Some(Lifecycle::InUse)
            }
            "proposed" | "new" | "in_development" | "ordered" => Some(Lifecycle::Planned),
            "inactive" | "decommissioned" | "archived" | "end_of_life" => Some(Lifecycle::Retired),
            "destroyed" | "disposed_of" | "scrapped" => Some(Lifecycle::Disposed),
            _ => None,
        };
        Lifecycle::ALL
            .into_iter()
            .find(|l| l.key() == norm)
            .or(synonym)
            .ok_or_else(|| {
                format!(
                    "'{}' is not a lifecycle status: use planned, in use, retired or disposed",
                    raw.trim()
                )
            })
    }
}

/// A kind of asset, e.g. `hardware`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssetType {
    pub key: String,
    pub name: String,
}

/// A level of the classification scheme with its handling rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ClassificationLevel {
    pub key: String,
    pub name: String,
    /// How information at this level is to be handled, in the organisation's words.
    pub handling: String,
}

/// The organisation's asset types and classification scheme (least to most sensitive).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct AssetSettings {
    pub types: Vec<AssetType>,
    pub classification: Vec<ClassificationLevel>,
}

impl Default for AssetSettings {
    fn default() -> Self {
        let t = |k: &str, n: &str| AssetType {
            key: k.into(),
            name: n.into(),
        };
        let c = |k: &str, n: &str, h: &str| ClassificationLevel {
            key: k.into(),
            name: n.into(),
            handling: h.into(),
        };
        AssetSettings {
            types: vec![
                t("information", "Information"),
                t("software", "Software"),
                t("hardware", "Hardware"),
                t("service", "Service"),
                t("people", "People"),
                t("site", "Site"),
                t("supplier_provided", "Supplier-provided"),
            ],
            classification: vec![
                c(
                    "public",
                    "Public",
                    "Approved for anyone to see. Check that it is current and correct before publishing; no other restrictions.",
                ),
                c(
                    "internal",
                    "Internal",
                    "For staff and contracted partners doing the organisation's work. Keep it inside company systems; do not post it publicly.",
                ),
                c(
                    "confidential",
                    "Confidential",
                    "Only for the people and partners who need it for their work. Share through approved, access-controlled channels; encrypt it on portable media and outside company systems.",
                ),
                c(
                    "restricted",
                    "Restricted",
                    "Only for named people. Keep it encrypted at rest and in transit, log access, never copy it to personal devices or services, and destroy it securely when no longer needed.",
                ),
            ],
        }
    }
}

impl AssetSettings {
    /// Checks keys (lower-case letters, digits, `_`), names and sizes; names each problem.
    pub fn validate(&self) -> Result<(), Error> {
        let mut p = Problems::new();
        if self.types.is_empty() {
            p.add("types", "keep at least one asset type");
        }
        if self.classification.len() < 2 {
            p.add(
                "classification",
                "a classification scheme needs at least two levels",
            );
        }
        let key_ok = |k: &str| {
            !k.is_empty()
                && k.len() <= 40
                && k.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
        };
        for (i, t) in self.types.iter().enumerate() {
            if !key_ok(&t.key) {
                p.add(
                    &format!("types[{}].key", i + 1),
                    format!(
                        "'{}' is not a key: use lower-case letters, digits and _",
                        t.key
                    ),
                );
            }
            if self.types.iter().filter(|o| o.key == t.key).count() > 1 {
                p.add(
                    &format!("types[{}].key", i + 1),
                    format!("the key '{}' is used twice", t.key),
                );
            }
            if t.name.trim().is_empty() || t.name.chars().count() > 60 {
                p.add(
                    &format!("types[{}].name", i + 1),
                    "give each type a name of 1 to 60 characters",
                );
            }
        }
        for (i, c) in self.classification.iter().enumerate() {
            if !key_ok(&c.key) {
                p.add(
                    &format!("classification[{}].key", i + 1),
                    format!(
                        "'{}' is not a key: use lower-case letters, digits and _",
                        c.key
                    ),
                );
            }
            if self
                .classification
                .iter()
                .filter(|o| o.key == c.key)
                .count()
                > 1
            {
                p.add(
                    &format!("classification[{}].key", i + 1),
                    format!("the key '{}' is used twice", c.key),
                );
            }
            if c.name.trim().is_empty() || c.name.chars().count() > 60 {
                p.add(
                    &format!("classification[{}].name", i + 1),
                    "give each level a name of 1 to 60 characters",
                );
            }
            if c.handling.chars().count() > 2000 {
                p.add(
                    &format!("classification[{}].handling", i + 1),
                    "handling rules have at most 2000 characters",
                );
            }
        }
        p.into_result()
    }

    pub fn find_type(&self, raw: &str) -> Option<&AssetType> {
        let norm = raw.trim().to_lowercase().replace([' ', '-'], "_");
        self.types
            .iter()
            .find(|t| t.key == norm || t.name.eq_ignore_ascii_case(raw.trim()))
    }

    pub fn find_level(&self, raw: &str) -> Option<&ClassificationLevel> {
        let norm = raw.trim().to_lowercase();
        self.classification
            .iter()
            .find(|c| c.key == norm || c.name.eq_ignore_ascii_case(raw.trim()))
    }

    pub fn level_name(&self, key: &str) -> String {
        self.classification
            .iter()
            .find(|c| c.key == key)
            .map(|c| c.name.clone())
            .unwrap_or_else(|| key.to_string())
    }

    pub fn type_name(&self, key: &str) -> String {
        self.types
            .iter()
            .find(|t| t.key == key)
            .map(|t| t.name.clone())
            .unwrap_or_else(|| key.to_string())
    }
}

/// An asset as stored and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Asset {
    pub id: String,
    pub name: String,
    /// Key of an asset type, e.g. `hardware`.
    pub asset_type: String,
    pub description: String,
    pub owner: String,
    pub custodian: String,
    pub location: String,
    /// Key of a classification level, e.g. `confidential`.
    pub classification: String,
    /// Valuations on the risk matrix's impact scale (1 = lowest), when rated.
    pub confidentiality: Option<i64>,
    pub integrity: Option<i64>,
    pub availability: Option<i64>,
    pub lifecycle: Lifecycle,
    pub tags: Vec<String>,
    /// Ids of the assets this one depends on ("runs on").
    pub depends_on: Vec<String>,
    /// `YYYY-MM-DD`
    pub last_reviewed_on: Option<String>,
    pub created_at: String,
    pub updated_at: String,
    /// Raised by every write: a writer that saw an older revision is refused (409).
    pub revision: i64,
}

/// An asset as typed: every field text, as forms and spreadsheets give them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct AssetInput {
    /// Optional on creation (a readable id such as A-0001 is given); must match on update.
    #[schema(pattern = "^ *([A-Za-z0-9._-]{1,40})? *$")]
    pub id: Option<String>,
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub name: String,
    /// An asset type, by key or name.
    #[schema(required = true)]
    pub asset_type: String,
    #[schema(max_length = 5000)]
    pub description: String,
    #[schema(max_length = 200)]
    pub owner: String,
    #[schema(max_length = 200)]
    pub custodian: String,
    #[schema(max_length = 200)]
    pub location: String,
    /// A classification level, by key or name.
    #[schema(required = true)]
    pub classification: String,
    /// An impact step of the risk matrix, by value or name; empty when not rated.
    #[serde(deserialize_with = "text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub confidentiality: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub integrity: String,
    #[serde(deserialize_with = "text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub availability: String,
    /// planned, in use, retired or disposed (default: in use).
    pub lifecycle: String,
    /// Comma-separated, or a JSON list in the API.
    #[serde(deserialize_with = "list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub tags: String,
    #[serde(deserialize_with = "list_or_text")]
    #[schema(schema_with = crate::domain::input::list_or_text_schema)]
    pub depends_on: String,
    /// `YYYY-MM-DD`, or empty.
    #[schema(pattern = "^$|^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])$")]
    pub last_reviewed_on: String,
}

impl From<&Asset> for AssetInput {
    /// The asset as it would be typed, for edit forms and exports.
    fn from(a: &Asset) -> AssetInput {
        let num = |v: Option<i64>| v.map(|v| v.to_string()).unwrap_or_default();
        AssetInput {
            id: Some(a.id.clone()),
            name: a.name.clone(),
            asset_type: a.asset_type.clone(),
            description: a.description.clone(),
            owner: a.owner.clone(),
            custodian: a.custodian.clone(),
            location: a.location.clone(),
            classification: a.classification.clone(),
            confidentiality: num(a.confidentiality),
            integrity: num(a.integrity),
            availability: num(a.availability),
            lifecycle: a.lifecycle.key().into(),
            tags: a.tags.join(", "),
            depends_on: a.depends_on.join(", "),
            last_reviewed_on: a.last_reviewed_on.clone().unwrap_or_default(),
        }
    }
}

/// A checked asset, ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AssetDraft {
    pub id: Option<String>,
    pub name: String,
    pub asset_type: String,
    pub description: String,
    pub owner: String,
    pub custodian: String,
    pub location: String,
    pub classification: String,
    pub confidentiality: Option<i64>,
    pub integrity: Option<i64>,
    pub availability: Option<i64>,
    pub lifecycle: Lifecycle,
    pub tags: Vec<String>,
    pub depends_on: Vec<String>,
    pub last_reviewed_on: Option<String>,
}

fn bounded(p: &mut Problems, field: &str, raw: &str, max: usize) -> String {
    let s = raw.trim().to_string();
    if s.chars().count() > max {
        p.add(
            field,
            format!("at most {max} characters (this has {})", s.chars().count()),
        );
    }
    s
}

fn split_list(raw: &str) -> Vec<String> {
    let mut out: Vec<String> = raw
        .split([',', ';', '\n'])
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
        .collect();
    out.sort();
    out.dedup();
    out
}

impl AssetInput {
    /// Checks every field against the organisation's settings and matrix.
    pub fn parse(&self, settings: &AssetSettings, matrix: &Matrix) -> Result<AssetDraft, Error> {
        let mut p = Problems::new();
        let id = match self.id.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            Some(raw) => p.take("id", parse_asset_id(raw)),
            None => None,
        };
        let name = bounded(&mut p, "name", &self.name, 200);
        if name.is_empty() {
            p.add("name", "give the asset a name");
        }
        let asset_type = match settings.find_type(&self.asset_type) {
            Some(t) => t.key.clone(),
            None => {
                let names: Vec<&str> = settings.types.iter().map(|t| t.name.as_str()).collect();
                p.add(
                    "asset_type",
                    format!(
                        "'{}' is not an asset type: use one of {}",
                        self.asset_type.trim(),
                        names.join(", ")
                    ),
                );
                String::new()
            }
        };
        let classification = match settings.find_level(&self.classification) {
            Some(c) => c.key.clone(),
            None => {
                let names: Vec<&str> = settings
                    .classification
                    .iter()
                    .map(|c| c.name.as_str())
                    .collect();
                p.add(
                    "classification",
                    format!(
                        "'{}' is not a classification level: use one of {}",
                        self.classification.trim(),
                        names.join(", ")
                    ),
                );
                String::new()
            }
        };
        let mut cia = |field: &str, raw: &str| -> Option<i64> {
            if raw.trim().is_empty() {
                return None;
            }
            match matrix.impact_step(raw) {
                Some(s) => Some(s.value),
                None => {
                    let steps: Vec<String> = matrix
                        .impact
                        .iter()
                        .map(|s| format!("{} {}", s.value, s.name))
                        .collect();
                    p.add(
                        field,
                        format!(
                            "'{}' is not a level of the impact scale (expected one of {})",
                            raw.trim(),
                            steps.join(", ")
                        ),
                    );
                    None
                }
            }
        };
        let confidentiality = cia("confidentiality", &self.confidentiality);
        let integrity = cia("integrity", &self.integrity);
        let availability = cia("availability", &self.availability);
        let lifecycle = if self.lifecycle.trim().is_empty() {
            Lifecycle::InUse
        } else {
            p.take("lifecycle", Lifecycle::parse(&self.lifecycle))
                .unwrap_or(Lifecycle::InUse)
        };
        let tags = split_list(&self.tags);
        for t in &tags {
            if t.chars().count() > 40 {
                p.add(
                    "tags",
                    format!("the tag '{t}' is longer than 40 characters"),
                );
            }
        }
        let mut depends_on = Vec::new();
        for d in split_list(&self.depends_on) {
            if let Some(d) = p.take("depends_on", parse_asset_id(&d)) {
                depends_on.push(d);
            }
        }
        if let Some(own) = &id
            && depends_on.contains(own)
        {
            p.add("depends_on", "an asset cannot depend on itself");
        }
        let last_reviewed_on = match self.last_reviewed_on.trim() {
            "" => None,
            raw => p.take("last_reviewed_on", parse_date(raw)),
        };
        let description = bounded(&mut p, "description", &self.description, 5000);
        let owner = bounded(&mut p, "owner", &self.owner, 200);
        let custodian = bounded(&mut p, "custodian", &self.custodian, 200);
        let location = bounded(&mut p, "location", &self.location, 200);
        p.into_result()?;
        Ok(AssetDraft {
            id,
            name,
            asset_type,
            description,
            owner,
            custodian,
            location,
            classification,
            confidentiality,
            integrity,
            availability,
            lifecycle,
            tags,
            depends_on,
            last_reviewed_on,
        })
    }
}

/// Which assets to list; every part is optional and they combine with AND.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetFilter {
    pub asset_type: Option<String>,
    pub owner: Option<String>,
    pub classification: Option<String>,
    pub lifecycle: Option<Lifecycle>,
    pub tag: Option<String>,
    pub text: Option<String>,
}

/// The register's sort orders; each has an index ending in the asset id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, utoipa::ToSchema)]
#[schema(rename_all = "snake_case")]
pub enum AssetSort {
    #[default]
    Name,
    Id,
    Type,
    Owner,
    Classification,
    Lifecycle,
    /// Most recently changed first.
    Updated,
}

impl AssetSort {
    pub const ALL: [AssetSort; 7] = [
        AssetSort::Name,
        AssetSort::Id,
        AssetSort::Type,
        AssetSort::Owner,
        AssetSort::Classification,
        AssetSort::Lifecycle,
        AssetSort::Updated,
    ];

    pub fn key(self) -> &'static str {
        match self {
            AssetSort::Name => "name",
            AssetSort::Id => "id",
            AssetSort::Type => "type",
            AssetSort::Owner => "owner",
            AssetSort::Classification => "classification",
            AssetSort::Lifecycle => "lifecycle",
            AssetSort::Updated => "updated",
        }
    }

    pub fn parse(raw: &str) -> Result<AssetSort, Error> {
        AssetSort::ALL.into_iter().find(|s| s.key() == raw.trim()).ok_or_else(|| {
            Error::field("sort", format!("'{}' is not a sort: use name, id, type, owner, classification, lifecycle or updated", raw.trim()))
        })
    }
}

impl AssetSort {
    /// Words for the sort menu.
    pub fn label(self) -> &'static str {
        match self {
            AssetSort::Name => "name",
            AssetSort::Id => "id",
            AssetSort::Type => "type",
            AssetSort::Owner => "owner",
            AssetSort::Classification => "classification",
            AssetSort::Lifecycle => "lifecycle status",
            AssetSort::Updated => "last changed",
        }
    }
}

/// The register's query: the filter and the order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AssetQuery {
    pub filter: AssetFilter,
    pub sort: AssetSort,
}

impl AssetQuery {
    /// The parameters the register reads (besides `cursor` and `limit`).
    pub const PARAMS: &'static [&'static str] = &[
        "q",
        "type",
        "classification",
        "lifecycle",
        "owner",
        "tag",
        "sort",
    ];

    /// Reads `q`, `type`, `classification`, `lifecycle`, `owner`, `tag` and `sort`; every
    /// malformed value is named. Whether a type or level exists is the settings' business
    /// (checked by the use case).
    pub fn read(params: &crate::domain::query::Params) -> Result<AssetQuery, Error> {
        let get = |k: &str| params.get(k).map(str::to_string);
        let mut p = Problems::new();
        let lifecycle = match get("lifecycle") {
            Some(l) => p.take("lifecycle", Lifecycle::parse(&l)),
            None => None,
        };
        let sort = match get("sort") {
            Some(s) => match AssetSort::parse(&s) {
                Ok(s) => s,
                Err(e) => {
                    for f in e.fields() {
                        p.add(&f.field, &f.message);
                    }
                    AssetSort::Name
                }
            },
            None => AssetSort::Name,
        };
        p.into_query_result()?;
        Ok(AssetQuery {
            filter: AssetFilter {
                asset_type: get("type"),
                owner: get("owner"),
                classification: get("classification"),
                lifecycle,
                tag: get("tag"),
                text: get("q"),
            },
            sort,
        })
    }
}

impl AssetFilter {
    /// The filter with its type and classification level as keys, each read as create reads
    /// it (key or name, any case: `type=Hardware` as `asset_type: "Hardware"`); one the
    /// settings do not have is refused, naming each.
    pub fn resolved(&self, settings: &AssetSettings) -> Result<AssetFilter, Error> {
        let mut p = Problems::new();
        let mut out = self.clone();
        if let Some(t) = &self.asset_type {
            match settings.find_type(t) {
                Some(x) => out.asset_type = Some(x.key.clone()),
                None => p.add("type", format!("'{t}' is not an asset type")),
            }
        }
        if let Some(c) = &self.classification {
            match settings.find_level(c) {
                Some(x) => out.classification = Some(x.key.clone()),
                None => p.add(
                    "classification",
                    format!("'{c}' is not a classification level"),
                ),
            }
        }
        p.into_query_result()?;
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input() -> AssetInput {
        AssetInput {
            name: "Payroll database".into(),
            asset_type: "Information".into(),
            classification: "confidential".into(),
            confidentiality: "5".into(),
            integrity: "Major".into(),
            tags: "hr, finance,hr".into(),
            depends_on: "SRV-01".into(),
            last_reviewed_on: "2026-03-31".into(),
            ..AssetInput::default()
        }
    }

    #[test]
    fn a_well_typed_asset_parses_with_names_or_values() {
        let d = input()
            .parse(&AssetSettings::default(), &Matrix::default_5x5())
            .unwrap();
        assert_eq!(d.asset_type, "information");
        assert_eq!(
            (d.confidentiality, d.integrity, d.availability),
            (Some(5), Some(4), None)
        );
        assert_eq!(d.tags, ["finance", "hr"]);
        assert_eq!(d.lifecycle, Lifecycle::InUse);
    }

    #[test]
    fn every_bad_field_is_named() {
        let bad = AssetInput {
            id: Some("no spaces please".into()),
            name: " ".into(),
            asset_type: "spaceship".into(),
            classification: "top secret".into(),
            availability: "hihg".into(),
            lifecycle: "broken".into(),
            last_reviewed_on: "31/03/2026".into(),
            ..AssetInput::default()
        };
        let e = bad
            .parse(&AssetSettings::default(), &Matrix::default_5x5())
            .unwrap_err();
        let fields: Vec<&str> = e.fields().iter().map(|f| f.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "id",
                "name",
                "asset_type",
                "classification",
                "availability",
                "lifecycle",
                "last_reviewed_on"
            ]
        );
        assert!(
            e.fields()[4]
                .message
                .contains("'hihg' is not a level of the impact scale")
        );
    }
}
