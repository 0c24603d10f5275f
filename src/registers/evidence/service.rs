//! The evidence vault's use cases: the list, an item with its versions, downloads checked
//! against their SHA-256, adding a file or a link, editing an item, adding a new version of
//! its file. Contributors, managers and admins add evidence; editors change any item, a
//! contributor the items they collected; items filed by scans change with the host's reports
//! only. Each write reads the item (its row locked) inside its transaction and checks the
//! writer's revision there.

use super::domain::{
    Evidence, EvidenceDraft, EvidenceFilter, EvidenceInput, FileVersion, NewFile, Target,
};
use crate::domain::user::OWNERS;
use crate::error::{Error, Result};
use crate::service::{Actor, Ctx, Expected, check_revision};
pub use crate::store::BlobReader;
use crate::store::BlobWriter;

/// Editors change every item; a contributor the items they collected.
pub fn may_edit(actor: &Actor, e: &Evidence) -> bool {
    actor.may_edit_owned(&e.collected_by)
}

/// Who may file what, checked inside the write: a contributor attaches evidence only to the
/// controls (by their SoA row), measures and risks they own, and files it as collected by
/// themselves; an editor may name another collector, who must be a person known to Annex.
/// On an edit, only what the edit adds is checked (an editor may have attached more).
async fn check_filing(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    d: &EvidenceDraft,
    before: Option<&Evidence>,
) -> Result<()> {
    let mut p = crate::error::Problems::new();
    let collector_changed = match before {
        Some(b) => !b.collected_by.eq_ignore_ascii_case(d.collected_by.trim()),
        None => !d.collected_by.eq_ignore_ascii_case(ctx.who()),
    };
    if collector_changed {
        if !ctx.actor.is_editor() {
            p.add(
                "collected_by",
                "you can only file evidence you collected yourself: leave this empty",
            );
        } else if !ctx.store().is_known_person(tx, &d.collected_by).await? {
            p.add(
                "collected_by",
                format!(
                    "'{}' is not a person known to Annex: give the e-mail address of a user",
                    d.collected_by
                ),
            );
        }
    }
    if !ctx.actor.is_editor() {
        let added = |now: &[String], was: Option<&Vec<String>>| -> Vec<String> {
            now.iter()
                .filter(|id| was.is_none_or(|w| !w.contains(id)))
                .cloned()
                .collect()
        };
        let owners = ctx
            .store()
            .evidence_target_owners(
                tx,
                &added(&d.controls, before.map(|b| &b.controls)),
                &added(&d.measures, before.map(|b| &b.measures)),
                &added(&d.risks, before.map(|b| &b.risks)),
            )
            .await?;
        // One message per field, naming each target that is not the actor's.
        for field in ["controls", "measures", "risks"] {
            let others: Vec<String> = owners
                .iter()
                .filter(|(f, _, owner)| *f == field && !ctx.actor.may_edit_owned(owner))
                .map(|(_, id, owner)| match owner.trim() {
                    "" => format!("{id} is owned by nobody yet"),
                    o => format!("{id} is owned by {o}"),
                })
                .collect();
            if !others.is_empty() {
                p.add(
                    field,
                    format!(
                        "{}: you can attach evidence only to what you own",
                        others.join(", ")
                    ),
                );
            }
        }
    }
    p.into_result()
}

/// The items a filter keeps (at most its limit), and how many there are in all.
#[tracing::instrument(name = "evidence.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(ctx: &Ctx, f: &EvidenceFilter) -> Result<(Vec<Evidence>, i64)> {
    ctx.require_reader()?;
    ctx.store().list_evidence(f).await
}

/// The evidence attached to a control, a measure or a risk (for their pages; at most 100).
#[tracing::instrument(name = "evidence.attached", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn attached(ctx: &Ctx, target: Target, id: &str) -> Result<Vec<Evidence>> {
    let f = EvidenceFilter {
        targets: vec![(target, id.to_string())],
        limit: 100,
        ..EvidenceFilter::default()
    };
    Ok(list(ctx, &f).await?.0)
}

#[tracing::instrument(name = "evidence.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Evidence> {
    ctx.require_reader()?;
    ctx.store().evidence(id).await
}

/// Every version of an item's file, newest first.
#[tracing::instrument(name = "evidence.versions", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn versions(ctx: &Ctx, id: &str) -> Result<Vec<FileVersion>> {
    ctx.require_reader()?;
    ctx.store().evidence_versions(id).await
}

/// One version of an item's file (`None`: the newest) to download: its content is checked against its SHA-256
/// first (a damaged file is an error, never a wrong download), then read in chunks.
#[tracing::instrument(name = "evidence.download", skip_all, fields(actor = %ctx.who(), id = %id, version = ?version))]
pub async fn download(
    ctx: &Ctx,
    id: &str,
    version: Option<i64>,
) -> Result<(FileVersion, BlobReader)> {
    ctx.require_reader()?;
    let v = ctx.store().evidence_file(id, version).await?;
    if let Some(damage) = ctx.store().blob_damage(&v.sha256, v.size).await? {
        mark_damaged(ctx, id, v.version, &damage).await?;
        return Err(Error::Conflict(format!(
            "evidence {id}, version {}, is damaged: {damage}. Annex will not hand it out; upload the file again as a new version, or restore it from a backup",
            v.version
        )));
    }
    let reader = ctx.store().open_blob(&v.sha256).await?;
    Ok((v, reader))
}

/// Marks an item whose newest file is damaged, so that its controls warn (Annex records it,
/// whoever found it; an older version's damage is only refused).
async fn mark_damaged(ctx: &Ctx, id: &str, version: i64, damage: &str) -> Result<()> {
    let mut tx = ctx.write().await?;
    let before = ctx.store().lock_evidence(&mut tx, id).await?;
    let reason = format!("Damaged: version {version}'s file: {damage}");
    if before.version != version || before.failing == reason {
        // Ends the write now (it wrote nothing), so that the row lock is released before
        // this returns: a dropped transaction's rollback waits for a task to run.
        return tx.commit().await;
    }
    let after = ctx
        .store()
        .mark_evidence_damaged(&mut tx, id, &reason)
        .await?;
    tx.audit(
        crate::domain::audit::Change::new(
            crate::service::SYSTEM_ACTOR,
            "evidence.damaged",
            "evidence",
            id,
        )
        .before(&before)
        .after(&after),
    )
    .await?;
    tx.commit().await
}

/// Keeps an upload in the vault for another register's record (a document version, a
/// training module's material), inside that record's write: its name cleaned, its type
/// checked against its first bytes and against `accepted` (extensions), its content kept
/// under its hash. The caller has checked who may write.
pub(crate) async fn keep_file(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    file: &NewFile,
    accepted: &[&str],
) -> Result<crate::domain::upload::KeptFile> {
    let file_name = super::domain::clean_file_name(&file.file_name);
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    if !accepted.contains(&ext.as_str()) {
        return Err(Error::field(
            "file",
            format!(
                "'{file_name}' is not a kind of file kept here: use {}",
                accepted.join(", ")
            ),
        ));
    }
    let media_type = super::domain::check_file_type(&file_name, &file.incoming.head)
        .map_err(|m| Error::field("file", m))?;
    ctx.store().keep_blob(tx, &file.incoming).await?;
    Ok(crate::domain::upload::KeptFile {
        file_name,
        media_type: media_type.to_string(),
        size: file.incoming.size,
        sha256: file.incoming.sha256.clone(),
    })
}

/// Opens a record's kept file to hand out, after checking its content still has its hash
/// (a damaged file is refused with what is wrong, never handed out). The caller has checked
/// who may read.
pub(crate) async fn open_kept(
    ctx: &Ctx,
    f: &crate::domain::upload::KeptFile,
    what: &str,
) -> Result<BlobReader> {
    if let Some(damage) = ctx.store().blob_damage(&f.sha256, f.size).await? {
        return Err(Error::Conflict(format!(
            "{what} is damaged: {damage}. Annex will not hand it out; upload the file again, or restore it from a backup"
        )));
    }
    ctx.store().open_blob(&f.sha256).await
}

/// Where an upload streams, as the front ends name it.
pub type FileWriter = BlobWriter;

/// Where an upload streams to while it is hashed and counted against the configured limit
/// (those who add evidence).
#[tracing::instrument(name = "evidence.file_writer", skip_all, fields(actor = %ctx.who()))]
pub async fn file_writer(ctx: &Ctx) -> Result<BlobWriter> {
    ctx.require(OWNERS)?;
    ctx.store()
        .blob_writer(ctx.limits().evidence_max_bytes)
        .await
}

/// Adds an item: a file (its first version) or a link, attached to controls, measures and
/// risks (contributors, managers and admins).
#[tracing::instrument(name = "evidence.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &EvidenceInput, file: Option<NewFile>) -> Result<Evidence> {
    ctx.require(OWNERS)?;
    let mut d: EvidenceDraft = input.parse(file.is_some(), &ctx.today(), ctx.who())?;
    if file.is_some() && !d.url.is_empty() {
        return Err(Error::field("url", "give a file or a link, not both"));
    }
    if file.is_none() && d.url.is_empty() {
        return Err(Error::field(
            "file",
            "choose a file to upload, or give a link",
        ));
    }
    let mut tx = ctx.write().await?;
    ctx.store().check_evidence_links(&mut tx, &mut d).await?;
    check_filing(ctx, &mut tx, &d, None).await?;
    let e = ctx
        .store()
        .insert_evidence(&mut tx, ctx.who(), &d, file.as_ref())
        .await?;
    tx.audit(ctx.change("evidence.create", "evidence", &e.id).after(&e))
        .await?;
    tx.commit().await?;
    Ok(e)
}

/// Changes an item's description, dates and attachments (a link's address too; a file
/// changes by a new version, never in place). A writer who saw an older revision is refused
/// with who changed what since.
#[tracing::instrument(name = "evidence.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &EvidenceInput,
) -> Result<Evidence> {
    ctx.require(OWNERS)?;
    let mut tx = ctx.write().await?;
    let before = ctx.store().lock_evidence(&mut tx, id).await?;
    if !may_edit(&ctx.actor, &before) {
        return Err(Error::Forbidden);
    }
    before.kept_by_scans()?;
    check_revision(&mut tx, "evidence", id, id, before.revision, expected).await?;
    // An item keeps what it is: a file stays a file.
    let mut d = input.parse(before.file.is_some(), &ctx.today(), ctx.who())?;
    if before.file.is_some() && !d.url.is_empty() {
        return Err(Error::field(
            "url",
            "this evidence is a file: upload a new version instead of giving a link",
        ));
    }
    if before.file.is_none() && d.url.is_empty() {
        return Err(Error::field("url", "a link needs its address"));
    }
    ctx.store().check_evidence_links(&mut tx, &mut d).await?;
    check_filing(ctx, &mut tx, &d, Some(&before)).await?;
    let after = ctx.store().update_evidence(&mut tx, id, &d).await?;
    let mut same = after.clone();
    same.updated_at = before.updated_at.clone();
    same.revision = before.revision;
    if same == before {
        return Ok(before);
    }
    tx.audit(
        ctx.change("evidence.update", "evidence", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Keeps a new version of an item's file; the old ones stay. `collected_at` and
/// `valid_until`, when given, are the new version's dates (an empty `valid_until` clears it).
#[tracing::instrument(name = "evidence.version", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn add_version(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    file: NewFile,
    collected_at: Option<String>,
    valid_until: Option<Option<String>>,
) -> Result<Evidence> {
    ctx.require(OWNERS)?;
    let mut tx = ctx.write().await?;
    let before = ctx.store().lock_evidence(&mut tx, id).await?;
    if !may_edit(&ctx.actor, &before) {
        return Err(Error::Forbidden);
    }
    before.kept_by_scans()?;
    check_revision(&mut tx, "evidence", id, id, before.revision, expected).await?;
    if before.file.is_none() {
        return Err(Error::field(
            "file",
            format!("{id} is a link, not a file: change its address instead"),
        ));
    }
    // The dates are checked before the content is kept: a refused version leaves nothing.
    let collected_at = collected_at.unwrap_or_else(|| before.collected_at.clone());
    let valid_until = valid_until.unwrap_or_else(|| before.valid_until.clone());
    if let Some(v) = &valid_until
        && *v < collected_at
    {
        return Err(Error::field(
            "valid_until",
            format!("{v} is before the evidence was collected ({collected_at})"),
        ));
    }
    let after = ctx
        .store()
        .add_evidence_version(
            &mut tx,
            ctx.who(),
            id,
            before.version + 1,
            &file,
            (&collected_at, valid_until.as_deref()),
        )
        .await?;
    tx.audit(
        ctx.change("evidence.version", "evidence", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Records many links at once in one write (the demo organisation and benchmarks), each
/// checked as `create` checks one.
#[tracing::instrument(name = "evidence.add_links", skip_all, fields(actor = %ctx.who()))]
pub async fn add_links(ctx: &Ctx, drafts: Vec<EvidenceDraft>) -> Result<usize> {
    ctx.require(OWNERS)?;
    let mut tx = ctx.write().await?;
    let n = ctx
        .store()
        .add_evidence_links(&mut tx, ctx.who(), drafts)
        .await?;
    tx.commit().await?;
    Ok(n)
}

/// The evidence of every control of a framework, summed up (the SoA's evidence column), kept
/// until evidence or measures change.
#[tracing::instrument(name = "evidence.summaries", skip_all, fields(actor = %ctx.who(), framework = %framework))]
pub async fn summaries(
    ctx: &Ctx,
    framework: &str,
) -> Result<std::sync::Arc<std::collections::HashMap<String, super::domain::EvidenceSummary>>> {
    ctx.require_reader()?;
    let [measure, generation] = ctx.store().generations(["measure", "evidence"]).await?;
    let key = (framework.to_string(), measure);
    if let Some(v) = ctx.caches().soa_evidence.get(&key, generation) {
        return Ok(v);
    }
    let v = std::sync::Arc::new(super::domain::summarise(
        ctx.store().soa_evidence_rows(framework).await?,
    ));
    ctx.caches().soa_evidence.put(key, generation, v.clone());
    Ok(v)
}
