//! Assessment pages: on a supplier's page, its assessments and the form that sends one (the
//! link shown once); an assessment with its answers, documents, score and the review form;
//! and the questionnaire page a supplier opens with only its link (`/q/{token}`): answer,
//! save a draft, upload documents, submit.

use super::domain_assessment::{
    AnswerKind, Assessment, FindingInput, FindingSeverity, Questionnaire, ReviewInput,
};
use super::service_assessment as service;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, Layout, PageResult, Peer, choices, ensure_anon_csrf, layout,
    with_cookie,
};
use crate::web::session::{Caller, client_address, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Request, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};

/// A question with what was answered, for a page.
struct Line {
    section: String,
    id: String,
    text: String,
    kind: &'static str,
    options: Vec<String>,
    guidance: String,
    evidence: bool,
    value: String,
    comment: String,
    file: String,
    file_evidence: String,
    finding: String,
    severity: String,
    error: String,
}

fn lines(a: &Assessment, typed: Option<&FormData>, errors: &FormErrors) -> Vec<Line> {
    let mut out = Vec::new();
    for s in &a.questionnaire.sections {
        for (i, q) in s.questions.iter().enumerate() {
            let stored = a.answers.iter().find(|x| x.question == q.id);
            let (value, comment) = match typed {
                Some(f) => (
                    f.get(&format!("a_{}", q.id)).to_string(),
                    f.get(&format!("c_{}", q.id)).to_string(),
                ),
                None => (
                    stored.map(|x| x.value.clone()).unwrap_or_default(),
                    stored.map(|x| x.comment.clone()).unwrap_or_default(),
                ),
            };
            out.push(Line {
                section: if i == 0 {
                    s.title.clone()
                } else {
                    String::new()
                },
                id: q.id.clone(),
                text: q.text.clone(),
                kind: q.kind.key(),
                options: q.options.iter().map(|o| o.label.clone()).collect(),
                guidance: q.guidance.clone(),
                evidence: q.evidence,
                value,
                comment,
                file: stored.and_then(|x| x.file_name.clone()).unwrap_or_default(),
                file_evidence: stored.and_then(|x| x.evidence.clone()).unwrap_or_default(),
                finding: stored.map(|x| x.finding.clone()).unwrap_or_default(),
                severity: stored
                    .and_then(|x| x.finding_severity)
                    .map(|s| s.key().to_string())
                    .unwrap_or_default(),
                error: errors
                    .get(&format!("answers.{}", q.id))
                    .or_else(|| errors.get(&format!("comments.{}", q.id)))
                    .unwrap_or_default(),
            });
        }
    }
    out
}

#[derive(Template, WebTemplate)]
#[template(path = "supplier/templates/questionnaire.html")]
struct QuestionnairePage {
    l: Layout,
    token: String,
    supplier: String,
    a: Assessment,
    lines: Vec<Line>,
    open: bool,
    errors: FormErrors,
}

async fn render_questionnaire(
    s: &AppState,
    ctx: &Ctx,
    caller: &mut Caller,
    (token, r): (&str, &service::Respondent),
    typed: Option<&FormData>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let a = r.assessment().clone();
    let cookie = ensure_anon_csrf(s, caller);
    let mut l = layout(s, caller, &a.questionnaire.title, "", q).await?;
    l.user = None;
    let supplier = ctx
        .store()
        .supplier_names(std::slice::from_ref(&a.supplier))
        .await?;
    let page = QuestionnairePage {
        lines: lines(&a, typed, &errors),
        open: a.open_for_answers(),
        supplier: supplier.first().map(|s| s.1.clone()).unwrap_or_default(),
        token: token.to_string(),
        l,
        a,
        errors,
    };
    let status = page.errors.status();
    Ok(with_cookie((status, page).into_response(), cookie))
}

/// The questionnaire, for the supplier with only its link.
pub async fn questionnaire_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(mut caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path(token): Path<String>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let r = service::open(&ctx, &token, &address).await?;
    render_questionnaire(
        &s,
        &ctx,
        &mut caller,
        (&token, &r),
        None,
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

/// The supplier saves its answers, or submits them.
pub async fn questionnaire_answer(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(mut caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path(token): Path<String>,
    form: FormData,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let r = service::open(&ctx, &token, &address).await?;
    let answers: Vec<(String, String, String)> = r
        .assessment()
        .questionnaire
        .questions()
        .filter(|q| q.kind != AnswerKind::File)
        .map(|q| {
            (
                q.id.clone(),
                form.get(&format!("a_{}", q.id)).to_string(),
                form.get(&format!("c_{}", q.id)).to_string(),
            )
        })
        .collect();
    let submit = form.get("action") == "submit";
    match service::answer(&ctx, &r, &answers, submit).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/q/{}?notice={}",
            encode(&token),
            if submit {
                "answers-submitted"
            } else {
                "answers-saved"
            }
        ))
        .into_response()),
        Err(e @ Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            let r = service::open(&ctx, &token, &address).await?;
            render_questionnaire(
                &s,
                &ctx,
                &mut caller,
                (&token, &r),
                Some(&form),
                errors,
                None,
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// The supplier uploads a document for a question; it becomes an evidence item.
pub async fn questionnaire_upload(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(mut caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    Path(token): Path<String>,
    req: Request,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let r = service::open(&ctx, &token, &address).await?;
    let form = match crate::registers::evidence::web::read_upload_with(req, || {
        service::file_writer(&ctx, &r)
    })
    .await
    {
        Ok(f) => f,
        Err(refused) => {
            let errors = FormErrors::from_error(refused.error)?;
            return render_questionnaire(&s, &ctx, &mut caller, (&token, &r), None, errors, None)
                .await;
        }
    };
    let result = match &form.file {
        None => Err(Error::field("file", "choose a file to upload")),
        Some(file) => service::upload(&ctx, &r, form.get("question"), file).await,
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/q/{}?notice=document-uploaded#q-{}",
            encode(&token),
            encode(form.get("question"))
        ))
        .into_response()),
        Err(e @ Error::Validation(_)) => {
            let errors = FormErrors::from_error(e)?;
            render_questionnaire(&s, &ctx, &mut caller, (&token, &r), None, errors, None).await
        }
        Err(e) => Err(e.into()),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "supplier/templates/assessment.html")]
struct AssessmentPage {
    l: Layout,
    a: Assessment,
    supplier: String,
    lines: Vec<Line>,
    severities: Vec<Choice>,
    can_review: bool,
    summary: String,
    risks: String,
    errors: FormErrors,
}

async fn render_assessment(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    typed: Option<&FormData>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let a = service::get(ctx, id).await?;
    let supplier = super::service::names(ctx, std::slice::from_ref(&a.supplier)).await?;
    let mut lines = lines(&a, None, &errors);
    if let Some(f) = typed {
        for line in &mut lines {
            line.finding = f.get(&format!("f_{}", line.id)).to_string();
            line.severity = f.get(&format!("s_{}", line.id)).to_string();
        }
    }
    let l = layout(s, caller, &format!("Assessment {}", a.id), "suppliers", q).await?;
    Ok((
        errors.status(),
        AssessmentPage {
            can_review: ctx.actor.is_editor()
                && a.status == super::domain_assessment::AssessmentStatus::Submitted,
            supplier: supplier.first().map(|s| s.1.clone()).unwrap_or_default(),
            severities: choices(
                FindingSeverity::ALL,
                FindingSeverity::key,
                FindingSeverity::label,
            ),
            summary: typed
                .map(|f| f.get("summary").to_string())
                .unwrap_or_default(),
            risks: typed
                .map(|f| f.get("risks").to_string())
                .unwrap_or_default(),
            lines,
            l,
            a,
            errors,
        },
    )
        .into_response())
}

pub async fn assessment(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    axum::extract::RawQuery(q): axum::extract::RawQuery,
) -> PageResult {
    render_assessment(
        &s,
        &ctx,
        &caller,
        &id,
        None,
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

/// The reviewer's findings, summary and risks.
pub async fn review(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let a = service::get(&ctx, &id).await?;
    let input = ReviewInput {
        findings: a
            .questionnaire
            .questions()
            .map(|q| FindingInput {
                question: q.id.clone(),
                finding: form.get(&format!("f_{}", q.id)).to_string(),
                severity: form.get(&format!("s_{}", q.id)).to_string(),
            })
            .collect(),
        summary: form.get("summary").into(),
        risks: form.get("risks").into(),
    };
    match service::review(&ctx, &id, form.revision(), &input).await {
        Ok(a) => Ok(Redirect::to(&format!(
            "/suppliers/assessments/{}?notice=assessment-reviewed",
            encode(&a.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_assessment(&s, &ctx, &caller, &id, Some(&form), errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "supplier/templates/assessment_sent.html")]
struct SentPage {
    l: Layout,
    sent: service::Sent,
    url: String,
    supplier: String,
}

/// Sends a questionnaire to a supplier and shows its link once, to copy and send.
pub async fn send(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let days = match form.get("days").trim() {
        "" => None,
        d => Some(
            d.parse::<i64>()
                .map_err(|_| Error::field("days", format!("'{d}' is not a number of days")))?,
        ),
    };
    let sent = service::send(
        &ctx,
        &id,
        form.get("questionnaire"),
        form.get("due_on"),
        days,
    )
    .await?;
    let supplier = super::service::get(&ctx, &id).await?;
    let base = s
        .config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", s.config.bind));
    let l = layout(&s, &caller, "Questionnaire sent", "suppliers", None).await?;
    Ok(SentPage {
        url: format!("{}{}", base.trim_end_matches('/'), sent.link),
        supplier: supplier.name,
        sent,
        l,
    }
    .into_response())
}

/// The questionnaires to choose from on a supplier's page: (key, title).
pub async fn questionnaire_choices(ctx: &Ctx) -> Result<Vec<(String, String)>, Error> {
    Ok(service::questionnaires(ctx)
        .await?
        .into_iter()
        .map(|q: Questionnaire| (q.key, q.title))
        .collect())
}
