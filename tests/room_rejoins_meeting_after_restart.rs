//! A room killed and restarted (power cut, crash) joins the running meeting again by
//! itself: the hub invites it on reconnect, replaces its dead media session, and both
//! sides decode each other's pictures again.

use crate::common;
use crate::meeting_common;

use std::time::Duration;

use meeting_common::*;
use phonghop::room::stamp_tag_for;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_restarted_room_receives_and_sends_media_again() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let (province, commune) = province_and_commune(&hub, dir.path()).await;
    let (p, c) = (province.id.clone(), commune.id.clone());
    let p_view = &province.view;
    let (c_room, c_view, c_cfg) = (commune.room, commune.view, commune.config);
    start_meeting(&hub, &p, &[&c]).await;
    wait_for_tag(
        p_view,
        0,
        stamp_tag_for(&c),
        Duration::from_secs(20),
        "province sees the commune",
    )
    .await;
    wait_frames(
        &c_view,
        0,
        30,
        Duration::from_secs(60),
        "commune sees the province",
    )
    .await;

    // Kill the commune: no goodbye, no leave message; its sockets just vanish.
    c_room.kill().await;
    drop(c_view);
    // Nothing of it lives on: no link of the killed room reconnects to the hub (a ghost link
    // would take the restarted room's hub session from it again and again).
    let metrics = hub.url.join("metrics").expect("url");
    let rooms_connected = async || {
        common::get_text(metrics.clone())
            .await
            .lines()
            .find_map(|l| l.strip_prefix("phonghop_hub_rooms_connected "))
            .map(|v| v.trim().to_owned())
    };
    common::eventually(
        "the hub to see only the province connected after the commune was killed",
        Duration::from_secs(20),
        async || rooms_connected().await.as_deref() == Some("1"),
    )
    .await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    assert_eq!(
        rooms_connected().await.as_deref(),
        Some("1"),
        "a link of the killed commune came back"
    );
    let frozen = p_view.tile(0).expect("slot").frames_published();

    // The same box starts again with the same data directory and credential.
    let (mut c_room, c_view) = start_call_room(c_cfg).await;
    common::wait_for(
        &mut c_room.status,
        "reconnected",
        Duration::from_secs(15),
        |s| s.connected(),
    )
    .await;
    let took = wait_frames(
        &c_view,
        0,
        30,
        Duration::from_secs(60),
        "the restarted commune sees the province",
    )
    .await;
    eprintln!("the restarted commune decodes 30 frames {took:?} after reconnecting");
    let tile = p_view.tile(0).expect("slot").clone();
    crate::common::eventually(
        "the province to get the restarted commune back",
        Duration::from_secs(20),
        async || tile.frames_published() >= frozen + 30,
    )
    .await;
    wait_for_tag(
        p_view,
        0,
        stamp_tag_for(&c),
        Duration::from_secs(5),
        "the province sees the commune again",
    )
    .await;

    province.room.stop().await;
    c_room.stop().await;
    hub.stop().await;
}
