//! With `[media] engine = "janus"` and Janus not running when a meeting starts, the meeting's
//! status says so in words the host can act on ("cannot reach Janus at …") and the hub keeps
//! trying; once Janus is started the VideoRoom appears by itself.

use std::time::Duration;

use phonghop::hub::meetings::janus_room_id;

use crate::common::{self, enrolled_room, eventually, tempdir};
use crate::janus_common::{JanusPorts, TestJanus};
use crate::meeting_common::start_meeting;

async fn media_status(hub: &common::TestHub, id: &str) -> serde_json::Value {
    crate::meeting_common::meeting_view(&common::admin_client(hub), hub, id).await["media"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_room_appears_once_janus_is_started() {
    let dir = tempdir();
    let ports = JanusPorts::free();
    let mut config = common::hub_config(&dir.path().join("hub"));
    config.media.engine = ports.engine(ports.ws_url());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let hub = common::start_hub_on(listener, config).await;
    let (_, p) = enrolled_room(&hub, "lao-cai", dir.path().join("p")).await;
    let id = start_meeting(&hub, &p, &[]).await;
    let room = janus_room_id(&id);

    // Janus is not running: the meeting runs, and its status says why it has no room.
    let mut status = serde_json::Value::Null;
    eventually(
        "a Janus error in the meeting's status after two attempts",
        Duration::from_secs(10),
        async || {
            status = media_status(&hub, &id).await;
            status["janus"]["state"] == "waiting_for_janus"
                && status["janus"]["attempts"].as_u64().unwrap_or(0) >= 2
        },
    )
    .await;
    let error = status["janus"]["error"]
        .as_str()
        .expect("an error")
        .to_owned();
    assert!(
        error.contains("cannot reach Janus at ws://127.0.0.1:") && error.contains("janus_url"),
        "{error}"
    );
    assert_eq!(status["janus"]["room"], room, "{status}");

    // Janus comes up: the hub's next attempt creates the room.
    let janus = TestJanus::start(&dir.path().join("janus"), ports).await;
    eventually(
        common::Lazy(|| format!("the room after Janus started; log:\n{}", janus.log())),
        Duration::from_secs(40),
        async || {
            status = media_status(&hub, &id).await;
            status["janus"]["state"] == "ready"
        },
    )
    .await;
    assert_eq!(
        status["janus"]["error"],
        serde_json::Value::Null,
        "{status}"
    );
    assert!(janus.room_exists(room).await, "Janus has the room");
    hub.stop().await;
}
