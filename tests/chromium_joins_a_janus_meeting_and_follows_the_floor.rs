//! A browser participant in a Janus-backed meeting, from the same `/meet/<id>` link: Debian's
//! real Janus (started by the test with the project's configs), two rooms and Debian's
//! headless Chromium (fake camera and microphone). The page publishes its camera at Janus
//! (Janus itself lists it as a publisher) and answers the subscriber offer the hub passes
//! on from Janus on a receive-only connection of its own. Chromium decodes the host's
//! stamped picture, both rooms decode Chromium's picture, and giving the commune the floor
//! (a Janus `switch`) moves the commune's picture into Chromium's large slot.

use std::time::Duration;

use phonghop::hub::meetings::janus_room_id;
use phonghop::room::stamp_tag_for;

use crate::common::{Lazy, eventually, tempdir};
use crate::janus_common::janus_and_hub;
use crate::janus_meeting_carries_media::{janus_rooms, network_ip};
use crate::meet_watch_common::{WatchedBrowser, browser_slot, frames_decoded, tag};
use crate::meeting_common::{
    CallRoom, browser_link, chair, npm_dir, start_call_room, start_meeting,
};

/// The province's room and a commune's whose pictures carry different stamp tags (a tag is
/// 6 bits of the room's random id): communes are enrolled until one differs.
async fn two_rooms_told_apart(
    hub: &crate::common::TestHub,
    dir: &std::path::Path,
) -> Vec<CallRoom> {
    let mut rooms = janus_rooms(hub, dir, &["lao-cai"]).await;
    let host_tag = stamp_tag_for(&rooms[0].id);
    for unit in ["lao-chai", "sa-pa", "ban-ho", "bat-xat", "muong-hum"] {
        let (mut config, id) = crate::common::enrolled_room(hub, unit, dir.join(unit)).await;
        if stamp_tag_for(&id) == host_tag {
            continue;
        }
        config.media.ice_bind = network_ip();
        let (mut room, view) = start_call_room(config.clone()).await;
        crate::common::wait_for(
            &mut room.status,
            "connected",
            Duration::from_secs(10),
            |s| s.connected(),
        )
        .await;
        rooms.push(CallRoom {
            room,
            view,
            id,
            config,
        });
        return rooms;
    }
    panic!("five communes' stamp tags all equal the province's");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chromium_sees_the_host_is_seen_by_the_rooms_and_follows_the_floor_through_janus() {
    npm_dir();
    let dir = tempdir();
    let (janus, hub) = janus_and_hub(dir.path()).await;
    let rooms = two_rooms_told_apart(&hub, dir.path()).await;
    let [host, commune] = [&rooms[0], &rooms[1]];
    let (host_tag, commune_tag) = (stamp_tag_for(&host.id), stamp_tag_for(&commune.id));
    // The commune's microphone stays closed until it is given the floor, so it is never the
    // last speaker: before the floor, the browser's large picture is the host's.
    commune.view.set_microphone(false);
    let meeting = start_meeting(&hub, &host.id, &[&commune.id]).await;
    let link = browser_link(&hub, &meeting, "Chủ tịch (trình duyệt)").await;
    let mut browser = WatchedBrowser::start(&link, 150, &[]);

    // Chromium decodes the host's picture, received on the connection Janus's subscriber
    // offered (the publishing one only sends).
    let line = browser
        .wait_until(
            "Chromium shows the host's picture in its large slot",
            Duration::from_secs(60),
            |l| tag(l, 0) == Some(host_tag) && frames_decoded(l, 0) >= 30,
        )
        .await;
    assert_eq!(
        line["stats"]["receivingConnectionState"], "connected",
        "{line}"
    );
    eprintln!(
        "Chromium decodes the host through Janus after {} ms",
        line["t"]
    );

    // Janus itself has the browser as a publisher, and each room decodes its picture.
    let room = janus_room_id(&meeting);
    eventually(
        "the browser publishing at Janus",
        Duration::from_secs(20),
        async || {
            let data = janus
                .videoroom(serde_json::json!({ "request": "listparticipants", "room": room }))
                .await;
            data["participants"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|p| {
                    p["publisher"] == true
                        && p["display"].as_str().is_some_and(|d| d.starts_with("web-"))
                })
        },
    )
    .await;
    for r in &rooms {
        let slot = browser_slot(&r.view, "each room given the browser in a slot").await;
        let tile = r.view.tile(slot).expect("slot").clone();
        let from = tile.frames_published();
        let took = eventually(
            Lazy(|| {
                format!(
                    "a room decodes 30 of Chromium's frames through Janus (only {} came); Chromium: {}",
                    tile.frames_published() - from,
                    browser.latest().map(|l| l["stats"].clone()).unwrap_or_default()
                )
            }),
            Duration::from_secs(40),
            async || tile.frames_published() >= from + 30,
        )
        .await;
        eprintln!("room {} decoded 30 of Chromium's frames in {took:?}", r.id);
    }

    // The floor to the commune: a Janus `switch`, so Chromium's large picture becomes the
    // commune's and the host moves to the other slot, on the same connection.
    let before = browser.latest().expect("a line");
    let started = std::time::Instant::now();
    let answer = chair(
        &hub,
        &meeting,
        serde_json::json!({"action": "give_floor", "room": commune.id}),
    )
    .await;
    assert_eq!(answer["floor"], commune.id.as_str(), "{answer}");
    let decoded_before = frames_decoded(&before, 0);
    let line = browser
        .wait_until(
            "Chromium's large picture switches to the commune given the floor",
            Duration::from_secs(20),
            |l| {
                tag(l, 0) == Some(commune_tag)
                    && tag(l, 1) == Some(host_tag)
                    && frames_decoded(l, 0) >= decoded_before + 30
            },
        )
        .await;
    eprintln!(
        "floor to the commune: shown in Chromium after {:?} ({} frames in slot 0)",
        started.elapsed(),
        frames_decoded(&line, 0)
    );
    assert_eq!(
        line["state"]["slots"][0]["participant_id"],
        commune.id.as_str(),
        "the page's own slot label follows the floor too: {line}"
    );

    eprintln!(
        "Chromium at the end: {}",
        browser.latest().expect("a line")["stats"]
    );
    browser.finish().await;
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
