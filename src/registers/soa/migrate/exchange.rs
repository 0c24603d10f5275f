//! Reading a Statement of Applicability written against ISO/IEC 27002:2013 from a spreadsheet
//! (CSV or XLSX) and importing it as a draft of the 2022 SoA. The table is found as for every
//! import (sheet, header row below titles, synonyms, `Their header=field` mappings, value
//! mappings, blank rows ending the table), with one addition SoAs need: a header may take two
//! rows (group labels over merged cells, tick columns under "reasons for selection").
//! Problems are named by row and column; the store writes nothing unless every row is valid.

use super::domain::{Row2013Input, SoaImportOptions, SoaImportReport};
use crate::error::{Error, Result};
use crate::exchange::import::{self, Column, Field, RowProblem, Schema};
use crate::service::Ctx;
use serde::Serialize;

use crate::registers::soa::exchange_import as shared;

const FIELDS: &[Field] = &[
    Field::new("control", "2013 control (A.5.1.1)", shared::CONTROL),
    Field::new("applicable", "applicable (yes or no)", shared::APPLICABLE),
    Field::new("justification", "justification", shared::JUSTIFICATION),
    Field::new(
        "exclusion_justification",
        "justification for exclusion",
        &[
            "justificationforexclusion",
            "reasonforexclusion",
            "reasonsforexclusion",
            "exclusionjustification",
            "exclusionreason",
            "exclusionrationale",
            "whyexcluded",
            "λογοιεξαιρεσησελεγχου",
        ],
    ),
    Field::new("status", "implementation status", shared::STATUS),
    Field::new(
        "reasons",
        "reasons for inclusion (in words)",
        shared::REASONS,
    ),
    Field::new(
        "reason_risk",
        "ticked: selected by the risk assessment (RRA)",
        shared::REASON_RISK,
    ),
    Field::new(
        "reason_legal",
        "ticked: legal or regulatory requirement (LR)",
        shared::REASON_LEGAL,
    ),
    Field::new(
        "reason_contractual",
        "ticked: contractual obligation (CO)",
        shared::REASON_CONTRACTUAL,
    ),
    Field::new(
        "reason_business",
        "ticked: business requirement (BR)",
        shared::REASON_BUSINESS,
    ),
    Field::new(
        "reason_best_practice",
        "ticked: best practice (BP)",
        shared::REASON_BEST_PRACTICE,
    ),
    Field::new("owner", "owner", shared::OWNER),
];

pub(crate) const SCHEMA: Schema = Schema {
    fields: FIELDS,
    derived: &[shared::FROM_CATALOGUE],
    required: "control",
    what: "a Statement of Applicability of 2013",
    noun: "2013",
    split_header: true,
};

/// (field key, label) of every field, for the mapping step.
pub fn field_choices() -> Vec<(&'static str, &'static str)> {
    SCHEMA.field_choices()
}

/// What an import of a 2013 SoA did, or in a dry run would do, or why it did nothing.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(as = SoaImportOutcome)]
pub struct Outcome {
    pub dry_run: bool,
    /// The worksheet read (XLSX), and the others in the file.
    pub sheet: Option<String>,
    pub other_sheets: Vec<String>,
    /// The spreadsheet row that holds the header.
    pub header_row: usize,
    /// The row below the header that completes it (tick columns under a group label).
    pub subheader_row: Option<usize>,
    /// How each column is read: `derived` columns are the catalogue's (titles, control
    /// text), `unknown` ones are not read.
    pub columns: Vec<Column>,
    /// Data rows read.
    pub rows: usize,
    /// Rows below the first blank row after the data, not read: (first, last).
    pub ignored_rows: Option<(usize, usize)>,
    /// The character set a CSV file was read in.
    pub encoding: Option<String>,
    /// Hidden rows and columns read or left out, in words.
    pub warnings: Vec<String>,
    pub problems: Vec<RowProblem>,
    /// Present when there are no problems.
    pub report: Option<SoaImportReport>,
}

impl Outcome {
    pub fn unknown_columns(&self) -> Vec<&str> {
        self.columns
            .iter()
            .filter(|c| c.how == "unknown")
            .map(|c| c.header.as_str())
            .collect()
    }

    /// Whether the draft was (or in a dry run, would be) written.
    pub fn ok(&self) -> bool {
        self.problems.is_empty() && self.report.is_some()
    }

    /// The problems as field errors (`row 7, column Control`), for the API's error body.
    pub fn into_error(self) -> Error {
        import::problems_error(self.problems)
    }
}

/// Reads a 2013 SoA and (unless a dry run) writes it as a draft of the 2022 SoA. `read` says
/// how to read the file (mappings, sheet), whether it is a dry run and which upload it
/// consumes; `replace` overwrites controls already decided. File-level problems are errors;
/// problems with rows are in the outcome, and then nothing was written.
pub async fn run(
    ctx: &Ctx,
    bytes: &[u8],
    read: &import::Options,
    replace: bool,
) -> Result<Outcome> {
    let grids = read.read(bytes)?;
    let mut table = import::read_table(&SCHEMA, &grids, read)?;
    let mut outcome = Outcome {
        dry_run: read.dry_run,
        sheet: table.sheet.clone(),
        other_sheets: table.other_sheets.clone(),
        header_row: table.header_row,
        subheader_row: table.subheader_row,
        columns: table.columns.clone(),
        rows: table.data.len(),
        ignored_rows: table.ignored_rows,
        encoding: table.encoding.clone(),
        warnings: table.warnings.clone(),
        problems: Vec::new(),
        report: None,
    };
    if !table.problems.is_empty() {
        outcome.problems = table.problems;
        return Ok(outcome);
    }
    let shape = std::mem::take(&mut table.shape_problems);
    let rows: Vec<(usize, Row2013Input)> = table
        .data
        .iter()
        .map(|(n, cells)| {
            let mut input = Row2013Input::default();
            for (field, value) in table.values(*n, cells) {
                input.set(field, value);
            }
            (*n, input)
        })
        .collect();
    drop(table);
    drop(grids);
    // With problems of the table's shape, the rows are only checked: nothing is written.
    let opts = SoaImportOptions {
        dry_run: read.dry_run || !shape.is_empty(),
        replace,
        upload: read.upload.clone(),
    };
    let checked = super::service::import_2013(ctx, rows, &opts).await;
    import::settle(
        &mut outcome.report,
        &mut outcome.problems,
        checked,
        shape,
        &outcome.columns,
    )?;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::exchange::sheet::Grid;

    fn row(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|c| c.to_string()).collect()
    }

    fn read(grid: &Grid) -> import::TableRead<'_> {
        import::read_table(
            &SCHEMA,
            std::slice::from_ref(grid),
            &import::Options::default(),
        )
        .unwrap()
    }

    #[test]
    fn tick_columns_under_a_group_label_name_their_reasons() {
        let grid = Grid {
            sheet: Some("SoA".into()),
            rows: vec![
                row(&["Statement of Applicability, v3"]),
                row(&[
                    "Control",
                    "Title",
                    "Applicable",
                    "Reasons for selection",
                    "",
                    "",
                    "",
                    "Justification for exclusion",
                ]),
                row(&["", "", "", "LR", "CO", "BR/BP", "RRA", ""]),
                row(&["A.5.1.1", "Policies", "Yes", "x", "", "", "x", ""]),
            ],
            notes: Default::default(),
        };
        let t = read(&grid);
        assert_eq!((t.header_row, t.subheader_row), (2, Some(3)));
        let fields: Vec<Option<&str>> = t.columns.iter().map(|c| c.field).collect();
        assert_eq!(
            fields,
            [
                Some("control"),
                None,
                Some("applicable"),
                Some("reason_legal"),
                Some("reason_contractual"),
                None,
                Some("reason_risk"),
                Some("exclusion_justification")
            ]
        );
        assert_eq!(t.columns[1].how, "derived");
        assert_eq!(t.columns[5].how, "unknown", "BR/BP is not guessed");
        assert_eq!(t.data.len(), 1);
        assert!(t.problems.is_empty());
    }

    #[test]
    fn group_labels_above_fill_the_empty_cells_of_the_header() {
        // The layout of a real 2013 SoA: labels on row 3, the header on row 5.
        let grid = Grid {
            notes: Default::default(),
            sheet: Some("Sheet1".into()),
            rows: vec![
                row(&["Statement of Applicability"]),
                vec![],
                row(&[
                    "Controls",
                    "",
                    "",
                    "",
                    "Control Description",
                    "",
                    "Applicability y/n ",
                    "",
                    "Justification",
                ]),
                vec![],
                row(&["Clause", "Section", "Control", "", "Objective/Control"]),
                row(&["A.5 Policies"]),
                row(&[
                    "",
                    "5.1.1",
                    "Policies for information security",
                    "",
                    "A set of …",
                    "",
                    "Yes ",
                    "",
                    "Needed.",
                ]),
            ],
        };
        let opts = import::Options {
            map: vec!["Section=control".into(), "Control=".into()],
            ..Default::default()
        };
        let t = import::read_table(&SCHEMA, std::slice::from_ref(&grid), &opts).unwrap();
        assert_eq!((t.header_row, t.subheader_row), (5, None));
        let read: Vec<(&str, &str)> = t
            .columns
            .iter()
            .filter_map(|c| c.field.map(|f| (c.header.as_str(), f)))
            .collect();
        assert_eq!(
            read,
            [
                ("Section", "control"),
                ("Applicability y/n", "applicable"),
                ("Justification", "justification")
            ]
        );
        assert!(t.problems.is_empty(), "{:?}", t.problems);
        assert_eq!(t.data.len(), 1, "the domain row gives no field a value");
    }
}
