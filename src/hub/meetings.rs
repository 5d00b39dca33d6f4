//! The hub's meetings: the pure [`MeetingState`] and signalling rules from `crate::meeting`,
//! carried out against a [`MediaEngine`] and the participants' sessions.
//!
//! Meetings live in the database (`phonghop hub meeting start|stop` write there); the hub
//! notices changes through its data-version watch and calls [`Meetings::reload`].
//!
//! The chair (`meeting::floor`) hears of joins and leaves from the media (a room's media
//! connected, failed, or it left) and of requests from rooms and staff; every event it emits
//! is stored in order by one writer task (the attendance record), and rosters, chat lines
//! and refusals go to the participants.

mod janus_rooms;
mod revoke;
mod staff_call;
mod throttle;

pub use janus_rooms::{
    BROWSER_SEATS, JanusRoomState, JanusRoomStatus, JanusRooms, janus_room_id, room_secret,
};

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use crate::config::HubMediaConfig;
use crate::meeting::chair::{
    ChairOutput, ChairRefusal, ChairRequest, Roster, on_chair_request, on_speaking, outputs_for,
};
use crate::meeting::engine::{EngineEvent, MediaEngine};
use crate::meeting::floor::{Actor, Event, FloorAction};
use crate::meeting::signalling::{Action, Sender, on_client_signal};
use crate::meeting::{MeetingState, ParticipantKind};
use crate::store::{MeetingRow, Store};
use crate::wire::{ClientSignal, HubMessage, IceServer, ServerSignal, SlotSource};
use throttle::{Throttle, Throttled};

/// Why staff's change to a running meeting was refused.
#[derive(Debug, thiserror::Error)]
pub enum MeetingRefusal {
    #[error("no running meeting {0:?}")]
    NotRunning(String),
    #[error("{participant:?} is not in meeting {meeting:?}")]
    NotIn {
        participant: String,
        meeting: String,
    },
    #[error("at most {} slots", crate::wire::MEDIA_SLOTS)]
    TooManySlots,
}

/// One participant's routing: its id, the sources per slot, and the same with names.
type Plan = (String, Vec<Option<String>>, Vec<Option<SlotSource>>);

/// A participant's current session: where to send its messages.
type Outbox = UnboundedSender<HubMessage>;

#[derive(Default)]
struct Inner {
    meetings: HashMap<String, MeetingState>,
    /// Participant id → its session's outbox (rooms by room id, browsers by `web-…`).
    outboxes: HashMap<String, Outbox>,
    /// What each participant was last told about its slots, to send only changes.
    told_slots: HashMap<(String, String), Vec<Option<SlotSource>>>,
    /// What each connected room was last told about its next meeting.
    told_schedule: HashMap<String, Option<crate::wire::NextMeeting>>,
    /// The DTLS fingerprint of each participant's media session: a new one is a new peer
    /// connection, so the old media ended (an attendance gap).
    fingerprints: HashMap<(String, String), String>,
    /// When each room's WebSocket session last ended: the best time for the gap that a
    /// new peer connection or a media failure later reveals.
    link_lost_at: HashMap<String, i64>,
    /// Per participant: packets received so far and when that count last grew, sampled
    /// every schedule tick, so a gap starts when its media stopped (a power cut sends no
    /// goodbye; the hub may notice only when the box comes back).
    media_heard: HashMap<(String, String), (u64, i64)>,
    /// (meeting, room) pairs staff took out from the room's kiosk: the hub does not invite
    /// the room to that meeting again by itself until staff ask it to join now.
    left: HashSet<(String, String)>,
    /// Meetings opened before their start because staff took a room in early ("join now"),
    /// with their scheduled end: the database does not list them as running yet.
    early: HashMap<String, i64>,
    /// When each meeting's rosters last went out, so a burst of joins sends a few.
    rosters: Throttle<(String, RosterKind)>,
    /// The chair's latest roster per meeting: what a throttled flush sends.
    latest_chair: HashMap<String, Roster>,
}

/// The two rosters every participant is sent, each throttled on its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum RosterKind {
    /// Who is connected (`ServerSignal::Participants`), computed when it goes out.
    Participants,
    /// Floor, hands, microphones and cameras (`ServerSignal::Chair`), the latest one.
    Chair,
}

impl Inner {
    /// The roster of `kind` as it stands, for every participant of the meeting.
    fn roster_signal(
        &self,
        meeting_id: &str,
        kind: RosterKind,
    ) -> Option<(Vec<Outbox>, ServerSignal)> {
        let meeting = self.meetings.get(meeting_id)?;
        let signal = match kind {
            RosterKind::Participants => ServerSignal::Participants {
                participants: meeting.roster(),
            },
            RosterKind::Chair => ServerSignal::Chair(self.latest_chair.get(meeting_id)?.clone()),
        };
        let outboxes = meeting
            .participant_ids()
            .filter_map(|id| self.outboxes.get(id).cloned())
            .collect();
        Some((outboxes, signal))
    }
}

/// Sends a roster to every participant's session.
fn deliver(meeting_id: &str, outboxes: Vec<Outbox>, signal: ServerSignal) {
    for outbox in outboxes {
        let _ = outbox.send(HubMessage::Signal {
            meeting_id: meeting_id.to_owned(),
            signal: signal.clone(),
        });
    }
}

/// The meetings running at this hub.
#[derive(Clone)]
pub struct Meetings {
    inner: Arc<Mutex<Inner>>,
    engine: Arc<dyn MediaEngine>,
    /// The STUN/TURN servers, and how each participant's TURN credential is made.
    media: HubMediaConfig,
    store: Store,
    /// The chair's events, sent under the lock that produced them so they are stored in
    /// the order they happened.
    record: UnboundedSender<(String, Vec<Event>)>,
    /// With `[media] engine = "janus"`: a VideoRoom per running meeting.
    janus: Option<JanusRooms>,
}

impl std::fmt::Debug for Meetings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Meetings").finish_non_exhaustive()
    }
}

/// A running meeting as the API shows it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct MeetingView {
    pub id: String,
    pub host: String,
    pub rooms: Vec<String>,
    pub participants: Vec<crate::wire::ParticipantInfo>,
    /// Who each participant receives, by slot.
    pub slots: HashMap<String, Vec<Option<String>>>,
    /// Floor, hands, microphones and cameras of every invited room.
    pub chair: Roster,
    /// The media engine's side of the meeting.
    pub media: MediaStatus,
}

/// What the staff API shows of a meeting's media engine.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MediaStatus {
    /// `[media] engine`: `builtin` or `janus`.
    pub engine: &'static str,
    /// Which part carries the media now: `builtin` (the hub's forwarder) or `janus` (the
    /// meeting's VideoRoom).
    pub forwarded_by: &'static str,
    /// With `engine = "janus"`: the meeting's VideoRoom and, while it is not there, why.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub janus: Option<JanusRoomStatus>,
}

impl Meetings {
    /// Needs a tokio runtime: it starts the task that stores the chair's events.
    pub fn new(engine: Arc<dyn MediaEngine>, media: HubMediaConfig, store: Store) -> Self {
        let (record, mut events) = tokio::sync::mpsc::unbounded_channel::<(String, Vec<Event>)>();
        let writer = store.clone();
        tokio::spawn(async move {
            while let Some((meeting_id, batch)) = events.recv().await {
                let stored = writer
                    .call(move |s| s.record_meeting_events(&meeting_id, &batch))
                    .await;
                if let Err(e) = stored {
                    tracing::error!(error = %e, "cannot store meeting events; attendance will lack them");
                }
            }
        });
        Meetings {
            inner: Arc::default(),
            engine,
            media,
            store,
            record,
            janus: None,
        }
    }

    /// With `[media] engine = "janus"`: each meeting gets a Janus VideoRoom while it runs.
    pub fn with_janus_rooms(mut self, rooms: JanusRooms) -> Self {
        self.janus = Some(rooms);
        self
    }

    /// Creates (or, when Janus is away, keeps trying to create) a started meeting's room.
    fn media_started(&self, meeting: &MeetingState) {
        if let Some(janus) = &self.janus {
            janus.meeting_started(&meeting.id, meeting.invited.len());
        }
    }

    pub fn engine(&self) -> &Arc<dyn MediaEngine> {
        &self.engine
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// The invitation for `room`, with its own TURN credential (made now) when the hub has
    /// coturn's secret.
    fn invite(&self, meeting: &MeetingState, room: &str) -> HubMessage {
        HubMessage::MeetingInvite {
            meeting_id: meeting.id.clone(),
            host: meeting.host.clone(),
            rooms: meeting.invited.clone(),
            ice_servers: self.ice_servers_for(room),
            simulcast: self.engine.simulcast(),
        }
    }

    /// The STUN/TURN servers for one participant (a room id, a browser's participant id).
    pub fn ice_servers_for(&self, participant: &str) -> Vec<IceServer> {
        self.media
            .ice_servers_for(participant, crate::clock::now_ms())
    }

    /// Brings running meetings in line with the database: new ones invite their connected
    /// rooms, ended ones tell everyone and close their media.
    pub async fn reload(&self, rows: Vec<MeetingRow>) {
        let names: HashMap<String, String> = match self.store.call(|s| s.rooms()).await {
            Ok(rooms) => rooms.into_iter().map(|r| (r.id, r.name)).collect(),
            Err(e) => {
                tracing::warn!(error = %e, "cannot read room names; rosters show ids only");
                HashMap::new()
            }
        };
        let mut ended: Vec<(String, Vec<String>)> = Vec::new();
        {
            let mut inner = self.lock();
            let now_ms = crate::clock::now_ms();
            let running: Vec<String> = inner.meetings.keys().cloned().collect();
            for id in running {
                // Opened early for a room: kept until it starts (or its time is over).
                let early_until = inner.early.get(&id).copied();
                if early_until.is_some_and(|end_ms| now_ms < end_ms) {
                    continue;
                }
                inner.early.remove(&id);
                if !rows.iter().any(|r| r.id == id)
                    && let Some(mut m) = inner.meetings.remove(&id)
                {
                    // Ended by staff: the chair closes every attendance interval now (after
                    // the host's own `end`, it has already).
                    if let Ok(events) =
                        m.chair_act(crate::clock::now_ms(), &Actor::Staff, FloorAction::End)
                    {
                        let _ = self.record.send((id.clone(), events));
                    }
                    inner.latest_chair.remove(&id);
                    for kind in [RosterKind::Participants, RosterKind::Chair] {
                        inner.rosters.forget(&(id.clone(), kind));
                    }
                    ended.push((id, m.participant_ids().map(str::to_owned).collect()));
                }
            }
            for row in rows {
                if inner.meetings.contains_key(&row.id) {
                    // An early meeting starting now: the others are invited.
                    if inner.early.remove(&row.id).is_some()
                        && let Some(meeting) = inner.meetings.get(&row.id)
                    {
                        for room in &row.rooms {
                            if let Some(outbox) = inner.outboxes.get(room)
                                && !inner.left.contains(&(row.id.clone(), room.clone()))
                            {
                                let _ = outbox.send(self.invite(meeting, room));
                            }
                        }
                    }
                    continue;
                }
                let mut meeting =
                    MeetingState::new(row.id.clone(), row.host_room.clone(), row.rooms.clone());
                meeting.set_room_names(
                    row.rooms
                        .iter()
                        .filter_map(|r| names.get(r).map(|n| (r.clone(), n.clone())))
                        .collect(),
                );
                for room in &row.rooms {
                    if let Some(outbox) = inner.outboxes.get(room)
                        && !inner.left.contains(&(row.id.clone(), room.clone()))
                    {
                        let _ = outbox.send(self.invite(&meeting, room));
                    }
                }
                tracing::info!(meeting_id = %row.id, host = %row.host_room, rooms = row.rooms.len(), "meeting started");
                self.media_started(&meeting);
                inner.meetings.insert(row.id, meeting);
            }
            for (id, participants) in &ended {
                for p in participants {
                    if let Some(outbox) = inner.outboxes.get(p) {
                        let _ = outbox.send(HubMessage::Signal {
                            meeting_id: id.clone(),
                            signal: ServerSignal::Ended,
                        });
                    }
                    inner.told_slots.remove(&(id.clone(), p.clone()));
                }
                inner.fingerprints.retain(|(m, _), _| m != id);
                inner.left.retain(|(m, _)| m != id);
            }
        }
        for (id, participants) in ended {
            tracing::info!(meeting_id = %id, "meeting ended");
            if let Some(janus) = &self.janus {
                janus.meeting_ended(&id);
            }
            for p in participants {
                self.engine.close(&id, &p).await;
            }
        }
    }

    /// A participant's session started (a room's WebSocket, a browser's): messages go here
    /// from now on. A room is invited to any running meeting that names it.
    pub fn connected(&self, participant_id: &str, outbox: Outbox, kind: ParticipantKind) {
        let mut inner = self.lock();
        if kind == ParticipantKind::Room {
            for meeting in inner.meetings.values() {
                // Staff took it out of this one: it stays out until they join it again.
                let left = inner
                    .left
                    .contains(&(meeting.id.clone(), participant_id.to_owned()));
                if meeting.invites(participant_id) && !left {
                    let _ = outbox.send(self.invite(meeting, participant_id));
                }
            }
        }
        inner.outboxes.insert(participant_id.to_owned(), outbox);
        // A new session has been told nothing: the next schedule tick tells it.
        inner.told_schedule.remove(participant_id);
    }

    /// A session ended. Browsers leave their meeting (a new page is a new session); a room's
    /// media may outlive a WebSocket blip, so it stays until its media fails.
    pub async fn disconnected(&self, participant_id: &str, outbox: &Outbox, kind: ParticipantKind) {
        let meetings: Vec<String> = {
            let mut inner = self.lock();
            if inner
                .outboxes
                .get(participant_id)
                .is_some_and(|o| o.same_channel(outbox))
            {
                inner.outboxes.remove(participant_id);
                if kind == ParticipantKind::Room {
                    inner
                        .link_lost_at
                        .insert(participant_id.to_owned(), crate::clock::now_ms());
                }
            }
            inner
                .meetings
                .values()
                .filter(|m| m.participant(participant_id).is_some())
                .map(|m| m.id.clone())
                .collect()
        };
        if kind == ParticipantKind::Browser {
            for meeting_id in meetings {
                let sender = Sender {
                    participant_id: participant_id.to_owned(),
                    name: String::new(),
                    kind,
                };
                self.on_signal(&sender, &meeting_id, ClientSignal::Leave)
                    .await;
            }
        }
    }

    fn send_to(&self, participant_id: &str, meeting_id: &str, signal: ServerSignal) {
        if let Some(outbox) = self.lock().outboxes.get(participant_id) {
            let _ = outbox.send(HubMessage::Signal {
                meeting_id: meeting_id.to_owned(),
                signal,
            });
        }
    }

    /// Handles one signalling message from a participant.
    pub async fn on_signal(&self, from: &Sender, meeting_id: &str, signal: ClientSignal) {
        if let ClientSignal::Offer { sdp } = &signal
            && from.kind == ParticipantKind::Room
        {
            let replaced = {
                let mut inner = self.lock();
                let key = (meeting_id.to_owned(), from.participant_id.clone());
                let fingerprint = crate::meeting::signalling::offer_fingerprint(sdp)
                    .unwrap_or_default()
                    .to_owned();
                matches!(inner.fingerprints.insert(key, fingerprint.clone()), Some(old) if old != fingerprint)
            };
            if replaced {
                let at_ms =
                    self.gap_start(meeting_id, &from.participant_id, crate::clock::now_ms());
                self.chair_media(meeting_id, &from.participant_id, FloorAction::Leave, at_ms)
                    .await;
            } else {
                self.lock().link_lost_at.remove(&from.participant_id);
            }
        }
        // A room's speaking report also goes to the chair, for every roster.
        if let ClientSignal::Speaking { active } = &signal
            && from.kind == ParticipantKind::Room
        {
            let outputs = {
                let mut inner = self.lock();
                match inner.meetings.get_mut(meeting_id) {
                    Some(m)
                        if m.invites(&from.participant_id)
                            && m.participant(&from.participant_id)
                                .is_some_and(|p| p.has_session) =>
                    {
                        on_speaking(m, &from.participant_id, *active)
                    }
                    _ => Vec::new(),
                }
            };
            self.carry_out(meeting_id, &from.participant_id, outputs)
                .await;
        }
        let actions = {
            let mut inner = self.lock();
            on_client_signal(inner.meetings.get_mut(meeting_id), from, signal)
        };
        for action in actions {
            match action {
                Action::Reply(signal) => self.send_to(&from.participant_id, meeting_id, signal),
                Action::Negotiate { sdp, .. } => {
                    let (events, mut rx) = tokio::sync::mpsc::unbounded_channel();
                    match self
                        .engine
                        .negotiate(meeting_id, &from.participant_id, sdp, events)
                        .await
                    {
                        Ok(answer) => {
                            self.send_to(
                                &from.participant_id,
                                meeting_id,
                                ServerSignal::Answer { sdp: answer },
                            );
                            let this = self.clone();
                            let participant = from.participant_id.clone();
                            let meeting = meeting_id.to_owned();
                            tokio::spawn(async move {
                                while let Some(event) = rx.recv().await {
                                    this.on_engine_event(&meeting, &participant, event).await;
                                }
                            });
                        }
                        Err(e) => {
                            tracing::warn!(participant = %from.participant_id, error = %e, "offer refused");
                            if let Some(m) = self.lock().meetings.get_mut(meeting_id)
                                && let Some(p) = m.participant_mut(&from.participant_id)
                            {
                                p.has_session = false;
                            }
                            self.send_to(
                                &from.participant_id,
                                meeting_id,
                                ServerSignal::Error {
                                    code: match e {
                                        crate::meeting::engine::EngineError::SessionGone => {
                                            crate::wire::SignalError::SessionGone
                                        }
                                        _ => crate::wire::SignalError::BadSdp,
                                    },
                                    message: e.to_string(),
                                },
                            );
                        }
                    }
                }
                Action::AddCandidate(candidate) => {
                    if let Err(e) = self
                        .engine
                        .add_candidate(meeting_id, &from.participant_id, candidate)
                        .await
                    {
                        tracing::debug!(error = %e, "candidate not added");
                    }
                }
                Action::SubscribeAnswer(sdp) => {
                    if let Err(e) = self
                        .engine
                        .subscriber_answer(meeting_id, &from.participant_id, sdp)
                        .await
                    {
                        tracing::warn!(participant = %from.participant_id, error = %e, "the answer of a receiving connection was refused");
                    }
                }
                Action::AddSubscriberCandidate(candidate) => {
                    if let Err(e) = self
                        .engine
                        .add_subscriber_candidate(meeting_id, &from.participant_id, candidate)
                        .await
                    {
                        tracing::debug!(error = %e, "candidate of a receiving connection not added");
                    }
                }
                Action::ReceiveReport(report) => {
                    self.engine.receive_report(
                        meeting_id,
                        &from.participant_id,
                        &report,
                        crate::clock::now_ms().max(0) as u64,
                    );
                }
                Action::Reroute => self.reroute(meeting_id),
                Action::Roster => self.send_roster(meeting_id),
                Action::Close => {
                    self.engine.close(meeting_id, &from.participant_id).await;
                    self.lock()
                        .fingerprints
                        .remove(&(meeting_id.to_owned(), from.participant_id.clone()));
                    let now = crate::clock::now_ms();
                    self.chair_media(meeting_id, &from.participant_id, FloorAction::Leave, now)
                        .await;
                }
                Action::Chair(request) => {
                    let outputs = {
                        let mut inner = self.lock();
                        let actor = Actor::Room(from.participant_id.clone());
                        let outputs = on_chair_request(
                            inner.meetings.get_mut(meeting_id),
                            &actor,
                            request,
                            crate::clock::now_ms(),
                        );
                        self.record_outputs(meeting_id, &outputs);
                        outputs
                    };
                    self.carry_out(meeting_id, &from.participant_id, outputs)
                        .await;
                }
            }
        }
    }

    async fn on_engine_event(&self, meeting_id: &str, participant_id: &str, event: EngineEvent) {
        match event {
            EngineEvent::LocalCandidate(candidate) => {
                self.send_to(
                    participant_id,
                    meeting_id,
                    ServerSignal::Candidate { candidate },
                );
            }
            EngineEvent::SubscribeOffer(sdp) => {
                self.send_to(
                    participant_id,
                    meeting_id,
                    ServerSignal::SubscribeOffer { sdp },
                );
            }
            EngineEvent::Connected => {
                if let Some(m) = self.lock().meetings.get_mut(meeting_id)
                    && let Some(p) = m.participant_mut(participant_id)
                {
                    p.connected = true;
                }
                self.send_roster(meeting_id);
                let now = crate::clock::now_ms();
                self.chair_media(meeting_id, participant_id, FloorAction::Join, now)
                    .await;
            }
            EngineEvent::Failed => {
                let changed = {
                    let mut inner = self.lock();
                    match inner
                        .meetings
                        .get_mut(meeting_id)
                        .and_then(|m| m.participant_mut(participant_id))
                    {
                        Some(p) if p.connected || p.has_session => {
                            p.connected = false;
                            true
                        }
                        _ => false,
                    }
                };
                if changed {
                    self.send_roster(meeting_id);
                }
                // A lost link is a gap in the room's attendance (from when its session
                // ended, if it did); its return rejoins.
                let at_ms = self.gap_start(meeting_id, participant_id, crate::clock::now_ms());
                self.chair_media(meeting_id, participant_id, FloorAction::Leave, at_ms)
                    .await;
            }
        }
    }

    /// A room's media joined or left at `at_ms`: the chair records it (browsers are not in
    /// the chair; a time before the chair's last event counts as that event's time).
    async fn chair_media(
        &self,
        meeting_id: &str,
        participant_id: &str,
        action: FloorAction,
        at_ms: i64,
    ) {
        let outputs = {
            let mut inner = self.lock();
            let Some(meeting) = inner.meetings.get_mut(meeting_id) else {
                return;
            };
            if meeting
                .participant(participant_id)
                .is_some_and(|p| p.kind == ParticipantKind::Browser)
                || !meeting.invites(participant_id)
            {
                return;
            }
            let actor = Actor::Room(participant_id.to_owned());
            match meeting.chair_act(at_ms, &actor, action) {
                Ok(events) => {
                    let outputs = outputs_for(meeting, events);
                    self.record_outputs(meeting_id, &outputs);
                    outputs
                }
                Err(e) => {
                    tracing::debug!(participant = %participant_id, reason = %e, "the chair ignored a media change");
                    return;
                }
            }
        };
        self.carry_out(meeting_id, participant_id, outputs).await;
    }

    /// Sends the chair's events to the writer; called under the lock that produced them.
    fn record_outputs(&self, meeting_id: &str, outputs: &[ChairOutput]) {
        for output in outputs {
            if let ChairOutput::Record(events) = output {
                let _ = self.record.send((meeting_id.to_owned(), events.clone()));
            }
        }
    }

    /// Carries out what the chair decided (its events are already on their way to the store).
    async fn carry_out(&self, meeting_id: &str, requester: &str, outputs: Vec<ChairOutput>) {
        for output in outputs {
            match output {
                ChairOutput::Record(_) => {}
                ChairOutput::Refused(refused) => {
                    tracing::warn!(meeting_id, participant = %requester, action = ?refused.action, reason = %refused.reason, "refused a chair request");
                    self.send_to(requester, meeting_id, ServerSignal::ChairRefused(refused));
                }
                ChairOutput::Roster(roster) => {
                    self.lock()
                        .latest_chair
                        .insert(meeting_id.to_owned(), roster);
                    self.send_roster_of(meeting_id, RosterKind::Chair);
                }
                ChairOutput::Chat(line) => self.send_all(meeting_id, ServerSignal::Chat(line)),
                ChairOutput::Reroute => self.reroute(meeting_id),
                ChairOutput::End => {
                    let id = meeting_id.to_owned();
                    let ended = self
                        .store
                        .call(move |s| s.end_meeting(&id, crate::clock::now_ms()))
                        .await;
                    match ended {
                        Ok(_) => match self.store.call(|s| s.active_meetings()).await {
                            Ok(rows) => self.reload(rows).await,
                            Err(e) => tracing::error!(error = %e, "cannot read meetings"),
                        },
                        Err(e) => {
                            tracing::error!(error = %e, "cannot end the meeting the host ended")
                        }
                    }
                }
            }
        }
    }

    /// A host action by staff (the dashboard or the staff API), or why it was refused.
    pub async fn chair_as_staff(
        &self,
        meeting_id: &str,
        action: FloorAction,
    ) -> Result<(), ChairRefusal> {
        let outputs = {
            let mut inner = self.lock();
            let request = ChairRequest {
                v: crate::wire::CHAIR_VERSION,
                action,
            };
            let outputs = on_chair_request(
                inner.meetings.get_mut(meeting_id),
                &Actor::Staff,
                request,
                crate::clock::now_ms(),
            );
            self.record_outputs(meeting_id, &outputs);
            outputs
        };
        if let [ChairOutput::Refused(refused)] = outputs.as_slice() {
            tracing::warn!(meeting_id, action = ?refused.action, reason = %refused.reason, "refused a staff chair request");
            return Err(refused.reason.clone());
        }
        self.carry_out(meeting_id, "", outputs).await;
        Ok(())
    }

    fn send_all(&self, meeting_id: &str, signal: ServerSignal) {
        let ids: Vec<String> = {
            let inner = self.lock();
            let Some(meeting) = inner.meetings.get(meeting_id) else {
                return;
            };
            meeting.participant_ids().map(str::to_owned).collect()
        };
        for id in ids {
            self.send_to(&id, meeting_id, signal.clone());
        }
    }

    /// Recomputes who sees and hears whom, tells the engine, and tells participants whose
    /// slots changed.
    fn reroute(&self, meeting_id: &str) {
        let mut changes = Vec::new();
        {
            let mut inner = self.lock();
            let Some(meeting) = inner.meetings.get(meeting_id) else {
                return;
            };
            let plans: Vec<Plan> = meeting
                .participant_ids()
                .map(|p| (p.to_owned(), meeting.slots_for(p), meeting.slot_sources(p)))
                .collect();
            // Voices first, so no slot switched below carries a muted room's audio even briefly.
            for participant in meeting.participant_ids() {
                self.engine.set_audio_forwarded(
                    meeting_id,
                    participant,
                    meeting.audio_forwarded(participant),
                );
            }
            for (participant, slots, sources) in plans {
                self.engine.subscribe(meeting_id, &participant, &slots);
                let key = (meeting_id.to_owned(), participant.clone());
                if inner.told_slots.get(&key) != Some(&sources) {
                    inner.told_slots.insert(key, sources.clone());
                    changes.push((participant, sources));
                }
            }
        }
        for (participant, slots) in changes {
            self.send_to(&participant, meeting_id, ServerSignal::Slots { slots });
        }
    }

    fn send_roster(&self, meeting_id: &str) {
        self.send_roster_of(meeting_id, RosterKind::Participants);
    }

    /// Sends the roster of `kind` to everyone now, or, if one went out less than
    /// [`throttle::ROSTER_EVERY`] ago, once that interval ends (with whatever it is then).
    fn send_roster_of(&self, meeting_id: &str, kind: RosterKind) {
        let key = (meeting_id.to_owned(), kind);
        let now = tokio::time::Instant::now().into_std();
        let mut inner = self.lock();
        match inner.rosters.changed(&key, now) {
            Throttled::Now => {
                if let Some((outboxes, signal)) = inner.roster_signal(meeting_id, kind) {
                    drop(inner);
                    deliver(meeting_id, outboxes, signal);
                }
            }
            Throttled::Folded => {}
            Throttled::FlushAt(at) => {
                drop(inner);
                let shared = Arc::clone(&self.inner);
                tokio::spawn(async move {
                    tokio::time::sleep_until(tokio::time::Instant::from_std(at)).await;
                    let (meeting_id, _) = &key;
                    let ready = {
                        let mut inner = shared.lock().unwrap_or_else(|p| p.into_inner());
                        let now = tokio::time::Instant::now().into_std();
                        inner.rosters.flushed(&key, now);
                        inner.roster_signal(meeting_id, kind)
                    };
                    if let Some((outboxes, signal)) = ready {
                        deliver(meeting_id, outboxes, signal);
                    }
                });
            }
        }
    }

    /// The subscription API: sets (or with `None` clears) what `subscriber` receives.
    pub fn set_subscription(
        &self,
        meeting_id: &str,
        subscriber: &str,
        slots: Option<Vec<Option<String>>>,
    ) -> Result<(), MeetingRefusal> {
        {
            let mut inner = self.lock();
            let meeting = inner
                .meetings
                .get_mut(meeting_id)
                .ok_or_else(|| MeetingRefusal::NotRunning(meeting_id.to_owned()))?;
            let not_in = |participant: &str| MeetingRefusal::NotIn {
                participant: participant.to_owned(),
                meeting: meeting_id.to_owned(),
            };
            if meeting.participant(subscriber).is_none() {
                return Err(not_in(subscriber));
            }
            if let Some(slots) = &slots {
                if slots.len() > crate::wire::MEDIA_SLOTS {
                    return Err(MeetingRefusal::TooManySlots);
                }
                for source in slots.iter().flatten() {
                    if meeting.participant(source).is_none() {
                        return Err(not_in(source));
                    }
                }
            }
            meeting.set_subscription(subscriber, slots);
        }
        self.reroute(meeting_id);
        Ok(())
    }

    /// Caps (or with `None` uncaps) what a participant sends.
    pub fn cap_bitrate(
        &self,
        meeting_id: &str,
        participant_id: &str,
        bps: Option<u64>,
    ) -> Result<(), MeetingRefusal> {
        {
            let inner = self.lock();
            let meeting = inner
                .meetings
                .get(meeting_id)
                .ok_or_else(|| MeetingRefusal::NotRunning(meeting_id.to_owned()))?;
            if meeting.participant(participant_id).is_none() {
                return Err(MeetingRefusal::NotIn {
                    participant: participant_id.to_owned(),
                    meeting: meeting_id.to_owned(),
                });
            }
        }
        self.engine.cap_bitrate(meeting_id, participant_id, bps);
        Ok(())
    }

    pub fn view(&self, meeting_id: &str) -> Option<MeetingView> {
        let inner = self.lock();
        let m = inner.meetings.get(meeting_id)?;
        Some(MeetingView {
            id: m.id.clone(),
            host: m.host.clone(),
            rooms: m.invited.clone(),
            participants: m.roster(),
            slots: m
                .participant_ids()
                .map(|p| (p.to_owned(), m.slots_for(p)))
                .collect(),
            chair: Roster::of(m),
            media: MediaStatus {
                engine: if self.janus.is_some() {
                    "janus"
                } else {
                    "builtin"
                },
                forwarded_by: self.engine.name(),
                janus: self.janus.as_ref().and_then(|j| j.status(&m.id)),
            },
        })
    }

    pub fn views(&self) -> Vec<MeetingView> {
        let ids: Vec<String> = self.lock().meetings.keys().cloned().collect();
        ids.iter().filter_map(|id| self.view(id)).collect()
    }

    pub fn is_running(&self, meeting_id: &str) -> bool {
        self.lock().meetings.contains_key(meeting_id)
    }

    /// Starts and ends scheduled meetings on time (a meeting the host has not ended runs
    /// `end_grace_secs` past its end: the hub's `[meetings] end_grace_secs`) and keeps every
    /// connected room told its next meeting, once a second until `shutdown`. The decisions
    /// are `schedule::due` and `ScheduledMeeting::next_for`; this only reads the store and
    /// carries them out.
    pub async fn run_schedule(
        self,
        end_grace_secs: u64,
        shutdown: tokio_util::sync::CancellationToken,
    ) {
        let end_grace_ms = i64::try_from(end_grace_secs.saturating_mul(1000)).unwrap_or(i64::MAX);
        let mut tick = tokio::time::interval(SCHEDULE_TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        loop {
            tokio::select! {
                _ = shutdown.cancelled() => break,
                _ = tick.tick() => {}
            }
            if let Err(e) = self
                .schedule_tick(crate::clock::now_ms(), end_grace_ms)
                .await
            {
                tracing::error!(error = %e, "cannot read the meeting schedule");
            }
        }
    }

    /// Notes when each participant's media was last heard (see `Inner::media_heard`).
    fn sample_media(&self, now_ms: i64) {
        let mut totals: HashMap<(String, String), u64> = HashMap::new();
        for stream in self.engine.stats() {
            *totals
                .entry((stream.meeting_id, stream.participant_id))
                .or_default() += stream.packets_in;
        }
        let mut inner = self.lock();
        inner.media_heard.retain(|key, _| totals.contains_key(key));
        for (key, packets) in totals {
            let entry = inner.media_heard.entry(key).or_insert((packets, now_ms));
            if entry.0 != packets {
                *entry = (packets, now_ms);
            }
        }
    }

    /// When a participant's media most likely stopped: last heard, else when its link
    /// dropped, else now.
    fn gap_start(&self, meeting_id: &str, participant_id: &str, now_ms: i64) -> i64 {
        let mut inner = self.lock();
        let lost_at = inner.link_lost_at.remove(participant_id);
        let heard = inner
            .media_heard
            .get(&(meeting_id.to_owned(), participant_id.to_owned()))
            .map(|(_, at)| *at);
        heard.or(lost_at).map_or(now_ms, |t| t.min(now_ms))
    }

    async fn schedule_tick(
        &self,
        now_ms: i64,
        end_grace_ms: i64,
    ) -> Result<(), crate::store::StoreError> {
        self.sample_media(now_ms);
        use crate::meeting::schedule::{Due, ScheduleStatus, ScheduledMeeting, due};
        let (schedule, rooms) = self
            .store
            .call(move |s| {
                Ok::<_, crate::store::StoreError>((
                    s.scheduled_meetings(Some(now_ms - end_grace_ms - OVERDUE_LOOKBACK_MS))?,
                    s.rooms()?,
                ))
            })
            .await?;
        // A meeting opened early for a room still starts on time.
        let running: Vec<String> = {
            let inner = self.lock();
            inner
                .meetings
                .keys()
                .filter(|id| !inner.early.contains_key(*id))
                .cloned()
                .collect()
        };
        let actions = due(&schedule, &running, now_ms, end_grace_ms);
        for action in &actions {
            let (id, notice) = match action {
                Due::Start(id) => {
                    let key = id.clone();
                    match self
                        .store
                        .call(move |s| s.start_scheduled_meeting(&key, now_ms))
                        .await
                    {
                        Ok(Some(_)) => {
                            tracing::info!(meeting_id = %id, "scheduled meeting started")
                        }
                        Ok(None) => continue,
                        Err(e) => {
                            tracing::error!(meeting_id = %id, error = %e, "cannot start a scheduled meeting");
                            continue;
                        }
                    }
                    (id, crate::wire::MeetingNotice::Started)
                }
                Due::End(id) => {
                    let key = id.clone();
                    self.store
                        .call(move |s| s.end_meeting(&key, now_ms))
                        .await?;
                    tracing::info!(meeting_id = %id, "scheduled meeting ended after its end and grace");
                    (id, crate::wire::MeetingNotice::Ended)
                }
            };
            if let Some(m) = schedule.iter().find(|m| &m.id == id) {
                let inner = self.lock();
                for room in &m.plan.rooms {
                    if let Some(outbox) = inner.outboxes.get(room) {
                        let _ = outbox.send(HubMessage::MeetingNotice {
                            v: crate::wire::CHAIR_VERSION,
                            meeting_id: id.clone(),
                            notice: notice.clone(),
                        });
                    }
                }
            }
        }
        // A meeting a room waits in early that staff cancelled ends for it now.
        let cancelled_early: Vec<String> = {
            let mut inner = self.lock();
            let gone: Vec<String> = inner
                .early
                .keys()
                .filter(|id| {
                    schedule
                        .iter()
                        .find(|m| &m.id == *id)
                        .is_none_or(|m| m.status == ScheduleStatus::Cancelled)
                })
                .cloned()
                .collect();
            for id in &gone {
                inner.early.remove(id);
            }
            gone
        };
        if !actions.is_empty() || !cancelled_early.is_empty() {
            let rows = self.store.call(|s| s.active_meetings()).await?;
            self.reload(rows).await;
        }
        // Every connected room's next meeting, sent when it changed.
        // (Read again only when a meeting just started: its status changed.)
        let upcoming: Vec<ScheduledMeeting> = if actions.is_empty() {
            schedule
        } else {
            self.store
                .call(move |s| s.scheduled_meetings(Some(now_ms)))
                .await?
        };
        let mut inner = self.lock();
        // Rooms only: a browser's session carries nothing but its meeting's signalling.
        let connected: Vec<String> = inner
            .outboxes
            .keys()
            .filter(|id| rooms.iter().any(|r| &r.id == *id))
            .cloned()
            .collect();
        for room in connected {
            let next = ScheduledMeeting::next_for(&upcoming, &room, now_ms).map(|m| {
                crate::wire::NextMeeting {
                    meeting_id: m.id.clone(),
                    title: m.plan.title.clone(),
                    start_ms: m.plan.start_ms,
                    end_ms: m.plan.end_ms,
                    host: m.plan.host.clone(),
                    host_name: rooms
                        .iter()
                        .find(|r| r.id == m.plan.host)
                        .map(|r| r.name.clone())
                        .unwrap_or_default(),
                    agenda: m.plan.agenda.clone(),
                }
            });
            if inner.told_schedule.get(&room) != Some(&next) {
                if let Some(outbox) = inner.outboxes.get(&room) {
                    let _ = outbox.send(HubMessage::Schedule(crate::wire::SchedulePush {
                        v: crate::wire::CHAIR_VERSION,
                        next: next.clone(),
                    }));
                }
                inner.told_schedule.insert(room, next);
            }
        }
        Ok(())
    }
}

/// How far past their end and grace held meetings are still read, so one is ended even when
/// its grace ran out while the hub was down (the store reads meetings ending *after* a time:
/// without a margin, one whose grace just ran out would never be read again).
const OVERDUE_LOOKBACK_MS: i64 = 24 * 3_600_000;

/// How often the hub looks at the schedule: a meeting starts within a second of its time.
const SCHEDULE_TICK: std::time::Duration = std::time::Duration::from_secs(1);
