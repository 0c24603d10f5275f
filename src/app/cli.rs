//! The `annex` command line: serve, init, config, users, API tokens, catalogues and the audit
//! trail. Every command goes through the same store use cases as the web UI and the API.

use crate::app;

use crate::config::{Config, Flags};
use crate::domain::clock::Clock;
use crate::service::{Actor, Ctx, Services};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "annex",
    version,
    about = "Annex: an information security management system for ISO/IEC 27001 and the ISO/IEC 27002:2022 controls",
    after_help = "Examples:\n  annex serve                       start on SQLite in ./annex-data and print the URL\n  annex --database postgres://postgres@127.0.0.1/annex serve\n  annex catalog list --attr control_type=Detective\n  annex user add --email ada@example.org --name 'Ada Lovelace' --role admin\n\nExit status: 0 done; 1 unexpected error (database unreachable, file not writable); 2 bad\ncommand line, or the audit trail is broken; 3 invalid input (a value, a file, a row); 4 not\nfound; 5 conflict (exists already, or changed since it was read); 6 refused (not allowed,\nor not possible in this state)."
)]
pub struct Cli {
    /// Folder for the database, backups and annex.toml [env: ANNEX_DATA_DIR] [default: ./annex-data]
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// sqlite://PATH or postgres://USER@HOST[:PORT]/DB [env: ANNEX_DATABASE_URL]
    #[arg(long, global = true, value_name = "URL")]
    database: Option<String>,
    /// Config file to read instead of DIR/annex.toml [env: ANNEX_CONFIG]
    #[arg(long, global = true, value_name = "FILE")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Prepare the store and serve the web UI and the API
    #[command(
        after_help = "Examples:\n  annex serve\n  annex serve --bind 0.0.0.0:8080\n\nCreates the data dir and database if missing, applies migrations, loads the\ncatalogues, prints the URL to open. Stops cleanly on Ctrl-C or SIGTERM."
    )]
    Serve {
        /// Address to listen on [env: ANNEX_BIND] [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        bind: Option<String>,
    },
    /// Prepare the data dir and database without serving (safe to run again)
    #[command(after_help = "Example:\n  annex --data-dir /var/lib/annex init")]
    Init,
    /// Print the resolved configuration (secrets redacted)
    #[command(after_help = "Example:\n  ANNEX_BIND=0.0.0.0:9000 annex config")]
    Config,
    /// The registers' commands: user, token, catalog, audit, asset, risk, measure, soa, evidence
    #[command(flatten)]
    Register(crate::registers::Command),
    /// Check this host (or a mounted root) for the technological controls of ISO/IEC 27002
    #[command(
        after_help = "Examples:\n  annex scan\n  annex scan --only 8.5,8.9\n  annex scan --root /mnt/image --format json --out scan.json\n  annex scan --format sarif > annex.sarif\n  annex scan --list\n\nReads files only: no network, no programs run. Checks that need a root-only file say\n'not applicable: permission denied' when run as another user. Exit status 0; with\n--strict, 1 when a check fails.\n\nReporting: --report-to https://HOST[:PORT][/PATH] --token T (or ANNEX_AGENT_TOKEN) posts\nthe JSON report to HOST's /api/v1/scans after the scan, whatever --format prints; a refused\nreport prints the server's message and exits with 1. The server's certificate must chain\nto the system's certificate store or to a CA of --ca-cert FILE (PEM). http:// works too,\nbut warns that the token travels unencrypted unless HOST is this host (localhost,\n127.0.0.0/8, ::1)."
    )]
    Scan(crate::scan::cli::Args),
    /// Fill an empty store with a made-up organisation's registers (to try Annex, or benchmark)
    #[command(
        after_help = "Examples:\n  annex --data-dir /tmp/annex-demo demo\n  annex --data-dir /tmp/annex-big demo --size large\n\nsmall: 200 assets, 60 measures, 120 risks, 100 evidence links, 100 people. medium: 2,000\nassets, 1,000 measures, 5,000 risks, 10,000 evidence links, 1,000 people. large: 100,000\nassets, 2,000 measures, 100,000 risks, 10,000 evidence links, 10,000 people and 20\npublished documents they acknowledge. huge: as large, with 1,000,000 assets and 1,000,000
risks (the million-row benchmark). The same seed gives the same data. Refuses a store that holds assets or risks."
    )]
    Demo {
        /// small, medium, large or huge (1,000,000 assets and 1,000,000 risks)
        #[arg(long, default_value = "small")]
        size: String,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

/// Entry point of the binary.
pub fn main() -> anyhow::Result<ExitCode> {
    let cli = Cli::parse();
    if let Command::Scan(a) = &cli.command {
        return crate::scan::cli::run(a);
    }
    let flags = Flags {
        data_dir: cli.data_dir.clone(),
        config: cli.config.clone(),
        database_url: cli.database.clone(),
        bind: match &cli.command {
            Command::Serve { bind } => bind.clone(),
            _ => None,
        },
    };
    let config = Config::load(&flags)?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(run(cli.command, config))
}

async fn run(command: Command, config: Config) -> anyhow::Result<ExitCode> {
    match command {
        Command::Serve { .. } => {
            super::serve::run(config).await?;
        }
        Command::Init => {
            let (store, report) = app::prepare(&config, Clock::system()).await?;
            println!(
                "Annex is ready in {} ({}). Catalogues loaded: {}; already up to date: {}.",
                config.data_dir.display(),
                crate::config::redact_url(&config.database_url),
                list_or_none(&report.loaded),
                list_or_none(&report.unchanged)
            );
            if !store.is_set_up().await? {
                println!(
                    "No user yet: run `annex serve` and open it in a browser, or `annex user add --role admin ...`."
                );
            }
            store.close().await;
        }
        Command::Config => print!("{}", config.to_redacted_toml()),
        Command::Register(c) => {
            return as_operator(&config, async |ctx| crate::registers::run(c, ctx).await).await;
        }
        Command::Scan(a) => return crate::scan::cli::run(&a),
        Command::Demo { size, seed } => {
            let store = app::open(&config).await?;
            let size = crate::service::demo::Size::parse(&size)?;
            let started = std::time::Instant::now();
            let ctx = Services::new(store.clone()).ctx(Actor::operator());
            let spinner = crate::cli::progress::Progress::spinner("making demo data");
            let made = crate::service::demo::generate(&ctx, size, seed).await?;
            drop(spinner);
            println!(
                "demo data in {}: {} assets, {} measures, {} risks ({} with FAIR ranges), {} acceptances, {} evidence items, {} hosts reporting scans, {} documents, {} people, {} acknowledgements, {} training completions, {} business processes, {} exercises, {} incidents, {} suppliers, {} obligations, {} processing activities, {} issues of the context and an approved scope, {} roles, {} internal audits, {} nonconformities, {} management reviews, {} written tasks ({:.1} s)",
                config.data_dir.display(),
                made.assets,
                made.measures,
                made.risks,
                made.quantified,
                made.acceptances,
                made.evidence,
                made.hosts,
                made.documents,
                made.people,
                made.acknowledgements,
                made.completions,
                made.processes,
                made.exercises,
                made.incidents,
                made.suppliers,
                made.obligations,
                made.processing,
                made.issues,
                made.roles,
                made.audits,
                made.nonconformities,
                made.reviews,
                made.tasks,
                started.elapsed().as_secs_f64()
            );
            let set_up = crate::service::access::is_set_up(&Services::new(store.clone())).await?;
            println!("{}", demo_sign_in(set_up, &config));
            store.close().await;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// How to see the demo data: the first page creates the administrator on a store without
/// accounts (the demo makes none, so that no known password is left on a server).
fn demo_sign_in(set_up: bool, config: &Config) -> String {
    let data_dir = config.data_dir.display();
    let url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.bind));
    if set_up {
        format!(
            "to see it: annex --data-dir {data_dir} serve, then sign in at {url} with an account of this store"
        )
    } else {
        format!(
            "to see it: annex --data-dir {data_dir} serve, then open {url}: the first page creates the administrator\n  (or first: annex --data-dir {data_dir} user add --email you@example.org --name \"Your Name\" --role admin)"
        )
    }
}

/// Runs a register's command as the local operator on the configured store, and closes the
/// store whatever happened.
async fn as_operator<T>(
    config: &Config,
    command: impl AsyncFnOnce(&Ctx) -> anyhow::Result<T>,
) -> anyhow::Result<T> {
    let services = Services::configured(app::open(config).await?, config);
    // Tables and exports show moments in the organisation's time zone.
    let zone = services.time_zone().await;
    let ctx = services.ctx(Actor::operator());
    let result = crate::domain::clock::in_zone(&zone, command(&ctx)).await;
    services.close().await;
    result
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}
