//! Meetings: who is in one, who is shown to whom, and the signalling rules, as plain state
//! machines with no I/O (the hub's forwarder and session code carry out what they decide).
//!
//! Until meetings are scheduled and chaired (a later issue), a meeting is started by staff
//! with a host room and a list of rooms; every participant receives [`MEDIA_SLOTS`] pictures:
//! whoever spoke last (other than itself) and the host, then other recent speakers.
//! A subscription set through the API overrides that choice for one participant.

pub mod adapt;
pub mod attendance;
pub mod chair;
pub mod engine;
pub mod floor;
pub mod layer;
#[cfg(test)]
pub(crate) mod link_sim;
pub mod loss_estimate;
pub mod schedule;
pub mod signalling;
pub mod simulcast;
pub mod speaking;

use std::collections::{BTreeMap, HashMap};

pub use layer::{Layer, VideoFormat};

use crate::wire::{MEDIA_SLOTS, ParticipantInfo, SlotSource};

/// Whether a participant is a room box or a browser that joined by link.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParticipantKind {
    Room,
    Browser,
}

impl ParticipantKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ParticipantKind::Room => "room",
            ParticipantKind::Browser => "browser",
        }
    }
}

/// One participant as the meeting sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Participant {
    pub name: String,
    pub kind: ParticipantKind,
    /// Order of joining, for a stable choice among those who never spoke.
    pub joined_seq: u64,
    /// An offer was accepted: a media session exists at the hub.
    pub has_session: bool,
    /// ICE and DTLS are done: media flows.
    pub connected: bool,
}

/// One running meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeetingState {
    pub id: String,
    /// Room id of the host.
    pub host: String,
    /// Room ids invited (the host included).
    pub invited: Vec<String>,
    participants: BTreeMap<String, Participant>,
    /// Most recent speaker first; someone who stops speaking stays "last speaker".
    speakers: Vec<String>,
    /// Subscriptions set through the API: participant → sources per slot.
    overrides: HashMap<String, Vec<Option<String>>>,
    next_seq: u64,
    /// Floor, hands, microphones, chat and the attendance events (`floor::Floor`).
    chair: floor::Floor,
    /// Invited rooms' names as staff gave them, for rosters that list absent rooms too.
    room_names: HashMap<String, String>,
}

impl MeetingState {
    pub fn new(id: impl Into<String>, host: impl Into<String>, invited: Vec<String>) -> Self {
        let host = host.into();
        MeetingState {
            chair: floor::Floor::new(&host, &invited),
            id: id.into(),
            host,
            invited,
            participants: BTreeMap::new(),
            speakers: Vec::new(),
            overrides: HashMap::new(),
            next_seq: 0,
            room_names: HashMap::new(),
        }
    }

    /// Names the invited rooms (room id → name) for the chair's roster.
    pub fn set_room_names(&mut self, names: HashMap<String, String>) {
        self.room_names = names;
    }

    /// An invited room's name: as staff gave it, else as it joined, else empty.
    pub fn room_name(&self, room: &str) -> &str {
        self.room_names
            .get(room)
            .or_else(|| self.participants.get(room).map(|p| &p.name))
            .map_or("", String::as_str)
    }

    /// The meeting's chair: floor, hands, microphones, chat, events.
    pub fn chair(&self) -> &floor::Floor {
        &self.chair
    }

    /// Applies a chairing action at `now_ms` (see [`floor::Floor::apply`]).
    pub fn chair_act(
        &mut self,
        now_ms: i64,
        actor: &floor::Actor,
        action: floor::FloorAction,
    ) -> Result<Vec<floor::Event>, floor::Refusal> {
        self.chair.apply(now_ms, actor, action)
    }

    /// Whether `source`'s voice may reach others: the hub tells the engine on every reroute,
    /// and the engine drops a muted source's audio (its picture is still forwarded).
    pub fn audio_forwarded(&self, source: &str) -> bool {
        match self.participants.get(source) {
            Some(p) if p.kind == ParticipantKind::Browser => true,
            _ => self.chair.audio_forwarded(source),
        }
    }

    /// Whether a room may join (browsers are admitted by their link's token instead).
    pub fn invites(&self, room_id: &str) -> bool {
        self.host == room_id || self.invited.iter().any(|r| r == room_id)
    }

    /// Adds or refreshes a participant (a rejoin keeps its place in the speaking order).
    pub fn join(&mut self, id: &str, name: &str, kind: ParticipantKind) {
        let seq = self.next_seq;
        let entry = self
            .participants
            .entry(id.to_owned())
            .or_insert_with(|| Participant {
                name: name.to_owned(),
                kind,
                joined_seq: seq,
                has_session: false,
                connected: false,
            });
        entry.name = name.to_owned();
        if entry.joined_seq == seq {
            self.next_seq += 1;
        }
    }

    pub fn participant(&self, id: &str) -> Option<&Participant> {
        self.participants.get(id)
    }

    pub fn participant_mut(&mut self, id: &str) -> Option<&mut Participant> {
        self.participants.get_mut(id)
    }

    /// Removes a participant; its picture leaves every slot.
    pub fn leave(&mut self, id: &str) {
        self.participants.remove(id);
        self.overrides.remove(id);
    }

    /// A participant started speaking: it becomes the last speaker.
    pub fn speaking(&mut self, id: &str) {
        self.speakers.retain(|s| s != id);
        self.speakers.insert(0, id.to_owned());
        self.speakers.truncate(8);
    }

    /// Sets (or with `None` clears) the sources a participant receives in each slot.
    pub fn set_subscription(&mut self, subscriber: &str, slots: Option<Vec<Option<String>>>) {
        match slots {
            Some(mut slots) => {
                slots.resize(MEDIA_SLOTS, None);
                self.overrides.insert(subscriber.to_owned(), slots);
            }
            None => {
                self.overrides.remove(subscriber);
            }
        }
    }

    pub fn participant_ids(&self) -> impl Iterator<Item = &str> {
        self.participants.keys().map(String::as_str)
    }

    fn sending(&self, id: &str) -> bool {
        self.participants.get(id).is_some_and(|p| p.has_session)
    }

    /// Who `subscriber` receives in each slot now.
    pub fn slots_for(&self, subscriber: &str) -> Vec<Option<String>> {
        if let Some(slots) = self.overrides.get(subscriber) {
            // A source named in two slots is shown in the first (its media is sent once).
            return slots
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    s.clone().filter(|id| {
                        self.sending(id) && id != subscriber && !slots[..i].contains(s)
                    })
                })
                .collect();
        }
        let mut others: Vec<(&String, &Participant)> = self
            .participants
            .iter()
            .filter(|(id, p)| *id != subscriber && p.has_session)
            .collect();
        others.sort_by_key(|(_, p)| p.joined_seq);
        // A chaired meeting shows the floor holder and the host first (every room receives
        // both), then rooms whose voice is forwarded; without a floor, the last speaker.
        let chaired: Vec<String> = if self.chair.floor().is_some() {
            self.chair.priority_for(subscriber)
        } else {
            Vec::new()
        };
        let last = self.speakers.iter().find(|s| s.as_str() != subscriber);
        let candidates = chaired
            .iter()
            .chain(last)
            .chain(std::iter::once(&self.host))
            .chain(self.speakers.iter())
            .chain(others.into_iter().map(|(id, _)| id));
        let mut order: Vec<&str> = Vec::new();
        for id in candidates {
            if id != subscriber && self.sending(id) && !order.contains(&id.as_str()) {
                order.push(id);
            }
        }
        let mut slots: Vec<Option<String>> = order
            .into_iter()
            .take(MEDIA_SLOTS)
            .map(|id| Some(id.to_owned()))
            .collect();
        slots.resize(MEDIA_SLOTS, None);
        slots
    }

    /// The slots message for `subscriber`, with names.
    pub fn slot_sources(&self, subscriber: &str) -> Vec<Option<SlotSource>> {
        self.slots_for(subscriber)
            .into_iter()
            .map(|s| {
                s.and_then(|id| {
                    self.participants.get(&id).map(|p| SlotSource {
                        participant_id: id.clone(),
                        name: p.name.clone(),
                    })
                })
            })
            .collect()
    }

    pub fn roster(&self) -> Vec<ParticipantInfo> {
        let mut list: Vec<(&String, &Participant)> = self.participants.iter().collect();
        list.sort_by_key(|(_, p)| p.joined_seq);
        list.into_iter()
            .map(|(id, p)| ParticipantInfo {
                participant_id: id.clone(),
                name: p.name.clone(),
                kind: p.kind.as_str().to_owned(),
                host: *id == self.host,
                connected: p.connected,
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn meeting() -> MeetingState {
        let mut m = MeetingState::new("m1", "province", vec!["a".into(), "b".into()]);
        for (id, name) in [("province", "Tỉnh"), ("a", "Xã A"), ("b", "Xã B")] {
            m.join(id, name, ParticipantKind::Room);
            m.participant_mut(id).expect("joined").has_session = true;
        }
        m
    }

    /// Found by the `signalling` fuzz target: a subscription naming one source in both
    /// slots showed (and forwarded) it twice.
    #[test]
    fn a_subscription_naming_a_source_twice_shows_it_once() {
        let mut m = meeting();
        m.set_subscription("a", Some(vec![Some("b".into()), Some("b".into())]));
        assert_eq!(m.slots_for("a"), vec![Some("b".into()), None]);
    }

    #[test]
    fn everyone_sees_the_host_and_the_last_speaker() {
        let mut m = meeting();
        assert_eq!(
            m.slots_for("a"),
            vec![Some("province".into()), Some("b".into())]
        );
        assert_eq!(
            m.slots_for("province"),
            vec![Some("a".into()), Some("b".into())]
        );
        m.speaking("b");
        assert_eq!(
            m.slots_for("a"),
            vec![Some("b".into()), Some("province".into())]
        );
        assert_eq!(
            m.slots_for("b"),
            vec![Some("province".into()), Some("a".into())]
        );
        assert_eq!(
            m.slots_for("province"),
            vec![Some("b".into()), Some("a".into())]
        );
    }

    #[test]
    fn a_subscription_overrides_the_choice_until_cleared() {
        let mut m = meeting();
        m.set_subscription("province", Some(vec![Some("b".into())]));
        assert_eq!(m.slots_for("province"), vec![Some("b".into()), None]);
        m.set_subscription("province", None);
        assert_eq!(
            m.slots_for("province"),
            vec![Some("a".into()), Some("b".into())]
        );
    }

    #[test]
    fn every_room_receives_the_floor_holder_and_the_host() {
        use floor::{Actor, FloorAction};
        let mut m = meeting();
        for id in ["province", "a", "b"] {
            m.chair_act(0, &Actor::Room(id.into()), FloorAction::Join)
                .expect("join");
        }
        m.speaking("a");
        m.chair_act(
            1,
            &Actor::Staff,
            FloorAction::GiveFloor { room: "b".into() },
        )
        .expect("floor");
        assert_eq!(
            m.slots_for("a"),
            vec![Some("b".into()), Some("province".into())]
        );
        assert_eq!(
            m.slots_for("province"),
            vec![Some("b".into()), Some("a".into())]
        );
        assert!(m.audio_forwarded("b") && m.audio_forwarded("province"));
        assert!(
            !m.audio_forwarded("a"),
            "a room that never opened its microphone"
        );
    }

    #[test]
    fn participants_without_media_are_not_shown() {
        let mut m = meeting();
        m.participant_mut("b").expect("b").has_session = false;
        assert_eq!(m.slots_for("a"), vec![Some("province".into()), None]);
        m.leave("province");
        assert_eq!(m.slots_for("a"), vec![None, None]);
    }
}
