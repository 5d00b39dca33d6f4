//! A room revoked while a meeting runs: the hub must stop sending it anything at once,
//! not when its media times out (a room's media outlives a WebSocket blip on purpose, so
//! cutting its session is not enough). Kept apart from `meetings.rs` so that file only
//! declares this module.

use super::Meetings;
use crate::meeting::ParticipantKind;
use crate::meeting::signalling::Sender;
use crate::wire::ClientSignal;

impl Meetings {
    /// Ends `room_id`'s media in every running meeting and takes it off their invited
    /// lists, so rosters drop it and it is not invited again. The chair records its leave
    /// (the attendance report keeps what it attended). Nothing happens for a room that is in
    /// no meeting, so the hub may call this for every revoked room on every check.
    pub async fn remove_room(&self, room_id: &str) {
        let meetings: Vec<String> = self
            .lock()
            .meetings
            .values()
            .filter(|m| m.invited.iter().any(|r| r == room_id) || m.participant(room_id).is_some())
            .map(|m| m.id.clone())
            .collect();
        for meeting_id in meetings {
            tracing::warn!(%meeting_id, room_id, "a revoked room leaves the meeting");
            let sender = Sender {
                participant_id: room_id.to_owned(),
                name: String::new(),
                kind: ParticipantKind::Room,
            };
            // As if the room had left: its media closes, the chair records the leave,
            // the others are rerouted and get the new roster.
            self.on_signal(&sender, &meeting_id, ClientSignal::Leave)
                .await;
            let changed = {
                let mut inner = self.lock();
                inner
                    .told_slots
                    .remove(&(meeting_id.clone(), room_id.to_owned()));
                inner
                    .fingerprints
                    .remove(&(meeting_id.clone(), room_id.to_owned()));
                match inner.meetings.get_mut(&meeting_id) {
                    Some(m) if m.host != room_id => {
                        m.invited.retain(|r| r != room_id);
                        true
                    }
                    _ => false,
                }
            };
            if changed {
                self.send_roster(&meeting_id);
            }
        }
    }
}
