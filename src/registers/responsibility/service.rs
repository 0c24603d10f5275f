//! Roles' use cases: managers and admins keep the roles and who holds them; everyone signed in
//! reads them and the ownership view.

use super::domain::{IsmsRole, Ownership, OwnershipFacts, RoleInput, ownership};
use super::store;
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision};

#[tracing::instrument(name = "role.all", skip_all, fields(actor = %ctx.who()))]
pub async fn all(ctx: &Ctx) -> Result<Vec<IsmsRole>> {
    ctx.require_reader()?;
    ctx.store().isms_roles().await
}

#[tracing::instrument(name = "role.get", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn get(ctx: &Ctx, id: &str) -> Result<IsmsRole> {
    ctx.require_reader()?;
    ctx.store().isms_role(id).await
}

/// Adds a role (managers and admins).
#[tracing::instrument(name = "role.create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &RoleInput) -> Result<IsmsRole> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let x = store::insert(&mut tx, &d).await?;
    tx.audit(ctx.change("role.create", "isms_role", &x.id).after(&x))
        .await?;
    tx.commit().await?;
    Ok(x)
}

/// Replaces a role (managers and admins), checking the revision.
#[tracing::instrument(name = "role.update", skip_all, fields(actor = %ctx.who(), id = %id))]
pub async fn update(
    ctx: &Ctx,
    id: &str,
    expected: Expected,
    input: &RoleInput,
) -> Result<IsmsRole> {
    ctx.require_editor()?;
    let d = input.parse()?;
    let mut tx = ctx.write().await?;
    let before = store::lock(&mut tx, id).await?;
    check_revision(&mut tx, "isms_role", id, id, before.revision, expected).await?;
    if d.id.as_deref().is_some_and(|new| new != id) {
        return Err(Error::field("id", "a role keeps its id"));
    }
    let after = store::write(&mut tx, id, &d, true).await?;
    tx.audit(
        ctx.change("role.update", "isms_role", id)
            .before(&before)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Imports roles (managers and admins): all rows or none; a row whose id is a role of Annex
/// updates only the columns its file has, so an export imports back unchanged.
#[tracing::instrument(name = "role.import", skip_all, fields(actor = %ctx.who()))]
pub async fn import(
    ctx: &Ctx,
    rows: Vec<crate::exchange::import::Row>,
    dry_run: bool,
    upload: Option<&str>,
) -> Result<crate::domain::ImportReport> {
    ctx.require_editor()?;
    let drafts = crate::exchange::import::parse_rows(
        rows.iter().map(|(r, v)| (*r, v.as_slice())).collect(),
        |values| RoleInput::default().overlay(values),
    )?;
    crate::store::check_unique_ids(drafts.iter().map(|(r, d)| (*r, d.id.as_deref())))?;
    let mut tx = ctx.store().import_tx(dry_run).await?;
    let mut problems = Vec::new();
    let mut targets = Vec::with_capacity(drafts.len());
    for ((row, d), (_, values)) in drafts.into_iter().zip(&rows) {
        let before = match &d.id {
            Some(id) => store::read_in(&mut tx, id).await?,
            None => None,
        };
        let d = match &before {
            None => d,
            Some(b) => match crate::exchange::import::checked_row(
                row,
                RoleInput::from(b).overlay(values),
                &mut problems,
            )? {
                Some(d) => d,
                None => continue,
            },
        };
        targets.push((d, before));
    }
    if !problems.is_empty() {
        return Err(Error::Validation(problems));
    }
    let mut report = crate::domain::ImportReport::default();
    for (d, before) in targets {
        match before {
            Some(b) => {
                if RoleInput::from(&b).parse().is_ok_and(|old| old == d) {
                    report.unchanged.push(b.id);
                    continue;
                }
                report.updated.push(b.id.clone());
                if !dry_run {
                    let after = store::write(&mut tx, &b.id, &d, true).await?;
                    tx.audit(
                        ctx.change("role.update", "isms_role", &b.id)
                            .before(&b)
                            .after(&after),
                    )
                    .await?;
                }
            }
            None if dry_run => report.created.push(
                d.id.clone()
                    .unwrap_or_else(|| format!("a new role ({})", d.name)),
            ),
            None => {
                let x = store::insert(&mut tx, &d).await?;
                tx.audit(ctx.change("role.create", "isms_role", &x.id).after(&x))
                    .await?;
                report.created.push(x.id);
            }
        }
    }
    crate::registers::imports::service::finish(ctx, tx, dry_run, upload, report).await
}

/// The names of everyone Annex knows by e-mail: the staff directory and the users.
#[tracing::instrument(name = "role.names", skip_all, fields(actor = %ctx.who()))]
pub async fn names(ctx: &Ctx) -> Result<std::collections::HashMap<String, String>> {
    ctx.require_reader()?;
    Ok(ctx
        .store()
        .known_people(&ctx.today())
        .await?
        .into_iter()
        .map(|(email, (name, _))| (email, name))
        .collect())
}

/// The names of some people (e-mails in lower case): the staff directory's, else the
/// account's; one query each for at most a few hundred.
#[tracing::instrument(name = "role.names_of", skip_all, fields(actor = %ctx.who(), n = emails.len()))]
pub async fn names_of(
    ctx: &Ctx,
    emails: &[String],
) -> Result<std::collections::HashMap<String, String>> {
    ctx.require_reader()?;
    let [users, staff] = ctx
        .store()
        .links_of(
            [
                ("user_account", "lower(email)", "name"),
                ("person", "lower(email)", "name"),
            ],
            emails,
        )
        .await?;
    Ok(users.into_iter().chain(staff).collect())
}

/// Who owns what across the registers, the roles they hold, and what does not match.
#[tracing::instrument(name = "role.ownership", skip_all, fields(actor = %ctx.who()))]
pub async fn ownership_view(ctx: &Ctx) -> Result<Ownership> {
    ctx.require_reader()?;
    let roles = ctx.store().isms_roles().await?;
    let mut counts = ctx.store().owned_counts().await?;
    // Roles are owned by their holders too: a role no one holds is counted as unowned.
    for r in &roles {
        if r.holders.is_empty() {
            counts.push((String::new(), "role".into(), 1));
        }
    }
    let people = ctx.store().known_people(&ctx.today()).await?;
    Ok(ownership(&OwnershipFacts {
        roles: &roles,
        counts: &merge(counts),
        people: &people,
    }))
}

/// Adds up the counts of one owner and register (an owner spelt in two cases, the unowned
/// roles one by one), in the order of the registers.
fn merge(counts: Vec<(String, String, i64)>) -> Vec<(String, String, i64)> {
    let rank = |r: &str| {
        super::domain::OWNED
            .iter()
            .position(|o| o.0 == r)
            .unwrap_or(usize::MAX)
    };
    let mut sums: std::collections::HashMap<(String, String), i64> = Default::default();
    for (owner, register, n) in counts {
        *sums
            .entry((owner.trim().to_string(), register))
            .or_default() += n;
    }
    let mut out: Vec<(String, String, i64)> =
        sums.into_iter().map(|((o, r), n)| (o, r, n)).collect();
    out.sort_by(|a, b| rank(&a.1).cmp(&rank(&b.1)).then_with(|| a.0.cmp(&b.0)));
    out
}
