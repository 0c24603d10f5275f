//! Writes laid-out pages to a PDF file with krilla: fonts embedded and subset, text mapped
//! back to its characters, links from the contents, a bookmark per section, metadata.
//!
//! The layout works in PDF user space (origin at the bottom left, y up); krilla draws with
//! the origin at the top left (y down), so every y is turned over here.

use krilla::annotation::{Annotation, LinkAnnotation, Target};
use krilla::color::rgb;
use krilla::destination::XyzDestination;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::metadata::{DateTime, Metadata};
use krilla::outline::{Outline, OutlineNode};
use krilla::page::PageSettings;
use krilla::paint::{Fill, LineCap, Stroke, StrokeDash};
use krilla::text::TextDirection;
use krilla::{Document as PdfDocument, SerializeSettings};

use super::{Document, Op, PAGE_H, PAGE_W, Page, Rgb, Shape, Stamp, fonts};

/// Longest text put in the metadata and bookmarks (the pages show everything).
const MAX_META_CHARS: usize = 1_000;

pub(super) fn pdf(doc: &Document, pages: &[Page], starts: &[usize]) -> Result<Vec<u8>, String> {
    let settings = SerializeSettings {
        // No tag tree is built: tagging would only add an empty structure.
        enable_tagging: false,
        ..SerializeSettings::default()
    };
    let mut out = PdfDocument::new_with(settings);
    let size = PageSettings::from_wh(PAGE_W, PAGE_H).ok_or("the page size is invalid")?;
    for page in pages {
        let mut pdf_page = out.start_page_with(size.clone());
        let mut surface = pdf_page.surface();
        for op in &page.ops {
            draw(&mut surface, op);
        }
        surface.finish();
        for link in &page.links {
            let [left, bottom, right, top] = link.rect;
            let Some(rect) = Rect::from_ltrb(left, PAGE_H - top, right, PAGE_H - bottom) else {
                continue;
            };
            let target = Target::Destination(top_of(link.target).into());
            pdf_page.add_annotation(Annotation::new_link(
                LinkAnnotation::new(rect, target),
                None,
            ));
        }
        pdf_page.finish();
    }
    let mut outline = Outline::new();
    for (section, &start) in doc.sections.iter().zip(starts) {
        outline.push_child(OutlineNode::new(short(&section.title), top_of(start)));
    }
    out.set_outline(outline);
    out.set_metadata(metadata(doc));
    out.finish().map_err(|e| format!("{e:?}"))
}

/// The top left corner of a page.
fn top_of(page: usize) -> XyzDestination {
    XyzDestination::new(page, Point::from_xy(0.0, 0.0))
}

fn short(text: &str) -> String {
    text.trim().chars().take(MAX_META_CHARS).collect()
}

fn metadata(doc: &Document) -> Metadata {
    let mut meta = Metadata::new()
        .title(short(&doc.title))
        .description(short(&doc.subtitle))
        .creator("Annex".into())
        .producer("Annex".into());
    if let Some(stamp) = super::stamp(&doc.generated_at) {
        meta = meta.creation_date(date_time(stamp));
    }
    meta
}

fn date_time(stamp: Stamp) -> DateTime {
    let (year, month, day) = stamp.date;
    let mut dt = DateTime::new(year).month(month).day(day);
    if let Some((hour, minute, second)) = stamp.time {
        dt = dt.hour(hour).minute(minute).second(second);
    }
    if let Some((hours, minutes)) = stamp.offset {
        dt = dt.utc_offset_hour(hours).utc_offset_minute(minutes);
    }
    dt
}

fn color((r, g, b): Rgb) -> rgb::Color {
    let byte = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
    rgb::Color::new(byte(r), byte(g), byte(b))
}

fn draw(surface: &mut krilla::surface::Surface<'_>, op: &Op) {
    match op {
        Op::Text {
            x,
            y,
            style,
            color: c,
            text,
        } => {
            surface.set_fill(Some(Fill {
                paint: color(*c).into(),
                ..Fill::default()
            }));
            surface.set_stroke(None);
            let mut at = *x;
            for (face, run, width) in fonts::runs(text, style.font) {
                surface.draw_text(
                    Point::from_xy(at, PAGE_H - y),
                    face.font.clone(),
                    style.size,
                    run,
                    false,
                    TextDirection::Auto,
                );
                at += width * style.size;
            }
        }
        Op::Fill {
            x,
            y,
            w,
            h,
            color: c,
        } => {
            let Some(rect) = Rect::from_xywh(*x, PAGE_H - y - h, *w, *h) else {
                return;
            };
            let mut path = PathBuilder::new();
            path.push_rect(rect);
            let Some(path) = path.finish() else {
                return;
            };
            surface.set_stroke(None);
            surface.set_fill(Some(Fill {
                paint: color(*c).into(),
                ..Fill::default()
            }));
            surface.draw_path(&path);
        }
        Op::Stroke {
            width,
            color: c,
            dotted,
            shapes,
        } => {
            let mut path = PathBuilder::new();
            for shape in shapes {
                match *shape {
                    Shape::Rect { x, y, w, h } => {
                        if let Some(rect) = Rect::from_xywh(x, PAGE_H - y - h, w, h) {
                            path.push_rect(rect);
                        }
                    }
                    Shape::Line { x1, y1, x2, y2 } => {
                        path.move_to(x1, PAGE_H - y1);
                        path.line_to(x2, PAGE_H - y2);
                    }
                }
            }
            let Some(path) = path.finish() else {
                return;
            };
            surface.set_fill(None);
            surface.set_stroke(Some(Stroke {
                paint: color(*c).into(),
                width: *width,
                line_cap: if *dotted {
                    LineCap::Round
                } else {
                    LineCap::Butt
                },
                dash: dotted.then(|| StrokeDash {
                    array: vec![0.0, 3.0],
                    offset: 0.0,
                }),
                ..Stroke::default()
            }));
            surface.draw_path(&path);
        }
    }
}
