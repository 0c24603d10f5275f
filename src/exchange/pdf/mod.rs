//! PDF rendering of the reports Annex hands to auditors (the Statement of Applicability
//! first): a cover page, a clickable table of contents, then sections of paragraphs and
//! word-wrapped tables on A4 landscape pages, each page after the cover with a running
//! header and a "Page X of Y" footer, plus a bookmark per section.
//!
//! Layout is Annex's own (this module): it measures text with the metrics of the fonts
//! that will print it ([`fonts`]) and places every line, rule and fill. Writing the file is
//! krilla's ([`write`]): it embeds the fonts, keeps only the glyphs used, and maps them back
//! to their characters, so that any language prints and the text can be searched and copied.
//!
//! Layout runs fully before anything is written, because every footer needs the total page
//! count and the table of contents needs the page each section starts on. The sections are
//! laid out first: their page numbers depend only on how many contents pages precede them,
//! and that follows from the number of sections (one contents line per section, a fixed
//! number of lines per page). Nothing reads the clock or iterates a hash map, so the same
//! [`Document`] always renders to the same bytes on the same machine.

mod fonts;
mod write;

use fonts::Weight;
use std::ops::Range;

/// A document to render: a cover, then one page-starting section after another.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// Large title on the cover; also the PDF's `/Title`.
    pub title: String,
    /// Line under the title on the cover (e.g. the organisation's name).
    pub subtitle: String,
    /// Key/value lines on the cover, in order (Organisation, Scope, Version, ...).
    pub cover: Vec<(String, String)>,
    /// Short text at the left of the running header on every page after the cover.
    pub header: String,
    /// When the document was generated, as RFC 3339 (`2025-03-01T09:30:00Z`, fractions and
    /// offsets allowed) or a plain `YYYY-MM-DD`. It becomes `/CreationDate`; other text is
    /// left out of the metadata. Passed in so that rendering never reads the clock.
    pub generated_at: String,
    pub sections: Vec<Section>,
}

/// A part of the document that starts on a new page with its title as heading, and gets a
/// contents line and a bookmark.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Section {
    pub title: String,
    pub blocks: Vec<Block>,
}

/// What a section is made of, laid out top to bottom.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// Running text, wrapped to the page width; a `\n` starts a new line.
    Paragraph(String),
    Table(Table),
}

/// A table whose header row is repeated at the top of every page it continues on.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Table {
    /// A table without columns renders nothing.
    pub columns: Vec<Column>,
    pub rows: Vec<Row>,
}

/// A table column: its header text and its share of the page width.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    pub title: String,
    /// Relative weight: a column of 2.0 is twice as wide as one of 1.0. A weight that is not
    /// a positive finite number counts as 1.0.
    pub width: f32,
}

impl Column {
    pub fn new(title: impl Into<String>, width: f32) -> Column {
        Column {
            title: title.into(),
            width,
        }
    }
}

/// A table row: one text per column (missing cells are empty, extra cells are ignored).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// Cell texts; wrapped by words, a `\n` starts a new line.
    pub cells: Vec<String>,
    /// Light grey background, e.g. for theme group rows or alternate rows.
    pub shade: bool,
}

impl Row {
    pub fn new(cells: Vec<String>) -> Row {
        Row {
            cells,
            shade: false,
        }
    }
}

/// Renders the document to the bytes of a PDF file.
pub fn render(doc: &Document) -> crate::error::Result<Vec<u8>> {
    if !fonts::available() {
        return Err(crate::error::Error::Internal(anyhow::anyhow!(
            "the PDF fonts built into Annex cannot be read"
        )));
    }
    let (pages, starts) = layout(doc);
    write::pdf(doc, &pages, &starts)
        .map_err(|e| crate::error::Error::Internal(anyhow::anyhow!("writing the PDF: {e}")))
}

/// Lays the document out: its pages and the page index each section starts on.
fn layout(doc: &Document) -> (Vec<Page>, Vec<usize>) {
    let toc_pages = toc_page_count(doc.sections.len());
    // Cover and contents pages come first; page indexes here are 0-based.
    let first_section_page = 1 + toc_pages;
    let (section_pages, starts) = layout_sections(&doc.sections, first_section_page);

    let mut pages = Vec::with_capacity(first_section_page + section_pages.len());
    pages.push(cover_page(doc));
    pages.extend(toc(&doc.sections, &starts));
    pages.extend(section_pages);
    decorate(&mut pages, &clean(&doc.header));
    (pages, starts)
}

/// Every text of a document, for finding the characters no font can show.
fn texts(doc: &Document) -> impl Iterator<Item = &str> {
    let cover = doc.cover.iter().flat_map(|(k, v)| [k.as_str(), v.as_str()]);
    let sections = doc.sections.iter().flat_map(|s| {
        std::iter::once(s.title.as_str()).chain(s.blocks.iter().flat_map(
            |b| -> Box<dyn Iterator<Item = &str>> {
                match b {
                    Block::Paragraph(text) => Box::new(std::iter::once(text.as_str())),
                    Block::Table(t) => Box::new(
                        t.columns.iter().map(|c| c.title.as_str()).chain(
                            t.rows
                                .iter()
                                .flat_map(|r| r.cells.iter().map(String::as_str)),
                        ),
                    ),
                }
            },
        ))
    });
    [
        doc.title.as_str(),
        doc.subtitle.as_str(),
        doc.header.as_str(),
    ]
    .into_iter()
    .chain(cover)
    .chain(sections)
}

// ---------------------------------------------------------------------------------------
// Page geometry and styles. PDF user space: points, origin at the bottom left.

const PAGE_W: f32 = 842.0;
const PAGE_H: f32 = 595.0;
const MARGIN_X: f32 = 40.0;
const BODY_W: f32 = PAGE_W - 2.0 * MARGIN_X;
/// Top and bottom of the area that sections and contents flow into.
const BODY_TOP: f32 = PAGE_H - 54.0;
const BODY_BOTTOM: f32 = 50.0;
const BODY_H: f32 = BODY_TOP - BODY_BOTTOM;
const HEADER_BASELINE: f32 = PAGE_H - 30.0;
const HEADER_RULE: f32 = PAGE_H - 36.0;
const FOOTER_RULE: f32 = 38.0;
const FOOTER_BASELINE: f32 = 26.0;
/// The cover is laid out with wider margins of its own.
const COVER_X: f32 = 72.0;
const COVER_BOTTOM: f32 = 60.0;

/// Space between a section's blocks.
const BLOCK_GAP: f32 = 10.0;
/// Padding inside table cells.
const CELL_PAD_X: f32 = 3.0;
const CELL_PAD_Y: f32 = 2.5;
/// Header cells longer than this are cut, so the repeated header always leaves room for
/// body lines on a page (a header taller than the page would never let a row be placed).
const MAX_HEADER_LINES: usize = 6;
/// A row split across pages puts at least this many lines (or what is left of it) on a page;
/// with less room it starts on the next page instead of leaving a sliver.
const MIN_SPLIT_LINES: usize = 3;

type Rgb = (f32, f32, f32);
const BLACK: Rgb = (0.0, 0.0, 0.0);
const ACCENT: Rgb = (0.09, 0.21, 0.38);
const MUTED: Rgb = (0.38, 0.38, 0.38);
const RULE: Rgb = (0.72, 0.72, 0.72);
const GRID: Rgb = (0.62, 0.62, 0.62);
const HEADER_FILL: Rgb = (0.84, 0.85, 0.87);
const SHADE_FILL: Rgb = (0.94, 0.95, 0.96);

/// A font at a size with the distance between baselines.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Style {
    font: Weight,
    size: f32,
    leading: f32,
}

impl Style {
    const fn new(font: Weight, size: f32, leading: f32) -> Style {
        Style {
            font,
            size,
            leading,
        }
    }

    /// Distance from the top of a line box to the baseline, centring the capitals and
    /// descenders of DejaVu Sans (cap height about 0.73 em, descender about 0.24 em) in
    /// the leading.
    fn baseline_offset(self) -> f32 {
        (self.leading - self.size) / 2.0 + 0.75 * self.size
    }

    /// Width of a line of text in points.
    fn width(self, text: &str) -> f32 {
        fonts::width(text, self.font) * self.size
    }

    fn advance(self, c: char) -> f32 {
        fonts::advance(c, self.font) * self.size
    }
}

const TITLE: Style = Style::new(Weight::Bold, 30.0, 36.0);
const SUBTITLE: Style = Style::new(Weight::Regular, 16.0, 21.0);
const COVER_KEY: Style = Style::new(Weight::Bold, 10.5, 16.0);
const COVER_VALUE: Style = Style::new(Weight::Regular, 10.5, 16.0);
const HEADING: Style = Style::new(Weight::Bold, 16.0, 20.0);
const BODY: Style = Style::new(Weight::Regular, 10.0, 13.5);
const TOC_ENTRY: Style = Style::new(Weight::Regular, 11.0, 20.0);
const CELL: Style = Style::new(Weight::Regular, 7.5, 9.0);
const CELL_HEAD: Style = Style::new(Weight::Bold, 7.5, 9.0);
const RUNNING: Style = Style::new(Weight::Regular, 8.0, 10.0);

// ---------------------------------------------------------------------------------------
// Text: cleaning, wrapping, cutting.

/// The ellipsis, ending a line that was cut to fit.
const ELLIPSIS: char = '\u{2026}';

/// Text as it is laid out: a tab becomes a space, `\n` is kept (it separates lines), a
/// `\r\n` becomes `\n`, and other control characters, which have no glyph, are dropped.
fn clean(text: &str) -> String {
    text.replace("\r\n", "\n")
        .chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            '\n' => Some('\n'),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Breaks text into lines no wider than `max` points: at spaces where possible, inside a
/// word that is wider than the line by itself, and always at `\n`. Runs of spaces collapse.
/// Every line but an empty paragraph's holds at least one character, so the result is finite
/// even for a width of zero.
fn wrap(text: &str, style: Style, max: f32) -> Vec<String> {
    let limit = max.max(0.0) + 0.01;
    let space = style.advance(' ');
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        let mut line_w = 0.0;
        for word in paragraph.split(' ').filter(|w| !w.is_empty()) {
            let w = style.width(word);
            if !line.is_empty() {
                if line_w + space + w <= limit {
                    line.push(' ');
                    line.push_str(word);
                    line_w += space + w;
                    continue;
                }
                lines.push(std::mem::take(&mut line));
                line_w = 0.0;
            }
            if w <= limit {
                line.push_str(word);
                line_w = w;
                continue;
            }
            for c in word.chars() {
                let advance = style.advance(c);
                if !line.is_empty() && line_w + advance > limit {
                    lines.push(std::mem::take(&mut line));
                    line_w = 0.0;
                }
                line.push(c);
                line_w += advance;
            }
        }
        lines.push(line);
    }
    lines
}

/// Cleans and trims text, then wraps it.
fn wrap_str(text: &str, style: Style, max: f32) -> Vec<String> {
    wrap(&clean(text.trim()), style, max)
}

/// Cuts a single line to `max` points, ending it with an ellipsis when something was cut.
fn truncate(text: &str, style: Style, max: f32) -> String {
    let line: String = text
        .chars()
        .map(|c| if c == '\n' { ' ' } else { c })
        .collect();
    if style.width(&line) <= max {
        return line;
    }
    let mut used = style.advance(ELLIPSIS);
    let mut cut = String::with_capacity(line.len());
    for c in line.chars() {
        used += style.advance(c);
        if used > max {
            break;
        }
        cut.push(c);
    }
    let kept = cut.trim_end().len();
    cut.truncate(kept);
    cut.push(ELLIPSIS);
    cut
}

// ---------------------------------------------------------------------------------------
// Pages and their drawing operations.

/// A laid-out page: what to draw on it, in order, and its links.
#[derive(Debug, Default)]
struct Page {
    ops: Vec<Op>,
    links: Vec<Link>,
    /// Text at the right of the running header: the section's title, or "Contents".
    label: String,
}

/// One drawing operation, in PDF user space (points, origin at the bottom left).
#[derive(Debug, Clone, PartialEq)]
enum Op {
    /// One line of text with its baseline starting at (x, y).
    Text {
        x: f32,
        y: f32,
        style: Style,
        color: Rgb,
        text: String,
    },
    /// A filled rectangle from its bottom left corner.
    Fill {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
        color: Rgb,
    },
    /// Stroked rectangles and lines; dotted with round dots when `dotted`.
    Stroke {
        width: f32,
        color: Rgb,
        dotted: bool,
        shapes: Vec<Shape>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Shape {
    /// From its bottom left corner.
    Rect {
        x: f32,
        y: f32,
        w: f32,
        h: f32,
    },
    Line {
        x1: f32,
        y1: f32,
        x2: f32,
        y2: f32,
    },
}

/// A clickable area that jumps to the top of another page.
#[derive(Debug, Clone, Copy)]
struct Link {
    /// Left, bottom, right, top.
    rect: [f32; 4],
    /// 0-based index of the target page.
    target: usize,
}

impl Page {
    fn new(label: String) -> Page {
        Page {
            label,
            ..Page::default()
        }
    }

    /// Shows one line of text with its baseline starting at (x, y).
    fn text(&mut self, x: f32, y: f32, style: Style, color: Rgb, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        self.ops.push(Op::Text {
            x,
            y,
            style,
            color,
            text: text.to_string(),
        });
    }

    /// Shows a line so that it ends at x.
    fn text_right(&mut self, x: f32, y: f32, style: Style, color: Rgb, text: &str) {
        self.text(x - style.width(text), y, style, color, text);
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        self.ops.push(Op::Fill { x, y, w, h, color });
    }

    fn stroke(&mut self, width: f32, color: Rgb, shapes: Vec<Shape>) {
        self.ops.push(Op::Stroke {
            width,
            color,
            dotted: false,
            shapes,
        });
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, color: Rgb) {
        let line = Shape::Line {
            x1,
            y1: y,
            x2,
            y2: y,
        };
        self.stroke(width, color, vec![line]);
    }

    /// A row of round dots, as leaders between a contents entry and its page number.
    fn dots(&mut self, x1: f32, x2: f32, y: f32) {
        self.ops.push(Op::Stroke {
            width: 0.9,
            color: MUTED,
            dotted: true,
            shapes: vec![Shape::Line {
                x1,
                y1: y,
                x2,
                y2: y,
            }],
        });
    }
}

// ---------------------------------------------------------------------------------------
// Flowing content down pages.

/// Lays content down the body area of a run of pages, breaking to a new page when full.
struct Flow {
    done: Vec<Page>,
    page: Page,
    /// Top of the free space on the current page.
    y: f32,
}

impl Flow {
    fn new(label: String) -> Flow {
        Flow {
            done: Vec::new(),
            page: Page::new(label),
            y: BODY_TOP,
        }
    }

    fn remaining(&self) -> f32 {
        self.y - BODY_BOTTOM
    }

    fn break_page(&mut self) {
        let next = Page::new(self.page.label.clone());
        self.done.push(std::mem::replace(&mut self.page, next));
        self.y = BODY_TOP;
    }

    /// Breaks the page unless `height` fits below; a fresh page is never broken, so content
    /// taller than a page cannot cause a run of empty pages.
    fn ensure(&mut self, height: f32) {
        if height > self.remaining() && self.y < BODY_TOP {
            self.break_page();
        }
    }

    fn finish(mut self) -> Vec<Page> {
        self.done.push(self.page);
        self.done
    }

    /// Lays lines of one style at x, breaking pages between lines.
    fn lines(&mut self, lines: &[String], style: Style, color: Rgb) {
        for line in lines {
            self.ensure(style.leading);
            let baseline = self.y - style.baseline_offset();
            self.page.text(MARGIN_X, baseline, style, color, line);
            self.y -= style.leading;
        }
    }

    /// A section or contents heading with a rule under it.
    fn heading(&mut self, title: &str) {
        let lines = wrap_str(title, HEADING, BODY_W);
        self.lines(&lines, HEADING, ACCENT);
        self.y -= 4.0;
        self.page
            .hline(MARGIN_X, PAGE_W - MARGIN_X, self.y, 0.8, ACCENT);
        self.y -= HEADING_AFTER_RULE;
    }

    fn paragraph(&mut self, text: &str) {
        let lines = wrap_str(text, BODY, BODY_W);
        self.lines(&lines, BODY, BLACK);
    }
}

/// Space between the rule under a heading and what follows.
const HEADING_AFTER_RULE: f32 = 14.0;

/// Lays out the sections from page index `first_page` on; returns their pages and the page
/// index each section starts on.
fn layout_sections(sections: &[Section], first_page: usize) -> (Vec<Page>, Vec<usize>) {
    let mut pages = Vec::new();
    let mut starts = Vec::with_capacity(sections.len());
    for section in sections {
        starts.push(first_page + pages.len());
        let mut flow = Flow::new(clean(&section.title));
        flow.heading(&section.title);
        for (i, block) in section.blocks.iter().enumerate() {
            if i > 0 {
                flow.y -= BLOCK_GAP;
            }
            match block {
                Block::Paragraph(text) => flow.paragraph(text),
                Block::Table(table) => lay_table(&mut flow, table),
            }
        }
        pages.extend(flow.finish());
    }
    (pages, starts)
}

// ---------------------------------------------------------------------------------------
// Tables.

/// Left edges and widths of a table's columns.
struct Grid {
    lefts: Vec<f32>,
    widths: Vec<f32>,
}

impl Grid {
    /// Shares the body width out by the columns' weights, except that a column is widened,
    /// where the page allows, to hold the longest word of its title and cells (so that
    /// "Applicable" or "implemented" is not broken in two), taking the room from the other
    /// columns in proportion. The widening is capped at twice the column's share and a
    /// quarter of the page, so a column of long identifiers does not crowd out the rest;
    /// such words are broken by characters instead.
    fn new(table: &Table) -> Grid {
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
fn allocate(weights: &[f32], mins: &[f32], total: f32) -> Vec<f32> {
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
fn lay_table(flow: &mut Flow, table: &Table) {
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

// ---------------------------------------------------------------------------------------
// Cover, contents, running header and footer.

fn cover_page(doc: &Document) -> Page {
    let mut page = Page::new(String::new());
    let width = PAGE_W - 2.0 * COVER_X;
    // Top of the title block, about a quarter down the page, with an accent bar above.
    let mut y = PAGE_H - 150.0;
    page.fill_rect(COVER_X, y + 14.0, 64.0, 4.0, ACCENT);
    for line in wrap_str(&doc.title, TITLE, width) {
        page.text(COVER_X, y - TITLE.baseline_offset(), TITLE, ACCENT, &line);
        y -= TITLE.leading;
    }
    y -= 6.0;
    for line in wrap_str(&doc.subtitle, SUBTITLE, width) {
        page.text(
            COVER_X,
            y - SUBTITLE.baseline_offset(),
            SUBTITLE,
            MUTED,
            &line,
        );
        y -= SUBTITLE.leading;
    }
    y -= 18.0;
    page.hline(COVER_X, COVER_X + width, y, 0.6, RULE);
    y -= 16.0;

    let missing = fonts::missing_scripts(texts(doc));
    let mut cover = doc.cover.clone();
    if !missing.is_empty() {
        cover.push((
            "Not shown".into(),
            format!(
                "Some characters ({}) are shown as boxes: no font on the server that made \
                 this PDF has them. Installing a font for them (for example Noto Sans) fixes it.",
                missing.join(", ")
            ),
        ));
    }
    let keys: Vec<String> = cover.iter().map(|(k, _)| clean(k.trim())).collect();
    let key_w = keys
        .iter()
        .map(|k| COVER_KEY.width(k))
        .fold(0.0, f32::max)
        .min(width * 0.3)
        + 18.0;
    for (key, (_, value)) in keys.iter().zip(&cover) {
        let lines = wrap_str(value, COVER_VALUE, width - key_w);
        if y - COVER_KEY.leading < COVER_BOTTOM {
            break; // The cover is one page: what does not fit is left off.
        }
        let baseline = y - COVER_KEY.baseline_offset();
        page.text(
            COVER_X,
            baseline,
            COVER_KEY,
            MUTED,
            &truncate(key, COVER_KEY, key_w - 12.0),
        );
        for line in lines {
            if y - COVER_VALUE.leading < COVER_BOTTOM {
                break;
            }
            let baseline = y - COVER_VALUE.baseline_offset();
            page.text(COVER_X + key_w, baseline, COVER_VALUE, BLACK, &line);
            y -= COVER_VALUE.leading;
        }
        y -= 4.0;
    }
    page
}

const TOC_TITLE: &str = "Contents";

/// Contents lines per page, below the page's heading.
fn toc_per_page() -> usize {
    let heading = HEADING.leading + 4.0 + HEADING_AFTER_RULE;
    (((BODY_H - heading) / TOC_ENTRY.leading).floor() as usize).max(1)
}

/// Contents pages for a number of sections: one line each, at least one page.
fn toc_page_count(sections: usize) -> usize {
    sections.div_ceil(toc_per_page()).max(1)
}

/// The contents pages: a line per section with its page number, the line a link to it.
fn toc(sections: &[Section], starts: &[usize]) -> Vec<Page> {
    let entries: Vec<(&Section, usize)> = sections.iter().zip(starts.iter().copied()).collect();
    let mut chunks: Vec<&[(&Section, usize)]> = entries.chunks(toc_per_page()).collect();
    if chunks.is_empty() {
        chunks.push(&[]);
    }
    chunks.into_iter().map(toc_page).collect()
}

fn toc_page(entries: &[(&Section, usize)]) -> Page {
    let mut flow = Flow::new(TOC_TITLE.to_string());
    flow.heading(TOC_TITLE);
    let right = PAGE_W - MARGIN_X;
    for &(section, target) in entries {
        let number = (target + 1).to_string();
        let number_w = TOC_ENTRY.width(&number);
        let title = truncate(
            &clean(section.title.trim()),
            TOC_ENTRY,
            BODY_W - number_w - 40.0,
        );
        let baseline = flow.y - TOC_ENTRY.baseline_offset();
        let page = &mut flow.page;
        page.text(MARGIN_X, baseline, TOC_ENTRY, BLACK, &title);
        page.text_right(right, baseline, TOC_ENTRY, BLACK, &number);
        let dots_from = MARGIN_X + TOC_ENTRY.width(&title) + 8.0;
        let dots_to = right - number_w - 6.0;
        if dots_to > dots_from {
            page.dots(dots_from, dots_to, baseline + 1.0);
        }
        page.links.push(Link {
            rect: [MARGIN_X, flow.y - TOC_ENTRY.leading, right, flow.y],
            target,
        });
        flow.y -= TOC_ENTRY.leading;
    }
    flow.page
}

/// Adds the running header and the "Page X of Y" footer to every page but the cover.
fn decorate(pages: &mut [Page], header: &str) {
    let total = pages.len();
    let right = PAGE_W - MARGIN_X;
    let left_text = truncate(header, RUNNING, BODY_W * 0.55);
    for (i, page) in pages.iter_mut().enumerate().skip(1) {
        let label = truncate(&std::mem::take(&mut page.label), RUNNING, BODY_W * 0.42);
        page.text(MARGIN_X, HEADER_BASELINE, RUNNING, MUTED, &left_text);
        page.text_right(right, HEADER_BASELINE, RUNNING, MUTED, &label);
        page.hline(MARGIN_X, right, HEADER_RULE, 0.5, RULE);
        page.hline(MARGIN_X, right, FOOTER_RULE, 0.5, RULE);
        let footer = format!("Page {} of {}", i + 1, total);
        page.text_right(right, FOOTER_BASELINE, RUNNING, MUTED, &footer);
    }
}

// ---------------------------------------------------------------------------------------
// Metadata.

/// A moment read from `YYYY-MM-DD[THH:MM[:SS][.fff][Z|+HH:MM|-HH:MM]]`: the date, the time
/// when given, and the offset from UTC when given (`Z` is `+00:00`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Stamp {
    date: (u16, u8, u8),
    time: Option<(u8, u8, u8)>,
    /// Sign-carrying hours and minutes.
    offset: Option<(i8, u8)>,
}

/// Reads a [`Stamp`]; `None` for anything else.
fn stamp(text: &str) -> Option<Stamp> {
    let s = text.trim().as_bytes();
    let digits = |range: Range<usize>| -> Option<u32> {
        let part = s.get(range)?;
        if !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter()
            .try_fold(0u32, |n, &d| Some(n * 10 + u32::from(d - b'0')))
    };
    let at = |i: usize, options: &[u8]| s.get(i).is_some_and(|b| options.contains(b));
    let year = u16::try_from(digits(0..4)?).ok()?;
    let month = u8::try_from(digits(5..7)?).ok()?;
    let day = u8::try_from(digits(8..10)?).ok()?;
    if !at(4, b"-") || !at(7, b"-") || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut out = Stamp {
        date: (year, month, day),
        time: None,
        offset: None,
    };
    if s.len() == 10 {
        return Some(out);
    }
    let hour = u8::try_from(digits(11..13)?).ok()?;
    let minute = u8::try_from(digits(14..16)?).ok()?;
    if !at(10, b"Tt ") || !at(13, b":") || hour > 23 || minute > 59 {
        return None;
    }
    let mut i = 16;
    let mut second = 0;
    if at(i, b":") {
        second = u8::try_from(digits(17..19)?).ok()?;
        if second > 59 {
            return None;
        }
        i = 19;
    }
    if at(i, b".") {
        i += 1;
        while s.get(i).is_some_and(u8::is_ascii_digit) {
            i += 1;
        }
    }
    out.time = Some((hour, minute, second));
    match s.get(i) {
        None => {}
        Some(b'Z' | b'z') if s.len() == i + 1 => out.offset = Some((0, 0)),
        Some(&sign @ (b'+' | b'-')) => {
            let off_h = i8::try_from(digits(i + 1..i + 3)?).ok()?;
            let off_m = u8::try_from(digits(i + 4..i + 6)?).ok()?;
            if !at(i + 3, b":") || s.len() != i + 6 || off_h > 23 || off_m > 59 {
                return None;
            }
            out.offset = Some((if sign == b'-' { -off_h } else { off_h }, off_m));
        }
        Some(_) => return None,
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cells(texts: &[&str]) -> Row {
        Row::new(texts.iter().map(|t| t.to_string()).collect())
    }

    fn doc(sections: Vec<Section>) -> Document {
        Document {
            title: "Statement of Applicability".into(),
            subtitle: "Example Ltd".into(),
            cover: vec![
                ("Organisation".into(), "Example Ltd".into()),
                ("Version".into(), "3".into()),
            ],
            header: "Example Ltd - Statement of Applicability".into(),
            generated_at: "2025-03-01T09:30:00.123456Z".into(),
            sections,
        }
    }

    fn section(title: &str, blocks: Vec<Block>) -> Section {
        Section {
            title: title.into(),
            blocks,
        }
    }

    /// The laid-out pages of a document.
    fn pages(d: &Document) -> Vec<Page> {
        layout(d).0
    }

    /// The lines shown on each page, in drawing order.
    fn page_texts(pages: &[Page]) -> Vec<Vec<String>> {
        pages
            .iter()
            .map(|p| {
                p.ops
                    .iter()
                    .filter_map(|op| match op {
                        Op::Text { text, .. } => Some(text.clone()),
                        _ => None,
                    })
                    .collect()
            })
            .collect()
    }

    fn count_shown(pages: &[Page], text: &str) -> usize {
        page_texts(pages)
            .concat()
            .iter()
            .filter(|t| *t == text)
            .count()
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    fn soa_table(rows: usize) -> Table {
        let mut columns = vec![Column::new("Control", 0.8), Column::new("Title", 2.0)];
        for i in 0..12 {
            columns.push(Column::new(format!("Col {i}"), 0.7));
        }
        columns.push(Column::new("Justification", 3.0));
        let rows = (0..rows)
            .map(|r| {
                let mut texts = vec![format!("{}.{}", 5 + r / 40, r % 40 + 1)];
                texts.push(format!("Control title number {r} with some words to wrap"));
                texts.extend((0..12).map(|c| if (r + c) % 3 == 0 { "Yes" } else { "No" }.into()));
                texts.push(
                    "Because the risk assessment says so, and the auditor agrees. ".repeat(3),
                );
                Row {
                    cells: texts,
                    shade: r % 2 == 1,
                }
            })
            .collect();
        Table { columns, rows }
    }

    #[test]
    fn known_document_has_cover_contents_and_one_page_per_short_section() {
        let d = doc(vec![
            section("Introduction", vec![Block::Paragraph("Hello.".into())]),
            section("Controls", vec![Block::Paragraph("World.".into())]),
        ]);
        let laid = pages(&d);
        assert_eq!(laid.len(), 4);
        let texts = page_texts(&laid);
        assert!(texts[0].contains(&"Statement of Applicability".to_string()));
        assert!(
            texts[0].iter().all(|t| !t.starts_with("Page ")),
            "no footer on the cover"
        );
        assert!(texts[3].contains(&"Page 4 of 4".to_string()));
        assert!(texts[1].contains(&"Contents".to_string()));
        let pdf = render(&d).unwrap();
        assert!(pdf.starts_with(b"%PDF-"));
        assert!(find(&pdf, b"/Count 4").is_some(), "four pages");
    }

    #[test]
    fn long_table_spans_pages_with_the_header_on_each() {
        let laid = pages(&doc(vec![section(
            "Statement of Applicability",
            vec![Block::Table(soa_table(93))],
        )]));
        let table_pages = laid.len() - 2;
        assert!(
            table_pages > 3,
            "93 rows take several pages, got {table_pages}"
        );
        assert_eq!(count_shown(&laid, "Justification"), table_pages);
        assert_eq!(count_shown(&laid, "Control"), table_pages);
        let texts = page_texts(&laid).concat();
        for r in [0, 39, 40, 92] {
            let id = format!("{}.{}", 5 + r / 40, r % 40 + 1);
            assert!(texts.contains(&id), "row {id} is shown");
        }
    }

    #[test]
    fn row_taller_than_a_page_is_split_and_keeps_every_word() {
        let words: Vec<String> = (0..750).map(|i| format!("w{i:04}")).collect();
        let long = words.join(" ");
        assert!(long.len() >= 3700);
        let huge = long.clone() + " " + &long.replace('w', "v");
        assert!(huge.len() > 6000);
        let table = Table {
            columns: vec![Column::new("Id", 1.0), Column::new("Justification", 1.0)],
            rows: vec![
                cells(&["1", "short"]),
                cells(&["2", &huge]),
                cells(&["3", "after"]),
            ],
        };
        let laid = pages(&doc(vec![section("Big", vec![Block::Table(table)])]));
        assert!(laid.len() >= 2 + 3, "the row needs several pages");
        let shown: Vec<String> = page_texts(&laid).concat();
        let joined = shown.join(" ");
        let seen: std::collections::HashSet<&str> = joined.split(' ').collect();
        for word in huge.split(' ') {
            assert!(seen.contains(word), "{word} is shown");
        }
        assert!(shown.contains(&"after".to_string()));
    }

    #[test]
    fn unbreakable_word_in_a_narrow_column_is_broken_by_characters() {
        let word = "x".repeat(6000);
        let table = Table {
            columns: vec![Column::new("A", 1.0), Column::new("B", 30.0)],
            rows: vec![cells(&[&word, "b"])],
        };
        let laid = pages(&doc(vec![section("Narrow", vec![Block::Table(table)])]));
        let total: usize = page_texts(&laid)
            .concat()
            .iter()
            .filter(|t| t.chars().all(|c| c == 'x'))
            .map(String::len)
            .sum();
        assert_eq!(total, 6000);
    }

    #[test]
    fn contents_page_numbers_match_the_pages_sections_start_on() {
        // Enough sections for two contents pages, of varied lengths.
        let sections: Vec<Section> = (0..40)
            .map(|i| {
                let text = format!("Body of section {i}. ").repeat(1 + (i % 7) * 200);
                section(&format!("Section {i}"), vec![Block::Paragraph(text)])
            })
            .collect();
        let laid = pages(&doc(sections));
        let pages = page_texts(&laid);
        assert_eq!(toc_page_count(40), 2);
        let contents: Vec<String> = pages[1..3].concat();
        for i in 0..40 {
            let title = format!("Section {i}");
            let at = contents.iter().position(|t| *t == title).unwrap();
            let listed: usize = contents[at + 1].parse().unwrap();
            let actual = 3 + pages[3..].iter().position(|p| p.contains(&title)).unwrap() + 1;
            assert_eq!(listed, actual, "{title}");
            assert_eq!(
                pages[actual - 1][0],
                title,
                "the heading comes first on its page"
            );
        }
    }

    #[test]
    fn contents_links_and_bookmarks_point_at_the_section_pages() {
        let d = doc(vec![
            section("One", vec![Block::Paragraph("a".into())]),
            section("Two", vec![Block::Paragraph("b".into())]),
        ]);
        let (laid, starts) = layout(&d);
        assert_eq!(starts, vec![2, 3]);
        let targets: Vec<usize> = laid[1].links.iter().map(|l| l.target).collect();
        assert_eq!(targets, vec![2, 3]);
        let pdf = render(&d).unwrap();
        assert_eq!(
            pdf.windows(b"/Link".len())
                .filter(|w| *w == b"/Link")
                .count(),
            2
        );
        assert!(find(&pdf, b"/Outlines").is_some());
    }

    #[test]
    fn any_language_is_laid_out_unchanged_and_only_control_characters_are_dropped() {
        let text = "Ασφάλεια & Řízení s.r.o. — Безопасность (a) c\\d €5";
        assert_eq!(clean(text), text);
        assert_eq!(clean("a\tb\u{1}c\r\n\u{81}d"), "a bc\nd");
        let laid = pages(&doc(vec![section(
            text,
            vec![Block::Paragraph(text.into())],
        )]));
        assert!(page_texts(&laid).concat().iter().any(|t| t == text));
        let pdf = render(&doc(vec![section(text, vec![])])).unwrap();
        assert!(find(&pdf, b"FontFile2").is_some(), "the font is embedded");
        assert!(find(&pdf, b"Helvetica").is_none());
        assert!(find(&pdf, b"ToUnicode").is_some(), "text can be extracted");
    }

    #[test]
    fn characters_no_font_has_are_named_on_the_cover() {
        // Cuneiform: no font on an ordinary server has it.
        let mut d = doc(vec![section("S", vec![Block::Paragraph("𒀀𒀁".into())])]);
        let cover = page_texts(&pages(&d))[0].join(" ");
        assert!(cover.contains("Not shown"), "{cover}");
        assert!(cover.contains("Cuneiform"), "{cover}");
        d.sections.clear();
        let cover = page_texts(&pages(&d))[0].join(" ");
        assert!(!cover.contains("Not shown"), "{cover}");
    }

    #[test]
    fn the_built_in_fonts_are_usable() {
        assert!(fonts::available());
    }

    #[test]
    fn rendering_is_deterministic() {
        let d = doc(vec![section("T", vec![Block::Table(soa_table(30))])]);
        assert_eq!(render(&d).unwrap(), render(&d).unwrap());
    }

    #[test]
    fn empty_document_and_empty_table_render() {
        let d = Document::default();
        assert_eq!(pages(&d).len(), 2, "cover and an empty contents page");
        assert!(render(&d).unwrap().starts_with(b"%PDF-"));

        let empty = Table {
            columns: vec![Column::new("Control", 1.0), Column::new("Status", 1.0)],
            rows: Vec::new(),
        };
        let blocks = vec![
            Block::Table(empty),
            Block::Paragraph("No controls.".into()),
            Block::Table(Table::default()),
        ];
        let d = doc(vec![section("Empty", blocks)]);
        let laid = pages(&d);
        assert_eq!(laid.len(), 3);
        assert_eq!(count_shown(&laid, "Control"), 1);
        assert_eq!(count_shown(&laid, "No controls."), 1);
        render(&d).unwrap();
    }

    #[test]
    fn wrap_breaks_at_spaces_newlines_and_inside_long_words() {
        let style = CELL;
        let lines = wrap("aaa bbb ccc", style, style.width("aaa bbb"));
        assert_eq!(lines, vec!["aaa bbb", "ccc"]);
        let lines = wrap("one\n\ntwo", style, 500.0);
        assert_eq!(lines, vec!["one", "", "two"]);
        let lines = wrap("abcdefgh", style, style.width("abc"));
        assert_eq!(lines, vec!["abc", "def", "gh"]);
        assert_eq!(wrap("ab", style, 0.0), vec!["a", "b"]);
        assert_eq!(wrap("", style, 10.0), vec![""]);
        let greek = wrap("Ασφάλεια πληροφοριών", style, style.width("πληροφοριών"));
        assert_eq!(greek, vec!["Ασφάλεια", "πληροφοριών"]);
    }

    #[test]
    fn allocate_honours_weights_and_minimums() {
        assert_eq!(allocate(&[1.0, 3.0], &[0.0, 0.0], 100.0), vec![25.0, 75.0]);
        // The first column needs 40: the second gets the rest.
        assert_eq!(allocate(&[1.0, 3.0], &[40.0, 0.0], 100.0), vec![40.0, 60.0]);
        // Minimums above the total are scaled down to it.
        assert_eq!(
            allocate(&[1.0, 1.0], &[100.0, 100.0], 100.0),
            vec![50.0, 50.0]
        );
    }

    #[test]
    fn odd_weights_still_give_usable_columns() {
        let table = Table {
            columns: vec![
                Column::new("A", f32::MAX),
                Column::new("B", f32::MAX / 2.0),
                Column::new("C", f32::NAN),
                Column::new("D", -1.0),
            ],
            rows: vec![cells(&["a", "b", "c", "d"])],
        };
        let widths = Grid::new(&table).widths;
        let sum: f32 = widths.iter().sum();
        assert!((sum - BODY_W).abs() < 0.01, "{widths:?}");
        assert!((widths[0] - 2.0 * widths[1]).abs() < 0.01, "{widths:?}");
        // NaN and -1 count as 1.0, which beside f32::MAX is nothing; rendering still works.
        assert!(
            widths.iter().all(|w| w.is_finite() && *w >= 0.0),
            "{widths:?}"
        );
        let d = doc(vec![section("Odd", vec![Block::Table(table)])]);
        assert_eq!(count_shown(&pages(&d), "c"), 1);
        render(&d).unwrap();
    }

    #[test]
    fn header_words_are_not_broken_when_the_page_has_room() {
        let mut columns = vec![Column::new("Applicable", 0.6)];
        columns.extend((0..5).map(|i| Column::new(format!("C{i}"), 3.0)));
        let table = Table {
            columns,
            rows: vec![cells(&["implemented"])],
        };
        let laid = pages(&doc(vec![section("Wide", vec![Block::Table(table)])]));
        assert_eq!(count_shown(&laid, "Applicable"), 1);
        assert_eq!(count_shown(&laid, "implemented"), 1);
    }

    #[test]
    fn truncate_adds_an_ellipsis_only_when_cutting() {
        assert_eq!(truncate("short", BODY, 100.0), "short");
        let cut = truncate(&"long ".repeat(50), BODY, 100.0);
        assert!(BODY.width(&cut) <= 100.0);
        assert!(cut.ends_with(ELLIPSIS));
    }

    #[test]
    fn dates_become_pdf_dates() {
        assert_eq!(
            stamp("2025-03-01"),
            Some(Stamp {
                date: (2025, 3, 1),
                time: None,
                offset: None
            })
        );
        assert_eq!(
            stamp("2025-03-01T09:30:00.123456Z"),
            Some(Stamp {
                date: (2025, 3, 1),
                time: Some((9, 30, 0)),
                offset: Some((0, 0))
            })
        );
        assert_eq!(
            stamp("2025-03-01 09:30-02:30").map(|s| s.offset),
            Some(Some((-2, 30)))
        );
        for bad in [
            "",
            "yesterday",
            "2025-13-01",
            "2025-03-01T25:00:00Z",
            "2025-03-01Tx",
        ] {
            assert_eq!(stamp(bad), None, "{bad}");
        }
        let pdf = render(&doc(Vec::new())).unwrap();
        assert!(find(&pdf, b"D:20250301093000Z").is_some());
    }
}
