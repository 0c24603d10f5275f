//! `annex assessment`: supplier assessments on the command line — the questionnaires,
//! sending one (the link printed once), the assessments, and their review.

use super::domain_assessment::{AssessmentStatus, FindingInput, ReviewInput};
use super::service_assessment as service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// The questionnaires an assessment may be sent from
    #[command(after_help = "Example:\n  annex assessment questionnaires")]
    Questionnaires,
    /// Export questionnaires as a spreadsheet, one row per question (all, or one by --key)
    #[command(
        after_help = "Examples:\n  annex assessment questionnaire-export --format xlsx --out questionnaires.xlsx\n  annex assessment questionnaire-export --key cloud --out cloud.csv"
    )]
    QuestionnaireExport {
        /// Only this questionnaire
        #[arg(long)]
        key: Option<String>,
        #[command(flatten)]
        export: crate::cli::ExportArgs,
    },
    /// Import questionnaires of your own from a CSV or XLSX file, one row per question (all
    /// or nothing)
    #[command(
        after_help = "Examples:\n  annex assessment questionnaire-import vendor-review.xlsx --dry-run\n  annex assessment questionnaire-import vendor-review.xlsx"
    )]
    QuestionnaireImport(crate::cli::ImportArgs),
    /// Send a questionnaire to a supplier; prints the link to give them (shown once)
    #[command(
        after_help = "Example:\n  annex assessment send SUP-0001 --questionnaire cloud --due-on 2027-01-31 --days 30"
    )]
    Send {
        supplier: String,
        /// baseline, cloud, or your own questionnaire's key
        #[arg(long)]
        questionnaire: String,
        /// YYYY-MM-DD
        #[arg(long, default_value = "")]
        due_on: String,
        /// How long the link opens (1 to 366 days; 30 by default)
        #[arg(long)]
        days: Option<i64>,
    },
    /// List assessments, the latest sent first
    #[command(
        after_help = "Example:\n  annex assessment list --supplier SUP-0001 --status submitted"
    )]
    List {
        #[arg(long)]
        supplier: Option<String>,
        /// sent, in_progress, submitted, reviewed or cancelled
        #[arg(long)]
        status: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show an assessment with its answers, score and findings
    #[command(after_help = "Example:\n  annex assessment show AS-0001")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Review a submitted assessment: findings, a summary, risks to register
    #[command(
        after_help = "Example:\n  annex assessment review AS-0001 --finding '3.3|major|72 hours is too slow' --risk 'Late incident notice | 3 | 4' --summary 'Good apart from notice'"
    )]
    Review {
        id: String,
        /// question|severity|finding (severity: observation, minor or major)
        #[arg(long)]
        finding: Vec<String>,
        #[arg(long, default_value = "")]
        summary: String,
        /// title | likelihood | impact
        #[arg(long)]
        risk: Vec<String>,
    },
}

/// Runs `annex assessment …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::Questionnaires => {
            let mut t = table(&["key", "questionnaire", "questions"]);
            for q in service::questionnaires(ctx).await? {
                t.add_row(vec![
                    q.key.clone(),
                    q.title.clone(),
                    q.questions().count().to_string(),
                ]);
            }
            writeln!(out, "{t}")?;
        }
        Command::QuestionnaireExport { key, export } => {
            let mut all = service::questionnaires(ctx).await?;
            if let Some(key) = key {
                all.retain(|q| q.key == key.trim());
                if all.is_empty() {
                    return Err(
                        crate::error::Error::NotFound(format!("questionnaire {key}")).into(),
                    );
                }
            }
            crate::cli::write_export(
                &super::exchange_questionnaire::questionnaires_table(&all),
                &export,
            )?;
        }
        Command::QuestionnaireImport(args) => {
            crate::cli::import_file(
                ctx,
                &super::exchange_questionnaire::QuestionnaireImport,
                &args,
            )
            .await?
        }
        Command::Send {
            supplier,
            questionnaire,
            due_on,
            days,
        } => {
            let sent = service::send(ctx, &supplier, &questionnaire, &due_on, days).await?;
            writeln!(
                out,
                "sent {} to {}; give them this link (valid until {}; shown once):",
                sent.assessment.id, sent.assessment.supplier, sent.valid_until
            )?;
            writeln!(out, "{}", sent.link)?;
        }
        Command::List {
            supplier,
            status,
            format,
        } => {
            let status = status
                .as_deref()
                .map(AssessmentStatus::parse)
                .transpose()
                .map_err(|e| crate::error::Error::field("status", e))?;
            let page = service::list(ctx, supplier.as_deref(), status, None, 500).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&page.items)?)?,
                _ => {
                    let mut t = table(&[
                        "id",
                        "supplier",
                        "questionnaire",
                        "status",
                        "score",
                        "rating",
                    ]);
                    for a in &page.items {
                        t.add_row(vec![
                            a.id.clone(),
                            a.supplier.clone(),
                            a.questionnaire.title.clone(),
                            a.status.label().to_string(),
                            a.score
                                .as_ref()
                                .and_then(|s| s.percent)
                                .map(|p| format!("{p} %"))
                                .unwrap_or_default(),
                            a.rating.map(|r| r.label().to_string()).unwrap_or_default(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::Show { id, format } => {
            let a = service::get(ctx, &id).await?;
            if matches!(format, Format::Json) {
                writeln!(out, "{}", serde_json::to_string_pretty(&a)?)?;
                return Ok(());
            }
            writeln!(
                out,
                "{} {} for {} ({})",
                a.id,
                a.questionnaire.title,
                a.supplier,
                a.status.label()
            )?;
            for x in &a.answers {
                write!(out, "{}: {}", x.question, x.value)?;
                if let Some(f) = &x.file_name {
                    write!(out, " [{f}]")?;
                }
                if !x.finding.is_empty() {
                    write!(out, " — finding: {}", x.finding)?;
                }
                writeln!(out)?;
            }
            if let Some(p) = a.score.as_ref().and_then(|s| s.percent) {
                writeln!(out, "score: {p} %")?;
            }
            if let Some(r) = a.rating {
                writeln!(out, "rating: {}", r.label())?;
            }
        }
        Command::Review {
            id,
            finding,
            summary,
            risk,
        } => {
            let current = service::get(ctx, &id).await?;
            let findings = finding
                .iter()
                .map(|f| {
                    let mut parts = f.splitn(3, '|').map(str::trim);
                    FindingInput {
                        question: parts.next().unwrap_or_default().to_string(),
                        severity: parts.next().unwrap_or_default().to_string(),
                        finding: parts.next().unwrap_or_default().to_string(),
                    }
                })
                .collect();
            let a = service::review(
                ctx,
                &id,
                Some(current.revision),
                &ReviewInput {
                    findings,
                    summary,
                    risks: risk.join("\n"),
                },
            )
            .await?;
            writeln!(
                out,
                "reviewed {}: rated {}{}",
                a.id,
                a.rating.map(|r| r.label()).unwrap_or("—"),
                a.risk
                    .map(|r| format!("; risk {r} registered"))
                    .unwrap_or_default()
            )?;
        }
    }
    Ok(())
}
