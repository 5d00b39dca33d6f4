//! A commune officer posts a notice through the dashboard's news form in a real browser
//! (Debian's headless Chromium, driven by playwright-core); the page lists it as shown, and
//! her commune's connected room has it in its own store, as the kiosk's News tile reads it.
//!
//! Needs Node.js, /usr/bin/chromium and playwright-core in `$PHONGHOP_NPM_DIR/node_modules`
//! (`make test` installs them).

use crate::browser_common::{PASSWORD, account, run_fixture};
use crate::common;
use crate::news_posted_at_the_hub_reaches_the_kiosk::titles;

use std::time::Duration;

use common::*;
use phonghop::store::StaffRole;

const TITLE: &str = "Họp dân thôn Sín Chải tối thứ Sáu";
const BODY: &str = "Mời bà con đến nhà văn hoá thôn lúc 19 giờ để bàn việc sửa cầu treo.";

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn news_posted_in_chromium_reaches_the_connected_rooms_store() {
    crate::browser_common::npm_dir();
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    let (mut room, kiosk) = start_room_with_kiosk(config).await;
    wait_for(
        &mut room.status,
        "connected",
        Duration::from_secs(15),
        |s| s.connected(),
    )
    .await;
    assert!(titles(&kiosk).await.is_empty(), "no news yet");
    account(
        &hub,
        "laochai",
        "Lò Thị Hoa",
        StaffRole::CommuneStaff,
        Some("lao-chai"),
    );

    let seen = run_fixture(
        "staff-news-check.mjs",
        [hub.url.as_str(), "laochai", PASSWORD, TITLE, BODY],
    )
    .await;
    assert_eq!(
        seen["notice"], "Đã đăng. Các phòng họp sẽ nhận trong vài giây.",
        "{seen}"
    );
    assert_eq!(seen["titles"], serde_json::json!([TITLE]), "{seen}");
    assert_eq!(seen["states"], serde_json::json!(["Đang hiện"]), "{seen}");

    // The hub's hint wakes the room's download; the 30 s poll would be too late for this.
    eventually(
        "the notice in the room's store",
        Duration::from_secs(10),
        || {
            let kiosk = kiosk.clone();
            async move { titles(&kiosk).await == [TITLE] }
        },
    )
    .await;
    room.stop().await;
    hub.stop().await;
}
