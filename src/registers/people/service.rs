//! People's use cases: user accounts and API tokens (administrators), and a person's own
//! password. Signing in and sessions are in `crate::service::access`.

use crate::domain::user::{ADMIN, Email, Password, PersonName, Role};
use crate::domain::user::{ApiToken, NewUser, User, UserUpdate};
use crate::error::{Error, Problems, Result};
use crate::service::Ctx;

/// Whether the instance has been set up (a user exists).
pub async fn is_set_up(ctx: &Ctx) -> Result<bool> {
    ctx.store().is_set_up().await
}

/// The people who can own records, for pickers: (name, e-mail) of every active account
/// that is a person (scan agents left out). Every reader may see them, as they see owners
/// on every register.
#[tracing::instrument(name = "people.directory", skip_all, fields(actor = %ctx.who()))]
pub async fn directory(ctx: &Ctx) -> Result<Vec<(String, String)>> {
    ctx.require_reader()?;
    Ok(ctx
        .store()
        .list_users()
        .await?
        .into_iter()
        .filter(|u| !u.disabled && u.role != Role::Agent)
        .map(|u| (u.name, u.email))
        .collect())
}

/// The names of the people with an account, by e-mail address in lowercase (readers), so that
/// an owner recorded by e-mail is shown by name.
#[tracing::instrument(name = "people.names", skip_all, fields(actor = %ctx.who()))]
pub async fn names(ctx: &Ctx) -> Result<std::collections::HashMap<String, String>> {
    ctx.require_reader()?;
    Ok(ctx
        .store()
        .list_users()
        .await?
        .into_iter()
        .filter(|u| u.role != Role::Agent && !u.name.trim().is_empty())
        .map(|u| (u.email.to_lowercase(), u.name))
        .collect())
}

/// Every user account (admins).
#[tracing::instrument(name = "people.users", skip_all, fields(actor = %ctx.who()))]
pub async fn users(ctx: &Ctx) -> Result<Vec<User>> {
    ctx.require(ADMIN)?;
    ctx.store().list_users().await
}

/// One user account (admins).
#[tracing::instrument(name = "people.user", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn user(ctx: &Ctx, id: &str) -> Result<User> {
    ctx.require(ADMIN)?;
    ctx.store().user(id).await
}

/// A user account by e-mail address (admins).
#[tracing::instrument(name = "people.user_by_email", skip_all, fields(actor = %ctx.who(), email = %email))]
pub async fn user_by_email(ctx: &Ctx, email: &str) -> Result<User> {
    ctx.require(ADMIN)?;
    let email = Email::parse(email).map_err(|m| Error::field("email", m))?;
    ctx.store().user_by_email(&email).await
}

/// Creates a user account (admins), audited.
#[tracing::instrument(name = "user.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, new: NewUser) -> Result<User> {
    ctx.require(ADMIN)?;
    ctx.store().create_user(ctx.who(), new).await
}

/// A user's changes as typed in the form: name, role and `active` or `disabled`, every bad
/// field named.
pub fn read_update(name: &str, role: &str, status: &str) -> Result<UserUpdate> {
    let mut p = Problems::new();
    let name = p.take("name", PersonName::parse(name));
    let role = p.take("role", role.parse::<Role>());
    let disabled = match status {
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
    p.into_result()?;
    Ok(UserUpdate {
        name,
        role,
        disabled,
    })
}

/// Changes a user's name, role or status (admins), audited; disabling ends their sessions.
/// The last active administrator cannot be demoted or disabled.
#[tracing::instrument(name = "user.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(ctx: &Ctx, id: &str, change: UserUpdate) -> Result<User> {
    ctx.require(ADMIN)?;
    ctx.store().update_user(ctx.who(), id, change).await
}

/// Sets a user's password (admins), audited; ends their sessions.
#[tracing::instrument(name = "user.password", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn set_password(ctx: &Ctx, id: &str, password: &Password) -> Result<()> {
    ctx.require(ADMIN)?;
    ctx.store()
        .set_password(ctx.who(), id, &password.hash()?)
        .await
}

/// A person changes their own password: the current one must match, the new one must be
/// acceptable and typed twice alike; every problem is named. Ends all their sessions.
#[tracing::instrument(name = "user.own_password", skip_all, fields(actor = %ctx.who()))]
pub async fn change_own_password(ctx: &Ctx, current: &str, new: &str, confirm: &str) -> Result<()> {
    let user = ctx.actor.user.clone().ok_or(Error::Unauthenticated)?;
    let email = Email::parse(&user.email).map_err(|m| Error::Internal(anyhow::anyhow!(m)))?;
    let stored = ctx
        .store()
        .login_candidate(&email)
        .await?
        .and_then(|(_, h)| h);
    let mut p = Problems::new();
    if !crate::domain::user::verify_password(current, stored.as_deref()) {
        p.add("current", "this is not your current password");
    }
    let new_password = p.take("password", Password::parse(new));
    if new != confirm {
        p.add("confirm", "the two passwords differ");
    }
    p.into_result()?;
    match new_password {
        Some(n) => {
            ctx.store()
                .set_password(&user.email, &user.id, &n.hash()?)
                .await
        }
        None => Err(Error::field("password", "give a new password")),
    }
}

/// Every API token, never their secrets (admins).
#[tracing::instrument(name = "people.tokens", skip_all, fields(actor = %ctx.who()))]
pub async fn tokens(ctx: &Ctx) -> Result<Vec<ApiToken>> {
    ctx.require(ADMIN)?;
    ctx.store().list_tokens().await
}

/// One API token (admins).
#[tracing::instrument(name = "people.token", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn token(ctx: &Ctx, id: &str) -> Result<ApiToken> {
    ctx.require(ADMIN)?;
    ctx.store().token(id).await
}

/// Creates an API token for a user (admins), audited; answers it with its secret, which is
/// shown once and stored only as a hash.
#[tracing::instrument(name = "token.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create_token(
    ctx: &Ctx,
    user_id: &str,
    name: &str,
    expires_in_days: Option<i64>,
) -> Result<(ApiToken, String)> {
    ctx.require(ADMIN)?;
    ctx.store()
        .create_token(ctx.who(), user_id, name, expires_in_days)
        .await
}

/// Revokes an API token (admins), audited; revoking twice changes nothing.
#[tracing::instrument(name = "token.revoke", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn revoke_token(ctx: &Ctx, id: &str) -> Result<ApiToken> {
    ctx.require(ADMIN)?;
    ctx.store().revoke_token(ctx.who(), id).await
}
