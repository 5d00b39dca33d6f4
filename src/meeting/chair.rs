//! Chairing on the wire: what rooms ask of the chair and what the hub tells them (the roster,
//! chat, refusals, the schedule, start and end notices), and the pure message-in/outputs-out
//! handler the hub runs for a room's request or staff's.
//!
//! Every message carries `v` ([`CHAIR_VERSION`]). Changes are additive: a new request, field
//! or notice gets a new variant (or a `#[serde(default)]` field); a meaning never changes
//! under an old name. A box that meets a newer `v` than it speaks refuses the message instead
//! of guessing.

use serde::{Deserialize, Serialize};

use super::MeetingState;
use super::floor::{Actor, ChatLine, Event, EventKind, FloorAction, Mic, Refusal};

/// The chairing protocol this build speaks.
pub const CHAIR_VERSION: u32 = 1;

fn version() -> u32 {
    CHAIR_VERSION
}

/// One invited room as every kiosk's roster shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RosterSeat {
    pub room_id: String,
    #[serde(default)]
    pub name: String,
    pub present: bool,
    pub host: bool,
    pub mic: Mic,
    pub camera_on: bool,
    /// 1 for the first hand raised, 2 for the next...; `None` when no hand is raised.
    pub hand: Option<u32>,
    pub floor: bool,
    /// The room's microphone carries speech and is heard (its own report; never for a
    /// muted room).
    #[serde(default)]
    pub speaking: bool,
}

impl RosterSeat {
    /// A room that has joined with its camera on: no hand raised, no floor, not speaking.
    pub fn present(
        room_id: impl Into<String>,
        name: impl Into<String>,
        host: bool,
        mic: Mic,
    ) -> Self {
        RosterSeat {
            room_id: room_id.into(),
            name: name.into(),
            present: true,
            host,
            mic,
            camera_on: true,
            hand: None,
            floor: false,
            speaking: false,
        }
    }
}

/// The whole chair as rooms see it, sent on every change (a few hundred bytes for a
/// province's rooms, so a kiosk never has to patch a partial state).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Roster {
    #[serde(default = "version")]
    pub v: u32,
    pub host: String,
    pub floor: Option<String>,
    /// Raised hands, first raised first.
    pub hands: Vec<String>,
    /// Invited rooms, host first, in invitation order.
    pub seats: Vec<RosterSeat>,
}

impl Roster {
    pub fn of(meeting: &MeetingState) -> Roster {
        let chair = meeting.chair();
        let seats = chair
            .invited()
            .iter()
            .filter_map(|room| {
                let seat = chair.seat(room)?;
                Some(RosterSeat {
                    room_id: room.clone(),
                    name: meeting.room_name(room).to_owned(),
                    present: seat.present,
                    host: room == chair.host(),
                    mic: seat.mic,
                    camera_on: seat.camera_on,
                    hand: chair
                        .hands()
                        .iter()
                        .position(|h| h == room)
                        .map(|i| i as u32 + 1),
                    floor: chair.floor() == Some(room.as_str()),
                    speaking: chair.is_speaking(room),
                })
            })
            .collect();
        Roster {
            v: CHAIR_VERSION,
            host: chair.host().to_owned(),
            floor: chair.floor().map(str::to_owned),
            hands: chair.hands().to_vec(),
            seats,
        }
    }
}

/// The next meeting a room is invited to, for its Home screen.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NextMeeting {
    pub meeting_id: String,
    pub title: String,
    /// UTC milliseconds; the kiosk shows them in province time.
    pub start_ms: i64,
    pub end_ms: i64,
    /// Room id of the host, and its name as staff gave it.
    pub host: String,
    pub host_name: String,
    #[serde(default)]
    pub agenda: Vec<String>,
}

/// Hub → room: what the Home screen shows. Sent when the room connects and whenever the
/// schedule changes; `next: None` clears it ("no meeting scheduled").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SchedulePush {
    #[serde(default = "version")]
    pub v: u32,
    pub next: Option<NextMeeting>,
}

/// Hub → invited rooms about a scheduled meeting.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "notice", rename_all = "snake_case", deny_unknown_fields)]
pub enum MeetingNotice {
    /// The meeting starts at `start_ms` (sent in its last minutes, for the countdown).
    StartsSoon { start_ms: i64 },
    /// The meeting started: the room joins by itself (the invite follows).
    Started,
    /// The meeting will end at `end_ms` (the grace before rooms leave).
    EndsSoon { end_ms: i64 },
    /// The meeting ended; rooms leave and return Home.
    Ended,
}

/// A room's (or staff's) request to the chair, as it arrives.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ChairRequest {
    #[serde(default = "version")]
    pub v: u32,
    pub action: FloorAction,
}

/// Hub → participant after a request: why it was refused (kiosks show the reason in their
/// language, keyed by the variant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChairRefused {
    #[serde(default = "version")]
    pub v: u32,
    pub action: FloorAction,
    pub reason: ChairRefusal,
}

/// A refusal on the wire: the chair's, or the protocol's own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum ChairRefusal {
    #[error(transparent)]
    Chair(Refusal),
    #[error("chair protocol version {0} is newer than this hub's; update the hub")]
    UnsupportedVersion(u32),
    #[error("a room joins and leaves a meeting through its media, not by a chair message")]
    JoinByMedia,
    #[error("no such meeting is running; it may have ended")]
    UnknownMeeting,
}

/// How early staff may take a room into a scheduled meeting ("join now"): the room waits
/// in it until it starts; its attendance counts from its join.
pub const JOIN_EARLY_MS: i64 = 15 * 60 * 1000;

/// What staff at a room's kiosk (behind the staff PIN) ask of the hub about a meeting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum StaffCallAction {
    /// Take the room into the meeting now: a running one it left, or one starting soon.
    JoinNow,
    /// Take the room out; the hub does not invite it back by itself to this meeting.
    Leave,
}

/// Room → hub: staff's "join now" or "leave" for one meeting. Sent only to a hub whose
/// welcome says it reads it (`staff_call`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StaffCallRequest {
    #[serde(default = "version")]
    pub v: u32,
    pub meeting_id: String,
    pub action: StaffCallAction,
}

/// Why the hub refused staff's "join now" (the kiosk shows it in its language, keyed by
/// the variant: [`JoinRefusal::text_key`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "reason", content = "detail", rename_all = "snake_case")]
pub enum JoinRefusal {
    #[error("this room is not invited to the meeting")]
    NotInvited,
    #[error("the meeting starts more than 15 minutes from now; join then")]
    NotYet,
    #[error("no such meeting is running or about to start; it may have ended or been cancelled")]
    NoSuchMeeting,
    #[error("chair protocol version {0} is newer than this hub's; update the hub")]
    UnsupportedVersion(u32),
}

impl JoinRefusal {
    /// The kiosk's Fluent message for this refusal.
    pub fn text_key(self) -> &'static str {
        match self {
            JoinRefusal::NotInvited => "join-refused-not-invited",
            JoinRefusal::NotYet => "join-refused-not-yet",
            JoinRefusal::NoSuchMeeting => "join-refused-no-meeting",
            JoinRefusal::UnsupportedVersion(_) => "join-refused-version",
        }
    }
}

/// Hub → room: staff's "join now" was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffCallRefused {
    #[serde(default = "version")]
    pub v: u32,
    pub meeting_id: String,
    pub reason: JoinRefusal,
}

/// How the hub takes a room in when staff ask it to join now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinNow {
    /// The meeting runs: invite the room again.
    Running,
    /// The meeting starts within [`JOIN_EARLY_MS`]: open it for this room alone, early.
    Early,
}

/// Decides staff's "join now" for `room` at `now_ms`. `running` is `Some(invites room)` when
/// the meeting runs at the hub; `scheduled` is its schedule entry, if any.
pub fn decide_join_now(
    room: &str,
    running: Option<bool>,
    scheduled: Option<&super::schedule::ScheduledMeeting>,
    now_ms: i64,
) -> Result<JoinNow, JoinRefusal> {
    match running {
        Some(true) => return Ok(JoinNow::Running),
        Some(false) => return Err(JoinRefusal::NotInvited),
        None => {}
    }
    let Some(m) = scheduled.filter(|m| {
        m.status == super::schedule::ScheduleStatus::Scheduled && now_ms < m.plan.end_ms
    }) else {
        return Err(JoinRefusal::NoSuchMeeting);
    };
    if m.plan.host != room && !m.plan.rooms.iter().any(|r| r == room) {
        return Err(JoinRefusal::NotInvited);
    }
    if m.plan.start_ms - now_ms > JOIN_EARLY_MS {
        return Err(JoinRefusal::NotYet);
    }
    Ok(JoinNow::Early)
}

/// What the hub must do after a chair request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChairOutput {
    /// Tell the requester why nothing happened (and log it).
    Refused(ChairRefused),
    /// Store these events in order (the attendance record).
    Record(Vec<Event>),
    /// Send this roster to every participant.
    Roster(Roster),
    /// Send this chat line to every participant.
    Chat(ChatLine),
    /// Who is shown and heard may have changed: recompute the slots.
    Reroute,
    /// The host ended the meeting: end it as staff's `stop` does.
    End,
}

/// Handles one chair request from `actor` at `now_ms`. `meeting` is `None` when no meeting
/// with that id runs. Joins and leaves never come this way: they follow the media.
pub fn on_chair_request(
    meeting: Option<&mut MeetingState>,
    actor: &Actor,
    request: ChairRequest,
    now_ms: i64,
) -> Vec<ChairOutput> {
    let refuse = |reason| {
        vec![ChairOutput::Refused(ChairRefused {
            v: CHAIR_VERSION,
            action: request.action.clone(),
            reason,
        })]
    };
    if request.v > CHAIR_VERSION {
        return refuse(ChairRefusal::UnsupportedVersion(request.v));
    }
    if matches!(request.action, FloorAction::Join | FloorAction::Leave) {
        return refuse(ChairRefusal::JoinByMedia);
    }
    let Some(meeting) = meeting else {
        return refuse(ChairRefusal::UnknownMeeting);
    };
    match meeting.chair_act(now_ms, actor, request.action.clone()) {
        Err(reason) => refuse(ChairRefusal::Chair(reason)),
        Ok(events) => outputs_for(meeting, events),
    }
}

/// A room was revoked while `meeting` runs: it leaves the chair at once (floor, hand and
/// presence, recorded as events) and is no longer invited, so every roster drops it. Nothing
/// happens for the host (a meeting keeps its host; its media still ends) or a room the
/// meeting does not invite.
pub fn on_room_revoked(meeting: &mut MeetingState, room: &str, now_ms: i64) -> Vec<ChairOutput> {
    if room == meeting.host || !meeting.invited.iter().any(|r| r == room) {
        return Vec::new();
    }
    let events = meeting.chair.revoke(now_ms, room);
    meeting.invited.retain(|r| r != room);
    let mut out = outputs_for(meeting, events);
    if !out.iter().any(|o| matches!(o, ChairOutput::Roster(_))) {
        out.push(ChairOutput::Roster(Roster::of(meeting)));
    }
    out
}

/// A room reported whether it speaks (`ClientSignal::Speaking`): every roster is told when
/// what it shows changed (a muted room's reports change nothing shown).
pub fn on_speaking(meeting: &mut MeetingState, room: &str, speaking: bool) -> Vec<ChairOutput> {
    if meeting.chair.set_speaking(room, speaking) {
        vec![ChairOutput::Roster(Roster::of(meeting))]
    } else {
        Vec::new()
    }
}

/// What the hub does with events the chair emitted (from a request or from the media:
/// joins and leaves): store them, then tell everyone what changed.
pub fn outputs_for(meeting: &MeetingState, events: Vec<Event>) -> Vec<ChairOutput> {
    if events.is_empty() {
        return Vec::new();
    }
    let chats: Vec<ChatLine> = events
        .iter()
        .filter_map(|e| match &e.kind {
            EventKind::Chat { room, text } => Some(ChatLine {
                at_ms: e.at_ms,
                room: room.clone(),
                text: text.clone(),
            }),
            _ => None,
        })
        .collect();
    let roster_changed = events
        .iter()
        .any(|e| !matches!(e.kind, EventKind::Chat { .. }));
    let reroute = events.iter().any(|e| {
        matches!(
            e.kind,
            EventKind::FloorGiven { .. }
                | EventKind::FloorTaken { .. }
                | EventKind::Muted { .. }
                | EventKind::Unmuted { .. }
                | EventKind::Joined { .. }
                | EventKind::Left { .. }
        )
    });
    let ended = events.iter().any(|e| e.kind == EventKind::Ended);
    let mut out = vec![ChairOutput::Record(events)];
    out.extend(chats.into_iter().map(ChairOutput::Chat));
    if roster_changed {
        out.push(ChairOutput::Roster(Roster::of(meeting)));
    }
    if reroute && !ended {
        out.push(ChairOutput::Reroute);
    }
    if ended {
        out.push(ChairOutput::End);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::meeting::floor::MutedBy;
    use crate::wire::{ClientSignal, HubMessage, RoomMessage, ServerSignal};
    use proptest::prelude::*;

    fn meeting() -> MeetingState {
        let mut m = MeetingState::new("m1", "p", vec!["a".into(), "b".into()]);
        for r in ["p", "a", "b"] {
            m.join(r, r, crate::meeting::ParticipantKind::Room);
            m.participant_mut(r).expect("joined").has_session = true;
            m.chair_act(0, &Actor::Room(r.into()), FloorAction::Join)
                .expect("join");
        }
        m
    }

    fn request(action: FloorAction) -> ChairRequest {
        ChairRequest {
            v: CHAIR_VERSION,
            action,
        }
    }

    fn refused(out: &[ChairOutput]) -> Option<&ChairRefusal> {
        match out {
            [ChairOutput::Refused(r)] => Some(&r.reason),
            _ => None,
        }
    }

    #[test]
    fn a_raised_hand_reaches_every_roster_and_the_floor_reroutes() {
        let mut m = meeting();
        let a = Actor::Room("a".into());
        let out = on_chair_request(Some(&mut m), &a, request(FloorAction::RaiseHand), 10);
        let [ChairOutput::Record(events), ChairOutput::Roster(roster)] = out.as_slice() else {
            panic!("{out:?}");
        };
        assert_eq!(events[0].kind, EventKind::HandRaised { room: "a".into() });
        assert_eq!(roster.hands, vec!["a".to_owned()]);
        assert_eq!(roster.seats[1].hand, Some(1));
        let p = Actor::Room("p".into());
        let out = on_chair_request(
            Some(&mut m),
            &p,
            request(FloorAction::GiveFloor { room: "a".into() }),
            20,
        );
        assert!(out.contains(&ChairOutput::Reroute), "{out:?}");
        let Some(ChairOutput::Roster(roster)) =
            out.iter().find(|o| matches!(o, ChairOutput::Roster(_)))
        else {
            panic!("{out:?}");
        };
        assert_eq!(roster.floor.as_deref(), Some("a"));
        assert!(roster.seats[1].floor && roster.seats[1].mic == Mic::Open);
        assert_eq!(m.slots_for("b"), vec![Some("a".into()), Some("p".into())]);
    }

    #[test]
    fn a_revoked_room_leaves_every_roster_and_its_floor_at_once() {
        let mut m = meeting();
        let p = Actor::Room("p".into());
        on_chair_request(
            Some(&mut m),
            &p,
            request(FloorAction::GiveFloor { room: "a".into() }),
            10,
        );
        let out = on_room_revoked(&mut m, "a", 20);
        let Some(ChairOutput::Record(events)) = out.first() else {
            panic!("{out:?}");
        };
        assert!(events.contains(&Event {
            at_ms: 20,
            kind: EventKind::Left { room: "a".into() }
        }));
        let Some(ChairOutput::Roster(roster)) =
            out.iter().find(|o| matches!(o, ChairOutput::Roster(_)))
        else {
            panic!("{out:?}");
        };
        assert_eq!(roster.floor, None);
        assert!(roster.seats.iter().all(|s| s.room_id != "a"), "{roster:?}");
        assert!(out.contains(&ChairOutput::Reroute), "{out:?}");
        assert!(!m.invites("a"));
        // The host is never taken out of its meeting's chair.
        assert!(on_room_revoked(&mut m, "p", 30).is_empty());
        assert!(on_room_revoked(&mut m, "a", 30).is_empty());
    }

    #[test]
    fn join_now_takes_an_invited_room_into_a_running_or_imminent_meeting_only() {
        use crate::meeting::schedule::{MeetingPlan, ScheduleStatus, ScheduledMeeting};
        let start_ms = 1_000_000_000;
        let mut m = ScheduledMeeting {
            id: "s1".into(),
            plan: MeetingPlan {
                title: "Giao ban".into(),
                start_ms,
                end_ms: start_ms + 3_600_000,
                host: "p".into(),
                rooms: vec!["p".into(), "a".into()],
                agenda: Vec::new(),
            },
            status: ScheduleStatus::Scheduled,
            created_at_ms: 0,
            updated_at_ms: 0,
        };
        let decide =
            |room, running, m: &ScheduledMeeting, now| decide_join_now(room, running, Some(m), now);
        assert_eq!(decide("a", Some(true), &m, 0), Ok(JoinNow::Running));
        assert_eq!(
            decide("x", Some(false), &m, 0),
            Err(JoinRefusal::NotInvited)
        );
        assert_eq!(
            decide("a", None, &m, start_ms - JOIN_EARLY_MS),
            Ok(JoinNow::Early)
        );
        assert_eq!(decide("p", None, &m, start_ms - 60_000), Ok(JoinNow::Early));
        assert_eq!(
            decide("a", None, &m, start_ms - JOIN_EARLY_MS - 1),
            Err(JoinRefusal::NotYet)
        );
        assert_eq!(
            decide("x", None, &m, start_ms - 60_000),
            Err(JoinRefusal::NotInvited)
        );
        assert_eq!(
            decide("a", None, &m, start_ms + 3_600_000),
            Err(JoinRefusal::NoSuchMeeting)
        );
        m.status = ScheduleStatus::Cancelled;
        assert_eq!(
            decide("a", None, &m, start_ms - 60_000),
            Err(JoinRefusal::NoSuchMeeting)
        );
        assert_eq!(
            decide_join_now("a", None, None, 0),
            Err(JoinRefusal::NoSuchMeeting)
        );
    }

    #[test]
    fn refusals_are_typed_and_change_nothing() {
        let mut m = meeting();
        let before = m.clone();
        let b = Actor::Room("b".into());
        let out = on_chair_request(
            Some(&mut m),
            &b,
            request(FloorAction::GiveFloor { room: "b".into() }),
            5,
        );
        assert_eq!(refused(&out), Some(&ChairRefusal::Chair(Refusal::NotHost)));
        let out = on_chair_request(Some(&mut m), &b, request(FloorAction::Join), 5);
        assert_eq!(refused(&out), Some(&ChairRefusal::JoinByMedia));
        let out = on_chair_request(
            Some(&mut m),
            &b,
            ChairRequest {
                v: CHAIR_VERSION + 1,
                action: FloorAction::RaiseHand,
            },
            5,
        );
        assert_eq!(
            refused(&out),
            Some(&ChairRefusal::UnsupportedVersion(CHAIR_VERSION + 1))
        );
        let out = on_chair_request(None, &b, request(FloorAction::RaiseHand), 5);
        assert_eq!(refused(&out), Some(&ChairRefusal::UnknownMeeting));
        assert_eq!(m, before);
    }

    #[test]
    fn chat_goes_to_everyone_without_a_roster_and_the_end_ends() {
        let mut m = meeting();
        let a = Actor::Room("a".into());
        let out = on_chair_request(
            Some(&mut m),
            &a,
            request(FloorAction::Chat {
                text: "Chào".into(),
            }),
            7,
        );
        assert!(
            matches!(out.as_slice(), [ChairOutput::Record(_), ChairOutput::Chat(line)] if line.text == "Chào" && line.at_ms == 7)
        );
        let out = on_chair_request(Some(&mut m), &Actor::Staff, request(FloorAction::End), 8);
        assert_eq!(out.last(), Some(&ChairOutput::End));
        assert!(!out.contains(&ChairOutput::Reroute));
    }

    #[test]
    fn a_request_has_a_stable_json_shape() {
        let json = serde_json::to_string(&ClientSignal::Chair(request(FloorAction::RaiseHand)))
            .expect("json");
        assert_eq!(
            json,
            r#"{"kind":"chair","v":1,"action":{"action":"raise_hand"}}"#
        );
        let old_box: ClientSignal =
            serde_json::from_str(r#"{"kind":"chair","action":{"action":"mute_self"}}"#)
                .expect("v defaults");
        assert_eq!(old_box, ClientSignal::Chair(request(FloorAction::MuteSelf)));
    }

    // --- Every message round-trips ------------------------------------------------------

    fn text() -> impl Strategy<Value = String> {
        "\\PC{0,40}"
    }

    fn floor_action() -> impl Strategy<Value = FloorAction> {
        prop_oneof![
            Just(FloorAction::Join),
            Just(FloorAction::Leave),
            Just(FloorAction::RaiseHand),
            Just(FloorAction::LowerHand),
            Just(FloorAction::MuteSelf),
            Just(FloorAction::UnmuteSelf),
            Just(FloorAction::CameraOff),
            Just(FloorAction::CameraOn),
            text().prop_map(|text| FloorAction::Chat { text }),
            text().prop_map(|room| FloorAction::GiveFloor { room }),
            Just(FloorAction::TakeFloor),
            text().prop_map(|room| FloorAction::MuteRoom { room }),
            text().prop_map(|room| FloorAction::UnmuteRoom { room }),
            Just(FloorAction::MuteAll),
            text().prop_map(|room| FloorAction::LowerHandOf { room }),
            Just(FloorAction::End),
        ]
    }

    fn mic() -> impl Strategy<Value = Mic> {
        prop_oneof![
            Just(Mic::Open),
            Just(Mic::Muted(MutedBy::Rule)),
            Just(Mic::Muted(MutedBy::Itself)),
            Just(Mic::Muted(MutedBy::Host)),
        ]
    }

    fn refusal() -> impl Strategy<Value = ChairRefusal> {
        let chair = prop_oneof![
            Just(Refusal::NotInvited),
            Just(Refusal::NotHost),
            Just(Refusal::NotARoom),
            Just(Refusal::NotPresent),
            text().prop_map(Refusal::TargetNotPresent),
            text().prop_map(Refusal::TargetNotInvited),
            Just(Refusal::MutedByHost),
            Just(Refusal::EmptyChat),
            Just(Refusal::ChatTooLong),
            Just(Refusal::Ended),
        ];
        prop_oneof![
            chair.prop_map(ChairRefusal::Chair),
            any::<u32>().prop_map(ChairRefusal::UnsupportedVersion),
            Just(ChairRefusal::JoinByMedia),
            Just(ChairRefusal::UnknownMeeting),
        ]
    }

    fn roster() -> impl Strategy<Value = Roster> {
        let seat = (
            (text(), text()),
            any::<bool>(),
            any::<bool>(),
            mic(),
            any::<bool>(),
            proptest::option::of(1u32..50),
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(
                |((room_id, name), present, host, mic, camera_on, hand, floor, speaking)| {
                    RosterSeat {
                        speaking,
                        room_id,
                        name,
                        present,
                        host,
                        mic,
                        camera_on,
                        hand,
                        floor,
                    }
                },
            );
        (
            text(),
            proptest::option::of(text()),
            proptest::collection::vec(text(), 0..4),
            proptest::collection::vec(seat, 0..5),
        )
            .prop_map(|(host, floor, hands, seats)| Roster {
                v: CHAIR_VERSION,
                host,
                floor,
                hands,
                seats,
            })
    }

    fn next_meeting() -> impl Strategy<Value = NextMeeting> {
        (
            text(),
            text(),
            any::<i64>(),
            any::<i64>(),
            text(),
            text(),
            proptest::collection::vec(text(), 0..3),
        )
            .prop_map(
                |(meeting_id, title, start_ms, end_ms, host, host_name, agenda)| NextMeeting {
                    meeting_id,
                    title,
                    start_ms,
                    end_ms,
                    host,
                    host_name,
                    agenda,
                },
            )
    }

    fn notice() -> impl Strategy<Value = MeetingNotice> {
        prop_oneof![
            any::<i64>().prop_map(|start_ms| MeetingNotice::StartsSoon { start_ms }),
            Just(MeetingNotice::Started),
            any::<i64>().prop_map(|end_ms| MeetingNotice::EndsSoon { end_ms }),
            Just(MeetingNotice::Ended),
        ]
    }

    fn server_signal() -> impl Strategy<Value = ServerSignal> {
        prop_oneof![
            roster().prop_map(ServerSignal::Chair),
            (any::<i64>(), text(), text())
                .prop_map(|(at_ms, room, text)| ServerSignal::Chat(ChatLine { at_ms, room, text })),
            (floor_action(), refusal()).prop_map(|(action, reason)| ServerSignal::ChairRefused(
                ChairRefused {
                    v: CHAIR_VERSION,
                    action,
                    reason
                }
            )),
        ]
    }

    fn candidate() -> impl Strategy<Value = crate::wire::IceCandidate> {
        (
            text(),
            proptest::option::of(text()),
            proptest::option::of(any::<u16>()),
        )
            .prop_map(
                |(candidate, sdp_mid, sdp_mline_index)| crate::wire::IceCandidate {
                    candidate,
                    sdp_mid,
                    sdp_mline_index,
                },
            )
    }

    fn client_signal() -> impl Strategy<Value = ClientSignal> {
        prop_oneof![
            text().prop_map(|sdp| ClientSignal::Offer { sdp }),
            candidate().prop_map(|candidate| ClientSignal::Candidate { candidate }),
            any::<bool>().prop_map(|active| ClientSignal::Speaking { active }),
            Just(ClientSignal::Leave),
            (0u32..4, floor_action())
                .prop_map(|(v, action)| ClientSignal::Chair(ChairRequest { v, action })),
        ]
    }

    fn hub_message() -> impl Strategy<Value = HubMessage> {
        prop_oneof![
            Just(HubMessage::SyncHint),
            (text(), text(), proptest::collection::vec(text(), 0..3)).prop_map(
                |(meeting_id, host, rooms)| {
                    HubMessage::MeetingInvite {
                        meeting_id,
                        host,
                        rooms,
                        ice_servers: Vec::new(),
                        simulcast: false,
                    }
                }
            ),
            (text(), candidate()).prop_map(|(meeting_id, candidate)| HubMessage::Signal {
                meeting_id,
                signal: ServerSignal::Candidate { candidate },
            }),
            Just(HubMessage::Signal {
                meeting_id: "m".into(),
                signal: ServerSignal::Ended
            }),
            proptest::option::of(next_meeting()).prop_map(|next| HubMessage::Schedule(
                SchedulePush {
                    v: CHAIR_VERSION,
                    next
                }
            )),
            (text(), notice()).prop_map(|(meeting_id, notice)| HubMessage::MeetingNotice {
                v: CHAIR_VERSION,
                meeting_id,
                notice
            }),
            (text(), server_signal())
                .prop_map(|(meeting_id, signal)| HubMessage::Signal { meeting_id, signal }),
        ]
    }

    proptest! {
        #[test]
        fn any_room_message_round_trips(meeting_id in text(), signal in client_signal()) {
            let msg = RoomMessage::Signal { meeting_id, signal };
            let json = serde_json::to_string(&msg).expect("serialise");
            prop_assert_eq!(serde_json::from_str::<RoomMessage>(&json).expect("parse"), msg);
        }

        #[test]
        fn any_hub_message_round_trips(msg in hub_message()) {
            let json = serde_json::to_string(&msg).expect("serialise");
            prop_assert_eq!(serde_json::from_str::<HubMessage>(&json).expect("parse"), msg);
        }
    }
}
