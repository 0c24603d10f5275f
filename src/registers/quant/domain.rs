//! Quantitative risk (FAIR-style): the ranges a risk manager estimates for a risk before and
//! after its treatment plan, how they are read and checked, the organisation's risk appetite as
//! points of a loss-exceedance curve, and the analysis of a portfolio in both states.
//! The simulation itself is `montecarlo`.

use crate::domain::montecarlo::{self, Dist, Estimate, MAX_LOSS, Model, Options, Run, Summary};
use crate::error::{Error, Problems};
use serde::{Deserialize, Serialize};

/// Before or after the treatment plan.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    Current,
    Residual,
}

impl Phase {
    pub const ALL: [Phase; 2] = [Phase::Current, Phase::Residual];

    pub fn key(self) -> &'static str {
        match self {
            Phase::Current => "current",
            Phase::Residual => "residual",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Phase::Current => "Before treatment (current)",
            Phase::Residual => "After treatment (residual)",
        }
    }

    pub fn parse(raw: &str) -> Option<Phase> {
        Phase::ALL.into_iter().find(|p| p.key() == raw)
    }
}

/// What a factor measures, which decides what values it may take.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Events a year.
    Frequency,
    /// A probability between 0 and 1.
    Probability,
    /// Currency units.
    Money,
}

/// One estimated factor of the FAIR taxonomy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Factor {
    Lef,
    Lm,
    Tef,
    Vulnerability,
    PrimaryLoss,
    SecondaryFrequency,
    SecondaryLoss,
}

impl Factor {
    pub const ALL: [Factor; 7] = [
        Factor::Lef,
        Factor::Lm,
        Factor::Tef,
        Factor::Vulnerability,
        Factor::PrimaryLoss,
        Factor::SecondaryFrequency,
        Factor::SecondaryLoss,
    ];
    pub const SIMPLE: [Factor; 2] = [Factor::Lef, Factor::Lm];
    pub const TREE: [Factor; 5] = [
        Factor::Tef,
        Factor::Vulnerability,
        Factor::PrimaryLoss,
        Factor::SecondaryFrequency,
        Factor::SecondaryLoss,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Factor::Lef => "lef",
            Factor::Lm => "lm",
            Factor::Tef => "tef",
            Factor::Vulnerability => "vulnerability",
            Factor::PrimaryLoss => "primary_loss",
            Factor::SecondaryFrequency => "secondary_frequency",
            Factor::SecondaryLoss => "secondary_loss",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Factor::Lef => "Loss events a year",
            Factor::Lm => "Loss per event",
            Factor::Tef => "Threat events a year",
            Factor::Vulnerability => "Vulnerability (chance a threat event becomes a loss)",
            Factor::PrimaryLoss => "Primary loss per event",
            Factor::SecondaryFrequency => {
                "Chance of secondary loss (fines, claims, customers lost)"
            }
            Factor::SecondaryLoss => "Secondary loss when it happens",
        }
    }

    pub fn kind(self) -> Kind {
        match self {
            Factor::Lef | Factor::Tef => Kind::Frequency,
            Factor::Vulnerability | Factor::SecondaryFrequency => Kind::Probability,
            Factor::Lm | Factor::PrimaryLoss | Factor::SecondaryLoss => Kind::Money,
        }
    }

    pub fn parse(raw: &str) -> Option<Factor> {
        Factor::ALL.into_iter().find(|f| f.key() == raw)
    }
}

/// A number as people type it: `50000`, `50 000`, `50,000`, `50k`, `1.5M`, `2B`, `1e6`, and for
/// probabilities `30%`.
pub fn parse_number(raw: &str) -> Result<f64, String> {
    let text: String = raw
        .trim()
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '_')
        .collect();
    if text.is_empty() {
        return Err("give a number".into());
    }
    let (body, factor) = match text.chars().last() {
        Some('%') => (&text[..text.len() - 1], 0.01),
        Some('k' | 'K') => (&text[..text.len() - 1], 1e3),
        Some('m' | 'M') => (&text[..text.len() - 1], 1e6),
        Some('b' | 'B') => (&text[..text.len() - 1], 1e9),
        _ => (text.as_str(), 1.0),
    };
    // A comma is a thousands separator only where it is one ("12,000", "1,250,000").
    let whole = body.split('.').next().unwrap_or("");
    let digits = |g: &str| !g.is_empty() && g.chars().all(|c| c.is_ascii_digit());
    let thousands = whole.contains(',')
        && whole
            .split(',')
            .enumerate()
            .all(|(i, g)| digits(g) && if i == 0 { g.len() <= 3 } else { g.len() == 3 });
    let body = if thousands {
        body.replace(',', "")
    } else {
        body.replace(',', ".")
    };
    match body.parse::<f64>() {
        Ok(v) if v.is_finite() => Ok(v * factor),
        _ => Err(format!(
            "'{}' is not a number (write it as 50000, 50k, 1.5M or 30%)",
            raw.trim()
        )),
    }
}

/// A number with thousands separators when it is whole and large (`1,250,000`).
pub fn show(v: f64) -> String {
    if v.abs() >= 1000.0 && v.fract() == 0.0 {
        let digits = format!("{}", v.abs() as u64);
        let mut out = String::new();
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(c);
        }
        if v < 0.0 { format!("-{out}") } else { out }
    } else {
        format!("{v}")
    }
}

/// One factor as typed: an object, or in JSON the short `[min, most likely, max]` of a PERT.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields, try_from = "FactorWire")]
pub struct FactorInput {
    /// `pert` (default) or `lognormal`. For a lognormal, `min` and `max` are the 90% interval
    /// (5th and 95th percentiles) and `mode` is not used.
    pub distribution: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub min: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub mode: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub max: String,
    /// Weight of the most likely value in a modified PERT; empty: 4.
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    #[schema(schema_with = crate::domain::input::text_or_number_schema)]
    pub lambda: String,
}

/// The factor as it arrives in JSON: `{"min": …}` or `[min, mode, max]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum FactorWire {
    Object(FactorFields),
    List(Vec<serde_json::Value>),
}

#[derive(Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
struct FactorFields {
    distribution: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    min: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    mode: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    max: String,
    #[serde(deserialize_with = "crate::domain::input::text_or_number")]
    lambda: String,
}

impl TryFrom<FactorWire> for FactorInput {
    type Error = String;

    fn try_from(w: FactorWire) -> Result<Self, String> {
        let text = |v: &serde_json::Value| match v {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        match w {
            FactorWire::Object(f) => Ok(FactorInput {
                distribution: f.distribution,
                min: f.min,
                mode: f.mode,
                max: f.max,
                lambda: f.lambda,
            }),
            FactorWire::List(v) if v.len() == 3 => Ok(FactorInput {
                distribution: "pert".into(),
                min: text(&v[0]),
                mode: text(&v[1]),
                max: text(&v[2]),
                lambda: String::new(),
            }),
            FactorWire::List(v) => Err(format!(
                "a factor is [min, most likely, max] or an object with distribution, min, mode, max and lambda; this list has {} values",
                v.len()
            )),
        }
    }
}

impl FactorInput {
    pub fn is_empty(&self) -> bool {
        [&self.min, &self.mode, &self.max]
            .iter()
            .all(|s| s.trim().is_empty())
    }

    fn parse(&self, p: &mut Problems, field: &str, factor: Factor) -> Option<Dist> {
        let at = |part: &str| format!("{field}.{part}");
        let before = p.len();
        let num = |p: &mut Problems, part: &str, raw: &str| -> Option<f64> {
            p.take(&at(part), parse_number(raw))
        };
        let distribution = self.distribution.trim().to_ascii_lowercase();
        let kind = factor.kind();
        let d = match distribution.as_str() {
            "" | "pert" => {
                let min = num(p, "min", &self.min);
                let max = num(p, "max", &self.max);
                let mode = if self.mode.trim().is_empty() {
                    match (min, max) {
                        (Some(a), Some(b)) if a == b => Some(a),
                        _ => {
                            p.add(&at("mode"), "give the most likely value");
                            None
                        }
                    }
                } else {
                    num(p, "mode", &self.mode)
                };
                let lambda = if self.lambda.trim().is_empty() {
                    Some(4.0)
                } else {
                    match parse_number(&self.lambda) {
                        Ok(l) if (0.0..=100.0).contains(&l) => Some(l),
                        Ok(l) => {
                            p.add(
                                &at("lambda"),
                                format!(
                                    "λ is {l}: give a weight from 0 to 100 (4 is classic PERT)"
                                ),
                            );
                            None
                        }
                        Err(e) => {
                            p.add(&at("lambda"), e);
                            None
                        }
                    }
                };
                let (min, mode, max, lambda) = (min?, mode?, max?, lambda?);
                if min > max {
                    p.add(
                        &at("min"),
                        format!(
                            "the minimum ({}) is above the maximum ({})",
                            show(min),
                            show(max)
                        ),
                    );
                } else if mode < min || mode > max {
                    p.add(
                        &at("mode"),
                        format!(
                            "the most likely value ({}) is outside {} to {}",
                            show(mode),
                            show(min),
                            show(max)
                        ),
                    );
                }
                Dist::Pert {
                    min,
                    mode,
                    max,
                    lambda,
                }
            }
            "lognormal" => {
                if kind == Kind::Probability {
                    p.add(
                        &at("distribution"),
                        "a probability cannot be lognormal (it has no upper bound): use PERT",
                    );
                    return None;
                }
                let low = num(p, "min", &self.min);
                let high = num(p, "max", &self.max);
                let (low, high) = (low?, high?);
                if low <= 0.0 {
                    p.add(&at("min"), "a lognormal needs a 5th percentile above 0");
                } else if high <= low {
                    p.add(
                        &at("max"),
                        format!(
                            "the 95th percentile ({}) must be above the 5th ({})",
                            show(high),
                            show(low)
                        ),
                    );
                }
                Dist::Lognormal { low, high }
            }
            other => {
                p.add(
                    &at("distribution"),
                    format!("'{other}' is not a distribution: use pert or lognormal"),
                );
                return None;
            }
        };
        let (lo, hi) = match d {
            Dist::Pert { min, max, .. } => (min, max),
            Dist::Lognormal { low, high } => (low, high),
        };
        let what = match kind {
            Kind::Frequency => "a frequency",
            Kind::Probability => "a probability",
            Kind::Money => "an amount",
        };
        if lo < 0.0 {
            p.add(
                &at("min"),
                format!("{what} cannot be negative ({})", show(lo)),
            );
        }
        let top = match kind {
            Kind::Frequency => 1e6,
            Kind::Probability => 1.0,
            Kind::Money => MAX_LOSS,
        };
        if hi > top {
            let limit = match kind {
                Kind::Frequency => "1,000,000 events a year".to_string(),
                Kind::Probability => "1 (100%)".to_string(),
                Kind::Money => show(MAX_LOSS),
            };
            p.add(
                &at("max"),
                format!("{what} cannot be above {limit} ({})", show(hi)),
            );
        }
        (p.len() == before).then_some(d)
    }

    pub fn of(d: &Dist) -> FactorInput {
        match *d {
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => FactorInput {
                distribution: "pert".into(),
                min: format!("{min}"),
                mode: format!("{mode}"),
                max: format!("{max}"),
                lambda: if lambda == 4.0 {
                    String::new()
                } else {
                    format!("{lambda}")
                },
            },
            Dist::Lognormal { low, high } => FactorInput {
                distribution: "lognormal".into(),
                min: format!("{low}"),
                mode: String::new(),
                max: format!("{high}"),
                lambda: String::new(),
            },
        }
    }
}

/// One phase's estimate as typed: the model and its factors.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct EstimateInput {
    /// `simple` (loss event frequency × loss magnitude) or `tree` (the full FAIR tree).
    /// Empty: no estimate for this phase.
    pub model: String,
    #[serde(skip_serializing_if = "FactorInput::is_empty")]
    pub lef: FactorInput,
    #[serde(skip_serializing_if = "FactorInput::is_empty")]
    pub lm: FactorInput,
    #[serde(skip_serializing_if = "FactorInput::is_empty")]
    pub tef: FactorInput,
    #[serde(skip_serializing_if = "FactorInput::is_empty")]
    pub vulnerability: FactorInput,
    #[serde(skip_serializing_if = "FactorInput::is_empty")]
    pub primary_loss: FactorInput,
    #[serde(skip_serializing_if = "FactorInput::is_empty")]
    pub secondary_frequency: FactorInput,
    #[serde(skip_serializing_if = "FactorInput::is_empty")]
    pub secondary_loss: FactorInput,
}

impl EstimateInput {
    pub fn factor(&self, f: Factor) -> &FactorInput {
        match f {
            Factor::Lef => &self.lef,
            Factor::Lm => &self.lm,
            Factor::Tef => &self.tef,
            Factor::Vulnerability => &self.vulnerability,
            Factor::PrimaryLoss => &self.primary_loss,
            Factor::SecondaryFrequency => &self.secondary_frequency,
            Factor::SecondaryLoss => &self.secondary_loss,
        }
    }

    pub fn factor_mut(&mut self, f: Factor) -> &mut FactorInput {
        match f {
            Factor::Lef => &mut self.lef,
            Factor::Lm => &mut self.lm,
            Factor::Tef => &mut self.tef,
            Factor::Vulnerability => &mut self.vulnerability,
            Factor::PrimaryLoss => &mut self.primary_loss,
            Factor::SecondaryFrequency => &mut self.secondary_frequency,
            Factor::SecondaryLoss => &mut self.secondary_loss,
        }
    }

    fn parse(&self, p: &mut Problems, phase: &str) -> Option<Estimate> {
        let factor = |p: &mut Problems, f: Factor| {
            let field = format!("{phase}.{}", f.key());
            let input = self.factor(f);
            if input.is_empty() {
                p.add(&field, format!("give the range of '{}'", f.label()));
                None
            } else {
                input.parse(p, &field, f)
            }
        };
        match self.model.trim() {
            "" => None,
            "simple" => {
                let lef = factor(p, Factor::Lef);
                let lm = factor(p, Factor::Lm);
                Some(Estimate::Simple { lef: lef?, lm: lm? })
            }
            "tree" => {
                let tef = factor(p, Factor::Tef);
                let vulnerability = factor(p, Factor::Vulnerability);
                let primary_loss = factor(p, Factor::PrimaryLoss);
                let secondary = match (
                    self.secondary_frequency.is_empty(),
                    self.secondary_loss.is_empty(),
                ) {
                    (true, true) => None,
                    _ => {
                        let f = factor(p, Factor::SecondaryFrequency);
                        let m = factor(p, Factor::SecondaryLoss);
                        Some((f?, m?))
                    }
                };
                Some(Estimate::Tree {
                    tef: tef?,
                    vulnerability: vulnerability?,
                    primary_loss: primary_loss?,
                    secondary,
                })
            }
            other => {
                p.add(
                    &format!("{phase}.model"),
                    format!("'{other}' is not a model: use simple or tree"),
                );
                None
            }
        }
    }

    pub fn of(e: &Estimate) -> EstimateInput {
        let mut input = EstimateInput {
            model: model_key(e).into(),
            ..Default::default()
        };
        for (f, d) in factors(e) {
            *input.factor_mut(f) = FactorInput::of(&d);
        }
        input
    }
}

pub fn model_key(e: &Estimate) -> &'static str {
    match e {
        Estimate::Simple { .. } => "simple",
        Estimate::Tree { .. } => "tree",
    }
}

/// The factors of an estimate, in the order of `Factor::ALL`.
pub fn factors(e: &Estimate) -> Vec<(Factor, Dist)> {
    match e {
        Estimate::Simple { lef, lm } => vec![(Factor::Lef, *lef), (Factor::Lm, *lm)],
        Estimate::Tree {
            tef,
            vulnerability,
            primary_loss,
            secondary,
        } => {
            let mut v = vec![
                (Factor::Tef, *tef),
                (Factor::Vulnerability, *vulnerability),
                (Factor::PrimaryLoss, *primary_loss),
            ];
            if let Some((f, m)) = secondary {
                v.push((Factor::SecondaryFrequency, *f));
                v.push((Factor::SecondaryLoss, *m));
            }
            v
        }
    }
}

/// An estimate back from its stored factors; `None` when the set does not make a model.
pub fn from_factors(model: &str, set: &[(Factor, Dist)]) -> Option<Estimate> {
    let get = |f: Factor| set.iter().find(|(g, _)| *g == f).map(|(_, d)| *d);
    match model {
        "simple" => Some(Estimate::Simple {
            lef: get(Factor::Lef)?,
            lm: get(Factor::Lm)?,
        }),
        "tree" => Some(Estimate::Tree {
            tef: get(Factor::Tef)?,
            vulnerability: get(Factor::Vulnerability)?,
            primary_loss: get(Factor::PrimaryLoss)?,
            secondary: get(Factor::SecondaryFrequency).zip(get(Factor::SecondaryLoss)),
        }),
        _ => None,
    }
}

/// Both phases as typed (form or API body).
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(default)]
pub struct FairInput {
    pub current: EstimateInput,
    /// Leave `model` empty when the treatment plan does not change the ranges.
    pub residual: EstimateInput,
}

/// A risk's estimates, checked.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fair {
    pub current: Estimate,
    pub residual: Option<Estimate>,
}

impl FairInput {
    pub fn parse(&self) -> Result<Fair, Error> {
        let mut p = Problems::new();
        let current = self.current.parse(&mut p, "current");
        if self.current.model.trim().is_empty() {
            p.add(
                "current.model",
                "choose a model for the current estimate: simple or tree",
            );
        }
        let residual = self.residual.parse(&mut p, "residual");
        p.into_result()?;
        Ok(Fair {
            current: current.ok_or_else(|| Error::field("current", "no estimate"))?,
            residual,
        })
    }

    pub fn of(f: &Fair) -> FairInput {
        FairInput {
            current: EstimateInput::of(&f.current),
            residual: f
                .residual
                .as_ref()
                .map(EstimateInput::of)
                .unwrap_or_default(),
        }
    }
}

/// A point of the risk appetite: at most `probability` of an annual loss above `loss`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, utoipa::ToSchema)]
pub struct AppetitePoint {
    pub loss: f64,
    pub probability: f64,
}

/// Reads an appetite such as `1M: 10%; 10M: 1%` (pairs of loss and chance, separated by `;`
/// or new lines). Empty: no appetite.
pub fn parse_appetite(raw: &str) -> Result<Vec<AppetitePoint>, String> {
    let mut points = Vec::new();
    for part in raw
        .split([';', '\n'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        let Some((loss, chance)) = part.split_once(':') else {
            return Err(format!(
                "'{part}' is not a point: write a loss and a chance, such as 1M: 10%"
            ));
        };
        let loss = parse_number(loss).map_err(|e| format!("'{part}': {e}"))?;
        let probability = parse_number(chance).map_err(|e| format!("'{part}': {e}"))?;
        if loss <= 0.0 {
            return Err(format!("'{part}': the loss must be above 0"));
        }
        if !(0.0..=1.0).contains(&probability) {
            return Err(format!("'{part}': the chance must be between 0% and 100%"));
        }
        points.push(AppetitePoint { loss, probability });
    }
    points.sort_by(|a, b| a.loss.total_cmp(&b.loss));
    if points
        .windows(2)
        .any(|w| w[1].probability > w[0].probability)
    {
        return Err(
            "a larger loss must not be tolerated with a higher chance than a smaller one".into(),
        );
    }
    Ok(points)
}

/// A chance as a percentage, without the float noise of `0.07 * 100` ("7", not
/// "7.000000000000001").
pub fn show_percent(probability: f64) -> String {
    let text = format!("{:.6}", probability * 100.0);
    let text = text.trim_end_matches('0').trim_end_matches('.');
    if text == "-0" {
        "0".into()
    } else {
        text.into()
    }
}

pub fn format_appetite(points: &[AppetitePoint]) -> String {
    points
        .iter()
        .map(|p| format!("{}: {}%", show(p.loss), show_percent(p.probability)))
        .collect::<Vec<_>>()
        .join("; ")
}

/// A risk of the portfolio as the analysis needs it.
#[derive(Debug, Clone)]
pub struct Quantified {
    pub id: String,
    pub title: String,
    pub fair: Fair,
    /// Measures of its treatment plan, with their costs (whole currency units).
    pub measures: Vec<(String, Option<i64>)>,
}

impl Quantified {
    /// The estimate after treatment: the residual ranges once the risk has a treatment plan,
    /// otherwise the current ones.
    pub fn after(&self) -> (&Estimate, bool) {
        match &self.fair.residual {
            Some(r) if !self.measures.is_empty() => (r, true),
            _ => (&self.fair.current, false),
        }
    }

    pub fn plan_cost(&self) -> i64 {
        self.measures.iter().filter_map(|(_, c)| *c).sum()
    }
}

/// A breach of the appetite: the curve is above a point.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Breach {
    pub phase: Phase,
    pub loss: f64,
    pub tolerated: f64,
    pub simulated: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RiskOutcome {
    pub id: String,
    pub title: String,
    pub model: &'static str,
    pub current: Summary,
    pub residual: Summary,
    /// Whether the residual ranges were applied (the risk has a treatment plan and residual ranges).
    pub treated: bool,
    pub plan_cost: i64,
    /// Expected annual loss removed by the plan.
    pub reduction: f64,
    /// Reduction per unit of plan cost.
    pub return_on_plan: Option<f64>,
    /// Mean loss in the portfolio's 1% worst years, before and after.
    pub tail_current: f64,
    pub tail_residual: f64,
}

/// A portfolio before and after treatment.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Analysis {
    pub iterations: u64,
    pub seed: u64,
    pub current: Summary,
    pub residual: Summary,
    pub current_shortfall: f64,
    pub residual_shortfall: f64,
    pub risks: Vec<RiskOutcome>,
    /// Distinct measures of the plans and their total cost.
    pub plan_measures: usize,
    pub plan_cost: i64,
    pub reduction: f64,
    pub return_on_plan: Option<f64>,
    pub appetite: Vec<AppetitePoint>,
    pub breaches: Vec<Breach>,
}

fn run(models: &[Model], opts: &Options, progress: &(dyn Fn(u64, u64) + Sync)) -> Run {
    montecarlo::simulate(models, opts, progress)
}

/// A risk's estimates with who last changed them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, utoipa::ToSchema)]
pub struct StoredFair {
    /// `{"current": {"model": "simple", "lef": {"distribution": "pert", "min": …}, …}, "residual": … or null}`
    #[schema(value_type = Object)]
    pub fair: Fair,
    pub updated_by: String,
    pub updated_at: String,
}

/// The organisation's settings for quantitative risk.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct FairSettings {
    /// ISO 4217 code, e.g. EUR.
    pub currency: String,
    pub appetite: Vec<AppetitePoint>,
}

/// The analysis with its currency, as the JSON export and the API give it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct AnalysisBody {
    pub currency: String,
    #[serde(flatten)]
    #[schema(value_type = Object)]
    pub analysis: Analysis,
}

/// Most iterations a page or the API may ask for (the command line may ask for more).
pub const PAGE_ITERATIONS: u64 = 1_000_000;

/// The parameters of a simulation's query string.
pub const RUN_PARAMS: &[&str] = &["iterations", "seed"];

/// Reads a simulation's `iterations` (1,000 to `most`) and `seed` from a query. When `strict`
/// (the API), any other parameter is refused; pages ignore strangers. Problems are query
/// problems (400), each naming its parameter.
pub fn run_options(
    params: &crate::domain::query::Params,
    most: u64,
    strict: bool,
) -> Result<Options, Error> {
    let mut p = Problems::new();
    let mut opts = Options::default();
    for (k, v) in params.pairs() {
        match k.as_str() {
            // Empty is the default, as the API document declares it.
            "iterations" | "seed" if v.trim().is_empty() => {}
            "iterations" => match v.trim().replace([',', '_', ' '], "").parse::<u64>() {
                Ok(n) if (1000..=most).contains(&n) => opts.iterations = n,
                _ => p.add(
                    "iterations",
                    format!("'{v}' is not a number of iterations from 1,000 to {most}"),
                ),
            },
            // The API declares a seed as a 64-bit integer: 0 to 9,223,372,036,854,775,807.
            "seed" => match v.trim().parse::<u64>() {
                Ok(n) if i64::try_from(n).is_ok() => opts.seed = n,
                _ => p.add(
                    "seed",
                    format!(
                        "'{v}' is not a seed (a whole number from 0 to {})",
                        i64::MAX
                    ),
                ),
            },
            other if strict && !crate::domain::query::PAGING.contains(&other) => {
                p.add(other, "unknown parameter: use iterations or seed")
            }
            _ => {}
        }
    }
    p.into_query_result()?;
    Ok(opts)
}

/// Simulates the portfolio before and after treatment with the same random numbers, so that
/// what differs between the two is the plan, not the noise. `progress` hears (done, total)
/// over both runs.
pub fn analyse(
    risks: &[Quantified],
    appetite: &[AppetitePoint],
    opts: &Options,
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Analysis {
    let total = 2 * opts.iterations.clamp(1, montecarlo::MAX_ITERATIONS) * risks.len() as u64;
    let before: Vec<Model> = risks
        .iter()
        .map(|r| Model {
            name: &r.id,
            estimate: &r.fair.current,
        })
        .collect();
    let after: Vec<Model> = risks
        .iter()
        .map(|r| Model {
            name: &r.id,
            estimate: r.after().0,
        })
        .collect();
    let current = run(&before, opts, &|d, _| progress(d, total));
    let residual = run(&after, opts, &|d, _| progress(total / 2 + d, total));
    let outcomes: Vec<RiskOutcome> = risks
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let (c, s) = (&current.risks[i], &residual.risks[i]);
            let reduction = c.mean - s.mean;
            let cost = r.plan_cost();
            RiskOutcome {
                id: r.id.clone(),
                title: r.title.clone(),
                model: model_key(&r.fair.current),
                current: c.clone(),
                residual: s.clone(),
                treated: r.after().1,
                plan_cost: cost,
                reduction,
                return_on_plan: (cost > 0).then(|| reduction / cost as f64),
                tail_current: current.tail.contributions[i],
                tail_residual: residual.tail.contributions[i],
            }
        })
        .collect();
    let mut measures: Vec<(&String, Option<i64>)> = risks
        .iter()
        .flat_map(|r| r.measures.iter().map(|(id, c)| (id, *c)))
        .collect();
    measures.sort();
    measures.dedup();
    let plan_cost: i64 = measures.iter().filter_map(|(_, c)| *c).sum();
    let reduction = current.portfolio.mean - residual.portfolio.mean;
    let mut breaches = Vec::new();
    for (phase, s) in [
        (Phase::Current, &current.portfolio),
        (Phase::Residual, &residual.portfolio),
    ] {
        for a in appetite {
            let simulated = s.exceedance(a.loss);
            if simulated > a.probability {
                breaches.push(Breach {
                    phase,
                    loss: a.loss,
                    tolerated: a.probability,
                    simulated,
                });
            }
        }
    }
    Analysis {
        iterations: current.iterations,
        seed: opts.seed,
        current_shortfall: current.tail.expected_shortfall,
        residual_shortfall: residual.tail.expected_shortfall,
        current: current.portfolio,
        residual: residual.portfolio,
        risks: outcomes,
        plan_measures: measures.len(),
        plan_cost,
        reduction,
        return_on_plan: (plan_cost > 0).then(|| reduction / plan_cost as f64),
        appetite: appetite.to_vec(),
        breaches,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pert(min: &str, mode: &str, max: &str) -> FactorInput {
        FactorInput {
            min: min.into(),
            mode: mode.into(),
            max: max.into(),
            ..Default::default()
        }
    }

    impl FactorInput {
        fn with(mut self, distribution: &str) -> FactorInput {
            self.distribution = distribution.into();
            self
        }
    }

    fn fields(e: Error) -> Vec<(String, String)> {
        e.fields()
            .iter()
            .map(|f| (f.field.clone(), f.message.clone()))
            .collect()
    }

    #[test]
    fn numbers_are_read_as_people_write_them() {
        for (raw, want) in [
            ("50000", 50000.0),
            ("50 000", 50000.0),
            ("50,000", 50000.0),
            ("1,250,000", 1_250_000.0),
            ("50k", 50000.0),
            ("1.5M", 1_500_000.0),
            ("2B", 2e9),
            ("1e6", 1e6),
            ("30%", 0.3),
            ("0,5", 0.5),
        ] {
            assert_eq!(parse_number(raw), Ok(want), "{raw}");
        }
        assert!(parse_number("lots").unwrap_err().contains("'lots'"));
        assert!(parse_number("").is_err());
    }

    #[test]
    fn a_simple_estimate_parses_and_comes_back() {
        let input = FairInput {
            current: EstimateInput {
                model: "simple".into(),
                lef: pert("0.1", "0.5", "2"),
                lm: pert("10k", "50k", "500k"),
                ..Default::default()
            },
            residual: EstimateInput {
                model: "simple".into(),
                lef: pert("0.05", "0.1", "0.5"),
                lm: FactorInput {
                    distribution: "lognormal".into(),
                    min: "10k".into(),
                    max: "200k".into(),
                    ..Default::default()
                },
                ..Default::default()
            },
        };
        let fair = input.parse().unwrap();
        assert_eq!(
            fair.current,
            Estimate::Simple {
                lef: Dist::pert(0.1, 0.5, 2.0),
                lm: Dist::pert(1e4, 5e4, 5e5)
            }
        );
        assert_eq!(FairInput::of(&fair).parse().unwrap(), fair);
    }

    #[test]
    fn bad_ranges_name_their_field() {
        let input = FairInput {
            current: EstimateInput {
                model: "tree".into(),
                tef: pert("-1", "2", "10"),
                vulnerability: pert("0.1", "0.3", "1.5"),
                primary_loss: pert("50k", "10k", "100k"),
                secondary_frequency: pert("0.5", "0.3", "0.1"),
                ..Default::default()
            },
            residual: EstimateInput {
                model: "simple".into(),
                lef: FactorInput {
                    distribution: "lognormal".into(),
                    min: "5".into(),
                    max: "1".into(),
                    ..Default::default()
                },
                lm: pert("1", "2", "x"),
                ..Default::default()
            },
        };
        let got = fields(input.parse().unwrap_err());
        let names: Vec<&str> = got.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(
            names,
            [
                "current.tef.min",
                "current.vulnerability.max",
                "current.primary_loss.mode",
                "current.secondary_frequency.min",
                "current.secondary_loss",
                "residual.lef.max",
                "residual.lm.max"
            ],
            "{got:?}"
        );
        assert!(got[0].1.contains("negative"), "{}", got[0].1);
        assert!(
            got[2].1.contains("outside 50,000 to 100,000"),
            "{}",
            got[2].1
        );
        assert!(got[3].1.contains("above the maximum"), "{}", got[3].1);
    }

    #[test]
    fn a_factor_may_be_written_as_a_list() {
        let input: FairInput = serde_json::from_str(
            r#"{"current": {"model": "simple", "lef": [0.1, "0.5", 2], "lm": {"min": "10k", "mode": "50k", "max": "500k"}}}"#,
        )
        .unwrap();
        assert_eq!(input.current.lef, pert("0.1", "0.5", "2").with("pert"));
        let err = serde_json::from_str::<FairInput>(r#"{"current": {"lef": [1, 2]}}"#).unwrap_err();
        assert!(err.to_string().contains("this list has 2 values"), "{err}");
        let err = serde_json::from_str::<FairInput>(r#"{"current": {"lef": {"minimum": 1}}}"#)
            .unwrap_err();
        assert!(
            err.to_string().contains("did not match") || err.to_string().contains("minimum"),
            "{err}"
        );
    }

    #[test]
    fn a_missing_model_is_named() {
        let got = fields(FairInput::default().parse().unwrap_err());
        assert_eq!(got[0].0, "current.model");
    }

    #[test]
    fn appetite_points_are_read_and_checked() {
        let a = parse_appetite("10M: 1%; 1M: 10%").unwrap();
        assert_eq!(
            a,
            [
                AppetitePoint {
                    loss: 1e6,
                    probability: 0.1
                },
                AppetitePoint {
                    loss: 1e7,
                    probability: 0.01
                }
            ]
        );
        assert_eq!(format_appetite(&a), "1,000,000: 10%; 10,000,000: 1%");
        // 0.07 * 100 is 7.000000000000001 in floating point: shown as 7%, and read back.
        let odd = parse_appetite("100k: 50%; 1M: 7%; 5M: 0.05%").unwrap();
        assert_eq!(
            format_appetite(&odd),
            "100,000: 50%; 1,000,000: 7%; 5,000,000: 0.05%"
        );
        assert_eq!(parse_appetite(&format_appetite(&odd)).unwrap(), odd);
        assert!(parse_appetite("1M 10%").is_err());
        assert!(parse_appetite("1M: 10%; 10M: 20%").is_err());
        assert!(parse_appetite("1M: 150%").is_err());
        assert_eq!(parse_appetite(" ").unwrap(), []);
    }

    #[test]
    fn residual_ranges_count_once_the_risk_has_a_plan() {
        let input = FairInput {
            current: EstimateInput {
                model: "simple".into(),
                lef: pert("1", "2", "4"),
                lm: pert("10k", "50k", "100k"),
                ..Default::default()
            },
            residual: EstimateInput {
                model: "simple".into(),
                lef: pert("0.1", "0.2", "0.4"),
                lm: pert("10k", "50k", "100k"),
                ..Default::default()
            },
        };
        let mut r = Quantified {
            id: "R-0001".into(),
            title: "Ransomware".into(),
            fair: input.parse().unwrap(),
            measures: vec![],
        };
        let opts = Options {
            iterations: 20_000,
            seed: 1,
        };
        let untreated = analyse(std::slice::from_ref(&r), &[], &opts, &|_, _| {});
        assert_eq!(untreated.current, untreated.residual);
        assert!(!untreated.risks[0].treated);
        r.measures = vec![("M-0001".into(), Some(10_000)), ("M-0002".into(), None)];
        let appetite = [AppetitePoint {
            loss: 100_000.0,
            probability: 0.05,
        }];
        let treated = analyse(std::slice::from_ref(&r), &appetite, &opts, &|_, _| {});
        assert_eq!(treated.current, untreated.current);
        assert!(treated.risks[0].treated);
        assert!(treated.residual.mean < treated.current.mean / 5.0);
        assert_eq!(treated.plan_cost, 10_000);
        let roi = treated.return_on_plan.unwrap();
        assert!((roi - treated.reduction / 10_000.0).abs() < 1e-9);
        assert!(treated.breaches.iter().any(|b| b.phase == Phase::Current));
        assert!(!treated.breaches.iter().any(|b| b.phase == Phase::Residual));
    }
}
