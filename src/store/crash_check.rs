//! What the crash bench reads after each `SIGKILL`: SQLite's full integrity check and the
//! contents it counts (acknowledged items present, none twice), read straight from the
//! file the killed process wrote.

use rusqlite::params;

use super::{Store, StoreError};

impl Store {
    /// `PRAGMA integrity_check` (the full check, not `quick_check`): an empty list when the
    /// file is sound, else SQLite's findings.
    pub fn integrity_problems(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("PRAGMA integrity_check")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        let found = rows.collect::<Result<Vec<_>, _>>()?;
        Ok(found.into_iter().filter(|line| line != "ok").collect())
    }

    /// Every outbox body, delivered or not, oldest first: a room's record of what residents
    /// submitted until it is purged.
    pub fn outbox_bodies(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare("SELECT body FROM outbox ORDER BY rowid")?;
        let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }

    /// How many transfers carry each bank reference starting with `prefix`: a delivery
    /// stored twice under two provider ids would show as a count of 2.
    pub fn transfer_references(&self, prefix: &str) -> Result<Vec<(String, u64)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare(
            "SELECT bank_reference, count(*) FROM transfers
             WHERE substr(bank_reference, 1, length(?1)) = ?1 GROUP BY bank_reference",
        )?;
        let rows = stmt.query_map(params![prefix], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)? as u64))
        })?;
        Ok(rows.collect::<Result<Vec<_>, _>>()?)
    }
}
