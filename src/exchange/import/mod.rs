//! Importing a register (assets, risks or measures) from a spreadsheet someone else made:
//! finding the sheet and the header row, matching their headers to our fields (synonyms,
//! case and punctuation ignored, explicit `Their header=field` mappings first), reading every
//! row into the register's typed input, and naming every problem by the row and the column
//! the person sees ("row 17, column Likelihood: 'hihg' is not a level …"). Nothing is written
//! unless every row is valid; then the store writes all rows in one transaction. A dry run
//! does everything but commit.

mod plan;
mod stream;

use super::sheet::{self, Grid};
use crate::domain::ImportReport;
use crate::error::{Error, FieldError, Result};
use crate::service::Ctx;
use plan::*;
use serde::Serialize;
pub use stream::{Batches, run_file};

/// A future an importer answers (boxed: importers are chosen at run time, by key).
/// A spreadsheet row as an import reads it: its number and its values by field key.
pub type Row = (usize, Vec<(&'static str, String)>);

pub type BoxFuture<'a, T> = std::pin::Pin<Box<dyn std::future::Future<Output = T> + Send + 'a>>;

/// A register that spreadsheets can be imported into: its schema (fields and the headers
/// people use for them), and how rows become its records — every row checked, then all
/// written in one transaction by the register's use case (or, for a dry run, reported).
pub trait Importer: Send + Sync {
    /// `assets`, `risks`, `measures`: in URLs, uploads and outcomes.
    fn key(&self) -> &'static str;

    fn schema(&self) -> &'static Schema;

    /// Checks every row — (spreadsheet row, values by field) — and, when all are valid,
    /// writes them (a dry run writes nothing). Problems are field errors named
    /// `row N, field`, so that the person is told the row and the column.
    fn import<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: Writing<'a>,
    ) -> BoxFuture<'a, Result<ImportReport>>;

    /// "Risks", on the import pages.
    fn title(&self) -> &'static str;

    /// What a file may hold, in our words, for the upload page.
    fn hints(&self) -> &'static str;

    /// Where the register's pages live, without the leading `/` (`assets`,
    /// `continuity/exercises`): its import is at `/{path}/import`.
    fn path(&self) -> &'static str {
        self.key()
    }

    /// "risk", in messages.
    fn noun(&self) -> &'static str {
        self.schema().noun
    }

    /// (field key, label) of every field, for the mapping step.
    fn field_choices(&self) -> Vec<(&'static str, &'static str)> {
        self.schema().field_choices()
    }

    /// How a record is named, for matching rows without ids to records by name; none when
    /// the register does not offer it.
    fn named_by(&self) -> Option<NamedBy> {
        None
    }

    /// The import a batch of rows at a time, in one transaction, for a file of any size read
    /// as it streams (a CSV file): what memory holds stays the same however long the file.
    /// None when the register takes its rows all at once (then the file's size is bounded).
    fn batches<'a>(
        &'a self,
        _ctx: &'a Ctx,
        _how: Writing<'a>,
    ) -> Option<BoxFuture<'a, Result<Box<dyn Batches<'a> + 'a>>>> {
        None
    }

    /// Another import that takes this file instead: a Statement of Applicability of 2013
    /// sent where the 2022 one is imported.
    fn divert(&self, _grids: &[Grid]) -> Option<Diversion> {
        None
    }
}

/// How an import writes its rows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Writing<'a> {
    /// Check everything and report, write nothing.
    pub dry_run: bool,
    /// The reviewed upload the rows came from, consumed by the import.
    pub upload: Option<&'a str>,
    /// Risks: adopt the matrix the file's own levels describe, in the import's transaction.
    pub adopt_matrix: bool,
    /// Staff: the file is the whole staff; everyone it does not list has left.
    pub absent_left: bool,
}

/// How a register's records are named: the import's field and the store's table and columns.
#[derive(Debug, Clone, Copy)]
pub struct NamedBy {
    /// `name`, `title`.
    pub field: &'static str,
    pub table: &'static str,
    pub id_column: &'static str,
    pub name_column: &'static str,
}

/// Where a file belongs when it was sent to the wrong import (see `Importer::divert`).
#[derive(Debug, Clone)]
pub struct Diversion {
    /// The kind its upload is kept under for that import's review.
    pub kind: &'static str,
    /// That import's page (`/soa/import-2013`): the review is `{page}/{upload id}`.
    pub page: &'static str,
    /// That import's API operation (`POST /api/v1/soa/import-2013`).
    pub api: &'static str,
    /// Why, in words ("its controls are of ISO/IEC 27002:2013, such as A.5.1.1").
    pub why: String,
}

/// The importers a running Annex has, found by key (an upload records which one it is for).
#[derive(Clone, Default)]
pub struct Importers(pub Vec<&'static dyn Importer>);

impl Importers {
    pub fn find(&self, key: &str) -> Result<&'static dyn Importer> {
        self.0
            .iter()
            .copied()
            .find(|i| i.key() == key.trim())
            .ok_or_else(|| {
                let keys: Vec<&str> = self.0.iter().map(|i| i.key()).collect();
                Error::field(
                    "register",
                    format!(
                        "'{key}' is not a register: use {}",
                        crate::domain::query::list_words(&keys, "or")
                    ),
                )
            })
    }
}

impl Importers {
    /// The importer of the register at `path` (see [`Importer::path`]).
    pub fn at(&self, path: &str) -> Result<&'static dyn Importer> {
        self.0
            .iter()
            .copied()
            .find(|i| i.path() == path)
            .ok_or_else(|| Error::NotFound(format!("an import at /{path}")))
    }
}

pub use crate::domain::input::checked_row;

/// Reads each row into a register's checked form; the problems of every row at once, named
/// `row N, field`.
pub fn parse_rows<I, D>(
    rows: Vec<(usize, I)>,
    mut parse: impl FnMut(I) -> Result<D>,
) -> Result<Vec<(usize, D)>> {
    let mut out = Vec::with_capacity(rows.len());
    let mut problems = Vec::new();
    for (row, input) in rows {
        if let Some(d) = checked_row(row, parse(input), &mut problems)? {
            out.push((row, d));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(problems))
    }
}

/// One of our fields and the headers real spreadsheets use for it (squashed: lower-case
/// letters and digits only).
pub struct Field {
    key: &'static str,
    synonyms: &'static [&'static str],
    /// Shown in the mapping step.
    label: &'static str,
}

impl Field {
    pub(crate) const fn new(
        key: &'static str,
        label: &'static str,
        synonyms: &'static [&'static str],
    ) -> Field {
        Field {
            key,
            synonyms,
            label,
        }
    }
}

/// A field of a register's schema: its key, the label the mapping step shows, and the
/// headers (squashed) that name it (`use crate::exchange::import::field as f;`).
pub(crate) const fn field(
    key: &'static str,
    label: &'static str,
    synonyms: &'static [&'static str],
) -> Field {
    Field::new(key, label, synonyms)
}

/// What a file is read into: the fields with their header synonyms, the columns read past,
/// the field every row must have, and how messages name them. Each register has one; so has
/// any other table Annex reads from a spreadsheet (a Statement of Applicability of 2013).
pub struct Schema {
    pub(crate) fields: &'static [Field],
    /// Headers (squashed) of columns Annex computes or knows otherwise, in lists: read past,
    /// not read.
    pub(crate) derived: &'static [&'static [&'static str]],
    /// The field every row must have a column for.
    pub(crate) required: &'static str,
    /// "the risk register", in messages.
    pub(crate) what: &'static str,
    /// "risk", in "no column holds the risk title".
    pub(crate) noun: &'static str,
    /// Whether the header may take two rows: group labels in a row above fill the header's
    /// empty cells, and a row just below that holds only labels names the columns it sits
    /// over (the tick columns under "reasons for selection" in a Statement of Applicability).
    pub(crate) split_header: bool,
}

/// Fields whose cells may hold an Excel date serial (a date cell formatted as a number).
const DATE_FIELDS: &[&str] = &[
    "last_reviewed_on",
    "review_due_on",
    "due_on",
    "target_date",
    "planned_on",
];

impl Schema {
    /// Every field with a few of the headers that name it: "title (risk, risktitle, name)".
    pub(crate) fn fields_in_words(&self) -> String {
        self.fields
            .iter()
            .map(|f| {
                let some: Vec<&str> = f.synonyms.iter().take(4).copied().collect();
                format!("{} ({})", f.key, some.join(", "))
            })
            .collect::<Vec<_>>()
            .join("; ")
    }

    /// (field key, label) of every field, for the mapping step.
    pub(crate) fn field_choices(&self) -> Vec<(&'static str, &'static str)> {
        self.fields.iter().map(|f| (f.key, f.label)).collect()
    }
}

/// Lower-case letters and digits only: "Risk owner" and "risk_owner" compare equal.
fn squash(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The ways a header cell may name a field: as written, without hints in brackets
/// ("Likelihood (1-5)"), its first line, or the part before a comma ("Owner, role").
fn header_keys(h: &str) -> Vec<String> {
    let mut no_brackets = String::new();
    let mut depth = 0;
    for c in h.chars() {
        match c {
            '(' | '[' => depth += 1,
            ')' | ']' if depth > 0 => depth -= 1,
            _ if depth == 0 => no_brackets.push(c),
            _ => {}
        }
    }
    let mut keys = vec![
        squash(h),
        squash(&no_brackets),
        squash(h.lines().next().unwrap_or_default()),
        squash(h.split(',').next().unwrap_or_default()),
    ];
    keys.retain(|k| !k.is_empty());
    keys.dedup();
    keys
}

/// What became of one column of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Column {
    /// The header as written in the file.
    pub header: String,
    /// Our field, when the column is read.
    pub field: Option<&'static str>,
    /// mapped (by you), matched (by its header), derived (Annex computes it), duplicate
    /// (another column already gives the field), empty (no value below the header), hidden
    /// (hidden in the sheet, left out as asked), ignored (mapped to nothing), unknown.
    pub how: &'static str,
    /// The first value of the column in the data, as an example.
    pub sample: String,
}

/// One bad cell or row: the spreadsheet row number and the column's header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowProblem {
    /// The (first) row.
    pub row: usize,
    pub column: String,
    pub message: String,
    /// Every row with the same problem in the same column, when there are several (told once).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rows: Vec<usize>,
}

impl RowProblem {
    /// "row 5" or "rows 5–9 and 12".
    pub fn where_(&self) -> String {
        if self.rows.len() > 1 {
            rows_words(&self.rows)
        } else if self.row == 0 {
            // Of no row: of the file as a whole (too many rows for one import, say).
            "the file".to_string()
        } else {
            format!("row {}", self.row)
        }
    }
}

/// Problems that say the same of the same column on several rows, told once with the rows.
fn told_once(problems: Vec<RowProblem>) -> Vec<RowProblem> {
    let mut out: Vec<RowProblem> = Vec::new();
    for p in problems {
        match out
            .iter_mut()
            .find(|q| q.column == p.column && q.message == p.message && !p.column.is_empty())
        {
            Some(q) => {
                if q.rows.is_empty() {
                    q.rows.push(q.row);
                }
                q.rows.push(p.row);
            }
            None => out.push(p),
        }
    }
    out
}

impl std::fmt::Display for RowProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.column.is_empty() {
            write!(f, "{}: {}", self.where_(), self.message)
        } else {
            write!(
                f,
                "{}, column {}: {}",
                self.where_(),
                self.column,
                self.message
            )
        }
    }
}

/// How to read a file.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// `Their header=field` (an empty field ignores the column).
    pub map: Vec<String>,
    /// `[field:]Their value=our value`: cells that hold exactly their value (case ignored) are
    /// read as ours, in that field or in every field ("High=4", "lifecycle:Active=in use").
    pub values: Vec<String>,
    /// The worksheet to read (XLSX); the one whose header fits best otherwise.
    pub sheet: Option<String>,
    /// Check everything and report, write nothing.
    pub dry_run: bool,
    /// The upload this import consumes (removed in the import's transaction).
    pub upload: Option<String>,
    /// Rows below the blank row that ends the table are a problem (the command line, unless
    /// `--stop-at-blank`), not only reported as not read (pages and API show them).
    pub refuse_rows_after_blank: bool,
    /// Leave out the rows and columns the sheet hides (read, with a warning, otherwise).
    pub skip_hidden: bool,
    /// The character set of a CSV file (`windows-1250`); found from its content otherwise.
    pub encoding: Option<String>,
    /// `field=value`: the value of a field in every row that leaves it empty (or has no
    /// column for it).
    pub defaults: Vec<String>,
    /// Rows without an id update the record of the same name (or title), when one record has
    /// it; they create one otherwise.
    pub match_by_name: bool,
    /// Risks: when the file's own levels describe another matrix, adopt it (Annex's scales,
    /// the file's levels and grid) in the same transaction as the import.
    pub adopt_matrix: bool,
    /// Staff: the file (an HR export) lists everyone who works here; a person it does not
    /// list has left (their last day yesterday), and gets an offboarding checklist.
    pub absent_left: bool,
}

impl Options {
    /// Reads the file the options are for (a CSV in the character set they name, if any).
    pub fn read(&self, bytes: &[u8]) -> Result<Vec<Grid>> {
        let encoding = match self.encoding.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => Some(super::charset::parse(e)?),
        };
        sheet::read_file_as(bytes, encoding)
    }
}

/// What an import did, or in a dry run would do, or why it did nothing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Outcome {
    /// The register's key (`assets`, `risks`, `measures`).
    pub register: &'static str,
    pub dry_run: bool,
    /// The worksheet read (XLSX), and the others in the file.
    pub sheet: Option<String>,
    pub other_sheets: Vec<String>,
    /// The spreadsheet row that holds the header.
    pub header_row: usize,
    pub columns: Vec<Column>,
    /// Data rows read.
    pub rows: usize,
    /// Rows below the first blank row after the data, not read: (first, last).
    pub ignored_rows: Option<(usize, usize)>,
    /// The character set a CSV file was read in.
    pub encoding: Option<String>,
    /// What the import did that the file does not show at first sight (hidden rows and
    /// columns read or left out), in words.
    pub warnings: Vec<String>,
    pub problems: Vec<RowProblem>,
    /// Present when there are no problems.
    pub report: Option<ImportReport>,
}

impl Outcome {
    /// What reading a file's table tells, before its rows are checked.
    pub(crate) fn read(register: &'static str, dry_run: bool, table: &TableRead<'_>) -> Outcome {
        Outcome {
            register,
            dry_run,
            sheet: table.sheet.clone(),
            other_sheets: table.other_sheets.clone(),
            header_row: table.header_row,
            columns: table.columns.clone(),
            rows: table.data.len(),
            ignored_rows: table.ignored_rows,
            encoding: table.encoding.clone(),
            warnings: table.warnings.clone(),
            problems: Vec::new(),
            report: None,
        }
    }

    pub fn unknown_columns(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| c.how == "unknown")
            .map(|c| c.header.as_str())
            .collect()
    }

    /// Whether rows were (or in a dry run, would be) written.
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.report.is_some()
    }

    /// The problems as field errors (`row 17, column Likelihood`), for the API's error body.
    pub fn into_error(self) -> Error {
        problems_error(self.problems)
    }
}

/// Problems with rows as field errors (`row 17, column Likelihood`), for the API's error body.
pub(crate) fn problems_error(problems: Vec<RowProblem>) -> Error {
    Error::Validation(
        problems
            .into_iter()
            .map(|p| {
                let field = if p.column.is_empty() {
                    p.where_()
                } else {
                    format!("{}, column {}", p.where_(), p.column)
                };
                FieldError::new(field, p.message)
            })
            .collect(),
    )
}

/// A table found in a file: its sheet, the header row and how each column is read, and the
/// rows of data below the header (to the first blank row after some data).
pub(crate) struct TableRead<'a> {
    pub(crate) sheet: Option<String>,
    pub(crate) other_sheets: Vec<String>,
    pub(crate) header_row: usize,
    /// The row just below the header that completes it (see `Schema::split_header`).
    pub(crate) subheader_row: Option<usize>,
    pub(crate) columns: Vec<Column>,
    /// (spreadsheet row, cells) of every row that gives a value to one of the fields.
    pub(crate) data: Vec<(usize, &'a [String])>,
    pub(crate) ignored_rows: Option<(usize, usize)>,
    /// Problems with the header: when there are any, no row can be read as meant.
    pub(crate) problems: Vec<RowProblem>,
    /// Problems with the table's shape that leave its rows readable (a value right of the
    /// last headed column, rows after a blank row): the rows are still checked, so that every
    /// problem is told at once, and nothing is written.
    pub(crate) shape_problems: Vec<RowProblem>,
    /// The character set a CSV file was read in.
    pub(crate) encoding: Option<String>,
    /// Hidden rows and columns read or left out, in words.
    pub(crate) warnings: Vec<String>,
    /// Where the header ends, for values right of it.
    edge: Edge,
    plan: Plan,
    values: Vec<ValueMap>,
    shown: &'a std::collections::HashMap<(usize, usize), String>,
    defaults: Vec<(&'static str, String)>,
}

/// Fields that hold ids: they read a number as the file shows it ("5.10", not 5.1).
const ID_FIELDS: &[&str] = &["id", "control", "controls", "measures"];

impl<'a> TableRead<'a> {
    /// Spreadsheet row `row`'s cells as (field, cell) pairs, with value mappings applied and
    /// ids as the file shows them.
    pub(crate) fn values<'b>(
        &'b self,
        row: usize,
        cells: &'b [String],
    ) -> impl Iterator<Item = (&'static str, String)> + 'b {
        let read = row_values(&self.plan, &self.values, cells).map(move |(field, v)| {
            if ID_FIELDS.contains(&field)
                && let Some(col) = self
                    .plan
                    .columns
                    .iter()
                    .position(|c| c.field == Some(field))
                && let Some(shown) = self.shown.get(&(row, col))
            {
                (field, shown.clone())
            } else if v.is_empty()
                && let Some((_, d)) = self.defaults.iter().find(|(f, _)| *f == field)
            {
                (field, d.clone())
            } else {
                (field, v)
            }
        });
        // Defaults of fields no column gives.
        let missing = self
            .defaults
            .iter()
            .filter(|(f, _)| !self.plan.has(f))
            .map(|(f, v)| (*f, v.clone()));
        read.chain(missing)
    }
}

/// Where a table's header ends: a value right of it is a problem of the table's shape.
struct Edge {
    /// Columns up to the last with a header or a field (none are checked when 0).
    width: usize,
    last_header: String,
    csv: bool,
}

impl Edge {
    /// The problem of a row with a value right of the last headed column: in a CSV usually a
    /// comma inside an unquoted value, which moved every value after it one column right.
    fn past(&self, row: usize, cells: &[String]) -> Option<RowProblem> {
        let last = cells.iter().rposition(|c| !c.trim().is_empty())?;
        if self.width == 0 || last < self.width {
            return None;
        }
        let value: String = cells[last].trim().chars().take(40).collect();
        let hint = if self.csv {
            ": a comma inside a value may have split it and moved the values after it; put that value in quotes"
        } else {
            ": give the column a header, or remove the value"
        };
        Some(RowProblem {
            rows: Vec::new(),
            row,
            column: sheet::column_letters(last as u64),
            message: format!(
                "'{value}' is in column {}, right of the last column with a header ({}){hint}",
                sheet::column_letters(last as u64),
                self.last_header
            ),
        })
    }
}

/// The problem of rows after the blank row that ends a table (the command line's).
fn after_blank((first, last): (usize, usize)) -> RowProblem {
    RowProblem {
        rows: Vec::new(),
        row: first,
        column: String::new(),
        message: format!(
            "{} after a blank row, which ends the table: remove the blank row to import {}, or give --stop-at-blank to import only the rows above it",
            if first == last {
                format!("row {first} comes")
            } else {
                format!("rows {first} to {last} come")
            },
            if first == last { "it" } else { "them" }
        ),
    }
}

/// The warning about rows without an id, which become new records at every import.
fn no_id_warning(rows: &[usize], noun: &str) -> String {
    let (verb, them) = if rows.len() == 1 {
        ("has", "it")
    } else {
        ("have", "them")
    };
    format!(
        "{} {verb} no id: each becomes a new {noun}, and importing the file again makes {them} again (give ids — an export has them — or match rows by name to update records instead)",
        rows_words(rows)
    )
}

/// Rows in words, runs joined: "rows 5, 7–9 and 12", "row 4".
pub(crate) fn rows_words(rows: &[usize]) -> String {
    let mut runs: Vec<(usize, usize)> = Vec::new();
    for &r in rows {
        match runs.last_mut() {
            Some((_, end)) if *end + 1 == r => *end = r,
            _ => runs.push((r, r)),
        }
    }
    const RUNS: usize = 12;
    let mut parts: Vec<String> = runs
        .iter()
        .take(RUNS)
        .map(|(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}–{b}")
            }
        })
        .collect();
    if runs.len() > RUNS {
        let rest: usize = runs[RUNS..].iter().map(|(a, b)| b - a + 1).sum();
        parts.push(format!("{rest} more"));
    }
    let noun = if rows.len() == 1 { "row" } else { "rows" };
    let parts: Vec<&str> = parts.iter().map(String::as_str).collect();
    format!("{noun} {}", crate::domain::query::list_words(&parts, "and"))
}

/// The header of the column that gives a field (the field's key when none does).
pub(crate) fn header_of(columns: &[Column], field: &str) -> String {
    columns
        .iter()
        .find(|c| c.field == Some(field))
        .map(|c| c.header.clone())
        .unwrap_or_else(|| field.to_string())
}

/// Problems the store found with rows, named as "row 17, depends_on" (row and field), by
/// the row and the column the person sees.
pub(crate) fn row_problems(fields: Vec<FieldError>, columns: &[Column]) -> Vec<RowProblem> {
    fields
        .into_iter()
        .map(|fe| {
            let of_row = fe
                .field
                .strip_prefix("row ")
                .and_then(|r| r.split_once(", "))
                .and_then(|(n, f)| n.parse::<usize>().ok().map(|n| (n, f.to_string())));
            let (row, column) = match of_row {
                Some((row, field)) => (row, header_of(columns, &field)),
                // A problem of the whole file names a column only when one holds the field.
                None => (
                    0,
                    columns
                        .iter()
                        .find(|c| c.field.is_some_and(|f| f == fe.field))
                        .map(|c| c.header.clone())
                        .unwrap_or_default(),
                ),
            };
            RowProblem {
                rows: Vec::new(),
                row,
                column,
                message: with_lookalikes(fe.message),
            }
        })
        .collect()
}

/// A message that quotes a value ('Ηigh' is not …) says when the value holds a letter of
/// another script that looks like a Latin one, which the quote alone cannot show.
fn with_lookalikes(message: String) -> String {
    let quoted = message
        .split_once('\'')
        .and_then(|(_, rest)| rest.split_once('\''))
        .map(|(q, _)| q.to_string());
    match quoted.as_deref().and_then(crate::domain::words::lookalikes) {
        Some(hint) => format!("{message} ({hint})"),
        None => message,
    }
}

/// Finds the table of a file: the sheet asked for or the one whose header fits best, its
/// header row (below titles and notes), how each column is read, and its rows. File-level
/// problems (a bad mapping, no such sheet, an empty file) are errors; problems with the header
/// are in the table read.
pub(crate) fn read_table<'a>(
    schema: &Schema,
    grids: &'a [Grid],
    opts: &Options,
) -> Result<TableRead<'a>> {
    let explicit = explicit_map(schema, &opts.map)?;
    let values = value_maps(schema, &opts.values)?;
    let defaults = defaults(schema, &opts.defaults)?;
    let names: Vec<String> = grids.iter().filter_map(|g| g.sheet.clone()).collect();
    let candidates: Vec<&Grid> = sheets_asked(grids, opts.sheet.as_deref()).collect();
    if candidates.is_empty() {
        return Err(Error::field(
            "sheet",
            format!(
                "the file has no sheet '{}': its sheets are {}",
                opts.sheet.as_deref().unwrap_or_default(),
                if names.is_empty() {
                    "none (a CSV file has one table)".to_string()
                } else {
                    names.join(", ")
                }
            ),
        ));
    }
    let planned: Vec<(&Grid, Plan)> = candidates
        .into_iter()
        .filter_map(|g| plan_grid(schema, g, &explicit).map(|p| (g, p)))
        .collect();
    let required = schema.required;
    let best = planned.into_iter().max_by_key(|(g, p)| {
        (
            p.has(required),
            p.known(),
            std::cmp::Reverse(names.iter().position(|n| Some(n) == g.sheet.as_ref())),
        )
    });
    // No row names a field we know (a register in another language, say): the first of the
    // fullest rows near the top (a header fills more cells than a title) is taken as the
    // header, so that its columns can be mapped by hand.
    let fallback = || {
        sheets_asked(grids, opts.sheet.as_deref()).find_map(|g| {
            let filled = |i: &usize| g.rows[*i].iter().filter(|c| !c.trim().is_empty()).count();
            let most = (0..g.rows.len().min(30))
                .map(|i| filled(&i))
                .max()
                .filter(|n| *n > 0)?;
            let i = (0..g.rows.len()).find(|i| filled(i) == most)?;
            Some((
                g,
                Plan {
                    header_row: i + 1,
                    columns: plan_row(schema, &g.rows[i], &explicit),
                },
            ))
        })
    };
    let Some((grid, plan)) = best.or_else(fallback) else {
        return Err(Error::field("file", "the file is empty"));
    };
    let (plan, subheader_row, header_cells) = if schema.split_header {
        split_header(schema, grid, plan, &explicit)
    } else {
        let cells = grid.rows[plan.header_row - 1].clone();
        (plan, None, cells)
    };
    let mut plan = plan;
    let mut warnings = Vec::new();
    // A column with no value below the header never takes a field from another column that
    // would give it and has values ("Owner" left empty beside a filled "Risk owner"). A cell
    // holding a formula counts as a value.
    let below = subheader_row.unwrap_or(plan.header_row);
    let empty = |i: usize| {
        grid.rows.iter().enumerate().skip(below).all(|(r, cells)| {
            cells.get(i).is_none_or(|c| c.trim().is_empty())
                && !grid.notes.formulas_without_value.contains(&(r + 1, i))
        })
    };
    for i in 0..plan.columns.len() {
        let Some(field) = plan.columns[i].field else {
            continue;
        };
        if plan.columns[i].how != "matched" || !empty(i) {
            continue;
        }
        let other = (0..plan.columns.len()).find(|j| {
            plan.columns[*j].how == "duplicate"
                && !empty(*j)
                && plan_row(
                    schema,
                    std::slice::from_ref(&plan.columns[*j].header),
                    &explicit,
                )[0]
                .field
                    == Some(field)
        });
        if let Some(j) = other {
            plan.columns[i].field = None;
            plan.columns[i].how = "empty";
            plan.columns[j].field = Some(field);
            plan.columns[j].how = "matched";
        }
    }
    // Hidden columns that would be read: left out when asked, read with a warning otherwise.
    let hidden_read: Vec<usize> = plan
        .columns
        .iter()
        .enumerate()
        .filter(|(i, c)| c.field.is_some() && grid.notes.hidden_columns.contains(i))
        .map(|(i, _)| i)
        .collect();
    if !hidden_read.is_empty() {
        let named: Vec<String> = hidden_read
            .iter()
            .map(|i| {
                format!(
                    "{} ({})",
                    sheet::column_letters(*i as u64),
                    plan.columns[*i].header
                )
            })
            .collect();
        let named: Vec<&str> = named.iter().map(String::as_str).collect();
        let named = crate::domain::query::list_words(&named, "and");
        if opts.skip_hidden {
            for i in &hidden_read {
                plan.columns[*i].field = None;
                plan.columns[*i].how = "hidden";
            }
            warnings.push(format!("hidden in the file, not read: column {named}"));
        } else {
            warnings.push(format!(
                "hidden in the file, read all the same: column {named} (skip hidden rows and columns to leave them out)"
            ));
        }
    }
    // The table runs from below the header to the first blank row after some data.
    let mut data: Vec<(usize, &[String])> = Vec::new();
    let mut ignored_rows = None;
    let mut i = subheader_row.unwrap_or(plan.header_row);
    while i < grid.rows.len() {
        if grid.blank(i) {
            if !data.is_empty() {
                let rest: Vec<usize> = (i..grid.rows.len()).filter(|j| !grid.blank(*j)).collect();
                if let (Some(first), Some(last)) = (rest.first(), rest.last()) {
                    ignored_rows = Some((first + 1, last + 1));
                }
                break;
            }
        } else if row_values(&plan, &values, &grid.rows[i]).any(|(_, v)| !v.is_empty()) {
            data.push((i + 1, &grid.rows[i]));
        }
        i += 1;
    }
    // Hidden rows of the table: left out when asked, imported with a warning otherwise.
    let hidden: Vec<usize> = data
        .iter()
        .map(|(r, _)| *r)
        .filter(|r| grid.notes.hidden_rows.contains(r))
        .collect();
    if !hidden.is_empty() {
        if opts.skip_hidden {
            data.retain(|(r, _)| !hidden.contains(r));
            warnings.push(format!(
                "hidden in the file, not read: {}",
                rows_words(&hidden)
            ));
        } else {
            warnings.push(format!(
                "hidden in the file, read all the same: {} (skip hidden rows and columns to leave them out)",
                rows_words(&hidden)
            ));
        }
    }
    // Rows without an id become new records, again at every import of the same file.
    if !opts.match_by_name && schema.fields.iter().any(|f| f.key == "id") {
        let without: Vec<usize> = data
            .iter()
            .filter(|(_, cells)| {
                !row_values(&plan, &values, cells).any(|(f, v)| f == "id" && !v.is_empty())
            })
            .map(|(r, _)| *r)
            .collect();
        if !without.is_empty() {
            warnings.push(no_id_warning(&without, schema.noun));
        }
    }
    let mut columns = plan.columns.clone();
    for (c, col) in columns.iter_mut().enumerate() {
        col.sample = data
            .iter()
            .filter_map(|(_, cells)| cells.get(c).map(|v| v.trim()))
            .find(|v| !v.is_empty())
            .map(|v| v.chars().take(60).collect())
            .unwrap_or_default();
    }

    // Problems with the header stop here: the rows cannot be read as meant.
    let mut problems = Vec::new();
    let header_problem = |message: String| RowProblem {
        rows: Vec::new(),
        row: plan.header_row,
        column: String::new(),
        message,
    };
    if plan.known() == 0 {
        problems.push(header_problem(format!(
            "no column of this row is one Annex knows: map the columns to the fields of {} (--map 'Their header=field', or a column's letters: --map 'C=field'). The fields, with headers Annex recognises: {}",
            schema.what,
            schema.fields_in_words()
        )));
    } else if !plan.has(required) {
        problems.push(header_problem(format!(
            "no column holds the {} {required}: map one to '{required}'",
            schema.noun
        )));
    }
    for (key, theirs, _) in &explicit {
        if !header_cells
            .iter()
            .any(|h| header_keys(h).contains(key) || prefix_of_one(key, h, &header_cells))
            && lettered(theirs, &header_cells).is_none()
        {
            let headers: Vec<&str> = header_cells
                .iter()
                .map(|h| h.trim())
                .filter(|h| !h.is_empty())
                .collect();
            problems.push(header_problem(format!(
                "no column is headed '{theirs}' (the headers are: {})",
                headers.join(", ")
            )));
        }
    }
    let mut shape_problems = Vec::new();
    // A formula saved without its value (a file written by a program that computes none): the
    // cell would read as empty. Told once per column, with its rows.
    for (c, col) in plan.columns.iter().enumerate() {
        if col.field.is_none() {
            continue;
        }
        let rows: Vec<usize> = data
            .iter()
            .map(|(r, _)| *r)
            .filter(|r| grid.notes.formulas_without_value.contains(&(*r, c)))
            .collect();
        if let Some(first) = rows.first() {
            shape_problems.push(RowProblem {
 rows: Vec::new(),
                row: *first,
                column: col.header.clone(),
                message: format!(
                    "{} {} a formula whose value was not saved with the file (it was written by a program that does not compute formulas): open the file in a spreadsheet program and save it again, or leave the column out",
                    rows_words(&rows),
                    if rows.len() == 1 { "holds" } else { "hold" }
                ),
            });
        }
    }
    // A value right of the last headed column: in a CSV usually a comma inside an unquoted
    // value, which moved every value after it one column to the right.
    let width = header_cells
        .iter()
        .rposition(|c| !c.trim().is_empty())
        .map_or(0, |i| i + 1)
        .max(
            plan.columns
                .iter()
                .rposition(|c| c.field.is_some())
                .map_or(0, |i| i + 1),
        );
    let edge = Edge {
        width: if plan.known() > 0 { width } else { 0 },
        last_header: width
            .checked_sub(1)
            .and_then(|i| header_cells.get(i))
            .map(|h| h.trim().to_string())
            .unwrap_or_default(),
        csv: grid.sheet.is_none(),
    };
    shape_problems.extend(
        data.iter()
            .filter_map(|(row, cells)| edge.past(*row, cells)),
    );
    if let Some(ignored) = ignored_rows
        && opts.refuse_rows_after_blank
        && plan.known() > 0
    {
        shape_problems.push(after_blank(ignored));
    }
    if data.is_empty() && plan.known() > 0 {
        problems.push(header_problem(
            "there are no rows below the header: nothing to import".into(),
        ));
    }
    Ok(TableRead {
        other_sheets: names
            .iter()
            .filter(|n| Some(*n) != grid.sheet.as_ref())
            .cloned()
            .collect(),
        sheet: grid.sheet.clone(),
        header_row: plan.header_row,
        subheader_row,
        columns,
        data,
        ignored_rows,
        problems,
        shape_problems,
        encoding: grid.notes.encoding.clone(),
        warnings,
        edge,
        plan,
        values,
        shown: &grid.notes.shown,
        defaults,
    })
}

/// Reads, checks and (unless a dry run) imports a file into a register.
/// File-level problems (not a spreadsheet, no header, a bad mapping) are errors; problems
/// with rows are in the outcome, and then nothing was written.
pub async fn run(
    ctx: &Ctx,
    importer: &dyn Importer,
    bytes: &[u8],
    opts: &Options,
) -> Result<Outcome> {
    let grids = opts.read(bytes)?;
    let mut table = read_table(importer.schema(), &grids, opts)?;
    let mut outcome = Outcome::read(importer.key(), opts.dry_run, &table);
    if !table.problems.is_empty() {
        outcome.problems = table.problems;
        return Ok(outcome);
    }
    let shape = std::mem::take(&mut table.shape_problems);
    let columns = table.columns.clone();
    let rows: Vec<(usize, Vec<(&'static str, String)>)> = table
        .data
        .iter()
        .map(|(row, cells)| (*row, table.values(*row, cells).collect()))
        .collect();
    // The file is let go before the register checks and writes the rows.
    drop(table);
    drop(grids);
    let mut rows = rows;
    if opts.match_by_name
        && let Some(matched) = match_names(ctx, importer, &mut rows).await?
    {
        outcome.warnings.push(matched_warning(importer, matched));
    }
    // With problems of the table's shape, the rows are only checked: nothing is written.
    let dry_run = opts.dry_run || !shape.is_empty();
    let checked = importer
        .import(
            ctx,
            rows,
            Writing {
                dry_run,
                upload: opts.upload.as_deref(),
                adopt_matrix: opts.adopt_matrix,
                absent_left: opts.absent_left,
            },
        )
        .await;
    settle(
        &mut outcome.report,
        &mut outcome.problems,
        checked,
        shape,
        &columns,
    )?;
    Ok(outcome)
}

/// Rows without an id that name a record (by the register's name field, case ignored) take
/// its id; answers how many did, or none when the register is not matched by name.
async fn match_names(
    ctx: &Ctx,
    importer: &dyn Importer,
    rows: &mut [Row],
) -> Result<Option<usize>> {
    let Some(named) = importer.named_by() else {
        return Ok(None);
    };
    let name_field = named.field;
    let nameless = |r: &Vec<(&'static str, String)>| {
        !r.iter().any(|(f, v)| *f == "id" && !v.trim().is_empty())
    };
    let name_of = |r: &Vec<(&'static str, String)>| {
        r.iter()
            .find(|(f, _)| *f == name_field)
            .map(|(_, v)| v.trim().to_lowercase())
            .filter(|v| !v.is_empty())
    };
    let names: Vec<String> = rows
        .iter()
        .filter(|(_, r)| nameless(r))
        .filter_map(|(_, r)| name_of(r))
        .collect();
    let ids =
        crate::service::ids_by_name(ctx, named.table, named.id_column, named.name_column, &names)
            .await?;
    let mut matched = 0;
    for (_, r) in rows.iter_mut() {
        if nameless(r)
            && let Some(id) = name_of(r).and_then(|n| ids.get(&n))
        {
            r.retain(|(f, _)| *f != "id");
            r.push(("id", id.clone()));
            matched += 1;
        }
    }
    Ok(Some(matched))
}

fn matched_warning(importer: &dyn Importer, matched: usize) -> String {
    format!(
        "{} without an id matched an existing {} of the same {}: updated, not made again",
        crate::domain::words::count(matched, "row", "rows"),
        importer.noun(),
        importer.named_by().map(|n| n.field).unwrap_or("name")
    )
}

/// Records what an import's rows gave: its report, or every problem — those of the rows and
/// those of the table's shape, in row order (a report only when there are none).
pub(crate) fn settle<R>(
    report: &mut Option<R>,
    problems: &mut Vec<RowProblem>,
    checked: Result<R>,
    shape: Vec<RowProblem>,
    columns: &[Column],
) -> Result<()> {
    let mut found = match checked {
        Ok(r) => {
            if shape.is_empty() {
                *report = Some(r);
            }
            Vec::new()
        }
        Err(Error::Validation(fields)) => row_problems(fields, columns),
        Err(e) => return Err(e),
    };
    found.extend(shape);
    found.sort_by_key(|p| p.row);
    *problems = told_once(found);
    Ok(())
}

/// The sheets an import may read: the one asked for, or all.
fn sheets_asked<'a, 'b>(
    grids: &'a [Grid],
    sheet: Option<&'b str>,
) -> impl Iterator<Item = &'a Grid> + use<'a, 'b> {
    grids
        .iter()
        .filter(move |g| match sheet.filter(|s| !s.trim().is_empty()) {
            Some(want) => g.sheet.as_deref().is_some_and(|s| s.trim() == want.trim()),
            None => true,
        })
}

#[cfg(test)]
mod tests;
