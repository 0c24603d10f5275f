//! Markdown as a Word document (DOCX, through docx-rs): a cover with a title, a subtitle and
//! a table of facts, a running header and footer, then the text with real Word headings
//! (Heading 1–4, so the navigation pane and a table of contents find them), bulleted and
//! numbered lists (Word numbering, each numbered list starting at its own first number),
//! tables, quotes, code, links, bold, italic and strikethrough. Text keeps every script (the
//! file is UTF-8 XML; Word picks the fonts); characters XML cannot hold are left out.

use crate::error::{Error, Result};
use docx_rs::{
    AbstractNumbering, AlignmentType, BreakType, Docx, Footer, Header, Hyperlink, HyperlinkType,
    IndentLevel, Level, LevelJc, LevelOverride, LevelText, NumberFormat, Numbering, NumberingId,
    Paragraph, Run, RunFonts, SpecialIndentType, Start, Style, StyleType, Table, TableCell,
    TableRow,
};

/// What a DOCX export holds.
pub struct DocxDocument<'a> {
    pub title: String,
    /// Under the title on the cover (the organisation).
    pub subtitle: String,
    /// Label and value, in a table on the cover.
    pub cover: Vec<(String, String)>,
    /// At the top of every page.
    pub header: String,
    /// When the file was made, in the footer.
    pub generated_at: String,
    /// The text.
    pub markdown: &'a str,
}

/// Lists nest at most this deep in Word's numbering (deeper items stay at the last level).
const LEVELS: usize = 6;
/// The numbering of bulleted lists; numbered lists get one each from `FIRST_NUMBERED`.
const BULLETS: usize = 1;
const DECIMAL_ABSTRACT: usize = 2;
const FIRST_NUMBERED: usize = 10;
const MONO: &str = "Consolas";

/// Text as XML 1.0 can hold it: control characters other than tab and line breaks, and the
/// two non-characters U+FFFE and U+FFFF, are left out (Word refuses a file that has them).
fn xml_text(s: &str) -> String {
    s.chars()
        .filter(|c| {
            !matches!(*c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}')
        })
        .collect()
}

fn styles(docx: Docx) -> Docx {
    let heading = |level: usize, size: usize| {
        Style::new(format!("Heading{level}"), StyleType::Paragraph)
            .name(format!("heading {level}"))
            .based_on("Normal")
            .next("Normal")
            .q_format(true)
            .bold()
            .size(size)
            .color("1F3A5F")
            .outline_lvl(level - 1)
    };
    docx.add_style(
        Style::new("Title", StyleType::Paragraph)
            .name("Title")
            .based_on("Normal")
            .q_format(true)
            .size(48)
            .bold()
            .color("1F3A5F"),
    )
    .add_style(
        Style::new("Subtitle", StyleType::Paragraph)
            .name("Subtitle")
            .based_on("Normal")
            .q_format(true)
            .size(28)
            .color("555555"),
    )
    .add_style(heading(1, 32))
    .add_style(heading(2, 28))
    .add_style(heading(3, 24))
    .add_style(heading(4, 22))
    .add_style(
        Style::new("Quote", StyleType::Paragraph)
            .name("Quote")
            .based_on("Normal")
            .q_format(true)
            .italic()
            .color("444444")
            .indent(Some(720), None, Some(720), None),
    )
}

fn numbering(docx: Docx) -> Docx {
    let marks = ["•", "◦", "▪", "•", "◦", "▪"];
    let mut bullets = AbstractNumbering::new(BULLETS);
    let mut decimal = AbstractNumbering::new(DECIMAL_ABSTRACT);
    for (level, mark) in marks.iter().enumerate().take(LEVELS) {
        let left = 720 * (level as i32 + 1);
        bullets = bullets.add_level(
            Level::new(
                level,
                Start::new(1),
                NumberFormat::new("bullet"),
                LevelText::new(*mark),
                LevelJc::new("left"),
            )
            .indent(
                Some(left),
                Some(SpecialIndentType::Hanging(360)),
                None,
                None,
            ),
        );
        let text = format!("%{}.", level + 1);
        let format = match level % 3 {
            0 => "decimal",
            1 => "lowerLetter",
            _ => "lowerRoman",
        };
        decimal = decimal.add_level(
            Level::new(
                level,
                Start::new(1),
                NumberFormat::new(format),
                LevelText::new(text),
                LevelJc::new("left"),
            )
            .indent(
                Some(left),
                Some(SpecialIndentType::Hanging(360)),
                None,
                None,
            ),
        );
    }
    docx.add_abstract_numbering(bullets)
        .add_abstract_numbering(decimal)
        .add_numbering(Numbering::new(BULLETS, BULLETS))
}

/// How the inline text being read looks.
#[derive(Default, Clone, Copy)]
struct Marks {
    bold: bool,
    italic: bool,
    strike: bool,
}

/// A table being read: its rows of cells, each cell's paragraph.
struct TableBuild {
    rows: Vec<Vec<Paragraph>>,
    row: Vec<Paragraph>,
    head: bool,
}

/// Walks the Markdown's events into Word paragraphs and tables.
struct Writer {
    docx: Docx,
    /// The paragraph being filled, if any.
    para: Option<Paragraph>,
    /// Whether it has any text yet.
    para_has_text: bool,
    marks: Marks,
    /// Inside a link: its address and the runs of its text.
    link: Option<(String, Vec<Run>)>,
    /// Each open list: its numbering id.
    lists: Vec<usize>,
    next_numbering: usize,
    quote_depth: usize,
    code_block: bool,
    table: Option<TableBuild>,
    heading: Option<usize>,
}

impl Writer {
    fn new(docx: Docx) -> Writer {
        Writer {
            docx,
            para: None,
            para_has_text: false,
            marks: Marks::default(),
            link: None,
            lists: Vec::new(),
            next_numbering: FIRST_NUMBERED,
            quote_depth: 0,
            code_block: false,
            table: None,
            heading: None,
        }
    }

    /// A new paragraph shaped by where the text is (a quote, a heading, code).
    fn start_paragraph(&mut self) {
        self.finish_paragraph();
        let mut p = Paragraph::new();
        if let Some(level) = self.heading {
            p = p.style(&format!("Heading{}", level.min(4))).keep_next(true);
        } else if self.quote_depth > 0 {
            p = p.style("Quote");
        }
        self.para = Some(p);
        self.para_has_text = false;
    }

    /// Puts the paragraph being filled into the document, a table cell or nowhere (empty).
    fn finish_paragraph(&mut self) {
        self.flush_link();
        let Some(p) = self.para.take() else {
            return;
        };
        if let Some(t) = self.table.as_mut() {
            t.row.push(p);
            return;
        }
        if self.para_has_text {
            self.docx = std::mem::take(&mut self.docx).add_paragraph(p);
        }
        self.para_has_text = false;
    }

    fn run(&self, text: &str, code: bool) -> Run {
        let mut r = Run::new().add_text(xml_text(text));
        if self.marks.bold || (self.table.as_ref().is_some_and(|t| t.head)) {
            r = r.bold();
        }
        if self.marks.italic {
            r = r.italic();
        }
        if self.marks.strike {
            r = r.strike();
        }
        if code || self.code_block {
            r = r.fonts(RunFonts::new().ascii(MONO).hi_ansi(MONO)).size(20);
        }
        r
    }

    fn text(&mut self, text: &str, code: bool) {
        if self.para.is_none() {
            self.start_paragraph();
        }
        let run = self.run(text, code);
        if let Some((_, runs)) = self.link.as_mut() {
            runs.push(run);
        } else if let Some(p) = self.para.take() {
            self.para = Some(p.add_run(run));
        }
        self.para_has_text = true;
    }

    fn line_break(&mut self) {
        if let Some(p) = self.para.take() {
            self.para = Some(p.add_run(Run::new().add_break(BreakType::TextWrapping)));
        }
    }

    /// Closes a link: its runs become a hyperlink (an external address) or stay plain text.
    fn flush_link(&mut self) {
        let Some((url, runs)) = self.link.take() else {
            return;
        };
        let Some(mut p) = self.para.take() else {
            return;
        };
        let external =
            url.starts_with("https://") || url.starts_with("http://") || url.starts_with("mailto:");
        if external {
            let mut h = Hyperlink::new(xml_text(&url), HyperlinkType::External);
            for r in runs {
                h = h.add_run(r.color("1F5FA8").underline("single"));
            }
            p = p.add_hyperlink(h);
        } else {
            for r in runs {
                p = p.add_run(r);
            }
        }
        self.para = Some(p);
    }

    fn event(&mut self, event: pulldown_cmark::Event) {
        use pulldown_cmark::{Event, HeadingLevel, Tag, TagEnd};
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                self.heading = Some(match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    _ => 4,
                });
                self.start_paragraph();
            }
            Event::End(TagEnd::Heading(_)) => {
                self.finish_paragraph();
                self.heading = None;
            }
            Event::Start(Tag::Paragraph) => {
                // A list item's first paragraph is the item's own (already numbered).
                let in_fresh_item = self.para.is_some() && !self.para_has_text;
                if !in_fresh_item {
                    self.start_paragraph();
                    if !self.lists.is_empty() && self.table.is_none() {
                        let left = 720 * (self.lists.len().min(LEVELS) as i32);
                        self.para = self
                            .para
                            .take()
                            .map(|p| p.indent(Some(left), None, None, None));
                    }
                }
            }
            Event::End(TagEnd::Paragraph) => self.finish_paragraph(),
            Event::Start(Tag::BlockQuote(_)) => {
                self.finish_paragraph();
                self.quote_depth += 1;
            }
            Event::End(TagEnd::BlockQuote(_)) => {
                self.finish_paragraph();
                self.quote_depth = self.quote_depth.saturating_sub(1);
            }
            Event::Start(Tag::CodeBlock(_)) => {
                self.code_block = true;
                self.start_paragraph();
            }
            Event::End(TagEnd::CodeBlock) => {
                self.finish_paragraph();
                self.code_block = false;
            }
            Event::Start(Tag::List(first)) => {
                self.finish_paragraph();
                let id = match first {
                    None => BULLETS,
                    Some(start) => {
                        let id = self.next_numbering;
                        self.next_numbering += 1;
                        let start = usize::try_from(start).unwrap_or(1).min(1_000_000);
                        self.docx = std::mem::take(&mut self.docx).add_numbering(
                            Numbering::new(id, DECIMAL_ABSTRACT)
                                .overrides(vec![LevelOverride::new(0).start(start)]),
                        );
                        id
                    }
                };
                self.lists.push(id);
            }
            Event::End(TagEnd::List(_)) => {
                self.finish_paragraph();
                self.lists.pop();
            }
            Event::Start(Tag::Item) => {
                self.start_paragraph();
                let level = self.lists.len().clamp(1, LEVELS) - 1;
                let id = self.lists.last().copied().unwrap_or(BULLETS);
                self.para = self
                    .para
                    .take()
                    .map(|p| p.numbering(NumberingId::new(id), IndentLevel::new(level)));
            }
            Event::End(TagEnd::Item) => self.finish_paragraph(),
            Event::Start(Tag::Table(_)) => {
                self.finish_paragraph();
                self.table = Some(TableBuild {
                    rows: Vec::new(),
                    row: Vec::new(),
                    head: false,
                });
            }
            Event::Start(Tag::TableHead) => {
                if let Some(t) = self.table.as_mut() {
                    t.head = true;
                }
            }
            Event::Start(Tag::TableCell) => self.start_paragraph(),
            Event::End(TagEnd::TableCell) => self.finish_paragraph(),
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                if let Some(t) = self.table.as_mut() {
                    let row = std::mem::take(&mut t.row);
                    t.rows.push(row);
                    t.head = false;
                }
            }
            Event::End(TagEnd::Table) => {
                if let Some(t) = self.table.take() {
                    let width = t.rows.iter().map(Vec::len).max().unwrap_or(0);
                    let rows: Vec<TableRow> = t
                        .rows
                        .into_iter()
                        .map(|cells| {
                            let mut cells: Vec<TableCell> = cells
                                .into_iter()
                                .map(|p| TableCell::new().add_paragraph(p))
                                .collect();
                            while cells.len() < width {
                                cells.push(TableCell::new().add_paragraph(Paragraph::new()));
                            }
                            TableRow::new(cells)
                        })
                        .collect();
                    if !rows.is_empty() {
                        self.docx = std::mem::take(&mut self.docx).add_table(Table::new(rows));
                        // Word runs two tables together without a paragraph between them.
                        self.docx = std::mem::take(&mut self.docx).add_paragraph(Paragraph::new());
                    }
                }
            }
            Event::Start(Tag::Emphasis) => self.marks.italic = true,
            Event::End(TagEnd::Emphasis) => self.marks.italic = false,
            Event::Start(Tag::Strong) => self.marks.bold = true,
            Event::End(TagEnd::Strong) => self.marks.bold = false,
            Event::Start(Tag::Strikethrough) => self.marks.strike = true,
            Event::End(TagEnd::Strikethrough) => self.marks.strike = false,
            Event::Start(Tag::Link { dest_url, .. }) => {
                if self.para.is_none() {
                    self.start_paragraph();
                }
                self.flush_link();
                self.link = Some((dest_url.to_string(), Vec::new()));
            }
            Event::End(TagEnd::Link) => self.flush_link(),
            Event::Text(t) => {
                if self.code_block {
                    let mut lines = t.split('\n').peekable();
                    while let Some(line) = lines.next() {
                        if !line.is_empty() {
                            self.text(line, true);
                        }
                        if lines.peek().is_some_and(|next| !next.is_empty()) {
                            self.line_break();
                        }
                    }
                } else {
                    self.text(&t, false);
                }
            }
            Event::Code(t) => self.text(&t, true),
            Event::Html(t) | Event::InlineHtml(t) => self.text(&t, false),
            Event::SoftBreak => self.text(" ", false),
            Event::HardBreak => self.line_break(),
            Event::Rule => {
                self.finish_paragraph();
                self.docx = std::mem::take(&mut self.docx).add_paragraph(
                    Paragraph::new()
                        .add_run(Run::new().add_text("⁂"))
                        .align(AlignmentType::Center),
                );
            }
            Event::TaskListMarker(done) => self.text(if done { "☒ " } else { "☐ " }, false),
            _ => {}
        }
    }
}

/// The document as the bytes of a `.docx` file.
pub fn render(doc: &DocxDocument) -> Result<Vec<u8>> {
    use pulldown_cmark::{Options, Parser};
    let mut docx = numbering(styles(Docx::new()));
    docx = docx
        .header(
            Header::new().add_paragraph(
                Paragraph::new()
                    .add_run(
                        Run::new()
                            .add_text(xml_text(&doc.header))
                            .size(18)
                            .color("666666"),
                    )
                    .align(AlignmentType::Right),
            ),
        )
        .footer(
            Footer::new().add_paragraph(
                Paragraph::new()
                    .add_run(
                        Run::new()
                            .add_text(xml_text(&format!("Made by Annex on {}", doc.generated_at)))
                            .size(16)
                            .color("666666"),
                    )
                    .align(AlignmentType::Left),
            ),
        )
        .add_paragraph(
            Paragraph::new()
                .style("Title")
                .add_run(Run::new().add_text(xml_text(&doc.title))),
        );
    if !doc.subtitle.trim().is_empty() {
        docx = docx.add_paragraph(
            Paragraph::new()
                .style("Subtitle")
                .add_run(Run::new().add_text(xml_text(&doc.subtitle))),
        );
    }
    if !doc.cover.is_empty() {
        let rows = doc
            .cover
            .iter()
            .map(|(label, value)| {
                TableRow::new(vec![
                    TableCell::new().add_paragraph(
                        Paragraph::new().add_run(Run::new().add_text(xml_text(label)).bold()),
                    ),
                    TableCell::new().add_paragraph(
                        Paragraph::new().add_run(Run::new().add_text(xml_text(value))),
                    ),
                ])
            })
            .collect();
        docx = docx.add_table(Table::new(rows).set_grid(vec![2600, 6400]));
    }
    docx = docx.add_paragraph(Paragraph::new().add_run(Run::new().add_break(BreakType::Page)));
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    options.insert(Options::ENABLE_TASKLISTS);
    let mut w = Writer::new(docx);
    for event in Parser::new_ext(doc.markdown, options) {
        w.event(event);
    }
    w.finish_paragraph();
    let mut out = std::io::Cursor::new(Vec::new());
    w.docx
        .build()
        .pack(&mut out)
        .map_err(|e| Error::Internal(anyhow::anyhow!("writing the DOCX file: {e}")))?;
    Ok(out.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The parts of a DOCX file, by name, as text.
    fn parts(bytes: &[u8]) -> std::collections::HashMap<String, String> {
        use std::io::Read;
        let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip file");
        let mut out = std::collections::HashMap::new();
        for i in 0..zip.len() {
            let mut f = zip.by_index(i).expect("a part");
            let mut s = String::new();
            if f.read_to_string(&mut s).is_ok() {
                out.insert(f.name().expect("a part name").to_string(), s);
            }
        }
        out
    }

    #[test]
    fn markdown_becomes_word_headings_lists_tables_and_links_in_every_script() {
        let md = "# Πολιτική ασφάλειας\n\nIntro with **bold**, *italic*, `code` and a [link](https://example.org/a?b=1&c=2).\n\n## Rozsah\n\n- první\n- druhý\n  1. nested one\n  2. nested two\n\n1. Step one\n2. Step two\n\n| Role | 責任 |\n|---|---|\n| Owner | 承認する |\n\n> A quote\n\n```\nline one\nline two\n```\n\nControl \u{1}characters\u{b} are dropped.\n";
        let bytes = render(&DocxDocument {
            title: "Information security policy".into(),
            subtitle: "Ακμή Α.Ε.".into(),
            cover: vec![("SHA-256".into(), "ab".repeat(32))],
            header: "DOC-001, version 2".into(),
            generated_at: "2026-12-04".into(),
            markdown: md,
        })
        .expect("a docx");
        let p = parts(&bytes);
        let body = &p["word/document.xml"];
        for text in [
            "Πολιτική ασφάλειας",
            "Rozsah",
            "první",
            "nested one",
            "承認する",
            "line one",
            "Ακμή Α.Ε.",
            "Control characters are dropped.",
        ] {
            assert!(body.contains(text), "{text} missing");
        }
        assert!(body.contains(r#"w:pStyle w:val="Heading1""#));
        assert!(body.contains(r#"w:pStyle w:val="Heading2""#));
        assert!(body.contains(r#"w:pStyle w:val="Quote""#));
        assert!(body.contains("<w:numId w:val=\"1\" />") || body.contains("w:numId w:val=\"1\""));
        assert!(body.contains("<w:tbl>"));
        assert!(!body.contains('\u{1}') && !body.contains('\u{b}'));
        assert!(p["word/_rels/document.xml.rels"].contains("https://example.org/a?b=1&amp;c=2"));
        assert!(p["word/numbering.xml"].contains("lowerLetter"));
        assert!(p["word/styles.xml"].contains("Heading1"));
        // Whatever the text, the result is well-formed XML.
        for (name, xml) in &p {
            if name.ends_with(".xml") {
                let mut r = quick_xml::Reader::from_str(xml);
                loop {
                    match r.read_event() {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("{name} is not well-formed: {e}"),
                    }
                }
            }
        }
    }

    /// Whatever the text (Markdown pieces, control characters, any script), the file is made
    /// and every part of it is well-formed XML.
    fn well_formed(markdown: &str) {
        let bytes = render(&DocxDocument {
            title: markdown.chars().take(40).collect(),
            subtitle: String::new(),
            cover: vec![(markdown.chars().take(10).collect(), markdown.into())],
            header: markdown.chars().take(20).collect(),
            generated_at: String::new(),
            markdown,
        })
        .expect("a docx");
        for (name, xml) in parts(&bytes) {
            if name.ends_with(".xml") || name.ends_with(".rels") {
                let mut r = quick_xml::Reader::from_str(&xml);
                loop {
                    match r.read_event() {
                        Ok(quick_xml::events::Event::Eof) => break,
                        Ok(_) => {}
                        Err(e) => panic!("{name} is not well-formed for {markdown:?}: {e}"),
                    }
                }
            }
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(64))]
        #[test]
        fn any_text_makes_a_well_formed_file(
            pieces in proptest::collection::vec(
                proptest::prop_oneof![
                    proptest::strategy::Just("# ".to_string()),
                    proptest::strategy::Just("- ".to_string()),
                    proptest::strategy::Just("1. ".to_string()),
                    proptest::strategy::Just("> ".to_string()),
                    proptest::strategy::Just("**".to_string()),
                    proptest::strategy::Just("|a|b|\n|-|-|\n".to_string()),
                    proptest::strategy::Just("[x](https://a.b/?q=<&>)".to_string()),
                    proptest::strategy::Just("```\n".to_string()),
                    proptest::strategy::Just("\n".to_string()),
                    "\\PC{0,12}",
                    "[\\x00-\\x1f\\u{fffe}\\u{ffff}<&>\"']{0,4}",
                ],
                0..40,
            )
        ) {
            well_formed(&pieces.concat());
        }
    }

    #[test]
    fn hostile_nesting_stays_within_words_levels() {
        let md = format!("{}deep\n", "- ".repeat(500));
        let quotes = format!("{}quoted\n", "> ".repeat(500));
        for text in [md.as_str(), quotes.as_str(), "", "|a|\n|-|\n"] {
            let bytes = render(&DocxDocument {
                title: "T".into(),
                subtitle: String::new(),
                cover: Vec::new(),
                header: String::new(),
                generated_at: String::new(),
                markdown: text,
            })
            .expect("a docx");
            assert!(bytes.starts_with(b"PK"));
        }
    }
}
