//! The risk register's use cases: reading the register and a risk, creating, editing and
//! accepting risks, importing them. Each write checks who may do it, opens the transaction,
//! reads the risk (its row locked) and the matrix inside it, checks the writer's revision,
//! applies the domain's rules (levels from the matrix, acceptance renewal, the threshold),
//! writes and audits.

use super::domain::{
    Acceptance, RatingKind, Risk, RiskDraft, RiskFilter, RiskInput, RiskQuery, check_acceptance,
    lapses,
};
use super::store;
use crate::domain::ImportReport;
use crate::domain::query::Page;
use crate::domain::user::OWNERS;
use crate::error::{Error, Result};
use crate::registers::matrix::domain::Matrix;
use crate::service::{Actor, Ctx, Expected, check_revision, finish_edit, keep_id};

/// Managers and admins edit every risk; a contributor edits the risks they own.
pub fn may_edit(actor: &Actor, r: &Risk) -> bool {
    actor.may_edit_owned(&r.owner)
}

/// Whether the actor may accept the risk's residual level: its editors, and above the
/// matrix's threshold only managers and admins.
pub fn may_accept(actor: &Actor, r: &Risk, m: &Matrix) -> bool {
    if m.acceptable(&r.target.level) {
        may_edit(actor, r)
    } else {
        actor.is_editor()
    }
}

/// A page of the register.
#[tracing::instrument(name = "risk.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: &RiskQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Risk>> {
    ctx.require_reader()?;
    let filter = q.filter.resolved(&ctx.store().risk_matrix().await?)?;
    ctx.store()
        .list_risks(&filter, q.sort, cursor, limit)
        .await
        // A cursor that is not one is a problem of the query string.
        .map_err(crate::domain::query::as_query_error)
}

/// Every risk of a query, in its order (exports, the command line).
#[tracing::instrument(name = "risk.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, q: &RiskQuery) -> Result<Vec<Risk>> {
    ctx.require_reader()?;
    let filter = q.filter.resolved(&ctx.store().risk_matrix().await?)?;
    ctx.store().all_risks_sorted(&filter, q.sort).await
}

/// How many risks match a filter (up to the register's count cap, and whether it capped).
/// The counts are kept until the register changes: the dashboard's attention lists (filters on
/// a day carry the day, so a new day counts anew).
#[tracing::instrument(name = "risk.count_matching", skip_all, fields(actor = %ctx.who()))]
pub async fn count_matching(ctx: &Ctx, f: &RiskFilter) -> Result<(i64, bool)> {
    ctx.require_reader()?;
    let generation = ctx.store().generation("risk").await?;
    if let Some(n) = ctx.caches().risk_counts.get(f, generation) {
        return Ok(n);
    }
    let n = ctx.store().risk_count_matching(f).await?;
    ctx.caches().risk_counts.put(f.clone(), generation, n);
    Ok(n)
}

/// How many risks there are.
#[tracing::instrument(name = "risk.count", skip_all, fields(actor = %ctx.who()))]
pub async fn count(ctx: &Ctx) -> Result<i64> {
    ctx.require_reader()?;
    ctx.store().risk_count().await
}

/// The heat map of a rating: (likelihood, impact, risks) per cell, closed risks left out.
/// The counts are kept until the register changes (one small query tells).
#[tracing::instrument(name = "risk.heat_map", skip_all, fields(actor = %ctx.who()))]
pub async fn heat_map(ctx: &Ctx, kind: RatingKind) -> Result<Vec<(i64, i64, i64)>> {
    ctx.require_reader()?;
    let generation = ctx.store().generation("risk").await?;
    if let Some(counts) = ctx.caches().heat.get(&kind, generation) {
        return Ok(counts);
    }
    let counts = ctx.store().heat_map(kind).await?;
    ctx.caches().heat.put(kind, generation, counts.clone());
    Ok(counts)
}

#[tracing::instrument(name = "risk.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Risk> {
    ctx.require_reader()?;
    ctx.store().risk(id).await
}

/// Every acceptance of a risk, newest first.
#[tracing::instrument(name = "risk.acceptances", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn acceptances(ctx: &Ctx, id: &str) -> Result<Vec<Acceptance>> {
    ctx.require_reader()?;
    ctx.store().risk_acceptances(id).await
}

/// Creates a risk (managers and admins). Levels are read from the matrix as it stands in the
/// write.
#[tracing::instrument(name = "risk.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &RiskInput) -> Result<Risk> {
    ctx.require_editor()?;
    let mut tx = ctx.write().await?;
    let risk = create_within(ctx, &mut tx, input).await?;
    tx.commit().await?;
    Ok(risk)
}

/// Creates a risk inside another register's write (the lessons of an incident), checked as
/// one typed by a person, with its audit entry; the caller holds the rights.
pub(crate) async fn create_within(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    input: &RiskInput,
) -> Result<Risk> {
    let m = crate::registers::matrix::store::read_matrix(tx).await?;
    let draft = input.parse_entered(&m)?;
    let risk = store::insert(tx, &draft).await?;
    tx.audit(ctx.change("risk.create", "risk", &risk.id).after(&risk))
        .await?;
    tell_owner(ctx, tx, &risk, None).await?;
    Ok(risk)
}

/// Tells an open risk's new owner it is theirs, in the write that made it so.
async fn tell_owner(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    r: &Risk,
    before_owner: Option<&str>,
) -> Result<()> {
    if r.status == super::domain::RiskStatus::Closed {
        return Ok(());
    }
    let task = crate::registers::task::domain::Task::of_record(
        crate::registers::task::domain::TaskKind::RiskReview,
        &r.id,
        &r.title,
        &r.owner,
        r.review_due_on.clone(),
    );
    crate::registers::notify::service_outbox::record_assigned_within(
        ctx,
        tx,
        &task,
        before_owner,
        r.revision,
    )
    .await
}

/// Replaces a risk's fields (managers and admins; a contributor for the risks they own). A
/// writer who saw an older revision is refused with who changed what since. A change of the
/// residual rating or the treatment marks the acceptance for renewal.
#[tracing::instrument(name = "risk.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(ctx: &Ctx, id: &str, expected: Expected, input: &RiskInput) -> Result<Risk> {
    Ok(edit(ctx, id, expected, |_| Ok(input.clone())).await?.1)
}

/// Changes a risk from what is stored: `change` gets the stored risk as input and answers
/// the new input, all inside one write (the command line's `risk edit`, which changes only
/// the flags given). Answers the risk before and after; the audit entry's "before" is what
/// `change` saw.
#[tracing::instrument(name = "risk.edit", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn edit(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    change: impl FnOnce(RiskInput) -> Result<RiskInput>,
) -> Result<(Risk, Risk)> {
    ctx.require(OWNERS)?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    if !may_edit(&ctx.actor, &before) {
        return Err(Error::Forbidden);
    }
    check_revision(&mut tx, "risk", id, id, before.revision, expected).await?;
    let input = change(RiskInput::from(&before))?;
    keep_id(input.id.as_deref(), id, "a risk")?;
    let m = crate::registers::matrix::store::read_matrix(&mut tx).await?;
    let mut draft: RiskDraft = input.parse_entered(&m)?;
    draft.id = Some(id.to_string());
    let renew = before
        .acceptance
        .as_ref()
        .filter(|a| lapses(a, &draft))
        .map(|a| a.id.clone());
    let after = store::update(&mut tx, id, &draft, renew.as_deref()).await?;
    tell_owner(ctx, &mut tx, &after, Some(&before.owner)).await?;
    finish_edit(ctx, tx, "risk.update", "risk", id, before, after).await
}

/// Records the acceptance of a risk's residual level by its owner (or a manager or admin;
/// above the threshold only those, and with a rationale), until a date in the future. The
/// acceptance keeps the ratings and treatment accepted.
#[tracing::instrument(name = "risk.accept", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn accept(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    rationale: &str,
    valid_until: &str,
) -> Result<Risk> {
    ctx.require(OWNERS)?;
    let mut tx = ctx.write().await?;
    let risk = store::lock(&mut tx, id).await?;
    if !may_edit(&ctx.actor, &risk) {
        return Err(Error::Forbidden);
    }
    check_revision(&mut tx, "risk", id, id, risk.revision, expected).await?;
    let m = crate::registers::matrix::store::read_matrix(&mut tx).await?;
    let (rationale, until) = check_acceptance(
        &risk,
        &m,
        ctx.actor.is_editor(),
        rationale,
        valid_until,
        &ctx.today(),
    )?;
    let after = store::insert_acceptance(&mut tx, &risk, ctx.who(), &rationale, &until).await?;
    tx.audit(
        ctx.change("risk.accept", "risk", id)
            .before(&risk.acceptance)
            .after(&after.acceptance),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Creates or updates (matching on id) many risks in one transaction (managers and admins):
/// every row is checked before anything is written; a dry run writes nothing. `upload`, the
/// reviewed upload the rows came from, is consumed by the import.
#[tracing::instrument(name = "risk.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<(usize, RiskDraft)>,
    how: crate::exchange::import::Writing<'_>,
    rated_on: &Matrix,
    adopt: Option<&Matrix>,
) -> Result<ImportReport> {
    let mut importing = Importing::start(ctx, how, rated_on, adopt).await?;
    importing.add(rows).await?;
    importing.finish().await
}

/// An import of risks taken a batch at a time, in one transaction (managers and admins): each
/// batch is checked (ids, assets and measures it names) and written; the transaction commits
/// only if no row had a problem. A dry run (or an import with a problem) writes nothing.
pub struct Importing<'a> {
    ctx: &'a Ctx,
    tx: crate::store::Tx,
    seen: crate::store::SeenIds,
    /// The register's indexes, built again at the end of a large import.
    bulk: crate::store::BulkIndexes,
    report: ImportReport,
    dry_run: bool,
    /// A row had a problem (or the caller refused the file): rows are only checked now.
    refused: bool,
    upload: Option<String>,
}

impl<'a> Importing<'a> {
    /// Opens the import's transaction: the rows' levels were worked out on `rated_on` (or on
    /// the matrix `adopt`ed now, in the same transaction).
    #[tracing::instrument(name = "risk.import.start", skip_all, fields(actor = %ctx.who()))]
    pub async fn start(
        ctx: &'a Ctx,
        how: crate::exchange::import::Writing<'_>,
        rated_on: &Matrix,
        adopt: Option<&Matrix>,
    ) -> Result<Importing<'a>> {
        ctx.require_editor()?;
        let mut tx = ctx.store().import_tx(how.dry_run).await?;
        if !how.dry_run {
            crate::registers::matrix::service::keep_or_adopt(ctx, &mut tx, rated_on, adopt).await?;
        }
        let bulk = crate::store::BulkIndexes::of(store::TABLES, Some("risk_text"), &mut tx).await?;
        Ok(Importing {
            ctx,
            tx,
            seen: Default::default(),
            bulk,
            report: ImportReport::default(),
            dry_run: how.dry_run,
            refused: false,
            upload: how.upload.map(str::to_string),
        })
    }

    /// The import fills a new store no one reads until it commits (`annex demo`): its
    /// indexes are built at its end on PostgreSQL too (`BulkIndexes::alone`).
    pub(crate) fn alone(mut self) -> Self {
        self.bulk.alone();
        self
    }

    /// Checks a batch and, while no row had a problem, writes it.
    #[tracing::instrument(name = "risk.import.batch", skip_all, fields(rows = rows.len()))]
    pub async fn add(&mut self, rows: Vec<(usize, RiskDraft)>) -> Result<()> {
        let write = !self.dry_run && !self.refused;
        match store::import(&mut self.tx, self.ctx.who(), rows, &mut self.seen, write).await {
            Ok(report) => {
                let written = report.created_count() + report.updated_count();
                self.report.add(report);
                if write {
                    self.bulk.wrote(&mut self.tx, written).await?;
                }
                Ok(())
            }
            Err(e) => {
                self.refused = true;
                Err(e)
            }
        }
    }

    /// Nothing more is written, and the import ends without a write.
    pub fn refuse(&mut self) {
        self.refused = true;
    }

    /// Commits, unless a dry run or refused.
    #[tracing::instrument(name = "risk.import.finish", skip_all)]
    pub async fn finish(mut self) -> Result<ImportReport> {
        if self.dry_run || self.refused {
            self.bulk.abandon(&mut self.tx).await?;
            return Ok(self.report);
        }
        self.bulk.rebuild(&mut self.tx).await?;
        crate::registers::imports::service::commit(self.ctx, self.tx, self.upload.as_deref())
            .await?;
        // Alone, the caller refreshes the statistics (`annex demo`, which needs them at once).
        if !self.bulk.is_alone() {
            self.ctx.store().refresh_statistics_soon();
        }
        Ok(self.report)
    }
}

/// The matrix the risks are rated on.
#[tracing::instrument(name = "risk.matrix", skip_all, fields(actor = %ctx.who()))]
pub async fn matrix(ctx: &Ctx) -> Result<Matrix> {
    crate::registers::matrix::service::get(ctx).await
}
