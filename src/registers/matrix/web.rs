//! The risk matrix drawn as SVG on the server: the matrix page's grid and, with counts and
//! links, the risk register's heat maps.

use super::domain::Matrix;

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

pub fn svg_grid(m: &Matrix) -> SvgGrid {
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
