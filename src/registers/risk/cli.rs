//! `annex risk`: the risk register on the command line — list (filters built straight from
//! the flags), show, add, edit (only the flags given change, applied in the write itself),
//! import, export, FAIR ranges and the simulation.

use super::domain::{RiskFilter, RiskInput, RiskQuery, RiskSort, StatusFilter, Treatment};
use super::exchange::risks_table;
use super::service;
use crate::cli::{
    ExportArgs, Format, ImportArgs, import_with, read_text, set, table, write_export,
};
use crate::error::Error;
use crate::registers::quant::service as quant;
use crate::service::Ctx;
use anyhow::Context;
use clap::Subcommand;
use std::io::Write;
use std::path::PathBuf;

fn sort_arg(raw: &str) -> Result<RiskSort, String> {
    RiskSort::parse(raw).map_err(|e| e.to_string())
}

/// A control given as `8.13` or `iso27002-2013:9.4.2`: (framework, id).
fn control_arg(raw: &str) -> (String, String) {
    crate::domain::catalog::parse_control_refs(raw)
        .into_iter()
        .next()
        .map(|r| (r.framework, r.id))
        .unwrap_or_default()
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// List risks, filtered like the register
    #[command(
        after_help = "Examples:\n  annex risk list\n  annex risk list --level high --format json\n  annex risk list --control 8.13 --treatment modify\n  annex risk list --measure M-0042 --sort residual --limit 20"
    )]
    List {
        /// Residual level key, e.g. high
        #[arg(long)]
        level: Option<String>,
        #[arg(long)]
        owner: Option<String>,
        /// modify, retain, avoid or share
        #[arg(long, value_parser = Treatment::parse)]
        treatment: Option<Treatment>,
        /// open, in_treatment, closed, or active (not closed)
        #[arg(long, value_parser = StatusFilter::parse)]
        status: Option<StatusFilter>,
        #[arg(long)]
        asset: Option<String>,
        /// A control id: risks treated by measures that implement it
        #[arg(long)]
        control: Option<String>,
        /// A measure id: risks it treats
        #[arg(long)]
        measure: Option<String>,
        #[arg(long)]
        search: Option<String>,
        /// id, title, owner, residual (highest first), review (earliest first) or updated
        #[arg(long, default_value = "id", value_parser = sort_arg)]
        sort: RiskSort,
        /// At most this many (all when left out)
        #[arg(long)]
        limit: Option<i64>,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
    },
    /// Show one risk
    #[command(after_help = "Example:\n  annex risk show R-0042 --format json")]
    Show {
        id: String,
        #[arg(long, value_enum, default_value = "json")]
        format: Format,
    },
    /// Add a risk (an id such as R-0001 is given unless --id is)
    #[command(
        after_help = "Example:\n  annex risk add --title 'Ransomware on file servers' --owner it@example.org \\\n    --inherent-likelihood likely --inherent-impact 5 --residual-likelihood 2 --assets SRV-01"
    )]
    Add {
        #[arg(long)]
        id: Option<String>,
        #[command(flatten)]
        fields: Box<RiskFields>,
    },
    /// Change a risk; fields not given keep their value
    #[command(
        after_help = "Example:\n  annex risk edit R-0001 --residual-likelihood 1 --treatment modify"
    )]
    Edit {
        id: String,
        #[command(flatten)]
        fields: Box<RiskFields>,
    },
    /// Import risks from a CSV or XLSX file: create new ids, update existing ones, all or nothing
    #[command(
        after_help = "Examples:\n  annex risk import register.xlsx --dry-run\n  annex risk import register.csv --map 'Risk Description=title' --map 'Proposed Controls='\n\nHeaders match case-insensitively, with common synonyms ('Risk owner', 'Owner';\n'Likelihood', 'Probability'; 'Residual likelihood'). Levels may be given by name or value;\nassets by id or by name. Levels and scores are computed from the matrix; those the file\ncomputed are compared and each difference told (--adopt-matrix takes the file's matrix).\nNothing is written unless every row is valid."
    )]
    Import {
        #[command(flatten)]
        args: ImportArgs,
        /// When the file's own levels describe another matrix than Annex's, adopt it with the
        /// import (Annex's scales, the file's levels and grid; every risk's levels follow)
        #[arg(long)]
        adopt_matrix: bool,
    },
    /// Export the risk register as CSV or XLSX (the format `annex risk import` reads)
    #[command(
        after_help = "Examples:\n  annex risk export > risks.csv\n  annex risk export --format xlsx --out risks.xlsx"
    )]
    Export(ExportArgs),
    /// Show, set or remove a risk's FAIR ranges (before and after treatment)
    #[command(
        after_help = "Examples:\n  annex risk estimate R-0001\n  annex risk estimate R-0001 --set ranges.json\n  echo '{\"current\": {\"model\": \"simple\", \"lef\": {\"min\": 0.1, \"mode\": 0.5, \"max\": 2},\n    \"lm\": {\"min\": \"10k\", \"mode\": \"50k\", \"max\": \"500k\"}}}' | annex risk estimate R-0001 --set -\n  annex risk estimate R-0001 --clear\n\nThe JSON is the body of PUT /api/v1/risks/{id}/estimate. A factor is {distribution: pert|lognormal,\nmin, mode, max, lambda}; for a lognormal, min and max are the 90% interval."
    )]
    Estimate {
        id: String,
        /// A JSON file with the ranges ('-' for standard input)
        #[arg(long, conflicts_with = "clear")]
        set: Option<PathBuf>,
        /// Remove the ranges
        #[arg(long)]
        clear: bool,
    },
    /// Simulate the annual loss of every risk with ranges and of the portfolio, before and after treatment
    #[command(
        after_help = "Examples:\n  annex risk simulate\n  annex risk simulate --iterations 1000000 --seed 7 --format json --out results.json\n  annex risk simulate --format csv > results.csv\n  annex risk simulate --curves > curves.csv\n\nThe same seed gives the same numbers, whatever the number of threads."
    )]
    Simulate {
        /// Simulated years (1,000 to 10,000,000)
        #[arg(long, default_value_t = 100_000)]
        iterations: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
        #[arg(long, value_enum, default_value = "table")]
        format: Format,
        /// Write the loss-exceedance curves (CSV: risk, phase, loss, probability) instead
        #[arg(long)]
        curves: bool,
        /// Write to a file instead of standard output
        #[arg(long)]
        out: Option<PathBuf>,
    },
}

/// The fields of a risk as flags; on `edit`, flags left out keep their value.
#[derive(clap::Args, Debug, Default)]
pub struct RiskFields {
    #[arg(long)]
    title: Option<String>,
    #[arg(long)]
    threat: Option<String>,
    #[arg(long)]
    vulnerability: Option<String>,
    #[arg(long)]
    consequence: Option<String>,
    /// Anything else said about the risk
    #[arg(long)]
    notes: Option<String>,
    /// The risk owner
    #[arg(long)]
    owner: Option<String>,
    #[arg(long)]
    category: Option<String>,
    /// A likelihood step of the matrix, by value or name (no controls)
    #[arg(long)]
    inherent_likelihood: Option<String>,
    /// An impact step of the matrix, by value or name (no controls)
    #[arg(long)]
    inherent_impact: Option<String>,
    /// With the measures in place today (default: inherent)
    #[arg(long)]
    current_likelihood: Option<String>,
    #[arg(long)]
    current_impact: Option<String>,
    /// After the treatment plan (default: current)
    #[arg(long, alias = "target-likelihood")]
    residual_likelihood: Option<String>,
    #[arg(long, alias = "target-impact")]
    residual_impact: Option<String>,
    /// modify, retain, avoid or share
    #[arg(long)]
    treatment: Option<String>,
    /// open, in treatment or closed
    #[arg(long)]
    status: Option<String>,
    /// YYYY-MM-DD
    #[arg(long)]
    review_due_on: Option<String>,
    /// Comma-separated asset ids
    #[arg(long)]
    assets: Option<String>,
    /// Comma-separated measure ids
    #[arg(long)]
    measures: Option<String>,
}

impl RiskFields {
    /// Fills an input from the flags, over the values it already has.
    fn apply(self: Box<Self>, mut v: RiskInput) -> RiskInput {
        set(&mut v.title, self.title);
        set(&mut v.threat, self.threat);
        set(&mut v.vulnerability, self.vulnerability);
        set(&mut v.consequence, self.consequence);
        set(&mut v.notes, self.notes);
        set(&mut v.owner, self.owner);
        set(&mut v.category, self.category);
        set(&mut v.inherent_likelihood, self.inherent_likelihood);
        set(&mut v.inherent_impact, self.inherent_impact);
        set(&mut v.current_likelihood, self.current_likelihood);
        set(&mut v.current_impact, self.current_impact);
        set(&mut v.target_likelihood, self.residual_likelihood);
        set(&mut v.target_impact, self.residual_impact);
        set(&mut v.treatment, self.treatment);
        set(&mut v.status, self.status);
        set(&mut v.review_due_on, self.review_due_on);
        set(&mut v.assets, self.assets);
        set(&mut v.measures, self.measures);
        v
    }
}

/// Runs `annex risk …` as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<()> {
    let mut out = std::io::stdout().lock();
    let today = ctx.today();
    let matrix = service::matrix(ctx).await?;
    match c {
        Command::List {
            level,
            owner,
            treatment,
            status,
            asset,
            control,
            measure,
            search,
            sort,
            limit,
            format,
        } => {
            let query = RiskQuery {
                filter: RiskFilter {
                    level,
                    owner,
                    treatment,
                    status,
                    asset,
                    control: control.map(|c| control_arg(&c)),
                    measure,
                    text: search,
                    ..RiskFilter::default()
                },
                sort,
            };
            let query = &query;
            let risks = crate::domain::query::collect_up_to(limit, |cursor, n| async move {
                service::list(ctx, query, cursor.as_deref(), n).await
            })
            .await?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&risks)?)?,
                Format::Csv => write!(out, "{}", risks_table(&risks, &today).csv())?,
                Format::Table => {
                    let mut t = table(&[
                        "id",
                        "title",
                        "owner",
                        "inherent",
                        "residual",
                        "treatment",
                        "status",
                        "acceptance",
                    ]);
                    let name = |k: &str| {
                        matrix
                            .risk_level(k)
                            .map(|l| l.name.clone())
                            .unwrap_or_else(|| k.to_string())
                    };
                    for r in &risks {
                        t.add_row(vec![
                            r.id.clone(),
                            r.title.clone(),
                            r.owner.clone(),
                            name(&r.inherent.level),
                            name(&r.target.level),
                            r.treatment.label().to_string(),
                            r.status.label().to_string(),
                            r.acceptance
                                .as_ref()
                                .map(|a| a.state(&today).to_string())
                                .unwrap_or_default(),
                        ]);
                    }
                    writeln!(out, "{t}")?;
                    writeln!(
                        out,
                        "{}",
                        crate::domain::words::count(risks.len(), "risk", "risks")
                    )?;
                }
            }
        }
        Command::Show { id, format } => {
            let r = service::get(ctx, &id).await?;
            match format {
                Format::Csv => write!(
                    out,
                    "{}",
                    risks_table(std::slice::from_ref(&r), &today).csv()
                )?,
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&r)?)?,
                Format::Table => {
                    let t = risks_table(std::slice::from_ref(&r), &today);
                    for (k, v) in t.header.iter().zip(&t.rows[0]) {
                        writeln!(out, "{k:>20}: {v}")?;
                    }
                }
            }
        }
        Command::Add { id, fields } => {
            let input = fields.apply(RiskInput {
                id,
                ..RiskInput::default()
            });
            let r = service::create(ctx, &input).await?;
            writeln!(
                out,
                "created risk {} ({}), residual level {}",
                r.id, r.title, r.target.level
            )?;
        }
        Command::Edit { id, fields } => {
            // The flags apply to the risk as stored in the write itself: nothing another
            // person saves in between is lost.
            let (before, r) =
                service::edit(ctx, &id, None, |stored| Ok(fields.apply(stored))).await?;
            let was_renewing = before.acceptance.as_ref().is_some_and(|a| a.needs_renewal);
            writeln!(
                out,
                "saved risk {} ({}), residual level {}",
                r.id, r.title, r.target.level
            )?;
            if r.acceptance.as_ref().is_some_and(|a| a.needs_renewal) && !was_renewing {
                writeln!(
                    out,
                    "its acceptance now needs renewal: the residual rating or treatment changed"
                )?;
            }
        }
        Command::Import { args, adopt_matrix } => {
            let mut opts = args.options();
            opts.adopt_matrix = adopt_matrix;
            import_with(ctx, &super::exchange::RiskImport, &args, opts).await?
        }
        Command::Export(args) => {
            let risks = service::all(ctx, &RiskQuery::default()).await?;
            write_export(&risks_table(&risks, &today), &args)?;
        }
        Command::Estimate { id, set, clear } => {
            if clear {
                if quant::clear_fair(ctx, &id).await? {
                    writeln!(out, "removed the ranges of {id}")?;
                } else {
                    writeln!(out, "{id} had no ranges")?;
                }
            } else if let Some(path) = set {
                let text = read_text(&path)?;
                let input: crate::registers::quant::domain::FairInput = serde_json::from_str(&text)
                    .map_err(|e| {
                        Error::BadRequest(format!("the ranges are not valid JSON: {e}"))
                    })?;
                let fair = input.parse()?;
                quant::set_fair(ctx, &id, &fair).await?;
                writeln!(out, "saved the ranges of {id}")?;
            } else {
                match quant::fair(ctx, &id).await? {
                    Some(f) => writeln!(
                        out,
                        "{}",
                        serde_json::to_string_pretty(
                            &crate::registers::quant::domain::FairInput::of(&f.fair)
                        )?
                    )?,
                    None => {
                        return Err(Error::NotFound(format!(
                            "ranges of {id} (set them with --set FILE)"
                        ))
                        .into());
                    }
                }
            }
        }
        Command::Simulate {
            iterations,
            seed,
            format,
            curves,
            out: file,
        } => {
            drop(out);
            simulate(ctx, iterations, seed, format, curves, file).await?;
        }
    }
    Ok(())
}

/// `annex risk simulate`: the analysis with a progress bar on a terminal.
async fn simulate(
    ctx: &Ctx,
    iterations: u64,
    seed: u64,
    format: Format,
    curves: bool,
    file: Option<PathBuf>,
) -> anyhow::Result<()> {
    let opts = crate::domain::montecarlo::Options { iterations, seed };
    let started = std::time::Instant::now();
    let bar = crate::cli::progress::Progress::bar("simulating", 100);
    let handle = bar.clone();
    let progress = move |done: u64, total: u64| {
        if let Some(percent) = done.saturating_mul(100).checked_div(total) {
            handle.set(percent);
        }
    };
    let (analysis, settings) = quant::simulate(ctx, opts, progress)
        .await
        .map_err(|e| match e {
            Error::Validation(f) if f.iter().any(|f| f.field == "iterations") => {
                Error::BadRequest(format!(
                    "--iterations {iterations}: give 1,000 to {}",
                    crate::domain::montecarlo::MAX_ITERATIONS
                ))
            }
            other => other,
        })?;
    drop(bar);
    let elapsed = started.elapsed();
    let text = if curves {
        crate::registers::quant::exchange::curves_table(&analysis).csv()
    } else {
        match format {
            Format::Json => {
                let mut v = serde_json::to_value(&analysis)?;
                v["currency"] = serde_json::json!(settings.currency);
                serde_json::to_string_pretty(&v)? + "\n"
            }
            Format::Csv => {
                crate::registers::quant::exchange::analysis_table(&analysis, &settings.currency)
                    .csv()
            }
            Format::Table => simulation_table(&analysis, &settings.currency),
        }
    };
    match file {
        Some(path) => {
            std::fs::write(&path, text)
                .with_context(|| format!("cannot write {}", path.display()))?;
            eprintln!("wrote {}", path.display());
        }
        None => std::io::stdout().lock().write_all(text.as_bytes())?,
    }
    eprintln!(
        "{} risks × {} iterations, seed {}, in {:.0} ms",
        analysis.risks.len(),
        analysis.iterations,
        analysis.seed,
        elapsed.as_secs_f64() * 1000.0
    );
    Ok(())
}

fn simulation_table(a: &crate::registers::quant::domain::Analysis, currency: &str) -> String {
    use crate::domain::montecarlo::Summary;
    use crate::web::chart::money_short as m;
    let mut t = table(&[
        "risk",
        "title",
        "mean before",
        "mean after",
        "p95 before",
        "p95 after",
        "p99 before",
        "p99 after",
        "plan cost",
        "tail share",
    ]);
    let row = |id: String, title: String, c: &Summary, r: &Summary, cost: i64, share: String| {
        vec![
            id,
            title,
            m(c.mean, currency),
            m(r.mean, currency),
            m(c.p95, currency),
            m(r.p95, currency),
            m(c.p99, currency),
            m(r.p99, currency),
            m(cost as f64, currency),
            share,
        ]
    };
    for r in &a.risks {
        let share = if a.current_shortfall > 0.0 {
            format!("{:.1}%", r.tail_current / a.current_shortfall * 100.0)
        } else {
            "—".into()
        };
        t.add_row(row(
            r.id.clone(),
            r.title.clone(),
            &r.current,
            &r.residual,
            r.plan_cost,
            share,
        ));
    }
    t.add_row(row(
        "portfolio".into(),
        format!("{} risks", a.risks.len()),
        &a.current,
        &a.residual,
        a.plan_cost,
        "100%".into(),
    ));
    let mut out = format!("{t}\n");
    for b in &a.breaches {
        out.push_str(&format!(
            "outside the risk appetite ({}): {:.1}% chance of losing more than {} a year, {:.1}% tolerated\n",
            b.phase.key(),
            b.simulated * 100.0,
            m(b.loss, currency),
            b.tolerated * 100.0
        ));
    }
    out
}
