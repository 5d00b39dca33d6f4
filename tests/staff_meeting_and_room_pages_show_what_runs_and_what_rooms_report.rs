//! From the dashboard a province admin starts a meeting between two rooms, sees its
//! roster, makes a browser link and ends it; commune staff cannot. The rooms page shows a
//! room's own report (software version, outbox backlog, test camera) once it connects, and
//! a commune officer sees only her unit's rooms.

use std::time::Duration;

use crate::common::{enrolled_room, eventually, start_hub, start_room, tempdir};
use crate::staff_common::SignedIn;

use phonghop::store::StaffRole;

/// Ids of the meetings the hub's database says run.
fn running_meetings(hub: &crate::common::TestHub) -> Vec<String> {
    phonghop::app::open_store(&hub.config.data_dir)
        .expect("hub store")
        .active_meetings()
        .expect("meetings")
        .into_iter()
        .map(|m| m.id)
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_start_and_end_a_meeting_and_see_each_rooms_report() {
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (lao_chai, lao_chai_id) = enrolled_room(&hub, "lao-chai", dir.path().join("r1")).await;
    let (_, ban_ho_id) = enrolled_room(&hub, "ban-ho", dir.path().join("r2")).await;
    let admin = SignedIn::new(&hub, "tinh", StaffRole::ProvinceAdmin, None).await;
    let officer = SignedIn::new(&hub, "banho", StaffRole::CommuneStaff, Some("ban-ho")).await;

    // A meeting, started and ended from the page.
    assert_eq!(officer.get("/staff/meetings").await.status, 403);
    let refused = officer
        .post(
            "/staff/meetings",
            &[("host", &lao_chai_id), ("rooms", &ban_ho_id)],
        )
        .await;
    assert_eq!(refused.status, 403);
    let page = admin
        .submit(
            "/staff/meetings",
            &[("host", &lao_chai_id), ("rooms", &ban_ho_id)],
        )
        .await;
    assert!(page.body.contains("Meeting started"), "{}", page.body);
    let running = running_meetings(&hub);
    assert_eq!(running.len(), 1, "one meeting runs");
    let id = &running[0];
    assert!(page.body.contains(&format!("/staff/meetings/{id}/end")));
    assert!(
        page.body
            .contains("Room of lao-chai (lao-chai) — not connected"),
        "{}",
        page.body
    );
    assert!(
        page.body
            .contains("Room of ban-ho (ban-ho) — not connected")
    );
    let link = admin
        .post(
            &format!("/staff/meetings/{id}/links"),
            &[("name", "Chủ tịch Hùng")],
        )
        .await;
    assert_eq!(link.status, 200);
    assert!(
        link.body.contains(&format!("/meet/{id}?t=")),
        "{}",
        link.body
    );
    let ended = admin
        .submit(&format!("/staff/meetings/{id}/end"), &[])
        .await;
    assert!(ended.body.contains("Meeting ended."));
    assert!(ended.body.contains("No meeting is running."));
    assert!(running_meetings(&hub).is_empty());
    let again = admin.post(&format!("/staff/meetings/{id}/end"), &[]).await;
    assert_eq!(again.status, 404, "an ended meeting cannot end twice");

    // Rooms: nothing reported before the room connects, its report after.
    let before = admin.get("/staff/rooms").await;
    assert!(before.body.contains("not reported yet"));
    assert!(before.body.contains("Never connected"));
    let room = start_room(lao_chai).await;
    let version = format!(r#"class="version">{}<"#, env!("CARGO_PKG_VERSION"));
    eventually(
        "the room's report on the rooms page",
        Duration::from_secs(20),
        || async { admin.get("/staff/rooms").await.body.contains(&version) },
    )
    .await;
    let after = admin.get("/staff/rooms").await.body;
    assert!(after.contains(r#"class="backlog">0 items<"#), "{after}");
    assert!(
        after.contains("test source"),
        "the test camera is named as such"
    );
    assert!(after.contains("Connected"));
    // The commune officer sees her unit's room only.
    let hers = officer.get("/staff/rooms").await;
    assert_eq!(hers.status, 200);
    assert!(hers.body.contains("Room of ban-ho"));
    assert!(!hers.body.contains("Room of lao-chai"), "{}", hers.body);
    room.stop().await;
    hub.stop().await;
}
