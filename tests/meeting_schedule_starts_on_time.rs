//! A scheduled meeting starts at its time with nobody touching the hub: an invited room's
//! session is told its next meeting, then that it started, and is invited (a room joins by
//! itself on the invite); the meeting is then `held`. A chair request from a room that has
//! not joined is refused with a typed reason.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use phonghop::wire::{
    ChairRefusal, ChairRequest, ClientSignal, HubMessage, MeetingNotice, RoomMessage, ServerSignal,
};
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;
use crate::meeting_common;

/// Province time (UTC+7) with seconds, as staff may type it.

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_invited_room_is_told_then_invited_when_its_meeting_starts() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (config_p, p) = hub
        .enroll_room("lao-cai", "Tỉnh", dir.path().join("p"), PIN_HASH)
        .await
        .expect("enroll p");
    let (_, a) = hub
        .enroll_room("lao-chai", "Xã A", dir.path().join("a"), PIN_HASH)
        .await
        .expect("enroll a");
    let credential = crate::common::room_credential(&config_p);

    let now = phonghop::clock::now_ms();
    let id =
        meeting_common::schedule_meeting(&hub, now + 4_000, now + 3_600_000, &p, &[&p, &a]).await;

    let mut ws = crate::common::room_socket(&hub, &credential.credential).await;

    let mut told_next = false;
    let mut started = false;
    let mut invited = false;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    while !(told_next && started && invited) {
        let message = tokio::time::timeout_at(deadline, ws.next())
            .await
            .unwrap_or_else(|_| panic!("told {told_next}, started {started}, invited {invited}"))
            .expect("open")
            .expect("message");
        let Message::Text(text) = message else {
            continue;
        };
        match serde_json::from_str::<HubMessage>(&text).expect("a message this build reads") {
            HubMessage::Schedule(push) => {
                if let Some(next) = push.next {
                    assert_eq!(
                        (
                            next.meeting_id.as_str(),
                            next.title.as_str(),
                            next.host_name.as_str()
                        ),
                        (id.as_str(), "Giao ban", "Tỉnh")
                    );
                    assert!(!started, "told before the start");
                    told_next = true;
                }
            }
            HubMessage::MeetingNotice {
                meeting_id,
                notice: MeetingNotice::Started,
                ..
            } => {
                assert_eq!(meeting_id, id);
                // The start was given to the second: it is `now + 4 s` rounded down.
                let start_ms = (now + 4_000) / 1_000 * 1_000;
                assert!(phonghop::clock::now_ms() >= start_ms, "not before its time");
                started = true;
            }
            HubMessage::MeetingInvite {
                meeting_id, host, ..
            } => {
                assert_eq!(
                    (meeting_id.as_str(), host.as_str()),
                    (id.as_str(), p.as_str())
                );
                invited = true;
            }
            _ => {}
        }
    }
    let shown: Value = admin_client(&hub)
        .get(hub.url.join(&format!("api/v1/schedule/{id}")).expect("url"))
        .send()
        .await
        .expect("show")
        .json()
        .await
        .expect("json");
    assert_eq!(shown["status"], "held");

    // The room has not joined with media: the chair refuses its hand, saying why.
    let raise = RoomMessage::Signal {
        meeting_id: id.clone(),
        signal: ClientSignal::Chair(ChairRequest {
            v: phonghop::wire::CHAIR_VERSION,
            action: phonghop::meeting::floor::FloorAction::RaiseHand,
        }),
    };
    ws.send(Message::Text(
        serde_json::to_string(&raise).expect("json").into(),
    ))
    .await
    .expect("send");
    loop {
        let message = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("an answer")
            .expect("open")
            .expect("message");
        let Message::Text(text) = message else {
            continue;
        };
        if let Ok(HubMessage::Signal {
            signal: ServerSignal::ChairRefused(refused),
            ..
        }) = serde_json::from_str::<HubMessage>(&text)
        {
            assert_eq!(
                refused.reason,
                ChairRefusal::Chair(phonghop::meeting::floor::Refusal::NotPresent)
            );
            break;
        }
    }
    hub.stop().await;
}
