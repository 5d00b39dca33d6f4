//! In a real browser (Debian's headless Chromium, driven by playwright-core) a province
//! admin signs in, opens the unallocated-transfers queue on a phone-sized screen without
//! sideways scrolling, and assigns a transfer through the page's form. With
//! `PHONGHOP_SCREENSHOTS=1` the desktop view of the queue is saved to
//! docs/screenshots/staff-contributions.png for the README.
//!
//! Needs Node.js, /usr/bin/chromium and playwright-core in `$PHONGHOP_NPM_DIR/node_modules`
//! (`make test` installs them).

use crate::browser_common::{PASSWORD, account, run_fixture, screenshot_path};
use crate::common::tempdir;
use crate::contrib_common::{campaign, generic_body, post_generic, start_hub, store};

use phonghop::store::StaffRole;

#[tokio::test]
async fn chromium_assigns_a_queued_transfer_on_a_phone_sized_screen() {
    crate::browser_common::npm_dir();
    let dir = tempdir();
    let hub = start_hub(dir.path()).await;
    let store = store(&hub);
    campaign(&store);
    for (id, amount, memo, reference) in [
        ("q1", 150_000, "ung ho quy vi nguoi ngheo", "FT26327K1K3"),
        ("q2", 2_000_000, "MTTQ XA BAN HO UNG HO", "FT26328A2B4"),
    ] {
        let (status, answer) = post_generic(&hub, &generic_body(id, amount, memo, reference)).await;
        assert_eq!(status, 200, "{answer}");
    }
    assert_eq!(store.unallocated_transfers().expect("queue").len(), 2);
    account(
        &hub,
        "lan",
        "Nguyễn Thị Lan",
        StaffRole::ProvinceAdmin,
        None,
    );

    let scratch = tempdir();
    let screenshot = screenshot_path("staff-contributions.png", scratch.path());
    let seen = run_fixture(
        "staff-queue-check.mjs",
        [
            hub.url.as_str(),
            "lan",
            PASSWORD,
            screenshot.to_str().expect("a UTF-8 path"),
        ],
    )
    .await;
    assert!(
        seen["phoneScrollWidth"].as_u64().is_some_and(|w| w <= 360),
        "the queue scrolls sideways on a phone: {seen}"
    );
    assert_eq!(seen["cardsBefore"], 2, "{seen}");
    assert!(screenshot.exists(), "the screenshot was taken");
    assert_eq!(seen["notice"], "Transfer assigned.", "{seen}");
    assert_eq!(seen["cardsAfter"], 1, "{seen}");
    let left = store.unallocated_transfers().expect("queue");
    assert_eq!(left.len(), 1);
    let credited = store
        .ledger_of(
            &store
                .campaign(crate::contrib_common::SLUG)
                .expect("read")
                .expect("campaign")
                .id,
        )
        .expect("ledger");
    assert_eq!(credited.len(), 1);
    assert!(
        credited[0]
            .staff_member
            .as_deref()
            .is_some_and(|s| s.contains("Nguyễn Thị Lan"))
    );
    hub.stop().await;
}
