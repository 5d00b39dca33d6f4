//! The only module that holds SQL.
//!
//! One SQLite file per box, in WAL mode with `synchronous=FULL`: a box can lose power the
//! second after a resident presses Send, and what the screen called "sent" must survive.
//! Migrations are append-only numbered files embedded in the binary.

mod backup;
mod contrib;
mod crash_check;
pub mod delivery;
mod feedback;
mod meetings;
mod news;
mod phone;
mod pledge_staff;
pub mod probe;
mod report;
mod room_contrib;
mod room_health;
mod rooms;
mod schedule;
mod staff;
mod triage;
mod zalo;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use rusqlite::{Connection, OpenFlags, OptionalExtension, params};
use uuid::Uuid;

pub use backup::{backup_to, restore_from};
pub use feedback::{ChannelItem, ChannelStored, TICKET_UPDATES_MAX};
pub use room_contrib::CONFIRMATIONS_MAX;
pub use zalo::{
    CONVERSATION_IDLE_MS, ITEM_TEXT_MAX_CHARS as ZALO_ITEM_TEXT_MAX_CHARS, SealedTokens,
    ZaloDelivery, ZaloDeliveryState, ZaloInbound, ZaloReceived,
};
// The domain types the store reads and writes live in the domain modules; they are named
// here too so callers written against `crate::store::…` keep compiling.
pub use crate::contrib::{
    Campaign, CampaignReport, CampaignTotals, ImportSummary, LedgerEntry, NewCampaign, Pledge,
    PledgeState, ReportLine, StaffNote, Transfer, TransferOutcome, WallEntry,
};
pub use crate::feedback::{Channel, FeedbackFilter, FeedbackRow, RoomTicket, StatusRefusal};
pub use meetings::MeetingRow;
pub use news::{NEWS_CHANGES_MAX, NewsChangeRefusal, RoomNews, StoredImage};
pub use phone::PhonePhoto;
pub use pledge_staff::{CASH_TRANSFER_TEXT, CashReceipt};
pub(crate) use report::{PublicTicket, PublicTicketQuery};
pub use room_health::RoomHealth;
pub use rooms::{EnrollRefusal, RoomRecord};
pub use staff::{ApiToken, LoginCandidate, NewStaffUser, StaffAccount, StaffRole, UnknownRole};
pub use triage::{
    AuditAction, AuditEntry, HiddenMark, Note, Scoped, TriageFilter, TriageRefusal, VoiceFilter,
};

/// Stores a domain enum as its text (`as_str`) and reads it back with `FromStr`, so the
/// column holds exactly what the JSON holds; a text the enum does not know reads as an
/// error naming the valid ones, never as a default.
macro_rules! sql_text {
    ($($ty:ty),+ $(,)?) => {$(
        impl rusqlite::types::ToSql for $ty {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $ty {
            fn column_result(value: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                value
                    .as_str()?
                    .parse()
                    .map_err(|e| rusqlite::types::FromSqlError::Other(Box::new(e)))
            }
        }
    )+};
}

sql_text!(
    crate::feedback::Status,
    crate::feedback::Channel,
    crate::contrib::CampaignStatus,
    crate::contrib::PledgeStatus,
    crate::contrib::EntryKind,
);

/// Append-only: never edit or reorder a released migration; add a new file.
const MIGRATIONS: &[(u32, &str, &str)] = &[
    (
        1,
        "rooms_and_enrollment",
        include_str!("migrations/0001_rooms_and_enrollment.sql"),
    ),
    (2, "outbox", include_str!("migrations/0002_outbox.sql")),
    (
        3,
        "contributions",
        include_str!("migrations/0003_contributions.sql"),
    ),
    (4, "feedback", include_str!("migrations/0004_feedback.sql")),
    (
        5,
        "room_contributions",
        include_str!("migrations/0005_room_contributions.sql"),
    ),
    (6, "meetings", include_str!("migrations/0006_meetings.sql")),
    (7, "staff", include_str!("migrations/0007_staff.sql")),
    (
        8,
        "meeting_schedule",
        include_str!("migrations/0008_meeting_schedule.sql"),
    ),
    (9, "news", include_str!("migrations/0009_news.sql")),
    (
        10,
        "feedback_triage",
        include_str!("migrations/0010_feedback_triage.sql"),
    ),
    (
        11,
        "room_status",
        include_str!("migrations/0011_room_status.sql"),
    ),
    (
        12,
        "feedback_channel",
        include_str!("migrations/0012_feedback_channel.sql"),
    ),
    (13, "zalo", include_str!("migrations/0013_zalo.sql")),
];

/// The schema version this binary writes.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

/// How long a writer waits for another connection's lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "{path}: the database is damaged ({detail}); it was left untouched. Restore the latest \
         backup with `phonghop restore --from FILE`, or move the file aside to start empty"
    )]
    Corrupt { path: String, detail: String },
    #[error(
        "{path}: the database has schema version {found} but this phonghop knows only up to \
         {supported}; it was written by a newer phonghop. Install that version (or newer) instead"
    )]
    NewerSchema {
        path: String,
        found: u32,
        supported: u32,
    },
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("{0}")]
    Refused(String),
}

/// A handle to the box's database; cheap to clone, one connection behind a mutex (SQLite
/// serialises writers anyway, and one connection keeps `synchronous=FULL` semantics simple).
#[derive(Debug, Clone)]
pub struct Store {
    conn: Arc<Mutex<Connection>>,
    path: Option<PathBuf>,
}

/// One item waiting in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxItem {
    pub id: Uuid,
    /// Position in the outbox (SQLite rowid): the order of submission.
    pub seq: i64,
    pub kind: String,
    pub body: String,
    pub created_at_ms: i64,
}

impl Store {
    /// Opens (creating if needed) the database file, checks it, and brings its schema up to
    /// date. A damaged file or one from a newer phonghop is refused and left as it is.
    pub fn open(path: &Path) -> Result<Store, StoreError> {
        // Switching a new file to WAL and migrating it need the file to themselves for a
        // moment; SQLite answers "busy" without waiting when two processes (a hub starting,
        // `phonghop hub add-room`) do it at once. Such a clash is retried, briefly.
        let mut attempt = 0;
        loop {
            match Self::open_once(path) {
                Err(StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)))
                    if e.code == rusqlite::ErrorCode::DatabaseBusy && attempt < 100 =>
                {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(50));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Store, StoreError> {
        let conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_CREATE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )?;
        let shown = path.display().to_string();
        check_integrity(&conn, &shown)?;
        configure(&conn)?;
        migrate(&conn, &shown)?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path: Some(path.to_owned()),
        })
    }

    /// An empty database in memory, for unit tests.
    pub fn open_in_memory() -> Result<Store, StoreError> {
        let conn = Connection::open_in_memory()?;
        configure(&conn)?;
        migrate(&conn, ":memory:")?;
        Ok(Store {
            conn: Arc::new(Mutex::new(conn)),
            path: None,
        })
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    fn lock(&self) -> MutexGuard<'_, Connection> {
        // A panic while holding the lock leaves the connection usable: SQLite rolls back
        // an open transaction when its statement handle is dropped.
        self.conn
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Starts a write transaction that takes the write lock at once. A deferred one that
    /// reads first and writes later fails with "database is locked" when another
    /// connection (a CLI command, the hub) wrote in between; waiting up front does not.
    pub(crate) fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
        conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
    }

    /// Runs blocking store work off the async runtime's worker threads (every commit is an
    /// fsync with `synchronous=FULL`).
    pub async fn call<R, F>(&self, f: F) -> R
    where
        F: FnOnce(&Store) -> R + Send + 'static,
        R: Send + 'static,
    {
        let store = self.clone();
        match tokio::task::spawn_blocking(move || f(&store)).await {
            Ok(r) => r,
            Err(join) => std::panic::resume_unwind(join.into_panic()),
        }
    }

    pub fn schema_version(&self) -> Result<u32, StoreError> {
        Ok(current_version(&self.lock())?)
    }

    /// `(journal_mode, synchronous)` as SQLite reports them for this connection; `("wal", 2)`
    /// is what survives a power cut.
    pub fn durability(&self) -> Result<(String, i64), StoreError> {
        let conn = self.lock();
        let mode = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0))?;
        let sync = conn.query_row("PRAGMA synchronous", [], |r| r.get(0))?;
        Ok((mode, sync))
    }

    /// Cheap liveness probe for `/healthz` and the systemd watchdog.
    pub fn ping(&self) -> bool {
        self.lock()
            .query_row("SELECT 1", [], |r| r.get::<_, i64>(0))
            .is_ok()
    }

    /// Changes whenever *another* connection (a CLI command such as `hub revoke-room`)
    /// commits to the file; polling it is how a running hub notices such changes.
    pub fn data_version(&self) -> Result<i64, StoreError> {
        Ok(self
            .lock()
            .query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Appends an item to the outbox; when this returns Ok the item is on disk.
    pub fn enqueue(&self, kind: &str, body: &str, now_ms: i64) -> Result<Uuid, StoreError> {
        let id = Uuid::now_v7();
        self.lock().execute(
            "INSERT INTO outbox (id, kind, body, created_at_ms) VALUES (?1, ?2, ?3, ?4)",
            params![id.to_string(), kind, body, now_ms],
        )?;
        Ok(id)
    }

    /// Oldest undelivered items first.
    pub fn pending(&self, limit: usize) -> Result<Vec<OutboxItem>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT id, kind, body, created_at_ms, rowid FROM outbox
             WHERE delivered_at_ms IS NULL ORDER BY rowid LIMIT ?1",
        )?;
        let rows = stmt.query_map(params![limit as i64], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, i64>(3)?,
                r.get::<_, i64>(4)?,
            ))
        })?;
        let mut out = Vec::new();
        for row in rows {
            let (id, kind, body, created_at_ms, seq) = row?;
            let id = Uuid::parse_str(&id)
                .map_err(|e| StoreError::Refused(format!("outbox id {id:?} is not a UUID: {e}")))?;
            out.push(OutboxItem {
                id,
                seq,
                kind,
                body,
                created_at_ms,
            });
        }
        Ok(out)
    }

    pub fn outbox_item(&self, id: Uuid) -> Result<Option<OutboxItem>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                "SELECT kind, body, created_at_ms, rowid FROM outbox WHERE id = ?1",
                params![id.to_string()],
                |r| {
                    Ok(OutboxItem {
                        id,
                        seq: r.get(3)?,
                        kind: r.get(0)?,
                        body: r.get(1)?,
                        created_at_ms: r.get(2)?,
                    })
                },
            )
            .optional()?)
    }

    pub fn mark_delivered(&self, id: Uuid, now_ms: i64) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE outbox SET delivered_at_ms = ?2 WHERE id = ?1 AND delivered_at_ms IS NULL",
            params![id.to_string(), now_ms],
        )?;
        Ok(())
    }

    pub fn outbox_len(&self) -> Result<u64, StoreError> {
        Ok(self
            .lock()
            .query_row("SELECT count(*) FROM outbox", [], |r| r.get::<_, i64>(0))?
            as u64)
    }

    /// Forgets delivered items older than `before_ms`: the hub has them, and a box should not
    /// keep residents' words (and names) longer than it needs to.
    pub fn purge_delivered(&self, before_ms: i64) -> Result<usize, StoreError> {
        Ok(self.lock().execute(
            "DELETE FROM outbox WHERE delivered_at_ms IS NOT NULL AND delivered_at_ms < ?1",
            params![before_ms],
        )?)
    }

    pub fn outbox_pending_len(&self) -> Result<u64, StoreError> {
        Ok(self.lock().query_row(
            "SELECT count(*) FROM outbox WHERE delivered_at_ms IS NULL",
            [],
            |r| r.get::<_, i64>(0),
        )? as u64)
    }
}

fn check_integrity(conn: &Connection, path: &str) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    // A busy database is not a damaged one: that error is passed on to be retried.
    let corrupt = |e: rusqlite::Error| match e {
        rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DatabaseBusy => {
            StoreError::Sqlite(e)
        }
        other => StoreError::Corrupt {
            path: path.to_owned(),
            detail: other.to_string(),
        },
    };
    let mut stmt = conn.prepare("PRAGMA quick_check").map_err(corrupt)?;
    let findings: Vec<String> = stmt
        .query_map([], |r| r.get::<_, String>(0))
        .and_then(|rows| rows.collect())
        .map_err(corrupt)?;
    if findings.len() == 1 && findings[0] == "ok" {
        Ok(())
    } else {
        Err(StoreError::Corrupt {
            path: path.to_owned(),
            detail: findings.join("; "),
        })
    }
}

fn configure(conn: &Connection) -> Result<(), StoreError> {
    conn.busy_timeout(BUSY_TIMEOUT)?;
    let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
    if mode != "wal" && mode != "memory" {
        return Err(StoreError::Refused(format!(
            "the database refused WAL mode (got {mode:?}); is it on a network file system?"
        )));
    }
    conn.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;")?;
    Ok(())
}

/// Whether any row is `FROM <from_where>` (`"rooms WHERE id = ?1"`).
fn exists(
    conn: &Connection,
    from_where: &str,
    params: impl rusqlite::Params,
) -> rusqlite::Result<bool> {
    conn.query_row(
        &format!("SELECT EXISTS (SELECT 1 FROM {from_where})"),
        params,
        |r| r.get(0),
    )
}

fn current_version(conn: &Connection) -> Result<u32, rusqlite::Error> {
    let has_table: bool = exists(
        conn,
        "sqlite_master WHERE type = 'table' AND name = 'schema_migrations'",
        [],
    )?;
    if !has_table {
        return Ok(0);
    }
    conn.query_row(
        "SELECT coalesce(max(version), 0) FROM schema_migrations",
        [],
        |r| r.get(0),
    )
}

fn migrate(conn: &Connection, path: &str) -> Result<(), StoreError> {
    // A step that rebuilds a table (SQLite cannot drop a NOT NULL) must run with foreign
    // keys off, as SQLite documents; each step's `foreign_key_check` stands in for them.
    conn.execute_batch("PRAGMA foreign_keys = OFF")?;
    let done = migrate_steps(conn, path);
    conn.execute_batch("PRAGMA foreign_keys = ON")?;
    done
}

fn migrate_steps(conn: &Connection, path: &str) -> Result<(), StoreError> {
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
             version       INTEGER PRIMARY KEY,
             name          TEXT NOT NULL,
             applied_at_ms INTEGER NOT NULL
         );",
    )?;
    for (version, name, sql) in MIGRATIONS {
        // IMMEDIATE takes the write lock before reading the version, so a hub starting
        // while `phonghop hub add-room` opens the same file never applies a step twice.
        conn.execute_batch("BEGIN IMMEDIATE")?;
        let step = (|| {
            let found = current_version(conn)?;
            if found > SCHEMA_VERSION {
                return Err(StoreError::NewerSchema {
                    path: path.to_owned(),
                    found,
                    supported: SCHEMA_VERSION,
                });
            }
            if found >= *version {
                return Ok(false);
            }
            conn.execute_batch(sql)?;
            let broken: Option<String> = conn
                .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
                .optional()?;
            if let Some(table) = broken {
                return Err(StoreError::Refused(format!(
                    "migration {version} ({name}) left rows in {table} pointing at nothing; \
                     nothing was changed"
                )));
            }
            conn.execute(
                "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?1, ?2, ?3)",
                params![version, name, crate::clock::now_ms()],
            )?;
            Ok(true)
        })();
        match step {
            Ok(applied) => {
                conn.execute_batch("COMMIT")?;
                if applied {
                    tracing::info!(version, name, "applied database migration");
                }
            }
            Err(e) => {
                let _ = conn.execute_batch("ROLLBACK");
                return Err(e);
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_are_numbered_from_one_without_gaps() {
        for (i, (version, _, _)) in MIGRATIONS.iter().enumerate() {
            assert_eq!(*version as usize, i + 1);
        }
    }

    #[test]
    fn domain_enums_are_stored_as_their_wire_text_and_unknown_text_is_an_error() {
        use crate::contrib::{CampaignStatus, EntryKind, PledgeStatus};
        use crate::feedback::Status;
        let store = Store::open_in_memory().expect("open");
        let conn = store.lock();
        let text = |value: &dyn rusqlite::ToSql| -> String {
            conn.query_row("SELECT ?1", [value], |r| r.get(0))
                .expect("select")
        };
        for &s in Status::ALL {
            assert_eq!(text(&s), serde_json::to_value(s).expect("json"));
            let back: Status = conn
                .query_row("SELECT ?1", [s], |r| r.get(0))
                .expect("read");
            assert_eq!(back, s);
        }
        assert_eq!(text(&CampaignStatus::Closed), "closed");
        assert_eq!(text(&PledgeStatus::Confirmed), "confirmed");
        assert_eq!(text(&EntryKind::Allocation), "allocation");
        let unknown = conn.query_row("SELECT 'reopened'", [], |r| r.get::<_, Status>(0));
        let message = unknown.expect_err("not a status").to_string();
        assert!(
            message.contains("\"reopened\" is not one of: new,"),
            "{message}"
        );
    }

    #[test]
    fn feedback_stored_before_channels_reads_as_kiosk_with_its_notes_and_history() {
        let conn = Connection::open_in_memory().expect("open");
        conn.execute_batch("PRAGMA foreign_keys = ON").expect("fk");
        for (_, _, sql) in &MIGRATIONS[..11] {
            conn.execute_batch(sql).expect("an old migration");
        }
        conn.execute_batch(
            "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL,
                 applied_at_ms INTEGER NOT NULL);",
        )
        .expect("versions table");
        for v in 1..=11 {
            conn.execute("INSERT INTO schema_migrations VALUES (?1, 'old', 0)", [v])
                .expect("version");
        }
        conn.execute_batch(
            "INSERT INTO rooms (id, unit_id, name, created_at_ms) VALUES ('r1', 'lao-chai', 'UBND', 0);
             INSERT INTO feedback (id, room_id, room_seq, ticket_code, category, text, language,
                 submitted_at_ms, received_at_ms, updated_at_ms, version)
             VALUES ('f1', 'r1', 1, 'LC-7K3P9', 'roads', 'ổ gà', 'vi', 1, 2, 2, 1);
             INSERT INTO feedback_notes (feedback_id, author, at_ms, text) VALUES ('f1', 'lan', 3, 'n');
             INSERT INTO feedback_history (feedback_id, status, by_staff, at_ms) VALUES ('f1', 'new', 'lan', 3);",
        )
        .expect("old rows");
        migrate(&conn, ":memory:").expect("migrate to channels");
        let fk: bool = conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .expect("fk");
        assert!(fk, "foreign keys are on again after migrating");
        let store = Store {
            conn: Arc::new(Mutex::new(conn)),
            path: None,
        };
        let row = store
            .feedback_by_ticket("LC-7K3P9")
            .expect("read")
            .expect("kept");
        assert_eq!(row.channel, crate::feedback::Channel::Kiosk);
        assert_eq!(row.room_id.as_deref(), Some("r1"));
        assert_eq!(row.unit_id, "lao-chai");
        assert_eq!(store.feedback_notes("f1").expect("notes").len(), 1);
        let conn = store.lock();
        let orphans: i64 = conn
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .expect("check");
        assert_eq!(orphans, 0);
        let refused = conn.execute(
            "INSERT INTO feedback_notes (feedback_id, author, at_ms, text) VALUES ('nope', 'a', 1, 't')",
            [],
        );
        assert!(refused.is_err(), "notes still point at feedback");
    }

    #[test]
    fn an_empty_database_is_brought_to_the_current_schema() {
        let store = Store::open_in_memory().expect("open");
        assert_eq!(store.schema_version().expect("version"), SCHEMA_VERSION);
    }

    #[test]
    fn the_outbox_hands_back_items_oldest_first_until_delivered() {
        let store = Store::open_in_memory().expect("open");
        let a = store.enqueue("feedback", "{\"n\":1}", 1).expect("a");
        let b = store.enqueue("feedback", "{\"n\":2}", 2).expect("b");
        let pending_ids = || -> Vec<Uuid> {
            let items = store.pending(10).expect("pending");
            items.iter().map(|i| i.id).collect()
        };
        assert_eq!(pending_ids(), vec![a, b]);
        store.mark_delivered(a, 3).expect("deliver");
        assert_eq!(pending_ids(), vec![b]);
        assert_eq!(store.outbox_len().expect("len"), 2);
    }
}
