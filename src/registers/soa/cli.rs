//! `annex soa`: the Statement of Applicability on the command line — the list (a typed query
//! built from the flags), one control, a decision, approval and versions, the comparison,
//! exports, readiness and the gap analysis, and the migration of a 2013 SoA.

use super::domain::{ApplicabilityInput, SoaQuery};
use super::exchange::{DocFormat, export, soa_table};
use super::service;
use crate::cli::{Format, ImportArgs, table};
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::domain::query::Params;
use crate::registers::readiness::domain::gaps_query;
use crate::registers::readiness::service as readiness;
use crate::service::Ctx;
use anyhow::Context;
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the controls with their decision, measures, risks and warnings
    #[command(
        after_help = "Examples:\n  annex soa list\n  annex soa list --warning any\n  annex soa list --applicable no --format csv > exclusions.csv"
    )]
    List {
        #[arg(long, default_value = "iso27002-2022")]
        framework: String,
        #[arg(long)]
        theme: Option<String>,
        /// yes, no or undecided
        #[arg(long)]
        applicable: Option<String>,
        #[arg(long)]
        status: Option<String>,
        /// any, or undecided, selected_but_excluded, no_measure, exclusion_unjustified, no_owner, no_valid_evidence, evidence_expired, evidence_failing, no_reason, target_date_passed
        #[arg(long)]
        warning: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show one control's row
    #[command(after_help = "Example:\n  annex soa show 8.13")]
    Show {
        id: String,
        #[arg(long, default_value = "iso27002-2022")]
        framework: String,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Record the decision about a control; fields not given keep their value
    #[command(
        after_help = "Examples:\n  annex soa set 8.13 --applicable yes --reasons risk_treatment,legal --status planned --owner ops@example.org\n  annex soa set 7.4 --applicable no --exclusion-reason outsourced --justification 'The data centre is the provider's.'"
    )]
    Set {
        id: String,
        #[arg(long, default_value = "iso27002-2022")]
        framework: String,
        /// yes, no, or '' (not decided)
        #[arg(long)]
        applicable: Option<String>,
        /// Comma-separated: risk_treatment, legal, contractual, business, best_practice
        #[arg(long)]
        reasons: Option<String>,
        /// not_relevant, outsourced, risk_accepted, covered_elsewhere, other
        #[arg(long)]
        exclusion_reason: Option<String>,
        #[arg(long)]
        justification: Option<String>,
        /// not_started, planned, partially_implemented, implemented, not_applicable
        #[arg(long)]
        status: Option<String>,
        /// 0 to 5
        #[arg(long)]
        maturity: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        /// YYYY-MM-DD
        #[arg(long)]
        target_date: Option<String>,
    },
    /// Approve the current SoA: freeze every row as the next version (with its SHA-256)
    #[command(
        after_help = "Example:\n  annex soa approve --note 'Management review 2026-11-30, minutes MR-12'"
    )]
    Approve {
        #[arg(long, default_value = "")]
        note: String,
    },
    /// List the approved versions
    Versions,
    /// Certification readiness (27001 5.2, 6.1.2, 6.1.3, 7.5) and what to do next
    Readiness {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Implementation by theme or attribute type (gap analysis)
    #[command(
        after_help = "Examples:\n  annex soa gaps\n  annex soa gaps --by security_domains --within control_type:Detective"
    )]
    Gaps {
        /// theme, or an attribute type such as operational_capabilities
        #[arg(long, default_value = "theme")]
        by: String,
        /// type:value, e.g. control_type:Detective
        #[arg(long)]
        within: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// What changed from a version to another, or to the current state
    #[command(
        after_help = "Examples:\n  annex soa diff 1 2\n  annex soa diff 2    (version 2 to the current state)"
    )]
    Diff {
        from: i64,
        to: Option<i64>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Write the SoA (current or an approved version) as XLSX, CSV or PDF
    #[command(
        after_help = "Examples:\n  annex soa export --format xlsx --out soa.xlsx\n  annex soa export --format pdf --version 3 --out soa-v3.pdf"
    )]
    Export {
        /// xlsx, csv or pdf
        #[arg(long, default_value = "xlsx")]
        format: String,
        /// An approved version; the current state by default
        #[arg(long)]
        version: Option<i64>,
        #[arg(long)]
        out: PathBuf,
    },
    /// Import a Statement of Applicability from a CSV or XLSX file: a 2022 SoA (Annex's export or another's), or a 2013 SoA migrated to 2022
    #[command(after_help = "Examples:
  annex soa import soa.xlsx --dry-run
  annex soa import statement-of-applicability.csv --map 'Kontroll-ID=control'
  annex soa import soa-2019.xlsx --edition 2013 --replace

The edition is told by the control ids (5.1 or A.5.1: 2022; A.5.1.1: 2013) unless --edition
says it. A 2022 file: columns read are the control (5.1, A.5.1, or the id and its title),
applicable (yes/no, in several languages), reasons for inclusion (words or ticked columns LR,
CO, BR, BP, RRA), exclusion reason, justification (and justification for exclusion),
implementation status, maturity (0 to 5), owner and target date; titles, attributes,
measures, evidence, risks and warnings are Annex's and read past. Each control in the file
gets the file's decision; controls left out stay as they are. A status written with more
words than a status ('Implemented (Documented)') is read as the status and the whole text is
kept in the justification. A 2013 file: as `annex soa import-2013`.
Nothing is written unless every row is valid.")]
    Import {
        #[command(flatten)]
        args: ImportArgs,
        /// The edition of ISO/IEC 27002 the file is written against: 2013 or 2022 (found from
        /// the control ids by default)
        #[arg(long, value_name = "2013|2022")]
        edition: Option<String>,
        /// For a 2013 SoA: overwrite the controls already decided in the 2022 SoA
        #[arg(long)]
        replace: bool,
    },
    /// Migrate a Statement of Applicability written against ISO/IEC 27002:2013 into a draft of the 2022 SoA
    #[command(
        name = "import-2013",
        after_help = "Examples:
  annex soa import-2013 soa-2019.xlsx --dry-run
  annex soa import-2013 soa-2019.xlsx --sheet 'Annex A' --map 'Section=control' --map 'Control='

Columns read: the 2013 control (A.5.1.1, 5.1.1, A5.1.1), applicable (yes/no), justification
(and justification for exclusion), implementation status, reasons for inclusion (in words, or
ticked columns LR, CO, BR, BP, RRA) and owner. Each 2022 control gets the decision its 2013
controls agree on, their justifications and the least advanced of their statuses; controls
new in 2022, merged controls whose sources disagree and applicable controls without a reason
are listed for a decision. Controls already decided are kept unless --replace.
Nothing is written unless every row is valid."
    )]
    Import2013 {
        #[command(flatten)]
        args: ImportArgs,
        /// Overwrite the controls already decided in the 2022 SoA (kept otherwise)
        #[arg(long)]
        replace: bool,
    },
}
/// Runs `annex soa …` as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::Approve { note } => {
            let v = service::approve(ctx, DEFAULT_FRAMEWORK, &note).await?;
            writeln!(
                out,
                "approved version {} at {} (content SHA-256 {})",
                v.version, v.approved_at, v.content_hash
            )?;
        }
        Command::Readiness { format } => {
            let r = readiness::now(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?,
                _ => {
                    for c in &r.clauses {
                        writeln!(out, "{} {}: {}", c.id, c.title, c.status.label())?;
                        for reason in &c.reasons {
                            writeln!(out, "  - {reason}")?;
                        }
                    }
                    if !r.next.is_empty() {
                        writeln!(out, "\nWhat to do next:")?;
                        for n in &r.next {
                            writeln!(out, "  {} {} ({})", n.count, n.what, n.examples.join(", "))?;
                        }
                    }
                }
            }
        }
        Command::Gaps { by, within, format } => {
            let types = readiness::attribute_types(ctx).await?;
            let params = Params::from_flags([("by", Some(by)), ("within", within)]);
            let (by, within) = gaps_query(&params, &types)?;
            let all = service::rows(ctx, DEFAULT_FRAMEWORK).await?;
            let rows = readiness::gaps(ctx, &all, &by, within.as_ref()).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
                _ => {
                    let mut t = table(&[
                        &by,
                        "controls",
                        "applicable",
                        "implemented",
                        "partially",
                        "planned",
                        "not started",
                        "excluded",
                        "undecided",
                        "without valid evidence",
                    ]);
                    for g in rows {
                        t.add_row(vec![
                            g.key.clone(),
                            g.total.to_string(),
                            g.applicable.to_string(),
                            format!("{} ({}%)", g.implemented, g.percent_implemented()),
                            g.partial.to_string(),
                            g.planned.to_string(),
                            g.not_started.to_string(),
                            g.excluded.to_string(),
                            g.undecided.to_string(),
                            g.without_evidence.to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::Versions => {
            let mut t = table(&[
                "version",
                "approved_at",
                "approved_by",
                "note",
                "content_sha256",
                "intact",
            ]);
            for v in service::versions(ctx, DEFAULT_FRAMEWORK).await? {
                t.add_row(vec![
                    v.version.to_string(),
                    v.approved_at,
                    v.approved_by,
                    v.note,
                    v.content_hash,
                    if v.intact { "yes" } else { "NO" }.to_string(),
                ]);
            }
            writeln!(out, "{t}")?;
        }
        Command::Diff { from, to, format } => {
            let changes = service::changes(ctx, DEFAULT_FRAMEWORK, from, to).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&changes)?)?,
                _ => {
                    let mut t = table(&["control", "field", "before", "after"]);
                    for c in &changes {
                        for f in &c.changes {
                            t.add_row(vec![
                                c.control_id.clone(),
                                f.field.to_string(),
                                f.before.clone(),
                                f.after.clone(),
                            ]);
                        }
                    }
                    writeln!(out, "{t}")?;
                    writeln!(out, "{} controls changed", changes.len())?;
                }
            }
        }
        Command::Export {
            format,
            version,
            out: path,
        } => {
            let format = DocFormat::parse(&format)?;
            let spinner =
                crate::cli::progress::Progress::spinner("writing the Statement of Applicability");
            let doc = export(ctx, DEFAULT_FRAMEWORK, version, |_| true, format).await?;
            drop(spinner);
            std::fs::write(&path, &doc.bytes)
                .with_context(|| format!("writing {}", path.display()))?;
            writeln!(
                out,
                "wrote {} ({} bytes{})",
                path.display(),
                doc.bytes.len(),
                version
                    .map(|v| format!(", version {v}"))
                    .unwrap_or_default()
            )?;
        }
        Command::List {
            framework,
            theme,
            applicable,
            status,
            warning,
            owner,
            format,
        } => {
            let params = Params::from_flags([
                ("framework", Some(framework)),
                ("theme", theme),
                ("applicable", applicable),
                ("status", status),
                ("warning", warning),
                ("owner", owner),
            ]);
            let query = SoaQuery::read(&params)?;
            let rows: Vec<_> = service::rows(ctx, &query.framework)
                .await?
                .into_iter()
                .filter(|r| query.keeps(r))
                .collect();
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&rows)?)?,
                Format::Csv => {
                    let catalog =
                        crate::registers::catalog::service::catalog(ctx, &query.framework).await?;
                    write!(out, "{}", soa_table(&rows, &catalog).csv())?
                }
                Format::Table => {
                    let mut t = table(&[
                        "control",
                        "title",
                        "applicable",
                        "status",
                        "owner",
                        "measures",
                        "risks",
                        "warnings",
                    ]);
                    for r in &rows {
                        let a = &r.applicability;
                        t.add_row(vec![
                            r.control.id.clone(),
                            r.control.title.clone(),
                            a.applicable_word().to_string(),
                            if a.applicable.is_none() {
                                String::new()
                            } else {
                                a.status.label().to_string()
                            },
                            a.owner.clone(),
                            r.measures.len().to_string(),
                            r.risk_count.to_string(),
                            r.warnings
                                .iter()
                                .map(|w| w.label())
                                .collect::<Vec<_>>()
                                .join("; "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(rows.len(), "control", "controls")
                    )?;
                }
            }
        }
        Command::Show {
            id,
            framework,
            format,
        } => {
            let r = service::row(ctx, &framework, &id).await?;
            match format {
                Format::Csv => {
                    let catalog =
                        crate::registers::catalog::service::catalog(ctx, &framework).await?;
                    write!(
                        out,
                        "{}",
                        soa_table(std::slice::from_ref(&r), &catalog).csv()
                    )?
                }
                _ => writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?,
            }
        }
        Command::Set {
            id,
            framework,
            applicable,
            reasons,
            exclusion_reason,
            justification,
            status,
            maturity,
            owner,
            target_date,
        } => {
            let current = service::row(ctx, &framework, &id).await?;
            let mut v = ApplicabilityInput::from(&current.applicability);
            for (target, value) in [
                (&mut v.applicable, applicable),
                (&mut v.reasons, reasons),
                (&mut v.exclusion_reason, exclusion_reason),
                (&mut v.justification, justification),
                (&mut v.status, status),
                (&mut v.maturity, maturity),
                (&mut v.owner, owner),
                (&mut v.target_date, target_date),
            ] {
                if let Some(x) = value {
                    *target = x;
                }
            }
            // The flags apply to the decision as read; a decision changed in between is refused
            // (409) rather than overwritten.
            let r = service::decide(
                ctx,
                &framework,
                &id,
                Some(current.applicability.revision),
                &v,
            )
            .await?;
            let a = &r.applicability;
            writeln!(
                out,
                "saved {} {}: {}{}",
                r.control.id,
                r.control.title,
                match a.applicable {
                    Some(true) => format!("applicable, {}", a.status.label()),
                    Some(false) => "excluded".to_string(),
                    None => "not decided".to_string(),
                },
                if r.warnings.is_empty() {
                    String::new()
                } else {
                    format!(
                        " (warnings: {})",
                        r.warnings
                            .iter()
                            .map(|w| w.label())
                            .collect::<Vec<_>>()
                            .join("; ")
                    )
                }
            )?;
        }
        Command::Import {
            args,
            edition,
            replace,
        } => {
            drop(out);
            import(ctx, &args, edition.as_deref(), replace).await?;
        }
        Command::Import2013 { args, replace } => {
            drop(out);
            crate::registers::soa::migrate::cli::import(ctx, &args, replace).await?;
        }
    }
    Ok(())
}

/// `annex soa import`: a 2013 SoA goes to the migration, a 2022 one to the import; the
/// edition is the one `--edition` names or the file's control ids tell.
async fn import(
    ctx: &Ctx,
    args: &ImportArgs,
    edition: Option<&str>,
    replace: bool,
) -> anyhow::Result<()> {
    use super::domain_import::{Edition, edition_name};
    use super::exchange_import::{SoaImport, detect};
    let edition = match edition {
        Some(e) => Edition::parse(e).map_err(|m| crate::error::Error::field("edition", m))?,
        None => {
            let bytes = std::fs::read(&args.file)
                .with_context(|| format!("reading {}", args.file.display()))?;
            let grids = crate::exchange::sheet::read_file(&bytes)?;
            match detect(&grids, &args.options()) {
                Some(e) => {
                    eprintln!(
                        "the control ids are of {}: importing it as such (--edition says otherwise)",
                        edition_name(e)
                    );
                    e
                }
                None => Edition::E2022,
            }
        }
    };
    match edition {
        Edition::E2013 => super::migrate::cli::import(ctx, args, replace).await,
        Edition::E2022 if replace => Err(crate::error::Error::field(
            "replace",
            "--replace is for a 2013 SoA: a 2022 file's decisions always replace those of its controls",
        )
        .into()),
        Edition::E2022 => crate::cli::import_file(ctx, &SoaImport, args).await,
    }
}
