//! With real rooms and media: staff schedule a meeting and walk away; at its start the hub
//! starts it and the province and commune boxes join by themselves and see each other;
//! when the host ends it from the chair they leave, and the attendance report lists both
//! as joined.

use crate::common;
use crate::meeting_common;

use std::time::Duration;

use meeting_common::*;
use phonghop::room::call_view::CallPhase;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn scheduled_rooms_join_at_the_start_and_leave_at_the_end() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let rooms = connected_rooms(&hub, dir.path(), &["lao-cai", "lao-chai"]).await;
    let (p, c) = (rooms[0].id.clone(), rooms[1].id.clone());
    let start_ms = phonghop::clock::now_ms() + 3_000;
    let id =
        meeting_common::schedule_meeting(&hub, start_ms, start_ms + 3_600_000, &p, &[&p, &c]).await;
    for r in &rooms {
        assert_eq!(
            r.view.snapshot().phase,
            CallPhase::Idle,
            "nobody joins before the start"
        );
    }

    for r in &rooms {
        wait_frames(
            &r.view,
            0,
            10,
            Duration::from_secs(60),
            "each room sees the other",
        )
        .await;
    }
    assert!(
        phonghop::clock::now_ms() >= start_ms,
        "not before the start"
    );

    chair(&hub, &id, json!({"action": "end"})).await;
    for r in &rooms {
        wait_phase(&r.view, CallPhase::Idle, Duration::from_secs(10)).await;
    }
    let rows = attendance_after_end(&hub, &id, 2).await;
    let rows = serde_json::Value::from(rows);
    for (i, room) in [&p, &c].iter().enumerate() {
        assert_eq!(rows[i]["room_id"], room.as_str());
        assert_eq!(rows[i]["never_joined"], false, "{rows}");
        assert!(
            rows[i]["first_join_ms"].as_i64().expect("joined") >= start_ms,
            "{rows}"
        );
        assert!(rows[i]["last_leave_ms"].is_i64(), "{rows}");
    }
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
