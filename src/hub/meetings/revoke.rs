//! A room revoked while a meeting runs: the hub must stop sending it anything at once,
//! not when its media times out (a room's media outlives a WebSocket blip on purpose, so
//! cutting its session is not enough). Kept apart from `meetings.rs` so that file only
//! declares this module.

use super::Meetings;
use crate::meeting::ParticipantKind;
use crate::meeting::chair::on_room_revoked;
use crate::meeting::signalling::Sender;
use crate::wire::ClientSignal;

impl Meetings {
    /// Ends `room_id`'s media in every running meeting and takes it off their invited
    /// lists and their chairs, so every roster drops it at once and it is not invited again.
    /// The chair records its leave (the attendance report keeps what it attended). Nothing happens for a room that is in
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
            // As if the room had left (while still invited, so the signalling accepts it):
            // its media closes, the chair records its leave (it loses the floor and any
            // hand), the others are rerouted and get the participant list without it.
            self.on_signal(&sender, &meeting_id, ClientSignal::Leave)
                .await;
            // Then the chair forgets it: no longer invited, gone from every roster (if it
            // was present without media, this records its leave too).
            let outputs = {
                let mut inner = self.lock();
                let Some(meeting) = inner.meetings.get_mut(&meeting_id) else {
                    continue;
                };
                let outputs = on_room_revoked(meeting, room_id, crate::clock::now_ms());
                self.record_outputs(&meeting_id, &outputs);
                outputs
            };
            {
                let mut inner = self.lock();
                inner
                    .told_slots
                    .remove(&(meeting_id.clone(), room_id.to_owned()));
                inner
                    .fingerprints
                    .remove(&(meeting_id.clone(), room_id.to_owned()));
            }
            // Every remaining room gets the chair's roster without it.
            self.carry_out(&meeting_id, room_id, outputs).await;
        }
    }
}
