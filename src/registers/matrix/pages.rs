//! The risk matrix page: the grid drawn as SVG on the server, the scales, and for managers and
//! admins the form that edits it and the presets (each replacing the matrix after confirmation).

use super::domain::{Matrix, RiskLevel};
use super::service;
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormData, FormErrors, Layout, PageResult, layout};
use crate::web::session::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect};

pub struct SvgCell {
    pub x: i64,
    pub y: i64,
    pub tx: i64,
    pub ty: i64,
    pub fill: String,
    pub ink: &'static str,
    pub label: String,
    pub likelihood: i64,
    pub impact: i64,
    pub count: i64,
    pub href: String,
}

pub struct SvgText {
    pub x: i64,
    pub y: i64,
    pub text: String,
}

/// The grid as SVG geometry: rows are likelihood (highest at the top), columns impact.
pub struct SvgGrid {
    pub kind: &'static str,
    pub title: String,
    pub width: i64,
    pub height: i64,
    pub cell: i64,
    pub axis_x: i64,
    pub cells: Vec<SvgCell>,
    pub row_labels: Vec<SvgText>,
    pub col_labels: Vec<SvgText>,
}

/// Black or white text, whichever reads better on the colour.
pub fn ink_for(colour: &str) -> &'static str {
    let channel =
        |i: usize| i64::from_str_radix(colour.get(i..i + 2).unwrap_or("80"), 16).unwrap_or(128);
    let luma = 299 * channel(1) + 587 * channel(3) + 114 * channel(5);
    if luma > 150_000 { "#111111" } else { "#ffffff" }
}

fn svg_grid(m: &Matrix) -> SvgGrid {
    svg_grid_with(m, "matrix", "", |l, i| {
        (
            m.level_of(l, i).map(|v| v.name.clone()).unwrap_or_default(),
            0,
            String::new(),
        )
    })
}

/// The grid with a label, a count and a link per cell (the heat map), from `cell(likelihood, impact)`.
pub fn svg_grid_with(
    m: &Matrix,
    kind: &'static str,
    title: &str,
    cell_of: impl Fn(i64, i64) -> (String, i64, String),
) -> SvgGrid {
    let (cell, left, top) = (64, 120, 8);
    let rows = m.likelihood.len() as i64;
    let cols = m.impact.len() as i64;
    let mut cells = Vec::new();
    for (li, l) in m.likelihood.iter().enumerate() {
        for (ii, _) in m.impact.iter().enumerate() {
            let y = top + (rows - 1 - li as i64) * cell;
            let x = left + ii as i64 * cell;
            let fill = m
                .level_of(l.value, ii as i64 + 1)
                .map(|v| v.colour.clone())
                .unwrap_or_else(|| "#999999".into());
            let (label, count, href) = cell_of(l.value, ii as i64 + 1);
            cells.push(SvgCell {
                x,
                y,
                tx: x + cell / 2,
                ty: y + cell / 2 + 4,
                ink: ink_for(&fill),
                fill,
                label,
                likelihood: l.value,
                impact: ii as i64 + 1,
                count,
                href,
            });
        }
    }
    let row_labels = m
        .likelihood
        .iter()
        .enumerate()
        .map(|(li, l)| SvgText {
            x: left - 6,
            y: top + (rows - 1 - li as i64) * cell + cell / 2 + 4,
            text: format!("{} {}", l.value, l.name),
        })
        .collect();
    let col_labels = m
        .impact
        .iter()
        .enumerate()
        .map(|(ii, i)| SvgText {
            x: left + ii as i64 * cell + cell / 2,
            y: top + rows * cell + 16,
            text: i.value.to_string(),
        })
        .collect();
    SvgGrid {
        kind,
        title: title.to_string(),
        width: left + cols * cell + 8,
        height: top + rows * cell + 40,
        cell,
        axis_x: left + cols * cell / 2,
        cells,
        row_labels,
        col_labels,
    }
}

pub struct LevelRow {
    key: String,
    name: String,
    colour: String,
    rank: i64,
    cells: usize,
}

pub struct GridCellEdit {
    field: String,
    impact: i64,
    key: String,
}

pub struct GridRowEdit {
    value: i64,
    name: String,
    cells: Vec<GridCellEdit>,
}

#[derive(Template, WebTemplate)]
#[template(path = "matrix.html")]
struct MatrixPage {
    l: Layout,
    errors: FormErrors,
    m: Matrix,
    svg: SvgGrid,
    level_rows: Vec<LevelRow>,
    grid_rows: Vec<GridRowEdit>,
    threshold_name: String,
    can_edit: bool,
}

async fn render(
    s: &AppState,
    caller: &Caller,
    m: Matrix,
    errors: FormErrors,
    query: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "Risk matrix", "matrix", query).await?;
    let level_rows = m
        .levels
        .iter()
        .map(|lv: &RiskLevel| LevelRow {
            cells: m.grid.iter().flatten().filter(|k| **k == lv.key).count(),
            key: lv.key.clone(),
            name: lv.name.clone(),
            colour: lv.colour.clone(),
            rank: lv.rank,
        })
        .collect();
    let grid_rows = m
        .likelihood
        .iter()
        .rev()
        .map(|lk| GridRowEdit {
            value: lk.value,
            name: lk.name.clone(),
            cells: m
                .impact
                .iter()
                .map(|im| GridCellEdit {
                    field: format!("cell_{}_{}", lk.value, im.value),
                    impact: im.value,
                    key: m
                        .level_of(lk.value, im.value)
                        .map(|v| v.key.clone())
                        .unwrap_or_default(),
                })
                .collect(),
        })
        .collect();
    let status = errors.status();
    Ok((
        status,
        MatrixPage {
            threshold_name: m
                .risk_level(&m.acceptance_threshold)
                .map(|v| v.name.clone())
                .unwrap_or_default(),
            svg: svg_grid(&m),
            can_edit: caller.is_editor(),
            l,
            errors,
            level_rows,
            grid_rows,
            m,
        },
    )
        .into_response())
}

pub async fn matrix_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let m = service::get(&ctx).await?;
    render(&s, &caller, m, FormErrors::default(), q.as_deref()).await
}

/// Applies the edit form to the current matrix (its sizes and level keys stay as they are).
fn apply_form(mut m: Matrix, form: &FormData) -> Matrix {
    for (prefix, scale) in [("likelihood", &mut m.likelihood), ("impact", &mut m.impact)] {
        for step in scale.iter_mut() {
            step.name = form
                .get(&format!("{prefix}_name_{}", step.value))
                .trim()
                .to_string();
            step.description = form
                .get(&format!("{prefix}_desc_{}", step.value))
                .trim()
                .to_string();
        }
    }
    for lv in m.levels.iter_mut() {
        lv.name = form
            .get(&format!("level_name_{}", lv.key))
            .trim()
            .to_string();
        lv.colour = form
            .get(&format!("level_colour_{}", lv.key))
            .trim()
            .to_lowercase();
    }
    for (li, row) in m.grid.iter_mut().enumerate() {
        for (ii, key) in row.iter_mut().enumerate() {
            *key = form.get(&format!("cell_{}_{}", li + 1, ii + 1)).to_string();
        }
    }
    m.acceptance_threshold = form.get("threshold").to_string();
    m
}

pub async fn matrix_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let edited = apply_form(service::get(&ctx).await?, &form);
    match service::set(&ctx, edited.clone()).await {
        Ok(_) => Ok(Redirect::to("/risk-matrix?notice=matrix-saved").into_response()),
        Err(e) => render(&s, &caller, edited, FormErrors::from_error(e)?, None).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "matrix_preset.html")]
struct PresetPage {
    l: Layout,
    size: usize,
}

fn preset_size(raw: &str) -> Result<usize, Error> {
    match raw.trim() {
        "3" => Ok(3),
        "4" => Ok(4),
        "5" => Ok(5),
        other => Err(Error::field(
            "size",
            format!("'{other}' is not a preset: use 3, 4 or 5"),
        )),
    }
}

pub async fn preset_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let params = Params::parse(q.as_deref())?;
    let size = preset_size(params.get("size").unwrap_or_default())?;
    let l = layout(&s, &caller, "Risk matrix preset", "matrix", None).await?;
    Ok(PresetPage { l, size }.into_response())
}

pub async fn preset_submit(ctx: Ctx, form: FormData) -> PageResult {
    let size = preset_size(form.get("size"))?;
    let preset = Matrix::preset(size).ok_or_else(|| Error::field("size", "unknown preset"))?;
    service::set(&ctx, preset).await?;
    Ok(Redirect::to("/risk-matrix?notice=matrix-saved").into_response())
}
