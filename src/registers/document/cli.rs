//! `annex document`: the document register on the command line — list, show, the templates,
//! new (blank or from a template), edit, a draft's text from a file, the workflow's steps, a
//! version's Markdown, and the register's export.

use super::domain::{
    DocumentFilter, DocumentInput, DocumentKind, DocumentStatus, ExportFormat, Step,
};
use super::exchange::documents_table;
use super::service;
use crate::cli::{ExportArgs, Format, set, table, write_export};
use crate::domain::catalog::parse_control_refs;
use crate::error::Error;
use crate::service::Ctx;
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List documents by title
    #[command(
        after_help = "Examples:\n  annex document list\n  annex document list --review-due --format csv\n  annex document list --control 5.15"
    )]
    List {
        /// policy, topic_policy, procedure, standard or plan
        #[arg(long, value_parser = DocumentKind::parse)]
        kind: Option<DocumentKind>,
        /// draft, in_review, approved, published or retired
        #[arg(long, value_parser = DocumentStatus::parse)]
        status: Option<DocumentStatus>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        control: Option<String>,
        /// Only published documents whose review is due
        #[arg(long)]
        review_due: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show one document
    #[command(after_help = "Example:\n  annex document show DOC-001 --format table")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// The policy templates Annex ships
    Templates,
    /// Start a document, blank or from a template (its first version is a draft)
    #[command(
        after_help = "Examples:\n  annex document new --template access-control --owner ciso@example.org --approver ceo@example.org\n  annex document new --title 'Backup procedure' --kind procedure"
    )]
    New {
        #[arg(long)]
        id: Option<String>,
        /// A template's key (see `annex document templates`)
        #[arg(long)]
        template: Option<String>,
        #[command(flatten)]
        fields: DocumentFields,
    },
    /// Change a document's details; fields not given keep their value
    #[command(after_help = "Example:\n  annex document edit DOC-001 --review-months 24")]
    Edit {
        id: String,
        #[command(flatten)]
        fields: DocumentFields,
    },
    /// Replace the draft's text with a Markdown file ('-' reads standard input)
    #[command(
        after_help = "Example:\n  annex document write DOC-001 policy.md --note 'MFA for all staff'"
    )]
    Write {
        id: String,
        file: std::path::PathBuf,
        /// What changed in this version
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Take a step of the workflow: submit, approve, reject, publish, revise or retire
    #[command(
        after_help = "Examples:\n  annex document step DOC-001 submit\n  annex document step DOC-001 approve --note 'Agreed at the board meeting'\n  annex document step DOC-001 publish"
    )]
    Step {
        id: String,
        /// submit, approve, reject, publish, revise or retire
        step: String,
        /// The approver's note (required with reject)
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Print a version's Markdown (the published one, or the newest, by default)
    Markdown {
        id: String,
        #[arg(long)]
        version: Option<i64>,
    },
    /// Write a version as a PDF (the published one, or the newest, by default)
    #[command(after_help = "Example:\n  annex document pdf DOC-001 --out access-control.pdf")]
    Pdf {
        id: String,
        #[arg(long)]
        version: Option<i64>,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Write a version as a Word document (the published one, or the newest, by default)
    #[command(after_help = "Example:\n  annex document docx DOC-001 --out access-control.docx")]
    Docx {
        id: String,
        #[arg(long)]
        version: Option<i64>,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Make a file (PDF, DOCX, ODT, PPTX, XLSX, Markdown or text) the content of the draft, kept in the evidence vault by its SHA-256
    #[command(
        after_help = "Example:\n  annex document upload DOC-007 --file \"Business continuity plan.docx\" --note \"2027 revision\""
    )]
    Upload {
        id: String,
        #[arg(long, required_unless_present = "remove")]
        file: Option<std::path::PathBuf>,
        /// What changed in this version
        #[arg(long, default_value = "")]
        note: String,
        /// Take the file off the draft instead (its text is written in Annex again)
        #[arg(long, conflicts_with_all = ["file", "note"])]
        remove: bool,
    },
    /// Save a version's uploaded file, checked against its SHA-256 (the published one, or the newest, by default)
    #[command(after_help = "Example:\n  annex document file DOC-007 --out plan.docx")]
    File {
        id: String,
        #[arg(long)]
        version: Option<i64>,
        #[arg(long)]
        out: std::path::PathBuf,
    },
    /// Import the register's details from a CSV or XLSX file: new documents start with a draft, all or nothing
    #[command(after_help = "Example:\n  annex document import documents.xlsx --dry-run")]
    Import(crate::cli::ImportArgs),
    /// Export the register as CSV or XLSX (the format `annex document import` reads)
    #[command(after_help = "Example:\n  annex document export --format xlsx --out documents.xlsx")]
    Export(ExportArgs),
    /// Require acknowledgement of the published version (or stop requiring it with --off)
    #[command(
        after_help = "Examples:\n  annex document require-ack DOC-0001 --days 14\n  annex document require-ack DOC-0002 --scope departments --groups Finance,IT\n  annex document require-ack DOC-0003 --off"
    )]
    RequireAck {
        id: String,
        /// everyone (default), departments or job_titles
        #[arg(long)]
        scope: Option<String>,
        /// Departments or job titles, comma-separated
        #[arg(long)]
        groups: Option<String>,
        /// Days to acknowledge (default 14)
        #[arg(long)]
        days: Option<u32>,
        /// Stop requiring acknowledgement
        #[arg(long)]
        off: bool,
    },
    /// Who of the audience has acknowledged the published version, by department and by person
    #[command(
        after_help = "Examples:\n  annex document acks DOC-0001\n  annex document acks DOC-0001 --state overdue --format csv"
    )]
    Acks {
        id: String,
        /// acknowledged, pending or overdue
        #[arg(long)]
        state: Option<String>,
        #[arg(long)]
        department: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
}

/// A document's details as flags; on `edit`, flags left out keep their value.
#[derive(clap::Args, Debug, Default)]
pub struct DocumentFields {
    #[arg(long)]
    title: Option<String>,
    /// policy, topic_policy, procedure, standard or plan
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    #[arg(long)]
    approver: Option<String>,
    /// A level of the classification scheme
    #[arg(long)]
    classification: Option<String>,
    #[arg(long)]
    audience: Option<String>,
    /// Months between reviews (1 to 60)
    #[arg(long)]
    review_months: Option<String>,
    /// Comma-separated control ids: 5.15,8.5
    #[arg(long)]
    controls: Option<String>,
    /// Comma-separated ISO/IEC 27001 clauses: 5.2,7.5
    #[arg(long)]
    clauses: Option<String>,
}

impl DocumentFields {
    fn apply(self, mut v: DocumentInput) -> DocumentInput {
        set(&mut v.title, self.title);
        set(&mut v.kind, self.kind);
        set(&mut v.owner, self.owner);
        set(&mut v.approver, self.approver);
        set(&mut v.classification, self.classification);
        set(&mut v.audience, self.audience);
        set(&mut v.controls, self.controls);
        set(&mut v.clauses, self.clauses);
        if let Some(m) = self.review_months {
            v.review_months = Some(serde_json::Value::String(m));
        }
        v
    }
}

/// Runs `annex document …` as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let today = ctx.today();
    let word = matches!(c, Command::Docx { .. });
    match c {
        Command::List {
            kind,
            status,
            owner,
            control,
            review_due,
            format,
        } => {
            let control = match control {
                None => None,
                Some(c) => {
                    let mut refs = parse_control_refs(&c);
                    if refs.len() != 1 {
                        return Err(
                            Error::field("--control", "give one control id, e.g. 5.15").into()
                        );
                    }
                    refs.pop()
                }
            };
            let filter = DocumentFilter {
                kind,
                status,
                owner,
                control,
                review_due_on: review_due.then(|| today.clone()),
                text: None,
            };
            let documents = service::all(ctx, &filter).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&documents)?)?,
                Format::Csv => write!(out, "{}", documents_table(&documents).csv())?,
                Format::Table => {
                    let mut t = table(&["id", "title", "kind", "status", "published", "review"]);
                    for d in &documents {
                        let review = d.next_review_on.clone().unwrap_or_default();
                        t.add_row(vec![
                            d.id.clone(),
                            d.title.clone(),
                            d.kind.label().to_string(),
                            d.status.label().to_string(),
                            d.current_version
                                .map(|n| format!("version {n}"))
                                .unwrap_or_default(),
                            if d.review_due(&today) {
                                format!("{review} (due)")
                            } else {
                                review
                            },
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(documents.len(), "document", "documents")
                    )?;
                }
            }
        }
        Command::Show { id, format } => {
            let d = service::get(ctx, &id).await?;
            let t = documents_table(std::slice::from_ref(&d));
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&d)?)?,
                Format::Csv => write!(out, "{}", t.csv())?,
                Format::Table => {
                    for (k, v) in t.header_labels().iter().zip(&t.rows[0]) {
                        writeln!(out, "{k:>16}: {v}")?;
                    }
                }
            }
        }
        Command::Templates => {
            let mut t = table(&["template", "title", "controls"]);
            for tpl in super::domain_template::all() {
                t.add_row(vec![
                    tpl.key.clone(),
                    tpl.title.clone(),
                    tpl.controls.join(", "),
                ]);
            }
            writeln!(out, "{t}")?;
        }
        Command::New {
            id,
            template,
            fields,
        } => {
            let input = fields.apply(DocumentInput {
                id,
                template: template.unwrap_or_default(),
                ..DocumentInput::default()
            });
            let d = service::create(ctx, &input).await?;
            writeln!(
                out,
                "created document {} ({}), version 1 is a draft",
                d.id, d.title
            )?;
        }
        Command::Edit { id, fields } => {
            let (_, d) = service::edit(ctx, &id, None, |stored| Ok(fields.apply(stored))).await?;
            writeln!(out, "saved document {} ({})", d.id, d.title)?;
        }
        Command::Write { id, file, note } => {
            let body = read_markdown(&file)?;
            let (d, v) = service::write_text(ctx, &id, None, &body, &note).await?;
            writeln!(
                out,
                "wrote version {} of {} ({})",
                v.number,
                d.id,
                crate::domain::words::count(v.body.chars().count(), "character", "characters")
            )?;
        }
        Command::Step { id, step, note } => {
            let s = Step::parse(&step).ok_or_else(|| {
                Error::field(
                    "step",
                    format!(
                        "'{step}' is not a step: use submit, approve, reject, publish, revise or retire"
                    ),
                )
            })?;
            let (d, v) = service::step(ctx, &id, None, s, &note).await?;
            writeln!(
                out,
                "{}: version {} is {}; the document is {}",
                d.id,
                v.number,
                v.state.label(),
                d.status.label()
            )?;
            if let Some(h) = v.sha256.as_deref().filter(|_| s == Step::Approve) {
                writeln!(out, "the approved text's SHA-256: {h}")?;
            }
        }
        Command::Markdown { id, version } => {
            let n = shown_version(ctx, &id, version).await?;
            let (_, _, bytes) = service::export(ctx, &id, n, ExportFormat::Markdown).await?;
            out.write_all(&bytes)?;
        }
        Command::Pdf {
            id,
            version,
            out: path,
        }
        | Command::Docx {
            id,
            version,
            out: path,
        } => {
            let format = if word {
                ExportFormat::Docx
            } else {
                ExportFormat::Pdf
            };
            let n = shown_version(ctx, &id, version).await?;
            let (_, _, bytes) = service::export(ctx, &id, n, format).await?;
            std::fs::write(&path, &bytes)?;
            writeln!(out, "wrote version {n} of {id} to {}", path.display())?;
        }
        Command::Upload { id, file, note, .. } => {
            let (_, v) = match file {
                None => service::remove_file(ctx, &id, None).await?,
                Some(file) => {
                    let f = crate::registers::evidence::web::file_from_disk(ctx, &file).await?;
                    service::attach_file(ctx, &id, None, f, &note).await?
                }
            };
            match &v.file {
                Some(f) => writeln!(
                    out,
                    "version {} of {id} is now {} ({}, SHA-256 {})",
                    v.number,
                    f.file_name,
                    f.size_label(),
                    f.sha256
                )?,
                None => writeln!(
                    out,
                    "version {} of {id} is a text written in Annex again",
                    v.number
                )?,
            }
        }
        Command::File {
            id,
            version,
            out: path,
        } => {
            let n = shown_version(ctx, &id, version).await?;
            let (f, mut reader) = service::version_file(ctx, &id, n).await?;
            let mut w = std::io::BufWriter::new(std::fs::File::create(&path)?);
            while let Some(chunk) = reader.next().await? {
                w.write_all(&chunk)?;
            }
            w.flush()?;
            writeln!(
                out,
                "wrote {} (version {n} of {id}, SHA-256 {}) to {}",
                f.file_name,
                f.sha256,
                path.display()
            )?;
        }
        Command::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::DocumentImport, &args).await?
        }
        Command::Export(args) => {
            let documents = service::all(ctx, &DocumentFilter::default()).await?;
            write_export(&documents_table(&documents), &args)?;
        }
        Command::RequireAck {
            id,
            scope,
            groups,
            days,
            off,
        } => {
            let input = super::domain_ack::AckRuleInput {
                required: !off,
                scope: scope.unwrap_or_default(),
                groups: groups.unwrap_or_default().replace(',', "\n"),
                days,
            };
            match super::service_ack::set_rule(ctx, &id, None, &input).await? {
                None => writeln!(out, "{id} no longer asks for acknowledgement")?,
                Some(r) => writeln!(
                    out,
                    "{id} asks {} to acknowledge its published version within {} days",
                    if r.groups.is_empty() {
                        "everyone".to_string()
                    } else {
                        format!("{} {}", r.scope.label(), r.groups.join(", "))
                    },
                    r.days
                )?,
            }
        }
        Command::Acks {
            id,
            state,
            department,
            format,
        } => {
            let f = super::domain_ack::AckFilter {
                state: match state {
                    None => None,
                    Some(s) => Some(
                        super::domain_ack::AckState::parse(&s)
                            .map_err(|e| Error::field("--state", e))?,
                    ),
                },
                department,
                text: None,
            };
            let lines = super::service_ack::all_lines(ctx, &id, &f).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&lines)?)?,
                Format::Csv => write!(out, "{}", super::exchange::acks_table(&lines, &[]).csv())?,
                Format::Table => {
                    let s = super::service_ack::summary(ctx, &id).await?;
                    match s.version {
                        None => writeln!(
                            out,
                            "{id} has no published version that asks for acknowledgement"
                        )?,
                        Some(v) => writeln!(
                            out,
                            "{id} version {v}: {} of {} acknowledged ({}%), {} overdue",
                            s.acknowledged,
                            s.required,
                            s.percent(),
                            s.overdue
                        )?,
                    }
                    let mut t = table(&["department", "asked", "acknowledged", "overdue"]);
                    for d in &s.departments {
                        t.add_row(vec![
                            d.department.clone(),
                            d.required.to_string(),
                            d.acknowledged.to_string(),
                            d.overdue.to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    let mut t = table(&["person", "name", "department", "status", "due"]);
                    for l in &lines {
                        t.add_row(vec![
                            l.person_id.clone(),
                            l.name.clone(),
                            l.department.clone(),
                            l.state.label().to_string(),
                            l.due_on.clone().unwrap_or_default(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
    }
    Ok(())
}

/// A Markdown file (or standard input for `-`), read no further than the longest text a
/// version may hold, and only as UTF-8.
fn read_markdown(path: &std::path::Path) -> anyhow::Result<String> {
    use std::io::Read;
    // A character takes at most 4 bytes in UTF-8.
    let limit = (service::MAX_TEXT * 4) as u64;
    let reader: Box<dyn Read> =
        if path.as_os_str() == "-" {
            Box::new(std::io::stdin())
        } else {
            Box::new(std::fs::File::open(path).map_err(|e| {
                Error::field("file", format!("cannot read {}: {e}", path.display()))
            })?)
        };
    let mut bytes = Vec::new();
    reader.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(Error::field(
            "file",
            format!(
                "{} is larger than a version may be ({} characters)",
                path.display(),
                service::MAX_TEXT
            ),
        )
        .into());
    }
    String::from_utf8(bytes).map_err(|e| {
        Error::field(
            "file",
            format!(
                "{} is not UTF-8 text (byte {} is not): save it as UTF-8",
                path.display(),
                e.utf8_error().valid_up_to() + 1
            ),
        )
        .into()
    })
}

/// The version a command means: the one given, else the published one, else the newest.
async fn shown_version(ctx: &Ctx, id: &str, version: Option<i64>) -> anyhow::Result<i64> {
    let d = service::get(ctx, id).await?;
    Ok(version.unwrap_or(d.current_version.unwrap_or(d.latest_version)))
}
