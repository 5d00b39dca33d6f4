//! The subscription API switches what a room receives: after a change, the new source's
//! picture (recognised by the sender tag in its stamp) arrives, because the hub asks the new
//! source for a keyframe at once instead of waiting for the next one. How fast, on a quiet
//! machine, is measured by `phonghop bench meeting` (a timed bound here would fail on a
//! loaded one).

use crate::common;
use crate::meeting_common;

use std::time::Duration;

use meeting_common::*;
use phonghop::room::stamp_tag_for;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn changing_a_subscription_shows_the_new_room_after_asking_it_for_a_keyframe() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let rooms = connected_rooms(&hub, dir.path(), &["lao-cai", "lao-chai", "sa-pa"]).await;
    let [a, b, c] = [0, 1, 2].map(|i| rooms[i].id.clone());
    assert_ne!(
        stamp_tag_for(&b),
        stamp_tag_for(&c),
        "test rooms need distinct tags"
    );
    let meeting = start_meeting(&hub, &a, &[&b, &c]).await;
    let a_view = &rooms[0].view;
    wait_frames(
        a_view,
        0,
        30,
        Duration::from_secs(60),
        "the host sees someone",
    )
    .await;

    subscribe(&hub, &meeting, &a, serde_json::json!([b, null])).await;
    wait_for_tag(
        a_view,
        0,
        stamp_tag_for(&b),
        Duration::from_secs(5),
        "the host sees B",
    )
    .await;

    for (target, name) in [(&c, "C"), (&b, "B"), (&c, "C")] {
        let asked_before = keyframe_requests_sent(&hub.url, &meeting, target).await;
        let took = async {
            subscribe(&hub, &meeting, &a, serde_json::json!([target, null])).await;
            wait_for_tag(
                a_view,
                0,
                stamp_tag_for(target),
                Duration::from_secs(10),
                name,
            )
            .await
        }
        .await;
        // How fast is for `phonghop bench meeting`; what this test holds is why it is fast:
        // the hub asks the new source for a keyframe at once rather than waiting for its
        // next scheduled one.
        eprintln!("switch to {name}: first frame after {took:?}");
        common::eventually(
            format_args!("the hub to ask {name} for a keyframe on the switch"),
            Duration::from_secs(20),
            async || keyframe_requests_sent(&hub.url, &meeting, target).await > asked_before,
        )
        .await;
    }
    assert_eq!(
        a_view.snapshot().slots[0]
            .as_ref()
            .map(|s| s.participant_id.clone()),
        Some(c.clone()),
        "the slots message names the new source"
    );

    // Back to the automatic choice: nothing breaks, pictures keep coming.
    subscribe(&hub, &meeting, &a, serde_json::Value::Null).await;
    wait_frames(a_view, 0, 20, Duration::from_secs(60), "automatic again").await;
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
