//! `annex audit-programme`, `annex internal-audit` and `annex finding` on the command line
//! (`annex audit verify` is the audit trail's).

use super::domain::{AuditInput, AuditQuery, Covered, ItemInput, ProgrammeInput};
use super::domain_finding::{FindingInput, FindingQuery};
use super::service;
use super::service_checklist;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum ProgrammeCommand {
    /// List the audit programmes
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a programme (a cycle of three years unless --ends-on says otherwise)
    #[command(
        after_help = "Example:\n  annex audit-programme add --title 'Internal audits 2026-2028' --starts-on 2026-01-01 --owner ciso@example.org"
    )]
    Add {
        #[arg(long)]
        title: String,
        /// YYYY-MM-DD
        #[arg(long)]
        starts_on: String,
        /// YYYY-MM-DD
        #[arg(long, default_value = "")]
        ends_on: String,
        #[arg(long, default_value = "")]
        owner: String,
        #[arg(long, default_value = "")]
        notes: String,
    },
    /// Show what a programme has covered: every clause and applicable control, audited,
    /// planned or not yet
    #[command(after_help = "Example:\n  annex audit-programme coverage AP-0001 --not-yet")]
    Coverage {
        id: String,
        /// Only what is not audited yet
        #[arg(long)]
        not_yet: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

/// An audit's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct AuditArgs {
    #[arg(long)]
    programme: Option<String>,
    /// Clauses: numbers, sections (9) or ranges (4.1-4.4)
    #[arg(long)]
    clauses: Option<String>,
    /// Controls: ids, ranges (5.15-5.18) or themes (8)
    #[arg(long)]
    controls: Option<String>,
    #[arg(long)]
    criteria: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    starts_on: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    ends_on: Option<String>,
    /// The lead auditor's e-mail
    #[arg(long)]
    lead: Option<String>,
    /// The other auditors' e-mails, comma-separated
    #[arg(long)]
    auditors: Option<String>,
    #[arg(long)]
    auditees: Option<String>,
    /// planned, in_progress, completed or cancelled
    #[arg(long)]
    status: Option<String>,
    #[arg(long)]
    conclusion: Option<String>,
}

impl AuditArgs {
    fn apply(self, mut v: AuditInput) -> AuditInput {
        for (to, from) in [
            (&mut v.programme, self.programme),
            (&mut v.clauses, self.clauses),
            (&mut v.controls, self.controls),
            (&mut v.criteria, self.criteria),
            (&mut v.starts_on, self.starts_on),
            (&mut v.ends_on, self.ends_on),
            (&mut v.lead, self.lead),
            (&mut v.auditors, self.auditors),
            (&mut v.auditees, self.auditees),
            (&mut v.status, self.status),
            (&mut v.conclusion, self.conclusion),
        ] {
            if let Some(f) = from {
                *to = f;
            }
        }
        v
    }
}

#[derive(Subcommand, Debug)]
pub enum AuditCommand {
    /// List the internal audits
    #[command(
        after_help = "Examples:\n  annex internal-audit list\n  annex internal-audit list --programme AP-0001 --status planned"
    )]
    List {
        #[arg(long)]
        programme: Option<String>,
        /// planned, in_progress, completed or cancelled
        #[arg(long)]
        status: Option<String>,
        /// An e-mail on the audit's team
        #[arg(long)]
        auditor: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Plan an audit (refused when an auditor owns what it covers)
    #[command(
        after_help = "Example:\n  annex internal-audit add --programme AP-0001 --title 'Performance evaluation and access' --clauses 9 --controls 5.15-5.18 --starts-on 2026-11-02 --lead auditor@example.org"
    )]
    Add {
        #[arg(long)]
        title: String,
        #[command(flatten)]
        fields: AuditArgs,
    },
    /// Change an audit (only the flags given), e.g. complete it with a conclusion
    #[command(
        after_help = "Example:\n  annex internal-audit edit IA-0001 --status completed --conclusion 'The ISMS conforms but for one minor nonconformity'"
    )]
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        fields: AuditArgs,
    },
    /// Show an audit with its checklist, findings and the team's independence
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Record a result on an item of an audit's checklist
    #[command(
        after_help = "Example:\n  annex internal-audit check IA-0001 --item control:5.18 --result finding --note 'Access reviews not done since 2024'"
    )]
    Check {
        id: String,
        /// clause:9.1 or control:5.18
        #[arg(long)]
        item: String,
        /// not_checked, conforms or finding
        #[arg(long)]
        result: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Write the audit report as PDF or XLSX
    #[command(
        after_help = "Example:\n  annex internal-audit report IA-0001 --format pdf --out IA-0001.pdf"
    )]
    Report {
        id: String,
        /// pdf or xlsx
        #[arg(long, default_value = "pdf")]
        format: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

/// A finding's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct FindingArgs {
    /// major, minor, observation or ofi
    #[arg(long)]
    kind: Option<String>,
    /// What was seen
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    requirement: Option<String>,
    /// A clause number (9.2)
    #[arg(long)]
    clause: Option<String>,
    /// A control id (5.18)
    #[arg(long)]
    control: Option<String>,
    /// A record's id (R-0042)
    #[arg(long)]
    record: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    raised_on: Option<String>,
    /// open or closed
    #[arg(long)]
    status: Option<String>,
}

impl FindingArgs {
    fn apply(self, mut v: FindingInput) -> FindingInput {
        for (to, from) in [
            (&mut v.kind, self.kind),
            (&mut v.description, self.description),
            (&mut v.requirement, self.requirement),
            (&mut v.owner, self.owner),
            (&mut v.raised_on, self.raised_on),
            (&mut v.status, self.status),
        ] {
            if let Some(f) = from {
                *to = f;
            }
        }
        for (to, from) in [
            (&mut v.clause, self.clause),
            (&mut v.control, self.control),
            (&mut v.record, self.record),
        ] {
            if from.is_some() {
                *to = from;
            }
        }
        v
    }
}

#[derive(Subcommand, Debug)]
pub enum FindingCommand {
    /// List the findings of internal audits
    #[command(
        after_help = "Examples:\n  annex finding list --status open\n  annex finding list --audit IA-0001 --kind minor"
    )]
    List {
        #[arg(long)]
        audit: Option<String>,
        /// major, minor, observation or ofi
        #[arg(long)]
        kind: Option<String>,
        /// open or closed
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Record a finding on an audit
    #[command(
        after_help = "Example:\n  annex finding add --audit IA-0001 --kind minor --control 5.18 --title 'Access rights not reviewed since 2024'"
    )]
    Add {
        #[arg(long)]
        audit: String,
        #[arg(long)]
        title: String,
        #[command(flatten)]
        fields: FindingArgs,
    },
    /// Change a finding (only the flags given)
    Edit {
        id: String,
        #[arg(long)]
        title: Option<String>,
        #[command(flatten)]
        fields: FindingArgs,
    },
    /// Import findings from a CSV or XLSX file (all or nothing)
    #[command(after_help = "Example:\n  annex finding import findings.xlsx --dry-run")]
    Import(crate::cli::ImportArgs),
    /// Export the findings
    #[command(after_help = "Example:\n  annex finding export --format xlsx --out findings.xlsx")]
    Export(crate::cli::ExportArgs),
}

/// Runs `annex audit-programme …` as the local operator.
pub async fn programme(c: ProgrammeCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        ProgrammeCommand::List { format } => {
            let all = service::programmes(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                _ => {
                    let mut t = table(&["id", "programme", "from", "to", "owner"]);
                    for p in &all {
                        t.add_row(vec![
                            p.id.clone(),
                            p.title.clone(),
                            p.starts_on.clone(),
                            p.ends_on.clone(),
                            p.owner.clone(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        ProgrammeCommand::Add {
            title,
            starts_on,
            ends_on,
            owner,
            notes,
        } => {
            let p = service::create_programme(
                ctx,
                &ProgrammeInput {
                    id: None,
                    title,
                    starts_on,
                    ends_on,
                    owner,
                    notes,
                },
            )
            .await?;
            writeln!(
                out,
                "added {} ({}, {} to {})",
                p.id, p.title, p.starts_on, p.ends_on
            )?;
        }
        ProgrammeCommand::Coverage {
            id,
            not_yet,
            format,
        } => {
            let (_, _, c) = service::programme_coverage(ctx, &id).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&c)?)?,
                _ => {
                    writeln!(
                        out,
                        "{} of {} clauses and {} of {} applicable controls audited; {} not audited yet.",
                        c.clauses_audited,
                        c.clauses.len(),
                        c.controls_audited,
                        c.controls.len(),
                        c.not_yet
                    )?;
                    let mut t = table(&["item", "title", "coverage", "audits"]);
                    for (kind, l) in c
                        .clauses
                        .iter()
                        .map(|l| ("clause", l))
                        .chain(c.controls.iter().map(|l| ("control", l)))
                    {
                        if not_yet && l.covered == Covered::Audited {
                            continue;
                        }
                        t.add_row(vec![
                            format!("{kind} {}", l.id),
                            l.title.clone(),
                            l.covered.label().to_string(),
                            l.audits.join(", "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
    }
    Ok(())
}

/// Runs `annex internal-audit …` as the local operator.
pub async fn audit(c: AuditCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        AuditCommand::List {
            programme,
            status,
            auditor,
            format,
        } => {
            let mut params = Vec::new();
            for (k, v) in [
                ("programme", programme),
                ("status", status),
                ("auditor", auditor),
            ] {
                if let Some(v) = v {
                    params.push((k.to_string(), v));
                }
            }
            let q = AuditQuery::read(&crate::domain::query::Params::from_pairs(params))?;
            let all = service::audits(ctx, &q).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                _ => {
                    let mut t = table(&["id", "audit", "scope", "from", "lead", "status"]);
                    for a in &all {
                        t.add_row(vec![
                            a.id.clone(),
                            a.title.clone(),
                            a.scope_text(),
                            a.starts_on.clone(),
                            a.lead.clone(),
                            a.status.label().to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        AuditCommand::Add { title, fields } => {
            let v = fields.apply(AuditInput {
                title,
                ..Default::default()
            });
            let a = service::create_audit(ctx, &v).await?;
            writeln!(out, "planned {} ({}: {})", a.id, a.title, a.scope_text())?;
        }
        AuditCommand::Edit { id, title, fields } => {
            let current = service::audit(ctx, &id).await?;
            let mut v = fields.apply(AuditInput::from(&current));
            if let Some(t) = title {
                v.title = t;
            }
            let a = service::update_audit(ctx, &id, Some(current.revision), &v).await?;
            writeln!(
                out,
                "saved {} ({}, revision {})",
                a.id,
                a.status.label(),
                a.revision
            )?;
        }
        AuditCommand::Show { id, format } => {
            let r = service_checklist::record(ctx, &id).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?,
                _ => {
                    let a = &r.audit;
                    writeln!(
                        out,
                        "{} {} ({})\nProgramme {}; {} to {}; lead {}{}\nScope: {}",
                        a.id,
                        a.title,
                        a.status.label(),
                        a.programme,
                        a.starts_on,
                        a.ends_on,
                        a.lead,
                        if a.auditors.is_empty() {
                            String::new()
                        } else {
                            format!(" with {}", a.auditors.join(", "))
                        },
                        a.scope_text()
                    )?;
                    for c in &r.conflicts {
                        writeln!(out, "Not independent: {c}")?;
                    }
                    let mut t = table(&["item", "title", "state", "result", "findings"]);
                    for i in &r.checklist {
                        t.add_row(vec![
                            i.key.clone(),
                            i.title.clone(),
                            i.state.clone(),
                            i.result.label().to_string(),
                            i.findings.join(", "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    let mut t = table(&["finding", "kind", "title", "status"]);
                    for f in &r.findings {
                        t.add_row(vec![
                            f.id.clone(),
                            f.kind.label().to_string(),
                            f.title.clone(),
                            f.status.label().to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        AuditCommand::Check {
            id,
            item,
            result,
            note,
        } => {
            let n = service_checklist::record_results(
                ctx,
                &id,
                &[ItemInput {
                    key: item.clone(),
                    result,
                    note,
                }],
            )
            .await?;
            if n == 0 {
                writeln!(out, "{item} of {id} already says this")?;
            } else {
                writeln!(out, "recorded {item} of {id}")?;
            }
        }
        AuditCommand::Report {
            id,
            format,
            out: to,
        } => {
            let format = super::exchange::ReportFormat::parse(&format)?;
            let (name, _, bytes) = service_checklist::report(ctx, &id, format).await?;
            std::fs::write(&to, &bytes)?;
            writeln!(
                out,
                "wrote {name} to {} ({} bytes)",
                to.display(),
                bytes.len()
            )?;
        }
    }
    Ok(())
}

/// Runs `annex finding …` as the local operator.
pub async fn finding(c: FindingCommand, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        FindingCommand::List {
            audit,
            kind,
            status,
            format,
        } => {
            let mut params = Vec::new();
            for (k, v) in [("audit", audit), ("kind", kind), ("status", status)] {
                if let Some(v) = v {
                    params.push((k.to_string(), v));
                }
            }
            let q = FindingQuery::read(&crate::domain::query::Params::from_pairs(params))?;
            let all = service::all_findings(ctx, &q).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", super::exchange::findings_table(&all).csv())?,
                Format::Table => {
                    let mut t = table(&["id", "audit", "kind", "about", "title", "status"]);
                    for f in &all {
                        t.add_row(vec![
                            f.id.clone(),
                            f.audit.clone(),
                            f.kind.label().to_string(),
                            f.clause
                                .clone()
                                .or_else(|| f.control.clone())
                                .unwrap_or_default(),
                            f.title.clone(),
                            f.status.label().to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        FindingCommand::Add {
            audit,
            title,
            fields,
        } => {
            let v = fields.apply(FindingInput {
                audit,
                title,
                ..Default::default()
            });
            let f = service::create_finding(ctx, &v).await?;
            writeln!(out, "recorded {} ({}: {})", f.id, f.kind.label(), f.title)?;
        }
        FindingCommand::Edit { id, title, fields } => {
            let current = service::finding(ctx, &id).await?;
            let mut v = fields.apply(FindingInput::from(&current));
            if let Some(t) = title {
                v.title = t;
            }
            let f = service::update_finding(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "saved {} (revision {})", f.id, f.revision)?;
        }
        FindingCommand::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::FindingImport, &args).await?
        }
        FindingCommand::Export(args) => {
            let all = service::all_findings(ctx, &FindingQuery::default()).await?;
            crate::cli::write_export(&super::exchange::findings_table(&all), &args)?;
        }
    }
    Ok(())
}
