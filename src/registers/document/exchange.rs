//! The document register as a spreadsheet: one row per document, its fields in words.

use super::domain::{Document, DocumentInput};
use crate::domain::ImportReport;
use crate::error::Result;
use crate::exchange::Table;
use crate::exchange::import::{Field, Importer, Schema, parse_rows};
use crate::service::Ctx;

pub const DOCUMENT_COLUMNS: [&str; 14] = [
    "id",
    "title",
    "kind",
    "owner",
    "approver",
    "classification",
    "audience",
    "review_months",
    "status",
    "current_version",
    "latest_version",
    "next_review_on",
    "controls",
    "clauses",
];

/// The register: every document's fields, its status and versions in words.
pub fn documents_table(documents: &[Document]) -> Table {
    let mut t = Table::new(
        "Documents",
        &DOCUMENT_COLUMNS,
        &["review_months", "current_version", "latest_version"],
    );
    t.rows = documents
        .iter()
        .map(|d| {
            let v = DocumentInput::from(d);
            vec![
                d.id.clone(),
                v.title,
                d.kind.label().to_string(),
                v.owner,
                v.approver,
                v.classification,
                v.audience,
                d.review_months.to_string(),
                d.status.label().to_string(),
                d.current_version.map(|n| n.to_string()).unwrap_or_default(),
                d.latest_version.to_string(),
                d.next_review_on.clone().unwrap_or_default(),
                v.controls,
                v.clauses,
            ]
        })
        .collect();
    t
}

const fn f(key: &'static str, label: &'static str, synonyms: &'static [&'static str]) -> Field {
    Field::new(key, label, synonyms)
}

const DOCUMENT_FIELDS: &[Field] = &[
    f(
        "id",
        "id",
        &["id", "documentid", "docid", "ref", "reference", "no"],
    ),
    f(
        "title",
        "title",
        &[
            "title",
            "document",
            "documenttitle",
            "name",
            "policy",
            "titel",
            "název",
            "τίτλος",
        ],
    ),
    f(
        "kind",
        "kind",
        &["kind", "type", "documenttype", "category", "art", "typ"],
    ),
    f(
        "owner",
        "owner",
        &[
            "owner",
            "documentowner",
            "author",
            "responsible",
            "eigentümer",
            "vlastník",
        ],
    ),
    f(
        "approver",
        "approver",
        &[
            "approver",
            "approvedby",
            "approval",
            "freigabe",
            "schvaluje",
        ],
    ),
    f(
        "classification",
        "classification",
        &[
            "classification",
            "confidentiality",
            "klassifizierung",
            "klasifikace",
        ],
    ),
    f(
        "audience",
        "audience",
        &["audience", "readers", "appliesto", "scope"],
    ),
    f(
        "review_months",
        "review cycle (months)",
        &[
            "reviewmonths",
            "reviewcycle",
            "reviewcyclemonths",
            "reviewfrequency",
            "reviewinterval",
        ],
    ),
    f(
        "controls",
        "controls",
        &[
            "controls",
            "control",
            "annexa",
            "iso27002",
            "mappedcontrols",
        ],
    ),
    f(
        "clauses",
        "clauses",
        &["clauses", "clause", "iso27001", "iso27001clauses"],
    ),
];

/// Imports the document register: one row per document (its details; its text is written
/// in Annex). Status, versions and review dates are Annex's, read past.
pub const DOCUMENT_SCHEMA: Schema = Schema {
    fields: DOCUMENT_FIELDS,
    derived: &[&[
        "status",
        "currentversion",
        "latestversion",
        "publishedversion",
        "nextreviewon",
        "nextreview",
        "version",
    ]],
    required: "title",
    what: "the document register",
    noun: "document",
    split_header: false,
};

fn document_input(values: impl Iterator<Item = (&'static str, String)>) -> DocumentInput {
    let mut v = DocumentInput::default();
    for (field, value) in values {
        match field {
            "id" => v.id = Some(value),
            "title" => v.title = value,
            "kind" => v.kind = value,
            "owner" => v.owner = value,
            "approver" => v.approver = value,
            "classification" => v.classification = value,
            "audience" => v.audience = value,
            "review_months" => v.review_months = Some(serde_json::Value::String(value)),
            "controls" => v.controls = value,
            "clauses" => v.clauses = value,
            _ => {}
        }
    }
    v
}

/// Imports document registers.
pub struct DocumentImport;

impl Importer for DocumentImport {
    fn key(&self) -> &'static str {
        "documents"
    }

    fn title(&self) -> &'static str {
        "Documents"
    }

    fn hints(&self) -> &'static str {
        "One row per document, with at least a title. Annex also reads id, kind (policy, topic-specific policy, procedure, standard, plan), owner, approver, classification, audience, review cycle in months, controls (5.15, 8.5) and clauses (5.2, 7.5). New documents start with a draft to write in Annex; a document already here keeps its versions and only its details change."
    }

    fn schema(&self) -> &'static Schema {
        &DOCUMENT_SCHEMA
    }

    fn named_by(&self) -> Option<crate::exchange::import::NamedBy> {
        Some(crate::exchange::import::NamedBy {
            field: "title",
            table: "document",
            id_column: "document_id",
            name_column: "title",
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a Ctx,
        rows: Vec<(usize, Vec<(&'static str, String)>)>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, Result<ImportReport>> {
        Box::pin(async move {
            let levels = super::service::levels(ctx).await?;
            let drafts = parse_rows(rows, |values| {
                document_input(values.into_iter()).parse(&levels)
            })?;
            super::service::import(ctx, drafts, how.dry_run, how.upload).await
        })
    }
}

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

/// A document's audience and where each person stands; with `links` (one per line), the
/// personal link each is sent for a reminder.
pub fn acks_table(lines: &[super::domain_ack::AckLine], links: &[String]) -> Table {
    let mut columns = vec![
        "person_id",
        "name",
        "email",
        "department",
        "state",
        "due_on",
        "acknowledged_at",
        "via",
    ];
    if !links.is_empty() {
        columns.push("link");
    }
    let mut t = Table::new("Acknowledgements", &columns, &[]);
    t.rows = lines
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut row = vec![
                l.person_id.clone(),
                l.name.clone(),
                l.email.clone(),
                l.department.clone(),
                l.state.label().to_string(),
                l.due_on.clone().unwrap_or_default(),
                l.acknowledged_at
                    .as_deref()
                    .map(crate::domain::clock::display)
                    .unwrap_or_default(),
                l.via.map(|v| v.label().to_string()).unwrap_or_default(),
            ];
            if let Some(link) = links.get(i) {
                row.push(link.clone());
            }
            row
        })
        .collect();
    t
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
