//! Obligations' use cases: the register (managers and admins write, everyone signed in
//! reads), the starter list of common obligations (off until added as applicable), the
//! import of a register of obligations, and each control's applicable obligations as the SoA
//! reads them (kept until the register changes).

use super::domain::{Obligation, ObligationDraft, ObligationInput, ObligationQuery, Starter};
use super::store;
use crate::domain::query::Page;
use crate::error::{Error, FieldError, Result};
use crate::service::{Ctx, Expected, check_revision};
use crate::store::Tx;

#[tracing::instrument(name = "obligation.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: &ObligationQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Obligation>> {
    ctx.require_reader()?;
    ctx.store()
        .list_obligations(&q.filter, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every obligation the query selects (exports).
#[tracing::instrument(name = "obligation.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, q: &ObligationQuery) -> Result<Vec<Obligation>> {
    crate::store::collect_pages(|cursor| async move { list(ctx, q, cursor.as_deref(), 500).await })
        .await
}

#[tracing::instrument(name = "obligation.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Obligation> {
    ctx.require_reader()?;
    ctx.store().obligation(id).await
}

/// The starters not yet in the register: common obligations, each off until added.
#[tracing::instrument(name = "obligation.starters", skip_all, fields(actor = %ctx.who()))]
pub async fn starters(ctx: &Ctx) -> Result<Vec<Starter>> {
    ctx.require_reader()?;
    let used = ctx.store().obligation_starters_used().await?;
    Ok(super::domain::starters()
        .into_iter()
        .filter(|s| !used.iter().any(|u| u == s.key))
        .collect())
}

/// Each control's applicable obligations in a framework (control id → (id, title, kind)),
/// kept until the register changes.
pub async fn of_controls(ctx: &Ctx, framework: &str) -> Result<ControlObligations> {
    let generation = ctx.store().generation("obligation").await?;
    let key = framework.to_string();
    if let Some(v) = ctx.caches().soa_obligations.get(&key, generation) {
        return Ok(v);
    }
    let mut by: std::collections::HashMap<String, Vec<(String, String, String)>> =
        Default::default();
    for (control, id, title, kind) in ctx.store().control_obligations(framework).await? {
        by.entry(control).or_default().push((id, title, kind));
    }
    let v = std::sync::Arc::new(by);
    ctx.caches().soa_obligations.put(key, generation, v.clone());
    Ok(v)
}

/// Each control's applicable obligations: (id, title, kind key).
pub type ControlObligations =
    std::sync::Arc<std::collections::HashMap<String, Vec<(String, String, String)>>>;

/// The controls, supplier and evidence an obligation names that Annex does not have, as
/// problems of `prefix` + field, read inside the write; the controls are resolved.
async fn check_links(
    ctx: &Ctx,
    tx: &mut Tx,
    d: &mut ObligationDraft,
    prefix: &str,
) -> Result<Vec<FieldError>> {
    let mut out = Vec::new();
    let catalogs = ctx.store().catalogs().await?;
    crate::domain::catalog::resolve_control_refs(&catalogs, &mut d.controls);
    if let Err(Error::Validation(fields)) =
        crate::domain::catalog::check_control_refs(&catalogs, &[(prefix.to_string(), &d.controls)])
    {
        out.extend(fields);
    }
    out.extend(
        crate::service::unknown_links(
            tx,
            &[(
                prefix.to_string(),
                vec![(
                    "evidence",
                    "evidence",
                    "evidence_id",
                    &d.evidence,
                    "evidence register",
                )],
            )],
        )
        .await?,
    );
    if let Some(s) = &d.supplier
        && crate::store::existing_ids(tx, "supplier", "supplier_id", std::slice::from_ref(s))
            .await?
            .is_empty()
    {
        out.push(FieldError::new(
            format!("{prefix}supplier"),
            format!("no supplier {s}"),
        ));
    }
    Ok(out)
}

/// Checks that no other obligation was added from the same starter.
async fn check_starter(tx: &mut Tx, d: &ObligationDraft, id: Option<&str>) -> Result<()> {
    if let Some(key) = &d.starter
        && let Some(other) = store::id_of_starter(tx, key).await?
        && Some(other.as_str()) != id
    {
        return Err(Error::field(
            "starter",
            format!("{other} was added from '{key}' already"),
        ));
    }
    Ok(())
}

/// Adds an obligation (managers and admins); from a starter, its facts fill what is left
/// empty.
#[tracing::instrument(name = "obligation.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &ObligationInput) -> Result<Obligation> {
    ctx.require_editor()?;
    let mut d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let problems = check_links(ctx, &mut tx, &mut d, "").await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    check_starter(&mut tx, &d, None).await?;
    let o = store::insert(&mut tx, &d).await?;
    tx.audit(
        ctx.change("obligation.create", "obligation", &o.id)
            .after(&o),
    )
    .await?;
    tell_owner(ctx, &mut tx, &o, None).await?;
    tx.commit().await?;
    Ok(o)
}

/// Replaces an obligation's fields (managers and admins), checking the revision.
#[tracing::instrument(name = "obligation.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ObligationInput,
) -> Result<Obligation> {
    ctx.require_editor()?;
    let mut d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "obligation", id, id, before.revision, expected).await?;
    if d.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::field("id", "an obligation keeps its id"));
    }
    let problems = check_links(ctx, &mut tx, &mut d, "").await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    check_starter(&mut tx, &d, Some(id)).await?;
    let after = store::write(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("obligation.update", "obligation", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tell_owner(ctx, &mut tx, &after, Some(&before.owner)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Tells an applicable obligation's new owner it is theirs to review, in the write that
/// made it so.
async fn tell_owner(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    o: &Obligation,
    before_owner: Option<&str>,
) -> Result<()> {
    if !o.applicable {
        return Ok(());
    }
    let task = crate::registers::task::domain::Task::of_record(
        crate::registers::task::domain::TaskKind::Obligation,
        &o.id,
        &o.title,
        &o.owner,
        o.review_due.clone(),
    );
    crate::registers::notify::service_outbox::record_assigned_within(
        ctx,
        tx,
        &task,
        before_owner,
        o.revision,
    )
    .await
}

/// Imports obligations (managers and admins): all rows or none; a row whose id is an
/// obligation of Annex updates the columns its file has, so an export imports back unchanged.
#[tracing::instrument(name = "obligation.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    let today = ctx.today();
    let drafts = crate::exchange::import::parse_rows(
        rows.iter().map(|(r, v)| (*r, v.as_slice())).collect(),
        |values| ObligationInput::default().overlay(values, &today),
    )?;
    crate::store::check_unique_ids(drafts.iter().map(|(r, d)| (*r, d.id.as_deref())))?;
    let mut problems = Vec::new();
    let mut seen: std::collections::HashMap<&str, usize> = Default::default();
    for (row, d) in &drafts {
        if let Some(key) = &d.starter
            && let Some(first) = seen.insert(key, *row)
        {
            problems.push(FieldError::new(
                format!("row {row}, starter"),
                format!("'{key}' is on row {first} too"),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut tx = ctx.store().import_tx(dry_run).await?;
    let mut targets = Vec::with_capacity(drafts.len());
    for ((row, d), (_, values)) in drafts.into_iter().zip(&rows) {
        let before = match &d.id {
            Some(id) => store::read_in(&mut tx, id).await?,
            None => None,
        };
        let mut d = match &before {
            None => d,
            Some(b) => match crate::exchange::import::checked_row(
                row,
                ObligationInput::from(b).overlay(values, &today),
                &mut problems,
            )? {
                Some(d) => d,
                None => continue,
            },
        };
        problems.extend(check_links(ctx, &mut tx, &mut d, &format!("row {row}, ")).await?);
        if let Some(key) = &d.starter
            && let Some(other) = store::id_of_starter(&mut tx, key).await?
            && before.as_ref().is_none_or(|b| b.id != other)
        {
            problems.push(FieldError::new(
                format!("row {row}, starter"),
                format!("{other} was added from '{key}' already"),
            ));
        }
        targets.push((d, before));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut report = crate::domain::ImportReport::default();
    for (d, before) in targets {
        match before {
            Some(b) => {
                let mut old = ObligationInput::from(&b).parse(&today);
                if let Ok(o) = &mut old {
                    crate::domain::catalog::sort_control_refs(&mut o.controls);
                }
                let mut new = d.clone();
                crate::domain::catalog::sort_control_refs(&mut new.controls);
                if old.is_ok_and(|o| o == new) {
                    report.unchanged.push(b.id);
                    continue;
                }
                report.updated.push(b.id.clone());
                if !dry_run {
                    let after = store::write(&mut tx, &b.id, &d, true).await?;
                    tx.audit(
                        ctx.change("obligation.update", "obligation", &b.id)
                            .before(&b)
                            .after(&after),
                    )
                    .await?;
                }
            }
            None if dry_run => report.created.push(
                d.id.clone()
                    .unwrap_or_else(|| format!("a new obligation ({})", d.title)),
            ),
            None => {
                let o = store::insert(&mut tx, &d).await?;
                tx.audit(
                    ctx.change("obligation.create", "obligation", &o.id)
                        .after(&o),
                )
                .await?;
                report.created.push(o.id);
            }
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}

/// What readiness asks about obligations (27001 4.2, 27002 5.31): how many apply, and those
/// linked to no control, due for review, or not (or not yet) met — each as (how many, a few
/// ids).
#[derive(Debug, Clone, Default)]
pub struct Attention {
    pub applicable: i64,
    pub without_controls: (i64, Vec<String>),
    pub review_due: (i64, Vec<String>),
    pub not_met: (i64, Vec<String>),
    pub not_assessed: (i64, Vec<String>),
}

#[tracing::instrument(name = "obligation.attention", skip_all, fields(actor = %ctx.who()))]
pub async fn attention(ctx: &Ctx) -> Result<Attention> {
    use super::domain::{Compliance, ObligationFilter};
    ctx.require_reader()?;
    let applicable = all(
        ctx,
        &ObligationQuery {
            filter: ObligationFilter {
                applicable: Some(true),
                ..Default::default()
            },
        },
    )
    .await?;
    let today = ctx.today();
    let pick = |f: &dyn Fn(&Obligation) -> bool| -> (i64, Vec<String>) {
        let ids: Vec<String> = applicable
            .iter()
            .filter(|o| f(o))
            .map(|o| o.id.clone())
            .collect();
        (ids.len() as i64, ids.into_iter().take(8).collect())
    };
    Ok(Attention {
        applicable: applicable.len() as i64,
        without_controls: pick(&|o| o.controls.is_empty()),
        review_due: pick(&|o| o.review_is_due(&today)),
        not_met: pick(&|o| {
            matches!(
                o.compliance,
                Compliance::NonCompliant | Compliance::PartiallyCompliant
            )
        }),
        not_assessed: pick(&|o| o.compliance == Compliance::NotAssessed),
    })
}
