//! Supplier assessments' use cases: questionnaires (the shipped ones and the organisation's
//! own), sending one to a supplier through a signed, expiring link (managers and admins),
//! the supplier answering through that link alone — saving a draft, uploading documents that
//! become evidence items, submitting —, and the review: findings per answer, the rating, the
//! risks registered from it, an evidence item for the supplier controls, and the supplier's
//! review recorded.

use super::domain_assessment::{
    Assessment, AssessmentStatus, Questionnaire, ReviewInput, check_answer, check_findings,
    incomplete, rating, score, shipped,
};
use super::store_assessment as store;
use crate::domain::link::{self, DEFAULT_DAYS, MAX_DAYS};
use crate::domain::query::Page;
use crate::error::{Error, FieldError, Result};
use crate::service::{Ctx, Expected, check_revision};

/// The questionnaires an assessment may be sent from: the shipped ones, then the
/// organisation's own.
#[tracing::instrument(name = "assessment.questionnaires", skip_all, fields(actor = %ctx.who()))]
pub async fn questionnaires(ctx: &Ctx) -> Result<Vec<Questionnaire>> {
    ctx.require_reader()?;
    let mut all = shipped();
    all.extend(ctx.store().questionnaires().await?);
    Ok(all)
}

#[tracing::instrument(name = "assessment.questionnaire", skip_all, fields(actor = %ctx.who(), key = %key))]
pub async fn questionnaire(ctx: &Ctx, key: &str) -> Result<Questionnaire> {
    questionnaires(ctx)
        .await?
        .into_iter()
        .find(|q| q.key == key)
        .ok_or_else(|| Error::NotFound(format!("questionnaire {key}")))
}

/// Stores a questionnaire the organisation wrote (managers and admins); the shipped ones
/// stay as they are. With `expected`, only over that revision (409 otherwise). Answers the
/// questionnaire and its new revision.
#[tracing::instrument(name = "assessment.save_questionnaire", skip_all, fields(actor = %ctx.who(), key = %q.key))]
pub async fn save_questionnaire(
    ctx: &Ctx,
    q: &Questionnaire,
    expected: Expected,
) -> Result<(Questionnaire, i64)> {
    ctx.require_editor()?;
    q.check()?;
    if shipped().iter().any(|s| s.key == q.key) {
        return Err(Error::field("key", shipped_key(&q.key)));
    }
    let mut tx = ctx.write().await?;
    let before = store::questionnaire_in(&mut tx, &q.key).await?;
    let stored = before.as_ref().map(|b| b.1).unwrap_or(0);
    check_revision(
        &mut tx,
        "questionnaire",
        &q.key,
        "questionnaire",
        stored,
        expected,
    )
    .await?;
    store::save_questionnaire(&mut tx, q).await?;
    let mut change = ctx.change("questionnaire.save", "questionnaire", &q.key);
    if let Some((b, _)) = &before {
        change = change.before(b);
    }
    tx.audit(change.after(q)).await?;
    tx.commit().await?;
    Ok((q.clone(), stored + 1))
}

fn shipped_key(key: &str) -> String {
    format!("'{key}' is a questionnaire Annex ships: give yours another key")
}

/// A questionnaire with its revision (the shipped ones are at 1), for an `ETag`.
pub async fn questionnaire_tagged(ctx: &Ctx, key: &str) -> Result<(Questionnaire, i64)> {
    ctx.require_reader()?;
    if let Some(q) = shipped().into_iter().find(|s| s.key == key) {
        return Ok((q, 1));
    }
    let mut tx = ctx.store().read_tx().await?;
    let stored = store::questionnaire_in(&mut tx, key).await?;
    tx.commit().await?;
    stored.ok_or_else(|| Error::NotFound(format!("questionnaire {key}")))
}

/// Imports questionnaires from a spreadsheet's rows (managers and admins): each key's rows
/// make one questionnaire that creates or replaces the organisation's own of that key, all
/// in one write; a shipped questionnaire may come back only as Annex wrote it (an export of
/// all of them imports back unchanged).
#[tracing::instrument(name = "assessment.import_questionnaires", skip_all, fields(actor = %ctx.who()))]
pub async fn import_questionnaires(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    let all = super::domain_questionnaire::assemble(&rows)?;
    let ours = shipped();
    let mut report = crate::domain::ImportReport::default();
    let mut problems = Vec::new();
    let mut own = Vec::new();
    for (q, at) in all {
        match ours.iter().find(|s| s.key == q.key) {
            Some(s) if *s == q => report.unchanged.push(q.key),
            Some(_) => problems.push(FieldError::new(
                format!(
                    "row {}, questionnaire",
                    at.first().copied().unwrap_or_default()
                ),
                format!(
                    "{}, or leave its rows as Annex wrote them",
                    shipped_key(&q.key)
                ),
            )),
            None => own.push(q),
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut tx = ctx.store().import_tx(dry_run).await?;
    for q in own {
        let before = store::questionnaire_in(&mut tx, &q.key).await?;
        match &before {
            Some((b, _)) if *b == q => {
                report.unchanged.push(q.key);
                continue;
            }
            Some(_) => report.updated.push(q.key.clone()),
            None => report.created.push(q.key.clone()),
        }
        if !dry_run {
            store::save_questionnaire(&mut tx, &q).await?;
            let mut change = ctx.change("questionnaire.import", "questionnaire", &q.key);
            if let Some((b, _)) = &before {
                change = change.before(b);
            }
            tx.audit(change.after(&q)).await?;
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}

async fn key(ctx: &Ctx) -> Result<ed25519_dalek::SigningKey> {
    let seed = ctx.store().shared_secret("supplier-link").await?;
    link::key(&seed).ok_or_else(|| {
        Error::Internal(anyhow::anyhow!(
            "the supplier-link key is not 64 hex digits"
        ))
    })
}

/// An assessment sent, with the link to give the supplier (shown once, never stored).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct Sent {
    pub assessment: Assessment,
    /// The path of the questionnaire for the supplier: `/q/…` on Annex's address.
    pub link: String,
    pub valid_until: String,
}

/// Sends a questionnaire to a supplier (managers and admins): the assessment keeps the
/// questionnaire as it is now; the link is valid for `days` (30 by default, at most 366).
#[tracing::instrument(name = "assessment.send", skip_all, fields(actor = %ctx.who(), supplier = %supplier))]
pub async fn send(
    ctx: &Ctx,
    supplier: &str,
    questionnaire_key: &str,
    due_on: &str,
    days: Option<i64>,
) -> Result<Sent> {
    ctx.require_editor()?;
    let today = ctx.today();
    let mut p = crate::error::Problems::new();
    let q = match questionnaire(ctx, questionnaire_key.trim()).await {
        Ok(q) => Some(q),
        Err(Error::NotFound(_)) => {
            p.add(
                "questionnaire",
                format!("there is no questionnaire '{}'", questionnaire_key.trim()),
            );
            None
        }
        Err(e) => return Err(e),
    };
    let due_on = match due_on.trim() {
        "" => None,
        raw => match crate::domain::input::parse_date(raw) {
            Ok(d) if d < today => {
                p.add("due_on", "a day that has passed");
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                p.add("due_on", e);
                None
            }
        },
    };
    let days = days.unwrap_or(DEFAULT_DAYS);
    if !(1..=MAX_DAYS).contains(&days) {
        p.add("days", format!("'{days}' is not 1 to {MAX_DAYS} days"));
    }
    p.into_result()?;
    let q = q.unwrap_or_else(|| shipped().remove(0));
    let until = crate::domain::input::days_after(&today, days)
        .ok_or_else(|| Error::field("days", "too far ahead"))?;
    let mut tx = ctx.write().await?;
    let s = super::store::lock(&mut tx, supplier).await?;
    if s.status == super::domain::SupplierStatus::Ended {
        return Err(Error::Conflict(format!(
            "{} is an ended relationship: set it active to assess it",
            s.name
        )));
    }
    let a = store::insert(&mut tx, &s.id, &q, ctx.who(), due_on.as_deref(), &until).await?;
    tx.audit(
        ctx.change("assessment.send", "assessment", &a.id)
            .after(serde_json::json!({
                "supplier": a.supplier, "questionnaire": a.questionnaire_key,
                "due_on": a.due_on, "link_until": a.link_until,
            })),
    )
    .await?;
    tx.commit().await?;
    let token = link::sign(&key(ctx).await?, &a.id, &until);
    Ok(Sent {
        assessment: a,
        link: format!("/q/{token}"),
        valid_until: until,
    })
}

/// Whoever opened a valid questionnaire link: only [`open`] makes one, so a use case that
/// takes it acts for that assessment's supplier and no other.
pub struct Respondent(Assessment);

impl Respondent {
    pub fn assessment(&self) -> &Assessment {
        &self.0
    }

    fn actor(&self) -> String {
        format!("link:{}", self.0.id)
    }
}

/// Link openings per address within the window before the address waits.
pub const MAX_OPENINGS: i64 = 300;
pub const MAX_INVALID: i64 = 20;
pub const WINDOW_MINUTES: i64 = 10;

/// The assessment a link is for, when it is valid and not withdrawn. Each opening counts
/// against the client's address, an invalid link more.
#[tracing::instrument(name = "assessment.open", skip_all)]
pub async fn open(ctx: &Ctx, token: &str, address: &str) -> Result<Respondent> {
    let store = ctx.store();
    if let Some(wait) = store
        .claim_login_attempt(&format!("qlink:{address}"), MAX_OPENINGS, WINDOW_MINUTES)
        .await?
    {
        return Err(Error::Throttled(wait));
    }
    let id = match link::verify(&key(ctx).await?, token, &ctx.today()) {
        Ok(id) => id,
        Err(e) => {
            if let Some(wait) = store
                .claim_login_attempt(
                    &format!("qlink-invalid:{address}"),
                    MAX_INVALID,
                    WINDOW_MINUTES,
                )
                .await?
            {
                return Err(Error::Throttled(wait));
            }
            return Err(Error::Gone(e.message()));
        }
    };
    let a = match store.assessment(&id).await {
        Ok(a) => a,
        Err(Error::NotFound(_)) => {
            return Err(Error::Gone("This questionnaire no longer exists.".into()));
        }
        Err(e) => return Err(e),
    };
    if a.status == AssessmentStatus::Cancelled {
        return Err(Error::Gone(
            "This questionnaire was withdrawn. Ask the person who sent it.".into(),
        ));
    }
    Ok(Respondent(a))
}

/// The supplier's answers through its link: each checked against its question, written (a
/// draft may be saved as often as needed); `submit` also asks that every question be
/// answered and every document asked for be given, then scores it. Answers no longer change
/// once submitted.
#[tracing::instrument(name = "assessment.answer", skip_all, fields(id = %r.0.id))]
pub async fn answer(
    ctx: &Ctx,
    r: &Respondent,
    answers: &[(String, String, String)],
    submit: bool,
) -> Result<Assessment> {
    let q = &r.0.questionnaire;
    let mut problems = Vec::new();
    let mut given = Vec::new();
    for (question, value, comment) in answers {
        let Some(qq) = q.question(question) else {
            problems.push(FieldError::new(
                format!("answers.{question}"),
                "not a question of this questionnaire",
            ));
            continue;
        };
        if let Err(e) = check_answer(qq, value) {
            problems.push(FieldError::new(format!("answers.{question}"), e));
            continue;
        }
        if comment.chars().count() > 2000 {
            problems.push(FieldError::new(
                format!("comments.{question}"),
                "at most 2000 characters",
            ));
            continue;
        }
        given.push((
            question.clone(),
            value.trim().to_string(),
            comment.trim().to_string(),
        ));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, &r.0.id).await?;
    if !before.open_for_answers() {
        return Err(Error::Conflict(format!(
            "this questionnaire is {}: its answers no longer change",
            before.status.label()
        )));
    }
    store::write_answers(&mut tx, &before.id, &given).await?;
    let mut after = store::lock(&mut tx, &before.id).await?;
    let action = if submit {
        let missing = incomplete(&after.questionnaire, &after.answers());
        if !missing.is_empty() {
            return Err(Error::Validation(
                missing
                    .into_iter()
                    .map(|(q, m)| FieldError::new(format!("answers.{q}"), m))
                    .collect(),
            ));
        }
        let s = score(&after.questionnaire, &after.answers());
        after = store::submit(&mut tx, &before.id, &s).await?;
        "assessment.submit"
    } else {
        "assessment.answer"
    };
    tx.audit(
        crate::domain::audit::Change::new(&r.actor(), action, "assessment", &before.id)
            .before(&before.answers)
            .after(&after.answers),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Where a document the supplier uploads streams to while it is hashed, counted against the
/// evidence limit: only the holder of a valid link uploads.
pub async fn file_writer(ctx: &Ctx, r: &Respondent) -> Result<crate::store::BlobWriter> {
    if !r.0.open_for_answers() {
        return Err(Error::Conflict(format!(
            "this questionnaire is {}: its answers no longer change",
            r.0.status.label()
        )));
    }
    ctx.store()
        .blob_writer(ctx.limits().evidence_max_bytes)
        .await
}

/// Document types a supplier may upload.
pub const ACCEPTED: &[&str] = &[
    "pdf", "png", "jpg", "jpeg", "docx", "xlsx", "odt", "ods", "txt", "csv", "zip",
];

/// A document the supplier gives for a question: it becomes an evidence item of the
/// supplier controls (5.19, 5.20, 5.22; 5.23 for a cloud questionnaire), kept in the vault
/// by its hash, and backs the answer.
#[tracing::instrument(name = "assessment.upload", skip_all, fields(id = %r.0.id))]
pub async fn upload(
    ctx: &Ctx,
    r: &Respondent,
    question: &str,
    file: &crate::registers::evidence::domain::NewFile,
) -> Result<Assessment> {
    let Some(qq) = r.0.questionnaire.question(question.trim()) else {
        return Err(Error::field(
            "question",
            format!(
                "'{}' is not a question of this questionnaire",
                question.trim()
            ),
        ));
    };
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, &r.0.id).await?;
    if !before.open_for_answers() {
        return Err(Error::Conflict(format!(
            "this questionnaire is {}: its answers no longer change",
            before.status.label()
        )));
    }
    // The evidence item keeps the file in the vault; its name and type are checked first.
    let file_name = crate::registers::evidence::domain::clean_file_name(&file.file_name);
    let ext = file_name
        .rsplit_once('.')
        .map(|(_, e)| e.to_lowercase())
        .unwrap_or_default();
    if !ACCEPTED.contains(&ext.as_str()) {
        return Err(Error::field(
            "file",
            format!(
                "'{file_name}' is not a kind of document taken here: use {}",
                ACCEPTED.join(", ")
            ),
        ));
    }
    crate::registers::evidence::domain::check_file_type(&file_name, &file.incoming.head)
        .map_err(|m| Error::field("file", m))?;
    let supplier = super::store::read_in(&mut tx, &before.supplier)
        .await?
        .map(|s| s.name)
        .unwrap_or_default();
    let draft = crate::registers::evidence::domain::EvidenceDraft {
        title: format!("{supplier}: {} {} ({})", before.id, qq.id, file_name),
        description: format!("Given by {supplier} for question {}: {}", qq.id, qq.text),
        url: String::new(),
        collected_at: ctx.today(),
        valid_until: None,
        collected_by: r.actor(),
        controls: before.controls(),
        measures: Vec::new(),
        risks: Vec::new(),
    };
    let evidence = ctx
        .store()
        .insert_evidence(&mut tx, &r.actor(), &draft, Some(file))
        .await?;
    store::attach_file(&mut tx, &before.id, &qq.id, &evidence.id, &file_name).await?;
    let after = store::lock(&mut tx, &before.id).await?;
    tx.audit(
        crate::domain::audit::Change::new(
            &r.actor(),
            "assessment.upload",
            "assessment",
            &before.id,
        )
        .after(serde_json::json!({"question": qq.id, "evidence": evidence.id, "file": file_name})),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

#[tracing::instrument(name = "assessment.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    supplier: Option<&str>,
    status: Option<AssessmentStatus>,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Assessment>> {
    ctx.require_reader()?;
    ctx.store()
        .list_assessments(supplier, status, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

#[tracing::instrument(name = "assessment.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Assessment> {
    ctx.require_reader()?;
    ctx.store().assessment(id).await
}

/// Reviews a submitted assessment (managers and admins): a finding per answer where
/// needed, the rating the score and findings call for, the risks its lines register (rated on
/// the matrix, owned by the supplier's owner, on the supplier's assets), an evidence item for
/// the supplier controls, and the supplier's review recorded — in one write.
#[tracing::instrument(name = "assessment.review", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn review(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ReviewInput,
) -> Result<Assessment> {
    ctx.require_editor()?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "assessment", id, id, before.revision, expected).await?;
    if before.status != AssessmentStatus::Submitted {
        return Err(Error::Conflict(format!(
            "{id} is {}: it is reviewed once the supplier submits it",
            before.status.label()
        )));
    }
    let mut p = crate::error::Problems::new();
    let findings = match check_findings(&before.questionnaire, &input.findings) {
        Ok(f) => f,
        Err(Error::Validation(fields)) => {
            for f in fields {
                p.add(&f.field, f.message);
            }
            Vec::new()
        }
        Err(e) => return Err(e),
    };
    let summary = crate::domain::input::bounded(&mut p, "summary", &input.summary, 5000);
    let lines = p
        .take(
            "risks",
            crate::registers::incident::domain::lesson_risks(&input.risks),
        )
        .unwrap_or_default();
    p.into_result()?;
    let supplier = super::store::lock(&mut tx, &before.supplier).await?;
    let s = before
        .score
        .clone()
        .unwrap_or(super::domain_assessment::Score {
            points: 0,
            max: 0,
            percent: None,
        });
    let severities: Vec<_> = findings.iter().map(|f| f.2).collect();
    let rated = rating(&s, &severities);
    let mut risks = Vec::new();
    for r in &lines {
        let input = crate::registers::risk::domain::RiskInput {
            title: r.title.clone(),
            owner: if supplier.owner.is_empty() {
                ctx.who().to_string()
            } else {
                supplier.owner.clone()
            },
            category: "supplier".into(),
            inherent_likelihood: r.likelihood.clone(),
            inherent_impact: r.impact.clone(),
            assets: supplier.assets.join(","),
            notes: format!(
                "From the review of assessment {id} of {} {}: rated {}",
                supplier.id,
                supplier.name,
                rated.label()
            ),
            ..Default::default()
        };
        match crate::registers::risk::service::create_within(ctx, &mut tx, &input).await {
            Ok(made) => risks.push(made.id),
            Err(Error::Validation(fields)) => {
                return Err(Error::Validation(
                    fields
                        .into_iter()
                        .map(|f| {
                            FieldError::new(
                                "risks",
                                format!("line {} ({}): {}", r.line, r.title, f.message),
                            )
                        })
                        .collect(),
                ));
            }
            Err(e) => return Err(e),
        }
    }
    let draft = crate::registers::evidence::domain::EvidenceDraft {
        title: format!(
            "Assessment {id} of {}: {} ({}), rated {}",
            supplier.name,
            before.questionnaire.title,
            s.percent
                .map(|p| format!("{p} %"))
                .unwrap_or_else(|| "not scored".into()),
            rated.label()
        ),
        description: if summary.is_empty() {
            format!("{} findings", findings.len())
        } else {
            summary.clone()
        },
        url: format!("/suppliers/assessments/{id}"),
        collected_at: ctx.today(),
        valid_until: crate::registers::document::domain::months_after(
            &ctx.today(),
            supplier.criticality.review_months(),
        ),
        collected_by: ctx.who().to_string(),
        controls: before.controls(),
        measures: Vec::new(),
        risks: risks.clone(),
    };
    let evidence = ctx
        .store()
        .insert_evidence(&mut tx, ctx.who(), &draft, None)
        .await?;
    super::service::record_review_within(ctx, &mut tx, &supplier.id, &ctx.today()).await?;
    let after = store::review(
        &mut tx,
        id,
        &store::Review {
            by: ctx.who(),
            findings: &findings,
            summary: &summary,
            rating: rated,
            risk: risks.first().map(String::as_str),
            evidence: Some(&evidence.id),
        },
    )
    .await?;
    tx.audit(
        ctx.change("assessment.review", "assessment", id)
            .before(serde_json::json!({"status": before.status}))
            .after(serde_json::json!({
                "status": after.status, "rating": after.rating, "risks": risks,
                "evidence": evidence.id, "findings": findings.len(),
            })),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Withdraws an assessment not yet reviewed (managers and admins): its link opens nothing.
#[tracing::instrument(name = "assessment.cancel", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn cancel(ctx: &Ctx, id: &str, expected: Expected) -> Result<Assessment> {
    ctx.require_editor()?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "assessment", id, id, before.revision, expected).await?;
    if matches!(
        before.status,
        AssessmentStatus::Reviewed | AssessmentStatus::Cancelled
    ) {
        return Err(Error::Conflict(format!(
            "{id} is {} already",
            before.status.label()
        )));
    }
    let after = store::cancel(&mut tx, id).await?;
    tx.audit(
        ctx.change("assessment.cancel", "assessment", id)
            .before(serde_json::json!({"status": before.status}))
            .after(serde_json::json!({"status": after.status})),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}
