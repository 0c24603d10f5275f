//! Incidents in the store: the register (newest report first), an incident with its assets,
//! its timeline and its notifications, and the regimes the organisation has switched on.

use super::domain::{
    Category, Classification, EntryKind, Incident, IncidentFilter, IncidentStatus, Notification,
    ReportDraft, ReportedVia, SeverityLevel, SeverityScale, TimelineEntry, TriageDraft,
};
use crate::config::Backend;
use crate::domain::query::Page;
use crate::error::{Error, Result};
use crate::store::{Arg, SortKey, Sql, Store, Tx, pool_query, tx_exec, tx_query};
use sqlx::Row;

/// An incident row (24 columns, read by position).
struct IncidentRow(Incident);

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn split(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

macro_rules! incident_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for IncidentRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let via: String = r.try_get(5)?;
                let status: String = r.try_get(9)?;
                let classification: Option<String> = r.try_get(10)?;
                let category: Option<String> = r.try_get(13)?;
                let severity: Option<String> = r.try_get(14)?;
                let regimes: String = r.try_get(17)?;
                Ok(IncidentRow(Incident {
                    id: r.try_get(0)?,
                    title: r.try_get(1)?,
                    description: r.try_get(2)?,
                    affected: r.try_get(3)?,
                    reported_by: r.try_get(4)?,
                    reported_via: ReportedVia::parse(&via).unwrap_or(ReportedVia::Page),
                    reported_at: r.try_get(6)?,
                    noticed_at: r.try_get(7)?,
                    aware_at: r.try_get(8)?,
                    status: IncidentStatus::parse(&status).unwrap_or(IncidentStatus::Reported),
                    classification: classification
                        .as_deref()
                        .and_then(|c| Classification::parse(c).ok()),
                    classification_reason: r.try_get(11)?,
                    classified_at: r.try_get(12)?,
                    category: category.as_deref().and_then(|c| Category::parse(c).ok()),
                    severity,
                    personal_data: r.try_get(15)?,
                    restricted: r.try_get(16)?,
                    regimes: split(&regimes),
                    handler: r.try_get(18)?,
                    lessons: r.try_get(19)?,
                    root_cause: r.try_get(20)?,
                    closed_at: r.try_get(21)?,
                    updated_at: r.try_get(22)?,
                    revision: r.try_get(23)?,
                    assets: Vec::new(),
                    processes: split(&r.try_get::<String, _>(24)?),
                    suppliers: lines(&r.try_get::<String, _>(25)?),
                    people: lines(&r.try_get::<String, _>(26)?),
                    contained_at: r.try_get(27)?,
                    recovered_at: r.try_get(28)?,
                }))
            }
        }
    };
}
incident_from_row!(sqlx::sqlite::SqliteRow);
incident_from_row!(sqlx::postgres::PgRow);

const COLUMNS: &str = "i.incident_id, i.title, i.description, i.affected, i.reported_by, i.reported_via, \
     i.reported_at, i.noticed_at, i.aware_at, i.status, i.classification, i.classification_reason, \
     i.classified_at, i.category, i.severity, i.personal_data, i.restricted, i.regimes, i.handler, \
     i.lessons, i.root_cause, i.closed_at, i.updated_at, i.revision, i.affected_processes, \
     i.affected_suppliers, i.affected_people, i.contained_at, i.recovered_at";

const KEYS: &[SortKey] = &[
    SortKey::Text("i.reported_at"),
    SortKey::Text("i.incident_id"),
];

fn key_of(i: &Incident) -> Vec<serde_json::Value> {
    vec![i.reported_at.clone().into(), i.id.clone().into()]
}

/// Who may see an incident: everyone, unless it is restricted — then those `privileged`
/// (managers, admins, auditors), its handler and its reporter.
fn push_visible(sql: &mut Sql, privileged: bool, who: &str) {
    if !privileged {
        sql.push(
            " and (not i.restricted or i.handler = ? or i.reported_by = ?)",
            [Arg::Text(who.to_string()), Arg::Text(who.to_string())],
        );
    }
}

fn where_filter(sql: &mut Sql, f: &IncidentFilter, backend: Backend) {
    if let Some(s) = f.status {
        sql.push(" and i.status = ?", [Arg::Text(s.key().into())]);
    }
    if f.open {
        sql.push(" and i.status <> 'closed'", []);
    }
    if let Some(s) = &f.severity {
        sql.push(" and i.severity = ?", [Arg::Text(s.clone())]);
    }
    if let Some(c) = f.category {
        sql.push(" and i.category = ?", [Arg::Text(c.key().into())]);
    }
    if let Some(c) = f.classification {
        sql.push(" and i.classification = ?", [Arg::Text(c.key().into())]);
    }
    if let Some(q) = &f.q {
        sql.push_text_search(
            &["i.incident_id", "i.title", "i.description", "i.affected"],
            q,
            backend,
        );
    }
}

async fn read_assets(tx: &mut Tx, id: &str) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = tx_query!(
        tx,
        fetch_all,
        (String,),
        "select asset_id from incident_asset where incident_id = $1 order by asset_id",
        id
    )?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// The affected assets of a page of incidents, in one query.
async fn page_assets(tx: &mut Tx, mut items: Vec<Incident>) -> Result<Vec<Incident>> {
    let ids: Vec<String> = items.iter().map(|i| i.id.clone()).collect();
    let assets: Vec<(String, String)> = crate::store::tx_fetch_in!(
        tx,
        (String, String),
        "select incident_id, asset_id from incident_asset where incident_id in ",
        ids,
        " order by asset_id"
    );
    let mut assets = crate::store::group_links(assets);
    for i in &mut items {
        i.assets = assets.remove(&i.id).unwrap_or_default();
    }
    Ok(items)
}

/// Locks an incident's row and reads it, inside a write.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Incident> {
    if !tx.lock_row("incident", "incident_id", id).await? {
        return Err(Error::NotFound(format!("incident {id}")));
    }
    let r: IncidentRow = tx_query!(
        tx,
        fetch_one,
        IncidentRow,
        &format!("select {COLUMNS} from incident i where i.incident_id = $1"),
        id
    )?;
    let mut i = r.0;
    i.assets = read_assets(tx, id).await?;
    Ok(i)
}

/// Records a new report (status `reported`), the organisation aware of it now.
pub(crate) async fn insert(
    tx: &mut Tx,
    d: &ReportDraft,
    reporter: &str,
    via: ReportedVia,
) -> Result<Incident> {
    let id = crate::store::next_ids(tx, "incident", "INC", "incident", "incident_id", 1)
        .await?
        .pop()
        .unwrap_or_default();
    let now = tx.now().to_string();
    let noticed = d.noticed_at.clone().unwrap_or_else(|| now.clone());
    tx_exec!(
        tx,
        "insert into incident (incident_id, title, description, affected, reported_by, reported_via,
                               reported_at, noticed_at, aware_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $7, $7)",
        &id,
        &d.title,
        &d.description,
        &d.affected,
        reporter,
        via.key(),
        &now,
        &noticed
    )?;
    tx.bump_generation("incident").await?;
    lock(tx, &id).await
}

/// Writes triage: the assessment, its regimes and assets.
pub(crate) async fn write_triage(
    tx: &mut Tx,
    id: &str,
    t: &TriageDraft,
    status: IncidentStatus,
    classified_at: &str,
    aware_at: &str,
) -> Result<Incident> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update incident set classification = $1, classification_reason = $2, classified_at = $3,
                category = $4, severity = $5, personal_data = $6, restricted = $7, regimes = $8,
                handler = $9, aware_at = $10, status = $11, updated_at = $12,
                affected_processes = $14, affected_suppliers = $15, affected_people = $16,
                revision = revision + 1
         where incident_id = $13",
        t.classification.key(),
        &t.reason,
        classified_at,
        t.category.map(|c| c.key()),
        &t.severity,
        t.personal_data,
        t.restricted,
        t.regimes.join(", "),
        &t.handler,
        aware_at,
        status.key(),
        &now,
        id,
        t.processes.join(", "),
        t.suppliers.join("\n"),
        t.people.join("\n")
    )?;
    tx_exec!(tx, "delete from incident_asset where incident_id = $1", id)?;
    for a in &t.assets {
        tx_exec!(
            tx,
            "insert into incident_asset (incident_id, asset_id) values ($1, $2)",
            id,
            a
        )?;
    }
    tx.bump_generation("incident").await?;
    lock(tx, id).await
}

/// Moves an incident to `status`; closing records the lessons learned.
pub(crate) async fn set_status(
    tx: &mut Tx,
    id: &str,
    status: IncidentStatus,
    lessons: Option<(&str, &str)>,
) -> Result<Incident> {
    let now = tx.now().to_string();
    match lessons {
        Some((lessons, root_cause)) => tx_exec!(
            tx,
            "update incident set status = $1, lessons = $2, root_cause = $3, closed_at = $4,
                    updated_at = $4, revision = revision + 1
             where incident_id = $5",
            status.key(),
            lessons,
            root_cause,
            &now,
            id
        )?,
        None => tx_exec!(
            tx,
            "update incident set status = $1, updated_at = $2, revision = revision + 1,
                    contained_at = case when $1 = 'contained' then $2 else contained_at end,
                    recovered_at = case when $1 = 'recovered' then $2 else recovered_at end
             where incident_id = $3",
            status.key(),
            &now,
            id
        )?,
    };
    tx.bump_generation("incident").await?;
    lock(tx, id).await
}

/// Appends a line to the incident's timeline (never edited afterwards).
pub(crate) async fn append_entry(
    tx: &mut Tx,
    id: &str,
    actor: &str,
    kind: EntryKind,
    body: &str,
) -> Result<()> {
    let (next,): (i64,) = tx_query!(
        tx,
        fetch_one,
        (i64,),
        "select coalesce(max(seq), 0) + 1 from incident_entry where incident_id = $1",
        id
    )?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into incident_entry (incident_id, seq, at, actor, kind, body) values ($1, $2, $3, $4, $5, $6)",
        id,
        next,
        &now,
        actor,
        kind.key(),
        body
    )?;
    Ok(())
}

/// Records a notification (one per regime and stage).
pub(crate) async fn insert_notification(tx: &mut Tx, id: &str, n: &Notification) -> Result<()> {
    tx_exec!(
        tx,
        "insert into incident_notification (incident_id, regime, stage, recipient, sent_at, content, recorded_by, recorded_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
        id,
        &n.regime,
        &n.stage,
        &n.recipient,
        &n.sent_at,
        &n.content,
        &n.recorded_by,
        &n.recorded_at
    )?;
    tx.bump_generation("incident").await?;
    Ok(())
}

/// The notifications of an incident, read inside a write.
pub(crate) async fn notifications_in(tx: &mut Tx, id: &str) -> Result<Vec<Notification>> {
    let rows: Vec<NotificationRow> = tx_query!(
        tx,
        fetch_all,
        NotificationRow,
        &format!(
            "select {NOTIFICATION_COLUMNS} from incident_notification where incident_id = $1 order by sent_at"
        ),
        id
    )?;
    Ok(rows.into_iter().map(notification_from).collect())
}

/// Switches a regime on or off (with the hours of a contractual notice).
pub(crate) async fn set_regime(
    tx: &mut Tx,
    key: &str,
    enabled: bool,
    hours: Option<i64>,
) -> Result<()> {
    tx_exec!(
        tx,
        "insert into incident_regime (regime, enabled, hours) values ($1, $2, $3)
         on conflict (regime) do update set enabled = excluded.enabled, hours = excluded.hours",
        key,
        enabled,
        hours
    )?;
    tx.bump_generation("incident").await?;
    Ok(())
}

type NotificationRow = (String, String, String, String, String, String, String);
const NOTIFICATION_COLUMNS: &str =
    "regime, stage, recipient, sent_at, content, recorded_by, recorded_at";

fn notification_from(r: NotificationRow) -> Notification {
    Notification {
        regime: r.0,
        stage: r.1,
        recipient: r.2,
        sent_at: r.3,
        content: r.4,
        recorded_by: r.5,
        recorded_at: r.6,
    }
}

type ClockRow = (
    String,
    String,
    String,
    Option<String>,
    String,
    bool,
    String,
    String,
);

/// An open incident with regimes: what the deadline panel needs.
pub struct OpenClock {
    pub id: String,
    pub title: String,
    pub aware_at: String,
    pub classified_at: Option<String>,
    pub regimes: Vec<String>,
    pub restricted: bool,
    pub handler: String,
    pub reported_by: String,
    pub notifications: Vec<(String, String, String)>,
}

impl Store {
    pub async fn incident(&self, id: &str) -> Result<Incident> {
        let r: Option<IncidentRow> = pool_query!(
            self,
            fetch_optional,
            IncidentRow,
            &format!("select {COLUMNS} from incident i where i.incident_id = $1"),
            id
        )?;
        let mut i = r
            .map(|r| r.0)
            .ok_or_else(|| Error::NotFound(format!("incident {id}")))?;
        let assets: Vec<(String,)> = pool_query!(
            self,
            fetch_all,
            (String,),
            "select asset_id from incident_asset where incident_id = $1 order by asset_id",
            id
        )?;
        i.assets = assets.into_iter().map(|a| a.0).collect();
        Ok(i)
    }

    /// A page of the register, newest report first, leaving out the restricted ones the
    /// caller may not see.
    pub async fn list_incidents(
        &self,
        f: &IncidentFilter,
        privileged: bool,
        who: &str,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Incident>> {
        let mut from = Sql::new("from incident i where 1 = 1");
        push_visible(&mut from, privileged, who);
        where_filter(&mut from, f, self.backend());
        let page = self
            .keyset_page_ordered(
                COLUMNS,
                from,
                (KEYS, true),
                cursor,
                limit,
                None,
                |r: IncidentRow| r.0,
                key_of,
            )
            .await?;
        if page.items.is_empty() {
            return Ok(page);
        }
        let mut tx = self.read_tx().await?;
        let items = page_assets(&mut tx, page.items).await?;
        tx.commit().await?;
        Ok(Page { items, ..page })
    }

    /// An incident's timeline, oldest first.
    pub async fn incident_entries(&self, id: &str) -> Result<Vec<TimelineEntry>> {
        let rows: Vec<(i64, String, String, String, String)> = pool_query!(
            self,
            fetch_all,
            (i64, String, String, String, String),
            "select seq, at, actor, kind, body from incident_entry where incident_id = $1 order by seq",
            id
        )?;
        Ok(rows
            .into_iter()
            .map(|r| TimelineEntry {
                seq: r.0,
                at: r.1,
                actor: r.2,
                kind: EntryKind::parse(&r.3).unwrap_or(EntryKind::Action),
                text: r.4,
            })
            .collect())
    }

    pub async fn incident_notifications(&self, id: &str) -> Result<Vec<Notification>> {
        let rows: Vec<NotificationRow> = pool_query!(
            self,
            fetch_all,
            NotificationRow,
            &format!(
                "select {NOTIFICATION_COLUMNS} from incident_notification where incident_id = $1 order by sent_at"
            ),
            id
        )?;
        Ok(rows.into_iter().map(notification_from).collect())
    }

    /// The regimes the organisation has configured: (key, switched on, hours).
    pub async fn incident_regimes(&self) -> Result<Vec<(String, bool, Option<i64>)>> {
        let rows: Vec<(String, bool, Option<i64>)> = pool_query!(
            self,
            fetch_all,
            (String, bool, Option<i64>),
            "select regime, enabled, hours from incident_regime order by regime",
        )?;
        Ok(rows)
    }

    /// Open incidents under at least one regime, with the notifications sent.
    pub async fn open_clocks(&self) -> Result<Vec<OpenClock>> {
        let rows: Vec<ClockRow> =
            pool_query!(
                self,
                fetch_all,
                ClockRow,
                "select incident_id, title, aware_at, classified_at, regimes, restricted, handler, reported_by
                 from incident where status <> 'closed' and regimes <> '' order by aware_at, incident_id",
            )?;
        let sent: Vec<(String, String, String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String, String, String),
            "select n.incident_id, n.regime, n.stage, n.sent_at from incident_notification n
             join incident i on i.incident_id = n.incident_id
             where i.status <> 'closed' and i.regimes <> ''",
        )?;
        let mut by_incident: std::collections::HashMap<String, Vec<(String, String, String)>> =
            std::collections::HashMap::new();
        for s in sent {
            by_incident.entry(s.0).or_default().push((s.1, s.2, s.3));
        }
        Ok(rows
            .into_iter()
            .map(|r| OpenClock {
                notifications: by_incident.remove(&r.0).unwrap_or_default(),
                id: r.0,
                title: r.1,
                aware_at: r.2,
                classified_at: r.3,
                regimes: split(&r.4),
                restricted: r.5,
                handler: r.6,
                reported_by: r.7,
            })
            .collect())
    }
}

type MetricSqlRow = (
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

impl Store {
    /// What metrics read of the incidents reported since `since` (YYYY-MM-DD) that the caller
    /// sees; events triaged as not incidents are left out.
    pub async fn incident_metric_rows(
        &self,
        since: &str,
        privileged: bool,
        who: &str,
    ) -> Result<Vec<super::domain_metrics::MetricRow>> {
        let mut sql = Sql::new(
            "select i.reported_at, i.category, i.severity, i.noticed_at, i.aware_at, i.contained_at, i.closed_at, i.root_cause
             from incident i where (i.classification is null or i.classification <> 'event')",
        );
        sql.push(" and i.reported_at >= ?", [Arg::Text(since.to_string())]);
        push_visible(&mut sql, privileged, who);
        let rows: Vec<MetricSqlRow> =
            crate::store::on_pool!(&self.pool, |c| crate::store::bind_once!(
                c,
                sqlx::query_as::<_, MetricSqlRow>(&sql.text),
                &sql.args
            )
            .fetch_all(c)
            .await)?;
        Ok(rows
            .into_iter()
            .map(|r| super::domain_metrics::MetricRow {
                reported_at: r.0,
                category: r.1.as_deref().and_then(|c| Category::parse(c).ok()),
                severity: r.2,
                noticed_at: r.3,
                aware_at: r.4,
                contained_at: r.5,
                closed_at: r.6,
                root_cause: r.7,
            })
            .collect())
    }
}

type TaskRow = (
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    String,
);
const TASK_COLUMNS: &str = "seq, title, owner, due_on, done_at, done_by, created_by, created_at";

fn task_from(r: TaskRow) -> super::domain::IncidentTask {
    super::domain::IncidentTask {
        seq: r.0,
        title: r.1,
        owner: r.2,
        due_on: r.3,
        done_at: r.4,
        done_by: r.5,
        created_by: r.6,
        created_at: r.7,
    }
}

/// Adds a task; its number within the incident.
pub(crate) async fn insert_task(
    tx: &mut Tx,
    id: &str,
    t: &super::domain::TaskDraft,
    by: &str,
) -> Result<i64> {
    let now = tx.now().to_string();
    let (seq,): (i64,) = tx_query!(
        tx,
        fetch_one,
        (i64,),
        "select coalesce(max(seq), 0) + 1 from incident_task where incident_id = $1",
        id
    )?;
    tx_exec!(
        tx,
        &format!(
            "insert into incident_task (incident_id, {TASK_COLUMNS}) values ($1, $2, $3, $4, $5, null, '', $6, $7)"
        ),
        id,
        seq,
        &t.0,
        &t.1,
        &t.2,
        by,
        &now
    )?;
    tx.bump_generation("incident").await?;
    Ok(seq)
}

/// The tasks of an incident, read inside a write.
pub(crate) async fn tasks_in(tx: &mut Tx, id: &str) -> Result<Vec<super::domain::IncidentTask>> {
    let rows: Vec<TaskRow> = tx_query!(
        tx,
        fetch_all,
        TaskRow,
        &format!("select {TASK_COLUMNS} from incident_task where incident_id = $1 order by seq"),
        id
    )?;
    Ok(rows.into_iter().map(task_from).collect())
}

/// Marks a task done.
pub(crate) async fn finish_task(tx: &mut Tx, id: &str, seq: i64, by: &str) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update incident_task set done_at = $1, done_by = $2 where incident_id = $3 and seq = $4",
        &now,
        by,
        id,
        seq
    )?;
    tx.bump_generation("incident").await?;
    Ok(())
}

impl Store {
    /// An incident's tasks, in the order they were added.
    pub async fn incident_tasks(&self, id: &str) -> Result<Vec<super::domain::IncidentTask>> {
        let rows: Vec<TaskRow> = pool_query!(
            self,
            fetch_all,
            TaskRow,
            &format!(
                "select {TASK_COLUMNS} from incident_task where incident_id = $1 order by seq"
            ),
            id
        )?;
        Ok(rows.into_iter().map(task_from).collect())
    }
}

/// Replaces the severity scale.
pub(crate) async fn write_severities(tx: &mut Tx, scale: &SeverityScale) -> Result<()> {
    tx_exec!(tx, "delete from incident_severity")?;
    for (i, l) in scale.levels.iter().enumerate() {
        tx_exec!(
            tx,
            "insert into incident_severity (severity_key, label, description, rank) values ($1, $2, $3, $4)",
            &l.key,
            &l.label,
            &l.description,
            i as i64 + 1
        )?;
    }
    tx.bump_generation("incident").await?;
    Ok(())
}

/// Which of `keys` incidents are rated with, and how many each.
pub(crate) async fn severities_in_use(tx: &mut Tx, keys: &[String]) -> Result<Vec<(String, i64)>> {
    let mut out = Vec::new();
    for k in keys {
        let (n,): (i64,) = tx_query!(
            tx,
            fetch_one,
            (i64,),
            "select count(*) from incident where severity = $1",
            k
        )?;
        if n > 0 {
            out.push((k.clone(), n));
        }
    }
    Ok(out)
}

fn scale_of(rows: Vec<(String, String, String)>) -> SeverityScale {
    SeverityScale {
        levels: rows
            .into_iter()
            .map(|r| SeverityLevel {
                key: r.0,
                label: r.1,
                description: r.2,
            })
            .collect(),
    }
}

const SCALE_SQL: &str =
    "select severity_key, label, description from incident_severity order by rank";

/// The severity scale, read inside a write.
pub(crate) async fn severities_in(tx: &mut Tx) -> Result<SeverityScale> {
    let rows: Vec<(String, String, String)> =
        tx_query!(tx, fetch_all, (String, String, String), SCALE_SQL)?;
    Ok(scale_of(rows))
}

impl Store {
    /// The severity scale, least severe first.
    pub async fn incident_severities(&self) -> Result<SeverityScale> {
        let rows: Vec<(String, String, String)> =
            pool_query!(self, fetch_all, (String, String, String), SCALE_SQL)?;
        Ok(scale_of(rows))
    }
}

/// Records an incident brought by an import, as the row says it stands: its report, its
/// triage, the moments of its handling and, closed, its lessons.
pub(crate) async fn insert_imported(
    tx: &mut Tx,
    row: &super::domain_import::IncidentImport,
    reporter: &str,
) -> Result<Incident> {
    let id = match &row.id {
        Some(id) => id.clone(),
        None => crate::store::next_ids(tx, "incident", "INC", "incident", "incident_id", 1)
            .await?
            .pop()
            .unwrap_or_default(),
    };
    let now = tx.now().to_string();
    let reported_at = row.reported_at.clone().unwrap_or_else(|| now.clone());
    let noticed = row
        .report
        .noticed_at
        .clone()
        .unwrap_or_else(|| reported_at.clone());
    let t = row.triage.as_ref();
    let aware = t
        .and_then(|t| t.aware_at.clone())
        .unwrap_or_else(|| reported_at.clone());
    let via = row.reported_via.unwrap_or(ReportedVia::Import);
    tx_exec!(
        tx,
        "insert into incident (incident_id, title, description, affected, reported_by, reported_via,
                               reported_at, noticed_at, aware_at, updated_at, status,
                               classification, classification_reason, classified_at, category,
                               severity, personal_data, restricted, regimes, handler,
                               affected_processes, affected_suppliers, affected_people,
                               contained_at, recovered_at, closed_at, lessons, root_cause)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18,
                 $19, $20, $21, $22, $23, $24, $25, $26, $27, $28)",
        &id,
        &row.report.title,
        &row.report.description,
        &row.report.affected,
        reporter,
        via.key(),
        &reported_at,
        &noticed,
        &aware,
        &now,
        row.status.key(),
        t.map(|t| t.classification.key()),
        t.map(|t| t.reason.clone()).unwrap_or_default(),
        t.map(|_| aware.clone()),
        t.and_then(|t| t.category).map(|c| c.key()),
        t.and_then(|t| t.severity.clone()),
        t.is_some_and(|t| t.personal_data),
        t.is_some_and(|t| t.restricted),
        t.map(|t| t.regimes.join(", ")).unwrap_or_default(),
        t.map(|t| t.handler.clone()).unwrap_or_default(),
        t.map(|t| t.processes.join(", ")).unwrap_or_default(),
        t.map(|t| t.suppliers.join("\n")).unwrap_or_default(),
        t.map(|t| t.people.join("\n")).unwrap_or_default(),
        &row.contained_at,
        &row.recovered_at,
        &row.closed_at,
        &row.lessons,
        &row.root_cause
    )?;
    for a in t.map(|t| t.assets.as_slice()).unwrap_or_default() {
        tx_exec!(
            tx,
            "insert into incident_asset (incident_id, asset_id) values ($1, $2)",
            &id,
            a
        )?;
    }
    tx.bump_generation("incident").await?;
    lock(tx, &id).await
}

/// Changes what an import may change of a recorded incident's report and lessons.
pub(crate) async fn write_imported_text(
    tx: &mut Tx,
    id: &str,
    row: &super::domain_import::IncidentImport,
) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update incident set title = $1, description = $2, affected = $3, lessons = $4,
                root_cause = $5, updated_at = $6, revision = revision + 1
         where incident_id = $7",
        &row.report.title,
        &row.report.description,
        &row.report.affected,
        &row.lessons,
        &row.root_cause,
        &now,
        id
    )?;
    tx.bump_generation("incident").await?;
    Ok(())
}
