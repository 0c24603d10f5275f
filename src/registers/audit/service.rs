//! The audit trail's use cases: reading it (admins and auditors), a record's history (anyone
//! who reads the record), verifying the chain, and signed checkpoints of its head that prove
//! later that nothing was cut off or rewritten (admins).

use crate::domain::audit::{AuditFilter, Checkpoint, Entry, VerifyReport};
use crate::domain::user::{ADMIN, TRAIL_READERS, from_hex, to_hex};
use crate::error::{Error, Result};
use crate::service::Ctx;

/// The latest changes of one record, newest first: its history, shown on its page to anyone
/// who reads the record.
#[tracing::instrument(name = "audit.history", skip_all, fields(actor = %ctx.who(), object_type = %object_type, object_id = %object_id))]
pub async fn history(
    ctx: &Ctx,
    object_type: &str,
    object_id: &str,
    limit: i64,
) -> Result<Vec<Entry>> {
    ctx.require_reader()?;
    let filter = AuditFilter {
        object_type: Some(object_type.into()),
        object_id: Some(object_id.into()),
        ..AuditFilter::default()
    };
    ctx.store().audit_entries(&filter, limit).await
}

/// A page of entries, newest first (admins and auditors).
#[tracing::instrument(name = "audit.entries", skip_all, fields(actor = %ctx.who()))]
pub async fn entries(ctx: &Ctx, filter: &AuditFilter, limit: i64) -> Result<Vec<Entry>> {
    ctx.require(TRAIL_READERS)?;
    ctx.store().audit_entries(filter, limit).await
}

/// The kinds of record and the people the trail names, for its filters.
#[tracing::instrument(name = "audit.facets", skip_all, fields(actor = %ctx.who()))]
pub async fn facets(ctx: &Ctx) -> Result<(Vec<String>, Vec<String>)> {
    ctx.require(TRAIL_READERS)?;
    ctx.store().audit_facets().await
}

/// Checks every entry against the hash chain (the operator, or an admin).
#[tracing::instrument(name = "audit.verify", skip_all, fields(actor = %ctx.who()))]
pub async fn verify(ctx: &Ctx) -> Result<VerifyReport> {
    ctx.require(ADMIN)?;
    ctx.store().verify_audit_trail().await
}

/// Signs a checkpoint of the trail's head with the instance's key (made on first use), for
/// the operator to keep elsewhere (the operator, or an admin).
#[tracing::instrument(name = "audit.checkpoint", skip_all, fields(actor = %ctx.who()))]
pub async fn checkpoint(ctx: &Ctx) -> Result<Checkpoint> {
    ctx.require(ADMIN)?;
    let key = signing_key(ctx, true)?;
    let (seq, hash) = ctx.store().audit_head().await?;
    let mut c = Checkpoint {
        format: Checkpoint::FORMAT.to_string(),
        organisation: ctx.store().organisation_name().await?.unwrap_or_default(),
        seq,
        hash,
        taken_at: ctx.now(),
        public_key: to_hex(key.verifying_key().as_bytes()),
        signature: String::new(),
    };
    use ed25519_dalek::Signer;
    c.signature = to_hex(&key.sign(c.message().as_bytes()).to_bytes());
    Ok(c)
}

/// What checking a checkpoint found besides the chain.
#[derive(Debug)]
pub struct CheckpointReport {
    pub chain: VerifyReport,
    /// Whether the checkpoint was signed by this instance's key (`None`: it has none here to
    /// compare with, so the key the checkpoint names was trusted).
    pub signed_here: Option<bool>,
}

/// Checks a checkpoint's signature, then walks the whole chain and proves that the trail
/// still holds the entry the checkpoint saw, with the hash it saw.
#[tracing::instrument(name = "audit.verify_checkpoint", skip_all, fields(actor = %ctx.who(), seq = c.seq))]
pub async fn verify_checkpoint(ctx: &Ctx, c: &Checkpoint) -> Result<CheckpointReport> {
    ctx.require(ADMIN)?;
    if c.format != Checkpoint::FORMAT {
        return Err(Error::field(
            "checkpoint",
            format!("'{}' is not an Annex audit checkpoint", c.format),
        ));
    }
    let bad = |what: &str| Error::field("checkpoint", format!("its {what} is not valid"));
    let public: [u8; 32] = from_hex(&c.public_key)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("public key"))?;
    let signature: [u8; 64] = from_hex(&c.signature)
        .and_then(|b| b.try_into().ok())
        .ok_or_else(|| bad("signature"))?;
    let key = ed25519_dalek::VerifyingKey::from_bytes(&public).map_err(|_| bad("public key"))?;
    key.verify_strict(
        c.message().as_bytes(),
        &ed25519_dalek::Signature::from_bytes(&signature),
    )
    .map_err(|_| {
        Error::field(
            "checkpoint",
            "its signature does not match its content: the checkpoint was altered",
        )
    })?;
    let signed_here = signing_key(ctx, false)
        .ok()
        .map(|k| k.verifying_key().as_bytes() == &public);
    let chain = ctx.store().verify_audit_trail_from(c.seq, &c.hash).await?;
    Ok(CheckpointReport { chain, signed_here })
}

/// The instance's signing key, read from its file (made there first when `create`).
fn signing_key(ctx: &Ctx, create: bool) -> Result<ed25519_dalek::SigningKey> {
    let path = ctx.audit_key_file().ok_or_else(|| {
        Error::Conflict("no file is configured for the audit checkpoint key".into())
    })?;
    let failed = |what: &str, e: std::io::Error| {
        Error::Internal(anyhow::anyhow!("{what} {}: {e}", path.display()))
    };
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let seed: [u8; 32] = from_hex(text.trim())
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| {
                    Error::Conflict(format!(
                        "{} does not hold an audit checkpoint key (64 hex digits)",
                        path.display()
                    ))
                })?;
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound && create => {
            let seed: [u8; 32] = rand::random();
            write_private(path, &to_hex(&seed)).map_err(|e| failed("writing", e))?;
            tracing::info!(path = %path.display(), "made the audit checkpoint key");
            Ok(ed25519_dalek::SigningKey::from_bytes(&seed))
        }
        Err(e) => Err(failed("reading", e)),
    }
}

/// Writes a file only its owner can read, never over an existing one.
fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut f = options.open(path)?;
    f.write_all(text.as_bytes())?;
    f.write_all(b"\n")?;
    f.sync_all()
}
