//! What the registers' commands share: output formats and tables, reading files and stdin,
//! spreadsheet import and export arguments, and the exit codes by kind of failure. The
//! `annex` command itself is assembled in `crate::app::cli`.

pub mod progress;

use crate::error::Error;
use crate::exchange::import::{self, Importer};
use crate::service::Ctx;
use anyhow::Context;
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// How a command failed, as its exit status: scripts can tell bad input from a missing
/// record, a conflict, a refusal and an unexpected error.
pub mod exit {
    /// Success.
    pub const OK: u8 = 0;
    /// An unexpected error (the database is unreachable, a file cannot be written …).
    pub const INTERNAL: u8 = 1;
    /// The command line is wrong (unknown flag, missing argument: clap's usage errors), or
    /// `annex audit verify` found the trail broken.
    pub const USAGE: u8 = 2;
    /// Invalid input: a value, a file or a row that does not check out.
    pub const INVALID: u8 = 3;
    /// A record that does not exist.
    pub const NOT_FOUND: u8 = 4;
    /// A conflict: the record exists already, or changed since it was read.
    pub const CONFLICT: u8 = 5;
    /// Refused: not allowed, or not possible in this state.
    pub const REFUSED: u8 = 6;
}

/// The exit status of a failed command, by the kind of its domain error (anything else is
/// internal).
pub fn exit_code(e: &anyhow::Error) -> ExitCode {
    ExitCode::from(exit_status(e))
}

/// The number of `exit_code`.
fn exit_status(e: &anyhow::Error) -> u8 {
    match e.downcast_ref::<Error>() {
        Some(
            Error::Validation(_)
            | Error::Query(_)
            | Error::BadRequest(_)
            | Error::MethodNotAllowed(_),
        ) => exit::INVALID,
        Some(Error::NotFound(_) | Error::Gone(_)) => exit::NOT_FOUND,
        Some(Error::Conflict(_) | Error::Stale { .. }) => exit::CONFLICT,
        Some(
            Error::Forbidden | Error::Refused(_) | Error::Unauthenticated | Error::Throttled(_),
        ) => exit::REFUSED,
        Some(Error::Internal(_)) | None => exit::INTERNAL,
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum Format {
    Table,
    Json,
    Csv,
}

/// How to read a spreadsheet (every `import`).
#[derive(clap::Args, Debug)]
pub struct ImportArgs {
    /// A CSV or XLSX file
    pub file: PathBuf,
    /// 'Their header=field', repeatable; 'Their header=' ignores the column
    #[arg(long = "map", value_name = "HEADER=FIELD")]
    pub map: Vec<String>,
    /// '[field:]Their value=our value', repeatable: read 'High' as 4, 'Active' as in use
    #[arg(long = "value", value_name = "[FIELD:]THEIRS=OURS")]
    pub values: Vec<String>,
    /// The worksheet of an XLSX file (default: the one whose header fits best)
    #[arg(long)]
    pub sheet: Option<String>,
    /// Check everything and report what would change, without writing
    #[arg(long)]
    pub dry_run: bool,
    /// Import only the rows above the first blank row below the data (without it, rows
    /// after a blank row stop the import, so that none is left behind unnoticed)
    #[arg(long)]
    pub stop_at_blank: bool,
    /// Leave out the rows and columns an XLSX sheet hides (read, with a warning, without it)
    #[arg(long)]
    pub skip_hidden: bool,
    /// The character set of a CSV file: utf-8, utf-16, windows-1252, windows-1250,
    /// iso-8859-2 (found from the file's content without it, and said)
    #[arg(long, value_name = "CHARSET")]
    pub encoding: Option<String>,
    /// 'field=value', repeatable: the value of a field in every row that leaves it empty or
    /// has no column for it (--default 'owner=ciso@example.com')
    #[arg(long = "default", value_name = "FIELD=VALUE")]
    pub defaults: Vec<String>,
    /// Rows without an id update the record with the same name (title for risks) instead of
    /// creating another, when one record has that name
    #[arg(long)]
    pub match_by_name: bool,
}

impl ImportArgs {
    /// The import's options as the flags give them.
    pub fn options(&self) -> import::Options {
        import::Options {
            map: self.map.clone(),
            values: self.values.clone(),
            sheet: self.sheet.clone(),
            dry_run: self.dry_run,
            upload: None,
            refuse_rows_after_blank: !self.stop_at_blank,
            skip_hidden: self.skip_hidden,
            encoding: self.encoding.clone(),
            defaults: self.defaults.clone(),
            match_by_name: self.match_by_name,
            adopt_matrix: false,
            absent_left: false,
        }
    }
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ExportFormat {
    Csv,
    Xlsx,
}

/// Where and how to write an export (every `export`).
#[derive(clap::Args, Debug)]
pub struct ExportArgs {
    #[arg(long, value_enum, default_value = "csv")]
    pub format: ExportFormat,
    /// Write to this file instead of standard output
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// Imports a file into a register and says what happened, or every problem (then nothing
/// was written and the command fails).
pub async fn import_file(
    ctx: &Ctx,
    importer: &dyn Importer,
    args: &ImportArgs,
) -> anyhow::Result<()> {
    import_with(ctx, importer, args, args.options()).await
}

/// [`import_file`] with options a register's own flags changed (`--adopt-matrix`).
pub async fn import_with(
    ctx: &Ctx,
    importer: &dyn Importer,
    args: &ImportArgs,
    opts: import::Options,
) -> anyhow::Result<()> {
    let spinner = progress::Progress::spinner(&format!(
        "{} {}",
        if args.dry_run {
            "checking"
        } else {
            "importing"
        },
        args.file.display()
    ));
    let o =
        crate::registers::imports::service::import_file(ctx, importer, &args.file, &opts).await?;
    drop(spinner);
    let mut out = std::io::stdout().lock();
    let sheet = sheet_chosen(o.sheet.as_ref(), &o.other_sheets, args);
    writeln!(
        out,
        "{sheet}header on row {}, {} rows",
        o.header_row, o.rows
    )?;
    print_reading(&mut out, o.encoding.as_ref(), &o.warnings, args)?;
    print_columns(&mut out, &o.columns, "computed by Annex", o.ignored_rows)?;
    match &o.report {
        Some(r) if o.problems.is_empty() => {
            let (c, u) = if o.dry_run {
                ("would create", "would update")
            } else {
                ("created", "updated")
            };
            writeln!(
                out,
                "{c} {}, {u} {}, unchanged {}{}",
                r.created_count(),
                r.updated_count(),
                r.unchanged_count(),
                if o.dry_run {
                    " (dry run: nothing written)"
                } else {
                    ""
                }
            )?;
            print_recomputed(&mut out, r)?;
            if !r.left.is_empty() {
                writeln!(
                    out,
                    "{} {} not in the file: {} as having left yesterday, with offboarding checklists: {}",
                    r.left.len(),
                    if r.left.len() == 1 {
                        "person is"
                    } else {
                        "people are"
                    },
                    if o.dry_run {
                        "would be recorded"
                    } else {
                        "recorded"
                    },
                    r.left.join(", ")
                )?;
            }
            print_file_matrix(&mut out, r, o.dry_run, opts.adopt_matrix)?;
            Ok(())
        }
        _ => refuse_import(&o.problems, &args.file),
    }
}

/// Writes an export to `--out` or standard output (XLSX only to a file or a pipe).
pub fn write_export(t: &crate::exchange::Table, args: &ExportArgs) -> anyhow::Result<()> {
    use std::io::IsTerminal;
    let format = match args.format {
        ExportFormat::Csv => crate::exchange::Format::Csv,
        ExportFormat::Xlsx => crate::exchange::Format::Xlsx,
    };
    let spinner = progress::Progress::spinner(&format!("writing {} rows", t.rows.len()));
    let bytes = t.bytes(format)?;
    drop(spinner);
    match &args.out {
        Some(path) => {
            std::fs::write(path, &bytes).with_context(|| format!("writing {}", path.display()))?;
            eprintln!("wrote {} rows to {}", t.rows.len(), path.display());
        }
        None if matches!(format, crate::exchange::Format::Xlsx)
            && std::io::stdout().is_terminal() =>
        {
            anyhow::bail!(
                "an XLSX file is not for the terminal: give --out FILE or redirect the output"
            )
        }
        None => std::io::stdout().lock().write_all(&bytes)?,
    }
    Ok(())
}

/// Prints an import's problems and fails, saying that nothing was written.
pub fn refuse_import(
    problems: &[impl std::fmt::Display],
    file: &std::path::Path,
) -> anyhow::Result<()> {
    for p in problems {
        eprintln!("{p}");
    }
    let count = crate::domain::words::count(problems.len(), "problem", "problems");
    Err(Error::BadRequest(format!(
        "{count} in {}: nothing was imported",
        file.display()
    ))
    .into())
}

/// The levels and scores the file computed that Annex computes otherwise, side by side.
fn print_recomputed(out: &mut impl Write, r: &crate::domain::ImportReport) -> anyhow::Result<()> {
    if r.compared == 0 {
        return Ok(());
    }
    writeln!(
        out,
        "the file computed {}; {} Annex's matrix gives otherwise{}{}",
        crate::domain::words::count(r.compared, "level or score", "levels and scores"),
        match r.recomputed.len() {
            0 => "none of them".to_string(),
            1 => "1 of them".to_string(),
            n => format!("{n} of them"),
        },
        if r.recomputed.is_empty() {
            ""
        } else {
            " (Annex keeps its own)"
        },
        if r.recomputed.is_empty() { "" } else { ":" }
    )?;
    const SHOWN: usize = 100;
    for d in r.recomputed.iter().take(SHOWN) {
        writeln!(
            out,
            "  row {}, {} {}: the file says {}, Annex {} ({})",
            d.row, d.record, d.what, d.file, d.annex, d.from
        )?;
    }
    if r.recomputed.len() > SHOWN {
        writeln!(out, "  … and {} more", r.recomputed.len() - SHOWN)?;
    }
    Ok(())
}

/// The matrix the file's levels describe: offered (`--adopt-matrix`), or adopted.
fn print_file_matrix(
    out: &mut impl Write,
    r: &crate::domain::ImportReport,
    dry_run: bool,
    asked: bool,
) -> anyhow::Result<()> {
    let Some(f) = &r.file_matrix else {
        if asked && r.compared > 0 {
            writeln!(
                out,
                "--adopt-matrix: the file's levels describe no other matrix than Annex's; it is kept"
            )?;
        }
        return Ok(());
    };
    let m = &f.matrix;
    let levels: Vec<&str> = m.levels.iter().map(|l| l.name.as_str()).collect();
    writeln!(
        out,
        "{} (levels {}, lowest first; {} the file rated, {} by the nearest score):",
        match (r.matrix_adopted, dry_run) {
            (true, true) =>
                "Annex's risk matrix would be replaced by the one the file's levels describe",
            (true, false) =>
                "Annex's risk matrix was replaced by the one the file's levels describe",
            _ => "the file's levels describe another risk matrix",
        },
        levels.join(", "),
        crate::domain::words::count(f.observed, "cell", "cells"),
        f.inferred
    )?;
    let width = |s: &str| s.chars().count();
    let first = m
        .likelihood
        .iter()
        .map(|s| width(&s.name))
        .max()
        .unwrap_or(0);
    let cell = m
        .levels
        .iter()
        .map(|l| width(&l.name))
        .chain(m.impact.iter().map(|s| width(&s.name)))
        .max()
        .unwrap_or(0);
    let pad = |s: &str, w: usize| format!("{s}{}", " ".repeat(w.saturating_sub(width(s))));
    let head: Vec<String> = m.impact.iter().map(|s| pad(&s.name, cell)).collect();
    writeln!(out, "  {}  {}", pad("", first), head.join("  ").trim_end())?;
    for (l, step) in m.likelihood.iter().enumerate().rev() {
        let cells: Vec<String> = m.grid[l]
            .iter()
            .map(|k| {
                pad(
                    m.risk_level(k).map_or(k.as_str(), |x| x.name.as_str()),
                    cell,
                )
            })
            .collect();
        writeln!(
            out,
            "  {}  {}",
            pad(&step.name, first),
            cells.join("  ").trim_end()
        )?;
    }
    for d in &f.disagreements {
        writeln!(out, "  rows disagree on {d}")?;
    }
    if !r.matrix_adopted {
        writeln!(
            out,
            "Annex keeps its own matrix; --adopt-matrix adopts this one with the import (every risk's levels follow it)"
        )?;
    }
    Ok(())
}

/// "sheet 'Risks' (the one of 3 whose header names the most fields; --sheet chooses another), "
/// — the sheet read, and why when the file has others and none was asked for.
pub fn sheet_chosen(sheet: Option<&String>, others: &[String], args: &ImportArgs) -> String {
    match sheet {
        None => String::new(),
        Some(s) if others.is_empty() || args.sheet.is_some() => format!("sheet '{s}', "),
        Some(s) => format!(
            "sheet '{s}' (of {}, the one whose header names the most fields; --sheet chooses another: {}), ",
            others.len() + 1,
            others
                .iter()
                .map(|o| format!("'{o}'"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// The character set a CSV file was read in, and what the file hides (read or left out).
pub fn print_reading(
    out: &mut impl Write,
    encoding: Option<&String>,
    warnings: &[String],
    args: &ImportArgs,
) -> anyhow::Result<()> {
    if let Some(e) = encoding {
        let how = if args.encoding.is_some() {
            "as --encoding says"
        } else {
            "found from the file's content; --encoding says otherwise"
        };
        writeln!(out, "read as {e} ({how})")?;
    }
    for w in warnings {
        let w = w
            .replace(
                "skip hidden rows and columns to leave them out",
                "--skip-hidden leaves them out",
            )
            .replace("or match rows by name", "or --match-by-name");
        writeln!(out, "note: {w}")?;
    }
    Ok(())
}

/// How an import read the file's columns and where its table ended (`derived`: what a
/// column the import skips is, e.g. "computed by Annex").
pub fn print_columns(
    out: &mut impl Write,
    columns: &[crate::exchange::import::Column],
    derived: &str,
    ignored_rows: Option<(usize, usize)>,
) -> anyhow::Result<()> {
    for c in columns {
        match (c.field, c.how) {
            (Some(f), how) => writeln!(out, "  {} → {f} ({how})", c.header)?,
            (None, "derived") => writeln!(out, "  {}: {derived}, not read", c.header)?,
            (None, "duplicate") => writeln!(
                out,
                "  {}: another column already gives this field, not read",
                c.header
            )?,
            (None, "ignored") if !c.header.is_empty() => writeln!(out, "  {}: ignored", c.header)?,
            (None, "hidden") => writeln!(out, "  {}: hidden in the file, not read", c.header)?,
            (None, "empty") => writeln!(out, "  {}: no value in the file, not read", c.header)?,
            _ => {}
        }
    }
    let unknown: Vec<&str> = columns
        .iter()
        .filter(|c| c.how == "unknown")
        .map(|c| c.header.as_str())
        .collect();
    if !unknown.is_empty() {
        writeln!(
            out,
            "not read (use --map 'Header=field' to read them): {}",
            unknown.join(", ")
        )?;
    }
    if let Some((first, last)) = ignored_rows {
        writeln!(
            out,
            "rows {first} to {last} come after the blank row that ends the table: not read"
        )?;
    }
    Ok(())
}

/// The width tables wrap to when the output is not a terminal (a pipe, a file, CI logs).
pub const TABLE_WIDTH: u16 = 120;

/// A terminal table with its header in words ([`crate::exchange::header_label`]), its long
/// cells wrapped to the terminal's width, or to [`TABLE_WIDTH`] without a terminal.
pub fn table(header: &[&str]) -> comfy_table::Table {
    let mut t = comfy_table::Table::new();
    t.set_content_arrangement(comfy_table::ContentArrangement::Dynamic);
    if t.width().is_none() {
        t.set_width(TABLE_WIDTH);
    }
    t.set_header(
        header
            .iter()
            .map(|h| crate::exchange::header_label(h))
            .collect::<Vec<_>>(),
    );
    t
}

/// The text of a file, or of standard input for `-`.
pub fn read_text(path: &std::path::Path) -> anyhow::Result<String> {
    if path.as_os_str() == "-" {
        Ok(std::io::read_to_string(std::io::stdin())?)
    } else {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))
    }
}

/// Sets `target` to `value` when a flag was given (`edit` keeps what is not given).
pub fn set(target: &mut String, value: Option<String>) {
    if let Some(x) = value {
        *target = x;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_kind_of_failure_has_its_exit_status() {
        let status = |e: Error| exit_status(&anyhow::Error::new(e));
        assert_eq!(status(Error::field("title", "give a title")), exit::INVALID);
        assert_eq!(status(Error::BadRequest("x".into())), exit::INVALID);
        assert_eq!(status(Error::NotFound("risk R-9".into())), exit::NOT_FOUND);
        assert_eq!(status(Error::Conflict("exists".into())), exit::CONFLICT);
        assert_eq!(status(Error::Forbidden), exit::REFUSED);
        assert_eq!(status(Error::Refused("no".into())), exit::REFUSED);
        assert_eq!(
            exit_status(&anyhow::anyhow!("the disk is full")),
            exit::INTERNAL
        );
    }
}
