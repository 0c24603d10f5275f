//! Training use cases. Managers and admins keep modules, campaigns and the competence each
//! job title requires; everyone signed in reads modules and campaigns' progress; readers of
//! the staff directory see who is late. A campaign files an evidence item for its modules'
//! controls (6.3) pointing at its completion records, valid a year after its due day.
//! Completions come from the person's link, a manager, or a learning platform's export.

use super::domain::{
    Assigned, Campaign, CampaignFilter, CampaignInput, CampaignLine, CampaignSummary, Competence,
    CompletionDraft, CompletionVia, Module, ModuleInput, parse_competence,
};
use super::store;
use crate::domain::catalog::{check_control_refs, resolve_control_refs};
use crate::domain::query::Page;
use crate::domain::user::EDITORS;
use crate::error::{Error, FieldError, Result};
use crate::registers::evidence::domain::EvidenceDraft;
use crate::registers::staff::service::STAFF_READERS;
use crate::registers::staff::service_link::Holder;
use crate::service::{Ctx, Expected, check_revision, keep_id};
use std::collections::HashMap;

#[tracing::instrument(name = "training.modules", skip_all, fields(actor = %ctx.who()))]
pub async fn modules(ctx: &Ctx) -> Result<Vec<Module>> {
    ctx.require_reader()?;
    ctx.store().training_modules().await
}

#[tracing::instrument(name = "training.module", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn module(ctx: &Ctx, id: &str) -> Result<Module> {
    ctx.require_reader()?;
    ctx.store().training_module(id).await
}

/// Adds a module (managers and admins); its controls must exist (6.3 by default).
#[tracing::instrument(name = "training.create_module", skip_all, fields(actor = %ctx.who()))]
pub async fn create_module(ctx: &Ctx, input: &ModuleInput) -> Result<Module> {
    ctx.require(EDITORS)?;
    let mut d = input.parse()?;
    let catalogs = ctx.store().catalogs().await?;
    resolve_control_refs(&catalogs, &mut d.controls);
    check_control_refs(&catalogs, &[(String::new(), &d.controls)])?;
    let mut tx = ctx.write().await?;
    let id = match &d.id {
        Some(id) => {
            if !store::existing_modules(&mut tx, std::slice::from_ref(id))
                .await?
                .is_empty()
            {
                return Err(Error::field(
                    "id",
                    format!("a module with the id {id} already exists"),
                ));
            }
            id.clone()
        }
        None => store::next_module_id(&mut tx).await?,
    };
    let m = store::write_module(&mut tx, &id, &d).await?;
    tx.audit(
        ctx.change("training.module.create", "training_module", &id)
            .after(&m),
    )
    .await?;
    tx.commit().await?;
    Ok(m)
}

/// Replaces a module (managers and admins), refused when it changed since it was read.
#[tracing::instrument(name = "training.update_module", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update_module(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &ModuleInput,
) -> Result<Module> {
    ctx.require(EDITORS)?;
    keep_id(input.id.as_deref(), id, "a module")?;
    let mut d = input.parse()?;
    let catalogs = ctx.store().catalogs().await?;
    resolve_control_refs(&catalogs, &mut d.controls);
    check_control_refs(&catalogs, &[(String::new(), &d.controls)])?;
    let mut tx = ctx.write().await?;
    let before = store::lock_module(&mut tx, id).await?;
    check_revision(
        &mut tx,
        "training_module",
        id,
        id,
        before.revision,
        expected,
    )
    .await?;
    let after = store::write_module(&mut tx, id, &d).await?;
    tx.audit(
        ctx.change("training.module.update", "training_module", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// The kinds of file a module's material may be.
pub const MATERIAL_FILE_TYPES: &[&str] = &[
    "pdf", "pptx", "docx", "odt", "xlsx", "md", "txt", "png", "jpg", "jpeg",
];

/// Sets a module's material file (managers and admins), kept in the evidence vault by its
/// SHA-256; `None` removes it (the content stays in the vault for the history).
#[tracing::instrument(name = "training.module_file", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn set_material_file(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    file: Option<crate::registers::evidence::domain::NewFile>,
) -> Result<Module> {
    ctx.require(EDITORS)?;
    let mut tx = ctx.write().await?;
    let before = store::lock_module(&mut tx, id).await?;
    check_revision(
        &mut tx,
        "training_module",
        id,
        id,
        before.revision,
        expected,
    )
    .await?;
    let kept = match &file {
        Some(f) => Some(
            crate::registers::evidence::service::keep_file(ctx, &mut tx, f, MATERIAL_FILE_TYPES)
                .await?,
        ),
        None if before.material_file.is_none() => {
            return Err(Error::Conflict(format!("{id} has no material file")));
        }
        None => None,
    };
    let after = store::set_module_file(&mut tx, id, kept.as_ref()).await?;
    tx.audit(
        ctx.change("training.module.file", "training_module", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// A module's material file (everyone signed in), checked against its SHA-256.
#[tracing::instrument(name = "training.material", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn material(
    ctx: &Ctx,
    id: &str,
) -> Result<(
    crate::domain::upload::KeptFile,
    crate::registers::evidence::service::BlobReader,
)> {
    ctx.require_reader()?;
    let m = ctx.store().training_module(id).await?;
    open_material(ctx, &m).await
}

async fn open_material(
    ctx: &Ctx,
    m: &Module,
) -> Result<(
    crate::domain::upload::KeptFile,
    crate::registers::evidence::service::BlobReader,
)> {
    let Some(f) = m.material_file.clone() else {
        return Err(Error::NotFound(format!("a material file for {}", m.id)));
    };
    let what = format!("the material of {}", m.id);
    let reader = crate::registers::evidence::service::open_kept(ctx, &f, &what).await?;
    Ok((f, reader))
}

/// The material file of a module assigned to the holder of a personal link (and only such a
/// module), checked against its SHA-256.
#[tracing::instrument(name = "training.material_by_link", skip_all, fields(person = %holder.person().id, module = %module))]
pub async fn material_for_holder(
    ctx: &Ctx,
    holder: &Holder,
    module: &str,
) -> Result<(
    crate::domain::upload::KeptFile,
    crate::registers::evidence::service::BlobReader,
)> {
    let assigned = ctx.store().assigned_to(holder.person()).await?;
    let Some(a) = assigned.into_iter().find(|a| a.module.id == module) else {
        return Err(Error::NotFound(format!(
            "{module} among the training this link is for"
        )));
    };
    open_material(ctx, &a.module).await
}

#[tracing::instrument(name = "training.campaigns", skip_all, fields(actor = %ctx.who()))]
pub async fn campaigns(ctx: &Ctx) -> Result<Vec<Campaign>> {
    ctx.require_reader()?;
    ctx.store().training_campaigns().await
}

/// Starts a campaign (managers and admins): its modules must exist; it files an evidence
/// item for the modules' 2022 controls, pointing at its completion records.
#[tracing::instrument(name = "training.create_campaign", skip_all, fields(actor = %ctx.who()))]
pub async fn create_campaign(ctx: &Ctx, input: &CampaignInput) -> Result<Campaign> {
    ctx.require(EDITORS)?;
    let d = input.parse(&ctx.today())?;
    let mut tx = ctx.write().await?;
    let found = store::existing_modules(&mut tx, &d.modules).await?;
    let missing: Vec<&String> = d.modules.iter().filter(|m| !found.contains(m)).collect();
    if !missing.is_empty() {
        return Err(Error::field(
            "modules",
            format!(
                "no module has the id {}",
                missing
                    .iter()
                    .map(|m| m.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let c = store::insert_campaign(&mut tx, &d, ctx.who()).await?;
    let mut controls: Vec<String> = Vec::new();
    for m in &d.modules {
        let module = store::lock_module(&mut tx, m).await?;
        for r in module.controls {
            if r.framework == crate::domain::catalog::DEFAULT_FRAMEWORK && !controls.contains(&r.id)
            {
                controls.push(r.id);
            }
        }
    }
    let mut draft = EvidenceDraft {
        title: format!("Training campaign {}: {}", c.id, c.title),
        description: format!(
            "The completion records of training campaign {} ({} to {}): who of its audience completed modules {} and when.",
            c.id,
            c.starts_on,
            c.due_on,
            c.modules.join(", ")
        ),
        url: format!("/training/campaigns/{}", c.id),
        collected_at: ctx.today(),
        valid_until: crate::domain::input::days_after(&c.due_on, 365),
        collected_by: ctx.who().to_string(),
        controls,
        measures: Vec::new(),
        risks: Vec::new(),
    };
    ctx.store()
        .check_evidence_links(&mut tx, &mut draft)
        .await?;
    let e = ctx
        .store()
        .insert_evidence(&mut tx, ctx.who(), &draft, None)
        .await?;
    tx.audit(ctx.change("evidence.create", "evidence", &e.id).after(&e))
        .await?;
    let c = store::set_campaign_state(&mut tx, &c.id, Some(&e.id), None).await?;
    tx.audit(
        ctx.change("training.campaign.create", "training_campaign", &c.id)
            .after(&c),
    )
    .await?;
    tx.commit().await?;
    Ok(c)
}

/// Closes a campaign (managers and admins): it asks no one any more; its records stay.
#[tracing::instrument(name = "training.close_campaign", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn close_campaign(ctx: &Ctx, id: &str, expected: Expected) -> Result<Campaign> {
    ctx.require(EDITORS)?;
    let mut tx = ctx.write().await?;
    let before = store::lock_campaign(&mut tx, id).await?;
    check_revision(
        &mut tx,
        "training_campaign",
        id,
        id,
        before.revision,
        expected,
    )
    .await?;
    if before.closed_on.is_some() {
        return Err(Error::Conflict(format!("{id} is already closed")));
    }
    let after = store::set_campaign_state(
        &mut tx,
        id,
        before.evidence_id.as_deref(),
        Some(&ctx.today()),
    )
    .await?;
    tx.audit(
        ctx.change("training.campaign.close", "training_campaign", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Where a campaign stands: counts in all and per department (everyone signed in).
#[tracing::instrument(name = "training.summary", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn summary(ctx: &Ctx, id: &str) -> Result<CampaignSummary> {
    ctx.require_reader()?;
    let c = ctx.store().training_campaign(id).await?;
    let store = ctx.store();
    let generations = store.generations(["training", "person"]).await?;
    let at = generations.iter().sum();
    let key = (c.id.clone(), ctx.today(), generations);
    let departments = match ctx.caches().campaign_progress.get(&key, at) {
        Some(d) => d,
        None => {
            let d = store.campaign_progress(&c, &ctx.today()).await?;
            ctx.caches().campaign_progress.put(key, at, d.clone());
            d
        }
    };
    let mut s = CampaignSummary {
        campaign: c,
        required: 0,
        completed: 0,
        overdue: 0,
        departments,
    };
    for d in &s.departments {
        s.required += d.required;
        s.completed += d.completed;
        s.overdue += d.overdue;
    }
    Ok(s)
}

/// A campaign's audience by name with each person's progress (readers of the directory).
#[tracing::instrument(name = "training.lines", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn lines(
    ctx: &Ctx,
    id: &str,
    f: &CampaignFilter,
    cursor: Option<&str>,
    limit: i64,
) -> Result<Page<CampaignLine>> {
    ctx.require(STAFF_READERS)?;
    let s = summary(ctx, id).await?;
    let known = f.text.is_none().then(|| {
        s.departments
            .iter()
            .filter(|d| f.department.as_ref().is_none_or(|x| *x == d.department))
            .map(|d| match f.state {
                None => d.required,
                Some(super::domain::CampaignState::Completed) => d.completed,
                Some(super::domain::CampaignState::Pending) => d.required - d.completed,
                Some(super::domain::CampaignState::Overdue) => d.overdue,
            })
            .sum()
    });
    ctx.store()
        .campaign_lines(&s.campaign, &ctx.today(), f, cursor, limit, known)
        .await
        .map_err(crate::domain::query::as_query_error)
}

/// Every person of a campaign's audience a filter finds, by name (exports).
pub async fn all_lines(ctx: &Ctx, id: &str, f: &CampaignFilter) -> Result<Vec<CampaignLine>> {
    crate::store::collect_pages(
        |cursor| async move { lines(ctx, id, f, cursor.as_deref(), 500).await },
    )
    .await
}

/// Finds the people and modules completions name (person by id, e-mail or staff number;
/// module by id or title), every one that names nothing refused with its row.
async fn resolve(
    ctx: &Ctx,
    rows: &[(usize, CompletionDraft)],
) -> Result<Vec<(String, String, String, Option<i64>)>> {
    let people = ctx.store().people_keys().await?;
    let mut by_key: HashMap<String, String> = HashMap::new();
    for (id, email, number) in people {
        if !email.is_empty() {
            by_key.insert(email.to_lowercase(), id.clone());
        }
        if !number.is_empty() {
            by_key.insert(number.to_lowercase(), id.clone());
        }
        by_key.insert(id.to_lowercase(), id);
    }
    let modules = ctx.store().training_modules().await?;
    let mut problems = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    let whole = rows.len() == 1 && rows[0].0 == 0;
    let field = |row: usize, f: &str| {
        if whole {
            f.to_string()
        } else {
            format!("row {row}, {f}")
        }
    };
    for (row, d) in rows {
        let person = by_key.get(&d.person.to_lowercase());
        let module = modules
            .iter()
            .find(|m| m.id.eq_ignore_ascii_case(&d.module))
            .or_else(|| {
                let mut same = modules
                    .iter()
                    .filter(|m| m.title.to_lowercase() == d.module.to_lowercase());
                match (same.next(), same.next()) {
                    (Some(m), None) => Some(m),
                    _ => None,
                }
            });
        if person.is_none() {
            problems.push(FieldError::new(
                field(*row, "person"),
                format!(
                    "no one in the staff directory has the id, e-mail or staff number '{}'",
                    d.person
                ),
            ));
        }
        if module.is_none() {
            problems.push(FieldError::new(
                field(*row, "module"),
                format!("no single module has the id or title '{}'", d.module),
            ));
        }
        if let (Some(p), Some(m)) = (person, module) {
            out.push((m.id.clone(), p.clone(), d.completed_on.clone(), d.score));
        }
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(Error::Validation(problems))
    }
}

/// Records completions (managers and admins): one from a form or the API (`rows` of one,
/// row 0), or a learning platform's export, all or nothing. Answers how many were new.
#[tracing::instrument(name = "training.record", skip_all, fields(actor = %ctx.who(), rows = rows.len()))]
pub async fn record(
    ctx: &Ctx,
    rows: Vec<(usize, CompletionDraft)>,
    via: CompletionVia,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<u64> {
    ctx.require(EDITORS)?;
    let resolved = resolve(ctx, &rows).await?;
    if dry_run {
        return Ok(resolved.len() as u64);
    }
    let mut tx = ctx.write().await?;
    let n = store::insert_completions(&mut tx, &resolved, via.key(), ctx.who()).await?;
    if n > 0 {
        let people: Vec<&String> = resolved.iter().map(|r| &r.1).take(50).collect();
        tx.audit(
            ctx.change("training.complete", "training_completion", "many")
                .after(serde_json::json!({ "completions": n, "via": via.key(), "people": people })),
        )
        .await?;
    }
    if let Some(id) = upload {
        crate::registers::imports::store::consume(&mut tx, ctx.who(), id).await?;
    }
    tx.commit().await?;
    if n > 1000 {
        ctx.store().refresh_statistics_soon();
    }
    Ok(n)
}

/// What the holder of a personal link is assigned in open campaigns.
#[tracing::instrument(name = "training.assigned_by_link", skip_all, fields(person = %holder.person().id))]
pub async fn assigned_to_holder(ctx: &Ctx, holder: &Holder) -> Result<Vec<Assigned>> {
    ctx.store().assigned_to(holder.person()).await
}

/// What a person of the directory is assigned (readers of the directory).
#[tracing::instrument(name = "training.assigned", skip_all, fields(actor = %ctx.who(), id = %p.id))]
pub async fn assigned_to(
    ctx: &Ctx,
    p: &crate::registers::staff::domain::Person,
) -> Result<Vec<Assigned>> {
    ctx.require(STAFF_READERS)?;
    ctx.store().assigned_to(p).await
}

/// The holder of a personal link says they completed an assigned module today.
#[tracing::instrument(name = "training.complete_by_link", skip_all, fields(person = %holder.person().id, module = %module))]
pub async fn complete_by_link(ctx: &Ctx, holder: &Holder, module: &str) -> Result<()> {
    let p = holder.person();
    let assigned = ctx.store().assigned_to(p).await?;
    if !assigned.iter().any(|a| a.module.id == module) {
        return Err(Error::Conflict(format!(
            "no open campaign assigns {module} to {}",
            p.name
        )));
    }
    let actor = format!("link:{}", p.id);
    let mut tx = ctx.write().await?;
    let n = store::insert_completions(
        &mut tx,
        &[(module.to_string(), p.id.clone(), ctx.today(), None)],
        CompletionVia::Link.key(),
        &actor,
    )
    .await?;
    if n > 0 {
        tx.audit(
            crate::domain::audit::Change::new(&actor, "training.complete", "training_completion", module)
                .after(serde_json::json!({ "person": p.id, "module": module, "completed_on": ctx.today() })),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(())
}

/// The modules each job title requires, with how many of its people meet it.
#[tracing::instrument(name = "training.competence", skip_all, fields(actor = %ctx.who()))]
pub async fn competence(ctx: &Ctx) -> Result<Vec<Competence>> {
    ctx.require_reader()?;
    ctx.store().competence(&ctx.today()).await
}

/// Replaces the modules each job title requires (managers and admins), written one job title
/// per line (`Job title: TM-0001, TM-0002`); every module must exist.
#[tracing::instrument(name = "training.set_competence", skip_all, fields(actor = %ctx.who()))]
pub async fn set_competence(ctx: &Ctx, text: &str) -> Result<()> {
    ctx.require(EDITORS)?;
    if text.len() > 200_000 {
        return Err(Error::field("competence", "at most 200,000 characters"));
    }
    let rows = parse_competence(text)?;
    let mut tx = ctx.write().await?;
    let named: Vec<String> = rows.iter().flat_map(|(_, m)| m.clone()).collect();
    let found = store::existing_modules(&mut tx, &named).await?;
    let missing: Vec<String> = named.into_iter().filter(|m| !found.contains(m)).collect();
    if !missing.is_empty() {
        return Err(Error::field(
            "competence",
            format!("no module has the id {}", missing.join(", ")),
        ));
    }
    let before = store::competence_in(&mut tx).await?;
    if before == rows {
        return Ok(());
    }
    store::write_competence(&mut tx, &rows).await?;
    tx.audit(
        ctx.change("training.competence", "competence", "all")
            .before(&before)
            .after(&rows),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
