//! Imports of files of any size: a CSV file is read a row at a time from disk and its rows go
//! to the register a batch at a time, inside one transaction that commits only when every
//! row of the file was good. The table's header, its columns and their samples are read from
//! the file's first rows as for any file; problems are told by row and column as for any
//! file, the first `MAX_PROBLEMS` of them.

use super::*;
use crate::exchange::sheet::{CsvStream, Notes};
use std::io::Read;

/// Rows read to find the header and the columns (and told about in full, as for any file).
const HEAD_ROWS: usize = 1_000;

/// Rows a register checks and writes at once.
pub const BATCH_ROWS: usize = 5_000;

/// Problems kept to tell; past them the file is read no further.
const MAX_PROBLEMS: usize = 1_000;

/// A register's import taking its rows a batch at a time in one transaction (see
/// [`Importer::batches`]).
pub trait Batches<'a>: Send {
    /// Checks a batch of rows and, while no row of the file had a problem, writes it. Problems
    /// are field errors named `row N, field`; after one, rows are only checked.
    fn add(&mut self, rows: Vec<Row>) -> BoxFuture<'_, Result<()>>;

    /// Nothing more is written (a problem of the table's shape was found): rows are only
    /// checked from now on, and the import ends without a write.
    fn refuse(&mut self);

    /// Checks what needs every row (a dependency on a row further down, loops) and, when
    /// nothing was refused and this is no dry run, commits. Answers what was (or would be)
    /// done.
    fn finish(self: Box<Self>) -> BoxFuture<'a, Result<ImportReport>>;
}

/// Reads, checks and (unless a dry run) imports a file on disk: a CSV file into a register
/// that takes batches is streamed, whatever its size; any other file is read whole (up to
/// the upload limit) as [`run`] does.
pub async fn run_file(
    ctx: &Ctx,
    importer: &dyn Importer,
    path: &std::path::Path,
    opts: &Options,
) -> Result<Outcome> {
    let open = || {
        std::fs::File::open(path)
            .map_err(|e| Error::field("file", format!("reading {}: {e}", path.display())))
    };
    let mut file = open()?;
    let mut head = [0u8; 8];
    let n = read_full(&mut file, &mut head)?;
    let head = &head[..n];
    let spreadsheet = sheet::is_workbook(head) || sheet::is_old_workbook(head);
    let how = Writing {
        dry_run: opts.dry_run,
        upload: opts.upload.as_deref(),
        adopt_matrix: opts.adopt_matrix,
        absent_left: opts.absent_left,
    };
    if !spreadsheet && let Some(batches) = importer.batches(ctx, how) {
        let encoding = match opts.encoding.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(e) => Some(crate::exchange::charset::parse(e)?),
        };
        let csv = CsvStream::new(file, head.to_vec(), encoding)?;
        return stream(importer, csv, opts, batches, ctx).await;
    }
    let size = file.metadata().map(|m| m.len()).unwrap_or(0);
    if size > sheet::MAX_FILE_BYTES as u64 {
        return Err(Error::field(
            "file",
            format!(
                "the file has {} MB: at most {} MB of this kind can be imported at once (a CSV file of {} has no limit)",
                size / (1024 * 1024),
                sheet::MAX_FILE_BYTES / (1024 * 1024),
                importer.title().to_lowercase()
            ),
        ));
    }
    let mut bytes = Vec::with_capacity(size as usize);
    open()?
        .read_to_end(&mut bytes)
        .map_err(|e| Error::field("file", format!("reading {}: {e}", path.display())))?;
    run(ctx, importer, &bytes, opts).await
}

fn read_full(file: &mut std::fs::File, buf: &mut [u8]) -> Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match file.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) => {
                return Err(Error::field(
                    "file",
                    format!("the file could not be read: {e}"),
                ));
            }
        }
    }
    Ok(n)
}

/// What a streamed import found beyond the file's first rows.
struct Found {
    problems: Vec<RowProblem>,
    /// Problems not kept, past `MAX_PROBLEMS` (the file was read no further).
    cut_at: Option<usize>,
    shape: Vec<RowProblem>,
    matched: usize,
}

impl Found {
    fn full(&self) -> bool {
        self.problems.len() + self.shape.len() >= MAX_PROBLEMS
    }
}

async fn stream<R: Read>(
    importer: &dyn Importer,
    mut csv: CsvStream<R>,
    opts: &Options,
    batches: BoxFuture<'_, Result<Box<dyn Batches<'_> + '_>>>,
    ctx: &Ctx,
) -> Result<Outcome> {
    let mut head = Vec::new();
    let mut more = true;
    while head.len() < HEAD_ROWS {
        match csv.next_row()? {
            Some(row) => head.push(row),
            None => {
                more = false;
                break;
            }
        }
    }
    let head_rows = head.len();
    let grids = vec![Grid {
        sheet: None,
        rows: head,
        notes: Notes {
            encoding: Some(csv.encoding()),
            ..Notes::default()
        },
    }];
    let table = read_table(importer.schema(), &grids, opts)?;
    let mut outcome = Outcome::read(importer.key(), opts.dry_run, &table);
    if !table.problems.is_empty() {
        outcome.problems = table.problems;
        return Ok(outcome);
    }
    let columns = table.columns.clone();
    let mut batches = batches.await?;
    let mut found = Found {
        problems: Vec::new(),
        cut_at: None,
        shape: table.shape_problems.clone(),
        matched: 0,
    };
    if !found.shape.is_empty() {
        batches.refuse();
    }
    // The head's rows, then the rest of the file a row at a time.
    let mut batch: Vec<Row> = table
        .data
        .iter()
        .map(|(row, cells)| (*row, table.values(*row, cells).collect()))
        .collect();
    let has_id = importer.schema().fields.iter().any(|f| f.key == "id");
    let first_data = table.data.first().map(|(r, _)| *r);
    // Whether a blank row after the data ended the table within the head.
    let mut ended = first_data.is_some_and(|f| (f..head_rows).any(|i| grids[0].blank(i)));
    let mut ignored = table.ignored_rows;
    let mut without_id: Vec<usize> = Vec::new();
    let mut row = head_rows;
    while more && !found.full() {
        if batch.len() >= BATCH_ROWS {
            send(
                ctx,
                importer,
                opts,
                &mut *batches,
                &mut batch,
                &mut found,
                &columns,
            )
            .await?;
            continue;
        }
        let Some(cells) = csv.next_row()? else {
            break;
        };
        row += 1;
        let blank = cells.iter().all(|c| c.trim().is_empty());
        if ended {
            if !blank {
                ignored = Some((ignored.map_or(row, |(first, _)| first), row));
            }
            continue;
        }
        if blank {
            ended = outcome.rows > 0 || !batch.is_empty();
            continue;
        }
        let values: Vec<(&'static str, String)> = table.values(row, &cells).collect();
        if !values.iter().any(|(_, v)| !v.is_empty()) {
            continue;
        }
        outcome.rows += 1;
        if let Some(p) = table.edge.past(row, &cells) {
            if found.shape.is_empty() {
                batches.refuse();
            }
            found.shape.push(p);
        }
        if has_id && !opts.match_by_name && !values.iter().any(|(f, v)| *f == "id" && !v.is_empty())
        {
            without_id.push(row);
        }
        batch.push((row, values));
    }
    if found.full() {
        found.cut_at = Some(row);
    } else if !batch.is_empty() {
        send(
            ctx,
            importer,
            opts,
            &mut *batches,
            &mut batch,
            &mut found,
            &columns,
        )
        .await?;
    }
    // What the rows past the head change of what the head told.
    if !without_id.is_empty() {
        let mut all: Vec<usize> = table
            .data
            .iter()
            .map(|(r, _)| *r)
            .filter(|r| {
                !table
                    .values(*r, &grids[0].rows[*r - 1])
                    .any(|(f, v)| f == "id" && !v.is_empty())
            })
            .collect();
        let before = (!all.is_empty()).then(|| no_id_warning(&all, importer.noun()));
        all.extend(without_id);
        outcome.warnings.retain(|w| Some(w) != before.as_ref());
        outcome.warnings.push(no_id_warning(&all, importer.noun()));
    }
    if ignored != table.ignored_rows {
        outcome.ignored_rows = ignored;
        if opts.refuse_rows_after_blank
            && let Some(ignored) = ignored
        {
            let before = table.ignored_rows.map(after_blank);
            found.shape.retain(|p| Some(p) != before.as_ref());
            found.shape.push(after_blank(ignored));
            batches.refuse();
        }
    }
    if opts.match_by_name && importer.named_by().is_some() {
        outcome
            .warnings
            .push(matched_warning(importer, found.matched));
    }
    let checked = batches.finish().await;
    let mut all = std::mem::take(&mut found.problems);
    match checked {
        Ok(report) if all.is_empty() && found.shape.is_empty() => outcome.report = Some(report),
        Ok(_) => {}
        Err(Error::Validation(fields)) => all.extend(row_problems(fields, &columns)),
        Err(e) => return Err(e),
    }
    all.append(&mut found.shape);
    all.sort_by_key(|p| p.row);
    outcome.problems = told_once(all);
    if let Some(at) = found.cut_at {
        outcome.problems.push(RowProblem {
            rows: Vec::new(),
            row: 0,
            column: String::new(),
            message: format!(
                "more than {MAX_PROBLEMS} problems: the file was checked up to row {at}; mend those above and check it again"
            ),
        });
        outcome.report = None;
    }
    Ok(outcome)
}

/// Gives a batch of rows to the register; the problems it finds are kept, by row and column.
async fn send(
    ctx: &Ctx,
    importer: &dyn Importer,
    opts: &Options,
    batches: &mut dyn Batches<'_>,
    batch: &mut Vec<Row>,
    found: &mut Found,
    columns: &[Column],
) -> Result<()> {
    let mut rows = std::mem::take(batch);
    if opts.match_by_name
        && let Some(matched) = match_names(ctx, importer, &mut rows).await?
    {
        found.matched += matched;
    }
    match batches.add(rows).await {
        Ok(()) => Ok(()),
        Err(Error::Validation(fields)) => {
            found.problems.extend(row_problems(fields, columns));
            Ok(())
        }
        Err(e) => Err(e),
    }
}
