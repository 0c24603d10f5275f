//! The document register's use cases: reading documents and their versions, creating one
//! (blank or from a template, filled from the organisation's data), editing its fields and its
//! draft's text, and the workflow — submit, approve or send back (the approver), publish,
//! revise, retire — each in one transaction with the document's row locked, its revision
//! checked and the step audited.

use super::domain::{
    Document, DocumentFilter, DocumentInput, DocumentKind, DocumentQuery, DocumentStatus, Step,
    Version, VersionState, months_after, text_hash,
};
use super::domain_template::{self as templates, Fill};
use super::store;
use crate::domain::catalog::{check_control_refs, resolve_control_refs};
use crate::domain::query::Page;
use crate::domain::user::OWNERS;
use crate::error::{Error, Result};
use crate::service::{Actor, Channel, Ctx, Expected, check_revision, keep_id};
use crate::store::Tx;

/// The longest text a version may hold (characters).
pub const MAX_TEXT: usize = 200_000;

/// Managers and admins edit every document; a contributor the ones they own.
pub fn may_edit(actor: &Actor, d: &Document) -> bool {
    actor.may_edit_owned(&d.owner)
}

/// Whether the actor decides on the document's versions: its approver (the local operator of
/// the command line too, who holds the database).
pub fn may_approve(actor: &Actor, d: &Document) -> bool {
    actor.channel == Channel::Cli
        || (!d.approver.trim().is_empty()
            && actor
                .user
                .as_ref()
                .is_some_and(|u| u.email.eq_ignore_ascii_case(d.approver.trim())))
}

#[tracing::instrument(name = "document.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: &DocumentQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Document>> {
    ctx.require_reader()?;
    ctx.store()
        .list_documents(&q.filter, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

#[tracing::instrument(name = "document.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, f: &DocumentFilter) -> Result<Vec<Document>> {
    ctx.require_reader()?;
    ctx.store().all_documents(f).await
}

#[tracing::instrument(name = "document.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Document> {
    ctx.require_reader()?;
    ctx.store().document(id).await
}

#[tracing::instrument(name = "document.owners", skip_all, fields(actor = %ctx.who()))]
pub async fn owners(ctx: &Ctx) -> Result<Vec<String>> {
    ctx.require_reader()?;
    ctx.store().document_owners().await
}

/// A document's versions, newest first.
#[tracing::instrument(name = "document.versions", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn versions(ctx: &Ctx, id: &str) -> Result<Vec<Version>> {
    ctx.require_reader()?;
    ctx.store().document(id).await?;
    ctx.store().document_versions(id).await
}

#[tracing::instrument(name = "document.version", skip_all, fields(actor = %ctx.who(), id = %id, number))]
pub async fn version(ctx: &Ctx, id: &str, number: i64) -> Result<Version> {
    ctx.require_reader()?;
    ctx.store().document_version(id, number).await
}

/// The classification scheme's levels as (key, name), least sensitive first.
pub async fn levels(ctx: &Ctx) -> Result<Vec<(String, String)>> {
    Ok(crate::registers::asset::service::settings(ctx)
        .await?
        .classification
        .into_iter()
        .map(|c| (c.key, c.name))
        .collect())
}

/// What a template's placeholders become for this organisation and document.
async fn fill(ctx: &Ctx, d: &Document) -> Result<Fill> {
    let levels = levels(ctx).await?;
    Ok(Fill {
        organisation: crate::registers::organisation::service::name(ctx).await?,
        scope: crate::registers::organisation::service::scope(ctx).await?,
        owner: d.owner.clone(),
        approver: d.approver.clone(),
        review_cycle: crate::domain::words::count(d.review_months as usize, "month", "months"),
        classification_levels: levels
            .into_iter()
            .map(|l| l.1)
            .collect::<Vec<_>>()
            .join(", "),
        effective_date: "the day this version is published".into(),
    })
}

/// Checks a new document and writes its first text (from its template when one is named).
pub(crate) async fn prepare(ctx: &Ctx, input: &DocumentInput) -> Result<Prepared> {
    ctx.require_editor()?;
    let template = match Some(input.template.trim()).filter(|t| !t.is_empty()) {
        Some(key) => Some(templates::find(key).ok_or_else(|| {
            let keys: Vec<&str> = templates::all().iter().map(|t| t.key.as_str()).collect();
            Error::field(
                "template",
                format!("'{key}' is not a template: use one of {}", keys.join(", ")),
            )
        })?),
        None => None,
    };
    let mut input = input.clone();
    if let Some(t) = template {
        let empty = |s: &str| s.trim().is_empty();
        if empty(&input.title) {
            input.title = t.title.clone();
        }
        if empty(&input.kind) {
            input.kind = t.kind.key().into();
        }
        if empty(&input.controls) {
            input.controls = t.controls.join(", ");
        }
        if empty(&input.clauses) {
            input.clauses = t.clauses.join(", ");
        }
    }
    let mut draft = input.parse(&levels(ctx).await?)?;
    let catalogs = ctx.store().catalogs().await?;
    resolve_control_refs(&catalogs, &mut draft.controls);
    check_control_refs(&catalogs, &[(String::new(), &draft.controls)])?;
    let preview = Document {
        id: String::new(),
        kind: draft.kind,
        title: draft.title.clone(),
        owner: draft.owner.clone(),
        approver: draft.approver.clone(),
        classification: draft.classification.clone(),
        audience: draft.audience.clone(),
        review_months: draft.review_months,
        status: DocumentStatus::Draft,
        current_version: None,
        latest_version: 1,
        next_review_on: None,
        controls: Vec::new(),
        clauses: Vec::new(),
        template: None,
        created_at: String::new(),
        updated_at: String::new(),
        revision: 1,
    };
    let body = match template {
        Some(t) => t.filled(&fill(ctx, &preview).await?),
        None => format!("# {}\n\n", draft.title),
    };
    Ok(Prepared {
        draft,
        template: template.map(|t| t.key.clone()),
        body,
    })
}

/// A new document checked and its first text written, ready to insert.
pub(crate) struct Prepared {
    draft: super::domain::DocumentDraft,
    template: Option<String>,
    body: String,
}

/// Inserts a prepared document inside another record's write (a continuity plan started
/// from its process), with the audit entry.
pub(crate) async fn insert_within(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    p: &Prepared,
) -> Result<Document> {
    let d = store::insert(tx, &p.draft, p.template.as_deref(), &p.body, ctx.who()).await?;
    tx.audit(ctx.change("document.create", "document", &d.id).after(&d))
        .await?;
    Ok(d)
}

/// Creates a document with its first version, a draft (managers and admins): blank but for
/// its title, or from a template — whose title, kind, controls and clauses fill what the
/// input leaves empty, and whose text is filled from the organisation's data.
#[tracing::instrument(name = "document.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &DocumentInput) -> Result<Document> {
    let p = prepare(ctx, input).await?;
    let mut tx = ctx.write().await?;
    let d = insert_within(ctx, &mut tx, &p).await?;
    tx.commit().await?;
    Ok(d)
}

/// Replaces a document's fields (managers and admins; a contributor the documents they own).
#[tracing::instrument(name = "document.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &DocumentInput,
) -> Result<Document> {
    Ok(edit(ctx, id, expected, |_| Ok(input.clone())).await?.1)
}

/// Changes a document's fields from what is stored, inside one write (the command line's
/// `edit` changes only the flags given). Answers the document before and after.
#[tracing::instrument(name = "document.edit", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn edit(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    change: impl FnOnce(DocumentInput) -> Result<DocumentInput>,
) -> Result<(Document, Document)> {
    ctx.require(OWNERS)?;
    let levels = levels(ctx).await?;
    let catalogs = ctx.store().catalogs().await?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    if !may_edit(&ctx.actor, &before) {
        return Err(Error::Forbidden);
    }
    check_revision(&mut tx, "document", id, id, before.revision, expected).await?;
    let input = change(DocumentInput::from(&before))?;
    keep_id(input.id.as_deref(), id, "a document")?;
    if !input.template.trim().is_empty() {
        return Err(Error::field(
            "template",
            "a template only starts a new document: write its text as a new version instead",
        ));
    }
    let mut draft = input.parse(&levels)?;
    resolve_control_refs(&catalogs, &mut draft.controls);
    check_control_refs(&catalogs, &[(String::new(), &draft.controls)])?;
    let mut after = store::update(&mut tx, id, &draft).await?;
    if after.current_version.is_some() && after.review_months != before.review_months {
        // The next review follows the new cycle from the publication.
        let published = store::version_in(&mut tx, id, after.current_version.unwrap_or(0))
            .await?
            .published_at;
        after.next_review_on = published
            .and_then(|p| months_after(&p, after.review_months))
            .or(after.next_review_on);
        after = store::set_standing(&mut tx, &after).await?;
    }
    tx.audit(
        ctx.change("document.update", "document", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok((before, after))
}

/// What the audit trail keeps of a version's content: its hash and length (or its file's
/// name, size and hash), not the text.
fn text_fact(v: &Version) -> serde_json::Value {
    match &v.file {
        Some(f) => serde_json::json!({
            "version": v.number,
            "state": v.state.key(),
            "file": f.file_name,
            "bytes": f.size,
            "sha256": f.sha256,
            "change_note": v.change_note,
        }),
        None => serde_json::json!({
            "version": v.number,
            "state": v.state.key(),
            "characters": v.body.chars().count(),
            "sha256": text_hash(&v.body),
            "change_note": v.change_note,
        }),
    }
}

/// Replaces the text of the document's draft (its newest version, while a draft).
#[tracing::instrument(name = "document.write", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn write_text(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    body: &str,
    change_note: &str,
) -> Result<(Document, Version)> {
    ctx.require(OWNERS)?;
    let mut problems = crate::error::Problems::new();
    if body.chars().count() > MAX_TEXT {
        problems.add("body", format!("at most {MAX_TEXT} characters"));
    }
    if change_note.trim().chars().count() > 500 {
        problems.add("change_note", "at most 500 characters");
    }
    problems.into_result()?;
    let mut tx = ctx.write().await?;
    let (d, before) = lock_draft(ctx, &mut tx, id, expected).await?;
    if let Some(f) = &before.file {
        return Err(Error::Conflict(format!(
            "version {} is the uploaded file {}: remove the file to write the text in Annex instead",
            before.number, f.file_name
        )));
    }
    let mut v = before.clone();
    v.body = body.replace("\r\n", "\n");
    v.change_note = change_note.trim().to_string();
    save_draft(ctx, tx, d, &before, v, "document.write").await
}

/// Writes the draft's new content (unless nothing changed), the document's standing and the
/// audit entry (the content's hash and size, not the text), and commits.
async fn save_draft(
    ctx: &Ctx,
    mut tx: Tx,
    d: Document,
    before: &Version,
    v: Version,
    action: &str,
) -> Result<(Document, Version)> {
    if v == *before {
        return Ok((d, v));
    }
    store::write_version(&mut tx, &v).await?;
    let d = store::set_standing(&mut tx, &d).await?;
    tx.audit(
        ctx.change(action, "document", &d.id)
            .before(text_fact(before))
            .after(text_fact(&v)),
    )
    .await?;
    tx.commit().await?;
    Ok((d, v))
}

/// Checks the change note a draft's new content comes with.
fn check_note(change_note: &str) -> Result<()> {
    if change_note.trim().chars().count() > 500 {
        return Err(Error::field("change_note", "at most 500 characters"));
    }
    Ok(())
}

/// Locks the document and its draft for a change of the draft's content by the actor.
async fn lock_draft(
    ctx: &Ctx,
    tx: &mut Tx,
    id: &str,
    expected: Expected,
) -> Result<(Document, Version)> {
    let d = store::lock(tx, id).await?;
    if !may_edit(&ctx.actor, &d) {
        return Err(Error::Forbidden);
    }
    check_revision(tx, "document", id, id, d.revision, expected).await?;
    let v = store::version_in(tx, id, d.latest_version).await?;
    if v.state != VersionState::Draft {
        return Err(Error::Conflict(format!(
            "version {} is {}: only a draft's content can change (start a new version)",
            v.number,
            v.state.label()
        )));
    }
    Ok((d, v))
}

/// Makes an uploaded file (a Word, OpenDocument or PDF policy as the organisation wrote it)
/// the content of the document's draft, kept in the evidence vault by its SHA-256; the draft's
/// Markdown is put aside (approval then freezes the file's hash). Checked like a text: the
/// document's editors, a draft only, the writer's revision.
#[tracing::instrument(name = "document.upload", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn attach_file(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    file: crate::registers::evidence::domain::NewFile,
    change_note: &str,
) -> Result<(Document, Version)> {
    ctx.require(OWNERS)?;
    check_note(change_note)?;
    let mut tx = ctx.write().await?;
    let (d, before) = lock_draft(ctx, &mut tx, id, expected).await?;
    let kept = crate::registers::evidence::service::keep_file(
        ctx,
        &mut tx,
        &file,
        super::domain::VERSION_FILE_TYPES,
    )
    .await?;
    let mut v = before.clone();
    v.file = Some(kept);
    v.body = String::new();
    if !change_note.trim().is_empty() {
        v.change_note = change_note.trim().to_string();
    }
    save_draft(ctx, tx, d, &before, v, "document.upload").await
}

/// Takes the uploaded file off the draft, which becomes a text written in Annex again
/// (starting from the document's title); the file stays in the vault for older versions.
#[tracing::instrument(name = "document.remove_file", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn remove_file(ctx: &Ctx, id: &str, expected: Expected) -> Result<(Document, Version)> {
    ctx.require(OWNERS)?;
    let mut tx = ctx.write().await?;
    let (d, before) = lock_draft(ctx, &mut tx, id, expected).await?;
    if before.file.is_none() {
        return Err(Error::Conflict(format!(
            "version {} has no uploaded file: its text is written in Annex",
            before.number
        )));
    }
    let mut v = before.clone();
    v.file = None;
    v.body = format!("# {}\n\n", d.title);
    save_draft(ctx, tx, d, &before, v, "document.remove_file").await
}

/// A version's uploaded file to download (everyone signed in reads documents), checked
/// against its SHA-256 before it is handed out.
#[tracing::instrument(name = "document.file", skip_all, fields(actor = %ctx.who(), id = %id, number))]
pub async fn version_file(
    ctx: &Ctx,
    id: &str,
    number: i64,
) -> Result<(
    crate::domain::upload::KeptFile,
    crate::registers::evidence::service::BlobReader,
)> {
    ctx.require_reader()?;
    let v = ctx.store().document_version(id, number).await?;
    open_version_file(ctx, &v).await
}

/// Opens a version's file, checked against its hash.
pub(crate) async fn open_version_file(
    ctx: &Ctx,
    v: &Version,
) -> Result<(
    crate::domain::upload::KeptFile,
    crate::registers::evidence::service::BlobReader,
)> {
    let Some(f) = v.file.clone() else {
        return Err(Error::NotFound(format!(
            "a file for version {} of {}: its text is written in Annex",
            v.number, v.document_id
        )));
    };
    let what = format!("the file of {} version {}", v.document_id, v.number);
    let reader = crate::registers::evidence::service::open_kept(ctx, &f, &what).await?;
    Ok((f, reader))
}

/// A version written in Annex as a file to download: (file name, media type, bytes), with a
/// cover giving its approval and SHA-256 (PDF and Word). A version that is an uploaded file
/// is refused (409) with where to download the file itself.
#[tracing::instrument(name = "document.export", skip_all, fields(actor = %ctx.who(), id = %id, number, format = format.key()))]
pub async fn export(
    ctx: &Ctx,
    id: &str,
    number: i64,
    format: super::domain::ExportFormat,
) -> Result<(String, &'static str, Vec<u8>)> {
    use super::domain::ExportFormat;
    ctx.require_reader()?;
    let d = ctx.store().document(id).await?;
    let v = ctx.store().document_version(id, number).await?;
    if let Some(f) = &v.file {
        return Err(Error::Conflict(format!(
            "version {} of {id} is the uploaded file {}: download the file itself (/documents/{id}/versions/{}/file)",
            v.number, f.file_name, v.number
        )));
    }
    let org = crate::registers::organisation::service::name(ctx).await?;
    let bytes = match format {
        ExportFormat::Pdf => super::exchange_version::version_pdf(&org, &d, &v, &ctx.today())?,
        ExportFormat::Docx => super::exchange_version::version_docx(&org, &d, &v, &ctx.today())?,
        ExportFormat::Markdown => v.body.clone().into_bytes(),
    };
    let name = format!("{}-v{}.{}", d.id, v.number, format.extension());
    Ok((name, format.media_type(), bytes))
}

/// Files the published version as evidence of the document's controls (of the 2022
/// catalogue): a link to the version, collected today, valid until the next review. A policy
/// or a topic-specific policy is evidence of 5.1 (policies for information security) too.
async fn file_evidence(
    ctx: &Ctx,
    tx: &mut Tx,
    d: &Document,
    v: &Version,
) -> Result<Option<String>> {
    use crate::registers::evidence::domain::EvidenceDraft;
    let mut controls: Vec<String> = d
        .controls
        .iter()
        .filter(|c| c.framework == crate::domain::catalog::DEFAULT_FRAMEWORK)
        .map(|c| c.id.clone())
        .collect();
    if matches!(d.kind, DocumentKind::Policy | DocumentKind::TopicPolicy)
        && !controls.iter().any(|c| c == "5.1")
    {
        controls.insert(0, "5.1".to_string());
    }
    if controls.is_empty() {
        return Ok(None);
    }
    let mut draft = EvidenceDraft {
        title: format!("{}, version {} (published)", d.title, v.number),
        description: format!(
            "Document {} version {}, approved by {} with SHA-256 {}, published by {}. It counts as evidence of its controls until its next review{}.",
            d.id,
            v.number,
            v.decided_by.as_deref().unwrap_or_default(),
            v.sha256.as_deref().unwrap_or_default(),
            ctx.who(),
            d.next_review_on
                .as_deref()
                .map(|r| format!(" ({r})"))
                .unwrap_or_default()
        ),
        url: format!("/documents/{}/versions/{}", d.id, v.number),
        collected_at: ctx.today(),
        valid_until: d.next_review_on.clone(),
        collected_by: ctx.who().to_string(),
        controls,
        measures: Vec::new(),
        risks: Vec::new(),
    };
    ctx.store().check_evidence_links(tx, &mut draft).await?;
    let e = ctx
        .store()
        .insert_evidence(tx, ctx.who(), &draft, None)
        .await?;
    tx.audit(ctx.change("evidence.create", "evidence", &e.id).after(&e))
        .await?;
    Ok(Some(e.id))
}

/// Ends the evidence a version's publication filed (it was superseded or retired today).
async fn end_evidence(ctx: &Ctx, tx: &mut Tx, v: &Version) -> Result<()> {
    let Some(id) = v.evidence_id.as_deref() else {
        return Ok(());
    };
    if let Some((before, after)) = ctx.store().end_evidence(tx, id, &ctx.today()).await? {
        tx.audit(
            ctx.change("evidence.update", "evidence", id)
                .before(&before)
                .after(&after),
        )
        .await?;
    }
    Ok(())
}

/// Takes a step of the workflow (see [`Step`]): who may take it, and whether it can be taken
/// now, is checked inside the write. `note` is the approver's (required to send back).
#[tracing::instrument(name = "document.step", skip_all, fields(actor = %ctx.who(), id = %id, step = step.key()))]
pub async fn step(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    step: Step,
    note: &str,
) -> Result<(Document, Version)> {
    ctx.require_reader()?;
    let note = note.trim();
    if note.chars().count() > 2000 {
        return Err(Error::field("note", "at most 2000 characters"));
    }
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    let allowed = match step {
        Step::Approve | Step::Reject => may_approve(&ctx.actor, &before),
        Step::Retire => ctx.actor.is_editor(),
        Step::Submit | Step::Publish | Step::Revise => may_edit(&ctx.actor, &before),
    };
    if !allowed {
        if matches!(step, Step::Approve | Step::Reject) && before.approver.trim().is_empty() {
            return Err(Error::field(
                "approver",
                format!("{id} has no approver: name one before it can be approved"),
            ));
        }
        return Err(Error::Forbidden);
    }
    check_revision(&mut tx, "document", id, id, before.revision, expected).await?;
    let latest = store::version_in(&mut tx, id, before.latest_version).await?;
    if let Some(why) = step.refusal(&before, &latest) {
        return Err(Error::Conflict(why));
    }
    if step == Step::Reject && note.is_empty() {
        return Err(Error::field(
            "note",
            "say what must change before it can be approved",
        ));
    }
    let now = tx.now().to_string();
    let me = Some(ctx.who().to_string());
    let mut d = before.clone();
    let mut v = latest.clone();
    match step {
        Step::Submit => {
            v.state = VersionState::InReview;
            v.submitted_by = me;
            v.submitted_at = Some(now.clone());
            d.status = DocumentStatus::InReview;
        }
        Step::Approve => {
            v.state = VersionState::Approved;
            v.sha256 = Some(v.content_hash());
            v.decided_by = me;
            v.decided_at = Some(now.clone());
            v.decision_note = note.to_string();
            d.status = DocumentStatus::Approved;
        }
        Step::Reject => {
            v.state = VersionState::Draft;
            v.decided_by = me;
            v.decided_at = Some(now.clone());
            v.decision_note = note.to_string();
            d.status = DocumentStatus::Draft;
        }
        Step::Publish => {
            if let Some(old) = d.current_version.filter(|n| *n != v.number) {
                let mut previous = store::version_in(&mut tx, id, old).await?;
                previous.state = VersionState::Superseded;
                store::write_version(&mut tx, &previous).await?;
                end_evidence(ctx, &mut tx, &previous).await?;
            }
            v.state = VersionState::Published;
            v.published_at = Some(now.clone());
            d.status = DocumentStatus::Published;
            d.current_version = Some(v.number);
            d.next_review_on = months_after(&ctx.today(), d.review_months);
            v.evidence_id = file_evidence(ctx, &mut tx, &d, &v).await?;
        }
        Step::Revise => {
            v = Version {
                number: latest.number + 1,
                change_note: String::new(),
                state: VersionState::Draft,
                sha256: None,
                created_by: ctx.who().to_string(),
                created_at: now.clone(),
                submitted_by: None,
                submitted_at: None,
                decided_by: None,
                decided_at: None,
                decision_note: String::new(),
                published_at: None,
                evidence_id: None,
                ..latest.clone()
            };
            store::insert_version(&mut tx, &v).await?;
            d.latest_version = v.number;
            d.status = DocumentStatus::Draft;
        }
        Step::Retire => {
            d.status = DocumentStatus::Retired;
            if let Some(n) = d.current_version {
                let current = store::version_in(&mut tx, id, n).await?;
                end_evidence(ctx, &mut tx, &current).await?;
            }
        }
    }
    if step != Step::Revise && step != Step::Retire {
        store::write_version(&mut tx, &v).await?;
    }
    let d = store::set_standing(&mut tx, &d).await?;
    let standing = |d: &Document, v: &Version| {
        serde_json::json!({
            "status": d.status.key(),
            "current_version": d.current_version,
            "latest_version": d.latest_version,
            "next_review_on": d.next_review_on,
            "version": text_fact(v),
            "note": if v.decision_note.is_empty() { None } else { Some(&v.decision_note) },
        })
    };
    tx.audit(
        ctx.change(&format!("document.{}", step.key()), "document", id)
            .before(standing(&before, &latest))
            .after(standing(&d, &v)),
    )
    .await?;
    tx.commit().await?;
    Ok((d, v))
}

/// Creates or updates (matching on id) many documents' details in one transaction (managers
/// and admins): every row and control checked first; a new document starts with a draft
/// holding its title, one already here keeps its versions. A dry run writes nothing.
#[tracing::instrument(name = "document.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<(usize, super::domain::DocumentDraft)>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    crate::store::check_unique_ids(rows.iter().map(|(r, d)| (*r, d.id.as_deref())))?;
    let mut rows = rows;
    crate::registers::imports::service::check_row_controls(ctx, &mut rows, |d| &mut d.controls)
        .await?;
    let levels = levels(ctx).await?;
    let mut report = crate::domain::ImportReport::default();
    let mut tx = ctx.store().import_tx(dry_run).await?;
    for (_, draft) in &rows {
        let found = match &draft.id {
            Some(id) if !dry_run => Some(store::lock(&mut tx, id).await),
            Some(id) => Some(ctx.store().document(id).await),
            None => None,
        };
        let existing = match found {
            None | Some(Err(Error::NotFound(_))) => None,
            Some(Err(e)) => return Err(e),
            Some(Ok(d)) => Some(d),
        };
        match existing {
            Some(before) => {
                let same = DocumentInput::from(&before).parse(&levels).ok();
                let mut compared = draft.clone();
                compared.id = Some(before.id.clone());
                if same.as_ref() == Some(&compared) {
                    report.unchanged.push(before.id);
                    continue;
                }
                report.updated.push(before.id.clone());
                if dry_run {
                    continue;
                }
                let after = store::update(&mut tx, &before.id, draft).await?;
                tx.audit(
                    ctx.change("document.update", "document", &before.id)
                        .before(&before)
                        .after(&after),
                )
                .await?;
            }
            None if dry_run => report
                .created
                .push(draft.id.clone().unwrap_or_else(|| "a new id".into())),
            None => {
                let d = store::insert(
                    &mut tx,
                    draft,
                    None,
                    &format!("# {}\n\n", draft.title),
                    ctx.who(),
                )
                .await?;
                tx.audit(ctx.change("document.create", "document", &d.id).after(&d))
                    .await?;
                report.created.push(d.id);
            }
        }
    }
    if dry_run {
        return Ok(report);
    }
    crate::registers::imports::service::commit(ctx, tx, upload).await?;
    Ok(report)
}
