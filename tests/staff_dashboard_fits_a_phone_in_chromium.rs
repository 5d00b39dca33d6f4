//! A commune officer signs in to the dashboard in a real browser (Debian's headless
//! Chromium) through the login form, at a phone's width (360 px) and a desktop's: nothing
//! scrolls sideways, the stylesheet loads under the CSP (no console errors), her menu is
//! her role's, and the menu's logout button ends the session.
//!
//! Needs Node.js, /usr/bin/chromium and playwright-core in `$PHONGHOP_NPM_DIR/node_modules`
//! (`make test` installs them).

use crate::browser_common::{PASSWORD, account, run_fixture};
use crate::common;

use common::*;
use phonghop::store::StaffRole;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_commune_officer_signs_in_on_a_phone_and_nothing_scrolls_sideways() {
    crate::browser_common::npm_dir();
    let dir = tempdir();
    let hub = start_hub(&dir.path().join("hub")).await;
    account(
        &hub,
        "laochai",
        "Lò Thị Hoa, cán bộ Mặt trận xã Lao Chải",
        StaffRole::CommuneStaff,
        Some("lao-chai"),
    );

    let seen = run_fixture(
        "staff-login-check.mjs",
        [hub.url.as_str(), "laochai", PASSWORD],
    )
    .await;

    assert_eq!(
        seen["consoleErrors"],
        serde_json::json!([]),
        "no CSP or load errors"
    );
    let views = seen["views"].as_array().expect("views");
    assert_eq!(views.len(), 2, "{seen}");
    for view in views {
        let width = &view["width"];
        assert_eq!(
            view["loginOverflow"], 0,
            "the login page at {width} px: {view}"
        );
        assert_eq!(
            view["homeOverflow"], 0,
            "the home page at {width} px: {view}"
        );
        assert_eq!(
            view["headerColour"], "rgb(179, 38, 30)",
            "the stylesheet applies: {view}"
        );
        assert_eq!(
            view["heading"], "Trang chủ",
            "Vietnamese by default: {view}"
        );
        let menu: Vec<&str> = view["menu"]
            .as_array()
            .expect("menu")
            .iter()
            .filter_map(|m| m.as_str())
            .collect();
        assert!(menu.contains(&"Ý kiến người dân"), "{menu:?}");
        assert!(
            !menu.contains(&"Đóng góp"),
            "no province menus for commune staff: {menu:?}"
        );
        assert_eq!(view["afterLogout"], "/staff/login", "logged out: {view}");
    }
    hub.stop().await;
}
