//! The webhooks page (admins): the webhooks with what each receives, a form to add one (its
//! signing key shown once), one webhook's page to change, test or remove it.

use super::domain::MessageKind;
use super::domain_webhook::{EVENTS, Webhook, WebhookFormat, WebhookInput};
use super::service_webhook::{self as service, NewWebhook};
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormData, FormErrors, Layout, PageResult, layout};
use crate::web::session::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

/// What the form shows: the input and the events ticked.
struct Form {
    input: WebhookInput,
    events: Vec<MessageKind>,
    enabled: bool,
}

impl Form {
    fn blank() -> Form {
        Form {
            input: WebhookInput::default(),
            events: EVENTS.to_vec(),
            enabled: true,
        }
    }

    fn of(w: &Webhook) -> Form {
        Form {
            input: WebhookInput {
                name: w.name.clone(),
                format: w.format.key().into(),
                ..Default::default()
            },
            events: w.events.clone(),
            enabled: w.enabled,
        }
    }

    fn read(form: &FormData) -> Form {
        let events = form.all("events");
        let enabled = form.get("enabled") == "yes";
        Form {
            input: WebhookInput {
                name: form.get("name").into(),
                url: form.get("url").into(),
                format: form.get("format").into(),
                events: events.join(","),
                enabled: if enabled { "yes" } else { "no" }.into(),
            },
            events: events
                .iter()
                .filter_map(|k| MessageKind::parse(k).ok())
                .collect(),
            enabled,
        }
    }

    fn ticked(&self, k: &MessageKind) -> bool {
        self.events.contains(k)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "notify/templates/webhooks.html")]
struct ListPage {
    l: Layout,
    hooks: Vec<Webhook>,
    f: Form,
    events: &'static [MessageKind],
    formats: &'static [WebhookFormat],
    made: Option<NewWebhook>,
    errors: FormErrors,
}

#[derive(Template, WebTemplate)]
#[template(path = "notify/templates/webhook.html")]
struct OnePage {
    l: Layout,
    w: Webhook,
    f: Form,
    events: &'static [MessageKind],
    formats: &'static [WebhookFormat],
    revision: i64,
    tested: Option<String>,
    errors: FormErrors,
}

async fn render_list(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    f: Form,
    made: Option<NewWebhook>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let hooks = service::list(ctx).await?;
    let l = layout(s, caller, "Webhooks", "notifications", q).await?;
    Ok((
        errors.status(),
        ListPage {
            l,
            hooks,
            f,
            events: EVENTS,
            formats: WebhookFormat::ALL,
            made,
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
    crate::domain::query::Params::parse(q.as_deref())?.check_known(&["notice"])?;
    render_list(
        &s,
        &ctx,
        &caller,
        Form::blank(),
        None,
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let f = Form::read(&form);
    match service::create(&ctx, &f.input).await {
        Ok(made) => {
            render_list(
                &s,
                &ctx,
                &caller,
                Form::blank(),
                Some(made),
                FormErrors::default(),
                None,
            )
            .await
        }
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(&s, &ctx, &caller, f, None, errors, None).await
        }
    }
}

#[allow(clippy::too_many_arguments)]
async fn render_one(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    f: Option<Form>,
    revision: Option<i64>,
    tested: Option<String>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let w = service::get(ctx, id).await?;
    let l = layout(s, caller, &w.name, "notifications", q).await?;
    let revision = revision.unwrap_or(w.revision);
    let f = f.unwrap_or_else(|| Form::of(&w));
    Ok((
        errors.status(),
        OnePage {
            l,
            w,
            f,
            events: EVENTS,
            formats: WebhookFormat::ALL,
            revision,
            tested,
            errors,
        },
    )
        .into_response())
}

pub async fn one(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    crate::domain::query::Params::parse(q.as_deref())?.check_known(&["notice"])?;
    render_one(
        &s,
        &ctx,
        &caller,
        &id,
        None,
        None,
        None,
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
    let f = Form::read(&form);
    let started = form.revision();
    match service::update(&ctx, &id, started, &f.input).await {
        Ok(w) => Ok(Redirect::to(&format!(
            "/admin/webhooks/{}?notice=webhook-saved",
            crate::domain::query::encode(&w.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let revision = errors.revision(started.unwrap_or_default());
            render_one(
                &s,
                &ctx,
                &caller,
                &id,
                Some(f),
                Some(revision),
                None,
                errors,
                None,
            )
            .await
        }
    }
}

pub async fn remove(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    if form.get("confirm") != "yes" {
        let errors = FormErrors::from_error(Error::field(
            "confirm",
            "tick the box to confirm: events waiting for this webhook will not be sent",
        ))?;
        return render_one(&s, &ctx, &caller, &id, None, None, None, errors, None).await;
    }
    match service::remove(&ctx, &id, form.revision()).await {
        Ok(()) => Ok(Redirect::to("/admin/webhooks?notice=webhook-removed").into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_one(&s, &ctx, &caller, &id, None, None, None, errors, None).await
        }
    }
}

/// Posts a test event now and says what the receiver answered.
pub async fn test(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    match service::test(&ctx, &id).await {
        Ok(said) => {
            render_one(
                &s,
                &ctx,
                &caller,
                &id,
                None,
                None,
                Some(said),
                FormErrors::default(),
                None,
            )
            .await
        }
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_one(&s, &ctx, &caller, &id, None, None, None, errors, None).await
        }
    }
}
