//! Training pages: modules and campaigns, a module (with its form), a campaign's progress by
//! department and by person (recording a completion, closing it), competence by job title.

use super::domain::{
    CampaignFilter, CampaignInput, CampaignState, CompletionInput, CompletionVia, ModuleInput,
};
use super::service;
use crate::domain::query::Params;
use crate::error::Error;
use crate::registers::document::domain_ack::AckScope;
use crate::registers::staff::service::STAFF_READERS;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{Choice, FormData, FormErrors, Layout, PageResult, layout, with_cursor};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

fn scopes() -> Vec<Choice> {
    AckScope::ALL
        .iter()
        .map(|s| Choice {
            key: s.key(),
            label: s.label(),
        })
        .collect()
}

struct CampaignRow {
    id: String,
    title: String,
    audience: String,
    due: String,
    closed: bool,
    percent: i64,
    completed: i64,
    required: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "training/templates/training.html")]
struct OverviewPage {
    l: Layout,
    can_edit: bool,
    modules: Vec<super::domain::Module>,
    campaigns: Vec<CampaignRow>,
    module_form: ModuleInput,
    campaign_form: CampaignInput,
    module_errors: FormErrors,
    campaign_errors: FormErrors,
    scopes: Vec<Choice>,
}

impl OverviewPage {
    /// Whether the campaign form had this module ticked.
    fn chosen(&self, id: &str) -> bool {
        self.campaign_form
            .modules
            .split(',')
            .any(|x| x.trim() == id)
    }
}

fn audience_text(scope: AckScope, groups: &[String]) -> String {
    if scope == AckScope::Everyone {
        "everyone".into()
    } else {
        format!("{}: {}", scope.label(), groups.join(", "))
    }
}

async fn render_overview(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    module_form: ModuleInput,
    module_errors: FormErrors,
    campaign_form: CampaignInput,
    campaign_errors: FormErrors,
) -> PageResult {
    let l = layout(s, caller, "Training", "training", None).await?;
    let mut campaigns = Vec::new();
    for c in service::campaigns(ctx).await? {
        let sum = service::summary(ctx, &c.id).await?;
        campaigns.push(CampaignRow {
            percent: sum.percent(),
            completed: sum.completed,
            required: sum.required,
            audience: audience_text(c.scope, &c.groups),
            due: c.due_on.clone(),
            closed: c.closed_on.is_some(),
            id: c.id,
            title: c.title,
        });
    }
    let status = if module_errors.is_empty() {
        campaign_errors.status()
    } else {
        module_errors.status()
    };
    Ok((
        status,
        OverviewPage {
            l,
            can_edit: ctx.actor.is_editor(),
            modules: service::modules(ctx).await?,
            campaigns,
            module_form,
            campaign_form,
            module_errors,
            campaign_errors,
            scopes: scopes(),
        },
    )
        .into_response())
}

pub async fn overview(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let due = crate::domain::input::days_after(&ctx.today(), 30).unwrap_or_default();
    render_overview(
        &s,
        &ctx,
        &caller,
        ModuleInput::default(),
        FormErrors::default(),
        CampaignInput {
            due_on: due,
            ..CampaignInput::default()
        },
        FormErrors::default(),
    )
    .await
}

fn module_input(form: &FormData, id: Option<String>) -> ModuleInput {
    ModuleInput {
        id,
        title: form.get("title").into(),
        description: form.get("description").into(),
        material_url: form.get("material_url").into(),
        duration_minutes: Some(serde_json::Value::String(
            form.get("duration_minutes").into(),
        )),
        controls: Some(serde_json::Value::String(form.get("controls").into())),
    }
}

pub async fn create_module(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let v = module_input(&form, Some(form.get("id").to_string()));
    match service::create_module(&ctx, &v).await {
        Ok(m) => Ok(Redirect::to(&format!(
            "/training/modules/{}?notice=module-saved",
            encode(&m.id)
        ))
        .into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_overview(
                &s,
                &ctx,
                &caller,
                v,
                errors,
                CampaignInput::default(),
                FormErrors::default(),
            )
            .await
        }
    }
}

fn campaign_input(form: &FormData) -> CampaignInput {
    CampaignInput {
        title: form.get("title").into(),
        modules: form.all("modules").join(","),
        scope: form.get("scope").into(),
        groups: form.get("groups").into(),
        starts_on: form.get("starts_on").into(),
        due_on: form.get("due_on").into(),
    }
}

pub async fn create_campaign(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let v = campaign_input(&form);
    match service::create_campaign(&ctx, &v).await {
        Ok(c) => Ok(Redirect::to(&format!(
            "/training/campaigns/{}?notice=campaign-saved",
            encode(&c.id)
        ))
        .into_response()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_overview(
                &s,
                &ctx,
                &caller,
                ModuleInput::default(),
                FormErrors::default(),
                v,
                errors,
            )
            .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "training/templates/module.html")]
struct ModulePage {
    l: Layout,
    m: super::domain::Module,
    v: ModuleInput,
    errors: FormErrors,
    revision: i64,
    can_edit: bool,
}

async fn render_module(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    typed: Option<(ModuleInput, FormErrors, i64)>,
    q: Option<&str>,
) -> PageResult {
    let m = service::module(ctx, id).await?;
    let l = layout(s, caller, &m.title, "training", q).await?;
    let (v, errors, revision) =
        typed.unwrap_or_else(|| (ModuleInput::from(&m), FormErrors::default(), m.revision));
    let status = errors.status();
    Ok((
        status,
        ModulePage {
            l,
            can_edit: ctx.actor.is_editor(),
            m,
            v,
            errors,
            revision,
        },
    )
        .into_response())
}

pub async fn module_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_module(&s, &ctx, &caller, &id, None, q.as_deref()).await
}

pub async fn update_module(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let v = module_input(&form, Some(id.clone()));
    let started = form.revision();
    match service::update_module(&ctx, &id, started, &v).await {
        Ok(m) => Ok(Redirect::to(&format!(
            "/training/modules/{}?notice=module-saved",
            encode(&m.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_module(&s, &ctx, &caller, &id, Some((v, errors, rev)), None).await
        }
    }
}

/// Sets the module's material file from a multipart form (`file`, `revision`).
pub async fn upload_material(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    req: axum::extract::Request,
) -> PageResult {
    let mut started = None;
    let result = async {
        let upload = crate::registers::evidence::web::read_upload(&ctx, req)
            .await
            .map_err(Error::from)?;
        started = upload.get("revision").trim().parse().ok();
        let file = upload
            .file
            .ok_or_else(|| Error::field("file", "choose the material's file"))?;
        service::set_material_file(&ctx, &id, started, Some(file)).await
    }
    .await;
    material_done(&s, &ctx, &caller, &id, started, result).await
}

/// Removes the module's material file.
pub async fn remove_material(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let started = form.revision();
    let result = service::set_material_file(&ctx, &id, started, None).await;
    material_done(&s, &ctx, &caller, &id, started, result).await
}

async fn material_done(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    started: Option<i64>,
    result: Result<super::domain::Module, Error>,
) -> PageResult {
    match result {
        Ok(m) => Ok(Redirect::to(&format!(
            "/training/modules/{}?notice=module-saved",
            encode(&m.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let m = service::module(ctx, id).await?;
            let rev = errors.revision(started.unwrap_or(m.revision));
            render_module(
                s,
                ctx,
                caller,
                id,
                Some((ModuleInput::from(&m), errors, rev)),
                None,
            )
            .await
        }
    }
}

/// The module's material file, checked against its SHA-256.
pub async fn material(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    let (f, reader) = service::material(&ctx, &id).await?;
    Ok(crate::registers::evidence::web::file_response(&f, reader))
}

struct Line {
    person_id: String,
    name: String,
    department: String,
    done: i64,
    of: i64,
    state: &'static str,
    state_key: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "training/templates/campaign.html")]
struct CampaignPage {
    l: Layout,
    s: super::domain::CampaignSummary,
    percent: i64,
    audience: String,
    sees_people: bool,
    can_edit: bool,
    rows: Vec<Line>,
    total: i64,
    next_href: Option<String>,
    errors: FormErrors,
    states: Vec<Choice>,
    f_state: String,
    f_department: String,
    f_q: String,
    record_errors: FormErrors,
}

async fn render_campaign(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    raw: Option<&str>,
    record_errors: FormErrors,
) -> PageResult {
    let sum = service::summary(ctx, id).await?;
    let (params, malformed) = Params::parse_lenient(raw);
    let mut errors = FormErrors::default();
    let sees_people = ctx.actor.has(STAFF_READERS);
    let base = format!("/training/campaigns/{}", encode(id));
    let (rows, total, next_href) = if sees_people {
        match malformed
            .map(Err)
            .unwrap_or_else(|| CampaignFilter::read(&params))
        {
            Ok(f) => match service::lines(ctx, id, &f, params.cursor(), 100).await {
                Ok(p) => (
                    p.items
                        .into_iter()
                        .map(|l| Line {
                            state: l.state.label(),
                            state_key: l.state.key(),
                            person_id: l.person_id,
                            name: l.name,
                            department: l.department,
                            done: l.done,
                            of: l.of,
                        })
                        .collect(),
                    p.total,
                    p.next_cursor.map(|c| with_cursor(&base, raw, &c)),
                ),
                Err(e) => {
                    errors = FormErrors::from_error(e)?;
                    (Vec::new(), 0, None)
                }
            },
            Err(e) => {
                errors = FormErrors::from_error(e)?;
                (Vec::new(), 0, None)
            }
        }
    } else {
        (Vec::new(), 0, None)
    };
    let l = layout(s, caller, &sum.campaign.title, "training", raw).await?;
    let status = if record_errors.is_empty() {
        errors.status()
    } else {
        record_errors.status()
    };
    Ok((
        status,
        CampaignPage {
            percent: sum.percent(),
            audience: audience_text(sum.campaign.scope, &sum.campaign.groups),
            sees_people,
            can_edit: ctx.actor.is_editor(),
            states: CampaignState::ALL
                .iter()
                .map(|s| Choice {
                    key: s.key(),
                    label: s.label(),
                })
                .collect(),
            f_state: params.raw("state"),
            f_department: params.raw("department"),
            f_q: params.raw("q"),
            l,
            s: sum,
            rows,
            total,
            next_href,
            errors,
            record_errors,
        },
    )
        .into_response())
}

pub async fn campaign_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    render_campaign(
        &s,
        &ctx,
        &caller,
        &id,
        raw.as_deref(),
        FormErrors::default(),
    )
    .await
}

/// A manager records one person's completion of a module from the campaign's page.
pub async fn record_completion(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = CompletionInput {
        person: form.get("person").into(),
        module: form.get("module").into(),
        completed_on: form.get("completed_on").into(),
        score: None,
    };
    let result = match input.parse(&ctx.today()) {
        Ok(d) => service::record(&ctx, vec![(0, d)], CompletionVia::Manager, false, None).await,
        Err(e) => Err(e),
    };
    match result {
        Ok(_) => Ok(Redirect::to(&format!(
            "/training/campaigns/{}?notice=completion-saved",
            encode(&id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_campaign(&s, &ctx, &caller, &id, None, errors).await
        }
    }
}

pub async fn close_campaign(ctx: Ctx, Path(id): Path<String>, form: FormData) -> PageResult {
    service::close_campaign(&ctx, &id, form.revision()).await?;
    Ok(Redirect::to(&format!(
        "/training/campaigns/{}?notice=campaign-closed",
        encode(&id)
    ))
    .into_response())
}

/// A campaign's audience as CSV.
pub async fn export_campaign(
    ctx: Ctx,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    let f = CampaignFilter::read(&params)?;
    let all = service::all_lines(&ctx, &id, &f).await?;
    Ok(crate::exchange::download(
        &format!("{id}-training"),
        crate::exchange::Format::Csv,
        &super::exchange::campaign_table(&all),
    )?)
}

#[derive(Template, WebTemplate)]
#[template(path = "training/templates/competence.html")]
struct CompetencePage {
    l: Layout,
    rows: Vec<super::domain::Competence>,
    text: String,
    errors: FormErrors,
    can_edit: bool,
}

async fn render_competence(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    typed: Option<(String, FormErrors)>,
    q: Option<&str>,
) -> PageResult {
    let rows = service::competence(ctx).await?;
    let l = layout(s, caller, "Competence", "training", q).await?;
    let (text, errors) = typed.unwrap_or_else(|| {
        (
            rows.iter()
                .map(|c| format!("{}: {}", c.job_title, c.modules.join(", ")))
                .collect::<Vec<_>>()
                .join("\n"),
            FormErrors::default(),
        )
    });
    let status = errors.status();
    Ok((
        status,
        CompetencePage {
            l,
            rows,
            text,
            errors,
            can_edit: ctx.actor.is_editor(),
        },
    )
        .into_response())
}

pub async fn competence_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_competence(&s, &ctx, &caller, None, q.as_deref()).await
}

pub async fn competence_submit(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let text = form.get("competence").to_string();
    match service::set_competence(&ctx, &text).await {
        Ok(()) => Ok(Redirect::to("/training/competence?notice=competence-saved").into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_competence(&s, &ctx, &caller, Some((text, errors)), None).await
        }
    }
}
