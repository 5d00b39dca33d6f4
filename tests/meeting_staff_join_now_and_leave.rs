//! With a real hub, rooms and media: staff at a commune's kiosk take it into a meeting 10
//! minutes before its start ("join now": it waits in it alone, present in the roster), take
//! it out ("leave": the hub does not pull it back, not even when the box restarts and
//! reconnects), then join it again and it is present once more. A room the meeting does not
//! invite is refused with a typed reason; cancelling the meeting ends it for the early room.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use phonghop::room::call_view::{CallPhase, CallRequest, CallView};
use phonghop::wire::{
    CHAIR_VERSION, HubMessage, JoinRefusal, RoomMessage, StaffCallAction, StaffCallRequest,
};
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

use crate::common;
use crate::meeting_common::*;

fn local_with_seconds(ms: i64) -> String {
    jiff::tz::Offset::constant(7)
        .to_datetime(jiff::Timestamp::from_millisecond(ms).expect("time"))
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Whether the hub's chair lists `room` as present in `meeting`.
async fn present_at_hub(
    client: &reqwest::Client,
    hub: &common::TestHub,
    meeting: &str,
    room: &str,
) -> bool {
    let Ok(response) = client
        .get(
            hub.url
                .join(&format!("api/v1/meetings/{meeting}"))
                .expect("url"),
        )
        .send()
        .await
    else {
        return false;
    };
    let view: Value = response.json().await.unwrap_or_default();
    view["chair"]["seats"]
        .as_array()
        .into_iter()
        .flatten()
        .any(|s| s["room_id"] == room && s["present"] == true)
}

async fn told_next(view: &CallView, meeting: &str) {
    common::eventually(
        "the room to be told its next meeting",
        Duration::from_secs(20),
        async || {
            view.snapshot()
                .next_meeting
                .is_some_and(|m| m.meeting_id == meeting)
        },
    )
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn staff_take_a_room_in_early_out_for_good_and_in_again() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let (province, commune) = province_and_commune(&hub, dir.path()).await;
    let (p, c) = (province.id.clone(), commune.id.clone());
    let (x_config, _x) = common::enrolled_room(&hub, "sa-pa", dir.path().join("sa-pa")).await;
    let client = common::admin_client(&hub);
    let start_ms = phonghop::clock::now_ms() + 10 * 60_000;
    let made: Value = client
        .post(hub.url.join("api/v1/schedule").expect("url"))
        .json(
            &json!({"title": "Giao ban", "start": local_with_seconds(start_ms),
            "end": local_with_seconds(start_ms + 3_600_000), "host": p, "rooms": [p, c]}),
        )
        .send()
        .await
        .expect("schedule")
        .json()
        .await
        .expect("json");
    let id = made["id"].as_str().expect("id").to_owned();
    told_next(&commune.view, &id).await;

    // Join now, ten minutes early: the commune waits in the meeting alone.
    commune.view.request(CallRequest::Join);
    wait_phase(&commune.view, CallPhase::Live, Duration::from_secs(20)).await;
    common::eventually(
        "the commune present at the hub",
        Duration::from_secs(20),
        async || present_at_hub(&client, &hub, &id, &c).await,
    )
    .await;
    common::eventually(
        "the commune's own roster to show it",
        Duration::from_secs(20),
        async || {
            commune
                .view
                .snapshot()
                .roster
                .is_some_and(|r| r.seats.iter().any(|s| s.room_id == c && s.present))
        },
    )
    .await;
    assert_eq!(
        province.view.snapshot().phase,
        CallPhase::Idle,
        "nobody else is pulled in before the start"
    );

    // Leave: out, and the hub does not invite it back, not even to a restarted box.
    commune.view.request(CallRequest::Leave);
    wait_phase(&commune.view, CallPhase::Idle, Duration::from_secs(10)).await;
    common::eventually(
        "the commune absent at the hub",
        Duration::from_secs(20),
        async || !present_at_hub(&client, &hub, &id, &c).await,
    )
    .await;
    commune.room.stop().await;
    let (mut again, view) = common::start_call_room(commune.config.clone()).await;
    common::wait_for(
        &mut again.status,
        "connected",
        Duration::from_secs(10),
        |s| s.connected(),
    )
    .await;
    told_next(&view, &id).await;
    tokio::time::sleep(Duration::from_secs(4)).await;
    assert_eq!(
        view.snapshot().phase,
        CallPhase::Idle,
        "pulled back in: {:?}",
        view.snapshot()
    );
    assert!(!present_at_hub(&client, &hub, &id, &c).await);

    // Join now again: present in the roster.
    view.request(CallRequest::Join);
    wait_phase(&view, CallPhase::Live, Duration::from_secs(20)).await;
    common::eventually(
        "the commune present again",
        Duration::from_secs(20),
        async || {
            present_at_hub(&client, &hub, &id, &c).await
                && view
                    .snapshot()
                    .roster
                    .is_some_and(|r| r.seats.iter().any(|s| s.room_id == c && s.present))
        },
    )
    .await;

    // A room the meeting does not invite is refused, with the reason its kiosk shows.
    let credential =
        phonghop::room::credential::load(&phonghop::datadir::DataDir::new(&x_config.data_dir))
            .expect("read credential")
            .expect("enrolled");
    let mut ws_url = hub.url.join("api/v1/ws").expect("url");
    ws_url.set_scheme("ws").expect("ws");
    let mut request = ws_url.as_str().into_client_request().expect("request");
    request.headers_mut().insert(
        "authorization",
        format!("Bearer {}", credential.credential)
            .parse()
            .expect("header"),
    );
    let (mut ws, _) = tokio_tungstenite::connect_async(request)
        .await
        .expect("connect");
    for message in [
        RoomMessage::Hello {
            protocol: phonghop::wire::PROTOCOL_VERSION,
            software_version: "test".into(),
        },
        RoomMessage::StaffCall(StaffCallRequest {
            v: CHAIR_VERSION,
            meeting_id: id.clone(),
            action: StaffCallAction::JoinNow,
        }),
    ] {
        let text = serde_json::to_string(&message).expect("json");
        ws.send(Message::Text(text.into())).await.expect("send");
    }
    let refused = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let Some(Ok(Message::Text(text))) = ws.next().await else {
                panic!("the session ended before an answer");
            };
            match serde_json::from_str::<HubMessage>(&text).expect("readable") {
                HubMessage::StaffCallRefused(refused) => return refused,
                HubMessage::MeetingInvite { .. } => panic!("a room not invited was invited"),
                _ => {}
            }
        }
    })
    .await
    .expect("an answer to join now");
    assert_eq!(refused.reason, JoinRefusal::NotInvited);
    assert_eq!(refused.meeting_id, id);

    // Staff cancel the meeting the commune waits in early: it ends for the commune too.
    let cancelled = client
        .delete(hub.url.join(&format!("api/v1/schedule/{id}")).expect("url"))
        .send()
        .await
        .expect("cancel");
    assert!(
        cancelled.status().is_success(),
        "{:?}",
        cancelled.text().await
    );
    wait_phase(&view, CallPhase::Idle, Duration::from_secs(10)).await;

    province.room.stop().await;
    again.stop().await;
    hub.stop().await;
}
