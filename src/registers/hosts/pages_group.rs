//! Host group pages: the groups with what each does not evidence, a new group, a group's page
//! (its hosts, its settings, removing it), and moving a host into another group.

use super::domain_group::{HostGroup, HostGroupInput};
use super::service_group;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{FormData, FormErrors, Layout, PageResult, layout};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};

/// A group's fields as the form holds them.
fn input_of(form: &FormData) -> HostGroupInput {
    HostGroupInput {
        key: form.get("key").to_string(),
        name: form.get("name").to_string(),
        description: form.get("description").to_string(),
        is_default: form.get("is_default") == "yes",
        excluded_controls: form.get("excluded_controls").to_string(),
    }
}

fn input_from(g: &HostGroup) -> HostGroupInput {
    HostGroupInput {
        key: g.key.clone(),
        name: g.name.clone(),
        description: g.description.clone(),
        is_default: g.is_default,
        excluded_controls: g.excluded_controls.join(", "),
    }
}

/// A control id with its title, for the pages.
fn titled(ids: &[String], catalog: &crate::domain::catalog::Catalog) -> Vec<(String, String)> {
    ids.iter()
        .map(|c| {
            let title = catalog
                .control(c)
                .map(|c| c.title.clone())
                .unwrap_or_default();
            (c.clone(), title)
        })
        .collect()
}

struct GroupRow {
    g: HostGroup,
    href: String,
    excluded: Vec<(String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "hosts/templates/host_groups.html")]
struct GroupsPage {
    l: Layout,
    groups: Vec<GroupRow>,
    can_edit: bool,
    errors: FormErrors,
    v: HostGroupInput,
}

async fn render_groups(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    q: Option<&str>,
    errors: FormErrors,
    v: HostGroupInput,
) -> PageResult {
    let l = layout(s, caller, "Host groups", "hosts", q).await?;
    let catalog =
        crate::registers::catalog::service::catalog(ctx, crate::domain::catalog::DEFAULT_FRAMEWORK)
            .await?;
    let groups = service_group::groups(ctx)
        .await?
        .into_iter()
        .map(|g| GroupRow {
            href: format!("/host-groups/{}", encode(&g.key)),
            excluded: titled(&g.excluded_controls, &catalog),
            g,
        })
        .collect();
    let status = errors.status();
    Ok((
        status,
        GroupsPage {
            l,
            groups,
            can_edit: ctx.actor.is_editor(),
            errors,
            v,
        },
    )
        .into_response())
}

/// The groups, what each does not evidence, and a form for a new one (editors).
pub async fn groups_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_groups(
        &s,
        &ctx,
        &caller,
        q.as_deref(),
        FormErrors::default(),
        HostGroupInput::default(),
    )
    .await
}

/// Creates a group.
pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = input_of(&form);
    match service_group::create(&ctx, &input).await {
        Ok(g) => Ok(Redirect::to(&format!(
            "/host-groups/{}?notice=group-saved",
            encode(&g.key)
        ))
        .into_response()),
        Err(e @ Error::Validation(_)) => {
            render_groups(&s, &ctx, &caller, None, FormErrors::from_error(e)?, input).await
        }
        Err(e) => Err(e.into()),
    }
}

struct HostLine {
    name: String,
    href: String,
    last_seen: String,
    rate: String,
    stale: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "hosts/templates/host_group.html")]
struct GroupPage {
    l: Layout,
    g: HostGroup,
    excluded: Vec<(String, String)>,
    hosts: Vec<HostLine>,
    can_edit: bool,
    errors: FormErrors,
    v: HostGroupInput,
    revision: i64,
    delete_errors: FormErrors,
}

/// What a group's page shows again after a write that did not go through: the settings form
/// as sent with its problems, or the removal's problems.
#[derive(Default)]
struct Again<'a> {
    errors: FormErrors,
    form: Option<&'a FormData>,
    delete_errors: FormErrors,
}

async fn render_group(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    key: &str,
    q: Option<&str>,
    again: Again<'_>,
) -> PageResult {
    let Again {
        errors,
        form,
        delete_errors,
    } = again;
    let g = service_group::group(ctx, key).await?;
    let catalog =
        crate::registers::catalog::service::catalog(ctx, crate::domain::catalog::DEFAULT_FRAMEWORK)
            .await?;
    let hosts = super::service::hosts(ctx)
        .await?
        .into_iter()
        .filter(|h| h.group == g.key)
        .map(|h| HostLine {
            href: format!("/hosts/{}", super::pages::segment(&h.name)),
            last_seen: crate::domain::clock::display(&h.last_seen),
            rate: h
                .pass_rate
                .map(|r| format!("{:.0}%", r * 100.0))
                .unwrap_or_else(|| "—".into()),
            stale: h.stale,
            name: h.name,
        })
        .collect();
    let l = layout(s, caller, &format!("Host group {}", g.name), "hosts", q).await?;
    let status = errors.status();
    let v = match form {
        Some(f) => input_of(f),
        None => input_from(&g),
    };
    let revision = match form.and_then(FormData::revision) {
        Some(r) => errors.revision(r),
        None => g.revision,
    };
    Ok((
        status,
        GroupPage {
            l,
            excluded: titled(&g.excluded_controls, &catalog),
            g,
            hosts,
            can_edit: ctx.actor.is_editor(),
            errors,
            v,
            revision,
            delete_errors,
        },
    )
        .into_response())
}

/// A group: its hosts, what it does not evidence, its settings (editors).
pub async fn group_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_group(&s, &ctx, &caller, &key, q.as_deref(), Again::default()).await
}

/// Saves a group's settings.
pub async fn update(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    form: FormData,
) -> PageResult {
    match service_group::update(&ctx, &key, form.revision(), &input_of(&form)).await {
        Ok(_) => Ok(
            Redirect::to(&format!("/host-groups/{}?notice=group-saved", encode(&key)))
                .into_response(),
        ),
        Err(e @ (Error::Validation(_) | Error::Stale { .. })) => {
            let errors = FormErrors::from_error(e)?;
            render_group(
                &s,
                &ctx,
                &caller,
                &key,
                None,
                Again {
                    errors,
                    form: Some(&form),
                    ..Again::default()
                },
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Removes an empty group, once the person ticked the confirmation.
pub async fn delete(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(key): Path<String>,
    form: FormData,
) -> PageResult {
    let outcome = if form.get("confirm") != "yes" {
        Err(Error::field(
            "confirm",
            "tick the box to confirm that the group goes",
        ))
    } else {
        service_group::delete(&ctx, &key, form.revision()).await
    };
    match outcome {
        Ok(()) => Ok(Redirect::to("/host-groups?notice=group-removed").into_response()),
        Err(e @ (Error::Validation(_) | Error::Stale { .. } | Error::Conflict(_))) => {
            let status = match e {
                Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::CONFLICT,
            };
            let errors = FormErrors::from_error(e)?;
            let mut r = render_group(
                &s,
                &ctx,
                &caller,
                &key,
                None,
                Again {
                    delete_errors: errors,
                    ..Again::default()
                },
            )
            .await?;
            *r.status_mut() = status;
            Ok(r)
        }
        Err(e) => Err(e.into()),
    }
}

/// Moves a host into the group the form names; a problem shows on the host's page.
pub async fn move_host(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(name): Path<String>,
    form: FormData,
) -> PageResult {
    match service_group::move_host(&ctx, &name, form.revision(), form.get("group")).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/hosts/{}?notice=host-moved",
            super::pages::segment(&name)
        ))
        .into_response()),
        Err(e @ (Error::Validation(_) | Error::Stale { .. })) => {
            let errors = FormErrors::from_error(e)?;
            super::pages::render_host(&s, &ctx, &caller, &name, None, errors).await
        }
        Err(e) => Err(e.into()),
    }
}
