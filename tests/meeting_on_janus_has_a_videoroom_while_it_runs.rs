//! With `[media] engine = "janus"`, a meeting's start creates its Janus VideoRoom (id from the
//! meeting id, private, VP8 and Opus, a publisher seat for every invited room plus browsers)
//! and its end destroys it. Janus itself is asked, over its HTTP transport, while the hub
//! talks to it over WebSockets.

use std::time::Duration;

use phonghop::hub::meetings::{BROWSER_SEATS, janus_room_id};

use crate::common::{self, enrolled_room, eventually, tempdir};
use crate::janus_common::janus_and_hub;
use crate::meeting_common::start_meeting;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_meeting_has_a_janus_videoroom_from_its_start_to_its_end() {
    let dir = tempdir();
    let (janus, hub) = janus_and_hub(dir.path()).await;
    let (_, p) = enrolled_room(&hub, "lao-cai", dir.path().join("p")).await;
    let (_, c) = enrolled_room(&hub, "lao-chai", dir.path().join("c")).await;

    let id = start_meeting(&hub, &p, &[&c]).await;
    let room = janus_room_id(&id);
    let admin = common::admin_client(&hub);
    let mut last = serde_json::Value::Null;
    eventually(
        common::Lazy(|| format!("the VideoRoom to be ready; log:\n{}", janus.log())),
        Duration::from_secs(15),
        async || {
            let view = crate::meeting_common::meeting_view(&admin, &hub, &id).await;
            last = view["media"].clone();
            last["janus"]["state"] == "ready"
        },
    )
    .await;
    assert_eq!(last["engine"], "janus", "{last}");
    assert_eq!(last["janus"]["room"], room, "{last}");
    // The media goes through Janus too (`janus_meeting_carries_media`).
    assert_eq!(last["forwarded_by"], "janus", "{last}");

    assert!(janus.room_exists(room).await, "Janus has the room");
    let listed = janus
        .listed_room(room)
        .await
        .expect("listed with the admin key");
    assert_eq!(listed["max_publishers"], 2 + BROWSER_SEATS, "{listed}");
    assert_eq!(listed["videocodec"], "vp8", "{listed}");
    assert_eq!(listed["audiocodec"], "opus", "{listed}");
    assert_eq!(listed["is_private"], true, "{listed}");
    assert!(
        listed["description"]
            .as_str()
            .is_some_and(|d| d.contains(&id)),
        "{listed}"
    );
    // Private: not in the list anyone without the admin key gets.
    let public = janus
        .videoroom(serde_json::json!({ "request": "list" }))
        .await;
    assert!(
        public["list"]
            .as_array()
            .expect("list")
            .iter()
            .all(|r| r["room"] != room),
        "{public}"
    );

    let ended = admin
        .delete(hub.url.join(&format!("api/v1/meetings/{id}")).expect("url"))
        .send()
        .await
        .expect("end");
    assert!(ended.status().is_success(), "{}", ended.status());
    let mut exists = true;
    eventually(
        common::Lazy(|| format!("the VideoRoom to be destroyed; log:\n{}", janus.log())),
        Duration::from_secs(20),
        async || {
            exists = janus.room_exists(room).await;
            !exists
        },
    )
    .await;
    hub.stop().await;
}
