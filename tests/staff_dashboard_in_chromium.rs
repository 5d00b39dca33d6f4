//! A province admin triages a resident's voice complaint in a real browser (Debian's
//! headless Chromium, driven by playwright-core): the complaint is recorded and submitted
//! at a commune's room and reaches the hub through the real sync path; the admin signs in
//! at /staff/login, filters the inbox, opens the item, plays its recording in the page,
//! changes its status and replies; the public ticket page shows the reply and the room's
//! store receives it; a phone-sized inbox does not scroll sideways; another commune's
//! officer is refused the item, its recording and any list or export holding it.
//!
//! With `PHONGHOP_SCREENSHOTS=1` the browser also saves docs/screenshots/staff-inbox.png
//! and docs/screenshots/staff-feedback-item.png (left alone otherwise, so a test run does
//! not rewrite tracked files).
//!
//! Needs GStreamer (the recorder), Node.js, /usr/bin/chromium and playwright-core in
//! `$PHONGHOP_NPM_DIR/node_modules` (`make test` installs them).

use crate::browser_common::{PASSWORD, account, assert_png, run_fixture, screenshots_dir};
use crate::common;

use std::path::Path;
use std::time::Duration;

use common::*;
use phonghop::media::{MicSource, Recorder};
use phonghop::store::StaffRole;

const COMPLAINT: &str = "Đèn đường ở thôn Sín Chải tắt cả tuần nay, tối đi lại rất nguy hiểm.";
const REPLY: &str = "Xã đã báo điện lực; đèn sẽ được thay trong tuần này.";

/// Two seconds of the recorder's own Ogg/Opus (a live test tone as the microphone).
fn record_voice(path: &Path) -> phonghop::room::service::Voice {
    let recorder = Recorder::start(&MicSource::Test { freq_hz: 440.0 }, path, 180)
        .unwrap_or_else(|e| panic!("the recorder starts (GStreamer installed?): {e}"));
    let started = std::time::Instant::now();
    while recorder.elapsed_ms() < 2_000 {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "recording did not advance"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    let recording = recorder.finish().unwrap_or_else(|e| panic!("{e}"));
    phonghop::room::service::Voice {
        path: recording.path,
        sha256_hex: recording.sha256_hex,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_play_answer_and_are_kept_to_their_commune_in_chromium() {
    // Fails at once, before the rooms start, when the browser is missing.
    crate::browser_common::npm_dir();
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    let (config, _) = enrolled_room(&hub, "lao-chai", dir.path().join("room")).await;
    // Bản Hồ has a room too (not running): its officer is the one refused.
    enrolled_room(&hub, "ban-ho", dir.path().join("room-ban-ho")).await;
    let (room, kiosk) = start_room_with_kiosk(config).await;

    let voice_path = dir.path().join("voice.ogg");
    let voice = tokio::task::spawn_blocking(move || record_voice(&voice_path))
        .await
        .expect("recorded");
    let mut draft = typed(COMPLAINT);
    draft.voice = Some(voice);
    draft.name = Some("Giàng Thị Mai".into());
    draft.phone = Some("0912345678".into());
    let code = submit_feedback(&kiosk, draft).await.ticket_code;
    let plain = submit_feedback(&kiosk, typed("Cảm ơn xã đã sửa cầu treo."))
        .await
        .ticket_code;

    let store = phonghop::app::open_store(&hub.config.data_dir).expect("hub store");
    for ticket in [&code, &plain] {
        eventually(
            "the room's feedback at the hub",
            Duration::from_secs(20),
            || {
                let found = store.feedback_by_ticket(ticket).ok().flatten().is_some();
                async move { found }
            },
        )
        .await;
    }
    account(
        &hub,
        "tinh-admin",
        "Cán bộ tinh-admin",
        StaffRole::ProvinceAdmin,
        None,
    );
    let ban_ho = Some("ban-ho");
    account(
        &hub,
        "banho-canbo",
        "Cán bộ banho-canbo",
        StaffRole::CommuneStaff,
        ban_ho,
    );

    let screenshots = screenshots_dir();
    let input = serde_json::json!({
        "base": hub.url.to_string(),
        "code": code,
        "plain": plain,
        "reply": REPLY,
        "admin": { "login": "tinh-admin", "password": PASSWORD },
        "officer": { "login": "banho-canbo", "password": PASSWORD },
        "screenshots": screenshots,
    });
    let seen = run_fixture("staff-dashboard.mjs", [input.to_string()]).await;

    // The inbox: newest first; the filter keeps only the new item with a recording.
    assert_eq!(seen["inbox"], serde_json::json!([plain, code]), "{seen}");
    assert_eq!(seen["filtered"], serde_json::json!([code]), "{seen}");
    assert_eq!(seen["text"], COMPLAINT);
    // The recording played in the page.
    let duration = seen["audio"]["duration"].as_f64().unwrap_or(0.0);
    assert!(
        (1.5..3.0).contains(&duration),
        "the player knows the recording's length: {seen}"
    );
    assert!(
        seen["audio"]["played"].as_u64() >= Some(1)
            && seen["audio"]["currentTime"].as_f64() > Some(0.0),
        "the recording played: {seen}"
    );
    assert_eq!(
        seen["forgedStatus"], 403,
        "a post without its CSRF token: {seen}"
    );
    assert!(
        seen["audio"]["height"].as_f64() > Some(20.0)
            && seen["audio"]["width"].as_f64() > Some(200.0),
        "the player is on the page with its controls: {seen}"
    );
    // Status and reply, each with its message and its audit line naming the admin.
    assert_eq!(seen["status"], "Đang xử lý", "{seen}");
    assert_eq!(seen["statusFlash"], "Đã đổi trạng thái.");
    assert_eq!(seen["reply"], REPLY);
    let audit: Vec<&str> = seen["audit"]
        .as_array()
        .expect("audit lines")
        .iter()
        .filter_map(|l| l.as_str())
        .collect();
    assert_eq!(audit.len(), 2, "{audit:?}");
    assert!(
        audit[0].contains("tinh-admin") && audit[0].contains("Mới nhận → Đang xử lý"),
        "{audit:?}"
    );
    assert!(
        audit[1].contains("tinh-admin") && audit[1].contains(REPLY),
        "{audit:?}"
    );
    // The admin's export: contact details the resident consented to, newest first.
    let csv = seen["adminCsv"].as_str().expect("csv");
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(
        lines.first().copied(),
        Some(
            "ticket,submitted_at,commune,category,status,text,has_voice,reply,replied_at,name,phone,village"
        ),
        "{csv}"
    );
    assert_eq!(lines.len(), 3, "{csv}");
    assert!(
        lines[2].starts_with(&code)
            && lines[2].contains("in_progress")
            && lines[2].contains("Giàng Thị Mai,0912345678"),
        "{csv}"
    );
    // The resident's public page shows the reply, never her name or phone.
    let public = seen["publicPage"].as_str().expect("public page");
    assert!(public.contains(REPLY), "{public}");
    assert!(
        !public.contains("0912345678") && !public.contains("Giàng"),
        "{public}"
    );
    // A 360 px screen shows the cards without sideways scrolling.
    let narrow = &seen["narrow"];
    assert!(
        narrow["scrollWidth"].as_u64() <= narrow["innerWidth"].as_u64()
            && narrow["innerWidth"] == 360,
        "{narrow}"
    );
    assert_eq!(narrow["cards"], 2, "{narrow}");
    // Bản Hồ's officer: 403 for Lao Chải's item and its recording, and not in her lists.
    assert_eq!(seen["officerItemStatus"], 403, "{seen}");
    assert_eq!(seen["officerVoiceStatus"], 403, "{seen}");
    let refused = seen["officerItemPage"].as_str().unwrap_or_default();
    assert!(
        !refused.contains(COMPLAINT) && !refused.contains("0912345678"),
        "{refused}"
    );
    assert_eq!(seen["officerInbox"], serde_json::json!([]), "{seen}");
    let csv = seen["officerCsv"].as_str().expect("csv");
    assert!(
        csv.starts_with("ticket,") && !csv.contains(&code) && csv.lines().count() == 1,
        "{csv}"
    );

    // The reply reached the room's own store, as the kiosk's "Check my ticket" reads it.
    eventually("the reply at the room", Duration::from_secs(10), || {
        let kiosk = kiosk.clone();
        let code = code.clone();
        async move {
            lookup(&kiosk, &code)
                .await
                .is_some_and(|t| t.ticket.reply.as_deref() == Some(REPLY))
        }
    })
    .await;
    if let Some(dir) = &screenshots {
        for name in ["staff-inbox.png", "staff-feedback-item.png"] {
            assert_png(&dir.join(name));
        }
    }
    room.stop().await;
    hub.stop().await;
}
