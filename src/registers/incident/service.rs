//! The incident register's use cases: reporting (signed in, or through a person's link
//! without an account), triage by managers, the steps of its handling, actions on its
//! timeline, notifications recorded against the regimes' clocks, and closing with lessons
//! learned that can start measures. Each write locks the incident, checks the writer's
//! revision, appends to the timeline and to the audit trail in one transaction. A restricted
//! incident (personal data) is seen only by managers, admins, auditors, its handler and its
//! reporter: to anyone else it does not exist.

use super::domain::{
    CloseInput, EntryKind, Incident, IncidentFilter, IncidentStatus, Notification,
    NotificationInput, ReportInput, ReportedVia, TimelineEntry, TriageInput, next_status,
    parse_moment,
};
use super::domain_regime::{Regime, Span, StageDue, shipped, stages_due};
use super::store;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::registers::staff::service::STAFF_READERS;
use crate::registers::staff::service_link::Holder;
use crate::service::{Actor, Channel, Ctx, Expected, check_revision};
use crate::store::Tx;

/// Managers, admins and auditors see every incident.
fn privileged(actor: &Actor) -> bool {
    actor.role.is_some_and(|r| STAFF_READERS.contains(&r)) || actor.channel == Channel::Cli
}

pub(crate) fn me(actor: &Actor) -> String {
    actor
        .user
        .as_ref()
        .map(|u| u.email.as_str().to_lowercase())
        .unwrap_or_default()
}

/// Whether the actor sees the incident.
pub fn visible(actor: &Actor, i: &Incident) -> bool {
    !i.restricted
        || privileged(actor)
        || (!i.handler.is_empty() && i.handler == me(actor))
        || i.reported_by.eq_ignore_ascii_case(&me(actor))
}

/// Whether the actor handles the incident: managers and admins, and its handler.
pub fn may_handle(actor: &Actor, i: &Incident) -> bool {
    actor.is_editor() || (!i.handler.is_empty() && i.handler == me(actor))
}

/// The regimes Annex ships, with whether the organisation switched each on and the
/// contractual notice's hours as configured.
#[tracing::instrument(name = "incident.regimes", skip_all, fields(actor = %ctx.who()))]
pub async fn regimes(ctx: &Ctx) -> Result<Vec<(Regime, bool)>> {
    ctx.require_reader()?;
    let configured = ctx.store().incident_regimes().await?;
    Ok(shipped()
        .into_iter()
        .map(|mut r| {
            let c = configured.iter().find(|c| c.0 == r.key);
            if let Some(h) = c.and_then(|c| c.2)
                && let Some(s) = r.stages.first_mut()
            {
                s.within = Span::Hours(h.clamp(1, 10_000) as u32);
            }
            let on = c.is_some_and(|c| c.1);
            (r, on)
        })
        .collect())
}

/// Switches a regime on or off (managers and admins); the contractual notice takes its hours.
#[tracing::instrument(name = "incident.set_regime", skip_all, fields(actor = %ctx.who(), regime = %key))]
pub async fn set_regime(ctx: &Ctx, key: &str, enabled: bool, hours: Option<i64>) -> Result<()> {
    ctx.require_editor()?;
    let all = shipped();
    let Some(r) = all.iter().find(|r| r.key == key) else {
        let keys: Vec<&str> = all.iter().map(|r| r.key.as_str()).collect();
        return Err(Error::field(
            "regime",
            format!("'{key}' is not a regime: use {}", keys.join(", ")),
        ));
    };
    if let Some(h) = hours
        && (r.key != "contract" || !(1..=10_000).contains(&h))
    {
        return Err(Error::field(
            "hours",
            "only the contractual notice takes hours, 1 to 10000",
        ));
    }
    let mut tx = ctx.write().await?;
    store::set_regime(&mut tx, key, enabled, hours).await?;
    tx.audit(
        ctx.change("incident.regime", "incident_regime", key)
            .after(serde_json::json!({"enabled": enabled, "hours": hours})),
    )
    .await?;
    tx.commit().await
}

#[tracing::instrument(name = "incident.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    f: &IncidentFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Incident>> {
    ctx.require_reader()?;
    ctx.store()
        .list_incidents(f, privileged(&ctx.actor), &me(&ctx.actor), cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every incident a filter keeps that the caller sees (exports).
#[tracing::instrument(name = "incident.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, f: &IncidentFilter) -> Result<Vec<Incident>> {
    crate::store::collect_pages(|cursor| async move { list(ctx, f, cursor.as_deref(), 500).await })
        .await
}

#[tracing::instrument(name = "incident.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Incident> {
    ctx.require_reader()?;
    let i = ctx.store().incident(id).await?;
    if !visible(&ctx.actor, &i) {
        return Err(Error::NotFound(format!("incident {id}")));
    }
    Ok(i)
}

/// An incident with its timeline, its notifications and where each regime's stages stand now.
pub struct Detail {
    pub incident: Incident,
    pub entries: Vec<TimelineEntry>,
    pub notifications: Vec<Notification>,
    pub stages: Vec<StageDue>,
    pub evidence: Vec<super::domain_custody::EvidenceItem>,
    pub tasks: Vec<super::domain::IncidentTask>,
}

#[tracing::instrument(name = "incident.detail", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn detail(ctx: &Ctx, id: &str) -> Result<Detail> {
    let incident = get(ctx, id).await?;
    let entries = ctx.store().incident_entries(id).await?;
    let notifications = ctx.store().incident_notifications(id).await?;
    let evidence = ctx.store().incident_evidence(id).await?;
    let tasks = ctx.store().incident_tasks(id).await?;
    let all = regimes(ctx).await?;
    let stages = clocks(
        &incident.aware_at,
        incident.classified_at.as_deref(),
        &incident.regimes,
        &all,
        notifications
            .iter()
            .map(|n| (n.regime.as_str(), n.stage.as_str(), n.sent_at.as_str())),
        ctx.clock().now(),
    );
    Ok(Detail {
        incident,
        entries,
        notifications,
        stages,
        evidence,
        tasks,
    })
}

/// The stages of every regime that applies to an incident, as seen at `now`.
fn clocks<'a>(
    aware_at: &str,
    classified_at: Option<&str>,
    regimes: &[String],
    all: &[(Regime, bool)],
    sent: impl Iterator<Item = (&'a str, &'a str, &'a str)> + Clone,
    now: time::OffsetDateTime,
) -> Vec<StageDue> {
    use crate::domain::clock::parse_stamp;
    let Some(aware) = parse_stamp(aware_at) else {
        return Vec::new();
    };
    let classified = classified_at.and_then(parse_stamp);
    let mut out = Vec::new();
    for key in regimes {
        let Some((r, _)) = all.iter().find(|(r, _)| &r.key == key) else {
            continue;
        };
        let stages: Vec<(String, time::OffsetDateTime)> = sent
            .clone()
            .filter(|(regime, _, _)| regime == key)
            .filter_map(|(_, stage, at)| parse_stamp(at).map(|t| (stage.to_string(), t)))
            .collect();
        out.extend(stages_due(r, aware, classified, &stages, now));
    }
    out
}

/// Every stage still to send of open incidents the caller sees, soonest due first (the
/// dashboard's deadline panel).
#[tracing::instrument(name = "incident.deadlines", skip_all, fields(actor = %ctx.who()))]
pub async fn deadlines(ctx: &Ctx) -> Result<Vec<(String, String, StageDue)>> {
    Ok(open_stages(ctx)
        .await?
        .into_iter()
        .map(|(id, title, _, s)| (id, title, s))
        .collect())
}

/// Every stage still to send of open incidents the caller sees, soonest due first, with the
/// incident's handler (whose task it is): (incident, title, handler, stage).
#[tracing::instrument(name = "incident.open_stages", skip_all, fields(actor = %ctx.who()))]
pub async fn open_stages(ctx: &Ctx) -> Result<Vec<(String, String, String, StageDue)>> {
    ctx.require_reader()?;
    let all = regimes(ctx).await?;
    let now = ctx.clock().now();
    let who = me(&ctx.actor);
    let see_all = privileged(&ctx.actor);
    let mut out = Vec::new();
    for c in ctx.store().open_clocks().await? {
        if c.restricted && !see_all && c.handler != who && !c.reported_by.eq_ignore_ascii_case(&who)
        {
            continue;
        }
        let sent = c
            .notifications
            .iter()
            .map(|(regime, stage, at)| (regime.as_str(), stage.as_str(), at.as_str()));
        for s in clocks(
            &c.aware_at,
            c.classified_at.as_deref(),
            &c.regimes,
            &all,
            sent,
            now,
        ) {
            if s.sent_at.is_none() && s.due_at.is_some() {
                out.push((c.id.clone(), c.title.clone(), c.handler.clone(), s));
            }
        }
    }
    out.sort_by(|a, b| a.3.due_at.cmp(&b.3.due_at));
    Ok(out)
}

async fn write_report(
    ctx: &Ctx,
    input: &ReportInput,
    reporter: &str,
    via: ReportedVia,
) -> Result<Incident> {
    let now = ctx.now();
    let d = input.parse(&now)?;
    let mut tx = ctx.write().await?;
    let i = store::insert(&mut tx, &d, reporter, via).await?;
    store::append_entry(
        &mut tx,
        &i.id,
        reporter,
        EntryKind::Reported,
        &format!("Reported ({}): {}", via.label(), i.title),
    )
    .await?;
    tx.audit(
        crate::domain::audit::Change::new(reporter, "incident.report", "incident", &i.id).after(&i),
    )
    .await?;
    tx.commit().await?;
    Ok(i)
}

/// Reports an event (everyone signed in: reporting is everyone's duty, 6.8).
#[tracing::instrument(name = "incident.report", skip_all, fields(actor = %ctx.who()))]
pub async fn report(ctx: &Ctx, input: &ReportInput) -> Result<Incident> {
    ctx.require_reader()?;
    let via = match ctx.actor.channel {
        Channel::Api => ReportedVia::Api,
        Channel::Cli => ReportedVia::Cli,
        _ => ReportedVia::Page,
    };
    let who = match me(&ctx.actor) {
        m if m.is_empty() => ctx.who().to_string(),
        m => m,
    };
    write_report(ctx, input, &who, via).await
}

/// Reports an event through a person's link, without an account.
#[tracing::instrument(name = "incident.report_by_link", skip_all, fields(person = %holder.person().id))]
pub async fn report_by_link(ctx: &Ctx, holder: &Holder, input: &ReportInput) -> Result<Incident> {
    let actor = format!("link:{}", holder.person().id);
    write_report(ctx, input, &actor, ReportedVia::Link).await
}

/// Locks an incident for a step of its handling by the actor, checking the revision.
pub(crate) async fn lock_handled(
    ctx: &Ctx,
    tx: &mut Tx,
    id: &str,
    expected: Expected,
) -> Result<Incident> {
    let i = store::lock(tx, id).await?;
    if !visible(&ctx.actor, &i) {
        return Err(Error::NotFound(format!("incident {id}")));
    }
    if !may_handle(&ctx.actor, &i) {
        return Err(Error::Forbidden);
    }
    check_revision(tx, "incident", id, id, i.revision, expected).await?;
    Ok(i)
}

/// Assesses a report (managers and admins): event or incident and why, category, severity,
/// personal data (which restricts it), the regimes that apply (switched on), the assets it
/// affects, its handler and when the organisation became aware. Triage may be redone until it
/// is closed; the regimes' classification clock starts when it is first classified an incident.
#[tracing::instrument(name = "incident.triage", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn triage(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &TriageInput,
) -> Result<Incident> {
    ctx.require_editor()?;
    let now = ctx.now();
    let scale = ctx.store().incident_severities().await?;
    let mut t = input.parse(&now, &scale)?;
    let all = regimes(ctx).await?;
    let mut p = crate::error::Problems::new();
    for m in regime_problems(&all, &t, false) {
        p.add("regimes", m);
    }
    p.into_result()?;
    if t.handler.is_empty() {
        t.handler = me(&ctx.actor);
    }
    let mut tx = ctx.write().await?;
    let before = lock_handled(ctx, &mut tx, id, expected).await?;
    if before.status == IncidentStatus::Closed {
        return Err(Error::Conflict(format!("{id} is closed")));
    }
    if let Some(k) = &t.severity
        && !store::severities_in(&mut tx)
            .await?
            .levels
            .iter()
            .any(|l| &l.key == k)
    {
        return Err(Error::Conflict(format!(
            "the severity scale changed while you assessed {id}: '{k}' is no longer on it"
        )));
    }
    if let Some((field, message)) = unknown_affected(&mut tx, &t).await?.into_iter().next() {
        return Err(Error::field(field, message));
    }
    let incident = t.classification == super::domain::Classification::Incident;
    let classified_at = match (&before.classified_at, before.classification) {
        (Some(at), Some(super::domain::Classification::Incident)) if incident => at.clone(),
        _ => now.clone(),
    };
    let aware_at = t
        .aware_at
        .clone()
        .unwrap_or_else(|| before.aware_at.clone());
    let status = match before.status {
        IncidentStatus::Reported => IncidentStatus::Triaged,
        s => s,
    };
    let after = store::write_triage(&mut tx, id, &t, status, &classified_at, &aware_at).await?;
    let mut words = vec![t.classification.label().to_string()];
    words.extend(
        t.severity
            .as_deref()
            .map(|s| format!("{} severity", scale.label(s))),
    );
    words.extend(t.category.map(|c| c.label().to_string()));
    if t.personal_data {
        words.push("personal data involved".into());
    }
    if !t.regimes.is_empty() {
        let names: Vec<String> = t
            .regimes
            .iter()
            .filter_map(|k| {
                all.iter()
                    .find(|(r, _)| &r.key == k)
                    .map(|(r, _)| r.name.clone())
            })
            .collect();
        words.push(format!("notify under {}", names.join(", ")));
    }
    store::append_entry(
        &mut tx,
        id,
        ctx.who(),
        EntryKind::Triaged,
        &format!("Triaged: {}. {}", words.join("; "), t.reason),
    )
    .await?;
    tx.audit(
        ctx.change("incident.triage", "incident", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// What is wrong with the regimes of an assessment: each must be one Annex knows and, unless
/// the incident is `historic` (imported closed), switched on; an event notifies no one.
pub(crate) fn regime_problems(
    all: &[(Regime, bool)],
    t: &super::domain::TriageDraft,
    historic: bool,
) -> Vec<String> {
    let mut out = Vec::new();
    for key in &t.regimes {
        match all.iter().find(|(r, _)| &r.key == key) {
            None => out.push(format!("'{key}' is not a regime")),
            Some((r, false)) if !historic => out.push(format!(
                "{} is switched off: switch it on at /incidents/regimes first",
                r.name
            )),
            Some(_) => {}
        }
    }
    if t.classification == super::domain::Classification::Event && !t.regimes.is_empty() {
        out.push("an event that is not an incident notifies no one".into());
    }
    out
}

/// The affected assets and processes of an assessment that are not in their registers, as
/// (field, message), read inside the write.
pub(crate) async fn unknown_affected(
    tx: &mut Tx,
    t: &super::domain::TriageDraft,
) -> Result<Vec<(&'static str, String)>> {
    let known = Known::read(tx, std::slice::from_ref(t)).await?;
    Ok(known.unknown(t))
}

/// The affected assets and processes of some assessments that exist, read in one query
/// each (an import checks all its rows at once).
pub(crate) struct Known {
    assets: std::collections::HashSet<String>,
    processes: std::collections::HashSet<String>,
}

impl Known {
    pub(crate) async fn read(tx: &mut Tx, all: &[super::domain::TriageDraft]) -> Result<Known> {
        let ids = |f: fn(&super::domain::TriageDraft) -> &Vec<String>| {
            let mut v: Vec<String> = all.iter().flat_map(|t| f(t).iter().cloned()).collect();
            v.sort();
            v.dedup();
            v
        };
        let (assets, processes) = (ids(|t| &t.assets), ids(|t| &t.processes));
        Ok(Known {
            assets: crate::store::existing_ids(tx, "asset", "asset_id", &assets).await?,
            processes: crate::store::existing_ids(tx, "process", "process_id", &processes).await?,
        })
    }

    /// What of `t` is not in its register, as (field, message).
    pub(crate) fn unknown(&self, t: &super::domain::TriageDraft) -> Vec<(&'static str, String)> {
        let mut out = Vec::new();
        let missing = |ids: &[String], known: &std::collections::HashSet<String>| {
            ids.iter()
                .filter(|i| !known.contains(*i))
                .map(String::as_str)
                .collect::<Vec<_>>()
                .join(", ")
        };
        let assets = missing(&t.assets, &self.assets);
        if !assets.is_empty() {
            out.push(("assets", format!("not in the asset register: {assets}")));
        }
        let processes = missing(&t.processes, &self.processes);
        if !processes.is_empty() {
            out.push(("processes", format!("not business processes: {processes}")));
        }
        out
    }
}

/// Takes the next step of the handling (triaged → contained → eradicated → recovered), with
/// what was done, on the timeline.
#[tracing::instrument(name = "incident.advance", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn advance(ctx: &Ctx, id: &str, expected: Expected, note: &str) -> Result<Incident> {
    ctx.require_reader()?;
    let note = note.trim();
    if note.chars().count() > 5000 {
        return Err(Error::field("note", "at most 5000 characters"));
    }
    let mut tx = ctx.write().await?;
    let before = lock_handled(ctx, &mut tx, id, expected).await?;
    if before.classification == Some(super::domain::Classification::Event) {
        return Err(Error::Conflict(format!(
            "{id} was triaged as an event, not an incident: close it with what was learned"
        )));
    }
    let Some(next) = next_status(before.status) else {
        return Err(Error::Conflict(match before.status {
            IncidentStatus::Reported => format!("{id} is not triaged yet"),
            IncidentStatus::Recovered => {
                format!("{id} is recovered: close it with the lessons learned")
            }
            _ => format!("{id} is closed"),
        }));
    };
    let after = store::set_status(&mut tx, id, next, None).await?;
    let text = if note.is_empty() {
        format!("Now {}.", next.label())
    } else {
        format!("Now {}: {note}", next.label())
    };
    store::append_entry(&mut tx, id, ctx.who(), EntryKind::Status, &text).await?;
    tx.audit(
        ctx.change("incident.advance", "incident", id)
            .before(serde_json::json!({"status": before.status.key()}))
            .after(serde_json::json!({"status": next.key(), "note": note})),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Appends an action to the timeline (what was done, by whom, now).
#[tracing::instrument(name = "incident.act", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn add_action(ctx: &Ctx, id: &str, text: &str) -> Result<Incident> {
    ctx.require_reader()?;
    let text = text.trim();
    if text.is_empty() || text.chars().count() > 5000 {
        return Err(Error::field(
            "text",
            "say what was done, in 1 to 5000 characters",
        ));
    }
    let mut tx = ctx.write().await?;
    let i = lock_handled(ctx, &mut tx, id, None).await?;
    if i.status == IncidentStatus::Closed {
        return Err(Error::Conflict(format!("{id} is closed")));
    }
    store::append_entry(&mut tx, id, ctx.who(), EntryKind::Action, text).await?;
    tx.audit(
        ctx.change("incident.action", "incident", id)
            .after(serde_json::json!({"text": text})),
    )
    .await?;
    tx.commit().await?;
    Ok(i)
}

/// Records that a regime's stage was notified: to whom, when, and what was sent.
#[tracing::instrument(name = "incident.notify", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn record_notification(
    ctx: &Ctx,
    id: &str,
    input: &NotificationInput,
) -> Result<Notification> {
    ctx.require_reader()?;
    let now = ctx.now();
    let mut p = crate::error::Problems::new();
    let recipient = input.recipient.trim().to_string();
    if recipient.is_empty() || recipient.chars().count() > 300 {
        p.add("recipient", "say who was notified, in 1 to 300 characters");
    }
    let sent_at = match input.sent_at.trim() {
        "" => Some(now.clone()),
        raw => p.take("sent_at", parse_moment(raw)),
    };
    if sent_at.as_deref().is_some_and(|s| s > now.as_str()) {
        p.add(
            "sent_at",
            "a moment in the future: record a notification once it is sent",
        );
    }
    if input.content.chars().count() > 20_000 {
        p.add("content", "at most 20000 characters");
    }
    p.into_result()?;
    let all = regimes(ctx).await?;
    let mut tx = ctx.write().await?;
    let i = lock_handled(ctx, &mut tx, id, None).await?;
    let regime = input.regime.trim().to_lowercase();
    if !i.regimes.contains(&regime) {
        return Err(Error::field(
            "regime",
            format!(
                "'{regime}' does not apply to {id}: it is under {}",
                if i.regimes.is_empty() {
                    "no regime".to_string()
                } else {
                    i.regimes.join(", ")
                }
            ),
        ));
    }
    let Some((r, _)) = all.iter().find(|(r, _)| r.key == regime) else {
        return Err(Error::field(
            "regime",
            format!("'{regime}' is not a regime"),
        ));
    };
    let stage = input.stage.trim().to_lowercase();
    let Some(s) = r.stages.iter().find(|s| s.key == stage) else {
        let keys: Vec<&str> = r.stages.iter().map(|s| s.key.as_str()).collect();
        return Err(Error::field(
            "stage",
            format!(
                "'{stage}' is not a stage of {}: use {}",
                r.name,
                keys.join(", ")
            ),
        ));
    };
    let sent = store::notifications_in(&mut tx, id).await?;
    if sent.iter().any(|n| n.regime == regime && n.stage == stage) {
        return Err(Error::Conflict(format!(
            "{} ({}) is already recorded for {id}",
            s.name, r.name
        )));
    }
    let n = Notification {
        regime: regime.clone(),
        stage: stage.clone(),
        recipient,
        sent_at: sent_at.unwrap_or(now.clone()),
        content: input.content.trim().to_string(),
        recorded_by: ctx.who().to_string(),
        recorded_at: now,
    };
    store::insert_notification(&mut tx, id, &n).await?;
    store::append_entry(
        &mut tx,
        id,
        ctx.who(),
        EntryKind::Notification,
        &format!(
            "{} ({}) sent to {} at {}",
            s.name,
            r.name,
            n.recipient,
            crate::domain::clock::display(&n.sent_at)
        ),
    )
    .await?;
    tx.audit(ctx.change("incident.notify", "incident", id).after(&n))
        .await?;
    tx.commit().await?;
    Ok(n)
}

/// Closes an incident (or an event) with what was learned (5.27), required; each line of
/// `measures` starts a planned measure owned by the handler, named on the timeline.
#[tracing::instrument(name = "incident.close", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn close(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &CloseInput,
) -> Result<super::domain::Closed> {
    ctx.require_editor()?;
    let mut p = crate::error::Problems::new();
    let lessons = input.lessons.trim();
    if lessons.is_empty() || lessons.chars().count() > 10_000 {
        p.add(
            "lessons",
            "write what was learned (1 to 10000 characters): it is required to close",
        );
    }
    if input.root_cause.trim().chars().count() > 5000 {
        p.add("root_cause", "at most 5000 characters");
    }
    let titles: Vec<&str> = input
        .measures
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    if titles.len() > 20 || titles.iter().any(|t| t.chars().count() > 200) {
        p.add(
            "measures",
            "at most 20 measures, one title of up to 200 characters per line",
        );
    }
    let risks = p.take("risks", super::domain::lesson_risks(&input.risks));
    p.into_result()?;
    let mut tx = ctx.write().await?;
    let before = lock_handled(ctx, &mut tx, id, expected).await?;
    let event = before.classification == Some(super::domain::Classification::Event);
    if !(before.status == IncidentStatus::Recovered
        || (event && before.status == IncidentStatus::Triaged))
    {
        return Err(Error::Conflict(match before.status {
            IncidentStatus::Closed => format!("{id} is closed already"),
            IncidentStatus::Reported => format!("{id} is not triaged yet"),
            s => format!("{id} is {}: it closes once recovered", s.label()),
        }));
    }
    let open: Vec<String> = store::tasks_in(&mut tx, id)
        .await?
        .into_iter()
        .filter(|t| t.done_at.is_none())
        .map(|t| format!("{} ({})", t.title, t.owner))
        .collect();
    if !open.is_empty() {
        return Err(Error::Conflict(format!(
            "{} still open: {}. Mark {} done first",
            crate::domain::words::count(open.len(), "task is", "tasks are"),
            open.join("; "),
            if open.len() == 1 { "it" } else { "them" }
        )));
    }
    let mut made = Vec::new();
    for title in &titles {
        made.push(
            crate::registers::measure::service::start_within(
                ctx,
                &mut tx,
                title,
                format!(
                    "From the lessons learned of incident {id}: {}",
                    before.title
                ),
                &before.handler,
                "5.27",
            )
            .await?,
        );
    }
    let mut registered = Vec::new();
    // The handler owns what the lessons found; without one, whoever closes it.
    let owner = [
        before.handler.clone(),
        me(&ctx.actor),
        ctx.who().to_string(),
    ]
    .into_iter()
    .find(|o| !o.is_empty())
    .unwrap_or_default();
    for r in risks.unwrap_or_default() {
        let risk = crate::registers::risk::domain::RiskInput {
            title: r.title.clone(),
            owner: owner.clone(),
            category: before
                .category
                .map(|c| c.label().to_string())
                .unwrap_or_default(),
            inherent_likelihood: r.likelihood.clone(),
            inherent_impact: r.impact.clone(),
            assets: before.assets.join(","),
            notes: format!(
                "From the lessons learned of incident {id}: {}",
                before.title
            ),
            ..Default::default()
        };
        match crate::registers::risk::service::create_within(ctx, &mut tx, &risk).await {
            Ok(made) => registered.push(made.id),
            Err(Error::Validation(fields)) => {
                return Err(Error::Validation(
                    fields
                        .into_iter()
                        .map(|f| {
                            crate::error::FieldError::new(
                                "risks",
                                format!("line {} ({}): {}", r.line, r.title, f.message),
                            )
                        })
                        .collect(),
                ));
            }
            Err(e) => return Err(e),
        }
    }
    let after = store::set_status(
        &mut tx,
        id,
        IncidentStatus::Closed,
        Some((lessons, input.root_cause.trim())),
    )
    .await?;
    let mut text = format!("Closed. Lessons learned: {lessons}");
    if !made.is_empty() {
        text.push_str(&format!(" Measures started: {}.", made.join(", ")));
    }
    if !registered.is_empty() {
        text.push_str(&format!(" Risks registered: {}.", registered.join(", ")));
    }
    store::append_entry(&mut tx, id, ctx.who(), EntryKind::Closed, &text).await?;
    tx.audit(
        ctx.change("incident.close", "incident", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(super::domain::Closed {
        incident: after,
        measures: made,
        risks: registered,
    })
}

/// The register's metrics over the last 12 months: incidents by severity and category, the
/// medians of the time to detect, contain and close, the causes that recur (of the incidents
/// the caller sees).
#[tracing::instrument(name = "incident.metrics", skip_all, fields(actor = %ctx.who()))]
pub async fn metrics(ctx: &Ctx) -> Result<super::domain_metrics::Metrics> {
    ctx.require_reader()?;
    let today = ctx.today();
    let see_all = privileged(&ctx.actor);
    // Those who see every incident share one computation until the register changes or the
    // day does; others see only what is visible to them, computed each time.
    let generation = ctx.store().generation("incident").await?;
    if see_all && let Some(m) = ctx.caches().incident_metrics.get(&today, generation) {
        return Ok(m.as_ref().clone());
    }
    let months = super::domain_metrics::last_months(&today, 12);
    let since = format!("{}-01", months[0]);
    let rows = ctx
        .store()
        .incident_metric_rows(&since, see_all, &me(&ctx.actor))
        .await?;
    let scale = ctx.store().incident_severities().await?;
    let m = super::domain_metrics::metrics(&rows, &months, &scale);
    if see_all {
        ctx.caches()
            .incident_metrics
            .put(today, generation, std::sync::Arc::new(m.clone()));
    }
    Ok(m)
}

/// Gives the handling a task with an owner and a due day (its handler, managers and admins).
#[tracing::instrument(name = "incident.add_task", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn add_task(
    ctx: &Ctx,
    id: &str,
    input: &super::domain::TaskInput,
) -> Result<super::domain::IncidentTask> {
    ctx.require_reader()?;
    let t = input.parse()?;
    let mut tx = ctx.write().await?;
    let i = lock_handled(ctx, &mut tx, id, None).await?;
    if i.status == IncidentStatus::Closed {
        return Err(Error::Conflict(format!("{id} is closed")));
    }
    let seq = store::insert_task(&mut tx, id, &t, ctx.who()).await?;
    let due =
        t.2.as_deref()
            .map(|d| format!(", due {d}"))
            .unwrap_or_default();
    store::append_entry(
        &mut tx,
        id,
        ctx.who(),
        EntryKind::Task,
        &format!("Task {seq} for {}{due}: {}", t.1, t.0),
    )
    .await?;
    let task = store::tasks_in(&mut tx, id)
        .await?
        .into_iter()
        .find(|x| x.seq == seq)
        .ok_or_else(|| Error::NotFound(format!("task {seq} of {id}")))?;
    tx.audit(ctx.change("incident.task", "incident", id).after(&task))
        .await?;
    let told = crate::registers::task::domain::Task::new(
        crate::registers::task::domain::TaskKind::IncidentTask,
        id,
        &seq.to_string(),
        &task.title,
        &task.owner,
        task.due_on.clone(),
        None,
    );
    crate::registers::notify::service_outbox::record_assigned_within(ctx, &mut tx, &told, None, 1)
        .await?;
    tx.commit().await?;
    Ok(task)
}

/// Marks a task done: its owner, the incident's handler, managers and admins.
#[tracing::instrument(name = "incident.finish_task", skip_all, fields(actor = %ctx.who(), id = %id, task = seq))]
pub async fn finish_task(ctx: &Ctx, id: &str, seq: i64) -> Result<super::domain::IncidentTask> {
    ctx.require_reader()?;
    let mut tx = ctx.write().await?;
    let i = store::lock(&mut tx, id).await?;
    if !visible(&ctx.actor, &i) {
        return Err(Error::NotFound(format!("incident {id}")));
    }
    let Some(before) = store::tasks_in(&mut tx, id)
        .await?
        .into_iter()
        .find(|t| t.seq == seq)
    else {
        return Err(Error::NotFound(format!("task {seq} of {id}")));
    };
    if !(may_handle(&ctx.actor, &i) || before.owner == me(&ctx.actor)) {
        return Err(Error::Forbidden);
    }
    if before.done_at.is_some() {
        return Err(Error::Conflict(format!(
            "task {seq} of {id} is done already"
        )));
    }
    store::finish_task(&mut tx, id, seq, ctx.who()).await?;
    store::append_entry(
        &mut tx,
        id,
        ctx.who(),
        EntryKind::Task,
        &format!("Task {seq} done: {}", before.title),
    )
    .await?;
    let after = store::tasks_in(&mut tx, id)
        .await?
        .into_iter()
        .find(|t| t.seq == seq)
        .ok_or_else(|| Error::NotFound(format!("task {seq} of {id}")))?;
    tx.audit(
        ctx.change("incident.task_done", "incident", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The organisation's severity scale, least severe first.
#[tracing::instrument(name = "incident.severities", skip_all, fields(actor = %ctx.who()))]
pub async fn severities(ctx: &Ctx) -> Result<super::domain::SeverityScale> {
    ctx.require_reader()?;
    ctx.store().incident_severities().await
}

/// Replaces the severity scale (managers and admins): 2 to 10 levels; a level incidents are
/// rated with cannot be removed (rename its label instead).
#[tracing::instrument(name = "incident.set_severities", skip_all, fields(actor = %ctx.who()))]
pub async fn set_severities(
    ctx: &Ctx,
    input: &super::domain::SeverityScale,
) -> Result<super::domain::SeverityScale> {
    ctx.require_editor()?;
    let scale = input.check()?;
    let mut tx = ctx.write().await?;
    // Two scales written at once: the second waits for the first, then reads it.
    tx.lock_row("register_generation", "register", "incident")
        .await?;
    let before = store::severities_in(&mut tx).await?;
    let removed: Vec<String> = before
        .levels
        .iter()
        .filter(|l| !scale.levels.iter().any(|n| n.key == l.key))
        .map(|l| l.key.clone())
        .collect();
    let used = store::severities_in_use(&mut tx, &removed).await?;
    if !used.is_empty() {
        let words: Vec<String> = used
            .iter()
            .map(|(k, n)| {
                format!(
                    "{k} ({})",
                    crate::domain::words::count(*n as usize, "incident", "incidents")
                )
            })
            .collect();
        return Err(Error::Conflict(format!(
            "incidents are rated {}: keep {} (rename {} label instead)",
            words.join(", "),
            if used.len() == 1 {
                "that level"
            } else {
                "those levels"
            },
            if used.len() == 1 { "its" } else { "their" }
        )));
    }
    store::write_severities(&mut tx, &scale).await?;
    tx.audit(
        ctx.change("incident.severities", "incident_severity", "scale")
            .before(&before)
            .after(&scale),
    )
    .await?;
    tx.commit().await?;
    Ok(scale)
}
