//! The spreadsheet bridge: registers as CSV (controls, assets, risks), with the columns the
//! records have, so that what Annex exports it can read back.

use crate::domain::asset::{Asset, AssetInput};
use crate::domain::catalog::Control;
use crate::domain::measure::{Measure, MeasureInput};
use crate::domain::risk::{Risk, RiskInput};

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// Controls as CSV: id, title, theme, summary, then one column per attribute type (values
/// joined with `;`).
pub fn controls_csv(controls: &[Control]) -> String {
    let mut keys: Vec<&String> = controls.iter().flat_map(|c| c.attributes.keys()).collect();
    keys.sort();
    keys.dedup();
    let mut s = String::from("id,title,theme,summary");
    for k in &keys {
        s.push(',');
        s.push_str(&csv_field(k));
    }
    s.push('\n');
    for c in controls {
        let mut row = vec![
            csv_field(&c.id),
            csv_field(&c.title),
            csv_field(&c.theme),
            csv_field(&c.summary),
        ];
        for k in &keys {
            row.push(csv_field(
                &c.attributes
                    .get(*k)
                    .map(|v| v.join(";"))
                    .unwrap_or_default(),
            ));
        }
        s.push_str(&row.join(","));
        s.push('\n');
    }
    s
}

/// Writes a header and rows of already-textual fields.
fn table_csv(header: &[&str], rows: impl Iterator<Item = Vec<String>>) -> String {
    let mut s = header.join(",");
    s.push('\n');
    for row in rows {
        s.push_str(
            &row.iter()
                .map(|f| csv_field(f))
                .collect::<Vec<_>>()
                .join(","),
        );
        s.push('\n');
    }
    s
}

pub const ASSET_COLUMNS: [&str; 15] = [
    "id",
    "name",
    "asset_type",
    "description",
    "owner",
    "custodian",
    "location",
    "classification",
    "confidentiality",
    "integrity",
    "availability",
    "lifecycle",
    "tags",
    "depends_on",
    "last_reviewed_on",
];

/// Assets as CSV, one column per field of the asset record.
pub fn assets_csv(assets: &[Asset]) -> String {
    table_csv(
        &ASSET_COLUMNS,
        assets.iter().map(|a| {
            let v = AssetInput::from(a);
            vec![
                a.id.clone(),
                v.name,
                v.asset_type,
                v.description,
                v.owner,
                v.custodian,
                v.location,
                v.classification,
                v.confidentiality,
                v.integrity,
                v.availability,
                v.lifecycle,
                v.tags,
                v.depends_on,
                v.last_reviewed_on,
            ]
        }),
    )
}

pub const RISK_COLUMNS: [&str; 21] = [
    "id",
    "title",
    "threat",
    "vulnerability",
    "consequence",
    "owner",
    "category",
    "inherent_likelihood",
    "inherent_impact",
    "inherent_level",
    "current_likelihood",
    "current_impact",
    "current_level",
    "target_likelihood",
    "target_impact",
    "target_level",
    "treatment",
    "review_due_on",
    "assets",
    "measures",
    "acceptance",
];

/// Risks as CSV: the fields of the risk, the derived levels, and the acceptance's state and date.
pub fn risks_csv(risks: &[Risk], today: &str) -> String {
    table_csv(
        &RISK_COLUMNS,
        risks.iter().map(|r| {
            let v = RiskInput::from(r);
            vec![
                r.id.clone(),
                v.title,
                v.threat,
                v.vulnerability,
                v.consequence,
                v.owner,
                v.category,
                v.inherent_likelihood,
                v.inherent_impact,
                r.inherent.level.clone(),
                v.current_likelihood,
                v.current_impact,
                r.current.level.clone(),
                v.target_likelihood,
                v.target_impact,
                r.target.level.clone(),
                v.treatment,
                v.review_due_on,
                v.assets,
                v.measures,
                r.acceptance
                    .as_ref()
                    .map(|a| format!("{} until {}", a.state(today), a.valid_until))
                    .unwrap_or_default(),
            ]
        }),
    )
}

pub const MEASURE_COLUMNS: [&str; 9] = [
    "id",
    "name",
    "description",
    "owner",
    "status",
    "due_on",
    "effort",
    "cost",
    "controls",
];

/// Measures as CSV (the treatment plan).
pub fn measures_csv(measures: &[Measure]) -> String {
    table_csv(
        &MEASURE_COLUMNS,
        measures.iter().map(|m| {
            let v = MeasureInput::from(m);
            let cost = v.cost_text();
            let controls = v.controls_text();
            vec![
                m.id.clone(),
                v.name,
                v.description,
                v.owner,
                v.status,
                v.due_on,
                v.effort,
                cost,
                controls,
            ]
        }),
    )
}

/// A CSV download.
pub fn csv_response(name: &str, body: String) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        body,
    )
        .into_response()
}

/// Reads CSV text (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes, CRLF,
/// a leading byte-order mark; `;` is accepted as the separator when the header uses it).
pub fn read_csv(text: &str) -> Result<Vec<Vec<String>>, crate::error::Error> {
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or_default();
    let sep = if first_line.matches(';').count() > first_line.matches(',').count() {
        ';'
    } else {
        ','
    };
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted, mut line) = (Vec::new(), String::new(), false, 1usize);
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => quoted = true,
            (c, false) if c == sep => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                if row.iter().any(|f| !f.trim().is_empty()) {
                    rows.push(std::mem::take(&mut row));
                } else {
                    row.clear();
                }
                line += 1;
            }
            (c, _) => {
                if c == '\n' {
                    line += 1;
                }
                field.push(c)
            }
        }
    }
    if quoted {
        return Err(crate::error::Error::field(
            format!("line {line}"),
            "a quoted field is not closed",
        ));
    }
    row.push(field);
    if row.iter().any(|f| !f.trim().is_empty()) {
        rows.push(row);
    }
    Ok(rows)
}

/// Lower-case letters and digits only: "Risk owner" and "risk_owner" compare equal.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The headers real spreadsheets use for each asset field.
const ASSET_SYNONYMS: &[(&str, &[&str])] = &[
    (
        "id",
        &[
            "id",
            "assetid",
            "ref",
            "reference",
            "assetref",
            "assetnumber",
        ],
    ),
    ("name", &["name", "assetname", "asset", "title"]),
    ("asset_type", &["assettype", "type", "kind", "category"]),
    ("description", &["description", "details", "notes"]),
    (
        "owner",
        &["owner", "assetowner", "responsible", "accountable"],
    ),
    ("custodian", &["custodian", "maintainer", "operator"]),
    ("location", &["location", "site", "place"]),
    (
        "classification",
        &[
            "classification",
            "class",
            "sensitivity",
            "informationclassification",
            "dataclassification",
        ],
    ),
    (
        "confidentiality",
        &["confidentiality", "c", "confidentialityvalue"],
    ),
    ("integrity", &["integrity", "i", "integrityvalue"]),
    ("availability", &["availability", "a", "availabilityvalue"]),
    (
        "lifecycle",
        &["lifecycle", "status", "state", "lifecyclestatus"],
    ),
    ("tags", &["tags", "labels", "tag"]),
    (
        "depends_on",
        &["dependson", "dependencies", "runson", "dependency"],
    ),
    (
        "last_reviewed_on",
        &[
            "lastreviewedon",
            "lastreviewed",
            "reviewed",
            "reviewdate",
            "lastreview",
        ],
    ),
];

/// What a file's header means: the field of each column (or none), the columns nobody knows.
pub struct HeaderPlan {
    pub fields: Vec<Option<&'static str>>,
    pub unknown: Vec<String>,
}

/// Matches a header row to asset fields: explicit `map` entries (`Their header=field`) first,
/// then known synonyms, case and punctuation ignored. Unknown map entries are errors.
pub fn plan_asset_header(
    header: &[String],
    map: &[String],
) -> Result<HeaderPlan, crate::error::Error> {
    let mut problems = crate::error::Problems::new();
    let mut explicit: Vec<(String, &'static str)> = Vec::new();
    for m in map {
        match m.split_once('=') {
            Some((theirs, ours)) => match ASSET_SYNONYMS.iter().find(|(f, _)| *f == ours.trim()) {
                Some((f, _)) => explicit.push((squash(theirs), f)),
                None => problems.add(
                    "map",
                    format!(
                        "'{}' is not an asset field: use one of {}",
                        ours.trim(),
                        ASSET_COLUMNS.join(", ")
                    ),
                ),
            },
            None => problems.add(
                "map",
                format!("'{m}' is not a mapping: write 'Their header=field'"),
            ),
        }
    }
    problems.into_result()?;
    let mut fields = Vec::new();
    let mut unknown = Vec::new();
    for h in header {
        let key = squash(h);
        let field = explicit
            .iter()
            .find(|(t, _)| *t == key)
            .map(|(_, f)| *f)
            .or_else(|| {
                ASSET_SYNONYMS
                    .iter()
                    .find(|(_, syn)| syn.contains(&key.as_str()))
                    .map(|(f, _)| *f)
            });
        if field.is_none() && !h.trim().is_empty() {
            unknown.push(h.trim().to_string());
        }
        fields.push(field.filter(|f| !fields.contains(&Some(*f))));
    }
    if !fields.contains(&Some("name")) {
        return Err(crate::error::Error::field(
            "header",
            "no column holds the asset name (expected a header such as 'name' or 'asset name')",
        ));
    }
    Ok(HeaderPlan { fields, unknown })
}

/// Turns CSV rows into asset inputs by the header plan; answers (spreadsheet row number, input).
pub fn asset_inputs(rows: &[Vec<String>], plan: &HeaderPlan) -> Vec<(usize, AssetInput)> {
    rows.iter()
        .enumerate()
        .map(|(i, row)| {
            let mut v = AssetInput::default();
            for (col, field) in plan.fields.iter().enumerate() {
                let Some(field) = field else { continue };
                let value = row.get(col).cloned().unwrap_or_default();
                match *field {
                    "id" => v.id = Some(value),
                    "name" => v.name = value,
                    "asset_type" => v.asset_type = value,
                    "description" => v.description = value,
                    "owner" => v.owner = value,
                    "custodian" => v.custodian = value,
                    "location" => v.location = value,
                    "classification" => v.classification = value,
                    "confidentiality" => v.confidentiality = value,
                    "integrity" => v.integrity = value,
                    "availability" => v.availability = value,
                    "lifecycle" => v.lifecycle = value,
                    "tags" => v.tags = value,
                    "depends_on" => v.depends_on = value,
                    "last_reviewed_on" => v.last_reviewed_on = value,
                    _ => {}
                }
            }
            (i + 2, v)
        })
        .collect()
}
