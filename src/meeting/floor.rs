//! Chairing a meeting as a pure state machine: who is present, who has the floor, raised
//! hands in order, microphones and cameras, chat, and every event with its time.
//!
//! Like str0m, it does no I/O and never reads the clock: the hub feeds it actions with the
//! time they happened and carries out what it derives (events to store, roster updates to
//! send, who is forwarded to whom). An hour of meeting runs in milliseconds in the tests.
//!
//! Roles are derived, not stored: the host room (and staff acting for it through the
//! dashboard or API) chairs; every other invited room takes part; any other room is a
//! stranger and may do nothing.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// The longest chat line, in characters after NFC: a short message typed on the kiosk's
/// on-screen keyboard, small enough to show in full beside the pictures.
pub const CHAT_MAX_CHARS: usize = 200;

/// Who acts, as the authenticated session knows it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "by", content = "room", rename_all = "snake_case")]
pub enum Actor {
    /// A room box, by its room id.
    Room(String),
    /// Staff on the dashboard or the staff API: acts for the host, never as a room.
    Staff,
}

/// What a role is allowed to do is derived from the actor and the meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    Host,
    Staff,
    Participant,
    Stranger,
}

/// Everything anyone can ask of the chair.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum FloorAction {
    /// The actor's media connected: it is present.
    Join,
    /// The actor's media ended or its link dropped.
    Leave,
    RaiseHand,
    LowerHand,
    MuteSelf,
    UnmuteSelf,
    CameraOff,
    CameraOn,
    Chat {
        text: String,
    },
    /// Host: this room speaks now (its hand is lowered and its microphone opened).
    GiveFloor {
        room: String,
    },
    /// Host: nobody but the host has the floor.
    TakeFloor,
    /// Host: close a room's microphone; the room cannot open it again itself.
    MuteRoom {
        room: String,
    },
    /// Host: open a room's microphone (the room is "explicitly unmuted").
    UnmuteRoom {
        room: String,
    },
    /// Host: close every microphone but the host's.
    MuteAll,
    /// Host: lower a room's raised hand.
    LowerHandOf {
        room: String,
    },
    /// Host: the meeting ends; everyone leaves.
    End,
}

/// Why an action was refused; every variant says what would make it allowed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, Serialize, Deserialize)]
#[serde(tag = "reason", content = "room", rename_all = "snake_case")]
pub enum Refusal {
    #[error("this room is not invited to the meeting")]
    NotInvited,
    #[error("only the host room or staff may do this")]
    NotHost,
    #[error("staff act for the host; joining, hands, microphones and chat belong to rooms")]
    NotARoom,
    #[error("join the meeting first")]
    NotPresent,
    #[error("room {0:?} is not in the meeting now")]
    TargetNotPresent(String),
    #[error("room {0:?} is not invited to the meeting")]
    TargetNotInvited(String),
    #[error("the host muted this room; ask for the floor by raising a hand")]
    MutedByHost,
    #[error("the chat line is empty")]
    EmptyChat,
    #[error("a chat line is at most {CHAT_MAX_CHARS} characters")]
    ChatTooLong,
    #[error("the meeting has ended")]
    Ended,
}

/// Why a microphone is closed: a room may reopen what it or the meeting's rule closed, but
/// not what the host closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MutedBy {
    /// Rooms enter with a closed microphone, and a room whose floor is taken back returns to it.
    Rule,
    Itself,
    Host,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "state", content = "by", rename_all = "snake_case")]
pub enum Mic {
    Open,
    Muted(MutedBy),
}

/// One thing that happened, with its time: what the hub stores for the attendance record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    pub at_ms: i64,
    #[serde(flatten)]
    pub kind: EventKind,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "event", rename_all = "snake_case", deny_unknown_fields)]
pub enum EventKind {
    Joined { room: String },
    Left { room: String },
    FloorGiven { room: String },
    FloorTaken { room: String },
    HandRaised { room: String },
    HandLowered { room: String, by_host: bool },
    Muted { room: String, by: MutedBy },
    Unmuted { room: String, by_host: bool },
    CameraOff { room: String },
    CameraOn { room: String },
    Chat { room: String, text: String },
    Ended,
}

impl EventKind {
    /// The room the event is about (`None` for the meeting's end).
    pub fn room(&self) -> Option<&str> {
        match self {
            EventKind::Joined { room }
            | EventKind::Left { room }
            | EventKind::FloorGiven { room }
            | EventKind::FloorTaken { room }
            | EventKind::HandRaised { room }
            | EventKind::HandLowered { room, .. }
            | EventKind::Muted { room, .. }
            | EventKind::Unmuted { room, .. }
            | EventKind::CameraOff { room }
            | EventKind::CameraOn { room }
            | EventKind::Chat { room, .. } => Some(room),
            EventKind::Ended => None,
        }
    }

    /// The event's name as stored and exported (`joined`, `floor_given`, ...).
    pub fn name(&self) -> &'static str {
        match self {
            EventKind::Joined { .. } => "joined",
            EventKind::Left { .. } => "left",
            EventKind::FloorGiven { .. } => "floor_given",
            EventKind::FloorTaken { .. } => "floor_taken",
            EventKind::HandRaised { .. } => "hand_raised",
            EventKind::HandLowered { .. } => "hand_lowered",
            EventKind::Muted { .. } => "muted",
            EventKind::Unmuted { .. } => "unmuted",
            EventKind::CameraOff { .. } => "camera_off",
            EventKind::CameraOn { .. } => "camera_on",
            EventKind::Chat { .. } => "chat",
            EventKind::Ended => "ended",
        }
    }
}

/// One invited room's state in the meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Seat {
    pub present: bool,
    pub mic: Mic,
    pub camera_on: bool,
    /// The room reports its microphone carries speech (`meeting::speaking`). Not an event:
    /// it changes several times a minute and the attendance record has no use for it.
    #[serde(default)]
    pub speaking: bool,
}

/// A chat line as kept and shown.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatLine {
    pub at_ms: i64,
    pub room: String,
    pub text: String,
}

/// The chair of one meeting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Floor {
    host: String,
    /// Every invited room (the host included) in invitation order, with its seat.
    seats: BTreeMap<String, Seat>,
    order: Vec<String>,
    floor: Option<String>,
    hands: Vec<String>,
    chat: Vec<ChatLine>,
    events: Vec<Event>,
    ended: bool,
    /// The latest time seen: events never go back in time even if a caller's clock does.
    last_ms: i64,
}

impl Floor {
    /// A meeting about to start: nobody present, the host's microphone open, every other
    /// room's closed by the rule until it opens it or is given the floor.
    pub fn new(host: &str, invited: &[String]) -> Floor {
        let mut order = vec![host.to_owned()];
        for r in invited {
            if !order.contains(r) {
                order.push(r.clone());
            }
        }
        let seats = order
            .iter()
            .map(|r| {
                let mic = if r == host {
                    Mic::Open
                } else {
                    Mic::Muted(MutedBy::Rule)
                };
                (
                    r.clone(),
                    Seat {
                        present: false,
                        mic,
                        camera_on: true,
                        speaking: false,
                    },
                )
            })
            .collect();
        Floor {
            host: host.to_owned(),
            seats,
            order,
            floor: None,
            hands: Vec::new(),
            chat: Vec::new(),
            events: Vec::new(),
            ended: false,
            last_ms: i64::MIN,
        }
    }

    pub fn host(&self) -> &str {
        &self.host
    }

    /// Invited rooms, the host first, in invitation order.
    pub fn invited(&self) -> &[String] {
        &self.order
    }

    pub fn role(&self, actor: &Actor) -> Role {
        match actor {
            Actor::Staff => Role::Staff,
            Actor::Room(r) if *r == self.host => Role::Host,
            Actor::Room(r) if self.seats.contains_key(r) => Role::Participant,
            Actor::Room(_) => Role::Stranger,
        }
    }

    pub fn seat(&self, room: &str) -> Option<&Seat> {
        self.seats.get(room)
    }

    pub fn is_present(&self, room: &str) -> bool {
        self.seats.get(room).is_some_and(|s| s.present)
    }

    pub fn present(&self) -> impl Iterator<Item = &str> {
        self.order
            .iter()
            .filter(|r| self.is_present(r))
            .map(String::as_str)
    }

    /// Who has the floor (never the host: the host always speaks).
    pub fn floor(&self) -> Option<&str> {
        self.floor.as_deref()
    }

    /// Raised hands, first raised first.
    pub fn hands(&self) -> &[String] {
        &self.hands
    }

    pub fn chat(&self) -> &[ChatLine] {
        &self.chat
    }

    /// Every event so far, oldest first.
    pub fn events(&self) -> &[Event] {
        &self.events
    }

    pub fn has_ended(&self) -> bool {
        self.ended
    }

    /// Whether `room`'s voice is forwarded to the others: present with an open microphone.
    /// A microphone is open only for the host, the floor holder and rooms explicitly
    /// unmuted (by themselves or the host), so no muted room is ever heard.
    pub fn audio_forwarded(&self, room: &str) -> bool {
        self.seats
            .get(room)
            .is_some_and(|s| s.present && s.mic == Mic::Open)
    }

    /// An invited room reports whether its microphone carries speech; returns whether what
    /// rosters show changed ([`Floor::is_speaking`]). Kept even before the room counts as
    /// present: a room reports only changes, and its first may come before its media is up.
    /// Leaving forgets it (a new call starts silent and reports again).
    pub fn set_speaking(&mut self, room: &str, speaking: bool) -> bool {
        let before = self.is_speaking(room);
        if let Some(seat) = self.seats.get_mut(room) {
            seat.speaking = speaking;
        }
        before != self.is_speaking(room)
    }

    /// Whether rosters show `room` speaking: it says so and its voice is forwarded, so a
    /// muted room is never shown speaking.
    pub fn is_speaking(&self, room: &str) -> bool {
        self.seats.get(room).is_some_and(|s| s.speaking) && self.audio_forwarded(room)
    }

    /// Whom `subscriber` should see and hear, most important first: the floor holder and
    /// the host (every room receives both), then rooms whose voice is forwarded. The
    /// meeting's slot choice starts from this list.
    pub fn priority_for(&self, subscriber: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        let firsts = self.floor.iter().chain(std::iter::once(&self.host));
        let audible = self.order.iter().filter(|r| self.audio_forwarded(r));
        for r in firsts.chain(audible) {
            if r != subscriber && self.is_present(r) && !out.contains(r) {
                out.push(r.clone());
            }
        }
        out
    }

    /// Applies one action at `now_ms`; returns the events it caused (none when it changed
    /// nothing, e.g. raising a raised hand), or why it is refused (nothing changes then).
    pub fn apply(
        &mut self,
        now_ms: i64,
        actor: &Actor,
        action: FloorAction,
    ) -> Result<Vec<Event>, Refusal> {
        if self.ended {
            return Err(Refusal::Ended);
        }
        let role = self.role(actor);
        let at_ms = now_ms.max(self.last_ms);
        let mut out = Vec::new();
        let chairs = matches!(role, Role::Host | Role::Staff);
        match action {
            FloorAction::Join
            | FloorAction::Leave
            | FloorAction::RaiseHand
            | FloorAction::LowerHand
            | FloorAction::MuteSelf
            | FloorAction::UnmuteSelf
            | FloorAction::CameraOff
            | FloorAction::CameraOn
            | FloorAction::Chat { .. } => {
                let room = match (role, actor) {
                    (Role::Staff, _) => return Err(Refusal::NotARoom),
                    (Role::Stranger, _) => return Err(Refusal::NotInvited),
                    (_, Actor::Room(r)) => r.clone(),
                    (_, Actor::Staff) => return Err(Refusal::NotARoom),
                };
                self.own_action(&room, role, action, at_ms, &mut out)?;
            }
            _ if !chairs => {
                return Err(match role {
                    Role::Stranger => Refusal::NotInvited,
                    _ => Refusal::NotHost,
                });
            }
            FloorAction::GiveFloor { room } => {
                self.target_present(&room)?;
                if room == self.host {
                    // The host always speaks: giving it the floor is taking the floor back.
                    self.take_floor(&mut out);
                } else if self.floor.as_deref() != Some(room.as_str()) {
                    self.take_floor(&mut out);
                    self.lower_hand(&room, true, &mut out);
                    self.set_mic(&room, Mic::Open, true, &mut out);
                    self.floor = Some(room.clone());
                    out.push(EventKind::FloorGiven { room });
                }
            }
            FloorAction::TakeFloor => self.take_floor(&mut out),
            FloorAction::MuteRoom { room } => {
                self.target_present(&room)?;
                let by = if room == self.host {
                    MutedBy::Itself
                } else {
                    MutedBy::Host
                };
                self.set_mic(&room, Mic::Muted(by), true, &mut out);
            }
            FloorAction::UnmuteRoom { room } => {
                self.target_present(&room)?;
                self.set_mic(&room, Mic::Open, true, &mut out);
            }
            FloorAction::MuteAll => {
                let others: Vec<String> = self
                    .order
                    .iter()
                    .filter(|r| **r != self.host && self.is_present(r))
                    .cloned()
                    .collect();
                for room in others {
                    self.set_mic(&room, Mic::Muted(MutedBy::Host), true, &mut out);
                }
            }
            FloorAction::LowerHandOf { room } => {
                if !self.seats.contains_key(&room) {
                    return Err(Refusal::TargetNotInvited(room));
                }
                self.lower_hand(&room, true, &mut out);
            }
            FloorAction::End => {
                self.take_floor(&mut out);
                self.hands.clear();
                let present: Vec<String> = self.present().map(str::to_owned).collect();
                for room in present {
                    self.leave(&room, &mut out);
                }
                self.ended = true;
                out.push(EventKind::Ended);
            }
        }
        let events: Vec<Event> = out.into_iter().map(|kind| Event { at_ms, kind }).collect();
        if !events.is_empty() {
            self.last_ms = at_ms;
        }
        self.events.extend(events.iter().cloned());
        Ok(events)
    }

    /// Takes a revoked room out of the meeting at `now_ms`: if present it leaves (losing
    /// the floor and any raised hand, each an event, so attendance shows when it went), and
    /// it is no longer invited, so rosters stop listing it and it can never act again. The
    /// host cannot be taken out this way (a meeting always has its host); nor can a room
    /// that is not invited. Returns the events, none when nothing changed.
    pub fn revoke(&mut self, now_ms: i64, room: &str) -> Vec<Event> {
        if room == self.host || !self.seats.contains_key(room) {
            return Vec::new();
        }
        let at_ms = now_ms.max(self.last_ms);
        let mut out = Vec::new();
        if !self.ended && self.is_present(room) {
            self.leave(room, &mut out);
        }
        self.hands.retain(|h| h != room);
        self.seats.remove(room);
        self.order.retain(|r| r != room);
        let events: Vec<Event> = out.into_iter().map(|kind| Event { at_ms, kind }).collect();
        if !events.is_empty() {
            self.last_ms = at_ms;
        }
        self.events.extend(events.iter().cloned());
        events
    }

    fn own_action(
        &mut self,
        room: &str,
        role: Role,
        action: FloorAction,
        at_ms: i64,
        out: &mut Vec<EventKind>,
    ) -> Result<(), Refusal> {
        let present = self.is_present(room);
        match action {
            FloorAction::Join => {
                if !present {
                    if let Some(seat) = self.seats.get_mut(room) {
                        seat.present = true;
                    }
                    out.push(EventKind::Joined {
                        room: room.to_owned(),
                    });
                }
                return Ok(());
            }
            FloorAction::Leave => {
                if present {
                    self.leave(room, out);
                }
                return Ok(());
            }
            _ if !present => return Err(Refusal::NotPresent),
            FloorAction::RaiseHand => {
                if role != Role::Host
                    && self.floor.as_deref() != Some(room)
                    && !self.hands.iter().any(|h| h == room)
                {
                    self.hands.push(room.to_owned());
                    out.push(EventKind::HandRaised {
                        room: room.to_owned(),
                    });
                }
            }
            FloorAction::LowerHand => self.lower_hand(room, false, out),
            FloorAction::MuteSelf => {
                if self.seats.get(room).is_some_and(|s| s.mic == Mic::Open) {
                    self.set_mic(room, Mic::Muted(MutedBy::Itself), false, out);
                }
            }
            FloorAction::UnmuteSelf => {
                if self
                    .seats
                    .get(room)
                    .is_some_and(|s| s.mic == Mic::Muted(MutedBy::Host))
                {
                    return Err(Refusal::MutedByHost);
                }
                self.set_mic(room, Mic::Open, false, out);
            }
            FloorAction::CameraOff | FloorAction::CameraOn => {
                let on = action == FloorAction::CameraOn;
                if let Some(seat) = self.seats.get_mut(room)
                    && seat.camera_on != on
                {
                    seat.camera_on = on;
                    let room = room.to_owned();
                    out.push(if on {
                        EventKind::CameraOn { room }
                    } else {
                        EventKind::CameraOff { room }
                    });
                }
            }
            FloorAction::Chat { text } => {
                let text = chat_text(&text)?;
                self.chat.push(ChatLine {
                    at_ms,
                    room: room.to_owned(),
                    text: text.clone(),
                });
                out.push(EventKind::Chat {
                    room: room.to_owned(),
                    text,
                });
            }
            _ => unreachable!("only a room's own actions reach own_action"),
        }
        Ok(())
    }

    fn target_present(&self, room: &str) -> Result<(), Refusal> {
        match self.seats.get(room) {
            None => Err(Refusal::TargetNotInvited(room.to_owned())),
            Some(s) if !s.present => Err(Refusal::TargetNotPresent(room.to_owned())),
            Some(_) => Ok(()),
        }
    }

    fn take_floor(&mut self, out: &mut Vec<EventKind>) {
        if let Some(room) = self.floor.take() {
            self.set_mic(&room, Mic::Muted(MutedBy::Rule), true, out);
            out.push(EventKind::FloorTaken { room });
        }
    }

    fn lower_hand(&mut self, room: &str, by_host: bool, out: &mut Vec<EventKind>) {
        if let Some(i) = self.hands.iter().position(|h| h == room) {
            self.hands.remove(i);
            out.push(EventKind::HandLowered {
                room: room.to_owned(),
                by_host,
            });
        }
    }

    fn set_mic(&mut self, room: &str, mic: Mic, by_host: bool, out: &mut Vec<EventKind>) {
        let Some(seat) = self.seats.get_mut(room) else {
            return;
        };
        if seat.mic == mic {
            return;
        }
        let was_open = seat.mic == Mic::Open;
        seat.mic = mic;
        let room = room.to_owned();
        match mic {
            Mic::Open => out.push(EventKind::Unmuted { room, by_host }),
            // Closing an already closed microphone only changes who may reopen it.
            Mic::Muted(by) if was_open || by == MutedBy::Host => {
                out.push(EventKind::Muted { room, by })
            }
            Mic::Muted(_) => {}
        }
    }

    fn leave(&mut self, room: &str, out: &mut Vec<EventKind>) {
        if self.floor.as_deref() == Some(room) {
            self.take_floor(out);
        }
        self.lower_hand(room, false, out);
        if let Some(seat) = self.seats.get_mut(room) {
            seat.present = false;
            seat.speaking = false;
        }
        out.push(EventKind::Left {
            room: room.to_owned(),
        });
    }
}

/// A chat line as stored and shown: NFC, trimmed, control characters turned to spaces,
/// at most [`CHAT_MAX_CHARS`] characters.
pub fn chat_text(text: &str) -> Result<String, Refusal> {
    let text: String = crate::text::nfc(text)
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let text = text.trim();
    if text.is_empty() {
        return Err(Refusal::EmptyChat);
    }
    if text.chars().count() > CHAT_MAX_CHARS {
        return Err(Refusal::ChatTooLong);
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const HOST: &str = "p";

    /// p hosts; a and b are present, c is invited but absent; b has raised its hand.
    fn meeting() -> Floor {
        let mut f = Floor::new(HOST, &["a".into(), "b".into(), "c".into()]);
        for r in [HOST, "a", "b"] {
            f.apply(0, &room(r), FloorAction::Join).expect("join");
        }
        f.apply(0, &room("b"), FloorAction::RaiseHand)
            .expect("hand");
        f
    }

    fn room(r: &str) -> Actor {
        Actor::Room(r.into())
    }

    fn names(result: Result<Vec<Event>, Refusal>) -> Result<Vec<&'static str>, Refusal> {
        result.map(|events| events.iter().map(|e| e.kind.name()).collect())
    }

    #[test]
    fn only_a_present_room_with_its_voice_forwarded_is_shown_speaking() {
        let mut f = meeting();
        // The host's microphone is open: it is shown speaking when it says so.
        assert!(f.set_speaking(HOST, true));
        assert!(f.is_speaking(HOST));
        assert!(!f.set_speaking(HOST, true), "no change, nothing to tell");
        // A commune muted by the rule speaks into a closed microphone: not shown...
        assert!(!f.set_speaking("a", true));
        assert!(!f.is_speaking("a"));
        // ...until its microphone opens.
        f.apply(1, &room("a"), FloorAction::UnmuteSelf)
            .expect("unmute");
        assert!(f.is_speaking("a"));
        f.apply(2, &room(HOST), FloorAction::MuteRoom { room: "a".into() })
            .expect("mute");
        assert!(!f.is_speaking("a"));
        // An absent room is never shown speaking, but what it said counts once it joins
        // (its report may come before its media is up); leaving ends it.
        assert!(!f.set_speaking("c", true));
        assert!(!f.is_speaking("c"));
        f.apply(3, &room("c"), FloorAction::Join).expect("join");
        f.apply(3, &room("c"), FloorAction::UnmuteSelf)
            .expect("unmute");
        assert!(f.is_speaking("c"));
        f.apply(3, &room(HOST), FloorAction::Leave).expect("leave");
        assert!(!f.is_speaking(HOST));
        f.apply(4, &room(HOST), FloorAction::Join).expect("join");
        assert!(!f.is_speaking(HOST), "a rejoin starts silent");
    }

    #[test]
    fn a_revoked_room_loses_floor_and_hand_leaves_and_is_no_longer_invited() {
        let mut f = meeting();
        f.apply(1, &room(HOST), FloorAction::GiveFloor { room: "a".into() })
            .expect("floor");
        assert_eq!(
            names(Ok(f.revoke(5, "a"))),
            Ok(vec!["muted", "floor_taken", "left"])
        );
        assert_eq!(f.floor(), None);
        assert_eq!(
            names(Ok(f.revoke(6, "b"))),
            Ok(vec!["hand_lowered", "left"])
        );
        assert!(f.hands().is_empty());
        assert_eq!(f.events().last().map(|e| e.at_ms), Some(6));
        // An absent room is simply no longer invited; the host stays.
        assert!(f.revoke(7, "c").is_empty());
        assert!(f.revoke(8, HOST).is_empty());
        assert_eq!(f.invited(), [HOST.to_owned()]);
        for r in ["a", "b", "c"] {
            assert!(f.seat(r).is_none());
            assert_eq!(f.role(&room(r)), Role::Stranger);
            assert_eq!(
                f.apply(9, &room(r), FloorAction::Join),
                Err(Refusal::NotInvited)
            );
        }
    }

    /// Every action by every role: the host room, a present participant, an invited room
    /// not present, a room not invited, and staff acting for the host.
    #[test]
    fn every_action_by_every_role_has_a_defined_outcome() {
        use Refusal::*;
        let ok = |e: &[&'static str]| Ok(e.to_vec());
        let host_only =
            |e: &[&'static str]| [ok(e), Err(NotHost), Err(NotHost), Err(NotInvited), ok(e)];
        let own = |host: &[&'static str], participant: &[&'static str]| {
            [
                ok(host),
                ok(participant),
                Err(NotPresent),
                Err(NotInvited),
                Err(NotARoom),
            ]
        };
        let actors = [room(HOST), room("a"), room("c"), room("x"), Actor::Staff];
        type Outcome = Result<Vec<&'static str>, Refusal>;
        let table: Vec<(FloorAction, [Outcome; 5])> = vec![
            (
                FloorAction::Join,
                [
                    ok(&[]),
                    ok(&[]),
                    ok(&["joined"]),
                    Err(NotInvited),
                    Err(NotARoom),
                ],
            ),
            (
                FloorAction::Leave,
                [
                    ok(&["left"]),
                    ok(&["left"]),
                    ok(&[]),
                    Err(NotInvited),
                    Err(NotARoom),
                ],
            ),
            (FloorAction::RaiseHand, own(&[], &["hand_raised"])),
            (FloorAction::LowerHand, own(&[], &[])),
            (FloorAction::MuteSelf, own(&["muted"], &[])),
            (FloorAction::UnmuteSelf, own(&[], &["unmuted"])),
            (
                FloorAction::CameraOff,
                own(&["camera_off"], &["camera_off"]),
            ),
            (FloorAction::CameraOn, own(&[], &[])),
            (
                FloorAction::Chat {
                    text: "Xin chào".into(),
                },
                own(&["chat"], &["chat"]),
            ),
            (
                FloorAction::GiveFloor { room: "b".into() },
                host_only(&["hand_lowered", "unmuted", "floor_given"]),
            ),
            (FloorAction::TakeFloor, host_only(&[])),
            (
                FloorAction::MuteRoom { room: "b".into() },
                host_only(&["muted"]),
            ),
            (
                FloorAction::UnmuteRoom { room: "b".into() },
                host_only(&["unmuted"]),
            ),
            (FloorAction::MuteAll, host_only(&["muted", "muted"])),
            (
                FloorAction::LowerHandOf { room: "b".into() },
                host_only(&["hand_lowered"]),
            ),
            (
                FloorAction::End,
                host_only(&["left", "left", "left", "ended"]),
            ),
        ];
        for (action, expected) in table {
            for (actor, expect) in actors.iter().zip(expected) {
                let mut f = meeting();
                let before = f.clone();
                let got = names(f.apply(10, actor, action.clone()));
                assert_eq!(got, expect, "{action:?} by {actor:?}");
                if got.is_err() {
                    assert_eq!(
                        f, before,
                        "a refused {action:?} by {actor:?} changed nothing"
                    );
                }
            }
        }
    }

    #[test]
    fn a_commune_cannot_give_itself_the_floor_nor_mute_another() {
        let mut f = meeting();
        assert_eq!(
            f.apply(1, &room("b"), FloorAction::GiveFloor { room: "b".into() }),
            Err(Refusal::NotHost)
        );
        assert_eq!(
            f.apply(1, &room("a"), FloorAction::MuteRoom { room: "b".into() }),
            Err(Refusal::NotHost)
        );
        assert_eq!(
            f.apply(1, &room("x"), FloorAction::Join),
            Err(Refusal::NotInvited)
        );
        assert_eq!(f.floor(), None);
    }

    #[test]
    fn a_room_muted_by_the_host_cannot_open_its_own_microphone() {
        let mut f = meeting();
        f.apply(1, &room("a"), FloorAction::UnmuteSelf)
            .expect("open");
        assert!(f.audio_forwarded("a"));
        f.apply(2, &room(HOST), FloorAction::MuteRoom { room: "a".into() })
            .expect("mute");
        assert!(!f.audio_forwarded("a"));
        assert_eq!(
            f.apply(3, &room("a"), FloorAction::UnmuteSelf),
            Err(Refusal::MutedByHost)
        );
        f.apply(4, &room(HOST), FloorAction::GiveFloor { room: "a".into() })
            .expect("floor");
        assert!(f.audio_forwarded("a"), "the floor opens the microphone");
    }

    #[test]
    fn the_floor_moves_and_is_lost_on_leaving() {
        let mut f = meeting();
        f.apply(
            1,
            &Actor::Staff,
            FloorAction::GiveFloor { room: "b".into() },
        )
        .expect("b");
        assert_eq!(f.floor(), Some("b"));
        assert!(f.hands().is_empty());
        assert_eq!(f.priority_for("a"), vec!["b".to_owned(), HOST.to_owned()]);
        f.apply(2, &room(HOST), FloorAction::GiveFloor { room: "a".into() })
            .expect("a");
        assert_eq!(f.floor(), Some("a"));
        assert!(
            !f.audio_forwarded("b"),
            "the old holder's microphone closes"
        );
        f.apply(3, &room("a"), FloorAction::Leave).expect("leave");
        assert_eq!(f.floor(), None);
        assert_eq!(
            f.apply(4, &room(HOST), FloorAction::GiveFloor { room: "a".into() }),
            Err(Refusal::TargetNotPresent("a".into()))
        );
        assert_eq!(
            f.apply(4, &room(HOST), FloorAction::GiveFloor { room: "z".into() }),
            Err(Refusal::TargetNotInvited("z".into()))
        );
    }

    #[test]
    fn chat_is_nfc_trimmed_and_limited() {
        let mut f = meeting();
        let decomposed = "Xa\u{0300} ta\u{0301}\n";
        let events = f
            .apply(
                5,
                &room("a"),
                FloorAction::Chat {
                    text: format!("  {decomposed}"),
                },
            )
            .expect("chat");
        assert_eq!(
            events[0].kind,
            EventKind::Chat {
                room: "a".into(),
                text: "Xà tá".into()
            }
        );
        assert_eq!(f.chat()[0].at_ms, 5);
        assert_eq!(
            f.apply(6, &room("a"), FloorAction::Chat { text: " \n".into() }),
            Err(Refusal::EmptyChat)
        );
        assert_eq!(
            f.apply(
                6,
                &room("a"),
                FloorAction::Chat {
                    text: "ô".repeat(CHAT_MAX_CHARS + 1)
                }
            ),
            Err(Refusal::ChatTooLong)
        );
        assert!(
            f.apply(
                6,
                &room("a"),
                FloorAction::Chat {
                    text: "ô".repeat(CHAT_MAX_CHARS)
                }
            )
            .is_ok()
        );
    }

    #[test]
    fn after_the_end_everything_is_refused() {
        let mut f = meeting();
        f.apply(9, &room(HOST), FloorAction::End).expect("end");
        assert!(f.has_ended());
        assert_eq!(f.present().count(), 0);
        assert_eq!(
            f.apply(10, &room("a"), FloorAction::Join),
            Err(Refusal::Ended)
        );
    }

    #[test]
    fn events_never_go_back_in_time() {
        let mut f = meeting();
        f.apply(100, &room("a"), FloorAction::RaiseHand)
            .expect("hand");
        let events = f
            .apply(50, &room("a"), FloorAction::LowerHand)
            .expect("lower");
        assert_eq!(events[0].at_ms, 100);
    }

    #[test]
    fn events_round_trip_as_json() {
        let mut f = meeting();
        f.apply(1, &room(HOST), FloorAction::GiveFloor { room: "b".into() })
            .expect("floor");
        f.apply(2, &room(HOST), FloorAction::End).expect("end");
        for e in f.events() {
            let json = serde_json::to_string(e).expect("serialise");
            assert_eq!(&serde_json::from_str::<Event>(&json).expect("parse"), e);
        }
    }

    // --- Random sequences ---------------------------------------------------------------

    const ROOMS: [&str; 5] = [HOST, "a", "b", "c", "x"];

    fn action(kind: u8, target: usize, text_len: usize) -> FloorAction {
        let room = ROOMS[target % ROOMS.len()].to_owned();
        match kind % 16 {
            0 | 1 => FloorAction::Join,
            2 => FloorAction::Leave,
            3 => FloorAction::RaiseHand,
            4 => FloorAction::LowerHand,
            5 => FloorAction::MuteSelf,
            6 => FloorAction::UnmuteSelf,
            7 => FloorAction::CameraOff,
            8 => FloorAction::CameraOn,
            9 => FloorAction::Chat {
                text: "ý".repeat(text_len),
            },
            10 => FloorAction::GiveFloor { room },
            11 => FloorAction::TakeFloor,
            12 => FloorAction::MuteRoom { room },
            13 => FloorAction::UnmuteRoom { room },
            14 => FloorAction::MuteAll,
            _ => FloorAction::LowerHandOf { room },
        }
    }

    fn actor(i: usize) -> Actor {
        if i == ROOMS.len() {
            Actor::Staff
        } else {
            room(ROOMS[i])
        }
    }

    /// Checks every invariant of the chair against its state and its whole event history.
    fn check(f: &Floor, now_ms: i64) -> Result<(), proptest::test_runner::TestCaseError> {
        use proptest::prop_assert;
        // At most one floor, held by a present room that is not the host.
        if let Some(holder) = f.floor() {
            prop_assert!(f.is_present(holder), "floor holder {holder} is present");
            prop_assert!(holder != HOST);
            prop_assert!(!f.hands().iter().any(|h| h == holder));
        }
        let mut holders = 0i32;
        let mut present: BTreeMap<&str, bool> = BTreeMap::new();
        let mut last = i64::MIN;
        for e in f.events() {
            // Every event has a time, never later than now and never before the previous.
            prop_assert!(e.at_ms >= last && e.at_ms <= now_ms, "event time {e:?}");
            last = e.at_ms;
            match &e.kind {
                EventKind::FloorGiven { .. } => holders += 1,
                EventKind::FloorTaken { .. } => holders -= 1,
                // Attendance intervals never overlap: a join only when absent, a leave only
                // when present.
                EventKind::Joined { room } => {
                    prop_assert!(!present.get(room.as_str()).copied().unwrap_or(false));
                    present.insert(room, true);
                }
                EventKind::Left { room } => {
                    prop_assert!(present.get(room.as_str()).copied().unwrap_or(false));
                    present.insert(room, false);
                }
                _ => {}
            }
            prop_assert!(
                (0..=1).contains(&holders),
                "at most one floor in the history"
            );
        }
        for r in ROOMS {
            let seat_present = f.is_present(r);
            prop_assert!(present.get(r).copied().unwrap_or(false) == seat_present);
            // A muted (or absent) room's audio is never forwarded, to anyone.
            let open = f.seat(r).is_some_and(|s| s.mic == Mic::Open);
            if !(open && seat_present) {
                prop_assert!(!f.audio_forwarded(r));
                for other in ROOMS {
                    let heard = f.priority_for(other);
                    let shown_for_voice =
                        heard.iter().any(|h| h == r) && f.floor() != Some(r) && r != HOST;
                    prop_assert!(!shown_for_voice, "{r} is chosen for its voice while muted");
                }
            }
        }
        prop_assert!(f.hands().iter().all(|h| f.is_present(h)));
        Ok(())
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig {
            cases: 256,
            rng_algorithm: proptest::test_runner::RngAlgorithm::ChaCha,
            // Seeded: a failure reproduces on every machine (PROPTEST_RNG_SEED overrides).
            rng_seed: proptest::test_runner::RngSeed::Fixed(13),
            ..proptest::prelude::ProptestConfig::default()
        })]

        /// Random actions by random actors, up to about an hour and a half of meeting in
        /// steps of up to 30 s: every invariant holds after every step, and a refused
        /// action changes nothing.
        #[test]
        fn invariants_hold_for_any_sequence(
            steps in proptest::collection::vec(
                (0usize..=ROOMS.len(), 0u8..16, 0usize..ROOMS.len(), 0usize..210, 0i64..30_000),
                1..200,
            ),
            end_at in proptest::option::of(0usize..200),
        ) {
            let mut f = Floor::new(HOST, &["a".into(), "b".into(), "c".into()]);
            let mut now_ms = 1_000_000;
            for (i, (who, kind, target, text_len, dt_ms)) in steps.into_iter().enumerate() {
                now_ms += dt_ms;
                let act = if end_at == Some(i) { FloorAction::End } else { action(kind, target, text_len) };
                let before = f.clone();
                if f.apply(now_ms, &actor(who), act).is_err() {
                    proptest::prop_assert_eq!(&f, &before);
                }
                check(&f, now_ms)?;
            }
        }
    }
}
