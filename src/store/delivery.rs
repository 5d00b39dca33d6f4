//! The room's bookkeeping after one sync step, in one transaction.
//!
//! Each statement on its own is a commit, and with `synchronous=FULL` every commit is an
//! fsync: marking a 100-item batch delivered one row at a time cost ~100 fsyncs (most of a
//! catch-up's time). One transaction makes it one fsync, and it is still on disk before the
//! next batch is read.

use rusqlite::params;
use uuid::Uuid;

use super::{Store, StoreError};

/// What one sync step leaves in the room's database.
#[derive(Debug, Clone, Copy)]
pub struct SyncStepRecord<'a> {
    /// Outbox ids the hub acknowledged storing (now or earlier).
    pub delivered: &'a [Uuid],
    /// The key/value key that takes `now_ms` when the step succeeded (the kiosk's "last
    /// synced"); `None` after a failure.
    pub last_ok_key: Option<&'a str>,
    pub now_ms: i64,
    /// Delivered items older than this are forgotten.
    pub purge_before_ms: i64,
}

impl Store {
    /// Marks the delivered items and their tickets, notes the success and forgets old
    /// delivered items, all in one commit.
    pub fn record_sync_step(&self, step: &SyncStepRecord<'_>) -> Result<(), StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        {
            let mut outbox = tx.prepare_cached(
                "UPDATE outbox SET delivered_at_ms = ?2 WHERE id = ?1 AND delivered_at_ms IS NULL",
            )?;
            let mut tickets = tx.prepare_cached(
                "UPDATE room_tickets SET synced_at_ms = ?2 WHERE feedback_id = ?1",
            )?;
            for id in step.delivered {
                let id = id.to_string();
                outbox.execute(params![id, step.now_ms])?;
                tickets.execute(params![id, step.now_ms])?;
            }
        }
        if let Some(key) = step.last_ok_key {
            tx.execute(
                "INSERT INTO kv (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                params![key, step.now_ms.to_string()],
            )?;
        }
        tx.execute(
            "DELETE FROM outbox WHERE delivered_at_ms IS NOT NULL AND delivered_at_ms < ?1",
            params![step.purge_before_ms],
        )?;
        tx.commit()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::Record;

    #[test]
    fn a_sync_step_marks_items_and_tickets_and_forgets_old_deliveries() {
        let store = Store::open_in_memory().expect("open");
        let (a, b, c) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        for (id, code) in [(a, "LC-7KAAAAA"), (b, "LC-7KBBBBB"), (c, "LC-7KCCCCC")] {
            assert!(
                store
                    .submit(id, &Record::test_feedback(code, "Đường sạt lở"), 1)
                    .expect("submit")
            );
        }
        store
            .record_sync_step(&SyncStepRecord {
                delivered: &[a],
                last_ok_key: Some("sync.last_ok_ms"),
                now_ms: 10,
                purge_before_ms: 0,
            })
            .expect("step");
        let pending: Vec<Uuid> = store
            .pending(10)
            .expect("pending")
            .iter()
            .map(|i| i.id)
            .collect();
        assert_eq!(pending, vec![b, c]);
        assert_eq!(
            store
                .room_ticket("LC-7KAAAAA")
                .expect("ticket")
                .and_then(|t| t.synced_at_ms),
            Some(10)
        );
        assert_eq!(
            store
                .room_ticket("LC-7KBBBBB")
                .expect("ticket")
                .and_then(|t| t.synced_at_ms),
            None
        );
        assert_eq!(
            store.kv_get("sync.last_ok_ms").expect("kv").as_deref(),
            Some("10")
        );

        store
            .record_sync_step(&SyncStepRecord {
                delivered: &[b],
                last_ok_key: None,
                now_ms: 20,
                purge_before_ms: 15,
            })
            .expect("step");
        assert_eq!(
            store.outbox_len().expect("len"),
            2,
            "a, delivered at 10, is forgotten"
        );
        assert_eq!(
            store.kv_get("sync.last_ok_ms").expect("kv").as_deref(),
            Some("10")
        );
    }
}
