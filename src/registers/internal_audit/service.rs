//! Internal audit's use cases: managers and admins keep the programmes and plan the audits
//! (refused when an auditor is not independent of the scope); the audit's team — managers,
//! admins, and users with the auditor role named on the audit — record checklist results and
//! findings; everyone signed in reads.

use super::domain::{
    AuditInput, AuditQuery, AuditStatus, Coverage, InternalAudit, Programme, ProgrammeInput,
    ScopeOwners, conflicts, coverage,
};
use super::domain_finding::{Finding, FindingInput, FindingQuery};
use super::store;
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::domain::query::Page;
use crate::domain::user::Role;
use crate::error::{Error, Result};
use crate::registers::imports::service_overlay::{self as overlay, Overlay};
use crate::service::{Ctx, Expected, check_revision};

/// The ids of the 2022 catalogue's controls, in its order.
pub(crate) async fn control_ids(ctx: &Ctx) -> Result<Vec<String>> {
    let cat = crate::registers::catalog::service::catalog(ctx, DEFAULT_FRAMEWORK).await?;
    Ok(cat.controls.iter().map(|c| c.id.clone()).collect())
}

fn as_strs(ids: &[String]) -> Vec<&str> {
    ids.iter().map(String::as_str).collect()
}

// ---- programmes ----

#[tracing::instrument(name = "audit_programme.list", skip_all, fields(actor = %ctx.who()))]
pub async fn programmes(ctx: &Ctx) -> Result<Vec<Programme>> {
    ctx.require_reader()?;
    ctx.store().audit_programmes().await
}

#[tracing::instrument(name = "audit_programme.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn programme(ctx: &Ctx, id: &str) -> Result<Programme> {
    ctx.require_reader()?;
    ctx.store().audit_programme(id).await
}

#[tracing::instrument(name = "audit_programme.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create_programme(ctx: &Ctx, input: &ProgrammeInput) -> Result<Programme> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let x = store::insert_programme(&mut tx, &d).await?;
    tx.audit(
        ctx.change("audit_programme.create", "audit_programme", &x.id)
            .after(&x),
    )
    .await?;
    tx.commit().await?;
    Ok(x)
}

#[tracing::instrument(name = "audit_programme.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update_programme(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ProgrammeInput,
) -> Result<Programme> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = store::lock_programme(&mut tx, id).await?;
    check_revision(
        &mut tx,
        "audit_programme",
        id,
        id,
        before.revision,
        expected,
    )
    .await?;
    crate::service::keep_id(d.id.as_deref(), id, "an audit programme")?;
    let outside: Vec<String> = store::audits_of_in(&mut tx, id)
        .await?
        .into_iter()
        .filter(|a| a.starts_on < d.starts_on || a.ends_on > d.ends_on)
        .map(|a| a.id)
        .collect();
    if !outside.is_empty() {
        return Err(Error::field(
            "starts_on",
            format!(
                "audits {} would fall outside the cycle {} to {}: move them first",
                outside.join(", "),
                d.starts_on,
                d.ends_on
            ),
        ));
    }
    let after = store::write_programme(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("audit_programme.update", "audit_programme", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A programme's coverage: every clause and applicable control, audited, planned or not yet.
#[tracing::instrument(name = "audit_programme.coverage", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn programme_coverage(
    ctx: &Ctx,
    id: &str,
) -> Result<(Programme, Vec<InternalAudit>, Coverage)> {
    ctx.require_reader()?;
    let p = ctx.store().audit_programme(id).await?;
    let audits = ctx.store().audits_of(id).await?;
    let rows = crate::registers::soa::service::rows(ctx, DEFAULT_FRAMEWORK).await?;
    let applicable: Vec<(String, String)> = rows
        .iter()
        .filter(|r| r.applicability.applicable == Some(true))
        .map(|r| (r.control.id.clone(), r.control.title.clone()))
        .collect();
    let c = coverage(&p.id, &audits, &applicable);
    Ok((p, audits, c))
}

// ---- audits ----

#[tracing::instrument(name = "internal_audit.list", skip_all, fields(actor = %ctx.who()))]
pub async fn audits(ctx: &Ctx, q: &AuditQuery) -> Result<Vec<InternalAudit>> {
    ctx.require_reader()?;
    ctx.store().internal_audits(q).await
}

#[tracing::instrument(name = "internal_audit.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn audit(ctx: &Ctx, id: &str) -> Result<InternalAudit> {
    ctx.require_reader()?;
    ctx.store().internal_audit(id).await
}

/// Why the team of an audit is not independent of its scope now (one sentence each): what
/// they own among its controls and measures, the roles that run what it audits.
#[tracing::instrument(name = "internal_audit.independence", skip_all, fields(actor = %ctx.who()))]
pub async fn independence(
    ctx: &Ctx,
    team: &[String],
    clauses: &[String],
    controls: &[String],
) -> Result<Vec<String>> {
    ctx.require_reader()?;
    let (owners, measures) = ctx
        .store()
        .scope_owners(DEFAULT_FRAMEWORK, controls)
        .await?;
    let roles = crate::registers::responsibility::service::all(ctx).await?;
    let o = ScopeOwners {
        controls: owners,
        measures,
        roles: roles
            .iter()
            .flat_map(|r| {
                r.holders
                    .iter()
                    .map(move |h| (h.clone(), r.id.clone(), r.kind))
            })
            .collect(),
    };
    Ok(conflicts(team, clauses, controls, &o))
}

/// The checks an audit's plan gets inside its write: its programme exists and its dates fall
/// within the cycle; its team is independent of its scope.
async fn check_plan(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    d: &super::domain::AuditDraft,
) -> Result<()> {
    let Some(p) = store::programme_in(tx, &d.programme).await? else {
        return Err(Error::field(
            "programme",
            format!("there is no audit programme {}", d.programme),
        ));
    };
    if d.starts_on < p.starts_on || d.ends_on > p.ends_on {
        return Err(Error::field(
            "starts_on",
            format!(
                "the audit ({} to {}) falls outside the cycle of {} ({} to {})",
                d.starts_on, d.ends_on, p.id, p.starts_on, p.ends_on
            ),
        ));
    }
    if matches!(d.status, AuditStatus::Planned | AuditStatus::InProgress) {
        let mut team = vec![d.lead.clone()];
        team.extend(d.auditors.iter().cloned());
        let c = independence(ctx, &team, &d.clauses, &d.controls).await?;
        if !c.is_empty() {
            return Err(Error::field(
                "lead",
                format!(
                    "the audit team is not independent of the scope: {}. Choose another auditor or take the item out of the scope.",
                    c.join("; ")
                ),
            ));
        }
    }
    Ok(())
}

/// Plans an audit (managers and admins).
#[tracing::instrument(name = "internal_audit.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create_audit(ctx: &Ctx, input: &AuditInput) -> Result<InternalAudit> {
    ctx.require_editor()?;
    let ids = control_ids(ctx).await?;
    let today = ctx.today();
    let d = input.parse(&as_strs(&ids), &today)?;
    let mut tx = ctx.write().await?;
    check_plan(ctx, &mut tx, &d).await?;
    let x = store::insert_audit(&mut tx, &d, &today).await?;
    tx.audit(
        ctx.change("internal_audit.create", "internal_audit", &x.id)
            .after(&x),
    )
    .await?;
    tx.commit().await?;
    Ok(x)
}

/// Changes an audit (managers and admins): its plan, its status, its conclusion.
#[tracing::instrument(name = "internal_audit.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update_audit(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &AuditInput,
) -> Result<InternalAudit> {
    ctx.require_editor()?;
    let ids = control_ids(ctx).await?;
    let today = ctx.today();
    let d = input.parse(&as_strs(&ids), &today)?;
    let mut tx = ctx.write().await?;
    let before = store::lock_audit(&mut tx, id).await?;
    check_revision(&mut tx, "internal_audit", id, id, before.revision, expected).await?;
    crate::service::keep_id(d.id.as_deref(), id, "an audit")?;
    let plan_changed = d.lead != before.lead
        || d.auditors != before.auditors
        || d.clauses != before.clauses
        || d.controls != before.controls
        || d.programme != before.programme
        || d.starts_on != before.starts_on
        || d.ends_on != before.ends_on;
    if plan_changed {
        check_plan(ctx, &mut tx, &d).await?;
    }
    let after = store::write_audit(&mut tx, id, &d, Some(&before), &today).await?;
    tx.audit(
        ctx.change("internal_audit.update", "internal_audit", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Whether the actor records results and findings of this audit: managers and admins, and
/// users with the auditor role on its team.
pub fn may_audit(ctx: &Ctx, a: &InternalAudit) -> bool {
    ctx.actor.is_editor()
        || (ctx.actor.has(&[Role::Auditor])
            && a.team()
                .iter()
                .any(|t| t.eq_ignore_ascii_case(&ctx.actor.name)))
}

/// Locks the audit a result or finding is recorded on, checks who records it and that the
/// audit is open to it, and starts a planned audit (audited).
pub(crate) async fn open_for_recording(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    audit: &str,
) -> Result<InternalAudit> {
    let a = match store::audit_in(tx, audit).await? {
        Some(_) => store::lock_audit(tx, audit).await?,
        None => {
            return Err(Error::field("audit", format!("there is no audit {audit}")));
        }
    };
    if !may_audit(ctx, &a) {
        return Err(Error::Forbidden);
    }
    match a.status {
        AuditStatus::Cancelled => Err(Error::Conflict(format!(
            "audit {} is cancelled: nothing more is recorded on it",
            a.id
        ))),
        AuditStatus::Planned => {
            let after = store::start_audit(tx, &a.id).await?;
            tx.audit(
                ctx.change("internal_audit.start", "internal_audit", &a.id)
                    .before(&a)
                    .after(&after),
            )
            .await?;
            Ok(after)
        }
        _ => Ok(a),
    }
}

// ---- findings ----

#[tracing::instrument(name = "finding.list", skip_all, fields(actor = %ctx.who()))]
pub async fn findings(
    ctx: &Ctx,
    q: &FindingQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Finding>> {
    ctx.require_reader()?;
    ctx.store()
        .list_findings(q, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every finding a query selects (exports).
#[tracing::instrument(name = "finding.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all_findings(ctx: &Ctx, q: &FindingQuery) -> Result<Vec<Finding>> {
    crate::store::collect_pages(
        |cursor| async move { findings(ctx, q, cursor.as_deref(), 500).await },
    )
    .await
}

#[tracing::instrument(name = "finding.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn finding(ctx: &Ctx, id: &str) -> Result<Finding> {
    ctx.require_reader()?;
    ctx.store().finding(id).await
}

/// Records a finding on an audit (its team).
#[tracing::instrument(name = "finding.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create_finding(ctx: &Ctx, input: &FindingInput) -> Result<Finding> {
    ctx.require(&[Role::Admin, Role::Manager, Role::Auditor])?;
    let ids = control_ids(ctx).await?;
    let d = input.parse(&as_strs(&ids), &ctx.today())?;
    let mut tx = ctx.write().await?;
    open_for_recording(ctx, &mut tx, &d.audit).await?;
    let x = store::insert_finding(&mut tx, &d, ctx.who()).await?;
    tx.audit(ctx.change("finding.create", "finding", &x.id).after(&x))
        .await?;
    tx.commit().await?;
    Ok(x)
}

/// Changes a finding (its audit's team), checking the revision.
#[tracing::instrument(name = "finding.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update_finding(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &FindingInput,
) -> Result<Finding> {
    ctx.require(&[Role::Admin, Role::Manager, Role::Auditor])?;
    let ids = control_ids(ctx).await?;
    let d = input.parse(&as_strs(&ids), &ctx.today())?;
    let mut tx = ctx.write().await?;
    let before = store::lock_finding(&mut tx, id).await?;
    check_revision(&mut tx, "finding", id, id, before.revision, expected).await?;
    crate::service::keep_id(d.id.as_deref(), id, "a finding")?;
    if d.audit != before.audit {
        return Err(Error::field(
            "audit",
            format!("finding {id} stays with audit {}", before.audit),
        ));
    }
    open_for_recording(ctx, &mut tx, &d.audit).await?;
    let after = store::write_finding(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("finding.update", "finding", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Imports findings (managers and admins): all rows or none; a row whose id is a finding of
/// Annex updates only the columns its file has, so an export imports back unchanged. A new
/// finding's audit must exist and not be cancelled.
#[tracing::instrument(name = "finding.import", skip_all, fields(actor = %ctx.who()))]
pub async fn import_findings(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    let rows_of = FindingRows {
        controls: control_ids(ctx).await?,
        today: ctx.today(),
        raised_by: ctx.who().to_string(),
        audits: Default::default(),
    };
    overlay::run(ctx, rows_of, rows, dry_run, upload).await
}

/// Findings as rows of a file: each stays with its audit, which must exist (and, for a new
/// finding, not be cancelled).
struct FindingRows {
    controls: Vec<String>,
    today: String,
    raised_by: String,
    /// Audit → its status (`None`: there is none).
    audits: std::collections::HashMap<String, Option<AuditStatus>>,
}

impl Overlay for FindingRows {
    type Draft = super::domain_finding::FindingDraft;
    type Record = Finding;
    const ENTITY: &'static str = "finding";
    const ACTION: &'static str = "finding";

    fn record_id(r: &Finding) -> &str {
        &r.id
    }

    fn draft_id(d: &Self::Draft) -> Option<&str> {
        d.id.as_deref()
    }

    fn new_label(d: &Self::Draft) -> String {
        format!("a new finding ({})", d.title)
    }

    fn overlay(
        &self,
        base: Option<&Finding>,
        values: &[(&'static str, String)],
    ) -> Result<Self::Draft> {
        base.map(FindingInput::from).unwrap_or_default().overlay(
            values,
            &as_strs(&self.controls),
            &self.today,
        )
    }

    async fn read(&self, tx: &mut crate::store::Tx, id: &str) -> Result<Option<Finding>> {
        store::finding_in(tx, id).await
    }

    async fn check(
        &mut self,
        tx: &mut crate::store::Tx,
        row: usize,
        d: &Self::Draft,
        before: Option<&Finding>,
    ) -> Result<Vec<crate::error::FieldError>> {
        use crate::error::FieldError;
        let status = match self.audits.get(&d.audit) {
            Some(s) => *s,
            None => {
                let s = store::audit_in(tx, &d.audit).await?.map(|a| a.status);
                self.audits.insert(d.audit.clone(), s);
                s
            }
        };
        let field = format!("row {row}, audit");
        Ok(match (status, before) {
            (_, Some(b)) if b.audit != d.audit => vec![FieldError::new(
                field,
                format!("finding {} stays with audit {}", b.id, b.audit),
            )],
            (None, _) => vec![FieldError::new(
                field,
                format!("there is no audit {}", d.audit),
            )],
            (Some(AuditStatus::Cancelled), None) => vec![FieldError::new(
                field,
                format!("audit {} is cancelled", d.audit),
            )],
            _ => Vec::new(),
        })
    }

    async fn insert(&self, tx: &mut crate::store::Tx, d: &Self::Draft) -> Result<Finding> {
        store::insert_finding(tx, d, &self.raised_by).await
    }

    async fn write(
        &self,
        tx: &mut crate::store::Tx,
        before: &Finding,
        d: &Self::Draft,
    ) -> Result<Finding> {
        store::write_finding(tx, &before.id, d, true).await
    }
}

/// Closes a finding inside another use case's write (its nonconformity was found corrected
/// effectively), audited as that use case's actor; a finding already closed stays as it is.
pub(crate) async fn close_finding_within(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    id: &str,
) -> Result<()> {
    use super::domain_finding::FindingStatus;
    let Some(before) = store::finding_in(tx, id).await? else {
        return Ok(());
    };
    if before.status == FindingStatus::Closed {
        return Ok(());
    }
    store::lock_finding(tx, id).await?;
    let after = store::set_finding_status(tx, id, FindingStatus::Closed).await?;
    tx.audit(
        ctx.change("finding.close", "finding", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(())
}

/// The open major and minor nonconformities audits raised (ids), for readiness.
pub async fn open_nonconformities(ctx: &Ctx) -> Result<Vec<String>> {
    ctx.require_reader()?;
    ctx.store().open_nonconformity_findings().await
}

/// How many findings of each kind each audit raised: (audit, kind key) → count.
pub async fn finding_counts(ctx: &Ctx) -> Result<std::collections::HashMap<(String, String), i64>> {
    ctx.require_reader()?;
    Ok(ctx
        .store()
        .finding_counts()
        .await?
        .into_iter()
        .map(|(a, k, n)| ((a, k), n))
        .collect())
}

/// Open findings by kind (for readiness, indicators and the management review): (kind key,
/// count).
pub async fn open_findings_by_kind(ctx: &Ctx) -> Result<Vec<(String, i64)>> {
    ctx.require_reader()?;
    ctx.store().open_findings_by_kind().await
}
