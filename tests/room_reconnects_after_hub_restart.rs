//! A room whose hub goes away (restart, power cut at the province) keeps retrying with
//! backoff and is connected again by itself once the hub is back; and a hub that restarts
//! shows the room's presence again.

use crate::common;

use std::time::Duration;

use common::*;
use phonghop::room::HubLink;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_room_reconnects_by_itself_after_the_hub_restarts() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let port = hub.url.port().expect("port");
    let (config, room_id) = enrolled_room(&hub, "ban-ho", dir.path().join("room")).await;
    let mut room = start_room(config).await;
    wait_for(
        &mut room.status,
        "first connection",
        Duration::from_secs(15),
        |s| s.connected(),
    )
    .await;

    hub.stop().await;
    let status = wait_for(
        &mut room.status,
        "the room to notice",
        Duration::from_secs(10),
        |s| matches!(s.link, HubLink::Retrying { .. }),
    )
    .await;
    assert!(
        status.presence.is_empty(),
        "no stale presence shown while away"
    );
    // Stay down long enough for several failed attempts.
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(!room.status.borrow().connected());

    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("same port");
    let hub = start_hub_on(listener, hub_config(&dir.path().join("hub"))).await;
    wait_for(
        &mut room.status,
        "reconnection",
        Duration::from_secs(20),
        |s| {
            s.connected()
                && s.presence
                    .iter()
                    .any(|p| p.room_id == room_id && p.connected)
        },
    )
    .await;

    let health = get_json(room.health_url.join("healthz").expect("url")).await;
    assert_eq!(health["hub"]["state"], "connected");
    let metrics = get_text(room.health_url.join("metrics").expect("url")).await;
    assert!(
        metrics.contains("phonghop_room_hub_connects_total 2"),
        "{metrics}"
    );
    assert!(
        metrics.contains("phonghop_room_hub_connected 1"),
        "{metrics}"
    );
    room.stop().await;
    hub.stop().await;
}
