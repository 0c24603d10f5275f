//! Query strings as typed queries. A register's filter and sort are domain types, read once
//! from `Params` by the register (`RiskQuery::read`, …) for its page and its API, and built
//! straight from flags by its command. Unknown parameters (for the API) and malformed values
//! (everywhere) are errors naming the parameter, never silently ignored.

use crate::error::{Error, FieldError, Problems, Result};

/// The parameters of a query string, repeated keys kept (`attr=…&attr=…`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Params {
    pairs: Vec<(String, String)>,
}

/// Parameters every list understands besides its filters: the page (`cursor`, `limit`) and,
/// on pages, the notice shown after a redirect.
pub const PAGING: &[&str] = &["cursor", "limit", "notice"];

/// A value without the white space around it (U+0085 kept: see [`Params::get`]).
fn trim_blank(v: &str) -> &str {
    v.trim_matches(|c: char| c.is_whitespace() && c != '\u{85}')
}

impl Params {
    /// Reads a raw query string; one that is not `key=value&…` is an error naming it.
    pub fn parse(raw: Option<&str>) -> Result<Params> {
        let raw = raw.unwrap_or_default();
        let pairs = serde_urlencoded::from_str::<Vec<(String, String)>>(raw).map_err(|e| {
            Error::Query(vec![FieldError::new(
                "query",
                format!("the query string is malformed: {e}"),
            )])
        })?;
        // No text holds a control character such as NUL (`%00`); PostgreSQL cannot even
        // compare one. Tabs and line breaks are left to the parameter that reads them.
        let mut p = Problems::new();
        for (k, v) in &pairs {
            if k.chars().chain(v.chars()).any(forbidden_in_text) {
                p.add(
                    k,
                    "holds a control character (such as %00), which no value can contain",
                );
            }
        }
        p.into_query_result()?;
        Ok(Params { pairs })
    }

    /// Reads a raw query string, keeping what can be read of a malformed one (a page shows
    /// the problem above what it could read).
    pub fn parse_lenient(raw: Option<&str>) -> (Params, Option<Error>) {
        match Params::parse(raw) {
            Ok(p) => (p, None),
            Err(e) => (Params::default(), Some(e)),
        }
    }

    pub fn from_pairs(pairs: Vec<(String, String)>) -> Params {
        Params { pairs }
    }

    /// Builds parameters from named values (the CLI's flags), skipping the absent ones.
    pub fn from_flags<'a>(flags: impl IntoIterator<Item = (&'a str, Option<String>)>) -> Params {
        Params {
            pairs: flags
                .into_iter()
                .filter_map(|(k, v)| v.map(|v| (k.to_string(), v)))
                .collect(),
        }
    }

    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// The first non-empty value of `key`, trimmed of spaces (not of U+0085, a C1 control
    /// that Unicode also counts as white space: a value of it alone is a value, refused by
    /// the parameters that read choices, as the API document says).
    pub fn get(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, v)| k == key && !trim_blank(v).is_empty())
            .map(|(_, v)| trim_blank(v))
    }

    /// The value of `key` as typed (empty when absent), to fill a filter form again.
    pub fn raw(&self, key: &str) -> String {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    }

    /// Every non-empty value of a repeated key.
    pub fn all(&self, key: &str) -> Vec<&str> {
        self.pairs
            .iter()
            .filter(|(k, v)| k == key && !trim_blank(v).is_empty())
            .map(|(_, v)| trim_blank(v))
            .collect()
    }

    /// Whether any filter (anything but paging) is given.
    pub fn filters_anything(&self) -> bool {
        self.pairs
            .iter()
            .any(|(k, v)| !PAGING.contains(&k.as_str()) && !trim_blank(v).is_empty())
    }

    /// Refuses parameters that are neither in `known` nor paging ones, naming each and saying
    /// which are understood (the API is strict; pages ignore strangers such as tracking tags).
    pub fn check_known(&self, known: &[&str]) -> Result<()> {
        let mut p = Problems::new();
        let mut seen: Vec<&str> = Vec::new();
        for (k, _) in &self.pairs {
            if known.contains(&k.as_str())
                || PAGING.contains(&k.as_str())
                || seen.contains(&k.as_str())
            {
                continue;
            }
            seen.push(k);
            let mut all: Vec<&str> = known.to_vec();
            all.extend(["limit", "cursor"]);
            p.add(
                k,
                format!("unknown parameter: use {}", list_words(&all, "or")),
            );
        }
        p.into_query_result()
    }

    /// The page size: `limit` between 1 and `max`, `default` when absent.
    pub fn limit(&self, default: i64, max: i64) -> Result<i64> {
        // Left empty (a form's field) is the default; only spaces or line breaks are no number.
        let raw = self.raw("limit");
        match self.get("limit") {
            None if raw.is_empty() => Ok(default),
            None => Err(Error::Query(vec![FieldError::new(
                "limit",
                format!(
                    "'{}' is not a number between 1 and {max}",
                    raw.escape_debug()
                ),
            )])),
            Some(l) => match l.parse::<i64>() {
                Ok(n) if (1..=max).contains(&n) => Ok(n),
                _ => Err(Error::Query(vec![FieldError::new(
                    "limit",
                    format!("'{l}' is not a number between 1 and {max}"),
                )])),
            },
        }
    }

    /// The cursor of the next page, as given.
    pub fn cursor(&self) -> Option<&str> {
        self.get("cursor")
    }

    /// A yes/no parameter (`1`, `true`, `yes`, `on` or `0`, `false`, `no`, `off`).
    pub fn flag(&self, key: &str, p: &mut Problems) -> bool {
        match self.get(key) {
            None => false,
            Some(v) => match v.to_ascii_lowercase().as_str() {
                "1" | "true" | "yes" | "on" => true,
                "0" | "false" | "no" | "off" => false,
                other => {
                    p.add(key, format!("'{other}' is not yes or no (use 1 or 0)"));
                    false
                }
            },
        }
    }
}

/// Control characters no text in Annex may hold (everything below a space but tab, line feed
/// and carriage return, and DEL).
pub fn forbidden_in_text(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r')) && (c as u32) < 0x80
}

/// `a, b or c`.
pub fn list_words(words: &[&str], last: &str) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., tail] => format!("{} {last} {tail}", init.join(", ")),
    }
}

/// Turns a filter's validation problems into query problems (400, naming the parameter).
pub fn as_query_error(e: Error) -> Error {
    match e {
        Error::Validation(f) => Error::Query(f),
        other => other,
    }
}

/// A page of a list and the cursor of the next page.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// How many records match the filter in all (counted up to 10,000: see `total_capped`).
    pub total: i64,
    /// More than 10,000 records match: `total` is then 10,000 and the list goes on.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub total_capped: bool,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<String>,
}

/// Which people of an audience (a document's, a campaign's) to list: where they stand
/// (`state`, one of the register's words), their department, text in their name or e-mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AudienceFilter<S> {
    pub state: Option<S>,
    pub department: Option<String>,
    pub text: Option<String>,
}

impl<S> Default for AudienceFilter<S> {
    fn default() -> Self {
        AudienceFilter {
            state: None,
            department: None,
            text: None,
        }
    }
}

impl<S> AudienceFilter<S> {
    /// The parameters an audience's list reads (besides `cursor` and `limit`).
    pub const PARAMS: &'static [&'static str] = &["state", "department", "q"];

    /// Reads `state` (through `parse`), `department` and `q`; a bad state is named.
    pub fn read_with(
        params: &Params,
        parse: impl Fn(&str) -> Result<S, String>,
    ) -> Result<AudienceFilter<S>, crate::error::Error> {
        let mut p = crate::error::Problems::new();
        let state = params.get("state").and_then(|s| p.take("state", parse(s)));
        p.into_query_result()?;
        Ok(AudienceFilter {
            state,
            department: params.get("department").map(str::to_string),
            text: params.get("q").map(str::to_string),
        })
    }
}

/// Percent-encodes a value for a query string or a path.
pub fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Up to `limit` items (all when `None`), read a page at a time: `page(cursor, size)`.
pub async fn collect_up_to<T, F, Fut>(limit: Option<i64>, mut page: F) -> Result<Vec<T>>
where
    F: FnMut(Option<String>, i64) -> Fut,
    Fut: std::future::Future<Output = Result<Page<T>>>,
{
    let want = limit.unwrap_or(i64::MAX).max(1);
    let mut out = Vec::new();
    let mut cursor = None;
    loop {
        let p = page(cursor.take(), 500.min(want)).await?;
        out.extend(p.items);
        match p.next_cursor {
            Some(c) if (out.len() as i64) < want => cursor = Some(c),
            _ => break,
        }
    }
    out.truncate(usize::try_from(want).unwrap_or(usize::MAX));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_malformed_parameters_are_named() {
        let p = Params::parse(Some("level=high&colour=red&limit=9&colour=blue")).unwrap();
        let e = p.check_known(&["level"]).unwrap_err();
        assert_eq!(e.fields().len(), 1, "each stranger once");
        assert_eq!(e.fields()[0].field, "colour");
        assert!(e.fields()[0].message.contains("level, limit or cursor"));
        assert_eq!(p.limit(100, 500).unwrap(), 9);
        let bad = Params::parse(Some("limit=0")).unwrap();
        assert_eq!(bad.limit(100, 500).unwrap_err().fields()[0].field, "limit");
    }

    #[test]
    fn values_are_trimmed_and_empty_ones_absent() {
        let p = Params::parse(Some("q=%20hello%20&owner=&attr=a&attr=b")).unwrap();
        assert_eq!(p.get("q"), Some("hello"));
        assert_eq!(p.get("owner"), None);
        assert_eq!(p.raw("q"), " hello ");
        assert_eq!(p.all("attr"), vec!["a", "b"]);
        assert!(p.filters_anything());
        assert!(!Params::parse(Some("cursor=x")).unwrap().filters_anything());
    }
}
