//! A scan's findings as a table for people, JSON for scripts and the server, and SARIF 2.1.0
//! for code-scanning tools.

use super::{Finding, Outcome, Tally};
use serde::Serialize;

/// A whole scan, as JSON gives it and the agent sends it.
#[derive(Debug, Clone, Serialize)]
pub struct Report<'a> {
    pub host: String,
    pub root: String,
    /// RFC 3339, UTC.
    pub scanned_at: String,
    pub duration_ms: f64,
    /// The host's group in Annex on its first report (`--group`); absent when not given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    pub tally: Tally,
    pub findings: &'a [Finding],
}

/// The findings as a terminal table that wraps its long cells to the terminal's width (or
/// to [`crate::cli::TABLE_WIDTH`] when the output is not a terminal).
pub fn table(findings: &[Finding], verbose: bool) -> String {
    let mut t = crate::cli::table(&["result", "check", "controls", "severity", "observed"]);
    for f in findings {
        if !verbose && f.outcome == Outcome::NotApplicable {
            continue;
        }
        let mut observed = f.observed.clone();
        if f.outcome == Outcome::Fail {
            observed.push_str(&format!("\n→ {}", f.remediation));
        }
        t.add_row(vec![
            f.outcome.label().to_string(),
            format!("{}\n{}", f.id, f.title),
            f.controls.join(" "),
            f.severity.key().to_string(),
            observed,
        ]);
    }
    t.to_string()
}

/// Pass and fail per control, best first: which controls the host evidences.
pub fn by_control(findings: &[Finding]) -> Vec<(String, Tally)> {
    let mut out: Vec<(String, Tally)> = Vec::new();
    for f in findings {
        for c in f.controls {
            let i = match out.iter().position(|(k, _)| k == c) {
                Some(i) => i,
                None => {
                    out.push((c.to_string(), Tally::default()));
                    out.len() - 1
                }
            };
            let t = &mut out[i].1;
            match f.outcome {
                Outcome::Pass => t.pass += 1,
                Outcome::Fail => t.fail += 1,
                Outcome::NotApplicable => t.not_applicable += 1,
                Outcome::Error => t.error += 1,
            }
        }
    }
    out.sort_by_key(|(control, _)| crate::domain::catalog::control_order(control));
    out
}

pub fn sarif(findings: &[Finding], version: &str) -> serde_json::Value {
    let rules: Vec<serde_json::Value> = findings
        .iter()
        .map(|f| {
            serde_json::json!({
                "id": f.id,
                "name": f.id,
                "shortDescription": {"text": f.title},
                "fullDescription": {"text": f.how},
                "help": {"text": f.remediation},
                "properties": {"controls": f.controls, "severity": f.severity.key()},
            })
        })
        .collect();
    let results: Vec<serde_json::Value> = findings
        .iter()
        .enumerate()
        .filter(|(_, f)| matches!(f.outcome, Outcome::Fail | Outcome::Error))
        .map(|(i, f)| {
            let level = match (f.outcome, f.severity) {
                (Outcome::Error, _) => "note",
                (_, super::Severity::Critical | super::Severity::High) => "error",
                (_, super::Severity::Medium) => "warning",
                _ => "note",
            };
            serde_json::json!({
                "ruleId": f.id,
                "ruleIndex": i,
                "level": level,
                "message": {"text": format!("{}: {}", f.title, f.observed)},
                "properties": {"controls": f.controls, "outcome": f.outcome.key()},
            })
        })
        .collect();
    serde_json::json!({
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "annex scan",
                "version": version,
                "informationUri": "https://github.com/annex-isms/annex",
                "rules": rules,
            }},
            "results": results,
        }],
    })
}
