//! `annex asset`: the asset register on the command line — list (filters built straight from
//! the flags), show, add, edit (only the flags given change, applied in the write itself),
//! import and export.

use super::domain::{AssetFilter, AssetInput, AssetQuery, AssetSort, Lifecycle};
use super::exchange::assets_table;
use super::service;
use crate::cli::{ExportArgs, Format, ImportArgs, import_file, set, table, write_export};
use crate::service::Ctx;
use clap::Subcommand;
use std::io::Write;

fn sort_arg(raw: &str) -> Result<AssetSort, String> {
    AssetSort::parse(raw).map_err(|e| e.to_string())
}

/// The fields of an asset as flags; on `edit`, flags left out keep their value.
#[derive(clap::Args, Debug, Default)]
pub struct AssetFields {
    #[arg(long)]
    name: Option<String>,
    /// Asset type, by key or name: information, software, hardware, service, people, site, supplier-provided
    #[arg(long = "type", value_name = "TYPE")]
    asset_type: Option<String>,
    #[arg(long)]
    description: Option<String>,
    #[arg(long)]
    owner: Option<String>,
    #[arg(long)]
    custodian: Option<String>,
    #[arg(long)]
    location: Option<String>,
    /// Classification level, by key or name (public, internal, confidential, restricted)
    #[arg(long)]
    classification: Option<String>,
    /// Impact step of the risk matrix, by value or name
    #[arg(long)]
    confidentiality: Option<String>,
    #[arg(long)]
    integrity: Option<String>,
    #[arg(long)]
    availability: Option<String>,
    /// planned, in use, retired or disposed
    #[arg(long)]
    lifecycle: Option<String>,
    /// Comma-separated tags
    #[arg(long)]
    tags: Option<String>,
    /// Comma-separated ids of the assets this one depends on
    #[arg(long)]
    depends_on: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    last_reviewed_on: Option<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List assets, filtered and sorted
    #[command(
        after_help = "Examples:\n  annex asset list\n  annex asset list --type hardware --classification restricted --format json\n  annex asset list --tag crown-jewel --sort updated --limit 20"
    )]
    List {
        #[arg(long = "type")]
        asset_type: Option<String>,
        #[arg(long)]
        classification: Option<String>,
        /// planned, in_use, retired or disposed
        #[arg(long, value_parser = Lifecycle::parse)]
        lifecycle: Option<Lifecycle>,
        #[arg(long)]
        owner: Option<String>,
        #[arg(long)]
        tag: Option<String>,
        #[arg(long)]
        search: Option<String>,
        /// name, id, type, owner, classification, lifecycle or updated
        #[arg(long, default_value = "name", value_parser = sort_arg)]
        sort: AssetSort,
        /// At most this many (all when left out)
        #[arg(long)]
        limit: Option<i64>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show one asset
    #[command(after_help = "Example:\n  annex asset show SRV-01 --format json")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Add an asset (an id such as A-0001 is given unless --id is)
    #[command(
        after_help = "Example:\n  annex asset add --id SRV-01 --name 'Web server' --type hardware --classification internal --availability 4 --tags dmz,linux"
    )]
    Add {
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        fields: Box<AssetFields>,
    },
    /// Import assets from a CSV or XLSX file: create new ids, update existing ones, all or nothing
    #[command(
        after_help = "Examples:\n  annex asset import inventory.csv --dry-run\n  annex asset import inventory.xlsx --sheet 'Asset Register' --map 'Asset Tag=id' --map 'Data Owner=owner'\n\nHeaders match case-insensitively, with common synonyms ('Asset name', 'Owner', 'Type',\n'Classification', 'C'/'I'/'A', 'Status', 'Depends on'). Levels may be given by name or value.\nNothing is written unless every row is valid."
    )]
    Import(ImportArgs),
    /// Export assets as CSV or XLSX (the format `annex asset import` reads)
    #[command(
        after_help = "Examples:\n  annex asset export > assets.csv\n  annex asset export --format xlsx --out assets.xlsx"
    )]
    Export(ExportArgs),
    /// Change an asset; fields not given keep their value
    #[command(
        after_help = "Example:\n  annex asset edit SRV-01 --owner ops@example.org --lifecycle retired"
    )]
    Edit {
        id: String,
        #[command(flatten)]
        fields: Box<AssetFields>,
    },
}

impl AssetFields {
    /// Fills an input from the flags, over the values it already has.
    fn apply(self: Box<Self>, mut v: AssetInput) -> AssetInput {
        set(&mut v.name, self.name);
        set(&mut v.asset_type, self.asset_type);
        set(&mut v.description, self.description);
        set(&mut v.owner, self.owner);
        set(&mut v.custodian, self.custodian);
        set(&mut v.location, self.location);
        set(&mut v.classification, self.classification);
        set(&mut v.confidentiality, self.confidentiality);
        set(&mut v.integrity, self.integrity);
        set(&mut v.availability, self.availability);
        set(&mut v.lifecycle, self.lifecycle);
        set(&mut v.tags, self.tags);
        set(&mut v.depends_on, self.depends_on);
        set(&mut v.last_reviewed_on, self.last_reviewed_on);
        v
    }
}

/// Runs `annex asset …` as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let settings = service::settings(ctx).await?;
    match c {
        Command::List {
            asset_type,
            classification,
            lifecycle,
            owner,
            tag,
            search,
            sort,
            limit,
            format,
        } => {
            let query = AssetQuery {
                filter: AssetFilter {
                    asset_type,
                    owner,
                    classification,
                    lifecycle,
                    tag,
                    text: search,
                },
                sort,
            };
            let query = &query;
            let assets = crate::domain::query::collect_up_to(limit, |cursor, n| async move {
                service::list(ctx, query, cursor.as_deref(), n).await
            })
            .await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&assets)?)?,
                Format::Csv => write!(
                    out,
                    "{}",
                    assets_table(&assets, &service::settings(ctx).await?).csv()
                )?,
                Format::Table => {
                    let mut t = table(&[
                        "id",
                        "name",
                        "type",
                        "owner",
                        "classification",
                        "status",
                        "tags",
                    ]);
                    for a in &assets {
                        t.add_row(vec![
                            a.id.clone(),
                            a.name.clone(),
                            settings.type_name(&a.asset_type),
                            a.owner.clone(),
                            settings.level_name(&a.classification),
                            a.lifecycle.label().to_string(),
                            a.tags.join(", "),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(assets.len(), "asset", "assets")
                    )?;
                }
            }
        }
        Command::Show { id, format } => {
            let a = service::get(ctx, &id).await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&a)?)?,
                Format::Csv => write!(
                    out,
                    "{}",
                    assets_table(std::slice::from_ref(&a), &service::settings(ctx).await?).csv()
                )?,
                Format::Table => {
                    let v = AssetInput::from(&a);
                    for (k, val) in [
                        ("id", a.id.as_str()),
                        ("name", &v.name),
                        ("type", &settings.type_name(&a.asset_type)),
                        ("classification", &settings.level_name(&a.classification)),
                        ("owner", &v.owner),
                        ("custodian", &v.custodian),
                        ("location", &v.location),
                        ("confidentiality", &v.confidentiality),
                        ("integrity", &v.integrity),
                        ("availability", &v.availability),
                        ("status", a.lifecycle.label()),
                        ("tags", &v.tags),
                        ("depends on", &v.depends_on),
                        ("last reviewed", &v.last_reviewed_on),
                        ("description", &v.description),
                    ] {
                        writeln!(out, "{k:>15}: {val}")?;
                    }
                }
            }
        }
        Command::Export(args) => {
            let assets = service::all(ctx, &AssetQuery::default()).await?;
            write_export(
                &assets_table(&assets, &service::settings(ctx).await?),
                &args,
            )?;
        }
        Command::Import(args) => import_file(ctx, &super::exchange::AssetImport, &args).await?,
        Command::Add { id, fields } => {
            let input = fields.apply(AssetInput {
                id,
                lifecycle: "in_use".into(),
                ..AssetInput::default()
            });
            let a = service::create(ctx, &input).await?;
            writeln!(out, "created asset {} ({})", a.id, a.name)?;
        }
        Command::Edit { id, fields } => {
            // The flags apply to the asset as stored, inside the write.
            let (_, a) = service::edit(ctx, &id, None, |stored| Ok(fields.apply(stored))).await?;
            writeln!(out, "saved asset {} ({})", a.id, a.name)?;
        }
    }
    Ok(())
}
