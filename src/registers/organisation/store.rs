//! The organisation's row: its name and time zone; the scope statement is the context
//! register's (`isms_scope`).

use crate::error::Result;
use crate::store::{Tx, tx_exec, tx_query};

/// The organisation's name and scope, its row locked for this write; `None` before setup.
pub(crate) async fn lock(tx: &mut Tx) -> Result<Option<(String, String)>> {
    let lock = tx.row_lock();
    Ok(tx_query!(
        tx,
        fetch_optional,
        (String, String),
        &format!(
            "select o.name, s.statement from organisation o, isms_scope s
             where o.organisation_id = 1 and s.scope_id = 'isms'{lock}"
        )
    )?)
}

/// The time zone as stored, read inside a write (UTC before setup).
pub(crate) async fn time_zone(tx: &mut Tx) -> Result<String> {
    let r: Option<(String,)> = tx_query!(
        tx,
        fetch_optional,
        (String,),
        "select time_zone from organisation where organisation_id = 1"
    )?;
    Ok(r.map(|r| r.0).unwrap_or_else(|| "UTC".into()))
}

/// Records the name and the time zone (creating the row when an instance was started from
/// the command line without the setup page).
pub(crate) async fn write(tx: &mut Tx, name: &str, zone: &str) -> Result<()> {
    let now = tx.now().to_string();
    tx_exec!(
        tx,
        "insert into organisation (organisation_id, name, created_at, updated_at, time_zone) values (1, $1, $2, $2, $3)
         on conflict (organisation_id) do update set name = excluded.name,
                                                     updated_at = excluded.updated_at, time_zone = excluded.time_zone",
        name,
        &now,
        zone
    )?;
    Ok(())
}
