//! Interop with a browser nobody here wrote: Debian's headless Chromium (fake camera and
//! microphone), driven by playwright-core, opens `/meet/<id>?t=<token>`. The browser decodes
//! the room's video (its `getStats()` shows `framesDecoded` rising) and the room decodes the
//! browser's video.

use crate::common;
use crate::meeting_common;

use std::time::Duration;

use meeting_common::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn chromium_and_a_room_see_each_other() {
    let npm = npm_dir();
    let dir = common::tempdir();
    let hub = common::start_hub(&dir.path().join("hub")).await;
    let (CallRoom { room, view, .. }, meeting) =
        meeting_common::one_room_live(&hub, dir.path()).await;
    let link = browser_link(&hub, &meeting, "Chủ tịch (trình duyệt)").await;

    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts/meet-browser.mjs");
    let browser = tokio::process::Command::new("node")
        .arg(&script)
        .arg(&link)
        // The browser stays until it has sent 150 frames, so the room has them to decode.
        .args([
            "--until-frames",
            "60",
            "--until-sent",
            "150",
            "--timeout-secs",
            "60",
        ])
        .env("PHONGHOP_NPM_DIR", &npm)
        .kill_on_drop(true)
        .output();
    // Meanwhile the room must decode the browser's picture (the only other participant).
    let room_side = wait_frames(
        &view,
        0,
        60,
        Duration::from_secs(120),
        "the room decodes Chromium's video",
    );
    let hub_metrics = hub.url.join("metrics").expect("url");
    let room_side = async {
        let took = tokio::time::timeout(Duration::from_secs(60), room_side).await;
        // Who the room shows, while the browser is still in the meeting.
        let shown = view.snapshot().slots[0].clone();
        let text = common::get_text(hub_metrics).await;
        (
            took,
            shown,
            text.lines()
                .filter(|l| l.contains("stream"))
                .collect::<Vec<_>>()
                .join("\n"),
        )
    };
    let (output, (room_took, shown, hub_streams)) = tokio::join!(browser, room_side);
    let output = output.unwrap_or_else(|e| panic!("cannot run node ({e}): {BROWSER_HINT}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let room_took = room_took.unwrap_or_else(|_| {
        panic!("the room got no browser video; browser said {stdout}; hub streams:\n{hub_streams}")
    });
    assert!(
        output.status.success(),
        "Chromium did not decode the room's video: {stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let result: serde_json::Value = serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}"));
    assert_eq!(result["ok"], true, "{result}");
    assert!(
        result["framesDecoded"].as_u64().unwrap_or(0) >= 60,
        "{result}"
    );
    assert!(
        result["outboundFramesEncoded"].as_u64().unwrap_or(0) > 0,
        "{result}"
    );
    eprintln!("browser: {result}; room decoded 60 browser frames after {room_took:?}");
    let slot0 = shown.expect("slot 0 shows the browser");
    assert!(slot0.participant_id.starts_with("web-"), "{slot0:?}");
    assert_eq!(slot0.name, "Chủ tịch (trình duyệt)");

    room.stop().await;
    hub.stop().await;
}
