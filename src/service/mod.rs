//! The use-case layer: the one way in for every front end (web pages, the JSON API, the CLI,
//! scan agents). A use case takes a `Ctx` — who is acting, through which channel, on which
//! store and clock — checks that the actor may do it, opens the transaction, reads what its
//! rules need inside it (rows locked on PostgreSQL), writes, audits and commits. The front
//! ends only translate their medium (form, JSON, flags) to the use case's types and back.
//!
//! Each register's use cases live in `src/registers/<name>/service.rs`; this module holds the
//! context they share, the revision check of optimistic concurrency, and use cases that span
//! registers (the demo organisation).

pub mod access;
pub mod cache;
pub mod demo;
pub mod mail;
pub mod webhook;

use crate::domain::audit::Change;
use crate::domain::clock::{Clock, display};
use crate::domain::user::User;
use crate::domain::user::{EDITORS, Role};
use crate::error::{Error, FieldError, Result};
use crate::store::{Store, Tx};

/// How a request reached Annex (recorded in the trace; the audit trail names the actor).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    /// A person in the web UI.
    Page,
    /// A script or tool with an API token (or a session) on `/api/`.
    Api,
    /// The local operator on the command line.
    Cli,
    /// Annex itself (start-up, catalogue loading).
    System,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Page => "page",
            Channel::Api => "api",
            Channel::Cli => "cli",
            Channel::System => "system",
        }
    }
}

/// Who acts. The web layer makes one from the signed-in user; the CLI acts as the named local
/// operator (`cli:USER`, with an administrator's rights: it holds the database anyway) and
/// goes through the same rules as everyone else.
#[derive(Debug, Clone)]
pub struct Actor {
    /// The name recorded in the audit trail: the user's e-mail, `cli:USER` or `system`.
    pub name: String,
    /// The signed-in user, when there is one.
    pub user: Option<User>,
    /// The rights the actor has; `None` before sign-in.
    pub role: Option<Role>,
    pub channel: Channel,
    /// The API token the request came with (scan agents are bound to a host by it).
    pub token_id: Option<String>,
}

impl Actor {
    /// A signed-in user (or nobody) calling through a page or the API.
    pub fn user(user: Option<User>, channel: Channel, token_id: Option<String>) -> Actor {
        Actor {
            name: user.as_ref().map(|u| u.email.clone()).unwrap_or_default(),
            role: user.as_ref().map(|u| u.role),
            user,
            channel,
            token_id,
        }
    }

    /// The local operator of the command line, named after the OS user.
    pub fn operator() -> Actor {
        let who = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into());
        Actor {
            name: format!("cli:{who}"),
            user: None,
            role: Some(Role::Admin),
            channel: Channel::Cli,
            token_id: None,
        }
    }

    /// Annex itself.
    pub fn system() -> Actor {
        Actor {
            name: SYSTEM_ACTOR.into(),
            user: None,
            role: Some(Role::Admin),
            channel: Channel::System,
            token_id: None,
        }
    }

    pub fn has(&self, roles: &[Role]) -> bool {
        self.role.is_some_and(|r| roles.contains(&r))
    }

    pub fn is_admin(&self) -> bool {
        self.has(&[Role::Admin])
    }

    /// Managers and admins edit all ISMS content.
    pub fn is_editor(&self) -> bool {
        self.has(EDITORS)
    }

    /// An editor or a contributor: someone who adds records such as evidence.
    pub fn may_contribute(&self) -> bool {
        self.has(&[Role::Admin, Role::Manager, Role::Contributor])
    }

    /// Admins and auditors read the audit trail.
    pub fn reads_trail(&self) -> bool {
        self.has(&[Role::Admin, Role::Auditor])
    }

    /// A person who reads ISMS content: every role but a scan agent.
    pub fn reads(&self) -> bool {
        self.role.is_some_and(|r| r.is_human()) || self.channel == Channel::Cli
    }

    /// An editor, or a contributor who is the record's owner ("edit what is assigned to them").
    pub fn may_edit_owned(&self, owner: &str) -> bool {
        self.is_editor()
            || (self.has(&[Role::Contributor])
                && self
                    .user
                    .as_ref()
                    .is_some_and(|u| u.email.eq_ignore_ascii_case(owner.trim())))
    }
}

/// The actor recorded in the audit trail for what Annex does by itself.
pub const SYSTEM_ACTOR: &str = "system";

/// What the front ends hold: the store, behind the use cases. A front end makes a `Ctx`
/// for each request or command and calls the use cases with it.
#[derive(Clone, Debug)]
pub struct Services {
    store: Store,
    caches: std::sync::Arc<cache::Caches>,
    limits: Limits,
    /// Where the key that signs audit checkpoints is kept (none: checkpoints cannot be
    /// taken, as in tests that build the use cases on a bare store).
    audit_key_file: Option<std::sync::Arc<std::path::PathBuf>>,
    /// How e-mail leaves (none: messages wait in the outbox).
    mailer: Option<std::sync::Arc<mail::Mailer>>,
    /// The address people reach Annex at, for links in e-mail and feeds.
    public_url: Option<std::sync::Arc<str>>,
}

/// Limits of the configuration the use cases apply.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// The largest evidence file accepted, in bytes.
    pub evidence_max_bytes: u64,
    /// The largest file the API takes for an import, in bytes.
    pub import_max_bytes: u64,
    /// How long a session lasts without use.
    pub session_hours: i64,
    /// Failed sign-ins on one account before it is locked for `lockout_minutes`.
    pub login_max_failures: i64,
    /// Failed sign-ins from one address before it is locked for `lockout_minutes`.
    pub address_max_failures: i64,
    pub lockout_minutes: i64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            evidence_max_bytes: 50 * 1024 * 1024,
            import_max_bytes: 1024 * 1024 * 1024,
            session_hours: 12,
            login_max_failures: 5,
            address_max_failures: 20,
            lockout_minutes: 15,
        }
    }
}

impl Services {
    pub fn new(store: Store) -> Services {
        Services {
            store,
            caches: Default::default(),
            limits: Limits::default(),
            audit_key_file: None,
            mailer: None,
            public_url: None,
        }
    }

    /// The use cases with the limits of a configuration.
    pub fn configured(store: Store, config: &crate::config::Config) -> Services {
        Services {
            limits: Limits {
                evidence_max_bytes: config.evidence_max_bytes(),
                import_max_bytes: config.import_max_bytes(),
                session_hours: config.session_hours,
                login_max_failures: config.login_max_failures,
                address_max_failures: config.address_max_failures,
                lockout_minutes: config.login_lockout_minutes,
            },
            audit_key_file: Some(std::sync::Arc::new(config.audit_key_file.clone())),
            mailer: config.smtp.as_ref().and_then(|s| match mail::Mailer::new(s) {
                Ok(m) => Some(std::sync::Arc::new(m)),
                Err(e) => {
                    tracing::error!(error = %e, "e-mail cannot be sent: the SMTP settings are wrong");
                    None
                }
            }),
            // Without `public_url`, links point where Annex listens.
            public_url: Some(std::sync::Arc::from(config.display_url(config.bind).as_str())),
            ..Services::new(store)
        }
    }

    /// The same use cases sending e-mail through `mailer` and linking to `public_url`.
    pub fn with_mail(mut self, mailer: Option<mail::Mailer>, public_url: Option<&str>) -> Services {
        self.mailer = mailer.map(std::sync::Arc::new);
        self.public_url = public_url.map(std::sync::Arc::from);
        self
    }

    /// The organisation's time zone (an IANA name, "UTC" until set), kept for a few seconds.
    pub async fn time_zone(&self) -> String {
        if let Ok(z) = self.caches.zone.lock()
            && let Some((at, name)) = z.as_ref()
            && at.elapsed() < cache::ZONE_TTL
        {
            return name.clone();
        }
        let name = match self.store.time_zone().await {
            Ok(n) => n,
            Err(e) => {
                tracing::warn!(error = %e, "the time zone could not be read: times in UTC");
                return "UTC".into();
            }
        };
        if let Ok(mut z) = self.caches.zone.lock() {
            *z = Some((std::time::Instant::now(), name.clone()));
        }
        name
    }

    pub fn ctx(&self, actor: Actor) -> Ctx {
        Ctx {
            store: self.store.clone(),
            caches: self.caches.clone(),
            limits: self.limits,
            audit_key_file: self.audit_key_file.clone(),
            mailer: self.mailer.clone(),
            public_url: self.public_url.clone(),
            actor,
        }
    }

    /// The context of Annex acting by itself.
    pub fn system(&self) -> Ctx {
        self.ctx(Actor::system())
    }

    /// Closes the database connections (end of a command, shutdown).
    pub async fn close(&self) {
        self.store.close().await
    }

    /// Whether the database answers (`/healthz`).
    pub async fn ping(&self) -> Result<()> {
        self.store.ping().await
    }
}

/// The context of one use case: who acts, and the store with its clock.
#[derive(Clone, Debug)]
pub struct Ctx {
    store: Store,
    caches: std::sync::Arc<cache::Caches>,
    limits: Limits,
    audit_key_file: Option<std::sync::Arc<std::path::PathBuf>>,
    mailer: Option<std::sync::Arc<mail::Mailer>>,
    public_url: Option<std::sync::Arc<str>>,
    pub actor: Actor,
}

impl Ctx {
    /// Where the key that signs audit checkpoints is kept, when configured.
    pub(crate) fn audit_key_file(&self) -> Option<&std::path::Path> {
        self.audit_key_file.as_deref().map(|p| p.as_path())
    }

    /// The same context acting as Annex itself: only for a use case that has checked a
    /// credential of its own (a calendar feed's secret) and reads on that person's behalf.
    pub(crate) fn as_system(&self) -> Ctx {
        Ctx {
            actor: Actor::system(),
            ..self.clone()
        }
    }

    /// How e-mail leaves, when set up.
    pub(crate) fn mailer(&self) -> Option<&mail::Mailer> {
        self.mailer.as_deref()
    }

    /// The address people reach Annex at (`public_url`, or where it listens, without a
    /// trailing `/`); `http://localhost:8080` for use cases built on a bare store.
    pub fn public_url(&self) -> String {
        self.public_url
            .as_deref()
            .unwrap_or("http://localhost:8080")
            .trim_end_matches('/')
            .to_string()
    }

    /// The limits of the configuration.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The instance's caches of values computed from whole registers.
    pub(crate) fn caches(&self) -> &cache::Caches {
        &self.caches
    }

    /// The store, for the use cases and the stores of the registers (never a front end).
    pub(crate) fn store(&self) -> &Store {
        &self.store
    }

    pub fn clock(&self) -> &Clock {
        self.store.clock()
    }

    /// Today's date (`YYYY-MM-DD`, UTC), for due dates and expiry.
    pub fn today(&self) -> String {
        self.store.today()
    }

    /// This moment in the stored form.
    pub fn now(&self) -> String {
        self.store.now()
    }

    /// Which database the store runs on.
    pub fn backend(&self) -> crate::config::Backend {
        self.store.backend()
    }

    /// The name the audit trail records for this actor.
    pub fn who(&self) -> &str {
        &self.actor.name
    }

    /// Refuses unless the actor has one of `roles`.
    pub fn require(&self, roles: &[Role]) -> Result<()> {
        if self.actor.has(roles) {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// Refuses unless the actor reads ISMS content (every person; not a scan agent).
    pub fn require_reader(&self) -> Result<()> {
        if self.actor.reads() {
            Ok(())
        } else {
            Err(Error::Forbidden)
        }
    }

    /// Refuses unless the actor edits all ISMS content.
    pub fn require_editor(&self) -> Result<()> {
        self.require(EDITORS)
    }

    /// Starts a write transaction.
    pub(crate) async fn write(&self) -> Result<Tx> {
        self.store.write().await
    }

    /// A change for the audit trail, made by this actor.
    pub(crate) fn change(&self, action: &str, object_type: &str, object_id: &str) -> Change {
        Change::new(&self.actor.name, action, object_type, object_id)
    }
}

/// Refuses an edit that would rename the record `id` (`noun`: "a risk", "an asset").
pub(crate) fn keep_id(given: Option<&str>, id: &str, noun: &str) -> Result<()> {
    match given {
        Some(d) if !d.is_empty() && d != id => Err(Error::field(
            "id",
            format!("the id of {noun} cannot be changed"),
        )),
        _ => Ok(()),
    }
}

/// Ends an edit of record `id`: when the record written says what `before` said, the write is
/// dropped (rolled back: the trail does not move) and the record answered as it was; else the
/// change is audited as `action` with before and after, and committed.
pub(crate) async fn finish_edit<R: crate::store::Record>(
    ctx: &Ctx,
    mut tx: Tx,
    action: &str,
    object_type: &str,
    id: &str,
    before: R,
    after: R,
) -> Result<(R, R)> {
    if after.same_as(&before) {
        return Ok((before.clone(), before));
    }
    tx.audit(
        ctx.change(action, object_type, id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok((before, after))
}

/// The revision a writer saw, for optimistic concurrency: a form's hidden `revision` field or
/// an API client's `If-Match`. `None` means the writer did not say (then the write applies
/// to whatever is stored).
pub type Expected = Option<i64>;

/// A record's link to another register: (field, table, id column, ids, the register's name).
pub(crate) type Link<'a> = (&'a str, &'a str, &'a str, &'a [String], &'a str);

/// The ids records name that are not in their registers, each as a problem of the record's
/// prefix (`row 3, `) and its field — one query per register for all the records (an import's
/// rows), read inside the write.
pub(crate) async fn unknown_links(
    tx: &mut crate::store::Tx,
    records: &[(String, Vec<Link<'_>>)],
) -> Result<Vec<crate::error::FieldError>> {
    let mut wanted: std::collections::BTreeMap<(&str, &str), Vec<String>> = Default::default();
    for (_, links) in records {
        for (_, table, column, ids, _) in links {
            wanted
                .entry((*table, *column))
                .or_default()
                .extend(ids.iter().cloned());
        }
    }
    let mut found: std::collections::HashMap<(&str, &str), std::collections::HashSet<String>> =
        Default::default();
    for ((table, column), mut ids) in wanted {
        ids.sort();
        ids.dedup();
        found.insert(
            (table, column),
            crate::store::existing_ids(tx, table, column, &ids).await?,
        );
    }
    let mut out = Vec::new();
    for (prefix, links) in records {
        for (field, table, column, ids, what) in links {
            let known = &found[&(*table, *column)];
            let unknown: Vec<&str> = ids
                .iter()
                .filter(|i| !known.contains(*i))
                .map(String::as_str)
                .collect();
            if !unknown.is_empty() {
                out.push(crate::error::FieldError::new(
                    format!("{prefix}{field}"),
                    format!("not in the {what}: {}", unknown.join(", ")),
                ));
            }
        }
    }
    Ok(out)
}

/// Checks a writer's revision against the stored one (read inside the write's transaction,
/// with the row locked). A stale write is refused with who changed what since, from the audit
/// trail, so that the person can compare it with their own change.
pub(crate) async fn check_revision(
    tx: &mut Tx,
    object_type: &str,
    object_id: &str,
    label: &str,
    stored: i64,
    expected: Expected,
) -> Result<()> {
    let Some(expected) = expected else {
        return Ok(());
    };
    if expected == stored {
        return Ok(());
    }
    let missed = (stored - expected).clamp(1, 20);
    let entries = crate::store::recent_changes(tx, object_type, object_id, missed).await?;
    let mut details = Vec::new();
    let mut who: Vec<String> = Vec::new();
    for e in entries.iter().rev() {
        let when = display(&e.occurred_at);
        if !who.contains(&e.actor) {
            who.push(e.actor.clone());
        }
        for (field, theirs) in changed_fields(e.before.as_deref(), e.after.as_deref()) {
            details.push(FieldError::new(
                field,
                format!("{} set it to {theirs} ({when})", e.actor),
            ));
        }
    }
    let by = if who.is_empty() {
        String::from("someone else")
    } else {
        who.join(", ")
    };
    Err(Error::Stale {
        message: format!(
            "{label} was changed by {by} since you opened it (you had revision {expected}, it is now revision {stored}); your change was not saved: compare it with theirs and save again"
        ),
        current: stored,
        details,
    })
}

/// The top-level fields an audit entry changed, with their new values as short text.
/// The ids of a register's records whose name (`name_column`) is one of `names` (lower-case),
/// for the names one record has: an import matching rows without ids by name (editors).
pub async fn ids_by_name(
    ctx: &Ctx,
    table: &str,
    id_column: &str,
    name_column: &str,
    names: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    ctx.require(crate::domain::user::EDITORS)?;
    ctx.store()
        .ids_by_name(table, id_column, name_column, names)
        .await
}

pub fn changed_fields(before: Option<&str>, after: Option<&str>) -> Vec<(String, String)> {
    let parse = |s: Option<&str>| -> serde_json::Map<String, serde_json::Value> {
        s.and_then(|s| serde_json::from_str::<serde_json::Value>(s).ok())
            .and_then(|v| match v {
                serde_json::Value::Object(m) => Some(m),
                _ => None,
            })
            .unwrap_or_default()
    };
    let (before, after) = (parse(before), parse(after));
    let mut out = Vec::new();
    for (k, v) in &after {
        if matches!(k.as_str(), "updated_at" | "revision" | "created_at") {
            continue;
        }
        if before.get(k) != Some(v) {
            out.push((k.clone(), short_value(v)));
        }
    }
    out
}

fn short_value(v: &serde_json::Value) -> String {
    let text = match v {
        serde_json::Value::Null => return "nothing".into(),
        serde_json::Value::String(s) if s.is_empty() => return "nothing".into(),
        serde_json::Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    let mut cut: String = text.chars().take(120).collect();
    if cut.len() < text.len() {
        cut.push('…');
    }
    format!("'{cut}'")
}
