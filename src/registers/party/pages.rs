//! Interested parties' pages: the list with a form to add one, and a party with its
//! obligations, history and form.

use super::domain::{Party, PartyInput, PartyKind};
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
    crate::web::page::choices(PartyKind::ALL, PartyKind::key, PartyKind::label)
}

fn input_of(form: &FormData) -> PartyInput {
    PartyInput {
        id: None,
        name: form.get("name").into(),
        kind: form.get("kind").into(),
        needs: form.get("needs").into(),
        addressed: matches!(form.get("addressed"), "1" | "on" | "yes" | "true"),
        obligations: form.get("obligations").into(),
        owner: form.get("owner").into(),
        reviewed_on: form.get("reviewed_on").into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "party/templates/parties.html")]
struct ListPage {
    l: Layout,
    parties: Vec<Party>,
    can_edit: bool,
    kinds: Vec<Choice>,
    v: PartyInput,
    errors: FormErrors,
}

async fn render_list(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: PartyInput,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "Interested parties", "obligations", q).await?;
    Ok((
        errors.status(),
        ListPage {
            parties: service::all(ctx).await?,
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
        PartyInput::default(),
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    Params::parse(raw.as_deref())?.check_known(&[])?;
    let all = service::all(&ctx).await?;
    Ok(crate::exchange::download(
        "interested-parties",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::parties_table(&all),
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
            Redirect::to(&format!("/parties/{}?notice=party-saved", encode(&x.id))).into_response(),
        ),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(&s, &ctx, &caller, input, errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "party/templates/party.html")]
struct PartyPage {
    l: Layout,
    x: Party,
    history: Vec<HistoryRow>,
    can_edit: bool,
    kinds: Vec<Choice>,
    v: PartyInput,
    revision: i64,
    errors: FormErrors,
}

async fn render(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(PartyInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let x = service::get(ctx, id).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "party", &x.id, 50).await?,
        ctx.clock().now(),
    );
    let (v, revision) = form.unwrap_or_else(|| (PartyInput::from(&x), x.revision));
    let l = layout(s, caller, &format!("{} {}", x.id, x.name), "obligations", q).await?;
    Ok((
        errors.status(),
        PartyPage {
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
            Redirect::to(&format!("/parties/{}?notice=party-saved", encode(&x.id))).into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}
