//! Roles' pages: the list with a form to add one, a role with its history, and the ownership
//! view.

use super::domain::{IsmsRole, Ownership, RoleInput, RoleKind};
use super::service;
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, history_rows, layout,
};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

fn kinds() -> Vec<Choice> {
    crate::web::page::choices(RoleKind::ALL, RoleKind::key, RoleKind::label)
}

fn input_of(form: &FormData) -> RoleInput {
    RoleInput {
        id: None,
        name: form.get("name").into(),
        kind: form.get("kind").into(),
        responsibilities: form.get("responsibilities").into(),
        authority: form.get("authority").into(),
        holders: form.get("holders").into(),
    }
}

/// A holder with the name people read.
struct Holder {
    email: String,
    name: String,
}

fn holders_of(x: &IsmsRole, names: &std::collections::HashMap<String, String>) -> Vec<Holder> {
    x.holders
        .iter()
        .map(|h| Holder {
            name: names.get(h).cloned().unwrap_or_default(),
            email: h.clone(),
        })
        .collect()
}

struct Row {
    x: IsmsRole,
    holders: Vec<Holder>,
}

#[derive(Template, WebTemplate)]
#[template(path = "responsibility/templates/roles.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    missing: Vec<String>,
    can_edit: bool,
    kinds: Vec<Choice>,
    v: RoleInput,
    errors: FormErrors,
}

async fn render_list(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: RoleInput,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "Roles and responsibilities", "roles", q).await?;
    let names = service::names(ctx).await?;
    let roles = service::all(ctx).await?;
    let missing = RoleKind::REQUIRED
        .iter()
        .filter(|k| !roles.iter().any(|r| r.kind == **k && !r.holders.is_empty()))
        .map(|k| k.label().to_string())
        .collect();
    Ok((
        errors.status(),
        ListPage {
            rows: roles
                .into_iter()
                .map(|x| Row {
                    holders: holders_of(&x, &names),
                    x,
                })
                .collect(),
            missing,
            can_edit: ctx.actor.is_editor(),
            kinds: kinds(),
            l,
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
        RoleInput::default(),
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    Params::parse(raw.as_deref())?.check_known(&[])?;
    let all = service::all(&ctx).await?;
    Ok(crate::exchange::download(
        "roles",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::roles_table(&all),
    )?)
}

pub async fn export_ownership(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    Params::parse(raw.as_deref())?.check_known(&[])?;
    let o = service::ownership_view(&ctx).await?;
    Ok(crate::exchange::download(
        "ownership",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::ownership_table(&o),
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
            Redirect::to(&format!("/roles/{}?notice=role-saved", encode(&x.id))).into_response(),
        ),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(&s, &ctx, &caller, input, errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "responsibility/templates/role.html")]
struct RolePage {
    l: Layout,
    x: IsmsRole,
    holders: Vec<Holder>,
    history: Vec<HistoryRow>,
    can_edit: bool,
    kinds: Vec<Choice>,
    v: RoleInput,
    revision: i64,
    errors: FormErrors,
}

async fn render(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(RoleInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let x = service::get(ctx, id).await?;
    let names = service::names(ctx).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "isms_role", &x.id, 50).await?,
        ctx.clock().now(),
    );
    let (v, revision) = form.unwrap_or_else(|| (RoleInput::from(&x), x.revision));
    let l = layout(s, caller, &format!("{} {}", x.id, x.name), "roles", q).await?;
    Ok((
        errors.status(),
        RolePage {
            holders: holders_of(&x, &names),
            history,
            can_edit: ctx.actor.is_editor(),
            kinds: kinds(),
            v,
            revision,
            errors,
            l,
            x,
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
    render(
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
            Redirect::to(&format!("/roles/{}?notice=role-saved", encode(&x.id))).into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "responsibility/templates/ownership.html")]
struct OwnershipPage {
    l: Layout,
    o: Ownership,
    mismatched: usize,
}

pub async fn ownership(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    Params::parse(q.as_deref())?.check_known(&["notice"])?;
    let o = service::ownership_view(&ctx).await?;
    let l = layout(&s, &caller, "Who owns what", "roles", q.as_deref()).await?;
    Ok(OwnershipPage {
        mismatched: o.people.iter().filter(|p| !p.notes.is_empty()).count(),
        l,
        o,
    }
    .into_response())
}
