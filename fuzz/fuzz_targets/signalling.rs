//! A running meeting driven by any sequence of what reaches the hub: signalling messages
//! (offers, candidates, speaking reports, chair requests, leaves) from the host room,
//! invited rooms, a room that is not invited and a browser; media that connects or fails;
//! staff's chair actions; a room revoked; a subscription set; a clock that may step back.
//! Each step goes through the pure handlers the hub runs (`meeting::signalling`,
//! `meeting::chair`), in the order `hub::meetings` calls them.
//!
//! What must hold after every step: every participant's slots show others that send media,
//! each once, never itself; the chair's floor holder and raised hands are present invited
//! rooms; the attendance record never goes back in time and each room's joins and leaves
//! alternate; and every message the hub would send encodes to JSON that reads back the same.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::arbitrary::{Arbitrary, Result as ArbResult, Unstructured};
use libfuzzer_sys::fuzz_target;
use phonghop::meeting::chair::{self, ChairOutput, ChairRequest, Roster};
use phonghop::meeting::floor::{Actor, EventKind, FloorAction};
use phonghop::meeting::signalling::{Action, Sender, offer_fingerprint, on_client_signal};
use phonghop::meeting::{MeetingState, ParticipantKind};
use phonghop::wire::{ClientSignal, IceCandidate, MEDIA_SLOTS, ReceiveReport, ServerSignal};

const ROOMS: [&str; 4] = ["p", "a", "b", "x"];
const BROWSER: &str = "web-1";
const SDP: &str =
    "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";

fn sender(u: &mut Unstructured<'_>) -> ArbResult<Sender> {
    let i = u.choose_index(ROOMS.len() + 1)?;
    Ok(match ROOMS.get(i) {
        Some(room) => Sender {
            participant_id: (*room).to_owned(),
            name: room.to_uppercase(),
            kind: ParticipantKind::Room,
        },
        None => Sender {
            participant_id: BROWSER.to_owned(),
            name: "Chủ tịch".to_owned(),
            kind: ParticipantKind::Browser,
        },
    })
}

fn room_name(u: &mut Unstructured<'_>) -> ArbResult<String> {
    let i = u.choose_index(ROOMS.len() + 2)?;
    Ok(match i {
        i if i < ROOMS.len() => ROOMS[i].to_owned(),
        i if i == ROOMS.len() => BROWSER.to_owned(),
        _ => String::arbitrary(u)?,
    })
}

fn action(u: &mut Unstructured<'_>) -> ArbResult<FloorAction> {
    Ok(match u.int_in_range(0..=15)? {
        0 => FloorAction::Join,
        1 => FloorAction::Leave,
        2 => FloorAction::RaiseHand,
        3 => FloorAction::LowerHand,
        4 => FloorAction::MuteSelf,
        5 => FloorAction::UnmuteSelf,
        6 => FloorAction::CameraOff,
        7 => FloorAction::CameraOn,
        8 => FloorAction::Chat {
            text: String::arbitrary(u)?,
        },
        9 => FloorAction::GiveFloor {
            room: room_name(u)?,
        },
        10 => FloorAction::TakeFloor,
        11 => FloorAction::MuteRoom {
            room: room_name(u)?,
        },
        12 => FloorAction::UnmuteRoom {
            room: room_name(u)?,
        },
        13 => FloorAction::MuteAll,
        14 => FloorAction::LowerHandOf {
            room: room_name(u)?,
        },
        _ => FloorAction::End,
    })
}

fn signal(u: &mut Unstructured<'_>) -> ArbResult<ClientSignal> {
    Ok(match u.int_in_range(0..=8)? {
        0 => ClientSignal::Offer {
            sdp: match u.int_in_range(0..=3)? {
                0 => SDP.to_owned(),
                1 => format!("{SDP}a=fingerprint:sha-256 AB:CD\r\n"),
                2 => format!("{SDP}a=fingerprint:sha-256 EF:01\r\n"),
                _ => String::arbitrary(u)?,
            },
        },
        1 => ClientSignal::Candidate {
            candidate: IceCandidate::arbitrary_from(u)?,
        },
        2 => ClientSignal::Speaking {
            active: bool::arbitrary(u)?,
        },
        3 => ClientSignal::Leave,
        5 => ClientSignal::SubscribeAnswer {
            sdp: String::arbitrary(u)?,
        },
        6 => ClientSignal::SubscribeCandidate {
            candidate: IceCandidate::arbitrary_from(u)?,
        },
        7 => ClientSignal::ReceiveReport(ReceiveReport {
            v: u32::arbitrary(u)?,
            interval_ms: u32::arbitrary(u)?,
            packets_received: u64::arbitrary(u)?,
            packets_lost: u64::arbitrary(u)?,
            received_bps: u64::arbitrary(u)?,
        }),
        4 => {
            // Bytes the fuzzer writes as JSON, as a socket delivers them.
            let text = String::arbitrary(u)?;
            match serde_json::from_str::<ClientSignal>(&text) {
                Ok(signal) => signal,
                Err(_) => ClientSignal::Leave,
            }
        }
        _ => ClientSignal::Chair(ChairRequest {
            v: if u.ratio(1, 8)? {
                u32::arbitrary(u)?
            } else {
                chair::CHAIR_VERSION
            },
            action: action(u)?,
        }),
    })
}

trait FromUnstructured: Sized {
    fn arbitrary_from(u: &mut Unstructured<'_>) -> ArbResult<Self>;
}

impl FromUnstructured for IceCandidate {
    fn arbitrary_from(u: &mut Unstructured<'_>) -> ArbResult<Self> {
        Ok(IceCandidate {
            candidate: if bool::arbitrary(u)? {
                "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host".to_owned()
            } else {
                String::arbitrary(u)?
            },
            sdp_mid: Option::<String>::arbitrary(u)?,
            sdp_mline_index: Option::<u16>::arbitrary(u)?,
        })
    }
}

/// What the hub keeps beside the meeting: the live session's DTLS fingerprint per room.
struct Hub {
    meeting: Option<MeetingState>,
    fingerprints: HashMap<String, String>,
    now_ms: i64,
    /// Every message the hub would send, for the encoding check.
    sent: Vec<ServerSignal>,
}

impl Hub {
    /// `Meetings::carry_out`: the chair's outputs (only `End` changes what the hub holds).
    fn carry_out(&mut self, outputs: Vec<ChairOutput>) {
        for output in outputs {
            match output {
                ChairOutput::Refused(refused) => {
                    self.sent.push(ServerSignal::ChairRefused(refused))
                }
                ChairOutput::Roster(roster) => self.sent.push(ServerSignal::Chair(roster)),
                ChairOutput::Chat(line) => self.sent.push(ServerSignal::Chat(line)),
                ChairOutput::End => {
                    self.meeting = None;
                    self.sent.push(ServerSignal::Ended);
                }
                ChairOutput::Record(_) | ChairOutput::Reroute => {}
            }
        }
    }

    /// `Meetings::chair_media`: a room's media joined or left.
    fn chair_media(&mut self, participant: &str, action: FloorAction) {
        let Some(meeting) = self.meeting.as_mut() else {
            return;
        };
        if meeting
            .participant(participant)
            .is_some_and(|p| p.kind == ParticipantKind::Browser)
            || !meeting.invites(participant)
        {
            return;
        }
        let actor = Actor::Room(participant.to_owned());
        if let Ok(events) = meeting.chair_act(self.now_ms, &actor, action) {
            let outputs = chair::outputs_for(meeting, events);
            self.carry_out(outputs);
        }
    }

    /// `Meetings::on_signal`.
    fn on_signal(&mut self, from: &Sender, signal: ClientSignal) {
        if let ClientSignal::Offer { sdp } = &signal
            && from.kind == ParticipantKind::Room
        {
            let fingerprint = offer_fingerprint(sdp).unwrap_or_default().to_owned();
            let replaced = matches!(
                self.fingerprints.insert(from.participant_id.clone(), fingerprint.clone()),
                Some(old) if old != fingerprint
            );
            if replaced {
                self.chair_media(&from.participant_id, FloorAction::Leave);
            }
        }
        if let ClientSignal::Speaking { active } = &signal
            && from.kind == ParticipantKind::Room
            && let Some(m) = self.meeting.as_mut()
            && m.invites(&from.participant_id)
            && m.participant(&from.participant_id)
                .is_some_and(|p| p.has_session)
        {
            let outputs = chair::on_speaking(m, &from.participant_id, *active);
            self.carry_out(outputs);
        }
        let actions = on_client_signal(self.meeting.as_mut(), from, signal);
        for action in actions {
            match action {
                Action::Reply(signal) => self.sent.push(signal),
                // What the media engine alone acts on: nothing for the meeting's state.
                Action::Negotiate { .. }
                | Action::AddCandidate(_)
                | Action::Reroute
                | Action::SubscribeAnswer(_)
                | Action::AddSubscriberCandidate(_)
                | Action::ReceiveReport(_) => {}
                Action::Roster => {
                    if let Some(m) = &self.meeting {
                        self.sent.push(ServerSignal::Participants {
                            participants: m.roster(),
                        });
                    }
                }
                Action::Close => {
                    self.fingerprints.remove(&from.participant_id);
                    self.chair_media(&from.participant_id, FloorAction::Leave);
                }
                Action::Chair(request) => {
                    let actor = Actor::Room(from.participant_id.clone());
                    let outputs = chair::on_chair_request(
                        self.meeting.as_mut(),
                        &actor,
                        request,
                        self.now_ms,
                    );
                    self.carry_out(outputs);
                }
            }
        }
    }

    fn step(&mut self, u: &mut Unstructured<'_>) -> ArbResult<()> {
        // The wall clock mostly moves on, by up to a minute; now and then it steps back.
        let delta = i64::from(u.int_in_range(0u16..=60_000)?);
        self.now_ms = if u.ratio(1, 16)? {
            self.now_ms - delta
        } else {
            self.now_ms + delta
        };
        let from = sender(u)?;
        match u.int_in_range(0..=9)? {
            0..=4 => {
                let signal = signal(u)?;
                self.on_signal(&from, signal);
            }
            5 => {
                // The engine: ICE and DTLS done.
                if let Some(p) = self
                    .meeting
                    .as_mut()
                    .and_then(|m| m.participant_mut(&from.participant_id))
                {
                    p.connected = true;
                }
                self.chair_media(&from.participant_id, FloorAction::Join);
            }
            6 => {
                // The engine: the link failed, or negotiation refused the offer.
                if let Some(p) = self
                    .meeting
                    .as_mut()
                    .and_then(|m| m.participant_mut(&from.participant_id))
                {
                    p.connected = false;
                    if bool::arbitrary(u)? {
                        p.has_session = false;
                    }
                }
                self.chair_media(&from.participant_id, FloorAction::Leave);
            }
            7 => {
                let request = ChairRequest {
                    v: chair::CHAIR_VERSION,
                    action: action(u)?,
                };
                let outputs = chair::on_chair_request(
                    self.meeting.as_mut(),
                    &Actor::Staff,
                    request,
                    self.now_ms,
                );
                self.carry_out(outputs);
            }
            8 => {
                if let Some(m) = self.meeting.as_mut() {
                    let outputs = chair::on_room_revoked(m, &from.participant_id, self.now_ms);
                    self.carry_out(outputs);
                }
            }
            _ => {
                if let Some(m) = self.meeting.as_mut() {
                    let slots = if bool::arbitrary(u)? {
                        let n = u.int_in_range(0..=4)?;
                        let mut slots = Vec::new();
                        for _ in 0..n {
                            slots.push(if bool::arbitrary(u)? {
                                Some(room_name(u)?)
                            } else {
                                None
                            });
                        }
                        Some(slots)
                    } else {
                        None
                    };
                    m.set_subscription(&from.participant_id, slots);
                }
            }
        }
        Ok(())
    }
}

fn check(m: &MeetingState) {
    let ids: Vec<String> = m.participant_ids().map(str::to_owned).collect();
    for subscriber in ids.iter().map(String::as_str).chain(ROOMS).chain([BROWSER]) {
        let slots = m.slots_for(subscriber);
        assert_eq!(slots.len(), MEDIA_SLOTS, "{subscriber}: {slots:?}");
        let shown: Vec<&String> = slots.iter().flatten().collect();
        for (i, id) in shown.iter().enumerate() {
            assert_ne!(
                id.as_str(),
                subscriber,
                "{subscriber} sees itself: {slots:?}"
            );
            assert!(
                m.participant(id).is_some_and(|p| p.has_session),
                "{subscriber} is shown {id}, who sends nothing: {slots:?}"
            );
            assert!(!shown[..i].contains(id), "{id} shown twice: {slots:?}");
        }
        let sources = m.slot_sources(subscriber);
        assert_eq!(sources.len(), MEDIA_SLOTS);
        for (slot, source) in slots.iter().zip(&sources) {
            assert_eq!(
                slot.as_deref(),
                source.as_ref().map(|s| s.participant_id.as_str())
            );
        }
    }
    let chair = m.chair();
    if let Some(holder) = chair.floor() {
        assert_ne!(holder, chair.host(), "the host holds the floor as a room");
        assert!(
            chair.is_present(holder),
            "the floor is with {holder}, who is absent"
        );
        assert!(chair.invited().iter().any(|r| r == holder));
    }
    for (i, hand) in chair.hands().iter().enumerate() {
        assert!(!chair.hands()[..i].contains(hand), "two hands of {hand}");
        assert!(chair.seat(hand).is_some(), "a hand of {hand}, not invited");
    }
    let events = chair.events();
    for pair in events.windows(2) {
        assert!(pair[0].at_ms <= pair[1].at_ms, "back in time: {pair:?}");
    }
    let mut present: HashMap<&str, bool> = HashMap::new();
    for event in events {
        match &event.kind {
            EventKind::Joined { room } => {
                let was = present.insert(room, true).unwrap_or(false);
                assert!(!was, "{room} joined twice without leaving: {events:?}");
            }
            EventKind::Left { room } => {
                let was = present.insert(room, false).unwrap_or(false);
                assert!(was, "{room} left without having joined: {events:?}");
            }
            _ => {}
        }
    }
    for (room, here) in present {
        if chair.seat(room).is_some() && !chair.has_ended() {
            assert_eq!(
                chair.is_present(room),
                here,
                "{room}: record and seat disagree"
            );
        }
    }
    let roster = Roster::of(m);
    let mut seen = Vec::new();
    for seat in &roster.seats {
        assert!(
            !seen.contains(&&seat.room_id),
            "{} seated twice",
            seat.room_id
        );
        seen.push(&seat.room_id);
        assert_eq!(seat.host, seat.room_id == roster.host);
    }
}

fn round_trip(signal: &ServerSignal) {
    let text = serde_json::to_string(signal).expect("a hub message encodes");
    let back: ServerSignal = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("a hub message does not read back ({e}): {text}"));
    assert_eq!(&back, signal);
}

fuzz_target!(|data: &[u8]| {
    let mut u = Unstructured::new(data);
    let mut hub = Hub {
        meeting: Some(MeetingState::new("m1", "p", vec!["a".into(), "b".into()])),
        fingerprints: HashMap::new(),
        now_ms: 1_795_000_000_000,
        sent: Vec::new(),
    };
    for _ in 0..64 {
        if u.is_empty() || hub.step(&mut u).is_err() {
            break;
        }
        if let Some(m) = &hub.meeting {
            check(m);
        }
        for signal in hub.sent.drain(..) {
            round_trip(&signal);
        }
    }
});
