//! Management reviews as tables (CSV, XLSX) and a review's input pack as a PDF: a cover with
//! the review's facts and, once held, the SHA-256 it was frozen with; a section per input.

use super::domain::{Review, ReviewAction, ReviewRecord};
use crate::exchange::Table;

/// The reviews: one row each.
pub fn reviews_table(items: &[Review]) -> Table {
    let mut t = Table::new(
        "Management reviews",
        &[
            "id",
            "title",
            "planned_on",
            "held_on",
            "status",
            "chair",
            "attendees",
            "decisions",
            "pack_sha256",
        ],
        &[],
    );
    t.rows = items
        .iter()
        .map(|r| {
            vec![
                r.id.clone(),
                r.title.clone(),
                r.planned_on.clone(),
                r.held_on.clone().unwrap_or_default(),
                r.status.label().to_string(),
                r.chair.clone(),
                r.attendees.clone(),
                r.decisions.clone(),
                r.pack_sha256.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}

/// The actions reviews decided on: one row each.
pub fn actions_table(items: &[ReviewAction]) -> Table {
    let mut t = Table::new(
        "Review actions",
        &[
            "id", "review", "title", "owner", "due_on", "status", "done_on",
        ],
        &[],
    );
    t.rows = items
        .iter()
        .map(|a| {
            vec![
                a.id.clone(),
                a.review.clone(),
                a.title.clone(),
                a.owner.clone(),
                a.due_on.clone(),
                a.status.label().to_string(),
                a.done_on.clone().unwrap_or_default(),
            ]
        })
        .collect();
    t
}

/// The pack as a PDF.
pub fn pack_pdf(
    organisation: &str,
    r: &ReviewRecord,
    generated_at: &str,
) -> crate::error::Result<Vec<u8>> {
    use crate::exchange::pdf;
    let v = &r.review;
    let mut cover = vec![
        ("Review".to_string(), format!("{} {}", v.id, v.title)),
        ("Planned for".to_string(), v.planned_on.clone()),
    ];
    if let Some(h) = &v.held_on {
        cover.push(("Held on".to_string(), h.clone()));
    }
    if !v.chair.is_empty() {
        cover.push(("Chair".to_string(), v.chair.clone()));
    }
    if !v.attendees.is_empty() {
        cover.push(("Attendees".to_string(), v.attendees.clone()));
    }
    cover.push((
        "Pack".to_string(),
        if r.frozen {
            format!(
                "frozen when held; SHA-256 {}",
                v.pack_sha256.clone().unwrap_or_default()
            )
        } else {
            format!(
                "generated {} (not held yet)",
                crate::domain::clock::display(&r.pack.generated_at)
            )
        },
    ));
    cover.push(("Changes reported since".to_string(), r.pack.since.clone()));
    let mut sections: Vec<pdf::Section> = r
        .pack
        .sections
        .iter()
        .map(|s| {
            let mut blocks = vec![pdf::Block::Paragraph(s.facts.join("\n"))];
            for t in &s.trends {
                if !t.values.is_empty() {
                    blocks.push(pdf::Block::Paragraph(format!(
                        "{} {} — {}: {}",
                        t.kpi,
                        t.name,
                        t.status,
                        t.periods
                            .iter()
                            .zip(&t.values)
                            .map(|(p, v)| format!("{} {v}", p.chars().take(7).collect::<String>()))
                            .collect::<Vec<_>>()
                            .join(", ")
                    )));
                }
            }
            if !s.rows.is_empty() {
                blocks.push(pdf::Block::Table(pdf::Table {
                    columns: s
                        .header
                        .iter()
                        .enumerate()
                        .map(|(i, h)| pdf::Column::new(h.clone(), if i == 1 { 2.5 } else { 1.0 }))
                        .collect(),
                    rows: s.rows.iter().cloned().map(pdf::Row::new).collect(),
                }));
            }
            pdf::Section {
                title: s.title.clone(),
                blocks,
            }
        })
        .collect();
    sections.push(pdf::Section {
        title: "Decisions".into(),
        blocks: vec![pdf::Block::Paragraph(if v.decisions.is_empty() {
            "No decision is written yet.".into()
        } else {
            v.decisions.clone()
        })],
    });
    pdf::render(&pdf::Document {
        title: format!("Management review: {}", v.title),
        subtitle: organisation.to_string(),
        cover,
        header: format!("{} {}", v.id, v.title),
        generated_at: generated_at.to_string(),
        sections,
    })
}
