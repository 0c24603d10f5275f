//! Notifications' use cases: each person's choices; the organisation's rules (admins); the
//! outbox as admins see it and a test message; and what the scheduler runs — queueing the
//! digests, the escalations, the deadlines within a day and the hosts that stopped
//! reporting, and delivering the outbox with retries.

use super::domain::{
    self as mails, DigestChoice, MessageKind, Policy, PolicyInput, Preferences, PreferencesInput,
};
use super::service_outbox::enqueue_mail;
use super::service_webhook::enqueue_events;
use super::store::{self, MAX_ATTEMPTS, OutboxItem};
use crate::domain::user::ADMIN;
use crate::error::{Error, Result};
use crate::registers::task::domain::{Task, add_days};
use crate::registers::task::service::TeamLine;
use crate::service::{Ctx, Expected, check_revision};
use std::collections::{BTreeMap, HashMap};

pub(crate) fn prefs_of(row: crate::registers::task::store::PreferenceRow) -> Preferences {
    Preferences::from_row(row.0, &row.1, &row.2, row.4, row.5)
}

/// The caller's choices (the defaults until they change one).
#[tracing::instrument(name = "notify.preferences", skip_all, fields(actor = %ctx.who()))]
pub async fn preferences(ctx: &Ctx) -> Result<Preferences> {
    ctx.require_reader()?;
    let me = crate::registers::task::service::caller(ctx)?;
    Ok(match ctx.store().preference(&me).await? {
        Some(row) => prefs_of(row),
        None => Preferences::default_for(&me),
    })
}

/// Changes the caller's choices.
#[tracing::instrument(name = "notify.set_preferences", skip_all, fields(actor = %ctx.who()))]
pub async fn set_preferences(
    ctx: &Ctx,
    expected: Expected,
    input: &PreferencesInput,
) -> Result<Preferences> {
    ctx.require_reader()?;
    let me = crate::registers::task::service::caller(ctx)?;
    let (digest, muted) = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = prefs_of(crate::registers::task::store::lock_preference(&mut tx, &me).await?);
    // A row made just now is at revision 1: the defaults were read as revision 0.
    let expected = expected.map(|e| if e == 0 { before.revision } else { e });
    check_revision(
        &mut tx,
        "notification_preference",
        &me,
        &me,
        before.revision,
        expected,
    )
    .await?;
    let muted_keys: Vec<&str> = muted.iter().map(|k| k.key()).collect();
    crate::registers::task::store::write_preference(
        &mut tx,
        &me,
        digest.key(),
        &muted_keys.join(","),
    )
    .await?;
    let after = Preferences {
        digest,
        muted,
        revision: before.revision + 1,
        ..before.clone()
    };
    tx.audit(
        ctx.change("notify.preferences", "notification_preference", &me)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The organisation's rules.
#[tracing::instrument(name = "notify.policy", skip_all, fields(actor = %ctx.who()))]
pub async fn policy(ctx: &Ctx) -> Result<Policy> {
    ctx.require_reader()?;
    ctx.store().notification_policy().await
}

/// Changes the organisation's rules (admins).
#[tracing::instrument(name = "notify.set_policy", skip_all, fields(actor = %ctx.who()))]
pub async fn set_policy(ctx: &Ctx, input: &PolicyInput) -> Result<Policy> {
    ctx.require(ADMIN)?;
    let p = input.parse()?;
    let mut tx = ctx.write().await?;
    if !p.escalate_to_role.is_empty() && !store::role_exists(&mut tx, &p.escalate_to_role).await? {
        return Err(Error::field(
            "escalate_to_role",
            format!("there is no ISMS role {}", p.escalate_to_role),
        ));
    }
    let before = store::policy_in(&mut tx).await?;
    store::write_policy(&mut tx, &p).await?;
    tx.audit(
        ctx.change("notify.policy", "setting", "notification_policy")
            .before(&before)
            .after(&p),
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

/// What admins see of the outbox.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OutboxView {
    /// Where e-mail goes (none: it is not set up and messages wait).
    pub server: Option<String>,
    pub pending: i64,
    pub sent: i64,
    pub failed: i64,
    pub items: Vec<OutboxItem>,
}

/// The newest messages (admins): `state` is `pending`, `sent`, `failed` or none for all.
#[tracing::instrument(name = "notify.outbox", skip_all, fields(actor = %ctx.who()))]
pub async fn outbox(ctx: &Ctx, state: Option<&str>) -> Result<OutboxView> {
    ctx.require(ADMIN)?;
    if let Some(s) = state
        && !["pending", "sent", "failed"].contains(&s)
    {
        return Err(Error::Query(vec![crate::error::FieldError::new(
            "state",
            format!("'{s}' is not pending, sent or failed"),
        )]));
    }
    let (items, [pending, sent, failed]) = ctx.store().outbox(state, 200).await?;
    Ok(OutboxView {
        server: ctx.mailer().map(|m| m.describe()),
        pending,
        sent,
        failed,
        items,
    })
}

/// Sends a test message to `to` now (admins), and answers where it went; the error names
/// what the server answered.
#[tracing::instrument(name = "notify.test", skip_all, fields(actor = %ctx.who()))]
pub async fn send_test(ctx: &Ctx, to: &str) -> Result<String> {
    ctx.require(ADMIN)?;
    let to = to.trim();
    if to.is_empty() || !to.contains('@') || to.contains(char::is_whitespace) || to.len() > 320 {
        return Err(Error::field(
            "to",
            format!("'{to}' is not an e-mail address"),
        ));
    }
    let Some(mailer) = ctx.mailer() else {
        return Err(Error::Conflict(
            "E-mail is not set up: give smtp_host and smtp_from in annex.toml (or ANNEX_SMTP_HOST and ANNEX_SMTP_FROM) and restart Annex.".into(),
        ));
    };
    let server = mailer.describe();
    let mail = mails::test(ctx.who(), &server, &ctx.public_url());
    let outgoing = crate::service::mail::Outgoing {
        id: uuid::Uuid::new_v4().simple().to_string(),
        to: to.to_string(),
        subject: mail.subject.clone(),
        text: mail.text(),
        html: mail.html(),
    };
    let result = mailer.send(&outgoing).await;
    let mut tx = ctx.write().await?;
    tx.audit(
        ctx.change("mail.test", "mail", to)
            .after(serde_json::json!({
                "server": server,
                "sent": result.is_ok(),
                "error": result.as_ref().err(),
            })),
    )
    .await?;
    tx.commit().await?;
    match result {
        Ok(()) => Ok(server),
        Err(e) => Err(Error::Conflict(format!(
            "{server} did not take the message: {e}"
        ))),
    }
}

/// People's choices by e-mail, and who has left (no message goes to them).
async fn audience(
    ctx: &Ctx,
) -> Result<(
    HashMap<String, Preferences>,
    HashMap<String, String>,
    std::collections::HashSet<String>,
)> {
    let today = ctx.today();
    let (prefs, people) =
        tokio::try_join!(ctx.store().preferences(), ctx.store().known_people(&today))?;
    let prefs = prefs
        .into_iter()
        .map(|r| (r.0.clone(), prefs_of(r)))
        .collect();
    let mut names = HashMap::new();
    let mut left = std::collections::HashSet::new();
    for (email, (name, known)) in people {
        if known == crate::registers::responsibility::domain::Known::Left {
            left.insert(email.clone());
        }
        names.insert(email, name);
    }
    Ok((prefs, names, left))
}

/// Owners whose messages are made and written at a time: a large organisation's are written
/// in parts, each once (a message's key names its person and day), so memory stays flat.
const OWNERS_PER_WRITE: usize = 200;

/// Tasks read of one owner for an escalation: enough to find the oldest not told of before;
/// the rest are counted, never read.
const READ_PER_OWNER: usize = 500;

/// Each owner's counts by `until`, by owner (lower case), only owners with an e-mail.
async fn owners_due(ctx: &Ctx, day: &str, until: &str) -> Result<BTreeMap<String, TeamLine>> {
    Ok(crate::registers::task::service::owners_due(ctx, day, until)
        .await?
        .into_iter()
        .filter(|l| l.owner.contains('@'))
        .map(|l| (l.owner.clone(), l))
        .collect())
}

/// The keys among `keys` queued before.
async fn queued(ctx: &Ctx, keys: Vec<String>) -> Result<std::collections::HashSet<String>> {
    let mut tx = ctx.store().read_tx().await?;
    let known = store::known_keys(&mut tx, keys).await?;
    tx.commit().await?;
    Ok(known)
}

/// Queues the digests of `day` (the day of the scheduled run, in the organisation's zone):
/// each person who wants one that day and has something due gets one — a daily digest holds
/// what is overdue and due within 7 days, a weekly one (Mondays) within 14. Answers how many
/// were queued; a digest queued before for the same person and day is not queued again.
/// Owners are counted by the database and read a few hundred at a time, so the memory does
/// not grow with the registers.
#[tracing::instrument(name = "notify.digests", skip_all, fields(actor = %ctx.who(), day = %day))]
pub async fn queue_digests(ctx: &Ctx, day: &str) -> Result<usize> {
    ctx.require(ADMIN)?;
    let monday = crate::registers::task::domain::day(day)
        .is_some_and(|d| d.weekday() == time::Weekday::Monday);
    let daily_until = add_days(day, 7);
    let weekly_until = add_days(day, 14);
    let daily = owners_due(ctx, day, &daily_until).await?;
    let weekly = if monday {
        owners_due(ctx, day, &weekly_until).await?
    } else {
        BTreeMap::new()
    };
    let (prefs, names, left) = audience(ctx).await?;
    let base = ctx.public_url();
    // Who gets one, with what counts and up to which day.
    let mut due: Vec<(String, &TeamLine, &str)> = Vec::new();
    let owners: std::collections::BTreeSet<&String> = daily.keys().chain(weekly.keys()).collect();
    for owner in owners {
        if left.contains(owner) {
            continue;
        }
        let p = prefs
            .get(owner)
            .cloned()
            .unwrap_or_else(|| Preferences::default_for(owner));
        if !p.wants(MessageKind::Digest) {
            continue;
        }
        let (line, until) = match p.digest {
            DigestChoice::Off => continue,
            DigestChoice::Weekly if !monday => continue,
            DigestChoice::Weekly => (weekly.get(owner), weekly_until.as_str()),
            DigestChoice::Daily => (daily.get(owner), daily_until.as_str()),
        };
        if let Some(line) = line.filter(|l| l.overdue + l.this_week + l.later > 0) {
            due.push((format!("digest:{owner}:{day}"), line, until));
        }
    }
    let week_end = crate::registers::task::domain::week_end(day);
    let mut written = 0;
    for part in due.chunks(OWNERS_PER_WRITE) {
        let known = queued(ctx, part.iter().map(|d| d.0.clone()).collect()).await?;
        let mut planned: Vec<(String, String, mails::Mail)> = Vec::new();
        for (key, line, until) in part.iter().filter(|d| !known.contains(&d.0)) {
            let owner = &line.owner;
            // The first of each part: overdue, this week, later.
            let (yesterday, after_week) = (add_days(day, -1), add_days(&week_end, 1));
            let parts = [
                ("", yesterday.as_str()),
                (day, week_end.as_str()),
                (after_week.as_str(), *until),
            ];
            let tasks =
                crate::registers::task::service::due_of(ctx, owner, &parts, mails::LISTED).await?;
            let name = names.get(owner).cloned().unwrap_or_else(|| owner.clone());
            let counts = [line.overdue, line.this_week, line.later];
            let mail = mails::digest(&name, &tasks, counts, day, &base);
            planned.push((key.clone(), owner.clone(), mail));
        }
        written += write_planned(ctx, MessageKind::Digest, planned, Vec::new(), Vec::new()).await?;
    }
    Ok(written)
}

/// Writes planned messages (key, recipient, mail) whose keys are new, the events (key,
/// mail) for every webhook that takes them, and the marks of what they told, in one write;
/// answers how many messages were written.
async fn write_planned(
    ctx: &Ctx,
    kind: MessageKind,
    planned: Vec<(String, String, mails::Mail)>,
    marks: Vec<(String, String)>,
    events: Vec<(String, mails::Mail)>,
) -> Result<usize> {
    if planned.is_empty() && events.is_empty() {
        return Ok(0);
    }
    let mut tx = ctx.write().await?;
    if !events.is_empty() {
        let webhooks = super::store_webhook::webhooks_in(&mut tx).await?;
        for (key, mail) in &events {
            enqueue_events(&mut tx, &webhooks, kind, key, mail).await?;
        }
    }
    let known = store::known_keys(&mut tx, planned.iter().map(|p| p.0.clone()).collect()).await?;
    let mut written = 0;
    for (key, to, mail) in &planned {
        if !known.contains(key) && enqueue_mail(&mut tx, key, kind, to, mail).await? {
            written += 1;
        }
    }
    for (mark, message) in &marks {
        store::mark(&mut tx, mark, message).await?;
    }
    tx.commit().await?;
    Ok(written)
}

/// Whether some webhook takes events of `kind` (else none is made).
async fn hooked(ctx: &Ctx, kind: MessageKind) -> Result<bool> {
    Ok(ctx.store().webhooks().await?.iter().any(|w| w.takes(kind)))
}

/// Queues, for every task overdue by the rules' days or more that was not escalated for its
/// due day yet, a message to its owner's manager (the staff directory), or else to the
/// holders of the rules' role; one message per recipient and owner. Answers how many.
#[tracing::instrument(name = "notify.escalations", skip_all, fields(actor = %ctx.who(), day = %day))]
pub async fn queue_escalations(ctx: &Ctx, day: &str) -> Result<usize> {
    ctx.require(ADMIN)?;
    let policy = ctx.store().notification_policy().await?;
    if policy.escalate_after_days <= 0 {
        return Ok(0);
    }
    let until = add_days(day, -policy.escalate_after_days);
    let owners = owners_due(ctx, day, &until).await?;
    if owners.is_empty() {
        return Ok(0);
    }
    let (prefs, names, left) = audience(ctx).await?;
    let managers = ctx.store().managers(day).await?;
    let fallback = if policy.escalate_to_role.is_empty() {
        Vec::new()
    } else {
        ctx.store().role_holders(&policy.escalate_to_role).await?
    };
    let mark_of = |t: &Task| {
        format!(
            "escalation:{}:{}",
            t.id,
            t.due_on.clone().unwrap_or_default()
        )
    };
    let base = ctx.public_url();
    let hooked = hooked(ctx, MessageKind::Escalation).await?;
    let owners: Vec<&TeamLine> = owners.values().collect();
    let mut written = 0;
    for part in owners.chunks(OWNERS_PER_WRITE) {
        let mut planned = Vec::new();
        let mut marks = Vec::new();
        let mut events = Vec::new();
        for line in part {
            let owner = &line.owner;
            // The oldest first: an owner with more overdue than are read is told of the
            // oldest, and of how many more there are.
            let tasks = crate::registers::task::service::due_of(
                ctx,
                owner,
                &[("", &until)],
                READ_PER_OWNER,
            )
            .await?;
            let more = line.overdue.saturating_sub(tasks.len());
            let mut tx = ctx.store().read_tx().await?;
            let done = store::marked(&mut tx, tasks.iter().map(mark_of).collect()).await?;
            tx.commit().await?;
            let fresh: Vec<Task> = tasks
                .into_iter()
                .filter(|t| !done.contains(&mark_of(t)))
                .collect();
            if fresh.is_empty() {
                continue;
            }
            let recipients: Vec<String> = match managers.get(owner) {
                Some(m) => vec![m.clone()],
                None => fallback.clone(),
            };
            let owner_name = names.get(owner).cloned().unwrap_or_else(|| owner.clone());
            let mail = || mails::escalation(&owner_name, owner, &fresh, more, day, &base);
            if hooked {
                let key = format!("escalation:{owner}:{day}");
                events.push((key.clone(), mail()));
                for t in &fresh {
                    marks.push((mark_of(t), key.clone()));
                }
            }
            for r in recipients {
                if &r == owner || left.contains(&r) {
                    continue;
                }
                let wants = prefs
                    .get(&r)
                    .is_none_or(|p| p.wants(MessageKind::Escalation));
                if !wants {
                    continue;
                }
                let key = format!("escalation:{r}:{owner}:{day}");
                planned.push((key.clone(), r.clone(), mail()));
                for t in &fresh {
                    marks.push((mark_of(t), key.clone()));
                }
            }
        }
        written += write_planned(ctx, MessageKind::Escalation, planned, marks, events).await?;
    }
    Ok(written)
}

/// Queues a message for every deadline counted in hours (an incident's notification stage)
/// that falls within the next 24 hours, once per stage and moment. Answers how many.
#[tracing::instrument(name = "notify.deadlines", skip_all, fields(actor = %ctx.who()))]
pub async fn queue_deadlines(ctx: &Ctx) -> Result<usize> {
    ctx.require(ADMIN)?;
    let now = ctx.clock().now();
    let soon = crate::domain::clock::stamp(now + time::Duration::hours(24));
    let today = ctx.today();
    // Only the deadlines counted in hours: not every task due by tomorrow.
    let tasks = crate::registers::task::service::notification_stages(ctx).await?;
    let (prefs, _, left) = audience(ctx).await?;
    let base = ctx.public_url();
    let hooked = hooked(ctx, MessageKind::Deadline).await?;
    let mut planned = Vec::new();
    let mut events = Vec::new();
    for t in tasks {
        let Some(at) = &t.due_at else { continue };
        if at.as_str() > soon.as_str() {
            continue;
        }
        if hooked {
            let key = format!("deadline:{}:{at}", t.id);
            events.push((key, mails::deadline(&t, &today, &base)));
        }
        let owner = t.owner.to_lowercase();
        if !owner.contains('@') || left.contains(&owner) {
            continue;
        }
        if !prefs
            .get(&owner)
            .is_none_or(|p| p.wants(MessageKind::Deadline))
        {
            continue;
        }
        let key = format!("deadline:{}:{at}", t.id);
        planned.push((key, owner, mails::deadline(&t, &today, &base)));
    }
    write_planned(ctx, MessageKind::Deadline, planned, Vec::new(), events).await
}

/// Queues a message to every admin for each host that went stale (no scan for more than
/// two days), once per host and last report. Answers how many.
#[tracing::instrument(name = "notify.stale_hosts", skip_all, fields(actor = %ctx.who()))]
pub async fn queue_stale_hosts(ctx: &Ctx) -> Result<usize> {
    ctx.require(ADMIN)?;
    let hosts = crate::registers::hosts::service::hosts(ctx).await?;
    let stale: Vec<_> = hosts.into_iter().filter(|h| h.stale).collect();
    if stale.is_empty() {
        return Ok(0);
    }
    let (prefs, _, _) = audience(ctx).await?;
    let admins = ctx.store().admin_emails().await?;
    let base = ctx.public_url();
    let hooked = hooked(ctx, MessageKind::Host).await?;
    let mut planned = Vec::new();
    let mut events = Vec::new();
    for h in &stale {
        if hooked {
            let key = format!("host:{}:{}", h.name, h.last_seen);
            events.push((key, mails::host_stale(&h.name, &h.last_seen, &base)));
        }
        for a in &admins {
            if !prefs.get(a).is_none_or(|p| p.wants(MessageKind::Host)) {
                continue;
            }
            let key = format!("host:{}:{}:{a}", h.name, h.last_seen);
            planned.push((
                key,
                a.clone(),
                mails::host_stale(&h.name, &h.last_seen, &base),
            ));
        }
    }
    write_planned(ctx, MessageKind::Host, planned, Vec::new(), events).await
}

/// How long a sender holds the messages it claimed.
const CLAIM_MINUTES: i64 = 5;

/// The wait before attempt `n + 1` after `n` failed: 1, 2, 4, … minutes, at most 6 hours.
pub fn backoff_minutes(attempts: i64) -> i64 {
    let n = attempts.clamp(0, 20) as u32;
    (1i64 << n).min(360)
}

/// What one delivery did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct Delivery {
    pub sent: usize,
    pub retried: usize,
    pub given_up: usize,
}

/// Sends what the outbox holds that is due, as `sender` (an instance's name): each message
/// claimed for a few minutes, so that another instance does not send it too; a failure is
/// tried again later (1, 2, 4 … minutes) and given up after the last attempt. E-mail waits
/// while it is not set up; webhooks' events go all the same.
#[tracing::instrument(name = "notify.deliver", skip_all, fields(actor = %ctx.who(), sender = %sender))]
pub async fn deliver(ctx: &Ctx, sender: &str) -> Result<Delivery> {
    ctx.require(ADMIN)?;
    let mut out = Delivery::default();
    let mailer = ctx.mailer();
    let mut targets: HashMap<String, Option<(String, String, bool)>> = HashMap::new();
    let started = std::time::Instant::now();
    loop {
        let now = ctx.clock().now();
        let until = crate::domain::clock::stamp(now + time::Duration::minutes(CLAIM_MINUTES));
        let claimed = ctx
            .store()
            .claim_messages(
                sender,
                &crate::domain::clock::stamp(now),
                &until,
                50,
                mailer.is_some(),
            )
            .await?;
        if claimed.is_empty() {
            break;
        }
        // Every send starts well within the claim (a send gives up after 20 seconds), so
        // that no other sender claims a message while this one is still sending it; what is
        // left is claimed again once the claim ends.
        let within = std::time::Duration::from_secs(60 * (CLAIM_MINUTES as u64 - 1));
        for (id, channel, kind, to, subject, text, html, attempts) in claimed {
            if started.elapsed() > within {
                return Ok(out);
            }
            // A webhook removed or turned off will not come back for its message: given up.
            let (result, hopeless) = if channel == "webhook" {
                if !targets.contains_key(&to) {
                    targets.insert(to.clone(), ctx.store().webhook_target(&to).await?);
                }
                match &targets[&to] {
                    Some((url, key, true)) => {
                        let now = ctx.clock().now();
                        let posted =
                            crate::service::webhook::post(&crate::service::webhook::Post {
                                url,
                                body: &text,
                                headers: &super::service_webhook::headers(
                                    key, &kind, &id, now, &text,
                                ),
                            })
                            .await;
                        (posted.map(|_| ()), false)
                    }
                    Some(_) => (Err("the webhook is turned off".to_string()), true),
                    None => (Err("the webhook was removed".to_string()), true),
                }
            } else {
                // Only webhooks' messages are claimed while e-mail is not set up.
                let Some(mailer) = &mailer else { continue };
                let m = crate::service::mail::Outgoing {
                    id: id.clone(),
                    to: to.clone(),
                    subject,
                    text,
                    html,
                };
                (mailer.send(&m).await, false)
            };
            let at = crate::domain::clock::stamp(ctx.clock().now());
            match result {
                Ok(()) => {
                    ctx.store().message_sent(&id, sender, &at).await?;
                    out.sent += 1;
                }
                Err(e) => {
                    let tried = attempts + 1;
                    if tried >= MAX_ATTEMPTS || hopeless {
                        tracing::warn!(id = %id, to = %to, error = %e, "a message was given up");
                        ctx.store()
                            .message_failed(&id, sender, &at, None, &e)
                            .await?;
                        out.given_up += 1;
                    } else {
                        let retry = crate::domain::clock::stamp(
                            ctx.clock().now() + time::Duration::minutes(backoff_minutes(attempts)),
                        );
                        tracing::info!(id = %id, to = %to, error = %e, retry = %retry, "a message will be tried again");
                        ctx.store()
                            .message_failed(&id, sender, &at, Some(&retry), &e)
                            .await?;
                        out.retried += 1;
                    }
                }
            }
        }
        // A run stops well within its claim, leaving the rest to the next.
        if started.elapsed() > within {
            break;
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #[test]
    fn retries_wait_longer_each_time_up_to_six_hours() {
        let waits: Vec<i64> = (0..10).map(super::backoff_minutes).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 64, 128, 256, 360]);
    }
}
