//! People's pages: first-run setup, signing in and out, one's own account, and for
//! administrators the user accounts and API tokens. Forms re-render with the server's field
//! errors next to the fields and keep what was typed.

use super::service;
use crate::domain::clock::display;
use crate::domain::user::{Email, Password, PersonName, Role, new_secret};
use crate::domain::user::{NewUser, User};
use crate::error::{Error, Problems};
use crate::service::{Ctx, access};
use crate::web::AppState;
use crate::web::page::{
    FormData, FormErrors, HistoryRow, Layout, PageResult, Peer, ensure_anon_csrf, history_rows,
    layout, redirect_with_cookie, with_cookie,
};
use crate::web::session::{self, Caller, SESSION_COOKIE, Via};
use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect};

#[derive(Template, WebTemplate)]
#[template(path = "people/templates/setup.html")]
struct SetupPage {
    l: Layout,
    errors: FormErrors,
    organisation: String,
    name: String,
    email: String,
}

/// First run: the organisation's name and its first administrator.
pub async fn setup_page(
    State(s): State<AppState>,
    Extension(mut caller): Extension<Caller>,
) -> PageResult {
    if access::is_set_up(&s.services).await? {
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

/// Records the organisation and its first administrator, and signs them in.
pub async fn setup_submit(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    form: FormData,
) -> PageResult {
    if access::is_set_up(&s.services).await? {
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
            access::set_up(
                &s.services,
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
    access::start_session(&s.services, user, &secret, address).await?;
    let cookie = session::set_cookie(s, SESSION_COOKIE, &secret, s.config.session_hours * 3600);
    Ok(redirect_with_cookie(next, cookie))
}

#[derive(Template, WebTemplate)]
#[template(path = "people/templates/login.html")]
struct LoginPage {
    l: Layout,
    errors: FormErrors,
    email: String,
    next: String,
}

/// The sign-in form (setup first on a new instance).
pub async fn login_page(
    State(s): State<AppState>,
    Extension(mut caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    if !access::is_set_up(&s.services).await? {
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

/// Signs a person in, or says why not (wrong credentials, locked out, an agent account).
pub async fn login_submit(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
    headers: HeaderMap,
    Peer(peer): Peer,
    form: FormData,
) -> PageResult {
    let address = session::client_address(&s, &headers, peer);
    let next = session::safe_next(Some(form.get("next")));
    let typed = form.get("email").to_string();
    let outcome = access::sign_in(&s.services, &typed, form.get("password"), &address).await;
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

/// Ends the session and forgets its cookie.
pub async fn logout(State(s): State<AppState>, Extension(caller): Extension<Caller>) -> PageResult {
    if let (Some(user), Via::Session(secret)) = (&caller.user, &caller.via) {
        access::end_session(&s.services, user, secret).await?;
    }
    Ok(redirect_with_cookie(
        "/login?notice=signed-out",
        session::set_cookie(&s, SESSION_COOKIE, "", 0),
    ))
}

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
#[template(path = "people/templates/users.html")]
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
    ctx: &Ctx,
    caller: &Caller,
    errors: FormErrors,
    form: Option<&FormData>,
    query: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "Users", "users", query).await?;
    let users = service::users(ctx)
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

/// The user accounts with the form that adds one.
pub async fn users_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_users(&s, &ctx, &caller, FormErrors::default(), None, q.as_deref()).await
}

/// Adds a user account.
pub async fn users_create(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    let result = match NewUser::parse(
        form.get("email"),
        form.get("name"),
        form.get("role"),
        form.get("password"),
    ) {
        Ok(new) => service::create(&ctx, new).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => Ok(Redirect::to("/admin/users?notice=user-created").into_response()),
        Err(e) => {
            render_users(
                &s,
                &ctx,
                &caller,
                FormErrors::from_error(e)?,
                Some(&form),
                None,
            )
            .await
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "people/templates/user.html")]
struct UserPage {
    l: Layout,
    u: User,
    roles: Vec<RoleOption>,
    errors: FormErrors,
    history: Vec<HistoryRow>,
}

async fn render_user(
    s: &AppState,
    ctx: &Ctx,
    caller: &Caller,
    id: &str,
    errors: FormErrors,
    query: Option<&str>,
) -> PageResult {
    let u = service::user(ctx, id).await?;
    let l = layout(s, caller, &u.name, "users", query).await?;
    let history = history_rows(
        crate::registers::audit::service::history(ctx, "user", &u.id, 50).await?,
        ctx.clock().now(),
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

/// A user account with its form and history.
pub async fn user_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_user(&s, &ctx, &caller, &id, FormErrors::default(), q.as_deref()).await
}

/// Changes a user's name, role or status.
pub async fn user_update(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    let result = match service::read_update(form.get("name"), form.get("role"), form.get("status"))
    {
        Ok(change) => service::update(&ctx, &id, change).await.map(|_| ()),
        Err(e) => Err(e),
    };
    match result {
        Ok(()) => {
            Ok(Redirect::to(&format!("/admin/users/{id}?notice=user-updated")).into_response())
        }
        Err(e) => render_user(&s, &ctx, &caller, &id, FormErrors::from_error(e)?, None).await,
    }
}

/// Sets a user's password (an administrator's reset).
pub async fn user_password(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    form: FormData,
) -> PageResult {
    match Password::parse(form.get("password")) {
        Ok(p) => {
            service::set_password(&ctx, &id, &p).await?;
            Ok(Redirect::to(&format!("/admin/users/{id}?notice=password-set")).into_response())
        }
        Err(m) => {
            render_user(
                &s,
                &ctx,
                &caller,
                &id,
                FormErrors::from_error(Error::field("password", m))?,
                None,
            )
            .await
        }
    }
}

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
#[template(path = "people/templates/tokens.html")]
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
    ctx: &Ctx,
    caller: &Caller,
    created: Option<String>,
    errors: FormErrors,
    form: Option<&FormData>,
    query: Option<&str>,
) -> PageResult {
    let l = layout(s, caller, "API tokens", "tokens", query).await?;
    let now = ctx.now();
    let tokens = service::tokens(ctx)
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
    let users = service::users(ctx)
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

/// The API tokens with the form that creates one.
pub async fn tokens_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    RawQuery(q): RawQuery,
) -> PageResult {
    render_tokens(
        &s,
        &ctx,
        &caller,
        None,
        FormErrors::default(),
        None,
        q.as_deref(),
    )
    .await
}

/// Creates an API token and shows its secret once.
pub async fn tokens_create(
    State(s): State<AppState>,
    ctx: Ctx,
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
        Ok(days) => service::create_token(&ctx, form.get("user"), form.get("name"), days).await,
        Err(e) => Err(e),
    };
    match result {
        Ok((_, secret)) => {
            render_tokens(
                &s,
                &ctx,
                &caller,
                Some(secret),
                FormErrors::default(),
                None,
                None,
            )
            .await
        }
        Err(Error::NotFound(_)) => {
            render_tokens(
                &s,
                &ctx,
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
                &ctx,
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
#[template(path = "people/templates/revoke.html")]
struct RevokePage {
    l: Layout,
    token_id: String,
    token_name: String,
    token_user: String,
}

/// Asks to confirm revoking a token.
pub async fn token_revoke_page(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
) -> PageResult {
    let t = service::token(&ctx, &id).await?;
    let l = layout(&s, &caller, "Revoke a token", "tokens", None).await?;
    Ok(RevokePage {
        l,
        token_id: t.id,
        token_name: t.name,
        token_user: t.user_email,
    }
    .into_response())
}

/// Revokes a token.
pub async fn token_revoke(ctx: Ctx, Path(id): Path<String>) -> PageResult {
    service::revoke_token(&ctx, &id).await?;
    Ok(Redirect::to("/admin/tokens?notice=token-revoked").into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "people/templates/account.html")]
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

/// A person's own account: their role and the password form.
pub async fn account_page(
    State(s): State<AppState>,
    Extension(caller): Extension<Caller>,
) -> PageResult {
    render_account(&s, &caller, FormErrors::default()).await
}

/// A person changes their own password: the current one is required, and all their sessions end.
pub async fn account_password(
    State(s): State<AppState>,
    ctx: Ctx,
    Extension(caller): Extension<Caller>,
    form: FormData,
) -> PageResult {
    match service::change_own_password(
        &ctx,
        form.get("current"),
        form.get("password"),
        form.get("confirm"),
    )
    .await
    {
        Ok(()) => Ok(redirect_with_cookie(
            "/login?notice=password-changed",
            session::set_cookie(&s, SESSION_COOKIE, "", 0),
        )),
        Err(e @ Error::Validation(_)) => {
            render_account(&s, &caller, FormErrors::from_error(e)?).await
        }
        Err(e) => Err(e.into()),
    }
}
