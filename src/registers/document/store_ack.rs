//! Acknowledgements in the store: a document's requirement, who of the staff directory it
//! asks today, who acknowledged which version, and the documents a person owes.

use super::domain_ack::{
    AckFilter, AckLine, AckRule, AckRuleDraft, AckScope, AckState, AckVia, DepartmentAcks, Owed,
    due_on,
};
use crate::domain::query::Page;
use crate::error::Result;
use crate::store::{Arg, SortKey, Sql, Store, Tx, pool_query, tx_exec, tx_query};

type RuleRow = (String, String, String, i64, String, i64);
const RULE_COLUMNS: &str = "document_id, scope, groups, days, updated_at, revision";

fn rule_from(r: RuleRow) -> AckRule {
    AckRule {
        document_id: r.0,
        scope: AckScope::parse(&r.1).unwrap_or(AckScope::Everyone),
        groups: r
            .2
            .split('\n')
            .filter(|g| !g.is_empty())
            .map(str::to_string)
            .collect(),
        days: r.3,
        updated_at: r.4,
        revision: r.5,
    }
}

/// The day before which a pending acknowledgement is overdue, when any can be: people due
/// `days` after the later of publication and their first day are late once both are before
/// `today - days`.
fn overdue_cutoff(published_on: &str, rule: &AckRule, today: &str) -> Option<String> {
    let cutoff = crate::domain::input::days_after(today, -rule.days)?;
    (published_on < cutoff.as_str()).then_some(cutoff)
}

/// Appends `from person p left join acknowledgement a … where` the audience on `today`.
fn push_audience(sql: &mut Sql, rule: &AckRule, document: &str, version: i64, today: &str) {
    sql.push(
        " from person p left join acknowledgement a on a.person_id = p.person_id",
        [],
    );
    sql.push(
        " and a.document_id = ? and a.version = ?",
        [Arg::Text(document.into()), Arg::Int(version)],
    );
    sql.push(" where 1 = 1", []);
    crate::registers::staff::store::push_audience(sql, rule.scope.column(), &rule.groups, today);
}

/// The overdue condition on a pending row (`1 = 0` when nobody can be overdue yet).
fn push_overdue(sql: &mut Sql, cutoff: Option<&str>) {
    match cutoff {
        Some(c) => {
            sql.push(
                "(a.person_id is null and (p.started_on is null or p.started_on < ?))",
                [Arg::Text(c.into())],
            );
        }
        None => {
            sql.push("(1 = 0)", []);
        }
    }
}

/// A document's requirement, read inside a write.
pub(crate) async fn rule_in(tx: &mut Tx, document: &str) -> Result<Option<AckRule>> {
    let row: Option<RuleRow> = tx_query!(
        tx,
        fetch_optional,
        RuleRow,
        &format!("select {RULE_COLUMNS} from document_ack_rule where document_id = $1"),
        document
    )?;
    Ok(row.map(rule_from))
}

/// Writes (or, with `None`, removes) a document's requirement.
pub(crate) async fn write_rule(
    tx: &mut Tx,
    document: &str,
    draft: Option<&AckRuleDraft>,
) -> Result<Option<AckRule>> {
    match draft {
        None => {
            tx_exec!(
                tx,
                "delete from document_ack_rule where document_id = $1",
                document
            )?;
        }
        Some(d) => {
            let now = tx.now().to_string();
            tx_exec!(
                tx,
                "insert into document_ack_rule (document_id, scope, groups, days, updated_at) values ($1, $2, $3, $4, $5)
                 on conflict (document_id) do update set scope = excluded.scope, groups = excluded.groups,
                   days = excluded.days, updated_at = excluded.updated_at,
                   revision = document_ack_rule.revision + 1",
                document,
                d.scope.key(),
                d.groups.join("\n"),
                d.days,
                &now
            )?;
        }
    }
    tx.bump_generation("acknowledgement").await?;
    rule_in(tx, document).await
}

/// Whether a person has acknowledged a version.
pub(crate) async fn acknowledged_in(
    tx: &mut Tx,
    document: &str,
    version: i64,
    person: &str,
) -> Result<Option<String>> {
    let row: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select acknowledged_at from acknowledgement where document_id = $1 and version = $2 and person_id = $3",
        document,
        version,
        person
    )?;
    Ok(row.map(|r| r.0))
}

/// Records an acknowledgement.
pub(crate) async fn insert_ack(
    tx: &mut Tx,
    document: &str,
    version: i64,
    person: &str,
    via: AckVia,
    by: &str,
    sha256: &str,
) -> Result<String> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into acknowledgement (document_id, version, person_id, acknowledged_at, via, recorded_by, sha256)
         values ($1, $2, $3, $4, $5, $6, $7)",
        document,
        version,
        person,
        &now,
        via.key(),
        by,
        sha256
    )?;
    tx.bump_generation("acknowledgement").await?;
    Ok(now)
}

/// Records many people's acknowledgements of one version at once.
pub(crate) async fn insert_acks(
    tx: &mut Tx,
    document: &str,
    version: i64,
    people: &[String],
    via: AckVia,
    by: &str,
    sha256: &str,
) -> Result<()> {
    let now = tx.now().to_string();
    let rows = people
        .iter()
        .map(|p| {
            vec![
                Arg::Text(document.into()),
                Arg::Int(version),
                Arg::Text(p.clone()),
                Arg::Text(now.clone()),
                Arg::Text(via.key().into()),
                Arg::Text(by.into()),
                Arg::Text(sha256.into()),
            ]
        })
        .collect();
    tx.insert_rows(
        "insert into acknowledgement (document_id, version, person_id, acknowledged_at, via, recorded_by, sha256)",
        rows,
        "on conflict do nothing",
    )
    .await?;
    tx.bump_generation("acknowledgement").await
}

type LineRow = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

impl Store {
    /// The documents that ask for acknowledgement (published or not).
    pub async fn ack_rule_documents(&self) -> Result<Vec<String>> {
        let rows: Vec<(String,)> = pool_query!(
            self,
            fetch_all,
            (String,),
            "select document_id from document_ack_rule order by document_id"
        )?;
        Ok(rows.into_iter().map(|r| r.0).collect())
    }

    pub async fn ack_rule(&self, document: &str) -> Result<Option<AckRule>> {
        let row: Option<RuleRow> = pool_query!(
            self,
            fetch_optional,
            RuleRow,
            &format!("select {RULE_COLUMNS} from document_ack_rule where document_id = $1"),
            document
        )?;
        Ok(row.map(rule_from))
    }

    /// How far the audience is with a published version, in all and per department.
    pub async fn ack_summary(
        &self,
        rule: &AckRule,
        version: i64,
        published_on: &str,
        today: &str,
    ) -> Result<Vec<DepartmentAcks>> {
        let cutoff = overdue_cutoff(published_on, rule, today);
        let mut sql = Sql::new("select p.department, count(*), count(a.person_id), sum(case when ");
        push_overdue(&mut sql, cutoff.as_deref());
        sql.push(" then 1 else 0 end)", []);
        push_audience(&mut sql, rule, &rule.document_id, version, today);
        sql.push(" group by p.department order by p.department", []);
        type Row = (String, i64, i64, i64);
        let rows: Vec<Row> = crate::store::on_pool!(&self.pool, |c| crate::store::bind_once!(
            c,
            sqlx::query_as::<_, Row>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|r| DepartmentAcks {
                department: r.0,
                required: r.1,
                acknowledged: r.2,
                overdue: r.3,
            })
            .collect())
    }

    /// The audience of a published version, by name, with where each person stands.
    #[allow(clippy::too_many_arguments)]
    pub async fn ack_lines(
        &self,
        rule: &AckRule,
        version: i64,
        published_on: &str,
        today: &str,
        f: &AckFilter,
        cursor: Option<&str>,
        limit: i64,
        known_total: Option<i64>,
    ) -> Result<Page<AckLine>> {
        let cutoff = overdue_cutoff(published_on, rule, today);
        let mut from = Sql::new("");
        push_audience(&mut from, rule, &rule.document_id, version, today);
        match f.state {
            None => {}
            Some(AckState::Acknowledged) => {
                from.push(" and a.person_id is not null", []);
            }
            Some(AckState::Pending) => {
                from.push(" and a.person_id is null", []);
            }
            Some(AckState::Overdue) => {
                from.push(" and ", []);
                push_overdue(&mut from, cutoff.as_deref());
            }
        }
        if let Some(d) = &f.department {
            from.push(" and p.department = ?", [Arg::Text(d.clone())]);
        }
        if let Some(q) = &f.text {
            from.push_text_search(&["p.name", "p.email", "p.person_id"], q, self.backend());
        }
        let days = rule.days;
        let published = published_on.to_string();
        let day = today.to_string();
        self.keyset_page(
            "p.person_id, p.name, p.email, p.department, p.started_on, a.acknowledged_at, a.via",
            from,
            &[SortKey::Text("p.name"), SortKey::Text("p.person_id")],
            cursor,
            limit,
            known_total,
            move |r: LineRow| {
                let due = due_on(&published, r.4.as_deref(), days);
                let state = match (&r.5, &due) {
                    (Some(_), _) => AckState::Acknowledged,
                    (None, Some(d)) if d.as_str() < day.as_str() => AckState::Overdue,
                    _ => AckState::Pending,
                };
                AckLine {
                    person_id: r.0,
                    name: r.1,
                    email: r.2,
                    department: r.3,
                    state,
                    acknowledged_at: r.5,
                    via: r.6.and_then(|v| AckVia::parse(&v).ok()),
                    due_on: due,
                }
            },
            |l| vec![l.name.clone().into(), l.person_id.clone().into()],
        )
        .await
    }

    /// The published documents that require acknowledgement, with the person's own
    /// acknowledgement of each (the caller keeps those whose audience holds them).
    pub async fn owed_candidates(&self, person: &str) -> Result<Vec<(Owed, AckRule, String)>> {
        type Row = (
            String,
            String,
            i64,
            Option<String>,
            Option<String>,
            Option<String>,
            String,
            String,
            i64,
            String,
            i64,
        );
        let rows: Vec<Row> = pool_query!(
            self,
            fetch_all,
            Row,
            "select d.document_id, d.title, d.current_version, v.sha256, v.published_at, a.acknowledged_at,
                    r.scope, r.groups, r.days, r.updated_at, r.revision
             from document d
             join document_ack_rule r on r.document_id = d.document_id
             join document_version v on v.document_id = d.document_id and v.number = d.current_version
             left join acknowledgement a on a.document_id = d.document_id and a.version = d.current_version and a.person_id = $1
             where d.status = 'published' and d.current_version is not null
             order by d.title, d.document_id",
            person
        )?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let published_on =
                    r.4.as_deref()
                        .unwrap_or_default()
                        .get(..10)
                        .unwrap_or_default()
                        .to_string();
                (
                    Owed {
                        document_id: r.0.clone(),
                        title: r.1,
                        version: r.2,
                        sha256: r.3.unwrap_or_default(),
                        due_on: None,
                        acknowledged_at: r.5,
                    },
                    rule_from((r.0, r.6, r.7, r.8, r.9, r.10)),
                    published_on,
                )
            })
            .collect())
    }
}
