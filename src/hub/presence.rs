//! Who is connected, as a plain state machine: no I/O, the time is an input.

use std::collections::BTreeMap;

use crate::store::RoomRecord;
use crate::wire::PresenceEntry;

/// Identifies one WebSocket session; a room reconnecting gets a new one.
pub type SessionId = u64;

#[derive(Debug, Clone)]
struct Entry {
    unit_id: String,
    name: String,
    session: Option<SessionId>,
    since_ms: i64,
}

/// Every enrolled, unrevoked room and whether it is connected now.
#[derive(Debug, Default)]
pub struct PresenceBoard {
    rooms: BTreeMap<String, Entry>,
}

impl PresenceBoard {
    /// Brings the list of rooms in line with the database: new rooms appear disconnected,
    /// revoked ones disappear. Returns the sessions of rooms that must be cut off.
    pub fn sync_rooms(&mut self, rooms: &[RoomRecord], now_ms: i64) -> Vec<SessionId> {
        let mut cut = Vec::new();
        for room in rooms {
            if room.revoked_at_ms.is_some() {
                if let Some(entry) = self.rooms.remove(&room.id) {
                    cut.extend(entry.session);
                }
                continue;
            }
            self.rooms.entry(room.id.clone()).or_insert_with(|| Entry {
                unit_id: room.unit_id.clone(),
                name: room.name.clone(),
                session: None,
                since_ms: now_ms,
            });
        }
        cut
    }

    /// A room's session starts. Returns the session it replaces, if the room was still
    /// connected (a box that rebooted before the hub noticed it was gone).
    pub fn connect(
        &mut self,
        room: &RoomRecord,
        session: SessionId,
        now_ms: i64,
    ) -> Option<SessionId> {
        let entry = self.rooms.entry(room.id.clone()).or_insert_with(|| Entry {
            unit_id: room.unit_id.clone(),
            name: room.name.clone(),
            session: None,
            since_ms: now_ms,
        });
        let replaced = entry.session.replace(session);
        entry.since_ms = now_ms;
        replaced
    }

    /// A session ends; ignored when a newer session of the same room has replaced it.
    /// Returns whether presence changed.
    pub fn disconnect(&mut self, room_id: &str, session: SessionId, now_ms: i64) -> bool {
        match self.rooms.get_mut(room_id) {
            Some(entry) if entry.session == Some(session) => {
                entry.session = None;
                entry.since_ms = now_ms;
                true
            }
            _ => false,
        }
    }

    pub fn connected_count(&self) -> usize {
        self.rooms.values().filter(|e| e.session.is_some()).count()
    }

    pub fn snapshot(&self) -> Vec<PresenceEntry> {
        self.rooms
            .iter()
            .map(|(id, e)| PresenceEntry {
                room_id: id.clone(),
                unit_id: e.unit_id.clone(),
                name: e.name.clone(),
                connected: e.session.is_some(),
                since_ms: e.since_ms,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(id: &str) -> RoomRecord {
        RoomRecord {
            id: id.into(),
            unit_id: format!("unit-{id}"),
            name: format!("Room {id}"),
            created_at_ms: 0,
            revoked_at_ms: None,
            ticket_prefix: None,
        }
    }

    #[test]
    fn a_reconnect_replaces_the_old_session_and_its_late_close_is_ignored() {
        let mut board = PresenceBoard::default();
        let a = room("a");
        assert_eq!(board.connect(&a, 1, 10), None);
        assert_eq!(board.connect(&a, 2, 20), Some(1));
        assert!(
            !board.disconnect("a", 1, 30),
            "stale close must not mark the room away"
        );
        assert_eq!(board.connected_count(), 1);
        assert!(board.disconnect("a", 2, 40));
        assert_eq!(board.connected_count(), 0);
        assert_eq!(board.snapshot()[0].since_ms, 40);
    }

    #[test]
    fn enrolled_rooms_show_as_away_until_they_connect_and_revoked_ones_are_cut() {
        let mut board = PresenceBoard::default();
        let (a, mut b) = (room("a"), room("b"));
        assert!(board.sync_rooms(&[a.clone(), b.clone()], 0).is_empty());
        assert_eq!(board.snapshot().iter().filter(|e| !e.connected).count(), 2);
        board.connect(&b, 7, 5);
        b.revoked_at_ms = Some(6);
        assert_eq!(board.sync_rooms(&[a, b], 6), vec![7]);
        assert_eq!(board.snapshot().len(), 1);
    }
}
