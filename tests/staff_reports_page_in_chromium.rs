//! A province admin opens the reports page in a real browser (Debian's headless Chromium,
//! driven by playwright-core) over four weeks of feedback, replies, ratings and gifts: every
//! chart is drawn with its bars and lines, the tables hold the rows, nothing scrolls
//! sideways and the page logs no error. With `PHONGHOP_SCREENSHOTS=1` the page is saved to
//! docs/screenshots/staff-reports.png for the README.
//!
//! Needs Node.js, /usr/bin/chromium and playwright-core in `$PHONGHOP_NPM_DIR/node_modules`
//! (`make test` installs them).

use crate::browser_common::{PASSWORD, account, assert_png, run_fixture, screenshot_path};
use crate::common::{enrolled_room, tempdir};
use crate::contrib_common::{campaign, generic_body, pledge, post_generic, start_hub, store};

use phonghop::feedback::Status;
use phonghop::store::{StaffRole, Store};
use phonghop::wire::{FeedbackRecord, RatingRecord, Record, UploadItem};

const DAY_MS: i64 = 24 * 3600 * 1000;

/// What residents said at a room over the last four weeks (category, text, whether staff
/// replied), each with a rating of the service, uploaded as the room's sync does.
fn four_weeks_of_feedback(store: &Store, room_id: &str, first_day: i64, now_ms: i64) {
    const SAID: [(&str, &str, bool); 6] = [
        (
            "roads",
            "Cầu treo ở thôn Sín Chải bị gãy một tấm ván.",
            true,
        ),
        ("environment", "Nước suối đầu bản bị đục vì rác thải.", true),
        ("roads", "Đường lên trường bị sạt lở.", false),
        (
            "welfare",
            "Gia đình bà Sua chưa nhận hỗ trợ tháng này.",
            true,
        ),
        ("services", "Xin hướng dẫn làm lại giấy khai sinh.", true),
        ("environment", "Rác thải đổ ra suối ở thôn Tả Van.", false),
    ];
    let prefix = store
        .room(room_id)
        .expect("read room")
        .and_then(|r| r.ticket_prefix)
        .expect("a ticket prefix");
    let mut items = Vec::new();
    let mut replies = Vec::new();
    for (i, (category, text, replied)) in SAID.into_iter().enumerate() {
        let at_ms = now_ms - (first_day + 4 * i as i64) * DAY_MS;
        let code = phonghop::feedback::ticket::new_code(&prefix, &mut rand::rng());
        for record in [
            Record::Feedback(FeedbackRecord {
                ticket_code: code.clone(),
                category: category.into(),
                text: text.into(),
                voice_sha256: None,
                name: None,
                phone: None,
                village: None,
                language: "vi".into(),
                submitted_at_ms: at_ms,
            }),
            Record::Rating(RatingRecord {
                question: "service".into(),
                score: 3 + (i % 3) as u8,
                filtered: false,
                submitted_at_ms: at_ms + 60_000,
            }),
        ] {
            items.push(UploadItem {
                id: uuid::Uuid::now_v7(),
                seq: items.len() as i64 + 1,
                record,
            });
        }
        if replied {
            replies.push((code, at_ms + (i as i64 + 1) * DAY_MS / 4));
        }
    }
    store.store_upload(room_id, &items, now_ms).expect("upload");
    for (code, at_ms) in replies {
        let reply = "Xã đã cử cán bộ đến xem và sẽ xử lý trong tuần.";
        store
            .update_feedback(&code, Some(Status::Resolved), Some(reply), "tinh", at_ms)
            .expect("store")
            .expect("reply accepted");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_reports_page_draws_every_chart_in_chromium() {
    crate::browser_common::npm_dir();
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let now_ms = phonghop::clock::now_ms();
    let rooms = tempdir();
    for (n, unit) in ["lao-chai", "ban-ho"].into_iter().enumerate() {
        let (_, room_id) = enrolled_room(&hub, unit, rooms.path().join(unit)).await;
        four_weeks_of_feedback(&store, &room_id, n as i64 + 1, now_ms);
    }
    let campaign = campaign(&store);
    pledge(&store, &campaign, "UH7K3P9", 200_000, Some("Cô Hoa"));
    for (id, amount, memo, reference) in [
        (
            "g1",
            200_000,
            "MBVCB.3278907687.UH7K3P9 UNG HO",
            "FT26327H8K1",
        ),
        (
            "g2",
            500_000,
            "QV7N2B ung ho ba con Lao Chai",
            "FT26327J9K2",
        ),
    ] {
        let (status, answer) = post_generic(&hub, &generic_body(id, amount, memo, reference)).await;
        assert_eq!(status, 200, "{answer}");
    }
    account(
        &hub,
        "tinh",
        "Nguyễn Thị Lan",
        StaffRole::ProvinceAdmin,
        None,
    );

    let scratch = tempdir();
    let screenshot = screenshot_path("staff-reports.png", scratch.path());
    let seen = run_fixture(
        "staff-reports-check.mjs",
        [
            hub.url.as_str(),
            "tinh",
            PASSWORD,
            screenshot.to_str().expect("a UTF-8 path"),
        ],
    )
    .await;
    assert_eq!(seen["consoleErrors"], serde_json::json!([]), "{seen}");
    let charts = seen["charts"].as_array().expect("charts");
    assert_eq!(charts.len(), 7, "seven charts: {seen}");
    for chart in charts {
        assert!(
            chart["width"].as_f64() > Some(200.0) && chart["height"].as_f64() > Some(100.0),
            "a chart too small to read: {chart}"
        );
    }
    // Each bar chart's rects: its white background and a bar per non-zero value (stacked
    // per category and week; one per commune; one for the one campaign).
    for (i, at_least) in [(0, 6), (1, 3), (4, 2)] {
        assert!(
            charts[i]["bars"].as_u64() >= Some(at_least),
            "chart {i} lacks its bars: {seen}"
        );
    }
    assert!(seen["rows"].as_u64() > Some(10), "the tables' rows: {seen}");
    assert!(
        seen["scrollWidth"].as_u64() <= seen["innerWidth"].as_u64(),
        "the page scrolls sideways: {seen}"
    );
    assert_png(&screenshot);
    hub.stop().await;
}
