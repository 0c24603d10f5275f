//! Spreadsheet files as grids of text cells: CSV (RFC 4180, UTF-8 or Windows-1252, `,` or `;`)
//! and XLSX (every worksheet, formulas by their cached values, dates as `YYYY-MM-DD`), with
//! rows numbered as the spreadsheet numbers them so that problems can name the row a person
//! sees. Writes XLSX for the exports.

use super::Table;
use crate::error::{Error, Result};

/// One sheet of a file: `rows[i]` is spreadsheet row `i + 1`; blank rows stay (as empty rows)
/// so that the numbering holds.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Grid {
    /// The worksheet's name (XLSX), or `None` for CSV.
    pub sheet: Option<String>,
    pub rows: Vec<Vec<String>>,
    /// What a person sees of the sheet that its values alone do not say.
    pub notes: Notes,
}

/// What a person sees of a sheet that its cell values alone do not say: the character set a
/// CSV file was read in, the rows and columns an XLSX sheet hides, and the cells whose formula
/// has no value saved with it (a file written by a program that does not compute formulas).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Notes {
    /// CSV: the character set used, as people read it ("Windows-1250 (Central European)").
    pub encoding: Option<String>,
    /// Spreadsheet rows (1-based) hidden in the sheet.
    pub hidden_rows: Vec<usize>,
    /// Columns (0-based) hidden in the sheet.
    pub hidden_columns: Vec<usize>,
    /// (row 1-based, column 0-based) of each cell whose formula has no saved value.
    pub formulas_without_value: Vec<(usize, usize)>,
    /// (row 1-based, column 0-based) → a number as its format shows it, where that differs
    /// from the number written plainly (`5.10` for 5.1 under the format `0.00`): ids read it.
    pub shown: std::collections::HashMap<(usize, usize), String>,
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
    read_file_as(bytes, None)
}

/// Whether a file starts as an XLSX workbook does.
pub fn is_workbook(head: &[u8]) -> bool {
    head.starts_with(b"PK\x03\x04")
}

/// Whether a file starts as an old Excel workbook (.xls) does.
pub fn is_old_workbook(head: &[u8]) -> bool {
    head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0])
}

/// Refuses, naming why, a file that is not a CSV file: an old Excel workbook, or binary
/// content (`text` is the file, or its start, as decoded).
fn check_text(bytes: &[u8], text: &str) -> Result<()> {
    if is_old_workbook(bytes) {
        return Err(Error::field(
            "file",
            "this is an old Excel file (.xls): save it as .xlsx or .csv and import that",
        ));
    }
    if text.contains('\0') {
        return Err(Error::field(
            "file",
            "this is neither a CSV nor an XLSX file",
        ));
    }
    Ok(())
}

/// Checks the start of a file that is not a workbook as `read_file` checks a whole CSV file,
/// for a file too large to be read whole here (it streams into its import).
pub fn check_csv_start(head: &[u8]) -> Result<()> {
    let (text, _) = super::charset::decode(head, None);
    check_text(head, &text)
}

/// Reads a CSV or XLSX file, a CSV file in the character set given (found from its content
/// otherwise, see `charset`).
pub fn read_file_as(
    bytes: &[u8],
    encoding: Option<&'static encoding_rs::Encoding>,
) -> Result<Vec<Grid>> {
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
    if is_workbook(bytes) {
        return read_xlsx(bytes);
    }
    // Spreadsheets saved as "CSV" on Windows are often in the Windows code page.
    let (text, used) = super::charset::decode(bytes, encoding);
    check_text(bytes, &text)?;
    Ok(vec![Grid {
        sheet: None,
        rows: read_csv(&text)?,
        notes: Notes {
            encoding: Some(super::charset::label(used)),
            ..Notes::default()
        },
    }])
}

/// Reads CSV text (RFC 4180: quoted fields, doubled quotes, line breaks inside quotes, CRLF,
/// a leading byte-order mark; `;` is the separator when the first line has more of them than
/// commas). Blank records are kept as empty rows.
pub fn read_csv(text: &str) -> Result<Vec<Vec<String>>> {
    let text = text.trim_start_matches('\u{feff}');
    let mut csv = Csv::new(separator(text));
    let mut rows = Vec::new();
    let mut budget = Budget::new();
    for c in text.chars() {
        if let Some(row) = csv.feed(c)? {
            budget.row("the file", rows.len() + 1, row.len())?;
            rows.push(row);
        }
    }
    if let Some(row) = csv.finish()? {
        budget.row("the file", rows.len() + 1, row.len())?;
        rows.push(row);
    }
    Ok(rows)
}

/// `;` when the first line has more of them than commas, `,` otherwise.
fn separator(text: &str) -> char {
    let first_line = text.lines().next().unwrap_or_default();
    if first_line.matches(';').count() > first_line.matches(',').count() {
        ';'
    } else {
        ','
    }
}

/// CSV's rules, fed a character at a time: each row comes out as it ends (a blank one empty,
/// so that the numbering holds), whatever the text's size.
struct Csv {
    sep: char,
    row: Vec<String>,
    field: String,
    quoted: bool,
    /// A quote inside a quoted field: a doubled quote if another follows, its end otherwise.
    quote_seen: bool,
    /// The row a quoted field was opened on (for the message when it never closes).
    started_at: usize,
    /// Rows ended so far.
    rows: usize,
}

impl Csv {
    fn new(sep: char) -> Csv {
        Csv {
            sep,
            row: Vec::new(),
            field: String::new(),
            quoted: false,
            quote_seen: false,
            started_at: 1,
            rows: 0,
        }
    }

    fn feed(&mut self, c: char) -> Result<Option<Vec<String>>> {
        if self.quote_seen {
            self.quote_seen = false;
            if c == '"' {
                self.field.push('"');
                return Ok(None);
            }
            self.quoted = false;
        }
        match (c, self.quoted) {
            ('"', true) => self.quote_seen = true,
            ('"', false) if self.field.is_empty() => {
                self.quoted = true;
                self.started_at = self.rows + 1;
            }
            (c, false) if c == self.sep => end_cell(&mut self.row, &mut self.field, self.rows + 1)?,
            ('\r', false) => {}
            ('\n', false) => {
                end_cell(&mut self.row, &mut self.field, self.rows + 1)?;
                return Ok(Some(self.end_row()));
            }
            (c, _) => self.field.push(c),
        }
        Ok(None)
    }

    /// The text's last row, unless it is blank.
    fn finish(&mut self) -> Result<Option<Vec<String>>> {
        if self.quote_seen {
            self.quote_seen = false;
            self.quoted = false;
        }
        if self.quoted {
            return Err(Error::field(
                format!("row {}", self.started_at),
                "a quoted field is opened and never closed",
            ));
        }
        end_cell(&mut self.row, &mut self.field, self.rows + 1)?;
        if self.row.iter().any(|f| !f.trim().is_empty()) {
            Ok(Some(self.end_row()))
        } else {
            self.row.clear();
            Ok(None)
        }
    }

    fn end_row(&mut self) -> Vec<String> {
        self.rows += 1;
        if self.row.iter().all(|f| f.trim().is_empty()) {
            self.row.clear();
        }
        std::mem::take(&mut self.row)
    }
}

/// A CSV file read a row at a time from disk, decoded as it is read: memory holds one chunk
/// of the file and one row, whatever its size. The character set is the one given, or the one
/// the file's first megabyte shows (see `charset`); a file that stops being UTF-8 further on
/// is refused at the row where it does.
pub struct CsvStream<R> {
    reader: R,
    decoder: encoding_rs::Decoder,
    used: &'static encoding_rs::Encoding,
    /// The file's bytes read but not yet decoded (its first megabyte, at first).
    pending: Vec<u8>,
    text: String,
    pos: usize,
    csv: Csv,
    /// Whether the character set was found (UTF-8), not given: a byte that is not UTF-8 then
    /// means the guess was wrong.
    strict: bool,
    first: bool,
    done: bool,
}

/// Bytes of a CSV file read at once, and looked at to find its character set.
const STREAM_CHUNK: usize = 1024 * 1024;

impl<R: std::io::Read> CsvStream<R> {
    /// Starts reading: `head` is what was read of the file already (to tell CSV from XLSX).
    pub fn new(
        mut reader: R,
        mut head: Vec<u8>,
        given: Option<&'static encoding_rs::Encoding>,
    ) -> Result<CsvStream<R>> {
        fill(&mut reader, &mut head, STREAM_CHUNK)?;
        let (encoding, strict) = super::charset::sniff(&head, given);
        if head.contains(&0)
            && encoding != encoding_rs::UTF_16LE
            && encoding != encoding_rs::UTF_16BE
        {
            return Err(Error::field(
                "file",
                "this is neither a CSV nor an XLSX file",
            ));
        }
        // The separator is told by the first line, decoded on its own.
        let (start, _, _) = encoding.decode(&head[..head.len().min(64 * 1024)]);
        let sep = separator(start.trim_start_matches('\u{feff}'));
        Ok(CsvStream {
            reader,
            decoder: encoding.new_decoder(),
            used: encoding,
            pending: head,
            text: String::new(),
            pos: 0,
            csv: Csv::new(sep),
            strict,
            first: true,
            done: false,
        })
    }

    /// The character set the file is read in, as people read it.
    pub fn encoding(&self) -> String {
        super::charset::label(self.used)
    }

    /// The file's next row (blank rows empty), or none at its end.
    pub fn next_row(&mut self) -> Result<Option<Vec<String>>> {
        loop {
            while let Some(c) = self.text[self.pos..].chars().next() {
                self.pos += c.len_utf8();
                if std::mem::take(&mut self.first) && c == '\u{feff}' {
                    continue;
                }
                if c == '\0' {
                    return Err(Error::field(
                        "file",
                        format!(
                            "row {} holds a character that no text file has: this is neither a CSV nor an XLSX file",
                            self.csv.rows + 1
                        ),
                    ));
                }
                if let Some(row) = self.csv.feed(c)? {
                    return Ok(Some(row));
                }
            }
            if self.done {
                return self.csv.finish();
            }
            self.refill()?;
        }
    }

    fn refill(&mut self) -> Result<()> {
        if self.pending.is_empty() {
            fill(&mut self.reader, &mut self.pending, STREAM_CHUNK)?;
        }
        let last = self.pending.is_empty();
        let mut text = String::with_capacity(
            self.decoder
                .max_utf8_buffer_length(self.pending.len())
                .unwrap_or(self.pending.len().saturating_mul(3))
                .max(4),
        );
        let (_, _, replaced) = self
            .decoder
            .decode_to_string(&self.pending, &mut text, last);
        if replaced && self.strict {
            return Err(Error::field(
                "file",
                format!(
                    "from row {} on the file is not UTF-8, as its beginning is: give its character set (windows-1252, windows-1250, …)",
                    self.csv.rows + 1
                ),
            ));
        }
        self.pending.clear();
        self.text = text;
        self.pos = 0;
        self.done = last;
        Ok(())
    }
}

/// Reads from `reader` until `buf` holds `want` bytes or the file ends.
fn fill(reader: &mut impl std::io::Read, buf: &mut Vec<u8>, want: usize) -> Result<()> {
    let mut chunk = [0u8; 64 * 1024];
    while buf.len() < want {
        let n = reader
            .read(&mut chunk[..(want - buf.len()).min(64 * 1024)])
            .map_err(|e| Error::field("file", format!("the file could not be read: {e}")))?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    Ok(())
}

/// Ends a CSV cell of spreadsheet row `row_number`; empty cells past the last column Annex
/// reads are dropped, a filled one there is an error.
fn end_cell(row: &mut Vec<String>, field: &mut String, row_number: usize) -> Result<()> {
    if row.len() < MAX_COLUMNS {
        row.push(take_cell(field));
    } else if field.trim().is_empty() {
        field.clear();
    } else {
        return Err(too_big(format!(
            "row {row_number} has a value past column {MAX_COLUMNS}: Annex reads at most {MAX_COLUMNS} columns"
        )));
    }
    Ok(())
}

/// A finished CSV cell, with the formula guard of Annex's own exports taken off.
fn take_cell(field: &mut String) -> String {
    let mut cell = std::mem::take(field);
    super::unguard_csv_cell(&mut cell);
    cell
}

/// What a spreadsheet may hold, checked before anything is allocated for it: a file that
/// claims more is refused with the limit it passed, never read into memory.
pub mod limits {
    /// Rows of a sheet (a spreadsheet program's own maximum).
    pub const MAX_ROWS: usize = 1_048_576;
    /// Columns of a sheet (`IV`): registers have a few dozen.
    pub const MAX_COLUMNS: usize = 256;
    /// Cells of a sheet, counted as its rows up to their last filled column (a 100,000-row
    /// register of 20 columns has 2,000,000).
    pub const MAX_CELLS: usize = 4_000_000;
    /// Files inside an XLSX (a workbook has a dozen or so per sheet).
    pub const MAX_PARTS: usize = 10_000;
    /// Bytes of all the files inside an XLSX once decompressed (zip bombs).
    pub const MAX_UNZIPPED_BYTES: u64 = 512 * 1024 * 1024;
}
use limits::*;

fn too_big(message: String) -> Error {
    Error::field("file", message)
}

/// Counts a sheet's cells as rows are added and refuses past the limits.
struct Budget {
    cells: usize,
}

impl Budget {
    fn new() -> Budget {
        Budget { cells: 0 }
    }

    /// Checks a row (1-based `row`) of `width` columns before it is kept.
    fn row(&mut self, where_: &str, row: usize, width: usize) -> Result<()> {
        if row > MAX_ROWS {
            return Err(too_big(format!(
                "{where_} goes on past row {}: Annex reads at most {} rows",
                thousands(MAX_ROWS),
                thousands(MAX_ROWS)
            )));
        }
        if width > MAX_COLUMNS {
            return Err(too_big(format!(
                "{where_} has a value in column {} of row {row}: Annex reads at most {} columns",
                thousands(width),
                MAX_COLUMNS
            )));
        }
        self.cells = self.cells.saturating_add(width.max(1));
        if self.cells > MAX_CELLS {
            return Err(too_big(format!(
                "{where_} has more than {} cells (rows × the columns they use, by row {row}): split it into smaller files",
                thousands(MAX_CELLS)
            )));
        }
        Ok(())
    }
}

/// `1,048,576`.
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Checks an XLSX file's parts before the spreadsheet reader opens it: how many there are
/// and how big they are once decompressed (by decompressing them into nothing, so that a
/// size the archive lies about counts too), and the number of shared strings the workbook
/// announces (the reader reserves room for them up front).
fn check_xlsx_parts(bytes: &[u8]) -> Result<()> {
    check_xlsx_parts_within(bytes, MAX_UNZIPPED_BYTES)
}

fn check_xlsx_parts_within(bytes: &[u8], max_unzipped: u64) -> Result<()> {
    use std::io::Read;
    let unreadable = |e: zip::result::ZipError| {
        Error::field(
            "file",
            format!(
                "the XLSX file cannot be read ({e}); save it again from the spreadsheet program"
            ),
        )
    };
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    if zip.len() > MAX_PARTS {
        return Err(too_big(format!(
            "the XLSX file holds {} parts: a workbook has a few dozen, Annex reads at most {}",
            thousands(zip.len()),
            thousands(MAX_PARTS)
        )));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).map_err(unreadable)?;
        let shared = part.name().is_ok_and(|n| n.ends_with("sharedStrings.xml"));
        let sheet = part
            .name()
            .is_ok_and(|n| n.contains("worksheets/") && n.ends_with(".xml"));
        let left = max_unzipped - total;
        let mut limited = (&mut part).take(left + 1);
        if shared {
            let mut head = Vec::new();
            (&mut limited)
                .take(64 * 1024)
                .read_to_end(&mut head)
                .map_err(|e| too_big(format!("the XLSX file cannot be read ({e})")))?;
            check_shared_strings_head(&head)?;
            total += head.len() as u64;
        }
        let mut refs = CellRefs::default();
        let mut buf = vec![0u8; 64 * 1024];
        let mut n: u64 = 0;
        loop {
            let got = limited
                .read(&mut buf)
                .map_err(|e| too_big(format!("the XLSX file cannot be read ({e})")))?;
            if got == 0 {
                break;
            }
            if sheet {
                refs.feed(&buf[..got])?;
            }
            n += got as u64;
        }
        total = total.saturating_add(n);
        if total > max_unzipped {
            return Err(too_big(format!(
                "the XLSX file unpacks to more than {} MB: Annex reads at most that much",
                max_unzipped / (1024 * 1024)
            )));
        }
    }
    Ok(())
}

/// Checks the cell references of a worksheet's XML as it streams by (`<c r="XFD1048576">`,
/// `<row r="12">`, `<dimension ref="A1:E40">`): at most three letters and seven digits each,
/// so that no reader's arithmetic on them can overflow. A reference that is not one names
/// itself in the refusal.
#[derive(Default)]
struct CellRefs {
    /// The bytes just before the current one (enough to recognise ` r="` and `<dimension ref="`).
    tail: Vec<u8>,
    /// The attribute value being read, when inside one.
    value: Option<Vec<u8>>,
}

impl CellRefs {
    const OPENERS: [&'static [u8]; 2] = [b" r=\"", b"<dimension ref=\""];

    fn feed(&mut self, bytes: &[u8]) -> Result<()> {
        for &b in bytes {
            if let Some(v) = &mut self.value {
                if b == b'"' {
                    let v = self.value.take().unwrap_or_default();
                    check_reference(&v)?;
                } else if v.len() > 32 {
                    return Err(bad_reference(v));
                } else {
                    v.push(b);
                }
                continue;
            }
            self.tail.push(b);
            if self.tail.len() > 32 {
                self.tail.drain(..16);
            }
            if Self::OPENERS.iter().any(|o| self.tail.ends_with(o)) {
                self.value = Some(Vec::new());
                self.tail.clear();
            }
        }
        Ok(())
    }
}

/// `A1`, `$B$12`, `12` (a row), or a range of them `A1:E40` whose end is not before its start
/// (readers subtract the start from the end).
fn check_reference(v: &[u8]) -> Result<()> {
    // (column, row), the column 0 when the part names a row only.
    let one = |part: &[u8]| -> Option<(u32, u32)> {
        let part: Vec<u8> = part.iter().copied().filter(|b| *b != b'$').collect();
        let letters = part.iter().take_while(|b| b.is_ascii_alphabetic()).count();
        let digits = &part[letters..];
        if letters > 3
            || !(1..=7).contains(&digits.len())
            || !digits.iter().all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let column = part[..letters].iter().fold(0u32, |n, b| {
            n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
        });
        let row = digits
            .iter()
            .fold(0u32, |n, b| n * 10 + u32::from(b - b'0'));
        Some((column, row))
    };
    let parts: Option<Vec<(u32, u32)>> = v.split(|b| *b == b':').map(one).collect();
    match parts.as_deref() {
        Some([_]) => Ok(()),
        Some([(c1, r1), (c2, r2)]) if c2 >= c1 && r2 >= r1 => Ok(()),
        _ => Err(bad_reference(v)),
    }
}

fn bad_reference(v: &[u8]) -> Error {
    let shown: String = String::from_utf8_lossy(v).chars().take(40).collect();
    Error::field(
        "file",
        format!(
            "the XLSX file refers to a cell '{shown}', which no spreadsheet has: save it again from the spreadsheet program"
        ),
    )
}

/// Refuses a shared-string table that announces more strings than a sheet may have cells.
fn check_shared_strings_head(head: &[u8]) -> Result<()> {
    let text = String::from_utf8_lossy(head);
    for attr in ["uniqueCount=\"", "count=\""] {
        if let Some(at) = text.find(attr) {
            let digits: String = text[at + attr.len()..]
                .chars()
                .take_while(|c| *c != '"')
                .collect();
            let fits = digits
                .trim()
                .parse::<u64>()
                .is_ok_and(|n| n <= MAX_CELLS as u64 * 4);
            if !fits {
                return Err(too_big(format!(
                    "the XLSX file announces {} shared texts: Annex reads at most {}",
                    digits.trim(),
                    thousands(MAX_CELLS * 4)
                )));
            }
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8]) -> Result<Vec<Grid>> {
    use calamine::Reader;
    check_xlsx_parts(bytes)?;
    let unreadable = |e: calamine::XlsxError| {
        Error::field(
            "file",
            format!(
                "the XLSX file cannot be read ({e}); save it again from the spreadsheet program"
            ),
        )
    };
    let mut xml = super::sheet_notes::read(bytes, MAX_COLUMNS);
    let mut book: calamine::Xlsx<_> =
        calamine::Xlsx::new(std::io::Cursor::new(bytes)).map_err(unreadable)?;
    let sheets: Vec<String> = book
        .sheets_metadata()
        .iter()
        .filter(|s| {
            s.typ == calamine::SheetType::WorkSheet && s.visible == calamine::SheetVisible::Visible
        })
        .map(|s| s.name.clone())
        .collect();
    let mut out = Vec::new();
    let mut budget = Budget::new();
    for name in sheets {
        let where_ = format!("the sheet '{name}'");
        // The cells come one by one, in the file's order; only filled ones are kept, and the
        // grid is built once they all passed the limits.
        let mut cells: Vec<(u32, u32, String)> = Vec::new();
        let mut reader = book.worksheet_cells_reader(&name).map_err(unreadable)?;
        while let Some(cell) = reader.next_cell().map_err(unreadable)? {
            let (r, c) = cell.get_position();
            let text = cell_text(&calamine::Data::from(cell.get_value().clone()));
            if text.is_empty() {
                continue;
            }
            let (row, col) = (r as usize + 1, c as usize + 1);
            if row > MAX_ROWS || col > MAX_COLUMNS {
                return Err(too_big(format!(
                    "{where_} has a value at {}: Annex reads at most {} rows and {} columns",
                    cell_name(r, c),
                    thousands(MAX_ROWS),
                    MAX_COLUMNS
                )));
            }
            if cells.len() >= MAX_CELLS {
                return Err(too_big(format!(
                    "{where_} has more than {} filled cells: split it into smaller files",
                    thousands(MAX_CELLS)
                )));
            }
            cells.push((r, c, text));
        }
        drop(reader);
        cells.sort_by_key(|(r, c, _)| (*r, *c));
        // Each row's width is its last filled column: count them all before allocating.
        let mut last = None;
        for (r, c, _) in cells.iter().rev() {
            if last != Some(*r) {
                budget.row(&where_, *r as usize + 1, *c as usize + 1)?;
                last = Some(*r);
            }
        }
        let height = cells.last().map_or(0, |(r, _, _)| *r as usize + 1);
        let mut rows: Vec<Vec<String>> = vec![Vec::new(); height];
        for (r, c, text) in cells {
            let row = &mut rows[r as usize];
            if row.len() <= c as usize {
                row.resize(c as usize + 1, String::new());
            }
            row[c as usize] = text;
        }
        let x = xml.remove(&name).unwrap_or_default();
        out.push(Grid {
            sheet: Some(name),
            rows,
            notes: Notes {
                encoding: None,
                hidden_rows: x.hidden_rows,
                hidden_columns: x.hidden_columns,
                formulas_without_value: x.formulas_without_value,
                shown: x.shown,
            },
        });
    }
    Ok(out)
}

/// `XFD1048576` for a 0-based position.
/// A column's letters as spreadsheets name it: 0 → A, 25 → Z, 26 → AA.
pub(crate) fn column_letters(col: u64) -> String {
    let mut letters = Vec::new();
    let mut n = col + 1;
    while n > 0 {
        let d = ((n - 1) % 26) as u8;
        letters.push((b'A' + d) as char);
        n = (n - 1) / 26;
    }
    letters.reverse();
    letters.into_iter().collect()
}

fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", column_letters(u64::from(col)), row as u64 + 1)
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

pub(crate) fn number_text(f: f64) -> String {
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
    // Dates past year 9999 (or not numbers at all) stay numbers: `1E+300` is no date.
    if !serial.is_finite() || !(-693_594.0..=2_958_466.0).contains(&serial) {
        return number_text(serial);
    }
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
    write_workbook(std::slice::from_ref(t))
}

fn xlsx_failed(e: rust_xlsxwriter::XlsxError) -> Error {
    Error::Internal(anyhow::anyhow!("writing the XLSX file: {e}"))
}

/// Writes tables as one XLSX workbook, a sheet each (a record and its parts: an incident with
/// its timeline and its evidence's custody).
pub fn write_workbook(tables: &[Table]) -> Result<Vec<u8>> {
    let mut book = rust_xlsxwriter::Workbook::new();
    for t in tables {
        write_sheet(&mut book, t)?;
    }
    book.save_to_buffer().map_err(xlsx_failed)
}

fn write_sheet(book: &mut rust_xlsxwriter::Workbook, t: &Table) -> Result<()> {
    use rust_xlsxwriter::Format;
    let fail = xlsx_failed;
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
    let labels = t.header_labels();
    let mut widths: Vec<usize> = labels.iter().map(|h| h.chars().count() + 2).collect();
    for (c, h) in labels.iter().enumerate() {
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
    Ok(())
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
        assert_eq!(grids[0].rows[0], ["ID", "Availability", "Reviewed"]);
        assert_eq!(grids[0].rows[1], ["5.10", "4", "2026-03-31"]);
        assert_eq!(grids[0].rows[2], ["A-2"]);
    }

    #[test]
    fn excel_serials_become_dates_and_floats_read_as_typed() {
        assert_eq!(excel_date(46023.0), "2026-01-01");
        // Once a panic: far past any date, or not a number at all, stays a number.
        assert_eq!(excel_date(1e300), format!("{}", 1e300));
        assert_eq!(excel_date(-1e300), format!("{}", -1e300));
        assert_eq!(excel_date(f64::NAN), "NaN");
        assert_eq!(excel_date(2_958_465.0), "9999-12-31");
        assert_eq!(excel_date(40179.5), "2010-01-01 12:00");
        assert_eq!(number_text(5.1), "5.1");
        assert_eq!(number_text(4.0), "4");
    }

    #[test]
    fn formulas_are_neutralised_on_export_and_restored_on_import() {
        let cells = [
            "=HYPERLINK(\"http://evil.example\",\"click\")",
            "+1+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1:A2)",
            "\tTab",
            "\r=CR",
            "-5",
            "+3.5",
            "'quoted already",
            "'=kept as typed",
            "Αρχείο =ok",
        ];
        let t = Table {
            sheet: "T",
            header: vec!["v".into()],
            numeric: Vec::new(),
            rows: cells.iter().map(|c| vec![c.to_string()]).collect(),
            preamble: Vec::new(),
        };
        let text = t.csv();
        for line in text.lines().skip(1) {
            let bare = line.trim_start_matches('"');
            assert!(
                !bare.starts_with(['=', '+', '@', '\t', '\r']) || bare.parse::<f64>().is_ok(),
                "a spreadsheet would run {line:?}"
            );
        }
        assert!(text.contains("\n-5\n"), "plain numbers stay numbers");
        let back = read_csv(&text).unwrap();
        let read: Vec<&str> = back[1..].iter().map(|r| r[0].as_str()).collect();
        assert_eq!(read, cells, "round trip");
    }

    /// An XLSX file written by Annex with one of its parts replaced.
    fn xlsx_with(part: &str, content: &[u8]) -> Vec<u8> {
        xlsx_with_parts(&[(part, content)])
    }

    fn xlsx_with_parts(parts: &[(&str, &[u8])]) -> Vec<u8> {
        use std::io::{Read, Write};
        let t = Table {
            sheet: "Assets",
            header: vec!["id".into()],
            numeric: Vec::new(),
            rows: vec![vec!["A-1".into()]],
            preamble: Vec::new(),
        };
        let original = t.xlsx().unwrap();
        let mut zin = zip::ZipArchive::new(std::io::Cursor::new(&original)).unwrap();
        let mut out = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        let mut replaced = Vec::new();
        for i in 0..zin.len() {
            let mut f = zin.by_index(i).unwrap();
            let name = f.name().unwrap().to_string();
            let mut data = Vec::new();
            f.read_to_end(&mut data).unwrap();
            out.start_file(name.as_str(), opts).unwrap();
            match parts.iter().find(|(p, _)| *p == name) {
                Some((p, content)) => {
                    out.write_all(content).unwrap();
                    replaced.push(*p);
                }
                None => out.write_all(&data).unwrap(),
            }
        }
        for (part, content) in parts.iter().filter(|(p, _)| !replaced.contains(p)) {
            out.start_file(*part, opts).unwrap();
            out.write_all(content).unwrap();
        }
        out.finish().unwrap().into_inner()
    }

    fn sheet_xml(cells: &str) -> Vec<u8> {
        format!(
            r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{cells}</sheetData></worksheet>"#
        )
        .into_bytes()
    }

    const SHEET: &str = "xl/worksheets/sheet1.xml";

    #[test]
    fn a_sheet_reaching_the_last_cell_is_refused_before_it_is_read() {
        // Two cells, A1 and XFD1048576: once an allocation of 550 GB.
        let file = xlsx_with(
            SHEET,
            &sheet_xml(
                r#"<row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row><row r="1048576"><c r="XFD1048576"><v>1</v></c></row>"#,
            ),
        );
        assert!(file.len() < 8 * 1024, "a small file: {} bytes", file.len());
        let e = read_file(&file).unwrap_err();
        let m = &e.fields()[0].message;
        assert!(m.contains("XFD1048576") && m.contains("256 columns"), "{m}");
    }

    #[test]
    fn a_wide_sparse_sheet_is_refused_by_its_cells() {
        // 20,000 rows, each with one value in column 702 (ZZ): once 794 MB resident.
        let rows: String = (1..=20_000)
            .map(|r| format!(r#"<row r="{r}"><c r="ZZ{r}"><v>1</v></c></row>"#))
            .collect();
        let e = read_file(&xlsx_with(SHEET, &sheet_xml(&rows))).unwrap_err();
        let m = &e.fields()[0].message;
        assert!(m.contains("ZZ1") && m.contains("at most"), "{m}");
        // 20,000 rows × 250 columns is within the columns but not the cells.
        let rows: String = (1..=20_000)
            .map(|r| format!(r#"<row r="{r}"><c r="IP{r}"><v>1</v></c></row>"#))
            .collect();
        let e = read_file(&xlsx_with(SHEET, &sheet_xml(&rows))).unwrap_err();
        let m = &e.fields()[0].message;
        assert!(m.contains("4,000,000 cells"), "{m}");
    }

    #[test]
    fn a_date_cell_far_past_any_calendar_is_read_as_its_number() {
        // Style 1 is a date format (14), so the reader takes the number for a date.
        let styles = br#"<?xml version="1.0"?><styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><fonts count="1"><font/></fonts><fills count="1"><fill/></fills><borders count="1"><border/></borders><cellXfs count="2"><xf numFmtId="0"/><xf numFmtId="14" applyNumberFormat="1"/></cellXfs></styleSheet>"#;
        let sheet = sheet_xml(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>reviewed</t></is></c></row><row r="2"><c r="A2" s="1"><v>1E+300</v></c><c r="B2" s="1"><v>46023</v></c></row>"#,
        );
        let file = xlsx_with_parts(&[("xl/styles.xml", styles), (SHEET, &sheet)]);
        let grids = read_file(&file).unwrap();
        assert_eq!(grids[0].rows[0], ["reviewed"]);
        assert_eq!(
            grids[0].rows[1],
            [format!("{}", 1e300), "2026-01-01".to_string()]
        );
    }

    #[test]
    fn announced_shared_strings_and_zip_bombs_are_refused() {
        let file = xlsx_with(
            "xl/sharedStrings.xml",
            br#"<?xml version="1.0"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="1" uniqueCount="999999999999999"><si><t>x</t></si></sst>"#,
        );
        let e = read_file(&file).unwrap_err();
        assert!(e.fields()[0].message.contains("shared texts"), "{e}");
        // A part that unpacks past the limit (here 1 MB, to keep the test quick) is refused
        // while it is being counted, whatever size the archive claims.
        let mut bomb = sheet_xml("");
        bomb.extend(std::iter::repeat_n(b' ', 3 * 1024 * 1024));
        let file = xlsx_with(SHEET, &bomb);
        assert!(file.len() < 64 * 1024);
        let e = check_xlsx_parts_within(&file, 1024 * 1024).unwrap_err();
        assert!(
            e.fields()[0].message.contains("unpacks to more than 1 MB"),
            "{e}"
        );
        assert!(check_xlsx_parts_within(&file, 8 * 1024 * 1024).is_ok());
    }

    #[test]
    fn cell_references_no_spreadsheet_has_are_refused() {
        for bad in [
            r#"<row r="1"><c r="A99999999999"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="ZZZZZZZZZZZZZZ1"><v>1</v></c></row>"#,
            r#"<row r="123456789012"><c r="A1"><v>1</v></c></row>"#,
            r#"<row r="1"><c r="1A"><v>1</v></c></row>"#,
        ] {
            let e = read_file(&xlsx_with(SHEET, &sheet_xml(bad))).unwrap_err();
            assert!(
                e.fields()[0].message.contains("which no spreadsheet has"),
                "{bad}: {e}"
            );
        }
        let dim = br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:XFD99999999999"/><sheetData/></worksheet>"#;
        assert!(read_file(&xlsx_with(SHEET, dim)).is_err());
        for reversed in ["B2:A1", "A2:B1", "B1:A2", "A1:B2:C3"] {
            let dim = format!(
                r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="{reversed}"/><sheetData/></worksheet>"#
            );
            let e = read_file(&xlsx_with(SHEET, dim.as_bytes())).unwrap_err();
            assert!(e.fields()[0].message.contains(reversed), "{reversed}: {e}");
        }
        let fine = br#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:B2"/><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>id</t></is></c></row></sheetData></worksheet>"#;
        read_file(&xlsx_with(SHEET, fine)).unwrap();
    }

    #[test]
    fn csv_rows_columns_and_cells_are_bounded() {
        let e = read_csv(&"\n".repeat(MAX_ROWS + 1)).unwrap_err();
        assert!(e.fields()[0].message.contains("1,048,576 rows"), "{e}");
        let mut wide = ",".repeat(300);
        let ok = read_csv(&format!("a{wide}\n")).unwrap();
        assert_eq!(
            ok[0].len(),
            MAX_COLUMNS,
            "empty cells past the limit are dropped"
        );
        wide.push('x');
        let e = read_csv(&format!("a{wide}\n")).unwrap_err();
        assert!(e.fields()[0].message.contains("past column 256"), "{e}");
        let row = format!("{}\n", "x,".repeat(200));
        let e = read_csv(&row.repeat(25_000)).unwrap_err();
        assert!(e.fields()[0].message.contains("4,000,000 cells"), "{e}");
    }

    #[test]
    fn old_excel_and_binary_files_are_named() {
        let e = read_file(&[0xD0, 0xCF, 0x11, 0xE0, 0, 0]).unwrap_err();
        assert!(e.fields()[0].message.contains(".xls"));
        let e = read_file(b"\0\0\0binary").unwrap_err();
        assert!(e.fields()[0].message.contains("neither a CSV nor an XLSX"));
    }
}
