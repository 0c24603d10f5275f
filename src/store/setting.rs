//! The organisation's settings kept as JSON by key (`org_setting`): the asset types and
//! classification levels, the notification rules. A setting never written reads as its type's
//! default; one that no longer reads is an error naming it.

use super::{Store, Tx, pool_query, tx_exec, tx_query};
use crate::error::{Error, Result};

fn parse<T: serde::de::DeserializeOwned + Default>(key: &str, json: Option<String>) -> Result<T> {
    match json {
        None => Ok(T::default()),
        Some(j) => serde_json::from_str(&j).map_err(|e| {
            Error::Internal(anyhow::anyhow!(
                "the stored setting {key} cannot be read: {e}"
            ))
        }),
    }
}

impl Tx {
    /// The setting `key` read inside a write.
    pub(crate) async fn setting<T: serde::de::DeserializeOwned + Default>(
        &mut self,
        key: &str,
    ) -> Result<T> {
        let r: Option<(String,)> = tx_query!(
            self,
            fetch_optional,
            (String,),
            "select value_json from org_setting where setting_key = $1",
            key
        )?;
        parse(key, r.map(|r| r.0))
    }

    /// Writes the setting `key`.
    pub(crate) async fn put_setting<T: serde::Serialize>(
        &mut self,
        key: &str,
        value: &T,
    ) -> Result<()> {
        let json = serde_json::to_string(value).map_err(|e| Error::Internal(e.into()))?;
        let now = self.now().to_string();
        tx_exec!(
            self,
            "insert into org_setting (setting_key, value_json, updated_at) values ($1, $2, $3)
             on conflict (setting_key) do update set value_json = excluded.value_json, updated_at = excluded.updated_at",
            key,
            &json,
            &now
        )?;
        Ok(())
    }
}

impl Store {
    /// The setting `key`.
    pub async fn setting<T: serde::de::DeserializeOwned + Default>(&self, key: &str) -> Result<T> {
        let r: Option<(String,)> = pool_query!(
            self,
            fetch_optional,
            (String,),
            "select value_json from org_setting where setting_key = $1",
            key
        )?;
        parse(key, r.map(|r| r.0))
    }
}
