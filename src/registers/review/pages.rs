//! Management review's pages: the reviews with a form to plan one, and a review with its input
//! pack (each indicator's trend drawn), its decisions, its actions and the button that holds it.

use super::domain::{Review, ReviewActionInput, ReviewInput, ReviewRecord, hold_refusal};
use super::service;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    FormData, FormErrors, HistoryRow, Layout, PageResult, history_rows, layout,
};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

fn input_of(form: &FormData) -> ReviewInput {
    ReviewInput {
        id: None,
        title: form.get("title").into(),
        planned_on: form.get("planned_on").into(),
        chair: form.get("chair").into(),
        attendees: form.get("attendees").into(),
        feedback: form.get("feedback").into(),
        decisions: form.get("decisions").into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "review/templates/reviews.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Review>,
    can_edit: bool,
    v: ReviewInput,
    errors: FormErrors,
}

async fn render_list(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: ReviewInput,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let rows = service::list(ctx).await?;
    let l = layout(s, caller, "Management review", "reviews", q).await?;
    Ok((
        errors.status(),
        ListPage {
            can_edit: ctx.actor.is_editor(),
            l,
            rows,
            v,
            errors,
        },
    )
        .into_response())
}

pub async fn list(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_list(
        &s,
        &ctx,
        &caller,
        ReviewInput::default(),
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn export(ctx: Ctx, path: MatchedPath) -> PageResult {
    let rows = service::list(&ctx).await?;
    Ok(crate::exchange::download(
        "management-reviews",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::reviews_table(&rows),
    )?)
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = input_of(&form);
    match service::create(&ctx, &input).await {
        Ok(x) => Ok(
            Redirect::to(&format!("/reviews/{}?notice=review-saved", encode(&x.id)))
                .into_response(),
        ),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(&s, &ctx, &caller, input, errors, None).await
        }
    }
}

/// Every action reviews decided on, as CSV or XLSX.
pub async fn export_actions(ctx: Ctx, path: MatchedPath) -> PageResult {
    let rows = service::actions(&ctx).await?;
    Ok(crate::exchange::download(
        "management-review-actions",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::actions_table(&rows),
    )?)
}

/// An indicator's trend in the pack, drawn.
struct Trend {
    kpi: String,
    name: String,
    status: String,
    svg: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "review/templates/review.html")]
struct ReviewPage {
    l: Layout,
    r: ReviewRecord,
    trends: Vec<Trend>,
    generated: String,
    refusal: Option<String>,
    today: String,
    statuses: Vec<crate::web::page::Choice>,
    history: Vec<HistoryRow>,
    can_edit: bool,
    v: ReviewInput,
    revision: i64,
    a: ReviewActionInput,
    errors: FormErrors,
}

struct Forms {
    review: Option<(ReviewInput, i64)>,
    action: ReviewActionInput,
}

async fn render(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    forms: Forms,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let r = service::get(ctx, id).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "review", &r.review.id, 50).await?,
        ctx.clock().now(),
    );
    let trends = r
        .pack
        .sections
        .iter()
        .flat_map(|s| s.trends.iter())
        .filter(|t| !t.values.is_empty())
        .map(|t| {
            let unit = t.unit.clone();
            Trend {
                kpi: t.kpi.clone(),
                name: t.name.clone(),
                status: t.status.clone(),
                svg: crate::web::chart::trend(
                    &t.name,
                    &t.periods,
                    &t.values,
                    Some(t.target),
                    &|v| {
                        if unit == "%" {
                            format!("{v:.1} %")
                        } else {
                            format!("{v:.1}")
                        }
                    },
                ),
            }
        })
        .collect();
    let (v, revision) = forms
        .review
        .unwrap_or_else(|| (ReviewInput::from(&r.review), r.review.revision));
    let l = layout(
        s,
        caller,
        &format!("{} {}", r.review.id, r.review.title),
        "reviews",
        q,
    )
    .await?;
    Ok((
        errors.status(),
        ReviewPage {
            generated: crate::domain::clock::display(&r.pack.generated_at),
            refusal: hold_refusal(&r.review, &ctx.today()),
            today: ctx.today(),
            statuses: crate::web::page::choices(
                super::domain::ReviewActionStatus::ALL,
                super::domain::ReviewActionStatus::key,
                super::domain::ReviewActionStatus::label,
            ),
            can_edit: ctx.actor.is_editor(),
            a: forms.action,
            history,
            trends,
            l,
            r,
            v,
            revision,
            errors,
        },
    )
        .into_response())
}

pub async fn show(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let forms = Forms {
        review: None,
        action: ReviewActionInput::default(),
    };
    render(
        &s,
        &ctx,
        &caller,
        &id,
        forms,
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = input_of(&form);
    let started = form.revision();
    match service::update(&ctx, &id, started, &input).await {
        Ok(x) => Ok(
            Redirect::to(&format!("/reviews/{}?notice=review-saved", encode(&x.id)))
                .into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            let forms = Forms {
                review: Some((input, rev)),
                action: ReviewActionInput::default(),
            };
            render(&s, &ctx, &caller, &id, forms, errors, None).await
        }
    }
}

pub async fn hold(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    match service::hold(&ctx, &id, form.revision()).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/reviews/{}?notice=review-held", encode(&id))).into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let forms = Forms {
                review: None,
                action: ReviewActionInput::default(),
            };
            render(&s, &ctx, &caller, &id, forms, errors, None).await
        }
    }
}

pub async fn create_action(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = ReviewActionInput {
        title: form.get("title").into(),
        owner: form.get("owner").into(),
        due_on: form.get("due_on").into(),
        status: String::new(),
    };
    match service::create_action(&ctx, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/reviews/{}?notice=review-action-saved#actions",
            encode(&id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let forms = Forms {
                review: None,
                action: input,
            };
            render(&s, &ctx, &caller, &id, forms, errors, None).await
        }
    }
}

/// An action's status from the review page's row (done, dropped, open).
pub async fn update_action(ctx: Ctx, Path(id): Path<String>, form: FormData) -> PageResult {
    let current = service::action(&ctx, &id).await?;
    let mut input = ReviewActionInput::from(&current);
    input.status = form.get("status").into();
    service::update_action(&ctx, &id, form.revision(), &input).await?;
    Ok(Redirect::to(&format!(
        "/reviews/{}?notice=review-action-saved#actions",
        encode(&current.review)
    ))
    .into_response())
}

pub async fn pack_pdf(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let (name, bytes) = super::service_pdf::pack_pdf(&ctx, &id).await?;
    Ok(crate::exchange::attachment(&name, "application/pdf", bytes))
}
