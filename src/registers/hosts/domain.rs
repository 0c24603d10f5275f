//! Hosts that report scans: the report an agent sends, the run and the host's latest tally
//! it becomes, the order findings are read in, and the evidence item a run files per control
//! its checks decided.

use crate::domain::catalog::Catalog;
use crate::domain::clock::{parse_stamp, stamp};
use crate::error::{Error, FieldError, Problems, Result};
use crate::registers::evidence::domain::add_days;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// A scan report as `annex scan --format json` prints it. Unknown fields (title, how,
/// remediation, the tally, …) are ignored: the tally is counted again from the findings.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ScanReportInput {
    /// The host name: 1 to 253 characters of letters, digits, '.', '-' and '_'.
    #[schema(required = true, pattern = "^[A-Za-z0-9._-]{1,253}$")]
    pub host: String,
    /// The root that was scanned (`/` for the host itself).
    pub root: String,
    /// When the scan ran, RFC 3339.
    #[schema(required = true, format = DateTime)]
    pub scanned_at: String,
    #[schema(minimum = 0)]
    pub duration_ms: f64,
    /// The host's group (key or name) on its first report; later reports leave the group
    /// people chose. The default group when not given.
    pub group: String,
    pub findings: Vec<ScanFindingInput>,
}

/// One check's result in a report.
#[derive(Debug, Clone, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default)]
pub struct ScanFindingInput {
    /// The check's id, e.g. `ssh.root-login`.
    #[schema(required = true, min_length = 1, max_length = 200, pattern = "\\S")]
    pub id: String,
    /// pass, fail, not_applicable or error
    pub outcome: String,
    pub severity: String,
    /// The ISO/IEC 27002:2022 controls the check evidences.
    pub controls: Vec<String>,
    pub observed: String,
    /// How many days the result holds as evidence (1 to 3650); 1 when not given.
    #[serde(deserialize_with = "crate::domain::input::whole_number")]
    #[schema(minimum = 1, maximum = 3650)]
    pub cadence_days: Option<u32>,
}

/// A run as received and stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunSummary {
    pub run_id: String,
    pub host: String,
    pub scanned_at: String,
    pub received_at: String,
    pub duration_ms: i64,
    pub pass: i64,
    pub fail: i64,
    pub not_applicable: i64,
    pub error: i64,
    /// pass / (pass + fail); none when nothing passed or failed.
    pub pass_rate: Option<f64>,
    pub submitted_by: String,
    /// How many evidence items of the host the run created or refreshed on the SoA.
    pub evidence_filed: i64,
}

/// A host that reports scans, with its latest tally.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct HostSummary {
    pub name: String,
    pub first_seen: String,
    pub last_seen: String,
    pub last_pass: i64,
    pub last_fail: i64,
    pub last_not_applicable: i64,
    pub last_error: i64,
    /// pass / (pass + fail) of the latest run; none when nothing passed or failed.
    pub pass_rate: Option<f64>,
    /// No report for more than `STALE_DAYS` days.
    pub stale: bool,
    /// The id of the agent token bound to the host, if any.
    pub token_id: Option<String>,
    /// The key of the host's group (its scans evidence the controls the group does).
    pub group: String,
    pub group_name: String,
    /// Raised when the host changes group: a writer that saw an older revision is refused.
    pub revision: i64,
}

/// One result of one check on a host, from one run.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckResult {
    pub run_id: String,
    pub scanned_at: String,
    pub outcome: String,
    pub severity: String,
    pub controls: Vec<String>,
    pub observed: String,
}

/// A host without a report for longer than this is stale.
pub const STALE_DAYS: i64 = 2;

pub(crate) const OUTCOMES: [&str; 4] = ["pass", "fail", "not_applicable", "error"];

pub fn pass_rate(pass: i64, fail: i64) -> Option<f64> {
    (pass + fail > 0).then(|| pass as f64 / (pass + fail) as f64)
}

/// Whether a host name is 1 to 253 characters of `[A-Za-z0-9.-_]`.
pub fn valid_host_name(name: &str) -> bool {
    (1..=253).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_'))
}

/// A checked report: the host, the scan's moment (stored form), the duration and the tally.
pub struct Checked {
    pub scanned_at: String,
    pub duration_ms: i64,
    pub tally: [i64; 4],
}

pub fn check(r: &ScanReportInput) -> Result<Checked> {
    let mut p = Problems::new();
    if !valid_host_name(&r.host) {
        p.add(
            "host",
            "give the host name: 1 to 253 characters of letters, digits, '.', '-' and '_'",
        );
    }
    let scanned_at = match parse_stamp(r.scanned_at.trim()) {
        Some(t) => stamp(t),
        None => {
            p.add(
                "scanned_at",
                format!(
                    "'{}' is not an RFC 3339 moment, e.g. 2026-11-23T14:30:00Z",
                    r.scanned_at
                ),
            );
            String::new()
        }
    };
    if !r.duration_ms.is_finite() || r.duration_ms < 0.0 {
        p.add(
            "duration_ms",
            "give the scan's duration in milliseconds (0 or more)",
        );
    }
    let mut tally = [0i64; 4];
    let mut seen = std::collections::HashSet::new();
    for (i, f) in r.findings.iter().enumerate() {
        if f.id.trim().is_empty() {
            p.add(&format!("findings[{i}].id"), "give the check's id");
        } else if f.id.chars().count() > 200 {
            p.add(
                &format!("findings[{i}].id"),
                "a check's id has at most 200 characters",
            );
        } else if !seen.insert(f.id.as_str()) {
            p.add(
                &format!("findings[{i}].id"),
                format!("check '{}' appears twice in the report", f.id),
            );
        }
        if let Some(days) = f.cadence_days
            && !(1..=3650).contains(&days)
        {
            p.add(
                &format!("findings[{i}].cadence_days"),
                format!("{days} is not a cadence: give 1 to 3650 days"),
            );
        }
        match OUTCOMES.iter().position(|o| *o == f.outcome) {
            Some(k) => tally[k] += 1,
            None => p.add(
                &format!("findings[{i}].outcome"),
                format!(
                    "'{}' is not an outcome: use pass, fail, not_applicable or error",
                    f.outcome
                ),
            ),
        }
    }
    p.into_result()?;
    Ok(Checked {
        scanned_at,
        duration_ms: r.duration_ms.round() as i64,
        tally,
    })
}

/// One finding of a run, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RunFinding {
    pub check_id: String,
    /// pass, fail, not_applicable or error
    pub outcome: String,
    pub severity: String,
    /// The ISO/IEC 27002:2022 controls the check evidences.
    pub controls: Vec<String>,
    pub observed: String,
}

/// Where an outcome sorts among a run's findings: what needs work first.
fn outcome_rank(outcome: &str) -> usize {
    match outcome {
        "fail" => 0,
        "error" => 1,
        "pass" => 2,
        "not_applicable" => 3,
        _ => 4,
    }
}

/// Findings in reading order: fail, error, pass, not applicable, then by check id.
pub fn sort_findings(findings: &mut [RunFinding]) {
    findings.sort_by(|a, b| {
        outcome_rank(&a.outcome)
            .cmp(&outcome_rank(&b.outcome))
            .then_with(|| a.check_id.cmp(&b.check_id))
    });
}

/// A check result longer than this is cut in the evidence's description.
const OBSERVED_SHOWN: usize = 300;
/// The reason an item shows its control failing is cut at this many characters.
const REASON_SHOWN: usize = 1000;

/// A report's findings that decided something (passed or failed), by the catalogue id of each
/// control its checks evidence (a control whose checks all came back not applicable or in
/// error has none). A control that is not in the catalogue is refused, naming the finding.
pub fn decided_by_control<'a>(
    catalog: &Catalog,
    findings: &'a [ScanFindingInput],
) -> Result<BTreeMap<String, Vec<&'a ScanFindingInput>>> {
    let mut out: BTreeMap<String, Vec<&ScanFindingInput>> = BTreeMap::new();
    let mut problems = Vec::new();
    for (i, f) in findings.iter().enumerate() {
        let decided = matches!(f.outcome.as_str(), "pass" | "fail");
        for c in &f.controls {
            match catalog.control(c) {
                Ok(control) => {
                    let list = out.entry(control.id.clone()).or_default();
                    if decided {
                        list.push(f);
                    }
                }
                Err(_) => problems.push(FieldError::new(
                    format!("findings[{i}].controls"),
                    format!("'{c}' is not a control of {}", catalog.framework.name),
                )),
            }
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(problems))
    }
}

fn cut(text: &str, at: usize) -> String {
    match text.char_indices().nth(at) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

/// One control's item as a report makes it.
pub struct Item {
    pub title: String,
    pub description: String,
    pub failing: String,
    pub valid_until: String,
}

/// What a run files as evidence: its decided findings by control, and what the items say.
pub struct Filing<'a> {
    pub catalog: &'a Catalog,
    /// Who files (the run's submitter).
    pub actor: &'a str,
    pub host: &'a str,
    pub root: &'a str,
    pub run: &'a RunSummary,
    pub decided: &'a BTreeMap<String, Vec<&'a ScanFindingInput>>,
    /// The titles of the checks the library knows, by check id.
    pub check_titles: &'a HashMap<String, String>,
    pub today: &'a str,
}

impl Filing<'_> {
    /// The item of one control, collected on `collected_at`, from the findings that decided it.
    pub fn item(
        &self,
        control_id: &str,
        collected_at: &str,
        findings: &[&ScanFindingInput],
    ) -> Item {
        let Filing {
            catalog,
            host,
            root,
            run,
            check_titles,
            ..
        } = *self;
        let title_of = |id: &str| {
            check_titles
                .get(id)
                .map(|t| format!(" — {t}"))
                .unwrap_or_default()
        };
        let mut fails: Vec<&&ScanFindingInput> =
            findings.iter().filter(|f| f.outcome == "fail").collect();
        let mut passes: Vec<&&ScanFindingInput> =
            findings.iter().filter(|f| f.outcome == "pass").collect();
        fails.sort_by(|a, b| a.id.cmp(&b.id));
        passes.sort_by(|a, b| a.id.cmp(&b.id));
        let on = if root.is_empty() || root == "/" {
            String::new()
        } else {
            format!(", root {root}")
        };
        let mut description = format!(
            "Filed by annex scan of host {host}{on}, scanned {}, run {}: {} {} passed, {} failed.",
            run.scanned_at,
            run.run_id,
            passes.len(),
            if passes.len() == 1 { "check" } else { "checks" },
            fails.len()
        );
        for (mark, list) in [("FAIL", &fails), ("pass", &passes)] {
            for f in list.iter() {
                let severity = if f.severity.is_empty() || mark == "pass" {
                    String::new()
                } else {
                    format!(" ({})", f.severity)
                };
                description.push_str(&format!(
                    "\n{mark} {}{}{severity}: {}",
                    f.id,
                    title_of(&f.id),
                    cut(&f.observed, OBSERVED_SHOWN)
                ));
            }
        }
        let failing = fails
            .iter()
            .map(|f| format!("{}: {}", f.id, cut(&f.observed, OBSERVED_SHOWN)))
            .collect::<Vec<_>>()
            .join("; ");
        let cadence = findings
            .iter()
            .map(|f| f.cadence_days.unwrap_or(1))
            .min()
            .unwrap_or(1);
        let control_title = catalog
            .control(control_id)
            .map(|c| format!(" {}", c.title))
            .unwrap_or_default();
        Item {
            title: format!("Scan of {host}: {control_id}{control_title}"),
            description,
            failing: cut(&failing, REASON_SHOWN),
            valid_until: add_days(collected_at, i64::from(cadence)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_sort_by_what_needs_work() {
        let f = |id: &str, outcome: &str| RunFinding {
            check_id: id.into(),
            outcome: outcome.into(),
            severity: "low".into(),
            controls: Vec::new(),
            observed: String::new(),
        };
        let mut v = vec![
            f("a", "pass"),
            f("z", "fail"),
            f("b", "not_applicable"),
            f("c", "error"),
            f("b", "fail"),
        ];
        sort_findings(&mut v);
        let order: Vec<(&str, &str)> = v
            .iter()
            .map(|f| (f.check_id.as_str(), f.outcome.as_str()))
            .collect();
        assert_eq!(
            order,
            [
                ("b", "fail"),
                ("z", "fail"),
                ("c", "error"),
                ("a", "pass"),
                ("b", "not_applicable")
            ]
        );
    }

    #[test]
    fn host_names_are_checked() {
        assert!(valid_host_name("web-01.example.org"));
        assert!(valid_host_name("db_2"));
        assert!(!valid_host_name(""));
        assert!(!valid_host_name("a b"));
        assert!(!valid_host_name(&"a".repeat(254)));
    }

    #[test]
    fn bad_reports_name_their_fields() {
        let r = ScanReportInput {
            host: "web".into(),
            scanned_at: "yesterday".into(),
            findings: vec![
                ScanFindingInput {
                    id: "a".into(),
                    outcome: "pass".into(),
                    ..Default::default()
                },
                ScanFindingInput {
                    id: "".into(),
                    outcome: "maybe".into(),
                    ..Default::default()
                },
            ],
            ..Default::default()
        };
        let fields: Vec<String> = match check(&r) {
            Err(Error::Validation(f)) => f.into_iter().map(|f| f.field).collect(),
            _ => panic!("should be refused"),
        };
        assert_eq!(
            fields,
            ["scanned_at", "findings[1].id", "findings[1].outcome"]
        );
    }
}
