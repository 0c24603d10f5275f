//! Tasks' pages: "my work" (overdue, this week, later), a month's calendar of it, the
//! settings of what Annex sends and the personal calendar feed; the team's tasks for
//! managers; a written task with its comments; the feed itself.

use super::domain::{
    CommentInput, ManualTask, Task, TaskInput, TaskKind, TaskQuery, day, day_text,
};
use super::{service, service_feed};
use crate::domain::query::Params;
use crate::error::Error;
use crate::registers::notify::domain::{DigestChoice, MessageKind, Preferences, PreferencesInput};
use crate::service::Ctx;
use crate::web::AppState;
use crate::web::page::{
    Choice, FormData, FormErrors, HistoryRow, Layout, PageResult, history_rows, layout,
};
use crate::web::session::{Caller, client_address, encode};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{MatchedPath, Path, RawQuery, State};
use axum::http::HeaderMap;
use axum::response::{IntoResponse, Redirect};

/// A task as a row of a page: its words and where it links.
pub struct Row {
    pub title: String,
    pub kind: String,
    pub verb: String,
    pub owner: String,
    pub due: String,
    pub late: String,
    pub link: String,
}

fn rows(
    tasks: &[Task],
    today: &str,
    names: &std::collections::HashMap<String, String>,
) -> Vec<Row> {
    tasks
        .iter()
        .map(|t| Row {
            title: t.title.clone(),
            kind: t.kind.label().to_string(),
            verb: t.kind.verb().to_string(),
            owner: if t.owner.is_empty() {
                "nobody".into()
            } else {
                crate::domain::words::person(names, &t.owner)
            },
            due: match (&t.due_at, &t.due_on) {
                (Some(at), _) => crate::domain::clock::display(at),
                (None, Some(d)) => d.clone(),
                (None, None) => "no due day".into(),
            },
            late: match t.days_overdue(today) {
                0 => String::new(),
                1 => "1 day overdue".into(),
                n => format!("{n} days overdue"),
            },
            link: t.link.clone(),
        })
        .collect()
}

fn input_of(form: &FormData) -> TaskInput {
    TaskInput {
        title: form.get("title").into(),
        description: form.get("description").into(),
        owner: form.get("owner").into(),
        due_on: form.get("due_on").into(),
        link: form.get("link").into(),
        status: form.get("status").into(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "task/templates/my_work.html")]
struct MyWorkPage {
    l: Layout,
    overdue: Vec<Row>,
    this_week: Vec<Row>,
    later: Vec<Row>,
    total: usize,
    /// How many tasks each part holds in all, and how many of them it does not list (the
    /// page lists the soonest thousand).
    counts: [Count; 3],
    can_write: bool,
    is_manager: bool,
    v: TaskInput,
    errors: FormErrors,
}

/// How many tasks a part of "my work" holds, and how many it does not list.
struct Count {
    all: usize,
    more: usize,
}

impl Count {
    fn of(all: usize, listed: usize) -> Count {
        Count {
            all,
            more: all.saturating_sub(listed),
        }
    }

    fn any(&self) -> bool {
        self.all > 0
    }

    fn unlisted(&self) -> bool {
        self.more > 0
    }
}

async fn render_mine(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    v: TaskInput,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let (b, counts) = service::mine(ctx, TaskQuery::LIMIT).await?;
    let names = std::collections::HashMap::new(); // the owner is the caller
    let today = ctx.today();
    let l = layout(s, caller, "My work", "my-work", q).await?;
    Ok((
        errors.status(),
        MyWorkPage {
            overdue: rows(&b.overdue, &today, &names),
            this_week: rows(&b.this_week, &today, &names),
            later: rows(&b.later, &today, &names),
            total: counts.iter().sum(),
            counts: [
                Count::of(counts[0], b.overdue.len()),
                Count::of(counts[1], b.this_week.len()),
                Count::of(counts[2], b.later.len()),
            ],
            can_write: ctx.actor.may_contribute(),
            is_manager: ctx.actor.is_editor(),
            l,
            v,
            errors,
        },
    )
        .into_response())
}

pub async fn my_work(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let me = service::caller(&ctx)?;
    let v = TaskInput {
        owner: me,
        ..Default::default()
    };
    render_mine(&s, &ctx, &caller, v, FormErrors::default(), q.as_deref()).await
}

/// My tasks (or, for managers, the team's as the query says) as CSV or XLSX.
pub async fn export(ctx: Ctx, path: MatchedPath, RawQuery(q): RawQuery) -> PageResult {
    let params = Params::parse(q.as_deref())?;
    params.check_known(TaskQuery::PARAMS)?;
    let mut query = TaskQuery::read(&params, &ctx.today())?;
    if query.owner.is_none() && !ctx.actor.is_editor() {
        query.owner = Some(service::caller(&ctx)?);
    }
    // An export holds the soonest 10,000 unless `limit` says fewer.
    if params.get("limit").is_none() {
        query.limit = TaskQuery::MAX_LIMIT;
    }
    let (tasks, _) = service::list(&ctx, &query).await?;
    let names = crate::registers::responsibility::service::names(&ctx).await?;
    Ok(crate::exchange::download(
        "tasks",
        crate::exchange::format_of_path(path.as_str()),
        &super::exchange::tasks_table(&tasks, &names, &ctx.today(), &ctx.public_url()),
    )?)
}

/// A day of the month's calendar.
pub struct Cell {
    pub day: u8,
    pub date: String,
    pub today: bool,
    pub tasks: Vec<Row>,
}

#[derive(Template, WebTemplate)]
#[template(path = "task/templates/calendar.html")]
struct CalendarPage {
    l: Layout,
    month: String,
    prev: String,
    next: String,
    weeks: Vec<Vec<Option<Cell>>>,
    undated: usize,
}

/// The month (`?month=YYYY-MM`, this month by default) as a calendar of my tasks.
pub async fn calendar(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let params = Params::parse(q.as_deref())?;
    params.check_known(&["month", "notice"])?;
    let today = ctx.today();
    let month = params.get("month").unwrap_or(&today[..7]).to_string();
    let Some(first) = day(&format!("{month}-01")).filter(|_| month.len() == 7) else {
        return Err(Error::Query(vec![crate::error::FieldError::new(
            "month",
            format!("'{month}' is not a month: use YYYY-MM"),
        )])
        .into());
    };
    let last = format!("{month}-31"); // compared as text: the month's last day or after
    let (all, undated) =
        service::between(&ctx, (&format!("{month}-01"), &last), TaskQuery::MAX_LIMIT).await?;
    let names = std::collections::HashMap::new(); // the owner is the caller
    let mut weeks: Vec<Vec<Option<Cell>>> = Vec::new();
    let mut week: Vec<Option<Cell>> = (0..first.weekday().number_days_from_monday())
        .map(|_| None)
        .collect();
    let mut d = first;
    while d.month() == first.month() {
        let date = day_text(d);
        let on: Vec<Task> = all
            .iter()
            .filter(|t| t.due_on.as_deref() == Some(date.as_str()))
            .cloned()
            .collect();
        week.push(Some(Cell {
            day: d.day(),
            today: date == today,
            tasks: rows(&on, &today, &names),
            date,
        }));
        if week.len() == 7 {
            weeks.push(std::mem::take(&mut week));
        }
        match d.next_day() {
            Some(n) => d = n,
            None => break,
        }
    }
    if !week.is_empty() {
        while week.len() < 7 {
            week.push(None);
        }
        weeks.push(week);
    }
    let prev = first
        .previous_day()
        .map(|p| day_text(p)[..7].to_string())
        .unwrap_or_default();
    let next = d.month() != first.month();
    let next = if next {
        day_text(d)[..7].to_string()
    } else {
        month.clone()
    };
    let l = layout(
        &s,
        &caller,
        &format!("My work: {month}"),
        "my-work",
        q.as_deref(),
    )
    .await?;
    Ok(CalendarPage {
        l,
        month,
        prev,
        next,
        weeks,
        undated,
    }
    .into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "task/templates/settings.html")]
struct SettingsPage {
    l: Layout,
    p: Preferences,
    digests: Vec<Choice>,
    kinds: Vec<Choice>,
    muted: Vec<String>,
    feed_url: Option<String>,
    errors: FormErrors,
}

async fn render_settings(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    feed_url: Option<String>,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let p = crate::registers::notify::service::preferences(ctx).await?;
    let l = layout(s, caller, "What Annex sends me", "my-work", q).await?;
    Ok((
        errors.status(),
        SettingsPage {
            digests: crate::web::page::choices(
                DigestChoice::ALL,
                DigestChoice::key,
                DigestChoice::label,
            ),
            kinds: crate::web::page::choices(
                MessageKind::ALL,
                MessageKind::key,
                MessageKind::label,
            )
            .into_iter()
            .filter(|c| c.key != MessageKind::Test.key())
            .collect(),
            muted: p.muted.iter().map(|k| k.key().to_string()).collect(),
            l,
            p,
            feed_url,
            errors,
        },
    )
        .into_response())
}

pub async fn settings(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_settings(&s, &ctx, &caller, None, FormErrors::default(), q.as_deref()).await
}

pub async fn save_settings(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = PreferencesInput {
        digest: form.get("digest").into(),
        muted: form.all("muted").join(","),
    };
    match crate::registers::notify::service::set_preferences(&ctx, form.revision(), &input).await {
        Ok(_) => Ok(Redirect::to("/my-work/settings?notice=preferences-saved").into_response()),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_settings(&s, &ctx, &caller, None, errors, None).await
        }
    }
}

/// Makes a new calendar feed and shows its address once.
pub async fn make_feed(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    let url = service_feed::make(&ctx).await?;
    render_settings(&s, &ctx, &caller, Some(url), FormErrors::default(), None).await
}

pub async fn revoke_feed(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    if form.get("confirm") != "yes" {
        let errors = FormErrors::from_error(Error::field(
            "confirm",
            "tick the box to confirm: calendars subscribed to the address stop updating",
        ))?;
        return render_settings(&s, &ctx, &caller, None, errors, None).await;
    }
    service_feed::revoke(&ctx).await?;
    Ok(Redirect::to("/my-work/settings?notice=feed-revoked").into_response())
}

/// The calendar feed: `/calendar/{secret}.ics`, opened by a calendar program.
pub async fn feed(
    State(s): State<AppState>,
    headers: HeaderMap,
    crate::web::page::Peer(peer): crate::web::page::Peer,
    Path(file): Path<String>,
) -> PageResult {
    let address = client_address(&s, &headers, peer);
    let secret = file.strip_suffix(".ics").unwrap_or(&file);
    let ctx = s.services.ctx(crate::service::Actor::user(
        None,
        crate::service::Channel::Page,
        None,
    ));
    let text = service_feed::open(&ctx, secret, &address).await?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/calendar; charset=utf-8",
            ),
            (axum::http::header::CACHE_CONTROL, "private, max-age=300"),
        ],
        text,
    )
        .into_response())
}

/// How many owners the team view lists (most overdue first); the export holds every task.
const TEAM_LINES: usize = 200;

/// How many open written tasks the team view lists, newest first.
const WRITTEN_LINES: i64 = 100;

/// A line of the team view, with its link.
pub struct TeamRow {
    pub line: service::TeamLine,
    pub link: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "task/templates/team.html")]
struct TeamPage {
    l: Layout,
    team: Vec<TeamRow>,
    /// Owners beyond the first `TEAM_LINES`.
    more: usize,
    owner: Option<String>,
    owner_name: String,
    tasks: Vec<Row>,
    /// The owner has more tasks than `tasks` lists (the soonest thousand).
    tasks_more: bool,
    written: Vec<ManualTask>,
    kinds: Vec<Choice>,
    kind: String,
    until: String,
    query: String,
    problem: Option<String>,
}

/// The team's tasks (managers): everyone's counts, or one owner's list (`?owner=`).
pub async fn team(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let (params, problem) = Params::parse_lenient(q.as_deref());
    let today = ctx.today();
    let (query, problem) = match TaskQuery::read(&params, &today) {
        Ok(x) => (x, problem),
        Err(e) => (TaskQuery::default(), Some(e)),
    };
    let (team, (tasks, tasks_more), owner_name) = match &query.owner {
        Some(owner) => {
            let names = crate::registers::responsibility::service::names_of(
                &ctx,
                &[owner.trim().to_lowercase()],
            )
            .await?;
            let tasks = service::list(&ctx, &query)
                .await
                .map(|(t, more)| (rows(&t, &today, &names), more))?;
            (
                Vec::new(),
                tasks,
                crate::domain::words::person(&names, owner),
            )
        }
        None => (
            service::team(&ctx, &query, TEAM_LINES).await?,
            (Vec::new(), false),
            String::new(),
        ),
    };
    let keep = |k: &str| params.get(k).unwrap_or("").to_string();
    let more = team.len().saturating_sub(TEAM_LINES);
    let team = team
        .into_iter()
        .take(TEAM_LINES)
        .map(|line| TeamRow {
            link: format!(
                "/tasks?owner={}&kind={}&until={}",
                crate::domain::query::encode(if line.owner.is_empty() {
                    ""
                } else {
                    &line.owner
                }),
                crate::domain::query::encode(&keep("kind")),
                crate::domain::query::encode(&keep("until")),
            ),
            line,
        })
        .collect();
    let written = service::written(&ctx, true, WRITTEN_LINES).await?;
    let l = layout(&s, &caller, "Tasks", "tasks", q.as_deref()).await?;
    Ok(TeamPage {
        l,
        team,
        more,
        owner: query.owner.clone(),
        owner_name,
        tasks,
        tasks_more,
        written,
        kinds: crate::web::page::choices(TaskKind::ALL, TaskKind::key, TaskKind::label),
        kind: keep("kind"),
        until: keep("until"),
        query: q.unwrap_or_default(),
        problem: problem.map(|e| e.to_string()),
    }
    .into_response())
}

pub async fn create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let input = input_of(&form);
    match service::create(&ctx, &input).await {
        Ok(t) => Ok(
            Redirect::to(&format!("/tasks/{}?notice=task-saved", encode(&t.id))).into_response(),
        ),
        Err(e @ Error::Forbidden) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_mine(&s, &ctx, &caller, input, errors, None).await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "task/templates/task.html")]
struct TaskPage {
    l: Layout,
    t: ManualTask,
    owner_name: String,
    link: Option<String>,
    statuses: Vec<Choice>,
    v: TaskInput,
    revision: i64,
    comment: String,
    can_comment: bool,
    history: Vec<HistoryRow>,
    errors: FormErrors,
}

#[allow(clippy::too_many_arguments)]
async fn render_task(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    form: Option<(TaskInput, i64)>,
    comment: String,
    errors: FormErrors,
    q: Option<&str>,
) -> PageResult {
    let t = service::get(ctx, id).await?;
    let names = crate::registers::responsibility::service::names(ctx).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "task", &t.id, 50).await?,
        ctx.clock().now(),
    );
    let (v, revision) = form.unwrap_or_else(|| (TaskInput::from(&t), t.revision));
    let l = layout(s, caller, &format!("{} {}", t.id, t.title), "my-work", q).await?;
    Ok((
        errors.status(),
        TaskPage {
            owner_name: crate::domain::words::person(&names, &t.owner),
            link: t.link(),
            statuses: crate::web::page::choices(
                super::domain::TaskStatus::ALL,
                super::domain::TaskStatus::key,
                super::domain::TaskStatus::label,
            ),
            can_comment: ctx.actor.may_contribute() || ctx.actor.reads_trail(),
            l,
            t,
            v,
            revision,
            comment,
            history,
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
    render_task(
        &s,
        &ctx,
        &caller,
        &id,
        None,
        String::new(),
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
        Ok(t) => Ok(
            Redirect::to(&format!("/tasks/{}?notice=task-saved", encode(&t.id))).into_response(),
        ),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            let rev = errors.revision(started.unwrap_or_default());
            render_task(
                &s,
                &ctx,
                &caller,
                &id,
                Some((input, rev)),
                String::new(),
                errors,
                None,
            )
            .await
        }
    }
}

/// Marks a written task done (`done=1`) or open again (`done=0`).
pub async fn done(ctx: Ctx, Path(id): Path<String>, form: FormData) -> PageResult {
    let done = form.get("done") != "0";
    service::set_done(&ctx, &id, form.revision(), done).await?;
    let notice = if done { "task-done" } else { "task-reopened" };
    Ok(Redirect::to(&format!("/tasks/{}?notice={notice}", encode(&id))).into_response())
}

pub async fn comment(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let input = CommentInput {
        body: form.get("body").into(),
    };
    match service::comment(&ctx, &id, &input).await {
        Ok(_) => Ok(Redirect::to(&format!(
            "/tasks/{}?notice=comment-saved#comments",
            encode(&id)
        ))
        .into_response()),
        Err(e @ (Error::Forbidden | Error::NotFound(_))) => Err(e.into()),
        Err(e) => {
            let errors = FormErrors::from_error(e)?;
            render_task(&s, &ctx, &caller, &id, None, input.body, errors, None).await
        }
    }
}
