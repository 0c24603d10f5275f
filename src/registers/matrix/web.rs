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
    /// The whole label (the cell's tooltip).
    pub label: String,
    /// The label wrapped to fit the cell: at most two lines, cut with "…" beyond.
    pub lines: Vec<SvgLine>,
    pub likelihood: i64,
    pub impact: i64,
    pub count: i64,
    pub href: String,
}

pub struct SvgText {
    pub x: i64,
    pub y: i64,
    /// What is drawn (cut with "…" when longer than the margin holds).
    pub text: String,
    /// The whole text (the tooltip).
    pub full: String,
}

/// One line of a wrapped label, with its baseline.
pub struct SvgLine {
    pub y: i64,
    pub text: String,
}

/// Characters of a 12-point label a 64-unit cell holds on one line.
const CELL_CHARS: usize = 9;
/// Characters of a row label the left margin holds.
const ROW_LABEL_CHARS: usize = 17;

/// Cuts text to `max` characters, ending it with "…" when something was cut.
fn cut(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_string();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

/// Wraps a label into at most `lines` lines of `width` characters, at spaces where it can.
fn wrap_label(text: &str, width: usize, lines: usize) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        match out.last_mut() {
            Some(line) if line.chars().count() + 1 + word.chars().count() <= width => {
                line.push(' ');
                line.push_str(word);
            }
            _ => out.push(word.to_string()),
        }
        if out.len() > lines {
            break;
        }
    }
    if out.len() > lines {
        out.truncate(lines);
        if let Some(last) = out.last_mut() {
            *last = cut(&format!("{last} …"), width);
        }
    }
    out.iter().map(|l| cut(l, width)).collect()
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
            let wrapped = wrap_label(&label, CELL_CHARS, 2);
            let first = y + cell / 2 + 4 - 7 * (wrapped.len() as i64 - 1);
            let lines = wrapped
                .into_iter()
                .enumerate()
                .map(|(k, text)| SvgLine {
                    y: first + 14 * k as i64,
                    text,
                })
                .collect();
            cells.push(SvgCell {
                x,
                y,
                tx: x + cell / 2,
                ty: y + cell / 2 + 4,
                ink: ink_for(&fill),
                fill,
                label,
                lines,
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
            text: cut(&format!("{} {}", l.value, l.name), ROW_LABEL_CHARS),
            full: format!("{} {}", l.value, l.name),
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
            full: format!("{} {}", i.value, i.name),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_level_names_wrap_and_are_cut_to_fit_a_cell() {
        assert_eq!(wrap_label("High", 9, 2), ["High"]);
        assert_eq!(wrap_label("Very high", 9, 2), ["Very high"]);
        assert_eq!(
            wrap_label("Extremely high risk", 9, 2),
            ["Extremely", "high risk"]
        );
        let long = wrap_label("Unacceptable without board approval", 9, 2);
        assert_eq!(long.len(), 2);
        assert!(long.iter().all(|l| l.chars().count() <= 9), "{long:?}");
        assert!(long[1].ends_with('…'), "{long:?}");
        assert_eq!(wrap_label("Καταστροφικός", 9, 2), ["Καταστρο…"]);
        assert_eq!(cut("5 Almost certain to happen", 17), "5 Almost certain…");
    }
}
