//! `annex incident`: the register, reporting, triage, the steps of handling, actions,
//! notifications, closing, and the notification regimes, on the command line.

use super::domain::{CloseInput, IncidentFilter, NotificationInput, ReportInput, TriageInput};
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List incidents, newest report first
    #[command(after_help = "Example:\n  annex incident list --open --severity high")]
    List {
        /// reported, triaged, contained, eradicated, recovered or closed
        #[arg(long)]
        status: Option<String>,
        /// low, medium, high or critical
        #[arg(long)]
        severity: Option<String>,
        /// Only those not closed
        #[arg(long)]
        open: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show an incident with its timeline and deadlines
    #[command(after_help = "Example:\n  annex incident show INC-0001")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Report an event
    #[command(
        after_help = "Example:\n  annex incident report --title 'Laptop left on a train' --affected 'LAP-0042' --noticed-at 2026-12-04T08:15"
    )]
    Report {
        #[arg(long)]
        title: String,
        #[arg(long, default_value = "")]
        description: String,
        #[arg(long, default_value = "")]
        affected: String,
        /// When it was noticed (YYYY-MM-DDTHH:MM, the organisation's time); now by default
        #[arg(long, default_value = "")]
        noticed_at: String,
    },
    /// Triage a report: event or incident, and why
    #[command(
        after_help = "Example:\n  annex incident triage INC-0001 --incident --reason 'customer data on the disk' --category lost_device --severity high --personal-data --regimes gdpr"
    )]
    Triage {
        id: String,
        /// It is an incident (otherwise an event)
        #[arg(long)]
        incident: bool,
        #[arg(long)]
        reason: String,
        #[arg(long, default_value = "")]
        category: String,
        #[arg(long, default_value = "")]
        severity: String,
        #[arg(long)]
        personal_data: bool,
        #[arg(long)]
        restricted: bool,
        /// Regime keys, comma-separated (gdpr, nis2, dora, contract)
        #[arg(long, default_value = "")]
        regimes: String,
        /// Affected asset ids, comma-separated
        #[arg(long, default_value = "")]
        assets: String,
        /// Affected business process ids, comma-separated
        #[arg(long, default_value = "")]
        processes: String,
        /// Affected suppliers, separated by ';'
        #[arg(long, default_value = "")]
        suppliers: String,
        /// Affected people or groups, separated by ';'
        #[arg(long, default_value = "")]
        people: String,
        #[arg(long, default_value = "")]
        handler: String,
    },
    /// Take the next step: contained, eradicated, recovered
    #[command(
        after_help = "Example:\n  annex incident advance INC-0001 --note 'device wiped remotely'"
    )]
    Advance {
        id: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Record an action on the timeline
    #[command(after_help = "Example:\n  annex incident act INC-0001 'Disabled the account'")]
    Act { id: String, text: String },
    /// Record a notification sent under one of the incident's regimes
    #[command(
        after_help = "Example:\n  annex incident notify INC-0001 --regime gdpr --stage authority --recipient 'Hellenic DPA' --sent-at 2026-12-05T14:00"
    )]
    Notify {
        id: String,
        #[arg(long)]
        regime: String,
        #[arg(long)]
        stage: String,
        #[arg(long)]
        recipient: String,
        #[arg(long, default_value = "")]
        sent_at: String,
        #[arg(long, default_value = "")]
        content: String,
    },
    /// Close an incident with the lessons learned (each --measure starts a measure, each
    /// --risk registers a risk)
    #[command(
        after_help = "Example:\n  annex incident close INC-0001 --lessons 'Disks were not encrypted' --measure 'Encrypt every laptop disk' --risk 'Unencrypted laptops lost | 3 | 4'"
    )]
    Close {
        id: String,
        #[arg(long)]
        lessons: String,
        #[arg(long, default_value = "")]
        root_cause: String,
        #[arg(long = "measure")]
        measures: Vec<String>,
        /// A risk to register, 'title | likelihood | impact' (steps of the risk matrix)
        #[arg(long = "risk")]
        risks: Vec<String>,
    },
    /// Keep a file as evidence of an incident, with who collected it, when and from where
    #[command(
        after_help = "Example:\n  annex incident evidence INC-0001 --file laptop.img --description 'Disk image of the laptop' --collected-from 'LAP-0042' --collected-by ana@example.com"
    )]
    Evidence {
        id: String,
        #[arg(long)]
        file: std::path::PathBuf,
        #[arg(long, default_value = "")]
        description: String,
        /// Who collected it (the operator by default)
        #[arg(long, default_value = "")]
        collected_by: String,
        /// When (YYYY-MM-DDTHH:MM, the organisation's time); now by default
        #[arg(long, default_value = "")]
        collected_at: String,
        #[arg(long, default_value = "")]
        collected_from: String,
    },
    /// Hand a piece of evidence over to someone (appended to its chain of custody)
    #[command(
        after_help = "Example:\n  annex incident handover INC-0001 1 --to 'forensics@example.com' --purpose 'analysis'"
    )]
    Handover {
        id: String,
        /// The evidence's number within the incident
        evidence: i64,
        #[arg(long)]
        to: String,
        /// When (YYYY-MM-DDTHH:MM); now by default
        #[arg(long, default_value = "")]
        at: String,
        #[arg(long, default_value = "")]
        purpose: String,
    },
    /// Write a piece of evidence's file, checked against its SHA-256, and show its custody
    #[command(after_help = "Example:\n  annex incident custody INC-0001 1 --out laptop.img")]
    Custody {
        id: String,
        evidence: i64,
        /// Where to write the file (only the custody is shown without it)
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Give an incident's handling a task with an owner
    #[command(
        after_help = "Example:\n  annex incident task INC-0001 --title 'Reset the VPN keys' --owner it@example.com --due-on 2026-12-10"
    )]
    Task {
        id: String,
        #[arg(long)]
        title: String,
        #[arg(long)]
        owner: String,
        #[arg(long, default_value = "")]
        due_on: String,
    },
    /// Mark an incident's task done
    #[command(after_help = "Example:\n  annex incident done INC-0001 1")]
    Done { id: String, task: i64 },
    /// Write an incident as a workbook: fields, timeline, notifications, evidence, custody
    #[command(after_help = "Example:\n  annex incident export INC-0001 --out INC-0001.xlsx")]
    Export {
        id: String,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Import incidents from a CSV or XLSX file (all rows or none)
    #[command(
        after_help = "Examples:\n  annex incident import incidents.xlsx --dry-run\n  annex incident import tickets.csv --map 'Ticket=id' --value 'severity:P1=critical'"
    )]
    Import(crate::cli::ImportArgs),
    /// Show the severity scale, or replace it (least severe first)
    #[command(
        after_help = "Examples:\n  annex incident severities\n  annex incident severities --level 'sev3:SEV 3:a few users' --level 'sev2:SEV 2' --level 'sev1:SEV 1:everyone'"
    )]
    Severities {
        /// KEY:LABEL[:DESCRIPTION], least severe first; replaces the whole scale
        #[arg(long = "level")]
        levels: Vec<String>,
    },
    /// List the notification regimes, or switch one on or off
    #[command(
        after_help = "Examples:\n  annex incident regimes\n  annex incident regimes --on gdpr\n  annex incident regimes --on contract --hours 24"
    )]
    Regimes {
        #[arg(long, conflicts_with = "off")]
        on: Option<String>,
        #[arg(long)]
        off: Option<String>,
        #[arg(long, requires = "on")]
        hours: Option<i64>,
    },
}

/// Runs `annex incident …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::List {
            status,
            severity,
            open,
            format,
        } => {
            let params = crate::domain::query::Params::from_flags([
                ("status", status),
                ("severity", severity),
                ("open", open.then(|| "1".to_string())),
            ]);
            let f = IncidentFilter::read(&params)?;
            let mut items = Vec::new();
            let mut cursor: Option<String> = None;
            loop {
                let page = service::list(ctx, &f, cursor.as_deref(), 500).await?;
                items.extend(page.items);
                match page.next_cursor {
                    Some(c) => cursor = Some(c),
                    None => break,
                }
            }
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&items)?)?,
                Format::Csv => {
                    let scale = service::severities(ctx).await?;
                    write!(
                        out,
                        "{}",
                        super::exchange::incidents_table(&items, &scale).csv()
                    )?
                }
                Format::Table => {
                    let scale = service::severities(ctx).await?;
                    let mut t = table(&["id", "title", "status", "severity", "reported"]);
                    for i in &items {
                        t.add_row(vec![
                            i.id.clone(),
                            i.title.clone(),
                            i.status.label().to_string(),
                            i.severity
                                .as_deref()
                                .map(|s| scale.label(s))
                                .unwrap_or_default(),
                            crate::domain::clock::display(&i.reported_at),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(items.len(), "incident", "incidents")
                    )?;
                }
            }
        }
        Command::Show { id, format } => {
            let d = service::detail(ctx, &id).await?;
            if matches!(format, Format::Json) {
                writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(&serde_json::json!({
                        "incident": d.incident,
                        "timeline": d.entries,
                        "notifications": d.notifications,
                        "deadlines": d.stages,
                        "evidence": d.evidence,
                        "tasks": d.tasks,
                    }))?
                )?;
                return Ok(());
            }
            let i = &d.incident;
            writeln!(out, "{} {} ({})", i.id, i.title, i.status.label())?;
            writeln!(
                out,
                "reported by {} at {}; aware at {}",
                i.reported_by,
                crate::domain::clock::display(&i.reported_at),
                crate::domain::clock::display(&i.aware_at)
            )?;
            for s in &d.stages {
                writeln!(
                    out,
                    "deadline: {} ({}) {} {}",
                    s.name,
                    s.regime,
                    s.state.label(),
                    s.due_at
                        .as_deref()
                        .map(crate::domain::clock::display)
                        .unwrap_or_default()
                )?;
            }
            for e in &d.entries {
                writeln!(
                    out,
                    "{}  {}  {}",
                    crate::domain::clock::display(&e.at),
                    e.actor,
                    e.text
                )?;
            }
        }
        Command::Report {
            title,
            description,
            affected,
            noticed_at,
        } => {
            let i = service::report(
                ctx,
                &ReportInput {
                    title,
                    description,
                    affected,
                    noticed_at,
                },
            )
            .await?;
            writeln!(out, "reported {} ({})", i.id, i.title)?;
        }
        Command::Triage {
            id,
            incident,
            reason,
            category,
            severity,
            personal_data,
            restricted,
            regimes,
            assets,
            processes,
            suppliers,
            people,
            handler,
        } => {
            let input = TriageInput {
                classification: if incident { "incident" } else { "event" }.into(),
                reason,
                category,
                severity,
                personal_data,
                restricted,
                regimes,
                assets,
                processes,
                suppliers,
                people,
                handler,
                aware_at: String::new(),
            };
            let i = service::triage(ctx, &id, None, &input).await?;
            writeln!(out, "{} is {}", i.id, i.status.label())?;
        }
        Command::Advance { id, note } => {
            let i = service::advance(ctx, &id, None, &note).await?;
            writeln!(out, "{} is {}", i.id, i.status.label())?;
        }
        Command::Act { id, text } => {
            service::add_action(ctx, &id, &text).await?;
            writeln!(out, "recorded on {id}'s timeline")?;
        }
        Command::Notify {
            id,
            regime,
            stage,
            recipient,
            sent_at,
            content,
        } => {
            let n = service::record_notification(
                ctx,
                &id,
                &NotificationInput {
                    regime,
                    stage,
                    recipient,
                    sent_at,
                    content,
                },
            )
            .await?;
            writeln!(
                out,
                "recorded: {} {} sent to {} at {}",
                n.regime,
                n.stage,
                n.recipient,
                crate::domain::clock::display(&n.sent_at)
            )?;
        }
        Command::Close {
            id,
            lessons,
            root_cause,
            measures,
            risks,
        } => {
            let closed = service::close(
                ctx,
                &id,
                None,
                &CloseInput {
                    lessons,
                    root_cause,
                    measures: measures.join("\n"),
                    risks: risks.join("\n"),
                },
            )
            .await?;
            writeln!(out, "{} is closed", closed.incident.id)?;
            if !closed.measures.is_empty() {
                writeln!(out, "measures started: {}", closed.measures.join(", "))?;
            }
            if !closed.risks.is_empty() {
                writeln!(out, "risks registered: {}", closed.risks.join(", "))?;
            }
        }
        Command::Evidence {
            id,
            file,
            description,
            collected_by,
            collected_at,
            collected_from,
        } => {
            let f = crate::registers::evidence::web::file_from_disk(ctx, &file).await?;
            let e = super::service_custody::keep_evidence(
                ctx,
                &id,
                &super::domain_custody::EvidenceInput {
                    description,
                    collected_by,
                    collected_at,
                    collected_from,
                },
                &f,
            )
            .await?;
            writeln!(
                out,
                "kept evidence {} of {id}: {} ({}, SHA-256 {})",
                e.seq,
                e.file.file_name,
                e.file.size_label(),
                e.file.sha256
            )?;
        }
        Command::Handover {
            id,
            evidence,
            to,
            at,
            purpose,
        } => {
            let e = super::service_custody::hand_over(
                ctx,
                &id,
                evidence,
                &super::domain_custody::HandoverInput { to, at, purpose },
            )
            .await?;
            writeln!(
                out,
                "evidence {} of {id} is now held by {}",
                e.seq, e.holder
            )?;
        }
        Command::Custody {
            id,
            evidence,
            out: to,
        } => {
            let items = super::service_custody::evidence(ctx, &id).await?;
            let Some(e) = items.into_iter().find(|e| e.seq == evidence) else {
                return Err(
                    crate::error::Error::NotFound(format!("evidence {evidence} of {id}")).into(),
                );
            };
            writeln!(
                out,
                "{} ({}, SHA-256 {}), held by {}",
                e.file.file_name,
                e.file.size_label(),
                e.file.sha256,
                e.holder
            )?;
            for c in &e.custody {
                writeln!(
                    out,
                    "{}  {} → {}  {}",
                    crate::domain::clock::display(&c.at),
                    if c.from_holder.is_empty() {
                        "collected"
                    } else {
                        &c.from_holder
                    },
                    c.to_holder,
                    c.purpose
                )?;
            }
            if let Some(path) = to {
                let (_, mut reader) =
                    super::service_custody::evidence_file(ctx, &id, evidence).await?;
                let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
                while let Some(chunk) = reader.next().await? {
                    w.write_all(&chunk)?;
                }
                w.flush()?;
                writeln!(out, "written to {}", path.display())?;
            }
        }
        Command::Task {
            id,
            title,
            owner,
            due_on,
        } => {
            let t = service::add_task(
                ctx,
                &id,
                &super::domain::TaskInput {
                    title,
                    owner,
                    due_on,
                },
            )
            .await?;
            writeln!(out, "task {} of {id} for {}", t.seq, t.owner)?;
        }
        Command::Done { id, task } => {
            let t = service::finish_task(ctx, &id, task).await?;
            writeln!(out, "task {} of {id} is done", t.seq)?;
        }
        Command::Export { id, out: path } => {
            let bytes = super::service_custody::export_record(ctx, &id).await?;
            std::fs::write(&path, bytes)?;
            writeln!(out, "wrote {id} to {}", path.display())?;
        }
        Command::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::IncidentImport, &args).await?
        }
        Command::Severities { levels } => {
            if !levels.is_empty() {
                let scale = super::domain::SeverityScale {
                    levels: levels
                        .iter()
                        .map(|l| {
                            let mut parts = l.splitn(3, ':');
                            super::domain::SeverityLevel {
                                key: parts.next().unwrap_or_default().to_string(),
                                label: parts.next().unwrap_or_default().to_string(),
                                description: parts.next().unwrap_or_default().to_string(),
                            }
                        })
                        .collect(),
                };
                service::set_severities(ctx, &scale).await?;
            }
            let mut t = table(&["key", "severity", "when"]);
            for l in service::severities(ctx).await?.levels {
                t.add_row(vec![l.key, l.label, l.description]);
            }
            writeln!(out, "{t}")?;
        }
        Command::Regimes { on, off, hours } => {
            if let Some(key) = &on {
                service::set_regime(ctx, key, true, hours).await?;
            }
            if let Some(key) = &off {
                service::set_regime(ctx, key, false, None).await?;
            }
            let mut t = table(&["key", "regime", "reference", "on", "stages"]);
            for (r, enabled) in service::regimes(ctx).await? {
                t.add_row(vec![
                    r.key.clone(),
                    r.name.clone(),
                    r.reference.clone(),
                    if enabled { "yes" } else { "no" }.to_string(),
                    r.stages
                        .iter()
                        .map(|s| format!("{} within {}", s.name, s.within.words()))
                        .collect::<Vec<_>>()
                        .join("; "),
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    Ok(())
}
