//! A visitor's browser (Debian's headless Chromium, driven by playwright-core) shows a gift
//! staff assigned, with its bank reference; the page's CSV link downloads the same rows; a
//! screenshot of the page is kept in docs/screenshots/campaign-page.png for the README
//! (rewritten when `PHONGHOP_SCREENSHOTS=1`).
//!
//! Needs Node.js, /usr/bin/chromium and playwright-core in `$PHONGHOP_NPM_DIR/node_modules`
//! (`make test` installs them).

use crate::browser_common::{assert_png, run_fixture, screenshot_path};
use crate::contrib_common;
use crate::contrib_fixtures::public_csv;
use contrib_common::*;

#[tokio::test]
async fn chromium_shows_the_assigned_gift_and_downloads_the_same_csv() {
    crate::browser_common::npm_dir();

    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    let campaign = campaign(&store);
    pledge(&store, &campaign, "UH7K3P9", 200_000, Some("Cô Hoa"));
    for (id, amount, memo, reference) in [
        (
            "g1",
            200_000,
            "MBVCB.3278907687.UH7K3P9 QUY VI NGUOI NGHEO",
            "FT26327H8K1",
        ),
        (
            "g2",
            500_000,
            "QV7N2B ung ho ba con Lao Chai",
            "FT26327J9K2",
        ),
        (
            "g3",
            150_000,
            "ung ho quy vi nguoi ngheo sdt 0912345678",
            "FT26327K1K3",
        ),
    ] {
        let (status, answer) = post_generic(&hub, &generic_body(id, amount, memo, reference)).await;
        assert_eq!(status, 200, "{answer}");
    }
    // The third had no code: staff assign it.
    let queue = store.unallocated_transfers().expect("queue");
    assert_eq!(queue.len(), 1);
    store
        .assign_transfer(
            &queue[0].id,
            SLUG,
            None,
            phonghop::store::StaffNote {
                staff_member: "Chị Lan",
                reason: "người ủng hộ gọi điện xác nhận",
            },
            phonghop::clock::now_ms(),
        )
        .expect("assign");

    let scratch = tempdir();
    let screenshot = screenshot_path("campaign-page.png", scratch.path());
    let url = hub.url.join(&format!("c/{SLUG}")).expect("url").to_string();
    let seen = run_fixture(
        "campaign-page-check.mjs",
        [url.as_str(), screenshot.to_str().expect("a UTF-8 path")],
    )
    .await;

    assert_eq!(seen["title"], "Quỹ Vì người nghèo xã Lao Chải 2026");
    assert_eq!(seen["raised"], "850.000 ₫");
    assert_eq!(seen["gifts"], "3");
    let rows = seen["rows"].as_array().expect("rows");
    assert_eq!(rows.len(), 3, "{seen}");
    let assigned = rows
        .iter()
        .find(|r| r[2] == "FT26327K1K3")
        .unwrap_or_else(|| panic!("the assigned gift is shown with its bank reference: {seen}"));
    assert_eq!(assigned[1], "150.000");
    assert_eq!(assigned[3], "ung ho quy vi nguoi ngheo sdt **********");
    assert!(
        assigned[5]
            .as_str()
            .is_some_and(|k| k.contains("người ủng hộ gọi điện xác nhận")),
        "{assigned:?}"
    );
    assert!(
        !seen.to_string().contains("Chị Lan"),
        "staff names stay off the public page"
    );
    assert!(rows.iter().any(|r| r[4] == "Cô Hoa"), "{seen}");

    assert_eq!(seen["csvName"], format!("{SLUG}.csv"));
    let served = public_csv(&hub).await;
    assert_eq!(
        seen["csv"], served,
        "the link downloads the CSV the hub serves"
    );
    assert!(served.contains("FT26327K1K3"));
    assert!(served.lines().count() == 4, "{served}");

    assert_png(&screenshot);
    hub.stop().await;
}
