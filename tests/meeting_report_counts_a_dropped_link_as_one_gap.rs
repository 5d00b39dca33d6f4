//! With real rooms and media: a commune box that loses its link mid-meeting (killed, then
//! started again) comes back as the same participant with one gap in its attendance, and
//! the report the hub computes from the events it stored says so.

use crate::common;
use crate::meeting_common;

use std::time::Duration;

use meeting_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_room_that_drops_and_returns_is_one_gap_not_a_new_participant() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let (province, commune) = province_and_commune(&hub, dir.path()).await;
    let (p, c) = (province.id.clone(), commune.id.clone());
    let id = start_meeting(&hub, &p, &[&c]).await;
    wait_frames(
        &province.view,
        0,
        10,
        Duration::from_secs(60),
        "province sees the commune",
    )
    .await;
    wait_frames(
        &commune.view,
        0,
        10,
        Duration::from_secs(60),
        "commune sees the province",
    )
    .await;

    // The commune vanishes without a goodbye and the same box starts again.
    commune.room.kill().await;
    drop(commune.view);
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (c_room, c_view) = start_call_room(commune.config).await;
    wait_frames(
        &c_view,
        0,
        10,
        Duration::from_secs(60),
        "the restarted commune sees the province",
    )
    .await;

    let client = common::admin_client(&hub);
    let ended = client
        .delete(hub.url.join(&format!("api/v1/meetings/{id}")).expect("url"))
        .send()
        .await
        .expect("stop");
    assert_eq!(ended.status(), 204);
    let rows = attendance_after_end(&hub, &id, 2).await;
    assert_eq!(rows.len(), 2, "one row per invited room: {rows:?}");
    assert_eq!(rows[0]["room_id"], p.as_str());
    assert_eq!(rows[0]["gaps"], 0, "{rows:?}");
    assert_eq!(rows[1]["room_id"], c.as_str());
    assert_eq!(
        rows[1]["gaps"], 1,
        "the commune's drop is one gap: {rows:?}"
    );
    assert_eq!(rows[1]["never_joined"], false);
    assert!(rows[1]["present_ms"].as_i64().expect("ms") > 0);

    province.room.stop().await;
    c_room.stop().await;
    hub.stop().await;
}
