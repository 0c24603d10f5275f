//! A matrix read from a spreadsheet's own levels: when a risk register carries the level it
//! computed for each likelihood × impact, those levels describe the matrix its authors used.
//! Annex's scales stay (the file's ratings were read onto them); the levels become the file's
//! words ordered by height, and the grid the cells the file filled — a cell the file never
//! rated takes the level of the rated cell nearest by score (likelihood × impact).

use super::domain::{Matrix, RiskLevel, generic_position};
use serde::Serialize;

/// One level a file gave: a rating and the word the file computed for it.
#[derive(Debug, Clone)]
pub struct Seen {
    pub likelihood: i64,
    pub impact: i64,
    pub level: String,
}

/// The matrix a file's levels describe, offered in an import's review.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FileMatrix {
    /// The matrix Annex would adopt: its own scales, the file's levels and grid.
    pub matrix: Matrix,
    /// How many cells of the grid the file's rows rated.
    pub observed: usize,
    /// How many took the level of the nearest rated cell by score.
    pub inferred: usize,
    /// Cells whose rows gave different levels, in words; the most frequent level is taken.
    pub disagreements: Vec<String>,
}

/// The colours of new levels, lowest to highest.
const PALETTE: [&str; 5] = ["#2e7d32", "#9e9d24", "#f9a825", "#ef6c00", "#c62828"];

/// The matrix the file's levels describe, when they describe one that differs from `current`
/// and is valid (2 to 8 levels); none otherwise.
pub fn from_file(current: &Matrix, seen: &[Seen]) -> Option<FileMatrix> {
    let (rows, cols) = (current.likelihood.len(), current.impact.len());
    let cells = rows.checked_mul(cols).filter(|n| *n > 1)?;
    let seen: Vec<(usize, usize, &str)> = seen
        .iter()
        .filter_map(|s| {
            let l = usize::try_from(s.likelihood).ok()?.checked_sub(1)?;
            let i = usize::try_from(s.impact).ok()?.checked_sub(1)?;
            let w = s.level.trim();
            (l < rows && i < cols && !w.is_empty()).then_some((l, i, w))
        })
        .collect();
    // The file's words (case ignored, first spelling kept), with how high each sits.
    let mut words: Vec<(String, f64)> = Vec::new();
    for (_, _, w) in &seen {
        if !words
            .iter()
            .any(|(x, _)| x.to_lowercase() == w.to_lowercase())
        {
            words.push((w.to_string(), 0.0));
        }
        if words.len() > 8 {
            return None;
        }
    }
    if words.len() < 2 {
        return None;
    }
    let top_score = (rows * cols - 1) as f64;
    let mut ranked: Vec<&RiskLevel> = current.levels.iter().collect();
    ranked.sort_by_key(|l| l.rank);
    let existing = |w: &str| {
        let w = w.to_lowercase();
        ranked
            .iter()
            .position(|l| l.key == w || l.name.to_lowercase() == w)
    };
    for (w, height) in words.iter_mut() {
        let scores: Vec<f64> = seen
            .iter()
            .filter(|(_, _, x)| x.to_lowercase() == w.to_lowercase())
            .map(|(l, i, _)| ((l + 1) * (i + 1) - 1) as f64 / top_score)
            .collect();
        let mean = scores.iter().sum::<f64>() / scores.len().max(1) as f64;
        *height = generic_position(w)
            .or_else(|| {
                let at = existing(w)?;
                Some(at as f64 / ranked.len().saturating_sub(1).max(1) as f64)
            })
            .unwrap_or(mean);
    }
    words.sort_by(|a, b| a.1.partial_cmp(&b.1).unwrap_or(std::cmp::Ordering::Equal));
    let n = words.len();
    let levels: Vec<RiskLevel> = words
        .iter()
        .enumerate()
        .map(|(k, (w, _))| {
            let same = existing(w).map(|at| ranked[at]);
            let colour = same.map(|l| l.colour.clone()).unwrap_or_else(|| {
                PALETTE[(k * (PALETTE.len() - 1) + (n - 1) / 2) / (n - 1)].to_string()
            });
            RiskLevel {
                key: same.map(|l| l.key.clone()).unwrap_or_default(),
                name: w.chars().take(40).collect(),
                colour,
                rank: k as i64 + 1,
            }
        })
        .collect();
    let levels = with_keys(levels);
    let place = |w: &str| {
        words
            .iter()
            .position(|(x, _)| x.to_lowercase() == w.to_lowercase())
    };
    // What the rows say of each cell: the count of each level.
    let mut counts = vec![vec![vec![0usize; n]; cols]; rows];
    for (l, i, w) in &seen {
        if let Some(k) = place(w) {
            counts[*l][*i][k] += 1;
        }
    }
    let mut grid: Vec<Vec<Option<usize>>> = vec![vec![None; cols]; rows];
    let mut disagreements = Vec::new();
    for l in 0..rows {
        for i in 0..cols {
            let c = &counts[l][i];
            // The most frequent level; the higher one when as many rows give each.
            let best = (0..n).filter(|k| c[*k] > 0).max_by_key(|k| (c[*k], *k));
            if let Some(best) = best {
                grid[l][i] = Some(best);
                if c.iter().filter(|x| **x > 0).count() > 1 {
                    let mut given: Vec<usize> = (0..n).filter(|k| c[*k] > 0).collect();
                    given.sort_by_key(|k| std::cmp::Reverse((c[*k], *k)));
                    let said: Vec<String> = given
                        .into_iter()
                        .map(|k| {
                            format!(
                                "{} ({})",
                                levels[k].name,
                                crate::domain::words::count(c[k], "row", "rows")
                            )
                        })
                        .collect();
                    disagreements.push(format!(
                        "likelihood {} × impact {}: {}; {} taken",
                        current.likelihood[l].name,
                        current.impact[i].name,
                        said.join(", "),
                        levels[best].name
                    ));
                }
            }
        }
    }
    let observed: Vec<(usize, usize, usize)> = (0..rows)
        .flat_map(|l| (0..cols).map(move |i| (l, i)))
        .filter_map(|(l, i)| grid[l][i].map(|k| (l, i, k)))
        .collect();
    let filled = observed.len();
    let score = |l: usize, i: usize| ((l + 1) * (i + 1)) as i64;
    let mut keys = vec![vec![String::new(); cols]; rows];
    for (l, row) in keys.iter_mut().enumerate() {
        for (i, key) in row.iter_mut().enumerate() {
            let k = grid[l][i].or_else(|| {
                // The nearest rated cell by score, then by place; the higher level on a tie.
                observed
                    .iter()
                    .min_by_key(|(ol, oi, k)| {
                        let by_score = (score(*ol, *oi) - score(l, i)).abs();
                        let by_place =
                            (*ol as i64 - l as i64).pow(2) + (*oi as i64 - i as i64).pow(2);
                        (by_score, by_place, std::cmp::Reverse(*k))
                    })
                    .map(|(_, _, k)| *k)
            })?;
            *key = levels[k].key.clone();
        }
    }
    // The acceptance threshold stays where it was: the same level, or the one as high.
    let threshold = levels
        .iter()
        .find(|l| l.key == current.acceptance_threshold)
        .or_else(|| {
            let at = ranked
                .iter()
                .position(|l| l.key == current.acceptance_threshold)?;
            let height = at as f64 / ranked.len().saturating_sub(1).max(1) as f64;
            levels.get((height * (n - 1) as f64).round() as usize)
        })
        .unwrap_or(&levels[0])
        .key
        .clone();
    let matrix = Matrix {
        likelihood: current.likelihood.clone(),
        impact: current.impact.clone(),
        levels,
        grid: keys,
        acceptance_threshold: threshold,
    };
    if matrix == *current || matrix.validate().is_err() {
        return None;
    }
    Some(FileMatrix {
        matrix,
        observed: filled,
        inferred: cells - filled,
        disagreements,
    })
}

/// Gives each new level a key from its name (`very_high`; `level_3` for a name in another
/// script), unique among the levels.
fn with_keys(mut levels: Vec<RiskLevel>) -> Vec<RiskLevel> {
    for k in 0..levels.len() {
        if !levels[k].key.is_empty() {
            continue;
        }
        let mut key: String = levels[k]
            .name
            .to_lowercase()
            .chars()
            .map(|c| {
                if c.is_ascii_lowercase() || c.is_ascii_digit() {
                    c
                } else {
                    '_'
                }
            })
            .collect::<String>()
            .split('_')
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("_");
        if key.is_empty() || !levels[k].name.is_ascii() {
            key = format!("level_{}", k + 1);
        }
        while levels.iter().any(|l| l.key == key) {
            key.push('_');
        }
        levels[k].key = key;
    }
    levels
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(l: i64, i: i64, level: &str) -> Seen {
        Seen {
            likelihood: l,
            impact: i,
            level: level.into(),
        }
    }

    #[test]
    fn a_file_one_band_higher_gives_its_own_grid_and_keeps_the_scales() {
        let current = Matrix::default_5x5();
        // The file rates the diagonal one band higher than Annex's default.
        let rows = [
            seen(1, 1, "Medium"),
            seen(2, 2, "High"),
            seen(3, 3, "Critical"),
            seen(4, 4, "Critical"),
            seen(5, 5, "Critical"),
            seen(1, 5, "High"),
            seen(5, 1, "High"),
        ];
        let f = from_file(&current, &rows).unwrap();
        f.matrix.validate().unwrap();
        assert_eq!(f.matrix.likelihood, current.likelihood);
        let names: Vec<&str> = f.matrix.levels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Medium", "High", "Critical"]);
        // Levels Annex already had keep their key and colour.
        assert_eq!(f.matrix.levels[2].key, "critical");
        assert_eq!(f.matrix.level_of(2, 2).unwrap().name, "High");
        assert_eq!(f.matrix.level_of(1, 1).unwrap().name, "Medium");
        // Unrated cells follow the nearest rated score: 2×1 (2) is nearest 1×1 (1) and 2×2 (4)…
        assert_eq!(f.matrix.level_of(1, 2).unwrap().name, "Medium");
        assert_eq!(f.observed, 7);
        assert_eq!(f.inferred, 18);
        assert!(f.disagreements.is_empty());
        // The threshold was "low", which the file does not use: the level as high (the lowest).
        assert_eq!(f.matrix.acceptance_threshold, "medium");
    }

    #[test]
    fn words_in_other_languages_are_ordered_by_height_and_rows_that_disagree_are_named() {
        let current = Matrix::preset(3).unwrap();
        let rows = [
            seen(1, 1, "Nízká"),
            seen(3, 3, "Kritická"),
            seen(2, 2, "Střední"),
            seen(2, 2, "Střední"),
            seen(2, 2, "Vysoká"),
            seen(3, 2, "Vysoká"),
        ];
        let f = from_file(&current, &rows).unwrap();
        let names: Vec<&str> = f.matrix.levels.iter().map(|l| l.name.as_str()).collect();
        assert_eq!(names, ["Nízká", "Střední", "Vysoká", "Kritická"]);
        assert!(
            f.matrix
                .levels
                .iter()
                .all(|l| l.key.starts_with("level_") || current.risk_level(&l.key).is_some())
        );
        assert_eq!(f.matrix.level_of(2, 2).unwrap().name, "Střední");
        assert_eq!(f.disagreements.len(), 1);
        assert!(f.disagreements[0].contains("Střední (2 rows), Vysoká (1 row)"));
    }

    #[test]
    fn nothing_is_offered_when_the_file_agrees_or_says_too_little() {
        let current = Matrix::default_5x5();
        let agree: Vec<Seen> = (1..=5)
            .flat_map(|l| (1..=5).map(move |i| (l, i)))
            .map(|(l, i)| seen(l, i, &current.level_of(l, i).unwrap().name.clone()))
            .collect();
        assert!(from_file(&current, &agree).is_none());
        assert!(from_file(&current, &[seen(1, 1, "Low")]).is_none());
        // Ratings outside the scales are left out; nine words are too many levels.
        let many: Vec<Seen> = (1..=9).map(|k| seen(1, 1, &format!("L{k}"))).collect();
        assert!(from_file(&current, &many).is_none());
        assert!(from_file(&current, &[seen(9, 9, "Low"), seen(0, 1, "High")]).is_none());
    }
}
