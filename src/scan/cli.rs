//! `annex scan`: checks this host (or a mounted root) and prints, writes or reports the
//! result. It runs without a data dir, a database or an async runtime.

use super::{Host, Outcome, Tally, report};
use crate::cli::table;
use anyhow::Context;
use clap::ValueEnum;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// The root to check: / for this host, or a folder holding a system's files
    #[arg(long, default_value = "/")]
    pub root: PathBuf,
    #[arg(long, value_enum, default_value = "table")]
    pub format: ScanFormat,
    /// Only the checks of these controls or ids, e.g. 8.5,8.9 or ssh,updates
    #[arg(long, value_delimiter = ',')]
    pub only: Vec<String>,
    /// Show the checks that do not apply too
    #[arg(long)]
    pub all: bool,
    /// List the checks instead of running them
    #[arg(long)]
    pub list: bool,
    /// Exit with 1 when a check fails
    #[arg(long)]
    pub strict: bool,
    /// Write the report to a file
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// After the scan, send the JSON report to this Annex server, e.g. https://annex.example.org
    /// (http:// to another host warns: the token travels unencrypted)
    #[arg(long, value_name = "URL")]
    pub report_to: Option<String>,
    /// For --report-to https://: a PEM file of CA certificates to trust besides the system's
    #[arg(long, value_name = "FILE", requires = "report_to")]
    pub ca_cert: Option<PathBuf>,
    /// The host's group in Annex on its first report, e.g. workstations (later reports leave
    /// the group people chose); the default group when not given
    #[arg(long, value_name = "GROUP")]
    pub group: Option<String>,
    /// The agent's API token for --report-to (a user with the role agent)
    #[arg(long, env = "ANNEX_AGENT_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
}

#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanFormat {
    Table,
    Json,
    Sarif,
}

/// `annex scan`: runs without a data dir, a database or an async runtime.
pub fn run(a: &Args) -> anyhow::Result<ExitCode> {
    let checks = super::select(&a.only);
    if checks.is_empty() {
        anyhow::bail!(
            "--only {}: no check evidences these controls or has these ids (see annex scan --list)",
            a.only.join(",")
        );
    }
    if a.list {
        let mut t = table(&["check", "controls", "severity", "title", "how it decides"]);
        for c in &checks {
            t.add_row(vec![
                c.id.to_string(),
                c.controls.join(" "),
                c.severity.key().to_string(),
                c.title.to_string(),
                c.how.to_string(),
            ]);
        }
        println!("{t}\n{} checks", checks.len());
        return Ok(ExitCode::SUCCESS);
    }
    if !a.root.is_dir() {
        anyhow::bail!("--root {}: not a folder", a.root.display());
    }
    let host = Host::new(&a.root);
    let started = std::time::Instant::now();
    let spinner = crate::cli::progress::Progress::spinner(&format!(
        "checking {} ({} checks)",
        a.root.display(),
        checks.len()
    ));
    let findings = super::run(&host, &checks);
    drop(spinner);
    let elapsed = started.elapsed();
    let tally = Tally::of(&findings);
    let name = host
        .text("/etc/hostname")
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| a.root.display().to_string());
    let json_report = || -> anyhow::Result<String> {
        let r = report::Report {
            host: name.clone(),
            root: a.root.display().to_string(),
            scanned_at: time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap_or_default(),
            duration_ms: elapsed.as_secs_f64() * 1000.0,
            group: a.group.clone(),
            tally,
            findings: &findings,
        };
        Ok(serde_json::to_string_pretty(&r)? + "\n")
    };
    let text = match a.format {
        ScanFormat::Json => json_report()?,
        ScanFormat::Sarif => {
            serde_json::to_string_pretty(&report::sarif(&findings, env!("CARGO_PKG_VERSION")))?
                + "\n"
        }
        ScanFormat::Table => {
            let mut out = report::table(&findings, a.all);
            out.push_str("\n\nControls evidenced (pass / fail):\n");
            let per: Vec<String> = report::by_control(&findings)
                .into_iter()
                .filter(|(_, t)| t.pass + t.fail > 0)
                .map(|(c, t)| format!("{c} {}/{}", t.pass, t.fail))
                .collect();
            // Wrapped like the table above it.
            let mut line = String::new();
            for item in per {
                if !line.is_empty()
                    && line.chars().count() + 2 + item.chars().count()
                        > usize::from(crate::cli::TABLE_WIDTH)
                {
                    out.push_str(&line);
                    out.push('\n');
                    line.clear();
                }
                if !line.is_empty() {
                    line.push_str("  ");
                }
                line.push_str(&item);
            }
            out.push_str(&line);
            out.push('\n');
            out
        }
    };
    match &a.out {
        Some(p) => {
            std::fs::write(p, &text).with_context(|| format!("cannot write {}", p.display()))?
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    eprintln!(
        "{name}: {} checks in {:.0} ms — {} pass, {} fail, {} not applicable, {} errors",
        findings.len(),
        elapsed.as_secs_f64() * 1000.0,
        tally.pass,
        tally.fail,
        tally.not_applicable,
        tally.error
    );
    if let Some(url) = &a.report_to {
        let token = a
            .token
            .as_deref()
            .filter(|t| !t.trim().is_empty())
            .context("--report-to needs --token or ANNEX_AGENT_TOKEN")?;
        let answer =
            super::submit::post_report(url, token.trim(), &json_report()?, a.ca_cert.as_deref())?;
        let run: serde_json::Value = serde_json::from_str(&answer).unwrap_or_default();
        eprintln!(
            "reported to {url}: run {} of {}, {} evidence items filed on the SoA",
            run["run_id"].as_str().unwrap_or("?"),
            run["host"].as_str().unwrap_or(&name),
            run["evidence_filed"].as_i64().unwrap_or(0)
        );
    }
    let failed = findings.iter().any(|f| f.outcome == Outcome::Fail);
    Ok(if a.strict && failed {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}
