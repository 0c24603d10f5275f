//! `annex audit`: checks the trail's hash chain, and takes and checks signed checkpoints of
//! its head.

use super::service;
use crate::domain::audit::Checkpoint;
use crate::error::Error;
use crate::service::Ctx;
use clap::Subcommand;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Check every entry of the audit trail against the hash chain (and, with --checkpoint,
    /// that the trail still holds what a checkpoint saw)
    #[command(
        after_help = "Examples:\n  annex audit verify && echo intact\n  annex audit verify --checkpoint /safe/place/checkpoint-2026-12.json\n\nExit status 0 when intact, 2 when the chain is broken or the trail no longer holds what\nthe checkpoint saw (entries cut off the end, or the chain recomputed): the first break is named."
    )]
    Verify {
        /// A checkpoint written by `annex audit checkpoint`
        #[arg(long, value_name = "FILE")]
        checkpoint: Option<PathBuf>,
    },
    /// Sign a checkpoint of the trail's head (its last entry and hash) with the instance's
    /// key, to keep away from the database
    #[command(
        after_help = "Examples:\n  annex audit checkpoint > /safe/place/checkpoint-$(date +%F).json\n  annex audit checkpoint --out /mnt/worm/annex-checkpoint.json\n\nThe key is made on first use (audit_key_file, by default audit-checkpoint.key in the data\ndir, readable by its owner only). Keep checkpoints where whoever can change the database\ncannot: another machine, write-once storage, a signed e-mail to the auditor."
    )]
    Checkpoint {
        /// Write the checkpoint to this file instead of standard output
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// Runs an audit command as the local operator.
pub async fn run(c: Command, ctx: &Ctx) -> anyhow::Result<ExitCode> {
    match c {
        Command::Verify { checkpoint: None } => {
            let report = service::verify(ctx).await?;
            Ok(outcome(report.first_break, report.checked, None))
        }
        Command::Verify {
            checkpoint: Some(path),
        } => {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                Error::field(
                    "checkpoint",
                    format!("{} cannot be read: {e}", path.display()),
                )
            })?;
            let c: Checkpoint = serde_json::from_str(&text).map_err(|e| {
                Error::field(
                    "checkpoint",
                    format!("{} is not an audit checkpoint: {e}", path.display()),
                )
            })?;
            let report = service::verify_checkpoint(ctx, &c).await?;
            match report.signed_here {
                Some(true) => {}
                Some(false) => {
                    eprintln!(
                        "annex: the checkpoint is signed by another key than this instance's (public key {})",
                        c.public_key
                    );
                    return Ok(ExitCode::from(crate::cli::exit::USAGE));
                }
                None => eprintln!(
                    "annex: this instance has no checkpoint key to compare with; the checkpoint is signed by public key {}",
                    c.public_key
                ),
            }
            let seen = format!(
                "; it holds entry {} as the checkpoint of {} saw it",
                c.seq, c.taken_at
            );
            Ok(outcome(
                report.chain.first_break,
                report.chain.checked,
                Some(seen),
            ))
        }
        Command::Checkpoint { out } => {
            let c = service::checkpoint(ctx).await?;
            let text = serde_json::to_string_pretty(&c)? + "\n";
            match out {
                Some(path) => {
                    std::fs::write(&path, text)?;
                    eprintln!(
                        "checkpoint of entry {} written to {}",
                        c.seq,
                        path.display()
                    );
                }
                None => print!("{text}"),
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn outcome(
    first_break: Option<crate::domain::audit::Break>,
    checked: i64,
    anchored: Option<String>,
) -> ExitCode {
    match first_break {
        None => {
            println!(
                "audit trail intact: {checked} entries checked{}",
                anchored.unwrap_or_default()
            );
            ExitCode::SUCCESS
        }
        Some(b) => {
            eprintln!("annex: audit trail broken: {b} ({checked} entries read)");
            ExitCode::from(crate::cli::exit::USAGE)
        }
    }
}
