//! The spreadsheet bridge: registers (controls, assets, risks, the treatment plan) as tables
//! that download as CSV or XLSX with the columns the records have, so that what Annex exports
//! it reads back unchanged; reading spreadsheet files (`sheet`); and the import of a register
//! from a file with its header matching, dry run and row-by-row problems (`import`); and the
//! migration of a Statement of Applicability of 2013 into a 2022 draft (`soa_migrate`).

pub mod charset;
pub mod docx;
pub mod import;
pub mod pdf;
pub mod sheet;
pub mod sheet_notes;

use crate::error::{Error, Result};

/// A register as rows of text, ready to download.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    /// The sheet name in an XLSX file.
    pub sheet: &'static str,
    pub header: Vec<String>,
    /// Columns written as numbers in XLSX (when the cell holds one).
    pub numeric: Vec<&'static str>,
    pub rows: Vec<Vec<String>>,
    /// Lines written above the table in XLSX (a document's title block: organisation,
    /// version…); not in CSV, which stays one plain table.
    pub preamble: Vec<(String, String)>,
}

/// The two download formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Csv,
    Xlsx,
}

impl Format {
    pub fn parse(raw: &str) -> Result<Format> {
        match raw.trim().to_lowercase().as_str() {
            "csv" => Ok(Format::Csv),
            "xlsx" => Ok(Format::Xlsx),
            other => Err(Error::field(
                "format",
                format!("'{other}' is not an export format: use csv or xlsx"),
            )),
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Xlsx => "xlsx",
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        }
    }
}

impl Table {
    pub(crate) fn new(sheet: &'static str, header: &[&str], numeric: &[&'static str]) -> Table {
        Table {
            sheet,
            header: header.iter().map(|h| h.to_string()).collect(),
            numeric: numeric.to_vec(),
            rows: Vec::new(),
            preamble: Vec::new(),
        }
    }

    /// The header as people read it in a file ([`header_label`]).
    pub fn header_labels(&self) -> Vec<String> {
        self.header.iter().map(|k| header_label(k)).collect()
    }

    /// CSV text (RFC 4180, LF line ends).
    pub fn csv(&self) -> String {
        let mut s = String::new();
        let labels = self.header_labels();
        for row in std::iter::once(&labels).chain(&self.rows) {
            let line: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
            s.push_str(&line.join(","));
            s.push('\n');
        }
        s
    }

    /// An XLSX workbook with one sheet: a bold, frozen header row with filters, and column
    /// widths that fit the content (within reason).
    pub fn xlsx(&self) -> Result<Vec<u8>> {
        sheet::write_xlsx(self)
    }

    /// The table in a format.
    pub fn bytes(&self, format: Format) -> Result<Vec<u8>> {
        match format {
            Format::Csv => Ok(self.csv().into_bytes()),
            Format::Xlsx => self.xlsx(),
        }
    }
}

/// A column key as people read it in a file's header (see [`crate::domain::words::key_label`]).
pub use crate::domain::words::key_label as header_label;

/// A download of a table: `name` without its extension.
pub fn download(name: &str, format: Format, table: &Table) -> Result<axum::response::Response> {
    use axum::http::header;
    use axum::response::IntoResponse;
    let body = table.bytes(format)?;
    Ok((
        [
            (header::CONTENT_TYPE, format.content_type().to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}.{}\"", format.extension()),
            ),
        ],
        body,
    )
        .into_response())
}

/// Bytes as a file to download under `name` (a name Annex made: ids and extensions only).
pub fn attachment(name: &str, media_type: &str, bytes: Vec<u8>) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse;
    let name: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() && c != '"' && c != '\\' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (
        [
            (header::CONTENT_TYPE, media_type.to_string()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{name}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}

/// Quotes a CSV field when it needs it (RFC 4180), and neutralises a field a spreadsheet
/// program would run as a formula: one starting with `=`, `+`, `-`, `@`, a tab or a carriage
/// return gets a leading `'` (OWASP's advice), unless it is a plain number such as `-5`. The
/// import takes exactly that quote off again (`sheet::read_csv`), so round trips keep the text.
pub fn csv_field(s: &str) -> String {
    let neutral;
    let s = if needs_formula_guard(s) {
        neutral = format!("'{s}");
        neutral.as_str()
    } else {
        s
    };
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The first characters that make a spreadsheet program read a cell as a formula.
const FORMULA_STARTS: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// Whether a cell's text would be run as a formula (a plain number is not), or already looks
/// guarded (`'=…`, which the import would otherwise take for a guard and shorten).
fn needs_formula_guard(s: &str) -> bool {
    (s.starts_with(FORMULA_STARTS) && s.parse::<f64>().is_err())
        || s.strip_prefix('\'').is_some_and(needs_formula_guard)
}

/// Whether a cell read from a CSV file carries the guard `csv_field` adds.
fn is_guarded(s: &str) -> bool {
    s.strip_prefix('\'').is_some_and(needs_formula_guard)
}

/// Undoes `csv_field`'s guard on a cell read from a CSV file: `'=…` becomes `=…` again.
pub fn unguard_csv_cell(s: &mut String) {
    if is_guarded(s) {
        s.remove(0);
    }
}

pub fn format_of_path(path: &str) -> Format {
    if path.ends_with(".xlsx") {
        Format::Xlsx
    } else {
        Format::Csv
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn header_labels_are_words_that_squash_to_the_key() {
        use super::header_label;
        assert_eq!(header_label("target_likelihood"), "Target likelihood");
        assert_eq!(header_label("id"), "ID");
        assert_eq!(header_label("risk_id"), "Risk ID");
        assert_eq!(header_label("Control type"), "Control type");
        for key in ["review_due_on", "exclusion_reason", "risk_id", "p99"] {
            let squash = |s: &str| -> String {
                s.chars()
                    .filter(|c| c.is_alphanumeric())
                    .flat_map(char::to_lowercase)
                    .collect()
            };
            assert_eq!(squash(&header_label(key)), squash(key), "{key}");
        }
    }
}
