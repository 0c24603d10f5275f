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
