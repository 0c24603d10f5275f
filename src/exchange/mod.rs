//! The spreadsheet bridge: registers (controls, assets, risks, the treatment plan) as tables
//! that download as CSV or XLSX with the columns the records have, so that what Annex exports
//! it reads back unchanged; reading spreadsheet files (`sheet`); and the import of a register
//! from a file with its header matching, dry run and row-by-row problems (`import`); and the
//! migration of a Statement of Applicability of 2013 into a 2022 draft (`soa_migrate`).

pub mod import;
pub mod pdf;
pub mod sheet;

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

    /// CSV text (RFC 4180, LF line ends).
    pub fn csv(&self) -> String {
        let mut s = String::new();
        for row in std::iter::once(&self.header).chain(&self.rows) {
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

/// Quotes a CSV field when it needs it (RFC 4180).
pub fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

pub fn format_of_path(path: &str) -> Format {
    if path.ends_with(".xlsx") {
        Format::Xlsx
    } else {
        Format::Csv
    }
}
