//! With `[media] engine = "janus"` the meeting's media goes through Debian's real Janus
//! (started by the test with the project's configs): each room publishes its camera and
//! microphone in the meeting's VideoRoom and receives the others through a Janus
//! subscriber. Each room decodes the other's stamped pictures, Janus itself lists both
//! rooms as publishers, and the staff API says Janus forwards the media.

use std::time::Duration;

use phonghop::hub::meetings::janus_room_id;
use phonghop::room::stamp_tag_for;

use crate::common::{self, eventually, tempdir};
use crate::janus_common::{TestJanus, janus_and_hub};
use crate::meeting_common::{CallRoom, meeting_view, start_call_room, start_meeting, wait_for_tag};

/// This machine's address on its network: Janus gathers no loopback candidates, so the
/// rooms gather theirs where Janus does, as boxes on the province's network would.
pub fn network_ip() -> std::net::IpAddr {
    phonghop::janus::local::network_ip().expect("this machine's network address")
}

/// Rooms like `meeting_common::connected_rooms`, gathering ICE on the network address.
pub async fn janus_rooms(
    hub: &common::TestHub,
    dir: &std::path::Path,
    units: &[&str],
) -> Vec<CallRoom> {
    let mut rooms = Vec::new();
    for unit in units {
        let (mut config, id) = common::enrolled_room(hub, unit, dir.join(unit)).await;
        config.media.ice_bind = network_ip();
        let (room, view) = start_call_room(config.clone()).await;
        rooms.push(CallRoom {
            room,
            view,
            id,
            config,
        });
    }
    for r in &mut rooms {
        common::wait_for(
            &mut r.room.status,
            "connected",
            Duration::from_secs(10),
            |s| s.connected(),
        )
        .await;
    }
    rooms
}

/// The ids Janus lists as publishers in `room`, asked of Janus directly (HTTP transport).
pub async fn janus_publishers(janus: &TestJanus, room: u64) -> Vec<serde_json::Value> {
    let data = janus
        .videoroom(serde_json::json!({ "request": "listparticipants", "room": room }))
        .await;
    data["participants"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p["publisher"] == true)
        .collect()
}

/// The display names (room ids) of the publishers Janus lists in `room`, sorted.
pub async fn publisher_names(janus: &TestJanus, room: u64) -> Vec<String> {
    let mut names: Vec<String> = janus_publishers(janus, room)
        .await
        .iter()
        .filter_map(|p| p["display"].as_str().map(str::to_owned))
        .collect();
    names.sort();
    names
}

/// Each room's large picture is the other's camera (its stamp carries the sender's tag),
/// decoded from what Janus forwards.
pub async fn see_each_other_through_janus(p: &CallRoom, c: &CallRoom) {
    tokio::join!(
        wait_for_tag(
            &p.view,
            0,
            stamp_tag_for(&c.id),
            Duration::from_secs(30),
            "the province sees the commune through Janus"
        ),
        wait_for_tag(
            &c.view,
            0,
            stamp_tag_for(&p.id),
            Duration::from_secs(30),
            "the commune sees the province through Janus"
        ),
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_rooms_see_each_other_through_janus() {
    let dir = tempdir();
    let (janus, hub) = janus_and_hub(dir.path()).await;
    let rooms = janus_rooms(&hub, dir.path(), &["lao-cai", "lao-chai"]).await;
    let [p, c] = &rooms[..] else { unreachable!() };
    let meeting = start_meeting(&hub, &p.id, &[&c.id]).await;
    let room = janus_room_id(&meeting);

    see_each_other_through_janus(p, c).await;
    for r in &rooms {
        crate::meeting_common::wait_frames(
            &r.view,
            0,
            50,
            Duration::from_secs(60),
            "pictures keep coming through Janus",
        )
        .await;
    }

    // Janus itself has both rooms as publishers in the meeting's VideoRoom.
    eventually(
        "both rooms publishing at Janus",
        Duration::from_secs(20),
        async || janus_publishers(&janus, room).await.len() == 2,
    )
    .await;
    let mut expected = vec![p.id.clone(), c.id.clone()];
    expected.sort();
    assert_eq!(publisher_names(&janus, room).await, expected);

    let admin = common::admin_client(&hub);
    let view = meeting_view(&admin, &hub, &meeting).await;
    assert_eq!(view["media"]["engine"], "janus", "{view}");
    assert_eq!(view["media"]["forwarded_by"], "janus", "{view}");
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}

/// Three rooms on Janus: giving the floor moves the floor holder into every other room's
/// large picture (a `switch` or a new subscription at Janus), and the meeting's end
/// destroys the VideoRoom with its publishers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_floor_moves_the_picture_and_the_end_destroys_the_janus_room() {
    let dir = tempdir();
    let (janus, hub) = janus_and_hub(dir.path()).await;
    let rooms = janus_rooms(&hub, dir.path(), &["lao-cai", "lao-chai", "sa-pa"]).await;
    let [host, b, c] = [0, 1, 2].map(|i| rooms[i].id.clone());
    let meeting = start_meeting(&hub, &host, &[&b, &c]).await;
    let room = janus_room_id(&meeting);
    for r in &rooms {
        crate::meeting_common::wait_frames(
            &r.view,
            0,
            20,
            Duration::from_secs(60),
            "every room sees someone through Janus",
        )
        .await;
    }
    for (target, watcher, name) in [(&b, 2usize, "B"), (&c, 1usize, "C")] {
        let started = std::time::Instant::now();
        crate::meeting_common::chair(
            &hub,
            &meeting,
            serde_json::json!({"action": "give_floor", "room": target}),
        )
        .await;
        for watching in [watcher, 0] {
            wait_for_tag(
                &rooms[watching].view,
                0,
                stamp_tag_for(target),
                Duration::from_secs(10),
                name,
            )
            .await;
        }
        eprintln!(
            "floor to {name}: shown to the others through Janus after {:?}",
            started.elapsed()
        );
    }
    assert_eq!(janus_publishers(&janus, room).await.len(), 3);

    let ended = common::admin_client(&hub)
        .delete(
            hub.url
                .join(&format!("api/v1/meetings/{meeting}"))
                .expect("url"),
        )
        .send()
        .await
        .expect("end");
    assert!(ended.status().is_success(), "{}", ended.status());
    eventually(
        "the VideoRoom destroyed at the meeting's end",
        Duration::from_secs(20),
        async || !janus.room_exists(room).await,
    )
    .await;
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}

/// A room that leaves (killed: no goodbye) and comes back joins the Janus meeting again by
/// itself: its new connection replaces its old feed, and both rooms see each other again.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_room_that_leaves_and_comes_back_is_seen_again_through_janus() {
    a_room_leaves_and_comes_back(false).await;
}

/// The same with simulcast (`janus_simulcast = true`): every room publishes its layers.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_room_that_leaves_and_comes_back_is_seen_again_through_janus_with_simulcast() {
    a_room_leaves_and_comes_back(true).await;
}

/// How long each step of a room's return may take: Janus ICE, DTLS and (with simulcast) three
/// layers' first keyframes, while `make test` runs every other behaviour on the same two
/// cores, once took longer than 30 s.
const RECONNECT_WAIT_SECS: u64 = 60;

async fn a_room_leaves_and_comes_back(simulcast: bool) {
    let dir = tempdir();
    let (janus, hub) = crate::janus_common::janus_and_hub_with(dir.path(), |config| {
        if let phonghop::config::MediaEngineConfig::Janus(j) = &mut config.media.engine {
            j.simulcast = simulcast;
        }
    })
    .await;
    let mut rooms = janus_rooms(&hub, dir.path(), &["lao-cai", "lao-chai"]).await;
    let commune = rooms.pop().expect("commune");
    let province = rooms.pop().expect("province");
    let meeting = start_meeting(&hub, &province.id, &[&commune.id]).await;
    wait_for_tag(
        &province.view,
        0,
        stamp_tag_for(&commune.id),
        Duration::from_secs(RECONNECT_WAIT_SECS),
        "the province sees the commune",
    )
    .await;

    commune.room.kill().await;
    drop(commune.view);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (mut c_room, c_view) = start_call_room(commune.config).await;
    common::wait_for(
        &mut c_room.status,
        "reconnected",
        Duration::from_secs(15),
        |s| s.connected(),
    )
    .await;
    let frozen = province.view.tile(0).expect("slot").frames_published();
    wait_for_tag(
        &c_view,
        0,
        stamp_tag_for(&province.id),
        Duration::from_secs(RECONNECT_WAIT_SECS),
        "the returned commune sees the province through Janus",
    )
    .await;
    eventually(
        "the province sees the returned commune again",
        Duration::from_secs(RECONNECT_WAIT_SECS),
        async || province.view.tile(0).expect("slot").frames_published() > frozen + 20,
    )
    .await;
    // One feed per room: the killed room's old feed is gone (detached when the room came
    // back, or dropped by Janus when its connection's consent ran out).
    eventually(
        "one feed per room, the old one gone",
        Duration::from_secs(RECONNECT_WAIT_SECS),
        async || {
            janus_publishers(&janus, janus_room_id(&meeting))
                .await
                .len()
                == 2
        },
    )
    .await;
    c_room.stop().await;
    province.room.stop().await;
    hub.stop().await;
}

/// The chair's voice rule holds on Janus: a commune enters muted, so the host hears nothing
/// from it (its audio is muted at Janus with `moderate`) until the host unmutes it.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_muted_room_is_not_heard_through_janus_until_unmuted() {
    let dir = tempdir();
    let (_janus, hub) = janus_and_hub(dir.path()).await;
    let rooms = janus_rooms(&hub, dir.path(), &["lao-cai", "lao-chai"]).await;
    let [p, c] = &rooms[..] else { unreachable!() };
    let meeting = start_meeting(&hub, &p.id, &[&c.id]).await;
    wait_for_tag(
        &p.view,
        0,
        stamp_tag_for(&c.id),
        Duration::from_secs(30),
        "the province sees the commune",
    )
    .await;
    let heard = async || {
        crate::meeting_common::metric_total(
            &p.room.health_url,
            "phonghop_room_call_audio_frames_decoded",
        )
        .await
        .unwrap_or(0.0)
    };
    tokio::time::sleep(Duration::from_secs(2)).await;
    let muted = heard().await;
    assert!(muted < 10.0, "the muted commune was heard: {muted} frames");
    crate::meeting_common::chair(
        &hub,
        &meeting,
        serde_json::json!({ "action": "unmute_room", "room": c.id }),
    )
    .await;
    eventually(
        "the unmuted commune heard through Janus",
        Duration::from_secs(20),
        async || heard().await >= muted + 50.0,
    )
    .await;
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
