//! The charts drawn from known numbers: their geometry, labels and accessible text.

use super::*;
use crate::domain::montecarlo::{
    Bin, LecPoint, Options, Run, Summary, simulate_workload, workload,
};

fn run() -> Run {
    simulate_workload(
        &workload(2, false),
        &Options {
            iterations: 20_000,
            seed: 1,
        },
    )
}

fn empty() -> Summary {
    Summary {
        mean: 0.0,
        sd: 0.0,
        min: 0.0,
        max: 0.0,
        p50: 0.0,
        p90: 0.0,
        p95: 0.0,
        p99: 0.0,
        lec: vec![],
        bins: vec![],
    }
}

/// A loss that is the same every year.
fn constant(loss: f64) -> Summary {
    Summary {
        mean: loss,
        sd: 0.0,
        min: loss,
        max: loss,
        p50: loss,
        p90: loss,
        p95: loss,
        p99: loss,
        lec: vec![LecPoint {
            loss,
            probability: 1.0,
        }],
        bins: vec![Bin {
            from: loss,
            to: loss,
            share: 1.0,
        }],
    }
}

/// Rubbish in: non-finite and negative numbers everywhere.
fn broken() -> Summary {
    Summary {
        mean: f64::NAN,
        sd: f64::INFINITY,
        min: -5.0,
        max: f64::INFINITY,
        p50: f64::NAN,
        p90: f64::NEG_INFINITY,
        p95: f64::INFINITY,
        p99: f64::NAN,
        lec: vec![
            LecPoint {
                loss: f64::NAN,
                probability: 0.5,
            },
            LecPoint {
                loss: 100.0,
                probability: f64::NAN,
            },
            LecPoint {
                loss: f64::INFINITY,
                probability: 2.0,
            },
        ],
        bins: vec![Bin {
            from: 10.0,
            to: f64::INFINITY,
            share: f64::NAN,
        }],
    }
}

/// Checks that the tags nest, the root is one `<svg>`, and text and attributes hold no
/// unescaped `<`, `>` or `&`.
fn assert_well_formed(svg: &str) {
    assert!(svg.starts_with("<svg "), "{svg}");
    assert!(svg.ends_with("</svg>"), "{svg}");
    let check_entities = |text: &str| {
        for (i, _) in text.match_indices('&') {
            let rest = &text[i..];
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;", "&#39;"]
                    .iter()
                    .any(|e| rest.starts_with(e)),
                "bare & in {text}"
            );
        }
    };
    let mut stack: Vec<&str> = Vec::new();
    let mut rest = svg;
    let mut roots = 0;
    while let Some(open) = rest.find('<') {
        let text = &rest[..open];
        assert!(!text.contains('>'), "stray > in {text}");
        check_entities(text);
        assert!(
            !stack.is_empty() || text.trim().is_empty(),
            "text outside the root"
        );
        let close = rest[open..].find('>').expect("unclosed tag") + open;
        let tag = &rest[open + 1..close];
        assert!(!tag.contains('<'), "< inside tag {tag}");
        assert_eq!(
            tag.matches('"').count() % 2,
            0,
            "unbalanced quotes in {tag}"
        );
        check_entities(tag);
        if let Some(name) = tag.strip_prefix('/') {
            assert_eq!(stack.pop(), Some(name.trim()), "mismatched </{name}>");
        } else {
            let name = tag
                .split(|c: char| c.is_whitespace() || c == '/')
                .next()
                .unwrap();
            assert!(!name.is_empty(), "empty tag name");
            if stack.is_empty() {
                roots += 1;
                assert_eq!(name, "svg");
            }
            if !tag.ends_with('/') {
                stack.push(name);
            }
        }
        rest = &rest[close + 1..];
    }
    assert!(stack.is_empty(), "unclosed {stack:?}");
    assert!(rest.trim().is_empty());
    assert_eq!(roots, 1);
}

/// No script, no style, no event handler, nothing fetched.
fn assert_inert(svg: &str) {
    for bad in [
        "<script",
        "<style",
        "style=",
        "href",
        "url(",
        "<image",
        "<foreignObject",
    ] {
        assert!(!svg.contains(bad), "{bad} in {svg}");
    }
    for (i, _) in svg.match_indices(" on") {
        let name: String = svg[i + 3..]
            .chars()
            .take_while(|c| c.is_ascii_alphabetic())
            .collect();
        assert!(
            !svg[i + 3 + name.len()..].starts_with('='),
            "handler in {svg}"
        );
    }
}

fn assert_finite(svg: &str) {
    assert!(!svg.contains("NaN"), "NaN in {svg}");
    assert!(!svg.contains("inf"), "inf in {svg}");
}

/// The points of the polylines whose class list contains `class` (after `prefix`).
fn polylines(svg: &str, class: &str) -> Vec<usize> {
    svg.split("<polyline ")
        .skip(1)
        .map(|p| &p[..p.find('>').unwrap()])
        .filter(|p| {
            let c = p.split("class=\"").nth(1).and_then(|c| c.split('"').next());
            c.is_some_and(|c| c.split(' ').any(|w| w == class))
        })
        .map(|p| {
            let points = p
                .split("points=\"")
                .nth(1)
                .unwrap()
                .split('"')
                .next()
                .unwrap();
            points.split_whitespace().count()
        })
        .collect()
}

fn appetite() -> Vec<AppetitePoint> {
    vec![
        AppetitePoint {
            loss: 5e6,
            probability: 0.01,
        },
        AppetitePoint {
            loss: 1e6,
            probability: 0.1,
        },
        AppetitePoint {
            loss: 2e5,
            probability: 0.5,
        },
    ]
}

#[test]
fn money_formats() {
    assert_eq!(money(1_234_567.0, "EUR"), "1,234,567 EUR");
    assert_eq!(money(12_345.4, "EUR"), "12,345 EUR");
    assert_eq!(money(999.0, "USD"), "999 USD");
    assert_eq!(money(1000.0, "USD"), "1,000 USD");
    assert_eq!(money(0.0, "EUR"), "0 EUR");
    assert_eq!(money(-0.2, "EUR"), "0 EUR");
    assert_eq!(money(-123_456.0, "GBP"), "-123,456 GBP");
    assert_eq!(money(1e15, "EUR"), "1,000,000,000,000,000 EUR");
    assert_eq!(money(f64::NAN, "EUR"), "n/a EUR");

    assert_eq!(money_short(1_234_567.0, "EUR"), "1.2M EUR");
    assert_eq!(money_short(950.0, "EUR"), "950 EUR");
    assert_eq!(money_short(0.0, "EUR"), "0 EUR");
    assert_eq!(money_short(12_345.0, "EUR"), "12.3k EUR");
    assert_eq!(money_short(3e9, "EUR"), "3B EUR");
    assert_eq!(money_short(10_000.0, "EUR"), "10k EUR");
    assert_eq!(money_short(250_000.0, "USD"), "250k USD");
    assert_eq!(money_short(999.6, "EUR"), "1k EUR");
    assert_eq!(money_short(999_960.0, "EUR"), "1M EUR");
    assert_eq!(money_short(2e15, "EUR"), "2000T EUR");
    assert_eq!(money_short(-1500.0, "EUR"), "-1.5k EUR");
    assert_eq!(money_short(f64::INFINITY, "EUR"), "n/a EUR");
}

#[test]
fn percent_and_numbers() {
    assert_eq!(percent(0.1), "10%");
    assert_eq!(percent(0.025), "2.5%");
    assert_eq!(percent(0.01), "1%");
    assert_eq!(percent(0.0005), "0.05%");
    assert_eq!(percent(0.0), "0%");
    assert_eq!(percent(f64::NAN), "0%");
    assert_eq!(num(12.0), "12");
    assert_eq!(num(-0.01), "0");
    assert_eq!(num(3.25), "3.2");
    assert_eq!(num(f64::NAN), "0");
}

#[test]
fn one_two_five_ticks() {
    assert_eq!(tick_value(0), 1.0);
    assert_eq!(tick_value(4), 20.0);
    assert_eq!(tick_value(-1), 0.5);
    assert_eq!(floor_index(1000.0), 9);
    assert_eq!(floor_index(1999.0), 9);
    assert_eq!(ceil_index(1001.0), 10);
    assert_eq!(ceil_index(5000.0), 11);
    let s = LogScale::covering([1200.0, 3e6]);
    assert_eq!((s.lo(), s.hi()), (1000.0, 5e6));
    assert_eq!(s.x(1000.0), LEFT);
    assert_eq!(s.x(5e6), RIGHT);
    // min == max still spans an axis.
    let s = LogScale::covering([1000.0]);
    assert!(s.hi() > s.lo());
    // Many decades: only some powers of ten are labelled.
    let s = LogScale::covering([1.0, 1e15]);
    let labelled: Vec<f64> = s.ticks("EUR").iter().filter(|t| t.1).map(|t| t.0).collect();
    assert!((2..=10).contains(&labelled.len()), "{labelled:?}");
    assert!(
        labelled
            .iter()
            .all(|v| (v.log10() - v.log10().round()).abs() < 1e-9),
        "{labelled:?}"
    );
    // Labels never overlap.
    for scale in [
        LogScale::covering([5e3, 5e6]),
        LogScale::covering([1.0, 1e15]),
        s,
    ] {
        let ticks = scale.ticks("EUR");
        let spans: Vec<(f64, f64)> = ticks
            .iter()
            .filter(|t| t.1)
            .map(|t| {
                let half = text_width(&money_short(t.0, "EUR"), FONT) / 2.0;
                (scale.x(t.0) - half, scale.x(t.0) + half)
            })
            .collect();
        assert!(spans.windows(2).all(|w| w[0].1 < w[1].0), "{spans:?}");
    }
}

#[test]
fn lec_draws_every_series_and_the_appetite() {
    let run = run();
    let series = [
        Series {
            label: "Before treatment",
            class: "current",
            summary: &run.portfolio,
        },
        Series {
            label: "After treatment",
            class: "residual",
            summary: &run.risks[0],
        },
    ];
    let svg = lec_svg("Loss exceedance", &series, &appetite(), "EUR");
    assert_well_formed(&svg);
    assert_finite(&svg);
    assert_eq!(polylines(&svg, "current"), vec![run.portfolio.lec.len()]);
    assert_eq!(polylines(&svg, "residual"), vec![run.risks[0].lec.len()]);
    assert_eq!(polylines(&svg, "curve").len(), 2);
    assert!(svg.contains(r#"<g class="appetite">"#));
    assert_eq!(
        svg.matches("<circle").count(),
        3 + 1,
        "three points and the legend's"
    );
    assert!(svg.contains("Risk appetite"));
    assert!(svg.contains(r#"class="chart lec""#));
    assert!(svg.contains(r#"viewBox="0 0 640 300""#));
    assert!(svg.contains(r#"role="img""#));
    assert!(svg.contains("<title id="));
    assert!(svg.contains("Annual loss (EUR)"));
    assert!(svg.contains("Chance of exceeding"));
    assert!(svg.contains("100%"));
    assert!(svg.contains("1 in 20 years: "));
    assert_inert(&svg);
    let desc = svg.split("<desc").nth(1).unwrap();
    assert!(
        desc.contains(&format!(
            "Before treatment: a 10% chance of losing more than {} a year",
            money_short(run.portfolio.p90, "EUR")
        )),
        "{desc}"
    );
    assert!(desc.contains("After treatment: "), "{desc}");
    assert!(desc.contains("risk appetite"), "{desc}");
    assert!(desc.contains("Risk appetite: at most 50% chance of more than 200k EUR, "));
    assert!(
        desc.contains(", at most 1% chance of more than 5M EUR."),
        "{desc}"
    );
    // The loss axis covers both curves and the appetite: ticks are labelled in compact money.
    assert!(svg.contains("M EUR</text>"));
    // Without an appetite there is no appetite line nor legend entry.
    let svg = lec_svg("Loss exceedance", &series[..1], &[], "USD");
    assert_well_formed(&svg);
    assert!(!svg.contains("appetite"));
    assert_eq!(polylines(&svg, "curve").len(), 1);
}

#[test]
fn distribution_draws_bars_and_means() {
    let run = run();
    let series = [
        Series {
            label: "Before treatment",
            class: "current",
            summary: &run.risks[1],
        },
        Series {
            label: "After treatment",
            class: "residual",
            summary: &run.risks[0],
        },
    ];
    let svg = distribution_svg("Annual loss", &series, "GBP");
    assert_well_formed(&svg);
    assert_finite(&svg);
    assert_inert(&svg);
    let bars = |s: &Summary| s.bins.iter().filter(|b| b.share > 0.0).count();
    let rects = svg.matches("<rect x=").count();
    assert_eq!(rects, bars(&run.risks[0]) + bars(&run.risks[1]) + 2);
    assert_eq!(polylines(&svg, "outline").len(), 2);
    assert_eq!(svg.matches("Mean ").count(), 2);
    assert!(svg.contains("Share of years"));
    assert!(svg.contains("Annual loss (GBP)"));
    assert!(svg.contains(r#"class="bars current""#));
    let desc = svg.split("<desc").nth(1).unwrap();
    assert!(
        desc.contains("Before treatment: mean annual loss "),
        "{desc}"
    );
    assert!(desc.contains("the most common range is "), "{desc}");
}

#[test]
fn labels_are_escaped() {
    let run = run();
    let series = [Series {
        label: "R&D <lab> \"x\"",
        class: "current",
        summary: &run.risks[0],
    }];
    for svg in [
        lec_svg("Title & <more>", &series, &appetite(), "E<R"),
        distribution_svg("Title & <more>", &series, "E<R"),
    ] {
        assert_well_formed(&svg);
        assert!(svg.contains("R&amp;D &lt;lab&gt; &quot;x&quot;"));
        assert!(svg.contains("Title &amp; &lt;more&gt;"));
        assert!(!svg.contains("<lab>") && !svg.contains("<more>"));
    }
}

#[test]
fn degenerate_summaries_do_not_panic() {
    let run = run();
    let (empty, constant, broken) = (empty(), constant(25_000.0), broken());
    let zero_loss = constant_at_zero();
    let cases: Vec<Vec<Series>> = vec![
        vec![],
        vec![Series {
            label: "Nothing",
            class: "current",
            summary: &empty,
        }],
        vec![
            Series {
                label: "Before",
                class: "current",
                summary: &empty,
            },
            Series {
                label: "After",
                class: "residual",
                summary: &empty,
            },
        ],
        vec![Series {
            label: "Same every year",
            class: "current",
            summary: &constant,
        }],
        vec![
            Series {
                label: "Before",
                class: "current",
                summary: &run.portfolio,
            },
            Series {
                label: "After",
                class: "residual",
                summary: &empty,
            },
        ],
        vec![Series {
            label: "Broken",
            class: "residual",
            summary: &broken,
        }],
        vec![Series {
            label: "Zero",
            class: "residual",
            summary: &zero_loss,
        }],
    ];
    let odd_appetite = [
        AppetitePoint {
            loss: f64::NAN,
            probability: 0.1,
        },
        AppetitePoint {
            loss: 0.0,
            probability: 0.5,
        },
        AppetitePoint {
            loss: 1e6,
            probability: 7.0,
        },
    ];
    for series in &cases {
        for appetite in [&[][..], &appetite()[..], &odd_appetite[..]] {
            let svg = lec_svg("t", series, appetite, "EUR");
            assert_well_formed(&svg);
            assert_finite(&svg);
        }
        let svg = distribution_svg("t", series, "EUR");
        assert_well_formed(&svg);
        assert_finite(&svg);
    }
    let svg = lec_svg("t", &cases[1], &[], "EUR");
    assert!(svg.contains("No loss to show"));
    assert!(svg.contains("Nothing: no loss simulated."));
    assert!(svg.contains(">Nothing (no loss)</text>"));
    assert!(polylines(&svg, "current").is_empty());
    let svg = distribution_svg("t", &cases[3], "EUR");
    assert_eq!(svg.matches("Mean 25k EUR").count(), 1);
    let svg = lec_svg("t", &cases[3], &[], "EUR");
    assert_eq!(polylines(&svg, "current"), vec![1]);
}

fn constant_at_zero() -> Summary {
    Summary {
        lec: vec![LecPoint {
            loss: 0.0,
            probability: 0.0,
        }],
        bins: vec![Bin {
            from: 0.0,
            to: 0.0,
            share: 1.0,
        }],
        ..empty()
    }
}
