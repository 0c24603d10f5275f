//! The Monte Carlo engine behind quantitative (FAIR-style) risk analysis. Pure: no I/O.
//!
//! Each risk's annual loss is simulated from its estimate, either the short form
//! (loss event frequency × loss magnitude) or the full tree (threat event frequency ×
//! vulnerability × (primary loss + secondary loss event frequency × secondary loss magnitude)).
//! The portfolio is the per-iteration sum over risks.
//!
//! How it stays fast and reproducible:
//! - Sampling is by inverse transform from a quantile table of 4,096 cells per factor
//!   (linear between the knots, the lognormal's outer cells computed exactly). A modified-PERT
//!   table is the Beta quantile function of its shape, computed once per shape by integrating
//!   the density on a fine grid and cached.
//! - The random numbers are counter based: iteration `i` of a factor reads word `i` of a
//!   SplitMix64 stream keyed by the seed, the risk's name and the factor. Every chunk of
//!   iterations is thus its own generator positioned at its first iteration, so the results
//!   do not depend on how many threads run the chunks, a risk draws the same numbers whatever
//!   other risks are simulated, and the current and residual estimates of one risk share their
//!   random numbers (the reduction between them is not blurred by noise).
//! - Statistics are streamed: a risk's losses go into a log-bucketed histogram (64 buckets per
//!   doubling, interpolated inside a bucket) and shifted sums; the portfolio keeps one integer
//!   (cents) per iteration, so its percentiles and curve are exact and its sum does not depend
//!   on the order in which threads add risks. Memory grows with iterations or with risks, never
//!   with their product.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

use rayon::prelude::*;
use serde::Serialize;

/// Number of cells in a quantile table.
const CELLS: usize = 4096;
/// Bits of a 32-bit uniform below the cell index.
const FRACTION_BITS: u32 = 32 - CELLS.trailing_zeros();
/// Lognormal cells at either end computed exactly rather than interpolated.
const EXACT_TAIL_CELLS: usize = 4;
/// Losses are capped here (currency units) so that no sum overflows.
pub const MAX_LOSS: f64 = 1e15;
/// Iterations a run may ask for.
pub const MAX_ITERATIONS: u64 = 10_000_000;
/// The z of the 95th percentile of the standard normal.
pub const Z95: f64 = 1.644_853_626_951_472_2;
/// Points on a loss-exceedance curve.
pub const LEC_POINTS: usize = 128;
/// Bars of a distribution chart.
pub const BINS: usize = 40;

/// One estimated quantity.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(tag = "distribution", rename_all = "snake_case")]
pub enum Dist {
    /// Modified PERT on `[min, max]` peaking at `mode`; `lambda` weighs the mode (4 is classic PERT).
    Pert {
        min: f64,
        mode: f64,
        max: f64,
        lambda: f64,
    },
    /// Lognormal whose 5th and 95th percentiles are `low` and `high` (a calibrated 90% interval).
    Lognormal { low: f64, high: f64 },
}

impl Dist {
    pub fn pert(min: f64, mode: f64, max: f64) -> Dist {
        Dist::Pert {
            min,
            mode,
            max,
            lambda: 4.0,
        }
    }

    /// Shape parameters of the Beta distribution behind a PERT.
    fn shape(min: f64, mode: f64, max: f64, lambda: f64) -> (f64, f64) {
        if max > min {
            let r = ((mode - min) / (max - min)).clamp(0.0, 1.0);
            (1.0 + lambda * r, 1.0 + lambda * (1.0 - r))
        } else {
            (1.0, 1.0)
        }
    }

    fn lognormal_params(low: f64, high: f64) -> (f64, f64) {
        let (l, h) = (low.ln(), high.ln());
        ((l + h) / 2.0, (h - l) / (2.0 * Z95))
    }

    pub fn mean(&self) -> f64 {
        match *self {
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => (min + lambda * mode + max) / (lambda + 2.0),
            Dist::Lognormal { low, high } => {
                let (mu, s) = Dist::lognormal_params(low, high);
                (mu + s * s / 2.0).exp()
            }
        }
    }

    pub fn variance(&self) -> f64 {
        match *self {
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                let (a, b) = Dist::shape(min, mode, max, lambda);
                let range = max - min;
                a * b / ((a + b) * (a + b) * (a + b + 1.0)) * range * range
            }
            Dist::Lognormal { low, high } => {
                let (mu, s) = Dist::lognormal_params(low, high);
                ((s * s).exp() - 1.0) * (2.0 * mu + s * s).exp()
            }
        }
    }

    /// Second raw moment.
    fn square_mean(&self) -> f64 {
        self.variance() + self.mean() * self.mean()
    }
}

/// A risk's estimate of its annual loss.
#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(tag = "model", rename_all = "snake_case")]
pub enum Estimate {
    /// Loss event frequency (events a year) × loss magnitude (per event).
    Simple { lef: Dist, lm: Dist },
    /// Threat event frequency × vulnerability (probability) × (primary loss + secondary loss
    /// event frequency (probability) × secondary loss magnitude).
    Tree {
        tef: Dist,
        vulnerability: Dist,
        primary_loss: Dist,
        secondary: Option<(Dist, Dist)>,
    },
}

impl Estimate {
    /// The analytic expected annual loss (the factors are independent).
    pub fn mean(&self) -> f64 {
        match self {
            Estimate::Simple { lef, lm } => lef.mean() * lm.mean(),
            Estimate::Tree {
                tef,
                vulnerability,
                primary_loss,
                secondary,
            } => {
                let sec = secondary.map_or(0.0, |(f, m)| f.mean() * m.mean());
                tef.mean() * vulnerability.mean() * (primary_loss.mean() + sec)
            }
        }
    }

    /// The analytic variance of the annual loss (the factors are independent).
    pub fn variance(&self) -> f64 {
        match self {
            Estimate::Simple { lef, lm } => {
                lef.square_mean() * lm.square_mean() - (lef.mean() * lm.mean()).powi(2)
            }
            Estimate::Tree {
                tef,
                vulnerability,
                primary_loss,
                secondary,
            } => {
                // M = PL + F·S; E[M²] = E[PL²] + 2 E[PL] E[F] E[S] + E[F²] E[S²].
                let (m1, m2) = match secondary {
                    Some((f, s)) => (
                        primary_loss.mean() + f.mean() * s.mean(),
                        primary_loss.square_mean()
                            + 2.0 * primary_loss.mean() * f.mean() * s.mean()
                            + f.square_mean() * s.square_mean(),
                    ),
                    None => (primary_loss.mean(), primary_loss.square_mean()),
                };
                tef.square_mean() * vulnerability.square_mean() * m2
                    - (tef.mean() * vulnerability.mean() * m1).powi(2)
            }
        }
    }
}

/// How a run is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub iterations: u64,
    pub seed: u64,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            iterations: 100_000,
            seed: 1,
        }
    }
}

/// A risk to simulate: its name keys its random numbers.
#[derive(Clone, Copy, Debug)]
pub struct Model<'a> {
    pub name: &'a str,
    pub estimate: &'a Estimate,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct LecPoint {
    pub loss: f64,
    /// Probability that the annual loss exceeds `loss`.
    pub probability: f64,
}

#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Bin {
    pub from: f64,
    pub to: f64,
    /// Share of the iterations whose loss falls in `[from, to)`.
    pub share: f64,
}

/// What a simulated annual-loss distribution looks like.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    pub mean: f64,
    pub sd: f64,
    pub min: f64,
    pub max: f64,
    pub p50: f64,
    pub p90: f64,
    pub p95: f64,
    pub p99: f64,
    /// Loss-exceedance curve, log-spaced from the 1st percentile (or the smallest loss) to the maximum.
    pub lec: Vec<LecPoint>,
    /// Distribution on log-spaced bins from the 0.5th to the 99.9th percentile.
    pub bins: Vec<Bin>,
}

impl Summary {
    /// Probability that the annual loss exceeds `loss`, read off the curve.
    pub fn exceedance(&self, loss: f64) -> f64 {
        let Some(first) = self.lec.first() else {
            return 0.0;
        };
        if loss <= first.loss {
            return first.probability;
        }
        for w in self.lec.windows(2) {
            if loss <= w[1].loss {
                let t = (loss.ln() - w[0].loss.ln()) / (w[1].loss.ln() - w[0].loss.ln());
                return w[0].probability + t * (w[1].probability - w[0].probability);
            }
        }
        0.0
    }
}

/// The tail of the portfolio: iterations at or above its 99th percentile.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct TailLoss {
    /// The 99th percentile of the portfolio's annual loss.
    pub threshold: f64,
    /// Mean portfolio loss in the tail (expected shortfall).
    pub expected_shortfall: f64,
    /// Iterations in the tail.
    pub iterations: u64,
    /// Each risk's mean loss in the tail iterations, in the order of the models; they add up to
    /// the expected shortfall.
    pub contributions: Vec<f64>,
}

/// The outcome of one run.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Run {
    pub iterations: u64,
    pub seed: u64,
    pub portfolio: Summary,
    /// In the order of the models.
    pub risks: Vec<Summary>,
    pub tail: TailLoss,
}

// ---------------------------------------------------------------------------------------------
// Random numbers

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

#[inline(always)]
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Word `i` of the SplitMix64 stream that starts at `key`.
#[inline(always)]
fn word(key: u64, i: u64) -> u64 {
    mix(key.wrapping_add(i.wrapping_add(1).wrapping_mul(GOLDEN)))
}

/// The stream of factor pair `pair` of the risk called `name`.
fn stream_key(seed: u64, name: &str, pair: u64) -> u64 {
    // FNV-1a of the name, then mixed with the seed and the pair.
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in name.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    mix(mix(seed ^ mix(h)) ^ mix(pair.wrapping_add(1).wrapping_mul(GOLDEN)))
}

// ---------------------------------------------------------------------------------------------
// Quantile tables

/// Inverse of the standard normal distribution function (Acklam's rational approximation,
/// relative error below 1.2e-9).
pub fn normal_quantile(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969_683_028_665_376e1,
        2.209_460_984_245_205e2,
        -2.759_285_104_469_687e2,
        1.383_577_518_672_69e2,
        -3.066_479_806_614_716e1,
        2.506_628_277_459_239,
    ];
    const B: [f64; 5] = [
        -5.447_609_879_822_406e1,
        1.615_858_368_580_409e2,
        -1.556_989_798_598_866e2,
        6.680_131_188_771_972e1,
        -1.328_068_155_288_572e1,
    ];
    const C: [f64; 6] = [
        -7.784_894_002_430_293e-3,
        -3.223_964_580_411_365e-1,
        -2.400_758_277_161_838,
        -2.549_732_539_343_734,
        4.374_664_141_464_968,
        2.938_163_982_698_783,
    ];
    const D: [f64; 4] = [
        7.784_695_709_041_462e-3,
        3.224_671_290_700_398e-1,
        2.445_134_137_142_996,
        3.754_408_661_907_416,
    ];
    const LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p <= 0.0 {
        f64::NEG_INFINITY
    } else if p >= 1.0 {
        f64::INFINITY
    } else if p < LOW {
        tail((-2.0 * p.ln()).sqrt())
    } else if p > 1.0 - LOW {
        -tail((-2.0 * (1.0 - p).ln()).sqrt())
    } else {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    }
}

/// Grid on which a Beta density is integrated into its distribution function.
const GRID: usize = 1 << 15;

fn log_grid() -> &'static (Vec<f64>, Vec<f64>) {
    static GRID_LOGS: OnceLock<(Vec<f64>, Vec<f64>)> = OnceLock::new();
    GRID_LOGS.get_or_init(|| {
        (0..GRID)
            .map(|k| {
                let x = (k as f64 + 0.5) / GRID as f64;
                (x.ln(), (1.0 - x).ln())
            })
            .unzip()
    })
}

type Table = Arc<[f64; CELLS + 1]>;

/// The Beta(a, b) quantile function at `j / CELLS` for `j` in `0..=CELLS`, cached by shape.
fn beta_table(a: f64, b: f64) -> Table {
    static CACHE: OnceLock<Mutex<HashMap<(u64, u64), Table>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let key = (a.to_bits(), b.to_bits());
    if let Some(t) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return t.clone();
    }
    let table: Table = if a == 1.0 && b == 1.0 {
        knots((0..=CELLS).map(|j| j as f64 / CELLS as f64))
    } else {
        // Midpoint rule on the grid; the density is scaled by its largest value, so the
        // normalising constant is never needed.
        let (lx, l1x) = log_grid();
        let log_density: Vec<f64> = lx
            .iter()
            .zip(l1x)
            .map(|(x, y)| (a - 1.0) * x + (b - 1.0) * y)
            .collect();
        let top = log_density
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max);
        let weights: Vec<f64> = log_density.iter().map(|l| (l - top).exp()).collect();
        let total: f64 = weights.iter().sum();
        let mut knots = Vec::with_capacity(CELLS + 1);
        knots.push(0.0);
        let (mut k, mut below) = (0usize, 0.0f64);
        for j in 1..CELLS {
            let target = total * j as f64 / CELLS as f64;
            while k + 1 < GRID && below + weights[k] < target {
                below += weights[k];
                k += 1;
            }
            let inside = if weights[k] > 0.0 {
                ((target - below) / weights[k]).clamp(0.0, 1.0)
            } else {
                0.5
            };
            knots.push((k as f64 + inside) / GRID as f64);
        }
        knots.push(1.0);
        self::knots(knots.into_iter())
    };
    let mut map = cache.lock().unwrap_or_else(|e| e.into_inner());
    if map.len() > 4096 {
        map.clear();
    }
    map.insert(key, table.clone());
    table
}

fn normal_table() -> Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE
        .get_or_init(|| knots((0..=CELLS).map(|j| normal_quantile(j as f64 / CELLS as f64))))
        .clone()
}

fn knots(values: impl Iterator<Item = f64>) -> Table {
    let mut k = Box::new([0.0; CELLS + 1]);
    for (slot, v) in k.iter_mut().zip(values) {
        *slot = v;
    }
    Arc::from(k)
}

/// Draws one factor from 32 random bits: a standard table (Beta of the PERT's shape, or the
/// standard normal) moved and scaled to the factor.
struct Sampler {
    table: Table,
    offset: f64,
    scale: f64,
    /// The value is `exp(offset + scale · z)`; the outer cells are computed exactly.
    lognormal: bool,
}

impl Sampler {
    fn new(d: &Dist) -> Sampler {
        match *d {
            Dist::Pert {
                min,
                mode,
                max,
                lambda,
            } => {
                let (a, b) = Dist::shape(min, mode, max, lambda);
                Sampler {
                    table: beta_table(a, b),
                    offset: min,
                    scale: max - min,
                    lognormal: false,
                }
            }
            Dist::Lognormal { low, high } => {
                let (mu, s) = Dist::lognormal_params(low, high);
                Sampler {
                    table: normal_table(),
                    offset: mu,
                    scale: s,
                    lognormal: true,
                }
            }
        }
    }

    #[inline(always)]
    fn at(&self, u: u32) -> f64 {
        let cell = (u >> FRACTION_BITS) as usize;
        let f = f64::from(u & ((1 << FRACTION_BITS) - 1)) / f64::from(1u32 << FRACTION_BITS);
        if self.lognormal {
            let z = if (EXACT_TAIL_CELLS..CELLS - EXACT_TAIL_CELLS).contains(&cell) {
                let lo = self.table[cell];
                lo + f * (self.table[cell + 1] - lo)
            } else {
                normal_quantile((f64::from(u) + 0.5) / 4_294_967_296.0)
            };
            return (self.offset + self.scale * z).exp().min(MAX_LOSS);
        }
        let lo = self.table[cell];
        self.offset + self.scale * (lo + f * (self.table[cell + 1] - lo))
    }
}

#[inline(always)]
fn high(w: u64) -> u32 {
    (w >> 32) as u32
}

#[inline(always)]
fn low(w: u64) -> u32 {
    w as u32
}

enum Kernel {
    Simple {
        lef: Sampler,
        lm: Sampler,
    },
    Tree {
        tef: Sampler,
        vulnerability: Sampler,
        primary: Sampler,
        secondary: Option<(Sampler, Sampler)>,
    },
}

/// One risk ready to draw: its samplers and its streams.
struct Prepared {
    kernel: Kernel,
    keys: [u64; 3],
    /// Sums are taken about this value (the analytic mean) to keep them precise.
    shift: f64,
}

impl Prepared {
    fn new(m: &Model, seed: u64) -> Prepared {
        let kernel = match m.estimate {
            Estimate::Simple { lef, lm } => Kernel::Simple {
                lef: Sampler::new(lef),
                lm: Sampler::new(lm),
            },
            Estimate::Tree {
                tef,
                vulnerability,
                primary_loss,
                secondary,
            } => Kernel::Tree {
                tef: Sampler::new(tef),
                vulnerability: Sampler::new(vulnerability),
                primary: Sampler::new(primary_loss),
                secondary: secondary.map(|(f, s)| (Sampler::new(&f), Sampler::new(&s))),
            },
        };
        let mean = m.estimate.mean();
        Prepared {
            kernel,
            keys: [0, 1, 2].map(|p| stream_key(seed, m.name, p)),
            shift: if mean.is_finite() {
                mean.min(MAX_LOSS)
            } else {
                0.0
            },
        }
    }

    /// The risk's annual loss in iteration `i`.
    #[inline(always)]
    fn loss(&self, i: u64) -> f64 {
        let x = match &self.kernel {
            Kernel::Simple { lef, lm } => {
                let w = word(self.keys[0], i);
                lef.at(high(w)) * lm.at(low(w))
            }
            Kernel::Tree {
                tef,
                vulnerability,
                primary,
                secondary,
            } => {
                let w0 = word(self.keys[0], i);
                let w1 = word(self.keys[1], i);
                let events = tef.at(high(w0)) * vulnerability.at(low(w0));
                let second = match secondary {
                    Some((f, s)) => f.at(low(w1)) * s.at(high(word(self.keys[2], i))),
                    None => 0.0,
                };
                events * (primary.at(high(w1)) + second)
            }
        };
        x.min(MAX_LOSS)
    }
}

// ---------------------------------------------------------------------------------------------
// Streaming statistics

const SUB_BITS: u32 = 6;
const LOW_EXPONENT: i64 = -4;
const HIGH_EXPONENT: i64 = 52;
const BUCKETS: usize = ((HIGH_EXPONENT - LOW_EXPONENT) as usize) << SUB_BITS;
const SMALLEST: f64 = 0.0625; // 2^LOW_EXPONENT

fn bucket_base() -> u64 {
    SMALLEST.to_bits() >> (52 - SUB_BITS)
}

/// Losses by log-spaced bucket: 64 buckets per doubling from 2^-4 to 2^52; smaller losses
/// count as zero.
struct Histogram {
    zero: u64,
    counts: Vec<u32>,
}

impl Histogram {
    fn new() -> Histogram {
        Histogram {
            zero: 0,
            counts: vec![0; BUCKETS],
        }
    }

    #[inline(always)]
    fn add(&mut self, x: f64, base: u64) {
        if x < SMALLEST {
            self.zero += 1;
        } else {
            let b = ((x.to_bits() >> (52 - SUB_BITS)) - base) as usize;
            self.counts[b.min(BUCKETS - 1)] += 1;
        }
    }

    fn merge(&mut self, other: &Histogram) {
        self.zero += other.zero;
        for (a, b) in self.counts.iter_mut().zip(&other.counts) {
            *a += b;
        }
    }

    fn bounds(b: usize) -> (f64, f64) {
        let base = bucket_base();
        (
            f64::from_bits((b as u64 + base) << (52 - SUB_BITS)),
            f64::from_bits((b as u64 + 1 + base) << (52 - SUB_BITS)),
        )
    }
}

/// What the summaries need of a distribution of `n` losses.
trait Distribution {
    fn n(&self) -> u64;
    /// The loss of order `k` (0-based, ascending).
    fn order(&self, k: u64) -> f64;
    /// How many losses exceed `x`.
    fn above(&self, x: f64) -> f64;
}

/// A risk's histogram with its running counts, so that an order statistic is a binary search
/// and an exceedance a lookup.
struct Binned {
    n: u64,
    min: f64,
    max: f64,
    zero: u64,
    /// `below[b]`: losses in the zero bucket and buckets before `b`; one entry per bucket + 1.
    below: Vec<u64>,
}

impl Binned {
    fn new(h: &Histogram, n: u64, min: f64, max: f64) -> Binned {
        let mut below = Vec::with_capacity(BUCKETS + 1);
        let mut seen = h.zero;
        below.push(seen);
        for &c in &h.counts {
            seen += u64::from(c);
            below.push(seen);
        }
        Binned {
            n,
            min,
            max,
            zero: h.zero,
            below,
        }
    }

    /// Bounds of bucket `b`, narrowed to the losses seen.
    fn span(&self, b: usize) -> (f64, f64) {
        let (lo, hi) = Histogram::bounds(b);
        (lo.max(self.min), hi.min(self.max).max(lo.max(self.min)))
    }
}

impl Distribution for Binned {
    fn n(&self) -> u64 {
        self.n
    }

    fn order(&self, k: u64) -> f64 {
        if k < self.zero {
            return 0.0;
        }
        // The bucket b with below[b] <= k < below[b + 1].
        let b = self.below.partition_point(|&c| c <= k) - 1;
        if b >= BUCKETS {
            return self.max;
        }
        let count = self.below[b + 1] - self.below[b];
        let (lo, hi) = self.span(b);
        lo + (hi - lo) * ((k - self.below[b]) as f64 + 0.5) / count as f64
    }

    fn above(&self, x: f64) -> f64 {
        if x < SMALLEST {
            return (self.n - self.zero) as f64;
        }
        let b = (((x.to_bits() >> (52 - SUB_BITS)) - bucket_base()) as usize).min(BUCKETS - 1);
        let count = (self.below[b + 1] - self.below[b]) as f64;
        let (lo, hi) = self.span(b);
        let inside = if count > 0.0 && hi > lo {
            count * ((hi - x) / (hi - lo)).clamp(0.0, 1.0)
        } else {
            0.0
        };
        (self.n - self.below[b + 1]) as f64 + inside
    }
}

/// The portfolio: every iteration's loss in cents, sorted.
struct Sorted<'a>(&'a [u64]);

impl Distribution for Sorted<'_> {
    fn n(&self) -> u64 {
        self.0.len() as u64
    }

    fn order(&self, k: u64) -> f64 {
        self.0[k as usize] as f64 / 100.0
    }

    fn above(&self, x: f64) -> f64 {
        let cents = (x * 100.0).floor();
        (self.0.len() - self.0.partition_point(|&c| c as f64 <= cents)) as f64
    }
}

fn quantile(d: &dyn Distribution, q: f64) -> f64 {
    let n = d.n();
    if n == 0 {
        return 0.0;
    }
    let r = q * (n - 1) as f64;
    let k = r.floor() as u64;
    let lo = d.order(k);
    if k + 1 >= n {
        return lo;
    }
    lo + (r - k as f64) * (d.order(k + 1) - lo)
}

fn log_spaced(from: f64, to: f64, points: usize) -> Vec<f64> {
    let (a, b) = (from.ln(), to.ln());
    let mut v: Vec<f64> = (0..points)
        .map(|j| (a + (b - a) * j as f64 / (points - 1) as f64).exp())
        .collect();
    v[0] = from;
    v[points - 1] = to;
    v
}

fn summarise(d: &dyn Distribution, mean: f64, sd: f64, min: f64, max: f64) -> Summary {
    let n = d.n() as f64;
    let mut lec = Vec::new();
    let mut bins = Vec::new();
    if max > 0.0 && n > 0.0 {
        let p1 = quantile(d, 0.01);
        let from = if p1 > 0.0 { p1 } else { min.max(max * 1e-6) };
        let from = from.min(max * 0.999);
        lec = log_spaced(from, max, LEC_POINTS)
            .into_iter()
            .map(|loss| LecPoint {
                loss,
                probability: d.above(loss) / n,
            })
            .collect();
        let lo = quantile(d, 0.005).max(from);
        let hi = quantile(d, 0.999).max(lo * 1.001);
        let edges = log_spaced(lo, hi, BINS + 1);
        bins = edges
            .windows(2)
            .map(|w| Bin {
                from: w[0],
                to: w[1],
                share: (d.above(w[0]) - d.above(w[1])).max(0.0) / n,
            })
            .collect();
    }
    Summary {
        mean,
        sd,
        min,
        max,
        p50: quantile(d, 0.5),
        p90: quantile(d, 0.9),
        p95: quantile(d, 0.95),
        p99: quantile(d, 0.99),
        lec,
        bins,
    }
}

// ---------------------------------------------------------------------------------------------
// The run

/// Iterations in one unit of work: one chunk of iterations of every risk of a batch.
const CHUNK: usize = 4096;
/// Risks whose histograms are live at once.
const BATCH: usize = 128;

#[derive(Clone, Copy)]
struct Partial {
    /// (risk in the batch, chunk): the order in which partial sums are added up.
    unit: (usize, usize),
    sum: f64,
    square_sum: f64,
    min: f64,
    max: f64,
}

/// What one thread's share of the chunks gathered. Histograms hold counts, so merging them in
/// any order gives the same result; the partial sums are added up later in a fixed order.
struct Accumulator {
    histograms: Vec<Option<Histogram>>,
    partials: Vec<Partial>,
}

impl Accumulator {
    fn new(risks: usize) -> Accumulator {
        Accumulator {
            histograms: (0..risks).map(|_| None).collect(),
            partials: Vec::new(),
        }
    }

    fn merge(mut self, other: Accumulator) -> Accumulator {
        for (mine, theirs) in self.histograms.iter_mut().zip(other.histograms) {
            match (mine.as_mut(), theirs) {
                (Some(m), Some(t)) => m.merge(&t),
                (None, Some(t)) => *mine = Some(t),
                _ => {}
            }
        }
        self.partials.extend(other.partials);
        self
    }
}

/// Sorts cents in place (least significant digit first, 16 bits a pass, passes that would not
/// move anything skipped).
fn radix_sort(v: &mut Vec<u64>) {
    let mut other = vec![0u64; v.len()];
    for pass in 0..4 {
        let shift = pass * 16;
        let mut counts = vec![0usize; 1 << 16];
        for &x in v.iter() {
            counts[((x >> shift) & 0xFFFF) as usize] += 1;
        }
        if counts.contains(&v.len()) {
            continue;
        }
        let mut at = 0;
        for c in counts.iter_mut() {
            let here = *c;
            *c = at;
            at += here;
        }
        for &x in v.iter() {
            let d = ((x >> shift) & 0xFFFF) as usize;
            other[counts[d]] = x;
            counts[d] += 1;
        }
        std::mem::swap(v, &mut other);
    }
}

/// Adds one risk's losses for the iterations from `from` to the chunk's cents.
fn run_unit(p: &Prepared, from: u64, portfolio: &mut [u64], h: &mut Histogram) -> Partial {
    let to = from + portfolio.len() as u64;
    const LANES: usize = 4;
    let base = bucket_base();
    let mut sum = [0.0f64; LANES];
    let mut square_sum = [0.0f64; LANES];
    let mut min = [f64::INFINITY; LANES];
    let mut max = [0.0f64; LANES];
    let mut buf = [0.0f64; 512];
    let mut start = from;
    while start < to {
        let len = ((to - start) as usize).min(buf.len());
        let losses = &mut buf[..len];
        for (k, x) in losses.iter_mut().enumerate() {
            *x = p.loss(start + k as u64);
        }
        let at = (start - from) as usize;
        let cents = &mut portfolio[at..at + len];
        for (c, &x) in cents.iter_mut().zip(losses.iter()) {
            *c = c.saturating_add((x * 100.0 + 0.5) as u64);
        }
        for &x in losses.iter() {
            h.add(x, base);
        }
        let mut lanes = losses.chunks_exact(LANES);
        for group in &mut lanes {
            for l in 0..LANES {
                let x = group[l];
                let d = x - p.shift;
                sum[l] += d;
                square_sum[l] += d * d;
                min[l] = if x < min[l] { x } else { min[l] };
                max[l] = if x > max[l] { x } else { max[l] };
            }
        }
        for &x in lanes.remainder() {
            let d = x - p.shift;
            sum[0] += d;
            square_sum[0] += d * d;
            min[0] = min[0].min(x);
            max[0] = max[0].max(x);
        }
        start += len as u64;
    }
    Partial {
        unit: (0, 0),
        sum: sum.iter().sum(),
        square_sum: square_sum.iter().sum(),
        min: min.iter().copied().fold(f64::INFINITY, f64::min),
        max: max.iter().copied().fold(0.0, f64::max),
    }
}

/// Simulates the models and their portfolio. `progress` hears (iterations done, total) as
/// chunks finish, from any thread.
pub fn simulate(models: &[Model], opts: &Options, progress: &(dyn Fn(u64, u64) + Sync)) -> Run {
    let n = opts.iterations.clamp(1, MAX_ITERATIONS);
    let total = n * models.len() as u64;
    let done = AtomicU64::new(0);
    let mut portfolio = vec![0u64; n as usize];
    let mut risks = Vec::with_capacity(models.len());

    for batch in models.chunks(BATCH) {
        let prepared: Vec<Prepared> = batch.iter().map(|m| Prepared::new(m, opts.seed)).collect();
        let acc = portfolio
            .par_chunks_mut(CHUNK)
            .enumerate()
            .fold(
                || Accumulator::new(batch.len()),
                |mut acc, (c, cents)| {
                    let from = (c * CHUNK) as u64;
                    for (r, p) in prepared.iter().enumerate() {
                        let h = acc.histograms[r].get_or_insert_with(Histogram::new);
                        let mut part = run_unit(p, from, cents, h);
                        part.unit = (r, c);
                        acc.partials.push(part);
                    }
                    let did = cents.len() as u64 * batch.len() as u64;
                    progress(done.fetch_add(did, Ordering::Relaxed) + did, total);
                    acc
                },
            )
            .reduce_with(Accumulator::merge);
        let Some(mut acc) = acc else { continue };
        acc.partials.sort_by_key(|p| p.unit);
        let chunks = (n as usize).div_ceil(CHUNK);
        let summaries: Vec<Summary> = (0..batch.len())
            .into_par_iter()
            .map(|r| {
                let parts = &acc.partials[r * chunks..(r + 1) * chunks];
                let (sum, square_sum) = parts
                    .iter()
                    .fold((0.0, 0.0), |(s, q), p| (s + p.sum, q + p.square_sum));
                let min = parts.iter().map(|p| p.min).fold(f64::INFINITY, f64::min);
                let max = parts.iter().map(|p| p.max).fold(0.0, f64::max);
                let shift = prepared[r].shift;
                let mean = shift + sum / n as f64;
                let var = if n > 1 {
                    ((square_sum - sum * sum / n as f64) / (n - 1) as f64).max(0.0)
                } else {
                    0.0
                };
                let empty = Histogram::new();
                let h = acc.histograms[r].as_ref().unwrap_or(&empty);
                let d = Binned::new(h, n, min, max);
                summarise(&d, mean, var.sqrt(), min, max)
            })
            .collect();
        risks.extend(summaries);
    }

    let mut sorted = portfolio.clone();
    radix_sort(&mut sorted);
    let count = n as f64;
    let mean = portfolio.iter().map(|&c| c as u128).sum::<u128>() as f64 / 100.0 / count;
    let var = if n > 1 {
        portfolio
            .iter()
            .map(|&c| (c as f64 / 100.0 - mean).powi(2))
            .sum::<f64>()
            / (count - 1.0)
    } else {
        0.0
    };
    let (min, max) = (
        sorted[0] as f64 / 100.0,
        sorted[sorted.len() - 1] as f64 / 100.0,
    );
    let summary = summarise(&Sorted(&sorted), mean, var.sqrt(), min, max);

    // The tail: iterations at or above the 99th percentile, and each risk's share of it.
    let cut = sorted[((n as f64 * 0.99).floor() as usize).min(sorted.len() - 1)];
    let tail: Vec<u64> = (0..n).filter(|&i| portfolio[i as usize] >= cut).collect();
    let contributions: Vec<f64> = models
        .par_iter()
        .map(|m| {
            let p = Prepared::new(m, opts.seed);
            tail.iter().map(|&i| p.loss(i)).sum::<f64>() / tail.len() as f64
        })
        .collect();
    let shortfall = tail
        .iter()
        .map(|&i| portfolio[i as usize] as f64 / 100.0)
        .sum::<f64>()
        / tail.len() as f64;

    Run {
        iterations: n,
        seed: opts.seed,
        portfolio: summary,
        risks,
        tail: TailLoss {
            threshold: cut as f64 / 100.0,
            expected_shortfall: shortfall,
            iterations: tail.len() as u64,
            contributions,
        },
    }
}

/// The benchmark workload of the issue: risk `i` with k = 1 + i mod 10 and m = 1 + i mod 7.
pub fn workload(risks: usize, tree: bool) -> Vec<(String, Estimate)> {
    (0..risks)
        .map(|i| {
            let k = (1 + i % 10) as f64;
            let m = (1 + i % 7) as f64;
            let estimate = if tree {
                Estimate::Tree {
                    tef: Dist::pert(0.5 * k, 2.0 * k, 10.0 * k),
                    vulnerability: Dist::pert(0.1, 0.3, 0.6),
                    primary_loss: Dist::pert(1e4 * m, 5e4 * m, 5e5 * m),
                    secondary: Some((
                        Dist::pert(0.1, 0.3, 0.5),
                        Dist::pert(5e3 * m, 2e4 * m, 1e5 * m),
                    )),
                }
            } else {
                Estimate::Simple {
                    lef: Dist::pert(0.1 * k, 0.5 * k, 2.0 * k),
                    lm: Dist::pert(1e4 * m, 5e4 * m, 5e5 * m),
                }
            };
            (format!("risk-{i}"), estimate)
        })
        .collect()
}

/// Runs the workload (for the benchmark and the tests).
pub fn simulate_workload(set: &[(String, Estimate)], opts: &Options) -> Run {
    let models: Vec<Model> = set
        .iter()
        .map(|(name, estimate)| Model { name, estimate })
        .collect();
    simulate(&models, opts, &|_, _| {})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn one(e: Estimate, opts: Options) -> Run {
        simulate_workload(&[("r".to_string(), e)], &opts)
    }

    fn constant(x: f64) -> Dist {
        Dist::pert(x, x, x)
    }

    #[test]
    fn normal_quantile_matches_known_values() {
        for (p, z) in [
            (0.5, 0.0),
            (0.95, Z95),
            (0.975, 1.959_963_984_540_054),
            (0.001, -3.090_232_306_167_813_5),
            (0.99, 2.326_347_874_040_841),
        ] {
            assert!(
                (normal_quantile(p) - z).abs() < 1e-8,
                "{p}: {}",
                normal_quantile(p)
            );
        }
    }

    #[test]
    fn beta_table_matches_the_closed_form_of_beta_3_3() {
        // PERT(0, 50, 100) is 100 × Beta(3, 3), whose CDF is 10x³ − 15x⁴ + 6x⁵.
        let t = beta_table(3.0, 3.0);
        for j in [1, 100, 409, 2048, 3686, 4000, 4095] {
            let x = t[j];
            let cdf = 10.0 * x.powi(3) - 15.0 * x.powi(4) + 6.0 * x.powi(5);
            assert!(
                (cdf - j as f64 / CELLS as f64).abs() < 2e-6,
                "cell {j}: {cdf}"
            );
        }
    }

    #[test]
    fn the_workload_means_are_within_one_percent_of_the_analytic_means() {
        for tree in [false, true] {
            let set = workload(100, tree);
            let run = simulate_workload(&set, &Options::default());
            let mut analytic_total = 0.0;
            for ((_, e), s) in set.iter().zip(&run.risks) {
                let analytic = e.mean();
                analytic_total += analytic;
                assert!(
                    (s.mean - analytic).abs() / analytic < 0.01,
                    "tree {tree}: {} vs {analytic}",
                    s.mean
                );
            }
            let m = run.portfolio.mean;
            assert!(
                (m - analytic_total).abs() / analytic_total < 0.002,
                "{m} vs {analytic_total}"
            );
        }
    }

    #[test]
    fn variances_match_the_analytic_variances() {
        for (_, e) in workload(10, false).into_iter().chain(workload(10, true)) {
            let run = one(
                e.clone(),
                Options {
                    iterations: 400_000,
                    seed: 7,
                },
            );
            let sd = e.variance().sqrt();
            assert!(
                (run.risks[0].sd - sd).abs() / sd < 0.02,
                "{} vs {sd}",
                run.risks[0].sd
            );
        }
    }

    #[test]
    fn known_quantiles_come_back() {
        let opts = Options {
            iterations: 200_000,
            seed: 3,
        };
        // Uniform: PERT with λ = 0.
        let uniform = Dist::Pert {
            min: 1000.0,
            mode: 5000.0,
            max: 11000.0,
            lambda: 0.0,
        };
        let s = &one(
            Estimate::Simple {
                lef: constant(1.0),
                lm: uniform,
            },
            opts,
        )
        .risks[0];
        for (got, want) in [(s.p50, 6000.0), (s.p90, 10000.0), (s.p99, 10900.0)] {
            assert!((got - want).abs() / want < 0.005, "{got} vs {want}");
        }
        // Lognormal from a 90% interval: its 95th percentile is the top of the interval.
        let ln = Dist::Lognormal {
            low: 10_000.0,
            high: 1_000_000.0,
        };
        let s = &one(
            Estimate::Simple {
                lef: constant(1.0),
                lm: ln,
            },
            opts,
        )
        .risks[0];
        assert!((s.p50 - 100_000.0).abs() / 100_000.0 < 0.01, "{}", s.p50);
        assert!(
            (s.p95 - 1_000_000.0).abs() / 1_000_000.0 < 0.02,
            "{}",
            s.p95
        );
        assert!((s.mean - ln.mean()).abs() / ln.mean() < 0.02, "{}", s.mean);
        // Beta(3, 3) scaled: the median of a symmetric PERT is its mode.
        let sym = Dist::pert(0.0, 50_000.0, 100_000.0);
        let s = &one(
            Estimate::Simple {
                lef: constant(1.0),
                lm: sym,
            },
            opts,
        )
        .risks[0];
        assert!((s.p50 - 50_000.0).abs() < 300.0, "{}", s.p50);
        // 90th percentile of Beta(3,3) is 0.75336 (solves 10x³ − 15x⁴ + 6x⁵ = 0.9).
        assert!((s.p90 - 75_336.0).abs() < 300.0, "{}", s.p90);
    }

    #[test]
    fn results_do_not_depend_on_the_thread_count() {
        let set = workload(37, true);
        let opts = Options {
            iterations: 30_001,
            seed: 42,
        };
        let runs: Vec<Run> = [1, 2, 3]
            .into_iter()
            .map(|threads| {
                rayon::ThreadPoolBuilder::new()
                    .num_threads(threads)
                    .build()
                    .unwrap()
                    .install(|| simulate_workload(&set, &opts))
            })
            .collect();
        assert_eq!(runs[0], runs[1]);
        assert_eq!(runs[0], runs[2]);
        // Another seed gives other numbers.
        let other = simulate_workload(&set, &Options { seed: 43, ..opts });
        assert_ne!(other.portfolio.mean, runs[0].portfolio.mean);
    }

    #[test]
    fn a_risk_draws_the_same_numbers_whatever_else_is_simulated() {
        let set = workload(5, false);
        let opts = Options {
            iterations: 20_000,
            seed: 9,
        };
        let all = simulate_workload(&set, &opts);
        let alone = simulate_workload(&set[3..4], &opts);
        assert_eq!(all.risks[3], alone.risks[0]);
    }

    #[test]
    fn the_tail_contributions_add_up_to_the_expected_shortfall() {
        let run = simulate_workload(&workload(20, false), &Options::default());
        let sum: f64 = run.tail.contributions.iter().sum();
        let es = run.tail.expected_shortfall;
        assert!((sum - es).abs() / es < 1e-6, "{sum} vs {es}");
        assert!(es >= run.tail.threshold && run.tail.threshold >= run.portfolio.p95);
        assert!(run.tail.iterations >= 1000);
    }

    #[test]
    fn the_curve_falls_from_the_first_percentile_to_the_maximum() {
        let run = simulate_workload(&workload(3, true), &Options::default());
        for s in run.risks.iter().chain([&run.portfolio]) {
            assert!(s.lec.len() >= 100);
            assert!(
                (s.lec[0].probability - 0.99).abs() < 0.01,
                "{}",
                s.lec[0].probability
            );
            assert!(
                s.lec
                    .windows(2)
                    .all(|w| w[1].probability <= w[0].probability + 1e-12)
            );
            assert_eq!(s.lec.last().unwrap().loss, s.max);
            let shares: f64 = s.bins.iter().map(|b| b.share).sum();
            assert!((shares - 0.994).abs() < 0.01, "{shares}");
            assert!(s.min <= s.p50 && s.p50 <= s.p90 && s.p90 <= s.p95 && s.p95 <= s.p99);
            assert!(
                (s.exceedance(s.p90) - 0.1).abs() < 0.01,
                "{}",
                s.exceedance(s.p90)
            );
        }
    }

    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn pert() -> impl Strategy<Value = (f64, f64, f64)> {
            (1.0f64..1e6, 0.0f64..1.0, 0.01f64..100.0).prop_map(|(min, at, width)| {
                let max = min * (1.0 + width);
                (min, min + (max - min) * at, max)
            })
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]

            /// Raising a minimum or lowering a maximum never widens what comes out: the spread
            /// of the losses shrinks and every loss stays inside the tighter range.
            #[test]
            fn tightening_a_range_never_widens_the_output(
                (min, mode, max) in pert(),
                raise in 0.0f64..1.0,
                lower in 0.0f64..1.0,
                scale in 1.0f64..1000.0,
            ) {
                let min2 = min + (mode - min) * raise;
                let max2 = max - (max - mode) * lower;
                let opts = Options { iterations: 20_000, seed: 5 };
                let wide = &one(Estimate::Simple { lef: constant(scale), lm: Dist::pert(min, mode, max) }, opts).risks[0];
                let tight = &one(Estimate::Simple { lef: constant(scale), lm: Dist::pert(min2, mode, max2) }, opts).risks[0];
                prop_assert!(tight.min >= min2 * scale * (1.0 - 1e-9));
                prop_assert!(tight.max <= max2 * scale * (1.0 + 1e-9));
                prop_assert!(tight.sd <= wide.sd * 1.02 + 1e-9, "sd {} > {}", tight.sd, wide.sd);
            }

            /// Whatever the ranges, a full-tree loss stays inside the product of the bounds.
            #[test]
            fn tree_losses_stay_inside_their_bounds(
                (a, b, c) in pert(),
                (d, e, f) in pert(),
                v in 0.0f64..1.0,
            ) {
                let est = Estimate::Tree {
                    tef: Dist::pert(a / 1e5, b / 1e5, c / 1e5),
                    vulnerability: Dist::pert(0.0, v, 1.0),
                    primary_loss: Dist::pert(d, e, f),
                    secondary: Some((Dist::pert(0.0, 0.2, 0.5), Dist::pert(d, e, f))),
                };
                let s = &one(est, Options { iterations: 5_000, seed: 11 }).risks[0];
                let top = c / 1e5 * (f + 0.5 * f);
                prop_assert!(s.min >= 0.0 && s.max <= top * (1.0 + 1e-9));
                prop_assert!(s.min <= s.p50 && s.p50 <= s.p99 && s.p99 <= s.max);
            }
        }
    }
}
