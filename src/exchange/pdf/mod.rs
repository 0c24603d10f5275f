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
mod table;
mod write;

use table::lay_table;

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
mod tests;
