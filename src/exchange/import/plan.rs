//! How a sheet's header is read: the mappings by hand (`Their header=field`, column letters,
//! the header a mapping begins), value mappings and defaults, each column's field, the header
//! row among the first rows of a sheet and a header over two rows.

use super::*;

/// The header plan of one sheet.
pub(super) struct Plan {
    pub(super) header_row: usize,
    pub(super) columns: Vec<Column>,
}

/// A mapping by hand: (squashed header, the header as typed, our field or none).
pub(super) type Explicit = (String, String, Option<&'static str>);

/// Reads `map` entries into explicit mappings, refusing fields we do not have.
pub(super) fn explicit_map(schema: &Schema, map: &[String]) -> Result<Vec<Explicit>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    let keys: Vec<&str> = schema.fields.iter().map(|f| f.key).collect();
    for m in map.iter().filter(|m| !m.trim().is_empty()) {
        match m.rsplit_once('=') {
            Some((theirs, ours)) if !theirs.trim().is_empty() => {
                let ours = ours.trim();
                if ours.is_empty() || ours == "-" {
                    out.push((squash(theirs), theirs.trim().to_string(), None));
                } else if let Some(f) = schema.fields.iter().find(|f| f.key == ours) {
                    out.push((squash(theirs), theirs.trim().to_string(), Some(f.key)));
                } else {
                    problems.push(FieldError::new(
                        "map",
                        format!(
                            "'{ours}' is not a field of {}: use one of {} (or nothing, to ignore the column)",
                            schema.what,
                            keys.join(", ")
                        ),
                    ));
                }
            }
            _ => problems.push(FieldError::new(
                "map",
                format!("'{m}' is not a mapping: write 'Their header=field'"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(problems))
    }
}

/// Reads `default` entries (`field=value`), refusing fields we do not have.
pub(super) fn defaults(schema: &Schema, given: &[String]) -> Result<Vec<(&'static str, String)>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for d in given.iter().filter(|d| !d.trim().is_empty()) {
        match d.split_once('=') {
            Some((field, value)) => match schema.fields.iter().find(|f| f.key == field.trim()) {
                Some(f) => out.push((f.key, value.trim().to_string())),
                None => {
                    let keys: Vec<&str> = schema.fields.iter().map(|x| x.key).collect();
                    problems.push(FieldError::new(
                        "default",
                        format!(
                            "'{}' is not a field of {}: use one of {}",
                            field.trim(),
                            schema.what,
                            keys.join(", ")
                        ),
                    ));
                }
            },
            None => problems.push(FieldError::new(
                "default",
                format!("'{d}' is not a default: write 'field=value'"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(problems))
    }
}

/// A value mapping: in `field` (or any), a cell reading `theirs` (lower-case) is read as `ours`.
pub(super) struct ValueMap {
    pub(super) field: Option<&'static str>,
    pub(super) theirs: String,
    pub(super) ours: String,
}

pub(super) fn value_maps(schema: &Schema, values: &[String]) -> Result<Vec<ValueMap>> {
    let mut out = Vec::new();
    let mut problems = Vec::new();
    for v in values.iter().filter(|v| !v.trim().is_empty()) {
        let (field, rest) = match v.split_once(':') {
            Some((f, rest)) => match schema.fields.iter().find(|x| x.key == f.trim()) {
                Some(x) => (Some(x.key), rest),
                // Written like a field's key (lowercase words joined by '_') before a mapping:
                // a misspelt field, refused rather than read as part of their value.
                None if rest.contains('=')
                    && !f.trim().is_empty()
                    && f.trim()
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b == b'_') =>
                {
                    let keys: Vec<&str> = schema.fields.iter().map(|x| x.key).collect();
                    problems.push(FieldError::new(
                        "value",
                        format!(
                            "'{}' is not a field of {}: use one of {}, or leave the prefix out",
                            f.trim(),
                            schema.what,
                            keys.join(", ")
                        ),
                    ));
                    continue;
                }
                None => (None, v.as_str()),
            },
            None => (None, v.as_str()),
        };
        match rest.split_once('=') {
            Some((theirs, ours)) if !theirs.trim().is_empty() => out.push(ValueMap {
                field,
                theirs: theirs.trim().to_lowercase(),
                ours: ours.trim().to_string(),
            }),
            _ => problems.push(FieldError::new(
                "value",
                format!("'{v}' is not a value mapping: write 'Their value=our value' or 'field:Their value=our value'"),
            )),
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(problems))
    }
}

/// Whether a mapping's left side (squashed) begins header `h` and no other header of the row:
/// "Asset ID" names "Asset ID Jednoznačný identifikátor" (a header with its hint after it).
pub(super) fn prefix_of_one(t: &str, h: &str, header: &[String]) -> bool {
    let starts = |x: &String| !t.is_empty() && squash(x).starts_with(t);
    starts(&h.to_string())
        && !header.iter().any(|x| header_keys(x).iter().any(|k| k == t))
        && header.iter().filter(|x| starts(x)).count() == 1
}

/// The column a mapping's left side names by its letters (`C`, `AB`), when no header of the
/// row is called so.
pub(super) fn lettered(theirs: &str, header: &[String]) -> Option<usize> {
    let t = theirs.trim();
    if t.is_empty()
        || t.len() > 3
        || !t.bytes().all(|b| b.is_ascii_uppercase())
        || header.iter().any(|h| header_keys(h).contains(&squash(t)))
    {
        return None;
    }
    let n = t
        .bytes()
        .fold(0usize, |n, b| n * 26 + usize::from(b - b'A') + 1);
    Some(n - 1)
}

/// Plans the columns of a header row. A mapping names a column by its header (compared as
/// automatic matching compares them: case, punctuation and hints in brackets ignored) or by
/// its letters (`C=title`).
pub(super) fn plan_row(schema: &Schema, header: &[String], explicit: &[Explicit]) -> Vec<Column> {
    let mut columns: Vec<Column> = Vec::new();
    let by_letter: Vec<(usize, Option<&'static str>)> = explicit
        .iter()
        .filter_map(|(_, typed, f)| lettered(typed, header).map(|i| (i, *f)))
        .collect();
    let width = header
        .len()
        .max(by_letter.iter().map(|(i, _)| i + 1).max().unwrap_or(0));
    let blank = String::new();
    for (i, h) in (0..width).map(|i| (i, header.get(i).unwrap_or(&blank))) {
        let keys = header_keys(h);
        if let Some((_, f)) = by_letter.iter().find(|(c, _)| *c == i) {
            let taken = f.is_some_and(|f| columns.iter().any(|c| c.field == Some(f)));
            columns.push(Column {
                header: if h.trim().is_empty() {
                    super::sheet::column_letters(i as u64)
                } else {
                    h.trim().to_string()
                },
                field: if taken { None } else { *f },
                how: match (taken, f) {
                    (true, _) => "duplicate",
                    (false, Some(_)) => "mapped",
                    (false, None) => "ignored",
                },
                sample: String::new(),
            });
            continue;
        }
        let (field, how) = if let Some((_, _, f)) = explicit
            .iter()
            .find(|(t, _, _)| keys.contains(t) || prefix_of_one(t, h, header))
        {
            (*f, if f.is_some() { "mapped" } else { "ignored" })
        } else if let Some(f) = schema
            .fields
            .iter()
            .find(|f| keys.iter().any(|k| f.synonyms.contains(&k.as_str())))
        {
            (Some(f.key), "matched")
        } else if keys
            .iter()
            .any(|k| schema.derived.iter().any(|d| d.contains(&k.as_str())))
        {
            (None, "derived")
        } else if h.trim().is_empty() {
            (None, "ignored")
        } else {
            (None, "unknown")
        };
        let taken = field.is_some_and(|f| columns.iter().any(|c| c.field == Some(f)));
        columns.push(Column {
            header: h.trim().to_string(),
            field: if taken { None } else { field },
            how: if taken { "duplicate" } else { how },
            sample: String::new(),
        });
    }
    // A column mapped by hand wins over one matched by its header.
    for i in 0..columns.len() {
        if columns[i].how == "matched"
            && let Some(f) = columns[i].field
            && columns
                .iter()
                .any(|c| c.how == "mapped" && c.field == Some(f))
        {
            columns[i].field = None;
            columns[i].how = "duplicate";
        }
    }
    columns
}

/// Finds the header row of a sheet: the row among the first 30 whose cells name the most of
/// our fields (title rows and notes above a table are common); a row naming the register's
/// required field wins over one that does not.
pub(super) fn plan_grid(schema: &Schema, grid: &Grid, explicit: &[Explicit]) -> Option<Plan> {
    let mut best: Option<((bool, usize), Plan)> = None;
    for (i, row) in grid.rows.iter().enumerate().take(30) {
        let columns = plan_row(schema, row, explicit);
        let score = (
            columns.iter().any(|c| c.field == Some(schema.required)),
            columns.iter().filter(|c| c.field.is_some()).count(),
        );
        if score.1 > 0 && best.as_ref().is_none_or(|(s, _)| score > *s) {
            best = Some((
                score,
                Plan {
                    header_row: i + 1,
                    columns,
                },
            ));
        }
    }
    best.map(|(_, p)| p)
}

impl Plan {
    pub(super) fn has(&self, field: &str) -> bool {
        self.columns.iter().any(|c| c.field == Some(field))
    }

    /// How many columns are read.
    pub(super) fn known(&self) -> usize {
        self.columns.iter().filter(|c| c.field.is_some()).count()
    }
}

/// A row of the file as (field, cell) pairs by the plan, with value mappings applied and
/// Excel date serials in date fields read as dates.
pub(super) fn row_values<'a>(
    plan: &'a Plan,
    values: &'a [ValueMap],
    row: &'a [String],
) -> impl Iterator<Item = (&'static str, String)> + 'a {
    plan.columns.iter().enumerate().filter_map(move |(i, c)| {
        let field = c.field?;
        let mut v = row.get(i).map(|s| s.trim().to_string()).unwrap_or_default();
        let lower = v.to_lowercase();
        if let Some(m) = values
            .iter()
            .find(|m| m.theirs == lower && m.field.is_none_or(|f| f == field))
        {
            v = m.ours.clone();
        }
        if DATE_FIELDS.contains(&field)
            && let Ok(serial) = v.parse::<i64>()
            && (20_000..80_000).contains(&serial)
        {
            v = sheet::excel_date(serial as f64);
        }
        Some((field, v))
    })
}

/// A header in two rows (see `Schema::split_header`). Answers the plan of the merged header,
/// the spreadsheet row below the header that completes it (if one does) and the merged
/// header's cells.
pub(super) fn split_header(
    schema: &Schema,
    grid: &Grid,
    plan: Plan,
    explicit: &[Explicit],
) -> (Plan, Option<usize>, Vec<String>) {
    let h = plan.header_row - 1;
    let mut cells = grid.rows[h].clone();
    let empty = |cells: &[String], i: usize| cells.get(i).is_none_or(|c| c.trim().is_empty());
    let mut sub = None;
    // Below: a row that holds only labels — each names a field or sits under a header cell
    // that is empty or not read — and nothing under the required column (then it is data).
    if let Some(below) = grid.rows.get(h + 1).filter(|_| !grid.blank(h + 1)) {
        let required_col = plan
            .columns
            .iter()
            .position(|c| c.field == Some(schema.required));
        let under_required = required_col.is_some_and(|i| !empty(below, i));
        // (names a field, sits under a header cell not read, under an empty one) per label.
        let labels: Vec<(bool, bool, bool)> = below
            .iter()
            .enumerate()
            .filter(|(_, v)| !v.trim().is_empty())
            .map(|(i, v)| {
                (
                    plan_row(schema, std::slice::from_ref(v), explicit)[0]
                        .field
                        .is_some(),
                    plan.columns.get(i).is_none_or(|c| c.field.is_none()),
                    empty(&grid.rows[h], i),
                )
            })
            .collect();
        let labels_only = labels.iter().all(|(names, unread, _)| *names || *unread);
        // A heading row (a domain's name under a column not read) labels nothing.
        let labels_something = labels
            .iter()
            .any(|(names, _, under_empty)| *names || *under_empty);
        if !under_required && labels_only && labels_something {
            for (i, v) in below.iter().enumerate() {
                if !v.trim().is_empty() {
                    if cells.len() <= i {
                        cells.resize(i + 1, String::new());
                    }
                    cells[i] = v.clone();
                }
            }
            sub = Some(h + 2);
        }
    }
    // Above: a row of group labels (two or more; a title holds one) over merged cells fills
    // the header's empty cells.
    for up in [h.checked_sub(1), h.checked_sub(2)].into_iter().flatten() {
        let row = &grid.rows[up];
        if row.iter().filter(|c| !c.trim().is_empty()).count() < 2 {
            continue;
        }
        for (i, v) in row.iter().enumerate() {
            if !v.trim().is_empty() && empty(&cells, i) {
                if cells.len() <= i {
                    cells.resize(i + 1, String::new());
                }
                cells[i] = v.clone();
            }
        }
    }
    let columns = plan_row(schema, &cells, explicit);
    (
        Plan {
            header_row: plan.header_row,
            columns,
        },
        sub,
        cells,
    )
}
