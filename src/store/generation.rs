//! Register generations (migration 9): a counter per register that every write to it bumps,
//! so that caches of facts read from a register know when to read again.

use super::{Store, Tx, pool_query, tx_exec};
use crate::error::Result;

impl Tx {
    /// Marks a register as changed by this write.
    pub(crate) async fn bump_generation(&mut self, register: &str) -> Result<()> {
        tx_exec!(
            self,
            "update register_generation set generation = generation + 1 where register = $1",
            register
        )?;
        Ok(())
    }
}

impl Store {
    /// The generations of several registers in one read, in the order asked (a cache keyed
    /// on several registers reads them together).
    pub async fn generations<const N: usize>(&self, registers: [&str; N]) -> Result<[i64; N]> {
        let rows: Vec<(String, i64)> = pool_query!(
            self,
            fetch_all,
            (String, i64),
            "select register, generation from register_generation"
        )?;
        let mut out = [0; N];
        for (slot, name) in out.iter_mut().zip(registers) {
            *slot = rows
                .iter()
                .find(|(r, _)| r == name)
                .map(|(_, g)| *g)
                .ok_or_else(|| anyhow::anyhow!("no generation is kept for the register {name}"))?;
        }
        Ok(out)
    }

    /// The generation of a register: changed by every write to it.
    pub async fn generation(&self, register: &str) -> Result<i64> {
        let [g] = self.generations([register]).await?;
        Ok(g)
    }
}
