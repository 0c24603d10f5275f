//! Questionnaire pages: the questionnaires an assessment may be sent from (Annex's and the
//! organisation's own), one questionnaire question by question, and their export as a
//! spreadsheet — which is also how the organisation writes its own: export, edit, import.

use super::domain_assessment::Questionnaire;
use super::service_assessment as service;
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{Layout, PageResult, layout};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::IntoResponse;

/// A questionnaire as a line of the list.
struct Line {
    q: Questionnaire,
    shipped: bool,
    questions: usize,
    documents: usize,
}

#[derive(Template, WebTemplate)]
#[template(path = "supplier/templates/questionnaires.html")]
struct ListPage {
    l: Layout,
    lines: Vec<Line>,
    can_edit: bool,
}

fn is_shipped(key: &str) -> bool {
    super::domain_assessment::shipped()
        .iter()
        .any(|s| s.key == key)
}

pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let lines = service::questionnaires(&ctx)
        .await?
        .into_iter()
        .map(|q| Line {
            shipped: is_shipped(&q.key),
            questions: q.questions().count(),
            documents: q.questions().filter(|x| x.evidence).count(),
            q,
        })
        .collect();
    let l = layout(&s, &caller, "Questionnaires", "suppliers", q.as_deref()).await?;
    Ok(ListPage {
        l,
        lines,
        can_edit: ctx.actor.is_editor(),
    }
    .into_response())
}

/// A question as the page shows it.
struct QuestionLine {
    id: String,
    text: String,
    kind: &'static str,
    weight: i64,
    evidence: bool,
    options: Vec<String>,
    guidance: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "supplier/templates/questionnaire_view.html")]
struct ViewPage {
    l: Layout,
    q: Questionnaire,
    sections: Vec<(String, Vec<QuestionLine>)>,
    shipped: bool,
    can_edit: bool,
    key_q: String,
}

pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    RawQuery(query): RawQuery,
) -> PageResult {
    let q = service::questionnaire(&ctx, &key).await?;
    let sections = q
        .sections
        .iter()
        .map(|s| {
            let lines = s
                .questions
                .iter()
                .map(|x| QuestionLine {
                    id: x.id.clone(),
                    text: x.text.clone(),
                    kind: x.kind.label(),
                    weight: x.weight,
                    evidence: x.evidence,
                    options: x
                        .options
                        .iter()
                        .map(|o| format!("{} ({} points)", o.label, o.points))
                        .collect(),
                    guidance: x.guidance.clone(),
                })
                .collect();
            (s.title.clone(), lines)
        })
        .collect();
    let l = layout(&s, &caller, &q.title, "suppliers", query.as_deref()).await?;
    Ok(ViewPage {
        l,
        shipped: is_shipped(&q.key),
        can_edit: ctx.actor.is_editor(),
        key_q: encode(&q.key),
        sections,
        q,
    }
    .into_response())
}

/// `/suppliers/questionnaires.csv` (or `.xlsx`): every questionnaire, or the one `key` names.
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    params.check_known(&["key"])?;
    let mut all = service::questionnaires(&ctx).await?;
    let mut name = "questionnaires".to_string();
    if let Some(key) = params.get("key").map(str::trim).filter(|k| !k.is_empty()) {
        all.retain(|q| q.key == key);
        if all.is_empty() {
            return Err(Error::NotFound(format!("questionnaire {key}")).into());
        }
        name = format!("questionnaire-{key}");
    }
    Ok(crate::exchange::download(
        &name,
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange_questionnaire::questionnaires_table(&all),
    )?)
}
