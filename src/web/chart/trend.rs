//! An indicator's values per period against its target, drawn as SVG like the other charts
//! (classes for colour, a title and a description in words, nothing non-finite).

use super::{BOTTOM, HEIGHT, LEFT, RIGHT, WIDTH, escape, num};
use std::fmt::Write;

/// An indicator's values per period as a line with a point each, and its target as a dashed
/// line (class `appetite`): the scale runs from 0 (or the lowest value, if below) to the
/// highest of the values and the target; `shown` writes a value for people ("93.5%").
/// Non-finite values are left out.
pub fn trend(
    title: &str,
    periods: &[String],
    values: &[f64],
    target: Option<f64>,
    shown: &dyn Fn(f64) -> String,
) -> String {
    const TOP: f64 = 30.0;
    let points: Vec<(usize, f64)> = values
        .iter()
        .copied()
        .enumerate()
        .take(periods.len())
        .filter(|(_, v)| v.is_finite())
        .collect();
    let finite_target = target.filter(|t| t.is_finite());
    let all = points
        .iter()
        .map(|p| p.1)
        .chain(finite_target)
        .collect::<Vec<_>>();
    let max = all.iter().copied().fold(f64::MIN, f64::max);
    let min = all.iter().copied().fold(0.0, f64::min);
    let (lo, hi) = if all.is_empty() || max <= min {
        (min, min + 1.0)
    } else {
        (min, max + (max - min) * 0.08)
    };
    let n = periods.len().max(1);
    let slot = (RIGHT - LEFT) / n as f64;
    let x = |i: usize| LEFT + slot * i as f64 + slot / 2.0;
    let y = |v: f64| BOTTOM - (v - lo) / (hi - lo) * (BOTTOM - TOP);
    let last = points.last().map(|p| shown(p.1));
    let mut out = String::new();
    let id = title.len() + periods.len() * 7 + points.len();
    let _ = write!(
        out,
        r#"<svg class="chart trend" viewBox="0 0 {} {}" role="img" aria-labelledby="trend-t-{id} trend-d-{id}" xmlns="http://www.w3.org/2000/svg"><title id="trend-t-{id}">{}</title><desc id="trend-d-{id}">{} measured over {} periods{}{}.</desc>"#,
        num(WIDTH),
        num(HEIGHT),
        escape(title),
        points.len(),
        periods.len(),
        match &last {
            Some(l) => format!(", the latest {}", escape(l)),
            None => String::new(),
        },
        match finite_target {
            Some(t) => format!("; the target is {}", escape(&shown(t))),
            None => String::new(),
        },
    );
    let _ = write!(
        out,
        r#"<line class="axis" x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor"/><text class="tick" x="{}" y="{}" text-anchor="end" fill="currentColor">{}</text><text class="tick" x="{}" y="{}" text-anchor="end" fill="currentColor">{}</text>"#,
        num(LEFT),
        num(BOTTOM),
        num(RIGHT),
        num(BOTTOM),
        num(LEFT - 6.0),
        num(BOTTOM),
        escape(&shown(lo)),
        num(LEFT - 6.0),
        num(TOP + 4.0),
        escape(&shown(hi)),
    );
    if let Some(t) = finite_target {
        let _ = write!(
            out,
            r#"<g class="appetite"><line x1="{}" y1="{}" x2="{}" y2="{}" stroke="currentColor" stroke-dasharray="6 4"/><text x="{}" y="{}" text-anchor="end" fill="currentColor">target {}</text></g>"#,
            num(LEFT),
            num(y(t)),
            num(RIGHT),
            num(y(t)),
            num(RIGHT),
            num(y(t) - 5.0),
            escape(&shown(t))
        );
    }
    if points.len() > 1 {
        let line: Vec<String> = points
            .iter()
            .map(|(i, v)| format!("{},{}", num(x(*i)), num(y(*v))))
            .collect();
        let _ = write!(
            out,
            r#"<polyline class="residual" points="{}" fill="none" stroke="currentColor" stroke-width="2"/>"#,
            line.join(" ")
        );
    }
    for (i, v) in &points {
        let _ = write!(
            out,
            r#"<circle class="residual" cx="{}" cy="{}" r="3.5" fill="currentColor"><title>{}: {}</title></circle>"#,
            num(x(*i)),
            num(y(*v)),
            escape(&periods[*i]),
            escape(&shown(*v))
        );
    }
    for (i, p) in periods.iter().enumerate() {
        if n <= 12 || i % (n / 12 + 1) == 0 {
            let _ = write!(
                out,
                r#"<text class="tick" x="{}" y="{}" text-anchor="middle" fill="currentColor">{}</text>"#,
                num(x(i)),
                num(BOTTOM + 16.0),
                escape(p)
            );
        }
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trend_draws_each_value_and_the_target_in_words() {
        let periods: Vec<String> = ["2026-09", "2026-10", "2026-11"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let svg = trend(
            "Μέτρα <ελέγχου>",
            &periods,
            &[80.0, f64::NAN, 93.5],
            Some(95.0),
            &|v| format!("{v}%"),
        );
        assert!(svg.contains("Μέτρα &lt;ελέγχου&gt;"));
        assert_eq!(svg.matches("<circle").count(), 2, "NaN left out");
        assert!(svg.contains("target 95%"));
        assert!(svg.contains("the latest 93.5%"));
        assert!(!svg.contains("NaN") && !svg.contains("inf"));
        let empty = trend("x", &[], &[], None, &|v| v.to_string());
        assert!(empty.ends_with("</svg>") && !empty.contains("NaN"));
    }
}
