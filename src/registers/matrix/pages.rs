//! The risk matrix page: the grid drawn as SVG on the server, the scales, and for managers and
//! admins the form that edits it and the presets (each replacing the matrix after confirmation).

use super::domain::{Matrix, RiskLevel};
use super::service;
use super::web::{SvgGrid, svg_grid};
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
#[template(path = "matrix/templates/matrix.html")]
struct MatrixPage {
    l: Layout,
    /// The form's problems with their fields named for people ("Impact step 5, name").
    problems: Vec<(String, String)>,
    errors: FormErrors,
    /// The matrix as saved: the picture, the levels and the scales.
    saved: Matrix,
    /// The matrix the form holds: the saved one, or after a rejected save the person's
    /// changes (kept to correct, never drawn as if saved).
    m: Matrix,
    /// The revision the form was opened at.
    revision: i64,
    svg: SvgGrid,
    level_rows: Vec<LevelRow>,
    grid_rows: Vec<GridRowEdit>,
    threshold_name: String,
    can_edit: bool,
}

/// The page: the saved matrix drawn, and the form with `edited` (after a rejected save) or
/// the saved matrix, at `revision`.
async fn render(
    s: &AppState,
    caller: &Caller,
    (saved, revision): (Matrix, i64),
    edited: Option<Matrix>,
    errors: FormErrors,
    query: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "Risk matrix", "matrix", query).await?;
    let m = edited.unwrap_or_else(|| saved.clone());
    let level_rows = saved
        .levels
        .iter()
        .map(|lv: &RiskLevel| LevelRow {
            cells: saved
                .grid
                .iter()
                .flatten()
                .filter(|k| **k == lv.key)
                .count(),
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
            threshold_name: saved
                .risk_level(&saved.acceptance_threshold)
                .map(|v| v.name.clone())
                .unwrap_or_default(),
            svg: svg_grid(&saved),
            revision: errors.revision(revision),
            can_edit: caller.is_editor(),
            l,
            problems: errors
                .fields
                .iter()
                .map(|(k, m)| (field_label(k), m.clone()))
                .collect(),
            errors,
            level_rows,
            grid_rows,
            saved,
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
    let saved = service::get_revisioned(&ctx).await?;
    render(
        &s,
        &caller,
        saved,
        None,
        FormErrors::default(),
        q.as_deref(),
    )
    .await
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
    let saved = service::get_revisioned(&ctx).await?;
    let edited = apply_form(saved.0.clone(), &form);
    match service::set(&ctx, edited.clone(), form.revision()).await {
        Ok(_) => Ok(Redirect::to("/risk-matrix?notice=matrix-saved").into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            // The form keeps the revision it was opened at unless it was stale.
            let revision = form.revision().unwrap_or(saved.1);
            render(&s, &caller, (saved.0, revision), Some(edited), errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "matrix/templates/matrix_preset.html")]
struct PresetPage {
    l: Layout,
    size: usize,
    /// Why the preset cannot replace the matrix now, said before anyone confirms.
    refused: Option<String>,
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
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let params = Params::parse(q.as_deref())?;
    let size = preset_size(params.get("size").unwrap_or_default())?;
    let preset = Matrix::preset(size).ok_or_else(|| Error::field("size", "unknown preset"))?;
    let refused = service::refusal(&ctx, &preset).await?;
    let l = layout(&s, &caller, "Risk matrix preset", "matrix", None).await?;
    Ok(PresetPage { l, size, refused }.into_response())
}

pub async fn preset_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let size = preset_size(form.get("size"))?;
    let preset = Matrix::preset(size).ok_or_else(|| Error::field("size", "unknown preset"))?;
    match service::set(&ctx, preset, None).await {
        Ok(_) => Ok(Redirect::to("/risk-matrix?notice=matrix-saved").into_response()),
        // Refused meanwhile (risks rated since the page was opened): the page says why.
        Err(Error::Conflict(why)) => {
            let l = layout(&s, &caller, "Risk matrix preset", "matrix", None).await?;
            let page = PresetPage {
                l,
                size,
                refused: Some(why),
            };
            Ok((axum::http::StatusCode::CONFLICT, page).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

/// A field of the matrix as the API names it (`impact[5].name`, `grid[3][2]`,
/// `levels[1].colour`) in words for the page.
fn field_label(key: &str) -> String {
    let number = |s: &str| -> Option<i64> { s.parse().ok() };
    let parts: Vec<&str> = key
        .split(['[', ']', '.'])
        .filter(|p| !p.is_empty())
        .collect();
    match parts.as_slice() {
        ["likelihood"] => "Likelihood scale".into(),
        ["impact"] => "Impact scale".into(),
        ["levels"] => "Risk levels".into(),
        ["acceptance_threshold"] => "Acceptance threshold".into(),
        [scale @ ("likelihood" | "impact"), n, what] if number(n).is_some() => {
            let scale = if *scale == "likelihood" {
                "Likelihood"
            } else {
                "Impact"
            };
            format!("{scale} step {n}, {what}")
        }
        ["levels", n, what] if number(n).is_some() => format!("Risk level {n}, {what}"),
        ["grid", l, i] if number(l).is_some() && number(i).is_some() => {
            format!("Grid cell at likelihood {l} and impact {i}")
        }
        _ => crate::exchange::header_label(key),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn matrix_fields_are_named_in_words() {
        use super::field_label;
        assert_eq!(field_label("impact[5].name"), "Impact step 5, name");
        assert_eq!(
            field_label("likelihood[2].value"),
            "Likelihood step 2, value"
        );
        assert_eq!(field_label("levels[1].colour"), "Risk level 1, colour");
        assert_eq!(
            field_label("grid[3][2]"),
            "Grid cell at likelihood 3 and impact 2"
        );
        assert_eq!(field_label("acceptance_threshold"), "Acceptance threshold");
    }
}
