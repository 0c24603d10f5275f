//! Risks in the store: create and update with their assets and measures (levels derived from
//! the matrix and stored for filters and the heat map), acceptance of the residual risk
//! (marked for renewal when the ratings or treatment change), the register and heat-map counts.

use super::{Arg, Sql, Store, Tx, bind_args, on_pool, pool_query, tx_exec, tx_query};
use crate::domain::audit::Change;
use crate::domain::matrix::Matrix;
use crate::domain::risk::{Acceptance, Accepted, Rating, Risk, RiskDraft, Treatment};
use crate::error::{Error, FieldError, Result};
use crate::store::Page;
use sqlx::Row;

/// A risk row (20 columns: more than sqlx's tuples hold, so read by position).
struct RiskRow(Risk);

macro_rules! risk_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for RiskRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let rating = |l: usize| -> sqlx::Result<Rating> {
                    Ok(Rating {
                        likelihood: r.try_get(l)?,
                        impact: r.try_get(l + 1)?,
                        level: r.try_get(l + 2)?,
                    })
                };
                let treatment: String = r.try_get(16)?;
                Ok(RiskRow(Risk {
                    id: r.try_get(0)?,
                    title: r.try_get(1)?,
                    threat: r.try_get(2)?,
                    vulnerability: r.try_get(3)?,
                    consequence: r.try_get(4)?,
                    owner: r.try_get(5)?,
                    category: r.try_get(6)?,
                    inherent: rating(7)?,
                    current: rating(10)?,
                    target: rating(13)?,
                    treatment: Treatment::parse(&treatment).unwrap_or(Treatment::Modify),
                    review_due_on: r.try_get(17)?,
                    created_at: r.try_get(18)?,
                    updated_at: r.try_get(19)?,
                    assets: Vec::new(),
                    measures: Vec::new(),
                    acceptance: None,
                }))
            }
        }
    };
}
risk_from_row!(sqlx::sqlite::SqliteRow);
risk_from_row!(sqlx::postgres::PgRow);

const COLUMNS: &str = "r.risk_id, r.title, r.threat, r.vulnerability, r.consequence, r.owner, r.category, \
     r.inherent_likelihood, r.inherent_impact, r.inherent_level, r.current_likelihood, r.current_impact, r.current_level, \
     r.target_likelihood, r.target_impact, r.target_level, r.treatment, r.review_due_on, r.created_at, r.updated_at";

/// Which risks to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RiskFilter {
    /// Residual (target) level key.
    pub level: Option<String>,
    pub owner: Option<String>,
    pub treatment: Option<Treatment>,
    pub asset: Option<String>,
    pub measure: Option<String>,
    /// A control (framework, id): risks treated by a measure that implements it.
    pub control: Option<(String, String)>,
    /// Heat-map cell: (which rating, likelihood, impact).
    pub cell: Option<(RatingKind, i64, i64)>,
    pub text: Option<String>,
    /// Risks whose review date is before this day.
    pub review_overdue_on: Option<String>,
    /// Risks whose newest acceptance has expired before this day or needs renewal.
    pub acceptance_lapsed_on: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingKind {
    Inherent,
    Current,
    Target,
}

impl RatingKind {
    pub fn parse(raw: &str) -> Option<RatingKind> {
        match raw {
            "inherent" => Some(RatingKind::Inherent),
            "current" => Some(RatingKind::Current),
            "target" | "residual" => Some(RatingKind::Target),
            _ => None,
        }
    }

    fn prefix(self) -> &'static str {
        match self {
            RatingKind::Inherent => "inherent",
            RatingKind::Current => "current",
            RatingKind::Target => "target",
        }
    }
}

fn where_filter(sql: &mut Sql, f: &RiskFilter) {
    if let Some(l) = &f.level {
        sql.push(" and r.target_level = ?", [Arg::Text(l.clone())]);
    }
    if let Some(o) = &f.owner {
        sql.push(" and r.owner = ?", [Arg::Text(o.clone())]);
    }
    if let Some(t) = f.treatment {
        sql.push(" and r.treatment = ?", [Arg::Text(t.key().into())]);
    }
    if let Some(a) = &f.asset {
        sql.push(
            " and r.risk_id in (select ra.risk_id from risk_asset ra where ra.asset_id = ?)",
            [Arg::Text(a.clone())],
        );
    }
    if let Some(m) = &f.measure {
        sql.push(
            " and r.risk_id in (select rm.risk_id from risk_measure rm where rm.measure_id = ?)",
            [Arg::Text(m.clone())],
        );
    }
    if let Some((fw, id)) = &f.control {
        sql.push(
            " and r.risk_id in (select rm.risk_id from risk_measure rm join measure_control mc on mc.measure_id = rm.measure_id
                                where mc.framework_id = ? and mc.control_id = ?)",
            [Arg::Text(fw.clone()), Arg::Text(id.clone())],
        );
    }
    if let Some((kind, l, i)) = f.cell {
        let p = kind.prefix();
        sql.push(
            &format!(" and r.{p}_likelihood = ? and r.{p}_impact = ?"),
            [Arg::Int(l), Arg::Int(i)],
        );
    }
    if let Some(day) = &f.review_overdue_on {
        sql.push(" and r.review_due_on < ?", [Arg::Text(day.clone())]);
    }
    if let Some(day) = &f.acceptance_lapsed_on {
        sql.push(
            " and r.risk_id in (select a.risk_id from risk_acceptance a
                                where (a.needs_renewal or a.valid_until < ?)
                                  and a.accepted_at = (select max(b.accepted_at) from risk_acceptance b where b.risk_id = a.risk_id))",
            [Arg::Text(day.clone())],
        );
    }
    if let Some(q) = &f.text {
        sql.push_text_search(&["r.title", "r.risk_id", "r.threat"], q);
    }
}

async fn read_risk(tx: &mut Tx, id: &str) -> Result<Risk> {
    let r: Option<RiskRow> = tx_query!(
        tx,
        fetch_optional,
        RiskRow,
        &format!("select {COLUMNS} from risk r where r.risk_id = $1"),
        id
    )?;
    let mut risk = r.ok_or_else(|| Error::NotFound(format!("risk {id}")))?.0;
    let assets: Vec<(String,)> = tx_query!(
        tx,
        fetch_all,
        (String,),
        "select asset_id from risk_asset where risk_id = $1 order by asset_id",
        id
    )?;
    let measures: Vec<(String,)> = tx_query!(
        tx,
        fetch_all,
        (String,),
        "select measure_id from risk_measure where risk_id = $1 order by measure_id",
        id
    )?;
    risk.assets = assets.into_iter().map(|a| a.0).collect();
    risk.measures = measures.into_iter().map(|m| m.0).collect();
    type AccRow = (String, String, String, String, String, String, bool);
    let acc: Option<AccRow> = tx_query!(
        tx,
        fetch_optional,
        AccRow,
        "select risk_acceptance_id, accepted_by, accepted_at, rationale, valid_until, accepted_json, needs_renewal
         from risk_acceptance where risk_id = $1 order by accepted_at desc, risk_acceptance_id desc limit 1",
        id
    )?;
    risk.acceptance = match acc {
        None => None,
        Some((aid, by, at, rationale, until, json, renew)) => Some(Acceptance {
            id: aid,
            accepted_by: by,
            accepted_at: at,
            rationale,
            valid_until: until,
            accepted: serde_json::from_str(&json).map_err(|e| {
                Error::Internal(anyhow::anyhow!("acceptance of {id} cannot be read: {e}"))
            })?,
            needs_renewal: renew,
        }),
    };
    Ok(risk)
}

/// Writes a risk's assets and measures; unknown ids are named.
async fn write_links(tx: &mut Tx, id: &str, draft: &RiskDraft) -> Result<()> {
    let mut problems = Vec::new();
    for a in &draft.assets {
        let found: Option<(String,)> = tx_query!(
            tx,
            fetch_optional,
            (String,),
            "select asset_id from asset where asset_id = $1",
            a
        )?;
        if found.is_none() {
            problems.push(FieldError::new("assets", format!("there is no asset {a}")));
        } else {
            tx_exec!(
                tx,
                "insert into risk_asset (risk_id, asset_id) values ($1, $2)",
                id,
                a
            )?;
        }
    }
    for m in &draft.measures {
        let found: Option<(String,)> = tx_query!(
            tx,
            fetch_optional,
            (String,),
            "select measure_id from measure where measure_id = $1",
            m
        )?;
        if found.is_none() {
            problems.push(FieldError::new(
                "measures",
                format!("there is no measure {m}"),
            ));
        } else {
            tx_exec!(
                tx,
                "insert into risk_measure (risk_id, measure_id) values ($1, $2)",
                id,
                m
            )?;
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Validation(problems))
    }
}

impl Store {
    pub async fn create_risk(&self, actor: &str, draft: RiskDraft) -> Result<Risk> {
        let mut tx = self.write().await?;
        let id = match &draft.id {
            Some(id) => {
                let taken: Option<(String,)> = tx_query!(
                    tx,
                    fetch_optional,
                    (String,),
                    "select risk_id from risk where risk_id = $1",
                    id
                )?;
                if taken.is_some() {
                    return Err(Error::field(
                        "id",
                        format!("a risk with the id {id} already exists"),
                    ));
                }
                id.clone()
            }
            None => {
                super::asset::next_id(
                    &mut tx,
                    "risk",
                    "R",
                    "select risk_id from risk where risk_id = $1",
                )
                .await?
            }
        };
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "insert into risk (risk_id, title, threat, vulnerability, consequence, owner, category,
                               inherent_likelihood, inherent_impact, inherent_level, current_likelihood, current_impact, current_level,
                               target_likelihood, target_impact, target_level, treatment, review_due_on, created_at, updated_at)
             values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $19)",
            &id,
            &draft.title,
            &draft.threat,
            &draft.vulnerability,
            &draft.consequence,
            &draft.owner,
            &draft.category,
            draft.inherent.likelihood,
            draft.inherent.impact,
            &draft.inherent.level,
            draft.current.likelihood,
            draft.current.impact,
            &draft.current.level,
            draft.target.likelihood,
            draft.target.impact,
            &draft.target.level,
            draft.treatment.key(),
            &draft.review_due_on,
            &now
        )?;
        write_links(&mut tx, &id, &draft).await?;
        let risk = read_risk(&mut tx, &id).await?;
        tx.audit(Change::new(actor, "risk.create", "risk", &id).after(&risk))
            .await?;
        tx.commit().await?;
        Ok(risk)
    }

    /// Updates a risk. A change to its ratings or treatment marks its acceptance for renewal.
    pub async fn update_risk(&self, actor: &str, id: &str, draft: RiskDraft) -> Result<Risk> {
        if draft.id.as_deref().is_some_and(|d| d != id) {
            return Err(Error::field("id", "the id of a risk cannot be changed"));
        }
        let mut tx = self.write().await?;
        let before = read_risk(&mut tx, id).await?;
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "update risk set title = $2, threat = $3, vulnerability = $4, consequence = $5, owner = $6, category = $7,
                             inherent_likelihood = $8, inherent_impact = $9, inherent_level = $10,
                             current_likelihood = $11, current_impact = $12, current_level = $13,
                             target_likelihood = $14, target_impact = $15, target_level = $16,
                             treatment = $17, review_due_on = $18, updated_at = $19
             where risk_id = $1",
            id,
            &draft.title,
            &draft.threat,
            &draft.vulnerability,
            &draft.consequence,
            &draft.owner,
            &draft.category,
            draft.inherent.likelihood,
            draft.inherent.impact,
            &draft.inherent.level,
            draft.current.likelihood,
            draft.current.impact,
            &draft.current.level,
            draft.target.likelihood,
            draft.target.impact,
            &draft.target.level,
            draft.treatment.key(),
            &draft.review_due_on,
            &now
        )?;
        tx_exec!(tx, "delete from risk_asset where risk_id = $1", id)?;
        tx_exec!(tx, "delete from risk_measure where risk_id = $1", id)?;
        write_links(&mut tx, id, &draft).await?;
        if let Some(acc) = &before.acceptance
            && !acc.needs_renewal
            && (acc.accepted.target != draft.target || acc.accepted.treatment != draft.treatment)
        {
            tx_exec!(
                tx,
                "update risk_acceptance set needs_renewal = $1 where risk_acceptance_id = $2",
                true,
                &acc.id
            )?;
        }
        let after = read_risk(&mut tx, id).await?;
        let mut same = after.clone();
        same.updated_at = before.updated_at.clone();
        if same == before {
            return Ok(before);
        }
        tx.audit(
            Change::new(actor, "risk.update", "risk", id)
                .before(&before)
                .after(&after),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    /// Records the acceptance of a risk's residual level, keeping the ratings accepted.
    pub async fn accept_risk(
        &self,
        actor: &str,
        id: &str,
        rationale: &str,
        valid_until: &str,
    ) -> Result<Risk> {
        let mut tx = self.write().await?;
        let risk = read_risk(&mut tx, id).await?;
        let acc_id = uuid::Uuid::new_v4().to_string();
        let accepted = Accepted {
            target: risk.target.clone(),
            treatment: risk.treatment,
        };
        let json = serde_json::to_string(&accepted).map_err(|e| Error::Internal(e.into()))?;
        let now = tx.now().to_string();
        tx_exec!(
            tx,
            "insert into risk_acceptance (risk_acceptance_id, risk_id, accepted_by, accepted_at, rationale, valid_until, accepted_json, needs_renewal)
             values ($1, $2, $3, $4, $5, $6, $7, $8)",
            &acc_id,
            id,
            actor,
            &now,
            rationale,
            valid_until,
            &json,
            false
        )?;
        let after = read_risk(&mut tx, id).await?;
        tx.audit(
            Change::new(actor, "risk.accept", "risk", id)
                .before(&risk.acceptance)
                .after(&after.acceptance),
        )
        .await?;
        tx.commit().await?;
        Ok(after)
    }

    pub async fn risk(&self, id: &str) -> Result<Risk> {
        // One read transaction: the risk, its links and its acceptance are seen together.
        let mut tx = self.read_tx().await?;
        read_risk(&mut tx, id).await
    }

    /// The risk register, by id; filters combine with AND.
    pub async fn list_risks(
        &self,
        f: &RiskFilter,
        cursor: Option<&str>,
        limit: i64,
    ) -> Result<Page<Risk>> {
        let limit = limit.clamp(1, 500);
        let mut count = Sql::new("from risk r where 1 = 1");
        where_filter(&mut count, f);
        let (total, total_capped) = self.capped_count(&count).await?;
        let mut sql = Sql::new(&format!("select {COLUMNS} from risk r where 1 = 1"));
        where_filter(&mut sql, f);
        if let Some(c) = cursor.filter(|c| !c.is_empty()) {
            sql.push(" and r.risk_id > ?", [Arg::Text(c.to_string())]);
        }
        sql.push(" order by r.risk_id limit ?", [Arg::Int(limit + 1)]);
        let rows: Vec<RiskRow> = on_pool!(&self.pool, |c| bind_args!(
            sqlx::query_as::<_, RiskRow>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        let more = rows.len() as i64 > limit;
        let mut items: Vec<Risk> = rows.into_iter().take(limit as usize).map(|r| r.0).collect();
        self.attach_acceptances(&mut items).await?;
        self.attach_links(&mut items).await?;
        let next_cursor = if more {
            items.last().map(|r| r.id.clone())
        } else {
            None
        };
        Ok(Page {
            items,
            total,
            total_capped,
            next_cursor,
        })
    }

    /// Every risk matching a filter (exports).
    pub async fn all_risks(&self, f: &RiskFilter) -> Result<Vec<Risk>> {
        super::collect_pages(
            |cursor| async move { self.list_risks(f, cursor.as_deref(), 500).await },
        )
        .await
    }

    /// Puts each risk's asset and measure ids on it (two queries for the page).
    async fn attach_links(&self, items: &mut [Risk]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let ids: Vec<String> = items.iter().map(|r| r.id.clone()).collect();
        for (id, asset) in self
            .link_values("risk_asset", "risk_id", "asset_id", &ids)
            .await?
        {
            if let Some(r) = items.iter_mut().find(|r| r.id == id) {
                r.assets.push(asset);
            }
        }
        for (id, measure) in self
            .link_values("risk_measure", "risk_id", "measure_id", &ids)
            .await?
        {
            if let Some(r) = items.iter_mut().find(|r| r.id == id) {
                r.measures.push(measure);
            }
        }
        Ok(())
    }

    /// Puts each risk's newest acceptance on it (one query for the page).
    async fn attach_acceptances(&self, items: &mut [Risk]) -> Result<()> {
        if items.is_empty() {
            return Ok(());
        }
        let mut sql = Sql::new(
            "select risk_id, risk_acceptance_id, accepted_by, accepted_at, rationale, valid_until, accepted_json, needs_renewal
             from risk_acceptance where risk_id in ",
        );
        sql.push_in(items.iter().map(|x| &x.id));
        sql.push(" order by accepted_at, risk_acceptance_id", []);
        type Row = (String, String, String, String, String, String, String, bool);
        let rows: Vec<Row> = on_pool!(&self.pool, |c| bind_args!(
            sqlx::query_as::<_, Row>(&sql.text),
            &sql.args
        )
        .fetch_all(c)
        .await)?;
        for (rid, aid, by, at, rationale, until, json, renew) in rows {
            if let (Some(r), Ok(accepted)) = (
                items.iter_mut().find(|r| r.id == rid),
                serde_json::from_str(&json),
            ) {
                r.acceptance = Some(Acceptance {
                    id: aid,
                    accepted_by: by,
                    accepted_at: at,
                    rationale,
                    valid_until: until,
                    accepted,
                    needs_renewal: renew,
                });
            }
        }
        Ok(())
    }

    /// How many risks sit in each (likelihood, impact) cell of a rating.
    pub async fn heat_map(&self, kind: RatingKind) -> Result<Vec<(i64, i64, i64)>> {
        let p = kind.prefix();
        Ok(pool_query!(
            self,
            fetch_all,
            (i64, i64, i64),
            &format!(
                "select {p}_likelihood, {p}_impact, count(*) from risk group by {p}_likelihood, {p}_impact"
            )
        )?)
    }

    pub async fn risk_count(&self) -> Result<i64> {
        let (n,): (i64,) = pool_query!(self, fetch_one, (i64,), "select count(*) from risk")?;
        Ok(n)
    }

    /// Re-derives every stored level after a change of the grid (ratings keep their values).
    pub(crate) async fn relevel_risks(tx: &mut Tx, m: &Matrix) -> Result<()> {
        for kind in [
            RatingKind::Inherent,
            RatingKind::Current,
            RatingKind::Target,
        ] {
            let p = kind.prefix();
            for (li, row) in m.grid.iter().enumerate() {
                for (ii, key) in row.iter().enumerate() {
                    tx_exec!(
                        tx,
                        &format!(
                            "update risk set {p}_level = $1 where {p}_likelihood = $2 and {p}_impact = $3 and {p}_level <> $1"
                        ),
                        key,
                        li as i64 + 1,
                        ii as i64 + 1
                    )?;
                }
            }
        }
        Ok(())
    }
}
