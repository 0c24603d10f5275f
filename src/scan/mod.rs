//! `annex scan`: checks of a Linux host — the running one or a mounted root (an image, a
//! container's root, a test fixture) — for the technological controls of ISO/IEC 27002:2022.
//! Every check reads files only (no network, no programs run), says which controls it
//! evidences, how it decides, and gives pass, fail, not applicable or error with what it saw
//! and how to fix it. A file it may not read (root-only) makes it "not applicable: permission
//! denied", never a crash.
//!
//! Checks live by area in `checks/`; `host.rs` is the read-only view of the root they share
//! and `parse.rs` the small readers of configuration formats.

pub mod checks;
pub mod cli;
pub mod host;
pub mod parse;
pub mod report;
pub mod submit;

pub use host::{Host, Read};

use rayon::prelude::*;
use serde::Serialize;

/// Seconds in a day, for the checks that age files.
pub const DAY: i64 = 86_400;

/// How much a failure matters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn key(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// What a check found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Pass,
    Fail,
    NotApplicable,
    Error,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "fail",
            Outcome::NotApplicable => "not_applicable",
            Outcome::Error => "error",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Pass => "pass",
            Outcome::Fail => "FAIL",
            Outcome::NotApplicable => "n/a",
            Outcome::Error => "error",
        }
    }
}

/// A check's verdict with what it observed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verdict {
    pub outcome: Outcome,
    pub observed: String,
}

impl Verdict {
    pub fn pass(observed: impl Into<String>) -> Verdict {
        Verdict {
            outcome: Outcome::Pass,
            observed: observed.into(),
        }
    }

    pub fn fail(observed: impl Into<String>) -> Verdict {
        Verdict {
            outcome: Outcome::Fail,
            observed: observed.into(),
        }
    }

    pub fn not_applicable(why: impl Into<String>) -> Verdict {
        Verdict {
            outcome: Outcome::NotApplicable,
            observed: why.into(),
        }
    }

    pub fn error(what: impl Into<String>) -> Verdict {
        Verdict {
            outcome: Outcome::Error,
            observed: what.into(),
        }
    }

    /// Pass or fail on a condition.
    pub fn when(ok: bool, observed: impl Into<String>) -> Verdict {
        if ok {
            Verdict::pass(observed)
        } else {
            Verdict::fail(observed)
        }
    }
}

/// One check of the library.
#[derive(Clone, Copy)]
pub struct Check {
    /// Stable id, e.g. `ssh.root-login`.
    pub id: &'static str,
    /// What it checks, in our words.
    pub title: &'static str,
    /// The ISO/IEC 27002:2022 controls its result evidences.
    pub controls: &'static [&'static str],
    pub severity: Severity,
    /// How it decides.
    pub how: &'static str,
    /// What to do when it fails.
    pub remediation: &'static str,
    /// How long a result stays valid as evidence, in days.
    pub cadence_days: u32,
    pub run: fn(&Host) -> Verdict,
}

/// A check's result in a scan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub id: &'static str,
    pub title: &'static str,
    pub controls: &'static [&'static str],
    pub severity: Severity,
    pub outcome: Outcome,
    pub observed: String,
    pub how: &'static str,
    pub remediation: &'static str,
    pub cadence_days: u32,
}

/// Counts by outcome.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub pass: usize,
    pub fail: usize,
    pub not_applicable: usize,
    pub error: usize,
}

impl Tally {
    pub fn of(findings: &[Finding]) -> Tally {
        let mut t = Tally::default();
        for f in findings {
            match f.outcome {
                Outcome::Pass => t.pass += 1,
                Outcome::Fail => t.fail += 1,
                Outcome::NotApplicable => t.not_applicable += 1,
                Outcome::Error => t.error += 1,
            }
        }
        t
    }
}

/// Which checks to run: all, or those evidencing one of the given controls (`8.5`) or with
/// one of the given ids or id prefixes (`ssh`).
pub fn select(only: &[String]) -> Vec<&'static Check> {
    checks::all()
        .iter()
        .filter(|c| {
            only.is_empty()
                || only.iter().any(|o| {
                    c.controls.contains(&o.as_str())
                        || c.id == o
                        || c.id.starts_with(&format!("{o}."))
                })
        })
        .collect()
}

/// Runs the checks against the root, in parallel; a check that panics is an error, not a
/// crash. Findings come back in the library's order.
pub fn run(host: &Host, checks: &[&'static Check]) -> Vec<Finding> {
    checks
        .par_iter()
        .map(|c| {
            let verdict = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| (c.run)(host)))
                .unwrap_or_else(|_| Verdict::error("the check failed unexpectedly"));
            Finding {
                id: c.id,
                title: c.title,
                controls: c.controls,
                severity: c.severity,
                outcome: verdict.outcome,
                observed: verdict.observed,
                how: c.how,
                remediation: c.remediation,
                cadence_days: c.cadence_days,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_library_is_large_unique_and_mapped_to_real_controls() {
        let all = checks::all();
        assert!(all.len() >= 60, "{} checks", all.len());
        let mut ids: Vec<&str> = all.iter().map(|c| c.id).collect();
        ids.sort();
        let before = ids.len();
        ids.dedup();
        assert_eq!(ids.len(), before, "check ids are unique");
        let catalogue: Vec<String> = crate::domain::catalog::builtin_frameworks()
            .unwrap()
            .into_iter()
            .find(|f| f.id == "iso27002-2022")
            .unwrap()
            .controls
            .into_iter()
            .map(|c| c.id)
            .collect();
        for c in all {
            assert!(!c.controls.is_empty(), "{} evidences no control", c.id);
            for control in c.controls {
                assert!(
                    catalogue.contains(&control.to_string()),
                    "{}: {control} is not a 2022 control",
                    c.id
                );
            }
            assert!(
                !c.how.is_empty() && !c.remediation.is_empty() && c.cadence_days > 0,
                "{}",
                c.id
            );
        }
    }

    #[test]
    fn an_empty_root_gives_only_not_applicable_or_fail() {
        let dir = tempfile::tempdir().unwrap();
        let host = Host::new(dir.path());
        let findings = run(&host, &select(&[]));
        for f in &findings {
            assert!(
                matches!(f.outcome, Outcome::NotApplicable | Outcome::Fail),
                "{}: {:?} {}",
                f.id,
                f.outcome,
                f.observed
            );
        }
    }

    #[test]
    fn only_selects_by_control_and_by_id_prefix() {
        let ssh = select(&["ssh".into()]);
        assert!(!ssh.is_empty() && ssh.iter().all(|c| c.id.starts_with("ssh.")));
        let auth = select(&["8.5".into()]);
        assert!(auth.iter().all(|c| c.controls.contains(&"8.5")));
        assert!(auth.len() >= 5);
    }
}
