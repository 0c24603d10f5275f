//! People and access in the store: the organisation, user accounts, browser sessions, API
//! tokens and login throttling. Sessions and throttling counters live here, not in process
//! memory, so that several `annex serve` processes on one database behave as one.

use super::{Store, Tx, found, pool_exec, pool_query, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::clock::stamp;
use crate::domain::user::{
    ApiToken, Email, NewUser, Role, User, UserUpdate, new_short_id, sha256_hex,
};
use crate::error::{Error, Result};

type UserRow = (String, String, String, String, bool, String, String);
/// A user row followed by one more column.
type UserRowAnd<A> = (String, String, String, String, bool, String, String, A);
/// A user row followed by a token id and its last use.
type TokenUserRow = (
    String,
    String,
    String,
    String,
    bool,
    String,
    String,
    String,
    Option<String>,
);
const USER_COLUMNS: &str = "user_id, email, name, role, disabled, created_at, updated_at";

fn user_from_row(r: UserRow) -> Result<User> {
    Ok(User {
        role: r
            .3
            .parse()
            .map_err(|e: String| Error::Internal(anyhow::anyhow!(e)))?,
        id: r.0,
        email: r.1,
        name: r.2,
        disabled: r.4,
        created_at: r.5,
        updated_at: r.6,
    })
}

async fn insert_user(tx: &mut Tx, actor: &str, u: &NewUser) -> Result<User> {
    let id = uuid::Uuid::new_v4().to_string();
    let now = tx.now().to_string();
    let taken: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select user_id from user_account where email = $1",
        u.email.as_str()
    )?;
    if taken.is_some() {
        return Err(Error::Conflict(format!(
            "a user with the e-mail address {} already exists",
            u.email.as_str()
        )));
    }
    tx_exec!(
        tx,
        "insert into user_account (user_id, email, name, role, password_hash, disabled, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7)",
        &id,
        u.email.as_str(),
        u.name.as_str(),
        u.role.as_str(),
        u.password_hash.clone(),
        false,
        &now
    )?;
    let user = User {
        id: id.clone(),
        email: u.email.as_str().to_string(),
        name: u.name.as_str().to_string(),
        role: u.role,
        disabled: false,
        created_at: now.clone(),
        updated_at: now,
    };
    tx.audit(Change::new(actor, "user.create", "user", &id).after(user.audit_view()))
        .await?;
    Ok(user)
}

impl Store {
    /// A secret every instance shares (`link`: the seed personal links are signed with),
    /// made at random the first time it is asked for. Never logged.
    pub async fn shared_secret(&self, name: &str) -> Result<String> {
        let fresh = crate::domain::user::to_hex(&rand::random::<[u8; 32]>());
        pool_exec!(
            self,
            "insert into app_secret (name, value) values ($1, $2) on conflict (name) do nothing",
            name,
            &fresh
        )?;
        let (value,): (String,) = pool_query!(
            self,
            fetch_one,
            (String,),
            "select value from app_secret where name = $1",
            name
        )?;
        Ok(value)
    }

    /// Whether first-run setup has been done (a user exists).
    pub async fn is_set_up(&self) -> Result<bool> {
        let (n,): (i64,) =
            pool_query!(self, fetch_one, (i64,), "select count(*) from user_account")?;
        Ok(n > 0)
    }

    /// The organisation's name, once set up.
    pub async fn organisation_name(&self) -> Result<Option<String>> {
        let r: Option<(String,)> = pool_query!(
            self,
            fetch_optional,
            (String,),
            "select name from organisation where organisation_id = 1"
        )?;
        Ok(r.map(|r| r.0))
    }

    /// The organisation's time zone (an IANA name); UTC before setup.
    pub async fn time_zone(&self) -> Result<String> {
        let r: Option<(String,)> = pool_query!(
            self,
            fetch_optional,
            (String,),
            "select time_zone from organisation where organisation_id = 1"
        )?;
        Ok(r.map(|r| r.0).unwrap_or_else(|| "UTC".into()))
    }

    /// The scope of the ISMS (ISO/IEC 27001 4.3) as the organisation states it; empty until set.
    pub async fn isms_scope(&self) -> Result<String> {
        let r: Option<(String,)> = pool_query!(
            self,
            fetch_optional,
            (String,),
            "select statement from isms_scope where scope_id = 'isms'"
        )?;
        Ok(r.map(|r| r.0).unwrap_or_default())
    }

    /// First run: records the organisation and its first administrator, once. A second
    /// attempt (or a race between two) is refused.
    pub async fn set_up(&self, organisation: &str, admin: NewUser) -> Result<User> {
        let mut tx = self.write().await?;
        let (n,): (i64,) = tx_query!(tx, fetch_one, (i64,), "select count(*) from user_account")?;
        if n > 0 {
            return Err(Error::Conflict("Annex is already set up".into()));
        }
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "insert into organisation (organisation_id, name, created_at, updated_at) values (1, $1, $2, $2)
             on conflict (organisation_id) do update set name = excluded.name, updated_at = excluded.updated_at",
            organisation,
            &now
        )?;
        let actor = admin.email.as_str().to_string();
        tx.audit(
            Change::new(&actor, "organisation.set_up", "organisation", "1")
                .after(serde_json::json!({"name": organisation})),
        )
        .await?;
        let user = insert_user(&mut tx, &actor, &admin).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn create_user(&self, actor: &str, new: NewUser) -> Result<User> {
        let mut tx = self.write().await?;
        let user = insert_user(&mut tx, actor, &new).await?;
        tx.commit().await?;
        Ok(user)
    }

    pub async fn list_users(&self) -> Result<Vec<User>> {
        let rows: Vec<UserRow> = pool_query!(
            self,
            fetch_all,
            UserRow,
            &format!("select {USER_COLUMNS} from user_account order by lower(name), email")
        )?;
        rows.into_iter().map(user_from_row).collect()
    }

    pub async fn user(&self, id: &str) -> Result<User> {
        let r: Option<UserRow> = pool_query!(
            self,
            fetch_optional,
            UserRow,
            &format!("select {USER_COLUMNS} from user_account where user_id = $1"),
            id
        )?;
        user_from_row(found(r, || format!("user {id}"))?)
    }

    pub async fn user_by_email(&self, email: &Email) -> Result<User> {
        let r: Option<UserRow> = pool_query!(
            self,
            fetch_optional,
            UserRow,
            &format!("select {USER_COLUMNS} from user_account where email = $1"),
            email.as_str()
        )?;
        user_from_row(found(r, || format!("user {}", email.as_str()))?)
    }

    /// The user and stored password hash for a login attempt.
    pub async fn login_candidate(&self, email: &Email) -> Result<Option<(User, Option<String>)>> {
        let r: Option<UserRowAnd<Option<String>>> = pool_query!(
            self,
            fetch_optional,
            UserRowAnd<Option<String>>,
            &format!("select {USER_COLUMNS}, password_hash from user_account where email = $1"),
            email.as_str()
        )?;
        match r {
            None => Ok(None),
            Some((a, b, c, d, e, f, g, hash)) => {
                Ok(Some((user_from_row((a, b, c, d, e, f, g))?, hash)))
            }
        }
    }

    /// Changes a user's name, role or status. A change of role or a disabling ends the
    /// user's sessions, so that it takes effect at once.
    pub async fn update_user(&self, actor: &str, id: &str, change: UserUpdate) -> Result<User> {
        let mut tx = self.write().await?;
        let r: Option<UserRow> = tx_query!(
            tx,
            fetch_optional,
            UserRow,
            &format!("select {USER_COLUMNS} from user_account where user_id = $1"),
            id
        )?;
        let before = user_from_row(found(r, || format!("user {id}"))?)?;
        let mut after = before.clone();
        if let Some(n) = change.name {
            after.name = n.as_str().to_string();
        }
        if let Some(r) = change.role {
            after.role = r;
        }
        if let Some(d) = change.disabled {
            after.disabled = d;
        }
        if after.role != Role::Admin || after.disabled {
            let (admins,): (i64,) = tx_query!(
                tx,
                fetch_one,
                (i64,),
                "select count(*) from user_account where role = 'admin' and not disabled and user_id <> $1",
                id
            )?;
            if admins == 0 && before.role == Role::Admin && !before.disabled {
                return Err(Error::Conflict(
                    "this is the last active administrator: make someone else an admin first"
                        .into(),
                ));
            }
        }
        if before.audit_view() == after.audit_view() {
            return Ok(before);
        }
        after.updated_at = tx.now().to_string();
        tx_exec!(
            tx,
            "update user_account set name = $1, role = $2, disabled = $3, updated_at = $4 where user_id = $5",
            &after.name,
            after.role.as_str(),
            after.disabled,
            &after.updated_at,
            id
        )?;
        if after.role != before.role || after.disabled {
            tx_exec!(tx, "delete from session where user_id = $1", id)?;
        }
        tx.audit(
            Change::new(actor, "user.update", "user", id)
                .before(before.audit_view())
                .after(after.audit_view()),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Sets a new password hash and ends the user's sessions.
    pub async fn set_password(&self, actor: &str, id: &str, password_hash: &str) -> Result<()> {
        let mut tx = self.write().await?;
        let now = tx.now().to_string();
        let n = tx_exec!(
            tx,
            "update user_account set password_hash = $1, updated_at = $2 where user_id = $3",
            password_hash,
            &now,
            id
        )?;
        if n == 0 {
            return Err(Error::NotFound(format!("user {id}")));
        }
        tx_exec!(tx, "delete from session where user_id = $1", id)?;
        tx.audit(
            Change::new(actor, "user.set_password", "user", id)
                .after(serde_json::json!({"password": "changed"})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- sessions -------------------------------------------------------------------------

    /// Opens a session for a user who just proved their password; `secret` is the cookie value.
    pub async fn create_session(
        &self,
        user: &User,
        secret: &str,
        hours: i64,
        address: &str,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        let now = self.clock().now();
        let expires = stamp(now + time::Duration::hours(hours));
        let created = tx.now().to_string();
        tx_exec!(
            tx,
            "insert into session (session_id, user_id, created_at, last_seen_at, expires_at) values ($1, $2, $3, $3, $4)",
            sha256_hex(secret.as_bytes()),
            &user.id,
            &created,
            &expires
        )?;
        tx.audit(
            Change::new(&user.email, "session.login", "user", &user.id)
                .after(serde_json::json!({"address": address})),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// The active user behind a session cookie. Extends the session (sliding expiry), writing
    /// at most once a minute per session.
    pub async fn session_user(&self, secret: &str, hours: i64) -> Result<Option<User>> {
        let now_t = self.clock().now();
        let now = stamp(now_t);
        let id = sha256_hex(secret.as_bytes());
        let r: Option<UserRowAnd<String>> = pool_query!(
            self,
            fetch_optional,
            UserRowAnd<String>,
            "select u.user_id, u.email, u.name, u.role, u.disabled, u.created_at, u.updated_at, s.last_seen_at
             from session s join user_account u on u.user_id = s.user_id
             where s.session_id = $1 and s.expires_at > $2 and not u.disabled",
            &id,
            &now
        )?;
        let Some((a, b, c, d, e, f, g, last_seen)) = r else {
            return Ok(None);
        };
        if last_seen < stamp(now_t - time::Duration::minutes(1)) {
            pool_exec!(
                self,
                "update session set last_seen_at = $1, expires_at = $2 where session_id = $3",
                &now,
                stamp(now_t + time::Duration::hours(hours)),
                &id
            )?;
        }
        Ok(Some(user_from_row((a, b, c, d, e, f, g))?))
    }

    pub async fn end_session(&self, user: &User, secret: &str) -> Result<()> {
        let mut tx = self.write().await?;
        tx_exec!(
            tx,
            "delete from session where session_id = $1",
            sha256_hex(secret.as_bytes())
        )?;
        tx.audit(Change::new(&user.email, "session.logout", "user", &user.id))
            .await?;
        tx.commit().await?;
        Ok(())
    }

    // --- API tokens -----------------------------------------------------------------------

    /// Creates a token for a user; answers its record and the secret to show once.
    pub async fn create_token(
        &self,
        actor: &str,
        user_id: &str,
        name: &str,
        expires_in_days: Option<i64>,
    ) -> Result<(ApiToken, String)> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(Error::field(
                "name",
                "give the token a label of 1 to 100 characters, e.g. 'ci-pipeline'",
            ));
        }
        if let Some(d) = expires_in_days
            && !(1..=3650).contains(&d)
        {
            return Err(Error::field(
                "expires_in_days",
                "expiry must be between 1 and 3650 days",
            ));
        }
        let user = self.user(user_id).await?;
        let id = new_short_id();
        let secret = crate::domain::user::new_secret(&format!("annex_{id}_"));
        let expires = expires_in_days.map(|d| stamp(self.clock().now() + time::Duration::days(d)));
        let mut tx = self.write().await?;
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "insert into api_token (api_token_id, user_id, name, token_hash, created_at, expires_at) values ($1, $2, $3, $4, $5, $6)",
            &id,
            &user.id,
            name,
            sha256_hex(secret.as_bytes()),
            &now,
            expires.clone()
        )?;
        let token = ApiToken {
            id: id.clone(),
            user_email: user.email.clone(),
            name: name.to_string(),
            created_at: now,
            expires_at: expires,
            revoked_at: None,
            last_used_at: None,
        };
        tx.audit(Change::new(actor, "token.create", "api_token", &id).after(&token))
            .await?;
        tx.commit().await?;
        Ok((token, secret))
    }

    pub async fn list_tokens(&self) -> Result<Vec<ApiToken>> {
        self.tokens_where("", None).await
    }

    pub async fn token(&self, id: &str) -> Result<ApiToken> {
        let t = self
            .tokens_where("where t.api_token_id = $1", Some(id))
            .await?
            .pop();
        found(t, || format!("API token {id}"))
    }

    /// API tokens with their user's e-mail, newest first, optionally narrowed by `clause`.
    async fn tokens_where(&self, clause: &str, arg: Option<&str>) -> Result<Vec<ApiToken>> {
        type Row = (
            String,
            String,
            String,
            String,
            Option<String>,
            Option<String>,
            Option<String>,
        );
        let sql = format!(
            "select t.api_token_id, u.email, t.name, t.created_at, t.expires_at, t.revoked_at, t.last_used_at
             from api_token t join user_account u on u.user_id = t.user_id {clause}
             order by t.created_at desc, t.api_token_id"
        );
        let rows: Vec<Row> = match arg {
            Some(a) => pool_query!(self, fetch_all, Row, &sql, a)?,
            None => pool_query!(self, fetch_all, Row, &sql)?,
        };
        Ok(rows
            .into_iter()
            .map(|r| ApiToken {
                id: r.0,
                user_email: r.1,
                name: r.2,
                created_at: r.3,
                expires_at: r.4,
                revoked_at: r.5,
                last_used_at: r.6,
            })
            .collect())
    }

    pub async fn revoke_token(&self, actor: &str, id: &str) -> Result<ApiToken> {
        let before = self.token(id).await?;
        if before.revoked_at.is_some() {
            return Ok(before);
        }
        let mut tx = self.write().await?;
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "update api_token set revoked_at = $1 where api_token_id = $2 and revoked_at is null",
            &now,
            id
        )?;
        let mut after = before.clone();
        after.revoked_at = Some(now);
        tx.audit(
            Change::new(actor, "token.revoke", "api_token", id)
                .before(&before)
                .after(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// The active user behind a bearer token, if the token is valid, unexpired and unrevoked.
    pub async fn token_user(&self, secret: &str) -> Result<Option<User>> {
        Ok(self.token_user_and_id(secret).await?.map(|(u, _)| u))
    }

    /// The user behind a valid token, with the token's id.
    pub async fn token_user_and_id(&self, secret: &str) -> Result<Option<(User, String)>> {
        let now_t = self.clock().now();
        let now = stamp(now_t);
        let hash = sha256_hex(secret.as_bytes());
        let r: Option<TokenUserRow> = pool_query!(
            self,
            fetch_optional,
            TokenUserRow,
            "select u.user_id, u.email, u.name, u.role, u.disabled, u.created_at, u.updated_at, t.api_token_id, t.last_used_at
             from api_token t join user_account u on u.user_id = t.user_id
             where t.token_hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > $2) and not u.disabled",
            &hash,
            &now
        )?;
        let Some((a, b, c, d, e, f, g, token_id, last_used)) = r else {
            return Ok(None);
        };
        if last_used.is_none_or(|l| l < stamp(now_t - time::Duration::minutes(1))) {
            pool_exec!(
                self,
                "update api_token set last_used_at = $1 where api_token_id = $2",
                &now,
                &token_id
            )?;
        }
        Ok(Some((user_from_row((a, b, c, d, e, f, g))?, token_id)))
    }

    // --- login throttling -----------------------------------------------------------------

    /// Claims one sign-in attempt against `key` before the password is checked, in one
    /// statement so that parallel attempts cannot all slip under the limit: every attempt
    /// counts, a passed window starts again at one, and the `max`-th attempt inside a window
    /// sets the lock. Answers `Some(minutes left)` when this attempt is over the limit (it
    /// must be refused unchecked), `None` when it may go on to the password check.
    pub async fn claim_login_attempt(
        &self,
        key: &str,
        max: i64,
        window_minutes: i64,
    ) -> Result<Option<i64>> {
        let now_t = self.clock().now();
        let now = stamp(now_t);
        let window_start = stamp(now_t - time::Duration::minutes(window_minutes));
        let lock = stamp(now_t + time::Duration::minutes(window_minutes));
        // `fresh`: the row's window has passed and it is not locked, so counting starts again.
        let (attempts, locked_until): (i64, Option<String>) = pool_query!(
            self,
            fetch_one,
            (i64, Option<String>),
            "insert into login_throttle (throttle_key, failures, window_started_at, locked_until)
             values ($1, 1, $2, case when 1 >= $5 then $4 else null end)
             on conflict (throttle_key) do update set
               failures = case
                 when coalesce(login_throttle.locked_until, '') <= $2 and login_throttle.window_started_at < $3 then 1
                 else login_throttle.failures + 1 end,
               window_started_at = case
                 when coalesce(login_throttle.locked_until, '') <= $2 and login_throttle.window_started_at < $3 then $2
                 else login_throttle.window_started_at end,
               locked_until = case
                 when login_throttle.locked_until > $2 then login_throttle.locked_until
                 when login_throttle.window_started_at < $3 then case when 1 >= $5 then $4 else null end
                 when login_throttle.failures + 1 >= $5 then $4
                 else null end
             returning failures, locked_until",
            key,
            &now,
            &window_start,
            &lock,
            max
        )?;
        if attempts <= max {
            return Ok(None);
        }
        let until = locked_until
            .as_deref()
            .and_then(crate::domain::clock::parse_stamp)
            .unwrap_or(now_t + time::Duration::minutes(window_minutes));
        Ok(Some(((until - now_t).whole_seconds().max(0) + 59) / 60))
    }

    /// Gives back an attempt claimed against `key` that turned out to be a good sign-in (the
    /// address of an office that signs in all day is not locked by its successes).
    pub async fn release_login_attempt(&self, key: &str, max: i64) -> Result<()> {
        pool_exec!(
            self,
            "update login_throttle set failures = failures - 1,
               locked_until = case when failures - 1 < $2 then null else locked_until end
             where throttle_key = $1 and failures > 0",
            key,
            max
        )?;
        Ok(())
    }

    pub async fn clear_login_failures(&self, key: &str) -> Result<()> {
        pool_exec!(
            self,
            "delete from login_throttle where throttle_key = $1",
            key
        )?;
        Ok(())
    }

    /// Records a refused login in the audit trail (who tried, from where; never the password).
    pub async fn audit_login_failure(
        &self,
        email: &str,
        address: &str,
        reason: &str,
    ) -> Result<()> {
        let mut tx = self.write().await?;
        tx.audit(
            Change::new(email, "session.login_failed", "user", email)
                .after(serde_json::json!({"address": address, "reason": reason})),
        )
        .await?;
        tx.commit().await
    }
}
