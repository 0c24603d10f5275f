//! ISMS roles and their holders in the store, and what each person owns across the registers.

use super::domain::{IsmsRole, Known, RoleDraft, RoleKind};
use crate::error::{Error, Result};
use crate::store::{Store, Tx, tx_exec, tx_fetch_in, tx_query};
use sqlx::Row;

struct RoleRow(IsmsRole);

const COLUMNS: &str =
    "x.role_id, x.name, x.kind, x.responsibilities, x.authority, x.updated_at, x.revision";

macro_rules! role_from_row {
    ($row:ty) => {
        impl<'r> sqlx::FromRow<'r, $row> for RoleRow {
            fn from_row(r: &'r $row) -> sqlx::Result<Self> {
                let kind: String = r.try_get(2)?;
                Ok(RoleRow(IsmsRole {
                    id: r.try_get(0)?,
                    name: r.try_get(1)?,
                    kind: RoleKind::parse(&kind).unwrap_or(RoleKind::Other),
                    responsibilities: r.try_get(3)?,
                    authority: r.try_get(4)?,
                    updated_at: r.try_get(5)?,
                    revision: r.try_get(6)?,
                    holders: Vec::new(),
                }))
            }
        }
    };
}
role_from_row!(sqlx::sqlite::SqliteRow);
role_from_row!(sqlx::postgres::PgRow);

async fn with_holders(tx: &mut Tx, mut items: Vec<IsmsRole>) -> Result<Vec<IsmsRole>> {
    let ids: Vec<String> = items.iter().map(|x| x.id.clone()).collect();
    let links: Vec<(String, String)> = tx_fetch_in!(
        tx,
        (String, String),
        "select role_id, email from isms_role_holder where role_id in ",
        ids,
        " order by email"
    );
    let mut links = crate::store::group_links(links);
    for x in &mut items {
        x.holders = links.remove(&x.id).unwrap_or_default();
    }
    Ok(items)
}

/// A role read inside a transaction, or none.
pub(crate) async fn read_in(tx: &mut Tx, id: &str) -> Result<Option<IsmsRole>> {
    let row: Option<RoleRow> = tx_query!(
        tx,
        fetch_optional,
        RoleRow,
        &format!("select {COLUMNS} from isms_role x where x.role_id = $1"),
        id
    )?;
    match row {
        None => Ok(None),
        Some(r) => Ok(with_holders(tx, vec![r.0]).await?.pop()),
    }
}

/// Locks a role's row and reads it, inside a write.
pub(crate) async fn lock(tx: &mut Tx, id: &str) -> Result<IsmsRole> {
    if !tx.lock_row("isms_role", "role_id", id).await? {
        return Err(Error::NotFound(format!("role {id}")));
    }
    read_in(tx, id)
        .await?
        .ok_or_else(|| Error::NotFound(format!("role {id}")))
}

/// Inserts a role (its id, if given, must be free).
pub(crate) async fn insert(tx: &mut Tx, d: &RoleDraft) -> Result<IsmsRole> {
    let id = crate::store::claim_id(
        tx,
        d.id.as_deref(),
        ("isms_role", "role_id", "RL"),
        "a role",
    )
    .await?;
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into isms_role (role_id, name, kind, updated_at) values ($1, $2, $3, $4)",
        &id,
        &d.name,
        d.kind.key(),
        &now
    )?;
    write(tx, &id, d, false).await
}

/// Writes a role's fields and holders (revision + 1 unless it is new).
pub(crate) async fn write(tx: &mut Tx, id: &str, d: &RoleDraft, bump: bool) -> Result<IsmsRole> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        &format!(
            "update isms_role set name = $1, kind = $2, responsibilities = $3, authority = $4,
                updated_at = $5{} where role_id = $6",
            if bump {
                ", revision = revision + 1"
            } else {
                ""
            }
        ),
        &d.name,
        d.kind.key(),
        &d.responsibilities,
        &d.authority,
        &now,
        id
    )?;
    tx_exec!(tx, "delete from isms_role_holder where role_id = $1", id)?;
    for h in &d.holders {
        tx_exec!(
            tx,
            "insert into isms_role_holder (role_id, email) values ($1, $2)",
            id,
            h
        )?;
    }
    lock(tx, id).await
}

/// Owners and how many records each owns, per register (the owner empty: nobody). Open
/// incidents are counted by their handler; retired documents and suppliers, and records done
/// with, are left out.
const OWNED_SQL: &str = "
    select lower(owner), 'asset', count(*) from asset group by lower(owner)
    union all select lower(owner), 'risk', count(*) from risk group by lower(owner)
    union all select lower(owner), 'measure', count(*) from measure where status <> 'deprecated' group by lower(owner)
    union all select lower(owner), 'control', count(*) from soa_row where applicable = true group by lower(owner)
    union all select lower(owner), 'document', count(*) from document where status <> 'retired' group by lower(owner)
    union all select lower(owner), 'process', count(*) from process group by lower(owner)
    union all select lower(handler), 'incident', count(*) from incident where closed_at is null group by lower(handler)
    union all select lower(owner), 'supplier', count(*) from supplier where status <> 'ended' group by lower(owner)
    union all select lower(owner), 'obligation', count(*) from obligation where applicable = true group by lower(owner)
    union all select lower(owner), 'processing', count(*) from processing group by lower(owner)
    union all select lower(owner), 'party', count(*) from party group by lower(owner)
    union all select lower(owner), 'context_issue', count(*) from context_issue group by lower(owner)
    union all select lower(owner), 'programme', count(*) from audit_programme group by lower(owner)
    union all select lower(owner), 'finding', count(*) from audit_finding where status = 'open' group by lower(owner)";

impl Store {
    /// Every role, by name.
    pub async fn isms_roles(&self) -> Result<Vec<IsmsRole>> {
        let mut tx = self.read_tx().await?;
        let rows: Vec<RoleRow> = tx_query!(
            &mut tx,
            fetch_all,
            RoleRow,
            &format!("select {COLUMNS} from isms_role x order by x.name, x.role_id limit 5000")
        )?;
        let items = with_holders(&mut tx, rows.into_iter().map(|r| r.0).collect()).await?;
        tx.commit().await?;
        Ok(items)
    }

    pub async fn isms_role(&self, id: &str) -> Result<IsmsRole> {
        let mut tx = self.read_tx().await?;
        let x = read_in(&mut tx, id).await?;
        tx.commit().await?;
        x.ok_or_else(|| Error::NotFound(format!("role {id}")))
    }

    /// (owner, register, count) for every owner of every register.
    pub async fn owned_counts(&self) -> Result<Vec<(String, String, i64)>> {
        Ok(crate::store::pool_query!(
            self,
            fetch_all,
            (String, String, i64),
            OWNED_SQL
        )?)
    }

    /// Everyone Annex knows by e-mail (lower case): the staff directory (a leaving day on or
    /// before `today` is a leaver) and the users (a disabled user who is not in the directory
    /// counts as left); each with a name.
    pub async fn known_people(
        &self,
        today: &str,
    ) -> Result<std::collections::HashMap<String, (String, Known)>> {
        let staff: Vec<(String, String, Option<String>)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String, String, Option<String>),
            "select lower(email), name, left_on from person where email <> ''"
        )?;
        let users: Vec<(String, String, bool)> = crate::store::pool_query!(
            self,
            fetch_all,
            (String, String, bool),
            "select lower(email), name, disabled from user_account where role <> 'agent'"
        )?;
        let mut out = std::collections::HashMap::new();
        for (email, name, disabled) in users {
            let known = if disabled {
                Known::Left
            } else {
                Known::Present
            };
            out.insert(email, (name, known));
        }
        for (email, name, left_on) in staff {
            let known = match left_on {
                Some(d) if d.as_str() < today => Known::Left,
                _ => Known::Present,
            };
            out.insert(email, (name, known));
        }
        Ok(out)
    }
}
