//! Native PDF rendering of the reports Annex hands to auditors (the Statement of
//! Applicability first): a cover page, a clickable table of contents, then sections of
//! paragraphs and word-wrapped tables on A4 landscape pages, each page after the cover with
//! a running header and a "Page X of Y" footer, plus a bookmark per section.
//!
//! Why by hand: the document is simple enough that plain PDF 1.4 syntax (objects, an xref
//! table with byte offsets, uncompressed content streams) is a few hundred lines, and it
//! keeps the export free of LaTeX, browsers, external programs and font files. The standard
//! Helvetica fonts are referenced, not embedded (every viewer has them), so text is encoded
//! as Windows-1252 (`WinAnsiEncoding`); characters outside it print as `?`.
//!
//! Layout runs fully before anything is written, because every footer needs the total page
//! count and the table of contents needs the page each section starts on. The sections are
//! laid out first: their page numbers depend only on how many contents pages precede them,
//! and that follows from the number of sections (one contents line per section, a fixed
//! number of lines per page). Nothing reads the clock or iterates a hash map, so the same
//! [`Document`] always renders to the same bytes.

use std::ops::Range;

use encoding_rs::{EncoderResult, WINDOWS_1252};

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
pub fn render(doc: &Document) -> Vec<u8> {
    let toc_pages = toc_page_count(doc.sections.len());
    // Cover and contents pages come first; page indexes here are 0-based.
    let first_section_page = 1 + toc_pages;
    let (section_pages, starts) = layout_sections(&doc.sections, first_section_page);

    let mut pages = Vec::with_capacity(first_section_page + section_pages.len());
    pages.push(cover_page(doc));
    pages.extend(toc(&doc.sections, &starts));
    pages.extend(section_pages);
    decorate(&mut pages, &encode(&doc.header));
    write_pdf(doc, &pages, &starts)
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
#[derive(Debug, Clone, Copy)]
struct Style {
    font: Font,
    size: f32,
    leading: f32,
}

impl Style {
    const fn new(font: Font, size: f32, leading: f32) -> Style {
        Style {
            font,
            size,
            leading,
        }
    }

    /// Distance from the top of a line box to the baseline, centring Helvetica's ascender
    /// (about 0.72 em) and descender (about 0.21 em) in the leading.
    fn baseline_offset(self) -> f32 {
        (self.leading - self.size) / 2.0 + 0.75 * self.size
    }

    fn width(self, text: &[u8]) -> f32 {
        self.font.units(text) as f32 * self.size / 1000.0
    }
}

const TITLE: Style = Style::new(Font::Bold, 30.0, 36.0);
const SUBTITLE: Style = Style::new(Font::Regular, 16.0, 21.0);
const COVER_KEY: Style = Style::new(Font::Bold, 10.5, 16.0);
const COVER_VALUE: Style = Style::new(Font::Regular, 10.5, 16.0);
const HEADING: Style = Style::new(Font::Bold, 16.0, 20.0);
const BODY: Style = Style::new(Font::Regular, 10.0, 13.5);
const TOC_ENTRY: Style = Style::new(Font::Regular, 11.0, 20.0);
const CELL: Style = Style::new(Font::Regular, 7.5, 9.0);
const CELL_HEAD: Style = Style::new(Font::Bold, 7.5, 9.0);
const RUNNING: Style = Style::new(Font::Regular, 8.0, 10.0);

// ---------------------------------------------------------------------------------------
// Fonts and text measuring.

/// The two standard fonts used; they need no embedding.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    /// Name of the font in each page's resources.
    fn resource(self) -> &'static [u8] {
        match self {
            Font::Regular => b"/F1",
            Font::Bold => b"/F2",
        }
    }

    /// Advance width of a WinAnsi code in 1/1000 em (0 for control codes).
    fn advance(self, code: u8) -> u32 {
        let table = match self {
            Font::Regular => &HELVETICA,
            Font::Bold => &HELVETICA_BOLD,
        };
        code.checked_sub(32)
            .map_or(0, |i| u32::from(table[usize::from(i)]))
    }

    /// Width of a WinAnsi string in 1/1000 em.
    fn units(self, text: &[u8]) -> u32 {
        text.iter().map(|&b| self.advance(b)).sum()
    }
}

/// Helvetica advance widths (Adobe AFM, 1/1000 em) for WinAnsi codes 32..=255, 16 a line.
/// Codes WinAnsi leaves undefined (127, 129, 141, 143, 144, 157) are 0: [`encode`] never
/// produces them.
#[rustfmt::skip]
const HELVETICA: [u16; 224] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // 32
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 48
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // 64
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // 80
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // 96
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, 0,   // 112
    556, 0, 222, 556, 333, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,    // 128
    0, 222, 222, 333, 333, 350, 556, 1000, 333, 1000, 500, 333, 944, 0, 500, 667,   // 144
    278, 333, 556, 556, 556, 556, 260, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 160
    400, 584, 333, 333, 333, 556, 537, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 176
    667, 667, 667, 667, 667, 667, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 192
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 208
    556, 556, 556, 556, 556, 556, 889, 500, 556, 556, 556, 556, 278, 278, 278, 278, // 224
    556, 556, 556, 556, 556, 556, 556, 584, 611, 556, 556, 556, 556, 500, 556, 500, // 240
];

/// Helvetica-Bold advance widths, laid out like [`HELVETICA`].
#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 224] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278, // 32
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611, // 48
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778, // 64
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556, // 80
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611, // 96
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584, 0,   // 112
    556, 0, 278, 556, 500, 1000, 556, 556, 333, 1000, 667, 333, 1000, 0, 611, 0,    // 128
    0, 278, 278, 500, 500, 350, 556, 1000, 333, 1000, 556, 333, 944, 0, 500, 667,   // 144
    278, 333, 556, 556, 556, 556, 280, 556, 333, 737, 370, 556, 584, 333, 737, 333, // 160
    400, 584, 333, 333, 333, 611, 556, 278, 333, 333, 365, 556, 834, 834, 834, 611, // 176
    722, 722, 722, 722, 722, 722, 1000, 722, 667, 667, 667, 667, 278, 278, 278, 278, // 192
    722, 722, 778, 778, 778, 778, 778, 584, 778, 722, 722, 722, 722, 667, 667, 611, // 208
    556, 556, 556, 556, 556, 556, 889, 556, 556, 556, 556, 556, 278, 278, 278, 278, // 224
    611, 611, 611, 611, 611, 611, 611, 584, 611, 611, 611, 611, 611, 556, 611, 556, // 240
];

/// The ellipsis in WinAnsi, used where a line is cut to fit.
const ELLIPSIS: u8 = 0x85;

/// Encodes text as WinAnsi (Windows-1252) bytes, the encoding the fonts are declared with.
/// Characters outside it become `?`; a tab becomes a space; `\n` is kept (it separates
/// lines) and other control characters, which have no glyph, are dropped.
fn encode(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut encoder = WINDOWS_1252.new_encoder();
    let mut rest = text;
    loop {
        // Every character takes at most one byte, so this room is always enough.
        out.reserve(rest.len() + 1);
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(rest, &mut out, true);
        rest = &rest[read..];
        match result {
            EncoderResult::InputEmpty => break,
            EncoderResult::OutputFull => {}
            EncoderResult::Unmappable(_) => out.push(b'?'),
        }
    }
    out.retain_mut(|b| match *b {
        b'\t' => {
            *b = b' ';
            true
        }
        b'\n' => true,
        0..=31 | 0x7f => false,
        // C1 controls that encoding_rs passes through but WinAnsi has no glyph for.
        0x81 | 0x8d | 0x8f | 0x90 | 0x9d => {
            *b = b'?';
            true
        }
        _ => true,
    });
    out
}

/// Breaks text into lines no wider than `max` points: at spaces where possible, inside a
/// word that is wider than the line by itself, and always at `\n`. Runs of spaces collapse.
/// Every line but an empty paragraph's holds at least one character, so the result is finite
/// even for a width of zero.
fn wrap(text: &[u8], style: Style, max: f32) -> Vec<Vec<u8>> {
    let limit = max.max(0.0) * 1000.0 / style.size;
    let fits = |units: u32| units as f32 <= limit + 0.01;
    let font = style.font;
    let space = font.advance(b' ');
    let mut lines = Vec::new();
    for paragraph in text.split(|&b| b == b'\n') {
        let mut line: Vec<u8> = Vec::new();
        let mut line_units = 0;
        for word in paragraph.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
            let units = font.units(word);
            if !line.is_empty() {
                if fits(line_units + space + units) {
                    line.push(b' ');
                    line.extend_from_slice(word);
                    line_units += space + units;
                    continue;
                }
                lines.push(std::mem::take(&mut line));
                line_units = 0;
            }
            if fits(units) {
                line.extend_from_slice(word);
                line_units = units;
                continue;
            }
            for &b in word {
                let advance = font.advance(b);
                if !line.is_empty() && !fits(line_units + advance) {
                    lines.push(std::mem::take(&mut line));
                    line_units = 0;
                }
                line.push(b);
                line_units += advance;
            }
        }
        lines.push(line);
    }
    lines
}

/// Encodes and trims text, then wraps it.
fn wrap_str(text: &str, style: Style, max: f32) -> Vec<Vec<u8>> {
    wrap(&encode(text.trim()), style, max)
}

/// Cuts a single line to `max` points, ending it with an ellipsis when something was cut.
fn truncate(text: &[u8], style: Style, max: f32) -> Vec<u8> {
    let line: Vec<u8> = text
        .iter()
        .map(|&b| if b == b'\n' { b' ' } else { b })
        .collect();
    if style.width(&line) <= max {
        return line;
    }
    let limit = (max * 1000.0 / style.size) as u32;
    let mut units = style.font.advance(ELLIPSIS);
    let mut cut = Vec::with_capacity(line.len());
    for &b in &line {
        units += style.font.advance(b);
        if units > limit {
            break;
        }
        cut.push(b);
    }
    while cut.last() == Some(&b' ') {
        cut.pop();
    }
    cut.push(ELLIPSIS);
    cut
}

// ---------------------------------------------------------------------------------------
// Pages and their drawing operations.

/// A laid-out page: its content stream so far and its links.
#[derive(Debug, Default)]
struct Page {
    content: Vec<u8>,
    links: Vec<Link>,
    /// Text at the right of the running header: the section's title, or "Contents".
    label: Vec<u8>,
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
    fn new(label: Vec<u8>) -> Page {
        Page {
            label,
            ..Page::default()
        }
    }

    fn ops(&mut self, parts: &[&[u8]]) {
        for part in parts {
            self.content.extend_from_slice(part);
        }
    }

    fn num(&mut self, value: f32) {
        push_num(&mut self.content, value);
        self.content.push(b' ');
    }

    fn fill_color(&mut self, (r, g, b): Rgb) {
        self.num(r);
        self.num(g);
        self.num(b);
        self.ops(&[b"rg "]);
    }

    fn stroke_color(&mut self, (r, g, b): Rgb) {
        self.num(r);
        self.num(g);
        self.num(b);
        self.ops(&[b"RG "]);
    }

    /// Shows one line of WinAnsi text with its baseline starting at (x, y).
    fn text(&mut self, x: f32, y: f32, style: Style, color: Rgb, text: &[u8]) {
        if text.is_empty() {
            return;
        }
        self.ops(&[b"BT ", style.font.resource(), b" "]);
        self.num(style.size);
        self.ops(&[b"Tf "]);
        self.fill_color(color);
        self.num(x);
        self.num(y);
        self.ops(&[b"Td "]);
        push_literal(&mut self.content, text);
        self.ops(&[b" Tj ET\n"]);
    }

    /// Shows a line so that it ends at x.
    fn text_right(&mut self, x: f32, y: f32, style: Style, color: Rgb, text: &[u8]) {
        self.text(x - style.width(text), y, style, color, text);
    }

    fn fill_rect(&mut self, x: f32, y: f32, w: f32, h: f32, color: Rgb) {
        self.ops(&[b"q "]);
        self.fill_color(color);
        self.rect_path(x, y, w, h);
        self.ops(&[b"f Q\n"]);
    }

    fn rect_path(&mut self, x: f32, y: f32, w: f32, h: f32) {
        self.num(x);
        self.num(y);
        self.num(w);
        self.num(h);
        self.ops(&[b"re "]);
    }

    fn line_path(&mut self, x1: f32, y1: f32, x2: f32, y2: f32) {
        self.num(x1);
        self.num(y1);
        self.ops(&[b"m "]);
        self.num(x2);
        self.num(y2);
        self.ops(&[b"l "]);
    }

    /// Starts a stroked path with the given line width and colour; end it with `end_stroke`.
    fn begin_stroke(&mut self, width: f32, color: Rgb) {
        self.ops(&[b"q "]);
        self.num(width);
        self.ops(&[b"w "]);
        self.stroke_color(color);
    }

    fn end_stroke(&mut self) {
        self.ops(&[b"S Q\n"]);
    }

    fn hline(&mut self, x1: f32, x2: f32, y: f32, width: f32, color: Rgb) {
        self.begin_stroke(width, color);
        self.line_path(x1, y, x2, y);
        self.end_stroke();
    }

    /// A row of round dots, as leaders between a contents entry and its page number.
    fn dots(&mut self, x1: f32, x2: f32, y: f32) {
        self.begin_stroke(0.9, MUTED);
        self.ops(&[b"1 J [0 3] 0 d "]);
        self.line_path(x1, y, x2, y);
        self.end_stroke();
    }
}

/// Writes a number with at most two decimals and no exponent, as PDF requires.
fn push_num(out: &mut Vec<u8>, value: f32) {
    let hundredths = if value.is_finite() {
        (f64::from(value) * 100.0).round() as i64
    } else {
        0
    };
    if hundredths < 0 {
        out.push(b'-');
    }
    let abs = hundredths.unsigned_abs();
    out.extend_from_slice((abs / 100).to_string().as_bytes());
    let frac = abs % 100;
    if frac != 0 {
        out.push(b'.');
        out.push(b'0' + (frac / 10) as u8);
        if frac % 10 != 0 {
            out.push(b'0' + (frac % 10) as u8);
        }
    }
}

/// Writes bytes as a PDF literal string, escaping what would end or alter it.
fn push_literal(out: &mut Vec<u8>, text: &[u8]) {
    out.push(b'(');
    for &b in text {
        match b {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            _ => out.push(b),
        }
    }
    out.push(b')');
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
    fn new(label: Vec<u8>) -> Flow {
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
    fn lines(&mut self, lines: &[Vec<u8>], style: Style, color: Rgb) {
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
        let mut flow = Flow::new(encode(&section.title));
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
    let units = encode(text)
        .split(|&b| b == b' ' || b == b'\n')
        .map(|word| style.font.units(word))
        .max()
        .unwrap_or(0);
    units as f32 * style.size / 1000.0
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
    cells: Vec<Vec<Vec<u8>>>,
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
        let cells: Vec<Vec<Vec<u8>>> = texts
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
    page.begin_stroke(0.4, GRID);
    page.rect_path(MARGIN_X, bottom, BODY_W, height);
    for &left in grid.lefts.iter().skip(1) {
        page.line_path(left, bottom, left, top);
    }
    page.end_stroke();
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
    let mut page = Page::new(Vec::new());
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

    let keys: Vec<Vec<u8>> = doc.cover.iter().map(|(k, _)| encode(k.trim())).collect();
    let key_w = keys
        .iter()
        .map(|k| COVER_KEY.width(k))
        .fold(0.0, f32::max)
        .min(width * 0.3)
        + 18.0;
    for (key, (_, value)) in keys.iter().zip(&doc.cover) {
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
    let mut flow = Flow::new(encode(TOC_TITLE));
    flow.heading(TOC_TITLE);
    let right = PAGE_W - MARGIN_X;
    for &(section, target) in entries {
        let number = (target + 1).to_string().into_bytes();
        let number_w = TOC_ENTRY.width(&number);
        let title = truncate(
            &encode(section.title.trim()),
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
fn decorate(pages: &mut [Page], header: &[u8]) {
    let total = pages.len();
    let right = PAGE_W - MARGIN_X;
    let left_text = truncate(header, RUNNING, BODY_W * 0.55);
    for (i, page) in pages.iter_mut().enumerate().skip(1) {
        let label = truncate(&std::mem::take(&mut page.label), RUNNING, BODY_W * 0.42);
        page.text(MARGIN_X, HEADER_BASELINE, RUNNING, MUTED, &left_text);
        page.text_right(right, HEADER_BASELINE, RUNNING, MUTED, &label);
        page.hline(MARGIN_X, right, HEADER_RULE, 0.5, RULE);
        page.hline(MARGIN_X, right, FOOTER_RULE, 0.5, RULE);
        let footer = format!("Page {} of {}", i + 1, total).into_bytes();
        page.text_right(right, FOOTER_BASELINE, RUNNING, MUTED, &footer);
    }
}

// ---------------------------------------------------------------------------------------
// The file: objects, xref table, trailer.

const CATALOG: usize = 1;
const PAGES: usize = 2;
const FONT_REGULAR: usize = 3;
const FONT_BOLD: usize = 4;
const INFO: usize = 5;
const OUTLINES: usize = 6;
const FIRST_PAGE: usize = 7;

/// Collects objects with their byte offsets for the xref table.
struct Writer {
    out: Vec<u8>,
    /// Offset of object `n` at index `n - 1`.
    offsets: Vec<usize>,
}

impl Writer {
    fn new(capacity: usize) -> Writer {
        let mut out = Vec::with_capacity(capacity);
        // The comment with bytes above 127 tells transfer tools the file is binary.
        out.extend_from_slice(b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n");
        Writer {
            out,
            offsets: Vec::new(),
        }
    }

    /// Starts object `id`; objects must be written in order 1, 2, 3, ...
    fn begin(&mut self, id: usize) {
        debug_assert_eq!(id, self.offsets.len() + 1, "objects are written in order");
        self.offsets.push(self.out.len());
        self.raw(format!("{id} 0 obj\n").as_bytes());
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.out.extend_from_slice(bytes);
    }

    fn object(&mut self, id: usize, body: &[u8]) {
        self.begin(id);
        self.raw(body);
        self.raw(b"\nendobj\n");
    }

    fn stream(&mut self, id: usize, data: &[u8]) {
        self.begin(id);
        self.raw(format!("<< /Length {} >>\nstream\n", data.len()).as_bytes());
        self.raw(data);
        self.raw(b"\nendstream\nendobj\n");
    }

    /// Writes the xref table (entries of exactly 20 bytes) and the trailer.
    fn finish(mut self) -> Vec<u8> {
        let xref = self.out.len();
        let size = self.offsets.len() + 1;
        let mut table = format!("xref\n0 {size}\n0000000000 65535 f \n");
        for offset in &self.offsets {
            table.push_str(&format!("{offset:010} 00000 n \n"));
        }
        table.push_str(&format!(
            "trailer\n<< /Size {size} /Root {CATALOG} 0 R /Info {INFO} 0 R >>\nstartxref\n{xref}\n%%EOF\n"
        ));
        self.raw(table.as_bytes());
        self.out
    }
}

fn write_pdf(doc: &Document, pages: &[Page], starts: &[usize]) -> Vec<u8> {
    let page_id = |i: usize| FIRST_PAGE + 2 * i;
    let mut next = FIRST_PAGE + 2 * pages.len();
    let mut annot_ids = Vec::with_capacity(pages.len());
    for page in pages {
        annot_ids.push(next..next + page.links.len());
        next += page.links.len();
    }
    let first_outline = next;

    let content_size: usize = pages.iter().map(|p| p.content.len() + 400).sum();
    let mut w = Writer::new(content_size + 4096);
    let outlines = if starts.is_empty() {
        String::new()
    } else {
        format!(" /Outlines {OUTLINES} 0 R /PageMode /UseOutlines")
    };
    w.object(
        CATALOG,
        format!("<< /Type /Catalog /Pages {PAGES} 0 R{outlines} >>").as_bytes(),
    );
    let kids: Vec<String> = (0..pages.len())
        .map(|i| format!("{} 0 R", page_id(i)))
        .collect();
    w.object(
        PAGES,
        format!(
            "<< /Type /Pages /Kids [{}] /Count {} >>",
            kids.join(" "),
            pages.len()
        )
        .as_bytes(),
    );
    w.object(FONT_REGULAR, font_dict("Helvetica").as_bytes());
    w.object(FONT_BOLD, font_dict("Helvetica-Bold").as_bytes());
    w.object(INFO, &info_dict(doc));
    w.object(OUTLINES, &outline_root(starts.len(), first_outline));

    for (i, page) in pages.iter().enumerate() {
        let annots: Vec<String> = annot_ids[i].clone().map(|id| format!("{id} 0 R")).collect();
        let annots = if annots.is_empty() {
            String::new()
        } else {
            format!(" /Annots [{}]", annots.join(" "))
        };
        w.object(
            page_id(i),
            format!(
                "<< /Type /Page /Parent {PAGES} 0 R /MediaBox [0 0 {PAGE_W} {PAGE_H}] \
                 /Resources << /Font << /F1 {FONT_REGULAR} 0 R /F2 {FONT_BOLD} 0 R >> \
                 /ProcSet [/PDF /Text] >> /Contents {} 0 R{annots} >>",
                page_id(i) + 1
            )
            .as_bytes(),
        );
        w.stream(page_id(i) + 1, &page.content);
    }
    for (i, page) in pages.iter().enumerate() {
        for (link, id) in page.links.iter().zip(annot_ids[i].clone()) {
            let mut body = b"<< /Type /Annot /Subtype /Link /Rect [".to_vec();
            for (k, v) in link.rect.iter().enumerate() {
                if k > 0 {
                    body.push(b' ');
                }
                push_num(&mut body, *v);
            }
            body.extend_from_slice(
                format!(
                    "] /Border [0 0 0] /Dest {} >>",
                    destination(page_id(link.target))
                )
                .as_bytes(),
            );
            w.object(id, &body);
        }
    }
    for (k, (section, &start)) in doc.sections.iter().zip(starts).enumerate() {
        let id = first_outline + k;
        let mut body = format!(
            "<< /Title {} /Parent {OUTLINES} 0 R /Dest {}",
            text_string(section.title.trim()),
            destination(page_id(start))
        );
        if k > 0 {
            body.push_str(&format!(" /Prev {} 0 R", id - 1));
        }
        if k + 1 < starts.len() {
            body.push_str(&format!(" /Next {} 0 R", id + 1));
        }
        body.push_str(" >>");
        w.object(id, body.as_bytes());
    }
    w.finish()
}

fn font_dict(name: &str) -> String {
    format!("<< /Type /Font /Subtype /Type1 /BaseFont /{name} /Encoding /WinAnsiEncoding >>")
}

/// A jump to the top left of a page, keeping the viewer's zoom.
fn destination(page_id: usize) -> String {
    format!("[{page_id} 0 R /XYZ 0 {PAGE_H} null]")
}

fn outline_root(count: usize, first: usize) -> Vec<u8> {
    if count == 0 {
        return b"<< /Type /Outlines /Count 0 >>".to_vec();
    }
    format!(
        "<< /Type /Outlines /First {first} 0 R /Last {} 0 R /Count {count} >>",
        first + count - 1
    )
    .into_bytes()
}

fn info_dict(doc: &Document) -> Vec<u8> {
    let mut info = format!(
        "<< /Title {} /Subject {} /Producer (Annex) /Creator (Annex)",
        text_string(doc.title.trim()),
        text_string(doc.subtitle.trim())
    );
    if let Some(date) = pdf_date(&doc.generated_at) {
        info.push_str(&format!(" /CreationDate ({date}) /ModDate ({date})"));
    }
    info.push_str(" >>");
    info.into_bytes()
}

/// A PDF text string outside content streams (metadata, bookmarks): UTF-16BE with a byte
/// order mark, as hex, so any character survives and nothing needs escaping.
fn text_string(text: &str) -> String {
    let mut out = String::with_capacity(6 + 4 * text.len());
    out.push_str("<FEFF");
    for unit in text.encode_utf16() {
        out.push_str(&format!("{unit:04X}"));
    }
    out.push('>');
    out
}

/// Converts `YYYY-MM-DD[THH:MM[:SS][.fff][Z|+HH:MM|-HH:MM]]` to a PDF date
/// (`D:YYYYMMDDHHmmSS+HH'mm'`); `None` for anything else.
fn pdf_date(text: &str) -> Option<String> {
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
    let year = digits(0..4)?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    if !at(4, b"-") || !at(7, b"-") || !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    let mut out = format!("D:{year:04}{month:02}{day:02}");
    if s.len() == 10 {
        return Some(out);
    }
    let hour = digits(11..13)?;
    let minute = digits(14..16)?;
    if !at(10, b"Tt ") || !at(13, b":") || hour > 23 || minute > 59 {
        return None;
    }
    let mut i = 16;
    let mut second = 0;
    if at(i, b":") {
        second = digits(17..19)?;
        if second > 60 {
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
    out.push_str(&format!("{hour:02}{minute:02}{second:02}"));
    match s.get(i) {
        None => {}
        Some(b'Z' | b'z') if s.len() == i + 1 => out.push('Z'),
        Some(&sign @ (b'+' | b'-')) => {
            let off_h = digits(i + 1..i + 3)?;
            let off_m = digits(i + 4..i + 6)?;
            if !at(i + 3, b":") || s.len() != i + 6 || off_h > 23 || off_m > 59 {
                return None;
            }
            out.push_str(&format!("{}{off_h:02}'{off_m:02}'", char::from(sign)));
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

    /// Page content streams in page order (the writer puts them in that order and writes no
    /// other stream).
    fn streams(pdf: &[u8]) -> Vec<&[u8]> {
        let mut out = Vec::new();
        let mut at = 0;
        while let Some(found) = find(&pdf[at..], b"/Length ") {
            let start = at + found + b"/Length ".len();
            let digits: Vec<u8> = pdf[start..]
                .iter()
                .copied()
                .take_while(u8::is_ascii_digit)
                .collect();
            let length: usize = String::from_utf8_lossy(&digits).parse().unwrap();
            let data = start + find(&pdf[start..], b"stream\n").unwrap() + b"stream\n".len();
            out.push(&pdf[data..data + length]);
            at = data + length;
        }
        out
    }

    /// The strings shown on each page, unescaped, decoded as Latin-1.
    fn page_texts(pdf: &[u8]) -> Vec<Vec<String>> {
        streams(pdf).into_iter().map(shown).collect()
    }

    fn shown(content: &[u8]) -> Vec<String> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < content.len() {
            if content[i] != b'(' {
                i += 1;
                continue;
            }
            let mut text = String::new();
            i += 1;
            while content[i] != b')' {
                if content[i] == b'\\' {
                    i += 1;
                }
                text.push(char::from(content[i]));
                i += 1;
            }
            out.push(text);
            i += 1;
        }
        out
    }

    fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
        hay.windows(needle.len()).position(|w| w == needle)
    }

    fn count(hay: &[u8], needle: &[u8]) -> usize {
        hay.windows(needle.len()).filter(|w| *w == needle).count()
    }

    fn page_count(pdf: &[u8]) -> usize {
        count(pdf, b"/Type /Page ")
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
        let pdf = render(&doc(vec![
            section("Introduction", vec![Block::Paragraph("Hello.".into())]),
            section("Controls", vec![Block::Paragraph("World.".into())]),
        ]));
        assert_eq!(page_count(&pdf), 4);
        assert!(find(&pdf, b"/Count 4").is_some());
        let texts = page_texts(&pdf);
        assert!(texts[0].contains(&"Statement of Applicability".to_string()));
        assert!(
            texts[0].iter().all(|t| !t.starts_with("Page ")),
            "no footer on the cover"
        );
        assert!(texts[3].contains(&"Page 4 of 4".to_string()));
        assert!(texts[1].contains(&"Contents".to_string()));
    }

    #[test]
    fn long_table_spans_pages_with_the_header_on_each() {
        let pdf = render(&doc(vec![section(
            "Statement of Applicability",
            vec![Block::Table(soa_table(93))],
        )]));
        let pages = page_count(&pdf);
        let table_pages = pages - 2;
        assert!(
            table_pages > 3,
            "93 rows take several pages, got {table_pages}"
        );
        assert_eq!(count(&pdf, b"(Justification) Tj"), table_pages);
        assert_eq!(count(&pdf, b"(Control) Tj"), table_pages);
        let texts = page_texts(&pdf).concat();
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
        let pdf = render(&doc(vec![section("Big", vec![Block::Table(table)])]));
        assert!(page_count(&pdf) >= 2 + 3, "the row needs several pages");
        let shown: Vec<String> = page_texts(&pdf).concat();
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
        let pdf = render(&doc(vec![section("Narrow", vec![Block::Table(table)])]));
        let total: usize = page_texts(&pdf)
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
        let pdf = render(&doc(sections));
        let pages = page_texts(&pdf);
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
    fn contents_links_point_at_the_section_pages() {
        let pdf = render(&doc(vec![
            section("One", vec![Block::Paragraph("a".into())]),
            section("Two", vec![Block::Paragraph("b".into())]),
        ]));
        // Pages 0..4 are objects 7, 9, 11, 13; "Two" starts on the fourth page.
        assert_eq!(count(&pdf, b"/Subtype /Link"), 2);
        assert!(find(&pdf, b"/Dest [11 0 R /XYZ 0 595 null] >>").is_some());
        assert!(find(&pdf, b"/Dest [13 0 R /XYZ 0 595 null] >>").is_some());
        assert!(find(&pdf, b"/Type /Outlines /First").is_some());
    }

    #[test]
    fn strings_are_escaped() {
        let pdf = render(&doc(vec![section(
            "Esc",
            vec![Block::Paragraph(r"a (b) c\d ((".into())],
        )]));
        assert!(find(&pdf, br"(a \(b\) c\\d \(\() Tj").is_some());
    }

    #[test]
    fn characters_outside_winansi_become_question_marks() {
        let text = "Łódź 中文 😀 café – €5";
        assert_eq!(encode(text), b"?\xF3d? ?? ? caf\xE9 \x96 \x805");
        assert_eq!(encode("a\tb\u{1}c\r\n\u{81}"), b"a bc\n?");
        let pdf = render(&doc(vec![section(
            text,
            vec![Block::Paragraph(text.into())],
        )]));
        assert!(find(&pdf, b"(?\xF3d? ?? ? caf\xE9 \x96 \x805) Tj").is_some());
        // Metadata keeps the real characters.
        assert!(find(&pdf, b"/Title <FEFF0141").is_some());
    }

    #[test]
    fn xref_offsets_point_at_their_objects() {
        let pdf = render(&doc(vec![
            section("A", vec![Block::Table(soa_table(10))]),
            section("B", vec![Block::Paragraph("x".into())]),
        ]));
        assert!(pdf.ends_with(b"%%EOF\n"));
        let tail = &pdf[pdf.len() - 40..];
        let at = find(tail, b"startxref\n").unwrap() + b"startxref\n".len();
        let xref: usize = String::from_utf8_lossy(&tail[at..])
            .lines()
            .next()
            .unwrap()
            .parse()
            .unwrap();
        let table = String::from_utf8_lossy(&pdf[xref..]).into_owned();
        let mut lines = table.lines();
        assert_eq!(lines.next(), Some("xref"));
        let size: usize = lines
            .next()
            .unwrap()
            .strip_prefix("0 ")
            .unwrap()
            .parse()
            .unwrap();
        assert_eq!(lines.next(), Some("0000000000 65535 f "));
        for id in 1..size {
            let line = lines.next().unwrap();
            assert_eq!(line.len(), 19, "20 bytes with the newline");
            let offset: usize = line[..10].parse().unwrap();
            let expected = format!("{id} 0 obj");
            assert!(
                pdf[offset..].starts_with(expected.as_bytes()),
                "object {id}"
            );
        }
        assert_eq!(lines.next(), Some("trailer"));
        let trailer = lines.next().unwrap();
        assert!(trailer.contains(&format!("/Size {size} ")));
        assert!(trailer.contains("/Root 1 0 R") && trailer.contains("/Info 5 0 R"));
    }

    #[test]
    fn rendering_is_deterministic() {
        let d = doc(vec![section("T", vec![Block::Table(soa_table(30))])]);
        assert_eq!(render(&d), render(&d));
    }

    #[test]
    fn empty_document_and_empty_table_render() {
        let pdf = render(&Document::default());
        assert_eq!(page_count(&pdf), 2, "cover and an empty contents page");
        assert!(pdf.ends_with(b"%%EOF\n"));

        let empty = Table {
            columns: vec![Column::new("Control", 1.0), Column::new("Status", 1.0)],
            rows: Vec::new(),
        };
        let blocks = vec![
            Block::Table(empty),
            Block::Paragraph("No controls.".into()),
            Block::Table(Table::default()),
        ];
        let pdf = render(&doc(vec![section("Empty", blocks)]));
        assert_eq!(page_count(&pdf), 3);
        assert_eq!(count(&pdf, b"(Control) Tj"), 1);
        assert_eq!(count(&pdf, b"(No controls.) Tj"), 1);
    }

    #[test]
    fn wrap_breaks_at_spaces_newlines_and_inside_long_words() {
        let style = CELL;
        let lines = wrap(b"aaa bbb ccc", style, style.width(b"aaa bbb"));
        assert_eq!(lines, vec![b"aaa bbb".to_vec(), b"ccc".to_vec()]);
        let lines = wrap(b"one\n\ntwo", style, 500.0);
        assert_eq!(lines, vec![b"one".to_vec(), Vec::new(), b"two".to_vec()]);
        let lines = wrap(b"abcdefgh", style, style.width(b"abc"));
        assert_eq!(
            lines,
            vec![b"abc".to_vec(), b"def".to_vec(), b"gh".to_vec()]
        );
        assert_eq!(wrap(b"ab", style, 0.0), vec![b"a".to_vec(), b"b".to_vec()]);
        assert_eq!(wrap(b"", style, 10.0), vec![Vec::<u8>::new()]);
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
        let pdf = render(&doc(vec![section("Odd", vec![Block::Table(table)])]));
        assert!(find(&pdf, b"(c) Tj").is_some());
    }

    #[test]
    fn header_words_are_not_broken_when_the_page_has_room() {
        let mut columns = vec![Column::new("Applicable", 0.6)];
        columns.extend((0..5).map(|i| Column::new(format!("C{i}"), 3.0)));
        let table = Table {
            columns,
            rows: vec![cells(&["implemented"])],
        };
        let pdf = render(&doc(vec![section("Wide", vec![Block::Table(table)])]));
        assert!(find(&pdf, b"(Applicable) Tj").is_some());
        assert!(find(&pdf, b"(implemented) Tj").is_some());
    }

    #[test]
    fn truncate_adds_an_ellipsis_only_when_cutting() {
        assert_eq!(truncate(b"short", BODY, 100.0), b"short");
        let cut = truncate(&b"long ".repeat(50), BODY, 100.0);
        assert!(BODY.width(&cut) <= 100.0);
        assert_eq!(cut.last(), Some(&ELLIPSIS));
    }

    #[test]
    fn dates_become_pdf_dates() {
        assert_eq!(pdf_date("2025-03-01").as_deref(), Some("D:20250301"));
        assert_eq!(
            pdf_date("2025-03-01T09:30:00.123456Z").as_deref(),
            Some("D:20250301093000Z")
        );
        assert_eq!(
            pdf_date("2025-03-01 09:30+02:00").as_deref(),
            Some("D:20250301093000+02'00'")
        );
        for bad in [
            "",
            "yesterday",
            "2025-13-01",
            "2025-03-01T25:00:00Z",
            "2025-03-01Tx",
        ] {
            assert_eq!(pdf_date(bad), None, "{bad}");
        }
        let pdf = render(&doc(Vec::new()));
        assert!(find(&pdf, b"/CreationDate (D:20250301093000Z)").is_some());
    }

    #[test]
    fn numbers_are_written_without_exponents() {
        let mut out = Vec::new();
        for v in [0.0, 1.5, -2.25, 841.999, 0.004, 1e-9] {
            push_num(&mut out, v);
            out.push(b' ');
        }
        assert_eq!(out, b"0 1.5 -2.25 842 0 0 ");
    }
}
