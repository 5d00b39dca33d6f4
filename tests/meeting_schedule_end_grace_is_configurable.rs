//! The hub's `[meetings] end_grace_secs`: a scheduled meeting the host does not end keeps
//! running that long past its end, then the hub ends it (and the rooms leave). The hub
//! cannot end it earlier, so the time it is first seen ended is checked against the grace.

use crate::common;
use crate::meeting_common;

use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_meeting_ends_after_the_configured_grace() {
    const GRACE_SECS: u64 = 3;
    let dir = common::tempdir();
    let mut config = common::hub_config(&dir.path().join("hub"));
    config.meetings.end_grace_secs = GRACE_SECS;
    let hub = common::start_configured_hub(config).await;
    let (_, p) = common::enrolled_room(&hub, "lao-cai", dir.path().join("p")).await;
    let (_, c) = common::enrolled_room(&hub, "lao-chai", dir.path().join("c")).await;
    let client = common::admin_client(&hub);
    // Whole seconds: the schedule is written to the second.
    let start_ms = (phonghop::clock::now_ms() / 1000 + 3) * 1000;
    let end_ms = start_ms + 3_000;
    let id = meeting_common::schedule_meeting(&hub, start_ms, end_ms, &p, &[&p, &c]).await;

    let running = async || -> bool {
        let list = common::send_json(
            client.get(hub.url.join("api/v1/meetings").expect("url")),
            "list",
        )
        .await;
        list.as_array()
            .expect("a list")
            .iter()
            .any(|m| m["id"] == id.as_str())
    };
    common::eventually("the meeting starts", Duration::from_secs(15), async || {
        running().await
    })
    .await;
    common::eventually(
        "the hub ends the meeting after its grace",
        Duration::from_secs(GRACE_SECS + 20),
        async || !running().await,
    )
    .await;
    let ended_seen_ms = phonghop::clock::now_ms();
    let grace_ms = GRACE_SECS as i64 * 1000;
    assert!(
        ended_seen_ms >= end_ms + grace_ms,
        "ended {} ms after its end, before the {GRACE_SECS} s grace",
        ended_seen_ms - end_ms
    );
    hub.stop().await;
}
