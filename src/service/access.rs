//! Who is calling and how they get in: first-run setup, signing in (with failures counted
//! per account and per address, and locked out past the limits), sessions, API tokens, and
//! signing out. These use cases run before anyone is known, so they take the `Services`
//! rather than a `Ctx`; the web layer's guard calls them for every request.

use super::Services;
use crate::domain::user::{Email, Role, verify_password};
use crate::domain::user::{NewUser, User};
use crate::error::{Error, Result};

/// Whether first-run setup has been done (a user exists).
pub async fn is_set_up(services: &Services) -> Result<bool> {
    services.store.is_set_up().await
}

/// The organisation's name as every page's frame shows it (also before sign-in).
pub async fn organisation_name(services: &Services) -> Result<String> {
    Ok(services
        .store
        .organisation_name()
        .await?
        .unwrap_or_else(|| "Your organisation".into()))
}

/// First run: records the organisation and its first administrator, once; a second attempt
/// (or a race between two) is refused.
#[tracing::instrument(name = "access.set_up", skip_all)]
pub async fn set_up(services: &Services, organisation: &str, admin: NewUser) -> Result<User> {
    services.store.set_up(organisation, admin).await
}

/// The user and token id behind an API token's secret, if it is valid (not revoked, not
/// expired); its use is recorded.
pub async fn token_user(services: &Services, secret: &str) -> Result<Option<(User, String)>> {
    services.store.token_user_and_id(secret).await
}

/// The user of a live session (used within the configured hours).
pub async fn session_user(services: &Services, secret: &str) -> Result<Option<User>> {
    services
        .store
        .session_user(secret, services.limits.session_hours)
        .await
}

/// Opens a session for a user who signed in, from `address`.
pub async fn start_session(
    services: &Services,
    user: &User,
    secret: &str,
    address: &str,
) -> Result<()> {
    services
        .store
        .create_session(user, secret, services.limits.session_hours, address)
        .await
}

/// Ends one session (signing out).
pub async fn end_session(services: &Services, user: &User, secret: &str) -> Result<()> {
    services.store.end_session(user, secret).await
}

/// Checks a sign-in: counts attempts per account and per address (atomically, before the
/// password is checked), refuses while either is locked, and audits every failure with its
/// reason. Agents cannot sign in to the web UI.
#[tracing::instrument(name = "access.sign_in", skip_all, fields(address))]
pub async fn sign_in(
    services: &Services,
    typed_email: &str,
    password: &str,
    address: &str,
) -> Result<User> {
    let store = &services.store;
    let limits = services.limits;
    let email = Email::parse(typed_email).map_err(|m| Error::field("email", m))?;
    let account_key = format!("account:{}", email.as_str());
    let address_key = format!("address:{address}");
    // Each attempt is claimed against both counters before the password is looked at, so
    // that parallel guesses cannot all be checked while the counters lag behind.
    let window = limits.lockout_minutes;
    let on_account = store
        .claim_login_attempt(&account_key, limits.login_max_failures, window)
        .await?;
    let on_address = store
        .claim_login_attempt(&address_key, limits.address_max_failures, window)
        .await?;
    if let Some(minutes) = on_account.into_iter().chain(on_address).max() {
        store
            .audit_login_failure(email.as_str(), address, "locked")
            .await?;
        return Err(Error::Throttled(minutes));
    }
    let candidate = store.login_candidate(&email).await?;
    let stored = candidate.as_ref().and_then(|(_, h)| h.as_deref());
    let ok = verify_password(password, stored);
    match candidate {
        Some((user, _)) if ok && !user.disabled && user.role == Role::Agent => {
            store
                .audit_login_failure(email.as_str(), address, "agent account")
                .await?;
            Err(Error::field(
                "email",
                "this is an agent account: agents report scans with an API token (annex scan --report-to) and cannot sign in to the web UI",
            ))
        }
        Some((user, _)) if ok && !user.disabled => {
            store.clear_login_failures(&account_key).await?;
            store
                .release_login_attempt(&address_key, limits.address_max_failures)
                .await?;
            Ok(user)
        }
        other => {
            let reason = match other {
                None => "unknown account",
                Some((u, _)) if u.disabled => "account disabled",
                Some(_) => "wrong password",
            };
            store
                .audit_login_failure(email.as_str(), address, reason)
                .await?;
            Err(Error::Unauthenticated)
        }
    }
}
