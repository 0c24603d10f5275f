//! HTML pages: first-run setup, sign-in, the dashboard, the catalogue browser and control
//! pages, the audit trail, and administration (users, API tokens, settings). Forms re-render
//! with the server's field errors next to the fields and keep what the user typed.

use super::AppState;
use super::page::*;
use super::session::{self, Caller, SESSION_COOKIE, Via};
use crate::domain::audit::AuditFilter;
use crate::domain::catalog::{ControlFilter, normalise_control_id};
use crate::domain::clock::{display, relative};
use crate::domain::user::{Email, Password, PersonName, Role, new_secret, verify_password};
use crate::error::{Error, Problems};
use crate::store::{NewUser, User, UserUpdate};
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::{Extension, Router};

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/setup", get(setup_page).post(setup_submit))
        .route("/login", get(login_page).post(login_submit))
        .route("/logout", post(logout))
        .route("/", get(dashboard))
        .route("/search", get(search))
        .route("/account", get(account_page))
        .route("/account/password", post(account_password))
        .route("/admin/users", get(users_page).post(users_create))
        .route("/admin/users/{id}", get(user_page).post(user_update))
        .route("/admin/users/{id}/password", post(user_password))
        .route("/admin/tokens", get(tokens_page).post(tokens_create))
        .route(
            "/admin/tokens/{id}/revoke",
            get(token_revoke_page).post(token_revoke),
        )
        .route("/admin/settings", get(settings_page).post(settings_submit))
}

// --- setup and sign-in -----------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "setup.html")]
struct SetupPage {
    l: Layout,
    errors: FormErrors,
    organisation: String,
    name: String,
    email: String,
}

async fn setup_page(
    State(s): State<AppState>,
    Extension(mut caller): Extension<Caller>,
) -> PageResult {
    if s.store.is_set_up().await? {
        return Ok(Redirect::to("/login").into_response());
    }
    let cookie = ensure_anon_csrf(&s, &mut caller);
    let mut l = layout(&s, &caller, "Set up", "", None).await?;
    l.user = None;
    let page = SetupPage {
        l,
        errors: FormErrors::default(),
        organisation: String::new(),
        name: String::new(),
        email: String::new(),
    };
    Ok(with_cookie(page.into_response(), cookie))
}

async fn setup_submit(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    form: FormData,
) -> PageResult {
    if s.store.is_set_up().await? {
        return Ok(Redirect::to("/login").into_response());
    }
    let mut p = Problems::new();
    let org = form.get("organisation").trim().to_string();
    if org.is_empty() || org.chars().count() > 200 {
        p.add(
            "organisation",
            "enter your organisation's name (up to 200 characters)",
        );
    }
    let name = p.take("name", PersonName::parse(form.get("name")));
    let email = p.take("email", Email::parse(form.get("email")));
    let password = p.take("password", Password::parse(form.get("password")));
    if form.get("password") != form.get("confirm") {
        p.add("confirm", "the two passwords differ");
    }
    let result = match (p.into_result(), name, email, password) {
        (Ok(()), Some(name), Some(email), Some(password)) => {
            let hash = password.hash()?;
            s.store
                .set_up(
                    &org,
                    NewUser {
                        email,
                        name,
                        role: Role::Admin,
                        password_hash: Some(hash),
                    },
                )
                .await
        }
        (Err(e), ..) => Err(e),
        _ => Err(Error::BadRequest("incomplete form".into())),
    };
    match result {
        Ok(user) => {
            let address = session::client_address(&s, &headers, peer);
            sign_in(&s, &user, &address, "/").await
        }
        Err(e) => {
            let mut l = layout(&s, &caller, "Set up", "", None).await?;
            l.user = None;
            let page = SetupPage {
                l,
                errors: FormErrors::from_error(e)?,
                organisation: org,
                name: form.get("name").to_string(),
                email: form.get("email").to_string(),
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

async fn sign_in(s: &AppState, user: &User, address: &str, next: &str) -> PageResult {
    let secret = new_secret("");
    s.store
        .create_session(user, &secret, s.config.session_hours, address)
        .await?;
    let cookie = session::set_cookie(s, SESSION_COOKIE, &secret, s.config.session_hours * 3600);
    Ok(redirect_with_cookie(next, cookie))
}

#[derive(Template, WebTemplate)]
#[template(path = "login.html")]
struct LoginPage {
    l: Layout,
    errors: FormErrors,
    email: String,
    next: String,
}

async fn login_page(
    State(s): State<AppState>,
    Extension(mut caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    if !s.store.is_set_up().await? {
        return Ok(Redirect::to("/setup").into_response());
    }
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(q.as_deref().unwrap_or_default()).unwrap_or_default();
    let next = session::safe_next(
        pairs
            .iter()
            .find(|(k, _)| k == "next")
            .map(|(_, v)| v.as_str()),
    );
    if caller.user.is_some() {
        return Ok(Redirect::to(&next).into_response());
    }
    let cookie = ensure_anon_csrf(&s, &mut caller);
    let l = layout(&s, &caller, "Sign in", "", q.as_deref()).await?;
    Ok(with_cookie(
        LoginPage {
            l,
            errors: FormErrors::default(),
            email: String::new(),
            next,
        }
        .into_response(),
        cookie,
    ))
}

async fn login_submit(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    form: FormData,
) -> PageResult {
    let address = session::client_address(&s, &headers, peer);
    let next = session::safe_next(Some(form.get("next")));
    let typed = form.get("email").to_string();
    let outcome = attempt_login(&s, &typed, form.get("password"), &address).await;
    match outcome {
        Ok(user) => sign_in(&s, &user, &address, &next).await,
        Err(e) => {
            let status = match e {
                Error::Throttled(_) => StatusCode::TOO_MANY_REQUESTS,
                Error::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
                _ => StatusCode::UNAUTHORIZED,
            };
            let l = layout(&s, &caller, "Sign in", "", None).await?;
            let errors = match e {
                Error::Unauthenticated => FormErrors::general(
                    "The e-mail address and password do not match an active account.",
                ),
                other => FormErrors::from_error(other)?,
            };
            Ok((
                status,
                LoginPage {
                    l,
                    errors,
                    email: typed,
                    next,
                },
            )
                .into_response())
        }
    }
}

/// Checks a login; counts failures per account and per address, and refuses while locked.
async fn attempt_login(
    s: &AppState,
    typed_email: &str,
    password: &str,
    address: &str,
) -> Result<User, Error> {
    let email = Email::parse(typed_email).map_err(|m| Error::field("email", m))?;
    let account_key = format!("account:{}", email.as_str());
    let address_key = format!("address:{address}");
    if let Some(minutes) = s
        .store
        .throttled(&[account_key.clone(), address_key.clone()])
        .await?
    {
        s.store
            .audit_login_failure(email.as_str(), address, "locked")
            .await?;
        return Err(Error::Throttled(minutes));
    }
    let candidate = s.store.login_candidate(&email).await?;
    let stored = candidate.as_ref().and_then(|(_, h)| h.as_deref());
    let ok = verify_password(password, stored);
    match candidate {
        Some((user, _)) if ok && !user.disabled && user.role == Role::Agent => {
            s.store
                .audit_login_failure(email.as_str(), address, "agent account")
                .await?;
            Err(Error::field(
                "email",
                "this is an agent account: agents report scans with an API token (annex scan --report-to) and cannot sign in to the web UI",
            ))
        }
        Some((user, _)) if ok && !user.disabled => {
            s.store.clear_login_failures(&account_key).await?;
            Ok(user)
        }
        other => {
            let window = s.config.login_lockout_minutes;
            s.store
                .record_login_failure(&account_key, s.config.login_max_failures, window)
                .await?;
            s.store
                .record_login_failure(&address_key, s.config.address_max_failures, window)
                .await?;
            let reason = match other {
                None => "unknown account",
                Some((u, _)) if u.disabled => "account disabled",
                Some(_) => "wrong password",
            };
            s.store
                .audit_login_failure(email.as_str(), address, reason)
                .await?;
            Err(Error::Unauthenticated)
        }
    }
}

async fn logout(State(s): State<AppState>, Extension(caller): Extension<Caller>) -> PageResult {
    if let (Some(user), Via::Session(secret)) = (&caller.user, &caller.via) {
        s.store.end_session(user, secret).await?;
    }
    Ok(redirect_with_cookie(
        "/login?notice=signed-out",
        session::set_cookie(&s, SESSION_COOKIE, "", 0),
    ))
}

// --- dashboard and search ----------------------------------------------------------------

const ISO_2022: &str = "iso27002-2022";

struct Step {
    title: &'static str,
    help: &'static str,
    href: &'static str,
    done: bool,
}

struct ThemeBar {
    id: String,
    title: String,
    count: i64,
    percent: i64,
}

struct GridCell {
    count: i64,
    heat: i64,
    href: String,
}

struct GridRow {
    label: String,
    cells: Vec<GridCell>,
}

struct RecentRow {
    when: String,
    relative: String,
    actor: String,
    action: String,
    object: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
struct DashboardPage {
    l: Layout,
    steps: Vec<Step>,
    themes: Vec<ThemeBar>,
    total_2022: i64,
    grid_cols: Vec<String>,
    grid: Vec<GridRow>,
    frameworks: Vec<crate::domain::catalog::Framework>,
    recent: Vec<RecentRow>,
    attention: Vec<(i64, &'static str, &'static str)>,
    /// The SoA's warnings: (rows, label, key).
    soa_warnings: Vec<(usize, &'static str, &'static str)>,
    readiness: crate::registers::readiness::domain::Readiness,
}

async fn dashboard(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let l = layout(&s, &caller, "Dashboard", "dashboard", q.as_deref()).await?;
    let by_theme = s.store.control_count_by_theme(ISO_2022).await?;
    let total_2022: i64 = by_theme.iter().map(|(_, n)| n).sum();
    let max = by_theme.iter().map(|(_, n)| *n).max().unwrap_or(1).max(1);
    let themes = by_theme
        .into_iter()
        .map(|(g, n)| ThemeBar {
            id: g.id,
            title: g.title,
            count: n,
            percent: n * 100 / max,
        })
        .collect();
    let types = s.store.attribute_types(ISO_2022).await?;
    let values_of = |k: &str| {
        types
            .iter()
            .find(|t| t.key == k)
            .map(|t| t.values.clone())
            .unwrap_or_default()
    };
    let (domains, kinds) = (values_of("security_domains"), values_of("control_type"));
    let counts = s
        .store
        .attribute_grid(ISO_2022, "security_domains", "control_type")
        .await?;
    let grid_max = counts.iter().map(|c| c.2).max().unwrap_or(1).max(1);
    let grid = domains
        .iter()
        .map(|d| GridRow {
            label: d.replace('_', " "),
            cells: kinds
                .iter()
                .map(|k| {
                    let n = counts
                        .iter()
                        .find(|c| &c.0 == d && &c.1 == k)
                        .map(|c| c.2)
                        .unwrap_or(0);
                    GridCell {
                        count: n,
                        heat: if n == 0 {
                            0
                        } else {
                            (n * 5 + grid_max - 1) / grid_max
                        },
                        href: format!("/controls?attr=security_domains:{d}&attr=control_type:{k}"),
                    }
                })
                .collect(),
        })
        .collect();
    let users = s.store.list_users().await?;
    let is_admin = l.is_admin();
    let mut steps = Vec::new();
    if is_admin {
        let tokens = s.store.list_tokens().await?;
        steps = vec![
            Step {
                title: "Set up Annex",
                help: "organisation and first administrator.",
                href: "/admin/settings",
                done: true,
            },
            Step {
                title: "Invite your team",
                help: "add the security manager, control owners and auditors with their roles.",
                href: "/admin/users",
                done: users.len() > 1,
            },
            Step {
                title: "Browse the controls",
                help: "filter the 93 controls by theme and attribute to see what applies to you.",
                href: "/controls",
                done: false,
            },
            Step {
                title: "Connect scripts",
                help: "create an API token for automation and CI.",
                href: "/admin/tokens",
                done: !tokens.is_empty(),
            },
        ];
        if steps.iter().filter(|s| s.done).count() == 3 {
            steps.clear();
        }
    }
    let recent = if l.can_read_trail() {
        let now = s.store.clock().now();
        s.store
            .audit_entries(&AuditFilter::default(), 5)
            .await?
            .into_iter()
            .map(|e| RecentRow {
                when: display(&e.occurred_at),
                relative: relative(&e.occurred_at, now),
                object: format!("{} {}", e.object_type, e.object_id),
                actor: e.actor,
                action: e.action,
            })
            .collect()
    } else {
        Vec::new()
    };
    let today = s.store.today();
    let risks_due = crate::registers::risk::domain::RiskFilter {
        review_overdue_on: Some(today.clone()),
        ..Default::default()
    };
    let lapsed = crate::registers::risk::domain::RiskFilter {
        acceptance_lapsed_on: Some(today.clone()),
        ..Default::default()
    };
    let measures_due = crate::registers::measure::domain::MeasureFilter {
        overdue_on: Some(today),
        ..Default::default()
    };
    let attention = vec![
        (
            crate::registers::risk::service::count_matching(&s.ctx(&caller), &risks_due)
                .await?
                .0,
            "risks past their review date",
            "/risks?attention=review",
        ),
        (
            crate::registers::risk::service::count_matching(&s.ctx(&caller), &lapsed)
                .await?
                .0,
            "risk acceptances expired or needing renewal",
            "/risks?attention=acceptance",
        ),
        (
            s.store.list_measures(&measures_due, None, 1).await?.total,
            "measures past their due date",
            "/measures?overdue=1",
        ),
        (
            s.store.hosts().await?.iter().filter(|h| h.stale).count() as i64,
            "hosts that stopped reporting scans",
            "/hosts?stale=1",
        ),
    ];
    let soa = crate::registers::soa::service::rows(
        &s.ctx(&caller),
        crate::domain::catalog::DEFAULT_FRAMEWORK,
    )
    .await?;
    let soa_warnings = crate::registers::soa::domain::Warning::ALL
        .iter()
        .map(|w| {
            (
                soa.iter().filter(|r| r.warnings.contains(w)).count(),
                w.label(),
                w.key(),
            )
        })
        .filter(|(n, _, _)| *n > 0)
        .collect();
    Ok(DashboardPage {
        soa_warnings,
        readiness: crate::registers::readiness::service::of(&s.ctx(&caller), &soa).await?,
        attention,
        l,
        steps,
        themes,
        total_2022,
        grid_cols: kinds,
        grid,
        frameworks: s.store.frameworks().await?,
        recent,
    }
    .into_response())
}

/// The top bar's search: an id opens the control, anything else searches the catalogue.
async fn search(State(s): State<AppState>, RawQuery(q): RawQuery) -> PageResult {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(q.as_deref().unwrap_or_default()).unwrap_or_default();
    let text = pairs
        .iter()
        .find(|(k, _)| k == "q")
        .map(|(_, v)| v.trim().to_string())
        .unwrap_or_default();
    if text.is_empty() {
        return Ok(Redirect::to("/controls").into_response());
    }
    let id = normalise_control_id(&text);
    for fw in [ISO_2022, "iso27002-2013", "iso27001-2022"] {
        if s.store.control(fw, &id).await.is_ok() {
            return Ok(
                Redirect::to(&format!("/controls/{fw}/{}", session::encode(&id))).into_response(),
            );
        }
    }
    Ok(Redirect::to(&format!("/controls?q={}", session::encode(&text))).into_response())
}

// --- administration: users --------------------------------------------------------------------

struct RoleOption {
    value: &'static str,
    help: &'static str,
}

fn role_options() -> Vec<RoleOption> {
    Role::ALL
        .iter()
        .map(|r| RoleOption {
            value: r.as_str(),
            help: r.describe(),
        })
        .collect()
}

struct UserRow {
    id: String,
    name: String,
    email: String,
    role: Role,
    disabled: bool,
    created: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "users.html")]
struct UsersPage {
    l: Layout,
    users: Vec<UserRow>,
    roles: Vec<RoleOption>,
    errors: FormErrors,
    form_name: String,
    form_email: String,
    form_role: String,
}

async fn render_users(
    s: &AppState,
    caller: &Caller,
    errors: FormErrors,
    form: Option<&FormData>,
    query: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "Users", "users", query).await?;
    let users = s
        .store
        .list_users()
        .await?
        .into_iter()
        .map(|u| UserRow {
            created: display(&u.created_at),
            id: u.id,
            name: u.name,
            email: u.email,
            role: u.role,
            disabled: u.disabled,
        })
        .collect();
    let status = errors.status();
    Ok((
        status,
        UsersPage {
            l,
            users,
            roles: role_options(),
            errors,
            form_name: form.map(|f| f.get("name").to_string()).unwrap_or_default(),
            form_email: form.map(|f| f.get("email").to_string()).unwrap_or_default(),
            form_role: form
                .map(|f| f.get("role").to_string())
                .unwrap_or_else(|| "viewer".into()),
        },
    )
        .into_response())
}

async fn users_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_users(&s, &caller, FormErrors::default(), None, q.as_deref()).await
}

async fn users_create(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let result = match NewUser::parse(
        form.get("email"),
        form.get("name"),
        form.get("role"),
        form.get("password"),
    ) {
        Ok(new) => s.store.create_user(&actor(&caller), new).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/users?notice=user-created").into_response()),
        Err(e) => render_users(&s, &caller, FormErrors::from_error(e)?, Some(&form), None).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "user.html")]
struct UserPage {
    l: Layout,
    u: User,
    roles: Vec<RoleOption>,
    errors: FormErrors,
    history: Vec<HistoryRow>,
}

async fn render_user(
    s: &AppState,
    caller: &Caller,
    id: &str,
    errors: FormErrors,
    query: Option<&str>,
) -> PageResult {
    let u = s.store.user(id).await?;
    let l = layout(s, caller, &u.name, "users", query).await?;
    let filter = AuditFilter {
        object_type: Some("user".into()),
        object_id: Some(u.id.clone()),
        ..AuditFilter::default()
    };
    let history = history_rows(
        s.store.audit_entries(&filter, 50).await?,
        s.store.clock().now(),
    );
    let status = errors.status();
    Ok((
        status,
        UserPage {
            l,
            u,
            roles: role_options(),
            errors,
            history,
        },
    )
        .into_response())
}

async fn user_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_user(&s, &caller, &id, FormErrors::default(), q.as_deref()).await
}

async fn user_update(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let mut p = Problems::new();
    let name = p.take("name", PersonName::parse(form.get("name")));
    let role = p.take("role", form.get("role").parse::<Role>());
    let disabled = match form.get("status") {
        "active" => Some(false),
        "disabled" => Some(true),
        other => {
            p.add(
                "status",
                format!("'{other}' is not a status: use active or disabled"),
            );
            None
        }
    };
    let result = match p.into_result() {
        Ok(()) => s
            .store
            .update_user(
                &actor(&caller),
                &id,
                UserUpdate {
                    name,
                    role,
                    disabled,
                },
            )
            .await
            .map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/users/{id}?notice=user-updated")).into_response())
        }
        Err(e) => render_user(&s, &caller, &id, FormErrors::from_error(e)?, None).await,
    }
}

async fn user_password(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    match Password::parse(form.get("password")) {
        Ok(p) => {
            s.store
                .set_password(&actor(&caller), &id, &p.hash()?)
                .await?;
            Ok(Redirect::to(&format!("/admin/users/{id}?notice=password-set")).into_response())
        }
        Err(m) => {
            render_user(
                &s,
                &caller,
                &id,
                FormErrors::from_error(Error::field("password", m))?,
                None,
            )
            .await
        }
    }
}

// --- administration: API tokens ----------------------------------------------------------------

struct TokenRow {
    id: String,
    name: String,
    user: String,
    state: &'static str,
    created: String,
    expires: String,
    last_used: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "tokens.html")]
struct TokensPage {
    l: Layout,
    tokens: Vec<TokenRow>,
    users: Vec<(String, String)>,
    created: Option<String>,
    errors: FormErrors,
    form_user: String,
    form_name: String,
    form_days: String,
}

async fn render_tokens(
    s: &AppState,
    caller: &Caller,
    created: Option<String>,
    errors: FormErrors,
    form: Option<&FormData>,
    query: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "API tokens", "tokens", query).await?;
    let now = s.store.now();
    let tokens = s
        .store
        .list_tokens()
        .await?
        .into_iter()
        .map(|t| TokenRow {
            state: t.state(&now),
            created: display(&t.created_at),
            expires: t
                .expires_at
                .as_deref()
                .map(display)
                .unwrap_or_else(|| "never".into()),
            last_used: t
                .last_used_at
                .as_deref()
                .map(display)
                .unwrap_or_else(|| "never".into()),
            id: t.id,
            name: t.name,
            user: t.user_email,
        })
        .collect();
    let users = s
        .store
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled)
        .map(|u| (u.id, format!("{} <{}> · {}", u.name, u.email, u.role)))
        .collect();
    let status = errors.status();
    Ok((
        status,
        TokensPage {
            l,
            tokens,
            users,
            created,
            errors,
            form_user: form
                .map(|f| f.get("user").to_string())
                .or_else(|| caller.user.as_ref().map(|u| u.id.clone()))
                .unwrap_or_default(),
            form_name: form.map(|f| f.get("name").to_string()).unwrap_or_default(),
            form_days: form
                .map(|f| f.get("expires_in_days").to_string())
                .unwrap_or_default(),
        },
    )
        .into_response())
}

async fn tokens_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_tokens(&s, &caller, None, FormErrors::default(), None, q.as_deref()).await
}

async fn tokens_create(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let days = match form.get("expires_in_days").trim() {
        "" => Ok(None),
        d => d.parse::<i64>().map(Some).map_err(|_| {
            Error::field(
                "expires_in_days",
                format!("'{d}' is not a whole number of days"),
            )
        }),
    };
    let result = match days {
        Ok(days) => {
            s.store
                .create_token(&actor(&caller), form.get("user"), form.get("name"), days)
                .await
        }
        Err(e) => Err(e),
    };
    match result {
        Ok((_, secret)) => {
            render_tokens(&s, &caller, Some(secret), FormErrors::default(), None, None).await
        }
        Err(Error::NotFound(_)) => {
            render_tokens(
                &s,
                &caller,
                None,
                FormErrors::from_error(Error::field("user", "choose a user"))?,
                Some(&form),
                None,
            )
            .await
        }
        Err(e) => {
            render_tokens(
                &s,
                &caller,
                None,
                FormErrors::from_error(e)?,
                Some(&form),
                None,
            )
            .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "revoke.html")]
struct RevokePage {
    l: Layout,
    token_id: String,
    token_name: String,
    token_user: String,
}

async fn token_revoke_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let t = s.store.token(&id).await?;
    let l = layout(&s, &caller, "Revoke a token", "tokens", None).await?;
    Ok(RevokePage {
        l,
        token_id: t.id,
        token_name: t.name,
        token_user: t.user_email,
    }
    .into_response())
}

async fn token_revoke(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    s.store.revoke_token(&actor(&caller), &id).await?;
    Ok(Redirect::to("/admin/tokens?notice=token-revoked").into_response())
}

// --- administration: settings ------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "settings.html")]
struct SettingsPage {
    l: Layout,
    errors: FormErrors,
    organisation: String,
    scope: String,
}

async fn settings_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    let l = layout(&s, &caller, "Settings", "settings", q.as_deref()).await?;
    let organisation = l.org.clone();
    Ok(SettingsPage {
        l,
        errors: FormErrors::default(),
        organisation,
        scope: s.store.isms_scope().await?,
    }
    .into_response())
}

async fn settings_submit(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let saved = async {
        s.store
            .rename_organisation(&actor(&caller), form.get("organisation"))
            .await?;
        s.store
            .set_isms_scope(&actor(&caller), form.get("isms_scope"))
            .await
    }
    .await;
    match saved {
        Ok(()) => Ok(Redirect::to("/admin/settings?notice=settings-saved").into_response()),
        Err(e) => {
            let l = layout(&s, &caller, "Settings", "settings", None).await?;
            let errors = FormErrors::from_error(e)?;
            Ok((
                StatusCode::UNPROCESSABLE_ENTITY,
                SettingsPage {
                    l,
                    errors,
                    organisation: form.get("organisation").to_string(),
                    scope: form.get("isms_scope").to_string(),
                },
            )
                .into_response())
        }
    }
}

// --- your account ------------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "account.html")]
struct AccountPage {
    l: Layout,
    errors: FormErrors,
    email: String,
    role: Role,
    role_help: &'static str,
}

async fn render_account(s: &AppState, caller: &Caller, errors: FormErrors) -> PageResult {
    let l = layout(s, caller, "Your account", "", None).await?;
    let user = caller.user.clone().ok_or(Error::Unauthenticated)?;
    let status = errors.status();
    Ok((
        status,
        AccountPage {
            l,
            errors,
            email: user.email,
            role: user.role,
            role_help: user.role.describe(),
        },
    )
        .into_response())
}

async fn account_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    render_account(&s, &caller, FormErrors::default()).await
}

/// A person changes their own password: the current one is required, and all their sessions end.
async fn account_password(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let user = caller.user.clone().ok_or(Error::Unauthenticated)?;
    let email = Email::parse(&user.email).map_err(|m| Error::Internal(anyhow::anyhow!(m)))?;
    let stored = s.store.login_candidate(&email).await?.and_then(|(_, h)| h);
    let mut p = Problems::new();
    if !verify_password(form.get("current"), stored.as_deref()) {
        p.add("current", "this is not your current password");
    }
    let new = p.take("password", Password::parse(form.get("password")));
    if form.get("password") != form.get("confirm") {
        p.add("confirm", "the two passwords differ");
    }
    if let Err(e) = p.into_result() {
        return render_account(&s, &caller, FormErrors::from_error(e)?).await;
    }
    if let Some(new) = new {
        s.store
            .set_password(&user.email, &user.id, &new.hash()?)
            .await?;
    }
    Ok(redirect_with_cookie(
        "/login?notice=password-changed",
        session::set_cookie(&s, SESSION_COOKIE, "", 0),
    ))
}
