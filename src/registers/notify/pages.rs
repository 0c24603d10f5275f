//! The administration page of notifications: the organisation's rules, where e-mail goes
//! with a button that sends a test message, and the outbox with what failed.

use super::domain::{Policy, PolicyInput};
use super::service::{self, OutboxView};
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormData, FormErrors, Layout, PageResult, layout};
use crate::web::session::Caller;
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{RawQuery, State};
use axum::response::{IntoResponse, Redirect};

#[derive(Template, WebTemplate)]
#[template(path = "notify/templates/notifications.html")]
struct AdminPage {
    l: Layout,
    o: OutboxView,
    state: String,
    p: PolicyInput,
    roles: Vec<(String, String)>,
    test_to: String,
    sent_to: Option<String>,
    errors: FormErrors,
}

fn input_of(p: &Policy) -> PolicyInput {
    PolicyInput {
        digest_hour: p.digest_hour.to_string(),
        escalate_after_days: p.escalate_after_days.to_string(),
        escalate_to_role: p.escalate_to_role.clone(),
    }
}

#[allow(clippy::too_many_arguments)]
async fn render(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    policy: Option<PolicyInput>,
    test_to: String,
    sent_to: Option<String>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let params = Params::parse(q)?;
    params.check_known(&["state", "notice"])?;
    let state = params.get("state").unwrap_or("").to_string();
    let o = service::outbox(ctx, (!state.is_empty()).then_some(state.as_str())).await?;
    let p = match policy {
        Some(p) => p,
        None => input_of(&service::policy(ctx).await?),
    };
    let roles = crate::registers::responsibility::service::all(ctx)
        .await?
        .into_iter()
        .map(|r| (r.id, r.name))
        .collect();
    let l = layout(s, caller, "Notifications", "notifications", q).await?;
    Ok((
        errors.status(),
        AdminPage {
            l,
            o,
            state,
            p,
            roles,
            test_to,
            sent_to,
            errors,
        },
    )
        .into_response())
}

pub async fn page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let me = ctx
        .actor
        .user
        .as_ref()
        .map(|u| u.email.clone())
        .unwrap_or_default();
    render(
        &s,
        &ctx,
        &caller,
        None,
        me,
        None,
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn save_policy(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = PolicyInput {
        digest_hour: form.get("digest_hour").into(),
        escalate_after_days: form.get("escalate_after_days").into(),
        escalate_to_role: form.get("escalate_to_role").into(),
    };
    match service::set_policy(&ctx, &input).await {
        Ok(_) => Ok(Redirect::to("/admin/notifications?notice=policy-saved").into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(
                &s,
                &ctx,
                &caller,
                Some(input),
                String::new(),
                None,
                errors,
                None,
            )
            .await
        }
    }
}

/// Sends a test message now and says how it went.
pub async fn test(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let to = form.get("to").to_string();
    match service::send_test(&ctx, &to).await {
        Ok(server) => {
            let sent = format!("{to} through {server}");
            render(
                &s,
                &ctx,
                &caller,
                None,
                to,
                Some(sent),
                FormErrors::default(),
                None,
            )
            .await
        }
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render(&s, &ctx, &caller, None, to, None, errors, None).await
        }
    }
}
