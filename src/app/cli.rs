//! The `annex` command line: serve, init, config, users, API tokens, catalogues and the audit
//! trail. Every command goes through the same store use cases as the web UI and the API.

use crate::app;

use crate::cli::{Format, table};
use crate::config::{Config, Flags};
use crate::domain::catalog::ControlFilter;
use crate::domain::clock::{Clock, display};
use crate::domain::user::{Email, Password, PersonName, Role};
use crate::service::{Actor, Services};
use crate::store::{NewUser, Store, UserUpdate};
use anyhow::Context;
use clap::{Parser, Subcommand};
use std::io::{BufRead, Write};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser, Debug)]
#[command(
    name = "annex",
    version,
    about = "Annex: an information security management system for ISO/IEC 27001 and the ISO/IEC 27002:2022 controls",
    after_help = "Examples:\n  annex serve                       start on SQLite in ./annex-data and print the URL\n  annex --database postgres://postgres@127.0.0.1/annex serve\n  annex catalog list --attr control_type=Detective\n  annex user add --email ada@example.org --name 'Ada Lovelace' --role admin"
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
    /// Manage user accounts
    #[command(subcommand)]
    User(UserCommand),
    /// Manage API tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Browse the control catalogues
    #[command(subcommand)]
    Catalog(crate::registers::catalog::cli::Command),
    /// Check the audit trail
    #[command(subcommand)]
    Audit(crate::registers::audit::cli::Command),
    /// Manage the asset inventory
    #[command(subcommand)]
    Asset(crate::registers::asset::cli::Command),
    /// Manage the risk register
    #[command(subcommand)]
    Risk(crate::registers::risk::cli::Command),
    /// Manage the treatment plan (measures)
    #[command(subcommand)]
    Measure(crate::registers::measure::cli::Command),
    /// Read and record the Statement of Applicability
    #[command(subcommand)]
    Soa(crate::registers::soa::cli::Command),
    /// Keep evidence: files and links that prove controls work
    #[command(subcommand)]
    Evidence(crate::registers::evidence::cli::Command),
    /// Check this host (or a mounted root) for the technological controls of ISO/IEC 27002
    #[command(
        after_help = "Examples:\n  annex scan\n  annex scan --only 8.5,8.9\n  annex scan --root /mnt/image --format json --out scan.json\n  annex scan --format sarif > annex.sarif\n  annex scan --list\n\nReads files only: no network, no programs run. Checks that need a root-only file say\n'not applicable: permission denied' when run as another user. Exit status 0; with\n--strict, 1 when a check fails.\n\nReporting: --report-to https://HOST[:PORT][/PATH] --token T (or ANNEX_AGENT_TOKEN) posts\nthe JSON report to HOST's /api/v1/scans after the scan, whatever --format prints; a refused\nreport prints the server's message and exits with 1. The server's certificate must chain\nto the system's certificate store or to a CA of --ca-cert FILE (PEM). http:// works too,\nbut warns that the token travels unencrypted unless HOST is this host (localhost,\n127.0.0.0/8, ::1)."
    )]
    Scan(crate::scan::cli::Args),
    /// Fill an empty store with a made-up organisation's registers (to try Annex, or benchmark)
    #[command(
        after_help = "Examples:\n  annex --data-dir /tmp/annex-demo demo\n  annex --data-dir /tmp/annex-big demo --size large\n\nsmall: 200 assets, 60 measures, 120 risks, 100 evidence links. medium: 2,000 assets,\n1,000 measures, 5,000 risks, 10,000 evidence links. large: 100,000 assets, 2,000 measures,\n100,000 risks, 10,000 evidence links. The same seed gives the same data. Refuses a store that holds assets or risks."
    )]
    Demo {
        /// small, medium or large
        #[arg(long, default_value = "small")]
        size: String,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
    },
}

#[derive(Subcommand, Debug)]
enum UserCommand {
    /// Create a user; prints a generated password unless --password-stdin is given
    #[command(
        after_help = "Examples:\n  annex user add --email ada@example.org --name 'Ada Lovelace' --role admin\n  printf '%s\\n' \"$PASSWORD\" | annex user add --email bob@example.org --name Bob --role viewer --password-stdin\n\nRoles: admin, manager, contributor, auditor, viewer, agent (a host's scanner: API tokens only)."
    )]
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        role: String,
        /// Read the password from the first line of standard input
        #[arg(long)]
        password_stdin: bool,
    },
    /// List users
    #[command(after_help = "Example:\n  annex user list")]
    List,
    /// Set a user's password; ends their sessions
    #[command(
        after_help = "Examples:\n  annex user passwd --email ada@example.org            (generates one)\n  annex user passwd --email ada@example.org --password-stdin < pw.txt"
    )]
    Passwd {
        #[arg(long)]
        email: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Disable a user; ends their sessions, keeps their history
    #[command(after_help = "Example:\n  annex user disable --email bob@example.org")]
    Disable {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand, Debug)]
enum TokenCommand {
    /// Create an API token for a user and print it once
    #[command(
        after_help = "Example:\n  annex token create --email ci@example.org --name ci-pipeline --expires-in-days 90\n\nUse it as: curl -H \"Authorization: Bearer $TOKEN\" http://127.0.0.1:8080/api/v1/frameworks"
    )]
    Create {
        #[arg(long)]
        email: String,
        /// A label that says where the token is used
        #[arg(long)]
        name: String,
        #[arg(long, value_name = "N")]
        expires_in_days: Option<i64>,
    },
    /// List API tokens (never their secrets)
    #[command(after_help = "Example:\n  annex token list")]
    List,
    /// Revoke an API token by its id
    #[command(after_help = "Example:\n  annex token revoke 3f9a0c21b7d4")]
    Revoke { id: String },
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

fn actor() -> String {
    let who = std::env::var("USER")
        .or_else(|_| std::env::var("LOGNAME"))
        .unwrap_or_else(|_| "unknown".into());
    format!("cli:{who}")
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
        Command::User(c) => user_command(c, &app::open(&config).await?).await?,
        Command::Token(c) => token_command(c, &app::open(&config).await?).await?,
        Command::Catalog(c) => {
            let services = Services::new(app::open(&config).await?);
            let r = crate::registers::catalog::cli::run(c, &services.ctx(Actor::operator())).await;
            services.close().await;
            r?
        }
        Command::Asset(c) => {
            let services = Services::new(app::open(&config).await?);
            let r = crate::registers::asset::cli::run(c, &services.ctx(Actor::operator())).await;
            services.close().await;
            r?
        }
        Command::Risk(c) => {
            let services = Services::new(app::open(&config).await?);
            let r = crate::registers::risk::cli::run(c, &services.ctx(Actor::operator())).await;
            services.close().await;
            r?
        }
        Command::Measure(c) => {
            let services = Services::new(app::open(&config).await?);
            let r = crate::registers::measure::cli::run(c, &services.ctx(Actor::operator())).await;
            services.close().await;
            r?
        }
        Command::Soa(c) => {
            let services = Services::new(app::open(&config).await?);
            let r = crate::registers::soa::cli::run(c, &services.ctx(Actor::operator())).await;
            services.close().await;
            r?
        }
        Command::Evidence(c) => {
            let services = Services::configured(app::open(&config).await?, &config);
            let r = crate::registers::evidence::cli::run(c, &services.ctx(Actor::operator())).await;
            services.close().await;
            r?
        }
        Command::Scan(a) => return crate::scan::cli::run(&a),
        Command::Demo { size, seed } => {
            let store = app::open(&config).await?;
            let size = crate::service::demo::Size::parse(&size)?;
            let started = std::time::Instant::now();
            let ctx = Services::new(store.clone()).ctx(Actor::operator());
            let made = crate::service::demo::generate(&ctx, size, seed).await?;
            println!(
                "demo data in {}: {} assets, {} measures, {} risks ({} with FAIR ranges), {} acceptances, {} evidence items, {} hosts reporting scans ({:.1} s)",
                config.data_dir.display(),
                made.assets,
                made.measures,
                made.risks,
                made.quantified,
                made.acceptances,
                made.evidence,
                made.hosts,
                started.elapsed().as_secs_f64()
            );
            store.close().await;
        }
        Command::Audit(c) => {
            let services = Services::new(app::open(&config).await?);
            let r = crate::registers::audit::cli::run(c, &services.ctx(Actor::operator())).await;
            services.close().await;
            return r;
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn list_or_none(v: &[String]) -> String {
    if v.is_empty() {
        "none".into()
    } else {
        v.join(", ")
    }
}

fn password_from(stdin: bool) -> anyhow::Result<(Password, bool)> {
    if !stdin {
        return Ok((Password::generate(), true));
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    let line = line.trim_end_matches(['\r', '\n']);
    let p = Password::parse(line).map_err(|e| anyhow::anyhow!("password: {e}"))?;
    Ok((p, false))
}

fn parse_arg<T>(field: &str, r: Result<T, String>) -> anyhow::Result<T> {
    r.map_err(|e| anyhow::anyhow!("{field}: {e}"))
}

async fn user_command(c: UserCommand, store: &Store) -> anyhow::Result<()> {
    let actor = actor();
    match c {
        UserCommand::Add {
            email,
            name,
            role,
            password_stdin,
        } => {
            let email = parse_arg("--email", Email::parse(&email))?;
            let name = parse_arg("--name", PersonName::parse(&name))?;
            let role: Role = parse_arg("--role", role.parse())?;
            let (password, generated) = password_from(password_stdin)?;
            let was_set_up = store.is_set_up().await?;
            let user = store
                .create_user(
                    &actor,
                    NewUser {
                        email,
                        name,
                        role,
                        password_hash: Some(password.hash()?),
                    },
                )
                .await?;
            println!("created {} <{}> as {}", user.name, user.email, user.role);
            if generated {
                println!(
                    "password (shown once, ask them to change it): {}",
                    password.reveal()
                );
            }
            if !was_set_up {
                println!(
                    "note: the organisation has no name yet; an admin can set it in the web UI."
                );
            }
        }
        UserCommand::List => {
            let mut t = table(&["email", "name", "role", "status", "created"]);
            for u in store.list_users().await? {
                t.add_row(vec![
                    u.email,
                    u.name,
                    u.role.to_string(),
                    if u.disabled {
                        "disabled".into()
                    } else {
                        "active".into()
                    },
                    display(&u.created_at),
                ]);
            }
            println!("{t}");
        }
        UserCommand::Passwd {
            email,
            password_stdin,
        } => {
            let email = parse_arg("--email", Email::parse(&email))?;
            let user = store.user_by_email(&email).await?;
            let (password, generated) = password_from(password_stdin)?;
            store
                .set_password(&actor, &user.id, &password.hash()?)
                .await?;
            println!(
                "password changed for {}; their sessions were ended",
                user.email
            );
            if generated {
                println!("new password (shown once): {}", password.reveal());
            }
        }
        UserCommand::Disable { email } => {
            let email = parse_arg("--email", Email::parse(&email))?;
            let user = store.user_by_email(&email).await?;
            store
                .update_user(
                    &actor,
                    &user.id,
                    UserUpdate {
                        disabled: Some(true),
                        ..UserUpdate::default()
                    },
                )
                .await?;
            println!("disabled {}; their sessions were ended", user.email);
        }
    }
    Ok(())
}

async fn token_command(c: TokenCommand, store: &Store) -> anyhow::Result<()> {
    match c {
        TokenCommand::Create {
            email,
            name,
            expires_in_days,
        } => {
            let email = parse_arg("--email", Email::parse(&email))?;
            let user = store.user_by_email(&email).await?;
            let (token, secret) = store
                .create_token(&actor(), &user.id, &name, expires_in_days)
                .await?;
            eprintln!(
                "token {} for {} ({}){}; it is shown once, store it now:",
                token.id,
                token.user_email,
                token.name,
                token
                    .expires_at
                    .as_deref()
                    .map(|e| format!(", expires {}", display(e)))
                    .unwrap_or_default()
            );
            println!("{secret}");
        }
        TokenCommand::List => {
            let now = store.now();
            let mut t = table(&[
                "id",
                "user",
                "name",
                "state",
                "created",
                "expires",
                "last used",
            ]);
            for tok in store.list_tokens().await? {
                t.add_row(vec![
                    tok.id.clone(),
                    tok.user_email.clone(),
                    tok.name.clone(),
                    tok.state(&now).into(),
                    display(&tok.created_at),
                    tok.expires_at
                        .as_deref()
                        .map(display)
                        .unwrap_or_else(|| "never".into()),
                    tok.last_used_at
                        .as_deref()
                        .map(display)
                        .unwrap_or_else(|| "never".into()),
                ]);
            }
            println!("{t}");
        }
        TokenCommand::Revoke { id } => {
            let t = store.revoke_token(&actor(), id.trim()).await?;
            println!("revoked token {} ({}, {})", t.id, t.name, t.user_email);
        }
    }
    Ok(())
}
