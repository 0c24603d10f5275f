//! Spreadsheet files as grids of text cells: CSV (RFC 4180, UTF-8 or Windows-1252, `,` or `;`)
//! and XLSX (every worksheet, formulas by their cached values, dates as `YYYY-MM-DD`), with
//! rows numbered as the spreadsheet numbers them so that problems can name the row a person
//! sees. Writes XLSX for the exports.

use super::Table;
use crate::error::{Error, Result};

/// One sheet of a file: `rows[i]` is spreadsheet row `i + 1`; blank rows stay (as empty rows)
/// so that the numbering holds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Grid {
    /// The worksheet's name (XLSX), or `None` for CSV.
    pub sheet: Option<String>,
    pub rows: Vec<Vec<String>>,
}

impl Grid {
    /// Whether spreadsheet row `i` (0-based) holds nothing.
    pub fn blank(&self, i: usize) -> bool {
        self.rows
            .get(i)
            .is_none_or(|r| r.iter().all(|c| c.trim().is_empty()))
    }
}

/// Refuses files past this size before reading them (a 100,000-row register is ~15 MB).
pub const MAX_FILE_BYTES: usize = 64 * 1024 * 1024;

/// Reads a CSV or XLSX file (told apart by content, not by name) into its sheets.
pub fn read_file(bytes: &[u8]) -> Result<Vec<Grid>> {
    if bytes.len() > MAX_FILE_BYTES {
        return Err(Error::field(
            "file",
            format!(
                "the file has {} MB: at most {} MB can be imported at once",
                bytes.len() / (1024 * 1024),
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return read_xlsx(bytes);
    }
    if bytes.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(Error::field(
            "file",
            "this is an old Excel file (.xls): save it as .xlsx or .csv and import that",
        ));
    }
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        // Spreadsheets saved as "CSV" on Windows are often in the Windows code page.
        Err(_) => encoding_rs::WINDOWS_1252.decode(bytes).0,
    };
    if text.contains('\0') {
        return Err(Error::field(
            "file",
            "this is neither a CSV nor an XLSX file",
        ));
    }
    Ok(vec![Grid {
        sheet: None,
        rows: read_csv(&text)?,
    }])
}

/// Reads CSV text (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes, CRLF,
/// a leading byte-order mark; `;` is the separator when the first line has more of them than
/// commas). Blank records are kept as empty rows.
pub fn read_csv(text: &str) -> Result<Vec<Vec<String>>> {
    let text = text.trim_start_matches('\u{feff}');
    let first_line = text.lines().next().unwrap_or_default();
    let sep = if first_line.matches(';').count() > first_line.matches(',').count() {
        ';'
    } else {
        ','
    };
    let mut rows = Vec::new();
    let (mut row, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut started_at = 1usize;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => quoted = false,
            ('"', false) if field.is_empty() => {
                quoted = true;
                started_at = rows.len() + 1;
            }
            (c, false) if c == sep => row.push(std::mem::take(&mut field)),
            ('\r', false) => {}
            ('\n', false) => {
                row.push(std::mem::take(&mut field));
                if row.iter().all(|f| f.trim().is_empty()) {
                    row.clear();
                }
                rows.push(std::mem::take(&mut row));
            }
            (c, _) => field.push(c),
        }
    }
    if quoted {
        return Err(Error::field(
            format!("row {started_at}"),
            "a quoted field is opened and never closed",
        ));
    }
    row.push(field);
    if row.iter().any(|f| !f.trim().is_empty()) {
        rows.push(row);
    }
    Ok(rows)
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Grid>> {
    use calamine::Reader;
    let unreadable = |e: calamine::Error| {
        Error::field(
            "file",
            format!(
                "the XLSX file cannot be read ({e}); save it again from the spreadsheet program"
            ),
        )
    };
    let mut book = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes.to_vec()))
        .map_err(unreadable)?;
    let sheets: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| {
            s.typ == calamine::SheetType::WorkSheet && s.visible == calamine::SheetVisible::Visible
        })
        .map(|s| s.name.clone())
        .collect();
    let mut out = Vec::new();
    for name in sheets {
        let range = book.worksheet_range(&name).map_err(unreadable)?;
        let (top, left) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); top as usize];
        for r in range.rows() {
            let mut row: Vec<String> = vec![String::new(); left as usize];
            row.extend(r.iter().map(cell_text));
            while row.last().is_some_and(|c| c.is_empty()) {
                row.pop();
            }
            rows.push(row);
        }
        out.push(Grid {
            sheet: Some(name),
            rows,
        });
    }
    Ok(out)
}

/// A cell as the text a person sees: whole numbers without `.0`, dates as `YYYY-MM-DD`.
fn cell_text(d: &calamine::Data) -> String {
    use calamine::Data;
    match d {
        Data::Empty => String::new(),
        Data::String(s) => s.trim().to_string(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) => number_text(*f),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) if dt.is_datetime() => excel_date(dt.as_f64()),
        Data::DateTime(dt) => number_text(dt.as_f64()),
        Data::DateTimeIso(s) => s.strip_suffix("T00:00:00").unwrap_or(s).to_string(),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => e.to_string(),
    }
}

fn number_text(f: f64) -> String {
    if f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        // The shortest text that reads back as the same number: 5.1, not 5.0999999999999996.
        format!("{f}")
    }
}

/// An Excel date serial (days since 1899-12-30 in the 1900 date system) as a date, with the
/// time of day when it has one.
pub(crate) fn excel_date(serial: f64) -> String {
    let epoch = time::macros::date!(1899 - 12 - 30);
    let days = serial.floor() as i64;
    let Some(date) = epoch.checked_add(time::Duration::days(days)) else {
        return number_text(serial);
    };
    let secs = ((serial - serial.floor()) * 86_400.0).round() as i64;
    if secs == 0 {
        date.to_string()
    } else {
        format!("{date} {:02}:{:02}", secs / 3600, (secs % 3600) / 60)
    }
}

/// Writes a table as an XLSX workbook.
/// Excel refuses longer cell texts.
const MAX_CELL_CHARS: usize = 32_767;

pub fn write_xlsx(t: &Table) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, Workbook};
    let fail = |e: rust_xlsxwriter::XlsxError| {
        Error::Internal(anyhow::anyhow!("writing the XLSX file: {e}"))
    };
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.set_name(t.sheet).map_err(fail)?;
    let bold = Format::new().set_bold();
    // A document's title block (organisation, version…) comes first, then a blank row.
    let top = if t.preamble.is_empty() {
        0
    } else {
        let title = Format::new().set_bold().set_font_size(14);
        ws.write_string_with_format(0, 0, t.sheet, &title)
            .map_err(fail)?;
        for (i, (k, v)) in t.preamble.iter().enumerate() {
            let r = i as u32 + 1;
            ws.write_string_with_format(r, 0, k, &bold).map_err(fail)?;
            ws.write_string(r, 1, v).map_err(fail)?;
        }
        t.preamble.len() as u32 + 2
    };
    let wrap = Format::new()
        .set_text_wrap()
        .set_align(rust_xlsxwriter::FormatAlign::Top);
    let mut widths: Vec<usize> = t.header.iter().map(|h| h.chars().count() + 2).collect();
    for (c, h) in t.header.iter().enumerate() {
        ws.write_string_with_format(top, c as u16, h, &bold)
            .map_err(fail)?;
    }
    let numeric: Vec<bool> = t
        .header
        .iter()
        .map(|h| t.numeric.contains(&h.as_str()))
        .collect();
    for (r, row) in t.rows.iter().enumerate() {
        let r = top + r as u32 + 1;
        for (c, v) in row.iter().enumerate() {
            if v.is_empty() {
                continue;
            }
            let clipped;
            let v = if v.chars().count() > MAX_CELL_CHARS {
                clipped = format!(
                    "{}… (cut: a cell holds at most {MAX_CELL_CHARS} characters)",
                    v.chars().take(MAX_CELL_CHARS - 60).collect::<String>()
                );
                &clipped
            } else {
                v
            };
            let col = c as u16;
            match v.parse::<f64>() {
                Ok(n) if numeric.get(c) == Some(&true) => ws.write_number(r, col, n),
                // Long texts wrap in their column instead of running across the sheet.
                _ if v.chars().count() > 60 || v.contains('\n') => {
                    ws.write_string_with_format(r, col, v, &wrap)
                }
                _ => ws.write_string(r, col, v),
            }
            .map_err(fail)?;
            if let Some(w) = widths.get_mut(c) {
                *w = (*w).max(v.chars().count().min(60) + 2);
            }
        }
    }
    for (c, w) in widths.iter().enumerate() {
        ws.set_column_width(c as u16, *w as f64).map_err(fail)?;
    }
    ws.set_freeze_panes(top + 1, 0).map_err(fail)?;
    let last_col = t.header.len().saturating_sub(1) as u16;
    ws.autofilter(top, 0, top + t.rows.len() as u32, last_col)
        .map_err(fail)?;
    book.save_to_buffer().map_err(fail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_keeps_row_numbers_and_reads_quotes_and_semicolons() {
        let rows =
            read_csv("\u{feff}a;b\r\n\"x;1\";\"say \"\"hi\"\"\"\n\n3;\"two\nlines\"\n").unwrap();
        assert_eq!(rows[0], ["a", "b"]);
        assert_eq!(rows[1], ["x;1", "say \"hi\""]);
        assert!(
            rows[2].is_empty(),
            "blank row kept so that row 4 stays row 4"
        );
        assert_eq!(rows[3], ["3", "two\nlines"]);
        let e = read_csv("a,b\n\"open,2\n").unwrap_err();
        assert_eq!(e.fields()[0].field, "row 2");
    }

    #[test]
    fn xlsx_written_reads_back_with_numbers_as_typed() {
        let t = Table {
            sheet: "Assets",
            header: vec!["id".into(), "availability".into(), "reviewed".into()],
            numeric: vec!["availability"],
            rows: vec![
                vec!["5.10".into(), "4".into(), "2026-03-31".into()],
                vec!["A-2".into(), "".into(), "".into()],
            ],
            preamble: Vec::new(),
        };
        let grids = read_file(&t.xlsx().unwrap()).unwrap();
        assert_eq!(grids.len(), 1);
        assert_eq!(grids[0].sheet.as_deref(), Some("Assets"));
        assert_eq!(grids[0].rows[0], ["id", "availability", "reviewed"]);
        assert_eq!(grids[0].rows[1], ["5.10", "4", "2026-03-31"]);
        assert_eq!(grids[0].rows[2], ["A-2"]);
    }

    #[test]
    fn excel_serials_become_dates_and_floats_read_as_typed() {
        assert_eq!(excel_date(46023.0), "2026-01-01");
        assert_eq!(excel_date(40179.5), "2010-01-01 12:00");
        assert_eq!(number_text(5.1), "5.1");
        assert_eq!(number_text(4.0), "4");
    }

    #[test]
    fn old_excel_and_binary_files_are_named() {
        let e = read_file(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]).unwrap_err();
        assert!(e.fields()[0].message.contains(".xls"));
        let e = read_file(b"\0\0\0binary").unwrap_err();
        assert!(e.fields()[0].message.contains("neither a CSV nor an XLSX"));
    }
}
