//! Tasks in the store: every register's dated records read as (kind, record, part, title,
//! owner, due) in one statement, by owner or up to a day; written tasks and their comments;
//! people's notification choices and calendar feeds.

use super::domain::{ManualTask, TaskComment, TaskDraft, TaskStatus};
use crate::error::{Error, Result};
use crate::store::{Store, Tx, pool_query, tx_exec, tx_query};

/// A dated record as read: kind key, record id, part, title, owner, due day.
pub type DueRow = (String, String, String, String, String, Option<String>);

/// One register's dated records: the select (kind, record, part, title, owner, due) ending in
/// its `where`, the owner's column and the due day's; and how a count reads them.
struct Source {
    select: &'static str,
    owner: &'static str,
    due: &'static str,
    counting: Counting,
}

/// How the team view's count reads a source's records.
enum Counting {
    /// Its select's rows, each counting 1.
    Rows,
    /// The same rows, read from what follows `from` here instead of the select's: without
    /// the joins that only name the record, so that an index of the source's own table holds
    /// all the count reads.
    RowsOf(&'static str),
    /// The counts the register keeps by owner and day, read instead.
    Kept(Counts),
}

/// How many records of a kind a register keeps by owner (in lower case) and day: the table,
/// with the columns `owner_key`, `due` and `n`.
struct Counts {
    kind: &'static str,
    table: &'static str,
}

const SOURCES: &[Source] = &[
    Source {
        // The first select names the columns of the union.
        select: "select 'measure' as kind, measure_id as record, '' as part, name as title, owner as owner, due_on as due from measure where status in ('planned', 'in_progress') and due_on is not null",
        owner: "owner",
        due: "due_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'risk_review', risk_id, '', title, owner, review_due_on from risk where status <> 'closed' and review_due_on is not null",
        owner: "owner",
        due: "review_due_on",
        // Kept by the risk register's triggers (migration 52).
        counting: Counting::Kept(Counts {
            kind: "'risk_review'",
            table: "risk_review_count",
        }),
    },
    Source {
        select: "select 'acceptance', r.risk_id, '', r.title, r.owner, a.valid_until from risk r join risk_acceptance a on a.risk_id = r.risk_id where r.status <> 'closed' and a.accepted_at = (select max(b.accepted_at) from risk_acceptance b where b.risk_id = r.risk_id)",
        owner: "r.owner",
        due: "a.valid_until",
        counting: Counting::Rows,
    },
    // Evidence that expired more than 30 days ago is no longer a reminder: it was let go.
    Source {
        select: "select 'evidence', evidence_id, '', title, collected_by, valid_until from evidence where valid_until is not null and valid_until >= $2",
        owner: "collected_by",
        due: "valid_until",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'document_review', document_id, '', title, owner, next_review_on from document where status <> 'retired' and current_version is not null and next_review_on is not null",
        owner: "owner",
        due: "next_review_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'training', campaign_id, '', title, created_by, due_on from training_campaign where closed_on is null",
        owner: "created_by",
        due: "due_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'supplier_review', supplier_id, '', name, owner, review_due from supplier where status <> 'ended' and review_due is not null",
        owner: "owner",
        due: "review_due",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'certificate', s.supplier_id, cast(c.seq as text) || ':' || c.kind, s.name, s.owner, c.until_on from supplier s join supplier_certification c on c.supplier_id = s.supplier_id where s.status <> 'ended'",
        owner: "s.owner",
        due: "c.until_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'obligation', obligation_id, '', title, owner, review_due from obligation where applicable = true and review_due is not null",
        owner: "owner",
        due: "review_due",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'incident_task', t.incident_id, cast(t.seq as text), t.title, t.owner, t.due_on from incident_task t join incident i on i.incident_id = t.incident_id where t.done_at is null and t.due_on is not null and i.closed_at is null",
        owner: "t.owner",
        due: "t.due_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'checklist_step', c.person_id, s.checklist_id || '-' || cast(s.number as text), s.title, s.owner, s.due_on from checklist_step s join checklist c on c.checklist_id = s.checklist_id where s.done_at is null and s.due_on is not null",
        owner: "s.owner",
        due: "s.due_on",
        // Counted from the steps alone, through their index of open steps by owner and day
        // (migration 53): on SQLite the demo's 30,000 steps due within a month took 14 ms with
        // each looked up in its checklist, 6 ms so.
        counting: Counting::RowsOf(
            "checklist_step s where s.done_at is null and s.due_on is not null",
        ),
    },
    Source {
        select: "select 'corrective_action', action_id, '', title, owner, due_on from corrective_action where status = 'open'",
        owner: "owner",
        due: "due_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'audit', audit_id, '', title, lead, starts_on from internal_audit where status = 'planned'",
        owner: "lead",
        due: "starts_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'management_review', review_id, '', title, chair, planned_on from management_review where status = 'planned'",
        owner: "chair",
        due: "planned_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'review_action', action_id, review_id, title, owner, due_on from review_action where status = 'open'",
        owner: "owner",
        due: "due_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'objective', objective_id, '', title, owner, due_on from objective where status = 'open' and due_on is not null",
        owner: "owner",
        due: "due_on",
        counting: Counting::Rows,
    },
    Source {
        select: "select 'manual', task_id, '', title, owner, due_on from task where status = 'open'",
        owner: "owner_key",
        due: "due_on",
        counting: Counting::Rows,
    },
];

impl Source {
    /// What a count reads of the source, narrowed by `narrow(owner column, due column)`:
    /// kind, owner, and how many are overdue on $3, due from $3 to $4, due later and undated
    /// (`buckets`). Its kept counts are added up by owner (a few hundred rows, where the
    /// register's own may be a million); otherwise each row counts 1, and only its kind,
    /// owner and day are read, so that the count reads an index holding those where there is
    /// one, not the table: a union's arms are read whole. Each arm adds up its own by owner
    /// (in lower case), so that the union holds a few rows an owner, not one a record: at a
    /// million risks, whose demo gives 30,000 staff checklist steps due within a month, the
    /// team view's count took 50 ms with every step in the union, 33 ms so.
    fn counted(&self, narrow: impl Fn(&str, &str) -> String) -> String {
        if let Counting::Kept(Counts { kind, table }) = &self.counting {
            return format!(
                "select {kind} as kind, owner_key as owner, {} from {table} where n > 0{} \
                 group by owner_key",
                buckets("due", "n"),
                narrow("owner_key", "due")
            );
        }
        let (kind, owner, due, rest) = self.parts();
        let rest = match self.counting {
            Counting::RowsOf(rows) => rows,
            _ => rest,
        };
        format!(
            "select {kind} as kind, lower({owner}) as owner, {} from {rest}{} \
             group by lower({owner})",
            buckets(due, "1"),
            narrow(self.owner, self.due)
        )
    }

    /// The expressions of its kind, owner and due day, and what its select has after `from`.
    fn parts(&self) -> (&'static str, &'static str, &'static str, &'static str) {
        let plain = |c: &'static str| c.split_once(" as ").map_or(c, |(e, _)| e);
        let body = self.select.strip_prefix("select ").unwrap_or(self.select);
        let (columns, rest) = body.split_once(" from ").unwrap_or((body, ""));
        let columns: Vec<&'static str> = columns.split(", ").collect();
        match columns[..] {
            [kind, _, _, _, owner, due] => (plain(kind), plain(owner), plain(due), rest),
            _ => unreachable!("every source selects six columns (tested)"),
        }
    }
}

/// The columns of a count by the parts of a day ($3) and its week's end ($4): `overdue`,
/// `this_week`, `later` and `undated`, each the sum of `n` where `due` is in the part.
fn buckets(due: &str, n: &str) -> String {
    [
        ("overdue", format!("{due} < $3")),
        ("this_week", format!("{due} >= $3 and {due} <= $4")),
        ("later", format!("{due} > $4")),
        ("undated", format!("{due} is null")),
    ]
    .map(|(part, when)| format!("sum(case when {when} then {n} else 0 end) as {part}"))
    .join(", ")
}

/// Every source's statement as `arm` writes it, one after the other (`union all`).
fn union_of(arm: impl Fn(&Source) -> String) -> String {
    SOURCES
        .iter()
        .map(arm)
        .collect::<Vec<_>>()
        .join("\nunion all ")
}

/// The statement of every source, each narrowed by `narrow(owner column, due column)`.
fn union(narrow: impl Fn(&str, &str) -> String) -> String {
    union_of(|s| format!("{}{}", s.select, narrow(s.owner, s.due)))
}

/// `union` of what counts read (`Source::counted`): kind, owner, and how many in each part.
fn counted_union(narrow: impl Fn(&str, &str) -> String) -> String {
    union_of(|s| s.counted(&narrow))
}

/// A source narrowed to one owner ($1, lower case), through its owner index.
fn owned_by(owner: &str) -> String {
    owned_by_value(owner, "$1")
}

/// A source narrowed to the owner `value` (a parameter or a literal, in lower case).
fn owned_by_value(owner: &str, value: &str) -> String {
    if owner == "owner_key" {
        format!(" and owner_key = {value}")
    } else {
        format!(" and lower({owner}) = {value}")
    }
}

/// The soonest rows of `union` ($2 is the evidence's first day), undated last: of the kind
/// $4 ('' for every kind), nobody's when $5 is true, at most $3.
fn soonest(union: &str) -> String {
    format!(
        "select x.kind, x.record, x.part, x.title, x.owner, x.due from ({union}) x
         where ($4 = '' or x.kind = $4) and ($5 = false or trim(x.owner) = '')
         order by coalesce(x.due, '9999-12-31'), x.kind, x.record, x.part limit $3"
    )
}

/// One owner's ($1, lower case) records, soonest first (see `soonest`). Each source gives
/// its own soonest $3 first, in the order `soonest` sorts by (undated last), so that an owner
/// of thousands of risks has only as many read as the list shows, in order from the risks'
/// index of owners and days (`risk_owner_review_idx`, on the same expression).
fn by_owner_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        soonest(&union_of(|s| {
            format!(
                "select * from ({}{} order by coalesce({}, '9999-12-31'), 2, 3 limit $3) s",
                s.select,
                owned_by(s.owner),
                s.due
            )
        }))
    })
}

/// Everyone's records due by $1, soonest first (see `soonest`). Each source gives its own
/// soonest $3 first, of the kind and owners asked for, so that a million open risks have only
/// as many read as the list shows, in order from their index of days
/// (`risk_review_active_idx`): everyone's soonest 1,000 took 600 ms, reading every risk due.
/// A day at most $1 is a day, so the order by it is the order `soonest` sorts by. What
/// nobody owns (`unowned`, $5 true) is what one owner's list of nobody (`by_owner_sql` with
/// an empty owner) reads, from the risks' index of owners and days: walking every open
/// risk's day for the few without an owner took 530 ms.
fn soonest_until_sql(unowned: bool) -> &'static str {
    static SQL: [std::sync::OnceLock<String>; 2] =
        [std::sync::OnceLock::new(), std::sync::OnceLock::new()];
    SQL[usize::from(unowned)].get_or_init(|| {
        soonest(&union_of(|s| {
            let (kind, owner, due, _) = s.parts();
            let (owners, order) = if unowned {
                (
                    owned_by_value(s.owner, "''"),
                    format!("coalesce({due}, '9999-12-31')"),
                )
            } else {
                (
                    format!(" and ($5 = false or trim({owner}) = '')"),
                    due.to_string(),
                )
            };
            format!(
                "select * from ({}{owners} and {due} <= $1 and ($4 = '' or {kind} = $4) \
                 order by {order}, 2, 3 limit $3) s",
                s.select
            )
        }))
    })
}

/// How many records one owner ($1, lower case) has: due before $3, from $3 to $4, after,
/// and undated.
fn owner_counts_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        format!(
            "select cast(sum(x.overdue) as bigint), cast(sum(x.this_week) as bigint),
                    cast(sum(x.later) as bigint), cast(sum(x.undated) as bigint)
             from ({}) x",
            counted_union(|owner, _| owned_by(owner))
        )
    })
}

/// One owner's ($1, lower case) records due from $5 to $3, soonest first, at most $4.
fn by_owner_until_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| {
        let union =
            union(|owner, due| format!("{} and {due} >= $5 and {due} <= $3", owned_by(owner)));
        format!(
            "select x.kind, x.record, x.part, x.title, x.owner, x.due from ({union}) x
             order by x.due, x.kind, x.record, x.part limit $4"
        )
    })
}

/// What counts read of every source, due by $1.
fn counted_until_sql() -> &'static str {
    static SQL: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    SQL.get_or_init(|| counted_union(|_, due| format!(" and {due} <= $1")))
}

/// A process's business impact analysis: id, name, owner, the day it was last reviewed.
pub type ProcessRow = (String, String, String, String);

impl Store {
    /// The dated records one person owns (`owner` in lower case), soonest first, at most
    /// `limit` (of `kind` only, its key, when not empty); evidence that expired before
    /// `evidence_from` is left out.
    pub async fn due_of(
        &self,
        owner: &str,
        evidence_from: &str,
        kind: &str,
        limit: i64,
    ) -> Result<Vec<DueRow>> {
        Ok(pool_query!(
            self,
            fetch_all,
            DueRow,
            by_owner_sql(),
            owner,
            evidence_from,
            limit,
            kind,
            false
        )?)
    }

    /// How many records one person owns (`owner` in lower case): overdue on `today`, due by
    /// `week_end`, due later, and undated.
    pub async fn due_counts_of(
        &self,
        owner: &str,
        evidence_from: &str,
        today: &str,
        week_end: &str,
    ) -> Result<[usize; 4]> {
        type Counts = (Option<i64>, Option<i64>, Option<i64>, Option<i64>);
        let (a, b, c, d): Counts = pool_query!(
            self,
            fetch_one,
            Counts,
            owner_counts_sql(),
            owner,
            evidence_from,
            today,
            week_end
        )?;
        Ok([a, b, c, d].map(|n| usize::try_from(n.unwrap_or(0)).unwrap_or(0)))
    }

    /// One person's (`owner` in lower case) dated records due from `from` to `until` (days),
    /// soonest first, at most `limit`: what a message about them lists, whatever they have.
    pub async fn due_of_between(
        &self,
        owner: &str,
        evidence_from: &str,
        (from, until): (&str, &str),
        limit: i64,
    ) -> Result<Vec<DueRow>> {
        Ok(pool_query!(
            self,
            fetch_all,
            DueRow,
            by_owner_until_sql(),
            owner,
            evidence_from,
            until,
            limit,
            from
        )?)
    }

    /// The dated records due on or before `until`, whoever owns them (`unowned`: nobody's),
    /// soonest first, at most `limit` (of `kind` only, its key, when not empty).
    pub async fn due_until(
        &self,
        until: &str,
        evidence_from: &str,
        kind: &str,
        unowned: bool,
        limit: i64,
    ) -> Result<Vec<DueRow>> {
        Ok(pool_query!(
            self,
            fetch_all,
            DueRow,
            soonest_until_sql(unowned),
            until,
            evidence_from,
            limit,
            kind,
            unowned
        )?)
    }

    /// How many dated records each owner (lower case) has due by `until`: before `today`, up
    /// to `week_end`, and after (`kind`: of one kind only, its key; empty for every kind).
    pub async fn due_counts(
        &self,
        until: &str,
        today: &str,
        week_end: &str,
        evidence_from: &str,
        kind: &str,
    ) -> Result<Vec<(String, i64, i64, i64)>> {
        let sql = format!(
            "select lower(x.owner), cast(sum(x.overdue) as bigint),
                    cast(sum(x.this_week) as bigint), cast(sum(x.later) as bigint)
             from ({}) x where $5 = '' or x.kind = $5 group by lower(x.owner)",
            counted_until_sql()
        );
        Ok(pool_query!(
            self,
            fetch_all,
            (String, i64, i64, i64),
            &sql,
            until,
            evidence_from,
            today,
            week_end,
            kind
        )?)
    }

    /// Processes whose analysis was reviewed (a review is due a year after), of one owner or
    /// of everyone.
    pub async fn reviewed_processes(&self, owner: Option<&str>) -> Result<Vec<ProcessRow>> {
        Ok(match owner {
            Some(o) => pool_query!(
                self,
                fetch_all,
                ProcessRow,
                "select process_id, name, owner, reviewed_on from process where reviewed_on is not null and lower(owner) = $1",
                o
            )?,
            None => pool_query!(
                self,
                fetch_all,
                ProcessRow,
                "select process_id, name, owner, reviewed_on from process where reviewed_on is not null"
            )?,
        })
    }

    /// Processes with a recovery plan, with the day of their last exercise if any: id, name,
    /// owner, last exercised.
    pub async fn planned_processes(
        &self,
        owner: Option<&str>,
    ) -> Result<Vec<(String, String, String, Option<String>)>> {
        let sql = "select p.process_id, p.name, p.owner,
                          (select max(e.held_on) from exercise e where e.process_id = p.process_id)
                   from process p
                   where exists (select 1 from process_plan x where x.process_id = p.process_id)";
        Ok(match owner {
            Some(o) => pool_query!(
                self,
                fetch_all,
                (String, String, String, Option<String>),
                &format!("{sql} and lower(p.owner) = $1"),
                o
            )?,
            None => pool_query!(
                self,
                fetch_all,
                (String, String, String, Option<String>),
                sql
            )?,
        })
    }

    /// Indicators measured by hand, with the period of their last measurement if any: id,
    /// name, owner, frequency, last period.
    pub async fn manual_indicators(
        &self,
        owner: Option<&str>,
    ) -> Result<Vec<(String, String, String, String, Option<String>)>> {
        let sql = "select k.kpi_id, k.name, k.owner, k.frequency,
                          (select max(m.period) from kpi_measurement m where m.kpi_id = k.kpi_id)
                   from kpi k where k.metric = 'manual'";
        Ok(match owner {
            Some(o) => pool_query!(
                self,
                fetch_all,
                (String, String, String, String, Option<String>),
                &format!("{sql} and lower(k.owner) = $1"),
                o
            )?,
            None => pool_query!(
                self,
                fetch_all,
                (String, String, String, String, Option<String>),
                sql
            )?,
        })
    }

    /// The newest approved version of each framework's SoA: framework, approver, when.
    pub async fn last_soa_approvals(&self) -> Result<Vec<(String, String, String)>> {
        Ok(pool_query!(
            self,
            fetch_all,
            (String, String, String),
            "select v.framework_id, v.approved_by, v.approved_at from soa_version v
             where v.version = (select max(w.version) from soa_version w where w.framework_id = v.framework_id)
             order by v.framework_id"
        )?)
    }

    /// Written tasks, newest first (`open_only`: those still open), at most `limit`.
    pub async fn manual_tasks(&self, open_only: bool, limit: i64) -> Result<Vec<ManualTask>> {
        let sql = format!(
            "select {COLUMNS} from task {} order by created_at desc, task_id desc limit $1",
            if open_only {
                "where status = 'open'"
            } else {
                ""
            }
        );
        let rows: Vec<TaskRow> = pool_query!(self, fetch_all, TaskRow, &sql, limit)?;
        Ok(rows.into_iter().map(task_of).collect())
    }

    pub async fn manual_task(&self, id: &str) -> Result<ManualTask> {
        let mut tx = self.read_tx().await?;
        let t = read_in(&mut tx, id).await?;
        tx.commit().await?;
        t.ok_or_else(|| Error::NotFound(format!("task {id}")))
    }

    /// A person's choices (`email` in lower case), if they made any.
    pub async fn preference(&self, email: &str) -> Result<Option<PreferenceRow>> {
        Ok(pool_query!(
            self,
            fetch_optional,
            PreferenceRow,
            &format!("select {PREF_COLUMNS} from notification_preference where email = $1"),
            email
        )?)
    }

    /// Everyone's choices.
    pub async fn preferences(&self) -> Result<Vec<PreferenceRow>> {
        Ok(pool_query!(
            self,
            fetch_all,
            PreferenceRow,
            &format!("select {PREF_COLUMNS} from notification_preference")
        )?)
    }

    /// Whose calendar feed has the secret whose SHA-256 is `hash`.
    pub async fn feed_owner(&self, hash: &str) -> Result<Option<String>> {
        Ok(pool_query!(
            self,
            fetch_optional,
            (String,),
            "select email from notification_preference where feed_hash = $1",
            hash
        )?
        .map(|r| r.0))
    }
}

/// A person's choices as stored: e-mail, digest, muted kinds, feed hash, feed made at,
/// revision.
pub type PreferenceRow = (String, String, String, Option<String>, Option<String>, i64);

const PREF_COLUMNS: &str = "email, digest, muted, feed_hash, feed_created_at, revision";

/// Locks a person's choices, making the row when they have none.
pub(crate) async fn lock_preference(tx: &mut Tx, email: &str) -> Result<PreferenceRow> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into notification_preference (email, updated_at) values ($1, $2) on conflict (email) do nothing",
        email,
        &now
    )?;
    tx.lock_row("notification_preference", "email", email)
        .await?;
    Ok(tx_query!(
        tx,
        fetch_one,
        PreferenceRow,
        &format!("select {PREF_COLUMNS} from notification_preference where email = $1"),
        email
    )?)
}

pub(crate) async fn write_preference(
    tx: &mut Tx,
    email: &str,
    digest: &str,
    muted: &str,
) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update notification_preference set digest = $2, muted = $3, updated_at = $4, revision = revision + 1 where email = $1",
        email,
        digest,
        muted,
        &now
    )?;
    Ok(())
}

/// Sets (or with `None` removes) the SHA-256 of a person's feed secret.
pub(crate) async fn write_feed(tx: &mut Tx, email: &str, hash: Option<&str>) -> Result<()> {
    let now = tx.now().to_string();
    let made = hash.map(|_| now.clone());
    tx_exec!(
        tx,
        "update notification_preference set feed_hash = $2, feed_created_at = $3, updated_at = $4, revision = revision + 1 where email = $1",
        email,
        hash,
        made,
        &now
    )?;
    Ok(())
}

type TaskRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    Option<String>,
    String,
    String,
    String,
    i64,
);

const COLUMNS: &str = "task_id, title, description, owner, due_on, link_type, link_id, status, done_on, created_by, created_at, updated_at, revision";

fn task_of(r: TaskRow) -> ManualTask {
    ManualTask {
        id: r.0,
        title: r.1,
        description: r.2,
        owner: r.3,
        due_on: r.4,
        link_type: r.5,
        link_id: r.6,
        status: TaskStatus::parse(&r.7).unwrap_or(TaskStatus::Open),
        done_on: r.8,
        created_by: r.9,
        created_at: r.10,
        updated_at: r.11,
        revision: r.12,
        comments: Vec::new(),
    }
}

pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<ManualTask>> {
    let r: Option<TaskRow> = tx_query!(
        tx,
        fetch_optional,
        TaskRow,
        &format!("select {COLUMNS} from task where task_id = $1"),
        id
    )?;
    let Some(r) = r else { return Ok(None) };
    let mut t = task_of(r);
    let comments: Vec<(i64, String, String, String)> = tx_query!(
        tx,
        fetch_all,
        (i64, String, String, String),
        "select seq, author, written_at, body from task_comment where task_id = $1 order by seq",
        id
    )?;
    t.comments = comments
        .into_iter()
        .map(|c| TaskComment {
            seq: c.0,
            author: c.1,
            written_at: c.2,
            body: c.3,
        })
        .collect();
    Ok(Some(t))
}

pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<ManualTask> {
    if !tx.lock_row("task", "task_id", id).await? {
        return Err(Error::NotFound(format!("task {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("task {id}")))
}

pub(crate) async fn insert(tx: &mut Tx, d: &TaskDraft, by: &str) -> Result<ManualTask> {
    let id = crate::store::claim_id(tx, None, ("task", "task_id", "T"), "a task").await?;
    let now = tx.now().to_string();
    let done_on = (d.status == TaskStatus::Done).then(|| now[..10].to_string());
    tx_exec!(
        tx,
        "insert into task (task_id, title, description, owner, owner_key, due_on, link_type, link_id, status, done_on, created_by, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)",
        &id,
        &d.title,
        &d.description,
        &d.owner,
        d.owner.to_lowercase(),
        &d.due_on,
        &d.link_type,
        &d.link_id,
        d.status.key(),
        done_on,
        by,
        &now
    )?;
    read_in(tx, &id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("task {id}")))
}

pub(crate) async fn write(
    tx: &mut Tx,
    before: &ManualTask,
    d: &TaskDraft,
    today: &str,
) -> Result<ManualTask> {
    let now = tx.now().to_string();
    let done_on = match (before.status, d.status) {
        (_, TaskStatus::Open) => None,
        (TaskStatus::Done, TaskStatus::Done) => before.done_on.clone(),
        (TaskStatus::Open, TaskStatus::Done) => Some(today.to_string()),
    };
    tx_exec!(
        tx,
        "update task set title = $2, description = $3, owner = $4, owner_key = $5, due_on = $6, link_type = $7,
                link_id = $8, status = $9, done_on = $10, updated_at = $11, revision = revision + 1
         where task_id = $1",
        &before.id,
        &d.title,
        &d.description,
        &d.owner,
        d.owner.to_lowercase(),
        &d.due_on,
        &d.link_type,
        &d.link_id,
        d.status.key(),
        done_on,
        &now
    )?;
    read_in(tx, &before.id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("task {}", before.id)))
}

pub(crate) async fn add_comment(
    tx: &mut Tx,
    id: &str,
    author: &str,
    body: &str,
) -> Result<TaskComment> {
    let now = tx.now().to_string();
    let (next,): (i64,) = tx_query!(
        tx,
        fetch_one,
        (i64,),
        "select coalesce(max(seq), 0) + 1 from task_comment where task_id = $1",
        id
    )?;
    tx_exec!(
        tx,
        "insert into task_comment (task_id, seq, author, written_at, body) values ($1, $2, $3, $4, $5)",
        id,
        next,
        author,
        &now,
        body
    )?;
    tx_exec!(
        tx,
        "update task set revision = revision + 1, updated_at = $2 where task_id = $1",
        id,
        &now
    )?;
    Ok(TaskComment {
        seq: next,
        author: author.to_string(),
        written_at: now,
        body: body.to_string(),
    })
}

/// Whether a record of the kind `link_type` with the id `link_id` exists.
pub(crate) async fn record_exists(tx: &mut Tx, link_type: &str, link_id: &str) -> Result<bool> {
    let (table, key) = match link_type {
        "asset" => ("asset", "asset_id"),
        "risk" => ("risk", "risk_id"),
        "measure" => ("measure", "measure_id"),
        "evidence" => ("evidence", "evidence_id"),
        "document" => ("document", "document_id"),
        "incident" => ("incident", "incident_id"),
        "supplier" => ("supplier", "supplier_id"),
        "obligation" => ("obligation", "obligation_id"),
        "audit" => ("internal_audit", "audit_id"),
        "finding" => ("audit_finding", "finding_id"),
        "nonconformity" => ("nonconformity", "nc_id"),
        "corrective_action" => ("corrective_action", "action_id"),
        "review" => ("management_review", "review_id"),
        "objective" => ("objective", "objective_id"),
        "kpi" => ("kpi", "kpi_id"),
        "process" => ("process", "process_id"),
        "person" => ("person", "person_id"),
        "task" => ("task", "task_id"),
        _ => return Ok(false),
    };
    let (n,): (i64,) = tx_query!(
        tx,
        fetch_one,
        (i64,),
        &format!("select count(*) from {table} where {key} = $1"),
        link_id
    )?;
    Ok(n > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn what_a_count_reads_of_each_source_is_its_kind_owner_and_parts() {
        let narrow = |owner: &str, due: &str| format!(" and {owner} = $1 and {due} <= $2");
        for s in SOURCES
            .iter()
            .filter(|s| !matches!(s.counting, Counting::Kept(_)))
        {
            let columns = s.select["select ".len()..].split_once(" from ").unwrap().0;
            assert_eq!(columns.split(", ").count(), 6, "{}", s.select);
            let counted = s.counted(narrow);
            assert!(counted.starts_with("select '"), "{counted}");
            assert!(counted.contains(" as kind, "), "{counted}");
            assert!(
                counted.contains(" else 0 end) as undated from "),
                "{counted}"
            );
            // Each source adds up its own by owner, in lower case.
            let (_, owner, _, selected) = s.parts();
            let rest = match s.counting {
                Counting::RowsOf(rows) => {
                    // The same table, under the same name, with the same conditions.
                    let (table, conditions) = rows.split_once(" where ").unwrap();
                    assert!(selected.starts_with(table), "{rows}");
                    assert!(
                        selected.ends_with(&format!(" where {conditions}")),
                        "{rows}"
                    );
                    rows
                }
                _ => selected,
            };
            assert!(
                counted.ends_with(&format!(
                    "{rest}{} group by lower({owner})",
                    narrow(s.owner, s.due)
                )),
                "{counted}"
            );
        }
        assert_eq!(
            SOURCES[0].counted(narrow),
            "select 'measure' as kind, lower(owner) as owner, \
             sum(case when due_on < $3 then 1 else 0 end) as overdue, \
             sum(case when due_on >= $3 and due_on <= $4 then 1 else 0 end) as this_week, \
             sum(case when due_on > $4 then 1 else 0 end) as later, \
             sum(case when due_on is null then 1 else 0 end) as undated \
             from measure where status in ('planned', 'in_progress') and due_on is not null \
             and owner = $1 and due_on <= $2 group by lower(owner)"
        );
        // The risks' reviews are counted from the counts the register keeps by owner (in
        // lower case) and day, added up by owner.
        assert_eq!(
            SOURCES[1].counted(narrow),
            "select 'risk_review' as kind, owner_key as owner, \
             sum(case when due < $3 then n else 0 end) as overdue, \
             sum(case when due >= $3 and due <= $4 then n else 0 end) as this_week, \
             sum(case when due > $4 then n else 0 end) as later, \
             sum(case when due is null then n else 0 end) as undated \
             from risk_review_count where n > 0 and owner_key = $1 and due <= $2 group by owner_key"
        );
        assert_eq!(
            SOURCES
                .iter()
                .filter(|s| matches!(s.counting, Counting::Kept(_)))
                .count(),
            1
        );
    }
}
