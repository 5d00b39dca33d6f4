//! Janus restarted in the middle of a meeting (killed, as a crash looks to the hub, and
//! started again on the same ports): Janus keeps the VideoRooms made through its API in
//! memory only, so the new Janus has none. The hub notices the meeting's room is gone and
//! creates it again, the rooms' media to the old Janus fails, they restart ICE through the
//! hub, are told the engine lost their session, join again on new connections and get new
//! subscribers: pictures flow both ways again with nobody touching anything, and the new
//! Janus lists both rooms as publishers. A browser in the same meeting (headless Chromium by
//! the meeting's link) is told the same and shows the host's picture again on a new
//! connection.

use std::time::{Duration, Instant};

use phonghop::hub::meetings::janus_room_id;

use crate::common::{self, eventually, tempdir};
use crate::janus_common::{TestJanus, janus_and_hub};
use crate::janus_meeting_carries_media::{
    janus_rooms, publisher_names, see_each_other_through_janus,
};
use crate::meet_watch_common::{WatchedBrowser, connections, frames_decoded, tag};
use crate::meeting_common::{browser_link, npm_dir, start_meeting, wait_frames};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn rooms_rejoin_by_themselves_after_janus_restarts() {
    npm_dir();
    let dir = tempdir();
    let (mut janus, hub) = janus_and_hub(dir.path()).await;
    let rooms = janus_rooms(&hub, dir.path(), &["lao-cai", "lao-chai"]).await;
    let [p, c] = &rooms[..] else { unreachable!() };
    let meeting = start_meeting(&hub, &p.id, &[&c.id]).await;
    let room = janus_room_id(&meeting);
    see_each_other_through_janus(p, c).await;
    let link = browser_link(&hub, &meeting, "Trình duyệt").await;
    let mut browser = WatchedBrowser::start(&link, 170, &[]);
    let before = browser
        .wait_until(
            "Chromium shows a room's picture through Janus",
            Duration::from_secs(60),
            |l| tag(l, 0).is_some() && frames_decoded(l, 0) >= 30,
        )
        .await;
    let connections_before = connections(&before);

    // Janus crashes and comes back on the same ports with no rooms at all.
    let ports = janus.ports;
    janus.stop();
    let restarted_at = Instant::now();
    let janus = TestJanus::start(&dir.path().join("janus-again"), ports).await;
    assert!(
        !janus.room_exists(room).await,
        "a fresh Janus has no rooms yet"
    );

    eventually(
        common::Lazy(|| format!("the meeting's room made again; Janus log:\n{}", janus.log())),
        Duration::from_secs(20),
        async || janus.room_exists(room).await,
    )
    .await;
    let (a, b) = tokio::join!(
        wait_frames(
            &p.view,
            0,
            50,
            Duration::from_secs(60),
            "the province sees the commune again after Janus restarted"
        ),
        wait_frames(
            &c.view,
            0,
            50,
            Duration::from_secs(60),
            "the commune sees the province again after Janus restarted"
        ),
    );
    eprintln!(
        "pictures both ways again {:.1} s after Janus restarted ({:?} / {:?} waiting)",
        restarted_at.elapsed().as_secs_f64(),
        a,
        b
    );
    // The pictures come through the new Janus: both rooms publish in its room. The
    // browser publishes too once it has rejoined, which may already be the case here.
    let mut expected = vec![p.id.clone(), c.id.clone()];
    expected.sort();
    let rooms_publishing: Vec<String> = publisher_names(&janus, room)
        .await
        .into_iter()
        .filter(|name| !name.starts_with("web-"))
        .collect();
    assert_eq!(rooms_publishing, expected);
    // The browser's old connection is replaced (the page opens a new session) and the new
    // one shows a stamped picture.
    let line = browser
        .wait_until(
            "Chromium shows a room's picture on a new connection after Janus restarted",
            Duration::from_secs(60),
            |l| {
                connections(l) > connections_before
                    && tag(l, 0).is_some()
                    && frames_decoded(l, 0) >= 30
            },
        )
        .await;
    eprintln!(
        "Chromium shows a picture again {:.1} s after Janus restarted (page time {} ms)",
        restarted_at.elapsed().as_secs_f64(),
        line["t"]
    );
    browser.finish().await;
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
