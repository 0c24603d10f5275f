//! `annex audit`: checks the trail's hash chain.

use super::service;
use crate::service::Ctx;
use clap::Subcommand;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check every entry of the audit trail against the hash chain
    #[command(
        after_help = "Example:\n  annex audit verify && echo intact\n\nExit status 0 when intact, 2 when the chain is broken (the first break is named)."
    )]
    Verify,
}

/// Runs an audit command as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    match c {
        Command::Verify => {
            let report = service::verify(ctx).await?;
            match report.first_break {
                None => {
                    println!("audit trail intact: {} entries checked", report.checked);
                    Ok(ExitCode::SUCCESS)
                }
                Some(b) => {
                    eprintln!(
                        "annex: audit trail broken: {b} ({} entries read)",
                        report.checked
                    );
                    Ok(ExitCode::from(crate::cli::exit::USAGE))
                }
            }
        }
    }
}
