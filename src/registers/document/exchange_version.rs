//! A document version as a file people take away: PDF (through `exchange::pdf`) and Word
//! (through `exchange::docx`), each opening with a cover of the version's facts — its
//! approval and the SHA-256 of what was approved.

use super::domain::Document;

/// The facts a version's exports open with: the document, the version, its owner, its
/// approval with the SHA-256 of what was approved, publication and the next review.
fn cover(d: &Document, v: &super::domain::Version) -> Vec<(String, String)> {
    use crate::domain::clock::display;
    let when = |s: &Option<String>| s.as_deref().map(display).unwrap_or_default();
    let mut cover = vec![
        (
            "Document".to_string(),
            format!("{} ({})", d.id, d.kind.label()),
        ),
        (
            "Version".to_string(),
            format!("{} ({})", v.number, v.state.label()),
        ),
        ("Owner".to_string(), d.owner.clone()),
    ];
    if let Some(h) = &v.sha256 {
        cover.push((
            "Approved".to_string(),
            format!(
                "by {} on {}",
                v.decided_by.as_deref().unwrap_or_default(),
                when(&v.decided_at)
            ),
        ));
        cover.push(("SHA-256 of the text".to_string(), h.clone()));
    }
    if v.published_at.is_some() {
        cover.push(("Published".to_string(), when(&v.published_at)));
    }
    if let Some(r) = &d.next_review_on {
        cover.push(("Next review".to_string(), r.clone()));
    }
    cover
}

/// A version as a PDF for readers and auditors: a cover with the document's facts (its
/// approval and the SHA-256 of the approved text), then the text, a section per second-level
/// heading, lists and tables kept.
pub fn version_pdf(
    organisation: &str,
    d: &Document,
    v: &super::domain::Version,
    generated_at: &str,
) -> crate::error::Result<Vec<u8>> {
    use crate::exchange::pdf;
    pdf::render(&pdf::Document {
        title: d.title.clone(),
        subtitle: organisation.to_string(),
        cover: cover(d, v),
        header: format!("{} {}, version {}", d.id, d.title, v.number),
        generated_at: generated_at.to_string(),
        sections: markdown_sections(&v.body, &d.title),
    })
}

/// A version as a Word document, to edit or circulate where Word is the norm: the same cover,
/// then the text with Word's headings, lists and tables.
pub fn version_docx(
    organisation: &str,
    d: &Document,
    v: &super::domain::Version,
    generated_at: &str,
) -> crate::error::Result<Vec<u8>> {
    crate::exchange::docx::render(&crate::exchange::docx::DocxDocument {
        title: d.title.clone(),
        subtitle: organisation.to_string(),
        cover: cover(d, v),
        header: format!("{} {}, version {}", d.id, d.title, v.number),
        generated_at: generated_at.to_string(),
        markdown: &without_title(&v.body, &d.title),
    })
}

/// The text without its first heading when that heading is the title (the cover has it).
fn without_title(markdown: &str, title: &str) -> String {
    let trimmed = markdown.trim_start();
    if let Some(rest) = trimmed.strip_prefix("# ") {
        let (first, after) = rest.split_once('\n').unwrap_or((rest, ""));
        if first.trim() == title.trim() {
            return after.to_string();
        }
    }
    markdown.to_string()
}

/// The Markdown as PDF sections: one per second-level heading (the text before the first
/// under the document's title), paragraphs, list items with their bullets or numbers, tables.
pub fn markdown_sections(markdown: &str, title: &str) -> Vec<crate::exchange::pdf::Section> {
    use crate::exchange::pdf::{Block, Column, Row, Section, Table};
    use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
    let mut sections = vec![Section {
        title: title.to_string(),
        blocks: Vec::new(),
    }];
    let mut text = String::new();
    let mut heading: Option<HeadingLevel> = None;
    // Each open list: the next number, or none for bullets.
    let mut lists: Vec<Option<u64>> = Vec::new();
    let mut table: Option<(Vec<Vec<String>>, Vec<String>)> = None;
    let mut options = Options::empty();
    options.insert(Options::ENABLE_TABLES);
    options.insert(Options::ENABLE_STRIKETHROUGH);
    let push = |sections: &mut Vec<Section>, block: Block| {
        if let Some(s) = sections.last_mut() {
            s.blocks.push(block);
        }
    };
    for event in Parser::new_ext(markdown, options) {
        match event {
            Event::Start(Tag::Heading { level, .. }) => {
                heading = Some(level);
                text.clear();
            }
            Event::End(TagEnd::Heading(level)) => {
                let t = std::mem::take(&mut text).trim().to_string();
                heading = None;
                match level {
                    HeadingLevel::H1 if t == title => {}
                    HeadingLevel::H1 | HeadingLevel::H2 => sections.push(Section {
                        title: t,
                        blocks: Vec::new(),
                    }),
                    _ => push(&mut sections, Block::Paragraph(t.to_uppercase())),
                }
            }
            Event::Start(Tag::List(first)) => {
                // A list inside an item: the item's own text comes first.
                let t = std::mem::take(&mut text);
                if !t.trim().is_empty() {
                    push(&mut sections, Block::Paragraph(t.trim_end().to_string()));
                }
                lists.push(first);
            }
            Event::End(TagEnd::List(_)) => {
                lists.pop();
            }
            Event::Start(Tag::Item) => {
                // Deeper than a few levels reads no better, and a hostile text nests thousands.
                let indent = "    ".repeat(lists.len().saturating_sub(1).min(6));
                let mark = match lists.last_mut() {
                    Some(Some(n)) => {
                        let m = format!("{n}. ");
                        *n += 1;
                        m
                    }
                    _ => "• ".to_string(),
                };
                text = format!("{indent}{mark}");
            }
            Event::End(TagEnd::Item) | Event::End(TagEnd::Paragraph)
                if table.is_none() && heading.is_none() =>
            {
                let t = std::mem::take(&mut text);
                if !t.trim().is_empty() {
                    push(&mut sections, Block::Paragraph(t.trim_end().to_string()));
                }
            }
            Event::Start(Tag::Paragraph) if lists.is_empty() => text.clear(),
            Event::Start(Tag::Table(_)) => table = Some((Vec::new(), Vec::new())),
            Event::End(TagEnd::TableCell) => {
                if let Some((_, row)) = table.as_mut() {
                    row.push(std::mem::take(&mut text).trim().to_string());
                }
            }
            Event::End(TagEnd::TableHead) | Event::End(TagEnd::TableRow) => {
                if let Some((rows, row)) = table.as_mut() {
                    rows.push(std::mem::take(row));
                }
            }
            Event::End(TagEnd::Table) => {
                if let Some((mut rows, _)) = table.take()
                    && !rows.is_empty()
                {
                    let head = rows.remove(0);
                    push(
                        &mut sections,
                        Block::Table(Table {
                            columns: head.into_iter().map(|h| Column::new(h, 1.0)).collect(),
                            rows: rows.into_iter().map(Row::new).collect(),
                        }),
                    );
                }
            }
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak => text.push(' '),
            Event::HardBreak => text.push('\n'),
            _ => {}
        }
    }
    sections.retain(|s| !s.blocks.is_empty());
    sections
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_sections_of_paragraphs_lists_and_tables() {
        let md = "# Policy\n\nIntro text\nwrapped.\n\n## Rules\n\n1. First\n2. Second\n   - nested\n\n### Detail\n\n| Level | Rule |\n|---|---|\n| Δημόσιο | open |\n";
        let s = markdown_sections(md, "Policy");
        let titles: Vec<&str> = s.iter().map(|s| s.title.as_str()).collect();
        assert_eq!(titles, ["Policy", "Rules"]);
        assert_eq!(
            s[0].blocks,
            [crate::exchange::pdf::Block::Paragraph(
                "Intro text wrapped.".into()
            )]
        );
        let paragraphs: Vec<String> = s[1]
            .blocks
            .iter()
            .filter_map(|b| match b {
                crate::exchange::pdf::Block::Paragraph(p) => Some(p.clone()),
                _ => None,
            })
            .collect();
        assert_eq!(
            paragraphs,
            ["1. First", "2. Second", "    • nested", "DETAIL"]
        );
        match s[1].blocks.last() {
            Some(crate::exchange::pdf::Block::Table(t)) => {
                assert_eq!(t.columns.len(), 2);
                assert_eq!(t.rows[0].cells, ["Δημόσιο", "open"]);
            }
            other => panic!("a table: {other:?}"),
        }
    }

    #[test]
    fn every_template_renders_as_a_pdf() {
        for t in super::super::domain_template::all() {
            let sections = markdown_sections(&t.body, &t.title);
            assert!(sections.len() >= 4, "{}", t.key);
        }
    }

    #[test]
    fn every_template_renders_as_a_word_document_with_its_headings() {
        use std::io::Read;
        for t in super::super::domain_template::all() {
            let d = super::super::domain::Document {
                id: "DOC-001".into(),
                kind: t.kind,
                title: t.title.clone(),
                owner: "ciso@example.org".into(),
                approver: String::new(),
                classification: "internal".into(),
                audience: "all staff".into(),
                review_months: 12,
                status: super::super::domain::DocumentStatus::Draft,
                current_version: None,
                latest_version: 1,
                next_review_on: None,
                controls: Vec::new(),
                clauses: Vec::new(),
                template: None,
                created_at: String::new(),
                updated_at: String::new(),
                revision: 1,
            };
            let v = super::super::domain::Version {
                document_id: d.id.clone(),
                number: 1,
                body: t.body.clone(),
                change_note: String::new(),
                state: super::super::domain::VersionState::Draft,
                sha256: None,
                created_by: String::new(),
                created_at: String::new(),
                submitted_by: None,
                submitted_at: None,
                decided_by: None,
                decided_at: None,
                decision_note: String::new(),
                published_at: None,
                evidence_id: None,
                file: None,
            };
            let bytes = version_docx("Ακμή", &d, &v, "2026-12-04").expect("a docx");
            let mut zip = zip::ZipArchive::new(std::io::Cursor::new(bytes)).expect("a zip");
            let mut xml = String::new();
            zip.by_name("word/document.xml")
                .expect("the body")
                .read_to_string(&mut xml)
                .expect("text");
            assert!(xml.contains("Heading2"), "{}", t.key);
            assert!(xml.contains("Ακμή"), "{}", t.key);
        }
    }
}
