//! Simulcast to a browser on Debian's real Janus: the province publishes its layers (360p
//! and 180p of moving colour bars), and headless Chromium, in the meeting by its link,
//! reports every second what its receive-only connection got, as rooms do. When what Janus
//! sends it is limited to 400 kbit/s (an `iptables` `hashlimit` on this test's own Janus
//! ports, as in `janus_simulcast_follows_the_subscribers_link`), the hub moves it to the 180p
//! layer, and back to 360p when the limit is lifted. The layer is read where it matters: the
//! width of the pictures Chromium decodes. Needs root (`iptables`).

use std::time::Duration;

use serde_json::Value;

use crate::common::tempdir;
use crate::janus_common::LIMITED_BROWSER_JANUS_RTP_PORTS;
use crate::janus_simulcast_follows_the_subscribers_link::{
    LimitedLink, busy_province, simulcast_janus_and_hub,
};
use crate::meet_watch_common::{WatchedBrowser, frames_decoded};
use crate::meeting_common::{browser_link, npm_dir, start_meeting};

/// The width of the pictures Chromium decodes in its large slot (the host's).
fn width(line: &Value) -> Option<u64> {
    line["stats"]["inboundVideo"]
        .as_array()?
        .iter()
        .find(|v| v["slot"].as_u64() == Some(0) && v["framesDecoded"].as_u64() > Some(0))?["frameWidth"]
        .as_u64()
}

fn receive_reports(line: &Value) -> u64 {
    line["state"]["receiveReports"].as_u64().unwrap_or(0)
}

/// Waits until Chromium decodes pictures `expected` wide, and still does thirty pictures
/// later (a second at 30 fps, not a stray frame).
async fn wait_for_width(
    browser: &mut WatchedBrowser,
    expected: u64,
    timeout: Duration,
    what: &str,
) {
    let started = std::time::Instant::now();
    let first = browser
        .wait_until(what, timeout, |l| width(l) == Some(expected))
        .await;
    let from = frames_decoded(&first, 0);
    browser
        .wait_until(what, timeout, |l| {
            width(l) == Some(expected) && frames_decoded(l, 0) >= from + 30
        })
        .await;
    eprintln!("{what}: width {expected} after {:?}", started.elapsed());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_browser_on_a_limited_link_gets_the_low_layer_and_the_high_one_when_lifted() {
    npm_dir();
    let mut link = LimitedLink::new(LIMITED_BROWSER_JANUS_RTP_PORTS);
    let dir = tempdir();
    let (_janus, hub) = simulcast_janus_and_hub(dir.path(), LIMITED_BROWSER_JANUS_RTP_PORTS).await;
    let province = busy_province(&hub, dir.path()).await;
    let meeting = start_meeting(&hub, &province.id, &[]).await;
    let page = browser_link(&hub, &meeting, "Trình duyệt").await;
    let mut browser = WatchedBrowser::start(&page, 240, &[]);

    // Unlimited, Chromium gets the best layer and reports what it receives.
    wait_for_width(
        &mut browser,
        640,
        Duration::from_secs(60),
        "unlimited: 360p",
    )
    .await;
    browser
        .wait_until(
            "Chromium reports what it receives",
            Duration::from_secs(10),
            |l| receive_reports(l) >= 3,
        )
        .await;

    link.limit();
    wait_for_width(
        &mut browser,
        320,
        Duration::from_secs(40),
        "limited to 400 kbit/s: the 180p layer",
    )
    .await;

    link.lift();
    wait_for_width(
        &mut browser,
        640,
        Duration::from_secs(90),
        "the limit lifted: 360p again",
    )
    .await;
    browser.finish().await;
    province.room.stop().await;
    hub.stop().await;
    drop(link);
}
