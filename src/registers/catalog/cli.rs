//! `annex catalog`: list and show controls, map them between frameworks, list frameworks.

use super::exchange::controls_table;
use super::service::{self, ControlDetail};
use crate::cli::{Format, table};
use crate::domain::catalog::ControlFilter;
use crate::service::Ctx;
use clap::Subcommand;
use std::io::Write;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List controls, filtered by theme, attribute values and text
    #[command(
        after_help = "Examples:\n  annex catalog list\n  annex catalog list --theme technological --attr control_type=Detective\n  annex catalog list --attr security_domains=Resilience --format json\n  annex catalog list --framework iso27002-2013 --search password --format csv"
    )]
    List {
        #[arg(long, default_value = "iso27002-2022")]
        framework: String,
        #[arg(long)]
        theme: Option<String>,
        /// KEY=VALUE, repeatable: control_type=Preventive
        #[arg(long = "attr", value_name = "KEY=VALUE")]
        attrs: Vec<String>,
        #[arg(long)]
        search: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show one control with its attributes and mappings
    #[command(
        after_help = "Examples:\n  annex catalog show 8.13\n  annex catalog show 12.3.1 --framework iso27002-2013"
    )]
    Show {
        id: String,
        #[arg(long, default_value = "iso27002-2022")]
        framework: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show which controls of one framework correspond to a control of another
    #[command(
        after_help = "Examples:\n  annex catalog map 12.3.1 --from iso27002-2013 --to iso27002-2022\n  annex catalog map 5.18 --from iso27002-2022 --to iso27002-2013"
    )]
    Map {
        id: String,
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
    },
    /// List the frameworks in the store
    #[command(after_help = "Example:\n  annex catalog frameworks")]
    Frameworks,
}

/// Runs a catalogue command as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    match c {
        Command::List {
            framework,
            theme,
            attrs,
            search,
            format,
        } => {
            let filter = ControlFilter::parse(theme.as_deref(), &attrs, search.as_deref())?;
            let catalog = service::catalog(ctx, &framework).await?;
            let controls = catalog.select(&filter)?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&controls)?)?,
                Format::Csv => write!(out, "{}", controls_table(&controls, &catalog).csv())?,
                Format::Table => {
                    let mut t = table(&["id", "title", "theme", "attributes"]);
                    for c in &controls {
                        let attrs: Vec<String> =
                            c.attributes.values().map(|v| v.join(", ")).collect();
                        t.add_row(vec![
                            c.id.clone(),
                            c.title.clone(),
                            c.theme.clone(),
                            attrs.join(" · "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(controls.len(), "control", "controls")
                    )?;
                }
            }
        }
        Command::Show {
            id,
            framework,
            format,
        } => {
            let ControlDetail {
                control,
                mapped,
                new_relative_to: new_since,
            } = service::control(ctx, &framework, &id).await?;
            match format {
                Format::Json => {
                    let mut v = serde_json::to_value(&control)?;
                    v["mapped"] = serde_json::to_value(&mapped)?;
                    v["new_relative_to"] = serde_json::to_value(&new_since)?;
                    writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
                }
                Format::Csv => write!(
                    out,
                    "{}",
                    controls_table(
                        std::slice::from_ref(&control),
                        &*service::catalog(ctx, &framework).await?
                    )
                    .csv()
                )?,
                Format::Table => {
                    writeln!(
                        out,
                        "{} {} ({})",
                        control.id, control.title, control.framework
                    )?;
                    writeln!(out, "theme: {}", control.theme)?;
                    if let Some(g) = &control.group {
                        writeln!(out, "group: {g}")?;
                    }
                    for (k, v) in &control.attributes {
                        writeln!(out, "{k}: {}", v.join(", "))?;
                    }
                    if !control.summary.is_empty() {
                        writeln!(out, "\n{}\n", control.summary)?;
                    }
                    for f in &new_since {
                        writeln!(out, "new: no predecessor in {f}")?;
                    }
                    for m in &mapped {
                        writeln!(out, "maps to {} {} {}", m.framework, m.id, m.title)?;
                    }
                }
            }
        }
        Command::Map { id, from, to } => {
            let (mapped, new) = service::map(ctx, &from, &id, &to).await?;
            let id = crate::domain::catalog::normalise_control_id(&id);
            if mapped.is_empty() {
                if new {
                    writeln!(out, "{from} {id} is new: it has no counterpart in {to}")?;
                } else {
                    writeln!(out, "{from} {id} has no mapping to {to}")?;
                }
            }
            for m in mapped {
                writeln!(out, "{}\t{}", m.id, m.title)?;
            }
        }
        Command::Frameworks => {
            let mut t = table(&["id", "name", "controls", "data version"]);
            for f in service::frameworks(ctx).await? {
                t.add_row(vec![
                    f.id,
                    f.name,
                    f.control_count.to_string(),
                    f.data_version.to_string(),
                ]);
            }
            writeln!(out, "{t}")?;
        }
    }
    Ok(())
}
