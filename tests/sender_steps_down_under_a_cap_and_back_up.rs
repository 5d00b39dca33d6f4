//! Adaptation: when the hub caps what a room may send (REMB, as an operator would for a
//! known weak link, and as the forwarder's test hook), the room steps its picture down a
//! layer or more; when the cap is lifted it steps back up, after its hysteresis hold.

use crate::common;
use crate::meeting_common;

use std::time::Duration;

use meeting_common::*;

const LAYER: &str = "phonghop_room_call_layer ";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_capped_room_steps_down_and_recovers_when_the_cap_lifts() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let rooms = connected_rooms(&hub, dir.path(), &["lao-cai", "lao-chai"]).await;
    let (p, c) = (rooms[0].id.clone(), rooms[1].id.clone());
    let (p_room, c_view) = (&rooms[0].room, &rooms[1].view);
    let meeting = start_meeting(&hub, &p, &[&c]).await;
    wait_frames(
        c_view,
        0,
        30,
        Duration::from_secs(60),
        "the commune sees the province",
    )
    .await;
    let before = wait_metric(
        &p_room.health_url,
        LAYER,
        Duration::from_secs(10),
        "layer reported",
        |l| l >= 360.0,
    )
    .await;
    eprintln!("province sends {before}p before the cap");

    cap_bitrate(&hub, &meeting, &p, Some(150_000)).await;
    let capped = wait_metric(
        &p_room.health_url,
        LAYER,
        Duration::from_secs(15),
        "steps down under a 150 kb/s cap",
        |l| l <= 180.0,
    )
    .await;
    let target = metric(&p_room.health_url, "phonghop_room_call_encoder_target_bps ")
        .await
        .unwrap_or(f64::MAX);
    eprintln!("capped: layer {capped}, encoder target {target} b/s");
    assert!(target <= 150_000.0, "the encoder obeys the cap: {target}");
    // The picture keeps coming, at the lower layer (180p is 320 wide).
    wait_width(
        c_view,
        0,
        320,
        Duration::from_secs(10),
        "the commune gets 180p",
    )
    .await;
    wait_frames(
        c_view,
        0,
        20,
        Duration::from_secs(60),
        "frames still arrive under the cap",
    )
    .await;

    cap_bitrate(&hub, &meeting, &p, None).await;
    let after = wait_metric(
        &p_room.health_url,
        LAYER,
        Duration::from_secs(30),
        "steps back up when the cap lifts",
        |l| l >= 360.0,
    )
    .await;
    eprintln!("after the cap lifted: {after}p");
    wait_width(
        c_view,
        0,
        640,
        Duration::from_secs(10),
        "the commune gets 360p again",
    )
    .await;

    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
