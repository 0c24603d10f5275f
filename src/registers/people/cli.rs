//! `annex user` and `annex token`: user accounts and API tokens from the command line, as
//! the local operator (an administrator).

use super::service;
use crate::cli::table;
use crate::domain::clock::display;
use crate::domain::user::{Email, Password, PersonName, Role};
use crate::domain::user::{NewUser, UserUpdate};
use crate::service::Ctx;
use anyhow::Context;
use clap::Subcommand;
use std::io::BufRead;

#[derive(Subcommand, Debug)]
pub enum UserCommand {
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
pub enum TokenCommand {
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

/// Runs a user command as the local operator. Adding the first user sets up a new instance.
pub async fn user(c: UserCommand, ctx: &Ctx) -> anyhow::Result<()> {
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
            if role == Role::Agent && password_stdin {
                return Err(crate::error::Error::field(
                    "--password-stdin",
                    "an agent account has no password (it reports with API tokens)",
                )
                .into());
            }
            let (password, generated) = if role == Role::Agent {
                (None, false)
            } else {
                let (p, generated) = password_from(password_stdin)?;
                (Some(p), generated)
            };
            let was_set_up = service::is_set_up(ctx).await?;
            let user = service::create(
                ctx,
                NewUser {
                    email,
                    name,
                    role,
                    password_hash: password.as_ref().map(|p| p.hash()).transpose()?,
                },
            )
            .await?;
            println!("created {} <{}> as {}", user.name, user.email, user.role);
            if role == Role::Agent {
                println!(
                    "an agent has no password; give its host a token: annex token create --email {} --name <host>",
                    user.email
                );
            }
            if let Some(password) = password.filter(|_| generated) {
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
            for u in service::users(ctx).await? {
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
            let user = service::user_by_email(ctx, email.as_str()).await?;
            let (password, generated) = password_from(password_stdin)?;
            service::set_password(ctx, &user.id, &password).await?;
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
            let user = service::user_by_email(ctx, email.as_str()).await?;
            service::update(
                ctx,
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

/// Runs a token command as the local operator.
pub async fn token(c: TokenCommand, ctx: &Ctx) -> anyhow::Result<()> {
    match c {
        TokenCommand::Create {
            email,
            name,
            expires_in_days,
        } => {
            let email = parse_arg("--email", Email::parse(&email))?;
            let user = service::user_by_email(ctx, email.as_str()).await?;
            let (token, secret) =
                service::create_token(ctx, &user.id, &name, expires_in_days).await?;
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
            let now = ctx.now();
            let mut t = table(&[
                "id",
                "user",
                "name",
                "state",
                "created",
                "expires",
                "last used",
            ]);
            for tok in service::tokens(ctx).await? {
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
            let t = service::revoke_token(ctx, id.trim()).await?;
            println!("revoked token {} ({}, {})", t.id, t.name, t.user_email);
        }
    }
    Ok(())
}
