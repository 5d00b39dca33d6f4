//! With a real hub and rooms: the next meeting staff schedule reaches each room's kiosk
//! (Home names it with its time in Vietnam time and its host, and counts down); at the
//! start the hub's notice arrives and the meeting takes the screen over; when it ends the
//! kiosk is Home again.

use crate::common;
use crate::kiosk_common;
use crate::meeting_common;

use std::time::Duration;

use common::{Lazy, eventually};
use egui_kittest::kittest::Queryable;
use meeting_common::*;
use phonghop::kiosk::shell::Screen;
use phonghop::room::call_view::CallPhase;
use phonghop::wire::MeetingNotice;
use serde_json::json;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_scheduled_meeting_shows_on_home_then_takes_over_and_hands_back() {
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let rooms = connected_rooms(&hub, dir.path(), &["lao-cai", "lao-chai"]).await;
    let (p, c) = (rooms[0].id.clone(), rooms[1].id.clone());
    let client = common::admin_client(&hub);
    // Whole seconds: the schedule is kept to the second.
    let start_ms = (phonghop::clock::now_ms() / 1000 + 6) * 1000;
    let id =
        meeting_common::schedule_meeting(&hub, start_ms, start_ms + 3_600_000, &p, &[&p, &c]).await;
    let commune = &rooms[1];
    let seen = Lazy(|| format!("the next meeting; call: {:?}", commune.view.snapshot()));
    eventually(seen, Duration::from_secs(4), async || {
        commune
            .view
            .snapshot()
            .next_meeting
            .is_some_and(|m| m.meeting_id == id)
    })
    .await;
    let next = commune.view.snapshot().next_meeting.expect("next");
    assert_eq!(
        (next.title.as_str(), next.start_ms, next.host.as_str()),
        ("Giao ban", start_ms, p.as_str())
    );

    let mut kiosk = kiosk_common::kiosk_room(
        commune.room.status.clone(),
        None,
        Screen::Home,
        dir.path().join("recordings"),
    );
    kiosk.call = Some(commune.view.clone());
    let mut h = kiosk_common::room_harness(kiosk);
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Home);
    let when = phonghop::meeting::schedule::format_local(start_ms);
    h.get_by_label(&format!("Cuộc họp sắp tới: Giao ban, lúc {when}"));
    h.get_by_label_contains("Bắt đầu sau 0:0");
    assert!(
        h.query_by_label("Chưa có cuộc họp nào được lên lịch")
            .is_none()
    );

    wait_phase(&commune.view, CallPhase::Live, Duration::from_secs(20)).await;
    assert_eq!(
        commune.view.snapshot().notice,
        Some((id.clone(), MeetingNotice::Started))
    );
    h.run();
    assert_eq!(
        h.state().shell().screen,
        Screen::Meeting,
        "the meeting took the screen"
    );

    let ended = client
        .post(
            hub.url
                .join(&format!("api/v1/meetings/{id}/chair"))
                .expect("url"),
        )
        .json(&json!({"action": "end"}))
        .send()
        .await
        .expect("end");
    assert_eq!(ended.status(), 200);
    wait_phase(&commune.view, CallPhase::Idle, Duration::from_secs(10)).await;
    h.run();
    assert_eq!(h.state().shell().screen, Screen::Home);
    for r in rooms {
        r.room.stop().await;
    }
    hub.stop().await;
}
