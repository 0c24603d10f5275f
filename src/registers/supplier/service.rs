//! Suppliers' use cases: the register (managers and admins write, everyone signed in reads),
//! each supplier's criticality derived from the data it accesses and the processes that
//! depend on it — kept current when assets, their classification scheme or processes change —,
//! and the import of a supplier register.

use super::domain::{DeriveFrom, Derived, Supplier, SupplierDraft, SupplierInput, SupplierQuery};
use super::store;
use crate::domain::query::Page;
use crate::error::{Error, FieldError, Result};
use crate::service::{Ctx, Expected, check_revision};
use crate::store::Tx;

/// The classification scheme as (key, name), least sensitive first, read inside a write.
async fn scheme_in(tx: &mut Tx) -> Result<Vec<(String, String)>> {
    Ok(crate::registers::asset::store::settings_in(tx)
        .await?
        .classification
        .into_iter()
        .map(|c| (c.key, c.name))
        .collect())
}

/// Brings every supplier's derived criticality up to date with the assets, the classification
/// scheme and the processes it is derived from, when any of those changed since it was last
/// derived (on any instance). Criticalities that change are written to the audit trail.
async fn ensure_derived(ctx: &Ctx) -> Result<()> {
    let (mark, now) = ctx.store().supplier_derivation_state().await?;
    if mark == now {
        return Ok(());
    }
    let mut tx = ctx.write().await?;
    if store::derivation_mark(&mut tx).await? == now {
        tx.commit().await?;
        return Ok(());
    }
    let scheme = scheme_in(&mut tx).await?;
    let inputs = store::derivation_inputs(&mut tx).await?;
    let mut classes: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for (s, c) in &inputs.classifications {
        classes.entry(s.as_str()).or_default().push(c.as_str());
    }
    for s in &inputs.suppliers {
        let d = super::domain::derive(&DeriveFrom {
            name: &s.name,
            personal_data: s.personal_data,
            classifications: classes.get(s.id.as_str()).map(Vec::as_slice).unwrap_or(&[]),
            scheme: &scheme,
            processes: &inputs.processes,
            override_: s.override_,
            reviewed_on: s.reviewed_on.as_deref(),
        });
        if d != s.current {
            store::set_derived(&mut tx, &s.id, &d).await?;
            if d.effective != s.current.effective {
                tx.audit(
                    crate::domain::audit::Change::new(
                        crate::service::SYSTEM_ACTOR,
                        "supplier.criticality",
                        "supplier",
                        &s.id,
                    )
                    .before(serde_json::json!({"criticality": s.current.effective}))
                    .after(serde_json::json!({"criticality": d.effective, "why": d.why})),
                )
                .await?;
            }
        }
    }
    store::set_derivation_mark(&mut tx, now).await?;
    tx.commit().await
}

#[tracing::instrument(name = "supplier.list", skip_all, fields(actor = %ctx.who()))]
pub async fn list(
    ctx: &Ctx,
    q: &SupplierQuery,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<Supplier>> {
    ctx.require_reader()?;
    ensure_derived(ctx).await?;
    ctx.store()
        .list_suppliers(&q.filter, cursor, limit)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every supplier the query selects (exports).
#[tracing::instrument(name = "supplier.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx, q: &SupplierQuery) -> Result<Vec<Supplier>> {
    crate::store::collect_pages(|cursor| async move { list(ctx, q, cursor.as_deref(), 500).await })
        .await
}

#[tracing::instrument(name = "supplier.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<Supplier> {
    ctx.require_reader()?;
    ensure_derived(ctx).await?;
    ctx.store().supplier(id).await
}

/// The processes that depend on a supplier (list it by name): their ids and names.
#[tracing::instrument(name = "supplier.processes", skip_all, fields(actor = %ctx.who()))]
pub async fn processes_of(ctx: &Ctx, s: &Supplier) -> Result<Vec<(String, String)>> {
    ctx.require_reader()?;
    ctx.store().processes_of_supplier(&s.name).await
}

/// What a supplier links to in other registers: the assets and evidence items it names.
fn links(d: &SupplierDraft) -> Vec<crate::service::Link<'_>> {
    vec![
        ("assets", "asset", "asset_id", &d.assets, "asset register"),
        (
            "evidence",
            "evidence",
            "evidence_id",
            &d.evidence,
            "evidence register",
        ),
    ]
}

/// Derives a supplier's criticality as drafted, inside the write.
async fn derive_draft(tx: &mut Tx, d: &SupplierDraft) -> Result<Derived> {
    let scheme = scheme_in(tx).await?;
    let classes = store::asset_classifications(tx, &d.assets).await?;
    let classes: Vec<&str> = classes.iter().map(String::as_str).collect();
    let processes = store::processes_in(tx).await?;
    Ok(super::domain::derive(&DeriveFrom {
        name: &d.name,
        personal_data: d.personal_data,
        classifications: &classes,
        scheme: &scheme,
        processes: &processes,
        override_: d.override_.as_ref().map(|o| o.0),
        reviewed_on: d.reviewed_on.as_deref(),
    }))
}

/// Checks that no other supplier has this name (people and processes name suppliers).
async fn check_name(tx: &mut Tx, d: &SupplierDraft, id: Option<&str>, field: &str) -> Result<()> {
    if let Some(other) = store::id_by_name(tx, &d.name).await?
        && Some(other.as_str()) != id
    {
        return Err(Error::field(
            field,
            format!("{other} is named '{}' already", d.name),
        ));
    }
    Ok(())
}

/// Adds a supplier (managers and admins).
#[tracing::instrument(name = "supplier.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &SupplierInput) -> Result<Supplier> {
    ctx.require_editor()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    store::derivation_mark(&mut tx).await?;
    let problems = crate::service::unknown_links(&mut tx, &[(String::new(), links(&d))]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    check_name(&mut tx, &d, None, "name").await?;
    let derived = derive_draft(&mut tx, &d).await?;
    let s = store::insert(&mut tx, &d, &derived).await?;
    tx.audit(ctx.change("supplier.create", "supplier", &s.id).after(&s))
        .await?;
    tell_owner(ctx, &mut tx, &s, None).await?;
    tx.commit().await?;
    Ok(s)
}

/// Replaces a supplier's fields (managers and admins), checking the revision.
#[tracing::instrument(name = "supplier.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &SupplierInput,
) -> Result<Supplier> {
    ctx.require_editor()?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    store::derivation_mark(&mut tx).await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "supplier", id, id, before.revision, expected).await?;
    if d.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::field("id", "a supplier keeps its id"));
    }
    let problems = crate::service::unknown_links(&mut tx, &[(String::new(), links(&d))]).await?;
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    check_name(&mut tx, &d, Some(id), "name").await?;
    let derived = derive_draft(&mut tx, &d).await?;
    let after = store::write(&mut tx, id, &d, &derived, true).await?;
    tx.audit(
        ctx.change("supplier.update", "supplier", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tell_owner(ctx, &mut tx, &after, Some(&before.owner)).await?;
    tx.commit().await?;
    Ok(after)
}

/// Tells a supplier's new owner the relationship is theirs to review, in the write that
/// made it so (not once it ended).
async fn tell_owner(
    ctx: &Ctx,
    tx: &mut crate::store::Tx,
    s: &Supplier,
    before_owner: Option<&str>,
) -> Result<()> {
    if s.status == super::domain::SupplierStatus::Ended {
        return Ok(());
    }
    let task = crate::registers::task::domain::Task::of_record(
        crate::registers::task::domain::TaskKind::SupplierReview,
        &s.id,
        &s.name,
        &s.owner,
        s.review_due.clone(),
    );
    crate::registers::notify::service_outbox::record_assigned_within(
        ctx,
        tx,
        &task,
        before_owner,
        s.revision,
    )
    .await
}

/// Imports suppliers (managers and admins): all rows or none; a row whose id (or, without
/// one, whose name) is a supplier of Annex updates the columns its file has, so an export
/// imports back unchanged and a partial list does not wipe what it does not hold.
#[tracing::instrument(name = "supplier.import", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
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
        |values| SupplierInput::default().overlay(values, &today),
    )?;
    crate::store::check_unique_ids(drafts.iter().map(|(r, d)| (*r, d.id.as_deref())))?;
    let mut seen: std::collections::HashMap<String, usize> = Default::default();
    let mut problems = Vec::new();
    for (row, d) in &drafts {
        if let Some(first) = seen.insert(d.name.to_lowercase(), *row) {
            problems.push(FieldError::new(
                format!("row {row}, name"),
                format!("'{}' is on row {first} too", d.name),
            ));
        }
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut tx = ctx.store().import_tx(dry_run).await?;
    if !dry_run {
        store::derivation_mark(&mut tx).await?;
    }
    // Each row over the supplier it updates, if any.
    let mut targets = Vec::with_capacity(drafts.len());
    for ((row, d), (_, values)) in drafts.into_iter().zip(&rows) {
        let by_name = store::id_by_name(&mut tx, &d.name).await?;
        let before = match (&d.id, by_name) {
            (Some(id), Some(other)) if *id != other => {
                problems.push(FieldError::new(
                    format!("row {row}, name"),
                    format!("{other} is named '{}' already", d.name),
                ));
                None
            }
            (Some(id), _) => store::read_in(&mut tx, id).await?,
            (None, Some(other)) => store::read_in(&mut tx, &other).await?,
            (None, None) => None,
        };
        let d = match &before {
            None => d,
            Some(b) => match crate::exchange::import::checked_row(
                row,
                SupplierInput::from(b).overlay(values, &today),
                &mut problems,
            )? {
                Some(d) => d,
                None => continue,
            },
        };
        targets.push((row, d, before));
    }
    let linked: Vec<_> = targets
        .iter()
        .map(|(row, d, _)| (format!("row {row}, "), links(d)))
        .collect();
    problems.extend(crate::service::unknown_links(&mut tx, &linked).await?);
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut report = crate::domain::ImportReport::default();
    for (_, d, before) in targets {
        match before {
            Some(b) => {
                let same = SupplierInput::from(&b)
                    .parse(&today)
                    .is_ok_and(|old| old == d);
                if same {
                    report.unchanged.push(b.id);
                    continue;
                }
                report.updated.push(b.id.clone());
                if !dry_run {
                    let derived = derive_draft(&mut tx, &d).await?;
                    let after = store::write(&mut tx, &b.id, &d, &derived, true).await?;
                    tx.audit(
                        ctx.change("supplier.update", "supplier", &b.id)
                            .before(&b)
                            .after(&after),
                    )
                    .await?;
                }
            }
            None if dry_run => report.created.push(
                d.id.clone()
                    .unwrap_or_else(|| format!("a new supplier ({})", d.name)),
            ),
            None => {
                let derived = derive_draft(&mut tx, &d).await?;
                let s = store::insert(&mut tx, &d, &derived).await?;
                tx.audit(ctx.change("supplier.create", "supplier", &s.id).after(&s))
                    .await?;
                report.created.push(s.id);
            }
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}

/// What readiness and the dashboard ask about suppliers: those whose review is due, the
/// critical and high ones whose contract lacks clauses, and certifications lapsed or lapsing
/// — each as (how many, a few ids).
#[derive(Debug, Clone, Default)]
pub struct Attention {
    pub review_due: (i64, Vec<String>),
    pub clause_gaps: (i64, Vec<String>),
    pub certifications: (i64, Vec<String>),
}

#[tracing::instrument(name = "supplier.attention", skip_all, fields(actor = %ctx.who()))]
pub async fn attention(ctx: &Ctx) -> Result<Attention> {
    use super::domain::{Criticality, SupplierFilter};
    ctx.require_reader()?;
    ensure_derived(ctx).await?;
    let today = ctx.today();
    let ids = |p: &Page<Supplier>| p.items.iter().take(8).map(|s| s.id.clone()).collect();
    let due = ctx
        .store()
        .list_suppliers(
            &SupplierFilter {
                review_due_on: Some(today.clone()),
                ..Default::default()
            },
            None,
            8,
        )
        .await?;
    let gaps = ctx
        .store()
        .suppliers_with_clause_gaps(&[Criticality::Critical.key(), Criticality::High.key()])
        .await?;
    let soon = crate::domain::input::days_after(&today, super::domain::WARN_DAYS)
        .unwrap_or_else(|| today.clone());
    let certifications = ctx.store().suppliers_certifications_ending(&soon).await?;
    Ok(Attention {
        review_due: (due.total, ids(&due)),
        clause_gaps: gaps,
        certifications,
    })
}

/// The names of suppliers, by id (other registers show them).
#[tracing::instrument(name = "supplier.names", skip_all, fields(actor = %ctx.who()))]
pub async fn names(ctx: &Ctx, ids: &[String]) -> Result<Vec<(String, String)>> {
    ctx.require_reader()?;
    ctx.store().supplier_names(ids).await
}

/// Records that a supplier was reviewed on `day` (an assessment's review does it), inside
/// the caller's write: its next review moves by its criticality's cycle; audited.
pub(crate) async fn record_review_within(
    ctx: &Ctx,
    tx: &mut Tx,
    id: &str,
    day: &str,
) -> Result<Supplier> {
    store::derivation_mark(tx).await?;
    let before = store::lock(tx, id).await?;
    let mut input = SupplierInput::from(&before);
    input.reviewed_on = day.to_string();
    let d = input.parse(day)?;
    let derived = derive_draft(tx, &d).await?;
    let after = store::write(tx, id, &d, &derived, true).await?;
    tx.audit(
        ctx.change("supplier.update", "supplier", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    Ok(after)
}
