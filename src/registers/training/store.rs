//! Training in the store: modules, campaigns, completions, competence by job title, and the
//! progress of a campaign's audience (from the staff directory) in all and per department.

use super::domain::{
    Assigned, Campaign, CampaignDraft, CampaignFilter, CampaignLine, CampaignState, Competence,
    DepartmentProgress, Module, ModuleDraft,
};
use crate::domain::catalog::parse_control_refs;
use crate::domain::query::Page;
use crate::domain::upload::KeptFile;
use crate::error::{Error, Result};
use crate::registers::document::domain_ack::AckScope;
use crate::registers::staff::store::push_audience;
use crate::store::{Arg, SortKey, Sql, Store, Tx, pool_query, tx_exec, tx_query};

type ModuleRow = (
    String,
    String,
    String,
    String,
    Option<i64>,
    String,
    String,
    String,
    i64,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
);
const MODULE_COLUMNS: &str = "module_id, title, description, material_url, duration_minutes, controls, created_at, updated_at, revision, \
     material_file_name, material_file_type, material_file_size, material_sha256";

fn module_from(r: ModuleRow) -> Module {
    Module {
        id: r.0,
        title: r.1,
        description: r.2,
        material_url: r.3,
        duration_minutes: r.4,
        controls: parse_control_refs(&r.5),
        created_at: r.6,
        updated_at: r.7,
        revision: r.8,
        material_file: KeptFile::from_columns(r.9, r.10, r.11, r.12),
    }
}

fn controls_text(d: &ModuleDraft) -> String {
    d.controls
        .iter()
        .map(|c| format!("{}:{}", c.framework, c.id))
        .collect::<Vec<_>>()
        .join(", ")
}

type CampaignRow = (
    String,
    String,
    String,
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
    String,
    i64,
);
const CAMPAIGN_COLUMNS: &str = "campaign_id, title, modules, scope, groups, starts_on, due_on, closed_on, evidence_id, created_at, created_by, revision";

fn split(text: &str, sep: char) -> Vec<String> {
    text.split(sep)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

fn campaign_from(r: CampaignRow) -> Campaign {
    Campaign {
        id: r.0,
        title: r.1,
        modules: split(&r.2, ','),
        scope: AckScope::parse(&r.3).unwrap_or(AckScope::Everyone),
        groups: split(&r.4, '\n'),
        starts_on: r.5,
        due_on: r.6,
        closed_on: r.7,
        evidence_id: r.8,
        created_at: r.9,
        created_by: r.10,
        revision: r.11,
    }
}

pub(crate) async fn lock_module(tx: &mut Tx, id: &str) -> Result<Module> {
    if !tx.lock_row("training_module", "module_id", id).await? {
        return Err(Error::NotFound(format!("training module {id}")));
    }
    let r: ModuleRow = tx_query!(
        tx,
        fetch_one,
        ModuleRow,
        &format!("select {MODULE_COLUMNS} from training_module where module_id = $1"),
        id
    )?;
    Ok(module_from(r))
}

/// Writes a module (new or replacing), answers it as stored.
pub(crate) async fn write_module(tx: &mut Tx, id: &str, d: &ModuleDraft) -> Result<Module> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into training_module (module_id, title, description, material_url, duration_minutes, controls, created_at, updated_at)
         values ($1, $2, $3, $4, $5, $6, $7, $7)
         on conflict (module_id) do update set title = excluded.title, description = excluded.description,
           material_url = excluded.material_url, duration_minutes = excluded.duration_minutes,
           controls = excluded.controls, updated_at = excluded.updated_at,
           revision = training_module.revision + 1",
        id,
        &d.title,
        &d.description,
        &d.material_url,
        d.duration_minutes,
        controls_text(d),
        &now
    )?;
    tx.bump_generation("training").await?;
    lock_module(tx, id).await
}

/// Sets (or, with `None`, removes) a module's material file; answers the module as stored.
pub(crate) async fn set_module_file(
    tx: &mut Tx,
    id: &str,
    file: Option<&KeptFile>,
) -> Result<Module> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "update training_module set material_file_name = $1, material_file_type = $2,
                material_file_size = $3, material_sha256 = $4, updated_at = $5,
                revision = revision + 1
         where module_id = $6",
        file.map(|f| f.file_name.as_str()),
        file.map(|f| f.media_type.as_str()),
        file.map(|f| f.size),
        file.map(|f| f.sha256.as_str()),
        &now,
        id
    )?;
    tx.bump_generation("training").await?;
    lock_module(tx, id).await
}

pub(crate) async fn next_module_id(tx: &mut Tx) -> Result<String> {
    Ok(crate::store::next_ids(
        tx,
        "training_module",
        "TM",
        "training_module",
        "module_id",
        1,
    )
    .await?
    .remove(0))
}

/// Those of `ids` that are modules.
pub(crate) async fn existing_modules(tx: &mut Tx, ids: &[String]) -> Result<Vec<String>> {
    Ok(
        crate::store::existing_ids(tx, "training_module", "module_id", ids)
            .await?
            .into_iter()
            .collect(),
    )
}

pub(crate) async fn insert_campaign(
    tx: &mut Tx,
    d: &CampaignDraft,
    actor: &str,
) -> Result<Campaign> {
    let id = crate::store::next_ids(
        tx,
        "training_campaign",
        "TC",
        "training_campaign",
        "campaign_id",
        1,
    )
    .await?
    .remove(0);
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into training_campaign (campaign_id, title, modules, scope, groups, starts_on, due_on, created_at, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        &id,
        &d.title,
        d.modules.join(","),
        d.scope.key(),
        d.groups.join("\n"),
        &d.starts_on,
        &d.due_on,
        &now,
        actor
    )?;
    tx.bump_generation("training").await?;
    lock_campaign(tx, &id).await
}

pub(crate) async fn lock_campaign(tx: &mut Tx, id: &str) -> Result<Campaign> {
    if !tx.lock_row("training_campaign", "campaign_id", id).await? {
        return Err(Error::NotFound(format!("training campaign {id}")));
    }
    let r: CampaignRow = tx_query!(
        tx,
        fetch_one,
        CampaignRow,
        &format!("select {CAMPAIGN_COLUMNS} from training_campaign where campaign_id = $1"),
        id
    )?;
    Ok(campaign_from(r))
}

/// Writes what may change of a campaign after it started: its evidence item, its closing.
pub(crate) async fn set_campaign_state(
    tx: &mut Tx,
    id: &str,
    evidence_id: Option<&str>,
    closed_on: Option<&str>,
) -> Result<Campaign> {
    tx_exec!(
        tx,
        "update training_campaign set evidence_id = $1, closed_on = $2, revision = revision + 1 where campaign_id = $3",
        evidence_id,
        closed_on,
        id
    )?;
    tx.bump_generation("training").await?;
    lock_campaign(tx, id).await
}

/// Records completions (module, person, day, score); one already recorded for the same day is
/// kept. Answers how many were new.
pub(crate) async fn insert_completions(
    tx: &mut Tx,
    rows: &[(String, String, String, Option<i64>)],
    via: &str,
    actor: &str,
) -> Result<u64> {
    let now = tx.now().to_string();
    let mut written = 0;
    for chunk in rows.chunks(crate::store::ROWS_PER_BATCH) {
        let mut sql = Sql::new(
            "insert into training_completion (module_id, person_id, completed_on, via, recorded_by, score, recorded_at) values ",
        );
        for (i, (module, person, day, score)) in chunk.iter().enumerate() {
            sql.push(
                if i == 0 {
                    "(?, ?, ?, ?, ?, ?, ?)"
                } else {
                    ", (?, ?, ?, ?, ?, ?, ?)"
                },
                [
                    Arg::Text(module.clone()),
                    Arg::Text(person.clone()),
                    Arg::Text(day.clone()),
                    Arg::Text(via.into()),
                    Arg::Text(actor.into()),
                    Arg::OptInt(*score),
                    Arg::Text(now.clone()),
                ],
            );
        }
        sql.push(
            " on conflict (module_id, person_id, completed_on) do nothing",
            [],
        );
        written += tx.exec(&sql).await?;
    }
    tx.bump_generation("training").await?;
    Ok(written)
}

/// Replaces the modules every job title requires.
pub(crate) async fn write_competence(tx: &mut Tx, rows: &[(String, Vec<String>)]) -> Result<()> {
    tx_exec!(tx, "delete from competence")?;
    let values = rows
        .iter()
        .flat_map(|(title, modules)| {
            modules
                .iter()
                .map(move |m| vec![Arg::Text(title.clone()), Arg::Text(m.clone())])
        })
        .collect();
    tx.insert_rows("insert into competence (job_title, module_id)", values, "")
        .await?;
    tx.bump_generation("training").await
}

pub(crate) async fn competence_in(tx: &mut Tx) -> Result<Vec<(String, Vec<String>)>> {
    let rows: Vec<(String, String)> = tx_query!(
        tx,
        fetch_all,
        (String, String),
        "select job_title, module_id from competence order by job_title, module_id"
    )?;
    Ok(group_competence(rows))
}

fn group_competence(rows: Vec<(String, String)>) -> Vec<(String, Vec<String>)> {
    let mut out: Vec<(String, Vec<String>)> = Vec::new();
    for (title, module) in rows {
        match out.last_mut() {
            Some((t, ms)) if *t == title => ms.push(module),
            _ => out.push((title, vec![module])),
        }
    }
    out
}

/// Appends the completion join (`c.n`: the campaign's modules each person completed since it
/// started) and the campaign's audience on `today`.
fn push_progress_join(sql: &mut Sql, c: &Campaign, today: &str) {
    sql.push(
        " from person p left join (select person_id, count(distinct module_id) as n from training_completion where completed_on >= ? and module_id in ",
        [Arg::Text(c.starts_on.clone())],
    );
    sql.push_in(c.modules.iter());
    sql.push(
        " group by person_id) c on c.person_id = p.person_id where 1 = 1",
        [],
    );
    push_audience(sql, c.scope.column(), &c.groups, today);
}

impl Store {
    pub async fn training_module(&self, id: &str) -> Result<Module> {
        let r: Option<ModuleRow> = pool_query!(
            self,
            fetch_optional,
            ModuleRow,
            &format!("select {MODULE_COLUMNS} from training_module where module_id = $1"),
            id
        )?;
        r.map(module_from)
            .ok_or_else(|| Error::NotFound(format!("training module {id}")))
    }

    pub async fn training_modules(&self) -> Result<Vec<Module>> {
        let rows: Vec<ModuleRow> = pool_query!(
            self,
            fetch_all,
            ModuleRow,
            &format!(
                "select {MODULE_COLUMNS} from training_module order by title, module_id limit 1000"
            )
        )?;
        Ok(rows.into_iter().map(module_from).collect())
    }

    pub async fn training_campaign(&self, id: &str) -> Result<Campaign> {
        let r: Option<CampaignRow> = pool_query!(
            self,
            fetch_optional,
            CampaignRow,
            &format!("select {CAMPAIGN_COLUMNS} from training_campaign where campaign_id = $1"),
            id
        )?;
        r.map(campaign_from)
            .ok_or_else(|| Error::NotFound(format!("training campaign {id}")))
    }

    /// Campaigns, the latest due first.
    pub async fn training_campaigns(&self) -> Result<Vec<Campaign>> {
        let rows: Vec<CampaignRow> = pool_query!(
            self,
            fetch_all,
            CampaignRow,
            &format!(
                "select {CAMPAIGN_COLUMNS} from training_campaign order by due_on desc, campaign_id desc limit 1000"
            )
        )?;
        Ok(rows.into_iter().map(campaign_from).collect())
    }

    /// A campaign's audience on `today`, per department: asked, completed, overdue.
    pub async fn campaign_progress(
        &self,
        c: &Campaign,
        today: &str,
    ) -> Result<Vec<DepartmentProgress>> {
        let m = c.modules.len() as i64;
        let overdue = i64::from(c.due_on.as_str() < today);
        let mut sql = Sql::new("");
        sql.push(
            "select p.department, count(*), sum(case when coalesce(c.n, 0) >= ? then 1 else 0 end), sum(case when ? = 1 and coalesce(c.n, 0) < ? then 1 else 0 end)",
            [Arg::Int(m), Arg::Int(overdue), Arg::Int(m)],
        );
        push_progress_join(&mut sql, c, today);
        sql.push(" group by p.department order by p.department", []);
        type Row = (String, i64, i64, i64);
        let rows: Vec<Row> = crate::store::on_pool!(&self.pool, |cn| crate::store::bind_once!(
            cn,
            sqlx::query_as::<_, Row>(&sql.text),
            &sql.args
        )
        .fetch_all(cn)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|r| DepartmentProgress {
                department: r.0,
                required: r.1,
                completed: r.2,
                overdue: r.3,
            })
            .collect())
    }

    /// A campaign's audience by name, with each person's progress.
    pub async fn campaign_lines(
        &self,
        c: &Campaign,
        today: &str,
        f: &CampaignFilter,
        cursor: Option<&str>,
        limit: i64,
        known_total: Option<i64>,
    ) -> Result<Page<CampaignLine>> {
        let m = c.modules.len() as i64;
        let mut from = Sql::new("");
        push_progress_join(&mut from, c, today);
        match f.state {
            None => {}
            Some(CampaignState::Completed) => {
                from.push(" and coalesce(c.n, 0) >= ?", [Arg::Int(m)]);
            }
            Some(CampaignState::Pending) => {
                from.push(" and coalesce(c.n, 0) < ?", [Arg::Int(m)]);
            }
            Some(CampaignState::Overdue) => {
                from.push(
                    " and coalesce(c.n, 0) < ? and ? < ?",
                    [
                        Arg::Int(m),
                        Arg::Text(c.due_on.clone()),
                        Arg::Text(today.into()),
                    ],
                );
            }
        }
        if let Some(d) = &f.department {
            from.push(" and p.department = ?", [Arg::Text(d.clone())]);
        }
        if let Some(q) = &f.text {
            from.push_text_search(&["p.name", "p.email", "p.person_id"], q, self.backend());
        }
        let late = c.due_on.as_str() < today;
        self.keyset_page(
            "p.person_id, p.name, p.email, p.department, coalesce(c.n, 0)",
            from,
            &[SortKey::Text("p.name"), SortKey::Text("p.person_id")],
            cursor,
            limit,
            known_total,
            move |r: (String, String, String, String, i64)| CampaignLine {
                state: if r.4 >= m {
                    CampaignState::Completed
                } else if late {
                    CampaignState::Overdue
                } else {
                    CampaignState::Pending
                },
                person_id: r.0,
                name: r.1,
                email: r.2,
                department: r.3,
                done: r.4.min(m),
                of: m,
            },
            |l| vec![l.name.clone().into(), l.person_id.clone().into()],
        )
        .await
    }

    /// The open campaigns' modules a person (by department and job title) is assigned, with
    /// their completion since each campaign started.
    pub async fn assigned_to(
        &self,
        person: &crate::registers::staff::domain::Person,
    ) -> Result<Vec<Assigned>> {
        let campaigns: Vec<Campaign> = self
            .training_campaigns()
            .await?
            .into_iter()
            .filter(|c| c.closed_on.is_none())
            .filter(|c| {
                c.scope
                    .includes(&c.groups, &person.department, &person.job_title)
            })
            .collect();
        let done: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select module_id, max(completed_on) from training_completion where person_id = $1 group by module_id",
            &person.id
        )?;
        let modules = self.training_modules().await?;
        let mut out = Vec::new();
        for c in campaigns {
            for m in &c.modules {
                let Some(module) = modules.iter().find(|x| &x.id == m) else {
                    continue;
                };
                let completed_on = done
                    .iter()
                    .find(|(id, day)| id == m && day.as_str() >= c.starts_on.as_str())
                    .map(|(_, day)| day.clone());
                out.push(Assigned {
                    campaign_id: c.id.clone(),
                    campaign: c.title.clone(),
                    module: module.clone(),
                    due_on: c.due_on.clone(),
                    completed_on,
                });
            }
        }
        Ok(out)
    }

    /// The modules each job title requires, with how many of its people (present today)
    /// completed all of them (ever).
    pub async fn competence(&self, today: &str) -> Result<Vec<Competence>> {
        let rows: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select job_title, module_id from competence order by job_title, module_id"
        )?;
        let mut out = Vec::new();
        for (title, modules) in group_competence(rows) {
            let mut sql = Sql::new("");
            sql.push(
                "select count(*), sum(case when coalesce(c.n, 0) >= ? then 1 else 0 end) from person p left join (select person_id, count(distinct module_id) as n from training_completion where module_id in ",
                [Arg::Int(modules.len() as i64)],
            );
            sql.push_in(modules.iter());
            sql.push(
                " group by person_id) c on c.person_id = p.person_id where p.job_title = ?",
                [Arg::Text(title.clone())],
            );
            push_audience(&mut sql, None, &[], today);
            let (people, meet): (i64, Option<i64>) =
                crate::store::on_pool!(&self.pool, |cn| crate::store::bind_once!(
                    cn,
                    sqlx::query_as::<_, (i64, Option<i64>)>(&sql.text),
                    &sql.args
                )
                .fetch_one(cn)
                .await)?;
            out.push(Competence {
                job_title: title,
                modules,
                people,
                meet: meet.unwrap_or(0),
            });
        }
        Ok(out)
    }

    /// The person ids behind e-mails, staff numbers and ids (an import's people).
    pub async fn people_keys(&self) -> Result<Vec<(String, String, String)>> {
        let rows: Vec<(String, String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String, String),
            "select person_id, email, staff_number from person"
        )?;
        Ok(rows)
    }
}
