//! The hub's meetings: the pure [`MeetingState`] and signalling rules from `crate::meeting`,
//! carried out against a [`MediaEngine`] and the participants' sessions.
//!
//! Meetings live in the database (`phonghop hub meeting start|stop` write there); the hub
//! notices changes through its data-version watch and calls [`Meetings::reload`].

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use tokio::sync::mpsc::UnboundedSender;

use crate::meeting::engine::{EngineEvent, MediaEngine};
use crate::meeting::signalling::{Action, Sender, on_client_signal};
use crate::meeting::{MeetingState, ParticipantKind};
use crate::store::MeetingRow;
use crate::wire::{ClientSignal, HubMessage, IceServer, ServerSignal, SlotSource};

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
}

/// The meetings running at this hub.
#[derive(Clone)]
pub struct Meetings {
    inner: Arc<Mutex<Inner>>,
    engine: Arc<dyn MediaEngine>,
    ice_servers: Vec<IceServer>,
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
}

impl Meetings {
    pub fn new(engine: Arc<dyn MediaEngine>, ice_servers: Vec<IceServer>) -> Self {
        Meetings {
            inner: Arc::default(),
            engine,
            ice_servers,
        }
    }

    pub fn engine(&self) -> &Arc<dyn MediaEngine> {
        &self.engine
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn invite(&self, meeting: &MeetingState) -> HubMessage {
        HubMessage::MeetingInvite {
            meeting_id: meeting.id.clone(),
            host: meeting.host.clone(),
            rooms: meeting.invited.clone(),
            ice_servers: self.ice_servers.clone(),
        }
    }

    /// Brings running meetings in line with the database: new ones invite their connected
    /// rooms, ended ones tell everyone and close their media.
    pub async fn reload(&self, rows: Vec<MeetingRow>) {
        let mut ended: Vec<(String, Vec<String>)> = Vec::new();
        {
            let mut inner = self.lock();
            let running: Vec<String> = inner.meetings.keys().cloned().collect();
            for id in running {
                if !rows.iter().any(|r| r.id == id)
                    && let Some(m) = inner.meetings.remove(&id)
                {
                    ended.push((id, m.participant_ids().map(str::to_owned).collect()));
                }
            }
            for row in rows {
                if inner.meetings.contains_key(&row.id) {
                    continue;
                }
                let meeting =
                    MeetingState::new(row.id.clone(), row.host_room.clone(), row.rooms.clone());
                let invite = self.invite(&meeting);
                for room in &row.rooms {
                    if let Some(outbox) = inner.outboxes.get(room) {
                        let _ = outbox.send(invite.clone());
                    }
                }
                tracing::info!(meeting_id = %row.id, host = %row.host_room, rooms = row.rooms.len(), "meeting started");
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
            }
        }
        for (id, participants) in ended {
            tracing::info!(meeting_id = %id, "meeting ended");
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
                if meeting.invites(participant_id) {
                    let _ = outbox.send(self.invite(meeting));
                }
            }
        }
        inner.outboxes.insert(participant_id.to_owned(), outbox);
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
                                    code: crate::wire::SignalError::BadSdp,
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
                Action::Reroute => self.reroute(meeting_id),
                Action::Roster => self.send_roster(meeting_id),
                Action::Close => self.engine.close(meeting_id, &from.participant_id).await,
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
            EngineEvent::Connected => {
                if let Some(m) = self.lock().meetings.get_mut(meeting_id)
                    && let Some(p) = m.participant_mut(participant_id)
                {
                    p.connected = true;
                }
                self.send_roster(meeting_id);
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
            }
        }
    }

    /// Recomputes who sees whom, tells the engine, and tells participants whose slots changed.
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
        let (roster, ids) = {
            let inner = self.lock();
            let Some(meeting) = inner.meetings.get(meeting_id) else {
                return;
            };
            (
                meeting.roster(),
                meeting
                    .participant_ids()
                    .map(str::to_owned)
                    .collect::<Vec<_>>(),
            )
        };
        for id in ids {
            self.send_to(
                &id,
                meeting_id,
                ServerSignal::Participants {
                    participants: roster.clone(),
                },
            );
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
        })
    }

    pub fn views(&self) -> Vec<MeetingView> {
        let ids: Vec<String> = self.lock().meetings.keys().cloned().collect();
        ids.iter().filter_map(|id| self.view(id)).collect()
    }

    pub fn is_running(&self, meeting_id: &str) -> bool {
        self.lock().meetings.contains_key(meeting_id)
    }
}
