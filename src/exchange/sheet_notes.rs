//! What a person sees in an XLSX sheet that the cell values alone do not say, read from the
//! workbook's XML beside the spreadsheet reader: hidden rows and columns, formulas saved
//! without their value, and the text a number is shown as (a control id `5.10` stored as the
//! number 5.1 under the format `0.00`). The parts were checked for size and references before
//! (`sheet::check_xlsx_parts`); this reads them as a stream and keeps at most `MAX_NOTED` of
//! each kind per sheet.

use quick_xml::events::{BytesStart, Event};
use std::collections::HashMap;
use std::io::{BufReader, Read};

/// At most this many of each kind of note are kept per sheet (the rest are not needed to tell
/// a person, nor to show a few thousand ids as written).
const MAX_NOTED: usize = 100_000;

/// The notes of one sheet.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SheetXml {
    /// Spreadsheet rows (1-based) marked hidden.
    pub hidden_rows: Vec<usize>,
    /// Columns (0-based) marked hidden.
    pub hidden_columns: Vec<usize>,
    /// (row 1-based, column 0-based) of cells with a formula and no saved value.
    pub formulas_without_value: Vec<(usize, usize)>,
    /// (row 1-based, column 0-based) → the number as its format shows it, where that differs
    /// from the number written plainly (`5.10` for 5.1 under `0.00`).
    pub shown: HashMap<(usize, usize), String>,
}

type Zip<'a> = zip::ZipArchive<std::io::Cursor<&'a [u8]>>;

/// The notes of each sheet, by sheet name. A part that cannot be read gives no notes (the
/// spreadsheet reader says what is wrong with the file).
pub fn read(bytes: &[u8], max_columns: usize) -> HashMap<String, SheetXml> {
    let Ok(mut zip) = zip::ZipArchive::new(std::io::Cursor::new(bytes)) else {
        return HashMap::new();
    };
    let decimals = styles(&mut zip);
    let mut out = HashMap::new();
    for (name, path) in sheet_parts(&mut zip) {
        if let Ok(part) = zip.by_name(&path) {
            out.insert(name, sheet(part, &decimals, max_columns));
        }
    }
    out
}

fn attr(e: &BytesStart, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == key)
        .map(|a| a.value.into_owned())
}

/// Reads the events of a part, calling `f` with each start (or empty) element, its local name
/// and whether it is empty, and with each text.
fn each_event(part: impl Read, mut f: impl FnMut(Ev<'_>)) {
    let mut reader = quick_xml::Reader::from_reader(BufReader::new(part));
    let mut buf = Vec::new();
    loop {
        match reader.read_event_into(&mut buf) {
            Ok(Event::Start(e)) => f(Ev::Start(&e, false)),
            Ok(Event::Empty(e)) => f(Ev::Start(&e, true)),
            Ok(Event::End(e)) => f(Ev::End(e.local_name().as_ref())),
            Ok(Event::Text(t)) => f(Ev::Text(&t)),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
}

enum Ev<'a> {
    Start(&'a BytesStart<'a>, bool),
    End(&'a str),
    Text(&'a str),
}

/// Sheet name → the path of its part, from the workbook and its relationships.
fn sheet_parts(zip: &mut Zip<'_>) -> Vec<(String, String)> {
    let mut targets: HashMap<String, String> = HashMap::new();
    if let Ok(part) = zip.by_name("xl/_rels/workbook.xml.rels") {
        each_event(part, |ev| {
            if let Ev::Start(e, _) = ev
                && e.local_name().as_ref() == "Relationship"
                && let (Some(id), Some(target)) = (attr(e, "Id"), attr(e, "Target"))
            {
                let path = match target.strip_prefix('/') {
                    Some(abs) => abs.to_string(),
                    None => format!("xl/{target}"),
                };
                targets.insert(id, path);
            }
        });
    }
    let mut sheets = Vec::new();
    if let Ok(part) = zip.by_name("xl/workbook.xml") {
        each_event(part, |ev| {
            if let Ev::Start(e, _) = ev
                && e.local_name().as_ref() == "sheet"
                && let (Some(name), Some(id)) = (attr(e, "name"), attr(e, "id"))
                && let Some(path) = targets.get(&id)
            {
                sheets.push((name, path.clone()));
            }
        });
    }
    sheets
}

/// The decimals a fixed-point number format shows (`0.00` → 2), by cell style index; styles
/// whose format is not one are left out.
fn styles(zip: &mut Zip<'_>) -> Vec<Option<usize>> {
    let Ok(part) = zip.by_name("xl/styles.xml") else {
        return Vec::new();
    };
    // Built-in formats: 2 is 0.00, 4 is #,##0.00.
    let mut formats: HashMap<String, Option<usize>> =
        [("2".to_string(), Some(2)), ("4".to_string(), Some(2))].into();
    let mut xfs = Vec::new();
    let mut in_cell_xfs = false;
    each_event(part, |ev| match ev {
        Ev::Start(e, empty) => match e.local_name().as_ref() {
            "numFmt" => {
                if let (Some(id), Some(code)) = (attr(e, "numFmtId"), attr(e, "formatCode")) {
                    formats.insert(id, fixed_decimals(&code));
                }
            }
            "cellXfs" if !empty => in_cell_xfs = true,
            "xf" if in_cell_xfs && xfs.len() < MAX_NOTED => {
                let id = attr(e, "numFmtId").unwrap_or_default();
                xfs.push(formats.get(&id).copied().flatten());
            }
            _ => {}
        },
        Ev::End("cellXfs") => in_cell_xfs = false,
        _ => {}
    });
    xfs
}

/// The decimals of a number format that shows numbers with a fixed count of them (`0.00`,
/// `#,##0.000`, `0.0_ ;[Red]-0.0`), or none.
fn fixed_decimals(code: &str) -> Option<usize> {
    let first = code.split(';').next()?.replace(['_', ' ', '\\'], "");
    let (int, frac) = first.split_once('.')?;
    let zeros = frac.chars().take_while(|c| *c == '0').count();
    let rest = &frac[zeros..];
    (zeros > 0
        && !int.is_empty()
        && int.chars().all(|c| matches!(c, '0' | '#' | ','))
        && !rest.contains(['0', '#', '%', 'E', 'e', '?']))
    .then_some(zeros)
}

/// `B12` → (12, 1).
fn position(r: &str) -> Option<(usize, usize)> {
    let letters = r.bytes().take_while(u8::is_ascii_alphabetic).count();
    let col = r[..letters].bytes().try_fold(0usize, |n, b| {
        n.checked_mul(26)?
            .checked_add(usize::from(b.to_ascii_uppercase() - b'A') + 1)
    })?;
    let row = r[letters..].parse::<usize>().ok()?;
    (col > 0 && row > 0).then(|| (row, col - 1))
}

/// The notes of one worksheet part.
fn sheet(part: impl Read, decimals: &[Option<usize>], max_columns: usize) -> SheetXml {
    let mut notes = SheetXml::default();
    // The cell being read: position, style's decimals, whether it is a number, has a formula,
    // and its value's text.
    struct Cell {
        at: Option<(usize, usize)>,
        decimals: Option<usize>,
        number: bool,
        formula: bool,
        value: Option<String>,
    }
    let mut cell: Option<Cell> = None;
    let mut in_value = false;
    let mut next_row = 1usize;
    let mut next_col = 0usize;
    let finish = |c: Cell, notes: &mut SheetXml| {
        let Some(at) = c.at else { return };
        let empty = c.value.as_deref().is_none_or(|v| v.trim().is_empty());
        if c.formula && empty && notes.formulas_without_value.len() < MAX_NOTED {
            notes.formulas_without_value.push(at);
        }
        if let (true, Some(d), Some(v)) = (c.number, c.decimals, c.value.as_deref())
            && let Ok(x) = v.trim().parse::<f64>()
            && x.is_finite()
            && x.abs() < 1e15
            && notes.shown.len() < MAX_NOTED
        {
            let shown = format!("{x:.d$}");
            // Written plainly: whole numbers without ".0", others as short as they read back.
            let plain = if x.fract() == 0.0 {
                format!("{}", x as i64)
            } else {
                format!("{x}")
            };
            if shown != plain {
                notes.shown.insert(at, shown);
            }
        }
    };
    each_event(part, |ev| match ev {
        Ev::Start(e, empty) => match e.local_name().as_ref() {
            "row" => {
                let r = attr(e, "r")
                    .and_then(|r| r.parse::<usize>().ok())
                    .unwrap_or(next_row);
                next_row = r + 1;
                next_col = 0;
                let hidden = attr(e, "hidden").is_some_and(|h| h == "1" || h == "true");
                if hidden && notes.hidden_rows.len() < MAX_NOTED {
                    notes.hidden_rows.push(r);
                }
            }
            "col" => {
                let hidden = attr(e, "hidden").is_some_and(|h| h == "1" || h == "true");
                let n = |k: &str| attr(e, k).and_then(|v| v.parse::<usize>().ok());
                if let (true, Some(min), Some(max)) = (hidden, n("min"), n("max")) {
                    // A range over every column (min 1, max 16384) is common for "hide the
                    // rest": only columns a sheet can fill are noted.
                    for c in min.max(1)..=max.min(max_columns) {
                        if notes.hidden_columns.len() < MAX_NOTED {
                            notes.hidden_columns.push(c - 1);
                        }
                    }
                }
            }
            "c" => {
                let at = attr(e, "r")
                    .and_then(|r| position(&r))
                    .or(Some((next_row.saturating_sub(1).max(1), next_col)));
                next_col = at.map_or(next_col, |(_, c)| c + 1);
                let style = attr(e, "s").and_then(|s| s.parse::<usize>().ok());
                let t = attr(e, "t").unwrap_or_default();
                let c = Cell {
                    at,
                    decimals: style.and_then(|s| decimals.get(s).copied().flatten()),
                    number: t.is_empty() || t == "n",
                    formula: false,
                    value: None,
                };
                if empty {
                    finish(c, &mut notes);
                } else {
                    cell = Some(c);
                }
            }
            "f" => {
                if let Some(c) = cell.as_mut() {
                    c.formula = true;
                }
            }
            "v" if !empty => in_value = true,
            _ => {}
        },
        Ev::Text(t) => {
            if in_value && let Some(c) = cell.as_mut() {
                c.value.get_or_insert_with(String::new).push_str(t);
            }
        }
        Ev::End("v") => in_value = false,
        Ev::End("c") => {
            if let Some(c) = cell.take() {
                finish(c, &mut notes);
            }
        }
        Ev::End(_) => {}
    });
    notes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fixed_formats_show_their_decimals() {
        assert_eq!(fixed_decimals("0.00"), Some(2));
        assert_eq!(fixed_decimals("#,##0.000"), Some(3));
        assert_eq!(fixed_decimals("0.0_ ;[Red]\\-0.0\\ "), Some(1));
        assert_eq!(fixed_decimals("0.00%"), None);
        assert_eq!(fixed_decimals("0.00E+00"), None);
        assert_eq!(fixed_decimals("General"), None);
        assert_eq!(fixed_decimals("yyyy-mm-dd"), None);
        assert_eq!(position("B12"), Some((12, 1)));
        assert_eq!(position("AA1"), Some((1, 26)));
        assert_eq!(position("12"), None);
    }
}
