//! The hub's signalling rules as a pure message-in/message-out transformer.
//!
//! The hub's session code parses a participant's message, calls [`on_client_signal`] with
//! the meeting's state, and carries out the returned actions (webrtc-rs calls, sending).
//! Everything that decides (who may join, what is refused, when the pictures move) is here
//! and tested without sockets.

use super::{MeetingState, ParticipantKind};
use crate::wire::{ClientSignal, IceCandidate, ServerSignal, SignalError};

/// An SDP larger than this is refused (a real offer with 2 slots is ~6 KB).
pub const MAX_SDP_BYTES: usize = 64 * 1024;

/// Who sent a message, as the authenticated session knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub participant_id: String,
    pub name: String,
    pub kind: ParticipantKind,
}

/// What the hub must do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Send this to the sender.
    Reply(ServerSignal),
    /// Create the sender's media session from this offer and answer it (or renegotiate a
    /// live one: an ICE restart).
    Negotiate { sdp: String, renegotiation: bool },
    /// Hand a trickled candidate to the sender's media session.
    AddCandidate(IceCandidate),
    /// Who is shown to whom may have changed: recompute every participant's slots, send
    /// `slots` to those whose slots changed, and ask new sources for keyframes.
    Reroute,
    /// The roster changed: send `participants` to everyone.
    Roster,
    /// Close the sender's media session and forget it.
    Close,
    /// Hand this request to the chair with the time (`chair::on_chair_request`).
    Chair(crate::wire::ChairRequest),
    /// Hand the answer of the sender's receive-only connection to its media session.
    SubscribeAnswer(String),
    /// Hand a trickled candidate of that connection to its media session.
    AddSubscriberCandidate(IceCandidate),
    /// Hand what that connection received to the engine (its simulcast layer choice).
    ReceiveReport(crate::wire::ReceiveReport),
}

/// The DTLS fingerprint an offer carries: a new one from a participant that already had a
/// media session means a new peer connection (the box restarted or lost its link), so the
/// old media is gone; the same one is an ICE restart of the live connection. The forwarder
/// tells the two apart the same way.
pub fn offer_fingerprint(sdp: &str) -> Option<&str> {
    sdp.lines()
        .find(|l| l.starts_with("a=fingerprint:"))
        .map(str::trim)
}

/// A participant's ICE candidate, for its publishing connection or its receiving one alike:
/// only after an offer, and of a sane length.
fn checked_candidate(
    has_session: bool,
    candidate: IceCandidate,
    action: fn(IceCandidate) -> Action,
) -> Vec<Action> {
    if !has_session {
        return refuse(
            SignalError::NoSession,
            "send an offer before ICE candidates",
        );
    }
    if candidate.candidate.len() > 1024 {
        return refuse(SignalError::Malformed, "the ICE candidate is too long");
    }
    vec![action(candidate)]
}

fn refuse(code: SignalError, message: impl Into<String>) -> Vec<Action> {
    vec![Action::Reply(ServerSignal::Error {
        code,
        message: message.into(),
    })]
}

/// Decides what a signalling message means. `meeting` is `None` when the id names no
/// running meeting.
pub fn on_client_signal(
    meeting: Option<&mut MeetingState>,
    from: &Sender,
    signal: ClientSignal,
) -> Vec<Action> {
    let Some(meeting) = meeting else {
        return refuse(
            SignalError::UnknownMeeting,
            "no such meeting is running; it may have ended",
        );
    };
    if from.kind == ParticipantKind::Room && !meeting.invites(&from.participant_id) {
        return refuse(
            SignalError::NotInvited,
            "this room is not invited to the meeting",
        );
    }
    let has_session = meeting
        .participant(&from.participant_id)
        .is_some_and(|p| p.has_session);
    match signal {
        ClientSignal::Offer { sdp } => {
            if sdp.len() > MAX_SDP_BYTES {
                return refuse(SignalError::BadSdp, "the offer is larger than 64 KiB");
            }
            if !sdp.starts_with("v=0") {
                return refuse(
                    SignalError::BadSdp,
                    "the offer is not an SDP (must start with v=0)",
                );
            }
            if !sdp.contains("m=video") && !sdp.contains("m=audio") {
                return refuse(
                    SignalError::BadSdp,
                    "the offer has no audio or video section",
                );
            }
            meeting.join(&from.participant_id, &from.name, from.kind);
            let mut actions = vec![Action::Negotiate {
                sdp,
                renegotiation: has_session,
            }];
            if !has_session {
                if let Some(p) = meeting.participant_mut(&from.participant_id) {
                    p.has_session = true;
                }
                actions.push(Action::Reroute);
                actions.push(Action::Roster);
            }
            actions
        }
        ClientSignal::Candidate { candidate } => {
            checked_candidate(has_session, candidate, Action::AddCandidate)
        }
        ClientSignal::Speaking { active } => {
            if !has_session {
                return refuse(SignalError::NoSession, "join with an offer before speaking");
            }
            if active {
                meeting.speaking(&from.participant_id);
                vec![Action::Reroute]
            } else {
                Vec::new()
            }
        }
        ClientSignal::Chair(request) => vec![Action::Chair(request)],
        ClientSignal::SubscribeAnswer { sdp } => {
            if !has_session {
                return refuse(SignalError::NoSession, "send an offer before answering");
            }
            if sdp.len() > MAX_SDP_BYTES || !sdp.starts_with("v=0") {
                return refuse(
                    SignalError::BadSdp,
                    "the answer is not an SDP of at most 64 KiB",
                );
            }
            vec![Action::SubscribeAnswer(sdp)]
        }
        ClientSignal::SubscribeCandidate { candidate } => {
            checked_candidate(has_session, candidate, Action::AddSubscriberCandidate)
        }
        // A report from before the session (or after it ended) describes nothing the engine
        // holds: dropped without a reply, as reports come every second.
        ClientSignal::ReceiveReport(report) if has_session => vec![Action::ReceiveReport(report)],
        ClientSignal::ReceiveReport(_) => Vec::new(),
        ClientSignal::Leave => {
            if meeting.participant(&from.participant_id).is_none() {
                return Vec::new();
            }
            meeting.leave(&from.participant_id);
            vec![Action::Close, Action::Reroute, Action::Roster]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SDP: &str =
        "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\nm=video 9 UDP/TLS/RTP/SAVPF 96\r\n";

    fn room(id: &str) -> Sender {
        Sender {
            participant_id: id.into(),
            name: id.to_uppercase(),
            kind: ParticipantKind::Room,
        }
    }

    fn browser() -> Sender {
        Sender {
            participant_id: "web-1".into(),
            name: "Chủ tịch".into(),
            kind: ParticipantKind::Browser,
        }
    }

    fn meeting() -> MeetingState {
        MeetingState::new("m1", "province", vec!["a".into(), "b".into()])
    }

    fn offer() -> ClientSignal {
        ClientSignal::Offer { sdp: SDP.into() }
    }

    fn candidate() -> ClientSignal {
        ClientSignal::Candidate {
            candidate: IceCandidate {
                candidate: "candidate:1 1 udp 2130706431 127.0.0.1 5000 typ host".into(),
                sdp_mid: Some("0".into()),
                sdp_mline_index: Some(0),
            },
        }
    }

    fn error_code(actions: &[Action]) -> Option<SignalError> {
        match actions {
            [Action::Reply(ServerSignal::Error { code, .. })] => Some(*code),
            _ => None,
        }
    }

    /// Every message, from an invited room, a stranger room and a browser, before and after
    /// an offer: the table the hub's behaviour rests on.
    #[test]
    fn every_message_has_a_defined_outcome() {
        struct Case {
            name: &'static str,
            sender: Sender,
            offered_first: bool,
            signal: ClientSignal,
            expect_error: Option<SignalError>,
            expect_first: Option<fn(&Action) -> bool>,
        }
        let cases = vec![
            Case {
                name: "offer from invited room",
                sender: room("a"),
                offered_first: false,
                signal: offer(),
                expect_error: None,
                expect_first: Some(|a| {
                    matches!(
                        a,
                        Action::Negotiate {
                            renegotiation: false,
                            ..
                        }
                    )
                }),
            },
            Case {
                name: "second offer renegotiates (ICE restart)",
                sender: room("a"),
                offered_first: true,
                signal: offer(),
                expect_error: None,
                expect_first: Some(|a| {
                    matches!(
                        a,
                        Action::Negotiate {
                            renegotiation: true,
                            ..
                        }
                    )
                }),
            },
            Case {
                name: "offer from the host",
                sender: room("province"),
                offered_first: false,
                signal: offer(),
                expect_error: None,
                expect_first: Some(|a| matches!(a, Action::Negotiate { .. })),
            },
            Case {
                name: "offer from a room not invited",
                sender: room("stranger"),
                offered_first: false,
                signal: offer(),
                expect_error: Some(SignalError::NotInvited),
                expect_first: None,
            },
            Case {
                name: "candidate from a room not invited",
                sender: room("stranger"),
                offered_first: false,
                signal: candidate(),
                expect_error: Some(SignalError::NotInvited),
                expect_first: None,
            },
            Case {
                name: "offer from a browser with a link",
                sender: browser(),
                offered_first: false,
                signal: offer(),
                expect_error: None,
                expect_first: Some(|a| matches!(a, Action::Negotiate { .. })),
            },
            Case {
                name: "not an SDP",
                sender: room("a"),
                offered_first: false,
                signal: ClientSignal::Offer {
                    sdp: "hello".into(),
                },
                expect_error: Some(SignalError::BadSdp),
                expect_first: None,
            },
            Case {
                name: "SDP without media",
                sender: room("a"),
                offered_first: false,
                signal: ClientSignal::Offer {
                    sdp: "v=0\r\n".into(),
                },
                expect_error: Some(SignalError::BadSdp),
                expect_first: None,
            },
            Case {
                name: "huge SDP",
                sender: room("a"),
                offered_first: false,
                signal: ClientSignal::Offer {
                    sdp: format!("{SDP}{}", "a".repeat(MAX_SDP_BYTES)),
                },
                expect_error: Some(SignalError::BadSdp),
                expect_first: None,
            },
            Case {
                name: "candidate before offer",
                sender: room("a"),
                offered_first: false,
                signal: candidate(),
                expect_error: Some(SignalError::NoSession),
                expect_first: None,
            },
            Case {
                name: "candidate after offer",
                sender: room("a"),
                offered_first: true,
                signal: candidate(),
                expect_error: None,
                expect_first: Some(|a| matches!(a, Action::AddCandidate(_))),
            },
            Case {
                name: "huge candidate",
                sender: room("a"),
                offered_first: true,
                signal: ClientSignal::Candidate {
                    candidate: IceCandidate {
                        candidate: "x".repeat(2000),
                        sdp_mid: None,
                        sdp_mline_index: None,
                    },
                },
                expect_error: Some(SignalError::Malformed),
                expect_first: None,
            },
            Case {
                name: "speaking before offer",
                sender: room("a"),
                offered_first: false,
                signal: ClientSignal::Speaking { active: true },
                expect_error: Some(SignalError::NoSession),
                expect_first: None,
            },
            Case {
                name: "speaking reroutes",
                sender: room("a"),
                offered_first: true,
                signal: ClientSignal::Speaking { active: true },
                expect_error: None,
                expect_first: Some(|a| matches!(a, Action::Reroute)),
            },
            Case {
                name: "leave closes",
                sender: room("a"),
                offered_first: true,
                signal: ClientSignal::Leave,
                expect_error: None,
                expect_first: Some(|a| matches!(a, Action::Close)),
            },
        ];
        for case in cases {
            let mut m = meeting();
            if case.offered_first {
                on_client_signal(Some(&mut m), &case.sender, offer());
            }
            let actions = on_client_signal(Some(&mut m), &case.sender, case.signal);
            assert_eq!(
                error_code(&actions),
                case.expect_error,
                "{}: {actions:?}",
                case.name
            );
            if let Some(check) = case.expect_first {
                assert!(
                    actions.first().is_some_and(check),
                    "{}: {actions:?}",
                    case.name
                );
            }
        }
    }

    #[test]
    fn the_offer_fingerprint_tells_a_new_connection_from_an_ice_restart() {
        let with = |fp: &str| format!("{SDP}a=fingerprint:sha-256 {fp}\r\n");
        assert_eq!(
            offer_fingerprint(&with("AB:CD")),
            Some("a=fingerprint:sha-256 AB:CD")
        );
        assert_ne!(
            offer_fingerprint(&with("AB:CD")),
            offer_fingerprint(&with("EF:01"))
        );
        assert_eq!(offer_fingerprint(SDP), None);
    }

    #[test]
    fn an_unknown_meeting_is_refused() {
        let actions = on_client_signal(None, &room("a"), offer());
        assert_eq!(error_code(&actions), Some(SignalError::UnknownMeeting));
    }

    #[test]
    fn a_first_offer_puts_the_room_on_screen_for_others() {
        let mut m = meeting();
        on_client_signal(Some(&mut m), &room("province"), offer());
        let actions = on_client_signal(Some(&mut m), &room("a"), offer());
        assert!(actions.contains(&Action::Reroute) && actions.contains(&Action::Roster));
        assert_eq!(m.slots_for("a"), vec![Some("province".into()), None]);
        assert_eq!(m.slots_for("province"), vec![Some("a".into()), None]);
    }

    #[test]
    fn leaving_twice_is_harmless() {
        let mut m = meeting();
        on_client_signal(Some(&mut m), &room("a"), offer());
        assert!(!on_client_signal(Some(&mut m), &room("a"), ClientSignal::Leave).is_empty());
        assert!(on_client_signal(Some(&mut m), &room("a"), ClientSignal::Leave).is_empty());
    }

    #[test]
    fn malformed_json_never_reaches_the_transformer() {
        for text in [
            r#"{"kind":"offer"}"#,
            r#"{"kind":"shout"}"#,
            r#"{"kind":"speaking","active":"yes"}"#,
            r#"{"kind":"candidate","candidate":{"candidate":1}}"#,
            r#"{"kind":"offer","sdp":"v=0","extra":1}"#,
            "not json",
        ] {
            assert!(
                serde_json::from_str::<ClientSignal>(text).is_err(),
                "{text}"
            );
        }
    }
}
