//! Management reviews as tables (CSV, XLSX) and a review's input pack as a PDF: a cover with
//! the review's facts and, once held, the SHA-256 it was frozen with; a section per input.

use super::domain::{Review, ReviewAction, ReviewRecord};
use crate::exchange::Table;
use crate::exchange::import::field as f;

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
            "feedback",
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
                r.feedback.clone(),
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

const REVIEW_FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "reviewid", "mrid", "ref", "no", "nr"]),
    f(
        "title",
        "title",
        &["title", "review", "name", "managementreview", "titel"],
    ),
    f(
        "planned_on",
        "planned on",
        &["plannedon", "planned", "date", "meeting", "datum", "termin"],
    ),
    f(
        "chair",
        "chair",
        &["chair", "chairedby", "chairperson", "vorsitz", "leitung"],
    ),
    f(
        "attendees",
        "attendees",
        &["attendees", "participants", "present", "teilnehmer"],
    ),
    f(
        "feedback",
        "feedback",
        &["feedback", "interestedpartyfeedback", "rückmeldungen"],
    ),
    f(
        "decisions",
        "decisions",
        &[
            "decisions",
            "outputs",
            "minutes",
            "beschlüsse",
            "ergebnisse",
        ],
    ),
];

/// Imports reviews: one row each.
pub const REVIEW_SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: REVIEW_FIELDS,
    derived: &[&["heldon"], &["status"], &["packsha256"]],
    required: "title",
    what: "management reviews",
    noun: "review",
    split_header: false,
};

/// Imports management reviews.
pub struct ReviewImport;

impl crate::exchange::import::Importer for ReviewImport {
    fn key(&self) -> &'static str {
        "reviews"
    }

    fn title(&self) -> &'static str {
        "Management reviews"
    }

    fn hints(&self) -> &'static str {
        "One row per review, with a title and the day it is planned for. Annex also reads id, chair (e-mail), attendees, feedback and decisions. A row whose id is a review of Annex updates only the columns the file has; a held review keeps its day. Whether a review was held and its frozen pack are Annex's: holding happens in Annex."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &REVIEW_SCHEMA
    }

    fn named_by(&self) -> Option<crate::exchange::import::NamedBy> {
        Some(crate::exchange::import::NamedBy {
            field: "title",
            table: "management_review",
            id_column: "review_id",
            name_column: "title",
        })
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<crate::exchange::import::Row>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, crate::error::Result<crate::domain::ImportReport>>
    {
        Box::pin(async move { super::service::import(ctx, rows, how.dry_run, how.upload).await })
    }
}

const ACTION_FIELDS: &[crate::exchange::import::Field] = &[
    f("id", "id", &["id", "actionid", "raid", "ref", "no", "nr"]),
    f(
        "review",
        "review",
        &["review", "reviewid", "managementreview", "mr"],
    ),
    f(
        "title",
        "title",
        &["title", "action", "decision", "maßnahme"],
    ),
    f(
        "owner",
        "owner",
        &["owner", "responsible", "verantwortlich"],
    ),
    f(
        "due_on",
        "due on",
        &["dueon", "due", "duedate", "deadline", "fällig"],
    ),
    f("status", "status", &["status", "state"]),
];

/// Imports the actions reviews decided on: one row each.
pub const ACTION_SCHEMA: crate::exchange::import::Schema = crate::exchange::import::Schema {
    fields: ACTION_FIELDS,
    derived: &[&["doneon"]],
    required: "title",
    what: "the actions of management reviews",
    noun: "action",
    split_header: false,
};

/// Imports the actions reviews decided on.
pub struct ReviewActionImport;

impl crate::exchange::import::Importer for ReviewActionImport {
    fn key(&self) -> &'static str {
        "review-actions"
    }

    fn title(&self) -> &'static str {
        "Actions of management reviews"
    }

    fn hints(&self) -> &'static str {
        "One row per action, with the review's id (MR-0001), a title, an owner (e-mail) and a due day. Annex also reads id and status (open, done, dropped); the day an action was done is set when it is marked done. A row whose id is an action of Annex updates only the columns the file has."
    }

    fn schema(&self) -> &'static crate::exchange::import::Schema {
        &ACTION_SCHEMA
    }

    fn import<'a>(
        &'a self,
        ctx: &'a crate::service::Ctx,
        rows: Vec<crate::exchange::import::Row>,
        how: crate::exchange::import::Writing<'a>,
    ) -> crate::exchange::import::BoxFuture<'a, crate::error::Result<crate::domain::ImportReport>>
    {
        Box::pin(
            async move { super::service::import_actions(ctx, rows, how.dry_run, how.upload).await },
        )
    }
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
