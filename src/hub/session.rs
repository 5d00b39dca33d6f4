//! What the hub answers to each message a room sends: a pure transformer, tested without
//! sockets.

use crate::store::RoomRecord;
use crate::wire::{ErrorCode, HubMessage, PROTOCOL_VERSION, RoomMessage};

/// What to do after one incoming message.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Step {
    pub send: Vec<HubMessage>,
    /// The room said hello: from now on it gets presence updates.
    pub welcomed: bool,
    /// End the session after sending.
    pub close: bool,
    /// Media signalling to hand to the meeting (meeting id, message).
    pub signals: Vec<(String, crate::wire::ClientSignal)>,
    /// The room reported its health: to keep for the staff's rooms page.
    pub status: Option<crate::wire::RoomStatusReport>,
    /// Staff at the room's kiosk asked to join a meeting now or leave it.
    pub staff_calls: Vec<crate::wire::StaffCallRequest>,
}

/// Handles one text frame from an authenticated room.
pub fn on_text(room: &RoomRecord, text: &str) -> Step {
    match serde_json::from_str::<RoomMessage>(text) {
        Ok(RoomMessage::Hello { protocol, .. }) if protocol == PROTOCOL_VERSION => Step {
            send: vec![HubMessage::Welcome {
                protocol: PROTOCOL_VERSION,
                room_id: room.id.clone(),
                unit_id: room.unit_id.clone(),
                room_name: room.name.clone(),
                room_status: Some(crate::wire::ROOM_STATUS_VERSION),
                staff_call: Some(crate::wire::CHAIR_VERSION),
                voice_resume: Some(crate::wire::VOICE_RESUME_VERSION),
            }],
            welcomed: true,
            ..Step::default()
        },
        Ok(RoomMessage::Signal { meeting_id, signal }) => Step {
            signals: vec![(meeting_id, signal)],
            ..Step::default()
        },
        Ok(RoomMessage::StaffCall(request)) => Step {
            staff_calls: vec![request],
            ..Step::default()
        },
        Ok(RoomMessage::Status { status }) => Step {
            status: Some(status),
            ..Step::default()
        },
        Ok(RoomMessage::Hello { protocol, .. }) => refuse(
            ErrorCode::UnsupportedProtocol,
            format!(
                "this hub speaks protocol {PROTOCOL_VERSION}, the room {protocol}; update the older of the two"
            ),
        ),
        Err(e) => refuse(ErrorCode::Malformed, format!("cannot read message: {e}")),
    }
}

fn refuse(code: ErrorCode, message: String) -> Step {
    Step {
        send: vec![HubMessage::Error { code, message }],
        close: true,
        ..Step::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room() -> RoomRecord {
        RoomRecord {
            id: "r1".into(),
            unit_id: "lao-chai".into(),
            name: "Lao Chải".into(),
            created_at_ms: 0,
            revoked_at_ms: None,
            ticket_prefix: None,
        }
    }

    #[test]
    fn each_kind_of_message_gets_its_answer() {
        /// What the room is sent first: a welcome, or an error and the session closes.
        enum Expect {
            Welcome,
            Refused(ErrorCode),
        }
        let cases = [
            (
                r#"{"type":"hello","protocol":1,"software_version":"0.1.0"}"#,
                Expect::Welcome,
            ),
            (
                r#"{"type":"hello","protocol":99,"software_version":"9"}"#,
                Expect::Refused(ErrorCode::UnsupportedProtocol),
            ),
            ("not json", Expect::Refused(ErrorCode::Malformed)),
            (
                r#"{"type":"take_over_the_hub"}"#,
                Expect::Refused(ErrorCode::Malformed),
            ),
            (
                r#"{"type":"hello","protocol":"1"}"#,
                Expect::Refused(ErrorCode::Malformed),
            ),
        ];
        for (input, expect) in cases {
            let step = on_text(&room(), input);
            let first = &step.send[0];
            match expect {
                Expect::Welcome => {
                    assert!(step.welcomed && !step.close, "{input}");
                    assert!(
                        matches!(first, HubMessage::Welcome { room_id, .. } if room_id == "r1"),
                        "{input}: {:?}",
                        step.send
                    );
                }
                Expect::Refused(expected) => {
                    assert!(!step.welcomed && step.close, "{input}");
                    assert!(
                        matches!(first, HubMessage::Error { code, .. } if *code == expected),
                        "{input}: {:?}",
                        step.send
                    );
                }
            }
        }
    }

    #[test]
    fn the_welcome_says_status_is_read_and_a_status_is_kept_without_an_answer() {
        let step = on_text(
            &room(),
            r#"{"type":"hello","protocol":1,"software_version":"0.1.0"}"#,
        );
        assert!(matches!(
            step.send[0],
            HubMessage::Welcome {
                room_status: Some(crate::wire::ROOM_STATUS_VERSION),
                ..
            }
        ));
        let step = on_text(
            &room(),
            r#"{"type":"status","status":{"status_version":1,"software_version":"0.1.0",
                "outbox_backlog":2,"video_source":{"kind":"test","name":"test"},
                "audio_source":{"kind":"unknown","name":"auto"},"sent_at_ms":5}}"#,
        );
        assert!(step.send.is_empty() && !step.close, "{step:?}");
        assert_eq!(step.status.map(|s| s.outbox_backlog), Some(2));
    }
}
