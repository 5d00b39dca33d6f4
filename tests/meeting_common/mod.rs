//! Helpers for tests with real meetings: a hub, rooms with their call view, and waiting on
//! decoded frames. Everything is real: webrtc-rs on loopback UDP, GStreamer encoders and
//! decoders with test sources.
#![allow(dead_code)]

use std::time::Duration;

pub use crate::common::start_call_room;
use crate::common::{Lazy, TestHub, TestRoom, eventually};
use phonghop::room::call_view::{CallPhase, CallView};

/// Starts a meeting through the staff API as a province admin (as `phonghop hub meeting
/// start` does via the DB).
pub async fn start_meeting(hub: &TestHub, host: &str, rooms: &[&str]) -> String {
    let response = crate::common::admin_client(hub)
        .post(hub.url.join("api/v1/meetings").expect("url"))
        .json(&serde_json::json!({ "host": host, "rooms": rooms }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let body: serde_json::Value = response.json().await.expect("json");
    body["id"].as_str().expect("id").to_owned()
}

/// The meeting as the staff API shows it (`GET /api/v1/meetings/<id>`), read with `client`.
pub async fn meeting_view(client: &reqwest::Client, hub: &TestHub, id: &str) -> serde_json::Value {
    let url = hub.url.join(&format!("api/v1/meetings/{id}")).expect("url");
    crate::common::send_json(client.get(url), "meeting view").await
}

/// The province's room alone in a meeting it hosts, live: the start of the browser tests.
/// Returns the room and the meeting's id.
pub async fn one_room_live(hub: &TestHub, dir: &std::path::Path) -> (CallRoom, String) {
    let mut rooms = connected_rooms(hub, dir, &["lao-cai"]).await;
    let room = rooms.pop().expect("room");
    let meeting = start_meeting(hub, &room.id, &[]).await;
    wait_phase(&room.view, CallPhase::Live, Duration::from_secs(15)).await;
    (room, meeting)
}

/// A time as staff type it for the schedule, to the second, in Vietnam time (UTC+7).
pub fn local_with_seconds(ms: i64) -> String {
    jiff::tz::Offset::constant(7)
        .to_datetime(jiff::Timestamp::from_millisecond(ms).expect("time"))
        .strftime("%Y-%m-%d %H:%M:%S")
        .to_string()
}

/// Schedules "Giao ban" from `start_ms` to `end_ms` through the staff API as a province
/// admin, hosted by `host` with `rooms` invited, and returns its id.
pub async fn schedule_meeting(
    hub: &TestHub,
    start_ms: i64,
    end_ms: i64,
    host: &str,
    rooms: &[&str],
) -> String {
    let response = crate::common::admin_client(hub)
        .post(hub.url.join("api/v1/schedule").expect("url"))
        .json(&serde_json::json!({
            "title": "Giao ban", "start": local_with_seconds(start_ms),
            "end": local_with_seconds(end_ms), "host": host, "rooms": rooms,
        }))
        .send()
        .await
        .expect("schedule");
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let made: serde_json::Value = response.json().await.expect("json");
    made["id"].as_str().expect("id").to_owned()
}

/// The attendance report of meeting `id` (one row per invited room) once every room's leave
/// is in it: the end's events reach the store through the hub's writer a moment after the
/// end, so the report is read again until they are (10 s at most).
pub async fn attendance_after_end(hub: &TestHub, id: &str, rooms: usize) -> Vec<serde_json::Value> {
    let client = crate::common::admin_client(hub);
    let url = hub
        .url
        .join(&format!("api/v1/schedule/{id}/report"))
        .expect("url");
    let mut rows = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while std::time::Instant::now() < deadline {
        let report: serde_json::Value = client
            .get(url.clone())
            .send()
            .await
            .expect("report")
            .json()
            .await
            .expect("json");
        rows = report.as_array().cloned().unwrap_or_default();
        if rows.len() == rooms && rows.iter().all(|r| r["last_leave_ms"].is_i64()) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    rows
}

/// Sends one host action (`{"action": "unmute_room", "room": ..}`) to a running meeting
/// through the staff API, as the province's dashboard does, and returns the status and body.
pub async fn try_chair(
    hub: &TestHub,
    meeting: &str,
    action: &serde_json::Value,
) -> (reqwest::StatusCode, String) {
    let response = crate::common::admin_client(hub)
        .post(
            hub.url
                .join(&format!("api/v1/meetings/{meeting}/chair"))
                .expect("url"),
        )
        .json(action)
        .send()
        .await
        .expect("request");
    let status = response.status();
    (status, response.text().await.unwrap_or_default())
}

/// [`try_chair`] that must be accepted; returns the chair's answer (the meeting's state).
pub async fn chair(hub: &TestHub, meeting: &str, action: serde_json::Value) -> serde_json::Value {
    let (status, body) = try_chair(hub, meeting, &action).await;
    assert_eq!(status, 200, "{body}");
    serde_json::from_str(&body).unwrap_or(serde_json::Value::Null)
}

/// Waits until slot `slot` of `view` has published `frames` more frames than `from`.
pub async fn wait_frames(
    view: &CallView,
    slot: usize,
    frames: u64,
    timeout: Duration,
    what: &str,
) -> Duration {
    let tile = view.tile(slot).expect("slot").clone();
    let from = tile.frames_published();
    let seen = Lazy(|| {
        format!(
            "{what}: {frames} frames (only {} came); call: {:?}",
            tile.frames_published() - from,
            view.snapshot()
        )
    });
    eventually(seen, timeout, async || {
        tile.frames_published() >= from + frames
    })
    .await
}

pub async fn wait_phase(view: &CallView, phase: CallPhase, timeout: Duration) {
    let seen = Lazy(|| format!("{phase:?}; call: {:?}", view.snapshot()));
    eventually(seen, timeout, async || view.snapshot().phase == phase).await;
}

/// The samples on a `/metrics` page whose lines start with `prefix`, in page order.
async fn samples(url: &url::Url, prefix: &str) -> Option<Vec<f64>> {
    let text = crate::common::http()
        .get(url.join("metrics").ok()?)
        .send()
        .await
        .ok()?
        .text()
        .await
        .ok()?;
    // A prefix ending in a space names one series exactly.
    let matches = |series: &str| match prefix.strip_suffix(' ') {
        Some(exact) => series == exact,
        None => series.starts_with(prefix),
    };
    Some(
        phonghop::health::parse_metrics(&text)
            .into_iter()
            .filter(|(series, _)| matches(series))
            .map(|(_, value)| value)
            .collect(),
    )
}

/// Reads one metric's value from a `/metrics` page (first sample whose line starts with `prefix`).
pub async fn metric(url: &url::Url, prefix: &str) -> Option<f64> {
    samples(url, prefix).await?.first().copied()
}

/// The sum of a metric over its labels (which slot carries a voice depends on the routing).
pub async fn metric_total(url: &url::Url, prefix: &str) -> Option<f64> {
    Some(samples(url, prefix).await?.iter().sum())
}

/// How many keyframe requests the hub has sent to `participant`'s video in `meeting`, as
/// the hub's metrics count them (0 before its first).
pub async fn keyframe_requests_sent(hub_url: &url::Url, meeting: &str, participant: &str) -> f64 {
    let metrics = hub_url.join("metrics").expect("metrics url");
    metric(
        &metrics,
        &format!(
            "phonghop_hub_stream_keyframe_requests_total{{meeting=\"{meeting}\",participant=\"{participant}\",kind=\"video\"}}"
        ),
    )
    .await
    .unwrap_or(0.0)
}

pub const BROWSER_HINT: &str =
    "run `make test` (it installs chromium, node and playwright-core) or set PHONGHOP_NPM_DIR";

/// The npm folder with playwright-core, checked, for `scripts/meet-browser.mjs`.
pub fn npm_dir() -> std::path::PathBuf {
    let dir = std::env::var_os("PHONGHOP_NPM_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| panic!("PHONGHOP_NPM_DIR is not set: {BROWSER_HINT}"));
    assert!(
        dir.join("node_modules/playwright-core/package.json")
            .exists(),
        "{} has no node_modules/playwright-core: {BROWSER_HINT}",
        dir.display()
    );
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "no /usr/bin/chromium: {BROWSER_HINT}"
    );
    dir
}

/// A browser link for the meeting, made through the staff API.
pub async fn browser_link(hub: &TestHub, meeting: &str, name: &str) -> String {
    let response = crate::common::admin_client(hub)
        .post(
            hub.url
                .join(&format!("api/v1/meetings/{meeting}/links"))
                .expect("url"),
        )
        .json(&serde_json::json!({ "name": name }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 201, "{:?}", response.text().await);
    let body: serde_json::Value = response.json().await.expect("json");
    body["url"].as_str().expect("url").to_owned()
}

/// Sets what `subscriber` receives, through the subscription API.
pub async fn subscribe(hub: &TestHub, meeting: &str, subscriber: &str, slots: serde_json::Value) {
    let response = crate::common::admin_client(hub)
        .put(
            hub.url
                .join(&format!(
                    "api/v1/meetings/{meeting}/subscriptions/{subscriber}"
                ))
                .expect("url"),
        )
        .json(&serde_json::json!({ "slots": slots }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204, "{:?}", response.text().await);
}

/// Waits until slot `slot` shows a picture stamped by the room with `tag`; returns how long.
pub async fn wait_for_tag(
    view: &CallView,
    slot: usize,
    tag: u8,
    timeout: Duration,
    what: &str,
) -> Duration {
    let tile = view.tile(slot).expect("slot").clone();
    let stamp = || tile.latest().and_then(|f| f.stamp);
    let seen = Lazy(|| {
        format!(
            "{what}: a picture with tag {tag}; last stamp {:?}; call: {:?}",
            stamp(),
            view.snapshot()
        )
    });
    eventually(seen, timeout, async || {
        stamp().is_some_and(|s| s.tag == tag)
    })
    .await
}

/// Caps (or with `None` uncaps) what a participant sends, through the API.
pub async fn cap_bitrate(hub: &TestHub, meeting: &str, participant: &str, bps: Option<u64>) {
    let response = crate::common::admin_client(hub)
        .put(
            hub.url
                .join(&format!(
                    "api/v1/meetings/{meeting}/participants/{participant}/bitrate_cap"
                ))
                .expect("url"),
        )
        .json(&serde_json::json!({ "bps": bps }))
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), 204, "{:?}", response.text().await);
}

/// Polls a room metric, summed over its labels, until `pred` holds; returns the value.
/// Summed, because the exposition order of labelled series (e.g. which slot carries a voice)
/// is not fixed: the first series alone made a test read a silent slot one run in three.
pub async fn wait_metric(
    url: &url::Url,
    prefix: &str,
    timeout: Duration,
    what: &str,
    pred: impl Fn(f64) -> bool,
) -> f64 {
    let value = std::cell::Cell::new(None);
    let seen = Lazy(|| format!("{what}: {prefix} is {:?}", value.get()));
    eventually(seen, timeout, async || {
        value.set(metric_total(url, prefix).await);
        value.get().is_some_and(&pred)
    })
    .await;
    value.get().expect("the metric held")
}

/// Waits until slot `slot`'s decoded picture is `width` pixels wide (a layer change arrived).
pub async fn wait_width(view: &CallView, slot: usize, width: u32, timeout: Duration, what: &str) {
    let tile = view.tile(slot).expect("slot").clone();
    let seen_width = || tile.latest().map(|f| f.width);
    let seen = Lazy(|| format!("{what}: {width} px wide (is {:?})", seen_width()));
    eventually(seen, timeout, async || seen_width() == Some(width)).await;
}

/// A room box in a test: running, with its call view, id at the hub and config (to restart).
pub struct CallRoom {
    pub room: TestRoom,
    pub view: CallView,
    pub id: String,
    pub config: phonghop::config::RoomConfig,
}

/// The province's room ("lao-cai") and a commune's ("lao-chai"), connected with their call
/// views: the pair most meeting tests start from.
pub async fn province_and_commune(hub: &TestHub, dir: &std::path::Path) -> (CallRoom, CallRoom) {
    let mut rooms = connected_rooms(hub, dir, &["lao-cai", "lao-chai"]).await;
    let commune = rooms.pop().expect("commune");
    let province = rooms.pop().expect("province");
    (province, commune)
}

/// Enrolls a room for each unit, starts it with its call view, and waits until every one
/// is connected to the hub.
pub async fn connected_rooms(
    hub: &TestHub,
    dir: &std::path::Path,
    units: &[&str],
) -> Vec<CallRoom> {
    let mut rooms = Vec::new();
    for unit in units {
        let (config, id) = crate::common::enrolled_room(hub, unit, dir.join(unit)).await;
        let (room, view) = start_call_room(config.clone()).await;
        rooms.push(CallRoom {
            room,
            view,
            id,
            config,
        });
    }
    for r in &mut rooms {
        crate::common::wait_for(
            &mut r.room.status,
            "connected",
            Duration::from_secs(10),
            |s| s.connected(),
        )
        .await;
    }
    rooms
}
