//! In a real browser (Debian's headless Chromium, driven by playwright-core) a province
//! admin signs in, opens the unallocated-transfers queue on a phone-sized screen without
//! sideways scrolling, and assigns a transfer through the page's form. With
//! `PHONGHOP_SCREENSHOTS=1` the desktop view of the queue is saved to
//! docs/screenshots/staff-contributions.png for the README.
//!
//! Needs Node.js, /usr/bin/chromium and playwright-core in `$PHONGHOP_NPM_DIR/node_modules`
//! (`make test` installs them).

use crate::common::tempdir;
use crate::contrib_common::{campaign, generic_body, post_generic, start_hub, store};

use phonghop::hub::accounts::{NewAccount, add_user};
use phonghop::store::StaffRole;

const HINT: &str =
    "run `make test` (it installs chromium and playwright-core) or set PHONGHOP_NPM_DIR";
const PASSWORD: &str = "mật khẩu của tỉnh 2026";

#[tokio::test]
async fn chromium_assigns_a_queued_transfer_on_a_phone_sized_screen() {
    let npm_dir = std::env::var_os("PHONGHOP_NPM_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| panic!("PHONGHOP_NPM_DIR is not set: {HINT}"));
    assert!(
        std::path::Path::new("/usr/bin/chromium").exists(),
        "no /usr/bin/chromium: {HINT}"
    );
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
    add_user(
        &hub.config,
        &NewAccount {
            login: "lan",
            name: "Nguyễn Thị Lan",
            role: StaffRole::ProvinceAdmin,
            unit: None,
            password: Some(PASSWORD),
        },
    )
    .expect("account");

    // The README's copy is rewritten only on request, so `make test` leaves the tree clean.
    let scratch = tempdir();
    let screenshot = if std::env::var("PHONGHOP_SCREENSHOTS").as_deref() == Ok("1") {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("docs/screenshots/staff-contributions.png")
    } else {
        scratch.path().join("staff-contributions.png")
    };
    std::fs::create_dir_all(screenshot.parent().expect("parent")).expect("screenshots dir");
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/staff-queue-check.mjs");
    let output = tokio::process::Command::new("node")
        .arg(&script)
        .arg(hub.url.as_str())
        .arg("lan")
        .arg(PASSWORD)
        .arg(&screenshot)
        .env("PHONGHOP_NPM_DIR", &npm_dir)
        .output()
        .await
        .unwrap_or_else(|e| panic!("cannot run `node` ({e}): {HINT}"));
    assert!(
        output.status.success(),
        "the browser check failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    });
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
