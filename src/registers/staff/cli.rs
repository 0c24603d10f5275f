//! `annex person`: the staff directory on the command line — list, show (with checklists),
//! add, edit (only the flags given change), import an HR export (`--absent-left` when it is
//! the whole staff), export, and tick checklist steps off.

use super::domain::{Employment, PersonFilter, PersonInput, PersonStatus};
use super::exchange::people_table;
use super::service;
use crate::cli::{ExportArgs, Format, ImportArgs, import_with, set, table, write_export};
use crate::service::Ctx;
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List people by name
    #[command(
        after_help = "Examples:\n  annex person list\n  annex person list --status leaving --format csv\n  annex person list --department Finance"
    )]
    List {
        /// joining, active, leaving or left (as of today)
        #[arg(long, value_parser = PersonStatus::parse)]
        status: Option<PersonStatus>,
        #[arg(long)]
        department: Option<String>,
        /// employee, contractor or intern
        #[arg(long, value_parser = Employment::parse)]
        employment: Option<Employment>,
        /// Only people with an open checklist step
        #[arg(long)]
        open_steps: bool,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show one person with their checklists
    #[command(after_help = "Example:\n  annex person show P-0001 --format table")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Add a person (an id such as P-0001 is given unless --id is)
    #[command(
        after_help = "Example:\n  annex person add --name 'Ζωή Παππά' --email zoe@example.org --department Finance --started-on 2027-01-04"
    )]
    Add {
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        fields: Box<PersonFields>,
    },
    /// Change a person; fields not given keep their value (a last day starts offboarding)
    #[command(after_help = "Example:\n  annex person edit P-0001 --left-on 2027-03-31")]
    Edit {
        id: String,
        #[command(flatten)]
        fields: Box<PersonFields>,
    },
    /// Import an HR export (CSV or XLSX): update people by id, e-mail or staff number, add new ones, all or nothing
    #[command(
        after_help = "Examples:\n  annex person import hr.csv --dry-run\n  annex person import hr.xlsx --absent-left\n  annex person import hr.csv --map 'Personalnummer=staff_number'"
    )]
    Import {
        #[command(flatten)]
        args: ImportArgs,
        /// The file is the whole staff: everyone in Annex it does not list has left (their last
        /// day yesterday)
        /// (and gets an offboarding checklist)
        #[arg(long)]
        absent_left: bool,
    },
    /// Export the directory as CSV or XLSX (the format `annex person import` reads)
    #[command(after_help = "Example:\n  annex person export --format xlsx --out staff.xlsx")]
    Export(ExportArgs),
    /// Make a personal link for a person: whoever opens it acknowledges documents and records
    /// training in their name until it expires (Annex does not keep it)
    #[command(after_help = "Example:\n  annex person link P-0001 --days 14")]
    Link {
        id: String,
        /// 1 to 366 days (default 30)
        #[arg(long)]
        days: Option<i64>,
    },
    /// Mark a checklist step done (or open again with --reopen)
    #[command(after_help = "Example:\n  annex person tick CL-0001 3 --note 'Laptop returned'")]
    Tick {
        checklist: String,
        step: i64,
        #[arg(long)]
        note: Option<String>,
        #[arg(long)]
        reopen: bool,
    },
}

/// A person's fields as flags; on `edit`, flags left out keep their value.
#[derive(clap::Args, Debug, Default)]
pub struct PersonFields {
    #[arg(long)]
    name: Option<String>,
    #[arg(long)]
    staff_number: Option<String>,
    #[arg(long)]
    email: Option<String>,
    #[arg(long)]
    department: Option<String>,
    /// The manager's e-mail
    #[arg(long)]
    manager: Option<String>,
    #[arg(long)]
    job_title: Option<String>,
    /// employee, contractor or intern
    #[arg(long)]
    employment: Option<String>,
    #[arg(long)]
    location: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    started_on: Option<String>,
    /// The last working day, YYYY-MM-DD ('' to clear)
    #[arg(long)]
    left_on: Option<String>,
    /// none, basic, standard or enhanced
    #[arg(long)]
    screening: Option<String>,
    #[arg(long)]
    screened_on: Option<String>,
    #[arg(long)]
    terms_version: Option<String>,
    #[arg(long)]
    terms_signed_on: Option<String>,
    #[arg(long)]
    nda_version: Option<String>,
    #[arg(long)]
    nda_signed_on: Option<String>,
    #[arg(long)]
    remote_signed_on: Option<String>,
    #[arg(long)]
    notes: Option<String>,
}

impl PersonFields {
    fn apply(self, mut v: PersonInput) -> PersonInput {
        set(&mut v.name, self.name);
        set(&mut v.staff_number, self.staff_number);
        set(&mut v.email, self.email);
        set(&mut v.department, self.department);
        set(&mut v.manager, self.manager);
        set(&mut v.job_title, self.job_title);
        set(&mut v.employment, self.employment);
        set(&mut v.location, self.location);
        set(&mut v.started_on, self.started_on);
        set(&mut v.left_on, self.left_on);
        set(&mut v.screening, self.screening);
        set(&mut v.screened_on, self.screened_on);
        set(&mut v.terms_version, self.terms_version);
        set(&mut v.terms_signed_on, self.terms_signed_on);
        set(&mut v.nda_version, self.nda_version);
        set(&mut v.nda_signed_on, self.nda_signed_on);
        set(&mut v.remote_signed_on, self.remote_signed_on);
        set(&mut v.notes, self.notes);
        v
    }
}

/// Runs `annex person …` as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let today = ctx.today();
    match c {
        Command::List {
            status,
            department,
            employment,
            open_steps,
            format,
        } => {
            let filter = PersonFilter {
                status,
                today: today.clone(),
                department,
                employment,
                open_steps,
                ..PersonFilter::default()
            };
            let people = service::all(ctx, &filter).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&people)?)?,
                Format::Csv => write!(out, "{}", people_table(&people, &today).csv())?,
                Format::Table => {
                    let mut t =
                        table(&["id", "name", "email", "department", "job title", "status"]);
                    for p in &people {
                        t.add_row(vec![
                            p.id.clone(),
                            p.name.clone(),
                            p.email.clone(),
                            p.department.clone(),
                            p.job_title.clone(),
                            p.status(&today).label().to_string(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(people.len(), "person", "people")
                    )?;
                }
            }
        }
        Command::Show { id, format } => {
            let p = service::get(ctx, &id).await?;
            let checklists = service::checklists(ctx, &id).await?;
            match format {
                Format::Json => writeln!(
                    out,
                    "{}",
                    serde_json::to_string_pretty(
                        &serde_json::json!({ "person": p, "checklists": checklists })
                    )?
                )?,
                Format::Csv => write!(
                    out,
                    "{}",
                    people_table(std::slice::from_ref(&p), &today).csv()
                )?,
                Format::Table => {
                    let t = people_table(std::slice::from_ref(&p), &today);
                    for (k, v) in t.header.iter().zip(&t.rows[0]) {
                        writeln!(out, "{k:>24}: {v}")?;
                    }
                    for c in &checklists {
                        writeln!(
                            out,
                            "\n{} checklist {} ({} open)",
                            c.kind.label(),
                            c.id,
                            c.open_steps()
                        )?;
                        for s in &c.steps {
                            writeln!(
                                out,
                                "  {:>2}. [{}] {} — {}{}",
                                s.number,
                                if s.done_at.is_some() { "x" } else { " " },
                                s.title,
                                if s.owner.is_empty() {
                                    "nobody named"
                                } else {
                                    &s.owner
                                },
                                s.due_on
                                    .as_deref()
                                    .map(|d| format!(", due {d}"))
                                    .unwrap_or_default()
                            )?;
                        }
                    }
                }
            }
        }
        Command::Add { id, fields } => {
            let input = fields.apply(PersonInput {
                id,
                ..PersonInput::default()
            });
            let p = service::create(ctx, &input).await?;
            writeln!(out, "added {} ({})", p.id, p.name)?;
        }
        Command::Edit { id, fields } => {
            let (_, p) = service::edit(ctx, &id, None, |stored| Ok(fields.apply(stored))).await?;
            writeln!(
                out,
                "saved {} ({}), {}",
                p.id,
                p.name,
                p.status(&today).label()
            )?;
        }
        Command::Import { args, absent_left } => {
            let mut opts = args.options();
            opts.absent_left = absent_left;
            import_with(ctx, &super::exchange::PersonImport, &args, opts).await?;
        }
        Command::Export(args) => {
            let people = service::all(
                ctx,
                &PersonFilter {
                    today: today.clone(),
                    ..PersonFilter::default()
                },
            )
            .await?;
            write_export(&people_table(&people, &today), &args)?;
        }
        Command::Link { id, days } => {
            let (path, until) = super::service_link::make(ctx, &id, days).await?;
            writeln!(
                out,
                "{path}\nvalid until {until}; put Annex's address in front (ANNEX_PUBLIC_URL)"
            )?;
        }
        Command::Tick {
            checklist,
            step,
            note,
            reopen,
        } => {
            let c = service::tick(
                ctx,
                &checklist,
                step,
                !reopen,
                note.as_deref().unwrap_or_default(),
                None,
            )
            .await?;
            writeln!(
                out,
                "{} step {step} of {} ({} open)",
                if reopen { "reopened" } else { "done:" },
                c.id,
                c.open_steps()
            )?;
        }
    }
    Ok(())
}
