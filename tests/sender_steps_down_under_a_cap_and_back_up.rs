//! Adaptation: when the hub caps what a room may send (REMB, as an operator would for a
//! known weak link, and as the forwarder's test hook), the room steps its picture down a
//! layer or more; when the cap is lifted it steps back up, after its hysteresis hold.

mod common;
mod meeting_common;

use std::time::Duration;

use meeting_common::*;

const LAYER: &str = "phonghop_room_call_layer ";

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_capped_room_steps_down_and_recovers_when_the_cap_lifts() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let (p_cfg, p) = common::enrolled_room(&hub, "lao-cai", dir.path().join("p")).await;
    let (c_cfg, c) = common::enrolled_room(&hub, "lao-chai", dir.path().join("c")).await;
    let (mut p_room, _p_view) = start_call_room(p_cfg).await;
    let (mut c_room, c_view) = start_call_room(c_cfg).await;
    for room in [&mut p_room, &mut c_room] {
        common::wait_for(
            &mut room.status,
            "connected",
            Duration::from_secs(10),
            |s| s.connected(),
        )
        .await;
    }
    let meeting = start_meeting(&hub, &p, &[&c]).await;
    wait_frames(
        &c_view,
        0,
        30,
        Duration::from_secs(20),
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
        &c_view,
        0,
        320,
        Duration::from_secs(10),
        "the commune gets 180p",
    )
    .await;
    wait_frames(
        &c_view,
        0,
        20,
        Duration::from_secs(10),
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
        &c_view,
        0,
        640,
        Duration::from_secs(10),
        "the commune gets 360p again",
    )
    .await;

    p_room.stop().await;
    c_room.stop().await;
    hub.stop().await;
}
