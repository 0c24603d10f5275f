//! The risk matrix: the organisation's likelihood and impact scales, the named risk levels
//! with their colours, the grid that gives the level of every (likelihood, impact) cell, and
//! the acceptance threshold. A risk's level is always derived from this grid, never typed.

use crate::error::{Error, FieldError};
use serde::{Deserialize, Serialize};

/// One step of the likelihood or impact scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ScaleLevel {
    /// 1 for the lowest step, counting up without gaps.
    #[serde(deserialize_with = "crate::domain::input::whole_i64")]
    #[schema(minimum = 1, maximum = 10)]
    pub value: i64,
    pub name: String,
    pub description: String,
}

/// A named risk level such as "Low" or "Critical", ordered by `rank` (1 = least severe).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RiskLevel {
    /// Short key used in the grid, filters and exports: `low`, `medium`, …
    pub key: String,
    pub name: String,
    /// `#rrggbb`
    pub colour: String,
    #[serde(deserialize_with = "crate::domain::input::whole_i64")]
    #[schema(minimum = 1, maximum = 8)]
    pub rank: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Matrix {
    pub likelihood: Vec<ScaleLevel>,
    pub impact: Vec<ScaleLevel>,
    pub levels: Vec<RiskLevel>,
    /// `grid[l - 1][i - 1]` is the key of the risk level for likelihood `l` and impact `i`.
    pub grid: Vec<Vec<String>>,
    /// Risks whose level ranks at or below this one may be retained without treatment.
    pub acceptance_threshold: String,
}

fn scale(names: &[(&str, &str)]) -> Vec<ScaleLevel> {
    names
        .iter()
        .enumerate()
        .map(|(i, (name, description))| ScaleLevel {
            value: i as i64 + 1,
            name: name.to_string(),
            description: description.to_string(),
        })
        .collect()
}

fn level(key: &str, name: &str, colour: &str, rank: i64) -> RiskLevel {
    RiskLevel {
        key: key.into(),
        name: name.into(),
        colour: colour.into(),
        rank,
    }
}

impl Matrix {
    /// The presets: 3×3, 4×4 and 5×5 (the default). Levels follow the product of likelihood
    /// and impact, scaled to the size of the matrix.
    pub fn preset(size: usize) -> Option<Matrix> {
        let (likelihood, impact) = match size {
            3 => (
                scale(&[
                    (
                        "Unlikely",
                        "Not expected in the next few years, though possible.",
                    ),
                    ("Possible", "Could well happen within a year or two."),
                    (
                        "Likely",
                        "Expected to happen this year, or already happening.",
                    ),
                ]),
                scale(&[
                    (
                        "Minor",
                        "Noticeable inconvenience; handled within normal work.",
                    ),
                    (
                        "Moderate",
                        "Disrupts a business process or breaches an obligation; recoverable.",
                    ),
                    (
                        "Severe",
                        "Threatens key services, finances, legal standing or people's safety.",
                    ),
                ]),
            ),
            4 => (
                scale(&[
                    ("Rare", "Only in exceptional circumstances."),
                    ("Unlikely", "Not expected, but possible within a few years."),
                    ("Likely", "Probably happens within a year."),
                    (
                        "Almost certain",
                        "Expected within months, or already happening.",
                    ),
                ]),
                scale(&[
                    ("Minor", "Small, local effect absorbed by normal work."),
                    (
                        "Moderate",
                        "A process or a customer group is affected; recovery within days.",
                    ),
                    (
                        "Major",
                        "Important services or obligations fail; notable cost or publicity.",
                    ),
                    (
                        "Severe",
                        "Lasting damage to the organisation, its customers or people.",
                    ),
                ]),
            ),
            5 => (
                scale(&[
                    (
                        "Rare",
                        "Only in exceptional circumstances; less than once in ten years.",
                    ),
                    (
                        "Unlikely",
                        "Could happen, but not expected; about once in three to ten years.",
                    ),
                    (
                        "Possible",
                        "Might happen; about once in one to three years.",
                    ),
                    ("Likely", "Will probably happen; about once a year."),
                    (
                        "Almost certain",
                        "Expected to happen several times a year, or already happening.",
                    ),
                ]),
                scale(&[
                    (
                        "Negligible",
                        "No lasting effect; handled within normal work.",
                    ),
                    (
                        "Minor",
                        "Limited disruption or cost; a few people or one process affected.",
                    ),
                    (
                        "Moderate",
                        "A business process stops for a while, or an obligation is breached; recoverable.",
                    ),
                    (
                        "Major",
                        "Key services fail, sensitive data is exposed, or regulators must be told.",
                    ),
                    (
                        "Severe",
                        "Threatens the organisation's survival, its licence to operate or people's safety.",
                    ),
                ]),
            ),
            _ => return None,
        };
        let levels = vec![
            level("low", "Low", "#2e7d32", 1),
            level("medium", "Medium", "#f9a825", 2),
            level("high", "High", "#ef6c00", 3),
            level("critical", "Critical", "#c62828", 4),
        ];
        let n = size as i64;
        let max = n * n;
        let grid = (1..=n)
            .map(|l| {
                (1..=n)
                    .map(|i| {
                        // The product of likelihood and impact, scaled to a 5×5 score (1–25):
                        // up to 3 low, up to 7 medium, up to 14 high, above that critical.
                        let score = l * i * 25 / max;
                        match score {
                            0..=3 => "low",
                            4..=7 => "medium",
                            8..=14 => "high",
                            _ => "critical",
                        }
                        .to_string()
                    })
                    .collect()
            })
            .collect();
        Some(Matrix {
            likelihood,
            impact,
            levels,
            grid,
            acceptance_threshold: "low".into(),
        })
    }

    pub fn default_5x5() -> Matrix {
        Matrix::preset(5).unwrap_or_else(|| Matrix {
            likelihood: Vec::new(),
            impact: Vec::new(),
            levels: Vec::new(),
            grid: Vec::new(),
            acceptance_threshold: String::new(),
        })
    }

    /// The risk level of a (likelihood, impact) pair, by their values.
    pub fn level_of(&self, likelihood: i64, impact: i64) -> Option<&RiskLevel> {
        let key = self
            .grid
            .get(usize::try_from(likelihood - 1).ok()?)?
            .get(usize::try_from(impact - 1).ok()?)?;
        self.levels.iter().find(|l| &l.key == key)
    }

    pub fn risk_level(&self, key: &str) -> Option<&RiskLevel> {
        self.levels.iter().find(|l| l.key == key)
    }

    /// The level a file's word names: by key or name (case ignored), else — when the word is
    /// one of the usual ones in some language — the level at the same height: the word's place
    /// among the file's own level words (`vocabulary`, lowest first) laid over this matrix's
    /// levels ("Kritisch" of Niedrig … Kritisch is the top level, whatever it is called here).
    pub fn level_by_word(&self, raw: &str, vocabulary: &[String]) -> Option<&RiskLevel> {
        let w = raw.trim().to_lowercase();
        if w.is_empty() {
            return None;
        }
        let mut ranked: Vec<&RiskLevel> = self.levels.iter().collect();
        ranked.sort_by_key(|l| l.rank);
        if let Some(l) = ranked
            .iter()
            .find(|l| l.key == w || l.name.to_lowercase() == w)
        {
            return Some(l);
        }
        generic_position(raw)?;
        let place = vocabulary.iter().position(|v| v.to_lowercase() == w)?;
        let last = ranked.len().checked_sub(1)?;
        let steps = vocabulary.len().checked_sub(1).filter(|n| *n > 0)?;
        let at = (place as f64 * last as f64 / steps as f64).round() as usize;
        ranked.get(at).copied()
    }

    /// Whether a level may be retained without treatment.
    pub fn acceptable(&self, key: &str) -> bool {
        match (
            self.risk_level(key),
            self.risk_level(&self.acceptance_threshold),
        ) {
            (Some(l), Some(t)) => l.rank <= t.rank,
            _ => false,
        }
    }

    /// Finds a likelihood step by its value or its name (case-insensitive): spreadsheets use both.
    pub fn likelihood_step(&self, raw: &str) -> Option<&ScaleLevel> {
        find_step(&self.likelihood, raw)
    }

    pub fn impact_step(&self, raw: &str) -> Option<&ScaleLevel> {
        find_step(&self.impact, raw)
    }

    /// Checks the whole matrix and reports every problem with the field it concerns.
    pub fn validate(&self) -> Result<(), Error> {
        let mut p: Vec<FieldError> = Vec::new();
        let mut add = |f: String, m: String| p.push(FieldError::new(f, m));
        for (name, scale) in [("likelihood", &self.likelihood), ("impact", &self.impact)] {
            if !(2..=10).contains(&scale.len()) {
                add(
                    name.into(),
                    format!(
                        "the {name} scale needs 2 to 10 steps (it has {})",
                        scale.len()
                    ),
                );
            }
            for (i, s) in scale.iter().enumerate() {
                if s.value != i as i64 + 1 {
                    add(
                        format!("{name}[{}].value", i + 1),
                        format!(
                            "steps count 1, 2, 3 … in order; step {} has value {}",
                            i + 1,
                            s.value
                        ),
                    );
                }
                if s.name.trim().is_empty() || s.name.chars().count() > 60 {
                    add(
                        format!("{name}[{}].name", i + 1),
                        "give each step a name of 1 to 60 characters".into(),
                    );
                }
                if scale
                    .iter()
                    .filter(|o| o.name.trim().eq_ignore_ascii_case(s.name.trim()))
                    .count()
                    > 1
                {
                    add(
                        format!("{name}[{}].name", i + 1),
                        format!("the name '{}' is used twice", s.name.trim()),
                    );
                }
            }
        }
        if !(2..=8).contains(&self.levels.len()) {
            add(
                "levels".into(),
                format!(
                    "define 2 to 8 risk levels (there are {})",
                    self.levels.len()
                ),
            );
        }
        for (i, l) in self.levels.iter().enumerate() {
            let f = format!("levels[{}]", i + 1);
            if l.key.is_empty()
                || !l
                    .key
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            {
                add(
                    format!("{f}.key"),
                    format!(
                        "'{}' is not a key: use lower-case letters, digits and _",
                        l.key
                    ),
                );
            }
            if self.levels.iter().filter(|o| o.key == l.key).count() > 1 {
                add(
                    format!("{f}.key"),
                    format!("the key '{}' is used twice", l.key),
                );
            }
            if l.name.trim().is_empty() || l.name.chars().count() > 40 {
                add(
                    format!("{f}.name"),
                    "give each level a name of 1 to 40 characters".into(),
                );
            }
            if !is_colour(&l.colour) {
                add(
                    format!("{f}.colour"),
                    format!("'{}' is not a colour such as #c62828", l.colour),
                );
            }
            if self.levels.iter().filter(|o| o.rank == l.rank).count() > 1 {
                add(
                    format!("{f}.rank"),
                    format!("two levels share rank {}", l.rank),
                );
            }
        }
        if self.grid.len() != self.likelihood.len()
            || self.grid.iter().any(|row| row.len() != self.impact.len())
        {
            add(
                "grid".into(),
                format!(
                    "the grid needs {} rows of {} cells",
                    self.likelihood.len(),
                    self.impact.len()
                ),
            );
        } else {
            for (l, row) in self.grid.iter().enumerate() {
                for (i, key) in row.iter().enumerate() {
                    if self.risk_level(key).is_none() {
                        add(
                            format!("grid[{}][{}]", l + 1, i + 1),
                            format!("'{key}' is not one of the risk levels"),
                        );
                    }
                }
            }
        }
        if self.risk_level(&self.acceptance_threshold).is_none() {
            add(
                "acceptance_threshold".into(),
                format!(
                    "'{}' is not one of the risk levels",
                    self.acceptance_threshold
                ),
            );
        }
        if p.is_empty() {
            Ok(())
        } else {
            Err(Error::Validation(p))
        }
    }
}

fn find_step<'a>(scale: &'a [ScaleLevel], raw: &str) -> Option<&'a ScaleLevel> {
    let raw = raw.trim();
    match raw.parse::<i64>() {
        Ok(v) => scale.iter().find(|s| s.value == v),
        Err(_) => scale
            .iter()
            .find(|s| s.name.to_lowercase() == raw.to_lowercase())
            .or_else(|| {
                // "High" on a scale named Rare … Almost certain: the step at the same height.
                let p = generic_position(raw)?;
                let last = scale.len().checked_sub(1)?;
                scale.get((p * last as f64).round() as usize)
            }),
    }
}

/// Where a word people use for a level or a step sits between the lowest (0) and the highest
/// (1) of a scale: "low" a quarter up, "high" three quarters, "critical" at the top — in
/// English, German, Czech and Greek, as the registers Annex meets write them.
pub fn generic_position(raw: &str) -> Option<f64> {
    let w: String = raw
        .trim()
        .to_lowercase()
        .replace(['-', '_'], " ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    let p = match w.as_str() {
        "very low"
        | "negligible"
        | "insignificant"
        | "rare"
        | "minimal"
        | "sehr gering"
        | "sehr niedrig"
        | "vernachlässigbar"
        | "velmi nízká"
        | "velmi nízké"
        | "velmi nízký"
        | "zanedbatelná"
        | "πολύ χαμηλή"
        | "πολύ χαμηλός"
        | "ελάχιστη" => 0.0,
        "low" | "minor" | "unlikely" | "gering" | "niedrig" | "nízká" | "nízké" | "nízký"
        | "χαμηλή" | "χαμηλός" | "χαμηλό" => 0.25,
        "medium" | "moderate" | "possible" | "mittel" | "mittlere" | "střední" | "μέτρια"
        | "μέτριος" | "μέτριο" | "μεσαία" => 0.5,
        "high" | "major" | "likely" | "significant" | "hoch" | "vysoká" | "vysoké" | "vysoký"
        | "υψηλή" | "υψηλός" | "υψηλό" => 0.75,
        "very high"
        | "critical"
        | "severe"
        | "extreme"
        | "catastrophic"
        | "almost certain"
        | "sehr hoch"
        | "kritisch"
        | "katastrophal"
        | "velmi vysoká"
        | "velmi vysoké"
        | "kritická"
        | "kritické"
        | "kritický"
        | "πολύ υψηλή"
        | "κρίσιμη"
        | "κρίσιμος" => 1.0,
        _ => return None,
    };
    Some(p)
}

fn is_colour(s: &str) -> bool {
    s.len() == 7 && s.starts_with('#') && s[1..].chars().all(|c| c.is_ascii_hexdigit())
}

/// Why `after` may not replace `before` while `risks` risks are rated on it: a different
/// number of likelihood or impact steps would silently rescale their ratings.
pub fn rescaling_refusal(before: &Matrix, after: &Matrix, risks: i64) -> Option<String> {
    (risks > 0
        && (before.likelihood.len() != after.likelihood.len()
            || before.impact.len() != after.impact.len()))
    .then(|| {
        let rated = if risks == 1 {
            "1 risk is rated".to_string()
        } else {
            format!("{risks} risks are rated")
        };
        format!(
            "{rated} on the current {}×{} scales: changing the number of likelihood or impact steps would silently rescale them. Keep the scales' sizes (names, descriptions, colours and the grid can change), or re-rate the risks on a new matrix first",
            before.likelihood.len(),
            before.impact.len()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_are_valid_and_grow_with_likelihood_and_impact() {
        for n in [3, 4, 5] {
            let m = Matrix::preset(n).unwrap();
            m.validate().unwrap();
            let n = n as i64;
            assert_eq!(m.level_of(1, 1).unwrap().key, "low");
            assert_eq!(m.level_of(n, n).unwrap().key, "critical");
            for l in 1..=n {
                for i in 1..n {
                    assert!(m.level_of(l, i).unwrap().rank <= m.level_of(l, i + 1).unwrap().rank);
                }
            }
        }
        assert!(Matrix::preset(6).is_none());
    }

    #[test]
    fn steps_are_found_by_value_or_name_and_levels_out_of_range_are_none() {
        let m = Matrix::default_5x5();
        assert_eq!(m.likelihood_step("4").unwrap().name, "Likely");
        assert_eq!(m.likelihood_step(" almost CERTAIN ").unwrap().value, 5);
        assert!(m.likelihood_step("hihg").is_none());
        assert!(m.level_of(0, 3).is_none());
        assert!(m.level_of(6, 1).is_none());
        assert!(m.acceptable("low") && !m.acceptable("medium"));
    }

    #[test]
    fn validation_names_each_bad_field() {
        let mut m = Matrix::default_5x5();
        m.levels[1].colour = "yellow".into();
        m.grid[2][2] = "purple".into();
        m.acceptance_threshold = "none".into();
        let fields: Vec<String> = m
            .validate()
            .unwrap_err()
            .fields()
            .iter()
            .map(|f| f.field.clone())
            .collect();
        assert_eq!(
            fields,
            ["levels[2].colour", "grid[3][3]", "acceptance_threshold"]
        );
    }
}
