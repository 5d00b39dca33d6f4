//! A room's WebSocket accepts messages of the size real ones have (hello, status, chair,
//! signalling: tens of KiB at most) and closes on one of a megabyte, where the library's
//! default would have buffered up to 64 MiB per message.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;

use crate::common::*;
use phonghop::wire::RoomMessage;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_megabyte_message_closes_the_room_socket() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    let credential = crate::common::room_credential(&config);
    let mut ws = crate::common::room_socket(&hub, &credential.credential).await;
    // Well-formed signalling (for a meeting that is not running: the hub answers and
    // carries on) with an SDP of `bytes`.
    let offer = |bytes: usize| {
        let message = RoomMessage::Signal {
            meeting_id: "no-such-meeting".into(),
            signal: phonghop::wire::ClientSignal::Offer {
                sdp: "a".repeat(bytes),
            },
        };
        Message::Text(serde_json::to_string(&message).expect("json").into())
    };
    ws.send(offer(64 * 1024)).await.expect("64 KiB sent");
    let still_open = tokio::time::timeout(Duration::from_millis(500), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return false,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert!(
        still_open.is_err(),
        "a 64 KiB message is read and the socket stays open"
    );
    // One megabyte is not a room message: the hub closes the socket.
    let _ = ws.send(offer(1024 * 1024)).await;
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match ws.next().await {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => return true,
                Some(Ok(_)) => continue,
            }
        }
    })
    .await;
    assert_eq!(closed, Ok(true), "the hub closed the socket");
    hub.stop().await;
}
