//! The scheduled jobs page (admins): each job's last and next run, what it did or why it
//! failed, and a button that runs it at the next tick.

use super::domain::Job;
use super::service;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{Layout, PageResult, layout};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

#[derive(Template, WebTemplate)]
#[template(path = "jobs/templates/jobs.html")]
struct JobsPage {
    l: Layout,
    jobs: Vec<Job>,
}

pub async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let jobs = service::list(&ctx).await?;
    let l = layout(&s, &caller, "Scheduled jobs", "jobs", q.as_deref()).await?;
    Ok(JobsPage { l, jobs }.into_response())
}

pub async fn run(ctx: Ctx, Path(name): Path<String>) -> PageResult {
    let j = service::run_soon(&ctx, &name).await?;
    Ok(Redirect::to(&format!(
        "/admin/jobs?notice=job-queued#{}",
        encode(&j.name)
    ))
    .into_response())
}
