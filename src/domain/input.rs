//! Reading what people type: record ids, dates, and JSON values that may come as text or as a
//! number or a list (forms send text, scripts send numbers and arrays).

use serde::Deserialize;

/// Checks an asset id typed by a person: letters, digits, `.`, `_`, `-`, up to 40 characters.
pub fn parse_asset_id(raw: &str) -> Result<String, String> {
    let s = raw.trim();
    if s.is_empty()
        || s.len() > 40
        || !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
    {
        return Err(format!(
            "'{s}' is not an asset id: use up to 40 letters, digits, '.', '_' or '-'"
        ));
    }
    Ok(s.to_string())
}

/// Checks a `YYYY-MM-DD` date.
pub fn parse_date(raw: &str) -> Result<String, String> {
    let fmt = time::macros::format_description!("[year]-[month]-[day]");
    time::Date::parse(raw.trim(), fmt)
        .map(|d| d.to_string())
        .map_err(|_| {
            format!(
                "'{}' is not a date: write YYYY-MM-DD, e.g. 2026-03-31",
                raw.trim()
            )
        })
}

pub fn text_or_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        other => other.to_string(),
    })
}

pub fn list_or_text<'de, D: serde::Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    Ok(match serde_json::Value::deserialize(d)? {
        serde_json::Value::Null => String::new(),
        serde_json::Value::String(s) => s,
        serde_json::Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                serde_json::Value::String(s) => s,
                other => other.to_string(),
            })
            .collect::<Vec<_>>()
            .join(","),
        other => other.to_string(),
    })
}
