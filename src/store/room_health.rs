//! What the staff's rooms page shows of each room: when it was last connected (the
//! presence log) and its latest status report.

use std::collections::HashMap;

use rusqlite::params;

use super::{RoomRecord, Store, StoreError};
use crate::wire::RoomStatusReport;

/// One enrolled room's health as the database knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomHealth {
    pub room: RoomRecord,
    /// Start of its latest session, and its end (`None` while it lasts).
    pub last_session: Option<(i64, Option<i64>)>,
    /// Its latest report and when the hub received it.
    pub report: Option<(RoomStatusReport, i64)>,
}

impl Store {
    /// Keeps `report` as room `room_id`'s latest.
    pub fn record_room_status(
        &self,
        room_id: &str,
        report: &RoomStatusReport,
        now_ms: i64,
    ) -> Result<(), StoreError> {
        let json = serde_json::to_string(report).map_err(|e| StoreError::Refused(e.to_string()))?;
        self.lock().execute(
            "INSERT INTO room_status (room_id, report_json, received_at_ms) VALUES (?1, ?2, ?3)
             ON CONFLICT (room_id) DO UPDATE
             SET report_json = excluded.report_json, received_at_ms = excluded.received_at_ms",
            params![room_id, json, now_ms],
        )?;
        Ok(())
    }

    /// Every room not revoked, in `unit` only when given, with its latest session and
    /// report. A report this build cannot read is left out rather than failing the page.
    pub fn room_health(&self, unit: Option<&str>) -> Result<Vec<RoomHealth>, StoreError> {
        let rooms = self.rooms()?;
        let conn = self.lock();
        let mut sessions: HashMap<String, (i64, Option<i64>)> = HashMap::new();
        let mut stmt = conn.prepare_cached(
            "SELECT s.room_id, s.connected_at_ms, s.disconnected_at_ms FROM room_sessions s
             WHERE s.connected_at_ms = (SELECT max(connected_at_ms) FROM room_sessions
                                         WHERE room_id = s.room_id)",
        )?;
        for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
            let (room_id, connected, disconnected): (String, i64, Option<i64>) = row?;
            sessions.insert(room_id, (connected, disconnected));
        }
        let mut reports: HashMap<String, (RoomStatusReport, i64)> = HashMap::new();
        let mut stmt =
            conn.prepare_cached("SELECT room_id, report_json, received_at_ms FROM room_status")?;
        for row in stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))? {
            let (room_id, json, at): (String, String, i64) = row?;
            match serde_json::from_str(&json) {
                Ok(report) => {
                    reports.insert(room_id, (report, at));
                }
                Err(e) => {
                    tracing::warn!(%room_id, error = %e, "a stored room report does not read")
                }
            }
        }
        Ok(rooms
            .into_iter()
            .filter(|r| r.revoked_at_ms.is_none() && unit.is_none_or(|u| u == r.unit_id))
            .map(|room| RoomHealth {
                last_session: sessions.remove(&room.id),
                report: reports.remove(&room.id),
                room,
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{MediaSource, MediaSourceKind};

    fn report(backlog: u64) -> RoomStatusReport {
        RoomStatusReport {
            status_version: crate::wire::ROOM_STATUS_VERSION,
            software_version: "0.9.1".into(),
            outbox_backlog: backlog,
            video_source: MediaSource {
                kind: MediaSourceKind::Test,
                name: "test".into(),
            },
            audio_source: MediaSource {
                kind: MediaSourceKind::Unknown,
                name: "auto".into(),
            },
            last_call: None,
            sent_at_ms: 5,
        }
    }

    #[test]
    fn the_latest_report_and_session_are_shown_per_room_and_unit() {
        let store = Store::open_in_memory().expect("store");
        let room = |unit: &str, prefix: &str| {
            store
                .create_room(unit, unit, prefix, prefix, 1000, 0)
                .expect("room")
                .expect("a free prefix")
                .id
        };
        let (a, b) = (room("lao-chai", "LC-AA"), room("ban-ho", "BH-AA"));
        let session = store.open_session(&a, 10).expect("session");
        store.close_session(&session, 20).expect("close");
        store.open_session(&a, 30).expect("session");
        store
            .record_room_status(&a, &report(3), 31)
            .expect("report");
        store
            .record_room_status(&a, &report(7), 32)
            .expect("report");
        let all = store.room_health(None).expect("health");
        assert_eq!(all.len(), 2);
        let mine = &store.room_health(Some("lao-chai")).expect("health")[0];
        assert_eq!(mine.room.id, a);
        assert_eq!(mine.last_session, Some((30, None)));
        assert_eq!(mine.report, Some((report(7), 32)));
        let other = &store.room_health(Some("ban-ho")).expect("health")[0];
        assert_eq!(
            (other.room.id.as_str(), other.report.is_none()),
            (b.as_str(), true)
        );
    }
}
