//! The gap analysis page: the implementation of the applicable controls by theme or by any
//! attribute type (optionally within one attribute value), as bars and a table, with
//! certification readiness for the clauses the SoA work covers and what to do next.

use super::domain::{GapRow, Readiness, gaps_query};
use super::service;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::domain::query::Params;
use crate::registers::soa::service as soa;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormErrors, Layout, PageResult, layout};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;

/// A group's bar: its counts and the widths (in % of its controls) of each segment.
struct GapBar {
    g: GapRow,
    label: String,
    href: String,
    /// implemented, partial, planned, not started, excluded, undecided: (class, count, x, width)
    /// with x and width in % of the group.
    segments: Vec<(&'static str, usize, usize, usize)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "readiness/templates/soa_gaps.html")]
struct GapsPage {
    l: Layout,
    errors: FormErrors,
    readiness: Readiness,
    /// The clauses by section of the standard, as a stage-1 checklist.
    checklist: Vec<(&'static str, Vec<super::domain::Clause>)>,
    /// (met, partly, not met).
    tally: (usize, usize, usize),
    bars: Vec<GapBar>,
    groupings: Vec<(String, String)>,
    attribute_values: Vec<(String, String, Vec<String>)>,
    by: String,
    within: String,
}

pub async fn gaps(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw.as_deref());
    let types = service::attribute_types(&ctx).await?;
    let l = layout(&s, &caller, "Gap analysis", "gaps", raw.as_deref()).await?;
    let read = match malformed {
        Some(e) => Err(e),
        None => gaps_query(&params, &types),
    };
    let (query, errors) = match read {
        Ok(q) => (q, FormErrors::default()),
        Err(e) => (("theme".to_string(), None), FormErrors::from_error(e)?),
    };
    let (by, within) = query;
    let all = soa::rows(&ctx, DEFAULT_FRAMEWORK).await?;
    let groups = service::gaps(&ctx, &all, &by, within.as_ref()).await?;
    let bars = groups
        .into_iter()
        .map(|g| {
            let pct = |n: usize| (n * 100).checked_div(g.total).unwrap_or(0);
            let mut x = 0;
            let segments = [
                ("implemented", g.implemented),
                ("partial", g.partial),
                ("planned", g.planned),
                ("not-started", g.not_started),
                ("excluded", g.excluded),
                ("undecided", g.undecided),
            ]
            .into_iter()
            .map(|(class, n)| {
                let at = x;
                x += pct(n);
                (class, n, at, pct(n))
            })
            .collect();
            let filter = if by == "theme" {
                format!("theme={}", encode(&g.key))
            } else {
                format!("attr={by}:{}", encode(&g.key))
            };
            GapBar {
                label: g.key.replace('_', " "),
                href: if by == "theme" {
                    format!("/soa?{filter}")
                } else {
                    format!("/controls?{filter}")
                },
                segments,
                g,
            }
        })
        .collect();
    let mut groupings = vec![("theme".to_string(), "Theme".to_string())];
    groupings.extend(types.iter().map(|t| (t.key.clone(), t.name.clone())));
    let readiness = service::of(&ctx, &all).await?;
    Ok((
        errors.status(),
        GapsPage {
            checklist: checklist(&readiness),
            tally: (
                count(&readiness, super::domain::ClauseStatus::Met),
                count(&readiness, super::domain::ClauseStatus::Partly),
                count(&readiness, super::domain::ClauseStatus::NotMet),
            ),
            readiness,
            bars,
            groupings,
            attribute_values: types
                .iter()
                .map(|t| (t.key.clone(), t.name.clone(), t.values.clone()))
                .collect(),
            within: within.map(|(t, v)| format!("{t}:{v}")).unwrap_or_default(),
            by,
            errors,
            l,
        },
    )
        .into_response())
}

/// The sections of ISO/IEC 27001's requirements, by their first number.
const SECTIONS: [(&str, &str); 7] = [
    ("4", "4 Context of the organisation"),
    ("5", "5 Leadership"),
    ("6", "6 Planning"),
    ("7", "7 Support"),
    ("8", "8 Operation"),
    ("9", "9 Performance evaluation"),
    ("10", "10 Improvement"),
];

/// The clauses grouped by section, in the standard's order.
fn checklist(r: &Readiness) -> Vec<(&'static str, Vec<super::domain::Clause>)> {
    SECTIONS
        .iter()
        .map(|(n, title)| {
            (
                *title,
                r.clauses
                    .iter()
                    .filter(|c| c.id.split('.').next() == Some(n))
                    .cloned()
                    .collect(),
            )
        })
        .filter(|(_, c): &(&str, Vec<_>)| !c.is_empty())
        .collect()
}

fn count(r: &Readiness, s: super::domain::ClauseStatus) -> usize {
    r.clauses.iter().filter(|c| c.status == s).count()
}
