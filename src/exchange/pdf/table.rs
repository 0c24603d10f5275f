//! Tables on PDF pages: column widths shared out by weight and by the longest word of each
//! column, rows wrapped to their columns, the header repeated on every page a table
//! continues on, and a row taller than a page split line by line.

use super::{
    BLACK, BODY_H, BODY_W, CELL, CELL_HEAD, CELL_PAD_X, CELL_PAD_Y, Flow, GRID, HEADER_FILL,
    MARGIN_X, MAX_HEADER_LINES, MIN_SPLIT_LINES, Rgb, Row, SHADE_FILL, Shape, Style, Table, clean,
    wrap_str,
};
use std::ops::Range;

/// Left edges and widths of a table's columns.
pub(super) struct Grid {
    lefts: Vec<f32>,
    pub(super) widths: Vec<f32>,
}

impl Grid {
    /// Shares the body width out by the columns' weights, except that a column is widened,
    /// where the page allows, to hold the longest word of its title and cells (so that
    /// "Applicable" or "implemented" is not broken in two), taking the room from the other
    /// columns in proportion. The widening is capped at twice the column's share and a
    /// quarter of the page, so a column of long identifiers does not crowd out the rest;
    /// such words are broken by characters instead.
    pub(super) fn new(table: &Table) -> Grid {
        let weights: Vec<f32> = table
            .columns
            .iter()
            .map(|c| {
                if c.width.is_finite() && c.width > 0.0 {
                    c.width
                } else {
                    1.0
                }
            })
            .collect();
        // Relative to the largest, so that no sum of weights can overflow.
        let largest = weights.iter().copied().fold(1.0, f32::max);
        let weights: Vec<f32> = weights.iter().map(|w| w / largest).collect();
        let total: f32 = weights.iter().sum();
        let mins: Vec<f32> = table
            .columns
            .iter()
            .enumerate()
            .map(|(i, column)| {
                let cells = table.rows.iter().filter_map(|row| row.cells.get(i));
                let longest = cells
                    .map(|cell| longest_word(cell, CELL))
                    .fold(longest_word(&column.title, CELL_HEAD), f32::max);
                let share = BODY_W * weights[i] / total;
                (longest + 2.0 * CELL_PAD_X + 0.5)
                    .min(2.0 * share)
                    .min(BODY_W / 4.0)
            })
            .collect();
        let widths = allocate(&weights, &mins, BODY_W);
        let lefts = widths
            .iter()
            .scan(MARGIN_X, |x, w| {
                let left = *x;
                *x += w;
                Some(left)
            })
            .collect();
        Grid { lefts, widths }
    }
}

/// Width in points of the widest space-separated word of a text.
fn longest_word(text: &str, style: Style) -> f32 {
    clean(text)
        .split([' ', '\n'])
        .map(|word| style.width(word))
        .fold(0.0, f32::max)
}

/// Splits `total` by `weights`, giving each share at least its minimum: columns whose share
/// falls below their minimum get the minimum, and the others share what is left, repeated
/// until no share falls short (at most once per column). Minimums that together exceed the
/// total are scaled down to it.
pub(super) fn allocate(weights: &[f32], mins: &[f32], total: f32) -> Vec<f32> {
    let min_sum: f32 = mins.iter().sum();
    if min_sum >= total {
        return mins.iter().map(|m| m * total / min_sum).collect();
    }
    let mut fixed = vec![false; weights.len()];
    loop {
        let (free, weight) = free_room(weights, mins, &fixed, total);
        let mut changed = false;
        for i in 0..weights.len() {
            if !fixed[i] && free * weights[i] / weight < mins[i] {
                fixed[i] = true;
                changed = true;
            }
        }
        if !changed || fixed.iter().all(|&f| f) {
            return (0..weights.len())
                .map(|i| {
                    if fixed[i] {
                        mins[i]
                    } else {
                        free * weights[i] / weight
                    }
                })
                .collect();
        }
    }
}

/// Room and total weight of the columns not yet fixed at their minimum.
fn free_room(weights: &[f32], mins: &[f32], fixed: &[bool], total: f32) -> (f32, f32) {
    let mut room = total;
    let mut weight = 0.0;
    for i in 0..weights.len() {
        if fixed[i] {
            room -= mins[i];
        } else {
            weight += weights[i];
        }
    }
    (room, weight)
}

/// A row with its cells wrapped to their columns.
struct Prepared {
    cells: Vec<Vec<String>>,
    /// Lines of the tallest cell.
    lines: usize,
    style: Style,
    fill: Option<Rgb>,
}

impl Prepared {
    fn new<'a>(
        texts: impl Iterator<Item = &'a str>,
        grid: &Grid,
        style: Style,
        fill: Option<Rgb>,
    ) -> Prepared {
        let cells: Vec<Vec<String>> = texts
            .zip(&grid.widths)
            .map(|(text, width)| wrap_str(text, style, width - 2.0 * CELL_PAD_X))
            .collect();
        let lines = cells.iter().map(Vec::len).max().unwrap_or(1).max(1);
        Prepared {
            cells,
            lines,
            style,
            fill,
        }
    }

    fn header(table: &Table, grid: &Grid) -> Prepared {
        let titles = table.columns.iter().map(|c| c.title.as_str());
        let mut header = Prepared::new(titles, grid, CELL_HEAD, Some(HEADER_FILL));
        for cell in &mut header.cells {
            cell.truncate(MAX_HEADER_LINES);
        }
        header.lines = header.lines.min(MAX_HEADER_LINES);
        header
    }

    fn body(row: &Row, grid: &Grid) -> Prepared {
        let texts = (0..grid.widths.len()).map(|i| row.cells.get(i).map_or("", String::as_str));
        Prepared::new(texts, grid, CELL, row.shade.then_some(SHADE_FILL))
    }

    fn height(&self) -> f32 {
        row_height(self.lines)
    }
}

fn row_height(lines: usize) -> f32 {
    2.0 * CELL_PAD_Y + lines as f32 * CELL.leading
}

/// How many body lines fit in `room` points as one row.
fn lines_fitting(room: f32) -> usize {
    let lines = (room - 2.0 * CELL_PAD_Y) / CELL.leading;
    if lines > 0.0 {
        (lines + 0.001).floor() as usize
    } else {
        0
    }
}

/// Lays a table: the header row, then each row where it fits, moving a row that does not
/// fit to the next page (under a repeated header) and splitting, line by line, a row that
/// does not fit on any page.
pub(super) fn lay_table(flow: &mut Flow, table: &Table) {
    if table.columns.is_empty() {
        return;
    }
    let grid = Grid::new(table);
    let header = Prepared::header(table, &grid);
    let first = table.rows.first().map(|row| Prepared::body(row, &grid));
    // Keep the header with (the start of) the first row.
    let first_room = first
        .as_ref()
        .map_or(0.0, |row| row_height(row.lines.min(MIN_SPLIT_LINES)));
    flow.ensure(header.height() + first_room);
    draw_whole(flow, &grid, &header);
    if let Some(first) = first {
        place_row(flow, &grid, &header, &first);
    }
    for row in table.rows.iter().skip(1) {
        place_row(flow, &grid, &header, &Prepared::body(row, &grid));
    }
}

fn place_row(flow: &mut Flow, grid: &Grid, header: &Prepared, row: &Prepared) {
    let height = row.height();
    if height > flow.remaining() && height <= BODY_H - header.height() {
        continue_table(flow, grid, header);
    }
    if height <= flow.remaining() {
        draw_whole(flow, grid, row);
        return;
    }
    let mut start = 0;
    while start < row.lines {
        let wanted = (row.lines - start).min(MIN_SPLIT_LINES);
        let mut fit = lines_fitting(flow.remaining());
        if fit < wanted {
            continue_table(flow, grid, header);
            // At least one line per page, so the loop always ends.
            fit = lines_fitting(flow.remaining()).max(1);
        }
        let end = (start + fit).min(row.lines);
        draw_lines(flow, grid, row, start..end);
        start = end;
    }
}

/// Breaks the page and repeats the table's header row at the top.
fn continue_table(flow: &mut Flow, grid: &Grid, header: &Prepared) {
    flow.break_page();
    draw_whole(flow, grid, header);
}

fn draw_whole(flow: &mut Flow, grid: &Grid, row: &Prepared) {
    draw_lines(flow, grid, row, 0..row.lines);
}

/// Draws lines `range` of a row at the flow's position: background, cell borders, text.
fn draw_lines(flow: &mut Flow, grid: &Grid, row: &Prepared, range: Range<usize>) {
    let height = row_height(range.len());
    let top = flow.y;
    let bottom = top - height;
    let page = &mut flow.page;
    if let Some(fill) = row.fill {
        page.fill_rect(MARGIN_X, bottom, BODY_W, height, fill);
    }
    let mut shapes = vec![Shape::Rect {
        x: MARGIN_X,
        y: bottom,
        w: BODY_W,
        h: height,
    }];
    shapes.extend(grid.lefts.iter().skip(1).map(|&left| Shape::Line {
        x1: left,
        y1: bottom,
        x2: left,
        y2: top,
    }));
    page.stroke(0.4, GRID, shapes);
    let first_baseline = top - CELL_PAD_Y - row.style.baseline_offset();
    for (cell, left) in row.cells.iter().zip(&grid.lefts) {
        let lines = cell.iter().skip(range.start).take(range.len());
        for (k, line) in lines.enumerate() {
            let baseline = first_baseline - k as f32 * row.style.leading;
            page.text(left + CELL_PAD_X, baseline, row.style, BLACK, line);
        }
    }
    flow.y = bottom;
}
