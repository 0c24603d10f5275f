//! Use cases of host groups: reading them, creating, changing and removing a group (editors),
//! moving a host into another group, and the group a new host's first report joins. Every
//! change of what a group evidences, or of a host's group, changes which scan results count
//! on the Statement of Applicability, so it marks the evidence as changed.

use super::domain_group::{self, HostGroup, HostGroupInput};
use super::store_group::{
    delete_group, groups_in, lock_group, lock_host_group, save_group, set_host_group,
};
use crate::domain::catalog::DEFAULT_FRAMEWORK;
use crate::domain::user::EDITORS;
use crate::error::{Error, Result};
use crate::service::{Ctx, Expected, check_revision};
use crate::store::Tx;

/// Every group: the default first, then by name.
#[tracing::instrument(name = "hosts.groups", skip_all, fields(actor = %ctx.who()))]
pub async fn groups(ctx: &Ctx) -> Result<Vec<HostGroup>> {
    ctx.require_reader()?;
    ctx.store().host_groups().await
}

/// One group.
#[tracing::instrument(name = "hosts.group", skip_all, fields(actor = %ctx.who(), key = %key))]
pub async fn group(ctx: &Ctx, key: &str) -> Result<HostGroup> {
    ctx.require_reader()?;
    ctx.store()
        .host_groups()
        .await?
        .into_iter()
        .find(|g| g.key == key)
        .ok_or_else(|| Error::NotFound(format!("host group {key}")))
}

/// The group a new host joins: the one its report names (by key or name), else the default.
pub(crate) async fn group_for_report(tx: &mut Tx, named: &str) -> Result<String> {
    let groups = groups_in(tx).await?;
    if named.trim().is_empty() {
        return Ok(groups
            .iter()
            .find(|g| g.is_default)
            .or(groups.first())
            .map(|g| g.key.clone())
            .unwrap_or_else(|| "servers".into()));
    }
    match domain_group::find(&groups, named) {
        Some(g) => Ok(g.key.clone()),
        None => Err(Error::field("group", domain_group::unknown(&groups, named))),
    }
}

/// Whether two groups are the same by name (any case), for the unique name.
fn same_name(a: &str, b: &str) -> bool {
    a.to_lowercase() == b.to_lowercase()
}

/// Creates a group (editors). Its key is the one given or made from its name (numbered
/// `group-N` when the name has no Latin letters); names and keys are unique.
#[tracing::instrument(name = "hosts.group_create", skip_all, fields(actor = %ctx.who()))]
pub async fn create(ctx: &Ctx, input: &HostGroupInput) -> Result<HostGroup> {
    ctx.require(EDITORS)?;
    let catalog = ctx.store().catalog(DEFAULT_FRAMEWORK).await?;
    let mut draft = input.parse(&catalog, None)?;
    let mut tx = ctx.write().await?;
    let groups = groups_in(&mut tx).await?;
    if let Some(g) = groups.iter().find(|g| same_name(&g.name, &draft.name)) {
        return Err(Error::field(
            "name",
            format!("there is already a group '{}'", g.name),
        ));
    }
    if draft.key.is_empty() {
        draft.key = (groups.len() + 1..)
            .map(|n| format!("group-{n}"))
            .find(|k| !groups.iter().any(|g| &g.key == k))
            .unwrap_or_default();
    } else if groups.iter().any(|g| g.key == draft.key) {
        return Err(Error::field(
            "key",
            format!(
                "the key '{}' is taken: give the group another key",
                draft.key
            ),
        ));
    }
    if groups.is_empty() {
        draft.is_default = true;
    }
    save_group(&mut tx, &draft, true).await?;
    let after = lock_group(&mut tx, &draft.key).await?;
    tx.audit(
        ctx.change("host_group.create", "host_group", &draft.key)
            .after(&after),
    )
    .await?;
    tx.commit().await?;
    Ok(after)
}

/// Changes a group (editors): name, description, whether it is the default, the controls it
/// does not evidence. The default group stays the default until another takes its place.
#[tracing::instrument(name = "hosts.group_update", skip_all, fields(actor = %ctx.who(), key = %key))]
pub async fn update(
    ctx: &Ctx,
    key: &str,
    expected: Expected,
    input: &HostGroupInput,
) -> Result<HostGroup> {
    ctx.require(EDITORS)?;
    let catalog = ctx.store().catalog(DEFAULT_FRAMEWORK).await?;
    let draft = input.parse(&catalog, Some(key))?;
    let mut tx = ctx.write().await?;
    let before = lock_checked(&mut tx, key, expected).await?;
    if before.is_default && !draft.is_default {
        return Err(Error::field(
            "is_default",
            "new hosts join this group: make another group the default instead",
        ));
    }
    let groups = groups_in(&mut tx).await?;
    if let Some(g) = groups
        .iter()
        .find(|g| g.key != key && same_name(&g.name, &draft.name))
    {
        return Err(Error::field(
            "name",
            format!("there is already a group '{}'", g.name),
        ));
    }
    let unchanged = before.name == draft.name
        && before.description == draft.description
        && before.is_default == draft.is_default
        && before.excluded_controls == draft.excluded_controls;
    if unchanged {
        return Ok(before);
    }
    save_group(&mut tx, &draft, false).await?;
    let after = lock_group(&mut tx, key).await?;
    let mut changes = vec![
        ctx.change("host_group.update", "host_group", key)
            .before(&before)
            .after(&after),
    ];
    if draft.is_default && !before.is_default {
        // The group that was the default stops being it: its own entry says so.
        for old in groups.iter().filter(|g| g.is_default && g.key != key) {
            let mut now = old.clone();
            now.is_default = false;
            now.revision += 1;
            changes.push(
                ctx.change("host_group.update", "host_group", &old.key)
                    .before(old)
                    .after(&now),
            );
        }
    }
    if before.excluded_controls != after.excluded_controls {
        tx.bump_generation("evidence").await?;
    }
    tx.audit_many(changes).await?;
    tx.commit().await?;
    Ok(after)
}

/// A group locked for this write, refused (409, naming the change since) when the writer saw
/// an older revision.
async fn lock_checked(tx: &mut Tx, key: &str, expected: Expected) -> Result<HostGroup> {
    let group = lock_group(tx, key).await?;
    check_revision(
        tx,
        "host_group",
        key,
        &format!("host group {}", group.name),
        group.revision,
        expected,
    )
    .await?;
    Ok(group)
}

/// Removes a group (editors): only an empty group that is not the default.
#[tracing::instrument(name = "hosts.group_delete", skip_all, fields(actor = %ctx.who(), key = %key))]
pub async fn delete(ctx: &Ctx, key: &str, expected: Expected) -> Result<()> {
    ctx.require(EDITORS)?;
    let mut tx = ctx.write().await?;
    let before = lock_checked(&mut tx, key, expected).await?;
    if before.is_default {
        return Err(Error::Conflict(format!(
            "new hosts join {}: make another group the default before removing it",
            before.name
        )));
    }
    if before.hosts > 0 {
        return Err(Error::Conflict(format!(
            "{} {} in {}: move {} to another group before removing it",
            crate::domain::words::count(before.hosts as usize, "host", "hosts"),
            if before.hosts == 1 { "is" } else { "are" },
            before.name,
            if before.hosts == 1 { "it" } else { "them" }
        )));
    }
    delete_group(&mut tx, key).await?;
    tx.audit(
        ctx.change("host_group.delete", "host_group", key)
            .before(&before),
    )
    .await?;
    tx.commit().await
}

/// Moves a host into a group (editors), by the group's key or name. Its scan results then
/// count for the controls that group evidences.
#[tracing::instrument(name = "hosts.move", skip_all, fields(actor = %ctx.who(), host = %host))]
pub async fn move_host(
    ctx: &Ctx,
    host: &str,
    expected: Expected,
    group: &str,
) -> Result<super::domain::HostSummary> {
    ctx.require(EDITORS)?;
    let mut tx = ctx.write().await?;
    let (current, revision) = lock_host_group(&mut tx, host).await?;
    check_revision(
        &mut tx,
        "host",
        host,
        &format!("host {host}"),
        revision,
        expected,
    )
    .await?;
    let groups = groups_in(&mut tx).await?;
    if group.trim().is_empty() {
        return Err(Error::field("group", "choose the host's group"));
    }
    let target = domain_group::find(&groups, group)
        .ok_or_else(|| Error::field("group", domain_group::unknown(&groups, group)))?;
    if target.key != current {
        let name_of = |k: &str| {
            groups
                .iter()
                .find(|g| g.key == k)
                .map(|g| g.name.clone())
                .unwrap_or_else(|| k.to_string())
        };
        set_host_group(&mut tx, host, &target.key).await?;
        tx.bump_generation("evidence").await?;
        tx.audit(
            ctx.change("host.group", "host", host)
                .before(serde_json::json!({"group": name_of(&current), "revision": revision}))
                .after(serde_json::json!({"group": target.name, "revision": revision + 1})),
        )
        .await?;
        tx.commit().await?;
    }
    ctx.store().host(host).await
}
