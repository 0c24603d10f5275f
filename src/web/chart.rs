//! Charts of the Monte Carlo engine's results, drawn as SVG on the server: the loss-exceedance
//! curve and the distribution of annual losses. Pure: strings in, a string out.
//!
//! Every chart is one `<svg class="chart">` with a `viewBox`, a `<title>` and a `<desc>` that
//! say in words what the picture shows, and no script, style or external resource (the CSP
//! allows neither). Colours come from `static/app.css` through `currentColor`: each part has a
//! class (`grid`, `axis`, `tick`, the series' class, `appetite`) whose CSS sets `color`, so the
//! charts follow the palette and dark mode; without the stylesheet they are drawn in the text
//! colour. Losses are on a log scale whose range is the union of everything drawn, so the
//! curves before and after treatment share one axis. Nothing non-finite reaches the output.

pub use crate::domain::money::{money, money_short};
use crate::domain::montecarlo::Summary;
use std::fmt::Write;

/// One curve or histogram to draw.
pub struct Series<'a> {
    /// e.g. "Before treatment", "After treatment".
    pub label: &'a str,
    /// CSS class: "current" or "residual" (styled in app.css).
    pub class: &'a str,
    pub summary: &'a Summary,
}

/// A point of the risk appetite (tolerance): the organisation accepts at most `probability`
/// (0..1) of an annual loss above `loss`.
pub struct AppetitePoint {
    pub loss: f64,
    pub probability: f64,
}

// ---------------------------------------------------------------------------------------------
// Money and numbers

/// A probability as a percentage for people: "10%", "2.5%", "0.05%".
fn percent(p: f64) -> String {
    let v = if p.is_finite() {
        (p * 100.0).clamp(0.0, 100.0)
    } else {
        0.0
    };
    let text = if v >= 10.0 || v == 0.0 {
        format!("{v:.0}")
    } else if v >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    };
    let text = if text.contains('.') {
        text.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        text
    };
    format!("{text}%")
}

/// A coordinate: one decimal, never NaN or infinite.
fn num(v: f64) -> String {
    if !v.is_finite() {
        return "0".into();
    }
    let text = format!("{v:.1}");
    match text.strip_suffix(".0") {
        Some("-0") => "0".into(),
        Some(whole) => whole.into(),
        None => text,
    }
}

/// Text for XML: the five special characters escaped.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// A rough width of a text in pixels at the given font size (for laying out the legend).
fn text_width(s: &str, size: f64) -> f64 {
    s.chars().count() as f64 * size * 0.56
}

fn positive(v: f64) -> Option<f64> {
    (v.is_finite() && v > 0.0).then_some(v)
}

// ---------------------------------------------------------------------------------------------
// Geometry

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 62.0;
const RIGHT: f64 = 612.0;
const BOTTOM: f64 = 244.0;
const FONT: f64 = 13.0;
/// Smallest and largest loss on an axis (currency units).
const AXIS_MIN: f64 = 1.0;
const AXIS_MAX: f64 = 1e18;

/// The `i`th value of the 1-2-5 sequence: …, 0.5, 1, 2, 5, 10, 20, … (index 0 is 1).
fn tick_value(i: i32) -> f64 {
    [1.0, 2.0, 5.0][i.rem_euclid(3) as usize] * 10f64.powi(i.div_euclid(3))
}

/// Index of the largest 1-2-5 value at or below `v` (positive and finite).
fn floor_index(v: f64) -> i32 {
    let mut i = 3 * v.log10().floor() as i32;
    while i > -3000 && tick_value(i) > v * (1.0 + 1e-9) {
        i -= 1;
    }
    while i < 3000 && tick_value(i + 1) <= v * (1.0 + 1e-9) {
        i += 1;
    }
    i
}

/// Index of the smallest 1-2-5 value at or above `v`.
fn ceil_index(v: f64) -> i32 {
    let i = floor_index(v);
    if tick_value(i) >= v * (1.0 - 1e-9) {
        i
    } else {
        i + 1
    }
}

/// A log-scaled loss axis from one 1-2-5 value to another.
struct LogScale {
    from: i32,
    to: i32,
}

impl LogScale {
    /// The axis covering the positive, finite values (1k to 1M when there are none).
    fn covering(values: impl IntoIterator<Item = f64>) -> LogScale {
        let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
        for v in values.into_iter().filter_map(positive) {
            let v = v.clamp(AXIS_MIN, AXIS_MAX);
            lo = lo.min(v);
            hi = hi.max(v);
        }
        if lo > hi {
            return LogScale { from: 9, to: 18 };
        }
        let from = floor_index(lo).max(0);
        let to = ceil_index(hi).max(from + 1);
        LogScale { from, to }
    }

    fn lo(&self) -> f64 {
        tick_value(self.from)
    }

    fn hi(&self) -> f64 {
        tick_value(self.to)
    }

    /// The x coordinate of a loss (clamped to the axis).
    fn x(&self, v: f64) -> f64 {
        let (lo, hi) = (self.lo().log10(), self.hi().log10());
        let v = if v.is_finite() && v > 0.0 {
            v.clamp(self.lo(), self.hi()).log10()
        } else {
            lo
        };
        LEFT + (v - lo) / (hi - lo) * (RIGHT - LEFT)
    }

    /// Every 1-2-5 value on the axis and whether it gets a label and a gridline: the powers of
    /// ten first, then the fives, then the twos, each where its label has room.
    fn ticks(&self, currency: &str) -> Vec<(f64, bool)> {
        let mut ticks: Vec<(i32, f64, bool)> = (self.from..=self.to)
            .map(|i| (i, tick_value(i), false))
            .collect();
        let mut taken: Vec<(f64, f64)> = Vec::new();
        for mantissa in [0, 2, 1] {
            for (i, v, labelled) in ticks.iter_mut() {
                if i.rem_euclid(3) != mantissa {
                    continue;
                }
                let (x, half) = (
                    self.x(*v),
                    text_width(&money_short(*v, currency), FONT) / 2.0,
                );
                let (l, r) = (x - half - 3.0, x + half + 3.0);
                if taken.iter().all(|&(tl, tr)| r <= tl || l >= tr) {
                    taken.push((l, r));
                    *labelled = true;
                }
            }
        }
        ticks.into_iter().map(|(_, v, l)| (v, l)).collect()
    }
}

/// What a legend entry's sample looks like.
#[derive(Clone, Copy, PartialEq)]
enum Sample {
    Line,
    Bar,
    Appetite,
}

/// A series' name in the legend, saying so when it has nothing to draw.
fn legend_label(label: &str, drawn: bool) -> String {
    if drawn {
        label.to_string()
    } else {
        format!("{label} (no loss)")
    }
}

/// The legend across the top; returns its SVG and the y where the plot may start.
fn legend(entries: &[(String, String, Sample)]) -> (String, f64) {
    let mut out = String::from(r#"<g class="legend">"#);
    let (mut x, mut y) = (LEFT, 16.0);
    for (label, class, sample) in entries {
        let w = 30.0 + text_width(label, FONT) + 18.0;
        if x > LEFT && x + w > RIGHT {
            x = LEFT;
            y += 16.0;
        }
        let dash = if *sample == Sample::Appetite {
            r#" stroke-dasharray="2 3""#
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<g class="{}"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-width="2"{dash}/>"#,
            escape(class),
            num(x),
            num(y - 4.0),
            num(x + 24.0),
            num(y - 4.0)
        );
        match sample {
            Sample::Bar => {
                let _ = write!(
                    out,
                    r#"<rect x="{}" y="{}" width="14" height="9" fill="currentColor" fill-opacity="0.3"/>"#,
                    num(x + 5.0),
                    num(y - 8.5)
                );
            }
            Sample::Appetite => {
                let _ = write!(
                    out,
                    r#"<circle cx="{}" cy="{}" r="3"/>"#,
                    num(x + 12.0),
                    num(y - 4.0)
                );
            }
            Sample::Line => {}
        }
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="{FONT}">{}</text></g>"#,
            num(x + 30.0),
            num(y),
            escape(label)
        );
        x += w;
    }
    out.push_str("</g>");
    (out, y + 14.0)
}

/// Gridlines and labels of the loss axis, the axis lines and both axis titles.
fn frame(out: &mut String, scale: &LogScale, top: f64, currency: &str, y_title: &str) {
    let ticks = scale.ticks(currency);
    out.push_str(r#"<g class="grid" stroke="currentColor" stroke-width="1">"#);
    for &(v, labelled) in &ticks {
        let x = num(scale.x(v));
        if labelled {
            let _ = write!(
                out,
                r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
                num(top),
                num(BOTTOM)
            );
        }
    }
    out.push_str("</g>");
    out.push_str(r#"<g class="axis" stroke="currentColor" stroke-width="1">"#);
    let _ = write!(
        out,
        r#"<line x1="{l}" y1="{b}" x2="{r}" y2="{b}"/><line x1="{l}" y1="{t}" x2="{l}" y2="{b}"/>"#,
        l = num(LEFT),
        r = num(RIGHT),
        t = num(top),
        b = num(BOTTOM)
    );
    for &(v, labelled) in &ticks {
        let x = num(scale.x(v));
        let len = if labelled { 5.0 } else { 3.0 };
        let _ = write!(
            out,
            r#"<line x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
            num(BOTTOM),
            num(BOTTOM + len)
        );
    }
    out.push_str("</g>");
    out.push_str(r#"<g class="tick" text-anchor="middle">"#);
    for &(v, labelled) in &ticks {
        if labelled {
            let _ = write!(
                out,
                r#"<text x="{}" y="{}" font-size="{FONT}">{}</text>"#,
                num(scale.x(v)),
                num(BOTTOM + 17.0),
                escape(&money_short(v, currency))
            );
        }
    }
    out.push_str("</g>");
    let _ = write!(
        out,
        r#"<text class="axis-title" x="{}" y="{}" font-size="12" text-anchor="middle">Annual loss ({})</text>"#,
        num((LEFT + RIGHT) / 2.0),
        num(HEIGHT - 14.0),
        escape(currency)
    );
    let cy = num((top + BOTTOM) / 2.0);
    let _ = write!(
        out,
        r#"<text class="axis-title" x="14" y="{cy}" font-size="12" text-anchor="middle" transform="rotate(-90 14 {cy})">{}</text>"#,
        escape(y_title)
    );
}

/// Gridlines and labels of a linear percentage axis from 0 to `max` (a share) in `step`s.
fn percent_axis(out: &mut String, top: f64, max: f64, step: f64) {
    let y = |v: f64| BOTTOM - v / max * (BOTTOM - top);
    let count = (max / step).round().clamp(1.0, 20.0) as usize;
    let decimals = if step * 100.0 >= 1.0 {
        0
    } else {
        (-(step * 100.0).log10()).ceil().clamp(0.0, 6.0) as usize
    };
    out.push_str(r#"<g class="grid" stroke="currentColor" stroke-width="1">"#);
    for k in 1..=count {
        let yk = num(y(k as f64 * step));
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{yk}" x2="{}" y2="{yk}"/>"#,
            num(LEFT),
            num(RIGHT)
        );
    }
    out.push_str("</g>");
    out.push_str(r#"<g class="tick" text-anchor="end">"#);
    for k in 0..=count {
        let v = k as f64 * step;
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" font-size="{FONT}">{:.*}%</text>"#,
            num(LEFT - 6.0),
            num(y(v) + 4.0),
            decimals,
            v * 100.0
        );
    }
    out.push_str("</g>");
}

/// Vertical marker lines at losses, each with a short label; the labels go on top of the
/// curves, staggered in rows so that they do not overwrite each other.
#[derive(Default)]
struct Markers {
    lines: String,
    labels: String,
}

impl Markers {
    fn add(&mut self, scale: &LogScale, top: f64, v: f64, class: &str, row: usize, text: &str) {
        let x = scale.x(v);
        let ty = top + 11.0 + row as f64 * 13.0;
        let (tx, anchor) = if x + 4.0 + text_width(text, 10.0) <= WIDTH - 2.0 {
            (x + 4.0, "start")
        } else {
            (x - 4.0, "end")
        };
        let class = escape(class);
        let _ = write!(
            self.lines,
            r#"<line class="{class}" x1="{x}" y1="{}" x2="{x}" y2="{}"/>"#,
            num(top),
            num(BOTTOM),
            x = num(x)
        );
        let _ = write!(
            self.labels,
            r#"<text class="{class}" x="{}" y="{}" text-anchor="{anchor}">{}</text>"#,
            num(tx),
            num(ty),
            escape(text)
        );
    }

    fn lines(&self) -> String {
        if self.lines.is_empty() {
            return String::new();
        }
        format!(
            r#"<g class="marker" stroke="currentColor" stroke-width="1" stroke-dasharray="1 3">{}</g>"#,
            self.lines
        )
    }

    fn labels(&self) -> String {
        if self.labels.is_empty() {
            return String::new();
        }
        format!(r#"<g class="marker" font-size="10">{}</g>"#, self.labels)
    }
}

/// A note in the middle of an empty plot.
fn note(out: &mut String, top: f64, text: &str) {
    let _ = write!(
        out,
        r#"<text class="tick" x="{}" y="{}" font-size="12" text-anchor="middle">{}</text>"#,
        num((LEFT + RIGHT) / 2.0),
        num((top + BOTTOM) / 2.0),
        escape(text)
    );
}

/// The whole chart: the root element, its text alternatives and the drawing.
fn wrap(kind: &str, title: &str, desc: &str, body: &str) -> String {
    // Ids for aria-labelledby that differ between the charts of one page: a hash of the content.
    let mut h: u64 = 0xCBF2_9CE4_8422_2325;
    for b in kind.bytes().chain(title.bytes()).chain(body.bytes()) {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01B3);
    }
    let id = format!("chart-{kind}-{h:016x}");
    format!(
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart {kind}" viewBox="0 0 {w} {ht}" role="img" aria-labelledby="{id}-t" aria-describedby="{id}-d" fill="currentColor"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>{body}</svg>"#,
        escape(title),
        escape(desc),
        w = num(WIDTH),
        ht = num(HEIGHT),
    )
}

/// Upper-cases the first character.
fn sentence(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// The loss-exceedance curve

/// Loss-exceedance chart: the chance (y, linear 0–100%) that a year's loss exceeds an amount
/// (x, log scale), one curve per series, the risk appetite as a dashed line with points, and a
/// dotted marker at each series' 1-in-20-years loss.
pub fn lec_svg(
    title: &str,
    series: &[Series],
    appetite: &[AppetitePoint],
    currency: &str,
) -> String {
    let mut appetite: Vec<(f64, f64)> = appetite
        .iter()
        .filter(|a| positive(a.loss).is_some() && a.probability.is_finite())
        .map(|a| (a.loss, a.probability.clamp(0.0, 1.0)))
        .collect();
    appetite.sort_by(|a, b| a.0.total_cmp(&b.0));

    let mut entries: Vec<(String, String, Sample)> = series
        .iter()
        .map(|s| {
            let drawn = s.summary.lec.iter().any(|p| positive(p.loss).is_some());
            (
                legend_label(s.label, drawn),
                s.class.to_string(),
                Sample::Line,
            )
        })
        .collect();
    if !appetite.is_empty() {
        entries.push(("Risk appetite".into(), "appetite".into(), Sample::Appetite));
    }
    let (legend, top) = legend(&entries);

    let scale = LogScale::covering(
        series
            .iter()
            .flat_map(|s| s.summary.lec.iter().map(|p| p.loss))
            .chain(
                series
                    .iter()
                    .filter(|s| !s.summary.lec.is_empty())
                    .map(|s| s.summary.p95),
            )
            .chain(appetite.iter().map(|a| a.0)),
    );
    let y = |p: f64| {
        let p = if p.is_finite() {
            p.clamp(0.0, 1.0)
        } else {
            0.0
        };
        BOTTOM - p * (BOTTOM - top)
    };

    let mut body = String::new();
    percent_axis(&mut body, top, 1.0, 0.2);
    frame(&mut body, &scale, top, currency, "Chance of exceeding");

    let mut markers = Markers::default();
    for (row, s) in series.iter().enumerate() {
        if let Some(p95) = positive(s.summary.p95).filter(|_| !s.summary.lec.is_empty()) {
            let text = format!("1 in 20 years: {}", money_short(p95, currency));
            markers.add(&scale, top, p95, s.class, row, &text);
        }
    }
    body.push_str(&markers.lines());
    let mut drawn = false;
    for s in series {
        let points: Vec<String> = s
            .summary
            .lec
            .iter()
            .filter(|p| positive(p.loss).is_some())
            .map(|p| format!("{},{}", num(scale.x(p.loss)), num(y(p.probability))))
            .collect();
        if points.is_empty() {
            continue;
        }
        drawn = true;
        let _ = write!(
            body,
            r#"<polyline class="curve {}" points="{}" fill="none" stroke="currentColor" stroke-width="2" stroke-linejoin="round"/>"#,
            escape(s.class),
            points.join(" ")
        );
    }
    if !appetite.is_empty() {
        drawn = true;
        let points: Vec<String> = appetite
            .iter()
            .map(|&(l, p)| format!("{},{}", num(scale.x(l)), num(y(p))))
            .collect();
        let _ = write!(
            body,
            r#"<g class="appetite"><polyline points="{}" fill="none" stroke="currentColor" stroke-width="1.5" stroke-dasharray="2 3"/>"#,
            points.join(" ")
        );
        for &(l, p) in &appetite {
            let _ = write!(
                body,
                r#"<circle cx="{}" cy="{}" r="3"/>"#,
                num(scale.x(l)),
                num(y(p))
            );
        }
        body.push_str("</g>");
    }
    body.push_str(&markers.labels());
    if !drawn {
        note(&mut body, top, "No loss to show");
    }
    body.push_str(&legend);

    wrap("lec", title, &lec_desc(series, &appetite, currency), &body)
}

/// The curves in words.
fn lec_desc(series: &[Series], appetite: &[(f64, f64)], currency: &str) -> String {
    let m = |v: f64| money_short(v, currency);
    let mut parts: Vec<String> = Vec::new();
    for s in series {
        let sum = s.summary;
        if sum.lec.is_empty() || positive(sum.max).is_none() {
            parts.push(format!("{}: no loss simulated", s.label));
            continue;
        }
        let mut text = format!("{}: ", s.label);
        match (positive(sum.p90), positive(sum.p99)) {
            (Some(p90), Some(p99)) => {
                let _ = write!(
                    text,
                    "a 10% chance of losing more than {} a year and a 1% chance of more than {}",
                    m(p90),
                    m(p99)
                );
            }
            (None, Some(p99)) => {
                let _ = write!(text, "a 1% chance of losing more than {} a year", m(p99));
            }
            _ => {
                let _ = write!(
                    text,
                    "a loss in fewer than 1 year in 100, of at most {}",
                    m(sum.max)
                );
            }
        }
        if let Some(mean) = positive(sum.mean) {
            let _ = write!(text, "; mean {} a year", m(mean));
        }
        if !appetite.is_empty() {
            let worst = appetite
                .iter()
                .map(|&(loss, accepted)| {
                    let chance = sum.exceedance(loss);
                    let chance = if chance.is_finite() { chance } else { 0.0 };
                    (chance - accepted, loss, chance, accepted)
                })
                .max_by(|a, b| a.0.total_cmp(&b.0));
            match worst {
                Some((over, loss, chance, accepted)) if over > 1e-9 => {
                    let _ = write!(
                        text,
                        "; above the risk appetite ({} chance of more than {} where at most {} is accepted)",
                        percent(chance),
                        m(loss),
                        percent(accepted)
                    );
                }
                _ => text.push_str("; within the risk appetite"),
            }
        }
        parts.push(text);
    }
    if !appetite.is_empty() {
        let points: Vec<String> = appetite
            .iter()
            .map(|&(l, p)| format!("at most {} chance of more than {}", percent(p), m(l)))
            .collect();
        parts.push(format!("Risk appetite: {}", points.join(", ")));
    }
    if parts.is_empty() {
        return "No loss to show.".into();
    }
    let parts: Vec<String> = parts.iter().map(|p| sentence(p)).collect();
    format!("{}.", parts.join(". "))
}

// ---------------------------------------------------------------------------------------------
// The distribution

/// Distribution chart: each series' bins as translucent bars with a stepped outline, overlaid
/// on one log-scaled loss axis; y is the share of simulated years; each series' mean is marked.
pub fn distribution_svg(title: &str, series: &[Series], currency: &str) -> String {
    let usable = |s: &Series| -> Vec<(f64, f64, f64)> {
        s.summary
            .bins
            .iter()
            .filter(|b| positive(b.from).is_some() && b.to.is_finite() && b.to >= b.from)
            .map(|b| {
                let share = if b.share.is_finite() {
                    b.share.clamp(0.0, 1.0)
                } else {
                    0.0
                };
                (b.from, b.to, share)
            })
            .collect()
    };
    let bins: Vec<Vec<(f64, f64, f64)>> = series.iter().map(usable).collect();
    let entries: Vec<(String, String, Sample)> = series
        .iter()
        .zip(&bins)
        .map(|(s, b)| {
            (
                legend_label(s.label, !b.is_empty()),
                s.class.to_string(),
                Sample::Bar,
            )
        })
        .collect();
    let (legend, top) = legend(&entries);

    let scale = LogScale::covering(
        bins.iter()
            .flatten()
            .flat_map(|&(from, to, _)| [from, to])
            .chain(
                series
                    .iter()
                    .zip(&bins)
                    .filter(|(_, b)| !b.is_empty())
                    .map(|(s, _)| s.summary.mean),
            ),
    );
    let tallest = bins.iter().flatten().map(|b| b.2).fold(0.0f64, f64::max);
    let step = if tallest > 0.0 {
        tick_value(ceil_index((tallest / 5.0).max(1e-6)))
    } else {
        0.02
    };
    let max = if tallest > 0.0 {
        ((tallest / step).ceil() * step).max(step)
    } else {
        0.1
    };
    let y = |share: f64| BOTTOM - share / max * (BOTTOM - top);

    let mut body = String::new();
    percent_axis(&mut body, top, max, step);
    frame(&mut body, &scale, top, currency, "Share of years");

    let mut drawn = false;
    for (s, bins) in series.iter().zip(&bins) {
        if bins.is_empty() {
            continue;
        }
        drawn = true;
        let class = escape(s.class);
        let _ = write!(
            body,
            r#"<g class="bars {class}" fill="currentColor" fill-opacity="0.3">"#
        );
        for &(from, to, share) in bins.iter().filter(|b| b.2 > 0.0) {
            let (x0, x1) = (scale.x(from), scale.x(to));
            let _ = write!(
                body,
                r#"<rect x="{}" y="{}" width="{}" height="{}"/>"#,
                num(x0),
                num(y(share)),
                num((x1 - x0).max(0.5)),
                num(BOTTOM - y(share))
            );
        }
        body.push_str("</g>");
        // The outline: up and down along the tops of the bars.
        let mut points = Vec::with_capacity(bins.len() * 2 + 2);
        points.push(format!("{},{}", num(scale.x(bins[0].0)), num(BOTTOM)));
        for &(from, to, share) in bins {
            let yy = num(y(share));
            points.push(format!("{},{yy}", num(scale.x(from))));
            points.push(format!("{},{yy}", num(scale.x(to))));
        }
        let last = bins[bins.len() - 1].1;
        points.push(format!("{},{}", num(scale.x(last)), num(BOTTOM)));
        let _ = write!(
            body,
            r#"<polyline class="outline {class}" points="{}" fill="none" stroke="currentColor" stroke-width="1.5" stroke-linejoin="round"/>"#,
            points.join(" ")
        );
    }
    let mut markers = Markers::default();
    for (row, (s, bins)) in series.iter().zip(&bins).enumerate() {
        if let Some(mean) = positive(s.summary.mean).filter(|_| !bins.is_empty()) {
            let text = format!("Mean {}", money_short(mean, currency));
            markers.add(&scale, top, mean, s.class, row, &text);
        }
    }
    body.push_str(&markers.lines());
    body.push_str(&markers.labels());
    if !drawn {
        note(&mut body, top, "No loss to show");
    }
    body.push_str(&legend);

    wrap(
        "distribution",
        title,
        &distribution_desc(series, &bins, currency),
        &body,
    )
}

/// The distributions in words.
fn distribution_desc(series: &[Series], bins: &[Vec<(f64, f64, f64)>], currency: &str) -> String {
    let m = |v: f64| money_short(v, currency);
    let parts: Vec<String> = series
        .iter()
        .zip(bins)
        .map(|(s, bins)| {
            let sum = s.summary;
            if bins.is_empty() {
                return format!("{}: no loss simulated", s.label);
            }
            let mut text = format!("{}: mean annual loss {}", s.label, m(sum.mean));
            if sum.p50.is_finite() {
                let _ = write!(text, ", median {}", m(sum.p50));
            }
            if let Some(p95) = positive(sum.p95) {
                let _ = write!(text, ", 1 in 20 years above {}", m(p95));
            }
            if let Some(&(from, to, share)) = bins.iter().max_by(|a, b| a.2.total_cmp(&b.2)) {
                let _ = write!(
                    text,
                    "; the most common range is {} to {} ({} of years)",
                    m(from),
                    m(to),
                    percent(share)
                );
            }
            text
        })
        .map(|p| sentence(&p))
        .collect();
    if parts.is_empty() {
        return "No loss to show.".into();
    }
    format!("{}.", parts.join(". "))
}

#[cfg(test)]
mod tests;

// ---------------------------------------------------------------------------------------------
// Dependency view

/// A box of the dependency view: an id, a name, and a CSS class (`process`, `asset ok`,
/// `asset gap`, `asset untested`).
pub struct Node<'a> {
    pub id: &'a str,
    pub name: &'a str,
    pub class: &'a str,
    pub href: String,
}

/// Processes on the left, the assets they depend on on the right, a line for each dependency
/// (`edges` are pairs of indexes into `left` and `right`). Each box links to its record.
pub fn dependencies(
    title: &str,
    left: &[Node],
    right: &[Node],
    edges: &[(usize, usize)],
) -> String {
    const ROW: f64 = 34.0;
    const BOX_H: f64 = 26.0;
    const BOX_W: f64 = 240.0;
    const GAP: f64 = 140.0;
    let rows = left.len().max(right.len()).max(1) as f64;
    let height = rows * ROW + 40.0;
    let width = BOX_W * 2.0 + GAP + 20.0;
    let (lx, rx) = (10.0, 10.0 + BOX_W + GAP);
    let y = |i: usize| 30.0 + i as f64 * ROW;
    let fit = |s: &str| -> String {
        let max = (BOX_W / (FONT * 0.56)) as usize - 1;
        if s.chars().count() > max {
            format!(
                "{}…",
                s.chars().take(max.saturating_sub(1)).collect::<String>()
            )
        } else {
            s.to_string()
        }
    };
    let mut out = String::new();
    let _ = write!(
        out,
        r#"<svg class="chart deps" viewBox="0 0 {} {}" role="img" aria-labelledby="deps-t deps-d" xmlns="http://www.w3.org/2000/svg"><title id="deps-t">{}</title><desc id="deps-d">{} processes depend on {} assets through {} links.</desc>"#,
        num(width),
        num(height),
        escape(title),
        left.len(),
        right.len(),
        edges.len()
    );
    let _ = write!(
        out,
        r#"<text class="tick" x="{}" y="16">Processes</text><text class="tick" x="{}" y="16">Assets</text>"#,
        num(lx),
        num(rx)
    );
    for (a, b) in edges {
        if *a >= left.len() || *b >= right.len() {
            continue;
        }
        let (y1, y2) = (y(*a) + BOX_H / 2.0, y(*b) + BOX_H / 2.0);
        let (x1, x2) = (lx + BOX_W, rx);
        let mid = (x1 + x2) / 2.0;
        let _ = write!(
            out,
            r#"<path class="edge {}" d="M{} {} C{} {} {} {} {} {}" fill="none" stroke="currentColor"/>"#,
            escape(right[*b].class),
            num(x1),
            num(y1),
            num(mid),
            num(y1),
            num(mid),
            num(y2),
            num(x2),
            num(y2)
        );
    }
    for (x, nodes) in [(lx, left), (rx, right)] {
        for (i, n) in nodes.iter().enumerate() {
            let _ = write!(
                out,
                r#"<a href="{}"><g class="node {}"><rect x="{}" y="{}" width="{}" height="{}" rx="4" fill="none" stroke="currentColor"/><text x="{}" y="{}" fill="currentColor">{} {}</text></g></a>"#,
                escape(&n.href),
                escape(n.class),
                num(x),
                num(y(i)),
                num(BOX_W),
                num(BOX_H),
                num(x + 8.0),
                num(y(i) + 17.0),
                escape(n.id),
                escape(&fit(n.name))
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod dependency_tests {
    use super::*;

    #[test]
    fn the_dependency_view_escapes_names_and_draws_each_link() {
        let left = [Node {
            id: "PR-0001",
            name: "Payroll <& \"pay\">",
            class: "process",
            href: "/continuity/processes/PR-0001".into(),
        }];
        let right = [
            Node {
                id: "A-1",
                name: "Μισθοδοσία σύστημα",
                class: "asset gap",
                href: "/assets/A-1".into(),
            },
            Node {
                id: "A-2",
                name: &"x".repeat(200),
                class: "asset ok",
                href: "/assets/A-2".into(),
            },
        ];
        let svg = dependencies("Dependencies", &left, &right, &[(0, 0), (0, 1), (5, 0)]);
        assert!(svg.contains("Payroll &lt;&amp; &quot;pay&quot;&gt;"));
        assert!(svg.contains("Μισθοδοσία σύστημα"));
        assert_eq!(
            svg.matches("<path").count(),
            2,
            "an edge out of range is left out"
        );
        assert!(svg.contains("…"), "long names are cut");
        assert!(!svg.contains("NaN"));
    }
}

// ---------------------------------------------------------------------------------------------
// Bars per period

/// One series of a bar chart: its label, its CSS class (`s0` … `s9`, styled in app.css) and
/// a value per period.
pub struct Bars<'a> {
    pub label: &'a str,
    pub class: &'a str,
    pub values: &'a [f64],
}

/// A stacked bar per period (months), with a legend and the total above each bar; `unit`
/// names what is counted ("incidents", "hours"). Non-finite or negative values count as 0.
pub fn stacked_bars(title: &str, periods: &[String], series: &[Bars], unit: &str) -> String {
    const TOP: f64 = 40.0;
    let n = periods.len().max(1);
    let value = |s: &Bars, i: usize| {
        s.values
            .get(i)
            .copied()
            .filter(|v| v.is_finite() && *v > 0.0)
            .unwrap_or(0.0)
    };
    let totals: Vec<f64> = (0..periods.len())
        .map(|i| series.iter().map(|s| value(s, i)).sum())
        .collect();
    let max = totals.iter().copied().fold(0.0, f64::max);
    let scale_max = if max <= 0.0 { 1.0 } else { max };
    let slot = (RIGHT - LEFT) / n as f64;
    let bar = (slot * 0.6).max(2.0);
    let y = |v: f64| BOTTOM - (v / scale_max) * (BOTTOM - TOP);
    let mut out = String::new();
    let total: f64 = totals.iter().sum();
    let _ = write!(
        out,
        r#"<svg class="chart bars" viewBox="0 0 {} {}" role="img" aria-labelledby="bars-t-{id} bars-d-{id}" xmlns="http://www.w3.org/2000/svg"><title id="bars-t-{id}">{}</title><desc id="bars-d-{id}">{} {} over {} periods, at most {} in one.</desc>"#,
        num(WIDTH),
        num(HEIGHT),
        escape(title),
        num(total),
        escape(unit),
        periods.len(),
        num(max),
        id = title.len() + periods.len() * 7 + series.len()
    );
    let _ = write!(
        out,
        r#"<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor"/>"#,
        num(LEFT),
        num(BOTTOM),
        num(RIGHT),
        num(BOTTOM)
    );
    for (i, p) in periods.iter().enumerate() {
        let x = LEFT + slot * i as f64 + (slot - bar) / 2.0;
        let mut base = 0.0;
        for s in series {
            let v = value(s, i);
            if v <= 0.0 {
                continue;
            }
            let _ = write!(
                out,
                r#"<rect class="{}" x="{}" y="{}" width="{}" height="{}" fill="currentColor"><title>{} {}: {}</title></rect>"#,
                escape(s.class),
                num(x),
                num(y(base + v)),
                num(bar),
                num(y(base) - y(base + v)),
                escape(p),
                escape(s.label),
                num(v)
            );
            base += v;
        }
        if totals[i] > 0.0 {
            let _ = write!(
                out,
                r#"<text class="tick" x="{}" y="{}" text-anchor="middle" fill="currentColor">{}</text>"#,
                num(x + bar / 2.0),
                num(y(totals[i]) - 4.0),
                num(totals[i])
            );
        }
        // Every label when they fit, else every other one.
        if n <= 12 || i % 2 == 0 {
            let _ = write!(
                out,
                r#"<text class="tick" x="{}" y="{}" text-anchor="middle" fill="currentColor">{}</text>"#,
                num(x + bar / 2.0),
                num(BOTTOM + 16.0),
                escape(p.get(2..).unwrap_or(p))
            );
        }
    }
    let mut lx = LEFT;
    for s in series {
        let _ = write!(
            out,
            r#"<g class="legend"><rect class="{}" x="{}" y="{}" width="10" height="10" fill="currentColor"/><text x="{}" y="{}" fill="currentColor">{}</text></g>"#,
            escape(s.class),
            num(lx),
            num(HEIGHT - 22.0),
            num(lx + 14.0),
            num(HEIGHT - 13.0),
            escape(s.label)
        );
        lx += 24.0 + text_width(s.label, FONT);
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod bar_tests {
    use super::*;

    #[test]
    fn bars_stack_per_period_and_never_draw_nonsense() {
        let months = vec!["2026-11".to_string(), "2026-12".to_string()];
        let high = [2.0, f64::NAN];
        let low = [1.0, -3.0];
        let svg = stacked_bars(
            "Incidents <by> severity",
            &months,
            &[
                Bars {
                    label: "high",
                    class: "s0",
                    values: &high,
                },
                Bars {
                    label: "low",
                    class: "s1",
                    values: &low,
                },
            ],
            "incidents",
        );
        assert_eq!(
            svg.matches("<rect class=\"s").count(),
            2 + 2,
            "two bars and two legend keys"
        );
        assert!(svg.contains("&lt;by&gt;") && svg.contains(">3<"), "{svg}");
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let empty = stacked_bars("Nothing", &[], &[], "incidents");
        assert!(empty.ends_with("</svg>"));
    }
}

mod trend;
pub use trend::trend;
