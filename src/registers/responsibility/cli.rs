//! `annex role`: the roles of the ISMS and who owns what, on the command line.

use super::domain::RoleInput;
use super::service;
use crate::cli::{Format, table};
use clap::Subcommand;
use std::io::Write;

/// A role's flags, shared by `add` and `edit`.
#[derive(clap::Args, Debug, Default)]
pub struct FieldArgs {
    /// top_management, isms_manager, risk_owner, control_owner, asset_owner,
    /// internal_auditor, incident_manager, data_protection or other
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    responsibilities: Option<String>,
    #[arg(long)]
    authority: Option<String>,
    /// E-mail addresses, comma-separated
    #[arg(long)]
    holders: Option<String>,
}

impl FieldArgs {
    fn apply(self, mut v: RoleInput) -> RoleInput {
        for (to, from) in [
            (&mut v.kind, self.kind),
            (&mut v.responsibilities, self.responsibilities),
            (&mut v.authority, self.authority),
            (&mut v.holders, self.holders),
        ] {
            if let Some(f) = from {
                *to = f;
            }
        }
        v
    }
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List the roles and who holds them
    #[command(after_help = "Example:\n  annex role list --format csv")]
    List {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add a role
    #[command(
        after_help = "Example:\n  annex role add --name 'ISMS manager' --kind isms_manager --responsibilities 'runs the ISMS, reports to the board' --holders ciso@example.org"
    )]
    Add {
        #[arg(long)]
        name: String,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Change a role (only the flags given)
    #[command(
        after_help = "Example:\n  annex role edit RL-0001 --holders ciso@example.org,deputy@example.org"
    )]
    Edit {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[command(flatten)]
        fields: FieldArgs,
    },
    /// Who owns what across the registers, and what does not match
    #[command(after_help = "Example:\n  annex role ownership")]
    Ownership {
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Import roles from a CSV or XLSX file (all or nothing)
    #[command(after_help = "Example:\n  annex role import roles.xlsx --dry-run")]
    Import(crate::cli::ImportArgs),
    /// Export the roles
    #[command(after_help = "Example:\n  annex role export --format xlsx --out roles.xlsx")]
    Export(crate::cli::ExportArgs),
}

/// Runs `annex role …` as the local operator.
pub async fn run(c: Command, ctx: &crate::service::Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::List { format } => {
            let all = service::all(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&all)?)?,
                Format::Csv => write!(out, "{}", super::exchange::roles_table(&all).csv())?,
                Format::Table => {
                    let mut t = table(&["id", "role", "kind", "held by"]);
                    for x in &all {
                        t.add_row(vec![
                            x.id.clone(),
                            x.name.clone(),
                            x.kind.label().to_string(),
                            x.holders.join(", "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                }
            }
        }
        Command::Add { name, fields } => {
            let v = fields.apply(RoleInput {
                name,
                ..Default::default()
            });
            let x = service::create(ctx, &v).await?;
            writeln!(out, "added {} ({})", x.id, x.name)?;
        }
        Command::Edit { id, name, fields } => {
            let current = service::get(ctx, &id).await?;
            let mut v = fields.apply(RoleInput::from(&current));
            if let Some(n) = name {
                v.name = n;
            }
            let x = service::update(ctx, &id, Some(current.revision), &v).await?;
            writeln!(out, "saved {} (revision {})", x.id, x.revision)?;
        }
        Command::Ownership { format } => {
            let o = service::ownership_view(ctx).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&o)?)?,
                Format::Csv => write!(out, "{}", super::exchange::ownership_table(&o).csv())?,
                Format::Table => {
                    let mut t = table(&["person", "roles", "owns", "to look at"]);
                    for p in &o.people {
                        t.add_row(vec![
                            if p.name.is_empty() {
                                p.email.clone()
                            } else {
                                format!("{} <{}>", p.name, p.email)
                            },
                            p.roles
                                .iter()
                                .map(|(_, n)| n.clone())
                                .collect::<Vec<_>>()
                                .join(", "),
                            p.owns
                                .iter()
                                .map(|w| w.what.clone())
                                .collect::<Vec<_>>()
                                .join(", "),
                            p.notes.join("; "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    for u in &o.unowned {
                        writeln!(out, "no one owns {}", u.what)?;
                    }
                    if !o.required_missing.is_empty() {
                        writeln!(
                            out,
                            "no one holds a role of {}",
                            o.required_missing.join(", ")
                        )?;
                    }
                }
            }
        }
        Command::Import(args) => {
            crate::cli::import_file(ctx, &super::exchange::RoleImport, &args).await?
        }
        Command::Export(args) => {
            let all = service::all(ctx).await?;
            crate::cli::write_export(&super::exchange::roles_table(&all), &args)?;
        }
    }
    Ok(())
}
