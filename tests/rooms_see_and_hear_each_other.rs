//! Hub + two rooms in one test, real media on loopback: each room decodes at least 100
//! video frames from the other, and audio flows both ways. The waits are generous (a
//! minute for pictures, half a minute for sound): CI runs many media tests at once, and how
//! fast the first frame comes is measured by `phonghop bench meeting`, not here.

use crate::common;
use crate::meeting_common;

use std::time::Duration;

use meeting_common::{connected_rooms, start_meeting, wait_frames};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_rooms_see_and_hear_each_other_through_the_hub() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let rooms = connected_rooms(&hub, dir.path(), &["lao-cai", "lao-chai"]).await;
    let [p, c] = &rooms[..] else { unreachable!() };
    let (province, commune) = (p.id.clone(), c.id.clone());
    let (p_room, p_view, c_room, c_view) = (&p.room, &p.view, &c.room, &c.view);
    let meeting = start_meeting(&hub, &province, &[&commune]).await;

    // Slot 0 of each room shows the other (host or last speaker; there are only two).
    let (a, b) = tokio::join!(
        wait_frames(
            p_view,
            0,
            100,
            Duration::from_secs(60),
            "province sees the commune"
        ),
        wait_frames(
            c_view,
            0,
            100,
            Duration::from_secs(60),
            "commune sees the province"
        ),
    );
    eprintln!("100 frames after {a:?} (province) and {b:?} (commune)");
    assert_eq!(
        p_view.snapshot().slots[0]
            .as_ref()
            .map(|s| s.participant_id.clone()),
        Some(commune.clone())
    );
    // The picture is the other room's own: its stamp carries the sender's tag.
    let p_stamp = p_view
        .tile(0)
        .and_then(|t| t.latest())
        .and_then(|f| f.stamp);
    let c_stamp = c_view
        .tile(0)
        .and_then(|t| t.latest())
        .and_then(|f| f.stamp);
    assert!(
        p_stamp.is_some() && c_stamp.is_some(),
        "stamps read back: {p_stamp:?} {c_stamp:?}"
    );
    assert_ne!(
        p_stamp.map(|s| s.tag),
        c_stamp.map(|s| s.tag),
        "each sees the other, not itself"
    );

    // Audio both ways: Opus frames decoded, as the rooms' metrics report. The commune
    // enters muted (the chair's rule), so the host unmutes it first.
    meeting_common::chair(
        &hub,
        &meeting,
        serde_json::json!({ "action": "unmute_room", "room": commune }),
    )
    .await;
    for (room, who) in [(p_room, "province"), (c_room, "commune")] {
        let mut heard = 0.0;
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while std::time::Instant::now() < deadline {
            heard = meeting_common::metric(
                &room.health_url,
                "phonghop_room_call_audio_frames_decoded{stream=\"slot-0\"}",
            )
            .await
            .unwrap_or(0.0);
            if heard >= 50.0 {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(heard >= 50.0, "{who} decoded only {heard} audio frames");
    }
    eprintln!("meeting {meeting} ok");
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
