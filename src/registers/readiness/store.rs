//! The facts certification readiness rests on, read from the registers: open, stale and
//! untreated risks, lapsed acceptances, overdue measures, evidence expiring soon.

use super::domain::RiskFacts;
use crate::error::Result;
use crate::registers::evidence::domain::add_days;
use crate::store::{Store, pool_query};

impl Store {
    /// How many rows a condition keeps, and the first five ids (`from_where` is
    /// `from table where …`, with `$1`, `$2` for `args`).
    async fn count_and_examples(
        &self,
        from_where: &str,
        id: &str,
        args: &[&str],
    ) -> Result<(i64, Vec<String>)> {
        let count_sql = format!("select count(*) {from_where}");
        let ids_sql = format!("select {id} {from_where} order by {id} limit 5");
        let (n,): (i64,) = crate::store::on_pool!(&self.pool, |c| {
            let mut q = sqlx::query_as::<_, (i64,)>(&count_sql);
            for a in args {
                q = q.bind(*a);
            }
            q.fetch_one(c).await
        })?;
        let ids: Vec<(String,)> = crate::store::on_pool!(&self.pool, |c| {
            let mut q = sqlx::query_as::<_, (String,)>(&ids_sql);
            for a in args {
                q = q.bind(*a);
            }
            q.fetch_all(c).await
        })?;
        Ok((n, ids.into_iter().map(|r| r.0).collect()))
    }

    /// The facts about risks, measures and evidence that readiness rests on.
    pub async fn risk_facts(&self) -> Result<RiskFacts> {
        let today = self.today();
        let cutoff = add_days(&today, -365);
        let (open,): (i64,) = pool_query!(
            self,
            fetch_one,
            (i64,),
            "select count(*) from risk where status <> 'closed'"
        )?;
        let (stale, stale_examples) = self
            .count_and_examples(
                "from risk where status <> 'closed' and updated_at < $1",
                "risk_id",
                &[&cutoff],
            )
            .await?;
        let (review_overdue, _) = self
            .count_and_examples(
                "from risk where status <> 'closed' and review_due_on < $1",
                "risk_id",
                &[&today],
            )
            .await?;
        let (no_owner, no_owner_examples) = self
            .count_and_examples(
                "from risk where status <> 'closed' and trim(owner) = ''",
                "risk_id",
                &[],
            )
            .await?;
        let (rating_unexplained, rating_unexplained_examples) = self
            .count_and_examples(
                "from risk where status <> 'closed' and trim(rating_reason) = ''
                 and (current_likelihood > inherent_likelihood or current_impact > inherent_impact
                      or target_likelihood > inherent_likelihood or target_impact > inherent_impact)",
                "risk_id",
                &[],
            )
            .await?;
        let (untreated, untreated_examples) = self
            .count_and_examples(
                "from risk r where r.status <> 'closed' and r.treatment = 'modify'
                 and not exists (select 1 from risk_measure rm where rm.risk_id = r.risk_id)",
                "risk_id",
                &[],
            )
            .await?;
        let lapsed = crate::registers::risk::domain::RiskFilter {
            acceptance_lapsed_on: Some(today.clone()),
            ..Default::default()
        };
        let (acceptance_lapsed, _) = self.risk_count_matching(&lapsed).await?;
        let (measures_overdue, measures_overdue_examples) = self
            .count_and_examples(
                "from measure where status in ('planned', 'in_progress') and due_on < $1",
                "measure_id",
                &[&today],
            )
            .await?;
        let soon = add_days(&today, crate::registers::evidence::domain::EXPIRING_DAYS);
        let (evidence_expiring, evidence_expiring_examples) = self
            .count_and_examples(
                "from evidence where valid_until >= $1 and valid_until <= $2 and evidence_id not in (select evidence_id from scan_evidence)",
                "evidence_id",
                &[&today, &soon],
            )
            .await?;
        Ok(RiskFacts {
            open,
            stale,
            stale_examples,
            review_overdue,
            no_owner,
            no_owner_examples,
            rating_unexplained,
            rating_unexplained_examples,
            untreated,
            untreated_examples,
            acceptance_lapsed,
            measures_overdue,
            measures_overdue_examples,
            evidence_expiring,
            evidence_expiring_examples,
        })
    }
}
