//! Checklists in the store: a person's onboarding and offboarding checklists with their
//! steps, the templates they are made from, the steps waiting for someone, and the assets a
//! person owns or holds.

use super::domain::Employment;
use super::domain_checklist::{
    Checklist, ChecklistKind, NewStep, Step, TemplateStep, default_template,
};
use crate::error::{Error, Result};
use crate::store::{Arg, Store, Tx, pool_query, tx_exec, tx_query};

type StepRow = (
    String,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
);
const STEP_COLUMNS: &str =
    "checklist_id, number, title, owner, due_on, asset_id, done_at, done_by, note";

fn step_from(r: StepRow) -> (String, Step) {
    (
        r.0,
        Step {
            number: r.1,
            title: r.2,
            owner: r.3,
            due_on: r.4,
            asset_id: r.5,
            done_at: r.6,
            done_by: r.7,
            note: r.8,
        },
    )
}

type ChecklistRow = (String, String, String, String, String, i64);

fn checklists_from(heads: Vec<ChecklistRow>, steps: Vec<StepRow>) -> Vec<Checklist> {
    let mut out: Vec<Checklist> = heads
        .into_iter()
        .map(|h| Checklist {
            id: h.0,
            person_id: h.1,
            kind: ChecklistKind::parse(&h.2).unwrap_or(ChecklistKind::Onboarding),
            created_at: h.3,
            created_by: h.4,
            revision: h.5,
            steps: Vec::new(),
        })
        .collect();
    for (checklist, step) in steps.into_iter().map(step_from) {
        if let Some(c) = out.iter_mut().find(|c| c.id == checklist) {
            c.steps.push(step);
        }
    }
    out
}

/// Makes a checklist for a person with its steps; answers its id.
pub(crate) async fn insert(
    tx: &mut Tx,
    person_id: &str,
    kind: ChecklistKind,
    actor: &str,
    steps: &[NewStep],
) -> Result<String> {
    let id = crate::store::next_ids(tx, "checklist", "CL", "checklist", "checklist_id", 1)
        .await?
        .remove(0);
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into checklist (checklist_id, person_id, kind, created_at, created_by) values ($1, $2, $3, $4, $5)",
        &id,
        person_id,
        kind.key(),
        &now,
        actor
    )?;
    let rows = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            vec![
                Arg::Text(id.clone()),
                Arg::Int(i as i64 + 1),
                Arg::Text(s.title.clone()),
                Arg::Text(s.owner.clone()),
                Arg::OptText(s.due_on.clone()),
                Arg::OptText(s.asset_id.clone()),
            ]
        })
        .collect();
    tx.insert_rows(
        "insert into checklist_step (checklist_id, number, title, owner, due_on, asset_id)",
        rows,
        "",
    )
    .await?;
    Ok(id)
}

/// Whether a person already has a checklist of this kind.
pub(crate) async fn has(tx: &mut Tx, person_id: &str, kind: ChecklistKind) -> Result<bool> {
    let n: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select checklist_id from checklist where person_id = $1 and kind = $2",
        person_id,
        kind.key()
    )?;
    Ok(n.is_some())
}

/// Reads a checklist inside a write, its row locked until the write ends.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<Checklist> {
    if !tx.lock_row("checklist", "checklist_id", id).await? {
        return Err(Error::NotFound(format!("checklist {id}")));
    }
    let heads: Vec<ChecklistRow> = tx_query!(
        tx,
        fetch_all,
        ChecklistRow,
        "select checklist_id, person_id, kind, created_at, created_by, revision from checklist where checklist_id = $1",
        id
    )?;
    let steps: Vec<StepRow> = tx_query!(
        tx,
        fetch_all,
        StepRow,
        &format!(
            "select {STEP_COLUMNS} from checklist_step where checklist_id = $1 order by number"
        ),
        id
    )?;
    checklists_from(heads, steps)
        .pop()
        .ok_or_else(|| Error::NotFound(format!("checklist {id}")))
}

/// Writes a step's completion (done or reopened) and raises the checklist's revision.
pub(crate) async fn write_step(tx: &mut Tx, checklist: &str, step: &Step) -> Result<()> {
    tx_exec!(
        tx,
        "update checklist_step set done_at = $1, done_by = $2, note = $3 where checklist_id = $4 and number = $5",
        step.done_at.as_deref(),
        step.done_by.as_deref(),
        &step.note,
        checklist,
        step.number
    )?;
    tx_exec!(
        tx,
        "update checklist set revision = revision + 1 where checklist_id = $1",
        checklist
    )?;
    Ok(())
}

/// The template for a kind and an employment type, read inside a write.
pub(crate) async fn template_in(
    tx: &mut Tx,
    kind: ChecklistKind,
    employment: Employment,
) -> Result<Vec<TemplateStep>> {
    let rows: Vec<(String, String, i64)> = tx_query!(
        tx,
        fetch_all,
        (String, String, i64),
        "select title, owner, days from checklist_template where kind = $1 and employment = $2 order by number",
        kind.key(),
        employment.key()
    )?;
    Ok(template_or_default(rows, kind, employment))
}

fn template_or_default(
    rows: Vec<(String, String, i64)>,
    kind: ChecklistKind,
    employment: Employment,
) -> Vec<TemplateStep> {
    if rows.is_empty() {
        return default_template(kind, employment);
    }
    rows.into_iter()
        .map(|(title, owner, days)| TemplateStep { title, owner, days })
        .collect()
}

/// Replaces a template.
pub(crate) async fn write_template(
    tx: &mut Tx,
    kind: ChecklistKind,
    employment: Employment,
    steps: &[TemplateStep],
) -> Result<()> {
    tx_exec!(
        tx,
        "delete from checklist_template where kind = $1 and employment = $2",
        kind.key(),
        employment.key()
    )?;
    let rows = steps
        .iter()
        .enumerate()
        .map(|(i, s)| {
            vec![
                Arg::Text(kind.key().into()),
                Arg::Text(employment.key().into()),
                Arg::Int(i as i64 + 1),
                Arg::Text(s.title.clone()),
                Arg::Text(s.owner.clone()),
                Arg::Int(s.days),
            ]
        })
        .collect();
    tx.insert_rows(
        "insert into checklist_template (kind, employment, number, title, owner, days)",
        rows,
        "",
    )
    .await
}

/// The assets a person owns or holds (by e-mail), as (id, name), read inside a write.
pub(crate) async fn assets_held_in(tx: &mut Tx, email: &str) -> Result<Vec<(String, String)>> {
    if email.is_empty() {
        return Ok(Vec::new());
    }
    tx_query!(
        tx,
        fetch_all,
        (String, String),
        "select asset_id, name from asset where (owner = $1 or custodian = $1) and lifecycle <> 'disposed' order by asset_id",
        email
    )
    .map_err(Into::into)
}

/// A step waiting for someone, with whose checklist it is.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct OpenStep {
    pub person_id: String,
    pub person_name: String,
    pub checklist_id: String,
    pub kind: ChecklistKind,
    pub step: Step,
}

impl Store {
    /// A person's checklists, oldest first, with their steps.
    pub async fn checklists_of(&self, person_id: &str) -> Result<Vec<Checklist>> {
        let heads: Vec<ChecklistRow> = pool_query!(
            self,
            fetch_all,
            ChecklistRow,
            "select checklist_id, person_id, kind, created_at, created_by, revision from checklist where person_id = $1 order by created_at, checklist_id",
            person_id
        )?;
        let steps: Vec<StepRow> = pool_query!(
            self,
            fetch_all,
            StepRow,
            &format!(
                "select {STEP_COLUMNS} from checklist_step where checklist_id in (select checklist_id from checklist where person_id = $1) order by checklist_id, number"
            ),
            person_id
        )?;
        Ok(checklists_from(heads, steps))
    }

    /// The templates, as stored or as Annex starts them.
    pub async fn checklist_template(
        &self,
        kind: ChecklistKind,
        employment: Employment,
    ) -> Result<Vec<TemplateStep>> {
        let rows: Vec<(String, String, i64)> = pool_query!(
            self,
            fetch_all,
            (String, String, i64),
            "select title, owner, days from checklist_template where kind = $1 and employment = $2 order by number",
            kind.key(),
            employment.key()
        )?;
        Ok(template_or_default(rows, kind, employment))
    }

    /// Open checklist steps, due first (undated last); of one kind, or one owner, when asked.
    pub async fn open_steps(
        &self,
        kind: Option<ChecklistKind>,
        owner: Option<&str>,
        limit: i64,
    ) -> Result<Vec<OpenStep>> {
        type Row = (
            String,
            String,
            String,
            String,
            i64,
            String,
            String,
            Option<String>,
            Option<String>,
            String,
        );
        let mut sql = crate::store::Sql::new(
            "select p.person_id, p.name, c.checklist_id, c.kind, s.number, s.title, s.owner, s.due_on, s.asset_id, s.note
             from checklist_step s join checklist c on c.checklist_id = s.checklist_id
             join person p on p.person_id = c.person_id where s.done_at is null",
        );
        if let Some(k) = kind {
            sql.push(" and c.kind = ?", [Arg::Text(k.key().into())]);
        }
        if let Some(o) = owner {
            sql.push(" and s.owner = ?", [Arg::Text(o.into())]);
        }
        sql.push(
            " order by coalesce(s.due_on, '9999-12-31'), p.name, c.checklist_id, s.number limit ?",
            [Arg::Int(limit.clamp(1, 1000))],
        );
        let rows: Vec<Row> = crate::store::on_pool!(&self.pool, |c| crate::store::bind_once!(
            c,
            sqlx::query_as::<_, Row>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|r| OpenStep {
                person_id: r.0,
                person_name: r.1,
                checklist_id: r.2,
                kind: ChecklistKind::parse(&r.3).unwrap_or(ChecklistKind::Onboarding),
                step: Step {
                    number: r.4,
                    title: r.5,
                    owner: r.6,
                    due_on: r.7,
                    asset_id: r.8,
                    done_at: None,
                    done_by: None,
                    note: r.9,
                },
            })
            .collect())
    }

    /// Leavers (offboarding) with open steps, and how many of those steps are about assets
    /// still to be returned: (people, open steps, assets).
    pub async fn offboarding_open(&self) -> Result<(i64, i64, i64)> {
        let (people, steps, assets): (i64, i64, i64) = pool_query!(
            self,
            fetch_one,
            (i64, i64, i64),
            "select count(distinct c.person_id), count(*), count(s.asset_id)
             from checklist_step s join checklist c on c.checklist_id = s.checklist_id
             where s.done_at is null and c.kind = 'offboarding'"
        )?;
        Ok((people, steps, assets))
    }

    /// The assets a person owns or holds (by e-mail), as (id, name).
    pub async fn assets_held(&self, email: &str) -> Result<Vec<(String, String)>> {
        if email.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<(String, String)> = pool_query!(
            self,
            fetch_all,
            (String, String),
            "select asset_id, name from asset where (owner = $1 or custodian = $1) and lifecycle <> 'disposed' order by asset_id limit 500",
            email
        )?;
        Ok(rows)
    }
}
