//! The PDF layout and file, checked on the laid-out pages and the written bytes.

use super::table::{Grid, allocate};
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
            texts.push("Because the risk assessment says so, and the auditor agrees. ".repeat(3));
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
