//! The context's pages: the issues with the scope's state and a form to add one, an issue with
//! its history, and the scope with its approved versions.

use super::domain::{
    ContextIssue, IssueBearing, IssueCategory, IssueInput, IssueQuery, IssueSide, SCOPE_PARTS,
    Scope, ScopeText, ScopeVersion,
};
use super::service;
use crate::domain::query::Params;
use crate::error::Error;
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, history_rows, layout,
    with_cursor, with_same_filters,
};
use crate::web::session::{Caller, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::response::{IntoResponse, Redirect};

fn sides() -> Vec<Choice> {
    crate::web::page::choices(IssueSide::ALL, IssueSide::key, IssueSide::label)
}

fn categories() -> Vec<Choice> {
    crate::web::page::choices(IssueCategory::ALL, IssueCategory::key, IssueCategory::label)
}

fn bearings() -> Vec<Choice> {
    crate::web::page::choices(IssueBearing::ALL, IssueBearing::key, IssueBearing::label)
}

fn input_of(form: &FormData) -> IssueInput {
    IssueInput {
        id: None,
        title: form.get("title").into(),
        side: form.get("side").into(),
        category: form.get("category").into(),
        description: form.get("description").into(),
        effect: form.get("effect").into(),
        bearing: form.get("bearing").into(),
        risks: form.get("risks").into(),
        owner: form.get("owner").into(),
        reviewed_on: form.get("reviewed_on").into(),
        review_due: form.get("review_due").into(),
    }
}

/// How the scope stands, in a sentence, for the context page.
fn scope_state(s: &Scope, versions: &[ScopeVersion]) -> (String, bool) {
    match versions.first() {
        None if s.text.statement.is_empty() => ("No scope is written yet.".into(), false),
        None => (
            "The scope is written but has never been approved.".into(),
            false,
        ),
        Some(v) => {
            let changed = s.text.changed_from(&v.text);
            if changed.is_empty() {
                (
                    format!(
                        "Version {} approved by {} on {}.",
                        v.version,
                        v.approved_by,
                        crate::domain::clock::display(&v.approved_at)
                    ),
                    true,
                )
            } else {
                (
                    format!(
                        "Version {} is approved; since then {} changed: approve again.",
                        v.version,
                        changed.join(", ")
                    ),
                    false,
                )
            }
        }
    }
}

struct Row {
    x: ContextIssue,
    due: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "context/templates/context.html")]
struct ListPage {
    l: Layout,
    rows: Vec<Row>,
    total: i64,
    total_capped: bool,
    next_href: Option<String>,
    filtered: bool,
    export_href: String,
    xlsx_href: String,
    f_q: String,
    f_side: String,
    f_category: String,
    f_due: bool,
    scope_text: String,
    scope_current: bool,
    statement: String,
    can_edit: bool,
    sides: Vec<Choice>,
    categories: Vec<Choice>,
    bearings: Vec<Choice>,
    v: IssueInput,
    errors: FormErrors,
}

async fn render_list(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: IssueInput,
    mut errors: FormErrors,
    raw: Option<&str>,
) -> PageResult {
    let (params, malformed) = Params::parse_lenient(raw);
    let l = layout(s, caller, "Context and scope", "context", raw).await?;
    let today = ctx.today();
    let query = match malformed {
        Some(e) => Err(e),
        None => IssueQuery::read(&params, &today),
    };
    let page = match query {
        Ok(q) => match service::list(ctx, &q, params.cursor(), 100).await {
            Ok(p) => Some(p),
            Err(e) => {
                errors = FormErrors::from_error(e)?;
                None
            }
        },
        Err(e) => {
            errors = FormErrors::from_error(e)?;
            None
        }
    };
    let (rows, total, total_capped, next_href) = match page {
        Some(p) => (
            p.items
                .into_iter()
                .map(|x| Row {
                    due: x.review_is_due(&today),
                    x,
                })
                .collect(),
            p.total,
            p.total_capped,
            p.next_cursor.map(|c| with_cursor("/context", raw, &c)),
        ),
        None => (Vec::new(), 0, false, None),
    };
    let (scope, versions) = service::scope(ctx).await?;
    let (scope_text, scope_current) = scope_state(&scope, &versions);
    let value = |k: &str| params.raw(k);
    Ok((
        errors.status(),
        ListPage {
            export_href: with_same_filters("/context/issues.csv", raw),
            xlsx_href: with_same_filters("/context/issues.xlsx", raw),
            filtered: params.filters_anything(),
            f_q: value("q"),
            f_side: value("side"),
            f_category: value("category"),
            f_due: matches!(params.get("review_due"), Some("1" | "true" | "yes" | "on")),
            scope_text,
            scope_current,
            statement: scope.text.statement,
            can_edit: ctx.actor.is_editor(),
            sides: sides(),
            categories: categories(),
            bearings: bearings(),
            l,
            rows,
            total,
            total_capped,
            next_href,
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
        IssueInput::default(),
        FormErrors::default(),
        q.as_deref(),
    )
    .await
}

pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(raw): RawQuery) -> PageResult {
    let params = Params::parse(raw.as_deref())?;
    params.check_known(IssueQuery::PARAMS)?;
    let query = IssueQuery::read(&params, &ctx.today())?;
    let all = service::all(&ctx, &query).await?;
    Ok(crate::exchange::download(
        "context-issues",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::issues_table(&all),
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
        Ok(x) => Ok(Redirect::to(&format!(
            "/context/issues/{}?notice=issue-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_list(&s, &ctx, &caller, input, errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "context/templates/issue.html")]
struct IssuePage {
    l: Layout,
    x: ContextIssue,
    due: bool,
    history: Vec<HistoryRow>,
    can_edit: bool,
    sides: Vec<Choice>,
    categories: Vec<Choice>,
    bearings: Vec<Choice>,
    v: IssueInput,
    revision: i64,
    errors: FormErrors,
}

async fn render(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(IssueInput, i64)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let x = service::get(ctx, id).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "context_issue", &x.id, 50).await?,
        ctx.clock().now(),
    );
    let (v, revision) = form.unwrap_or_else(|| (IssueInput::from(&x), x.revision));
    let l = layout(s, caller, &format!("{} {}", x.id, x.title), "context", q).await?;
    Ok((
        errors.status(),
        IssuePage {
            due: x.review_is_due(&ctx.today()),
            history,
            can_edit: ctx.actor.is_editor(),
            sides: sides(),
            categories: categories(),
            bearings: bearings(),
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
        Ok(x) => Ok(Redirect::to(&format!(
            "/context/issues/{}?notice=issue-saved",
            encode(&x.id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render(&s, &ctx, &caller, &id, Some((input, rev)), errors, None).await
        }
    }
}

/// One part of the scope on its page: key, label, the text as written now, and whether it
/// differs from the newest approved version.
struct Part {
    key: &'static str,
    label: &'static str,
    text: String,
    changed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "context/templates/scope.html")]
struct ScopePage {
    l: Layout,
    parts: Vec<Part>,
    state: String,
    current: bool,
    refusal: Option<String>,
    updated: String,
    versions: Vec<ScopeVersion>,
    can_edit: bool,
    v: ScopeText,
    revision: i64,
    note: String,
    errors: FormErrors,
}

async fn render_scope(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    form: Option<(ScopeText, i64, String)>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let (scope, versions) = service::scope(ctx).await?;
    let (state, current) = scope_state(&scope, &versions);
    let latest = versions.first().map(|v| v.text.clone());
    let parts = SCOPE_PARTS
        .iter()
        .map(|(key, label)| Part {
            key,
            label,
            text: scope.text.part(key).to_string(),
            changed: latest
                .as_ref()
                .is_some_and(|t| t.part(key) != scope.text.part(key)),
        })
        .collect();
    let refusal = super::domain::approval_refusal(&scope.text, versions.first());
    let updated = if scope.updated_at.is_empty() {
        String::new()
    } else {
        format!(
            "Last written by {} on {}.",
            scope.updated_by,
            crate::domain::clock::display(&scope.updated_at)
        )
    };
    let (v, revision, note) =
        form.unwrap_or_else(|| (scope.text.clone(), scope.revision, String::new()));
    let l = layout(s, caller, "Scope of the ISMS", "context", q).await?;
    Ok((
        errors.status(),
        ScopePage {
            can_edit: ctx.actor.is_editor(),
            parts,
            state,
            current,
            refusal,
            updated,
            versions,
            v,
            revision,
            note,
            errors,
            l,
        },
    )
        .into_response())
}

pub async fn scope(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_scope(&s, &ctx, &caller, None, FormErrors::default(), q.as_deref()).await
}

fn scope_of(form: &FormData) -> ScopeText {
    ScopeText {
        statement: form.get("statement").into(),
        boundaries: form.get("boundaries").into(),
        interfaces: form.get("interfaces").into(),
        dependencies: form.get("dependencies").into(),
        exclusions: form.get("exclusions").into(),
    }
}

pub async fn update_scope(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = scope_of(&form);
    let started = form.revision();
    match service::update_scope(&ctx, started, &input).await {
        Ok(_) => Ok(Redirect::to("/context/scope?notice=scope-saved").into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_scope(
                &s,
                &ctx,
                &caller,
                Some((input, rev, String::new())),
                errors,
                None,
            )
            .await
        }
    }
}

pub async fn approve_scope(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let note = form.get("note").to_string();
    match service::approve_scope(&ctx, form.revision(), &note).await {
        Ok(v) => Ok(Redirect::to(&format!(
            "/context/scope/versions/{}?notice=scope-approved",
            v.version
        ))
        .into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_scope(&s, &ctx, &caller, None, errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "context/templates/scope_version.html")]
struct VersionPage {
    l: Layout,
    v: ScopeVersion,
    approved_at: String,
    parts: Vec<(&'static str, String)>,
}

pub async fn scope_version(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(n): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let n: i64 = n
        .parse()
        .map_err(|_| Error::NotFound(format!("version {n} of the scope")))?;
    let v = service::scope_version(&ctx, n).await?;
    let parts = SCOPE_PARTS
        .iter()
        .map(|(k, label)| (*label, v.text.part(k).to_string()))
        .collect();
    let l = layout(
        &s,
        &caller,
        &format!("Scope, version {}", v.version),
        "context",
        q.as_deref(),
    )
    .await?;
    Ok(VersionPage {
        approved_at: crate::domain::clock::display(&v.approved_at),
        parts,
        l,
        v,
    }
    .into_response())
}
