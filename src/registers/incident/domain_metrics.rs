//! What the incident register says over time: incidents per month by severity and by
//! category, how long detection, containment and closing took (medians), and the causes
//! that recur.

use super::domain::{Category, SeverityScale};
use serde::Serialize;

/// What metrics read of one incident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricRow {
    pub reported_at: String,
    pub category: Option<Category>,
    /// A key of the severity scale.
    pub severity: Option<String>,
    pub noticed_at: String,
    pub aware_at: String,
    pub contained_at: Option<String>,
    pub closed_at: Option<String>,
    pub root_cause: String,
}

/// A series of counts or durations per month.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Series {
    pub key: String,
    pub label: String,
    pub values: Vec<f64>,
}

/// The register's metrics over the months given.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Metrics {
    /// `YYYY-MM`, oldest first.
    pub months: Vec<String>,
    /// Incidents reported per month, by severity (not yet assessed as its own series).
    pub by_severity: Vec<Series>,
    /// Incidents reported per month, by category (only those that occurred).
    pub by_category: Vec<Series>,
    /// Median hours from first noticed to the organisation aware, per month (0 when none).
    pub detect_hours: Vec<f64>,
    /// Median hours from aware to contained, per month.
    pub contain_hours: Vec<f64>,
    /// Median hours from aware to closed, per month.
    pub close_hours: Vec<f64>,
    /// Medians over the whole period: detect, contain, close (hours; none when nothing to
    /// measure).
    pub median_detect_hours: Option<f64>,
    pub median_contain_hours: Option<f64>,
    pub median_close_hours: Option<f64>,
    /// Root causes named more than once (as written, case and spaces ignored), most first.
    pub recurring_causes: Vec<(String, i64)>,
    pub total: i64,
}

/// The `n` months up to `today`'s (YYYY-MM-DD), oldest first.
pub fn last_months(today: &str, n: usize) -> Vec<String> {
    let year: i32 = today.get(..4).and_then(|y| y.parse().ok()).unwrap_or(1970);
    let month: i32 = today.get(5..7).and_then(|m| m.parse().ok()).unwrap_or(1);
    let now = year * 12 + (month - 1);
    (0..n as i32)
        .rev()
        .map(|k| {
            let m = now - k;
            format!("{:04}-{:02}", m.div_euclid(12), m.rem_euclid(12) + 1)
        })
        .collect()
}

fn hours(from: &str, to: &str) -> Option<f64> {
    use crate::domain::clock::parse_stamp;
    let d = parse_stamp(to)? - parse_stamp(from)?;
    let h = d.as_seconds_f64() / 3600.0;
    (h.is_finite() && h >= 0.0).then_some(h)
}

/// The median of some hours, rounded to a tenth.
fn median(mut v: Vec<f64>) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let m = if v.len() % 2 == 1 {
        v[v.len() / 2]
    } else {
        (v[v.len() / 2 - 1] + v[v.len() / 2]) / 2.0
    };
    Some((m * 10.0).round() / 10.0)
}

/// The metrics of `rows` over `months`.
pub fn metrics(rows: &[MetricRow], months: &[String], scale: &SeverityScale) -> Metrics {
    let month_of = |r: &MetricRow| {
        months
            .iter()
            .position(|m| r.reported_at.starts_with(m.as_str()))
    };
    let mut by_severity: Vec<Series> = scale
        .levels
        .iter()
        .map(|s| Series {
            key: s.key.clone(),
            label: s.label.clone(),
            values: vec![0.0; months.len()],
        })
        .collect();
    by_severity.push(Series {
        key: "unassessed".into(),
        label: "not assessed".into(),
        values: vec![0.0; months.len()],
    });
    let mut by_category: Vec<Series> = Category::ALL
        .iter()
        .map(|c| Series {
            key: c.key().into(),
            label: c.label().into(),
            values: vec![0.0; months.len()],
        })
        .collect();
    let mut detect = vec![Vec::new(); months.len()];
    let mut contain = vec![Vec::new(); months.len()];
    let mut close = vec![Vec::new(); months.len()];
    let mut causes: Vec<(String, String, i64)> = Vec::new();
    let mut total = 0;
    for r in rows {
        let Some(m) = month_of(r) else { continue };
        total += 1;
        // Not assessed, or rated on a level since removed: the last series.
        let s = r
            .severity
            .as_deref()
            .and_then(|k| scale.levels.iter().position(|l| l.key == k))
            .unwrap_or(scale.levels.len());
        by_severity[s].values[m] += 1.0;
        if let Some(c) = r.category
            && let Some(i) = Category::ALL.iter().position(|x| *x == c)
        {
            by_category[i].values[m] += 1.0;
        }
        detect[m].extend(hours(&r.noticed_at, &r.aware_at));
        if let Some(c) = &r.contained_at {
            contain[m].extend(hours(&r.aware_at, c));
        }
        if let Some(c) = &r.closed_at {
            close[m].extend(hours(&r.aware_at, c));
        }
        let cause = r
            .root_cause
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        if !cause.is_empty() {
            let key = cause.to_lowercase();
            match causes.iter_mut().find(|c| c.0 == key) {
                Some(c) => c.2 += 1,
                None => causes.push((key, cause, 1)),
            }
        }
    }
    by_category.retain(|s| s.values.iter().any(|v| *v > 0.0));
    let flat = |v: &[Vec<f64>]| median(v.iter().flatten().copied().collect());
    let per_month = |v: &[Vec<f64>]| -> Vec<f64> {
        v.iter().map(|m| median(m.clone()).unwrap_or(0.0)).collect()
    };
    causes.retain(|c| c.2 > 1);
    causes.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(&b.0)));
    Metrics {
        months: months.to_vec(),
        by_severity,
        by_category,
        median_detect_hours: flat(&detect),
        median_contain_hours: flat(&contain),
        median_close_hours: flat(&close),
        detect_hours: per_month(&detect),
        contain_hours: per_month(&contain),
        close_hours: per_month(&close),
        recurring_causes: causes.into_iter().take(10).map(|c| (c.1, c.2)).collect(),
        total,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(reported: &str, sev: Option<&str>, cause: &str, closed: Option<&str>) -> MetricRow {
        MetricRow {
            reported_at: reported.into(),
            category: Some(Category::Phishing),
            severity: sev.map(str::to_string),
            noticed_at: "2026-11-01T08:00:00Z".into(),
            aware_at: "2026-11-01T10:00:00Z".into(),
            contained_at: Some("2026-11-01T14:00:00Z".into()),
            closed_at: closed.map(str::to_string),
            root_cause: cause.into(),
        }
    }

    #[test]
    fn months_run_back_across_the_new_year() {
        assert_eq!(
            last_months("2026-02-15", 4),
            ["2025-11", "2025-12", "2026-01", "2026-02"]
        );
    }

    #[test]
    fn counts_medians_and_recurring_causes() {
        let months = last_months("2026-12-04", 2);
        let rows = vec![
            row(
                "2026-11-01T10:00:00Z",
                Some("high"),
                "Weak  password",
                Some("2026-11-03T10:00:00Z"),
            ),
            row("2026-11-02T10:00:00Z", None, "weak password", None),
            row("2026-12-01T10:00:00Z", Some("low"), "no MFA", None),
            row("2025-01-01T10:00:00Z", Some("low"), "old", None),
        ];
        let m = metrics(&rows, &months, &SeverityScale::default());
        assert_eq!(m.total, 3, "the old one is outside the months");
        let high = m.by_severity.iter().find(|s| s.key == "high").unwrap();
        assert_eq!(high.values, [1.0, 0.0]);
        let none = m
            .by_severity
            .iter()
            .find(|s| s.key == "unassessed")
            .unwrap();
        assert_eq!(none.values, [1.0, 0.0]);
        assert_eq!(m.by_category.len(), 1);
        assert_eq!(m.median_detect_hours, Some(2.0));
        assert_eq!(m.median_contain_hours, Some(4.0));
        assert_eq!(m.median_close_hours, Some(48.0));
        assert_eq!(m.close_hours, [48.0, 0.0]);
        assert_eq!(m.recurring_causes, [("Weak password".to_string(), 2)]);
    }
}
