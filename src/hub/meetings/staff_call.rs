//! Staff's "join now" and "leave" from a room's kiosk (behind its staff PIN): the hub takes
//! the room into a running meeting again, or early into one that starts within
//! [`JOIN_EARLY_MS`](crate::meeting::chair::JOIN_EARLY_MS); it takes a room that left out of
//! the unattended join until staff ask again or the next meeting starts. The decision is
//! `chair::decide_join_now`; this carries it out.

use std::collections::HashMap;

use super::Meetings;
use crate::meeting::MeetingState;
use crate::meeting::chair::{JoinNow, JoinRefusal, decide_join_now};
use crate::meeting::signalling::Sender;
use crate::wire::{
    CHAIR_VERSION, ClientSignal, HubMessage, StaffCallAction, StaffCallRefused, StaffCallRequest,
};

impl Meetings {
    /// Handles one staff request from a room's kiosk.
    pub async fn on_staff_call(&self, from: &Sender, request: StaffCallRequest) {
        let room = from.participant_id.as_str();
        let meeting_id = request.meeting_id.clone();
        if request.v > CHAIR_VERSION {
            self.refuse_join(
                room,
                &meeting_id,
                JoinRefusal::UnsupportedVersion(request.v),
            );
            return;
        }
        match request.action {
            StaffCallAction::Leave => {
                tracing::info!(%meeting_id, room, "staff took the room out of the meeting");
                self.lock()
                    .left
                    .insert((meeting_id.clone(), room.to_owned()));
                self.on_signal(from, &meeting_id, ClientSignal::Leave).await;
            }
            StaffCallAction::JoinNow => {
                if let Err(reason) = self.join_now(room, &meeting_id).await {
                    tracing::info!(%meeting_id, room, %reason, "staff's join now refused");
                    self.refuse_join(room, &meeting_id, reason);
                }
            }
        }
    }

    async fn join_now(&self, room: &str, meeting_id: &str) -> Result<(), JoinRefusal> {
        let now_ms = crate::clock::now_ms();
        let running = self
            .lock()
            .meetings
            .get(meeting_id)
            .map(|m| m.invites(room));
        let scheduled = if running.is_none() {
            let id = meeting_id.to_owned();
            match self.store.call(move |s| s.scheduled_meeting(&id)).await {
                Ok(found) => found,
                Err(e) => {
                    tracing::error!(error = %e, "cannot read the schedule for a join now");
                    None
                }
            }
        } else {
            None
        };
        let decision = decide_join_now(room, running, scheduled.as_ref(), now_ms)?;
        let names: HashMap<String, String> = match (decision, self.store.call(|s| s.rooms()).await)
        {
            (JoinNow::Early, Ok(rooms)) => rooms.into_iter().map(|r| (r.id, r.name)).collect(),
            _ => HashMap::new(),
        };
        let mut inner = self.lock();
        inner.left.remove(&(meeting_id.to_owned(), room.to_owned()));
        if let (JoinNow::Early, Some(plan)) = (decision, scheduled.map(|m| m.plan))
            && !inner.meetings.contains_key(meeting_id)
        {
            // Open the meeting for this room alone; its start invites the others.
            let mut meeting =
                MeetingState::new(meeting_id.to_owned(), plan.host.clone(), plan.rooms.clone());
            meeting.set_room_names(
                plan.rooms
                    .iter()
                    .filter_map(|r| names.get(r).map(|n| (r.clone(), n.clone())))
                    .collect(),
            );
            tracing::info!(
                meeting_id,
                room,
                start_ms = plan.start_ms,
                "a room joins a meeting early"
            );
            inner.early.insert(meeting_id.to_owned(), plan.end_ms);
            self.media_started(&meeting);
            inner.meetings.insert(meeting_id.to_owned(), meeting);
        }
        let Some(meeting) = inner.meetings.get(meeting_id) else {
            return Err(JoinRefusal::NoSuchMeeting);
        };
        let invite = self.invite(meeting, room);
        if let Some(outbox) = inner.outboxes.get(room) {
            let _ = outbox.send(invite);
        }
        Ok(())
    }

    fn refuse_join(&self, room: &str, meeting_id: &str, reason: JoinRefusal) {
        if let Some(outbox) = self.lock().outboxes.get(room) {
            let _ = outbox.send(HubMessage::StaffCallRefused(StaffCallRefused {
                v: CHAIR_VERSION,
                meeting_id: meeting_id.to_owned(),
                reason,
            }));
        }
    }
}
