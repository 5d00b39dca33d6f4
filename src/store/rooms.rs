//! Rooms, enrollment codes, device credentials and the presence log.

use rusqlite::{OptionalExtension, params};
use uuid::Uuid;

use super::{Store, StoreError, exists};

/// Removes `room` from the invited rooms of every meeting still `scheduled` that it does
/// not host.
fn uninvite_from_scheduled(
    tx: &rusqlite::Transaction<'_>,
    room: &str,
    now_ms: i64,
) -> Result<(), StoreError> {
    let scheduled = crate::meeting::schedule::ScheduleStatus::Scheduled.as_str();
    let lists: Vec<(String, String)> = {
        let mut stmt = tx.prepare_cached(
            "SELECT id, rooms_json FROM meeting_schedule WHERE status = ?1 AND host_room <> ?2",
        )?;
        let rows = stmt.query_map(params![scheduled, room], |r| Ok((r.get(0)?, r.get(1)?)))?;
        rows.collect::<Result<_, _>>()?
    };
    for (meeting_id, rooms_json) in lists {
        let Ok(rooms) = serde_json::from_str::<Vec<String>>(&rooms_json) else {
            continue;
        };
        if !rooms.iter().any(|r| r == room) {
            continue;
        }
        let kept: Vec<&String> = rooms.iter().filter(|r| *r != room).collect();
        let kept = serde_json::to_string(&kept).unwrap_or_else(|_| "[]".into());
        tx.execute(
            "UPDATE meeting_schedule SET rooms_json = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![meeting_id, kept, now_ms],
        )?;
    }
    Ok(())
}

/// A room as the hub knows it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct RoomRecord {
    pub id: String,
    pub unit_id: String,
    pub name: String,
    pub created_at_ms: i64,
    pub revoked_at_ms: Option<i64>,
    /// Start of this room's ticket codes, e.g. `LC-7K`.
    pub ticket_prefix: Option<String>,
}

/// Why an enrollment code was not accepted. Said to the installer, so each names its fix.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EnrollRefusal {
    #[error("unknown enrollment code; check it was typed as printed by `phonghop hub add-room`")]
    UnknownCode,
    #[error("this enrollment code was already used; issue a new one with `phonghop hub add-room`")]
    AlreadyUsed,
    #[error("this enrollment code expired; issue a new one with `phonghop hub add-room`")]
    Expired,
    #[error("this room was revoked; add the box again with `phonghop hub add-room`")]
    RoomRevoked,
    #[error(
        "this code is for unit {code_unit:?} but this box is configured as unit {box_unit:?}; fix [room] unit or use the right code"
    )]
    WrongUnit { code_unit: String, box_unit: String },
}

const ROOM_COLUMNS: &str = "id, unit_id, name, created_at_ms, revoked_at_ms, ticket_prefix";

fn room_from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RoomRecord> {
    Ok(RoomRecord {
        id: r.get(0)?,
        unit_id: r.get(1)?,
        name: r.get(2)?,
        created_at_ms: r.get(3)?,
        revoked_at_ms: r.get(4)?,
        ticket_prefix: r.get(5)?,
    })
}

impl Store {
    /// Creates a room and its one-time enrollment code (stored as a hash) in one transaction.
    /// `ticket_prefix` must be unique; `Ok(None)` when another room has it (pick another).
    pub fn create_room(
        &self,
        unit_id: &str,
        name: &str,
        ticket_prefix: &str,
        code_hash: &str,
        code_expires_at_ms: i64,
        now_ms: i64,
    ) -> Result<Option<RoomRecord>, StoreError> {
        let room = RoomRecord {
            id: Uuid::now_v7().to_string(),
            unit_id: unit_id.to_owned(),
            name: name.to_owned(),
            created_at_ms: now_ms,
            revoked_at_ms: None,
            ticket_prefix: Some(ticket_prefix.to_owned()),
        };
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let taken: bool = exists(
            &tx,
            "rooms WHERE ticket_prefix = ?1",
            params![ticket_prefix],
        )?;
        if taken {
            return Ok(None);
        }
        tx.execute(
            "INSERT INTO rooms (id, unit_id, name, created_at_ms, ticket_prefix) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![room.id, room.unit_id, room.name, now_ms, ticket_prefix],
        )?;
        tx.execute(
            "INSERT INTO enrollment_codes (code_hash, room_id, expires_at_ms) VALUES (?1, ?2, ?3)",
            params![code_hash, room.id, code_expires_at_ms],
        )?;
        tx.commit()?;
        Ok(Some(room))
    }

    /// Exchanges an enrollment code for a device credential, once. The outer `Result` is a
    /// database failure; the inner one is the installer's mistake.
    pub fn redeem_enrollment(
        &self,
        code_hash: &str,
        box_unit: Option<&str>,
        credential_hash: &str,
        now_ms: i64,
    ) -> Result<Result<RoomRecord, EnrollRefusal>, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        let found = tx
            .query_row(
                "SELECT room_id, expires_at_ms, used_at_ms FROM enrollment_codes WHERE code_hash = ?1",
                params![code_hash],
                |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, Option<i64>>(2)?)),
            )
            .optional()?;
        let Some((room_id, expires_at_ms, used_at_ms)) = found else {
            return Ok(Err(EnrollRefusal::UnknownCode));
        };
        if used_at_ms.is_some() {
            return Ok(Err(EnrollRefusal::AlreadyUsed));
        }
        if now_ms >= expires_at_ms {
            return Ok(Err(EnrollRefusal::Expired));
        }
        let room = tx.query_row(
            &format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE id = ?1"),
            params![room_id],
            room_from_row,
        )?;
        if room.revoked_at_ms.is_some() {
            return Ok(Err(EnrollRefusal::RoomRevoked));
        }
        if let Some(box_unit) = box_unit
            && box_unit != room.unit_id
        {
            return Ok(Err(EnrollRefusal::WrongUnit {
                code_unit: room.unit_id,
                box_unit: box_unit.to_owned(),
            }));
        }
        tx.execute(
            "UPDATE enrollment_codes SET used_at_ms = ?2 WHERE code_hash = ?1",
            params![code_hash, now_ms],
        )?;
        tx.execute(
            "INSERT INTO room_credentials (credential_hash, room_id, issued_at_ms) VALUES (?1, ?2, ?3)",
            params![credential_hash, room.id, now_ms],
        )?;
        tx.commit()?;
        Ok(Ok(room))
    }

    /// The room a credential belongs to, revoked or not (the caller decides what revoked means).
    pub fn room_by_credential(
        &self,
        credential_hash: &str,
    ) -> Result<Option<RoomRecord>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!(
                    "SELECT r.{} FROM room_credentials c JOIN rooms r ON r.id = c.room_id
                     WHERE c.credential_hash = ?1",
                    ROOM_COLUMNS.replace(", ", ", r.")
                ),
                params![credential_hash],
                room_from_row,
            )
            .optional()?)
    }

    pub fn room(&self, id: &str) -> Result<Option<RoomRecord>, StoreError> {
        Ok(self
            .lock()
            .query_row(
                &format!("SELECT {ROOM_COLUMNS} FROM rooms WHERE id = ?1"),
                params![id],
                room_from_row,
            )
            .optional()?)
    }

    pub fn rooms(&self) -> Result<Vec<RoomRecord>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {ROOM_COLUMNS} FROM rooms ORDER BY created_at_ms, id"
        ))?;
        let rows = stmt.query_map([], room_from_row)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Marks a room revoked and, in the same commit, takes it off the invited list of every
    /// meeting still to come (a stolen box must not be told when and where the province
    /// meets); returns false when no such room exists. Revoking twice keeps the first time.
    /// A meeting it hosts keeps it as host: staff must move or cancel that meeting, and it
    /// will not start without its host. Meetings held or running keep their list, which is
    /// their attendance record; a running hub ends the room's media itself.
    pub fn revoke_room(&self, id: &str, now_ms: i64) -> Result<bool, StoreError> {
        let mut conn = self.lock();
        let tx = Store::write_tx(&mut conn)?;
        tx.execute(
            "UPDATE rooms SET revoked_at_ms = ?2 WHERE id = ?1 AND revoked_at_ms IS NULL",
            params![id, now_ms],
        )?;
        let found = exists(&tx, "rooms WHERE id = ?1", params![id])?;
        if found {
            uninvite_from_scheduled(&tx, id, now_ms)?;
        }
        tx.commit()?;
        Ok(found)
    }

    pub fn revoked_room_ids(&self) -> Result<Vec<String>, StoreError> {
        let conn = self.lock();
        let mut stmt =
            conn.prepare_cached("SELECT id FROM rooms WHERE revoked_at_ms IS NOT NULL")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    /// Records that a room connected; returns the session id to close later.
    pub fn open_session(&self, room_id: &str, now_ms: i64) -> Result<String, StoreError> {
        let id = Uuid::now_v7().to_string();
        self.lock().execute(
            "INSERT INTO room_sessions (id, room_id, connected_at_ms) VALUES (?1, ?2, ?3)",
            params![id, room_id, now_ms],
        )?;
        Ok(id)
    }

    pub fn close_session(&self, session_id: &str, now_ms: i64) -> Result<(), StoreError> {
        self.lock().execute(
            "UPDATE room_sessions SET disconnected_at_ms = ?2
             WHERE id = ?1 AND disconnected_at_ms IS NULL",
            params![session_id, now_ms],
        )?;
        Ok(())
    }

    /// Closes sessions a crashed hub left open, so the presence log never shows a room
    /// connected forever. Returns how many were closed.
    pub fn close_dangling_sessions(&self, now_ms: i64) -> Result<usize, StoreError> {
        Ok(self.lock().execute(
            "UPDATE room_sessions SET disconnected_at_ms = ?1 WHERE disconnected_at_ms IS NULL",
            params![now_ms],
        )?)
    }

    /// `(connected_at_ms, disconnected_at_ms)` of a room's sessions, oldest first.
    pub fn sessions_of(&self, room_id: &str) -> Result<Vec<(i64, Option<i64>)>, StoreError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT connected_at_ms, disconnected_at_ms FROM room_sessions
             WHERE room_id = ?1 ORDER BY connected_at_ms, id",
        )?;
        let rows = stmt.query_map(params![room_id], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<Result<_, _>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn store_with_room() -> (Store, RoomRecord) {
        let store = Store::open_in_memory().expect("open");
        let room = store
            .create_room("lao-chai", "Lao Chải", "LC-7K", "codehash", 1_000, 0)
            .expect("room")
            .expect("prefix free");
        (store, room)
    }

    #[test]
    fn a_ticket_prefix_is_given_to_one_room_only() {
        let (store, _) = store_with_room();
        let again = store
            .create_room("sa-pa", "Sa Pa", "LC-7K", "other", 1_000, 0)
            .expect("db");
        assert_eq!(again, None);
    }

    #[test]
    fn a_code_is_redeemed_once() {
        let (store, room) = store_with_room();
        let got = store
            .redeem_enrollment("codehash", Some("lao-chai"), "cred1", 10)
            .expect("db")
            .expect("accepted");
        assert_eq!(got.id, room.id);
        let again = store
            .redeem_enrollment("codehash", Some("lao-chai"), "cred2", 11)
            .expect("db");
        assert_eq!(again, Err(EnrollRefusal::AlreadyUsed));
        assert_eq!(
            store.room_by_credential("cred1").expect("db").map(|r| r.id),
            Some(room.id)
        );
        assert_eq!(store.room_by_credential("cred2").expect("db"), None);
    }

    #[test]
    fn an_expired_or_unknown_or_misdirected_code_is_refused() {
        let (store, _) = store_with_room();
        assert_eq!(
            store
                .redeem_enrollment("codehash", None, "c", 1_000)
                .expect("db"),
            Err(EnrollRefusal::Expired)
        );
        assert_eq!(
            store.redeem_enrollment("nope", None, "c", 1).expect("db"),
            Err(EnrollRefusal::UnknownCode)
        );
        assert!(matches!(
            store
                .redeem_enrollment("codehash", Some("sa-pa"), "c", 1)
                .expect("db"),
            Err(EnrollRefusal::WrongUnit { .. })
        ));
    }

    #[test]
    fn revoking_keeps_the_first_time_and_reports_unknown_rooms() {
        let (store, room) = store_with_room();
        assert!(store.revoke_room(&room.id, 5).expect("db"));
        assert!(store.revoke_room(&room.id, 9).expect("db"));
        assert_eq!(
            store
                .room(&room.id)
                .expect("db")
                .and_then(|r| r.revoked_at_ms),
            Some(5)
        );
        assert!(!store.revoke_room("no-such-room", 9).expect("db"));
        assert_eq!(store.revoked_room_ids().expect("db"), vec![room.id]);
    }

    #[test]
    fn a_revoked_room_is_no_longer_invited_to_meetings_to_come() {
        use crate::meeting::schedule::{MeetingPlan, ScheduleStatus};
        let store = Store::open_in_memory().expect("open");
        let ids: Vec<String> = ["p", "a", "b"]
            .iter()
            .enumerate()
            .map(|(i, name)| {
                store
                    .create_room("unit", name, &format!("LC-{i}"), &format!("h{i}"), 1, 0)
                    .expect("room")
                    .expect("prefix free")
                    .id
            })
            .collect();
        let plan = |host: &str| MeetingPlan {
            title: "Giao ban".into(),
            start_ms: 10_000,
            end_ms: 20_000,
            host: host.to_owned(),
            rooms: ids.clone(),
            agenda: Vec::new(),
        };
        store
            .schedule_meeting("soon", &plan(&ids[0]), 5)
            .expect("schedule");
        store
            .schedule_meeting("hosted", &plan(&ids[1]), 5)
            .expect("schedule");
        store
            .schedule_meeting("done", &plan(&ids[0]), 5)
            .expect("schedule");
        store
            .set_schedule_status("done", ScheduleStatus::Held, 6)
            .expect("held");

        assert!(store.revoke_room(&ids[1], 7).expect("revoke"));
        let rooms_of = |id: &str| {
            store
                .scheduled_meeting(id)
                .expect("db")
                .expect("found")
                .plan
                .rooms
        };
        assert_eq!(rooms_of("soon"), vec![ids[0].clone(), ids[2].clone()]);
        assert_eq!(rooms_of("hosted"), ids, "a meeting it hosts keeps its host");
        assert_eq!(rooms_of("done"), ids, "a held meeting's list is its record");
    }

    #[test]
    fn sessions_left_open_by_a_crash_are_closed_at_start() {
        let (store, room) = store_with_room();
        let s1 = store.open_session(&room.id, 10).expect("open");
        store.close_session(&s1, 20).expect("close");
        store.open_session(&room.id, 30).expect("open");
        assert_eq!(store.close_dangling_sessions(40).expect("close"), 1);
        assert_eq!(
            store.sessions_of(&room.id).expect("db"),
            vec![(10, Some(20)), (30, Some(40))]
        );
    }
}
